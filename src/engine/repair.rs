//! Repairs: for one violation, the smallest edits to its step that make it go away without
//! a new error-severity violation.
//!
//! Nothing here knows a rule, a step kind or an entity. The candidates come from the
//! violated rule's compiled condition: the attributes of the step it reads (through its
//! `when`, its `each` collection, its condition and its exceptions, definitions expanded),
//! and the entities and sets it names (literals, and facts as they stand on the date the
//! step is judged at), and the violation's own binding. For a list attribute: remove one
//! element, add one, or add or remove at once the elements a set the rule names has or
//! lacks; for a boolean, flip it; for an enum or an entity, every other value of its type;
//! for an optional attribute, drop it.
//!
//! Each candidate is verified with the check's own program and evaluator: the edit is made
//! on the step's bound values in a copy of the bound proposal (as binding the edited text
//! would give them; debug builds, so every test, bind the edited text and check that it
//! gives the same values), and only what the edit can change is evaluated again: the
//! violated rule, for its own binding (it must no longer fire, nor fail); the rules on the
//! step that read an edited attribute; and the rules that read such an attribute of steps
//! of its kind elsewhere (`steps(...)`, `on proposal`). Error rules always; the others only
//! when the edit drops an attribute, the one edit that can make a read fail. A candidate
//! that adds an error-severity violation or a failure is refused.
//!
//! Ranking: fewest edits first; then edits that keep the step's purpose (changing who
//! takes part before flipping a flag, before changing an enum or dropping an attribute,
//! before changing where the step happens); then edits of the offender (the violation's
//! binding) first; then values the proposal already names; then a fixed order (the kind
//! of edit, the attribute's declaration, the value's), so that the order is stable.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::apply::NoCounts;
use super::{Binding, CheckOptions, Engine, Finding, Findings, Prepared};
use crate::bind::bind;
use crate::bitset::AtomSet;
use crate::eval::Bound;
use crate::eval::evidence::NoEvidence;
use crate::eval::run::Machine;
use crate::ir::*;
use crate::proposal::{Attr, Proposal, RawValue, Step};
use crate::report::{Fix, TextEdit, apply_edits};
use crate::source::{SourceFile, Span, Spanned};

/// Repairs kept per violation, at most ([`CheckOptions::fixes`]).
pub const MAX_FIXES: usize = 3;
/// Candidates verified per violation, at most (single edits, then pairs).
const MAX_TRIED: usize = 400;
/// Values of an enum or entity type considered for one attribute, at most.
const MAX_VALUES: usize = 64;
/// Of those, the best tried (by rank).
const MAX_MOVES: usize = 6;

/// One edit of a step's attribute, on the proposal's model.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Edit {
    /// Add these elements to a list attribute (creating it when absent).
    Add { attr: String, values: Vec<String> },
    /// Remove these elements from a list attribute.
    Remove { attr: String, values: Vec<String> },
    /// Remove an optional attribute.
    Drop { attr: String },
    /// Set a scalar attribute (creating it when absent).
    Set { attr: String, value: Scalar },
}

/// A scalar value written by an edit.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Scalar {
    Bool(bool),
    Name(String),
}

impl Scalar {
    fn text(&self, json: bool) -> String {
        match (self, json) {
            (Scalar::Bool(b), _) => b.to_string(),
            (Scalar::Name(n), false) => n.clone(),
            (Scalar::Name(n), true) => json_string(n),
        }
    }
}

impl Edit {
    fn attr(&self) -> &str {
        match self {
            Edit::Remove { attr, .. }
            | Edit::Add { attr, .. }
            | Edit::Set { attr, .. }
            | Edit::Drop { attr } => attr,
        }
    }

    fn describe(&self) -> String {
        let list = |values: &[String]| {
            let v: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
            match v.as_slice() {
                [] => String::new(),
                [one] => one.clone(),
                [init @ .., last] => format!("{} and {last}", init.join(", ")),
            }
        };
        match self {
            Edit::Remove { attr, values } => format!("remove {} from `{attr}`", list(values)),
            Edit::Add { attr, values } => format!("add {} to `{attr}`", list(values)),
            Edit::Set { attr, value } => format!("set `{attr}: {}`", value.text(false)),
            Edit::Drop { attr } => format!("remove `{attr}`"),
        }
    }
}

/// An edit as the search makes it: by slot and atom ids (no name is spelled out until a
/// candidate is kept). The order of the variants approximates that of the descriptions.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Op {
    Add { slot: u16, atoms: Atoms },
    Remove { slot: u16, atoms: Atoms },
    Drop { slot: u16 },
    SetBool { slot: u16, value: bool },
    SetAtom { slot: u16, atom: AtomId },
}

/// The atoms an edit adds or removes: most edits have one, held in place (a search makes
/// dozens of candidates per violation).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Atoms {
    One([AtomId; 1]),
    Many(Vec<AtomId>),
}

impl Atoms {
    fn as_slice(&self) -> &[AtomId] {
        match self {
            Atoms::One(a) => a,
            Atoms::Many(v) => v,
        }
    }
}

impl std::ops::Deref for Atoms {
    type Target = [AtomId];
    fn deref(&self) -> &[AtomId] {
        self.as_slice()
    }
}

impl From<Vec<AtomId>> for Atoms {
    fn from(v: Vec<AtomId>) -> Atoms {
        match v.as_slice() {
            [a] => Atoms::One([*a]),
            _ => Atoms::Many(v),
        }
    }
}

/// A candidate's edits: one, or two (on different attributes), in place.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Ops {
    One([Op; 1]),
    Two([Op; 2]),
}

impl Ops {
    fn as_slice(&self) -> &[Op] {
        match self {
            Ops::One(a) => a,
            Ops::Two(a) => a,
        }
    }
}

impl std::ops::Deref for Ops {
    type Target = [Op];
    fn deref(&self) -> &[Op] {
        self.as_slice()
    }
}

impl Op {
    fn slot(&self) -> u16 {
        match self {
            Op::Add { slot, .. }
            | Op::Remove { slot, .. }
            | Op::Drop { slot }
            | Op::SetBool { slot, .. }
            | Op::SetAtom { slot, .. } => *slot,
        }
    }

    /// Whether it adds or removes atom `a` (moving a step to the offender's territory
    /// does not count: that is not an edit of the offender).
    fn touches(&self, a: AtomId) -> bool {
        match self {
            Op::Add { atoms, .. } | Op::Remove { atoms, .. } => atoms.as_slice().contains(&a),
            _ => false,
        }
    }

    /// How many edits this counts as (one per element added or removed).
    fn size(&self) -> usize {
        match self {
            Op::Add { atoms, .. } | Op::Remove { atoms, .. } => atoms.as_slice().len().max(1),
            _ => 1,
        }
    }

    /// The edit, with names.
    fn edit(&self, lib: &Compiled, kind: &KindInfo) -> Option<Edit> {
        let attr = kind.fields.get(usize::from(self.slot()))?.name.clone();
        let names = |atoms: &Atoms| {
            atoms
                .as_slice()
                .iter()
                .map(|&a| lib.atom_name(a).to_string())
                .collect()
        };
        Some(match self {
            Op::Add { atoms, .. } => Edit::Add {
                attr,
                values: names(atoms),
            },
            Op::Remove { atoms, .. } => Edit::Remove {
                attr,
                values: names(atoms),
            },
            Op::Drop { .. } => Edit::Drop { attr },
            Op::SetBool { value, .. } => Edit::Set {
                attr,
                value: Scalar::Bool(*value),
            },
            Op::SetAtom { atom, .. } => Edit::Set {
                attr,
                value: Scalar::Name(lib.atom_name(*atom).to_string()),
            },
        })
    }
}

/// The edits of some ops, with names (`None` if one names no attribute of the kind).
fn edits_of(ops: &[Op], lib: &Compiled, kind: &KindInfo) -> Option<Vec<Edit>> {
    ops.iter().map(|o| o.edit(lib, kind)).collect()
}

/// The best values to move an attribute to (rank: purpose, not named in the proposal,
/// the value), by kind, slot and the value it has now.
type Moves = HashMap<(KindId, usize, Option<AtomId>), Vec<(u8, bool, AtomId)>>;

/// A candidate repair: its edits (on distinct attributes) and its rank.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Candidate {
    size: usize,
    purpose: u8,
    /// Whether it leaves the violation's binding (the offending state, say) alone: an edit
    /// of the offender comes before an edit of the others at equal cost.
    off_binding: bool,
    /// Whether it writes a value the proposal names nowhere: moving a base to a state the
    /// proposal already involves comes before moving it to any other.
    foreign: bool,
    ops: Ops,
}

impl Candidate {
    fn new(ops: Ops, purpose: u8) -> Candidate {
        Candidate {
            size: ops.as_slice().iter().map(Op::size).sum(),
            purpose,
            off_binding: true,
            foreign: false,
            ops,
        }
    }
}

/// What a list of edits does, in words.
fn description(edits: &[Edit]) -> String {
    edits
        .iter()
        .map(Edit::describe)
        .collect::<Vec<_>>()
        .join(", and ")
}

/// What a violation's repairs came to.
#[derive(Clone, Debug, PartialEq)]
pub enum Repairs {
    /// Verified repairs, best first.
    Found(Vec<Fix>),
    /// No edit of the step tried makes the violation go away without a new error.
    None(String),
}

/// The repairer of one prepared proposal: a copy of its bound form to edit, and what the
/// check found (to tell new violations from old ones).
pub(super) struct Repairer<'a> {
    engine: &'a Engine,
    prepared: &'a Prepared<'a>,
    opts: CheckOptions,
    work: Bound,
    /// The error-severity findings and the failed applications of the check, as (rule,
    /// step, binding), and (rule, step).
    errors: BTreeMap<(u32, Option<u32>), Vec<Binding>>,
    failed: BTreeSet<(u32, Option<u32>)>,
    /// Every name the proposal's attributes hold.
    in_proposal: AtomSet,
    /// What each rule names, by rule, kind and judged date, found once.
    named: HashMap<(u32, KindId, Option<crate::date::Date>), std::sync::Arc<Named>>,
    /// The best values to move an entity or enum attribute to, by kind, slot and the
    /// value it has now, ranked once.
    moves: Moves,
}

impl<'a> Repairer<'a> {
    pub(super) fn new(
        engine: &'a Engine,
        prepared: &'a Prepared<'a>,
        findings: &Findings,
    ) -> Repairer<'a> {
        let mut errors: BTreeMap<(u32, Option<u32>), Vec<Binding>> = BTreeMap::new();
        for h in findings.hits.iter().filter(|h| engine.is_error(h.rule)) {
            errors
                .entry((h.rule, h.step))
                .or_default()
                .push(h.binding.clone());
        }
        let failed = findings.failures.iter().map(|f| (f.rule, f.step)).collect();
        let mut in_proposal = AtomSet::new();
        let mut todo: Vec<&RawValue> = prepared
            .proposal
            .steps
            .iter()
            .flat_map(|s| s.attrs.iter().map(|a| &a.value.node))
            .collect();
        while let Some(v) = todo.pop() {
            match v {
                RawValue::Ident(n) | RawValue::Str(n) => {
                    if let Some(&a) = engine.lib.atom_index.get(n.as_str()) {
                        in_proposal.insert(a);
                    }
                }
                RawValue::List(items) => todo.extend(items.iter().map(|x| &x.node)),
                _ => {}
            }
        }
        Repairer {
            engine,
            prepared,
            opts: findings.opts.clone(),
            work: prepared.bound.clone(),
            errors,
            failed,
            in_proposal,
            named: HashMap::new(),
            moves: HashMap::new(),
        }
    }

    /// The repairs of one violation.
    pub(super) fn repairs(&mut self, h: &Finding) -> Repairs {
        let Some(step_ix) = h.step else {
            return Repairs::None(
                "no edit of a single step applies to a proposal-wide violation".into(),
            );
        };
        let p = self.prepared.proposal;
        let (Some(step), Some(bound)) = (
            p.steps.get(step_ix as usize),
            self.prepared.bound.steps.get(step_ix as usize),
        ) else {
            return Repairs::None("the step is not in the proposal".into());
        };
        let lib = &self.engine.lib;
        let Some(kind) = lib.kinds.get(bound.kind as usize) else {
            return Repairs::None("the step's kind is not in the library".into());
        };
        if kind.fields.iter().any(|f| refers_to_steps(&f.ty)) {
            return Repairs::None(format!(
                "`{}` steps refer to other steps, which repairs do not edit",
                kind.name
            ));
        }
        let Some(rule) = lib.rules.get(h.rule as usize) else {
            return Repairs::None("unknown rule".into());
        };
        let (found, tried) = self.search(h, step_ix, step, bound, kind, rule);
        if found.is_empty() {
            return Repairs::None(format!(
                "no edit of step `{}` short of removing it makes this violation go away without another error ({tried} tried)",
                step.id.node
            ));
        }
        let json = is_json(&p.source);
        Repairs::Found(
            found
                .into_iter()
                .filter_map(|c| {
                    let edits = edits_of(c.ops.as_slice(), lib, kind)?;
                    // An attribute a repair adds goes after the last one it keeps (not
                    // inside the line of one it drops).
                    let dropped: Vec<&str> = edits
                        .iter()
                        .filter_map(|e| match e {
                            Edit::Drop { attr } => Some(attr.as_str()),
                            _ => None,
                        })
                        .collect();
                    let kept = (!dropped.is_empty()).then(|| {
                        let mut v = step.clone();
                        v.attrs.retain(|a| !dropped.contains(&a.name.node.as_str()));
                        v
                    });
                    let fix = Fix {
                        description: description(&edits),
                        edits: edits
                            .iter()
                            .flat_map(|e| {
                                let at = match (e, &kept) {
                                    (Edit::Drop { .. }, _) | (_, None) => step,
                                    (_, Some(v)) => v,
                                };
                                text_edits(&p.source, at, e, json)
                            })
                            .collect(),
                    };
                    // Never offered if its edits overlap.
                    (!overlap(&fix.edits)).then_some(fix)
                })
                .collect(),
        )
    }

    /// The best verified candidates for a violation, and how many were tried.
    fn search(
        &mut self,
        h: &Finding,
        step_ix: u32,
        step: &Step,
        bound: &crate::eval::BoundStep,
        kind: &KindInfo,
        rule: &CRule,
    ) -> (Vec<Candidate>, usize) {
        let lib = &self.engine.lib;
        let judged = bound.date.or(Engine::as_of(self.prepared, &self.opts));
        // What the rule names depends on the date only through facts that change over time.
        let on = judged.filter(|_| self.engine.reads.timed(h.rule));
        let named = std::sync::Arc::clone(
            self.named
                .entry((h.rule, bound.kind, on))
                .or_insert_with(|| std::sync::Arc::new(Named::of(lib, rule, bound.kind, judged))),
        );
        let named = &*named;
        let offender_atom = match h.binding.value() {
            Some(Value::Atom(a)) => Some(a),
            _ => None,
        };
        let want = self.opts.fixes.min(MAX_FIXES);
        // Which attributes the step writes, by slot (an attribute left to its default is
        // written whole when edited).
        let given: Vec<bool> = kind
            .fields
            .iter()
            .map(|f| step.attrs.iter().any(|a| a.name.node == f.name))
            .collect();
        let mut found: Vec<Candidate> = Vec::new();
        let mut tried = 0usize;
        // The offender's own edits (adding or removing the violation's binding, one
        // element) rank before every other candidate: they are tried first, and when they
        // give enough repairs the others are never made.
        let first = match offender_atom {
            Some(o) => offender_edits(lib, kind, bound, step, named, o),
            None => Vec::new(),
        };
        for c in &first {
            if found.len() == want {
                break;
            }
            tried += 1;
            if self.verify(h, step_ix, (step, &given), c.ops.as_slice()) {
                found.push(c.clone());
            }
        }
        if found.len() == want {
            return (found, tried);
        }
        let mut singles = candidates(
            lib,
            (bound.kind, kind),
            bound,
            step,
            (named, offender_atom),
            &self.in_proposal,
            &mut self.moves,
        );
        let offender = match h.binding.value() {
            Some(Value::Atom(a)) => Some(a),
            _ => None,
        };
        for c in &mut singles {
            c.off_binding = !offender
                .as_ref()
                .is_some_and(|&o| c.ops.as_slice().iter().any(|e| e.touches(o)));
        }
        singles.sort_unstable();
        singles.dedup();
        for c in &singles {
            if found.len() == want || tried == MAX_TRIED {
                break;
            }
            if first.contains(c) {
                continue;
            }
            if found.iter().any(|f| covers(c, f)) {
                continue;
            }
            // One place to move the step to is enough: the others are the same advice.
            let moves = |x: &Candidate| match x.ops.as_slice() {
                [Op::SetAtom { slot, .. }] if x.purpose >= 3 => Some(*slot),
                _ => None,
            };
            if moves(c).is_some() && found.iter().any(|f| moves(f) == moves(c)) {
                continue;
            }
            tried += 1;
            if self.verify(h, step_ix, (step, &given), c.ops.as_slice()) {
                found.push(c.clone());
            }
        }
        if found.is_empty() {
            // Pairs of single edits on different attributes, best first.
            let ones: Vec<&Candidate> = singles
                .iter()
                .filter(|c| matches!(c.ops, Ops::One(_)))
                .collect();
            let mut pairs: Vec<Candidate> = Vec::new();
            for (i, a) in ones.iter().enumerate() {
                for b in ones.iter().skip(i + 1) {
                    let (Some(x), Some(y)) = (a.ops.as_slice().first(), b.ops.as_slice().first())
                    else {
                        continue;
                    };
                    if x.slot() != y.slot() {
                        let mut c = Candidate::new(
                            Ops::Two([x.clone(), y.clone()]),
                            a.purpose.max(b.purpose),
                        );
                        c.off_binding = a.off_binding && b.off_binding;
                        pairs.push(c);
                    }
                }
            }
            pairs.sort_unstable();
            for c in &pairs {
                if found.len() == want || tried == MAX_TRIED {
                    break;
                }
                if found.iter().any(|f| covers(c, f)) {
                    continue;
                }
                tried += 1;
                if self.verify(h, step_ix, (step, &given), c.ops.as_slice()) {
                    found.push(c.clone());
                }
            }
        }
        (found, tried)
    }

    /// Whether the edited step makes the violation go away, with no new error-severity
    /// violation and no new failure.
    fn verify(
        &mut self,
        h: &Finding,
        i: u32,
        (step, given): (&Step, &[bool]),
        edits: &[Op],
    ) -> bool {
        // The step edited in place, on its bound values in the working copy: no proposal
        // is built or bound again for a candidate, and only the edited slots change.
        let Some((olds, edited)) = self.edit_in_place(i, given, edits) else {
            return false;
        };
        if cfg!(debug_assertions) {
            if let Some(now) = self.work.steps.get(i as usize) {
                self.debug_same_as_bound(step, edits, now);
            }
        }
        let ok = self.verify_in_place(h, i, &edited);
        if let Some(b) = self.work.steps.get_mut(i as usize) {
            for (slot, v) in olds.into_iter().rev() {
                if let Some(x) = b.slots.get_mut(slot) {
                    *x = v;
                }
            }
        }
        ok
    }

    /// Debug builds (every test): binding the edited step as the file will say it gives
    /// the values the edit in place gave.
    fn debug_same_as_bound(&self, step: &Step, ops: &[Op], fast: &crate::eval::BoundStep) {
        let p = self.prepared.proposal;
        let json = is_json(&p.source);
        let lib = &self.engine.lib;
        let Some(kind) = lib.kinds.get(fast.kind as usize) else {
            return;
        };
        let Some(edits) = edits_of(ops, lib, kind) else {
            return;
        };
        let mut text_step = step.clone();
        if !edits.iter().all(|e| apply(&mut text_step, e, json)) {
            return;
        }
        let one = Proposal {
            source: p.source.clone(),
            id: p.id.clone(),
            title: None,
            date: p.date.clone(),
            steps: vec![text_step],
            span: p.span,
        };
        let base = u32::try_from(lib.strings.len()).unwrap_or(u32::MAX);
        let shown = |v: &Option<Value>, t: &crate::eval::StringTable| match v {
            Some(Value::Str(id)) if *id >= base => {
                format!("{:?}", t.get((*id - base) as usize))
            }
            other => format!("{other:?}"),
        };
        match bind(lib, &one) {
            Ok(b) => {
                let a: Vec<String> = b
                    .steps
                    .first()
                    .map(|s| s.slots.iter().map(|v| shown(v, &b.strings)).collect())
                    .unwrap_or_default();
                let f: Vec<String> = fast
                    .slots
                    .iter()
                    .map(|v| shown(v, &self.prepared.bound.strings))
                    .collect();
                debug_assert_eq!(a, f, "edits {edits:?}");
            }
            Err(e) => debug_assert!(false, "edits {edits:?} do not bind: {e:?}"),
        }
    }

    /// Makes the edits on step `i`'s bound values in the working copy, as binding the
    /// edited text would give them (attributes that default to an edited one and are not
    /// written follow it): the old values of the slots changed, in order, to put back,
    /// and the slots changed. `None`, changing nothing, when an edit does not apply.
    #[allow(clippy::type_complexity)]
    fn edit_in_place(
        &mut self,
        i: u32,
        given: &[bool],
        ops: &[Op],
    ) -> Option<(Vec<(usize, Option<Value>)>, Vec<u16>)> {
        let lib = &self.engine.lib;
        let b = self.work.steps.get(i as usize)?;
        let kind = lib.kinds.get(b.kind as usize)?;
        let given = |slot: usize| given.get(slot).copied().unwrap_or(false);
        // The new values, computed before anything changes.
        let mut changes: Vec<(usize, Option<Value>)> = Vec::new();
        let mut edited: Vec<u16> = Vec::new();
        for op in ops {
            let slot = usize::from(op.slot());
            edited.push(op.slot());
            let ty = &kind.fields.get(slot)?.ty;
            let fresh = !given(slot);
            let cur = match changes.iter().rev().find(|c| c.0 == slot) {
                Some(c) => c.1.as_ref(),
                None => b.slots.get(slot)?.as_ref(),
            };
            let new = match op {
                Op::Remove { atoms, .. } => match cur {
                    Some(Value::Set(set)) => {
                        let kept = set.difference(&AtomSet::from_ids(atoms.iter().copied()));
                        if kept.len() == set.len() {
                            return None;
                        }
                        Some(Value::Set(kept))
                    }
                    Some(Value::List(items)) => {
                        let kept: Vec<Value> = items
                            .iter()
                            .filter(|v| !matches!(v, Value::Atom(a) if atoms.contains(a)))
                            .cloned()
                            .collect();
                        if kept.len() == items.len() {
                            return None;
                        }
                        Some(Value::List(kept.into()))
                    }
                    _ => return None,
                },
                Op::Add { atoms, .. } => {
                    let ids = atoms.iter().copied();
                    match (ty, cur) {
                        (Ty::Set(_), Some(Value::Set(set))) if !fresh => {
                            Some(Value::Set(set.union(&AtomSet::from_ids(ids))))
                        }
                        (Ty::Set(_), _) => Some(Value::Set(AtomSet::from_ids(ids))),
                        (Ty::List(_), Some(Value::List(items))) if !fresh => {
                            let mut v = items.to_vec();
                            v.extend(ids.map(Value::Atom));
                            Some(Value::List(v.into()))
                        }
                        (Ty::List(_), _) => {
                            Some(Value::List(ids.map(Value::Atom).collect::<Vec<_>>().into()))
                        }
                        _ => return None,
                    }
                }
                Op::SetBool { value, .. } => Some(Value::Bool(*value)),
                Op::SetAtom { atom, .. } => Some(Value::Atom(*atom)),
                Op::Drop { .. } => None,
            };
            for (j, f) in kind.fields.iter().enumerate() {
                if matches!(f.default, Some(Default::Attr(from)) if usize::from(from) == slot)
                    && !given(j)
                {
                    changes.push((j, new.clone()));
                    edited.extend(u16::try_from(j).ok());
                }
            }
            changes.push((slot, new));
        }
        let b = self.work.steps.get_mut(i as usize)?;
        let mut olds = Vec::with_capacity(changes.len());
        for (slot, v) in changes {
            if let Some(x) = b.slots.get_mut(slot) {
                olds.push((slot, std::mem::replace(x, v)));
            }
        }
        Some((olds, edited))
    }

    /// Whether, with step `i` as it now is in the working copy (its slots `edited`
    /// changed), the violation is gone and no error-severity violation or failure is new.
    /// Only what the edit can change is evaluated again: the violated rule for its own
    /// binding, the rules on the step that read an edited slot, and the rules that read
    /// such a slot of steps of this kind elsewhere (any severity: a failure is an error).
    fn verify_in_place(&self, h: &Finding, i: u32, edited: &[u16]) -> bool {
        let engine = self.engine;
        let reads = &engine.reads;
        let Some(kind) = self.work.steps.get(i as usize).map(|s| s.kind) else {
            return false;
        };
        let mut m = Machine::new(
            &engine.lib,
            &self.work,
            Engine::as_of(self.prepared, &self.opts),
            self.opts.budget,
            engine.program.locals,
            NoEvidence,
        );
        // The violation: the rule no longer fires for its binding, and does not fail.
        let at_kind = h
            .applied
            .and_then(|j| self.work.steps.get(j as usize))
            .map(|s| s.kind);
        let Some(periods) = engine.program.find(at_kind, h.rule) else {
            return false;
        };
        match h.applied {
            Some(j) => m.enter_step(j),
            None => m.enter_proposal(Engine::judged(self.prepared, &self.opts)),
        }
        let Some(prog) = periods.at(m.judged) else {
            return false;
        };
        // Its `when` held; an edit of another step can change it only through `steps(...)`.
        let when_known = h.applied != Some(i) && !reads.when_reads(h.rule, kind);
        let binding = h.binding.value();
        match super::apply::fires_for(prog, &mut m, binding.as_ref(), when_known) {
            Ok(false) => {}
            _ => return false,
        }
        let mut out = Findings {
            hits: Vec::new(),
            failures: Vec::new(),
            opts: self.opts.clone(),
        };
        m.enter_step(i);
        let on_step = engine
            .program
            .by_kind
            .get(kind as usize)
            .map_or(&[][..], Vec::as_slice);
        // The rules that read an edited slot: the error ones, and the others that can fail
        // (a warning that fails to evaluate, reading an attribute an edit dropped or a guard
        // it made true now reaches, is an error of the report).
        let wanted =
            |r: u32| (engine.is_error(r) || reads.can_fail(r)) && reads.reads_any(r, kind, edited);
        for p in on_step {
            if wanted(p.rule) {
                engine.apply_periods(p, Some(i), 0, &mut m, &mut out, &mut NoCounts);
            }
        }
        for &r in reads.readers(kind) {
            if wanted(r) {
                self.rerun_everywhere(r, i, &mut m, &mut out);
            }
        }
        let target = (h.rule, h.step, &h.binding);
        !out.hits.iter().any(|x| {
            (x.rule, x.step, &x.binding) == target || engine.is_error(x.rule) && !self.was_error(x)
        }) && out
            .failures
            .iter()
            .all(|f| self.failed.contains(&(f.rule, f.step)))
    }

    /// Whether the check found this error-severity violation already.
    fn was_error(&self, x: &Finding) -> bool {
        self.errors
            .get(&(x.rule, x.step))
            .is_some_and(|bs| bs.contains(&x.binding))
    }

    /// Runs rule `r`'s application on step `at` (or the proposal's).
    fn rerun<'b>(
        &'b self,
        r: u32,
        at: Option<u32>,
        m: &mut Machine<'b, NoEvidence>,
        out: &mut Findings,
    ) {
        let engine = self.engine;
        match at {
            Some(j) => {
                let Some(kind) = self.work.steps.get(j as usize).map(|s| s.kind) else {
                    return;
                };
                if let Some(p) = engine.program.find(Some(kind), r) {
                    m.enter_step(j);
                    engine.apply_periods(p, Some(j), 0, m, out, &mut NoCounts);
                }
            }
            None => {
                if let Some(p) = engine.program.find(None, r) {
                    m.enter_proposal(Engine::judged(self.prepared, &self.opts));
                    engine.apply_periods(p, None, 0, m, out, &mut NoCounts);
                }
            }
        }
    }

    /// Runs every application of rule `r` but the one on step `skip` (already run).
    fn rerun_everywhere<'b>(
        &'b self,
        r: u32,
        skip: u32,
        m: &mut Machine<'b, NoEvidence>,
        out: &mut Findings,
    ) {
        let Some(rule) = self.engine.lib.rules.get(r as usize) else {
            return;
        };
        if rule.proposal_scope {
            self.rerun(r, None, m, out);
            return;
        }
        for (j, s) in self.work.steps.iter().enumerate() {
            let j = u32::try_from(j).unwrap_or(u32::MAX);
            if j != skip && rule.kinds.contains(&s.kind) {
                self.rerun(r, Some(j), m, out);
            }
        }
    }
}

/// What each rule reads, for repairs: by rule, the slots of step attributes it reads
/// (by kind) and the kinds its `when` reads through `steps(...)`; by kind, the rules
/// that read steps of that kind other than the one they are applied to (through
/// `steps(...)`, or as `on proposal` rules). Computed once, when the engine is built.
#[derive(Debug, Default)]
pub(super) struct Reads {
    slots: Vec<Vec<(KindId, u16)>>,
    /// By rule: the kinds its `when` reads through `steps(...)`.
    when_kinds: Vec<Vec<bool>>,
    /// By rule: whether it reads an attribute that can be absent (an optional step
    /// attribute, an optional entity attribute), so that some step can make it fail.
    can_fail: Vec<bool>,
    /// By rule: whether it reads facts that change over time.
    timed: Vec<bool>,
    readers: Vec<Vec<u32>>,
}

impl Reads {
    pub(super) fn of(lib: &Compiled) -> Reads {
        let n = lib.kinds.len();
        let mut r = Reads {
            readers: vec![Vec::new(); n],
            ..Reads::default()
        };
        for (i, rule) in lib.rules.iter().enumerate() {
            let Ok(id) = u32::try_from(i) else { continue };
            let mut slots = BTreeSet::new();
            let mut kinds = vec![rule.proposal_scope; n];
            let mut can_fail = false;
            let mut timed = false;
            let optional_entity_attr = |attr: AttrId| {
                lib.attr_names.get(attr as usize).is_none_or(|name| {
                    lib.types
                        .iter()
                        .flat_map(|t| &t.fields)
                        .any(|f| &f.name == name && f.optional)
                })
            };
            let mut walk = |roots: &mut Vec<&CExpr>, kinds: &mut Vec<bool>| {
                while let Some(e) = roots.pop() {
                    match e {
                        CExpr::EntityAttr { attr, .. } if optional_entity_attr(*attr) => {
                            can_fail = true;
                        }
                        CExpr::TimedFact { .. } => timed = true,
                        CExpr::Steps(mask) => {
                            for (k, on) in kinds.iter_mut().zip(mask.iter()) {
                                *k |= *on;
                            }
                        }
                        CExpr::StepAttr { slots: by_kind, .. }
                        | CExpr::StepHas { slots: by_kind, .. } => {
                            let attr = matches!(e, CExpr::StepAttr { .. });
                            for (k, &s) in by_kind.iter().enumerate() {
                                if let (Ok(k), true) = (KindId::try_from(k), s != u16::MAX) {
                                    slots.insert((k, s));
                                    let fields = lib.kinds.get(k as usize).map(|k| &k.fields);
                                    let field = |i: usize| fields.and_then(|f| f.get(i));
                                    let optional = field(usize::from(s)).is_none_or(|f| {
                                        f.optional
                                            || matches!(f.default, Some(Default::Attr(from))
                                                if field(usize::from(from)).is_none_or(|g| g.optional))
                                    });
                                    can_fail |= attr && optional;
                                }
                            }
                        }
                        _ => {}
                    }
                    children(e, roots);
                }
            };
            let mut when_kinds = vec![false; n];
            walk(&mut rule.when.iter().collect(), &mut when_kinds);
            let mut rest: Vec<&CExpr> = rule.each.iter().map(|(_, e)| e).collect();
            rest.extend(rule.cond.iter());
            rest.extend(rule.unless.iter());
            walk(&mut rest, &mut kinds);
            for (k, w) in kinds.iter_mut().zip(&when_kinds) {
                *k |= *w;
            }
            for (list, on) in r.readers.iter_mut().zip(&kinds) {
                if *on {
                    list.push(id);
                }
            }
            r.slots.push(slots.into_iter().collect());
            r.when_kinds.push(when_kinds);
            r.can_fail.push(can_fail);
            r.timed.push(timed);
        }
        r
    }

    /// Whether rule `r` reads one of these slots of a step of kind `k`.
    fn reads_any(&self, r: u32, k: KindId, edited: &[u16]) -> bool {
        self.slots.get(r as usize).is_none_or(|s| {
            s.iter()
                .any(|&(kind, slot)| kind == k && edited.contains(&slot))
        })
    }

    /// Whether rule `r` reads facts that change over time.
    fn timed(&self, r: u32) -> bool {
        self.timed.get(r as usize).copied().unwrap_or(true)
    }

    /// Whether rule `r` reads an attribute that can be absent.
    fn can_fail(&self, r: u32) -> bool {
        self.can_fail.get(r as usize).copied().unwrap_or(true)
    }

    /// Whether rule `r`'s `when` reads steps of kind `k` (through `steps(...)`).
    fn when_reads(&self, r: u32, k: KindId) -> bool {
        self.when_kinds
            .get(r as usize)
            .is_none_or(|w| w.get(k as usize).copied().unwrap_or(true))
    }

    /// The rules that read steps of kind `k` other than their own.
    fn readers(&self, k: KindId) -> &[u32] {
        self.readers.get(k as usize).map_or(&[], Vec::as_slice)
    }
}

fn refers_to_steps(ty: &Ty) -> bool {
    match ty {
        Ty::Step(_) => true,
        Ty::Set(t) | Ty::List(t) => refers_to_steps(t),
        _ => false,
    }
}

/// Whether candidate `c` does everything `f` does and more (a repair that is already
/// found, with more edits, is not offered again).
fn covers(c: &Candidate, f: &Candidate) -> bool {
    f.ops.iter().all(|e| {
        c.ops.iter().any(|x| {
            x == e
                || match (x, e) {
                    (Op::Remove { slot: a, atoms: v }, Op::Remove { slot: b, atoms: w })
                    | (Op::Add { slot: a, atoms: v }, Op::Add { slot: b, atoms: w }) => {
                        a == b && w.iter().all(|x| v.contains(x))
                    }
                    _ => false,
                }
        })
    })
}

/// What the violated rule names: the step attributes it reads (slots of the step's kind),
/// the atoms it names, and the sets of atoms it names.
struct Named {
    slots: BTreeSet<usize>,
    atoms: BTreeSet<AtomId>,
    sets: Vec<Vec<AtomId>>,
}

impl Named {
    fn of(lib: &Compiled, rule: &CRule, kind: KindId, judged: Option<crate::date::Date>) -> Named {
        let mut n = Named {
            slots: BTreeSet::new(),
            atoms: BTreeSet::new(),
            sets: Vec::new(),
        };
        let mut todo = rule.conditions();
        while let Some(e) = todo.pop() {
            match e {
                CExpr::StepAttr { slots, .. } | CExpr::StepHas { slots, .. } => {
                    if let Some(&s) = slots.get(kind as usize) {
                        if s != u16::MAX {
                            n.slots.insert(usize::from(s));
                        }
                    }
                }
                CExpr::Const(v) | CExpr::Folded { value: v, .. } => n.value(v),
                CExpr::Fact { value, entity, .. } => {
                    n.atoms.insert(*entity);
                    n.value(value);
                }
                CExpr::TimedFact { entity, attr, .. } => {
                    n.atoms.insert(*entity);
                    if let Ok(Some(v)) = crate::eval::fact_on(lib, *entity, *attr, judged) {
                        n.value(v);
                    }
                }
                _ => {}
            }
            children(e, &mut todo);
        }
        n
    }

    fn value(&mut self, v: &Value) {
        match v {
            Value::Atom(a) => {
                self.atoms.insert(*a);
            }
            Value::Set(s) => {
                let items: Vec<AtomId> = s.iter().collect();
                self.atoms.extend(items.iter().copied());
                if !items.is_empty() && !self.sets.contains(&items) {
                    self.sets.push(items);
                }
            }
            Value::List(items) => {
                for x in items.iter() {
                    self.value(x);
                }
            }
            _ => {}
        }
    }
}

/// Whether atom `a` is a value of type `ty` (an entity of its types, a variant of its
/// enum).
fn fits(lib: &Compiled, a: AtomId, ty: &Ty) -> bool {
    match (lib.atoms.get(a as usize).map(|x| &x.kind), ty) {
        (Some(AtomKind::Entity(t)), Ty::Entity(types)) => types.contains(t),
        (Some(AtomKind::Variant(e)), Ty::Enum(want)) => e == want,
        _ => false,
    }
}

/// Every value of an entity or enum type, in declaration order.
fn values_of(lib: &Compiled, ty: &Ty) -> Vec<AtomId> {
    (0..lib.atoms.len())
        .filter_map(|a| AtomId::try_from(a).ok())
        .filter(|&a| fits(lib, a, ty))
        .take(MAX_VALUES)
        .collect()
}

/// Whether two edits overlap: `apply_edits` would refuse them.
fn overlap(edits: &[TextEdit]) -> bool {
    let mut spans: Vec<(u32, u32)> = edits.iter().map(|e| (e.start, e.end)).collect();
    spans.sort_unstable();
    spans.windows(2).any(|w| matches!(w, [a, b] if b.0 < a.1))
}

/// The atoms a list or set attribute holds.
fn held(current: Option<&Value>) -> Vec<AtomId> {
    match current {
        Some(Value::Set(s)) => s.iter().collect(),
        Some(Value::List(items)) => items
            .iter()
            .filter_map(|v| match v {
                Value::Atom(a) => Some(*a),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The candidates that add or remove the offender `o` (one element, in a list or set
/// attribute the rule reads), in rank order: exactly the first candidates of
/// [`candidates`], sorted.
fn offender_edits(
    lib: &Compiled,
    kind: &KindInfo,
    bound: &crate::eval::BoundStep,
    step: &Step,
    named: &Named,
    o: AtomId,
) -> Vec<Candidate> {
    let mut out = Vec::new();
    for &index in &named.slots {
        let (Some(f), Ok(slot)) = (kind.fields.get(index), u16::try_from(index)) else {
            continue;
        };
        let (Ty::Set(t) | Ty::List(t)) = &f.ty else {
            continue;
        };
        if !matches!(**t, Ty::Entity(_) | Ty::Enum(_)) {
            continue;
        }
        let has = held(bound.slots.get(index).and_then(Option::as_ref)).contains(&o);
        let given = step.attrs.iter().any(|a| a.name.node == f.name);
        let atoms = Atoms::One([o]);
        let op = match (has, given) {
            (true, true) => Op::Remove { slot, atoms },
            (false, _) if fits(lib, o, t) => Op::Add { slot, atoms },
            _ => continue,
        };
        let mut c = Candidate::new(Ops::One([op]), 0);
        c.off_binding = false;
        out.push(c);
    }
    out.sort_unstable();
    out
}

/// The single-step candidates for the attributes the rule reads.
fn candidates(
    lib: &Compiled,
    (kind_id, kind): (KindId, &KindInfo),
    bound: &crate::eval::BoundStep,
    step: &Step,
    (named, binding): (&Named, Option<AtomId>),
    in_proposal: &AtomSet,
    moves: &mut Moves,
) -> Vec<Candidate> {
    let mut out = Vec::new();
    for &index in &named.slots {
        let (Some(f), Ok(slot)) = (kind.fields.get(index), u16::try_from(index)) else {
            continue;
        };
        let given = step.attrs.iter().any(|a| a.name.node == f.name);
        let current = bound.slots.get(index).and_then(Option::as_ref);
        match &f.ty {
            Ty::Set(t) | Ty::List(t) if matches!(**t, Ty::Entity(_) | Ty::Enum(_)) => {
                let have = held(current);
                // What is written (an attribute left to its default is written whole
                // when edited), each once.
                let mut written: Vec<AtomId> = Vec::new();
                if given {
                    for &a in &have {
                        if !written.contains(&a) {
                            written.push(a);
                        }
                    }
                }
                let one = |a: AtomId, add: bool| {
                    let atoms = Atoms::One([a]);
                    Candidate::new(
                        Ops::One([if add {
                            Op::Add { slot, atoms }
                        } else {
                            Op::Remove { slot, atoms }
                        }]),
                        0,
                    )
                };
                out.extend(written.iter().map(|&a| one(a, false)));
                let extra = binding.filter(|b| !named.atoms.contains(b));
                for a in named.atoms.iter().copied().chain(extra) {
                    if fits(lib, a, t) && !have.contains(&a) {
                        out.push(one(a, true));
                    }
                }
                for set in &named.sets {
                    let set: Vec<AtomId> =
                        set.iter().copied().filter(|&a| fits(lib, a, t)).collect();
                    let missing: Vec<AtomId> =
                        set.iter().copied().filter(|a| !have.contains(a)).collect();
                    let inside: Vec<AtomId> = written
                        .iter()
                        .copied()
                        .filter(|a| set.contains(a))
                        .collect();
                    let outside: Vec<AtomId> = written
                        .iter()
                        .copied()
                        .filter(|a| !set.contains(a))
                        .collect();
                    for (atoms, add) in [(missing, true), (inside, false), (outside, false)] {
                        if atoms.len() < 2 {
                            continue;
                        }
                        let atoms = Atoms::from(atoms);
                        let op = if add {
                            Op::Add { slot, atoms }
                        } else {
                            Op::Remove { slot, atoms }
                        };
                        out.push(Candidate::new(Ops::One([op]), 0));
                    }
                }
            }
            Ty::Bool => {
                let now = matches!(current, Some(Value::Bool(true)));
                out.push(Candidate::new(
                    Ops::One([Op::SetBool { slot, value: !now }]),
                    1,
                ));
            }
            Ty::Enum(_) | Ty::Entity(_) => {
                // Another value of the same entity type first (another sea for a sea),
                // then the rest; the best few by rank (each is the same advice, to change
                // this one value).
                let type_of = |a: AtomId| lib.atoms.get(a as usize).map(|x| x.kind);
                let now = match current {
                    Some(Value::Atom(c)) => Some(*c),
                    _ => None,
                };
                let same = now.and_then(type_of);
                // They depend on the value alone: ranked once per proposal.
                let ranked = moves.entry((kind_id, index, now)).or_insert_with(|| {
                    let mut ranked: Vec<(u8, bool, AtomId)> = values_of(lib, &f.ty)
                        .into_iter()
                        .filter(|&a| now != Some(a))
                        .map(|a| {
                            let purpose = match f.ty {
                                Ty::Enum(_) => 2,
                                _ if same.is_some() && type_of(a) == same => 3,
                                _ => 4,
                            };
                            (purpose, !in_proposal.contains(a), a)
                        })
                        .collect();
                    ranked.sort_unstable();
                    ranked.truncate(MAX_MOVES);
                    ranked
                });
                for &(purpose, foreign, atom) in ranked.iter() {
                    let mut c = Candidate::new(Ops::One([Op::SetAtom { slot, atom }]), purpose);
                    c.foreign = foreign;
                    out.push(c);
                }
            }
            _ => {}
        }
        if given && f.optional {
            out.push(Candidate::new(Ops::One([Op::Drop { slot }]), 2));
        }
    }
    out
}

/// Applies an edit to a step's model; `false` when it does not apply.
fn apply(step: &mut Step, e: &Edit, json: bool) -> bool {
    let at = step.attrs.iter().position(|a| a.name.node == e.attr());
    let name_value = |v: &str| {
        if json {
            RawValue::Str(v.to_string())
        } else {
            RawValue::Ident(v.to_string())
        }
    };
    match (e, at) {
        (Edit::Remove { values, .. }, Some(i)) => {
            let Some(RawValue::List(items)) = step.attrs.get_mut(i).map(|a| &mut a.value.node)
            else {
                return false;
            };
            let before = items.len();
            items.retain(
                |x| !matches!(&x.node, RawValue::Ident(s) | RawValue::Str(s) if values.contains(s)),
            );
            items.len() < before
        }
        (Edit::Add { values, .. }, Some(i)) => {
            let Some(RawValue::List(items)) = step.attrs.get_mut(i).map(|a| &mut a.value.node)
            else {
                return false;
            };
            items.extend(
                values
                    .iter()
                    .map(|v| Spanned::new(name_value(v), Span::default())),
            );
            true
        }
        (Edit::Add { attr, values }, None) => {
            let items = values
                .iter()
                .map(|v| Spanned::new(name_value(v), Span::default()))
                .collect();
            step.attrs.push(new_attr(attr, RawValue::List(items)));
            true
        }
        (Edit::Set { value, .. }, Some(i)) => match step.attrs.get_mut(i) {
            Some(a) => {
                a.value.node = scalar_value(value, json);
                true
            }
            None => false,
        },
        (Edit::Set { attr, value }, None) => {
            step.attrs.push(new_attr(attr, scalar_value(value, json)));
            true
        }
        (Edit::Drop { .. }, Some(i)) => {
            step.attrs.remove(i);
            true
        }
        _ => false,
    }
}

fn scalar_value(v: &Scalar, json: bool) -> RawValue {
    match (v, json) {
        (Scalar::Bool(b), _) => RawValue::Bool(*b),
        (Scalar::Name(n), false) => RawValue::Ident(n.clone()),
        (Scalar::Name(n), true) => RawValue::Str(n.clone()),
    }
}

fn new_attr(name: &str, value: RawValue) -> Attr {
    Attr {
        name: Spanned::new(name.to_string(), Span::default()),
        value: Spanned::new(value, Span::default()),
    }
}

fn is_json(source: &SourceFile) -> bool {
    source
        .text()
        .trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n'])
        .starts_with('{')
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// The text edits of one model edit, in the file's own form (text or JSON), touching
/// nothing else: the element and its separator, the value, or the attribute's line.
fn text_edits(src: &SourceFile, step: &Step, e: &Edit, json: bool) -> Vec<TextEdit> {
    let text = src.text();
    let attr = step.attrs.iter().find(|a| a.name.node == e.attr());
    let name_text = |v: &str| {
        if json { json_string(v) } else { v.to_string() }
    };
    let mut spans: Vec<(u32, u32, String)> = Vec::new();
    match (e, attr) {
        (Edit::Remove { values, .. }, Some(a)) => {
            if let RawValue::List(items) = &a.value.node {
                let keep: Vec<bool> = items
                    .iter()
                    .map(|x| !matches!(&x.node, RawValue::Ident(s) | RawValue::Str(s) if values.contains(s)))
                    .collect();
                spans.extend(remove_items(text, items, &keep));
            }
        }
        (Edit::Add { values, .. }, Some(a)) => {
            let added: Vec<String> = values.iter().map(|v| name_text(v)).collect();
            if let RawValue::List(items) = &a.value.node {
                match items.last() {
                    Some(last) => spans.push((
                        last.span.end,
                        last.span.end,
                        format!(", {}", added.join(", ")),
                    )),
                    None => {
                        // `[]`: inside the brackets.
                        let open = a.value.span.start + 1;
                        spans.push((open, open, added.join(", ")));
                    }
                }
            }
        }
        (Edit::Add { attr, values }, None) => {
            let list = format!(
                "[{}]",
                values
                    .iter()
                    .map(|v| name_text(v))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            spans.push(insert_attr(text, step, attr, &list, json));
        }
        (Edit::Set { value, .. }, Some(a)) => {
            spans.push((a.value.span.start, a.value.span.end, value.text(json)));
        }
        (Edit::Set { attr, value }, None) => {
            spans.push(insert_attr(text, step, attr, &value.text(json), json));
        }
        (Edit::Drop { .. }, Some(a)) => spans.push(drop_attr(text, step, a, json)),
        _ => {}
    }
    spans
        .into_iter()
        .map(|(start, end, replacement)| {
            let (s, t) = (src.line_col(start), src.line_col(end));
            TextEdit {
                file: src.name().to_string(),
                start,
                end,
                line: s.line,
                column: s.column,
                end_line: t.line,
                end_column: t.column,
                replacement,
            }
        })
        .collect()
}

/// The byte ranges that remove the items not kept, with their separators: an item and
/// the separator after it, or (the last item kept before it) the separator before it.
/// Where that would take a comment with it (`// ...` between the items of a list written
/// over several lines), only each item and the comma next to it go.
fn remove_items(text: &str, items: &[Spanned<RawValue>], keep: &[bool]) -> Vec<(u32, u32, String)> {
    let mut out = Vec::new();
    let n = items.len();
    let mut i = 0;
    while i < n {
        if keep.get(i).copied().unwrap_or(true) {
            i += 1;
            continue;
        }
        // A run of removed items i..j.
        let mut j = i;
        while j < n && !keep.get(j).copied().unwrap_or(true) {
            j += 1;
        }
        let (Some(first), Some(last)) = (items.get(i), items.get(j - 1)) else {
            break;
        };
        let range = match (items.get(j), i.checked_sub(1).and_then(|k| items.get(k))) {
            // Up to the next kept item.
            (Some(next), _) => (first.span.start, next.span.start),
            // The last ones: from the end of the kept item before.
            (None, Some(prev)) => (prev.span.end, last.span.end),
            (None, None) => (first.span.start, last.span.end),
        };
        let cut = text.get(range.0 as usize..range.1 as usize).unwrap_or("");
        if !cut.contains("//") {
            out.push((range.0, range.1, String::new()));
        } else {
            for item in items.get(i..j).unwrap_or_default() {
                let covered = out.last().map_or(0, |e: &(u32, u32, String)| e.1);
                match comma_after(text, item.span.end) {
                    Some(end) => out.push((item.span.start, end, String::new())),
                    None => {
                        if let Some(c) = comma_before(text, item.span.start) {
                            if c >= covered {
                                out.push((c, c + 1, String::new()));
                            }
                        }
                        out.push((item.span.start, item.span.end, String::new()));
                    }
                }
            }
        }
        i = j;
    }
    out
}

/// The end of the comma right after `at` (spaces or tabs between), if there is one.
fn comma_after(text: &str, at: u32) -> Option<u32> {
    let rest = text.get(at as usize..)?;
    let skipped = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    rest.get(skipped..)?
        .starts_with(',')
        .then(|| at + u32::try_from(skipped).unwrap_or(0) + 1)
}

/// Where the comma right before `at` is (spaces or tabs between), if there is one.
fn comma_before(text: &str, at: u32) -> Option<u32> {
    let head = text.get(..at as usize)?.trim_end_matches([' ', '\t']);
    head.ends_with(',')
        .then(|| u32::try_from(head.len() - 1).unwrap_or(0))
}

/// Where a new attribute goes: a line of its own after the step's last attribute (or
/// after its opening brace), indented like the others.
fn insert_attr(text: &str, step: &Step, name: &str, value: &str, json: bool) -> (u32, u32, String) {
    let last = step.attrs.iter().map(|a| a.value.span.end).max();
    let (at, indent) = match last {
        Some(end) => (
            end,
            indent_of(text, step.attrs.last().map_or(end, |a| a.name.span.start)),
        ),
        None => {
            // After the step's `{`, or (JSON) after its `"kind"` member.
            let anchor = if json {
                step.kind.span.end
            } else {
                brace_after(text, step.kind.span.end)
            };
            (anchor, format!("{}  ", indent_of(text, step.span.start)))
        }
    };
    let one_line = !text
        .get(step.span.start as usize..step.span.end as usize)
        .is_some_and(|t| t.contains('\n'));
    let line = if json && one_line {
        format!(", {}: {value}", json_string(name))
    } else if json {
        format!(",\n{indent}{}: {value}", json_string(name))
    } else {
        format!("\n{indent}{name}: {value}")
    };
    (at, at, line)
}

/// The removal of an attribute: its whole line when it is alone on it, else its text (and,
/// in JSON, one comma next to it).
fn drop_attr(text: &str, step: &Step, a: &Attr, json: bool) -> (u32, u32, String) {
    let (start, end) = (a.name.span.start as usize, a.value.span.end as usize);
    let bytes = text.as_bytes();
    let line_start = text
        .get(..start)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let before_blank = text
        .get(line_start..start)
        .is_some_and(|t| t.trim().is_empty());
    let mut after = end;
    if json {
        // The comma after it, else the one before it.
        let rest = text.get(end..).unwrap_or("");
        let trimmed = rest.trim_start();
        if trimmed.starts_with(',') {
            after = end + (rest.len() - trimmed.len()) + 1;
        } else {
            let head = text.get(..start).unwrap_or("");
            if let Some(comma) = head.trim_end().strip_suffix(',').map(str::len) {
                return (comma as u32, end as u32, String::new());
            }
        }
    }
    let line_end = text
        .get(after..)
        .and_then(|t| t.find('\n'))
        .map(|i| after + i);
    let after_blank = line_end
        .and_then(|e| text.get(after..e))
        .is_some_and(|t| t.trim().is_empty() || t.trim_start().starts_with("//"));
    let _ = (bytes, step);
    match line_end {
        Some(e)
            if before_blank
                && after_blank
                && !text.get(after..e).is_some_and(|t| t.contains("//")) =>
        {
            (line_start as u32, (e + 1) as u32, String::new())
        }
        _ => (start as u32, after as u32, String::new()),
    }
}

fn indent_of(text: &str, at: u32) -> String {
    let at = at as usize;
    let line_start = text
        .get(..at)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    text.get(line_start..at)
        .unwrap_or("")
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

fn brace_after(text: &str, from: u32) -> u32 {
    let from = from as usize;
    text.get(from..)
        .and_then(|t| t.find('{'))
        .map_or(from, |i| from + i + 1) as u32
}

/// Puts a violation's repairs on it: `fixes`, and for people the best one as a
/// suggestion under the diagnostic (the lines it changes, before and after), or why there
/// is none.
pub(super) fn with_repairs(v: &mut crate::report::Violation, p: &Proposal, repairs: Repairs) {
    match repairs {
        Repairs::Found(fixes) => {
            if let Some(best) = fixes.first() {
                v.diagnostic.notes.push(suggestion(p.source.text(), best));
            }
            v.fixes = Some(fixes);
        }
        Repairs::None(why) => {
            v.diagnostic.notes.push(format!("no repair found: {why}"));
            v.fixes = Some(Vec::new());
        }
    }
}

/// "fix: DESCRIPTION" and the changed lines, `-` before and `+` after, with line numbers.
fn suggestion(text: &str, fix: &Fix) -> String {
    let mut out = format!("fix: {}", fix.description);
    // The lines the edits touch, and the same lines edited (not the whole file: a report
    // of many violations would copy it for each).
    let (Some(start), Some(end)) = (
        fix.edits.iter().map(|e| e.start).min(),
        fix.edits.iter().map(|e| e.end).max(),
    ) else {
        return out;
    };
    let first_line = fix.edits.iter().map(|e| e.line).min().unwrap_or(1);
    let from = text
        .get(..start as usize)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let to = text
        .get(end as usize..)
        .and_then(|t| t.find('\n'))
        .map_or(text.len(), |i| end as usize + i);
    let Some(before) = text.get(from..to) else {
        return out;
    };
    let base = u32::try_from(from).unwrap_or(u32::MAX);
    let local: Vec<TextEdit> = fix
        .edits
        .iter()
        .map(|e| TextEdit {
            start: e.start - base,
            end: e.end - base,
            ..e.clone()
        })
        .collect();
    let Some(after) = apply_edits(before, &local) else {
        return out;
    };
    // Only the lines that change: a line an insertion leaves as it was is not repeated.
    let (old, new): (Vec<&str>, Vec<&str>) = (before.lines().collect(), after.lines().collect());
    let same_head = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let same_tail = old
        .iter()
        .rev()
        .zip(new.iter().rev())
        .take_while(|(a, b)| a == b)
        .count()
        .min(old.len().min(new.len()) - same_head);
    let line = first_line as usize + same_head;
    let shown = (old.len() - same_tail - same_head).max(new.len() - same_tail - same_head);
    let width = (line + shown.saturating_sub(1)).to_string().len();
    for (k, l) in old
        .iter()
        .take(old.len() - same_tail)
        .skip(same_head)
        .enumerate()
    {
        out.push_str(&format!("\n{:>width$} - {l}", line + k));
    }
    for (k, l) in new
        .iter()
        .take(new.len() - same_tail)
        .skip(same_head)
        .enumerate()
    {
        out.push_str(&format!("\n{:>width$} + {l}", line + k));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(text: &str) -> Vec<Spanned<RawValue>> {
        // `[a, b, c]` at offset 0: items at their offsets.
        let mut out = Vec::new();
        let mut start = None;
        for (i, c) in text.char_indices() {
            match (c.is_alphanumeric() || c == '_', start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    out.push(Spanned::new(
                        RawValue::Ident(text[s..i].to_string()),
                        Span::new(s, i),
                    ));
                    start = None;
                }
                _ => {}
            }
        }
        out
    }

    fn removed(text: &str, keep: &[bool]) -> String {
        let mut t = text.to_string();
        let mut cuts = remove_items(text, &items(text), keep);
        cuts.reverse();
        for (s, e, r) in cuts {
            t.replace_range(s as usize..e as usize, &r);
        }
        t
    }

    #[test]
    fn removing_items_keeps_the_separators_right() {
        assert_eq!(removed("[a, b, c]", &[true, false, true]), "[a, c]");
        assert_eq!(removed("[a, b, c]", &[false, true, true]), "[b, c]");
        assert_eq!(removed("[a, b, c]", &[true, true, false]), "[a, b]");
        assert_eq!(removed("[a, b, c]", &[true, false, false]), "[a]");
        assert_eq!(removed("[a, b, c]", &[false, true, false]), "[b]");
        assert_eq!(removed("[a, b, c]", &[false, false, false]), "[]");
        assert_eq!(removed("[a]", &[false]), "[]");
    }

    #[test]
    fn removing_items_keeps_the_comments_between_them() {
        let list = "[\n  a, // the host\n  // a note, with a, b\n  b,c ,\n]";
        let at = |needle: &str| list.find(needle).unwrap();
        let item = |start: usize| {
            Spanned::new(
                RawValue::Ident(list[start..start + 1].to_string()),
                Span::new(start, start + 1),
            )
        };
        let items = [item(at("a,")), item(at("b,c")), item(at("c ,"))];
        let cut = |keep: &[bool]| {
            let mut t = list.to_string();
            let mut cuts = remove_items(list, &items, keep);
            cuts.reverse();
            for (s, e, r) in cuts {
                t.replace_range(s as usize..e as usize, &r);
            }
            t
        };
        assert_eq!(
            cut(&[false, true, true]),
            "[\n   // the host\n  // a note, with a, b\n  b,c ,\n]"
        );
        // No comment in what goes: the separators go with it, as on one line.
        assert_eq!(
            cut(&[true, false, true]),
            "[\n  a, // the host\n  // a note, with a, b\n  c ,\n]"
        );
    }

    #[test]
    fn descriptions_read_as_instructions() {
        let e = Edit::Add {
            attr: "permits".into(),
            values: vec!["a".into(), "b".into(), "c".into()],
        };
        assert_eq!(e.describe(), "add `a`, `b` and `c` to `permits`");
        let e = Edit::Set {
            attr: "armed".into(),
            value: Scalar::Bool(false),
        };
        assert_eq!(e.describe(), "set `armed: false`");
    }
}
