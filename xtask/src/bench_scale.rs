//! `cargo xtask bench-scale`: the default page model at the big releases' sizes. For each shape
//! (ml-25m, ml-32m) it writes a synthetic release in the real file layout (`trainer synth`),
//! times `trainer data` and `trainer train` (the default model, refit included) with their peak
//! memory, then measures the page with the exported model in headless Chromium
//! ([`crate::bench::measure_page`]). Synthetic ratings have a planted taste, so the held-out
//! NDCG@100 says the model learnt it; it says nothing of real MovieLens quality.

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

/// One release shape's figures.
struct Row {
    like: String,
    users: String,
    movies_carried: usize,
    parse: Measured,
    train: Measured,
    ndcg: f64,
    page: PageFigures,
}

/// Writes the synthetic releases under `out`, trains the default model on each and measures the
/// page with it; prints the table and writes it to `out/table.md`.
pub async fn bench_scale(likes: &[String], scale: f64, out: &Path) -> Result<()> {
    run(crate::cargo().args(["build", "--release", "-p", "trainer"]))?;
    let trainer = paths::trainer_binary();
    let mut rows = Vec::new();
    for like in likes {
        let data = out.join("data");
        run(Command::new(&trainer)
            .args(["synth", "--like", like, "--seed", "1", "--scale"])
            .arg(scale.to_string())
            .arg("--out")
            .arg(&data))?;
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
                .args(["train", "--json", "--dataset", like, "--data-dir"])
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
        let page = measure_page(&site).await?;
        rows.push(Row {
            like: like.clone(),
            users,
            movies_carried: page.movies,
            parse,
            train,
            ndcg,
            page,
        });
    }
    let table = table(&rows, scale);
    println!("\n{table}");
    let written = out.join("table.md");
    std::fs::write(&written, &table)?;
    println!("Written to {}", written.display());
    Ok(())
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

fn table(rows: &[Row], scale: f64) -> String {
    let mb = |bytes: u64| format!("{:.0} MB", bytes as f64 / 1e6);
    let mut table = format!(
        "Scale benchmark (`cargo xtask bench-scale --scale {scale}`): synthetic releases, default model, CPU ({} cores)\n\n\
         | shape | data | parse | train (refit included) | train peak memory | movies on the page | model file (gzip) | page payload (gzip) | click → list p50 / p95 | first recommendations | held-out NDCG@100 (synthetic) |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    for row in rows {
        table.push_str(&format!(
            "| {} | {} | {:.1} s, {} | {:.0} s | {} | {} | {:.0} KB | {:.0} KB | {:.1} / {:.1} ms | {:.0} ms | {:.4} |\n",
            row.like,
            row.users,
            row.parse.seconds,
            mb(row.parse.peak_bytes),
            row.train.seconds,
            mb(row.train.peak_bytes),
            row.movies_carried,
            row.page.model_gzip_bytes as f64 / 1e3,
            row.page.payload_gzip_bytes as f64 / 1e3,
            row.page.click_ms.0,
            row.page.click_ms.1,
            row.page.first_recommendations_ms,
            row.ndcg,
        ));
    }
    table
}
