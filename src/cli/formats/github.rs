//! GitHub workflow annotations: one command per finding (`::error`, `::warning` or
//! `::notice`, with file, line, column and end when known, the id as title; the message
//! followed by the details on further lines), then the summary as a plain line. Written as
//! the source visits its findings, in one pass.

use std::io::{self, Write};

use super::{Finding, Kind, Source, summary};
use crate::cli::Exit;
use pactum::{Severity, printable};

/// Writes the annotations of a source.
pub fn write(source: &dyn Source, out: &mut dyn Write) -> io::Result<Exit> {
    let mut counts = (0, 0, 0);
    let mut exit = Exit::Ok;
    let mut failed = None;
    let mut line = String::new();
    for i in 0..source.groups() {
        let mut invalid = false;
        let head = source.visit(i, &mut |f| {
            match f.severity {
                Severity::Error => counts.0 += 1,
                Severity::Warning => counts.1 += 1,
                Severity::Note => counts.2 += 1,
            }
            invalid |= f.kind == Kind::Error;
            if failed.is_some() {
                return;
            }
            line.clear();
            annotation(f, &mut line);
            if let Err(e) = out.write_all(line.as_bytes()) {
                failed = Some(e);
            }
        });
        if let Some(e) = failed.take() {
            return Err(e);
        }
        exit = exit.max(if invalid {
            Exit::Invalid
        } else if !head.passed {
            Exit::Violations
        } else {
            Exit::Ok
        });
    }
    writeln!(out, "{}", summary(source.tool(), source.groups(), counts))?;
    Ok(exit)
}

/// One workflow command, with its final newline.
fn annotation(f: &Finding, out: &mut String) {
    let command = match f.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    };
    let mut props: Vec<String> = Vec::new();
    if let Some(p) = &f.location {
        props.push(format!(
            "file={}",
            gh_property(&printable(&p.file.replace('\\', "/")))
        ));
        if let Some(s) = p.start {
            props.push(format!("line={}", s.line));
            let end = p.end.filter(|e| e.line >= s.line);
            match end {
                Some(e) if e.line == s.line => {
                    // GitHub takes columns only on one line; its end column is inclusive.
                    props.push(format!("col={}", s.column));
                    let last = e.column.saturating_sub(1).max(s.column);
                    props.push(format!("endColumn={last}"));
                }
                Some(e) => props.push(format!("endLine={}", e.line)),
                None => props.push(format!("col={}", s.column)),
            }
        }
    }
    props.push(format!("title={}", gh_property(&printable(&f.id))));
    // Every piece from the input is made printable (no control or bidirectional character
    // reaches the log); the line breaks between them are the workflow command's own.
    let mut message = printable(&f.message).into_owned();
    for line in f.details() {
        message.push('\n');
        message.push_str(&printable(&line));
    }
    out.push_str("::");
    out.push_str(command);
    out.push(' ');
    out.push_str(&props.join(","));
    out.push_str("::");
    out.push_str(&gh_data(&message));
    out.push('\n');
}

/// Escapes a workflow command's message (`%`, CR, LF), as GitHub's toolkit does.
pub fn gh_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value: the message escapes plus `:` and `,`.
pub fn gh_property(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_workflow_commands() {
        assert_eq!(gh_data("50% a\r\nb"), "50%25 a%0D%0Ab");
        assert_eq!(gh_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
