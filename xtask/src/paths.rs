//! Where things are in the workspace, whatever directory a task is started from.

use std::path::{Path, PathBuf};

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// The page's own files in `static/`, beside `pkg/` (the built wasm) and `model.bin`.
pub const PAGE_FILES: [&str; 3] = ["index.html", "style.css", "main.js"];

/// The folder the page is served from.
pub fn static_dir() -> PathBuf {
    workspace_root().join("static")
}

/// The model the page loads.
pub fn model_file() -> PathBuf {
    static_dir().join("model.bin")
}

/// The catalogue's tail, the page's second file ([`shared::tail`]).
pub fn tail_file() -> PathBuf {
    shared::tail::path_beside(&model_file())
}

/// The page's compiled wasm and its JavaScript glue.
pub fn pkg_dir() -> PathBuf {
    static_dir().join("pkg")
}

/// Cargo's target directory (honours `CARGO_TARGET_DIR`).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// The trainer binary as built by `cargo build --release -p trainer`.
pub fn trainer_binary() -> PathBuf {
    target_dir().join("release").join("trainer")
}
