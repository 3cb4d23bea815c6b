//! The fast path of evaluation.
//!
//! [`crate::eval`] walks [`CExpr`] trees and computes [`Value`]s: it is general, and it is the
//! only evaluator that traces evidence. This module lowers every step rule once more, when
//! the engine is built, into typed nodes that compute a boolean, an atom or a set of atoms
//! directly, reading step slots and fact bitsets in place, without building a `Value`.
//! Quantifiers and `each ... where` filters whose bodies are boolean combinations of
//! memberships of the bound variable (`x in S`, `x is T`, `x == a`, `!`, `&&`, `||`) become
//! set operations: `any x in C: x not in K` is `C - K` not being empty. Whatever it does not
//! know stays a [`CExpr`] and is evaluated by the tree-walker in place.
//!
//! The contract: a fast evaluation either returns exactly what the tree-walker would, having
//! burnt exactly the same budget, or it stops with [`Slow`] and the engine redoes the whole
//! rule application on the tree-walker. Every error (an absent attribute, no date, the
//! budget running out) and every list iterated in order goes that way, so errors are
//! reported by one evaluator only, and the fast path never decides anything it is unsure of.

use std::borrow::Cow;

use crate::ast::Quant;
use crate::bitset::AtomSet;
use crate::eval::{BoundStep, Ctx};
use crate::ir::*;

/// Lowered nodes deeper than this stay [`CExpr`]s (the tree-walker's own limits apply).
const MAX_DEPTH: u32 = 64;

/// The fast path gives up: redo the application on the tree-walker.
#[derive(Debug, PartialEq, Eq)]
pub struct Slow;

type F<T> = Result<T, Slow>;

/// A boolean expression.
#[derive(Clone, Debug)]
#[repr(u8)]
pub enum FB {
    /// A constant.
    Const(bool),
    /// `!b`
    Not(Box<FB>),
    /// `a && b`
    And(Box<FB>, Box<FB>),
    /// `a || b`
    Or(Box<FB>, Box<FB>),
    /// `x in S`
    In(FA, FS),
    /// `s.attr in K`, K constant: the step's local, slots by kind, K.
    SlotIn(Local, Box<[u16]>, AtomSet),
    /// `s.attr == a`, a constant.
    SlotIs(Local, Box<[u16]>, AtomId),
    /// `a in s.attr`, a constant.
    InSlot(AtomId, Local, Box<[u16]>),
    /// The current step's boolean attribute, by slot (the rule lowered for one kind).
    CurBool(u16),
    /// Whether the current step has an attribute, by slot.
    CurHas(u16),
    /// `s.attr in K` on the current step, K constant.
    CurIn(u16, AtomSet),
    /// `s.attr == a` on the current step, a constant.
    CurIs(u16, AtomId),
    /// `a in s.attr` on the current step, a constant.
    InCur(AtomId, u16),
    /// `a == b` on atoms.
    EqAtom(FA, FA),
    /// A step's boolean attribute: the step's local, slots by kind.
    StepBool(Local, Box<[u16]>),
    /// Whether a step has an optional attribute.
    StepHas(Local, Box<[u16]>),
    /// A branch on a step's kind: the local, arm by kind, the arms.
    Match(Local, Box<[u16]>, Vec<FB>),
    /// `any`/`all` x in C: body, where the body holds exactly for the members of a set P:
    /// decided on `C ∩ P` (any) or `C - P` (all), with the budget the item-by-item walk
    /// would burn.
    QuantSet(Quant, FS, FS),
    /// `any`/`all` x in C: body, item by item (x is an atom).
    Quant(Quant, Local, FS, Box<FB>),
    /// Anything else, for the tree-walker.
    Slow(CExpr),
}

/// An atom-valued expression.
#[derive(Clone, Debug)]
#[repr(u8)]
pub enum FA {
    /// A constant.
    Const(AtomId),
    /// A local known to hold an atom.
    Local(Local),
    /// A step's atom attribute.
    StepAttr(Local, Box<[u16]>),
    /// The current step's atom attribute, by slot.
    Cur(u16),
    /// A branch on a step's kind.
    Match(Local, Box<[u16]>, Vec<FA>),
}

/// An expression whose value is a set of atoms (or a list of atoms, used as a set).
#[derive(Clone, Debug)]
#[repr(u8)]
pub enum FS {
    /// A constant.
    Const(AtomSet),
    /// A list: the same members for `in` and set operations, but its order and duplicates
    /// matter when it is iterated, so iterating it is left to the tree-walker.
    List(Box<FS>),
    /// A step's set (or list) attribute.
    StepAttr(Local, Box<[u16]>),
    /// The current step's set (or list) attribute, by slot.
    Cur(u16),
    /// `A | B`
    Union(Box<FS>, Box<FS>),
    /// `A & B`
    Inter(Box<FS>, Box<FS>),
    /// `A - B`
    Diff(Box<FS>, Box<FS>),
    /// `[a, b, ...]` of atoms.
    Make(Vec<FA>),
    /// A branch on a step's kind.
    Match(Local, Box<[u16]>, Vec<FS>),
    /// `if c then a else b`
    If(Box<FB>, Box<FS>, Box<FS>),
}

/// A step rule, lowered.
#[derive(Clone, Debug)]
pub struct FastRule {
    /// `when`.
    pub when: Option<FB>,
    /// `each x in C [where ...]`.
    pub each: Option<FastEach>,
    /// The condition.
    pub cond: Option<FB>,
    /// The `unless` clauses.
    pub unless: Vec<FB>,
}

/// An `each` binder over a set of atoms.
#[derive(Clone, Debug)]
pub struct FastEach {
    /// The binder.
    pub local: Local,
    /// The collection.
    pub coll: FS,
    /// When the condition is a boolean combination of memberships of the binder: the set of
    /// bindings for which it holds (the rule's `cond` is then not evaluated per binding).
    pub filter: Option<FS>,
}

/// Lowers a library's step rules for each step kind, in the order of
/// [`Compiled::rules_by_kind`]: the rule's index, and the rule lowered for a step of that
/// kind (its `match` arms chosen, its attribute reads resolved to slots), or `None` when the
/// fast path does not take it (`each` over steps or over values other than atoms).
pub fn lower_rules(lib: &Compiled) -> Vec<Vec<(u32, Option<FastRule>)>> {
    let mut lw = Lower::new(lib);
    lib.rules_by_kind
        .iter()
        .enumerate()
        .map(|(k, rules)| {
            lw.kind = KindId::try_from(k).ok();
            rules
                .iter()
                .map(|&r| (r, lib.rules.get(r as usize).and_then(|rule| lw.rule(rule))))
                .collect()
        })
        .collect()
}

struct Lower<'l> {
    lib: &'l Compiled,
    /// Locals known to hold atoms (quantifier and `each` binders over sets of atoms).
    atom_locals: Vec<Local>,
    /// Every atom: the universe for complements.
    universe: AtomSet,
    depth: u32,
    /// The kind of the step in local 0 (the rule's `as s`), when lowering for one kind.
    kind: Option<KindId>,
}

impl<'l> Lower<'l> {
    fn new(lib: &'l Compiled) -> Self {
        Lower {
            lib,
            atom_locals: Vec::new(),
            universe: AtomSet::from_ids(0..u32::try_from(lib.atoms.len()).unwrap_or(u32::MAX)),
            depth: 0,
            kind: None,
        }
    }

    fn rule(&mut self, r: &CRule) -> Option<FastRule> {
        if r.proposal_scope {
            return None;
        }
        self.atom_locals.clear();
        let when = r.when.as_ref().map(|w| self.b(w));
        let each = match &r.each {
            None => None,
            Some((local, coll)) => {
                let coll = self.s(coll)?;
                self.atom_locals.push(*local);
                let filter = match &r.cond {
                    None => Some(FS::Const(self.universe.clone())),
                    Some(c) => self.pred(c, *local),
                };
                Some(FastEach {
                    local: *local,
                    coll,
                    filter,
                })
            }
        };
        let cond = match &each {
            Some(FastEach {
                filter: Some(_), ..
            }) => None,
            _ => r.cond.as_ref().map(|c| self.b(c)),
        };
        let unless = r.unless.iter().map(|u| self.b(u)).collect();
        Some(FastRule {
            when,
            each,
            cond,
            unless,
        })
    }

    /// The types an attribute read has across the kinds that have it.
    fn slot_types<'t>(&'t self, slots: &'t [u16]) -> impl Iterator<Item = Option<&'t Ty>> + 't {
        slots
            .iter()
            .enumerate()
            .filter(|(_, s)| **s != u16::MAX)
            .map(|(k, s)| {
                self.lib
                    .kinds
                    .get(k)
                    .and_then(|kind| kind.fields.get(*s as usize))
                    .map(|f| &f.ty)
            })
    }

    fn slots_all(&self, slots: &[u16], ok: impl Fn(&Ty) -> bool) -> bool {
        let mut any = false;
        for t in self.slot_types(slots) {
            match t {
                Some(t) if ok(t) => any = true,
                _ => return false,
            }
        }
        any
    }

    /// For a read of local 0 in a rule lowered for one kind: the slot, if that kind has the
    /// attribute and its type passes `ok`.
    fn cur_slot(&self, local: Local, slots: &[u16], ok: impl Fn(&Ty) -> bool) -> Option<u16> {
        let k = self.kind?;
        if local != 0 {
            return None;
        }
        let slot = *slots.get(k as usize)?;
        let ty = &self
            .lib
            .kinds
            .get(k as usize)?
            .fields
            .get(slot as usize)?
            .ty;
        ok(ty).then_some(slot)
    }

    /// For a `match` on local 0 in a rule lowered for one kind: the arm taken.
    fn cur_arm<'e>(&self, local: Local, by_kind: &[u16], arms: &'e [CExpr]) -> Option<&'e CExpr> {
        let k = self.kind?;
        if local != 0 {
            return None;
        }
        arms.get(*by_kind.get(k as usize)? as usize)
    }

    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        if self.depth >= MAX_DEPTH {
            return None;
        }
        self.depth += 1;
        let out = f(self);
        self.depth -= 1;
        out
    }

    fn b(&mut self, e: &CExpr) -> FB {
        self.nested(|lw| lw.b_inner(e))
            .unwrap_or_else(|| FB::Slow(e.clone()))
    }

    fn b_inner(&mut self, e: &CExpr) -> Option<FB> {
        Some(match e {
            CExpr::Const(Value::Bool(b))
            | CExpr::Fact {
                value: Value::Bool(b),
                ..
            }
            | CExpr::Folded {
                value: Value::Bool(b),
                ..
            } => FB::Const(*b),
            CExpr::Not(x) => FB::Not(Box::new(self.b(x))),
            CExpr::And(a, b) => FB::And(Box::new(self.b(a)), Box::new(self.b(b))),
            CExpr::Or(a, b) => FB::Or(Box::new(self.b(a)), Box::new(self.b(b))),
            CExpr::In(x, coll) => match (self.a(x)?, self.s(coll)?) {
                (FA::StepAttr(l, slots), FS::Const(k)) => FB::SlotIn(l, slots, k),
                (FA::Cur(slot), FS::Const(k)) => FB::CurIn(slot, k),
                (FA::Const(a), FS::StepAttr(l, slots)) => FB::InSlot(a, l, slots),
                (FA::Const(a), FS::Cur(slot)) => FB::InCur(a, slot),
                (a, s) => FB::In(a, s),
            },
            CExpr::Eq(x, y) => match (self.a(x)?, self.a(y)?) {
                (FA::StepAttr(l, slots), FA::Const(a)) | (FA::Const(a), FA::StepAttr(l, slots)) => {
                    FB::SlotIs(l, slots, a)
                }
                (FA::Cur(slot), FA::Const(a)) | (FA::Const(a), FA::Cur(slot)) => FB::CurIs(slot, a),
                (a, b) => FB::EqAtom(a, b),
            },
            CExpr::IsType(x, mask) => FB::In(self.a(x)?, FS::Const(self.of_types(mask))),
            CExpr::StepAttr { local, slots, .. }
                if self.cur_slot(*local, slots, |t| *t == Ty::Bool).is_some() =>
            {
                FB::CurBool(self.cur_slot(*local, slots, |t| *t == Ty::Bool)?)
            }
            CExpr::StepAttr { local, slots, .. } if self.slots_all(slots, |t| *t == Ty::Bool) => {
                FB::StepBool(*local, slots.clone())
            }
            CExpr::StepHas { local: 0, slots } if self.kind.is_some() => {
                let slot = self
                    .kind
                    .and_then(|k| slots.get(k as usize))
                    .copied()
                    .unwrap_or(u16::MAX);
                if slot == u16::MAX {
                    FB::Const(false)
                } else {
                    FB::CurHas(slot)
                }
            }
            CExpr::StepHas { local, slots } => FB::StepHas(*local, slots.clone()),
            CExpr::Match {
                local,
                arms_by_kind,
                arms,
            } if self.cur_arm(*local, arms_by_kind, arms).is_some() => {
                self.b(self.cur_arm(*local, arms_by_kind, arms)?)
            }
            CExpr::Match {
                local,
                arms_by_kind,
                arms,
            } => FB::Match(
                *local,
                arms_by_kind.clone(),
                arms.iter().map(|a| self.b(a)).collect(),
            ),
            CExpr::Quant(q, local, coll, body) => {
                let coll = self.s(coll)?;
                match self.pred(body, *local) {
                    Some(p) => FB::QuantSet(*q, coll, p),
                    None => {
                        self.atom_locals.push(*local);
                        let body = self.b(body);
                        self.atom_locals.pop();
                        FB::Quant(*q, *local, coll, Box::new(body))
                    }
                }
            }
            _ => return None,
        })
    }

    fn a(&mut self, e: &CExpr) -> Option<FA> {
        self.nested(|lw| lw.a_inner(e))
    }

    fn a_inner(&mut self, e: &CExpr) -> Option<FA> {
        Some(match e {
            CExpr::Const(Value::Atom(a))
            | CExpr::Fact {
                value: Value::Atom(a),
                ..
            }
            | CExpr::Folded {
                value: Value::Atom(a),
                ..
            } => FA::Const(*a),
            CExpr::Local(l) if self.atom_locals.contains(l) => FA::Local(*l),
            CExpr::StepAttr { local, slots, .. }
                if self.cur_slot(*local, slots, Ty::is_atom).is_some() =>
            {
                FA::Cur(self.cur_slot(*local, slots, Ty::is_atom)?)
            }
            CExpr::StepAttr { local, slots, .. } if self.slots_all(slots, Ty::is_atom) => {
                FA::StepAttr(*local, slots.clone())
            }
            CExpr::Match {
                local,
                arms_by_kind,
                arms,
            } if self.cur_arm(*local, arms_by_kind, arms).is_some() => {
                self.a(self.cur_arm(*local, arms_by_kind, arms)?)?
            }
            CExpr::Match {
                local,
                arms_by_kind,
                arms,
            } => FA::Match(
                *local,
                arms_by_kind.clone(),
                arms.iter().map(|a| self.a(a)).collect::<Option<_>>()?,
            ),
            _ => return None,
        })
    }

    fn s(&mut self, e: &CExpr) -> Option<FS> {
        self.nested(|lw| lw.s_inner(e))
    }

    fn s_inner(&mut self, e: &CExpr) -> Option<FS> {
        let pair =
            |lw: &mut Self, a: &CExpr, b: &CExpr| Some((Box::new(lw.s(a)?), Box::new(lw.s(b)?)));
        Some(match e {
            CExpr::Const(Value::Set(s))
            | CExpr::Fact {
                value: Value::Set(s),
                ..
            }
            | CExpr::Folded {
                value: Value::Set(s),
                ..
            } => FS::Const(s.clone()),
            CExpr::Const(Value::List(items))
            | CExpr::Fact {
                value: Value::List(items),
                ..
            }
            | CExpr::Folded {
                value: Value::List(items),
                ..
            } => {
                let ids = items
                    .iter()
                    .map(|v| match v {
                        Value::Atom(a) => Some(*a),
                        _ => None,
                    })
                    .collect::<Option<Vec<_>>>()?;
                FS::List(Box::new(FS::Const(AtomSet::from_ids(ids))))
            }
            CExpr::StepAttr { local, slots, .. }
                if self
                    .cur_slot(*local, slots, |t| t.elem().is_some_and(Ty::is_atom))
                    .is_some() =>
            {
                FS::Cur(self.cur_slot(*local, slots, |t| t.elem().is_some_and(Ty::is_atom))?)
            }
            CExpr::StepAttr { local, slots, .. }
                if self.slots_all(slots, |t| t.elem().is_some_and(Ty::is_atom)) =>
            {
                FS::StepAttr(*local, slots.clone())
            }
            CExpr::Union(a, b) => {
                let (a, b) = pair(self, a, b)?;
                fold(FS::Union(a, b))
            }
            CExpr::Inter(a, b) => {
                let (a, b) = pair(self, a, b)?;
                fold(FS::Inter(a, b))
            }
            CExpr::Diff(a, b) => {
                let (a, b) = pair(self, a, b)?;
                fold(FS::Diff(a, b))
            }
            CExpr::MakeSet(items) => fold(FS::Make(
                items.iter().map(|i| self.a(i)).collect::<Option<_>>()?,
            )),
            CExpr::MakeList(items, _) => FS::List(Box::new(FS::Make(
                items.iter().map(|i| self.a(i)).collect::<Option<_>>()?,
            ))),
            CExpr::Match {
                local,
                arms_by_kind,
                arms,
            } if self.cur_arm(*local, arms_by_kind, arms).is_some() => {
                self.s(self.cur_arm(*local, arms_by_kind, arms)?)?
            }
            CExpr::Match {
                local,
                arms_by_kind,
                arms,
            } => FS::Match(
                *local,
                arms_by_kind.clone(),
                arms.iter().map(|a| self.s(a)).collect::<Option<_>>()?,
            ),
            CExpr::If(c, a, b) => {
                let (a, b) = pair(self, a, b)?;
                FS::If(Box::new(self.b(c)), a, b)
            }
            _ => return None,
        })
    }

    /// The atoms of these entity types.
    fn of_types(&self, mask: &[bool]) -> AtomSet {
        AtomSet::from_ids(
            self.lib
                .atoms
                .iter()
                .enumerate()
                .filter(|(_, a)| match a.kind {
                    AtomKind::Entity(t) => mask.get(t as usize).copied().unwrap_or(false),
                    AtomKind::Variant(_) => false,
                })
                .map(|(i, _)| u32::try_from(i).unwrap_or(u32::MAX)),
        )
    }

    /// When `body` holds for an atom bound to `l` exactly if it is in some set computable
    /// without `l` (and without burning budget), that set.
    fn pred(&mut self, body: &CExpr, l: Local) -> Option<FS> {
        self.nested(|lw| lw.pred_inner(body, l))
    }

    fn pred_inner(&mut self, body: &CExpr, l: Local) -> Option<FS> {
        let is_l = |e: &CExpr| matches!(e, CExpr::Local(x) if *x == l);
        let free = |e: &CExpr| !mentions(e, l) && !burns(e);
        let all = || FS::Const(self.universe.clone());
        Some(match body {
            CExpr::Const(Value::Bool(true)) => all(),
            CExpr::Const(Value::Bool(false)) => FS::Const(AtomSet::new()),
            CExpr::In(x, k) if is_l(x) && free(k) => self.s(k)?,
            CExpr::IsType(x, mask) if is_l(x) => FS::Const(self.of_types(mask)),
            CExpr::Eq(x, y) | CExpr::Eq(y, x) if is_l(x) && free(y) => {
                fold(FS::Make(vec![self.a(y)?]))
            }
            CExpr::Not(x) => fold(FS::Diff(Box::new(all()), Box::new(self.pred(x, l)?))),
            CExpr::And(a, b) => fold(FS::Inter(
                Box::new(self.pred(a, l)?),
                Box::new(self.pred(b, l)?),
            )),
            CExpr::Or(a, b) => fold(FS::Union(
                Box::new(self.pred(a, l)?),
                Box::new(self.pred(b, l)?),
            )),
            _ => return None,
        })
    }
}

/// The atoms of a list, as a set.
fn atoms_of(items: &[Value]) -> AtomSet {
    AtomSet::from_ids(items.iter().filter_map(|v| match v {
        Value::Atom(a) => Some(*a),
        _ => None,
    }))
}

/// A set operation on constants, computed now.
fn fold(s: FS) -> FS {
    match s {
        FS::Union(a, b) => match (*a, *b) {
            (FS::Const(x), FS::Const(y)) => FS::Const(x.union(&y)),
            (a, b) => FS::Union(Box::new(a), Box::new(b)),
        },
        FS::Inter(a, b) => match (*a, *b) {
            (FS::Const(x), FS::Const(y)) => FS::Const(x.intersection(&y)),
            (a, b) => FS::Inter(Box::new(a), Box::new(b)),
        },
        FS::Diff(a, b) => match (*a, *b) {
            (FS::Const(x), FS::Const(y)) => FS::Const(x.difference(&y)),
            (a, b) => FS::Diff(Box::new(a), Box::new(b)),
        },
        FS::Make(items) => {
            let consts: Option<Vec<AtomId>> = items
                .iter()
                .map(|i| match i {
                    FA::Const(a) => Some(*a),
                    _ => None,
                })
                .collect();
            match consts {
                Some(ids) => FS::Const(AtomSet::from_ids(ids)),
                None => FS::Make(items),
            }
        }
        other => other,
    }
}

/// Whether an expression reads local `l` anywhere.
fn mentions(e: &CExpr, l: Local) -> bool {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        if own_local(e) == Some(l) {
            return true;
        }
        children(e, &mut stack);
    }
    false
}

/// Whether evaluating an expression can burn budget (it has a quantifier).
fn burns(e: &CExpr) -> bool {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        if matches!(e, CExpr::Quant(..)) {
            return true;
        }
        children(e, &mut stack);
    }
    false
}

impl<'a> Ctx<'a> {
    /// Burns budget, or gives up (the tree-walker reports the budget error).
    pub fn fast_burn(&mut self, n: usize) -> F<()> {
        let n = u64::try_from(n).map_err(|_| Slow)?;
        if self.fuel < n {
            return Err(Slow);
        }
        self.fuel -= n;
        Ok(())
    }

    fn fast_step(&self, local: Local) -> F<&'a BoundStep> {
        let bound = self.bound;
        match self.locals.get(local as usize) {
            Some(Value::Step(i)) => bound.steps.get(*i as usize).ok_or(Slow),
            _ => Err(Slow),
        }
    }

    fn fast_slot(&self, local: Local, slots: &[u16]) -> F<&'a Value> {
        let step = self.fast_step(local)?;
        let slot = *slots.get(step.kind as usize).ok_or(Slow)?;
        step.slots
            .get(slot as usize)
            .and_then(Option::as_ref)
            .ok_or(Slow)
    }

    fn cur_slot(&self, slot: u16) -> F<&'a Value> {
        self.cur
            .ok_or(Slow)?
            .slots
            .get(slot as usize)
            .and_then(Option::as_ref)
            .ok_or(Slow)
    }

    fn fast_arm<'s, T>(&self, local: Local, by_kind: &[u16], arms: &'s [T]) -> F<&'s T> {
        let step = self.fast_step(local)?;
        let arm = *by_kind.get(step.kind as usize).ok_or(Slow)?;
        arms.get(arm as usize).ok_or(Slow)
    }

    /// Binds a local to an atom.
    pub fn fast_bind(&mut self, l: Local, a: AtomId) -> F<()> {
        self.set_local(l, Value::Atom(a)).map_err(|_| Slow)
    }

    /// Evaluates a boolean.
    pub fn fb(&mut self, b: &FB) -> F<bool> {
        match b {
            FB::Const(b) => Ok(*b),
            FB::Not(x) => Ok(!self.fb(x)?),
            FB::And(x, y) => Ok(self.fb(x)? && self.fb(y)?),
            FB::Or(x, y) => Ok(self.fb(x)? || self.fb(y)?),
            FB::In(x, s) => {
                let x = self.fa(x)?;
                Ok(self.fs(s, false)?.contains(x))
            }
            FB::EqAtom(x, y) => Ok(self.fa(x)? == self.fa(y)?),
            FB::SlotIn(l, slots, k) => match self.fast_slot(*l, slots)? {
                Value::Atom(a) => Ok(k.contains(*a)),
                _ => Err(Slow),
            },
            FB::SlotIs(l, slots, a) => match self.fast_slot(*l, slots)? {
                Value::Atom(b) => Ok(a == b),
                _ => Err(Slow),
            },
            FB::CurBool(slot) => match self.cur_slot(*slot)? {
                Value::Bool(b) => Ok(*b),
                _ => Err(Slow),
            },
            FB::CurHas(slot) => Ok(self
                .cur
                .ok_or(Slow)?
                .slots
                .get(*slot as usize)
                .is_some_and(Option::is_some)),
            FB::CurIn(slot, k) => match self.cur_slot(*slot)? {
                Value::Atom(a) => Ok(k.contains(*a)),
                _ => Err(Slow),
            },
            FB::CurIs(slot, a) => match self.cur_slot(*slot)? {
                Value::Atom(b) => Ok(a == b),
                _ => Err(Slow),
            },
            FB::InCur(a, slot) => match self.cur_slot(*slot)? {
                Value::Set(s) => Ok(s.contains(*a)),
                Value::List(items) => Ok(items.contains(&Value::Atom(*a))),
                _ => Err(Slow),
            },
            FB::InSlot(a, l, slots) => match self.fast_slot(*l, slots)? {
                Value::Set(s) => Ok(s.contains(*a)),
                Value::List(items) => Ok(items.contains(&Value::Atom(*a))),
                _ => Err(Slow),
            },
            FB::StepBool(l, slots) => match self.fast_slot(*l, slots)? {
                Value::Bool(b) => Ok(*b),
                _ => Err(Slow),
            },
            FB::StepHas(l, slots) => {
                let step = self.fast_step(*l)?;
                let slot = slots.get(step.kind as usize).copied().unwrap_or(u16::MAX);
                Ok(step.slots.get(slot as usize).is_some_and(Option::is_some))
            }
            FB::Match(l, by_kind, arms) => {
                let arm = self.fast_arm(*l, by_kind, arms)?;
                self.fb(arm)
            }
            FB::QuantSet(q, coll, pred) => self.quant_set(*q, coll, pred),
            FB::Quant(q, l, coll, body) => self.quant(*q, *l, coll, body),
            FB::Slow(e) => self.truth(e).map_err(|_| Slow),
        }
    }

    #[inline(never)]
    fn quant_set(&mut self, q: Quant, coll: &FS, pred: &FS) -> F<bool> {
        let c = self.fs(coll, true)?;
        let p = self.fs(pred, false)?;
        let any = q == Quant::Any;
        // The walk stops at the first witness (any) or counterexample (all).
        let stop = if any {
            c.intersection(&p)
        } else {
            c.difference(&p)
        };
        let (walked, result) = match stop.first() {
            Some(x) => (c.count_through(x), any),
            None => (c.len(), !any),
        };
        self.fast_burn(walked)?;
        Ok(result)
    }

    #[inline(never)]
    fn quant(&mut self, q: Quant, l: Local, coll: &FS, body: &FB) -> F<bool> {
        let c = self.fs(coll, true)?;
        let any = q == Quant::Any;
        for x in c.iter() {
            self.fast_burn(1)?;
            self.fast_bind(l, x)?;
            if self.fb(body)? == any {
                return Ok(any);
            }
        }
        Ok(!any)
    }

    /// Evaluates an atom.
    pub fn fa(&self, a: &FA) -> F<AtomId> {
        match a {
            FA::Const(a) => Ok(*a),
            FA::Local(l) => match self.locals.get(*l as usize) {
                Some(Value::Atom(a)) => Ok(*a),
                _ => Err(Slow),
            },
            FA::StepAttr(l, slots) => match self.fast_slot(*l, slots)? {
                Value::Atom(a) => Ok(*a),
                _ => Err(Slow),
            },
            FA::Cur(slot) => match self.cur_slot(*slot)? {
                Value::Atom(a) => Ok(*a),
                _ => Err(Slow),
            },
            FA::Match(l, by_kind, arms) => self.fa(self.fast_arm(*l, by_kind, arms)?),
        }
    }

    /// Evaluates a set; `iter`: it is about to be iterated, so a list gives up.
    pub fn fs<'s>(&mut self, s: &'s FS, iter: bool) -> F<Cow<'s, AtomSet>>
    where
        'a: 's,
    {
        Ok(match s {
            FS::Const(s) => Cow::Borrowed(s),
            FS::List(inner) => {
                if iter {
                    return Err(Slow);
                }
                self.fs(inner, false)?
            }
            FS::Cur(slot) => match self.cur_slot(*slot)? {
                Value::Set(s) => Cow::Borrowed(s),
                Value::List(items) if !iter => Cow::Owned(atoms_of(items)),
                _ => return Err(Slow),
            },
            FS::StepAttr(l, slots) => match self.fast_slot(*l, slots)? {
                Value::Set(s) => Cow::Borrowed(s),
                Value::List(items) if !iter => {
                    Cow::Owned(AtomSet::from_ids(items.iter().filter_map(|v| match v {
                        Value::Atom(a) => Some(*a),
                        _ => None,
                    })))
                }
                _ => return Err(Slow),
            },
            FS::Union(..) | FS::Inter(..) | FS::Diff(..) => Cow::Owned(self.set_op(s)?),
            FS::Make(items) => Cow::Owned(self.make(items)?),
            FS::Match(l, by_kind, arms) => self.fs(self.fast_arm(*l, by_kind, arms)?, iter)?,
            FS::If(c, x, y) => {
                if self.fb(c)? {
                    self.fs(x, iter)?
                } else {
                    self.fs(y, iter)?
                }
            }
        })
    }

    #[inline(never)]
    fn set_op(&mut self, s: &FS) -> F<AtomSet> {
        Ok(match s {
            FS::Union(x, y) => self.fs(x, false)?.union(&*self.fs(y, false)?),
            FS::Inter(x, y) => self.fs(x, false)?.intersection(&*self.fs(y, false)?),
            FS::Diff(x, y) => self.fs(x, false)?.difference(&*self.fs(y, false)?),
            _ => return Err(Slow),
        })
    }

    #[inline(never)]
    fn make(&mut self, items: &[FA]) -> F<AtomSet> {
        Ok({
            let mut ids = [0u32; 8];
            if items.len() <= ids.len() {
                for (slot, it) in ids.iter_mut().zip(items) {
                    *slot = self.fa(it)?;
                }
                AtomSet::from_ids(ids.iter().take(items.len()).copied())
            } else {
                let ids = items.iter().map(|i| self.fa(i)).collect::<F<Vec<_>>>()?;
                AtomSet::from_ids(ids)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slow_nodes(b: &FB, out: &mut Vec<String>) {
        match b {
            FB::Slow(e) => out.push(format!("{e:?}").chars().take(300).collect()),
            FB::Not(x) => slow_nodes(x, out),
            FB::And(x, y) | FB::Or(x, y) => {
                slow_nodes(x, out);
                slow_nodes(y, out);
            }
            FB::Match(_, _, arms) => arms.iter().for_each(|a| slow_nodes(a, out)),
            FB::Quant(_, _, _, body) => slow_nodes(body, out),
            _ => {}
        }
    }

    /// Every step rule of the standard library takes the fast path, whole: the only part
    /// left to the tree-walker is `in_force` (dates), and only `on proposal` rules are not
    /// lowered.
    #[test]
    fn the_standard_library_is_lowered() {
        let e = crate::Engine::standard();
        let lib = e.compiled();
        let mut lowered = 0;
        for (k, rules) in lower_rules(lib).into_iter().enumerate() {
            for (r, f) in rules {
                let rule = &lib.rules[r as usize];
                let Some(f) = f else {
                    panic!("{} is not lowered for kind {k}", rule.id);
                };
                lowered += 1;
                let mut slow = Vec::new();
                for b in f.when.iter().chain(&f.cond).chain(&f.unless) {
                    slow_nodes(b, &mut slow);
                }
                slow.retain(|s| !s.starts_with("InForce"));
                assert!(
                    slow.is_empty(),
                    "{}: left to the tree-walker: {slow:?}",
                    rule.id
                );
                if let Some(each) = &f.each {
                    assert!(
                        each.filter.is_some(),
                        "{}: its `each` condition is not a set",
                        rule.id
                    );
                }
                // Lowered for one kind, a rule has no `match` on its step left.
                let text = format!("{f:?}");
                assert!(!text.contains("Match(0,"), "{}: {text}", rule.id);
                assert!(!text.contains("StepAttr(0,"), "{}: {text}", rule.id);
            }
        }
        assert!(lowered > 30, "{lowered} (rule, kind) pairs lowered");
    }
}
