//! `pactum lint`: everything `check` rejects in a library (the library must compile), plus
//! named lints, each with a kebab-case name, a default severity and a stable code.
//!
//! `registry.rs` lists the lints; `hygiene.rs` holds the lints that read the library's
//! declarations (missing `cite` or `help`, unused definitions, entities and attributes,
//! contradictory facts); `semantic.rs` the exact ones below; `witness.rs` prints the steps
//! that prove a finding.
//!
//! The semantic lints (a rule that never fires or always fires, a redundant rule, a
//! conflicting pair, an `unless` that never or always applies) are exact: each question is
//! a Boolean formula over one step's possible attribute values (`lint/sym.rs`), decided by a SAT
//! solver (`lint/sat.rs`). Pairwise lints never search all pairs: rules are indexed by step kind,
//! and candidate pairs come from signatures (which of a few hundred sample steps, random
//! and solver-made, each rule fires on); only pairs whose signatures allow the relation
//! reach the solver.

mod hygiene;
mod registry;
pub(crate) mod sat;
mod semantic;
pub(crate) mod sym;
mod witness;

pub(crate) use registry::Lint;
pub use registry::{LINTS, LintInfo, lint_info};
pub(crate) use semantic::{Excess, compare_rules};

use std::collections::BTreeSet;

use crate::diag::{Code, Diagnostic, Severity};
use crate::engine::Engine;
use crate::ir::*;
use crate::source::SourceFile;

/// Severity overrides from the command line.
#[derive(Clone, Debug)]
pub struct LintOptions {
    /// Lints turned off.
    pub allow: BTreeSet<String>,
    /// Lints made errors.
    pub deny: BTreeSet<String>,
    /// Warnings count as errors for the exit code.
    pub deny_warnings: bool,
    /// Budget per semantic question (see [`crate::Limits::lint_budget`]).
    pub budget: u64,
    /// Budget for the whole lint, in questions: each semantic question asked and each
    /// candidate pair of rules examined costs one. Spent, the lint stops and its report is
    /// [`LintReport::cut_short`]. `None` (the default): no limit.
    pub total_budget: Option<u64>,
    /// Set to `true` from another thread, the lint stops as soon as it can (between two
    /// questions), its report [`LintReport::cut_short`]: for a caller whose answer is no
    /// longer needed (an editor's next keystroke). `None` (the default): never.
    pub cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
}

impl std::default::Default for LintOptions {
    fn default() -> Self {
        LintOptions {
            allow: BTreeSet::new(),
            deny: BTreeSet::new(),
            deny_warnings: false,
            budget: crate::Limits::default().lint_budget,
            total_budget: None,
            cancel: None,
        }
    }
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
    /// Questions not decided within the budget.
    pub undecided: usize,
    /// Candidate pairs left after signature filtering.
    pub candidate_pairs: usize,
    /// Rules in the library.
    pub rules: usize,
    /// The semantic lints stopped before they asked every question (cancelled, or their
    /// [`LintOptions::total_budget`] spent): findings may be missing, and each one given is
    /// still right (none is ever a guess).
    pub cut_short: bool,
}

pub(crate) struct Finder<'a> {
    pub(crate) lib: &'a Compiled,
    /// The engine, to check witnesses before they are printed.
    pub(crate) engine: &'a Engine,
    out: Vec<Diagnostic>,
    /// rule index -> lints it allows
    allowed: Vec<BTreeSet<String>>,
}

impl Finder<'_> {
    pub(crate) fn src(&self, file: u32) -> SourceFile {
        self.lib
            .source(file)
            .cloned()
            .unwrap_or_else(|| SourceFile::new("<unknown>", ""))
    }

    pub(crate) fn emit(&mut self, lint: Lint, rule: Option<usize>, d: Diagnostic) {
        let info = lint.info();
        if let Some(r) = rule {
            if self.allowed.get(r).is_some_and(|a| a.contains(info.name)) {
                return;
            }
        }
        let mut d = d;
        d.code = info.code;
        d.severity = info.default;
        d.rule = Some(info.name.to_string());
        self.out.push(d);
    }

    pub(crate) fn at_rule(&self, r: &CRule, message: String, label: &str) -> Diagnostic {
        Diagnostic::error(Code::LintUnknown, message, &self.src(r.file), r.span, label)
    }
}

/// Lints a compiled library.
pub fn lint(engine: &Engine, opts: &LintOptions) -> LintReport {
    let lib = engine.compiled();
    let mut f = Finder {
        lib,
        engine,
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
    hygiene::lints(&mut f);
    let stop = semantic::Stop::new(opts.cancel.as_deref(), opts.total_budget);
    semantic::lints(&mut f, &mut report, opts.budget, &stop);
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

#[cfg(test)]
mod tests {
    use super::sat::solve;
    use super::semantic::{Place, RuleSym, rule_sym};
    use super::sym::{self, Space};
    use super::witness::{random_words, step_text};
    use super::*;
    use crate::engine::CheckOptions;
    use crate::proposal::Proposal;
    use std::collections::BTreeMap;

    /// The formulas agree with the engine: on random steps of every kind (and on the
    /// solver's own witnesses), a rule fires in the formula exactly when `check` reports it,
    /// and a read that can fail (`may-error`) fails in the formula exactly when `check`
    /// reports that the rule could not be evaluated there.
    fn differential(engine: &Engine, rounds: usize) -> BTreeSet<String> {
        let mut failed = BTreeSet::new();
        let lib = engine.compiled();
        let reps = sym::Reps::of(lib);
        let mut seed = 0x1234_5678_9ABC_DEF1u64;
        for k in 0..lib.kinds.len() {
            let mut space = Space::new(lib, k as KindId, reps.clone(), u64::MAX / 64).unwrap();
            let rules: Vec<usize> = lib.rules_by_kind[k].iter().map(|&r| r as usize).collect();
            let mut sites: BTreeMap<usize, Vec<(sym::Site, Place)>> = BTreeMap::new();
            let syms: Vec<(usize, RuleSym)> = rules
                .iter()
                .filter(|&&r| !lib.rules[r].proposal_scope)
                .filter_map(|&r| {
                    space.start_recording();
                    let s = rule_sym(&mut space, &lib.rules[r]);
                    let recorded = space.stop_recording();
                    let s = s.ok()?;
                    if s.unmodelled.is_none() {
                        sites.insert(r, recorded.into_iter().zip(s.places.clone()).collect());
                    }
                    Some((r, s))
                })
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
                        // (A violation whose message fails is not reported: checked below.)
                        let text_fails = sites.get(r).is_some_and(|sites| {
                            sites.iter().any(|(site, place)| {
                                matches!(place, Place::Message | Place::Help | Place::Label)
                                    && vals[site.fails as usize] & (1 << bit) != 0
                            })
                        });
                        if !text_fails {
                            assert_eq!(
                                concrete, symbolic,
                                "rule {id} on\n{text}\nerrors: {errored:?}"
                            );
                        }
                        let Some(sites) = sites.get(r) else { continue };
                        // The reads that fail here, in the texts and elsewhere: at most one
                        // of each (the first failure stops the application, and the first
                        // failing text the rendering).
                        let mut in_text = BTreeSet::new();
                        let mut in_rule = BTreeSet::new();
                        for (site, place) in sites {
                            if vals[site.fails as usize] & (1 << bit) == 0 {
                                continue;
                            }
                            let span = (site.span.start, site.span.end);
                            if matches!(place, Place::Message | Place::Help | Place::Label) {
                                in_text.insert(span);
                            } else {
                                in_rule.insert(span);
                            }
                        }
                        assert!(
                            in_text.len() <= 1 && in_rule.len() <= 1,
                            "{id}: {in_text:?} {in_rule:?}"
                        );
                        // A failing text replaces the application's failure in the report.
                        let symbolic = if in_text.is_empty() { in_rule } else { in_text };
                        let concrete: BTreeSet<(u32, u32)> = report
                            .errors
                            .iter()
                            .filter(|e| {
                                e.rule.as_deref() == Some(id)
                                    && e.code == crate::diag::Code::AbsentAttribute.as_str()
                            })
                            .filter_map(|e| e.diagnostic.related.first())
                            .map(|r| (r.span.start, r.span.end))
                            .collect();
                        assert_eq!(
                            concrete, symbolic,
                            "rule {id}: the reads that fail on\n{text}\nerrors: {:#?}",
                            report.errors
                        );
                        if !concrete.is_empty() {
                            failed.insert(id.to_string());
                        }
                    }
                }
            }
        }
        failed
    }

    /// Rules whose reads fail in every way the engine can: in a `when`, a condition, an
    /// `each` collection, an exception, a message, a help, a label; through `&&`, `||`,
    /// `if`, `match`, quantifiers over sets and lists, and entity attributes; guarded or not.
    #[test]
    fn failing_reads_agree_with_the_engine() {
        let rules = [
            rule("c1", "error", "forbid s.host == a"),
            rule("c2", "error", "when s has host forbid s.host.rank > 2"),
            rule(
                "c3",
                "error",
                "forbid s.armed && s.signed < 2020-01-01 || s.delivered > 2021-01-01",
            ),
            rule(
                "c4",
                "error",
                "forbid if s has signed then s.signed < 2020-01-01 else s.host.rank > 1",
            ),
            rule(
                "c5",
                "error",
                "forbid each p in s.who where p.rank > 1 unless s.host == b unless s.signed > 2020-01-01",
            ),
            rule("c6", "error", "forbid any p in s.who: p == b && p.rank > 2"),
            rule("c7", "error", "when s.size > 2 forbid s.host in s.who"),
            rule("c8", "error", "forbid each p in s.who | [s.host] where p != a"),
            "rule m1 { severity error cite t \"art. 1\" on ex as s forbid !(s has host) message \"host {s.host}\" help \"h\" }\n".into(),
            "rule m2 { severity error cite t \"art. 1\" on ex as s forbid each p in s.who where p != a || s.armed message \"{p.rank}\" help \"{s.signed}\" label \"{s.host}\" }\n".into(),
            "rule m3 { severity error cite t \"art. 1\" on ex as s forbid each p in s.who where s.size > 1 unless p.rank > 2 message \"{p} {s.id} {if s has host then s.host.rank else 0}\" help \"h\" }\n".into(),
            "rule l1 { severity error cite t \"art. 1\" on tr as s forbid all q in s.stops: q.rank < 5 message \"m\" help \"h\" }\n".into(),
            "rule l2 { severity error cite t \"art. 1\" on tr as s forbid each q in s.stops where q == a || q.rank > 2 message \"{q}\" help \"h\" }\n".into(),
            "rule k1 { severity error cite t \"art. 1\" on ex, fl as s forbid match s { ex => s has host && s.host.rank > 2, fl => s.operator.rank > 2 } message \"m\" help \"h\" }\n".into(),
        ];
        let failed = differential(&lib(&rules.concat()), 4);
        let want = [
            "c1", "c2", "c3", "c4", "c5", "c7", "c8", "k1", "l1", "m1", "m2", "m3",
        ];
        assert_eq!(
            failed,
            want.map(String::from).into(),
            "c6 and l2 are guarded"
        );
    }

    #[test]
    fn repaired_witnesses_are_valid_steps_on_which_the_rule_fires() {
        let engine = Engine::standard();
        let lib = engine.compiled();
        let reps = sym::Reps::of(lib);
        for k in 0..lib.kinds.len() {
            let mut space = Space::new(lib, k as KindId, reps.clone(), u64::MAX / 64).unwrap();
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
            entity State { rank: int? }
            entity Region {}
            entity Instrument { title: string, entry_into_force: date? }
            type Area = State | Region
            enum Cargo { arms, food }
            fact a: State {}
            fact b: State { rank: 3 }
            fact sea: Region {}
            fact t: Instrument { title: "T", entry_into_force: 2020-01-01 }
            step ex { who: set<State>, area: Area, armed: bool = true, host: State?, cargo: set<Cargo> = [], size: int = 0, floor: int = 0, offer: int = 0, cap: int = 0, signed: date?, delivered: date? }
            step fl { route: list<Area>, operator: State }
            step tr { stops: list<State> }
        "#;
        Engine::from_sources(vec![
            SourceFile::new("s.policy", schema),
            SourceFile::new("r.policy", rules),
        ])
        .unwrap_or_else(|e| panic!("{e:#?}"))
    }

    /// The default options, with `may-error` off (for tests about the other lints that read
    /// optional attributes unguarded).
    fn but_may_error() -> LintOptions {
        LintOptions {
            allow: BTreeSet::from(["may-error".to_string()]),
            ..LintOptions::default()
        }
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

    /// The cases of issue 12: each must be decided, and decided right.
    #[test]
    fn ints_and_dates_are_decided_exactly() {
        // Three ordered values below or above a constant: they exist.
        assert!(
            names(&lib(&rule(
                "r",
                "error",
                "forbid s.floor > 100 && s.offer > s.floor && s.cap > s.offer"
            )))
            .is_empty()
        );
        assert!(names(&lib(&rule("r", "error", "when s has signed && s has delivered forbid s.signed < s.delivered && s.delivered < s.date && s.date < 2020-01-01"))).is_empty());
        // A window that is empty, and one that is not.
        assert_eq!(
            names(&lib(&rule(
                "r",
                "error",
                "forbid as_of < 2021-01-01 && as_of > 2022-06-01"
            ))),
            ["rule-never-fires"]
        );
        assert!(
            names(&lib(&rule(
                "r",
                "error",
                "forbid as_of > 2021-01-01 && as_of < 2021-01-03"
            )))
            .is_empty()
        );
        // Adjacent days: nothing between them.
        assert_eq!(
            names(&lib(&rule(
                "r",
                "error",
                "forbid as_of > 2021-01-01 && as_of < 2021-01-02"
            ))),
            ["rule-never-fires"]
        );
        // The domains' ends.
        assert_eq!(
            names(&lib(&rule("r", "error", "forbid s.date > 9999-12-31"))),
            ["rule-never-fires"]
        );
        assert!(names(&lib(&rule("r", "error", "forbid s.date >= 9999-12-31"))).is_empty());
        assert_eq!(
            names(&lib(&rule("r", "error", "forbid s.date < 0001-01-01"))),
            ["rule-never-fires"]
        );
        assert_eq!(
            names(&lib(&rule(
                "r",
                "error",
                "forbid s.size > 9223372036854775807"
            ))),
            ["rule-never-fires"]
        );
        assert!(
            names(&lib(&rule(
                "r",
                "error",
                "forbid s.size > 9223372036854775806"
            )))
            .is_empty()
        );
        // Four terms in one gap between two constants.
        assert!(names(&lib(&rule("r", "error", "forbid s.size > 1 && s.floor > s.size && s.offer > s.floor && s.cap > s.offer && s.cap < 6"))).is_empty());
        assert_eq!(
            names(&lib(&rule(
                "r",
                "error",
                "forbid s.size > 1 && s.floor > s.size && s.offer > s.floor && s.cap > s.offer && s.cap < 5"
            ))),
            ["rule-never-fires"]
        );
    }

    #[test]
    fn the_misses_of_issue_12_are_found() {
        // Always fires, relative to its `when`.
        assert_eq!(
            names(&lib(&rule(
                "r",
                "error",
                "when s.size > 5 forbid s.size > 3"
            ))),
            ["rule-always-fires"]
        );
        assert!(
            names(&lib(&rule(
                "r",
                "error",
                "when s.size > 2 forbid s.size > 3"
            )))
            .is_empty()
        );
        // An exception shadowed by an earlier one.
        let e = lib(&rule(
            "r",
            "error",
            "forbid each p in s.who where p != b || !s.armed unless p == a || s.armed unless p == a",
        ));
        let d = lint(&e, &LintOptions::default()).diagnostics;
        assert_eq!(d.len(), 1, "{d:#?}");
        assert_eq!(d[0].rule.as_deref(), Some("unless-never-applies"));
        assert!(
            d[0].message.contains("exceptions before it"),
            "{}",
            d[0].message
        );
        assert!(
            names(&lib(&rule(
                "r",
                "error",
                "forbid each p in s.who where p != b || !s.armed unless p == a unless s.size > 3"
            )))
            .is_empty()
        );
        // A binder never read.
        assert_eq!(
            names(&lib(&rule("r", "error", "forbid any p in s.who: s.armed"))),
            ["unused-binder"]
        );
        assert!(
            names(&lib(&rule(
                "r",
                "error",
                "forbid any p in s.who: p == a && s.armed"
            )))
            .is_empty()
        );
        // Redundancy however many rules cover: twelve nested thresholds, each covered.
        let many: String = (0..12)
            .map(|i| {
                rule(
                    &format!("t{i:02}"),
                    "error",
                    &format!("forbid s.size > {i}"),
                )
            })
            .collect();
        let n = names(&lib(&many));
        assert_eq!(n.len(), 11, "{n:?}");
        assert!(n.iter().all(|x| x == "redundant-rule"));
        // Five hundred (issue 12: "today take forever"): each found, none undecided.
        let many: String = (0..500)
            .map(|i| {
                rule(
                    &format!("t{i:03}"),
                    "error",
                    &format!("forbid s.size > {i}"),
                )
            })
            .collect();
        let report = lint(&lib(&many), &LintOptions::default());
        assert_eq!(report.undecided, 0);
        let redundant = report
            .diagnostics
            .iter()
            .filter(|d| d.rule.as_deref() == Some("redundant-rule"))
            .count();
        assert_eq!(redundant, 499);
    }

    /// A rule that can never fire shows the conditions that clash, and only those.
    #[test]
    fn never_fires_names_the_clashing_conditions() {
        let marked = |body: &str| -> Vec<(String, String)> {
            let d = lint(&lib(&rule("r", "error", body)), &but_may_error()).diagnostics;
            assert_eq!(d.len(), 1, "{d:#?}");
            d[0].related
                .iter()
                .map(|r| {
                    let text = r.source.text();
                    let s = text
                        .get(r.span.start as usize..r.span.end as usize)
                        .unwrap_or("");
                    (s.to_string(), r.label.clone())
                })
                .collect()
        };
        let m =
            marked("when s.armed && s.host == a forbid s.size > 3 && s.area == sea && s.size < 2");
        let texts: Vec<&str> = m.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(texts, ["s.size > 3", "s.size < 2"]);
        // Across the `when` and the condition.
        let m = marked("when s.size > 3 && s.armed forbid s.area == sea && s.size < 2");
        let texts: Vec<&str> = m.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(texts, ["s.size > 3", "s.size < 2"]);
        assert!(m[0].1.contains("`when`"), "{m:?}");
    }

    /// Redundancies and conflicts mark the conditions that make them so, and only those.
    #[test]
    fn pair_findings_name_their_conditions() {
        let marked = |rules: &str| -> Vec<String> {
            let d = lint(&lib(rules), &LintOptions::default()).diagnostics;
            assert_eq!(d.len(), 1, "{d:#?}");
            d[0].related
                .iter()
                .map(|r| {
                    let t = r.source.text();
                    t.get(r.span.start as usize..r.span.end as usize)
                        .unwrap_or("")
                        .to_string()
                })
                .collect()
        };
        let both = rule("wide", "error", "forbid s.area == sea")
            + &rule(
                "narrow",
                "warning",
                "forbid s.armed && s.area == sea && s.size > 2",
            );
        assert_eq!(marked(&both), ["s.area == sea", "s.area == sea"]);
        let conflict = rule("must", "error", "require s.armed || s.size > 3")
            + &rule("mustnt", "error", "forbid s.armed || s.size > 3");
        assert_eq!(
            marked(&conflict),
            ["s.armed || s.size > 3", "s.armed || s.size > 3"]
        );
    }

    /// Lists are walked in the order the proposal writes them: `b` (ranked) before `a`
    /// (unranked, an error to read) fires; the other order fails on `a` first.
    #[test]
    fn lists_are_walked_in_proposal_order() {
        // (`q.rank` fails on `a`, which has no rank: `may-error` says so each time.)
        let r = "rule r { severity error cite t \"art. 1\" on tr as s forbid (any q in s.stops: q.rank > 2) && a in s.stops message \"m\" help \"h\" }\n";
        assert_eq!(names(&lib(r)), ["may-error"], "it fires on stops: [b, a]");
        let r = "rule r { severity error cite t \"art. 1\" on tr as s forbid (all q in s.stops: q.rank > 2) && a in s.stops message \"m\" help \"h\" }\n";
        assert_eq!(
            names(&lib(r)),
            ["rule-never-fires", "may-error"],
            "`all` reads a's rank"
        );
        let r = "rule r { severity error cite t \"art. 1\" on tr as s forbid each q in s.stops where q == a || q.rank > 2 unless q == b message \"m\" help \"h\" }\n";
        assert!(names(&lib(r)).is_empty(), "`q == a` guards the read");
    }

    #[test]
    fn what_is_not_decided_within_the_budget_is_said() {
        // Ten seats, nine values: the pigeonhole principle, hard for resolution.
        let schema = "entity S {}\nfact i: Instrument { title: \"T\" }\nentity Instrument { title: string }\n".to_string()
            + &(0..9).map(|i| format!("fact v{i}: S {{}}\n")).collect::<String>()
            + "step seating { " + &(0..10).map(|i| format!("s{i}: S")).collect::<Vec<_>>().join(", ") + " }\n";
        let pairs: Vec<String> = (0..10)
            .flat_map(|i| (i + 1..10).map(move |j| format!("s.s{i} != s.s{j}")))
            .collect();
        let rules = format!(
            "rule p {{ severity error cite i \"art. 1\" on seating as s forbid {} message \"m\" help \"h\" }}\n",
            pairs.join(" && ")
        );
        let e = Engine::from_sources(vec![
            SourceFile::new("s.policy", schema.as_str()),
            SourceFile::new("r.policy", rules.as_str()),
        ])
        .unwrap_or_else(|e| panic!("{e:#?}"));
        let opts = LintOptions {
            budget: 100,
            ..LintOptions::default()
        };
        let report = lint(&e, &opts);
        let n: Vec<_> = report
            .diagnostics
            .iter()
            .filter_map(|d| d.rule.clone())
            .collect();
        assert_eq!(n, ["undecided"], "never a silent pass");
        assert!(report.undecided >= 1);
        // Twenty nested quantifiers are decided.
        let mut body = "p19 == b".to_string();
        for i in (0..20).rev() {
            body = format!("any p{i} in s.who: (p{i} == a || {body})");
        }
        let body = body.replacen("p19 == b", "p18 == b", 1);
        let r = rule("nested", "error", &format!("forbid {body}"));
        let report = lint(&lib(&r), &LintOptions::default());
        assert_eq!(report.undecided, 0);
        assert!(report.not_analysed.is_empty());
    }

    #[test]
    fn an_absent_optional_attribute_is_not_a_firing() {
        // Reading `host` unguarded errors when it is absent: the rule still can fire (and
        // `may-error` reports the read).
        assert_eq!(
            names(&lib(&rule("r", "error", "forbid s.host == a"))),
            ["may-error"]
        );
        // A condition that holds only when the read fails can never fire.
        assert_eq!(
            names(&lib(&rule(
                "r",
                "error",
                "forbid !(s has host) && s.host == a"
            ))),
            ["rule-never-fires", "may-error"]
        );
    }

    /// `may-error`: every read that can find its attribute absent where it is evaluated, and
    /// only those.
    #[test]
    fn may_error_finds_the_reads_that_can_fail() {
        let may = |body: &str| {
            let d = lint(&lib(&rule("r", "error", body)), &LintOptions::default()).diagnostics;
            d.iter()
                .filter(|d| d.rule.as_deref() == Some("may-error"))
                .map(|d| {
                    let t = d.source.as_ref().map(|s| s.text()).unwrap_or("");
                    t.get(d.span.start as usize..d.span.end as usize)
                        .unwrap_or("")
                        .to_string()
                })
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect::<Vec<_>>()
        };
        assert_eq!(may("forbid s.host == a"), ["s.host"]);
        assert_eq!(
            may("forbid s.host.rank > 2 && s has host"),
            ["s.host", "s.host.rank"]
        );
        // Guards: `has`, a `when`, `&&`, `||`, `if`, a binder compared first, a default.
        assert!(may("forbid s has host && s.host == a").is_empty());
        assert!(may("when s has host forbid s.host == a").is_empty());
        assert!(may("forbid !(s has host) || s.host == a").is_empty());
        assert!(may("forbid if s has host then s.host == a else s.armed").is_empty());
        assert!(may("forbid any p in s.who: p == b && p.rank > 2").is_empty());
        assert!(may("forbid s.size > 2").is_empty());
        // A guard of the wrong attribute, or after the read.
        assert_eq!(may("forbid s has signed && s.host == a"), ["s.host"]);
        assert_eq!(may("forbid any p in s.who: p.rank > 2"), ["p.rank"]);
        // In a message, where the rule fires only when the attribute is absent.
        let r = "rule r { severity error cite t \"art. 1\" on ex as s forbid !(s has host) message \"{s.host}\" help \"h\" }\n";
        let d = lint(&lib(r), &LintOptions::default()).diagnostics;
        assert_eq!(d.len(), 1, "{d:#?}");
        assert!(
            d[0].message.contains("its message reads `s.host`"),
            "{}",
            d[0].message
        );
        assert_eq!(d[0].severity, Severity::Error);
        assert!(
            d[0].notes.iter().any(|n| n.contains("proposal witness")),
            "{:?}",
            d[0].notes
        );
        // A rule the formulas do not model: checked only for reads that can fail at all.
        let why = |body: &str| {
            let report = lint(&lib(&rule("j", "error", body)), &LintOptions::default());
            assert!(report.diagnostics.is_empty(), "{:#?}", report.diagnostics);
            report.not_analysed[0].1.clone()
        };
        let w = why("forbid any o in steps(fl): o.operator == s.host");
        assert!(w.contains("`may-error` does not check its reads"), "{w}");
        let w = why("forbid any o in steps(fl): o.operator == a");
        assert!(!w.contains("may-error"), "{w}");
        // Allowed with a reason.
        let r = "rule r { severity error cite t \"art. 1\" on ex as s forbid !(s has host) message \"{s.host}\" help \"h\" allow may-error because \"known\" }\n";
        assert!(names(&lib(r)).is_empty());
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

    /// A lint stopped early (its whole budget spent, or cancelled) says so, claims nothing
    /// it did not decide (no `undecided` for the questions left), and finds less than the
    /// full lint: the same findings, but for which rule of a redundant pair is named (each
    /// claim still true).
    #[test]
    fn a_lint_cut_short_says_so_and_claims_only_what_it_decided() {
        let copies: String = (0..40)
            .map(|i| {
                format!(
                    "rule copy.r{i} {{\n  severity warning\n  cite caspian_convention_2018 \"art. 3\"\n  on exercise as s\n  when s.armed\n  forbid s.area == caspian_sea\n  message \"m\"\n  help \"h\"\n}}\n"
                )
            })
            .collect();
        let mut sources = Engine::standard().sources().to_vec();
        sources.push(SourceFile::new("copies.policy", copies));
        let e = Engine::from_sources(sources).unwrap_or_else(|e| panic!("{e:#?}"));
        let full = lint(&e, &LintOptions::default());
        assert!(!full.cut_short);
        for opts in [
            LintOptions {
                total_budget: Some(50),
                ..LintOptions::default()
            },
            LintOptions {
                cancel: Some(std::sync::Arc::new(std::sync::atomic::AtomicBool::new(
                    true,
                ))),
                ..LintOptions::default()
            },
        ] {
            let short = lint(&e, &opts);
            assert!(short.cut_short);
            assert_eq!(short.undecided, 0);
            for d in &short.diagnostics {
                assert_ne!(d.rule.as_deref(), Some("undecided"));
                if d.rule.as_deref() != Some("redundant-rule") {
                    assert!(full.diagnostics.contains(d), "{d:?}");
                }
            }
            let redundant = |r: &LintReport| {
                r.diagnostics
                    .iter()
                    .filter(|d| d.rule.as_deref() == Some("redundant-rule"))
                    .count()
            };
            assert!(redundant(&short) < redundant(&full));
        }
    }
}
