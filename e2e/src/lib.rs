//! The end-to-end tests' helpers: serving the built page (or a copy without its model) to a fresh
//! headless Chromium, reading and clicking the page where the browser's own calls do not, and
//! asking `trainer recommend --json` and the committed model what the page should show.

use anyhow::{Context, Result, bail};
use serde_json::Value;
use shared::Recommender;
use std::path::Path;
use std::process::Command;
use xtask::browser::{Browser, temp_dir};
use xtask::paths;
use xtask::serve::StaticServer;

/// Serves `root` and opens a fresh browser; fails early, with what to run, when the page was
/// never built.
pub async fn open(root: &Path, fragment: &str) -> Result<(Browser, String)> {
    if !paths::pkg_dir().join("web_bg.wasm").exists() {
        bail!("static/pkg is missing: run `cargo xtask build-web` before these tests");
    }
    if !paths::model_file().exists() {
        bail!("static/model.bin is missing: run `cargo xtask serve` (it trains it) first");
    }
    let url = StaticServer::bind(root, 0)?.spawn();
    let browser = Browser::start().await?;
    browser.goto(format!("{url}{fragment}")).await?;
    // The catalogue's tail follows the first list; tests start once it has come (or failed),
    // as a visitor has the page a moment later. A page that never loads is the test's to say.
    let _ = browser
        .wait_for("#model-info:not([data-tail='loading']), #load-error")
        .await;
    Ok((browser, url))
}

/// A plain static host serving a folder as it is (tower-http's `ServeDir` with no options: no
/// compressed copies, no ETags, no security headers), which can be stopped to cut the network.
pub struct PlainHost {
    pub url: String,
    runtime: Option<tokio::runtime::Runtime>,
}

impl PlainHost {
    pub fn start(root: &Path) -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let url = format!("http://{}/", listener.local_addr()?);
        let app = axum::Router::new().fallback_service(tower_http::services::ServeDir::new(root));
        runtime.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("a bound listener");
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            url,
            runtime: Some(runtime),
        })
    }

    /// Stops answering and closes every open connection and the listener, as a network cut
    /// would; returns once they are closed. (A runtime is shut down outside async code.)
    pub fn stop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            let _ = std::thread::spawn(move || {
                runtime.shutdown_timeout(std::time::Duration::from_secs(5));
            })
            .join();
        }
    }
}

impl Drop for PlainHost {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A copy of the page (html, css, wasm and js) in a temporary folder, without its model.
pub fn page_without_model(purpose: &str) -> Result<tempfile::TempDir> {
    let copy = temp_dir(purpose)?;
    for file in paths::PAGE_FILES {
        std::fs::copy(paths::static_dir().join(file), copy.path().join(file))?;
    }
    std::fs::create_dir(copy.path().join("pkg"))?;
    for entry in std::fs::read_dir(paths::pkg_dir())? {
        let entry = entry?;
        // A server of static/ writing its compressed copies writes each as a hidden temporary
        // file and renames it: such a file may be gone by the time it would be copied.
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        std::fs::copy(
            entry.path(),
            copy.path().join("pkg").join(entry.file_name()),
        )?;
    }
    Ok(copy)
}

/// The committed model (`static/model.bin`), as the page loads it.
pub fn load_model() -> Result<Recommender> {
    Ok(Recommender::from_bytes(&std::fs::read(
        paths::model_file(),
    )?)?)
}

/// Saves a screenshot under `target/e2e/` for the note's before/after journeys.
pub async fn screenshot(browser: &Browser, name: &str) -> Result<()> {
    let dir = paths::target_dir().join("e2e");
    std::fs::create_dir_all(&dir)?;
    browser.screenshot(&dir.join(format!("{name}.png"))).await?;
    Ok(())
}

/// Clicks the element matching `css` twice in a row, as a double click does.
pub async fn double_click(browser: &Browser, css: &str) -> Result<()> {
    browser
        .script(&format!(
            "const b = document.querySelector({}); b.click(); b.click();",
            Value::from(css)
        ))
        .await?;
    Ok(())
}

/// The text of the element matching `css`, or "" when there is none.
pub async fn text_of(browser: &Browser, css: &str) -> Result<String> {
    let script = format!(
        "const e = document.querySelector({}); return e ? e.textContent : ''",
        Value::from(css)
    );
    script_text(browser, &script).await
}

/// The `id` of the focused element.
pub async fn focused_id(browser: &Browser) -> Result<String> {
    script_text(
        browser,
        "const e = document.activeElement; return e ? (e.id || e.getAttribute('aria-label') || e.tagName) : ''",
    )
    .await
}

/// What `script` returns, when a string; "" otherwise.
async fn script_text(browser: &Browser, script: &str) -> Result<String> {
    Ok(browser
        .script(script)
        .await?
        .as_str()
        .unwrap_or_default()
        .to_string())
}

/// `trainer recommend --json` for the committed model, as MovieLens ids: `args` are the picks
/// (`--liked 1,588`, `--disliked 364`, …), the list is the page's 20.
pub fn trainer_recommends(args: &[&str]) -> Result<Vec<u32>> {
    let answer = trainer_answer(args)?;
    answer["recommendations"]
        .as_array()
        .context("trainer recommend --json prints {\"recommendations\": [...]}")?
        .iter()
        .map(|r| {
            r["id"]
                .as_u64()
                .map(|id| id as u32)
                .context("each recommendation has an id")
        })
        .collect()
}

/// `trainer recommend --json --top 20` for the committed model with `args`, its answer whole
/// (`"predicted"` too, with `--predict`). Fails early, with what to run, when the trainer was
/// never built.
pub fn trainer_answer(args: &[&str]) -> Result<Value> {
    let trainer = paths::trainer_binary();
    if !trainer.exists() {
        bail!(
            "{} is missing: run `cargo build --release -p trainer` (cargo xtask test does)",
            trainer.display()
        );
    }
    let output = Command::new(&trainer)
        .args(["recommend", "--model"])
        .arg(paths::model_file())
        .args(args)
        .args(["--top", "20", "--json"])
        .output()?;
    if !output.status.success() {
        bail!(
            "trainer recommend failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(serde_json::from_slice(&output.stdout)?)
}

/// Mean log rating count of the movies in the list.
pub fn mean_popularity(model: &Recommender, ids: &[u32]) -> f64 {
    let total: f64 = ids
        .iter()
        .filter_map(|&id| model.catalog.index_of(id))
        .map(|i| (model.catalog.movies[i].rating_count as f64).ln_1p())
        .sum();
    total / ids.len().max(1) as f64
}
