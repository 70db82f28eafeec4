//! `trainer`: the command line over the trainer library, one file per command. Each command's
//! flags are a clap `Args` struct in its file; the model options are the library's
//! [`trainer::options::ModelOptions`], declared once. See `trainer --help`.

mod bench;
mod data;
mod device_check;
mod eval;
mod out_file;
mod recommend;
mod stars;
mod synth;
mod train;
mod visitors;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use shared::Recommender;
use shared::tail::TailFile;
use std::fmt::Display;
use std::io::{ErrorKind, Read, Write};
use std::path::Path;

#[derive(Parser)]
#[command(version, about = "Train, evaluate and export MovieLens recommenders")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print a release's users, movies, ratings, rating histogram and density.
    Data(data::DataArgs),
    /// Train a model, report its test metrics, and (fold-in) export the page's weights.
    Train(Box<train::TrainArgs>),
    /// Evaluate an exported model file on held-out users.
    Eval(eval::EvalArgs),
    /// Recommend movies for a new user who liked some movies, with an exported model.
    Recommend(recommend::RecommendArgs),
    /// Train and evaluate every model on ml-100k and ml-latest-small; write a report.
    Bench(bench::BenchArgs),
    /// List every model: its `--model` name, its task and what it is.
    Models,
    /// Write a synthetic release shaped like a real one, to measure at sizes not at hand.
    Synth(synth::SynthArgs),
    /// The prepared GPU check: burn networks on the device vs the CPU, fine-tuning quality and
    /// epoch time (PyTorch beside it), training at ml-25m size; one table.
    DeviceCheck(device_check::DeviceCheckArgs),
    /// The default model measured as visitors use it: held-out users give 1, 3, 5, 10 of their
    /// liked movies; EASE, PureSVD and popularity on the same users; overall and per segment.
    Visitors(visitors::VisitorArgs),
    /// Predicted stars for new visitors: held-out users give 5, 10, 20 of their ratings and the
    /// rest are predicted; the movie mean, the baseline and Funk-SVD folded in, side by side.
    Stars(stars::StarsArgs),
}

fn main() {
    let result = match Cli::parse().command {
        Command::Data(args) => data::print(&args),
        Command::Train(args) => train::train(&args),
        Command::Eval(args) => eval::eval(&args),
        Command::Recommend(args) => recommend::recommend(&args),
        Command::Bench(args) => bench::bench(&args),
        Command::Models => emit(trainer::registry::table().trim_end()),
        Command::Synth(args) => synth::synth(&args),
        Command::DeviceCheck(args) => device_check::device_check(&args),
        Command::Visitors(args) => visitors::visitors(&args),
        Command::Stars(args) => stars::stars(&args),
    };
    if let Err(err) = result {
        eprintln!("error: {err:#}");
        std::process::exit(1);
    }
}

/// Writes `text` and a line end to standard output, the one way the commands print. A closed
/// pipe (`trainer recommend … | head -1`) ends the output: the command stops there, quietly and
/// successfully, as `head` asked (whatever was saved, such as a model file, is saved first).
/// Any other failure (`> /dev/full`) is an error that says so.
pub fn emit(text: impl Display) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(err) if err.kind() == ErrorKind::BrokenPipe => std::process::exit(0),
        written => written.context("writing to standard output"),
    }
}

/// `rows` as one JSON object per line with `--json`, else as `table` lays them out.
pub fn emit_rows<T: serde::Serialize>(
    rows: &[T],
    json: bool,
    table: impl FnOnce(&[T]) -> String,
) -> Result<()> {
    if json {
        for row in rows {
            emit(serde_json::to_string(row)?)?;
        }
        Ok(())
    } else {
        emit(table(rows).trim())
    }
}

/// An exported weights file, loaded as the page loads it. Its header is checked before the
/// rest is read, so a foreign or oversized file costs a few bytes, not its size in memory;
/// anything but a regular file (a folder, a device, a pipe) is refused by name. With
/// `with_tail`, the catalogue's tail beside it (`model.tail.bin` for `model.bin`) is attached
/// when there is one, as the page attaches it.
fn load_model(path: &Path, with_tail: bool) -> Result<Recommender> {
    let bytes = read_checked(path, shared::format::check_header)?;
    let shown = path.display();
    let mut recommender =
        Recommender::from_bytes(&bytes).with_context(|| format!("loading {shown}"))?;
    let tail_path = shared::tail::path_beside(path);
    if with_tail && tail_path.exists() {
        let tail_shown = tail_path.display();
        let failed = || {
            format!(
                "loading the catalogue's tail {tail_shown} (exported beside the model; move it away to use the model without it)"
            )
        };
        let tail = read_checked(&tail_path, shared::tail::check_header)
            .and_then(|bytes| Ok(TailFile::from_bytes(&bytes)?))
            .with_context(failed)?;
        let checksum = shared::ModelFile::checksum(&bytes).expect("a loaded model has a header");
        recommender
            .attach_tail(tail, checksum)
            .with_context(failed)?;
    }
    Ok(recommender)
}

/// A regular file's bytes, its header checked by `check_header` (given the first bytes and the
/// file's size) before the rest is read.
fn read_checked(
    path: &Path,
    check_header: fn(&[u8], u64) -> Result<u32, shared::FormatError>,
) -> Result<Vec<u8>> {
    let shown = path.display();
    let reading = || format!("reading {shown}");
    // Asked of the path before opening: opening a pipe would wait for a writer.
    let size = std::fs::metadata(path).with_context(reading)?;
    if !size.is_file() {
        bail!("{shown} is not a regular file (a folder, a device or a pipe): give the model file");
    }
    let mut file = std::fs::File::open(path).with_context(reading)?;
    let mut bytes = Vec::with_capacity(shared::format::HEADER_LEN);
    (&mut file)
        .take(shared::format::HEADER_LEN as u64)
        .read_to_end(&mut bytes)
        .with_context(reading)?;
    check_header(&bytes, size.len()).with_context(|| format!("loading {shown}"))?;
    file.take(size.len())
        .read_to_end(&mut bytes)
        .with_context(reading)?;
    Ok(bytes)
}
