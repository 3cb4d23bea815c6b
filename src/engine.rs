//! The engine: a compiled policy library that checks proposals.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::bind::bind;
use crate::compile::compile;
use crate::date::Date;
use crate::diag::{Code, Diagnostic, Errors, Location, Severity};
use crate::eval::{Bound, Ctx, EvalError, Evidence, Owner};
use crate::fast::{FastRule, Slow};
use crate::ir::*;
use crate::limits::Limits;
use crate::proposal::{Proposal, RawValue};
use crate::report::{ErrorEntry, Report, Violation};
use crate::source::{SourceFile, Span};

/// Options of one check.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// The evaluation date (`as_of`, and the date of undated steps in undated proposals).
    pub as_of: Option<Date>,
    /// Warnings make the proposal non-compliant.
    pub deny_warnings: bool,
    /// Evaluation budget per proposal (quantifier iterations and bindings).
    pub budget: u64,
}

impl std::default::Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            as_of: None,
            deny_warnings: false,
            budget: Limits::default().eval_budget,
        }
    }
}

/// A policy library compiled for checking. `Send + Sync`: share one across threads.
#[derive(Debug)]
pub struct Engine {
    lib: Compiled,
    /// For each step kind, its rules (index, and the rule lowered for the fast path for a
    /// step of this kind, when it is).
    fast: Vec<Vec<(u32, Option<FastRule>)>>,
}

/// A proposal validated and bound to an engine's schema ([`Engine::prepare`]).
#[derive(Debug)]
pub struct Prepared<'p> {
    proposal: &'p Proposal,
    bound: Bound,
}

impl Prepared<'_> {
    /// The number of steps.
    pub fn steps(&self) -> usize {
        self.bound.steps.len()
    }
}

/// A rule's public description: what its policy file says of it.
#[derive(Clone, Debug)]
pub struct RuleInfo<'a> {
    /// Its id.
    pub id: &'a str,
    /// Its severity.
    pub severity: Severity,
    /// Its citation.
    pub cite: Option<&'a str>,
    /// The file that defines it.
    pub file: &'a str,
    /// `on proposal`: it applies to the proposal as a whole, not to each step.
    pub proposal_wide: bool,
    /// The policy file, and the span of the rule's id in it.
    pub defined_at: Option<(&'a SourceFile, Span)>,
    /// The `message` template, as written (before interpolation).
    pub message: &'a str,
    /// The `help` template, as written.
    pub help: Option<&'a str>,
    /// The `//` comment right above the rule, as paragraphs.
    pub comment: Option<&'a str>,
    /// Its `unless` clauses, in order.
    pub unless: &'a [crate::ir::UnlessDoc],
}

/// What checks exercised, per rule (in id order, as [`Engine::rules`]): how often the rule
/// applied (its `when` held), how many violations it reported, and how often each of its
/// `unless` exceptions spared a binding that would otherwise have been a violation.
/// Filled by [`Engine::check_with_coverage`]; add up several checks with [`Coverage::merge`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Per rule: applications whose `when` held (or that have no `when`).
    pub applied: Vec<u64>,
    /// Per rule: violations reported.
    pub fired: Vec<u64>,
    /// Per rule, per `unless` clause in source order: bindings it spared.
    pub unless_taken: Vec<Vec<u64>>,
}

impl Coverage {
    /// Zero counts for every rule and exception of an engine's library.
    pub fn new(engine: &Engine) -> Coverage {
        let rules = &engine.lib.rules;
        Coverage {
            applied: vec![0; rules.len()],
            fired: vec![0; rules.len()],
            unless_taken: rules.iter().map(|r| vec![0; r.unless.len()]).collect(),
        }
    }

    /// Adds another coverage of the same library.
    pub fn merge(&mut self, other: &Coverage) {
        fn add(a: &mut Vec<u64>, b: &[u64]) {
            if a.len() < b.len() {
                a.resize(b.len(), 0);
            }
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
        add(&mut self.applied, &other.applied);
        add(&mut self.fired, &other.fired);
        if self.unless_taken.len() < other.unless_taken.len() {
            self.unless_taken
                .resize(other.unless_taken.len(), Vec::new());
        }
        for (a, b) in self.unless_taken.iter_mut().zip(&other.unless_taken) {
            add(a, b);
        }
    }
}

fn bump(v: &mut Vec<u64>, i: usize) {
    if v.len() <= i {
        v.resize(i + 1, 0);
    }
    if let Some(x) = v.get_mut(i) {
        *x += 1;
    }
}

/// What an evaluation found ([`Engine::evaluate`]): the rules that fired and the rules that
/// could not be evaluated, before any message is rendered. Turn it into a [`Report`] with
/// [`Engine::report`].
#[derive(Clone, Debug)]
pub struct Findings {
    hits: Vec<Finding>,
    failures: Vec<Failure>,
    opts: CheckOptions,
}

impl Findings {
    /// The violations found, in evaluation order (by step, then by rule as the library
    /// indexes them; proposal-wide rules last).
    pub fn violations(&self) -> &[Finding] {
        &self.hits
    }

    /// The number of rule applications that could not be evaluated (each one is an error
    /// in the report, and makes the proposal non-compliant).
    pub fn failures(&self) -> usize {
        self.failures.len()
    }
}

/// The violations of an evaluation, explained one at a time in report order
/// ([`Engine::explain_findings`]).
///
/// An explanation re-evaluates its rule with tracing on, under a budget of its own; when
/// that fails, the violation becomes an error naming the rule, and the rest of that rule
/// application's violations (in report order) are dropped, as if evaluation had stopped
/// there.
pub struct Explained<'a> {
    engine: &'a Engine,
    proposal: &'a Proposal,
    ctx: Ctx<'a>,
    hits: std::vec::IntoIter<Finding>,
    /// The application whose rule the locals are sized and bound for.
    entered: Option<u32>,
    /// The traced evidence of `when` and of the `each` collection of the current step
    /// application (its bindings are consecutive in report order).
    prefix: (Option<u32>, Option<Vec<Evidence>>),
    /// The same for proposal-wide applications, whose bindings (steps) interleave with the
    /// step rules' violations.
    proposal_prefixes: HashMap<u32, Option<Vec<Evidence>>>,
    failed: HashSet<u32>,
    errors: Vec<(Option<u32>, u32, Diagnostic)>,
    decided: bool,
}

impl std::fmt::Debug for Explained<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Explained")
            .field("proposal", &self.proposal.id.node)
            .field("remaining", &self.hits.len())
            .field("errors", &self.errors.len())
            .finish_non_exhaustive()
    }
}

impl Explained<'_> {
    /// Whether the proposal is known to be non-compliant before any violation is
    /// explained: a rule could not be evaluated, or a violation of a blocking severity
    /// (error; warning with `deny_warnings`) was found. Explaining cannot change that; when
    /// this is `false`, whether it is compliant is known only once every violation has
    /// been explained (an explanation can fail, which is an error).
    pub fn known_non_compliant(&self) -> bool {
        self.decided
    }

    /// The proposal's id.
    pub fn proposal_id(&self) -> &str {
        &self.proposal.id.node
    }

    /// The proposal's file name.
    pub fn file(&self) -> &str {
        self.proposal.source.name()
    }

    /// The rest of the report: the violations not yet taken, explained, and the errors.
    pub fn into_report(mut self) -> Report {
        let violations: Vec<Violation> = self.by_ref().collect();
        let (file, proposal) = (self.file().to_string(), self.proposal_id().to_string());
        let decided = self.decided;
        let errors = self.into_errors();
        Report {
            file,
            proposal: Some(proposal),
            // Without a failure or a blocking violation, only an explanation's error can
            // make it non-compliant.
            compliant: !decided && errors.is_empty(),
            violations,
            errors,
        }
    }

    /// The errors: rules that could not be evaluated, then (once the iterator is used up)
    /// violations that could not be explained, sorted by step, then rule application.
    /// Violations not yet taken from the iterator are dropped unexplained.
    pub fn into_errors(self) -> Vec<ErrorEntry> {
        let mut errors = self.errors;
        errors.sort_by_key(|(s, app, _)| (s.unwrap_or(u32::MAX), *app));
        errors
            .into_iter()
            .map(|(_, _, d)| ErrorEntry::from_diagnostic(d))
            .collect()
    }
}

impl Iterator for Explained<'_> {
    type Item = Violation;

    fn next(&mut self) -> Option<Violation> {
        let engine = self.engine;
        loop {
            let h = self.hits.next()?;
            let Some(rule) = engine.lib.rules.get(h.rule as usize) else {
                continue;
            };
            if self.failed.contains(&h.app) {
                continue;
            }
            if self.entered != Some(h.app) {
                self.entered = Some(h.app);
                Engine::enter(rule, h.applied, &mut self.ctx);
            }
            let prefix = if h.applied.is_none() {
                self.proposal_prefixes.entry(h.app).or_default()
            } else {
                if self.prefix.0 != Some(h.app) {
                    self.prefix = (Some(h.app), None);
                }
                &mut self.prefix.1
            };
            // The binding, as evaluation left it when the rule fired (messages read it).
            let binding = h.binding.value();
            if let (Some((local, _)), Some(b)) = (&rule.each, &binding) {
                if let Some(slot) = self.ctx.locals.get_mut(*local as usize) {
                    *slot = b.clone();
                }
            }
            match engine.explain(
                rule,
                h.applied,
                binding.as_ref(),
                self.proposal,
                &mut self.ctx,
                prefix,
            ) {
                Ok(violation) => return Some(violation),
                Err(e) => {
                    // As if evaluation had stopped here: this application reports this error
                    // and nothing after it.
                    self.failed.insert(h.app);
                    self.errors.retain(|(_, app, _)| *app != h.app);
                    let d = engine.eval_error(rule, h.applied, self.proposal, self.ctx.bound, e);
                    self.errors.push((h.applied, h.app, d));
                }
            }
        }
    }
}

/// One violation, as evaluation found it.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    rule: u32,
    step: Option<u32>,
    applied: Option<u32>,
    binding: Binding,
    app: u32,
}

/// An `each` binding, compact: most are atoms or steps.
#[derive(Clone, Debug, PartialEq)]
enum Binding {
    None,
    Atom(AtomId),
    Step(u32),
    Other(Box<Value>),
}

impl Binding {
    fn of(v: Option<Value>) -> Binding {
        match v {
            None => Binding::None,
            Some(Value::Atom(a)) => Binding::Atom(a),
            Some(Value::Step(s)) => Binding::Step(s),
            Some(other) => Binding::Other(Box::new(other)),
        }
    }

    fn value(&self) -> Option<Value> {
        match self {
            Binding::None => None,
            Binding::Atom(a) => Some(Value::Atom(*a)),
            Binding::Step(s) => Some(Value::Step(*s)),
            Binding::Other(v) => Some((**v).clone()),
        }
    }
}

impl Finding {
    /// The rule, as an index into [`Engine::rules`].
    pub fn rule(&self) -> usize {
        self.rule as usize
    }

    /// The offending step, as an index into the proposal's steps (`None`: proposal-wide).
    pub fn step(&self) -> Option<usize> {
        self.step.map(|s| s as usize)
    }

    /// The `each` binding that fired (an atom, or a step for rules over `steps(...)`).
    pub(crate) fn binding(&self) -> Option<Value> {
        self.binding.value()
    }
}

/// A rule application that could not be evaluated.
#[derive(Clone, Debug)]
struct Failure {
    rule: u32,
    step: Option<u32>,
    app: u32,
    error: EvalError,
}

impl Engine {
    /// The standard library embedded in pactum.
    pub fn standard() -> Engine {
        #[expect(
            clippy::expect_used,
            reason = "the embedded library is compiled by the test suite"
        )]
        Engine::from_sources(crate::library::standard_sources())
            .expect("the standard library compiles")
    }

    /// Loads every `.policy` file under a folder.
    pub fn load(dir: impl AsRef<Path>) -> Result<Engine, Errors> {
        Engine::from_sources(crate::library::read_dir(dir.as_ref())?)
    }

    /// Compiles a library from in-memory sources, with the default [`Limits`].
    pub fn from_sources(sources: Vec<SourceFile>) -> Result<Engine, Errors> {
        Engine::from_sources_with(sources, &Limits::default())
    }

    /// Loads every `.policy` file under a folder, with these limits.
    pub fn load_with(dir: impl AsRef<Path>, limits: &Limits) -> Result<Engine, Errors> {
        Engine::from_sources_with(crate::library::read_dir(dir.as_ref())?, limits)
    }

    /// Compiles a library from in-memory sources, with these limits.
    pub fn from_sources_with(sources: Vec<SourceFile>, limits: &Limits) -> Result<Engine, Errors> {
        let mut files = Vec::new();
        let mut errors = Vec::new();
        for s in &sources {
            match crate::parse::parse_policy_with(s, limits) {
                Ok(f) => files.push(f),
                Err(e) => errors.extend(e),
            }
        }
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let lib = compile(sources, &files, limits)?;
        let fast = crate::fast::lower_rules(&lib);
        Ok(Engine { lib, fast })
    }

    /// The compiled library (read-only).
    pub(crate) fn compiled(&self) -> &Compiled {
        &self.lib
    }

    /// The library's policy files, in path order (for the standard library, named
    /// `<std>/FILE.policy`).
    pub fn sources(&self) -> &[SourceFile] {
        &self.lib.sources
    }

    /// The `each` binding of a finding as the report shows it (`turkey`; a step's id for
    /// rules over `steps(...)`), or `None` for a rule without `each`.
    pub fn binding(&self, prepared: &Prepared<'_>, finding: &Finding) -> Option<String> {
        finding.binding().map(|v| self.display(&v, &prepared.bound))
    }

    /// The library's rules, in id order.
    pub fn rules(&self) -> impl Iterator<Item = RuleInfo<'_>> {
        self.lib.rules.iter().map(|r| RuleInfo {
            id: &r.id,
            severity: r.severity,
            cite: r.cite.as_deref(),
            file: self.lib.source(r.file).map_or("", SourceFile::name),
            proposal_wide: r.proposal_scope,
            defined_at: self.lib.source(r.file).map(|s| (s, r.span)),
            message: &r.doc.message,
            help: r.doc.help.as_deref(),
            comment: r.doc.comment.as_deref(),
            unless: &r.doc.unless,
        })
    }

    /// Checks a proposal with default options.
    pub fn check(&self, proposal: &Proposal) -> Report {
        self.check_with(proposal, &CheckOptions::default())
    }

    /// Checks a proposal. No I/O, no shared state: safe to call from many threads.
    pub fn check_with(&self, proposal: &Proposal, opts: &CheckOptions) -> Report {
        self.check_inner(proposal, opts, &mut None)
    }

    /// Checks a proposal like [`Engine::check_with`], and adds what the check exercised
    /// (rules applied and fired, `unless` exceptions taken) to `coverage`.
    pub fn check_with_coverage(
        &self,
        proposal: &Proposal,
        opts: &CheckOptions,
        coverage: &mut Coverage,
    ) -> Report {
        self.check_inner(proposal, opts, &mut Some(coverage))
    }

    fn check_inner(
        &self,
        proposal: &Proposal,
        opts: &CheckOptions,
        cov: &mut Option<&mut Coverage>,
    ) -> Report {
        match self.prepare(proposal) {
            Ok(prepared) => self.run(&prepared, opts, cov),
            Err(report) => *report,
        }
    }

    /// Validates a proposal against the schema and binds it to interned ids, once, so that
    /// it can be checked many times ([`Engine::check_prepared`]). Input errors come back as
    /// a report.
    pub fn prepare<'p>(&self, proposal: &'p Proposal) -> Result<Prepared<'p>, Box<Report>> {
        match bind(&self.lib, proposal) {
            Ok(bound) => Ok(Prepared { proposal, bound }),
            Err(errors) => Err(Box::new(Report::invalid(
                proposal.source.name(),
                Some(proposal.id.node.clone()),
                errors,
            ))),
        }
    }

    /// Checks a prepared proposal: evaluation and the report, without validating again.
    pub fn check_prepared(&self, prepared: &Prepared<'_>, opts: &CheckOptions) -> Report {
        self.run(prepared, opts, &mut None)
    }

    /// Evaluates a prepared proposal: which rules fire, on which steps, with which `each`
    /// bindings, and which rules could not be evaluated. No message is rendered and no
    /// evidence is traced: this is the whole cost of deciding compliance.
    /// [`Engine::report`] turns the findings into a [`Report`].
    ///
    /// ```
    /// use pactum::{CheckOptions, Engine, Proposal};
    ///
    /// let engine = Engine::standard();
    /// let proposal = Proposal::parse(
    ///     "proposal p { date: 2026-09-15 }\n\
    ///      step ex1: exercise { participants: [turkey, kazakhstan], area: caspian_sea }",
    /// ).unwrap();
    /// let prepared = engine.prepare(&proposal).map_err(|r| r.errors.len()).unwrap();
    /// let findings = engine.evaluate(&prepared, &CheckOptions::default());
    /// let fired: Vec<&str> = findings
    ///     .violations()
    ///     .iter()
    ///     .filter_map(|f| engine.rules().nth(f.rule()).map(|r| r.id))
    ///     .collect();
    /// assert_eq!(fired, ["caspian.non_littoral_forces"]);
    /// assert_eq!(findings.violations()[0].step(), Some(0));
    /// let report = engine.report(&prepared, findings);
    /// assert!(report.violations[0].message.contains("turkey"));
    /// ```
    pub fn evaluate(&self, prepared: &Prepared<'_>, opts: &CheckOptions) -> Findings {
        self.evaluate_inner(prepared, opts, &mut None)
    }

    /// The report of an evaluation: every finding explained (message, evidence, citation,
    /// help, diagnostic), sorted by step, then rule id. `findings` must come from
    /// [`Engine::evaluate`] on the same prepared proposal.
    pub fn report(&self, prepared: &Prepared<'_>, findings: Findings) -> Report {
        self.explain_findings(prepared, findings).into_report()
    }

    /// Whether these findings make the proposal non-compliant whatever their explanation
    /// gives: a rule could not be evaluated, or a violation of a blocking severity (error;
    /// warning with `deny_warnings`) was found ([`Explained::known_non_compliant`]).
    pub fn known_non_compliant(&self, findings: &Findings) -> bool {
        let deny = findings.opts.deny_warnings;
        !findings.failures.is_empty()
            || findings.hits.iter().any(|h| {
                self.lib.rules.get(h.rule as usize).is_some_and(|r| {
                    r.severity == Severity::Error || (deny && r.severity == Severity::Warning)
                })
            })
    }

    /// The report of an evaluation, one violation at a time: an iterator over the
    /// violations in report order (by step, then rule id), each explained only when it is
    /// asked for, so that a caller writing them out holds one at a time
    /// (`pactum check` does). [`Explained::into_errors`] then gives the errors.
    /// [`Engine::report`] is this, collected.
    pub fn explain_findings<'a>(
        &'a self,
        prepared: &'a Prepared<'_>,
        mut findings: Findings,
    ) -> Explained<'a> {
        let (proposal, bound) = (prepared.proposal, &prepared.bound);
        let opts = findings.opts.clone();
        let decided = self.known_non_compliant(&findings);
        // Report order. Each (step, rule) belongs to one application, and a stable sort
        // keeps an application's bindings in evaluation order.
        let id = |r: u32| self.lib.rules.get(r as usize).map_or("", |r| r.id.as_str());
        findings.hits.sort_by(|a, b| {
            (a.step.unwrap_or(u32::MAX), id(a.rule), a.rule).cmp(&(
                b.step.unwrap_or(u32::MAX),
                id(b.rule),
                b.rule,
            ))
        });
        let errors = findings
            .failures
            .into_iter()
            .filter_map(|f| {
                let rule = self.lib.rules.get(f.rule as usize)?;
                let d = self.eval_error(rule, f.step, proposal, bound, f.error);
                Some((f.step, f.app, d))
            })
            .collect();
        Explained {
            engine: self,
            proposal,
            // Explaining re-evaluates each firing binding with tracing on, with a budget of
            // its own as large as the evaluation's.
            ctx: self.ctx(prepared, &opts),
            hits: findings.hits.into_iter(),
            entered: None,
            prefix: (None, None),
            proposal_prefixes: HashMap::new(),
            failed: HashSet::new(),
            errors,
            decided,
        }
    }

    fn run(
        &self,
        prepared: &Prepared<'_>,
        opts: &CheckOptions,
        cov: &mut Option<&mut Coverage>,
    ) -> Report {
        self.report(prepared, self.evaluate_inner(prepared, opts, cov))
    }

    /// Sizes the locals for a rule and binds its step.
    fn enter(rule: &CRule, step: Option<u32>, ctx: &mut Ctx<'_>) {
        // Every local is written before it is read (binders before their conditions,
        // quantifier variables before their bodies), so the slots are reused as they are.
        if ctx.locals.len() < rule.locals as usize {
            ctx.locals.resize(rule.locals as usize, Value::Bool(false));
        }
        if let (Some(i), Some(slot)) = (step, ctx.locals.first_mut()) {
            *slot = Value::Step(i);
        }
    }

    /// An evaluation context for a prepared proposal: no locals, no tracing, the whole
    /// budget; the date is `opts.as_of`, else the proposal's.
    fn ctx<'a>(&'a self, prepared: &'a Prepared<'_>, opts: &CheckOptions) -> Ctx<'a> {
        Ctx {
            lib: &self.lib,
            bound: &prepared.bound,
            locals: Vec::new(),
            as_of: opts
                .as_of
                .or(prepared.proposal.date.as_ref().map(|d| d.node)),
            trace: None,
            fuel: opts.budget,
            cur: None,
        }
    }

    fn evaluate_inner(
        &self,
        prepared: &Prepared<'_>,
        opts: &CheckOptions,
        cov: &mut Option<&mut Coverage>,
    ) -> Findings {
        let bound = &prepared.bound;
        let mut ctx = self.ctx(prepared, opts);
        let mut out = Findings {
            hits: Vec::new(),
            failures: Vec::new(),
            opts: opts.clone(),
        };
        // Every local is written before it is read (binders before their conditions,
        // quantifier variables before their bodies), so the slots are reused as they are;
        // local 0 is the step of every step rule.
        let locals = self.lib.rules.iter().map(|r| r.locals).max().unwrap_or(0);
        ctx.locals
            .resize(usize::from(locals.max(1)), Value::Bool(false));
        let mut app = 0u32;
        for (i, step) in bound.steps.iter().enumerate() {
            let Some(rules) = self.fast.get(step.kind as usize) else {
                continue;
            };
            if let Some(slot) = ctx.locals.first_mut() {
                *slot = Value::Step(i as u32);
            }
            ctx.cur = Some(step);
            for (r, fast) in rules {
                self.apply(
                    *r,
                    fast.as_ref(),
                    Some(i as u32),
                    app,
                    &mut ctx,
                    &mut out,
                    cov,
                );
                app += 1;
            }
        }
        ctx.cur = None;
        for &r in &self.lib.proposal_rules {
            self.apply(r, None, None, app, &mut ctx, &mut out, cov);
            app += 1;
        }
        out
    }

    /// Applies one rule to one step (or to the proposal): the fast path when it can decide,
    /// else (and always when counting coverage) the tree-walker.
    #[allow(clippy::too_many_arguments)]
    fn apply(
        &self,
        r: u32,
        fast: Option<&FastRule>,
        step: Option<u32>,
        app: u32,
        ctx: &mut Ctx<'_>,
        out: &mut Findings,
        cov: &mut Option<&mut Coverage>,
    ) {
        let Some(rule) = self.lib.rules.get(r as usize) else {
            return;
        };
        if step.is_none() {
            Self::enter(rule, step, ctx);
        }
        if cov.is_none() {
            if let Some(fast) = fast {
                let (fuel, found) = (ctx.fuel, out.hits.len());
                match self.apply_fast(r, rule, fast, step, app, ctx, &mut out.hits) {
                    Ok(()) => return,
                    Err(Slow) => {
                        ctx.fuel = fuel;
                        out.hits.truncate(found);
                    }
                }
            }
        }
        if let Err(error) = self.apply_slow(r, rule, step, app, ctx, &mut out.hits, cov) {
            out.failures.push(Failure {
                rule: r,
                step,
                app,
                error,
            });
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn apply_fast(
        &self,
        r: u32,
        rule: &CRule,
        fast: &FastRule,
        step: Option<u32>,
        app: u32,
        ctx: &mut Ctx<'_>,
        hits: &mut Vec<Finding>,
    ) -> Result<(), Slow> {
        if let Some(w) = &fast.when {
            if !ctx.fb(w)? {
                return Ok(());
            }
        }
        let spared = |ctx: &mut Ctx<'_>| -> Result<bool, Slow> {
            for u in &fast.unless {
                if ctx.fb(u)? {
                    return Ok(true);
                }
            }
            Ok(false)
        };
        let fires = |ctx: &mut Ctx<'_>| -> Result<bool, Slow> {
            let holds = match &fast.cond {
                None => true,
                Some(c) => ctx.fb(c)? == rule.forbid,
            };
            Ok(holds && !spared(ctx)?)
        };
        let hit = |binding: Binding| Finding {
            rule: r,
            step,
            applied: step,
            binding,
            app,
        };
        let Some(each) = &fast.each else {
            if fires(ctx)? {
                hits.push(hit(Binding::None));
            }
            return Ok(());
        };
        let coll = ctx.fs(&each.coll, true)?;
        // The tree-walker burns one unit per binding before its condition.
        ctx.fast_burn(coll.len())?;
        match &each.filter {
            Some(filter) => {
                let filter = ctx.fs(filter, false)?;
                let firing = if rule.forbid {
                    coll.intersection(&filter)
                } else {
                    coll.difference(&filter)
                };
                for x in firing.iter() {
                    ctx.fast_bind(each.local, x)?;
                    if !spared(ctx)? {
                        hits.push(hit(Binding::Atom(x)));
                    }
                }
            }
            None => {
                for x in coll.iter() {
                    ctx.fast_bind(each.local, x)?;
                    if fires(ctx)? {
                        hits.push(hit(Binding::Atom(x)));
                    }
                }
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn apply_slow(
        &self,
        r: u32,
        rule: &CRule,
        step: Option<u32>,
        app: u32,
        ctx: &mut Ctx<'_>,
        hits: &mut Vec<Finding>,
        cov: &mut Option<&mut Coverage>,
    ) -> Result<(), EvalError> {
        if let Some(w) = &rule.when {
            if !ctx.truth(w)? {
                return Ok(());
            }
        }
        if let Some(c) = cov {
            bump(&mut c.applied, r as usize);
        }
        let Some((local, coll)) = &rule.each else {
            if self.fires(r, rule, ctx, cov)? {
                hits.push(Finding {
                    rule: r,
                    step,
                    applied: step,
                    binding: Binding::None,
                    app,
                });
            }
            return Ok(());
        };
        let items = crate::eval::Elements::of(ctx.eval(coll)?)?;
        for item in items {
            if ctx.fuel == 0 {
                return Err(EvalError::Budget);
            }
            ctx.fuel -= 1;
            ctx.set_local(*local, item.clone())?;
            if self.fires(r, rule, ctx, cov)? {
                let at = match (&item, rule.each_is_step) {
                    (Value::Step(s), true) => Some(*s),
                    _ => step,
                };
                hits.push(Finding {
                    rule: r,
                    step: at,
                    applied: step,
                    binding: Binding::of(Some(item)),
                    app,
                });
            }
        }
        Ok(())
    }

    fn fires(
        &self,
        r: u32,
        rule: &CRule,
        ctx: &mut Ctx<'_>,
        cov: &mut Option<&mut Coverage>,
    ) -> Result<bool, EvalError> {
        let hit = match &rule.cond {
            None => true,
            Some(c) => ctx.truth(c)? == rule.forbid,
        };
        if !hit {
            return Ok(false);
        }
        for (k, u) in rule.unless.iter().enumerate() {
            if ctx.truth(u)? {
                if let Some(c) = cov {
                    if c.unless_taken.len() <= r as usize {
                        c.unless_taken.resize(r as usize + 1, Vec::new());
                    }
                    if let Some(taken) = c.unless_taken.get_mut(r as usize) {
                        bump(taken, k);
                    }
                }
                return Ok(false);
            }
        }
        if let Some(c) = cov {
            bump(&mut c.fired, r as usize);
        }
        Ok(true)
    }

    /// Re-evaluates a firing binding with tracing on, and renders its message and evidence.
    fn explain(
        &self,
        rule: &CRule,
        step: Option<u32>,
        binding: Option<&Value>,
        p: &Proposal,
        ctx: &mut Ctx<'_>,
        prefix: &mut Option<Vec<Evidence>>,
    ) -> Result<Violation, EvalError> {
        // The evidence of `when` and of the `each` collection is the same for every binding
        // of one application: trace it once (a proposal-wide rule would otherwise rebuild
        // `steps(...)` for each violation, quadratic in the proposal).
        if prefix.is_none() {
            ctx.trace = Some(Vec::new());
            let traced = (|| -> Result<(), EvalError> {
                if let Some(w) = &rule.when {
                    ctx.truth(w)?;
                }
                if let Some((_, coll)) = &rule.each {
                    ctx.eval(coll)?;
                }
                Ok(())
            })();
            *prefix = Some(ctx.trace.take().unwrap_or_default());
            traced?;
        }
        let saved = ctx.locals.clone();
        ctx.trace = Some(prefix.clone().unwrap_or_default());
        let traced = (|| -> Result<(), EvalError> {
            if let (Some((local, _)), Some(b)) = (&rule.each, binding) {
                ctx.set_local(*local, b.clone())?;
            }
            if let Some(c) = &rule.cond {
                ctx.truth(c)?;
            }
            Ok(())
        })();
        let trace = ctx.trace.take().unwrap_or_default();
        ctx.locals = saved;
        traced?;
        let message = self.render(&rule.message, ctx)?;
        let help = if rule.help.is_empty() {
            None
        } else {
            Some(self.render(&rule.help, ctx)?)
        };
        let step = match (binding, rule.each_is_step) {
            (Some(Value::Step(s)), true) => Some(*s),
            _ => step,
        };
        let mut evidence: Vec<String> = Vec::new();
        for e in &trace {
            let line = self.evidence(e, ctx.bound, p);
            if !evidence.contains(&line) {
                evidence.push(line);
            }
        }
        let custom_label = if rule.label.is_empty() {
            None
        } else {
            Some(self.render(&rule.label, ctx)?)
        };
        let pstep = step.and_then(|s| p.steps.get(s as usize));
        let source = &p.source;
        let (location_span, primary, label) = match pstep {
            Some(s) => {
                let (span, label) = self.primary(rule, s, binding, &trace, p, ctx.bound);
                (s.span, span, label)
            }
            None => (
                p.span,
                p.span,
                format!("this proposal breaks `{}`", rule.id),
            ),
        };
        let label = custom_label.unwrap_or(label);
        let lc = source.line_col(location_span.start);
        let location = Location {
            file: source.name().to_string(),
            line: lc.line,
            column: lc.column,
        };
        let mut d = Diagnostic::error(Code::Violation, message.clone(), source, primary, label);
        d.severity = rule.severity;
        d.rule = Some(rule.id.clone());
        if let Some(c) = &rule.cite {
            d.notes.push(format!("cite: {c}"));
        }
        if !evidence.is_empty() {
            d.notes.push("evidence:".to_string());
            d.notes.extend(evidence.iter().map(|e| format!("  - {e}")));
        }
        d.help = help.clone();
        if let Some(src) = self.lib.source(rule.file) {
            d = d.with_related(
                src,
                rule.span,
                format!("rule `{}` is defined here", rule.id),
            );
        }
        Ok(Violation {
            rule: rule.id.clone(),
            severity: rule.severity,
            step: pstep.map(|s| s.id.node.clone()),
            binding: binding.map(|b| self.display(b, ctx.bound)),
            message,
            cite: rule.cite.clone(),
            help,
            evidence,
            location,
            diagnostic: d,
        })
    }

    /// The span to underline for a violation, and what to say there.
    fn primary(
        &self,
        rule: &CRule,
        step: &crate::proposal::Step,
        binding: Option<&Value>,
        trace: &[Evidence],
        _p: &Proposal,
        bound: &Bound,
    ) -> (Span, String) {
        if let Some(Value::Atom(a)) = binding {
            let name = self.lib.atom_name(*a);
            let read: Vec<&str> = trace
                .iter()
                .filter_map(|e| match e {
                    Evidence::StepAttr { name, .. } => Some(&**name),
                    _ => None,
                })
                .collect();
            let mut attrs: Vec<&crate::proposal::Attr> = step.attrs.iter().collect();
            attrs.sort_by_key(|a| !read.contains(&a.name.node.as_str()));
            for attr in attrs {
                if let Some(span) = find_name(&attr.value, name) {
                    return (span, format!("`{name}` in `{}`", attr.name.node));
                }
            }
            let _ = bound;
            return (
                step.id.span,
                format!("`{name}` is involved in this {}", step.kind.node),
            );
        }
        (
            step.id.span,
            format!("this {} breaks `{}`", step.kind.node, rule.id),
        )
    }

    fn render(&self, parts: &[Part], ctx: &mut Ctx<'_>) -> Result<String, EvalError> {
        let guess: usize = parts
            .iter()
            .map(|p| match p {
                Part::Lit(s) => s.len(),
                Part::Expr(_) => 24,
            })
            .sum();
        let mut out = String::with_capacity(guess);
        for p in parts {
            match p {
                Part::Lit(s) => out.push_str(s),
                Part::Expr(e) => {
                    let v = ctx.eval(e)?;
                    self.display_into(&mut out, &v, ctx.bound);
                }
            }
        }
        Ok(out)
    }

    /// A value as people read it.
    pub(crate) fn display(&self, v: &Value, bound: &Bound) -> String {
        let mut out = String::new();
        self.display_into(&mut out, v, bound);
        out
    }

    /// Appends a value as people read it.
    fn display_into(&self, out: &mut String, v: &Value, bound: &Bound) {
        use std::fmt::Write as _;
        match v {
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Date(d) => {
                let _ = write!(out, "{d}");
            }
            Value::Str(s) => {
                let n = self.lib.strings.len() as u32;
                let text = if *s < n {
                    self.lib.strings.get(*s as usize).map(String::as_str)
                } else {
                    bound.strings.get((*s - n) as usize)
                };
                out.push_str(text.unwrap_or(""));
            }
            Value::Atom(a) => out.push_str(self.lib.atom_name(*a)),
            Value::Set(s) if s.is_empty() => out.push_str("none"),
            Value::List(l) if l.is_empty() => out.push_str("none"),
            Value::Set(s) => {
                for (i, a) in s.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(self.lib.atom_name(a));
                }
            }
            Value::List(l) => {
                for (i, x) in l.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    self.display_into(out, x, bound);
                }
            }
            Value::Step(i) => {
                if let Some(s) = bound.step_ids.get(*i as usize) {
                    self.display_into(out, &Value::Str(*s), bound);
                }
            }
        }
    }

    fn evidence(&self, e: &Evidence, bound: &Bound, _p: &Proposal) -> String {
        match e {
            Evidence::Fact {
                entity,
                attr,
                value,
            } => format!(
                "{} of {}: {}",
                self.lib
                    .attr_names
                    .get(*attr as usize)
                    .map_or("?", String::as_str),
                self.lib.atom_name(*entity),
                self.display(value, bound)
            ),
            Evidence::StepAttr { step, name, value } => format!(
                "{name} of step {}: {}",
                self.display(&Value::Step(*step), bound),
                self.display(value, bound)
            ),
            Evidence::StepDate { step, date } => {
                format!(
                    "date of step {}: {date}",
                    self.display(&Value::Step(*step), bound)
                )
            }
            Evidence::InForce {
                inst,
                date,
                since,
                result,
            } => {
                let name = self.lib.atom_name(*inst);
                match (result, since) {
                    (true, Some(s)) => format!("{name} is in force on {date} (since {s})"),
                    (true, None) => format!("{name} is in force on {date}"),
                    (false, Some(s)) => {
                        format!("{name} is not in force on {date} (in force from {s})")
                    }
                    (false, None) => {
                        format!("{name} is not in force on {date} (no entry into force recorded)")
                    }
                }
            }
        }
    }

    fn eval_error(
        &self,
        rule: &CRule,
        step: Option<u32>,
        p: &Proposal,
        bound: &Bound,
        e: EvalError,
    ) -> Diagnostic {
        let pstep = step.and_then(|s| p.steps.get(s as usize));
        let (span, sname) = match pstep {
            Some(s) => (s.id.span, format!("step `{}`", s.id.node)),
            None => (p.span, format!("proposal `{}`", p.id.node)),
        };
        let rule_src = self.lib.source(rule.file);
        let mut d = match &e {
            EvalError::Absent {
                attr,
                span: pspan,
                owner,
            } => {
                let (owner_name, fix) = match owner {
                    Owner::Step(i) => {
                        let n = self.display(&Value::Step(*i), bound);
                        (
                            format!("step `{n}`"),
                            format!(
                                "give step `{n}` a `{attr}`, or make the rule guard the read with `has {attr}`"
                            ),
                        )
                    }
                    Owner::Entity(a) => {
                        let n = self.lib.atom_name(*a);
                        (
                            format!("`{n}`"),
                            format!(
                                "add `{attr}` to fact `{n}`, or make the rule guard the read with `has {attr}`"
                            ),
                        )
                    }
                };
                let mut d = Diagnostic::error(
                    Code::AbsentAttribute,
                    format!("rule `{}` could not be evaluated for {sname}: {owner_name} has no `{attr}`", rule.id),
                    &p.source,
                    span,
                    format!("`{attr}` is absent here, so the proposal cannot be shown compliant"),
                )
                .with_help(fix);
                if let Some(src) = rule_src {
                    d = d.with_related(
                        src,
                        *pspan,
                        format!("rule `{}` reads `{attr}` here", rule.id),
                    );
                }
                d
            }
            EvalError::NoDate(pspan) => {
                let mut d = Diagnostic::error(
                    Code::NoDate,
                    format!("rule `{}` needs a date, but {sname} has none", rule.id),
                    &p.source,
                    span,
                    "no date for this step",
                )
                .with_help("give the proposal or the step a `date`, or pass --as-of YYYY-MM-DD");
                if let Some(src) = rule_src {
                    d = d.with_related(src, *pspan, "the date is read here");
                }
                d
            }
            EvalError::Budget => Diagnostic::error(
                Code::Budget,
                format!(
                    "rule `{}` exceeded the evaluation budget on {sname}",
                    rule.id
                ),
                &p.source,
                span,
                "evaluation stopped here",
            )
            .with_help("split the proposal, or raise the budget (CheckOptions::budget)"),
            EvalError::Internal(what) => Diagnostic::error(
                Code::Internal,
                format!(
                    "rule `{}` could not be evaluated for {sname}: internal error ({what})",
                    rule.id
                ),
                &p.source,
                span,
                "evaluation failed here",
            )
            .with_help("this is a bug in pactum: please report it with the policy and proposal"),
        };
        d.rule = Some(rule.id.clone());
        d
    }
}

fn find_name(v: &crate::source::Spanned<RawValue>, name: &str) -> Option<Span> {
    match &v.node {
        RawValue::Ident(s) | RawValue::Str(s) if s == name => Some(v.span),
        RawValue::List(items) => items.iter().find_map(|i| find_name(i, name)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Engine>();
        assert_send_sync::<Report>();
    }
}
