//! Facts: values of entity attributes, checked against the schema. A value may hold only
//! during a period (`from D until E`), and so may each element of a list: the fact then
//! changes over time, and its [`Timeline`] gives the value of each period.

use std::collections::BTreeSet;

use super::*;
use crate::date::Date;
use crate::syntax::During;

/// When a line or an element holds: from `.0` (`None`: always before) until `.1` (`None`:
/// for ever after).
type Period = (Option<Date>, Option<Date>);

/// One line of a fact's attribute (`name: value [from D] [until E]`).
struct Line {
    period: Period,
    /// The line's value, or its elements with their periods.
    value: LineValue,
    span: Span,
}

enum LineValue {
    Const(Value),
    /// A list whose elements carry periods: each element's expression (checked once), and
    /// its period.
    Items(Vec<(Expr, Period, Span)>),
}

/// Whether a period holds on the first day of a period starting at `start` (`None`: the
/// period before every change).
fn holds(p: Period, start: Option<Date>) -> bool {
    let after_from = match (p.0, start) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(f), Some(s)) => s >= f,
    };
    let before_until = match (p.1, start) {
        (None, _) | (Some(_), None) => true,
        (Some(u), Some(s)) => s < u,
    };
    after_from && before_until
}

/// The period two periods share, if any.
fn overlap(a: Period, b: Period) -> Option<Period> {
    let from = match (a.0, b.0) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    };
    let until = match (a.1, b.1) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    };
    match (from, until) {
        (Some(f), Some(u)) if f >= u => None,
        _ => Some((from, until)),
    }
}

/// How a period reads in a message.
fn when(start: Option<Date>, end: Option<Date>) -> String {
    match (start, end) {
        (None, None) => "on every date".into(),
        (None, Some(e)) => format!("before {e}"),
        (Some(s), None) => format!("from {s}"),
        (Some(s), Some(e)) => format!("from {s} until {e}"),
    }
}

impl<'a> Cx<'a> {
    /// Compiles a constant expression of an expected type.
    pub(super) fn const_value(&mut self, e: &Expr, file: FileId, expected: &Ty) -> Option<Value> {
        if let ExprKind::During(_, d) = &e.kind {
            self.misplaced_period(d, file);
            return None;
        }
        let mut scope = Scope {
            in_const: true,
            ..Scope::default()
        };
        let (c, ty) = self.expr(e, file, &mut scope, Some(expected));
        if ty == Ty::Error {
            return None;
        }
        if !self.fits(&ty, expected) {
            let (a, b) = (self.out.ty_name(&ty), self.out.ty_name(expected));
            self.err(
                Code::TypeMismatch,
                file,
                e.span,
                format!("expected `{b}`, found `{a}`"),
                format!("this is `{a}`"),
            );
            // The usual slip: an entity id in quotes.
            let quoted = match &e.kind {
                ExprKind::Str(t) => Some(t.clone()),
                ExprKind::List(items) => items.iter().find_map(|i| match &i.kind {
                    ExprKind::Str(t) => Some(t.clone()),
                    _ => None,
                }),
                _ => None,
            };
            let entity = match expected {
                Ty::Entity(_) => true,
                Ty::Set(t) | Ty::List(t) => matches!(**t, Ty::Entity(_)),
                _ => false,
            };
            match quoted {
                Some(t) if entity => self.help(format!(
                    "an entity is written as its fact's id, without quotes: `{t}`, not `\"{t}\"`"
                )),
                _ => {
                    let example = self.example_of(expected);
                    self.help(format!("write {example}"));
                }
            }
            return None;
        }
        match fold(&c) {
            Some(v) => Some(v),
            None => {
                self.err(
                    Code::TypeMismatch,
                    file,
                    e.span,
                    "expected a constant",
                    "not a constant",
                );
                self.help(
                    "facts and defaults are literals, entity ids, enum values or lists of them",
                );
                None
            }
        }
    }

    /// What a literal of a type looks like, for a help: `an int, such as `1``.
    fn example_of(&self, ty: &Ty) -> String {
        match ty {
            Ty::Bool => "`true` or `false`".into(),
            Ty::Int => "an int, such as `1`".into(),
            Ty::Str => "a string in double quotes, such as `\"text\"`".into(),
            Ty::Date => "a date, YYYY-MM-DD, such as `2026-01-01`".into(),
            Ty::Enum(e) => match self.out.enums.get(*e as usize) {
                Some((name, variants)) if !variants.is_empty() => {
                    let v: Vec<String> = variants
                        .iter()
                        .take(6)
                        .map(|&a| format!("`{}`", self.out.atom_name(a)))
                        .collect();
                    format!("one of `{name}`'s values: {}", v.join(", "))
                }
                _ => format!("a value of `{}`", self.out.ty_name(ty)),
            },
            Ty::Entity(_) => format!("the id of a `{}` fact", self.out.ty_name(ty)),
            Ty::Set(t) | Ty::List(t) => format!(
                "a list in brackets, `[a, b]`, each element {}",
                self.example_of(t)
            ),
            _ => format!("a value of `{}`", self.out.ty_name(ty)),
        }
    }

    /// `from`/`until` where no fact value is.
    pub(super) fn misplaced_period(&mut self, d: &During, file: FileId) {
        self.err(
            Code::Period,
            file,
            d.span,
            "only a fact's value can hold during a period",
            "a period outside a fact",
        );
        self.help("write periods in facts (`members: [a, b from 2019-10-01]`); rules read facts as they stand on the date a step is judged at");
    }

    /// The period of a `from ... until ...`, checked: it must not end before it starts.
    fn period(&mut self, d: Option<&During>, file: FileId) -> Option<Period> {
        let Some(d) = d else {
            return Some((None, None));
        };
        let (from, until) = (d.from.map(|f| f.0), d.until.map(|u| u.0));
        if let (Some((f, fs)), Some((u, us))) = (d.from, d.until) {
            if u <= f {
                self.err(
                    Code::Period,
                    file,
                    us,
                    format!("this period ends on {u}, before it starts on {f}"),
                    if u == f {
                        "ends the day it starts"
                    } else {
                        "ends before it starts"
                    },
                );
                self.related(file, fs, "it starts here");
                self.help("`from D` is the first day the value holds, `until E` the first day it no longer does: E must come after D");
                return None;
            }
        }
        Some((from, until))
    }

    pub(super) fn fact(&mut self, d: &ast::FactDecl, file: FileId) {
        let Some(&atom) = self.out.atom_index.get(&d.name.node) else {
            return;
        };
        let Some(AtomKind::Entity(t)) = self.out.atoms.get(atom as usize).map(|a| a.kind) else {
            return;
        };
        let Some(et) = self.out.types.get(t as usize).cloned() else {
            return;
        };
        let mut values: Vec<Option<FactValue>> = vec![None; self.out.attr_names.len()];
        // The lines of each attribute, in order: a name may come back only with periods.
        let mut lines: Vec<(&ast::Ident, Vec<&Expr>)> = Vec::new();
        for (name, value) in &d.attrs {
            match lines.iter_mut().find(|(n, _)| n.node == name.node) {
                Some((first, vs)) => {
                    let timed = |e: &Expr| matches!(e.kind, ExprKind::During(..));
                    if !timed(value) || vs.iter().any(|v| !timed(v)) {
                        let prev = first.span;
                        self.err(
                            Code::DuplicateKey,
                            file,
                            name.span,
                            format!("attribute `{}` is given twice", name.node),
                            "given again here",
                        );
                        self.related(file, prev, "first given here");
                        self.help("an attribute may be given again only for another period: `name: value from D` on each line");
                        continue;
                    }
                    vs.push(value);
                }
                None => lines.push((name, vec![value])),
            }
        }
        let mut given: HashMap<&str, Span> = HashMap::new();
        for (name, exprs) in lines {
            given.insert(&name.node, name.span);
            let Some(field) = et.fields.iter().find(|f| f.name == name.node) else {
                let hint = did_you_mean(&name.node, et.fields.iter().map(|f| f.name.as_str()))
                    .map(str::to_string);
                self.err(
                    Code::UnknownField,
                    file,
                    name.span,
                    format!("entity type `{}` has no attribute `{}`", et.name, name.node),
                    "unknown attribute",
                );
                match hint {
                    Some(h) => self.suggest(&h),
                    None => {
                        let names: Vec<_> = et.fields.iter().map(|f| f.name.as_str()).collect();
                        self.help(format!("`{}` has: {}", et.name, names.join(", ")));
                    }
                }
                continue;
            };
            let Some(&a) = self.attr_index.get(&name.node) else {
                continue;
            };
            self.out.set_attrs.insert(a);
            let v = self.fact_value(&d.name.node, name, field, &exprs, file);
            if matches!(v, Some(FactValue::Timed(_))) {
                self.out.timed_attrs.insert(a);
            }
            if let Some(slot) = values.get_mut(a as usize) {
                *slot = v;
            }
        }
        let mut missing = Vec::new();
        for f in &et.fields {
            if given.contains_key(f.name.as_str()) {
                continue;
            }
            if let Some(Default::Const(v)) = &f.default {
                if let Some(&a) = self.attr_index.get(&f.name) {
                    if let Some(slot) = values.get_mut(a as usize) {
                        *slot = Some(FactValue::Fixed(v.clone()));
                    }
                }
            } else if !f.optional {
                missing.push(format!("`{}: {}`", f.name, self.out.ty_name(&f.ty)));
            }
        }
        if !missing.is_empty() {
            self.err(
                Code::FactShape,
                file,
                d.name.span,
                format!("fact `{}` is missing {}", d.name.node, missing.join(", ")),
                "required attributes missing",
            );
            self.help(format!("add {} to the fact", missing.join(", ")));
        }
        if let Some(slot) = self.out.facts.get_mut(atom as usize) {
            *slot = values;
        }
    }

    /// The value of one attribute of a fact, from its lines: fixed, or a timeline.
    fn fact_value(
        &mut self,
        fact: &str,
        name: &ast::Ident,
        field: &FieldInfo,
        exprs: &[&Expr],
        file: FileId,
    ) -> Option<FactValue> {
        let mut lines: Vec<Line> = Vec::new();
        let mut ok = true;
        for e in exprs {
            let (inner, d) = match &e.kind {
                ExprKind::During(x, d) => (&**x, Some(d)),
                _ => (*e, None),
            };
            let Some(period) = self.period(d, file) else {
                ok = false;
                continue;
            };
            let span = d.map_or(e.span, |d| d.span);
            let value = match (&inner.kind, field.ty.elem()) {
                (ExprKind::List(items), Some(elem))
                    if items.iter().any(|i| matches!(i.kind, ExprKind::During(..))) =>
                {
                    match self.timed_items(items, elem, file) {
                        Some(items) => LineValue::Items(items),
                        None => {
                            ok = false;
                            continue;
                        }
                    }
                }
                _ => match self.const_value(inner, file, &field.ty) {
                    Some(v) => LineValue::Const(v),
                    None => {
                        ok = false;
                        continue;
                    }
                },
            };
            lines.push(Line {
                period,
                value,
                span,
            });
        }
        if !ok {
            return None;
        }
        // Two lines for one date: which value holds is undecided.
        for (j, b) in lines.iter().enumerate() {
            for a in lines.iter().take(j) {
                if let Some((from, until)) = overlap(a.period, b.period) {
                    let on = when(from, until);
                    self.err(
                        Code::Period,
                        file,
                        b.span,
                        format!("`{}` of `{fact}` has two values {on}", name.node),
                        "this period overlaps another",
                    );
                    self.related(file, a.span, "the other value's period");
                    self.help("make the periods meet without overlapping: `until D` on one line and `from D` on the next");
                    return None;
                }
            }
        }
        let mut dates = BTreeSet::new();
        for l in &lines {
            dates.extend(l.period.0);
            dates.extend(l.period.1);
            if let LineValue::Items(items) = &l.value {
                for (_, p, _) in items {
                    dates.extend(p.0);
                    dates.extend(p.1);
                }
            }
        }
        if dates.is_empty() {
            return match lines.into_iter().next()?.value {
                LineValue::Const(v) => Some(FactValue::Fixed(v)),
                LineValue::Items(_) => None,
            };
        }
        let changes: Vec<Date> = dates.into_iter().collect();
        let starts: Vec<Option<Date>> = std::iter::once(None)
            .chain(changes.iter().copied().map(Some))
            .collect();
        let default = match &field.default {
            Some(Default::Const(v)) => Some(v.clone()),
            _ => None,
        };
        let mut values: Vec<Option<Value>> = Vec::with_capacity(starts.len());
        let mut gaps = Vec::new();
        for (i, &start) in starts.iter().enumerate() {
            let v = match lines.iter().find(|l| holds(l.period, start)) {
                Some(Line {
                    value: LineValue::Const(v),
                    ..
                }) => Some(v.clone()),
                Some(Line {
                    value: LineValue::Items(items),
                    span,
                    ..
                }) => {
                    let now: Vec<Expr> = items
                        .iter()
                        .filter(|(_, p, _)| holds(*p, start))
                        .map(|(e, _, _)| e.clone())
                        .collect();
                    let list = Expr {
                        kind: ExprKind::List(now),
                        span: *span,
                    };
                    self.const_value(&list, file, &field.ty)
                }
                None => {
                    if default.is_none() && !field.optional {
                        gaps.push(when(start, changes.get(i).copied()));
                    }
                    default.clone()
                }
            };
            values.push(v);
        }
        if !gaps.is_empty() {
            self.err(
                Code::Period,
                file,
                name.span,
                format!(
                    "`{}` of `{fact}` has no value {}",
                    name.node,
                    gaps.join(", nor ")
                ),
                "a required attribute, not given for every date",
            );
            self.help(format!(
                "give `{}` a value for every date (a line without `from` or `until` covers the rest), or declare it optional (`{}: {}?`)",
                name.node,
                name.node,
                self.out.ty_name(&field.ty)
            ));
            return None;
        }
        // Adjacent periods of equal value are one.
        let mut merged_changes = Vec::new();
        let mut merged: Vec<Option<Value>> = Vec::new();
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 && merged.last() == Some(&v) {
                continue;
            }
            if let Some(c) = i.checked_sub(1).and_then(|j| changes.get(j)) {
                merged_changes.push(*c);
            }
            merged.push(v);
        }
        if merged_changes.is_empty() {
            return merged.into_iter().next().flatten().map(FactValue::Fixed);
        }
        Some(FactValue::Timed(Timeline {
            changes: merged_changes.into(),
            values: merged.into(),
        }))
    }

    /// The elements of a list with periods: each checked once against the element type,
    /// and no element listed twice for one date.
    fn timed_items(
        &mut self,
        items: &[Expr],
        elem: &Ty,
        file: FileId,
    ) -> Option<Vec<(Expr, Period, Span)>> {
        let mut out: Vec<(Expr, Period, Span, Value)> = Vec::new();
        let mut ok = true;
        for it in items {
            let (x, d) = match &it.kind {
                ExprKind::During(x, d) => (&**x, Some(d)),
                _ => (it, None),
            };
            let (Some(p), Some(v)) = (self.period(d, file), self.const_value(x, file, elem)) else {
                ok = false;
                continue;
            };
            if let Some((_, q, first, _)) = out
                .iter()
                .find(|(_, q, _, w)| *w == v && overlap(*q, p).is_some())
            {
                let (q, first) = (*q, *first);
                let on = overlap(q, p).map_or_else(String::new, |(f, u)| when(f, u));
                let src = self.src(file);
                let text = src
                    .text()
                    .get(x.span.start as usize..x.span.end as usize)
                    .unwrap_or("this element")
                    .to_string();
                self.err(
                    Code::Period,
                    file,
                    it.span,
                    format!("`{text}` is listed twice {on}"),
                    "listed again for a period it is already in",
                );
                self.related(file, first, "first listed here");
                self.help("list an element once per period: its periods must not overlap");
                ok = false;
                continue;
            }
            out.push((x.clone(), p, it.span, v));
        }
        ok.then(|| out.into_iter().map(|(e, p, s, _)| (e, p, s)).collect())
    }
}
