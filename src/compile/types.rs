//! Types: which type fits, unifies with or compares to which, and the mismatch diagnostic.

use super::*;

impl<'a> Cx<'a> {
    /// Whether a value of type `a` may be stored where `b` is expected.
    pub(super) fn fits(&self, a: &Ty, b: &Ty) -> bool {
        match (a, b) {
            (Ty::Error, _) | (_, Ty::Error) | (Ty::Empty, _) => true,
            (Ty::Entity(x), Ty::Entity(y)) => x.is_subset(y),
            (Ty::Set(x), Ty::Set(y)) | (Ty::List(x), Ty::List(y)) => self.fits(x, y),
            (Ty::Step(x), Ty::Step(y)) => x.is_subset(y),
            _ => a == b,
        }
    }

    /// The common type of two branches, if they have one.
    pub(super) fn unify(&self, a: &Ty, b: &Ty) -> Option<Ty> {
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
    pub(super) fn comparable(&self, a: &Ty, b: &Ty) -> bool {
        match (a, b) {
            (Ty::Entity(x), Ty::Entity(y)) => !x.is_disjoint(y),
            (Ty::Set(x), Ty::Set(y)) | (Ty::List(x), Ty::List(y)) => {
                matches!(**x, Ty::Empty) || matches!(**y, Ty::Empty) || self.comparable(x, y)
            }
            _ => self.unify(a, b).is_some(),
        }
    }

    pub(super) fn mismatch(&mut self, file: FileId, span: Span, expected: &str, found: &Ty) {
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

    pub(super) fn expect_bool(&mut self, e: &Expr, file: FileId, sc: &mut Scope) -> CExpr {
        let (c, t) = self.expr(e, file, sc, Some(&Ty::Bool));
        if t != Ty::Bool && t != Ty::Error {
            self.mismatch(file, e.span, "a condition (`bool`)", &t);
        }
        c
    }
}
