//! A reference interpreter of the pactum language, for differential testing.
//!
//! It evaluates rules directly over the AST (`pactum::syntax::parse_policy`) and the parsed
//! proposal, with names as strings: no interning, no compilation, no bitsets, no constant
//! folding. It is meant to be obviously correct, following docs/language.md clause by
//! clause; it trusts the library to be well-typed (the engine's compiler checks that) and
//! uses the declared types only to read facts and proposal values.
//!
//! Evaluation order is the documented one: `&&`, `||`, `any`, `all` and `if` short-circuit
//! left to right, sets iterate in id (alphabetical) order, lists in their order, a rule's
//! `unless` clauses in source order; an error stops the rule's application for that step
//! (violations found before it stay). Definitions are expanded at each use: arguments are
//! passed by name (evaluated where the body reads them), as the compiler substitutes them.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use pactum::Date;
use pactum::syntax::{
    BinOp, DefDecl, Expr, ExprKind, Field, Item, PolicyFile, Quant, RuleDecl, Scope, TypeExpr,
    VerdictKind,
};
use pactum::{Proposal, RawValue};

pub mod libgen;

/// A type, resolved.
#[derive(Clone, Debug, PartialEq)]
pub enum RTy {
    Bool,
    Int,
    Str,
    Date,
    /// An entity of one of these types.
    Entity(BTreeSet<String>),
    /// A variant of this enum.
    Enum(String),
    Set(Box<RTy>),
    List(Box<RTy>),
}

impl RTy {
    fn is_atom(&self) -> bool {
        matches!(self, RTy::Entity(_) | RTy::Enum(_))
    }
}

/// A value.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum V {
    Bool(bool),
    Int(i64),
    Str(String),
    Date(Date),
    /// An entity or enum variant, by name.
    Atom(String),
    /// A set of atoms (names sort as the engine's atom ids do: alphabetically).
    Set(BTreeSet<String>),
    /// A list, or a set of non-atoms (sorted, without duplicates).
    List(Vec<V>),
    /// A step, by index.
    Step(usize),
}

/// Why an evaluation failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fail {
    /// An optional attribute read while absent.
    Absent(String),
    /// No date for `s.date` or `as_of`.
    NoDate,
    /// Something the reference does not understand (a bug in the test).
    Bug(String),
}

impl Fail {
    /// The engine's diagnostic code for this failure.
    pub fn code(&self) -> &'static str {
        match self {
            Fail::Absent(_) => "pactum::eval::absent_attribute",
            Fail::NoDate => "pactum::eval::no_date",
            Fail::Bug(_) => "reference::bug",
        }
    }
}

type R<T> = Result<T, Fail>;

/// A declared attribute.
#[derive(Clone, Debug)]
struct FieldInfo {
    name: String,
    ty: RTy,
    optional: bool,
    default: Option<Expr>,
}

/// A library as the reference sees it.
#[derive(Debug, Default)]
pub struct Library {
    types: BTreeMap<String, Vec<FieldInfo>>,
    enums: BTreeMap<String, Vec<String>>,
    aliases: BTreeMap<String, TypeExpr>,
    kinds: BTreeMap<String, Vec<FieldInfo>>,
    /// Entity name -> (entity type, attributes: their lines, and the default).
    facts: BTreeMap<String, (String, BTreeMap<String, Attr>)>,
    defs: BTreeMap<String, DefDecl>,
    rules: Vec<RuleDecl>,
}

/// A fact's attribute as written: each line with its period, and the type's default.
#[derive(Debug, Default)]
struct Attr {
    lines: Vec<Line>,
    default: Option<V>,
}

/// `value [from D] [until E]`.
#[derive(Debug)]
struct Line {
    from: Option<Date>,
    until: Option<Date>,
    value: Expr,
    ty: RTy,
}

/// The value without its period, and the period (`(None, None)`: always).
fn period(e: &Expr) -> (&Expr, Option<Date>, Option<Date>) {
    match &e.kind {
        ExprKind::During(x, d) => (x, d.from.map(|f| f.0), d.until.map(|u| u.0)),
        _ => (e, None, None),
    }
}

/// Whether a period holds on the date `on` (a period needs a date).
fn holds(from: Option<Date>, until: Option<Date>, on: Option<Date>) -> R<bool> {
    if from.is_none() && until.is_none() {
        return Ok(true);
    }
    let d = on.ok_or(Fail::NoDate)?;
    Ok(from.is_none_or(|f| f <= d) && until.is_none_or(|u| d < u))
}

/// One violation: rule, step id (`None`: proposal-wide), displayed `each` binding.
pub type Violation = (String, Option<String>, Option<String>);
/// One evaluation error: rule, step id, code.
pub type Error = (String, Option<String>, &'static str);

/// What the reference finds in a proposal.
#[derive(Debug, Default, PartialEq)]
pub struct Outcome {
    /// Sorted.
    pub violations: Vec<Violation>,
    /// Sorted.
    pub errors: Vec<Error>,
}

impl Library {
    /// Reads parsed policy files (assumed to compile).
    pub fn new(files: &[PolicyFile]) -> Library {
        let mut lib = Library::default();
        let mut raw_types = Vec::new();
        let mut raw_kinds = Vec::new();
        let mut raw_facts = Vec::new();
        for f in files {
            for item in &f.items {
                match item {
                    Item::Entity(d) => raw_types.push(d.clone()),
                    Item::Step(d) => raw_kinds.push(d.clone()),
                    Item::Enum(d) => {
                        lib.enums.insert(
                            d.name.node.clone(),
                            d.variants.iter().map(|v| v.node.clone()).collect(),
                        );
                    }
                    Item::Alias(d) => {
                        lib.aliases.insert(d.name.node.clone(), d.ty.clone());
                    }
                    Item::Fact(d) => raw_facts.push(d.clone()),
                    Item::Def(d) => {
                        lib.defs.insert(d.name.node.clone(), d.clone());
                    }
                    Item::Rule(r) => lib.rules.push((**r).clone()),
                }
            }
        }
        lib.rules.sort_by(|a, b| a.id.node.cmp(&b.id.node));
        for d in &raw_types {
            let fields = lib.fields(&d.fields);
            lib.types.insert(d.name.node.clone(), fields);
        }
        for d in &raw_kinds {
            let fields = lib.fields(&d.fields);
            lib.kinds.insert(d.name.node.clone(), fields);
        }
        for d in &raw_facts {
            let fields = lib.types.get(&d.ty.node).cloned().unwrap_or_default();
            let mut attrs: BTreeMap<String, Attr> = BTreeMap::new();
            for (name, e) in &d.attrs {
                if let Some(f) = fields.iter().find(|f| f.name == name.node) {
                    let (value, from, until) = period(e);
                    attrs
                        .entry(name.node.clone())
                        .or_default()
                        .lines
                        .push(Line {
                            from,
                            until,
                            value: value.clone(),
                            ty: f.ty.clone(),
                        });
                }
            }
            for f in &fields {
                if let Some(e) = &f.default {
                    attrs.entry(f.name.clone()).or_default().default = Some(lib.constant(e, &f.ty));
                }
            }
            lib.facts
                .insert(d.name.node.clone(), (d.ty.node.clone(), attrs));
        }
        lib
    }

    /// Parses the sources of an engine's library.
    pub fn from_sources(sources: &[pactum::SourceFile]) -> Library {
        let files: Vec<PolicyFile> = sources
            .iter()
            .map(|s| pactum::syntax::parse_policy(s).expect("the library parses"))
            .collect();
        Library::new(&files)
    }

    fn fields(&self, decls: &[Field]) -> Vec<FieldInfo> {
        decls
            .iter()
            .map(|f| FieldInfo {
                name: f.name.node.clone(),
                ty: self.resolve(&f.ty),
                optional: f.optional,
                default: f.default.clone(),
            })
            .collect()
    }

    fn resolve(&self, t: &TypeExpr) -> RTy {
        match t {
            TypeExpr::Named(n) => match n.node.as_str() {
                "bool" => RTy::Bool,
                "int" => RTy::Int,
                "string" => RTy::Str,
                "date" => RTy::Date,
                name if self.enums.contains_key(name) => RTy::Enum(name.to_string()),
                name => match self.aliases.get(name) {
                    Some(t) => self.resolve(t),
                    None => RTy::Entity(BTreeSet::from([name.to_string()])),
                },
            },
            TypeExpr::Set(t, _) => RTy::Set(Box::new(self.resolve(t))),
            TypeExpr::List(t, _) => RTy::List(Box::new(self.resolve(t))),
            TypeExpr::Union(parts, _) => {
                let mut all = BTreeSet::new();
                for p in parts {
                    if let RTy::Entity(ts) = self.resolve(p) {
                        all.extend(ts);
                    }
                }
                RTy::Entity(all)
            }
        }
    }

    /// A constant (fact value or default) of a declared type.
    fn constant(&self, e: &Expr, ty: &RTy) -> V {
        match (&e.kind, ty) {
            (ExprKind::Bool(b), _) => V::Bool(*b),
            (ExprKind::Int(i), _) => V::Int(*i),
            (ExprKind::Str(s), _) => V::Str(s.clone()),
            (ExprKind::Date(d), _) => V::Date(*d),
            (ExprKind::Name(n), _) => V::Atom(n.clone()),
            (ExprKind::List(items), RTy::List(elem)) => {
                V::List(items.iter().map(|i| self.constant(i, elem)).collect())
            }
            (ExprKind::List(items), RTy::Set(elem)) => collection(
                items.iter().map(|i| self.constant(i, elem)).collect(),
                elem.is_atom(),
            ),
            _ => V::Bool(false),
        }
    }

    /// A proposal value of a declared type (the proposal is assumed valid).
    fn raw(&self, v: &RawValue, ty: &RTy) -> V {
        match (v, ty) {
            (RawValue::Bool(b), _) => V::Bool(*b),
            (RawValue::Int(i), _) => V::Int(*i),
            (RawValue::Date(d), _) => V::Date(*d),
            (RawValue::Str(s), RTy::Date) => V::Date(Date::parse(s).unwrap_or(Date::from_days(0))),
            (RawValue::Str(s), RTy::Str) => V::Str(s.clone()),
            (RawValue::Str(s) | RawValue::Ident(s), _) => V::Atom(s.clone()),
            (RawValue::List(items), RTy::List(elem)) => {
                V::List(items.iter().map(|i| self.raw(&i.node, elem)).collect())
            }
            (RawValue::List(items), RTy::Set(elem)) => collection(
                items.iter().map(|i| self.raw(&i.node, elem)).collect(),
                elem.is_atom(),
            ),
            (RawValue::List(_), _) => V::Bool(false),
        }
    }
}

/// A set from its elements: atoms as a set of names, anything else sorted and deduplicated.
fn collection(items: Vec<V>, atoms: bool) -> V {
    if atoms || items.iter().all(|v| matches!(v, V::Atom(_))) {
        V::Set(
            items
                .into_iter()
                .filter_map(|v| match v {
                    V::Atom(a) => Some(a),
                    _ => None,
                })
                .collect(),
        )
    } else {
        let mut items = items;
        items.sort();
        items.dedup();
        V::List(items)
    }
}

/// A step bound to the schema.
#[derive(Debug)]
struct BStep {
    id: String,
    kind: String,
    attrs: BTreeMap<String, V>,
    /// Own date, else the proposal's.
    date: Option<Date>,
}

/// A variable: a value, or a definition's argument (evaluated where it is read).
#[derive(Clone, Debug)]
enum Bind {
    Val(V),
    Thunk(Expr, Env),
}

/// Variables in scope, innermost last.
type Env = Rc<Vec<(String, Bind)>>;

fn with(env: &Env, name: &str, b: Bind) -> Env {
    let mut v = (**env).clone();
    v.push((name.to_string(), b));
    Rc::new(v)
}

struct Eval<'a> {
    lib: &'a Library,
    steps: Vec<BStep>,
    as_of: Option<Date>,
    /// The proposal's own date.
    pdate: Option<Date>,
    /// The date the current application is judged at: facts are read as they stand then.
    judged: std::cell::Cell<Option<Date>>,
}

/// Checks a proposal against a library, as of a date (`None`: the proposal's date).
pub fn check(lib: &Library, p: &Proposal, as_of: Option<Date>) -> Outcome {
    let pdate = p.date.as_ref().map(|d| d.node);
    let mut steps = Vec::new();
    for s in &p.steps {
        let fields = lib.kinds.get(&s.kind.node).cloned().unwrap_or_default();
        let mut attrs = BTreeMap::new();
        for a in &s.attrs {
            if let Some(f) = fields.iter().find(|f| f.name == a.name.node) {
                attrs.insert(f.name.clone(), lib.raw(&a.value.node, &f.ty));
            }
        }
        // Constant defaults, then defaults that name another attribute of the step.
        let sibling = |e: &Expr| match &e.kind {
            ExprKind::Name(n) if fields.iter().any(|f| &f.name == n) => Some(n.clone()),
            _ => None,
        };
        for f in &fields {
            if let (false, Some(e)) = (attrs.contains_key(&f.name), &f.default) {
                if sibling(e).is_none() {
                    attrs.insert(f.name.clone(), lib.constant(e, &f.ty));
                }
            }
        }
        for f in &fields {
            if let (false, Some(e)) = (attrs.contains_key(&f.name), &f.default) {
                if let Some(v) = sibling(e).and_then(|n| attrs.get(&n).cloned()) {
                    attrs.insert(f.name.clone(), v);
                }
            }
        }
        steps.push(BStep {
            id: s.id.node.clone(),
            kind: s.kind.node.clone(),
            attrs,
            date: s.date.as_ref().map(|d| d.node).or(pdate),
        });
    }
    let ev = Eval {
        lib,
        steps,
        as_of: as_of.or(pdate),
        pdate,
        judged: std::cell::Cell::new(None),
    };
    let mut out = Outcome::default();
    for rule in &lib.rules {
        match rule.scope.as_ref().map(|s| &s.node) {
            Some(Scope::Steps { kinds, binder }) => {
                for (i, s) in ev.steps.iter().enumerate() {
                    if kinds.iter().any(|k| k.node == s.kind) {
                        let env = Rc::new(vec![(binder.node.clone(), Bind::Val(V::Step(i)))]);
                        ev.apply(rule, Some(i), &env, &mut out);
                    }
                }
            }
            Some(Scope::Proposal(_)) => ev.apply(rule, None, &Rc::new(Vec::new()), &mut out),
            None => {}
        }
    }
    out.violations.sort();
    out.errors.sort();
    out
}

impl Eval<'_> {
    fn step_id(&self, i: Option<usize>) -> Option<String> {
        i.and_then(|i| self.steps.get(i)).map(|s| s.id.clone())
    }

    /// One application of a rule (to one step, or to the proposal).
    fn apply(&self, rule: &RuleDecl, step: Option<usize>, env: &Env, out: &mut Outcome) {
        let id = rule.id.node.clone();
        // A step is judged at its date (own, else the proposal's), else `as_of`; the
        // proposal at its date, else `as_of`.
        self.judged.set(match step {
            Some(i) => self.steps.get(i).and_then(|s| s.date).or(self.as_of),
            None => self.pdate.or(self.as_of),
        });
        let result = (|| -> R<()> {
            if let Some(w) = &rule.when {
                if !self.truth(w, env)? {
                    return Ok(());
                }
            }
            let Some(v) = &rule.verdict else {
                return Ok(());
            };
            let forbid = v.kind == VerdictKind::Forbid;
            let fires = |env: &Env| -> R<bool> {
                let hit = match &v.cond {
                    None => true,
                    Some(c) => self.truth(c, env)? == forbid,
                };
                if !hit {
                    return Ok(false);
                }
                for u in &rule.unless {
                    if self.truth(&u.cond, env)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            };
            match &v.each {
                Some((x, coll)) => {
                    // A value a list names twice is one binding.
                    let mut seen: Vec<V> = Vec::new();
                    for item in self.elements(&self.eval(coll, env)?)? {
                        if seen.contains(&item) {
                            continue;
                        }
                        seen.push(item.clone());
                        let env = with(env, &x.node, Bind::Val(item.clone()));
                        if fires(&env)? {
                            let at = match item {
                                V::Step(j) => Some(j),
                                _ => step,
                            };
                            out.violations.push((
                                id.clone(),
                                self.step_id(at),
                                Some(self.display(&item)),
                            ));
                        }
                    }
                }
                None => {
                    if fires(env)? {
                        out.violations.push((id.clone(), self.step_id(step), None));
                    }
                }
            }
            Ok(())
        })();
        if let Err(e) = result {
            out.errors.push((id, self.step_id(step), e.code()));
        }
    }

    /// How the engine displays a binding.
    fn display(&self, v: &V) -> String {
        match v {
            V::Bool(b) => b.to_string(),
            V::Int(i) => i.to_string(),
            V::Str(s) | V::Atom(s) => s.clone(),
            V::Date(d) => d.to_string(),
            V::Step(i) => self.steps.get(*i).map(|s| s.id.clone()).unwrap_or_default(),
            V::Set(s) => s.iter().cloned().collect::<Vec<_>>().join(", "),
            V::List(l) => l
                .iter()
                .map(|v| self.display(v))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    fn elements(&self, v: &V) -> R<Vec<V>> {
        match v {
            V::Set(s) => Ok(s.iter().cloned().map(V::Atom).collect()),
            V::List(l) => Ok(l.clone()),
            other => Err(Fail::Bug(format!("not a collection: {other:?}"))),
        }
    }

    fn truth(&self, e: &Expr, env: &Env) -> R<bool> {
        match self.eval(e, env)? {
            V::Bool(b) => Ok(b),
            other => Err(Fail::Bug(format!("not a bool: {other:?}"))),
        }
    }

    fn lookup(&self, name: &str, env: &Env) -> Option<R<V>> {
        let (_, b) = env.iter().rev().find(|(n, _)| n == name)?;
        Some(match b {
            Bind::Val(v) => Ok(v.clone()),
            Bind::Thunk(e, env) => self.eval(e, env),
        })
    }

    fn step(&self, i: usize) -> R<&BStep> {
        self.steps.get(i).ok_or(Fail::Bug("step index".into()))
    }

    fn fact(&self, name: &str) -> R<&(String, BTreeMap<String, Attr>)> {
        self.lib
            .facts
            .get(name)
            .ok_or_else(|| Fail::Bug(format!("not a fact: {name}")))
    }

    /// Entity `name`'s attribute `attr` on date `on`: the line whose period holds then
    /// (its list keeps the elements whose periods hold), else the default.
    fn attr_on(&self, name: &str, attr: &str, on: Option<Date>) -> R<Option<V>> {
        let Some(a) = self.fact(name)?.1.get(attr) else {
            return Ok(None);
        };
        for l in &a.lines {
            if !holds(l.from, l.until, on)? {
                continue;
            }
            let value = match &l.value.kind {
                ExprKind::List(items) => {
                    let mut now = Vec::new();
                    for it in items {
                        let (x, from, until) = period(it);
                        if holds(from, until, on)? {
                            now.push(x.clone());
                        }
                    }
                    Expr {
                        kind: ExprKind::List(now),
                        span: l.value.span,
                    }
                }
                _ => l.value.clone(),
            };
            return Ok(Some(self.lib.constant(&value, &l.ty)));
        }
        Ok(a.default.clone())
    }

    fn eval(&self, e: &Expr, env: &Env) -> R<V> {
        Ok(match &e.kind {
            ExprKind::During(..) => return Err(Fail::Bug("a period outside a fact".into())),
            ExprKind::Bool(b) => V::Bool(*b),
            ExprKind::Int(i) => V::Int(*i),
            ExprKind::Str(s) => V::Str(s.clone()),
            ExprKind::Date(d) => V::Date(*d),
            ExprKind::Name(n) => {
                if let Some(v) = self.lookup(n, env) {
                    return v;
                }
                if n == "as_of" {
                    return self.as_of.map(V::Date).ok_or(Fail::NoDate);
                }
                if let Some(d) = self.lib.defs.get(n) {
                    return self.eval(&d.body, &Rc::new(Vec::new()));
                }
                V::Atom(n.clone())
            }
            ExprKind::List(items) => {
                let mut vs = Vec::new();
                for i in items {
                    vs.push(self.eval(i, env)?);
                }
                collection(vs, false)
            }
            ExprKind::Attr(obj, field) => match self.eval(obj, env)? {
                V::Step(i) => {
                    let s = self.step(i)?;
                    match field.node.as_str() {
                        "id" => V::Str(s.id.clone()),
                        "date" => V::Date(s.date.or(self.as_of).ok_or(Fail::NoDate)?),
                        f => s
                            .attrs
                            .get(f)
                            .cloned()
                            .ok_or_else(|| Fail::Absent(f.to_string()))?,
                    }
                }
                V::Atom(a) => self
                    .attr_on(&a, &field.node, self.judged.get())?
                    .ok_or_else(|| Fail::Absent(field.node.clone()))?,
                other => return Err(Fail::Bug(format!("attribute of {other:?}"))),
            },
            ExprKind::Has(obj, field) => match self.eval(obj, env)? {
                V::Step(i) => V::Bool(self.step(i)?.attrs.contains_key(&field.node)),
                V::Atom(a) => V::Bool(self.attr_on(&a, &field.node, self.judged.get())?.is_some()),
                other => return Err(Fail::Bug(format!("has on {other:?}"))),
            },
            ExprKind::Is(obj, ty) => {
                let V::Atom(a) = self.eval(obj, env)? else {
                    return Err(Fail::Bug("is on a non-entity".into()));
                };
                let RTy::Entity(types) = self.lib.resolve(ty) else {
                    return Err(Fail::Bug("is with a non-entity type".into()));
                };
                V::Bool(
                    self.lib
                        .facts
                        .get(&a)
                        .is_some_and(|(t, _)| types.contains(t)),
                )
            }
            ExprKind::Not(x) => V::Bool(!self.truth(x, env)?),
            ExprKind::Binary(op, a, b) => self.binary(*op, a, b, env)?,
            ExprKind::Quant(q, x, coll, body) => {
                let items = self.elements(&self.eval(coll, env)?)?;
                let mut result = *q == Quant::All;
                for item in items {
                    let b = self.truth(body, &with(env, &x.node, Bind::Val(item)))?;
                    if *q == Quant::Any && b {
                        result = true;
                        break;
                    }
                    if *q == Quant::All && !b {
                        result = false;
                        break;
                    }
                }
                V::Bool(result)
            }
            ExprKind::Filter(x, coll, cond) => {
                // The items for which the condition holds: a set stays a set, a list keeps
                // its order.
                let all = self.eval(coll, env)?;
                let items = self.elements(&all)?;
                let mut keep = Vec::new();
                for item in items {
                    if self.truth(cond, &with(env, &x.node, Bind::Val(item.clone())))? {
                        keep.push(item);
                    }
                }
                match all {
                    V::Set(_) => V::Set(
                        keep.into_iter()
                            .filter_map(|v| match v {
                                V::Atom(a) => Some(a),
                                _ => None,
                            })
                            .collect(),
                    ),
                    _ => V::List(keep),
                }
            }
            ExprKind::Match(x, arms) => {
                let V::Step(i) = self.eval(
                    &Expr {
                        kind: ExprKind::Name(x.node.clone()),
                        span: x.span,
                    },
                    env,
                )?
                else {
                    return Err(Fail::Bug("match on a non-step".into()));
                };
                let kind = self.step(i)?.kind.clone();
                let arm = arms
                    .iter()
                    .find(|a| a.kinds.is_empty() || a.kinds.iter().any(|k| k.node == kind))
                    .ok_or_else(|| Fail::Bug(format!("no arm for {kind}")))?;
                self.eval(&arm.body, env)?
            }
            ExprKind::If(c, a, b) => {
                if self.truth(c, env)? {
                    self.eval(a, env)?
                } else {
                    self.eval(b, env)?
                }
            }
            ExprKind::Call(f, args) => self.call(&f.node, args, env)?,
        })
    }

    fn call(&self, f: &str, args: &[Expr], env: &Env) -> R<V> {
        match f {
            "count" => {
                let v = self.eval(args.first().ok_or(Fail::Bug("count".into()))?, env)?;
                Ok(V::Int(self.elements(&v)?.len() as i64))
            }
            "days" => {
                let (Some(a), Some(b)) = (args.first(), args.get(1)) else {
                    return Err(Fail::Bug("days".into()));
                };
                match (self.eval(a, env)?, self.eval(b, env)?) {
                    (V::Date(a), V::Date(b)) => {
                        Ok(V::Int(i64::from(b.days()) - i64::from(a.days())))
                    }
                    _ => Err(Fail::Bug("days".into())),
                }
            }
            "in_force" => {
                let (Some(i), Some(d)) = (args.first(), args.get(1)) else {
                    return Err(Fail::Bug("in_force".into()));
                };
                let V::Atom(i) = self.eval(i, env)? else {
                    return Err(Fail::Bug("in_force of a non-entity".into()));
                };
                let V::Date(d) = self.eval(d, env)? else {
                    return Err(Fail::Bug("in_force on a non-date".into()));
                };
                let date = |n: &str| match self.attr_on(&i, n, Some(d)) {
                    Ok(Some(V::Date(d))) => Some(d),
                    _ => None,
                };
                let started = date("entry_into_force").is_some_and(|s| s <= d);
                let ended = date("terminated").is_some_and(|t| t <= d);
                Ok(V::Bool(started && !ended))
            }
            "steps" => {
                let kinds: Vec<&str> = args
                    .iter()
                    .filter_map(|a| match &a.kind {
                        ExprKind::Name(n) => Some(n.as_str()),
                        _ => None,
                    })
                    .collect();
                Ok(V::List(
                    self.steps
                        .iter()
                        .enumerate()
                        .filter(|(_, s)| kinds.is_empty() || kinds.contains(&s.kind.as_str()))
                        .map(|(i, _)| V::Step(i))
                        .collect(),
                ))
            }
            name => {
                let d = self
                    .lib
                    .defs
                    .get(name)
                    .ok_or_else(|| Fail::Bug(format!("unknown function {name}")))?;
                let mut scope = Vec::new();
                for (p, a) in d.params.iter().flatten().zip(args) {
                    scope.push((p.node.clone(), Bind::Thunk(a.clone(), env.clone())));
                }
                self.eval(&d.body, &Rc::new(scope))
            }
        }
    }

    fn binary(&self, op: BinOp, a: &Expr, b: &Expr, env: &Env) -> R<V> {
        Ok(V::Bool(match op {
            BinOp::And => self.truth(a, env)? && self.truth(b, env)?,
            BinOp::Or => self.truth(a, env)? || self.truth(b, env)?,
            BinOp::Eq | BinOp::Ne => {
                let (x, y) = (self.eval(a, env)?, self.eval(b, env)?);
                equal(&x, &y) == (op == BinOp::Eq)
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let (x, y) = (self.eval(a, env)?, self.eval(b, env)?);
                let ord = match (&x, &y) {
                    (V::Int(p), V::Int(q)) => p.cmp(q),
                    (V::Date(p), V::Date(q)) => p.cmp(q),
                    _ => return Err(Fail::Bug(format!("order of {x:?} and {y:?}"))),
                };
                match op {
                    BinOp::Lt => ord.is_lt(),
                    BinOp::Le => ord.is_le(),
                    BinOp::Gt => ord.is_gt(),
                    _ => ord.is_ge(),
                }
            }
            BinOp::In | BinOp::NotIn => {
                let x = self.eval(a, env)?;
                let coll = self.eval(b, env)?;
                let found = match (&coll, &x) {
                    (V::Set(s), V::Atom(n)) => s.contains(n),
                    (V::List(l), x) => l.iter().any(|v| equal(v, x)),
                    _ => false,
                };
                found == (op == BinOp::In)
            }
            BinOp::Union | BinOp::Inter | BinOp::Diff => {
                let x = atoms(&self.eval(a, env)?);
                let y = atoms(&self.eval(b, env)?);
                return Ok(V::Set(match op {
                    BinOp::Union => x.union(&y).cloned().collect(),
                    BinOp::Inter => x.intersection(&y).cloned().collect(),
                    _ => x.difference(&y).cloned().collect(),
                }));
            }
        }))
    }
}

/// The atoms of a set or list.
fn atoms(v: &V) -> BTreeSet<String> {
    match v {
        V::Set(s) => s.clone(),
        V::List(l) => l
            .iter()
            .filter_map(|v| match v {
                V::Atom(a) => Some(a.clone()),
                _ => None,
            })
            .collect(),
        _ => BTreeSet::new(),
    }
}

/// Equality: sets by their members, lists in order; a list equals a set when it holds
/// exactly the set's members, each once.
fn equal(a: &V, b: &V) -> bool {
    match (a, b) {
        (V::Set(s), V::List(l)) | (V::List(l), V::Set(s)) => {
            l.len() == s.len()
                && l.iter().all(|v| matches!(v, V::Atom(_)))
                && atoms(&V::List(l.clone())) == *s
        }
        _ => a == b,
    }
}
