//! Facts that change over time, resolved for rule evaluation.
//!
//! A fact attribute written with periods (`members: [a, b from 2019-10-01]`) compiles to a
//! [`Timeline`], and a rule that names it reads a [`CExpr::TimedFact`]. Such a rule is
//! lowered once for each period in which none of the facts it reads changes: [`changes`]
//! gives the dates that start those periods, and [`on_date`] the rule as it reads on a date
//! of one of them, with each timed fact replaced by its value then and the sets of facts
//! folded again, as the compiler folds fixed ones. Evaluation picks the period of the date
//! a step is judged at (a binary search over a few dates) and runs its program: the hot
//! path stays as it is for rules that do not care about time, and does no more than that
//! search for those that do.

use std::collections::BTreeSet;

use super::expr::set_op;
use crate::date::Date;
use crate::ir::*;
use crate::syntax::BinOp;

/// Every expression of a rule.
fn exprs(rule: &CRule) -> Vec<&CExpr> {
    let mut out = rule.conditions();
    for parts in [&rule.message, &rule.help, &rule.label] {
        out.extend(parts.iter().filter_map(|p| match p {
            Part::Expr(e) => Some(e),
            Part::Lit(_) => None,
        }));
    }
    out
}

/// The dates where a fact that `rule` may read changes, ascending: those of each timed fact
/// it names, and of every fact of each timed attribute it reads from an entity known only
/// when it runs (`s.framework.members`).
/// Also where the rule first reads such a fact, by name.
pub fn changes(lib: &Compiled, rule: &CRule) -> (Vec<Date>, Option<crate::source::Span>) {
    let mut dates = BTreeSet::new();
    let mut first: Option<crate::source::Span> = None;
    let all_of = |attr: AttrId, dates: &mut BTreeSet<Date>| {
        if lib.timed_attrs.contains(&attr) {
            for f in &lib.facts {
                if let Some(Some(v)) = f.get(attr as usize) {
                    dates.extend(v.changes().iter().copied());
                }
            }
        }
    };
    let mut stack = exprs(rule);
    while let Some(e) = stack.pop() {
        match e {
            CExpr::TimedFact { entity, attr, span } => {
                if first.is_none_or(|f| span.start < f.start) {
                    first = Some(*span);
                }
                if let Some(Some(v)) = lib
                    .facts
                    .get(*entity as usize)
                    .and_then(|f| f.get(*attr as usize))
                {
                    dates.extend(v.changes().iter().copied());
                }
            }
            CExpr::EntityAttr { attr, .. } | CExpr::EntityHas(_, attr) => all_of(*attr, &mut dates),
            CExpr::InForce {
                eif, terminated, ..
            } => {
                all_of(*eif, &mut dates);
                if let Some(t) = terminated {
                    all_of(*t, &mut dates);
                }
            }
            _ => {}
        }
        children(e, &mut stack);
    }
    (dates.into_iter().collect(), first)
}

/// `rule` with every timed fact it names read on date `on`.
pub fn on_date(lib: &Compiled, rule: &CRule, on: Date) -> CRule {
    let mut r = rule.clone();
    let mut resolve = |e: &mut CExpr| resolve(lib, e, on);
    r.when.iter_mut().for_each(&mut resolve);
    r.each.iter_mut().for_each(|(_, c)| resolve(c));
    r.cond.iter_mut().for_each(&mut resolve);
    r.unless.iter_mut().for_each(&mut resolve);
    for parts in [&mut r.message, &mut r.help, &mut r.label] {
        for p in parts.iter_mut() {
            if let Part::Expr(e) = p {
                resolve(e);
            }
        }
    }
    r
}

/// Replaces the timed facts in `e` by their values on `on`, bottom up, and folds the set
/// operations whose operands became constants.
fn resolve(lib: &Compiled, e: &mut CExpr, on: Date) {
    {
        let mut kids = Vec::new();
        children_mut(e, &mut kids);
        for k in kids {
            resolve(lib, k, on);
        }
    }
    let taken = std::mem::replace(e, CExpr::Const(Value::Bool(false)));
    *e = match taken {
        CExpr::TimedFact { entity, attr, span } => {
            let value = lib
                .facts
                .get(entity as usize)
                .and_then(|f| f.get(attr as usize))
                .and_then(|v| v.as_ref())
                .and_then(|v| v.on(Some(on)).ok().flatten());
            match value {
                Some(v) => CExpr::Fact {
                    value: v.clone(),
                    entity,
                    attr,
                },
                // Absent on that date: reading it is an evaluation error, as for a fact
                // that never has the attribute.
                None => CExpr::EntityAttr {
                    obj: Box::new(CExpr::Const(Value::Atom(entity))),
                    attr,
                    span,
                },
            }
        }
        CExpr::Union(a, b) => set_op(BinOp::Union, *a, *b),
        CExpr::Inter(a, b) => set_op(BinOp::Inter, *a, *b),
        CExpr::Diff(a, b) => set_op(BinOp::Diff, *a, *b),
        other => other,
    };
}

/// The first day of each period of `changes` (the first period has no start: it is
/// represented by the earliest representable day, before any date a file can write).
pub fn period_starts(changes: &[Date]) -> Vec<Date> {
    std::iter::once(Date::from_days(i32::MIN))
        .chain(changes.iter().copied())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_period_starts_before_every_change() {
        let first = Date::parse("0000-01-01").unwrap_or(Date::from_days(0));
        let starts = period_starts(&[first]);
        assert_eq!(starts.len(), 2);
        assert!(starts[0] < first, "{:?}", starts[0]);
        assert_eq!(starts[1], first);
    }
}
