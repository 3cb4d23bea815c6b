//! `pactum lsp` driven through JSON-RPC over stdio, as an editor does: a scripted session
//! over a library found through `pactum.toml`, and hostile input.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation panics"
)]

mod common;

use std::path::{Path, PathBuf};

use common::lsp::{Client, apply, position, position_of, uri, utf16};
use serde_json::{Value, json};

/// A workspace: `pactum.toml` naming `lib/` (a copy of the standard library) and
/// `proposals/`.
fn workspace(test: &str) -> PathBuf {
    let dir = common::scratch("lsp", test);
    std::fs::create_dir_all(dir.join("lib")).unwrap();
    std::fs::create_dir_all(dir.join("proposals")).unwrap();
    for e in std::fs::read_dir(common::root().join("policies")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "policy") {
            std::fs::copy(&p, dir.join("lib").join(p.file_name().unwrap())).unwrap();
        }
    }
    std::fs::write(dir.join("pactum.toml"), "policies = \"lib\"\n").unwrap();
    dir.canonicalize().unwrap()
}

/// A proposal whose violation is on a line with Arabic text and a character outside the
/// BMP (Old Turkic) before it: its columns differ in UTF-16, UTF-8 and characters.
const PROPOSAL: &str = "proposal shield {\n  title: \"درع قزوين\"\n  date: 2026-09-15\n}\n\
step ex1: exercise { note: \"تمرين 𐰃 İğdır\", participants: [turkey, azerbaijan, kazakhstan], area: caspian_sea, framework: ots }\n";

fn codes(diags: &[Value]) -> Vec<String> {
    diags
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

fn hover_text(c: &mut Client, uri: &str, pos: Value) -> String {
    let r = c.result(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": pos}),
    );
    r["contents"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn labels(r: &Value) -> Vec<String> {
    r.as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect()
}

fn complete(c: &mut Client, uri: &str, text: &str) -> Vec<String> {
    c.open(uri, "pactum-proposal", text);
    c.diagnostics(uri);
    let end = position(text, text.len());
    labels(&c.result(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri}, "position": end}),
    ))
}

#[test]
fn a_scripted_session() {
    let ws = workspace("session");
    let prop_path = ws.join("proposals/shield.proposal");
    std::fs::write(&prop_path, PROPOSAL).unwrap();
    let prop = uri(&prop_path);
    let mut c = Client::start(&[]);
    let init = c.initialize(json!({}));
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
    assert_eq!(init["serverInfo"]["name"], "pactum-lsp");

    // Diagnostics: the violation's range counts UTF-16 units on a line with Arabic text.
    c.open(&prop, "pactum-proposal", PROPOSAL);
    let diags = c.diagnostics(&prop);
    assert!(
        codes(&diags).contains(&"caspian.non_littoral_forces".to_string()),
        "{diags:?}"
    );
    let v = diags
        .iter()
        .find(|d| d["code"] == "caspian.non_littoral_forces")
        .unwrap();
    let line = PROPOSAL.lines().nth(4).unwrap();
    let col = utf16(&line[..line.find("turkey").unwrap()]);
    assert_eq!(v["range"]["start"], json!({"line": 4, "character": col}));
    assert_eq!(v["range"]["end"], json!({"line": 4, "character": col + 6}));
    assert_eq!(v["severity"], 1);
    assert!(v["message"].as_str().unwrap().contains("help: "));
    let related = &v["relatedInformation"][0]["location"];
    assert_eq!(related["uri"], uri(&ws.join("lib/caspian.policy")));
    assert!(
        v["codeDescription"]["href"]
            .as_str()
            .unwrap()
            .starts_with(&uri(&ws.join("lib/caspian.policy#L")))
    );

    // An incremental edit (turkey → russia, a littoral state) clears the violation; the
    // edit back brings it again.
    let start = position_of(PROPOSAL, "turkey", 0);
    let end = position_of(PROPOSAL, "turkey", 6);
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": prop, "version": 2},
               "contentChanges": [{"range": {"start": start, "end": end}, "text": "russia"}]}),
    );
    let diags = c.diagnostics(&prop);
    assert!(
        !codes(&diags).contains(&"caspian.non_littoral_forces".to_string()),
        "{diags:?}"
    );
    let end_russia = json!({"line": 4, "character": col + 6});
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": prop, "version": 3},
               "contentChanges": [{"range": {"start": start, "end": end_russia}, "text": "turkey"}]}),
    );
    let diags = c.diagnostics(&prop);
    assert!(codes(&diags).contains(&"caspian.non_littoral_forces".to_string()));

    // Hover: an entity (its facts as of today), a step kind, an attribute, a rule (in its
    // policy file), a lint in `allow`.
    let h = hover_text(&mut c, &prop, position_of(PROPOSAL, "turkey", 2));
    assert!(h.contains("entity `turkey`") && h.contains("as of"), "{h}");
    let h = hover_text(&mut c, &prop, position_of(PROPOSAL, "exercise", 1));
    assert!(
        h.contains("step kind `exercise`") && h.contains("participants"),
        "{h}"
    );
    let h = hover_text(&mut c, &prop, position_of(PROPOSAL, "area:", 1));
    assert!(
        h.contains("`exercise.area`: `State | Region` (required)"),
        "{h}"
    );
    let caspian_path = ws.join("lib/caspian.policy");
    let caspian = std::fs::read_to_string(&caspian_path).unwrap();
    let caspian_uri = uri(&caspian_path);
    c.open(&caspian_uri, "pactum-policy", &caspian);
    let policy_diags = c.diagnostics(&caspian_uri);
    assert!(policy_diags.is_empty(), "{policy_diags:?}");
    let h = hover_text(
        &mut c,
        &caspian_uri,
        position_of(&caspian, "caspian.non_littoral_forces", 3),
    );
    assert!(
        h.contains("rule `caspian.non_littoral_forces`") && h.contains("cite:"),
        "{h}"
    );
    let transit_path = ws.join("lib/transit.policy");
    let transit = std::fs::read_to_string(&transit_path).unwrap();
    let transit_uri = uri(&transit_path);
    c.open(&transit_uri, "pactum-policy", &transit);
    c.diagnostics(&transit_uri);
    let h = hover_text(
        &mut c,
        &transit_uri,
        position_of(&transit, "allow rule-always-fires", 8),
    );
    assert!(h.contains("lint `rule-always-fires`"), "{h}");

    // A rule id in a library test's `// expect:` comment.
    let test_path = ws.join("lib/tests/caspian.proposal");
    let test_text =
        std::fs::read_to_string(common::root().join("policies/tests/caspian.proposal")).unwrap();
    let test_uri = uri(&test_path);
    c.open(&test_uri, "pactum-proposal", &test_text);
    c.diagnostics(&test_uri);
    let at = position_of(&test_text, "expect: caspian.non_littoral_forces", 12);
    let h = hover_text(&mut c, &test_uri, at.clone());
    assert!(h.contains("rule `caspian.non_littoral_forces`"), "{h}");
    let def = c.result(
        "textDocument/definition",
        json!({"textDocument": {"uri": test_uri}, "position": at}),
    );
    assert_eq!(def["uri"], caspian_uri);

    // Completion: step kinds, the attributes not yet given, entity ids of the type.
    let comp = uri(&ws.join("proposals/new.proposal"));
    let kinds = complete(&mut c, &comp, "proposal n {}\nstep s1: ");
    assert!(
        kinds.contains(&"exercise".to_string()) && kinds.contains(&"transit_flight".to_string())
    );
    let attrs = complete(
        &mut c,
        &comp,
        "proposal n {}\nstep s1: exercise {\n  area: caspian_sea\n  ",
    );
    assert!(
        attrs.contains(&"participants".to_string()) && !attrs.contains(&"area".to_string()),
        "{attrs:?}"
    );
    let ids = complete(
        &mut c,
        &comp,
        "proposal n {}\nstep s1: exercise {\n  participants: [turkey, ",
    );
    assert!(
        ids.contains(&"kazakhstan".to_string()) && !ids.contains(&"caspian_sea".to_string()),
        "{ids:?}"
    );
    let values = complete(
        &mut c,
        &comp,
        "proposal n {}\nstep s1: exercise {\n  command: ",
    );
    assert_eq!(values, ["national", "unified"]);

    // Definition: from the proposal into the library's files.
    let def = c.result(
        "textDocument/definition",
        json!({"textDocument": {"uri": prop}, "position": position_of(PROPOSAL, "caspian_sea", 2)}),
    );
    assert_eq!(def["uri"], uri(&ws.join("lib/world.policy")));
    let world = std::fs::read_to_string(ws.join("lib/world.policy")).unwrap();
    assert_eq!(
        def["range"]["start"],
        position_of(&world, "fact caspian_sea", 5)
    );
    let def = c.result(
        "textDocument/definition",
        json!({"textDocument": {"uri": prop}, "position": position_of(PROPOSAL, "area:", 0)}),
    );
    let schema = std::fs::read_to_string(ws.join("lib/schema.policy")).unwrap();
    assert_eq!(def["uri"], uri(&ws.join("lib/schema.policy")));
    let exercise_at = schema.find("step exercise").unwrap();
    let area_at = exercise_at + schema[exercise_at..].find("area").unwrap();
    assert_eq!(def["range"]["start"], position(&schema, area_at));

    // References: every file that names the fact, and the proposal.
    let refs = c.result(
        "textDocument/references",
        json!({"textDocument": {"uri": prop}, "position": position_of(PROPOSAL, "caspian_sea", 0),
               "context": {"includeDeclaration": true}}),
    );
    let files: std::collections::BTreeSet<String> = refs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["uri"].as_str().unwrap().to_string())
        .collect();
    assert!(files.contains(&uri(&ws.join("lib/world.policy"))));
    assert!(files.contains(&caspian_uri));
    assert!(files.contains(&prop));

    // Rename: a fact across the library's files and the open proposal; a rule is refused.
    let at = json!({"textDocument": {"uri": caspian_uri}, "position": position_of(&caspian, "caspian_sea", 3)});
    let prep = c.result("textDocument/prepareRename", at.clone());
    assert_eq!(prep["start"], position_of(&caspian, "caspian_sea", 0));
    let mut params = at.clone();
    params["newName"] = json!("caspian");
    let edit = c.result("textDocument/rename", params);
    let changes = edit["changes"].as_object().unwrap();
    assert!(changes.contains_key(&uri(&ws.join("lib/world.policy"))));
    assert!(changes.contains_key(&prop));
    let renamed = apply(&caspian, changes[&caspian_uri].as_array().unwrap());
    assert!(
        !renamed.contains("caspian_sea") && renamed.contains("caspian.littoral"),
        "{renamed}"
    );
    // A new name that a binder would capture (`as s`), or a keyword, is refused.
    for (name, why) in [("s", "already used"), ("rule", "keyword")] {
        let mut params = at.clone();
        params["newName"] = json!(name);
        let r = c.request("textDocument/rename", params);
        assert!(
            r["error"]["message"].as_str().unwrap().contains(why),
            "{name}: {r}"
        );
    }
    let refused = c.request(
        "textDocument/prepareRename",
        json!({"textDocument": {"uri": caspian_uri}, "position": position_of(&caspian, "caspian.non_littoral_forces", 2)}),
    );
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("only definitions and facts"),
        "{refused}"
    );

    // Code actions: the violation's repairs, the best one preferred; applying it makes the
    // proposal compliant (no error left).
    let actions = c.result(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": prop}, "range": v["range"], "context": {"diagnostics": [v]}}),
    );
    let actions = actions.as_array().unwrap();
    let best = actions
        .iter()
        .find(|a| {
            a["isPreferred"] == true
                && a["title"]
                    .as_str()
                    .unwrap()
                    .starts_with("caspian.non_littoral_forces")
        })
        .unwrap_or_else(|| panic!("a preferred repair: {actions:?}"));
    let fixed = apply(PROPOSAL, best["edit"]["changes"][&prop].as_array().unwrap());
    // Diagnostics published before (when the policy files were opened) are not the news.
    c.forget();
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": prop, "version": 4}, "contentChanges": [{"text": fixed}]}),
    );
    let diags = c.diagnostics(&prop);
    assert!(diags.iter().all(|d| d["severity"] != 1), "{diags:?}");

    // Document symbols: the header and the step.
    let symbols = c.result(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": prop}}),
    );
    let names: Vec<&str> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["shield", "ex1"]);
    let symbols = c.result(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": caspian_uri}}),
    );
    assert!(
        symbols
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["name"] == "caspian.non_littoral_forces")
    );

    // A policy document with a type error: the error in that file, and the proposals of
    // the library say that it does not compile.
    c.forget();
    let bad = caspian.replace("when s.area == caspian_sea", "when s.area == 3");
    assert_ne!(bad, caspian);
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": caspian_uri, "version": 2}, "contentChanges": [{"text": bad}]}),
    );
    let diags = c.diagnostics(&caspian_uri);
    assert!(
        codes(&diags)
            .iter()
            .any(|c| c.starts_with("pactum::type::")),
        "{diags:?}"
    );
    let diags = c.diagnostics(&prop);
    assert!(
        diags[0]["message"]
            .as_str()
            .unwrap()
            .contains("does not compile"),
        "{diags:?}"
    );

    let (code, stderr) = c.shutdown();
    assert_eq!(code, 0);
    assert!(stderr.starts_with("pactum-lsp 0.1.0"), "{stderr}");
}

#[test]
fn utf8_positions_when_the_client_offers_them() {
    let ws = workspace("utf8");
    let path = ws.join("proposals/shield.proposal");
    let mut c = Client::start(&[]);
    let init = c.initialize(json!({"general": {"positionEncodings": ["utf-8", "utf-16"]}}));
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-8");
    c.open(&uri(&path), "pactum-proposal", PROPOSAL);
    let diags = c.diagnostics(&uri(&path));
    let v = diags
        .iter()
        .find(|d| d["code"] == "caspian.non_littoral_forces")
        .unwrap();
    let line = PROPOSAL.lines().nth(4).unwrap();
    assert_eq!(
        v["range"]["start"]["character"],
        line.find("turkey").unwrap()
    );
    assert_eq!(c.shutdown().0, 0);
}

#[test]
fn json_proposals_and_did_you_mean() {
    let path = Path::new("/nonexistent-pactum-lsp/p.json");
    let text = r#"{"id": "p", "date": "2026-09-15", "steps": [{"id": "a", "kind": "exercize", "participants": ["turkey"], "area": "caspian_sea"}]}"#;
    let mut c = Client::start(&[]);
    c.initialize(json!({}));
    let u = uri(path);
    c.open(&u, "json", text);
    let diags = c.diagnostics(&u);
    assert_eq!(codes(&diags), ["pactum::proposal::unknown_kind"]);
    let d = &diags[0];
    // The span of a JSON string holds its quotes.
    assert_eq!(d["range"]["start"], position_of(text, "\"exercize", 0));
    assert!(
        d["codeDescription"]["href"]
            .as_str()
            .unwrap()
            .ends_with("diagnostics.md#pactumproposalunknown_kind")
    );
    let actions = c.result(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": u}, "range": d["range"], "context": {"diagnostics": [d]}}),
    );
    let a = &actions[0];
    assert_eq!(a["title"], "replace with `exercise`");
    let fixed = apply(text, a["edit"]["changes"][&u].as_array().unwrap());
    assert!(fixed.contains(r#""kind": "exercise""#), "{fixed}");
    // Completion in JSON: the kinds in `"kind": "`, entity ids in a list.
    let comp = r#"{"id": "p", "steps": [{"id": "a", "kind": "exercise", "participants": ["tur"#;
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": u, "version": 2}, "contentChanges": [{"text": comp}]}),
    );
    c.diagnostics(&u);
    let r = c.result(
        "textDocument/completion",
        json!({"textDocument": {"uri": u}, "position": position(comp, comp.len())}),
    );
    assert!(labels(&r).contains(&"turkey".to_string()));
    // Hover on a misspelt kind explains the diagnostic's code.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": u, "version": 3}, "contentChanges": [{"text": text}]}),
    );
    c.diagnostics(&u);
    let h = hover_text(&mut c, &u, position_of(text, "exercize", 2));
    assert!(h.starts_with("**`pactum::proposal::unknown_kind`**"), "{h}");
    assert_eq!(c.shutdown().0, 0);
}

#[test]
fn hostile_input_never_stops_the_server() {
    let mut c = Client::start(&[("PACTUM_LSP_PANIC", "textDocument/hover")]);
    // Before `initialize`: refused, not a crash.
    let r = c.request("textDocument/hover", json!({}));
    assert_eq!(r["error"]["code"], -32002);
    c.initialize(json!({}));
    // Not JSON, not JSON-RPC, a frame without a length: a parse error each, and on.
    c.send_raw(b"Content-Length: 9\r\n\r\nnot json!");
    assert_eq!(c.recv()["error"]["code"], -32700);
    c.send_raw(b"Content-Length: 2\r\n\r\n[]");
    assert_eq!(c.recv()["error"]["code"], -32600);
    c.send_raw(b"Content-Length: 2\r\n\r\n42");
    assert_eq!(c.recv()["error"]["code"], -32600);
    c.send_raw(b"Content-Type: x\r\n\r\n");
    assert_eq!(c.recv()["error"]["code"], -32700);
    // A Content-Length too short, then one too long (it swallows the start of the next
    // frame): each costs its frame, and the requests after them are answered.
    let body = br#"{"jsonrpc":"2.0","id":900,"method":"pactum/x"}"#;
    let mut short = format!("Content-Length: {}\r\n\r\n", body.len() - 5).into_bytes();
    short.extend_from_slice(body);
    c.send_raw(&short);
    assert_eq!(c.recv()["error"]["code"], -32700);
    assert_eq!(
        c.request("pactum/custom", json!({}))["error"]["code"],
        -32601
    );
    let mut long = format!("Content-Length: {}\r\n\r\n", body.len() + 30).into_bytes();
    long.extend_from_slice(body);
    long.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    long.extend_from_slice(body);
    c.send_raw(&long);
    assert_eq!(c.recv()["error"]["code"], -32700);
    assert_eq!(
        c.request("pactum/custom", json!({}))["error"]["code"],
        -32601
    );
    // Unknown methods, wrong params.
    assert_eq!(
        c.request("pactum/custom", json!({}))["error"]["code"],
        -32601
    );
    assert_eq!(
        c.request("textDocument/definition", json!({"x": 1}))["error"]["code"],
        -32602
    );
    c.notify("textDocument/didOpen", json!({"textDocument": 3}));
    // A panicking handler is answered with an error, and the server goes on.
    let u = "file:///nonexistent-pactum-lsp/a.proposal";
    let text = "proposal p {}\nstep s: training { parties: [turkey], host: turkey }\n";
    c.open(u, "pactum-proposal", text);
    c.diagnostics(u);
    let r = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": u}, "position": {"line": 1, "character": 9}}),
    );
    assert_eq!(r["error"]["code"], -32603, "{r}");
    // Out-of-range positions and ranges.
    for pos in [
        json!({"line": 99999, "character": 0}),
        json!({"line": 1, "character": 4000000000u32}),
    ] {
        for m in [
            "textDocument/definition",
            "textDocument/completion",
            "textDocument/references",
            "textDocument/prepareRename",
        ] {
            let mut params = json!({"textDocument": {"uri": u}, "position": pos});
            if m == "textDocument/references" {
                params["context"] = json!({"includeDeclaration": true});
            }
            let r = c.request(m, params);
            assert!(
                r.get("result").is_some() || r["error"]["code"] == -32600,
                "{m}: {r}"
            );
        }
    }
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": u, "version": 2},
               "contentChanges": [{"range": {"start": {"line": 500, "character": 9}, "end": {"line": 0, "character": 2}}, "text": "𐰃"}]}),
    );
    c.diagnostics(u);
    // Requests on documents never opened.
    let r = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": "file:///nope.policy"}}),
    );
    assert_eq!(r["result"], Value::Null);
    // A huge document, on one line of 7 MB with characters outside the BMP: its
    // diagnostic at the far end, and a definition from there.
    let steps: String = (0..100_000)
        .map(|i| {
            format!("step s{i}: training {{ note: \"𐰃 قزوين\", parties: [turkey], host: turkey }} ")
        })
        .collect();
    let huge = format!(
        "proposal p {{}} {steps}step last: training {{ note: \"𐰃\", parties: [turkey], host: turkye }}"
    );
    let h = "file:///nonexistent-pactum-lsp/huge.proposal";
    c.open(h, "pactum-proposal", &huge);
    let diags = c.diagnostics(h);
    assert_eq!(codes(&diags), ["pactum::proposal::unknown_entity"]);
    assert_eq!(diags[0]["range"]["start"], position_of(&huge, "turkye", 0));
    let def = c.result(
        "textDocument/definition",
        json!({"textDocument": {"uri": h}, "position": position_of(&huge, "parties: [turkey], host: turkye", 12)}),
    );
    assert!(
        def["uri"].as_str().unwrap().ends_with("/std/world.policy"),
        "{def}"
    );
    let (code, stderr) = c.shutdown();
    assert_eq!(code, 0);
    assert!(
        stderr.contains("internal error while handling `textDocument/hover`"),
        "{stderr}"
    );
}

#[test]
fn a_policy_file_changed_on_disk_rebuilds_its_library() {
    let ws = workspace("watched");
    let prop_path = ws.join("proposals/shield.proposal");
    let prop = uri(&prop_path);
    let mut c = Client::start(&[]);
    c.initialize(json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}}));
    c.open(&prop, "pactum-proposal", PROPOSAL);
    assert!(codes(&c.diagnostics(&prop)).contains(&"caspian.non_littoral_forces".to_string()));
    // The server asked to be told of policy files changed on disk.
    let asked = c.notifications.iter().any(|m| {
        m["method"] == "client/registerCapability"
            && m["params"]["registrations"][0]["method"] == "workspace/didChangeWatchedFiles"
    });
    assert!(asked, "{:?}", c.notifications);
    // Littoral states now include Türkiye: no Caspian violation.
    let world = ws.join("lib/world.policy");
    let text = std::fs::read_to_string(&world).unwrap();
    let changed = text.replacen("littoral: [", "littoral: [turkey, ", 1);
    assert_ne!(changed, text);
    std::fs::write(&world, changed).unwrap();
    c.forget();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&world), "type": 2}]}),
    );
    let diags = c.diagnostics(&prop);
    assert!(
        !codes(&diags).contains(&"caspian.non_littoral_forces".to_string()),
        "{diags:?}"
    );
    assert_eq!(c.shutdown().0, 0);
}

#[test]
fn a_misspelt_name_in_a_policy_has_a_quick_fix() {
    let dir = common::scratch("lsp", "policy-typo")
        .canonicalize()
        .unwrap();
    let path = dir.join("mine.policy");
    let text = "entity State { name: string = \"x\" }\nfact alpha: State {}\nstep visit { by: State }\n\
                rule r.one {\n  severity error\n  cite alpha \"art. 1\"\n  on visit as s\n  forbid s.by == alpah\n  message \"m\"\n  help \"h\"\n}\n";
    std::fs::write(&path, text).unwrap();
    let u = uri(&path);
    let mut c = Client::start(&[]);
    c.initialize(json!({}));
    c.open(&u, "pactum-policy", text);
    let diags = c.diagnostics(&u);
    let d = diags
        .iter()
        .find(|d| d["code"] == "pactum::resolve::unknown_name")
        .unwrap_or_else(|| panic!("{diags:?}"));
    assert_eq!(d["range"]["start"], position_of(text, "alpah", 0));
    let actions = c.result(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": u}, "range": d["range"], "context": {"diagnostics": [d]}}),
    );
    let fixed = apply(text, actions[0]["edit"]["changes"][&u].as_array().unwrap());
    assert!(fixed.contains("forbid s.by == alpha\n"), "{fixed}");
    // Misspelt types, severities, instruments and functions too.
    let good = "entity State { name: string = \"x\" }\nfact alpha: State {}\nstep visit { by: State }\n\
                def same(s) = s.by == alpha\n\
                rule r.one {\n  severity error\n  cite alpha \"art. 1\"\n  on visit as s\n  forbid same(s)\n  message \"m\"\n  help \"h\"\n}\n";
    for (version, (right, wrong)) in [
        ("by: State }", "by: Stae }"),
        ("severity error", "severity eror"),
        ("cite alpha", "cite alpah"),
        ("forbid same(s)", "forbid sme(s)"),
    ]
    .into_iter()
    .enumerate()
    {
        let typo = good.replacen(right, wrong, 1);
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": u, "version": 10 + version}, "contentChanges": [{"text": typo}]}),
        );
        let diags = c.diagnostics(&u);
        let d = diags
            .iter()
            .find(|d| d["message"].as_str().unwrap_or("").starts_with("unknown"))
            .unwrap_or_else(|| panic!("{wrong}: {diags:?}"));
        let actions = c.result(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": u}, "range": d["range"], "context": {"diagnostics": [d]}}),
        );
        let edits = actions[0]["edit"]["changes"][&u]
            .as_array()
            .unwrap_or_else(|| panic!("{wrong}: no quick fix: {actions}"));
        assert_eq!(apply(&typo, edits), good, "{wrong}");
    }
    // Typing `s.` in the rule (the file no longer parses): the attributes of its kind, from
    // the last version that parsed; `alpha.` a fact's.
    for (typed, expect) in [("forbid s.", "by"), ("forbid alpha.", "name")] {
        let half = format!("{}{typed}", &text[..text.find("forbid").unwrap()]);
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": u, "version": 2}, "contentChanges": [{"text": half}]}),
        );
        c.diagnostics(&u);
        let r = c.result(
            "textDocument/completion",
            json!({"textDocument": {"uri": u}, "position": position(&half, half.len())}),
        );
        assert!(labels(&r).contains(&expect.to_string()), "{typed}: {r}");
    }
    assert_eq!(c.shutdown().0, 0);
}

#[test]
fn policies_flag_names_the_library_of_every_document() {
    let dir = common::scratch("lsp", "policies-flag")
        .canonicalize()
        .unwrap();
    std::fs::write(
        dir.join("mine.policy"),
        "entity State {}\nfact alpha: State {}\nstep visit { by: State }\n",
    )
    .unwrap();
    let mut c = Client::start_with(&["--policies", dir.to_str().unwrap()], &[]);
    c.initialize(json!({}));
    // Far from that folder, and in a folder of the standard library: checked against it.
    let u = uri(&common::root().join("policies/examples/new.proposal"));
    let text = "proposal p {}\nstep s: visit { by: alpha }\nstep t: exercise { by: alpha }\n";
    c.open(&u, "pactum-proposal", text);
    let diags = c.diagnostics(&u);
    assert_eq!(
        codes(&diags),
        ["pactum::proposal::unknown_kind"],
        "{diags:?}"
    );
    assert_eq!(diags[0]["range"]["start"], position_of(text, "exercise", 0));
    assert_eq!(c.shutdown().0, 0);
}

#[test]
fn formatting_is_pactum_fmt() {
    let mut c = Client::start(&[]);
    let init = c.initialize(json!({}));
    assert_eq!(init["capabilities"]["documentFormattingProvider"], true);
    let fmt = |c: &mut Client, u: &str| {
        c.request(
            "textDocument/formatting",
            json!({"textDocument": {"uri": u}, "options": {"tabSize": 2, "insertSpaces": true}}),
        )
    };
    // A proposal: the edits give what `pactum fmt` gives; once formatted, no edits.
    let u = "file:///nonexistent-pactum-lsp/f.proposal";
    let text = "// drafted in a hurry\nproposal   f { title: \"قزوين 𐰃\"   }\nstep s1:   training {parties:[turkey,azerbaijan],host:turkey} // trailing\n\n\n\nstep s2: training { parties: [turkey], host: turkey }\n";
    c.open(u, "pactum-proposal", text);
    c.diagnostics(u);
    let r = fmt(&mut c, u);
    let formatted = apply(text, r["result"].as_array().unwrap());
    assert_eq!(formatted, pactum::fmt::format_proposal(text).unwrap());
    assert_ne!(formatted, text);
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": u, "version": 2}, "contentChanges": [{"text": formatted}]}),
    );
    c.diagnostics(u);
    assert_eq!(fmt(&mut c, u)["result"], json!([]));
    // A policy too.
    let p = "file:///nonexistent-pactum-lsp/lib/a.policy";
    let policy = "entity State {}\nfact   a: State {}\nstep visit {by: State}\n";
    c.open(p, "pactum", policy);
    c.diagnostics(p);
    let r = fmt(&mut c, p);
    assert_eq!(
        apply(policy, r["result"].as_array().unwrap()),
        pactum::fmt::format_policy(policy).unwrap()
    );
    // A long document (past the line diff's bound): one edit of the whole text.
    let long_u = "file:///nonexistent-pactum-lsp/long.proposal";
    let mut long = String::from("proposal long {}\n");
    for i in 0..2000 {
        long.push_str(&format!(
            "step s{i}:   training {{parties:[turkey],host:turkey}}\n"
        ));
    }
    c.open(long_u, "pactum-proposal", &long);
    c.diagnostics(long_u);
    let r = fmt(&mut c, long_u);
    let edits = r["result"].as_array().unwrap();
    assert_eq!(edits.len(), 1);
    assert_eq!(
        apply(&long, edits),
        pactum::fmt::format_proposal(&long).unwrap()
    );
    // A document that does not parse is not formatted: an error says why.
    let bad = "file:///nonexistent-pactum-lsp/bad.proposal";
    c.open(bad, "pactum-proposal", "proposal b {\nstep");
    c.diagnostics(bad);
    let r = fmt(&mut c, bad);
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("does not parse"),
        "{r}"
    );
    assert_eq!(c.shutdown().0, 0);
}

/// The diagnostics of `uri` published for `version` (those of older versions skipped).
fn diagnostics_of_version(c: &mut Client, uri: &str, version: i64) -> Vec<Value> {
    loop {
        let m = loop {
            let m = c.recv();
            if m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri {
                break m;
            }
            c.notifications.push(m);
        };
        if m["params"]["version"] == version {
            return m["params"]["diagnostics"].as_array().cloned().unwrap();
        }
    }
}

/// A change replacing the text between two byte offsets.
fn edit(text: &str, from: usize, to: usize, new: &str) -> Value {
    json!({"range": {"start": position(text, from), "end": position(text, to)}, "text": new})
}

#[test]
fn a_pathological_policy_buffer_keeps_the_server_answering() {
    let ws = workspace("pathological");
    // Hundreds of copies of one rule: the pairwise lints would compare every pair.
    let caspian = std::fs::read_to_string(ws.join("lib/caspian.policy")).unwrap();
    let start = caspian.find("rule caspian.non_littoral_forces").unwrap();
    let end = start + caspian[start..].find("\n}\n").unwrap() + 3;
    let rule = &caspian[start..end];
    let many: String = (0..400)
        .map(|i| rule.replace("caspian.non_littoral_forces", &format!("copy.r{i}")) + "\n")
        .collect();
    let path = ws.join("lib/many.policy");
    std::fs::write(&path, &many).unwrap();
    let u = uri(&path);
    let prop_path = ws.join("proposals/shield.proposal");
    std::fs::write(&prop_path, PROPOSAL).unwrap();
    let prop = uri(&prop_path);
    let mut c = Client::start(&[]);
    c.initialize(json!({}));
    c.open(&u, "pactum", &many);
    c.open(&prop, "pactum-proposal", PROPOSAL);
    // Typing: ten keystrokes sent at once, each a new version, and a hover among them:
    // answered from the build there is, without waiting for the next.
    let mut text = many.clone();
    let at = text.find("copy.r7 {").unwrap() + "copy.r7".len();
    for (i, ch) in "x_typed_z".chars().chain(['y']).enumerate() {
        let at = at + i;
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": u, "version": i + 2},
                   "contentChanges": [edit(&text, at, at, &ch.to_string())]}),
        );
        text.insert(at, ch);
    }
    let h = hover_text(&mut c, &prop, position_of(PROPOSAL, "turkey", 1));
    assert!(h.contains("entity `turkey`"), "{h}");
    // The newest version is published (the library built once from it), the lint cut
    // short at its budget and saying so, as information.
    let diags = diagnostics_of_version(&mut c, &u, 11);
    let mut diags = diags;
    while !codes(&diags).contains(&"pactum::limit::lint".to_string()) {
        diags = diagnostics_of_version(&mut c, &u, 11);
    }
    let note = diags
        .iter()
        .find(|d| d["code"] == "pactum::limit::lint")
        .unwrap();
    assert_eq!(note["severity"], 3, "{note}");
    assert!(
        note["message"]
            .as_str()
            .unwrap()
            .contains("some findings may be missing"),
        "{note}"
    );
    // The rule being typed is renamed in the library: hover on its new id.
    let h = hover_text(&mut c, &u, position_of(&text, "copy.r7x_typed_zy", 3));
    assert!(h.contains("rule `copy.r7x_typed_zy`"), "{h}");
    let (code, _) = c.shutdown();
    assert_eq!(code, 0);
}

#[test]
fn a_buffer_over_the_size_limit_is_not_compiled() {
    let ws = workspace("over-limit");
    let path = ws.join("lib/big.policy");
    let big = format!("// {}\n", "x".repeat(300_000));
    let u = uri(&path);
    let prop_path = ws.join("proposals/shield.proposal");
    std::fs::write(&prop_path, PROPOSAL).unwrap();
    let prop = uri(&prop_path);
    let mut c = Client::start(&[("PACTUM_LSP_MAX_INPUT_BYTES", "200000")]);
    c.initialize(json!({}));
    c.open(&prop, "pactum-proposal", PROPOSAL);
    assert!(codes(&c.diagnostics(&prop)).contains(&"caspian.non_littoral_forces".to_string()));
    c.open(&u, "pactum", &big);
    let diags = c.diagnostics(&u);
    assert_eq!(codes(&diags), ["pactum::limit::size"], "{diags:?}");
    let message = diags[0]["message"].as_str().unwrap();
    assert!(
        message.contains("300004 bytes, more than the limit of 200000"),
        "{message}"
    );
    assert_eq!(
        diags[0]["range"]["start"],
        json!({"line": 0, "character": 0})
    );
    // Its library does not compile: the proposal says so.
    let diags = c.diagnostics(&prop);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert!(
        diags[0]["message"]
            .as_str()
            .unwrap()
            .contains("does not compile"),
        "{diags:?}"
    );
    // Cut down under the limit, it is checked again.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": u, "version": 2}, "contentChanges": [{"text": "// small\n"}]}),
    );
    assert_eq!(diagnostics_of_version(&mut c, &u, 2), Vec::<Value>::new());
    assert!(codes(&c.diagnostics(&prop)).contains(&"caspian.non_littoral_forces".to_string()));
    let (code, _) = c.shutdown();
    assert_eq!(code, 0);
}

#[test]
fn hover_and_completion_keep_the_last_version_that_parsed() {
    let ws = workspace("broken-edits");
    let path = ws.join("lib/caspian.policy");
    let good = std::fs::read_to_string(&path).unwrap();
    let u = uri(&path);
    let mut c = Client::start(&[]);
    c.initialize(json!({}));
    c.open(&u, "pactum", &good);
    c.diagnostics(&u);
    let when = "when s.area == caspian_sea && armed(s) && since(caspian_convention_2018, s)";
    let eol = good.find(when).unwrap() + when.len();
    let later = good.find("rule caspian.before_convention").unwrap();
    // Each broken edit (applied to the good text), and where it is.
    let broken: Vec<(&str, usize, usize, &str)> = vec![
        ("a trailing `&&`", eol, eol, " &&"),
        ("an unclosed `(`", eol, eol, " && (s.armed"),
        ("an unterminated string", eol, eol, "\n  message \"armed"),
        (
            "a deleted `}`",
            end_of_rule(&good),
            end_of_rule(&good) + 1,
            "",
        ),
        ("a word at the top", 0, 0, "rule rule rule\n"),
    ];
    let mut version = 1;
    let mut text = good.clone();
    for (what, from, to, new) in broken {
        // Back to the good text, then the broken edit.
        version += 1;
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": u, "version": version}, "contentChanges": [{"text": good}]}),
        );
        diagnostics_of_version(&mut c, &u, version);
        version += 1;
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": u, "version": version},
                   "contentChanges": [edit(&good, from, to, new)]}),
        );
        text = format!("{}{new}{}", &good[..from], &good[to..]);
        let diags = diagnostics_of_version(&mut c, &u, version);
        assert!(
            codes(&diags).iter().any(|c| c.starts_with("pactum::parse")),
            "{what}: {diags:?}"
        );
        // Hover before the edit, after it, on a rule id and on an attribute.
        let pos_in = |needle: &str, base: usize, delta: usize| {
            let at = good[base..].find(needle).unwrap() + base;
            let at = if at >= to {
                at + new.len() - (to - from)
            } else {
                at
            };
            position(&text, at + delta)
        };
        let h = hover_text(&mut c, &u, pos_in("caspian_sea &&", 0, 3));
        assert!(h.contains("`caspian_sea`"), "{what}: {h}");
        let h = hover_text(&mut c, &u, pos_in("caspian_sea.littoral", later, 3));
        assert!(h.contains("`caspian_sea`"), "{what}: {h}");
        let h = hover_text(&mut c, &u, pos_in("caspian.before_convention", 0, 9));
        assert!(h.contains("caspian.before_convention"), "{what}: {h}");
        let h = hover_text(&mut c, &u, pos_in("s.area", 0, 3));
        assert!(h.contains("`exercise.area`"), "{what}: {h}");
        // Completion: after `s.` in a rule, and in an `on` clause.
        version += 1;
        let at = text.find(when).map_or(0, |i| i) + 5;
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": u, "version": version},
                   "contentChanges": [edit(&text, at, at, "s.")]}),
        );
        text.insert_str(at, "s.");
        let items = labels(&c.result(
            "textDocument/completion",
            json!({"textDocument": {"uri": u}, "position": position(&text, at + 2)}),
        ));
        assert!(
            items.contains(&"participants".to_string()) && items.contains(&"area".to_string()),
            "{what}: {items:?}"
        );
        let on = text.find("on exercise, deployment").unwrap() + 3;
        let items = labels(&c.result(
            "textDocument/completion",
            json!({"textDocument": {"uri": u}, "position": position(&text, on)}),
        ));
        assert!(
            items.contains(&"transit_flight".to_string()),
            "{what}: {items:?}"
        );
    }
    let _ = text;
    // A proposal that no longer parses: hover from its last version that did.
    let prop_path = ws.join("proposals/shield.proposal");
    let prop = uri(&prop_path);
    c.open(&prop, "pactum-proposal", PROPOSAL);
    c.diagnostics(&prop);
    let at = PROPOSAL.find("area:").unwrap();
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": prop, "version": 2},
               "contentChanges": [edit(PROPOSAL, at, at, "participants: [turkey, ")]}),
    );
    let broken = format!(
        "{}participants: [turkey, {}",
        &PROPOSAL[..at],
        &PROPOSAL[at..]
    );
    let diags = c.diagnostics(&prop);
    assert!(
        codes(&diags).iter().any(|c| c.starts_with("pactum::parse")),
        "{diags:?}"
    );
    let h = hover_text(&mut c, &prop, position_of(&broken, "caspian_sea", 2));
    assert!(h.contains("entity `caspian_sea`"), "{h}");
    let h = hover_text(&mut c, &prop, position_of(&broken, "kazakhstan", 2));
    assert!(h.contains("entity `kazakhstan`"), "{h}");
    let (code, _) = c.shutdown();
    assert_eq!(code, 0);
}

/// The offset of the `}` that closes the first rule of caspian.policy.
fn end_of_rule(text: &str) -> usize {
    let start = text.find("rule caspian.non_littoral_forces").unwrap();
    start + text[start..].find("\n}\n").unwrap() + 1
}

#[test]
fn reserved_keys_header_symbols_and_list_completion() {
    let ws = workspace("reserved");
    let path = ws.join("proposals/shield.proposal");
    std::fs::write(&path, PROPOSAL).unwrap();
    let prop = uri(&path);
    let mut c = Client::start(&[]);
    c.initialize(json!({}));
    c.open(&prop, "pactum-proposal", PROPOSAL);
    c.diagnostics(&prop);
    // Hover on the keys every proposal has.
    for (needle, expected) in [
        ("note:", "**`note`** (step key)"),
        ("title:", "**`title`** (proposal key)"),
        ("date:", "**`date`** (proposal key)"),
    ] {
        let h = hover_text(&mut c, &prop, position_of(PROPOSAL, needle, 1));
        assert!(h.starts_with(expected), "{needle} {h}");
    }
    let json_path = ws.join("proposals/p.proposal.json");
    let json_text = r#"{"id": "p", "date": "2026-01-01", "steps": [{"id": "s1", "kind": "training", "date": "2026-02-01", "note": "n", "parties": ["turkey"], "host": "turkey"}]}"#;
    let j = uri(&json_path);
    c.open(&j, "json", json_text);
    c.diagnostics(&j);
    for (needle, delta, expected) in [
        (r#""id": "p""#, 1, "**`id`** (proposal key)"),
        (r#""id": "s1""#, 1, "**`id`** (step key)"),
        (r#""kind""#, 2, "**`kind`** (step key)"),
        (r#""date": "2026-02"#, 2, "**`date`** (step key)"),
        (r#""steps""#, 2, "**`steps`** (proposal key)"),
    ] {
        let h = hover_text(&mut c, &j, position_of(json_text, needle, delta));
        assert!(h.starts_with(expected), "{needle} {h}");
    }
    // The header's symbol spans its block; its selection is the id.
    let symbols = c.result(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": prop}}),
    );
    let header = &symbols[0];
    assert_eq!(header["name"], "shield");
    assert_eq!(
        header["range"],
        json!({"start": {"line": 0, "character": 0}, "end": {"line": 3, "character": 1}})
    );
    assert_eq!(
        header["selectionRange"],
        json!({"start": {"line": 0, "character": 9}, "end": {"line": 0, "character": 15}})
    );
    // A list's completion leaves out the values it holds.
    let comp = uri(&ws.join("proposals/new.proposal"));
    let ids = complete(
        &mut c,
        &comp,
        "proposal n {}\nstep s1: exercise {\n  participants: [turkey, kazakhstan, ",
    );
    assert!(
        ids.contains(&"azerbaijan".to_string())
            && !ids.contains(&"turkey".to_string())
            && !ids.contains(&"kazakhstan".to_string()),
        "{ids:?}"
    );
    c.open(&comp, "json", "");
    let text =
        r#"{"id": "n", "steps": [{"id": "s1", "kind": "exercise", "participants": ["turkey", ""#;
    let json_comp = uri(&ws.join("proposals/new.proposal.json"));
    c.open(&json_comp, "json", text);
    c.diagnostics(&json_comp);
    let ids = labels(&c.result(
        "textDocument/completion",
        json!({"textDocument": {"uri": json_comp}, "position": position(text, text.len())}),
    ));
    assert!(
        ids.contains(&"azerbaijan".to_string()) && !ids.contains(&"turkey".to_string()),
        "{ids:?}"
    );
    let (code, _) = c.shutdown();
    assert_eq!(code, 0);
}
