//! The open documents: their text as the editor has it (kept in sync by incremental
//! changes), what kind of file each is, its library, and for proposals the last parse and
//! what was published, so that code actions can find the repairs of what the editor shows.

use std::path::PathBuf;

use lsp_types::Range;
use pactum::{Diagnostic, Limits, Proposal, Report};

use super::position::{Encoding, LineIndex};
use super::workspace::LibKey;

/// What kind of file a document is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocKind {
    /// A `.policy` file of a library.
    Policy,
    /// A `.proposal` file.
    Proposal,
    /// A JSON proposal (`.json`).
    Json,
}

impl DocKind {
    /// By file name and the client's language id; `None` for files the server ignores.
    pub fn of(uri: &str, language: &str) -> Option<DocKind> {
        let lower = uri.to_ascii_lowercase();
        if lower.ends_with(".policy") || language == "pactum" || language == "pactum-policy" {
            Some(DocKind::Policy)
        } else if lower.ends_with(".proposal") || language == "pactum-proposal" {
            Some(DocKind::Proposal)
        } else if lower.ends_with(".json") || language == "json" {
            Some(DocKind::Json)
        } else {
            None
        }
    }
}

/// One diagnostic as published, with what its code actions need.
#[derive(Clone, Debug)]
pub struct Published {
    /// Its range.
    pub range: Range,
    /// Its code (or rule id).
    pub code: String,
    /// The name meant, for a misspelt one.
    pub suggestion: Option<String>,
    /// For a violation: its index in the report.
    pub violation: Option<usize>,
}

/// An open document.
#[derive(Debug)]
pub struct Document {
    /// Its URI, as the client sent it.
    pub uri: String,
    /// Its path, for `file:` URIs.
    pub path: Option<PathBuf>,
    /// What it is.
    pub kind: DocKind,
    /// The text.
    pub text: String,
    /// The client's version.
    pub version: i32,
    /// Line starts of `text`.
    pub lines: LineIndex,
    /// Its library.
    pub lib: LibKey,
    /// For a proposal: the parse of `text`.
    pub proposal: Option<Result<Proposal, Vec<Diagnostic>>>,
    /// For a proposal: its last version that parsed (hover maps positions into it while
    /// the text does not parse).
    pub last_good: Option<Proposal>,
    /// What was last published.
    pub published: Vec<Published>,
    /// The report with repairs, computed when code actions are first asked for this
    /// version.
    pub fixes: Option<(i32, Report)>,
}

impl Document {
    /// The name the document's diagnostics carry: its path, or its URI.
    pub fn name(&self) -> String {
        self.path
            .as_ref()
            .map_or_else(|| self.uri.clone(), |p| p.display().to_string())
    }

    /// Re-parses a proposal (after a change).
    pub fn reparse(&mut self) {
        self.lines = LineIndex::new(&self.text);
        self.fixes = None;
        if self.kind == DocKind::Policy {
            return;
        }
        // The form is chosen by the name: `.json` is JSON.
        let mut name = self.name();
        if self.kind == DocKind::Json && !name.to_ascii_lowercase().ends_with(".json") {
            name.push_str(".json");
        }
        let parsed =
            Proposal::load_with(&name, &self.text, &Limits::default()).map_err(|e| e.into_vec());
        if let Some(Ok(p)) = self.proposal.take() {
            self.last_good = Some(p);
        }
        if let Ok(p) = &parsed {
            self.last_good = Some(p.clone());
        }
        self.proposal = Some(parsed);
    }

    /// The byte offset of a position.
    pub fn offset(&self, pos: lsp_types::Position, enc: Encoding) -> usize {
        self.lines.offset(&self.text, pos, enc)
    }

    /// The range of a byte span.
    pub fn range(&self, start: usize, end: usize, enc: Encoding) -> Range {
        self.lines.range(&self.text, start, end, enc)
    }

    /// The parsed proposal, when it parses.
    pub fn parsed(&self) -> Option<&Proposal> {
        self.proposal.as_ref()?.as_ref().ok()
    }
}
