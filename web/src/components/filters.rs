//! Genre and decade filters: they narrow the recommendations, never the picks.

use super::use_model;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Filters {
    /// Index into the catalogue's genre names.
    pub genre: Option<usize>,
    /// 1990 for the 1990s.
    pub decade: Option<u16>,
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
    let filters = props.filters;
    let on_genre = {
        let on_change = props.on_change.clone();
        select_callback(move |genre| on_change.emit(Filters { genre, ..filters }))
    };
    let on_decade = {
        let on_change = props.on_change.clone();
        select_callback(move |decade| on_change.emit(Filters { decade, ..filters }))
    };
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
                    { for model.catalog.decades().into_iter().map(|decade| html! {
                        <option value={decade.to_string()} selected={filters.decade == Some(decade)}>
                            { format!("{decade}s") }
                        </option>
                    }) }
                </select>
            </label>
        </div>
    }
}
