//! Genre and decade filters, which narrow the recommendations (never the picks), and the
//! familiar ↔ discover slider, which re-ranks them by popularity.

use crate::hooks::use_model;
use crate::model_loader::LoadedModel;
use shared::POPULARITY_STEPS;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Filters {
    /// Index into the catalogue's genre names.
    pub genre: Option<usize>,
    /// 1990 for the 1990s.
    pub decade: Option<u16>,
    /// The slider's position: an index into [`POPULARITY_STEPS`].
    pub popularity: usize,
}

impl Filters {
    /// No filter, and the slider where the model's trainer found it works best.
    pub fn starting(model: &LoadedModel) -> Self {
        Self {
            genre: None,
            decade: None,
            popularity: model.steering.default_popularity,
        }
    }
}

/// The slider's position in words, for screen readers and the label beside it.
fn popularity_words(step: usize, default: usize) -> String {
    let last = POPULARITY_STEPS.len() - 1;
    let words = match step {
        0 => "the most familiar movies",
        s if s == last => "lesser-known movies near your picks",
        s if s < default => "more familiar movies",
        s if s > default => "more discoveries",
        _ => "balanced",
    };
    let default = if step == default { " (default)" } else { "" };
    format!("{words}{default}")
}

#[derive(Properties, PartialEq)]
pub struct FiltersBarProps {
    pub filters: Filters,
    pub on_change: Callback<Filters>,
}

/// A `<select>` whose empty value means "no filter".
fn select_callback<T: std::str::FromStr + 'static>(
    on_choice: impl Fn(Option<T>) + 'static,
) -> Callback<Event> {
    Callback::from(move |event: Event| {
        on_choice(
            event
                .target_unchecked_into::<HtmlSelectElement>()
                .value()
                .parse()
                .ok(),
        );
    })
}

#[function_component]
pub fn FiltersBar(props: &FiltersBarProps) -> Html {
    let model = use_model();
    // A pass over every movie (the tail's too): once per model, not on every click.
    let decades = use_memo(model.clone(), |model| model.catalog.decades());
    let filters = props.filters;
    let on_genre = {
        let on_change = props.on_change.clone();
        select_callback(move |genre| on_change.emit(Filters { genre, ..filters }))
    };
    let on_decade = {
        let on_change = props.on_change.clone();
        select_callback(move |decade| on_change.emit(Filters { decade, ..filters }))
    };
    let on_popularity = {
        let on_change = props.on_change.clone();
        Callback::from(move |event: InputEvent| {
            let value = event.target_unchecked_into::<HtmlInputElement>().value();
            if let Ok(popularity) = value.parse::<usize>() {
                on_change.emit(Filters {
                    popularity: popularity.min(POPULARITY_STEPS.len() - 1),
                    ..filters
                });
            }
        })
    };
    let default = model.steering.default_popularity;
    let words = popularity_words(filters.popularity, default);
    html! {
        <div class="filters">
            <label>
                { "Genre " }
                <select id="genre-filter" onchange={on_genre}>
                    <option value="" selected={filters.genre.is_none()}>{ "All genres" }</option>
                    { for model.catalog.genre_names.iter().enumerate().map(|(index, name)| html! {
                        <option value={index.to_string()} selected={filters.genre == Some(index)}>
                            { name }
                        </option>
                    }) }
                </select>
            </label>
            <label>
                { "Decade " }
                <select id="decade-filter" onchange={on_decade}>
                    <option value="" selected={filters.decade.is_none()}>{ "All decades" }</option>
                    { for decades.iter().map(|&decade| html! {
                        <option value={decade.to_string()} selected={filters.decade == Some(decade)}>
                            { format!("{decade}s") }
                        </option>
                    }) }
                </select>
            </label>
            <div class="slider">
                <label for="popularity">{ "Familiar" }</label>
                <input
                    id="popularity"
                    type="range"
                    min="0"
                    max={(POPULARITY_STEPS.len() - 1).to_string()}
                    step="1"
                    value={filters.popularity.to_string()}
                    aria-label="From familiar to discover"
                    aria-valuetext={words.clone()}
                    oninput={on_popularity}
                />
                <span aria-hidden="true">{ "Discover" }</span>
                <span class="slider-words" id="popularity-words">{ words }</span>
            </div>
        </div>
    }
}
