//! `trainer synth`: a synthetic release in the real file layout, for speed and memory at sizes no
//! real data here has.

use crate::emit;
use anyhow::{Result, bail};
use clap::Args;
use std::path::PathBuf;
use trainer::data::DatasetName;
use trainer::options::positive_finite_f64;
use trainer::synth::{Shape, write};

#[derive(Args)]
pub struct SynthArgs {
    /// The release to imitate: ml-latest-small, ml-25m or ml-32m.
    #[arg(long)]
    like: DatasetName,
    /// Where the release's folder is written (the --data-dir of later runs).
    #[arg(long)]
    out: PathBuf,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Users, movies and ratings times this (above 0, at most 10).
    #[arg(long, default_value_t = 1.0, value_parser = positive_finite_f64, allow_negative_numbers = true)]
    scale: f64,
}

pub fn synth(args: &SynthArgs) -> Result<()> {
    if args.scale > 10.0 {
        bail!("--scale {}: at most 10", args.scale);
    }
    let shape = Shape::of(args.like)?.scaled(args.scale);
    let written = write(shape, &args.out, args.seed)?;
    emit(format_args!(
        "Wrote {}: {} users, {} movies, {} ratings, {} tags",
        written.folder.display(),
        written.users,
        written.movies,
        written.ratings,
        written.tags
    ))
}
