//! The footer: which model runs, and behind "About this model" its figures for the curious.

use crate::hooks::use_model;
use yew::prelude::*;

#[function_component]
pub fn ModelFooter() -> Html {
    let info = &use_model().info;
    html! {
        <footer class="model-info" id="model-info">
            <details>
                <summary>{ "About this model" }</summary>
                <p>{ format!("Model “{}” trained on MovieLens {}.", info.model, info.dataset) }</p>
                if !info.description.is_empty() {
                    <p>{ &info.description }</p>
                }
                if !info.metrics.is_empty() {
                    <table class="metrics">
                        <caption>{ "Measured on held-out users, who picked 80% of their liked movies; the list is scored on the other 20%." }</caption>
                        <tbody>
                            { for info.metrics.iter().map(|(name, value)| html! {
                                <tr><th scope="row">{ name }</th><td>{ format!("{value:.3}") }</td></tr>
                            }) }
                        </tbody>
                    </table>
                }
            </details>
        </footer>
    }
}
