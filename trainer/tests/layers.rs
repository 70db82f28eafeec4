//! The import rule of ARCHITECTURE.md: a module of the trainer library never imports one on a
//! floor above its own. The floors are read from ARCHITECTURE.md itself (the numbered list under
//! "The trainer's floors"), so the document and the code cannot drift apart.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Top-level module → floor, from ARCHITECTURE.md.
fn floors() -> BTreeMap<String, usize> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let text = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let section = text
        .split("The trainer's floors")
        .nth(1)
        .expect("ARCHITECTURE.md lists the trainer's floors");
    let mut floors = BTreeMap::new();
    for line in section.lines().skip(1) {
        let line = line.trim();
        let Some((number, modules)) = line.split_once(". ") else {
            if line.is_empty() || floors.is_empty() {
                continue;
            }
            break;
        };
        let Ok(floor) = number.parse::<usize>() else {
            break;
        };
        // Backticked names before the colon: "`data`, `metrics`: what they are".
        let names = modules.split(':').next().unwrap_or_default();
        for name in names.split('`').skip(1).step_by(2) {
            floors.insert(name.to_string(), floor);
        }
    }
    assert!(!floors.is_empty(), "no floors found in ARCHITECTURE.md");
    floors
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a library file belongs to (`None` for lib.rs and the binary).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).unwrap();
    let first = relative.components().next()?.as_os_str().to_str()?;
    match first {
        "lib.rs" | "bin" => None,
        _ => Some(first.trim_end_matches(".rs").to_string()),
    }
}

/// The top-level modules named as `crate::NAME` in the code (comments left out).
fn imported(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or_default();
        for rest in code.split("crate::").skip(1) {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                names.push(name);
            }
        }
    }
    names
}

#[test]
fn no_module_imports_one_above_it() {
    let floors = floors();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut broken = Vec::new();
    for file in &files {
        let Some(module) = module_of(&src, file) else {
            continue;
        };
        let Some(&floor) = floors.get(&module) else {
            broken.push(format!("{module}: on no floor of ARCHITECTURE.md"));
            continue;
        };
        for name in imported(&std::fs::read_to_string(file).unwrap()) {
            match floors.get(&name) {
                Some(&above) if above > floor => broken.push(format!(
                    "{} (floor {floor}) imports crate::{name} (floor {above})",
                    file.strip_prefix(&src).unwrap().display()
                )),
                None => broken.push(format!("crate::{name}: on no floor of ARCHITECTURE.md")),
                _ => {}
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn the_rule_would_catch_an_upward_import() {
    assert_eq!(
        imported("use crate::registry::ModelName; // crate::bench\nlet x = crate::data::load();"),
        ["registry", "data"]
    );
    let floors = floors();
    assert!(floors["registry"] > floors["rating"]);
    assert!(floors["model"] < floors["new_user"]);
}
