//! Explanation: findings turned into violations (message, evidence, citation, help,
//! diagnostic), one at a time, in report order.
//!
//! Only the rule application that fired is run again, on the same evaluator as
//! [`super::apply`], with a [`Trace`] recording what it reads: its `when` and `each`
//! collection once per application, its condition once per binding. Messages, helps and
//! labels are rendered by the same evaluator, recording nothing.

use std::collections::{HashMap, HashSet};

use super::repair::{Repairer, with_repairs};
use super::{Engine, Finding, Findings, Prepared};
use crate::diag::{Code, Diagnostic, Location};
use crate::eval::evidence::{Evidence, Trace};
use crate::eval::program::{Piece, RuleProgram};
use crate::eval::run::{Machine, Stop};
use crate::eval::{Bound, EvalError, Owner};
use crate::ir::*;
use crate::proposal::{Proposal, RawValue};
use crate::report::{ErrorEntry, Report, Violation};
use crate::source::Span;

type Explaining<'a> = Machine<'a, Trace>;

/// The reads of one rule application: those of its `when` and `each` collection first
/// (`prefix` of them, once traced), then those of the binding being explained, which the
/// next binding's replace. One buffer, reused from application to application.
#[derive(Default)]
struct Reads {
    reads: Vec<Evidence>,
    prefix: Option<usize>,
}

/// The violations of an evaluation, explained one at a time in report order
/// ([`Engine::explain_findings`]).
///
/// An explanation re-runs the rule application that fired, on the evaluator of
/// [`Engine::evaluate`], recording what it reads, under a budget of its own; when that
/// fails, the violation becomes an error naming the rule, and the rest of that rule
/// application's violations (in report order) are dropped, as if evaluation had stopped
/// there.
pub struct Explained<'a> {
    engine: &'a Engine,
    proposal: &'a Proposal,
    m: Explaining<'a>,
    hits: std::vec::IntoIter<Finding>,
    /// The application whose rule the locals are sized and bound for.
    entered: Option<u32>,
    /// The traced evidence of `when` and of the `each` collection of the current step
    /// application (its bindings are consecutive in report order).
    prefix: (Option<u32>, Reads),
    /// The same for proposal-wide applications, whose bindings (steps) interleave with the
    /// step rules' violations.
    proposal_prefixes: HashMap<u32, Reads>,
    failed: HashSet<u32>,
    errors: Vec<(Option<u32>, u32, Diagnostic)>,
    decided: bool,
    /// The date the `on proposal` rules are judged at.
    judged: Option<crate::date::Date>,
    /// Repairs, when the options ask for them.
    repairer: Option<Repairer<'a>>,
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

impl<'a> Explained<'a> {
    pub(super) fn new(
        engine: &'a Engine,
        prepared: &'a Prepared<'_>,
        mut findings: Findings,
    ) -> Explained<'a> {
        let (proposal, bound) = (prepared.proposal, &prepared.bound);
        let opts = findings.opts.clone();
        let decided = engine.known_non_compliant(&findings);
        let repairer = (opts.fixes > 0).then(|| Repairer::new(engine, prepared, &findings));
        // Report order. Each (step, rule) belongs to one application, and a stable sort
        // keeps an application's bindings in evaluation order.
        let id = |r: u32| {
            engine
                .lib
                .rules
                .get(r as usize)
                .map_or("", |r| r.id.as_str())
        };
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
                let rule = engine.lib.rules.get(f.rule as usize)?;
                let d = engine.eval_error(rule, f.step, proposal, bound, f.error);
                Some((f.step, f.app, d))
            })
            .collect();
        Explained {
            engine,
            proposal,
            // Explaining re-evaluates each firing binding with evidence recorded, with a
            // budget of its own as large as the evaluation's.
            judged: Engine::judged(prepared, &opts),
            m: Machine::new(
                &engine.lib,
                bound,
                Engine::as_of(prepared, &opts),
                opts.budget,
                engine.program.locals,
                Trace::default(),
            ),
            hits: findings.hits.into_iter(),
            entered: None,
            prefix: (None, Reads::default()),
            proposal_prefixes: HashMap::new(),
            failed: HashSet::new(),
            errors,
            decided,
            repairer,
        }
    }

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
        // At most one violation per finding left: allocated once, at that size (a
        // `Violation` is large; growing from four would ask the allocator for a large block).
        let mut violations: Vec<Violation> = Vec::with_capacity(self.hits.len());
        violations.extend(self.by_ref());
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
            if !self.failed.is_empty() && self.failed.contains(&h.app) {
                continue;
            }
            let kind = match h.applied {
                Some(i) => match self.m.bound.steps.get(i as usize) {
                    Some(s) => Some(s.kind),
                    None => continue,
                },
                None => None,
            };
            let Some(periods) = engine.program.find(kind, h.rule) else {
                continue;
            };
            if self.entered != Some(h.app) {
                self.entered = Some(h.app);
                match h.applied {
                    Some(i) => self.m.enter_step(i),
                    None => self.m.enter_proposal(self.judged),
                }
            }
            let Some(prog) = periods.at(self.m.judged) else {
                continue;
            };
            let prefix = if h.applied.is_none() {
                self.proposal_prefixes.entry(h.app).or_default()
            } else {
                if self.prefix.0 != Some(h.app) {
                    self.prefix.0 = Some(h.app);
                    self.prefix.1.reads.clear();
                    self.prefix.1.prefix = None;
                }
                &mut self.prefix.1
            };
            // The binding, as evaluation left it when the rule fired (messages read it).
            let binding = h.binding.value();
            if let (Some((local, _)), Some(b)) = (&rule.each, &binding) {
                if let Some(slot) = self.m.locals.get_mut(*local) {
                    *slot = b.clone();
                }
            }
            match engine.explain(
                rule,
                prog,
                h.applied,
                binding.as_ref(),
                self.proposal,
                &mut self.m,
                prefix,
            ) {
                Ok(mut violation) => {
                    if let Some(r) = &mut self.repairer {
                        let repairs = r.repairs(&h);
                        with_repairs(&mut violation, self.proposal, repairs);
                    }
                    return Some(violation);
                }
                Err(e) => {
                    // As if evaluation had stopped here: this application reports this error
                    // and nothing after it.
                    self.failed.insert(h.app);
                    self.errors.retain(|(_, app, _)| *app != h.app);
                    let d = engine.eval_error(rule, h.applied, self.proposal, self.m.bound, e);
                    self.errors.push((h.applied, h.app, d));
                }
            }
        }
    }
}

impl Engine {
    /// Re-evaluates a firing binding with evidence recorded, and renders its message and
    /// evidence.
    #[allow(clippy::too_many_arguments)]
    fn explain<'a>(
        &self,
        rule: &CRule,
        prog: &'a RuleProgram,
        step: Option<u32>,
        binding: Option<&Value>,
        p: &Proposal,
        m: &mut Explaining<'a>,
        buf: &mut Reads,
    ) -> Result<Violation, EvalError> {
        // The evidence of `when` and of the `each` collection is the same for every binding
        // of one application: record it once (a proposal-wide rule would otherwise rebuild
        // `steps(...)` for each violation, quadratic in the proposal).
        if buf.prefix.is_none() {
            buf.reads.clear();
            buf.reads.reserve(8);
            m.rec = Trace {
                reads: std::mem::take(&mut buf.reads),
                on: true,
            };
            let traced = (|| -> Result<(), Stop> {
                if let Some(w) = &prog.when {
                    m.fb(w)?;
                }
                if let Some(each) = &prog.each {
                    m.coll(&each.coll)?;
                }
                Ok(())
            })();
            m.rec.on = false;
            buf.reads = std::mem::take(&mut m.rec.reads);
            buf.prefix = Some(buf.reads.len());
            traced.map_err(|_| m.take_error())?;
        }
        // The condition's reads follow the prefix's (messages read only the rule's step and
        // its `each` binder, which the condition does not rebind), in the same buffer.
        let plen = buf.prefix.unwrap_or(0);
        buf.reads.truncate(plen);
        m.rec.reads = std::mem::take(&mut buf.reads);
        m.rec.on = true;
        let traced = (|| -> Result<(), Stop> {
            if let (Some(each), Some(b)) = (&prog.each, binding) {
                m.set_local(each.local, b.clone())?;
            }
            if let Some(c) = &prog.cond {
                m.fb(c)?;
            }
            Ok(())
        })();
        m.rec.on = false;
        buf.reads = std::mem::take(&mut m.rec.reads);
        traced.map_err(|_| m.take_error())?;
        let (prefix, cond_reads) = buf.reads.split_at(plen.min(buf.reads.len()));
        // Each fact once, in the order first read (equal reads give equal lines), at most
        // MAX_EVIDENCE of them: a rule that reads every step of a large proposal (a filter
        // over `steps(...)`) would otherwise list them all, and finding the repeats costs
        // the square of the reads.
        const MAX_EVIDENCE: usize = 32;
        let mut kept: Vec<&Evidence> = Vec::new();
        let mut evidence: Vec<String> = Vec::new();
        let mut more = 0usize;
        for e in prefix.iter().chain(cond_reads) {
            if kept.contains(&e) {
                continue;
            }
            if kept.len() == MAX_EVIDENCE {
                more += 1;
                continue;
            }
            kept.push(e);
            let mut line = String::with_capacity(96);
            self.evidence_into(&mut line, e, m.bound);
            evidence.push(line);
        }
        if more > 0 {
            evidence.push(format!(
                "... and {more} more read{} not shown",
                if more == 1 { "" } else { "s" }
            ));
        }
        let message = self.render(&prog.message, m)?;
        let help = if prog.help.is_empty() {
            None
        } else {
            Some(self.render(&prog.help, m)?)
        };
        let step = match (binding, rule.each_is_step) {
            (Some(Value::Step(s)), true) => Some(*s),
            _ => step,
        };
        let custom_label = if prog.label.is_empty() {
            None
        } else {
            Some(self.render(&prog.label, m)?)
        };
        let pstep = step.and_then(|s| p.steps.get(s as usize));
        let source = &p.source;
        let mut also: Vec<(Span, String)> = Vec::new();
        let (location_span, primary, label) = match pstep {
            Some(s) => {
                let (span, label) = self.primary(rule, s, binding, prefix.iter().chain(cond_reads));
                also = others(s, binding, span, self);
                (s.span, span, label)
            }
            None => (
                p.span,
                p.span,
                cat(&["this proposal breaks `", &rule.id, "`"]),
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
        d.also = also;
        d.severity = rule.severity;
        d.rule = Some(rule.id.clone());
        d.notes
            .reserve_exact(usize::from(rule.cite.is_some()) + usize::from(!evidence.is_empty()));
        if let Some(c) = &rule.cite {
            d.notes.push(cat(&["cite: ", c]));
        }
        if !evidence.is_empty() {
            // One note: `evidence:` and a line per fact (the help text joins notes with line
            // breaks, so it reads as one note a line), in one allocation.
            const HEAD: &str = "evidence:";
            const ITEM: &str = "\n  - ";
            let len = HEAD.len() + evidence.iter().map(|e| ITEM.len() + e.len()).sum::<usize>();
            let mut note = String::with_capacity(len);
            note.push_str(HEAD);
            for e in &evidence {
                note.push_str(ITEM);
                note.push_str(e);
            }
            d.notes.push(note);
        }
        d.help = help.clone();
        if let Some(src) = self.lib.source(rule.file) {
            d.related.reserve_exact(1);
            d = d.with_related(
                src,
                rule.span,
                cat(&["rule `", &rule.id, "` is defined here"]),
            );
        }
        Ok(Violation {
            rule: rule.id.clone(),
            severity: rule.severity,
            step: pstep.map(|s| s.id.node.clone()),
            binding: binding.map(|b| self.display(b, m.bound)),
            message,
            cite: rule.cite.clone(),
            help,
            evidence,
            location,
            fixes: None,
            diagnostic: d,
        })
    }

    /// The span to underline for a violation, and what to say there: for an atom binding,
    /// where the step names it (in the attributes the rule read first).
    fn primary<'e>(
        &self,
        rule: &CRule,
        step: &crate::proposal::Step,
        binding: Option<&Value>,
        reads: impl Iterator<Item = &'e Evidence> + Clone,
    ) -> (Span, String) {
        if let Some(Value::Atom(a)) = binding {
            let name = self.lib.atom_name(*a);
            let was_read = |attr: &str| {
                reads
                    .clone()
                    .any(|e| matches!(e, Evidence::StepAttr { name, .. } if &**name == attr))
            };
            for first in [true, false] {
                for attr in &step.attrs {
                    if was_read(&attr.name.node) != first {
                        continue;
                    }
                    if let Some(span) = find_name(&attr.value, name) {
                        return (span, cat(&["`", name, "` in `", &attr.name.node, "`"]));
                    }
                }
            }
            return (
                step.id.span,
                cat(&["`", name, "` is involved in this ", &step.kind.node]),
            );
        }
        (
            step.id.span,
            cat(&["this ", &step.kind.node, " breaks `", &rule.id, "`"]),
        )
    }

    pub(super) fn render<'a, Rec: crate::eval::evidence::Recorder>(
        &self,
        parts: &'a [Piece],
        m: &mut Machine<'a, Rec>,
    ) -> Result<String, EvalError> {
        let guess: usize = parts
            .iter()
            .map(|p| match p {
                Piece::Lit(s) => s.len(),
                Piece::Expr(_) => 64,
            })
            .sum();
        let mut out = String::with_capacity(guess);
        for p in parts {
            match p {
                Piece::Lit(s) => out.push_str(s),
                Piece::Expr(e) => {
                    let v = m.fv(e).map_err(|_| m.take_error())?;
                    self.display_into(&mut out, &v, m.bound);
                }
            }
        }
        Ok(out)
    }

    /// A value as people read it.
    pub(crate) fn display(&self, v: &Value, bound: &Bound) -> String {
        let mut out = String::with_capacity(16);
        self.display_into(&mut out, v, bound);
        out
    }

    /// Appends a value as people read it.
    fn display_into(&self, out: &mut String, v: &Value, bound: &Bound) {
        crate::eval::display::display_into(&self.lib, Some(bound), out, v);
    }

    /// Appends one line of evidence.
    pub(super) fn evidence_into(&self, out: &mut String, e: &Evidence, bound: &Bound) {
        match e {
            Evidence::Fact {
                entity,
                attr,
                value,
                on: None,
            } => match self.program.fact_line(*entity, *attr, value) {
                Some(line) => out.push_str(line),
                None => crate::eval::display::fact_line_into(
                    &self.lib,
                    Some(bound),
                    out,
                    (*entity, *attr, None),
                    value,
                ),
            },
            Evidence::Fact {
                entity,
                attr,
                value,
                on: Some(d),
            } => crate::eval::display::fact_line_into(
                &self.lib,
                Some(bound),
                out,
                (*entity, *attr, Some(*d)),
                value,
            ),
            Evidence::StepAttr { step, name, value } => {
                out.push_str(name);
                out.push_str(" of step ");
                self.display_into(out, &Value::Step(*step), bound);
                out.push_str(": ");
                self.display_into(out, value, bound);
            }
            Evidence::StepDate { step, date } => {
                out.push_str("date of step ");
                self.display_into(out, &Value::Step(*step), bound);
                out.push_str(": ");
                self.display_into(out, &Value::Date(*date), bound);
            }
            Evidence::InForce {
                inst,
                date,
                since,
                result,
            } => {
                out.push_str(self.lib.atom_name(*inst));
                out.push_str(if *result {
                    " is in force on "
                } else {
                    " is not in force on "
                });
                self.display_into(out, &Value::Date(*date), bound);
                match (result, since) {
                    (true, Some(s)) => {
                        out.push_str(" (since ");
                        self.display_into(out, &Value::Date(*s), bound);
                        out.push(')');
                    }
                    (true, None) => {}
                    (false, Some(s)) => {
                        out.push_str(" (in force from ");
                        self.display_into(out, &Value::Date(*s), bound);
                        out.push(')');
                    }
                    (false, None) => out.push_str(" (no entry into force recorded)"),
                }
            }
        }
    }

    pub(super) fn eval_error(
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

/// The other places the list that holds the primary label writes an atom binding: a
/// label at each (one violation per distinct value, however often the list repeats it).
fn others(
    step: &crate::proposal::Step,
    binding: Option<&Value>,
    primary: Span,
    engine: &Engine,
) -> Vec<(Span, String)> {
    let Some(Value::Atom(a)) = binding else {
        return Vec::new();
    };
    let name = engine.lib.atom_name(*a);
    let mut out = Vec::new();
    // In the attribute the primary label is in: the list that repeats the value.
    let here = |a: &crate::proposal::Attr| {
        a.value.span.start <= primary.start && primary.end <= a.value.span.end
    };
    for attr in step.attrs.iter().filter(|a| here(a)) {
        let mut spans = Vec::new();
        all_names(&attr.value, name, &mut spans);
        for span in spans {
            if span != primary && out.len() < 16 {
                out.push((
                    span,
                    cat(&["`", name, "` again, in `", &attr.name.node, "`"]),
                ));
            }
        }
    }
    out
}

/// Every place a value names `name`.
fn all_names(v: &crate::source::Spanned<RawValue>, name: &str, out: &mut Vec<Span>) {
    match &v.node {
        RawValue::Ident(s) | RawValue::Str(s) if s == name => out.push(v.span),
        RawValue::List(items) => items.iter().for_each(|i| all_names(i, name, out)),
        _ => {}
    }
}

fn find_name(v: &crate::source::Spanned<RawValue>, name: &str) -> Option<Span> {
    match &v.node {
        RawValue::Ident(s) | RawValue::Str(s) if s == name => Some(v.span),
        RawValue::List(items) => items.iter().find_map(|i| find_name(i, name)),
        _ => None,
    }
}

/// The concatenation of `parts`, in one allocation.
fn cat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        out.push_str(p);
    }
    out
}
