//! Why and why not: [`Engine::explain_step`], for every rule checked on one step, whether
//! it fired and why, as a tree of its conditions with their values and the facts read.
//!
//! Nothing here evaluates: the rules are lowered again with marks around their
//! sub-conditions ([`Marker`]), and applied by the rule application of the check
//! ([`super::apply::run_rule`]) on the one evaluator, with a recorder ([`Why`]) that
//! builds the tree from the marks' beginnings and ends and the reads between them. The
//! budget is the one the check has left when it reaches the step, so an explanation
//! fails where the check does.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use super::apply::{NoCounts, run_rule};
use super::{CheckOptions, Engine, Finding, Prepared};
use crate::diag::{Code, Diagnostic, Severity};
use crate::eval::EvalError;
use crate::eval::evidence::{Evidence, Recorder};
use crate::eval::program::{Clause, Defs, Marker, Op, RuleProgram, Site, Unmarkable};
use crate::eval::run::Machine;
use crate::ir::{Local, Value};
use crate::source::{SourceFile, printable};
use crate::syntax::{Item, PolicyFile, RuleDecl};

/// Why each rule checked on a step fired or did not ([`Engine::explain_step`]). The JSON
/// form is documented in `docs/explain.md`.
#[derive(Clone, Debug, Serialize)]
pub struct StepExplanation {
    /// The schema version of this structure (1).
    pub version: u32,
    /// The proposal's file.
    pub file: String,
    /// The proposal's id.
    pub proposal: String,
    /// The step's id.
    pub step: String,
    /// The step's kind.
    pub kind: String,
    /// The date the step is judged on (`YYYY-MM-DD`), if any.
    pub judged: Option<String>,
    /// The rules, in the order the check applies them.
    pub rules: Vec<RuleExplanation>,
}

/// What became of one rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// It reported at least one violation.
    Fired,
    /// Its `when` did not hold: it does not apply.
    WhenFalse,
    /// A `forbid` whose condition was false (for every binding).
    ConditionFalse,
    /// A `require` whose condition held (for every binding).
    ConditionTrue,
    /// The condition called for a violation, but an `unless` applied (for every such
    /// binding).
    Excepted,
    /// Its `each` collection was empty: nothing to report.
    Empty,
    /// It could not be evaluated (an absent attribute, the budget, no date).
    Error,
}

/// One rule's explanation.
#[derive(Clone, Debug, Serialize)]
pub struct RuleExplanation {
    /// Its id.
    pub rule: String,
    /// Its severity.
    pub severity: Severity,
    /// Whether it reported a violation.
    pub fired: bool,
    /// What became of it.
    pub outcome: Outcome,
    /// `forbid` or `require`.
    pub verdict: &'static str,
    /// `on proposal`: applied to the whole proposal, not to the step.
    pub proposal_wide: bool,
    /// Where the rule is defined.
    pub source: Option<SourceRef>,
    /// Its `when`, if it has one and it was evaluated.
    pub when: Option<Condition>,
    /// Its `each`, if it has one.
    pub each: Option<EachExplanation>,
    /// Each binding of `each` in order (a rule without `each`: one binding, without a
    /// value), as far as evaluation went.
    pub bindings: Vec<BindingExplanation>,
    /// Why it could not be evaluated.
    pub error: Option<ErrorInfo>,
}

/// A rule's `each x in S`.
#[derive(Clone, Debug, Serialize)]
pub struct EachExplanation {
    /// The binder.
    pub binder: String,
    /// The collection as written.
    pub collection: String,
    /// Where it is written.
    pub source: Option<SourceRef>,
    /// What reading the collection read.
    pub reads: Vec<String>,
}

/// One binding of a rule (or the one application of a rule without `each`).
#[derive(Clone, Debug, Serialize)]
pub struct BindingExplanation {
    /// The bound value as the report shows it (`turkey`; a step's id), `None` without
    /// `each`.
    pub value: Option<String>,
    /// Whether this binding is a violation.
    pub fired: bool,
    /// What became of it: `fired`, `condition-false`, `condition-true`, `excepted` or
    /// `error`.
    pub outcome: Outcome,
    /// The verdict's condition, if the rule has one.
    pub condition: Option<Condition>,
    /// The `unless` clauses evaluated, in order, up to the first that applied (they are
    /// evaluated only where the condition calls for a violation).
    pub unless: Vec<Condition>,
    /// The violation's message, when it fired.
    pub message: Option<String>,
}

/// A condition, or a part of one, as written, with its value.
#[derive(Clone, Debug, Serialize)]
pub struct Condition {
    /// Its source text (whitespace runs shown as one space).
    pub text: String,
    /// `and`, `or`, `not`, `any`, `all`, or `test` (anything else, evaluated whole).
    pub op: &'static str,
    /// A call of a definition: `op` and `children` are its body's.
    pub call: bool,
    /// Its value; `None` where evaluation stopped with an error.
    pub value: Option<bool>,
    /// Where it is written.
    pub source: Option<SourceRef>,
    /// The facts and attributes it read itself (not those of its children), in order.
    pub reads: Vec<String>,
    /// For `any`, the item that made it true; for `all`, the first item that made it
    /// false; where evaluation stopped in it, the item it stopped at.
    pub item: Option<String>,
    /// Its parts as evaluated, in order (`&&` and `||` stop at the first that decides; a
    /// chain of one operator is one node).
    pub children: Vec<Condition>,
}

/// A span of a policy file.
#[derive(Clone, Debug, Serialize)]
pub struct SourceRef {
    /// The policy file's name.
    pub file: String,
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
    /// 1-based line of the first byte.
    pub line: u32,
    /// 1-based column of the first byte, in characters.
    pub column: u32,
}

impl SourceRef {
    /// Where `span` of library file `file` is.
    pub(crate) fn of(
        lib: &crate::ir::Compiled,
        file: u32,
        span: crate::source::Span,
    ) -> Option<SourceRef> {
        let src = lib.source(file)?;
        let lc = src.line_col(span.start);
        Some(SourceRef {
            file: src.name().to_string(),
            start: span.start,
            end: span.end,
            line: lc.line,
            column: lc.column,
        })
    }
}

/// Why a rule could not be evaluated.
#[derive(Clone, Debug, Serialize)]
pub struct ErrorInfo {
    /// The diagnostic's code (`pactum::eval::absent_attribute`).
    pub code: &'static str,
    /// Its message.
    pub message: String,
    /// Its help.
    pub help: Option<String>,
}

/// A marked sub-condition as it was evaluated.
#[derive(Debug)]
struct Node {
    site: u32,
    value: Option<bool>,
    reads: Vec<Evidence>,
    item: Option<Value>,
    children: Vec<Node>,
}

/// What happened outside every mark, in order.
#[derive(Debug)]
enum Event {
    Node(Node),
    Binding(Value),
    Read(Evidence),
}

/// The recorder of explanations: the marks' tree, with the reads made in each.
#[derive(Debug, Default)]
struct Why {
    /// By site: its operator and binder.
    sites: Arc<[(Op, Option<Local>)]>,
    open: Vec<Node>,
    events: Vec<Event>,
}

impl Recorder for Why {
    const RECORDS: bool = true;

    fn record(&mut self, e: Evidence) {
        match self.open.last_mut() {
            Some(n) => n.reads.push(e),
            None => self.events.push(Event::Read(e)),
        }
    }

    fn on(&self) -> bool {
        true
    }

    fn enter(&mut self, site: u32) {
        self.open.push(Node {
            site,
            value: None,
            reads: Vec::new(),
            item: None,
            children: Vec::new(),
        });
    }

    fn leave(&mut self, _site: u32, value: Option<bool>) {
        let Some(mut n) = self.open.pop() else {
            return;
        };
        n.value = value;
        // A quantifier that went through every item has no witness.
        let op = self.sites.get(n.site as usize).map(|s| s.0);
        let complete = match op {
            Some(Op::Any) => value == Some(false),
            Some(Op::All) => value == Some(true),
            _ => false,
        };
        if complete {
            n.item = None;
            n.children.clear();
        }
        match self.open.last_mut() {
            Some(parent) => parent.children.push(n),
            None => self.events.push(Event::Node(n)),
        }
    }

    fn item(&mut self, binder: Local, item: &Value) {
        let sites = &self.sites;
        if let Some(n) = self.open.last_mut() {
            if sites.get(n.site as usize).and_then(|s| s.1) == Some(binder) {
                // Only the item that decides (or the last) is kept.
                n.children.clear();
                n.item = Some(item.clone());
            }
        }
    }

    fn binding(&mut self, binding: &Value) {
        self.events.push(Event::Binding(binding.clone()));
    }
}

/// The library's policy files as written: rules by id, definitions by name.
struct Written<'w> {
    rules: HashMap<&'w str, &'w RuleDecl>,
    defs: Defs<'w>,
}

impl<'w> Written<'w> {
    fn new(files: &'w [Option<PolicyFile>]) -> Written<'w> {
        let mut rules = HashMap::new();
        let mut defs = Defs::new();
        for (fi, f) in files.iter().enumerate() {
            let Some(f) = f else { continue };
            let fi = u32::try_from(fi).unwrap_or(u32::MAX);
            for item in &f.items {
                match item {
                    Item::Rule(r) => {
                        rules.insert(r.id.node.as_str(), &**r);
                    }
                    Item::Def(d) => {
                        defs.insert(d.name.node.as_str(), (d, fi));
                    }
                    _ => {}
                }
            }
        }
        Written { rules, defs }
    }
}

/// A rule to explain: its index, and its program or why it has none.
type Lowered = (u32, Result<RuleProgram, Unmarkable>);

impl Engine {
    /// Explains, for the step with id `step` of a prepared proposal, every rule checked on
    /// steps of its kind (or only `rule`), in the order the check applies them: whether it
    /// fired, and why (its `when`, its condition for each `each` binding, its `unless`
    /// clauses, as trees of their parts with values and the facts read), or why not (the
    /// part that failed), or why it could not be evaluated. `rule` may also name an
    /// `on proposal` rule: its application to the whole proposal is explained.
    ///
    /// The verdicts are the check's ([`Engine::check_prepared`] with the same options):
    /// the rules run on the same evaluator, by the same rule application, from the budget
    /// the check has left at the step. No I/O.
    ///
    /// An unknown step or rule, or a rule not checked on the step's kind, is an error
    /// (`pactum::explain::unknown_step`, `pactum::explain::unknown_rule`,
    /// `pactum::explain::not_applicable`), with the closest names as help.
    ///
    /// ```
    /// use pactum::{CheckOptions, Engine, Outcome, Proposal};
    ///
    /// let engine = Engine::standard();
    /// let proposal = Proposal::parse(
    ///     "proposal p { date: 2026-09-15 }\n\
    ///      step ex1: exercise { participants: [turkey, iran], area: caspian_sea }",
    /// ).unwrap();
    /// let prepared = engine.prepare(&proposal).map_err(|r| r.errors.len()).unwrap();
    /// let why = engine
    ///     .explain_step(&prepared, "ex1", Some("caspian.non_littoral_forces"), &CheckOptions::default())
    ///     .unwrap();
    /// let rule = &why.rules[0];
    /// assert_eq!(rule.outcome, Outcome::Fired);
    /// let fired: Vec<_> = rule.bindings.iter().filter(|b| b.fired).map(|b| b.value.as_deref()).collect();
    /// assert_eq!(fired, [Some("turkey")]);
    /// ```
    pub fn explain_step(
        &self,
        prepared: &Prepared<'_>,
        step: &str,
        rule: Option<&str>,
        opts: &CheckOptions,
    ) -> Result<StepExplanation, Box<Diagnostic>> {
        let p = prepared.proposal;
        let lib = &self.lib;
        let Some(idx) = p.steps.iter().position(|s| s.id.node == step) else {
            let ids = p.steps.iter().map(|s| s.id.node.as_str());
            let mut d = Diagnostic::error(
                Code::ExplainUnknownStep,
                format!("proposal `{}` has no step `{step}`", p.id.node),
                &p.source,
                p.span,
                "in this proposal",
            );
            d.help = Some(match did_you_mean(step, ids) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!(
                    "its steps are {}",
                    list(p.steps.iter().map(|s| s.id.node.as_str()))
                ),
            });
            return Err(Box::new(d));
        };
        let (pstep, bstep) = match (p.steps.get(idx), prepared.bound.steps.get(idx)) {
            (Some(a), Some(b)) => (a, b),
            _ => return Err(Box::new(Diagnostic::bare(Code::Internal, "unbound step"))),
        };
        let idx = u32::try_from(idx).unwrap_or(u32::MAX);
        let kind = bstep.kind;
        let of_kind: &[u32] = lib
            .rules_by_kind
            .get(kind as usize)
            .map_or(&[], Vec::as_slice);
        let selected = match rule {
            None => None,
            Some(id) => {
                let Some(r) = lib.rules.iter().position(|r| r.id == id) else {
                    let mut d = Diagnostic::bare(
                        Code::ExplainUnknownRule,
                        format!("the policy library has no rule `{id}`"),
                    );
                    d.help = did_you_mean(id, lib.rules.iter().map(|r| r.id.as_str()))
                        .map(|s| format!("did you mean `{s}`?"));
                    return Err(Box::new(d));
                };
                let r = u32::try_from(r).unwrap_or(u32::MAX);
                let proposal_wide = lib.rules.get(r as usize).is_some_and(|x| x.proposal_scope);
                if !proposal_wide && !of_kind.contains(&r) {
                    let mut d = Diagnostic::error(
                        Code::ExplainNotApplicable,
                        format!(
                            "rule `{id}` is not checked on step `{step}`, of kind `{}`",
                            pstep.kind.node
                        ),
                        &p.source,
                        pstep.id.span,
                        format!("a step of kind `{}`", pstep.kind.node),
                    );
                    let names = of_kind
                        .iter()
                        .filter_map(|&r| lib.rules.get(r as usize))
                        .map(|r| r.id.as_str());
                    d.help = Some(match did_you_mean(id, names.clone()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("the rules checked on it are {}", list(names)),
                    });
                    return Err(Box::new(d));
                }
                Some((r, proposal_wide))
            }
        };
        let proposal_wide = selected.is_some_and(|(_, w)| w);
        let files: Vec<Option<PolicyFile>> = lib
            .sources
            .iter()
            .map(|s| crate::syntax::parse_policy(s).ok())
            .collect();
        let written = Written::new(&files);
        let mut marker = Marker::new(lib, &written.defs);
        let (kind_of, apps, target): (_, &[u32], _) = if proposal_wide {
            (None, &lib.proposal_rules, None)
        } else {
            (Some(kind), of_kind, Some(idx))
        };
        let as_of = Engine::as_of(prepared, opts);
        let judged = if proposal_wide {
            Engine::judged(prepared, opts)
        } else {
            bstep.date.or(as_of)
        };
        // Every rule the check applies here, in its order (the budget runs on through
        // them), each lowered with its marks.
        let lowered: Vec<Lowered> = apps
            .iter()
            .map(|&r| {
                let prog = lib
                    .rules
                    .get(r as usize)
                    .and_then(|x| written.rules.get(x.id.as_str()))
                    .ok_or(Unmarkable::NoRule)
                    .and_then(|w| marker.rule(kind_of, r, judged, w));
                (r, prog)
            })
            .collect();
        let sites: Vec<Site> = marker.sites().to_vec();
        let ops: Arc<[(Op, Option<Local>)]> = sites.iter().map(|s| (s.op, s.binder)).collect();
        let mut m = Machine::new(
            lib,
            &prepared.bound,
            as_of,
            self.fuel_before(prepared, opts, target),
            self.program.locals,
            Why::default(),
        );
        match target {
            Some(i) => m.enter_step(i),
            None => m.enter_proposal(judged),
        }
        let mut rules = Vec::new();
        for (r, prog) in &lowered {
            let Some(crule) = lib.rules.get(*r as usize) else {
                continue;
            };
            let wanted = selected.is_none_or(|(s, _)| s == *r);
            let prog = match prog {
                Ok(prog) => prog,
                Err(Unmarkable::NoDate(span)) => {
                    if wanted {
                        let e = EvalError::NoDate(span.unwrap_or(crule.span));
                        let mut x = self.rule_head(crule, Outcome::Error);
                        x.error = Some(self.error_info(crule, target, prepared, e));
                        rules.push(x);
                    }
                    continue;
                }
                Err(Unmarkable::NoRule) => continue,
            };
            m.rec = Why {
                sites: ops.clone(),
                ..Why::default()
            };
            let mut hits: Vec<Finding> = Vec::new();
            let failed = run_rule(prog, target, 0, &mut m, &mut hits, &mut NoCounts).is_err();
            let error = failed.then(|| m.take_error());
            if !wanted {
                continue;
            }
            let rec = std::mem::take(&mut m.rec);
            let w = written.rules.get(crule.id.as_str()).copied();
            let x = self.rule_explanation(
                crule,
                prog,
                w,
                rec,
                &hits,
                error,
                &sites,
                prepared,
                target,
                &mut m,
                opts.budget,
            );
            rules.push(x);
        }
        Ok(StepExplanation {
            version: 1,
            file: p.source.name().to_string(),
            proposal: p.id.node.clone(),
            step: pstep.id.node.clone(),
            kind: pstep.kind.node.clone(),
            judged: judged.map(|d| d.to_string()),
            rules,
        })
    }

    fn rule_head(&self, rule: &crate::ir::CRule, outcome: Outcome) -> RuleExplanation {
        RuleExplanation {
            rule: rule.id.clone(),
            severity: rule.severity,
            fired: false,
            outcome,
            verdict: if rule.forbid { "forbid" } else { "require" },
            proposal_wide: rule.proposal_scope,
            source: self.source_ref(rule.file, rule.span),
            when: None,
            each: None,
            bindings: Vec::new(),
            error: None,
        }
    }

    fn error_info(
        &self,
        rule: &crate::ir::CRule,
        step: Option<u32>,
        prepared: &Prepared<'_>,
        e: EvalError,
    ) -> ErrorInfo {
        let d = self.eval_error(rule, step, prepared.proposal, &prepared.bound, e);
        ErrorInfo {
            code: d.code.as_str(),
            message: d.message,
            help: d.help,
        }
    }

    /// A span widened over the parentheses around its ends that it leaves open: the
    /// syntax tree's span of `(a || b) && c` starts inside the first parenthesis.
    fn balanced(&self, file: u32, span: crate::source::Span) -> crate::source::Span {
        let Some(text) = self.lib.source(file).map(SourceFile::text) else {
            return span;
        };
        let (mut start, mut end) = (span.start as usize, span.end as usize);
        for _ in 0..64 {
            let Some(inner) = text.get(start..end) else {
                return span;
            };
            // The lowest depth reached (parentheses closed that the span does not open)
            // and the depth at the end.
            let (mut depth, mut lowest) = (0i64, 0i64);
            for c in inner.chars() {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                lowest = lowest.min(depth);
            }
            let before = text.get(..start).unwrap_or("").trim_end();
            let after = text.get(end..).unwrap_or("").trim_start();
            if lowest < 0 && before.ends_with('(') {
                start = before.len() - 1;
            } else if depth > lowest && after.starts_with(')') {
                end = text.len() - after.len() + 1;
            } else {
                break;
            }
        }
        crate::source::Span::new(start, end)
    }

    fn source_ref(&self, file: u32, span: crate::source::Span) -> Option<SourceRef> {
        SourceRef::of(&self.lib, file, self.balanced(file, span))
    }

    /// A rule's explanation from what its application recorded.
    #[allow(clippy::too_many_arguments)]
    fn rule_explanation<'a>(
        &self,
        rule: &crate::ir::CRule,
        prog: &'a RuleProgram,
        written: Option<&RuleDecl>,
        rec: Why,
        hits: &[Finding],
        error: Option<EvalError>,
        sites: &[Site],
        prepared: &Prepared<'_>,
        step: Option<u32>,
        m: &mut Machine<'a, Why>,
        budget: u64,
    ) -> RuleExplanation {
        let bound = &prepared.bound;
        let mut x = self.rule_head(rule, Outcome::ConditionFalse);
        let each_written = written.and_then(|w| w.verdict.as_ref()?.each.as_ref());
        let mut each_reads = Vec::new();
        struct Bind {
            value: Option<Value>,
            cond: Option<Node>,
            unless: Vec<Node>,
        }
        let mut binds: Vec<Bind> = Vec::new();
        for ev in rec.events {
            match ev {
                Event::Read(e) => each_reads.push(e),
                Event::Binding(v) => binds.push(Bind {
                    value: Some(v),
                    cond: None,
                    unless: Vec::new(),
                }),
                Event::Node(n) => {
                    let clause = sites.get(n.site as usize).and_then(|s| s.clause);
                    if clause == Some(Clause::When) {
                        x.when = Some(self.condition(n, sites, bound));
                        continue;
                    }
                    if binds.is_empty() {
                        binds.push(Bind {
                            value: None,
                            cond: None,
                            unless: Vec::new(),
                        });
                    }
                    if let Some(b) = binds.last_mut() {
                        match clause {
                            Some(Clause::Unless(_)) => b.unless.push(n),
                            _ => b.cond = Some(n),
                        }
                    }
                }
            }
        }
        // A rule without `each` whose condition is absent or folded has one binding.
        let applied = x.when.as_ref().is_none_or(|w| w.value == Some(true));
        if binds.is_empty() && applied && error.is_none() && rule.each.is_none() {
            binds.push(Bind {
                value: None,
                cond: None,
                unless: Vec::new(),
            });
        }
        if let (Some((binder, coll)), Some(_)) = (each_written, &rule.each) {
            x.each = Some(EachExplanation {
                binder: binder.node.clone(),
                collection: self.text(rule.file, coll.span),
                source: self.source_ref(rule.file, coll.span),
                reads: each_reads
                    .iter()
                    .map(|e| self.read_line(e, bound))
                    .collect(),
            });
        }
        let n = binds.len();
        for (i, b) in binds.into_iter().enumerate() {
            let fired = hits.iter().any(|h| h.binding.value() == b.value);
            let stopped = error.is_some() && i + 1 == n;
            let cond = b.cond.map(|c| self.condition(c, sites, bound));
            let unless: Vec<Condition> = b
                .unless
                .into_iter()
                .map(|u| self.condition(u, sites, bound))
                .collect();
            let outcome = if fired {
                Outcome::Fired
            } else if stopped {
                Outcome::Error
            } else if unless.iter().any(|u| u.value == Some(true)) {
                Outcome::Excepted
            } else if rule.forbid {
                Outcome::ConditionFalse
            } else {
                Outcome::ConditionTrue
            };
            let message = if fired {
                if let (Some(each), Some(v)) = (&prog.each, &b.value) {
                    let _ = m.set_local(each.local, v.clone());
                }
                // Under a budget of its own, as the check's report renders messages; the
                // evaluation goes on with what it had left.
                let left = std::mem::replace(&mut m.fuel, budget);
                let message = self.render(&prog.message, m).ok();
                m.fuel = left;
                message
            } else {
                None
            };
            x.bindings.push(BindingExplanation {
                value: b.value.as_ref().map(|v| self.display(v, bound)),
                fired,
                outcome,
                condition: cond,
                unless,
                message,
            });
        }
        x.fired = !hits.is_empty();
        x.outcome = if let Some(e) = error {
            x.error = Some(self.error_info(rule, step, prepared, e));
            Outcome::Error
        } else if !applied {
            Outcome::WhenFalse
        } else if x.fired {
            Outcome::Fired
        } else if x.bindings.is_empty() {
            Outcome::Empty
        } else if x.bindings.iter().any(|b| b.outcome == Outcome::Excepted) {
            Outcome::Excepted
        } else if rule.forbid {
            Outcome::ConditionFalse
        } else {
            Outcome::ConditionTrue
        };
        x
    }

    /// A policy file's text at a span, without comments, with whitespace runs as one
    /// space.
    fn text(&self, file: u32, span: crate::source::Span) -> String {
        let span = self.balanced(file, span);
        let raw = self
            .lib
            .source(file)
            .and_then(|s| s.text().get(span.start as usize..span.end as usize))
            .unwrap_or("");
        strip_comments(raw)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn read_line(&self, e: &Evidence, bound: &crate::eval::Bound) -> String {
        let mut line = String::new();
        self.evidence_into(&mut line, e, bound);
        line
    }

    /// A recorded node as a condition: chains of one operator flattened, each read once.
    fn condition(&self, n: Node, sites: &[Site], bound: &crate::eval::Bound) -> Condition {
        let site = sites.get(n.site as usize);
        let op = site.map_or(Op::Test, |s| s.op);
        let mut children = Vec::new();
        for c in n.children {
            let child = self.condition(c, sites, bound);
            let same = matches!(op, Op::And | Op::Or) && child.op == op_name(op) && !child.call;
            if same {
                children.extend(child.children);
            } else {
                children.push(child);
            }
        }
        let mut reads: Vec<String> = Vec::new();
        for e in &n.reads {
            let line = self.read_line(e, bound);
            if !reads.contains(&line) {
                reads.push(line);
            }
        }
        Condition {
            text: site.map_or_else(String::new, |s| self.text(s.file, s.span)),
            op: op_name(op),
            call: site.is_some_and(|s| s.call),
            value: n.value,
            source: site.and_then(|s| self.source_ref(s.file, s.span)),
            reads,
            item: n.item.map(|v| self.display(&v, bound)),
            children,
        }
    }
}

fn op_name(op: Op) -> &'static str {
    match op {
        Op::And => "and",
        Op::Or => "or",
        Op::Not => "not",
        Op::Any => "any",
        Op::All => "all",
        Op::Test => "test",
    }
}

/// Policy text without its `//` and `/* */` comments (strings kept whole).
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                out.push(c);
                while let Some(d) = chars.next() {
                    out.push(d);
                    match d {
                        '\\' => out.extend(chars.next()),
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '/' if chars.peek() == Some(&'/') => {
                for d in chars.by_ref() {
                    if d == '\n' {
                        break;
                    }
                }
                out.push(' ');
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut prev = ' ';
                for d in chars.by_ref() {
                    if prev == '*' && d == '/' {
                        break;
                    }
                    prev = d;
                }
                out.push(' ');
            }
            _ => out.push(c),
        }
    }
    out
}

/// Names longer than this (in characters) get no suggestion and are not listed in full:
/// the edit distance costs the product of the two lengths in time and memory, and a step
/// id may be 64 KiB long.
const MAX_SUGGESTED_CHARS: usize = 64;

/// At most this many names are listed in a help text; the rest are counted.
const MAX_LISTED: usize = 12;

/// [`crate::diag::did_you_mean`] over the candidates that could be close enough: a name or
/// a candidate longer than [`MAX_SUGGESTED_CHARS`] is never suggested, nor one whose
/// length alone puts it too far (the edit distance is at least the difference of lengths).
fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let n = name.chars().count();
    if n > MAX_SUGGESTED_CHARS {
        return None;
    }
    let limit = (n / 3).max(1);
    crate::diag::did_you_mean(
        name,
        candidates.into_iter().filter(|c| {
            c.len() <= 4 * MAX_SUGGESTED_CHARS && c.chars().count().abs_diff(n) <= limit
        }),
    )
}

/// `a`, `b` and `c`, in backticks; after [`MAX_LISTED`] names, how many more; a name
/// longer than [`MAX_SUGGESTED_CHARS`] shortened to its start and its length.
fn list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let mut shown: Vec<String> = Vec::new();
    let mut more = 0usize;
    for n in names {
        if shown.len() == MAX_LISTED {
            more += 1;
            continue;
        }
        let chars = n.chars().count();
        shown.push(if chars > MAX_SUGGESTED_CHARS {
            let start: String = n.chars().take(MAX_SUGGESTED_CHARS).collect();
            format!("`{start}...` ({chars} characters)")
        } else {
            format!("`{n}`")
        });
    }
    if more > 0 {
        shown.push(format!("{more} more"));
    }
    match shown.split_last() {
        None => "none".to_string(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

// ------------------------------------------------------------------ for people

impl StepExplanation {
    /// The explanation for people, as `pactum explain` prints it (`docs/explain.md`).
    /// Every text from the policy or the proposal is escaped ([`crate::printable`]).
    pub fn human(&self) -> String {
        human(self)
    }
}

fn human(why: &StepExplanation) -> String {
    let mut out = String::new();
    let mut line = |indent: usize, text: &str| {
        out.push_str(&" ".repeat(indent));
        out.push_str(&printable(text));
        out.push('\n');
    };
    let judged = why.judged.as_ref().map_or_else(
        || ", with no date".to_string(),
        |d| format!(", judged on {d}"),
    );
    line(
        0,
        &format!(
            "step `{}` ({}) of proposal `{}`{judged}",
            why.step, why.kind, why.proposal
        ),
    );
    if why.rules.is_empty() {
        line(0, "no rule is checked on it");
    }
    for r in &why.rules {
        line(0, "");
        let mark = match r.outcome {
            Outcome::Error => "!",
            _ if r.fired => "✗",
            _ => "✓",
        };
        line(
            0,
            &format!("{mark} {}  {}  {}", r.rule, r.severity.as_str(), summary(r)),
        );
        if let Some(e) = &r.error {
            line(4, &format!("error: {} [{}]", e.message, e.code));
            if let Some(h) = &e.help {
                line(4, &format!("help: {h}"));
            }
        }
        if let Some(w) = &r.when {
            tree(&mut line, 4, "when", w);
        }
        if r.outcome == Outcome::WhenFalse {
            continue;
        }
        if let Some(e) = &r.each {
            line(4, &format!("each  {} in {}", e.binder, e.collection));
            for read in &e.reads {
                line(10, &format!("· {read}"));
            }
        }
        let verdict = r.verdict;
        for b in &r.bindings {
            let mut indent = 4;
            if let (Some(v), Some(e)) = (&b.value, &r.each) {
                let what = match b.outcome {
                    Outcome::Fired => "violation".to_string(),
                    Outcome::Excepted => "excepted".to_string(),
                    Outcome::Error => "could not be evaluated".to_string(),
                    _ => "no violation".to_string(),
                };
                line(4, &format!("{} = {v}: {what}", e.binder));
                indent = 6;
            }
            if let Some(c) = &b.condition {
                tree(&mut line, indent, verdict, c);
            }
            for u in &b.unless {
                let applied = if u.value == Some(true) {
                    "applies"
                } else {
                    "does not apply"
                };
                tree(&mut line, indent, &format!("unless ({applied})"), u);
            }
            if let Some(m) = &b.message {
                line(indent, &format!("message: {m}"));
            }
        }
    }
    out
}

/// What became of a rule, in one line.
fn summary(r: &RuleExplanation) -> String {
    let values: Vec<String> = r
        .bindings
        .iter()
        .filter(|b| b.fired)
        .filter_map(|b| b.value.as_ref().map(|v| format!("`{v}`")))
        .collect();
    let because = |c: Option<&Condition>| -> String {
        match c {
            Some(c) => {
                let d = decisive(c);
                let mut s = format!("`{}` is {}", d.text, value(d.value));
                if let Some(first) = d.reads.first() {
                    s.push_str(&format!(" ({first})"));
                }
                s
            }
            None => String::new(),
        }
    };
    match r.outcome {
        Outcome::Fired if values.is_empty() => "fired".to_string(),
        Outcome::Fired => format!("fired for {}", values.join(", ")),
        Outcome::WhenFalse => format!(
            "does not apply: its `when` is false: {}",
            because(r.when.as_ref())
        ),
        Outcome::Empty => match &r.each {
            Some(e) => format!("did not fire: `{}` is empty", e.collection),
            None => "did not fire".to_string(),
        },
        Outcome::Excepted => "did not fire: an `unless` applies".to_string(),
        Outcome::Error => "could not be evaluated".to_string(),
        Outcome::ConditionFalse | Outcome::ConditionTrue => {
            let one = r.bindings.len() == 1 && r.each.is_none();
            match (one, r.bindings.first().and_then(|b| b.condition.as_ref())) {
                (true, Some(c)) => format!("did not fire: {}", because(Some(c))),
                _ if r.outcome == Outcome::ConditionFalse => {
                    "did not fire: the condition is false for every binding".to_string()
                }
                _ => "did not fire: the condition holds for every binding".to_string(),
            }
        }
    }
}

/// The part of a condition that decided its value: the first operand of `&&` that is
/// false, of `||` that is true, down to a test.
fn decisive(c: &Condition) -> &Condition {
    let pick = match (c.op, c.value) {
        ("and", Some(false)) => c.children.iter().find(|k| k.value == Some(false)),
        ("or", Some(true)) => c.children.iter().find(|k| k.value == Some(true)),
        _ => None,
    };
    pick.map_or(c, decisive)
}

fn value(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "true",
        Some(false) => "false",
        None => "not evaluated (error)",
    }
}

/// A condition and its parts, one a line: the value, the text, what it read.
fn tree(line: &mut impl FnMut(usize, &str), indent: usize, label: &str, c: &Condition) {
    let item = match (&c.item, c.op) {
        (Some(i), "any") => format!("  [witness: {i}]"),
        (Some(i), "all") if c.value == Some(false) => format!("  [counterexample: {i}]"),
        (Some(i), _) => format!("  [at {i}]"),
        (None, _) => String::new(),
    };
    let head = if label.is_empty() {
        String::new()
    } else {
        format!("{label}  ")
    };
    line(
        indent,
        &format!("{head}{:<5}  {}{item}", value(c.value), c.text),
    );
    for r in &c.reads {
        line(indent + 7, &format!("· {r}"));
    }
    for k in &c.children {
        tree(line, indent + 2, "", k);
    }
}
