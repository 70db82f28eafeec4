//! `cargo xtask test`: installs what the checks need, then runs every check CI runs (format,
//! lints, native tests, the end-to-end browser tests, the page's wasm tests, the CUDA build)
//! and ends with a one-line summary.

use crate::browser::{CHROMEDRIVER, TempDir, webdriver_json};
use crate::build_web::{WASM_TARGET, build_web};
use crate::model::ensure_model;
use crate::{cargo, run};
use anyhow::{Context, Result, bail};
use std::process::Command;
use std::time::Instant;

/// The wasm-bindgen-test-runner must match the `wasm-bindgen` the page is built with.
const WASM_BINDGEN_VERSION: &str = "0.2.130";

/// Runs every check, going on after a failure so one run reports them all.
pub fn check_all() -> Result<()> {
    install_prerequisites()?;
    let steps: [(&str, Check); 9] = [
        ("cargo fmt", || {
            run(cargo().args(["fmt", "--all", "--", "--check"]))
        }),
        ("clippy (native)", || {
            run(cargo()
                .args(["clippy", "--release", "--workspace", "--all-targets", "--"])
                .args(DENY_WARNINGS))
        }),
        ("clippy (page, wasm)", || {
            run(cargo()
                .args([
                    "clippy",
                    "--release",
                    "-p",
                    "web",
                    "--all-targets",
                    "--target",
                    WASM_TARGET,
                    "--",
                ])
                .args(DENY_WARNINGS))
        }),
        ("model (static/model.bin)", ensure_model),
        ("build-web", build_web),
        ("trainer binary", || {
            run(cargo().args(["build", "--release", "-p", "trainer"]))
        }),
        ("cargo test (native and end-to-end)", || {
            run(cargo().args(["test", "--release", "--no-fail-fast"]))
        }),
        ("page tests (wasm, headless Chromium)", wasm_tests),
        ("trainer with CUDA (compile only)", || {
            run(cargo().args(["check", "-p", "trainer", "--features", "cuda", "--release"]))
        }),
    ];
    let mut failed = Vec::new();
    for (name, step) in steps {
        println!("\n==> {name}");
        let started = Instant::now();
        match step() {
            Ok(()) => println!("==> {name}: ok ({:.0?})", started.elapsed()),
            Err(error) => {
                eprintln!("==> {name}: FAILED: {error:#}");
                failed.push(name);
            }
        }
    }
    println!(
        "\nxtask test: {} of {} checks ok{}",
        steps.len() - failed.len(),
        steps.len(),
        if failed.is_empty() {
            String::new()
        } else {
            format!("; failed: {}", failed.join(", "))
        }
    );
    if !failed.is_empty() {
        bail!("{} check(s) failed", failed.len());
    }
    Ok(())
}

/// One check: it passes when it returns `Ok`.
type Check = fn() -> Result<()>;

const DENY_WARNINGS: [&str; 2] = ["-D", "warnings"];

/// The wasm target, Chromium with chromedriver, and the wasm-bindgen test runner.
fn install_prerequisites() -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .context("rustup is needed to add the wasm target")?;
    if !String::from_utf8_lossy(&installed.stdout).contains(WASM_TARGET) {
        run(Command::new("rustup").args(["target", "add", WASM_TARGET]))?;
    }
    if !std::path::Path::new(CHROMEDRIVER).exists() {
        run(Command::new("apt-get").arg("update"))?;
        run(Command::new("apt-get").args(["install", "-y", "chromium", "chromium-driver"]))?;
    }
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

/// The page's `wasm_bindgen_test`s, in headless Chromium with this project's flags.
fn wasm_tests() -> Result<()> {
    let profile = TempDir::new("wasm-tests")?;
    let capabilities = profile.path().join("webdriver.json");
    std::fs::write(
        &capabilities,
        webdriver_json(&profile.path().join("profile")).to_string(),
    )?;
    run(cargo()
        .args(["test", "-p", "web", "--target", WASM_TARGET, "--release"])
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            "wasm-bindgen-test-runner",
        )
        .env("CHROMEDRIVER", CHROMEDRIVER)
        .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", &capabilities))
}
