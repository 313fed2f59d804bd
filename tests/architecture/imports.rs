//! Who imports whom inside `src/`: every `use` tree and every path that
//! starts with `crate::`, `super::`, `self::` or a child module, resolved
//! through `pub use` re-exports to the module that defines the item.
//! Comments and string literals are ignored; `#[cfg(test)]` code counts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module's path from the crate root: `["model", "message"]`.
pub type ModulePath = Vec<String>;

/// One reference from a file to an item of another module.
#[derive(Debug, Clone)]
pub struct Import {
    /// `src/load/partial.rs`.
    pub file: String,
    /// The module the file is (inline modules included).
    pub from: ModulePath,
    /// The module that defines the item (after re-exports).
    pub to: ModulePath,
    /// The path as written, made absolute: `crate::shard::PartialError`.
    pub item: String,
}

/// Every module of the crate and what each file imports.
pub struct Crate {
    modules: BTreeSet<ModulePath>,
    /// `(module, name)` -> the absolute path a `pub use` makes it stand for.
    reexports: BTreeMap<(ModulePath, String), ModulePath>,
    pub imports: Vec<Import>,
}

impl Crate {
    pub fn read(src: &Path) -> Crate {
        let mut files = Vec::new();
        rust_files(src, &mut files);
        files.sort();
        let mut sources = Vec::new();
        let mut modules = BTreeSet::new();
        for file in files {
            let module = module_of(src, &file);
            let code = code_only(&std::fs::read_to_string(&file).unwrap());
            modules.insert(module.clone());
            sources.push((file, module, tokens(&code)));
        }
        let mut krate = Crate {
            modules,
            reexports: BTreeMap::new(),
            imports: Vec::new(),
        };
        let mut found = Vec::new();
        for (file, module, toks) in &sources {
            for path in paths(toks, module, &krate.modules) {
                found.push((file.clone(), path));
            }
        }
        for (_, path) in &found {
            if path.public && path.inline.is_empty() {
                let key = (path.module.clone(), path.binding.clone());
                krate.reexports.insert(key, path.absolute.clone());
            }
        }
        for (file, path) in found {
            let to = krate.defining_module(&path.absolute);
            // A `pub use` of the module's own children is its face, not a
            // dependency.
            if path.public && to.starts_with(&path.module) {
                continue;
            }
            let mut from = path.module.clone();
            from.extend(path.inline.iter().cloned());
            krate.imports.push(Import {
                file: file.display().to_string(),
                from,
                to,
                item: format!("crate::{}", path.absolute.join("::")),
            });
        }
        krate
    }

    /// The module that defines the item at `path`, following re-exports.
    fn defining_module(&self, path: &[String]) -> ModulePath {
        let mut at: ModulePath = Vec::new();
        for (i, segment) in path.iter().enumerate() {
            let mut child = at.clone();
            child.push(segment.clone());
            if self.modules.contains(&child) {
                at = child;
                continue;
            }
            let target = self.reexports.get(&(at.clone(), segment.clone()));
            if let Some(target) = target.filter(|t| t.as_slice() != path) {
                let mut full = target.clone();
                full.extend(path[i + 1..].iter().cloned());
                return self.defining_module(&full);
            }
            break;
        }
        at
    }
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

/// `src/model/message.rs` -> `model::message`; `mod.rs` and `lib.rs` are
/// their directory's module; `main.rs` is a crate of its own, kept apart.
fn module_of(src: &Path, file: &Path) -> ModulePath {
    let relative = file.strip_prefix(src).unwrap();
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    match stem {
        "mod" | "lib" => {}
        "main" => parts.push("<main>".into()),
        _ => parts.push(stem.to_string()),
    }
    parts
}

/// The text with comments, string, byte and char literals blanked (line
/// breaks kept), so that only code is searched.
pub fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |out: &mut String, c: char| out.push(if c == '\n' { '\n' } else { ' ' });
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied().unwrap_or(' ');
        let prev_ident = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if c == '/' && next == '/' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == '*' {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, chars[i]);
                    i += 1;
                }
            }
        } else if c == 'r' && !prev_ident && (next == '"' || next == '#') {
            let mut j = i + 1;
            while chars.get(j) == Some(&'#') {
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let hashes = j - i - 1;
            let closing: String = std::iter::once('"')
                .chain("#".repeat(hashes).chars())
                .collect();
            i = j + 1;
            while i < chars.len() && !chars[i..].starts_with(&closing.chars().collect::<Vec<_>>()) {
                blank(&mut out, chars[i]);
                i += 1;
            }
            i += closing.len();
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                if let Some(&ch) = chars.get(i) {
                    blank(&mut out, ch);
                }
                i += 1;
            }
            i += 1;
        } else if c == '\'' && (next == '\\' || chars.get(i + 2) == Some(&'\'')) {
            // A char literal ('a', '\n', '\u{1F600}'); otherwise a lifetime.
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    PathSep,
    Open,
    Close,
    Comma,
    Semi,
    Star,
    Other(char),
}

fn tokens(code: &str) -> Vec<Tok> {
    let chars: Vec<char> = code.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            toks.push(Tok::Ident(chars[start..i].iter().collect()));
            continue;
        }
        toks.push(match c {
            ':' if chars.get(i + 1) == Some(&':') => {
                i += 1;
                Tok::PathSep
            }
            '{' => Tok::Open,
            '}' => Tok::Close,
            ',' => Tok::Comma,
            ';' => Tok::Semi,
            '*' => Tok::Star,
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            c => Tok::Other(c),
        });
        i += 1;
    }
    toks
}

/// One path found in a file.
struct FoundPath {
    /// The file's module.
    module: ModulePath,
    /// Inline modules (`mod tests { .. }`) around it.
    inline: Vec<String>,
    /// From the crate root.
    absolute: ModulePath,
    /// The name it is bound to (a `use`), or its last segment.
    binding: String,
    /// Part of a `pub use` (any visibility).
    public: bool,
}

/// Every in-crate path of a file: `use` trees expanded, and paths in code
/// starting with `crate`, `super`, `self` or a child module.
fn paths(toks: &[Tok], module: &ModulePath, modules: &BTreeSet<ModulePath>) -> Vec<FoundPath> {
    let mut found = Vec::new();
    // Inline modules: name and the brace depth their body opened at.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < toks.len() {
        let here: ModulePath = module
            .iter()
            .chain(inline.iter().map(|(n, _)| n))
            .cloned()
            .collect();
        match &toks[i] {
            Tok::Open => depth += 1,
            Tok::Close => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
            }
            Tok::Ident(k) if k == "mod" => {
                if let (Some(Tok::Ident(name)), Some(Tok::Open)) =
                    (toks.get(i + 1), toks.get(i + 2))
                {
                    inline.push((name.clone(), depth + 1));
                    depth += 1;
                    i += 3;
                    continue;
                }
            }
            Tok::Ident(k) if k == "use" => {
                let public = is_public(toks, i);
                let end = (i..toks.len())
                    .find(|&j| toks[j] == Tok::Semi)
                    .unwrap_or(toks.len());
                let mut pos = i + 1;
                for (path, binding) in use_tree(&toks[..end], &mut pos, Vec::new()) {
                    if let Some(absolute) = absolute(&path, &here, modules) {
                        found.push(FoundPath {
                            module: module.clone(),
                            inline: inline.iter().map(|(n, _)| n.clone()).collect(),
                            absolute,
                            binding,
                            public,
                        });
                    }
                }
                i = end + 1;
                continue;
            }
            Tok::Ident(first)
                if (i == 0 || toks[i - 1] != Tok::PathSep)
                    && toks.get(i + 1) == Some(&Tok::PathSep) =>
            {
                let mut path = vec![first.clone()];
                let mut j = i + 1;
                while toks.get(j) == Some(&Tok::PathSep) {
                    match toks.get(j + 1) {
                        Some(Tok::Ident(s)) => path.push(s.clone()),
                        _ => break,
                    }
                    j += 2;
                }
                if let Some(absolute) = absolute(&path, &here, modules) {
                    found.push(FoundPath {
                        module: module.clone(),
                        inline: inline.iter().map(|(n, _)| n.clone()).collect(),
                        binding: path.last().unwrap().clone(),
                        absolute,
                        public: false,
                    });
                }
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    found
}

/// Whether the `use` at `at` is `pub`, `pub(crate)`, `pub(super)`...
fn is_public(toks: &[Tok], at: usize) -> bool {
    match at.checked_sub(1).map(|k| &toks[k]) {
        Some(Tok::Ident(p)) => p == "pub",
        Some(Tok::Other(')')) => (0..at)
            .rev()
            .find(|&k| toks[k] == Tok::Other('('))
            .and_then(|k| k.checked_sub(1))
            .is_some_and(|k| toks[k] == Tok::Ident("pub".into())),
        _ => false,
    }
}

/// Expands a use tree from `pos` into (path, bound name) pairs.
fn use_tree(toks: &[Tok], pos: &mut usize, mut prefix: Vec<String>) -> Vec<(Vec<String>, String)> {
    if toks.get(*pos) == Some(&Tok::PathSep) {
        *pos += 1;
    }
    loop {
        match toks.get(*pos) {
            Some(Tok::Ident(s)) => {
                *pos += 1;
                if s != "self" || prefix.is_empty() {
                    prefix.push(s.clone());
                }
                match toks.get(*pos) {
                    Some(Tok::PathSep) => *pos += 1,
                    Some(Tok::Ident(a)) if a == "as" => {
                        let binding = match toks.get(*pos + 1) {
                            Some(Tok::Ident(b)) => b.clone(),
                            _ => String::new(),
                        };
                        *pos += 2;
                        return vec![(prefix, binding)];
                    }
                    _ => {
                        let binding = prefix.last().cloned().unwrap_or_default();
                        return vec![(prefix, binding)];
                    }
                }
            }
            Some(Tok::Star) => {
                *pos += 1;
                prefix.push("*".into());
                return vec![(prefix, "*".into())];
            }
            Some(Tok::Open) => {
                *pos += 1;
                let mut all = Vec::new();
                while *pos < toks.len() && toks[*pos] != Tok::Close {
                    all.extend(use_tree(toks, pos, prefix.clone()));
                    if toks.get(*pos) == Some(&Tok::Comma) {
                        *pos += 1;
                    }
                }
                *pos += 1;
                return all;
            }
            _ => return Vec::new(),
        }
    }
}

/// `path` as seen from module `here`, made absolute; `None` if it is not
/// in this crate (std, a dependency, a local name).
fn absolute(
    path: &[String],
    here: &ModulePath,
    modules: &BTreeSet<ModulePath>,
) -> Option<ModulePath> {
    let (first, rest) = path.split_first()?;
    let mut at = here.clone();
    let rest = match first.as_str() {
        "crate" => {
            at.clear();
            rest
        }
        "self" => rest,
        "super" => {
            at.pop();
            let mut rest = rest;
            while rest.first().is_some_and(|s| s == "super") {
                at.pop();
                rest = &rest[1..];
            }
            rest
        }
        _ => {
            let mut child = here.clone();
            child.push(first.clone());
            if !modules.contains(&child) {
                return None;
            }
            path
        }
    };
    at.extend(rest.iter().cloned());
    Some(at)
}

/// A cycle in `edges` (each node's targets), as `a -> b -> a`, if any:
/// one per strongly connected component.
pub fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let mut found = Vec::new();
    let mut done: BTreeSet<String> = BTreeSet::new();
    for start in edges.keys() {
        if done.contains(start) {
            continue;
        }
        // Breadth-first from `start` back to `start`: the shortest cycle.
        let mut came_from: BTreeMap<String, String> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start.clone()]);
        let mut closed = None;
        while let Some(node) = queue.pop_front() {
            for next in edges.get(&node).into_iter().flatten() {
                if next == start {
                    closed = Some(node.clone());
                    break;
                }
                if !came_from.contains_key(next) {
                    came_from.insert(next.clone(), node.clone());
                    queue.push_back(next.clone());
                }
            }
            if closed.is_some() {
                break;
            }
        }
        if let Some(last) = closed {
            let mut path = vec![start.clone(), last.clone()];
            let mut node = last;
            while node != *start {
                node = came_from[&node].clone();
                path.push(node.clone());
            }
            path.reverse();
            done.extend(path.iter().cloned());
            found.push(path.join(" -> "));
        }
    }
    found
}
