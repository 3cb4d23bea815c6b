//! Diagnostics as you type: pactum's [`pactum::Diagnostic`]s as LSP diagnostics.
//!
//! A policy document gets its library's load errors (parse, resolve, type) and lint
//! findings in that file; a proposal gets its parse and input errors and its violations
//! (checked against its library as of today, or its own dates). Each carries its `code`
//! (the diagnostic code, or the rule id or lint name), severity, range, message with the
//! help and citation, `relatedInformation` (the rule's definition, the other labels) and
//! `codeDescription.href` (see [`href`]).

use std::collections::BTreeMap;

use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
};
use pactum::{CheckOptions, Code, Diagnostic, Severity};

use super::Server;
use super::documents::{DocKind, Document, Published};
use super::position::{Encoding, LineIndex};
use super::workspace::{LINT_TOTAL_BUDGET, Library, LintState, anchor};

/// The options a proposal is checked with: as of today when it has no date; repairs only
/// when asked (code actions).
pub fn check_options(server: &Server, fixes: usize) -> CheckOptions {
    CheckOptions {
        as_of: Some(server.today),
        fixes,
        ..CheckOptions::default()
    }
}

/// The diagnostics of a document, and what code actions need of each.
pub fn compute(
    server: &Server,
    doc: &Document,
    lib: &Library,
) -> (Vec<lsp_types::Diagnostic>, Vec<Published>) {
    let own = match (&doc.kind, doc.parsed()) {
        (DocKind::Policy, _) => lib
            .paths
            .iter()
            .find(|(_, p)| Some(p.as_path()) == doc.path.as_deref())
            .map_or_else(|| doc.name(), |(n, _)| n.clone()),
        (_, Some(p)) => p.source.name().to_string(),
        (_, None) => doc.name(),
    };
    let mut out = Convert {
        server,
        doc,
        lib,
        own: own.clone(),
        lines: BTreeMap::new(),
        lsp: Vec::new(),
        published: Vec::new(),
    };
    match doc.kind {
        DocKind::Policy => {
            let name = own;
            for d in lib.errors.iter().chain(&lib.lints) {
                match &d.source {
                    Some(s) if s.name() == name => out.push(d, None),
                    // A library-wide error (no file) shows at the top of each file.
                    None => out.push(d, None),
                    Some(_) => {}
                }
            }
            if lib.lint == LintState::CutShort {
                let mut d = Diagnostic::bare(
                    Code::LimitLint,
                    format!(
                        "lint stopped at its budget ({LINT_TOTAL_BUDGET} questions): some findings may be missing"
                    ),
                )
                .with_help("run `pactum lint` on the library for every finding");
                d.severity = Severity::Note;
                out.push(&d, None);
            }
        }
        DocKind::Proposal | DocKind::Json => match &doc.proposal {
            Some(Err(errors)) => errors.iter().for_each(|d| out.push(d, None)),
            Some(Ok(proposal)) => match &lib.engine {
                Some(engine) => {
                    let report = engine.check_with(proposal, &check_options(server, 0));
                    for (i, v) in report.violations.iter().enumerate() {
                        out.push(&v.diagnostic, Some(i));
                    }
                    for e in &report.errors {
                        out.push(&e.diagnostic, None);
                    }
                }
                None => {
                    let first = lib
                        .errors
                        .first()
                        .map_or(String::new(), |d| format!(": {}", d.message));
                    let d = Diagnostic::bare(
                        lib.errors.first().map_or(Code::LibraryPath, |d| d.code),
                        format!(
                            "the policy library does not compile ({} error{}){first}; open its files to see them",
                            lib.errors.len(),
                            if lib.errors.len() == 1 { "" } else { "s" }
                        ),
                    );
                    out.push(&d, None);
                }
            },
            None => {}
        },
    }
    (out.lsp, out.published)
}

struct Convert<'a> {
    server: &'a Server,
    doc: &'a Document,
    lib: &'a Library,
    /// The name the document's own diagnostics carry.
    own: String,
    /// Line indexes of other files, by name, built once per publish.
    lines: BTreeMap<String, LineIndex>,
    lsp: Vec<lsp_types::Diagnostic>,
    published: Vec<Published>,
}

/// The code shown: the rule id of a violation, the lint name of a lint finding, else the
/// diagnostic code.
pub fn shown_code(d: &Diagnostic) -> String {
    match &d.rule {
        Some(rule)
            if d.code == Code::Violation || d.code.as_str().starts_with("pactum::lint::") =>
        {
            rule.clone()
        }
        _ => d.code.as_str().to_string(),
    }
}

/// Where a code is documented: a violation's rule at its definition
/// (`file:///…/caspian.policy#L11`), a lint at its section of `docs/lints.md`, any other
/// code at its section of `docs/diagnostics.md`; the pages are the ones the binary embeds,
/// written to the server's cache folder.
pub fn href(server: &Server, lib: &Library, d: &Diagnostic) -> Option<lsp_types::Uri> {
    let url = if d.code == Code::Violation {
        let rule = d.rule.as_deref()?;
        let engine = lib.engine.as_ref()?;
        let info = engine.rules().find(|r| r.id == rule)?;
        let (src, span) = info.defined_at?;
        let line = src.line_col(span.start).line;
        format!("{}#L{line}", server.uri_of(lib, src.name())?.as_str())
    } else if d.code.as_str().starts_with("pactum::lint::") {
        let path = server.cache.doc_path("lints.md")?;
        format!(
            "{}#{}",
            super::workspace::path_to_uri(&path),
            anchor(d.rule.as_deref()?)
        )
    } else {
        let path = server.cache.doc_path("diagnostics.md")?;
        format!(
            "{}#{}",
            super::workspace::path_to_uri(&path),
            anchor(d.code.as_str())
        )
    };
    url.parse().ok()
}

impl Convert<'_> {
    fn range_in(
        &mut self,
        source: &pactum::SourceFile,
        span: pactum::Span,
        enc: Encoding,
    ) -> lsp_types::Range {
        let (start, end) = (span.start as usize, span.end as usize);
        if source.name() == self.own {
            return self.doc.range(start, end, enc);
        }
        let idx = self
            .lines
            .entry(source.name().to_string())
            .or_insert_with(|| LineIndex::new(source.text()));
        idx.range(source.text(), start, end, enc)
    }

    fn push(&mut self, d: &Diagnostic, violation: Option<usize>) {
        let enc = self.server.enc;
        let range = match &d.source {
            Some(s) => self.range_in(s, d.span, enc),
            None => lsp_types::Range::default(),
        };
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        // The citation (the first note of a violation); the evidence stays in hover and
        // `pactum explain`.
        if let Some(cite) = d.notes.first().filter(|n| n.starts_with("cite:")) {
            message.push('\n');
            message.push_str(cite);
        }
        let mut related = Vec::new();
        if let Some(s) = &d.source {
            for (span, label) in &d.also {
                let r = self.range_in(s, *span, enc);
                if let Some(uri) = self
                    .server
                    .uri_of(self.lib, s.name())
                    .or_else(|| self.doc.uri.parse().ok())
                {
                    related.push(DiagnosticRelatedInformation {
                        location: Location { uri, range: r },
                        message: label.clone(),
                    });
                }
            }
        }
        for rel in &d.related {
            let r = self.range_in(&rel.source, rel.span, enc);
            if let Some(uri) = self.server.uri_of(self.lib, rel.source.name()) {
                related.push(DiagnosticRelatedInformation {
                    location: Location { uri, range: r },
                    message: rel.label.clone(),
                });
            }
        }
        let code = shown_code(d);
        self.lsp.push(lsp_types::Diagnostic {
            range,
            severity: Some(match d.severity {
                Severity::Error => DiagnosticSeverity::ERROR,
                Severity::Warning => DiagnosticSeverity::WARNING,
                Severity::Note => DiagnosticSeverity::INFORMATION,
            }),
            code: Some(NumberOrString::String(code.clone())),
            code_description: href(self.server, self.lib, d).map(|href| CodeDescription { href }),
            source: Some("pactum".to_string()),
            message,
            related_information: (!related.is_empty()).then_some(related),
            tags: None,
            data: None,
        });
        self.published.push(Published {
            range,
            code,
            suggestion: d.suggestion.clone(),
            violation,
        });
    }
}
