//! Embeds the standard library (`policies/**/*.policy`) into the library, and its tests
//! (`policies/tests/*`: `.proposal`, `.json`, `.expect`) into the command line, so that
//! `pactum lint` and `pactum test` without `--policies` work on it from any folder; and, for
//! `pactum serve`, the standard library's examples and the workbench page
//! (`src/cli/serve/assets/`, the files its `manifest.txt` lists).

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

/// Writes `OUT_DIR/assets.rs`: the workbench page's files, as `(name, bytes)`, each file the
/// manifest lists (one name per line; names are plain file names in the folder).
fn embed_assets(dir: &Path) {
    let manifest = dir.join("manifest.txt");
    println!("cargo:rerun-if-changed={}", manifest.display());
    let listed = std::fs::read_to_string(&manifest).unwrap_or_default();
    let mut code = String::from(
        "/// The workbench page's files (`src/cli/serve/assets/`): (name, bytes).\n\
         pub static ASSETS: &[(&str, &[u8])] = &[\n",
    );
    for name in listed.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let ok = name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
            && !name.starts_with('.');
        let file = dir.join(name);
        if !ok || !file.is_file() {
            println!("cargo:warning=assets manifest lists `{name}`, which is not a file there");
            continue;
        }
        println!("cargo:rerun-if-changed={}", file.display());
        let _ = writeln!(
            code,
            "    ({name:?}, include_bytes!({:?})),",
            file.display().to_string()
        );
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("assets.rs");
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
    let mut examples = Vec::new();
    collect(
        &policies.join("examples"),
        &["proposal", "json"],
        &mut examples,
    );
    embed(
        &root,
        &examples,
        "stdexamples.rs",
        "STANDARD_EXAMPLES",
        "The standard library's example proposals",
    );
    embed_assets(&root.join("src/cli/serve/assets"));
}
