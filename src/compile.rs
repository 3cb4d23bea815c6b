//! Resolve, type-check and compile a parsed policy library into [`Compiled`].
//!
//! One pass over the AST does three jobs: names are resolved to declarations (types, kinds,
//! atoms, definitions, binders), every expression is typed against the schema, and the typed
//! expression is lowered to a [`CExpr`] over interned ids. Definitions are expanded at each
//! use, which keeps them typed in context and makes recursion a compile-time error.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use crate::ast::{self, BinOp, Expr, ExprKind, FileId, Item, TypeExpr, VerdictKind};
use crate::bitset::AtomSet;
use crate::diag::{Code, Diagnostic, Severity, did_you_mean};
use crate::ir::*;
use crate::limits::Limits;
use crate::source::{SourceFile, Span};

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
        kinds: Vec::new(),
        kind_index: NameMap::default(),
        atoms: Vec::new(),
        atom_index: NameMap::default(),
        attr_names: Vec::new(),
        facts: Vec::new(),
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
    fn src(&self, file: FileId) -> SourceFile {
        self.sources
            .get(file as usize)
            .cloned()
            .unwrap_or_else(|| SourceFile::new("<unknown>", ""))
    }

    fn err(
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

    fn help(&mut self, help: impl Into<String>) {
        if let Some(d) = self.errors.last_mut() {
            d.help = Some(help.into());
        }
    }

    fn related(&mut self, file: FileId, span: Span, label: &str) {
        let src = self.src(file);
        if let Some(d) = self.errors.last_mut() {
            d.related.push(crate::diag::Related {
                span: src.clamp(span),
                source: src,
                label: label.to_string(),
            });
        }
    }

    fn run(&mut self, files: &'a [ast::PolicyFile]) {
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

    fn declare_type(&mut self, name: &ast::Ident, file: FileId) -> bool {
        if BUILTIN_TYPES.contains(&name.node.as_str()) {
            self.err(
                Code::DuplicateName,
                file,
                name.span,
                format!("`{}` is a built-in type", name.node),
                "cannot be redeclared",
            );
            self.help("choose another name");
            return false;
        }
        if let Some(&(_, f0, s0)) = self.type_refs.get(&name.node) {
            self.err(
                Code::DuplicateName,
                file,
                name.span,
                format!("type `{}` is declared twice", name.node),
                "declared again here",
            );
            self.related(f0, s0, "first declared here");
            self.help("rename one of them");
            return false;
        }
        true
    }

    fn declare_value(
        &mut self,
        names: &mut HashMap<String, (FileId, Span)>,
        name: &ast::Ident,
        file: FileId,
    ) -> bool {
        if name.node == "as_of" {
            self.err(
                Code::DuplicateName,
                file,
                name.span,
                "`as_of` is a built-in name",
                "cannot be redeclared",
            );
            return false;
        }
        if let Some(&(f0, s0)) = names.get(&name.node) {
            self.err(
                Code::DuplicateName,
                file,
                name.span,
                format!("`{}` is declared twice", name.node),
                "declared again here",
            );
            self.related(f0, s0, "first declared here");
            self.help(
                "facts, enum variants and definitions share one namespace: rename one of them",
            );
            return false;
        }
        names.insert(name.node.clone(), (file, name.span));
        true
    }

    fn unknown_type(&mut self, name: &ast::Ident, file: FileId) {
        let mut candidates: Vec<String> = self.type_refs.keys().cloned().collect();
        candidates.extend(BUILTIN_TYPES.iter().map(|s| s.to_string()));
        candidates.sort();
        let hint =
            did_you_mean(&name.node, candidates.iter().map(String::as_str)).map(str::to_string);
        self.err(
            Code::UnknownName,
            file,
            name.span,
            format!("unknown type `{}`", name.node),
            "not a declared type",
        );
        match hint {
            Some(h) => self.help(format!("did you mean `{h}`?")),
            None => self.help(
                "declare it with `entity`, `enum` or `type`, or use bool, int, string or date",
            ),
        }
    }

    fn resolve_ty(&mut self, t: &TypeExpr, file: FileId) -> Ty {
        match t {
            TypeExpr::Named(n) => match n.node.as_str() {
                "bool" => Ty::Bool,
                "int" => Ty::Int,
                "string" => Ty::Str,
                "date" => Ty::Date,
                name => match self.type_refs.get(name).map(|t| t.0) {
                    Some(TypeRef::Entity(id)) => Ty::Entity(BTreeSet::from([id])),
                    Some(TypeRef::Enum(id)) => Ty::Enum(id),
                    Some(TypeRef::Alias(d, f)) => {
                        if self.alias_stack.iter().any(|a| a == name) {
                            self.err(
                                Code::RecursiveDefinition,
                                f,
                                d.name.span,
                                format!("type alias `{name}` refers to itself"),
                                "this alias is recursive",
                            );
                            self.help("an alias must name a type made of entity types, enums and built-ins");
                            return Ty::Error;
                        }
                        self.alias_stack.push(name.to_string());
                        let ty = self.resolve_ty(&d.ty, f);
                        self.alias_stack.pop();
                        ty
                    }
                    None => {
                        self.unknown_type(n, file);
                        Ty::Error
                    }
                },
            },
            TypeExpr::Set(inner, _) => Ty::Set(Box::new(self.resolve_ty(inner, file))),
            TypeExpr::List(inner, _) => Ty::List(Box::new(self.resolve_ty(inner, file))),
            TypeExpr::Union(parts, span) => {
                let mut all = BTreeSet::new();
                for p in parts {
                    match self.resolve_ty(p, file) {
                        Ty::Entity(ts) => all.extend(ts),
                        Ty::Error => return Ty::Error,
                        other => {
                            let name = self.out.ty_name(&other);
                            self.err(
                                Code::TypeMismatch,
                                file,
                                p.span(),
                                format!("`{name}` cannot be part of a union"),
                                "not an entity type",
                            );
                            self.help("unions combine entity types, like `State | Region`");
                            let _ = span;
                            return Ty::Error;
                        }
                    }
                }
                Ty::Entity(all)
            }
        }
    }

    fn fields(
        &mut self,
        decls: &[ast::Field],
        file: FileId,
        kind: Option<usize>,
    ) -> Vec<FieldInfo> {
        let mut out: Vec<FieldInfo> = Vec::new();
        let reserved = ["id", "kind", "date", "note"];
        for f in decls {
            if out.iter().any(|o| o.name == f.name.node) {
                self.err(
                    Code::DuplicateName,
                    file,
                    f.name.span,
                    format!("attribute `{}` is declared twice", f.name.node),
                    "declared again here",
                );
                self.help("remove one of them");
                continue;
            }
            if kind.is_some() && reserved.contains(&f.name.node.as_str()) {
                self.err(
                    Code::DuplicateName,
                    file,
                    f.name.span,
                    format!("`{}` is a built-in step attribute", f.name.node),
                    "reserved name",
                );
                self.help(
                    "every step already has `id`, `kind`, `date` and `note`; choose another name",
                );
                continue;
            }
            let ty = self.resolve_ty(&f.ty, file);
            out.push(FieldInfo {
                name: f.name.node.clone(),
                ty,
                optional: f.optional,
                default: None,
                excludes: f.excludes.as_ref().map(|e| (e.node.clone(), e.span)),
                file,
                span: f.name.span,
            });
        }
        // Defaults, once all sibling types are known.
        for f in decls {
            let Some(def) = &f.default else { continue };
            let Some(idx) = out.iter().position(|o| o.name == f.name.node) else {
                continue;
            };
            let expected = out.get(idx).map(|o| o.ty.clone()).unwrap_or(Ty::Error);
            // A bare sibling name is a reference to that attribute (steps only).
            if let (Some(_), ExprKind::Name(n)) = (kind, &def.kind) {
                if let Some(sib) = out.iter().position(|o| &o.name == n) {
                    let sib_ty = out.get(sib).map(|o| o.ty.clone()).unwrap_or(Ty::Error);
                    let sib_opt = out
                        .get(sib)
                        .is_some_and(|o| o.optional && o.default.is_none());
                    if sib == idx {
                        self.err(
                            Code::RecursiveDefinition,
                            file,
                            def.span,
                            "an attribute cannot default to itself",
                            "refers to itself",
                        );
                    } else if !self.fits(&sib_ty, &expected) {
                        let (a, b) = (self.out.ty_name(&sib_ty), self.out.ty_name(&expected));
                        self.err(
                            Code::TypeMismatch,
                            file,
                            def.span,
                            format!("default `{n}` has type `{a}`, but the attribute is `{b}`"),
                            "wrong type",
                        );
                    } else if sib_opt {
                        self.err(
                            Code::TypeMismatch,
                            file,
                            def.span,
                            format!("`{n}` is optional, so it cannot be a default"),
                            "may be absent",
                        );
                        self.help("default to a required attribute or to a constant");
                    } else if decls
                        .iter()
                        .any(|d| d.name.node == *n && d.default.is_some())
                    {
                        self.err(
                            Code::TypeMismatch,
                            file,
                            def.span,
                            format!("`{n}` has a default of its own, so it cannot be a default"),
                            "chained default",
                        );
                        self.help("default to a required attribute or to a constant");
                    } else if let Some(o) = out.get_mut(idx) {
                        o.default = Some(Default::Attr(sib as u16));
                    }
                    continue;
                }
            }
            if let Some(v) = self.const_value(def, file, &expected) {
                if let Some(o) = out.get_mut(idx) {
                    o.default = Some(Default::Const(v));
                }
            }
        }
        for o in &mut out {
            if o.default.is_some() {
                o.optional = false;
            }
        }
        out
    }

    /// Compiles a constant expression of an expected type.
    fn const_value(&mut self, e: &Expr, file: FileId, expected: &Ty) -> Option<Value> {
        let mut scope = Scope {
            in_const: true,
            ..Scope::default()
        };
        let (c, ty) = self.expr(e, file, &mut scope, Some(expected));
        if ty == Ty::Error {
            return None;
        }
        if !self.fits(&ty, expected) {
            let (a, b) = (self.out.ty_name(&ty), self.out.ty_name(expected));
            self.err(
                Code::TypeMismatch,
                file,
                e.span,
                format!("expected `{b}`, found `{a}`"),
                format!("this is `{a}`"),
            );
            return None;
        }
        match fold(&c) {
            Some(v) => Some(v),
            None => {
                self.err(
                    Code::TypeMismatch,
                    file,
                    e.span,
                    "expected a constant",
                    "not a constant",
                );
                self.help(
                    "facts and defaults are literals, entity ids, enum values or lists of them",
                );
                None
            }
        }
    }

    fn fact(&mut self, d: &ast::FactDecl, file: FileId) {
        let Some(&atom) = self.out.atom_index.get(&d.name.node) else {
            return;
        };
        let Some(AtomKind::Entity(t)) = self.out.atoms.get(atom as usize).map(|a| a.kind) else {
            return;
        };
        let Some(et) = self.out.types.get(t as usize).cloned() else {
            return;
        };
        let mut values: Vec<Option<Value>> = vec![None; self.out.attr_names.len()];
        let mut given: HashMap<&str, Span> = HashMap::new();
        for (name, value) in &d.attrs {
            if let Some(prev) = given.get(name.node.as_str()) {
                let prev = *prev;
                self.err(
                    Code::DuplicateKey,
                    file,
                    name.span,
                    format!("attribute `{}` is given twice", name.node),
                    "given again here",
                );
                self.related(file, prev, "first given here");
                continue;
            }
            given.insert(&name.node, name.span);
            let Some(field) = et.fields.iter().find(|f| f.name == name.node) else {
                let hint = did_you_mean(&name.node, et.fields.iter().map(|f| f.name.as_str()))
                    .map(str::to_string);
                self.err(
                    Code::UnknownField,
                    file,
                    name.span,
                    format!("entity type `{}` has no attribute `{}`", et.name, name.node),
                    "unknown attribute",
                );
                match hint {
                    Some(h) => self.help(format!("did you mean `{h}`?")),
                    None => {
                        let names: Vec<_> = et.fields.iter().map(|f| f.name.as_str()).collect();
                        self.help(format!("`{}` has: {}", et.name, names.join(", ")));
                    }
                }
                continue;
            };
            let ty = field.ty.clone();
            if let Some(&a) = self.attr_index.get(&name.node) {
                self.out.set_attrs.insert(a);
            }
            if let Some(v) = self.const_value(value, file, &ty) {
                if let Some(&a) = self.attr_index.get(&name.node) {
                    if let Some(slot) = values.get_mut(a as usize) {
                        *slot = Some(v);
                    }
                }
            }
        }
        let mut missing = Vec::new();
        for f in &et.fields {
            if given.contains_key(f.name.as_str()) {
                continue;
            }
            if let Some(Default::Const(v)) = &f.default {
                if let Some(&a) = self.attr_index.get(&f.name) {
                    if let Some(slot) = values.get_mut(a as usize) {
                        *slot = Some(v.clone());
                    }
                }
            } else if !f.optional {
                missing.push(format!("`{}: {}`", f.name, self.out.ty_name(&f.ty)));
            }
        }
        if !missing.is_empty() {
            self.err(
                Code::FactShape,
                file,
                d.name.span,
                format!("fact `{}` is missing {}", d.name.node, missing.join(", ")),
                "required attributes missing",
            );
            self.help(format!("add {} to the fact", missing.join(", ")));
        }
        if let Some(slot) = self.out.facts.get_mut(atom as usize) {
            *slot = values;
        }
    }

    /// Whether a value of type `a` may be stored where `b` is expected.
    fn fits(&self, a: &Ty, b: &Ty) -> bool {
        match (a, b) {
            (Ty::Error, _) | (_, Ty::Error) | (Ty::Empty, _) => true,
            (Ty::Entity(x), Ty::Entity(y)) => x.is_subset(y),
            (Ty::Set(x), Ty::Set(y)) | (Ty::List(x), Ty::List(y)) => self.fits(x, y),
            (Ty::Step(x), Ty::Step(y)) => x.is_subset(y),
            _ => a == b,
        }
    }

    /// The common type of two branches, if they have one.
    fn unify(&self, a: &Ty, b: &Ty) -> Option<Ty> {
        Some(match (a, b) {
            (Ty::Error, _) | (_, Ty::Error) => Ty::Error,
            (Ty::Empty, t) | (t, Ty::Empty) => t.clone(),
            (Ty::Entity(x), Ty::Entity(y)) => Ty::Entity(x | y),
            (Ty::Step(x), Ty::Step(y)) => Ty::Step(x | y),
            (Ty::Set(x), Ty::Set(y)) => Ty::Set(Box::new(self.unify(x, y)?)),
            (Ty::List(x), Ty::List(y)) => Ty::List(Box::new(self.unify(x, y)?)),
            (Ty::Set(x), Ty::List(y)) | (Ty::List(x), Ty::Set(y)) => {
                Ty::Set(Box::new(self.unify(x, y)?))
            }
            _ if a == b => a.clone(),
            _ => return None,
        })
    }

    /// Whether values of two types can ever be equal.
    fn comparable(&self, a: &Ty, b: &Ty) -> bool {
        match (a, b) {
            (Ty::Entity(x), Ty::Entity(y)) => !x.is_disjoint(y),
            (Ty::Set(x), Ty::Set(y)) | (Ty::List(x), Ty::List(y)) => {
                matches!(**x, Ty::Empty) || matches!(**y, Ty::Empty) || self.comparable(x, y)
            }
            _ => self.unify(a, b).is_some(),
        }
    }

    fn mismatch(&mut self, file: FileId, span: Span, expected: &str, found: &Ty) {
        if *found == Ty::Error {
            return;
        }
        let f = self.out.ty_name(found);
        self.err(
            Code::TypeMismatch,
            file,
            span,
            format!("expected {expected}, found `{f}`"),
            format!("this is `{f}`"),
        );
    }

    fn expect_bool(&mut self, e: &Expr, file: FileId, sc: &mut Scope) -> CExpr {
        let (c, t) = self.expr(e, file, sc, Some(&Ty::Bool));
        if t != Ty::Bool && t != Ty::Error {
            self.mismatch(file, e.span, "a condition (`bool`)", &t);
        }
        c
    }

    /// Compiles an expression, counting nodes and depth against the limits (definitions are
    /// expanded at each use, so a library could otherwise grow exponentially).
    fn expr(&mut self, e: &Expr, file: FileId, sc: &mut Scope, hint: Option<&Ty>) -> (CExpr, Ty) {
        let bad = (CExpr::Const(Value::Bool(false)), Ty::Error);
        if self.over_limit {
            return bad;
        }
        self.nodes += 1;
        // Expanded definitions nest: the limit counts the whole expanded depth.
        let max_depth = self.limits.max_expr_depth;
        if self.nodes > self.limits.max_compiled_nodes || self.depth >= max_depth {
            self.over_limit = true;
            let (code, msg) = if self.depth >= max_depth {
                (
                    Code::LimitNesting,
                    "expressions nest too deeply once definitions are expanded".to_string(),
                )
            } else {
                (
                    Code::LimitExpansion,
                    format!(
                        "the library expands to more than {} expression nodes",
                        self.limits.max_compiled_nodes
                    ),
                )
            };
            self.err(
                code,
                file,
                e.span,
                msg,
                "the limit is reached while compiling this",
            );
            self.help("definitions are expanded at each use: avoid definitions that use another one many times over, or raise the limit in `Limits` if you embed pactum");
            return bad;
        }
        self.depth += 1;
        let out = self.expr_inner(e, file, sc, hint);
        self.depth -= 1;
        out
    }

    fn expr_inner(
        &mut self,
        e: &Expr,
        file: FileId,
        sc: &mut Scope,
        hint: Option<&Ty>,
    ) -> (CExpr, Ty) {
        match &e.kind {
            ExprKind::Bool(b) => (CExpr::Const(Value::Bool(*b)), Ty::Bool),
            ExprKind::Int(i) => (CExpr::Const(Value::Int(*i)), Ty::Int),
            ExprKind::Date(d) => (CExpr::Const(Value::Date(*d)), Ty::Date),
            ExprKind::Str(..) => self.compile_str(e, file, sc, hint),
            ExprKind::Name(n) => self.name(n, e.span, file, sc, hint),
            ExprKind::List(..) => self.compile_list(e, file, sc, hint),
            ExprKind::Attr(obj, field) => self.attr(obj, field, e.span, file, sc),
            ExprKind::Has(..) => self.compile_has(e, file, sc, hint),
            ExprKind::Is(..) => self.compile_is(e, file, sc, hint),
            ExprKind::Not(x) => {
                let c = self.expect_bool(x, file, sc);
                (not(c), Ty::Bool)
            }
            ExprKind::Binary(op, a, b) => self.binary(*op, a, b, e.span, file, sc),
            ExprKind::Quant(..) => self.compile_quant(e, file, sc, hint),
            ExprKind::Match(x, arms) => self.match_expr(x, arms, file, sc, hint),
            ExprKind::If(..) => self.compile_if(e, file, sc, hint),
            ExprKind::Call(f, args) => self.call(f, args, e.span, file, sc, hint),
        }
    }

    fn compile_str(
        &mut self,
        e: &Expr,
        _file: FileId,
        _sc: &mut Scope,
        _hint: Option<&Ty>,
    ) -> (CExpr, Ty) {
        let bad = (CExpr::Const(Value::Bool(false)), Ty::Error);
        let ExprKind::Str(s) = &e.kind else {
            return bad;
        };
        let id = match self.out.string_index.get(s) {
            Some(&id) => id,
            None => {
                let id = self.out.strings.len() as u32;
                self.out.strings.push(s.clone());
                self.out.string_index.insert(s.clone(), id);
                id
            }
        };
        (CExpr::Const(Value::Str(id)), Ty::Str)
    }

    fn compile_list(
        &mut self,
        e: &Expr,
        file: FileId,
        sc: &mut Scope,
        hint: Option<&Ty>,
    ) -> (CExpr, Ty) {
        let bad = (CExpr::Const(Value::Bool(false)), Ty::Error);
        let ExprKind::List(items) = &e.kind else {
            return bad;
        };
        let elem_hint = hint.and_then(Ty::elem).cloned();
        let mut elem = Ty::Empty;
        let mut cs = Vec::new();
        for it in items {
            let (c, t) = self.expr(it, file, sc, elem_hint.as_ref());
            match self.unify(&elem, &t) {
                Some(u) => elem = u,
                None => {
                    let (a, b) = (self.out.ty_name(&elem), self.out.ty_name(&t));
                    self.err(
                        Code::TypeMismatch,
                        file,
                        it.span,
                        format!("list elements must have one type: found `{b}` after `{a}`"),
                        format!("this is `{b}`"),
                    );
                    return bad;
                }
            }
            cs.push(c);
        }
        if matches!(elem, Ty::Set(_) | Ty::List(_) | Ty::Step(_)) && !sc.proposal_rule {
            let n = self.out.ty_name(&elem);
            self.err(
                Code::TypeMismatch,
                file,
                e.span,
                format!("lists of `{n}` are not supported"),
                "nested collection",
            );
            self.help("use `|` to combine sets");
            return bad;
        }
        let as_list = matches!(hint, Some(Ty::List(_)));
        let consts: Option<Vec<Value>> = cs.iter().map(fold).collect();
        if as_list || !elem.is_atom() {
            let ty = if as_list {
                Ty::List(Box::new(elem))
            } else {
                Ty::Set(Box::new(elem))
            };
            let sorted = !as_list;
            match consts {
                Some(mut vs) => {
                    if sorted {
                        sort_values(&mut vs);
                    }
                    (CExpr::Const(Value::List(vs.into())), ty)
                }
                None => (CExpr::MakeList(cs, sorted), ty),
            }
        } else {
            let ty = Ty::Set(Box::new(elem));
            match consts {
                Some(vs) => {
                    let ids = vs.iter().filter_map(|v| match v {
                        Value::Atom(a) => Some(*a),
                        _ => None,
                    });
                    (CExpr::Const(Value::Set(AtomSet::from_ids(ids))), ty)
                }
                None => (CExpr::MakeSet(cs), ty),
            }
        }
    }

    fn compile_has(
        &mut self,
        e: &Expr,
        file: FileId,
        sc: &mut Scope,
        _hint: Option<&Ty>,
    ) -> (CExpr, Ty) {
        let bad = (CExpr::Const(Value::Bool(false)), Ty::Error);
        let ExprKind::Has(obj, field) = &e.kind else {
            return bad;
        };
        let (c, t) = self.expr(obj, file, sc, None);
        match t {
            Ty::Step(kinds) => {
                let Some(local) = local_of(&c) else {
                    return bad;
                };
                let slots = self.slots(&kinds, &field.node, file, field.span, &t_step(&kinds));
                match slots {
                    Some((slots, _)) => (CExpr::StepHas { local, slots }, Ty::Bool),
                    None => bad,
                }
            }
            Ty::Entity(types) => match self.entity_field(&types, &field.node, file, field.span) {
                Some((attr, _)) => {
                    self.out.used_attrs.insert(attr);
                    (CExpr::EntityHas(Box::new(c), attr), Ty::Bool)
                }
                None => bad,
            },
            Ty::Error => bad,
            other => {
                self.mismatch(file, obj.span, "a step or an entity", &other);
                bad
            }
        }
    }

    fn compile_is(
        &mut self,
        e: &Expr,
        file: FileId,
        sc: &mut Scope,
        _hint: Option<&Ty>,
    ) -> (CExpr, Ty) {
        let bad = (CExpr::Const(Value::Bool(false)), Ty::Error);
        let ExprKind::Is(obj, ty) = &e.kind else {
            return bad;
        };
        let (c, t) = self.expr(obj, file, sc, None);
        let target = self.resolve_ty(ty, file);
        match (&t, &target) {
            (Ty::Entity(_), Ty::Entity(want)) => {
                let mask: Box<[bool]> = (0..self.out.types.len() as TypeId)
                    .map(|i| want.contains(&i))
                    .collect();
                (CExpr::IsType(Box::new(c), mask), Ty::Bool)
            }
            (Ty::Error, _) | (_, Ty::Error) => bad,
            (Ty::Entity(_), other) => {
                self.mismatch(file, ty.span(), "an entity type", other);
                bad
            }
            (other, _) => {
                self.mismatch(file, obj.span, "an entity", other);
                bad
            }
        }
    }

    fn compile_quant(
        &mut self,
        e: &Expr,
        file: FileId,
        sc: &mut Scope,
        _hint: Option<&Ty>,
    ) -> (CExpr, Ty) {
        let bad = (CExpr::Const(Value::Bool(false)), Ty::Error);
        let ExprKind::Quant(q, binder, coll, body) = &e.kind else {
            return bad;
        };
        let is_steps = matches!(&coll.kind, ExprKind::Call(f, _) if f.node == "steps");
        let (cc, ct) = self.expr(coll, file, sc, None);
        let elem = match &ct {
            Ty::Set(t) | Ty::List(t) => (**t).clone(),
            Ty::Error => return bad,
            other => {
                self.mismatch(file, coll.span, "a set or list", other);
                return bad;
            }
        };
        let local = sc.alloc();
        sc.vars.push(Var {
            name: binder.node.clone(),
            kind: VarKind::Local(local),
            ty: elem,
        });
        if is_steps {
            sc.steps_depth += 1;
        }
        let cb = self.expect_bool(body, file, sc);
        if is_steps {
            sc.steps_depth -= 1;
        }
        sc.vars.pop();
        (
            CExpr::Quant(*q, local, Box::new(cc), Box::new(cb)),
            Ty::Bool,
        )
    }

    fn compile_if(
        &mut self,
        e: &Expr,
        file: FileId,
        sc: &mut Scope,
        hint: Option<&Ty>,
    ) -> (CExpr, Ty) {
        let bad = (CExpr::Const(Value::Bool(false)), Ty::Error);
        let ExprKind::If(c, a, b) = &e.kind else {
            return bad;
        };
        let cc = self.expect_bool(c, file, sc);
        let (ca, ta) = self.expr(a, file, sc, hint);
        let (cb, tb) = self.expr(b, file, sc, hint.or(Some(&ta)));
        match self.unify(&ta, &tb) {
            Some(t) => (CExpr::If(Box::new(cc), Box::new(ca), Box::new(cb)), t),
            None => {
                let (x, y) = (self.out.ty_name(&ta), self.out.ty_name(&tb));
                self.err(
                    Code::TypeMismatch,
                    file,
                    b.span,
                    format!("`if` branches have different types: `{x}` and `{y}`"),
                    format!("this is `{y}`"),
                );
                bad
            }
        }
    }

    fn name(
        &mut self,
        n: &str,
        span: Span,
        file: FileId,
        sc: &mut Scope,
        hint: Option<&Ty>,
    ) -> (CExpr, Ty) {
        if let Some(v) = sc.lookup(n) {
            let c = match &v.kind {
                VarKind::Local(l) => CExpr::Local(*l),
                VarKind::Subst(c) => c.clone(),
            };
            return (c, v.ty.clone());
        }
        if n == "as_of" {
            if sc.in_const {
                self.err(
                    Code::TypeMismatch,
                    file,
                    span,
                    "`as_of` is not a constant",
                    "depends on the check",
                );
                return (CExpr::Const(Value::Bool(false)), Ty::Error);
            }
            return (CExpr::AsOf(span), Ty::Date);
        }
        if let Some(&(def, dfile)) = self.defs.get(n) {
            if def.params.as_ref().is_some_and(|p| !p.is_empty()) {
                let k = def.params.as_ref().map_or(0, Vec::len);
                self.err(
                    Code::TypeMismatch,
                    file,
                    span,
                    format!("`{n}` takes {k} argument(s)"),
                    "called without arguments",
                );
                self.help(format!("call it as `{n}(...)`"));
                return (CExpr::Const(Value::Bool(false)), Ty::Error);
            }
            return self.expand(def, dfile, &[], span, file, sc, hint);
        }
        if let Some(&atom) = self.out.atom_index.get(n) {
            self.out.used_atoms.insert(atom);
            let ty = match self.out.atoms.get(atom as usize).map(|a| a.kind) {
                Some(AtomKind::Entity(t)) if t != TypeId::MAX => Ty::Entity(BTreeSet::from([t])),
                Some(AtomKind::Variant(e)) => Ty::Enum(e),
                _ => Ty::Error,
            };
            return (CExpr::Const(Value::Atom(atom)), ty);
        }
        let mut candidates: Vec<&str> = sc.vars.iter().map(|v| v.name.as_str()).collect();
        candidates.extend(self.defs.keys().map(String::as_str));
        candidates.extend(self.out.atom_index.keys().map(String::as_str));
        candidates.sort_unstable();
        let hint = did_you_mean(n, candidates).map(str::to_string);
        self.err(
            Code::UnknownName,
            file,
            span,
            format!("unknown name `{n}`"),
            "not a binder, definition, entity or enum value",
        );
        match hint {
            Some(h) => self.help(format!("did you mean `{h}`?")),
            None if self.out.kind_index.contains_key(n) => {
                self.help(format!("`{n}` is a step kind; match on it with `match s {{ {n} => ... }}` or scope the rule with `on {n} as s`"))
            }
            None => self.help("declare it as a `fact`, an enum variant or a `def`"),
        }
        (CExpr::Const(Value::Bool(false)), Ty::Error)
    }

    #[allow(clippy::too_many_arguments)]
    fn expand(
        &mut self,
        def: &'a ast::DefDecl,
        dfile: FileId,
        args: &[(CExpr, Ty)],
        span: Span,
        file: FileId,
        sc: &mut Scope,
        hint: Option<&Ty>,
    ) -> (CExpr, Ty) {
        let name = def.name.node.clone();
        self.out.used_defs.insert(name.clone());
        if self.failed_defs.contains(&name) {
            return (CExpr::Const(Value::Bool(false)), Ty::Error);
        }
        if self.expanding.contains(&name) {
            let chain = self.expanding.join(" -> ");
            self.err(
                Code::RecursiveDefinition,
                file,
                span,
                format!("definition `{name}` refers to itself ({chain} -> {name})"),
                "recursive use",
            );
            self.related(dfile, def.name.span, "defined here");
            self.help("definitions may not be recursive, so that every evaluation terminates");
            return (CExpr::Const(Value::Bool(false)), Ty::Error);
        }
        if self.expanding.len() > 64 {
            self.err(
                Code::Complexity,
                file,
                span,
                "definitions nested more than 64 deep",
                "too deep",
            );
            return (CExpr::Const(Value::Bool(false)), Ty::Error);
        }
        let saved = std::mem::take(&mut sc.vars);
        for (p, (c, t)) in def.params.iter().flatten().zip(args) {
            sc.vars.push(Var {
                name: p.node.clone(),
                kind: VarKind::Subst(c.clone()),
                ty: t.clone(),
            });
        }
        self.expanding.push(name.clone());
        let before = self.errors.len();
        let out = self.expr(&def.body, dfile, sc, hint);
        self.expanding.pop();
        if self.errors.len() > before {
            self.failed_defs.insert(name);
        }
        sc.vars = saved;
        if self.errors.len() > before && dfile != file
            || self.errors.len() > before
                && !def.body.span.join(span).is_empty()
                && span != def.body.span
        {
            let src = self.src(file);
            for d in self.errors.iter_mut().skip(before) {
                if d.related.is_empty() {
                    d.related.push(crate::diag::Related {
                        source: src.clone(),
                        span: src.clamp(span),
                        label: format!("in this use of `{}`", def.name.node),
                    });
                }
            }
        }
        out
    }

    fn call(
        &mut self,
        f: &ast::Ident,
        args: &[Expr],
        span: Span,
        file: FileId,
        sc: &mut Scope,
        hint: Option<&Ty>,
    ) -> (CExpr, Ty) {
        let bad = (CExpr::Const(Value::Bool(false)), Ty::Error);
        let arity = |cx: &mut Self, n: usize| -> bool {
            if args.len() != n {
                cx.err(
                    Code::TypeMismatch,
                    file,
                    span,
                    format!("`{}` takes {n} argument(s), found {}", f.node, args.len()),
                    "wrong number of arguments",
                );
                return false;
            }
            true
        };
        match f.node.as_str() {
            "count" => {
                if !arity(self, 1) {
                    return bad;
                }
                let Some(a) = args.first() else { return bad };
                let (c, t) = self.expr(a, file, sc, None);
                match t {
                    Ty::Set(_) | Ty::List(_) => (CExpr::Count(Box::new(c)), Ty::Int),
                    Ty::Error => bad,
                    other => {
                        self.mismatch(file, a.span, "a set or list", &other);
                        bad
                    }
                }
            }
            "in_force" => {
                if !arity(self, 2) {
                    return bad;
                }
                let (Some(a), Some(b)) = (args.first(), args.get(1)) else {
                    return bad;
                };
                let (ci, ti) = self.expr(a, file, sc, None);
                let (cd, td) = self.expr(b, file, sc, Some(&Ty::Date));
                if td != Ty::Date && td != Ty::Error {
                    self.mismatch(file, b.span, "a `date`", &td);
                    return bad;
                }
                let Ty::Entity(types) = ti else {
                    self.mismatch(
                        file,
                        a.span,
                        "an instrument (an entity with `entry_into_force: date?`)",
                        &ti,
                    );
                    return bad;
                };
                let Some((eif, et)) = self.entity_field(&types, "entry_into_force", file, a.span)
                else {
                    self.help("`in_force` needs an entity type with an attribute `entry_into_force: date?`");
                    return bad;
                };
                if et != Ty::Date {
                    self.mismatch(file, a.span, "`entry_into_force` of type `date`", &et);
                    return bad;
                }
                self.out.used_attrs.insert(eif);
                let terminated = self.attr_index.get("terminated").copied().filter(|_| {
                    types.iter().all(|t| {
                        self.out.types.get(*t as usize).is_some_and(|et| {
                            et.fields
                                .iter()
                                .any(|f| f.name == "terminated" && f.ty == Ty::Date)
                        })
                    })
                });
                if let Some(t) = terminated {
                    self.out.used_attrs.insert(t);
                }
                (
                    CExpr::InForce {
                        inst: Box::new(ci),
                        date: Box::new(cd),
                        eif,
                        terminated,
                    },
                    Ty::Bool,
                )
            }
            "steps" => {
                if !sc.proposal_rule {
                    self.err(
                        Code::Complexity,
                        file,
                        span,
                        "`steps(...)` is only available in `on proposal` rules",
                        "not allowed here",
                    );
                    self.help("a step-scoped rule sees one step; write an `on proposal` rule to relate steps");
                    return bad;
                }
                if sc.steps_depth > 0 {
                    self.err(
                        Code::Complexity,
                        file,
                        span,
                        "`steps(...)` nested inside another `steps(...)` quantifier",
                        "quadratic in the number of steps",
                    );
                    self.help("evaluation must stay linear in the size of the proposal: relate steps through their attributes instead");
                    return bad;
                }
                let mut kinds = BTreeSet::new();
                for a in args {
                    match &a.kind {
                        ExprKind::Name(n) => match self.out.kind_index.get(n) {
                            Some(&k) => {
                                kinds.insert(k);
                            }
                            None => {
                                self.unknown_kind(n, a.span, file);
                                return bad;
                            }
                        },
                        _ => {
                            self.err(
                                Code::TypeMismatch,
                                file,
                                a.span,
                                "expected a step kind",
                                "not a kind name",
                            );
                            return bad;
                        }
                    }
                }
                if kinds.is_empty() {
                    kinds = (0..self.out.kinds.len() as KindId).collect();
                }
                let mask: Box<[bool]> = (0..self.out.kinds.len() as KindId)
                    .map(|k| kinds.contains(&k))
                    .collect();
                (CExpr::Steps(mask), Ty::List(Box::new(Ty::Step(kinds))))
            }
            name => {
                let Some(&(def, dfile)) = self.defs.get(name) else {
                    let mut candidates: Vec<&str> = vec!["count", "in_force", "steps"];
                    candidates.extend(self.defs.keys().map(String::as_str));
                    let h = did_you_mean(name, candidates).map(str::to_string);
                    self.err(
                        Code::UnknownName,
                        file,
                        f.span,
                        format!("unknown function `{name}`"),
                        "not a definition or built-in",
                    );
                    match h {
                        Some(h) => self.help(format!("did you mean `{h}`?")),
                        None => self.help("the built-ins are `count`, `in_force` and `steps`; declare others with `def name(x) = ...`"),
                    }
                    return bad;
                };
                let n = def.params.as_ref().map_or(0, Vec::len);
                if n != args.len() {
                    self.err(
                        Code::TypeMismatch,
                        file,
                        span,
                        format!("`{name}` takes {n} argument(s), found {}", args.len()),
                        "wrong number of arguments",
                    );
                    self.related(dfile, def.name.span, "defined here");
                    return bad;
                }
                let compiled: Vec<(CExpr, Ty)> =
                    args.iter().map(|a| self.expr(a, file, sc, None)).collect();
                if compiled.iter().any(|(_, t)| *t == Ty::Error) {
                    return bad;
                }
                self.expand(def, dfile, &compiled, span, file, sc, hint)
            }
        }
    }

    fn unknown_kind(&mut self, n: &str, span: Span, file: FileId) {
        let h = did_you_mean(n, self.out.kind_index.keys().map(String::as_str)).map(str::to_string);
        self.err(
            Code::UnknownName,
            file,
            span,
            format!("unknown step kind `{n}`"),
            "not a declared step kind",
        );
        match h {
            Some(h) => self.help(format!("did you mean `{h}`?")),
            None => {
                let mut all: Vec<&str> = self.out.kind_index.keys().map(String::as_str).collect();
                all.sort_unstable();
                let list = all.join(", ");
                self.help(format!("the step kinds are: {list}"));
            }
        }
    }

    fn entity_field_used(
        &mut self,
        types: &BTreeSet<TypeId>,
        field: &str,
        file: FileId,
        span: Span,
    ) -> Option<(AttrId, Ty)> {
        let r = self.entity_field(types, field, file, span);
        if let Some((a, _)) = &r {
            self.out.used_attrs.insert(*a);
        }
        r
    }

    fn entity_field(
        &mut self,
        types: &BTreeSet<TypeId>,
        field: &str,
        file: FileId,
        span: Span,
    ) -> Option<(AttrId, Ty)> {
        let mut ty: Option<Ty> = None;
        for t in types {
            let et = self.out.types.get(*t as usize)?;
            let Some(f) = et.fields.iter().find(|f| f.name == field) else {
                let h = did_you_mean(field, et.fields.iter().map(|f| f.name.as_str()))
                    .map(str::to_string);
                let tname = et.name.clone();
                self.err(
                    Code::UnknownField,
                    file,
                    span,
                    format!("`{tname}` has no attribute `{field}`"),
                    "unknown attribute",
                );
                if let Some(h) = h {
                    self.help(format!("did you mean `{h}`?"));
                }
                return None;
            };
            ty = match ty {
                None => Some(f.ty.clone()),
                Some(prev) => {
                    match self.unify(&prev, &f.ty) {
                        Some(u) => Some(u),
                        None => {
                            self.err(Code::TypeMismatch, file, span, format!("attribute `{field}` has different types in the entity types here"), "ambiguous type");
                            return None;
                        }
                    }
                }
            };
        }
        let attr = *self.attr_index.get(field)?;
        Some((attr, ty?))
    }

    fn slots(
        &mut self,
        kinds: &BTreeSet<KindId>,
        field: &str,
        file: FileId,
        span: Span,
        _t: &Ty,
    ) -> Option<(Box<[u16]>, Ty)> {
        let mut slots = vec![NONE; self.out.kinds.len()];
        let mut ty: Option<Ty> = None;
        for &k in kinds {
            let kind = self.out.kinds.get(k as usize)?;
            let Some(&slot) = kind.index.get(field) else {
                let h = did_you_mean(field, kind.fields.iter().map(|f| f.name.as_str()))
                    .map(str::to_string);
                let kname = kind.name.clone();
                let (kf, ks) = (kind.file, kind.span);
                self.err(
                    Code::UnknownField,
                    file,
                    span,
                    format!("step kind `{kname}` has no attribute `{field}`"),
                    "unknown attribute",
                );
                self.related(kf, ks, "declared here");
                match h {
                    Some(h) => self.help(format!("did you mean `{h}`?")),
                    None if kinds.len() > 1 => self.help(format!(
                        "use `match` to read `{field}` only from the kinds that have it"
                    )),
                    None => {}
                }
                return None;
            };
            let fty = kind.fields.get(slot as usize)?.ty.clone();
            if let Some(s) = slots.get_mut(k as usize) {
                *s = slot;
            }
            ty = match ty {
                None => Some(fty),
                Some(prev) => match self.unify(&prev, &fty) {
                    Some(u) => Some(u),
                    None => {
                        self.err(
                            Code::TypeMismatch,
                            file,
                            span,
                            format!(
                                "attribute `{field}` has different types in the step kinds here"
                            ),
                            "ambiguous type",
                        );
                        self.help("use `match` to read it per kind");
                        return None;
                    }
                },
            };
        }
        Some((slots.into(), ty?))
    }

    fn attr(
        &mut self,
        obj: &Expr,
        field: &ast::Ident,
        span: Span,
        file: FileId,
        sc: &mut Scope,
    ) -> (CExpr, Ty) {
        let bad = (CExpr::Const(Value::Bool(false)), Ty::Error);
        let (c, t) = self.expr(obj, file, sc, None);
        match t {
            Ty::Step(kinds) => {
                let Some(local) = local_of(&c) else {
                    return bad;
                };
                match field.node.as_str() {
                    "id" => return (CExpr::StepId(local), Ty::Str),
                    "date" => return (CExpr::StepDate(local, span), Ty::Date),
                    _ => {}
                }
                match self.slots(&kinds, &field.node, file, field.span, &Ty::Error) {
                    Some((slots, ty)) => (
                        CExpr::StepAttr {
                            local,
                            slots,
                            name: Arc::from(field.node.as_str()),
                            span,
                        },
                        ty,
                    ),
                    None => bad,
                }
            }
            Ty::Entity(types) => {
                if sc.in_const {
                    self.err(
                        Code::TypeMismatch,
                        file,
                        span,
                        "facts and defaults cannot read other facts",
                        "not a constant",
                    );
                    self.help("write the value out");
                    return bad;
                }
                let Some((attr, ty)) =
                    self.entity_field_used(&types, &field.node, file, field.span)
                else {
                    return bad;
                };
                if let CExpr::Const(Value::Atom(a)) = c {
                    if let Some(Some(v)) = self
                        .out
                        .facts
                        .get(a as usize)
                        .and_then(|f| f.get(attr as usize))
                    {
                        return (
                            CExpr::Fact {
                                value: v.clone(),
                                entity: a,
                                attr,
                            },
                            ty,
                        );
                    }
                }
                (
                    CExpr::EntityAttr {
                        obj: Box::new(c),
                        attr,
                        span,
                    },
                    ty,
                )
            }
            Ty::Error => bad,
            other => {
                let n = self.out.ty_name(&other);
                self.err(
                    Code::TypeMismatch,
                    file,
                    field.span,
                    format!("`{n}` has no attributes"),
                    format!("`{}` is read from a `{n}`", field.node),
                );
                self.help("attributes are read from steps and entities");
                bad
            }
        }
    }

    fn binary(
        &mut self,
        op: BinOp,
        a: &Expr,
        b: &Expr,
        span: Span,
        file: FileId,
        sc: &mut Scope,
    ) -> (CExpr, Ty) {
        let bad = (CExpr::Const(Value::Bool(false)), Ty::Error);
        match op {
            BinOp::And | BinOp::Or => {
                let ca = self.expect_bool(a, file, sc);
                let cb = self.expect_bool(b, file, sc);
                let c = if op == BinOp::And {
                    CExpr::And(Box::new(ca), Box::new(cb))
                } else {
                    CExpr::Or(Box::new(ca), Box::new(cb))
                };
                (c, Ty::Bool)
            }
            BinOp::Eq | BinOp::Ne => {
                let (ca, ta) = self.expr(a, file, sc, None);
                let (cb, tb) = self.expr(b, file, sc, Some(&ta));
                if ta == Ty::Error || tb == Ty::Error {
                    return bad;
                }
                if !self.comparable(&ta, &tb) {
                    let (x, y) = (self.out.ty_name(&ta), self.out.ty_name(&tb));
                    self.err(
                        Code::TypeMismatch,
                        file,
                        span,
                        format!("`{x}` and `{y}` can never be equal"),
                        "compares different types",
                    );
                    self.help("compare values of the same type");
                    return bad;
                }
                let c = CExpr::Eq(Box::new(ca), Box::new(cb));
                (if op == BinOp::Eq { c } else { not(c) }, Ty::Bool)
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let (ca, ta) = self.expr(a, file, sc, None);
                let (cb, tb) = self.expr(b, file, sc, None);
                if ta == Ty::Error || tb == Ty::Error {
                    return bad;
                }
                if ta != tb || !matches!(ta, Ty::Int | Ty::Date) {
                    let (x, y) = (self.out.ty_name(&ta), self.out.ty_name(&tb));
                    self.err(
                        Code::TypeMismatch,
                        file,
                        span,
                        format!(
                            "`{}` compares ints or dates, found `{x}` and `{y}`",
                            op.symbol()
                        ),
                        "not ordered",
                    );
                    return bad;
                }
                let (ba, bb) = (Box::new(ca), Box::new(cb));
                let c = match op {
                    BinOp::Lt => CExpr::Lt(ba, bb),
                    BinOp::Gt => CExpr::Lt(bb, ba),
                    BinOp::Le => not(CExpr::Lt(bb, ba)),
                    _ => not(CExpr::Lt(ba, bb)),
                };
                (c, Ty::Bool)
            }
            BinOp::In | BinOp::NotIn => {
                let (ca, ta) = self.expr(a, file, sc, None);
                let (cb, tb) = self.expr(b, file, sc, Some(&Ty::Set(Box::new(ta.clone()))));
                if ta == Ty::Error || tb == Ty::Error {
                    return bad;
                }
                let Some(elem) = tb.elem().cloned() else {
                    self.mismatch(file, b.span, "a set or list", &tb);
                    return bad;
                };
                if elem != Ty::Empty && !self.comparable(&ta, &elem) {
                    let (x, y) = (self.out.ty_name(&ta), self.out.ty_name(&tb));
                    self.err(
                        Code::TypeMismatch,
                        file,
                        span,
                        format!("a `{x}` can never be in a `{y}`"),
                        "different types",
                    );
                    return bad;
                }
                let c = CExpr::In(Box::new(ca), Box::new(cb));
                (if op == BinOp::In { c } else { not(c) }, Ty::Bool)
            }
            BinOp::Union | BinOp::Inter | BinOp::Diff => {
                let (ca, ta) = self.expr(a, file, sc, None);
                let (cb, tb) = self.expr(b, file, sc, Some(&ta));
                if ta == Ty::Error || tb == Ty::Error {
                    return bad;
                }
                let (Some(ea), Some(eb)) = (ta.elem(), tb.elem()) else {
                    let which = if ta.elem().is_none() {
                        (&ta, a.span)
                    } else {
                        (&tb, b.span)
                    };
                    self.mismatch(
                        file,
                        which.1,
                        &format!("a set for `{}`", op.symbol()),
                        which.0,
                    );
                    if matches!(which.0, Ty::Entity(_) | Ty::Enum(_)) {
                        self.help("write a one-element set as `[x]`");
                    }
                    return bad;
                };
                if !ea.is_atom() || !eb.is_atom() {
                    self.err(
                        Code::TypeMismatch,
                        file,
                        span,
                        format!("`{}` needs sets of entities or enum values", op.symbol()),
                        "unsupported element type",
                    );
                    return bad;
                }
                let Some(elem) = self.unify(ea, eb) else {
                    let (x, y) = (self.out.ty_name(&ta), self.out.ty_name(&tb));
                    self.err(
                        Code::TypeMismatch,
                        file,
                        span,
                        format!("cannot combine `{x}` and `{y}`"),
                        "different element types",
                    );
                    return bad;
                };
                // Sets of facts are combined once, here.
                if let (Some((Value::Set(x), mut sx)), Some((Value::Set(y), sy))) =
                    (folded(&ca), folded(&cb))
                {
                    let value = match op {
                        BinOp::Union => x.union(&y),
                        BinOp::Inter => x.intersection(&y),
                        _ => x.difference(&y),
                    };
                    sx.extend(sy);
                    let c = CExpr::Folded {
                        value: Value::Set(value),
                        sources: sx.into(),
                    };
                    return (c, Ty::Set(Box::new(elem)));
                }
                let (ba, bb) = (Box::new(ca), Box::new(cb));
                let c = match op {
                    BinOp::Union => CExpr::Union(ba, bb),
                    BinOp::Inter => CExpr::Inter(ba, bb),
                    _ => CExpr::Diff(ba, bb),
                };
                (c, Ty::Set(Box::new(elem)))
            }
        }
    }

    fn match_expr(
        &mut self,
        x: &ast::Ident,
        arms: &[ast::Arm],
        file: FileId,
        sc: &mut Scope,
        hint: Option<&Ty>,
    ) -> (CExpr, Ty) {
        let bad = (CExpr::Const(Value::Bool(false)), Ty::Error);
        let Some(var) = sc.lookup(&x.node).cloned() else {
            let (_c, t) = self.name(&x.node, x.span, file, sc, None);
            if t != Ty::Error {
                self.mismatch(file, x.span, "a step binder", &t);
            }
            return bad;
        };
        let (Ty::Step(kinds), VarKind::Local(local)) = (&var.ty, &var.kind) else {
            if let (Ty::Step(_), VarKind::Subst(CExpr::Local(_))) = (&var.ty, &var.kind) {
                // a definition parameter bound to a step binder
            } else {
                self.mismatch(file, x.span, "a step", &var.ty);
                return bad;
            }
            let VarKind::Subst(CExpr::Local(l)) = var.kind else {
                return bad;
            };
            let Ty::Step(k) = var.ty.clone() else {
                return bad;
            };
            return self.match_on(x, l, &k, arms, file, sc, hint);
        };
        let (local, kinds) = (*local, kinds.clone());
        self.match_on(x, local, &kinds, arms, file, sc, hint)
    }

    #[allow(clippy::too_many_arguments)]
    fn match_on(
        &mut self,
        x: &ast::Ident,
        local: Local,
        kinds: &BTreeSet<KindId>,
        arms: &[ast::Arm],
        file: FileId,
        sc: &mut Scope,
        hint: Option<&Ty>,
    ) -> (CExpr, Ty) {
        let bad = (CExpr::Const(Value::Bool(false)), Ty::Error);
        let mut arms_by_kind = vec![NONE; self.out.kinds.len()];
        let mut covered: BTreeSet<KindId> = BTreeSet::new();
        let mut out_arms = Vec::new();
        let mut ty = Ty::Empty;
        let mut ok = true;
        for (i, arm) in arms.iter().enumerate() {
            let arm_kinds: BTreeSet<KindId> = if arm.kinds.is_empty() {
                kinds.difference(&covered).copied().collect()
            } else {
                let mut ks = BTreeSet::new();
                for k in &arm.kinds {
                    match self.out.kind_index.get(&k.node) {
                        // An arm for a kind that cannot occur here is allowed (shared
                        // definitions serve rules of different scopes); it is never taken.
                        Some(&id) if !kinds.contains(&id) => {}
                        Some(&id) if covered.contains(&id) || ks.contains(&id) => {
                            self.err(
                                Code::TypeMismatch,
                                file,
                                k.span,
                                format!("kind `{}` is matched twice", k.node),
                                "unreachable arm",
                            );
                            ok = false;
                        }
                        Some(&id) => {
                            ks.insert(id);
                        }
                        None => {
                            self.unknown_kind(&k.node, k.span, file);
                            ok = false;
                        }
                    }
                }
                ks
            };
            for &k in &arm_kinds {
                if let Some(s) = arms_by_kind.get_mut(k as usize) {
                    *s = i as u16;
                }
            }
            covered.extend(arm_kinds.iter().copied());
            if arm_kinds.is_empty() {
                // An arm for kinds this binder can never have (or a `_` with nothing left):
                // never taken, so not compiled (its body may read attributes that the
                // binder's kinds do not have).
                out_arms.push(CExpr::Const(Value::Bool(false)));
                continue;
            }
            sc.vars.push(Var {
                name: x.node.clone(),
                kind: VarKind::Local(local),
                ty: Ty::Step(arm_kinds),
            });
            let (c, t) = self.expr(&arm.body, file, sc, hint.or(Some(&ty)));
            sc.vars.pop();
            match self.unify(&ty, &t) {
                Some(u) => ty = u,
                None => {
                    let (a, b) = (self.out.ty_name(&ty), self.out.ty_name(&t));
                    self.err(
                        Code::TypeMismatch,
                        file,
                        arm.body.span,
                        format!("match arms have different types: `{a}` and `{b}`"),
                        format!("this is `{b}`"),
                    );
                    ok = false;
                }
            }
            out_arms.push(c);
        }
        let missing: Vec<String> = kinds
            .difference(&covered)
            .filter_map(|k| self.out.kinds.get(*k as usize).map(|k| k.name.clone()))
            .collect();
        if !missing.is_empty() {
            self.err(
                Code::TypeMismatch,
                file,
                x.span,
                format!("match does not cover {}", missing.join(", ")),
                "not every kind is handled",
            );
            self.help(format!(
                "add an arm for {}, or a `_ => ...` arm",
                missing.join(", ")
            ));
            ok = false;
        }
        if !ok {
            return bad;
        }
        (
            CExpr::Match {
                local,
                arms_by_kind: arms_by_kind.into(),
                arms: out_arms,
            },
            ty,
        )
    }

    fn rule(&mut self, r: &'a ast::RuleDecl, file: FileId) -> Option<CRule> {
        let before = self.errors.len();
        for (name, span) in &r.repeated {
            self.err(
                Code::RuleShape,
                file,
                *span,
                format!("`{name}` is given twice in rule `{}`", r.id.node),
                "repeated clause",
            );
            self.help("each clause appears at most once (only `unless` may repeat)");
        }
        let severity = match r.severity.as_ref().map(|s| s.node.as_str()) {
            Some("error") => Severity::Error,
            Some("warning") => Severity::Warning,
            Some("note") => Severity::Note,
            Some(other) => {
                let h = did_you_mean(other, ["error", "warning", "note"]);
                let span = r.severity.as_ref().map_or(r.id.span, |s| s.span);
                self.err(
                    Code::RuleShape,
                    file,
                    span,
                    format!("unknown severity `{other}`"),
                    "not a severity",
                );
                match h {
                    Some(h) => self.help(format!("did you mean `{h}`? severities are error, warning and note")),
                    None => self.help("severities are error (a legal violation), warning (a political risk) and note"),
                }
                Severity::Error
            }
            None => {
                self.err(
                    Code::RuleShape,
                    file,
                    r.id.span,
                    format!("rule `{}` has no `severity`", r.id.node),
                    "missing `severity`",
                );
                self.help("add `severity error` (a legal violation), `severity warning` (a political risk) or `severity note`");
                Severity::Error
            }
        };
        let cite = r.cite.as_ref().and_then(|(inst, art)| {
            let found = self.out.atom_index.get(&inst.node).copied();
            if let Some(a) = found {
                self.out.used_atoms.insert(a);
                if let Some(&t) = self.attr_index.get("title") {
                    self.out.used_attrs.insert(t);
                }
            }
            let Some(a) = found else {
                let h = did_you_mean(&inst.node, self.out.atom_index.keys().map(String::as_str)).map(str::to_string);
                self.err(Code::UnknownName, file, inst.span, format!("unknown instrument `{}`", inst.node), "not a declared fact");
                match h {
                    Some(h) => self.help(format!("did you mean `{h}`?")),
                    None => self.help("declare the instrument as a fact, e.g. `fact my_treaty: Instrument { title: \"...\" }`"),
                }
                return None;
            };
            let title = self.attr_index.get("title").and_then(|t| self.out.facts.get(a as usize)?.get(*t as usize)?.clone());
            let title = match title {
                Some(Value::Str(s)) => self.out.strings.get(s as usize).cloned(),
                _ => None,
            }
            .unwrap_or_else(|| inst.node.clone());
            Some(match art {
                Some(art) if !art.node.is_empty() => format!("{title}, {}", art.node),
                _ => title,
            })
        });
        let mut sc = Scope::default();
        let mut kinds = Vec::new();
        let mut proposal_scope = false;
        match r.scope.as_ref().map(|s| &s.node) {
            Some(ast::Scope::Steps { kinds: ks, binder }) => {
                let mut set = BTreeSet::new();
                for k in ks {
                    match self.out.kind_index.get(&k.node) {
                        Some(&id) => {
                            set.insert(id);
                        }
                        None => self.unknown_kind(&k.node, k.span, file),
                    }
                }
                kinds = set.iter().copied().collect();
                let l = sc.alloc();
                sc.vars.push(Var {
                    name: binder.node.clone(),
                    kind: VarKind::Local(l),
                    ty: Ty::Step(set),
                });
            }
            Some(ast::Scope::Proposal(_)) => {
                proposal_scope = true;
                sc.proposal_rule = true;
            }
            None => {
                self.err(
                    Code::RuleShape,
                    file,
                    r.id.span,
                    format!("rule `{}` has no scope", r.id.node),
                    "missing `on`",
                );
                self.help("add `on KIND as s` to check each step of a kind, or `on proposal`");
            }
        }
        let when = r.when.as_ref().map(|w| self.expect_bool(w, file, &mut sc));
        let Some(v) = &r.verdict else {
            self.err(
                Code::RuleShape,
                file,
                r.id.span,
                format!("rule `{}` has no `forbid` or `require`", r.id.node),
                "missing verdict",
            );
            self.help("add `forbid CONDITION` or `require CONDITION`");
            return None;
        };
        let mut each = None;
        let mut each_is_step = false;
        if let Some((b, coll)) = &v.each {
            let is_steps = matches!(&coll.kind, ExprKind::Call(f, _) if f.node == "steps");
            let (cc, ct) = self.expr(coll, file, &mut sc, None);
            let elem = match &ct {
                Ty::Set(t) | Ty::List(t) => (**t).clone(),
                Ty::Error => Ty::Error,
                other => {
                    self.mismatch(file, coll.span, "a set or list after `each x in`", other);
                    Ty::Error
                }
            };
            each_is_step = matches!(elem, Ty::Step(_));
            let l = sc.alloc();
            sc.vars.push(Var {
                name: b.node.clone(),
                kind: VarKind::Local(l),
                ty: elem,
            });
            if is_steps {
                sc.steps_depth += 1;
            }
            each = Some((l, cc));
        }
        let cond = match &v.cond {
            Some(c) => Some(self.expect_bool(c, file, &mut sc)),
            None => {
                if v.kind == VerdictKind::Require {
                    self.err(
                        Code::RuleShape,
                        file,
                        v.span,
                        "`require each` needs a condition",
                        "missing `where`",
                    );
                    self.help("write `require each x in S where CONDITION`: each `x` for which it fails is a violation");
                }
                if v.each.is_none() {
                    self.err(
                        Code::RuleShape,
                        file,
                        v.span,
                        "a verdict needs a condition",
                        "missing condition",
                    );
                }
                None
            }
        };
        let unless = r
            .unless
            .iter()
            .map(|u| self.expect_bool(&u.cond, file, &mut sc))
            .collect();
        let message = match &r.message {
            Some(m) => self.template(m, file, &mut sc),
            None => {
                self.err(
                    Code::RuleShape,
                    file,
                    r.id.span,
                    format!("rule `{}` has no `message`", r.id.node),
                    "missing `message`",
                );
                self.help("add `message \"...\"` saying what is wrong, e.g. naming the offending state with `{p}`");
                Vec::new()
            }
        };
        let help = match &r.help {
            Some(h) => self.template(h, file, &mut sc),
            None => Vec::new(),
        };
        let label = match &r.label {
            Some(l) => self.template(l, file, &mut sc),
            None => Vec::new(),
        };
        if self.errors.len() > before {
            return None;
        }
        Some(CRule {
            label,
            allows: r
                .allows
                .iter()
                .map(|a| (a.lint.node.clone(), a.lint.span, a.reason.node.clone()))
                .collect(),
            unless_spans: r.unless.iter().map(|u| u.span).collect(),
            verdict_span: v.span,
            id: r.id.node.clone(),
            severity,
            cite,
            kinds,
            proposal_scope,
            when,
            forbid: v.kind == VerdictKind::Forbid,
            each,
            each_is_step,
            cond,
            unless,
            message,
            help,
            locals: sc.next_local,
            file,
            span: r.id.span,
        })
    }

    fn template(
        &mut self,
        s: &crate::source::Spanned<String>,
        file: FileId,
        sc: &mut Scope,
    ) -> Vec<Part> {
        let src = self.src(file);
        // Work on the raw text between the quotes so spans are exact.
        let raw_span = Span {
            start: s.span.start.saturating_add(1),
            end: s.span.end.saturating_sub(1).max(s.span.start),
        };
        let raw = src.slice(raw_span).to_string();
        let base = raw_span.start as usize;
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut chars = raw.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some((_, 'n')) => lit.push('\n'),
                    Some((_, 't')) => lit.push('\t'),
                    Some((_, other)) => lit.push(other),
                    None => {}
                },
                '{' if chars.peek().map(|p| p.1) == Some('{') => {
                    chars.next();
                    lit.push('{');
                }
                '}' if chars.peek().map(|p| p.1) == Some('}') => {
                    chars.next();
                    lit.push('}');
                }
                '{' => {
                    let start = i + 1;
                    let mut end = None;
                    for (j, d) in chars.by_ref() {
                        if d == '}' {
                            end = Some(j);
                            break;
                        }
                    }
                    let Some(end) = end else {
                        self.err(
                            Code::Interpolation,
                            file,
                            Span::new(base + i, base + i + 1),
                            "unclosed `{` in text",
                            "opened here",
                        );
                        self.help("close it with `}`, or write `{{` for a literal brace");
                        return parts;
                    };
                    let inner = raw.get(start..end).unwrap_or("");
                    match crate::parse::parse_expr(&src, base + start, inner) {
                        Ok(e) => {
                            if !lit.is_empty() {
                                parts.push(Part::Lit(std::mem::take(&mut lit)));
                            }
                            let (c, _t) = self.expr(&e, file, sc, None);
                            parts.push(Part::Expr(c));
                        }
                        Err(d) => self.errors.push(d),
                    }
                }
                '}' => {
                    self.err(
                        Code::Interpolation,
                        file,
                        Span::new(base + i, base + i + 1),
                        "unmatched `}` in text",
                        "no `{` before it",
                    );
                    self.help("write `}}` for a literal brace");
                }
                c => lit.push(c),
            }
        }
        if !lit.is_empty() {
            parts.push(Part::Lit(lit));
        }
        parts
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
    fn key(v: &Value) -> (u8, i64) {
        match v {
            Value::Bool(b) => (0, i64::from(*b)),
            Value::Int(i) => (1, *i),
            Value::Date(d) => (2, i64::from(d.days())),
            Value::Str(s) => (3, i64::from(*s)),
            Value::Atom(a) => (4, i64::from(*a)),
            Value::Step(s) => (5, i64::from(*s)),
            Value::Set(_) | Value::List(_) => (6, 0),
        }
    }
    vs.sort_by_key(key);
    vs.dedup();
}
