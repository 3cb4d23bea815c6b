//! The JSON form of proposals: one parser, in one pass over the bytes.
//!
//! It reads the JSON and builds the proposal as it goes: every id, key and value is handed
//! to the shared validation (`validate.rs`) with its exact span, and every problem with the
//! shape (a missing or mistyped member, `null`, a nested object, a number that is not an
//! `i64`, arrays nested too deeply) is reported, all of them. Values it has no use for are
//! checked and skipped without recursion, so input of any depth is safe.
//!
//! Invalid JSON gets serde_json's own words: when this parser finds the syntax invalid, it
//! stops, and serde_json reads the text again (as a raw value, without building anything)
//! to describe the first error and its offset. A property test holds the two to the same
//! verdict on every input.

use super::validate::{Form, Header, Validator, keys};
use super::{Attr, MAX_LIST_DEPTH, Proposal, RawValue, Step};
use crate::date::Date;
use crate::diag::{Code, Diagnostic};
use crate::source::{SourceFile, Span, Spanned};

/// Parses the JSON form.
pub(super) fn parse(source: SourceFile) -> Result<Proposal, Vec<Diagnostic>> {
    let hidden = crate::syntax::hidden_text(&source);
    if !hidden.is_empty() {
        return Err(hidden);
    }
    let full = source.text();
    let bom = if full.starts_with('\u{FEFF}') {
        '\u{FEFF}'.len_utf8()
    } else {
        0
    };
    let mut p = Parser {
        s: full,
        b: full.as_bytes(),
        i: bom,
        scratch: String::new(),
        items: Vec::new(),
        v: Validator::new(&source, Form::Json),
    };
    match p.document() {
        Ok(Some((header, steps))) => p.v.finish(header, steps),
        Ok(None) => Err(super::validate::finish(p.v.errors)),
        Err(Invalid) => Err(vec![invalid_json(&source, bom, p.i)]),
    }
}

/// The syntax error, in serde_json's words.
fn invalid_json(source: &SourceFile, bom: usize, at: usize) -> Diagnostic {
    let text = source.text().get(bom..).unwrap_or("");
    match serde_json::from_str::<&serde_json::value::RawValue>(text) {
        Err(e) => syntax_error(&e, text, bom, source),
        // Never: the parser and serde_json agree on what is valid JSON (see the tests).
        Ok(_) => Diagnostic::error(
            Code::JsonSyntax,
            "invalid JSON",
            source,
            Span::new(at, at),
            "here",
        )
        .with_help("check the JSON near here: a missing comma, quote or bracket?"),
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

/// After this many steps, the rest are estimated from their average size.
const ESTIMATE_AFTER: usize = 64;

/// The input is not valid JSON (serde_json says where and why).
#[derive(Debug)]
struct Invalid;

type JResult<T> = Result<T, Invalid>;

/// What a JSON value is, from its first byte.
fn kind_of(b: Option<u8>) -> &'static str {
    match b {
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}

/// A decoded JSON string: its text (`None` if it has a lone surrogate escape, reported by
/// the caller at `bad`), and its span, quotes included.
struct JStr {
    text: Option<String>,
    /// A reserved key, recognised without decoding (`text` is then `None`).
    reserved: Option<&'static str>,
    span: Span,
    /// The span of the first lone surrogate escape.
    bad: Span,
}

impl JStr {
    /// The key's name, unless it is not text.
    fn name(&self) -> Option<&str> {
        self.reserved.or(self.text.as_deref())
    }
}

struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    /// Reused buffer for strings with escapes.
    scratch: String,
    /// Reused stack of list items (nested lists push above their parent's), so that every
    /// list is allocated once, at its exact length.
    items: Vec<Spanned<RawValue>>,
    v: Validator<'a>,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> JResult<()> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(Invalid)
        }
    }

    fn span(&self, start: usize) -> Span {
        Span::new(start, self.i)
    }

    /// After a member or an item: `true` for `,`, `false` for the closing `close`.
    fn next_or_close(&mut self, close: u8) -> JResult<bool> {
        self.ws();
        match self.peek() {
            Some(b',') => {
                self.i += 1;
                self.ws();
                Ok(true)
            }
            Some(c) if c == close => {
                self.i += 1;
                Ok(false)
            }
            _ => Err(Invalid),
        }
    }

    /// The whole input: the proposal's members and steps, or `None` if the root is not an
    /// object (reported).
    fn document(&mut self) -> JResult<Option<(Header, Vec<Step>)>> {
        self.ws();
        let start = self.i;
        let result = if self.peek() == Some(b'{') {
            Some(self.proposal()?)
        } else {
            let found = kind_of(self.peek());
            self.skip_value()?;
            let span = self.span(start);
            self.v.shape(
                "a proposal must be a JSON object",
                span,
                format!("expected an object, found {found}"),
                "write the proposal as `{ \"id\": \"...\", \"steps\": [ ... ] }`",
            );
            None
        };
        self.ws();
        if self.i != self.b.len() {
            return Err(Invalid);
        }
        Ok(result)
    }

    /// Reads the members of the object at `{`, handing each fresh key to `member` (with the
    /// cursor on its value, which `member` must read); duplicates are reported and skipped.
    fn members(
        &mut self,
        what: &str,
        mut member: impl FnMut(&mut Self, JStr) -> JResult<()>,
    ) -> JResult<()> {
        self.eat(b'{')?;
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(());
        }
        let mut body = self.v.open();
        loop {
            let key = match self.reserved_key() {
                Some(key) => key,
                None => self.string()?,
            };
            self.ws();
            self.eat(b':')?;
            self.ws();
            let fresh = match key.name() {
                Some(name) => self.v.fresh_key(&mut body, name, key.span, what),
                None => {
                    self.v.lone_surrogate(
                        key.bad,
                        self.s
                            .get(key.bad.start as usize..key.bad.end as usize)
                            .unwrap_or(""),
                    );
                    false
                }
            };
            if fresh {
                member(self, key)?;
            } else {
                self.skip_value()?;
            }
            if !self.next_or_close(b'}')? {
                break;
            }
        }
        self.v.close(body);
        Ok(())
    }

    fn proposal(&mut self) -> JResult<(Header, Vec<Step>)> {
        let head = Span::new(self.i, self.i + 1);
        let mut header = Header::default();
        let mut steps = None;
        let (mut id_given, mut steps_given) = (false, false);
        self.members("the proposal", |p, key| {
            match key.name().unwrap_or("") {
                keys::ID => {
                    id_given = true;
                    header.id = p.string_member(keys::ID)?;
                    if let Some(id) = &header.id {
                        p.v.id("proposal", id);
                    }
                }
                // `null` for an optional member is the member left out (what serde writes for
                // an absent `Option`).
                keys::TITLE | keys::DATE | keys::SCHEMA if p.null()? => {}
                // the schema an editor validates the file with: a string, not part of the
                // proposal
                keys::SCHEMA => {
                    p.string_member(keys::SCHEMA)?;
                }
                keys::TITLE => header.title = p.string_member(keys::TITLE)?,
                keys::DATE => header.date = p.date_member()?,
                keys::STEPS => {
                    steps_given = true;
                    steps = p.steps()?;
                }
                other => {
                    p.v.unknown_key(other, key.span);
                    p.skip_value()?;
                }
            }
            Ok(())
        })?;
        if !id_given {
            self.v.missing(keys::ID, false, head);
        }
        if !steps_given {
            self.v.missing(keys::STEPS, false, head);
        }
        Ok((header, steps.unwrap_or_default()))
    }

    /// The value of `steps`: an array of step objects.
    fn steps(&mut self) -> JResult<Option<Vec<Step>>> {
        let start = self.i;
        if self.peek() != Some(b'[') {
            let found = kind_of(self.peek());
            self.skip_value()?;
            let span = self.span(start);
            self.v.shape(
                "`steps` must be an array",
                span,
                format!("expected an array of step objects, found {found}"),
                "write the steps as `\"steps\": [ { \"id\": \"s1\", \"kind\": \"exercise\", ... } ]`",
            );
            return Ok(None);
        }
        self.i += 1;
        self.ws();
        let mut steps: Vec<Step> = Vec::new();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(Some(steps));
        }
        let first = self.i;
        loop {
            if let Some(step) = self.step()? {
                if steps.capacity() == 0 {
                    // Room for one: a proposal of one step (one request) keeps no spare
                    // room; the second step grows it as usual.
                    steps.reserve_exact(1);
                }
                steps.push(step);
                if steps.len() == ESTIMATE_AFTER {
                    // reserve for the rest at the average size so far, so that a large
                    // file's steps are not copied at each doubling
                    let per_step = self.i.saturating_sub(first) / ESTIMATE_AFTER;
                    let rest = self.b.len().saturating_sub(self.i) / per_step.max(1);
                    steps.reserve(rest + rest / 16 + 1);
                }
            }
            if !self.next_or_close(b']')? {
                break;
            }
        }
        if steps.capacity() > steps.len() + steps.len() / 8 + ESTIMATE_AFTER {
            steps.shrink_to_fit();
        }
        Ok(Some(steps))
    }

    fn step(&mut self) -> JResult<Option<Step>> {
        let start = self.i;
        if self.peek() != Some(b'{') {
            let found = kind_of(self.peek());
            self.skip_value()?;
            let span = self.span(start);
            self.v.shape(
                "a step must be a JSON object",
                span,
                format!("expected an object, found {found}"),
                "write a step as `{ \"id\": \"s1\", \"kind\": \"exercise\", ... }`",
            );
            return Ok(None);
        }
        let head = Span::new(start, start + 1);
        let (mut id, mut kind, mut date, mut note) = (None, None, None, None);
        let (mut id_given, mut kind_given) = (false, false);
        let mut attrs = self.v.attrs();
        self.members("a step", |p, key| {
            match key.name().unwrap_or("") {
                keys::ID => {
                    id_given = true;
                    id = p.string_member(keys::ID)?;
                }
                keys::KIND => {
                    kind_given = true;
                    kind = p.string_member(keys::KIND)?;
                }
                keys::DATE | keys::NOTE if p.null()? => {}
                keys::DATE => date = p.date_member()?,
                keys::NOTE => note = p.string_member(keys::NOTE)?,
                // an attribute given as `null` is absent: the schema's default applies, and
                // a required one is reported missing (a misspelt key given `null` is absent
                // either way, so nothing is lost by not checking its name)
                _ if p.null()? => {}
                _ => {
                    let text = key.text.or_else(|| key.reserved.map(str::to_string));
                    let name = Spanned::new(text.unwrap_or_default(), key.span);
                    if let Some(value) = p.value(0)? {
                        attrs.push(Attr { name, value });
                    }
                }
            }
            Ok(())
        })?;
        if !id_given {
            self.v.missing(keys::ID, true, head);
        }
        if !kind_given {
            self.v.missing(keys::KIND, true, head);
        }
        if let Some(id) = &id {
            self.v.id("step", id);
        }
        let span = self.span(start);
        Ok(match (id, kind) {
            (Some(id), Some(kind)) => {
                let step = Step {
                    id,
                    kind,
                    date,
                    note,
                    attrs,
                    span,
                };
                Some(self.v.end_step(step, span))
            }
            _ => None,
        })
    }

    /// The value of a string member (`id`, `title`, `kind`, `note`, `date`).
    fn string_member(&mut self, name: &str) -> JResult<Option<Spanned<String>>> {
        let start = self.i;
        if self.peek() == Some(b'"') {
            let s = self.string()?;
            return Ok(match s.text {
                Some(text) => Some(Spanned::new(text, s.span)),
                None => {
                    let escape = self
                        .s
                        .get(s.bad.start as usize..s.bad.end as usize)
                        .unwrap_or("");
                    self.v.lone_surrogate(s.bad, escape);
                    None
                }
            });
        }
        let found = kind_of(self.peek());
        self.skip_value()?;
        let span = self.span(start);
        let raw = self.s.get(start..self.i).unwrap_or("");
        self.v.not_a_string(name, span, found, raw);
        Ok(None)
    }

    fn date_member(&mut self) -> JResult<Option<Spanned<Date>>> {
        // The common case, a string without escapes: read in place, not copied.
        if let Some((run, end)) = self.plain_string_at(self.i) {
            let start = self.i;
            self.i = end + 1;
            let span = self.span(start);
            let text = self.s.get(run..end).ok_or(Invalid)?;
            return Ok(self.v.date(text, span).map(|d| Spanned::new(d, span)));
        }
        Ok(self
            .string_member(keys::DATE)?
            .and_then(|s| Some(Spanned::new(self.v.date(&s.node, s.span)?, s.span))))
    }

    /// A reserved key written plainly (the cursor on its opening quote), recognised without
    /// allocating it.
    fn reserved_key(&mut self) -> Option<JStr> {
        const RESERVED: [&str; 6] = [
            keys::ID,
            keys::KIND,
            keys::DATE,
            keys::NOTE,
            keys::TITLE,
            keys::STEPS,
        ];
        let rest = self.b.get(self.i..)?;
        let first = rest.get(1).filter(|_| rest.first() == Some(&b'"'))?;
        let name = RESERVED.into_iter().find(|name| {
            name.as_bytes().first() == Some(first)
                && rest.get(1..name.len() + 1) == Some(name.as_bytes())
                && rest.get(name.len() + 1) == Some(&b'"')
        })?;
        let start = self.i;
        self.i += name.len() + 2;
        Some(JStr {
            text: None,
            reserved: Some(name),
            span: self.span(start),
            bad: Span::default(),
        })
    }

    /// The text of the string at `at` (its opening quote) when it has no escape and no
    /// control character, as (first byte, closing quote); `None` otherwise.
    fn plain_string_at(&self, at: usize) -> Option<(usize, usize)> {
        if self.b.get(at) != Some(&b'"') {
            return None;
        }
        let run = at + 1;
        let rest = self.b.get(run..)?;
        let n = rest
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
        (rest.get(n) == Some(&b'"')).then_some((run, run + n))
    }

    /// A JSON string (the cursor on its opening quote), decoded.
    fn string(&mut self) -> JResult<JStr> {
        let start = self.i;
        self.eat(b'"')?;
        let run = self.i;
        // The common case: no escape.
        let rest = self.b.get(run..).unwrap_or_default();
        let n = rest
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
            .ok_or(Invalid)?;
        self.i = run + n;
        match rest.get(n) {
            Some(b'"') => {
                let s = self.s.get(run..self.i).ok_or(Invalid)?;
                self.i += 1;
                return Ok(JStr {
                    text: Some(s.to_string()),
                    reserved: None,
                    span: self.span(start),
                    bad: Span::default(),
                });
            }
            Some(b'\\') => {}
            _ => return Err(Invalid),
        }
        self.scratch.clear();
        let mut from = run;
        let mut bad = None;
        loop {
            match self.peek().ok_or(Invalid)? {
                b'"' => {
                    self.scratch
                        .push_str(self.s.get(from..self.i).ok_or(Invalid)?);
                    self.i += 1;
                    return Ok(JStr {
                        text: bad.is_none().then(|| self.scratch.clone()),
                        reserved: None,
                        span: self.span(start),
                        bad: bad.unwrap_or_default(),
                    });
                }
                b'\\' => {
                    self.scratch
                        .push_str(self.s.get(from..self.i).ok_or(Invalid)?);
                    let esc = self.i;
                    let c = match self.b.get(self.i + 1).ok_or(Invalid)? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4(esc + 2)?;
                            self.i = esc + 6;
                            let c = if (0xD800..0xDC00).contains(&hi)
                                && self.b.get(self.i..self.i + 2) == Some(b"\\u")
                            {
                                let lo = self.hex4(self.i + 2)?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    self.i += 6;
                                    char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                                } else {
                                    None
                                }
                            } else {
                                char::from_u32(hi)
                            };
                            match c {
                                Some(c) => self.scratch.push(c),
                                None => {
                                    bad.get_or_insert(Span::new(esc, esc + 6));
                                }
                            }
                            from = self.i;
                            continue;
                        }
                        _ => return Err(Invalid),
                    };
                    self.scratch.push(c);
                    self.i += 2;
                    from = self.i;
                }
                0..=0x1F => return Err(Invalid),
                _ => self.i += 1,
            }
        }
    }

    /// The four hex digits at `at`.
    fn hex4(&self, at: usize) -> JResult<u32> {
        let hex = self.b.get(at..at + 4).ok_or(Invalid)?;
        if !hex.iter().all(u8::is_ascii_hexdigit) {
            return Err(Invalid);
        }
        let hex = std::str::from_utf8(hex).map_err(|_| Invalid)?;
        u32::from_str_radix(hex, 16).map_err(|_| Invalid)
    }

    /// A JSON number (the cursor on its first byte): `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    fn number(&mut self) -> JResult<()> {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(Invalid),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            self.digits1()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            self.digits1()?;
        }
        Ok(())
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.i += 1;
        }
    }

    fn digits1(&mut self) -> JResult<()> {
        let start = self.i;
        self.digits();
        if self.i == start {
            Err(Invalid)
        } else {
            Ok(())
        }
    }

    /// Skips a `null` at the cursor: true if there was one.
    fn null(&mut self) -> JResult<bool> {
        if self.peek() != Some(b'n') {
            return Ok(false);
        }
        self.literal(b"null")?;
        Ok(true)
    }

    fn literal(&mut self, word: &[u8]) -> JResult<()> {
        if self.b.get(self.i..self.i + word.len()) == Some(word) {
            self.i += word.len();
            Ok(())
        } else {
            Err(Invalid)
        }
    }

    /// Checks and skips any JSON value, without recursion.
    fn skip_value(&mut self) -> JResult<()> {
        // the closing brackets of the arrays and objects open
        let mut stack = Vec::new();
        loop {
            // a value
            self.ws();
            match self.peek().ok_or(Invalid)? {
                open @ (b'{' | b'[') => {
                    self.i += 1;
                    self.ws();
                    let close = if open == b'{' { b'}' } else { b']' };
                    if self.peek() == Some(close) {
                        self.i += 1;
                    } else {
                        stack.push(close);
                        if close == b'}' {
                            self.skip_key()?;
                        }
                        continue;
                    }
                }
                b'"' => {
                    self.string()?;
                }
                b't' => self.literal(b"true")?,
                b'f' => self.literal(b"false")?,
                b'n' => self.literal(b"null")?,
                _ => self.number()?,
            }
            // after a value: close what is done, up to the next `,`
            loop {
                let Some(&close) = stack.last() else {
                    return Ok(());
                };
                self.ws();
                match self.peek() {
                    Some(b',') => {
                        self.i += 1;
                        if close == b'}' {
                            self.ws();
                            self.skip_key()?;
                        }
                        break;
                    }
                    Some(c) if c == close => {
                        self.i += 1;
                        stack.pop();
                    }
                    _ => return Err(Invalid),
                }
            }
        }
    }

    /// A key and its `:` (the cursor on the key).
    fn skip_key(&mut self) -> JResult<()> {
        self.string()?;
        self.ws();
        self.eat(b':')
    }

    /// An attribute value (the cursor on its first byte), `depth` arrays deep; `None` if it
    /// is not one (reported).
    fn value(&mut self, depth: usize) -> JResult<Option<Spanned<RawValue>>> {
        let start = self.i;
        let node = match self.peek().ok_or(Invalid)? {
            b'"' => {
                let s = self.string()?;
                match s.text {
                    Some(text) => RawValue::Str(text),
                    None => {
                        let escape = self
                            .s
                            .get(s.bad.start as usize..s.bad.end as usize)
                            .unwrap_or("");
                        self.v.lone_surrogate(s.bad, escape);
                        return Ok(None);
                    }
                }
            }
            b't' => {
                self.literal(b"true")?;
                RawValue::Bool(true)
            }
            b'f' => {
                self.literal(b"false")?;
                RawValue::Bool(false)
            }
            b'n' => {
                self.literal(b"null")?;
                let span = self.span(start);
                // (an attribute given as `null` never gets here: it is absent)
                self.v.shape(
                    "null is not a list item",
                    span,
                    "null here",
                    "leave it out of the list",
                );
                return Ok(None);
            }
            b'{' => {
                self.skip_value()?;
                let span = self.span(start);
                self.v.shape(
                    "nested objects are not attribute values",
                    span,
                    "an object here",
                    "an attribute value is a string, an integer, a boolean or an array; \
                     refer to entities by their id, e.g. `\"turkey\"`",
                );
                return Ok(None);
            }
            b'[' if depth >= MAX_LIST_DEPTH => {
                self.skip_value()?;
                self.v.shape(
                    "arrays nested too deeply",
                    Span::new(start, start + 1),
                    format!("more than {MAX_LIST_DEPTH} levels of `[`"),
                    "flatten the array; attribute values are at most lists of lists",
                );
                return Ok(None);
            }
            b'[' => {
                self.i += 1;
                self.ws();
                let mark = self.items.len();
                let mut failed = false;
                if self.peek() == Some(b']') {
                    self.i += 1;
                } else {
                    loop {
                        match self.value(depth + 1)? {
                            Some(item) => self.items.push(item),
                            None => failed = true,
                        }
                        if !self.next_or_close(b']')? {
                            break;
                        }
                    }
                }
                // Exactly as long as the list; the stack keeps its room for the next one.
                let items: Vec<_> = self.items.drain(mark..).collect();
                if failed {
                    return Ok(None);
                }
                RawValue::List(items)
            }
            _ => {
                self.number()?;
                let span = self.span(start);
                let text = self.s.get(start..self.i).unwrap_or("");
                if text.contains(['.', 'e', 'E']) {
                    self.v.shape(
                        format!("`{text}` is not an integer"),
                        span,
                        "numbers must be whole",
                        "attribute values are integers, strings, booleans or arrays; write a whole number",
                    );
                    return Ok(None);
                }
                // `-0` is 0, as in the text form (serde_json would read it as a float)
                match text.parse::<i64>().ok() {
                    Some(i) => RawValue::Int(i),
                    None => {
                        self.v.int_out_of_range(text, span);
                        return Ok(None);
                    }
                }
            }
        };
        Ok(Some(Spanned::new(node, self.span(start))))
    }
}
