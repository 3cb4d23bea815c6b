//! The JSON form of proposals.
//!
//! serde_json checks the syntax (with its recursion limit on) and hands out every value as a
//! borrowed [`serde_json::value::RawValue`], a slice of the input: its byte offset, hence an
//! exact span, is a pointer difference. Objects are read as ordered `(key, raw value)` lists
//! so that duplicate keys (which serde_json would silently collapse) are reported.

use std::collections::HashMap;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue as Json;

use super::validate::{check_duplicate_steps, check_id, duplicate_key, finish, parse_date};
use super::{Attr, MAX_LIST_DEPTH, Proposal, RawValue, Step};
use crate::date::Date;
use crate::diag::{Code, Diagnostic, did_you_mean};
use crate::source::{SourceFile, Span, Spanned};

/// The members of a JSON object, in order, duplicates included.
struct Entries<'a>(Vec<(String, &'a Json)>);

impl<'de> Deserialize<'de> for Entries<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entries<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = map.next_entry::<String, &'de Json>()? {
                    out.push(entry);
                }
                Ok(Entries(out))
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Object,
    Array,
    String,
    Number,
    Bool,
    Null,
}

impl Kind {
    fn of(raw: &Json) -> Kind {
        match raw.get().as_bytes().first() {
            Some(b'{') => Kind::Object,
            Some(b'[') => Kind::Array,
            Some(b'"') => Kind::String,
            Some(b't' | b'f') => Kind::Bool,
            Some(b'n') => Kind::Null,
            _ => Kind::Number,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Kind::Object => "an object",
            Kind::Array => "an array",
            Kind::String => "a string",
            Kind::Number => "a number",
            Kind::Bool => "a boolean",
            Kind::Null => "null",
        }
    }
}

pub(super) fn parse(source: SourceFile) -> Result<Proposal, Vec<Diagnostic>> {
    match super::json_fast::parse(&source) {
        Some(p) => Ok(p),
        None => parse_full(source),
    }
}

/// The full path: every problem reported, with its span.
pub(super) fn parse_full(source: SourceFile) -> Result<Proposal, Vec<Diagnostic>> {
    let full = source.text();
    let bom = if full.starts_with('\u{FEFF}') {
        '\u{FEFF}'.len_utf8()
    } else {
        0
    };
    let text = full.get(bom..).unwrap_or("");
    let root: &Json = match serde_json::from_str(text) {
        Ok(root) => root,
        Err(e) => return Err(vec![syntax_error(&e, text, bom, &source)]),
    };
    let mut cx = Cx {
        source: &source,
        input: full,
        errors: Vec::new(),
    };
    let proposal = cx.proposal(root);
    match proposal {
        Some(p) if cx.errors.is_empty() => Ok(p),
        _ => Err(finish(cx.errors)),
    }
}

/// Turns a serde_json syntax error (line and byte column) into a diagnostic at its offset.
fn syntax_error(e: &serde_json::Error, text: &str, bom: usize, source: &SourceFile) -> Diagnostic {
    let line = e.line();
    let column = e.column();
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n')
            .nth(line - 2)
            .map_or(text.len(), |(i, _)| i + 1)
    };
    let mut offset = (line_start + column.saturating_sub(1)).min(text.len());
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    if e.is_eof() {
        offset = text.len();
    }
    let len = text
        .get(offset..)
        .and_then(|t| t.chars().next())
        .map_or(0, char::len_utf8);
    let after_comma = text
        .get(..offset)
        .is_some_and(|t| t.trim_end().ends_with(','))
        && text
            .get(offset..)
            .is_some_and(|t| t.starts_with(['}', ']']));
    let span = Span::new(bom + offset, bom + offset + len);

    let full = e.to_string();
    let msg = match full.rfind(" at line ") {
        Some(i) => full.get(..i).unwrap_or(&full),
        None => &full,
    };
    let help = if msg.contains("recursion limit") {
        "the JSON nests too deeply; attribute values are at most lists of lists"
    } else if e.is_eof() {
        "the JSON ends too early: close every string, `[` and `{`"
    } else if msg.contains("trailing comma") || after_comma {
        "remove the trailing comma: JSON does not allow one"
    } else if msg.contains("key must be a string") {
        "JSON object keys are quoted strings, e.g. `\"kind\": \"exercise\"`"
    } else if msg.contains("expected `,`") {
        "separate the members of an object or array with commas"
    } else if msg.contains("trailing characters") {
        "a JSON proposal is a single object; remove what follows it"
    } else {
        "check the JSON near here: a missing comma, quote or bracket?"
    };
    let label = if len == 0 {
        "the input ends here".to_string()
    } else {
        msg.to_string()
    };
    Diagnostic::error(
        Code::JsonSyntax,
        format!("invalid JSON: {msg}"),
        source,
        span,
        label,
    )
    .with_help(help)
}

struct Cx<'s> {
    source: &'s SourceFile,
    input: &'s str,
    errors: Vec<Diagnostic>,
}

impl Cx<'_> {
    fn offset(&self, raw: &Json) -> usize {
        (raw.get().as_ptr() as usize)
            .saturating_sub(self.input.as_ptr() as usize)
            .min(self.input.len())
    }

    fn span(&self, raw: &Json) -> Span {
        let start = self.offset(raw);
        Span::new(start, start + raw.get().len())
    }

    /// The first character of a value (the `{` of an object).
    fn head(&self, raw: &Json) -> Span {
        let start = self.offset(raw);
        Span::new(start, start + 1)
    }

    /// The span of the key (with its quotes) of the member whose value starts at `value`.
    fn key_span(&self, value: usize) -> Span {
        let b = self.input.as_bytes();
        let skip_ws = |mut i: usize| {
            while i > 0 && matches!(b.get(i - 1), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                i -= 1;
            }
            i
        };
        let mut i = skip_ws(value);
        if i > 0 && b.get(i - 1) == Some(&b':') {
            i = skip_ws(i - 1);
        }
        let end = i;
        if end == 0 || b.get(end - 1) != Some(&b'"') {
            return Span::new(value, value);
        }
        // find the opening quote: the previous `"` not escaped by an odd run of `\`
        let mut j = end - 1;
        while j > 0 {
            j -= 1;
            if b.get(j) == Some(&b'"') {
                let mut k = j;
                while k > 0 && b.get(k - 1) == Some(&b'\\') {
                    k -= 1;
                }
                if (j - k) % 2 == 0 {
                    return Span::new(j, end);
                }
            }
        }
        Span::new(value, value)
    }

    fn shape(
        &mut self,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
        help: impl Into<String>,
    ) {
        let d =
            Diagnostic::error(Code::JsonShape, message, self.source, span, label).with_help(help);
        self.errors.push(d);
    }

    /// The members of an object (the caller checked the kind), duplicates reported and
    /// dropped, each key with its span.
    fn entries<'a>(&mut self, raw: &'a Json, what: &str) -> Vec<(Spanned<String>, &'a Json)> {
        let entries = match serde_json::from_str::<Entries<'a>>(raw.get()) {
            Ok(Entries(e)) => e,
            Err(e) => {
                let span = self.head(raw);
                self.shape(
                    format!("unreadable JSON object: {e}"),
                    span,
                    "here",
                    "check the JSON syntax",
                );
                return Vec::new();
            }
        };
        let mut seen: HashMap<String, Span> = HashMap::new();
        let mut out = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            let span = self.key_span(self.offset(value));
            if let Some(first) = seen.get(&key) {
                self.errors
                    .push(duplicate_key(&key, what, self.source, span, *first));
                continue;
            }
            seen.insert(key.clone(), span);
            out.push((Spanned::new(key, span), value));
        }
        out
    }

    /// A string member (`id`, `title`, `kind`, `note`, `date`).
    fn string(&mut self, key: &Spanned<String>, raw: &Json) -> Option<Spanned<String>> {
        let span = self.span(raw);
        let kind = Kind::of(raw);
        if kind == Kind::String {
            if let Ok(s) = serde_json::from_str::<String>(raw.get()) {
                return Some(Spanned::new(s, span));
            }
        }
        let help = match kind {
            Kind::Number | Kind::Bool => {
                format!("write it in quotes: `\"{}\": \"{}\"`", key.node, raw.get())
            }
            Kind::Null => format!("omit `{}` or give it a string", key.node),
            _ => format!("`{}` is a single string", key.node),
        };
        self.shape(
            format!("`{}` must be a string", key.node),
            span,
            format!("expected a string, found {}", kind.describe()),
            help,
        );
        None
    }

    fn date(&mut self, key: &Spanned<String>, raw: &Json) -> Option<Spanned<Date>> {
        let s = self.string(key, raw)?;
        let d = parse_date(&s.node, self.source, s.span, &mut self.errors)?;
        Some(Spanned::new(d, s.span))
    }

    fn proposal(&mut self, root: &Json) -> Option<Proposal> {
        let kind = Kind::of(root);
        if kind != Kind::Object {
            let span = self.span(root);
            self.shape(
                "a proposal must be a JSON object",
                span,
                format!("expected an object, found {}", kind.describe()),
                "write the proposal as `{ \"id\": \"...\", \"steps\": [ ... ] }`",
            );
            return None;
        }
        let mut id = None;
        let mut title = None;
        let mut date = None;
        let mut steps = None;
        let (mut id_given, mut steps_given) = (false, false);
        for (key, raw) in self.entries(root, "the proposal") {
            match key.node.as_str() {
                "id" => {
                    id_given = true;
                    id = self.string(&key, raw);
                }
                "title" => title = self.string(&key, raw),
                "date" => date = self.date(&key, raw),
                "steps" => {
                    steps_given = true;
                    steps = self.steps(&key, raw);
                }
                other => {
                    let help = match did_you_mean(other, super::keys::PROPOSAL) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => "a proposal holds only `id`, `title`, `date` and `steps`; \
                                 attributes belong in a step"
                            .to_string(),
                    };
                    self.shape(
                        format!("unknown key `{other}` in the proposal"),
                        key.span,
                        "not a proposal key",
                        help,
                    );
                }
            }
        }
        let open = self.head(root);
        if !id_given {
            self.shape(
                "missing `id` in the proposal",
                open,
                "this object has no `id`",
                "add an id, e.g. `\"id\": \"caspian-shield-2026\"`",
            );
        }
        if !steps_given {
            self.shape(
                "missing `steps` in the proposal",
                open,
                "this object has no `steps`",
                "add the steps, e.g. `\"steps\": []`",
            );
        }
        if let Some(id) = &id {
            check_id("proposal", id, self.source, &mut self.errors);
        }
        let steps = steps.unwrap_or_default();
        check_duplicate_steps(&steps, self.source, &mut self.errors);
        let id = id?;
        let span = id.span;
        Some(Proposal {
            source: self.source.clone(),
            id,
            title,
            date,
            steps,
            span,
        })
    }

    fn steps(&mut self, key: &Spanned<String>, raw: &Json) -> Option<Vec<Step>> {
        let kind = Kind::of(raw);
        let items = match (kind, serde_json::from_str::<Vec<&Json>>(raw.get())) {
            (Kind::Array, Ok(items)) => items,
            _ => {
                let span = self.span(raw);
                self.shape(
                    format!("`{}` must be an array", key.node),
                    span,
                    format!("expected an array of step objects, found {}", kind.describe()),
                    "write the steps as `\"steps\": [ { \"id\": \"s1\", \"kind\": \"exercise\", ... } ]`",
                );
                return None;
            }
        };
        Some(
            items
                .into_iter()
                .filter_map(|item| self.step(item))
                .collect(),
        )
    }

    fn step(&mut self, raw: &Json) -> Option<Step> {
        let span = self.span(raw);
        let kind = Kind::of(raw);
        if kind != Kind::Object {
            self.shape(
                "a step must be a JSON object",
                span,
                format!("expected an object, found {}", kind.describe()),
                "write a step as `{ \"id\": \"s1\", \"kind\": \"exercise\", ... }`",
            );
            return None;
        }
        let mut id = None;
        let mut step_kind = None;
        let mut date = None;
        let mut note = None;
        let mut attrs = Vec::new();
        let (mut id_given, mut kind_given) = (false, false);
        for (key, value) in self.entries(raw, "a step") {
            match key.node.as_str() {
                "id" => {
                    id_given = true;
                    id = self.string(&key, value);
                }
                "kind" => {
                    kind_given = true;
                    step_kind = self.string(&key, value);
                }
                "date" => date = self.date(&key, value),
                "note" => note = self.string(&key, value),
                _ => {
                    if let Some(value) = self.value(value, 0) {
                        attrs.push(Attr { name: key, value });
                    }
                }
            }
        }
        let open = self.head(raw);
        if !id_given {
            self.shape(
                "missing `id` in a step",
                open,
                "this step has no `id`",
                "give every step an id unique in the proposal, e.g. `\"id\": \"ex1\"`",
            );
        }
        if !kind_given {
            self.shape(
                "missing `kind` in a step",
                open,
                "this step has no `kind`",
                "give every step a kind, e.g. `\"kind\": \"exercise\"`",
            );
        }
        if let Some(id) = &id {
            check_id("step", id, self.source, &mut self.errors);
        }
        Some(Step {
            id: id?,
            kind: step_kind?,
            date,
            note,
            attrs,
            span,
        })
    }

    /// An attribute value. Recursion is bounded by `MAX_LIST_DEPTH` (serde_json reads raw
    /// values without recursing, so its own limit does not apply here).
    fn value(&mut self, raw: &Json, depth: usize) -> Option<Spanned<RawValue>> {
        let span = self.span(raw);
        let text = raw.get();
        let node = match Kind::of(raw) {
            Kind::String => RawValue::Str(serde_json::from_str::<String>(text).ok()?),
            Kind::Bool => RawValue::Bool(text == "true"),
            Kind::Number => match serde_json::from_str::<i64>(text) {
                Ok(i) => RawValue::Int(i),
                Err(_) if text.contains(['.', 'e', 'E']) => {
                    self.shape(
                        format!("`{text}` is not an integer"),
                        span,
                        "numbers must be whole",
                        "attribute values are integers, strings, booleans or arrays; write a whole number",
                    );
                    return None;
                }
                Err(_) => {
                    self.shape(
                        format!("integer `{text}` is out of range"),
                        span,
                        "does not fit in 64 bits",
                        format!("integers must lie between {} and {}", i64::MIN, i64::MAX),
                    );
                    return None;
                }
            },
            Kind::Null => {
                self.shape(
                    "null is not a value",
                    span,
                    "null here",
                    "omit the key to use the default",
                );
                return None;
            }
            Kind::Object => {
                self.shape(
                    "nested objects are not attribute values",
                    span,
                    "an object here",
                    "an attribute value is a string, an integer, a boolean or an array; \
                     refer to entities by their id, e.g. `\"turkey\"`",
                );
                return None;
            }
            Kind::Array => {
                if depth >= MAX_LIST_DEPTH {
                    self.shape(
                        "arrays nested too deeply",
                        self.head(raw),
                        format!("more than {MAX_LIST_DEPTH} levels of `[`"),
                        "flatten the array; attribute values are at most lists of lists",
                    );
                    return None;
                }
                let items = serde_json::from_str::<Vec<&Json>>(text).ok()?;
                let mut out = Vec::with_capacity(items.len());
                let mut failed = false;
                for item in items {
                    match self.value(item, depth + 1) {
                        Some(v) => out.push(v),
                        None => failed = true,
                    }
                }
                if failed {
                    return None;
                }
                RawValue::List(out)
            }
        };
        Some(Spanned::new(node, span))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::proposal::test_util::{at, errs_with, ok_with};
    use crate::source::LineCol;

    fn errs(text: &str) -> Vec<Diagnostic> {
        errs_with(Proposal::from_json, text)
    }

    fn ok(text: &str) -> Proposal {
        ok_with(Proposal::from_json, text)
    }

    #[test]
    fn parses_the_design_example_with_exact_spans() {
        let text = r#"{
  "id": "caspian-shield-2026",
  "title": "Caspian Shield joint naval exercise",
  "date": "2026-09-15",
  "steps": [
    { "id": "ex1", "kind": "exercise",
      "participants": ["turkey", "azerbaijan", "kazakhstan"],
      "area": "caspian_sea", "framework": "ots", "n": -12, "armed": false }
  ]
}"#;
        let p = ok(text);
        assert_eq!(p.source.slice(p.span), "\"caspian-shield-2026\"");
        assert_eq!(p.date.unwrap().node.to_string(), "2026-09-15");
        let s = &p.steps[0];
        assert_eq!(
            p.source.line_col(s.span.start),
            LineCol { line: 6, column: 5 }
        );
        assert!(p.source.slice(s.span).starts_with('{') && p.source.slice(s.span).ends_with('}'));
        assert_eq!(p.source.slice(s.kind.span), "\"exercise\"");
        assert_eq!(s.attrs[0].name.node, "participants");
        assert_eq!(p.source.slice(s.attrs[0].name.span), "\"participants\"");
        let RawValue::List(items) = &s.attrs[0].value.node else {
            panic!()
        };
        assert_eq!(p.source.slice(items[2].span), "\"kazakhstan\"");
        assert_eq!(s.attrs[3].value.node, RawValue::Int(-12));
        assert_eq!(s.attrs[4].value.node, RawValue::Bool(false));
        assert_eq!(p.source.slice(s.attrs[4].name.span), "\"armed\"");
    }

    #[test]
    fn syntax_errors_point_at_the_offset() {
        let e = errs("{\n  \"id\" 1 }");
        assert_eq!(at(&e), [(Code::JsonSyntax, 2, 8)]);
        assert_eq!(e[0].message, "invalid JSON: expected `:`");
        let e = errs("{\"id\": \"x\", \"steps\": [],}");
        assert_eq!(e[0].code, Code::JsonSyntax);
        assert!(e[0].help.as_ref().unwrap().contains("trailing comma"));
        let e = errs("{\"id\": \"x\",\n \"steps\": [");
        assert_eq!(e[0].code, Code::JsonSyntax);
        assert!(e[0].help.as_ref().unwrap().contains("ends too early"));
        // after Arabic text, columns count characters
        let e = errs("{\"title\": \"تمرين\" \"id\": 1}");
        assert_eq!(at(&e), [(Code::JsonSyntax, 1, 19)]);
    }

    #[test]
    fn empty_input_bom_and_crlf() {
        for text in ["", "  \n", "\u{FEFF}"] {
            let e = errs(text);
            assert_eq!(e[0].code, Code::JsonSyntax);
        }
        let p = ok(
            "\u{FEFF}{\r\n\"id\": \"p\",\r\n\"title\": \"شبكة\",\r\n\"steps\": [{\"id\": \"s\", \"kind\": \"k\", \"note\": \"تمرين\"}]}",
        );
        assert_eq!(p.title.unwrap().node, "شبكة");
        assert_eq!(
            p.source.line_col(p.steps[0].span.start),
            LineCol {
                line: 4,
                column: 11
            }
        );
        let e = errs("\u{FEFF}{\"id\": 1 2}");
        assert_eq!(at(&e), [(Code::JsonSyntax, 1, 11)]);
        let e = errs("\u{FEFF}{\r\n\"id\": \"p\",\r\n\"steps\": [] x}");
        assert_eq!(at(&e), [(Code::JsonSyntax, 3, 13)]);
    }

    #[test]
    fn top_level_shape() {
        let e = errs("[1]");
        assert_eq!(at(&e), [(Code::JsonShape, 1, 1)]);
        assert_eq!(e[0].label, "expected an object, found an array");
        let e = errs("{}");
        assert_eq!(at(&e), [(Code::JsonShape, 1, 1), (Code::JsonShape, 1, 1)]);
        assert_eq!(e[0].message, "missing `id` in the proposal");
        assert_eq!(e[1].message, "missing `steps` in the proposal");
        let e = errs("{\"id\": 5, \"steps\": {}, \"tittle\": \"t\", \"foo\": 1}");
        assert_eq!(
            at(&e),
            [
                (Code::JsonShape, 1, 8),
                (Code::JsonShape, 1, 20),
                (Code::JsonShape, 1, 24),
                (Code::JsonShape, 1, 39)
            ]
        );
        assert_eq!(e[0].message, "`id` must be a string");
        assert_eq!(e[1].message, "`steps` must be an array");
        assert_eq!(e[2].help.as_deref(), Some("did you mean `title`?"));
        assert!(e[3].help.as_ref().unwrap().contains("only `id`"));
    }

    #[test]
    fn step_shape() {
        let e = errs(
            r#"{"id": "p", "steps": [
  1,
  {"kind": "k"},
  {"id": "a"},
  {"id": "b", "kind": 3, "note": ["x"]},
  {"id": "c", "kind": "k", "x": null, "y": 1.5, "z": {"a": 1}, "w": [1, null], "v": 1e3, "u": 99999999999999999999}
]}"#,
        );
        assert_eq!(
            at(&e),
            [
                (Code::JsonShape, 2, 3),
                (Code::JsonShape, 3, 3),
                (Code::JsonShape, 4, 3),
                (Code::JsonShape, 5, 23),
                (Code::JsonShape, 5, 34),
                (Code::JsonShape, 6, 33),
                (Code::JsonShape, 6, 44),
                (Code::JsonShape, 6, 54),
                (Code::JsonShape, 6, 73),
                (Code::JsonShape, 6, 85),
                (Code::JsonShape, 6, 95),
            ]
        );
        assert_eq!(e[0].message, "a step must be a JSON object");
        assert_eq!(e[1].message, "missing `id` in a step");
        assert_eq!(e[2].message, "missing `kind` in a step");
        assert_eq!(e[3].message, "`kind` must be a string");
        assert_eq!(e[5].message, "null is not a value");
        assert_eq!(
            e[5].help.as_deref(),
            Some("omit the key to use the default")
        );
        assert_eq!(e[6].message, "`1.5` is not an integer");
        assert_eq!(e[7].message, "nested objects are not attribute values");
        assert_eq!(e[8].message, "null is not a value");
        assert_eq!(e[9].message, "`1e3` is not an integer");
        assert_eq!(
            e[10].message,
            "integer `99999999999999999999` is out of range"
        );
        let src = e[0].source.as_ref().unwrap();
        let slices: Vec<&str> = e.iter().map(|d| src.slice(d.span)).collect();
        assert_eq!(
            slices,
            [
                "1",
                "{",
                "{",
                "3",
                "[\"x\"]",
                "null",
                "1.5",
                "{\"a\": 1}",
                "null",
                "1e3",
                "99999999999999999999"
            ]
        );
    }

    #[test]
    fn dates() {
        let e = errs(
            r#"{"id": "p", "date": "2026-02-30", "steps": [
  {"id": "a", "kind": "k", "date": "15/09/2026", "start": "not a date"},
  {"id": "b", "kind": "k", "date": 20260915}
]}"#,
        );
        assert_eq!(
            at(&e),
            [
                (Code::InvalidDate, 1, 21),
                (Code::InvalidDate, 2, 36),
                (Code::JsonShape, 3, 36)
            ]
        );
        assert_eq!(e[0].label, "no such day");
        assert_eq!(e[1].label, "not of the form YYYY-MM-DD");
    }

    #[test]
    fn duplicates() {
        let e = errs(
            r#"{"id": "p", "id": "q", "steps": [
  {"id": "a", "kind": "k", "x": 1, "x": 2},
  {"id": "a", "kind": "k", "kind": "j"}
]}"#,
        );
        assert_eq!(
            at(&e),
            [
                (Code::DuplicateKey, 1, 13),
                (Code::DuplicateKey, 2, 36),
                (Code::DuplicateStep, 3, 10),
                (Code::DuplicateKey, 3, 28)
            ]
        );
        let src = e[0].source.as_ref().unwrap();
        assert_eq!(src.slice(e[0].span), "\"id\"");
        assert_eq!(src.slice(e[0].related[0].span), "\"id\"");
        assert_eq!(e[0].related[0].span.start, 1);
        assert_eq!(
            src.line_col(e[2].related[0].span.start),
            LineCol {
                line: 2,
                column: 10
            }
        );
        // escaped quotes in keys do not confuse the key spans
        let e =
            errs(r#"{"id": "p", "steps": [{"id": "a", "kind": "k", "a\"b\\": 1, "a\"b\\" : 2}]}"#);
        assert_eq!(e[0].code, Code::DuplicateKey);
        assert_eq!(
            e[0].source.as_ref().unwrap().slice(e[0].span),
            r#""a\"b\\""#
        );
    }

    #[test]
    fn invalid_ids() {
        let e =
            errs(r#"{"id": "", "steps": [{"id": "a b", "kind": "k"}, {"id": "ت", "kind": "k"}]}"#);
        assert_eq!(
            at(&e),
            [
                (Code::InvalidProposal, 1, 8),
                (Code::InvalidProposal, 1, 29),
                (Code::InvalidProposal, 1, 57)
            ]
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let wrap = |inner: &str| {
            format!(
                "{{\"id\": \"p\", \"steps\": [{{\"id\": \"a\", \"kind\": \"k\", \"x\": {inner}}}]}}"
            )
        };
        // malformed: serde_json reads raw values without recursion
        let e = errs(&wrap(&"[".repeat(100_000)));
        assert_eq!(e[0].code, Code::JsonSyntax);
        // well-formed but too deep: our own limit
        let n = 100_000;
        let e = errs(&wrap(&format!("{}{}", "[".repeat(n), "]".repeat(n))));
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].code, Code::JsonShape);
        assert_eq!(e[0].message, "arrays nested too deeply");
        let src = e[0].source.as_ref().unwrap();
        assert_eq!(
            src.line_col(e[0].span.start).column,
            53 + MAX_LIST_DEPTH as u32
        );
        // and deep objects elsewhere
        let e = errs(&format!(
            "{{\"id\": \"p\", \"steps\": [], \"x\": {}}}",
            "{\"a\":".repeat(n)
        ));
        assert_eq!(e[0].code, Code::JsonSyntax);
        // the limit itself is fine, and prints as text
        let ok_deep = wrap(&format!(
            "{}1{}",
            "[".repeat(MAX_LIST_DEPTH),
            "]".repeat(MAX_LIST_DEPTH)
        ));
        let p = ok(&ok_deep);
        assert_eq!(Proposal::parse(&p.to_text()).unwrap().normalized(), p);
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config { cases: 256, ..Default::default() })]

        #[test]
        fn never_panics_on_random_text(s in "\\PC*") {
            let _ = Proposal::from_json(&s);
        }

        #[test]
        fn never_panics_on_json_like_text(
            s in "(\\{|\\}|\\[|\\]|:|,|\"id\"|\"steps\"|\"kind\"|\"date\"|\"x\"|\"2026-02-3[01]\"|-?[0-9]{1,22}|1\\.5|null|true|\"\\\\\"|\u{FEFF}| |\n|ت){0,40}"
        ) {
            if let Ok(p) = Proposal::from_json(&s) {
                proptest::prop_assert_eq!(Proposal::from_json(&p.to_json_string()).ok(), Some(p.clone()));
                proptest::prop_assert_eq!(Proposal::parse(&p.to_text()).ok(), Some(p));
            }
        }

        #[test]
        fn never_panics_on_random_bytes(b in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let s = String::from_utf8_lossy(&b);
            let _ = Proposal::from_json(&s);
        }
    }
}
