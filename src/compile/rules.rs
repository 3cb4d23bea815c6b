//! Rules: scope, `when`, verdict, `unless`, templates of `message`, `help` and `label`.

use super::*;

impl<'a> Cx<'a> {
    pub(super) fn rule(&mut self, r: &'a ast::RuleDecl, file: FileId) -> Option<CRule> {
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
                    Some(h) => {
                        self.suggest(h);
                        self.help(format!("did you mean `{h}`? severities are error, warning and note"));
                    }
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
                    Some(h) => self.suggest(&h),
                    None => self.help("declare the instrument as a fact, e.g. `fact my_treaty: Instrument { title: \"...\" }`"),
                }
                return None;
            };
            let title = self.attr_index.get("title").and_then(|t| self.out.facts.get(a as usize)?.get(*t as usize)?.as_ref()?.latest().cloned());
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
        // `forbid each e in steps(...) where e.attr == ... && ...` in a step-scoped rule (or
        // inside a walk over steps) is a join, like an `any`: checked once the condition is
        // compiled.
        let mut join = None;
        if let Some((b, coll)) = &v.each {
            let is_steps = matches!(&coll.kind, ExprKind::Call(f, _) if f.node == "steps");
            let may_join = v.kind == VerdictKind::Forbid;
            if is_steps && may_join && (!sc.proposal_rule || sc.steps_depth > 0) {
                join = Some((b, coll.span));
            }
            sc.join_allowed = is_steps && may_join;
            let (cc, ct) = self.expr(coll, file, &mut sc, None);
            sc.join_allowed = false;
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
            Some(c) => {
                let cc = self.expect_bool(c, file, &mut sc);
                if let (Some((b, span)), Some((l, _))) = (join, &each) {
                    if crate::ir::join_key(&cc, *l).is_none() {
                        self.quadratic_steps(file, span, format!(
                            "start the `where` condition with an equality that relates `{}` to the step it is compared with, e.g. `{}.item == s.item && ...`: the matching steps are then looked up, not walked",
                            b.node, b.node
                        ));
                    }
                }
                Some(cc)
            }
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
        if let (Some((_, span)), None) = (join, &cond) {
            self.quadratic_steps(file, span, "add `where e.item == s.item && ...`, an equality that relates the steps: the matching ones are then looked up, not walked");
        }
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
        let doc = RuleDoc {
            message: r
                .message
                .as_ref()
                .map(|m| m.node.clone())
                .unwrap_or_default(),
            help: r.help.as_ref().map(|h| h.node.clone()),
            comment: self
                .src(file)
                .text()
                .get(..r.span.start as usize)
                .and_then(crate::syntax::comment_above),
            unless: r
                .unless
                .iter()
                .map(|u| UnlessDoc {
                    span: u.span,
                    because: u.because.as_ref().map(|b| b.node.clone()),
                })
                .collect(),
        };
        Some(CRule {
            doc,
            label,
            allows: r
                .allows
                .iter()
                .map(|a| (a.lint.node.clone(), a.lint.span, a.reason.node.clone()))
                .collect(),
            unless_spans: r.unless.iter().map(|u| u.span).collect(),
            verdict_span: v.span,
            when_parts: r.when.as_ref().map(and_operands).unwrap_or_default(),
            cond_parts: v.cond.as_ref().map(and_operands).unwrap_or_default(),
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
            extent: r.span,
        })
    }

    pub(super) fn template(
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
                    match crate::syntax::parse_expr(&src, base + start, inner) {
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

/// The spans of the operands of an expression's top-level `&&` chain, left to right (the
/// expression's own span if it is not a `&&`).
fn and_operands(e: &crate::syntax::Expr) -> Vec<crate::source::Span> {
    use crate::syntax::{BinOp, ExprKind};
    let mut out = Vec::new();
    let mut stack = vec![e];
    while let Some(x) = stack.pop() {
        match &x.kind {
            ExprKind::Binary(BinOp::And, a, b) => {
                stack.push(b);
                stack.push(a);
            }
            _ => out.push(x.span),
        }
    }
    out
}
