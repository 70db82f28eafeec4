//! Rows of well-known movies to click before (and besides) searching, as movielens.org shows a
//! new visitor: the most rated overall, then rows spread over decades and genres, each movie
//! in one row only ([`shared::browse::browse_rows`]). A skip link jumps past their buttons.

use super::movie_item::{MovieButtons, MovieItem};
use crate::hooks::{use_model, use_picks};
use yew::prelude::*;

const ROW_LENGTH: usize = 12;

#[function_component]
pub fn BrowseRows() -> Html {
    let model = use_model();
    let context = use_picks();
    let rows = use_memo(model.clone(), |model| {
        shared::browse::browse_rows(&model.catalog, ROW_LENGTH)
    });
    html! {
        <section class="browse" aria-labelledby="browse-heading">
            <h2 id="browse-heading">{ "Well-known movies" }</h2>
            <a class="skip-link" href="#model-info">{ "Skip the browse rows" }</a>
            { for rows.iter().map(|row| html! {
                <>
                    <h3>{ &row.title }</h3>
                    <ul class="movie-row">
                        { for row.movies.iter().map(|&index| html! {
                            <MovieItem key={index} {index} buttons={MovieButtons::Choose}
                                status={context.picks.status(model.catalog.movies[index].id)}
                                act={context.act.clone()} />
                        }) }
                    </ul>
                </>
            }) }
        </section>
    }
}
