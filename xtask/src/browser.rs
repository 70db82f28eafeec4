//! Headless Chromium through chromedriver, for the end-to-end tests and `cargo xtask bench-web`,
//! and the few ways they drive the page (search and like, read the lists, read the timings, run
//! axe-core's accessibility rules).

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use std::fmt;
use std::net::{TcpListener, TcpStream};
use std::ops::Deref;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;
use thirtyfour::error::WebDriverErrorInner;
use thirtyfour::prelude::*;

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// How long a page gets to show what a test waits for.
const PATIENCE: Duration = Duration::from_secs(20);

/// Flags for a headless Chromium in a container with no network but loopback.
pub fn chromium_args(profile: &Path) -> Vec<String> {
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1600",
    ]
    .into_iter()
    .map(String::from)
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect()
}

/// Capabilities in the form `wasm-bindgen-test-runner` reads from `webdriver.json`.
pub fn webdriver_json(profile: &Path) -> Value {
    json!({ "goog:chromeOptions": { "binary": CHROMIUM, "args": chromium_args(profile) } })
}

/// A fresh, empty folder (a browser's profile, a copy of the page), removed when dropped.
pub fn temp_dir(purpose: &str) -> Result<TempDir> {
    Ok(tempfile::Builder::new()
        .prefix(&format!("movierec-{purpose}-"))
        .tempdir()?)
}

/// A port nobody listens on right now.
pub fn free_port() -> Result<u16> {
    Ok(TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port())
}

/// A child started as the leader of its own process group (`process_group(0)`): it and every
/// process it started (chromedriver and its browsers, cargo and the program it runs) are killed
/// together when dropped.
pub struct ProcessGroup(pub Child);

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.0.wait();
    }
}

/// A headless Chromium session with a fresh profile.
pub struct Browser {
    driver: WebDriver,
    _chromedriver: ProcessGroup,
    _profile: TempDir,
}

impl Deref for Browser {
    type Target = WebDriver;

    fn deref(&self) -> &WebDriver {
        &self.driver
    }
}

impl Browser {
    pub async fn start() -> Result<Self> {
        if !Path::new(CHROMEDRIVER).exists() {
            bail!(
                "{CHROMEDRIVER} is missing: `cargo xtask test` installs it (apt-get install chromium chromium-driver)"
            );
        }
        let port = free_port()?;
        let chromedriver = ProcessGroup(
            Command::new(CHROMEDRIVER)
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn()
                .context("could not start chromedriver")?,
        );
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if started.elapsed() > PATIENCE {
                bail!("chromedriver did not listen on port {port}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = temp_dir("chromium")?;
        let mut capabilities = DesiredCapabilities::chrome();
        capabilities.set_binary(CHROMIUM)?;
        for arg in chromium_args(profile.path()) {
            capabilities.add_arg(&arg)?;
        }
        let driver = WebDriver::new(format!("http://127.0.0.1:{port}"), capabilities)
            .await
            .context("chromedriver could not start Chromium")?;
        Ok(Self {
            driver,
            _chromedriver: chromedriver,
            _profile: profile,
        })
    }

    /// Ends the session; chromedriver goes when `self` is dropped.
    pub async fn quit(self) -> Result<()> {
        let Browser { driver, .. } = self;
        driver.quit().await?;
        Ok(())
    }

    /// Runs `script` (which may `return` a value) in the page.
    pub async fn script(&self, script: &str) -> Result<Value> {
        Ok(self
            .driver
            .execute(script, Vec::new())
            .await?
            .json()
            .clone())
    }

    /// Retries `check` until it yields a value, failing with `what` after a while.
    pub async fn wait_until<T>(
        &self,
        what: &str,
        mut check: impl AsyncFnMut() -> Result<Option<T>>,
    ) -> Result<T> {
        let started = Instant::now();
        loop {
            if let Some(value) = check().await? {
                return Ok(value);
            }
            if started.elapsed() > PATIENCE {
                let text = self.script("return document.body.innerText").await?;
                bail!(
                    "timed out waiting for {what}; the page shows:\n{}",
                    text.as_str().unwrap_or_default()
                );
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The first element matching `css`, once there is one.
    pub async fn wait_for(&self, css: &str) -> Result<WebElement> {
        self.wait_until(&format!("`{css}`"), async || {
            Ok(self.driver.find_all(By::Css(css)).await?.into_iter().next())
        })
        .await
    }

    /// Returns once no element matches `css`.
    pub async fn wait_for_none(&self, css: &str) -> Result<()> {
        self.wait_until(&format!("no `{css}`"), async || {
            Ok(self
                .driver
                .find_all(By::Css(css))
                .await?
                .is_empty()
                .then_some(()))
        })
        .await
    }

    /// The `data-movie-id`s of the elements matching `css`, in page order.
    pub async fn movie_ids(&self, css: &str) -> Result<Vec<u32>> {
        let script = format!(
            "return Array.from(document.querySelectorAll({})).map(e => Number(e.dataset.movieId))",
            Value::from(css)
        );
        Ok(serde_json::from_value(self.script(&script).await?)?)
    }

    /// Movie ids in "Recommended for you", once the list shows.
    pub async fn recommended_ids(&self) -> Result<Vec<u32>> {
        self.wait_for("#recommendations li").await?;
        self.movie_ids("#recommendations li").await
    }

    /// Types `query` into the search box, likes the result labelled `label`
    /// ("Toy Story (1995)") and returns its movie id once it shows in "Movies you like".
    pub async fn like_via_search(&self, query: &str, label: &str) -> Result<u32> {
        let search = self.wait_for("#search").await?;
        search.clear().await?;
        search.send_keys(query).await?;
        let id = self
            .wait_until(&format!("a search result labelled {label}"), async || {
                for item in self.driver.find_all(By::Css("#search-results li")).await? {
                    match like_if_labelled(&item, label).await {
                        Ok(None) => {}
                        Ok(Some(id)) => return Ok(Some(id)),
                        // The results re-render as the query is typed: one replaced since it
                        // was found is looked for again.
                        Err(e)
                            if matches!(
                                e.as_inner(),
                                WebDriverErrorInner::StaleElementReference(_)
                            ) =>
                        {
                            return Ok(None);
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
                Ok(None)
            })
            .await?;
        let id: u32 = (id.parse()).with_context(|| {
            format!("search results carry a movie id in data-movie-id, not {id:?}")
        })?;
        self.wait_for(&format!("#liked li[data-movie-id='{id}']"))
            .await?;
        Ok(id)
    }

    /// The accessibility rules the page breaks now, as axe-core finds them, keeping those of
    /// impact `min_impact` or worse (`"minor"`, `"moderate"`, `"serious"`, `"critical"`), in
    /// axe-core's order. axe-core comes from `cargo xtask test` (see [`crate::axe`]).
    pub async fn accessibility_violations(&self, min_impact: &str) -> Result<Vec<Violation>> {
        let floor = impact_rank(min_impact)
            .with_context(|| format!("unknown impact {min_impact:?}: use one of {IMPACTS:?}"))?;
        let loaded =
            "return typeof window.axe === 'object' && typeof window.axe.run === 'function'";
        if self.script(loaded).await? != Value::Bool(true) {
            let path = crate::axe::axe_script_path()?;
            let axe = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            self.script(&axe)
                .await
                .context("loading axe-core into the page")?;
        }
        let result = self
            .driver
            .execute_async(AXE_RUN, Vec::new())
            .await
            .context("running axe-core in the page")?
            .json()
            .clone();
        if let Some(error) = result.get("error") {
            bail!("axe-core failed in the page: {error}");
        }
        let found = result
            .get("violations")
            .and_then(Value::as_array)
            .with_context(|| format!("axe-core answered without violations: {result}"))?;
        let mut violations = Vec::new();
        for value in found {
            let violation = Violation::from_json(value)?;
            if impact_rank(&violation.impact).is_none_or(|rank| rank >= floor) {
                violations.push(violation);
            }
        }
        Ok(violations)
    }

    /// Clicks the first element matching `css` and returns once the page has timed `count`
    /// clicks (see the web crate's `timings` module). Both happen in the page, one WebDriver
    /// call: WebDriver's own work between them (a click's hit tests, a poll's serialisation of
    /// every sample so far) runs on the page's thread, slowed ×4 as the page is, and where yew
    /// yields to the browser mid-click it would run inside the time measured.
    pub async fn click_and_wait_until_timed(&self, css: &str, count: usize) -> Result<()> {
        let answer = self
            .driver
            .execute_async(CLICK_AND_AWAIT_TIMING, vec![css.into(), count.into()])
            .await
            .with_context(|| format!("clicking `{css}` and waiting for click {count}'s timing"))?;
        match answer.json() {
            Value::Null => Ok(()),
            problem => bail!("clicking `{css}`: {problem}"),
        }
    }

    /// What the page measured about itself (see the web crate's `timings` module).
    pub async fn timings(&self) -> Result<Value> {
        self.script("return window.__movierec_timings || null")
            .await
    }
}

/// Clicks the element matching the first argument, then calls WebDriver's callback (the last
/// argument) once the page has timed as many clicks as the second; with a message instead when
/// there is no such element.
const CLICK_AND_AWAIT_TIMING: &str = r#"
const [css, count, done] = arguments;
const target = document.querySelector(css);
if (!target) {
  done(`no element matches ${css}`);
} else {
  target.click();
  const timed = () => (window.__movierec_timings?.clicks?.length ?? 0) >= count;
  (function check() {
    if (timed()) done(null); else setTimeout(check, 5);
  })();
}
"#;

/// axe-core's impact levels, least severe first.
const IMPACTS: [&str; 4] = ["minor", "moderate", "serious", "critical"];

fn impact_rank(impact: &str) -> Option<usize> {
    IMPACTS.iter().position(|&known| known == impact)
}

/// Runs axe-core on the whole document and hands back (through WebDriver's callback, the last
/// argument) each violation's rule, impact, help and the CSS selectors of the nodes breaking it;
/// a selector inside a shadow root or a frame is its path joined with ` >>> `.
const AXE_RUN: &str = r#"
const done = arguments[arguments.length - 1];
window.axe
  .run(document, { resultTypes: ['violations'] })
  .then((results) => done({
    violations: results.violations.map((v) => ({
      id: v.id,
      impact: v.impact || '',
      help: v.help,
      targets: v.nodes.map((n) => n.target.flat(Infinity).map(String).join(' >>> ')),
    })),
  }))
  .catch((e) => done({ error: String((e && e.stack) || e) }));
"#;

/// A rule of axe-core the page breaks, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The rule, e.g. `color-contrast`.
    pub id: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    pub impact: String,
    /// What the rule asks for, in one line.
    pub help: String,
    /// A CSS selector for each node that breaks it.
    pub targets: Vec<String>,
}

impl Violation {
    fn from_json(value: &Value) -> Result<Self> {
        let text = |key: &str| {
            value
                .get(key)
                .and_then(Value::as_str)
                .map(String::from)
                .with_context(|| format!("axe-core's violation has no {key}: {value}"))
        };
        let targets = value
            .get("targets")
            .cloned()
            .with_context(|| format!("axe-core's violation has no targets: {value}"))?;
        Ok(Self {
            id: text("id")?,
            impact: text("impact")?,
            help: text("help")?,
            targets: serde_json::from_value(targets)
                .with_context(|| format!("axe-core's violation has odd targets: {value}"))?,
        })
    }
}

/// `id (impact): help, at <the first few targets>`, one line for a failing test's message.
impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 3;
        write!(f, "{} ({}): {}", self.id, self.impact, self.help)?;
        if !self.targets.is_empty() {
            let shown: Vec<&str> = self
                .targets
                .iter()
                .take(SHOWN)
                .map(String::as_str)
                .collect();
            write!(f, ", at {}", shown.join(", "))?;
            if self.targets.len() > SHOWN {
                write!(f, " and {} more", self.targets.len() - SHOWN)?;
            }
        }
        Ok(())
    }
}

/// Clicks Like on the search result `item` when its title is `label`, and gives its
/// `data-movie-id` (empty when it carries none).
async fn like_if_labelled(item: &WebElement, label: &str) -> WebDriverResult<Option<String>> {
    if item.find(By::Css(".title")).await?.text().await? != label {
        return Ok(None);
    }
    let id = item.attr("data-movie-id").await?.unwrap_or_default();
    item.find(By::Css("button.like")).await?.click().await?;
    Ok(Some(id))
}
