//! The one printer of the proposal text form: [`crate::Proposal::to_text`] (a model, no
//! source: canonical spellings) and `pactum fmt` (a parsed file: every token as written,
//! its comments kept) both print through [`print`].
//!
//! Layout: the header, then each step after one blank line; one entry per line, indented
//! by two spaces; `{}` for an empty block; a list on one line when it fits in the width,
//! else one element per line with a trailing comma. With a source, entries keep their
//! order and blank lines between entries are kept (at most one); without one, a step's
//! attributes come first, then `note`, then `date`.

use super::comments::{Comment, Cursor};
use super::doc::{Doc, broken, cat, group, if_break, is_empty, nest, render, text};
use crate::proposal::{NamePos, Proposal, RawValue, keys, print_id, print_name, quote};
use crate::source::{Span, Spanned};

/// One entry of a block: its key, where it starts, and its value.
struct Entry<'p> {
    key: Key<'p>,
    value: Value<'p>,
}

enum Key<'p> {
    /// A reserved key (`title`, `date`, `note`), printed as such; the span is its value's.
    Reserved(&'static str, Span),
    /// An attribute's name as written.
    Name(&'p Spanned<String>),
}

enum Value<'p> {
    Raw(&'p Spanned<RawValue>),
    Str(&'p Spanned<String>),
    Date(Span, crate::date::Date),
}

impl Entry<'_> {
    fn start(&self) -> usize {
        match &self.key {
            Key::Reserved(_, s) => s.start as usize,
            Key::Name(n) => n.span.start as usize,
        }
    }
}

struct Printer<'a> {
    c: Cursor<'a>,
}

/// Prints a proposal: with `source` (the text it was parsed from) and its comments, as
/// `pactum fmt` does; without, canonically (`to_text`).
pub(crate) fn print(p: &Proposal, source: Option<&str>, comments: Vec<Comment>) -> String {
    let mut pr = Printer {
        c: match source {
            Some(s) => Cursor::new(s, comments),
            None => Cursor::none(),
        },
    };
    let doc = pr.proposal(p);
    render(&doc, super::WIDTH)
}

impl Printer<'_> {
    fn at(&self, span: Span) -> (usize, usize) {
        (span.start as usize, span.end as usize)
    }

    /// A token with a span: as written when there is a source, else `canonical`.
    fn tok(&mut self, span: Span, canonical: impl FnOnce() -> String) -> Doc {
        let (start, end) = self.at(span);
        if self.c.has_source() {
            let s = self.c.slice(start, end).to_string();
            self.c.token(start, end, &s)
        } else {
            text(canonical())
        }
    }

    fn proposal(&mut self, p: &Proposal) -> Doc {
        let mut v = Vec::new();
        let head = if self.c.has_source() {
            self.c.next_token(0)
        } else {
            0
        };
        v.push(self.c.before(head, true, false));
        v.push(self.c.lit("proposal"));
        v.push(text(" "));
        v.push(self.tok(p.id.span, || print_id(&p.id.node)));
        let mut entries = Vec::new();
        if let Some(t) = &p.title {
            entries.push(Entry {
                key: Key::Reserved(keys::TITLE, t.span),
                value: Value::Str(t),
            });
        }
        if let Some(d) = &p.date {
            entries.push(Entry {
                key: Key::Reserved(keys::DATE, d.span),
                value: Value::Date(d.span, d.node),
            });
        }
        v.push(self.block(entries, None));
        for step in &p.steps {
            let (start, _) = self.at(step.span);
            v.push(self.c.trailing(start));
            v.push(Doc::Hard);
            v.push(Doc::Hard);
            v.push(self.c.before(start, true, false));
            v.push(self.c.lit("step"));
            v.push(text(" "));
            v.push(self.tok(step.id.span, || print_id(&step.id.node)));
            v.push(self.c.lit(":"));
            v.push(text(" "));
            v.push(self.tok(step.kind.span, || {
                print_name(&step.kind.node, NamePos::Kind)
            }));
            let mut entries: Vec<Entry<'_>> = step
                .attrs
                .iter()
                .map(|a| Entry {
                    key: Key::Name(&a.name),
                    value: Value::Raw(&a.value),
                })
                .collect();
            if let Some(n) = &step.note {
                entries.push(Entry {
                    key: Key::Reserved(keys::NOTE, n.span),
                    value: Value::Str(n),
                });
            }
            if let Some(d) = &step.date {
                entries.push(Entry {
                    key: Key::Reserved(keys::DATE, d.span),
                    value: Value::Date(d.span, d.node),
                });
            }
            let close = step.span.end.saturating_sub(1) as usize;
            v.push(self.block(entries, Some(close)));
        }
        let end = self.c.len();
        v.push(self.c.after(end, true));
        cat(v)
    }

    /// ` { entries }`: `{}` when empty (and no comment is inside), else one entry per
    /// line. `close` is where the `}` is, when known (else the next token).
    fn block(&mut self, mut entries: Vec<Entry<'_>>, close: Option<usize>) -> Doc {
        if self.c.has_source() {
            entries.sort_by_key(Entry::start);
        }
        let mut v = vec![text(" "), self.c.lit("{")];
        let mut inner = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            let start = e.start();
            inner.push(self.c.trailing(start));
            inner.push(Doc::Hard);
            inner.push(self.c.before(start, true, i > 0));
            inner.push(self.entry(e));
            inner.push(self.c.skip(","));
        }
        let close = match close {
            Some(c) => c,
            None if self.c.has_source() => self.c.next_token(self.c.last_end()),
            None => 0,
        };
        let tail = self.c.after(close, true);
        let empty = entries.is_empty() && is_empty(&tail);
        if empty {
            v.push(self.c.lit("}"));
            return cat(v);
        }
        inner.push(tail);
        v.push(nest(2, cat(inner)));
        v.push(Doc::Hard);
        v.push(self.c.lit("}"));
        cat(v)
    }

    fn entry(&mut self, e: &Entry<'_>) -> Doc {
        let key = match &e.key {
            Key::Reserved(k, _) => text(*k),
            Key::Name(n) => {
                let n = *n;
                self.tok(n.span, || print_name(&n.node, NamePos::Key))
            }
        };
        let value = match &e.value {
            Value::Raw(v) => self.value(v),
            Value::Str(s) => self.tok(s.span, || quote(&s.node)),
            Value::Date(span, d) => self.tok(*span, || d.to_string()),
        };
        cat(vec![key, text(": "), value])
    }

    fn value(&mut self, v: &Spanned<RawValue>) -> Doc {
        match &v.node {
            RawValue::List(items) => {
                let (start, end) = self.at(v.span);
                // written over several lines (from its first element on): one per line
                let written_broken = items
                    .first()
                    .is_some_and(|f| self.c.slice(f.span.start as usize, end).contains('\n'));
                let open = self.c.token(start, start + 1, "[");
                let mut inner = Vec::new();
                let mut after = Doc::Nil;
                for (i, item) in items.iter().enumerate() {
                    let at = item.span.start as usize;
                    if i > 0 {
                        inner.push(text(","));
                        inner.push(std::mem::replace(&mut after, Doc::Nil));
                    }
                    inner.push(self.c.trailing(at));
                    inner.push(if i > 0 { Doc::Line } else { Doc::Soft });
                    inner.push(self.c.before(at, false, false));
                    inner.push(self.value(item));
                    after = self.c.skip(",");
                }
                if !items.is_empty() {
                    inner.push(if_break(text(","), Doc::Nil));
                }
                inner.push(after);
                let close = end.saturating_sub(1);
                let tail = self.c.after(close, false);
                let shut = self.c.token(close, end, "]");
                if items.is_empty() && is_empty(&tail) {
                    return cat(vec![open, shut]);
                }
                inner.push(tail);
                let d = cat(vec![open, nest(2, cat(inner)), Doc::Soft]);
                cat(vec![
                    if written_broken { broken(d) } else { group(d) },
                    shut,
                ])
            }
            RawValue::Str(s) => self.tok(v.span, || quote(s)),
            RawValue::Ident(s) => self.tok(v.span, || print_name(s, NamePos::Value)),
            RawValue::Int(i) => self.tok(v.span, || i.to_string()),
            RawValue::Bool(b) => self.tok(v.span, || b.to_string()),
            RawValue::Date(d) => self.tok(v.span, || d.to_string()),
        }
    }
}
