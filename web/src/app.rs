//! The page's top level: loads the model, showing the download's progress, then hands over to
//! [`crate::page::RecommenderPage`]; a failure is explained, with a way to try again. The
//! catalogue's tail ([`shared::tail`]) follows in the background and the page gets the whole
//! catalogue when it arrives.

use crate::components::LoadErrorView;
use crate::model_loader::{LoadError, LoadedModel, Progress, load_model, with_tail};
use crate::page::RecommenderPage;
use crate::storage;
use std::cell::Cell;
use std::rc::Rc;
use yew::prelude::*;

enum LoadState {
    InProgress(Progress),
    Ready(LoadedModel),
    Failed(LoadError),
}

#[function_component]
pub fn App() -> Html {
    let state = use_state(|| LoadState::InProgress(Progress::default()));
    // "Try again" bumps this; the effect below downloads the model again whenever it changes.
    let generation = use_state(|| 0_u32);
    {
        let state = state.clone();
        use_effect_with(*generation, move |_| {
            // Set when this download is superseded or the page goes away: its news is then stale.
            let cancelled = Rc::new(Cell::new(false));
            {
                let cancelled = cancelled.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let on_progress = {
                        let state = state.clone();
                        let cancelled = cancelled.clone();
                        move |progress: Progress| {
                            if !cancelled.get() {
                                state.set(LoadState::InProgress(progress));
                            }
                        }
                    };
                    let model = match load_model(on_progress).await {
                        Ok(model) => model,
                        Err(error) => {
                            if !cancelled.get() {
                                state.set(LoadState::Failed(error));
                            }
                            return;
                        }
                    };
                    // Picks kept from a visit or a link that name movies of the tail wait for
                    // it, so that none is lost; otherwise the first list comes first and the
                    // tail follows in the background.
                    let tail_first = storage::stored_picks()
                        .iter()
                        .any(|picks| picks.known_to(&model.catalog).1 > 0);
                    if !tail_first && !cancelled.get() {
                        state.set(LoadState::Ready(model.clone()));
                    }
                    let whole = match with_tail(&model).await {
                        Ok(whole) => whole,
                        // Starting without it would drop (and overwrite) the kept picks that
                        // name its movies: say so, with Try again.
                        Err(error) if tail_first => {
                            if !cancelled.get() {
                                state.set(LoadState::Failed(LoadError::Tail(error)));
                            }
                            return;
                        }
                        Err(error) => {
                            web_sys::console::warn_1(
                                &format!("The catalogue's tail did not load ({error}): the page goes on with the model's own movies").into(),
                            );
                            model.without_tail()
                        }
                    };
                    if !cancelled.get() {
                        state.set(LoadState::Ready(whole));
                    }
                });
            }
            move || cancelled.set(true)
        });
    }
    let retry = {
        let state = state.clone();
        let generation = generation.clone();
        Callback::from(move |()| {
            state.set(LoadState::InProgress(Progress::default()));
            generation.set(generation.wrapping_add(1));
        })
    };
    match &*state {
        LoadState::InProgress(progress) => loading(*progress),
        LoadState::Ready(model) => html! { <RecommenderPage model={model.clone()} /> },
        LoadState::Failed(error) => {
            html! { <LoadErrorView error={error.clone()} on_retry={retry} /> }
        }
    }
}

/// The status line and a progress bar; the bar is indeterminate while the size is unknown.
fn loading(progress: Progress) -> Html {
    let total = progress.total.filter(|&total| total > 0);
    let max = total.map(|total| total.to_string());
    let value = total.map(|total| progress.received.min(total).to_string());
    html! {
        <div class="loading">
            <p class="status" role="status">{ loading_text(progress) }</p>
            <progress id="load-progress" aria-label="Model download" max={max} value={value}></progress>
        </div>
    }
}

/// "Loading the model… 45% (270 of 600 KB)", or "Loading the model… 270 KB" while the size is
/// unknown; sizes of 10 MB and more are given in MB.
fn loading_text(progress: Progress) -> String {
    const LOADING: &str = "Loading the model…";
    let Progress { received, total } = progress;
    let total = total.filter(|&total| total > 0);
    if received == 0 && total.is_none() {
        return LOADING.to_owned();
    }
    let (divisor, unit, decimals) = if total.unwrap_or(0).max(received) >= 10_000_000 {
        (1_000_000.0, "MB", 1_usize)
    } else {
        (1_000.0, "KB", 0)
    };
    let size = |bytes: u64| {
        let amount = bytes as f64 / divisor;
        format!("{amount:.decimals$}")
    };
    match total {
        Some(total) => {
            let percent = received.min(total).saturating_mul(100) / total;
            format!(
                "{LOADING} {percent}% ({} of {} {unit})",
                size(received),
                size(total)
            )
        }
        None => format!("{LOADING} {} {unit}", size(received)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{click, mount, wait_for};
    use std::time::Duration;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn the_status_line_counts_the_download() {
        let text = |received, total| loading_text(Progress { received, total });
        assert_eq!(text(0, None), "Loading the model…");
        assert_eq!(
            text(270_000, Some(600_000)),
            "Loading the model… 45% (270 of 600 KB)"
        );
        assert_eq!(text(270_000, None), "Loading the model… 270 KB");
        assert_eq!(
            text(12_300_000, Some(30_000_000)),
            "Loading the model… 41% (12.3 of 30.0 MB)"
        );
        assert_eq!(
            text(600_000, Some(600_000)),
            "Loading the model… 100% (600 of 600 KB)"
        );
    }

    /// Waits until the element with `id` has keyboard focus, failing the test after five seconds.
    async fn wait_for_focus(id: &str) {
        let document = web_sys::window().unwrap().document().unwrap();
        for _ in 0..100 {
            yew::scheduler::flush().await;
            if document
                .active_element()
                .is_some_and(|element| element.id() == id)
            {
                return;
            }
            yew::platform::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("#{id} never got the focus");
    }

    #[wasm_bindgen_test]
    async fn a_failed_load_can_be_tried_again_from_the_keyboard() {
        // The test server has no model.bin, so every attempt fails.
        let page = mount::<App>(());
        let first = wait_for(&page, "#load-error #retry").await;
        wait_for_focus("retry").await;

        click(&page, "#retry").await;
        for _ in 0..100 {
            yew::scheduler::flush().await;
            if !first.is_connected() && page.query_selector("#retry").unwrap().is_some() {
                break;
            }
            yew::platform::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(!first.is_connected(), "Try again started no new download");
        let error = wait_for(&page, "#load-error").await.text_content().unwrap();
        assert!(error.contains("is missing"), "{error}");
        wait_for_focus("retry").await;
        page.remove();
    }
}
