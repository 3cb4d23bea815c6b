//! The JSON Schema of JSON proposals (`pactum schema --json-schema`,
//! `Schema::json_schema`), validated with `boon`: exactly as strict as pactum's reader where
//! JSON Schema can say so. Every JSON proposal pactum accepts validates (the examples, the
//! library tests, the corpus files that load, the docs, generated proposals); every one it
//! rejects only for errors a schema can express (its shape, an unknown kind, attribute,
//! entity or value, a missing attribute, a wrong type, an invalid id or date) does not; and
//! a property test holds the two to the same verdict on mutated generated proposals. The
//! committed `policies/proposal.schema.json` is what the command prints.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers report setup failures by panicking"
)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use pactum::{Engine, Proposal, SourceFile};
use proptest::prelude::*;
use serde_json::{Value, json};

mod common;
use common::{pactum, root};

/// The error codes a JSON Schema can express: a proposal rejected with these only must
/// fail to validate. (Not these: a key given twice, a duplicate step id, hidden characters,
/// the limits; nor `json_syntax`, which is not JSON at all.)
const EXPRESSIBLE: [&str; 8] = [
    "pactum::parse::json_shape",
    "pactum::parse::invalid_date",
    "pactum::proposal::invalid",
    "pactum::proposal::unknown_kind",
    "pactum::proposal::unknown_attribute",
    "pactum::proposal::missing_attribute",
    "pactum::proposal::unknown_entity",
    "pactum::proposal::wrong_type",
];

/// A library with every type an attribute can have, to test what the standard library's
/// schema does not use (integers, dates, lists of lists, unions, enums with defaults).
const ALL_TYPES: &str = r#"
entity State { name: string }
entity Region { name: string }
entity Empty { name: string }
enum Level { low, high }
type Area = State | Region
// A step of every type.
step sample {
  // A flag.
  flag: bool
  number: int
  caption: string
  day: date
  where_: Area
  level: Level = low
  levels: set<Level> = [low]
  amounts: set<int> = []
  days: list<date> = []
  legs: list<list<State>> = []
  since: date?
  base: Area = where_
  limit: int = 3
  nobody: Empty?
}
step bare {}
// A kind no proposal can use: no entity is an `Empty`.
step lonely { who: Empty }
fact a: State { name: "A" }
fact b: State { name: "B" }
fact sea: Region { name: "Sea" }
"#;

/// A compiled JSON Schema, with format assertions on and off: both must agree (the date
/// pattern says what `format: date` says, for validators that treat it as an annotation).
struct Validator {
    schemas: boon::Schemas,
    strict: boon::SchemaIndex,
    lax: boon::SchemaIndex,
}

impl Validator {
    fn new(schema: &Value) -> Validator {
        let mut schemas = boon::Schemas::new();
        let compile = |schemas: &mut boon::Schemas, formats: bool| {
            let mut c = boon::Compiler::new();
            if formats {
                c.enable_format_assertions();
            }
            c.add_resource("urn:pactum:proposal", schema.clone())
                .unwrap();
            c.compile("urn:pactum:proposal", schemas)
                .unwrap_or_else(|e| panic!("the schema does not compile: {e:#}"))
        };
        let strict = compile(&mut schemas, true);
        let lax = compile(&mut schemas, false);
        Validator {
            schemas,
            strict,
            lax,
        }
    }

    /// `Ok` if `v` validates, else the validator's words.
    fn check(&self, v: &Value) -> Result<(), String> {
        let strict = self
            .schemas
            .validate(v, self.strict)
            .map_err(|e| format!("{e:#}"));
        let lax = self
            .schemas
            .validate(v, self.lax)
            .map_err(|e| format!("{e:#}"));
        assert_eq!(
            strict.is_ok(),
            lax.is_ok(),
            "format assertions change the verdict on {v}: {strict:?} {lax:?}"
        );
        strict
    }
}

fn standard() -> &'static (Engine, Validator) {
    static S: OnceLock<(Engine, Validator)> = OnceLock::new();
    S.get_or_init(|| {
        let engine = Engine::standard();
        let v = Validator::new(&engine.schema().json_schema());
        (engine, v)
    })
}

fn engine_of(text: &str) -> Engine {
    Engine::from_sources(vec![SourceFile::new("t.policy", text)]).unwrap()
}

/// The error codes pactum gives a JSON proposal: none when it loads and binds.
fn codes(engine: &Engine, text: &str) -> BTreeSet<String> {
    match Proposal::from_json_named("p.json", text) {
        Err(errors) => errors.iter().map(|d| d.code.as_str().to_string()).collect(),
        Ok(p) => match engine.prepare(&p) {
            Ok(_) => BTreeSet::new(),
            Err(report) => report.errors.iter().map(|e| e.code.to_string()).collect(),
        },
    }
}

/// The law: pactum accepts ⇔ the schema validates, unless pactum's errors include one a
/// schema cannot express (then only: pactum accepts ⇒ it validates, vacuously). Text that
/// serde_json cannot read (invalid JSON, half a surrogate pair) has no verdict. Returns
/// whether the case was decided by the law both ways.
fn agree(engine: &Engine, v: &Validator, name: &str, text: &str) -> bool {
    let codes = codes(engine, text);
    // (a byte order mark is not JSON, but pactum and editors skip it)
    let Ok(value) = serde_json::from_str::<Value>(text.trim_start_matches('\u{feff}')) else {
        assert!(
            !codes.is_empty(),
            "{name}: pactum reads what serde_json cannot"
        );
        return false;
    };
    let verdict = v.check(&value);
    if codes.is_empty() {
        assert!(
            verdict.is_ok(),
            "{name}: pactum accepts it, the schema does not: {}\n{text}",
            verdict.unwrap_err()
        );
        true
    } else if codes.iter().all(|c| EXPRESSIBLE.contains(&c.as_str())) {
        assert!(
            verdict.is_err(),
            "{name}: pactum rejects it ({codes:?}), the schema accepts it\n{text}"
        );
        true
    } else {
        false
    }
}

fn files(dir: &str, ext: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    out.sort();
    out
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn every_example_and_library_test_validates() {
    let (engine, v) = standard();
    let mut n = 0;
    for dir in ["policies/examples", "policies/tests"] {
        for p in files(dir, "json") {
            let text = read(&p);
            assert!(codes(engine, &text).is_empty(), "{}", p.display());
            let value: Value = serde_json::from_str(&text).unwrap();
            if let Err(e) = v.check(&value) {
                panic!("{} does not validate: {e}", p.display());
            }
            n += 1;
        }
    }
    assert!(n >= 13, "{n} JSON examples");
}

/// Each JSON file of the bad-input corpus: the ones that load validate; the ones rejected
/// for what a schema expresses fail; the others (a key given twice, a duplicate step id, a
/// hidden character, invalid JSON) are pactum's alone.
#[test]
fn the_corpus_validates_exactly_where_pactum_accepts() {
    let (engine, v) = standard();
    let mut decided = Vec::new();
    let mut undecided = Vec::new();
    for p in files("tests/corpus/proposals", "json") {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if agree(engine, v, &name, &read(&p)) {
            decided.push(name);
        } else {
            undecided.push(name);
        }
    }
    // What the schema cannot say, and nothing else.
    assert_eq!(
        undecided,
        [
            "duplicate-key.json",
            "duplicate-step.json",
            "empty.json",
            "hidden-separator.json",
            "malformed.json",
        ]
    );
    for schema_error in [
        "impossible-date.json",
        "missing-attribute.json",
        "missing-steps.json",
        "not-an-object.json",
        "null-required.json",
        "number-for-list.json",
        "string-for-bool.json",
        "string-for-list.json",
        "unknown-entity.json",
        "unknown-kind.json",
        "unknown-top-key.json",
        "wrong-entity-type.json",
    ] {
        assert!(decided.iter().any(|d| d == schema_error), "{schema_error}");
    }
}

/// The JSON blocks of docs/proposals.md, with what each says pactum answers.
#[test]
fn the_json_examples_of_the_docs_agree() {
    let (engine, v) = standard();
    let doc = read(&root().join("docs/proposals.md"));
    let mut n = 0;
    let mut rest = doc.as_str();
    while let Some(i) = rest.find("```json\n") {
        let after = &rest[i + "```json\n".len()..];
        let end = after.find("```").unwrap();
        let text = &after[..end];
        rest = &after[end + 3..];
        assert!(agree(engine, v, "docs/proposals.md", text), "{text}");
        n += 1;
    }
    assert!(n >= 3, "{n} JSON blocks");
}

#[test]
fn handwritten_cases_agree() {
    let (engine, v) = standard();
    let step =
        r#""id": "ex1", "kind": "exercise", "participants": ["kazakhstan"], "area": "caspian_sea""#;
    let cases = [
        // accepted
        format!(r#"{{ "id": "p", "steps": [ {{ {step} }} ] }}"#),
        format!(
            r#"{{ "$schema": "./proposal.schema.json", "id": "p", "steps": [ {{ {step} }} ] }}"#
        ),
        format!(
            r#"{{ "$schema": null, "id": "p", "title": null, "date": null, "steps": [ {{ {step}, "date": null, "note": null }} ] }}"#
        ),
        format!(
            r#"{{ "id": "p", "steps": [ {{ {step}, "misspelt": null, "framework": null }} ] }}"#
        ),
        format!(
            r#"{{ "id": "p", "steps": [ {{ {step}, "directed_against": ["iran", "iran"] }} ] }}"#
        ),
        r#"{ "id": "a.b-c_9", "date": "2024-02-29", "steps": [] }"#.to_string(),
        // rejected, and a schema says why
        r#"{ "$schema": 1, "id": "p", "steps": [] }"#.to_string(),
        r#"{ "id": "a b", "steps": [] }"#.to_string(),
        r#"{ "id": "", "steps": [] }"#.to_string(),
        r#"{ "id": "p", "date": "2023-02-29", "steps": [] }"#.to_string(),
        r#"{ "id": "p", "date": "0000-01-01", "steps": [] }"#.to_string(),
        r#"{ "id": "p", "title": 1, "steps": [] }"#.to_string(),
        r#"{ "id": "p", "steps": {} }"#.to_string(),
        r#"{ "id": "p", "steps": [1] }"#.to_string(),
        format!(r#"{{ "id": "p", "steps": [ {{ {step}, "misspelt": 1 }} ] }}"#),
        format!(r#"{{ "id": "p", "steps": [ {{ {step}, "armed": "yes" }} ] }}"#),
        format!(r#"{{ "id": "p", "steps": [ {{ {step}, "command": "joint" }} ] }}"#),
        format!(r#"{{ "id": "p", "steps": [ {{ {step}, "host": "caspian_sea" }} ] }}"#),
        format!(r#"{{ "id": "p", "steps": [ {{ {step}, "directed_against": [null] }} ] }}"#),
        format!(r#"{{ "id": "p", "steps": [ {{ {step}, "directed_against": [["turkey"]] }} ] }}"#),
        format!(r#"{{ "id": "p", "steps": [ {{ {step}, "host": {{}} }} ] }}"#),
        format!(r#"{{ "id": "p", "steps": [ {{ {step}, "note": 3 }} ] }}"#),
        format!(r#"{{ "id": "p", "steps": [ {{ {step}, "date": "2026-9-1" }} ] }}"#),
        r#"{ "id": "p", "steps": [ { "id": "ex1", "participants": ["turkey"] } ] }"#.to_string(),
        r#"{ "id": "p", "steps": [ { "kind": "training", "parties": [], "host": "iran" } ] }"#
            .to_string(),
        r#"{ "id": "p", "steps": [ { "id": "t", "kind": "trainig" } ] }"#.to_string(),
        r#"{ "id": "p", "steps": [ { "id": "t", "kind": "training", "parties": ["iran"] } ] }"#
            .to_string(),
    ];
    for (i, text) in cases.iter().enumerate() {
        assert!(
            agree(engine, v, &format!("case {i}"), text),
            "case {i}: {text}"
        );
    }
}

/// The types the standard library does not use: integers (and their range), dates in
/// attributes, lists of lists, unions, an entity type without facts, a kind without
/// attributes.
#[test]
fn every_attribute_type_agrees() {
    let engine = engine_of(ALL_TYPES);
    let v = Validator::new(&engine.schema().json_schema());
    let base = r#""id": "s", "kind": "sample", "flag": true, "number": 1, "caption": "x", "day": "2026-01-01", "where_": "sea""#;
    // the base step, with the members of `extra` added or replaced
    let with = |extra: &str| {
        let mut step: serde_json::Map<String, Value> =
            serde_json::from_str(&format!("{{ {base}{extra} }}")).unwrap();
        let extra: serde_json::Map<String, Value> =
            serde_json::from_str(&format!("{{ {} }}", extra.trim_start_matches(','))).unwrap();
        step.extend(extra);
        json!({ "id": "p", "steps": [step] }).to_string()
    };
    let cases = [
        with(""),
        with(r#", "limit": -9223372036854775808"#),
        with(r#", "limit": 9223372036854775807"#),
        with(r#", "limit": 99999999999999999999"#),
        with(r#", "limit": 1.5"#),
        with(r#", "limit": "3""#),
        with(r#", "day": "2026-02-29""#),
        with(r#", "day": "2028-02-29""#),
        with(r#", "day": 20260101"#),
        with(r#", "since": null"#),
        with(r#", "since": "9999-12-31""#),
        with(r#", "where_": "a""#),
        with(r#", "where_": "nowhere""#),
        with(r#", "base": "b""#),
        with(r#", "level": "high""#),
        with(r#", "level": "a""#),
        with(r#", "levels": ["high", "high"]"#),
        with(r#", "levels": "high""#),
        with(r#", "amounts": [1, 2, 1]"#),
        with(r#", "amounts": [true]"#),
        with(r#", "days": ["2026-01-02", "2026-01-01"]"#),
        with(r#", "days": ["2026-01-32"]"#),
        with(r#", "legs": [["a", "b"], []]"#),
        with(r#", "legs": ["a"]"#),
        with(r#", "legs": [[["a"]]]"#),
        with(r#", "nobody": "a""#),
        with(r#", "nobody": null"#),
        with(r#", "caption": null"#),
        r#"{ "id": "p", "steps": [ { "id": "b", "kind": "bare" } ] }"#.to_string(),
        r#"{ "id": "p", "steps": [ { "id": "b", "kind": "bare", "x": 1 } ] }"#.to_string(),
        r#"{ "id": "p", "steps": [ { "id": "b", "kind": "bare", "x": null } ] }"#.to_string(),
        r#"{ "id": "p", "steps": [ { "id": "l", "kind": "lonely", "who": "a" } ] }"#.to_string(),
        r#"{ "id": "p", "steps": [ { "id": "l", "kind": "lonely" } ] }"#.to_string(),
    ];
    for (i, text) in cases.iter().enumerate() {
        assert!(
            agree(&engine, &v, &format!("case {i}"), text),
            "case {i}: {text}"
        );
    }
}

#[test]
fn attributes_carry_types_defaults_and_descriptions() {
    let schema = engine_of(ALL_TYPES).schema().json_schema();
    let step = &schema["properties"]["steps"]["items"];
    assert_eq!(
        step["properties"]["kind"]["enum"],
        json!(["sample", "bare", "lonely"])
    );
    assert_eq!(
        step["properties"]["kind"]["enumDescriptions"],
        json!([
            "A step of every type.",
            "",
            "A kind no proposal can use: no entity is an `Empty`."
        ])
    );
    let case = &step["allOf"][0];
    assert_eq!(case["if"]["properties"]["kind"]["const"], "sample");
    let then = &case["then"];
    assert_eq!(then["description"], "A step of every type.");
    assert_eq!(
        then["required"],
        json!(["flag", "number", "caption", "day", "where_"])
    );
    let attr = &then["properties"];
    assert_eq!(
        attr["flag"],
        json!({ "type": "boolean", "description": "A flag." })
    );
    assert_eq!(attr["where_"], json!({ "enum": ["a", "b", "sea"] }));
    assert_eq!(
        attr["level"],
        json!({ "enum": ["high", "low", null], "default": "low" })
    );
    assert_eq!(attr["levels"]["default"], json!(["low"]));
    assert_eq!(attr["levels"]["type"], json!(["array", "null"]));
    assert!(attr["levels"].get("uniqueItems").is_none());
    assert_eq!(attr["limit"]["default"], 3);
    assert_eq!(attr["day"]["format"], "date");
    assert_eq!(
        attr["base"]["description"],
        "Defaults to the value of `where_`."
    );
    assert!(attr["base"].get("default").is_none());
    assert_eq!(attr["nobody"], json!({ "enum": [null] }));
    assert_eq!(then["additionalProperties"]["type"], "null");
}

/// `$schema` names the file's JSON Schema for editors: pactum accepts it in the proposal
/// object, a string or `null`, and keeps it out of the proposal; a step cannot have one.
#[test]
fn schema_member_is_accepted_and_ignored() {
    let (engine, v) = standard();
    let text = r#"{ "$schema": "../policies/proposal.schema.json", "id": "p", "steps": [] }"#;
    let p = Proposal::from_json(text).unwrap();
    assert_eq!(p.to_json(), json!({ "id": "p", "steps": [] }));
    assert!(!p.to_text().contains("schema"));
    let in_step = r#"{ "id": "p", "steps": [ { "id": "t", "kind": "training", "parties": ["iran"], "host": "iran", "$schema": "x" } ] }"#;
    assert_eq!(
        codes(engine, in_step),
        BTreeSet::from(["pactum::proposal::unknown_attribute".to_string()])
    );
    assert!(agree(engine, v, "$schema in a step", in_step));
}

/// A library without step kinds: only proposals without steps.
#[test]
fn a_library_without_kinds_takes_proposals_without_steps() {
    let engine = engine_of("entity State { name: string }\nfact a: State { name: \"A\" }\n");
    let v = Validator::new(&engine.schema().json_schema());
    for text in [
        r#"{ "id": "p", "steps": [] }"#,
        r#"{ "id": "p", "steps": [ { "id": "s", "kind": "x" } ] }"#,
    ] {
        assert!(agree(&engine, &v, "no kinds", text), "{text}");
    }
}

/// The file committed for the standard library is what `pactum schema --json-schema`
/// prints, and that is `Schema::json_schema`.
#[test]
fn the_committed_schema_is_fresh() {
    let out = pactum(&["schema", "--json-schema"]);
    assert_eq!(out.status.code(), Some(0));
    let printed = String::from_utf8(out.stdout).unwrap();
    let committed = read(&root().join("policies/proposal.schema.json"));
    assert!(
        printed == committed,
        "policies/proposal.schema.json is stale: regenerate it with\n    \
         cargo run -- schema --json-schema > policies/proposal.schema.json"
    );
    let value: Value = serde_json::from_str(&printed).unwrap();
    assert_eq!(value, Engine::standard().schema().json_schema());
    assert!(printed.ends_with("}\n"));
}

#[test]
fn schema_takes_a_library_and_reports_a_bad_one() {
    let out = pactum(&[
        "schema",
        "--json-schema",
        "--policies",
        "tests/corpus/export-control",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let value: Value = serde_json::from_slice(&out.stdout).unwrap();
    let kinds = &value["properties"]["steps"]["items"]["properties"]["kind"]["enum"];
    assert_eq!(
        *kinds,
        json!(["export", "transshipment", "flight", "permit"])
    );
    let bad = pactum(&[
        "schema",
        "--json-schema",
        "--policies",
        "tests/corpus/policies/unknown-name",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    let text = String::from_utf8_lossy(&bad.stdout);
    assert!(text.contains("is invalid"), "{text}");
    let usage = pactum(&["schema"]);
    assert_eq!(usage.status.code(), Some(2));
}

/// One change to a generated proposal's JSON, drawn from `seed`: each is a class of error
/// the schema expresses (or a change both accept).
fn mutate(p: &mut Value, seed: u64) {
    let mut s = seed;
    let mut next = |n: usize| -> usize {
        // splitmix64
        s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % n.max(1) as u64) as usize
    };
    let values = [
        json!(null),
        json!(true),
        json!(7),
        json!(-1),
        json!(1.5),
        json!(99_999_999_999_999_999_999u128 as f64),
        json!("turkey"),
        json!("caspian_sea"),
        json!("national"),
        json!("atlantis"),
        json!("2026-02-30"),
        json!("2026-02-28"),
        json!([]),
        json!(["turkey"]),
        json!(["atlantis"]),
        json!(["turkey", "turkey"]),
        json!([1]),
        json!([null]),
        json!([["turkey"]]),
        json!({}),
        json!({ "id": "x" }),
    ];
    let value = values[next(values.len())].clone();
    let n_steps = p["steps"].as_array().map_or(0, Vec::len);
    let step = next(n_steps);
    let what = next(9);
    let top = p.as_object_mut().unwrap();
    match what {
        // a member of the proposal: changed, dropped, or one it does not have
        0 => {
            let key = ["id", "title", "date", "steps", "$schema", "titel"][next(6)];
            if next(3) == 0 {
                top.remove(key);
            } else {
                top.insert(key.into(), value);
            }
        }
        // an id or a date, valid or not
        1 => {
            let id = ["x.y-z_1", "a b", "", "é"][next(4)];
            let in_step = next(2) == 0;
            let target = if in_step {
                match top
                    .get_mut("steps")
                    .and_then(|s| s.get_mut(step))
                    .and_then(Value::as_object_mut)
                {
                    Some(s) => s,
                    None => return,
                }
            } else {
                top
            };
            if next(2) == 0 {
                target.insert("id".into(), json!(id));
            } else {
                let date = [
                    "2026-02-29",
                    "2028-02-29",
                    "2026-13-01",
                    "26-01-01",
                    "9999-12-31",
                ][next(5)];
                target.insert("date".into(), json!(date));
            }
        }
        _ => {
            let Some(s) = top
                .get_mut("steps")
                .and_then(|s| s.get_mut(step))
                .and_then(Value::as_object_mut)
            else {
                return;
            };
            let keys: Vec<String> = s.keys().cloned().collect();
            let Some(key) = keys.get(next(keys.len())).cloned() else {
                return;
            };
            match what {
                // a member dropped (a required attribute, `id`, `kind`, or one that may go)
                2 | 3 => {
                    s.remove(&key);
                }
                // a value of another type, an unknown entity, `null`
                4..=6 => {
                    s.insert(key, value);
                }
                // a key the kind does not have, with any value
                7 => {
                    s.insert("misspelt".into(), value);
                }
                // another kind, or none known
                _ => {
                    let kind =
                        ["exercise", "base", "training", "trainig", "bare", "sample"][next(6)];
                    s.insert("kind".into(), json!(kind));
                }
            }
        }
    }
}

fn law(engine: &Engine, v: &Validator, cases: u32) {
    let config = ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let (accepted, rejected) = (AtomicU32::new(0), AtomicU32::new(0));
    let strategy = (pactum::testing::proposals(engine), any::<u64>(), 0u8..2);
    runner
        .run(&strategy, |(p, seed, mutations)| {
            let mut value = p.to_json();
            // valid as generated
            let text = value.to_string();
            prop_assert!(agree(engine, v, "generated", &text));
            prop_assert!(codes(engine, &text).is_empty());
            for m in 0..=mutations {
                mutate(&mut value, seed.wrapping_add(u64::from(m)));
            }
            let text = value.to_string();
            if agree(engine, v, "mutated", &text) {
                let tally = if codes(engine, &text).is_empty() {
                    &accepted
                } else {
                    &rejected
                };
                tally.fetch_add(1, Ordering::Relaxed);
            }
            Ok(())
        })
        .unwrap();
    // Both verdicts are tested, most cases decided by the law.
    let (accepted, rejected) = (accepted.into_inner(), rejected.into_inner());
    eprintln!("{cases} cases: {accepted} mutated and accepted, {rejected} rejected");
    assert!(
        accepted >= cases / 64,
        "{accepted} of {cases} accepted once mutated"
    );
    assert!(
        rejected >= cases / 2,
        "{rejected} of {cases} rejected once mutated"
    );
}

#[test]
fn generated_and_mutated_proposals_agree_with_the_standard_library() {
    let (engine, v) = standard();
    law(engine, v, 512);
}

#[test]
fn generated_and_mutated_proposals_agree_with_other_libraries() {
    for lib in [
        engine_of(ALL_TYPES),
        Engine::load(root().join("tests/corpus/export-control")).unwrap(),
    ] {
        let v = Validator::new(&lib.schema().json_schema());
        law(&lib, &v, 256);
    }
}
