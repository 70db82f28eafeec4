//! "Recommended for you": the top movies for the current picks and filters, each with the
//! picks that explain it. Recomputed (and timed) after every change.

use super::filters::{Filters, FiltersBar};
use super::movie_item::{MovieButtons, MovieItem};
use super::{use_model, use_picks};
use crate::timings;
use shared::{Recommendation, Request};
use yew::prelude::*;

/// How many movies the list shows.
pub const TOP_N: usize = 20;

#[function_component]
pub fn Recommendations() -> Html {
    let model = use_model();
    let picks = use_picks().picks;
    let filters = use_state(Filters::default);
    let recommendations = use_memo(
        (picks.clone(), *filters, model.clone()),
        |(picks, filters, model)| {
            if picks.liked.is_empty() {
                return Ok(Vec::new());
            }
            let request = Request {
                liked: picks.liked.clone(),
                excluded: picks.excluded.clone(),
                top_n: TOP_N,
                genre: filters.genre,
                decade: filters.decade,
            };
            timings::time_scoring(|| model.recommend(&request))
        },
    );
    let shown = matches!(&*recommendations, Ok(list) if !list.is_empty());
    use_effect_with((picks.clone(), *filters), move |_| {
        timings::list_updated(shown)
    });

    let reason = |recommendation: &Recommendation| -> Option<AttrValue> {
        let liked: Vec<String> = recommendation
            .because
            .iter()
            .map(|&index| model.catalog.movies[index].label())
            .collect();
        (!liked.is_empty()).then(|| format!("Because you liked {}", liked.join(", ")).into())
    };
    let on_filters = {
        let filters = filters.clone();
        Callback::from(move |chosen| filters.set(chosen))
    };
    let body = match &*recommendations {
        _ if picks.liked.is_empty() => html! {
            <p class="hint">{ "Like a movie or two (search above or pick below) and recommendations appear here." }</p>
        },
        Err(error) => html! { <p class="error" role="alert">{ error.to_string() }</p> },
        Ok(list) if list.is_empty() => html! {
            <p class="hint" role="status">{ "No recommendation matches these filters." }</p>
        },
        Ok(list) => html! {
            <ol id="recommendations" class="movie-list">
                { for list.iter().map(|recommendation| html! {
                    <MovieItem
                        key={recommendation.index}
                        index={recommendation.index}
                        buttons={MovieButtons::Choose}
                        reason={reason(recommendation)}
                    />
                }) }
            </ol>
        },
    };
    html! {
        <section class="recommendations" aria-labelledby="recommendations-heading">
            <h2 id="recommendations-heading">{ "Recommended for you" }</h2>
            if !picks.liked.is_empty() {
                <FiltersBar filters={*filters} on_change={on_filters} />
            }
            { body }
        </section>
    }
}
