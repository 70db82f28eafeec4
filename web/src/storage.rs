//! Where picks live outside the page: localStorage (so they survive a reload) and the URL
//! fragment of a share link (so they can be sent to someone else).

use crate::picks::Picks;

const STORAGE_KEY: &str = "movierec.picks";

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The picks saved by an earlier visit, if any.
pub fn load_saved() -> Option<Picks> {
    let text = local_storage()?.get_item(STORAGE_KEY).ok().flatten()?;
    Picks::from_fragment(&text)
}

/// Saves the picks for the next visit; a browser that refuses storage just forgets them.
pub fn save(picks: &Picks) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(STORAGE_KEY, &picks.to_fragment());
    }
}

/// The picks the page will start from, the saved ones and a link's, without taking the link
/// off the address bar.
pub fn stored_picks() -> Vec<Picks> {
    let shared = web_sys::window()
        .and_then(|window| window.location().hash().ok())
        .and_then(|hash| Picks::from_fragment(&hash));
    load_saved().into_iter().chain(shared).collect()
}

/// Picks carried by the page's URL (`#liked=1,50&not=3`), taken off the address bar so that
/// later changes and reloads are not overridden by the link the visitor came in with.
pub fn take_shared() -> Option<Picks> {
    let window = web_sys::window()?;
    let location = window.location();
    let picks = Picks::from_fragment(&location.hash().ok()?)?;
    if let (Ok(history), Ok(path), Ok(query)) =
        (window.history(), location.pathname(), location.search())
    {
        let _ = history.replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some(&format!("{path}{query}")),
        );
    }
    Some(picks)
}

/// A link to this page that reproduces `picks`.
pub fn share_url(picks: &Picks) -> String {
    let page = web_sys::window()
        .and_then(|window| window.location().href().ok())
        .unwrap_or_default();
    let page = page.split('#').next().unwrap_or_default();
    format!("{page}#{}", picks.to_fragment())
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn saved_picks_come_back() {
        let picks = Picks {
            liked: vec![1, 2],
            disliked: vec![3],
            seen: vec![4],
            rated: vec![(5, 7)],
        };
        save(&picks);
        assert_eq!(load_saved(), Some(picks.clone()));
        assert!(share_url(&picks).ends_with("#liked=1,2&not=3&seen=4&rated=5:3.5"));
        save(&Picks::default());
    }

    #[wasm_bindgen_test]
    fn shared_picks_are_read_once_from_the_address_bar() {
        let location = web_sys::window().unwrap().location();
        location.set_hash("liked=5,6").unwrap();
        assert_eq!(
            take_shared(),
            Some(Picks {
                liked: vec![5, 6],
                ..Picks::default()
            })
        );
        assert_eq!(location.hash().unwrap(), "");
        assert_eq!(take_shared(), None);
    }
}
