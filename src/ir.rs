//! The compiled form of a policy library: interned ids, typed attribute slots, atom sets as
//! bitsets, rules indexed by step kind. Nothing here holds a name that evaluation compares.

use std::collections::{BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use crate::bitset::AtomSet;
use crate::date::Date;
use crate::diag::Severity;
use crate::source::{SourceFile, Span};
use crate::syntax::{FileId, Quant};

/// A map from names of the library (kinds, attributes, atoms, literals) to their ids.
///
/// Hashed with [`NameHasher`], not SipHash: the keys are the library's own names, so
/// there is no flooding to defend against (a proposal's strings are only looked up), and
/// binding a proposal looks up every kind, attribute and atom it names.
pub type NameMap<V> = HashMap<String, V, BuildHasherDefault<NameHasher>>;

/// The multiply-rotate hash of rustc's `FxHasher`: a few instructions per 8 bytes.
#[derive(Clone, Copy, Debug, Default)]
pub struct NameHasher(u64);

impl NameHasher {
    const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::K);
    }
}

impl Hasher for NameHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in chunks.by_ref() {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            for (d, s) in w.iter_mut().zip(rest) {
                *d = *s;
            }
            self.add(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 59));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Id of an atom (an entity or an enum variant), dense, in alphabetical order of names.
pub type AtomId = u32;
/// Id of a step kind.
pub type KindId = u16;
/// Id of an entity type.
pub type TypeId = u32;
/// Id of an enum.
pub type EnumId = u32;
/// Id of an entity attribute name (shared by all entity types).
pub type AttrId = u32;
/// A local variable slot in a rule.
pub type Local = u16;

/// A static type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ty {
    /// `bool`
    Bool,
    /// `int`
    Int,
    /// `string`
    Str,
    /// `date`
    Date,
    /// An entity of one of these types.
    Entity(BTreeSet<TypeId>),
    /// A variant of this enum.
    Enum(EnumId),
    /// `set<T>`
    Set(Box<Ty>),
    /// `list<T>`
    List(Box<Ty>),
    /// A step of one of these kinds.
    Step(BTreeSet<KindId>),
    /// The element type of `[]`: fits anything.
    Empty,
    /// An expression that already failed to type; suppresses follow-up errors.
    Error,
}

impl Ty {
    /// Whether values of this type are atoms (stored in bitsets).
    pub fn is_atom(&self) -> bool {
        matches!(self, Ty::Entity(_) | Ty::Enum(_) | Ty::Empty)
    }

    /// The element type of a set or list.
    pub fn elem(&self) -> Option<&Ty> {
        match self {
            Ty::Set(t) | Ty::List(t) => Some(t),
            _ => None,
        }
    }
}

/// A runtime value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A date.
    Date(Date),
    /// An interned string: ids below the library's literal count are policy literals, the rest
    /// are the proposal's own strings.
    Str(u32),
    /// An entity or enum variant.
    Atom(AtomId),
    /// A set of atoms.
    Set(AtomSet),
    /// A list (or a set of non-atoms, kept sorted and without duplicates).
    List(Arc<[Value]>),
    /// A step of the proposal, by index.
    Step(u32),
}

/// What an entity attribute holds: one value on every date, or values that change over
/// time (written with `from` and `until` in the fact).
#[derive(Clone, Debug, PartialEq)]
pub enum FactValue {
    /// The same value on every date.
    Fixed(Value),
    /// A value per period.
    Timed(Timeline),
}

/// Values over time: `values[0]` before `changes[0]`, `values[i]` from `changes[i - 1]`
/// (inclusive) until `changes[i]` (exclusive), the last for ever after. `None`: absent
/// then. Adjacent periods differ.
#[derive(Clone, Debug, PartialEq)]
pub struct Timeline {
    /// The dates where the value changes, ascending.
    pub changes: Box<[Date]>,
    /// The value of each period (one more than `changes`).
    pub values: Box<[Option<Value>]>,
}

impl Timeline {
    /// The value on date `d`.
    pub fn on(&self, d: Date) -> Option<&Value> {
        let i = self.changes.partition_point(|c| *c <= d);
        self.values.get(i)?.as_ref()
    }

    /// Each period: its first day (`None`: since always), its end (`None`: for ever) and
    /// its value.
    pub fn periods(&self) -> impl Iterator<Item = (Option<Date>, Option<Date>, Option<&Value>)> {
        self.values.iter().enumerate().map(|(i, v)| {
            let start = i.checked_sub(1).and_then(|j| self.changes.get(j).copied());
            (start, self.changes.get(i).copied(), v.as_ref())
        })
    }
}

impl FactValue {
    /// The value on date `on`; `Err` when it changes over time and there is no date.
    pub fn on(&self, on: Option<Date>) -> Result<Option<&Value>, NeedsDate> {
        match self {
            FactValue::Fixed(v) => Ok(Some(v)),
            FactValue::Timed(t) => Ok(t.on(on.ok_or(NeedsDate)?)),
        }
    }

    /// Every value it takes, on some date.
    pub fn values(&self) -> Vec<&Value> {
        match self {
            FactValue::Fixed(v) => vec![v],
            FactValue::Timed(t) => t.values.iter().flatten().collect(),
        }
    }

    /// The dates where it changes (none for a fixed value).
    pub fn changes(&self) -> &[Date] {
        match self {
            FactValue::Fixed(_) => &[],
            FactValue::Timed(t) => &t.changes,
        }
    }

    /// The value it has last (for ever after its last change).
    pub fn latest(&self) -> Option<&Value> {
        match self {
            FactValue::Fixed(v) => Some(v),
            FactValue::Timed(t) => t.values.last()?.as_ref(),
        }
    }
}

/// A fact that changes over time was read without a date to read it on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NeedsDate;

/// A step attribute's default.
#[derive(Clone, Debug, PartialEq)]
pub enum Default {
    /// A constant.
    Const(Value),
    /// The value of another attribute of the same step (its slot).
    Attr(u16),
}

/// An attribute declared by an entity type or a step kind.
#[derive(Clone, Debug)]
pub struct FieldInfo {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: Ty,
    /// Declared optional (`?`) and without default.
    pub optional: bool,
    /// Its default.
    pub default: Option<Default>,
    /// `excludes other`: the attribute it may share no value with.
    pub excludes: Option<(String, Span)>,
    /// Where it is declared.
    pub file: FileId,
    /// Its span.
    pub span: Span,
}

/// A step kind.
#[derive(Clone, Debug)]
pub struct KindInfo {
    /// Its name.
    pub name: String,
    /// Its attributes; a step's slots follow this order.
    pub fields: Vec<FieldInfo>,
    /// Attribute name to slot.
    pub index: NameMap<u16>,
    /// Where it is declared.
    pub file: FileId,
    /// Its span.
    pub span: Span,
}

/// An entity type.
#[derive(Clone, Debug)]
pub struct EntityType {
    /// Its name.
    pub name: String,
    /// Its attributes.
    pub fields: Vec<FieldInfo>,
    /// Where it is declared.
    pub file: FileId,
    /// The span of its name.
    pub span: Span,
}

/// What an atom is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AtomKind {
    /// A fact of this entity type.
    Entity(TypeId),
    /// A variant of this enum.
    Variant(EnumId),
}

/// An atom.
#[derive(Clone, Debug)]
pub struct AtomInfo {
    /// Its id as written.
    pub name: String,
    /// What it is.
    pub kind: AtomKind,
    /// Where declared.
    pub file: FileId,
    /// Its span.
    pub span: Span,
}

/// A compiled expression.
#[derive(Clone, Debug)]
pub enum CExpr {
    /// A constant.
    Const(Value),
    /// A fact's attribute, folded at compile time (kept distinct for evidence).
    Fact {
        /// The value.
        value: Value,
        /// The entity.
        entity: AtomId,
        /// The attribute.
        attr: AttrId,
    },
    /// A fact's attribute whose value changes over time: resolved on the date a step is
    /// judged at, when the rule is lowered for each period of the facts it reads
    /// ([`crate::compile::time`]).
    TimedFact {
        /// The entity.
        entity: AtomId,
        /// The attribute.
        attr: AttrId,
        /// Where it is read.
        span: Span,
    },
    /// A set computed at compile time from facts (`csto.members | sco.members`): the value,
    /// and the facts it came from (for evidence).
    Folded {
        /// The value.
        value: Value,
        /// The facts read.
        sources: Box<[(AtomId, AttrId)]>,
    },
    /// A local variable.
    Local(Local),
    /// A step attribute: the step in a local, the slot per kind (`u16::MAX`: none).
    StepAttr {
        /// The step's local.
        local: Local,
        /// Slot by kind id.
        slots: Box<[u16]>,
        /// The attribute's name, for diagnostics.
        name: Arc<str>,
        /// Where it is read.
        span: Span,
    },
    /// Whether a step's optional attribute is present.
    StepHas {
        /// The step's local.
        local: Local,
        /// Slot by kind id.
        slots: Box<[u16]>,
    },
    /// The step's id.
    StepId(Local),
    /// The step's effective date.
    StepDate(Local, Span),
    /// A dynamic entity's attribute.
    EntityAttr {
        /// The entity.
        obj: Box<CExpr>,
        /// The attribute.
        attr: AttrId,
        /// Where it is read.
        span: Span,
    },
    /// Whether a dynamic entity has an optional attribute.
    EntityHas(Box<CExpr>, AttrId),
    /// `!e`
    Not(Box<CExpr>),
    /// `a && b`
    And(Box<CExpr>, Box<CExpr>),
    /// `a || b`
    Or(Box<CExpr>, Box<CExpr>),
    /// `a == b`
    Eq(Box<CExpr>, Box<CExpr>),
    /// `a < b` (ints and dates); the others are rewritten to it.
    Lt(Box<CExpr>, Box<CExpr>),
    /// `x in S`
    In(Box<CExpr>, Box<CExpr>),
    /// `A | B`
    Union(Box<CExpr>, Box<CExpr>),
    /// `A & B`
    Inter(Box<CExpr>, Box<CExpr>),
    /// `A - B`
    Diff(Box<CExpr>, Box<CExpr>),
    /// `any`/`all` binder in collection: body
    Quant(Quant, Local, Box<CExpr>, Box<CExpr>),
    /// `[binder in collection where cond]`: a set of atoms, or a list in the collection's
    /// order.
    Filter(Local, Box<CExpr>, Box<CExpr>),
    /// Branch on the kind of the step in a local: arm index by kind id.
    Match {
        /// The step's local.
        local: Local,
        /// Arm by kind id (`u16::MAX`: none).
        arms_by_kind: Box<[u16]>,
        /// The arms.
        arms: Vec<CExpr>,
    },
    /// `if c then a else b`
    If(Box<CExpr>, Box<CExpr>, Box<CExpr>),
    /// `count(S)`
    Count(Box<CExpr>),
    /// `days(a, b)`: the days from date `a` to date `b` (negative when `b` is earlier).
    Days(Box<CExpr>, Box<CExpr>),
    /// `in_force(i, d)`
    InForce {
        /// The instrument.
        inst: Box<CExpr>,
        /// The date.
        date: Box<CExpr>,
        /// `entry_into_force` attribute.
        eif: AttrId,
        /// `terminated` attribute, if the type has one.
        terminated: Option<AttrId>,
    },
    /// The evaluation date.
    AsOf(Span),
    /// The proposal's steps of these kinds (by kind id).
    Steps(Box<[bool]>),
    /// Whether an atom's entity type is in the set (by type id).
    IsType(Box<CExpr>, Box<[bool]>),
    /// A set of atoms from element expressions.
    MakeSet(Vec<CExpr>),
    /// A list from element expressions (sorted and deduplicated if `sorted`).
    MakeList(Vec<CExpr>, bool),
}

/// A piece of a message template.
#[derive(Clone, Debug)]
pub enum Part {
    /// Literal text.
    Lit(String),
    /// An interpolated expression.
    Expr(CExpr),
}

/// A rule as its policy file writes it: templates before interpolation, the comment above
/// it, its `unless` clauses. Nothing here is evaluated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleDoc {
    /// The `message` template, as written between the quotes.
    pub message: String,
    /// The `help` template, as written.
    pub help: Option<String>,
    /// The `//` comment lines right above the rule, as paragraphs.
    pub comment: Option<String>,
    /// The `unless` clauses, in order: where each is, and its `because`.
    pub unless: Vec<UnlessDoc>,
}

/// An `unless` clause of a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnlessDoc {
    /// The whole clause.
    pub span: Span,
    /// Its `because "..."`, if any.
    pub because: Option<String>,
}

/// A compiled rule.
#[derive(Clone, Debug)]
pub struct CRule {
    /// Its dotted id.
    pub id: String,
    /// What the policy file says of it, as written: for output formats and tools, so that
    /// none of them parses policy files again.
    pub doc: RuleDoc,
    /// Its severity.
    pub severity: Severity,
    /// The citation as printed.
    pub cite: Option<String>,
    /// Step kinds it applies to (empty for `on proposal`).
    pub kinds: Vec<KindId>,
    /// `on proposal`.
    pub proposal_scope: bool,
    /// `when`.
    pub when: Option<CExpr>,
    /// `true` for forbid, `false` for require.
    pub forbid: bool,
    /// `each x in S`: the local and the collection.
    pub each: Option<(Local, CExpr)>,
    /// The each-binder's static type (a step binder reports the step).
    pub each_is_step: bool,
    /// The condition (`None`: always, for `forbid each`).
    pub cond: Option<CExpr>,
    /// `unless` exceptions.
    pub unless: Vec<CExpr>,
    /// The message template.
    pub message: Vec<Part>,
    /// The help template.
    pub help: Vec<Part>,
    /// The label template (empty: a default label).
    pub label: Vec<Part>,
    /// `allow LINT because "reason"`: lint name, its span, the reason.
    pub allows: Vec<(String, Span, String)>,
    /// Spans of the `unless` clauses, in order.
    pub unless_spans: Vec<Span>,
    /// Span of the verdict clause.
    pub verdict_span: Span,
    /// The top-level `&&` operands of the `when`, as written (one span if none).
    pub when_parts: Vec<Span>,
    /// The top-level `&&` operands of the verdict's condition, as written.
    pub cond_parts: Vec<Span>,
    /// Number of locals.
    pub locals: u16,
    /// The policy file.
    pub file: FileId,
    /// The rule's span (its id).
    pub span: Span,
    /// The whole rule, `rule` to `}`.
    pub extent: Span,
}

impl CRule {
    /// The expressions that decide whether it fires: `when`, the `each` collection, the
    /// condition and the exceptions, in that order (messages and helps are not among them).
    pub fn conditions(&self) -> Vec<&CExpr> {
        let mut out: Vec<&CExpr> = Vec::new();
        out.extend(self.when.iter());
        out.extend(self.each.iter().map(|(_, c)| c));
        out.extend(self.cond.iter());
        out.extend(self.unless.iter());
        out
    }
}

/// A compiled library.
#[derive(Debug)]
pub struct Compiled {
    /// The policy sources.
    pub sources: Vec<SourceFile>,
    /// Entity types.
    pub types: Vec<EntityType>,
    /// Enums: name and variants.
    pub enums: Vec<(String, Vec<AtomId>)>,
    /// Where each enum is declared: its file and the span of its name.
    pub enum_decls: Vec<(FileId, Span)>,
    /// Step kinds.
    pub kinds: Vec<KindInfo>,
    /// Kind by name.
    pub kind_index: NameMap<KindId>,
    /// Atoms.
    pub atoms: Vec<AtomInfo>,
    /// Atom by name.
    pub atom_index: NameMap<AtomId>,
    /// Entity attribute names.
    pub attr_names: Vec<String>,
    /// Fact values: by atom, by attribute id (`None`: absent or not an attribute of its type).
    pub facts: Vec<Vec<Option<FactValue>>>,
    /// Attributes that some fact gives a value changing over time.
    pub timed_attrs: BTreeSet<AttrId>,
    /// Rules, in id order.
    pub rules: Vec<CRule>,
    /// Rules that apply to each kind.
    pub rules_by_kind: Vec<Vec<u32>>,
    /// `on proposal` rules.
    pub proposal_rules: Vec<u32>,
    /// Policy string literals (interned).
    pub strings: Vec<String>,
    /// Literal by text.
    pub string_index: NameMap<u32>,
    /// Definitions: name, file, span of the name.
    pub defs: Vec<(String, FileId, Span)>,
    /// Definitions used by some rule, fact or other used definition.
    pub used_defs: BTreeSet<String>,
    /// Atoms named anywhere in the library (rules, definitions, facts, citations).
    pub used_atoms: BTreeSet<AtomId>,
    /// Entity attributes read by some rule or definition (or by `cite` and `in_force`).
    pub used_attrs: BTreeSet<AttrId>,
    /// Entity attributes that some fact gives explicitly.
    pub set_attrs: BTreeSet<AttrId>,
    /// Quantifier binders that their body never reads: file, the binder's span, its name.
    pub unused_binders: BTreeSet<(FileId, Span, String)>,
}

impl Compiled {
    /// The name of a type, as a user would write it.
    pub fn ty_name(&self, ty: &Ty) -> String {
        match ty {
            Ty::Bool => "bool".into(),
            Ty::Int => "int".into(),
            Ty::Str => "string".into(),
            Ty::Date => "date".into(),
            Ty::Entity(ts) => ts
                .iter()
                .map(|t| self.types.get(*t as usize).map_or("?", |t| t.name.as_str()))
                .collect::<Vec<_>>()
                .join(" | "),
            Ty::Enum(e) => self
                .enums
                .get(*e as usize)
                .map_or("?".into(), |e| e.0.clone()),
            Ty::Set(t) => format!("set<{}>", self.ty_name(t)),
            Ty::List(t) => format!("list<{}>", self.ty_name(t)),
            Ty::Step(ks) => {
                let names: Vec<_> = ks
                    .iter()
                    .map(|k| self.kinds.get(*k as usize).map_or("?", |k| k.name.as_str()))
                    .collect();
                format!("step ({})", names.join(" | "))
            }
            Ty::Empty => "nothing".into(),
            Ty::Error => "{unknown}".into(),
        }
    }

    /// The name of an atom.
    pub fn atom_name(&self, id: AtomId) -> &str {
        self.atoms.get(id as usize).map_or("?", |a| a.name.as_str())
    }

    /// The source file of an id.
    pub fn source(&self, file: FileId) -> Option<&SourceFile> {
        self.sources.get(file as usize)
    }
}

/// The match over a compiled expression's children, written once for [`children`] and
/// [`children_mut`] (binding modes follow the reference: shared or mutable).
macro_rules! push_children {
    ($e:expr, $out:expr) => {{
        let (e, out) = ($e, $out);
        match e {
            CExpr::EntityAttr { obj, .. } | CExpr::EntityHas(obj, _) => out.push(obj),
            CExpr::Not(a) | CExpr::Count(a) | CExpr::IsType(a, _) => out.push(a),
            CExpr::And(a, b)
            | CExpr::Or(a, b)
            | CExpr::Eq(a, b)
            | CExpr::Lt(a, b)
            | CExpr::In(a, b)
            | CExpr::Union(a, b)
            | CExpr::Inter(a, b)
            | CExpr::Diff(a, b)
            | CExpr::Quant(_, _, a, b)
            | CExpr::Filter(_, a, b)
            | CExpr::Days(a, b) => {
                out.push(a);
                out.push(b);
            }
            CExpr::InForce { inst, date, .. } => {
                out.push(inst);
                out.push(date);
            }
            CExpr::Match { arms, .. } => out.extend(arms),
            CExpr::If(a, b, c) => {
                out.push(a);
                out.push(b);
                out.push(c);
            }
            CExpr::MakeSet(xs) | CExpr::MakeList(xs, _) => out.extend(xs),
            _ => {}
        }
    }};
}

/// The children of a compiled expression.
pub fn children<'a>(e: &'a CExpr, out: &mut Vec<&'a CExpr>) {
    push_children!(e, out)
}

/// The children of a compiled expression, to change them (in the order of [`children`]).
pub fn children_mut<'a>(e: &'a mut CExpr, out: &mut Vec<&'a mut CExpr>) {
    push_children!(e, out)
}

/// Whether `e` reads `local` anywhere.
pub fn reads_local(e: &CExpr, local: Local) -> bool {
    let mut stack = vec![e];
    while let Some(x) = stack.pop() {
        if own_local(x) == Some(local) {
            return true;
        }
        children(x, &mut stack);
    }
    false
}

/// A join: the condition of an `any`, a filter or a `forbid each` over `steps(...)` bound to
/// `local` whose first conjunct (the first evaluated) is `e.attr == key`, or `key ==
/// e.attr`, with a key that does not read `local`. Then only the steps whose `attr` equals
/// the key can make the condition hold, and the evaluator looks them up in an index instead
/// of walking every step: the slots of `attr` by kind, and the key.
pub fn join_key(cond: &CExpr, local: Local) -> Option<(&[u16], &CExpr)> {
    let mut first = cond;
    while let CExpr::And(a, _) = first {
        first = a;
    }
    let CExpr::Eq(a, b) = first else {
        return None;
    };
    for (x, key) in [(a, b), (b, a)] {
        if let CExpr::StepAttr {
            local: l, slots, ..
        } = &**x
        {
            if *l == local && !reads_local(key, local) {
                return Some((slots, key));
            }
        }
    }
    None
}

/// A scalar value as a hashable key (booleans, integers, dates, strings, atoms, steps);
/// `None` for sets and lists.
pub fn scalar_key(v: &Value) -> Option<(u8, i64)> {
    Some(match v {
        Value::Bool(b) => (0, i64::from(*b)),
        Value::Int(i) => (1, *i),
        Value::Date(d) => (2, i64::from(d.days())),
        Value::Str(s) => (3, i64::from(*s)),
        Value::Atom(a) => (4, i64::from(*a)),
        Value::Step(s) => (5, i64::from(*s)),
        Value::Set(_) | Value::List(_) => return None,
    })
}

/// The local a node reads directly (not through its children), if any.
pub fn own_local(e: &CExpr) -> Option<Local> {
    match e {
        CExpr::Local(l)
        | CExpr::StepAttr { local: l, .. }
        | CExpr::StepHas { local: l, .. }
        | CExpr::StepId(l)
        | CExpr::StepDate(l, _)
        | CExpr::Match { local: l, .. }
        | CExpr::Quant(_, l, _, _)
        | CExpr::Filter(l, _, _) => Some(*l),
        _ => None,
    }
}
