//! The recommender page once the model is loaded: search, picks, recommendations and browse
//! rows around two shared contexts (the model, and the visitor's [`PicksContext`]), and where
//! the page starts: saved picks or a share link's. Links that arrive later are
//! [`crate::hooks::use_share_link_arrivals`]'s.

use crate::components::{
    BrowseRows, ModelFooter, PicksPanel, Recommendations, SearchBox, ShareChoice, StatusBar,
};
use crate::hooks::use_share_link_arrivals;
use crate::model_loader::LoadedModel;
use crate::picks::{
    Dropped, Origin, PickAction, Picks, PicksContext, SharedLink, folded_stars, link_asks_first,
};
use crate::{storage, timings};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct RecommenderPageProps {
    pub model: LoadedModel,
}

/// Where the page starts: the picks shown, the ids left out because this model does not know
/// them, and a share link's picks waiting for the visitor to say what to do with them.
struct Start {
    picks: Picks,
    dropped: Dropped,
    pending: Option<SharedLink>,
}

/// Picks from a share link or the last visit, keeping only ids this model knows. A link that
/// would overwrite different picks of the visitor's own waits for their choice.
fn start(model: &LoadedModel) -> Start {
    let saved = storage::load_saved().map(|p| p.known_to(&model.catalog));
    let shared = storage::take_shared().map(|p| p.known_to(&model.catalog));
    let dropped = |count, from| Dropped { count, from };
    match (saved, shared) {
        (Some((mine, unknown)), Some((link, link_unknown))) if link_asks_first(&mine, &link) => {
            Start {
                picks: mine,
                dropped: dropped(unknown, Origin::Saved),
                pending: Some(SharedLink {
                    picks: link,
                    unknown: link_unknown,
                }),
            }
        }
        (_, Some((picks, unknown))) => Start {
            picks,
            dropped: dropped(unknown, Origin::Link),
            pending: None,
        },
        (saved, None) => {
            let (picks, unknown) = saved.unwrap_or_default();
            Start {
                picks,
                dropped: dropped(unknown, Origin::Saved),
                pending: None,
            }
        }
    }
}

#[function_component]
pub fn RecommenderPage(props: &RecommenderPageProps) -> Html {
    let model = props.model.clone();
    let started = use_memo((), |_| start(&model));
    let dropped = use_state(|| started.dropped);
    let pending = use_state(|| started.pending.clone());
    let picks = use_reducer(|| started.picks.clone());
    let last = use_state(|| None::<PickAction>);

    let act = {
        let (dispatcher, last) = (picks.dispatcher(), last.clone());
        use_callback((), move |action: PickAction, _| {
            timings::click_started();
            last.set(Some(action.clone()));
            dispatcher.dispatch(action);
        })
    };
    use_effect_with((*picks).clone(), storage::save);
    use_share_link_arrivals(&picks, &model, &dropped, &pending, &act);
    let on_share_choice = {
        let (pending, dropped, act) = (pending.clone(), dropped.clone(), act.clone());
        Callback::from(move |choice: Option<PickAction>| {
            if let (Some(action), Some(link)) = (choice, &*pending) {
                dropped.set(Dropped {
                    count: link.unknown,
                    from: Origin::Link,
                });
                act.emit(action);
            }
            pending.set(None);
        })
    };

    let folded = {
        let model = model.clone();
        use_memo(((*picks).clone(), model.clone()), |(picks, model)| {
            folded_stars(model, picks)
        })
    };
    let context = PicksContext {
        picks: Rc::new((*picks).clone()),
        act,
        last: (*last).clone(),
        folded,
    };
    html! {
        <ContextProvider<LoadedModel> context={model}>
        <ContextProvider<PicksContext> {context}>
            <a class="skip-link" href="#recommendations-heading">{ "Skip to recommendations" }</a>
            <StatusBar />
            if let Some(link) = &*pending {
                <ShareChoice link={link.clone()} on_choice={on_share_choice} />
            }
            <SearchBox />
            <div class="columns">
                <Recommendations />
                <PicksPanel dropped={*dropped} />
            </div>
            <BrowseRows />
            <ModelFooter />
        </ContextProvider<PicksContext>>
        </ContextProvider<LoadedModel>>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::App;
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
        // One pick: the reason is said once, above the list.
        let reason = wait_for(&page, ".reason-once").await;
        assert_eq!(
            reason.text_content().unwrap(),
            "Because you liked Toy Story (1995):"
        );
        assert!(
            page.query_selector("#recommendations .reason")
                .unwrap()
                .is_none()
        );
        assert!(
            movie_ids(&page, "#search-results li").is_empty(),
            "a like closes the results"
        );

        click(
            &page,
            "#recommendations li[data-movie-id='588'] button.dislike",
        )
        .await;
        assert_eq!(
            movie_ids(&page, "#recommendations li"),
            [588, 34, 6],
            "the list stays still"
        );
        assert_eq!(movie_ids(&page, "#disliked li"), [588]);
        assert_eq!(
            storage::load_saved(),
            Some(Picks {
                liked: vec![1],
                disliked: vec![588],
                seen: vec![],
                rated: vec![],
            })
        );
        let share = wait_for(&page, "#share-link").await;
        assert!(
            share
                .get_attribute("href")
                .unwrap()
                .ends_with("#liked=1&not=588")
        );
        click(&page, "#refresh-recommendations").await;
        assert_eq!(movie_ids(&page, "#recommendations li"), [34, 6]);

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
