//! Project tasks behind `cargo xtask …`, as a library so the end-to-end tests can reuse them:
//! - [`build_web`]: compile the page to wasm and bind it into `static/pkg/`,
//! - [`serve`]: the static file server for `static/` (axum + tower-http, hardened),
//! - [`dist`]: the page as a folder any static host serves, usable offline and installable,
//! - [`precompress`]: the gzip and brotli copies of the page's files that a server negotiates,
//! - [`model`]: make sure `static/model.bin` exists (training it if not),
//! - [`browser`]: headless Chromium through chromedriver, and helpers to drive the page,
//! - [`axe`]: axe-core from npm, pinned and verified, for the page's accessibility check,
//! - [`bench`]: payload sizes and latencies of the page,
//! - [`bench_scale`]: the default model trained and served at the big releases' sizes,
//! - [`gpu_check`]: the device check, prepared to travel to a GPU or run here on the CPU,
//! - [`install`]: what the build and the checks need (wasm target, Chromium, test runner),
//! - [`check`]: every check CI runs, and the smoke check of the README's main command.

pub mod axe;
pub mod bench;
pub mod bench_scale;
pub mod browser;
pub mod build_web;
pub mod check;
pub mod dist;
pub mod gpu_check;
pub mod install;
pub mod model;
pub mod paths;
pub mod precompress;
pub mod serve;

use anyhow::{Context, Result, bail};
use std::process::Command;

/// Runs a command to completion with inherited output; a non-zero exit is an error naming it.
pub fn run(command: &mut Command) -> Result<()> {
    let shown = format!("{command:?}");
    let status = command
        .status()
        .with_context(|| format!("could not start {shown}"))?;
    if !status.success() {
        bail!("{shown} failed ({status})");
    }
    Ok(())
}

/// `cargo` as invoked by the current `cargo xtask`, run from the workspace root.
pub fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(paths::workspace_root());
    command
}
