//! The proposal model through the public API: the canonical printers, normalization and
//! lookups.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests report failures by panicking"
)]

use pactum::*;

const TEXT: &str = r#"// the example of design.md
proposal caspian-shield-2026 {
  title: "Caspian Shield joint naval exercise"
  date: 2026-09-15
}

step ex1: exercise {
  participants: [turkey, azerbaijan, kazakhstan]
  area: caspian_sea
  framework: ots
  armed: true
  note: "first phase"
  date: 2026-09-20
}

step f1: transit_flight {
  operator: turkey
  route: [turkey, georgia, azerbaijan, caspian_sea, kazakhstan]
  cargo: [equipment], permits: [georgia, azerbaijan]
  count: -3
  start: 2026-10-01
}
"#;

const JSON: &str = r#"{
  "id": "caspian-shield-2026",
  "title": "Caspian Shield joint naval exercise",
  "date": "2026-09-15",
  "steps": [
    { "id": "ex1", "kind": "exercise",
      "participants": ["turkey", "azerbaijan", "kazakhstan"],
      "area": "caspian_sea", "framework": "ots", "armed": true,
      "note": "first phase", "date": "2026-09-20" },
    { "id": "f1", "kind": "transit_flight", "operator": "turkey",
      "route": ["turkey", "georgia", "azerbaijan", "caspian_sea", "kazakhstan"],
      "cargo": ["equipment"], "permits": ["georgia", "azerbaijan"],
      "count": -3, "start": "2026-10-01" }
  ]
}"#;

fn ok(r: Result<Proposal, Errors>) -> Proposal {
    match r {
        Ok(p) => p,
        Err(e) => panic!("unexpected errors: {e:#?}"),
    }
}

#[test]
fn text_and_json_forms_give_equal_normalized_models() {
    let t = ok(Proposal::parse(TEXT));
    let j = ok(Proposal::from_json(JSON));
    assert_ne!(t, j, "idents and dates differ before normalization");
    assert_eq!(t.normalized(), j.normalized());
    assert_eq!(t.steps.len(), 2);
    assert_eq!(t.steps[1].attrs.len(), 6);
    assert_eq!(
        t.steps[1].attrs[5].value.node,
        RawValue::Date(Date::parse("2026-10-01").unwrap())
    );
    assert_eq!(t.steps[1].attrs[4].value.node, RawValue::Int(-3));
    assert_eq!(j.steps[0].note.as_ref().unwrap().node, "first phase");
}

#[test]
fn text_round_trip() {
    let t = ok(Proposal::parse(TEXT));
    let printed = t.to_text();
    let again = ok(Proposal::parse(&printed));
    assert_eq!(again, t);
    assert_eq!(again.to_text(), printed);
}

#[test]
fn json_round_trip() {
    let t = ok(Proposal::parse(TEXT));
    let j = ok(Proposal::from_json(&t.to_json().to_string()));
    assert_eq!(j.normalized(), t.normalized());
    let j2 = ok(Proposal::from_json(&t.to_json_string()));
    assert_eq!(j2, j);
    // attribute order is preserved by to_json_string
    let names: Vec<_> = j2.steps[0]
        .attrs
        .iter()
        .map(|a| a.name.node.clone())
        .collect();
    assert_eq!(names, ["participants", "area", "framework", "armed"]);
    // JSON -> text -> model
    let back = ok(Proposal::parse(&j.to_text()));
    assert_eq!(back, j);
}

#[test]
fn printer_quotes_what_is_not_bare() {
    let j = ok(Proposal::from_json(
        r#"{"id": "x", "title": "a \"b\"\n\tc \u0001 تمرين",
                "steps": [{"id": "s", "kind": "odd kind", "step": 1, "": [], "true": [[1], "x"]}]}"#,
    ));
    let text = j.to_text();
    assert!(text.contains(r#""odd kind""#), "{text}");
    assert!(text.contains(r#""step": 1"#), "{text}");
    assert!(text.contains(r#"  true: [[1], "x"]"#), "{text}");
    assert_eq!(ok(Proposal::parse(&text)), j);
    assert_eq!(ok(Proposal::from_json(&j.to_json_string())), j);
    let empty = ok(Proposal::parse("proposal x {}"));
    assert_eq!(empty.to_text(), "proposal x {}\n");
    assert_eq!(ok(Proposal::from_json(&empty.to_json_string())), empty);
}

#[test]
fn load_picks_the_parser_by_extension() {
    assert!(Proposal::load("a/b.JSON", JSON).is_ok());
    assert!(Proposal::load("a/b.proposal", TEXT).is_ok());
    let e = Proposal::load("b.json", TEXT).unwrap_err();
    assert_eq!(e[0].code, Code::JsonSyntax);
    assert_eq!(e[0].source.as_ref().unwrap().name(), "b.json");
}

#[test]
fn equality_ignores_attribute_order_and_spans() {
    let a = ok(Proposal::parse("proposal x {}\nstep s: k { a: 1, b: 2 }"));
    let b = ok(Proposal::parse(
        "\n\nproposal x {}\nstep s: k {\n b: 2\n a: 1\n}",
    ));
    assert_eq!(a, b);
    let c = ok(Proposal::parse("proposal x {}\nstep s: k { a: 1, b: 3 }"));
    assert_ne!(a, c);
}
