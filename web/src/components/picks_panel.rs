//! The visitor's lists ("Movies you like", "Your stars", "Not for me", "Seen it"), each movie
//! removable (a rated one's stars changeable), ratings imported from elsewhere, and
//! each list shortened to its first movies until asked for all (a share link may hold
//! thousands), a link that reproduces them with a copy button, "Clear all" with Undo, and a note
//! when saved or shared picks were unknown to this model.

use super::import::ImportRatings;
use super::movie_item::{MovieButtons, MovieItem};
use crate::hooks::{use_model, use_picks};
use crate::picks::{Dropped, PickAction, PickStatus, Picks};
use crate::storage;
use wasm_bindgen_futures::JsFuture;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct PicksPanelProps {
    /// Saved or shared ids that this model does not know, already left out.
    pub dropped: Dropped,
}

/// How many movies a list shows before "Show all".
pub const SHOWN_PER_LIST: usize = 30;

#[derive(Properties, PartialEq)]
struct PickListProps {
    id: AttrValue,
    /// The list's movies and their standing: liked, rated, not for me or seen.
    movies: Vec<(u32, PickStatus)>,
    act: Callback<PickAction>,
}

/// One of the visitor's lists: the first [`SHOWN_PER_LIST`] movies, then a button for the rest.
#[function_component]
fn PickList(props: &PickListProps) -> Html {
    let model = use_model();
    let all = use_state(|| false);
    let known: Vec<(usize, PickStatus)> = (props.movies.iter())
        .filter_map(|&(movie, status)| Some((model.catalog.index_of(movie)?, status)))
        .collect();
    let shown = if *all {
        known.len()
    } else {
        known.len().min(SHOWN_PER_LIST)
    };
    let toggle = {
        let all = all.clone();
        Callback::from(move |_: MouseEvent| all.set(!*all))
    };
    html! { <>
        <ul id={props.id.clone()} class="movie-list">
            { for known[..shown].iter().map(|&(index, status)| html! {
                <MovieItem key={index} {index} buttons={MovieButtons::Remove}
                    {status} act={props.act.clone()} />
            }) }
        </ul>
        if known.len() > SHOWN_PER_LIST {
            <button type="button" class="link show-all" aria-expanded={all.to_string()}
                    onclick={toggle}>
                { if *all {
                    format!("Show the first {SHOWN_PER_LIST} only")
                } else {
                    format!("Show all {}", known.len())
                } }
            </button>
        }
    </> }
}

/// What the copy button last did.
#[derive(Clone, Copy, PartialEq)]
enum Copied {
    Not,
    Yes,
    /// The browser refused (no clipboard permission): the link is selected for a manual copy.
    Refused,
}

#[function_component]
pub fn PicksPanel(props: &PicksPanelProps) -> Html {
    let context = use_picks();
    let picks = &context.picks;
    // Set to what they already hold on most changes of picks (below): `_eq`, so that such a
    // set does not render the panel a second time.
    let cleared = use_state_eq(|| None::<Picks>);
    let copied = use_state_eq(|| Copied::Not);
    let share_input = use_node_ref();
    {
        // A new link needs copying again, and Undo for Clear lasts until the next pick.
        let (copied, cleared) = (copied.clone(), cleared.clone());
        use_effect_with(picks.clone(), move |picks| {
            copied.set(Copied::Not);
            if !picks.is_empty() {
                cleared.set(None);
            }
        });
    }
    // "Clear all" goes with the picks: keyboard users land on its Undo.
    use_effect_with(cleared.is_some(), |&shown| {
        if shown {
            super::focus_by_id("undo-clear");
        }
    });
    let list = |id: &'static str, ids: &[u32], status| {
        let movies: Vec<(u32, PickStatus)> = ids.iter().map(|&movie| (movie, status)).collect();
        html! { <PickList {id} {movies} act={context.act.clone()} /> }
    };
    let rated: Vec<(u32, PickStatus)> = (picks.rated.iter())
        .map(|&(movie, halves)| (movie, PickStatus::Rated(halves)))
        .collect();
    let clear = {
        let (act, cleared, picks) = (context.act.clone(), cleared.clone(), picks.clone());
        Callback::from(move |_: MouseEvent| {
            cleared.set(Some((*picks).clone()));
            act.emit(PickAction::Clear);
        })
    };
    let undo_clear = {
        let (act, cleared) = (context.act.clone(), cleared.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(picks) = (*cleared).clone() {
                act.emit(PickAction::Replace(picks));
            }
            cleared.set(None);
            super::focus_by_id("picks-heading");
        })
    };
    let share_url = storage::share_url(picks);
    let copy = {
        let (copied, share_input, url) = (copied.clone(), share_input.clone(), share_url.clone());
        Callback::from(move |_: MouseEvent| {
            let (copied, share_input, url) = (copied.clone(), share_input.clone(), url.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let clipboard = web_sys::window().map(|w| w.navigator().clipboard());
                let written = match clipboard {
                    Some(clipboard) => JsFuture::from(clipboard.write_text(&url)).await.is_ok(),
                    None => false,
                };
                if !written && let Some(input) = share_input.cast::<web_sys::HtmlInputElement>() {
                    input.select();
                }
                copied.set(if written {
                    Copied::Yes
                } else {
                    Copied::Refused
                });
            });
        })
    };
    let copy_note = match *copied {
        Copied::Not => "",
        Copied::Yes => "Link copied.",
        Copied::Refused => {
            "This browser did not allow copying: the link is selected, press Ctrl+C (⌘C)."
        }
    };
    html! {
        <section class="picks" aria-labelledby="picks-heading">
            <h2 id="picks-heading" tabindex="-1">{ format!("Movies you like ({})", picks.liked.len()) }</h2>
            if props.dropped.count > 0 {
                <p class="note" role="status">{ props.dropped.message() }</p>
            }
            if picks.is_empty() && let Some(previous) = &*cleared {
                <p class="note">
                    { format!("Cleared {} picks. ", previous.len()) }
                    <button type="button" id="undo-clear" onclick={undo_clear}>{ "Undo" }</button>
                </p>
            }
            if picks.liked.is_empty() {
                <p class="hint">{ "Nothing yet: search for a movie or pick one from the rows below." }</p>
            } else {
                { list("liked", &picks.liked, PickStatus::Liked) }
            }
            if !rated.is_empty() {
                <h3>{ format!("Your stars ({})", rated.len()) }</h3>
                <PickList id="rated" movies={rated} act={context.act.clone()} />
            }
            <ImportRatings />
            if !picks.disliked.is_empty() {
                <h3>{ "Not for me" }</h3>
                { list("disliked", &picks.disliked, PickStatus::Disliked) }
            }
            if !picks.seen.is_empty() {
                <h3>{ "Seen it" }</h3>
                { list("seen", &picks.seen, PickStatus::Seen) }
            }
            if !picks.is_empty() {
                <div class="share">
                    <label for="share-url">{ "Share these picks" }</label>
                    <div class="share-row">
                        <input id="share-url" type="text" readonly=true value={share_url.clone()} ref={share_input} />
                        <button type="button" id="copy-share" onclick={copy}>{ "Copy link" }</button>
                    </div>
                    <p class="copy-note" role="status">{ copy_note }</p>
                    <a id="share-link" href={share_url}>{ "Open this link" }</a>
                </div>
                <button type="button" class="clear" onclick={clear}>{ "Clear all picks" }</button>
            }
        </section>
    }
}
