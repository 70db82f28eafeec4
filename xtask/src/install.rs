//! Installs what the build and the checks need, once, for every task that needs it: `serve`,
//! `build-web`, `bench-web` and `test` all come through here, so the README's first command
//! works on a machine that has only rustup and cargo.

use crate::browser::CHROMEDRIVER;
use crate::build_web::WASM_TARGET;
use crate::{cargo, run};
use anyhow::{Context, Result};
use std::process::Command;

/// The wasm-bindgen-test-runner must match the `wasm-bindgen` the page is built with.
const WASM_BINDGEN_VERSION: &str = "0.2.130";

/// The wasm32 target the page compiles to.
pub fn wasm_target() -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .context("rustup is needed to add the wasm target")?;
    if !String::from_utf8_lossy(&installed.stdout).contains(WASM_TARGET) {
        run(Command::new("rustup").args(["target", "add", WASM_TARGET]))?;
    }
    Ok(())
}

/// Debian's Chromium and chromedriver, for the end-to-end tests and the page benchmark.
pub fn chromium() -> Result<()> {
    if !std::path::Path::new(CHROMEDRIVER).exists() {
        run(Command::new("apt-get").arg("update"))?;
        run(Command::new("apt-get").args(["install", "-y", "chromium", "chromium-driver"]))?;
    }
    Ok(())
}

/// axe-core's script, for the end-to-end tests' accessibility check (which reads it offline):
/// downloaded once from npm into the target folder and checked against its pinned sha512.
pub fn axe_core() -> Result<()> {
    crate::axe::install()?;
    Ok(())
}

/// The runner that executes the page's `wasm_bindgen_test`s in Chromium.
pub fn wasm_bindgen_test_runner() -> Result<()> {
    let runner = Command::new("wasm-bindgen-test-runner")
        .arg("--version")
        .output();
    let current =
        runner.is_ok_and(|out| String::from_utf8_lossy(&out.stdout).contains(WASM_BINDGEN_VERSION));
    if !current {
        run(cargo().args([
            "install",
            "wasm-bindgen-cli",
            "--version",
            WASM_BINDGEN_VERSION,
        ]))?;
    }
    Ok(())
}
