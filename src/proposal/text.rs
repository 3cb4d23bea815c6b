//! The text form of proposals: one hand-written parser, in one pass over the bytes.
//!
//! `grammar/proposal.pest` is the normative grammar; this parser accepts exactly the inputs
//! it accepts (with the lexical rules below on top), and a property test in this file
//! holds it to that against pest itself. pest is not used at run time: its recognizer
//! alone reads this grammar at about 25 MB/s, the pairs walk included at 7-10 MB/s (see
//! `docs/performance.md`, "Text form parsing").
//!
//! What it reports, in this order of precedence:
//! 1. **lexical errors**, all of them: unterminated strings, unknown or invalid escapes,
//!    lists nested deeper than [`MAX_LIST_DEPTH`] ([`prescan`], a pass over the bytes that
//!    runs only when the parse failed; it reads strings with the parser's own [`scan_string`]);
//! 2. otherwise **the syntax error**, one: at the same offset as pest's error, with what
//!    pest would have expected there (the [`Expected`] set below mirrors pest's rules and how
//!    pest tracks its attempts);
//! 3. otherwise **the semantic errors**, all of them, fed to the shared validation in
//!    `validate.rs` (reserved keys, ids, dates, duplicates).

use super::validate::{self, Form};
use super::{MAX_LIST_DEPTH, Proposal, RawValue, Step};
use crate::diag::{Code, Diagnostic};
use crate::source::{SourceFile, Span, Spanned};

const SYNTAX_HELP: &str = "a proposal file is a header `proposal ID { title: \"...\" date: YYYY-MM-DD }` \
followed by steps `step ID: KIND { name: value ... }`";

/// After this many steps, the rest are estimated from their average size.
const ESTIMATE_AFTER: usize = 64;

/// Parses the text form.
pub(super) fn parse(source: SourceFile) -> Result<Proposal, Vec<Diagnostic>> {
    let hidden = crate::syntax::hidden_text(&source);
    if !hidden.is_empty() {
        return Err(hidden);
    }
    let text = source.text();
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        exp: Expected::NONE,
        items: Vec::new(),
        v: validate::Validator::new(&source, Form::Text),
    };
    match p.file() {
        Ok((header, steps)) => p.v.finish(header, steps),
        Err(syntax) => {
            let scan = prescan(text, &source);
            if scan.errors.is_empty() {
                Err(vec![syntax_error(syntax, &source, &scan)])
            } else {
                Err(validate::finish(scan.errors))
            }
        }
    }
}

// ------------------------------------------------------------------ what pest expects

/// Defines [`Tok`] and `Tok::ALL`.
macro_rules! toks {
    ($($t:ident),*) => {
        /// The rules of `grammar/proposal.pest` that pest can list as expected, in the
        /// grammar's order (pest sorts its list in that order). Rules pest never lists
        /// alone (`entry`, `list`, `string`, ...: their failures are reported as `key`,
        /// `value` ... or as the rule inside them) are not here.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(super) enum Tok { $($t),* }

        impl Tok {
            const ALL: &[Tok] = &[$(Tok::$t),*];
        }
    };
}

toks! { Eoi, File, Id, Kind, Key, Value, KwProposal, KwStep, Open, Close, Colon, Comma, RBracket, Nl }

impl Tok {
    fn describe(self) -> &'static str {
        match self {
            Tok::Eoi => "end of file",
            Tok::KwProposal | Tok::File => "`proposal`",
            Tok::KwStep => "a step `step ID: KIND {`",
            Tok::Open => "`{`",
            Tok::Close => "`}`",
            Tok::Colon => "`:`",
            Tok::Comma => "`,`",
            Tok::RBracket => "`]`",
            Tok::Nl => "a line break",
            Tok::Key => "an attribute name",
            Tok::Value => "a value",
            Tok::Id => "an id",
            Tok::Kind => "a step kind",
        }
    }
}

/// A set of [`Tok`]s: what pest would list as expected at an offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Expected(u32);

impl Expected {
    const NONE: Expected = Expected(0);

    fn with(self, t: Tok) -> Expected {
        Expected(self.0 | 1 << t as u32)
    }

    pub(super) fn has(self, t: Tok) -> bool {
        self.0 & (1 << t as u32) != 0
    }

    /// The members, in the grammar's order.
    pub(super) fn toks(self) -> impl Iterator<Item = Tok> {
        Tok::ALL.iter().copied().filter(move |&t| self.has(t))
    }

    #[cfg(test)]
    pub(super) fn of(toks: impl IntoIterator<Item = Tok>) -> Expected {
        toks.into_iter().fold(Expected::NONE, Expected::with)
    }
}

/// A syntax error: where, and what was expected there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Syntax {
    pub(super) pos: usize,
    pub(super) expected: Expected,
}

type PResult<T> = Result<T, Syntax>;

// ------------------------------------------------------------------ the parser

/// `[A-Za-z0-9_]`, the grammar's `ident_char`.
fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// A character of a bare id: `[A-Za-z0-9_.-]`.
fn is_id_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// What pest would have tried, and failed, at `pos` (its "attempts"): whenever the parser
    /// moves on, the set starts empty again, as pest's does at a further offset.
    exp: Expected,
    /// Scratch space for the items of the lists being read (nested lists stack theirs on
    /// top), so that each list is allocated once, at its exact size.
    items: Vec<Spanned<RawValue>>,
    v: validate::Validator<'a>,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn at(&self, i: usize) -> Option<u8> {
        self.bytes.get(i).copied()
    }

    /// Moves to `to` (past a token).
    fn advance(&mut self, to: usize) {
        self.pos = to;
        self.exp = Expected::NONE;
    }

    /// pest tried `t` here, and it failed.
    fn tried(&mut self, t: Tok) {
        self.exp = self.exp.with(t);
    }

    /// The error: `t` expected here, besides what was already tried.
    fn fail(&self, t: Tok) -> Syntax {
        Syntax {
            pos: self.pos,
            expected: self.exp.with(t),
        }
    }

    /// Skips whitespace and comments, not line breaks (the grammar's implicit skip).
    fn skip(&mut self) {
        let start = self.pos;
        let mut i = self.pos;
        loop {
            match self.at(i) {
                Some(b' ' | b'\t' | b'\r') => i += 1,
                Some(b'/') if self.at(i + 1) == Some(b'/') => {
                    let rest = self.bytes.get(i..).unwrap_or_default();
                    i += rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
                }
                Some(0xEF) if self.bytes.get(i + 1..i + 3) == Some(&[0xBB, 0xBF][..]) => {
                    i += 3;
                }
                _ => break,
            }
        }
        if i != start {
            self.advance(i);
        }
    }

    /// `nl*`: line breaks (with the skip around them); true if there was one.
    fn nls(&mut self) -> bool {
        let mut any = false;
        while self.peek() == Some(b'\n') {
            self.advance(self.pos + 1);
            self.skip();
            any = true;
        }
        self.tried(Tok::Nl);
        any
    }

    /// Consumes `byte` (a punctuation rule `t`) or fails.
    fn punct(&mut self, byte: u8, t: Tok) -> PResult<()> {
        if self.peek() == Some(byte) {
            self.advance(self.pos + 1);
            self.skip();
            Ok(())
        } else {
            Err(self.fail(t))
        }
    }

    /// Consumes the keyword `word` if it is next and not followed by an identifier character.
    fn keyword(&mut self, word: &[u8]) -> bool {
        let end = self.pos + word.len();
        if self.bytes.get(self.pos..end) == Some(word) && !self.at(end).is_some_and(is_ident_char) {
            self.advance(end);
            self.skip();
            true
        } else {
            false
        }
    }

    fn slice(&self, start: usize, end: usize) -> &'a str {
        self.text.get(start..end).unwrap_or_default()
    }

    /// The end of the run of bytes from `i` that satisfy `f`.
    fn run(&self, mut i: usize, f: impl Fn(u8) -> bool) -> usize {
        while self.at(i).is_some_and(&f) {
            i += 1;
        }
        i
    }

    /// A string token at `pos`, if a valid one starts there: decoded, with its span.
    fn string(&mut self) -> Option<Spanned<String>> {
        let start = self.pos;
        let tok = scan_string(self.text, start, None, |_| {});
        if !tok.ok {
            return None;
        }
        let node = if tok.escaped {
            unescape(self.slice(start, tok.end))
        } else {
            self.slice(start + 1, tok.end - 1).to_string()
        };
        self.advance(tok.end);
        self.skip();
        Some(Spanned::new(node, Span::new(start, tok.end)))
    }

    /// A name `[A-Za-z_][A-Za-z0-9_]*` at `pos`: its end, if there is one.
    fn name_end(&self) -> Option<usize> {
        self.peek()
            .filter(|&b| b.is_ascii_alphabetic() || b == b'_')
            .map(|_| self.run(self.pos, is_ident_char))
    }

    /// Takes the token `[pos, end)` as a name.
    fn take(&mut self, end: usize) -> Spanned<String> {
        let start = self.pos;
        let node = self.slice(start, end).to_string();
        self.advance(end);
        self.skip();
        Spanned::new(node, Span::new(start, end))
    }

    /// `id = { bare_id | string }`
    fn id(&mut self) -> PResult<Spanned<String>> {
        if self.peek() == Some(b'"') {
            return self.string().ok_or_else(|| self.fail(Tok::Id));
        }
        let end = self.run(self.pos, is_id_char);
        if end == self.pos {
            return Err(self.fail(Tok::Id));
        }
        Ok(self.take(end))
    }

    /// `kind = { name | string }`
    fn kind(&mut self) -> PResult<Spanned<String>> {
        if self.peek() == Some(b'"') {
            return self.string().ok_or_else(|| self.fail(Tok::Kind));
        }
        match self.name_end() {
            Some(end) => Ok(self.take(end)),
            None => Err(self.fail(Tok::Kind)),
        }
    }

    /// `key = { key_name | string }`, where a key name is not `step` or `proposal`; `None`
    /// (nothing consumed, `key` tried) if there is none here.
    fn key(&mut self) -> Option<Spanned<String>> {
        let key = if self.peek() == Some(b'"') {
            self.string()
        } else {
            self.name_end()
                .filter(|&end| !matches!(self.slice(self.pos, end), "step" | "proposal"))
                .map(|end| self.take(end))
        };
        if key.is_none() {
            self.tried(Tok::Key);
        }
        key
    }

    /// `file = { SOI ~ nl* ~ header ~ (nl* ~ step)* ~ nl* ~ EOI }`
    fn file(&mut self) -> PResult<(validate::Header, Vec<Step>)> {
        self.skip();
        self.nls();
        if !self.keyword(b"proposal") {
            if self.pos == 0 {
                // `file` fails where it starts, after two attempts: pest names `file` alone
                self.exp = Expected::NONE;
                return Err(self.fail(Tok::File));
            }
            return Err(self.fail(Tok::KwProposal));
        }
        let id = self.id()?;
        let mut header = self.v.header(id);
        self.body("the proposal header", |p, key, value| {
            p.v.header_entry(&mut header, key, value);
        })?;
        let mut steps = Vec::new();
        let first_step = self.pos;
        loop {
            self.nls();
            if self.peek().is_none() {
                if steps.capacity() > steps.len() + steps.len() / 8 + ESTIMATE_AFTER {
                    steps.shrink_to_fit();
                }
                return Ok((header, steps));
            }
            let start = self.pos;
            if !self.keyword(b"step") {
                self.tried(Tok::KwStep);
                return Err(self.fail(Tok::Eoi));
            }
            steps.push(self.step(start)?);
            if steps.len() == ESTIMATE_AFTER {
                // reserve for the rest at the average size so far, so that a large file's
                // steps are not copied at each doubling (the excess is given back below)
                let per_step = self.pos.saturating_sub(first_step) / ESTIMATE_AFTER;
                let rest = self.bytes.len().saturating_sub(self.pos) / per_step.max(1);
                steps.reserve(rest + rest / 16 + 1);
            }
        }
    }

    /// `step = { kw_step ~ id ~ colon ~ kind ~ body }`, after `step`.
    fn step(&mut self, start: usize) -> PResult<Step> {
        let id = self.id()?;
        self.punct(b':', Tok::Colon)?;
        let kind = self.kind()?;
        let mut step = self.v.step(id, kind);
        let end = self.body("a step", |p, key, value| {
            p.v.step_entry(&mut step, key, value)
        })?;
        Ok(self.v.end_step(step, Span::new(start, end)))
    }

    /// `body = { open ~ nl* ~ (entry ~ (sep ~ entry)* ~ sep?)? ~ nl* ~ close }`, with
    /// `sep = _{ (nl* ~ comma ~ nl*) | nl+ }` and `entry = { key ~ colon ~ value }`. Each entry
    /// goes to `entry`; returns the end of the `}`.
    fn body(
        &mut self,
        what: &str,
        mut entry: impl FnMut(&mut Self, Spanned<String>, Spanned<RawValue>),
    ) -> PResult<usize> {
        self.punct(b'{', Tok::Open)?;
        self.nls();
        let mut body = self.v.open();
        while let Some(key) = self.key() {
            self.punct(b':', Tok::Colon)?;
            let Some(value) = self.value(0)? else {
                return Err(self.fail(Tok::Value));
            };
            if self.v.fresh_key(&mut body, &key.node, key.span, what) {
                entry(self, key, value);
            }
            // a separator: line breaks with at most one comma among them; or none before `}`
            let lines = self.nls();
            if self.peek() == Some(b',') {
                self.advance(self.pos + 1);
                self.skip();
                self.nls();
            } else {
                self.tried(Tok::Comma);
                if !lines {
                    break;
                }
            }
        }
        let end = self.pos + 1;
        self.punct(b'}', Tok::Close)?;
        self.v.close(body);
        Ok(end)
    }

    /// `value = { list | string | date | int | boolean | ident }`, `depth` lists deep;
    /// `None` if none starts here (nothing consumed).
    fn value(&mut self, depth: usize) -> PResult<Option<Spanned<RawValue>>> {
        let start = self.pos;
        let (node, end) = match self.peek() {
            Some(b'[') if depth < MAX_LIST_DEPTH => return self.list(depth).map(Some),
            // deeper lists: the pre-scan reports them
            Some(b'[') => return Err(self.fail(Tok::Value)),
            Some(b'"') => {
                return Ok(self
                    .string()
                    .map(|s| Spanned::new(RawValue::Str(s.node), s.span)));
            }
            Some(b'0'..=b'9') => {
                // `date = @{ ASCII_DIGIT+ ~ ("-" ~ ASCII_DIGIT+)+ ~ !ident_char }`
                let digits = self.run(start, |b| b.is_ascii_digit());
                let mut end = digits;
                while self.at(end) == Some(b'-')
                    && self.at(end + 1).is_some_and(|b| b.is_ascii_digit())
                {
                    end = self.run(end + 1, |b| b.is_ascii_digit());
                }
                if end > digits && !self.at(end).is_some_and(is_ident_char) {
                    let text = self.slice(start, end);
                    let span = Span::new(start, end);
                    (self.v.date_literal(text, span), end)
                } else if !self.at(digits).is_some_and(is_ident_char) {
                    // `int = @{ "-"? ~ ASCII_DIGIT+ ~ !ident_char }`
                    (self.int(start, digits), digits)
                } else {
                    return Ok(None);
                }
            }
            Some(b'-') => {
                let digits = self.run(start + 1, |b| b.is_ascii_digit());
                if digits == start + 1 || self.at(digits).is_some_and(is_ident_char) {
                    return Ok(None);
                }
                (self.int(start, digits), digits)
            }
            _ => match self.name_end() {
                Some(end) => match self.slice(start, end) {
                    "true" => (RawValue::Bool(true), end),
                    "false" => (RawValue::Bool(false), end),
                    name => (RawValue::Ident(name.to_string()), end),
                },
                None => return Ok(None),
            },
        };
        self.advance(end);
        self.skip();
        Ok(Some(Spanned::new(node, Span::new(start, end))))
    }

    fn int(&mut self, start: usize, end: usize) -> RawValue {
        let text = self.slice(start, end);
        match text.parse::<i64>() {
            Ok(i) => RawValue::Int(i),
            Err(_) => {
                self.v.int_out_of_range(text, Span::new(start, end));
                RawValue::Int(0)
            }
        }
    }

    /// `list = { lbracket ~ nl* ~ (value ~ nl* ~ (comma ~ nl* ~ value ~ nl*)* ~ (comma ~
    /// nl*)?)? ~ rbracket }`
    fn list(&mut self, depth: usize) -> PResult<Spanned<RawValue>> {
        let start = self.pos;
        self.advance(start + 1);
        self.skip();
        self.nls();
        let mark = self.items.len();
        loop {
            let Some(item) = self.value(depth + 1)? else {
                self.tried(Tok::Value);
                break;
            };
            self.items.push(item);
            self.nls();
            if self.peek() != Some(b',') {
                self.tried(Tok::Comma);
                break;
            }
            self.advance(self.pos + 1);
            self.skip();
            self.nls();
        }
        let end = self.pos + 1;
        self.punct(b']', Tok::RBracket)?;
        let items: Vec<_> = self.items.drain(mark..).collect();
        Ok(Spanned::new(RawValue::List(items), Span::new(start, end)))
    }
}

// ------------------------------------------------------------------ strings

/// A scanned string literal.
struct StrTok {
    /// One past its closing quote; for an unterminated string, its line break (or the end).
    end: usize,
    /// Whether it is free of problems.
    ok: bool,
    /// Whether it has escapes to decode.
    escaped: bool,
}

/// What is wrong in a string literal.
enum StrProblem {
    /// No closing quote on its line.
    Unterminated,
    /// `\` and a line break or the end of the input, at `bs`.
    EscapeAtEnd { bs: usize },
    /// An unknown escape `[bs, end)`.
    Unknown { bs: usize, end: usize },
    /// A `\u` that is not `\u{...}` of 1 to 6 hex digits of a valid code point, `[bs, end)`.
    Unicode { bs: usize, end: usize },
}

/// Scans the string whose opening quote is at `start`: the one definition of the string
/// syntax (the grammar's `string`, plus the escapes allowed). Its text goes to `out`, if
/// given, with the escapes decoded; every problem goes to `problem`. The scan goes on after a
/// bad escape, and ends at the closing quote or at the line break (or end) of an
/// unterminated string.
fn scan_string(
    text: &str,
    start: usize,
    mut out: Option<&mut String>,
    mut problem: impl FnMut(StrProblem),
) -> StrTok {
    let bytes = text.as_bytes();
    let mut emit = |s: Option<&str>, c: Option<char>| {
        if let Some(out) = out.as_deref_mut() {
            out.push_str(s.unwrap_or_default());
            out.extend(c);
        }
    };
    let (mut i, mut from) = (start + 1, start + 1);
    let (mut ok, mut escaped) = (true, false);
    loop {
        match bytes.get(i).copied() {
            None | Some(b'\n') => {
                problem(StrProblem::Unterminated);
                return StrTok {
                    end: i,
                    ok: false,
                    escaped,
                };
            }
            Some(b'"') => {
                emit(text.get(from..i), None);
                return StrTok {
                    end: i + 1,
                    ok,
                    escaped,
                };
            }
            Some(b'\\') => {
                escaped = true;
                let bs = i;
                let c = match bytes.get(i + 1).copied() {
                    Some(b'"') => Some('"'),
                    Some(b'\\') => Some('\\'),
                    Some(b'n') => Some('\n'),
                    Some(b'r') => Some('\r'),
                    Some(b't') => Some('\t'),
                    _ => None,
                };
                match bytes.get(i + 1).copied() {
                    Some(b'"' | b'\\' | b'n' | b'r' | b't') => i += 2,
                    Some(b'u') => {
                        i += 2;
                        let mut closed = false;
                        let body_start = i + 1;
                        let mut body_end = body_start;
                        if bytes.get(i) == Some(&b'{') {
                            i += 1;
                            while let Some(&b) = bytes.get(i).filter(|&&b| b != b'"' && b != b'\n')
                            {
                                i += utf8_len(b);
                                if b == b'}' {
                                    closed = true;
                                    break;
                                }
                                body_end = i;
                                if body_end - body_start > 6 {
                                    break;
                                }
                            }
                        }
                        let c = text
                            .get(body_start..body_end)
                            .filter(|hex| closed && !hex.is_empty())
                            .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                            .and_then(char::from_u32);
                        match c {
                            Some(c) => emit(text.get(from..bs), Some(c)),
                            None => {
                                ok = false;
                                problem(StrProblem::Unicode { bs, end: i });
                            }
                        }
                        from = i;
                        continue;
                    }
                    None | Some(b'\n') => {
                        ok = false;
                        problem(StrProblem::EscapeAtEnd { bs });
                        i += 1;
                    }
                    Some(b) => {
                        ok = false;
                        i += 1 + utf8_len(b);
                        problem(StrProblem::Unknown { bs, end: i });
                    }
                }
                emit(text.get(from..bs), c);
                from = i;
            }
            Some(b) => i += utf8_len(b),
        }
    }
}

/// The length of the UTF-8 sequence that starts with `b`.
fn utf8_len(b: u8) -> usize {
    match b {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// Decodes a string token (with its quotes) that [`scan_string`] accepted.
pub(super) fn unescape(token: &str) -> String {
    let mut out = String::with_capacity(token.len());
    scan_string(token, 0, Some(&mut out), |_| {});
    out
}

// ------------------------------------------------------------------ lexical errors

/// The result of the lexical pre-scan.
struct Scan {
    errors: Vec<Diagnostic>,
    /// Offsets and bytes of every `{` and `}` outside strings and comments.
    braces: Vec<(usize, u8)>,
}

/// Every lexical error of the file: strings, escapes and lists nested too deeply.
fn prescan(text: &str, source: &SourceFile) -> Scan {
    let bytes = text.as_bytes();
    let mut errors = Vec::new();
    let mut braces = Vec::new();
    let mut depth = 0usize;
    let mut depth_reported = false;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let rest = bytes.get(i..).unwrap_or_default();
                i += rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
                continue;
            }
            b'{' | b'}' => braces.push((i, b)),
            b'[' => {
                depth += 1;
                if depth > MAX_LIST_DEPTH && !depth_reported {
                    depth_reported = true;
                    errors.push(
                        Diagnostic::error(
                            Code::ProposalSyntax,
                            "lists nested too deeply",
                            source,
                            Span::new(i, i + 1),
                            format!("more than {MAX_LIST_DEPTH} levels of `[`"),
                        )
                        .with_help("flatten the list; attribute values are at most lists of lists"),
                    );
                }
            }
            b']' => depth = depth.saturating_sub(1),
            b'"' => {
                let start = i;
                i = scan_string(text, start, None, |p| {
                    errors.push(string_problem(p, start, text, source));
                })
                .end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    Scan { errors, braces }
}

fn string_problem(p: StrProblem, start: usize, text: &str, source: &SourceFile) -> Diagnostic {
    match p {
        StrProblem::Unterminated => Diagnostic::error(
            Code::ProposalSyntax,
            "unterminated string",
            source,
            Span::new(start, start + 1),
            "this string is never closed",
        )
        .with_help(
            "add the closing `\"` before the end of the line; a string cannot span lines \
             (write `\\n` for a line break)",
        ),
        StrProblem::EscapeAtEnd { bs } => Diagnostic::error(
            Code::ProposalSyntax,
            "unknown escape at the end of a line",
            source,
            Span::new(bs, bs + 1),
            "a `\\` must be followed by an escape character",
        )
        .with_help("write `\\\\` for a backslash; a string cannot span lines"),
        StrProblem::Unknown { bs, end } => {
            let c = text.get(bs + 1..end).unwrap_or("");
            Diagnostic::error(
                Code::ProposalSyntax,
                format!("unknown escape `\\{c}`"),
                source,
                Span::new(bs, end),
                "unknown escape",
            )
            .with_help(
                "the escapes are `\\\"`, `\\\\`, `\\n`, `\\r`, `\\t` and `\\u{...}`; \
                 write `\\\\` for a backslash",
            )
        }
        StrProblem::Unicode { bs, end } => {
            let shown = text.get(bs..end).unwrap_or("\\u");
            Diagnostic::error(
                Code::ProposalSyntax,
                format!("invalid unicode escape `{shown}`"),
                source,
                Span::new(bs, end),
                "not a valid `\\u{...}` escape",
            )
            .with_help(
                "write a unicode escape as `\\u{...}` with 1 to 6 hex digits \
                 of a valid code point, e.g. `\\u{e9}`",
            )
        }
    }
}

// ------------------------------------------------------------------ the syntax error

/// "a, b or c".
fn join_or(items: &[&str]) -> String {
    match items {
        [] => "something else".to_string(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The token found at `pos`: its span and a description for the label.
fn token_at(text: &str, pos: usize) -> (Span, String) {
    let rest = text.get(pos..).unwrap_or("");
    let Some(c) = rest.chars().next() else {
        return (Span::new(pos, pos), "end of file".to_string());
    };
    if c == '\n' || rest.starts_with("\r\n") {
        return (Span::new(pos, pos + 1), "end of line".to_string());
    }
    let word_char = |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | '.');
    let len = if word_char(c) {
        rest.find(|c: char| !word_char(c)).unwrap_or(rest.len())
    } else if c == '"' {
        // the whole string on this line
        let mut end = rest.len();
        let mut escaped = false;
        for (i, ch) in rest.char_indices().skip(1) {
            if ch == '\n' {
                end = i;
                break;
            }
            if ch == '"' && !escaped {
                end = i + 1;
                break;
            }
            escaped = ch == '\\' && !escaped;
        }
        end
    } else {
        c.len_utf8()
    };
    let len = len.min(40);
    let mut end = pos + len;
    while end > pos && !text.is_char_boundary(end) {
        end -= 1;
    }
    let tok = text.get(pos..end).unwrap_or("");
    (Span::new(pos, end), format!("`{tok}`"))
}

/// The diagnostic of a syntax error: what was expected, what was found, and a help chosen
/// from what was expected.
fn syntax_error(e: Syntax, source: &SourceFile, scan: &Scan) -> Diagnostic {
    let text = source.text();
    let pos = e.pos;
    let (span, found) = token_at(text, pos);
    let mut expected = e.expected;
    if expected.has(Tok::File) {
        // `file` fails as a whole at offset 0 (e.g. an empty file): it wanted the header
        expected = Expected(expected.0 & !(1 << Tok::File as u32)).with(Tok::KwProposal);
    }
    let has = |t: Tok| expected.has(t);
    let count = expected.toks().count();
    let mut words: Vec<&str> = Vec::new();
    for t in expected.toks() {
        // a line break is only worth naming as a separator
        if t == Tok::Nl && !has(Tok::Comma) && count > 1 {
            continue;
        }
        let w = t.describe();
        if !words.contains(&w) {
            words.push(w);
        }
    }
    let label = format!("unexpected {found}");
    let line_start = text
        .get(..pos)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let line = text.get(line_start..pos).unwrap_or("").trim_start();
    let at_keyword = found == "`step`" || found == "`proposal`" || found == "end of file";

    // end of file reads best last
    if let Some(i) = words.iter().position(|w| *w == "end of file") {
        let eof = words.remove(i);
        words.push(eof);
    }
    let message = if words.is_empty() {
        format!("unexpected {found}")
    } else {
        format!("expected {}, found {found}", join_or(&words))
    };
    let prev = text.get(..pos).and_then(|t| t.chars().next_back());
    let glued = prev.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');

    let mut related = None;
    let help = if found.starts_with("`.") && prev.is_some_and(|c| c.is_ascii_digit()) {
        "numbers are integers; decimal fractions are not supported".to_string()
    } else if glued && (found.starts_with("`-") || found.starts_with("`.")) {
        "a bare name uses only letters, digits and `_`; write other text as a quoted string"
            .to_string()
    } else if found == "`proposal`" && (has(Tok::KwStep) || has(Tok::Eoi)) {
        "a file holds exactly one proposal; put each proposal in its own file".to_string()
    } else if has(Tok::KwProposal) {
        "a proposal file starts with its header, e.g. `proposal caspian-shield-2026 { title: \"...\" }`"
            .to_string()
    } else if at_keyword
        && text
            .get(pos..)
            .map(|t| t.trim_start_matches(|c: char| c.is_ascii_alphabetic()))
            .is_some_and(|t| t.trim_start_matches([' ', '\t']).starts_with(':'))
    {
        // `{ step: [turkey] }`: a keyword used as an attribute name
        format!(
            "{found} is a keyword; to use it as an attribute name, quote it: `\"{}\": ...`",
            found.trim_matches('`')
        )
    } else if has(Tok::Close) && at_keyword {
        // a block left open: point at its `{`
        let mut stack = Vec::new();
        for &(i, b) in scan.braces.iter().take_while(|(i, _)| *i < pos) {
            if b == b'{' {
                stack.push(i);
            } else {
                stack.pop();
            }
        }
        match stack.last() {
            Some(&open) => {
                related = Some(open);
                format!(
                    "add a `}}` to close the block opened on line {}",
                    source
                        .line_col(u32::try_from(open).unwrap_or(u32::MAX))
                        .line
                )
            }
            None => "add the missing `}`".to_string(),
        }
    } else if has(Tok::Colon) && line.starts_with("step") {
        "write a step as `step ID: KIND { name: value ... }`, e.g. `step ex1: exercise {`"
            .to_string()
    } else if has(Tok::Colon) {
        "put a `:` between an attribute name and its value, as in `area: caspian_sea`".to_string()
    } else if has(Tok::Close) && (has(Tok::Comma) || has(Tok::Nl)) {
        "separate attributes with a line break or a comma, and close the block with `}`".to_string()
    } else if has(Tok::RBracket) {
        "separate list items with commas and close the list with `]`".to_string()
    } else if has(Tok::Value) {
        "a value is a quoted string, a name, an integer, `true` or `false`, a date YYYY-MM-DD \
         or a list `[a, b]`"
            .to_string()
    } else if has(Tok::Id) {
        "ids use ASCII letters, digits, `_`, `-` and `.` (or are quoted strings)".to_string()
    } else if has(Tok::Key) {
        "an attribute is written `name: value`, one per line or separated by commas".to_string()
    } else if has(Tok::Kind) {
        "a step kind is a name such as `exercise`".to_string()
    } else if has(Tok::Open) {
        "open the block with `{`, as in `step ex1: exercise {` (an empty block is `{}`)".to_string()
    } else {
        SYNTAX_HELP.to_string()
    };
    let mut d =
        Diagnostic::error(Code::ProposalSyntax, message, source, span, label).with_help(help);
    if let Some(open) = related {
        d = d.with_related(
            source,
            Span::new(open, open + 1),
            "this `{` is never closed",
        );
    }
    d
}

#[cfg(test)]
mod against_pest {
    //! The parser against pest on the normative grammar (`grammar/proposal.pest`): on every
    //! input, [`parse`] must give exactly what the pipeline "pre-scan, then pest, then the
    //! pairs fed to the same validation" gives: the same model (spans included) or the same
    //! diagnostics (pest's error at the same offset, with the same list of what it expected).

    use std::collections::HashSet;
    use std::fmt::Write as _;

    use pest::Parser as _;
    use pest::error::{ErrorVariant, InputLocation};
    use pest::iterators::Pair;
    use proptest::prelude::*;

    use super::*;
    use crate::proposal::validate::{Header, Validator};

    #[derive(pest_derive::Parser)]
    #[grammar = "../grammar/proposal.pest"]
    struct Grammar;

    fn tok(r: Rule) -> Tok {
        match r {
            Rule::EOI => Tok::Eoi,
            Rule::file => Tok::File,
            Rule::id => Tok::Id,
            Rule::kind => Tok::Kind,
            Rule::key => Tok::Key,
            Rule::value => Tok::Value,
            Rule::kw_proposal => Tok::KwProposal,
            Rule::kw_step => Tok::KwStep,
            Rule::open => Tok::Open,
            Rule::close => Tok::Close,
            Rule::colon => Tok::Colon,
            Rule::comma => Tok::Comma,
            Rule::rbracket => Tok::RBracket,
            Rule::nl => Tok::Nl,
            other => panic!("pest expected {other:?}, which the parser never reports"),
        }
    }

    fn span_of(pair: &Pair<'_, Rule>) -> Span {
        Span::from_pest(pair.as_span())
    }

    /// An id, kind or key pair.
    fn name(pair: Pair<'_, Rule>) -> Spanned<String> {
        let span = span_of(&pair);
        let text = match pair.into_inner().next() {
            Some(p) if p.as_rule() == Rule::string => unescape(p.as_str()),
            Some(p) => p.as_str().to_string(),
            None => String::new(),
        };
        Spanned::new(text, span)
    }

    fn value(v: &mut Validator<'_>, pair: Pair<'_, Rule>) -> Spanned<RawValue> {
        let span = span_of(&pair);
        let inner = pair.into_inner().next().unwrap();
        let text = inner.as_str();
        let node = match inner.as_rule() {
            Rule::string => RawValue::Str(unescape(text)),
            Rule::ident => RawValue::Ident(text.to_string()),
            Rule::boolean => RawValue::Bool(text == "true"),
            Rule::int => text.parse().map(RawValue::Int).unwrap_or_else(|_| {
                v.int_out_of_range(text, span);
                RawValue::Int(0)
            }),
            Rule::date => v.date_literal(text, span),
            Rule::list => RawValue::List(
                inner
                    .into_inner()
                    .filter(|p| p.as_rule() == Rule::value)
                    .map(|p| value(v, p))
                    .collect(),
            ),
            other => panic!("{other:?} in a value"),
        };
        Spanned::new(node, span)
    }

    fn body(
        v: &mut Validator<'_>,
        pair: Pair<'_, Rule>,
        what: &str,
        mut entry: impl FnMut(&mut Validator<'_>, Spanned<String>, Spanned<RawValue>),
    ) {
        let mut b = v.open();
        for e in pair.into_inner().filter(|p| p.as_rule() == Rule::entry) {
            let mut it = e.into_inner().filter(|p| p.as_rule() != Rule::colon);
            let key = name(it.next().unwrap());
            let val = value(v, it.next().unwrap());
            if v.fresh_key(&mut b, &key.node, key.span, what) {
                entry(v, key, val);
            }
        }
        v.close(b);
    }

    /// What the pest pipeline gives.
    fn reference(source: &SourceFile) -> Result<Proposal, Vec<Diagnostic>> {
        // The file-level rule that comes before the grammar (syntax/hidden.rs): the
        // grammar is normative for files without hidden line breaks or bidi controls.
        let hidden = crate::syntax::hidden_text(source);
        if !hidden.is_empty() {
            return Err(hidden);
        }
        let scan = prescan(source.text(), source);
        if !scan.errors.is_empty() {
            return Err(validate::finish(scan.errors));
        }
        let file = match Grammar::parse(Rule::file, source.text()) {
            Ok(mut pairs) => pairs.next().unwrap(),
            Err(e) => {
                let pos = match e.location {
                    InputLocation::Pos(p) | InputLocation::Span((p, _)) => p,
                };
                let ErrorVariant::ParsingError { positives, .. } = e.variant else {
                    panic!("{e}")
                };
                let expected = Expected::of(positives.into_iter().map(tok));
                return Err(vec![syntax_error(Syntax { pos, expected }, source, &scan)]);
            }
        };
        let mut v = Validator::new(source, Form::Text);
        let mut header: Option<Header> = None;
        let mut steps = Vec::new();
        for pair in file.into_inner() {
            match pair.as_rule() {
                Rule::header => {
                    let mut it = pair.into_inner();
                    it.next(); // `proposal`
                    let mut h = v.header(name(it.next().unwrap()));
                    body(
                        &mut v,
                        it.next().unwrap(),
                        "the proposal header",
                        |v, k, x| {
                            v.header_entry(&mut h, k, x);
                        },
                    );
                    header = Some(h);
                }
                Rule::step => {
                    let span = span_of(&pair);
                    let mut it = pair.into_inner().filter(|p| p.as_rule() != Rule::colon);
                    it.next(); // `step`
                    let id = name(it.next().unwrap());
                    let kind = name(it.next().unwrap());
                    let mut s = v.step(id, kind);
                    body(&mut v, it.next().unwrap(), "a step", |v, k, x| {
                        v.step_entry(&mut s, k, x);
                    });
                    steps.push(v.end_step(s, span));
                }
                _ => {}
            }
        }
        v.finish(header.unwrap(), steps)
    }

    /// Both on `text`; panics with the input if they differ. True if it is a valid proposal.
    fn agree(text: &str) -> bool {
        let source = SourceFile::new("x.proposal", text);
        let ours = parse(source.clone());
        let theirs = reference(&source);
        // `PartialEq for Proposal` ignores spans: compare the Debug output, which has them
        assert_eq!(
            format!("{ours:#?}"),
            format!("{theirs:#?}"),
            "input: {text:?}"
        );
        ours.is_ok()
    }

    #[test]
    fn edge_cases() {
        let valid = [
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
            "proposal p {}\nstep s: k { a: \"tab\there, \u{FEFF} bom, ت\" }",
            "proposal p {}\nstep s: k {\n}\n",
            "proposal p {}\nstep s1: k {}\nstep \"s2\": k {}\nstep s-1.x: k {}",
            "proposal p {}\nstep s: k { a: 1\u{FEFF}, b: 2 }",
            "proposal p {}\nstep s: k { a: x,\n}",
            "proposal p {}\nstep s: k { a: \"\\u{+41}\" }",
        ];
        for text in valid {
            assert!(agree(text), "rejected {text:?}");
        }
        let invalid = [
            "proposal p {}\nstep s: k { a: \"cr\rthere\" }",
            "proposal p {}\n// note\rstep s: exercise {}\n",
            "proposal p {}\n// \u{202e}\nstep s: k {}\n",
            "proposal p {}\u{b}",
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
            "proposal p {}\nstep s: k {,}",
            "proposal p {}\nstep s: k { a: 12abc }",
            "proposal p {}\nstep s: k { a: 2026-01-01x }",
            "proposal p {}\nstep s: k { a: 2026-01-01- }",
            "proposal p {}\nstep s: k { a: 1-2 }",
            "proposal p {}\nstep s: k { a: 1.5 }",
            "proposal p {}\nstep s: k { a: - 1 }",
            "proposal p {}\nstep s: k { a: 99999999999999999999 }",
            "proposal p {}\nstep s: k { a: -9223372036854775809 }",
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
            "proposal p {}\nstep s: k { a: [1, 2 }",
            "proposal p {}\nstep s: k {\n  a: 1\n\nstep t: k {}\n",
            "   \n\n",
            "\u{FEFF}",
            "// only a comment",
            "step s: k {}",
        ];
        for text in invalid {
            assert!(!agree(text), "accepted {text:?}");
        }
        let nested = |n: usize| {
            format!(
                "proposal p {{}}\nstep s: k {{ a: {}{} }}",
                "[".repeat(n),
                "]".repeat(n)
            )
        };
        assert!(agree(&nested(MAX_LIST_DEPTH)));
        assert!(!agree(&nested(MAX_LIST_DEPTH + 1)));
        let many = (0..40).fold(String::from("proposal p {}\nstep s: k {"), |mut s, i| {
            let _ = write!(s, " a{}: {i},", i % 39);
            s
        });
        assert!(!agree(&(many + "}")));
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
                // No lone CR: a file with one is rejected before the grammar (hidden.rs).
                let s = [" ", "  ", "\t", "\t ", "\u{FEFF}"][self.pick(5)];
                self.push(s);
            }
        }

        /// At least one whitespace character.
        fn ws1(&mut self) {
            let s = [" ", "\t", " \t ", "\u{FEFF}"][self.pick(4)];
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
                    // A raw CR in a string is a hidden line break (rejected): always escaped.
                    '\r' => self.push("\\r"),
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

        /// Every generated proposal is valid, for both.
        #[test]
        fn valid_proposals_agree(choices in proptest::collection::vec(any::<u8>(), 0..600)) {
            let text = generate(&choices);
            prop_assert!(agree(&text), "rejected {:?}", text);
        }

        /// Broken proposals: the same diagnostics.
        #[test]
        fn mutated_proposals_agree(
            choices in proptest::collection::vec(any::<u8>(), 0..400),
            edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<usize>()), 1..4)
        ) {
            agree(&mutate(&generate(&choices), &edits));
        }

        /// Proposal-like token soup.
        #[test]
        fn token_soup_agrees(
            s in "(proposal|step|[a-z]{1,4}|[{}\\[\\]:,\"\\\\\n ]|-?[0-9]{1,5}|2026-0[0-9]-[0-3][0-9]|//|\u{FEFF}|ت|\r){0,40}"
        ) {
            agree(&s);
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
            assert!(agree(&text), "{text:?}");
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
