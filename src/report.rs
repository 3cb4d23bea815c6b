//! Reports: what a check found, for people (miette) and machines (serde).

use serde::Serialize;

use crate::diag::{Diagnostic, Location, Severity};
use crate::source::{SourceFile, Span, printable, printable_lines};

/// The result of checking one proposal file.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The proposal file.
    pub file: String,
    /// The proposal id (absent when the file could not be parsed).
    pub proposal: Option<String>,
    /// No violation of severity error (nor warning, with `--deny warnings`) and no error.
    pub compliant: bool,
    /// The violations, by step order, then rule id.
    pub violations: Vec<Violation>,
    /// Input and evaluation errors.
    pub errors: Vec<ErrorEntry>,
}

/// One violation of a rule.
#[derive(Clone, Debug, Serialize)]
pub struct Violation {
    /// The rule id.
    pub rule: String,
    /// Its severity.
    pub severity: Severity,
    /// The offending step's id (`null` for a proposal-wide violation).
    pub step: Option<String>,
    /// The `each` binding that fired (`p` in `forbid each p in ...`), as displayed: an
    /// entity's id (the offending state), a step's id. `None` (and no `binding` key in
    /// JSON) for a rule without `each`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binding: Option<String>,
    /// What is wrong.
    pub message: String,
    /// The legal basis.
    pub cite: Option<String>,
    /// What would fix it.
    pub help: Option<String>,
    /// The facts that made the rule fire.
    pub evidence: Vec<String>,
    /// Where the step is in the proposal file.
    pub location: Location,
    /// Repairs, best first (only when asked for: [`CheckOptions::fixes`]); empty when no
    /// edit of the step was found.
    ///
    /// [`CheckOptions::fixes`]: crate::CheckOptions::fixes
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixes: Option<Vec<Fix>>,
    /// The rendered diagnostic.
    #[serde(skip)]
    pub diagnostic: Diagnostic,
}

/// A repair of a violation: edits of the proposal file, verified to make the violation go
/// away without a new error-severity violation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// What it does, e.g. "remove `turkey` from `participants`".
    pub description: String,
    /// The edits, in file order, not overlapping.
    pub edits: Vec<TextEdit>,
}

/// One replacement of a byte range of a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TextEdit {
    /// The file.
    pub file: String,
    /// The byte offset where the replaced range starts.
    pub start: u32,
    /// The byte offset where it ends (exclusive); `start` for an insertion.
    pub end: u32,
    /// 1-based line of `start`.
    pub line: u32,
    /// 1-based column of `start`, in characters.
    pub column: u32,
    /// 1-based line of `end`.
    pub end_line: u32,
    /// 1-based column of `end`, in characters.
    pub end_column: u32,
    /// The new text.
    pub replacement: String,
}

/// `text` with `edits` applied (any order; `None` when two overlap or one falls outside
/// the text or inside a character): what `pactum fix` writes.
///
/// ```
/// use pactum::{TextEdit, apply_edits};
///
/// let edit = |start, end, replacement: &str| TextEdit {
///     file: "p.proposal".into(), start, end, line: 1, column: start + 1,
///     end_line: 1, end_column: end + 1, replacement: replacement.into(),
/// };
/// let text = "participants: [russia, turkey]";
/// assert_eq!(apply_edits(text, &[edit(21, 29, "")]).as_deref(), Some("participants: [russia]"));
/// assert_eq!(apply_edits(text, &[edit(0, 5, "x"), edit(3, 6, "y")]), None);
/// ```
pub fn apply_edits(text: &str, edits: &[TextEdit]) -> Option<String> {
    let mut sorted: Vec<&TextEdit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.start, e.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0usize;
    for e in sorted {
        let (s, t) = (e.start as usize, e.end as usize);
        if s < at || t < s {
            return None;
        }
        out.push_str(text.get(at..s)?);
        out.push_str(&e.replacement);
        at = t;
    }
    out.push_str(text.get(at..)?);
    Some(out)
}

/// An input or evaluation error.
#[derive(Clone, Debug, Serialize)]
pub struct ErrorEntry {
    /// Stable code, e.g. `pactum::proposal::unknown_entity`.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// Where.
    pub location: Option<Location>,
    /// What to do.
    pub help: Option<String>,
    /// The rule that could not be evaluated, for evaluation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Further lines: on the last error kept for a file, how many more were not shown.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The rendered diagnostic.
    #[serde(skip)]
    pub diagnostic: Diagnostic,
}

impl ErrorEntry {
    /// An entry from a diagnostic.
    pub fn from_diagnostic(d: Diagnostic) -> Self {
        ErrorEntry {
            code: d.code.as_str(),
            message: d.message.clone(),
            location: d.location(),
            help: d.help.clone(),
            rule: d.rule.clone(),
            notes: d.notes.clone(),
            diagnostic: d,
        }
    }
}

impl Report {
    /// A report for a file that could not be read or parsed: its errors (a `Vec` of
    /// diagnostics, or the [`Errors`](crate::Errors) a load gave).
    pub fn invalid(
        file: &str,
        proposal: Option<String>,
        errors: impl Into<Vec<Diagnostic>>,
    ) -> Report {
        let errors: Vec<Diagnostic> = crate::diag::capped(errors.into());
        Report {
            file: file.to_string(),
            proposal,
            compliant: false,
            violations: Vec::new(),
            errors: errors
                .into_iter()
                .map(ErrorEntry::from_diagnostic)
                .collect(),
        }
    }

    /// Every diagnostic: the violations in report order, then the errors (as `pactum
    /// check` writes them: a violation is written as soon as it is explained, and an
    /// explanation can fail).
    pub fn diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.violations
            .iter()
            .map(|v| &v.diagnostic)
            .chain(self.errors.iter().map(|e| &e.diagnostic))
    }

    /// Counts of (errors, warnings, notes): input errors count as errors.
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut c = (self.errors.len(), 0, 0);
        for v in &self.violations {
            match v.severity {
                Severity::Error => c.0 += 1,
                Severity::Warning => c.1 += 1,
                Severity::Note => c.2 += 1,
            }
        }
        c
    }
}

/// The JSON report of a whole run (fixed keys: `version`, `results`, `summary`).
#[derive(Clone, Debug, Serialize)]
pub struct RunReport {
    /// Format version: 1.
    pub version: u32,
    /// One result per proposal file.
    pub results: Vec<Report>,
    /// Totals.
    pub summary: Summary,
}

/// Totals over a run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    /// Proposal files checked.
    pub proposals: usize,
    /// Violations of severity error plus input errors.
    pub errors: usize,
    /// Warnings.
    pub warnings: usize,
    /// Notes.
    pub notes: usize,
}

impl RunReport {
    /// A run report from per-file reports (kept in the given order).
    pub fn new(results: Vec<Report>) -> Self {
        let mut summary = Summary {
            proposals: results.len(),
            ..Summary::default()
        };
        for r in &results {
            let (e, w, n) = r.counts();
            summary.errors += e;
            summary.warnings += w;
            summary.notes += n;
        }
        RunReport {
            version: 1,
            results,
            summary,
        }
    }
}

/// Renders diagnostics for people, like rustc, with miette's graphical handler.
pub fn render_human(diags: &[&Diagnostic], color: bool) -> String {
    let theme = if color {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false)
        .with_context_lines(1)
        .with_wrap_lines(false);
    let mut out = String::new();
    for d in diags {
        let safe = printable_copy(d);
        let d = safe.as_ref().unwrap_or(d);
        let shown = without_long_lines(d);
        let d = shown.as_ref().unwrap_or(d);
        if handler.render_report(&mut out, d).is_err() {
            out.push_str(&format!("{}: {}\n", d.code.as_str(), d.message));
        }
    }
    out
}

/// A copy of a diagnostic whose texts are safe to print (see [`printable`]): the message and
/// labels on one line, help and notes keeping their line breaks; `None` when nothing needs
/// escaping. (Snippets and file names are made safe by the source file itself.)
fn printable_copy(d: &Diagnostic) -> Option<Diagnostic> {
    let one = |s: &str| matches!(printable(s), std::borrow::Cow::Owned(_));
    let lines = |s: &str| matches!(printable_lines(s), std::borrow::Cow::Owned(_));
    let needed = one(&d.message)
        || one(&d.label)
        || d.help.as_deref().is_some_and(lines)
        || d.notes.iter().any(|n| lines(n))
        || d.related.iter().any(|r| one(&r.label))
        || d.also.iter().any(|(_, l)| one(l));
    if !needed {
        return None;
    }
    let mut out = d.clone();
    out.message = printable(&d.message).into_owned();
    out.label = printable(&d.label).into_owned();
    out.help = d.help.as_deref().map(|h| printable_lines(h).into_owned());
    out.notes = d
        .notes
        .iter()
        .map(|n| printable_lines(n).into_owned())
        .collect();
    for r in &mut out.related {
        r.label = printable(&r.label).into_owned();
    }
    for (_, l) in &mut out.also {
        *l = printable(l).into_owned();
    }
    Some(out)
}

/// Source lines longer than this (the span's, or a context line's) are not shown in snippets (a minified JSON proposal is one
/// line: each snippet would repeat the whole file, and miette cannot pad past 65,535
/// columns); the location is given as `file:line:column` instead.
pub const MAX_SNIPPET_LINE: usize = 1_000;

/// A copy of a diagnostic without the snippets that would show a line longer than
/// [`MAX_SNIPPET_LINE`] (their locations go under the message, `--> file:line:column:
/// label`), or `None` when it has none.
fn without_long_lines(d: &Diagnostic) -> Option<Diagnostic> {
    // The line of the span, or a line of context beside it: a short error line between
    // two long ones would print both whole.
    let long = |src: &SourceFile, span: Span| src.snippet_width(span) > MAX_SNIPPET_LINE;
    let primary = d.source.as_ref().is_some_and(|s| long(s, d.span));
    if !primary && !d.related.iter().any(|r| long(&r.source, r.span)) {
        return None;
    }
    let at = |src: &SourceFile, span: Span, label: &str| {
        let lc = src.line_col(span.start);
        format!(
            "--> {}:{}:{}: {label}",
            printable(src.name()),
            lc.line,
            lc.column
        )
    };
    let mut out = d.clone();
    let mut notes = Vec::new();
    if primary {
        if let Some(src) = out.source.take() {
            notes.push(at(&src, d.span, &d.label));
        }
    }
    out.related.retain(|r| {
        if long(&r.source, r.span) {
            notes.push(at(&r.source, r.span, &r.label));
            false
        } else {
            true
        }
    });
    // The locations first, under the message, where a snippet would have been.
    out.message = std::iter::once(out.message.clone())
        .chain(notes)
        .collect::<Vec<_>>()
        .join("\n");
    Some(out)
}
