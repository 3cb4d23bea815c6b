//! `pactum serve`, over real HTTP: the API's answers against the command line's, UTF-16
//! positions, repairs that make a proposal compliant, dates, the safety rules (body cap,
//! content type, Host, errors as JSON), and many clients at once.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests: a failed setup or a missing key is a failed test"
)]

mod common;

use std::process::Command;

use common::http::Server;
use common::{AS_OF, root};
use serde_json::{Value, json};

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap()
}

fn check(server: &Server, text: &str, as_of: &str) -> Value {
    let a = server.post("/api/check", &json!({"text": text, "as_of": as_of}));
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    a.json()
}

/// Applies the changes of a fix (UTF-16 positions) to a text, as the page does.
fn apply(text: &str, changes: &[Value]) -> String {
    let mut edits: Vec<(usize, usize, String)> = changes
        .iter()
        .map(|c| {
            (
                common::lsp::offset(text, &c["from"]),
                common::lsp::offset(text, &c["to"]),
                c["insert"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_string();
    for (a, b, t) in edits {
        out.replace_range(a..b, &t);
    }
    out
}

#[test]
fn every_example_gets_the_report_the_command_line_gives() {
    let server = Server::start(&[]);
    let examples = server.get("/api/examples").json();
    let examples = examples.as_array().unwrap();
    let on_disk = std::fs::read_dir(root().join("policies/examples"))
        .unwrap()
        .count();
    assert_eq!(examples.len(), on_disk);
    let cli = Command::new(env!("CARGO_BIN_EXE_pactum"))
        .current_dir(root())
        .args([
            "check",
            "--format",
            "json",
            "--fixes",
            "--as-of",
            AS_OF,
            "policies/examples/",
        ])
        .output()
        .unwrap();
    let cli: Value = serde_json::from_slice(&cli.stdout).unwrap();
    let results = cli["results"].as_array().unwrap();
    assert_eq!(results.len(), examples.len());
    for (example, expected) in examples.iter().zip(results) {
        let name = example["name"].as_str().unwrap();
        let text = example["text"].as_str().unwrap();
        assert_eq!(text, read(&format!("policies/examples/{name}")));
        let a = server.post(
            "/api/check",
            &json!({"text": text, "as_of": AS_OF, "name": name, "format": example["format"]}),
        );
        let got = a.json()["report"].to_string();
        let want = expected
            .to_string()
            .replace(&format!("policies/examples/{name}"), name);
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn marks_are_in_utf16_and_fixes_make_the_proposal_compliant() {
    let server = Server::start(&[]);
    // Arabic, Turkish and a character outside the BMP before the violation move its column
    // in UTF-16 units, not bytes or characters.
    let text = read("policies/examples/caspian-shield.proposal").replace(
        "Caspian Shield joint naval exercise",
        "درع قزوين — Hazar Kalkanı tatbikatı 𐰴",
    );
    let answer = check(&server, &text, AS_OF);
    let marks = answer["marks"].as_array().unwrap();
    let first = &marks[0];
    assert_eq!(first["code"], "caspian.non_littoral_forces");
    let at = common::lsp::offset(&text, &first["from"]);
    assert!(text[at..].starts_with("turkey"), "{}", &text[at..]);
    assert_eq!(first["from"], common::lsp::position(&text, at));
    assert!(first["cite"].as_str().unwrap().contains("Aktau"));
    assert!(first["help"].as_str().is_some());
    // Apply the first fix of the first error until none is left.
    let mut text = text;
    for _ in 0..10 {
        let answer = check(&server, &text, AS_OF);
        if answer["report"]["compliant"] == true {
            assert!(text.contains("Hazar Kalkanı"));
            return;
        }
        let error = answer["marks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["severity"] == "error")
            .expect("an error while not compliant");
        text = apply(&text, error["fixes"][0]["changes"].as_array().unwrap());
    }
    panic!("not compliant after 10 fixes:\n{text}");
}

#[test]
fn the_date_changes_the_verdict_and_the_time_line_shows_why() {
    let server = Server::start(&[]);
    let text = "proposal p {}\nstep b1: base { host: uzbekistan, operators: [turkey] }\n";
    let before = check(&server, text, "2010-01-01");
    let after = check(&server, text, "2026-06-01");
    assert_eq!(before["report"]["compliant"], true);
    assert_eq!(after["report"]["compliant"], false);
    assert_eq!(after["as_of"], "2026-06-01");
    let timeline = &after["timeline"];
    assert_eq!(
        timeline["steps"],
        json!([{"id": "b1", "date": "2026-06-01"}])
    );
    let csto = timeline["facts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["entity"] == "csto" && f["attribute"] == "members")
        .expect("CSTO membership matters to a proposal naming Uzbekistan");
    assert!(csto["periods"].as_array().unwrap().len() > 2);
    assert!(
        timeline["dates"]
            .as_array()
            .unwrap()
            .contains(&json!("2012-12-19"))
    );
    // A dated proposal judged on another date: its own dates set aside.
    let dated = "proposal p { date: 2026-06-01 }\nstep b1: base { host: uzbekistan, operators: [turkey] }\n";
    let own = server
        .post("/api/check", &json!({"text": dated, "as_of": "2010-01-01"}))
        .json();
    assert_eq!(own["report"]["compliant"], false);
    assert_eq!(own["dates"], "own");
    let then = server
        .post(
            "/api/check",
            &json!({"text": dated, "as_of": "2010-01-01", "dates": "as_of"}),
        )
        .json();
    assert_eq!(then["report"]["compliant"], true);
    assert_eq!(then["dates"], "as_of");
    assert_eq!(
        then["timeline"]["steps"],
        json!([{"id": "b1", "date": "2010-01-01"}])
    );
    let bogus = server.post("/api/check", &json!({"text": dated, "dates": "tomorrow"}));
    assert_eq!(bogus.status, 400);
    let steps = after["steps"].as_array().unwrap();
    assert_eq!(
        steps[0]["entities"][0],
        json!({"attribute": "host", "id": "uzbekistan", "type": "State"})
    );
}

#[test]
fn explain_format_and_library() {
    let server = Server::start(&[]);
    let text = read("policies/examples/caspian-shield.proposal");
    let why = server.post(
        "/api/explain",
        &json!({"text": text, "step": "ex1", "rule": "caspian.non_littoral_forces", "as_of": AS_OF}),
    );
    assert_eq!(why.status, 200);
    let why = why.json();
    assert!(why["text"].as_str().unwrap().contains("fired for `turkey`"));
    assert_eq!(why["explanation"]["rules"][0]["outcome"], "fired");
    let unknown = server.post("/api/explain", &json!({"text": text, "step": "nope"}));
    assert_eq!(unknown.status, 400);
    assert_eq!(
        unknown.json()["error"]["code"],
        "pactum::explain::unknown_step"
    );

    let messy =
        "proposal p{date:2026-09-15}\nstep t: training {parties:[turkey],host:turkey} // ok\n";
    let formatted = server.post("/api/format", &json!({"text": messy}));
    assert_eq!(formatted.status, 200);
    let formatted = formatted.json()["text"].as_str().unwrap().to_string();
    assert_eq!(formatted, pactum::fmt::format_proposal(messy).unwrap());
    let broken = server.post("/api/format", &json!({"text": "proposal p {"}));
    assert_eq!(broken.status, 400);
    assert_eq!(
        broken.json()["error"]["code"],
        "pactum::parse::proposal_syntax"
    );

    let library = server.get("/api/library").json();
    let rule = library["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "caspian.non_littoral_forces")
        .unwrap();
    assert!(rule["cite"].as_str().unwrap().contains("Aktau"));
    assert!(
        rule["examples"]
            .as_array()
            .unwrap()
            .contains(&json!("caspian-shield.proposal"))
    );
    assert!(
        library["schema"]["kinds"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["name"] == "transit_flight")
    );
    assert!(
        library["entities"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["id"] == "turkey")
    );
}

#[test]
fn bad_requests_get_a_json_error_with_a_code() {
    let server = Server::start(&[]);
    let code = |a: &common::http::Answer| a.json()["error"]["code"].as_str().unwrap().to_string();
    let plain = server.send(
        "POST",
        "/api/check",
        &[("Content-Type", "text/plain")],
        b"{}",
    );
    assert_eq!(
        (plain.status, code(&plain)),
        (415, "pactum::serve::content_type".into())
    );
    let not_json = server.send(
        "POST",
        "/api/check",
        &[("Content-Type", "application/json")],
        b"{",
    );
    assert_eq!(
        (not_json.status, code(&not_json)),
        (400, "pactum::serve::bad_request".into())
    );
    let typo = server.post("/api/check", &json!({"text": "", "asof": "2026-01-01"}));
    assert_eq!(typo.status, 400);
    assert!(
        typo.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("asof")
    );
    let date = server.post("/api/check", &json!({"text": "", "as_of": "yesterday"}));
    assert_eq!(date.status, 400);
    let name = server.post(
        "/api/check",
        &json!({"text": "", "name": "../etc/passwd.proposal"}),
    );
    assert_eq!(name.status, 400);
    let huge = vec![b'x'; 66 << 20];
    let big = server.send(
        "POST",
        "/api/check",
        &[("Content-Type", "application/json")],
        &huge,
    );
    assert_eq!(
        (big.status, code(&big)),
        (413, "pactum::serve::too_large".into())
    );
    // The workbench's own bounds: 5,000 steps.
    let many: String = std::iter::once("proposal p {}\n".to_string())
        .chain(
            (0..5_001)
                .map(|i| format!("step t{i}: training {{ parties: [turkey], host: turkey }}\n")),
        )
        .collect();
    let over = check(&server, &many, AS_OF);
    assert_eq!(over["report"]["errors"][0]["code"], "pactum::limit::steps");
    let missing = server.get("/api/nothing");
    assert_eq!(
        (missing.status, code(&missing)),
        (404, "pactum::serve::not_found".into())
    );
    let traversal = server.get("/assets/..%2Fmod.rs");
    assert_eq!(traversal.status, 404);
    let two_hosts = server.send(
        "GET",
        "/api/library",
        &[("Host", "localhost"), ("Host", "evil.example")],
        b"",
    );
    assert_eq!(two_hosts.status, 403);
    assert!(two_hosts.header("content-security-policy").is_some());
    let rebinding = server.send("GET", "/api/library", &[("Host", "evil.example:7171")], b"");
    assert_eq!(
        (rebinding.status, code(&rebinding)),
        (403, "pactum::serve::host".into())
    );
    // Invalid input is an answer, never compliant.
    let invalid = check(&server, "proposal p {\nstep x: nonsense {}\n", AS_OF);
    assert_eq!(invalid["report"]["compliant"], false);
    assert_eq!(invalid["marks"][0]["kind"], "input");
    assert_eq!(invalid["proposal"], Value::Null);
    // A misspelt name comes with its did-you-mean as a fix.
    let text = "proposal p {}\nstep t1: training { parties: [turky], host: turkey }\n";
    let misspelt = check(&server, text, AS_OF);
    let mark = &misspelt["marks"][0];
    assert_eq!(mark["code"], "pactum::proposal::unknown_entity");
    let fix = &mark["fixes"][0];
    assert_eq!(fix["description"], "replace with `turkey`");
    let fixed = apply(text, fix["changes"].as_array().unwrap());
    assert_eq!(check(&server, &fixed, AS_OF)["report"]["compliant"], true);
}

#[test]
fn the_page_is_served_with_safe_headers() {
    let server = Server::start(&[]);
    let page = server.get("/");
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(
        page.header("content-security-policy")
            .unwrap()
            .contains("default-src 'self'")
    );
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    let manifest = read("src/cli/serve/assets/manifest.txt");
    for name in manifest.lines().filter(|l| !l.trim().is_empty()) {
        let a = server.get(&format!("/assets/{name}"));
        assert_eq!(a.status, 200, "{name}");
        assert_eq!(
            a.body,
            std::fs::read(root().join("src/cli/serve/assets").join(name)).unwrap()
        );
    }
}

#[test]
fn a_library_folder_brings_its_own_examples() {
    let dir = common::scratch("serve", "lib");
    std::fs::create_dir_all(dir.join("examples")).unwrap();
    std::fs::write(
        dir.join("lib.policy"),
        "entity State {}\nfact a: State {}\nfact b: State {}\nstep visit { by: State }\n\
         rule no_b {\n  severity error\n  on visit as s\n  forbid s.by == b\n  message \"no visits by b\"\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("examples/v.proposal"),
        "proposal v {}\nstep s1: visit { by: b }\n",
    )
    .unwrap();
    let server = Server::start(&["--policies", dir.to_str().unwrap()]);
    let examples = server.get("/api/examples").json();
    assert_eq!(examples[0]["name"], "v.proposal");
    let library = server.get("/api/library").json();
    assert_eq!(library["rules"][0]["examples"], json!(["v.proposal"]));
    let answer = check(&server, examples[0]["text"].as_str().unwrap(), AS_OF);
    assert_eq!(answer["report"]["violations"][0]["rule"], "no_b");
}

/// 32 clients at once, each sending a mix of requests: every answer is a 200 and equal to
/// the answer to the same request sent alone.
#[test]
fn many_clients_at_once_get_the_answers_one_client_gets() {
    let server = Server::start(&["--as-of", AS_OF]);
    let requests: Vec<(&str, Value)> = [
        "caspian-shield.proposal",
        "caspian-shield.json",
        "uzbekistan-over-time.proposal",
        "compliant-cooperation.proposal",
    ]
    .iter()
    .flat_map(|name| {
        let text = read(&format!("policies/examples/{name}"));
        [
            ("/api/check", json!({"text": text})),
            ("/api/timeline", json!({"text": text})),
        ]
    })
    .chain([(
        "/api/explain",
        json!({"text": read("policies/examples/caspian-shield.proposal"), "step": "ex1"}),
    )])
    .collect();
    let alone: Vec<Vec<u8>> = requests
        .iter()
        .map(|(path, body)| {
            let a = server.post(path, body);
            assert_eq!(a.status, 200);
            a.body
        })
        .collect();
    std::thread::scope(|scope| {
        for client in 0..32 {
            let (server, requests, alone) = (&server, &requests, &alone);
            scope.spawn(move || {
                for i in 0..40 {
                    let k = (client + i) % requests.len();
                    let (path, body) = &requests[k];
                    let a = server.post(path, body);
                    assert_eq!(a.status, 200, "client {client} request {i}");
                    assert!(a.body == alone[k], "client {client}: {path} differs");
                }
            });
        }
    });
}

/// A client that opens a connection and never finishes its request's headers is
/// disconnected (after the workbench's 10 s), instead of holding the connection for ever.
#[test]
fn a_request_whose_headers_never_end_is_disconnected() {
    use std::io::{Read, Write};
    let server = Server::start(&[]);
    let mut stream = std::net::TcpStream::connect(&server.addr).unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
        .unwrap();
    // A guard against a hang, not a measure of speed.
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(120)))
        .unwrap();
    let mut rest = Vec::new();
    let read = stream.read_to_end(&mut rest);
    assert!(read.is_ok(), "the connection was not closed: {read:?}");
    // The server still answers others.
    assert_eq!(server.get("/api/examples").status, 200);
}
