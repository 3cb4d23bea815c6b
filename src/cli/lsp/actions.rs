//! Code actions: the repairs of a violation (`Violation::fixes`, best first and
//! preferred) and the "did you mean" replacement of a misspelt name
//! (`Diagnostic::suggestion`), for the diagnostics published in the requested range.
//! Repairs cost a search, so they are computed when code actions are first asked for a
//! version of the document, not on every keystroke.

use std::collections::HashMap;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, TextEdit, Uri, WorkspaceEdit,
};

use super::Server;
use super::diagnostics::check_options;

fn overlaps(a: &lsp_types::Range, b: &lsp_types::Range) -> bool {
    a.start <= b.end && b.start <= a.end
}

/// `textDocument/codeAction`.
pub fn code_actions(server: &mut Server, p: &CodeActionParams) -> Option<Vec<CodeActionOrCommand>> {
    let uri_s = p.text_document.uri.as_str().to_string();
    let needs_fixes = {
        let doc = server.docs.get(&uri_s)?;
        doc.published
            .iter()
            .any(|d| d.violation.is_some() && overlaps(&d.range, &p.range))
            && doc.fixes.as_ref().is_none_or(|(v, _)| *v != doc.version)
    };
    if needs_fixes {
        let opts = check_options(server, pactum::MAX_FIXES);
        let doc = server.docs.get(&uri_s)?;
        let engine = server.libs.get(&doc.lib)?.engine.as_ref()?;
        let report = engine.check_with(doc.parsed()?, &opts);
        let version = doc.version;
        if let Some(d) = server.docs.get_mut(&uri_s) {
            d.fixes = Some((version, report));
        }
    }
    let doc = server.docs.get(&uri_s)?;
    let uri: Uri = p.text_document.uri.clone();
    let edit = |edits: Vec<TextEdit>| WorkspaceEdit {
        changes: Some(HashMap::from([(uri.clone(), edits)])),
        ..WorkspaceEdit::default()
    };
    let mut out = Vec::new();
    for d in doc
        .published
        .iter()
        .filter(|d| overlaps(&d.range, &p.range))
    {
        let lsp_diag: Vec<lsp_types::Diagnostic> = p
            .context
            .diagnostics
            .iter()
            .filter(|x| x.range == d.range)
            .cloned()
            .collect();
        if let Some(s) = &d.suggestion {
            // A JSON string's span holds its quotes: the replacement keeps them.
            let (a, _) = doc.lines.span(&doc.text, d.range, server.enc);
            let quoted = doc.text.get(a..).is_some_and(|t| t.starts_with('"'));
            let new_text = if quoted {
                format!("\"{s}\"")
            } else {
                s.clone()
            };
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("replace with `{s}`"),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(lsp_diag.clone()),
                edit: Some(edit(vec![TextEdit {
                    range: d.range,
                    new_text,
                }])),
                is_preferred: Some(true),
                ..CodeAction::default()
            }));
        }
        let Some(i) = d.violation else { continue };
        let Some((_, report)) = &doc.fixes else {
            continue;
        };
        let Some(v) = report.violations.get(i) else {
            continue;
        };
        for (n, fix) in v.fixes.iter().flatten().enumerate() {
            let edits = fix
                .edits
                .iter()
                .map(|e| TextEdit {
                    range: doc.range(e.start as usize, e.end as usize, server.enc),
                    new_text: e.replacement.clone(),
                })
                .collect();
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("{}: {}", v.rule, fix.description),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(lsp_diag.clone()),
                edit: Some(edit(edits)),
                is_preferred: Some(n == 0),
                ..CodeAction::default()
            }));
        }
    }
    Some(out)
}
