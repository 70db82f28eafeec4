//! "Movies you like" and "Not for me": the visitor's lists, each movie removable, with a link
//! that reproduces them and a note when saved picks were unknown to this model.

use super::movie_item::{MovieButtons, MovieItem};
use super::{use_model, use_picks};
use crate::picks::PickAction;
use crate::storage;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct PicksPanelProps {
    /// Saved or shared ids that this model does not know, already left out.
    pub dropped: usize,
}

#[function_component]
pub fn PicksPanel(props: &PicksPanelProps) -> Html {
    let model = use_model();
    let context = use_picks();
    let picks = &context.picks;
    let list = |id: &'static str, ids: &[u32]| {
        html! {
            <ul {id} class="movie-list">
                { for ids.iter().filter_map(|&movie| model.catalog.index_of(movie)).map(|index| html! {
                    <MovieItem key={index} {index} buttons={MovieButtons::Remove} />
                }) }
            </ul>
        }
    };
    let clear = {
        let act = context.act.clone();
        Callback::from(move |_: MouseEvent| act.emit(PickAction::Clear))
    };
    let share_url = storage::share_url(picks);
    html! {
        <section class="picks" aria-labelledby="picks-heading">
            <h2 id="picks-heading">{ format!("Movies you like ({})", picks.liked.len()) }</h2>
            if props.dropped > 0 {
                <p class="note" role="status">
                    { format!(
                        "{} saved pick{} not in this model, so left out.",
                        props.dropped,
                        if props.dropped == 1 { " is" } else { "s are" },
                    ) }
                </p>
            }
            if picks.liked.is_empty() {
                <p class="hint">{ "Nothing yet: search for a movie or pick one from the rows below." }</p>
            } else {
                { list("liked", &picks.liked) }
            }
            if !picks.excluded.is_empty() {
                <h3>{ "Not for me" }</h3>
                { list("excluded", &picks.excluded) }
            }
            if !picks.is_empty() {
                <p class="share">
                    { "Share these picks: " }
                    <a id="share-link" href={share_url.clone()}>{ share_url }</a>
                </p>
                <button type="button" class="clear" onclick={clear}>{ "Clear all picks" }</button>
            }
        </section>
    }
}
