//! `pactum lint`: everything `check` rejects in a library (the library must compile), plus
//! named lints, each with a kebab-case name, a default severity and a stable code.
//!
//! The semantic lints (a rule that never fires or always fires, a redundant rule, a
//! conflicting pair, an `unless` that never or always applies) are exact: each question is
//! a Boolean formula over one step's possible attribute values (`lint/sym.rs`), decided by a SAT
//! solver (`lint/sat.rs`). Pairwise lints never search all pairs: rules are indexed by step kind,
//! and candidate pairs come from signatures (which of a few hundred sample steps, random
//! and solver-made, each rule fires on); only pairs whose signatures allow the relation
//! reach the solver.

pub(crate) mod sat;
pub(crate) mod sym;

use std::collections::{BTreeMap, BTreeSet};

use crate::diag::{Code, Diagnostic, Severity};
use crate::engine::Engine;
use crate::eval::BoundStep;
use crate::ir::*;
use crate::source::SourceFile;
use sat::{F, Fm, solve};
use sym::{Slot, Space, Sv};

/// A lint: its name, code, default severity and one-line summary.
#[derive(Clone, Copy, Debug)]
pub struct LintInfo {
    /// Kebab-case name, used by `--allow`, `--deny` and `allow ... because`.
    pub name: &'static str,
    /// Stable code.
    pub code: Code,
    /// Default severity.
    pub default: Severity,
    /// What it finds.
    pub summary: &'static str,
}

/// Every lint.
pub const LINTS: &[LintInfo] = &[
    LintInfo {
        name: "missing-cite",
        code: Code::LintMissingCite,
        default: Severity::Warning,
        summary: "a rule without a `cite` clause",
    },
    LintInfo {
        name: "missing-help",
        code: Code::LintMissingHelp,
        default: Severity::Warning,
        summary: "a rule without a `help` clause",
    },
    LintInfo {
        name: "unused-definition",
        code: Code::LintUnusedDefinition,
        default: Severity::Warning,
        summary: "a `def` that nothing uses",
    },
    LintInfo {
        name: "unused-entity",
        code: Code::LintUnusedEntity,
        default: Severity::Warning,
        summary: "a fact (an instrument, say) that no rule, fact or citation names and no step attribute can hold",
    },
    LintInfo {
        name: "unused-attribute",
        code: Code::LintUnusedAttribute,
        default: Severity::Warning,
        summary: "an entity attribute that no rule reads and no fact sets",
    },
    LintInfo {
        name: "contradictory-facts",
        code: Code::LintContradictoryFacts,
        default: Severity::Error,
        summary: "a fact that lists a value in two attributes declared to exclude each other",
    },
    LintInfo {
        name: "rule-never-fires",
        code: Code::LintNeverFires,
        default: Severity::Warning,
        summary: "a rule that no valid proposal can trigger",
    },
    LintInfo {
        name: "rule-always-fires",
        code: Code::LintAlwaysFires,
        default: Severity::Warning,
        summary: "a rule that fires on every step it applies to",
    },
    LintInfo {
        name: "redundant-rule",
        code: Code::LintRedundant,
        default: Severity::Warning,
        summary: "a rule that only fires where another fires on the same step, with at least its severity",
    },
    LintInfo {
        name: "conflicting-rules",
        code: Code::LintConflict,
        default: Severity::Warning,
        summary: "two rules that no step can satisfy together",
    },
    LintInfo {
        name: "unless-never-applies",
        code: Code::LintUnlessNever,
        default: Severity::Warning,
        summary: "an `unless` exception that never applies where the rule would fire",
    },
    LintInfo {
        name: "unless-always-applies",
        code: Code::LintUnlessAlways,
        default: Severity::Warning,
        summary: "an `unless` exception that applies wherever the rule would fire",
    },
    LintInfo {
        name: "unknown-lint",
        code: Code::LintUnknown,
        default: Severity::Warning,
        summary: "an `allow` clause naming a lint that does not exist",
    },
];

/// The lint named so, if any.
pub fn lint_info(name: &str) -> Option<&'static LintInfo> {
    LINTS.iter().find(|l| l.name == name)
}

/// Severity overrides from the command line.
#[derive(Clone, Debug, Default)]
pub struct LintOptions {
    /// Lints turned off.
    pub allow: BTreeSet<String>,
    /// Lints made errors.
    pub deny: BTreeSet<String>,
    /// Warnings count as errors for the exit code.
    pub deny_warnings: bool,
}

/// What `lint` found.
#[derive(Clone, Debug, Default)]
pub struct LintReport {
    /// Findings, ordered by file and position.
    pub diagnostics: Vec<Diagnostic>,
    /// Rules the semantic lints could not analyse, and why.
    pub not_analysed: Vec<(String, String)>,
    /// Satisfiability questions decided by the solver.
    pub solver_calls: usize,
    /// Candidate pairs left after signature filtering.
    pub candidate_pairs: usize,
    /// Rules in the library.
    pub rules: usize,
}

struct Finder<'a> {
    lib: &'a Compiled,
    out: Vec<Diagnostic>,
    /// rule index -> lints it allows
    allowed: Vec<BTreeSet<String>>,
}

impl Finder<'_> {
    fn src(&self, file: u32) -> SourceFile {
        self.lib
            .source(file)
            .cloned()
            .unwrap_or_else(|| SourceFile::new("<unknown>", ""))
    }

    fn emit(&mut self, name: &'static str, rule: Option<usize>, d: Diagnostic) {
        if let Some(r) = rule {
            if self.allowed.get(r).is_some_and(|a| a.contains(name)) {
                return;
            }
        }
        let info = lint_info(name);
        let mut d = d;
        d.code = info.map_or(Code::LintUnknown, |i| i.code);
        d.severity = info.map_or(Severity::Warning, |i| i.default);
        d.rule = Some(name.to_string());
        self.out.push(d);
    }

    fn at_rule(&self, r: &CRule, message: String, label: &str) -> Diagnostic {
        Diagnostic::error(Code::LintUnknown, message, &self.src(r.file), r.span, label)
    }
}

/// Lints a compiled library.
pub fn lint(engine: &Engine, opts: &LintOptions) -> LintReport {
    let lib = engine.compiled();
    let mut f = Finder {
        lib,
        out: Vec::new(),
        allowed: lib
            .rules
            .iter()
            .map(|r| r.allows.iter().map(|a| a.0.clone()).collect())
            .collect(),
    };
    let mut report = LintReport {
        rules: lib.rules.len(),
        ..LintReport::default()
    };
    simple_lints(&mut f);
    semantic_lints(&mut f, &mut report);
    let mut out = Vec::new();
    for mut d in f.out {
        let name = d.rule.clone().unwrap_or_default();
        if opts.allow.contains(&name) {
            continue;
        }
        if opts.deny.contains(&name) {
            d.severity = Severity::Error;
        }
        out.push(d);
    }
    out.sort_by(|a, b| {
        let key = |d: &Diagnostic| {
            (
                d.source.as_ref().map(|s| s.name().to_string()),
                d.span.start,
                d.rule.clone(),
                d.message.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    out.dedup();
    report.diagnostics = out;
    report
}

fn simple_lints(f: &mut Finder<'_>) {
    let lib = f.lib;
    for (i, r) in lib.rules.iter().enumerate() {
        for (name, span, _) in &r.allows {
            if lint_info(name).is_none() {
                let names: Vec<&str> = LINTS.iter().map(|l| l.name).collect();
                let hint = crate::diag::did_you_mean(name, names.iter().copied());
                let d = Diagnostic::error(
                    Code::LintUnknown,
                    format!("unknown lint `{name}`"),
                    &f.src(r.file),
                    *span,
                    "no lint has this name",
                )
                .with_help(match hint {
                    Some(h) => format!("did you mean `{h}`?"),
                    None => format!("the lints are: {}", names.join(", ")),
                });
                f.emit("unknown-lint", None, d);
            }
        }
        if r.cite.is_none() {
            let d = f.at_rule(r, format!("rule `{}` has no `cite`", r.id), "no legal basis given")
                .with_help("add `cite INSTRUMENT \"art. N\"` naming the instrument (a fact) and the article");
            f.emit("missing-cite", Some(i), d);
        }
        if r.help.is_empty() {
            let d = f
                .at_rule(
                    r,
                    format!("rule `{}` has no `help`", r.id),
                    "no repair hint",
                )
                .with_help("add `help \"...\"` saying what would make the proposal comply");
            f.emit("missing-help", Some(i), d);
        }
    }
    for (name, file, span) in &lib.defs {
        if !lib.used_defs.contains(name) {
            let d = Diagnostic::error(
                Code::LintUnusedDefinition,
                format!("definition `{name}` is never used"),
                &f.src(*file),
                *span,
                "unused",
            )
            .with_help("remove it, or use it in a rule");
            f.emit("unused-definition", None, d);
        }
    }
    // Entity types a proposal can name: those reachable from some step attribute's type.
    let mut proposal_types: BTreeSet<TypeId> = BTreeSet::new();
    for k in &lib.kinds {
        for fi in &k.fields {
            let mut t = &fi.ty;
            while let Some(e) = t.elem() {
                t = e;
            }
            if let Ty::Entity(ts) = t {
                proposal_types.extend(ts.iter().copied());
            }
        }
    }
    for (id, a) in lib.atoms.iter().enumerate() {
        if let AtomKind::Entity(t) = a.kind {
            if !proposal_types.contains(&t) && !lib.used_atoms.contains(&(id as AtomId)) {
                let tname = lib.types.get(t as usize).map_or("?", |t| t.name.as_str());
                let d = Diagnostic::error(
                    Code::LintUnusedEntity,
                    format!("`{}` ({tname}) is never used", a.name),
                    &f.src(a.file),
                    a.span,
                    "no rule, fact or citation names it",
                )
                .with_help(format!(
                    "cite it from a rule, or remove it: no proposal can name a `{tname}`"
                ));
                f.emit("unused-entity", None, d);
            }
        }
    }
    for t in &lib.types {
        for fi in &t.fields {
            let Some(attr) = lib.attr_names.iter().position(|n| *n == fi.name) else {
                continue;
            };
            let attr = attr as AttrId;
            let read = lib.used_attrs.contains(&attr);
            let set = lib.set_attrs.contains(&attr);
            if !read && !set {
                let d = Diagnostic::error(
                    Code::LintUnusedAttribute,
                    format!(
                        "attribute `{}` of `{}` is never read and never set",
                        fi.name, t.name
                    ),
                    &f.src(fi.file),
                    fi.span,
                    "unused",
                )
                .with_help("remove it, or give it a value in the facts and read it in a rule");
                f.emit("unused-attribute", None, d);
            }
            // Contradictory facts: a value listed in two attributes that exclude each other.
            if let Some((other, _)) = &fi.excludes {
                let Some(o) = lib.attr_names.iter().position(|n| n == other) else {
                    continue;
                };
                for (i, a) in lib.atoms.iter().enumerate() {
                    let AtomKind::Entity(at) = a.kind else {
                        continue;
                    };
                    if lib.types.get(at as usize).is_none_or(|x| x.name != t.name) {
                        continue;
                    }
                    let facts = lib.facts.get(i);
                    let get = |k: usize| facts.and_then(|fs| fs.get(k)).cloned().flatten();
                    let (Some(Value::Set(x)), Some(Value::Set(y))) = (get(attr as usize), get(o))
                    else {
                        continue;
                    };
                    let both = x.intersection(&y);
                    if !both.is_empty() {
                        let names: Vec<&str> = both.iter().map(|b| lib.atom_name(b)).collect();
                        let d = Diagnostic::error(
                            Code::LintContradictoryFacts,
                            format!("`{}` lists {} both in `{}` and in `{other}`, which exclude each other", a.name, names.join(", "), fi.name),
                            &f.src(a.file),
                            a.span,
                            "contradictory facts",
                        )
                        .with_related(&f.src(fi.file), fi.span, format!("`{}` is declared to exclude `{other}` here", fi.name))
                        .with_help(format!("keep {} in one of the two attributes", names.join(", ")));
                        f.emit("contradictory-facts", None, d);
                    }
                }
            }
        }
    }
}

/// One rule applied to one step of a kind, as formulas.
struct RuleSym {
    /// Some binding fires (a violation), before any evaluation error.
    fires: F,
    /// Per `unless` clause: (the rule would fire here but for the exceptions, the clause holds).
    unless: Vec<(F, F)>,
}

fn rule_sym(space: &mut Space<'_>, r: &CRule) -> Result<RuleSym, sym::Unsupported> {
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

/// A step in proposal syntax, for witnesses.
pub(crate) fn step_text(lib: &Compiled, step: &BoundStep, id: &str) -> String {
    let Some(kind) = lib.kinds.get(step.kind as usize) else {
        return String::new();
    };
    let mut attrs = Vec::new();
    for (f, v) in kind.fields.iter().zip(step.slots.iter()) {
        let Some(v) = v else { continue };
        attrs.push(format!("{}: {}", f.name, value_text(lib, v)));
    }
    let date = step
        .date
        .map(|d| format!("  date: {d}\n"))
        .unwrap_or_default();
    let body: String = attrs.iter().map(|a| format!("  {a}\n")).collect();
    format!("step {id}: {} {{\n{body}{date}}}\n", kind.name)
}

fn value_text(lib: &Compiled, v: &Value) -> String {
    match v {
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Date(d) => d.to_string(),
        Value::Str(s) => {
            let text = lib
                .strings
                .get(*s as usize)
                .cloned()
                .unwrap_or_else(|| "some other text".into());
            format!("{text:?}")
        }
        Value::Atom(a) => lib.atom_name(*a).to_string(),
        Value::Set(s) => format!(
            "[{}]",
            s.iter()
                .map(|a| lib.atom_name(a))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::List(l) => format!(
            "[{}]",
            l.iter()
                .map(|x| value_text(lib, x))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Step(_) => String::new(),
    }
}

fn witness(space: &Space<'_>, model: &[bool]) -> String {
    let step = space.step_of(model);
    let as_of = space
        .as_of_of(model)
        .map(|d| format!("// checked with --as-of {d}\n"))
        .unwrap_or_default();
    format!(
        "{as_of}proposal witness {{}}\n\n{}",
        step_text(space.lib, &step, "w1")
    )
}

/// Random assignments of a space's variables that respect its one-hot groups, 64 at a time.
fn random_words(space: &Space<'_>, seed: &mut u64) -> Vec<u64> {
    let mut next = || {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    };
    let mut words = vec![0u64; space.fm.vars() as usize];
    let set = |words: &mut Vec<u64>, f: F, w: u64| {
        if let Some(i) = space.fm.var_index(f) {
            if let Some(x) = words.get_mut(i as usize) {
                *x = w;
            }
        }
    };
    let one_hot =
        |words: &mut Vec<u64>, vars: &[F], present: u64, next: &mut dyn FnMut() -> u64| {
            let mut chosen = vec![0u64; vars.len()];
            if !vars.is_empty() {
                for bit in 0..64 {
                    if present & (1 << bit) != 0 {
                        let k = (next() % vars.len() as u64) as usize;
                        if let Some(c) = chosen.get_mut(k) {
                            *c |= 1 << bit;
                        }
                    }
                }
            }
            for (&v, &c) in vars.iter().zip(&chosen) {
                set(words, v, c);
            }
        };
    for (present, slot) in &space.slots {
        let p = if space.fm.var_index(*present).is_some() {
            let w = next();
            set(&mut words, *present, w);
            w
        } else {
            u64::MAX
        };
        match slot {
            Slot::Bool(f) => set(&mut words, *f, next()),
            Slot::Atom(xs) => {
                let vars: Vec<F> = xs.iter().map(|x| x.1).collect();
                one_hot(&mut words, &vars, p, &mut next);
            }
            Slot::Set(xs, _) => {
                // Sparse sets: each candidate in with probability 1/4.
                for x in xs {
                    let w = next() & next() & p;
                    set(&mut words, x.1, w);
                }
            }
            Slot::Scalar(_, xs) => {
                let vars: Vec<F> = xs.iter().map(|x| x.1).collect();
                one_hot(&mut words, &vars, p, &mut next);
            }
        }
    }
    let dates: Vec<F> = space.date.iter().map(|x| x.1).collect();
    one_hot(&mut words, &dates, u64::MAX, &mut next);
    let as_of: Vec<F> = space.as_of.iter().map(|x| x.1).collect();
    one_hot(&mut words, &as_of, u64::MAX, &mut next);
    words
}

/// Sets one assignment (a model) at a bit position of the words.
fn put_model(words: &mut [u64], model: &[bool], bit: u32) {
    for (w, &b) in words.iter_mut().zip(model) {
        if b {
            *w |= 1 << bit;
        } else {
            *w &= !(1 << bit);
        }
    }
}

fn semantic_lints(f: &mut Finder<'_>, report: &mut LintReport) {
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
            f.emit("rule-never-fires", Some(ri), d);
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
            f.emit("rule-always-fires", Some(ri), d);
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
            f.emit("unless-never-applies", Some(ri), d);
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
            f.emit("unless-always-applies", Some(ri), d);
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
        f.emit("redundant-rule", Some(a), d);
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
        f.emit("conflicting-rules", Some(a), d);
    }
    report.not_analysed = skipped
        .into_iter()
        .filter_map(|(i, why)| lib.rules.get(i).map(|r| (r.id.clone(), why)))
        .collect();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::CheckOptions;
    use crate::proposal::Proposal;

    /// The formulas agree with the engine: on random steps of every kind (and on the
    /// solver's own witnesses), a rule fires in the formula exactly when `check` reports it.
    fn differential(engine: &Engine, rounds: usize) {
        let lib = engine.compiled();
        let reps = sym::Reps::of(lib);
        let mut seed = 0x1234_5678_9ABC_DEF1u64;
        for k in 0..lib.kinds.len() {
            let mut space = Space::new(lib, k as KindId, reps.clone()).unwrap();
            let rules: Vec<usize> = lib.rules_by_kind[k].iter().map(|&r| r as usize).collect();
            let syms: Vec<(usize, RuleSym)> = rules
                .iter()
                .filter(|&&r| !lib.rules[r].proposal_scope)
                .filter_map(|&r| rule_sym(&mut space, &lib.rules[r]).ok().map(|s| (r, s)))
                .collect();
            for _ in 0..rounds {
                let words = random_words(&space, &mut seed);
                let vals = space.fm.eval64(&words);
                for bit in 0..64u32 {
                    let model: Vec<bool> = words.iter().map(|w| w & (1 << bit) != 0).collect();
                    assert!(
                        vals[space.valid as usize] & (1 << bit) != 0,
                        "random samples are valid"
                    );
                    let step = space.step_of(&model);
                    let text = format!("proposal p {{}}\n{}", step_text(lib, &step, "s1"));
                    let p = Proposal::parse(&text).unwrap_or_else(|e| panic!("{text}\n{e:?}"));
                    let opts = CheckOptions {
                        as_of: space.as_of_of(&model),
                        ..CheckOptions::default()
                    };
                    let report = engine.check_with(&p, &opts);
                    let errored: BTreeSet<&str> = report
                        .errors
                        .iter()
                        .filter_map(|e| e.rule.as_deref())
                        .collect();
                    for (r, s) in &syms {
                        let id = lib.rules[*r].id.as_str();
                        let concrete = report.violations.iter().any(|v| v.rule == id);
                        let symbolic = vals[s.fires as usize] & (1 << bit) != 0;
                        assert_eq!(
                            concrete, symbolic,
                            "rule {id} on\n{text}\nerrors: {errored:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn repaired_witnesses_are_valid_steps_on_which_the_rule_fires() {
        let engine = Engine::standard();
        let lib = engine.compiled();
        let reps = sym::Reps::of(lib);
        for k in 0..lib.kinds.len() {
            let mut space = Space::new(lib, k as KindId, reps.clone()).unwrap();
            for &r in &lib.rules_by_kind[k] {
                let rule = &lib.rules[r as usize];
                let Ok(s) = rule_sym(&mut space, rule) else {
                    continue;
                };
                let q = space.query(s.fires);
                let Some(mut m) = solve(&space.fm, q) else {
                    continue;
                };
                space.repair(&mut m);
                let inputs: Vec<u64> = m.iter().map(|&b| u64::from(b)).collect();
                let vals = space.fm.eval64(&inputs);
                assert_eq!(
                    vals[space.valid as usize] & 1,
                    1,
                    "{} witness is well-formed",
                    rule.id
                );
                assert_eq!(
                    vals[s.fires as usize] & 1,
                    1,
                    "{} still fires after repair",
                    rule.id
                );
                let text = format!(
                    "proposal p {{}}\n{}",
                    step_text(lib, &space.step_of(&m), "w1")
                );
                let p = Proposal::parse(&text).unwrap();
                let opts = CheckOptions {
                    as_of: space.as_of_of(&m),
                    ..CheckOptions::default()
                };
                let report = engine.check_with(&p, &opts);
                assert!(
                    report.violations.iter().any(|v| v.rule == rule.id),
                    "{} fires on\n{text}",
                    rule.id
                );
            }
        }
    }

    #[test]
    fn formulas_agree_with_the_engine_on_the_standard_library() {
        differential(&Engine::standard(), 3);
    }

    fn lib(rules: &str) -> Engine {
        let schema = r#"
            entity State {}
            entity Region {}
            entity Instrument { title: string, entry_into_force: date? }
            type Area = State | Region
            enum Cargo { arms, food }
            fact a: State {}
            fact b: State {}
            fact sea: Region {}
            fact t: Instrument { title: "T", entry_into_force: 2020-01-01 }
            step ex { who: set<State>, area: Area, armed: bool = true, host: State?, cargo: set<Cargo> = [], size: int = 0 }
            step fl { route: list<Area>, operator: State }
        "#;
        Engine::from_sources(vec![
            SourceFile::new("s.policy", schema),
            SourceFile::new("r.policy", rules),
        ])
        .unwrap_or_else(|e| panic!("{e:#?}"))
    }

    fn names(engine: &Engine) -> Vec<String> {
        lint(engine, &LintOptions::default())
            .diagnostics
            .iter()
            .filter_map(|d| d.rule.clone())
            .collect()
    }

    fn rule(id: &str, sev: &str, body: &str) -> String {
        format!(
            "rule {id} {{ severity {sev} cite t \"art. 1\" on ex as s {body} message \"m\" help \"h\" }}\n"
        )
    }

    #[test]
    fn each_semantic_lint_finds_its_case() {
        assert_eq!(
            names(&lib(&rule(
                "r",
                "error",
                "when s.area == sea forbid s.area == a"
            ))),
            ["rule-never-fires"]
        );
        assert_eq!(
            names(&lib(&rule(
                "r",
                "error",
                "forbid s.armed || s.size < 5 || s.size >= 5"
            ))),
            ["rule-always-fires"]
        );
        let both = rule("wide", "error", "forbid s.area == sea")
            + &rule("narrow", "warning", "forbid s.area == sea && s.armed");
        assert_eq!(names(&lib(&both)), ["redundant-rule"]);
        let d = lint(&lib(&both), &LintOptions::default()).diagnostics;
        assert!(
            d[0].message.contains("`narrow` is redundant"),
            "{}",
            d[0].message
        );
        // The other way round the severity forbids it: a warning does not cover an error.
        let other = rule("wide", "warning", "forbid s.area == sea")
            + &rule("narrow", "error", "forbid s.area == sea && s.armed");
        assert!(names(&lib(&other)).is_empty());
        let conflict = rule("must", "error", "require s.armed")
            + &rule("mustnt", "error", "forbid s.armed && s.size == 0")
            + &rule("other", "error", "forbid s.size != 0");
        assert!(
            names(&lib(&conflict)).is_empty(),
            "three rules, but no pair conflicts"
        );
        let conflict =
            rule("must", "error", "require s.armed") + &rule("mustnt", "error", "forbid s.armed");
        assert_eq!(names(&lib(&conflict)), ["conflicting-rules"]);
        assert_eq!(
            names(&lib(&rule(
                "r",
                "error",
                "forbid each p in s.who where p == a unless p == b"
            ))),
            ["unless-never-applies"]
        );
        let always = names(&lib(&rule(
            "r",
            "error",
            "forbid each p in s.who where p == a unless p == a || !s.armed",
        )));
        assert_eq!(
            always,
            ["rule-never-fires", "unless-always-applies"],
            "the exception swallows the rule"
        );
        let sometimes = names(&lib(&rule(
            "r",
            "error",
            "forbid each p in s.who where p == a unless s.size > 3",
        )));
        assert!(sometimes.is_empty());
    }

    #[test]
    fn an_absent_optional_attribute_is_not_a_firing() {
        // Reading `host` unguarded errors when it is absent: the rule still can fire.
        assert!(names(&lib(&rule("r", "error", "forbid s.host == a"))).is_empty());
        // A condition that holds only when the read fails can never fire.
        assert_eq!(
            names(&lib(&rule(
                "r",
                "error",
                "forbid !(s has host) && s.host == a"
            ))),
            ["rule-never-fires"]
        );
    }

    #[test]
    fn simple_lints_and_suppression() {
        let r = "def unused = [a]\nfact old: Instrument { title: \"Old\" }\n\
                 rule r { severity error on ex as s forbid s.armed message \"m\" }\n";
        let mut n = names(&lib(r));
        n.sort();
        // `old` and `t`: no rule cites either.
        assert_eq!(
            n,
            [
                "missing-cite",
                "missing-help",
                "unused-definition",
                "unused-entity",
                "unused-entity"
            ]
        );
        let r = "rule r { severity error on ex as s forbid s.armed message \"m\" allow missing-cite because \"a political rule with no instrument\" allow missing-help because \"obvious\" }\n";
        // Only `t`, which nothing cites now, is left.
        assert_eq!(names(&lib(r)), ["unused-entity"]);
        let r = "rule r { severity error cite t on ex as s forbid s.armed message \"m\" help \"h\" allow missing-cyte because \"typo\" }\n";
        assert_eq!(names(&lib(r)), ["unknown-lint"]);
        let opts = LintOptions {
            allow: BTreeSet::from(["missing-help".to_string()]),
            ..LintOptions::default()
        };
        let r = "rule r { severity error cite t on ex as s forbid s.armed message \"m\" }\n";
        assert!(lint(&lib(r), &opts).diagnostics.is_empty());
        let opts = LintOptions {
            deny: BTreeSet::from(["missing-help".to_string()]),
            ..LintOptions::default()
        };
        assert_eq!(
            lint(&lib(r), &opts).diagnostics[0].severity,
            Severity::Error
        );
    }

    #[test]
    fn contradictory_facts_and_unused_attributes() {
        let schema = "entity State {}\nentity Org { members: set<State> = [], suspended: set<State> = [] excludes members, motto: string? }\n\
                      fact a: State {}\nfact o: Org { members: [a], suspended: [a] }\n";
        let e = Engine::from_sources(vec![SourceFile::new("s.policy", schema)]).unwrap();
        let mut n = names(&e);
        n.sort();
        // `o` is also unused: no rule names it and no step attribute can hold an `Org`.
        assert_eq!(
            n,
            ["contradictory-facts", "unused-attribute", "unused-entity"]
        );
    }

    #[test]
    fn the_standard_library_lints_clean() {
        let report = lint(&Engine::standard(), &LintOptions::default());
        assert!(report.diagnostics.is_empty(), "{:#?}", report.diagnostics);
    }
}
