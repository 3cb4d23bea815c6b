//! What a change would change: the verdicts of proposals under two libraries (or two
//! evaluation dates), and the meaning of the rules of two libraries.
//!
//! Two comparisons, both without I/O (the caller reads files or git and hands sources in):
//!
//! - [`Comparison`] checks one parsed proposal with two engines (or one engine at two
//!   dates) and gives a [`ProposalDiff`]: the violations that appear, disappear or change
//!   severity, and both verdicts. A violation's identity is (rule id, step id, binding):
//!   the same rule firing on the same step for the same state, whatever its message says.
//!   The proposal is parsed once and checked by each side.
//! - [`compare_rules`] compares the rules of two libraries by meaning, with the exact
//!   machinery of the semantic lints: a rule whose text changed is compiled a second time
//!   from its old text (under a fresh id) against the new library, and the two questions
//!   `redundant-rule` asks ("does one fire on a step where the other does not?") are asked
//!   both ways, each answer proved by a witness step checked with the engine.
//!
//! ```
//! use pactum::diff::{Comparison, Side, Verdict};
//! use pactum::{CheckOptions, Date, Engine, Proposal};
//!
//! let engine = Engine::standard();
//! let at = |d: &str| CheckOptions { as_of: Some(Date::parse(d).unwrap()), ..CheckOptions::default() };
//! let cmp = Comparison {
//!     old: Side { engine: &engine, opts: at("2010-01-01") },
//!     new: Side { engine: &engine, opts: at("2026-06-01") },
//! };
//! // Uzbekistan in a joint command: not a violation before its 2012 defence concept.
//! let p = Proposal::parse(
//!     "proposal p {}\nstep j1: joint_command { parties: [uzbekistan, turkey] }",
//! ).unwrap();
//! let d = cmp.proposal(&p);
//! assert_eq!(d.old, Verdict::Compliant);
//! assert_eq!(d.new, Verdict::NonCompliant);
//! assert_eq!(d.appeared[0].rule, "uzbekistan.non_alignment");
//! ```

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::diag::{Diagnostic, Errors, Location, Severity};
use crate::engine::{CheckOptions, Engine};
use crate::limits::Limits;
use crate::proposal::Proposal;
use crate::report::{ErrorEntry, Report, Violation};
use crate::source::SourceFile;
use crate::syntax::{Item, RuleDecl};

/// A proposal's verdict on one side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// No blocking violation and no error.
    Compliant,
    /// Some blocking violation (an error; a warning with `deny_warnings`).
    NonCompliant,
    /// The proposal could not be read, validated or evaluated on this side.
    Invalid,
}

impl Verdict {
    /// `compliant`, `not compliant` or `invalid`: how the human output says it.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Compliant => "compliant",
            Verdict::NonCompliant => "not compliant",
            Verdict::Invalid => "invalid",
        }
    }

    fn of(r: &Report) -> Verdict {
        if !r.errors.is_empty() {
            Verdict::Invalid
        } else if r.compliant {
            Verdict::Compliant
        } else {
            Verdict::NonCompliant
        }
    }
}

/// A violation that appears or disappears.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ViolationDiff {
    /// The rule id.
    pub rule: String,
    /// Its severity (on the side where it is).
    pub severity: Severity,
    /// The step's id (`null`: proposal-wide).
    pub step: Option<String>,
    /// The `each` binding (the offending state, say), if the rule has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binding: Option<String>,
    /// The violation's message (on the side where it is).
    pub message: String,
    /// Where the step is.
    pub location: Location,
}

/// A violation present on both sides with a different severity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SeverityChange {
    /// The rule id.
    pub rule: String,
    /// The step's id (`null`: proposal-wide).
    pub step: Option<String>,
    /// The `each` binding, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binding: Option<String>,
    /// The old severity.
    pub old: Severity,
    /// The new severity.
    pub new: Severity,
    /// The new message.
    pub message: String,
    /// Where the step is.
    pub location: Location,
}

/// What changes for one proposal file.
#[derive(Clone, Debug, Serialize)]
pub struct ProposalDiff {
    /// The proposal file.
    pub file: String,
    /// The proposal id (absent when the file could not be parsed).
    pub proposal: Option<String>,
    /// The verdict on the old side.
    pub old: Verdict,
    /// The verdict on the new side.
    pub new: Verdict,
    /// Violations only on the new side, by step order, then rule id, then binding.
    pub appeared: Vec<ViolationDiff>,
    /// Violations only on the old side, in the same order.
    pub disappeared: Vec<ViolationDiff>,
    /// Violations on both sides whose severity changed, in the same order.
    pub severity_changed: Vec<SeverityChange>,
    /// Input and evaluation errors on each side (a file that does not parse has the same
    /// errors on both).
    pub errors: SideErrors,
}

/// Errors on each side of a comparison.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SideErrors {
    /// On the old side.
    pub old: Vec<ErrorEntry>,
    /// On the new side.
    pub new: Vec<ErrorEntry>,
}

impl ProposalDiff {
    /// Whether the verdict changes.
    pub fn verdict_changed(&self) -> bool {
        self.old != self.new
    }

    /// Whether anything differs: the verdict, or a violation appears, disappears or
    /// changes severity.
    pub fn differs(&self) -> bool {
        self.verdict_changed()
            || !self.appeared.is_empty()
            || !self.disappeared.is_empty()
            || !self.severity_changed.is_empty()
    }

    /// Whether either side has errors.
    pub fn invalid(&self) -> bool {
        !self.errors.old.is_empty() || !self.errors.new.is_empty()
    }

    /// A file that could not be read or parsed: invalid on both sides, with the same errors.
    pub fn invalid_input(file: &str, errors: impl Into<Vec<Diagnostic>>) -> ProposalDiff {
        let r = Report::invalid(file, None, errors);
        ProposalDiff {
            file: r.file.clone(),
            proposal: None,
            old: Verdict::Invalid,
            new: Verdict::Invalid,
            appeared: Vec::new(),
            disappeared: Vec::new(),
            severity_changed: Vec::new(),
            errors: SideErrors {
                old: r.errors.clone(),
                new: r.errors,
            },
        }
    }

    /// The difference between two reports of the same proposal (`steps`: its step ids in
    /// order, which orders the violations).
    pub fn of_reports(old: Report, new: Report, steps: &[&str]) -> ProposalDiff {
        let order: BTreeMap<&str, usize> = steps.iter().enumerate().map(|(i, s)| (*s, i)).collect();
        type Key = (usize, String, Option<String>);
        let key = |v: &Violation| -> Key {
            let step = v
                .step
                .as_deref()
                .and_then(|s| order.get(s).copied())
                .unwrap_or(usize::MAX);
            (step, v.rule.clone(), v.binding.clone())
        };
        let group = |vs: Vec<Violation>| {
            let mut m: BTreeMap<Key, Vec<Violation>> = BTreeMap::new();
            for v in vs {
                m.entry(key(&v)).or_default().push(v);
            }
            m
        };
        let (old_verdict, new_verdict) = (Verdict::of(&old), Verdict::of(&new));
        let (old_v, new_v) = (group(old.violations), group(new.violations));
        let keys: BTreeSet<&Key> = old_v.keys().chain(new_v.keys()).collect();
        let mut appeared = Vec::new();
        let mut disappeared = Vec::new();
        let mut severity_changed = Vec::new();
        let plain = |v: &Violation| ViolationDiff {
            rule: v.rule.clone(),
            severity: v.severity,
            step: v.step.clone(),
            binding: v.binding.clone(),
            message: v.message.clone(),
            location: v.location.clone(),
        };
        for k in keys {
            let a = old_v.get(k).map(Vec::as_slice).unwrap_or(&[]);
            let b = new_v.get(k).map(Vec::as_slice).unwrap_or(&[]);
            for (x, y) in a.iter().zip(b) {
                if x.severity != y.severity {
                    severity_changed.push(SeverityChange {
                        rule: y.rule.clone(),
                        step: y.step.clone(),
                        binding: y.binding.clone(),
                        old: x.severity,
                        new: y.severity,
                        message: y.message.clone(),
                        location: y.location.clone(),
                    });
                }
            }
            disappeared.extend(a.iter().skip(b.len()).map(plain));
            appeared.extend(b.iter().skip(a.len()).map(plain));
        }
        ProposalDiff {
            file: new.file.clone(),
            proposal: new.proposal.clone().or(old.proposal.clone()),
            old: old_verdict,
            new: new_verdict,
            appeared,
            disappeared,
            severity_changed,
            errors: SideErrors {
                old: old.errors,
                new: new.errors,
            },
        }
    }
}

/// One side of a comparison: an engine and the options it checks with.
#[derive(Clone, Debug)]
pub struct Side<'e> {
    /// The library.
    pub engine: &'e Engine,
    /// The options (the evaluation date, `deny_warnings`).
    pub opts: CheckOptions,
}

/// Two sides to check proposals with: two libraries, or one library at two dates.
#[derive(Clone, Debug)]
pub struct Comparison<'e> {
    /// The old side.
    pub old: Side<'e>,
    /// The new side.
    pub new: Side<'e>,
}

impl Comparison<'_> {
    /// Checks a parsed proposal on both sides and compares the reports. No I/O.
    pub fn proposal(&self, proposal: &Proposal) -> ProposalDiff {
        let check = |s: &Side<'_>| s.engine.check_with(proposal, &s.opts);
        let steps: Vec<&str> = proposal.steps.iter().map(|s| s.id.node.as_str()).collect();
        ProposalDiff::of_reports(check(&self.old), check(&self.new), &steps)
    }
}

/// Totals over the proposals of a comparison.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DiffSummary {
    /// Proposal files compared.
    pub proposals: usize,
    /// Proposals whose verdict changes.
    pub verdict_changes: usize,
    /// Proposals that become non-compliant (from compliant).
    pub become_non_compliant: usize,
    /// Proposals that become compliant (from non-compliant).
    pub become_compliant: usize,
    /// Proposals invalid on some side.
    pub invalid: usize,
    /// Violations that appear.
    pub appeared: usize,
    /// Violations that disappear.
    pub disappeared: usize,
    /// Violations whose severity changes.
    pub severity_changed: usize,
}

impl DiffSummary {
    /// Adds one proposal's difference.
    pub fn add(&mut self, d: &ProposalDiff) {
        self.proposals += 1;
        if d.verdict_changed() {
            self.verdict_changes += 1;
        }
        match (d.old, d.new) {
            (Verdict::Compliant, Verdict::NonCompliant) => self.become_non_compliant += 1,
            (Verdict::NonCompliant, Verdict::Compliant) => self.become_compliant += 1,
            _ => {}
        }
        if d.invalid() {
            self.invalid += 1;
        }
        self.appeared += d.appeared.len();
        self.disappeared += d.disappeared.len();
        self.severity_changed += d.severity_changed.len();
    }
}

// ------------------------------------------------------------------ rules

/// How a rule present in both libraries changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "meaning", rename_all = "snake_case")]
pub enum Meaning {
    /// Its text changed, its meaning did not: it fires on exactly the same steps.
    Same,
    /// The new rule fires wherever the old did, and on more steps.
    Wider {
        /// A step on which only the new rule fires (`null` if the engine did not confirm
        /// the solver's model).
        witness: Option<String>,
    },
    /// The new rule fires only where the old did, and on fewer steps.
    Narrower {
        /// A step on which only the old rule fires.
        witness: Option<String>,
    },
    /// Each fires on some step where the other does not.
    Different {
        /// A step on which only the new rule fires.
        new_only: Option<String>,
        /// A step on which only the old rule fires.
        old_only: Option<String>,
    },
    /// Not compared, and why (its old text does not compile against the new library, it
    /// is an `on proposal` rule, it uses a construct the lints do not model).
    NotCompared {
        /// Why.
        reason: String,
    },
    /// A question not decided within the budget.
    Undecided {
        /// What was not decided.
        question: String,
    },
}

impl Meaning {
    /// Whether the meaning changed (or may have: not compared, undecided).
    pub fn changed(&self) -> bool {
        !matches!(self, Meaning::Same)
    }
}

/// A rule added or removed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleEntry {
    /// Its id.
    pub rule: String,
    /// Its severity as written (`error`, `warning`, `note`).
    pub severity: String,
    /// The file that defines it.
    pub file: String,
}

/// A rule in both libraries whose text changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleChange {
    /// Its id.
    pub rule: String,
    /// The file that defines it in the new library.
    pub file: String,
    /// Its old severity, when it changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_severity: Option<String>,
    /// Its new severity, when it changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_severity: Option<String>,
    /// How its meaning (the steps it fires on) changed.
    #[serde(flatten)]
    pub meaning: Meaning,
}

/// A declaration other than a rule (an entity type, a step kind, an enum, a type alias, a
/// fact, a definition) added, removed or changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeclChange {
    /// What it declares: `fact csto`, `def foreign`, `step base`, `entity State`, ...
    pub item: String,
    /// `added`, `removed` or `changed`.
    pub change: &'static str,
}

/// The semantic difference of two libraries' rules ([`compare_rules`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RulesDiff {
    /// Rules only in the new library, by id.
    pub added: Vec<RuleEntry>,
    /// Rules only in the old library, by id.
    pub removed: Vec<RuleEntry>,
    /// Rules in both whose text changed (layout and comments aside), by id.
    pub changed: Vec<RuleChange>,
    /// Rules in both with the same text.
    pub unchanged: usize,
    /// Other declarations that changed. Rules are compared under the new library's
    /// declarations, so a changed fact or definition shows here, not in `changed`; the
    /// verdicts of proposals show its effect.
    pub declarations: Vec<DeclChange>,
}

impl RulesDiff {
    /// Whether anything differs: a rule added, removed or changed in meaning (or not
    /// compared, or undecided), or a declaration changed.
    pub fn differs(&self) -> bool {
        !self.added.is_empty()
            || !self.removed.is_empty()
            || self
                .changed
                .iter()
                .any(|c| c.meaning.changed() || c.old_severity.is_some())
            || !self.declarations.is_empty()
    }
}

/// Options of [`compare_rules`].
#[derive(Clone, Debug)]
pub struct RulesDiffOptions {
    /// Budget per question, as [`crate::lint::LintOptions::budget`].
    pub budget: u64,
    /// Limits for parsing and compiling.
    pub limits: Limits,
}

impl Default for RulesDiffOptions {
    fn default() -> Self {
        RulesDiffOptions {
            budget: Limits::default().lint_budget,
            limits: Limits::default(),
        }
    }
}

/// A rule as written in a library.
struct WrittenRule {
    id: String,
    /// Its declaration, layout-insensitive ([`normal_form`]).
    normal: String,
    severity: String,
    file: String,
    /// Its text with its id replaced by `{}`.
    template: String,
}

/// The rules and other declarations of a library's sources.
#[derive(Default)]
struct Written {
    rules: BTreeMap<String, WrittenRule>,
    decls: BTreeMap<String, String>,
}

fn written(sources: &[SourceFile], limits: &Limits) -> Result<Written, Errors> {
    let mut out = Written::default();
    let mut errors = Vec::new();
    for s in sources {
        let file = match crate::syntax::parse_policy_with(s, limits) {
            Ok(f) => f,
            Err(e) => {
                errors.extend(e);
                continue;
            }
        };
        for item in &file.items {
            let normal = normal_form(item);
            let (what, name) = match item {
                Item::Entity(d) => ("entity", &d.name.node),
                Item::Step(d) => ("step", &d.name.node),
                Item::Enum(d) => ("enum", &d.name.node),
                Item::Alias(d) => ("type", &d.name.node),
                Item::Fact(d) => ("fact", &d.name.node),
                Item::Def(d) => ("def", &d.name.node),
                Item::Rule(r) => {
                    let template = rule_template(s.text(), r);
                    out.rules.insert(
                        r.id.node.clone(),
                        WrittenRule {
                            id: r.id.node.clone(),
                            normal,
                            severity: r
                                .severity
                                .as_ref()
                                .map_or(String::new(), |i| i.node.clone()),
                            file: s.name().to_string(),
                            template,
                        },
                    );
                    continue;
                }
            };
            out.decls.insert(format!("{what} {name}"), normal);
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors.into())
    }
}

/// A rule's text with its id replaced by `{}` (a rule's id is never `{}`).
fn rule_template(text: &str, r: &RuleDecl) -> String {
    let (s, e) = (r.span.start as usize, r.span.end as usize);
    let (is, ie) = (r.id.span.start as usize, r.id.span.end as usize);
    match (text.get(s..is), text.get(ie..e)) {
        (Some(before), Some(after)) if s <= is && ie <= e => format!("{before}{{}}{after}"),
        _ => String::new(),
    }
}

/// A declaration's syntax tree as text, without its spans: equal for two declarations that
/// differ only in layout and comments.
fn normal_form(item: &Item) -> String {
    let debug = format!("{item:?}");
    // Spans print as `START..END`; strings print quoted, with `"` escaped.
    let mut out = String::with_capacity(debug.len());
    let mut chars = debug.chars().peekable();
    let mut in_str = false;
    while let Some(c) = chars.next() {
        if in_str {
            out.push(c);
            match c {
                '\\' => {
                    if let Some(n) = chars.next() {
                        out.push(n);
                    }
                }
                '"' => in_str = false,
                _ => {}
            }
            continue;
        }
        if c == '"' {
            in_str = true;
            out.push(c);
        } else if c.is_ascii_digit() && !out.ends_with(|p: char| p.is_ascii_alphanumeric()) {
            let mut num = String::from(c);
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit() || **d == '.') {
                num.push(d);
                chars.next();
            }
            let span_like = num
                .split_once("..")
                .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty() && !b.contains('.'));
            out.push_str(if span_like { "_" } else { &num });
        } else {
            out.push(c);
        }
    }
    out
}

/// Compares the rules of two libraries (their sources: the caller reads them). Rules added
/// and removed are listed; a rule in both whose text changed (layout and comments aside) is
/// compiled again from its old text, under a fresh id, against the new library, and the two
/// rules are compared by the steps they fire on ([`Meaning`]), each difference proved by a
/// witness step that the engine confirms. A rule whose old text does not compile against
/// the new library (the schema changed) is not compared, and the reason says why.
///
/// Fails when either library's sources do not parse, or the new one does not compile.
pub fn compare_rules(
    old: &[SourceFile],
    new: &[SourceFile],
    opts: &RulesDiffOptions,
) -> Result<RulesDiff, Errors> {
    let (wo, wn) = (written(old, &opts.limits)?, written(new, &opts.limits)?);
    let mut diff = RulesDiff::default();
    let entry = |r: &WrittenRule| RuleEntry {
        rule: r.id.clone(),
        severity: r.severity.clone(),
        file: r.file.clone(),
    };
    diff.added = wn
        .rules
        .values()
        .filter(|r| !wo.rules.contains_key(&r.id))
        .map(entry)
        .collect();
    diff.removed = wo
        .rules
        .values()
        .filter(|r| !wn.rules.contains_key(&r.id))
        .map(entry)
        .collect();
    for (name, n) in &wn.decls {
        match wo.decls.get(name) {
            None => diff.declarations.push(DeclChange {
                item: name.clone(),
                change: "added",
            }),
            Some(o) if o != n => diff.declarations.push(DeclChange {
                item: name.clone(),
                change: "changed",
            }),
            Some(_) => {}
        }
    }
    for name in wo.decls.keys().filter(|k| !wn.decls.contains_key(*k)) {
        diff.declarations.push(DeclChange {
            item: name.clone(),
            change: "removed",
        });
    }
    diff.declarations.sort_by(|a, b| a.item.cmp(&b.item));
    // Rules in both whose text changed, each with the fresh id its old text gets.
    let taken: BTreeSet<&str> = wn.rules.keys().map(String::as_str).collect();
    let mut pairs: Vec<(&WrittenRule, &WrittenRule, String)> = Vec::new();
    for (id, o) in &wo.rules {
        let Some(n) = wn.rules.get(id) else { continue };
        if o.normal == n.normal {
            diff.unchanged += 1;
            continue;
        }
        let mut fresh = format!("pactum_diff_old.{id}");
        let mut i = 0;
        while taken.contains(fresh.as_str()) {
            i += 1;
            fresh = format!("pactum_diff_old{i}.{id}");
        }
        pairs.push((o, n, fresh));
    }
    if pairs.is_empty() {
        return Ok(diff);
    }
    let old_source = |(o, _, fresh): &(&WrittenRule, &WrittenRule, String)| {
        SourceFile::new(
            format!("<old>/{}", o.file),
            o.template.replacen("{}", fresh, 1),
        )
    };
    let compile = |extra: Vec<SourceFile>| {
        let mut all = new.to_vec();
        all.extend(extra);
        Engine::from_sources_with(all, &opts.limits)
    };
    // All old texts at once; if that fails, each alone, to tell which do not compile.
    let mut reasons: BTreeMap<usize, String> = BTreeMap::new();
    let engine = match compile(pairs.iter().map(old_source).collect()) {
        Ok(e) => e,
        Err(_) => {
            compile(Vec::new())?;
            let mut ok = Vec::new();
            for (i, p) in pairs.iter().enumerate() {
                match compile(vec![old_source(p)]) {
                    Ok(_) => ok.push(old_source(p)),
                    Err(e) => {
                        let first = e
                            .iter()
                            .next()
                            .map(|d| d.message.clone())
                            .unwrap_or_default();
                        reasons.insert(
                            i,
                            format!("its old text does not compile against the new library (the schema changed): {first}"),
                        );
                    }
                }
            }
            compile(ok)?
        }
    };
    let index: BTreeMap<&str, usize> = engine.rules().enumerate().map(|(i, r)| (r.id, i)).collect();
    for (i, (o, n, fresh)) in pairs.iter().enumerate() {
        let severities =
            (o.severity != n.severity).then(|| (o.severity.clone(), n.severity.clone()));
        let meaning = match reasons.remove(&i) {
            Some(reason) => Meaning::NotCompared { reason },
            None => match (index.get(n.id.as_str()), index.get(fresh.as_str())) {
                (Some(&ni), Some(&oi)) => meaning(&engine, ni, oi, opts.budget),
                _ => Meaning::NotCompared {
                    reason: "it was not found after compiling".into(),
                },
            },
        };
        let (old_severity, new_severity) = severities.unzip();
        diff.changed.push(RuleChange {
            rule: n.id.clone(),
            file: n.file.clone(),
            old_severity,
            new_severity,
            meaning,
        });
    }
    Ok(diff)
}

fn meaning(engine: &Engine, new: usize, old: usize, budget: u64) -> Meaning {
    use crate::lint::Excess;
    match crate::lint::compare_rules(engine, new, old, budget) {
        Err(reason) => Meaning::NotCompared { reason },
        Ok((Excess::Unknown(k), _)) => Meaning::Undecided {
            question: format!("whether the new rule fires on a `{k}` step where the old does not"),
        },
        Ok((_, Excess::Unknown(k))) => Meaning::Undecided {
            question: format!("whether the old rule fires on a `{k}` step where the new does not"),
        },
        Ok((Excess::None, Excess::None)) => Meaning::Same,
        Ok((Excess::Some(witness), Excess::None)) => Meaning::Wider { witness },
        Ok((Excess::None, Excess::Some(witness))) => Meaning::Narrower { witness },
        Ok((Excess::Some(new_only), Excess::Some(old_only))) => {
            Meaning::Different { new_only, old_only }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_forms_ignore_spans_not_strings() {
        let parse = |t: &str| {
            crate::syntax::parse_policy(&SourceFile::new("a.policy", t))
                .unwrap()
                .items
        };
        let a = parse("fact x: S { n: 1, t: \"1..2\" }");
        let b = parse("fact   x: S {\n  n: 1,\n  t: \"1..2\"\n}");
        let c = parse("fact x: S { n: 1, t: \"1..3\" }");
        assert_eq!(normal_form(&a[0]), normal_form(&b[0]));
        assert_ne!(normal_form(&a[0]), normal_form(&c[0]));
    }
}
