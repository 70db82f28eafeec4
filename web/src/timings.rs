//! The page times itself and publishes the samples as `window.__movierec_timings`, which
//! `cargo xtask bench-web` reads:
//! - `clicks`: ms from a pick/unpick click to the updated list being in the DOM,
//! - `scoring`: ms spent in [`shared::Recommender::recommend`] alone,
//! - `firstRecommendationsMs`: ms from navigation start until recommendations were first shown.

use js_sys::{Array, Object, Reflect};
use std::cell::{Cell, RefCell};
use wasm_bindgen::JsValue;

const GLOBAL_NAME: &str = "__movierec_timings";

struct Samples {
    published: Object,
    clicks: Array,
    scoring: Array,
}

thread_local! {
    static SAMPLES: RefCell<Option<Samples>> = const { RefCell::new(None) };
    static CLICK_STARTED_AT: Cell<Option<f64>> = const { Cell::new(None) };
    static FIRST_SHOWN: Cell<bool> = const { Cell::new(false) };
}

/// Milliseconds since navigation start.
fn now() -> f64 {
    web_sys::window()
        .and_then(|window| window.performance())
        .map_or(0.0, |performance| performance.now())
}

/// Runs `f` with the published samples, creating `window.__movierec_timings` on first use.
fn with_samples(f: impl FnOnce(&Samples)) {
    SAMPLES.with_borrow_mut(|samples| {
        let samples = samples.get_or_insert_with(|| {
            let samples = Samples {
                published: Object::new(),
                clicks: Array::new(),
                scoring: Array::new(),
            };
            let _ = Reflect::set(&samples.published, &"clicks".into(), &samples.clicks);
            let _ = Reflect::set(&samples.published, &"scoring".into(), &samples.scoring);
            let _ = Reflect::set(
                &samples.published,
                &"firstRecommendationsMs".into(),
                &JsValue::NULL,
            );
            if let Some(window) = web_sys::window() {
                let _ = Reflect::set(&window, &GLOBAL_NAME.into(), &samples.published);
            }
            samples
        });
        f(samples);
    });
}

/// Times `score`, which should be the `recommend` call alone.
pub fn time_scoring<T>(score: impl FnOnce() -> T) -> T {
    let start = now();
    let result = score();
    let elapsed = now() - start;
    with_samples(|samples| {
        samples.scoring.push(&elapsed.into());
    });
    result
}

/// A click that changes the picks: the clock runs until [`list_updated`].
pub fn click_started() {
    CLICK_STARTED_AT.set(Some(now()));
}

/// The recommendations list was re-rendered; `shown` tells whether it holds any movie.
pub fn list_updated(shown: bool) {
    let end = now();
    if let Some(start) = CLICK_STARTED_AT.take() {
        with_samples(|samples| {
            samples.clicks.push(&(end - start).into());
        });
    }
    if shown && !FIRST_SHOWN.replace(true) {
        with_samples(|samples| {
            let _ = Reflect::set(
                &samples.published,
                &"firstRecommendationsMs".into(),
                &end.into(),
            );
        });
    }
}
