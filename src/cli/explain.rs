//! `pactum explain`: why each rule checked on one step fired or did not
//! ([`pactum::Engine::explain_step`]), for people or as JSON (`docs/explain.md`).
//!
//! Exit codes: `0` when every rule explained was evaluated and none of severity error
//! fired; `1` when one of severity error fired (as `pactum check` would fail on it); `2`
//! for invalid input (usage, I/O, parse, an unknown step or rule) or a rule that could not
//! be evaluated.

use std::io::Write;
use std::path::PathBuf;

use crate::cli::{Exit, Format, color, emit};
use pactum::{
    CheckOptions, Diagnostic, Engine, Outcome, Proposal, Report, RunReport, Severity, SourceFile,
    StepExplanation, render_human,
};

/// Arguments of `pactum explain`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Policy library folder (default: the standard library built into pactum).
    #[arg(long, value_name = "DIR")]
    policies: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Evaluation date, YYYY-MM-DD (default: today, UTC).
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    /// The step to explain, by id.
    #[arg(long, value_name = "ID")]
    step: String,
    /// Only this rule (by id; it may be an `on proposal` rule).
    #[arg(long, value_name = "RULE")]
    rule: Option<String>,
    /// The proposal file (`.proposal` or `.json`).
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

/// Explains the step and prints the explanation.
pub fn run(args: &Args, out: &mut dyn Write) -> Exit {
    let as_of = match crate::cli::as_of_arg(args.as_of.as_deref()) {
        Ok(d) => Some(d),
        Err(d) => return invalid(out, args.format, "<command line>", vec![d]),
    };
    let engine = match &args.policies {
        None => Engine::standard(),
        Some(dir) => match Engine::load(dir) {
            Ok(e) => e,
            Err(errors) => {
                return invalid(out, args.format, &dir.display().to_string(), errors.into());
            }
        },
    };
    let name = args.file.display().to_string();
    let limits = pactum::Limits::default();
    let proposal = match SourceFile::read(&args.file, limits.max_input_bytes)
        .map_err(|d| vec![d])
        .and_then(|s| Proposal::load_source(s, &limits).map_err(Vec::from))
    {
        Ok(p) => p,
        Err(errors) => return invalid(out, args.format, &name, errors),
    };
    let prepared = match engine.prepare(&proposal) {
        Ok(p) => p,
        Err(report) => return invalid_report(out, args.format, *report),
    };
    let opts = CheckOptions {
        as_of,
        ..CheckOptions::default()
    };
    let why = match engine.explain_step(&prepared, &args.step, args.rule.as_deref(), &opts) {
        Ok(w) => w,
        Err(d) => return invalid(out, args.format, &name, vec![*d]),
    };
    match args.format {
        Format::Json => emit(out, &format!("{}\n", crate::cli::to_json(&why))),
        Format::Human => emit(out, &why.human()),
    }
    exit(&why)
}

/// The exit code of an explanation.
fn exit(why: &StepExplanation) -> Exit {
    if why.rules.iter().any(|r| r.outcome == Outcome::Error) {
        Exit::Invalid
    } else if why
        .rules
        .iter()
        .any(|r| r.fired && r.severity == Severity::Error)
    {
        Exit::Violations
    } else {
        Exit::Ok
    }
}

/// Invalid input, reported as `pactum check` reports it.
fn invalid(out: &mut dyn Write, format: Format, name: &str, errors: Vec<Diagnostic>) -> Exit {
    invalid_report(out, format, Report::invalid(name, None, errors))
}

fn invalid_report(out: &mut dyn Write, format: Format, report: Report) -> Exit {
    match format {
        Format::Json => {
            let run = RunReport::new(vec![report]);
            emit(out, &format!("{}\n", crate::cli::to_json(&run)));
        }
        Format::Human => {
            let diags: Vec<&Diagnostic> = report.diagnostics().collect();
            emit(out, &render_human(&diags, color()));
        }
    }
    Exit::Invalid
}
