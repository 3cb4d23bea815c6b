//! `pactum fix`: apply the best repairs of a proposal's violations to its file.
//!
//! Per file, in rounds: check with repairs, take the best repair of each violation to fix
//! (the non-compliant ones: errors, and warnings with `--deny warnings`; every one with
//! `--all`), keep those whose edits do not overlap the ones already taken, apply them,
//! parse the result and check it again; until nothing is left to fix, nothing applies, or
//! a round fixes nothing. Edits touch only the bytes they replace, so comments, order and
//! layout stay. The file is written once, at the end, atomically (a temporary file beside
//! it, then a rename), and never when the result does not parse.

use std::io::Write;
use std::path::PathBuf;

use crate::cli::check::{InputFile, collect};
use crate::cli::files::{unified_diff, write_named};
use crate::cli::{Deny, Exit, color, count, emit};
use pactum::{
    CheckOptions, Diagnostic, Engine, Fix, Proposal, Report, Severity, SourceFile, apply_edits,
    printable, render_human,
};

/// Rounds of repairs per file, at most.
const MAX_ROUNDS: usize = 8;

/// Arguments of `pactum fix`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Policy library folder (default: the standard library built into pactum).
    #[arg(long, value_name = "DIR")]
    policies: Option<PathBuf>,
    /// Evaluation date, YYYY-MM-DD (default: today, UTC).
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    /// Make warnings count as violations to fix (as `check --deny warnings` fails on them).
    #[arg(long, value_enum, value_name = "WHAT")]
    deny: Vec<Deny>,
    /// Fix every violation, warnings and notes included.
    #[arg(long)]
    all: bool,
    /// Print a unified diff of each change instead of writing the files.
    #[arg(long, conflicts_with = "dry_run")]
    diff: bool,
    /// Only report what would be fixed; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// In folders, follow symbolic links.
    #[arg(long)]
    follow: bool,
    /// Proposal files (`.proposal`, `.json`) or folders of them.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
}

/// A repair taken: which violation, and the fix.
struct Applied {
    rule: String,
    step: Option<String>,
    binding: Option<String>,
    fix: Fix,
}

/// What fixing one file came to.
struct Outcome {
    name: String,
    original: String,
    fixed: String,
    applied: Vec<Applied>,
    /// The check of the fixed text.
    report: Report,
}

/// Runs `pactum fix`.
pub fn run(args: &Args, out: &mut dyn Write) -> Exit {
    let as_of = match crate::cli::as_of_arg(args.as_of.as_deref()) {
        Ok(d) => Some(d),
        Err(d) => {
            emit(out, &render_human(&[&d], color()));
            return Exit::Invalid;
        }
    };
    let engine = match &args.policies {
        None => Engine::standard(),
        Some(dir) => match Engine::load(dir) {
            Ok(e) => e,
            Err(errors) => {
                let report = Report::invalid(&dir.display().to_string(), None, errors);
                let diags: Vec<&Diagnostic> = report.diagnostics().collect();
                let mut text = render_human(&diags, color());
                text.push_str(&format!(
                    "policy library `{}` is invalid: no proposal was fixed\n",
                    printable(&dir.display().to_string())
                ));
                emit(out, &text);
                return Exit::Invalid;
            }
        },
    };
    let deny = args.deny.contains(&Deny::Warnings);
    let opts = CheckOptions {
        as_of,
        deny_warnings: deny,
        fixes: 1,
        ..CheckOptions::default()
    };
    let wanted = |s: Severity| args.all || s == Severity::Error || (deny && s == Severity::Warning);
    let mut files: Vec<InputFile> = Vec::new();
    for path in &args.paths {
        collect(path, args.follow, &mut files);
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files.dedup_by(|a, b| a.0 == b.0);
    // One file under two names (`a.proposal` and `./a.proposal`, or a link to it) is fixed
    // once, under its first name: the second would find it changed since it was read.
    let mut seen = std::collections::BTreeSet::new();
    files.retain(|(name, _)| std::fs::canonicalize(name).map_or(true, |real| seen.insert(real)));
    let mut exit = Exit::Ok;
    let (mut changed, mut total) = (0usize, 0usize);
    for (name, source) in files {
        let outcome = match source
            .map_err(|d| vec![d])
            .and_then(|s| fix_source(&engine, s, &opts, &wanted))
        {
            Ok(o) => o,
            Err(errors) => {
                let report = Report::invalid(&name, None, errors);
                let diags: Vec<&Diagnostic> = report.diagnostics().collect();
                let mut text = render_human(&diags, color());
                text.push_str(&format!("{}: invalid input, not fixed\n", printable(&name)));
                emit(out, &text);
                exit = exit.max(Exit::Invalid);
                continue;
            }
        };
        total += 1;
        let mut text = String::new();
        if outcome.fixed != outcome.original {
            if args.diff {
                text.push_str(&unified_diff(
                    &outcome.name,
                    &outcome.original,
                    &outcome.fixed,
                ));
            } else if !args.dry_run {
                let written = write_named(&outcome.name, &outcome.original, &outcome.fixed);
                if let Err(e) = written {
                    let d = Diagnostic::bare(
                        pactum::Code::Io,
                        format!("cannot write `{}`: {e}", printable(&outcome.name)),
                    )
                    .with_help("the file is unchanged; `pactum fix --diff` shows the repairs without writing");
                    emit(out, &render_human(&[&d], color()));
                    exit = exit.max(Exit::Invalid);
                    continue;
                }
            }
            // Counted once written (or, with --diff or --dry-run, once it would be).
            changed += 1;
        }
        let verb = if args.diff || args.dry_run {
            "would apply"
        } else {
            "applied"
        };
        for a in &outcome.applied {
            let at = match (&a.step, &a.binding) {
                (Some(s), Some(b)) => format!("step `{s}`, `{b}`"),
                (Some(s), None) => format!("step `{s}`"),
                (None, _) => "the proposal".to_string(),
            };
            text.push_str(&format!(
                "{}: {verb} {} ({}, {at})\n",
                printable(&outcome.name),
                printable(&a.fix.description),
                a.rule
            ));
        }
        // What is still not compliant, and why, as `pactum check` says it.
        let left: Vec<&Diagnostic> = outcome
            .report
            .violations
            .iter()
            .filter(|v| wanted(v.severity))
            .map(|v| &v.diagnostic)
            .chain(outcome.report.errors.iter().map(|e| &e.diagnostic))
            .collect();
        if !left.is_empty() {
            text.push_str(&render_human(&left, color()));
        }
        let (e, w, n) = outcome.report.counts();
        let state = if outcome.report.compliant {
            "compliant"
        } else {
            "not compliant"
        };
        let when = match (outcome.applied.len(), args.diff || args.dry_run) {
            (0, _) if outcome.report.compliant => "nothing to fix".to_string(),
            (0, _) => "no repair applies".to_string(),
            (k, true) => format!("once fixed, after {}", count(k as u64, "repair")),
            (k, false) => format!("now, after {}", count(k as u64, "repair")),
        };
        text.push_str(&format!(
            "{}: {state}, {when} ({}, {}, {})\n",
            printable(&outcome.name),
            count(e as u64, "error"),
            count(w as u64, "warning"),
            count(n as u64, "note"),
        ));
        if !outcome.report.errors.is_empty() {
            exit = exit.max(Exit::Invalid);
        } else if !outcome.report.compliant {
            exit = exit.max(Exit::Violations);
        }
        emit(out, &text);
    }
    let what = if args.diff || args.dry_run {
        "would change"
    } else {
        "changed"
    };
    emit(
        out,
        &format!(
            "checked {}: {what} {}\n",
            count(total as u64, "proposal"),
            count(changed as u64, "file")
        ),
    );
    exit
}

/// Fixes one file's text in rounds; the errors of the original when it does not load.
fn fix_source(
    engine: &Engine,
    source: SourceFile,
    opts: &CheckOptions,
    wanted: &dyn Fn(Severity) -> bool,
) -> Result<Outcome, Vec<Diagnostic>> {
    let limits = pactum::Limits::default();
    let name = source.name().to_string();
    let original = source.text().to_string();
    let mut proposal = Proposal::load_source(source, &limits).map_err(Vec::from)?;
    let mut report = engine.check_with(&proposal, opts);
    if !report.errors.is_empty() && report.violations.is_empty() {
        // Input errors (the schema): nothing to repair, and the report says why.
        return Err(report.errors.into_iter().map(|e| e.diagnostic).collect());
    }
    let mut text = original.clone();
    let mut applied: Vec<Applied> = Vec::new();
    let mut left = report
        .violations
        .iter()
        .filter(|v| wanted(v.severity))
        .count();
    for _ in 0..MAX_ROUNDS {
        let mut taken: Vec<&pactum::TextEdit> = Vec::new();
        let mut round: Vec<Applied> = Vec::new();
        for v in report.violations.iter().filter(|v| wanted(v.severity)) {
            let Some(best) = v.fixes.as_ref().and_then(|f| f.first()) else {
                continue;
            };
            // The same repair for two violations: taken once.
            if round.iter().any(|a| a.fix.edits == best.edits) {
                continue;
            }
            let clash = best.edits.iter().any(|e| {
                taken
                    .iter()
                    .any(|t| e.start < t.end.max(t.start + 1) && t.start < e.end.max(e.start + 1))
            });
            if clash {
                continue;
            }
            taken.extend(best.edits.iter());
            round.push(Applied {
                rule: v.rule.clone(),
                step: v.step.clone(),
                binding: v.binding.clone(),
                fix: best.clone(),
            });
        }
        if round.is_empty() {
            break;
        }
        let edits: Vec<pactum::TextEdit> = round.iter().flat_map(|a| a.fix.edits.clone()).collect();
        let Some(next) = apply_edits(&text, &edits) else {
            break;
        };
        // Never keep a text that does not parse, or that the schema rejects.
        let Ok(p) = Proposal::load_owned(&name, next.clone(), &limits) else {
            break;
        };
        let r = engine.check_with(&p, opts);
        let now = r.violations.iter().filter(|v| wanted(v.severity)).count();
        if !r.errors.is_empty() || now >= left {
            break;
        }
        text = next;
        proposal = p;
        report = r;
        left = now;
        applied.extend(round);
    }
    drop(proposal);
    Ok(Outcome {
        name,
        original,
        fixed: text,
        applied,
        report,
    })
}
