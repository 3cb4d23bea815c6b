//! `pactum completions SHELL` and `pactum man`: shell completion scripts (`clap_complete`)
//! and man pages (`clap_mangen`), both from the clap definitions of the command line, so
//! that they never drift from it.

use std::io::Write;
use std::path::PathBuf;

use crate::cli::{Exit, color, emit};
use pactum::{Code, Diagnostic, render_human};

/// Arguments of `pactum completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    shell: clap_complete::Shell,
}

/// Arguments of `pactum man`.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write one page per command into DIR, made if need be (`pactum.1`, `pactum-check.1`,
    /// ...), instead of printing one page of every command on standard output.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// Prints the completion script for the shell.
pub fn completions(args: &CompletionsArgs, out: &mut dyn Write) -> Exit {
    let mut cmd = crate::cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "pactum", &mut script);
    emit(out, &String::from_utf8_lossy(&script));
    Exit::Ok
}

/// Prints the man page of `pactum`, or writes one page per command into `--dir`.
pub fn man(args: &ManArgs, out: &mut dyn Write) -> Exit {
    let mut cmd = crate::cli::command().disable_help_subcommand(true);
    cmd.build();
    let cmd = usage_as_help(cmd);
    let Some(dir) = &args.dir else {
        return match one_page(cmd) {
            Ok(text) => {
                emit(out, &text);
                Exit::Ok
            }
            Err(e) => failed(
                out,
                format!("cannot render the man page: {e}"),
                "report it: pactum's own definitions did not render",
            ),
        };
    };
    // the command and every visible subcommand (theirs too), by name, as clap_mangen names
    // their files
    let mut pages = Vec::new();
    let mut stack = vec![cmd];
    while let Some(c) = stack.pop() {
        stack.extend(c.get_subcommands().filter(|s| !s.is_hide_set()).cloned());
        pages.push(c);
    }
    pages.sort_by_key(|c| c.get_display_name().unwrap_or(c.get_name()).to_string());
    let mut written = String::new();
    if let Err(e) = std::fs::create_dir_all(dir) {
        let what = format!(
            "cannot make folder `{}`: {e}",
            pactum::printable(&dir.display().to_string())
        );
        return failed(out, what, "check the path");
    }
    for c in pages {
        let name = clap_mangen::Man::new(c.clone()).get_filename();
        let path = dir.join(&name);
        let result = page(c).and_then(|text| std::fs::write(&path, text));
        if let Err(e) = result {
            eprint!("{written}");
            let what = format!(
                "cannot write `{}`: {e}",
                pactum::printable(&path.display().to_string())
            );
            return failed(out, what, "check that the folder exists and is writable");
        }
        written.push_str(&format!(
            "wrote {}\n",
            pactum::printable(&path.display().to_string())
        ));
    }
    // Status, not output: standard output stays clean.
    eprint!("{written}");
    Exit::Ok
}

/// Each command's synopsis as its `--help` gives it (`<PATH>...`, `--step <ID>`):
/// clap_mangen's own synopsis leaves out repetitions and option values.
fn usage_as_help(mut cmd: clap::Command) -> clap::Command {
    let usage = cmd.render_usage().to_string();
    let usage = usage
        .strip_prefix("Usage: ")
        .unwrap_or(&usage)
        .trim()
        .to_string();
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in names {
        cmd = cmd.mut_subcommand(name, usage_as_help);
    }
    cmd.override_usage(usage)
}

/// The page of `pactum` with each subcommand's synopsis, description and options as a
/// section of it (`PACTUM CHECK`, ...): clap_mangen's sections of each, their headings one
/// level down.
fn one_page(cmd: clap::Command) -> std::io::Result<String> {
    let mut text = page(cmd.clone())?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let man = clap_mangen::Man::new(sub.clone());
        let mut sections = Vec::new();
        man.render_synopsis_section(&mut sections)?;
        man.render_description_section(&mut sections)?;
        if sub.get_arguments().any(|a| !a.is_hide_set()) {
            man.render_options_section(&mut sections)?;
        }
        let heading = format!("pactum {}", sub.get_name()).to_uppercase();
        let mut roff = clap_mangen::roff::Roff::default();
        roff.control("SH", [heading.as_str()]);
        text.push_str(&body(&roff.to_roff(), false));
        text.push_str(&body(&String::from_utf8_lossy(&sections), true));
    }
    Ok(text)
}

/// Roff without the preamble each rendering starts with (the `Aq` string, defined once by
/// the page); `demote` turns its sections (`.SH`) into subsections (`.SS`).
fn body(roff: &str, demote: bool) -> String {
    roff.lines()
        .filter(|l| !l.starts_with(".ie \\n(.g .ds Aq") && !l.starts_with(".el .ds Aq"))
        .map(|l| match l.strip_prefix(".SH ") {
            Some(heading) if demote => format!(".SS {heading}\n"),
            _ => format!("{l}\n"),
        })
        .collect()
}

/// The roff text of one command's page.
fn page(cmd: clap::Command) -> std::io::Result<String> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut buf)?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// An I/O error, reported as a diagnostic (`pactum::io`).
fn failed(out: &mut dyn Write, message: String, help: &str) -> Exit {
    let d = Diagnostic::bare(Code::Io, message).with_help(help);
    emit(out, &render_human(&[&d], color()));
    Exit::Invalid
}
