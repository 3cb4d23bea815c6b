//! Output formats for CI systems, shared by `pactum check` and `pactum lint`: SARIF 2.1.0
//! (code scanning), GitHub workflow annotations, JUnit XML (test reporters).
//!
//! Each command turns what it found into [`Findings`] (a tool-neutral model: one [`Group`] per
//! proposal file or policy library, one [`Finding`] per violation, lint or error, and one
//! [`RuleMeta`] per rule, lint or diagnostic code that occurs), then renders it with
//! [`render`]. `check` builds its findings with [`Findings::from_reports`]; `lint` with
//! [`Findings::new`], [`Findings::push_diagnostics`] (one call per library) and
//! [`Findings::set_rule`] (its lint registry's metadata).
//!
//! Every renderer is deterministic: no time, no randomness, no hash-map order. Output follows
//! the groups in the order given (by file, for `check`), then each group's findings in order.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use crate::cli::{Exit, count, tally};
use pactum::ast::Item;
use pactum::diag::{Diagnostic, Location, Severity};
use pactum::report::Report;
use pactum::source::{LineCol, SourceFile};

/// The `$schema` of the SARIF logs pactum writes (the OASIS standard, errata 01).
pub const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The `partialFingerprints` key of pactum's results (its recipe is versioned by the key).
pub const FINGERPRINT_KEY: &str = "pactum/v1";

/// The `uriBaseId` of files of the standard library embedded in pactum (`<std>/...`).
pub const STD_BASE_ID: &str = "PACTUM_STD";

/// The output formats of the commands that report findings (`check`, and `lint` when it
/// takes this type for its `--format`): the two every command has, and the CI formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Diagnostics for people.
    Human,
    /// The command's JSON report.
    Json,
    /// SARIF 2.1.0, for code scanning (GitHub, Azure DevOps, IDEs).
    Sarif,
    /// GitHub Actions workflow annotations (`::error file=...::...`), then a summary line.
    Github,
    /// JUnit XML, for test reporters.
    Junit,
}

/// Which pactum command found something.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tool {
    /// `pactum check`: proposals against a policy library.
    Check,
    /// `pactum lint`: a policy library on its own.
    Lint,
}

impl Tool {
    /// `check` or `lint`.
    pub fn as_str(self) -> &'static str {
        match self {
            Tool::Check => "check",
            Tool::Lint => "lint",
        }
    }
}

/// What a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A rule of the policy library fired on a proposal (`check`).
    Violation,
    /// A lint fired on a policy library (`lint`).
    Lint,
    /// Invalid input: a usage, I/O, parse, type or evaluation error, named by its code.
    Error,
}

/// A place in a file: the file, and where in it if known.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    /// The file name as given (a path, or `<std>/...` for the embedded standard library).
    pub file: String,
    /// 1-based line and column (in characters) of the first character.
    pub start: Option<LineCol>,
    /// The position just after the last character (exclusive), when the place is a span.
    pub end: Option<LineCol>,
}

impl Place {
    /// A whole file.
    pub fn file(file: &str) -> Place {
        Place {
            file: file.to_string(),
            start: None,
            end: None,
        }
    }

    /// A point: the JSON report's `location`.
    pub fn point(location: &Location) -> Place {
        Place {
            file: location.file.clone(),
            start: Some(LineCol {
                line: location.line,
                column: location.column,
            }),
            end: None,
        }
    }

    /// A span of a source file.
    pub fn span(source: &SourceFile, span: pactum::source::Span) -> Place {
        let span = source.clamp(span);
        Place {
            file: source.name().to_string(),
            start: Some(source.line_col(span.start)),
            end: (!span.is_empty()).then(|| source.line_col(span.end)),
        }
    }

    /// `file:line:column`, or just the file.
    pub fn display(&self) -> String {
        match self.start {
            Some(s) => format!("{}:{}:{}", self.file, s.line, s.column),
            None => self.file.clone(),
        }
    }
}

/// A secondary place with what is there (the rule's own definition, say).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelatedPlace {
    /// Where.
    pub place: Place,
    /// What is there.
    pub message: String,
}

/// One violation, lint or error, whichever command found it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// What it is.
    pub kind: Kind,
    /// The rule id (violations), the lint's kebab-case name (lints) or the diagnostic code
    /// (errors): the key into [`Findings::rules`].
    pub id: String,
    /// The stable diagnostic code (`pactum::check::violation` for violations).
    pub code: String,
    /// Its severity.
    pub severity: Severity,
    /// Whether it fails its group (exit code 1 or 2): an error, or a warning denied.
    pub fatal: bool,
    /// One line: what is wrong.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// The legal basis (violations).
    pub cite: Option<String>,
    /// The facts that made a rule fire (violations).
    pub evidence: Vec<String>,
    /// Further lines of context (a lint's witness, say).
    pub notes: Vec<String>,
    /// The offending step's id (violations).
    pub step: Option<String>,
    /// The `each` binding that fired (violations).
    pub binding: Option<String>,
    /// The rule an evaluation error is about.
    pub rule: Option<String>,
    /// Where, if anywhere.
    pub location: Option<Place>,
    /// Other places that explain it.
    pub related: Vec<RelatedPlace>,
}

impl Finding {
    /// A finding from a diagnostic: location from its source and span, related places from
    /// `related`, help and notes as they are. The caller sets `id`, `kind` and `fatal`.
    pub fn from_diagnostic(kind: Kind, id: &str, d: &Diagnostic) -> Finding {
        Finding {
            kind,
            id: id.to_string(),
            code: d.code.as_str().to_string(),
            severity: d.severity,
            fatal: d.severity == Severity::Error,
            message: d.message.clone(),
            help: d.help.clone(),
            cite: None,
            evidence: Vec::new(),
            notes: d.notes.clone(),
            step: None,
            binding: None,
            rule: None,
            location: d.source.as_ref().map(|s| Place::span(s, d.span)),
            related: d
                .related
                .iter()
                .map(|r| RelatedPlace {
                    place: Place::span(&r.source, r.span),
                    message: r.label.clone(),
                })
                .collect(),
        }
    }

    /// The lines that explain the finding after its message: step, cite, help, evidence,
    /// notes, related places.
    pub fn details(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some(step) = &self.step {
            lines.push(format!("step: {step}"));
        }
        if let Some(rule) = &self.rule {
            lines.push(format!("rule: {rule}"));
        }
        if let Some(cite) = &self.cite {
            lines.push(format!("cite: {cite}"));
        }
        if let Some(help) = &self.help {
            lines.push(format!("help: {help}"));
        }
        if !self.evidence.is_empty() {
            lines.push("evidence:".to_string());
            lines.extend(self.evidence.iter().map(|e| format!("  - {e}")));
        }
        lines.extend(self.notes.iter().cloned());
        for r in &self.related {
            lines.push(format!("{}: {}", r.message, r.place.display()));
        }
        lines
    }
}

/// What a rule, lint or diagnostic code is: SARIF's `tool.driver.rules` entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleMeta {
    /// The id findings use ([`Finding::id`]).
    pub id: String,
    /// What it is.
    pub kind: Kind,
    /// One line: what it detects.
    pub short: String,
    /// A paragraph: why (defaults to `short`).
    pub full: Option<String>,
    /// What to do when it fires.
    pub help: Option<String>,
    /// The legal basis.
    pub cite: Option<String>,
    /// Its default severity.
    pub severity: Severity,
    /// Tags for filtering in code-scanning UIs (`check`/`lint`, the severity, the id's first
    /// segment, and any given).
    pub tags: Vec<String>,
    /// Where it is defined (a rule's place in its policy file).
    pub defined_at: Option<Place>,
}

impl RuleMeta {
    /// Metadata for a lint: its kebab-case name, default severity, one-line summary and help.
    pub fn lint(name: &str, severity: Severity, short: &str, help: &str) -> RuleMeta {
        RuleMeta {
            id: name.to_string(),
            kind: Kind::Lint,
            short: short.to_string(),
            full: None,
            help: (!help.is_empty()).then(|| help.to_string()),
            cite: None,
            severity,
            tags: Vec::new(),
            defined_at: None,
        }
    }
}

/// The findings about one proposal file (`check`) or one policy library (`lint`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// The proposal file or the library folder.
    pub name: String,
    /// The proposal id, when the file could be parsed.
    pub subject: Option<String>,
    /// Compliant (`check`), or no fatal finding (`lint`).
    pub passed: bool,
    /// The files it covers: a library's policy files (JUnit gives each a test case, so clean
    /// files show as passed tests). May be empty.
    pub files: Vec<String>,
    /// In report order.
    pub findings: Vec<Finding>,
}

/// Everything one run found, ready to render.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Findings {
    /// The command.
    pub tool: Tool,
    /// In output order.
    pub groups: Vec<Group>,
    /// Metadata of every id findings use, by id.
    pub rules: BTreeMap<String, RuleMeta>,
}

impl Findings {
    /// No findings yet.
    pub fn new(tool: Tool) -> Findings {
        Findings {
            tool,
            groups: Vec::new(),
            rules: BTreeMap::new(),
        }
    }

    /// `check`'s findings: one group per report, its input errors (by code) then its
    /// violations (by rule id), as in the JSON report. Warnings are fatal when they are what
    /// made a proposal non-compliant (`--deny warnings`). Rule metadata comes from the rules'
    /// own policy files (their message and help templates and leading comments).
    pub fn from_reports(reports: &[Report]) -> Findings {
        let mut out = Findings::new(Tool::Check);
        let mut policies = PolicyCache::default();
        for r in reports {
            let denied = !r.compliant
                && r.errors.is_empty()
                && !r.violations.iter().any(|v| v.severity == Severity::Error);
            let mut findings = Vec::new();
            for e in &r.errors {
                let mut f = Finding::from_diagnostic(Kind::Error, e.code, &e.diagnostic);
                f.severity = Severity::Error;
                f.fatal = true;
                f.rule = e.rule.clone();
                if f.location.is_none() && !r.file.starts_with('<') {
                    f.location = Some(Place::file(&r.file));
                }
                out.note_rule(&f);
                findings.push(f);
            }
            for v in &r.violations {
                let d = &v.diagnostic;
                let mut f = Finding::from_diagnostic(Kind::Violation, &v.rule, d);
                f.severity = v.severity;
                f.fatal =
                    v.severity == Severity::Error || (denied && v.severity == Severity::Warning);
                f.message = v.message.clone();
                f.help = v.help.clone();
                f.cite = v.cite.clone();
                f.evidence = v.evidence.clone();
                f.notes = Vec::new();
                f.step = v.step.clone();
                f.binding = v.binding.clone();
                if f.location.is_none() {
                    f.location = Some(Place::point(&v.location));
                }
                if !out.rules.contains_key(&v.rule) {
                    let meta = policies.rule_meta(&f, d);
                    out.rules.insert(v.rule.clone(), meta);
                }
                findings.push(f);
            }
            out.groups.push(Group {
                name: r.file.clone(),
                subject: r.proposal.clone(),
                passed: r.compliant && r.errors.is_empty(),
                files: vec![r.file.clone()],
                findings,
            });
        }
        out
    }

    /// Adds a group from diagnostics (`lint`: one call per policy library, with its policy
    /// files). A diagnostic with `rule` set is a lint named by it; one without is an error
    /// named by its code; one that points at no file is placed on the library folder. Errors
    /// are fatal, and warnings with `deny_warnings`. Metadata given
    /// earlier with [`Findings::set_rule`] is kept; ids without any get metadata derived
    /// from their first diagnostic.
    pub fn push_diagnostics(
        &mut self,
        name: &str,
        files: &[String],
        diags: &[Diagnostic],
        deny_warnings: bool,
    ) {
        let findings: Vec<Finding> = diags
            .iter()
            .map(|d| {
                let (kind, id) = match &d.rule {
                    Some(rule) => (Kind::Lint, rule.as_str()),
                    None => (Kind::Error, d.code.as_str()),
                };
                let mut f = Finding::from_diagnostic(kind, id, d);
                f.fatal = d.severity == Severity::Error
                    || (deny_warnings && d.severity == Severity::Warning);
                if f.location.is_none() && !name.starts_with('<') {
                    f.location = Some(Place::file(name));
                }
                self.note_rule(&f);
                f
            })
            .collect();
        self.groups.push(Group {
            name: name.to_string(),
            subject: None,
            passed: !findings.iter().any(|f| f.fatal),
            files: files.to_vec(),
            findings,
        });
    }

    /// Sets (or replaces) the metadata of one id: a lint's registry entry, say.
    pub fn set_rule(&mut self, meta: RuleMeta) {
        self.rules.insert(meta.id.clone(), meta);
    }

    /// The exit code the contract gives these findings: `2` if any error (invalid input),
    /// else `1` if a group did not pass, else `0`.
    pub fn exit(&self) -> Exit {
        self.groups.iter().fold(Exit::Ok, |acc, g| {
            let e = if g.findings.iter().any(|f| f.kind == Kind::Error) {
                Exit::Invalid
            } else if !g.passed {
                Exit::Violations
            } else {
                Exit::Ok
            };
            acc.max(e)
        })
    }

    /// Counts of (errors, warnings, notes) over every finding.
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut c = (0, 0, 0);
        for f in self.groups.iter().flat_map(|g| &g.findings) {
            match f.severity {
                Severity::Error => c.0 += 1,
                Severity::Warning => c.1 += 1,
                Severity::Note => c.2 += 1,
            }
        }
        c
    }

    /// The closing line: `checked 2 proposals: 1 error, 1 warning, 0 notes` (as the human
    /// report ends) or `linted 1 library: ...`.
    pub fn summary(&self) -> String {
        let n = self.groups.len() as u64;
        let what = match self.tool {
            Tool::Check => format!("checked {}", count(n, "proposal")),
            Tool::Lint if n == 1 => "linted 1 library".to_string(),
            Tool::Lint => format!("linted {n} libraries"),
        };
        let (e, w, o) = self.counts();
        format!("{what}: {}", tally(e, w, o))
    }

    /// Records metadata for a finding's id unless some is known: derived from the finding.
    fn note_rule(&mut self, f: &Finding) {
        if self.rules.contains_key(&f.id) {
            return;
        }
        let meta = match f.kind {
            Kind::Error => code_meta(f),
            Kind::Violation | Kind::Lint => RuleMeta {
                id: f.id.clone(),
                kind: f.kind,
                short: format!("{} `{}`", kind_word(f.kind), f.id),
                full: None,
                help: f.help.clone(),
                cite: f.cite.clone(),
                severity: f.severity,
                tags: Vec::new(),
                defined_at: None,
            },
        };
        self.rules.insert(f.id.clone(), meta);
    }
}

fn kind_word(kind: Kind) -> &'static str {
    match kind {
        Kind::Violation => "rule",
        Kind::Lint => "lint",
        Kind::Error => "error",
    }
}

/// Metadata for a diagnostic code: `pactum::parse::json_syntax` reads "parse error: json
/// syntax"; the help is the first occurrence's.
fn code_meta(f: &Finding) -> RuleMeta {
    let rest = f.id.strip_prefix("pactum::").unwrap_or(&f.id);
    let mut parts = rest.split("::");
    let stage = parts.next().unwrap_or("pactum");
    let what: Vec<String> = parts.map(|p| p.replace('_', " ")).collect();
    let short = if what.is_empty() {
        format!("{stage} error")
    } else {
        format!("{stage} error: {}", what.join(" "))
    };
    RuleMeta {
        id: f.id.clone(),
        kind: Kind::Error,
        full: Some(format!(
            "{short}: pactum's diagnostic `{}`, e.g. \"{}\". docs/diagnostics.md lists every code with an input that triggers it.",
            f.id, f.message
        )),
        short,
        help: f.help.clone(),
        cite: None,
        severity: Severity::Error,
        tags: Vec::new(),
        defined_at: None,
    }
}

/// Policy files parsed once each, to describe the rules that fired.
#[derive(Default)]
struct PolicyCache {
    files: BTreeMap<String, Option<pactum::ast::PolicyFile>>,
}

impl PolicyCache {
    /// A violation's rule: its message template (short), leading comment (full), help
    /// template and severity as written, and its place; from the diagnostic's first related
    /// location, which is the rule's definition.
    fn rule_meta(&mut self, f: &Finding, d: &Diagnostic) -> RuleMeta {
        let mut meta = RuleMeta {
            id: f.id.clone(),
            kind: Kind::Violation,
            short: format!("rule `{}`", f.id),
            full: None,
            help: f.help.clone(),
            cite: f.cite.clone(),
            severity: f.severity,
            tags: Vec::new(),
            defined_at: None,
        };
        let Some(rel) = d.related.first() else {
            return meta;
        };
        meta.defined_at = Some(Place::span(&rel.source, rel.span));
        let source = &rel.source;
        let parsed = self
            .files
            .entry(source.name().to_string())
            .or_insert_with(|| pactum::parse::parse_policy(source).ok());
        let Some(file) = parsed else {
            return meta;
        };
        let decl = file.items.iter().find_map(|i| match i {
            Item::Rule(r) if r.id.node == f.id => Some(r),
            _ => None,
        });
        let Some(decl) = decl else {
            return meta;
        };
        if let Some(m) = &decl.message {
            meta.short = m.node.clone();
        }
        if let Some(h) = &decl.help {
            meta.help = Some(h.node.clone());
        }
        meta.full = leading_comment(source.text(), decl.span.start as usize);
        meta
    }
}

/// The `//` comment lines right above a declaration, as paragraphs.
fn leading_comment(text: &str, start: usize) -> Option<String> {
    let before = text.get(..start)?;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let above = before.get(..line_start)?;
    let mut lines: Vec<&str> = Vec::new();
    for line in above.lines().rev() {
        let Some(c) = line.trim_start().strip_prefix("//") else {
            break;
        };
        lines.push(c.strip_prefix(' ').unwrap_or(c).trim_end());
    }
    lines.reverse();
    let mut out = String::new();
    for l in lines {
        if l.is_empty() {
            if !out.is_empty() && !out.ends_with("\n\n") {
                out.push_str("\n\n");
            }
        } else {
            if !out.is_empty() && !out.ends_with('\n') {
                out.push(' ');
            }
            out.push_str(l);
        }
    }
    let out = out.trim().to_string();
    (!out.is_empty()).then_some(out)
}

/// Renders findings in a CI format; `None` for `human` and `json`, which each command
/// renders itself.
pub fn render(format: Format, findings: &Findings) -> Option<String> {
    match format {
        Format::Sarif => Some(sarif(findings)),
        Format::Github => Some(github(findings)),
        Format::Junit => Some(junit(findings)),
        Format::Human | Format::Json => None,
    }
}

// ---------------------------------------------------------------------------------------
// SARIF 2.1.0

/// A SARIF 2.1.0 log with one run: `tool.driver.rules` (sorted by id) and one result per
/// finding, with a stable partial fingerprint. Columns count Unicode code points.
///
/// Every result has a physical location (GitHub code scanning rejects a whole log over one
/// result without): a finding that points at no file at all (a usage error) becomes a
/// tool execution notification of the invocation instead, which then did not succeed.
pub fn sarif(findings: &Findings) -> String {
    let mut located: Vec<(&Group, &Finding)> = Vec::new();
    let mut loose: Vec<&Finding> = Vec::new();
    for g in &findings.groups {
        for f in &g.findings {
            match f.location {
                Some(_) => located.push((g, f)),
                None => loose.push(f),
            }
        }
    }
    let used: std::collections::BTreeSet<&str> =
        located.iter().map(|(_, f)| f.id.as_str()).collect();
    let metas: Vec<&RuleMeta> = findings
        .rules
        .values()
        .filter(|m| used.contains(m.id.as_str()))
        .collect();
    let index: BTreeMap<&str, usize> = metas
        .iter()
        .enumerate()
        .map(|(i, m)| (m.id.as_str(), i))
        .collect();
    let rules: Vec<Value> = metas.iter().map(|m| sarif_rule(findings.tool, m)).collect();
    let uses_std = located.iter().any(|(_, f)| {
        f.location
            .iter()
            .chain(f.related.iter().map(|r| &r.place))
            .any(|p| p.file.starts_with("<std>/"))
    });
    let results: Vec<Value> = located
        .iter()
        .map(|(g, f)| sarif_result(findings.tool, g, f, index.get(f.id.as_str())))
        .collect();
    let notifications: Vec<Value> = loose
        .iter()
        .map(|f| {
            let mut text = f.message.clone();
            if let Some(h) = &f.help {
                text.push_str(&format!(" (help: {h})"));
            }
            json!({
                "level": level(f.severity),
                "message": { "text": text },
                "descriptor": { "id": f.id },
            })
        })
        .collect();
    let mut driver = Map::new();
    driver.insert("name".into(), json!("pactum"));
    driver.insert(
        "fullName".into(),
        json!(format!("pactum {}", findings.tool.as_str())),
    );
    driver.insert("version".into(), json!(env!("CARGO_PKG_VERSION")));
    driver.insert("semanticVersion".into(), json!(env!("CARGO_PKG_VERSION")));
    if let Some(uri) = information_uri() {
        driver.insert("informationUri".into(), json!(uri));
    }
    driver.insert("rules".into(), Value::Array(rules));
    let mut invocation = Map::new();
    invocation.insert(
        "executionSuccessful".into(),
        json!(!loose.iter().any(|f| f.severity == Severity::Error)),
    );
    invocation.insert("exitCode".into(), json!(findings.exit() as i32));
    if !notifications.is_empty() {
        invocation.insert(
            "toolExecutionNotifications".into(),
            Value::Array(notifications),
        );
    }
    let mut run = Map::new();
    run.insert("tool".into(), json!({ "driver": driver }));
    run.insert("invocations".into(), json!([invocation]));
    if uses_std {
        run.insert(
            "originalUriBaseIds".into(),
            json!({ STD_BASE_ID: { "description": { "text":
                "the standard policy library embedded in pactum (policies/ in pactum's sources)"
            } } }),
        );
    }
    run.insert("columnKind".into(), json!("unicodeCodePoints"));
    run.insert("results".into(), Value::Array(results));
    let log = json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [run],
    });
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_default();
    text.push('\n');
    text
}

/// `CARGO_PKG_REPOSITORY`, else `CARGO_PKG_HOMEPAGE`, if set.
fn information_uri() -> Option<&'static str> {
    [env!("CARGO_PKG_REPOSITORY"), env!("CARGO_PKG_HOMEPAGE")]
        .into_iter()
        .find(|u| u.starts_with("https://") || u.starts_with("http://"))
}

fn sarif_rule(tool: Tool, m: &RuleMeta) -> Value {
    let full = m.full.clone().unwrap_or_else(|| m.short.clone());
    let mut help_text = Vec::new();
    let mut help_md = Vec::new();
    if let Some(h) = &m.help {
        help_text.push(h.clone());
        help_md.push(md_escape(h));
    }
    if let Some(c) = &m.cite {
        help_text.push(format!("Legal basis: {c}"));
        help_md.push(format!("**Legal basis:** {}", md_escape(c)));
    }
    if let Some(p) = &m.defined_at {
        help_text.push(format!("Defined at {}", p.display()));
        help_md.push(format!("Defined at `{}`", p.display().replace('`', "'")));
    }
    if m.kind == Kind::Error {
        help_text.push("See docs/diagnostics.md.".to_string());
        help_md.push("See `docs/diagnostics.md`.".to_string());
    }
    if help_text.is_empty() {
        help_text.push(full.clone());
        help_md.push(md_escape(&full));
    }
    let mut tags = vec![
        "pactum".to_string(),
        tool.as_str().to_string(),
        kind_word(m.kind).to_string(),
        m.severity.as_str().to_string(),
    ];
    if m.kind == Kind::Violation {
        if let Some(first) = m.id.split('.').next() {
            tags.push(first.to_string());
        }
    }
    for t in &m.tags {
        tags.push(t.clone());
    }
    let mut seen = std::collections::BTreeSet::new();
    tags.retain(|t| seen.insert(t.clone()));
    let mut props = Map::new();
    if let Some(c) = &m.cite {
        props.insert("cite".into(), json!(c));
    }
    props.insert("tags".into(), json!(tags));
    json!({
        "id": m.id,
        "name": pascal_case(&m.id),
        "shortDescription": { "text": m.short },
        "fullDescription": { "text": full },
        "help": { "text": help_text.join("\n\n"), "markdown": help_md.join("\n\n") },
        "defaultConfiguration": { "level": level(m.severity) },
        "properties": props,
    })
}

fn sarif_result(tool: Tool, g: &Group, f: &Finding, rule_index: Option<&usize>) -> Value {
    let mut text = f.message.clone();
    if let Some(c) = &f.cite {
        text.push_str(&format!(" (cite: {c})"));
    }
    let mut r = Map::new();
    r.insert("ruleId".into(), json!(f.id));
    if let Some(i) = rule_index {
        r.insert("ruleIndex".into(), json!(i));
    }
    r.insert("level".into(), json!(level(f.severity)));
    r.insert("message".into(), json!({ "text": text }));
    if let Some(p) = &f.location {
        r.insert(
            "locations".into(),
            json!([{ "physicalLocation": physical(p) }]),
        );
    }
    if !f.related.is_empty() {
        let related: Vec<Value> = f
            .related
            .iter()
            .enumerate()
            .map(|(i, rp)| {
                json!({
                    "id": i,
                    "physicalLocation": physical(&rp.place),
                    "message": { "text": rp.message },
                })
            })
            .collect();
        r.insert("relatedLocations".into(), Value::Array(related));
    }
    r.insert(
        "partialFingerprints".into(),
        json!({ FINGERPRINT_KEY: fingerprint(tool, g, f) }),
    );
    let mut props = Map::new();
    if let Some(s) = &g.subject {
        props.insert("proposal".into(), json!(s));
    }
    if let Some(s) = &f.step {
        props.insert("step".into(), json!(s));
    }
    if let Some(s) = &f.binding {
        props.insert("binding".into(), json!(s));
    }
    if let Some(s) = &f.rule {
        props.insert("rule".into(), json!(s));
    }
    props.insert("code".into(), json!(f.code));
    if let Some(h) = &f.help {
        props.insert("help".into(), json!(h));
    }
    if let Some(c) = &f.cite {
        props.insert("cite".into(), json!(c));
    }
    if !f.evidence.is_empty() {
        props.insert("evidence".into(), json!(f.evidence));
    }
    if !f.notes.is_empty() {
        props.insert("notes".into(), json!(f.notes));
    }
    r.insert("properties".into(), Value::Object(props));
    Value::Object(r)
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn physical(p: &Place) -> Value {
    let mut loc = Map::new();
    loc.insert("artifactLocation".into(), artifact_location(&p.file));
    if let Some(s) = p.start {
        let mut region = Map::new();
        region.insert("startLine".into(), json!(s.line.max(1)));
        region.insert("startColumn".into(), json!(s.column.max(1)));
        if let Some(e) = p.end {
            region.insert("endLine".into(), json!(e.line.max(s.line).max(1)));
            let end_col = if e.line > s.line {
                e.column
            } else {
                e.column.max(s.column)
            };
            region.insert("endColumn".into(), json!(end_col.max(1)));
        }
        loc.insert("region".into(), Value::Object(region));
    }
    Value::Object(loc)
}

/// A file name as a SARIF artifact location: a relative URI reference with forward slashes
/// (percent-encoded), `file:///...` for an absolute path, and the standard library's
/// `<std>/x.policy` as `x.policy` relative to [`STD_BASE_ID`].
pub fn artifact_location(file: &str) -> Value {
    let mut path = file.replace('\\', "/");
    while let Some(rest) = path.strip_prefix("./") {
        path = rest.to_string();
    }
    if let Some(rest) = path.strip_prefix("<std>/") {
        return json!({ "uri": uri_encode(rest), "uriBaseId": STD_BASE_ID });
    }
    let bytes = path.as_bytes();
    let drive = bytes.len() >= 3
        && bytes.first().is_some_and(u8::is_ascii_alphabetic)
        && bytes.get(1) == Some(&b':')
        && bytes.get(2) == Some(&b'/');
    if drive {
        let (d, rest) = path.split_at(2);
        return json!({ "uri": format!("file:///{d}{}", uri_encode(rest)) });
    }
    if path.starts_with('/') {
        return json!({ "uri": format!("file://{}", uri_encode(&path)) });
    }
    json!({ "uri": uri_encode(&path) })
}

/// Percent-encodes everything but unreserved characters, sub-delimiters, `@` and `/`.
fn uri_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A stable fingerprint: FNV-1a (64 bits, hex) of the tool, id, file and what tells the
/// finding apart within the file (step and binding for a violation, else the message).
/// Line numbers are left out, so a finding keeps its fingerprint when lines move.
fn fingerprint(tool: Tool, g: &Group, f: &Finding) -> String {
    let file = f.location.as_ref().map_or(g.name.as_str(), |p| &p.file);
    let mut parts: Vec<&str> = vec![tool.as_str(), &f.id, file];
    match (&f.step, &f.binding) {
        (None, None) => parts.push(&f.message),
        (step, binding) => {
            parts.push(step.as_deref().unwrap_or(""));
            parts.push(binding.as_deref().unwrap_or(""));
        }
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

fn pascal_case(id: &str) -> String {
    let mut out = String::new();
    for part in id.split(|c: char| !c.is_alphanumeric()) {
        let mut chars = part.chars();
        if let Some(c) = chars.next() {
            out.extend(c.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    out
}

fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

// ---------------------------------------------------------------------------------------
// GitHub workflow annotations

/// GitHub workflow commands, one per finding (`::error`, `::warning` or `::notice`, with
/// file, line, column and end when known, the id as title; the message followed by the
/// details on further lines), then the summary as a plain line.
pub fn github(findings: &Findings) -> String {
    let mut out = String::new();
    for f in findings.groups.iter().flat_map(|g| &g.findings) {
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut props: Vec<String> = Vec::new();
        if let Some(p) = &f.location {
            props.push(format!("file={}", gh_property(&p.file.replace('\\', "/"))));
            if let Some(s) = p.start {
                props.push(format!("line={}", s.line));
                let end = p.end.filter(|e| e.line >= s.line);
                match end {
                    Some(e) if e.line == s.line => {
                        // GitHub takes columns only on one line; its end column is inclusive.
                        props.push(format!("col={}", s.column));
                        let last = e.column.saturating_sub(1).max(s.column);
                        props.push(format!("endColumn={last}"));
                    }
                    Some(e) => props.push(format!("endLine={}", e.line)),
                    None => props.push(format!("col={}", s.column)),
                }
            }
        }
        props.push(format!("title={}", gh_property(&f.id)));
        let mut message = f.message.clone();
        for line in f.details() {
            message.push('\n');
            message.push_str(&line);
        }
        let _ = writeln!(
            out,
            "::{command} {}::{}",
            props.join(","),
            gh_data(&message)
        );
    }
    out.push_str(&findings.summary());
    out.push('\n');
    out
}

/// Escapes a workflow command's message (`%`, CR, LF), as GitHub's toolkit does.
pub fn gh_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value: the message escapes plus `:` and `,`.
pub fn gh_property(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

// ---------------------------------------------------------------------------------------
// JUnit XML

/// JUnit XML: one `<testsuite>` per group. For `check`, one test case per proposal, which
/// passes when the proposal is compliant; for `lint`, one per policy file of the library
/// (and one for the library itself when a finding has no file). Each fatal finding is a
/// `<failure>` (a violation or lint) or an `<error>` (invalid input) whose body holds the
/// location and details; the others go to the test case's `<system-out>`.
pub fn junit(findings: &Findings) -> String {
    struct Case<'a> {
        name: String,
        file: String,
        findings: Vec<&'a Finding>,
    }
    let tool = findings.tool.as_str();
    let mut suites = String::new();
    let (mut tests, mut failures, mut errors) = (0usize, 0usize, 0usize);
    for g in &findings.groups {
        let mut cases: Vec<Case<'_>> = Vec::new();
        match findings.tool {
            Tool::Check => cases.push(Case {
                name: g.subject.clone().unwrap_or_else(|| g.name.clone()),
                file: g.name.clone(),
                findings: g.findings.iter().collect(),
            }),
            Tool::Lint => {
                let mut by_file: BTreeMap<String, Vec<&Finding>> =
                    g.files.iter().map(|f| (f.clone(), Vec::new())).collect();
                let mut loose: Vec<&Finding> = Vec::new();
                for f in &g.findings {
                    match &f.location {
                        Some(p) => by_file.entry(p.file.clone()).or_default().push(f),
                        None => loose.push(f),
                    }
                }
                if !loose.is_empty() || by_file.is_empty() {
                    cases.push(Case {
                        name: g.name.clone(),
                        file: g.name.clone(),
                        findings: loose,
                    });
                }
                cases.extend(by_file.into_iter().map(|(file, fs)| Case {
                    name: file.clone(),
                    file,
                    findings: fs,
                }));
            }
        }
        let mut body = String::new();
        let (mut s_fail, mut s_err) = (0usize, 0usize);
        for c in &cases {
            let fatal: Vec<&&Finding> = c.findings.iter().filter(|f| f.fatal).collect();
            let other: Vec<&&Finding> = c.findings.iter().filter(|f| !f.fatal).collect();
            if fatal.iter().any(|f| f.kind == Kind::Error) {
                s_err += 1;
            } else if !fatal.is_empty() || (findings.tool == Tool::Check && !g.passed) {
                s_fail += 1;
            }
            let _ = write!(
                body,
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\"",
                xml(&c.name, true),
                xml(&g.name, true),
                xml(&c.file, true)
            );
            if fatal.is_empty() && other.is_empty() {
                body.push_str("/>\n");
                continue;
            }
            body.push_str(">\n");
            for f in &fatal {
                let element = if f.kind == Kind::Error {
                    "error"
                } else {
                    "failure"
                };
                let _ = writeln!(
                    body,
                    "      <{element} message=\"{}\" type=\"{}\">{}</{element}>",
                    xml(&f.message, true),
                    xml(&f.id, true),
                    xml(&junit_text(f), false)
                );
            }
            if !other.is_empty() {
                let text: Vec<String> = other.iter().map(|f| junit_text(f)).collect();
                let _ = writeln!(
                    body,
                    "      <system-out>{}</system-out>",
                    xml(&text.join("\n\n"), false)
                );
            }
            body.push_str("    </testcase>\n");
        }
        tests += cases.len();
        failures += s_fail;
        errors += s_err;
        let _ = writeln!(
            suites,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{s_fail}\" errors=\"{s_err}\" skipped=\"0\">",
            xml(&g.name, true),
            cases.len()
        );
        if let Some(s) = &g.subject {
            let _ = writeln!(
                suites,
                "    <properties>\n      <property name=\"proposal\" value=\"{}\"/>\n    </properties>",
                xml(s, true)
            );
        }
        suites.push_str(&body);
        suites.push_str("  </testsuite>\n");
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"pactum {tool}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">"
    );
    out.push_str(&suites);
    out.push_str("</testsuites>\n");
    out
}

/// A finding as text: `severity[id]: message`, where, then the details.
fn junit_text(f: &Finding) -> String {
    let mut lines = vec![format!("{}[{}]: {}", f.severity.as_str(), f.id, f.message)];
    if let Some(p) = &f.location {
        lines.push(format!("  --> {}", p.display()));
    }
    lines.extend(f.details());
    lines.join("\n")
}

/// Escapes text for XML 1.0 content (`attr: false`) or a double-quoted attribute, replacing
/// characters XML cannot hold (most control characters) with U+FFFD.
pub fn xml(s: &str, attr: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attr => out.push_str("&quot;"),
            '\'' if attr => out.push_str("&apos;"),
            '\n' if attr => out.push_str("&#10;"),
            '\t' if attr => out.push_str("&#9;"),
            '\r' => out.push_str("&#13;"),
            '\t'
            | '\n'
            | '\u{20}'..='\u{D7FF}'
            | '\u{E000}'..='\u{FFFD}'
            | '\u{10000}'..='\u{10FFFF}' => {
                out.push(c);
            }
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_workflow_commands() {
        assert_eq!(gh_data("50% a\r\nb"), "50%25 a%0D%0Ab");
        assert_eq!(gh_property("a:b,c%"), "a%3Ab%2Cc%25");
    }

    #[test]
    fn escapes_xml() {
        assert_eq!(xml("a<b>&\"'", true), "a&lt;b&gt;&amp;&quot;&apos;");
        assert_eq!(xml("a\nb\u{1}", false), "a\nb\u{FFFD}");
        assert_eq!(xml("a\nb", true), "a&#10;b");
    }

    #[test]
    fn artifact_uris() {
        assert_eq!(
            artifact_location("policies\\examples\\a b.json"),
            json!({ "uri": "policies/examples/a%20b.json" })
        );
        assert_eq!(
            artifact_location("./x:y.proposal"),
            json!({ "uri": "x%3Ay.proposal" })
        );
        assert_eq!(
            artifact_location("<std>/ots.policy"),
            json!({ "uri": "ots.policy", "uriBaseId": STD_BASE_ID })
        );
        assert_eq!(
            artifact_location("/tmp/é.json"),
            json!({ "uri": "file:///tmp/%C3%A9.json" })
        );
        assert_eq!(
            artifact_location("C:\\p\\a.json"),
            json!({ "uri": "file:///C:/p/a.json" })
        );
        assert_eq!(
            artifact_location("<command line>"),
            json!({ "uri": "%3Ccommand%20line%3E" })
        );
    }

    #[test]
    fn names_and_comments() {
        assert_eq!(
            pascal_case("caspian.non_littoral_forces"),
            "CaspianNonLittoralForces"
        );
        assert_eq!(pascal_case("unused-definition"), "UnusedDefinition");
        let text = "// one\n\n// two\n// three\n//\n// four\nrule x {}";
        let start = text.find("rule").unwrap_or(0);
        assert_eq!(
            leading_comment(text, start).as_deref(),
            Some("two three\n\nfour")
        );
        assert_eq!(leading_comment("\nrule x {}", 1), None);
    }

    #[test]
    fn lint_findings_from_diagnostics() {
        let src = SourceFile::new("lib/rules.policy", "rule a.b {\n  severity error\n}\n");
        let mut d = Diagnostic::error(
            pactum::diag::Code::RuleShape,
            "rule `a.b` can never fire",
            &src,
            pactum::source::Span::new(5, 8),
            "here",
        )
        .with_help("drop it");
        d.severity = Severity::Warning;
        d.rule = Some("never-fires".to_string());
        let syntax = Diagnostic::bare(pactum::diag::Code::PolicySyntax, "bad");
        let mut f = Findings::new(Tool::Lint);
        f.set_rule(RuleMeta::lint(
            "never-fires",
            Severity::Warning,
            "a rule that no proposal can trigger",
            "fix its condition",
        ));
        f.push_diagnostics(
            "lib",
            &[
                "lib/rules.policy".to_string(),
                "lib/schema.policy".to_string(),
            ],
            &[d.clone()],
            false,
        );
        assert!(f.groups.iter().all(|g| g.passed));
        assert_eq!(f.exit(), Exit::Ok);
        assert_eq!(
            f.rules.get("never-fires").map(|m| m.short.as_str()),
            Some("a rule that no proposal can trigger")
        );
        f.push_diagnostics("lib2", &[], &[d, syntax], true);
        assert_eq!(f.exit(), Exit::Invalid);
        assert_eq!(
            f.summary(),
            "linted 2 libraries: 1 error, 2 warnings, 0 notes"
        );
        let junit = junit(&f);
        assert!(junit.contains("<testcase name=\"lib/schema.policy\""));
        assert!(junit.contains("<error message=\"bad\" type=\"pactum::parse::policy_syntax\">"));
        let gh = github(&f);
        assert!(gh.starts_with(
            "::warning file=lib/rules.policy,line=1,col=6,endColumn=8,title=never-fires::rule `a.b` can never fire%0Ahelp: drop it\n"
        ));
        let sarif: Value = serde_json::from_str(&sarif(&f)).unwrap_or_default();
        assert_eq!(
            sarif["runs"][0]["tool"]["driver"]["rules"][0]["id"],
            "never-fires"
        );
    }
}
