//! `cargo xtask gpu-check`: the device check (`trainer device-check`) prepared before a GPU is
//! lent, so that a short loan only runs it.
//!
//! - `--local` runs it here on the CPU, end to end, at a small scale: on a GPU only the device
//!   is new.
//! - Without it, the CUDA trainer is built here (the device machine has no Rust), stripped, and
//!   staged in `target/gpu-check/` with ml-latest-small (copied from `MOVIELENS_DIR`, under the
//!   ignored target folder: ratings are never committed) and the PyTorch reference; the device
//!   tool's call that runs it all in one command is printed.

use crate::{cargo, paths, run};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The staged folder, relative to the workspace root (what the device tool carries).
const STAGE: &str = "target/gpu-check";
/// The PyTorch reference, in the repository.
const TORCH_SCRIPT: &str = "trainer/device_check/torch_epoch.py";

/// Where the MovieLens folders are: `MOVIELENS_DIR`, else `../shared/movielens` as in CI.
fn movielens_dir() -> Result<PathBuf> {
    let dir = std::env::var_os("MOVIELENS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| paths::workspace_root().join("../shared/movielens"));
    if !dir.join("ml-latest-small").is_dir() {
        bail!(
            "{} holds no ml-latest-small/: set MOVIELENS_DIR to the folder of the MovieLens releases",
            dir.display()
        );
    }
    Ok(dir)
}

/// Runs the check here on the CPU: `scale` of ml-25m's size, `epochs` of fine-tuning.
pub fn local(scale: f64, epochs: usize) -> Result<()> {
    run(cargo().args(["build", "--release", "-p", "trainer"]))?;
    let out = paths::target_dir().join("gpu-check-local");
    run(Command::new(paths::trainer_binary())
        .current_dir(paths::workspace_root())
        .args(["device-check", "--device", "cpu", "--data-dir"])
        .arg(movielens_dir()?)
        .arg("--out-dir")
        .arg(&out)
        .args(["--scale", &scale.to_string()])
        .args(["--epochs", &epochs.to_string()])
        .args(["--torch-script", TORCH_SCRIPT]))?;
    println!("Table: {}", out.join("device-check.md").display());
    Ok(())
}

/// Builds the CUDA trainer and stages everything the device machine needs.
pub fn prepare() -> Result<()> {
    run(cargo().args(["build", "--release", "-p", "trainer", "--features", "cuda"]))?;
    let root = paths::workspace_root();
    let stage = root.join(STAGE);
    if stage.exists() {
        std::fs::remove_dir_all(&stage).with_context(|| format!("clearing {}", stage.display()))?;
    }
    let data = stage.join("movielens/ml-latest-small");
    std::fs::create_dir_all(&data).with_context(|| format!("creating {}", data.display()))?;
    let binary = stage.join("trainer");
    copy(&paths::trainer_binary(), &binary)?;
    // Debug line tables would double the carried size.
    run(Command::new("strip").arg(&binary))?;
    copy(&root.join(TORCH_SCRIPT), &stage.join("torch_epoch.py"))?;
    let source = movielens_dir()?.join("ml-latest-small");
    for entry in
        std::fs::read_dir(&source).with_context(|| format!("reading {}", source.display()))?
    {
        let path = entry?.path();
        if path.is_file() {
            copy(&path, &data.join(path.file_name().unwrap_or_default()))?;
        }
    }
    println!(
        "Staged {STAGE}/. On the device machine, one call (device tool `run`, carry [\"{STAGE}\"], timeout_s 540):\n\
         {STAGE}/trainer device-check --device cuda --data-dir {STAGE}/movielens --out-dir $OUT \
         --torch-script {STAGE}/torch_epoch.py 2>&1 | tee $OUT/log"
    );
    Ok(())
}

fn copy(from: &Path, to: &Path) -> Result<()> {
    std::fs::copy(from, to)
        .map(|_| ())
        .with_context(|| format!("copying {} to {}", from.display(), to.display()))
}
