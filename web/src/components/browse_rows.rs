//! Rows of well-known movies to click before (and besides) searching, as movielens.org shows
//! a new visitor: the most rated overall, then the most rated of a few big genres.

use super::movie_item::{MovieButtons, MovieItem};
use super::use_model;
use yew::prelude::*;

/// Genres that get a row, when the model's catalogue has them.
const ROW_GENRES: &[&str] = &["Comedy", "Drama", "Action", "Animation", "Sci-Fi"];
const ROW_LENGTH: usize = 12;

#[function_component]
pub fn BrowseRows() -> Html {
    let model = use_model();
    let rows = use_memo(model, |model| {
        let genre_rows = ROW_GENRES.iter().filter_map(|&name| {
            let genre = model.catalog.genre_names.iter().position(|g| g == name)?;
            Some((
                format!("Popular in {name}"),
                model.popular(Some(genre), ROW_LENGTH),
            ))
        });
        std::iter::once(("Most rated".to_string(), model.popular(None, ROW_LENGTH)))
            .chain(genre_rows)
            .collect::<Vec<_>>()
    });
    html! {
        <section class="browse" aria-labelledby="browse-heading">
            <h2 id="browse-heading">{ "Well-known movies" }</h2>
            { for rows.iter().map(|(title, movies)| html! {
                <>
                    <h3>{ title }</h3>
                    <ul class="movie-row">
                        { for movies.iter().map(|&index| html! {
                            <MovieItem key={index} {index} buttons={MovieButtons::Choose} />
                        }) }
                    </ul>
                </>
            }) }
        </section>
    }
}
