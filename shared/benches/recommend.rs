//! `cargo bench -p shared --bench recommend [-- DIR]`: how long one `recommend` takes natively
//! on an exported page model (`DIR/model.bin`, `static/` by default), with the catalogue's tail
//! attached when `DIR/model.tail.bin` is there and without it, for three and ten liked movies
//! (the first of every 97th of the model's movies). The page's own figures, in wasm and a real
//! browser, are `cargo xtask bench-web`'s; this one shows where native time goes, on the
//! ml-25m-sized page of `cargo xtask bench-scale` (`target/bench-scale/ml-25m-page`) too.

use shared::tail::TailFile;
use shared::{ModelFile, Recommender, Request};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Requests timed per case, after as many unmeasured.
const REPEATS: usize = 300;

fn main() {
    // `cargo bench` passes `--bench`; the first other argument is the folder, relative to the
    // workspace (cargo runs benches in the crate's own folder).
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = workspace.join(
        std::env::args()
            .skip(1)
            .find(|a| !a.starts_with("--"))
            .map_or_else(|| PathBuf::from("static"), PathBuf::from),
    );
    let bytes = std::fs::read(dir.join("model.bin"))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.join("model.bin").display()));
    let head = Recommender::from_bytes(&bytes).expect("a page model");
    let tail = std::fs::read(dir.join("model.tail.bin")).ok().map(|tail| {
        let mut whole = head.clone();
        let tail = TailFile::from_bytes(&tail).expect("the model's tail");
        let checksum = ModelFile::checksum(&bytes).expect("a model's header");
        whole
            .attach_tail(tail, checksum)
            .expect("a tail of this model");
        whole
    });
    println!(
        "{}: recommend, median of {REPEATS} requests\n",
        dir.display()
    );
    println!("| catalogue | 3 liked | 10 liked |\n| --- | --- | --- |");
    for model in std::iter::once(&head).chain(&tail) {
        let movies = model.catalog.len();
        let head_movies = head.catalog.len();
        let liked = |n: usize| -> Vec<u32> {
            (0..n)
                .map(|i| model.catalog.movies[(i * 97) % head_movies].id)
                .collect()
        };
        let times: Vec<String> = [3, 10]
            .map(|n| format!("{:.3} ms", median_ms(model, liked(n))))
            .into();
        println!("| {movies} movies | {} | {} |", times[0], times[1]);
    }
}

fn median_ms(model: &Recommender, liked: Vec<u32>) -> f64 {
    let request = Request {
        liked,
        rated: Vec::new(),
        disliked: Vec::new(),
        seen: Vec::new(),
        top_n: 20,
        genre: None,
        decade: None,
        popularity: None,
    };
    let mut times: Vec<f64> = (0..2 * REPEATS)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(model.recommend(&request).expect("a list"));
            start.elapsed().as_secs_f64() * 1e3
        })
        .skip(REPEATS)
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}
