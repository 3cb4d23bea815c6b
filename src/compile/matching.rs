//! `match`: arms over an enum or entity types, exhaustiveness.

use super::*;

impl<'a> Cx<'a> {
    pub(super) fn match_expr(
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
    pub(super) fn match_on(
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
}
