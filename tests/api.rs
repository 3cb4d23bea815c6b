//! The public API is what `docs/api.md` lists: every item the library makes public (the
//! names `src/lib.rs` re-exports, its public modules and their items, and the inherent
//! `pub fn`s of every public type) is named there, and everything `docs/api.md` names as
//! `Type::method` exists. Adding a public item without documenting it fails here.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers report setup failures by panicking"
)]

use std::collections::BTreeSet;
use std::path::Path;

mod common;

fn read(rel: &str) -> String {
    std::fs::read_to_string(common::root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The names of `pub use a::b::{X, Y as Z};` and `pub use a::X;` lines (multi-line lists
/// included), skipping glob re-exports.
fn reexports(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("\npub use ") {
        let after = &rest[i + "\npub use ".len()..];
        let end = after.find(';').expect("a `pub use` ends with `;`");
        let item = &after[..end];
        rest = &after[end..];
        let names = match item.find('{') {
            Some(open) => item[open + 1..].trim_end_matches('}').to_string(),
            None => item.rsplit("::").next().unwrap_or("").to_string(),
        };
        for n in names.split(',') {
            let n = n.trim();
            let n = n.rsplit(" as ").next().unwrap_or(n).trim();
            if !n.is_empty() && n != "*" {
                out.push(n.to_string());
            }
        }
    }
    out
}

/// Top-level `pub fn|struct|enum|const|type|mod|use NAME` items of a module file.
fn items(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        for kw in [
            "pub fn ",
            "pub struct ",
            "pub enum ",
            "pub const ",
            "pub type ",
            "pub mod ",
        ] {
            if let Some(rest) = line.strip_prefix(kw) {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                out.push(name);
            }
        }
        if line.starts_with("pub use ") {
            out.extend(reexports(&format!("\n{line}")));
        }
    }
    out
}

/// The `pub fn`s of every inherent `impl TYPE` (or `impl<...> TYPE<...>`) block in `text`.
fn methods(text: &str, ty: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        if line.starts_with("impl") {
            let head = line.trim_end_matches('{').trim();
            let head = head.strip_prefix("impl").unwrap_or(head);
            let head = if head.starts_with('<') {
                head.split_once("> ").map_or(head, |(_, h)| h)
            } else {
                head.trim_start()
            };
            let name: String = head
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            inside = name == ty && !head.contains(" for ");
            continue;
        }
        if line == "}" {
            inside = false;
        }
        if inside {
            if let Some(rest) = line.strip_prefix("    pub fn ") {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                out.push(name);
            }
        }
    }
    out
}

fn library_sources() -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![common::root().join("src")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                if p.file_name().is_some_and(|n| n != "cli") {
                    stack.push(p);
                }
            } else if p.extension().is_some_and(|x| x == "rs")
                && p != Path::new(&common::root().join("src/main.rs"))
            {
                out.push(std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn docs_api_md_lists_the_public_api() {
    let lib = read("src/lib.rs");
    let doc = read("docs/api.md");
    let mut missing = BTreeSet::new();
    let named = |s: &str| doc.contains(&format!("`{s}`")) || doc.contains(&format!("`{s}:"));
    let types = reexports(&lib);
    assert!(types.len() > 20, "{types:?}");
    for t in &types {
        if !named(t) {
            missing.insert(t.clone());
        }
    }
    for (module, file) in [
        ("lint", "src/lint/mod.rs"),
        ("testing", "src/testing.rs"),
        ("fmt", "src/fmt/mod.rs"),
    ] {
        for item in items(&read(file)) {
            let path = format!("{module}::{item}");
            if !doc.contains(&format!("`{path}`")) {
                missing.insert(path);
            }
        }
    }
    let syntax = lib.split("pub mod syntax").nth(1).expect("a syntax module");
    for item in reexports(&format!("\n{}", syntax.split('}').next().unwrap_or(""))) {
        let path = format!("syntax::{item}");
        if !doc.contains(&format!("`{path}`")) {
            missing.insert(path);
        }
    }
    let sources = library_sources();
    let mut all_methods = BTreeSet::new();
    for t in &types {
        for text in &sources {
            for m in methods(text, t) {
                let path = format!("{t}::{m}");
                if !named(&path) {
                    missing.insert(path.clone());
                }
                all_methods.insert(path);
            }
        }
    }
    assert!(
        missing.is_empty(),
        "public items not listed in docs/api.md: {missing:?}"
    );

    // And the other way: every `Type::method` docs/api.md names exists.
    let mut stale = Vec::new();
    for piece in doc.split('`').skip(1).step_by(2) {
        if let Some((t, m)) = piece.split_once("::") {
            let is_method = types.contains(&t.to_string())
                && m.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                && !m.is_empty();
            if is_method && !all_methods.contains(piece) && !["Limits::default"].contains(&piece) {
                stale.push(piece.to_string());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "docs/api.md names what does not exist: {stale:?}"
    );
}

/// The test above would notice: its parsers find what they look for.
#[test]
fn the_api_listing_is_not_vacuous() {
    assert_eq!(
        reexports("\npub use a::{B, C as D};\npub use e::F;\npub use g::*;"),
        ["B", "D", "F"]
    );
    assert_eq!(
        methods(
            "impl<'a> X<'a> {\n    pub fn f(&self) {}\n    fn g() {}\n}\nimpl Y for X {\n    pub fn h() {}\n}\n",
            "X"
        ),
        ["f"]
    );
    assert_eq!(
        items("pub fn a() {}\npub(crate) fn b() {}\npub struct C;"),
        ["a", "C"]
    );
}
