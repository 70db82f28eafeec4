//! A bar that stays at the top of the screen: what the last click did, in words (announced to
//! screen readers), and how many movies are liked, with a jump to the recommendations. On a
//! phone a like in the browse rows is otherwise far from any list that shows it. The page
//! scrolls what it jumps or moves focus to just below the bar, never under it.

use crate::hooks::{use_model, use_picks};
use crate::picks::PickAction;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use yew::prelude::*;

/// Sets `--status-bar-height` (read by `scroll-padding-top` in style.css) to the bar's height.
fn publish_height(bar: &NodeRef) {
    let Some(bar) = bar.cast::<web_sys::HtmlElement>() else {
        return;
    };
    if let Some(root) = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.document_element())
        .and_then(|root| root.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let height = format!("{}px", bar.offset_height());
        let _ = root.style().set_property("--status-bar-height", &height);
    }
}

/// Keeps `--status-bar-height` true whenever the bar's size changes (its message wraps to more
/// or fewer lines, the window narrows): a `ResizeObserver` reports after layout, so measuring
/// never forces one.
#[hook]
fn use_published_height(bar: &NodeRef) {
    let bar = bar.clone();
    use_effect_with((), move |_| {
        let observed = bar.cast::<web_sys::Element>().and_then(|element| {
            let measured = bar.clone();
            let callback = Closure::<dyn Fn()>::new(move || publish_height(&measured));
            let observer = web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref()).ok()?;
            observer.observe(&element);
            Some((observer, callback))
        });
        move || {
            if let Some((observer, _callback)) = observed {
                observer.disconnect();
            }
        }
    });
}

#[function_component]
pub fn StatusBar() -> Html {
    let model = use_model();
    let context = use_picks();
    let bar = use_node_ref();
    use_published_height(&bar);
    let label = |id: u32| {
        model.catalog.index_of(id).map_or_else(
            || format!("movie {id}"),
            |i| model.catalog.movies[i].label(),
        )
    };
    let message = match &context.last {
        Some(PickAction::Like(id)) => format!("Added {} to the movies you like.", label(*id)),
        Some(PickAction::Dislike(id)) => {
            format!("{}: not for you. Movies like it move down.", label(*id))
        }
        Some(PickAction::Seen(id)) => format!("{}: seen, so no longer recommended.", label(*id)),
        Some(PickAction::Rate(id, halves)) => format!(
            "You gave {} {} stars.",
            label(*id),
            crate::picks::stars_figure(*halves)
        ),
        Some(PickAction::RateAll(rated)) => format!("Added {} rated movies.", rated.len()),
        Some(PickAction::Forget(id)) => format!("Took back {}.", label(*id)),
        Some(PickAction::Clear) => "Cleared all picks.".to_string(),
        Some(PickAction::Replace(_)) => "Now showing the shared picks.".to_string(),
        Some(PickAction::Merge(_)) => "Added the shared picks to yours.".to_string(),
        None => String::new(),
    };
    let liked = context.picks.liked_or_starred().len();
    html! {
        <div class="status-bar" ref={bar}>
            <p id="last-action" role="status">{ message }</p>
            if liked > 0 {
                <a class="jump" href="#recommendations-heading">
                    { format!("{liked} liked · See recommendations") }
                </a>
            }
        </div>
    }
}
