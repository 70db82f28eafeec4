//! `cargo xtask bench-web`: what a visitor downloads and how fast the page answers, measured in
//! headless Chromium by the page itself (see the web crate's `timings` module).

use crate::browser::Browser;
use crate::build_web::OUT_NAME;
use crate::paths;
use crate::serve::StaticServer;
use anyhow::{Context, Result, bail};
use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::Value;
use shared::Recommender;
use std::io::Write;
use std::path::Path;

/// Pick and unpick clicks timed; half add the top recommendation, half remove it again.
const CLICKS: usize = 120;
/// Movies liked through the share URL before the first recommendations are timed.
const PRELOADED_PICKS: usize = 3;
/// Stars a visitor who brought their ratings from elsewhere has given besides: the next most
/// rated movies after the liked ones, ½ to 5 stars in turn.
const IMPORTED_STARS: usize = 100;

/// Bytes of `path` as stored and as gzip (best) would send them.
fn sizes(path: &Path) -> Result<(usize, usize)> {
    let bytes = std::fs::read(path).with_context(|| {
        format!(
            "{} is missing: run `cargo xtask build-web` (and `cargo xtask serve` for the model)",
            path.display()
        )
    })?;
    let mut gzip = GzEncoder::new(Vec::new(), Compression::best());
    gzip.write_all(&bytes)?;
    Ok((bytes.len(), gzip.finish()?.len()))
}

/// The nearest-rank percentile of `samples`.
pub fn percentile(samples: &[f64], percent: f64) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((percent / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn kib(bytes: usize) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

fn samples(timings: &Value, name: &str) -> Result<Vec<f64>> {
    serde_json::from_value(timings[name].clone())
        .with_context(|| format!("the page published no `{name}` timings"))
}

/// [`CLICKS`] clicks on the page, alternately a like on the first recommendation and a remove
/// of the last liked movie, each waited for until the page has timed it (`before` clicks were
/// timed already).
async fn click_through(browser: &Browser, before: usize) -> Result<()> {
    for click in 0..CLICKS {
        let button = if click % 2 == 0 {
            "#recommendations li:first-child button.like"
        } else {
            "#liked li:last-child button.remove"
        };
        browser
            .click_and_wait_until_timed(button, before + click + 1)
            .await?;
    }
    Ok(())
}

/// Waits, when the page has a catalogue's tail, until it is attached: clicks are timed on the
/// whole catalogue, as a visitor has it a moment later.
async fn wait_for_tail(browser: &Browser, has_tail: bool) -> Result<()> {
    if has_tail {
        browser
            .wait_for("#model-info[data-tail='attached']")
            .await?;
    }
    Ok(())
}

/// A phone-class CPU: Chromium runs the page four times slower from here on.
async fn slow_cpu_four_times(browser: &Browser) -> Result<()> {
    browser
        .cdp()
        .send_raw(
            "Emulation.setCPUThrottlingRate",
            serde_json::json!({"rate": 4}),
        )
        .await?;
    Ok(())
}

/// The throttled clicks ([`click_through`], CPU slowed ×4) of a visitor who arrives with
/// `liked` and [`IMPORTED_STARS`] stars besides, as after an import: every change of picks
/// folds all their stars into the stars network and ranks for all the high ones. With the
/// time of each `recommend` they made, CPU slowed too.
async fn imported_visitor_clicks(
    url: &str,
    model: &Recommender,
    liked: &[String],
    has_tail: bool,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let rated: Vec<String> = (model.popular(None, liked.len() + IMPORTED_STARS).iter())
        .skip(liked.len())
        .enumerate()
        .map(|(i, &index)| {
            let halves = i % 10 + 1;
            format!("{}:{}", model.catalog.movies[index].id, halves as f32 / 2.0)
        })
        .collect();
    // A browser of its own: the first one's kept picks would make the link ask first.
    let browser = Browser::start().await?;
    browser
        .goto(format!(
            "{url}#liked={}&rated={}",
            liked.join(","),
            rated.join(",")
        ))
        .await?;
    browser.recommended_ids().await?;
    wait_for_tail(&browser, has_tail).await?;
    let scored_before = samples(&browser.timings().await?, "scoring")?.len();
    slow_cpu_four_times(&browser).await?;
    click_through(&browser, 0).await?;
    let timings = browser.timings().await?;
    let clicks = samples(&timings, "clicks")?;
    let scoring = samples(&timings, "scoring")?.split_off(scored_before);
    browser.quit().await?;
    if clicks.len() < CLICKS {
        bail!("only {} of {CLICKS} clicks were timed", clicks.len());
    }
    Ok((clicks, scoring))
}

/// `cargo xtask bench-web`: the page as served from `static/`, printed as a table.
pub async fn bench_web() -> Result<()> {
    let page = measure_page(&paths::static_dir()).await?;
    println!(
        "\nPage benchmark: {} movies, headless Chromium, {} CPU cores\n",
        page.movies,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!("| measure | value |\n| --- | --- |");
    for (measure, value) in &page.rows {
        println!("| {measure} | {value} |");
    }
    Ok(())
}

/// What a visitor of a page gets: its payload and its latencies.
pub struct PageFigures {
    pub movies: usize,
    /// (measure, value) as printed.
    pub rows: Vec<(String, String)>,
    pub payload_gzip_bytes: usize,
    pub model_gzip_bytes: usize,
    /// Click → updated list, p50 and p95, ms: as the CPU is, and slowed ×4.
    pub click_ms: (f64, f64),
    pub throttled_click_ms: (f64, f64),
    pub first_recommendations_ms: f64,
}

/// Serves `site` (a built page: `index.html`, `pkg/`, `model.bin`) and measures it in headless
/// Chromium.
pub async fn measure_page(site: &Path) -> Result<PageFigures> {
    let pkg = site.join("pkg");
    let model_path = site.join("model.bin");
    let payload = [
        ("wasm", pkg.join(format!("{OUT_NAME}_bg.wasm"))),
        ("js", pkg.join(format!("{OUT_NAME}.js"))),
        ("model.bin", model_path.clone()),
    ];
    let mut rows = Vec::new();
    let mut total_gzip = 0;
    let mut model_gzip = 0;
    for (name, path) in &payload {
        let (raw, gzip) = sizes(path)?;
        total_gzip += gzip;
        if *name == "model.bin" {
            model_gzip = gzip;
        }
        rows.push((
            format!("{name} (gzip)"),
            format!("{} (raw {})", kib(gzip), kib(raw)),
        ));
    }
    rows.push(("total payload (gzip)".into(), kib(total_gzip)));
    // The catalogue's tail comes after the first list, outside the payload it waits for.
    let tail_path = shared::tail::path_beside(&model_path);
    let has_tail = tail_path.exists();
    if has_tail {
        let (raw, gzip) = sizes(&tail_path)?;
        rows.push((
            "catalogue's tail, fetched after the first list (gzip)".into(),
            format!("{} (raw {})", kib(gzip), kib(raw)),
        ));
    }

    let model = Recommender::from_bytes(&std::fs::read(&model_path)?)?;
    let preloaded: Vec<String> = model
        .popular(None, PRELOADED_PICKS)
        .into_iter()
        .map(|index| model.catalog.movies[index].id.to_string())
        .collect();
    let url = StaticServer::bind(site, 0)?.spawn();
    let browser = Browser::start().await?;
    browser
        .goto(format!("{url}#liked={}", preloaded.join(",")))
        .await?;
    browser.recommended_ids().await?;
    let first_shown = browser
        .wait_until("the first-recommendations timing", async || {
            Ok(browser.timings().await?["firstRecommendationsMs"].as_f64())
        })
        .await?;
    wait_for_tail(&browser, has_tail).await?;

    click_through(&browser, 0).await?;
    let scored_unthrottled = samples(&browser.timings().await?, "scoring")?.len();
    slow_cpu_four_times(&browser).await?;
    click_through(&browser, CLICKS).await?;
    let timings = browser.timings().await?;
    browser.quit().await?;
    let (imported, imported_scoring) =
        imported_visitor_clicks(&url, &model, &preloaded, has_tail).await?;

    let all_clicks = samples(&timings, "clicks")?;
    if all_clicks.len() < 2 * CLICKS {
        bail!(
            "only {} of {} clicks were timed",
            all_clicks.len(),
            2 * CLICKS
        );
    }
    let (clicks, throttled) = all_clicks.split_at(CLICKS);
    let all_scoring = samples(&timings, "scoring")?;
    let (scoring, scoring_throttled) = all_scoring.split_at(scored_unthrottled);
    let spread = |samples: &[f64]| {
        format!(
            "{:.2} ms / {:.2} ms",
            percentile(samples, 50.0),
            percentile(samples, 95.0)
        )
    };
    rows.push((
        format!("click → updated list, p50 / p95 ({} clicks)", clicks.len()),
        spread(clicks),
    ));
    rows.push((
        format!(
            "click → updated list, CPU slowed ×4 (Chromium throttling), p50 / p95 ({} clicks)",
            throttled.len()
        ),
        spread(throttled),
    ));
    // The two kinds of click apart: a like on a card keeps its list on screen (nothing is
    // ranked), a remove ranks the list anew.
    let kinds = [
        ("a like on a card (list held)", 0),
        ("a remove (list ranked)", 1),
    ];
    let of_kind = |clicks: &[f64], parity: usize| -> Vec<f64> {
        clicks.iter().skip(parity).step_by(2).copied().collect()
    };
    for (kind, parity) in kinds {
        let of_kind = of_kind(throttled, parity);
        rows.push((
            format!(
                "… of which {kind}, CPU slowed ×4, p50 / p95 ({} clicks)",
                of_kind.len()
            ),
            spread(&of_kind),
        ));
    }
    for (kind, parity) in kinds {
        let of_kind = of_kind(&imported, parity);
        rows.push((
            format!(
                "a visitor with {IMPORTED_STARS} stars imported besides: {kind}, CPU slowed ×4, p50 / p95 ({} clicks)",
                of_kind.len()
            ),
            spread(&of_kind),
        ));
    }
    rows.push((
        format!(
            "a visitor with {IMPORTED_STARS} stars imported besides: scoring alone, CPU slowed ×4, p50 / p95 ({} calls)",
            imported_scoring.len()
        ),
        spread(&imported_scoring),
    ));
    rows.push((
        format!(
            "scoring alone (`recommend`), p50 / p95 ({} calls)",
            scoring.len()
        ),
        spread(scoring),
    ));
    rows.push((
        format!(
            "scoring alone, CPU slowed ×4, p50 / p95 ({} calls)",
            scoring_throttled.len()
        ),
        spread(scoring_throttled),
    ));
    rows.push((
        format!("navigation → first recommendations ({PRELOADED_PICKS} picks from the share URL)"),
        format!("{first_shown:.0} ms"),
    ));

    Ok(PageFigures {
        movies: model.catalog.len(),
        rows,
        payload_gzip_bytes: total_gzip,
        model_gzip_bytes: model_gzip,
        click_ms: (percentile(clicks, 50.0), percentile(clicks, 95.0)),
        throttled_click_ms: (percentile(throttled, 50.0), percentile(throttled, 95.0)),
        first_recommendations_ms: first_shown,
    })
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let samples: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&samples, 50.0), 50.0);
        assert_eq!(percentile(&samples, 95.0), 95.0);
        assert_eq!(percentile(&[7.0], 95.0), 7.0);
        assert_eq!(percentile(&[3.0, 1.0, 2.0], 0.0), 1.0);
    }
}
