//! `trainer recommend`: recommendations from an exported weights file for a new user's picks,
//! as text, as JSON, or one JSON line per query of a JSON-lines file.

use crate::{emit, load_model};
use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use serde_json::json;
use shared::{Recommender, Request};
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
    #[arg(long, value_delimiter = ',', required_unless_present = "queries")]
    liked: Vec<u32>,
    /// A JSON-lines file of {"liked":[ids]} queries, answered one JSON line each. Movies the
    /// model does not know are skipped, listed in the answer's "skipped" and counted at the end.
    #[arg(long, conflicts_with = "liked")]
    queries: Option<PathBuf>,
    /// MovieLens ids of movies that are not for this user, comma-separated: never recommended,
    /// and the movies like them are pushed down (as much as the model's steering says).
    #[arg(long, value_delimiter = ',', requires = "liked")]
    disliked: Vec<u32>,
    /// MovieLens ids of movies already seen, comma-separated: never recommended, no other effect.
    #[arg(long, value_delimiter = ',', requires = "liked")]
    seen: Vec<u32>,
    /// Familiar ↔ discover: a step from 0 (the most familiar movies) to 8 (lesser-known movies
    /// near the likes); without it, the model's default, chosen on validation users.
    #[arg(long, requires = "liked", value_parser = clap::value_parser!(u8).range(0..shared::POPULARITY_STEPS.len() as i64))]
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

/// `trainer recommend`: one list from the flags, or one JSON line per query of a file.
pub fn recommend(args: &RecommendArgs) -> Result<()> {
    let recommender = load_model(&args.model)?;
    let Some(path) = &args.queries else {
        // Each list on its own, so that an unknown id is named with its flag. Movies the model
        // does not know are skipped as in --queries (a model leaves out movies that too few
        // training users liked); --strict refuses them.
        let mut skipped = Vec::new();
        let mut known = |flag: &str, ids: &[u32]| -> Result<Vec<u32>> {
            let (known, unknown) = split_known(&recommender, ids);
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
        let liked = known("--liked", &args.liked)?;
        let request = Request {
            disliked: known("--disliked", &args.disliked)?,
            seen: known("--seen", &args.seen)?,
            popularity: args.popularity.map(usize::from),
            ..Request::liking(liked, args.top)
        };
        // Nothing known to start from: an empty list, as a query with no known movie gets.
        let ranked = if request.liked.is_empty() {
            Vec::new()
        } else {
            recommender
                .recommend(&request)
                .map_err(|err| anyhow!("--liked: {err}"))?
        };
        if args.json {
            let items: Vec<_> = ranked
                .iter()
                .map(|r| {
                    let m = &recommender.catalog.movies[r.index];
                    json!({"id": m.id, "title": m.label(), "score": r.score})
                })
                .collect();
            let mut answer = json!({ "recommendations": items });
            if !skipped.is_empty() {
                answer["skipped"] = json!(skipped);
            }
            emit(answer)?;
        } else {
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
                emit(for_terminal(&format!(
                    "{:>3}. {}  [{}]{reason}",
                    rank + 1,
                    m.label(),
                    recommender.catalog.genres_of(m).join(", "),
                )))?;
            }
        }
        return Ok(());
    };
    recommend_batch(&recommender, path, args.top, args.strict)
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

    /// "skipped 3 liked movie ids not in the model's catalogue (2 distinct: 99, 98); 1 query had
    /// no known movie and got no recommendations".
    fn summary(&self) -> String {
        let mut shown: Vec<String> = self.first.iter().map(u32::to_string).collect();
        if self.distinct.len() > self.first.len() {
            shown.push("...".into());
        }
        let mut text = format!(
            "skipped {} liked movie {} not in the model's catalogue ({} distinct: {})",
            self.ids,
            if self.ids == 1 { "id" } else { "ids" },
            self.distinct.len(),
            shown.join(", ")
        );
        if self.empty_queries > 0 {
            text += &format!(
                "; {} {} no known movie and got no recommendations",
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
        liked: Vec<u32>,
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
            format!("{shown} line {line_no}: expected {{\"liked\":[movie ids]}}")
        })?;
        if query.liked.is_empty() {
            bail!("{shown} line {line_no}: no liked movies: list at least one movie id");
        }
        let (known, unknown) = split_known(recommender, &query.liked);
        if strict && let Some(id) = unknown.first() {
            bail!(
                "{shown} line {line_no}: movie id {id} is not in the model's catalogue (--strict; without it the id is skipped)"
            );
        }
        skipped.note(&unknown);
        let ids: Vec<u32> = if known.is_empty() {
            skipped.empty_queries += 1;
            Vec::new()
        } else {
            recommender
                .recommend(&Request::liking(known, top))
                .with_context(|| format!("{shown} line {line_no}"))?
                .iter()
                .map(|r| recommender.catalog.movies[r.index].id)
                .collect()
        };
        let mut answer = json!({"liked": query.liked, "recommendations": ids});
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
