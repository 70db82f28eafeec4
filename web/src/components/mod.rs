//! The page's parts, each a function component reading the model and picks from context
//! (through [`crate::hooks`]).

mod browse_rows;
mod filters;
mod import;
mod load_error;
mod model_footer;
mod movie_item;
mod picks_panel;
mod recommendations;
mod search;
mod share_choice;
mod status_bar;

pub use browse_rows::BrowseRows;
pub use load_error::LoadErrorView;
pub use model_footer::ModelFooter;
pub use picks_panel::PicksPanel;
pub use recommendations::Recommendations;
pub use search::SearchBox;
pub use share_choice::ShareChoice;
pub use status_bar::StatusBar;

/// Moves keyboard focus to the element with `id`, when there is one.
fn focus_by_id(id: &str) {
    use wasm_bindgen::JsCast;
    if let Some(element) = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.get_element_by_id(id))
        .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = element.focus();
    }
}
