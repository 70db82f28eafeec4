//! What the page shows instead of the recommender when the model cannot be used: the reason in
//! words, the command that fixes it and a button to try again.

use crate::model_loader::LoadError;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct LoadErrorProps {
    pub error: LoadError,
    /// Starts the download again.
    pub on_retry: Callback<()>,
}

#[function_component]
pub fn LoadErrorView(props: &LoadErrorProps) -> Html {
    let retry_button = use_node_ref();
    {
        // Keyboard users land on "Try again" when the error appears (or changes).
        let retry_button = retry_button.clone();
        use_effect_with(props.error.clone(), move |_| {
            if let Some(button) = retry_button.cast::<web_sys::HtmlElement>() {
                let _ = button.focus();
            }
        });
    }
    let onclick = props.on_retry.reform(|_: MouseEvent| ());
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
            <button type="button" id="retry" ref={retry_button} {onclick}>{ "Try again" }</button>
        </section>
    }
}
