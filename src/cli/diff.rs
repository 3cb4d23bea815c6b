//! `pactum diff`: what a change to a library (or to the evaluation date) would change.
//!
//! The two sides are two library folders (`--old DIR --new DIR`), two git revisions of one
//! library folder (`--old-rev REV [--new-rev REV] [--policies DIR]`, read with `git ls-tree`
//! and `git cat-file`, without a checkout), or one library at two dates
//! (`--as-of D1 --as-of D2`). With proposals (PATH...), walked as `pactum check` walks
//! them, it prints the violations that appear, disappear or change severity; without any,
//! or with `--rules`, it compares the two libraries' rules by meaning
//! ([`pactum::diff::compare_rules`]). This file reads the files and git, and prints; the
//! comparisons are the library's.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cli::check::{InputFile, collect};
use crate::cli::{Deny, Exit, color, count, emit};
use pactum::diff::{
    Comparison, DiffSummary, Meaning, ProposalDiff, RulesDiff, RulesDiffOptions, Side,
};
use pactum::{
    CheckOptions, Code, Date, Diagnostic, Engine, Limits, Proposal, SourceFile, printable,
    render_human,
};

/// Output formats of `pactum diff`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    /// For people.
    Human,
    /// For programs (schema in `docs/diff.md`).
    Json,
    /// For a pull-request comment: tables.
    Markdown,
}

/// Arguments of `pactum diff`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The old library folder (with --new).
    #[arg(long, value_name = "DIR", requires = "new", conflicts_with_all = ["old_rev", "new_rev", "policies"])]
    old: Option<PathBuf>,
    /// The new library folder (with --old).
    #[arg(long, value_name = "DIR", requires = "old")]
    new: Option<PathBuf>,
    /// The old git revision of the library folder (--policies, default `policies`).
    #[arg(long, value_name = "REV")]
    old_rev: Option<String>,
    /// The new git revision (default: the folder as it is on disk).
    #[arg(long, value_name = "REV", requires = "old_rev")]
    new_rev: Option<String>,
    /// The library folder: with --old-rev, the folder in the repository (default
    /// `policies`); else the library of both sides (default: the standard library).
    #[arg(long, value_name = "DIR")]
    policies: Option<PathBuf>,
    /// Evaluation date, YYYY-MM-DD (default: today, UTC). Give it twice to compare two
    /// dates: the first for the old side, the second for the new.
    #[arg(long, value_name = "DATE")]
    as_of: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: DiffFormat,
    /// Exit 1 when some verdict changes (without proposals: when some rule is added,
    /// removed or changed in meaning, or a declaration changed).
    #[arg(long)]
    fail_on_change: bool,
    /// Also compare the two libraries' rules by meaning (the default without PATH).
    #[arg(long)]
    rules: bool,
    /// Make warnings blocking on both sides, as `check --deny warnings`.
    #[arg(long, value_enum, value_name = "WHAT")]
    deny: Vec<Deny>,
    /// In folders, follow symbolic links (as `check --follow`).
    #[arg(long)]
    follow: bool,
    /// Proposal files (`.proposal`, `.json`) or folders of them.
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
}

/// Where one side's library comes from.
#[derive(Debug, Clone)]
enum Lib {
    Standard,
    Dir(PathBuf),
    Rev(String, PathBuf),
}

impl Lib {
    fn name(&self) -> String {
        match self {
            Lib::Standard => "<std>".into(),
            Lib::Dir(d) => d.display().to_string(),
            Lib::Rev(rev, d) => format!("{rev}:{}", d.display()),
        }
    }

    fn load(&self) -> Result<Engine, Vec<Diagnostic>> {
        match self {
            Lib::Standard => Ok(Engine::standard()),
            Lib::Dir(d) => Engine::load(d).map_err(Into::into),
            Lib::Rev(rev, d) => {
                Engine::from_sources(git_sources(rev, d, &Limits::default())?).map_err(Into::into)
            }
        }
    }
}

/// One side as the output names it.
#[derive(serde::Serialize)]
struct SideName {
    library: String,
    as_of: String,
}

/// The JSON document.
#[derive(serde::Serialize)]
struct DiffReport<'a> {
    version: u32,
    old: SideName,
    new: SideName,
    results: &'a [ProposalDiff],
    #[serde(skip_serializing_if = "Option::is_none")]
    rules: Option<&'a RulesDiff>,
    summary: &'a DiffSummary,
}

/// Runs the comparison and prints it.
pub fn run(args: &Args, out: &mut dyn Write) -> Exit {
    let mut dates = Vec::new();
    for s in &args.as_of {
        match Date::parse(s) {
            Ok(d) => dates.push(d),
            Err(_) => {
                let d = crate::cli::not_a_date(&printable(s));
                let help = d.help.as_deref().unwrap_or_default();
                return usage(out, &d.message, help);
            }
        }
    }
    let (old_date, new_date) = match dates.as_slice() {
        [] => (crate::cli::today(), crate::cli::today()),
        [d] => (*d, *d),
        [a, b] => (*a, *b),
        _ => {
            return usage(
                out,
                "`--as-of` is given more than twice",
                "give one date for both sides, or two: the old side's, then the new side's",
            );
        }
    };
    let (old_lib, new_lib) = match (&args.old, &args.new, &args.old_rev) {
        (Some(o), Some(n), _) => (Lib::Dir(o.clone()), Lib::Dir(n.clone())),
        (_, _, Some(rev)) => {
            let dir = args
                .policies
                .clone()
                .unwrap_or_else(|| PathBuf::from("policies"));
            let new = match &args.new_rev {
                Some(r) => Lib::Rev(r.clone(), dir.clone()),
                None => Lib::Dir(dir.clone()),
            };
            (Lib::Rev(rev.clone(), dir), new)
        }
        _ => {
            let lib = args.policies.clone().map_or(Lib::Standard, Lib::Dir);
            (lib.clone(), lib)
        }
    };
    let same_library = args.old.is_none() && args.old_rev.is_none();
    if same_library && old_date == new_date {
        return usage(
            out,
            "nothing to compare: one library, one date",
            "give two libraries (--old DIR --new DIR, or --old-rev REV [--new-rev REV]), or two dates (--as-of D1 --as-of D2)",
        );
    }
    let rules_wanted = args.rules || args.paths.is_empty();
    if same_library && args.paths.is_empty() {
        return usage(
            out,
            "no proposals to compare at two dates",
            "pass proposal files or folders, e.g. policies/examples/",
        );
    }
    let mut engines = Vec::new();
    let mut failed = false;
    for lib in [&old_lib, &new_lib] {
        match lib.load() {
            Ok(e) => engines.push(e),
            Err(errors) => {
                failed = true;
                invalid_library(out, args.format, &lib.name(), errors);
            }
        }
    }
    let (Some(old_engine), Some(new_engine)) = (engines.first(), engines.get(1)) else {
        return Exit::Invalid;
    };
    if failed {
        return Exit::Invalid;
    }
    let old_engine = if same_library { new_engine } else { old_engine };
    let deny_warnings = args.deny.contains(&Deny::Warnings);
    let side = |engine, date| Side {
        engine,
        opts: CheckOptions {
            as_of: Some(date),
            deny_warnings,
            ..CheckOptions::default()
        },
    };
    let cmp = Comparison {
        old: side(old_engine, old_date),
        new: side(new_engine, new_date),
    };
    let names = (
        SideName {
            library: old_lib.name(),
            as_of: old_date.to_string(),
        },
        SideName {
            library: new_lib.name(),
            as_of: new_date.to_string(),
        },
    );
    let rules = if rules_wanted && !same_library {
        match pactum::diff::compare_rules(
            old_engine.sources(),
            new_engine.sources(),
            &RulesDiffOptions::default(),
        ) {
            Ok(r) => Some(r),
            Err(errors) => {
                invalid_library(out, args.format, &new_lib.name(), errors.into());
                return Exit::Invalid;
            }
        }
    } else {
        None
    };
    let mut files: Vec<InputFile> = Vec::new();
    for path in &args.paths {
        collect(path, args.follow, &mut files);
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files.dedup_by(|a, b| a.0 == b.0);
    let limits = Limits::default();
    let mut summary = DiffSummary::default();
    let mut results = Vec::new();
    for (name, source) in files {
        // Parsed once, checked on both sides.
        let d = match source.map(|s| Proposal::load_source(s, &limits)) {
            Err(d) => ProposalDiff::invalid_input(&name, vec![d]),
            Ok(Err(errors)) => ProposalDiff::invalid_input(&name, errors),
            Ok(Ok(p)) => cmp.proposal(&p),
        };
        summary.add(&d);
        if d.differs() || d.invalid() {
            results.push(d);
        }
    }
    let text = match args.format {
        DiffFormat::Json => format!(
            "{}\n",
            crate::cli::to_json(&DiffReport {
                version: 1,
                old: names.0,
                new: names.1,
                results: &results,
                rules: rules.as_ref(),
                summary: &summary,
            })
        ),
        DiffFormat::Human => human(
            &names,
            &results,
            &summary,
            rules.as_ref(),
            !args.paths.is_empty(),
        ),
        DiffFormat::Markdown => markdown(
            &names,
            &results,
            &summary,
            rules.as_ref(),
            !args.paths.is_empty(),
        ),
    };
    emit(out, &text);
    if summary.invalid > 0 {
        Exit::Invalid
    } else if args.fail_on_change
        && (summary.verdict_changes > 0
            || (args.paths.is_empty() && rules.as_ref().is_some_and(RulesDiff::differs)))
    {
        Exit::Violations
    } else {
        Exit::Ok
    }
}

fn usage(out: &mut dyn Write, message: &str, help: &str) -> Exit {
    let d = Diagnostic::bare(Code::Usage, message).with_help(help);
    emit(out, &render_human(&[&d], color()));
    Exit::Invalid
}

fn invalid_library(out: &mut dyn Write, format: DiffFormat, name: &str, errors: Vec<Diagnostic>) {
    let n = errors.len();
    match format {
        DiffFormat::Json => {
            let r = pactum::Report::invalid(name, None, errors);
            emit(
                out,
                &format!(
                    "{}\n",
                    crate::cli::to_json(&pactum::RunReport::new(vec![r]))
                ),
            );
        }
        DiffFormat::Human | DiffFormat::Markdown => {
            let diags: Vec<&Diagnostic> = errors.iter().collect();
            let mut text = render_human(&diags, color());
            text.push_str(&format!(
                "policy library `{}` is invalid ({}): nothing was compared\n",
                printable(name),
                count(n as u64, "error")
            ));
            emit(out, &text);
        }
    }
}

/// `n noun verb`, the verb agreeing: `1 proposal changes`, `2 proposals change`.
fn agree(n: usize, noun: &str, one: &str, many: &str) -> String {
    format!(
        "{} {}",
        count(n as u64, noun),
        if n == 1 { one } else { many }
    )
}

/// The summary line: `compared 26 proposals: 3 proposals change verdict, 2 become
/// non-compliant, 1 becomes compliant; 5 violations appear, 2 disappear`.
fn summary_line(s: &DiffSummary) -> String {
    let verb = |n: usize, one: &'static str, many: &'static str| if n == 1 { one } else { many };
    let mut line = format!(
        "{} verdict, {} {} non-compliant, {} {} compliant; {}, {} {}",
        agree(s.verdict_changes, "proposal", "changes", "change"),
        s.become_non_compliant,
        verb(s.become_non_compliant, "becomes", "become"),
        s.become_compliant,
        verb(s.become_compliant, "becomes", "become"),
        agree(s.appeared, "violation", "appears", "appear"),
        s.disappeared,
        verb(s.disappeared, "disappears", "disappear"),
    );
    if s.severity_changed > 0 {
        line.push_str(&format!(
            ", {} severity",
            agree(s.severity_changed, "violation", "changes", "change")
        ));
    }
    if s.invalid > 0 {
        line.push_str(&format!(
            "; {} invalid",
            agree(s.invalid, "proposal", "is", "are")
        ));
    }
    format!("compared {}: {line}", count(s.proposals as u64, "proposal"))
}

fn side_text(s: &SideName) -> String {
    format!("{} as of {}", printable(&s.library), s.as_of)
}

fn place(step: Option<&str>, binding: Option<&str>) -> String {
    let mut t = match step {
        Some(s) => format!("step {}", printable(s)),
        None => "the proposal".to_string(),
    };
    if let Some(b) = binding {
        t.push_str(&format!(", {}", printable(b)));
    }
    t
}

fn errors_human(d: &ProposalDiff) -> String {
    let mut diags: Vec<&Diagnostic> = d.errors.old.iter().map(|e| &e.diagnostic).collect();
    for e in &d.errors.new {
        if !diags.contains(&&e.diagnostic) {
            diags.push(&e.diagnostic);
        }
    }
    render_human(&diags, color())
}

/// How one violation changes.
enum Change {
    Appears(pactum::Severity),
    Disappears(pactum::Severity),
    Severity(pactum::Severity, pactum::Severity),
}

/// One changed violation, for the human and Markdown outputs.
struct Row<'a> {
    change: Change,
    rule: &'a str,
    step: Option<&'a str>,
    binding: Option<&'a str>,
    message: &'a str,
    /// Where the step is (orders the rows as the steps are in the file).
    at: (bool, u32, u32),
}

/// A proposal's changed violations, in step order (proposal-wide ones last), then rule id,
/// then binding.
fn rows(d: &ProposalDiff) -> Vec<Row<'_>> {
    let at = |step: &Option<String>, l: &pactum::Location| (step.is_none(), l.line, l.column);
    let mut rows: Vec<Row<'_>> = Vec::new();
    for (v, appears) in d
        .appeared
        .iter()
        .map(|v| (v, true))
        .chain(d.disappeared.iter().map(|v| (v, false)))
    {
        rows.push(Row {
            change: if appears {
                Change::Appears(v.severity)
            } else {
                Change::Disappears(v.severity)
            },
            rule: &v.rule,
            step: v.step.as_deref(),
            binding: v.binding.as_deref(),
            message: &v.message,
            at: at(&v.step, &v.location),
        });
    }
    for v in &d.severity_changed {
        rows.push(Row {
            change: Change::Severity(v.old, v.new),
            rule: &v.rule,
            step: v.step.as_deref(),
            binding: v.binding.as_deref(),
            message: &v.message,
            at: at(&v.step, &v.location),
        });
    }
    rows.sort_by(|a, b| (a.at, a.rule, a.binding).cmp(&(b.at, b.rule, b.binding)));
    rows
}

fn human(
    names: &(SideName, SideName),
    results: &[ProposalDiff],
    summary: &DiffSummary,
    rules: Option<&RulesDiff>,
    proposals: bool,
) -> String {
    let mut out = format!(
        "comparing {} with {}\n",
        side_text(&names.0),
        side_text(&names.1)
    );
    for d in results {
        out.push('\n');
        if d.invalid() {
            out.push_str(&errors_human(d));
        }
        let id = d
            .proposal
            .as_deref()
            .map(|p| format!(" ({})", printable(p)))
            .unwrap_or_default();
        let verdict = if d.verdict_changed() {
            format!("{} → {}", d.old.as_str(), d.new.as_str())
        } else {
            format!("{} (unchanged)", d.new.as_str())
        };
        out.push_str(&format!("{}{id}: {verdict}\n", printable(&d.file)));
        for row in rows(d) {
            let (sign, severity) = match row.change {
                Change::Appears(s) => ("+", s.as_str().to_string()),
                Change::Disappears(s) => ("-", s.as_str().to_string()),
                Change::Severity(o, n) => ("~", format!("{} → {}", o.as_str(), n.as_str())),
            };
            out.push_str(&format!(
                "  {sign} {severity} {} on {}: {}\n",
                printable(row.rule),
                place(row.step, row.binding),
                printable(row.message)
            ));
        }
    }
    if let Some(r) = rules {
        out.push('\n');
        out.push_str(&rules_human(r));
    }
    if proposals {
        out.push('\n');
        out.push_str(&summary_line(summary));
        out.push('\n');
    }
    out
}

/// What a change of meaning says, in one line.
fn meaning_text(m: &Meaning) -> String {
    match m {
        Meaning::Same => "same meaning (text changed)".into(),
        Meaning::Wider { .. } => "fires on strictly more steps".into(),
        Meaning::Narrower { .. } => "fires on strictly fewer steps".into(),
        Meaning::Different { .. } => "fires on different steps".into(),
        Meaning::NotCompared { reason } => format!("not compared: {}", printable(reason)),
        Meaning::Undecided { question } => {
            format!("undecided within the budget: {}", printable(question))
        }
    }
}

/// The witnesses of a change of meaning, each with what it shows.
fn witnesses(m: &Meaning) -> Vec<(&'static str, Option<&str>)> {
    match m {
        Meaning::Wider { witness } => vec![("only the new rule fires", witness.as_deref())],
        Meaning::Narrower { witness } => vec![("only the old rule fires", witness.as_deref())],
        Meaning::Different { new_only, old_only } => vec![
            ("only the new rule fires", new_only.as_deref()),
            ("only the old rule fires", old_only.as_deref()),
        ],
        _ => Vec::new(),
    }
}

fn rules_counts(r: &RulesDiff) -> String {
    let same = r
        .changed
        .iter()
        .filter(|c| c.meaning == Meaning::Same)
        .count();
    format!(
        "{} added, {} removed, {} changed in meaning, {} reworded with the same meaning, {} unchanged",
        r.added.len(),
        r.removed.len(),
        r.changed.len() - same,
        same,
        r.unchanged
    )
}

fn severity_change(c: &pactum::diff::RuleChange) -> String {
    match (&c.old_severity, &c.new_severity) {
        (Some(o), Some(n)) => format!("severity {} → {}; ", printable(o), printable(n)),
        _ => String::new(),
    }
}

fn rules_human(r: &RulesDiff) -> String {
    let mut out = format!("rules: {}\n", rules_counts(r));
    for a in &r.added {
        out.push_str(&format!(
            "  + rule {} ({}) added, in {}\n",
            printable(&a.rule),
            printable(&a.severity),
            printable(&a.file)
        ));
    }
    for a in &r.removed {
        out.push_str(&format!(
            "  - rule {} ({}) removed, was in {}\n",
            printable(&a.rule),
            printable(&a.severity),
            printable(&a.file)
        ));
    }
    for c in &r.changed {
        out.push_str(&format!(
            "  ~ rule {}: {}{}\n",
            printable(&c.rule),
            severity_change(c),
            meaning_text(&c.meaning)
        ));
        for (what, w) in witnesses(&c.meaning) {
            match w {
                Some(w) => {
                    out.push_str(&format!("    witness ({what}):\n"));
                    for line in w.lines() {
                        let line = printable(line);
                        if line.is_empty() {
                            out.push('\n');
                        } else {
                            out.push_str(&format!("      {line}\n"));
                        }
                    }
                }
                None => out.push_str(&format!(
                    "    ({what} on some step; the engine did not confirm the solver's model, so none is printed)\n"
                )),
            }
        }
    }
    if !r.declarations.is_empty() {
        let list: Vec<String> = r
            .declarations
            .iter()
            .map(|d| format!("{} ({})", printable(&d.item), d.change))
            .collect();
        out.push_str(&format!(
            "declarations: {} (rules are compared under the new library's declarations)\n",
            list.join(", ")
        ));
    }
    out
}

/// Text safe in a Markdown table cell: printable, with Markdown's punctuation escaped.
fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in printable(s).chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' | '&' | '!' | '$'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A fenced code block that its content cannot close.
fn fenced(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat((longest + 1).max(3));
    format!("{fence}\n{}\n{fence}\n", printable_lines(text).trim_end())
}

fn printable_lines(text: &str) -> String {
    text.lines()
        .map(|l| printable(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

fn markdown(
    names: &(SideName, SideName),
    results: &[ProposalDiff],
    summary: &DiffSummary,
    rules: Option<&RulesDiff>,
    proposals: bool,
) -> String {
    let mut out = format!(
        "### pactum diff: {} → {}\n\n",
        md(&side_text(&names.0)),
        md(&side_text(&names.1))
    );
    if proposals {
        out.push_str(&format!("**{}**\n\n", md(&summary_line(summary))));
        if !results.is_empty() {
            out.push_str("| proposal | verdict | change | severity | rule | step | binding |\n");
            out.push_str("| --- | --- | --- | --- | --- | --- | --- |\n");
        }
        for d in results {
            let id = d
                .proposal
                .as_deref()
                .map(|p| format!(" ({})", md(p)))
                .unwrap_or_default();
            let who = format!("{}{id}", md(&d.file));
            let verdict = if d.verdict_changed() {
                format!("{} → {}", d.old.as_str(), d.new.as_str())
            } else {
                d.new.as_str().to_string()
            };
            let opt = |s: Option<&str>| s.map_or_else(|| "—".to_string(), md);
            let mut rows: Vec<[String; 5]> = rows(d)
                .into_iter()
                .map(|row| {
                    let (change, severity) = match row.change {
                        Change::Appears(s) => ("appears", s.as_str().to_string()),
                        Change::Disappears(s) => ("disappears", s.as_str().to_string()),
                        Change::Severity(o, n) => {
                            ("severity", format!("{} → {}", o.as_str(), n.as_str()))
                        }
                    };
                    [
                        change.to_string(),
                        severity,
                        md(row.rule),
                        opt(row.step),
                        opt(row.binding),
                    ]
                })
                .collect();
            if rows.is_empty() {
                let what = if d.invalid() { "errors" } else { "—" };
                rows.push([what.into(), "—".into(), "—".into(), "—".into(), "—".into()]);
            }
            for [change, sev, rule, step, binding] in rows {
                out.push_str(&format!(
                    "| {who} | {verdict} | {change} | {sev} | {rule} | {step} | {binding} |\n"
                ));
            }
        }
        if !results.is_empty() {
            out.push('\n');
        }
    }
    if let Some(r) = rules {
        out.push_str(&format!("**rules: {}**\n\n", md(&rules_counts(r))));
        let any = !r.added.is_empty() || !r.removed.is_empty() || !r.changed.is_empty();
        if any {
            out.push_str("| rule | change | severity |\n| --- | --- | --- |\n");
        }
        for a in &r.added {
            out.push_str(&format!(
                "| {} | added | {} |\n",
                md(&a.rule),
                md(&a.severity)
            ));
        }
        for a in &r.removed {
            out.push_str(&format!(
                "| {} | removed | {} |\n",
                md(&a.rule),
                md(&a.severity)
            ));
        }
        for c in &r.changed {
            let sev = match (&c.old_severity, &c.new_severity) {
                (Some(o), Some(n)) => format!("{} → {}", md(o), md(n)),
                _ => "unchanged".into(),
            };
            out.push_str(&format!(
                "| {} | {} | {sev} |\n",
                md(&c.rule),
                md(&meaning_text(&c.meaning))
            ));
        }
        if any {
            out.push('\n');
        }
        for c in &r.changed {
            for (what, w) in witnesses(&c.meaning) {
                if let Some(w) = w {
                    out.push_str(&format!("{} — {what}:\n\n{}\n", md(&c.rule), fenced(w)));
                }
            }
        }
        if !r.declarations.is_empty() {
            let list: Vec<String> = r
                .declarations
                .iter()
                .map(|d| format!("{} ({})", md(&d.item), d.change))
                .collect();
            out.push_str(&format!(
                "Declarations changed: {} (rules are compared under the new library's declarations).\n",
                list.join(", ")
            ));
        }
    }
    out
}

// ------------------------------------------------------------------ git

fn git_error(code: Code, message: String, help: &str) -> Vec<Diagnostic> {
    vec![Diagnostic::bare(code, message).with_help(help)]
}

/// Runs git with these arguments (pathspecs literal); its standard output, or why not.
fn git(args: &[&std::ffi::OsStr]) -> Result<std::process::Output, Vec<Diagnostic>> {
    std::process::Command::new("git")
        .arg("--literal-pathspecs")
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| {
            let (code, help) = if e.kind() == std::io::ErrorKind::NotFound {
                (
                    Code::GitMissing,
                    "install git, or compare two folders with --old DIR --new DIR",
                )
            } else {
                (Code::GitFailed, "check that git runs here")
            };
            git_error(code, format!("cannot run `git`: {e}"), help)
        })
}

fn first_line(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    printable(line).into_owned()
}

/// The `.policy` files under `dir` at revision `rev`, read from git's objects (no checkout,
/// nothing outside the folder): `git ls-tree` lists them, `git cat-file` reads each blob.
fn git_sources(rev: &str, dir: &Path, limits: &Limits) -> Result<Vec<SourceFile>, Vec<Diagnostic>> {
    let shown_rev = printable(rev).into_owned();
    if rev.is_empty() || rev.starts_with('-') {
        return Err(git_error(
            Code::GitUnknownRev,
            format!("`{shown_rev}` is not a revision"),
            "name a commit, a branch or a tag, e.g. --old-rev HEAD~1",
        ));
    }
    let spec = format!("{rev}^{{commit}}");
    let o = git(&[
        "rev-parse".as_ref(),
        "--verify".as_ref(),
        "--quiet".as_ref(),
        spec.as_ref(),
    ])?;
    let commit = String::from_utf8_lossy(&o.stdout).trim().to_string();
    if !o.status.success() || commit.is_empty() {
        let why = first_line(&o.stderr);
        return Err(if o.status.code() == Some(1) {
            git_error(
                Code::GitUnknownRev,
                format!("git does not know the revision `{shown_rev}`"),
                "name a commit, a branch or a tag of this repository, e.g. --old-rev HEAD~1",
            )
        } else {
            git_error(
                Code::GitFailed,
                format!("git cannot read revision `{shown_rev}`: {why}"),
                "run pactum diff inside the git repository that holds the library",
            )
        });
    }
    let dir_os = dir.as_os_str();
    let o = git(&[
        "ls-tree".as_ref(),
        "-r".as_ref(),
        "-l".as_ref(),
        "-z".as_ref(),
        commit.as_ref(),
        "--".as_ref(),
        dir_os,
    ])?;
    let shown_dir = printable(&dir.display().to_string()).into_owned();
    if !o.status.success() {
        return Err(git_error(
            Code::GitFailed,
            format!(
                "git cannot list `{shown_dir}` at `{shown_rev}`: {}",
                first_line(&o.stderr)
            ),
            "run pactum diff inside the git repository that holds the library",
        ));
    }
    let mut sources = Vec::new();
    let mut errors = Vec::new();
    for record in o.stdout.split(|&b| b == 0).filter(|r| !r.is_empty()) {
        // `<mode> <type> <object> <size>\t<path>`
        let Some(tab) = record.iter().position(|&b| b == b'\t') else {
            continue;
        };
        let (head, path) = record.split_at(tab);
        let path = path.get(1..).unwrap_or_default();
        let head = String::from_utf8_lossy(head);
        let fields: Vec<&str> = head.split_whitespace().collect();
        let [mode, kind, object, size] = fields.as_slice() else {
            continue;
        };
        let path = String::from_utf8_lossy(path).into_owned();
        let is_policy = Path::new(&path)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("policy"));
        if *kind != "blob" || !is_policy {
            continue;
        }
        let name = format!("{rev}:{path}");
        let shown = printable(&name).into_owned();
        if *mode == "120000" {
            errors.push(
                Diagnostic::bare(
                    Code::LibraryPath,
                    format!("`{shown}` is a symbolic link: not read"),
                )
                .with_help("a library read from git may only hold regular `.policy` files"),
            );
            continue;
        }
        if size
            .parse::<u64>()
            .map_or(true, |n| n > limits.max_input_bytes as u64)
        {
            errors.push(
                Diagnostic::bare(
                    Code::LimitSize,
                    format!(
                        "`{shown}` is {size} bytes, more than the limit of {}",
                        limits.max_input_bytes
                    ),
                )
                .with_help(
                    "split the file, or raise `Limits::max_input_bytes` if you embed pactum",
                ),
            );
            continue;
        }
        let o = git(&["cat-file".as_ref(), "blob".as_ref(), object.as_ref()])?;
        if !o.status.success() {
            errors.push(Diagnostic::bare(
                Code::GitFailed,
                format!("git cannot read `{shown}`: {}", first_line(&o.stderr)),
            ));
            continue;
        }
        match String::from_utf8(o.stdout) {
            Ok(text) => sources.push(SourceFile::new(name, text)),
            Err(e) => errors.push(
                Diagnostic::bare(
                    Code::NotUtf8,
                    format!(
                        "`{shown}` is not UTF-8: invalid byte at offset {}",
                        e.utf8_error().valid_up_to()
                    ),
                )
                .with_help("save the file as UTF-8"),
            ),
        }
    }
    if sources.is_empty() && errors.is_empty() {
        errors.push(
            Diagnostic::bare(
                Code::LibraryPath,
                format!("no `.policy` files in `{shown_dir}` at `{shown_rev}`"),
            )
            .with_help(
                "--policies names the library folder in the repository (default `policies`)",
            ),
        );
    }
    if errors.is_empty() {
        sources.sort_by(|a, b| a.name().cmp(b.name()));
        Ok(sources)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_cells_and_fences_cannot_be_broken_out_of() {
        // The escape character is shown as `\u{1b}` (its backslash escaped for Markdown).
        assert_eq!(md("a|b`c*d\u{1b}[31m"), "a\\|b\\`c\\*d\\\\u{1b}\\[31m");
        let f = fenced("x ``` y ```` z");
        assert!(f.starts_with("`````\n") && f.ends_with("\n`````\n"), "{f}");
    }
}
