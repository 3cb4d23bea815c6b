//! Each lint's example library (tests/corpus/lints/NAME/) triggers that lint, through the
#![allow(
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test helpers fail loudly"
)]
//! real binary; the docs list every lint; the standard library lints clean.

use std::process::Command;

fn lint(args: &[&str]) -> (i32, serde_json::Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_pactum"))
        .arg("lint")
        .args(["--format", "json"])
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run pactum");
    let json = serde_json::from_slice(&out.stdout).expect("JSON output");
    (out.status.code().unwrap_or(-1), json)
}

fn names(json: &serde_json::Value) -> Vec<String> {
    let mut n: Vec<String> = json["libraries"][0]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["lint"].as_str().unwrap_or("").to_string())
        .collect();
    n.sort();
    n
}

#[test]
fn every_lint_example_triggers_its_lint() {
    let mut dirs: Vec<_> = std::fs::read_dir("tests/corpus/lints")
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 15);
    for dir in dirs {
        let name = dir.file_name().unwrap().to_str().unwrap().to_string();
        // An example may need options (a small budget, say), in its `args` file.
        let extra = std::fs::read_to_string(dir.join("args")).unwrap_or_default();
        let mut args: Vec<&str> = extra.split_whitespace().collect();
        args.push(dir.to_str().unwrap());
        let (code, json) = lint(&args);
        let mut expected = vec![name.clone()];
        // A rule with no citation leaves the example's instrument uncited too; an exception
        // that always applies makes its rule unable to fire.
        match name.as_str() {
            "missing-cite" => expected.push("unused-entity".into()),
            "unless-always-applies" => expected.push("rule-never-fires".into()),
            _ => {}
        }
        expected.sort();
        assert_eq!(names(&json), expected, "{name}");
        let error = name == "contradictory-facts" || name == "may-error";
        assert_eq!(code, if error { 1 } else { 0 }, "{name}: exit code");
        let finding = json["libraries"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["lint"] == name.as_str())
            .unwrap();
        assert!(
            finding["code"]
                .as_str()
                .unwrap()
                .starts_with("pactum::lint::")
        );
        assert!(finding["help"].is_string(), "{name} has a help");
        assert!(finding["location"]["line"].as_u64().unwrap() >= 1);
    }
}

#[test]
fn deny_and_allow_change_the_outcome() {
    let dir = "tests/corpus/lints/redundant-rule";
    assert_eq!(lint(&[dir]).0, 0);
    assert_eq!(lint(&["--deny", "warnings", dir]).0, 1);
    assert_eq!(lint(&["--deny", "redundant-rule", dir]).0, 1);
    let (code, json) = lint(&["--allow", "redundant-rule", "--deny", "warnings", dir]);
    assert_eq!(code, 0);
    assert!(names(&json).is_empty());
    // An unknown lint name on the command line is a usage error.
    let out = Command::new(env!("CARGO_BIN_EXE_pactum"))
        .args(["lint", "--allow", "redundant-rules", dir])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("did you mean `redundant-rule`?"));
}

#[test]
fn an_invalid_library_exits_2() {
    let (code, json) = lint(&["tests/corpus/policies/syntax-typo"]);
    assert_eq!(code, 2);
    assert_eq!(json["libraries"][0]["valid"], false);
}

#[test]
fn the_standard_library_lints_clean_even_with_deny_warnings() {
    let (code, json) = lint(&["--deny", "warnings", "policies/"]);
    assert_eq!(code, 0, "{json:#}");
    assert!(names(&json).is_empty());
}

#[test]
fn every_lint_is_documented() {
    let docs = std::fs::read_to_string("docs/lints.md").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pactum"))
        .args(["lint", "--list"])
        .output()
        .unwrap();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let name = line.split_whitespace().next().unwrap();
        assert!(
            docs.contains(&format!("### `{name}`")),
            "docs/lints.md lacks {name}"
        );
    }
}

#[test]
fn lint_speaks_the_ci_formats() {
    let run = |format: &str, dir: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_pactum"))
            .args(["lint", "--format", format, dir])
            .env("NO_COLOR", "1")
            .output()
            .expect("run pactum");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).to_string(),
        )
    };
    let (code, sarif) = run("sarif", "tests/corpus/lints/redundant-rule");
    assert_eq!(code, 0);
    let sarif: serde_json::Value = serde_json::from_str(&sarif).expect("SARIF is JSON");
    assert_eq!(sarif["version"], "2.1.0");
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert!(rules.iter().any(|r| r["id"] == "redundant-rule"));
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "redundant-rule");
    let (code, junit) = run("junit", "tests/corpus/lints/contradictory-facts");
    assert_eq!(code, 1);
    roxmltree::Document::parse(&junit).expect("JUnit is XML");
    let (code, github) = run("github", "tests/corpus/policies/syntax-typo");
    assert_eq!(code, 2);
    assert!(github.starts_with("::error file="), "{github}");
}
