//! What the workbench's API answers, as plain functions over the library's public API:
//! no HTTP here (that is `mod.rs`), so that each answer is tested without a server.
//!
//! Positions for the page are `{line, character}`, 0-based, the character in UTF-16 code
//! units (as JavaScript strings and CodeMirror count), from the language server's
//! [`LineIndex`].

use std::collections::{BTreeMap, BTreeSet};

use pactum::{
    CheckOptions, Date, Diagnostic, Engine, FactHistory, Limits, Proposal, RawValue, Report,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::cli::lsp::position::{Encoding, LineIndex};

/// An answer that is not a 200: its HTTP status and the error body's fields.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// A stable code, `pactum::serve::...` or the diagnostic's.
    pub code: String,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub help: String,
}

impl ApiError {
    pub fn new(
        status: u16,
        code: &str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        ApiError {
            status,
            code: code.to_string(),
            message: message.into(),
            help: help.into(),
        }
    }

    fn bad_request(message: impl Into<String>, help: impl Into<String>) -> Self {
        ApiError::new(400, "pactum::serve::bad_request", message, help)
    }

    /// A diagnostic of the input, as a 400.
    fn of_diagnostic(d: &Diagnostic) -> Self {
        let at = d
            .location()
            .map(|l| format!(" (line {}, column {})", l.line, l.column))
            .unwrap_or_default();
        ApiError::new(
            400,
            d.code.as_str(),
            format!("{}{at}", d.message),
            d.help.clone().unwrap_or_default(),
        )
    }

    /// The error body: `{"error": {"code", "message", "help"}}`.
    pub fn body(&self) -> Value {
        json!({"error": {"code": self.code, "message": self.message, "help": self.help}})
    }
}

/// A request to one of the POST endpoints; each uses the fields it needs and rejects none
/// of the others, but unknown fields are an error (a typo is not silently ignored).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The proposal, in its text form or as JSON.
    pub text: String,
    /// `text` or `json`; missing: JSON when the first non-blank character is `{`.
    #[serde(default)]
    pub format: Option<String>,
    /// The evaluation date of what is undated, `YYYY-MM-DD`.
    #[serde(default)]
    pub as_of: Option<String>,
    /// The file name reports give the proposal.
    #[serde(default)]
    pub name: Option<String>,
    /// `explain`: the step.
    #[serde(default)]
    pub step: Option<String>,
    /// `explain`: one rule only.
    #[serde(default)]
    pub rule: Option<String>,
    /// `own` (the default: a step is judged on its own date, else the proposal's, else
    /// `as_of`) or `as_of` (every step on `as_of`: the proposal's own dates set aside).
    #[serde(default)]
    pub dates: Option<String>,
}

/// Reads a request body.
pub fn request(body: &[u8]) -> Result<Request, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(
            format!("the request body is not a valid request: {e}"),
            "send a JSON object such as {\"text\": \"proposal p {}\", \"as_of\": \"2026-09-15\"}",
        )
    })
}

/// An example proposal to start from.
#[derive(Debug, Clone, Serialize)]
pub struct Example {
    /// Its file name.
    pub name: String,
    /// `text` or `json`.
    pub format: &'static str,
    /// Its title (or id).
    pub title: String,
    /// Its text.
    pub text: String,
}

/// The workbench: a compiled library and what is computed once from it.
#[derive(Debug)]
pub struct Workbench {
    engine: Engine,
    name: String,
    /// `--as-of`: the date of every request that gives none (else today, per request).
    as_of: Option<Date>,
    limits: Limits,
    examples: Vec<Example>,
    /// Rule id → the examples it fires on.
    fires_on: BTreeMap<String, Vec<String>>,
    /// Entity id → its entity type.
    entity_types: BTreeMap<String, String>,
    /// Every entity's facts that change over time: (id, type, histories), in id order.
    histories: Vec<(String, String, Vec<FactHistory>)>,
}

impl Workbench {
    /// A workbench for `engine` (named `name` in answers) with its example proposals.
    pub fn new(
        engine: Engine,
        name: String,
        as_of: Option<Date>,
        examples: Vec<Example>,
    ) -> Workbench {
        let schema = engine.schema();
        let entity_types: BTreeMap<String, String> = schema
            .entity_types
            .iter()
            .flat_map(|t| t.entities.iter().map(|e| (e.clone(), t.name.clone())))
            .collect();
        let histories = entity_types
            .iter()
            .filter_map(|(id, ty)| {
                let h = engine.history(id)?;
                (!h.is_empty()).then(|| (id.clone(), ty.clone(), h))
            })
            .collect();
        let mut wb = Workbench {
            engine,
            name,
            as_of,
            limits: limits(),
            examples,
            fires_on: BTreeMap::new(),
            entity_types,
            histories,
        };
        let today = wb.as_of.unwrap_or_else(crate::cli::today);
        let mut fires_on: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for ex in &wb.examples {
            let Ok(proposal) = Proposal::load_with(&ex.name, &ex.text, &wb.limits) else {
                continue;
            };
            let report = wb.engine.check_with(&proposal, &options(today, 0));
            let rules: BTreeSet<&str> = report.violations.iter().map(|v| v.rule.as_str()).collect();
            for rule in rules {
                fires_on
                    .entry(rule.to_string())
                    .or_default()
                    .push(ex.name.clone());
            }
        }
        wb.fires_on = fires_on;
        wb
    }

    /// The limits requests are read within.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    fn date(&self, req: &Request) -> Result<Date, ApiError> {
        match req.as_of.as_deref() {
            None | Some("") => Ok(self.as_of.unwrap_or_else(crate::cli::today)),
            Some(s) => Date::parse(s).map_err(|_| {
                ApiError::bad_request(
                    format!("`as_of` is `{}`, not a date", pactum::printable(s)),
                    "write the date as YYYY-MM-DD, e.g. 2026-09-15",
                )
            }),
        }
    }

    /// `GET /api/library`: the rules, the schema and every entity's facts as of today.
    pub fn library(&self) -> Value {
        let today = self.as_of.unwrap_or_else(crate::cli::today);
        let rules: Vec<Value> = self
            .engine
            .rules()
            .map(|r| {
                let (line, unless) = match r.defined_at {
                    Some((src, span)) => (
                        Some(src.line_col(span.start).line),
                        r.unless
                            .iter()
                            .map(|u| {
                                let text = src
                                    .text()
                                    .get(u.span.start as usize..u.span.end as usize)
                                    .unwrap_or_default();
                                json!({"text": text, "because": u.because})
                            })
                            .collect::<Vec<_>>(),
                    ),
                    None => (None, Vec::new()),
                };
                json!({
                    "id": r.id,
                    "severity": r.severity,
                    "cite": r.cite,
                    "message": r.message,
                    "help": r.help,
                    "comment": r.comment,
                    "file": r.file,
                    "line": line,
                    "proposal_wide": r.proposal_wide,
                    "unless": unless,
                    "examples": self.fires_on.get(r.id).cloned().unwrap_or_default(),
                })
            })
            .collect();
        let entities: Vec<Value> = self
            .entity_types
            .iter()
            .map(|(id, ty)| {
                let facts = self
                    .engine
                    .facts(id, today)
                    .map(|(facts, _)| facts)
                    .unwrap_or_default();
                json!({"id": id, "type": ty, "facts": facts})
            })
            .collect();
        json!({
            "name": self.name,
            "version": env!("CARGO_PKG_VERSION"),
            "today": today.to_string(),
            "rules": rules,
            "schema": self.engine.schema(),
            "entities": entities,
        })
    }

    /// `GET /api/examples`.
    pub fn examples(&self) -> Value {
        json!(self.examples)
    }

    /// Reads the request's proposal, and names it. `Err` is a bad request (a format the
    /// name contradicts); `Ok((name, Err(errors)))` a proposal that does not parse.
    fn read(&self, req: &Request) -> Result<(String, Result<Proposal, Vec<Diagnostic>>), ApiError> {
        let json_form = match req.format.as_deref() {
            Some("json") => true,
            Some("text") => false,
            None | Some("") => req.text.trim_start().starts_with('{'),
            Some(other) => {
                return Err(ApiError::bad_request(
                    format!("`format` is `{}`", pactum::printable(other)),
                    "write `text` (the .proposal form) or `json`",
                ));
            }
        };
        let name = match &req.name {
            None => if json_form {
                "proposal.json"
            } else {
                "proposal.proposal"
            }
            .to_string(),
            Some(n) => {
                let is_json = n.to_ascii_lowercase().ends_with(".json");
                let plain = !n.is_empty()
                    && n.len() <= 255
                    && !n.contains(['/', '\\'])
                    && !n.chars().any(char::is_control);
                if !plain || is_json != json_form {
                    return Err(ApiError::bad_request(
                        format!("`name` is `{}`", pactum::printable(n)),
                        "give a plain file name ending in .proposal for the text form or .json for JSON",
                    ));
                }
                n.clone()
            }
        };
        let set_aside = match req.dates.as_deref() {
            None | Some("" | "own") => false,
            Some("as_of") => true,
            Some(other) => {
                return Err(ApiError::bad_request(
                    format!("`dates` is `{}`", pactum::printable(other)),
                    "write `own` (steps judged on their own dates) or `as_of` (every step on `as_of`)",
                ));
            }
        };
        let proposal = Proposal::load_with(&name, &req.text, &self.limits)
            .map_err(Vec::from)
            .map(|mut p| {
                if set_aside {
                    p.date = None;
                    for s in &mut p.steps {
                        s.date = None;
                    }
                }
                p
            });
        Ok((name, proposal))
    }

    /// Reads the request's proposal.
    fn proposal(&self, req: &Request) -> Result<Result<Proposal, Vec<Diagnostic>>, ApiError> {
        self.read(req).map(|(_, p)| p)
    }

    /// `POST /api/check`: the report, the marks for the editor, the steps and the time line.
    pub fn check(&self, req: &Request) -> Result<Value, ApiError> {
        let as_of = self.date(req)?;
        let (report, proposal) = match self.read(req)? {
            (_, Ok(p)) => {
                let plain = self.engine.check_with(&p, &options(as_of, 0));
                let few = plain.violations.len() <= MAX_REPAIRED;
                let report = if few && !plain.violations.is_empty() {
                    self.engine
                        .check_with(&p, &options(as_of, pactum::MAX_FIXES))
                } else {
                    plain
                };
                (report, Some(p))
            }
            (name, Err(errors)) => (Report::invalid(&name, None, errors), None),
        };
        let fixes_omitted = report.violations.len() > MAX_REPAIRED;
        let own = proposal.as_ref().map(|p| p.source.name().to_string());
        let span_of = |d: &Diagnostic| match &d.source {
            Some(s) if own.as_deref().is_none_or(|o| o == s.name()) => {
                (d.span.start as usize, d.span.end as usize)
            }
            _ => (0, 0),
        };
        // Every offset the answer gives a position of, converted in one pass.
        let mut offsets = Vec::new();
        for v in &report.violations {
            let (a, b) = span_of(&v.diagnostic);
            offsets.extend([a, b]);
            for e in v.fixes.iter().flatten().flat_map(|f| &f.edits) {
                offsets.extend([e.start as usize, e.end as usize]);
            }
        }
        for e in &report.errors {
            let (a, b) = span_of(&e.diagnostic);
            offsets.extend([a, b]);
        }
        for s in proposal.iter().flat_map(|p| &p.steps) {
            offsets.extend([s.span.start as usize, s.span.end as usize]);
        }
        let lines = LineIndex::new(&req.text);
        let converted = lines.positions(&req.text, &offsets, Encoding::Utf16);
        let at: BTreeMap<usize, lsp_types::Position> = offsets.into_iter().zip(converted).collect();
        let pos = |offset: usize| {
            at.get(&offset)
                .copied()
                .unwrap_or_else(|| lines.position(&req.text, offset, Encoding::Utf16))
        };
        let mut marks = Vec::new();
        for v in &report.violations {
            let (start, end) = span_of(&v.diagnostic);
            let fixes: Vec<Value> = v
                .fixes
                .iter()
                .flatten()
                .map(|f| {
                    let changes: Vec<Value> = f
                        .edits
                        .iter()
                        .map(|e| {
                            json!({"from": pos(e.start as usize), "to": pos(e.end as usize), "insert": e.replacement})
                        })
                        .collect();
                    json!({"description": f.description, "changes": changes})
                })
                .collect();
            marks.push(json!({
                "from": pos(start), "to": pos(end), "severity": v.severity,
                "code": v.rule, "kind": "violation", "message": v.message, "help": v.help,
                "cite": v.cite, "step": v.step, "binding": v.binding, "evidence": v.evidence,
                "fixes": fixes,
            }));
        }
        for e in &report.errors {
            let (start, end) = span_of(&e.diagnostic);
            // A misspelt name's "did you mean" is its fix, as the language server's quick
            // fix (only where the span is in the proposal and covers the name).
            let fixes: Vec<Value> = e
                .diagnostic
                .suggestion
                .iter()
                .filter(|_| end > start)
                .map(|meant| {
                    json!({
                        "description": format!("replace with `{meant}`"),
                        "changes": [{"from": pos(start), "to": pos(end), "insert": meant}],
                    })
                })
                .collect();
            marks.push(json!({
                "from": pos(start), "to": pos(end), "severity": e.diagnostic.severity,
                "code": e.code, "kind": "input", "message": e.message, "help": e.help,
                "cite": null, "step": null, "binding": null, "evidence": [], "fixes": fixes,
                "rule": e.rule,
            }));
        }
        let steps = proposal
            .as_ref()
            .map_or_else(Vec::new, |p| self.steps(p, &pos));
        let timeline = proposal
            .as_ref()
            .map_or_else(empty_timeline, |p| self.timeline_of(p, as_of));
        Ok(json!({
            "as_of": as_of.to_string(),
            "dates": if req.dates.as_deref() == Some("as_of") { "as_of" } else { "own" },
            "fixes_omitted": fixes_omitted,
            "report": report,
            "marks": marks,
            "proposal": proposal.as_ref().map(Proposal::to_json),
            "steps": steps,
            "timeline": timeline,
        }))
    }

    /// The steps, with the entities each names.
    fn steps(&self, p: &Proposal, pos: &dyn Fn(usize) -> lsp_types::Position) -> Vec<Value> {
        p.steps
            .iter()
            .map(|s| {
                let mut entities = Vec::new();
                for a in &s.attrs {
                    let mut names = Vec::new();
                    entity_names(&a.value.node, &mut names);
                    for id in names {
                        if let Some(ty) = self.entity_types.get(id) {
                            entities.push(json!({"attribute": a.name.node, "id": id, "type": ty}));
                        }
                    }
                }
                let date = s
                    .date
                    .as_ref()
                    .or(p.date.as_ref())
                    .map(|d| d.node.to_string());
                json!({
                    "id": s.id.node, "kind": s.kind.node, "date": date,
                    "from": pos(s.span.start as usize), "to": pos(s.span.end as usize),
                    "entities": entities,
                })
            })
            .collect()
    }

    /// `POST /api/timeline`.
    pub fn timeline(&self, req: &Request) -> Result<Value, ApiError> {
        let as_of = self.date(req)?;
        Ok(match self.proposal(req)? {
            Ok(p) => self.timeline_of(&p, as_of),
            Err(_) => empty_timeline(),
        })
    }

    /// The facts that change over time and matter to a proposal: those of the entities it
    /// names, and those whose value names one of them on some date.
    fn timeline_of(&self, p: &Proposal, as_of: Date) -> Value {
        let mut named = BTreeSet::new();
        for s in &p.steps {
            for a in &s.attrs {
                let mut names = Vec::new();
                entity_names(&a.value.node, &mut names);
                named.extend(
                    names
                        .into_iter()
                        .filter(|n| self.entity_types.contains_key(*n)),
                );
            }
        }
        let mut dates = BTreeSet::new();
        let mut facts = Vec::new();
        for (id, ty, histories) in &self.histories {
            for h in histories {
                let matters = named.contains(id.as_str())
                    || h.periods
                        .iter()
                        .any(|period| names_any(&period.json, &named));
                if !matters {
                    continue;
                }
                for period in &h.periods {
                    dates.extend(period.from.iter().chain(&period.until).map(Date::to_string));
                }
                facts.push(json!({
                    "entity": id, "type": ty, "attribute": h.attribute,
                    "periods": h.periods.iter().map(|period| json!({
                        "from": period.from.map(|d| d.to_string()),
                        "until": period.until.map(|d| d.to_string()),
                        "value": period.value,
                    })).collect::<Vec<_>>(),
                }));
            }
        }
        let steps: Vec<Value> = p
            .steps
            .iter()
            .map(|s| {
                let judged = s
                    .date
                    .as_ref()
                    .or(p.date.as_ref())
                    .map_or(as_of, |d| d.node);
                json!({"id": s.id.node, "date": judged.to_string()})
            })
            .collect();
        json!({"dates": dates, "steps": steps, "facts": facts})
    }

    /// `POST /api/explain`: why each rule checked on a step fired or did not.
    pub fn explain(&self, req: &Request) -> Result<Value, ApiError> {
        let as_of = self.date(req)?;
        let Some(step) = req.step.as_deref() else {
            return Err(ApiError::bad_request(
                "`step` is missing",
                "give the id of the step to explain, e.g. {\"text\": ..., \"step\": \"ex1\"}",
            ));
        };
        let proposal = match self.proposal(req)? {
            Ok(p) => p,
            Err(errors) => return Err(first_error(&errors)),
        };
        let prepared = self
            .engine
            .prepare(&proposal)
            .map_err(|report| first_error(&report.diagnostics().cloned().collect::<Vec<_>>()))?;
        let why = self
            .engine
            .explain_step(&prepared, step, req.rule.as_deref(), &options(as_of, 0))
            .map_err(|d| ApiError::of_diagnostic(&d))?;
        Ok(json!({"step": step, "text": why.human(), "explanation": why}))
    }

    /// `POST /api/format`: the proposal in the canonical layout (comments kept); a JSON
    /// proposal in its canonical JSON form.
    pub fn format(&self, req: &Request) -> Result<Value, ApiError> {
        let proposal = match self.proposal(req)? {
            Ok(p) => p,
            Err(errors) => return Err(first_error(&errors)),
        };
        let text = if proposal
            .source
            .name()
            .to_ascii_lowercase()
            .ends_with(".json")
        {
            proposal.to_json_string()
        } else {
            pactum::fmt::format_proposal_named(proposal.source.name(), &req.text)
                .map_err(|errors| first_error(&Vec::from(errors)))?
        };
        Ok(json!({"text": text}))
    }
}

/// The workbench's bounds on a proposal: the library's [`Limits`], smaller where a page
/// drafting one proposal needs less and a server must answer many (`docs/workbench.md`):
/// 4 MiB and 5,000 steps (`pactum check` takes 64 MiB and 1,000,000 steps).
pub fn limits() -> Limits {
    Limits {
        max_input_bytes: 4 << 20,
        max_steps: 5_000,
        ..Limits::default()
    }
}

/// Repairs are computed for at most this many violations (above it, marks carry none, and the
/// answer's `fixes_omitted` says so): each repair re-checks candidate edits of the proposal.
pub const MAX_REPAIRED: usize = 100;

fn options(as_of: Date, fixes: usize) -> CheckOptions {
    CheckOptions {
        as_of: Some(as_of),
        fixes,
        ..CheckOptions::default()
    }
}

fn empty_timeline() -> Value {
    json!({"dates": [], "steps": [], "facts": []})
}

fn first_error(errors: &[Diagnostic]) -> ApiError {
    match errors.first() {
        Some(d) => ApiError::of_diagnostic(d),
        None => ApiError::bad_request("the proposal is not valid", "check it first"),
    }
}

/// The names a value writes (identifiers and strings, in lists too).
fn entity_names<'a>(v: &'a RawValue, out: &mut Vec<&'a str>) {
    match v {
        RawValue::Ident(s) | RawValue::Str(s) => out.push(s),
        RawValue::List(items) => items.iter().for_each(|i| entity_names(&i.node, out)),
        RawValue::Int(_) | RawValue::Bool(_) | RawValue::Date(_) => {}
    }
}

/// A fact's JSON value names one of `named`.
fn names_any(v: &Value, named: &BTreeSet<&str>) -> bool {
    match v {
        Value::String(s) => named.contains(s.as_str()),
        Value::Array(items) => items.iter().any(|i| names_any(i, named)),
        _ => false,
    }
}
