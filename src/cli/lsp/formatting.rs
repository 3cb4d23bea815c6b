//! Formatting: `textDocument/formatting` through `pactum::fmt` (the layout of `pactum fmt`)
//! for `.policy` and `.proposal` documents. The answer is the smallest set of whole-line
//! edits (a line diff with `similar`), so that an editor keeps the cursor and the marks of
//! the lines that do not change (one edit of the whole text past 3,000 lines, where a diff
//! would cost more than the formatting). A document that does not parse is not formatted: the
//! answer is an error saying so (its diagnostics say why). JSON proposals are not
//! formatted (no edits).

use lsp_server::ErrorCode;
use lsp_types::{DocumentFormattingParams, TextEdit};
use similar::{DiffTag, TextDiff};

use super::documents::DocKind;
use super::{Failure, Server};

/// Documents longer than this (in lines, before or after) get one edit of the whole text
/// instead of a line diff.
const MAX_DIFF_LINES: usize = 3_000;

/// `textDocument/formatting`.
pub fn format(
    server: &Server,
    p: &DocumentFormattingParams,
) -> Result<Option<Vec<TextEdit>>, Failure> {
    let Some((doc, _)) = server.doc(&p.text_document.uri) else {
        return Ok(None);
    };
    let name = doc.name();
    let formatted = match doc.kind {
        DocKind::Policy => pactum::fmt::format_policy_named(&name, &doc.text),
        DocKind::Proposal => pactum::fmt::format_proposal_named(&name, &doc.text),
        DocKind::Json => return Ok(Some(Vec::new())),
    };
    let formatted = formatted.map_err(|e| {
        let first = e
            .first()
            .map_or(String::new(), |d| format!(": {}", d.message));
        (
            ErrorCode::RequestFailed as i32,
            format!("the document does not parse, so it is not formatted{first}"),
        )
    })?;
    Ok(Some(line_edits(server, doc, &formatted)))
}

/// The edits that make the document's text `formatted`, a run of changed lines each.
fn line_edits(server: &Server, doc: &super::documents::Document, formatted: &str) -> Vec<TextEdit> {
    if formatted == doc.text {
        return Vec::new();
    }
    // A line diff costs about the product of the lines and the changes: past this size,
    // one edit of the whole document (what `pactum fmt` would write) keeps the answer as
    // fast as the formatter.
    if doc.text.lines().count().max(formatted.lines().count()) > MAX_DIFF_LINES {
        return vec![TextEdit {
            range: doc.range(0, doc.text.len(), server.enc),
            new_text: formatted.to_string(),
        }];
    }
    let diff = TextDiff::from_lines(doc.text.as_str(), formatted);
    // Byte offset of the start of each old line (and of the end).
    let mut starts = vec![0usize];
    for line in doc.text.split_inclusive('\n') {
        starts.push(starts.last().copied().unwrap_or(0) + line.len());
    }
    let new_lines: Vec<&str> = formatted.split_inclusive('\n').collect();
    let mut edits = Vec::new();
    for op in diff.ops() {
        if op.tag() == DiffTag::Equal {
            continue;
        }
        let old = op.old_range();
        let start = starts.get(old.start).copied().unwrap_or(doc.text.len());
        let end = starts.get(old.end).copied().unwrap_or(doc.text.len());
        edits.push(TextEdit {
            range: doc.range(start, end, server.enc),
            new_text: new_lines
                .get(op.new_range())
                .map(|l| l.concat())
                .unwrap_or_default(),
        });
    }
    edits
}
