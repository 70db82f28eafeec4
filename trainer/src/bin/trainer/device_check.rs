//! `trainer device-check`: the prepared GPU check (see `trainer::device_check`), on the device
//! asked for; the table goes to stdout and to `--out-dir/device-check.md`.

use crate::data::SourceArgs;
use crate::emit;
use anyhow::{Context, Result};
use burn::tensor::backend::AutodiffBackend;
use clap::Args;
use std::path::PathBuf;
use trainer::backend::{self, Device};
use trainer::device_check::{self, CheckSettings};
use trainer::options::{positive_finite_f64, positive_usize};

#[derive(Args)]
pub struct DeviceCheckArgs {
    /// Where ml-latest-small/ is.
    #[command(flatten)]
    source: SourceArgs,
    #[arg(long, value_enum, default_value = "cuda")]
    device: Device,
    /// Where the table and the synthetic release go.
    #[arg(long)]
    out_dir: PathBuf,
    /// The synthetic release's size as a fraction of ml-25m's (above 0, at most 1).
    #[arg(long, default_value_t = 1.0, value_parser = positive_finite_f64, allow_negative_numbers = true)]
    scale: f64,
    /// Fine-tuning epochs of the fold-in model (at least 1).
    #[arg(long, default_value_t = 20, value_parser = positive_usize, allow_negative_numbers = true)]
    epochs: usize,
    /// The PyTorch reference script.
    #[arg(long, default_value = "trainer/device_check/torch_epoch.py")]
    torch_script: PathBuf,
}

pub fn device_check(args: &DeviceCheckArgs) -> Result<()> {
    anyhow::ensure!(args.scale <= 1.0, "--scale {}: at most 1", args.scale);
    backend::check(args.device)?;
    std::fs::create_dir_all(&args.out_dir)
        .with_context(|| format!("creating {}", args.out_dir.display()))?;
    let settings = CheckSettings {
        source: args.source.source(),
        work_dir: args.out_dir.clone(),
        scale: args.scale,
        epochs: args.epochs,
        torch_script: args.torch_script.clone(),
    };
    let table = match args.device {
        Device::Cpu => check_on::<backend::Cpu>(&Default::default(), &settings)?,
        #[cfg(feature = "cuda")]
        Device::Cuda => check_on::<backend::Gpu>(&Default::default(), &settings)?,
        #[cfg(not(feature = "cuda"))]
        Device::Cuda => unreachable!("backend::check refuses CUDA without the feature"),
    };
    let path = args.out_dir.join("device-check.md");
    std::fs::write(&path, &table).with_context(|| format!("writing {}", path.display()))?;
    emit(table.trim_end())
}

fn check_on<B: AutodiffBackend>(device: &B::Device, settings: &CheckSettings) -> Result<String> {
    let heading = format!(
        "device check on {:?} ({} CPU threads)\n\n",
        device,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    Ok(heading + &device_check::run::<B>(device, settings)?)
}
