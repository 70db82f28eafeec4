//! What the page shows instead of the recommender when the model cannot be used: the reason in
//! words and the command that fixes it.

use crate::model_loader::LoadError;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct LoadErrorProps {
    pub error: LoadError,
}

#[function_component]
pub fn LoadErrorView(props: &LoadErrorProps) -> Html {
    html! {
        <section id="load-error" class="error" role="alert">
            <h2>{ "The recommender could not start" }</h2>
            <p>{ props.error.to_string() }</p>
            <p>
                { "To fix it, run " }<code>{ "cargo xtask serve" }</code>
                { ": it exports the model when static/model.bin is missing (delete a damaged \
                   or outdated one first). Or export it yourself with " }
                <code>{ "cargo run --release -p trainer -- train --out static/model.bin" }</code>
                { ", then reload this page." }
            </p>
        </section>
    }
}
