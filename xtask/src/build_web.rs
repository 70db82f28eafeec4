//! `cargo xtask build-web`: the page's wasm, bound for the browser and shrunk, in `static/pkg/`.

use crate::{cargo, install, paths, run};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// The name of the page's files in `static/pkg/`: `web.js` and `web_bg.wasm`.
pub const OUT_NAME: &str = "web";

pub fn build_web() -> Result<()> {
    install::wasm_target()?;
    run(cargo().args([
        "build",
        "-p",
        "web",
        "--bin",
        "web",
        "--target",
        WASM_TARGET,
        "--profile",
        "wasm-release",
    ]))?;
    let wasm = paths::target_dir()
        .join(WASM_TARGET)
        .join("wasm-release")
        .join("web.wasm");
    let out = paths::pkg_dir();
    std::fs::create_dir_all(&out)?;
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm)
        .web(true)?
        .typescript(false)
        .out_name(OUT_NAME)
        .omit_default_module_path(false)
        .remove_name_section(true)
        .remove_producers_section(true)
        .generate(&out)
        .with_context(|| format!("wasm-bindgen could not process {}", wasm.display()))?;
    optimise(&out.join(format!("{OUT_NAME}_bg.wasm")))?;
    println!("The page is built in {}", out.display());
    Ok(())
}

/// Shrinks the wasm with binaryen's `wasm-opt -Oz` from npm (Debian's is too old for the
/// features rustc emits); without npm the unoptimised file is kept.
fn optimise(wasm: &Path) -> Result<()> {
    let Some(wasm_opt) = wasm_opt()? else {
        println!("npm is not installed: skipping wasm-opt (the page works, only larger).");
        return Ok(());
    };
    let before = std::fs::metadata(wasm)?.len();
    run(Command::new(&wasm_opt)
        .arg("-Oz")
        .args([
            "--enable-bulk-memory",
            "--enable-nontrapping-float-to-int",
            "--enable-sign-ext",
            "--enable-mutable-globals",
            "--enable-reference-types",
            "--enable-multivalue",
            // The page's scoring (`.cargo/config.toml`).
            "--enable-simd",
        ])
        .arg(wasm)
        .arg("-o")
        .arg(wasm))?;
    let after = std::fs::metadata(wasm)?.len();
    println!("wasm-opt -Oz: {before} -> {after} bytes");
    Ok(())
}

/// The npm `binaryen` package's `wasm-opt`, installed under `target/tools` when missing;
/// `None` when npm is not there.
fn wasm_opt() -> Result<Option<PathBuf>> {
    let tools = paths::target_dir().join("tools");
    let wasm_opt = tools.join("node_modules/.bin/wasm-opt");
    if wasm_opt.exists() {
        return Ok(Some(wasm_opt));
    }
    if Command::new("npm").arg("--version").output().is_err() {
        return Ok(None);
    }
    std::fs::create_dir_all(&tools)?;
    run(Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--prefix"])
        .arg(&tools)
        .arg("binaryen@132"))?;
    Ok(Some(wasm_opt))
}
