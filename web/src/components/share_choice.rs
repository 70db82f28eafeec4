//! A share link that arrives on top of the visitor's own, different picks does not overwrite
//! them: the page asks whether to replace them, merge the two, or keep their own.

use crate::picks::{PickAction, Picks, SharedLink};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ShareChoiceProps {
    /// The link's picks, already limited to this model's movies.
    pub link: SharedLink,
    /// What to do: `None` keeps the visitor's own picks.
    pub on_choice: Callback<Option<PickAction>>,
}

/// "3 liked, 1 not for me".
fn counts(picks: &Picks) -> String {
    let mut parts = vec![format!("{} liked", picks.liked.len())];
    if !picks.disliked.is_empty() {
        parts.push(format!("{} not for me", picks.disliked.len()));
    }
    if !picks.seen.is_empty() {
        parts.push(format!("{} seen", picks.seen.len()));
    }
    parts.join(", ")
}

#[function_component]
pub fn ShareChoice(props: &ShareChoiceProps) -> Html {
    let first = use_node_ref();
    {
        // The question needs an answer: take the keyboard there, to the choice that loses nothing.
        let first = first.clone();
        use_effect_with((), move |_| {
            if let Some(button) = first.cast::<web_sys::HtmlElement>() {
                let _ = button.focus();
            }
        });
    }
    let choose = |action: Option<PickAction>| {
        let on_choice = props.on_choice.clone();
        Callback::from(move |_: MouseEvent| on_choice.emit(action.clone()))
    };
    html! {
        <section id="share-choice" class="note" role="alertdialog"
                 aria-labelledby="share-choice-heading" aria-describedby="share-choice-text">
            <h2 id="share-choice-heading">{ "Open the shared picks?" }</h2>
            <p id="share-choice-text">
                { format!(
                    "The link holds {}{}. Your own picks are still here; what should happen to them?",
                    counts(&props.link.picks),
                    match props.link.unknown {
                        0 => String::new(),
                        1 => " (and 1 movie not in this model, left out)".to_string(),
                        n => format!(" (and {n} movies not in this model, left out)"),
                    },
                ) }
            </p>
            <button type="button" id="share-replace"
                    onclick={choose(Some(PickAction::Replace(props.link.picks.clone())))}>
                { "Replace mine with the link's" }
            </button>
            <button type="button" id="share-merge" onclick={choose(Some(PickAction::Merge(props.link.picks.clone())))}>
                { "Merge both" }
            </button>
            <button type="button" id="share-cancel" ref={first} onclick={choose(None)}>
                { "Keep mine" }
            </button>
        </section>
    }
}
