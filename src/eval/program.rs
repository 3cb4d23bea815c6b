//! Lowering: every rule, once per step kind it applies to (and once for `on proposal`
//! rules), from [`CExpr`] into the program form the evaluator ([`super::run`]) runs.
//!
//! A program is a tree of typed nodes, by what a node computes:
//!
//! - [`B`], a boolean; [`A`], an atom; [`S`], a set of atoms: computed in place, from the
//!   step's slots and the library's fact bitsets, without building a [`Value`]. A rule
//!   lowered for one step kind has its `match` arms on its step chosen and its reads of the
//!   step's attributes resolved to slots ([`Read`]). Quantifiers and `each ... where`
//!   filters whose bodies are boolean combinations of memberships of the bound variable
//!   (`x in S`, `x is T`, `x == a`, `!`, `&&`, `||`) also carry that body as a set
//!   ([`B::Quant`]'s `pred`, [`Each::filter`]): `any x in C: x not in K` is `C - K` not
//!   being empty.
//! - [`V`], any value: lists in order, integers, strings, dates, steps, `in_force`,
//!   `steps(...)`, entity attributes, `if`, `count`: everything the typed nodes do not
//!   compute, so that every construct of the language has a node and nothing is left to
//!   another evaluator. The typed classes reach it through `B::Value`, `A::Value` and
//!   `S::Value`, and it reaches them back through `V::Bool` and `V::Set`.
//!
//! Constants keep where they came from ([`Src`]: a fact, or the facts a folded set was
//! computed from) so that the recording evaluator gives them as evidence.

use std::sync::Arc;

use crate::bitset::AtomSet;
use crate::date::Date;
use crate::ir::*;
use crate::source::Span;
use crate::syntax::{Expr, FileId, Quant};

/// Where a constant came from, for evidence.
#[derive(Clone, Debug)]
pub enum Src {
    /// A literal of the policy (no evidence).
    None,
    /// A fact: the entity, the attribute, the value as the fact gives it.
    Fact(Box<(AtomId, AttrId, Value)>),
    /// A set folded at compile time from these facts.
    Folded(Box<[(AtomId, AttrId)]>),
}

/// A read of the current step's attribute (the rule lowered for one kind, `as s`).
#[derive(Clone, Debug)]
pub struct Read {
    /// The slot.
    pub slot: u16,
    /// The attribute's name, for evidence and errors.
    pub name: Arc<str>,
    /// Where the policy reads it.
    pub span: Span,
}

/// A boolean expression.
#[derive(Clone, Debug)]
pub enum B {
    /// A constant.
    Const(bool, Src),
    /// `!b`
    Not(Box<B>),
    /// `a && b`
    And(Box<B>, Box<B>),
    /// `a || b`
    Or(Box<B>, Box<B>),
    /// `x in S` on atoms.
    In(A, S),
    /// `s.attr in K` on the current step, K a literal set.
    CurIn(Read, AtomSet),
    /// `s.attr == a` on the current step, a a literal.
    CurIs(Read, AtomId),
    /// `a in s.attr` on the current step, a a literal.
    InCur(AtomId, Read),
    /// `a == b` on atoms.
    EqAtom(A, A),
    /// The current step's boolean attribute.
    CurBool(Read),
    /// Whether the current step has an attribute, by slot.
    CurHas(u16),
    /// `any`/`all` binder in collection: body.
    Quant(Box<Quantifier>),
    /// Any other boolean.
    Value(V),
    /// A sub-condition as the policy writes it, by its number in the rule's
    /// [`Marked::sites`]: the evaluator tells the recorder where it begins and ends
    /// ([`super::evidence::Recorder::enter`]). Only programs lowered for explanation
    /// ([`Program::marked`]) have marks; the programs of [`Program::new`] never do.
    Mark(u32, Box<B>),
}

/// A join's lookup: the steps of the kinds in `mask` whose attribute (slot by kind) equals
/// `key`, and those for which it is absent (reading it fails, as the walk would) or not a
/// scalar.
#[derive(Clone, Debug)]
pub struct Join {
    /// The index's number in the evaluation (one index per join of the program).
    pub id: u32,
    /// The kinds of `steps(...)`.
    pub mask: Box<[bool]>,
    /// The attribute's slot by kind (`u16::MAX`: the kind has none).
    pub slots: Box<[u16]>,
    /// The value looked up.
    pub key: V,
}

/// A filter `[x in S where c]`: the items of the collection for which the body holds.
#[derive(Clone, Debug)]
pub struct Filtered {
    /// The binder.
    pub local: Local,
    /// The collection.
    pub coll: Coll,
    /// The condition.
    pub body: B,
}

/// A quantifier.
#[derive(Clone, Debug)]
pub struct Quantifier {
    /// `any` or `all`.
    pub q: Quant,
    /// The binder.
    pub local: Local,
    /// The collection.
    pub coll: Coll,
    /// The body.
    pub body: B,
    /// When the body holds for an atom bound to the binder exactly if it is in a set that
    /// does not depend on the binder (and burns no budget): that set.
    pub pred: Option<S>,
}

/// An atom-valued expression.
#[derive(Clone, Debug)]
pub enum A {
    /// A constant.
    Const(AtomId, Src),
    /// A local known to hold an atom.
    Local(Local),
    /// The current step's atom attribute.
    Cur(Read),
    /// Any other atom.
    Value(V),
}

/// A set of atoms (a list of atoms, read as a set, for `in` and set operations).
#[derive(Clone, Debug)]
pub enum S {
    /// A constant.
    Const(AtomSet, Src),
    /// The current step's set (or list) attribute.
    Cur(Read),
    /// `A | B`
    Union(Box<S>, Box<S>),
    /// `A & B`
    Inter(Box<S>, Box<S>),
    /// `A - B`
    Diff(Box<S>, Box<S>),
    /// `[a, b, ...]` of atoms.
    Make(Vec<A>),
    /// `[a]`
    One(Box<A>),
    /// `S | [a]`
    With(Box<S>, Box<A>),
    /// `if c then a else b`
    If(Box<B>, Box<S>, Box<S>),
    /// Any other set or list of atoms.
    Value(V),
}

/// A collection iterated by a quantifier or `each`.
#[derive(Clone, Debug)]
pub enum Coll {
    /// A set of atoms, iterated in id order.
    Set(S),
    /// Any other collection (a list in order, steps, values other than atoms).
    Items(V),
}

/// Any value.
#[derive(Clone, Debug)]
pub enum V {
    /// A constant.
    Const(Value, Src),
    /// A local variable.
    Local(Local),
    /// The current step's attribute.
    Cur(Read),
    /// A step attribute: the step in a local, the slot per kind (`u16::MAX`: none).
    StepAttr {
        /// The step's local.
        local: Local,
        /// Slot by kind id.
        slots: Box<[u16]>,
        /// The attribute's name.
        name: Arc<str>,
        /// Where it is read.
        span: Span,
    },
    /// Whether a step's optional attribute is present.
    StepHas {
        /// The step's local.
        local: Local,
        /// Slot by kind id.
        slots: Box<[u16]>,
    },
    /// The step's id.
    StepId(Local),
    /// The step's effective date.
    StepDate(Local, Span),
    /// A dynamic entity's attribute.
    EntityAttr {
        /// The entity.
        obj: Box<A>,
        /// The attribute.
        attr: AttrId,
        /// Where it is read.
        span: Span,
    },
    /// Whether a dynamic entity has an optional attribute.
    EntityHas(Box<A>, AttrId),
    /// `a == b` on any values.
    Eq(Box<V>, Box<V>),
    /// `a < b` (ints and dates).
    Lt(Box<V>, Box<V>),
    /// `x in C` on any values.
    In(Box<V>, Box<V>),
    /// Branch on the kind of the step in a local.
    Match {
        /// The step's local.
        local: Local,
        /// Arm by kind id (`u16::MAX`: none).
        arms_by_kind: Box<[u16]>,
        /// The arms.
        arms: Vec<V>,
    },
    /// `if c then a else b`
    If(Box<B>, Box<V>, Box<V>),
    /// `count(C)`
    Count(Box<V>),
    /// `days(a, b)`.
    Days(Box<V>, Box<V>),
    /// `in_force(i, d)`
    InForce {
        /// The instrument.
        inst: Box<A>,
        /// The date.
        date: Box<V>,
        /// `entry_into_force` attribute.
        eif: AttrId,
        /// `terminated` attribute, if the type has one.
        terminated: Option<AttrId>,
    },
    /// The evaluation date.
    AsOf(Span),
    /// The proposal's steps of these kinds (by kind id).
    Steps(Box<[bool]>),
    /// A list from element expressions (sorted and deduplicated if `sorted`).
    MakeList(Vec<V>, bool),
    /// A boolean.
    Bool(Box<B>),
    /// A set of atoms.
    Set(Box<S>),
    /// `[x in S where c]`: a set of atoms, or a list in the collection's order.
    Filter(Box<Filtered>),
    /// The steps of some kinds whose attribute equals a key (`ir::join_key`), in proposal
    /// order, looked up in an index built once per evaluation: the candidates of a join.
    Join(Box<Join>),
    /// A construct that cannot be evaluated for this step kind (an engine bug if reached).
    Internal(&'static str),
}

/// A piece of a message template.
#[derive(Clone, Debug)]
pub enum Piece {
    /// Literal text.
    Lit(Box<str>),
    /// An interpolated value.
    Expr(V),
}

/// `each x in C [where ...]`.
#[derive(Clone, Debug)]
pub struct Each {
    /// The binder.
    pub local: Local,
    /// The collection.
    pub coll: Coll,
    /// When the condition is a boolean combination of memberships of the binder: the set
    /// of bindings for which it holds.
    pub filter: Option<S>,
}

/// A rule, lowered for one step kind (or for the proposal).
#[derive(Clone, Debug)]
pub struct RuleProgram {
    /// The rule's index.
    pub rule: u32,
    /// `forbid` (`true`) or `require`.
    pub forbid: bool,
    /// The `each` binder ranges over steps (a violation is reported on the bound step).
    pub each_is_step: bool,
    /// `when`.
    pub when: Option<B>,
    /// `each`.
    pub each: Option<Each>,
    /// The condition.
    pub cond: Option<B>,
    /// The `unless` clauses.
    pub unless: Vec<B>,
    /// Whether an `unless` clause can burn budget (it has a quantifier).
    pub unless_burns: bool,
    /// The message template.
    pub message: Vec<Piece>,
    /// The help template.
    pub help: Vec<Piece>,
    /// The label template.
    pub label: Vec<Piece>,
}

/// A rule lowered for one step kind (or for the proposal), once per period of the facts
/// that change over time which it reads: one program when it reads none.
#[derive(Clone, Debug)]
pub struct Periods {
    /// The rule's index.
    pub rule: u32,
    /// The dates that start the second and later periods, ascending (empty: one period).
    pub changes: Box<[Date]>,
    /// The program of each period (one more than `changes`).
    pub programs: Box<[RuleProgram]>,
    /// Where the rule first reads a fact that changes over time (for a missing date).
    pub timed_read: Option<Span>,
}

impl Periods {
    /// The program for a step judged on `on`; `None` when the rule reads facts that change
    /// over time and there is no date.
    #[inline]
    pub fn at(&self, on: Option<Date>) -> Option<&RuleProgram> {
        if self.changes.is_empty() {
            return self.programs.first();
        }
        let d = on?;
        self.programs.get(self.changes.partition_point(|c| *c <= d))
    }
}

/// A library's rules, lowered.
#[derive(Clone, Debug, Default)]
pub struct Program {
    /// For each step kind, its rules in the order of [`Compiled::rules_by_kind`].
    pub by_kind: Vec<Vec<Periods>>,
    /// The `on proposal` rules, in the order of [`Compiled::proposal_rules`].
    pub proposal: Vec<Periods>,
    /// The largest number of locals of any rule.
    pub locals: u16,
    /// The evidence line of each fact a rule reads by name (`attr of entity: value`),
    /// rendered once, sorted by (entity, attribute).
    pub fact_lines: Vec<((AtomId, AttrId), Value, Box<str>)>,
}

impl Program {
    /// Lowers every rule of a library.
    pub fn new(lib: &Compiled) -> Program {
        let mut lw = Lower::new(lib);
        // Each rule as it reads in each period of the timed facts it reads.
        let timed: Vec<(Vec<Date>, Vec<CRule>, Option<Span>)> = lib
            .rules
            .iter()
            .map(|r| {
                let (changes, span) = crate::compile::time::changes(lib, r);
                if changes.is_empty() {
                    return (changes, Vec::new(), None);
                }
                let rules = crate::compile::time::period_starts(&changes)
                    .into_iter()
                    .map(|d| crate::compile::time::on_date(lib, r, d))
                    .collect();
                (changes, rules, span)
            })
            .collect();
        let periods = |lw: &mut Lower<'_>, r: u32| -> Option<Periods> {
            let rule = lib.rules.get(r as usize)?;
            let (changes, rules, span) = timed.get(r as usize)?;
            let programs: Vec<RuleProgram> = if changes.is_empty() {
                vec![lw.rule(r, rule, None)?]
            } else {
                rules
                    .iter()
                    .map(|x| lw.rule(r, x, None))
                    .collect::<Option<Vec<_>>>()?
            };
            Some(Periods {
                rule: r,
                changes: changes.clone().into(),
                programs: programs.into(),
                timed_read: *span,
            })
        };
        let by_kind = lib
            .rules_by_kind
            .iter()
            .enumerate()
            .map(|(k, rules)| {
                lw.kind = KindId::try_from(k).ok();
                // A rule whose `when` is false for this kind never applies to its steps:
                // it is left out (it would count no application and find nothing).
                rules
                    .iter()
                    .filter_map(|&r| periods(&mut lw, r))
                    .filter(|p| {
                        !p.programs
                            .iter()
                            .all(|p| matches!(p.when, Some(B::Const(false, _))))
                    })
                    .collect()
            })
            .collect();
        lw.kind = None;
        let proposal = lib
            .proposal_rules
            .iter()
            .filter_map(|&r| periods(&mut lw, r))
            .collect();
        Program {
            by_kind,
            proposal,
            locals: lib.rules.iter().map(|r| r.locals).max().unwrap_or(0).max(1),
            fact_lines: fact_lines(lib),
        }
    }

    /// The evidence line of a fact, when it was rendered ahead (and has this value).
    pub fn fact_line(&self, entity: AtomId, attr: AttrId, value: &Value) -> Option<&str> {
        let i = self
            .fact_lines
            .binary_search_by_key(&(entity, attr), |(k, _, _)| *k)
            .ok()?;
        let (_, v, line) = self.fact_lines.get(i)?;
        (v == value).then_some(&**line)
    }

    /// The programs of rule `rule` applied to a step of `kind` (`None`: the proposal).
    pub fn find(&self, kind: Option<KindId>, rule: u32) -> Option<&Periods> {
        let list = match kind {
            Some(k) => self.by_kind.get(k as usize)?,
            None => &self.proposal,
        };
        list.iter().find(|p| p.rule == rule)
    }
}

/// What a marked sub-condition is, as the policy writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `a && b`
    And,
    /// `a || b`
    Or,
    /// `!a`
    Not,
    /// `any x in S: c`
    Any,
    /// `all x in S: c`
    All,
    /// Anything else, evaluated as one test (`s.area == caspian_sea`, `s has host`).
    Test,
}

/// The rule clause a top-level mark is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clause {
    /// `when`
    When,
    /// The verdict's condition (`forbid`/`require`, or `where` after `each`).
    Cond,
    /// The `unless` clause of this index.
    Unless(usize),
}

/// A marked sub-condition: where the policy writes it and what it is.
#[derive(Clone, Debug)]
pub struct Site {
    /// The policy file.
    pub file: FileId,
    /// Its text in that file.
    pub span: Span,
    /// What it is.
    pub op: Op,
    /// The clause, for the top mark of one.
    pub clause: Option<Clause>,
    /// The binder of an `any`/`all` (the recorder is told each item it takes).
    pub binder: Option<Local>,
    /// A call of a definition: `op` is its body's, the text the call's.
    pub call: bool,
}

/// A library's definitions as written, by name, with their files.
pub type Defs<'w> = std::collections::HashMap<&'w str, (&'w crate::syntax::DefDecl, FileId)>;

/// Why a rule could not be lowered for explanation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unmarkable {
    /// No such rule.
    NoRule,
    /// It reads facts that change over time, and there is no date (where it first does).
    NoDate(Option<Span>),
}

/// Lowering for explanation: rules lowered as [`Program::new`] lowers them, with a mark
/// ([`B::Mark`]) around every sub-condition of their `when`, condition and `unless`
/// clauses, so that a recorder sees where each begins and ends. The programs it makes run
/// on the one evaluator, with the same result as the hot path's (marks change no
/// result, only what a recorder is told); the hot path's programs have no marks.
pub struct Marker<'l> {
    lw: Lower<'l>,
}

impl std::fmt::Debug for Marker<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Marker").finish_non_exhaustive()
    }
}

impl<'l> Marker<'l> {
    /// A marker for a library, with its definitions as written.
    pub fn new(lib: &'l Compiled, defs: &'l Defs<'l>) -> Marker<'l> {
        let mut lw = Lower::new(lib);
        lw.marking = Some(Marking {
            defs,
            sites: Vec::new(),
        });
        Marker { lw }
    }

    /// Rule `r` lowered for a step of `kind` (`None`: an `on proposal` rule), in the
    /// period of the facts it reads that holds on `on`, from the rule as written. One
    /// marker lowers all the rules that one evaluation runs (join numbers are unique).
    pub fn rule(
        &mut self,
        kind: Option<KindId>,
        r: u32,
        on: Option<Date>,
        written: &'l crate::syntax::RuleDecl,
    ) -> Result<RuleProgram, Unmarkable> {
        let lib = self.lw.lib;
        let rule = lib.rules.get(r as usize).ok_or(Unmarkable::NoRule)?;
        let (changes, span) = crate::compile::time::changes(lib, rule);
        let dated;
        let rule = if changes.is_empty() {
            rule
        } else {
            let d = on.ok_or(Unmarkable::NoDate(span))?;
            let starts = crate::compile::time::period_starts(&changes);
            let start = starts
                .get(changes.partition_point(|c| *c <= d))
                .ok_or(Unmarkable::NoRule)?;
            dated = crate::compile::time::on_date(lib, rule, *start);
            &dated
        };
        self.lw.kind = kind;
        self.lw
            .rule(r, rule, Some(written))
            .ok_or(Unmarkable::NoRule)
    }

    /// Every mark made so far, by number ([`B::Mark`]).
    pub fn sites(&self) -> &[Site] {
        self.lw.marking.as_ref().map_or(&[], |m| &m.sites)
    }
}

/// The evidence lines of the facts that rules read by name (in `when`, `each` and the
/// condition: what an explanation records).
fn fact_lines(lib: &Compiled) -> Vec<((AtomId, AttrId), Value, Box<str>)> {
    let mut keys = std::collections::BTreeMap::new();
    for r in &lib.rules {
        let mut stack: Vec<&CExpr> = Vec::new();
        stack.extend(r.when.iter());
        stack.extend(r.cond.iter());
        stack.extend(r.each.iter().map(|(_, c)| c));
        while let Some(e) = stack.pop() {
            match e {
                CExpr::Fact {
                    entity,
                    attr,
                    value,
                } => {
                    keys.entry((*entity, *attr))
                        .or_insert_with(|| value.clone());
                }
                CExpr::Folded { sources, .. } => {
                    for &(entity, attr) in sources.iter() {
                        keys.entry((entity, attr)).or_insert_with(|| {
                            match super::fact(lib, entity, attr) {
                                Some(FactValue::Fixed(v)) => v.clone(),
                                _ => Value::Bool(false),
                            }
                        });
                    }
                }
                _ => {}
            }
            children(e, &mut stack);
        }
    }
    keys.into_iter()
        .map(|((entity, attr), value)| {
            let mut line = String::new();
            super::display::fact_line_into(lib, None, &mut line, (entity, attr, None), &value);
            ((entity, attr), value, line.into())
        })
        .collect()
}

/// What an expression computes, as far as lowering can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Bool,
    Atom,
    /// A `Value::Set` of atoms.
    AtomSet,
    /// A `Value::List` of atoms.
    AtomList,
    Other,
}

fn shape_of_ty(t: &Ty) -> Shape {
    match t {
        Ty::Bool => Shape::Bool,
        t if t.is_atom() => Shape::Atom,
        Ty::Set(e) if e.is_atom() => Shape::AtomSet,
        Ty::List(e) if e.is_atom() => Shape::AtomList,
        _ => Shape::Other,
    }
}

fn shape_of_value(v: &Value) -> Shape {
    match v {
        Value::Bool(_) => Shape::Bool,
        Value::Atom(_) => Shape::Atom,
        Value::Set(_) => Shape::AtomSet,
        Value::List(l) if l.iter().all(|x| matches!(x, Value::Atom(_))) => Shape::AtomList,
        _ => Shape::Other,
    }
}

fn same(shapes: impl IntoIterator<Item = Shape>) -> Shape {
    let mut out = None;
    for s in shapes {
        match out {
            None => out = Some(s),
            Some(o) if o == s => {}
            Some(_) => return Shape::Other,
        }
    }
    out.unwrap_or(Shape::Other)
}

struct Lower<'l> {
    lib: &'l Compiled,
    /// Locals known to hold atoms (binders over sets or lists of atoms).
    atom_locals: Vec<Local>,
    /// Every atom: the universe for complements.
    universe: AtomSet,
    /// The kind of the step in local 0 (the rule's `as s`), when lowering for one kind.
    kind: Option<KindId>,
    /// Joins lowered so far (their index numbers).
    joins: u32,
    /// Lowering for explanation: the marks made so far, and the definitions as written.
    marking: Option<Marking<'l>>,
}

/// The state of lowering for explanation.
struct Marking<'l> {
    defs: &'l Defs<'l>,
    sites: Vec<Site>,
}

/// The built-in functions: calls of these are not definitions.
const BUILTINS: [&str; 5] = ["count", "days", "entities", "in_force", "steps"];

impl<'l> Lower<'l> {
    fn new(lib: &'l Compiled) -> Self {
        Lower {
            lib,
            atom_locals: Vec::new(),
            universe: AtomSet::from_ids(0..u32::try_from(lib.atoms.len()).unwrap_or(u32::MAX)),
            kind: None,
            joins: 0,
            marking: None,
        }
    }

    /// Lowers a rule; with the rule as written (`written`, when lowering for explanation),
    /// its `when`, condition and `unless` clauses are marked ([`Lower::mark`]).
    fn rule(
        &mut self,
        r: u32,
        rule: &CRule,
        written: Option<&'l crate::syntax::RuleDecl>,
    ) -> Option<RuleProgram> {
        self.atom_locals.clear();
        let file = rule.file;
        let when_ast = written.and_then(|w| w.when.as_ref());
        let when = match rule.when.as_ref().map(|w| match when_ast {
            Some(a) => self.mark(w, a, file, Some(Clause::When)),
            None => self.b(w),
        }) {
            Some(B::Const(true, Src::None)) => None,
            w => w,
        };
        let each = rule.each.as_ref().map(|(local, coll)| {
            let cond = if rule.forbid {
                rule.cond.as_ref()
            } else {
                None
            };
            let (coll, atoms) = self.coll_of(coll, *local, cond);
            if atoms {
                self.atom_locals.push(*local);
            }
            let filter = match (&coll, &rule.cond) {
                (Coll::Set(_), Some(c)) => self.pred(c, *local),
                _ => None,
            };
            Each {
                local: *local,
                coll,
                filter,
            }
        });
        let cond_ast = written.and_then(|w| w.verdict.as_ref()?.cond.as_ref());
        let cond = rule.cond.as_ref().map(|c| match cond_ast {
            Some(a) => self.mark(c, a, file, Some(Clause::Cond)),
            None => self.b(c),
        });
        let unless = rule
            .unless
            .iter()
            .enumerate()
            .map(|(k, u)| match written.and_then(|w| w.unless.get(k)) {
                Some(a) => self.mark(u, &a.cond, file, Some(Clause::Unless(k))),
                None => self.b(u),
            })
            .collect();
        let unless_burns = rule.unless.iter().any(burns);
        let message = self.template(&rule.message);
        let help = self.template(&rule.help);
        let label = self.template(&rule.label);
        Some(RuleProgram {
            rule: r,
            forbid: rule.forbid,
            each_is_step: rule.each_is_step,
            when,
            each,
            cond,
            unless,
            unless_burns,
            message,
            help,
            label,
        })
    }

    /// A template, with its constant parts rendered now and merged with the literal text
    /// around them.
    fn template(&mut self, parts: &[Part]) -> Vec<Piece> {
        let mut out: Vec<Piece> = Vec::with_capacity(parts.len());
        for p in parts {
            let piece = match p {
                Part::Lit(s) => Piece::Lit(s.as_str().into()),
                Part::Expr(e) => match self.v(e) {
                    V::Const(v, _) => {
                        let mut text = String::new();
                        super::display::display_into(self.lib, None, &mut text, &v);
                        Piece::Lit(text.into())
                    }
                    v => Piece::Expr(v),
                },
            };
            match (out.last_mut(), piece) {
                (Some(Piece::Lit(a)), Piece::Lit(b)) => {
                    let mut joined = String::with_capacity(a.len() + b.len());
                    joined.push_str(a);
                    joined.push_str(&b);
                    *a = joined.into();
                }
                (_, piece) => out.push(piece),
            }
        }
        out
    }

    /// The collection of an `any`, a filter or a `forbid each` bound to `local` with
    /// condition `cond`: a join's lookup when `e` is `steps(...)` and the condition a join
    /// (only the steps it looks up can make the condition hold, and they come in the order a
    /// walk would meet them), else [`Lower::coll`].
    fn coll_of(&mut self, e: &CExpr, local: Local, cond: Option<&CExpr>) -> (Coll, bool) {
        if let (CExpr::Steps(mask), Some(c)) = (e, cond) {
            if let Some((slots, key)) = crate::ir::join_key(c, local) {
                let id = self.joins;
                self.joins += 1;
                let key = self.v(key);
                return (
                    Coll::Items(V::Join(Box::new(Join {
                        id,
                        mask: mask.clone(),
                        slots: slots.into(),
                        key,
                    }))),
                    false,
                );
            }
        }
        self.coll(e)
    }

    /// A collection to iterate, and whether its items are atoms.
    fn coll(&mut self, e: &CExpr) -> (Coll, bool) {
        match self.shape(e) {
            Shape::AtomSet => (Coll::Set(self.s(e)), true),
            Shape::AtomList => (Coll::Items(self.v(e)), true),
            _ => (Coll::Items(self.v(e)), false),
        }
    }

    /// The type of an attribute of the current step (local 0, one kind), and its slot.
    fn cur(&self, local: Local, slots: &[u16]) -> Option<(u16, &'l Ty)> {
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
        Some((slot, ty))
    }

    /// For a `match` on local 0 in a rule lowered for one kind: the arm taken.
    fn cur_arm(&self, local: Local, by_kind: &[u16]) -> Option<usize> {
        let k = self.kind?;
        if local != 0 {
            return None;
        }
        by_kind.get(k as usize).map(|a| *a as usize)
    }

    fn shape(&self, e: &CExpr) -> Shape {
        match e {
            CExpr::Const(v) | CExpr::Fact { value: v, .. } | CExpr::Folded { value: v, .. } => {
                shape_of_value(v)
            }
            CExpr::Local(l) if self.atom_locals.contains(l) => Shape::Atom,
            CExpr::StepAttr { local, slots, .. } => {
                if let Some((_, ty)) = self.cur(*local, slots) {
                    return shape_of_ty(ty);
                }
                same(
                    slots
                        .iter()
                        .enumerate()
                        .filter(|(_, s)| **s != u16::MAX)
                        .map(|(k, s)| {
                            self.lib
                                .kinds
                                .get(k)
                                .and_then(|kind| kind.fields.get(*s as usize))
                                .map_or(Shape::Other, |f| shape_of_ty(&f.ty))
                        }),
                )
            }
            CExpr::EntityAttr { attr, .. } => same(
                self.lib
                    .facts
                    .iter()
                    .filter_map(|f| f.get(*attr as usize).and_then(Option::as_ref))
                    .flat_map(FactValue::values)
                    .map(shape_of_value),
            ),
            CExpr::Not(_)
            | CExpr::And(..)
            | CExpr::Or(..)
            | CExpr::In(..)
            | CExpr::Eq(..)
            | CExpr::Lt(..)
            | CExpr::Quant(..)
            | CExpr::IsType(..)
            | CExpr::InForce { .. }
            | CExpr::StepHas { .. }
            | CExpr::EntityHas(..) => Shape::Bool,
            CExpr::Union(..) | CExpr::Inter(..) | CExpr::Diff(..) | CExpr::MakeSet(_) => {
                Shape::AtomSet
            }
            CExpr::MakeList(items, _) => {
                if items.iter().all(|i| self.shape(i) == Shape::Atom) {
                    Shape::AtomList
                } else {
                    Shape::Other
                }
            }
            CExpr::Match {
                local,
                arms_by_kind,
                arms,
            } => match self.cur_arm(*local, arms_by_kind) {
                Some(i) => arms.get(i).map_or(Shape::Other, |a| self.shape(a)),
                None => same(arms.iter().map(|a| self.shape(a))),
            },
            CExpr::If(_, a, b) => same([self.shape(a), self.shape(b)]),
            CExpr::Filter(_, coll, _) => match self.shape(coll) {
                Shape::AtomSet => Shape::AtomSet,
                Shape::AtomList => Shape::AtomList,
                _ => Shape::Other,
            },
            _ => Shape::Other,
        }
    }

    fn read(&self, local: Local, slots: &[u16], name: &Arc<str>, span: Span) -> Option<Read> {
        let (slot, _) = self.cur(local, slots)?;
        Some(Read {
            slot,
            name: name.clone(),
            span,
        })
    }

    fn b(&mut self, e: &CExpr) -> B {
        match e {
            CExpr::Const(Value::Bool(b)) => B::Const(*b, Src::None),
            CExpr::Fact {
                value: Value::Bool(b),
                entity,
                attr,
            } => B::Const(*b, Src::Fact(Box::new((*entity, *attr, Value::Bool(*b))))),
            CExpr::Folded {
                value: Value::Bool(b),
                sources,
            } => B::Const(*b, Src::Folded(sources.clone())),
            CExpr::Not(x) => match self.b(x) {
                B::Const(v, Src::None) => B::Const(!v, Src::None),
                x => B::Not(Box::new(x)),
            },
            // Literal operands fold (a `match` arm of `true` for this kind, a `has` of an
            // attribute this kind does not have); constants read from facts stay, for
            // their evidence. `&&` and `||` evaluate left to right, so only a literal on
            // the left can discard the right, and one on the right only drops itself.
            CExpr::And(x, y) => match (self.b(x), self.b(y)) {
                (B::Const(false, Src::None), _) => B::Const(false, Src::None),
                (B::Const(true, Src::None), y) => y,
                (x, B::Const(true, Src::None)) => x,
                (x, y) => B::And(Box::new(x), Box::new(y)),
            },
            CExpr::Or(x, y) => match (self.b(x), self.b(y)) {
                (B::Const(true, Src::None), _) => B::Const(true, Src::None),
                (B::Const(false, Src::None), y) => y,
                (x, B::Const(false, Src::None)) => x,
                (x, y) => B::Or(Box::new(x), Box::new(y)),
            },
            CExpr::In(x, coll)
                if self.shape(x) == Shape::Atom
                    && matches!(self.shape(coll), Shape::AtomSet | Shape::AtomList) =>
            {
                match (self.a(x), self.s(coll)) {
                    (A::Cur(r), S::Const(k, Src::None)) => B::CurIn(r, k),
                    (A::Const(a, Src::None), S::Cur(r)) => B::InCur(a, r),
                    (a, s) => B::In(a, s),
                }
            }
            CExpr::Eq(x, y) if self.shape(x) == Shape::Atom && self.shape(y) == Shape::Atom => {
                match (self.a(x), self.a(y)) {
                    (A::Cur(r), A::Const(a, Src::None)) | (A::Const(a, Src::None), A::Cur(r)) => {
                        B::CurIs(r, a)
                    }
                    (a, b) => B::EqAtom(a, b),
                }
            }
            CExpr::IsType(x, mask) => B::In(self.a(x), S::Const(self.of_types(mask), Src::None)),
            CExpr::StepAttr {
                local,
                slots,
                name,
                span,
            } if self.cur(*local, slots).is_some_and(|(_, t)| *t == Ty::Bool) => {
                match self.read(*local, slots, name, *span) {
                    Some(r) => B::CurBool(r),
                    None => B::Value(V::Internal("slot")),
                }
            }
            CExpr::StepHas { local: 0, slots } if self.kind.is_some() => {
                let slot = self
                    .kind
                    .and_then(|k| slots.get(k as usize))
                    .copied()
                    .unwrap_or(u16::MAX);
                if slot == u16::MAX {
                    B::Const(false, Src::None)
                } else {
                    B::CurHas(slot)
                }
            }
            CExpr::Match {
                local,
                arms_by_kind,
                arms,
            } if self.cur_arm(*local, arms_by_kind).is_some() => {
                match self.cur_arm(*local, arms_by_kind).and_then(|i| arms.get(i)) {
                    Some(arm) => self.b(arm),
                    None => B::Value(V::Internal("arm")),
                }
            }
            CExpr::Quant(q, local, coll, body) => self.quant(*q, *local, coll, body, None),
            _ => B::Value(self.v(e)),
        }
    }

    /// `any`/`all`; with the body as written, its sub-conditions marked.
    fn quant(
        &mut self,
        q: Quant,
        local: Local,
        coll: &CExpr,
        body: &CExpr,
        written: Option<(&'l Expr, FileId)>,
    ) -> B {
        let cond = (q == Quant::Any).then_some(body);
        let (coll, atoms) = self.coll_of(coll, local, cond);
        if atoms {
            self.atom_locals.push(local);
        }
        let pred = match coll {
            Coll::Set(_) => self.pred(body, local),
            Coll::Items(_) => None,
        };
        let body = match written {
            Some((ast, file)) => self.mark(body, ast, file, None),
            None => self.b(body),
        };
        if atoms {
            self.atom_locals.pop();
        }
        B::Quant(Box::new(Quantifier {
            q,
            local,
            coll,
            body,
            pred,
        }))
    }

    /// `e` lowered with a mark around it and around each sub-condition that `ast`, the
    /// expression it was compiled from, writes with `&&`, `||`, `!`, `any`/`all` or a call
    /// of a definition (whose body is marked in its turn). Each level pairs a compiled node
    /// with the syntax it was compiled from: `&&` and `||` compile to `And` and `Or` of
    /// their operands' compilations, `!` to `Not` unless it folded, a quantifier to `Quant`
    /// of its body's, a call to its definition's body. Where the two do not have the same
    /// shape (a `!` folded away, a `match`), the node is marked whole, as one test: its
    /// value is still the value of the text it is shown with.
    fn mark(&mut self, e: &CExpr, ast: &'l Expr, file: FileId, clause: Option<Clause>) -> B {
        // A `match` on the rule's step, lowered for one kind, is the arm taken: the arm is
        // shown (compiled arm `i` is the `i`th arm as written).
        if let (
            CExpr::Match {
                local,
                arms_by_kind,
                arms,
            },
            crate::syntax::ExprKind::Match(_, written),
        ) = (e, &ast.kind)
        {
            let arm = self.cur_arm(*local, arms_by_kind);
            if arms.len() == written.len() {
                if let Some((c, w)) = arm.and_then(|i| Some((arms.get(i)?, written.get(i)?))) {
                    return self.mark(c, &w.body, file, clause);
                }
            }
        }
        let Some(marking) = self.marking.as_mut() else {
            return self.b(e);
        };
        let id = u32::try_from(marking.sites.len()).unwrap_or(u32::MAX);
        marking.sites.push(Site {
            file,
            span: ast.span,
            op: Op::Test,
            clause,
            binder: None,
            call: false,
        });
        let (inner, op, binder, call) = self.mark_inner(e, ast, file, 0);
        if let Some(site) = self
            .marking
            .as_mut()
            .and_then(|m| m.sites.get_mut(id as usize))
        {
            site.op = op;
            site.binder = binder;
            site.call = call;
        }
        B::Mark(id, Box::new(inner))
    }

    fn mark_inner(
        &mut self,
        e: &CExpr,
        ast: &'l Expr,
        file: FileId,
        depth: usize,
    ) -> (B, Op, Option<Local>, bool) {
        use crate::syntax::{BinOp, ExprKind};
        let bx = Box::new;
        match (e, &ast.kind) {
            (CExpr::And(x, y), ExprKind::Binary(BinOp::And, a, b)) => {
                let x = self.mark(x, a, file, None);
                (
                    B::And(bx(x), bx(self.mark(y, b, file, None))),
                    Op::And,
                    None,
                    false,
                )
            }
            (CExpr::Or(x, y), ExprKind::Binary(BinOp::Or, a, b)) => {
                let x = self.mark(x, a, file, None);
                (
                    B::Or(bx(x), bx(self.mark(y, b, file, None))),
                    Op::Or,
                    None,
                    false,
                )
            }
            (CExpr::Not(x), ExprKind::Not(a)) => (
                B::Not(bx(self.mark(x, a, file, None))),
                Op::Not,
                None,
                false,
            ),
            (CExpr::Quant(q, local, coll, body), ExprKind::Quant(_, _, _, written)) => {
                let op = if *q == Quant::Any { Op::Any } else { Op::All };
                let b = self.quant(*q, *local, coll, body, Some((written, file)));
                (b, op, Some(*local), false)
            }
            (_, ExprKind::Call(f, _)) if depth < 64 && !BUILTINS.contains(&f.node.as_str()) => {
                let def = self
                    .marking
                    .as_ref()
                    .and_then(|m| m.defs.get(f.node.as_str()).copied());
                match def {
                    Some((def, dfile)) => {
                        // The call shows its definition's structure.
                        let (b, op, binder, _) = self.mark_inner(e, &def.body, dfile, depth + 1);
                        (b, op, binder, true)
                    }
                    None => (self.b(e), Op::Test, None, false),
                }
            }
            _ => (self.b(e), Op::Test, None, false),
        }
    }

    fn a(&mut self, e: &CExpr) -> A {
        match e {
            CExpr::Const(Value::Atom(a)) => A::Const(*a, Src::None),
            CExpr::Fact {
                value: Value::Atom(a),
                entity,
                attr,
            } => A::Const(*a, Src::Fact(Box::new((*entity, *attr, Value::Atom(*a))))),
            CExpr::Folded {
                value: Value::Atom(a),
                sources,
            } => A::Const(*a, Src::Folded(sources.clone())),
            CExpr::Local(l) if self.atom_locals.contains(l) => A::Local(*l),
            CExpr::StepAttr {
                local,
                slots,
                name,
                span,
            } if self.cur(*local, slots).is_some_and(|(_, t)| t.is_atom()) => {
                match self.read(*local, slots, name, *span) {
                    Some(r) => A::Cur(r),
                    None => A::Value(V::Internal("slot")),
                }
            }
            CExpr::Match {
                local,
                arms_by_kind,
                arms,
            } if self.cur_arm(*local, arms_by_kind).is_some() => {
                match self.cur_arm(*local, arms_by_kind).and_then(|i| arms.get(i)) {
                    Some(arm) => self.a(arm),
                    None => A::Value(V::Internal("arm")),
                }
            }
            _ => A::Value(self.v(e)),
        }
    }

    fn s(&mut self, e: &CExpr) -> S {
        match e {
            CExpr::Const(v @ (Value::Set(_) | Value::List(_))) => match crate::eval::atom_set(v) {
                Ok(set) if shape_of_value(v) != Shape::Other => S::Const(set, Src::None),
                _ => S::Value(self.v(e)),
            },
            CExpr::Fact {
                value: v @ (Value::Set(_) | Value::List(_)),
                entity,
                attr,
            } if shape_of_value(v) != Shape::Other => match crate::eval::atom_set(v) {
                Ok(set) => S::Const(set, Src::Fact(Box::new((*entity, *attr, v.clone())))),
                Err(_) => S::Value(self.v(e)),
            },
            CExpr::Folded {
                value: v @ (Value::Set(_) | Value::List(_)),
                sources,
            } if shape_of_value(v) != Shape::Other => match crate::eval::atom_set(v) {
                Ok(set) => S::Const(set, Src::Folded(sources.clone())),
                Err(_) => S::Value(self.v(e)),
            },
            CExpr::StepAttr {
                local,
                slots,
                name,
                span,
            } if self.cur(*local, slots).is_some_and(|(_, t)| {
                matches!(shape_of_ty(t), Shape::AtomSet | Shape::AtomList)
            }) =>
            {
                match self.read(*local, slots, name, *span) {
                    Some(r) => S::Cur(r),
                    None => S::Value(V::Internal("slot")),
                }
            }
            CExpr::Union(x, y) => fold(S::Union(Box::new(self.s(x)), Box::new(self.s(y)))),
            CExpr::Inter(x, y) => fold(S::Inter(Box::new(self.s(x)), Box::new(self.s(y)))),
            CExpr::Diff(x, y) => fold(S::Diff(Box::new(self.s(x)), Box::new(self.s(y)))),
            CExpr::MakeSet(items) if items.iter().all(|i| self.shape(i) == Shape::Atom) => {
                fold(S::Make(items.iter().map(|i| self.a(i)).collect()))
            }
            CExpr::MakeList(items, _) if items.iter().all(|i| self.shape(i) == Shape::Atom) => {
                fold(S::Make(items.iter().map(|i| self.a(i)).collect()))
            }
            CExpr::Match {
                local,
                arms_by_kind,
                arms,
            } if self.cur_arm(*local, arms_by_kind).is_some() => {
                match self.cur_arm(*local, arms_by_kind).and_then(|i| arms.get(i)) {
                    Some(arm) => self.s(arm),
                    None => S::Value(V::Internal("arm")),
                }
            }
            CExpr::If(c, x, y)
                if matches!(self.shape(x), Shape::AtomSet | Shape::AtomList)
                    && matches!(self.shape(y), Shape::AtomSet | Shape::AtomList) =>
            {
                S::If(
                    Box::new(self.b(c)),
                    Box::new(self.s(x)),
                    Box::new(self.s(y)),
                )
            }
            _ => S::Value(self.v(e)),
        }
    }

    fn v(&mut self, e: &CExpr) -> V {
        let bx = |v: V| Box::new(v);
        match e {
            // Resolved for each period before lowering (`compile::time::on_date`).
            CExpr::TimedFact { .. } => V::Internal("a fact that changes over time"),
            CExpr::Filter(local, coll, body) => {
                let (coll, atoms) = self.coll_of(coll, *local, Some(body));
                if atoms {
                    self.atom_locals.push(*local);
                }
                let body = self.b(body);
                if atoms {
                    self.atom_locals.pop();
                }
                V::Filter(Box::new(Filtered {
                    local: *local,
                    coll,
                    body,
                }))
            }
            CExpr::Const(v) => V::Const(v.clone(), Src::None),
            CExpr::Fact {
                value,
                entity,
                attr,
            } => V::Const(
                value.clone(),
                Src::Fact(Box::new((*entity, *attr, value.clone()))),
            ),
            CExpr::Folded { value, sources } => {
                V::Const(value.clone(), Src::Folded(sources.clone()))
            }
            CExpr::Local(l) => V::Local(*l),
            CExpr::StepAttr {
                local,
                slots,
                name,
                span,
            } => {
                if self.kind.is_some() && *local == 0 {
                    match self.read(*local, slots, name, *span) {
                        Some(r) => V::Cur(r),
                        None => V::Internal("slot"),
                    }
                } else {
                    V::StepAttr {
                        local: *local,
                        slots: slots.clone(),
                        name: name.clone(),
                        span: *span,
                    }
                }
            }
            CExpr::StepHas { local, slots } => {
                if self.kind.is_some() && *local == 0 {
                    V::Bool(Box::new(self.b(e)))
                } else {
                    V::StepHas {
                        local: *local,
                        slots: slots.clone(),
                    }
                }
            }
            CExpr::StepId(l) => V::StepId(*l),
            CExpr::StepDate(l, span) => V::StepDate(*l, *span),
            CExpr::EntityAttr { obj, attr, span } => V::EntityAttr {
                obj: Box::new(self.a(obj)),
                attr: *attr,
                span: *span,
            },
            CExpr::EntityHas(obj, attr) => V::EntityHas(Box::new(self.a(obj)), *attr),
            CExpr::In(x, coll)
                if !(self.shape(x) == Shape::Atom
                    && matches!(self.shape(coll), Shape::AtomSet | Shape::AtomList)) =>
            {
                V::In(bx(self.v(x)), bx(self.v(coll)))
            }
            CExpr::Eq(x, y) if !(self.shape(x) == Shape::Atom && self.shape(y) == Shape::Atom) => {
                V::Eq(bx(self.v(x)), bx(self.v(y)))
            }
            CExpr::Not(_)
            | CExpr::And(..)
            | CExpr::Or(..)
            | CExpr::In(..)
            | CExpr::Eq(..)
            | CExpr::Quant(..)
            | CExpr::IsType(..) => V::Bool(Box::new(self.b(e))),
            CExpr::Lt(x, y) => V::Lt(bx(self.v(x)), bx(self.v(y))),
            CExpr::Union(..) | CExpr::Inter(..) | CExpr::Diff(..) | CExpr::MakeSet(_) => {
                V::Set(Box::new(self.s(e)))
            }
            CExpr::Match {
                local,
                arms_by_kind,
                arms,
            } => match self.cur_arm(*local, arms_by_kind) {
                Some(i) => match arms.get(i) {
                    Some(arm) => self.v(arm),
                    None => V::Internal("arm"),
                },
                None => V::Match {
                    local: *local,
                    arms_by_kind: arms_by_kind.clone(),
                    arms: arms.iter().map(|a| self.v(a)).collect(),
                },
            },
            CExpr::If(c, x, y) => V::If(Box::new(self.b(c)), bx(self.v(x)), bx(self.v(y))),
            CExpr::Count(x) => V::Count(bx(self.v(x))),
            CExpr::Days(a, b) => V::Days(bx(self.v(a)), bx(self.v(b))),
            CExpr::InForce {
                inst,
                date,
                eif,
                terminated,
            } => V::InForce {
                inst: Box::new(self.a(inst)),
                date: bx(self.v(date)),
                eif: *eif,
                terminated: *terminated,
            },
            CExpr::AsOf(span) => V::AsOf(*span),
            CExpr::Steps(mask) => V::Steps(mask.clone()),
            CExpr::MakeList(items, sorted) => {
                V::MakeList(items.iter().map(|i| self.v(i)).collect(), *sorted)
            }
        }
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
    fn pred(&mut self, body: &CExpr, l: Local) -> Option<S> {
        // Only the evaluator that records nothing uses it: constants lose their sources,
        // so that it folds into as few operations as possible.
        self.pred_inner(body, l).map(quiet)
    }

    fn pred_inner(&mut self, body: &CExpr, l: Local) -> Option<S> {
        let is_l = |e: &CExpr| matches!(e, CExpr::Local(x) if *x == l);
        let free = |e: &CExpr| !mentions(e, l) && !burns(e);
        let all = || S::Const(self.universe.clone(), Src::None);
        Some(match body {
            CExpr::Const(Value::Bool(true)) => all(),
            CExpr::Const(Value::Bool(false)) => S::Const(AtomSet::new(), Src::None),
            CExpr::In(x, k)
                if is_l(x)
                    && free(k)
                    && matches!(self.shape(k), Shape::AtomSet | Shape::AtomList) =>
            {
                self.s(k)
            }
            CExpr::IsType(x, mask) if is_l(x) => S::Const(self.of_types(mask), Src::None),
            CExpr::Eq(x, y) | CExpr::Eq(y, x)
                if is_l(x) && free(y) && self.shape(y) == Shape::Atom =>
            {
                fold(S::Make(vec![self.a(y)]))
            }
            CExpr::Not(x) => fold(S::Diff(Box::new(all()), Box::new(self.pred(x, l)?))),
            CExpr::And(a, b) => fold(S::Inter(
                Box::new(self.pred(a, l)?),
                Box::new(self.pred(b, l)?),
            )),
            CExpr::Or(a, b) => fold(S::Union(
                Box::new(self.pred(a, l)?),
                Box::new(self.pred(b, l)?),
            )),
            _ => return None,
        })
    }
}

/// A set expression with the sources of its constants dropped, folded again.
fn quiet(s: S) -> S {
    match s {
        S::Const(x, _) => S::Const(x, Src::None),
        S::Union(a, b) => fold(S::Union(Box::new(quiet(*a)), Box::new(quiet(*b)))),
        S::Inter(a, b) => fold(S::Inter(Box::new(quiet(*a)), Box::new(quiet(*b)))),
        S::Diff(a, b) => fold(S::Diff(Box::new(quiet(*a)), Box::new(quiet(*b)))),
        S::Make(items) => fold(S::Make(
            items
                .into_iter()
                .map(|i| match i {
                    A::Const(x, _) => A::Const(x, Src::None),
                    other => other,
                })
                .collect(),
        )),
        S::If(c, a, b) => S::If(c, Box::new(quiet(*a)), Box::new(quiet(*b))),
        S::One(a) => match *a {
            A::Const(x, _) => S::Const(AtomSet::from_ids([x]), Src::None),
            a => S::One(Box::new(a)),
        },
        S::With(x, a) => match (quiet(*x), *a) {
            (S::Const(mut x, Src::None), A::Const(y, _)) => {
                x.insert(y);
                S::Const(x, Src::None)
            }
            (x, a) => S::With(Box::new(x), Box::new(a)),
        },
        other => other,
    }
}

/// A set operation on literal sets, computed now.
fn fold(s: S) -> S {
    match s {
        S::Union(a, b) => match (*a, *b) {
            (S::Const(x, Src::None), S::Const(y, Src::None)) => S::Const(x.union(&y), Src::None),
            (a, S::One(x)) => S::With(Box::new(a), x),
            (a, b) => S::Union(Box::new(a), Box::new(b)),
        },
        S::Inter(a, b) => match (*a, *b) {
            (S::Const(x, Src::None), S::Const(y, Src::None)) => {
                S::Const(x.intersection(&y), Src::None)
            }
            (a, b) => S::Inter(Box::new(a), Box::new(b)),
        },
        S::Diff(a, b) => match (*a, *b) {
            (S::Const(x, Src::None), S::Const(y, Src::None)) => {
                S::Const(x.difference(&y), Src::None)
            }
            (a, b) => S::Diff(Box::new(a), Box::new(b)),
        },
        S::Make(items) => {
            let consts: Option<Vec<AtomId>> = items
                .iter()
                .map(|i| match i {
                    A::Const(a, Src::None) => Some(*a),
                    _ => None,
                })
                .collect();
            match consts {
                Some(ids) => S::Const(AtomSet::from_ids(ids), Src::None),
                None if items.len() == 1 => match items.into_iter().next() {
                    Some(a) => S::One(Box::new(a)),
                    None => S::Const(AtomSet::new(), Src::None),
                },
                None => S::Make(items),
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
        if matches!(e, CExpr::Quant(..) | CExpr::Filter(..)) {
            return true;
        }
        children(e, &mut stack);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every step rule of the standard library is lowered to typed nodes: the only general
    /// values left on its step rules are `in_force`, its date and comparisons of the step's
    /// date (and, in a rule that relates
    /// its step to others through a join, the other steps' attributes), and every `each` over
    /// a set whose condition is a membership test carries that condition as a set.
    #[test]
    fn the_standard_library_is_typed() {
        let e = crate::Engine::standard();
        let lib = e.compiled();
        let program = Program::new(lib);
        let mut lowered = 0;
        for rules in &program.by_kind {
            for p in rules.iter().flat_map(|ps| ps.programs.iter()) {
                let rule = &lib.rules[p.rule as usize];
                lowered += 1;
                let text = format!("{:?} {:?} {:?} {:?}", p.when, p.each, p.cond, p.unless);
                // Marks are for explanation only: the hot path's programs have none.
                assert!(!text.contains("Mark("), "{}: a mark", rule.id);
                if text.contains("Join(") {
                    continue;
                }
                let general: Vec<&str> = text
                    .match_indices("Value(")
                    .map(|(i, _)| &text[i..(i + 60).min(text.len())])
                    .filter(|s| {
                        !s.starts_with("Value(InForce") && !s.starts_with("Value(Lt(StepDate")
                    })
                    .collect();
                assert!(general.is_empty(), "{}: {general:?}", rule.id);
                if let Some(each) = &p.each {
                    if matches!(each.coll, Coll::Set(_)) && p.cond.is_some() {
                        assert!(each.filter.is_some(), "{}: no filter", rule.id);
                    }
                }
            }
        }
        assert!(lowered > 30, "{lowered} (kind, rule) programs");
        // Evaluation keeps every local of the standard library in place (no allocation).
        assert!(
            usize::from(program.locals) <= crate::eval::run::Locals::INLINE,
            "{} locals",
            program.locals
        );
    }
}
