//! Entry point of the wasm binary: wasm-bindgen runs `main` when the page loads the module.

fn main() {
    web::start();
}
