//! Loading policy libraries from folders, safely: only `.policy` files under the root are
//! read, and symbolic links that lead outside the root are refused.

use std::path::{Path, PathBuf};

use crate::diag::{Code, Diagnostic};
use crate::source::SourceFile;

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

/// Reads every `.policy` file under `root` (recursively, in path order).
pub fn read_dir(root: &Path) -> Result<Vec<SourceFile>, Vec<Diagnostic>> {
    let canon_root = std::fs::canonicalize(root).map_err(|e| {
        vec![
            Diagnostic::bare(
                Code::Io,
                format!("cannot read policy folder `{}`: {e}", root.display()),
            )
            .with_help("pass an existing folder with --policies"),
        ]
    })?;
    if !canon_root.is_dir() {
        return Err(vec![
            Diagnostic::bare(
                Code::LibraryPath,
                format!("`{}` is not a folder", root.display()),
            )
            .with_help("--policies takes the folder that holds the `.policy` files"),
        ]);
    }
    let mut files = Vec::new();
    let mut errors = Vec::new();
    walk(root, &canon_root, &mut files, &mut errors, 0);
    files.sort();
    let mut sources = Vec::new();
    for path in files {
        match std::fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => sources.push(SourceFile::new(path.display().to_string(), text)),
                Err(e) => errors.push(
                    Diagnostic::bare(
                        Code::NotUtf8,
                        format!(
                            "`{}` is not UTF-8 (invalid byte at offset {})",
                            path.display(),
                            e.utf8_error().valid_up_to()
                        ),
                    )
                    .with_help("save the file as UTF-8"),
                ),
            },
            Err(e) => errors.push(Diagnostic::bare(
                Code::Io,
                format!("cannot read `{}`: {e}", path.display()),
            )),
        }
    }
    if sources.is_empty() && errors.is_empty() {
        errors.push(
            Diagnostic::bare(
                Code::LibraryPath,
                format!("no `.policy` files in `{}`", root.display()),
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

fn walk(dir: &Path, root: &Path, out: &mut Vec<PathBuf>, errors: &mut Vec<Diagnostic>, depth: u32) {
    if depth > 64 {
        errors.push(Diagnostic::bare(
            Code::LibraryPath,
            format!("`{}` is nested too deeply", dir.display()),
        ));
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        errors.push(Diagnostic::bare(
            Code::Io,
            format!("cannot read folder `{}`", dir.display()),
        ));
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.file_type().is_symlink() {
            match std::fs::canonicalize(&path) {
                Ok(target) if target.starts_with(root) => {}
                _ => {
                    if path.extension().is_some_and(|e| e == "policy") || path.is_dir() {
                        errors.push(
                            Diagnostic::bare(
                                Code::LibraryPath,
                                format!("`{}` is a link that leads outside the policy library", path.display()),
                            )
                            .with_help("a library may only read files under its own folder; copy the file in instead"),
                        );
                    }
                    continue;
                }
            }
            if path.is_dir() {
                // Links to folders inside the root are skipped: their files are read once, through the real path.
                continue;
            }
        }
        if path.is_dir() {
            walk(&path, root, out, errors, depth + 1);
        } else if path.extension().is_some_and(|e| e == "policy") {
            out.push(path);
        }
    }
}
