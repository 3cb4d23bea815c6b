//! JUnit XML: one `<testsuite>` per group. For `check`, one test case per proposal, which
//! passes when the proposal is compliant; for `lint`, one per policy file of the library
//! (and one for the library itself when a finding has no file). Each fatal finding is a
//! `<failure>` (a violation or lint) or an `<error>` (invalid input) whose body holds the
//! location and details; the others go to the test case's `<system-out>`.
//!
//! The totals on `<testsuites>` and each `<testsuite>` come from the first pass ([`Run`]);
//! a test case's fatal findings, then its other findings, are written as the source
//! visits them (twice: fatal ones first, as JUnit readers expect).

use std::io::{self, Write};

use super::{Finding, Kind, Run, Source, Tool, case_of};
use crate::cli::Exit;

/// Writes the JUnit report of a source.
pub fn write(source: &dyn Source, out: &mut dyn Write) -> io::Result<Exit> {
    let run = Run::scan(source);
    let tool = run.tool;
    let (mut tests, mut failures, mut errors) = (0usize, 0usize, 0usize);
    let mut suites: Vec<(usize, usize)> = Vec::new();
    for ((_, cases), head) in run.cases.iter().zip(&run.heads) {
        let (mut f, mut e) = (0, 0);
        for c in cases.values() {
            if c.error {
                e += 1;
            } else if c.failure || (tool == Tool::Check && !head.passed) {
                f += 1;
            }
        }
        tests += cases.len();
        failures += f;
        errors += e;
        suites.push((f, e));
    }
    writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    writeln!(
        out,
        "<testsuites name=\"pactum {}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">",
        tool.as_str()
    )?;
    for (i, (head, (_, cases))) in run.heads.iter().zip(&run.cases).enumerate() {
        let (s_fail, s_err) = suites.get(i).copied().unwrap_or_default();
        writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{s_fail}\" errors=\"{s_err}\" skipped=\"0\">",
            xml(&head.name, true),
            cases.len()
        )?;
        if let Some(s) = &head.subject {
            writeln!(
                out,
                "    <properties>\n      <property name=\"proposal\" value=\"{}\"/>\n    </properties>",
                xml(s, true)
            )?;
        }
        for (key, stats) in cases {
            let name = match tool {
                Tool::Check => head.subject.as_deref().unwrap_or(&head.name),
                Tool::Lint => key,
            };
            write!(
                out,
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\"",
                xml(name, true),
                xml(&head.name, true),
                xml(key, true)
            )?;
            if !stats.error && !stats.failure && !stats.other {
                writeln!(out, "/>")?;
                continue;
            }
            writeln!(out, ">")?;
            let mine = |f: &Finding| {
                case_of(tool, head, f.location.as_ref().map(|p| p.file.as_str())) == *key
            };
            let mut failed = None;
            let mut put = |text: &str| {
                if failed.is_none() {
                    if let Err(e) = out.write_all(text.as_bytes()) {
                        failed = Some(e);
                    }
                }
            };
            if stats.error || stats.failure {
                source.visit(i, &mut |f| {
                    if !f.fatal || !mine(f) {
                        return;
                    }
                    let element = if f.kind == Kind::Error {
                        "error"
                    } else {
                        "failure"
                    };
                    put(&format!(
                        "      <{element} message=\"{}\" type=\"{}\">{}</{element}>\n",
                        xml(&f.message, true),
                        xml(&f.id, true),
                        xml(&text(f), false)
                    ));
                });
            }
            if stats.other {
                put("      <system-out>");
                let mut first = true;
                source.visit(i, &mut |f| {
                    if f.fatal || !mine(f) {
                        return;
                    }
                    if !first {
                        put("\n\n");
                    }
                    first = false;
                    put(&xml(&text(f), false));
                });
                put("</system-out>\n");
            }
            if let Some(e) = failed {
                return Err(e);
            }
            writeln!(out, "    </testcase>")?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")?;
    Ok(run.exit())
}

/// A finding as text: `severity[id]: message`, where, then the details. Every line is made
/// printable, as in human output: a tab or line break from the input is an escape, not a
/// character XML would keep (or a line a CI log would read as a command).
fn text(f: &Finding) -> String {
    let mut lines = vec![format!("{}[{}]: {}", f.severity.as_str(), f.id, f.message)];
    if let Some(p) = &f.location {
        lines.push(format!("  --> {}", p.display()));
    }
    lines.extend(f.details());
    let lines: Vec<_> = lines.iter().map(|l| pactum::printable(l)).collect();
    lines.join("\n")
}

/// Escapes text for XML 1.0 content (`attr: false`) or a double-quoted attribute. An
/// attribute is one line from the input (a name, a message): it is made printable first, as
/// human output is (`pactum::printable`: controls, tabs, line breaks, line separators and
/// bidirectional controls as escapes). Content keeps its line breaks (callers make the input's
/// text in it printable line by line); what XML cannot hold, or should not (DEL, the C1 and
/// bidirectional controls, the line separators), becomes U+FFFD.
pub fn xml(s: &str, attr: bool) -> String {
    let s = if attr {
        pactum::printable(s)
    } else {
        std::borrow::Cow::Borrowed(s)
    };
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attr => out.push_str("&quot;"),
            '\'' if attr => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\u{7F}'..='\u{9F}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}' => out.push('\u{FFFD}'),
            '\t'
            | '\n'
            | '\u{20}'..='\u{D7FF}'
            | '\u{E000}'..='\u{FFFD}'
            | '\u{10000}'..='\u{10FFFF}' => {
                out.push(c);
            }
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_xml() {
        assert_eq!(xml("a<b>&\"'", true), "a&lt;b&gt;&amp;&quot;&apos;");
        assert_eq!(xml("a\nb\u{1}", false), "a\nb\u{FFFD}");
        assert_eq!(xml("a\nb\tc", true), "a\\u{a}b\\u{9}c");
        assert_eq!(
            xml("\u{7f}\u{85}\u{202e}\u{2028}", false),
            "\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}"
        );
        assert_eq!(xml("a\u{2028}b\u{202e}", true), "a\\u{2028}b\\u{202e}");
    }
}
