//! `pactum check` writes its human and JSON output as it checks, one violation at a time,
//! so that a large proposal's report is never held in memory whole. These tests hold it to
//! the contract that streaming changes nothing: its output is byte for byte what rendering
//! the library's [`Report`]s of the same files gives (`serde_json::to_string_pretty` of the
//! [`RunReport`]; the diagnostics of each report, then the summary lines), for violations
//! of every severity, evaluation errors, invalid files, `--deny warnings`, several files at
//! once, and a proposal with hundreds of violations.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers report setup failures by panicking"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use pactum::render_human;
use pactum::{CheckOptions, Date, Diagnostic, Engine, Proposal, Report, RunReport};

mod common;

use common::AS_OF;

use common::root;

/// The reports the library gives for `files` (sorted by name, as the CLI sorts them).
fn library_reports(engine: &Engine, files: &[String], deny: bool, fixes: bool) -> Vec<Report> {
    let opts = CheckOptions {
        as_of: Some(Date::parse(AS_OF).unwrap()),
        deny_warnings: deny,
        fixes: usize::from(fixes),
        ..CheckOptions::default()
    };
    let mut files = files.to_vec();
    files.sort();
    files
        .iter()
        .map(|name| {
            let text = std::fs::read_to_string(root().join(name)).unwrap();
            match Proposal::load(name, &text) {
                Ok(p) => engine.check_with(&p, &opts),
                Err(errors) => Report::invalid(name, None, errors),
            }
        })
        .collect()
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The human output of `reports`: every report's diagnostics, then a line per file and
/// the totals.
fn library_human(reports: &[Report]) -> String {
    let mut out = String::new();
    for r in reports {
        out.push_str(&render_human(
            &r.diagnostics().collect::<Vec<&Diagnostic>>(),
            false,
        ));
    }
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
            "{}: {status} ({e} error{}, {w} warning{}, {n} note{})\n",
            r.file,
            plural(e),
            plural(w),
            plural(n)
        ));
    }
    let s = RunReport::new(reports.to_vec()).summary;
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

fn exit_code(reports: &[Report]) -> i32 {
    reports
        .iter()
        .map(|r| {
            if !r.errors.is_empty() {
                2
            } else if r.compliant {
                0
            } else {
                1
            }
        })
        .max()
        .unwrap_or(0)
}

/// Runs the CLI on `files` in both formats and compares with the library.
fn agree(policies: Option<&str>, files: &[String], deny: bool) {
    let engine = match policies {
        None => Engine::standard(),
        // Relative, as the CLI is given it (the path is in the diagnostics).
        Some(dir) => Engine::load(Path::new(dir)).unwrap(),
    };
    for format in ["json", "human"] {
        // Human output shows repairs; JSON only with `--fixes`.
        let reports = library_reports(&engine, files, deny, format == "human");
        assert!(!reports.is_empty());
        let mut args = vec!["check", "--as-of", AS_OF, "--format", format];
        if deny {
            args.extend(["--deny", "warnings"]);
        }
        if let Some(dir) = policies {
            args.extend(["--policies", dir]);
        }
        args.extend(files.iter().map(String::as_str));
        let out = Command::new(env!("CARGO_BIN_EXE_pactum"))
            .args(&args)
            .current_dir(root())
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        let expected = if format == "json" {
            let run = RunReport::new(reports.clone());
            format!("{}\n", serde_json::to_string_pretty(&run).unwrap())
        } else {
            library_human(&reports)
        };
        assert_eq!(
            stdout,
            expected,
            "`pactum {}` differs from the library's report",
            args.join(" ")
        );
        assert_eq!(out.status.code(), Some(exit_code(&reports)), "{args:?}");
    }
}

fn files_in(dir: &str) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(root().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e == "json" || e == "proposal")
        })
        .map(|p| p.strip_prefix(root()).unwrap().display().to_string())
        .collect();
    out.sort();
    out
}

#[test]
fn the_examples_and_the_invalid_corpus_stream_as_the_library_reports() {
    let mut files = files_in("policies/examples");
    files.extend(files_in("tests/corpus/proposals"));
    agree(None, &files, false);
}

#[test]
fn deny_warnings_streams_as_the_library_reports() {
    // Warnings only: compliant without `--deny warnings`, not compliant with it.
    let files = vec!["policies/examples/kyrgyz-bases.proposal".to_string()];
    agree(None, &files, false);
    agree(None, &files, true);
    agree(None, &files_in("policies/examples"), true);
}

#[test]
fn evaluation_errors_stream_as_the_library_reports() {
    for case in ["absent-attribute", "no-date"] {
        let dir = format!("tests/corpus/eval/{case}");
        agree(
            Some(&format!("{dir}/lib")),
            &[format!("{dir}/proposal.proposal")],
            false,
        );
    }
}

/// A proposal of `n` steps of every kind the examples use, cycled with varied parties.
fn generated(n: usize) -> String {
    let states = [
        "turkey",
        "azerbaijan",
        "kazakhstan",
        "uzbekistan",
        "kyrgyzstan",
        "turkmenistan",
        "hungary",
        "russia",
        "iran",
        "armenia",
    ];
    let mut x: u64 = 0x2026_1130;
    let mut pick = || {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        states[((x >> 33) % states.len() as u64) as usize]
    };
    let mut out = String::from("proposal generated {\n  date: 2026-09-15\n}\n");
    for i in 0..n {
        let (a, b, c) = (pick(), pick(), pick());
        let step = match i % 5 {
            0 => format!(
                "step s{i}: exercise {{\n  participants: [{a}, {b}]\n  area: caspian_sea\n}}\n"
            ),
            1 => format!("step s{i}: defense_pact {{\n  parties: [{a}, {b}, {c}]\n}}\n"),
            2 => format!("step s{i}: joint_command {{\n  parties: [{a}, {b}]\n}}\n"),
            3 => format!(
                "step s{i}: transit_flight {{\n  operator: {a}\n  route: [{a}, {b}]\n  cargo: [personnel]\n}}\n"
            ),
            _ => format!("step s{i}: base {{\n  host: {a}\n  operators: [{b}, {c}]\n}}\n"),
        };
        out.push('\n');
        out.push_str(&step);
    }
    out
}

#[test]
fn hundreds_of_violations_stream_as_the_library_reports() {
    let dir = root().join("target/cli-streaming");
    std::fs::create_dir_all(&dir).unwrap();
    let path: PathBuf = dir.join("generated.proposal");
    std::fs::write(&path, generated(300)).unwrap();
    let name = path.strip_prefix(root()).unwrap().display().to_string();
    let engine = Engine::standard();
    let reports = library_reports(&engine, std::slice::from_ref(&name), false, false);
    assert!(
        reports[0].errors.is_empty(),
        "the generated proposal is valid: {:?}",
        reports[0].errors.first().map(|e| &e.message)
    );
    assert!(
        reports[0].violations.len() > 200,
        "{} violations",
        reports[0].violations.len()
    );
    agree(
        None,
        &[name, "policies/examples/caspian-shield.json".into()],
        false,
    );
}
