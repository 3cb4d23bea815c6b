//! docs/lints.md cannot drift: every sample output in it (a fenced block after a line
//! "`pactum lint ARGS`:") is what the binary prints for ARGS on the corpus, and every
//! example library shown (after "Example (`tests/corpus/lints/NAME/`, ...):") is that
//! folder's files. `UPDATE_DOCS=1 cargo test --test lint_docs` rewrites the blocks from the
//! binary and the corpus instead of comparing.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test helpers fail loudly"
)]

use std::process::Command;

const DOC: &str = "docs/lints.md";

fn pactum_lint(args: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_pactum"))
        .arg("lint")
        .args(args.split_whitespace())
        .env("NO_COLOR", "1")
        .output()
        .expect("run pactum");
    String::from_utf8(out.stdout)
        .expect("UTF-8 output")
        .trim_end()
        .to_string()
}

/// What a block must hold, from the line that introduces it.
fn expected(intro: &str) -> Option<(String, String)> {
    if let Some(args) = intro
        .strip_prefix("`pactum lint ")
        .and_then(|r| r.strip_suffix("`:"))
    {
        return Some((format!("`pactum lint {args}`"), pactum_lint(args)));
    }
    let rest = intro.strip_prefix("Example (`tests/corpus/lints/")?;
    let (name, rest) = rest.split_once("/`")?;
    let dir = format!("tests/corpus/lints/{name}");
    let read = |f: &str| std::fs::read_to_string(format!("{dir}/{f}")).expect("corpus file");
    let text = if rest.contains("changed as shown") {
        read("schema.policy") + &read("rules.policy")
    } else {
        read("rules.policy")
    };
    Some((
        format!("the example of {name}"),
        text.trim_end().to_string(),
    ))
}

#[test]
fn the_samples_in_docs_lints_md_are_what_pactum_prints() {
    let docs = std::fs::read_to_string(DOC).expect("docs/lints.md");
    let update = std::env::var_os("UPDATE_DOCS").is_some();
    let lines: Vec<&str> = docs.lines().collect();
    let mut out: Vec<String> = Vec::new();
    let mut outputs = 0;
    let mut examples = 0;
    let mut i = 0;
    while i < lines.len() {
        out.push(lines[i].to_string());
        let Some((what, want)) = expected(lines[i]) else {
            i += 1;
            continue;
        };
        if lines[i].starts_with("`pactum") {
            outputs += 1;
        } else {
            examples += 1;
        }
        // The next fenced block.
        let mut j = i + 1;
        while j < lines.len() && !lines[j].starts_with("```") {
            out.push(lines[j].to_string());
            j += 1;
        }
        assert!(j < lines.len(), "{DOC}: no block after {what}");
        out.push(lines[j].to_string());
        let mut k = j + 1;
        while k < lines.len() && !lines[k].starts_with("```") {
            k += 1;
        }
        let have = lines[j + 1..k].join("\n");
        if update {
            if !want.is_empty() {
                out.push(want.clone());
            }
        } else {
            assert_eq!(
                have, want,
                "{DOC}: the block after {what} differs from what it shows (UPDATE_DOCS=1 rewrites it)"
            );
            out.extend(lines[j + 1..k].iter().map(|l| l.to_string()));
        }
        out.push("```".to_string());
        i = k + 1;
    }
    if update {
        std::fs::write(DOC, out.join("\n") + "\n").expect("write docs/lints.md");
    }
    // Every lint has its example and its output.
    assert!(outputs >= 15, "{outputs} sample outputs");
    assert!(examples >= 15, "{examples} example libraries");
}
