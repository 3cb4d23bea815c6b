//! A single-pass, byte-level parser for the error-free text form (`grammar/proposal.pest`).
//!
//! [`parse`] builds exactly the [`Proposal`] that the pest path of `text.rs` builds, spans
//! included, but only for inputs it is sure of: on a syntax error, a semantic error (a bad
//! date, a duplicate key or step id, a reserved key with a value of the wrong type, an invalid
//! id, an integer out of range), lists nested deeper than [`MAX_LIST_DEPTH`], or anything
//! unusual (a `\u{...}` escape with something other than 1 to 6 hex digits, say), it gives up
//! and returns `None`; the caller then runs the pest path, which produces the diagnostics. So
//! every diagnostic still comes from one place, and this module never has to describe an
//! error.
//!
//! How it reads the grammar:
//! - whitespace between tokens is `' '`, `'\t'`, `'\r'`, U+FEFF and `//` comments to the end
//!   of the line; a `'\n'` is a token (`nl`), allowed only where the grammar has `nl*`;
//! - a value token ends where the grammar's token ends (`!ident_char` lookaheads included),
//!   and whatever follows it must be a separator, a `}` or a `]` (after optional whitespace):
//!   anything else is an error for pest too, so `None`;
//! - spans are those of the pest pairs that `text.rs`'s `Builder` uses: ids, kinds, keys and
//!   values are their tokens (quotes included), a list runs from `[` to `]`, a step from
//!   `step` to its `}`, and the proposal's span is its id's.

use super::text::unescape;
use super::{Attr, MAX_LIST_DEPTH, Proposal, RawValue, Step, check_duplicate_steps, id_problem};
use crate::date::Date;
use crate::source::{SourceFile, Span, Spanned};

/// Steps with more attributes than this are checked for duplicate keys by sorting, not by a
/// quadratic scan.
const SMALL_BODY: usize = 16;

/// After this many steps, the rest are estimated from their average size.
const ESTIMATE_AFTER: usize = 64;

/// Parses the text form, or returns `None` if the input is not certainly valid.
pub(super) fn parse(source: &SourceFile) -> Option<Proposal> {
    let text = source.text();
    let mut c = Cursor {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        items: Vec::new(),
    };
    c.skip_lines();
    if !c.keyword(b"proposal") {
        return None;
    }
    c.skip();
    let id = c.id()?;
    c.skip();
    let mut title = None;
    let mut date = None;
    c.body(|key, value| {
        match key.node.as_str() {
            "title" if title.is_none() => match value.node {
                RawValue::Str(s) => title = Some(Spanned::new(s, value.span)),
                _ => return None,
            },
            "date" if date.is_none() => match value.node {
                RawValue::Date(d) => date = Some(Spanned::new(d, value.span)),
                _ => return None,
            },
            _ => return None,
        }
        Some(())
    })?;
    let mut steps = Vec::new();
    // A cheap hash of each step id, taken while the id is in cache. Equal hashes are rare
    // (a duplicate id, or a collision): then `check_duplicate_steps` decides, as on the pest
    // path. An adversary who forces collisions only gets that O(n) check.
    let mut hashes = Vec::new();
    // scratch space for the attributes of a step, which is then allocated at its exact size
    let mut attrs = Vec::new();
    c.skip_lines();
    let first_step = c.pos;
    loop {
        c.skip_lines();
        if c.at_end() {
            break;
        }
        let step = c.step(&mut attrs)?;
        hashes.push(fx_hash(step.id.node.as_bytes()));
        steps.push(step);
        if steps.len() == ESTIMATE_AFTER {
            // reserve for the rest at the average size so far, so that a large file's steps
            // are not copied at each doubling (the excess is given back below)
            let per_step = c.pos.saturating_sub(first_step) / ESTIMATE_AFTER;
            let rest = c.bytes.len().saturating_sub(c.pos) / per_step.max(1);
            steps.reserve(rest + rest / 16 + 1);
            hashes.reserve(rest + rest / 16 + 1);
        }
    }
    if steps.capacity() > steps.len() + steps.len() / 8 + ESTIMATE_AFTER {
        steps.shrink_to_fit();
    }
    hashes.sort_unstable();
    if hashes.windows(2).any(|w| w.first() == w.get(1)) {
        let mut errors = Vec::new();
        check_duplicate_steps(&steps, source, &mut errors);
        if !errors.is_empty() {
            return None;
        }
    }
    let span = id.span;
    Some(Proposal {
        source: source.clone(),
        id,
        title,
        date,
        steps,
        span,
    })
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

/// `[A-Za-z0-9_]`, the grammar's `ident_char`.
fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// A character of a bare id: `[A-Za-z0-9_.-]`.
fn is_id_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

struct Cursor<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// Scratch space for the items of the lists being read (nested lists stack theirs on
    /// top), so that each list is allocated once, at its exact size.
    items: Vec<Spanned<RawValue>>,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    /// Consumes `b` if it is the next byte.
    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Skips a `//` comment up to (not including) its line break, or to the end.
    fn skip_comment(&mut self) {
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        self.pos += rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
    }

    /// Skips whitespace and comments, not line breaks (the grammar's implicit skip).
    fn skip(&mut self) {
        self.skip_impl(false);
    }

    /// Skips whitespace, comments and line breaks; true if it passed a line break.
    fn skip_lines(&mut self) -> bool {
        self.skip_impl(true)
    }

    fn skip_impl(&mut self, lines: bool) -> bool {
        let mut saw_line = false;
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\r') => self.pos += 1,
                Some(b'\n') if lines => {
                    saw_line = true;
                    self.pos += 1;
                }
                Some(b'/') if self.bytes.get(self.pos + 1) == Some(&b'/') => self.skip_comment(),
                Some(0xEF)
                    if self.bytes.get(self.pos + 1..self.pos + 3) == Some(&[0xBB, 0xBF][..]) =>
                {
                    self.pos += 3;
                }
                _ => return saw_line,
            }
        }
    }

    /// Consumes `word` if it is next and not followed by an identifier character.
    fn keyword(&mut self, word: &[u8]) -> bool {
        let end = self.pos + word.len();
        if self.bytes.get(self.pos..end) == Some(word)
            && !self.bytes.get(end).is_some_and(|&b| is_ident_char(b))
        {
            self.pos = end;
            true
        } else {
            false
        }
    }

    /// Advances over the bytes that satisfy `f`; returns the start.
    fn take_while(&mut self, f: impl Fn(u8) -> bool) -> usize {
        let start = self.pos;
        while self.peek().is_some_and(&f) {
            self.pos += 1;
        }
        start
    }

    fn slice(&self, start: usize, end: usize) -> Option<&'a str> {
        self.text.get(start..end)
    }

    /// A string token `"..."`: its decoded text and span. `None` for an unterminated string,
    /// a raw line break, or an escape that is not certainly valid.
    fn string(&mut self) -> Option<Spanned<String>> {
        let start = self.pos;
        if !self.eat(b'"') {
            return None;
        }
        let mut escaped = false;
        loop {
            match self.peek()? {
                b'"' => break,
                b'\n' => return None,
                b'\\' => {
                    escaped = true;
                    match self.bytes.get(self.pos + 1)? {
                        b'"' | b'\\' | b'n' | b'r' | b't' => self.pos += 2,
                        b'u' => {
                            self.pos += 2;
                            if !self.eat(b'{') {
                                return None;
                            }
                            let hex = self.take_while(|b| b.is_ascii_hexdigit());
                            let digits = self.slice(hex, self.pos)?;
                            if digits.is_empty() || digits.len() > 6 || !self.eat(b'}') {
                                return None;
                            }
                            u32::from_str_radix(digits, 16)
                                .ok()
                                .and_then(char::from_u32)?;
                        }
                        _ => return None,
                    }
                }
                _ => self.pos += 1,
            }
        }
        self.pos += 1;
        let token = self.slice(start, self.pos)?;
        let node = if escaped {
            unescape(token)
        } else {
            self.slice(start + 1, self.pos - 1)?.to_string()
        };
        Some(Spanned::new(node, Span::new(start, self.pos)))
    }

    /// A name `[A-Za-z_][A-Za-z0-9_]*` (not consumed if there is none).
    fn name(&mut self) -> Option<(usize, &'a str)> {
        if !self
            .peek()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        {
            return None;
        }
        let start = self.take_while(is_ident_char);
        Some((start, self.slice(start, self.pos)?))
    }

    /// A proposal or step id: a bare id or a valid quoted one.
    fn id(&mut self) -> Option<Spanned<String>> {
        if self.peek() == Some(b'"') {
            let id = self.string()?;
            return id_problem(&id.node).is_none().then_some(id);
        }
        let start = self.take_while(is_id_char);
        if start == self.pos {
            return None;
        }
        let node = self.slice(start, self.pos)?.to_string();
        Some(Spanned::new(node, Span::new(start, self.pos)))
    }

    /// A step kind: a name or a string.
    fn kind(&mut self) -> Option<Spanned<String>> {
        if self.peek() == Some(b'"') {
            return self.string();
        }
        let (start, name) = self.name()?;
        let node = name.to_string();
        Some(Spanned::new(node, Span::new(start, self.pos)))
    }

    /// An attribute name: a name other than the keywords `step` and `proposal`, or a string.
    fn key(&mut self) -> Option<Spanned<String>> {
        if self.peek() == Some(b'"') {
            return self.string();
        }
        let (start, name) = self.name()?;
        if name == "step" || name == "proposal" {
            return None;
        }
        let node = name.to_string();
        Some(Spanned::new(node, Span::new(start, self.pos)))
    }

    /// A block `{ key: value, ... }`, each entry handed to `entry` (which returns `None` to
    /// give up). Leaves the cursor after the `}`.
    fn body(
        &mut self,
        mut entry: impl FnMut(Spanned<String>, Spanned<RawValue>) -> Option<()>,
    ) -> Option<()> {
        if !self.eat(b'{') {
            return None;
        }
        self.skip_lines();
        if self.eat(b'}') {
            return Some(());
        }
        loop {
            let key = self.key()?;
            self.skip();
            if !self.eat(b':') {
                return None;
            }
            self.skip();
            let value = self.value(0)?;
            entry(key, value)?;
            // a separator: line breaks with at most one comma among them, or nothing before `}`
            self.skip();
            let mut separated = self.skip_lines();
            if self.eat(b',') {
                separated = true;
                self.skip_lines();
            }
            if self.eat(b'}') {
                return Some(());
            }
            if !separated {
                return None;
            }
        }
    }

    /// A value; `depth` is the number of lists around it, as `text.rs` counts it.
    fn value(&mut self, depth: usize) -> Option<Spanned<RawValue>> {
        let start = self.pos;
        let node = match self.peek()? {
            b'[' => {
                if depth >= MAX_LIST_DEPTH {
                    return None;
                }
                self.pos += 1;
                self.skip_lines();
                let mark = self.items.len();
                if !self.eat(b']') {
                    loop {
                        let item = self.value(depth + 1)?;
                        self.items.push(item);
                        self.skip_lines();
                        if self.eat(b']') {
                            break;
                        }
                        if !self.eat(b',') {
                            return None;
                        }
                        self.skip_lines();
                        if self.eat(b']') {
                            break;
                        }
                    }
                }
                RawValue::List(self.items.split_off(mark))
            }
            b'"' => {
                let s = self.string()?;
                return Some(Spanned::new(RawValue::Str(s.node), s.span));
            }
            b'0'..=b'9' => {
                self.take_while(|b| b.is_ascii_digit());
                // `date = @{ ASCII_DIGIT+ ~ ("-" ~ ASCII_DIGIT+)+ ~ !ident_char }`
                let mut parts = 0;
                while self.peek() == Some(b'-')
                    && self.bytes.get(self.pos + 1).is_some_and(u8::is_ascii_digit)
                {
                    self.pos += 1;
                    self.take_while(|b| b.is_ascii_digit());
                    parts += 1;
                }
                if self.peek().is_some_and(is_ident_char) {
                    // neither a date nor an integer: an error, or an integer followed by
                    // something that cannot follow a value
                    return None;
                }
                if parts > 0 {
                    RawValue::Date(Date::parse(self.slice(start, self.pos)?).ok()?)
                } else {
                    RawValue::Int(self.slice(start, self.pos)?.parse().ok()?)
                }
            }
            b'-' => {
                self.pos += 1;
                let digits = self.take_while(|b| b.is_ascii_digit());
                if digits == self.pos || self.peek().is_some_and(is_ident_char) {
                    return None;
                }
                RawValue::Int(self.slice(start, self.pos)?.parse().ok()?)
            }
            _ => {
                let (_, name) = self.name()?;
                match name {
                    "true" => RawValue::Bool(true),
                    "false" => RawValue::Bool(false),
                    _ => RawValue::Ident(name.to_string()),
                }
            }
        };
        Some(Spanned::new(node, Span::new(start, self.pos)))
    }

    /// A step `step ID: KIND { ... }`, the cursor at `step`.
    fn step(&mut self, attrs: &mut Vec<Attr>) -> Option<Step> {
        let start = self.pos;
        if !self.keyword(b"step") {
            return None;
        }
        self.skip();
        let id = self.id()?;
        self.skip();
        if !self.eat(b':') {
            return None;
        }
        self.skip();
        let kind = self.kind()?;
        self.skip();
        let mut date = None;
        let mut note = None;
        attrs.clear();
        self.body(|key, value| {
            match key.node.as_str() {
                "date" if date.is_none() => match value.node {
                    RawValue::Date(d) => date = Some(Spanned::new(d, value.span)),
                    _ => return None,
                },
                "note" if note.is_none() => match value.node {
                    RawValue::Str(s) => note = Some(Spanned::new(s, value.span)),
                    _ => return None,
                },
                "date" | "note" | "id" | "kind" => return None,
                _ => {
                    if attrs.len() < SMALL_BODY && attrs.iter().any(|a| a.name.node == key.node) {
                        return None;
                    }
                    attrs.push(Attr { name: key, value });
                }
            }
            Some(())
        })?;
        if attrs.len() > SMALL_BODY {
            let mut names: Vec<&str> = attrs.iter().map(|a| a.name.node.as_str()).collect();
            names.sort_unstable();
            if names.windows(2).any(|w| w.first() == w.get(1)) {
                return None;
            }
        }
        let mut exact = Vec::with_capacity(attrs.len());
        exact.append(attrs);
        Some(Step {
            id,
            kind,
            date,
            note,
            attrs: exact,
            span: Span::new(start, self.pos),
        })
    }
}

#[cfg(test)]
mod tests {
    //! The fast path against the pest path: on every input, `text::parse` (fast path first)
    //! must give exactly what `text::parse_pest` gives, spans and diagnostics included, and
    //! the fast path must accept every valid proposal of the generator below.

    use std::collections::HashSet;
    use std::fmt::Write as _;

    use proptest::prelude::*;

    use super::super::text;
    use super::*;

    /// Both paths on `text`; panics with the input if they differ. True if the fast path
    /// accepted it.
    fn same(text: &str) -> bool {
        let source = SourceFile::new("x.proposal", text);
        let fast = parse(&source);
        let accepted = fast.is_some();
        let pest = text::parse_pest(source.clone());
        if let Some(p) = &fast {
            // `PartialEq for Proposal` ignores spans: compare the Debug output, which has them
            match &pest {
                Ok(q) => assert_eq!(format!("{p:#?}"), format!("{q:#?}"), "input: {text:?}"),
                Err(e) => panic!("fast path accepted {text:?}, pest rejected it: {e:#?}"),
            }
        }
        let combined = text::parse(source);
        assert_eq!(
            format!("{combined:#?}"),
            format!("{pest:#?}"),
            "input: {text:?}"
        );
        accepted
    }

    #[test]
    fn edge_cases_accepted() {
        for text in [
            "proposal p {}",
            "proposal p{}",
            "\u{FEFF}proposal p {}\n",
            "proposal-x {}",
            "proposal.x {}",
            "proposal\"x\"{}",
            "proposal step {}\nstep proposal: step {}",
            "proposal p {} step a: k {} step b: k {}",
            "proposal p {}step a:k{a:1}",
            "proposal p {}\n// trailing comment without a line break",
            "// c\n\n proposal p { // c\n title: \"t\" // c\n , // c\n date: 2026-01-01 // c\n } // c",
            "proposal p { title: \"a\\u{1F600}\\u{e9}\\u{0041}\\\"\\\\\\n\\r\\t\" }",
            "proposal p { \"title\": \"x\", \"date\": 2024-02-29 }",
            "proposal \"a\\u{2e}b\" {}",
            "proposal p {}\nstep s: k { a: 1, b: -2,\n c: [\n 1,\n [2, []],\n],\n \"my key\": x }",
            "proposal p {}\nstep s: k {\r\n\ta: truex, b: true, c: false,d:falsey\r\n}",
            "proposal p {}\nstep s: k { a: -9223372036854775808, b: 9223372036854775807, c: 007, d: -0 }",
            "proposal p {}\nstep s: k { \"\": 1, \"step\": 2, steps: 3, proposals: 4, \"id \": 5 }",
            "proposal p {}\nstep s: \"\" { \"date\": 2026-01-01, \"note\": \"\" }",
            "proposal p {}\nstep s: k { a: [ // c\n ] }",
            "proposal p {}\nstep s: k { a: [1 // c\n , 2,\n\n] }",
            "proposal p {}\nstep s: k { a: \"tab\there, cr\rthere, \u{FEFF} bom, ت\" }",
            "proposal p {}\nstep s: k {\n}\n",
            "proposal p {}\nstep s: k {,}",
            "proposal p {}\nstep s1: k {}\nstep \"s2\": k {}\nstep s-1.x: k {}",
            "proposal p {}\nstep s: k { a: 1\u{FEFF}, b: 2 }",
            "proposal p {}\nstep s: k { a: x,\n}",
        ] {
            if text.contains("{,}") {
                assert!(!same(text), "{text:?}");
                continue;
            }
            assert!(same(text), "the fast path rejected {text:?}");
        }
        let deep = format!(
            "proposal p {{}}\nstep s: k {{ a: {}{} }}",
            "[".repeat(MAX_LIST_DEPTH),
            "]".repeat(MAX_LIST_DEPTH)
        );
        assert!(same(&deep));
    }

    #[test]
    fn edge_cases_left_to_pest() {
        for text in [
            "",
            "proposal",
            "proposal p",
            "proposal p {",
            "proposalp {}",
            "proposal p\n{}",
            "proposal p {} x",
            "proposal p {}\nproposal q {}",
            "proposal p {}\nsteps s: k {}",
            "proposal p { title: x }",
            "proposal p { title: \"a\", title: \"b\" }",
            "proposal p { date: \"2026-01-01\" }",
            "proposal p { date: 2026-02-30 }",
            "proposal p { id: q }",
            "proposal p { tite: \"a\" }",
            "proposal \"\" {}",
            "proposal \"a b\" {}",
            "proposal ت {}",
            "proposal p {}\nstep s: k { a: 12abc }",
            "proposal p {}\nstep s: k { a: 2026-01-01x }",
            "proposal p {}\nstep s: k { a: 2026-01-01- }",
            "proposal p {}\nstep s: k { a: 1-2 }",
            "proposal p {}\nstep s: k { a: 1.5 }",
            "proposal p {}\nstep s: k { a: - 1 }",
            "proposal p {}\nstep s: k { a: 99999999999999999999 }",
            "proposal p {}\nstep s: k { a: -9223372036854775809 }",
            "proposal p {}\nstep s: k { a: \"\\u{+41}\" }",
            "proposal p {}\nstep s: k { a: \"\\u{110000}\" }",
            "proposal p {}\nstep s: k { a: \"\\u{}\" }",
            "proposal p {}\nstep s: k { a: \"\\u{0000041}\" }",
            "proposal p {}\nstep s: k { a: \"\\q\" }",
            "proposal p {}\nstep s: k { a: \"\\\n\" }",
            "proposal p {}\nstep s: k { a: \"abc }",
            "proposal p {}\nstep s: k { a: 1 b: 2 }",
            "proposal p {}\nstep s: k { a: 1,, b: 2 }",
            "proposal p {}\nstep s: k { a: [1 2] }",
            "proposal p {}\nstep s: k { a: [,] }",
            "proposal p {}\nstep s: k { a: [1,,] }",
            "proposal p {}\nstep s: k { a:\n1 }",
            "proposal p {}\nstep s: k { a\n: 1 }",
            "proposal p {}\nstep s: k { step: 1 }",
            "proposal p {}\nstep s: k { proposal: 1 }",
            "proposal p {}\nstep s: k { a: 1, a: 2 }",
            "proposal p {}\nstep s: k { a: 1, \"a\": 2 }",
            "proposal p {}\nstep s: k { date: 2026-01-01, \"date\": 2026-01-02 }",
            "proposal p {}\nstep s: k { note: 1 }",
            "proposal p {}\nstep s: k { id: x }",
            "proposal p {}\nstep s: k { kind: x }",
            "proposal p {}\nstep s: k {}\nstep s: k {}",
            "proposal p {}\nstep s: k {}\nstep \"s\": k {}",
            "proposal p {}\nstep s k {}",
            "proposal p {}\nstep s:\nk {}",
            "proposal p {}\nstep s: 1k {}",
            "proposal p {}\nstep s: k { a: @ }",
            "proposal p {}\nstep s: k { a: 1 } }",
            "proposal p {} / x",
        ] {
            assert!(!same(text), "the fast path accepted {text:?}");
        }
        let deep = format!(
            "proposal p {{}}\nstep s: k {{ a: {}{} }}",
            "[".repeat(MAX_LIST_DEPTH + 1),
            "]".repeat(MAX_LIST_DEPTH + 1)
        );
        assert!(!same(&deep));
        let many = (0..40).fold(String::from("proposal p {}\nstep s: k {"), |mut s, i| {
            let _ = write!(s, " a{}: {i},", i % 39);
            s
        });
        assert!(!same(&(many + "}")));
    }

    // ------------------------------------------------------------------ the generator

    /// Builds a valid proposal from a list of choices (proptest shrinks the list towards
    /// fewer and smaller choices, i.e. towards simpler proposals; missing choices are 0).
    struct Gen<'c> {
        choices: &'c [u8],
        next: usize,
        out: String,
    }

    const NAME_START: &[u8] = b"abcxyzABZ_";
    const NAME_REST: &[u8] = b"abz019_AZ";
    const ID_CHARS: &[u8] = b"as09_-.Z";
    const STR_CHARS: [&str; 17] = [
        "a", "Z", " ", "\"", "\\", "\n", "\r", "\t", "{", "}", "[", "//", "ت", "é", "😀",
        "\u{FEFF}", "\u{1}",
    ];
    const COMMENTS: [&str; 5] = ["", " note", " \"x [ { ", "// ت", " step s: k {}"];

    impl Gen<'_> {
        fn pick(&mut self, n: usize) -> usize {
            let c = self.choices.get(self.next).copied().unwrap_or(0);
            self.next += 1;
            usize::from(c) % n.max(1)
        }

        /// True with about `percent` % probability; false when the choices run out.
        fn chance(&mut self, percent: usize) -> bool {
            self.pick(100) >= 100 - percent
        }

        fn push(&mut self, s: &str) {
            self.out.push_str(s);
        }

        /// Optional whitespace on one line.
        fn ws(&mut self) {
            while self.chance(30) {
                let s = [" ", "  ", "\t", "\r", "\u{FEFF}"][self.pick(5)];
                self.push(s);
            }
        }

        /// At least one whitespace character.
        fn ws1(&mut self) {
            let s = [" ", "\t", " \r ", "\u{FEFF}"][self.pick(4)];
            self.push(s);
            self.ws();
        }

        /// Whitespace, line breaks and comments; at least one line break if `line`.
        fn gap(&mut self, line: bool) {
            self.ws();
            let mut broke = false;
            while self.chance(35) || (line && !broke) {
                match self.pick(4) {
                    0 => self.push("\n"),
                    1 => self.push("\r\n"),
                    2 => {
                        let c = COMMENTS[self.pick(COMMENTS.len())];
                        self.push("//");
                        self.push(c);
                        self.push("\n");
                    }
                    _ => self.push("\n\n"),
                }
                broke = true;
                self.ws();
            }
        }

        fn bare_name(&mut self) -> String {
            let mut s = String::new();
            s.push(char::from(NAME_START[self.pick(NAME_START.len())]));
            for _ in 0..self.pick(6) {
                s.push(char::from(NAME_REST[self.pick(NAME_REST.len())]));
            }
            s
        }

        /// Any string, written as a literal with a mix of escapes.
        fn string(&mut self, content: &str) {
            self.push("\"");
            for c in content.chars() {
                if self.chance(10) {
                    let digits = format!("{:x}", u32::from(c));
                    let pad = "0".repeat(self.pick(7 - digits.len().min(6)));
                    let hex = if self.chance(50) {
                        digits.to_uppercase()
                    } else {
                        digits
                    };
                    let _ = write!(self.out, "\\u{{{pad}{hex}}}");
                    continue;
                }
                match c {
                    '"' => self.push("\\\""),
                    '\\' => self.push("\\\\"),
                    '\n' => self.push("\\n"),
                    '\r' if self.chance(50) => self.push("\\r"),
                    '\t' if self.chance(50) => self.push("\\t"),
                    c => self.out.push(c),
                }
            }
            self.push("\"");
        }

        fn random_text(&mut self) -> String {
            (0..self.pick(8))
                .map(|_| STR_CHARS[self.pick(STR_CHARS.len())])
                .collect()
        }

        /// An id: bare, or quoted (a valid id, so the same as bare once decoded).
        fn id(&mut self, taken: &mut HashSet<String>) {
            let mut id = String::new();
            loop {
                for _ in 0..=self.pick(5) {
                    id.push(char::from(ID_CHARS[self.pick(ID_CHARS.len())]));
                }
                if !taken.contains(&id) {
                    break;
                }
            }
            taken.insert(id.clone());
            if self.chance(15) {
                self.string(&id);
            } else {
                self.push(&id);
            }
        }

        /// A key: `wanted` if given, else a fresh name; bare when it can be, else quoted.
        fn key(&mut self, wanted: Option<&str>, taken: &mut HashSet<String>) {
            let name = match wanted {
                Some(w) => w.to_string(),
                None => {
                    let mut n = if self.chance(20) {
                        self.random_text()
                    } else {
                        self.bare_name()
                    };
                    while ["date", "note", "id", "kind", "title"].contains(&n.as_str())
                        || taken.contains(&n)
                    {
                        n.push('_');
                    }
                    n
                }
            };
            taken.insert(name.clone());
            let bare = is_name(&name) && name != "step" && name != "proposal";
            if bare && !self.chance(15) {
                self.push(&name);
            } else {
                self.string(&name);
            }
        }

        fn int(&mut self) {
            let v: i64 = match self.pick(6) {
                0 => i64::MIN,
                1 => i64::MAX,
                2 => -(self.pick(1000) as i64),
                3 => {
                    i64::from(u32::from_le_bytes([
                        self.pick(256) as u8,
                        self.pick(256) as u8,
                        self.pick(256) as u8,
                        self.pick(256) as u8,
                    ])) * 1_000_003
                }
                _ => self.pick(100) as i64,
            };
            let text = v.to_string();
            match text.strip_prefix('-') {
                Some(digits) if self.chance(20) => {
                    let _ = write!(self.out, "-0{digits}");
                }
                _ if self.chance(10) => {
                    let _ = write!(self.out, "00{text}");
                    if v < 0 {
                        // `00-5` is not an integer: write it plainly
                        self.out.truncate(self.out.len() - text.len() - 2);
                        self.push(&text);
                    }
                }
                _ => self.push(&text),
            }
        }

        fn date(&mut self) {
            let y = 1 + self.pick(256) * 39;
            let m = 1 + self.pick(12);
            let d = 1 + self.pick(28);
            let _ = write!(self.out, "{y:04}-{m:02}-{d:02}");
        }

        fn value(&mut self, depth: usize) {
            match self.pick(9) {
                0 => {
                    let t = self.random_text();
                    self.string(&t);
                }
                1 => {
                    let mut n = self.bare_name();
                    if n == "true" || n == "false" {
                        n.push('x');
                    }
                    if self.chance(10) {
                        n = ["truex", "false_", "true1", "step", "proposal"][self.pick(5)].into();
                    }
                    self.push(&n);
                }
                2 => self.int(),
                3 => {
                    let b = ["true", "false"][self.pick(2)];
                    self.push(b);
                }
                4 => self.date(),
                5 | 6 if depth < MAX_LIST_DEPTH => {
                    if self.chance(3) {
                        // as deep as allowed
                        let n = MAX_LIST_DEPTH - depth;
                        self.push(&"[".repeat(n));
                        self.gap(false);
                        self.push(&"]".repeat(n));
                        return;
                    }
                    self.push("[");
                    self.gap(false);
                    let n = self.pick(5);
                    for i in 0..n {
                        self.value(depth + 1);
                        self.gap(false);
                        if i + 1 < n || self.chance(30) {
                            self.push(",");
                            self.gap(false);
                        }
                    }
                    self.push("]");
                }
                _ => {
                    let n = self.bare_name();
                    if n != "true" && n != "false" {
                        self.push(&n);
                    } else {
                        self.push("x");
                    }
                }
            }
        }

        /// A separator between two entries, or after the last one (`last`; may be empty).
        fn sep(&mut self, last: bool) {
            if last {
                if self.chance(30) {
                    self.gap(false);
                    self.push(",");
                }
                self.gap(false);
            } else if self.chance(50) {
                self.gap(true);
            } else {
                self.gap(false);
                self.push(",");
                self.gap(false);
            }
        }

        /// A body with the given entries (a key, or `None` for a fresh attribute, and a
        /// value writer).
        fn body(&mut self, entries: &[Entry]) {
            self.push("{");
            self.gap(false);
            let mut taken = HashSet::new();
            for (i, (key, value)) in entries.iter().enumerate() {
                self.key(*key, &mut taken);
                self.ws();
                self.push(":");
                self.ws();
                value(self);
                self.sep(i + 1 == entries.len());
            }
            self.push("}");
        }

        fn proposal(&mut self) -> String {
            if self.chance(20) {
                self.push("\u{FEFF}");
            }
            self.gap(false);
            self.push("proposal");
            self.ws1();
            self.id(&mut HashSet::new());
            self.ws();
            let mut header: Vec<Entry> = Vec::new();
            if self.chance(60) {
                header.push((Some("title"), |g| {
                    let t = g.random_text();
                    g.string(&t);
                }));
            }
            if self.chance(60) {
                header.push((Some("date"), |g| g.date()));
            }
            if self.chance(50) {
                header.reverse();
            }
            self.body(&header);
            let mut ids = HashSet::new();
            for _ in 0..self.pick(6) {
                self.gap(false);
                self.push("step");
                self.ws1();
                self.id(&mut ids);
                self.ws();
                self.push(":");
                self.ws();
                if self.chance(20) {
                    let k = self.random_text();
                    self.string(&k);
                } else {
                    let k = self.bare_name();
                    self.push(&k);
                }
                self.ws();
                let mut entries: Vec<Entry> = Vec::new();
                for _ in 0..self.pick(7) {
                    entries.push((None, |g| g.value(0)));
                }
                if self.chance(30) {
                    let at = self.pick(entries.len() + 1);
                    entries.insert(at, (Some("date"), |g| g.date()));
                }
                if self.chance(30) {
                    let at = self.pick(entries.len() + 1);
                    entries.insert(
                        at,
                        (Some("note"), |g| {
                            let t = g.random_text();
                            g.string(&t);
                        }),
                    );
                }
                self.body(&entries);
            }
            self.gap(false);
            if self.chance(20) {
                self.push("// the end, without a line break");
            }
            std::mem::take(&mut self.out)
        }
    }

    /// An entry of a generated body: its key (`None`: a fresh attribute name) and a
    /// function that writes its value.
    type Entry = (Option<&'static str>, fn(&mut Gen<'_>));

    fn generate(choices: &[u8]) -> String {
        Gen {
            choices,
            next: 0,
            out: String::new(),
        }
        .proposal()
    }

    /// `[A-Za-z_][A-Za-z0-9_]*`
    fn is_name(s: &str) -> bool {
        s.bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
            && s.bytes().all(is_ident_char)
    }

    /// Bytes worth inserting: the grammar's punctuation, parts of tokens, odd whitespace.
    const INSERTS: &[u8] = b"{}[]:,\"\\\n\r\t /-.0123456789aeflnprstu_@\xEF";

    fn mutate(text: &str, edits: &[(usize, u8, usize)]) -> String {
        let mut bytes = text.as_bytes().to_vec();
        for &(at, op, what) in edits {
            let at = if bytes.is_empty() {
                0
            } else {
                at % bytes.len()
            };
            let insert = INSERTS.get(what % INSERTS.len()).copied().unwrap_or(b' ');
            match op % 4 {
                0 if at < bytes.len() => {
                    bytes.remove(at);
                }
                1 => bytes.insert(at, insert),
                2 if at < bytes.len() => {
                    if let Some(b) = bytes.get_mut(at) {
                        *b = insert;
                    }
                }
                _ => bytes.truncate(at),
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

        /// Every generated proposal is valid, and the fast path accepts it with the same model
        /// as pest, spans included.
        #[test]
        fn the_fast_path_accepts_every_valid_proposal(
            choices in proptest::collection::vec(any::<u8>(), 0..600)
        ) {
            let text = generate(&choices);
            let source = SourceFile::new("x.proposal", text.as_str());
            prop_assert!(
                text::parse_pest(source).is_ok(),
                "the generator wrote an invalid proposal: {:?}", text
            );
            prop_assert!(same(&text), "the fast path rejected {:?}", text);
        }

        /// On broken proposals the result (errors included) is the pest path's.
        #[test]
        fn mutated_proposals_give_the_pest_result(
            choices in proptest::collection::vec(any::<u8>(), 0..400),
            edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<usize>()), 1..4)
        ) {
            let text = mutate(&generate(&choices), &edits);
            same(&text);
        }
    }

    /// The generator is not trivial: its proposals use every kind of value and of separator.
    #[test]
    fn the_generator_covers_the_grammar() {
        let mut all = String::new();
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..300 {
            let choices: Vec<u8> = (0..600)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state.to_le_bytes().first().copied().unwrap_or(0)
                })
                .collect();
            let text = generate(&choices);
            assert!(same(&text), "{text:?}");
            all.push_str(&text);
        }
        for needle in [
            "\u{FEFF}",
            "\r\n",
            "//",
            ",",
            "[[",
            "[]",
            "\\u{",
            "\\\"",
            "-9223372036854775808",
            "-0",
            "true",
            "false",
            "\"date\"",
            "note",
            "title",
            "step",
            "\t",
        ] {
            assert!(
                all.contains(needle),
                "no {needle:?} in the generated proposals"
            );
        }
        let deepest = "[".repeat(MAX_LIST_DEPTH);
        assert!(all.contains(&deepest), "no list at the depth limit");
    }
}
