//! `pactum completions SHELL` and `pactum man`: generated from the clap definitions, so
//! they name every subcommand `pactum --help` lists; the bash script is valid bash, the man
//! page valid roff (and `man -l` renders it, where `man` is installed).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers report setup failures by panicking"
)]

use std::process::Command;

mod common;
use common::{pactum, scratch};

fn stdout(args: &[&str]) -> String {
    let out = pactum(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "pactum {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The subcommands `pactum --help` lists (but `help`).
fn subcommands() -> Vec<String> {
    let help = stdout(&["--help"]);
    let list = help.split("Commands:\n").nth(1).unwrap();
    let names: Vec<String> = list
        .lines()
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| *n != "help")
        .map(str::to_string)
        .collect();
    for expected in ["check", "lint", "schema", "completions", "man"] {
        assert!(names.iter().any(|n| n == expected), "{names:?}");
    }
    names
}

fn installed(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn the_bash_script_is_valid_bash_and_completes_every_subcommand() {
    let script = stdout(&["completions", "bash"]);
    for sub in subcommands() {
        assert!(
            script.contains(&format!("pactum,{sub})")),
            "no `{sub}` in\n{script}"
        );
    }
    assert!(script.contains("--json-schema") && script.contains("--policies"));
    let dir = scratch("cli_completions", "bash");
    let path = dir.join("pactum.bash");
    std::fs::write(&path, &script).unwrap();
    let syntax = Command::new("bash").arg("-n").arg(&path).output().unwrap();
    assert!(
        syntax.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&syntax.stderr)
    );
    // Sourced, it registers the completion function for `pactum`.
    let registered = Command::new("bash")
        .arg("-c")
        .arg(format!("source '{}' && complete -p pactum", path.display()))
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&registered.stdout).contains("_pactum"),
        "{}",
        String::from_utf8_lossy(&registered.stderr)
    );
}

#[test]
fn every_shell_gets_a_script_naming_every_subcommand() {
    let subs = subcommands();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = stdout(&["completions", shell]);
        for sub in &subs {
            assert!(script.contains(sub.as_str()), "{shell}: no `{sub}`");
        }
    }
    for (shell, ext) in [("zsh", "zsh"), ("fish", "fish")] {
        if installed(shell) {
            let dir = scratch("cli_completions", shell);
            let path = dir.join(format!("pactum.{ext}"));
            std::fs::write(&path, stdout(&["completions", shell])).unwrap();
            let ok = Command::new(shell).arg("-n").arg(&path).status().unwrap();
            assert!(ok.success(), "{shell} -n rejects its script");
        }
    }
    let unknown = pactum(&["completions", "tcsh"]);
    assert_eq!(unknown.status.code(), Some(2));
}

/// Checks that `text` is a man page of valid roff: a title, a NAME section, and no warning
/// from groff (where installed).
fn valid_roff(test: &str, text: &str, name: &str) {
    assert!(
        text.lines().any(|l| l.starts_with(".TH ")),
        "{name}: no .TH\n{text}"
    );
    assert!(text.contains("\n.SH NAME\n"), "{name}: no NAME section");
    for line in text.lines().filter(|l| l.starts_with('.')) {
        let request = line.split_whitespace().next().unwrap();
        assert!(
            [
                ".TH", ".SH", ".SS", ".TP", ".PP", ".IP", ".RS", ".RE", ".br", ".ie", ".el", ".B",
                ".I", ".sp", ".nf", ".fi", ".in", ".TQ", ".EX", ".EE",
            ]
            .contains(&request),
            "{name}: unexpected request `{line}`"
        );
    }
    if installed("groff") {
        let dir = scratch("cli_completions", &format!("groff-{test}-{name}"));
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let out = Command::new("groff")
            .args(["-man", "-ww", "-z"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "groff warns on {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn the_man_page_is_roff_with_every_subcommand() {
    let page = stdout(&["man"]);
    valid_roff("one-page", &page, "pactum.1");
    for sub in subcommands() {
        let heading = format!("\n.SH \"PACTUM {}\"\n", sub.to_uppercase());
        assert!(page.contains(&heading), "no section {heading:?}");
        assert!(
            page.contains(&format!("pactum\\-{sub}")),
            "{sub} not in SUBCOMMANDS"
        );
    }
    assert!(page.contains("\\-\\-json\\-schema"));
    if installed("man") {
        let dir = scratch("cli_completions", "man");
        let path = dir.join("pactum.1");
        std::fs::write(&path, &page).unwrap();
        let out = Command::new("man")
            .arg("-l")
            .arg(&path)
            .env("MANWIDTH", "80")
            .env("MANPAGER", "cat")
            .env("PAGER", "cat")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            text.contains("NAME") && text.contains("PACTUM CHECK"),
            "{text}"
        );
    }
}

#[test]
fn man_dir_writes_one_page_per_command() {
    let dir = scratch("cli_completions", "man-dir").join("man1");
    let run = pactum(&["man", "--dir", dir.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(0));
    // Standard output stays clean: the status lines are on standard error.
    assert!(
        run.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&run.stdout)
    );
    let out = String::from_utf8(run.stderr).unwrap();
    assert!(out.lines().all(|l| l.starts_with("wrote ")), "{out}");
    let mut expected = vec!["pactum.1".to_string()];
    expected.extend(subcommands().iter().map(|s| format!("pactum-{s}.1")));
    expected.sort();
    let mut found: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    found.sort();
    assert_eq!(found, expected);
    assert_eq!(out.lines().count(), expected.len(), "{out}");
    for name in &found {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        valid_roff("dir", &text, name);
    }
    let check = std::fs::read_to_string(dir.join("pactum-check.1")).unwrap();
    assert!(check.contains("\\-\\-format"));
}

/// Roff text as plain text (the escapes the synopses use).
fn unroff(line: &str) -> String {
    line.replace("\\fB", "")
        .replace("\\fR", "")
        .replace("\\fI", "")
        .replace("\\-", "-")
}

#[test]
fn every_synopsis_is_the_usage_of_help() {
    let page = stdout(&["man"]);
    for sub in subcommands() {
        let help = stdout(&[&sub, "--help"]);
        let usage = help
            .lines()
            .find_map(|l| l.strip_prefix("Usage: "))
            .unwrap()
            .to_string();
        let heading = format!("\n.SH \"PACTUM {}\"\n", sub.to_uppercase());
        let section = page.split(&heading).nth(1).unwrap();
        let synopsis = section
            .split(".SS SYNOPSIS\n")
            .nth(1)
            .and_then(|s| s.lines().next())
            .unwrap();
        assert_eq!(unroff(synopsis), usage, "pactum {sub}");
    }
    let dir = scratch("cli_completions", "man-synopsis");
    stdout(&["man", "--dir", dir.to_str().unwrap()]);
    let fmt = std::fs::read_to_string(dir.join("pactum-fmt.1")).unwrap();
    assert!(
        fmt.contains("\\fBpactum fmt\\fR [OPTIONS] <PATH>..."),
        "{fmt}"
    );
}
