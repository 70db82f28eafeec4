//! A bar that stays at the top of the screen: what the last click did, in words (announced to
//! screen readers), and how many movies are liked, with a jump to the recommendations. On a
//! phone a like in the browse rows is otherwise far from any list that shows it.

use crate::hooks::{use_model, use_picks};
use crate::picks::PickAction;
use yew::prelude::*;

#[function_component]
pub fn StatusBar() -> Html {
    let model = use_model();
    let context = use_picks();
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
        Some(PickAction::Forget(id)) => format!("Took back {}.", label(*id)),
        Some(PickAction::Clear) => "Cleared all picks.".to_string(),
        Some(PickAction::Replace(_)) => "Now showing the shared picks.".to_string(),
        Some(PickAction::Merge(_)) => "Added the shared picks to yours.".to_string(),
        None => String::new(),
    };
    let liked = context.picks.liked.len();
    html! {
        <div class="status-bar">
            <p id="last-action" role="status">{ message }</p>
            if liked > 0 {
                <a class="jump" href="#recommendations-heading">
                    { format!("{liked} liked · See recommendations") }
                </a>
            }
        </div>
    }
}
