//! The semantic lints (a rule that never fires or always fires, a redundant rule, a
//! conflicting pair, an `unless` that never or always applies): each question is a Boolean
//! formula over one step's possible attribute values (`sym.rs`), decided by the SAT solver
//! (`sat.rs`).

use std::collections::{BTreeMap, BTreeSet};

use super::sat::{F, Fm, solve};
use super::sym::{self, Space, Sv};
use super::witness::{put_model, random_words, witness};
use super::{Finder, Lint, LintReport};
use crate::diag::{Code, Diagnostic};
use crate::ir::*;

/// One rule applied to one step of a kind, as formulas.
pub(super) struct RuleSym {
    /// Some binding fires (a violation), before any evaluation error.
    pub(super) fires: F,
    /// Per `unless` clause: (the rule would fire here but for the exceptions, the clause holds).
    pub(super) unless: Vec<(F, F)>,
}

pub(super) fn rule_sym(space: &mut Space<'_>, r: &CRule) -> Result<RuleSym, sym::Unsupported> {
    let mut locals: Vec<Option<Sv>> = vec![None; r.locals as usize];
    space.bind(&mut locals, 0, Sv::Step)?;
    let (when, when_err) = match &r.when {
        Some(w) => space.eval_bool(w, &mut locals)?,
        None => (Fm::TRUE, Fm::FALSE),
    };
    let nwe = space.fm.not(when_err);
    let base = space.fm.and(when, nwe);
    // The bindings: each member of the collection in order, or one binding.
    let mut bindings: Vec<(F, Option<(Local, Sv)>)> = Vec::new();
    let mut coll_err = Fm::FALSE;
    match &r.each {
        Some((local, coll)) => {
            let (v, e) = space.eval(coll, &mut locals)?;
            coll_err = e;
            let Sv::Set(ms, _) = v else {
                return Err(sym::Unsupported("each over non-atoms"));
            };
            for (a, m) in ms {
                bindings.push((m, Some((*local, Sv::Atom(vec![(a, Fm::TRUE)])))));
            }
        }
        None => bindings.push((Fm::TRUE, None)),
    }
    let nce = space.fm.not(coll_err);
    let mut reached = space.fm.and(base, nce);
    let mut fires = Vec::new();
    let mut unless: Vec<(Vec<F>, Vec<F>)> = vec![(Vec::new(), Vec::new()); r.unless.len()];
    let mut unless_pairs: Vec<Vec<(F, F)>> = vec![Vec::new(); r.unless.len()];
    for (member, bind) in bindings {
        if let Some((l, v)) = bind {
            space.bind(&mut locals, l, v)?;
        }
        let (hit, herr) = match &r.cond {
            Some(c) => {
                let (v, e) = space.eval_bool(c, &mut locals)?;
                (if r.forbid { v } else { space.fm.not(v) }, e)
            }
            None => (Fm::TRUE, Fm::FALSE),
        };
        let nherr = space.fm.not(herr);
        let at = space.fm.and(reached, member);
        let hit_ok = space.fm.and_all([at, nherr, hit]);
        // Exceptions, in order, short-circuit on the first that holds.
        let mut none_yet = Fm::TRUE;
        let mut uerrs = Vec::new();
        for (i, u) in r.unless.iter().enumerate() {
            let (uv, ue) = space.eval_bool(u, &mut locals)?;
            if let Some(p) = unless_pairs.get_mut(i) {
                p.push((hit_ok, uv));
            }
            let reach_u = space.fm.and(none_yet, ue);
            uerrs.push(reach_u);
            let nue = space.fm.not(ue);
            let nuv = space.fm.not(uv);
            let cont = space.fm.and(nue, nuv);
            none_yet = space.fm.and(none_yet, cont);
        }
        let f = space.fm.and(hit_ok, none_yet);
        fires.push(f);
        // An error stops the rule on this step: later bindings are not reached.
        let uerr = space.fm.or_all(uerrs);
        let hit_u = space.fm.and(hit_ok, uerr);
        let herr_at = space.fm.and(at, herr);
        let stop = space.fm.or(herr_at, hit_u);
        let nstop = space.fm.not(stop);
        reached = space.fm.and(reached, nstop);
    }
    let _ = &mut unless;
    let fires = space.fm.or_all(fires);
    let unless = unless_pairs
        .into_iter()
        .map(|pairs| {
            let ctx: Vec<F> = pairs.iter().map(|p| p.0).collect();
            let holds: Vec<F> = pairs.iter().map(|&(c, u)| space.fm.and(c, u)).collect();
            let fails: Vec<F> = pairs
                .iter()
                .map(|&(c, u)| {
                    let nu = space.fm.not(u);
                    space.fm.and(c, nu)
                })
                .collect();
            let _ = ctx;
            (space.fm.or_all(holds), space.fm.or_all(fails))
        })
        .collect();
    Ok(RuleSym { fires, unless })
}

/// The exact lints: each question a formula, decided by the SAT solver.
pub(super) fn lints(f: &mut Finder<'_>, report: &mut LintReport) {
    let lib = f.lib;
    let reps = sym::Reps::of(lib);
    // Per kind: the rules that apply and their formulas.
    let mut never: BTreeMap<usize, bool> = BTreeMap::new(); // rule -> never fires (so far)
    let mut always: BTreeMap<usize, bool> = BTreeMap::new();
    let mut unless_never: BTreeMap<(usize, usize), bool> = BTreeMap::new();
    let mut unless_always: BTreeMap<(usize, usize), bool> = BTreeMap::new();
    let mut fire_witness: BTreeMap<usize, String> = BTreeMap::new();
    let mut skipped: BTreeMap<usize, String> = BTreeMap::new();
    // Pair relations, intersected over kinds: (a, b) -> holds on every kind seen so far.
    // Redundancy: per rule, the rules proven to cover it on every kind where it can fire so
    // far (`None`: not seen yet). Conflicts: (kind, a, b) proven.
    let mut covered_by: BTreeMap<usize, Option<BTreeSet<usize>>> = BTreeMap::new();
    let mut conflicts_on: BTreeSet<(usize, usize, usize)> = BTreeSet::new();
    for (i, r) in lib.rules.iter().enumerate() {
        if r.proposal_scope {
            skipped.insert(i, "it is an `on proposal` rule".into());
        }
    }
    for k in 0..lib.kinds.len() {
        let rules: Vec<usize> = lib
            .rules_by_kind
            .get(k)
            .map(|v| v.iter().map(|&r| r as usize).collect())
            .unwrap_or_default();
        if rules.is_empty() {
            continue;
        }
        let Ok(mut space) = Space::new(lib, k as KindId, reps.clone()) else {
            continue;
        };
        let mut syms: Vec<(usize, RuleSym)> = Vec::new();
        for &ri in &rules {
            if skipped.contains_key(&ri) {
                continue;
            }
            let Some(r) = lib.rules.get(ri) else { continue };
            match rule_sym(&mut space, r) {
                Ok(s) => syms.push((ri, s)),
                Err(sym::Unsupported(what)) => {
                    skipped.insert(ri, format!("it uses {what}"));
                }
            }
        }
        let valid = space.valid;
        // Single-rule questions; their models become samples.
        let mut samples: Vec<Vec<bool>> = Vec::new();
        let mut never_here: BTreeSet<usize> = BTreeSet::new();
        for (ri, s) in &syms {
            let q = space.query(s.fires);
            report.solver_calls += 1;
            match solve(&space.fm, q) {
                Some(mut m) => {
                    space.repair(&mut m);
                    never.insert(*ri, false);
                    fire_witness
                        .entry(*ri)
                        .or_insert_with(|| witness(&space, &m));
                    samples.push(m);
                }
                None => {
                    never.entry(*ri).or_insert(true);
                    never_here.insert(*ri);
                }
            }
            let nf = space.fm.not(s.fires);
            let q = space.query(nf);
            report.solver_calls += 1;
            match solve(&space.fm, q) {
                Some(mut m) => {
                    space.repair(&mut m);
                    always.insert(*ri, false);
                    samples.push(m);
                }
                None => {
                    always.entry(*ri).or_insert(true);
                }
            }
            for (ui, (holds, fails)) in s.unless.iter().enumerate() {
                report.solver_calls += 2;
                let q = space.query(*holds);
                if solve(&space.fm, q).is_some() {
                    unless_never.insert((*ri, ui), false);
                } else {
                    unless_never.entry((*ri, ui)).or_insert(true);
                }
                let q = space.query(*fails);
                if solve(&space.fm, q).is_some() {
                    unless_always.insert((*ri, ui), false);
                } else {
                    unless_always.entry((*ri, ui)).or_insert(true);
                }
            }
        }
        // Rules with the same formula (hash-consing makes equal conditions one node) are
        // decided once, as a group.
        let mut group_of: std::collections::HashMap<F, usize> = std::collections::HashMap::new();
        let mut groups: Vec<(F, Vec<usize>)> = Vec::new();
        for (j, (_, s)) in syms.iter().enumerate() {
            let g = *group_of.entry(s.fires).or_insert_with(|| {
                groups.push((s.fires, Vec::new()));
                groups.len() - 1
            });
            if let Some(grp) = groups.get_mut(g) {
                grp.1.push(j);
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
        let mut sig: Vec<Vec<u64>> = vec![Vec::with_capacity(blocks.len()); groups.len()];
        let mut valid_mask: Vec<u64> = Vec::with_capacity(blocks.len());
        for words in &blocks {
            let vals = space.fm.eval64(words);
            let ok = vals.get(valid as usize).copied().unwrap_or(0);
            valid_mask.push(ok);
            for (g, (f, _)) in groups.iter().enumerate() {
                if let Some(v) = sig.get_mut(g) {
                    v.push(vals.get(*f as usize).copied().unwrap_or(0) & ok);
                }
            }
        }
        // Index: per sample bit, the groups that fire there.
        let mut firing: Vec<Vec<usize>> = vec![Vec::new(); blocks.len() * 64];
        for (g, s) in sig.iter().enumerate() {
            for (w, word) in s.iter().enumerate() {
                let mut x = *word;
                while x != 0 {
                    let b = x.trailing_zeros() as usize;
                    x &= x - 1;
                    if let Some(v) = firing.get_mut(w * 64 + b) {
                        v.push(g);
                    }
                }
            }
        }
        let subset = |a: &[u64], b: &[u64]| a.iter().zip(b).all(|(x, y)| x & !y == 0);
        let bits = |v: &[u64]| -> Vec<usize> {
            v.iter()
                .enumerate()
                .flat_map(|(w, word)| {
                    (0..64)
                        .filter(move |b| word & (1u64 << b) != 0)
                        .map(move |b| w * 64 + b)
                })
                .collect()
        };
        let mut covering: Vec<Vec<usize>> = vec![Vec::new(); groups.len()];
        let mut conflicting: Vec<Vec<usize>> = vec![Vec::new(); groups.len()];
        for (ga, siga) in sig.iter().enumerate() {
            let Some(&(fa, _)) = groups.get(ga) else {
                continue;
            };
            // Redundancy: groups that fire on every sample where this one fires.
            let rarest = bits(siga)
                .into_iter()
                .min_by_key(|&bit| firing.get(bit).map_or(0, Vec::len));
            if let Some(bit) = rarest {
                for &gb in firing.get(bit).map(Vec::as_slice).unwrap_or(&[]) {
                    let Some(&(fb, _)) = groups.get(gb) else {
                        continue;
                    };
                    if gb == ga || !sig.get(gb).is_some_and(|s| subset(siga, s)) {
                        continue;
                    }
                    report.candidate_pairs += 1;
                    report.solver_calls += 1;
                    let nb = space.fm.not(fb);
                    let q = space.fm.and(fa, nb);
                    let q = space.query(q);
                    if solve(&space.fm, q).is_none() {
                        if let Some(c) = covering.get_mut(ga) {
                            c.push(gb);
                        }
                    }
                }
            }
            // Conflict: groups that fire on every valid sample where this one does not.
            let not_a: Vec<u64> = siga.iter().zip(&valid_mask).map(|(s, v)| !s & v).collect();
            let rarest = bits(&not_a)
                .into_iter()
                .min_by_key(|&bit| firing.get(bit).map_or(0, Vec::len));
            if let Some(bit) = rarest {
                for &gb in firing.get(bit).map(Vec::as_slice).unwrap_or(&[]) {
                    let Some(&(fb, _)) = groups.get(gb) else {
                        continue;
                    };
                    if gb <= ga || !sig.get(gb).is_some_and(|s| subset(&not_a, s)) {
                        continue;
                    }
                    report.candidate_pairs += 1;
                    report.solver_calls += 1;
                    let (na, nb) = (space.fm.not(fa), space.fm.not(fb));
                    let q = space.fm.and(na, nb);
                    let q = space.query(q);
                    if solve(&space.fm, q).is_none() {
                        if let Some(c) = conflicting.get_mut(ga) {
                            c.push(gb);
                        }
                    }
                }
            }
        }
        // Back to rules: a few covering rules per rule (lowest ids first), per kind.
        const KEEP: usize = 8;
        let rule_of = |j: usize| syms.get(j).map_or(usize::MAX, |s| s.0);
        for (ga, (_, members)) in groups.iter().enumerate() {
            let mut others: Vec<usize> = covering
                .get(ga)
                .map(|c| {
                    c.iter()
                        .flat_map(|&gb| groups.get(gb).map(|g| g.1.clone()).unwrap_or_default())
                        .collect()
                })
                .unwrap_or_default();
            others.extend(members.iter().copied());
            let mut others: Vec<usize> = others.into_iter().map(rule_of).collect();
            others.sort_unstable();
            others.dedup();
            for &ja in members {
                let a = rule_of(ja);
                let Some(rule_a) = lib.rules.get(a) else {
                    continue;
                };
                if never_here.contains(&a) {
                    continue;
                }
                let chosen: BTreeSet<usize> = others
                    .iter()
                    .copied()
                    .filter(|&b| {
                        b != a
                            && lib
                                .rules
                                .get(b)
                                .is_some_and(|rb| rb.severity >= rule_a.severity)
                    })
                    .take(KEEP)
                    .collect();
                let entry = covered_by.entry(a).or_insert_with(|| Some(chosen.clone()));
                if let Some(set) = entry {
                    *set = set.intersection(&chosen).copied().collect();
                }
            }
            for &gb in conflicting.get(ga).map(Vec::as_slice).unwrap_or(&[]) {
                let Some((_, bm)) = groups.get(gb) else {
                    continue;
                };
                for &ja in members.iter().take(KEEP) {
                    for &jb in bm.iter().take(KEEP) {
                        let (a, b) = (rule_of(ja), rule_of(jb));
                        conflicts_on.insert((k, a.min(b), a.max(b)));
                    }
                }
            }
        }
    }
    // Report.
    for (&ri, &n) in &never {
        let Some(r) = lib.rules.get(ri) else { continue };
        if n {
            let src = f.src(r.file);
            let d = Diagnostic::error(Code::LintNeverFires, format!("rule `{}` can never fire", r.id), &src, r.span, "no valid step triggers it")
                .with_related(&src, r.verdict_span, "this condition cannot hold together with the rule's scope, `when` and exceptions")
                .with_help("check the conditions for a contradiction (a value compared with two different constants, an attribute tested against a kind that never has it), or remove the rule");
            f.emit(Lint::RuleNeverFires, Some(ri), d);
        }
    }
    for (&ri, &a) in &always {
        let Some(r) = lib.rules.get(ri) else { continue };
        if a && never.get(&ri) != Some(&true) {
            let d = f
                .at_rule(r, format!("rule `{}` fires on every step it applies to", r.id), "its condition always holds")
                .with_help("a rule that no proposal can satisfy is likely missing a condition; narrow its scope or its `when`");
            let d = match fire_witness.get(&ri) {
                Some(w) => d.with_note(format!("for example, it fires on:\n{w}")),
                None => d,
            };
            f.emit(Lint::RuleAlwaysFires, Some(ri), d);
        }
    }
    for (&(ri, ui), &n) in &unless_never {
        let Some(r) = lib.rules.get(ri) else { continue };
        if n && never.get(&ri) != Some(&true) {
            let span = r.unless_spans.get(ui).copied().unwrap_or(r.span);
            let d = Diagnostic::error(
                Code::LintUnlessNever,
                format!("this exception of rule `{}` can never apply", r.id),
                &f.src(r.file),
                span,
                "never holds where the rule would fire",
            )
            .with_help("remove the exception, or fix its condition");
            f.emit(Lint::UnlessNeverApplies, Some(ri), d);
        }
    }
    for (&(ri, ui), &a) in &unless_always {
        let Some(r) = lib.rules.get(ri) else { continue };
        if a && unless_never.get(&(ri, ui)) == Some(&false) {
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
    for (&a, cover) in &covered_by {
        let (Some(ra), Some(b)) = (
            lib.rules.get(a),
            cover.as_ref().and_then(|c| c.iter().next().copied()),
        ) else {
            continue;
        };
        let Some(rb) = lib.rules.get(b) else { continue };
        if never.get(&a) == Some(&true) {
            continue;
        }
        // Two rules that cover each other with equal severity: report only the later id.
        let mutual = covered_by
            .get(&b)
            .and_then(|c| c.as_ref())
            .is_some_and(|c| c.contains(&a));
        if mutual && ra.severity == rb.severity && a < b {
            continue;
        }
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
        )
        .with_related(
            &src,
            ra.verdict_span,
            "this condition implies the other rule's",
        )
        .with_related(
            &f.src(rb.file),
            rb.verdict_span,
            format!("`{}` ({}) covers it", rb.id, rb.severity.as_str()),
        )
        .with_help(format!(
            "remove `{}`, or narrow `{}` so the two say different things",
            ra.id, rb.id
        ));
        f.emit(Lint::RedundantRule, Some(a), d);
    }
    let mut reported: BTreeSet<usize> = BTreeSet::new();
    let pairs: BTreeSet<(usize, usize)> = conflicts_on.iter().map(|&(_, a, b)| (a, b)).collect();
    for (a, b) in pairs {
        let (Some(ra), Some(rb)) = (lib.rules.get(a), lib.rules.get(b)) else {
            continue;
        };
        if always.get(&a) == Some(&true) || always.get(&b) == Some(&true) || reported.contains(&a) {
            continue;
        }
        // Proven on every kind the two share.
        let shared: Vec<usize> = ra
            .kinds
            .iter()
            .filter(|k| rb.kinds.contains(k))
            .map(|&k| k as usize)
            .collect();
        if !shared.iter().all(|&k| conflicts_on.contains(&(k, a, b))) {
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
        )
        .with_related(&f.src(ra.file), ra.verdict_span, "this condition")
        .with_related(
            &f.src(rb.file),
            rb.verdict_span,
            format!("and this condition of `{}` cannot both be met", rb.id),
        )
        .with_help("one of them must give way: add an exception, or narrow one of their scopes");
        f.emit(Lint::ConflictingRules, Some(a), d);
    }
    report.not_analysed = skipped
        .into_iter()
        .filter_map(|(i, why)| lib.rules.get(i).map(|r| (r.id.clone(), why)))
        .collect();
}
