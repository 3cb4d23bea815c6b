//! `pactum lint`: check policy libraries without any proposal.

use std::path::PathBuf;

use serde::Serialize;

use crate::cli::formats::{self, Findings, Format, RuleMeta, Tool};
use crate::cli::{Exit, color, count, emit, tally};
use pactum::lint::{LINTS, LintOptions, LintReport, lint, lint_info};
use pactum::{Diagnostic, Severity, printable, render_human};

/// Arguments of `pactum lint`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Turn a lint off (repeatable).
    #[arg(long, value_name = "LINT")]
    allow: Vec<String>,
    /// Make a lint an error, or `warnings` to make every warning fail (repeatable).
    #[arg(long, value_name = "LINT|warnings")]
    deny: Vec<String>,
    /// Print the lints and exit.
    #[arg(long)]
    list: bool,
    /// Solver budget per semantic question, in conflicts (default: `Limits::lint_budget`);
    /// a question not decided within it is reported as `undecided`.
    #[arg(long, value_name = "N")]
    budget: Option<u64>,
    /// A policy library folder to lint (repeatable; default: the standard library built
    /// in).
    #[arg(long, value_name = "DIR")]
    policies: Vec<PathBuf>,
    /// More library folders, as with `--policies`.
    #[arg(value_name = "DIR")]
    dirs: Vec<PathBuf>,
}

/// A library's name, its files, and its lint report (or why it could not be loaded).
type LibraryRun = (String, Vec<String>, Result<LintReport, Vec<Diagnostic>>);

/// One library's findings.
#[derive(Debug, Serialize)]
struct LibraryResult {
    path: String,
    valid: bool,
    /// Each as `Diagnostic` serializes: the lint finding form.
    findings: Vec<Diagnostic>,
    not_analysed: Vec<NotAnalysed>,
}

#[derive(Debug, Serialize)]
struct NotAnalysed {
    rule: String,
    reason: String,
}

/// Runs the lints and prints the findings.
pub fn run(args: &Args, out: &mut dyn std::io::Write) -> Exit {
    if args.list {
        let mut text = String::new();
        for l in LINTS {
            text.push_str(&format!(
                "{:<24} {:<8} {:<40} {}\n",
                l.name,
                l.default.as_str(),
                l.code.as_str(),
                l.summary
            ));
        }
        emit(out, &text);
        return Exit::Ok;
    }
    let mut opts = LintOptions::default();
    if let Some(b) = args.budget {
        opts.budget = b;
    }
    for name in args
        .allow
        .iter()
        .chain(args.deny.iter().filter(|d| *d != "warnings"))
    {
        if lint_info(name).is_none() {
            let names: Vec<&str> = LINTS.iter().map(|l| l.name).collect();
            let hint = pactum::did_you_mean(name, names.iter().copied()).map_or_else(
                || "run `pactum lint --list` to see the lints".to_string(),
                |h| format!("did you mean `{h}`?"),
            );
            let d = Diagnostic::bare(pactum::Code::Usage, format!("unknown lint `{name}`"))
                .with_help(hint);
            emit(out, &render_human(&[&d], color()));
            return Exit::Invalid;
        }
    }
    opts.allow = args.allow.iter().cloned().collect();
    opts.deny = args
        .deny
        .iter()
        .filter(|d| *d != "warnings")
        .cloned()
        .collect();
    opts.deny_warnings = args.deny.iter().any(|d| d == "warnings");
    let mut results = Vec::new();
    let mut reports: Vec<LibraryRun> = Vec::new();
    for library in crate::cli::libraries(&args.policies, &args.dirs) {
        let name = library.name();
        match library.load() {
            Ok(engine) => {
                let files = engine
                    .sources()
                    .iter()
                    .map(|s| s.name().to_string())
                    .collect();
                reports.push((name, files, Ok(lint(&engine, &opts))));
            }
            Err(errors) => reports.push((name, Vec::new(), Err(errors.into_vec()))),
        }
    }
    if !matches!(args.format, Format::Human | Format::Json) {
        let mut findings = Findings::new(Tool::Lint);
        for l in LINTS {
            findings.set_rule(RuleMeta::lint(
                l.name,
                l.default,
                l.summary,
                "see docs/lints.md",
            ));
        }
        for (name, files, r) in &reports {
            match r {
                Ok(report) => {
                    findings.push_diagnostics(name, files, &report.diagnostics, opts.deny_warnings)
                }
                Err(errors) => findings.push_diagnostics(name, files, errors, false),
            }
        }
        return formats::to_writer(out, args.format, &findings);
    }
    let mut exit = Exit::Ok;
    let mut all: Vec<Diagnostic> = Vec::new();
    let mut summary = String::new();
    for (name, _, r) in &reports {
        match r {
            Err(errors) => {
                exit = Exit::Invalid;
                all.extend(errors.iter().cloned());
                summary.push_str(&format!(
                    "{}: invalid ({})\n",
                    printable(name),
                    count(errors.len() as u64, "error")
                ));
                results.push(LibraryResult {
                    path: name.clone(),
                    valid: false,
                    findings: errors.clone(),
                    not_analysed: Vec::new(),
                });
            }
            Ok(report) => {
                let (mut e, mut w, mut n) = (0, 0, 0);
                for d in &report.diagnostics {
                    match d.severity {
                        Severity::Error => e += 1,
                        Severity::Warning => w += 1,
                        Severity::Note => n += 1,
                    }
                }
                if e > 0 || (opts.deny_warnings && w > 0) {
                    exit = exit.max(Exit::Violations);
                }
                all.extend(report.diagnostics.iter().cloned());
                summary.push_str(&format!("{}: {}", printable(name), tally(e, w, n)));
                summary.push_str(&format!(
                    " ({}; {} decided exactly, {})",
                    count(report.rules as u64, "rule"),
                    count(
                        report.solver_calls.saturating_sub(report.undecided) as u64,
                        "question"
                    ),
                    count(report.candidate_pairs as u64, "candidate pair")
                ));
                if report.undecided > 0 {
                    summary.push_str(&format!(
                        "; {} not decided within the budget",
                        count(report.undecided as u64, "question")
                    ));
                }
                if !report.not_analysed.is_empty() {
                    let list: Vec<String> = report
                        .not_analysed
                        .iter()
                        .map(|(r, why)| format!("`{r}` ({why})"))
                        .collect();
                    summary.push_str(&format!(
                        "; not analysed by the semantic lints: {}",
                        list.join(", ")
                    ));
                }
                summary.push('\n');
                results.push(LibraryResult {
                    path: name.clone(),
                    valid: true,
                    findings: report.diagnostics.clone(),
                    not_analysed: report
                        .not_analysed
                        .iter()
                        .map(|(r, why)| NotAnalysed {
                            rule: r.clone(),
                            reason: why.clone(),
                        })
                        .collect(),
                });
            }
        }
    }
    match args.format {
        Format::Json => {
            let (mut e, mut w, mut n) = (0, 0, 0);
            for d in &all {
                match d.severity {
                    Severity::Error => e += 1,
                    Severity::Warning => w += 1,
                    Severity::Note => n += 1,
                }
            }
            let json = serde_json::json!({
                "version": 1,
                "libraries": results,
                "summary": { "libraries": reports.len(), "errors": e, "warnings": w, "notes": n },
            });
            emit(out, &format!("{}\n", crate::cli::to_json(&json)));
        }
        _ => {
            let refs: Vec<&Diagnostic> = all.iter().collect();
            let mut text = render_human(&refs, color());
            text.push_str(&summary);
            emit(out, &text);
        }
    }
    exit
}
