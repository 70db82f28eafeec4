//! `trainer recommend`: recommendations from an exported weights file for a new user's picks,
//! as text, as JSON, or one JSON line per query of a JSON-lines file.

use crate::{emit, load_model};
use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use serde_json::json;
use shared::import::{ImportError, MAX_IMPORT_BYTES};
use shared::stars::is_half_star;
use shared::{RecommendError, Recommender, Request};
use std::collections::HashSet;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use trainer::options::positive_usize;

#[derive(Args)]
pub struct RecommendArgs {
    /// The exported weights file.
    #[arg(long)]
    model: PathBuf,
    /// MovieLens ids of liked movies, comma-separated.
    #[arg(long, value_delimiter = ',', required_unless_present_any = ["queries", "rated", "import"])]
    liked: Vec<u32>,
    /// Movies given stars, comma-separated `id:stars` (0.5 to 5 in halves): `1:4.5,2571:2`.
    /// Four stars and up count as likes (five as much as --liked), 2.5 and below as --disliked.
    #[arg(long, value_delimiter = ',', value_parser = parse_rated, conflicts_with = "queries")]
    rated: Vec<(u32, f32)>,
    /// MovieLens ids whose predicted stars to print ("predicted": [[id, stars], ...] in JSON),
    /// from the stars and likes given; needs a model file with the stars network.
    #[arg(long, value_delimiter = ',', conflicts_with = "queries")]
    predict: Vec<u32>,
    /// A ratings export to start from, read as the page reads it: movielens.org's export
    /// (movie_id, rating), IMDb's (Const, Your Rating) or Letterboxd's ratings.csv (Name, Year,
    /// Rating). --rated adds to it (and wins for a movie in both).
    #[arg(long, conflicts_with = "queries")]
    import: Option<PathBuf>,
    /// A JSON-lines file of queries, answered one JSON line each: {"liked": [ids]}, with
    /// "rated": [[id, stars], ...] and "predict": [ids] if wanted (answered with "predicted").
    /// Movies the model does not know are skipped, listed in the answer's "skipped" and counted
    /// at the end.
    #[arg(long, conflicts_with = "liked")]
    queries: Option<PathBuf>,
    /// MovieLens ids of movies that are not for this user, comma-separated: never recommended,
    /// and the movies like them are pushed down (as much as the model's steering says).
    #[arg(long, value_delimiter = ',', conflicts_with = "queries")]
    disliked: Vec<u32>,
    /// MovieLens ids of movies already seen, comma-separated: never recommended, no other effect.
    #[arg(long, value_delimiter = ',', conflicts_with = "queries")]
    seen: Vec<u32>,
    /// Familiar ↔ discover: a step from 0 (the most familiar movies) to 8 (lesser-known movies
    /// near the likes); without it, the model's default, chosen on validation users.
    #[arg(long, conflicts_with = "queries", value_parser = clap::value_parser!(u8).range(0..shared::POPULARITY_STEPS.len() as i64))]
    popularity: Option<u8>,
    /// Fail on the first movie the model does not know instead of skipping it (and saying so).
    #[arg(long)]
    strict: bool,
    /// Movies recommended (at least 1).
    #[arg(long, default_value_t = 20, value_parser = positive_usize, allow_negative_numbers = true)]
    top: usize,
    #[arg(long)]
    json: bool,
}

/// `id:stars`, the stars a half-star from 0.5 to 5.
fn parse_rated(text: &str) -> Result<(u32, f32), String> {
    shared::stars::parse_rated(text).map(|(id, halves)| (id, f32::from(halves) / 2.0))
}

/// `rated` with each movie once, at its last stars, in the order of those last ratings.
fn last_per_movie(rated: Vec<(u32, f32)>) -> Vec<(u32, f32)> {
    let mut seen = HashSet::new();
    let mut kept: Vec<(u32, f32)> = (rated.into_iter().rev())
        .filter(|&(id, _)| seen.insert(id))
        .collect();
    kept.reverse();
    kept
}

/// The predicted stars as the output prints them: two decimals.
fn rounded(stars: f32) -> f64 {
    (f64::from(stars) * 100.0).round() / 100.0
}

/// `trainer recommend`: one list from the flags, or one JSON line per query of a file.
pub fn recommend(args: &RecommendArgs) -> Result<()> {
    let recommender = load_model(&args.model, true)?;
    let Some(path) = &args.queries else {
        return recommend_one(&recommender, args);
    };
    recommend_batch(&recommender, path, args.top, args.strict)
}

/// The list (and predicted stars) for the flags' picks.
fn recommend_one(recommender: &Recommender, args: &RecommendArgs) -> Result<()> {
    // Each list on its own, so that an unknown id is named with its flag. Movies the model
    // does not know are skipped as in --queries (a model leaves out movies that too few
    // training users liked); --strict refuses them.
    let mut skipped = Vec::new();
    let mut known = |flag: &str, ids: &[u32]| -> Result<Vec<u32>> {
        let (known, unknown) = split_known(recommender, ids);
        if let Some(id) = unknown.first() {
            if args.strict {
                bail!(
                    "{flag}: movie id {id} is not in the catalogue of {} (--strict; without it the id is skipped)",
                    args.model.display()
                );
            }
            eprintln!(
                "warning: {flag}: skipped movie {} {} not in the catalogue of {}",
                if unknown.len() == 1 { "id" } else { "ids" },
                unknown
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                args.model.display()
            );
        }
        skipped.extend(unknown);
        Ok(known)
    };
    let mut rated: Vec<(u32, f32)> = match &args.import {
        Some(path) => imported(recommender, path)?,
        None => Vec::new(),
    };
    let rated_ids: Vec<u32> = args.rated.iter().map(|&(id, _)| id).collect();
    let known_rated = known("--rated", &rated_ids)?;
    rated.extend(args.rated.iter().filter(|(id, _)| known_rated.contains(id)));
    let rated = last_per_movie(rated);
    let liked = known("--liked", &args.liked)?;
    let predict = known("--predict", &args.predict)?;
    let request = Request {
        rated,
        disliked: known("--disliked", &args.disliked)?,
        seen: known("--seen", &args.seen)?,
        popularity: args.popularity.map(usize::from),
        ..Request::liking(liked, args.top)
    };
    // Nothing liked to start from (none known, or only low stars): an empty list, as a query
    // with no known movie gets.
    let ranked = match recommender.recommend(&request) {
        Err(RecommendError::NoPicks) => Vec::new(),
        ranked => ranked?,
    };
    let stars = predicted_stars(recommender, &request)?;
    if stars.is_none() && !args.predict.is_empty() {
        bail!(
            "--predict: {} carries no predicted stars (it was trained with --no-stars); retrain it without that flag",
            args.model.display()
        );
    }
    // The catalogue's tail has no predicted stars (NaN): nothing is printed for it.
    let stars_of = |index: usize| {
        (stars.as_ref())
            .map(|s| s[index])
            .filter(|s| s.is_finite())
            .map(rounded)
    };
    let predicted: Vec<(u32, f64)> = (predict.iter())
        .filter_map(|&id| Some((id, stars_of(recommender.catalog.index_of(id)?)?)))
        .collect();
    if args.json {
        let items: Vec<_> = ranked
            .iter()
            .map(|r| {
                let m = &recommender.catalog.movies[r.index];
                let mut item = json!({"id": m.id, "title": m.label(), "score": r.score});
                if let Some(stars) = stars_of(r.index) {
                    item["stars"] = json!(stars);
                }
                item
            })
            .collect();
        let mut answer = json!({ "recommendations": items });
        if !args.predict.is_empty() {
            answer["predicted"] = json!(predicted);
        }
        if !skipped.is_empty() {
            answer["skipped"] = json!(skipped);
        }
        return emit(answer);
    }
    for (rank, r) in ranked.iter().enumerate() {
        let m = &recommender.catalog.movies[r.index];
        let because: Vec<String> = r
            .because
            .iter()
            .map(|&b| recommender.catalog.movies[b].label())
            .collect();
        let reason = if because.is_empty() {
            String::new()
        } else {
            format!("  because you liked {}", because.join(", "))
        };
        let expected = stars_of(r.index).map_or(String::new(), |s| format!("  ≈ {s:.1}★"));
        emit(for_terminal(&format!(
            "{:>3}. {}  [{}]{expected}{reason}",
            rank + 1,
            m.label(),
            recommender.catalog.genres_of(m).join(", "),
        )))?;
    }
    if !predicted.is_empty() {
        emit("Predicted stars for you:")?;
        for (id, stars) in &predicted {
            let index = recommender.catalog.index_of(*id).expect("a known id");
            let title = recommender.catalog.movies[index].label();
            emit(for_terminal(&format!("  {stars:.2}★  {title}")))?;
        }
    }
    Ok(())
}

/// Every catalogue movie's predicted stars for `request`'s stars, likes and dislikes (all
/// known); `None` when the model carries no stars.
fn predicted_stars(recommender: &Recommender, request: &Request) -> Result<Option<Vec<f32>>> {
    let rated = recommender.rated_indices(&request.rated)?;
    let liked = recommender.indices_of(&request.liked)?;
    let disliked = recommender.indices_of(&request.disliked)?;
    Ok(recommender.predicted_stars(&rated, &liked, &disliked))
}

/// The stars of a ratings export's movies that the model knows; what was not matched is said
/// on stderr.
fn imported(recommender: &Recommender, path: &Path) -> Result<Vec<(u32, f32)>> {
    let shown = path.display();
    let size = std::fs::metadata(path)
        .with_context(|| format!("--import: reading {shown}"))?
        .len();
    if size > MAX_IMPORT_BYTES as u64 {
        bail!(
            "--import: {shown}: {}",
            ImportError::TooLarge {
                bytes: size as usize
            }
        );
    }
    let bytes = std::fs::read(path).with_context(|| format!("--import: reading {shown}"))?;
    let text = String::from_utf8(bytes).map_err(|err| {
        anyhow!(
            "--import: {shown} is not UTF-8 text (at byte {}): is it a ratings export?",
            err.utf8_error().valid_up_to() + 1
        )
    })?;
    let (format, found) = shared::import::import(&recommender.catalog, &text)
        .map_err(|err| anyhow!("--import: {shown}: {err}"))?;
    let matched = found.rows - found.unmatched_rows;
    eprintln!(
        "--import: {shown} ({}): {matched} of {} rows matched{}",
        format.name(),
        found.rows,
        if found.unmatched_rows == 0 {
            String::new()
        } else {
            format!(
                "; {} not in this catalogue: {}{}",
                found.unmatched_rows,
                found
                    .unmatched
                    .iter()
                    .take(10)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("; "),
                if found.unmatched_rows > 10 {
                    "; ..."
                } else {
                    ""
                }
            )
        }
    );
    Ok(found.rated)
}

/// `line` safe to print on a terminal: a model file's titles and genre names are text from
/// elsewhere, and a control character in them (an escape sequence that retitles the window or
/// clears the screen) is shown as `�` instead of acted on. JSON output escapes them already.
fn for_terminal(line: &str) -> String {
    line.chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}

/// `ids` the model knows, and those it does not (each in the order given).
fn split_known(recommender: &Recommender, ids: &[u32]) -> (Vec<u32>, Vec<u32>) {
    ids.iter()
        .partition(|&&id| recommender.catalog.index_of(id).is_some())
}

/// Movie ids of `--queries` that the model does not know, for the closing warning.
#[derive(Default)]
struct Skipped {
    /// Every skipped id, repeats included.
    ids: usize,
    distinct: HashSet<u32>,
    /// The first few distinct ids, in file order.
    first: Vec<u32>,
    /// Queries left with no known movie (answered with an empty list).
    empty_queries: usize,
}

impl Skipped {
    const SHOWN: usize = 5;

    fn note(&mut self, unknown: &[u32]) {
        self.ids += unknown.len();
        for &id in unknown {
            if self.distinct.insert(id) && self.first.len() < Self::SHOWN {
                self.first.push(id);
            }
        }
    }

    /// "skipped 3 movie ids not in the model's catalogue (2 distinct: 99, 98); 1 query had
    /// no known liked movie and got no recommendations".
    fn summary(&self) -> String {
        let mut shown: Vec<String> = self.first.iter().map(u32::to_string).collect();
        if self.distinct.len() > self.first.len() {
            shown.push("...".into());
        }
        let mut text = format!(
            "skipped {} movie {} not in the model's catalogue ({} distinct: {})",
            self.ids,
            if self.ids == 1 { "id" } else { "ids" },
            self.distinct.len(),
            shown.join(", ")
        );
        if self.empty_queries > 0 {
            text += &format!(
                "; {} {} no known liked movie and got no recommendations",
                self.empty_queries,
                if self.empty_queries == 1 {
                    "query had"
                } else {
                    "queries had"
                }
            );
        }
        text
    }
}

/// The longest `--queries` line read, newline included: room for about 100,000 movie ids.
const MAX_QUERY_LINE_BYTES: u64 = 1 << 20;

/// Answers a JSON-lines file of `{"liked":[ids]}` queries, one JSON line each. Movies the model
/// does not know are skipped (listed in the answer's `"skipped"`; a query with none left gets an
/// empty list) and counted on stderr at the end; `strict` makes the first one an error.
fn recommend_batch(recommender: &Recommender, path: &Path, top: usize, strict: bool) -> Result<()> {
    #[derive(serde::Deserialize)]
    struct Query {
        #[serde(default)]
        liked: Vec<u32>,
        #[serde(default)]
        rated: Vec<(u32, f32)>,
        #[serde(default)]
        predict: Vec<u32>,
    }
    let shown = path.display();
    let file = std::fs::File::open(path).with_context(|| format!("opening {shown}"))?;
    let mut reader = std::io::BufReader::new(file);
    let mut skipped = Skipped::default();
    let mut buf = Vec::new();
    let mut line_no = 0usize;
    loop {
        buf.clear();
        let read = (&mut reader)
            .take(MAX_QUERY_LINE_BYTES + 1)
            .read_until(b'\n', &mut buf)
            .with_context(|| format!("reading {shown} after line {line_no}"))?;
        if read == 0 {
            break;
        }
        line_no += 1;
        if read as u64 > MAX_QUERY_LINE_BYTES {
            bail!(
                "{shown} line {line_no}: longer than {} MB, the most a query line may hold (about 100,000 movie ids); put one query per line",
                MAX_QUERY_LINE_BYTES >> 20
            );
        }
        let line = std::str::from_utf8(&buf).map_err(|err| {
            anyhow!(
                "{shown} line {line_no}: not valid UTF-8 (at byte {} of the line)",
                err.valid_up_to() + 1
            )
        })?;
        // A byte-order mark (as some Windows editors write) is not part of the JSON.
        let line = line.trim_start_matches('\u{feff}').trim();
        if line.is_empty() {
            continue;
        }
        let query: Query = serde_json::from_str(line).with_context(|| {
            format!(
                "{shown} line {line_no}: expected {{\"liked\": [movie ids]}}, with \"rated\": [[id, stars], ...] and \"predict\": [ids] if wanted"
            )
        })?;
        if query.liked.is_empty() && query.rated.is_empty() {
            bail!("{shown} line {line_no}: no liked or rated movies: list at least one movie id");
        }
        if let Some((id, stars)) = query.rated.iter().find(|(_, s)| !is_half_star(*s)) {
            bail!(
                "{shown} line {line_no}: movie {id} rated {stars}: stars go from 0.5 to 5 in half-star steps"
            );
        }
        let rated_ids: Vec<u32> = query.rated.iter().map(|&(id, _)| id).collect();
        let all_ids = [&query.liked[..], &rated_ids, &query.predict].concat();
        let (_, unknown) = split_known(recommender, &all_ids);
        if strict && let Some(id) = unknown.first() {
            bail!(
                "{shown} line {line_no}: movie id {id} is not in the model's catalogue (--strict; without it the id is skipped)"
            );
        }
        skipped.note(&unknown);
        let known = |id: &u32| recommender.catalog.index_of(*id).is_some();
        let request = Request {
            rated: last_per_movie(
                query
                    .rated
                    .iter()
                    .copied()
                    .filter(|(id, _)| known(id))
                    .collect(),
            ),
            ..Request::liking(query.liked.iter().copied().filter(known).collect(), top)
        };
        let ids: Vec<u32> = match recommender.recommend(&request) {
            Err(RecommendError::NoPicks) => {
                skipped.empty_queries += 1;
                Vec::new()
            }
            ranked => ranked
                .with_context(|| format!("{shown} line {line_no}"))?
                .iter()
                .map(|r| recommender.catalog.movies[r.index].id)
                .collect(),
        };
        let mut answer = json!({"liked": query.liked, "recommendations": ids});
        if !query.rated.is_empty() {
            answer["rated"] = json!(query.rated);
        }
        if !query.predict.is_empty() {
            let Some(stars) = predicted_stars(recommender, &request)? else {
                bail!(
                    "{shown} line {line_no}: \"predict\" asked of a model file without predicted stars (trained with --no-stars)"
                );
            };
            let predicted: Vec<(u32, f64)> = (query.predict.iter())
                .filter_map(|&id| {
                    let predicted = stars[recommender.catalog.index_of(id)?];
                    predicted.is_finite().then(|| (id, rounded(predicted)))
                })
                .collect();
            answer["predicted"] = json!(predicted);
        }
        if !unknown.is_empty() {
            answer["skipped"] = json!(unknown);
        }
        emit(answer)?;
    }

    if skipped.ids > 0 {
        eprintln!("warning: {shown}: {}", skipped.summary());
    }
    Ok(())
}
