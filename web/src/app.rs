//! The page's top level: loads the model, then lays out search, picks, recommendations and
//! browse rows around two shared contexts (the model, and the visitor's picks).

use crate::components::{
    BrowseRows, LoadErrorView, ModelFooter, PicksPanel, Recommendations, SearchBox,
};
use crate::model_loader::{LoadError, Model, load_model};
use crate::picks::{PickAction, Picks};
use crate::{storage, timings};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use yew::prelude::*;

/// The visitor's picks and the one way to change them, for every component that shows a movie.
#[derive(Clone, PartialEq)]
pub struct PicksContext {
    pub picks: Rc<Picks>,
    pub act: Callback<PickAction>,
}

enum LoadState {
    InProgress,
    Ready(Model),
    Failed(LoadError),
}

#[function_component]
pub fn App() -> Html {
    let state = use_state(|| LoadState::InProgress);
    {
        let state = state.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                state.set(match load_model().await {
                    Ok(model) => LoadState::Ready(model),
                    Err(error) => LoadState::Failed(error),
                });
            });
        });
    }
    match &*state {
        LoadState::InProgress => {
            html! { <p class="status" role="status">{ "Loading the model…" }</p> }
        }
        LoadState::Ready(model) => html! { <RecommenderPage model={model.clone()} /> },
        LoadState::Failed(error) => html! { <LoadErrorView error={error.clone()} /> },
    }
}

#[derive(Properties, PartialEq)]
pub struct RecommenderPageProps {
    pub model: Model,
}

/// Picks from a share link first, else from the last visit, keeping only ids this model knows.
fn restore_picks(model: &Model) -> (Picks, usize) {
    storage::take_shared()
        .or_else(storage::load_saved)
        .unwrap_or_default()
        .known_to(&model.catalog)
}

#[function_component]
pub fn RecommenderPage(props: &RecommenderPageProps) -> Html {
    let model = props.model.clone();
    let restored = use_state(|| restore_picks(&model));
    let dropped = use_state(|| restored.1);
    let picks = use_reducer(|| restored.0.clone());

    let act = {
        let dispatcher = picks.dispatcher();
        use_callback((), move |action: PickAction, _| {
            timings::click_started();
            dispatcher.dispatch(action);
        })
    };
    use_effect_with((*picks).clone(), storage::save);
    {
        // A share link opened in a tab that already shows the page changes only the fragment.
        let (dispatcher, dropped, model) = (picks.dispatcher(), dropped.clone(), model.clone());
        use_effect_with((), move |_| {
            let listener = Closure::<dyn Fn()>::new(move || {
                if let Some(shared) = storage::take_shared() {
                    let (known, unknown) = shared.known_to(&model.catalog);
                    dropped.set(unknown);
                    dispatcher.dispatch(PickAction::Replace(known));
                }
            });
            let window = web_sys::window();
            if let Some(window) = &window {
                let _ = window.add_event_listener_with_callback(
                    "hashchange",
                    listener.as_ref().unchecked_ref(),
                );
            }
            move || {
                if let Some(window) = window {
                    let _ = window.remove_event_listener_with_callback(
                        "hashchange",
                        listener.as_ref().unchecked_ref(),
                    );
                }
            }
        });
    }

    let context = PicksContext {
        picks: Rc::new((*picks).clone()),
        act,
    };
    html! {
        <ContextProvider<Model> context={model}>
        <ContextProvider<PicksContext> {context}>
            <SearchBox />
            <div class="columns">
                <PicksPanel dropped={*dropped} />
                <Recommendations />
            </div>
            <BrowseRows />
            <ModelFooter />
        </ContextProvider<PicksContext>>
        </ContextProvider<Model>>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model_loader::decode;
    use crate::test_support::{
        choose, click, mount, movie_ids, tiny_model_file, type_into, wait_for,
    };
    use wasm_bindgen_test::wasm_bindgen_test;
    use web_sys::Element;

    fn tiny_page() -> Element {
        storage::save(&Picks::default());
        let model = decode(&tiny_model_file().to_bytes()).unwrap();
        mount::<RecommenderPage>(RecommenderPageProps { model })
    }

    #[wasm_bindgen_test]
    async fn picks_drive_the_recommendations_and_are_saved() {
        let page = tiny_page();
        wait_for(&page, ".browse li[data-movie-id='1']").await;
        assert!(movie_ids(&page, "#recommendations li").is_empty());

        type_into(&page, "#search", "TOY story").await;
        assert_eq!(movie_ids(&page, "#search-results li"), [1]);
        click(&page, "#search-results li[data-movie-id='1'] button.like").await;
        assert_eq!(movie_ids(&page, "#liked li"), [1]);
        let recommended = movie_ids(&page, "#recommendations li");
        assert_eq!(recommended, [588, 34, 6], "closest first, never the pick");
        let reason = wait_for(&page, "#recommendations .reason").await;
        assert_eq!(
            reason.text_content().unwrap(),
            "Because you liked Toy Story (1995)"
        );

        click(
            &page,
            "#recommendations li[data-movie-id='588'] button.exclude",
        )
        .await;
        assert_eq!(movie_ids(&page, "#recommendations li"), [34, 6]);
        assert_eq!(movie_ids(&page, "#excluded li"), [588]);
        assert_eq!(
            storage::load_saved(),
            Some(Picks {
                liked: vec![1],
                excluded: vec![588]
            })
        );
        let share = wait_for(&page, "#share-link").await;
        assert!(
            share
                .get_attribute("href")
                .unwrap()
                .ends_with("#liked=1&not=588")
        );

        click(&page, "#liked li[data-movie-id='1'] button.remove").await;
        assert!(movie_ids(&page, "#recommendations li").is_empty());
        page.remove();
    }

    #[wasm_bindgen_test]
    async fn filters_narrow_the_list_and_keep_the_picks() {
        let page = tiny_page();
        click(&page, ".browse li[data-movie-id='1'] button.like").await;
        choose(&page, "#genre-filter", "3").await; // Drama
        assert_eq!(movie_ids(&page, "#recommendations li"), [6]);
        assert_eq!(movie_ids(&page, "#liked li"), [1]);
        page.remove();
    }

    #[wasm_bindgen_test]
    async fn a_missing_model_is_explained_instead_of_a_blank_page() {
        // The test server has no model.bin, as a fresh checkout has none.
        let page = mount::<App>(());
        let error = wait_for(&page, "#load-error").await.text_content().unwrap();
        assert!(error.contains("is missing"), "{error}");
        assert!(error.contains("cargo xtask serve"), "{error}");
        page.remove();
    }
}
