//! The layout shows the architecture: every module belongs to a layer and
//! refers only to its own layer or those below (the tour in `src/lib.rs`,
//! which names every module), no imports form a cycle, the live modes
//! never import each other, and the repository stands alone: nothing
//! points at paths outside it.

#[path = "architecture/imports.rs"]
mod imports;

use imports::{Crate, Import, cycles};
use std::collections::{BTreeMap, BTreeSet};
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
        "text",
        "tls",
    ],
    &["scenario"],
    &["model"],
    &["metrics", "simulation", "report", "protocol", "records"],
    &["export"],
    &[
        "runner",
        "sweep",
        "sensitivity",
        "shard",
        "partial",
        "error",
        "fit",
    ],
    // The live modes: siblings (`the_modes_never_import_each_other`).
    &["serve", "load", "bench"],
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

/// The name of the function a (trimmed) line starts, if it does.
fn fn_name(line: &str) -> Option<&str> {
    let mut rest = line;
    loop {
        let before = rest;
        for prefix in ["pub ", "async ", "const ", "unsafe ", "extern \"C\" "] {
            rest = rest.strip_prefix(prefix).unwrap_or(rest);
        }
        if rest.starts_with("pub(") {
            rest = rest.split_once(") ").map_or(rest, |(_, r)| r);
        }
        if rest == before {
            break;
        }
    }
    let name = rest.strip_prefix("fn ")?;
    let end = name.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
    Some(&name[..end])
}

/// Every function with a body in a rustfmt-formatted file: its name, first
/// line (1-based) and length in lines, signature to closing brace. A
/// function nested in another counts in the outer one.
fn functions(text: &str) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim_start();
        let Some(name) = fn_name(trimmed) else {
            i += 1;
            continue;
        };
        let indent = &line[..line.len() - trimmed.len()];
        let signature_end = (i..lines.len())
            .find(|&j| {
                let t = lines[j].trim_end();
                t.ends_with('{') || t.ends_with(';') || t.ends_with('}')
            })
            .unwrap_or(i);
        let last = lines[signature_end].trim_end();
        if last.ends_with(';') {
            i = signature_end + 1;
            continue;
        }
        let end = if last.ends_with('}') {
            signature_end
        } else {
            (signature_end..lines.len())
                .find(|&j| lines[j] == format!("{indent}}}"))
                .unwrap_or(signature_end)
        };
        found.push((name.to_string(), i + 1, end - i + 1));
        i = end + 1;
    }
    found
}

/// Functions of the files under `dir` longer than `limit` lines: (file,
/// name, length); the longest if a name repeats in a file.
fn long_functions(dir: &str, limit: usize) -> BTreeMap<(String, String), usize> {
    let mut long = BTreeMap::new();
    for file in walk(Path::new(dir)) {
        let text = std::fs::read_to_string(&file).unwrap();
        for (name, _, length) in functions(&text) {
            if length > limit {
                let key = (file.display().to_string(), name);
                let longest = long.entry(key).or_insert(length);
                *longest = (*longest).max(length);
            }
        }
    }
    long
}

/// The model reads function by function: none over 80 lines.
#[test]
fn model_functions_stay_short() {
    let long = long_functions("src/model", 80);
    assert!(long.is_empty(), "functions over 80 lines: {long:?}");
}

/// The live modes read function by function too. Today's longer ones are
/// listed, each with its length as a ceiling: a new one fails, a listed one
/// may not grow, and one that is gone or now short must leave the list.
const LIVE_DIRS: &[&str] = &["src/serve", "src/load", "src/bench", "src/protocol"];

/// (file, function, lines) of the functions over 80 lines in `LIVE_DIRS`.
const KNOWN_LONG_LIVE_FUNCTIONS: &[(&str, &str, usize)] = &[];

#[test]
fn live_functions_stay_short() {
    let mut found = BTreeMap::new();
    for dir in LIVE_DIRS {
        found.extend(long_functions(dir, 80));
    }
    let mut wrong = Vec::new();
    for ((file, name), length) in &found {
        match KNOWN_LONG_LIVE_FUNCTIONS
            .iter()
            .find(|(f, n, _)| (*f, *n) == (file.as_str(), name.as_str()))
        {
            None => wrong.push(format!("{file}: fn {name} has {length} lines (at most 80)")),
            Some((_, _, ceiling)) if length > ceiling => wrong.push(format!(
                "{file}: fn {name} grew to {length} lines (listed with {ceiling})"
            )),
            Some(_) => {}
        }
    }
    for (file, name, _) in KNOWN_LONG_LIVE_FUNCTIONS {
        if !found.contains_key(&(file.to_string(), name.to_string())) {
            wrong.push(format!(
                "{file}: fn {name} is gone or at most 80 lines: remove it from KNOWN_LONG_LIVE_FUNCTIONS"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Modules whose files and submodules are checked for cycles among
/// themselves too.
const CHECKED_INSIDE: &[&str] = &[
    "model", "scenario", "report", "export", "protocol", "serve", "load", "bench", "cli",
];

/// Imports that close a cycle today, left out of the graph so that any
/// other cycle fails. The list only shrinks: each entry must still exist
/// and still close a cycle. (file, the path it imports)
const KNOWN_CYCLE_IMPORTS: &[(&str, &str)] = &[
    // The scenario's own module runs the validator, which builds the very
    // types `scenario/mod.rs` defines.
    ("src/scenario/mod.rs", "crate::scenario::validate::validate"),
    // Expectations are evaluated over the run's results, and the results
    // hold the verdicts (`report::results` imports `Verdict`, `evaluate`).
    ("src/report/expect.rs", "crate::report::RunResults"),
];

/// The node an import leaves from and goes to at the level where it
/// matters: top-level modules if it crosses one, else files and
/// submodules inside a module of `CHECKED_INSIDE`.
fn nodes(import: &Import) -> Option<(String, String)> {
    let (from, to) = (import.from.first()?, import.to.first()?);
    if from == "<main>" {
        return None;
    }
    if from != to {
        return Some((from.clone(), to.clone()));
    }
    if !CHECKED_INSIDE.contains(&from.as_str()) {
        return None;
    }
    let inside = |path: &[String]| path.iter().take(2).cloned().collect::<Vec<_>>().join("::");
    let (from, to) = (inside(&import.from), inside(&import.to));
    (from != to).then_some((from, to))
}

fn is_known_cycle_import(import: &Import) -> bool {
    KNOWN_CYCLE_IMPORTS.contains(&(import.file.as_str(), import.item.as_str()))
}

fn graph<'i>(imports: impl IntoIterator<Item = &'i Import>) -> BTreeMap<String, BTreeSet<String>> {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, to) in imports.into_iter().filter_map(nodes) {
        edges.entry(from).or_default().insert(to);
    }
    edges
}

/// No module imports, directly or through others, a module that imports
/// it: neither among the top-level modules nor among the files of
/// `CHECKED_INSIDE`. A cycle fails with its path.
#[test]
fn the_module_import_graph_has_no_cycle() {
    let krate = Crate::read(Path::new("src"));
    let kept = || krate.imports.iter().filter(|i| !is_known_cycle_import(i));
    let found = cycles(&graph(kept()));
    assert!(found.is_empty(), "import cycles:\n{}", found.join("\n"));
    for (file, item) in KNOWN_CYCLE_IMPORTS {
        let known: Vec<&Import> = (krate.imports.iter())
            .filter(|i| (i.file.as_str(), i.item.as_str()) == (*file, *item))
            .collect();
        assert!(
            !known.is_empty(),
            "{file} no longer imports {item}: remove it from KNOWN_CYCLE_IMPORTS"
        );
        let closing = cycles(&graph(kept().chain(known.iter().copied())));
        assert!(
            !closing.is_empty(),
            "{file}: {item} no longer closes a cycle: remove it from KNOWN_CYCLE_IMPORTS"
        );
    }
}

/// The live modes are siblings that share lower layers, never each
/// other: (importer, module it must not import).
const FORBIDDEN_BETWEEN_MODES: &[(&str, &str)] = &[
    ("serve", "load"),
    ("serve", "bench"),
    ("load", "serve"),
    ("load", "bench"),
    ("load", "shard"),
    ("bench", "load"),
    ("bench", "serve"),
];

/// Today's imports across modes, tolerated until they are gone. The list
/// only shrinks: a new one fails, and so does one that has disappeared
/// (remove it here). (file, the path it imports)
const KNOWN_MODE_IMPORTS: &[(&str, &str)] = &[];

#[test]
fn the_modes_never_import_each_other() {
    let krate = Crate::read(Path::new("src"));
    let mut found = BTreeSet::new();
    for import in &krate.imports {
        // The path as written counts (a re-export is still an arrow to the
        // module that re-exports), and so does the module defining it.
        let written = import.item.split("::").nth(1).unwrap_or("");
        let defining = import.to.first().map_or("", String::as_str);
        let from = import.from[0].as_str();
        let forbidden = FORBIDDEN_BETWEEN_MODES
            .iter()
            .any(|(a, b)| *a == from && (*b == written || *b == defining));
        if forbidden {
            found.insert((import.file.clone(), import.item.clone()));
        }
    }
    let known: BTreeSet<(String, String)> = KNOWN_MODE_IMPORTS
        .iter()
        .map(|(f, i)| (f.to_string(), i.to_string()))
        .collect();
    let new: Vec<String> = found
        .difference(&known)
        .map(|(f, i)| format!("{f}: imports {i}"))
        .collect();
    let gone: Vec<String> = known
        .difference(&found)
        .map(|(f, i)| format!("(\"{f}\", \"{i}\")"))
        .collect();
    assert!(
        new.is_empty(),
        "imports across modes (serve, load, bench are siblings; load does not use shard):\n{}",
        new.join("\n")
    );
    assert!(
        gone.is_empty(),
        "gone, so remove them from KNOWN_MODE_IMPORTS:\n{}",
        gone.join("\n")
    );
}

/// The tour at the top of `src/lib.rs` names every top-level module.
#[test]
fn the_lib_tour_names_every_module() {
    let lib = std::fs::read_to_string("src/lib.rs").unwrap();
    let tour: String = lib
        .lines()
        .filter_map(|l| l.strip_prefix("//!"))
        .collect::<Vec<_>>()
        .join(" ");
    let missing: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod ")?.strip_suffix(';'))
        .filter(|m| !tour.contains(&format!("`{m}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "src/lib.rs's tour does not name {missing:?}"
    );
}
