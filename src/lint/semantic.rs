//! The semantic lints (a rule that never fires or always fires, a redundant rule, a
//! conflicting pair, an `unless` that never or always applies): each question is a Boolean
//! formula over one step's possible attribute values (`sym.rs`), decided by a CDCL SAT
//! solver within a budget (`sat.rs`). A question the solver does not decide within the
//! budget is reported as `undecided`, never taken as an answer.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::sat::{Answer, F, Fm, decide};
use super::sym::{self, Space, Sv};
use super::witness::{put_model, random_words, witness};
use super::{Finder, Lint, LintReport};
use crate::diag::{Code, Diagnostic};
use crate::ir::*;
use crate::syntax::FileId;

/// One `unless` clause of a rule applied to one step of a kind.
#[derive(Clone, Copy, Debug)]
pub(super) struct UnlessSym {
    /// The clause is evaluated (the rule would fire here but for it, and no earlier
    /// exception held) and holds.
    pub(super) holds: F,
    /// The rule would fire here but for the exceptions, and the clause holds (whatever the
    /// earlier exceptions say).
    pub(super) raw: F,
    /// The clause is evaluated and does not hold.
    pub(super) fails: F,
}

/// One rule applied to one step of a kind, as formulas.
pub(super) struct RuleSym {
    /// The rule applies: its `when` holds (or it has none) without an evaluation error.
    pub(super) applies: F,
    /// Some binding fires (a violation), before any evaluation error.
    pub(super) fires: F,
    /// Per `unless` clause.
    pub(super) unless: Vec<UnlessSym>,
    /// While the space records reads that can fail: the part of the rule each recorded
    /// read is in, in the order recorded.
    pub(super) places: Vec<Place>,
    /// While recording: a message, help or label interpolation that can fail and that the
    /// formulas do not model (what it uses); its reads are then not decided.
    pub(super) unmodelled: Option<&'static str>,
}

/// The part of a rule a read is in, in evaluation order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Place {
    When,
    Each,
    Cond,
    Unless(usize),
    Message,
    Help,
    Label,
}

impl Place {
    fn text(self) -> String {
        match self {
            Place::When => "its `when`".into(),
            Place::Each => "its `each` collection".into(),
            Place::Cond => "its condition".into(),
            Place::Unless(i) => format!("its exception {}", i + 1),
            Place::Message => "its message".into(),
            Place::Help => "its help".into(),
            Place::Label => "its label".into(),
        }
    }
}

/// Whether evaluating `e` can fail at all, on a step of `kind` (`None`: of any kind): it
/// reads an optional step attribute without a default, or an entity attribute that some
/// fact of a type declaring it lacks.
fn can_fail(lib: &Compiled, kind: Option<KindId>, e: &CExpr) -> bool {
    let optional = |k: usize, slot: u16| {
        lib.kinds
            .get(k)
            .and_then(|k| k.fields.get(slot as usize))
            .is_none_or(|f| f.optional)
    };
    let step_can_fail = |slots: &[u16]| match kind {
        Some(k) => optional(
            k as usize,
            slots.get(k as usize).copied().unwrap_or(u16::MAX),
        ),
        None => slots
            .iter()
            .enumerate()
            .any(|(k, &slot)| slot != u16::MAX && optional(k, slot)),
    };
    let entity_can_fail = |attr: AttrId| {
        let name = lib.attr_names.get(attr as usize);
        lib.atoms.iter().enumerate().any(|(a, info)| {
            let AtomKind::Entity(t) = info.kind else {
                return false;
            };
            let declares = lib
                .types
                .get(t as usize)
                .is_some_and(|t| t.fields.iter().any(|f| Some(&f.name) == name));
            // absent on every date, or on some (a fact that changes over time)
            declares
                && match crate::eval::fact(lib, a as AtomId, attr) {
                    None => true,
                    Some(FactValue::Fixed(_)) => false,
                    Some(FactValue::Timed(t)) => t.values.iter().any(Option::is_none),
                }
        })
    };
    let mut stack = vec![e];
    while let Some(x) = stack.pop() {
        match x {
            CExpr::StepAttr { slots, .. } if step_can_fail(slots) => return true,
            CExpr::EntityAttr { attr, .. } if entity_can_fail(*attr) => return true,
            _ => children(x, &mut stack),
        }
    }
    false
}

/// Whether any part of a rule can fail at all (see [`can_fail`]), on any kind.
fn rule_can_fail(lib: &Compiled, r: &CRule) -> bool {
    let texts = r.message.iter().chain(&r.help).chain(&r.label);
    r.when
        .iter()
        .chain(r.each.iter().map(|(_, c)| c))
        .chain(r.cond.iter())
        .chain(r.unless.iter())
        .chain(texts.filter_map(|p| match p {
            crate::ir::Part::Expr(e) => Some(e),
            crate::ir::Part::Lit(_) => None,
        }))
        .any(|e| can_fail(lib, None, e))
}

pub(super) fn rule_sym(space: &mut Space<'_>, r: &CRule) -> Result<RuleSym, sym::Unsupported> {
    rule_sym_with(space, r, &BTreeSet::new())
}

/// A part of a rule that a never-fires proof may name: an operand of the `when`'s or the
/// condition's top-level `&&` (the whole clause when its operands cannot be told apart),
/// or an exception.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Part {
    When(usize),
    Cond(usize),
    Unless(usize),
}

/// The operands of a compiled condition's top-level `&&`, left to right, if they match the
/// written ones (`n`); else the whole condition.
fn operands(e: &CExpr, n: usize) -> Vec<&CExpr> {
    let mut out = Vec::new();
    let mut stack = vec![e];
    while let Some(x) = stack.pop() {
        match x {
            CExpr::And(a, b) => {
                stack.push(b);
                stack.push(a);
            }
            _ => out.push(x),
        }
    }
    if out.len() == n { out } else { vec![e] }
}

/// Evaluates a condition with some of its operands relaxed (replaced by a fresh variable
/// that never fails), keeping `&&`'s left-to-right short-circuit.
fn eval_relaxed(
    space: &mut Space<'_>,
    e: &CExpr,
    n: usize,
    relaxed: &dyn Fn(usize) -> bool,
    locals: &mut Vec<Option<Sv>>,
) -> Result<(F, F), sym::Unsupported> {
    let ops = operands(e, n);
    if !(0..ops.len()).any(relaxed) {
        return space.eval_bool(e, locals);
    }
    let mut all = Fm::TRUE;
    let mut err = Fm::FALSE;
    for (i, op) in ops.into_iter().enumerate() {
        let (v, e) = if relaxed(i) {
            (space.fm.var().0, Fm::FALSE)
        } else {
            space.eval_bool(op, locals)?
        };
        let here = space.fm.and(all, e);
        err = space.fm.or(err, here);
        let ne = space.fm.not(e);
        all = space.fm.and_all([all, v, ne]);
    }
    Ok((all, err))
}

/// [`rule_sym`] with some parts relaxed: what the rule would do if they could be anything.
pub(super) fn rule_sym_with(
    space: &mut Space<'_>,
    r: &CRule,
    relax: &BTreeSet<Part>,
) -> Result<RuleSym, sym::Unsupported> {
    let mut locals: Vec<Option<Sv>> = vec![None; r.locals as usize];
    space.bind(&mut locals, 0, Sv::Step)?;
    // While recording: the part each recorded read is in.
    let mut places: Vec<Place> = Vec::new();
    let mark = |space: &Space<'_>, places: &mut Vec<Place>, p: Place| {
        places.resize(space.recorded().max(places.len()), p);
    };
    space.set_reach(Fm::TRUE);
    let (when, when_err) = match &r.when {
        Some(w) => eval_relaxed(
            space,
            w,
            r.when_parts.len(),
            &|i| relax.contains(&Part::When(i)),
            &mut locals,
        )?,
        None => (Fm::TRUE, Fm::FALSE),
    };
    mark(space, &mut places, Place::When);
    let nwe = space.fm.not(when_err);
    let base = space.fm.and(when, nwe);
    space.set_reach(base);
    // The bindings: each member of the collection in order, or one binding.
    let mut bindings: Vec<(F, Option<(Local, Sv)>)> = Vec::new();
    let mut coll_err = Fm::FALSE;
    match &r.each {
        Some((local, coll)) => {
            let (v, e) = space.eval(coll, &mut locals)?;
            mark(space, &mut places, Place::Each);
            coll_err = e;
            for (m, item) in space.walk(v)? {
                bindings.push((m, Some((*local, item))));
            }
        }
        None => bindings.push((Fm::TRUE, None)),
    }
    let nce = space.fm.not(coll_err);
    let mut reached = space.fm.and(base, nce);
    let mut fires = Vec::new();
    let n = r.unless.len();
    let mut holds: Vec<Vec<F>> = vec![Vec::new(); n];
    let mut raw: Vec<Vec<F>> = vec![Vec::new(); n];
    let mut fails: Vec<Vec<F>> = vec![Vec::new(); n];
    // While recording: some earlier violation's message, help or label failed (the
    // application reports that error, and renders nothing after it).
    let mut render_failed = Fm::FALSE;
    let mut unmodelled = None;
    for (member, bind) in bindings {
        space.check_size()?;
        if let Some((l, v)) = bind {
            space.bind(&mut locals, l, v)?;
        }
        let at = space.fm.and(reached, member);
        space.set_reach(at);
        let (hit, herr) = match &r.cond {
            Some(c) => {
                let (v, e) = eval_relaxed(
                    space,
                    c,
                    r.cond_parts.len(),
                    &|i| relax.contains(&Part::Cond(i)),
                    &mut locals,
                )?;
                (if r.forbid { v } else { space.fm.not(v) }, e)
            }
            None => (Fm::TRUE, Fm::FALSE),
        };
        mark(space, &mut places, Place::Cond);
        let nherr = space.fm.not(herr);
        let hit_ok = space.fm.and_all([at, nherr, hit]);
        // Exceptions, in order, short-circuit on the first that holds.
        let mut none_yet = Fm::TRUE;
        let mut uerrs = Vec::new();
        for (i, u) in r.unless.iter().enumerate() {
            let ctx = space.fm.and(hit_ok, none_yet);
            space.set_reach(ctx);
            let (uv, ue) = if relax.contains(&Part::Unless(i)) {
                (space.fm.var().0, Fm::FALSE)
            } else {
                space.eval_bool(u, &mut locals)?
            };
            mark(space, &mut places, Place::Unless(i));
            let nue = space.fm.not(ue);
            let nuv = space.fm.not(uv);
            let ok_holds = space.fm.and(uv, nue);
            let ok_fails = space.fm.and(nuv, nue);
            if let Some(v) = holds.get_mut(i) {
                v.push(space.fm.and(ctx, ok_holds));
            }
            if let Some(v) = raw.get_mut(i) {
                v.push(space.fm.and(hit_ok, ok_holds));
            }
            if let Some(v) = fails.get_mut(i) {
                v.push(space.fm.and(ctx, ok_fails));
            }
            let reach_u = space.fm.and(none_yet, ue);
            uerrs.push(reach_u);
            none_yet = space.fm.and(none_yet, ok_fails);
        }
        let f = space.fm.and(hit_ok, none_yet);
        fires.push(f);
        if space.recording() {
            // A violation renders its message, then its help, then its label, each
            // interpolation in order; the first that fails stops the application.
            let mut ok = space.fm.not(render_failed);
            ok = space.fm.and(ok, f);
            let texts = [
                (&r.message, Place::Message),
                (&r.help, Place::Help),
                (&r.label, Place::Label),
            ];
            for (parts, place) in texts {
                for part in parts {
                    let crate::ir::Part::Expr(e) = part else {
                        continue;
                    };
                    if !can_fail(space.lib, Some(space.kind), e) {
                        continue;
                    }
                    space.set_reach(ok);
                    match space.eval(e, &mut locals) {
                        Ok((_, err)) => {
                            let here = space.fm.and(ok, err);
                            render_failed = space.fm.or(render_failed, here);
                            let nerr = space.fm.not(err);
                            ok = space.fm.and(ok, nerr);
                        }
                        Err(sym::Unsupported(what)) => {
                            unmodelled.get_or_insert(what);
                        }
                    }
                    mark(space, &mut places, place);
                }
            }
        }
        // An error stops the rule on this step: later bindings are not reached.
        let uerr = space.fm.or_all(uerrs);
        let hit_u = space.fm.and(hit_ok, uerr);
        let herr_at = space.fm.and(at, herr);
        let stop = space.fm.or(herr_at, hit_u);
        let nstop = space.fm.not(stop);
        reached = space.fm.and(reached, nstop);
    }
    space.check_size()?;
    let fires = space.fm.or_all(fires);
    let mut unless = Vec::with_capacity(n);
    for ((h, r), f) in holds.into_iter().zip(raw).zip(fails) {
        unless.push(UnlessSym {
            holds: space.fm.or_all(h),
            raw: space.fm.or_all(r),
            fails: space.fm.or_all(f),
        });
    }
    Ok(RuleSym {
        applies: base,
        fires,
        unless,
        places,
        unmodelled,
    })
}

/// A property that must hold on every kind a rule applies to ("unsatisfiable on each").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
enum Every {
    /// Unsatisfiable on every kind decided so far.
    #[default]
    Holds,
    /// Satisfiable on some kind: the property fails.
    Fails,
    /// Not decided on some kind, and not failed on any.
    Unknown,
}

impl Every {
    fn meet(&mut self, a: &Answer) {
        *self = match (*self, a) {
            (Every::Fails, _) | (_, Answer::Sat(_)) => Every::Fails,
            (Every::Unknown, _) | (_, Answer::Unknown) => Every::Unknown,
            (Every::Holds, Answer::Unsat(_)) => Every::Holds,
        }
    }
}

/// When the lint stops before it has asked every question: cancelled from another thread
/// ([`super::LintOptions::cancel`]), or its whole budget spent
/// ([`super::LintOptions::total_budget`]). Shared (its counts are cells), so that the loops
/// can look while the solver's closures hold the asker.
pub(super) struct Stop<'a> {
    cancel: Option<&'a std::sync::atomic::AtomicBool>,
    /// What is left of the whole budget (`None`: no limit).
    left: std::cell::Cell<Option<u64>>,
    stopped: std::cell::Cell<bool>,
}

impl<'a> Stop<'a> {
    pub(super) fn new(
        cancel: Option<&'a std::sync::atomic::AtomicBool>,
        total: Option<u64>,
    ) -> Self {
        Stop {
            cancel,
            left: std::cell::Cell::new(total),
            stopped: std::cell::Cell::new(false),
        }
    }

    /// Spends `units` of the whole budget: whether the lint goes on.
    fn spend(&self, units: u64) -> bool {
        if self.stopped.get() {
            return false;
        }
        let cancelled = self
            .cancel
            .is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed));
        let spent = match self.left.get() {
            Some(left) if left < units => true,
            Some(left) => {
                self.left.set(Some(left - units));
                false
            }
            None => false,
        };
        if cancelled || spent {
            self.stopped.set(true);
        }
        !self.stopped.get()
    }

    /// Whether the lint stopped early.
    pub(super) fn stopped(&self) -> bool {
        self.stopped.get()
    }
}

/// The solver, with its budget and its counts.
struct Asker<'s> {
    budget: u64,
    calls: usize,
    undecided: usize,
    stop: &'s Stop<'s>,
}

impl Asker<'_> {
    /// Is `f` satisfiable by a well-formed step of this space? Unknown, unasked, once the
    /// lint has stopped.
    fn ask(&mut self, space: &mut Space<'_>, f: F) -> Answer {
        if !self.stop.spend(1) {
            return Answer::Unknown;
        }
        let q = space.query(f);
        self.calls += 1;
        let a = decide(&space.fm, &[q], self.budget);
        if a == Answer::Unknown {
            self.undecided += 1;
        }
        a
    }
}

/// What one kind's analysis keeps for the pairwise lints.
struct KindData<'a> {
    space: Space<'a>,
    /// The rules analysed on this kind and their formulas.
    syms: Vec<(usize, RuleSym)>,
    /// Rule -> position in `syms`.
    pos: BTreeMap<usize, usize>,
    /// Per position: whether the rule can fire here.
    can_fire: Vec<Every>,
    /// Per position: the samples it fires on, 64 to a word.
    sig: Vec<Vec<u64>>,
    /// The valid samples.
    valid_mask: Vec<u64>,
    /// Per sample bit: the positions that fire there.
    firing: Vec<Vec<usize>>,
}

fn subset(a: &[u64], b: &[u64]) -> bool {
    a.iter().zip(b).all(|(x, y)| x & !y == 0)
}

fn bits(v: &[u64]) -> impl Iterator<Item = usize> + '_ {
    v.iter().enumerate().flat_map(|(w, word)| {
        (0..64)
            .filter(move |b| word & (1u64 << b) != 0)
            .map(move |b| w * 64 + b)
    })
}

impl KindData<'_> {
    /// Positions whose signature includes `mask` (the least-firing sample bit of `mask` is
    /// the index used).
    fn supersets(&self, mask: &[u64]) -> Vec<usize> {
        let Some(bit) = bits(mask).min_by_key(|&b| self.firing.get(b).map_or(0, Vec::len)) else {
            // No sample at all: every position is a candidate.
            return (0..self.syms.len()).collect();
        };
        self.firing
            .get(bit)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .copied()
            .filter(|&p| self.sig.get(p).is_some_and(|s| subset(mask, s)))
            .collect()
    }

    fn fires(&self, rule: usize) -> Option<F> {
        self.pos
            .get(&rule)
            .and_then(|&p| self.syms.get(p))
            .map(|s| s.1.fires)
    }
}

/// Per pair finding (redundancy, conflict): the parts that make it so, as (rule of the
/// pair, part), and whether that set is minimal.
type PairCores = BTreeMap<(usize, usize), (Vec<(usize, Part)>, bool)>;

/// Undecided questions, per rule: what was asked.
type Undecided = BTreeMap<usize, BTreeSet<String>>;

/// The exact lints: each question a formula, decided by the SAT solver.
pub(super) fn lints(f: &mut Finder<'_>, report: &mut LintReport, budget: u64, stop: &Stop<'_>) {
    let lib = f.lib;
    let reps = sym::Reps::of(lib);
    let mut asker = Asker {
        budget,
        calls: 0,
        undecided: 0,
        stop,
    };
    let mut never: BTreeMap<usize, Every> = BTreeMap::new();
    let mut always: BTreeMap<usize, Every> = BTreeMap::new();
    let mut unless_never: BTreeMap<(usize, usize), Every> = BTreeMap::new();
    let mut unless_shadowed: BTreeMap<(usize, usize), Every> = BTreeMap::new();
    let mut unless_always: BTreeMap<(usize, usize), Every> = BTreeMap::new();
    let mut fire_witness: BTreeMap<usize, String> = BTreeMap::new();
    let mut skipped: BTreeMap<usize, String> = BTreeMap::new();
    // `may-error`: the reads that can fail, and the rules whose texts it does not model.
    let mut may: MayReads = BTreeMap::new();
    let mut may_skipped: BTreeMap<usize, String> = BTreeMap::new();
    let mut undecided: Undecided = BTreeMap::new();
    // Per rule that cannot fire on some kind: the parts that clash, and whether the set is
    // minimal (each part needed).
    let mut cores: BTreeMap<usize, (BTreeSet<Part>, bool)> = BTreeMap::new();
    for (i, r) in lib.rules.iter().enumerate() {
        if r.proposal_scope {
            skipped.insert(i, "it is an `on proposal` rule".into());
        }
    }
    let mut kinds: Vec<Option<KindData<'_>>> = Vec::new();
    for k in 0..lib.kinds.len() {
        kinds.push(None);
        let rules: Vec<usize> = lib
            .rules_by_kind
            .get(k)
            .map(|v| v.iter().map(|&r| r as usize).collect())
            .unwrap_or_default();
        if rules.is_empty() {
            continue;
        }
        if !stop.spend(0) {
            // Stopped: nothing is known of these rules on this kind (so nothing is claimed
            // of them on every kind).
            for &ri in &rules {
                never.entry(ri).or_default().meet(&Answer::Unknown);
                always.entry(ri).or_default().meet(&Answer::Unknown);
                for ui in 0..lib.rules.get(ri).map_or(0, |r| r.unless.len()) {
                    for m in [&mut unless_never, &mut unless_shadowed, &mut unless_always] {
                        *m.entry((ri, ui)).or_default() = Every::Unknown;
                    }
                }
            }
            continue;
        }
        let Ok(mut space) = Space::new(lib, k as KindId, reps.clone(), budget) else {
            continue;
        };
        let kind_name = lib.kinds.get(k).map_or("?", |k| k.name.as_str());
        let mut syms: Vec<(usize, RuleSym)> = Vec::new();
        for &ri in &rules {
            if skipped.contains_key(&ri) {
                continue;
            }
            let Some(r) = lib.rules.get(ri) else { continue };
            space.start_rule();
            space.start_recording();
            let res = rule_sym(&mut space, r);
            let recorded = space.stop_recording();
            match res {
                Ok(s) => {
                    match s.unmodelled {
                        Some(what) if what == sym::TOO_LARGE => {
                            undecided.entry(ri).or_default().insert(format!(
                                "whether its message, help or label can fail on a `{kind_name}` step (its formulas grew past the budget)"
                            ));
                            asker.undecided += 1;
                        }
                        Some(what) => {
                            may_skipped.entry(ri).or_insert_with(|| {
                                format!("it interpolates {what} in a text that can fail (for `may-error`)")
                            });
                        }
                        None => may_error_questions(
                            f,
                            &mut space,
                            ri,
                            recorded.into_iter().zip(s.places.iter().copied()),
                            &mut asker,
                            &mut may,
                            &mut undecided,
                        ),
                    }
                    syms.push((ri, s));
                }
                Err(sym::Unsupported(what)) if what == sym::TOO_LARGE => {
                    undecided.entry(ri).or_default().insert(format!(
                        "what it does on a `{kind_name}` step (its formulas grew past the budget)"
                    ));
                    asker.undecided += 1;
                    never.insert(ri, Every::Unknown);
                }
                Err(sym::Unsupported(what)) => {
                    skipped.insert(ri, format!("it uses {what}"));
                }
            }
        }
        // Single-rule questions; their models become samples.
        let mut samples: Vec<Vec<bool>> = Vec::new();
        let mut can_fire = Vec::with_capacity(syms.len());
        for (ri, s) in &syms {
            let a = asker.ask(&mut space, s.fires);
            let mut e = Every::Holds;
            e.meet(&a);
            can_fire.push(e);
            never.entry(*ri).or_default().meet(&a);
            if matches!(a, Answer::Unsat(_)) {
                if let Some(r) = lib.rules.get(*ri) {
                    let (core, minimal) = never_core(&mut space, r, &mut asker);
                    let entry = cores.entry(*ri).or_insert((BTreeSet::new(), true));
                    entry.0.extend(core);
                    entry.1 &= minimal;
                }
            }
            match a {
                Answer::Sat(mut m) => {
                    space.repair(&mut m);
                    if !fire_witness.contains_key(ri) {
                        if let Some(w) = checked_witness(f, &space, &m, &[*ri], &[]) {
                            fire_witness.insert(*ri, w);
                        }
                    }
                    samples.push(m);
                }
                Answer::Unsat(_) => {}
                Answer::Unknown => {
                    undecided
                        .entry(*ri)
                        .or_default()
                        .insert(format!("whether it can fire on a `{kind_name}` step"));
                }
            }
            // Always fires: no step it applies to (its `when` holds) on which it does not.
            let nf = space.fm.not(s.fires);
            let q = space.fm.and(s.applies, nf);
            let a = asker.ask(&mut space, q);
            always.entry(*ri).or_default().meet(&a);
            match a {
                Answer::Sat(mut m) => {
                    space.repair(&mut m);
                    samples.push(m);
                }
                Answer::Unsat(_) => {}
                Answer::Unknown => {
                    undecided.entry(*ri).or_default().insert(format!(
                        "whether it fires on every `{kind_name}` step it applies to"
                    ));
                }
            }
            for (ui, u) in s.unless.iter().enumerate() {
                let a = asker.ask(&mut space, u.holds);
                unless_never.entry((*ri, ui)).or_default().meet(&a);
                if a == Answer::Unknown {
                    undecided.entry(*ri).or_default().insert(format!(
                        "whether its exception {} can apply on a `{kind_name}` step",
                        ui + 1
                    ));
                }
                if ui > 0 && !matches!(a, Answer::Sat(_)) {
                    let a = asker.ask(&mut space, u.raw);
                    // "Shadowed" is "holds" failing while "raw" holds somewhere.
                    let mut e = Every::Holds;
                    e.meet(&a);
                    let shadow = unless_shadowed.entry((*ri, ui)).or_default();
                    *shadow = match (*shadow, e) {
                        (Every::Unknown, _) | (_, Every::Unknown) => Every::Unknown,
                        (Every::Fails, _) | (_, Every::Fails) => Every::Fails,
                        _ => Every::Holds,
                    };
                }
                let a = asker.ask(&mut space, u.fails);
                unless_always.entry((*ri, ui)).or_default().meet(&a);
                if a == Answer::Unknown {
                    undecided.entry(*ri).or_default().insert(format!(
                        "whether its exception {} always applies on a `{kind_name}` step",
                        ui + 1
                    ));
                }
            }
        }
        // Signatures over samples: 4 words of random samples, then the solver's models.
        let mut seed = 0x9E37_79B9_7F4A_7C15u64 ^ (k as u64 + 1);
        let mut blocks: Vec<Vec<u64>> = (0..4).map(|_| random_words(&space, &mut seed)).collect();
        for chunk in samples.chunks(64) {
            let mut words = random_words(&space, &mut seed);
            for (bit, m) in chunk.iter().enumerate() {
                put_model(&mut words, m, bit as u32);
            }
            blocks.push(words);
        }
        let mut sig: Vec<Vec<u64>> = vec![Vec::with_capacity(blocks.len()); syms.len()];
        let mut valid_mask: Vec<u64> = Vec::with_capacity(blocks.len());
        for words in &blocks {
            let vals = space.fm.eval64(words);
            let ok = vals.get(space.valid as usize).copied().unwrap_or(0);
            valid_mask.push(ok);
            for (p, (_, s)) in syms.iter().enumerate() {
                if let Some(v) = sig.get_mut(p) {
                    v.push(vals.get(s.fires as usize).copied().unwrap_or(0) & ok);
                }
            }
        }
        let mut firing: Vec<Vec<usize>> = vec![Vec::new(); blocks.len() * 64];
        for (p, s) in sig.iter().enumerate() {
            for b in bits(s) {
                if let Some(v) = firing.get_mut(b) {
                    v.push(p);
                }
            }
        }
        let pos = syms.iter().enumerate().map(|(p, s)| (s.0, p)).collect();
        if let Some(slot) = kinds.last_mut() {
            *slot = Some(KindData {
                space,
                syms,
                pos,
                can_fire,
                sig,
                valid_mask,
                firing,
            });
        }
    }
    let analysed = |ri: usize| !skipped.contains_key(&ri);
    // The kinds on which a rule can fire (`None`: some kind undecided).
    let firing_kinds = |ri: usize, kinds: &[Option<KindData<'_>>]| -> Option<Vec<usize>> {
        let mut out = Vec::new();
        for (k, kd) in kinds.iter().enumerate() {
            let Some(kd) = kd else { continue };
            let Some(&p) = kd.pos.get(&ri) else { continue };
            match kd.can_fire.get(p) {
                Some(Every::Fails) => out.push(k),
                Some(Every::Unknown) => return None,
                _ => {}
            }
        }
        Some(out)
    };
    // Pair questions, cached by kind and formulas (rules with equal formulas share them).
    let mut cache: HashMap<(usize, F, F), Answer> = HashMap::new();
    let mut ask_pair = |kinds: &mut [Option<KindData<'_>>], k: usize, q: (F, F)| -> Answer {
        if let Some(a) = cache.get(&(k, q.0, q.1)) {
            return a.clone();
        }
        let Some(Some(kd)) = kinds.get_mut(k) else {
            return Answer::Unknown;
        };
        let (x, y) = q;
        let f = kd.space.fm.and(x, y);
        let a = asker.ask(&mut kd.space, f);
        cache.insert((k, q.0, q.1), a.clone());
        a
    };
    // Does `b` fire wherever `a` does, on the kinds `ks`? (`None`: undecided.)
    let mut covers = |kinds: &mut [Option<KindData<'_>>], a: usize, b: usize, ks: &[usize]| {
        let mut out = Some(true);
        for &k in ks {
            let Some(Some(kd)) = kinds.get_mut(k) else {
                return Some(false);
            };
            let (Some(fa), Some(fb)) = (kd.fires(a), kd.fires(b)) else {
                return Some(false);
            };
            let nb = kd.space.fm.not(fb);
            match ask_pair(kinds, k, (fa, nb)) {
                Answer::Sat(_) => return Some(false),
                Answer::Unknown => out = None,
                Answer::Unsat(_) => {}
            }
        }
        out
    };
    // Redundancy: per rule, the first rule (in id order) that covers it on every kind where
    // it can fire, with at least its severity. Rules that cover each other with equal
    // severity: only the later one is reported.
    let mut redundant: BTreeMap<usize, usize> = BTreeMap::new();
    for (a, ra) in lib.rules.iter().enumerate() {
        if !stop.spend(1) {
            break;
        }
        if !analysed(a) || never.get(&a) != Some(&Every::Fails) {
            continue;
        }
        let Some(ka) = firing_kinds(a, &kinds) else {
            continue;
        };
        let Some(&k0) = ka.first() else { continue };
        let mut cands: BTreeSet<usize> = BTreeSet::new();
        if let Some(Some(kd)) = kinds.get(k0) {
            if let Some(sa) = kd.pos.get(&a).and_then(|&p| kd.sig.get(p)) {
                cands = kd
                    .supersets(sa)
                    .into_iter()
                    .filter_map(|p| kd.syms.get(p).map(|s| s.0))
                    .collect();
            }
        }
        let cands: Vec<usize> = cands
            .into_iter()
            .filter(|&b| {
                b != a
                    && analysed(b)
                    && lib
                        .rules
                        .get(b)
                        .is_some_and(|rb| rb.severity >= ra.severity)
                    && ka.iter().all(|&k| {
                        kinds.get(k).and_then(Option::as_ref).is_some_and(|kd| {
                            match (kd.pos.get(&a), kd.pos.get(&b)) {
                                (Some(&pa), Some(&pb)) => match (kd.sig.get(pa), kd.sig.get(pb)) {
                                    (Some(x), Some(y)) => subset(x, y),
                                    _ => false,
                                },
                                _ => false,
                            }
                        })
                    })
            })
            .collect();
        report.candidate_pairs += cands.len();
        if !stop.spend(cands.len() as u64) {
            break;
        }
        for b in cands {
            match covers(&mut kinds, a, b, &ka) {
                Some(true) => {}
                Some(false) => continue,
                None => {
                    let rb = lib.rules.get(b).map_or("?", |r| r.id.as_str());
                    undecided
                        .entry(a)
                        .or_default()
                        .insert(format!("whether `{rb}` fires wherever it does"));
                    continue;
                }
            }
            let same = lib
                .rules
                .get(b)
                .is_some_and(|rb| rb.severity == ra.severity);
            if same && b > a {
                // Mutual? Then `b` is the one reported, not `a`.
                if let Some(kb) = firing_kinds(b, &kinds) {
                    if kb.iter().all(|k| ka.contains(k))
                        && covers(&mut kinds, b, a, &kb) == Some(true)
                    {
                        continue;
                    }
                }
            }
            redundant.insert(a, b);
            break;
        }
    }
    // Conflicts: pairs that no step of a shared kind satisfies both of (neither fires).
    let mut conflicts: BTreeSet<(usize, usize)> = BTreeSet::new();
    {
        let mut cand: BTreeMap<(usize, usize), usize> = BTreeMap::new();
        for kd in kinds.iter().flatten() {
            for (pa, (a, _)) in kd.syms.iter().enumerate() {
                if !stop.spend(1) {
                    break;
                }
                let Some(sa) = kd.sig.get(pa) else { continue };
                let not_a: Vec<u64> = sa.iter().zip(&kd.valid_mask).map(|(s, v)| !s & v).collect();
                for pb in kd.supersets(&not_a) {
                    let Some(&(b, _)) = kd.syms.get(pb) else {
                        continue;
                    };
                    if b > *a {
                        *cand.entry((*a, b)).or_default() += 1;
                    }
                }
            }
        }
        for ((a, b), n) in cand {
            if !stop.spend(1) {
                break;
            }
            let (Some(ra), Some(rb)) = (lib.rules.get(a), lib.rules.get(b)) else {
                continue;
            };
            if !analysed(a) || !analysed(b) {
                continue;
            }
            let shared: Vec<usize> = ra
                .kinds
                .iter()
                .filter(|k| rb.kinds.contains(k))
                .map(|&k| k as usize)
                .filter(|&k| kinds.get(k).is_some_and(Option::is_some))
                .collect();
            if shared.is_empty() || n < shared.len() {
                continue;
            }
            report.candidate_pairs += 1;
            let mut all = Some(true);
            for &k in &shared {
                let Some(Some(kd)) = kinds.get_mut(k) else {
                    all = Some(false);
                    break;
                };
                let (Some(fa), Some(fb)) = (kd.fires(a), kd.fires(b)) else {
                    all = Some(false);
                    break;
                };
                let (na, nb) = (kd.space.fm.not(fa), kd.space.fm.not(fb));
                match ask_pair(&mut kinds, k, (na, nb)) {
                    Answer::Sat(_) => {
                        all = Some(false);
                        break;
                    }
                    Answer::Unknown => all = None,
                    Answer::Unsat(_) => {}
                }
            }
            match all {
                Some(true) => {
                    conflicts.insert((a, b));
                }
                Some(false) => {}
                None => {
                    undecided
                        .entry(a)
                        .or_default()
                        .insert(format!("whether it conflicts with `{}`", rb.id));
                }
            }
        }
    }
    // The converse of each redundancy: a step on which the covering rule fires and the
    // redundant one does not, if there is one.
    let mut converse: BTreeMap<usize, String> = BTreeMap::new();
    for (&a, &b) in &redundant {
        let Some(kb) = firing_kinds(b, &kinds) else {
            continue;
        };
        for k in kb {
            let Some(Some(kd)) = kinds.get_mut(k) else {
                continue;
            };
            let Some(fb) = kd.fires(b) else { continue };
            let na = match kd.fires(a) {
                Some(fa) => kd.space.fm.not(fa),
                None => Fm::TRUE,
            };
            let q = kd.space.fm.and(fb, na);
            if let Answer::Sat(mut m) = asker.ask(&mut kd.space, q) {
                kd.space.repair(&mut m);
                if let Some(w) = checked_witness(f, &kd.space, &m, &[b], &[a]) {
                    converse.insert(a, w);
                    break;
                }
            }
        }
    }
    // The parts that make each redundancy and each conflict so, on the first kind where the
    // question was decided.
    let mut pair_cores: PairCores = BTreeMap::new();
    let redundancy_q = |fm: &mut Fm, s: &[RuleSym]| match s {
        [a, b] => {
            let nb = fm.not(b.fires);
            fm.and(a.fires, nb)
        }
        _ => Fm::FALSE,
    };
    let conflict_q = |fm: &mut Fm, s: &[RuleSym]| match s {
        [a, b] => {
            let (na, nb) = (fm.not(a.fires), fm.not(b.fires));
            fm.and(na, nb)
        }
        _ => Fm::FALSE,
    };
    // The parts that keep each impossible exception from ever applying.
    let mut unless_cores: BTreeMap<(usize, usize), (Vec<Part>, bool)> = BTreeMap::new();
    for (&(ri, ui), &e) in &unless_never {
        if e != Every::Holds || never.get(&ri) != Some(&Every::Fails) {
            continue;
        }
        let Some(r) = lib.rules.get(ri) else { continue };
        let Some(kd) = kinds
            .iter_mut()
            .flatten()
            .find(|kd| kd.pos.contains_key(&ri))
        else {
            continue;
        };
        let q = move |_: &mut Fm, s: &[RuleSym]| {
            s.first()
                .and_then(|s| s.unless.get(ui))
                .map_or(Fm::FALSE, |u| u.holds)
        };
        let (core, minimal) = core_of(&mut kd.space, &[r], &q, &mut asker);
        let core = core
            .into_iter()
            .map(|(_, p)| p)
            .filter(|p| *p != Part::Unless(ui))
            .collect();
        unless_cores.insert((ri, ui), (core, minimal));
    }
    let pairs: Vec<(usize, usize, bool)> = redundant
        .iter()
        .map(|(&a, &b)| (a, b, true))
        .chain(conflicts.iter().map(|&(a, b)| (a, b, false)))
        .collect();
    for (a, b, is_redundancy) in pairs {
        let (Some(ra), Some(rb)) = (lib.rules.get(a), lib.rules.get(b)) else {
            continue;
        };
        let k = if is_redundancy {
            firing_kinds(a, &kinds).and_then(|ks| ks.first().copied())
        } else {
            ra.kinds
                .iter()
                .map(|&k| k as usize)
                .find(|k| rb.kinds.contains(&(*k as KindId)))
        };
        let Some(Some(kd)) = k.and_then(|k| kinds.get_mut(k)) else {
            continue;
        };
        let q: &dyn Fn(&mut Fm, &[RuleSym]) -> F = if is_redundancy {
            &redundancy_q
        } else {
            &conflict_q
        };
        let core = core_of(&mut kd.space, &[ra, rb], q, &mut asker);
        pair_cores.insert((a, b), core);
    }
    report.solver_calls += asker.calls;
    report.undecided += asker.undecided;
    if stop.stopped() {
        // What was left unasked is not undecided: the report says it was cut short.
        undecided.clear();
        report.undecided = 0;
        report.cut_short = true;
    }
    emit(
        f,
        &Found {
            never,
            always,
            unless_never,
            unless_shadowed,
            unless_always,
            fire_witness,
            redundant,
            converse,
            cores,
            unless_cores,
            pair_cores,
            conflicts,
            undecided,
            skipped: &skipped,
        },
    );
    emit_may_error(f, &may, &skipped);
    for (ri, why) in may_skipped {
        skipped.entry(ri).or_insert(why);
    }
    // A rule the formulas do not model still never fails if none of its reads can; when
    // one can, the summary says that `may-error` did not check it either.
    for (&ri, why) in skipped.iter_mut() {
        if lib.rules.get(ri).is_some_and(|r| rule_can_fail(lib, r)) && !why.contains("may-error") {
            why.push_str(", so `may-error` does not check its reads either");
        }
    }
    report.not_analysed = skipped
        .into_iter()
        .filter_map(|(i, why)| lib.rules.get(i).map(|r| (r.id.clone(), why)))
        .collect();
}

/// A read of a rule that can fail, in one part of the rule: what it reads and what was
/// decided about it (`Every::Holds`: it never fails, on any kind).
struct MayRead {
    step: bool,
    attr: std::sync::Arc<str>,
    never: Every,
    /// A step on which the engine fails there, and what the engine says.
    witness: Option<(String, String)>,
}

/// The reads that can fail, by rule, span (start, end) and part of the rule.
type MayReads = BTreeMap<(usize, u32, u32, Place), MayRead>;

/// `may-error`'s questions for one rule on one kind: for each read that can fail (grouped
/// by where it is written and the part of the rule it is in), "it is evaluated and finds
/// the attribute absent", on a well-formed step.
fn may_error_questions(
    f: &Finder<'_>,
    space: &mut Space<'_>,
    ri: usize,
    recorded: impl Iterator<Item = (sym::Site, Place)>,
    asker: &mut Asker,
    may: &mut MayReads,
    undecided: &mut Undecided,
) {
    let mut groups: BTreeMap<(u32, u32, Place), (sym::Site, Vec<F>)> = BTreeMap::new();
    for (site, place) in recorded {
        let key = (site.span.start, site.span.end, place);
        groups
            .entry(key)
            .or_insert_with(|| (site.clone(), Vec::new()))
            .1
            .push(site.fails);
    }
    let kind_name = f
        .lib
        .kinds
        .get(space.kind as usize)
        .map_or("?", |k| k.name.as_str());
    let groups: Vec<_> = groups
        .into_iter()
        .map(|(key, (site, fs))| (key, site, space.fm.or_all(fs)))
        .collect();
    for &((start, end, place), ref site, q) in &groups {
        let entry = may.entry((ri, start, end, place)).or_insert(MayRead {
            step: site.step,
            attr: site.attr.clone(),
            never: Every::Holds,
            witness: None,
        });
        if q == Fm::FALSE || entry.never == Every::Fails && entry.witness.is_some() {
            continue;
        }
        let a = asker.ask(space, q);
        entry.never.meet(&a);
        match a {
            Answer::Sat(mut m) => {
                space.repair(&mut m);
                // The engine stops a rule at its first failing read: where it stopped at
                // another read on this model, ask again with that read not failing, a
                // few times, for a step on which the engine reports this one.
                let mut asked = q;
                for _ in 0..4 {
                    if entry.witness.is_some() {
                        break;
                    }
                    let earlier = match checked_error_witness(f, space, &m, ri, site.span) {
                        Ok(w) => {
                            entry.witness = Some(w);
                            break;
                        }
                        Err(Some(at)) => groups
                            .iter()
                            .find(|g| (g.0.0, g.0.1) == (at.start, at.end) && g.2 != q),
                        Err(None) => None,
                    };
                    let Some(earlier) = earlier else { break };
                    let not_there = space.fm.not(earlier.2);
                    asked = space.fm.and(asked, not_there);
                    match asker.ask(space, asked) {
                        Answer::Sat(next) => {
                            m = next;
                            space.repair(&mut m);
                        }
                        _ => break,
                    }
                }
            }
            Answer::Unsat(_) => {}
            Answer::Unknown => {
                let what = if site.step { "step" } else { "entity" };
                undecided.entry(ri).or_default().insert(format!(
                    "whether {} can read `{}` of a{} {what} that lacks it on a `{kind_name}` step",
                    place.text(),
                    site.attr,
                    if site.step { "" } else { "n" },
                ));
            }
        }
    }
}

/// A witness step for a read that can fail, if the engine agrees: evaluating the rule on
/// it fails with an absent attribute at that read. The step's text and the engine's
/// message; else the read of the rule at which the engine stopped instead, if it did.
fn checked_error_witness(
    f: &Finder<'_>,
    space: &Space<'_>,
    model: &[bool],
    rule: usize,
    span: crate::source::Span,
) -> Result<(String, String), Option<crate::source::Span>> {
    let text = witness(space, model).trim_end().to_string();
    let step = space.step_of(model);
    let src = format!(
        "proposal witness {{}}\n{}",
        super::witness::step_text(f.lib, &step, "w1")
    );
    let p = crate::proposal::Proposal::parse(&src).map_err(|_| None)?;
    let opts = crate::engine::CheckOptions {
        as_of: space.as_of_of(model),
        ..crate::engine::CheckOptions::default()
    };
    let report = f.engine.check_with(&p, &opts);
    if report.errors.iter().any(|e| e.rule.is_none()) {
        return Err(None);
    }
    let id = f.lib.rules.get(rule).ok_or(None)?.id.as_str();
    let mut failed = report
        .errors
        .iter()
        .filter(|e| e.rule.as_deref() == Some(id) && e.code == Code::AbsentAttribute.as_str());
    match failed.next() {
        Some(e) if e.diagnostic.related.iter().any(|r| r.span == span) => {
            Ok((text, e.message.clone()))
        }
        Some(e) => Err(e.diagnostic.related.first().map(|r| r.span)),
        None => Err(None),
    }
}

/// The file a read of rule `r` at `span` is written in: the rule's, when the span is in
/// the rule; else the file of a definition whose text there reads the attribute (a
/// definition expanded into the rule).
fn read_file(lib: &Compiled, r: &CRule, span: crate::source::Span, attr: &str) -> Option<FileId> {
    if r.extent.start <= span.start && span.end <= r.extent.end {
        return Some(r.file);
    }
    let reads_it = |file: FileId| {
        lib.source(file).is_some_and(|src| {
            src.text()
                .get(span.start as usize..span.end as usize)
                .is_some_and(|t| t.ends_with(&format!(".{attr}")))
        })
    };
    let files: BTreeSet<FileId> = lib.defs.iter().map(|d| d.1).collect();
    std::iter::once(r.file)
        .chain(files)
        .find(|&file| reads_it(file))
}

/// Reports the reads that can fail: each once, at the first part of its rule (in
/// evaluation order) where it can.
fn emit_may_error(f: &mut Finder<'_>, may: &MayReads, skipped: &BTreeMap<usize, String>) {
    let lib = f.lib;
    let mut done: BTreeSet<(usize, u32, u32)> = BTreeSet::new();
    for (&(ri, start, end, place), m) in may {
        if m.never != Every::Fails || skipped.contains_key(&ri) || done.contains(&(ri, start, end))
        {
            continue;
        }
        let Some(r) = lib.rules.get(ri) else { continue };
        done.insert((ri, start, end));
        let span = crate::source::Span { start, end };
        let (file, at) = match read_file(lib, r, span, &m.attr) {
            Some(file) => (file, span),
            None => (r.file, r.span),
        };
        let src = f.src(file);
        let text = src
            .text()
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
            .to_string();
        let obj = text
            .rsplit_once('.')
            .map_or("s", |(o, _)| o)
            .trim()
            .to_string();
        let attr = &m.attr;
        // Where the attribute is declared: the rule's step kinds, or the entity types.
        let field = |fields: &[FieldInfo]| {
            fields
                .iter()
                .find(|x| *x.name == **attr)
                .map(|x| lib.ty_name(&x.ty))
        };
        let declared = if m.step {
            r.kinds.iter().find_map(|&k| {
                let kind = lib.kinds.get(k as usize)?;
                Some((kind.name.clone(), field(&kind.fields)?))
            })
        } else {
            lib.types
                .iter()
                .find_map(|t| Some((t.name.clone(), field(&t.fields)?)))
        };
        let (owner, ty) = declared.unwrap_or_else(|| ("its type".into(), "T".into()));
        let guard = format!(
            "guard the read with `{obj} has {attr}` (in the `when`, before it with `&&`, or with `if {obj} has {attr} then ... else ...`)"
        );
        let (label, help) = if m.step {
            (
                format!("the step may have no `{attr}` here"),
                format!("{guard}, or give `{attr}` a default in `{owner}` (`{attr}: {ty} = ...`)"),
            )
        } else {
            (
                format!("`{obj}` may be a fact without `{attr}` here"),
                format!(
                    "{guard}, give `{attr}` a default in `{owner}` (`{attr}: {ty} = ...`), or give it to every fact that can be here"
                ),
            )
        };
        let message = format!(
            "rule `{}` may fail to evaluate: {} reads `{text}`, which can be absent",
            r.id,
            place.text()
        );
        let mut d = Diagnostic::error(Code::LintMayError, message, &src, at, label).with_help(help);
        if let Some((w, said)) = &m.witness {
            let said = said.rsplit_once(": ").map_or(said.as_str(), |x| x.1);
            d = d.with_note(format!(
                "for example, evaluating it fails on this step ({said}):\n{w}"
            ));
        }
        f.emit(Lint::MayError, Some(ri), d);
    }
}

/// The parts of a rule that cannot fire on this kind that clash (see [`core_of`]).
fn never_core(space: &mut Space<'_>, r: &CRule, asker: &mut Asker) -> (Vec<Part>, bool) {
    let (core, minimal) = core_of(
        space,
        &[r],
        &|_, s| s.first().map_or(Fm::FALSE, |s| s.fires),
        asker,
    );
    (core.into_iter().map(|(_, p)| p).collect(), minimal)
}

/// The parts of some rules that make an unsatisfiable question so: deletion-based, each
/// part (an operand of a `when`'s or a condition's top-level `&&`, an exception) is relaxed
/// in turn (it may be anything, and never fails) and stays relaxed while the question is
/// still unsatisfiable; relaxing only ever makes a question easier to satisfy, so what is
/// left is minimal: with any one of its parts relaxed, the question has an answer (unless a
/// question was undecided: then the second value is `false`). Parts are (rule, part).
fn core_of(
    space: &mut Space<'_>,
    rules: &[&CRule],
    question: &dyn Fn(&mut Fm, &[RuleSym]) -> F,
    asker: &mut Asker,
) -> (Vec<(usize, Part)>, bool) {
    let mut parts = Vec::new();
    for (k, r) in rules.iter().enumerate() {
        if r.when.is_some() {
            parts.extend((0..r.when_parts.len().max(1)).map(|i| (k, Part::When(i))));
        }
        if r.cond.is_some() {
            parts.extend((0..r.cond_parts.len().max(1)).map(|i| (k, Part::Cond(i))));
        }
        parts.extend((0..r.unless.len()).map(|i| (k, Part::Unless(i))));
    }
    let mut relax: Vec<BTreeSet<Part>> = vec![BTreeSet::new(); rules.len()];
    let mut minimal = true;
    for &(k, p) in &parts {
        if let Some(set) = relax.get_mut(k) {
            set.insert(p);
        }
        space.start_rule();
        let syms: Result<Vec<RuleSym>, _> = rules
            .iter()
            .zip(&relax)
            .map(|(r, set)| rule_sym_with(space, r, set))
            .collect();
        let still = match syms {
            Ok(syms) => {
                let q = question(&mut space.fm, &syms);
                asker.ask(space, q)
            }
            Err(_) => Answer::Unknown,
        };
        if !matches!(still, Answer::Unsat(_)) {
            minimal &= matches!(still, Answer::Sat(_));
            if let Some(set) = relax.get_mut(k) {
                set.remove(&p);
            }
        }
    }
    let core = parts
        .into_iter()
        .filter(|(k, p)| !relax.get(*k).is_some_and(|s| s.contains(p)))
        .collect();
    (core, minimal)
}

/// Where a part of a rule is written, and what to call it.
fn part_span(r: &CRule, p: Part) -> (crate::source::Span, &'static str) {
    // An operand's span, or the whole clause's when its operands are not the written ones
    // (a definition that expands to a `&&`, say).
    let operand = |e: Option<&CExpr>, spans: &[crate::source::Span], i: usize| {
        let whole = match (spans.first(), spans.last()) {
            (Some(a), Some(b)) => Some(crate::source::Span {
                start: a.start,
                end: b.end,
            }),
            _ => None,
        };
        match e {
            Some(e) if operands(e, spans.len()).len() == spans.len() => spans.get(i).copied(),
            _ => whole,
        }
    };
    let (span, label) = match p {
        Part::When(i) => (
            operand(r.when.as_ref(), &r.when_parts, i),
            "this condition of the `when`",
        ),
        Part::Cond(i) => (operand(r.cond.as_ref(), &r.cond_parts, i), "this condition"),
        Part::Unless(i) => (r.unless_spans.get(i).copied(), "this exception"),
    };
    (span.unwrap_or(r.verdict_span), label)
}

/// A witness step for a model, if the engine agrees: the rules `fire` fire on it and the
/// rules `quiet` do not.
fn checked_witness(
    f: &Finder<'_>,
    space: &Space<'_>,
    model: &[bool],
    fire: &[usize],
    quiet: &[usize],
) -> Option<String> {
    let text = witness(space, model).trim_end().to_string();
    let step = space.step_of(model);
    let src = format!(
        "proposal witness {{}}\n{}",
        super::witness::step_text(f.lib, &step, "w1")
    );
    let p = crate::proposal::Proposal::parse(&src).ok()?;
    let opts = crate::engine::CheckOptions {
        as_of: space.as_of_of(model),
        ..crate::engine::CheckOptions::default()
    };
    let report = f.engine.check_with(&p, &opts);
    let fired = |ri: usize| {
        f.lib
            .rules
            .get(ri)
            .is_some_and(|r| report.violations.iter().any(|v| v.rule == r.id))
    };
    if report.errors.iter().any(|e| e.rule.is_none()) {
        return None;
    }
    (fire.iter().all(|&r| fired(r)) && !quiet.iter().any(|&r| fired(r))).then_some(text)
}

/// What the questions found, to report.
struct Found<'s> {
    never: BTreeMap<usize, Every>,
    always: BTreeMap<usize, Every>,
    unless_never: BTreeMap<(usize, usize), Every>,
    unless_shadowed: BTreeMap<(usize, usize), Every>,
    unless_always: BTreeMap<(usize, usize), Every>,
    fire_witness: BTreeMap<usize, String>,
    redundant: BTreeMap<usize, usize>,
    converse: BTreeMap<usize, String>,
    cores: BTreeMap<usize, (BTreeSet<Part>, bool)>,
    unless_cores: BTreeMap<(usize, usize), (Vec<Part>, bool)>,
    pair_cores: PairCores,
    conflicts: BTreeSet<(usize, usize)>,
    undecided: Undecided,
    skipped: &'s BTreeMap<usize, String>,
}

/// A pair finding's marked parts: the minimal core when there is one, else both verdicts.
fn with_pair_core(
    f: &Finder<'_>,
    d: Diagnostic,
    (ra, rb): (&CRule, &CRule),
    core: Option<&(Vec<(usize, Part)>, bool)>,
    (label_a, label_b): (&str, &str),
    note: &str,
) -> Diagnostic {
    let mut d = d;
    match core {
        Some((parts, minimal)) if !parts.is_empty() => {
            for &(k, p) in parts {
                let r = if k == 0 { ra } else { rb };
                let (span, what) = part_span(r, p);
                let label = if k == 0 {
                    what.to_string()
                } else {
                    format!("{what} of `{}`", rb.id)
                };
                d = d.with_related(&f.src(r.file), span, label);
            }
            if *minimal {
                d = d.with_note(note.replace("{a}", &ra.id).replace("{b}", &rb.id));
            }
            d
        }
        _ => d
            .with_related(&f.src(ra.file), ra.verdict_span, label_a)
            .with_related(&f.src(rb.file), rb.verdict_span, label_b),
    }
}

fn emit(f: &mut Finder<'_>, x: &Found<'_>) {
    let lib = f.lib;
    let is = |m: &BTreeMap<usize, Every>, r: usize, e: Every| m.get(&r) == Some(&e);
    for (&ri, &n) in &x.never {
        let Some(r) = lib.rules.get(ri) else { continue };
        if n == Every::Holds && !x.skipped.contains_key(&ri) {
            let src = f.src(r.file);
            let mut d = Diagnostic::error(
                Code::LintNeverFires,
                format!("rule `{}` can never fire", r.id),
                &src,
                r.span,
                "no valid step triggers it",
            );
            let (core, minimal) = x.cores.get(&ri).cloned().unwrap_or_default();
            for p in &core {
                let (span, label) = part_span(r, *p);
                let label = if matches!(p, Part::Unless(_)) {
                    "this exception, which holds wherever the rest does"
                } else {
                    label
                };
                d = d.with_related(&src, span, label);
            }
            if core.is_empty() {
                d = d.with_related(
                    &src,
                    r.verdict_span,
                    "no step of the rule's kinds reaches this verdict",
                );
            } else if core.len() > 1 {
                d = d.with_note(if minimal {
                    "the marked conditions are why: they cannot all hold on one step, and without any one of them the rule could fire"
                } else {
                    "the marked conditions cannot all hold on one step"
                });
            }
            let d = d.with_help("check the conditions for a contradiction (a value compared with two different constants, an attribute tested against a kind that never has it), or remove the rule");
            f.emit(Lint::RuleNeverFires, Some(ri), d);
        }
    }
    for (&ri, &a) in &x.always {
        let Some(r) = lib.rules.get(ri) else { continue };
        if a == Every::Holds && is(&x.never, ri, Every::Fails) && !x.skipped.contains_key(&ri) {
            let label = if r.when.is_some() {
                "its condition always holds where its `when` does"
            } else {
                "its condition always holds"
            };
            let d = f
                .at_rule(r, format!("rule `{}` fires on every step it applies to", r.id), label)
                .with_help("a rule that no proposal can satisfy is likely missing a condition; narrow its scope or its `when`");
            let d = match x.fire_witness.get(&ri) {
                Some(w) => d.with_note(format!("for example, it fires on:\n{w}")),
                None => d,
            };
            f.emit(Lint::RuleAlwaysFires, Some(ri), d);
        }
    }
    for (&(ri, ui), &n) in &x.unless_never {
        let Some(r) = lib.rules.get(ri) else { continue };
        if n != Every::Holds || !is(&x.never, ri, Every::Fails) || x.skipped.contains_key(&ri) {
            continue;
        }
        let span = r.unless_spans.get(ui).copied().unwrap_or(r.span);
        let src = f.src(r.file);
        let shadowed = x.unless_shadowed.get(&(ri, ui)) == Some(&Every::Fails);
        let core = x.unless_cores.get(&(ri, ui));
        let d = if shadowed {
            let mut d = Diagnostic::error(
                Code::LintUnlessNever,
                format!(
                    "this exception of rule `{}` can never apply: the exceptions before it already cover every step where it holds",
                    r.id
                ),
                &src,
                span,
                "shadowed by the exceptions above",
            );
            match core {
                Some((parts, _)) if !parts.is_empty() => {
                    for p in parts {
                        let (s, label) = part_span(r, *p);
                        let label = if matches!(p, Part::Unless(_)) {
                            "this exception is tried first, and holds wherever this one does"
                        } else {
                            label
                        };
                        d = d.with_related(&src, s, label);
                    }
                }
                _ => {
                    for s in r.unless_spans.iter().take(ui) {
                        d = d.with_related(&src, *s, "this exception is tried first");
                    }
                }
            }
            d.with_help("remove the exception, or move it above the exceptions that cover it")
        } else {
            let mut d = Diagnostic::error(
                Code::LintUnlessNever,
                format!("this exception of rule `{}` can never apply", r.id),
                &src,
                span,
                "never holds where the rule would fire",
            );
            if let Some((parts, minimal)) = core {
                for p in parts {
                    let (s, label) = part_span(r, *p);
                    d = d.with_related(&src, s, format!("{label}, which it contradicts"));
                }
                if *minimal && !parts.is_empty() {
                    d = d.with_note("the marked conditions are why: without any one of them, the exception could apply");
                }
            }
            d.with_help("remove the exception, or fix its condition")
        };
        f.emit(Lint::UnlessNeverApplies, Some(ri), d);
    }
    for (&(ri, ui), &a) in &x.unless_always {
        let Some(r) = lib.rules.get(ri) else { continue };
        if a == Every::Holds
            && x.unless_never.get(&(ri, ui)) == Some(&Every::Fails)
            && !x.skipped.contains_key(&ri)
        {
            let span = r.unless_spans.get(ui).copied().unwrap_or(r.span);
            let d = Diagnostic::error(
                Code::LintUnlessAlways,
                format!(
                    "this exception of rule `{}` applies wherever the rule would fire",
                    r.id
                ),
                &f.src(r.file),
                span,
                "always holds, so the rule can never fire",
            )
            .with_help("the exception swallows the rule: narrow its condition, or remove the rule");
            f.emit(Lint::UnlessAlwaysApplies, Some(ri), d);
        }
    }
    for (&a, &b) in &x.redundant {
        let (Some(ra), Some(rb)) = (lib.rules.get(a), lib.rules.get(b)) else {
            continue;
        };
        let src = f.src(ra.file);
        let d = Diagnostic::error(
            Code::LintRedundant,
            format!(
                "rule `{}` is redundant: wherever it fires, `{}` fires on the same step",
                ra.id, rb.id
            ),
            &src,
            ra.span,
            "never adds a finding of its own",
        );
        let d = with_pair_core(
            f,
            d,
            (ra, rb),
            x.pair_cores.get(&(a, b)),
            (
                "this condition implies the other rule's",
                &format!("`{}` ({}) covers it", rb.id, rb.severity.as_str()),
            ),
            "the marked conditions are why: without any one of them, `{b}` would not cover `{a}`",
        )
        .with_help(format!(
            "remove `{}`, or narrow `{}` so the two say different things",
            ra.id, rb.id
        ));
        let d = match x.converse.get(&a) {
            Some(w) => d.with_note(format!(
                "`{}` is the broader rule: it fires and `{}` does not on\n{w}",
                rb.id, ra.id
            )),
            None => d.with_note(format!(
                "the two rules fire on exactly the same steps; `{}` is the later id",
                ra.id
            )),
        };
        f.emit(Lint::RedundantRule, Some(a), d);
    }
    let mut reported: BTreeSet<usize> = BTreeSet::new();
    for &(a, b) in &x.conflicts {
        let (Some(ra), Some(rb)) = (lib.rules.get(a), lib.rules.get(b)) else {
            continue;
        };
        if is(&x.always, a, Every::Holds) || is(&x.always, b, Every::Holds) || reported.contains(&a)
        {
            continue;
        }
        reported.insert(a);
        let d = Diagnostic::error(
            Code::LintConflict,
            format!(
                "rules `{}` and `{}` conflict: no step of the kinds they share can satisfy both",
                ra.id, rb.id
            ),
            &f.src(ra.file),
            ra.span,
            "every step breaks this rule or the other",
        );
        let d = with_pair_core(
            f,
            d,
            (ra, rb),
            x.pair_cores.get(&(a, b)),
            (
                "this condition",
                &format!("and this condition of `{}` cannot both be met", rb.id),
            ),
            "the marked conditions are why: without any one of them, some step would break neither rule",
        )
        .with_help("one of them must give way: add an exception, or narrow one of their scopes");
        f.emit(Lint::ConflictingRules, Some(a), d);
    }
    for (&ri, what) in &x.undecided {
        let Some(r) = lib.rules.get(ri) else { continue };
        if x.skipped.contains_key(&ri) {
            continue;
        }
        let list: Vec<&str> = what.iter().map(String::as_str).collect();
        let d = f
            .at_rule(
                r,
                format!(
                    "rule `{}`: not decided within the budget {}",
                    r.id,
                    list.join("; ")
                ),
                "not decided within the budget",
            )
            .with_help("nothing is claimed about these questions; simplify the rule's conditions, or raise the budget (`pactum lint --budget N`, or `Limits::lint_budget` if you embed pactum)");
        f.emit(Lint::Undecided, Some(ri), d);
    }
}

/// One direction of a comparison of two rules ([`compare_rules`]): is there a step on which
/// the first fires and the second does not?
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Excess {
    /// No step of any kind either rule applies to: the second fires wherever the first does.
    None,
    /// Some step: a witness in proposal syntax, checked with the engine (`None` when the
    /// engine disagreed with the model, which is then not printed).
    Some(Option<String>),
    /// Not decided within the budget: the kind of step asked about.
    Unknown(String),
}

/// How two rules of one library compare on single steps, by the questions `redundant-rule`
/// asks: `a` fires and `b` does not, and `b` fires and `a` does not, on every step kind
/// either applies to (a rule that does not apply to a kind never fires there). Steps, not
/// bindings: two rules that fire on the same steps with different `each` bindings compare
/// as equal. `Err`: the rules cannot be compared, and why (an `on proposal` rule, or a
/// construct the formulas do not model).
pub(crate) fn compare_rules(
    engine: &crate::engine::Engine,
    a: usize,
    b: usize,
    budget: u64,
) -> Result<(Excess, Excess), String> {
    let lib = engine.compiled();
    let (Some(ra), Some(rb)) = (lib.rules.get(a), lib.rules.get(b)) else {
        return Err("no such rule".into());
    };
    if ra.proposal_scope || rb.proposal_scope {
        return Err("`on proposal` rules are not modelled by the lints".into());
    }
    let f = Finder {
        lib,
        engine,
        out: Vec::new(),
        allowed: Vec::new(),
    };
    let stop = Stop::new(None, None);
    let mut asker = Asker {
        budget,
        calls: 0,
        undecided: 0,
        stop: &stop,
    };
    let reps = sym::Reps::of(lib);
    let kinds: BTreeSet<KindId> = ra.kinds.iter().chain(&rb.kinds).copied().collect();
    let mut ab = Excess::None;
    let mut ba = Excess::None;
    for k in kinds {
        let kind_name = lib.kinds.get(k as usize).map_or("?", |k| k.name.as_str());
        let mut space = Space::new(lib, k, reps.clone(), budget)
            .map_err(|sym::Unsupported(what)| format!("its steps use {what}"))?;
        let fires = |space: &mut Space<'_>, r: &CRule| -> Result<F, String> {
            if !r.kinds.contains(&k) {
                return Ok(Fm::FALSE);
            }
            space.start_rule();
            rule_sym(space, r)
                .map(|s| s.fires)
                .map_err(|sym::Unsupported(what)| format!("`{}` uses {what}", r.id))
        };
        let fa = fires(&mut space, ra)?;
        let fb = fires(&mut space, rb)?;
        for (x, y, xi, yi, out) in [(fa, fb, a, b, &mut ab), (fb, fa, b, a, &mut ba)] {
            if matches!(out, Excess::Some(_)) {
                continue;
            }
            let ny = space.fm.not(y);
            let q = space.fm.and(x, ny);
            match asker.ask(&mut space, q) {
                Answer::Sat(mut m) => {
                    space.repair(&mut m);
                    *out = Excess::Some(checked_witness(&f, &space, &m, &[xi], &[yi]));
                }
                Answer::Unsat(_) => {}
                Answer::Unknown => {
                    if *out == Excess::None {
                        *out = Excess::Unknown(kind_name.to_string());
                    }
                }
            }
        }
    }
    Ok((ab, ba))
}
