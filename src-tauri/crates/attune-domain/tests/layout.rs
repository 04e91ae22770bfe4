//! The crate's layout holds as `lib.rs` describes it, read from the source itself (not from
//! anything the crate says of itself):
//! - no two modules depend on each other, through any chain (`calendars` and `plans` once did);
//! - the pure rules (`src/rules/`) depend on nothing of the crate but its error type.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `src/planning/plans.rs` → `planning::plans`; `src/rules/mod.rs` → `rules`.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .filter(|c| c != "mod")
        .collect();
    parts.join("::")
}

/// Every `crate::a::b::…` path in a file's code (comments skipped), as written.
fn crate_paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            let after = &rest[i + "crate::".len()..];
            // A `use crate::{a, b::c}` group: each item is a path of its own.
            if let Some(group) = after.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                for item in group[..end].split(',') {
                    let item: String = item
                        .trim()
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                        .collect();
                    if !item.is_empty() {
                        out.push(item);
                    }
                }
            } else {
                let path: String = after
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                out.push(path.trim_end_matches(':').to_string());
            }
            rest = after;
        }
    }
    out
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeMap<String, PathBuf> = files
        .iter()
        .map(|f| (module_of(&src, f), f.clone()))
        .filter(|(m, _)| m != "lib")
        .collect();
    let mut g = BTreeMap::new();
    for (m, file) in &modules {
        let text = std::fs::read_to_string(file).unwrap();
        let mut deps = BTreeSet::new();
        for path in crate_paths(&text) {
            let parts: Vec<&str> = path.split("::").collect();
            // The longest prefix that names a module is what the path depends on.
            if let Some(dep) = (1..=parts.len())
                .rev()
                .map(|k| parts[..k].join("::"))
                .find(|p| modules.contains_key(p))
            {
                if &dep != m {
                    deps.insert(dep);
                }
            }
        }
        g.insert(m.clone(), deps);
    }
    g
}

#[test]
fn the_source_is_read_as_modules() {
    // The oracle itself works: a known dependency of each kind is seen.
    let g = graph();
    assert!(g["planning::plans"].contains("planning::calendars"));
    assert!(g["planning::plans"].contains("rules::schedule"));
    assert!(g["record::pupils"].contains("access"));
    assert!(g.len() >= 30, "{} modules", g.len());
}

#[test]
fn no_module_depends_on_itself_through_others() {
    let g = graph();
    // Depth-first search for a back edge, reporting the cycle.
    fn visit(
        m: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == m) {
            let mut cycle = path[i..].to_vec();
            cycle.push(m.to_string());
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_string());
        for d in g.get(m).into_iter().flatten() {
            if let Some(c) = visit(d, g, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(m.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for m in g.keys() {
        if let Some(cycle) = visit(m, &g, &mut Vec::new(), &mut done) {
            panic!("modules depend on each other: {}", cycle.join(" → "));
        }
    }
}

#[test]
fn the_rules_depend_on_nothing_but_the_error_type() {
    for (m, deps) in graph() {
        if m == "rules" || m.starts_with("rules::") {
            let outside: Vec<&String> = deps
                .iter()
                .filter(|d| !(d.as_str() == "error" || d.starts_with("rules")))
                .collect();
            assert!(outside.is_empty(), "{m} depends on {outside:?}");
        }
    }
}
