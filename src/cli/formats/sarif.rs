//! SARIF 2.1.0: one run, `tool.driver.rules` sorted by id, one result per finding that has
//! a location, with a stable partial fingerprint. Columns count Unicode code points.
//!
//! Every result has a physical location (GitHub code scanning rejects a whole log over one
//! result without): a finding that points at no file at all (a usage error) becomes a
//! tool execution notification of the invocation instead, which then did not succeed.
//!
//! The log is written as serde_json's pretty printer would write it whole, but its results
//! are written one at a time, as the source visits them: the rules, exit code and
//! notifications that come before them in the log come from the first pass ([`Run`]).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use serde_json::{Map, Value, json};

use super::{Finding, Head, Kind, Place, RuleMeta, Run, Source, Tool, kind_word};
use crate::cli::Exit;
use pactum::Severity;

/// The `$schema` of the SARIF logs pactum writes (the OASIS standard, errata 01).
pub const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The `partialFingerprints` key of pactum's results (its recipe is versioned by the key).
pub const FINGERPRINT_KEY: &str = "pactum/v1";

/// The `uriBaseId` of files of the standard library embedded in pactum (`<std>/...`).
pub const STD_BASE_ID: &str = "PACTUM_STD";

/// Where the results go in the pretty-printed log: `runs[0].results`, at depth 3.
const RESULTS: &str = "\n      \"results\": []";
/// The indentation of one result (depth 4).
const RESULT_INDENT: &str = "        ";

/// Writes the SARIF log of a source.
pub fn write(source: &dyn Source, out: &mut dyn Write) -> io::Result<Exit> {
    let run = Run::scan(source);
    let exit = run.exit();
    let metas: Vec<&RuleMeta> = run
        .rules
        .values()
        .filter(|m| run.located.contains(&m.id))
        .collect();
    let index: BTreeMap<&str, usize> = metas
        .iter()
        .enumerate()
        .map(|(i, m)| (m.id.as_str(), i))
        .collect();
    let log = skeleton(&run, &metas, exit);
    let text = serde_json::to_string_pretty(&log).unwrap_or_default();
    let (before, after) = text
        .split_once(RESULTS)
        .ok_or_else(|| io::Error::other("the SARIF skeleton has no results"))?;
    out.write_all(before.as_bytes())?;
    out.write_all(b"\n      \"results\": [")?;
    let tool = source.tool();
    let mut first = true;
    let mut failed = None;
    let mut buf = String::new();
    for i in 0..source.groups() {
        source.visit(i, &mut |f| {
            if failed.is_some() || f.location.is_none() {
                return;
            }
            buf.clear();
            let Some(head) = run.heads.get(i) else {
                return;
            };
            let r = result(tool, head, f, index.get(f.id.as_str()));
            let pretty = serde_json::to_string_pretty(&r).unwrap_or_default();
            buf.push_str(if first { "\n" } else { ",\n" });
            first = false;
            for (n, line) in pretty.lines().enumerate() {
                if n > 0 {
                    buf.push('\n');
                }
                buf.push_str(RESULT_INDENT);
                buf.push_str(line);
            }
            if let Err(e) = out.write_all(buf.as_bytes()) {
                failed = Some(e);
            }
        });
        if let Some(e) = failed.take() {
            return Err(e);
        }
    }
    out.write_all(if first { b"]" } else { b"\n      ]" })?;
    out.write_all(after.as_bytes())?;
    out.write_all(b"\n")?;
    Ok(exit)
}

/// The log without its results (an empty array stands for them).
fn skeleton(run: &Run, metas: &[&RuleMeta], exit: Exit) -> Value {
    let rules: Vec<Value> = metas.iter().map(|m| sarif_rule(run.tool, m)).collect();
    let notifications: Vec<Value> = run
        .loose
        .iter()
        .map(|f| {
            let mut text = f.message.clone();
            if let Some(h) = &f.help {
                let _ = write!(text, " (help: {h})");
            }
            json!({
                "level": level(f.severity),
                "message": { "text": text },
                "descriptor": { "id": f.id },
            })
        })
        .collect();
    let mut driver = Map::new();
    driver.insert("name".into(), json!("pactum"));
    driver.insert(
        "fullName".into(),
        json!(format!("pactum {}", run.tool.as_str())),
    );
    driver.insert("version".into(), json!(env!("CARGO_PKG_VERSION")));
    driver.insert("semanticVersion".into(), json!(env!("CARGO_PKG_VERSION")));
    if let Some(uri) = information_uri() {
        driver.insert("informationUri".into(), json!(uri));
    }
    driver.insert("rules".into(), Value::Array(rules));
    let mut invocation = Map::new();
    invocation.insert(
        "executionSuccessful".into(),
        json!(!run.loose.iter().any(|f| f.severity == Severity::Error)),
    );
    invocation.insert("exitCode".into(), json!(exit as i32));
    if !notifications.is_empty() {
        invocation.insert(
            "toolExecutionNotifications".into(),
            Value::Array(notifications),
        );
    }
    let mut r = Map::new();
    r.insert("tool".into(), json!({ "driver": driver }));
    r.insert("invocations".into(), json!([invocation]));
    if run.uses_std {
        r.insert(
            "originalUriBaseIds".into(),
            json!({ STD_BASE_ID: { "description": { "text":
                "the standard policy library embedded in pactum (policies/ in pactum's sources)"
            } } }),
        );
    }
    r.insert("columnKind".into(), json!("unicodeCodePoints"));
    r.insert("results".into(), json!([]));
    json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [r],
    })
}

/// `CARGO_PKG_REPOSITORY`, else `CARGO_PKG_HOMEPAGE`, if set.
fn information_uri() -> Option<&'static str> {
    [env!("CARGO_PKG_REPOSITORY"), env!("CARGO_PKG_HOMEPAGE")]
        .into_iter()
        .find(|u| u.starts_with("https://") || u.starts_with("http://"))
}

fn sarif_rule(tool: Tool, m: &RuleMeta) -> Value {
    let full = m.full.clone().unwrap_or_else(|| m.short.clone());
    let mut help_text = Vec::new();
    let mut help_md = Vec::new();
    if let Some(h) = &m.help {
        help_text.push(h.clone());
        help_md.push(md_escape(h));
    }
    if let Some(c) = &m.cite {
        help_text.push(format!("Legal basis: {c}"));
        help_md.push(format!("**Legal basis:** {}", md_escape(c)));
    }
    if let Some(p) = &m.defined_at {
        help_text.push(format!("Defined at {}", p.display()));
        help_md.push(format!("Defined at `{}`", p.display().replace('`', "'")));
    }
    if m.kind == Kind::Error {
        help_text.push("See docs/diagnostics.md.".to_string());
        help_md.push("See `docs/diagnostics.md`.".to_string());
    }
    if help_text.is_empty() {
        help_text.push(full.clone());
        help_md.push(md_escape(&full));
    }
    let mut tags = vec![
        "pactum".to_string(),
        tool.as_str().to_string(),
        kind_word(m.kind).to_string(),
        m.severity.as_str().to_string(),
    ];
    if m.kind == Kind::Violation {
        if let Some(first) = m.id.split('.').next() {
            tags.push(first.to_string());
        }
    }
    for t in &m.tags {
        tags.push(t.clone());
    }
    let mut seen = std::collections::BTreeSet::new();
    tags.retain(|t| seen.insert(t.clone()));
    let mut props = Map::new();
    if let Some(c) = &m.cite {
        props.insert("cite".into(), json!(c));
    }
    props.insert("tags".into(), json!(tags));
    json!({
        "id": m.id,
        "name": pascal_case(&m.id),
        "shortDescription": { "text": m.short },
        "fullDescription": { "text": full },
        "help": { "text": help_text.join("\n\n"), "markdown": help_md.join("\n\n") },
        "defaultConfiguration": { "level": level(m.severity) },
        "properties": props,
    })
}

fn result(tool: Tool, g: &Head, f: &Finding, rule_index: Option<&usize>) -> Value {
    let mut text = f.message.clone();
    if let Some(c) = &f.cite {
        let _ = write!(text, " (cite: {c})");
    }
    let mut r = Map::new();
    r.insert("ruleId".into(), json!(f.id));
    if let Some(i) = rule_index {
        r.insert("ruleIndex".into(), json!(i));
    }
    r.insert("level".into(), json!(level(f.severity)));
    r.insert("message".into(), json!({ "text": text }));
    if let Some(p) = &f.location {
        r.insert(
            "locations".into(),
            json!([{ "physicalLocation": physical(p) }]),
        );
    }
    if !f.related.is_empty() {
        let related: Vec<Value> = f
            .related
            .iter()
            .enumerate()
            .map(|(i, rp)| {
                json!({
                    "id": i,
                    "physicalLocation": physical(&rp.place),
                    "message": { "text": rp.message },
                })
            })
            .collect();
        r.insert("relatedLocations".into(), Value::Array(related));
    }
    if !f.fixes.is_empty() {
        r.insert(
            "fixes".into(),
            Value::Array(f.fixes.iter().map(fix).collect()),
        );
    }
    r.insert(
        "partialFingerprints".into(),
        json!({ FINGERPRINT_KEY: fingerprint(tool, g, f) }),
    );
    let mut props = Map::new();
    if let Some(s) = &g.subject {
        props.insert("proposal".into(), json!(s));
    }
    if let Some(s) = &f.step {
        props.insert("step".into(), json!(s));
    }
    if let Some(s) = &f.binding {
        props.insert("binding".into(), json!(s));
    }
    if let Some(s) = &f.rule {
        props.insert("rule".into(), json!(s));
    }
    props.insert("code".into(), json!(f.code));
    if let Some(h) = &f.help {
        props.insert("help".into(), json!(h));
    }
    if let Some(c) = &f.cite {
        props.insert("cite".into(), json!(c));
    }
    if !f.evidence.is_empty() {
        props.insert("evidence".into(), json!(f.evidence));
    }
    if !f.notes.is_empty() {
        props.insert("notes".into(), json!(f.notes));
    }
    r.insert("properties".into(), Value::Object(props));
    Value::Object(r)
}

/// A repair as a SARIF `fix`: its description, and per file the replacements (regions by
/// line and column, in code points as the run's `columnKind` says, and by byte offset).
fn fix(x: &pactum::Fix) -> Value {
    let mut by_file: Vec<(&str, Vec<Value>)> = Vec::new();
    for e in &x.edits {
        let replacement = json!({
            "deletedRegion": {
                "startLine": e.line,
                "startColumn": e.column,
                "endLine": e.end_line,
                "endColumn": e.end_column,
                "byteOffset": e.start,
                "byteLength": e.end - e.start,
            },
            "insertedContent": { "text": e.replacement },
        });
        match by_file.iter_mut().find(|(f, _)| *f == e.file) {
            Some((_, list)) => list.push(replacement),
            None => by_file.push((&e.file, vec![replacement])),
        }
    }
    json!({
        "description": { "text": x.description },
        "artifactChanges": by_file
            .into_iter()
            .map(|(file, replacements)| json!({
                "artifactLocation": artifact_location(file),
                "replacements": replacements,
            }))
            .collect::<Vec<_>>(),
    })
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn physical(p: &Place) -> Value {
    let mut loc = Map::new();
    loc.insert("artifactLocation".into(), artifact_location(&p.file));
    if let Some(s) = p.start {
        let mut region = Map::new();
        region.insert("startLine".into(), json!(s.line.max(1)));
        region.insert("startColumn".into(), json!(s.column.max(1)));
        if let Some(e) = p.end {
            region.insert("endLine".into(), json!(e.line.max(s.line).max(1)));
            let end_col = if e.line > s.line {
                e.column
            } else {
                e.column.max(s.column)
            };
            region.insert("endColumn".into(), json!(end_col.max(1)));
        }
        loc.insert("region".into(), Value::Object(region));
    }
    Value::Object(loc)
}

/// A file name as a SARIF artifact location: a relative URI reference with forward slashes
/// (percent-encoded), `file:///...` for an absolute path, and the standard library's
/// `<std>/x.policy` as `x.policy` relative to [`STD_BASE_ID`].
pub fn artifact_location(file: &str) -> Value {
    let mut path = file.replace('\\', "/");
    while let Some(rest) = path.strip_prefix("./") {
        path = rest.to_string();
    }
    if let Some(rest) = path.strip_prefix("<std>/") {
        return json!({ "uri": uri_encode(rest), "uriBaseId": STD_BASE_ID });
    }
    let bytes = path.as_bytes();
    let drive = bytes.len() >= 3
        && bytes.first().is_some_and(u8::is_ascii_alphabetic)
        && bytes.get(1) == Some(&b':')
        && bytes.get(2) == Some(&b'/');
    if drive {
        let (d, rest) = path.split_at(2);
        return json!({ "uri": format!("file:///{d}{}", uri_encode(rest)) });
    }
    if path.starts_with('/') {
        return json!({ "uri": format!("file://{}", uri_encode(&path)) });
    }
    json!({ "uri": uri_encode(&path) })
}

/// Percent-encodes everything but unreserved characters, sub-delimiters, `@` and `/`.
fn uri_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A stable fingerprint: FNV-1a (64 bits, hex) of the tool, id, file and what tells the
/// finding apart within the file (step and binding for a violation, else the message).
/// Line numbers are left out, so a finding keeps its fingerprint when lines move.
fn fingerprint(tool: Tool, g: &Head, f: &Finding) -> String {
    let file = f.location.as_ref().map_or(g.name.as_str(), |p| &p.file);
    let mut parts: Vec<&str> = vec![tool.as_str(), &f.id, file];
    match (&f.step, &f.binding) {
        (None, None) => parts.push(&f.message),
        (step, binding) => {
            parts.push(step.as_deref().unwrap_or(""));
            parts.push(binding.as_deref().unwrap_or(""));
        }
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

fn pascal_case(id: &str) -> String {
    let mut out = String::new();
    for part in id.split(|c: char| !c.is_alphanumeric()) {
        let mut chars = part.chars();
        if let Some(c) = chars.next() {
            out.extend(c.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    out
}

fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_uris() {
        assert_eq!(
            artifact_location("policies\\examples\\a b.json"),
            json!({ "uri": "policies/examples/a%20b.json" })
        );
        assert_eq!(
            artifact_location("./x:y.proposal"),
            json!({ "uri": "x%3Ay.proposal" })
        );
        assert_eq!(
            artifact_location("<std>/ots.policy"),
            json!({ "uri": "ots.policy", "uriBaseId": STD_BASE_ID })
        );
        assert_eq!(
            artifact_location("/tmp/é.json"),
            json!({ "uri": "file:///tmp/%C3%A9.json" })
        );
        assert_eq!(
            artifact_location("C:\\p\\a.json"),
            json!({ "uri": "file:///C:/p/a.json" })
        );
        assert_eq!(
            artifact_location("<command line>"),
            json!({ "uri": "%3Ccommand%20line%3E" })
        );
    }

    #[test]
    fn pascal_case_ids() {
        assert_eq!(
            pascal_case("caspian.non_littoral_forces"),
            "CaspianNonLittoralForces"
        );
        assert_eq!(pascal_case("unused-definition"), "UnusedDefinition");
    }
}
