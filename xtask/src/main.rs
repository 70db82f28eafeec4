//! `cargo xtask <task>`: see `cargo xtask --help`.

use anyhow::Result;
use clap::Parser;
use std::path::PathBuf;
use xtask::{bench, bench_scale, build_web, check, dist, gpu_check, model, paths, serve};

#[derive(Parser)]
#[command(about = "Project tasks for the movie recommender")]
enum Task {
    /// Compile the page to wasm and write it to static/pkg/.
    BuildWeb,
    /// Export the model if missing, build the page and serve static/ on 127.0.0.1.
    Serve {
        #[arg(long, default_value_t = 8080)]
        port: u16,
    },
    /// Write the page as a folder any static host serves as it is (content-hashed names,
    /// compressed copies, a service worker for offline use, a web app manifest).
    Dist {
        /// The folder to write [default: dist/ in the workspace].
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Install what is missing, then run every check CI runs.
    Test,
    /// Build the page, then measure its payload and latencies in headless Chromium.
    BenchWeb,
    /// The default model at ml-25m and ml-32m sizes on synthetic releases of two makes: parse
    /// and train time by phase, peak memory, the ratio to one numpy EASE fit, page file and page
    /// timings (a long run: about an hour).
    BenchScale {
        /// The release shapes, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "ml-25m,ml-32m")]
        like: Vec<String>,
        /// Where the synthetic releases come from, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "synth,independent")]
        source: Vec<bench_scale::Source>,
        /// A fraction of each shape's users and movies (1 is full size).
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// Where the releases, models and table go [default: target/bench-scale].
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The device check (`trainer device-check`): build the CUDA trainer and stage it with what
    /// it needs in target/gpu-check/ for the device machine, or run it here on the CPU.
    GpuCheck {
        /// Run it here with `--device cpu` at a small scale instead.
        #[arg(long)]
        local: bool,
        /// With --local: the synthetic release's size, a fraction of ml-25m's.
        #[arg(long, default_value_t = 0.02)]
        scale: f64,
        /// With --local: fine-tuning epochs.
        #[arg(long, default_value_t = 3)]
        epochs: usize,
    },
    /// A long run of the model decoder's mutation test (CI runs 100,000 inputs).
    FuzzModel {
        #[arg(long, default_value_t = 20_000_000)]
        iterations: u64,
    },
}

fn main() -> Result<()> {
    match Task::parse() {
        Task::BuildWeb => build_web::build_web(),
        Task::Serve { port } => {
            model::ensure_model()?;
            build_web::build_web()?;
            let server = serve::StaticServer::bind(paths::static_dir(), port)?;
            println!("Serving {}", server.url());
            server.run()?;
            Ok(())
        }
        Task::Dist { out } => {
            let written = dist::dist(&out.unwrap_or_else(dist::default_dir))?;
            println!(
                "Wrote {}: {} files, {} KB ({} KB as brotli, as a host that negotiates it sends them)",
                written.folder.display(),
                written.files.len(),
                written.bytes / 1000,
                written.brotli_bytes / 1000
            );
            Ok(())
        }
        Task::Test => check::check_all(),
        Task::BenchWeb => {
            xtask::install::chromium()?;
            model::ensure_model()?;
            build_web::build_web()?;
            tokio::runtime::Runtime::new()?.block_on(bench::bench_web())
        }
        Task::BenchScale {
            like,
            source,
            scale,
            out,
        } => {
            xtask::install::chromium()?;
            build_web::build_web()?;
            let out = out.unwrap_or_else(|| paths::target_dir().join("bench-scale"));
            tokio::runtime::Runtime::new()?
                .block_on(bench_scale::bench_scale(&like, &source, scale, &out))
        }
        Task::GpuCheck {
            local,
            scale,
            epochs,
        } => {
            if local {
                gpu_check::local(scale, epochs)
            } else {
                gpu_check::prepare()
            }
        }
        Task::FuzzModel { iterations } => xtask::run(
            xtask::cargo()
                .args([
                    "test",
                    "--release",
                    "-p",
                    "shared",
                    "--test",
                    "hostile_files",
                ])
                .args(["--", "--nocapture"])
                .env("MODEL_FUZZ_ITERATIONS", iterations.to_string()),
        ),
    }
}
