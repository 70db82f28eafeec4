//! A bug must never leave a blank page: a panic replaces the page with a message saying so.

use wasm_bindgen::JsValue;

/// Installs the hook (through yew, which would otherwise install its own console-only hook).
pub fn install() {
    yew::set_custom_panic_hook(Box::new(|info| {
        let message = format!(
            "Sorry, the page hit a bug and stopped ({info}). Reload the page to start again; \
             your picks are kept."
        );
        web_sys::console::error_1(&JsValue::from_str(&message));
        let app = web_sys::window()
            .and_then(|window| window.document())
            .and_then(|document| document.get_element_by_id("app"));
        if let Some(app) = app {
            app.set_inner_html("");
            app.set_text_content(Some(&message));
            app.set_class_name("crashed");
            let _ = app.set_attribute("role", "alert");
        }
    }));
}
