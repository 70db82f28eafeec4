//! "Recommended for you": the top movies for the current picks, filters and slider, with the
//! reasons worth saying. Recomputed (and timed) after every change, except that a list the
//! visitor is working through stays still: cards acted on stay in place, dimmed, with Undo,
//! and the new list is ranked only when the visitor asks for it or changes anything elsewhere.

use super::filters::{Filters, FiltersBar};
use super::focus_by_id;
use super::movie_item::{MovieButtons, MovieItem};
use crate::hooks::{use_model, use_picks};
use crate::picks::{PickAction, Picks};
use crate::timings;
use shared::{RecommendError, Recommendation, Request};
use std::rc::Rc;
use yew::prelude::*;

/// How many movies the list shows.
pub const TOP_N: usize = 20;

type Ranked = Rc<Result<Vec<Recommendation>, RecommendError>>;

/// A list kept on screen while the visitor acts on its cards: shown as long as the picks are
/// the ones those actions produced.
#[derive(Clone, PartialEq)]
struct Held {
    list: Ranked,
    /// The picks the list was ranked for: when Undo comes back to them, the list is current.
    ranked_for: Picks,
    picks: Picks,
    filters: Filters,
}

/// What is on screen, for the cards' clicks to read.
#[derive(Clone)]
struct Showing {
    held: Option<Held>,
    list: Ranked,
    picks: Picks,
    filters: Filters,
}

#[function_component]
pub fn Recommendations() -> Html {
    let model = use_model();
    let context = use_picks();
    let picks = context.picks.clone();
    let filters = use_state(|| Filters::starting(&model));
    let held = use_state(|| None::<Held>);
    let holding = matches!(&*held, Some(h) if h.picks == *picks && h.filters == *filters);
    let fresh: Ranked = use_memo(
        (picks.clone(), *filters, model.clone(), holding),
        |(picks, filters, model, holding)| {
            // Nothing liked yet (or only low stars): no list, and nothing to time. A held list
            // stays on screen: the new one is ranked when the visitor asks for it.
            if *holding || picks.liked_or_starred().is_empty() {
                return Ok(Vec::new());
            }
            let request = Request {
                liked: picks.liked.clone(),
                rated: picks.rated_stars(),
                disliked: picks.disliked.clone(),
                seen: picks.seen.clone(),
                top_n: TOP_N,
                genre: filters.genre,
                decade: filters.decade,
                popularity: Some(filters.popularity),
            };
            timings::time_scoring(|| model.recommend(&request))
        },
    );
    let shown = match &*held {
        Some(h) if holding => h.list.clone(),
        _ => fresh.clone(),
    };
    let any_shown = matches!(&*shown, Ok(list) if !list.is_empty());
    use_effect_with((picks.clone(), *filters), move |_| {
        timings::list_updated(any_shown)
    });

    // Clicks on the cards keep this list on screen. The callback stays the same from render
    // to render (it reads what it needs from `shown_now`), so a click re-renders only the card
    // it changes.
    let shown_now = use_mut_ref(|| None::<Showing>);
    *shown_now.borrow_mut() = Some(Showing {
        held: (*held).clone(),
        list: shown.clone(),
        picks: (*picks).clone(),
        filters: *filters,
    });
    let act_in_place = {
        let (held, act, shown_now) = (held.clone(), context.act.clone(), shown_now.clone());
        use_callback((), move |action: PickAction, _| {
            let Some(now) = shown_now.borrow().clone() else {
                return;
            };
            let mut next = now.picks.clone();
            next.apply(action.clone());
            let ranked_for = match &now.held {
                Some(h) if Rc::ptr_eq(&h.list, &now.list) => h.ranked_for.clone(),
                _ => now.picks.clone(),
            };
            // Undone back to the picks the list was ranked for: nothing to update.
            held.set((next != ranked_for).then(|| Held {
                list: now.list.clone(),
                ranked_for,
                picks: next,
                filters: now.filters,
            }));
            act.emit(action);
        })
    };
    let refresh = {
        let held = held.clone();
        Callback::from(move |_: MouseEvent| {
            held.set(None);
            // The button goes with the old list: keyboard users land on the new one's heading.
            focus_by_id("recommendations-heading");
        })
    };
    // The same callback on every render, so that a click leaves the filters bar as it is.
    let on_filters = {
        let (filters, held) = (filters.clone(), held.clone());
        use_callback((), move |chosen, _| {
            // A change elsewhere moves on to the new list; going back must not bring the old.
            held.set(None);
            filters.set(chosen);
        })
    };

    // With one pick every reason would be the same sentence: say it once, above the list.
    let starting_from = picks.liked_or_starred();
    let single_pick = (starting_from.len() == 1)
        .then(|| model.catalog.index_of(starting_from[0]))
        .flatten()
        .map(|index| model.catalog.movies[index].label());
    let reason = |recommendation: &Recommendation| -> Option<AttrValue> {
        if single_pick.is_some() || recommendation.because.is_empty() {
            return None;
        }
        let liked: Vec<String> = recommendation
            .because
            .iter()
            .map(|&index| model.catalog.movies[index].label())
            .collect();
        Some(format!("Because you liked {}", liked.join(" and ")).into())
    };
    let announcement = match &*fresh {
        Ok(list) if !list.is_empty() && !holding => format!(
            "Recommendations updated: {} movies, first {}.",
            list.len(),
            model.catalog.movies[list[0].index].label()
        ),
        _ => String::new(),
    };
    let body = match &*shown {
        _ if starting_from.is_empty() => html! {
            <p class="hint">{ "Like a movie or two, or give it four stars or more (search above or pick below), and recommendations appear here." }</p>
        },
        Err(error) => html! {
            <div class="error" role="alert">
                <p>{ error.to_string() }</p>
                <button type="button" id="retry-recommendations" onclick={refresh.clone()}>{ "Try again" }</button>
            </div>
        },
        Ok(list) if list.is_empty() => html! {
            <p class="hint" role="status">{ "No recommendation matches these filters." }</p>
        },
        Ok(list) => html! { <>
            if let Some(label) = &single_pick {
                <p class="reason-once">{ format!("Because you liked {label}:") }</p>
            }
            <ol id="recommendations" class="movie-list">
                { for list.iter().map(|recommendation| html! {
                    <MovieItem
                        key={recommendation.index}
                        index={recommendation.index}
                        buttons={MovieButtons::Steer}
                        status={picks.status(model.catalog.movies[recommendation.index].id)}
                        reason={reason(recommendation)}
                        predicted={context.predicted_tenths(&model, recommendation.index)}
                        act={act_in_place.clone()}
                    />
                }) }
            </ol>
        </> },
    };
    html! {
        <section class="recommendations" aria-labelledby="recommendations-heading">
            <h2 id="recommendations-heading" tabindex="-1">{ "Recommended for you" }</h2>
            <p class="visually-hidden" aria-live="polite" id="recommendations-announcement">
                { announcement }
            </p>
            if !starting_from.is_empty() {
                <FiltersBar filters={*filters} on_change={on_filters} />
            }
            if holding {
                <p class="refresh">
                    <button type="button" id="refresh-recommendations" onclick={refresh}>
                        { "Show updated recommendations" }
                    </button>
                </p>
            }
            { body }
        </section>
    }
}
