//! The JSON Schema (draft 2020-12) of a library's JSON proposals, generated from its
//! [`Schema`]: what `pactum schema --json-schema` prints, for editors that validate and
//! complete JSON with a schema (VS Code's `json.schemas`, a `$schema` member).
//!
//! It is exactly as strict as the JSON reader and the binding against the schema, where JSON
//! Schema can say so: a proposal that loads validates, and one rejected for its shape or
//! against the schema (an unknown kind or attribute, a missing required attribute, a value
//! of the wrong type, an unknown entity or enum value, an invalid id or date) does not.
//! What it cannot say is left to pactum: a key given twice, a duplicate step id, `1.0` for an
//! integer (JSON Schema calls it one), hidden characters, half a surrogate pair, the limits.
//!
//! Step kinds are a tagged union on `kind`: the step object lists the members every step
//! has (`kind` an `enum` of the kinds), and one `if`/`then` per kind applies that kind's
//! attributes when `kind` is that kind. Unlike a `oneOf` of the kinds, a validator then
//! reports the errors of the kind written, not of every alternative; VS Code completes the
//! kinds from the `enum` and the attributes of the kind written.

use serde_json::{Map, Value, json};

use super::schema::{AttributeSchema, DefaultValue, KindSchema, Schema, TypeSchema};

/// The schema's `$id`.
const ID: &str = "urn:pactum:proposal";

/// A proposal or step id, as `id_problem` accepts it.
const ID_PATTERN: &str = "^[A-Za-z0-9_.-]+$";

/// A date as `Date::parse` accepts it: `YYYY-MM-DD` from 0001-01-01 to 9999-12-31, with a
/// day its month has (29 February in leap years only). No look-around, so that every
/// validator's regular expressions (ECMA 262 in editors, Rust's `regex`) read it alike.
const DATE_PATTERN: &str = concat!(
    "^(?:",
    // a year other than 0000
    "(?:[0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})-",
    "(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])",
    "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)",
    "|02-(?:0[1-9]|1[0-9]|2[0-8]))",
    // 29 February of a leap year: divisible by 4 but not 100, or by 400
    "|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)-02-29",
    ")$"
);

/// The reserved members of a step, which every kind has.
const STEP_MEMBERS: [&str; 4] = ["id", "kind", "date", "note"];

impl Schema {
    /// The JSON Schema (draft 2020-12) of JSON proposals under this schema, as
    /// `pactum schema --json-schema` prints it: step kinds as a tagged union on `kind`,
    /// each attribute with its type, whether it is required, its default and its doc
    /// comment; entity ids as `enum`s of the facts of their type, enum values as `enum`s,
    /// dates as `format: date` with a `pattern` that only real days match. Exactly as strict
    /// as pactum's reader where JSON Schema can say so (see `docs/proposals.md`).
    pub fn json_schema(&self) -> Value {
        let kinds: Vec<Value> = self.kinds.iter().map(|k| json!(k.name)).collect();
        let kind_docs: Vec<Value> = self
            .kinds
            .iter()
            .map(|k| json!(first_paragraph(k.doc.as_deref())))
            .collect();
        let cases: Vec<Value> = self
            .kinds
            .iter()
            .map(|k| {
                json!({
                    "if": {
                        "properties": { "kind": { "const": k.name } },
                        "required": ["kind"],
                    },
                    "then": self.kind_schema(k),
                })
            })
            .collect();
        let mut step = json!({
            "type": "object",
            "description": "A step: its `id`, its `kind`, optionally its own `date` and a \
                `note`, then the attributes of its kind.",
            "properties": {
                "id": {
                    "$ref": "#/$defs/id",
                    "description": "The step's id, unique in the proposal.",
                },
                "kind": {
                    "description": "The step's kind: one of the library's step kinds.",
                    "enum": kinds,
                    "enumDescriptions": kind_docs,
                },
                "date": nullable(date_schema(
                    "The step's own date (default: the proposal's, else the evaluation date).",
                )),
                "note": {
                    "type": ["string", "null"],
                    "description": "Free text, never judged.",
                },
            },
            "required": ["id", "kind"],
        });
        if !cases.is_empty() {
            if let Some(m) = step.as_object_mut() {
                m.insert("allOf".into(), Value::Array(cases));
            }
        }
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": ID,
            "title": "pactum proposal",
            "description": "A proposal in pactum's JSON form, for the policy library this \
                schema was generated from (`pactum schema --json-schema`). pactum's own check \
                also rejects what a schema cannot express: a key given twice, two steps with \
                one id, and the rules' violations.",
            "type": "object",
            "properties": {
                "$schema": {
                    "type": ["string", "null"],
                    "description": "The JSON Schema editors validate this file with; pactum \
                        ignores it.",
                },
                "id": {
                    "$ref": "#/$defs/id",
                    "description": "The proposal's id.",
                },
                "title": {
                    "type": ["string", "null"],
                    "description": "The proposal's title.",
                },
                "date": nullable(date_schema(
                    "The proposal's date: the date of its steps without their own (default: \
                     the evaluation date).",
                )),
                "steps": {
                    "type": "array",
                    "description": "The steps, in order.",
                    "items": step,
                },
            },
            "required": ["id", "steps"],
            "additionalProperties": false,
            "$defs": {
                "id": {
                    "type": "string",
                    "pattern": ID_PATTERN,
                    "patternErrorMessage": "ids are non-empty and use ASCII letters, digits, \
                        `_`, `-` and `.`",
                },
            },
        })
    }

    /// The members of a step of kind `k`, with the reserved ones (checked by the step
    /// schema) and `null` for any other key (the reader skips a key given `null`).
    fn kind_schema(&self, k: &KindSchema) -> Value {
        let mut properties = Map::new();
        for name in STEP_MEMBERS {
            properties.insert(name.into(), Value::Bool(true));
        }
        for a in &k.attributes {
            properties.insert(a.name.clone(), self.attribute_schema(a));
        }
        let required: Vec<Value> = k
            .attributes
            .iter()
            .filter(|a| !a.optional)
            .map(|a| json!(a.name))
            .collect();
        let names: Vec<String> = k
            .attributes
            .iter()
            .map(|a| format!("`{}`", a.name))
            .collect();
        let unknown = if names.is_empty() {
            format!(
                "`{}` steps have no attributes (only `date` and `note`)",
                k.name
            )
        } else {
            format!(
                "not an attribute of `{}` steps: they have {}, and `date`, `note`",
                k.name,
                names.join(", ")
            )
        };
        let mut schema = Map::new();
        if let Some(doc) = &k.doc {
            schema.insert("description".into(), json!(doc));
        }
        schema.insert("properties".into(), Value::Object(properties));
        schema.insert("required".into(), Value::Array(required));
        schema.insert(
            "additionalProperties".into(),
            json!({ "type": "null", "errorMessage": unknown }),
        );
        Value::Object(schema)
    }

    fn attribute_schema(&self, a: &AttributeSchema) -> Value {
        let mut s = self.type_schema(&a.ty);
        let mut description: Vec<String> = a.doc.iter().cloned().collect();
        match &a.default {
            Some(DefaultValue::Value { json, .. }) => {
                insert(&mut s, "default", json.clone());
            }
            Some(DefaultValue::SameAs(other)) => {
                description.push(format!("Defaults to the value of `{other}`."));
            }
            None => {}
        }
        if !description.is_empty() {
            insert(&mut s, "description", json!(description.join("\n\n")));
        }
        if a.optional { nullable(s) } else { s }
    }

    fn type_schema(&self, ty: &TypeSchema) -> Value {
        match ty {
            TypeSchema::Bool => json!({ "type": "boolean" }),
            TypeSchema::Int => json!({
                "type": "integer",
                "minimum": i64::MIN,
                "maximum": i64::MAX,
            }),
            TypeSchema::String => json!({ "type": "string" }),
            TypeSchema::Date => date_schema(""),
            TypeSchema::Entity(types) => {
                let mut ids: Vec<&str> = self
                    .entity_types
                    .iter()
                    .filter(|t| types.contains(&t.name))
                    .flat_map(|t| t.entities.iter().map(String::as_str))
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                json!({ "enum": ids })
            }
            TypeSchema::Enum(name) => {
                let variants: Vec<&str> = self
                    .enums
                    .iter()
                    .filter(|e| e.name == *name)
                    .flat_map(|e| e.variants.iter().map(String::as_str))
                    .collect();
                json!({ "enum": variants })
            }
            // A set ignores order and repeats (the reader accepts `["a", "a"]`): no
            // `uniqueItems`, which would reject what pactum accepts.
            TypeSchema::Set(elem) | TypeSchema::List(elem) => json!({
                "type": "array",
                "items": self.type_schema(elem),
            }),
        }
    }
}

/// A date (`description` if not empty).
fn date_schema(description: &str) -> Value {
    let mut s = json!({
        "type": "string",
        "format": "date",
        "pattern": DATE_PATTERN,
        "patternErrorMessage": "a date YYYY-MM-DD, a day that exists, from 0001-01-01 to 9999-12-31",
    });
    if !description.is_empty() {
        insert(&mut s, "description", json!(description));
    }
    s
}

/// `s`, or `null`: what the reader takes for the member left out.
fn nullable(mut s: Value) -> Value {
    let Some(m) = s.as_object_mut() else {
        return s;
    };
    if let Some(Value::String(t)) = m.get("type") {
        let t = t.clone();
        m.insert("type".into(), json!([t, "null"]));
    } else if let Some(Value::Array(values)) = m.get_mut("enum") {
        values.push(Value::Null);
    }
    s
}

fn insert(s: &mut Value, key: &str, value: Value) {
    if let Some(m) = s.as_object_mut() {
        m.insert(key.into(), value);
    }
}

/// The first paragraph of a doc comment (for completion lists), or the empty string.
fn first_paragraph(doc: Option<&str>) -> &str {
    doc.and_then(|d| d.split("\n\n").next()).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::Date;

    /// The date pattern accepts exactly what `Date::parse` accepts, on every day of a few
    /// years (leap, not, centuries), on 29 February of every year, and on malformed text.
    #[test]
    fn the_date_pattern_is_date_parse() {
        let re = match regex::Regex::new(DATE_PATTERN) {
            Ok(re) => re,
            Err(e) => unreachable!("{e}"),
        };
        let same = |s: &str| {
            assert_eq!(re.is_match(s), Date::parse(s).is_ok(), "{s}");
        };
        for y in [0, 1, 4, 100, 200, 400, 1900, 2000, 2023, 2024, 2100, 9999] {
            for m in 0..=13 {
                for d in 0..=32 {
                    same(&format!("{y:04}-{m:02}-{d:02}"));
                }
            }
        }
        for y in 0..=9999 {
            same(&format!("{y:04}-02-29"));
            same(&format!("{y:04}-01-01"));
        }
        for s in [
            "",
            "2026-1-01",
            "20260101",
            "2026-01-01 ",
            "+2026-01-01",
            "2026/01/01",
        ] {
            same(s);
        }
    }

    #[test]
    fn the_id_pattern_is_id_problem() {
        let re = match regex::Regex::new(ID_PATTERN) {
            Ok(re) => re,
            Err(e) => unreachable!("{e}"),
        };
        for id in [
            "a",
            "caspian-shield_2026.v2",
            "",
            "a b",
            "تمرين",
            "x\n",
            "a/b",
        ] {
            assert_eq!(
                re.is_match(id),
                crate::proposal::id_problem(id).is_none(),
                "{id:?}"
            );
        }
    }
}
