//! `pactum explore`: generate proposals, check them, and report how the rules interact:
//! which fire together on one step, which imply another, which never fired, which `unless`
//! exceptions were never taken; each finding with a minimal (shrunk) witness proposal.
//!
//! The generators are the proptest strategies of `pactum::testing`, which the `cli` feature
//! (on by default) brings.

use std::path::PathBuf;

use crate::cli::{Exit, Format};

/// Arguments of `pactum explore`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Policy library folder (default: the standard library built into pactum).
    #[arg(long, value_name = "DIR")]
    policies: Option<PathBuf>,
    /// How many proposals to generate.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    cases: u32,
    /// Seed of the generator: the same seed gives the same report.
    #[arg(long, value_name = "S", default_value_t = 0)]
    seed: u64,
    /// Evaluation date (`as_of`) of every check, YYYY-MM-DD.
    #[arg(long, value_name = "DATE", default_value = "2026-01-01")]
    as_of: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
}

/// Runs the exploration and prints the report.
pub fn run(args: &Args, out: &mut dyn std::io::Write) -> Exit {
    imp::run(args, out)
}

mod imp {
    use std::collections::{BTreeMap, BTreeSet};

    use proptest::strategy::{BoxedStrategy, Strategy, ValueTree};
    use serde::Serialize;

    use super::Args;
    use crate::cli::test::unless_clauses;
    use crate::cli::{Exit, Format, color, count, emit};
    use pactum::Date;
    use pactum::Diagnostic;
    use pactum::Proposal;
    use pactum::testing::{proposals, runner};
    use pactum::{CheckOptions, Coverage, Engine};
    use pactum::{Report, RunReport, render_human};

    /// Most shrinking steps per witness.
    const MAX_SHRINK: u32 = 4096;

    /// A finding's minimal witness: a proposal, printed as a ready-to-paste test.
    #[derive(Clone, Debug, Serialize)]
    struct Witness {
        /// The generated case the witness was shrunk from (0-based).
        case: u32,
        /// Steps of the shrunk proposal.
        steps: usize,
        /// The proposal in text form with `// expect:` lines.
        proposal: String,
    }

    #[derive(Clone, Debug, Serialize)]
    struct Fired {
        rule: String,
        /// Cases (proposals) in which it fired.
        cases: u64,
        /// Steps on which it fired.
        steps: u64,
        witness: Witness,
    }

    #[derive(Clone, Debug, Serialize)]
    struct Together {
        rules: [String; 2],
        /// Steps on which both fired.
        steps: u64,
        witness: Witness,
    }

    #[derive(Clone, Debug, Serialize)]
    struct Implies {
        rule: String,
        implies: String,
        /// Steps on which `rule` fired (and `implies` with it, every time).
        steps: u64,
    }

    #[derive(Clone, Debug, Serialize)]
    struct UnlessFinding {
        rule: String,
        index: usize,
        location: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        because: Option<String>,
        /// Bindings it spared.
        taken: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        witness: Option<Witness>,
    }

    #[derive(Clone, Debug, Serialize)]
    struct Exploration {
        version: u32,
        library: String,
        seed: u64,
        cases: u32,
        as_of: String,
        /// Generated proposals the engine rejected (a bug in the generator or the engine).
        invalid_cases: u64,
        rules: usize,
        fired: Vec<Fired>,
        never_fired: Vec<String>,
        together: Vec<Together>,
        implies: Vec<Implies>,
        unless_taken: Vec<UnlessFinding>,
        unless_never_taken: Vec<UnlessFinding>,
    }

    /// A case's rules by step (`None`: proposal-wide).
    type ByStep = BTreeMap<Option<String>, BTreeSet<String>>;

    fn by_step(report: &Report) -> ByStep {
        let mut m = ByStep::new();
        for v in &report.violations {
            m.entry(v.step.clone()).or_default().insert(v.rule.clone());
        }
        m
    }

    struct Explorer<'a> {
        engine: &'a Engine,
        strategy: BoxedStrategy<Proposal>,
        seed: u64,
        opts: CheckOptions,
    }

    impl Explorer<'_> {
        /// The value tree of case `i`: every case has its own seeded runner, so any case can
        /// be regenerated (and shrunk) on its own.
        fn tree(&self, i: u32) -> Option<Box<dyn ValueTree<Value = Proposal>>> {
            let mut r = runner(case_seed(self.seed, i), 1);
            self.strategy.new_tree(&mut r).ok()
        }

        fn check(&self, p: &Proposal) -> (Report, Coverage) {
            let mut cov = Coverage::new(self.engine);
            let r = self.engine.check_with_coverage(p, &self.opts, &mut cov);
            (r, cov)
        }

        /// Shrinks case `i` to a minimal proposal for which `holds` stays true, the way
        /// proptest shrinks a failing case (simplify while it holds, else complicate).
        fn witness(&self, i: u32, holds: &dyn Fn(&Report, &Coverage) -> bool) -> Option<Witness> {
            let mut tree = self.tree(i)?;
            let test = |p: &Proposal| {
                let (r, c) = self.check(p);
                r.errors.is_empty() && holds(&r, &c)
            };
            let mut best = tree.current();
            if !test(&best) {
                return None;
            }
            let mut iters = 0;
            if tree.simplify() {
                loop {
                    iters += 1;
                    if iters > MAX_SHRINK {
                        break;
                    }
                    let cur = tree.current();
                    if test(&cur) {
                        best = cur;
                        if !tree.simplify() {
                            break;
                        }
                    } else if !tree.complicate() {
                        break;
                    }
                }
            }
            let (report, _) = self.check(&best);
            Some(Witness {
                case: i,
                steps: best.steps.len(),
                proposal: as_test(&best, &report, &self.opts),
            })
        }
    }

    /// The proposal's text with `// expect:` lines of its violations: a ready test.
    fn as_test(p: &Proposal, report: &Report, opts: &CheckOptions) -> String {
        let mut out = String::new();
        let mut keys: Vec<String> = report
            .violations
            .iter()
            .map(|v| {
                let mut k = format!("// expect: {} {}", v.rule, v.step.as_deref().unwrap_or("-"));
                if let Some(b) = &v.binding {
                    k.push(' ');
                    k.push_str(b);
                }
                k
            })
            .collect();
        keys.dedup();
        if keys.is_empty() {
            keys.push("// expect: nothing".into());
        }
        for k in keys {
            out.push_str(&k);
            out.push('\n');
        }
        if let Some(d) = opts.as_of {
            out.push_str(&format!("// as-of: {d}\n"));
        }
        out.push_str(&p.to_text());
        out
    }

    /// A per-case seed (splitmix64 of the run's seed and the case number).
    fn case_seed(seed: u64, i: u32) -> u64 {
        let mut z = seed ^ u64::from(i).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn usage(out: &mut dyn std::io::Write, format: Format, d: Diagnostic) -> Exit {
        match format {
            Format::Human => emit(out, &render_human(&[&d], color())),
            Format::Json => {
                let r = Report::invalid("<command line>", None, vec![d]);
                let text = crate::cli::to_json(&RunReport::new(vec![r]));
                emit(out, &format!("{text}\n"));
            }
        }
        Exit::Invalid
    }

    pub(super) fn run(args: &Args, out: &mut dyn std::io::Write) -> Exit {
        let Ok(as_of) = Date::parse(&args.as_of) else {
            return usage(out, args.format, crate::cli::not_a_date(&args.as_of));
        };
        let (engine, library) = match &args.policies {
            None => (Engine::standard(), "<std>".to_string()),
            Some(dir) => match Engine::load(dir) {
                Ok(e) => (e, dir.display().to_string()),
                Err(errors) => {
                    let n = errors.len();
                    match args.format {
                        Format::Human => {
                            let diags: Vec<&Diagnostic> = errors.iter().collect();
                            let mut text = render_human(&diags, color());
                            text.push_str(&format!(
                                "policy library `{}` is invalid ({}): nothing was explored\n",
                                pactum::printable(&dir.display().to_string()),
                                count(n as u64, "error")
                            ));
                            emit(out, &text);
                        }
                        Format::Json => {
                            let r = Report::invalid(&dir.display().to_string(), None, errors);
                            let text = crate::cli::to_json(&RunReport::new(vec![r]));
                            emit(out, &format!("{text}\n"));
                        }
                    }
                    return Exit::Invalid;
                }
            },
        };
        let ex = explore(&engine, library, args.seed, args.cases, as_of);
        match args.format {
            Format::Json => {
                let text = crate::cli::to_json(&ex);
                emit(out, &format!("{text}\n"));
            }
            Format::Human => emit(out, &human(&ex)),
        }
        if ex.invalid_cases > 0 {
            Exit::Invalid
        } else {
            Exit::Ok
        }
    }

    fn explore(
        engine: &Engine,
        library: String,
        seed: u64,
        cases: u32,
        as_of: Date,
    ) -> Exploration {
        let ex = Explorer {
            engine,
            strategy: proposals(engine),
            seed,
            opts: CheckOptions {
                as_of: Some(as_of),
                ..CheckOptions::default()
            },
        };
        let rule_ids: Vec<String> = engine.rules().map(|r| r.id.to_string()).collect();
        let mut invalid_cases = 0u64;
        let mut total = Coverage::new(engine);
        // rule -> (cases, steps, first case)
        let mut fired: BTreeMap<String, (u64, u64, u32)> = BTreeMap::new();
        let mut together: BTreeMap<(String, String), (u64, u32)> = BTreeMap::new();
        // rule -> rules that fired on every step it fired on
        let mut implied: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        // (rule index, unless index) -> first case
        let mut unless_first: BTreeMap<(usize, usize), u32> = BTreeMap::new();
        for i in 0..cases {
            let Some(tree) = ex.tree(i) else { continue };
            let p = tree.current();
            let (report, cov) = ex.check(&p);
            if !report.errors.is_empty() {
                invalid_cases += 1;
                continue;
            }
            total.merge(&cov);
            for (r, per) in cov.unless_taken.iter().enumerate() {
                for (k, n) in per.iter().enumerate() {
                    if *n > 0 {
                        unless_first.entry((r, k)).or_insert(i);
                    }
                }
            }
            let steps = by_step(&report);
            let mut in_case: BTreeSet<&String> = BTreeSet::new();
            for rules in steps.values() {
                for a in rules {
                    in_case.insert(a);
                    let e = fired.entry(a.clone()).or_insert((0, 0, i));
                    e.1 += 1;
                    let others: BTreeSet<String> =
                        rules.iter().filter(|b| *b != a).cloned().collect();
                    implied
                        .entry(a.clone())
                        .and_modify(|s| *s = s.intersection(&others).cloned().collect())
                        .or_insert(others);
                    for b in rules {
                        if a < b {
                            together.entry((a.clone(), b.clone())).or_insert((0, i)).0 += 1;
                        }
                    }
                }
            }
            for a in in_case {
                if let Some(e) = fired.get_mut(a) {
                    e.0 += 1;
                }
            }
        }
        let mut out = Exploration {
            version: 1,
            library,
            seed,
            cases,
            as_of: as_of.to_string(),
            invalid_cases,
            rules: rule_ids.len(),
            fired: Vec::new(),
            never_fired: Vec::new(),
            together: Vec::new(),
            implies: Vec::new(),
            unless_taken: Vec::new(),
            unless_never_taken: Vec::new(),
        };
        for id in &rule_ids {
            let Some(&(cases, steps, first)) = fired.get(id) else {
                out.never_fired.push(id.clone());
                continue;
            };
            let rule = id.clone();
            let holds = move |r: &Report, _: &Coverage| r.violations.iter().any(|v| v.rule == rule);
            if let Some(witness) = ex.witness(first, &holds) {
                out.fired.push(Fired {
                    rule: id.clone(),
                    cases,
                    steps,
                    witness,
                });
            }
        }
        for ((a, b), (steps, first)) in &together {
            let (a2, b2) = (a.clone(), b.clone());
            let holds = move |r: &Report, _: &Coverage| {
                by_step(r)
                    .values()
                    .any(|rules| rules.contains(&a2) && rules.contains(&b2))
            };
            if let Some(witness) = ex.witness(*first, &holds) {
                out.together.push(Together {
                    rules: [a.clone(), b.clone()],
                    steps: *steps,
                    witness,
                });
            }
        }
        for (a, bs) in &implied {
            let steps = fired.get(a).map_or(0, |f| f.1);
            for b in bs {
                out.implies.push(Implies {
                    rule: a.clone(),
                    implies: b.clone(),
                    steps,
                });
            }
        }
        let clauses = unless_clauses(engine);
        for (r, infos) in clauses.iter().enumerate() {
            for (k, info) in infos.iter().enumerate() {
                let taken = total
                    .unless_taken
                    .get(r)
                    .and_then(|u| u.get(k))
                    .copied()
                    .unwrap_or(0);
                let mut f = UnlessFinding {
                    rule: rule_ids.get(r).cloned().unwrap_or_default(),
                    index: info.index,
                    location: info.location.clone(),
                    because: info.because.clone(),
                    taken,
                    witness: None,
                };
                match unless_first.get(&(r, k)) {
                    Some(&first) => {
                        let holds = move |_: &Report, c: &Coverage| {
                            c.unless_taken
                                .get(r)
                                .and_then(|u| u.get(k))
                                .is_some_and(|n| *n > 0)
                        };
                        f.witness = ex.witness(first, &holds);
                        out.unless_taken.push(f);
                    }
                    None => out.unless_never_taken.push(f),
                }
            }
        }
        out
    }

    fn indent(text: &str, by: &str) -> String {
        text.lines()
            .map(|l| {
                if l.is_empty() {
                    String::new()
                } else {
                    format!("{by}{l}")
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
            + "\n"
    }

    fn human(ex: &Exploration) -> String {
        let mut out = String::new();
        let unless = ex.unless_taken.len() + ex.unless_never_taken.len();
        out.push_str(&format!(
            "explored {} generated proposals (seed {}, as of {}) against {}: {}/{} rules fired, {}/{} unless exceptions taken\n",
            ex.cases,
            ex.seed,
            ex.as_of,
            ex.library,
            ex.fired.len(),
            ex.rules,
            ex.unless_taken.len(),
            unless
        ));
        if ex.invalid_cases > 0 {
            out.push_str(&format!(
                "error: {} generated proposals were rejected as invalid input\n",
                ex.invalid_cases
            ));
        }
        out.push_str("\n== never fired\n");
        if ex.never_fired.is_empty() {
            out.push_str("  (every rule fired)\n");
        }
        for r in &ex.never_fired {
            out.push_str(&format!("  {r}: not in {} cases\n", ex.cases));
        }
        out.push_str("\n== unless exceptions never taken\n");
        if ex.unless_never_taken.is_empty() {
            out.push_str("  (every exception was taken)\n");
        }
        for u in &ex.unless_never_taken {
            out.push_str(&format!(
                "  {} unless #{} ({})\n",
                u.rule, u.index, u.location
            ));
        }
        out.push_str(
            "\n== implications (on every step where the first fired, the second fired too)\n",
        );
        if ex.implies.is_empty() {
            out.push_str("  (none)\n");
        }
        for i in &ex.implies {
            out.push_str(&format!(
                "  {} => {} (on all {})\n",
                i.rule,
                i.implies,
                count(i.steps, "step")
            ));
        }
        out.push_str("\n== rules that fire together on one step\n");
        if ex.together.is_empty() {
            out.push_str("  (none)\n");
        }
        for t in &ex.together {
            out.push_str(&format!(
                "  {} + {} (on {}); minimal witness:\n",
                t.rules[0],
                t.rules[1],
                count(t.steps, "step")
            ));
            out.push_str(&indent(&t.witness.proposal, "      "));
        }
        out.push_str("\n== unless exceptions taken\n");
        if ex.unless_taken.is_empty() {
            out.push_str("  (none)\n");
        }
        for u in &ex.unless_taken {
            out.push_str(&format!(
                "  {} unless #{} ({}) spared {}; minimal witness:\n",
                u.rule,
                u.index,
                u.location,
                count(u.taken, "binding")
            ));
            if let Some(w) = &u.witness {
                out.push_str(&indent(&w.proposal, "      "));
            }
        }
        out.push_str("\n== rules that fired\n");
        for f in &ex.fired {
            out.push_str(&format!(
                "  {} (in {} of {} cases, on {}); minimal witness:\n",
                f.rule,
                f.cases,
                ex.cases,
                count(f.steps, "step")
            ));
            out.push_str(&indent(&f.witness.proposal, "      "));
        }
        out
    }
}
