//! Definitions: `def` bodies expanded at each use, typed in context (recursion is an
//! error).

use super::*;

impl<'a> Cx<'a> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn expand(
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
}
