//! `cargo xtask test`: installs what the checks need, then runs every check CI runs (format,
//! lints, native tests, the end-to-end browser tests, the page's wasm tests, the CUDA build)
//! and ends with a one-line summary.

use crate::browser::{CHROMEDRIVER, ProcessGroup, temp_dir, webdriver_json};
use crate::build_web::{WASM_TARGET, build_web};
use crate::install;
use crate::model::ensure_model;
use crate::{cargo, paths, run, serve};
use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::process::Stdio;
use std::time::Duration;
use std::time::Instant;

/// Runs every check, going on after a failure so one run reports them all.
pub fn check_all() -> Result<()> {
    install_prerequisites()?;
    let steps: [(&str, Check); 11] = [
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
        // The page was just built: only the folder is assembled.
        (
            "dist (the published folder, for its end-to-end test)",
            || crate::dist::assemble(&paths::static_dir(), &crate::dist::default_dir()).map(|_| ()),
        ),
        ("trainer binary", || {
            run(cargo().args(["build", "--release", "-p", "trainer"]))
        }),
        ("cargo test (native and end-to-end)", || {
            run(cargo().args(["test", "--release", "--no-fail-fast"]))
        }),
        ("page tests (wasm, headless Chromium)", wasm_tests),
        ("serve smoke (the README's main command)", serve_smoke),
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

/// Everything the checks need beyond what `build_web` installs itself.
fn install_prerequisites() -> Result<()> {
    install::wasm_target()?;
    install::chromium()?;
    install::axe_core()?;
    install::wasm_bindgen_test_runner()
}

/// The page's `wasm_bindgen_test`s, in headless Chromium with this project's flags.
fn wasm_tests() -> Result<()> {
    let profile = temp_dir("wasm-tests")?;
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

/// The README's main command for real: `cargo xtask serve` on a free port, then the page, its
/// wasm and the model fetched over HTTP, then stopped.
fn serve_smoke() -> Result<()> {
    let mut server = ProcessGroup(
        cargo()
            .args(["xtask", "serve", "--port", "0"])
            .stdout(Stdio::piped())
            .process_group(0)
            .spawn()
            .context("starting `cargo xtask serve`")?,
    );
    let stdout = server.0.stdout.take().expect("piped");
    let (found, address) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            if let Some(url) = line.strip_prefix("Serving http://") {
                let _ = found.send(url.trim_end_matches('/').to_string());
            }
        }
    });
    // Generous: on a fresh checkout `serve` trains the model and builds the page first.
    let address = address
        .recv_timeout(Duration::from_secs(1800))
        .context("`cargo xtask serve` never said where it serves")?;
    let page = http_get(&address, "/", "")?;
    if !String::from_utf8_lossy(&page.body).contains("<html") {
        bail!("/ is not the page");
    }
    // The headers a public host should send, on the page itself.
    for (name, expected) in [
        (
            "content-security-policy",
            Some(serve::CONTENT_SECURITY_POLICY),
        ),
        ("x-content-type-options", Some("nosniff")),
    ] {
        if page.header(name) != expected {
            bail!(
                "/ was served with {name}: {:?}, not {expected:?}",
                page.header(name)
            );
        }
    }
    if !page.header("etag").is_some_and(|tag| tag.starts_with('"')) {
        bail!("/ has no strong ETag");
    }
    if !http_get(&address, "/pkg/web_bg.wasm", "")?
        .body
        .starts_with(b"\0asm")
    {
        bail!("/pkg/web_bg.wasm is not WebAssembly");
    }
    let model = http_get(&address, "/model.bin", "")?.body;
    if model != std::fs::read(paths::model_file())? {
        bail!("/model.bin differs from {}", paths::model_file().display());
    }
    // A browser that takes gzip gets the compressed copy, and it holds the same model.
    let compressed = http_get(&address, "/model.bin", "Accept-Encoding: gzip\r\n")?;
    if compressed.header("content-encoding") != Some("gzip") {
        bail!("/model.bin was not sent gzipped to a client that accepts gzip");
    }
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&compressed.body[..]).read_to_end(&mut unzipped)?;
    if unzipped != model {
        bail!("/model.bin's gzip copy is not the model");
    }
    println!(
        "served the page with its headers, its wasm and the {}-byte model ({} bytes gzipped)",
        model.len(),
        compressed.body.len()
    );
    Ok(())
}

/// The body of a `GET` answered with 200, over a plain connection.
/// An answer's head (status line and headers) and body.
struct Answer {
    head: String,
    body: Vec<u8>,
}

impl Answer {
    /// The value of header `name` (case-insensitive).
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then_some(value.trim())
        })
    }
}

/// GET `path` with `headers` (each line ending in CRLF); anything but 200 is an error.
fn http_get(address: &str, path: &str, headers: &str) -> Result<Answer> {
    let mut stream =
        TcpStream::connect(address).with_context(|| format!("connecting to {address}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\n{headers}Connection: close\r\n\r\n"
    )?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .with_context(|| format!("GET {path}: no complete answer"))?;
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    if !head.starts_with("HTTP/1.1 200") {
        bail!("GET {path}: {}", head.lines().next().unwrap_or_default());
    }
    Ok(Answer {
        head,
        body: response[split + 4..].to_vec(),
    })
}
