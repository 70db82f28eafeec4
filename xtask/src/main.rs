//! `cargo xtask <task>`: see `cargo xtask --help`.

use anyhow::Result;
use clap::Parser;
use xtask::{bench, build_web, check, model, paths, serve};

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
    /// Install what is missing, then run every check CI runs.
    Test,
    /// Build the page, then measure its payload and latencies in headless Chromium.
    BenchWeb,
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
        Task::Test => check::check_all(),
        Task::BenchWeb => {
            xtask::install::chromium()?;
            model::ensure_model()?;
            build_web::build_web()?;
            tokio::runtime::Runtime::new()?.block_on(bench::bench_web())
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
