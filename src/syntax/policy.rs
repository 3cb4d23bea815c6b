//! Syntax: policy text to AST, through the pest grammar in `grammar/policy.pest`.

use pest::Parser;
use pest::iterators::Pair;

use super::ast::*;
use crate::date::Date;
use crate::diag::{Code, Diagnostic};
use crate::limits::Limits;
use crate::source::{SourceFile, Span, Spanned};

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/policy.pest"]
struct PolicyParser;

/// Parses one policy file with the default [`Limits`].
pub fn parse_policy(source: &SourceFile) -> Result<PolicyFile, crate::diag::Errors> {
    parse_policy_with(source, &Limits::default()).map_err(crate::diag::Errors::from)
}

/// Parses one policy file. Syntax errors come back as diagnostics with the file and span.
///
/// Stack use is bounded: pest's own native stack guard stops runaway recursion in the
/// grammar ("stack limit reached" becomes a nesting diagnostic), lowering counts its depth
/// against `limits.max_expr_depth`, and `&&`/`||` chains are built as balanced trees so a
/// long chain is shallow.
pub fn parse_policy_with(
    source: &SourceFile,
    limits: &Limits,
) -> Result<PolicyFile, Vec<Diagnostic>> {
    if source.text().len() > limits.max_input_bytes {
        return Err(vec![too_large(source, limits.max_input_bytes)]);
    }
    let hidden = super::hidden_text(source);
    if !hidden.is_empty() {
        return Err(hidden);
    }
    // Brackets deeper than the limit are refused before pest recurses into them.
    if let Some(at) = brackets(source.text(), limits.max_policy_nesting).too_deep {
        return Err(vec![
            Diagnostic::error(
                Code::LimitNesting,
                format!(
                    "brackets nest more than {} deep",
                    limits.max_policy_nesting
                ),
                source,
                Span::new(at, at + 1),
                "this one is too deep",
            )
            .with_help("reduce the nesting of `(`, `[` and `{` (a definition can name a part), or raise `Limits::max_policy_nesting` if you embed pactum"),
        ]);
    }
    let pairs = PolicyParser::parse(Rule::file, source.text())
        .map_err(|e| vec![syntax_error(source, &e)])?;
    let mut lower = Lower::new(source, limits);
    let mut items = Vec::new();
    for pair in pairs.flatten().take(1) {
        for item in pair.into_inner() {
            if item.as_rule() == Rule::EOI {
                continue;
            }
            if let Some(item) = lower.item(item) {
                items.push(item);
            }
        }
    }
    if lower.errors.is_empty() {
        Ok(PolicyFile { items })
    } else {
        Err(lower.errors)
    }
}

/// The pest parse tree of a policy text, for the formatter: `None` if it does not parse
/// (call [`parse_policy`] first for the diagnostics).
pub(crate) fn parse_tree(text: &str) -> Option<pest::iterators::Pairs<'_, Rule>> {
    PolicyParser::parse(Rule::file, text).ok()
}

/// Parses a standalone expression (used for `{...}` interpolation in messages).
pub fn parse_expr(source: &SourceFile, offset: usize, text: &str) -> Result<Expr, Diagnostic> {
    let pairs = PolicyParser::parse(Rule::expr_only, text).map_err(|e| {
        let (start, end) = pest_span(&e);
        Diagnostic::error(
            Code::Interpolation,
            "invalid expression in interpolation",
            source,
            Span::new(offset + start, offset + end.max(start + 1)),
            "this is not a valid expression",
        )
        .with_help("write `{name}` or `{binder.attribute}`; use `{{` and `}}` for literal braces")
    })?;
    let mut lower = Lower::new(source, &Limits::default());
    let pair = pairs
        .flatten()
        .find(|p| p.as_rule() == Rule::expr)
        .ok_or_else(|| {
            Diagnostic::error(
                Code::Interpolation,
                "empty interpolation",
                source,
                Span::new(offset, offset + 1),
                "nothing to interpolate",
            )
        })?;
    let mut e = lower.expr(pair);
    shift(&mut e, offset);
    match lower.errors.into_iter().next() {
        Some(err) => Err(err),
        None => Ok(e),
    }
}

fn shift(e: &mut Expr, by: usize) {
    let by = u32::try_from(by).unwrap_or(u32::MAX);
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        e.span.start = e.span.start.saturating_add(by);
        e.span.end = e.span.end.saturating_add(by);
        match &mut e.kind {
            ExprKind::List(xs) | ExprKind::Call(_, xs) => stack.extend(xs.iter_mut()),
            ExprKind::Attr(x, i) | ExprKind::Has(x, i) => {
                i.span.start = i.span.start.saturating_add(by);
                i.span.end = i.span.end.saturating_add(by);
                stack.push(x);
            }
            ExprKind::Is(x, _) | ExprKind::Not(x) => stack.push(x),
            ExprKind::During(x, d) => {
                for sp in [
                    Some(&mut d.span),
                    d.from.as_mut().map(|f| &mut f.1),
                    d.until.as_mut().map(|u| &mut u.1),
                ]
                .into_iter()
                .flatten()
                {
                    sp.start = sp.start.saturating_add(by);
                    sp.end = sp.end.saturating_add(by);
                }
                stack.push(x);
            }
            ExprKind::Binary(_, a, b) | ExprKind::Quant(_, _, a, b) | ExprKind::Filter(_, a, b) => {
                stack.push(a);
                stack.push(b);
            }
            ExprKind::If(a, b, c) => {
                stack.push(a);
                stack.push(b);
                stack.push(c);
            }
            ExprKind::Match(_, arms) => stack.extend(arms.iter_mut().map(|a| &mut a.body)),
            _ => {}
        }
    }
}

/// A list literal's or a call's filter (`[x in S where c]`, `count(x in S where c)`): its
/// element and its `where` clause, when it has one (any other shape, several elements or
/// a `from`, is `None`: the grammar puts `where` only after a first element).
pub(crate) fn filter_parts<'i>(p: &Pair<'i, Rule>) -> Option<(Pair<'i, Rule>, Pair<'i, Rule>)> {
    let mut inner = p.clone().into_inner();
    if p.as_rule() == Rule::call {
        inner.next()?;
    }
    let (head, cond) = (inner.next()?, inner.next()?);
    (cond.as_rule() == Rule::filter_cond).then_some((head, cond))
}

/// The `x` and `S` of a filter's element, parsed as an expression, when it reads
/// `x in S` (a name, `in`, a collection) and nothing else.
pub(crate) fn filter_head<'i>(p: Pair<'i, Rule>) -> Option<(Pair<'i, Rule>, Pair<'i, Rule>)> {
    fn only<'i>(p: Pair<'i, Rule>) -> Option<Pair<'i, Rule>> {
        let mut inner = p.into_inner();
        let first = inner.next();
        if inner.next().is_some() { None } else { first }
    }
    let mut p = p;
    while matches!(
        p.as_rule(),
        Rule::expr | Rule::or_expr | Rule::and_expr | Rule::not_expr
    ) {
        p = only(p)?;
    }
    if p.as_rule() != Rule::cmp_expr {
        return None;
    }
    let mut inner = p.into_inner();
    let (left, op, set) = (inner.next()?, inner.next()?, inner.next()?);
    let is_in = op.as_rule() == Rule::cmp_op
        && op
            .clone()
            .into_inner()
            .next()
            .is_some_and(|q| q.as_rule() == Rule::in_op);
    if inner.next().is_some() || !is_in || set.as_rule() != Rule::set_expr {
        return None;
    }
    let name = only(only(left)?)?;
    (name.as_rule() == Rule::ident).then_some((name, set))
}

fn pest_span(e: &pest::error::Error<Rule>) -> (usize, usize) {
    match e.location {
        pest::error::InputLocation::Pos(p) => (p, p),
        pest::error::InputLocation::Span((a, b)) => (a, b),
    }
}

fn rule_word(rule: &Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::item
        | Rule::entity_decl
        | Rule::step_decl
        | Rule::enum_decl
        | Rule::type_decl
        | Rule::fact_decl
        | Rule::def_decl
        | Rule::rule_decl
        | Rule::kw_entity
        | Rule::kw_enum
        | Rule::kw_type
        | Rule::kw_step
        | Rule::kw_fact
        | Rule::kw_def
        | Rule::kw_rule => {
            "a declaration (`entity`, `enum`, `type`, `step`, `fact`, `def` or `rule`)"
        }
        Rule::EOI => "end of file",
        Rule::ident | Rule::named_type => "a name",
        Rule::rule_id => "a rule id such as `caspian.non_littoral_forces`",
        Rule::field => "an attribute `name: Type`",
        Rule::fact_attr => "an attribute `name: value`",
        Rule::during | Rule::from_kw | Rule::until_kw => "`from DATE` or `until DATE`",
        Rule::type_expr | Rule::set_type | Rule::list_type => "a type",
        Rule::expr
        | Rule::or_expr
        | Rule::and_expr
        | Rule::not_expr
        | Rule::cmp_expr
        | Rule::set_expr
        | Rule::postfix
        | Rule::date
        | Rule::int
        | Rule::string
        | Rule::list_lit
        | Rule::quantifier
        | Rule::match_expr
        | Rule::if_expr
        | Rule::call
        | Rule::paren => "an expression",
        Rule::severity_clause
        | Rule::cite_clause
        | Rule::scope_clause
        | Rule::when_clause
        | Rule::verdict_clause
        | Rule::unless_clause
        | Rule::message_clause
        | Rule::help_clause
        | Rule::label_clause
        | Rule::verdict_kw
        | Rule::kw_severity
        | Rule::kw_cite
        | Rule::kw_on
        | Rule::kw_when
        | Rule::kw_unless
        | Rule::kw_allow => {
            "a rule clause (`severity`, `cite`, `on`, `when`, `forbid`, `require`, `unless`, `message`, `help`, `label`, `allow`)"
        }
        Rule::or_op
        | Rule::and_op
        | Rule::cmp_op
        | Rule::set_op
        | Rule::is_op
        | Rule::has_op
        | Rule::in_op
        | Rule::not_in => "an operator",
        Rule::optional => "`?`",
        Rule::def_params => "`(`",
        Rule::match_arm | Rule::match_pat | Rule::wildcard => "a match arm `kind => expr`",
        Rule::each_head | Rule::kw_each => "`each`",
        Rule::kw_in => "`in`",
        Rule::kw_where => "`where`",
        Rule::kw_excludes => "`excludes`",
        Rule::kw_then => "`then`",
        Rule::kw_else => "`else`",
        Rule::filter_cond => "`where` and a condition",
        Rule::proposal_scope | Rule::step_scope => "`proposal` or a list of step kinds",
        _ => return None,
    })
}

/// The brackets of a policy file, outside comments and strings.
struct Brackets {
    /// Where the first bracket deeper than the limit opens.
    too_deep: Option<usize>,
    /// The innermost bracket never closed: its byte offset and the character.
    unclosed: Option<(usize, char)>,
    /// The first string that a line break or the end of the file cuts off: its quote.
    open_string: Option<usize>,
    /// A `/*` comment never closed: where it opens.
    open_comment: Option<usize>,
}

/// One pass over `text`'s brackets (`(`, `[`, `{`), skipping comments and strings.
fn brackets(text: &str, max_depth: u32) -> Brackets {
    let bytes = text.as_bytes();
    let mut open: Vec<(usize, char)> = Vec::new();
    let mut too_deep = None;
    let (mut open_string, mut open_comment) = (None, None);
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = text
                    .get(i..)
                    .and_then(|t| t.find('\n'))
                    .map_or(bytes.len(), |n| i + n);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let start = i;
                i = match text.get(i + 2..).and_then(|t| t.find("*/")) {
                    Some(n) => i + 2 + n + 2,
                    None => {
                        open_comment.get_or_insert(start);
                        bytes.len()
                    }
                };
            }
            b'"' => {
                // to the closing quote, past escapes; a string ends at a line break too
                let start = i;
                i += 1;
                while let Some(&c) = bytes.get(i) {
                    match c {
                        b'\\' => i += 2,
                        b'"' | b'\n' => break,
                        _ => i += 1,
                    }
                }
                if bytes.get(i) != Some(&b'"') {
                    open_string.get_or_insert(start);
                }
                i += 1;
            }
            b'(' | b'[' | b'{' => {
                open.push((i, char::from(b)));
                if too_deep.is_none() && open.len() > max_depth as usize {
                    too_deep = Some(i);
                }
                i += 1;
            }
            b')' | b']' | b'}' => {
                let want = match b {
                    b')' => '(',
                    b']' => '[',
                    _ => '{',
                };
                // a stray or mismatched closer is pest's to report
                if open.last().is_some_and(|&(_, c)| c == want) {
                    open.pop();
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    Brackets {
        too_deep,
        unclosed: open.pop(),
        open_string,
        open_comment,
    }
}

/// What an opening bracket at `at` opens, from the text before it on its line: `rule
/// caspian.x`, `step exercise`, `fact turkey: State` (at most 40 characters), if anything.
fn opened_by(text: &str, at: usize) -> Option<&str> {
    let before = text.get(..at)?;
    let line = before
        .get(before.rfind('\n').map_or(0, |n| n + 1)..)?
        .trim();
    let first = line.split_whitespace().next()?;
    let decl = ["rule", "step", "entity", "fact", "enum", "match"].contains(&first);
    (decl && line.len() <= 40).then_some(line)
}

/// A file that ends inside an unclosed bracket: the bracket, named by what it opens.
fn unclosed_error(source: &SourceFile, at: usize, c: char) -> Diagnostic {
    let close = match c {
        '(' => ')',
        '[' => ']',
        _ => '}',
    };
    let opens = opened_by(source.text(), at);
    let message = match opens {
        Some(head) => format!("the `{c}` of `{head}` is never closed"),
        None => format!("this `{c}` is never closed"),
    };
    let end = source.text().trim_end().len();
    let d = Diagnostic::error(
        Code::PolicySyntax,
        message,
        source,
        Span::new(at, at + 1),
        format!("this `{c}` is never closed"),
    )
    .with_help(match opens {
        Some(head) => format!("add a `{close}` where `{head}` ends"),
        None => format!("add a `{close}` where it ends"),
    });
    if end > at + 1 {
        d.with_related(source, Span::new(end, end), "the file ends here")
    } else {
        d
    }
}

/// `on KIND` with no `as NAME`: where the name should go, if the scope at `start` is one.
fn scope_without_name(source: &SourceFile, start: usize) -> Option<Diagnostic> {
    let text = source.text();
    let rest = text.get(start..)?;
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    // `kind (, kind)*`, then anything but `as`
    let mut end = 0;
    let mut kinds = Vec::new();
    let mut pos = 0;
    loop {
        let tail = rest.get(pos..)?;
        let skipped = tail.len() - tail.trim_start().len();
        let word_start = pos + skipped;
        let word: String = rest
            .get(word_start..)?
            .chars()
            .take_while(|&c| is_ident(c))
            .collect();
        if word.is_empty() || word == "as" || word == "proposal" {
            break;
        }
        kinds.push(word.clone());
        end = word_start + word.len();
        pos = end;
        let after = rest.get(pos..)?;
        match after.trim_start().strip_prefix(',') {
            Some(more) => pos = rest.len() - more.len(),
            None => break,
        }
    }
    let next = rest.get(end..)?.trim_start();
    if kinds.is_empty()
        || next
            .strip_prefix("as")
            .is_some_and(|t| !t.starts_with(is_ident))
    {
        return None;
    }
    let at = start + end;
    Some(
        Diagnostic::error(
            Code::PolicySyntax,
            "expected `as` and a name after the step kinds of `on`",
            source,
            Span::new(start, at),
            "`as s` is missing after this",
        )
        .with_help(format!(
            "name the step the rule judges: `on {} as s`; conditions and messages then refer to it as `s` (as in `s.id`)",
            kinds.join(", ")
        )),
    )
}

fn syntax_error(source: &SourceFile, e: &pest::error::Error<Rule>) -> Diagnostic {
    let (start, end) = pest_span(e);
    if let pest::error::ErrorVariant::CustomError { message } = &e.variant {
        if message.contains("limit reached") {
            return limit_error(source, Span::new(start, end.max(start)), message);
        }
    }
    let text = source.text();
    let at_end = text.get(start..).is_some_and(|t| t.trim().is_empty());
    let scan = brackets(text, u32::MAX);
    // A string or comment left open swallows what follows: name it, not what pest
    // expected where it gave up.
    if let Some(at) = scan.open_comment.filter(|&at| at <= start) {
        return Diagnostic::error(
            Code::PolicySyntax,
            "this `/*` comment is never closed",
            source,
            Span::new(at, at + 2),
            "the comment opens here and runs to the end of the file",
        )
        .with_help("close it with `*/`, or write a line comment with `//`");
    }
    if let Some(at) = scan.open_string.filter(|&at| at <= start) {
        let end = text
            .get(at..)
            .and_then(|t| t.find('\n'))
            .map_or(text.len(), |n| at + n);
        return Diagnostic::error(
            Code::PolicySyntax,
            "this string is never closed",
            source,
            Span::new(at, end),
            "the string opens here and the line ends before its closing `\"`",
        )
        .with_help(
            "add the closing `\"`; a string cannot span lines (write `\\n` for a line break)",
        );
    }
    if at_end {
        if let Some((at, c)) = scan.unclosed {
            return unclosed_error(source, at, c);
        }
    }
    if let pest::error::ErrorVariant::ParsingError { positives, .. } = &e.variant {
        if positives.contains(&Rule::step_scope) {
            if let Some(d) = scope_without_name(source, start) {
                return d;
            }
        }
    }
    let found: String = text
        .get(start..)
        .unwrap_or("")
        .chars()
        .take_while(|c| !c.is_whitespace())
        .take(20)
        .collect();
    let expected = match &e.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => {
            let mut words: Vec<&str> = positives.iter().filter_map(rule_word).collect();
            words.sort_unstable();
            words.dedup();
            words
        }
        pest::error::ErrorVariant::CustomError { .. } => Vec::new(),
    };
    let expected = match expected.as_slice() {
        [] => "valid policy syntax".to_string(),
        [one] => (*one).to_string(),
        many => many.join(" or "),
    };
    let (label, start, end) = if at_end {
        // At the end of the text, where miette can draw the label (past a final line break
        // it draws none).
        let last = text.trim_end().len();
        ("the file ends here".to_string(), last, last)
    } else if found.is_empty() {
        ("the file ends here".to_string(), start, end.max(start))
    } else {
        (format!("unexpected `{found}`"), start, start + found.len())
    };
    let mut d = Diagnostic::error(
        Code::PolicySyntax,
        format!("expected {expected}"),
        source,
        Span::new(start, end),
        label,
    );
    let keywords = [
        "entity", "enum", "type", "step", "fact", "def", "rule", "severity", "cite", "when",
        "forbid", "require", "unless", "message", "help",
    ];
    if let Some(k) = crate::diag::did_you_mean(&found, keywords).filter(|k| *k != found) {
        d = d.with_help(format!("did you mean `{k}`?"));
    } else {
        d = d.with_help("see docs/language.md for the syntax of policy files");
    }
    d
}

/// The `//` comment lines right above a declaration, given the text before it, as
/// paragraphs (a blank comment line separates two); `None` when there are none.
pub fn comment_above(before: &str) -> Option<String> {
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let above = before.get(..line_start)?;
    let mut lines: Vec<&str> = Vec::new();
    for line in above.lines().rev() {
        let Some(c) = line.trim_start().strip_prefix("//") else {
            break;
        };
        lines.push(c.strip_prefix(' ').unwrap_or(c).trim_end());
    }
    lines.reverse();
    let mut out = String::new();
    for l in lines {
        if l.is_empty() {
            if !out.is_empty() && !out.ends_with("\n\n") {
                out.push_str("\n\n");
            }
        } else {
            if !out.is_empty() && !out.ends_with('\n') {
                out.push(' ');
            }
            out.push_str(l);
        }
    }
    let out = out.trim().to_string();
    (!out.is_empty()).then_some(out)
}

/// The diagnostic for pest's own limits: its native stack guard ("stack limit reached") or a
/// call limit that the embedding program set with `pest::set_call_limit` ("call limit
/// reached"). pactum itself never sets the call limit.
pub fn limit_error(source: &SourceFile, span: Span, message: &str) -> Diagnostic {
    if message.contains("call limit") {
        Diagnostic::error(
            Code::LimitSize,
            "the parser's call limit was reached",
            source,
            span,
            "parsing stopped here",
        )
        .with_help("the program embedding pactum set a pest call limit (`pest::set_call_limit`) too low for this file; raise or remove it")
    } else {
        Diagnostic::error(
            Code::LimitNesting,
            "text nested too deeply to parse",
            source,
            span,
            "the parser's stack limit is reached here",
        )
        .with_help("reduce the nesting of brackets and expressions")
    }
}

/// The diagnostic for a file over the size limit.
pub fn too_large(source: &SourceFile, max: usize) -> Diagnostic {
    Diagnostic::error(
        Code::LimitSize,
        format!(
            "`{}` is {} bytes, more than the limit of {max}",
            source.name(),
            source.text().len()
        ),
        source,
        Span::new(0, 0),
        "file too large",
    )
    .with_help("split the file, or raise `Limits::max_input_bytes` if you embed pactum")
}

/// Longest chain of set operators or attribute accesses in one expression.
const MAX_CHAIN: usize = 64;

struct Lower<'s> {
    source: &'s SourceFile,
    errors: Vec<Diagnostic>,
    depth: u32,
    max_depth: u32,
    too_deep: bool,
}

impl<'s> Lower<'s> {
    fn new(source: &'s SourceFile, limits: &Limits) -> Self {
        Lower {
            source,
            errors: Vec::new(),
            depth: 0,
            max_depth: limits.max_expr_depth,
            too_deep: false,
        }
    }

    fn nesting_error(&mut self, span: Span, what: &str) {
        if self.too_deep {
            return;
        }
        self.too_deep = true;
        self.errors.push(
            Diagnostic::error(
                Code::LimitNesting,
                format!("{what} nested too deeply"),
                self.source,
                span,
                "the nesting limit is reached here",
            )
            .with_help("split the expression with `def` definitions, or raise `Limits::max_expr_depth` if you embed pactum"),
        );
    }
}

/// Builds a balanced tree of one associative operator over its operands, so that a chain of
/// n operands is log2(n) deep instead of n.
fn balanced(op: BinOp, mut operands: Vec<Expr>) -> Option<Expr> {
    while operands.len() > 1 {
        let mut next = Vec::with_capacity(operands.len().div_ceil(2));
        let mut it = operands.into_iter();
        while let Some(a) = it.next() {
            match it.next() {
                Some(b) => {
                    let span = a.span.join(b.span);
                    next.push(Expr {
                        kind: ExprKind::Binary(op, Box::new(a), Box::new(b)),
                        span,
                    });
                }
                None => next.push(a),
            }
        }
        operands = next;
    }
    operands.pop()
}

/// A pair's span without the whitespace and comments pest lets trail inside it.
fn span(p: &Pair<'_, Rule>) -> Span {
    let s = p.as_span();
    let text = s.as_str();
    let mut end = text.trim_end().len();
    // A trailing line comment inside a non-atomic rule: cut back to the code before it.
    while let Some(line_start) = text
        .get(..end)
        .and_then(|t| t.rfind('\n'))
        .map(|i| i + 1)
        .or(Some(0))
    {
        let line = text.get(line_start..end).unwrap_or("");
        match line.find("//") {
            Some(c) if line_start > 0 && line.get(..c).is_some_and(|b| b.trim().is_empty()) => {
                end = text.get(..line_start).unwrap_or("").trim_end().len();
            }
            _ => break,
        }
    }
    Span::new(s.start(), s.start() + end)
}

fn ident(p: Pair<'_, Rule>) -> Ident {
    Spanned::new(p.as_str().to_string(), span(&p))
}

impl Lower<'_> {
    fn item(&mut self, p: Pair<'_, Rule>) -> Option<Item> {
        let rule = p.as_rule();
        let sp = span(&p);
        let mut inner = p.into_inner();
        Some(match rule {
            Rule::entity_decl | Rule::step_decl => {
                let name = ident(inner.next()?);
                let fields = inner.map(|f| self.field(f)).collect::<Option<Vec<_>>>()?;
                let decl = RecordDecl { name, fields };
                if rule == Rule::entity_decl {
                    Item::Entity(decl)
                } else {
                    Item::Step(decl)
                }
            }
            Rule::enum_decl => {
                let name = ident(inner.next()?);
                Item::Enum(EnumDecl {
                    name,
                    variants: inner.map(ident).collect(),
                })
            }
            Rule::type_decl => {
                let name = ident(inner.next()?);
                let ty = self.type_expr(inner.next()?)?;
                Item::Alias(AliasDecl { name, ty })
            }
            Rule::fact_decl => {
                let name = ident(inner.next()?);
                let ty = ident(inner.next()?);
                let mut attrs = Vec::new();
                for a in inner {
                    let mut ai = a.into_inner();
                    let n = ident(ai.next()?);
                    let mut v = self.expr(ai.next()?);
                    if let Some(d) = ai.next() {
                        v = self.during(v, d)?;
                    }
                    attrs.push((n, v));
                }
                Item::Fact(FactDecl {
                    name,
                    ty,
                    attrs,
                    span: sp,
                })
            }
            Rule::def_decl => {
                let name = ident(inner.next()?);
                let mut params = None;
                let mut body = None;
                for q in inner {
                    match q.as_rule() {
                        Rule::def_params => params = Some(q.into_inner().map(ident).collect()),
                        _ => body = Some(self.expr(q)),
                    }
                }
                Item::Def(DefDecl {
                    name,
                    params,
                    body: body?,
                })
            }
            Rule::rule_decl => Item::Rule(Box::new(self.rule(sp, inner)?)),
            _ => return None,
        })
    }

    fn field(&mut self, p: Pair<'_, Rule>) -> Option<Field> {
        let mut inner = p.into_inner();
        let name = ident(inner.next()?);
        let ty = self.type_expr(inner.next()?)?;
        let mut optional = false;
        let mut default = None;
        let mut excludes = None;
        for q in inner {
            match q.as_rule() {
                Rule::optional => optional = true,
                Rule::excludes => excludes = q.into_inner().next().map(ident),
                _ => default = Some(self.expr(q)),
            }
        }
        Some(Field {
            name,
            ty,
            optional,
            default,
            excludes,
        })
    }

    fn type_expr(&mut self, p: Pair<'_, Rule>) -> Option<TypeExpr> {
        if self.depth >= self.max_depth {
            self.nesting_error(span(&p), "type");
            return None;
        }
        self.depth += 1;
        let t = self.type_expr_inner(p);
        self.depth -= 1;
        t
    }

    fn type_expr_inner(&mut self, p: Pair<'_, Rule>) -> Option<TypeExpr> {
        let sp = span(&p);
        match p.as_rule() {
            Rule::type_expr => {
                let mut parts = p
                    .into_inner()
                    .map(|q| self.type_expr(q))
                    .collect::<Option<Vec<_>>>()?;
                if parts.len() == 1 {
                    parts.pop()
                } else {
                    Some(TypeExpr::Union(parts, sp))
                }
            }
            Rule::set_type => Some(TypeExpr::Set(
                Box::new(self.type_expr(p.into_inner().next()?)?),
                sp,
            )),
            Rule::list_type => Some(TypeExpr::List(
                Box::new(self.type_expr(p.into_inner().next()?)?),
                sp,
            )),
            Rule::named_type => Some(TypeExpr::Named(ident(p.into_inner().next()?))),
            _ => None,
        }
    }

    fn string(&mut self, p: Pair<'_, Rule>) -> Spanned<String> {
        let sp = span(&p);
        let raw = p.into_inner().next().map(|q| q.as_str()).unwrap_or("");
        let mut out = String::with_capacity(raw.len());
        let mut chars = raw.char_indices();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some((_, '"')) => out.push('"'),
                Some((_, '\\')) => out.push('\\'),
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((_, other)) => {
                    let at = sp.start as usize + 1 + i;
                    self.errors.push(
                        Diagnostic::error(
                            Code::PolicySyntax,
                            format!("unknown escape `\\{other}` in string"),
                            self.source,
                            Span::new(at, at + 1 + other.len_utf8()),
                            "unknown escape",
                        )
                        .with_help("the escapes are `\\\"`, `\\\\`, `\\n` and `\\t`"),
                    );
                }
                None => {}
            }
        }
        Spanned::new(out, sp)
    }

    fn rule(&mut self, sp: Span, mut inner: pest::iterators::Pairs<'_, Rule>) -> Option<RuleDecl> {
        let id = ident(inner.next()?);
        let mut r = RuleDecl {
            id,
            span: sp,
            severity: None,
            cite: None,
            scope: None,
            when: None,
            verdict: None,
            unless: Vec::new(),
            message: None,
            help: None,
            label: None,
            allows: Vec::new(),
            repeated: Vec::new(),
        };
        for clause in inner {
            let csp = span(&clause);
            let rule = clause.as_rule();
            let name = match rule {
                Rule::severity_clause => "severity",
                Rule::cite_clause => "cite",
                Rule::scope_clause => "on",
                Rule::when_clause => "when",
                Rule::verdict_clause => "forbid/require",
                Rule::message_clause => "message",
                Rule::help_clause => "help",
                Rule::label_clause => "label",
                Rule::allow_clause => "allow",
                _ => "unless",
            };
            let already = match rule {
                Rule::severity_clause => r.severity.is_some(),
                Rule::cite_clause => r.cite.is_some(),
                Rule::scope_clause => r.scope.is_some(),
                Rule::when_clause => r.when.is_some(),
                Rule::verdict_clause => r.verdict.is_some(),
                Rule::message_clause => r.message.is_some(),
                Rule::help_clause => r.help.is_some(),
                Rule::label_clause => r.label.is_some(),
                _ => false,
            };
            if already {
                r.repeated.push((name.to_string(), csp));
                continue;
            }
            let mut ci = clause.into_inner();
            match rule {
                Rule::severity_clause => r.severity = Some(ident(ci.next()?)),
                Rule::cite_clause => {
                    let inst = ident(ci.next()?);
                    let art = ci.next().map(|s| self.string(s));
                    r.cite = Some((inst, art));
                }
                Rule::scope_clause => {
                    let s = ci.next()?;
                    let scope = match s.as_rule() {
                        Rule::proposal_scope => Scope::Proposal(span(&s)),
                        _ => {
                            let mut ids: Vec<Ident> = s.into_inner().map(ident).collect();
                            let binder = ids.pop()?;
                            Scope::Steps { kinds: ids, binder }
                        }
                    };
                    r.scope = Some(Spanned::new(scope, csp));
                }
                Rule::when_clause => r.when = Some(self.expr(ci.next()?)),
                Rule::verdict_clause => {
                    let kw = ci.next()?;
                    let kind = if kw.as_str().starts_with("forbid") {
                        VerdictKind::Forbid
                    } else {
                        VerdictKind::Require
                    };
                    let mut each = None;
                    let mut cond = None;
                    for q in ci {
                        if q.as_rule() == Rule::each_head {
                            let mut hi = q.into_inner();
                            let b = ident(hi.next()?);
                            let set = self.expr(hi.next()?);
                            each = Some((b, set));
                        } else {
                            cond = Some(self.expr(q));
                        }
                    }
                    r.verdict = Some(Verdict {
                        kind,
                        each,
                        cond,
                        span: csp,
                    });
                }
                Rule::unless_clause => {
                    let cond = self.expr(ci.next()?);
                    let because = ci.next().map(|s| self.string(s));
                    r.unless.push(Unless {
                        cond,
                        because,
                        span: csp,
                    });
                }
                Rule::message_clause => r.message = Some(self.string(ci.next()?)),
                Rule::help_clause => r.help = Some(self.string(ci.next()?)),
                Rule::label_clause => r.label = Some(self.string(ci.next()?)),
                Rule::allow_clause => {
                    let lint = ident(ci.next()?);
                    let reason = self.string(ci.next()?);
                    r.allows.push(Allow { lint, reason });
                }
                _ => {}
            }
        }
        Some(r)
    }

    fn expr(&mut self, p: Pair<'_, Rule>) -> Expr {
        let sp = span(&p);
        match self.try_expr(p) {
            Some(e) => e,
            None => Expr {
                kind: ExprKind::Bool(false),
                span: sp,
            },
        }
    }

    fn try_expr(&mut self, p: Pair<'_, Rule>) -> Option<Expr> {
        // Pass through the grammar's single-child layers (a plain operand is an `expr` in an
        // `or_expr` in an `and_expr` ... in a `postfix`) without recursing, so that only real
        // operators and brackets with content cost stack.
        let mut p = p;
        loop {
            let single = match p.as_rule() {
                Rule::expr | Rule::paren => true,
                Rule::or_expr
                | Rule::and_expr
                | Rule::not_expr
                | Rule::cmp_expr
                | Rule::set_expr
                | Rule::postfix => p.clone().into_inner().nth(1).is_none(),
                _ => false,
            };
            if !single {
                break;
            }
            p = p.into_inner().next()?;
        }
        if self.depth >= self.max_depth {
            self.nesting_error(span(&p), "expression");
            return None;
        }
        self.depth += 1;
        let e = self.try_expr_inner(p);
        self.depth -= 1;
        e
    }

    /// Dispatches on the rule; each construct has its own small function so that a deep
    /// expression costs little stack per level, even in debug builds.
    fn try_expr_inner(&mut self, p: Pair<'_, Rule>) -> Option<Expr> {
        let sp = span(&p);
        match p.as_rule() {
            Rule::expr | Rule::paren => self.try_expr(p.into_inner().next()?),
            Rule::or_expr | Rule::and_expr => self.lower_logic(p, sp),
            Rule::set_expr => self.lower_set_ops(p, sp),
            Rule::not_expr => self.lower_not(p, sp),
            Rule::cmp_expr => self.lower_cmp(p, sp),
            Rule::postfix => self.lower_postfix(p, sp),
            Rule::date => self.lower_date(p, sp),
            Rule::int => self.lower_int(p, sp),
            Rule::string => self.lower_string(p, sp),
            Rule::list_lit => self.lower_list(p, sp),
            Rule::call => self.lower_call(p, sp),
            Rule::quantifier => self.lower_quantifier(p, sp),
            Rule::match_expr => self.lower_match(p, sp),
            Rule::if_expr => self.lower_if(p, sp),
            Rule::ident => self.lower_name(p, sp),
            _ => None,
        }
    }

    #[inline(never)]
    fn lower_logic(&mut self, p: Pair<'_, Rule>, _sp: Span) -> Option<Expr> {
        let op = if p.as_rule() == Rule::or_expr {
            BinOp::Or
        } else {
            BinOp::And
        };
        let mut operands = Vec::new();
        for q in p.into_inner() {
            if !matches!(q.as_rule(), Rule::or_op | Rule::and_op) {
                operands.push(self.try_expr(q)?);
            }
        }
        balanced(op, operands)
    }

    #[inline(never)]
    fn lower_set_ops(&mut self, p: Pair<'_, Rule>, _sp: Span) -> Option<Expr> {
        let mut inner = p.into_inner();
        let mut lhs = self.try_expr(inner.next()?)?;
        let mut chain = 0;
        while let Some(op) = inner.next() {
            chain += 1;
            if chain > MAX_CHAIN {
                self.nesting_error(span(&op), "chain of set operators");
                return None;
            }
            let rhs = self.try_expr(inner.next()?)?;
            let op = match op.as_str() {
                "||" => BinOp::Or,
                "&&" => BinOp::And,
                "|" => BinOp::Union,
                "&" => BinOp::Inter,
                _ => BinOp::Diff,
            };
            let span = lhs.span.join(rhs.span);
            lhs = Expr {
                kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
                span,
            };
        }
        Some(lhs)
    }

    #[inline(never)]
    fn lower_not(&mut self, p: Pair<'_, Rule>, _sp: Span) -> Option<Expr> {
        let mut nots = Vec::new();
        let mut last = None;
        for q in p.into_inner() {
            if q.as_rule() == Rule::not_op {
                nots.push(span(&q));
            } else {
                last = Some(q);
            }
        }
        let e = self.try_expr(last?)?;
        // `!!x` is `x`: keep one `!` for an odd count, none for an even one.
        match nots.first() {
            Some(first) if nots.len() % 2 == 1 => {
                let span = first.join(e.span);
                Some(Expr {
                    kind: ExprKind::Not(Box::new(e)),
                    span,
                })
            }
            _ => Some(e),
        }
    }

    #[inline(never)]
    fn lower_cmp(&mut self, p: Pair<'_, Rule>, sp: Span) -> Option<Expr> {
        let mk = |kind| Some(Expr { kind, span: sp });
        let mut inner = p.into_inner();
        let lhs = self.try_expr(inner.next()?)?;
        let Some(op) = inner.next() else {
            return Some(lhs);
        };
        let rhs = inner.next()?;
        let kind = match op.as_rule() {
            Rule::is_op => ExprKind::Is(Box::new(lhs), self.type_expr(rhs)?),
            Rule::has_op => ExprKind::Has(Box::new(lhs), ident(rhs)),
            _ => {
                let text: String = op.as_str().split_whitespace().collect::<Vec<_>>().join(" ");
                let op = match text.as_str() {
                    "!=" => BinOp::Ne,
                    "<=" => BinOp::Le,
                    ">=" => BinOp::Ge,
                    "<" => BinOp::Lt,
                    ">" => BinOp::Gt,
                    "in" => BinOp::In,
                    "==" => BinOp::Eq,
                    _ => BinOp::NotIn,
                };
                ExprKind::Binary(op, Box::new(lhs), Box::new(self.try_expr(rhs)?))
            }
        };
        mk(kind)
    }

    #[inline(never)]
    fn lower_postfix(&mut self, p: Pair<'_, Rule>, _sp: Span) -> Option<Expr> {
        let mut inner = p.into_inner();
        let mut e = self.try_expr(inner.next()?)?;
        for (i, field) in inner.enumerate() {
            if i >= MAX_CHAIN {
                self.nesting_error(span(&field), "chain of attribute accesses");
                return None;
            }
            let f = ident(field);
            let span = e.span.join(f.span);
            e = Expr {
                kind: ExprKind::Attr(Box::new(e), f),
                span,
            };
        }
        Some(e)
    }

    #[inline(never)]
    fn lower_date(&mut self, p: Pair<'_, Rule>, sp: Span) -> Option<Expr> {
        let mk = |kind| Some(Expr { kind, span: sp });
        match Date::parse(p.as_str()) {
            Ok(d) => mk(ExprKind::Date(d)),
            Err(_) => {
                self.errors.push(
                        Diagnostic::error(
                            Code::InvalidDate,
                            format!("`{}` is not a calendar date", p.as_str()),
                            self.source,
                            sp,
                            "no such day",
                        )
                        .with_help("dates are written YYYY-MM-DD and must exist (months 01-12, days within the month)"),
                    );
                None
            }
        }
    }

    #[inline(never)]
    fn lower_int(&mut self, p: Pair<'_, Rule>, sp: Span) -> Option<Expr> {
        let mk = |kind| Some(Expr { kind, span: sp });
        match p.as_str().parse::<i64>() {
            Ok(i) => mk(ExprKind::Int(i)),
            Err(_) => {
                self.errors.push(
                    Diagnostic::error(
                        Code::PolicySyntax,
                        "integer literal out of range",
                        self.source,
                        sp,
                        "does not fit in 64 bits",
                    )
                    .with_help("integers range from -9223372036854775808 to 9223372036854775807"),
                );
                None
            }
        }
    }

    #[inline(never)]
    fn lower_string(&mut self, p: Pair<'_, Rule>, sp: Span) -> Option<Expr> {
        let mk = |kind| Some(Expr { kind, span: sp });
        let s = self.string(p);
        mk(ExprKind::Str(s.node))
    }

    #[inline(never)]
    fn lower_list(&mut self, p: Pair<'_, Rule>, sp: Span) -> Option<Expr> {
        let mk = |kind| Some(Expr { kind, span: sp });
        if let Some((head, cond)) = filter_parts(&p) {
            return self.lower_filter(head, cond, sp);
        }
        let mut items: Vec<Expr> = Vec::new();
        for q in p.into_inner() {
            if q.as_rule() == Rule::during {
                let item = items.pop()?;
                items.push(self.during(item, q)?);
            } else {
                items.push(self.expr(q));
            }
        }
        mk(ExprKind::List(items))
    }

    /// `value from D until E`: the value, and when it holds.
    fn during(&mut self, value: Expr, p: Pair<'_, Rule>) -> Option<Expr> {
        let dsp = span(&p);
        let mut d = During {
            from: None,
            until: None,
            span: dsp,
        };
        let mut inner = p.into_inner();
        while let Some(kw) = inner.next() {
            let date = inner.next()?;
            let dspan = span(&date);
            let Some(Expr {
                kind: ExprKind::Date(day),
                ..
            }) = self.lower_date(date, dspan)
            else {
                return None;
            };
            if kw.as_str().starts_with("from") {
                d.from = Some((day, dspan));
            } else {
                d.until = Some((day, dspan));
            }
        }
        let span = Span::new(value.span.start as usize, dsp.end as usize);
        Some(Expr {
            kind: ExprKind::During(Box::new(value), d),
            span,
        })
    }

    #[inline(never)]
    fn lower_call(&mut self, p: Pair<'_, Rule>, sp: Span) -> Option<Expr> {
        let mk = |kind| Some(Expr { kind, span: sp });
        let filter = filter_parts(&p);
        let mut inner = p.into_inner();
        let f = ident(inner.next()?);
        if let Some((head, cond)) = filter {
            // `count(x in S where c)`: the filter spans `x in S where c`.
            let fsp = Span::new(span(&head).start as usize, span(&cond).end as usize);
            let filter = self.lower_filter(head, cond, fsp)?;
            return mk(ExprKind::Call(f, vec![filter]));
        }
        let args = inner.map(|q| self.expr(q)).collect();
        mk(ExprKind::Call(f, args))
    }

    #[inline(never)]
    fn lower_quantifier(&mut self, p: Pair<'_, Rule>, sp: Span) -> Option<Expr> {
        let mk = |kind| Some(Expr { kind, span: sp });
        let mut inner = p.into_inner();
        let q = if inner.next()?.as_str().starts_with("any") {
            Quant::Any
        } else {
            Quant::All
        };
        let b = ident(inner.next()?);
        let set = self.try_expr(inner.next()?)?;
        let body = self.try_expr(inner.next()?)?;
        mk(ExprKind::Quant(q, b, Box::new(set), Box::new(body)))
    }

    #[inline(never)]
    /// A filter from its element (which must read `x in S`) and its `where` clause.
    fn lower_filter(
        &mut self,
        head: Pair<'_, Rule>,
        cond: Pair<'_, Rule>,
        sp: Span,
    ) -> Option<Expr> {
        let head_span = span(&head);
        let Some((x, set)) = filter_head(head) else {
            self.errors.push(
                Diagnostic::error(
                    Code::PolicySyntax,
                    "expected `NAME in COLLECTION` before `where`",
                    self.source,
                    head_span,
                    "a filter needs a new name and the collection it walks here",
                )
                .with_help("a filter is written `[x in S where c]`, or `count(x in S where c)` as a call's only argument"),
            );
            return None;
        };
        let b = ident(x);
        let set = self.try_expr(set)?;
        let cond = self.try_expr(cond.into_inner().next()?)?;
        Some(Expr {
            kind: ExprKind::Filter(b, Box::new(set), Box::new(cond)),
            span: sp,
        })
    }

    #[inline(never)]
    fn lower_match(&mut self, p: Pair<'_, Rule>, sp: Span) -> Option<Expr> {
        let mk = |kind| Some(Expr { kind, span: sp });
        let mut inner = p.into_inner();
        let x = ident(inner.next()?);
        let mut arms = Vec::new();
        for arm in inner {
            let mut ai = arm.into_inner();
            let pat = ai.next()?;
            let kinds = pat
                .into_inner()
                .filter(|q| q.as_rule() == Rule::ident)
                .map(ident)
                .collect();
            let body = self.try_expr(ai.next()?)?;
            arms.push(Arm { kinds, body });
        }
        mk(ExprKind::Match(x, arms))
    }

    #[inline(never)]
    fn lower_if(&mut self, p: Pair<'_, Rule>, sp: Span) -> Option<Expr> {
        let mk = |kind| Some(Expr { kind, span: sp });
        let mut inner = p.into_inner();
        let c = self.try_expr(inner.next()?)?;
        let a = self.try_expr(inner.next()?)?;
        let b = self.try_expr(inner.next()?)?;
        mk(ExprKind::If(Box::new(c), Box::new(a), Box::new(b)))
    }

    #[inline(never)]
    fn lower_name(&mut self, p: Pair<'_, Rule>, sp: Span) -> Option<Expr> {
        let mk = |kind| Some(Expr { kind, span: sp });
        match p.as_str() {
            "true" => mk(ExprKind::Bool(true)),
            "false" => mk(ExprKind::Bool(false)),
            s => mk(ExprKind::Name(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_above_a_declaration() {
        let text = "// one\n\n// two\n// three\n//\n// four\nrule x {}";
        let start = text.find("rule").unwrap_or(0);
        assert_eq!(
            comment_above(&text[..start]).as_deref(),
            Some("two three\n\nfour")
        );
        assert_eq!(comment_above("\n"), None);
        assert_eq!(comment_above(""), None);
    }

    fn parse(text: &str) -> Result<PolicyFile, Vec<Diagnostic>> {
        parse_policy_with(&SourceFile::new("t.policy", text), &Limits::default())
    }

    #[test]
    fn parses_the_design_example() {
        let f = parse(
            r#"
            rule caspian.non_littoral_forces {
              severity error
              cite caspian_convention_2018 "art. 3"
              on exercise, deployment, base as s
              when s.area == caspian_sea && s.armed
              forbid each p in forces(s) where p not in caspian_sea.littoral
              message "armed forces of {p} in the Caspian"
              help "limit the step to {caspian_sea.littoral}"
            }"#,
        )
        .unwrap();
        let Item::Rule(r) = &f.items[0] else { panic!() };
        assert_eq!(r.id.node, "caspian.non_littoral_forces");
        let v = r.verdict.as_ref().unwrap();
        assert_eq!(v.kind, VerdictKind::Forbid);
        let (b, _) = v.each.as_ref().unwrap();
        assert_eq!(b.node, "p");
        let Some(ExprKind::Binary(BinOp::NotIn, _, _)) = v.cond.as_ref().map(|c| &c.kind) else {
            panic!("{:?}", v.cond)
        };
    }

    /// A keyword is a whole word: `iffy`, `thence`, `matches` are names.
    #[test]
    fn keywords_are_whole_words() {
        let f = parse("def x = iffy || thence(matches) || elsewhere").unwrap();
        let Item::Def(d) = &f.items[0] else { panic!() };
        assert!(
            matches!(d.body.kind, ExprKind::Binary(BinOp::Or, ..)),
            "{:?}",
            d.body.kind
        );
        let f = parse("def x = if a then b else c").unwrap();
        let Item::Def(d) = &f.items[0] else { panic!() };
        assert!(matches!(d.body.kind, ExprKind::If(..)), "{:?}", d.body.kind);
        assert!(parse("def x = if a thenb else c").is_err());
        // Not `entity foo`, `rule r`, `any x in ner`, `severity error`, `in s.x`.
        for text in [
            "entityfoo { name: string }",
            "ruler { }",
            "def x = any x inner: true",
            "rule r { severityerror }",
            "rule r { on deal as s forbid each p ins.x }",
        ] {
            assert!(parse(text).is_err(), "{text}");
        }
        assert!(
            parse("entity foo { name: string }\nrule r { on deal as s forbid each p in s.x }")
                .is_ok()
        );
    }

    /// A filter's element is parsed once, as an expression, and must read `x in S`.
    #[test]
    fn filters_in_brackets_and_calls() {
        for text in [
            "def x = [a in s.b where a == c]",
            "def x = count(a in s.b | d where a == c)",
        ] {
            let f = parse(text).unwrap();
            let Item::Def(d) = &f.items[0] else { panic!() };
            let filter = match &d.body.kind {
                ExprKind::Call(_, args) => &args[0],
                _ => &d.body,
            };
            let ExprKind::Filter(x, set, _) = &filter.kind else {
                panic!("{text}: {:?}", filter.kind)
            };
            assert_eq!(x.node, "a", "{text}");
            assert!(!matches!(set.kind, ExprKind::Filter(..)), "{text}");
            let at = text.find("a in").unwrap_or(0);
            assert_eq!(
                filter.span.start as usize,
                if text.contains('[') { at - 1 } else { at }
            );
        }
        for text in [
            "def x = [(a) in s where c]",
            "def x = [a.b in s where c]",
            "def x = count(a == s where c)",
        ] {
            let errs = parse(text).unwrap_err();
            assert_eq!(errs.len(), 1, "{text}: {errs:?}");
            assert_eq!(
                errs[0].message, "expected `NAME in COLLECTION` before `where`",
                "{text}"
            );
        }
        // Lists and calls of several elements take no `where`.
        assert!(parse("def x = [a, b in s where c]").is_err());
        assert!(parse("def x = f(a, b in s where c)").is_err());
    }

    #[test]
    fn precedence_and_operators() {
        let f = parse("def x = a == b || !c && d != e").unwrap();
        let Item::Def(d) = &f.items[0] else { panic!() };
        let ExprKind::Binary(BinOp::Or, l, r) = &d.body.kind else {
            panic!()
        };
        assert!(matches!(l.kind, ExprKind::Binary(BinOp::Eq, _, _)));
        let ExprKind::Binary(BinOp::And, n, ne) = &r.kind else {
            panic!()
        };
        assert!(matches!(n.kind, ExprKind::Not(_)));
        assert!(matches!(ne.kind, ExprKind::Binary(BinOp::Ne, _, _)));
        for (src, op) in [
            ("a <= b", BinOp::Le),
            ("a >= b", BinOp::Ge),
            ("a < b", BinOp::Lt),
            ("a > b", BinOp::Gt),
            ("a in b", BinOp::In),
            ("a not in b", BinOp::NotIn),
        ] {
            let f = parse(&format!("def x = {src}")).unwrap();
            let Item::Def(d) = &f.items[0] else { panic!() };
            let ExprKind::Binary(got, _, _) = &d.body.kind else {
                panic!()
            };
            assert_eq!(*got, op, "{src}");
        }
    }

    #[test]
    fn set_operators_bind_tighter_than_comparison() {
        let f = parse("def x = a - [b] == c | d & e").unwrap();
        let Item::Def(d) = &f.items[0] else { panic!() };
        let ExprKind::Binary(BinOp::Eq, l, r) = &d.body.kind else {
            panic!()
        };
        assert!(matches!(l.kind, ExprKind::Binary(BinOp::Diff, _, _)));
        assert!(matches!(r.kind, ExprKind::Binary(BinOp::Inter, _, _)));
    }

    #[test]
    fn schema_items() {
        let f = parse(
            "entity State { name: string }\nenum Cargo { a, b, }\ntype Area = State | Region\n\
             step base { host: State, operators: set<State>, area: Area = host, consents: set<State> = [] , x: int? }",
        )
        .unwrap();
        assert_eq!(f.items.len(), 4);
        let Item::Step(s) = &f.items[3] else { panic!() };
        assert_eq!(s.fields.len(), 5);
        assert!(s.fields[4].optional);
        assert!(s.fields[2].default.is_some());
    }

    #[test]
    fn syntax_error_points_at_the_typo() {
        let errs = parse("rule a.b {\n  severty error\n}").unwrap_err();
        let d = &errs[0];
        assert_eq!(d.code, Code::PolicySyntax);
        let loc = d.location().unwrap();
        assert_eq!((loc.line, loc.column), (2, 3));
        assert_eq!(d.help.as_deref(), Some("did you mean `severity`?"));
    }

    #[test]
    fn impossible_dates_are_errors() {
        let errs = parse("def d = 2026-02-30").unwrap_err();
        assert_eq!(errs[0].code, Code::InvalidDate);
    }

    #[test]
    fn keywords_are_not_names() {
        assert!(parse("def in = 1").is_err());
        assert!(parse("def instrument = 1").is_ok());
        assert!(parse("def x = a notin b").is_err());
    }
}
