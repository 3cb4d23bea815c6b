//! Which policy library a document is checked against, and the libraries themselves.
//!
//! A document's library is found from its path: the nearest ancestor folder with a
//! `pactum.toml` (its `policies` key names the library's folder, relative to the file;
//! default: that folder itself); else, for a `.policy` document, its own folder; else the
//! nearest ancestor folder that holds `.policy` files; else the standard library. A
//! library is built once and kept until one of its policy files changes (an open buffer
//! is edited or saved, or the client reports a file changed on disk); open buffers
//! override the files on disk.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use pactum::lint::{LintOptions, lint};
use pactum::{Diagnostic, Engine, Limits, SourceFile};

use super::index::Index;

/// A library's identity: the standard library or a folder (canonical when it exists).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LibKey {
    /// The standard library built in.
    Standard,
    /// The `.policy` files under a folder.
    Dir(PathBuf),
}

/// `pactum.toml`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    /// The library's folder, relative to the manifest.
    policies: Option<String>,
}

/// The library of a document at `path` (`policy`: a `.policy` document).
pub fn discover(path: &Path, policy: bool) -> LibKey {
    let Some(dir) = path.parent() else {
        return LibKey::Standard;
    };
    for a in dir.ancestors() {
        let manifest = a.join("pactum.toml");
        if manifest.is_file() {
            let folder = std::fs::read_to_string(&manifest)
                .ok()
                .and_then(|t| match toml::from_str::<Manifest>(&t) {
                    Ok(m) => m.policies,
                    Err(e) => {
                        eprintln!(
                            "pactum-lsp: {}: {}",
                            pactum::printable(&manifest.display().to_string()),
                            pactum::printable(&e.to_string())
                        );
                        None
                    }
                })
                .unwrap_or_else(|| ".".to_string());
            return LibKey::Dir(canonical(&a.join(folder)));
        }
    }
    if policy {
        return LibKey::Dir(canonical(dir));
    }
    for a in dir.ancestors() {
        let has_policy = std::fs::read_dir(a).is_ok_and(|entries| {
            entries.flatten().any(|e| {
                e.path()
                    .extension()
                    .is_some_and(|x| x.eq_ignore_ascii_case("policy"))
                    && e.path().is_file()
            })
        });
        if has_policy {
            return LibKey::Dir(canonical(a));
        }
    }
    LibKey::Standard
}

/// The canonical form of a path, or the path itself when it does not exist.
pub fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// A built library.
#[derive(Debug)]
pub struct Library {
    /// Which.
    pub key: LibKey,
    /// The compiled engine, when the library compiles (shared with its lint's thread).
    pub engine: Option<Arc<Engine>>,
    /// Why it does not compile.
    pub errors: Vec<Diagnostic>,
    /// The lint findings (when it compiles and has been linted).
    pub lints: Vec<Diagnostic>,
    /// Where its lint is: not run yet (it runs after the build, in the background), done,
    /// or cut short (cancelled by a newer build never shows: its build is dropped).
    pub lint: LintState,
    /// The schema (when it compiles): attributes with their types, defaults and doc
    /// comments, entity ids by type.
    pub schema: Option<pactum::Schema>,
    /// Names and where they are written (shared with the next build, which keeps the
    /// declarations of a file that no longer parses).
    pub index: Arc<Index>,
    /// Each source's file on disk, by source name.
    pub paths: BTreeMap<String, PathBuf>,
}

/// How far a library's lint went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LintState {
    /// Not run yet (the library does not compile, or its lint is running).
    Pending,
    /// Every question asked.
    Done,
    /// Stopped at its budget ([`LINT_TOTAL_BUDGET`]): findings may be missing.
    CutShort,
}

/// The whole lint's budget in the server, in questions (`LintOptions::total_budget`): the
/// standard library asks a few hundred; a pathological buffer (thousands of near-identical
/// rules) stops here instead of keeping a core busy for minutes, and says so.
pub const LINT_TOTAL_BUDGET: u64 = 50_000;

/// The limits of the server's inputs: `Limits::default()`; in a debug build,
/// `PACTUM_LSP_MAX_INPUT_BYTES=N` lowers `max_input_bytes` (for the tests).
pub fn limits() -> Limits {
    #[allow(unused_mut)]
    let mut limits = Limits::default();
    #[cfg(debug_assertions)]
    if let Some(n) = std::env::var("PACTUM_LSP_MAX_INPUT_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        limits.max_input_bytes = n;
    }
    limits
}

impl Library {
    /// Builds a library (parse, index, compile; not lint: [`Library::lint`]), with the open
    /// `.policy` buffers (path, text) overriding its files. `previous`: the index of its last
    /// build. `None` when `cancel` was set before it was done.
    pub fn build(
        key: &LibKey,
        buffers: &[(PathBuf, String)],
        cache: &Cache,
        previous: Option<&Index>,
        cancel: &AtomicBool,
    ) -> Option<Library> {
        let limits = limits();
        let mut errors = Vec::new();
        let mut sources = match key {
            LibKey::Standard => Engine::standard().sources().to_vec(),
            LibKey::Dir(dir) => match Engine::read_sources(dir, &limits) {
                Ok(s) => s,
                Err(e) => {
                    // No policy file on disk yet (a new buffer) is not an error when
                    // buffers supply them.
                    if buffers.is_empty() {
                        errors.extend(e.into_vec());
                    }
                    Vec::new()
                }
            },
        };
        let mut paths = BTreeMap::new();
        for s in &sources {
            let path = match key {
                LibKey::Standard => cache.std_path(s.name()),
                LibKey::Dir(_) => Some(canonical(Path::new(s.name()))),
            };
            if let Some(p) = path {
                paths.insert(s.name().to_string(), p);
            }
        }
        for (path, text) in buffers {
            // A buffer over the limit is not parsed, indexed or compiled: one diagnostic.
            if text.len() > limits.max_input_bytes {
                let n = paths
                    .iter()
                    .find(|(_, p)| *p == path)
                    .map_or_else(|| path.display().to_string(), |(n, _)| n.clone());
                sources.retain(|s| s.name() != n);
                paths.insert(n.clone(), path.clone());
                errors.push(
                    Diagnostic::error(
                        pactum::Code::LimitSize,
                        format!(
                            "this buffer is {} bytes, more than the limit of {}: it is not checked",
                            text.len(),
                            limits.max_input_bytes
                        ),
                        &SourceFile::new(n, ""),
                        pactum::Span::new(0, 0),
                        "too large to check",
                    )
                    .with_help(
                        "split the file: pactum checks files of up to `Limits::max_input_bytes`",
                    ),
                );
                continue;
            }
            let name = paths
                .iter()
                .find(|(_, p)| *p == path)
                .map(|(n, _)| n.clone());
            match name {
                Some(n) => {
                    if let Some(s) = sources.iter_mut().find(|s| s.name() == n) {
                        *s = SourceFile::new(n, text.as_str());
                    }
                }
                None => {
                    let n = path.display().to_string();
                    paths.insert(n.clone(), path.clone());
                    sources.push(SourceFile::new(n, text.as_str()));
                }
            }
        }
        sources.sort_by(|a, b| a.name().cmp(b.name()));
        let stopped = || cancel.load(Ordering::Relaxed);
        if stopped() {
            return None;
        }
        let index = Arc::new(Index::new(&sources, previous));
        if stopped() {
            return None;
        }
        let engine = if errors.is_empty() {
            match Engine::from_sources_with(sources, &limits) {
                Ok(engine) => Some(Arc::new(engine)),
                Err(e) => {
                    errors.extend(e.into_vec());
                    None
                }
            }
        } else {
            None
        };
        Some(Library {
            key: key.clone(),
            schema: engine.as_deref().map(Engine::schema),
            engine,
            errors,
            lints: Vec::new(),
            lint: LintState::Pending,
            index,
            paths,
        })
    }

    /// Lints a built library under the server's budget; `None` when cancelled (a newer
    /// build replaces it) or when it does not compile.
    pub fn lint(engine: &Engine, cancel: &Arc<AtomicBool>) -> Option<(Vec<Diagnostic>, LintState)> {
        let opts = LintOptions {
            budget: limits().lint_budget,
            total_budget: Some(LINT_TOTAL_BUDGET),
            cancel: Some(Arc::clone(cancel)),
            ..LintOptions::default()
        };
        let report = lint(engine, &opts);
        if cancel.load(Ordering::Relaxed) {
            return None;
        }
        let state = if report.cut_short {
            LintState::CutShort
        } else {
            LintState::Done
        };
        Some((report.diagnostics, state))
    }

    /// A step kind's attribute in the schema.
    pub fn attribute(&self, kind: &str, attr: &str) -> Option<&pactum::AttributeSchema> {
        let schema = self.schema.as_ref()?;
        let k = schema.kinds.iter().find(|k| k.name == kind);
        let fields = match k {
            Some(k) => &k.attributes,
            None => {
                &schema
                    .entity_types
                    .iter()
                    .find(|t| t.name == kind)?
                    .attributes
            }
        };
        fields.iter().find(|a| a.name == attr)
    }

    /// The values an attribute's type takes (entity ids, enum values, `true`/`false`):
    /// from the schema when the library compiles, else from the syntax tree.
    pub fn values_of(&self, kind: &str, attr: &str) -> Vec<(String, String)> {
        let (Some(schema), Some(a)) = (self.schema.as_ref(), self.attribute(kind, attr)) else {
            let Some(f) = self.index.field(kind, attr) else {
                return Vec::new();
            };
            if f.leaves.iter().any(|l| l == "bool") {
                return vec![
                    ("true".into(), "bool".into()),
                    ("false".into(), "bool".into()),
                ];
            }
            return self
                .index
                .values_of(&f.leaves)
                .into_iter()
                .map(|v| {
                    let detail = match self.index.values.get(&v) {
                        Some(super::index::ValueInfo::Fact { ty, .. }) => ty.clone(),
                        Some(super::index::ValueInfo::Variant { of }) => of.clone(),
                        _ => String::new(),
                    };
                    (v, detail)
                })
                .collect();
        };
        let mut ty = &a.ty;
        while let pactum::TypeSchema::Set(t) | pactum::TypeSchema::List(t) = ty {
            ty = t;
        }
        let mut out: Vec<(String, String)> = match ty {
            pactum::TypeSchema::Bool => vec![
                ("true".into(), "bool".into()),
                ("false".into(), "bool".into()),
            ],
            pactum::TypeSchema::Entity(types) => schema
                .entity_types
                .iter()
                .filter(|t| types.contains(&t.name))
                .flat_map(|t| t.entities.iter().map(|e| (e.clone(), t.name.clone())))
                .collect(),
            pactum::TypeSchema::Enum(e) => schema
                .enums
                .iter()
                .filter(|x| x.name == *e)
                .flat_map(|x| x.variants.iter().map(|v| (v.clone(), x.name.clone())))
                .collect(),
            _ => Vec::new(),
        };
        out.sort();
        out.dedup();
        out
    }

    /// Whether a path is one of this library's policy files (or would be, once written).
    pub fn contains(&self, path: &Path) -> bool {
        match &self.key {
            LibKey::Standard => false,
            LibKey::Dir(dir) => path.starts_with(dir),
        }
    }
}

/// The folder where the server writes what the binary embeds and an editor must open as
/// files: the standard library's policy files (for go-to-definition into them) and the
/// diagnostics and lint documentation (the targets of `codeDescription.href`). Written
/// once per version, atomically; `None` when no folder is writable.
#[derive(Clone, Debug, Default)]
pub struct Cache {
    root: Option<PathBuf>,
}

const DIAGNOSTICS_MD: &str = include_str!("../../../docs/diagnostics.md");
const LINTS_MD: &str = include_str!("../../../docs/lints.md");

impl Cache {
    /// Writes the cache (`$XDG_CACHE_HOME/pactum/lsp-VERSION`, else `~/.cache/...`, else
    /// the temporary folder).
    pub fn create() -> Cache {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .unwrap_or_else(std::env::temp_dir);
        let root = base
            .join("pactum")
            .join(concat!("lsp-", env!("CARGO_PKG_VERSION")));
        let mut files: Vec<(PathBuf, String)> = Engine::standard()
            .sources()
            .iter()
            .filter_map(|s| {
                let rel = s.name().strip_prefix("<std>/")?;
                Some((root.join("std").join(rel), s.text().to_string()))
            })
            .collect();
        files.push((root.join("docs/diagnostics.md"), DIAGNOSTICS_MD.to_string()));
        files.push((root.join("docs/lints.md"), LINTS_MD.to_string()));
        for (path, text) in &files {
            let current = std::fs::read_to_string(path).ok();
            if current.as_deref() == Some(text.as_str()) {
                continue;
            }
            // A missing file is created empty, then replaced like any other.
            let written = path
                .parent()
                .map_or(Ok(()), std::fs::create_dir_all)
                .and_then(|()| match &current {
                    Some(_) => Ok(()),
                    None => std::fs::File::create(path).map(drop),
                })
                .and_then(|()| {
                    crate::cli::files::write_atomically(
                        path,
                        current.as_deref().unwrap_or(""),
                        text,
                    )
                });
            // Another server starting at the same time may have written it first.
            let written = written.or_else(|e| {
                if std::fs::read_to_string(path).is_ok_and(|t| t == *text) {
                    Ok(())
                } else {
                    Err(e)
                }
            });
            if let Err(e) = written {
                eprintln!(
                    "pactum-lsp: cannot write {}: {}",
                    pactum::printable(&path.display().to_string()),
                    pactum::printable(&e.to_string())
                );
                return Cache { root: None };
            }
        }
        Cache {
            root: Some(canonical(&root)),
        }
    }

    /// Where a standard library source (`<std>/x.policy`) is on disk.
    pub fn std_path(&self, name: &str) -> Option<PathBuf> {
        Some(
            self.root
                .as_ref()?
                .join("std")
                .join(name.strip_prefix("<std>/")?),
        )
    }

    /// Whether a path is inside the cache (the standard library's files written there).
    pub fn contains(&self, path: &Path) -> bool {
        self.root.as_ref().is_some_and(|r| path.starts_with(r))
    }

    /// Where a documentation page (`diagnostics.md`, `lints.md`) is on disk.
    pub fn doc_path(&self, page: &str) -> Option<PathBuf> {
        Some(self.root.as_ref()?.join("docs").join(page))
    }
}

/// The embedded documentation of a diagnostic code (`pactum::type::mismatch`) or a lint
/// (`rule-never-fires`): its section of docs/diagnostics.md or docs/lints.md, up to the
/// first example block.
pub fn explanation(code_or_lint: &str) -> Option<String> {
    let (page, heading) = if code_or_lint.starts_with("pactum::") {
        (DIAGNOSTICS_MD, format!("## `{code_or_lint}`"))
    } else {
        (LINTS_MD, format!("### `{code_or_lint}`"))
    };
    let start = page.find(&format!("{heading}\n"))?;
    let body = page.get(start + heading.len()..)?;
    let end = body.find("\n#").unwrap_or(body.len());
    let section = body.get(..end)?;
    let cut = section.find("\n```").unwrap_or(section.len());
    let mut text = section.get(..cut)?.trim();
    // The paragraph that introduces the example block goes with it.
    if text.ends_with(':') {
        text = text
            .rfind("\n\n")
            .and_then(|i| text.get(..i))
            .unwrap_or(text)
            .trim();
    }
    Some(text.to_string())
}

/// The GitHub-style anchor of a heading's text (`pactum::io::not_utf8` →
/// `pactumionot_utf8`).
pub fn anchor(heading: &str) -> String {
    heading
        .chars()
        .filter_map(|c| match c {
            'a'..='z' | '0'..='9' | '_' | '-' => Some(c),
            'A'..='Z' => Some(c.to_ascii_lowercase()),
            ' ' => Some('-'),
            _ => None,
        })
        .collect()
}

/// A `file://` URI's path, percent-decoded (`None` for other schemes).
pub fn uri_to_path(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    // `file:///path` or `file://localhost/path`.
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = rest
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(v) = hex {
                out.push(v);
                i += 3;
                continue;
            }
        }
        if b == b'?' || b == b'#' {
            break;
        }
        out.push(b);
        i += 1;
    }
    let s = String::from_utf8(out).ok()?;
    s.starts_with('/').then(|| PathBuf::from(s))
}

/// The `file://` URI of an absolute path, percent-encoded.
pub fn path_to_uri(path: &Path) -> String {
    let mut out = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b));
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_round_trip() {
        let p = Path::new("/tmp/a b/قزوين/ğ.proposal");
        let uri = path_to_uri(p);
        assert!(uri.starts_with("file:///tmp/a%20b/"));
        assert_eq!(uri_to_path(&uri).as_deref(), Some(p));
        assert_eq!(uri_to_path("untitled:Untitled-1"), None);
    }

    #[test]
    fn explanations_come_from_the_docs() {
        let e = explanation("pactum::proposal::unknown_kind").unwrap_or_default();
        assert!(!e.is_empty());
        assert!(explanation("rule-never-fires").is_some());
        assert_eq!(anchor("`pactum::io::not_utf8`"), "pactumionot_utf8");
    }

    #[test]
    fn discovery() {
        let dir = std::env::temp_dir().join(format!("pactum-lsp-discover-{}", std::process::id()));
        let lib = dir.join("lib");
        let _ = std::fs::create_dir_all(lib.join("sub"));
        let _ = std::fs::write(lib.join("a.policy"), "");
        let prop = lib.join("sub/x.proposal");
        assert_eq!(discover(&prop, false), LibKey::Dir(canonical(&lib)));
        let _ = std::fs::write(dir.join("pactum.toml"), "policies = \"lib\"\n");
        let _ = std::fs::create_dir_all(dir.join("proposals"));
        assert_eq!(
            discover(&dir.join("proposals/p.proposal"), false),
            LibKey::Dir(canonical(&lib))
        );
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(discover(Path::new("/x.proposal"), false), LibKey::Standard);
    }
}
