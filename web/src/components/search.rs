//! The search box: results appear as the visitor types; case, accents and articles don't
//! matter (that is [`shared::Recommender::search`]'s job).

use super::movie_item::{MovieButtons, MovieItem};
use super::use_model;
use web_sys::HtmlInputElement;
use yew::prelude::*;

const RESULT_LIMIT: usize = 10;

#[function_component]
pub fn SearchBox() -> Html {
    let model = use_model();
    let query = use_state(String::new);
    let results = use_memo(((*query).clone(), model.clone()), |(query, model)| {
        model.search(query, RESULT_LIMIT)
    });
    let oninput = {
        let query = query.clone();
        Callback::from(move |event: InputEvent| {
            query.set(event.target_unchecked_into::<HtmlInputElement>().value());
        })
    };
    let searching = !query.trim().is_empty();
    html! {
        <section class="search" aria-label="Search">
            <label for="search">{ "Search for a movie you like" }</label>
            <input
                id="search"
                type="search"
                autocomplete="off"
                spellcheck="false"
                placeholder="e.g. the matrix, amelie, toy story"
                value={(*query).clone()}
                {oninput}
            />
            if searching && results.is_empty() {
                <p class="hint" role="status">{ format!("No movie title matches “{}”.", query.trim()) }</p>
            } else if searching {
                <ul id="search-results" class="movie-list">
                    { for results.iter().map(|&index| html! {
                        <MovieItem key={index} {index} buttons={MovieButtons::Choose} />
                    }) }
                </ul>
            }
        </section>
    }
}
