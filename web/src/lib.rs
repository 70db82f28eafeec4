//! The recommender page: a yew app, compiled to wasm, that loads the exported model
//! (`static/model.bin`) and recommends movies from a visitor's picks, entirely in the browser.
//!
//! All scoring and search goes through [`shared::Recommender`]; this crate only keeps the
//! visitor's picks, draws them and measures how fast the page answers.

// The page scores in wasm's SIMD, as `.cargo/config.toml` builds it for wasm32; a `RUSTFLAGS`
// in the environment replaces that setting and must then name `+simd128` too. (rustdoc, which
// reads no target's rustflags, collects doctests without it.)
#[cfg(all(target_arch = "wasm32", not(target_feature = "simd128"), not(doctest)))]
compile_error!("the page is built with wasm's SIMD: add `-C target-feature=+simd128` to RUSTFLAGS");

mod app;
mod components;
mod hooks;
mod model_loader;
mod page;
mod panic_message;
mod picks;
mod storage;
mod timings;

/// Mounts the page into `<main id="app">`, replacing the "loading" placeholder.
pub fn start() {
    panic_message::install();
    let root = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.get_element_by_id("app"))
        .expect("index.html has an element with id \"app\"");
    root.set_text_content(None);
    yew::Renderer::<app::App>::with_root(root).render();
}

#[cfg(test)]
mod test_support;

#[cfg(test)]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
