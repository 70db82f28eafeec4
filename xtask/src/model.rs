//! Makes sure `static/model.bin` exists, training and exporting it on a fresh checkout with the
//! trainer's default model: no `--model` is passed, so the page ships what `trainer train`
//! trains.

use crate::{cargo, paths, run};
use anyhow::Result;

/// Runs the trainer to export the page's model, unless it is already there.
pub fn ensure_model() -> Result<()> {
    let model = paths::model_file();
    let missing = [model.clone(), paths::tail_file()]
        .into_iter()
        .find(|file| !file.exists());
    let Some(missing) = missing else {
        return Ok(());
    };
    println!(
        "{} is missing: training the default model on ml-latest-small…",
        missing.display()
    );
    run(cargo()
        .args([
            "run",
            "--release",
            "-p",
            "trainer",
            "--",
            "train",
            "--dataset",
            "ml-latest-small",
            "--out",
        ])
        .arg(&model))
}
