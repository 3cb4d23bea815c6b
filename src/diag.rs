//! Diagnostics: one shape for every stage of the pipeline.
//!
//! Every problem pactum reports (a syntax error in a policy file, an unknown entity in a
//! proposal, a rule that could not be evaluated) is a [`Diagnostic`]: a stable [`Code`], a
//! one-line message, the file and span it points at with a label saying what is wrong there,
//! a `help` saying what to do, and optional related labels (for instance the rule's own
//! location). This is the "kind plus location" shape: the code says which stage and what
//! kind, the rest says where. It implements [`miette::Diagnostic`], so it renders like rustc.

use std::fmt;

use crate::source::{LineCol, SourceFile, Span};

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational.
    Note,
    /// A risk; fails the check only with `--deny warnings`.
    Warning,
    /// A violation or an input error.
    Error,
}

impl Severity {
    /// `error`, `warning` or `note`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident => $code:literal, )*) => {
        /// Every stable diagnostic code. The string form (`pactum::stage::kind`) never changes
        /// once released; `docs/diagnostics.md` lists each with an input that triggers it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// The stable string form, e.g. `pactum::parse::syntax`.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $code, )* }
            }

            /// All codes, in declaration order.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];
        }
    };
}

codes! {
    /// A file could not be read.
    Io => "pactum::io",
    /// A file is not valid UTF-8.
    NotUtf8 => "pactum::io::not_utf8",
    /// A policy file does not follow the grammar.
    PolicySyntax => "pactum::parse::policy_syntax",
    /// A proposal text file does not follow the grammar.
    ProposalSyntax => "pactum::parse::proposal_syntax",
    /// A JSON proposal is not well-formed JSON.
    JsonSyntax => "pactum::parse::json_syntax",
    /// A JSON proposal has the wrong shape (missing key, unknown key, wrong JSON type).
    JsonShape => "pactum::parse::json_shape",
    /// A date that is malformed or does not exist (`2026-02-30`).
    InvalidDate => "pactum::parse::invalid_date",
    /// A character an editor shows differently from how pactum reads it: a line break
    /// pactum does not count (lone CR, VT, FF, NEL, U+2028, U+2029) or a bidirectional
    /// control.
    HiddenText => "pactum::parse::hidden_text",
    /// Two steps of a proposal share an id.
    DuplicateStep => "pactum::proposal::duplicate_step",
    /// A key given twice in one step or proposal header.
    DuplicateKey => "pactum::proposal::duplicate_key",
    /// A step kind the schema does not declare.
    UnknownKind => "pactum::proposal::unknown_kind",
    /// An attribute the step's kind does not declare.
    UnknownAttribute => "pactum::proposal::unknown_attribute",
    /// A required attribute is missing.
    MissingAttribute => "pactum::proposal::missing_attribute",
    /// An entity id or enum value that the library does not know.
    UnknownEntity => "pactum::proposal::unknown_entity",
    /// A value of the wrong type for its attribute.
    WrongType => "pactum::proposal::wrong_type",
    /// A proposal with no usable steps or an invalid id.
    InvalidProposal => "pactum::proposal::invalid",
    /// A name in a policy file that resolves to nothing.
    UnknownName => "pactum::resolve::unknown_name",
    /// A name declared twice.
    DuplicateName => "pactum::resolve::duplicate_name",
    /// A definition that refers to itself, directly or not.
    RecursiveDefinition => "pactum::resolve::recursive_definition",
    /// A rule clause missing, repeated or malformed.
    RuleShape => "pactum::resolve::rule_shape",
    /// An expression whose type does not fit where it is used.
    TypeMismatch => "pactum::type::mismatch",
    /// An attribute that the type does not have.
    UnknownField => "pactum::type::unknown_field",
    /// A fact whose attributes do not match its entity type.
    FactShape => "pactum::type::fact",
    /// A fact's period (`from D until E`) that is empty, overlaps another value of the same
    /// attribute, or leaves a required attribute without a value, or a period outside a fact.
    Period => "pactum::type::period",
    /// A construct that would make evaluation more than linear in the proposal.
    Complexity => "pactum::type::complexity",
    /// A message or help text whose `{...}` interpolation is malformed.
    Interpolation => "pactum::type::interpolation",
    /// An optional attribute was used while absent.
    AbsentAttribute => "pactum::eval::absent_attribute",
    /// No date was available for a date-dependent rule.
    NoDate => "pactum::eval::no_date",
    /// The evaluation budget was exhausted.
    Budget => "pactum::eval::budget",
    /// The engine met a value of an unexpected shape (a bug in pactum; never a panic).
    Internal => "pactum::eval::internal",
    /// A policy library path that escapes the library's root, or holds no policy file.
    LibraryPath => "pactum::load::path",
    /// `pactum diff --old-rev`: `git` is not installed, or not on the `PATH`.
    GitMissing => "pactum::git::missing",
    /// `pactum diff --old-rev`: a revision that git does not know.
    GitUnknownRev => "pactum::git::unknown_rev",
    /// `pactum diff --old-rev`: git failed otherwise (not a repository, say).
    GitFailed => "pactum::git::failed",
    /// A rule violation (its diagnostic shows the rule id instead of this code).
    Violation => "pactum::check::violation",
    /// An input larger than `Limits::max_input_bytes`.
    LimitSize => "pactum::limit::size",
    /// Nesting deeper than the limits allow (policy brackets, expression depth, proposal lists).
    LimitNesting => "pactum::limit::nesting",
    /// A proposal with more steps than `Limits::max_steps`.
    LimitSteps => "pactum::limit::steps",
    /// A string or id longer than `Limits::max_string_bytes`.
    LimitString => "pactum::limit::string",
    /// A library whose definitions expand to more than `Limits::max_compiled_nodes`.
    LimitExpansion => "pactum::limit::expansion",
    /// A lint stopped before it asked every question (`LintOptions::total_budget` spent, or
    /// cancelled): its findings may be incomplete.
    LimitLint => "pactum::limit::lint",
    /// Lint: a rule without `cite`.
    LintMissingCite => "pactum::lint::missing_cite",
    /// Lint: a rule without `help`.
    LintMissingHelp => "pactum::lint::missing_help",
    /// Lint: a definition nothing uses.
    LintUnusedDefinition => "pactum::lint::unused_definition",
    /// Lint: a fact nothing names and no proposal can name.
    LintUnusedEntity => "pactum::lint::unused_entity",
    /// Lint: an entity attribute never read and never set.
    LintUnusedAttribute => "pactum::lint::unused_attribute",
    /// Lint: facts that contradict each other.
    LintContradictoryFacts => "pactum::lint::contradictory_facts",
    /// Lint: a rule that can never fire.
    LintNeverFires => "pactum::lint::rule_never_fires",
    /// Lint: a rule that fires on every step it applies to.
    LintAlwaysFires => "pactum::lint::rule_always_fires",
    /// Lint: a rule made redundant by another.
    LintRedundant => "pactum::lint::redundant_rule",
    /// Lint: two rules no step can satisfy together.
    LintConflict => "pactum::lint::conflicting_rules",
    /// Lint: an exception that never applies.
    LintUnlessNever => "pactum::lint::unless_never_applies",
    /// Lint: an exception that always applies.
    LintUnlessAlways => "pactum::lint::unless_always_applies",
    /// Lint: an `allow` naming no lint.
    LintUnknown => "pactum::lint::unknown_lint",
    /// Lint: a quantifier or `each` binder that nothing reads.
    LintUnusedBinder => "pactum::lint::unused_binder",
    /// Lint: a semantic question the solver did not decide within its budget.
    LintUndecided => "pactum::lint::undecided",
    /// Lint: a read of an optional attribute that can find it absent on a valid step.
    LintMayError => "pactum::lint::may_error",
    /// `pactum explain --step ID` (or [`crate::Engine::explain_step`]) names no step of
    /// the proposal.
    ExplainUnknownStep => "pactum::explain::unknown_step",
    /// `pactum explain --rule RULE` names no rule of the library.
    ExplainUnknownRule => "pactum::explain::unknown_rule",
    /// `pactum explain --rule RULE` names a rule that is not checked on the step's kind.
    ExplainNotApplicable => "pactum::explain::not_applicable",
    /// A command-line usage error.
    Usage => "pactum::usage",
}

/// A secondary location, possibly in another file (a rule's definition, say).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    /// The file.
    pub source: SourceFile,
    /// The span in it.
    pub span: Span,
    /// What is there.
    pub label: String,
}

/// A diagnostic: code, message, primary location with a label, help, related locations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable code.
    pub code: Code,
    /// Severity (input errors are always errors).
    pub severity: Severity,
    /// One line, lowercase, no final period.
    pub message: String,
    /// The file it points into, if any (usage and I/O errors may have none).
    pub source: Option<SourceFile>,
    /// The primary span.
    pub span: Span,
    /// What is wrong at the span.
    pub label: String,
    /// What to do about it.
    pub help: Option<String>,
    /// Further locations.
    pub related: Vec<Related>,
    /// Further labels in the same file, beside the primary one (each other place the
    /// offending value is written, say).
    pub also: Vec<(Span, String)>,
    /// Extra context, shown after the help, each note on its own lines (a violation's
    /// citation, then its evidence as one note: `evidence:` and a line per fact).
    pub notes: Vec<String>,
    /// For a rule violation: the rule id, shown in place of the code.
    pub rule: Option<String>,
    /// For a misspelt name: the name meant (the "did you mean" of the help), which
    /// replaces the text at `span`. Editors offer it as a quick fix.
    pub suggestion: Option<String>,
}

/// Messages and labels are one line for people: one longer than this (a 50 MB unknown key
/// quoted whole, say) keeps its start and says how long it was.
const MAX_MESSAGE: usize = 400;

fn bounded(text: String) -> String {
    if text.len() <= MAX_MESSAGE {
        return text;
    }
    let mut end = MAX_MESSAGE;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}… ({} bytes in all)",
        text.get(..end).unwrap_or_default(),
        text.len()
    )
}

impl Diagnostic {
    /// A new error diagnostic at a span of a file.
    pub fn error(
        code: Code,
        message: impl Into<String>,
        source: &SourceFile,
        span: Span,
        label: impl Into<String>,
    ) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: bounded(message.into()),
            source: Some(source.clone()),
            span: source.clamp(span),
            label: bounded(label.into()),
            help: None,
            related: Vec::new(),
            also: Vec::new(),
            notes: Vec::new(),
            rule: None,
            suggestion: None,
        }
    }

    /// A new error diagnostic that points at no file.
    pub fn bare(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: bounded(message.into()),
            source: None,
            span: Span::default(),
            label: String::new(),
            help: None,
            related: Vec::new(),
            also: Vec::new(),
            notes: Vec::new(),
            rule: None,
            suggestion: None,
        }
    }

    /// Adds a help text.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds the name meant for a misspelt one at the primary span: the help says "did you
    /// mean `NAME`?" and [`Diagnostic::suggestion`] holds it.
    pub fn with_suggestion(mut self, name: impl Into<String>) -> Self {
        let name = name.into();
        self.help = Some(format!("did you mean `{name}`?"));
        self.suggestion = Some(name);
        self
    }

    /// Adds a related location.
    pub fn with_related(
        mut self,
        source: &SourceFile,
        span: Span,
        label: impl Into<String>,
    ) -> Self {
        self.related.push(Related {
            source: source.clone(),
            span: source.clamp(span),
            label: label.into(),
        });
        self
    }

    /// Adds a note line.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// The file name, line and column of the primary span, if it has a file.
    pub fn location(&self) -> Option<Location> {
        let source = self.source.as_ref()?;
        let LineCol { line, column } = source.line_col(self.span.start);
        Some(Location {
            file: source.name().to_string(),
            line,
            column,
        })
    }
}

/// A file, line and column, as the JSON report gives them.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Location {
    /// File name as given on the command line (or the source's name).
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

/// A diagnostic serializes as `pactum lint --format json` writes a finding: `lint` (the
/// rule or lint that reported it, or `null`), `code`, `severity`, `message`, `help`,
/// `notes`, `location` (its [`Location`], or `null`) and `related` (each a `message` and a
/// `location`).
impl serde::Serialize for Diagnostic {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        #[derive(serde::Serialize)]
        struct RelatedOut {
            message: String,
            location: Location,
        }
        let related: Vec<RelatedOut> = self
            .related
            .iter()
            .map(|r| {
                let lc = r.source.line_col(r.span.start);
                RelatedOut {
                    message: r.label.clone(),
                    location: Location {
                        file: r.source.name().to_string(),
                        line: lc.line,
                        column: lc.column,
                    },
                }
            })
            .collect();
        let mut st = s.serialize_struct("Diagnostic", 8)?;
        st.serialize_field("lint", &self.rule)?;
        st.serialize_field("code", self.code.as_str())?;
        st.serialize_field("severity", &self.severity)?;
        st.serialize_field("message", &self.message)?;
        st.serialize_field("help", &self.help)?;
        st.serialize_field("notes", &self.notes)?;
        st.serialize_field("location", &self.location())?;
        st.serialize_field("related", &related)?;
        st.end()
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

impl miette::Diagnostic for Diagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        match &self.rule {
            Some(rule)
                if self.code == Code::Violation
                    || self.code.as_str().starts_with("pactum::lint::") =>
            {
                Some(Box::new(rule.as_str()))
            }
            _ => Some(Box::new(self.code.as_str())),
        }
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        if self.help.is_none() && self.notes.is_empty() {
            return None;
        }
        Some(Box::new(HelpText(self)))
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        self.source.as_ref()?;
        let label = (!self.label.is_empty()).then(|| self.label.clone());
        let also = self
            .also
            .iter()
            .map(|(span, l)| miette::LabeledSpan::new_with_span(Some(l.clone()), *span));
        Some(Box::new(
            std::iter::once(miette::LabeledSpan::new_primary_with_span(label, self.span))
                .chain(also),
        ))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}

/// The diagnostics that stopped a load: a policy library that does not compile, a proposal
/// that does not parse. Never empty when pactum returns it; in source order.
///
/// It is an error like any other (`?` converts it into `Box<dyn Error>`, `anyhow::Error` or
/// `miette::Report`): its message is the first diagnostic's, and as a
/// [`miette::Diagnostic`] it is the first diagnostic, with every other one among its related
/// diagnostics, so `miette` renders them all with their source snippets. It dereferences to
/// the slice of diagnostics.
///
/// ```
/// let errors = pactum::Proposal::parse("proposal p {").unwrap_err();
/// assert_eq!(errors[0].code, pactum::Code::ProposalSyntax);
/// assert!(errors.to_string().contains("end of file"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Errors(Vec<Diagnostic>);

impl Errors {
    /// The diagnostics, in order.
    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.0
    }
}

impl From<Vec<Diagnostic>> for Errors {
    fn from(diagnostics: Vec<Diagnostic>) -> Self {
        Errors(capped(diagnostics))
    }
}

/// At most this many errors are kept for one file or library; the rest are counted.
pub(crate) const MAX_ERRORS: usize = 100;

/// The first [`MAX_ERRORS`] diagnostics, the last of them noting how many more there were,
/// by code: a file with a million unknown entity ids gives a hundred diagnostics and a
/// count, not a million diagnostics.
pub(crate) fn capped(diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    if diagnostics.len() <= MAX_ERRORS {
        return diagnostics;
    }
    let mut list = ErrorList::default();
    diagnostics.into_iter().for_each(|d| list.push(d));
    list.into_vec()
}

/// Errors collected for one file, bounded as they come: the first [`MAX_ERRORS`] kept, the
/// rest only counted by code (so a million bad values cost a hundred diagnostics' memory).
#[derive(Debug, Default)]
pub(crate) struct ErrorList {
    kept: Vec<Diagnostic>,
    dropped: std::collections::BTreeMap<&'static str, usize>,
}

impl ErrorList {
    /// Adds one.
    pub(crate) fn push(&mut self, d: Diagnostic) {
        if self.kept.len() < MAX_ERRORS {
            self.kept.push(d);
        } else {
            *self.dropped.entry(d.code.as_str()).or_default() += 1;
        }
    }

    /// Whether there is none.
    pub(crate) fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    /// Whether the next error would only be counted: callers skip building it (and its
    /// suggestions) and call [`ErrorList::count`].
    pub(crate) fn is_full(&self) -> bool {
        self.kept.len() >= MAX_ERRORS
    }

    /// Counts an error not built.
    pub(crate) fn count(&mut self, code: Code) {
        *self.dropped.entry(code.as_str()).or_default() += 1;
    }

    /// Orders the errors kept.
    pub(crate) fn sort_by_key<K: Ord>(&mut self, key: impl FnMut(&Diagnostic) -> K) {
        self.kept.sort_by_key(key);
    }

    /// The errors kept, the last noting how many more there were.
    pub(crate) fn into_vec(mut self) -> Vec<Diagnostic> {
        let total: usize = self.dropped.values().sum();
        if total > 0 {
            let by_code: Vec<String> = self
                .dropped
                .iter()
                .map(|(code, n)| format!("{n} {code}"))
                .collect();
            if let Some(last) = self.kept.last_mut() {
                last.notes.push(format!(
                    "and {total} more error{} in this file ({}), not shown",
                    if total == 1 { "" } else { "s" },
                    by_code.join(", ")
                ));
            }
        }
        self.kept
    }
}

impl From<Errors> for Vec<Diagnostic> {
    fn from(errors: Errors) -> Self {
        errors.0
    }
}

impl From<Diagnostic> for Errors {
    fn from(diagnostic: Diagnostic) -> Self {
        Errors(vec![diagnostic])
    }
}

impl std::ops::Deref for Errors {
    type Target = [Diagnostic];

    fn deref(&self) -> &[Diagnostic] {
        &self.0
    }
}

impl IntoIterator for Errors {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Errors {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.split_first() {
            None => f.write_str("no diagnostics"),
            Some((first, [])) => f.write_str(&first.message),
            Some((first, rest)) => write!(
                f,
                "{} (and {} more error{})",
                first.message,
                rest.len(),
                if rest.len() == 1 { "" } else { "s" }
            ),
        }
    }
}

impl std::error::Error for Errors {}

impl miette::Diagnostic for Errors {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.0.first().and_then(miette::Diagnostic::code)
    }

    fn severity(&self) -> Option<miette::Severity> {
        self.0.first().and_then(miette::Diagnostic::severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.0.first().and_then(miette::Diagnostic::help)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.0.first().and_then(miette::Diagnostic::source_code)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        self.0.first().and_then(miette::Diagnostic::labels)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        let first = self.0.first()?;
        let own = first.related.iter().map(|r| r as &dyn miette::Diagnostic);
        let rest = self
            .0
            .get(1..)
            .unwrap_or_default()
            .iter()
            .map(|d| d as &dyn miette::Diagnostic);
        Some(Box::new(own.chain(rest)))
    }
}

struct HelpText<'a>(&'a Diagnostic);

impl fmt::Display for HelpText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut lines: Vec<String> = Vec::new();
        if let Some(help) = &self.0.help {
            lines.push(help.clone());
        }
        lines.extend(self.0.notes.iter().cloned());
        f.write_str(&lines.join("\n"))
    }
}

impl fmt::Display for Related {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

impl std::error::Error for Related {}

impl miette::Diagnostic for Related {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(
            miette::LabeledSpan::new_primary_with_span(None, self.span),
        )))
    }
}

/// Reads a span the way miette's implementation for `str` does (same text, span, line,
/// column and line count, so the rendering is unchanged), but from the file's line index:
/// O(log n) plus the lines returned, where `str`'s scans the text from its start for every
/// label, which made the human output of a large proposal quadratic. Spans are clamped to
/// the file, so this never fails.
impl miette::SourceCode for SourceFile {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let cx = self.span_context(
            span.offset(),
            span.len(),
            context_lines_before,
            context_lines_after,
        );
        let data = self
            .shown()
            .as_bytes()
            .get(cx.start..cx.end)
            .ok_or(miette::MietteError::OutOfBounds)?;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            crate::source::printable(self.name()).into_owned(),
            data,
            (cx.start, cx.end - cx.start).into(),
            cx.line,
            cx.column,
            cx.line_count,
        )))
    }
}

/// `a` or `an` before a type name: `an` when it starts with a vowel letter (`an Item`, `an
/// int`, `a State`). Type names are identifiers, so the letter is a fair guide to the sound.
pub(crate) fn article(word: &str) -> &'static str {
    match word.trim_start_matches('`').chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u' | 'A' | 'E' | 'I' | 'O' | 'U') => "an",
        _ => "a",
    }
}

/// Did-you-mean: the closest candidate within a small edit distance, if any.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// Edit distance over characters (case-insensitive), counting a swap of two neighbouring
/// characters as one edit (optimal string alignment), so `titel` is one edit from `title`.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().flat_map(char::to_lowercase).collect();
    let b: Vec<char> = b.chars().flat_map(char::to_lowercase).collect();
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    let at = |i: usize, j: usize| i * w + j;
    for i in 0..=a.len() {
        if let Some(x) = d.get_mut(at(i, 0)) {
            *x = i;
        }
    }
    for j in 0..=b.len() {
        if let Some(x) = d.get_mut(at(0, j)) {
            *x = j;
        }
    }
    let get =
        |d: &Vec<usize>, i: usize, j: usize| d.get(at(i, j)).copied().unwrap_or(usize::MAX / 2);
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let (ca, cb) = (a.get(i - 1), b.get(j - 1));
            let cost = usize::from(ca != cb);
            let mut best = (get(&d, i - 1, j) + 1)
                .min(get(&d, i, j - 1) + 1)
                .min(get(&d, i - 1, j - 1) + cost);
            if i > 1 && j > 1 && ca == b.get(j - 2) && a.get(i - 2) == cb {
                best = best.min(get(&d, i - 2, j - 2) + 1);
            }
            if let Some(x) = d.get_mut(at(i, j)) {
                *x = best;
            }
        }
    }
    get(&d, a.len(), b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names() {
        let names = ["kazakhstan", "kyrgyzstan", "turkey"];
        assert_eq!(did_you_mean("kazakstan", names), Some("kazakhstan"));
        assert_eq!(did_you_mean("turkye", names), Some("turkey"));
        assert_eq!(did_you_mean("brazil", names), None);
        assert_eq!(did_you_mean("titel", ["title", "date"]), Some("title"));
        assert_eq!(edit_distance("abc", "abc"), 0);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    /// The text and the fields miette's `str` implementation gives for a span.
    fn contents(
        sc: &dyn miette::SourceCode,
        span: (usize, usize),
        before: usize,
        after: usize,
    ) -> (Vec<u8>, (usize, usize), usize, usize, usize) {
        let c = sc
            .read_span(&span.into(), before, after)
            .expect("read_span");
        (
            c.data().to_vec(),
            (c.span().offset(), c.span().len()),
            c.line(),
            c.column(),
            c.line_count(),
        )
    }

    /// Texts made of pieces that exercise every line-end and character width.
    fn text_strategy() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop_oneof![
            proptest::collection::vec(
                prop_oneof![
                    Just("a"),
                    Just("bc"),
                    Just(" "),
                    Just("\n"),
                    Just("\n\n"),
                    Just("\r\n"),
                    Just("\r\n\r\n"),
                    Just("\r"),
                    Just("é"),
                    Just("ب"),
                    Just("😀"),
                ],
                0..40,
            )
            .prop_map(|parts| parts.concat()),
            "[a\n\r é ب]{0,60}",
            "[ab\n]{0,30}",
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        #[test]
        fn read_span_agrees_with_miette(
            text in text_strategy(),
            offset in proptest::prelude::any::<proptest::sample::Index>(),
            len in 0usize..50,
            before in 0usize..=3,
            after in 0usize..=3,
        ) {
            // mostly inside the text, sometimes past its end
            let offset = offset.index(text.len() + 4);
            let f = SourceFile::new("t.proposal", text.as_str());
            // miette's own implementation, on the clamped span (it fails or panics on
            // some spans past the end, which `SourceFile` clamps)
            let clamped = f.clamp(Span::new(offset, offset + len));
            // on the text as snippets show it (a lone CR shows as `?`)
            let expected = contents(
                &f.shown(),
                (clamped.start as usize, clamped.len()),
                before,
                after,
            );
            proptest::prop_assert_eq!(&contents(&f, (offset, len), before, after), &expected);
            proptest::prop_assert_eq!(
                &contents(&f, (clamped.start as usize, clamped.len()), before, after),
                &expected
            );
            let c = miette::SourceCode::read_span(&f, &(offset, len).into(), before, after)
                .expect("read_span");
            proptest::prop_assert_eq!(c.name(), Some("t.proposal"));
        }
    }

    #[test]
    fn read_span_never_fails() {
        let f = SourceFile::new("t", "aé\r\nb\rc\n");
        for offset in [0, 1, 2, 3, 9, 10, 11, 1000, usize::MAX] {
            for len in [0, 1, 2, 1000, usize::MAX] {
                for lines in [0, 1, 2, usize::MAX] {
                    let c = miette::SourceCode::read_span(&f, &(offset, len).into(), lines, lines)
                        .expect("read_span");
                    let start = c.span().offset();
                    assert_eq!(
                        f.shown().as_bytes().get(start..start + c.span().len()),
                        Some(c.data())
                    );
                }
            }
        }
        let empty = SourceFile::new("t", "");
        let c = miette::SourceCode::read_span(&empty, &(5, 5).into(), 1, 1).expect("read_span");
        assert_eq!(c.data(), b"");
    }

    #[test]
    fn read_span_on_a_large_file_matches_miette() {
        let mut text = String::from("proposal p {\n  date: 2026-09-15\n}\n\n");
        for i in 0..3000 {
            text.push_str(&format!(
                "step s{i}: exercise {{ participants: [türkiye, x] }}\n"
            ));
        }
        let f = SourceFile::new("big", text.as_str());
        for line in [0, 1, 2, 3, 4, 1000, 2999, 3003] {
            let start = text.lines().take(line).map(|l| l.len() + 1).sum::<usize>();
            for (offset, len) in [(start, 0), (start + 5, 3), (start, 200), (start + 40, 1)] {
                let clamped = f.clamp(Span::new(offset, offset + len));
                let span = (clamped.start as usize, clamped.len());
                for lines in [0, 1, 2] {
                    assert_eq!(
                        contents(&f, span, lines, lines),
                        contents(&text.as_str(), span, lines, lines)
                    );
                }
            }
        }
    }

    #[test]
    fn codes_are_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for c in Code::ALL {
            assert!(seen.insert(c.as_str()), "duplicate {}", c.as_str());
        }
    }
}
