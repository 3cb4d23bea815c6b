//! `pactum check`: check proposals against a policy library.

use std::path::{Path, PathBuf};

use crate::cli::formats::{self, Finding, Format, Head, Kind, Place, RuleMeta, Source, Tool};
use crate::cli::{Deny, Exit, color, count, emit, tally};
use pactum::{
    CheckOptions, Code, Diagnostic, Engine, Explained, Proposal, Report, RunReport, Severity,
    SourceFile, Summary, printable, render_human,
};
use std::cell::{Cell, RefCell};
use std::io::Write;

use serde::ser::{Serialize, SerializeSeq as _, SerializeStruct as _, Serializer};

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
    /// In folders, follow symbolic links (a folder or file reached twice is read once).
    /// Links given as PATH are always read.
    #[arg(long)]
    follow: bool,
    /// Add the repairs of each violation (`fixes`) to the JSON report. Human output shows
    /// the best repair always; SARIF carries them always.
    #[arg(long)]
    fixes: bool,
    /// Proposal files (`.proposal`, `.json`) or folders of them.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
}

/// A file to check: its name, and its text or why it could not be read.
pub(crate) type InputFile = (String, Result<SourceFile, Diagnostic>);

/// Runs the check and prints the report, with the library `loaded` if given (in place of
/// `--policies`: the `cli_walk` fuzz target loads its library once, not once per input).
pub(crate) fn run_with(args: &Args, loaded: Option<&Engine>, out: &mut dyn Write) -> Exit {
    let as_of = match crate::cli::as_of_arg(args.as_of.as_deref()) {
        Ok(d) => Some(d),
        Err(d) => {
            let help = d.help.as_deref().unwrap_or_default();
            return usage(out, args.format, &d.message, help);
        }
    };
    let owned;
    let engine: &Engine = match (loaded, &args.policies) {
        (Some(e), _) => e,
        (None, None) => {
            owned = Engine::standard();
            &owned
        }
        (None, Some(dir)) => match Engine::load(dir) {
            Ok(e) => {
                owned = e;
                &owned
            }
            Err(errors) => {
                let n = errors.len();
                let report = Report::invalid(&dir.display().to_string(), None, errors);
                match args.format {
                    Format::Json | Format::Sarif | Format::Github | Format::Junit => {
                        print(out, args.format, vec![report]);
                    }
                    Format::Human => {
                        let diags: Vec<&Diagnostic> = report.diagnostics().collect();
                        let mut text = render_human(&diags, color());
                        text.push_str(&format!(
                            "policy library `{}` is invalid ({}): no proposal was checked\n",
                            printable(&dir.display().to_string()),
                            count(n as u64, "error")
                        ));
                        emit(out, &text);
                    }
                }
                return Exit::Invalid;
            }
        },
    };
    let opts = CheckOptions {
        as_of,
        deny_warnings: args.deny.contains(&Deny::Warnings),
        // Repairs cost a search per violation: computed only where the output shows them.
        fixes: match args.format {
            // People see the best repair; machines get every one kept.
            Format::Human => 1,
            Format::Sarif => pactum::MAX_FIXES,
            Format::Json if args.fixes => pactum::MAX_FIXES,
            Format::Json | Format::Github | Format::Junit => 0,
        },
        ..CheckOptions::default()
    };
    let mut files: Vec<InputFile> = Vec::new();
    for path in &args.paths {
        collect(path, args.follow, &mut files);
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files.dedup_by(|a, b| a.0 == b.0);
    match args.format {
        // Written as each file is checked, one violation at a time: the output of a large
        // proposal is never held in memory whole.
        Format::Json => json(out, engine, files, &opts),
        Format::Human => human_streamed(out, engine, files, &opts, color()),
        Format::Sarif | Format::Github | Format::Junit => {
            let inputs = files
                .into_iter()
                .map(|(name, source)| Input::File(name, source))
                .collect();
            formats::to_writer(
                out,
                args.format,
                &CheckFindings::new(Some(engine), &opts, inputs),
            )
        }
    }
}

/// A checked file: a whole report (invalid input, or a proposal whose compliance is known
/// only once every violation is explained), or its violations still to be explained.
#[allow(
    clippy::large_enum_variant,
    reason = "one per file, passed by value once"
)]
enum Checked<'a> {
    Whole(Report),
    /// The violations to explain, and whether the proposal is compliant when that had to
    /// be known before writing them (`Compliance::Before`).
    Stream(Explained<'a>, Option<bool>),
}

/// Whether a caller needs a proposal's compliance before its violations are written (the
/// JSON report gives `compliant` first; the human output gives it in the summary).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Compliance {
    Before,
    After,
}

impl Checked<'_> {
    fn into_report(self) -> Report {
        match self {
            Checked::Whole(r) => r,
            Checked::Stream(ex, _) => ex.into_report(),
        }
    }
}

/// Loads, prepares and evaluates one source file, and hands the result to `then`.
fn check_source<R>(
    engine: &Engine,
    name: &str,
    source: Result<SourceFile, Diagnostic>,
    opts: &CheckOptions,
    compliance: Compliance,
    then: impl FnOnce(Checked<'_>) -> R,
) -> R {
    let source = match source {
        Ok(s) => s,
        Err(d) => return then(Checked::Whole(Report::invalid(name, None, vec![d]))),
    };
    let limits = pactum::Limits::default();
    let proposal = match Proposal::load_source(source, &limits) {
        Ok(p) => p,
        Err(errors) => return then(Checked::Whole(Report::invalid(name, None, errors))),
    };
    let prepared = match engine.prepare(&proposal) {
        Ok(p) => p,
        Err(report) => return then(Checked::Whole(*report)),
    };
    let findings = engine.evaluate(&prepared, opts);
    if compliance == Compliance::Before && !engine.known_non_compliant(&findings) {
        // Only warnings and notes (or nothing): compliant unless an explanation fails,
        // which only explaining them tells. Explain them once without keeping them, then
        // again to write them, so that even 100,000 warnings are never held at once.
        let mut dry = engine.explain_findings(&prepared, findings.clone());
        dry.by_ref().for_each(drop);
        let compliant = dry.into_errors().is_empty();
        let explained = engine.explain_findings(&prepared, findings);
        return then(Checked::Stream(explained, Some(compliant)));
    }
    let explained = engine.explain_findings(&prepared, findings);
    let compliant = explained.known_non_compliant().then_some(false);
    then(Checked::Stream(explained, compliant))
}

/// Collects a path given on the command line: a file (a link is read as the user asked),
/// or a folder walked in path order. In a folder, links are skipped unless `follow`, and
/// then a folder reached twice (a loop) is walked once and a file reached twice is read once.
pub(crate) fn collect(path: &Path, follow: bool, out: &mut Vec<InputFile>) {
    collect_matching(path, follow, &Wanted::PROPOSALS, out);
}

/// Which files a command takes from folders.
pub(crate) struct Wanted {
    /// Whether a file found in a folder is one.
    pub(crate) is: fn(&Path) -> bool,
    /// Their extensions, for the message when a folder holds none: "`.proposal` or `.json`".
    pub(crate) what: &'static str,
    /// What to pass instead: "proposal files".
    pub(crate) files: &'static str,
    /// The help of a path that cannot be read.
    pub(crate) read_help: &'static str,
}

impl Wanted {
    /// Proposals, as `check` takes them.
    pub(crate) const PROPOSALS: Wanted = Wanted {
        is: crate::cli::is_proposal,
        what: "`.proposal` or `.json`",
        files: "proposal files",
        read_help: "check the path; `pactum check` takes proposal files or folders",
    };
}

/// Like [`collect`], taking from folders the files `wanted` names.
pub(crate) fn collect_matching(
    path: &Path,
    follow: bool,
    wanted: &Wanted,
    out: &mut Vec<InputFile>,
) {
    let name = path.display().to_string();
    if !path.is_dir() {
        out.push((name, read(path, wanted.read_help)));
        return;
    }
    let before = out.len();
    let mut visited = std::collections::BTreeSet::new();
    walk(path, follow, wanted, &mut visited, out, 0);
    if out.len() == before {
        let d = Diagnostic::bare(
            Code::Usage,
            format!("no {} files in `{}`", wanted.what, printable(&name)),
        )
        .with_help(if follow {
            format!("pass {}, or a folder that holds some", wanted.files)
        } else {
            format!(
                "pass {}, or a folder that holds some (links in folders are followed only with --follow)",
                wanted.files
            )
        });
        out.push((name, Err(d)));
    }
}

fn walk(
    dir: &Path,
    follow: bool,
    wanted: &Wanted,
    visited: &mut std::collections::BTreeSet<PathBuf>,
    out: &mut Vec<InputFile>,
    depth: u32,
) {
    let name = dir.display().to_string();
    if let Ok(canon) = std::fs::canonicalize(dir) {
        if !visited.insert(canon) {
            return;
        }
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) if depth <= 64 => entries,
        Ok(_) => {
            let d = Diagnostic::bare(
                Code::Usage,
                format!("`{}` is nested more than 64 folders deep", printable(&name)),
            );
            out.push((name, Err(d)));
            return;
        }
        Err(e) => {
            let d = Diagnostic::bare(
                Code::Io,
                format!("cannot read folder `{}`: {e}", printable(&name)),
            );
            out.push((name, Err(d)));
            return;
        }
    };
    let mut found: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    found.sort();
    for p in found {
        let Ok(meta) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        if meta.file_type().is_symlink() && !follow {
            continue;
        }
        if p.is_dir() {
            walk(&p, follow, wanted, visited, out, depth + 1);
        } else if (wanted.is)(&p) {
            // With --follow, a file reached twice (by its path and through a link, or
            // through two links) is checked once, under the first name in path order.
            if follow && std::fs::canonicalize(&p).is_ok_and(|c| !visited.insert(c)) {
                continue;
            }
            out.push((p.display().to_string(), read(&p, wanted.read_help)));
        }
    }
}

fn read(path: &Path, help: &str) -> Result<SourceFile, Diagnostic> {
    SourceFile::read(path, pactum::Limits::default().max_input_bytes).map_err(|d| {
        if d.code == Code::Io && d.help.as_deref() == Some("check the path") {
            d.with_help(help)
        } else {
            d
        }
    })
}

fn usage(out: &mut dyn Write, format: Format, message: &str, help: &str) -> Exit {
    let d = Diagnostic::bare(Code::Usage, message).with_help(help);
    match format {
        Format::Json | Format::Sarif | Format::Github | Format::Junit => print(
            out,
            format,
            vec![Report::invalid("<command line>", None, vec![d])],
        ),
        Format::Human => emit(out, &render_human(&[&d], color())),
    }
    Exit::Invalid
}

fn print(out: &mut dyn Write, format: Format, reports: Vec<Report>) {
    match format {
        Format::Json => {
            let run = RunReport::new(reports);
            emit(out, &format!("{}\n", crate::cli::to_json(&run)));
        }
        Format::Human => {
            let mut tally = Tally::default();
            let mut text = String::new();
            for r in &reports {
                let diags: Vec<&Diagnostic> = r.diagnostics().collect();
                text.push_str(&render_human(&diags, color()));
                tally.add_report(r);
            }
            text.push_str(&tally.footer());
            emit(out, &text);
        }
        Format::Sarif | Format::Github | Format::Junit => {
            let inputs = reports.into_iter().map(Input::Report).collect();
            formats::to_writer(
                out,
                format,
                &CheckFindings::new(None, &CheckOptions::default(), inputs),
            );
        }
    }
}

/// Totals and the exit code, gathered as reports are written.
#[derive(Default)]
struct Tally {
    summary: Summary,
    exit: Option<Exit>,
    /// One line per file for the human summary.
    lines: Vec<String>,
}

impl Tally {
    fn add(
        &mut self,
        file: &str,
        compliant: bool,
        errors: usize,
        (e, w, n): (usize, usize, usize),
    ) {
        let s = &mut self.summary;
        s.proposals += 1;
        s.errors += e;
        s.warnings += w;
        s.notes += n;
        let (exit, status) = if errors > 0 {
            (Exit::Invalid, "invalid")
        } else if compliant {
            (Exit::Ok, "compliant")
        } else {
            (Exit::Violations, "not compliant")
        };
        self.exit = Some(self.exit.map_or(exit, |x| x.max(exit)));
        self.lines.push(format!(
            "{}: {status} ({})\n",
            printable(file),
            tally(e, w, n)
        ));
    }

    /// The human summary: a line per file, then the totals.
    fn footer(&self) -> String {
        let s = &self.summary;
        let mut out = self.lines.concat();
        out.push_str(&format!(
            "checked {}: {}\n",
            count(s.proposals as u64, "proposal"),
            tally(s.errors, s.warnings, s.notes)
        ));
        out
    }

    fn add_report(&mut self, r: &Report) {
        self.add(&r.file, r.compliant, r.errors.len(), r.counts());
    }
}

fn add_severity(c: &mut (usize, usize, usize), severity: Severity) {
    match severity {
        Severity::Error => c.0 += 1,
        Severity::Warning => c.1 += 1,
        Severity::Note => c.2 += 1,
    }
}

/// The JSON report, written as the files are checked: byte for byte what serializing a
/// [`RunReport`] of every file's [`Report`] gives, without holding those reports.
fn json(out: &mut dyn Write, engine: &Engine, files: Vec<InputFile>, opts: &CheckOptions) -> Exit {
    let run = LazyRun {
        engine,
        opts,
        files: RefCell::new(files),
        tally: RefCell::new(Tally::default()),
    };
    let mut w = crate::cli::JsonSafe(std::io::BufWriter::new(out));
    // A closed pipe ends the output; the exit code still reflects every file checked.
    let written = serde_json::to_writer_pretty(&mut w, &run)
        .map_err(std::io::Error::from)
        .and_then(|()| w.write_all(b"\n"))
        .and_then(|()| w.flush());
    if let Err(e) = written {
        crate::cli::write_failed(&e);
    }
    // Files not reached because the output was closed are checked for the exit code.
    let rest = std::mem::take(&mut *run.files.borrow_mut());
    let mut tally = run.tally.into_inner();
    for (name, source) in rest {
        let r = check_source(engine, &name, source, opts, Compliance::After, |c| {
            c.into_report()
        });
        tally.add_report(&r);
    }
    tally.exit.unwrap_or(Exit::Ok)
}

struct LazyRun<'a> {
    engine: &'a Engine,
    opts: &'a CheckOptions,
    files: RefCell<Vec<InputFile>>,
    tally: RefCell<Tally>,
}

impl Serialize for LazyRun<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // The fields of `RunReport`, in its order.
        let mut st = s.serialize_struct("RunReport", 3)?;
        st.serialize_field("version", &1u32)?;
        st.serialize_field("results", &LazyResults(self))?;
        let summary = self.tally.borrow().summary.clone();
        st.serialize_field("summary", &summary)?;
        st.end()
    }
}

struct LazyResults<'r, 'a>(&'r LazyRun<'a>);

impl Serialize for LazyResults<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let run = self.0;
        let n = run.files.borrow().len();
        let mut seq = s.serialize_seq(Some(n))?;
        let files = std::mem::take(&mut *run.files.borrow_mut());
        let mut files = files.into_iter();
        while let Some((name, source)) = files.next() {
            let written = check_source(
                run.engine,
                &name,
                source,
                run.opts,
                Compliance::Before,
                |c| match c {
                    Checked::Whole(r) => {
                        run.tally.borrow_mut().add_report(&r);
                        seq.serialize_element(&r)
                    }
                    Checked::Stream(ex, compliant) => {
                        let compliant = compliant.unwrap_or(false);
                        let r = StreamedReport {
                            compliant,
                            file: ex.file().to_string(),
                            proposal: Some(ex.proposal_id().to_string()),
                            explained: RefCell::new(Some(ex)),
                            counts: Cell::new((0, 0, 0)),
                            errors: Cell::new(0),
                        };
                        let written = seq.serialize_element(&r);
                        // After a write error, what was not written still counts.
                        r.finish();
                        let mut counts = r.counts.get();
                        counts.0 += r.errors.get();
                        run.tally
                            .borrow_mut()
                            .add(&r.file, compliant, r.errors.get(), counts);
                        written
                    }
                },
            );
            if let Err(e) = written {
                // Leave the files not written for the exit code.
                *run.files.borrow_mut() = files.collect();
                return Err(e);
            }
        }
        seq.end()
    }
}

/// A proposal's report, its violations explained as they are written.
struct StreamedReport<'a> {
    compliant: bool,
    file: String,
    proposal: Option<String>,
    explained: RefCell<Option<Explained<'a>>>,
    /// (errors, warnings, notes) among the violations written.
    counts: Cell<(usize, usize, usize)>,
    /// Errors written.
    errors: Cell<usize>,
}

impl StreamedReport<'_> {
    /// Explains (and counts) the violations not written, and takes the errors if they
    /// were not: the totals and the exit code then cover the whole file even when the
    /// output was closed part-way.
    fn finish(&self) {
        if let Some(mut ex) = self.explained.borrow_mut().take() {
            let mut counts = self.counts.get();
            for v in ex.by_ref() {
                add_severity(&mut counts, v.severity);
            }
            self.counts.set(counts);
            self.errors.set(ex.into_errors().len());
        }
    }
}

impl Serialize for StreamedReport<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // The fields of `Report`, in its order.
        let mut st = s.serialize_struct("Report", 5)?;
        st.serialize_field("file", &self.file)?;
        st.serialize_field("proposal", &self.proposal)?;
        st.serialize_field("compliant", &self.compliant)?;
        st.serialize_field("violations", &StreamedViolations(self))?;
        let errors = self
            .explained
            .borrow_mut()
            .take()
            .map(Explained::into_errors)
            .unwrap_or_default();
        self.errors.set(errors.len());
        st.serialize_field("errors", &errors)?;
        st.end()
    }
}

struct StreamedViolations<'r, 'a>(&'r StreamedReport<'a>);

impl Serialize for StreamedViolations<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        let mut explained = self.0.explained.borrow_mut();
        let mut counts = self.0.counts.get();
        for v in explained.iter_mut().flatten() {
            add_severity(&mut counts, v.severity);
            self.0.counts.set(counts);
            seq.serialize_element(&v)?;
        }
        seq.end()
    }
}

/// The human report, written as the files are checked: every file's diagnostics
/// (violations, then errors), then a summary line per file and in total.
fn human_streamed(
    out: &mut dyn Write,
    engine: &Engine,
    files: Vec<InputFile>,
    opts: &CheckOptions,
    color: bool,
) -> Exit {
    let mut out = Out {
        w: std::io::BufWriter::new(out),
        open: true,
    };
    let mut tally = Tally::default();
    for (name, source) in files {
        check_source(
            engine,
            &name,
            source,
            opts,
            Compliance::After,
            |c| match c {
                Checked::Whole(r) => {
                    let diags: Vec<&Diagnostic> = r.diagnostics().collect();
                    out.render(&diags, color);
                    tally.add_report(&r);
                }
                Checked::Stream(mut ex, _) => {
                    let (file, mut counts) = (ex.file().to_string(), (0, 0, 0));
                    let decided = ex.known_non_compliant();
                    for v in ex.by_ref() {
                        add_severity(&mut counts, v.severity);
                        out.render(&[&v.diagnostic], color);
                    }
                    let errors = ex.into_errors();
                    let diags: Vec<&Diagnostic> = errors.iter().map(|e| &e.diagnostic).collect();
                    out.render(&diags, color);
                    counts.0 += errors.len();
                    let compliant = !decided && errors.is_empty();
                    tally.add(&file, compliant, errors.len(), counts);
                }
            },
        );
    }
    out.write(&tally.footer());
    if let Err(e) = out.w.flush() {
        crate::cli::write_failed(&e);
    }
    tally.exit.unwrap_or(Exit::Ok)
}

/// Standard output. After a write error (a closed pipe) nothing more is rendered or
/// written, but every file is still checked for the exit code.
struct Out<W: std::io::Write> {
    w: W,
    open: bool,
}

impl<W: std::io::Write> Out<W> {
    fn write(&mut self, text: &str) {
        if self.open {
            if let Err(e) = self.w.write_all(text.as_bytes()) {
                crate::cli::write_failed(&e);
                self.open = false;
            }
        }
    }

    fn render(&mut self, diags: &[&Diagnostic], color: bool) {
        if self.open && !diags.is_empty() {
            self.write(&render_human(diags, color));
        }
    }
}

/// One group of `check`'s findings: a report made already (invalid input), or a file to
/// check.
#[allow(
    clippy::large_enum_variant,
    reason = "one per file, held for the whole run"
)]
enum Input {
    Report(Report),
    File(String, Result<SourceFile, Diagnostic>),
}

/// `check`'s findings for the CI formats. Each visit of a file checks it again and
/// explains its violations one at a time, so no output holds them all; the first visit
/// keeps what must come first (the file's head and its errors, which are written before
/// its violations but known only once they are explained).
struct CheckFindings<'a> {
    engine: Option<&'a Engine>,
    opts: &'a CheckOptions,
    inputs: Vec<Input>,
    rules: std::collections::HashMap<&'a str, pactum::RuleInfo<'a>>,
    kept: RefCell<Vec<Option<Kept>>>,
}

/// What the first visit of a file keeps: its head and its errors.
type Kept = (Head, Vec<Finding>);

impl<'a> CheckFindings<'a> {
    fn new(engine: Option<&'a Engine>, opts: &'a CheckOptions, inputs: Vec<Input>) -> Self {
        let kept = RefCell::new(inputs.iter().map(|_| None).collect());
        CheckFindings {
            engine,
            opts,
            inputs,
            rules: engine
                .into_iter()
                .flat_map(Engine::rules)
                .map(|r| (r.id, r))
                .collect(),
            kept,
        }
    }

    fn violation(&self, v: &pactum::Violation) -> Finding {
        let d = &v.diagnostic;
        let mut f = Finding::from_diagnostic(Kind::Violation, &v.rule, d);
        f.severity = v.severity;
        f.fatal = v.severity == Severity::Error
            || (self.opts.deny_warnings && v.severity == Severity::Warning);
        f.message = v.message.clone();
        f.help = v.help.clone();
        f.cite = v.cite.clone();
        f.evidence = v.evidence.clone();
        f.notes = Vec::new();
        f.step = v.step.clone();
        f.binding = v.binding.clone();
        f.fixes = v.fixes.clone().unwrap_or_default();
        if f.location.is_none() {
            f.location = Some(Place::point(&v.location));
        }
        f
    }

    fn error(file: &str, e: &pactum::ErrorEntry) -> Finding {
        let mut f = Finding::from_diagnostic(Kind::Error, e.code, &e.diagnostic);
        f.severity = Severity::Error;
        f.fatal = true;
        f.rule = e.rule.clone();
        if f.location.is_none() && !file.starts_with('<') {
            f.location = Some(Place::file(file));
        }
        f
    }

    fn head(r: &Report) -> Head {
        Head {
            name: r.file.clone(),
            subject: r.proposal.clone(),
            passed: r.compliant && r.errors.is_empty(),
            files: vec![r.file.clone()],
        }
    }

    /// Checks file `i` and goes over its findings as they come: violations, then errors.
    /// Gives its head and its errors.
    fn run(&self, i: usize, each: &mut dyn FnMut(&Finding)) -> (Head, Vec<Finding>) {
        let report_findings = |r: &Report, each: &mut dyn FnMut(&Finding)| {
            let errors: Vec<Finding> = r.errors.iter().map(|e| Self::error(&r.file, e)).collect();
            for v in &r.violations {
                each(&self.violation(v));
            }
            errors.iter().for_each(&mut *each);
            (Self::head(r), errors)
        };
        match (self.inputs.get(i), self.engine) {
            (Some(Input::Report(r)), _) => report_findings(r, each),
            (Some(Input::File(name, source)), Some(engine)) => check_source(
                engine,
                name,
                source.clone(),
                self.opts,
                Compliance::After,
                |c| match c {
                    Checked::Whole(r) => report_findings(&r, each),
                    Checked::Stream(mut ex, _) => {
                        let (file, proposal) =
                            (ex.file().to_string(), ex.proposal_id().to_string());
                        let decided = ex.known_non_compliant();
                        for v in ex.by_ref() {
                            each(&self.violation(&v));
                        }
                        let errors: Vec<Finding> = ex
                            .into_errors()
                            .iter()
                            .map(|e| Self::error(&file, e))
                            .collect();
                        errors.iter().for_each(&mut *each);
                        let head = Head {
                            passed: !decided && errors.is_empty(),
                            name: file.clone(),
                            subject: Some(proposal),
                            files: vec![file],
                        };
                        (head, errors)
                    }
                },
            ),
            _ => (
                Head {
                    name: String::new(),
                    subject: None,
                    passed: true,
                    files: Vec::new(),
                },
                Vec::new(),
            ),
        }
    }
}

impl Source for CheckFindings<'_> {
    fn tool(&self) -> Tool {
        Tool::Check
    }

    fn groups(&self) -> usize {
        self.inputs.len()
    }

    fn scan(&self, i: usize, each: &mut dyn FnMut(&Finding)) -> Head {
        let (head, errors) = self.run(i, each);
        if let Some(slot) = self.kept.borrow_mut().get_mut(i) {
            *slot = Some((head.clone(), errors));
        }
        head
    }

    fn visit(&self, i: usize, each: &mut dyn FnMut(&Finding)) -> Head {
        let known = self.kept.borrow().get(i).is_some_and(Option::is_some);
        if !known {
            self.scan(i, &mut |_| {});
        }
        let kept = self.kept.borrow().get(i).cloned().flatten();
        let Some((head, errors)) = kept else {
            return self.run(i, each).0;
        };
        // Errors first, as the JSON report lists them; then the violations, explained anew.
        errors.iter().for_each(&mut *each);
        self.run(i, &mut |f| {
            if f.kind != Kind::Error {
                each(f);
            }
        });
        head
    }

    fn meta(&self, f: &Finding) -> RuleMeta {
        let Some(rule) = self
            .rules
            .get(f.id.as_str())
            .filter(|_| f.kind == Kind::Violation)
        else {
            return formats::derived_meta(f);
        };
        RuleMeta {
            id: f.id.clone(),
            kind: Kind::Violation,
            short: if rule.message.is_empty() {
                format!("rule `{}`", f.id)
            } else {
                rule.message.to_string()
            },
            full: rule.comment.map(str::to_string),
            help: rule.help.map(str::to_string).or_else(|| f.help.clone()),
            cite: f.cite.clone(),
            severity: f.severity,
            tags: Vec::new(),
            defined_at: rule.defined_at.map(|(src, span)| Place::span(src, span)),
        }
    }
}
