//! `pactum fmt`: the canonical layout of `.policy` and `.proposal` files ([`pactum::fmt`]).
//!
//! Files are rewritten in place, atomically, and only when they change; a file that does
//! not parse is never written (its diagnostics are printed, exit 2, the other files are
//! still formatted). `--check` and `--diff` write nothing: they list the files that would
//! change, or show how, and exit 1 when some would. `-` formats standard input to standard
//! output. Standard output carries only the list, the diffs or the formatted text;
//! diagnostics, notes and the summary go to standard error.

use std::io::{Read as _, Write};
use std::path::{Path, PathBuf};

use crate::cli::check::{InputFile, Wanted, collect_matching};
use crate::cli::files::{unified_diff, write_named};
use crate::cli::{Exit, count, emit};
use pactum::{Code, Diagnostic, Errors, printable, render_human};

/// Arguments of `pactum fmt`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write nothing; list the files that would change, and exit 1 if there are any.
    #[arg(long)]
    check: bool,
    /// Write nothing; print a unified diff of each change, and exit 1 if there are any.
    #[arg(long)]
    diff: bool,
    /// In folders, follow symbolic links.
    #[arg(long)]
    follow: bool,
    /// `.policy` and `.proposal` files, or folders of them; `-` formats standard input to
    /// standard output (a proposal if it starts with `proposal`, else a policy).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
}

/// What a file is, for the formatter.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Policy,
    Proposal,
    Json,
    Other,
}

fn kind(path: &Path) -> Kind {
    match path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
    {
        Some(e) if e == "policy" => Kind::Policy,
        Some(e) if e == "proposal" => Kind::Proposal,
        Some(e) if e == "json" => Kind::Json,
        _ => Kind::Other,
    }
}

fn formattable(path: &Path) -> bool {
    matches!(kind(path), Kind::Policy | Kind::Proposal)
}

const FORMATTABLE: Wanted = Wanted {
    is: formattable,
    what: "`.policy` or `.proposal`",
    files: "policy or proposal files",
    read_help: "check the path; `pactum fmt` takes policy and proposal files or folders",
};

/// Formats a text of the given kind.
fn format(kind: Kind, name: &str, text: &str) -> Result<String, Errors> {
    if kind == Kind::Proposal {
        pactum::fmt::format_proposal_named(name, text)
    } else {
        pactum::fmt::format_policy_named(name, text)
    }
}

/// The diagnostics of a file that was not formatted, on standard error.
fn report(diags: &[Diagnostic], name: &str, why: &str) {
    let refs: Vec<&Diagnostic> = diags.iter().collect();
    let mut text = render_human(&refs, crate::cli::stderr_color());
    text.push_str(&format!("{}: {why}\n", printable(name)));
    eprint!("{text}");
}

/// Runs `pactum fmt`.
pub fn run(args: &Args, out: &mut dyn Write) -> Exit {
    let mut exit = Exit::Ok;
    let (mut changed, mut unchanged, mut skipped) = (0usize, 0usize, 0usize);
    let mut files: Vec<InputFile> = Vec::new();
    let mut stdin = false;
    for path in &args.paths {
        if path.as_os_str() == "-" {
            stdin = true;
            continue;
        }
        if !path.is_dir() && kind(path) == Kind::Json {
            eprintln!(
                "{}: JSON proposals are not formatted, skipped",
                printable(&path.display().to_string())
            );
            skipped += 1;
            continue;
        }
        collect_matching(path, args.follow, &FORMATTABLE, &mut files);
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files.dedup_by(|a, b| a.0 == b.0);
    let mut seen = std::collections::BTreeSet::new();
    files.retain(|(name, _)| std::fs::canonicalize(name).map_or(true, |real| seen.insert(real)));
    if stdin {
        exit = exit.max(format_stdin(args, out));
    }
    for (name, source) in files {
        let source = match source {
            Ok(s) => s,
            Err(d) => {
                report(&[d], &name, "not formatted");
                exit = exit.max(Exit::Invalid);
                continue;
            }
        };
        let k = kind(Path::new(&name));
        if k == Kind::Other {
            let d = Diagnostic::bare(
                Code::Usage,
                format!("`{}` is not a `.policy` or `.proposal` file", printable(&name)),
            )
            .with_help("pactum fmt formats policy files (`.policy`) and proposals in the text form (`.proposal`); pass `-` to format standard input");
            report(&[d], &name, "not formatted");
            exit = exit.max(Exit::Invalid);
            continue;
        }
        let original = source.text();
        let formatted = match format(k, &name, original) {
            Ok(t) => t,
            Err(errors) => {
                report(&errors.into_vec(), &name, "does not parse, not formatted");
                exit = exit.max(Exit::Invalid);
                continue;
            }
        };
        if formatted == original {
            unchanged += 1;
            continue;
        }
        if args.diff {
            emit(out, &unified_diff(&name, original, &formatted));
        }
        if args.check {
            emit(out, &format!("{}\n", printable(&name)));
        }
        if args.check || args.diff {
            exit = exit.max(Exit::Violations);
            changed += 1;
            continue;
        }
        if let Err(e) = write_named(&name, original, &formatted) {
            let d = Diagnostic::bare(
                Code::Io,
                format!("cannot write `{}`: {e}", printable(&name)),
            )
            .with_help(
                "the file is unchanged; `pactum fmt --diff` shows the change without writing",
            );
            report(&[d], &name, "not formatted");
            exit = exit.max(Exit::Invalid);
            continue;
        }
        changed += 1;
    }
    let verb = if args.check || args.diff {
        "would format"
    } else {
        "formatted"
    };
    let mut summary = format!(
        "{verb} {}, {} unchanged",
        count(changed as u64, "file"),
        unchanged
    );
    if skipped > 0 {
        summary.push_str(&format!(", {} skipped", skipped));
    }
    if stdin && changed + unchanged + skipped == 0 {
        return exit;
    }
    eprintln!("{summary}");
    exit
}

/// `pactum fmt -`: standard input, formatted, to standard output (as it was when it does
/// not parse, with the diagnostics on standard error and exit 2).
fn format_stdin(args: &Args, out: &mut dyn Write) -> Exit {
    let mut bytes = Vec::new();
    if let Err(e) = std::io::stdin().lock().read_to_end(&mut bytes) {
        let d = Diagnostic::bare(Code::Io, format!("cannot read standard input: {e}"));
        report(&[d], "<stdin>", "not formatted");
        return Exit::Invalid;
    }
    let Ok(text) = String::from_utf8(bytes) else {
        let d = Diagnostic::bare(Code::NotUtf8, "standard input is not valid UTF-8");
        report(&[d], "<stdin>", "not formatted");
        return Exit::Invalid;
    };
    let k = if starts_with_proposal(&text) {
        Kind::Proposal
    } else {
        Kind::Policy
    };
    match format(k, "<stdin>", &text) {
        Ok(formatted) => {
            let changed = formatted != text;
            if args.diff && changed {
                emit(out, &unified_diff("<stdin>", &text, &formatted));
            } else if !args.check && !args.diff {
                emit(out, &formatted);
            }
            if changed && (args.check || args.diff) {
                if args.check {
                    emit(out, "<stdin>\n");
                }
                Exit::Violations
            } else {
                Exit::Ok
            }
        }
        Err(errors) => {
            report(
                &errors.into_vec(),
                "<stdin>",
                "does not parse, not formatted",
            );
            Exit::Invalid
        }
    }
}

/// Whether a text's first token, past white space and comments, is `proposal`: a
/// proposal starts with its header, a policy file never does.
fn starts_with_proposal(text: &str) -> bool {
    let mut rest = text.trim_start_matches('\u{FEFF}');
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix("//") {
            rest = r.split_once('\n').map_or("", |(_, after)| after);
        } else if let Some(r) = rest.strip_prefix("/*") {
            rest = r.split_once("*/").map_or("", |(_, after)| after);
        } else {
            break;
        }
    }
    rest.strip_prefix("proposal")
        .is_some_and(|r| !r.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
}
