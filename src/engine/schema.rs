//! The library's schema and facts as data, for tools: a language server's hover and
//! completion, a JSON Schema for proposals, documentation. Built from the compiled library
//! on request ([`Engine::schema`], [`Engine::facts`]); checking never uses it.

use serde::Serialize;

use super::Engine;
use crate::date::Date;
use crate::eval::display::display_into;
use crate::ir::{AtomKind, Compiled, Default, FactValue, FieldInfo, Ty, Value};
use crate::source::Span;
use crate::syntax::FileId;

use super::SourceRef;

/// The schema of a library: its step kinds, entity types and enums, in declaration order
/// (files in path order).
#[derive(Clone, Debug, Serialize)]
pub struct Schema {
    /// The step kinds a proposal may use.
    pub kinds: Vec<KindSchema>,
    /// The entity types of the facts.
    pub entity_types: Vec<EntityTypeSchema>,
    /// The enums.
    pub enums: Vec<EnumSchema>,
}

/// A step kind: `step exercise { ... }`.
#[derive(Clone, Debug, Serialize)]
pub struct KindSchema {
    /// Its name, as proposals write it.
    pub name: String,
    /// The `//` comment right above its declaration, as paragraphs.
    pub doc: Option<String>,
    /// Its attributes, in declaration order.
    pub attributes: Vec<AttributeSchema>,
    /// The span of its name in its policy file.
    pub defined_at: Option<SourceRef>,
}

/// An entity type, `entity State { ... }`, with the ids of its facts.
#[derive(Clone, Debug, Serialize)]
pub struct EntityTypeSchema {
    /// Its name.
    pub name: String,
    /// The comment above its declaration.
    pub doc: Option<String>,
    /// Its attributes.
    pub attributes: Vec<AttributeSchema>,
    /// The ids of its facts (the entities a proposal may name where this type is
    /// expected), in the order of their ids.
    pub entities: Vec<String>,
    /// The span of its name.
    pub defined_at: Option<SourceRef>,
}

/// An enum, `enum Cargo { personnel, equipment }`.
#[derive(Clone, Debug, Serialize)]
pub struct EnumSchema {
    /// Its name.
    pub name: String,
    /// The comment above its declaration.
    pub doc: Option<String>,
    /// Its values, in the order of their names.
    pub variants: Vec<String>,
    /// The span of its name.
    pub defined_at: Option<SourceRef>,
}

/// An attribute of a step kind or an entity type.
#[derive(Clone, Debug, Serialize)]
pub struct AttributeSchema {
    /// Its name.
    pub name: String,
    /// Its type (type aliases resolved).
    #[serde(rename = "type")]
    pub ty: TypeSchema,
    /// A step may leave it out: it is optional (`?`) or has a default.
    pub optional: bool,
    /// Its default, if it has one.
    pub default: Option<DefaultValue>,
    /// The comment above it, or after it on its line.
    pub doc: Option<String>,
    /// The span of its name.
    pub defined_at: Option<SourceRef>,
}

/// A type, with type aliases resolved. [`std::fmt::Display`] writes it as a policy would
/// (`set<State>`, `State | Region`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "of", rename_all = "snake_case")]
pub enum TypeSchema {
    /// `bool`
    Bool,
    /// `int`
    Int,
    /// `string`
    String,
    /// `date` (`YYYY-MM-DD`)
    Date,
    /// An entity of one of these entity types (more than one for a union such as
    /// `State | Region`), written as its id.
    Entity(Vec<String>),
    /// A value of this enum.
    Enum(String),
    /// `set<T>`: no order, no duplicates.
    Set(Box<TypeSchema>),
    /// `list<T>`: in order.
    List(Box<TypeSchema>),
}

impl std::fmt::Display for TypeSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TypeSchema::Bool => f.write_str("bool"),
            TypeSchema::Int => f.write_str("int"),
            TypeSchema::String => f.write_str("string"),
            TypeSchema::Date => f.write_str("date"),
            TypeSchema::Entity(ts) => f.write_str(&ts.join(" | ")),
            TypeSchema::Enum(e) => f.write_str(e),
            TypeSchema::Set(t) => write!(f, "set<{t}>"),
            TypeSchema::List(t) => write!(f, "list<{t}>"),
        }
    }
}

/// An attribute's default.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DefaultValue {
    /// A constant: as people read it (`national`, `none` for an empty set) and as a JSON
    /// proposal writes it (`"national"`, `[]`).
    Value {
        /// As people read it.
        text: String,
        /// As a JSON proposal writes it.
        json: serde_json::Value,
    },
    /// The value of this other attribute of the same step.
    SameAs(String),
}

/// One attribute of an entity's facts, as [`Engine::facts`] gives it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FactEntry {
    /// The attribute.
    pub attribute: String,
    /// Its value on the date asked for, as people read it (`none` for an empty set).
    pub value: String,
    /// Its value as JSON (entities and enum values as their ids).
    pub json: serde_json::Value,
    /// The value changes over time (the fact writes `from` or `until`).
    pub changes: bool,
}

/// One attribute of an entity whose value changes over time, as [`Engine::history`] gives
/// it: its periods, in date order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FactHistory {
    /// The attribute.
    pub attribute: String,
    /// Its periods, in date order; adjacent periods differ.
    pub periods: Vec<FactPeriod>,
}

/// A period over which an attribute keeps one value.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FactPeriod {
    /// Its first day (`None`: since always).
    pub from: Option<Date>,
    /// The day it ends, exclusive (`None`: for ever).
    pub until: Option<Date>,
    /// The value, as people read it; `None` when the attribute is absent then.
    pub value: Option<String>,
    /// The value as JSON (`null` when absent).
    pub json: serde_json::Value,
}

impl Engine {
    /// The library's schema: step kinds, entity types and enums, with their attributes,
    /// doc comments and where they are declared.
    pub fn schema(&self) -> Schema {
        let lib = &self.lib;
        let kinds = lib
            .kinds
            .iter()
            .map(|k| KindSchema {
                name: k.name.clone(),
                doc: doc_above(lib, k.file, k.span),
                attributes: attributes(lib, &k.fields, Some(&k.fields)),
                defined_at: source_ref(lib, k.file, k.span),
            })
            .collect();
        let entity_types = lib
            .types
            .iter()
            .enumerate()
            .map(|(t, et)| EntityTypeSchema {
                name: et.name.clone(),
                doc: doc_above(lib, et.file, et.span),
                attributes: attributes(lib, &et.fields, None),
                entities: lib
                    .atoms
                    .iter()
                    .filter(|a| a.kind == AtomKind::Entity(t as u32))
                    .map(|a| a.name.clone())
                    .collect(),
                defined_at: source_ref(lib, et.file, et.span),
            })
            .collect();
        let enums = lib
            .enums
            .iter()
            .enumerate()
            .map(|(i, (name, variants))| {
                let at = lib.enum_decls.get(i).copied();
                EnumSchema {
                    name: name.clone(),
                    doc: at.and_then(|(f, s)| doc_above(lib, f, s)),
                    variants: variants
                        .iter()
                        .map(|v| lib.atom_name(*v).to_string())
                        .collect(),
                    defined_at: at.and_then(|(f, s)| source_ref(lib, f, s)),
                }
            })
            .collect();
        Schema {
            kinds,
            entity_types,
            enums,
        }
    }

    /// The facts of entity `id` on date `on`, in the order its entity type declares its
    /// attributes, with where the fact is declared; attributes absent on that date are left
    /// out. `None` when the library has no entity with this id.
    pub fn facts(&self, id: &str, on: Date) -> Option<(Vec<FactEntry>, Option<SourceRef>)> {
        let lib = &self.lib;
        let (info, attrs) = entity_attributes(lib, id)?;
        let out = attrs
            .filter_map(|(name, fv)| {
                let v = fv.on(Some(on)).ok()??;
                Some(FactEntry {
                    attribute: name.to_string(),
                    value: text(lib, v),
                    json: json(lib, v),
                    changes: !fv.changes().is_empty(),
                })
            })
            .collect();
        Some((out, source_ref(lib, info.file, info.span)))
    }

    /// The attributes of entity `id` whose values change over time (the fact writes `from`
    /// or `until`), each with its periods, in the order its entity type declares them; facts
    /// that hold on every date are left out ([`Engine::facts`] gives them). `None` when the
    /// library has no entity with this id.
    ///
    /// ```
    /// let engine = pactum::Engine::standard();
    /// let csto = engine.history("csto").unwrap();
    /// let members = csto.iter().find(|h| h.attribute == "members").unwrap();
    /// assert!(members.periods.len() > 1);
    /// assert!(members.periods.windows(2).all(|w| w[0].until == w[1].from));
    /// ```
    pub fn history(&self, id: &str) -> Option<Vec<FactHistory>> {
        let lib = &self.lib;
        let (_, attrs) = entity_attributes(lib, id)?;
        let out = attrs
            .filter_map(|(name, fv)| {
                let FactValue::Timed(timeline) = fv else {
                    return None;
                };
                let periods = timeline
                    .periods()
                    .map(|(from, until, v)| FactPeriod {
                        from,
                        until,
                        value: v.map(|v| text(lib, v)),
                        json: v.map_or(serde_json::Value::Null, |v| json(lib, v)),
                    })
                    .collect();
                Some(FactHistory {
                    attribute: name.to_string(),
                    periods,
                })
            })
            .collect();
        Some(out)
    }
}

/// Entity `id` and the values of the attributes its fact gives, in the order its entity
/// type declares them (for [`Engine::facts`] and [`Engine::history`]).
fn entity_attributes<'a>(
    lib: &'a Compiled,
    id: &str,
) -> Option<(
    &'a crate::ir::AtomInfo,
    impl Iterator<Item = (&'a str, &'a FactValue)>,
)> {
    let &atom = lib.atom_index.get(id)?;
    let info = lib.atoms.get(atom as usize)?;
    let AtomKind::Entity(t) = info.kind else {
        return None;
    };
    let et = lib.types.get(t as usize)?;
    let values = lib.facts.get(atom as usize)?;
    let attrs = et.fields.iter().filter_map(move |f| {
        let a = lib.attr_names.iter().position(|n| *n == f.name)?;
        let fv = values.get(a)?.as_ref()?;
        Some((f.name.as_str(), fv))
    });
    Some((info, attrs))
}

fn attributes(
    lib: &Compiled,
    fields: &[FieldInfo],
    slots: Option<&[FieldInfo]>,
) -> Vec<AttributeSchema> {
    fields
        .iter()
        .map(|f| AttributeSchema {
            name: f.name.clone(),
            ty: type_schema(lib, &f.ty),
            optional: f.optional || f.default.is_some(),
            default: f.default.as_ref().map(|d| match d {
                Default::Const(v) => DefaultValue::Value {
                    text: text(lib, v),
                    json: json(lib, v),
                },
                Default::Attr(slot) => DefaultValue::SameAs(
                    slots
                        .and_then(|s| s.get(*slot as usize))
                        .map_or_else(String::new, |f| f.name.clone()),
                ),
            }),
            doc: doc_above(lib, f.file, f.span).or_else(|| doc_after(lib, f.file, f.span)),
            defined_at: source_ref(lib, f.file, f.span),
        })
        .collect()
}

fn type_schema(lib: &Compiled, ty: &Ty) -> TypeSchema {
    match ty {
        Ty::Bool => TypeSchema::Bool,
        Ty::Int => TypeSchema::Int,
        Ty::Str => TypeSchema::String,
        Ty::Date => TypeSchema::Date,
        Ty::Entity(ts) => TypeSchema::Entity(
            ts.iter()
                .filter_map(|t| lib.types.get(*t as usize).map(|t| t.name.clone()))
                .collect(),
        ),
        Ty::Enum(e) => TypeSchema::Enum(
            lib.enums
                .get(*e as usize)
                .map_or_else(String::new, |e| e.0.clone()),
        ),
        Ty::Set(t) => TypeSchema::Set(Box::new(type_schema(lib, t))),
        Ty::List(t) => TypeSchema::List(Box::new(type_schema(lib, t))),
        // A declared attribute's type is never a step, `[]`'s element or an error: the
        // library would not have compiled.
        Ty::Step(_) | Ty::Empty | Ty::Error => TypeSchema::String,
    }
}

fn text(lib: &Compiled, v: &Value) -> String {
    let mut s = String::new();
    display_into(lib, None, &mut s, v);
    s
}

fn json(lib: &Compiled, v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        Value::Date(_) | Value::Str(_) | Value::Step(_) => J::String(text(lib, v)),
        Value::Atom(a) => J::String(lib.atom_name(*a).to_string()),
        Value::Set(s) => J::Array(
            s.iter()
                .map(|a| J::String(lib.atom_name(a).to_string()))
                .collect(),
        ),
        Value::List(l) => J::Array(l.iter().map(|x| json(lib, x)).collect()),
    }
}

fn source_ref(lib: &Compiled, file: FileId, span: Span) -> Option<SourceRef> {
    SourceRef::of(lib, file, span)
}

/// The `//` comment lines right above the line of `span`.
fn doc_above(lib: &Compiled, file: FileId, span: Span) -> Option<String> {
    let text = lib.source(file)?.text();
    crate::syntax::comment_above(text.get(..span.start as usize)?)
}

/// The `//` comment after a declaration on its line (`charter: Instrument? // the
/// founding instrument`): the first `//` outside a string literal.
fn doc_after(lib: &Compiled, file: FileId, span: Span) -> Option<String> {
    let text = lib.source(file)?.text();
    let rest = text.get(span.end as usize..)?;
    let line = rest.split('\n').next().unwrap_or_default();
    let mut in_string = false;
    let mut escaped = false;
    let mut prev_slash = false;
    for (i, c) in line.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '/' if prev_slash => {
                let comment = line.get(i + 1..)?.trim();
                return (!comment.is_empty()).then(|| comment.to_string());
            }
            _ => {}
        }
        prev_slash = c == '/';
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    fn engine(text: &str) -> Engine {
        let src = SourceFile::new("t.policy", text);
        match Engine::from_sources(vec![src]) {
            Ok(e) => e,
            Err(e) => unreachable!("{e:?}"),
        }
    }

    const LIB: &str = r#"
// A state.
entity State { name: string }
enum Cargo { personnel, munitions }
type Area = State
// A flight over a state.
//
// Second paragraph.
step flight {
  // Who flies.
  operator: State
  over: set<Area> = [] // where it flies
  cargo: Cargo = personnel
  tag: string = "a // b" // not the string
  when_: date?
  copy: State = operator
}
fact tr: State { name: "Türkiye" }
fact kz: State { name: "Kazakhstan" }
rule r { severity error on flight as f forbid f.cargo == munitions message "no" }
"#;

    #[test]
    fn the_schema_lists_kinds_attributes_types_defaults_and_docs() {
        let s = engine(LIB).schema();
        let k = &s.kinds[0];
        assert_eq!(k.name, "flight");
        assert_eq!(
            k.doc.as_deref(),
            Some("A flight over a state.\n\nSecond paragraph.")
        );
        let names: Vec<_> = k.attributes.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["operator", "over", "cargo", "tag", "when_", "copy"]);
        let a = |n: &str| k.attributes.iter().find(|a| a.name == n).cloned();
        let op = a("operator").unwrap_or_else(|| unreachable!());
        assert_eq!(op.doc.as_deref(), Some("Who flies."));
        assert!(!op.optional);
        assert_eq!(op.ty, TypeSchema::Entity(vec!["State".into()]));
        let over = a("over").unwrap_or_else(|| unreachable!());
        assert_eq!(over.ty.to_string(), "set<State>");
        assert_eq!(over.doc.as_deref(), Some("where it flies"));
        assert!(over.optional);
        assert_eq!(
            over.default,
            Some(DefaultValue::Value {
                text: "none".into(),
                json: serde_json::json!([])
            })
        );
        let label = a("tag").unwrap_or_else(|| unreachable!());
        assert_eq!(label.doc.as_deref(), Some("not the string"));
        assert_eq!(
            a("cargo").and_then(|a| a.default),
            Some(DefaultValue::Value {
                text: "personnel".into(),
                json: serde_json::json!("personnel")
            })
        );
        assert_eq!(
            a("copy").and_then(|a| a.default),
            Some(DefaultValue::SameAs("operator".into()))
        );
        assert!(a("when_").is_some_and(|a| a.optional && a.default.is_none()));
        let at = k.defined_at.as_ref().unwrap_or_else(|| unreachable!());
        assert_eq!((at.file.as_str(), at.line), ("t.policy", 9));
        assert_eq!(s.entity_types[0].entities, ["kz", "tr"]);
        assert_eq!(s.entity_types[0].doc.as_deref(), Some("A state."));
        assert_eq!(s.enums[0].variants, ["munitions", "personnel"]);
        assert_eq!(s.enums[0].defined_at.as_ref().map(|d| d.line), Some(4));
    }

    #[test]
    fn facts_are_read_on_the_date_asked_for() {
        let e = engine(
            r#"
entity State { name: string }
entity Org { members: set<State> = [], charter: string? }
fact a: State { name: "A" }
fact b: State { name: "B" }
fact o: Org { members: [a, b from 2020-01-01] }
"#,
        );
        let d = |s: &str| Date::parse(s).unwrap_or_else(|_| unreachable!());
        let (before, at) = e
            .facts("o", d("2019-06-01"))
            .unwrap_or_else(|| unreachable!());
        assert_eq!(before.len(), 1);
        assert_eq!(before[0].value, "a");
        assert!(before[0].changes);
        assert_eq!(at.map(|a| a.line), Some(6));
        let (after, _) = e
            .facts("o", d("2021-06-01"))
            .unwrap_or_else(|| unreachable!());
        assert_eq!(after[0].json, serde_json::json!(["a", "b"]));
        assert!(e.facts("nobody", d("2021-06-01")).is_none());
        let (a, _) = e
            .facts("a", d("2021-06-01"))
            .unwrap_or_else(|| unreachable!());
        assert_eq!(a[0].value, "A");
    }
}
