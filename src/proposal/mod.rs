//! Proposals: the data model shared by the text form (`.proposal`) and the JSON form (`.json`).
//!
//! The parsers know nothing of the schema: they accept any step kind and any attribute name,
//! and only reject what is wrong whatever the schema says (syntax, JSON shape, impossible
//! dates, duplicate step ids or keys, invalid ids). The engine validates kinds, attributes and
//! entity ids later. Every parser error is a [`Diagnostic`] pointing at the exact span; a
//! parser reports all the errors it finds in a file, sorted by position.
//!
//! [`Proposal::to_text`] and [`Proposal::to_json`] print the canonical forms, so that
//! `Proposal::parse(&p.to_text()) == p` and
//! `Proposal::from_json(&p.to_json().to_string())?.normalized() == p.normalized()`.

mod json;
mod text;
mod validate;

use std::fmt::Write as _;

use crate::date::Date;
use crate::diag::Errors;
use crate::source::{SourceFile, Span, Spanned};
pub(crate) use validate::id_problem;
pub(crate) use validate::keys;

/// Lists in attribute values nest at most this deep, in both forms (so that a proposal
/// read from JSON can always be printed and re-read as text).
pub const MAX_LIST_DEPTH: usize = 32;

/// The name given to sources parsed without one.
pub const DEFAULT_SOURCE_NAME: &str = "<input>";

/// [`DEFAULT_SOURCE_NAME`], shared by every source parsed without a name (one request per
/// proposal would otherwise allocate it each time).
fn default_name() -> std::sync::Arc<str> {
    static NAME: std::sync::LazyLock<std::sync::Arc<str>> =
        std::sync::LazyLock::new(|| std::sync::Arc::from(DEFAULT_SOURCE_NAME));
    std::sync::Arc::clone(&NAME)
}

/// A proposal: an id, an optional title and date, and its steps.
///
/// Equality compares `id`, `title`, `date` and `steps`, not the source or spans.
#[derive(Debug, Clone)]
pub struct Proposal {
    /// The file it came from (name and text).
    pub source: SourceFile,
    /// The proposal id.
    pub id: Spanned<String>,
    /// Optional title.
    pub title: Option<Spanned<String>>,
    /// Optional date of the proposal (the default date of its steps).
    pub date: Option<Spanned<Date>>,
    /// The steps, in source order.
    pub steps: Vec<Step>,
    /// Where to point at the proposal as a whole: the id token of the header (text form) or
    /// the `"id"` value (JSON form).
    pub span: Span,
}

/// One proposed step.
///
/// Equality ignores spans and the order of `attrs` (attribute names are unique in a step).
#[derive(Debug, Clone)]
pub struct Step {
    /// The step id, unique in its proposal.
    pub id: Spanned<String>,
    /// The step kind (not validated here).
    pub kind: Spanned<String>,
    /// The step's own date, if any.
    pub date: Option<Spanned<Date>>,
    /// A free-text note, if any.
    pub note: Option<Spanned<String>>,
    /// Every other attribute, in source order.
    pub attrs: Vec<Attr>,
    /// The whole step; its start is where the step is reported.
    pub span: Span,
}

/// An attribute of a step, as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Attr {
    /// The attribute name.
    pub name: Spanned<String>,
    /// The value, not yet converted by schema type.
    pub value: Spanned<RawValue>,
}

/// An attribute value before the engine converts it by schema type.
#[derive(Debug, Clone, PartialEq)]
pub enum RawValue {
    /// A quoted string (JSON strings are always `Str`).
    Str(String),
    /// A bare identifier in the text form (entity ids, enum values).
    Ident(String),
    /// An integer.
    Int(i64),
    /// `true` or `false`.
    Bool(bool),
    /// A bare `YYYY-MM-DD` literal in the text form (JSON dates are `Str`).
    Date(Date),
    /// A list of values.
    List(Vec<Spanned<RawValue>>),
}

impl PartialEq for Proposal {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
            && self.title == other.title
            && self.date == other.date
            && self.steps == other.steps
    }
}

impl PartialEq for Step {
    fn eq(&self, other: &Self) -> bool {
        if self.id != other.id
            || self.kind != other.kind
            || self.date != other.date
            || self.note != other.note
            || self.attrs.len() != other.attrs.len()
        {
            return false;
        }
        let mut a: Vec<&Attr> = self.attrs.iter().collect();
        let mut b: Vec<&Attr> = other.attrs.iter().collect();
        a.sort_by(|x, y| x.name.node.cmp(&y.name.node));
        b.sort_by(|x, y| x.name.node.cmp(&y.name.node));
        a == b
    }
}

impl RawValue {
    /// What kind of value this is, for messages ("a string", "a list" ...).
    pub fn describe(&self) -> &'static str {
        match self {
            RawValue::Str(_) => "a string",
            RawValue::Ident(_) => "a name",
            RawValue::Int(_) => "an integer",
            RawValue::Bool(_) => "a boolean",
            RawValue::Date(_) => "a date",
            RawValue::List(_) => "a list",
        }
    }

    /// The same value with every `Ident` and `Date` turned into a `Str`, as the JSON form
    /// would give it.
    pub fn normalized(&self) -> RawValue {
        match self {
            RawValue::Ident(s) => RawValue::Str(s.clone()),
            RawValue::Date(d) => RawValue::Str(d.to_string()),
            RawValue::List(items) => RawValue::List(
                items
                    .iter()
                    .map(|v| Spanned::new(v.node.normalized(), v.span))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

impl Proposal {
    /// Parses the text form; the source is named `<input>`.
    pub fn parse(text: &str) -> Result<Proposal, Errors> {
        text::parse(SourceFile::new(default_name(), text)).map_err(Errors::from)
    }

    /// Parses the text form of a file with the given name.
    pub fn parse_named(name: &str, text: &str) -> Result<Proposal, Errors> {
        text::parse(SourceFile::new(name, text)).map_err(Errors::from)
    }

    /// Parses the JSON form; the source is named `<input>`.
    pub fn from_json(text: &str) -> Result<Proposal, Errors> {
        json::parse(SourceFile::new(default_name(), text)).map_err(Errors::from)
    }

    /// Parses the JSON form of a file with the given name.
    pub fn from_json_named(name: &str, text: &str) -> Result<Proposal, Errors> {
        json::parse(SourceFile::new(name, text)).map_err(Errors::from)
    }

    /// Parses a file, picking the parser by extension: `.json` (any case) is JSON, anything
    /// else the text form.
    pub fn load(name: &str, text: &str) -> Result<Proposal, Errors> {
        Self::load_with(name, text, &crate::limits::Limits::default())
    }

    /// Like [`Proposal::load`], checking the input against `limits`: the file's size before
    /// parsing, then the number of steps and the length of every string and id.
    pub fn load_with(
        name: &str,
        text: &str,
        limits: &crate::limits::Limits,
    ) -> Result<Proposal, Errors> {
        Self::load_source(SourceFile::new(name, text), limits)
    }

    /// Like [`Proposal::load_with`], taking the text by value: its bytes are moved into
    /// the proposal's source instead of being kept beside a copy while parsing (the peak
    /// memory of a load is then one copy of the text, not two).
    pub fn load_owned(
        name: &str,
        text: String,
        limits: &crate::limits::Limits,
    ) -> Result<Proposal, Errors> {
        Self::load_source(SourceFile::new(name, text), limits)
    }

    /// Like [`Proposal::load_with`], from a [`SourceFile`] (which shares its text): a
    /// caller that checks one file several times builds the source once.
    pub fn load_source(
        source: SourceFile,
        limits: &crate::limits::Limits,
    ) -> Result<Proposal, Errors> {
        if source.text().len() > limits.max_input_bytes {
            return Err(crate::syntax::too_large(&source, limits.max_input_bytes).into());
        }
        let is_json = std::path::Path::new(source.name())
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        let p = if is_json {
            json::parse(source)?
        } else {
            text::parse(source)?
        };
        let errors = validate::check_limits(&p, limits);
        if errors.is_empty() {
            Ok(p)
        } else {
            Err(errors.into())
        }
    }

    /// The step with this id, if any.
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id.node == id)
    }

    /// The same proposal with every attribute value normalized (see [`RawValue::normalized`]):
    /// the text and JSON forms of one proposal have equal normalized models.
    pub fn normalized(&self) -> Proposal {
        let mut p = self.clone();
        for step in &mut p.steps {
            for attr in &mut step.attrs {
                attr.value.node = attr.value.node.normalized();
            }
        }
        p
    }

    /// The canonical text form: the header, a blank line, then each step separated by a
    /// blank line; two-space indent; strings escaped; lists as `[a, b]` (one element per line,
    /// when that does not fit in [`crate::fmt::WIDTH`] columns). `pactum fmt` prints with
    /// the same printer.
    pub fn to_text(&self) -> String {
        // The formatter's printer, without a source: canonical spellings, no comments.
        crate::fmt::proposal::print(self, None, Vec::new())
    }

    /// The JSON form as a value (dates and identifiers become strings). Object keys of a
    /// `serde_json::Value` are sorted; [`Proposal::to_json_string`] keeps the source order.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::{Map, Value};
        let mut top = Map::new();
        top.insert(keys::ID.into(), Value::String(self.id.node.clone()));
        if let Some(title) = &self.title {
            top.insert(keys::TITLE.into(), Value::String(title.node.clone()));
        }
        if let Some(date) = &self.date {
            top.insert(keys::DATE.into(), Value::String(date.node.to_string()));
        }
        let steps = self
            .steps
            .iter()
            .map(|step| {
                let mut m = Map::new();
                m.insert(keys::ID.into(), Value::String(step.id.node.clone()));
                m.insert(keys::KIND.into(), Value::String(step.kind.node.clone()));
                if let Some(date) = &step.date {
                    m.insert(keys::DATE.into(), Value::String(date.node.to_string()));
                }
                if let Some(note) = &step.note {
                    m.insert(keys::NOTE.into(), Value::String(note.node.clone()));
                }
                for attr in &step.attrs {
                    m.insert(attr.name.node.clone(), value_to_json(&attr.value.node));
                }
                Value::Object(m)
            })
            .collect();
        top.insert(keys::STEPS.into(), Value::Array(steps));
        Value::Object(top)
    }

    /// The JSON form as pretty-printed text, keys in canonical order (`id`, `title`, `date`,
    /// `steps`; in a step `id`, `kind`, `date`, `note`, then the attributes in source order).
    pub fn to_json_string(&self) -> String {
        let mut out = String::from("{\n");
        let _ = write!(out, "  \"{}\": {}", keys::ID, json_str(&self.id.node));
        if let Some(title) = &self.title {
            let _ = write!(out, ",\n  \"{}\": {}", keys::TITLE, json_str(&title.node));
        }
        if let Some(date) = &self.date {
            let _ = write!(out, ",\n  \"{}\": \"{}\"", keys::DATE, date.node);
        }
        if self.steps.is_empty() {
            let _ = write!(out, ",\n  \"{}\": []\n}}\n", keys::STEPS);
            return out;
        }
        let _ = write!(out, ",\n  \"{}\": [", keys::STEPS);
        for (i, step) in self.steps.iter().enumerate() {
            out.push_str(if i == 0 { "\n" } else { ",\n" });
            let _ = write!(
                out,
                "    {{ \"{}\": {}, \"{}\": {}",
                keys::ID,
                json_str(&step.id.node),
                keys::KIND,
                json_str(&step.kind.node)
            );
            if let Some(date) = &step.date {
                let _ = write!(out, ", \"{}\": \"{}\"", keys::DATE, date.node);
            }
            if let Some(note) = &step.note {
                let _ = write!(out, ", \"{}\": {}", keys::NOTE, json_str(&note.node));
            }
            for attr in &step.attrs {
                let _ = write!(
                    out,
                    ", {}: {}",
                    json_str(&attr.name.node),
                    crate::source::printable_json(&value_to_json(&attr.value.node).to_string())
                );
            }
            out.push_str(" }");
        }
        out.push_str("\n  ]\n}\n");
        out
    }
}

// ------------------------------------------------------------------ printing helpers

fn json_str(s: &str) -> String {
    crate::source::printable_json(&serde_json::Value::String(s.to_string()).to_string())
        .into_owned()
}

fn value_to_json(v: &RawValue) -> serde_json::Value {
    use serde_json::Value;
    match v {
        RawValue::Str(s) | RawValue::Ident(s) => Value::String(s.clone()),
        RawValue::Int(i) => Value::from(*i),
        RawValue::Bool(b) => Value::Bool(*b),
        RawValue::Date(d) => Value::String(d.to_string()),
        RawValue::List(items) => {
            Value::Array(items.iter().map(|i| value_to_json(&i.node)).collect())
        }
    }
}

/// A string literal of the text form.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // Control characters, and what the parsers reject raw as hidden text
            // (line separators, bidirectional controls): as escapes.
            c if c.is_control() || crate::source::reorders_or_breaks(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// True for a bare name of the text form: `[A-Za-z_][A-Za-z0-9_]*`.
fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Where the text form writes `s`: a step kind, an attribute name or a bare value.
#[derive(Clone, Copy)]
pub(crate) enum NamePos {
    Kind,
    Key,
    Value,
}

/// `s` bare where the grammar reads it back as the same name, else quoted.
pub(crate) fn print_name(s: &str, pos: NamePos) -> String {
    let bare = is_name(s)
        && match pos {
            NamePos::Kind => true,
            NamePos::Key => !matches!(s, "step" | "proposal"),
            NamePos::Value => !matches!(s, "true" | "false"),
        };
    if bare { s.to_string() } else { quote(s) }
}

pub(crate) fn print_id(s: &str) -> String {
    if id_problem(s).is_none() {
        s.to_string()
    } else {
        quote(s)
    }
}
