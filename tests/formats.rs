//! The CI formats of the real binary (`--format sarif|github|junit`): SARIF validates against
//! the official SARIF 2.1.0 schema (vendored in `tests/sarif/`), GitHub annotations are
//! well-formed workflow commands, JUnit is well-formed XML that agrees with the JSON report;
//! all three are deterministic and keep `check`'s exit codes. The lint-side entry points
//! (`Findings::push_diagnostics`) are validated the same way.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers report setup failures by panicking"
)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pactum::cli::formats::{self, Findings, RuleMeta, Tool};
use pactum::diag::{Code, Diagnostic, Severity};
use pactum::source::{SourceFile, Span};
use serde_json::Value;

const AS_OF: &str = "2026-11-29";
const EXAMPLES: &str = "policies/examples/";
const BAD_PROPOSALS: &str = "tests/corpus/proposals/";
const COMPLIANT: &str = "policies/examples/compliant-cooperation.proposal";
const VIOLATING: &str = "policies/examples/caspian-shield.proposal";
const WARNINGS_ONLY: &str = "policies/examples/kyrgyz-bases.proposal";
const MALFORMED: &str = "tests/corpus/proposals/malformed.json";
const FORMATS: [&str; 3] = ["sarif", "github", "junit"];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `pactum ARGS` from the crate root.
fn pactum(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pactum"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .unwrap()
}

/// Runs `pactum check --as-of AS_OF --format FORMAT ARGS`: (exit code, stdout).
fn check(format: &str, args: &[&str]) -> (i32, String) {
    let mut all = vec!["check", "--as-of", AS_OF, "--format", format];
    all.extend_from_slice(args);
    let out = pactum(&all);
    let code = out.status.code().expect("pactum was killed by a signal");
    (
        code,
        String::from_utf8(out.stdout).expect("stdout is UTF-8"),
    )
}

fn json_report(args: &[&str]) -> (i32, Value) {
    let (code, text) = check("json", args);
    (code, serde_json::from_str(&text).unwrap())
}

/// Every input shape the formats must handle: compliant, violations, warnings only, denied
/// warnings, many kinds of invalid input, evaluation errors, an invalid library, a usage error.
fn scenarios() -> Vec<Vec<&'static str>> {
    vec![
        vec![EXAMPLES],
        vec![COMPLIANT],
        vec![VIOLATING],
        vec![WARNINGS_ONLY],
        vec!["--deny", "warnings", WARNINGS_ONLY],
        vec![MALFORMED],
        vec![BAD_PROPOSALS],
        vec![VIOLATING, MALFORMED],
        vec![
            "--policies",
            "tests/corpus/eval/absent-attribute/lib",
            "tests/corpus/eval/absent-attribute/proposal.proposal",
        ],
        vec![
            "--policies",
            "tests/corpus/policies/duplicate-rule-id",
            COMPLIANT,
        ],
        vec!["does/not/exist.json"],
    ]
}

// ---------------------------------------------------------------------------------------
// SARIF

struct Schemas {
    schemas: boon::Schemas,
    ids: Vec<(&'static str, boon::SchemaIndex)>,
}

/// The vendored schemas, compiled with format assertions on.
fn sarif_schemas() -> Schemas {
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.enable_format_assertions();
    let mut ids = Vec::new();
    for name in ["sarif-schema-2.1.0.json", "sarif-2.1.0-multitool.json"] {
        let path = root().join("tests/sarif").join(name);
        let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let url = format!("file:///pactum/tests/sarif/{name}");
        compiler.add_resource(&url, schema).unwrap();
        let id = compiler
            .compile(&url, &mut schemas)
            .unwrap_or_else(|e| panic!("{name} does not compile: {e:#}"));
        ids.push((name, id));
    }
    Schemas { schemas, ids }
}

/// Validates a SARIF log against both schemas, and checks what the schema cannot: rule
/// indices, sorted unique rules, unique fingerprints, relative forward-slash URIs.
fn assert_valid_sarif(schemas: &Schemas, text: &str, what: &str) -> Value {
    let log: Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{what}: not JSON ({e}):\n{text}"));
    for (name, id) in &schemas.ids {
        if let Err(e) = schemas.schemas.validate(&log, *id) {
            panic!("{what}: SARIF invalid against {name}:\n{e:#}\n{text}");
        }
    }
    assert_eq!(log["version"], "2.1.0", "{what}");
    assert_eq!(log["runs"].as_array().unwrap().len(), 1, "{what}");
    let run = &log["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "pactum");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(ids, sorted, "{what}: rules sorted by id, unique");
    for r in rules {
        for key in ["shortDescription", "fullDescription"] {
            assert!(
                !r[key]["text"].as_str().unwrap().is_empty(),
                "{what}: {key} of {}",
                r["id"]
            );
        }
        assert!(!r["help"]["text"].as_str().unwrap().is_empty());
        assert!(!r["help"]["markdown"].as_str().unwrap().is_empty());
        assert!(r["defaultConfiguration"]["level"].is_string());
    }
    let mut fingerprints = BTreeSet::new();
    for res in run["results"].as_array().unwrap() {
        let id = res["ruleId"].as_str().unwrap();
        let index = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(ids[index], id, "{what}: ruleIndex of {id}");
        let fp = res["partialFingerprints"][formats::FINGERPRINT_KEY]
            .as_str()
            .unwrap();
        assert!(
            fingerprints.insert(fp.to_string()),
            "{what}: fingerprint {fp} twice"
        );
        assert!(
            res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].is_string(),
            "{what}: a result without a file: {res}"
        );
        let locations = res["locations"].as_array().into_iter().flatten();
        let related = res["relatedLocations"].as_array().into_iter().flatten();
        for loc in locations.chain(related) {
            let uri = loc["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap();
            assert!(
                !uri.contains('\\') && !uri.starts_with("./"),
                "{what}: uri {uri}"
            );
        }
    }
    log
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let schemas = sarif_schemas();
    for args in scenarios() {
        let (_, text) = check("sarif", &args);
        assert_valid_sarif(&schemas, &text, &format!("check {args:?}"));
    }
    let out = pactum(&[
        "check",
        "--format",
        "sarif",
        "--as-of",
        "2026-02-30",
        COMPLIANT,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let log = assert_valid_sarif(
        &schemas,
        &String::from_utf8(out.stdout).unwrap(),
        "usage error",
    );
    // Not a result (code scanning rejects results without a location): a notification.
    let run = &log["runs"][0];
    assert_eq!(run["results"].as_array().map(Vec::len), Some(0));
    let invocation = &run["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert_eq!(invocation["exitCode"], 2);
    let note = &invocation["toolExecutionNotifications"][0];
    assert_eq!(note["descriptor"]["id"], "pactum::usage");
    assert_eq!(note["level"], "error");
}

#[test]
fn sarif_results_match_the_json_report() {
    let schemas = sarif_schemas();
    for args in [
        vec![EXAMPLES],
        vec![BAD_PROPOSALS],
        vec![VIOLATING, MALFORMED],
    ] {
        let (_, json) = json_report(&args);
        let (_, text) = check("sarif", &args);
        let log = assert_valid_sarif(&schemas, &text, "results");
        let results = log["runs"][0]["results"].as_array().unwrap();
        let mut expected = Vec::new();
        for r in json["results"].as_array().unwrap() {
            for e in r["errors"].as_array().unwrap() {
                expected.push((e["code"].as_str().unwrap(), "error"));
            }
            for v in r["violations"].as_array().unwrap() {
                expected.push((v["rule"].as_str().unwrap(), v["severity"].as_str().unwrap()));
            }
        }
        let got: Vec<(&str, &str)> = results
            .iter()
            .map(|r| (r["ruleId"].as_str().unwrap(), r["level"].as_str().unwrap()))
            .collect();
        assert_eq!(got, expected, "{args:?}");
    }
}

#[test]
fn sarif_describes_rules_from_the_policy_library() {
    let (code, text) = check("sarif", &[VIOLATING]);
    assert_eq!(code, 1);
    let log: Value = serde_json::from_str(&text).unwrap();
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let caspian = rules
        .iter()
        .find(|r| r["id"] == "caspian.non_littoral_forces")
        .unwrap();
    assert_eq!(caspian["defaultConfiguration"]["level"], "error");
    assert!(
        caspian["shortDescription"]["text"]
            .as_str()
            .unwrap()
            .contains("is not a littoral state")
    );
    assert!(
        caspian["properties"]["cite"]
            .as_str()
            .unwrap()
            .contains("Caspian Sea")
    );
    assert!(
        caspian["help"]["text"]
            .as_str()
            .unwrap()
            .contains("outside the Caspian Sea")
    );
    let risk = rules
        .iter()
        .find(|r| r["id"] == "risk.multivector.csto_member_in_ots")
        .unwrap();
    assert_eq!(risk["defaultConfiguration"]["level"], "warning");
    // Its comment in ots.policy describes it.
    assert!(
        risk["fullDescription"]["text"]
            .as_str()
            .unwrap()
            .contains("read in Moscow")
    );
    let first = &run["results"][0];
    assert_eq!(first["ruleId"], "caspian.non_littoral_forces");
    let loc = &first["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], VIOLATING);
    assert_eq!(loc["region"]["startLine"], 15);
    assert_eq!(loc["region"]["startColumn"], 18);
    assert_eq!(loc["region"]["endColumn"], 24);
    let rel = &first["relatedLocations"][0]["physicalLocation"];
    assert_eq!(rel["artifactLocation"]["uriBaseId"], formats::STD_BASE_ID);
    assert_eq!(rel["artifactLocation"]["uri"], "caspian.policy");
    assert_eq!(rel["region"]["startLine"], 10);
    assert!(
        first["message"]["text"]
            .as_str()
            .unwrap()
            .contains("cite: Convention on the Legal Status of the Caspian Sea")
    );
    assert_eq!(first["properties"]["step"], "ex1");
    assert_eq!(first["properties"]["binding"], "turkey");
}

/// Fingerprints of the SARIF results of `pactum check --format sarif FILE` run in `dir`.
fn fingerprints_in(dir: &Path, file: &str) -> (Vec<String>, Vec<u64>) {
    let out = Command::new(env!("CARGO_BIN_EXE_pactum"))
        .args(["check", "--as-of", AS_OF, "--format", "sarif", file])
        .current_dir(dir)
        .output()
        .unwrap();
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    let fps = results
        .iter()
        .map(|r| r["partialFingerprints"][formats::FINGERPRINT_KEY].to_string())
        .collect();
    let lines = results
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
        })
        .collect();
    (fps, lines)
}

/// A fingerprint depends on rule, file, step and binding: not on line numbers, nor on the
/// other files checked.
#[test]
fn sarif_fingerprints_are_stable() {
    let alone = fingerprints_in(root(), VIOLATING).0;
    let (_, text) = check("sarif", &[COMPLIANT, VIOLATING, WARNINGS_ONLY]);
    let together: Value = serde_json::from_str(&text).unwrap();
    let together: Vec<String> = together["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["partialFingerprints"][formats::FINGERPRINT_KEY].to_string())
        .collect();
    assert_eq!(alone.len(), 2);
    for f in &alone {
        assert!(together.contains(f), "{f} changed with other files checked");
    }
    // The same file with its step moved down a line: same fingerprints, lines + 1.
    let text = std::fs::read_to_string(root().join(VIOLATING)).unwrap();
    let (a, b) = (tmp_dir("fingerprints-a"), tmp_dir("fingerprints-b"));
    std::fs::write(a.join("p.proposal"), &text).unwrap();
    std::fs::write(
        b.join("p.proposal"),
        text.replacen("step ex1", "\nstep ex1", 1),
    )
    .unwrap();
    let (fp_a, lines_a) = fingerprints_in(&a, "p.proposal");
    let (fp_b, lines_b) = fingerprints_in(&b, "p.proposal");
    assert_eq!(fp_a, fp_b, "moving lines changed the fingerprints");
    assert_eq!(lines_b, lines_a.iter().map(|l| l + 1).collect::<Vec<_>>());
    // Another file name: other fingerprints.
    std::fs::write(a.join("q.proposal"), &text).unwrap();
    let (fp_q, _) = fingerprints_in(&a, "q.proposal");
    assert!(fp_q.iter().all(|f| !fp_a.contains(f)));
}

// ---------------------------------------------------------------------------------------
// GitHub annotations

/// Checks every line: annotations, then one summary line. Returns the annotations as
/// (command, properties, message).
/// A workflow command: (command, properties, message), as written (escaped).
type Annotation = (String, Vec<(String, String)>, String);

fn assert_github(text: &str, what: &str) -> Vec<Annotation> {
    let command = regex::Regex::new(
        r"^::(error|warning|notice)(?: ((?:[A-Za-z]+=[^,:\r\n]*)(?:,[A-Za-z]+=[^,:\r\n]*)*))?::([^\r\n]*)$",
    )
    .unwrap();
    let summary =
        regex::Regex::new(
            r"^(?:checked \d+ proposals?|linted \d+ librar(?:y|ies)): \d+ errors?, \d+ warnings?, \d+ notes?$",
        )
            .unwrap();
    let bad_escape = regex::Regex::new("%(?:[^0-9A-F]|.[^0-9A-F]|.?$)").unwrap();
    assert!(text.ends_with('\n'), "{what}: no final newline");
    let lines: Vec<&str> = text.lines().collect();
    let (last, annotations) = lines.split_last().unwrap();
    assert!(summary.is_match(last), "{what}: summary line {last:?}");
    let mut out = Vec::new();
    for line in annotations {
        let caps = command
            .captures(line)
            .unwrap_or_else(|| panic!("{what}: not a workflow command: {line:?}"));
        let props: Vec<(String, String)> = caps.get(2).map_or(Vec::new(), |m| {
            m.as_str()
                .split(',')
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap();
                    (k.to_string(), v.to_string())
                })
                .collect()
        });
        let keys: Vec<&str> = props.iter().map(|(k, _)| k.as_str()).collect();
        for k in &keys {
            assert!(
                ["file", "line", "col", "endLine", "endColumn", "title"].contains(k),
                "{what}: property {k} in {line:?}"
            );
        }
        assert!(keys.contains(&"title"), "{what}: no title in {line:?}");
        if keys.contains(&"endLine") {
            assert!(
                !keys.contains(&"col") && !keys.contains(&"endColumn"),
                "{what}: columns on a multi-line annotation: {line:?}"
            );
        }
        for (k, v) in &props {
            if ["line", "col", "endLine", "endColumn"].contains(&k.as_str()) {
                assert!(v.parse::<u32>().unwrap() >= 1, "{what}: {k}={v}");
            }
            // `%` only as an escape.
            assert!(!bad_escape.is_match(v), "{what}: bad escape in {v:?}");
        }
        out.push((
            caps[1].to_string(),
            props,
            caps.get(3).unwrap().as_str().to_string(),
        ));
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
}

#[test]
fn github_annotations_are_well_formed() {
    for args in scenarios() {
        let (_, text) = check("github", &args);
        assert_github(&text, &format!("{args:?}"));
    }
    let (code, text) = check("github", &[VIOLATING, MALFORMED]);
    assert_eq!(code, 2);
    let annotations = assert_github(&text, "violating + malformed");
    let (_, human) = check("human", &[VIOLATING, MALFORMED]);
    assert_eq!(
        text.lines().last(),
        human.lines().last(),
        "same summary as the human report"
    );
    let kinds: Vec<&str> = annotations.iter().map(|a| a.0.as_str()).collect();
    assert_eq!(kinds, ["error", "warning", "error"]);
    let (_, props, message) = &annotations[0];
    let get = |k: &str| props.iter().find(|p| p.0 == k).map(|p| p.1.as_str());
    assert_eq!(get("file"), Some(VIOLATING));
    assert_eq!(get("line"), Some("15"));
    assert_eq!(get("col"), Some("18"));
    assert_eq!(get("endColumn"), Some("23"));
    assert_eq!(get("title"), Some("caspian.non_littoral_forces"));
    let message = unescape(message);
    assert!(message.starts_with("armed forces of turkey"));
    assert!(message.contains("\ncite: Convention on the Legal Status"));
    assert!(message.contains("\nhelp: hold step ex1"));
    let (_, props, _) = &annotations[2];
    let title = props.iter().find(|p| p.0 == "title").unwrap();
    assert_eq!(title.1, "pactum%3A%3Aparse%3A%3Ajson_syntax");
    assert_eq!(unescape(&title.1), "pactum::parse::json_syntax");
}

#[test]
fn github_escapes_odd_file_names_and_messages() {
    let dir = tmp_dir("odd-names");
    let file = dir.join("100%, done: a&b <c>.json");
    std::fs::write(
        &file,
        r#"{ "id": "odd", "steps": [ { "id": "t1", "kind": "training", "parties": ["a<b>&\"c%,:"], "host": "turkey" } ] }"#,
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let (code, text) = check("github", &[path]);
    assert_eq!(code, 2, "{text}");
    let annotations = assert_github(&text, "odd");
    assert_eq!(annotations.len(), 1);
    let file_prop = &annotations[0].1[0];
    assert_eq!(file_prop.0, "file");
    assert_eq!(unescape(&file_prop.1), path);
    assert!(
        unescape(&annotations[0].2).starts_with("unknown entity `a<b>&\"c%,:`\nhelp: "),
        "{}",
        annotations[0].2
    );

    // The same input in the other formats.
    let (code, xml) = check("junit", &[path]);
    assert_eq!(code, 2);
    let doc = parse_junit(&xml, "odd junit");
    let error = doc.descendants().find(|n| n.has_tag_name("error")).unwrap();
    assert_eq!(
        error.attribute("message"),
        Some("unknown entity `a<b>&\"c%,:`")
    );
    assert_eq!(
        error
            .ancestors()
            .find(|n| n.has_tag_name("testsuite"))
            .unwrap()
            .attribute("name"),
        Some(path)
    );
    let (code, sarif) = check("sarif", &[path]);
    assert_eq!(code, 2);
    let log = assert_valid_sarif(&sarif_schemas(), &sarif, "odd sarif");
    let uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"]
        .as_str()
        .unwrap();
    assert!(uri.starts_with("file:///"), "{uri}");
    assert!(
        uri.ends_with("100%25,%20done%3A%20a&b%20%3Cc%3E.json"),
        "{uri}"
    );
}

// ---------------------------------------------------------------------------------------
// JUnit

fn parse_junit<'a>(text: &'a str, what: &str) -> roxmltree::Document<'a> {
    let doc = roxmltree::Document::parse(text)
        .unwrap_or_else(|e| panic!("{what}: not well-formed XML: {e}\n{text}"));
    let root = doc.root_element();
    assert!(root.has_tag_name("testsuites"), "{what}");
    let num = |n: roxmltree::Node<'_, '_>, a: &str| -> usize {
        n.attribute(a)
            .unwrap_or_else(|| panic!("{what}: no {a}"))
            .parse()
            .unwrap()
    };
    let (mut tests, mut failures, mut errors) = (0, 0, 0);
    for suite in root.children().filter(|n| n.is_element()) {
        assert!(suite.has_tag_name("testsuite"), "{what}");
        let cases: Vec<_> = suite
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        assert_eq!(num(suite, "tests"), cases.len(), "{what}");
        let failed = cases
            .iter()
            .filter(|c| {
                c.children().any(|n| n.has_tag_name("failure"))
                    && !c.children().any(|n| n.has_tag_name("error"))
            })
            .count();
        let errored = cases
            .iter()
            .filter(|c| c.children().any(|n| n.has_tag_name("error")))
            .count();
        assert_eq!(num(suite, "failures"), failed, "{what}");
        assert_eq!(num(suite, "errors"), errored, "{what}");
        for c in &cases {
            assert!(c.attribute("name").is_some_and(|n| !n.is_empty()));
            for f in c
                .children()
                .filter(|n| n.has_tag_name("failure") || n.has_tag_name("error"))
            {
                assert!(f.attribute("message").is_some(), "{what}");
                assert!(f.attribute("type").is_some(), "{what}");
            }
        }
        tests += cases.len();
        failures += failed;
        errors += errored;
    }
    assert_eq!(num(root, "tests"), tests, "{what}");
    assert_eq!(num(root, "failures"), failures, "{what}");
    assert_eq!(num(root, "errors"), errors, "{what}");
    doc
}

#[test]
fn junit_is_well_formed_and_agrees_with_the_json_report() {
    for args in scenarios() {
        let what = format!("{args:?}");
        let (code, xml) = check("junit", &args);
        let doc = parse_junit(&xml, &what);
        let (json_code, json) = json_report(&args);
        assert_eq!(code, json_code, "{what}");
        let suites: Vec<_> = doc
            .root_element()
            .children()
            .filter(|n| n.has_tag_name("testsuite"))
            .collect();
        let results = json["results"].as_array().unwrap();
        assert_eq!(suites.len(), results.len(), "{what}: one suite per file");
        let deny = args.contains(&"--deny");
        for (suite, r) in suites.iter().zip(results) {
            assert_eq!(suite.attribute("name"), r["file"].as_str(), "{what}");
            let case = suite
                .children()
                .find(|n| n.has_tag_name("testcase"))
                .unwrap();
            let count = |tag: &str| case.children().filter(|n| n.has_tag_name(tag)).count();
            let errors = r["errors"].as_array().unwrap().len();
            let fatal = r["violations"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|v| v["severity"] == "error" || (deny && v["severity"] == "warning"))
                .count();
            assert_eq!(count("error"), errors, "{what}: {}", r["file"]);
            assert_eq!(count("failure"), fatal, "{what}: {}", r["file"]);
            let passed = count("error") + count("failure") == 0;
            assert_eq!(passed, r["compliant"].as_bool().unwrap(), "{what}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// All formats

#[test]
fn every_format_is_deterministic_and_keeps_the_exit_codes() {
    for args in scenarios() {
        let (json_code, _) = check("json", &args);
        for format in FORMATS {
            let (code, first) = check(format, &args);
            let (_, second) = check(format, &args);
            assert_eq!(code, json_code, "{format} {args:?}: exit code");
            assert_eq!(first, second, "{format} {args:?}: not deterministic");
        }
    }
    for format in FORMATS {
        let out = pactum(&["check", "--format", format, "--as-of", "someday", COMPLIANT]);
        assert_eq!(out.status.code(), Some(2), "{format}: usage error");
        assert!(
            !out.stdout.is_empty(),
            "{format}: usage error reported on stdout"
        );
    }
    assert_eq!(check("sarif", &[COMPLIANT]).0, 0);
    assert_eq!(check("github", &[VIOLATING]).0, 1);
    assert_eq!(check("junit", &[WARNINGS_ONLY]).0, 0);
    assert_eq!(check("junit", &["--deny", "warnings", WARNINGS_ONLY]).0, 1);
    assert_eq!(check("sarif", &[MALFORMED]).0, 2);
}

// ---------------------------------------------------------------------------------------
// The lint side: diagnostics in, the same three formats out.

fn lint_findings(deny_warnings: bool) -> Findings {
    let rules = SourceFile::new(
        "lib/rules.policy",
        "rule a.never {\n  severity error\n}\n\nrule a.always {\n  severity warning\n}\n",
    );
    let schema = SourceFile::new("lib/schema.policy", "step x {\n  y: bool\n}\n");
    let mut never = Diagnostic::error(
        Code::RuleShape,
        "rule `a.never` can never fire: `x.y` is both true and false",
        &rules,
        Span::new(5, 12),
        "this rule",
    )
    .with_help("drop one of the conditions")
    .with_related(&schema, Span::new(11, 12), "`y` is a bool")
    .with_note("witness: none");
    never.severity = Severity::Warning;
    never.rule = Some("never-fires".to_string());
    let mut unused = Diagnostic::error(
        Code::UnknownName,
        "step attribute `y` is never read, \"100%\" <unused> & odd, isn't it?",
        &schema,
        Span::new(11, 18),
        "unused",
    );
    unused.severity = Severity::Note;
    unused.rule = Some("unused-attribute".to_string());
    let syntax = Diagnostic::error(
        Code::PolicySyntax,
        "expected `}`",
        &schema,
        Span::new(0, 0),
        "here",
    );
    let mut f = Findings::new(Tool::Lint);
    f.set_rule(RuleMeta::lint(
        "never-fires",
        Severity::Warning,
        "a rule that no proposal valid under the schema can trigger",
        "fix or drop the contradictory conditions",
    ));
    f.push_diagnostics(
        "lib",
        &[
            "lib/rules.policy".to_string(),
            "lib/schema.policy".to_string(),
            "lib/facts.policy".to_string(),
        ],
        &[never, unused],
        deny_warnings,
    );
    f.push_diagnostics("broken", &[], &[syntax], deny_warnings);
    f
}

#[test]
fn lint_findings_render_in_every_format() {
    let schemas = sarif_schemas();
    for deny in [false, true] {
        let f = lint_findings(deny);
        assert_eq!(f.exit() as i32, 2);
        let sarif = formats::sarif(&f);
        let log = assert_valid_sarif(&schemas, &sarif, "lint sarif");
        let rules = log["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap();
        let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(
            ids,
            [
                "never-fires",
                "pactum::parse::policy_syntax",
                "unused-attribute"
            ]
        );
        assert_eq!(
            rules[0]["shortDescription"]["text"],
            "a rule that no proposal valid under the schema can trigger"
        );
        assert_eq!(rules[0]["properties"]["tags"][1], "lint");
        let first = &log["runs"][0]["results"][0];
        assert_eq!(first["level"], "warning");
        assert_eq!(
            first["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "lib/schema.policy"
        );

        let xml = formats::junit(&f);
        let doc = parse_junit(&xml, "lint junit");
        let suites: Vec<_> = doc
            .root_element()
            .children()
            .filter(|n| n.has_tag_name("testsuite"))
            .collect();
        assert_eq!(suites.len(), 2);
        let cases: Vec<&str> = suites[0]
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .map(|n| n.attribute("name").unwrap())
            .collect();
        assert_eq!(
            cases,
            ["lib/facts.policy", "lib/rules.policy", "lib/schema.policy"]
        );
        assert_eq!(
            suites[0].attribute("failures"),
            Some(if deny { "1" } else { "0" })
        );
        assert_eq!(suites[1].attribute("errors"), Some("1"));
        let outs: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("system-out"))
            .map(|n| n.text().unwrap())
            .collect();
        assert_eq!(outs.len(), if deny { 1 } else { 2 });
        assert!(
            outs.iter()
                .any(|t| t.contains("\"100%\" <unused> & odd, isn't it?"))
        );

        let gh = formats::github(&f);
        let lines: Vec<&str> = gh.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[0].starts_with(
            "::warning file=lib/rules.policy,line=1,col=6,endColumn=12,title=never-fires::"
        ));
        assert!(lines[1].starts_with(
            "::notice file=lib/schema.policy,line=2,col=3,endColumn=9,title=unused-attribute::"
        ));
        assert!(lines[2].starts_with(
            "::error file=lib/schema.policy,line=1,col=1,title=pactum%3A%3Aparse%3A%3Apolicy_syntax::"
        ));
        assert_eq!(lines[3], "linted 2 libraries: 1 error, 1 warning, 1 note");
        assert_eq!(f.summary(), lines[3]);
        assert_eq!(formats::sarif(&lint_findings(deny)), sarif);
    }
}

fn tmp_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("formats-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The schema check rejects what it should: a wrong level, a URI with a space, an unknown
/// property, a missing message.
#[test]
fn the_schema_check_is_not_vacuous() {
    let schemas = sarif_schemas();
    let (_, text) = check("sarif", &[VIOLATING]);
    let log: Value = serde_json::from_str(&text).unwrap();
    type Mutation = (&'static str, fn(&mut Value));
    let mutations: [Mutation; 4] = [
        ("level", |l| {
            l["runs"][0]["results"][0]["level"] = "fatal".into()
        }),
        ("uri", |l| {
            l["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] =
                "a b.proposal".into();
        }),
        ("property", |l| {
            l["runs"][0]["tool"]["driver"]["colour"] = "red".into()
        }),
        ("message", |l| {
            l["runs"][0]["results"][0]
                .as_object_mut()
                .unwrap()
                .remove("message");
        }),
    ];
    for (what, mutate) in mutations {
        let mut bad = log.clone();
        mutate(&mut bad);
        for (name, id) in &schemas.ids {
            assert!(
                schemas.schemas.validate(&bad, *id).is_err(),
                "{name} accepts a bad {what}"
            );
        }
    }
}

const LINT_SCHEMA: &str = r#"entity State {}
entity Region { littoral: set<State> = [] }
entity Instrument { title: string, entry_into_force: date? }
type Area = State | Region
fact turkey: State {}
fact russia: State {}
fact caspian_sea: Region { littoral: [russia] }
fact treaty: Instrument { title: "Example Treaty", entry_into_force: 2020-01-01 }
step exercise {
  participants: set<State>
  area: Area
  armed: bool = true
}
"#;

const LINT_RULES: &str = r#"rule caspian.impossible {
  severity error
  cite treaty "art. 1"
  on exercise as s
  when s.area == caspian_sea
  forbid s.area == turkey
  message "m"
  help "h"
}
rule must.be.armed {
  severity error
  cite treaty "art. 1"
  on exercise as s
  require s.armed
  message "m"
  help "h"
}
rule no.arms {
  severity error
  on exercise as s
  forbid s.armed
  message "armed <forces> & \"100%\", here"
}
"#;

/// The lint engine's own diagnostics, through `push_diagnostics`, in every format.
#[test]
fn real_lint_diagnostics_render_in_every_format() {
    let schema = SourceFile::new("lib/schema.policy", LINT_SCHEMA);
    let rules = SourceFile::new("lib/rules.policy", LINT_RULES);
    let engine = pactum::Engine::from_sources(vec![schema, rules]).unwrap_or_else(|e| {
        panic!(
            "{:?}",
            e.iter().map(|d| d.message.clone()).collect::<Vec<_>>()
        )
    });
    let report = pactum::lint::lint(&engine, &pactum::lint::LintOptions::default());
    let lints: BTreeSet<&str> = report
        .diagnostics
        .iter()
        .filter_map(|d| d.rule.as_deref())
        .collect();
    assert!(lints.len() >= 3, "{lints:?}");
    let files = [
        "lib/rules.policy".to_string(),
        "lib/schema.policy".to_string(),
    ];
    let mut f = Findings::new(Tool::Lint);
    for l in pactum::lint::LINTS {
        f.set_rule(RuleMeta::lint(l.name, l.default, l.summary, ""));
    }
    f.push_diagnostics("lib", &files, &report.diagnostics, false);

    let log = assert_valid_sarif(&sarif_schemas(), &formats::sarif(&f), "lint sarif");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), report.diagnostics.len());
    for (r, d) in results.iter().zip(&report.diagnostics) {
        assert_eq!(r["ruleId"].as_str(), d.rule.as_deref());
        assert_eq!(r["properties"]["code"], d.code.as_str());
    }
    for rule in log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
    {
        let info = pactum::lint::LINTS
            .iter()
            .find(|l| rule["id"] == l.name)
            .unwrap();
        assert_eq!(rule["shortDescription"]["text"], info.summary);
    }
    let xml = formats::junit(&f);
    let doc = parse_junit(&xml, "lint junit");
    let cases = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .count();
    assert_eq!(cases, 2);
    let gh = formats::github(&f);
    let annotations = assert_github(&gh, "lint github");
    assert_eq!(annotations.len(), report.diagnostics.len());
    for a in &annotations {
        assert!(a.1.iter().any(|(k, _)| k == "file"), "{a:?}");
    }
}
