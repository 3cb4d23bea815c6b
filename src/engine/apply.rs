//! Rule application: every lowered rule applied to every step of its kinds, then the
//! `on proposal` rules, on one evaluator that records nothing. The result is compact
//! findings (rule, step, binding, application number) and failures; nothing is rendered.

use super::{Binding, CheckOptions, Coverage, Engine, Failure, Finding, Findings, Prepared, bump};
use crate::eval::Elements;
use crate::eval::EvalError;
use crate::eval::evidence::{NoEvidence, Recorder};
use crate::eval::program::{Coll, Periods, RuleProgram};
use crate::eval::run::{Machine, Stop};
use crate::ir::Value;
#[cfg(test)]
use crate::proposal::Proposal;

/// What rule application counts: nothing ([`NoCounts`], the hot path), or coverage.
pub(super) trait Counter {
    /// Rule `r` applied (its `when` held).
    fn applied(&mut self, r: u32);
    /// Rule `r` reported a violation.
    fn fired(&mut self, r: u32);
    /// Rule `r`'s `unless` clause `k` spared a binding.
    fn spared(&mut self, r: u32, k: usize);
}

/// Counts nothing.
pub(super) struct NoCounts;

impl Counter for NoCounts {
    #[inline(always)]
    fn applied(&mut self, _: u32) {}
    #[inline(always)]
    fn fired(&mut self, _: u32) {}
    #[inline(always)]
    fn spared(&mut self, _: u32, _: usize) {}
}

impl Counter for &mut Coverage {
    fn applied(&mut self, r: u32) {
        bump(&mut self.applied, r as usize);
    }

    fn fired(&mut self, r: u32) {
        bump(&mut self.fired, r as usize);
    }

    fn spared(&mut self, r: u32, k: usize) {
        let r = r as usize;
        if self.unless_taken.len() <= r {
            self.unless_taken.resize(r + 1, Vec::new());
        }
        if let Some(taken) = self.unless_taken.get_mut(r) {
            bump(taken, k);
        }
    }
}

impl Engine {
    pub(super) fn evaluate_inner(
        &self,
        prepared: &Prepared<'_>,
        opts: &CheckOptions,
        cov: &mut Option<&mut Coverage>,
    ) -> Findings {
        match cov {
            Some(c) => self.evaluate_on(prepared, opts, c, NoEvidence).0,
            None => {
                self.evaluate_on(prepared, opts, &mut NoCounts, NoEvidence)
                    .0
            }
        }
    }

    /// Evaluation with any recorder (the hot path records nothing; a recording one makes
    /// the evaluator walk every quantifier and `each` item by item, which tests compare
    /// with the set strategies), and the budget left.
    pub(super) fn evaluate_on<Rec: Recorder, C: Counter>(
        &self,
        prepared: &Prepared<'_>,
        opts: &CheckOptions,
        cov: &mut C,
        rec: Rec,
    ) -> (Findings, u64) {
        let bound = &prepared.bound;
        let mut m = Machine::new(
            &self.lib,
            bound,
            Engine::as_of(prepared, opts),
            opts.budget,
            self.program.locals,
            rec,
        );
        let mut out = Findings {
            hits: Vec::new(),
            failures: Vec::new(),
            opts: opts.clone(),
        };
        let first = self.apply_steps(bound.steps.len(), &mut m, &mut out, cov);
        m.enter_proposal(Engine::judged(prepared, opts));
        for (app, p) in (first..).zip(&self.program.proposal) {
            self.apply_periods(p, None, app, &mut m, &mut out, cov);
        }
        (out, m.fuel)
    }

    /// The budget left when evaluation reaches the rules of step `step` (`None`: the
    /// `on proposal` rules), as [`Engine::evaluate`] leaves it: what an explanation of
    /// those rules starts with, so that it runs out where the check does.
    pub(super) fn fuel_before(
        &self,
        prepared: &Prepared<'_>,
        opts: &CheckOptions,
        step: Option<u32>,
    ) -> u64 {
        let bound = &prepared.bound;
        let mut m = Machine::new(
            &self.lib,
            bound,
            Engine::as_of(prepared, opts),
            opts.budget,
            self.program.locals,
            NoEvidence,
        );
        let mut out = Findings {
            hits: Vec::new(),
            failures: Vec::new(),
            opts: opts.clone(),
        };
        let end = step.map_or(bound.steps.len(), |s| s as usize);
        self.apply_steps(end, &mut m, &mut out, &mut NoCounts);
        m.fuel
    }

    /// Applies the step rules to the first `end` steps of the machine's proposal, in
    /// order, numbering the applications from 0; the number of applications.
    fn apply_steps<'a, Rec: Recorder, C: Counter>(
        &'a self,
        end: usize,
        m: &mut Machine<'a, Rec>,
        out: &mut Findings,
        cov: &mut C,
    ) -> u32 {
        let mut app = 0u32;
        let bound = m.bound;
        for (i, step) in bound.steps.iter().enumerate().take(end) {
            let Some(rules) = self.program.by_kind.get(step.kind as usize) else {
                continue;
            };
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            m.enter_step(i);
            for p in rules {
                self.apply_periods(p, Some(i), app, m, out, cov);
                app += 1;
            }
        }
        app
    }

    /// Applies a rule with the program of the period its step is judged in; a rule that
    /// reads facts changing over time, with no date to read them on, fails.
    pub(super) fn apply_periods<'a, Rec: Recorder, C: Counter>(
        &self,
        p: &'a Periods,
        step: Option<u32>,
        app: u32,
        m: &mut Machine<'a, Rec>,
        out: &mut Findings,
        cov: &mut C,
    ) {
        match p.at(m.judged) {
            Some(prog) => self.apply(prog, step, app, m, out, cov),
            None => out.failures.push(Failure {
                rule: p.rule,
                step,
                app,
                error: EvalError::NoDate(self.no_date_span(p)),
            }),
        }
    }

    /// Where a rule reads a timed fact, for a missing date: the read, else the rule.
    pub(super) fn no_date_span(&self, p: &Periods) -> crate::source::Span {
        p.timed_read.unwrap_or_else(|| {
            self.lib
                .rules
                .get(p.rule as usize)
                .map_or_else(crate::source::Span::default, |r| r.span)
        })
    }

    /// Applies one rule to one step (or to the proposal); a failure is recorded, and the
    /// violations found before it stay.
    fn apply<'a, Rec: Recorder, C: Counter>(
        &self,
        p: &'a RuleProgram,
        step: Option<u32>,
        app: u32,
        m: &mut Machine<'a, Rec>,
        out: &mut Findings,
        cov: &mut C,
    ) {
        if run_rule(p, step, app, m, &mut out.hits, cov).is_err() {
            out.failures.push(Failure {
                rule: p.rule,
                step,
                app,
                error: m.take_error(),
            });
        }
    }
}

pub(super) fn run_rule<'a, Rec: Recorder, C: Counter>(
    p: &'a RuleProgram,
    step: Option<u32>,
    app: u32,
    m: &mut Machine<'a, Rec>,
    hits: &mut Vec<Finding>,
    cov: &mut C,
) -> Result<(), Stop> {
    let r = p.rule;
    if let Some(w) = &p.when {
        if !m.fb(w)? {
            return Ok(());
        }
    }
    cov.applied(r);
    let hit = |binding: Binding, at: Option<u32>| Finding {
        rule: r,
        step: at,
        applied: step,
        binding,
        app,
    };
    let Some(each) = &p.each else {
        if fires(p, m, cov)? {
            hits.push(hit(Binding::None, step));
        }
        return Ok(());
    };
    match &each.coll {
        Coll::Set(s) => {
            let c = m.fs(s)?;
            // The bindings that pass the condition, as a set, when it is one (a recording
            // evaluator walks them one by one, as `Recorder::RECORDS` says).
            let firing = match (&p.cond, &each.filter) {
                _ if Rec::RECORDS => None,
                (None, _) => Some(c.clone().into_owned()),
                (Some(_), Some(f)) => m.fs(f).ok().map(|f| {
                    if p.forbid {
                        c.intersection(&f)
                    } else {
                        c.difference(&f)
                    }
                }),
                (Some(_), None) => None,
            };
            if let Some(firing) = firing {
                let n = c.len();
                let all = u64::try_from(n).unwrap_or(u64::MAX);
                if !p.unless_burns && m.fuel >= all {
                    // Enough budget for every binding, and the exceptions burn none: burn
                    // it at once; an error at binding `x` gives back what the walk would
                    // not have burnt yet.
                    m.fuel -= all;
                    for x in firing.iter() {
                        let outcome = m
                            .set_local(each.local, Value::Atom(x))
                            .and_then(|()| spared(p, m, cov));
                        match outcome {
                            Ok(true) => {}
                            Ok(false) => {
                                cov.fired(r);
                                hits.push(hit(Binding::Atom(x), step));
                            }
                            Err(stop) => {
                                let unwalked = n.saturating_sub(c.count_through(x));
                                m.fuel += u64::try_from(unwalked).unwrap_or(0);
                                return Err(stop);
                            }
                        }
                    }
                    return Ok(());
                }
                // One unit per binding, burnt as the walk would reach it.
                let mut walked = 0;
                for x in firing.iter() {
                    let upto = c.count_through(x);
                    m.burn(upto.saturating_sub(walked))?;
                    walked = upto;
                    m.set_local(each.local, Value::Atom(x))?;
                    if !spared(p, m, cov)? {
                        cov.fired(r);
                        hits.push(hit(Binding::Atom(x), step));
                    }
                }
                return m.burn(c.len().saturating_sub(walked));
            }
            for x in c.iter() {
                m.burn(1)?;
                m.set_local(each.local, Value::Atom(x))?;
                if Rec::RECORDS {
                    m.rec.binding(&Value::Atom(x));
                }
                if fires(p, m, cov)? {
                    hits.push(hit(Binding::Atom(x), step));
                }
            }
        }
        Coll::Items(v) => {
            let v = m.fv(v)?;
            let items = Elements::of(v).map_err(|e| m.fail_with(e))?;
            // A list may name a value twice (`route: [georgia, azerbaijan, georgia]`): one
            // violation per distinct value, which evaluating it again would only repeat.
            let mut seen = Seen::default();
            for item in items {
                m.burn(1)?;
                if !seen.first(&item) {
                    continue;
                }
                m.set_local(each.local, item.clone())?;
                if Rec::RECORDS {
                    m.rec.binding(&item);
                }
                if fires(p, m, cov)? {
                    let at = match (&item, p.each_is_step) {
                        (Value::Step(s), true) => Some(*s),
                        _ => step,
                    };
                    hits.push(hit(Binding::of(Some(item)), at));
                }
            }
        }
    }
    Ok(())
}

/// The scalar values an `each` over a list has bound so far: a few kept inline, more in a
/// hash set, so that a list of a hundred thousand items is still walked in linear time.
#[derive(Default)]
struct Seen {
    few: Vec<(u8, i64)>,
    many: std::collections::HashSet<(u8, i64)>,
}

impl Seen {
    /// Whether `v` is bound for the first time (values that are not scalars always are).
    fn first(&mut self, v: &Value) -> bool {
        let Some(key) = crate::ir::scalar_key(v) else {
            return true;
        };
        if self.few.len() < 16 {
            if self.few.contains(&key) {
                return false;
            }
            self.few.push(key);
            return true;
        }
        !self.few.contains(&key) && self.many.insert(key)
    }
}

/// Whether rule program `p` fires for one `each` binding (`None`: a rule without `each`),
/// with the `when` evaluated unless `when_holds` (it is known to hold): what a repair
/// checks of the violation it removes, without the rule's other bindings. The binding
/// must still be in the collection.
pub(super) fn fires_for<'a>(
    p: &'a RuleProgram,
    m: &mut Machine<'a, NoEvidence>,
    binding: Option<&Value>,
    when_holds: bool,
) -> Result<bool, Stop> {
    if !when_holds {
        if let Some(w) = &p.when {
            if !m.fb(w)? {
                return Ok(false);
            }
        }
    }
    match (&p.each, binding) {
        (None, None) => {}
        (Some(each), Some(b)) => {
            let member = match (&each.coll, b) {
                (Coll::Items(crate::eval::program::V::Steps(mask)), Value::Step(s)) => m
                    .bound
                    .steps
                    .get(*s as usize)
                    .is_some_and(|st| mask.get(st.kind as usize).copied().unwrap_or(false)),
                (Coll::Set(s), Value::Atom(a)) => m.fs(s)?.contains(*a),
                (Coll::Set(_), _) => false,
                (Coll::Items(v), b) => {
                    let v = m.fv(v)?;
                    let items = Elements::of(v).map_err(|e| m.fail_with(e))?;
                    let mut found = false;
                    for x in items {
                        if crate::eval::values_equal(&x, b) {
                            found = true;
                            break;
                        }
                    }
                    found
                }
            };
            if !member {
                return Ok(false);
            }
            m.set_local(each.local, b.clone())?;
        }
        _ => return Ok(false),
    }
    fires(p, m, &mut NoCounts)
}

/// Whether the current binding is a violation: the condition says so and no `unless`
/// spares it.
#[inline(always)]
fn fires<'a, Rec: Recorder, C: Counter>(
    p: &'a RuleProgram,
    m: &mut Machine<'a, Rec>,
    cov: &mut C,
) -> Result<bool, Stop> {
    let holds = match &p.cond {
        None => true,
        Some(c) => m.fb(c)? == p.forbid,
    };
    if !holds || spared(p, m, cov)? {
        return Ok(false);
    }
    cov.fired(p.rule);
    Ok(true)
}

/// Whether an `unless` clause spares the current binding (counted for coverage).
#[inline(always)]
fn spared<'a, Rec: Recorder, C: Counter>(
    p: &'a RuleProgram,
    m: &mut Machine<'a, Rec>,
    cov: &mut C,
) -> Result<bool, Stop> {
    for (k, u) in p.unless.iter().enumerate() {
        if m.fb(u)? {
            cov.spared(p.rule, k);
            return Ok(true);
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::evidence::Trace;

    /// The set strategies of the hot path (quantifiers and `each` filters decided with set
    /// operations) against the item-by-item walk that a recording evaluator takes: the
    /// same findings, failures and remaining budget, at every budget up to what the
    /// example proposals need.
    #[test]
    fn set_strategies_agree_with_the_walk() {
        let engine = Engine::standard();
        let root = env!("CARGO_MANIFEST_DIR");
        let mut paths: Vec<_> = ["policies/examples", "policies/tests"]
            .iter()
            .flat_map(|d| std::fs::read_dir(format!("{root}/{d}")).unwrap())
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        let mut checked = 0;
        for path in paths {
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.to_string_lossy().to_string();
            let proposal = if name.ends_with(".json") {
                Proposal::from_json(&text)
            } else {
                Proposal::parse(&text)
            };
            let Ok(proposal) = proposal else { continue };
            let Ok(prepared) = engine.prepare(&proposal) else {
                continue;
            };
            for budget in (0..64).chain([u64::MAX]) {
                let opts = CheckOptions {
                    budget,
                    ..CheckOptions::default()
                };
                let (a, fa) = engine.evaluate_on(&prepared, &opts, &mut NoCounts, NoEvidence);
                let (b, fb) = engine.evaluate_on(&prepared, &opts, &mut NoCounts, Trace::default());
                assert_eq!(a.hits, b.hits, "{name}, budget {budget}");
                assert_eq!(fa, fb, "{name}, budget {budget}");
                let errs = |f: &Findings| -> Vec<_> {
                    f.failures
                        .iter()
                        .map(|x| (x.rule, x.step, x.app, x.error.clone()))
                        .collect()
                };
                assert_eq!(errs(&a), errs(&b), "{name}, budget {budget}");
                checked += 1;
            }
        }
        assert!(checked > 100, "{checked}");
    }
}
