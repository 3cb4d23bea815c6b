//! `pactum check`: check proposals against a policy library.

use std::path::{Path, PathBuf};

use crate::cli::formats::Format;
use crate::cli::{Deny, Exit, color, emit};
use crate::date::Date;
use crate::diag::{Code, Diagnostic};
use crate::engine::{CheckOptions, Engine};
use crate::proposal::Proposal;
use crate::report::{Report, RunReport, render_human};

/// Arguments of `pactum check`.
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
    /// Make warnings fail the check.
    #[arg(long, value_enum, value_name = "WHAT")]
    deny: Vec<Deny>,
    /// Proposal files (`.proposal`, `.json`) or folders of them.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
}

/// Runs the check and prints the report.
pub fn run(args: &Args) -> Exit {
    let as_of = match &args.as_of {
        None => Some(today()),
        Some(s) => match Date::parse(s) {
            Ok(d) => Some(d),
            Err(_) => {
                return usage(
                    args.format,
                    &format!("`--as-of {s}` is not a date"),
                    "write the date as YYYY-MM-DD, e.g. --as-of 2026-09-15",
                );
            }
        },
    };
    let engine = match &args.policies {
        None => Engine::standard(),
        Some(dir) => match Engine::load(dir) {
            Ok(e) => e,
            Err(errors) => {
                let n = errors.len();
                let report = Report::invalid(&dir.display().to_string(), None, errors);
                match args.format {
                    Format::Json | Format::Sarif | Format::Github | Format::Junit => {
                        print(args.format, vec![report]);
                    }
                    Format::Human => {
                        let diags: Vec<&Diagnostic> = report.diagnostics().collect();
                        let mut text = render_human(&diags, color());
                        text.push_str(&format!(
                            "policy library `{}` is invalid ({n} error{}): no proposal was checked\n",
                            dir.display(),
                            plural(n)
                        ));
                        emit(&text);
                    }
                }
                return Exit::Invalid;
            }
        },
    };
    let opts = CheckOptions {
        as_of,
        deny_warnings: args.deny.contains(&Deny::Warnings),
        ..CheckOptions::default()
    };
    let mut files: Vec<(String, Result<Vec<u8>, Diagnostic>)> = Vec::new();
    for path in &args.paths {
        collect(path, &mut files);
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files.dedup_by(|a, b| a.0 == b.0);
    let reports: Vec<Report> = files
        .into_iter()
        .map(|(name, bytes)| check_file(&engine, &name, bytes, &opts))
        .collect();
    let exit = reports.iter().fold(Exit::Ok, |acc, r| {
        let e = if !r.errors.is_empty() {
            Exit::Invalid
        } else if !r.compliant {
            Exit::Violations
        } else {
            Exit::Ok
        };
        acc.max(e)
    });
    print(args.format, reports);
    exit
}

fn check_file(
    engine: &Engine,
    name: &str,
    bytes: Result<Vec<u8>, Diagnostic>,
    opts: &CheckOptions,
) -> Report {
    let text = match bytes.and_then(|b| {
        String::from_utf8(b).map_err(|e| {
            Diagnostic::bare(
                Code::NotUtf8,
                format!(
                    "`{name}` is not UTF-8: invalid byte at offset {}",
                    e.utf8_error().valid_up_to()
                ),
            )
            .with_help("save the file as UTF-8")
        })
    }) {
        Ok(t) => t,
        Err(d) => return Report::invalid(name, None, vec![d]),
    };
    match Proposal::load(name, &text) {
        Ok(p) => engine.check_with(&p, opts),
        Err(errors) => Report::invalid(name, None, errors),
    }
}

fn collect(path: &Path, out: &mut Vec<(String, Result<Vec<u8>, Diagnostic>)>) {
    let name = path.display().to_string();
    if path.is_dir() {
        let Ok(entries) = std::fs::read_dir(path) else {
            out.push((
                name.clone(),
                Err(Diagnostic::bare(
                    Code::Io,
                    format!("cannot read folder `{name}`"),
                )),
            ));
            return;
        };
        let mut found: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        found.sort();
        let before = out.len();
        for p in found {
            if p.is_dir() {
                collect(&p, out);
            } else if p
                .extension()
                .is_some_and(|e| e == "proposal" || e == "json")
            {
                let n = p.display().to_string();
                out.push((n, read(&p)));
            }
        }
        if out.len() == before {
            let d = Diagnostic::bare(
                Code::Usage,
                format!("no `.proposal` or `.json` files in `{name}`"),
            )
            .with_help("pass proposal files, or a folder that holds some");
            out.push((name, Err(d)));
        }
        return;
    }
    out.push((name, read(path)));
}

fn read(path: &Path) -> Result<Vec<u8>, Diagnostic> {
    let max = crate::limits::Limits::default().max_input_bytes;
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.len() > max as u64 {
            return Err(Diagnostic::bare(
                Code::LimitSize,
                format!(
                    "`{}` is {} bytes, more than the limit of {max}",
                    path.display(),
                    meta.len()
                ),
            )
            .with_help("split the proposal into several files"));
        }
    }
    std::fs::read(path).map_err(|e| {
        let d = Diagnostic::bare(Code::Io, format!("cannot read `{}`: {e}", path.display()));
        match e.kind() {
            std::io::ErrorKind::NotFound => {
                d.with_help("check the path; `pactum check` takes proposal files or folders")
            }
            _ => d,
        }
    })
}

fn usage(format: Format, message: &str, help: &str) -> Exit {
    let d = Diagnostic::bare(Code::Usage, message).with_help(help);
    match format {
        Format::Json | Format::Sarif | Format::Github | Format::Junit => print(
            format,
            vec![Report::invalid("<command line>", None, vec![d])],
        ),
        Format::Human => emit(&render_human(&[&d], color())),
    }
    Exit::Invalid
}

fn print(format: Format, reports: Vec<Report>) {
    match format {
        Format::Json => {
            let run = RunReport::new(reports);
            let text = serde_json::to_string_pretty(&run)
                .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
            emit(&format!("{text}\n"));
        }
        Format::Human => emit(&human(&reports, color())),
        Format::Sarif | Format::Github | Format::Junit => {
            let findings = crate::cli::formats::Findings::from_reports(&reports);
            emit(&crate::cli::formats::render(format, &findings).unwrap_or_default());
        }
    }
}

/// The human report: every diagnostic, then a summary line per file and in total.
pub fn human(reports: &[Report], color: bool) -> String {
    let mut out = String::new();
    for r in reports {
        let diags: Vec<&Diagnostic> = r.diagnostics().collect();
        out.push_str(&render_human(&diags, color));
    }
    let run = RunReport::new(reports.to_vec());
    for r in reports {
        let (e, w, n) = r.counts();
        let status = if !r.errors.is_empty() {
            "invalid"
        } else if r.compliant {
            "compliant"
        } else {
            "not compliant"
        };
        out.push_str(&format!(
            "{}: {status} ({} error{}, {} warning{}, {} note{})\n",
            r.file,
            e,
            plural(e),
            w,
            plural(w),
            n,
            plural(n)
        ));
    }
    let s = &run.summary;
    out.push_str(&format!(
        "checked {} proposal{}: {} error{}, {} warning{}, {} note{}\n",
        s.proposals,
        plural(s.proposals),
        s.errors,
        plural(s.errors),
        s.warnings,
        plural(s.warnings),
        s.notes,
        plural(s.notes)
    ));
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn today() -> Date {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = i32::try_from(secs / 86_400).unwrap_or(0);
    Date::from_days(days)
}
