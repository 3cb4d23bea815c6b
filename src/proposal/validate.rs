//! The one place that validates a proposal, whichever form it was read from.
//!
//! The parsers (`text.rs`, `json.rs`) read the syntax and hand every id, key and value to a
//! [`Validator`], which owns the rules both forms share: the reserved keys ([`keys`], also
//! used by the printer), ids, dates, duplicate keys and step ids, integers out of range.
//! Where the two forms word a problem differently (the JSON form has `id` and `kind` as
//! members, the text form in the step header), the [`Form`] decides. [`check_limits`] checks
//! a parsed proposal against [`crate::limits::Limits`].

use std::collections::HashMap;

use super::{Attr, Proposal, RawValue, Step};
use crate::date::{Date, DateError};
use crate::diag::{Code, Diagnostic, did_you_mean};
use crate::source::{SourceFile, Span, Spanned};

/// The reserved keys: the members of a proposal and of a step that are not attributes.
pub(crate) mod keys {
    /// The proposal's or a step's id.
    pub const ID: &str = "id";
    /// A step's kind.
    pub const KIND: &str = "kind";
    /// The proposal's title.
    pub const TITLE: &str = "title";
    /// The proposal's or a step's date.
    pub const DATE: &str = "date";
    /// A step's note.
    pub const NOTE: &str = "note";
    /// The steps of a JSON proposal.
    pub const STEPS: &str = "steps";
    /// The JSON Schema of a JSON proposal, for editors: accepted and ignored.
    pub const SCHEMA: &str = "$schema";
    /// The keys of the text form's header `proposal ID { ... }`.
    pub const HEADER: [&str; 2] = [TITLE, DATE];
    /// The keys of a JSON proposal.
    pub const PROPOSAL: [&str; 5] = [ID, TITLE, DATE, STEPS, SCHEMA];
}

/// Which form is being read: it decides the wording of some diagnostics.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Form {
    Text,
    Json,
}

/// The proposal-level members read so far.
#[derive(Debug, Default)]
pub(super) struct Header {
    pub(super) id: Option<Spanned<String>>,
    pub(super) title: Option<Spanned<String>>,
    pub(super) date: Option<Spanned<Date>>,
}

/// The keys of one object or block being read: where they start in the validator's stack.
#[derive(Debug, Default)]
pub(super) struct Body {
    mark: usize,
    /// The names and first spans of its keys, once the block is large (its keys are then
    /// no longer on the validator's stack).
    index: Option<HashMap<String, Span>>,
}

/// Blocks with more keys than this index them instead of scanning.
const SMALL_BODY: usize = 24;

/// Collects the diagnostics of one proposal.
#[derive(Debug)]
pub(super) struct Validator<'s> {
    pub(super) source: &'s SourceFile,
    form: Form,
    pub(super) errors: Vec<Diagnostic>,
    /// The keys of the blocks being read (hash of the name, span), innermost last.
    keys: Vec<(u64, Span)>,
    /// A hash of each step id, to find duplicates without a map of strings: the first
    /// step's alone (a proposal of one step needs no list), then every one.
    first_step_id: Option<u64>,
    step_ids: Vec<u64>,
    /// Scratch space for the attributes of a step, which is then allocated at its exact size.
    attrs: Vec<Attr>,
}

impl<'s> Validator<'s> {
    pub(super) fn new(source: &'s SourceFile, form: Form) -> Self {
        Validator {
            source,
            form,
            errors: Vec::new(),
            // A proposal's keys and one step's: one allocation for most.
            keys: Vec::with_capacity(16),
            first_step_id: None,
            step_ids: Vec::new(),
            attrs: Vec::new(),
        }
    }

    // -------------------------------------------------------------- keys

    /// Starts a block of keys.
    pub(super) fn open(&self) -> Body {
        Body {
            mark: self.keys.len(),
            index: None,
        }
    }

    /// Ends a block of keys.
    pub(super) fn close(&mut self, body: Body) {
        self.keys.truncate(body.mark);
    }

    /// The name of the key at `span`, decoded from the source.
    fn key_name(&self, span: Span) -> String {
        let raw = self.source.slice(span);
        match self.form {
            Form::Text if raw.starts_with('"') => super::text::unescape(raw),
            Form::Text => raw.to_string(),
            Form::Json => serde_json::from_str(raw).unwrap_or_default(),
        }
    }

    /// Where `key` was first given in `body`, if it was.
    fn first(&self, body: &Body, hash: u64, key: &str) -> Option<Span> {
        match &body.index {
            Some(index) => index.get(key).copied(),
            None => self
                .keys
                .get(body.mark..)
                .unwrap_or_default()
                .iter()
                .find(|&&(h, span)| h == hash && self.key_name(span) == key)
                .map(|&(_, span)| span),
        }
    }

    /// Records `key` in `body`; false (and reported) if it was given before: the key and its
    /// value are then left out.
    pub(super) fn fresh_key(
        &mut self,
        body: &mut Body,
        name: &str,
        span: Span,
        what: &str,
    ) -> bool {
        let hash = fx_hash(name.as_bytes());
        if let Some(first) = self.first(body, hash, name) {
            self.errors
                .push(duplicate_key(name, what, self.source, span, first));
            return false;
        }
        if let Some(index) = &mut body.index {
            index.insert(name.to_string(), span);
        } else if self.keys.len() - body.mark < SMALL_BODY {
            self.keys.push((hash, span));
        } else {
            // a large block: a map of the names (with a keyed hash, so that no input makes
            // the check quadratic)
            let spans: Vec<Span> = self.keys.drain(body.mark..).map(|(_, s)| s).collect();
            let mut index: HashMap<String, Span> =
                spans.into_iter().map(|s| (self.key_name(s), s)).collect();
            index.insert(name.to_string(), span);
            body.index = Some(index);
        }
        true
    }

    // -------------------------------------------------------------- ids and values

    /// Checks a proposal or step id (`what` is "proposal" or "step").
    pub(super) fn id(&mut self, what: &str, id: &Spanned<String>) {
        if let Some(problem) = id_problem(&id.node) {
            let message = if id.node.is_empty() {
                format!("{what} id is empty")
            } else {
                format!("invalid {what} id `{}`", id.node)
            };
            self.errors.push(
                Diagnostic::error(
                    Code::InvalidProposal,
                    message,
                    self.source,
                    id.span,
                    problem,
                )
                .with_help("ids are non-empty and use ASCII letters, digits, `_`, `-` and `.`"),
            );
        }
    }

    /// A date (a literal of the text form, a string of the JSON form), or why it is invalid.
    pub(super) fn date(&mut self, text: &str, span: Span) -> Option<Date> {
        let problem = match Date::parse(text) {
            Ok(d) => return Some(d),
            Err(DateError::Format) => "not of the form YYYY-MM-DD",
            Err(DateError::Impossible) => "no such day",
        };
        self.errors.push(
            Diagnostic::error(
                Code::InvalidDate,
                format!("invalid date `{text}`"),
                self.source,
                span,
                problem,
            )
            .with_help("write dates as YYYY-MM-DD with a real day, e.g. 2026-09-15"),
        );
        None
    }

    /// A date literal of the text form as a value: its date, or (reported) its text.
    pub(super) fn date_literal(&mut self, text: &str, span: Span) -> RawValue {
        match self.date(text, span) {
            Some(d) => RawValue::Date(d),
            None => RawValue::Str(text.to_string()),
        }
    }

    /// An integer that does not fit in an `i64`.
    pub(super) fn int_out_of_range(&mut self, text: &str, span: Span) {
        let code = match self.form {
            Form::Text => Code::ProposalSyntax,
            Form::Json => Code::JsonShape,
        };
        self.errors.push(
            Diagnostic::error(
                code,
                format!("integer `{text}` is out of range"),
                self.source,
                span,
                "does not fit in 64 bits",
            )
            .with_help(format!(
                "integers must lie between {} and {}",
                i64::MIN,
                i64::MAX
            )),
        );
    }

    fn wrong_type(
        &mut self,
        key: &Spanned<String>,
        span: Span,
        expected: &str,
        found: &str,
        help: String,
    ) {
        self.errors.push(
            Diagnostic::error(
                Code::WrongType,
                format!("`{}` must be {expected}", key.node),
                self.source,
                span,
                format!("expected {expected}, found {found}"),
            )
            .with_help(help),
        );
    }

    /// The reserved `date` of the text form: a date literal.
    fn text_date(
        &mut self,
        key: &Spanned<String>,
        value: Spanned<RawValue>,
    ) -> Option<Spanned<Date>> {
        match value.node {
            RawValue::Date(d) => Some(Spanned::new(d, value.span)),
            RawValue::Str(ref s) if self.source.slice(value.span).starts_with('"') => {
                let help = format!("write the date without quotes: `date: {s}`");
                self.wrong_type(
                    key,
                    value.span,
                    "a date YYYY-MM-DD",
                    value.node.describe(),
                    help,
                );
                None
            }
            // an invalid date literal was already reported
            RawValue::Str(_) => None,
            _ => {
                let help = "write a date such as `date: 2026-09-15`".to_string();
                self.wrong_type(
                    key,
                    value.span,
                    "a date YYYY-MM-DD",
                    value.node.describe(),
                    help,
                );
                None
            }
        }
    }

    /// A reserved string of the text form (`title`, `note`): a quoted string.
    fn text_string(
        &mut self,
        key: &Spanned<String>,
        value: Spanned<RawValue>,
    ) -> Option<Spanned<String>> {
        match value.node {
            RawValue::Str(s) => Some(Spanned::new(s, value.span)),
            _ => {
                let help = format!("quote the text: `{}: \"...\"`", key.node);
                self.wrong_type(
                    key,
                    value.span,
                    "a quoted string",
                    value.node.describe(),
                    help,
                );
                None
            }
        }
    }

    // -------------------------------------------------------------- the text form

    /// The header `proposal ID {` of the text form.
    pub(super) fn header(&mut self, id: Spanned<String>) -> Header {
        self.id("proposal", &id);
        Header {
            id: Some(id),
            title: None,
            date: None,
        }
    }

    /// An entry of the text form's header block (not a duplicate).
    pub(super) fn header_entry(
        &mut self,
        h: &mut Header,
        key: Spanned<String>,
        value: Spanned<RawValue>,
    ) {
        match key.node.as_str() {
            keys::TITLE => h.title = self.text_string(&key, value),
            keys::DATE => h.date = self.text_date(&key, value),
            keys::ID => {
                let first = h.id.as_ref().map_or(key.span, |id| id.span);
                self.errors.push(duplicate_key(
                    keys::ID,
                    "the proposal header",
                    self.source,
                    key.span,
                    first,
                ));
            }
            other => {
                let help = match did_you_mean(other, keys::HEADER) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "the header holds only `title` and `date`; attributes belong in a step"
                        .to_string(),
                };
                self.errors.push(
                    Diagnostic::error(
                        Code::ProposalSyntax,
                        format!("unknown key `{other}` in the proposal header"),
                        self.source,
                        key.span,
                        "not a header key",
                    )
                    .with_help(help),
                );
            }
        }
    }

    /// The header `step ID: KIND {` of a step of the text form; its span is set by
    /// [`Validator::end_step`].
    pub(super) fn step(&mut self, id: Spanned<String>, kind: Spanned<String>) -> Step {
        self.id("step", &id);
        Step {
            id,
            kind,
            date: None,
            note: None,
            attrs: self.attrs(),
            span: Span::default(),
        }
    }

    /// An entry of a step block of the text form (not a duplicate).
    pub(super) fn step_entry(
        &mut self,
        step: &mut Step,
        key: Spanned<String>,
        value: Spanned<RawValue>,
    ) {
        match key.node.as_str() {
            keys::DATE => step.date = self.text_date(&key, value),
            keys::NOTE => step.note = self.text_string(&key, value),
            name @ (keys::ID | keys::KIND) => {
                let first = if name == keys::ID {
                    step.id.span
                } else {
                    step.kind.span
                };
                self.errors.push(
                    duplicate_key(name, "a step", self.source, key.span, first).with_help(format!(
                        "the step's {name} is given in its header `step ID: KIND {{`; remove this line"
                    )),
                );
            }
            _ => step.attrs.push(Attr { name: key, value }),
        }
    }

    // -------------------------------------------------------------- the JSON form

    /// A problem with the shape of the JSON (`pactum::parse::json_shape`).
    pub(super) fn shape(
        &mut self,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.errors.push(
            Diagnostic::error(Code::JsonShape, message, self.source, span, label).with_help(help),
        );
    }

    /// A string member (`id`, `title`, `kind`, `date`, `note`) whose value `raw` (at
    /// `span`, `found` being its kind) is not a string.
    pub(super) fn not_a_string(&mut self, name: &str, span: Span, found: &str, raw: &str) {
        let date_like =
            name == keys::DATE && raw.len() == 8 && raw.bytes().all(|b| b.is_ascii_digit());
        let help = match found {
            // `20260915` is meant as `2026-09-15`
            "a number" if date_like => format!(
                "write the date as a string YYYY-MM-DD: `\"{name}\": \"{}-{}-{}\"`",
                raw.get(..4).unwrap_or_default(),
                raw.get(4..6).unwrap_or_default(),
                raw.get(6..).unwrap_or_default()
            ),
            "a number" | "a boolean" => format!("write it in quotes: `\"{name}\": \"{raw}\"`"),
            // (an optional member given `null` never gets here: it is the member left out)
            "null" => format!("`{name}` is required: give it a string"),
            _ => format!("`{name}` is a single string"),
        };
        self.shape(
            format!("`{name}` must be a string"),
            span,
            format!("expected a string, found {found}"),
            help,
        );
    }

    /// A JSON string that is not text: an escape of half a surrogate pair, at `span`.
    pub(super) fn lone_surrogate(&mut self, span: Span, escape: &str) {
        self.shape(
            format!("invalid string: `{escape}` is half of a surrogate pair"),
            span,
            "not a character",
            "write the character itself, or both halves of its surrogate pair (`\\ud83d\\ude00`)",
        );
    }

    /// A key of a JSON proposal that it does not have.
    pub(super) fn unknown_key(&mut self, name: &str, span: Span) {
        let help = match did_you_mean(name, keys::PROPOSAL) {
            Some(s) => format!("did you mean `{s}`?"),
            None => "a proposal holds only `id`, `title`, `date` and `steps`; \
                     attributes belong in a step"
                .to_string(),
        };
        self.shape(
            format!("unknown key `{name}` in the proposal"),
            span,
            "not a proposal key",
            help,
        );
    }

    /// A required member missing from the object that starts at `head`.
    pub(super) fn missing(&mut self, name: &str, in_step: bool, head: Span) {
        let (message, label, help) = match (in_step, name) {
            (false, keys::ID) => (
                "missing `id` in the proposal",
                "this object has no `id`",
                "add an id, e.g. `\"id\": \"caspian-shield-2026\"`",
            ),
            (false, _) => (
                "missing `steps` in the proposal",
                "this object has no `steps`",
                "add the steps, e.g. `\"steps\": []`",
            ),
            (true, keys::ID) => (
                "missing `id` in a step",
                "this step has no `id`",
                "give every step an id unique in the proposal, e.g. `\"id\": \"ex1\"`",
            ),
            (true, _) => (
                "missing `kind` in a step",
                "this step has no `kind`",
                "give every step a kind, e.g. `\"kind\": \"exercise\"`",
            ),
        };
        self.shape(message, head, label, help);
    }

    /// An empty buffer for the attributes of a JSON step (given back by
    /// [`Validator::end_step`]).
    pub(super) fn attrs(&mut self) -> Vec<Attr> {
        let mut attrs = std::mem::take(&mut self.attrs);
        attrs.clear();
        attrs
    }

    // -------------------------------------------------------------- both forms

    /// A step, complete.
    pub(super) fn end_step(&mut self, mut step: Step, span: Span) -> Step {
        step.span = span;
        let mut exact = Vec::with_capacity(step.attrs.len());
        exact.append(&mut step.attrs);
        self.attrs = std::mem::replace(&mut step.attrs, exact);
        let hash = fx_hash(step.id.node.as_bytes());
        match self.first_step_id {
            None => self.first_step_id = Some(hash),
            Some(first) => {
                if self.step_ids.is_empty() {
                    self.step_ids.push(first);
                }
                self.step_ids.push(hash);
            }
        }
        step
    }

    /// The proposal: its steps checked for duplicate ids, and every diagnostic, sorted.
    pub(super) fn finish(
        mut self,
        header: Header,
        steps: Vec<Step>,
    ) -> Result<Proposal, Vec<Diagnostic>> {
        // Equal hashes are rare (a duplicate id, or a collision): only then are the ids
        // compared. An adversary who forces collisions only gets that O(n) check.
        self.step_ids.sort_unstable();
        if self.step_ids.windows(2).any(|w| w.first() == w.get(1)) {
            check_duplicate_steps(&steps, self.source, &mut self.errors);
        }
        match header.id {
            Some(id) if self.errors.is_empty() => Ok(Proposal {
                source: self.source.clone(),
                span: id.span,
                id,
                title: header.title,
                date: header.date,
                steps,
            }),
            _ => Err(finish(self.errors)),
        }
    }
}

/// A fast, unkeyed hash (FxHash's mixing, one word at a time).
fn fx_hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = bytes.len() as u64;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let mut buf = [0u8; 8];
        buf.copy_from_slice(w);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(buf)).wrapping_mul(K);
    }
    for &b in words.remainder() {
        h = (h.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
    }
    h
}

/// Why an id is invalid, if it is: ids are non-empty and use ASCII letters, digits, `_`, `-`
/// and `.` only.
pub(crate) fn id_problem(id: &str) -> Option<String> {
    if id.is_empty() {
        return Some("the id is empty".to_string());
    }
    id.chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
        .map(|c| format!("{} is not allowed in an id", describe_char(c)))
}

fn describe_char(c: char) -> String {
    match c {
        ' ' => "a space".to_string(),
        '\t' => "a tab".to_string(),
        '\n' | '\r' => "a line break".to_string(),
        c if c.is_control() => format!("the control character U+{:04X}", u32::from(c)),
        c => format!("`{c}`"),
    }
}

/// Reports every step whose id was already used by an earlier step.
pub(super) fn check_duplicate_steps(
    steps: &[Step],
    source: &SourceFile,
    errors: &mut Vec<Diagnostic>,
) {
    let mut seen: HashMap<&str, Span> = HashMap::new();
    for step in steps {
        if let Some(first) = seen.get(step.id.node.as_str()) {
            errors.push(
                Diagnostic::error(
                    Code::DuplicateStep,
                    format!("duplicate step id `{}`", step.id.node),
                    source,
                    step.id.span,
                    "a second step with this id",
                )
                .with_related(source, *first, "first used here")
                .with_help("give every step of a proposal a unique id"),
            );
        } else {
            seen.insert(step.id.node.as_str(), step.id.span);
        }
    }
}

/// A duplicate key diagnostic: `span` is the second occurrence, `first` the first.
pub(super) fn duplicate_key(
    name: &str,
    where_: &str,
    source: &SourceFile,
    span: Span,
    first: Span,
) -> Diagnostic {
    Diagnostic::error(
        Code::DuplicateKey,
        format!("`{name}` is given twice in {where_}"),
        source,
        span,
        format!("second `{name}`"),
    )
    .with_related(source, first, "first given here")
    .with_help("give each key at most once; remove one of them")
}

/// Sorts diagnostics by position (stable, so equal positions keep their order).
pub(super) fn finish(mut errors: Vec<Diagnostic>) -> Vec<Diagnostic> {
    errors.sort_by_key(|d| (d.span.start, d.span.end));
    errors
}

/// Checks a parsed proposal against `limits`: the number of steps and the length of every
/// string and id (the size of the input is checked before parsing).
pub(super) fn check_limits(p: &Proposal, limits: &crate::limits::Limits) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    if p.steps.len() > limits.max_steps {
        let span = p.steps.get(limits.max_steps).map_or(p.span, |s| s.span);
        errors.push(
            Diagnostic::error(
                Code::LimitSteps,
                format!(
                    "proposal `{}` has {} steps, more than the limit of {}",
                    p.id.node,
                    p.steps.len(),
                    limits.max_steps
                ),
                &p.source,
                span,
                "the limit is passed here",
            )
            .with_help(
                "split the proposal into several files, or raise `Limits::max_steps` if you embed pactum",
            ),
        );
    }
    let max = limits.max_string_bytes;
    let mut long = |s: &str, span: Span| {
        if s.len() > max && errors.len() < 100 {
            errors.push(
                Diagnostic::error(
                    Code::LimitString,
                    format!(
                        "a string of {} bytes, more than the limit of {max}",
                        s.len()
                    ),
                    &p.source,
                    Span::new(span.start as usize, (span.start as usize).saturating_add(1)),
                    "this string is too long",
                )
                .with_help("shorten it, or raise `Limits::max_string_bytes` if you embed pactum"),
            );
        }
    };
    long(&p.id.node, p.id.span);
    let mut stack = Vec::new();
    if let Some(t) = &p.title {
        long(&t.node, t.span);
    }
    for step in &p.steps {
        long(&step.id.node, step.id.span);
        long(&step.kind.node, step.kind.span);
        if let Some(n) = &step.note {
            long(&n.node, n.span);
        }
        for a in &step.attrs {
            long(&a.name.node, a.name.span);
            stack.push(&a.value);
            while let Some(v) = stack.pop() {
                match &v.node {
                    RawValue::Str(s) | RawValue::Ident(s) => long(s, v.span),
                    RawValue::List(items) => stack.extend(items.iter()),
                    _ => {}
                }
            }
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::id_problem;

    #[test]
    fn id_rules() {
        assert!(id_problem("caspian-shield_2026.v2").is_none());
        assert_eq!(id_problem("").as_deref(), Some("the id is empty"));
        assert_eq!(
            id_problem("a b").as_deref(),
            Some("a space is not allowed in an id")
        );
        assert_eq!(
            id_problem("تمرين").as_deref(),
            Some("`ت` is not allowed in an id")
        );
    }
}
