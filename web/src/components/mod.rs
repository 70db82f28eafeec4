//! The page's parts, each a function component reading the model and picks from context.

mod browse_rows;
mod filters;
mod load_error;
mod model_footer;
mod movie_item;
mod picks_panel;
mod recommendations;
mod search;

pub use browse_rows::BrowseRows;
pub use load_error::LoadErrorView;
pub use model_footer::ModelFooter;
pub use picks_panel::PicksPanel;
pub use recommendations::Recommendations;
pub use search::SearchBox;

use crate::app::PicksContext;
use crate::model_loader::Model;
use yew::prelude::*;

/// The loaded model; every component below [`crate::app::RecommenderPage`] has it.
#[hook]
fn use_model() -> Model {
    use_context::<Model>().expect("components are rendered inside the model's context")
}

/// The visitor's picks; every component below [`crate::app::RecommenderPage`] has them.
#[hook]
fn use_picks() -> PicksContext {
    use_context::<PicksContext>().expect("components are rendered inside the picks' context")
}
