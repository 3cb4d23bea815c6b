//! The evaluator: runs the nodes of [`super::program`] over a bound proposal, generic over
//! an evidence [`Recorder`].
//!
//! Semantics, for every node: operands are evaluated left to right and `&&`, `||`, `any`,
//! `all` short-circuit; reading an absent optional attribute is an error
//! ([`EvalError::Absent`]); each item a quantifier visits and each `each` binding burns one
//! unit of budget, and running out is an error ([`EvalError::Budget`]) that leaves the
//! budget at zero. A quantifier or an `each` filter carried as a set ([`Quantifier::pred`],
//! [`super::program::Each::filter`]) is decided with set operations when nothing is
//! recorded and the set can be computed; it then burns exactly what the item-by-item walk
//! would (the items up to the first witness), so both strategies give the same result, the
//! same error and the same remaining budget. When the set cannot be computed (it reads an
//! absent attribute), the walk decides, and reports the error only if it meets it.

use std::borrow::Cow;

use super::evidence::{Evidence, Recorder};
use super::program::{A, B, Coll, Filtered, Join, Quantifier, Read, S, Src, V};
use super::{Bound, BoundStep, Elements, EvalError, Owner, atom_set, contains, in_force};
use crate::bitset::AtomSet;
use crate::date::Date;
use crate::ir::*;
use crate::syntax::Quant;

/// An evaluation stopped: the error is in the machine ([`Machine::take_error`]). A unit,
/// so that every node's result fits in a register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stop;

/// The result of evaluating a node.
pub type R<T> = Result<T, Stop>;

/// Local variables: the first [`Locals::INLINE`] in place (no allocation per evaluation),
/// the rest, for rules with more binders, in a vector.
#[derive(Clone, Debug)]
pub struct Locals {
    inline: [Value; Locals::INLINE],
    more: Vec<Value>,
}

impl Locals {
    /// Locals held in place.
    pub const INLINE: usize = 8;

    fn new(n: u16) -> Locals {
        Locals {
            inline: std::array::from_fn(|_| Value::Bool(false)),
            more: match usize::from(n).checked_sub(Self::INLINE) {
                Some(k) if k > 0 => vec![Value::Bool(false); k],
                _ => Vec::new(),
            },
        }
    }

    /// Local `l`.
    #[inline]
    pub fn get(&self, l: Local) -> Option<&Value> {
        let l = usize::from(l);
        match l.checked_sub(Self::INLINE) {
            None => self.inline.get(l),
            Some(i) => self.more.get(i),
        }
    }

    /// Local `l`, to write.
    #[inline]
    pub fn get_mut(&mut self, l: Local) -> Option<&mut Value> {
        let l = usize::from(l);
        match l.checked_sub(Self::INLINE) {
            None => self.inline.get_mut(l),
            Some(i) => self.more.get_mut(i),
        }
    }

    /// Local 0, to write.
    #[inline]
    pub fn first_mut(&mut self) -> Option<&mut Value> {
        self.inline.first_mut()
    }
}

/// The state of one evaluation.
#[allow(missing_debug_implementations)]
pub struct Machine<'a, Rec> {
    /// The library.
    pub lib: &'a Compiled,
    /// The proposal.
    pub bound: &'a Bound,
    /// Local variables of the current rule (local 0: the step of a step rule).
    pub locals: Locals,
    /// The evaluation date.
    pub as_of: Option<Date>,
    /// The date the current step (or the proposal) is judged at: facts that change over
    /// time are read as they stand then.
    pub judged: Option<Date>,
    /// Remaining budget.
    pub fuel: u64,
    /// The step the current step rule is applied to: its index and its slots.
    pub cur: Option<(u32, &'a BoundStep)>,
    /// What happens to reads.
    pub rec: Rec,
    /// Why the evaluation stopped, when it did.
    error: std::cell::Cell<Option<EvalError>>,
    /// The joins' indexes, by join number, built at the first lookup.
    joins: Vec<Option<JoinIndex>>,
}

/// A join's index over the proposal's steps of its kinds: by the attribute's value, and the
/// steps where it is absent or not a scalar (always candidates: the walk reads them too).
/// Each key's candidates are merged once, at its first lookup, and shared after (a list
/// is a reference-counted slice): a proposal whose steps share one value costs one merge,
/// not one per lookup.
#[derive(Debug, Default)]
struct JoinIndex {
    by_key: std::collections::HashMap<(u8, i64), Vec<u32>>,
    rest: Vec<u32>,
    merged: std::collections::HashMap<(u8, i64), Value>,
    rest_only: Option<Value>,
}

impl JoinIndex {
    /// The candidates for `key`, in proposal order.
    fn candidates(&mut self, key: (u8, i64)) -> Value {
        let steps =
            |ids: &mut dyn Iterator<Item = u32>| Value::List(ids.map(Value::Step).collect());
        let Some(hits) = self.by_key.get(&key) else {
            let rest = &self.rest;
            return self
                .rest_only
                .get_or_insert_with(|| steps(&mut rest.iter().copied()))
                .clone();
        };
        if let Some(v) = self.merged.get(&key) {
            return v.clone();
        }
        // both in proposal order: merged, they are the walk's order
        let (mut a, mut b) = (
            hits.iter().copied().peekable(),
            self.rest.iter().copied().peekable(),
        );
        let mut merged = std::iter::from_fn(|| match (a.peek(), b.peek()) {
            (Some(x), Some(y)) if x <= y => a.next(),
            (Some(_), Some(_)) | (None, Some(_)) => b.next(),
            (Some(_), None) => a.next(),
            (None, None) => None,
        });
        let v = steps(&mut merged);
        self.merged.insert(key, v.clone());
        v
    }
}

impl<'a, Rec: Recorder> Machine<'a, Rec> {
    /// A machine with `locals` locals, no current step.
    pub fn new(
        lib: &'a Compiled,
        bound: &'a Bound,
        as_of: Option<Date>,
        fuel: u64,
        locals: u16,
        rec: Rec,
    ) -> Self {
        Machine {
            lib,
            bound,
            locals: Locals::new(locals),
            as_of,
            judged: as_of,
            fuel,
            cur: None,
            rec,
            error: std::cell::Cell::new(None),
            joins: Vec::new(),
        }
    }

    /// Stops the evaluation with an error.
    #[cold]
    #[inline(never)]
    fn fail(&self, e: EvalError) -> Stop {
        self.error.set(Some(e));
        Stop
    }

    /// Stops the evaluation with an error (for the rule application around the nodes).
    pub fn fail_with(&self, e: EvalError) -> Stop {
        self.fail(e)
    }

    /// The error that stopped the evaluation.
    pub fn take_error(&self) -> EvalError {
        self.error
            .take()
            .unwrap_or(EvalError::Internal("stopped without an error"))
    }

    /// Leaves the steps for the `on proposal` rules, judged on `judged`.
    pub fn enter_proposal(&mut self, judged: Option<Date>) {
        self.cur = None;
        self.judged = judged;
    }

    /// Makes step `i` the current step (and local 0).
    pub fn enter_step(&mut self, i: u32) {
        self.cur = self.bound.steps.get(i as usize).map(|s| (i, s));
        self.judged = self.cur.and_then(|(_, s)| s.date).or(self.as_of);
        if let Some(slot) = self.locals.first_mut() {
            *slot = Value::Step(i);
        }
    }

    /// Burns `n` units of budget; short of them, the budget is left at zero.
    #[inline]
    pub fn burn(&mut self, n: usize) -> R<()> {
        let n = u64::try_from(n).unwrap_or(u64::MAX);
        if self.fuel < n {
            self.fuel = 0;
            return Err(self.fail(EvalError::Budget));
        }
        self.fuel -= n;
        Ok(())
    }

    /// Binds a local.
    #[inline]
    pub fn set_local(&mut self, l: Local, v: Value) -> R<()> {
        match self.locals.get_mut(l) {
            Some(slot) => {
                *slot = v;
                Ok(())
            }
            None => Err(self.fail(EvalError::Internal("local"))),
        }
    }

    #[inline]
    fn src(&mut self, src: &Src) {
        if !Rec::RECORDS || !self.rec.on() {
            return;
        }
        match src {
            Src::None => {}
            Src::Fact(f) => {
                let (entity, attr, value) = &**f;
                self.rec.record(Evidence::Fact {
                    entity: *entity,
                    attr: *attr,
                    value: value.clone(),
                    on: self.timed_on(*entity, *attr),
                });
            }
            Src::Folded(sources) => {
                for &(entity, attr) in sources.iter() {
                    let value = super::fact_on(self.lib, entity, attr, self.judged)
                        .ok()
                        .flatten()
                        .cloned()
                        .unwrap_or(Value::Bool(false));
                    self.rec.record(Evidence::Fact {
                        entity,
                        attr,
                        value,
                        on: self.timed_on(entity, attr),
                    });
                }
            }
        }
    }

    /// The date a fact is read on, when it changes over time (for its evidence).
    fn timed_on(&self, entity: AtomId, attr: AttrId) -> Option<Date> {
        match super::fact(self.lib, entity, attr) {
            Some(FactValue::Timed(_)) => self.judged,
            _ => None,
        }
    }

    /// Reads the current step's attribute.
    #[inline]
    fn read(&mut self, r: &Read) -> R<&'a Value> {
        let (idx, step) = self
            .cur
            .ok_or_else(|| self.fail(EvalError::Internal("no current step")))?;
        let v = step
            .slots
            .get(r.slot as usize)
            .ok_or_else(|| self.fail(EvalError::Internal("slot")))?
            .as_ref()
            .ok_or_else(|| {
                self.fail(EvalError::Absent {
                    attr: r.name.clone(),
                    span: r.span,
                    owner: Owner::Step(idx),
                })
            })?;
        if Rec::RECORDS && self.rec.on() {
            self.rec.record(Evidence::StepAttr {
                step: idx,
                name: r.name.clone(),
                value: v.clone(),
            });
        }
        Ok(v)
    }

    fn local(&self, l: Local) -> R<&Value> {
        self.locals
            .get(l)
            .ok_or_else(|| self.fail(EvalError::Internal("unbound local")))
    }

    fn step_of(&self, l: Local) -> R<(u32, &'a BoundStep)> {
        let bound = self.bound;
        match self.local(l)? {
            Value::Step(i) => {
                let s = bound
                    .steps
                    .get(*i as usize)
                    .ok_or_else(|| self.fail(EvalError::Internal("step index")))?;
                Ok((*i, s))
            }
            _ => Err(self.fail(EvalError::Internal("not a step"))),
        }
    }

    /// Evaluates a boolean.
    pub fn fb(&mut self, b: &'a B) -> R<bool> {
        match b {
            B::Const(x, src) => {
                self.src(src);
                Ok(*x)
            }
            B::Not(x) => Ok(!self.fb(x)?),
            B::And(x, y) => Ok(self.fb(x)? && self.fb(y)?),
            B::Or(x, y) => Ok(self.fb(x)? || self.fb(y)?),
            B::In(x, s) => {
                let a = self.fa(x)?;
                Ok(self.fs(s)?.contains(a))
            }
            B::CurIn(r, k) => match self.read(r)? {
                Value::Atom(a) => Ok(k.contains(*a)),
                _ => Err(self.fail(EvalError::Internal("not an atom"))),
            },
            B::CurIs(r, a) => match self.read(r)? {
                Value::Atom(b) => Ok(a == b),
                _ => Err(self.fail(EvalError::Internal("not an atom"))),
            },
            B::InCur(a, r) => match self.read(r)? {
                Value::Set(s) => Ok(s.contains(*a)),
                Value::List(items) => Ok(items.contains(&Value::Atom(*a))),
                _ => Err(self.fail(EvalError::Internal("not a collection"))),
            },
            B::EqAtom(x, y) => {
                let a = self.fa(x)?;
                Ok(a == self.fa(y)?)
            }
            B::CurBool(r) => match self.read(r)? {
                Value::Bool(b) => Ok(*b),
                _ => Err(self.fail(EvalError::Internal("not a bool"))),
            },
            B::CurHas(slot) => Ok(self
                .cur
                .is_some_and(|(_, s)| s.slots.get(*slot as usize).is_some_and(Option::is_some))),
            B::Quant(q) => self.quant(q),
            B::Value(v) => match self.fv(v)? {
                Value::Bool(b) => Ok(b),
                _ => Err(self.fail(EvalError::Internal("not a bool"))),
            },
            B::Mark(site, x) => {
                if !Rec::RECORDS {
                    return self.fb(x);
                }
                self.rec.enter(*site);
                let r = self.fb(x);
                self.rec.leave(*site, r.ok());
                r
            }
        }
    }

    #[inline(never)]
    fn quant(&mut self, q: &'a Quantifier) -> R<bool> {
        let any = q.q == Quant::Any;
        match &q.coll {
            Coll::Set(s) => {
                let c = self.fs(s)?;
                if !Rec::RECORDS {
                    if let Some(p) = &q.pred {
                        let p = self.fs(p);
                        if p.is_err() {
                            // The walk below meets the error, if it matters.
                            self.error.set(None);
                        }
                        if let Ok(p) = p {
                            // The walk stops at the first witness (any) or counterexample
                            // (all), having burnt one unit per item visited.
                            let stop = if any {
                                c.intersection(&p)
                            } else {
                                c.difference(&p)
                            };
                            let (walked, result) = match stop.first() {
                                Some(x) => (c.count_through(x), any),
                                None => (c.len(), !any),
                            };
                            self.burn(walked)?;
                            return Ok(result);
                        }
                    }
                }
                for x in c.iter() {
                    self.burn(1)?;
                    self.set_local(q.local, Value::Atom(x))?;
                    if Rec::RECORDS {
                        self.rec.item(q.local, &Value::Atom(x));
                    }
                    if self.fb(&q.body)? == any {
                        return Ok(any);
                    }
                }
                Ok(!any)
            }
            Coll::Items(v) => {
                let c = self.fv(v)?;
                for item in Elements::of(c).map_err(|e| self.fail(e))? {
                    self.burn(1)?;
                    if Rec::RECORDS {
                        self.rec.item(q.local, &item);
                    }
                    self.set_local(q.local, item)?;
                    if self.fb(&q.body)? == any {
                        return Ok(any);
                    }
                }
                Ok(!any)
            }
        }
    }

    /// A join's candidates for `key`, in proposal order: the steps whose attribute equals it,
    /// and those where it is absent or not a scalar. The index is built at the first lookup
    /// (one pass over the steps) and kept for the rest of the evaluation.
    fn join(&mut self, j: &Join, key: &Value) -> Value {
        let bound = self.bound;
        let of_kind = |s: &BoundStep| j.mask.get(s.kind as usize).copied().unwrap_or(false);
        let all = || {
            let steps = bound.steps.iter().enumerate().filter(|(_, s)| of_kind(s));
            Value::List(
                steps
                    .map(|(i, _)| Value::Step(u32::try_from(i).unwrap_or(u32::MAX)))
                    .collect(),
            )
        };
        let Some(k) = crate::ir::scalar_key(key) else {
            return all();
        };
        let id = j.id as usize;
        if self.joins.len() <= id {
            self.joins.resize_with(id + 1, || None);
        }
        let Some(slot) = self.joins.get_mut(id) else {
            return all();
        };
        let index = slot.get_or_insert_with(|| {
            let mut index = JoinIndex::default();
            for (i, s) in bound.steps.iter().enumerate().filter(|(_, s)| of_kind(s)) {
                let i = u32::try_from(i).unwrap_or(u32::MAX);
                let value = j
                    .slots
                    .get(s.kind as usize)
                    .and_then(|&slot| s.slots.get(slot as usize))
                    .and_then(Option::as_ref);
                match value.and_then(crate::ir::scalar_key) {
                    Some(k) => index.by_key.entry(k).or_default().push(i),
                    None => index.rest.push(i),
                }
            }
            index
        });
        index.candidates(k)
    }

    /// `[x in S where c]`: one unit of budget per item, as a quantifier walks them.
    #[inline(never)]
    fn filter(&mut self, f: &'a Filtered) -> R<Value> {
        match &f.coll {
            Coll::Set(s) => {
                let c = self.fs(s)?;
                let mut keep = Vec::new();
                for x in c.iter() {
                    self.burn(1)?;
                    self.set_local(f.local, Value::Atom(x))?;
                    if self.fb(&f.body)? {
                        keep.push(x);
                    }
                }
                Ok(Value::Set(AtomSet::from_ids(keep)))
            }
            Coll::Items(v) => {
                let c = self.fv(v)?;
                let mut keep = Vec::new();
                for item in Elements::of(c).map_err(|e| self.fail(e))? {
                    self.burn(1)?;
                    self.set_local(f.local, item.clone())?;
                    if self.fb(&f.body)? {
                        keep.push(item);
                    }
                }
                Ok(Value::List(keep.into()))
            }
        }
    }

    /// Evaluates an atom.
    #[inline]
    pub fn fa(&mut self, a: &'a A) -> R<AtomId> {
        match a {
            A::Const(x, src) => {
                self.src(src);
                Ok(*x)
            }
            A::Local(l) => match self.local(*l)? {
                Value::Atom(x) => Ok(*x),
                _ => Err(self.fail(EvalError::Internal("not an atom"))),
            },
            A::Cur(r) => match self.read(r)? {
                Value::Atom(x) => Ok(*x),
                _ => Err(self.fail(EvalError::Internal("not an atom"))),
            },
            A::Value(v) => match self.fv(v)? {
                Value::Atom(x) => Ok(x),
                _ => Err(self.fail(EvalError::Internal("not an atom"))),
            },
        }
    }

    /// Evaluates a set of atoms (a list of atoms as the set of its items).
    pub fn fs(&mut self, s: &'a S) -> R<Cow<'a, AtomSet>> {
        Ok(match s {
            S::Const(x, src) => {
                self.src(src);
                Cow::Borrowed(x)
            }
            S::Cur(r) => match self.read(r)? {
                Value::Set(x) => Cow::Borrowed(x),
                Value::List(items) => Cow::Owned(super::atoms_of(items)),
                _ => return Err(self.fail(EvalError::Internal("not a set"))),
            },
            S::Union(..) | S::Inter(..) | S::Diff(..) => Cow::Owned(self.set_op(s)?),
            S::Make(items) => Cow::Owned(self.make(items)?),
            S::One(a) => Cow::Owned(AtomSet::from_ids(std::iter::once(self.fa(a)?))),
            S::With(x, a) => {
                let mut x = self.fs(x)?.into_owned();
                x.insert(self.fa(a)?);
                Cow::Owned(x)
            }
            S::If(c, x, y) => {
                if self.fb(c)? {
                    self.fs(x)?
                } else {
                    self.fs(y)?
                }
            }
            S::Value(v) => {
                let v = self.fv(v)?;
                Cow::Owned(atom_set(&v).map_err(|e| self.fail(e))?)
            }
        })
    }

    #[inline(never)]
    fn set_op(&mut self, s: &'a S) -> R<AtomSet> {
        Ok(match s {
            S::Union(x, y) => {
                let x = self.fs(x)?;
                x.union(&*self.fs(y)?)
            }
            S::Inter(x, y) => {
                let x = self.fs(x)?;
                x.intersection(&*self.fs(y)?)
            }
            S::Diff(x, y) => {
                let x = self.fs(x)?;
                x.difference(&*self.fs(y)?)
            }
            _ => return Err(self.fail(EvalError::Internal("set operation"))),
        })
    }

    #[inline(never)]
    fn make(&mut self, items: &'a [A]) -> R<AtomSet> {
        let mut ids = [0u32; 8];
        if items.len() <= ids.len() {
            for (slot, it) in ids.iter_mut().zip(items) {
                *slot = self.fa(it)?;
            }
            Ok(AtomSet::from_ids(ids.iter().take(items.len()).copied()))
        } else {
            let mut v = Vec::with_capacity(items.len());
            for it in items {
                v.push(self.fa(it)?);
            }
            Ok(AtomSet::from_ids(v))
        }
    }

    /// Evaluates any value.
    pub fn fv(&mut self, e: &'a V) -> R<Value> {
        Ok(match e {
            V::Const(v, src) => {
                self.src(src);
                v.clone()
            }
            V::Local(l) => self.local(*l)?.clone(),
            V::Cur(r) => self.read(r)?.clone(),
            V::StepAttr {
                local,
                slots,
                name,
                span,
            } => {
                let (idx, step) = self.step_of(*local)?;
                let slot = slots
                    .get(step.kind as usize)
                    .copied()
                    .ok_or_else(|| self.fail(EvalError::Internal("slot")))?;
                let v = step
                    .slots
                    .get(slot as usize)
                    .ok_or_else(|| self.fail(EvalError::Internal("slot")))?
                    .clone()
                    .ok_or_else(|| {
                        self.fail(EvalError::Absent {
                            attr: name.clone(),
                            span: *span,
                            owner: Owner::Step(idx),
                        })
                    })?;
                if Rec::RECORDS && self.rec.on() {
                    self.rec.record(Evidence::StepAttr {
                        step: idx,
                        name: name.clone(),
                        value: v.clone(),
                    });
                }
                v
            }
            V::StepHas { local, slots } => {
                let (_, step) = self.step_of(*local)?;
                let slot = slots.get(step.kind as usize).copied().unwrap_or(u16::MAX);
                Value::Bool(step.slots.get(slot as usize).is_some_and(Option::is_some))
            }
            V::StepId(l) => {
                let (idx, _) = self.step_of(*l)?;
                Value::Str(
                    self.bound
                        .step_ids
                        .get(idx as usize)
                        .copied()
                        .ok_or_else(|| self.fail(EvalError::Internal("step id")))?,
                )
            }
            V::StepDate(l, span) => {
                let (idx, step) = self.step_of(*l)?;
                let d = step
                    .date
                    .or(self.as_of)
                    .ok_or_else(|| self.fail(EvalError::NoDate(*span)))?;
                if Rec::RECORDS && self.rec.on() {
                    self.rec.record(Evidence::StepDate { step: idx, date: d });
                }
                Value::Date(d)
            }
            V::EntityAttr { obj, attr, span } => {
                let a = self.fa(obj)?;
                let lib = self.lib;
                let on = self.judged;
                let read = super::fact_on(lib, a, *attr, on)
                    .map_err(|_| self.fail(EvalError::NoDate(*span)))?;
                let v = read.cloned().ok_or_else(|| {
                    self.fail(EvalError::Absent {
                        attr: std::sync::Arc::from(
                            lib.attr_names
                                .get(*attr as usize)
                                .map_or("?", String::as_str),
                        ),
                        span: *span,
                        owner: Owner::Entity(a),
                    })
                })?;
                if Rec::RECORDS && self.rec.on() {
                    self.rec.record(Evidence::Fact {
                        entity: a,
                        attr: *attr,
                        value: v.clone(),
                        on: self.timed_on(a, *attr),
                    });
                }
                v
            }
            V::EntityHas(obj, attr) => {
                let a = self.fa(obj)?;
                let read = super::fact_on(self.lib, a, *attr, self.judged)
                    .map_err(|_| self.fail(EvalError::Internal("timed fact without a date")))?;
                Value::Bool(read.is_some())
            }
            V::Eq(a, b) => {
                let a = self.fv(a)?;
                let b = self.fv(b)?;
                Value::Bool(super::values_equal(&a, &b))
            }
            V::In(x, c) => {
                let x = self.fv(x)?;
                let c = self.fv(c)?;
                Value::Bool(contains(&c, &x))
            }
            V::Lt(a, b) => {
                let (a, b) = (self.fv(a)?, self.fv(b)?);
                Value::Bool(match (a, b) {
                    (Value::Int(x), Value::Int(y)) => x < y,
                    (Value::Date(x), Value::Date(y)) => x < y,
                    _ => return Err(self.fail(EvalError::Internal("not ordered"))),
                })
            }
            V::Match {
                local,
                arms_by_kind,
                arms,
            } => {
                let (_, step) = self.step_of(*local)?;
                let arm = arms_by_kind
                    .get(step.kind as usize)
                    .copied()
                    .ok_or_else(|| self.fail(EvalError::Internal("arm")))?;
                let arm = arms
                    .get(arm as usize)
                    .ok_or_else(|| self.fail(EvalError::Internal("arm")))?;
                self.fv(arm)?
            }
            V::If(c, a, b) => {
                if self.fb(c)? {
                    self.fv(a)?
                } else {
                    self.fv(b)?
                }
            }
            V::Days(a, b) => match (self.fv(a)?, self.fv(b)?) {
                (Value::Date(a), Value::Date(b)) => {
                    Value::Int(i64::from(b.days()) - i64::from(a.days()))
                }
                _ => return Err(self.fail(EvalError::Internal("days"))),
            },
            V::Count(x) => {
                let n = match &self.fv(x)? {
                    Value::Set(s) => s.len(),
                    Value::List(l) => l.len(),
                    _ => return Err(self.fail(EvalError::Internal("count"))),
                };
                Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
            }
            V::InForce {
                inst,
                date,
                eif,
                terminated,
            } => {
                let a = self.fa(inst)?;
                let Value::Date(d) = self.fv(date)? else {
                    return Err(self.fail(EvalError::Internal("date")));
                };
                let (since, result) = in_force(self.lib, a, d, *eif, *terminated);
                if Rec::RECORDS && self.rec.on() {
                    self.rec.record(Evidence::InForce {
                        inst: a,
                        date: d,
                        since,
                        result,
                    });
                }
                Value::Bool(result)
            }
            V::AsOf(span) => Value::Date(
                self.as_of
                    .ok_or_else(|| self.fail(EvalError::NoDate(*span)))?,
            ),
            V::Steps(mask) => {
                let steps: Vec<Value> = self
                    .bound
                    .steps
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| mask.get(s.kind as usize).copied().unwrap_or(false))
                    .map(|(i, _)| Value::Step(u32::try_from(i).unwrap_or(u32::MAX)))
                    .collect();
                Value::List(steps.into())
            }
            V::MakeList(items, sorted) => {
                let mut vs = Vec::with_capacity(items.len());
                for it in items {
                    vs.push(self.fv(it)?);
                }
                if *sorted {
                    crate::compile::sort_values(&mut vs);
                }
                Value::List(vs.into())
            }
            V::Bool(b) => Value::Bool(self.fb(b)?),
            V::Set(s) => Value::Set(self.fs(s)?.into_owned()),
            V::Filter(f) => self.filter(f)?,
            V::Join(j) => {
                let key = self.fv(&j.key)?;
                self.join(j, &key)
            }
            V::Internal(what) => return Err(self.fail(EvalError::Internal(what))),
        })
    }

    /// Evaluates a collection to iterate: a set of atoms, or the items of a value.
    pub fn coll(&mut self, c: &'a Coll) -> R<Value> {
        match c {
            Coll::Set(s) => Ok(Value::Set(self.fs(s)?.into_owned())),
            Coll::Items(v) => self.fv(v),
        }
    }
}
