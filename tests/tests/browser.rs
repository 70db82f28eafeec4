//! End-to-end: the built page (`static/`, as `cargo xtask build-web` leaves it) in headless
//! Chromium, used as a visitor would, and checked against the trainer's own recommendations.

use anyhow::{Context, Result, bail};
use serde_json::Value;
use shared::Recommender;
use std::path::Path;
use std::process::Command;
use xtask::browser::{Browser, temp_dir};
use xtask::paths;
use xtask::serve::StaticServer;

/// Serves `root` and opens a fresh browser; fails early, with what to run, when the page was
/// never built.
async fn open(root: &Path, fragment: &str) -> Result<(Browser, String)> {
    if !paths::pkg_dir().join("web_bg.wasm").exists() {
        bail!("static/pkg is missing: run `cargo xtask build-web` before these tests");
    }
    if !paths::model_file().exists() {
        bail!("static/model.bin is missing: run `cargo xtask serve` (it trains it) first");
    }
    let url = StaticServer::bind(root, 0)?.spawn();
    let browser = Browser::start().await?;
    browser.goto(format!("{url}{fragment}")).await?;
    Ok((browser, url))
}

const ANIMATED_FAMILY_FILMS: [(&str, &str); 3] = [
    ("toy story", "Toy Story (1995)"),
    ("Aladdin", "Aladdin (1992)"),
    ("lion king", "The Lion King (1994)"),
];

#[tokio::test(flavor = "multi_thread")]
async fn a_visitor_likes_animated_films_and_gets_more_of_them() -> Result<()> {
    let (browser, url) = open(&paths::static_dir(), "").await?;
    browser.wait_for(".browse li[data-movie-id]").await?;
    assert!(browser.movie_ids("#recommendations li").await?.is_empty());

    let mut liked = Vec::new();
    let mut after_first_pick = Vec::new();
    for (query, label) in ANIMATED_FAMILY_FILMS {
        liked.push(browser.like_via_search(query, label).await?);
        if after_first_pick.is_empty() {
            after_first_pick = browser.recommended_ids().await?;
        }
    }
    let recommended = browser
        .wait_until("the list to follow the picks", async || {
            let ids = browser.recommended_ids().await?;
            Ok((ids != after_first_pick).then_some(ids))
        })
        .await?;
    assert_eq!(recommended.len(), 20);
    assert!(
        recommended.iter().all(|id| !liked.contains(id)),
        "picks are never recommended"
    );
    let genres: Vec<String> = serde_json::from_value(
        browser
            .script("return Array.from(document.querySelectorAll('#recommendations li .genres')).slice(0, 10).map(e => e.textContent)")
            .await?,
    )?;
    let is_family = |genres: &str| genres.contains("Animation") || genres.contains("Children");
    let family = genres.iter().filter(|g| is_family(g)).count();
    // The picks steer the list: well above what the ten most popular movies hold.
    let model = Recommender::from_bytes(&std::fs::read(paths::model_file())?)?;
    let popular_family = model
        .popular(None, 10)
        .into_iter()
        .filter(|&i| is_family(&model.catalog.genres_of(&model.catalog.movies[i]).join(", ")))
        .count();
    assert!(
        family >= popular_family + 4,
        "only {family} of the top 10 are Animation or Children ({popular_family} of the ten most popular): {genres:?}"
    );
    let reason = browser
        .wait_for("#recommendations li .reason")
        .await?
        .text()
        .await?;
    assert!(reason.starts_with("Because you liked "), "{reason}");

    // Only the page's own files are fetched.
    let fetched: Vec<String> = serde_json::from_value(
        browser
            .script("return performance.getEntriesByType('resource').map(e => e.name)")
            .await?,
    )?;
    assert!(
        fetched.iter().all(|name| name.starts_with(&url)),
        "{fetched:?}"
    );

    // A reload keeps the picks (localStorage).
    browser.goto(&url).await?;
    browser.wait_for("#liked li").await?;
    assert_eq!(browser.movie_ids("#liked li").await?, liked);
    assert_eq!(browser.recommended_ids().await?, recommended);
    std::fs::create_dir_all(paths::target_dir().join("e2e"))?;
    browser
        .screenshot(&paths::target_dir().join("e2e/recommendations.png"))
        .await?;

    // Phone width: nothing wider than the screen.
    browser.set_window_rect(0, 0, 390, 844).await?;
    let overflow = browser
        .script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
        )
        .await?;
    assert_eq!(
        overflow.as_i64(),
        Some(0),
        "the page scrolls sideways on a phone"
    );
    browser
        .screenshot(&paths::target_dir().join("e2e/phone.png"))
        .await?;

    let share = browser
        .wait_for("#share-link")
        .await?
        .attr("href")
        .await?
        .context("the share link has an href")?;
    browser.quit().await?;

    // The share link reproduces the picks in a browser that never saw them.
    let fragment = &share[share.find('#').context("the share link has a fragment")?..];
    let (fresh, _) = open(&paths::static_dir(), fragment).await?;
    fresh.wait_for("#liked li").await?;
    assert_eq!(fresh.movie_ids("#liked li").await?, liked);
    assert_eq!(fresh.recommended_ids().await?, recommended);
    fresh.quit().await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_page_recommends_what_the_trainer_recommends() -> Result<()> {
    let liked = "1,588,364";
    let (browser, _) = open(&paths::static_dir(), &format!("#liked={liked}")).await?;
    let page = browser.recommended_ids().await?;
    browser.quit().await?;

    let trainer = paths::trainer_binary();
    if !trainer.exists() {
        bail!(
            "{} is missing: run `cargo build --release -p trainer` (cargo xtask test does)",
            trainer.display()
        );
    }
    let output = Command::new(&trainer)
        .args(["recommend", "--model"])
        .arg(paths::model_file())
        .args(["--liked", liked, "--top", "20", "--json"])
        .output()?;
    if !output.status.success() {
        bail!(
            "trainer recommend failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let answer: Value = serde_json::from_slice(&output.stdout)?;
    let expected: Vec<u32> = answer["recommendations"]
        .as_array()
        .context("trainer recommend --json prints {\"recommendations\": [...]}")?
        .iter()
        .map(|r| {
            r["id"]
                .as_u64()
                .map(|id| id as u32)
                .context("each recommendation has an id")
        })
        .collect::<Result<_>>()?;
    assert_eq!(page, expected);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn hundreds_of_picks_still_get_recommendations() -> Result<()> {
    let model = Recommender::from_bytes(&std::fs::read(paths::model_file())?)?;
    let liked: Vec<u32> = model
        .popular(None, 300)
        .into_iter()
        .map(|index| model.catalog.movies[index].id)
        .collect();
    let ids: Vec<String> = liked.iter().map(u32::to_string).collect();
    let (browser, _) = open(&paths::static_dir(), &format!("#liked={}", ids.join(","))).await?;
    let recommended = browser.recommended_ids().await?;
    assert_eq!(browser.movie_ids("#liked li").await?, liked);
    browser.quit().await?;
    assert_eq!(recommended.len(), 20);
    assert!(recommended.iter().all(|id| !liked.contains(id)));
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_damaged_model_is_explained_with_the_fix() -> Result<()> {
    let copy = temp_dir("damaged-model")?;
    for file in ["index.html", "style.css"] {
        std::fs::copy(paths::static_dir().join(file), copy.path().join(file))?;
    }
    std::fs::create_dir(copy.path().join("pkg"))?;
    for entry in std::fs::read_dir(paths::pkg_dir())? {
        let entry = entry?;
        std::fs::copy(
            entry.path(),
            copy.path().join("pkg").join(entry.file_name()),
        )?;
    }
    let model = std::fs::read(paths::model_file())?;
    std::fs::write(copy.path().join("model.bin"), &model[..model.len() / 2])?;

    let (browser, _) = open(copy.path(), "").await?;
    let message = browser.wait_for("#load-error").await?.text().await?;
    browser.quit().await?;
    assert!(message.contains("truncated"), "{message}");
    assert!(message.contains("cargo xtask serve"), "{message}");
    assert!(message.contains("--out static/model.bin"), "{message}");
    Ok(())
}
