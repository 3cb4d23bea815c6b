//! Embeds the standard library (`policies/**/*.policy`) into the library, and its tests
//! (`policies/tests/*`: `.proposal`, `.json`, `.expect`) into the command line, so that
//! `pactum lint` and `pactum test` without `--policies` work on it from any folder.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(&p, exts, out);
        } else if p
            .extension()
            .is_some_and(|e| exts.iter().any(|x| e.eq_ignore_ascii_case(x)))
        {
            out.push(p);
        }
    }
}

/// Writes `OUT_DIR/NAME`: a static `ITEM` of (path relative to the package, text) pairs.
fn embed(root: &Path, files: &[PathBuf], name: &str, item: &str, doc: &str) {
    let mut code = format!("/// {doc}: (name, text).\npub static {item}: &[(&str, &str)] = &[\n");
    for f in files {
        println!("cargo:rerun-if-changed={}", f.display());
        let rel = f.strip_prefix(root).unwrap_or(f);
        let _ = writeln!(
            code,
            "    ({:?}, include_str!({:?})),",
            rel.display().to_string(),
            f.display().to_string()
        );
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join(name);
    if let Err(e) = std::fs::write(&out, code) {
        println!("cargo:warning=cannot write {}: {e}", out.display());
    }
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let policies = root.join("policies");
    println!("cargo:rerun-if-changed=policies");
    let mut files = Vec::new();
    collect(&policies, &["policy"], &mut files);
    embed(
        &root,
        &files,
        "stdlib.rs",
        "STANDARD_LIBRARY",
        "The standard library's files",
    );
    let mut tests = Vec::new();
    collect(
        &policies.join("tests"),
        &["proposal", "json", "expect"],
        &mut tests,
    );
    embed(
        &root,
        &tests,
        "stdtests.rs",
        "STANDARD_TESTS",
        "The standard library's tests",
    );
}
