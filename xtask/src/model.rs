//! Makes sure `static/model.bin` exists, training and exporting it on a fresh checkout.

use crate::{cargo, paths, run};
use anyhow::Result;

/// Runs the trainer to export the page's model, unless it is already there.
pub fn ensure_model() -> Result<()> {
    let model = paths::model_file();
    if model.exists() {
        return Ok(());
    }
    println!(
        "{} is missing: training it (ml-latest-small, hybrid of content and collaborative fold-in)…",
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
            "--model",
            "hybrid",
            "--dataset",
            "ml-latest-small",
            "--out",
        ])
        .arg(&model))
}
