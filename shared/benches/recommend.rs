//! `cargo bench -p shared --bench recommend [-- DIR]`: how long one `recommend` takes natively
//! on an exported page model (`DIR/model.bin`, `static/` by default), with the catalogue's tail
//! attached when `DIR/model.tail.bin` is there and without it, for three and ten liked movies
//! (the first of every 97th of the model's movies) and for the three with [`RATED`] stars
//! besides, as after an import (the most rated other movies, ½ to 5 in turn: 30 count as likes,
//! 50 as "not for me"). The page's own figures, in wasm and a real
//! browser, are `cargo xtask bench-web`'s; this one shows where native time goes, on the
//! ml-25m-sized page of `cargo xtask bench-scale` (`target/bench-scale/ml-25m-page`) too.

use shared::tail::TailFile;
use shared::{ModelFile, Recommender, Request};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Requests timed per case, after as many unmeasured.
const REPEATS: usize = 300;
/// Stars given besides three likes in the last case, as `bench-web`'s imported visitor's.
const RATED: usize = 100;

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
    println!(
        "| catalogue | 3 liked | 10 liked | 3 liked, {RATED} rated |\n| --- | --- | --- | --- |"
    );
    for model in std::iter::once(&head).chain(&tail) {
        let movies = model.catalog.len();
        let head_movies = head.catalog.len();
        let liked = |n: usize| -> Vec<u32> {
            (0..n)
                .map(|i| model.catalog.movies[(i * 97) % head_movies].id)
                .collect()
        };
        let rated = |liked: &[u32]| -> Vec<(u32, f32)> {
            let others = (model.popular(None, liked.len() + RATED).into_iter())
                .map(|index| model.catalog.movies[index].id)
                .filter(|id| !liked.contains(id));
            (others.take(RATED).enumerate())
                .map(|(i, id)| (id, (i % 10 + 1) as f32 / 2.0))
                .collect()
        };
        let times: Vec<String> = [(3, false), (10, false), (3, true)]
            .map(|(n, with_stars)| {
                let liked = liked(n);
                let rated = if with_stars {
                    rated(&liked)
                } else {
                    Vec::new()
                };
                format!("{:.3} ms", median_ms(model, liked, rated))
            })
            .into();
        println!(
            "| {movies} movies | {} | {} | {} |",
            times[0], times[1], times[2]
        );
    }
}

fn median_ms(model: &Recommender, liked: Vec<u32>, rated: Vec<(u32, f32)>) -> f64 {
    let request = Request {
        liked,
        rated,
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
