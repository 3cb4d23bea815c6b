//! Facts: constant values of entity attributes, checked against the schema.

use super::*;

impl<'a> Cx<'a> {
    /// Compiles a constant expression of an expected type.
    pub(super) fn const_value(&mut self, e: &Expr, file: FileId, expected: &Ty) -> Option<Value> {
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

    pub(super) fn fact(&mut self, d: &ast::FactDecl, file: FileId) {
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
}
