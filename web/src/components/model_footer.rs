//! A small footer naming the model in use: dataset, model kind, description and metrics.

use super::use_model;
use yew::prelude::*;

#[function_component]
pub fn ModelFooter() -> Html {
    let info = &use_model().info;
    let metrics: Vec<String> = info
        .metrics
        .iter()
        .map(|(name, value)| format!("{name} {value:.3}"))
        .collect();
    html! {
        <footer class="model-info">
            { format!("Model “{}” trained on {}", info.model, info.dataset) }
            if !info.description.is_empty() {
                { format!(" · {}", info.description) }
            }
            if !metrics.is_empty() {
                { format!(" · {}", metrics.join(", ")) }
            }
        </footer>
    }
}
