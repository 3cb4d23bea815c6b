//! Built-in functions (`in_force`, `steps`, `forces`, ...): their types and lowering.

use super::*;

impl<'a> Cx<'a> {
    pub(super) fn call(
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
            "days" => {
                // The days from one date to another: what `within a period after` needs.
                if !arity(self, 2) {
                    return bad;
                }
                let (Some(a), Some(b)) = (args.first(), args.get(1)) else {
                    return bad;
                };
                let (ca, ta) = self.expr(a, file, sc, Some(&Ty::Date));
                let (cb, tb) = self.expr(b, file, sc, Some(&Ty::Date));
                for (t, e) in [(&ta, a), (&tb, b)] {
                    if *t != Ty::Date && *t != Ty::Error {
                        self.mismatch(file, e.span, "a `date`", t);
                        return bad;
                    }
                }
                if ta == Ty::Error || tb == Ty::Error {
                    return bad;
                }
                (CExpr::Days(Box::new(ca), Box::new(cb)), Ty::Int)
            }
            "entities" => {
                // Every fact of an entity type (or every value of an enum): a constant set,
                // bounded by the library, not the proposal.
                if !arity(self, 1) {
                    return bad;
                }
                let Some(a) = args.first() else { return bad };
                let ExprKind::Name(n) = &a.kind else {
                    self.err(
                        Code::TypeMismatch,
                        file,
                        a.span,
                        "expected an entity type or an enum",
                        "not a type name",
                    );
                    self.help("write the type's name, as in `entities(State)`");
                    return bad;
                };
                let named = TypeExpr::Named(ast::Ident::new(n.clone(), a.span));
                let ty = self.resolve_ty(&named, file);
                let of = |k: AtomKind| match (&ty, k) {
                    (Ty::Entity(ts), AtomKind::Entity(t)) => ts.contains(&t),
                    (Ty::Enum(e), AtomKind::Variant(x)) => *e == x,
                    _ => false,
                };
                match &ty {
                    Ty::Entity(_) | Ty::Enum(_) => {
                        let ids = (0..self.out.atoms.len() as AtomId).filter(|&i| {
                            self.out.atoms.get(i as usize).is_some_and(|at| of(at.kind))
                        });
                        let set = AtomSet::from_ids(ids);
                        (CExpr::Const(Value::Set(set)), Ty::Set(Box::new(ty)))
                    }
                    Ty::Error => bad,
                    other => {
                        self.mismatch(file, a.span, "an entity type or an enum", other);
                        bad
                    }
                }
            }
            "steps" => {
                if !sc.proposal_rule && !sc.join_allowed {
                    self.err(
                        Code::Complexity,
                        file,
                        span,
                        "`steps(...)` is only available in `on proposal` rules",
                        "not allowed here",
                    );
                    self.help("relate the step to others through an attribute, which is looked up rather than walked: `any e in steps(export): e.item == s.item && ...`; or write an `on proposal` rule");
                    return bad;
                }
                if sc.steps_depth > 0 && !sc.join_allowed {
                    self.err(
                        Code::Complexity,
                        file,
                        span,
                        "`steps(...)` nested inside another `steps(...)` quantifier",
                        "quadratic in the number of steps",
                    );
                    self.help("relate the steps through an attribute, which is looked up rather than walked: `any e in steps(export): e.item == t.item && ...` (an `any` or a filter whose condition starts with that equality)");
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
                    let mut candidates: Vec<&str> =
                        vec!["count", "days", "entities", "in_force", "steps"];
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
                        Some(h) => self.suggest(&h),
                        None => self.help("the built-ins are `count`, `days`, `entities`, `in_force` and `steps`; declare others with `def name(x) = ...`"),
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
}
