//! pactum itself, on the standard library restricted to some of its rules.
//!
//! The engine is compiled from the standard library's own sources
//! (`Engine::standard().sources()`) with every `rule` block whose id is not kept cut
//! out; schema, facts and definitions stay as they are, so the kept rules are exactly those
//! `pactum check` runs.

use pactum::{Engine, Findings, Prepared, Report, SourceFile};

use crate::hand::{Finding, NO_STATE, rule_index, state_index};

/// Removes the `rule ID { ... }` blocks whose id `keep` rejects (strings and comments
/// are skipped when matching braces).
fn filter_rules(text: &str, keep: &dyn Fn(&str) -> bool) -> String {
    let b = text.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    let mut copied = 0;
    let at_line_start = |i: usize| i == 0 || b[i - 1] == b'\n';
    while i < b.len() {
        if at_line_start(i) && text[i..].starts_with("rule ") {
            let id_start = i + 5;
            let id_end = text[id_start..]
                .find(|c: char| c.is_whitespace() || c == '{')
                .map_or(text.len(), |k| id_start + k);
            let id = &text[id_start..id_end];
            // Find the matching closing brace.
            let mut j = id_end;
            let mut depth = 0usize;
            let mut started = false;
            while j < b.len() {
                match b[j] {
                    b'"' => {
                        j += 1;
                        while j < b.len() && b[j] != b'"' {
                            if b[j] == b'\\' {
                                j += 1;
                            }
                            j += 1;
                        }
                    }
                    b'/' if b.get(j + 1) == Some(&b'/') => {
                        while j < b.len() && b[j] != b'\n' {
                            j += 1;
                        }
                    }
                    b'{' => {
                        depth += 1;
                        started = true;
                    }
                    b'}' => {
                        depth -= 1;
                        if started && depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            let end = (j + 1).min(b.len());
            if !keep(id) {
                out.push_str(&text[copied..i]);
                copied = end;
            }
            i = end;
            continue;
        }
        i += 1;
    }
    out.push_str(&text[copied..]);
    out
}

/// The standard library with only the rules `keep` accepts.
pub fn engine(keep: &dyn Fn(&str) -> bool) -> Engine {
    let sources: Vec<SourceFile> = Engine::standard()
        .sources()
        .iter()
        .map(|s| SourceFile::new(s.name().to_string(), filter_rules(s.text(), keep)))
        .collect();
    let engine = Engine::from_sources(sources)
        .unwrap_or_else(|e| panic!("the filtered library does not compile: {:?}", e.first()));
    let kept: Vec<&str> = engine.rules().map(|r| r.id).collect();
    assert!(kept.iter().all(|id| keep(id)), "filtering kept {kept:?}");
    engine
}

/// The report's violations as findings; `base` is the index of the proposal's first step.
pub fn findings(report: &Report, base: u32, out: &mut Vec<Finding>) {
    assert!(
        report.errors.is_empty(),
        "pactum reported input or evaluation errors: {:?}",
        report.errors.first().map(|e| &e.message)
    );
    for v in &report.violations {
        let step = v.step.as_deref().expect("a step rule");
        let i: u32 = step.trim_start_matches('s').parse().expect("generated step id");
        out.push(Finding {
            rule: rule_index(&v.rule).unwrap_or_else(|| panic!("unexpected rule {}", v.rule)),
            step: base + i,
            state: v
                .binding
                .as_deref()
                .map_or(NO_STATE, |b| state_index(b).expect("a state binding")),
        });
    }
}

/// The evaluation's findings (`Engine::evaluate`, no report) as findings; `base` as above.
pub fn evaluated(
    engine: &Engine,
    prepared: &Prepared<'_>,
    f: &Findings,
    base: u32,
    out: &mut Vec<Finding>,
) {
    assert_eq!(f.failures(), 0, "pactum could not evaluate some rules");
    let ids: Vec<&str> = engine.rules().map(|r| r.id).collect();
    for v in f.violations() {
        let id = ids[v.rule()];
        out.push(Finding {
            rule: rule_index(id).unwrap_or_else(|| panic!("unexpected rule {id}")),
            step: base + v.step().expect("a step rule") as u32,
            state: engine
                .binding(prepared, v)
                .map_or(NO_STATE, |b| state_index(&b).expect("a state binding")),
        });
    }
}
