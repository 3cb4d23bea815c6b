//! Loading policy libraries from folders, safely: only `.policy` files under the root are
//! read, and symbolic links that lead outside the root are refused.

use std::path::{Path, PathBuf};

use crate::diag::{Code, Diagnostic};
use crate::limits::Limits;
use crate::source::{SourceFile, printable};

include!(concat!(env!("OUT_DIR"), "/stdlib.rs"));

/// The standard library's sources.
pub fn standard_sources() -> Vec<SourceFile> {
    STANDARD_LIBRARY
        .iter()
        .map(|(name, text)| {
            SourceFile::new(
                format!("<std>/{}", name.trim_start_matches("policies/")),
                *text,
            )
        })
        .collect()
}

/// Reads every `.policy` file under `root` (recursively, in path order), each at most
/// `limits.max_input_bytes`. Nothing outside the root is read: a link that leads out of it
/// is an error; a link inside it is followed, and a file reached twice (by its path and
/// through a link) is read once.
pub fn read_dir(root: &Path, limits: &Limits) -> Result<Vec<SourceFile>, Vec<Diagnostic>> {
    let canon_root = std::fs::canonicalize(root).map_err(|e| {
        vec![
            Diagnostic::bare(
                Code::Io,
                format!(
                    "cannot read policy folder `{}`: {e}",
                    printable(&root.display().to_string())
                ),
            )
            .with_help("pass an existing folder with --policies"),
        ]
    })?;
    if !canon_root.is_dir() {
        return Err(vec![
            Diagnostic::bare(
                Code::LibraryPath,
                format!(
                    "`{}` is not a folder",
                    printable(&root.display().to_string())
                ),
            )
            .with_help("--policies takes the folder that holds the `.policy` files"),
        ]);
    }
    let mut files = Vec::new();
    let mut errors = Vec::new();
    walk(root, &canon_root, &mut files, &mut errors, 0);
    files.sort();
    // The same file through a link and by its own path: read once, by the first path.
    let mut seen = std::collections::BTreeSet::new();
    let mut sources = Vec::new();
    for (path, canon) in files {
        if !seen.insert(canon) {
            continue;
        }
        match SourceFile::read(&path, limits.max_input_bytes) {
            Ok(src) => sources.push(src),
            Err(d) => errors.push(d),
        }
    }
    if sources.is_empty() && errors.is_empty() {
        errors.push(
            Diagnostic::bare(
                Code::LibraryPath,
                format!(
                    "no `.policy` files in `{}`",
                    printable(&root.display().to_string())
                ),
            )
            .with_help("a policy library is a folder of `.policy` files"),
        );
    }
    if errors.is_empty() {
        Ok(sources)
    } else {
        Err(errors)
    }
}

/// Whether a path names a policy file (`.policy`, in any case).
fn is_policy(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("policy"))
}

/// Collects `(path, canonical path)` of the policy files under `dir`.
fn walk(
    dir: &Path,
    root: &Path,
    out: &mut Vec<(PathBuf, PathBuf)>,
    errors: &mut Vec<Diagnostic>,
    depth: u32,
) {
    if depth > 64 {
        errors.push(Diagnostic::bare(
            Code::LibraryPath,
            format!(
                "`{}` is nested too deeply",
                printable(&dir.display().to_string())
            ),
        ));
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        errors.push(Diagnostic::bare(
            Code::Io,
            format!(
                "cannot read folder `{}`",
                printable(&dir.display().to_string())
            ),
        ));
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        let shown = printable(&path.display().to_string()).into_owned();
        if meta.file_type().is_symlink() {
            let target = match std::fs::canonicalize(&path) {
                Ok(t) => t,
                Err(e) => {
                    if is_policy(&path) {
                        errors.push(
                            Diagnostic::bare(
                                Code::LibraryPath,
                                format!("`{shown}` is a link that leads nowhere: {e}"),
                            )
                            .with_help("remove the link, or point it at a file in the library (a link loop cannot be read)"),
                        );
                    }
                    continue;
                }
            };
            if !target.starts_with(root) {
                if is_policy(&path) || target.is_dir() {
                    errors.push(
                        Diagnostic::bare(
                            Code::LibraryPath,
                            format!("`{shown}` is a link that leads outside the policy library"),
                        )
                        .with_help("a library may only read files under its own folder; copy the file in instead"),
                    );
                }
                continue;
            }
            if target.is_dir() {
                // Links to folders inside the root are skipped: their files are read once, through the real path.
                continue;
            }
            if is_policy(&path) {
                out.push((path, target));
            }
            continue;
        }
        if meta.is_dir() {
            walk(&path, root, out, errors, depth + 1);
        } else if is_policy(&path) {
            let canon = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
            out.push((path, canon));
        }
    }
}
