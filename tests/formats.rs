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

use serde_json::Value;

mod common;

use common::{
    AS_OF, BAD_PROPOSALS, COMPLIANT, EXAMPLES, MALFORMED, VIOLATING, WARNINGS_ONLY, code, root,
    stdout,
};

/// The `partialFingerprints` key of pactum's SARIF results.
const FINGERPRINT_KEY: &str = "pactum/v1";
const FORMATS: [&str; 3] = ["sarif", "github", "junit"];

/// Runs `pactum check --as-of AS_OF --format FORMAT ARGS`: (exit code, stdout).
fn check(format: &str, args: &[&str]) -> (i32, String) {
    let mut all = vec!["check", "--as-of", AS_OF, "--format", format];
    all.extend_from_slice(args);
    let out = common::pactum(&all);
    (code(&out), stdout(&out))
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
        let fp = res["partialFingerprints"][FINGERPRINT_KEY]
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
    let out = common::pactum(&[
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
    assert_eq!(rel["artifactLocation"]["uriBaseId"], "PACTUM_STD");
    assert_eq!(rel["artifactLocation"]["uri"], "caspian.policy");
    assert_eq!(rel["region"]["startLine"], 11);
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
    let out = common::pactum_in(dir, &["check", "--as-of", AS_OF, "--format", "sarif", file]);
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    let fps = results
        .iter()
        .map(|r| r["partialFingerprints"][FINGERPRINT_KEY].to_string())
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
        .map(|r| r["partialFingerprints"][FINGERPRINT_KEY].to_string())
        .collect();
    assert_eq!(alone.len(), 3);
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
    assert_eq!(kinds, ["error", "warning", "warning", "error"]);
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
    let (_, props, _) = &annotations[3];
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
        let out = common::pactum(&["check", "--format", format, "--as-of", "someday", COMPLIANT]);
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

/// Two libraries for `pactum lint`: `lib` (real lints: a rule that never fires, two rules
/// in conflict, a rule without cite or help) and `broken` (a syntax error). Returns the
/// folder that holds them.
fn lint_libraries() -> PathBuf {
    let dir = tmp_dir("lint");
    std::fs::create_dir_all(dir.join("lib")).unwrap();
    std::fs::create_dir_all(dir.join("broken")).unwrap();
    std::fs::write(dir.join("lib/schema.policy"), LINT_SCHEMA).unwrap();
    std::fs::write(dir.join("lib/rules.policy"), LINT_RULES).unwrap();
    std::fs::write(dir.join("lib/facts.policy"), "fact iran: State {}\n").unwrap();
    std::fs::write(dir.join("broken/x.policy"), "step x {\n  y: bool\n").unwrap();
    dir
}

/// Runs `pactum lint --format FORMAT ARGS lib broken` in the folder of [`lint_libraries`].
fn lint(dir: &Path, format: &str, args: &[&str]) -> (i32, String) {
    let mut all = vec!["lint", "--format", format];
    all.extend_from_slice(args);
    all.extend(["lib", "broken"]);
    let out = common::pactum_in(dir, &all);
    (code(&out), stdout(&out))
}

/// `pactum lint` in the three CI formats: valid SARIF whose results are the JSON report's
/// findings (id, code), with the lint registry's descriptions; JUnit with one test case per
/// policy file; one GitHub annotation per finding; and the exit codes of `--format json`.
#[test]
fn lint_findings_render_in_every_format() {
    let dir = lint_libraries();
    let schemas = sarif_schemas();
    for deny in [&[][..], &["--deny", "warnings"][..]] {
        let (json_code, json) = lint(&dir, "json", deny);
        let json: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(json_code, 2, "a broken library is invalid input");
        let findings: Vec<&Value> = json["libraries"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|l| l["findings"].as_array().unwrap())
            .collect();
        let lints: BTreeSet<&str> = findings.iter().filter_map(|f| f["lint"].as_str()).collect();
        assert!(lints.len() >= 3, "{lints:?}");

        let (code, sarif) = lint(&dir, "sarif", deny);
        assert_eq!(code, json_code);
        let log = assert_valid_sarif(&schemas, &sarif, "lint sarif");
        let results = log["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), findings.len());
        for (r, f) in results.iter().zip(&findings) {
            let id = f["lint"].as_str().or(f["code"].as_str()).unwrap();
            assert_eq!(r["ruleId"], id);
            assert_eq!(r["properties"]["code"], f["code"]);
        }
        for rule in log["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
        {
            if let Some(info) = pactum::lint::LINTS.iter().find(|l| rule["id"] == l.name) {
                assert_eq!(rule["shortDescription"]["text"], info.summary);
                assert_eq!(rule["properties"]["tags"][1], "lint");
            } else {
                assert_eq!(rule["id"], "pactum::parse::policy_syntax");
            }
        }

        let (code, xml) = lint(&dir, "junit", deny);
        assert_eq!(code, json_code);
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
        let denied = !deny.is_empty();
        assert_eq!(
            suites[0].attribute("failures"),
            Some(if denied { "1" } else { "0" }),
            "warnings fail rules.policy only with --deny warnings"
        );
        assert_eq!(suites[1].attribute("errors"), Some("1"));

        let (code, gh) = lint(&dir, "github", deny);
        assert_eq!(code, json_code);
        let annotations = assert_github(&gh, "lint github");
        assert_eq!(annotations.len(), findings.len());
        for a in &annotations {
            assert!(a.1.iter().any(|(k, _)| k == "file"), "{a:?}");
        }
        assert_eq!(
            gh.lines().last(),
            Some(
                format!(
                    "linted 2 libraries: 1 error, {} warnings, 0 notes",
                    findings.len() - 1
                )
                .as_str()
            )
        );
        assert_eq!(lint(&dir, "sarif", deny).1, sarif, "deterministic");
    }
}

/// A rule message with XML and workflow-command metacharacters comes out intact in JUnit
/// (escaped as XML) and GitHub annotations (escaped as workflow data).
#[test]
fn messages_with_markup_are_escaped() {
    let dir = lint_libraries();
    std::fs::write(
        dir.join("p.proposal"),
        "proposal p {}\nstep s: exercise { participants: [turkey], area: turkey }\n",
    )
    .unwrap();
    let run = |format: &str| {
        let out = common::pactum_in(
            &dir,
            &[
                "check",
                "--as-of",
                AS_OF,
                "--format",
                format,
                "--policies",
                "lib",
                "p.proposal",
            ],
        );
        assert_eq!(code(&out), 1, "{format}");
        stdout(&out)
    };
    let wanted = "armed <forces> & \"100%\", here";
    let xml = run("junit");
    let doc = parse_junit(&xml, "junit");
    let failures: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .map(|n| n.attribute("message").unwrap())
        .collect();
    assert!(failures.contains(&wanted), "{failures:?}");
    let gh = run("github");
    let annotations = assert_github(&gh, "github");
    assert!(
        annotations
            .iter()
            .any(|a| unescape(&a.2).starts_with(wanted)),
        "{gh}"
    );
}
