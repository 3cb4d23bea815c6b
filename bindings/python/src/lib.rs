//! `pactum._pactum`: the native module of the Python package `pactum` (see
//! `docs/python.md`), a thin layer over the public API of the `pactum` library.
//!
//! Every result crosses into Python the same way: the library's `Serialize` value is written
//! as JSON (serde_json) and read back with Python's `json.loads`, so a report has exactly the
//! keys and values of `pactum check --format json`. The work itself (parsing, checking,
//! linting, repairing, serializing) runs with the GIL released (`Python::detach`): an
//! `Engine` is `Send + Sync`, and many Python threads check at once.

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyString};
use serde::Serialize;

use pactum::{CheckOptions, Date, Diagnostic, Limits, Proposal, Report, SourceFile};

create_exception!(
    pactum,
    PactumError,
    PyException,
    "A policy library that does not compile, a proposal that cannot be explained or repaired, \
     or a bad argument. Attributes: `code` (the diagnostic code, e.g. `pactum::parse::syntax`), \
     `message`, `file`, `line`, `column`, `help` (of the first diagnostic; `None` where it has \
     none), `diagnostics` (every diagnostic, as dicts) and `text` (all of them rendered as \
     `pactum check` prints them)."
);

/// The code of errors in the arguments (as the command line's usage errors).
const USAGE: pactum::Code = pactum::Code::Usage;

/// A compiled policy library. Immutable, and safe to share between threads: every method
/// releases the GIL while it works.
#[pyclass(frozen, module = "pactum", name = "Engine")]
#[derive(Debug)]
struct Engine {
    inner: pactum::Engine,
    /// Where it came from: `<std>`, or the folder given to `Engine.load`.
    origin: String,
}

/// A proposal as given: its file name (which picks the parser: `.json` is JSON) and text.
struct Input {
    name: String,
    text: String,
}

/// Any serializable value of the library as Python objects (dicts, lists, str, int, bool,
/// None), through JSON: the shape of the command line's JSON output.
fn to_py<'py>(py: Python<'py>, json: &str) -> PyResult<Bound<'py, PyAny>> {
    static LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    LOADS.import(py, "json", "loads")?.call1((json,))
}

/// A value serialized, off the GIL. Serializing a library value cannot fail (no maps with
/// non-string keys); should it, the error is a `PactumError` of code `pactum::internal`.
fn json_of(value: &impl Serialize) -> Result<String, Vec<Diagnostic>> {
    serde_json::to_string(value).map_err(|e| {
        vec![Diagnostic::bare(
            pactum::Code::Internal,
            format!("cannot serialize: {e}"),
        )]
    })
}

/// The `PactumError` of one or more diagnostics (never empty: an empty list gives an
/// internal error).
fn error(py: Python<'_>, diags: &[Diagnostic]) -> PyErr {
    let first = diags.first().cloned().unwrap_or_else(|| {
        Diagnostic::bare(pactum::Code::Internal, "an error without a diagnostic")
    });
    let json = json_of(&diags).unwrap_or_else(|_| "[]".to_string());
    let text = pactum::render_human(&diags.iter().collect::<Vec<_>>(), false);
    error_from(py, &first, &json, text)
}

/// The `PactumError` of a report's input or evaluation errors.
fn report_error(py: Python<'_>, report: &Report) -> PyErr {
    let diags: Vec<Diagnostic> = report.errors.iter().map(|e| e.diagnostic.clone()).collect();
    error(py, &diags)
}

fn error_from(py: Python<'_>, first: &Diagnostic, all_json: &str, text: String) -> PyErr {
    let location = first.location();
    let summary = match &location {
        Some(l) => format!(
            "{}:{}:{}: {} [{}]",
            pactum::printable(&l.file),
            l.line,
            l.column,
            pactum::printable(&first.message),
            first.code.as_str()
        ),
        None => format!(
            "{} [{}]",
            pactum::printable(&first.message),
            first.code.as_str()
        ),
    };
    let err = PactumError::new_err(summary);
    let value = err.value(py);
    let set = || -> PyResult<()> {
        value.setattr("code", first.code.as_str())?;
        value.setattr("message", &first.message)?;
        value.setattr("file", location.as_ref().map(|l| l.file.clone()))?;
        value.setattr("line", location.as_ref().map(|l| l.line))?;
        value.setattr("column", location.as_ref().map(|l| l.column))?;
        value.setattr("help", first.help.clone())?;
        value.setattr("diagnostics", to_py(py, all_json)?)?;
        value.setattr("text", text)?;
        Ok(())
    };
    match set() {
        Ok(()) => err,
        Err(e) => e,
    }
}

fn usage(py: Python<'_>, message: impl Into<String>, help: &str) -> PyErr {
    error(py, &[Diagnostic::bare(USAGE, message).with_help(help)])
}

/// The proposal argument: a str (the JSON form when it starts with `{`, else the text form;
/// with `name`, the name's extension decides, as for files) or a dict (the JSON form).
fn input(py: Python<'_>, proposal: &Bound<'_, PyAny>, name: Option<String>) -> PyResult<Input> {
    if let Ok(s) = proposal.cast::<PyString>() {
        let text = s.to_cow()?.into_owned();
        let name = name.unwrap_or_else(|| {
            if text
                .trim_start_matches('\u{feff}')
                .trim_start()
                .starts_with('{')
            {
                "<input>.json".to_string()
            } else {
                "<input>.proposal".to_string()
            }
        });
        return Ok(Input { name, text });
    }
    if proposal.is_instance_of::<PyDict>() {
        let name = name.unwrap_or_else(|| "<input>.json".to_string());
        if !is_json_name(&name) {
            return Err(usage(
                py,
                format!("a dict is a proposal's JSON form, but `{name}` does not end in `.json`"),
                "name it `NAME.json`, or pass the text form as a str",
            ));
        }
        let kwargs = PyDict::new(py);
        kwargs.set_item("indent", 2)?;
        kwargs.set_item("ensure_ascii", false)?;
        kwargs.set_item("allow_nan", false)?;
        let dumped = py
            .import("json")?
            .call_method("dumps", (proposal,), Some(&kwargs));
        let text = match dumped {
            Ok(t) => t.extract::<String>()?,
            Err(e) => {
                return Err(usage(
                    py,
                    format!("the dict is not JSON: {e}"),
                    "give the JSON form: str keys, and values that are str, int, bool, None, lists and dicts",
                ));
            }
        };
        return Ok(Input { name, text });
    }
    let ty = proposal
        .get_type()
        .name()
        .map_or_else(|_| "?".to_string(), |n| n.to_string());
    Err(usage(
        py,
        format!(
            "a proposal is a str or a dict, not {}",
            pactum::printable(&ty)
        ),
        "pass the text form or the JSON form as a str, or the JSON form as a dict",
    ))
}

fn is_json_name(name: &str) -> bool {
    std::path::Path::new(name)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// `as_of`: `None` (today, UTC, as `pactum check` without `--as-of`), a `YYYY-MM-DD` str, or a
/// `datetime.date` (or anything with `year`, `month` and `day`).
fn as_of(py: Python<'_>, value: Option<&Bound<'_, PyAny>>) -> PyResult<Date> {
    let help = "write the date as YYYY-MM-DD, e.g. as_of=\"2026-09-15\", or pass a datetime.date";
    let Some(v) = value.filter(|v| !v.is_none()) else {
        return Ok(Date::today());
    };
    if let Ok(s) = v.cast::<PyString>() {
        let s = s.to_cow()?;
        let s: &str = &s;
        return Date::parse(s).map_err(|_| {
            usage(
                py,
                format!("`as_of` `{}` is not a date", pactum::printable(s)),
                help,
            )
        });
    }
    let part = |attr: &str| v.getattr(attr).and_then(|x| x.extract::<i64>());
    match (part("year"), part("month"), part("day")) {
        (Ok(y), Ok(m), Ok(d)) => i32::try_from(y)
            .ok()
            .zip(u32::try_from(m).ok())
            .zip(u32::try_from(d).ok())
            .and_then(|((y, m), d)| Date::from_ymd(y, m, d))
            .ok_or_else(|| usage(py, format!("`as_of` {y}-{m}-{d} is not a date"), help)),
        _ => Err(usage(py, "`as_of` is not a date", help)),
    }
}

/// Reads a proposal within the default limits (those of `pactum check`).
fn load(input: &Input) -> Result<Proposal, Vec<Diagnostic>> {
    let source = SourceFile::new(input.name.as_str(), input.text.as_str());
    Proposal::load_source(source, &Limits::default()).map_err(|e| e.into_vec())
}

/// A proposal's report, as `pactum check` gives it for a file: unparsable input is a report
/// with `errors` and `compliant: false`.
fn check_json(engine: &pactum::Engine, input: &Input, opts: &CheckOptions) -> String {
    let report = match load(input) {
        Ok(p) => engine.check_with(&p, opts),
        Err(errors) => Report::invalid(&input.name, None, errors),
    };
    json_of(&report)
        .unwrap_or_else(|e| json_of(&Report::invalid(&input.name, None, e)).unwrap_or_default())
}

/// A rule, as `Engine.rules()` gives it.
#[derive(Serialize)]
struct RuleOut<'a> {
    id: &'a str,
    severity: pactum::Severity,
    cite: Option<&'a str>,
    file: &'a str,
    proposal_wide: bool,
    location: Option<pactum::Location>,
    message: &'a str,
    help: Option<&'a str>,
    comment: Option<&'a str>,
    unless: Vec<Option<&'a str>>,
}

/// A repair, with the proposal's text once it is applied.
#[derive(Serialize)]
struct FixOut<'a> {
    description: &'a str,
    edits: &'a [pactum::TextEdit],
    /// The whole proposal text with this fix applied (`None` if its edits overlap, which a
    /// verified fix never does).
    text: Option<String>,
}

/// A violation with its repairs.
#[derive(Serialize)]
struct RepairOut<'a> {
    rule: &'a str,
    severity: pactum::Severity,
    step: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    binding: Option<&'a str>,
    message: &'a str,
    location: &'a pactum::Location,
    fixes: Vec<FixOut<'a>>,
}

#[pymethods]
impl Engine {
    /// The standard library built into pactum (the Organization of Turkic States' security
    /// cooperation).
    #[staticmethod]
    fn standard(py: Python<'_>) -> Engine {
        py.detach(|| Engine {
            inner: pactum::Engine::standard(),
            origin: "<std>".to_string(),
        })
    }

    /// Every `.policy` file under the folder `path`, compiled. Raises `PactumError` with
    /// every diagnostic when the library does not compile (or cannot be read).
    #[staticmethod]
    fn load(py: Python<'_>, path: std::path::PathBuf) -> PyResult<Engine> {
        let origin = path.display().to_string();
        match py.detach(|| pactum::Engine::load(&path)) {
            Ok(inner) => Ok(Engine { inner, origin }),
            Err(errors) => Err(error(py, &errors)),
        }
    }

    /// The proposal's report, exactly the entry of `results` that
    /// `pactum check --format json [--fixes] [--deny warnings] --as-of AS_OF FILE` writes
    /// for it: `file`, `proposal`, `compliant`, `violations` and `errors`. Input that cannot be read (a
    /// syntax error, an unknown step kind) is reported under `errors`, with
    /// `compliant: False`, as the command line reports it; bad arguments raise `PactumError`.
    #[pyo3(signature = (proposal, *, as_of=None, fixes=0, name=None, deny_warnings=false))]
    fn check<'py>(
        &self,
        py: Python<'py>,
        proposal: &Bound<'py, PyAny>,
        as_of: Option<&Bound<'py, PyAny>>,
        fixes: usize,
        name: Option<String>,
        deny_warnings: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        if fixes > pactum::MAX_FIXES {
            return Err(usage(
                py,
                format!("`fixes` is {fixes}, more than {}", pactum::MAX_FIXES),
                "ask for 0 (none) to 3 repairs per violation",
            ));
        }
        let opts = CheckOptions {
            as_of: Some(self::as_of(py, as_of)?),
            fixes,
            deny_warnings,
            ..CheckOptions::default()
        };
        let input = input(py, proposal, name)?;
        let json = py.detach(|| check_json(&self.inner, &input, &opts));
        to_py(py, &json)
    }

    /// The library's lint findings (`pactum lint --format json`'s `findings`), each a dict:
    /// `lint`, `code`, `severity`, `message`, `help`, `notes`, `location`, `related`.
    fn lint<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let json = py.detach(|| {
            let report = pactum::lint::lint(&self.inner, &pactum::lint::LintOptions::default());
            json_of(&report.diagnostics)
        });
        to_py(py, &json.map_err(|e| error(py, &e))?)
    }

    /// Why each rule checked on step `step` fired or did not: the JSON of
    /// `pactum explain --format json --step STEP [--rule RULE]`, plus `text`, the human
    /// explanation `pactum explain` prints. Raises `PactumError` when the proposal cannot be
    /// read, or has no such step or rule.
    #[pyo3(signature = (proposal, step, *, rule=None, as_of=None, name=None))]
    fn explain<'py>(
        &self,
        py: Python<'py>,
        proposal: &Bound<'py, PyAny>,
        step: String,
        rule: Option<String>,
        as_of: Option<&Bound<'py, PyAny>>,
        name: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let opts = CheckOptions {
            as_of: Some(self::as_of(py, as_of)?),
            ..CheckOptions::default()
        };
        let input = input(py, proposal, name)?;
        let out = py.detach(|| -> Result<(String, String), Vec<Diagnostic>> {
            let p = load(&input)?;
            let prepared = self.inner.prepare(&p).map_err(|r| {
                r.errors
                    .iter()
                    .map(|e| e.diagnostic.clone())
                    .collect::<Vec<_>>()
            })?;
            let why = self
                .inner
                .explain_step(&prepared, &step, rule.as_deref(), &opts)
                .map_err(|d| vec![*d])?;
            Ok((json_of(&why)?, why.human()))
        });
        let (json, text) = out.map_err(|e| error(py, &e))?;
        let why = to_py(py, &json)?;
        why.set_item("text", text)?;
        Ok(why)
    }

    /// Each violation with its repairs (up to 3, best first): `rule`, `severity`, `step`,
    /// `binding` (when the rule has one), `message`, `location` and `fixes`, each fix a
    /// `description`, its `edits` (as `pactum check --fixes` gives them) and `text`, the whole
    /// proposal with the fix applied. Raises `PactumError` when the proposal cannot be read
    /// or checked.
    #[pyo3(signature = (proposal, *, as_of=None, name=None))]
    fn repairs<'py>(
        &self,
        py: Python<'py>,
        proposal: &Bound<'py, PyAny>,
        as_of: Option<&Bound<'py, PyAny>>,
        name: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let opts = CheckOptions {
            as_of: Some(self::as_of(py, as_of)?),
            fixes: pactum::MAX_FIXES,
            ..CheckOptions::default()
        };
        let input = input(py, proposal, name)?;
        let out = py.detach(|| -> Result<Result<String, Report>, Vec<Diagnostic>> {
            let p = load(&input)?;
            let report = self.inner.check_with(&p, &opts);
            if !report.errors.is_empty() {
                return Ok(Err(report));
            }
            let none = Vec::new();
            let repairs: Vec<RepairOut<'_>> = report
                .violations
                .iter()
                .map(|v| RepairOut {
                    rule: &v.rule,
                    severity: v.severity,
                    step: v.step.as_deref(),
                    binding: v.binding.as_deref(),
                    message: &v.message,
                    location: &v.location,
                    fixes: v
                        .fixes
                        .as_ref()
                        .unwrap_or(&none)
                        .iter()
                        .map(|f| FixOut {
                            description: &f.description,
                            edits: &f.edits,
                            text: pactum::apply_edits(&input.text, &f.edits),
                        })
                        .collect(),
                })
                .collect();
            Ok(Ok(json_of(&repairs)?))
        });
        match out {
            Ok(Ok(json)) => to_py(py, &json),
            Ok(Err(report)) => Err(report_error(py, &report)),
            Err(e) => Err(error(py, &e)),
        }
    }

    /// The library's rules, in id order, each a dict: `id`, `severity`, `cite`, `file`,
    /// `proposal_wide`, `location` (of its id in its file), `message` and `help` (the
    /// templates, as written), `comment` (the comment above it) and `unless` (each clause's
    /// `because`, or `None`).
    fn rules<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let rules: Vec<RuleOut<'_>> = self
            .inner
            .rules()
            .map(|r| RuleOut {
                id: r.id,
                severity: r.severity,
                cite: r.cite,
                file: r.file,
                proposal_wide: r.proposal_wide,
                location: r.defined_at.map(|(src, span)| {
                    let lc = src.line_col(span.start);
                    pactum::Location {
                        file: src.name().to_string(),
                        line: lc.line,
                        column: lc.column,
                    }
                }),
                message: r.message,
                help: r.help,
                comment: r.comment,
                unless: r.unless.iter().map(|u| u.because.as_deref()).collect(),
            })
            .collect();
        to_py(py, &json_of(&rules).map_err(|e| error(py, &e))?)
    }

    /// The library's schema as data: `kinds`, `entity_types` and `enums` (see docs/api.md,
    /// `Schema`).
    fn schema<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(
            py,
            &json_of(&self.inner.schema()).map_err(|e| error(py, &e))?,
        )
    }

    /// The JSON Schema of JSON proposals under the library, as
    /// `pactum schema --json-schema` prints it.
    fn json_schema<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(
            py,
            &json_of(&self.inner.schema().json_schema()).map_err(|e| error(py, &e))?,
        )
    }

    /// The library's policy files, by name, in path order.
    fn sources<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(
            py,
            self.inner.sources().iter().map(|s| s.name().to_string()),
        )
    }

    fn __repr__(&self) -> String {
        format!(
            "Engine({}: {} rules)",
            pactum::printable(&self.origin),
            self.inner.rules().count()
        )
    }
}

/// pactum: a rules engine and policy checker for cooperation proposals.
#[pymodule]
fn _pactum(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Engine>()?;
    m.add("PactumError", m.py().get_type::<PactumError>())?;
    m.add("MAX_FIXES", pactum::MAX_FIXES)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
