//! The footer: behind "About this model", what the model is and how well it did, in a
//! visitor's words; one click further, its settings and figures for the curious.

use crate::hooks::use_model;
use yew::prelude::*;

/// The model's measured quality in words, from its held-out figures (none when the file has
/// no such figures).
fn quality_in_words(metrics: &[(String, f64)]) -> Option<String> {
    let figure = |name: &str| {
        metrics
            .iter()
            .find(|(metric, _)| metric == name)
            .map(|&(_, value)| value)
    };
    let recall = figure("Recall@20")?;
    let mut words = format!(
        "It was tried on people it had never seen: each told it most of the movies they like and \
         kept the rest back. {:.0}% of the movies kept back were among its first 20 suggestions",
        recall * 100.0
    );
    if let Some(precision) = figure("Precision@10") {
        words += &format!(
            ", and on average {:.1} of its first 10 were movies they liked",
            precision * 10.0
        );
    }
    words.push('.');
    Some(words)
}

#[function_component]
pub fn ModelFooter() -> Html {
    let model = use_model();
    let info = &model.info;
    html! {
        <footer class="model-info" id="model-info" data-tail={model.tail.name()}>
            <details>
                <summary>{ "About this model" }</summary>
                <p>{ format!(
                    "It learned which movies go together from the ratings people gave on MovieLens, \
                     a film site run by researchers (the {} release), and knows {} movies. Your \
                     picks are matched with theirs here, in your browser: they are not sent anywhere.",
                    info.dataset,
                    model.catalog.len()
                ) }</p>
                if let Some(words) = quality_in_words(&info.metrics) {
                    <p>{ words }</p>
                }
                <details class="figures">
                    <summary>{ "Settings and figures" }</summary>
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
            </details>
        </footer>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn the_figures_are_said_in_words() {
        let metrics = |pairs: &[(&str, f64)]| -> Vec<(String, f64)> {
            pairs.iter().map(|&(n, v)| (n.to_string(), v)).collect()
        };
        let words =
            quality_in_words(&metrics(&[("Recall@20", 0.314), ("Precision@10", 0.27)])).unwrap();
        assert!(words.contains("31% of the movies kept back"), "{words}");
        assert!(words.contains("2.7 of its first 10"), "{words}");
        assert!(quality_in_words(&metrics(&[("NDCG@100", 0.4)])).is_none());
    }
}
