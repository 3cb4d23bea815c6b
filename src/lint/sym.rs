//! Symbolic evaluation: a compiled rule, applied to one step of one kind, as Boolean
//! formulas over the step's possible attribute values.
//!
//! Every schema domain the lints reason about is finite: a boolean, an enum, an entity of
//! some types, a set of those. Each attribute becomes variables (a one-hot choice among the
//! candidate atoms, one membership variable per candidate for a set, a presence variable if
//! it is optional). Integers, dates and strings are compared only with each other and with
//! the library's constants, so a finite set of representative values (each constant and its
//! neighbours) realises every distinct outcome of those comparisons. The result is exact for
//! every construct except those that [`Unsupported`] names; a rule that uses one is left out
//! of the semantic lints (and the lint report says so).

use std::collections::{BTreeMap, BTreeSet};

use crate::eval::BoundStep;
use crate::ir::*;
use crate::lint::sat::{F, Fm};
use crate::syntax::Quant;

/// A construct the symbolic evaluator does not model exactly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unsupported(pub &'static str);

type R<T> = Result<T, Unsupported>;

/// The kind of a scalar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scalar {
    /// `int`
    Int,
    /// `date` (days since 1970-01-01)
    Date,
    /// `string` (symbol id; `u32::MAX` as i64 stands for "any other string")
    Str,
}

/// The representative values of each scalar type.
#[derive(Clone, Debug, Default)]
pub struct Reps {
    ints: Vec<i64>,
    dates: Vec<i64>,
    strs: Vec<i64>,
}

/// The symbol standing for a string that no policy mentions.
pub const OTHER_STRING: i64 = u32::MAX as i64;

/// The first day of the date domain (0001-01-01), in days since 1970-01-01.
pub fn first_day() -> i64 {
    crate::date::Date::from_ymd(1, 1, 1).map_or(-719_162, |d| i64::from(d.days()))
}

/// The last day of the date domain (9999-12-31).
pub fn last_day() -> i64 {
    crate::date::Date::from_ymd(9999, 12, 31).map_or(2_932_896, |d| i64::from(d.days()))
}

impl Reps {
    /// Representatives from the library's constants. Integers and dates are only compared
    /// (`==`, `<`) with each other and with constants, so a step's values matter only by
    /// their order among themselves and the constants. With at most `k` int (or date) terms
    /// in one step, the constants plus up to `k` values in each gap between two constants
    /// (and below the least, above the greatest, within the domain's bounds) realise every
    /// such order: the answer is the same as over all values.
    pub fn of(lib: &Compiled) -> Reps {
        let mut ints = BTreeSet::new();
        let mut dates = BTreeSet::new();
        let collect = |v: &Value, ints: &mut BTreeSet<i64>, dates: &mut BTreeSet<i64>| match v {
            Value::Int(i) => {
                ints.insert(*i);
            }
            Value::Date(d) => {
                dates.insert(i64::from(d.days()));
            }
            _ => {}
        };
        for r in &lib.rules {
            let mut stack = r.conditions();
            while let Some(e) = stack.pop() {
                if let CExpr::Const(v)
                | CExpr::Fact { value: v, .. }
                | CExpr::Folded { value: v, .. } = e
                {
                    collect(v, &mut ints, &mut dates);
                }
                children(e, &mut stack);
            }
        }
        for f in &lib.facts {
            for v in f.iter().flatten() {
                for x in v.values() {
                    collect(x, &mut ints, &mut dates);
                }
                // A fact that changes on a date: the step's date on either side of it.
                dates.extend(v.changes().iter().map(|d| i64::from(d.days())));
            }
        }
        // Terms per step: its int (date) attributes; for dates also the step's date and as_of.
        let count = |pred: fn(&Ty) -> bool| {
            lib.kinds
                .iter()
                .map(|k| k.fields.iter().filter(|f| pred(&f.ty)).count())
                .max()
                .unwrap_or(0)
        };
        let k_int = count(|t| *t == Ty::Int).max(1);
        let k_date = count(|t| *t == Ty::Date) + 2;
        if dates.is_empty() {
            // No date constant: any date will do; one the witnesses print plainly.
            dates.insert(20_454); // 2026-01-01
        }
        let mut strs: Vec<i64> = (0..lib.strings.len() as i64).collect();
        strs.push(OTHER_STRING);
        Reps {
            ints: spread(&ints, k_int, i64::MIN, i64::MAX, 0),
            dates: spread(&dates, k_date, first_day(), last_day(), 20_454),
            strs,
        }
    }

    fn of_kind(&self, s: Scalar) -> &[i64] {
        match s {
            Scalar::Int => &self.ints,
            Scalar::Date => &self.dates,
            Scalar::Str => &self.strs,
        }
    }
}

/// The constants, and up to `k` values in each gap around them within `lo..=hi` (around
/// `origin` when there is no constant).
fn spread(consts: &BTreeSet<i64>, k: usize, lo: i64, hi: i64, origin: i64) -> Vec<i64> {
    let mut out: BTreeSet<i64> = BTreeSet::new();
    let k = k as i64;
    if consts.is_empty() {
        out.insert(origin);
    }
    let mut prev: Option<i64> = None;
    let cs: Vec<i64> = if consts.is_empty() {
        vec![origin]
    } else {
        consts.iter().copied().collect()
    };
    for &c in &cs {
        out.insert(c);
        // The gap below c (above the previous constant, or the domain's start).
        let from = match prev {
            Some(p) => p.saturating_add(1),
            None => c.saturating_sub(k).max(lo),
        };
        let mut v = from;
        let mut n = 0;
        while v < c && n < k {
            out.insert(v);
            v = v.saturating_add(1);
            n += 1;
        }
        prev = Some(c);
    }
    if let Some(&last) = cs.last() {
        let mut v = last;
        for _ in 0..k {
            if v >= hi {
                break;
            }
            v += 1;
            out.insert(v);
        }
    }
    out.into_iter().filter(|v| (lo..=hi).contains(v)).collect()
}

pub use crate::ir::children;

/// A symbolic value.
#[derive(Clone, Debug)]
pub enum Sv {
    /// A condition.
    Bool(F),
    /// An atom: for each candidate, "the value is this atom".
    Atom(Vec<(AtomId, F)>),
    /// A set of atoms: for each candidate, "it is a member" (others are not). `ordered`: it
    /// came from a list, whose order and duplicates the formulas do not model.
    Set(Vec<(AtomId, F)>, bool),
    /// A scalar: for each representative, "the value is this one".
    Scalar(Scalar, Vec<(i64, F)>),
    /// The step under analysis.
    Step,
    /// A step's list, in the order the proposal writes it: per position, "the item here is
    /// this candidate" (at most one; positions filled from the first, no candidate twice).
    Seq(Vec<Vec<(AtomId, F)>>),
    /// A step's list of too many candidates to model its order: membership only.
    Bag(Vec<(AtomId, F)>),
}

/// One attribute's variables.
#[derive(Clone, Debug)]
pub enum Slot {
    /// A boolean.
    Bool(F),
    /// One atom among candidates.
    Atom(Vec<(AtomId, F)>),
    /// A set (or a list of too many candidates to model its order) of candidates.
    Set(Vec<(AtomId, F)>, bool),
    /// A list, by position (see [`Sv::Seq`]).
    List(Vec<Vec<(AtomId, F)>>),
    /// A string among representatives (one-hot).
    Scalar(Scalar, Vec<(i64, F)>),
    /// An int or date: a ladder (`Space::ladders`).
    Ordered(Scalar, usize),
}

/// An int or date term in the order encoding: `ge[j]` is "the value is at least
/// `vals[j]`" (`ge[0]` is its presence), implied by `ge[j + 1]`; `eqs[j]` is "the value is
/// `vals[j]`". A comparison with a constant is one literal.
#[derive(Clone, Debug)]
pub struct Ladder {
    /// The representatives, ascending.
    pub vals: Vec<i64>,
    /// `value >= vals[j]`.
    pub ge: Vec<F>,
    /// `value == vals[j]`.
    pub eqs: Vec<(i64, F)>,
}

/// A read that can fail (`may-error`): an optional step attribute, or an entity attribute
/// that some fact lacks, with the condition under which it is evaluated and finds the
/// attribute absent (recorded only between [`Space::start_recording`] and
/// [`Space::stop_recording`]).
#[derive(Clone, Debug)]
pub struct Site {
    /// Where the policy reads it.
    pub span: crate::source::Span,
    /// The attribute read: a step's (`true`) or an entity's (`false`), and its name.
    pub step: bool,
    /// The attribute's name.
    pub attr: std::sync::Arc<str>,
    /// It is evaluated and the attribute is absent.
    pub fails: F,
}

/// A quantifier's value, its failure, and (while recording) its reads that can fail,
/// relative to its own reach.
type Memo = (Sv, F, Vec<Site>);

/// The most candidates of a list whose order is modelled (a list of more is modelled as a
/// set, and a rule that walks it is not analysed).
pub const MAX_ORDERED: usize = 24;

/// The error message of a rule whose formulas grow past the budget.
pub const TOO_LARGE: &str = "formulas larger than the budget";

/// The variables of one step of one kind.
#[derive(Debug)]
pub struct Space<'a> {
    /// The library.
    pub lib: &'a Compiled,
    /// The kind.
    pub kind: KindId,
    /// Formulas.
    pub fm: Fm,
    /// Presence and value of each attribute slot.
    pub slots: Vec<(F, Slot)>,
    /// The int and date terms.
    pub ladders: Vec<Ladder>,
    /// The step's date (a ladder).
    pub date: usize,
    /// The evaluation date (a ladder).
    pub as_of: usize,
    /// Well-formedness: exactly one choice for each one-hot variable group, ordered ladders.
    pub valid: F,
    /// The same, slot by slot.
    pub parts: Vec<F>,
    /// Input variable -> its part.
    part_of_var: Vec<Option<usize>>,
    /// Ladder step variable -> (ladder, step).
    ladder_var: std::collections::HashMap<u32, (usize, usize)>,
    /// Ladder by its `eqs[0]` formula.
    ladder_of: std::collections::HashMap<F, usize>,
    /// Quantifiers already evaluated, by expression and the values of the locals they read.
    memo: std::collections::HashMap<(usize, Vec<u64>), Memo>,
    /// While recording: the reads that can fail, each when it fails.
    sites: Option<Vec<Site>>,
    /// While recording: "the expression being evaluated is reached" (no error before it,
    /// and the short-circuits around it let it be evaluated).
    reach: F,
    /// Formula nodes a rule may add.
    node_limit: usize,
    /// Formula nodes when the current rule started.
    rule_start: usize,
}

fn candidates(lib: &Compiled, ty: &Ty) -> Option<Vec<AtomId>> {
    Some(match ty {
        Ty::Entity(ts) => lib
            .atoms
            .iter()
            .enumerate()
            .filter(|(_, a)| matches!(a.kind, AtomKind::Entity(t) if ts.contains(&t)))
            .map(|(i, _)| i as AtomId)
            .collect(),
        Ty::Enum(e) => lib.enums.get(*e as usize)?.1.clone(),
        _ => return None,
    })
}

impl<'a> Space<'a> {
    /// The variables for a step of `kind`; each rule may add up to 20 formula nodes per
    /// unit of `budget` (at least 200,000).
    pub fn new(lib: &'a Compiled, kind: KindId, reps: Reps, budget: u64) -> R<Space<'a>> {
        let mut fm = Fm::new();
        // Per slot: its constraints.
        let mut parts: Vec<Vec<F>> = Vec::new();
        let info = lib.kinds.get(kind as usize).ok_or(Unsupported("kind"))?;
        let one_hot = |fm: &mut Fm, n: usize, valid: &mut Vec<F>, present: F| -> Vec<F> {
            let vars: Vec<F> = (0..n).map(|_| fm.var().0).collect();
            // exactly one when present, none when absent
            let any = fm.or_all(vars.iter().copied());
            let c = fm.iff(any, present);
            valid.push(c);
            // At most one, in linear size: no variable is on once an earlier one is.
            let mut seen = Fm::FALSE;
            for &x in &vars {
                let both = fm.and(seen, x);
                valid.push(fm.not(both));
                seen = fm.or(seen, x);
            }
            vars
        };
        let mut ladders: Vec<Ladder> = Vec::new();
        // The ladders' chains (in `valid`, not in the slots' parts).
        let mut chains: Vec<F> = Vec::new();
        let ladder = |fm: &mut Fm, vals: Vec<i64>, valid: &mut Vec<F>, present: F| -> Ladder {
            let mut ge = vec![present];
            for _ in 1..vals.len() {
                ge.push(fm.var().0);
            }
            // The whole chain goes into `valid` (for samples); a question gets only the links
            // between the steps it mentions (`query`).
            for w in ge.windows(2) {
                if let [lo, hi] = *w {
                    let nh = fm.not(hi);
                    valid.push(fm.or(nh, lo));
                }
            }
            let mut eqs = Vec::with_capacity(vals.len());
            for (j, &v) in vals.iter().enumerate() {
                let here = ge.get(j).copied().unwrap_or(Fm::FALSE);
                let above = ge.get(j + 1).copied().unwrap_or(Fm::FALSE);
                let na = fm.not(above);
                eqs.push((v, fm.and(here, na)));
            }
            Ladder { vals, ge, eqs }
        };
        let mut slots = Vec::new();
        for f in &info.fields {
            let mut valid = Vec::new();
            let present = if f.optional { fm.var().0 } else { Fm::TRUE };
            let slot = match &f.ty {
                Ty::Bool => {
                    let v = fm.var().0;
                    Slot::Bool(v)
                }
                Ty::Entity(_) | Ty::Enum(_) => {
                    let cands = candidates(lib, &f.ty).ok_or(Unsupported("type"))?;
                    let vars = one_hot(&mut fm, cands.len(), &mut valid, present);
                    Slot::Atom(cands.into_iter().zip(vars).collect())
                }
                Ty::List(t)
                    if t.is_atom()
                        && candidates(lib, t).is_some_and(|c| c.len() <= MAX_ORDERED) =>
                {
                    // Duplicates never change whether a rule fires (a repeated item decides
                    // as its first occurrence did), so a list is a sequence of distinct
                    // candidates, as long as there are candidates.
                    let cands = candidates(lib, t).ok_or(Unsupported("type"))?;
                    let pos: Vec<Vec<(AtomId, F)>> = cands
                        .iter()
                        .map(|_| cands.iter().map(|&a| (a, fm.var().0)).collect())
                        .collect();
                    let at_most_one = |fm: &mut Fm, vars: &[F], valid: &mut Vec<F>| {
                        let mut seen = Fm::FALSE;
                        for &x in vars {
                            let both = fm.and(seen, x);
                            valid.push(fm.not(both));
                            seen = fm.or(seen, x);
                        }
                    };
                    let mut prev = present;
                    for p in &pos {
                        let vars: Vec<F> = p.iter().map(|x| x.1).collect();
                        at_most_one(&mut fm, &vars, &mut valid);
                        let here = fm.or_all(vars);
                        let nh = fm.not(here);
                        valid.push(fm.or(nh, prev));
                        prev = here;
                    }
                    for k in 0..cands.len() {
                        let vars: Vec<F> =
                            pos.iter().filter_map(|p| p.get(k).map(|x| x.1)).collect();
                        at_most_one(&mut fm, &vars, &mut valid);
                    }
                    Slot::List(pos)
                }
                Ty::Set(t) | Ty::List(t) if t.is_atom() => {
                    let cands = candidates(lib, t).ok_or(Unsupported("type"))?;
                    let vars: Vec<F> = cands.iter().map(|_| fm.var().0).collect();
                    // an absent set has no members
                    for &v in &vars {
                        let nv = fm.not(v);
                        let c = fm.or(present, nv);
                        valid.push(c);
                    }
                    Slot::Set(
                        cands.into_iter().zip(vars).collect(),
                        matches!(f.ty, Ty::List(_)),
                    )
                }
                Ty::Int | Ty::Date => {
                    let s = if f.ty == Ty::Int {
                        Scalar::Int
                    } else {
                        Scalar::Date
                    };
                    let l = ladder(&mut fm, reps.of_kind(s).to_vec(), &mut chains, present);
                    ladders.push(l);
                    Slot::Ordered(s, ladders.len() - 1)
                }
                Ty::Str => {
                    let r = reps.of_kind(Scalar::Str).to_vec();
                    let vars = one_hot(&mut fm, r.len(), &mut valid, present);
                    Slot::Scalar(Scalar::Str, r.into_iter().zip(vars).collect())
                }
                // Sets of scalars and other shapes: modelled only if never read (checked on use).
                _ => Slot::Bool(Fm::FALSE),
            };
            slots.push((present, slot));
            parts.push(valid);
        }
        ladders.push(ladder(&mut fm, reps.dates.clone(), &mut chains, Fm::TRUE));
        let date = ladders.len() - 1;
        ladders.push(ladder(&mut fm, reps.dates.clone(), &mut chains, Fm::TRUE));
        let as_of = ladders.len() - 1;
        let parts: Vec<F> = parts.into_iter().map(|p| fm.and_all(p)).collect();
        let mut part_of_var = vec![None; fm.vars() as usize];
        for (i, &p) in parts.iter().enumerate() {
            for v in fm.support(p) {
                if let Some(slot) = part_of_var.get_mut(v as usize) {
                    *slot = Some(i);
                }
            }
        }
        // A slot's variables with no constraint (a bool, a set's members) still belong to it.
        for (i, (present, slot)) in slots.iter().enumerate() {
            let mut vars = vec![*present];
            match slot {
                Slot::Bool(f) => vars.push(*f),
                Slot::Atom(xs) | Slot::Set(xs, _) => vars.extend(xs.iter().map(|x| x.1)),
                Slot::List(pos) => vars.extend(pos.iter().flatten().map(|x| x.1)),
                Slot::Scalar(_, xs) => vars.extend(xs.iter().map(|x| x.1)),
                Slot::Ordered(..) => {}
            }
            for v in vars {
                if let Some(slot) = fm
                    .var_index(v)
                    .and_then(|v| part_of_var.get_mut(v as usize))
                {
                    *slot = Some(i);
                }
            }
        }
        let all: Vec<F> = parts.iter().copied().chain(chains).collect();
        let valid = fm.and_all(all);
        let mut ladder_var = std::collections::HashMap::new();
        for (l, lad) in ladders.iter().enumerate() {
            for (j, &g) in lad.ge.iter().enumerate().skip(1) {
                if let Some(v) = fm.var_index(g) {
                    ladder_var.insert(v, (l, j));
                }
            }
        }
        let ladder_of = ladders
            .iter()
            .enumerate()
            .filter_map(|(i, l)| l.eqs.first().map(|e| (e.1, i)))
            .collect();
        let node_limit =
            usize::try_from(budget.max(10_000).saturating_mul(20)).unwrap_or(usize::MAX);
        Ok(Space {
            lib,
            kind,
            fm,
            slots,
            ladders,
            date,
            as_of,
            valid,
            parts,
            part_of_var,
            ladder_var,
            ladder_of,
            memo: std::collections::HashMap::new(),
            sites: None,
            reach: Fm::TRUE,
            node_limit,
            rule_start: 0,
        })
    }

    /// A new rule starts: its formulas are counted from here.
    pub fn start_rule(&mut self) {
        self.rule_start = self.fm.size();
    }

    /// Fails once the current rule's formulas have grown past the budget.
    pub fn check_size(&self) -> R<()> {
        if self.fm.size().saturating_sub(self.rule_start) > self.node_limit {
            Err(Unsupported(TOO_LARGE))
        } else {
            Ok(())
        }
    }

    /// Starts recording the reads that can fail ([`Site`]), from a reach of "always".
    pub fn start_recording(&mut self) {
        self.sites = Some(Vec::new());
        self.reach = Fm::TRUE;
    }

    /// Stops recording; the reads recorded since the start.
    pub fn stop_recording(&mut self) -> Vec<Site> {
        self.reach = Fm::TRUE;
        self.sites.take().unwrap_or_default()
    }

    /// Whether reads that can fail are being recorded.
    pub fn recording(&self) -> bool {
        self.sites.is_some()
    }

    /// While recording: the reads recorded so far.
    pub fn recorded(&self) -> usize {
        self.sites.as_ref().map_or(0, Vec::len)
    }

    /// While recording: what is evaluated next is reached exactly when `reach` holds.
    pub fn set_reach(&mut self, reach: F) {
        if self.sites.is_some() {
            self.reach = reach;
        }
    }

    /// Records a read that fails when `fails` holds, where it is reached.
    fn note(&mut self, span: crate::source::Span, step: bool, attr: std::sync::Arc<str>, fails: F) {
        if self.sites.is_none() || fails == Fm::FALSE {
            return;
        }
        let fails = self.fm.and(self.reach, fails);
        if let Some(sites) = self.sites.as_mut() {
            sites.push(Site {
                span,
                step,
                attr,
                fails,
            });
        }
    }

    /// Evaluates `e` where it is reached only if `guard` holds too (its operands before it
    /// did not fail, and did not decide alone).
    fn eval_under(&mut self, guard: F, e: &CExpr, locals: &mut Vec<Option<Sv>>) -> R<(Sv, F)> {
        if self.sites.is_none() {
            return self.eval(e, locals);
        }
        let outer = self.reach;
        self.reach = self.fm.and(outer, guard);
        let out = self.eval(e, locals);
        self.reach = outer;
        out
    }

    fn eval_bool_under(&mut self, guard: F, e: &CExpr, locals: &mut Vec<Option<Sv>>) -> R<(F, F)> {
        match self.eval_under(guard, e, locals)? {
            (Sv::Bool(f), err) => Ok((f, err)),
            _ => Err(Unsupported("condition")),
        }
    }

    /// Makes a model of a restricted question a well-formed step: every one-hot group that
    /// the question left unconstrained gets exactly one choice (or none, when absent).
    pub fn repair(&self, model: &mut [bool]) {
        let idx = |f: F| self.fm.var_index(f).map(|i| i as usize);
        let get = |model: &[bool], f: F| {
            idx(f)
                .and_then(|i| model.get(i).copied())
                .unwrap_or(f == Fm::TRUE)
        };
        let fix_one_hot = |model: &mut [bool], vars: &[F], present: bool| {
            let mut seen = false;
            for &v in vars {
                let on = get(model, v) && present && !seen;
                seen |= on;
                if let Some(slot) = idx(v).and_then(|i| model.get_mut(i)) {
                    *slot = on;
                }
            }
            if present && !seen {
                if let Some(slot) = vars
                    .first()
                    .and_then(|&v| idx(v))
                    .and_then(|i| model.get_mut(i))
                {
                    *slot = true;
                }
            }
        };
        for (present, slot) in &self.slots {
            let p = get(model, *present);
            match slot {
                Slot::Atom(xs) => {
                    let vars: Vec<F> = xs.iter().map(|x| x.1).collect();
                    fix_one_hot(model, &vars, p);
                }
                Slot::List(pos) if !p => {
                    for x in pos.iter().flatten() {
                        if let Some(slot) = idx(x.1).and_then(|i| model.get_mut(i)) {
                            *slot = false;
                        }
                    }
                }
                Slot::Set(xs, _) if !p => {
                    for x in xs {
                        if let Some(slot) = idx(x.1).and_then(|i| model.get_mut(i)) {
                            *slot = false;
                        }
                    }
                }
                Slot::Scalar(_, xs) => {
                    let vars: Vec<F> = xs.iter().map(|x| x.1).collect();
                    fix_one_hot(model, &vars, p);
                }
                _ => {}
            }
        }
        // Ladders: the steps a question mentioned are ordered (it carried their links); a
        // step it did not mention takes the value of the next step above it, which keeps
        // the mentioned ones and makes the whole ladder ordered.
        for l in &self.ladders {
            let mut above = false;
            for &g in l.ge.iter().skip(1).rev() {
                let on = above || get(model, g);
                if let Some(slot) = idx(g).and_then(|i| model.get_mut(i)) {
                    *slot = on;
                }
                above = on;
            }
        }
    }

    /// A question restricted to well-formed steps. Only the constraints on variables the
    /// question mentions are added: the others can always be met on their own, so the
    /// answer is the same and the formula much smaller.
    pub fn query(&mut self, f: F) -> F {
        let support = self.fm.support(f);
        let wanted: BTreeSet<usize> = support
            .iter()
            .filter_map(|&v| self.part_of_var.get(v as usize).copied().flatten())
            .collect();
        let mut relevant: Vec<F> = wanted
            .into_iter()
            .filter_map(|i| self.parts.get(i).copied())
            .collect();
        // Ladders: "at least vals[j]" implies "at least vals[i]" for the steps i < j the
        // question mentions (and presence); the steps in between can always be filled in.
        let mut steps: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
        for v in &support {
            if let Some(&(l, j)) = self.ladder_var.get(v) {
                steps.entry(l).or_default().insert(j);
            }
        }
        for (l, js) in steps {
            let Some(lad) = self.ladders.get(l) else {
                continue;
            };
            let mut below = lad.ge.first().copied().unwrap_or(Fm::TRUE);
            let ge: Vec<F> = js.iter().filter_map(|&j| lad.ge.get(j).copied()).collect();
            for g in ge {
                let ng = self.fm.not(g);
                relevant.push(self.fm.or(ng, below));
                below = g;
            }
        }
        let c = self.fm.and_all(relevant);
        self.fm.and(f, c)
    }

    /// Evaluates an expression: its value and when it fails (an absent attribute).
    pub fn eval(&mut self, e: &CExpr, locals: &mut Vec<Option<Sv>>) -> R<(Sv, F)> {
        self.check_size()?;
        let ok = Fm::FALSE;
        Ok(match e {
            CExpr::Filter(..) => return Err(Unsupported("a filter `[x in S where c]`")),
            CExpr::Const(v) | CExpr::Fact { value: v, .. } | CExpr::Folded { value: v, .. } => {
                (self.constant(v)?, ok)
            }
            CExpr::TimedFact { entity, attr, .. } => {
                let mut err = Vec::new();
                let mut parts: Vec<(F, Option<Sv>)> = Vec::new();
                for (when, v) in self.fact_periods(*entity, *attr) {
                    match v {
                        Some(v) => parts.push((when, Some(self.constant(&v)?))),
                        None => err.push(when),
                    }
                }
                (self.mux(parts)?, self.fm.or_all(err))
            }
            CExpr::Local(l) => (
                locals
                    .get(*l as usize)
                    .cloned()
                    .flatten()
                    .ok_or(Unsupported("local"))?,
                ok,
            ),
            CExpr::StepAttr {
                local,
                slots,
                name,
                span,
            } => {
                self.expect_step(locals, *local)?;
                let slot = *slots.get(self.kind as usize).ok_or(Unsupported("slot"))?;
                let (present, s) = self
                    .slots
                    .get(slot as usize)
                    .cloned()
                    .ok_or(Unsupported("slot"))?;
                let err = self.fm.not(present);
                self.note(*span, true, name.clone(), err);
                let v = match s {
                    Slot::Bool(f) => Sv::Bool(f),
                    Slot::Atom(xs) => Sv::Atom(xs),
                    Slot::Set(xs, false) => Sv::Set(xs, false),
                    Slot::Set(xs, true) => Sv::Bag(xs),
                    Slot::List(pos) => Sv::Seq(pos),
                    Slot::Scalar(k, xs) => Sv::Scalar(k, xs),
                    Slot::Ordered(k, l) => Sv::Scalar(k, self.ladder_eqs(l)),
                };
                (v, err)
            }
            CExpr::StepHas { local, slots } => {
                self.expect_step(locals, *local)?;
                let slot = slots.get(self.kind as usize).copied().unwrap_or(u16::MAX);
                let present = self.slots.get(slot as usize).map_or(Fm::FALSE, |s| s.0);
                (Sv::Bool(present), ok)
            }
            CExpr::StepId(_) => return Err(Unsupported("the step id")),
            CExpr::StepDate(local, _) => {
                self.expect_step(locals, *local)?;
                (Sv::Scalar(Scalar::Date, self.ladder_eqs(self.date)), ok)
            }
            CExpr::AsOf(_) => (Sv::Scalar(Scalar::Date, self.ladder_eqs(self.as_of)), ok),
            CExpr::EntityAttr { obj, attr, .. } | CExpr::EntityHas(obj, attr) => {
                let has = matches!(e, CExpr::EntityHas(..));
                let (o, eo) = self.eval(obj, locals)?;
                let Sv::Atom(choices) = o else {
                    return Err(Unsupported("entity"));
                };
                let mut err = Vec::new();
                let mut parts: Vec<(F, Option<Sv>)> = Vec::new();
                for (a, f) in choices {
                    for (when, v) in self.fact_periods(a, *attr) {
                        let g = self.fm.and(f, when);
                        if has {
                            parts.push((g, Some(Sv::Bool(Fm::constant(v.is_some())))));
                            continue;
                        }
                        match v {
                            Some(v) => parts.push((g, Some(self.constant(&v)?))),
                            None => err.push(g),
                        }
                    }
                }
                let e_abs = self.fm.or_all(err);
                if let CExpr::EntityAttr { span, .. } = e {
                    let name = self.lib.attr_names.get(*attr as usize);
                    let name = std::sync::Arc::from(name.map_or("?", String::as_str));
                    let reached = self.fm.not(eo);
                    let fails = self.fm.and(reached, e_abs);
                    self.note(*span, false, name, fails);
                }
                let e_all = self.fm.or(eo, e_abs);
                if parts.is_empty() && !has {
                    // Every candidate lacks it: the read fails wherever it is reached, and
                    // its value (none) never matters.
                    parts.push((Fm::TRUE, Some(self.absent_value(*attr))));
                }
                (self.mux(parts)?, e_all)
            }
            CExpr::Not(a) => {
                let (v, e) = self.eval_bool(a, locals)?;
                (Sv::Bool(self.fm.not(v)), e)
            }
            CExpr::And(a, b) | CExpr::Or(a, b) => {
                let is_and = matches!(e, CExpr::And(..));
                let (va, ea) = self.eval_bool(a, locals)?;
                // b is evaluated only when a is fine and does not decide alone.
                let na = self.fm.not(ea);
                let goes_on = if is_and { va } else { self.fm.not(va) };
                let reach_b = self.fm.and(na, goes_on);
                let (vb, eb) = self.eval_bool_under(reach_b, b, locals)?;
                let v = if is_and {
                    self.fm.and(va, vb)
                } else {
                    self.fm.or(va, vb)
                };
                let eb_reached = self.fm.and(reach_b, eb);
                let err = self.fm.or(ea, eb_reached);
                (Sv::Bool(v), err)
            }
            CExpr::Eq(a, b) => {
                let (va, ea) = self.eval(a, locals)?;
                let na = self.fm.not(ea);
                let (vb, eb) = self.eval_under(na, b, locals)?;
                let v = self.eq(&va, &vb)?;
                let err = self.fm.or(ea, eb);
                (Sv::Bool(v), err)
            }
            CExpr::Lt(a, b) => {
                let (va, ea) = self.eval(a, locals)?;
                let na = self.fm.not(ea);
                let (vb, eb) = self.eval_under(na, b, locals)?;
                let (Sv::Scalar(_, xs), Sv::Scalar(_, ys)) = (va, vb) else {
                    return Err(Unsupported("comparison"));
                };
                let v = self.less(&xs, &ys);
                let err = self.fm.or(ea, eb);
                (Sv::Bool(v), err)
            }
            CExpr::In(x, coll) => {
                let (vx, ex) = self.eval(x, locals)?;
                let nx = self.fm.not(ex);
                let (vc, ec) = self.eval_under(nx, coll, locals)?;
                let vc = self.members(vc);
                let (Sv::Atom(xs), Sv::Set(ms, _)) = (vx, vc) else {
                    return Err(Unsupported("membership"));
                };
                let mut terms = Vec::new();
                for (a, fa) in xs {
                    if let Some(&(_, fm_)) = ms.iter().find(|(b, _)| *b == a) {
                        terms.push(self.fm.and(fa, fm_));
                    }
                }
                let v = self.fm.or_all(terms);
                let err = self.fm.or(ex, ec);
                (Sv::Bool(v), err)
            }
            CExpr::Union(a, b) | CExpr::Inter(a, b) | CExpr::Diff(a, b) => {
                let (va, ea) = self.eval(a, locals)?;
                let na = self.fm.not(ea);
                let (vb, eb) = self.eval_under(na, b, locals)?;
                let (va, vb) = (self.members(va), self.members(vb));
                let (Sv::Set(xs, _), Sv::Set(ys, _)) = (va, vb) else {
                    return Err(Unsupported("set operation"));
                };
                let atoms: BTreeSet<AtomId> = xs.iter().chain(ys.iter()).map(|p| p.0).collect();
                let get = |v: &[(AtomId, F)], a: AtomId| {
                    v.iter().find(|p| p.0 == a).map_or(Fm::FALSE, |p| p.1)
                };
                let mut out = Vec::new();
                for a in atoms {
                    let (fa, fb) = (get(&xs, a), get(&ys, a));
                    let f = match e {
                        CExpr::Union(..) => self.fm.or(fa, fb),
                        CExpr::Inter(..) => self.fm.and(fa, fb),
                        _ => {
                            let nb = self.fm.not(fb);
                            self.fm.and(fa, nb)
                        }
                    };
                    out.push((a, f));
                }
                let err = self.fm.or(ea, eb);
                (Sv::Set(out, false), err)
            }
            CExpr::Quant(q, local, coll, body) => {
                // A quantifier depends only on the locals it reads: evaluated once for each
                // of their values (nested quantifiers stay linear in their nesting).
                // While recording, its reads are recorded relative to its own reach, and
                // replayed under the reach of each place it is evaluated.
                let recording = self.sites.is_some();
                let key = self.memo_key(e, locals).map(|(at, mut k)| {
                    k.push(u64::from(recording));
                    (at, k)
                });
                if let Some((v, err, inner)) = key.as_ref().and_then(|k| self.memo.get(k)).cloned()
                {
                    self.replay(&inner);
                    return Ok((v, err));
                }
                let outer_reach = std::mem::replace(&mut self.reach, Fm::TRUE);
                let outer_sites = if recording {
                    self.sites.replace(Vec::new())
                } else {
                    None
                };
                let out = self.quant(*q, *local, coll, body, locals);
                self.reach = outer_reach;
                let inner = if recording {
                    std::mem::replace(&mut self.sites, outer_sites).unwrap_or_default()
                } else {
                    Vec::new()
                };
                let out = out?;
                self.replay(&inner);
                if let Some(k) = key {
                    self.memo.insert(k, (out.0.clone(), out.1, inner));
                }
                out
            }
            CExpr::Match {
                arms_by_kind, arms, ..
            } => {
                let arm = arms_by_kind
                    .get(self.kind as usize)
                    .copied()
                    .ok_or(Unsupported("match"))?;
                let arm = arms.get(arm as usize).ok_or(Unsupported("match"))?;
                self.eval(arm, locals)?
            }
            CExpr::If(c, a, b) => {
                let (vc, ecnd) = self.eval_bool(c, locals)?;
                let ok = self.fm.not(ecnd);
                let to_a = self.fm.and(ok, vc);
                let nc = self.fm.not(vc);
                let to_b = self.fm.and(ok, nc);
                let (va, ea) = self.eval_under(to_a, a, locals)?;
                let (vb, eb) = self.eval_under(to_b, b, locals)?;
                let v = self.ite(vc, va, vb)?;
                let on_a = self.fm.and(vc, ea);
                let nvc = self.fm.not(vc);
                let on_b = self.fm.and(nvc, eb);
                let e1 = self.fm.or(on_a, on_b);
                let nec = self.fm.not(ecnd);
                let e2 = self.fm.and(nec, e1);
                (v, self.fm.or(ecnd, e2))
            }
            CExpr::Count(_) => return Err(Unsupported("count")),
            CExpr::Days(..) => return Err(Unsupported("days")),
            CExpr::InForce {
                inst,
                date,
                eif,
                terminated,
            } => {
                let (vi, ei) = self.eval(inst, locals)?;
                let ni = self.fm.not(ei);
                let (vd, ed) = self.eval_under(ni, date, locals)?;
                let (Sv::Atom(is), Sv::Scalar(_, ds)) = (vi, vd) else {
                    return Err(Unsupported("in_force"));
                };
                // The evaluator's `in_force`: entry into force on or before the date, and no
                // termination on or before it; with a ladder, two literals per instrument.
                let day = |v: Option<&FactValue>| match v {
                    Some(FactValue::Fixed(Value::Date(d))) => Some(i64::from(d.days())),
                    _ => None,
                };
                let timed = |a: AtomId, attr: AttrId| {
                    matches!(
                        crate::eval::fact(self.lib, a, attr),
                        Some(FactValue::Timed(_))
                    )
                };
                if is
                    .iter()
                    .any(|(a, _)| timed(*a, *eif) || terminated.is_some_and(|t| timed(*a, t)))
                {
                    return Err(Unsupported("in_force of dates that change over time"));
                }
                let mut terms = Vec::new();
                for (a, fa) in is {
                    let Some(since) = day(crate::eval::fact(self.lib, a, *eif)) else {
                        continue;
                    };
                    let ended = terminated.and_then(|t| day(crate::eval::fact(self.lib, a, t)));
                    let before = self.less(&ds, &[(since, Fm::TRUE)]);
                    let started = self.fm.not(before);
                    let running = match ended {
                        Some(t) => self.less(&ds, &[(t, Fm::TRUE)]),
                        None => Fm::TRUE,
                    };
                    terms.push(self.fm.and_all([fa, started, running]));
                }
                let err = self.fm.or(ei, ed);
                (Sv::Bool(self.fm.or_all(terms)), err)
            }
            CExpr::Steps(_) => return Err(Unsupported("steps(...)")),
            CExpr::IsType(x, mask) => {
                let (vx, ex) = self.eval(x, locals)?;
                let Sv::Atom(xs) = vx else {
                    return Err(Unsupported("is"));
                };
                let terms: Vec<F> = xs
                    .into_iter()
                    .filter(
                        |(a, _)| match self.lib.atoms.get(*a as usize).map(|a| a.kind) {
                            Some(AtomKind::Entity(t)) => {
                                mask.get(t as usize).copied().unwrap_or(false)
                            }
                            _ => false,
                        },
                    )
                    .map(|(_, f)| f)
                    .collect();
                (Sv::Bool(self.fm.or_all(terms)), ex)
            }
            CExpr::MakeSet(items) | CExpr::MakeList(items, _) => {
                let mut members: Vec<(AtomId, Vec<F>)> = Vec::new();
                let mut errs = Vec::new();
                for it in items {
                    // Each item is evaluated once the ones before it did not fail.
                    let failed = self.fm.or_all(errs.iter().copied());
                    let ok = self.fm.not(failed);
                    let (v, e) = self.eval_under(ok, it, locals)?;
                    errs.push(e);
                    let Sv::Atom(xs) = v else {
                        return Err(Unsupported("list of non-atoms"));
                    };
                    for (a, f) in xs {
                        match members.iter_mut().find(|m| m.0 == a) {
                            Some(m) => m.1.push(f),
                            None => members.push((a, vec![f])),
                        }
                    }
                }
                let set = members
                    .into_iter()
                    .map(|(a, fs)| (a, self.fm.or_all(fs)))
                    .collect();
                (
                    Sv::Set(set, matches!(e, CExpr::MakeList(_, false))),
                    self.fm.or_all(errs),
                )
            }
        })
    }

    fn quant(
        &mut self,
        q: Quant,
        local: Local,
        coll: &CExpr,
        body: &CExpr,
        locals: &mut Vec<Option<Sv>>,
    ) -> R<(Sv, F)> {
        let (vc, ec) = self.eval(coll, locals)?;
        let items = self.walk(vc)?;
        let mut reached = self.fm.not(ec);
        let mut result = Fm::constant(q == Quant::All);
        let mut errs = vec![ec];
        for (member, item) in items {
            self.bind(locals, local, item)?;
            let here = self.fm.and(reached, member);
            let (vb, eb) = self.eval_bool_under(here, body, locals)?;
            let e_here = self.fm.and(here, eb);
            errs.push(e_here);
            // Iteration stops when the answer is known.
            let decides = if q == Quant::Any { vb } else { self.fm.not(vb) };
            let member_decides = self.fm.and(member, decides);
            result = if q == Quant::Any {
                self.fm.or(result, member_decides)
            } else {
                let n = self.fm.not(member_decides);
                self.fm.and(result, n)
            };
            let stop = self.fm.and(here, decides);
            let nstop = self.fm.not(stop);
            let neb = self.fm.not(e_here);
            let cont = self.fm.and(nstop, neb);
            reached = self.fm.and(reached, cont);
        }
        Ok((Sv::Bool(result), self.fm.or_all(errs)))
    }

    /// A value of an entity attribute's type that no candidate has: the value of a read
    /// that always fails.
    fn absent_value(&self, attr: AttrId) -> Sv {
        let name = self.lib.attr_names.get(attr as usize);
        let ty = self
            .lib
            .types
            .iter()
            .flat_map(|t| &t.fields)
            .find(|f| Some(&f.name) == name)
            .map(|f| &f.ty);
        match ty {
            Some(Ty::Int) => Sv::Scalar(Scalar::Int, Vec::new()),
            Some(Ty::Date) => Sv::Scalar(Scalar::Date, Vec::new()),
            Some(Ty::Str) => Sv::Scalar(Scalar::Str, Vec::new()),
            Some(Ty::Entity(_) | Ty::Enum(_)) => Sv::Atom(Vec::new()),
            Some(Ty::Set(_)) => Sv::Set(Vec::new(), false),
            Some(Ty::List(_)) => Sv::Set(Vec::new(), true),
            _ => Sv::Bool(Fm::FALSE),
        }
    }

    /// Records reads recorded relative to a quantifier's own reach, under the current one.
    fn replay(&mut self, inner: &[Site]) {
        for s in inner {
            self.note(s.span, s.step, s.attr.clone(), s.fails);
        }
    }

    /// The memo key of a quantifier: its address and the values of the locals it reads
    /// (`None` when one of them is not a single known value).
    fn memo_key(&self, e: &CExpr, locals: &[Option<Sv>]) -> Option<(usize, Vec<u64>)> {
        let mut read: BTreeSet<Local> = BTreeSet::new();
        let mut bound: BTreeSet<Local> = BTreeSet::new();
        let mut stack = vec![e];
        while let Some(x) = stack.pop() {
            if let CExpr::Quant(_, l, _, _) = x {
                bound.insert(*l);
            } else if let Some(l) = own_local(x) {
                read.insert(l);
            }
            children(x, &mut stack);
        }
        let mut key = Vec::new();
        for l in read.difference(&bound) {
            key.push(u64::from(*l));
            key.push(match locals.get(*l as usize) {
                Some(Some(Sv::Step)) => u64::MAX,
                Some(Some(Sv::Atom(xs))) => match xs.as_slice() {
                    [(a, f)] if *f == Fm::TRUE => u64::from(*a),
                    _ => return None,
                },
                _ => return None,
            });
        }
        Some((e as *const CExpr as usize, key))
    }

    /// A collection's items in the order the engine walks them: (the item is there, its
    /// value).
    pub fn walk(&mut self, v: Sv) -> R<Vec<(F, Sv)>> {
        match v {
            Sv::Set(ms, _) => Ok(ms
                .into_iter()
                .map(|(a, m)| (m, Sv::Atom(vec![(a, Fm::TRUE)])))
                .collect()),
            Sv::Seq(pos) => Ok(pos
                .into_iter()
                .map(|p| {
                    let here = self.fm.or_all(p.iter().map(|x| x.1));
                    (here, Sv::Atom(p))
                })
                .collect()),
            Sv::Bag(_) => Err(Unsupported(
                "a list of more than 24 candidates walked in order",
            )),
            _ => Err(Unsupported("a walk over non-atoms")),
        }
    }

    /// A collection as a set: its members, whatever their order.
    pub fn members(&mut self, v: Sv) -> Sv {
        match v {
            Sv::Seq(pos) => {
                let mut by: Vec<(AtomId, Vec<F>)> = Vec::new();
                for (a, f) in pos.into_iter().flatten() {
                    match by.iter_mut().find(|x| x.0 == a) {
                        Some(x) => x.1.push(f),
                        None => by.push((a, vec![f])),
                    }
                }
                Sv::Set(
                    by.into_iter()
                        .map(|(a, fs)| (a, self.fm.or_all(fs)))
                        .collect(),
                    true,
                )
            }
            Sv::Bag(xs) => Sv::Set(xs, true),
            other => other,
        }
    }

    fn ladder_eqs(&self, l: usize) -> Vec<(i64, F)> {
        self.ladders
            .get(l)
            .map(|l| l.eqs.clone())
            .unwrap_or_default()
    }

    /// The ladder a scalar's value formulas come from, if any.
    fn ladder_for(&self, xs: &[(i64, F)]) -> Option<usize> {
        let first = xs.first()?;
        let l = *self.ladder_of.get(&first.1)?;
        let lad = self.ladders.get(l)?;
        (lad.vals.len() >= 2 && lad.vals.len() == xs.len() && lad.vals.first() == Some(&first.0))
            .then_some(l)
    }

    fn ge(&self, l: usize, j: usize) -> F {
        self.ladders
            .get(l)
            .and_then(|l| l.ge.get(j))
            .copied()
            .unwrap_or(Fm::FALSE)
    }

    /// `x < y` for scalars given by their value formulas; one literal per constant when
    /// one side is a ladder.
    fn less(&mut self, xs: &[(i64, F)], ys: &[(i64, F)]) -> F {
        let (lx, ly) = (self.ladder_for(xs), self.ladder_for(ys));
        let vals =
            |s: &Self, l: usize| s.ladders.get(l).map(|l| l.vals.clone()).unwrap_or_default();
        let mut terms = Vec::new();
        match (lx, ly) {
            (Some(_), Some(b)) => {
                // x == vals[j] and y >= vals[j + 1], for some j.
                for (j, &(_, eq)) in xs.iter().enumerate() {
                    let up = self.ge(b, j + 1);
                    terms.push(self.fm.and(eq, up));
                }
            }
            (Some(a), None) => {
                let v = vals(self, a);
                for &(c, g) in ys {
                    // x < c: not (x >= the least representative >= c).
                    let m = v.partition_point(|&r| r < c);
                    let lt = if m >= v.len() {
                        Fm::TRUE
                    } else if m == 0 {
                        Fm::FALSE
                    } else {
                        let g_m = self.ge(a, m);
                        self.fm.not(g_m)
                    };
                    terms.push(self.fm.and(g, lt));
                }
            }
            (None, Some(b)) => {
                let v = vals(self, b);
                for &(c, g) in xs {
                    // c < y: y >= the least representative > c.
                    let m = v.partition_point(|&r| r <= c);
                    let gt = if m >= v.len() {
                        Fm::FALSE
                    } else if m == 0 {
                        Fm::TRUE
                    } else {
                        self.ge(b, m)
                    };
                    terms.push(self.fm.and(g, gt));
                }
            }
            (None, None) => {
                for &(x, fx) in xs {
                    for &(y, fy) in ys {
                        if x < y {
                            terms.push(self.fm.and(fx, fy));
                        }
                    }
                }
            }
        }
        self.fm.or_all(terms)
    }

    fn expect_step(&self, locals: &[Option<Sv>], l: Local) -> R<()> {
        match locals.get(l as usize) {
            Some(Some(Sv::Step)) => Ok(()),
            _ => Err(Unsupported("a step other than the rule's own")),
        }
    }

    /// Binds a local.
    pub fn bind(&self, locals: &mut Vec<Option<Sv>>, l: Local, v: Sv) -> R<()> {
        if locals.len() <= l as usize {
            locals.resize(l as usize + 1, None);
        }
        *locals.get_mut(l as usize).ok_or(Unsupported("local"))? = Some(v);
        Ok(())
    }

    /// Evaluates a condition.
    pub fn eval_bool(&mut self, e: &CExpr, locals: &mut Vec<Option<Sv>>) -> R<(F, F)> {
        match self.eval(e, locals)? {
            (Sv::Bool(f), err) => Ok((f, err)),
            _ => Err(Unsupported("condition")),
        }
    }

    /// The values of an entity's attribute, each with the condition on the step's date
    /// under which it holds: one, always, for a fixed fact; one per period for a fact that
    /// changes over time (the step is judged on its date).
    fn fact_periods(&mut self, entity: AtomId, attr: AttrId) -> Vec<(F, Option<Value>)> {
        match crate::eval::fact(self.lib, entity, attr) {
            None => vec![(Fm::TRUE, None)],
            Some(FactValue::Fixed(v)) => vec![(Fm::TRUE, Some(v.clone()))],
            Some(FactValue::Timed(t)) => {
                let ds = self.ladder_eqs(self.date);
                let periods: Vec<_> = t.periods().map(|(a, b, v)| (a, b, v.cloned())).collect();
                let mut out = Vec::new();
                for (start, end, v) in periods {
                    let day = |d: crate::date::Date| i64::from(d.days());
                    let after = match start {
                        Some(s) => {
                            let before = self.less(&ds, &[(day(s), Fm::TRUE)]);
                            self.fm.not(before)
                        }
                        None => Fm::TRUE,
                    };
                    let until = match end {
                        Some(e) => self.less(&ds, &[(day(e), Fm::TRUE)]),
                        None => Fm::TRUE,
                    };
                    out.push((self.fm.and(after, until), v));
                }
                out
            }
        }
    }

    fn constant(&mut self, v: &Value) -> R<Sv> {
        Ok(match v {
            Value::Bool(b) => Sv::Bool(Fm::constant(*b)),
            Value::Atom(a) => Sv::Atom(vec![(*a, Fm::TRUE)]),
            Value::Set(s) => Sv::Set(s.iter().map(|a| (a, Fm::TRUE)).collect(), false),
            Value::Int(i) => Sv::Scalar(Scalar::Int, vec![(*i, Fm::TRUE)]),
            Value::Date(d) => Sv::Scalar(Scalar::Date, vec![(i64::from(d.days()), Fm::TRUE)]),
            Value::Str(s) => Sv::Scalar(Scalar::Str, vec![(i64::from(*s), Fm::TRUE)]),
            Value::List(items) => {
                let mut out = Vec::new();
                for it in items.iter() {
                    match it {
                        Value::Atom(a) => out.push((*a, Fm::TRUE)),
                        _ => return Err(Unsupported("list of non-atoms")),
                    }
                }
                Sv::Set(out, true)
            }
            Value::Step(_) => return Err(Unsupported("step value")),
        })
    }

    fn eq(&mut self, a: &Sv, b: &Sv) -> R<F> {
        Ok(match (a, b) {
            (Sv::Bool(x), Sv::Bool(y)) => self.fm.iff(*x, *y),
            (Sv::Atom(xs), Sv::Atom(ys)) => {
                let mut terms = Vec::new();
                for &(a, fa) in xs {
                    if let Some(&(_, fb)) = ys.iter().find(|p| p.0 == a) {
                        terms.push(self.fm.and(fa, fb));
                    }
                }
                self.fm.or_all(terms)
            }
            (Sv::Scalar(_, xs), Sv::Scalar(_, ys)) => {
                let mut terms = Vec::new();
                for &(a, fa) in xs {
                    if let Some(&(_, fb)) = ys.iter().find(|p| p.0 == a) {
                        terms.push(self.fm.and(fa, fb));
                    }
                }
                self.fm.or_all(terms)
            }
            (Sv::Set(xs, false), Sv::Set(ys, false)) => {
                let atoms: BTreeSet<AtomId> = xs.iter().chain(ys.iter()).map(|p| p.0).collect();
                let get = |v: &[(AtomId, F)], a: AtomId| {
                    v.iter().find(|p| p.0 == a).map_or(Fm::FALSE, |p| p.1)
                };
                let mut terms = Vec::new();
                for a in atoms {
                    let (fa, fb) = (get(xs, a), get(ys, a));
                    terms.push(self.fm.iff(fa, fb));
                }
                self.fm.and_all(terms)
            }
            _ => return Err(Unsupported("equality of lists or steps")),
        })
    }

    fn ite(&mut self, c: F, a: Sv, b: Sv) -> R<Sv> {
        let nc = self.fm.not(c);
        self.mux(vec![(c, Some(a)), (nc, Some(b))])
    }

    /// A value chosen by exclusive guards.
    fn mux(&mut self, parts: Vec<(F, Option<Sv>)>) -> R<Sv> {
        let parts: Vec<(F, Sv)> = parts
            .into_iter()
            .filter_map(|(g, v)| v.map(|v| (g, v)))
            .collect();
        let Some((_, first)) = parts.first() else {
            return Ok(Sv::Bool(Fm::FALSE));
        };
        Ok(match first {
            Sv::Bool(_) => {
                let mut terms = Vec::new();
                for (g, v) in &parts {
                    let Sv::Bool(f) = v else {
                        return Err(Unsupported("mixed"));
                    };
                    terms.push(self.fm.and(*g, *f));
                }
                Sv::Bool(self.fm.or_all(terms))
            }
            Sv::Atom(_) | Sv::Set(..) | Sv::Scalar(..) => {
                let mut acc: Vec<(i64, Vec<F>)> = Vec::new();
                // Position of each value in `acc` (which keeps the order values come in): a
                // mux over thousands of entities stays linear.
                let mut at: std::collections::HashMap<i64, usize> =
                    std::collections::HashMap::new();
                let mut kind = None;
                for (g, v) in &parts {
                    let (xs, k): (Vec<(i64, F)>, u8) = match v {
                        Sv::Atom(xs) => (xs.iter().map(|(a, f)| (i64::from(*a), *f)).collect(), 0),
                        Sv::Set(xs, false) => {
                            (xs.iter().map(|(a, f)| (i64::from(*a), *f)).collect(), 1)
                        }
                        Sv::Scalar(s, xs) => (xs.clone(), 2 + *s as u8),
                        _ => return Err(Unsupported("mixed")),
                    };
                    if *kind.get_or_insert(k) != k {
                        return Err(Unsupported("mixed"));
                    }
                    for (x, f) in xs {
                        let t = self.fm.and(*g, f);
                        match at.get(&x).and_then(|&i| acc.get_mut(i)) {
                            Some(p) => p.1.push(t),
                            None => {
                                at.insert(x, acc.len());
                                acc.push((x, vec![t]));
                            }
                        }
                    }
                }
                let merged: Vec<(i64, F)> = acc
                    .into_iter()
                    .map(|(x, fs)| (x, self.fm.or_all(fs)))
                    .collect();
                match (first, kind) {
                    (Sv::Atom(_), _) => {
                        Sv::Atom(merged.into_iter().map(|(x, f)| (x as AtomId, f)).collect())
                    }
                    (Sv::Set(..), _) => Sv::Set(
                        merged.into_iter().map(|(x, f)| (x as AtomId, f)).collect(),
                        false,
                    ),
                    (Sv::Scalar(s, _), _) => Sv::Scalar(*s, merged),
                    _ => return Err(Unsupported("mixed")),
                }
            }
            Sv::Step | Sv::Seq(_) | Sv::Bag(_) => return Err(Unsupported("step value or list")),
        })
    }

    /// The step that a model of this space's variables describes.
    pub fn step_of(&self, model: &[bool]) -> BoundStep {
        let on = |f: F| self.var_on(model, f);
        let slots = self
            .slots
            .iter()
            .map(|(present, slot)| {
                if !on(*present) {
                    return None;
                }
                Some(match slot {
                    Slot::Bool(f) => Value::Bool(on(*f)),
                    Slot::Atom(xs) => {
                        // A choice the question left open: any candidate will do.
                        let chosen = xs.iter().find(|(_, f)| on(*f)).or(xs.first());
                        Value::Atom(chosen.map_or(0, |p| p.0))
                    }
                    Slot::List(pos) => Value::List(
                        pos.iter()
                            .filter_map(|p| {
                                p.iter().find(|(_, f)| on(*f)).map(|x| Value::Atom(x.0))
                            })
                            .collect::<Vec<_>>()
                            .into(),
                    ),
                    Slot::Set(xs, ordered) => {
                        let ids = xs.iter().filter(|(_, f)| on(*f)).map(|p| p.0);
                        if *ordered {
                            Value::List(ids.map(Value::Atom).collect::<Vec<_>>().into())
                        } else {
                            Value::Set(crate::bitset::AtomSet::from_ids(ids))
                        }
                    }
                    Slot::Scalar(s, xs) => {
                        let x = xs
                            .iter()
                            .find(|(_, f)| on(*f))
                            .or(xs.first())
                            .map_or(0, |p| p.0);
                        scalar_value(*s, x)
                    }
                    Slot::Ordered(s, l) => scalar_value(*s, self.ladder_value(*l, &on)),
                })
            })
            .collect();
        let date = Some(crate::date::Date::from_days(
            i32::try_from(self.ladder_value(self.date, &on)).unwrap_or(0),
        ));
        BoundStep {
            kind: self.kind,
            slots,
            date,
        }
    }

    /// The value in a model of a slot's formula: an input variable or a constant (slots
    /// are made of nothing else), read without evaluating the whole formula graph.
    fn var_on(&self, model: &[bool], f: F) -> bool {
        match self.fm.var_index(f) {
            Some(v) => model.get(v as usize).copied().unwrap_or(false),
            None => f == Fm::TRUE,
        }
    }

    /// The value of a ladder in a model (its highest step reached).
    fn ladder_value(&self, l: usize, on: &dyn Fn(F) -> bool) -> i64 {
        let Some(lad) = self.ladders.get(l) else {
            return 0;
        };
        let mut x = lad.vals.first().copied().unwrap_or(0);
        for (&v, &g) in lad.vals.iter().zip(&lad.ge).skip(1) {
            if !on(g) {
                break;
            }
            x = v;
        }
        x
    }

    /// The evaluation date of a model.
    pub fn as_of_of(&self, model: &[bool]) -> Option<crate::date::Date> {
        let on = |f: F| self.var_on(model, f);
        Some(crate::date::Date::from_days(
            i32::try_from(self.ladder_value(self.as_of, &on)).unwrap_or(0),
        ))
    }
}

fn scalar_value(s: Scalar, x: i64) -> Value {
    match s {
        Scalar::Int => Value::Int(x),
        Scalar::Date => Value::Date(crate::date::Date::from_days(i32::try_from(x).unwrap_or(0))),
        Scalar::Str => Value::Str(u32::try_from(x).unwrap_or(u32::MAX)),
    }
}
