//! Parsing policies does work linear in the input: measured in pest calls, not in time.
//!
//! pest's call limit is process-wide, so this file holds a single test (its own process) and
//! resets the limit when done. pactum itself never sets it (see docs/robustness.md).
//!
//! Proposals are not parsed with pest: `src/proposal/text.rs` is one forward pass over the
//! bytes (its position only grows; keys are checked for duplicates by hash), so its work is
//! linear by construction.

use std::num::NonZeroUsize;

use pactum::SourceFile;

/// The fewest pest calls with which `parse` succeeds (binary search on the call limit).
fn calls(parse: &dyn Fn() -> bool) -> usize {
    pest::set_call_limit(None);
    assert!(parse(), "the input must parse without a limit");
    let (mut lo, mut hi) = (1usize, 1usize);
    loop {
        pest::set_call_limit(NonZeroUsize::new(hi));
        if parse() {
            break;
        }
        lo = hi;
        hi *= 2;
    }
    while lo + 1 < hi {
        let mid = lo + (hi - lo) / 2;
        pest::set_call_limit(NonZeroUsize::new(mid));
        if parse() {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    pest::set_call_limit(None);
    hi
}

fn policy(text: String) -> impl Fn() -> bool {
    move || pactum::syntax::parse_policy(&SourceFile::new("x.policy", text.as_str())).is_ok()
}

/// Asserts that growing the input `factor` times grows the calls at most ~`factor` times
/// (fixed costs make small inputs cost relatively more, so the ratio may be lower).
fn linear(name: &str, small: usize, big: usize, factor: usize) {
    let ratio = big as f64 / small as f64;
    println!("{name}: {small} -> {big} calls for {factor}x the input (ratio {ratio:.2})");
    assert!(
        ratio <= factor as f64 * 1.1,
        "{name}: {ratio:.2} > {factor}"
    );
}

#[test]
fn parse_work_grows_linearly() {
    let rule = |i: usize| {
        format!(
            "rule r.n{i} {{\n  severity error\n  cite t \"art. 3\"\n  on exercise, base as s\n  when s.area == sea && s.armed\n  forbid each p in s.participants - [s.host] where p not in sea.littoral && any q in s.x: q != p\n  message \"{{p}} in {{s.id}}\"\n  help \"h\"\n}}\n"
        )
    };
    let rules = |n: usize| (0..n).map(rule).collect::<String>();
    linear(
        "policy rules",
        calls(&policy(rules(20))),
        calls(&policy(rules(200))),
        10,
    );

    let parens = |d: usize| format!("def x = {}a{}\n", "(".repeat(d), ")".repeat(d));
    linear(
        "policy nesting",
        calls(&policy(parens(2))),
        calls(&policy(parens(20))),
        10,
    );

    let chain = |n: usize| format!("def x = {}\n", vec!["a.b == c"; n].join(" && "));
    linear(
        "policy chain",
        calls(&policy(chain(200))),
        calls(&policy(chain(2000))),
        10,
    );

    let notes = |n: usize| format!("def x = {}a\n", "!".repeat(n));
    linear(
        "policy negations",
        calls(&policy(notes(200))),
        calls(&policy(notes(2000))),
        10,
    );
}
