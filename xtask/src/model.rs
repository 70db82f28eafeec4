//! Makes sure `static/model.bin` exists, training and exporting it on a fresh checkout with the
//! trainer's default model: no `--model` is passed, so the page ships what `trainer train`
//! trains.

use crate::{cargo, paths, run};
use anyhow::Result;

/// Runs the trainer to export the page's model, unless it is already there.
pub fn ensure_model() -> Result<()> {
    let model = paths::model_file();
    if model.exists() {
        return Ok(());
    }
    println!(
        "{} is missing: training the default model on ml-latest-small…",
        model.display()
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
