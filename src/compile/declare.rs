//! Declarations and the schema: entity types, enums, aliases, step kinds and their typed
//! attributes, and the names they declare.

use super::*;

impl<'a> Cx<'a> {
    pub(super) fn declare_type(&mut self, name: &ast::Ident, file: FileId) -> bool {
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

    pub(super) fn declare_value(
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

    pub(super) fn unknown_type(&mut self, name: &ast::Ident, file: FileId) {
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
            Some(h) => self.suggest(&h),
            None => self.help(
                "declare it with `entity`, `enum` or `type`, or use bool, int, string or date",
            ),
        }
    }

    pub(super) fn resolve_ty(&mut self, t: &TypeExpr, file: FileId) -> Ty {
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

    pub(super) fn fields(
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
}
