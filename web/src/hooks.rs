//! The page's own hooks: reading the two shared contexts (the loaded model and the visitor's
//! picks) that [`crate::page::RecommenderPage`] provides, and following share links that arrive
//! while the page is already open.

use crate::model_loader::LoadedModel;
use crate::picks::{Dropped, Origin, PickAction, Picks, PicksContext, SharedLink, link_asks_first};
use crate::storage;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use yew::prelude::*;

/// The loaded model; every component below [`crate::page::RecommenderPage`] has it.
#[hook]
pub fn use_model() -> LoadedModel {
    use_context::<LoadedModel>().expect("components are rendered inside the model's context")
}

/// The visitor's picks; every component below [`crate::page::RecommenderPage`] has them.
#[hook]
pub fn use_picks() -> PicksContext {
    use_context::<PicksContext>().expect("components are rendered inside the picks' context")
}

/// Takes in a share link opened in a tab that already shows the page: the browser changes only
/// the fragment then (no reload), so the picks arrive through `hashchange`. As on arrival, ids
/// this model does not know are counted (in `dropped`, or with the link in `pending`), and a
/// link that would overwrite different picks (`picks`, the visitor's current ones) waits in
/// `pending` for their choice; otherwise it replaces them through `act`. The listener is renewed whenever the picks or the model (its tail attached) change.
#[hook]
pub fn use_share_link_arrivals(
    picks: &Picks,
    model: &LoadedModel,
    dropped: &UseStateHandle<Dropped>,
    pending: &UseStateHandle<Option<SharedLink>>,
    act: &Callback<PickAction>,
) {
    let (pending, dropped, act) = (pending.clone(), dropped.clone(), act.clone());
    use_effect_with((picks.clone(), model.clone()), move |(current, model)| {
        let (current, model) = (current.clone(), model.clone());
        let listener = Closure::<dyn Fn()>::new(move || {
            if let Some(shared) = storage::take_shared() {
                let (known, unknown) = shared.known_to(&model.catalog);
                if link_asks_first(&current, &known) {
                    pending.set(Some(SharedLink {
                        picks: known,
                        unknown,
                    }));
                } else {
                    dropped.set(Dropped {
                        count: unknown,
                        from: Origin::Link,
                    });
                    act.emit(PickAction::Replace(known));
                }
            }
        });
        let window = web_sys::window();
        if let Some(window) = &window {
            let _ = window
                .add_event_listener_with_callback("hashchange", listener.as_ref().unchecked_ref());
        }
        move || {
            if let Some(window) = window {
                let _ = window.remove_event_listener_with_callback(
                    "hashchange",
                    listener.as_ref().unchecked_ref(),
                );
            }
        }
    });
}
