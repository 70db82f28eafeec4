//! The visitor's lists ("Movies you like", "Not for me", "Seen it"), each movie removable, a
//! link that reproduces them with a copy button, "Clear all" with Undo, and a note when saved
//! picks were unknown to this model.

use super::movie_item::{MovieButtons, MovieItem};
use crate::hooks::{use_model, use_picks};
use crate::picks::{PickAction, Picks};
use crate::storage;
use wasm_bindgen_futures::JsFuture;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct PicksPanelProps {
    /// Saved or shared ids that this model does not know, already left out.
    pub dropped: usize,
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
    let model = use_model();
    let context = use_picks();
    let picks = &context.picks;
    let cleared = use_state(|| None::<Picks>);
    let copied = use_state(|| Copied::Not);
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
            if props.dropped > 0 {
                <p class="note" role="status">
                    { format!(
                        "{} saved pick{} not in this model, so left out.",
                        props.dropped,
                        if props.dropped == 1 { " is" } else { "s are" },
                    ) }
                </p>
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
                { list("liked", &picks.liked) }
            }
            if !picks.disliked.is_empty() {
                <h3>{ "Not for me" }</h3>
                { list("disliked", &picks.disliked) }
            }
            if !picks.seen.is_empty() {
                <h3>{ "Seen it" }</h3>
                { list("seen", &picks.seen) }
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
