//! The engine: a compiled policy library that checks proposals.
//!
//! Three parts, along the pipeline's last two stages: this module is the API (building an
//! engine, checking, preparing, evaluating, reporting); [`apply`] applies the lowered rules
//! ([`crate::eval::program`]) to a prepared proposal and collects compact findings; and
//! [`explain`] turns findings into violations (messages, evidence, diagnostics), re-running
//! only the rule application that fired, on the same evaluator, with evidence recorded.

mod apply;
mod explain;
mod json_schema;
mod repair;
mod schema;
mod why;

use std::path::Path;

pub use explain::Explained;
pub use repair::MAX_FIXES;
pub use schema::{
    AttributeSchema, DefaultValue, EntityTypeSchema, EnumSchema, FactEntry, FactHistory,
    FactPeriod, KindSchema, Schema, TypeSchema,
};
pub use why::{
    BindingExplanation, Condition, EachExplanation, ErrorInfo, Outcome, RuleExplanation, SourceRef,
    StepExplanation,
};

use crate::bind::bind;
use crate::compile::compile;
use crate::date::Date;
use crate::diag::{Errors, Severity};
use crate::eval::program::Program;
use crate::eval::{Bound, EvalError};
use crate::ir::*;
use crate::limits::Limits;
use crate::proposal::Proposal;
use crate::report::Report;
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
    /// How many repairs to compute for each violation, best first
    /// ([`Violation::fixes`](crate::Violation)): the smallest verified edits of its step
    /// that make it go away without a new error. `0`, the default, computes none: deciding
    /// compliance does not need them. `pactum check` asks for 1 for people (the one it
    /// shows) and [`MAX_FIXES`](crate::MAX_FIXES) for JSON (`--fixes`) and SARIF.
    pub fixes: usize,
}

impl std::default::Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            as_of: None,
            deny_warnings: false,
            budget: Limits::default().eval_budget,
            fixes: 0,
        }
    }
}

/// A policy library compiled for checking. `Send + Sync`: share one across threads.
#[derive(Debug)]
pub struct Engine {
    lib: Compiled,
    /// Every rule, lowered once for each step kind it applies to (and the `on proposal`
    /// rules once): what evaluation and explanation both run.
    program: Program,
    /// What repairs need to know of the rules: what each reads.
    reads: repair::Reads,
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
        Engine::from_sources(crate::library::read_dir(dir.as_ref(), &Limits::default())?)
    }

    /// The `.policy` files under a folder that [`Engine::load_with`] would compile, read
    /// but not compiled (each named by its path), so that a tool can replace some of them
    /// (an editor's unsaved buffers, say) before [`Engine::from_sources_with`].
    pub fn read_sources(dir: impl AsRef<Path>, limits: &Limits) -> Result<Vec<SourceFile>, Errors> {
        Ok(crate::library::read_dir(dir.as_ref(), limits)?)
    }

    /// Compiles a library from in-memory sources, with the default [`Limits`].
    pub fn from_sources(sources: Vec<SourceFile>) -> Result<Engine, Errors> {
        Engine::from_sources_with(sources, &Limits::default())
    }

    /// Loads every `.policy` file under a folder, with these limits.
    pub fn load_with(dir: impl AsRef<Path>, limits: &Limits) -> Result<Engine, Errors> {
        Engine::from_sources_with(crate::library::read_dir(dir.as_ref(), limits)?, limits)
    }

    /// Compiles a library from in-memory sources, with these limits.
    pub fn from_sources_with(sources: Vec<SourceFile>, limits: &Limits) -> Result<Engine, Errors> {
        let mut files = Vec::new();
        let mut errors = Vec::new();
        for s in &sources {
            match crate::syntax::parse_policy_with(s, limits) {
                Ok(f) => files.push(f),
                Err(e) => errors.extend(e),
            }
        }
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let lib = compile(sources, &files, limits)?;
        let program = Program::new(&lib);
        let reads = repair::Reads::of(&lib);
        Ok(Engine {
            lib,
            program,
            reads,
        })
    }

    /// Whether rule `r` has severity error.
    fn is_error(&self, r: u32) -> bool {
        self.lib
            .rules
            .get(r as usize)
            .is_some_and(|r| r.severity == Severity::Error)
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
    ///      step ex1: exercise { participants: [turkey, iran], area: caspian_sea }",
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
        findings: Findings,
    ) -> Explained<'a> {
        Explained::new(self, prepared, findings)
    }

    /// The evaluation date: `opts.as_of`, else the proposal's.
    fn as_of(prepared: &Prepared<'_>, opts: &CheckOptions) -> Option<Date> {
        opts.as_of
            .or(prepared.proposal.date.as_ref().map(|d| d.node))
    }

    /// The date the proposal's `on proposal` rules are judged at: its date, else `as_of`.
    fn judged(prepared: &Prepared<'_>, opts: &CheckOptions) -> Option<Date> {
        prepared
            .proposal
            .date
            .as_ref()
            .map(|d| d.node)
            .or(opts.as_of)
    }

    fn run(
        &self,
        prepared: &Prepared<'_>,
        opts: &CheckOptions,
        cov: &mut Option<&mut Coverage>,
    ) -> Report {
        self.report(prepared, self.evaluate_inner(prepared, opts, cov))
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
