//! `trainer bench`: every model of the registry on the same splits, one report.

use crate::data::SourceArgs;
use anyhow::Result;
use clap::Args;
use trainer::backend;
use trainer::bench::BenchOptions;

#[derive(Args)]
pub struct BenchArgs {
    #[command(flatten)]
    source: SourceArgs,
    #[command(flatten)]
    options: BenchOptions,
}

pub fn bench(args: &BenchArgs) -> Result<()> {
    trainer::bench::write_report::<backend::Cpu>(&args.source.source(), &args.options)?;
    Ok(())
}
