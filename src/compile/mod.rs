//! Resolve, type-check and compile a parsed policy library into [`Compiled`].
//!
//! One pass over the AST does three jobs: names are resolved to declarations (types, kinds,
//! atoms, definitions, binders), every expression is typed against the schema, and the typed
//! expression is lowered to a [`CExpr`] over interned ids. Definitions are expanded at each
//! use, which keeps them typed in context and makes recursion a compile-time error.
//!
//! One file per part of the language: `declare.rs` (schema), `facts.rs`, `types.rs`,
//! `expr.rs`, `defs.rs`, `builtins.rs`, `matching.rs`, `rules.rs`; this file holds the
//! driver (`Cx::run`) and the shared state.

mod builtins;
mod declare;
mod defs;
mod expr;
mod facts;
mod matching;
mod rules;
pub(crate) mod time;
mod types;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use crate::bitset::AtomSet;
use crate::diag::{Code, Diagnostic, Severity, did_you_mean};
use crate::ir::*;
use crate::limits::Limits;
use crate::source::{SourceFile, Span};
use crate::syntax::{self as ast, BinOp, Expr, ExprKind, FileId, Item, TypeExpr, VerdictKind};

const BUILTIN_TYPES: [&str; 4] = ["bool", "int", "string", "date"];
const NONE: u16 = u16::MAX;

#[derive(Clone, Copy)]
enum TypeRef<'a> {
    Entity(TypeId),
    Enum(EnumId),
    Alias(&'a ast::AliasDecl, FileId),
}

#[derive(Clone)]
enum VarKind {
    Local(Local),
    Subst(CExpr),
}

#[derive(Clone)]
struct Var {
    name: String,
    kind: VarKind,
    ty: Ty,
}

#[derive(Default)]
struct Scope {
    vars: Vec<Var>,
    next_local: u16,
    proposal_rule: bool,
    steps_depth: u32,
    /// Set while compiling the collection of an `any` or a filter: `steps(...)` is allowed
    /// anywhere there, provided the condition turns out to be a join (`ir::join_key`).
    join_allowed: bool,
    in_const: bool,
}

impl Scope {
    fn lookup(&self, name: &str) -> Option<&Var> {
        self.vars.iter().rev().find(|v| v.name == name)
    }

    fn alloc(&mut self) -> Local {
        let l = self.next_local;
        self.next_local = self.next_local.saturating_add(1);
        l
    }
}

struct Cx<'a> {
    sources: &'a [SourceFile],
    errors: Vec<Diagnostic>,
    type_refs: HashMap<String, (TypeRef<'a>, FileId, Span)>,
    defs: HashMap<String, (&'a ast::DefDecl, FileId)>,
    expanding: Vec<String>,
    /// Definitions whose body failed to compile once: later uses are not expanded again
    /// (the errors are reported once, and a definition used 2^n times costs nothing more).
    failed_defs: std::collections::HashSet<String>,
    alias_stack: Vec<String>,
    out: Compiled,
    attr_index: HashMap<String, AttrId>,
    limits: Limits,
    nodes: usize,
    depth: u32,
    over_limit: bool,
}

/// Compiles parsed files (parallel to `sources`) into a library.
pub fn compile(
    sources: Vec<SourceFile>,
    files: &[ast::PolicyFile],
    limits: &Limits,
) -> Result<Compiled, Vec<Diagnostic>> {
    let out = Compiled {
        sources: Vec::new(),
        types: Vec::new(),
        enums: Vec::new(),
        enum_decls: Vec::new(),
        kinds: Vec::new(),
        kind_index: NameMap::default(),
        atoms: Vec::new(),
        atom_index: NameMap::default(),
        attr_names: Vec::new(),
        facts: Vec::new(),
        timed_attrs: BTreeSet::new(),
        rules: Vec::new(),
        rules_by_kind: Vec::new(),
        proposal_rules: Vec::new(),
        strings: Vec::new(),
        string_index: NameMap::default(),
        defs: Vec::new(),
        used_defs: BTreeSet::new(),
        used_atoms: BTreeSet::new(),
        used_attrs: BTreeSet::new(),
        set_attrs: BTreeSet::new(),
        unused_binders: BTreeSet::new(),
    };
    let mut cx = Cx {
        sources: &sources,
        errors: Vec::new(),
        type_refs: HashMap::new(),
        defs: HashMap::new(),
        expanding: Vec::new(),
        failed_defs: std::collections::HashSet::new(),
        alias_stack: Vec::new(),
        out,
        attr_index: HashMap::new(),
        limits: limits.clone(),
        nodes: 0,
        depth: 0,
        over_limit: false,
    };
    cx.run(files);
    let Cx {
        mut errors,
        mut out,
        ..
    } = cx;
    if errors.is_empty() {
        out.sources = sources;
        Ok(out)
    } else {
        errors.sort_by(|a, b| {
            let key = |d: &Diagnostic| {
                (
                    d.source.as_ref().map(|s| s.name().to_string()),
                    d.span.start,
                )
            };
            key(a).cmp(&key(b))
        });
        errors.dedup();
        Err(errors)
    }
}

fn fold(e: &CExpr) -> Option<Value> {
    match e {
        CExpr::Const(v) | CExpr::Fact { value: v, .. } | CExpr::Folded { value: v, .. } => {
            Some(v.clone())
        }
        _ => None,
    }
}

/// A constant and the facts it came from.
fn folded(e: &CExpr) -> Option<(Value, Vec<(AtomId, AttrId)>)> {
    match e {
        CExpr::Const(v) => Some((v.clone(), Vec::new())),
        CExpr::Fact {
            value,
            entity,
            attr,
        } => Some((value.clone(), vec![(*entity, *attr)])),
        CExpr::Folded { value, sources } => Some((value.clone(), sources.to_vec())),
        _ => None,
    }
}

impl<'a> Cx<'a> {
    pub(super) fn src(&self, file: FileId) -> SourceFile {
        self.sources
            .get(file as usize)
            .cloned()
            .unwrap_or_else(|| SourceFile::new("<unknown>", ""))
    }

    pub(super) fn err(
        &mut self,
        code: Code,
        file: FileId,
        span: Span,
        msg: impl Into<String>,
        label: impl Into<String>,
    ) -> &mut Diagnostic {
        let d = Diagnostic::error(code, msg, &self.src(file), span, label);
        self.errors.push(d);
        let last = self.errors.len() - 1;
        #[expect(clippy::indexing_slicing, reason = "just pushed")]
        &mut self.errors[last]
    }

    /// `steps(...)` walked where that makes checking quadratic (not a join): the error at
    /// the collection, with what to write instead.
    pub(super) fn quadratic_steps(&mut self, file: FileId, span: Span, help: impl Into<String>) {
        self.err(
            Code::Complexity,
            file,
            span,
            "`steps(...)` here is walked for every step: checking would be quadratic",
            "not related to the step through an attribute",
        );
        self.help(help);
    }

    pub(super) fn help(&mut self, help: impl Into<String>) {
        if let Some(d) = self.errors.last_mut() {
            d.help = Some(help.into());
        }
    }

    pub(super) fn related(&mut self, file: FileId, span: Span, label: &str) {
        let src = self.src(file);
        if let Some(d) = self.errors.last_mut() {
            d.related.push(crate::diag::Related {
                span: src.clamp(span),
                source: src,
                label: label.to_string(),
            });
        }
    }

    pub(super) fn run(&mut self, files: &'a [ast::PolicyFile]) {
        // 1. Declarations.
        let mut value_names: HashMap<String, (FileId, Span)> = HashMap::new();
        let mut facts: Vec<(&'a ast::FactDecl, FileId)> = Vec::new();
        let mut rules: Vec<(&'a ast::RuleDecl, FileId)> = Vec::new();
        let mut kind_decls: Vec<(&'a ast::RecordDecl, FileId)> = Vec::new();
        let mut entity_decls: Vec<(&'a ast::RecordDecl, FileId)> = Vec::new();
        let mut enum_decls: Vec<(&'a ast::EnumDecl, FileId)> = Vec::new();
        for (fi, file) in files.iter().enumerate() {
            let fi = fi as FileId;
            for item in &file.items {
                match item {
                    Item::Entity(d) => {
                        if self.declare_type(&d.name, fi) {
                            let id = self.out.types.len() as TypeId;
                            self.out.types.push(EntityType {
                                name: d.name.node.clone(),
                                fields: Vec::new(),
                                file: fi,
                                span: d.name.span,
                            });
                            self.type_refs.insert(
                                d.name.node.clone(),
                                (TypeRef::Entity(id), fi, d.name.span),
                            );
                            entity_decls.push((d, fi));
                        }
                    }
                    Item::Enum(d) => {
                        if self.declare_type(&d.name, fi) {
                            let id = self.out.enums.len() as EnumId;
                            self.out.enums.push((d.name.node.clone(), Vec::new()));
                            self.out.enum_decls.push((fi, d.name.span));
                            self.type_refs
                                .insert(d.name.node.clone(), (TypeRef::Enum(id), fi, d.name.span));
                            enum_decls.push((d, fi));
                            for v in &d.variants {
                                self.declare_value(&mut value_names, v, fi);
                            }
                        }
                    }
                    Item::Alias(d) => {
                        if self.declare_type(&d.name, fi) {
                            self.type_refs.insert(
                                d.name.node.clone(),
                                (TypeRef::Alias(d, fi), fi, d.name.span),
                            );
                        }
                    }
                    Item::Step(d) => {
                        if let Some(&k) = self.out.kind_index.get(&d.name.node) {
                            let first = self.out.kinds.get(k as usize).map(|k| (k.file, k.span));
                            self.err(
                                Code::DuplicateName,
                                fi,
                                d.name.span,
                                format!("step kind `{}` is declared twice", d.name.node),
                                "declared again here",
                            );
                            if let Some((f, s)) = first {
                                self.related(f, s, "first declared here");
                            }
                            self.help("rename one of them, or merge their attributes");
                            continue;
                        }
                        let id = self.out.kinds.len() as KindId;
                        self.out.kind_index.insert(d.name.node.clone(), id);
                        self.out.kinds.push(KindInfo {
                            name: d.name.node.clone(),
                            fields: Vec::new(),
                            index: NameMap::default(),
                            file: fi,
                            span: d.name.span,
                        });
                        kind_decls.push((d, fi));
                    }
                    Item::Fact(d) => {
                        if self.declare_value(&mut value_names, &d.name, fi) {
                            facts.push((d, fi));
                        }
                    }
                    Item::Def(d) => {
                        if self.declare_value(&mut value_names, &d.name, fi) {
                            self.defs.insert(d.name.node.clone(), (d, fi));
                            self.out.defs.push((d.name.node.clone(), fi, d.name.span));
                        }
                    }
                    Item::Rule(r) => rules.push((r, fi)),
                }
            }
        }

        // 2. Atoms, in alphabetical order.
        let mut atom_decls: BTreeMap<String, (AtomKind, FileId, Span)> = BTreeMap::new();
        for (e, (d, fi)) in enum_decls.iter().enumerate() {
            for v in &d.variants {
                atom_decls.insert(
                    v.node.clone(),
                    (AtomKind::Variant(e as EnumId), *fi, v.span),
                );
            }
        }
        for (d, fi) in &facts {
            // The type is checked below; use a placeholder kind until then.
            atom_decls.insert(
                d.name.node.clone(),
                (AtomKind::Entity(TypeId::MAX), *fi, d.name.span),
            );
        }
        for (name, (kind, file, span)) in atom_decls {
            let id = self.out.atoms.len() as AtomId;
            if let AtomKind::Variant(e) = kind {
                if let Some(en) = self.out.enums.get_mut(e as usize) {
                    en.1.push(id);
                }
            }
            self.out.atom_index.insert(name.clone(), id);
            self.out.atoms.push(AtomInfo {
                name,
                kind,
                file,
                span,
            });
        }
        for (d, fi) in &facts {
            match self.type_refs.get(&d.ty.node).map(|t| t.0) {
                Some(TypeRef::Entity(t)) => {
                    if let Some(&id) = self.out.atom_index.get(&d.name.node) {
                        if let Some(a) = self.out.atoms.get_mut(id as usize) {
                            a.kind = AtomKind::Entity(t);
                        }
                    }
                }
                Some(_) => {
                    self.err(
                        Code::TypeMismatch,
                        *fi,
                        d.ty.span,
                        format!("`{}` is not an entity type", d.ty.node),
                        "facts must have an entity type",
                    );
                    self.help("declare it with `entity Name { ... }`");
                }
                None => self.unknown_type(&d.ty, *fi),
            }
        }

        // 3. Entity type fields, then the global attribute table.
        for (t, (d, fi)) in entity_decls.iter().enumerate() {
            let fields = self.fields(&d.fields, *fi, None);
            if let Some(et) = self.out.types.get_mut(t) {
                et.fields = fields;
            }
        }
        for t in &self.out.types {
            for f in &t.fields {
                if !self.attr_index.contains_key(&f.name) {
                    self.attr_index
                        .insert(f.name.clone(), self.out.attr_names.len() as AttrId);
                    self.out.attr_names.push(f.name.clone());
                }
            }
        }

        // 4. Step kinds.
        for (k, (d, fi)) in kind_decls.iter().enumerate() {
            let fields = self.fields(&d.fields, *fi, Some(k));
            if let Some(kind) = self.out.kinds.get_mut(k) {
                kind.index = fields
                    .iter()
                    .enumerate()
                    .map(|(i, f)| (f.name.clone(), i as u16))
                    .collect();
                kind.fields = fields;
            }
        }

        // 5. Facts.
        self.out.facts = vec![Vec::new(); self.out.atoms.len()];
        for (d, fi) in &facts {
            self.fact(d, *fi);
        }

        // 6. Rules.
        let mut seen: HashMap<String, (FileId, Span)> = HashMap::new();
        for (r, fi) in &rules {
            if let Some(&(f0, s0)) = seen.get(&r.id.node) {
                self.err(
                    Code::DuplicateName,
                    *fi,
                    r.id.span,
                    format!("rule `{}` is declared twice", r.id.node),
                    "declared again here",
                );
                self.related(f0, s0, "first declared here");
                self.help("rule ids are stable identifiers: give each rule its own");
                continue;
            }
            seen.insert(r.id.node.clone(), (*fi, r.id.span));
            if let Some(rule) = self.rule(r, *fi) {
                self.out.rules.push(rule);
            }
        }
        // 7. Definitions without parameters that no rule uses: typed once on their own, so
        // that a type error in one is an error, not only an unused definition. (One with
        // parameters is typed at each use, with its arguments' types.)
        let used = self.out.used_defs.clone();
        let unused: Vec<(&'a ast::DefDecl, FileId)> = self
            .out
            .defs
            .iter()
            .filter(|(name, _, _)| !used.contains(name))
            .filter_map(|(name, _, _)| self.defs.get(name).copied())
            .filter(|(d, _)| d.params.as_ref().is_none_or(Vec::is_empty))
            .collect();
        for (d, fi) in unused {
            let mut sc = Scope::default();
            self.expand(d, fi, &[], d.body.span, fi, &mut sc, None);
        }
        self.out.used_defs = used;
        self.out.rules.sort_by(|a, b| a.id.cmp(&b.id));
        self.out.rules_by_kind = vec![Vec::new(); self.out.kinds.len()];
        for (i, r) in self.out.rules.iter().enumerate() {
            if r.proposal_scope {
                self.out.proposal_rules.push(i as u32);
            }
            for &k in &r.kinds {
                if let Some(v) = self.out.rules_by_kind.get_mut(k as usize) {
                    v.push(i as u32);
                }
            }
        }
    }
}

fn t_step(kinds: &BTreeSet<KindId>) -> Ty {
    Ty::Step(kinds.clone())
}

fn local_of(c: &CExpr) -> Option<Local> {
    match c {
        CExpr::Local(l) => Some(*l),
        _ => None,
    }
}

fn not(c: CExpr) -> CExpr {
    match c {
        CExpr::Not(inner) => *inner,
        CExpr::Const(Value::Bool(b)) => CExpr::Const(Value::Bool(!b)),
        other => CExpr::Not(Box::new(other)),
    }
}

/// Sorts values into a canonical order (for sets of non-atoms).
pub fn sort_values(vs: &mut Vec<Value>) {
    vs.sort_by_key(|v| crate::ir::scalar_key(v).unwrap_or((6, 0)));
    vs.dedup();
}
