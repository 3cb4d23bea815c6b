//! Evaluation of compiled rules over a bound proposal.
//!
//! The hot path works on interned ids only: atoms are integers, sets are bitsets, step
//! attributes are slots. Names are looked up again only to render a violation's message and
//! evidence, after it has fired.

use std::sync::Arc;

use crate::ast::Quant;
use crate::bitset::AtomSet;
use crate::date::Date;
use crate::ir::*;
use crate::source::Span;

/// A step bound to the library's schema: kind id, one slot per attribute (defaults applied).
#[derive(Clone, Debug)]
pub struct BoundStep {
    /// Its kind.
    pub kind: KindId,
    /// Attribute values by slot; `None` for an absent optional attribute.
    pub slots: Box<[Option<Value>]>,
    /// Its effective date (own, else the proposal's).
    pub date: Option<Date>,
}

/// A proposal bound to a library: ready to evaluate.
#[derive(Clone, Debug)]
pub struct Bound {
    /// The steps, in proposal order.
    pub steps: Vec<BoundStep>,
    /// Step ids, in proposal order (as `Value::Str` ids: `literals + index`).
    pub step_ids: Vec<u32>,
    /// Strings of the proposal that are not policy literals; id = literals + index.
    pub strings: StringTable,
}

/// Strings stored end to end in one buffer: one allocation for all of a proposal's step
/// ids and string values, not one each (a 100,000-step proposal has 100,000 ids).
#[derive(Clone, Debug, Default)]
pub struct StringTable {
    text: String,
    /// The end of each string in `text`; string `i` starts where `i - 1` ends.
    ends: Vec<u32>,
}

impl StringTable {
    /// Appends a string; its index is the previous [`StringTable::len`].
    pub fn push(&mut self, s: &str) {
        self.text.push_str(s);
        self.ends
            .push(u32::try_from(self.text.len()).unwrap_or(u32::MAX));
    }

    /// String `i`.
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)? as usize;
        let start = match i.checked_sub(1) {
            Some(j) => *self.ends.get(j)? as usize,
            None => 0,
        };
        self.text.get(start..end)
    }

    /// The number of strings.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Frees the spare capacity.
    pub fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.ends.shrink_to_fit();
    }
}

/// Why an evaluation could not finish.
#[derive(Clone, Debug, PartialEq)]
pub enum EvalError {
    /// An optional attribute was read while absent.
    Absent {
        /// The attribute.
        attr: Arc<str>,
        /// Where the policy reads it.
        span: Span,
        /// Whose attribute: a step index, or an entity.
        owner: Owner,
    },
    /// No date was available.
    NoDate(Span),
    /// The budget ran out.
    Budget,
    /// A value of an unexpected shape (an engine bug; reported, never a panic).
    Internal(&'static str),
}

/// The owner of an absent attribute.
#[derive(Clone, Debug, PartialEq)]
pub enum Owner {
    /// A step, by index.
    Step(u32),
    /// An entity.
    Entity(AtomId),
}

/// A fact that a rule read while it fired: the evidence of a violation.
#[derive(Clone, Debug, PartialEq)]
pub enum Evidence {
    /// An entity's attribute.
    Fact {
        /// The entity.
        entity: AtomId,
        /// The attribute.
        attr: AttrId,
        /// Its value.
        value: Value,
    },
    /// A step's attribute.
    StepAttr {
        /// The step.
        step: u32,
        /// The attribute.
        name: Arc<str>,
        /// Its value.
        value: Value,
    },
    /// A step's date.
    StepDate {
        /// The step.
        step: u32,
        /// The date.
        date: Date,
    },
    /// Whether an instrument was in force.
    InForce {
        /// The instrument.
        inst: AtomId,
        /// On this date.
        date: Date,
        /// Its entry into force, if any.
        since: Option<Date>,
        /// The answer.
        result: bool,
    },
}

/// Evaluation state for one proposal.
#[allow(missing_debug_implementations)]
pub struct Ctx<'a> {
    /// The library.
    pub lib: &'a Compiled,
    /// The proposal.
    pub bound: &'a Bound,
    /// Local variables of the current rule.
    pub locals: Vec<Value>,
    /// `--as-of`.
    pub as_of: Option<Date>,
    /// When set, reads are recorded as evidence.
    pub trace: Option<Vec<Evidence>>,
    /// Remaining evaluation budget.
    pub fuel: u64,
    /// The step that local 0 holds while a step rule is applied (for the fast path).
    pub cur: Option<&'a BoundStep>,
}

type R<T> = Result<T, EvalError>;

impl Ctx<'_> {
    fn local(&self, l: Local) -> R<&Value> {
        self.locals
            .get(l as usize)
            .ok_or(EvalError::Internal("unbound local"))
    }

    fn step_of(&self, l: Local) -> R<(u32, &BoundStep)> {
        match self.local(l)? {
            Value::Step(i) => {
                let s = self
                    .bound
                    .steps
                    .get(*i as usize)
                    .ok_or(EvalError::Internal("step index"))?;
                Ok((*i, s))
            }
            _ => Err(EvalError::Internal("not a step")),
        }
    }

    fn burn(&mut self, n: u64) -> R<()> {
        if self.fuel < n {
            self.fuel = 0;
            return Err(EvalError::Budget);
        }
        self.fuel -= n;
        Ok(())
    }

    /// Evaluates a condition.
    pub fn truth(&mut self, e: &CExpr) -> R<bool> {
        match e {
            CExpr::Const(Value::Bool(b)) => Ok(*b),
            CExpr::Not(x) => Ok(!self.truth(x)?),
            CExpr::And(a, b) => Ok(self.truth(a)? && self.truth(b)?),
            CExpr::Or(a, b) => Ok(self.truth(a)? || self.truth(b)?),
            CExpr::In(x, coll) => {
                let x = self.eval(x)?;
                match (&x, coll.as_ref()) {
                    (Value::Atom(a), CExpr::Const(Value::Set(s))) => Ok(s.contains(*a)),
                    (
                        Value::Atom(a),
                        CExpr::Fact {
                            value: Value::Set(s),
                            ..
                        }
                        | CExpr::Folded {
                            value: Value::Set(s),
                            ..
                        },
                    ) if self.trace.is_none() => Ok(s.contains(*a)),
                    _ => {
                        let c = self.eval(coll)?;
                        Ok(contains(&c, &x))
                    }
                }
            }
            CExpr::Eq(a, b) => {
                let a = self.eval(a)?;
                let b = self.eval(b)?;
                Ok(values_equal(&a, &b))
            }
            other => match self.eval(other)? {
                Value::Bool(b) => Ok(b),
                _ => Err(EvalError::Internal("not a bool")),
            },
        }
    }

    /// Evaluates an expression.
    pub fn eval(&mut self, e: &CExpr) -> R<Value> {
        Ok(match e {
            CExpr::Const(v) => v.clone(),
            CExpr::Fact {
                value,
                entity,
                attr,
            } => {
                if let Some(t) = &mut self.trace {
                    t.push(Evidence::Fact {
                        entity: *entity,
                        attr: *attr,
                        value: value.clone(),
                    });
                }
                value.clone()
            }
            CExpr::Folded { value, sources } => {
                if let Some(t) = &mut self.trace {
                    for &(entity, attr) in sources.iter() {
                        let value = self
                            .lib
                            .facts
                            .get(entity as usize)
                            .and_then(|f| f.get(attr as usize))
                            .cloned()
                            .flatten()
                            .unwrap_or(Value::Bool(false));
                        t.push(Evidence::Fact {
                            entity,
                            attr,
                            value,
                        });
                    }
                }
                value.clone()
            }
            CExpr::Local(l) => self.local(*l)?.clone(),
            CExpr::StepAttr {
                local,
                slots,
                name,
                span,
            } => {
                let (idx, step) = self.step_of(*local)?;
                let slot = slots
                    .get(step.kind as usize)
                    .copied()
                    .ok_or(EvalError::Internal("slot"))?;
                let v = step
                    .slots
                    .get(slot as usize)
                    .ok_or(EvalError::Internal("slot"))?
                    .clone()
                    .ok_or_else(|| EvalError::Absent {
                        attr: name.clone(),
                        span: *span,
                        owner: Owner::Step(idx),
                    })?;
                if let Some(t) = &mut self.trace {
                    t.push(Evidence::StepAttr {
                        step: idx,
                        name: name.clone(),
                        value: v.clone(),
                    });
                }
                v
            }
            CExpr::StepHas { local, slots } => {
                let (_, step) = self.step_of(*local)?;
                let slot = slots.get(step.kind as usize).copied().unwrap_or(u16::MAX);
                Value::Bool(step.slots.get(slot as usize).is_some_and(Option::is_some))
            }
            CExpr::StepId(l) => {
                let (idx, _) = self.step_of(*l)?;
                Value::Str(
                    self.bound
                        .step_ids
                        .get(idx as usize)
                        .copied()
                        .ok_or(EvalError::Internal("step id"))?,
                )
            }
            CExpr::StepDate(l, span) => {
                let (idx, step) = self.step_of(*l)?;
                let d = step.date.or(self.as_of).ok_or(EvalError::NoDate(*span))?;
                if let Some(t) = &mut self.trace {
                    t.push(Evidence::StepDate { step: idx, date: d });
                }
                Value::Date(d)
            }
            CExpr::EntityAttr { obj, attr, span } => {
                let Value::Atom(a) = self.eval(obj)? else {
                    return Err(EvalError::Internal("not an entity"));
                };
                let v = self
                    .lib
                    .facts
                    .get(a as usize)
                    .and_then(|f| f.get(*attr as usize))
                    .cloned()
                    .flatten()
                    .ok_or_else(|| EvalError::Absent {
                        attr: Arc::from(
                            self.lib
                                .attr_names
                                .get(*attr as usize)
                                .map_or("?", String::as_str),
                        ),
                        span: *span,
                        owner: Owner::Entity(a),
                    })?;
                if let Some(t) = &mut self.trace {
                    t.push(Evidence::Fact {
                        entity: a,
                        attr: *attr,
                        value: v.clone(),
                    });
                }
                v
            }
            CExpr::EntityHas(obj, attr) => {
                let Value::Atom(a) = self.eval(obj)? else {
                    return Err(EvalError::Internal("not an entity"));
                };
                Value::Bool(
                    self.lib
                        .facts
                        .get(a as usize)
                        .and_then(|f| f.get(*attr as usize))
                        .is_some_and(Option::is_some),
                )
            }
            CExpr::Not(_) | CExpr::And(..) | CExpr::Or(..) | CExpr::In(..) | CExpr::Eq(..) => {
                Value::Bool(self.truth(e)?)
            }
            CExpr::Lt(a, b) => {
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                Value::Bool(match (a, b) {
                    (Value::Int(x), Value::Int(y)) => x < y,
                    (Value::Date(x), Value::Date(y)) => x < y,
                    _ => return Err(EvalError::Internal("not ordered")),
                })
            }
            CExpr::Union(a, b) | CExpr::Inter(a, b) | CExpr::Diff(a, b) => {
                let x = atom_set(&self.eval(a)?)?;
                let y = atom_set(&self.eval(b)?)?;
                Value::Set(match e {
                    CExpr::Union(..) => x.union(&y),
                    CExpr::Inter(..) => x.intersection(&y),
                    _ => x.difference(&y),
                })
            }
            CExpr::Quant(q, local, coll, body) => {
                let coll = self.eval(coll)?;
                let mut result = *q == Quant::All;
                // Iterate without collecting: no allocation per quantifier.
                let mut visit = |ctx: &mut Self, item: Value| -> R<bool> {
                    ctx.burn(1)?;
                    ctx.set_local(*local, item)?;
                    let b = ctx.truth(body)?;
                    if *q == Quant::Any && b {
                        result = true;
                        return Ok(false);
                    }
                    if *q == Quant::All && !b {
                        result = false;
                        return Ok(false);
                    }
                    Ok(true)
                };
                match &coll {
                    Value::Set(s) => {
                        for a in s.iter() {
                            if !visit(self, Value::Atom(a))? {
                                break;
                            }
                        }
                    }
                    Value::List(l) => {
                        for item in l.iter() {
                            if !visit(self, item.clone())? {
                                break;
                            }
                        }
                    }
                    _ => return Err(EvalError::Internal("not a collection")),
                }
                Value::Bool(result)
            }
            CExpr::Match {
                local,
                arms_by_kind,
                arms,
            } => {
                let (_, step) = self.step_of(*local)?;
                let arm = arms_by_kind
                    .get(step.kind as usize)
                    .copied()
                    .ok_or(EvalError::Internal("arm"))?;
                let arm = arms.get(arm as usize).ok_or(EvalError::Internal("arm"))?;
                self.eval(arm)?
            }
            CExpr::If(c, a, b) => {
                if self.truth(c)? {
                    self.eval(a)?
                } else {
                    self.eval(b)?
                }
            }
            CExpr::Count(x) => {
                let v = self.eval(x)?;
                let n = match &v {
                    Value::Set(s) => s.len(),
                    Value::List(l) => l.len(),
                    _ => return Err(EvalError::Internal("count")),
                };
                Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
            }
            CExpr::InForce {
                inst,
                date,
                eif,
                terminated,
            } => {
                let Value::Atom(a) = self.eval(inst)? else {
                    return Err(EvalError::Internal("instrument"));
                };
                let Value::Date(d) = self.eval(date)? else {
                    return Err(EvalError::Internal("date"));
                };
                let fact = |attr: AttrId| -> Option<Date> {
                    match self.lib.facts.get(a as usize)?.get(attr as usize)? {
                        Some(Value::Date(d)) => Some(*d),
                        _ => None,
                    }
                };
                let since = fact(*eif);
                let ended = terminated.and_then(fact);
                let result = since.is_some_and(|s| s <= d) && ended.is_none_or(|t| d < t);
                if let Some(t) = &mut self.trace {
                    t.push(Evidence::InForce {
                        inst: a,
                        date: d,
                        since,
                        result,
                    });
                }
                Value::Bool(result)
            }
            CExpr::AsOf(span) => Value::Date(self.as_of.ok_or(EvalError::NoDate(*span))?),
            CExpr::Steps(mask) => {
                let steps: Vec<Value> = self
                    .bound
                    .steps
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| mask.get(s.kind as usize).copied().unwrap_or(false))
                    .map(|(i, _)| Value::Step(i as u32))
                    .collect();
                Value::List(steps.into())
            }
            CExpr::IsType(x, mask) => {
                let Value::Atom(a) = self.eval(x)? else {
                    return Err(EvalError::Internal("is"));
                };
                let yes = match self.lib.atoms.get(a as usize).map(|a| a.kind) {
                    Some(AtomKind::Entity(t)) => mask.get(t as usize).copied().unwrap_or(false),
                    _ => false,
                };
                Value::Bool(yes)
            }
            CExpr::MakeSet(items) => {
                let mut ids = Vec::with_capacity(items.len());
                for it in items {
                    match self.eval(it)? {
                        Value::Atom(a) => ids.push(a),
                        _ => return Err(EvalError::Internal("set element")),
                    }
                }
                Value::Set(AtomSet::from_ids(ids))
            }
            CExpr::MakeList(items, sorted) => {
                let mut vs = Vec::with_capacity(items.len());
                for it in items {
                    vs.push(self.eval(it)?);
                }
                if *sorted {
                    crate::compile::sort_values(&mut vs);
                }
                Value::List(vs.into())
            }
        })
    }

    /// Binds a local.
    pub fn set_local(&mut self, l: Local, v: Value) -> R<()> {
        let slot = self
            .locals
            .get_mut(l as usize)
            .ok_or(EvalError::Internal("local"))?;
        *slot = v;
        Ok(())
    }
}

/// The members of a set or list, in order, without collecting them.
#[derive(Debug)]
pub enum Elements {
    /// A set's members: the set, the next word to load, the bits left of the current one.
    Set(AtomSet, usize, u64, u32),
    /// A list's items and the next index.
    List(Arc<[Value]>, usize),
}

impl Elements {
    /// Iterates over a set or list value.
    pub fn of(v: Value) -> R<Elements> {
        match v {
            Value::Set(s) => Ok(Elements::Set(s, 0, 0, 0)),
            Value::List(l) => Ok(Elements::List(l, 0)),
            _ => Err(EvalError::Internal("not a collection")),
        }
    }
}

impl Iterator for Elements {
    type Item = Value;

    fn next(&mut self) -> Option<Value> {
        match self {
            Elements::Set(set, next_word, bits, base) => loop {
                if *bits != 0 {
                    let b = bits.trailing_zeros();
                    *bits &= *bits - 1;
                    return Some(Value::Atom(*base + b));
                }
                let w = *set.words().get(*next_word)?;
                *base = (*next_word as u32) * 64;
                *next_word += 1;
                *bits = w;
            },
            Elements::List(l, i) => {
                let v = l.get(*i).cloned();
                *i += 1;
                v
            }
        }
    }
}

fn atom_set(v: &Value) -> R<AtomSet> {
    match v {
        Value::Set(s) => Ok(s.clone()),
        Value::List(l) => Ok(AtomSet::from_ids(l.iter().filter_map(|v| match v {
            Value::Atom(a) => Some(*a),
            _ => None,
        }))),
        _ => Err(EvalError::Internal("not a set")),
    }
}

fn contains(coll: &Value, x: &Value) -> bool {
    match (coll, x) {
        (Value::Set(s), Value::Atom(a)) => s.contains(*a),
        (Value::List(l), x) => l.iter().any(|v| values_equal(v, x)),
        _ => false,
    }
}

/// Equality across representations (a list of atoms equals the set of the same atoms only
/// when both are sets; lists compare in order).
pub fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Set(x), Value::List(l)) | (Value::List(l), Value::Set(x)) => {
            atom_set(&Value::List(l.clone())).is_ok_and(|y| *x == y && l.len() == x.len())
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::StringTable;

    #[test]
    fn string_table_gives_back_what_was_pushed() {
        let mut t = StringTable::default();
        assert_eq!(t.len(), 0);
        assert_eq!(t.get(0), None);
        let strings = ["s1", "", "Türkiye", "ex-2.a", ""];
        for s in strings {
            t.push(s);
        }
        t.shrink_to_fit();
        assert_eq!(t.len(), strings.len());
        for (i, s) in strings.iter().enumerate() {
            assert_eq!(t.get(i), Some(*s));
        }
        assert_eq!(t.get(strings.len()), None);
    }
}
