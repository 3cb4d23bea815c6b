//! Expressions: names, attribute access, literals, lists, `has`, `is`, quantifiers, `if`
//! and the binary operators, typed and lowered to [`CExpr`].

use super::*;

impl<'a> Cx<'a> {
    /// Compiles an expression, counting nodes and depth against the limits (definitions are
    /// expanded at each use, so a library could otherwise grow exponentially).
    pub(super) fn expr(
        &mut self,
        e: &Expr,
        file: FileId,
        sc: &mut Scope,
        hint: Option<&Ty>,
    ) -> (CExpr, Ty) {
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

    pub(super) fn expr_inner(
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
            ExprKind::Quant(..) | ExprKind::Filter(..) => self.compile_quant(e, file, sc, hint),
            ExprKind::Match(x, arms) => self.match_expr(x, arms, file, sc, hint),
            ExprKind::If(..) => self.compile_if(e, file, sc, hint),
            ExprKind::Call(f, args) => self.call(f, args, e.span, file, sc, hint),
            // Reported, then compiled without its period (no follow-up errors).
            ExprKind::During(x, d) => {
                self.misplaced_period(d, file);
                self.expr_inner(x, file, sc, hint)
            }
        }
    }

    pub(super) fn compile_str(
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

    pub(super) fn compile_list(
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

    pub(super) fn compile_has(
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
                    // A named fact's attribute that does not change over time: known now.
                    if let CExpr::Const(Value::Atom(a)) = c {
                        match self
                            .out
                            .facts
                            .get(a as usize)
                            .and_then(|f| f.get(attr as usize))
                        {
                            Some(Some(FactValue::Timed(_))) => {}
                            Some(v) => return (CExpr::Const(Value::Bool(v.is_some())), Ty::Bool),
                            None => {}
                        }
                    }
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

    pub(super) fn compile_is(
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

    pub(super) fn compile_quant(
        &mut self,
        e: &Expr,
        file: FileId,
        sc: &mut Scope,
        _hint: Option<&Ty>,
    ) -> (CExpr, Ty) {
        let bad = (CExpr::Const(Value::Bool(false)), Ty::Error);
        // A quantifier, or a filter (`[x in S where c]`): the same binder, collection and
        // condition; a filter is the collection's type.
        let (q, binder, coll, body) = match &e.kind {
            ExprKind::Quant(q, binder, coll, body) => (Some(*q), binder, coll, body),
            ExprKind::Filter(binder, coll, body) => (None, binder, coll, body),
            _ => return bad,
        };
        let is_steps = matches!(&coll.kind, ExprKind::Call(f, _) if f.node == "steps");
        // `steps(...)` where a walk would make checking quadratic (in a step-scoped rule, or
        // inside another walk over steps) is allowed for an `any` or a filter whose condition
        // is a join: checked once the condition is compiled.
        let may_join = q != Some(crate::syntax::Quant::All);
        let needs_join = is_steps && (!sc.proposal_rule || sc.steps_depth > 0);
        let saved = sc.join_allowed;
        sc.join_allowed = is_steps && may_join;
        let (cc, ct) = self.expr(coll, file, sc, None);
        sc.join_allowed = saved;
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
        if needs_join && may_join && ct != Ty::Error && crate::ir::join_key(&cb, local).is_none() {
            self.quadratic_steps(file, coll.span, format!(
                "start the condition with an equality that relates `{}` to the step it is compared with, e.g. `{}.item == s.item && ...`: the matching steps are then looked up, not walked",
                binder.node, binder.node
            ));
            return bad;
        }
        let mut stack = vec![&cb];
        let mut read = false;
        while let Some(x) = stack.pop() {
            if !matches!(x, CExpr::Quant(..) | CExpr::Filter(..)) && own_local(x) == Some(local) {
                read = true;
                break;
            }
            children(x, &mut stack);
        }
        if !read {
            self.out
                .unused_binders
                .insert((file, binder.span, binder.node.to_string()));
        }
        match q {
            Some(q) => (CExpr::Quant(q, local, Box::new(cc), Box::new(cb)), Ty::Bool),
            None => (CExpr::Filter(local, Box::new(cc), Box::new(cb)), ct),
        }
    }

    pub(super) fn compile_if(
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

    pub(super) fn name(
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
            Some(h) => self.suggest(&h),
            None if self.out.kind_index.contains_key(n) => {
                self.help(format!("`{n}` is a step kind; match on it with `match s {{ {n} => ... }}` or scope the rule with `on {n} as s`"))
            }
            None => self.help("declare it as a `fact`, an enum variant or a `def`"),
        }
        (CExpr::Const(Value::Bool(false)), Ty::Error)
    }

    pub(super) fn unknown_kind(&mut self, n: &str, span: Span, file: FileId) {
        let h = did_you_mean(n, self.out.kind_index.keys().map(String::as_str)).map(str::to_string);
        self.err(
            Code::UnknownName,
            file,
            span,
            format!("unknown step kind `{n}`"),
            "not a declared step kind",
        );
        match h {
            Some(h) => self.suggest(&h),
            None => {
                let mut all: Vec<&str> = self.out.kind_index.keys().map(String::as_str).collect();
                all.sort_unstable();
                let list = all.join(", ");
                self.help(format!("the step kinds are: {list}"));
            }
        }
    }

    pub(super) fn entity_field_used(
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

    pub(super) fn entity_field(
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
                    self.suggest(&h);
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

    pub(super) fn slots(
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
                    Some(h) => self.suggest(&h),
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

    pub(super) fn attr(
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
                    match self
                        .out
                        .facts
                        .get(a as usize)
                        .and_then(|f| f.get(attr as usize))
                    {
                        Some(Some(FactValue::Fixed(v))) => {
                            return (
                                CExpr::Fact {
                                    value: v.clone(),
                                    entity: a,
                                    attr,
                                },
                                ty,
                            );
                        }
                        Some(Some(FactValue::Timed(_))) => {
                            return (
                                CExpr::TimedFact {
                                    entity: a,
                                    attr,
                                    span,
                                },
                                ty,
                            );
                        }
                        _ => {}
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

    pub(super) fn binary(
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
                    self.help(
                        date_hint(a, &ta, b, &tb)
                            .unwrap_or_else(|| "compare values of the same type".to_string()),
                    );
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
                        format!(
                            "{} `{x}` compared with {} `{y}`",
                            crate::diag::article(&x),
                            crate::diag::article(&y)
                        ),
                    );
                    self.help(date_hint(a, &ta, b, &tb).unwrap_or_else(|| {
                        "compare two ints, or two dates (a date literal is written YYYY-MM-DD)"
                            .to_string()
                    }));
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
                        format!(
                            "{} `{x}` can never be in {} `{y}`",
                            crate::diag::article(&x),
                            crate::diag::article(&y)
                        ),
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
                (set_op(op, ca, cb), Ty::Set(Box::new(elem)))
            }
        }
    }
}

/// `a | b`, `a & b` or `a - b` (`op`): sets of facts are combined once, here (and again
/// for each period of facts that change over time, [`super::time`]).
pub(super) fn set_op(op: BinOp, ca: CExpr, cb: CExpr) -> CExpr {
    if let (Some((Value::Set(x), mut sx)), Some((Value::Set(y), sy))) = (folded(&ca), folded(&cb)) {
        let value = match op {
            BinOp::Union => x.union(&y),
            BinOp::Inter => x.intersection(&y),
            _ => x.difference(&y),
        };
        sx.extend(sy);
        return CExpr::Folded {
            value: Value::Set(value),
            sources: sx.into(),
        };
    }
    let (ba, bb) = (Box::new(ca), Box::new(cb));
    match op {
        BinOp::Union => CExpr::Union(ba, bb),
        BinOp::Inter => CExpr::Inter(ba, bb),
        _ => CExpr::Diff(ba, bb),
    }
}

/// For a date compared with an integer literal: the date literal it may stand for
/// (`20260901` is `2026-09-01`), or how dates are written.
fn date_hint(a: &Expr, ta: &Ty, b: &Expr, tb: &Ty) -> Option<String> {
    let int = match (ta, tb) {
        (Ty::Date, Ty::Int) => b,
        (Ty::Int, Ty::Date) => a,
        _ => return None,
    };
    let as_date = match &int.kind {
        ExprKind::Int(n) if (10_000_101..=99_991_231).contains(n) => {
            let (y, m, d) = (n / 10_000, n / 100 % 100, n % 100);
            crate::date::Date::parse(&format!("{y:04}-{m:02}-{d:02}")).ok()
        }
        _ => None,
    };
    Some(match as_date {
        Some(date) => format!("write the date as a date literal: `{date}`"),
        None => {
            "a date compares with a date: write a date literal as YYYY-MM-DD, e.g. `2026-09-01`"
                .to_string()
        }
    })
}
