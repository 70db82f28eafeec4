//! `trainer visitors`: the visitor's protocol on one release, as a table or JSON lines.

use crate::data::DataArgs;
use crate::emit_rows;
use anyhow::Result;
use clap::Args;
use trainer::backend;
use trainer::visitors::{self, VisitorOptions};

#[derive(Args)]
pub struct VisitorArgs {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    options: VisitorOptions,
    /// One JSON object per row instead of the tables.
    #[arg(long)]
    json: bool,
}

pub fn visitors(args: &VisitorArgs) -> Result<()> {
    let dataset = args.data.load()?;
    let rows = visitors::measure::<backend::Cpu>(&dataset, &args.options, Default::default())?;
    emit_rows(&rows, args.json, visitors::table)
}
