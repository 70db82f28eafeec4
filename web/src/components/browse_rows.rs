//! Rows of well-known movies to click before (and besides) searching, as movielens.org shows a
//! new visitor: the most rated overall, then rows spread over decades and genres, each movie
//! in one row only ([`shared::browse::browse_rows`]). A skip link jumps past their buttons.

use super::movie_item::{MovieButtons, MovieItem};
use crate::hooks::{use_model, use_picks};
use crate::picks::{PickAction, PickStatus};
use std::rc::Rc;
use yew::prelude::*;

const ROW_LENGTH: usize = 12;

#[derive(Properties, PartialEq)]
struct RowProps {
    title: AttrValue,
    movies: Rc<[usize]>,
    /// Where each of `movies` stands with the visitor.
    statuses: Vec<PickStatus>,
    act: Callback<PickAction>,
}

/// One row: it re-renders only when the standing of one of its own movies changes, not on
/// every change of the picks (a visitor with many stars changes picks on every click).
#[function_component]
fn Row(props: &RowProps) -> Html {
    html! {
        <>
            <h3>{ &props.title }</h3>
            <ul class="movie-row">
                { for props.movies.iter().zip(&props.statuses).map(|(&index, &status)| html! {
                    <MovieItem key={index} {index} buttons={MovieButtons::Choose}
                        {status} act={props.act.clone()} />
                }) }
            </ul>
        </>
    }
}

#[function_component]
pub fn BrowseRows() -> Html {
    let model = use_model();
    let context = use_picks();
    let rows = use_memo(model.clone(), |model| {
        shared::browse::browse_rows(&model.catalog, ROW_LENGTH)
            .into_iter()
            .map(|row| (AttrValue::from(row.title), Rc::from(row.movies)))
            .collect::<Vec<(AttrValue, Rc<[usize]>)>>()
    });
    html! {
        <section class="browse" aria-labelledby="browse-heading">
            <h2 id="browse-heading">{ "Well-known movies" }</h2>
            <a class="skip-link" href="#model-info">{ "Skip the browse rows" }</a>
            { for rows.iter().map(|(title, movies)| {
                let statuses: Vec<PickStatus> = (movies.iter())
                    .map(|&index| context.picks.status(model.catalog.movies[index].id))
                    .collect();
                html! {
                    <Row key={title.as_str()} title={title.clone()} movies={movies.clone()}
                        {statuses} act={context.act.clone()} />
                }
            }) }
        </section>
    }
}
