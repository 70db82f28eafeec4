//! Helpers for the page's browser tests: a four-movie model (two animated films close to each
//! other, a family film near them and a crime drama far away) and ways to mount components and
//! click and type into them as a visitor would.

use shared::{
    Activation, Catalog, FoldInWeights, ModelFile, ModelInfo, Movie, QuantMatrix, Steering,
};
use std::time::Duration;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlInputElement, HtmlSelectElement};
use yew::BaseComponent;

pub fn tiny_model_file() -> ModelFile {
    let movie = |id: u32, title: &str, year: u16, genres: u32, rating_count: u32| Movie {
        id,
        title: title.into(),
        year: Some(year),
        genres,
        rating_count,
        imdb_id: Some(id + 100_000),
        tmdb_id: Some(id + 800),
    };
    // Genre bits: 0 Animation, 1 Children, 2 Crime, 3 Drama.
    let movies = vec![
        movie(1, "Toy Story", 1995, 0b0011, 200),
        movie(588, "Aladdin", 1992, 0b0011, 180),
        movie(6, "Heat", 1995, 0b1100, 100),
        movie(34, "Babe", 1995, 0b0010, 90),
    ];
    let embeddings = [1.0, 0.0, 0.9, 0.1, 0.0, 1.0, 0.7, 0.2];
    ModelFile {
        info: ModelInfo {
            dataset: "tiny".into(),
            model: "foldin".into(),
            description: "four movies".into(),
            metrics: vec![("NDCG@10".into(), 0.5)],
            settings: "{}".into(),
            untrained_users: Vec::new(),
        },
        catalog: Catalog::new(
            ["Animation", "Children", "Crime", "Drama"]
                .map(String::from)
                .to_vec(),
            movies,
        ),
        weights: FoldInWeights {
            input_embeddings: QuantMatrix::quantize(&embeddings, 4, 2),
            tower: Vec::new(),
            activation: Activation::Relu,
            output_embeddings: QuantMatrix::quantize(&embeddings, 4, 2),
            output_bias: vec![0.0; 4],
            neighbours: None,
        },
        steering: Steering {
            dislike_weight: 1.0,
            default_popularity: shared::steering::neutral_step(),
            neighbour_floors: vec![0.5; 4],
            few_picks: 0.0,
            dispersed_picks: 0.0,
            calibration: 0.0,
            ..Steering::default()
        },
        stars: None,
    }
}

/// Renders `C` into a fresh `<div>` appended to the test page and returns that element.
pub fn mount<C>(props: C::Properties) -> Element
where
    C: BaseComponent,
{
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<C>::with_root_and_props(root.clone(), props).render();
    root
}

/// Waits until the element matching `selector` is there, failing the test after five seconds.
pub async fn wait_for(root: &Element, selector: &str) -> Element {
    for _ in 0..100 {
        yew::scheduler::flush().await;
        if let Some(element) = root.query_selector(selector).unwrap() {
            return element;
        }
        yew::platform::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("nothing matches {selector}: {}", root.inner_html());
}

/// Clicks the first element matching `selector`, then lets yew re-render.
pub async fn click(root: &Element, selector: &str) {
    wait_for(root, selector)
        .await
        .unchecked_into::<HtmlElement>()
        .click();
    yew::scheduler::flush().await;
}

/// Types `text` into the input matching `selector` as a visitor would, then lets yew re-render.
pub async fn type_into(root: &Element, selector: &str, text: &str) {
    let input: HtmlInputElement = wait_for(root, selector).await.unchecked_into();
    input.set_value(text);
    let init = web_sys::InputEventInit::new();
    init.set_bubbles(true);
    let event = web_sys::InputEvent::new_with_event_init_dict("input", &init).unwrap();
    input.dispatch_event(&event).unwrap();
    yew::scheduler::flush().await;
}

/// Picks `value` in the `<select>` matching `selector`, then lets yew re-render.
pub async fn choose(root: &Element, selector: &str, value: &str) {
    let select: HtmlSelectElement = wait_for(root, selector).await.unchecked_into();
    select.set_value(value);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let event = web_sys::Event::new_with_event_init_dict("change", &init).unwrap();
    select.dispatch_event(&event).unwrap();
    yew::scheduler::flush().await;
}

/// The `data-movie-id`s of the elements matching `selector`, in page order.
pub fn movie_ids(root: &Element, selector: &str) -> Vec<u32> {
    let nodes = root.query_selector_all(selector).unwrap();
    (0..nodes.length())
        .filter_map(|i| nodes.item(i)?.dyn_into::<Element>().ok())
        .filter_map(|element| element.get_attribute("data-movie-id")?.parse().ok())
        .collect()
}
