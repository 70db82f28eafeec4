//! One movie in any list: title with year, genres, links out, an optional reason, the stars
//! this visitor would give it, the half-star rating, and the buttons that like it, dislike it,
//! hide it as seen or take it back.

use crate::hooks::use_model;
use crate::picks::{PickAction, PickStatus, star_text, stars_figure};
use shared::Movie;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlSelectElement};
use yew::prelude::*;

/// Which buttons a movie gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MovieButtons {
    /// "Like", "Not for me" and "Seen it", each a toggle: search results and browse rows.
    Choose,
    /// "Like", "Not for me" and "Seen it" on a card that stays put once acted on: the pressed
    /// button does nothing more (a double click is one click) and "Undo" takes it back.
    Steer,
    /// A single "Remove": the visitor's own lists. Focus moves to the next movie's button.
    Remove,
}

/// Everything a card shows comes in its props, its standing with the visitor included, so
/// that a click re-renders only the cards it changes: a card does not read the picks' context,
/// whose every change would re-render every card on the page.
#[derive(Properties, PartialEq)]
pub struct MovieItemProps {
    /// Index into the model's catalogue.
    pub index: usize,
    pub buttons: MovieButtons,
    /// Where the movie stands with the visitor.
    pub status: PickStatus,
    /// Where the clicks go (the page's picks, or a list's own handling of them).
    pub act: Callback<PickAction>,
    #[prop_or_default]
    pub reason: Option<AttrValue>,
    /// The stars the model expects this visitor to give it, in tenths (42 for 4.2).
    #[prop_or_default]
    pub predicted: Option<u8>,
}

/// The movie's pages elsewhere, from the release's links file. Plain links: nothing is fetched
/// until the visitor follows one.
fn links_out(movie: &Movie, label: &str) -> Html {
    let link = |href: String, site: &'static str| {
        html! {
            <a href={href} target="_blank" rel="noopener noreferrer"
               aria-label={format!("{label} on {site} (opens a new tab)")}>{ site }</a>
        }
    };
    let imdb = movie
        .imdb_id
        .map(|id| link(format!("https://www.imdb.com/title/tt{id:07}/"), "IMDb"));
    let tmdb = movie
        .tmdb_id
        .map(|id| link(format!("https://www.themoviedb.org/movie/{id}"), "TMDb"));
    if imdb.is_none() && tmdb.is_none() {
        return Html::default();
    }
    html! { <span class="links">{ for imdb }{ for tmdb }</span> }
}

/// The list row of the button clicked.
fn row_of(event: &MouseEvent) -> Option<Element> {
    event
        .target()
        .and_then(|t| t.dyn_into::<Element>().ok())
        .and_then(|button| button.closest("li").ok().flatten())
}

/// Undo takes its own button away: focus moves to the control whose choice it took back.
fn focus_in_row(event: &MouseEvent, control_class: &str) {
    if let Some(button) = row_of(event)
        .and_then(|row| {
            row.query_selector(&format!(".{control_class}"))
                .ok()
                .flatten()
        })
        .and_then(|e| e.dyn_into::<HtmlElement>().ok())
    {
        let _ = button.focus();
    }
}

/// Before a Remove takes this movie's row away, focus moves to the next row's button (or the
/// previous one's, or the list's heading), so keyboard users keep their place.
fn keep_focus_nearby(event: &MouseEvent) {
    let Some(row) = row_of(event) else {
        return;
    };
    let neighbour = row
        .next_element_sibling()
        .or_else(|| row.previous_element_sibling())
        .and_then(|li| li.query_selector("button").ok().flatten());
    let fallback = || {
        row.closest("section")
            .ok()
            .flatten()
            .and_then(|section| section.query_selector("h2").ok().flatten())
    };
    if let Some(target) = neighbour
        .or_else(fallback)
        .and_then(|e| e.dyn_into::<HtmlElement>().ok())
    {
        let _ = target.focus();
    }
}

/// The class of the button that puts a movie in `status` (none for undecided), which is also
/// how Undo finds it.
fn status_class(status: PickStatus) -> Option<&'static str> {
    match status {
        PickStatus::Liked => Some("like"),
        PickStatus::Disliked => Some("dislike"),
        PickStatus::Seen => Some("seen"),
        PickStatus::Rated(_) => Some("stars"),
        PickStatus::Undecided => None,
    }
}

/// The half-star rating: "Rate" (none) or ½ to five stars, a native select (mouse, touch and
/// keyboard alike). Choosing stars rates the movie (off the other lists); choosing "Rate" again
/// takes the stars back.
fn stars_select(id: u32, label: &str, status: PickStatus, act: &Callback<PickAction>) -> Html {
    let current = match status {
        PickStatus::Rated(halves) => halves,
        _ => 0,
    };
    let act = act.clone();
    let onchange = Callback::from(move |event: Event| {
        let Some(select) = event.target_dyn_into::<HtmlSelectElement>() else {
            return;
        };
        match select.value().parse::<u8>() {
            Ok(halves @ 1..=10) => act.emit(PickAction::Rate(id, halves)),
            _ if current > 0 => act.emit(PickAction::Forget(id)),
            _ => {}
        }
    });
    html! {
        <select class="stars" aria-label={format!("Your stars for {label}")} {onchange}>
            <option value="0" selected={current == 0}>{ "Rate…" }</option>
            { for (1..=10u8).rev().map(|halves| html! {
                <option value={halves.to_string()} selected={current == halves}>
                    { format!("{} {}", star_text(halves), stars_figure(halves)) }
                </option>
            }) }
        </select>
    }
}

#[derive(Properties, PartialEq)]
struct AboutProps {
    index: usize,
}

/// A card's title, genres and links: they stay as they are for as long as the card is shown,
/// so a new prediction or reason does not build them again.
#[function_component]
fn About(props: &AboutProps) -> Html {
    let model = use_model();
    let movie = &model.catalog.movies[props.index];
    let label = movie.label();
    html! { <>
        <span class="title">{ label.clone() }</span>
        <span class="genres">
            { model.catalog.genres_of(movie).join(" · ") }
            { links_out(movie, &label) }
        </span>
    </> }
}

#[derive(Properties, PartialEq)]
struct CardButtonsProps {
    index: usize,
    buttons: MovieButtons,
    status: PickStatus,
    act: Callback<PickAction>,
}

/// A card's buttons and half-star select, most of what a card builds: re-rendered only when
/// the movie's standing changes (a visitor with many stars sees every card's prediction change
/// on each click, its buttons seldom).
#[function_component]
fn CardButtons(props: &CardButtonsProps) -> Html {
    let model = use_model();
    let act = props.act.clone();
    let movie = &model.catalog.movies[props.index];
    let (id, label) = (movie.id, movie.label());
    let status = props.status;
    let still = props.buttons == MovieButtons::Steer;
    let button = |text: &'static str, aria: String, target: PickStatus| {
        let (class, pressed) = (status_class(target), status == target);
        let action = match (pressed, target) {
            // A card that stays put ignores its pressed button: Undo takes it back.
            (true, _) if still => None,
            (true, _) => Some(PickAction::Forget(id)),
            (false, PickStatus::Liked) => Some(PickAction::Like(id)),
            (false, PickStatus::Disliked) => Some(PickAction::Dislike(id)),
            (false, PickStatus::Seen) => Some(PickAction::Seen(id)),
            (false, PickStatus::Rated(_) | PickStatus::Undecided) => Some(PickAction::Forget(id)),
        };
        let act = act.clone();
        let onclick = Callback::from(move |_: MouseEvent| {
            if let Some(action) = &action {
                act.emit(action.clone());
            }
        });
        html! {
            <button type="button" {class} aria-label={aria} aria-pressed={pressed.to_string()} {onclick}>
                { text }
            </button>
        }
    };
    let buttons = match props.buttons {
        MovieButtons::Choose | MovieButtons::Steer => html! { <>
            { button(
                // The word stays "Like" (the accessible name must contain the visible text);
                // the heart and aria-pressed say whether it is on.
                if status == PickStatus::Liked { "♥ Like" } else { "♡ Like" },
                format!("Like {label}"),
                PickStatus::Liked,
            ) }
            { button("Not for me", format!("Not for me: {label}"), PickStatus::Disliked) }
            { stars_select(id, &label, status, &act) }
            { button("Seen it", format!("Seen it: {label}"), PickStatus::Seen) }
            if still {
                if let Some(undone) = status_class(status) {
                    <button type="button" class="undo" aria-label={format!("Undo: {label}")}
                        onclick={
                            let act = act.clone();
                            Callback::from(move |event: MouseEvent| {
                                focus_in_row(&event, undone);
                                act.emit(PickAction::Forget(id));
                            })
                        }>
                        { "Undo" }
                    </button>
                }
            }
        </> },
        MovieButtons::Remove => {
            let remove = act.clone();
            let onclick = Callback::from(move |event: MouseEvent| {
                keep_focus_nearby(&event);
                remove.emit(PickAction::Forget(id));
            });
            html! { <>
                if let PickStatus::Rated(_) = status {
                    { stars_select(id, &label, status, &act) }
                }
                <button type="button" class="remove" aria-label={format!("Remove {label}")} {onclick}>
                    { "Remove" }
                </button>
            </> }
        }
    };
    html! { <span class="buttons">{ buttons }</span> }
}

#[function_component]
pub fn MovieItem(props: &MovieItemProps) -> Html {
    let model = use_model();
    let id = model.catalog.movies[props.index].id;
    let still = props.buttons == MovieButtons::Steer;
    let class = classes!(
        "movie",
        (still && props.status != PickStatus::Undecided).then_some("acted")
    );
    html! {
        <li {class} data-movie-id={id.to_string()}>
            <About index={props.index} />
            if let Some(reason) = &props.reason {
                <span class="reason">{ reason }</span>
            }
            if let Some(tenths) = props.predicted {
                <span class="predicted" title="The stars the model expects you to give it">
                    { format!("≈ {}.{}★ for you", tenths / 10, tenths % 10) }
                </span>
            }
            <CardButtons index={props.index} buttons={props.buttons} status={props.status}
                act={props.act.clone()} />
        </li>
    }
}
