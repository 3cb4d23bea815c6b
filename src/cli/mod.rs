//! The command line. `main` parses arguments and dispatches; each subcommand has its file.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

pub(crate) mod check;
mod completions;
mod diff;
mod explain;
mod explore;
mod files;
mod fix;
mod fmt;
pub mod formats;
mod lint;
pub(crate) mod lsp;
mod schema;
// The `cli_walk` fuzz target compiles these modules into itself to run `check`; it leaves
// the web server out (its HTTP stack would be most of the target's code and coverage map,
// and every input would pay libFuzzer's scan of that map).
#[cfg(not(fuzzing))]
mod serve;
mod test;

/// Exit codes (fixed by the CLI contract).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// Every proposal compliant.
    Ok = 0,
    /// Some violation of severity error (or a warning with `--deny warnings`).
    Violations = 1,
    /// Invalid input: usage, I/O, parse, type or evaluation errors.
    Invalid = 2,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Diagnostics for people.
    Human,
    /// The JSON report.
    Json,
}

/// What `--deny` can make fatal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Deny {
    /// Warnings count as violations.
    Warnings,
}

#[derive(Debug, Parser)]
#[command(
    name = "pactum",
    version,
    about = "Check cooperation proposals against policy libraries"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check proposal files (`.proposal` or `.json`) or folders of them.
    Check(check::Args),
    /// Apply the best repairs of proposals' violations to their files (or show them).
    Fix(fix::Args),
    /// Check policy libraries: everything `check` rejects, plus named lints.
    Lint(lint::Args),
    /// Run a policy library's tests (DIR/tests/) and report rule and `unless` coverage.
    Test(test::Args),
    /// Generate proposals and report how the rules interact, with minimal witnesses.
    Explore(explore::Args),
    /// Compare the verdicts of proposals, and the rules, between two libraries, two git
    /// revisions of a library, or two dates.
    Diff(diff::Args),
    /// Explain why each rule checked on one step of a proposal fired or did not.
    Explain(explain::Args),
    /// Format `.policy` and `.proposal` files in the canonical layout, comments kept.
    Fmt(fmt::Args),
    /// The language server, over standard input and output (for editors).
    Lsp(lsp::Args),
    /// Print the JSON Schema of JSON proposals under a policy library, for editors.
    Schema(schema::Args),
    /// The web workbench: edit and check proposals in a browser, on this machine.
    #[cfg(not(fuzzing))]
    Serve(serve::Args),
    /// Print the shell completion script of pactum for SHELL.
    Completions(completions::CompletionsArgs),
    /// Print pactum's man page (roff), or write one page per command into a folder.
    Man(completions::ManArgs),
}

/// The clap definition of the command line (for completions and man pages).
pub(crate) fn command() -> clap::Command {
    Cli::command()
}

/// Runs the command line.
pub fn main() -> ExitCode {
    run(std::env::args_os(), &mut std::io::stdout().lock()).into()
}

/// Runs the command line `args` (the program's name first), writing the output to `out`:
/// what `main` does with standard output, and what the `cli_walk` fuzz target does with a
/// buffer. Usage errors and `--help` go to the terminal, as clap writes them.
pub fn run(
    args: impl IntoIterator<Item = std::ffi::OsString>,
    out: &mut dyn std::io::Write,
) -> Exit {
    run_loaded(args, None, out)
}

/// [`run`], with `check`'s library already loaded when `loaded` is given (in place of
/// `--policies`): the `cli_walk` fuzz target loads its library once, where `run` would
/// parse and compile it for every input, a quarter of the target's time.
pub(crate) fn run_loaded(
    args: impl IntoIterator<Item = std::ffi::OsString>,
    loaded: Option<&pactum::Engine>,
    out: &mut dyn std::io::Write,
) -> Exit {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    Exit::Ok
                }
                _ => Exit::Invalid,
            };
        }
    };
    let exit = match cli.command {
        Command::Check(args) => check::run_with(&args, loaded, out),
        Command::Fix(args) => fix::run(&args, out),
        Command::Lint(args) => lint::run(&args, out),
        Command::Test(args) => test::run(&args, out),
        Command::Explore(args) => explore::run(&args, out),
        Command::Diff(args) => diff::run(&args, out),
        Command::Explain(args) => explain::run(&args, out),
        Command::Fmt(args) => fmt::run(&args, out),
        Command::Lsp(args) => lsp::run(&args),
        #[cfg(not(fuzzing))]
        Command::Serve(args) => serve::run(&args),
        Command::Schema(args) => schema::run(&args, out),
        Command::Completions(args) => completions::completions(&args, out),
        Command::Man(args) => completions::man(&args, out),
    };
    if let Some(e) = WRITE_ERROR.get() {
        eprintln!("pactum: cannot write the output: {}", pactum::printable(e));
        return Exit::Invalid;
    }
    exit
}

/// A policy library a subcommand works on: a folder, or the standard library built in.
#[derive(Debug, Clone)]
pub(crate) enum Library {
    /// The standard library embedded in the binary (named `<std>`).
    Standard,
    /// The `.policy` files under a folder.
    Dir(std::path::PathBuf),
}

impl Library {
    /// How reports name it: the folder as given, or `<std>`.
    pub(crate) fn name(&self) -> String {
        match self {
            Library::Standard => "<std>".to_string(),
            Library::Dir(d) => d.display().to_string(),
        }
    }

    /// Loads and compiles it.
    pub(crate) fn load(&self) -> Result<pactum::Engine, pactum::Errors> {
        match self {
            Library::Standard => Ok(pactum::Engine::standard()),
            Library::Dir(d) => pactum::Engine::load(d),
        }
    }
}

/// The libraries of a subcommand: each `--policies DIR`, then each DIR argument; with none,
/// the standard library built in. Every subcommand finds its library this way.
pub(crate) fn libraries(flag: &[std::path::PathBuf], dirs: &[std::path::PathBuf]) -> Vec<Library> {
    let all: Vec<Library> = flag.iter().chain(dirs).cloned().map(Library::Dir).collect();
    if all.is_empty() {
        vec![Library::Standard]
    } else {
        all
    }
}

/// `n` and the noun, plural unless `n` is 1: `count(1, "error")` is `1 error`,
/// `count(0, "note")` is `0 notes`. Every count the command line prints goes through it.
pub(crate) fn count(n: impl Into<u64>, noun: &str) -> String {
    let n = n.into();
    if n == 1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `1 error, 2 warnings, 0 notes`: the tally that ends every summary line.
pub(crate) fn tally(errors: usize, warnings: usize, notes: usize) -> String {
    format!(
        "{}, {}, {}",
        count(errors as u64, "error"),
        count(warnings as u64, "warning"),
        count(notes as u64, "note")
    )
}

/// Any value as pretty JSON, safe to print ([`pactum::printable_json`]).
pub(crate) fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    pactum::printable_json(&serde_json::to_string_pretty(value).unwrap_or_default()).into_owned()
}

/// A writer that passes JSON text on through [`pactum::printable_json`] (serde_json writes whole
/// characters in each call).
pub(crate) struct JsonSafe<W: Write>(pub W);

impl<W: Write> Write for JsonSafe<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match std::str::from_utf8(buf) {
            Ok(text) => self.0.write_all(pactum::printable_json(text).as_bytes())?,
            Err(_) => self.0.write_all(buf)?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Whether a path names a proposal (`.proposal` or `.json`, in any case): what `check`
/// takes from folders and `test` from a library's `tests/`.
pub(crate) fn is_proposal(path: &std::path::Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("proposal") || e.eq_ignore_ascii_case("json"))
}

/// Today's date (UTC): the default `--as-of`.
/// The date of an `--as-of` argument: the one given, else today (UTC); a usage
/// diagnostic when it is not a date.
pub(crate) fn as_of_arg(arg: Option<&str>) -> Result<pactum::Date, pactum::Diagnostic> {
    match arg {
        None => Ok(today()),
        Some(s) => pactum::Date::parse(s).map_err(|_| not_a_date(s)),
    }
}

/// The usage diagnostic of an `--as-of` that is not a date (`shown` as the message says it).
pub(crate) fn not_a_date(shown: &str) -> pactum::Diagnostic {
    pactum::Diagnostic::bare(
        pactum::Code::Usage,
        format!("`--as-of {shown}` is not a date"),
    )
    .with_help("write the date as YYYY-MM-DD, e.g. --as-of 2026-09-15")
}

pub(crate) fn today() -> pactum::Date {
    pactum::Date::today()
}

/// Whether to color output on stdout.
pub(crate) fn color() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}

/// Whether to color diagnostics written to stderr.
pub(crate) fn stderr_color() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
}

/// Writes the output, ignoring a closed pipe.
pub(crate) fn emit(out: &mut dyn Write, text: &str) {
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        write_failed(&e);
    }
}

/// The first error writing standard output that was not a closed pipe: a full disk or a
/// closed descriptor loses the report, which must not pass for success.
static WRITE_ERROR: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Records a failed write of the output. A closed pipe (`pactum check ... | head`) is the
/// reader's choice and stays quiet; anything else makes the run exit 2 with a message.
pub(crate) fn write_failed(e: &std::io::Error) {
    if e.kind() != std::io::ErrorKind::BrokenPipe {
        let _ = WRITE_ERROR.set(e.to_string());
    }
}
