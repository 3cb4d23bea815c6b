//! Output formats for CI systems, shared by `pactum check` and `pactum lint`: SARIF 2.1.0
//! (code scanning, [`sarif`]), GitHub workflow annotations ([`github`]), JUnit XML (test
//! reporters, [`junit`]).
//!
//! Each command describes what it found as a [`Source`]: groups (one per proposal file or
//! policy library), each a list of [`Finding`]s (a violation, lint or error) that the
//! source can go over as many times as a format needs, in report order. `lint` keeps its
//! findings in memory ([`Findings`]); `check` explains a file's violations again on each
//! visit, so that no output holds a large proposal's findings at once. A format first
//! goes over everything once ([`Run::scan`]: counts, exit code, the rules that occur),
//! then writes as it visits the groups again.
//!
//! Every writer is deterministic: no time, no randomness, no hash-map order. Output follows
//! the groups in order (by file, for `check`), then each group's findings in order.

mod github;
mod junit;
mod sarif;

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::cli::{Exit, count, tally};
use pactum::{Diagnostic, LineCol, Location, Severity, SourceFile};

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
    pub fn span(source: &SourceFile, span: pactum::Span) -> Place {
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
    /// Repairs (violations; SARIF carries them).
    pub fixes: Vec<pactum::Fix>,
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
                .also
                .iter()
                .filter_map(|(span, label)| {
                    Some(RelatedPlace {
                        place: Place::span(d.source.as_ref()?, *span),
                        message: label.clone(),
                    })
                })
                .chain(d.related.iter().map(|r| RelatedPlace {
                    place: Place::span(&r.source, r.span),
                    message: r.label.clone(),
                }))
                .collect(),
            fixes: Vec::new(),
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
        lines.extend(
            self.notes
                .iter()
                .flat_map(|n| n.split('\n'))
                .map(str::to_string),
        );
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

/// What a group is, beside its findings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    /// The proposal file or the library folder.
    pub name: String,
    /// The proposal id, when the file could be parsed.
    pub subject: Option<String>,
    /// Compliant (`check`), or no fatal finding (`lint`).
    pub passed: bool,
    /// The files it covers: a library's policy files (JUnit gives each a test case, so clean
    /// files show as passed tests). May be empty.
    pub files: Vec<String>,
}

/// What a command found, for the CI formats: groups of findings, each group visited as
/// often as a format needs, giving the same findings in the same order each time.
pub trait Source {
    /// The command.
    fn tool(&self) -> Tool;
    /// How many groups, in output order.
    fn groups(&self) -> usize;
    /// Goes over the findings of group `i` in report order, and gives its head.
    fn visit(&self, i: usize, each: &mut dyn FnMut(&Finding)) -> Head;
    /// Goes over every finding of group `i` once, in any order (the first pass).
    fn scan(&self, i: usize, each: &mut dyn FnMut(&Finding)) -> Head {
        self.visit(i, each)
    }
    /// What `f.id` is (its SARIF rule entry), asked once per id, for its first finding.
    fn meta(&self, f: &Finding) -> RuleMeta;
}

/// Writes a source in a CI format; `human` and `json` are each command's own. Returns the
/// exit code the contract gives the findings.
pub fn write(format: Format, source: &dyn Source, out: &mut dyn Write) -> io::Result<Exit> {
    match format {
        Format::Sarif => sarif::write(source, out),
        Format::Github => github::write(source, out),
        Format::Junit => junit::write(source, out),
        Format::Human | Format::Json => Ok(Run::scan(source).exit()),
    }
}

/// Writes a source in a CI format to standard output (SARIF through
/// [`crate::cli::JsonSafe`]). A failed write is recorded ([`crate::cli::write_failed`]) and
/// the exit code still counts every finding.
pub fn to_writer(out: &mut dyn Write, format: Format, source: &dyn Source) -> Exit {
    let mut out = io::BufWriter::new(out);
    let written = if format == Format::Sarif {
        write(format, source, &mut crate::cli::JsonSafe(&mut out))
    } else {
        write(format, source, &mut out)
    };
    let flushed = out.flush();
    match (written, flushed) {
        (Ok(exit), Ok(())) => exit,
        (Err(e), _) | (_, Err(e)) => {
            crate::cli::write_failed(&e);
            Run::scan(source).exit()
        }
    }
}

/// What a JUnit test case holds: whether a fatal error, a fatal failure or anything
/// non-fatal is among its findings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CaseStats {
    /// A fatal finding that is invalid input.
    pub error: bool,
    /// A fatal finding that is a violation or lint.
    pub failure: bool,
    /// A finding that is not fatal.
    pub other: bool,
}

/// Everything a format must know before it writes: a first pass over the source.
#[derive(Debug)]
pub struct Run {
    /// The command.
    pub tool: Tool,
    /// Each group's head.
    pub heads: Vec<Head>,
    /// Per group: whether any finding is invalid input, and its test cases (by
    /// [`case_of`]).
    pub cases: Vec<(bool, BTreeMap<String, CaseStats>)>,
    /// Metadata of every id a finding uses, by id.
    pub rules: BTreeMap<String, RuleMeta>,
    /// The ids of findings with a location (SARIF results).
    pub located: std::collections::BTreeSet<String>,
    /// Findings without any location (SARIF notifications): usage errors, in order.
    pub loose: Vec<Finding>,
    /// Whether a location or related place is in the standard library (`<std>/...`).
    pub uses_std: bool,
    /// (errors, warnings, notes) over every finding.
    pub counts: (usize, usize, usize),
}

impl Run {
    /// Goes over every group once.
    pub fn scan(source: &dyn Source) -> Run {
        let tool = source.tool();
        let mut run = Run {
            tool,
            heads: Vec::new(),
            cases: Vec::new(),
            rules: BTreeMap::new(),
            located: std::collections::BTreeSet::new(),
            loose: Vec::new(),
            uses_std: false,
            counts: (0, 0, 0),
        };
        for i in 0..source.groups() {
            let mut invalid = false;
            let mut found: Vec<(String, bool, bool, bool)> = Vec::new();
            let head = source.scan(i, &mut |f| {
                match f.severity {
                    Severity::Error => run.counts.0 += 1,
                    Severity::Warning => run.counts.1 += 1,
                    Severity::Note => run.counts.2 += 1,
                }
                invalid |= f.kind == Kind::Error;
                if !run.rules.contains_key(&f.id) {
                    run.rules.insert(f.id.clone(), source.meta(f));
                }
                match &f.location {
                    Some(_) => {
                        if !run.located.contains(&f.id) {
                            run.located.insert(f.id.clone());
                        }
                    }
                    None => run.loose.push(f.clone()),
                }
                run.uses_std |= f
                    .location
                    .iter()
                    .chain(f.related.iter().map(|r| &r.place))
                    .any(|p| p.file.starts_with("<std>/"));
                found.push((
                    f.location
                        .as_ref()
                        .map(|p| p.file.clone())
                        .unwrap_or_default(),
                    f.fatal && f.kind == Kind::Error,
                    f.fatal && f.kind != Kind::Error,
                    !f.fatal,
                ));
            });
            let mut cases: BTreeMap<String, CaseStats> = BTreeMap::new();
            if tool == Tool::Lint {
                for file in &head.files {
                    cases.entry(file.clone()).or_default();
                }
            }
            for (file, error, failure, other) in found {
                let key = case_of(tool, &head, (!file.is_empty()).then_some(file.as_str()));
                let c = cases.entry(key).or_default();
                c.error |= error;
                c.failure |= failure;
                c.other |= other;
            }
            if cases.is_empty() {
                cases.insert(head.name.clone(), CaseStats::default());
            }
            run.heads.push(head);
            run.cases.push((invalid, cases));
        }
        run
    }

    /// The exit code the contract gives these findings: `2` if any error (invalid input),
    /// else `1` if a group did not pass, else `0`.
    pub fn exit(&self) -> Exit {
        self.heads
            .iter()
            .zip(&self.cases)
            .fold(Exit::Ok, |acc, (h, (invalid, _))| {
                let e = if *invalid {
                    Exit::Invalid
                } else if !h.passed {
                    Exit::Violations
                } else {
                    Exit::Ok
                };
                acc.max(e)
            })
    }
}

/// The JUnit test case a finding belongs to: for `check`, its proposal file (one case per
/// group); for `lint`, the policy file it points at, else the library.
pub fn case_of(tool: Tool, head: &Head, file: Option<&str>) -> String {
    match (tool, file) {
        (Tool::Lint, Some(f)) => f.to_string(),
        _ => head.name.clone(),
    }
}

/// The closing line: `checked 2 proposals: 1 error, 1 warning, 0 notes` (as the human
/// report ends) or `linted 1 library: ...`.
pub fn summary(tool: Tool, groups: usize, (e, w, o): (usize, usize, usize)) -> String {
    let n = groups as u64;
    let what = match tool {
        Tool::Check => format!("checked {}", count(n, "proposal")),
        Tool::Lint if n == 1 => "linted 1 library".to_string(),
        Tool::Lint => format!("linted {n} libraries"),
    };
    format!("{what}: {}", tally(e, w, o))
}

/// Findings held in memory (`lint`'s): groups pushed one library at a time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Findings {
    tool: Tool,
    groups: Vec<(Head, Vec<Finding>)>,
    rules: BTreeMap<String, RuleMeta>,
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

    /// Adds a group from diagnostics (`lint`: one call per policy library, with its policy
    /// files). A diagnostic with `rule` set is a lint named by it; one without is an error
    /// named by its code; one that points at no file is placed on the library folder.
    /// Errors are fatal, and warnings with `deny_warnings`.
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
                f
            })
            .collect();
        let head = Head {
            name: name.to_string(),
            subject: None,
            passed: !findings.iter().any(|f| f.fatal),
            files: files.to_vec(),
        };
        self.groups.push((head, findings));
    }

    /// Sets (or replaces) the metadata of one id: a lint's registry entry, say. Ids
    /// without any get metadata derived from their first finding.
    pub fn set_rule(&mut self, meta: RuleMeta) {
        self.rules.insert(meta.id.clone(), meta);
    }
}

impl Source for Findings {
    fn tool(&self) -> Tool {
        self.tool
    }

    fn groups(&self) -> usize {
        self.groups.len()
    }

    fn visit(&self, i: usize, each: &mut dyn FnMut(&Finding)) -> Head {
        match self.groups.get(i) {
            Some((head, findings)) => {
                findings.iter().for_each(each);
                head.clone()
            }
            None => Head {
                name: String::new(),
                subject: None,
                passed: true,
                files: Vec::new(),
            },
        }
    }

    fn meta(&self, f: &Finding) -> RuleMeta {
        self.rules
            .get(&f.id)
            .cloned()
            .unwrap_or_else(|| derived_meta(f))
    }
}

/// Metadata for an id nothing describes better: a diagnostic code's from [`code_meta`],
/// else the finding's own help and citation.
pub fn derived_meta(f: &Finding) -> RuleMeta {
    match f.kind {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn render(format: Format, f: &Findings) -> String {
        let mut out = Vec::new();
        let exit = write(format, f, &mut out).unwrap_or(Exit::Invalid);
        assert_eq!(exit, Run::scan(f).exit());
        String::from_utf8(out).unwrap_or_default()
    }

    #[test]
    fn lint_findings_from_diagnostics() {
        let src = SourceFile::new("lib/rules.policy", "rule a.b {\n  severity error\n}\n");
        let mut d = Diagnostic::error(
            pactum::Code::RuleShape,
            "rule `a.b` can never fire",
            &src,
            pactum::Span::new(5, 8),
            "here",
        )
        .with_help("drop it");
        d.severity = Severity::Warning;
        d.rule = Some("never-fires".to_string());
        let syntax = Diagnostic::bare(pactum::Code::PolicySyntax, "bad");
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
            std::slice::from_ref(&d),
            false,
        );
        let run = Run::scan(&f);
        assert!(run.heads.iter().all(|g| g.passed));
        assert_eq!(run.exit(), Exit::Ok);
        assert_eq!(
            run.rules.get("never-fires").map(|m| m.short.as_str()),
            Some("a rule that no proposal can trigger")
        );
        f.push_diagnostics("lib2", &[], &[d, syntax], true);
        assert_eq!(Run::scan(&f).exit(), Exit::Invalid);
        let junit = render(Format::Junit, &f);
        assert!(junit.contains("<testcase name=\"lib/schema.policy\""));
        assert!(junit.contains("<error message=\"bad\" type=\"pactum::parse::policy_syntax\">"));
        let gh = render(Format::Github, &f);
        assert!(gh.starts_with(
            "::warning file=lib/rules.policy,line=1,col=6,endColumn=8,title=never-fires::rule `a.b` can never fire%0Ahelp: drop it\n"
        ));
        assert!(gh.ends_with("linted 2 libraries: 1 error, 2 warnings, 0 notes\n"));
        let sarif: serde_json::Value =
            serde_json::from_str(&render(Format::Sarif, &f)).unwrap_or_default();
        assert_eq!(
            sarif["runs"][0]["tool"]["driver"]["rules"][0]["id"],
            "never-fires"
        );
        assert_eq!(sarif["runs"][0]["results"][0]["ruleIndex"], 0);
    }

    /// The SARIF log streamed result by result is exactly serde_json's pretty printing of
    /// the whole log.
    #[test]
    fn streamed_sarif_is_the_pretty_printed_log() {
        let src = SourceFile::new("a.policy", "rule a.b {}\nrule c.d {}\n");
        let mut f = Findings::new(Tool::Lint);
        let diags: Vec<Diagnostic> = (0..3)
            .map(|n| {
                let mut d = Diagnostic::error(
                    pactum::Code::RuleShape,
                    format!("finding {n}"),
                    &src,
                    pactum::Span::new(5, 8),
                    "here",
                );
                d.rule = Some(if n == 1 { "x-lint" } else { "y-lint" }.to_string());
                d
            })
            .collect();
        f.push_diagnostics("lib", &["a.policy".to_string()], &diags, false);
        let text = render(Format::Sarif, &f);
        let log: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(
            serde_json::to_string_pretty(&log).unwrap_or_default() + "\n",
            text
        );
        assert_eq!(log["runs"][0]["results"][1]["ruleIndex"], 0);
        let empty = render(Format::Sarif, &Findings::new(Tool::Lint));
        let log: serde_json::Value = serde_json::from_str(&empty).unwrap_or_default();
        assert_eq!(
            serde_json::to_string_pretty(&log).unwrap_or_default() + "\n",
            empty
        );
    }
}
