//! The text form of proposals (`grammar/proposal.pest`).
//!
//! Valid files take a fast path first: `fast_text.rs` parses the error-free subset of the
//! grammar in one pass over the bytes, and gives up (`None`) on anything else. The pest path
//! below then parses the file again and reports its errors; on the inputs the fast path
//! accepts, both give the same `Proposal`, spans included.
//!
//! The pest path runs in three passes:
//! 1. a small lexical pre-scan that reports unterminated strings, bad escapes and lists nested
//!    too deeply (so that pest never recurses deeply and string errors read well);
//! 2. pest, whose single error is turned into a readable diagnostic;
//! 3. a walk over the pairs that builds the model and reports the semantic errors (dates,
//!    duplicate keys and step ids, reserved keys, invalid ids), all of them.

use std::collections::HashMap;

use pest::Parser as _;
use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;

use super::{
    Attr, MAX_LIST_DEPTH, Proposal, RawValue, Step, check_duplicate_steps, check_id, duplicate_key,
    finish, parse_date,
};
use crate::date::Date;
use crate::diag::{Code, Diagnostic, did_you_mean};
use crate::source::{SourceFile, Span, Spanned};

#[derive(pest_derive::Parser, Debug)]
#[grammar = "../grammar/proposal.pest"]
struct ProposalParser;

const SYNTAX_HELP: &str = "a proposal file is a header `proposal ID { title: \"...\" date: YYYY-MM-DD }` \
followed by steps `step ID: KIND { name: value ... }`";

pub(super) fn parse(source: SourceFile) -> Result<Proposal, Vec<Diagnostic>> {
    match super::fast_text::parse(&source) {
        Some(p) => Ok(p),
        None => parse_pest(source),
    }
}

/// The pest path alone: pre-scan, pest, then the walk over the pairs.
pub(super) fn parse_pest(source: SourceFile) -> Result<Proposal, Vec<Diagnostic>> {
    let text = source.text();
    let scan = prescan(text, &source);
    if !scan.errors.is_empty() {
        return Err(finish(scan.errors));
    }
    let file = match ProposalParser::parse(Rule::file, text) {
        Ok(mut pairs) => match pairs.next() {
            Some(file) => file,
            None => {
                return Err(vec![Diagnostic::error(
                    Code::ProposalSyntax,
                    "empty parse",
                    &source,
                    Span::default(),
                    "",
                )]);
            }
        },
        Err(e) => return Err(vec![convert_pest_error(&e, &source, &scan)]),
    };
    let mut b = Builder {
        source: &source,
        errors: Vec::new(),
    };
    let mut header = None;
    let mut steps = Vec::new();
    for pair in file.into_inner() {
        match pair.as_rule() {
            Rule::header => header = Some(b.header(pair)),
            Rule::step => steps.push(b.step(pair)),
            _ => {}
        }
    }
    let Some(header) = header else {
        // The grammar requires a header; this is only a safety net.
        return Err(vec![
            Diagnostic::error(
                Code::ProposalSyntax,
                "missing proposal header",
                &source,
                Span::default(),
                "expected `proposal ID { ... }`",
            )
            .with_help(SYNTAX_HELP),
        ]);
    };
    check_duplicate_steps(&steps, &source, &mut b.errors);
    if !b.errors.is_empty() {
        return Err(finish(b.errors));
    }
    Ok(Proposal {
        source: source.clone(),
        id: header.id,
        title: header.title,
        date: header.date,
        steps,
        span: header.span,
    })
}

// ------------------------------------------------------------------ pass 1: pre-scan

/// The result of the lexical pre-scan.
struct Scan {
    errors: Vec<Diagnostic>,
    /// Offsets and bytes of every `{` and `}` outside strings and comments.
    braces: Vec<(usize, u8)>,
}

fn prescan(text: &str, source: &SourceFile) -> Scan {
    let mut errors = Vec::new();
    let mut braces = Vec::new();
    let mut depth = 0usize;
    let mut depth_reported = false;
    let mut it = text.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        match c {
            '/' if it.peek().map(|&(_, c)| c) == Some('/') => {
                while it.next_if(|&(_, c)| c != '\n').is_some() {}
            }
            '{' => braces.push((i, b'{')),
            '}' => braces.push((i, b'}')),
            '[' => {
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
            ']' => depth = depth.saturating_sub(1),
            '"' => scan_string(text, i, &mut it, source, &mut errors),
            _ => {}
        }
    }
    Scan { errors, braces }
}

/// Scans a string whose opening quote is at `start`, leaving `it` after its closing quote (or
/// at the line break that ends an unterminated string).
fn scan_string(
    text: &str,
    start: usize,
    it: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
    source: &SourceFile,
    errors: &mut Vec<Diagnostic>,
) {
    let unterminated = |errors: &mut Vec<Diagnostic>| {
        errors.push(
            Diagnostic::error(
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
        );
    };
    loop {
        match it.peek().copied() {
            None | Some((_, '\n')) => {
                unterminated(errors);
                return;
            }
            Some((_, '"')) => {
                it.next();
                return;
            }
            Some((bs, '\\')) => {
                it.next();
                match it.peek().copied() {
                    Some((_, '"' | '\\' | 'n' | 'r' | 't')) => {
                        it.next();
                    }
                    Some((_, 'u')) => {
                        it.next();
                        let mut end = bs + 2;
                        let mut body = String::new();
                        let mut closed = false;
                        if it.next_if(|&(_, c)| c == '{').is_some() {
                            end += 1;
                            while let Some((j, c)) = it.next_if(|&(_, c)| c != '"' && c != '\n') {
                                end = j + c.len_utf8();
                                if c == '}' {
                                    closed = true;
                                    break;
                                }
                                body.push(c);
                                if body.len() > 6 {
                                    break;
                                }
                            }
                        }
                        let valid = closed
                            && !body.is_empty()
                            && u32::from_str_radix(&body, 16)
                                .ok()
                                .and_then(char::from_u32)
                                .is_some();
                        if !valid {
                            let shown = text.get(bs..end).unwrap_or("\\u");
                            errors.push(
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
                                ),
                            );
                        }
                    }
                    Some((_, '\n')) | None => {
                        errors.push(
                            Diagnostic::error(
                                Code::ProposalSyntax,
                                "unknown escape at the end of a line",
                                source,
                                Span::new(bs, bs + 1),
                                "a `\\` must be followed by an escape character",
                            )
                            .with_help("write `\\\\` for a backslash; a string cannot span lines"),
                        );
                    }
                    Some((j, c)) => {
                        it.next();
                        let end = j + c.len_utf8();
                        errors.push(
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
                            ),
                        );
                    }
                }
            }
            Some(_) => {
                it.next();
            }
        }
    }
}

/// Decodes a string token (with its quotes); escapes were validated by the pre-scan.
pub(super) fn unescape(token: &str) -> String {
    let inner = token
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(token);
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('u') => {
                let rest = chars.as_str();
                let decoded = rest
                    .strip_prefix('{')
                    .and_then(|r| r.split_once('}'))
                    .and_then(|(hex, _)| u32::from_str_radix(hex, 16).ok())
                    .and_then(char::from_u32);
                match decoded {
                    Some(ch) => {
                        out.push(ch);
                        if let Some(close) = rest.find('}') {
                            chars = rest.get(close + 1..).unwrap_or("").chars();
                        }
                    }
                    None => out.push_str("\\u"),
                }
            }
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

// ------------------------------------------------------------------ pass 2: pest errors

fn describe_rule(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::EOI => "end of file",
        Rule::header => "the proposal header `proposal ID {`",
        Rule::kw_proposal => "`proposal`",
        Rule::step | Rule::kw_step => "a step `step ID: KIND {`",
        Rule::body | Rule::open => "`{`",
        Rule::close => "`}`",
        Rule::colon => "`:`",
        Rule::comma => "`,`",
        Rule::lbracket => "`[`",
        Rule::rbracket => "`]`",
        Rule::nl => "a line break",
        Rule::entry => "an attribute `name: value`",
        Rule::key | Rule::key_name => "an attribute name",
        Rule::value | Rule::list => "a value",
        Rule::string => "a string",
        Rule::date => "a date",
        Rule::int => "an integer",
        Rule::boolean => "`true` or `false`",
        Rule::ident | Rule::name => "a name",
        Rule::id | Rule::bare_id => "an id",
        Rule::kind => "a step kind",
        _ => return None,
    })
}

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

fn convert_pest_error(
    e: &pest::error::Error<Rule>,
    source: &SourceFile,
    scan: &Scan,
) -> Diagnostic {
    let text = source.text();
    let pos = match e.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let (span, found) = token_at(text, pos);
    if let ErrorVariant::CustomError { message } = &e.variant {
        if message.contains("limit reached") {
            return crate::parse::limit_error(source, span, message);
        }
    }
    let mut positives: Vec<Rule> = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    for r in &mut positives {
        // `file` fails as a whole at offset 0 (e.g. an empty file): it wanted the header
        if *r == Rule::file {
            *r = Rule::kw_proposal;
        }
    }
    let has = |r: Rule| positives.contains(&r);
    let mut words: Vec<&str> = Vec::new();
    for r in &positives {
        // a line break is only worth naming as a separator
        if *r == Rule::nl && !has(Rule::comma) && positives.len() > 1 {
            continue;
        }
        if let Some(w) = describe_rule(*r) {
            if !words.contains(&w) {
                words.push(w);
            }
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
    } else if found == "`proposal`" && (has(Rule::step) || has(Rule::EOI)) {
        "a file holds exactly one proposal; put each proposal in its own file".to_string()
    } else if has(Rule::header) || has(Rule::kw_proposal) {
        "a proposal file starts with its header, e.g. `proposal caspian-shield-2026 { title: \"...\" }`"
            .to_string()
    } else if has(Rule::close) && at_keyword {
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
    } else if has(Rule::colon) && line.starts_with("step") && !has(Rule::entry) {
        "write a step as `step ID: KIND { name: value ... }`, e.g. `step ex1: exercise {`"
            .to_string()
    } else if has(Rule::colon) {
        "put a `:` between an attribute name and its value, as in `area: caspian_sea`".to_string()
    } else if has(Rule::close) && (has(Rule::comma) || has(Rule::nl)) {
        "separate attributes with a line break or a comma, and close the block with `}`".to_string()
    } else if has(Rule::rbracket) {
        "separate list items with commas and close the list with `]`".to_string()
    } else if has(Rule::value) || has(Rule::list) {
        "a value is a quoted string, a name, an integer, `true` or `false`, a date YYYY-MM-DD \
         or a list `[a, b]`"
            .to_string()
    } else if has(Rule::id) || has(Rule::bare_id) {
        "ids use ASCII letters, digits, `_`, `-` and `.` (or are quoted strings)".to_string()
    } else if has(Rule::entry) || has(Rule::key) {
        "an attribute is written `name: value`, one per line or separated by commas".to_string()
    } else if has(Rule::kind) {
        "a step kind is a name such as `exercise`".to_string()
    } else if has(Rule::open) || has(Rule::body) {
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

// ------------------------------------------------------------------ pass 3: the model

struct Builder<'s> {
    source: &'s SourceFile,
    errors: Vec<Diagnostic>,
}

struct Header {
    id: Spanned<String>,
    title: Option<Spanned<String>>,
    date: Option<Spanned<Date>>,
    span: Span,
}

fn span_of(pair: &Pair<'_, Rule>) -> Span {
    Span::from_pest(pair.as_span())
}

impl Builder<'_> {
    /// An id, kind or key: a bare token or a quoted string.
    fn name(&self, pair: Pair<'_, Rule>) -> Spanned<String> {
        let span = span_of(&pair);
        let inner = pair.into_inner().next();
        let text = match inner {
            Some(p) if p.as_rule() == Rule::string => unescape(p.as_str()),
            Some(p) => p.as_str().to_string(),
            None => String::new(),
        };
        Spanned::new(text, span)
    }

    /// The entries of a body: `(key, value)` pairs, duplicates reported and dropped.
    fn body(
        &mut self,
        pair: Pair<'_, Rule>,
        what: &str,
    ) -> Vec<(Spanned<String>, Spanned<RawValue>)> {
        let mut out: Vec<(Spanned<String>, Spanned<RawValue>)> = Vec::new();
        let mut seen: HashMap<String, Span> = HashMap::new();
        for entry in pair.into_inner().filter(|p| p.as_rule() == Rule::entry) {
            let mut key = None;
            let mut value = None;
            for p in entry.into_inner() {
                match p.as_rule() {
                    Rule::key => key = Some(self.name(p)),
                    Rule::value => value = Some(self.value(p, 0)),
                    _ => {}
                }
            }
            let (Some(key), Some(value)) = (key, value) else {
                continue;
            };
            if let Some(first) = seen.get(&key.node) {
                self.errors.push(duplicate_key(
                    &key.node,
                    what,
                    self.source,
                    key.span,
                    *first,
                ));
                continue;
            }
            seen.insert(key.node.clone(), key.span);
            out.push((key, value));
        }
        out
    }

    fn value(&mut self, pair: Pair<'_, Rule>, depth: usize) -> Spanned<RawValue> {
        let span = span_of(&pair);
        let inner = if pair.as_rule() == Rule::value {
            pair.into_inner().next()
        } else {
            Some(pair)
        };
        let Some(inner) = inner else {
            return Spanned::new(RawValue::Str(String::new()), span);
        };
        let text = inner.as_str();
        let node = match inner.as_rule() {
            Rule::string => RawValue::Str(unescape(text)),
            Rule::ident => RawValue::Ident(text.to_string()),
            Rule::boolean => RawValue::Bool(text == "true"),
            Rule::int => match text.parse::<i64>() {
                Ok(i) => RawValue::Int(i),
                Err(_) => {
                    self.errors.push(
                        Diagnostic::error(
                            Code::ProposalSyntax,
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
                    RawValue::Int(0)
                }
            },
            Rule::date => match parse_date(text, self.source, span, &mut self.errors) {
                Some(d) => RawValue::Date(d),
                None => RawValue::Str(text.to_string()),
            },
            Rule::list if depth < MAX_LIST_DEPTH => RawValue::List(
                inner
                    .into_inner()
                    .filter(|p| p.as_rule() == Rule::value)
                    .map(|p| self.value(p, depth + 1))
                    .collect(),
            ),
            // Deeper lists are rejected by the pre-scan; never recurse further.
            _ => RawValue::List(Vec::new()),
        };
        Spanned::new(node, span)
    }

    fn wrong_type(
        &mut self,
        key: &Spanned<String>,
        value: &Spanned<RawValue>,
        expected: &str,
        help: &str,
    ) {
        self.errors.push(
            Diagnostic::error(
                Code::WrongType,
                format!("`{}` must be {expected}", key.node),
                self.source,
                value.span,
                format!("expected {expected}, found {}", value.node.describe()),
            )
            .with_help(help.to_string()),
        );
    }

    /// The reserved `date` key: a date literal.
    fn reserved_date(
        &mut self,
        key: &Spanned<String>,
        value: Spanned<RawValue>,
    ) -> Option<Spanned<Date>> {
        match value.node {
            RawValue::Date(d) => Some(Spanned::new(d, value.span)),
            RawValue::Str(ref s) if self.source.slice(value.span).starts_with('"') => {
                let help = format!("write the date without quotes: `date: {s}`");
                self.wrong_type(key, &value, "a date YYYY-MM-DD", &help);
                None
            }
            // an invalid date literal was already reported
            RawValue::Str(_) => None,
            _ => {
                self.wrong_type(
                    key,
                    &value,
                    "a date YYYY-MM-DD",
                    "write a date such as `date: 2026-09-15`",
                );
                None
            }
        }
    }

    /// A reserved string key (`title`, `note`).
    fn reserved_string(
        &mut self,
        key: &Spanned<String>,
        value: Spanned<RawValue>,
    ) -> Option<Spanned<String>> {
        match value.node {
            RawValue::Str(s) => Some(Spanned::new(s, value.span)),
            _ => {
                let help = format!("quote the text: `{}: \"...\"`", key.node);
                self.wrong_type(key, &value, "a quoted string", &help);
                None
            }
        }
    }

    fn header(&mut self, pair: Pair<'_, Rule>) -> Header {
        let mut id = Spanned::new(String::new(), span_of(&pair));
        let mut title = None;
        let mut date = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::id => {
                    id = self.name(p);
                    check_id("proposal", &id, self.source, &mut self.errors);
                }
                Rule::body => {
                    for (key, value) in self.body(p, "the proposal header") {
                        match key.node.as_str() {
                            "title" => title = self.reserved_string(&key, value),
                            "date" => date = self.reserved_date(&key, value),
                            "id" => self.errors.push(duplicate_key(
                                "id",
                                "the proposal header",
                                self.source,
                                key.span,
                                id.span,
                            )),
                            other => {
                                let help = match did_you_mean(other, ["title", "date"]) {
                                    Some(s) => format!("did you mean `{s}`?"),
                                    None => "the header holds only `title` and `date`; \
                                             attributes belong in a step"
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
                }
                _ => {}
            }
        }
        let span = id.span;
        Header {
            id,
            title,
            date,
            span,
        }
    }

    fn step(&mut self, pair: Pair<'_, Rule>) -> Step {
        let span = span_of(&pair);
        let mut id = Spanned::new(String::new(), span);
        let mut kind = Spanned::new(String::new(), span);
        let mut date = None;
        let mut note = None;
        let mut attrs = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::id => {
                    id = self.name(p);
                    check_id("step", &id, self.source, &mut self.errors);
                }
                Rule::kind => kind = self.name(p),
                Rule::body => {
                    for (key, value) in self.body(p, "a step") {
                        match key.node.as_str() {
                            "date" => date = self.reserved_date(&key, value),
                            "note" => note = self.reserved_string(&key, value),
                            "id" | "kind" => {
                                let first = if key.node == "id" { id.span } else { kind.span };
                                self.errors.push(
                                    duplicate_key(
                                        &key.node,
                                        "a step",
                                        self.source,
                                        key.span,
                                        first,
                                    )
                                    .with_help(format!(
                                        "the step's {} is given in its header `step ID: KIND {{`; \
                                             remove this line",
                                        key.node
                                    )),
                                );
                            }
                            _ => attrs.push(Attr { name: key, value }),
                        }
                    }
                }
                _ => {}
            }
        }
        Step {
            id,
            kind,
            date,
            note,
            attrs,
            span,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::proposal::test_util::{at, errs_with, ok_with};
    use crate::source::LineCol;

    fn errs(text: &str) -> Vec<Diagnostic> {
        errs_with(Proposal::parse, text)
    }

    fn ok(text: &str) -> Proposal {
        ok_with(Proposal::parse, text)
    }

    #[test]
    fn parses_the_design_example() {
        let p = ok(r#"
// comments with // to end of line
proposal caspian-shield-2026 {
  title: "Caspian Shield joint naval exercise"
  date: 2026-09-15
}

step ex1: exercise {
  participants: [turkey, azerbaijan, kazakhstan]
  area: caspian_sea
  framework: ots
  armed: true
  note: "first phase"
  date: 2026-09-20
}

step f1: transit_flight {
  operator: turkey
  route: [turkey, georgia, azerbaijan, caspian_sea, kazakhstan]
  cargo: [equipment]
  permits: [georgia, azerbaijan]
}
"#);
        assert_eq!(p.id.node, "caspian-shield-2026");
        assert_eq!(p.source.slice(p.span), "caspian-shield-2026");
        assert_eq!(
            p.title.as_ref().unwrap().node,
            "Caspian Shield joint naval exercise"
        );
        assert_eq!(p.date.unwrap().node.to_string(), "2026-09-15");
        assert_eq!(p.steps.len(), 2);
        let ex1 = &p.steps[0];
        assert_eq!(ex1.kind.node, "exercise");
        assert_eq!(ex1.date.as_ref().unwrap().node.to_string(), "2026-09-20");
        assert_eq!(ex1.note.as_ref().unwrap().node, "first phase");
        assert_eq!(ex1.attrs.len(), 4);
        assert_eq!(ex1.attrs[3].value.node, RawValue::Bool(true));
        assert_eq!(
            p.source.line_col(ex1.span.start),
            LineCol { line: 8, column: 1 }
        );
        assert!(p.source.slice(ex1.span).starts_with("step ex1"));
        assert!(p.source.slice(ex1.span).ends_with('}'));
        let RawValue::List(route) = &p.steps[1].attrs[1].value.node else {
            panic!()
        };
        assert_eq!(route.len(), 5);
        assert_eq!(p.source.slice(route[4].span), "kazakhstan");
    }

    #[test]
    fn separators_lists_and_quoted_names() {
        let p = ok("proposal \"x.y\" {title: \"t\", date: 2026-01-01,}\n\
                    step s1: \"odd kind\" { a: 1, b: -2,\n c: [\n 1,\n [2, []],\n],\n \"my key\": x }\
                    step s2: k {}");
        assert_eq!(p.id.node, "x.y");
        assert_eq!(p.steps[0].kind.node, "odd kind");
        assert_eq!(p.steps[0].attrs[3].name.node, "my key");
        assert_eq!(
            p.steps[0].attrs[2].value.node.normalized(),
            RawValue::List(vec![
                Spanned::new(RawValue::Int(1), Span::default()),
                Spanned::new(
                    RawValue::List(vec![
                        Spanned::new(RawValue::Int(2), Span::default()),
                        Spanned::new(RawValue::List(vec![]), Span::default()),
                    ]),
                    Span::default()
                ),
            ])
        );
        assert!(p.steps[1].attrs.is_empty());
    }

    #[test]
    fn bom_crlf_and_arabic_text() {
        let text = "\u{FEFF}proposal p {\r\n  title: \"شبكة الدفاع التركية\"\r\n}\r\n\r\nstep s: exercise {\r\n  note: \"تمرين \\\"مشترك\\\" \\u{1F600}\\n\"\r\n  area: caspian_sea\r\n}\r\n";
        let p = ok(text);
        assert_eq!(p.title.as_ref().unwrap().node, "شبكة الدفاع التركية");
        assert_eq!(
            p.steps[0].note.as_ref().unwrap().node,
            "تمرين \"مشترك\" 😀\n"
        );
        assert_eq!(
            p.steps[0].attrs[0].value.node,
            RawValue::Ident("caspian_sea".into())
        );
        // an error after Arabic text counts columns in characters
        let e = errs("proposal p {\n  title: \"تمرين\" x: 1\n}");
        assert_eq!(at(&e), [(Code::ProposalSyntax, 2, 18)]);
        assert_eq!(e[0].label, "unexpected `x`");
    }

    #[test]
    fn empty_input_and_missing_header() {
        for text in ["", "   \n\n", "\u{FEFF}", "// only a comment"] {
            let e = errs(text);
            assert_eq!(e[0].code, Code::ProposalSyntax);
            assert!(e[0].message.contains("`proposal`"), "{}", e[0].message);
            assert!(
                e[0].help
                    .as_ref()
                    .unwrap()
                    .contains("starts with its header")
            );
        }
        let e = errs("step s: k {}");
        assert_eq!(at(&e), [(Code::ProposalSyntax, 1, 1)]);
        assert_eq!(e[0].label, "unexpected `step`");
    }

    #[test]
    fn two_headers() {
        let e = errs("proposal a {}\nproposal b {}\n");
        assert_eq!(at(&e), [(Code::ProposalSyntax, 2, 1)]);
        assert!(e[0].help.as_ref().unwrap().contains("exactly one proposal"));
    }

    #[test]
    fn missing_colon() {
        let e = errs("proposal p {}\nstep s: k {\n  area caspian_sea\n}");
        assert_eq!(at(&e), [(Code::ProposalSyntax, 3, 8)]);
        assert_eq!(e[0].message, "expected `:`, found `caspian_sea`");
        assert!(e[0].help.as_ref().unwrap().contains("`:` between"));
        let e = errs("proposal p {}\nstep s k {}");
        assert_eq!(at(&e), [(Code::ProposalSyntax, 2, 8)]);
        assert!(e[0].help.as_ref().unwrap().contains("step ID: KIND"));
    }

    #[test]
    fn missing_separator() {
        let e = errs("proposal p {}\nstep s: k { a: 1 b: 2 }");
        assert_eq!(at(&e), [(Code::ProposalSyntax, 2, 18)]);
        assert!(e[0].message.contains("`,`"), "{}", e[0].message);
        assert!(e[0].message.contains("`}`"), "{}", e[0].message);
    }

    #[test]
    fn missing_closing_brace() {
        let e = errs("proposal p {}\nstep s: k {\n  a: 1\n\nstep t: k {}\n");
        assert_eq!(at(&e), [(Code::ProposalSyntax, 5, 1)]);
        assert!(e[0].message.contains("`}`"), "{}", e[0].message);
        assert_eq!(e[0].related.len(), 1);
        let src = e[0].source.as_ref().unwrap();
        assert_eq!(
            src.line_col(e[0].related[0].span.start),
            LineCol {
                line: 2,
                column: 11
            }
        );
        assert!(e[0].help.as_ref().unwrap().contains("line 2"));
        // at the end of the file
        let e = errs("proposal p {}\nstep s: k {\n  a: [1, 2]\n");
        assert_eq!(at(&e), [(Code::ProposalSyntax, 4, 1)]);
        assert_eq!(e[0].label, "unexpected end of file");
        assert_eq!(e[0].related.len(), 1);
    }

    #[test]
    fn bad_values() {
        let e = errs("proposal p {}\nstep s: k { a: }");
        assert_eq!(at(&e), [(Code::ProposalSyntax, 2, 16)]);
        assert!(
            e[0].message.starts_with("expected a value"),
            "{}",
            e[0].message
        );
        let e = errs("proposal p {}\nstep s: k { a: [1, 2 }");
        assert_eq!(at(&e), [(Code::ProposalSyntax, 2, 22)]);
        assert!(e[0].message.contains("`]`"), "{}", e[0].message);
        let e = errs("proposal p {}\nstep s: k { a: 99999999999999999999 }");
        assert_eq!(at(&e), [(Code::ProposalSyntax, 2, 16)]);
        assert!(e[0].message.contains("out of range"));
        assert_eq!(
            ok("proposal p {}\nstep s: k { a: -9223372036854775808 }").steps[0].attrs[0]
                .value
                .node,
            RawValue::Int(i64::MIN)
        );
    }

    #[test]
    fn unterminated_string_and_bad_escapes() {
        let e = errs(
            "proposal p {\n  title: \"abc\n}\nstep s: k { a: \"x\\q\", b: \"\\u{110000}\", c: \"\\u{41}\" }",
        );
        assert_eq!(
            at(&e),
            [
                (Code::ProposalSyntax, 2, 10),
                (Code::ProposalSyntax, 4, 18),
                (Code::ProposalSyntax, 4, 27)
            ]
        );
        assert_eq!(e[0].message, "unterminated string");
        assert_eq!(e[1].message, "unknown escape `\\q`");
        assert!(e[2].message.starts_with("invalid unicode escape"));
        let e = errs("proposal p { title: \"abc");
        assert_eq!(at(&e), [(Code::ProposalSyntax, 1, 21)]);
        let e = errs("proposal p { title: \"abc\\");
        assert_eq!(e[0].code, Code::ProposalSyntax);
    }

    #[test]
    fn dates() {
        let e = errs(
            "proposal p { date: 2026-02-30 }\nstep s: k { date: 2026-9-1, a: [2026-13-01] }\nstep t: k { date: \"2026-01-01\" }",
        );
        assert_eq!(
            at(&e),
            [
                (Code::InvalidDate, 1, 20),
                (Code::InvalidDate, 2, 19),
                (Code::InvalidDate, 2, 33),
                (Code::WrongType, 3, 19)
            ]
        );
        assert_eq!(e[0].label, "no such day");
        assert_eq!(e[1].label, "not of the form YYYY-MM-DD");
        assert!(e[3].help.as_ref().unwrap().contains("without quotes"));
    }

    #[test]
    fn reserved_keys() {
        let e = errs(
            "proposal p { title: x, tite: \"a\", id: q }\nstep s: k { note: 5, kind: j, id: z }",
        );
        assert_eq!(
            at(&e),
            [
                (Code::WrongType, 1, 21),
                (Code::ProposalSyntax, 1, 24),
                (Code::DuplicateKey, 1, 35),
                (Code::WrongType, 2, 19),
                (Code::DuplicateKey, 2, 22),
                (Code::DuplicateKey, 2, 31)
            ]
        );
        assert_eq!(e[1].help.as_deref(), Some("did you mean `title`?"));
        assert_eq!(e[2].related[0].span, Span::new(9, 10));
    }

    #[test]
    fn duplicates() {
        let e = errs(
            "proposal p { title: \"a\"\n title: \"b\" }\nstep s: k { a: 1, a: 2 }\nstep s: k {}",
        );
        assert_eq!(
            at(&e),
            [
                (Code::DuplicateKey, 2, 2),
                (Code::DuplicateKey, 3, 19),
                (Code::DuplicateStep, 4, 6)
            ]
        );
        let src = e[2].source.as_ref().unwrap();
        assert_eq!(
            src.line_col(e[2].related[0].span.start),
            LineCol { line: 3, column: 6 }
        );
        assert_eq!(e[2].related[0].label, "first used here");
    }

    #[test]
    fn invalid_ids() {
        let e = errs("proposal \"\" {}\nstep \"a b\": k {}\nstep \"ت\": k {}");
        assert_eq!(
            at(&e),
            [
                (Code::InvalidProposal, 1, 10),
                (Code::InvalidProposal, 2, 6),
                (Code::InvalidProposal, 3, 6)
            ]
        );
        assert_eq!(e[0].message, "proposal id is empty");
        assert_eq!(e[1].label, "a space is not allowed in an id");
        let e = errs("proposal ت {}");
        assert_eq!(at(&e), [(Code::ProposalSyntax, 1, 10)]);
    }

    #[test]
    fn deep_lists_are_rejected_without_recursion() {
        let ok_depth = format!(
            "proposal p {{}}\nstep s: k {{ a: {}{} }}",
            "[".repeat(MAX_LIST_DEPTH),
            "]".repeat(MAX_LIST_DEPTH)
        );
        ok(&ok_depth);
        let deep = format!(
            "proposal p {{}}\nstep s: k {{ a: {} }}",
            "[".repeat(100_000)
        );
        let e = errs(&deep);
        assert_eq!(
            at(&e),
            [(Code::ProposalSyntax, 2, 16 + MAX_LIST_DEPTH as u32)]
        );
    }

    #[test]
    fn all_messages_are_readable() {
        // every pest rule that can show up in an error has words
        for text in [
            "proposal",
            "proposal p",
            "proposal p {",
            "proposal p { a",
            "proposal p { a:",
            "proposal p {}\nstep",
            "proposal p {}\nstep s",
            "proposal p {}\nstep s:",
            "proposal p {}\nstep s: k",
            "proposal p {}\nstep s: k {",
            "proposal p {}\nstep s: k { a: [",
            "proposal p {}\nstep s: k { a: [1",
            "proposal p {}\nstep s: k { a: 1",
            "proposal p {} x",
            "proposal p {}\nstep s: k { a: 1 } }",
            "proposal p {}\nstep s: k { a: @ }",
            "proposal p {}\nstep s: k { a: 1.5 }",
            "proposal p {}\nstep s: k { a: 12abc }",
        ] {
            let e = errs(text);
            assert_eq!(e.len(), 1, "{text}");
            assert!(
                !e[0].message.contains("something else"),
                "{text}: {}",
                e[0].message
            );
            assert!(e[0].help.is_some());
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config { cases: 256, ..Default::default() })]

        #[test]
        fn never_panics_on_random_text(s in "\\PC*") {
            let _ = Proposal::parse(&s);
        }

        #[test]
        fn never_panics_on_proposal_like_text(
            s in "(proposal|step|[a-z]{1,4}|[{}\\[\\]:,\"\\\\\n ]|-?[0-9]{1,5}|2026-0[0-9]-[0-3][0-9]|//|\u{FEFF}|ت|\r){0,40}"
        ) {
            if let Ok(p) = Proposal::parse(&s) {
                proptest::prop_assert_eq!(Proposal::parse(&p.to_text()).ok(), Some(p));
            }
        }

        #[test]
        fn never_panics_on_random_bytes(b in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let s = String::from_utf8_lossy(&b);
            let _ = Proposal::parse(&s);
        }
    }
}
