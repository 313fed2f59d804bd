//! The layout shows the architecture: every module belongs to a layer and
//! refers only to its own layer or those below (the tour in `src/lib.rs`),
//! and the repository stands alone: nothing points at paths outside it.

use std::path::Path;

/// Bottom layer first.
const LAYERS: &[&[&str]] = &[
    &[
        "units",
        "stats",
        "distribution",
        "des",
        "progress",
        "output",
    ],
    &["scenario"],
    &["model"],
    &["metrics", "simulation", "report"],
    &["export"],
    &[
        "runner",
        "sweep",
        "sensitivity",
        "shard",
        "partial",
        "bench",
        "error",
        "serve",
        "load",
    ],
    &["cli"],
];

/// Names `lib.rs` re-exports, and the module each comes from.
const REEXPORTS: &[(&str, &str)] = &[
    ("Error", "error"),
    ("RunResults", "report"),
    ("simulate", "runner"),
    ("simulate_all", "runner"),
];

fn layer_of(module: &str) -> usize {
    LAYERS
        .iter()
        .position(|l| l.contains(&module))
        .unwrap_or_else(|| panic!("module `{module}` has no layer in tests/architecture.rs"))
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The crate-level names a file refers to through `crate::`.
fn references(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name = item.trim().split("::").next().unwrap_or("").trim();
                if !name.is_empty() {
                    names.push(name.to_string());
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            names.push(name);
        }
    }
    names
}

#[test]
fn no_module_refers_to_a_layer_above_its_own() {
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    let mut violations = Vec::new();
    for file in files {
        let relative = file.strip_prefix("src").unwrap();
        let first = relative.iter().next().unwrap().to_string_lossy();
        let module = first.trim_end_matches(".rs");
        if module == "lib" || module == "main" {
            continue;
        }
        let own = layer_of(module);
        let text = std::fs::read_to_string(&file).unwrap();
        for name in references(&text) {
            let target = REEXPORTS
                .iter()
                .find(|(n, _)| *n == name)
                .map_or(name.as_str(), |(_, m)| m);
            if layer_of(target) > own {
                violations.push(format!("{}: uses crate::{name}", file.display()));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "upward references:\n{}",
        violations.join("\n")
    );
}

#[test]
fn nothing_points_outside_the_repository() {
    let mut files = vec![std::path::PathBuf::from("README.md")];
    for dir in ["docs", "src", "scenarios", "tests", "bench"] {
        for entry in walk(Path::new(dir)) {
            files.push(entry);
        }
    }
    let outside: Vec<String> = files
        .iter()
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            // Built from parts so that this file does not name them itself.
            let sibling = ["..", "shared"].join("/");
            let design = ["shared", "design"].join("/");
            text.contains(&sibling) || text.contains(&design)
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(
        outside.is_empty(),
        "these point outside the repository: {outside:?}"
    );
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// The command line stays a thin layer: no file in src/cli over 250 lines.
#[test]
fn command_files_stay_small() {
    for entry in walk(Path::new("src/cli")) {
        let lines = std::fs::read_to_string(&entry).unwrap().lines().count();
        assert!(lines <= 250, "{} has {lines} lines", entry.display());
    }
}

/// The model reads function by function: none over 80 lines.
#[test]
fn model_functions_stay_short() {
    for entry in walk(Path::new("src/model")) {
        let text = std::fs::read_to_string(&entry).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let mut i = 0;
        while i < lines.len() {
            let line = lines[i];
            let trimmed = line.trim_start();
            let is_fn = (trimmed.starts_with("fn ")
                || trimmed.starts_with("pub fn ")
                || trimmed.starts_with("pub(crate) fn "))
                && !line.trim_end().ends_with(';');
            if is_fn {
                let indent = &line[..line.len() - trimmed.len()];
                let end = (i..lines.len())
                    .find(|&j| lines[j] == format!("{indent}}}"))
                    .unwrap_or(i);
                let length = end - i + 1;
                assert!(
                    length <= 80,
                    "{}:{}: a function of {length} lines",
                    entry.display(),
                    i + 1
                );
                i = end;
            }
            i += 1;
        }
    }
}
