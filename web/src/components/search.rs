//! The search box: results appear as the visitor types; case, accents, articles, missing
//! spaces and small typos don't matter (that is [`shared::Recommender::search`]'s job), and a
//! corrected query is offered as "did you mean". Each result can be liked, said "not for me"
//! to, given stars or marked seen. A like closes the results and empties the box, ready for the
//! next title.

use super::movie_item::{MovieButtons, MovieItem};
use crate::hooks::{use_model, use_picks};
use crate::model_loader::Tail;
use crate::picks::PickAction;
use web_sys::HtmlInputElement;
use yew::prelude::*;

const RESULT_LIMIT: usize = 10;

#[function_component]
pub fn SearchBox() -> Html {
    let model = use_model();
    let context = use_picks();
    let query = use_state(String::new);
    let input = use_node_ref();
    let results = use_memo(((*query).clone(), model.clone()), |(query, model)| {
        model.search(query, RESULT_LIMIT)
    });
    let oninput = {
        let query = query.clone();
        Callback::from(move |event: InputEvent| {
            query.set(event.target_unchecked_into::<HtmlInputElement>().value());
        })
    };
    // A like closes the results: the box empties and keeps the focus for the next title.
    let act = {
        let (act, query, input) = (context.act.clone(), query.clone(), input.clone());
        Callback::from(move |action: PickAction| {
            if matches!(action, PickAction::Like(_)) {
                query.set(String::new());
                if let Some(input) = input.cast::<HtmlInputElement>() {
                    let _ = input.focus();
                }
            }
            act.emit(action);
        })
    };
    let accept_suggestion = {
        let (query, suggestion, input) = (query.clone(), results.suggestion.clone(), input.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(text) = &suggestion {
                query.set(text.clone());
            }
            if let Some(input) = input.cast::<HtmlInputElement>() {
                let _ = input.focus();
            }
        })
    };
    let searching = !query.trim().is_empty();
    html! {
        <section class="search" aria-label="Search">
            <label for="search">{ "Search for a movie you like" }</label>
            <input
                id="search"
                ref={input}
                type="search"
                autocomplete="off"
                spellcheck="false"
                placeholder="e.g. the matrix, amelie, toy story"
                value={(*query).clone()}
                {oninput}
            />
            if searching && results.movies.is_empty() {
                <p class="hint" role="status">{ no_match(query.trim(), model.tail) }</p>
            } else if searching {
                if let Some(suggestion) = &results.suggestion {
                    <p class="hint" role="status" id="did-you-mean">
                        { format!("No title matches “{}”. Did you mean ", query.trim()) }
                        <button type="button" class="link" onclick={accept_suggestion}>{ suggestion }</button>
                        { "?" }
                    </p>
                }
                <ul id="search-results" class="movie-list">
                    { for results.movies.iter().map(|&index| html! {
                        <MovieItem key={index} {index} buttons={MovieButtons::Choose}
                            status={context.picks.status(model.catalog.movies[index].id)}
                            predicted={context.predicted_tenths(&model, index)}
                            act={act.clone()} />
                    }) }
                </ul>
            }
        </section>
    }
}

/// What a search that finds nothing says; while the catalogue's tail is still on its way, that
/// the rest of the movies are coming.
fn no_match(query: &str, tail: Tail) -> String {
    if tail != Tail::Loading {
        format!("No movie title matches “{query}”.")
    } else {
        format!(
            "No title matches “{query}” among the best-known movies; the rest of the catalogue is still loading."
        )
    }
}
