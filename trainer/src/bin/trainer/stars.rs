//! `trainer stars`: predicted stars for new visitors on one release, as a table or JSON lines.

use crate::data::DataArgs;
use crate::emit_rows;
use anyhow::Result;
use clap::Args;
use trainer::backend;
use trainer::stars::{self, StarsOptions};

#[derive(Args)]
pub struct StarsArgs {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    options: StarsOptions,
    /// One JSON object per row instead of the tables.
    #[arg(long)]
    json: bool,
}

pub fn stars(args: &StarsArgs) -> Result<()> {
    let dataset = args.data.load()?;
    let rows = stars::measure::<backend::Cpu>(&dataset, &args.options, Default::default())?;
    emit_rows(&rows, args.json, stars::table)
}
