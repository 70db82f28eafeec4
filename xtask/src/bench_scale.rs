//! `cargo xtask bench-scale`: the default page model at the big releases' sizes. For each shape
//! (ml-25m, ml-32m) and each source of synthetic data it times `trainer data` and `trainer
//! train` (the default model, refit included) with their peak memory and each training phase,
//! times one closed-form EASE fit in numpy over as many movies (`xtask/reference/ease.py`, the
//! reference the training time is a ratio of), then measures the page with the exported model in
//! headless Chromium ([`crate::bench::measure_page`]).
//!
//! Two sources, so that the trainer is not timed only on data from its own generator:
//! `trainer synth`, and `xtask/reference/independent_release.py`, written apart from it with
//! another process. Each release is written once under `out/data/` and reused while its
//! completion stamp says it was made with the same size and seed. Synthetic ratings have a
//! planted taste, so the held-out NDCG@100 says the model learnt it; it says nothing of real
//! MovieLens quality. Python (numpy, scipy) goes into a virtual environment under `out/`.

use crate::bench::{PageFigures, measure_page};
use crate::{paths, run};
use anyhow::{Context, Result, bail};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// A finished command: its wall time, its peak resident memory and what it printed.
struct Measured {
    seconds: f64,
    peak_bytes: u64,
    stdout: String,
}

/// Runs `command` to completion, timing it and reading its peak resident memory from the
/// kernel's accounting of that one child (`wait4`).
fn measure(command: &mut Command) -> Result<Measured> {
    let shown = format!("{command:?}");
    let started = Instant::now();
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("could not start {shown}"))?;
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .context("the child's stdout")?
        .read_to_string(&mut stdout)?;
    let mut status = 0;
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `child` is ours and not yet reaped; `status` and `usage` outlive the call.
    let reaped = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    if reaped < 0 {
        bail!("waiting for {shown}: {}", std::io::Error::last_os_error());
    }
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        bail!("{shown} failed (wait status {status})");
    }
    Ok(Measured {
        seconds: started.elapsed().as_secs_f64(),
        // Linux reports kilobytes.
        peak_bytes: usage.ru_maxrss as u64 * 1024,
        stdout,
    })
}

/// Where a benchmark's synthetic release comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Source {
    /// `trainer synth`.
    Synth,
    /// `xtask/reference/independent_release.py`, made apart from the trainer.
    Independent,
}

impl Source {
    fn name(self) -> &'static str {
        match self {
            Source::Synth => "trainer synth",
            Source::Independent => "independent",
        }
    }
}

/// Users, movies and ratings of the releases GroupLens publishes (their README's counts): the
/// independent release's size.
const SHAPES: [(&str, usize, usize, usize); 2] = [
    ("ml-25m", 162_541, 62_423, 25_000_095),
    ("ml-32m", 200_948, 87_585, 32_000_204),
];
/// Both sources' seed.
const SEED: u64 = 1;

/// One release's figures.
struct Row {
    like: String,
    source: Source,
    users: String,
    movies_carried: usize,
    parse: Measured,
    train: Measured,
    /// The training report's phases, `(name, seconds)`.
    phases: Vec<(String, f64)>,
    reference: Option<Reference>,
    ndcg: f64,
    page: PageFigures,
}

/// One numpy EASE fit (`xtask/reference/ease.py`).
struct Reference {
    seconds: f64,
    peak_bytes: u64,
}

/// Writes the synthetic releases under `out`, trains the default model on each and measures the
/// page with it; prints the table and writes it to `out/table.md`.
pub async fn bench_scale(
    likes: &[String],
    sources: &[Source],
    scale: f64,
    out: &Path,
) -> Result<()> {
    run(crate::cargo().args(["build", "--release", "-p", "trainer"]))?;
    let trainer = paths::trainer_binary();
    let python = python_with_numpy(out);
    let mut rows = Vec::new();
    for like in likes {
        for &source in sources {
            let data = release(&trainer, python.as_deref(), like, source, scale, out)?;
            let parse = measure(
                Command::new(&trainer)
                    .args(["data", "--dataset", like, "--data-dir"])
                    .arg(&data),
            )?;
            let users = parse
                .stdout
                .lines()
                .find(|l| l.contains("users"))
                .and_then(|l| l.split(';').next())
                .unwrap_or_default()
                .trim()
                .to_string();
            let site = page_with_model(out, like)?;
            let train = measure(
                Command::new(&trainer)
                    .args([
                        "train",
                        "--json",
                        "--force",
                        "--dataset",
                        like,
                        "--data-dir",
                    ])
                    .arg(&data)
                    .arg("--out")
                    .arg(site.join("model.bin")),
            )?;
            let report: serde_json::Value = serde_json::from_str(&train.stdout)
                .with_context(|| format!("trainer train --json printed {:?}", train.stdout))?;
            let ndcg = report["metrics"]
                .as_array()
                .and_then(|metrics| {
                    metrics
                        .iter()
                        .find(|m| m[0] == "NDCG@100")
                        .and_then(|m| m[1].as_f64())
                })
                .context("the training report has no NDCG@100")?;
            let phases = report["phases"]
                .as_array()
                .context("the training report has no phases")?
                .iter()
                .filter_map(|p| Some((p[0].as_str()?.to_string(), p[1].as_f64()?)))
                .collect();
            let page = measure_page(&site).await?;
            let reference = match &python {
                Some(python) => Some(reference_fit(python, &data, page.movies)?),
                None => None,
            };
            rows.push(Row {
                like: like.clone(),
                source,
                users,
                movies_carried: page.movies,
                parse,
                train,
                phases,
                reference,
                ndcg,
                page,
            });
        }
    }
    let table = table(&rows, scale);
    println!("\n{table}");
    let written = out.join("table.md");
    std::fs::write(&written, &table)?;
    println!("Written to {}", written.display());
    Ok(())
}

/// The folder of the `like`-shaped release from `source` at `scale`, written unless a complete
/// one of the same size and seed is there.
fn release(
    trainer: &Path,
    python: Option<&Path>,
    like: &str,
    source: Source,
    scale: f64,
    out: &Path,
) -> Result<PathBuf> {
    let tag = match source {
        Source::Synth => "synth",
        Source::Independent => "independent",
    };
    let folder = out.join("data").join(format!("{like}-{tag}"));
    let stamp = folder.join(".complete");
    let wanted = format!("{like} scale {scale} seed {SEED}\n");
    if std::fs::read_to_string(&stamp).is_ok_and(|made| made == wanted) {
        println!("Reusing {}", folder.display());
        return Ok(folder);
    }
    if folder.exists() {
        std::fs::remove_dir_all(&folder)
            .with_context(|| format!("removing the incomplete {}", folder.display()))?;
    }
    match source {
        Source::Synth => {
            // trainer synth writes <out>/<like>/; move it to this source's own folder.
            let staging = out.join("data").join("synth-staging");
            if staging.exists() {
                std::fs::remove_dir_all(&staging)?;
            }
            run(Command::new(trainer)
                .args([
                    "synth",
                    "--like",
                    like,
                    "--seed",
                    &SEED.to_string(),
                    "--scale",
                ])
                .arg(scale.to_string())
                .arg("--out")
                .arg(&staging))?;
            std::fs::rename(staging.join(like), &folder)?;
            std::fs::remove_dir(&staging)?;
        }
        Source::Independent => {
            let python = python.context(
                "the independent release needs python3 (with venv) to make it: install it, or pass --source synth",
            )?;
            let (_, users, movies, ratings) = SHAPES
                .iter()
                .find(|shape| shape.0 == like)
                .with_context(|| format!("no independent shape for {like}"))?;
            let scaled = |n: &usize| ((*n as f64 * scale).round() as usize).max(1).to_string();
            std::fs::create_dir_all(&folder)?;
            run(Command::new(python)
                .arg(reference_script("independent_release.py"))
                .arg(&folder)
                .args([scaled(users), scaled(movies), scaled(ratings)])
                .arg(SEED.to_string()))?;
        }
    }
    std::fs::write(&stamp, wanted)?;
    Ok(folder)
}

fn reference_script(name: &str) -> PathBuf {
    paths::workspace_root().join("xtask/reference").join(name)
}

/// A Python with numpy and scipy: a virtual environment under `out/`, made (and the two
/// installed from PyPI) on the first run. `None`, said, when there is no python3 to make it.
fn python_with_numpy(out: &Path) -> Option<PathBuf> {
    let venv = out.join("python");
    let python = venv.join("bin/python");
    let ready = |python: &Path| {
        Command::new(python)
            .args(["-c", "import numpy, scipy"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if ready(&python) {
        return Some(python);
    }
    let made = run(Command::new("python3").arg("-m").arg("venv").arg(&venv)).and_then(|()| {
        run(Command::new(&python).args(["-m", "pip", "install", "--quiet", "numpy", "scipy"]))
    });
    match made {
        Ok(()) if ready(&python) => Some(python),
        Ok(()) => {
            eprintln!("numpy and scipy did not import after installing: no numpy reference");
            None
        }
        Err(error) => {
            eprintln!("no numpy reference and no independent release: {error:#}");
            None
        }
    }
}

/// Times `xtask/reference/ease.py` on the release in `data` over its `movies` most liked movies.
fn reference_fit(python: &Path, data: &Path, movies: usize) -> Result<Reference> {
    let ran = measure(
        Command::new(python)
            .arg(reference_script("ease.py"))
            .arg(data)
            .arg(movies.to_string()),
    )?;
    let figures: serde_json::Value = serde_json::from_str(&ran.stdout)
        .with_context(|| format!("ease.py printed {:?}", ran.stdout))?;
    Ok(Reference {
        seconds: figures["seconds"]
            .as_f64()
            .context("ease.py printed no seconds")?,
        peak_bytes: ran.peak_bytes,
    })
}

/// A copy of the built page in `out/<like>-page/`, its model to be written by the trainer.
fn page_with_model(out: &Path, like: &str) -> Result<PathBuf> {
    let site = out.join(format!("{like}-page"));
    let pkg = site.join("pkg");
    std::fs::create_dir_all(&pkg)?;
    for file in paths::PAGE_FILES {
        std::fs::copy(paths::static_dir().join(file), site.join(file))?;
    }
    for entry in std::fs::read_dir(paths::pkg_dir())? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            std::fs::copy(entry.path(), pkg.join(entry.file_name()))?;
        }
    }
    Ok(site)
}

/// The phases of a training run shown as columns: the report's phase names they sum.
const PHASE_COLUMNS: [(&str, &[&str]); 8] = [
    (
        "parse + task",
        &["parse", "task (held-out users, the page's movies)"],
    ),
    (
        "settings grid",
        &[
            "fit: EASE settings grid (most liked movies)",
            "fit: EASE settings grid",
        ],
    ),
    (
        "fit",
        &[
            "fit: EASE fit on every movie",
            "fit: factorisation and rank",
            "fit: softmax scale",
            "fit: training epochs",
        ],
    ),
    (
        "steering",
        &["steering (slider, dislikes, few picks, reasons)"],
    ),
    ("test tables", &["test tables"]),
    ("stars", &["stars"]),
    ("refit", &["refit", "refit's reason neighbours"]),
    ("export", &["export"]),
];

fn table(rows: &[Row], scale: f64) -> String {
    let mb = |bytes: u64| format!("{:.0} MB", bytes as f64 / 1e6);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut table = format!(
        "Scale benchmark (`cargo xtask bench-scale --scale {scale}`): synthetic releases, default model, CPU ({cores} cores)\n\n\
         | shape | source | data | parse | train (refit included) | train peak memory | numpy EASE fit (ratio) | movies on the page | model file (gzip) | page payload (gzip) | click → list p50 / p95 | same, CPU slowed ×4 | first recommendations | held-out NDCG@100 (synthetic) |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for row in rows {
        let reference = row.reference.as_ref().map_or("not run".to_string(), |r| {
            format!(
                "{:.0} s, {} ({:.1}×)",
                r.seconds,
                mb(r.peak_bytes),
                row.train.seconds / r.seconds
            )
        });
        table.push_str(&format!(
            "| {} | {} | {} | {:.1} s, {} | {:.0} s | {} | {} | {} | {:.0} KB | {:.0} KB | {:.1} / {:.1} ms | {:.1} / {:.1} ms | {:.0} ms | {:.4} |\n",
            row.like,
            row.source.name(),
            row.users,
            row.parse.seconds,
            mb(row.parse.peak_bytes),
            row.train.seconds,
            mb(row.train.peak_bytes),
            reference,
            row.movies_carried,
            row.page.model_gzip_bytes as f64 / 1e3,
            row.page.payload_gzip_bytes as f64 / 1e3,
            row.page.click_ms.0,
            row.page.click_ms.1,
            row.page.throttled_click_ms.0,
            row.page.throttled_click_ms.1,
            row.page.first_recommendations_ms,
            row.ndcg,
        ));
    }
    table.push_str("\nWhere the training time went (seconds):\n\n| shape | source |");
    for (column, _) in PHASE_COLUMNS {
        table.push_str(&format!(" {column} |"));
    }
    table.push_str(" total |\n| --- | --- |");
    table.push_str(&" --- |".repeat(PHASE_COLUMNS.len() + 1));
    table.push('\n');
    for row in rows {
        table.push_str(&format!("| {} | {} |", row.like, row.source.name()));
        for (_, names) in PHASE_COLUMNS {
            let seconds: f64 = (row.phases.iter())
                .filter(|(name, _)| names.contains(&name.as_str()))
                .map(|(_, s)| s)
                .sum();
            table.push_str(&format!(" {seconds:.1} |"));
        }
        table.push_str(&format!(" {:.0} |\n", row.train.seconds));
    }
    table
}
