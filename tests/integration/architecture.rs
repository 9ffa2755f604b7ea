//! The shape of the library: its module import graph has no cycles, each module imports only
//! from its step of the pipeline and the steps before (docs/layout.md), and no code outside
//! `src/law/` tells the law families apart by name.
//!
//! The graph is read from the source: every `use` tree and every `crate::`, `super::` and
//! `self::` path outside test code is resolved to the file of the module it names. An edge
//! between a module and one of its ancestors (a child using what its parent's `mod.rs`
//! defines, or the parent re-exporting a child) is part of one module and not counted; every
//! other edge is, across files of different modules (`plot/chart` and `plot/legend`, `data` and
//! `fit`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The library's source folder.
fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file of the library (not the command line, not test files), by module path.
fn library_files() -> BTreeMap<Vec<String>, PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("src is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&src(), &mut files);
    files
        .into_iter()
        .filter_map(|path| {
            let rel = path.strip_prefix(src()).ok()?.with_extension("");
            let mut module: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(
                module.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                module.pop();
            }
            let test_file = module.iter().any(|m| m == "tests" || m.ends_with("_tests"));
            let front_end = module.first().is_some_and(|m| m == "cli")
                || path.file_name().is_some_and(|f| f == "main.rs");
            (!test_file && !front_end).then_some((module, path))
        })
        .collect()
}

/// The code of a file without comments and without test code: a `#[cfg(test)]` module block
/// ends the code (test modules come last), a `#[cfg(test)]` item of one line is left out.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("a source file");
    let mut out = Vec::new();
    let mut lines = text
        .lines()
        .map(str::trim_start)
        .filter(|l| !l.starts_with("//"));
    while let Some(line) = lines.next() {
        if line.starts_with("#[cfg(test)]") {
            match lines.next() {
                Some(item) if item.trim_end().ends_with(';') => continue,
                _ => break,
            }
        }
        out.push(line);
    }
    out.join("\n")
}

/// The paths of a `use` tree, braces expanded: `a::{b, c::{d, e}}` gives `a::b`, `a::c::d`,
/// `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        let path = tree.split(" as ").next().unwrap_or(tree).trim();
        return vec![path.to_string()];
    };
    let Some(close) = tree.rfind('}').filter(|&c| c > open) else {
        return Vec::new();
    };
    let (prefix, inner) = (&tree[..open], &tree[open + 1..close]);
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, ch) in inner.char_indices() {
        match ch {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .flat_map(|p| expand(p).into_iter().map(move |e| format!("{prefix}{e}")))
        .collect()
}

/// Every path of `code` that starts at `crate`, `super` or `self`.
fn paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut lines = code.lines();
    while let Some(line) = lines.next() {
        let s = line.trim_start();
        let s = s
            .strip_prefix("pub(crate) ")
            .or_else(|| s.strip_prefix("pub(super) "))
            .or_else(|| s.strip_prefix("pub "))
            .unwrap_or(s);
        let Some(start) = s.strip_prefix("use ") else {
            continue;
        };
        let mut tree = start.to_string();
        while !tree.contains(';') {
            match lines.next() {
                Some(more) => tree.push_str(more),
                None => break,
            }
        }
        out.extend(expand(tree.split(';').next().unwrap_or("")));
    }
    let bytes = code.as_bytes();
    for root in ["crate::", "super::", "self::"] {
        for (i, _) in code.match_indices(root) {
            let starts_word =
                i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
            if !starts_word {
                continue;
            }
            let end = code[i..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .map_or(code.len(), |e| i + e);
            out.push(code[i..end].trim_end_matches(':').to_string());
        }
    }
    out
}

/// The module `path` names from inside `module`: the longest prefix that is a file.
fn resolve(
    module: &[String],
    path: &str,
    files: &BTreeMap<Vec<String>, PathBuf>,
) -> Option<Vec<String>> {
    let mut segments = path.split("::").filter(|s| !s.is_empty());
    let mut current: Vec<String> = match segments.next()? {
        "crate" => Vec::new(),
        "super" => module[..module.len().saturating_sub(1)].to_vec(),
        "self" => module.to_vec(),
        _ => return None,
    };
    for segment in segments {
        match segment {
            "super" => {
                current.pop();
            }
            "self" => {}
            name => {
                let mut next = current.clone();
                next.push(name.to_string());
                if !files.contains_key(&next) {
                    break;
                }
                current = next;
            }
        }
    }
    Some(current)
}

/// The edges between modules, ancestor/descendant edges left out.
fn import_graph() -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let files = library_files();
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (module, path) in &files {
        for p in paths(&code(path)) {
            let Some(target) = resolve(module, &p, &files) else {
                continue;
            };
            let related = target.starts_with(module) || module.starts_with(&target);
            if !related {
                edges.entry(module.clone()).or_default().insert(target);
            }
        }
    }
    edges
}

/// The strongly connected components with more than one module (Tarjan's algorithm).
fn cycles(edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<String>> {
    struct State<'a> {
        edges: &'a BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        index: BTreeMap<&'a Vec<String>, usize>,
        low: BTreeMap<&'a Vec<String>, usize>,
        stack: Vec<&'a Vec<String>>,
        on_stack: BTreeSet<&'a Vec<String>>,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a Vec<String>) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.edges.get(v).into_iter().flatten() {
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.join("/"));
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                s.found.push(component);
            }
        }
    }
    let mut state = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in edges.keys() {
        if !state.index.contains_key(v) {
            visit(&mut state, v);
        }
    }
    state.found
}

#[test]
fn the_module_import_graph_has_no_cycles() {
    let edges = import_graph();
    // The reader sees what it must: the edges the library is built on.
    let reaches = |from: &[&str], to: &str| {
        let from: Vec<String> = from.iter().map(|s| s.to_string()).collect();
        edges
            .get(&from)
            .is_some_and(|t| t.iter().any(|m| m.first().is_some_and(|f| f == to)))
    };
    assert!(reaches(&["commands", "optimal"], "answer"));
    assert!(reaches(&["fit"], "law") && reaches(&["plot", "legend"], "plot"));
    assert!(
        edges.len() > 60,
        "only {} modules import others",
        edges.len()
    );
    let found = cycles(&edges);
    assert!(found.is_empty(), "import cycles between modules: {found:?}");
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let m = |s: &str| vec![s.to_string()];
    let mut edges = BTreeMap::new();
    edges.insert(m("a"), BTreeSet::from([m("b")]));
    edges.insert(m("b"), BTreeSet::from([m("c")]));
    edges.insert(m("c"), BTreeSet::from([m("a")]));
    edges.insert(m("d"), BTreeSet::from([m("a")]));
    assert_eq!(cycles(&edges).len(), 1);
    assert_eq!(
        expand("super::{chart::{Chart, PixelRect}, render::Area as A}"),
        [
            "super::chart::Chart",
            "super::chart::PixelRect",
            "super::render::Area"
        ]
    );
}

#[test]
fn no_code_outside_the_law_module_tells_families_apart_by_name() {
    let names = ["chinchilla", "kaplan", "compute", "data-constrained"];
    let mut found = Vec::new();
    for (module, path) in library_files() {
        if module.first().is_some_and(|m| m == "law") {
            continue;
        }
        let code = code(&path);
        for name in names {
            let literal = format!("\"{name}\"");
            for pattern in [
                format!("== {literal}"),
                format!("!= {literal}"),
                format!("{literal} =>"),
            ] {
                if code.contains(&pattern) {
                    found.push(format!("{}: {pattern}", path.display()));
                }
            }
        }
    }
    assert!(found.is_empty(), "families matched by name: {found:?}");
}

/// The step of the pipeline a top-level module belongs to (see docs/layout.md); a module
/// imports only from its own step and the steps before it.
fn step(module: &str) -> Option<usize> {
    let steps: [&[&str]; 10] = [
        &[
            "error",
            "finite",
            "progress",
            "stats",
            "fields",
            "resources",
            "output",
            "warnings",
        ],
        &["law"],
        &["data", "fetch"],
        &["fit", "uncertainty", "approaches", "curve", "task"],
        &["plan"],
        &["answer", "check"],
        &["design"],
        &["saved", "plot", "figures"],
        &["commands"],
        &["report"],
    ];
    steps.iter().position(|s| s.contains(&module))
}

#[test]
fn modules_import_only_from_their_step_of_the_pipeline_and_the_steps_before() {
    let edges = import_graph();
    let mut upward = Vec::new();
    for (from, targets) in &edges {
        let Some(f) = from.first() else { continue };
        for to in targets {
            let Some(t) = to.first() else { continue };
            let (Some(a), Some(b)) = (step(f), step(t)) else {
                upward.push(format!("{} or {} has no step", f, t));
                continue;
            };
            if b > a {
                upward.push(format!("{} -> {}", from.join("::"), to.join("::")));
            }
        }
    }
    assert!(upward.is_empty(), "imports that run upward: {upward:#?}");
}
