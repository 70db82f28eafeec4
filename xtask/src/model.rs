//! Makes sure `static/model.bin` exists, training and exporting it (and the catalogue's tail
//! beside it) on a fresh checkout with the trainer's default model: no `--model` is passed, so
//! the page ships what `trainer train` trains.

use crate::{cargo, paths, run};
use anyhow::Result;

/// Runs the trainer to export the page's model, unless it is already there.
pub fn ensure_model() -> Result<()> {
    let model = paths::model_file();
    if model.exists() {
        let tail = paths::tail_file();
        if !tail.exists() {
            // The model may be one the user trained: it is not replaced for its tail's sake.
            println!(
                "{} is missing: the page offers only the model's own movies (delete {} to train both again)",
                tail.display(),
                model.display()
            );
        }
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
