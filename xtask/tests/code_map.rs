//! ARCHITECTURE.md's code map names every Rust source file of the workspace, so a newcomer finds
//! each module there and a new module cannot be added without a line saying what it is for.

use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, as a path relative to `root` with `/` separators.
fn rust_files(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path.strip_prefix(root).expect("under the root");
            out.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}

#[test]
fn the_code_map_names_every_source_file() {
    let root: PathBuf = xtask::paths::workspace_root();
    let map = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let mut files = Vec::new();
    for krate in ["shared", "fetch", "trainer", "web", "xtask", "e2e"] {
        for folder in ["src", "tests"] {
            rust_files(&root, &root.join(krate).join(folder), &mut files);
        }
    }
    assert!(files.len() > 50, "found only {files:?}");
    let missing: Vec<&String> = files
        .iter()
        .filter(|f| !map.contains(&format!("`{f}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md's code map does not name: {missing:?}"
    );
}
