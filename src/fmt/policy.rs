//! The printer of policy files, from pest's parse tree of `grammar/policy.pest` (the same
//! parse as [`crate::syntax::parse_policy`], which keeps every token: brackets, the order
//! of clauses; the syntax tree drops them). Every token is printed as written, in source
//! order; only the space between tokens changes (and optional commas: a block or list
//! broken over lines has a trailing comma where the grammar allows one, a flat one none).
//!
//! Layout, modelled on the standard library:
//! - items at the left margin, one blank line kept between them where there was one;
//! - `rule` and `match` blocks always one clause (arm) per line, indented by two spaces;
//! - `entity`, `step`, `enum` and `fact` blocks on one line when they fit and were
//!   written on one line, else one field per line;
//! - `&&`, `||` and set-operator chains, lists, calls, quantifiers, `if` and `def`
//!   bodies broken when they do not fit in the width: a chain breaks before each
//!   operator, a list puts one element per line.

use pest::iterators::Pair;

use super::comments::{Comment, Cursor};
use super::doc::{Doc, block, brk, broken, cat, group, if_break, is_empty, nest, render, text};
use crate::syntax::Rule;
use crate::syntax::{filter_head, filter_parts};

type P<'i> = Pair<'i, Rule>;

/// How the elements of a block are separated.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sep {
    /// By line breaks only (rule clauses).
    None,
    /// By line breaks, or `, ` when flat (fields, fact attributes).
    FlatComma,
    /// By commas, with a trailing comma when broken (enum variants, match arms).
    Comma,
}

struct Printer<'a> {
    c: Cursor<'a>,
    /// Printing a fact's value: a list written over several lines stays so (the fact's
    /// block is then broken too, so no group around the list is measured with it).
    in_fact: bool,
}

/// Prints the parse tree `file` of `source`, with its comments.
pub(crate) fn print(source: &str, file: P<'_>, comments: Vec<Comment>) -> String {
    let mut p = Printer {
        c: Cursor::new(source, comments),
        in_fact: false,
    };
    let doc = p.file(file);
    render(&doc, super::WIDTH)
}

fn start(p: &P<'_>) -> usize {
    p.as_span().start()
}

/// An expression without the rules that wrap a single child (which print as the child).
fn unwrap(p: P<'_>) -> P<'_> {
    let mut p = p;
    loop {
        let passthrough = matches!(
            p.as_rule(),
            Rule::expr
                | Rule::or_expr
                | Rule::and_expr
                | Rule::not_expr
                | Rule::cmp_expr
                | Rule::set_expr
                | Rule::postfix
        );
        if !passthrough {
            return p;
        }
        let mut inner = p.clone().into_inner();
        match (inner.next(), inner.next()) {
            (Some(only), None) => p = only,
            _ => return p,
        }
    }
}

impl Printer<'_> {
    /// A token pair, as written.
    fn tok(&mut self, p: &P<'_>) -> Doc {
        let s = p.as_span();
        self.c.token(s.start(), s.end(), s.as_str())
    }

    fn file(&mut self, p: P<'_>) -> Doc {
        let mut v = Vec::new();
        let items: Vec<P<'_>> = p
            .into_inner()
            .filter(|q| q.as_rule() != Rule::EOI)
            .collect();
        for (i, item) in items.into_iter().enumerate() {
            let at = start(&item);
            if i > 0 {
                v.push(self.c.trailing(at));
                v.push(Doc::Hard);
            }
            v.push(self.c.before(at, true, i > 0));
            v.push(self.item(item));
        }
        let end = self.c.len();
        v.push(self.c.after(end, true));
        cat(v)
    }

    /// `keyword name`: an item's keyword and its name (the next token of `inner`).
    fn head(
        &mut self,
        v: &mut Vec<Doc>,
        keyword: &str,
        inner: &mut pest::iterators::Pairs<'_, Rule>,
    ) {
        v.push(self.c.lit(keyword));
        v.push(text(" "));
        if let Some(name) = inner.next() {
            v.push(self.tok(&name));
        }
    }

    fn item(&mut self, p: P<'_>) -> Doc {
        let rule = p.as_rule();
        let end = p.as_span().end();
        let mut inner = p.into_inner();
        let mut v = Vec::new();
        match rule {
            Rule::entity_decl | Rule::step_decl => {
                let keyword = if rule == Rule::entity_decl {
                    "entity"
                } else {
                    "step"
                };
                self.head(&mut v, keyword, &mut inner);
                v.push(text(" "));
                v.push(self.braces(
                    inner.collect(),
                    true,
                    Sep::FlatComma,
                    true,
                    Self::field,
                    end,
                ));
            }
            Rule::enum_decl => {
                self.head(&mut v, "enum", &mut inner);
                v.push(text(" "));
                v.push(self.braces(
                    inner.collect(),
                    false,
                    Sep::Comma,
                    false,
                    |p, q| p.tok(&q),
                    end,
                ));
            }
            Rule::type_decl => {
                self.head(&mut v, "type", &mut inner);
                v.push(text(" "));
                v.push(self.c.lit("="));
                v.push(text(" "));
                if let Some(ty) = inner.next() {
                    v.push(self.type_expr(ty));
                }
            }
            Rule::fact_decl => {
                self.head(&mut v, "fact", &mut inner);
                v.push(self.c.lit(":"));
                v.push(text(" "));
                if let Some(ty) = inner.next() {
                    v.push(self.tok(&ty));
                }
                v.push(text(" "));
                let attrs: Vec<P<'_>> = inner.collect();
                // a list value written over several lines stays so: the block is broken too
                let list_broken = attrs
                    .iter()
                    .flat_map(|a| a.clone().into_inner().flatten())
                    .any(|q| {
                        q.as_rule() == Rule::list_lit
                            && filter_parts(&q).is_none()
                            && self.list_broken(&q, true)
                    });
                v.push(self.braces(
                    attrs,
                    list_broken,
                    Sep::FlatComma,
                    true,
                    Self::fact_attr,
                    end,
                ));
            }
            Rule::def_decl => {
                self.head(&mut v, "def", &mut inner);
                let mut below = Doc::Nil;
                let mut flat = Doc::Nil;
                let mut commented = false;
                let mut list = false;
                for q in inner {
                    if q.as_rule() == Rule::def_params {
                        v.push(self.params(q));
                    } else {
                        v.push(text(" "));
                        let eq = self.c.next_token(self.c.last_end());
                        // a line comment between `=` and the body ends the first line, a
                        // comment on a line of its own stays so
                        commented = self.c.line_comment_within(eq, start(&q))
                            || self.c.own_line_comment_within(eq, start(&q));
                        v.push(self.c.lit("="));
                        v.push(self.c.before_break());
                        let body = unwrap(q.clone());
                        list = body.as_rule() == Rule::list_lit && filter_parts(&body).is_none();
                        // The body below the `=`, indented: its top chain breaks at its
                        // indentation. On the line of the `=`: its chain's lines after the
                        // first are indented (printed again from the same comments).
                        let mark = self.c.mark();
                        below = self.expr(q.clone(), false);
                        if !commented {
                            self.c.reset(mark);
                            flat = self.expr(q, true);
                        }
                    }
                }
                // `def f(x) = body` when it fits (or the body's first line does, as for a
                // `match`; a list literal stays there, broken inside), else the body on the
                // lines below, indented; there too when a comment follows the `=`.
                if commented {
                    v.push(nest(2, cat(vec![Doc::Hard, below])));
                    return cat(v);
                }
                if list {
                    v.push(text(" "));
                    v.push(flat);
                    return cat(v);
                }
                v.push(if_break(
                    nest(2, cat(vec![Doc::Line, below])),
                    cat(vec![text(" "), flat]),
                ));
                return group(cat(v));
            }
            Rule::rule_decl => {
                self.head(&mut v, "rule", &mut inner);
                v.push(text(" "));
                v.push(self.braces(inner.collect(), true, Sep::None, true, Self::clause, end));
            }
            // every item of the grammar is above
            _ => {}
        }
        cat(v)
    }

    /// `{ elements }`: `{}` when empty; one element per line when `always_broken`, when it
    /// does not fit, or when the source breaks a line between two elements or after the
    /// last (`end` is after the `}`), where no comment is, or when a line comment is
    /// inside; else on one line. (Line breaks before the first element, inside an element,
    /// or beside a comment do not count: the width or a comment may have made them.)
    #[allow(
        clippy::too_many_arguments,
        reason = "one helper for every kind of block"
    )]
    fn braces(
        &mut self,
        elems: Vec<P<'_>>,
        always_broken: bool,
        sep: Sep,
        keep_blank: bool,
        f: fn(&mut Self, P<'_>) -> Doc,
        end: usize,
    ) -> Doc {
        // (from the last token: the comments before the `{` come out with it)
        let brace = self.c.last_end();
        let open = self.c.lit("{");
        let n = elems.len();
        // Written broken: a line break between two elements, or after the last (not one
        // inside an element's value, which the width may have broken, nor one where a
        // comment is).
        let mut ends: Vec<usize> = elems
            .iter()
            .map(|e| self.c.content_end(e.as_span()))
            .collect();
        let starts: Vec<usize> = elems.iter().skip(1).map(start).chain([end]).collect();
        ends.truncate(starts.len());
        let is_broken = always_broken
            || self.c.line_comment_within(brace, end)
            || ends
                .iter()
                .zip(&starts)
                .any(|(&a, &b)| self.c.breaks_line(a, b));
        let line = if is_broken { Doc::Hard } else { Doc::Line };
        let mut inner = Vec::new();
        // the comments after a comma go after the comma the printer writes
        let mut after = Doc::Nil;
        for (i, e) in elems.into_iter().enumerate() {
            let at = start(&e);
            if i > 0 {
                match sep {
                    Sep::None => {}
                    Sep::FlatComma => inner.push(if_break(Doc::Nil, text(","))),
                    Sep::Comma => inner.push(text(",")),
                }
                inner.push(std::mem::replace(&mut after, Doc::Nil));
            }
            inner.push(self.c.trailing(at));
            inner.push(line.clone());
            inner.push(self.c.before(at, keep_blank, i > 0));
            inner.push(f(self, e));
            after = self.c.skip(",");
        }
        if n > 0 && sep == Sep::Comma {
            inner.push(if_break(text(","), Doc::Nil));
        }
        inner.push(after);
        let close = self.c.next_token(self.c.last_end());
        let tail = self.c.after(close, keep_blank);
        let shut = self.c.lit("}");
        if n == 0 && is_empty(&tail) {
            return cat(vec![open, shut]);
        }
        inner.push(tail);
        // the closing bracket after the group: a comment after it does not break it
        let d = cat(vec![open, nest(2, cat(inner)), line]);
        let d = if is_broken { broken(d) } else { block(d) };
        cat(vec![d, shut])
    }

    fn params(&mut self, p: P<'_>) -> Doc {
        let mut v = vec![self.c.lit("(")];
        let mut after = Doc::Nil;
        for (i, q) in p.into_inner().enumerate() {
            if i > 0 {
                v.push(text(","));
                v.push(std::mem::replace(&mut after, Doc::Nil));
                v.push(text(" "));
            }
            v.push(self.tok(&q));
            after = self.c.skip(",");
        }
        v.push(after);
        v.push(self.c.lit(")"));
        cat(v)
    }

    fn field(&mut self, p: P<'_>) -> Doc {
        let mut inner = p.into_inner();
        let mut v = Vec::new();
        if let Some(name) = inner.next() {
            v.push(self.tok(&name));
        }
        v.push(self.c.lit(":"));
        v.push(text(" "));
        if let Some(ty) = inner.next() {
            v.push(self.type_expr(ty));
        }
        for q in inner {
            match q.as_rule() {
                Rule::optional => v.push(self.tok(&q)),
                Rule::excludes => {
                    v.push(text(" "));
                    v.push(self.c.lit("excludes"));
                    v.push(text(" "));
                    for i in q.into_inner() {
                        v.push(self.tok(&i));
                    }
                }
                _ => {
                    v.push(text(" "));
                    v.push(self.c.lit("="));
                    v.push(text(" "));
                    v.push(self.expr(q, true));
                }
            }
        }
        cat(v)
    }

    fn fact_attr(&mut self, p: P<'_>) -> Doc {
        let mut inner = p.into_inner();
        let mut v = Vec::new();
        if let Some(name) = inner.next() {
            v.push(self.tok(&name));
        }
        v.push(self.c.lit(":"));
        v.push(text(" "));
        for q in inner {
            if q.as_rule() == Rule::during {
                v.push(text(" "));
                v.push(self.during(q));
            } else {
                self.in_fact = true;
                v.push(self.expr(q, true));
                self.in_fact = false;
            }
        }
        cat(v)
    }

    fn during(&mut self, p: P<'_>) -> Doc {
        let mut v = Vec::new();
        for (i, q) in p.into_inner().enumerate() {
            if i > 0 {
                v.push(text(" "));
            }
            v.push(self.tok(&q));
        }
        cat(v)
    }

    fn type_expr(&mut self, p: P<'_>) -> Doc {
        let mut v = Vec::new();
        for (i, q) in p.into_inner().enumerate() {
            if i > 0 {
                v.push(text(" "));
                v.push(self.c.lit("|"));
                v.push(text(" "));
            }
            match q.as_rule() {
                Rule::set_type | Rule::list_type => {
                    v.push(self.c.lit(if q.as_rule() == Rule::set_type {
                        "set"
                    } else {
                        "list"
                    }));
                    v.push(self.c.lit("<"));
                    for t in q.into_inner() {
                        v.push(self.type_expr(t));
                    }
                    v.push(self.c.lit(">"));
                }
                _ => {
                    for t in q.into_inner() {
                        v.push(self.tok(&t));
                    }
                }
            }
        }
        cat(v)
    }

    fn clause(&mut self, p: P<'_>) -> Doc {
        let rule = p.as_rule();
        let mut v = Vec::new();
        let kw = match rule {
            Rule::severity_clause => "severity",
            Rule::cite_clause => "cite",
            Rule::scope_clause => "on",
            Rule::when_clause => "when",
            Rule::unless_clause => "unless",
            Rule::message_clause => "message",
            Rule::help_clause => "help",
            Rule::label_clause => "label",
            Rule::allow_clause => "allow",
            _ => "",
        };
        if !kw.is_empty() {
            v.push(self.c.lit(kw));
            v.push(text(" "));
        }
        let mut inner = p.into_inner().peekable();
        match rule {
            Rule::scope_clause => {
                for q in inner {
                    if q.as_rule() == Rule::step_scope {
                        let names: Vec<P<'_>> = q.into_inner().collect();
                        let last = names.len().saturating_sub(1);
                        let mut after = Doc::Nil;
                        for (i, n) in names.into_iter().enumerate() {
                            if i == last {
                                v.push(std::mem::replace(&mut after, Doc::Nil));
                                v.push(text(" "));
                                v.push(self.c.lit("as"));
                                v.push(text(" "));
                            } else if i > 0 {
                                v.push(text(","));
                                v.push(std::mem::replace(&mut after, Doc::Nil));
                                v.push(text(" "));
                            }
                            v.push(self.tok(&n));
                            after = self.c.skip(",");
                        }
                    } else {
                        v.push(self.tok(&q));
                    }
                }
            }
            Rule::verdict_clause => {
                if let Some(k) = inner.next() {
                    v.push(self.tok(&k));
                    v.push(text(" "));
                }
                let mut each = false;
                for q in inner {
                    match q.as_rule() {
                        Rule::each_head => {
                            each = true;
                            let mut h = q.into_inner();
                            v.push(self.c.lit("each"));
                            v.push(text(" "));
                            if let Some(x) = h.next() {
                                v.push(self.tok(&x));
                            }
                            v.push(text(" "));
                            v.push(self.c.lit("in"));
                            v.push(text(" "));
                            if let Some(s) = h.next() {
                                v.push(self.expr(s, true));
                            }
                        }
                        _ if each => {
                            let pre = self.c.before_break();
                            let own = self.own_lines();
                            let w = self.c.lit("where");
                            let cond = self.expr(q, true);
                            v.push(cat(vec![pre, brk(), own, w, text(" "), cond]));
                        }
                        _ => v.push(self.expr(q, true)),
                    }
                }
                return group(cat(v));
            }
            Rule::unless_clause => {
                for q in inner {
                    if q.as_rule() == Rule::string {
                        let pre = self.c.before_break();
                        let own = self.own_lines();
                        let b = self.c.lit("because");
                        let s = self.tok(&q);
                        v.push(cat(vec![pre, brk(), own, b, text(" "), s]));
                    } else {
                        v.push(self.expr(q, true));
                    }
                }
                return group(cat(v));
            }
            Rule::allow_clause => {
                if let Some(l) = inner.next() {
                    v.push(self.tok(&l));
                }
                v.push(text(" "));
                v.push(self.c.lit("because"));
                v.push(text(" "));
                if let Some(s) = inner.next() {
                    v.push(self.tok(&s));
                }
            }
            Rule::when_clause => {
                if let Some(e) = inner.next() {
                    v.push(self.expr(e, true));
                }
            }
            _ => {
                // severity, cite, message, help, label: tokens separated by spaces
                let mut first = true;
                for q in inner {
                    if !first {
                        v.push(text(" "));
                    }
                    first = false;
                    v.push(self.tok(&q));
                }
            }
        }
        cat(v)
    }

    /// An expression; `nest_chain`: a chain of operators at its top indents its lines
    /// after the first (false where the caller indents already, as a `def` body below its
    /// `=` does).
    fn expr(&mut self, p: P<'_>, nest_chain: bool) -> Doc {
        let p = unwrap(p);
        let rule = p.as_rule();
        match rule {
            Rule::or_expr | Rule::and_expr | Rule::set_expr => {
                let mut inner = p.into_inner();
                let mut prev_end = 0;
                let first = match inner.next() {
                    Some(f) => {
                        prev_end = f.as_span().end();
                        self.expr(f, true)
                    }
                    None => Doc::Nil,
                };
                // A line comment in the chain ends its line where the source has it: before
                // an operator (`a // why` then `&& b`) or after one (`a && // why` then `b`),
                // so that it stays between the same two tokens.
                let hard = || {
                    if nest_chain {
                        nest(2, Doc::Hard)
                    } else {
                        Doc::Hard
                    }
                };
                let mut rest = Vec::new();
                while let Some(op) = inner.next() {
                    let (op_start, op_end) = (op.as_span().start(), op.as_span().end());
                    let before_op = self.c.line_ending_comment_within(prev_end, op_start);
                    rest.push(self.c.before_break());
                    rest.push(if before_op {
                        hard()
                    } else if nest_chain {
                        brk()
                    } else {
                        Doc::Line
                    });
                    rest.push(self.tok(&op));
                    let next = inner.next();
                    let after_op = next.as_ref().is_some_and(|x| {
                        self.c
                            .line_ending_comment_within(op_end, x.as_span().start())
                    });
                    if after_op {
                        rest.push(self.c.before_break());
                        rest.push(hard());
                    } else {
                        rest.push(text(" "));
                    }
                    if let Some(x) = next {
                        prev_end = x.as_span().end();
                        rest.push(self.expr(x, true));
                    }
                }
                group(cat(vec![first, cat(rest)]))
            }
            Rule::not_expr => {
                let mut v = Vec::new();
                for q in p.into_inner() {
                    if q.as_rule() == Rule::not_op {
                        v.push(self.tok(&q));
                    } else {
                        v.push(self.expr(q, nest_chain));
                    }
                }
                cat(v)
            }
            Rule::cmp_expr => {
                let mut v = Vec::new();
                for (i, q) in p.into_inner().enumerate() {
                    if i > 0 {
                        v.push(text(" "));
                    }
                    match q.as_rule() {
                        Rule::cmp_op => {
                            let s = q.as_span();
                            let word =
                                if q.clone().into_inner().any(|r| r.as_rule() == Rule::not_in) {
                                    "not in"
                                } else {
                                    s.as_str()
                                };
                            v.push(self.c.token(s.start(), s.end(), word));
                        }
                        Rule::is_op | Rule::has_op | Rule::ident => v.push(self.tok(&q)),
                        Rule::type_expr => v.push(self.type_expr(q)),
                        _ => v.push(self.expr(q, true)),
                    }
                }
                cat(v)
            }
            Rule::postfix => {
                let mut v = Vec::new();
                for (i, q) in p.into_inner().enumerate() {
                    if i == 0 {
                        v.push(self.expr(q, true));
                    } else {
                        v.push(self.c.lit("."));
                        v.push(self.tok(&q));
                    }
                }
                cat(v)
            }
            Rule::paren => {
                let open = self.c.lit("(");
                let inner = match p.into_inner().next() {
                    Some(e) => self.expr(e, true),
                    None => Doc::Nil,
                };
                let shut = self.c.lit(")");
                cat(vec![open, inner, shut])
            }
            Rule::list_lit => match filter_parts(&p) {
                Some((head, cond)) => {
                    let mut v = vec![self.c.lit("[")];
                    self.filter(head, cond, &mut v);
                    v.push(self.c.lit("]"));
                    group(cat(v))
                }
                None => self.list(p),
            },
            Rule::call => {
                let bare = filter_parts(&p);
                let filter = bare.is_some();
                let mut inner = p.into_inner();
                let mut v = Vec::new();
                if let Some(f) = inner.next() {
                    v.push(self.tok(&f));
                }
                let open = self.c.lit("(");
                // A bare filter is the one argument, `x in S where c`.
                let args: Vec<P<'_>> = if filter {
                    inner.take(1).collect()
                } else {
                    inner.collect()
                };
                let mut bare = bare.map(|(_, cond)| cond);
                let mut a = Vec::new();
                let mut after = Doc::Nil;
                for (i, q) in args.into_iter().enumerate() {
                    if i > 0 {
                        a.push(text(","));
                        a.push(std::mem::replace(&mut after, Doc::Nil));
                        a.push(self.c.before_break());
                        a.push(Doc::Line);
                    } else {
                        a.push(self.c.before_break());
                        a.push(Doc::Soft);
                    }
                    // comments on lines of their own: above the argument
                    a.push(self.c.before(start(&q), false, false));
                    if let Some(cond) = bare.take() {
                        a.push(self.bare_filter(q, cond));
                    } else {
                        a.push(self.expr(q, true));
                    }
                    after = self.c.skip(",");
                }
                let any = !a.is_empty();
                if any && !filter {
                    a.push(if_break(text(","), Doc::Nil));
                }
                a.push(after);
                // comments before the `)`: before the line break that may come before it
                a.push(self.c.before_break());
                let shut = self.c.lit(")");
                if any {
                    v.push(group(cat(vec![open, nest(2, cat(a)), Doc::Soft])));
                    v.push(shut);
                } else {
                    v.push(open);
                    v.push(shut);
                }
                cat(v)
            }
            Rule::quantifier => {
                let mut inner = p.into_inner();
                let mut v = Vec::new();
                if let Some(k) = inner.next() {
                    v.push(self.tok(&k));
                }
                v.push(text(" "));
                if let Some(x) = inner.next() {
                    v.push(self.tok(&x));
                }
                v.push(text(" "));
                v.push(self.c.lit("in"));
                v.push(text(" "));
                if let Some(s) = inner.next() {
                    v.push(self.expr(s, true));
                }
                v.push(self.c.lit(":"));
                if let Some(b) = inner.next() {
                    let pre = self.c.before_break();
                    let own = self.own_lines();
                    let body = self.expr(b, true);
                    v.push(cat(vec![pre, brk(), own, body]));
                }
                group(cat(v))
            }
            Rule::match_expr => {
                let mut inner = p.into_inner();
                let mut v = vec![self.c.lit("match"), text(" ")];
                if let Some(x) = inner.next() {
                    v.push(self.tok(&x));
                }
                v.push(text(" "));
                v.push(self.braces(inner.collect(), true, Sep::Comma, false, Self::arm, 0));
                cat(v)
            }
            Rule::if_expr => {
                let mut inner = p.into_inner();
                let mut v = vec![self.c.lit("if"), text(" ")];
                if let Some(c) = inner.next() {
                    v.push(self.expr(c, true));
                }
                // `if c then a else b`; broken: `then a else b` below, or `then` and `else`
                // on a line each.
                let mut rest = Vec::new();
                let pre = self.c.before_break();
                // comments on lines of their own before `then`: after the line break
                let own = self
                    .c
                    .before(self.c.next_token(self.c.last_end()), false, false);
                for kw in ["then", "else"] {
                    if kw == "else" {
                        rest.push(self.c.before_break());
                        rest.push(Doc::Line);
                        rest.push(self.c.before(
                            self.c.next_token(self.c.last_end()),
                            false,
                            false,
                        ));
                    }
                    rest.push(self.c.lit(kw));
                    rest.push(text(" "));
                    if let Some(x) = inner.next() {
                        rest.push(self.expr(x, true));
                    }
                }
                v.push(pre);
                v.push(nest(2, cat(vec![Doc::Line, own, group(cat(rest))])));
                group(cat(v))
            }
            // date, int, string, ident
            _ => self.tok(&p),
        }
    }

    /// After a line break indented by two (`brk()`): the comments on lines of their own
    /// before the next token, each line of them indented as that line.
    fn own_lines(&mut self) -> Doc {
        let at = self.next_at();
        nest(2, self.c.before(at, false, false))
    }

    /// Where the next token starts.
    fn next_at(&self) -> usize {
        self.c.next_token(self.c.last_end())
    }

    fn bare_filter(&mut self, head: P<'_>, cond: P<'_>) -> Doc {
        let mut v = Vec::new();
        self.filter(head, cond, &mut v);
        group(cat(v))
    }

    /// `x in S where c`, the inside of a comprehension and a call's bare filter: the
    /// `where` on the next line when it does not fit.
    fn filter(&mut self, head: P<'_>, cond: P<'_>, v: &mut Vec<Doc>) {
        match filter_head(head.clone()) {
            Some((x, s)) => {
                v.push(self.tok(&x));
                v.push(text(" "));
                v.push(self.c.lit("in"));
                v.push(text(" "));
                v.push(self.expr(s, true));
            }
            // Not `x in S` (the compiler says so): the element as written.
            None => v.push(self.expr(head, true)),
        }
        if let Some(c) = cond.into_inner().next() {
            let pre = self.c.before_break();
            let own = self.own_lines();
            let w = self.c.lit("where");
            let cond = self.expr(c, true);
            v.push(cat(vec![pre, brk(), own, w, text(" "), cond]));
        }
    }

    fn arm(&mut self, p: P<'_>) -> Doc {
        let mut v = Vec::new();
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::match_pat => {
                    for (i, k) in q.into_inner().enumerate() {
                        if i > 0 {
                            v.push(text(" "));
                            v.push(self.c.lit("|"));
                            v.push(text(" "));
                        }
                        v.push(self.tok(&k));
                    }
                    v.push(text(" "));
                    v.push(self.c.lit("=>"));
                    v.push(text(" "));
                }
                _ => v.push(self.expr(q, true)),
            }
        }
        cat(v)
    }

    /// Whether a list literal is printed one element per line whether it fits or not: a
    /// line comment or a comment on a line of its own is inside, or (`in_fact`, in a
    /// fact's value) it is written over several lines from its first element on.
    fn list_broken(&self, p: &P<'_>, in_fact: bool) -> bool {
        let (from, end) = (start(p), p.as_span().end());
        let first = p.clone().into_inner().next().map(|q| start(&q));
        (in_fact && first.is_some_and(|f| self.c.slice(f, end).contains('\n')))
            || self.c.line_comment_within(from, end)
            || self.c.own_line_comment_within(from, end)
    }

    /// `[a, b from D]`: flat when it fits (and no line comment or comment on a line of its
    /// own is inside, and, in a fact, the source has it on one line from its first element
    /// on), else one element per line, trailing comma.
    fn list(&mut self, p: P<'_>) -> Doc {
        let written_broken = self.list_broken(&p, self.in_fact);
        let open = self.c.lit("[");
        let mut inner = Vec::new();
        let mut n = 0;
        for q in p.into_inner() {
            if q.as_rule() == Rule::during {
                inner.push(text(" "));
                inner.push(self.during(q));
                continue;
            }
            let after = self.c.skip(",");
            let at = start(&q);
            if n > 0 {
                inner.push(text(","));
            }
            inner.push(after);
            inner.push(self.c.trailing(at));
            inner.push(if n > 0 { Doc::Line } else { Doc::Soft });
            inner.push(self.c.before(at, false, false));
            inner.push(self.expr(q, true));
            n += 1;
        }
        let after = self.c.skip(",");
        if n > 0 {
            inner.push(if_break(text(","), Doc::Nil));
        }
        inner.push(after);
        let close = self.c.next_token(self.c.last_end());
        let tail = self.c.after(close, false);
        let shut = self.c.lit("]");
        if n == 0 && is_empty(&tail) {
            return cat(vec![open, shut]);
        }
        inner.push(tail);
        let d = cat(vec![open, nest(2, cat(inner)), Doc::Soft]);
        cat(vec![
            if written_broken { broken(d) } else { group(d) },
            shut,
        ])
    }
}
