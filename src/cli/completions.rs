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
    /// Write one page per command into DIR (`pactum.1`, `pactum-check.1`, ...) instead of
    /// printing the page of `pactum`, which lists the subcommands, on standard output.
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
    let Some(dir) = &args.dir else {
        return match page(cmd) {
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
    // the command and every visible subcommand, depth first, as clap_mangen names them
    let mut pages = Vec::new();
    let mut stack = vec![cmd];
    while let Some(c) = stack.pop() {
        stack.extend(c.get_subcommands().filter(|s| !s.is_hide_set()).cloned());
        pages.push(c);
    }
    pages.sort_by_key(|c| c.get_display_name().unwrap_or(c.get_name()).to_string());
    let mut written = String::new();
    for c in pages {
        let name = clap_mangen::Man::new(c.clone()).get_filename();
        let path = dir.join(&name);
        let result = page(c).and_then(|text| std::fs::write(&path, text));
        if let Err(e) = result {
            emit(out, &written);
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
    emit(out, &written);
    Exit::Ok
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
