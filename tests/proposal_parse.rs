//! Integration tests of the proposal parsers: generated models survive both printers, and
//! the parsers never panic.

use pactum::Date;
use pactum::{Attr, MAX_LIST_DEPTH, Proposal, RawValue, Step};
use pactum::{SourceFile, Span, Spanned};
use proptest::prelude::*;

fn sp<T>(node: T) -> Spanned<T> {
    Spanned::new(node, Span::default())
}

fn id_strategy() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_.-]{1,12}"
}

/// Any text, including quotes, backslashes, control characters, Arabic and emoji.
fn text_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z ]{0,10}",
        "\\PC{0,12}",
        "[\"\\\\\n\r\t\u{0}\u{1}\u{7f}\u{FEFF}تمرين😀{}\\[\\]:,/ ]{0,12}",
    ]
}

fn name_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_][a-z0-9_]{0,8}",
        Just("step".to_string()),
        Just("proposal".to_string()),
        Just("true".to_string()),
        text_strategy(),
    ]
}

fn date_strategy() -> impl Strategy<Value = Date> {
    (1i32..=9999, 1u32..=12, 1u32..=31)
        .prop_filter_map("a real day", |(y, m, d)| Date::from_ymd(y, m, d))
}

fn value_strategy() -> impl Strategy<Value = RawValue> {
    let leaf = prop_oneof![
        text_strategy().prop_map(RawValue::Str),
        "[a-z_][a-z0-9_]{0,8}".prop_map(RawValue::Ident),
        Just(RawValue::Ident("step".into())),
        any::<i64>().prop_map(RawValue::Int),
        any::<bool>().prop_map(RawValue::Bool),
        date_strategy().prop_map(RawValue::Date),
    ];
    leaf.prop_recursive(4, 24, 5, |inner| {
        prop::collection::vec(inner.prop_map(sp), 0..5).prop_map(RawValue::List)
    })
}

fn step_strategy() -> impl Strategy<Value = Step> {
    (
        id_strategy(),
        name_strategy(),
        prop::option::of(date_strategy()),
        prop::option::of(text_strategy()),
        prop::collection::vec((name_strategy(), value_strategy()), 0..5),
    )
        .prop_map(|(id, kind, date, note, attrs)| {
            let mut seen = std::collections::HashSet::new();
            let attrs = attrs
                .into_iter()
                .filter(|(n, _)| !matches!(n.as_str(), "id" | "kind" | "date" | "note"))
                .filter(|(n, _)| seen.insert(n.clone()))
                .map(|(n, v)| Attr {
                    name: sp(n),
                    value: sp(v),
                })
                .collect();
            Step {
                id: sp(id),
                kind: sp(kind),
                date: date.map(sp),
                note: note.map(sp),
                attrs,
                span: Span::default(),
            }
        })
}

fn proposal_strategy() -> impl Strategy<Value = Proposal> {
    (
        id_strategy(),
        prop::option::of(text_strategy()),
        prop::option::of(date_strategy()),
        prop::collection::vec(step_strategy(), 0..5),
    )
        .prop_map(|(id, title, date, steps)| {
            let mut seen = std::collections::HashSet::new();
            let steps = steps
                .into_iter()
                .filter(|s| seen.insert(s.id.node.clone()))
                .collect();
            Proposal {
                source: SourceFile::new("<generated>", ""),
                id: sp(id),
                title: title.map(sp),
                date: date.map(sp),
                steps,
                span: Span::default(),
            }
        })
}

fn show(r: Result<Proposal, pactum::Errors>) -> Result<Proposal, String> {
    r.map_err(|e| {
        e.iter()
            .map(|d| format!("{:?} {} ({})", d.code, d.message, d.label))
            .collect::<Vec<_>>()
            .join("; ")
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn text_round_trip(p in proposal_strategy()) {
        let text = p.to_text();
        let back = show(Proposal::parse(&text));
        prop_assert_eq!(back, Ok(p.clone()), "{}", text);
    }

    #[test]
    fn json_round_trip(p in proposal_strategy()) {
        let back = show(Proposal::from_json(&p.to_json().to_string()))
            .map(|p| p.normalized());
        prop_assert_eq!(back, Ok(p.normalized()));
        let pretty = p.to_json_string();
        let back = show(Proposal::from_json(&pretty)).map(|p| p.normalized());
        prop_assert_eq!(back, Ok(p.normalized()), "{}", pretty);
    }

    #[test]
    fn json_to_text_to_json(p in proposal_strategy()) {
        let j = show(Proposal::from_json(&p.to_json_string()));
        prop_assert!(j.is_ok());
        if let Ok(j) = j {
            let t = show(Proposal::parse(&j.to_text()));
            prop_assert_eq!(t, Ok(j));
        }
    }

    #[test]
    fn mutated_text_never_panics(p in proposal_strategy(), cut in any::<prop::sample::Index>(), junk in "\\PC{0,3}") {
        let text = p.to_text();
        let mut at = cut.index(text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let mutated = format!("{}{}{}", &text[..at], junk, &text[at..]);
        let _ = Proposal::parse(&mutated);
        let truncated = &text[..at];
        let _ = Proposal::parse(truncated);
        let json = p.to_json_string();
        let mut at = cut.index(json.len() + 1);
        while !json.is_char_boundary(at) {
            at -= 1;
        }
        let _ = Proposal::from_json(&format!("{}{}{}", &json[..at], junk, &json[at..]));
        let _ = Proposal::from_json(&json[..at]);
    }
}

#[test]
fn errors_are_sorted_and_all_reported() {
    let e = Proposal::parse(
        "proposal p { date: 2026-02-30 }\nstep a: k { date: 2026-13-01 }\nstep a: k { x: 1, x: 2 }\n",
    )
    .unwrap_err();
    assert_eq!(e.len(), 4);
    assert!(e.windows(2).all(|w| w[0].span.start <= w[1].span.start));
}

#[test]
fn list_depth_limit_is_the_same_in_both_forms() {
    let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    let text = |n| format!("proposal p {{}}\nstep s: k {{ a: {} }}", nested(n));
    let json = |n| {
        format!(
            r#"{{"id": "p", "steps": [{{"id": "s", "kind": "k", "a": {}}}]}}"#,
            nested(n)
        )
    };
    assert!(Proposal::parse(&text(MAX_LIST_DEPTH)).is_ok());
    assert!(Proposal::from_json(&json(MAX_LIST_DEPTH)).is_ok());
    assert!(Proposal::parse(&text(MAX_LIST_DEPTH + 1)).is_err());
    assert!(Proposal::from_json(&json(MAX_LIST_DEPTH + 1)).is_err());
}

#[test]
fn diagnostics_render_with_miette() {
    let e = Proposal::load(
        "x.proposal",
        "proposal p {}\nstep s: k {\n  area caspian_sea\n}\n",
    )
    .unwrap_err();
    let mut out = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .render_report(&mut out, &e[0])
        .unwrap();
    assert!(out.contains("x.proposal:3:8"), "{out}");
    assert!(out.contains("expected `:`"), "{out}");
}
