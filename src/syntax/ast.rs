//! The abstract syntax tree of policy files, with byte spans (ignored by equality).

use crate::source::{Span, Spanned};

/// A name with its span.
pub type Ident = Spanned<String>;

/// Index of a file in a library's list of sources (in path order).
pub type FileId = u32;

/// One parsed `.policy` file.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyFile {
    /// Its items in source order.
    pub items: Vec<Item>,
}

/// A top-level item.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// `entity Name { fields }`
    Entity(RecordDecl),
    /// `step name { fields }`
    Step(RecordDecl),
    /// `enum Name { a, b }`
    Enum(EnumDecl),
    /// `type Name = T`
    Alias(AliasDecl),
    /// `fact id: Type { attr: value }`
    Fact(FactDecl),
    /// `def name(params) = expr`
    Def(DefDecl),
    /// `rule a.b { ... }`
    Rule(Box<RuleDecl>),
}

/// An entity type or step kind declaration.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordDecl {
    /// Its name.
    pub name: Ident,
    /// Its attributes.
    pub fields: Vec<Field>,
}

/// An attribute declaration `name: Type? = default`.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// Attribute name.
    pub name: Ident,
    /// Its type.
    pub ty: TypeExpr,
    /// Declared with `?`.
    pub optional: bool,
    /// `= expr`, if any.
    pub default: Option<Expr>,
    /// `excludes other`: no fact may list a value in both attributes.
    pub excludes: Option<Ident>,
}

/// A type as written.
#[derive(Clone, Debug, PartialEq)]
pub enum TypeExpr {
    /// A named type: a builtin, an entity type, an enum or an alias.
    Named(Ident),
    /// `set<T>`
    Set(Box<TypeExpr>, Span),
    /// `list<T>`
    List(Box<TypeExpr>, Span),
    /// `A | B`
    Union(Vec<TypeExpr>, Span),
}

impl TypeExpr {
    /// Where it was written.
    pub fn span(&self) -> Span {
        match self {
            TypeExpr::Named(i) => i.span,
            TypeExpr::Set(_, s) | TypeExpr::List(_, s) | TypeExpr::Union(_, s) => *s,
        }
    }
}

/// `enum Name { variants }`
#[derive(Clone, Debug, PartialEq)]
pub struct EnumDecl {
    /// Its name.
    pub name: Ident,
    /// Its variants.
    pub variants: Vec<Ident>,
}

/// `type Name = T`
#[derive(Clone, Debug, PartialEq)]
pub struct AliasDecl {
    /// Its name.
    pub name: Ident,
    /// The aliased type.
    pub ty: TypeExpr,
}

/// `fact id: Type { attrs }`
#[derive(Clone, Debug, PartialEq)]
pub struct FactDecl {
    /// The entity id.
    pub name: Ident,
    /// Its entity type.
    pub ty: Ident,
    /// Attribute values.
    pub attrs: Vec<(Ident, Expr)>,
    /// The whole declaration.
    pub span: Span,
}

/// `def name(params) = body`
#[derive(Clone, Debug, PartialEq)]
pub struct DefDecl {
    /// Its name.
    pub name: Ident,
    /// Parameters (`None` for a constant definition without parentheses).
    pub params: Option<Vec<Ident>>,
    /// The body.
    pub body: Expr,
}

/// A rule's scope.
#[derive(Clone, Debug, PartialEq)]
pub enum Scope {
    /// `on proposal`
    Proposal(Span),
    /// `on kind, kind as binder`
    Steps {
        /// The kinds.
        kinds: Vec<Ident>,
        /// The binder.
        binder: Ident,
    },
}

/// `forbid` or `require`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerdictKind {
    /// Violation when the condition holds.
    Forbid,
    /// Violation when the condition fails.
    Require,
}

/// The verdict clause.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// forbid or require.
    pub kind: VerdictKind,
    /// `each x in S`.
    pub each: Option<(Ident, Expr)>,
    /// The condition (may be absent only with `forbid each`).
    pub cond: Option<Expr>,
    /// The whole clause.
    pub span: Span,
}

/// `unless cond because "reason"`
#[derive(Clone, Debug, PartialEq)]
pub struct Unless {
    /// The exception's condition.
    pub cond: Expr,
    /// Why.
    pub because: Option<Spanned<String>>,
    /// The whole clause.
    pub span: Span,
}

/// `allow LINT because "reason"`: silences one lint for this rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Allow {
    /// The lint's kebab-case name.
    pub lint: Ident,
    /// Why.
    pub reason: Spanned<String>,
}

/// A rule.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleDecl {
    /// Dotted id.
    pub id: Ident,
    /// The whole rule.
    pub span: Span,
    /// `severity x`.
    pub severity: Option<Ident>,
    /// `cite instrument "article"`.
    pub cite: Option<(Ident, Option<Spanned<String>>)>,
    /// `on ...`.
    pub scope: Option<Spanned<Scope>>,
    /// `when ...`.
    pub when: Option<Expr>,
    /// `forbid ...` / `require ...`.
    pub verdict: Option<Verdict>,
    /// `unless ...` clauses.
    pub unless: Vec<Unless>,
    /// `message "..."`.
    pub message: Option<Spanned<String>>,
    /// `help "..."`.
    pub help: Option<Spanned<String>>,
    /// `label "..."`: what to say at the offending span.
    pub label: Option<Spanned<String>>,
    /// `allow LINT because "reason"` clauses.
    pub allows: Vec<Allow>,
    /// Spans of clauses given more than once (an error).
    pub repeated: Vec<(String, Span)>,
}

/// An expression.
#[derive(Clone, Debug)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where.
    pub span: Span,
}

impl PartialEq for Expr {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
    }
}

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    /// `||`
    Or,
    /// `&&`
    And,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `in`
    In,
    /// `not in`
    NotIn,
    /// `|` (union)
    Union,
    /// `&` (intersection)
    Inter,
    /// `-` (difference)
    Diff,
}

impl BinOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "||",
            BinOp::And => "&&",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::In => "in",
            BinOp::NotIn => "not in",
            BinOp::Union => "|",
            BinOp::Inter => "&",
            BinOp::Diff => "-",
        }
    }
}

/// `any` or `all`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quant {
    /// Some element satisfies the body.
    Any,
    /// Every element satisfies the body.
    All,
}

/// A `match` arm.
#[derive(Clone, Debug, PartialEq)]
pub struct Arm {
    /// The kinds it matches; empty for `_`.
    pub kinds: Vec<Ident>,
    /// Its value.
    pub body: Expr,
}

/// Expression kinds.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// `true`, `false`
    Bool(bool),
    /// `42`
    Int(i64),
    /// `"text"` (escapes resolved)
    Str(String),
    /// `2026-09-15`
    Date(crate::date::Date),
    /// A name: binder, definition, entity or enum variant.
    Name(String),
    /// `[a, b]`
    List(Vec<Expr>),
    /// `e.attr`
    Attr(Box<Expr>, Ident),
    /// `e has attr`
    Has(Box<Expr>, Ident),
    /// `e is T`
    Is(Box<Expr>, TypeExpr),
    /// `!e`
    Not(Box<Expr>),
    /// `a op b`
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `any x in S: body`
    Quant(Quant, Ident, Box<Expr>, Box<Expr>),
    /// `[x in S where cond]`
    Filter(Ident, Box<Expr>, Box<Expr>),
    /// `match x { arms }`
    Match(Ident, Vec<Arm>),
    /// `if c then a else b`
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `f(args)`
    Call(Ident, Vec<Expr>),
    /// `value from D until E`: a fact's value (or an element of a fact's list) that holds
    /// only during a period. Only facts may have one.
    During(Box<Expr>, During),
}

/// When a fact's value holds: from `from` (inclusive, or always before) until `until`
/// (exclusive, or for ever after).
#[derive(Clone, Debug, PartialEq)]
pub struct During {
    /// The first day it holds, and where that date is written.
    pub from: Option<(crate::date::Date, Span)>,
    /// The first day it no longer holds, and where that date is written.
    pub until: Option<(crate::date::Date, Span)>,
    /// The whole `from ... until ...`.
    pub span: Span,
}
