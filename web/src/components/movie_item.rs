//! One movie in any list: title with year, genres, an optional reason, and the buttons that
//! like it, exclude it or take it back.

use super::{use_model, use_picks};
use crate::picks::{PickAction, PickStatus};
use yew::prelude::*;

/// Which buttons a movie gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MovieButtons {
    /// "Like" and "Not for me", each pressed or not: search results, browse rows, recommendations.
    Choose,
    /// A single "Remove": the visitor's own lists.
    Remove,
}

#[derive(Properties, PartialEq)]
pub struct MovieItemProps {
    /// Index into the model's catalogue.
    pub index: usize,
    pub buttons: MovieButtons,
    #[prop_or_default]
    pub reason: Option<AttrValue>,
}

#[function_component]
pub fn MovieItem(props: &MovieItemProps) -> Html {
    let model = use_model();
    let picks = use_picks();
    let movie = &model.catalog.movies[props.index];
    let (id, label) = (movie.id, movie.label());
    let status = picks.picks.status(id);
    let button = |class: &'static str,
                  text: &'static str,
                  aria: String,
                  pressed: Option<String>,
                  action: PickAction| {
        let act = picks.act.clone();
        let onclick = Callback::from(move |_: MouseEvent| act.emit(action.clone()));
        html! {
            <button type="button" {class} aria-label={aria} aria-pressed={pressed} {onclick}>
                { text }
            </button>
        }
    };
    let buttons = match props.buttons {
        MovieButtons::Choose => {
            let liked = status == PickStatus::Liked;
            let excluded = status == PickStatus::Excluded;
            html! { <>
                { button(
                    "like",
                    if liked { "♥ Liked" } else { "♡ Like" },
                    format!("Like {label}"),
                    Some(liked.to_string()),
                    if liked { PickAction::Forget(id) } else { PickAction::Like(id) },
                ) }
                { button(
                    "exclude",
                    "Not for me",
                    format!("Not for me: {label}"),
                    Some(excluded.to_string()),
                    if excluded { PickAction::Forget(id) } else { PickAction::Exclude(id) },
                ) }
            </> }
        }
        MovieButtons::Remove => button(
            "remove",
            "Remove",
            format!("Remove {label}"),
            None,
            PickAction::Forget(id),
        ),
    };
    html! {
        <li class="movie" data-movie-id={id.to_string()}>
            <span class="title">{ label }</span>
            <span class="genres">{ model.catalog.genres_of(movie).join(" · ") }</span>
            if let Some(reason) = &props.reason {
                <span class="reason">{ reason }</span>
            }
            <span class="buttons">{ buttons }</span>
        </li>
    }
}
