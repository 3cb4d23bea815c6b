//! Go to definition, find references and rename, across a library's files and from
//! proposals into the library. Rename is for definitions and facts (entity ids): it
//! edits every place the name is written in the library's files and in the open proposals
//! that use the library; anything else is refused by `prepareRename` with a reason.

use std::collections::HashMap;

use lsp_server::ErrorCode;
use lsp_types::{
    GotoDefinitionParams, GotoDefinitionResponse, Location, PrepareRenameResponse, ReferenceParams,
    RenameParams, TextDocumentPositionParams, TextEdit, Uri, WorkspaceEdit,
};
use pactum::{Proposal, RawValue, Span};

use super::documents::{DocKind, Document};
use super::index::{Target, ValueInfo};
use super::position::{LineIndex, Shift};
use super::workspace::Library;
use super::{Failure, Server};

/// A name written in a proposal: where, what it names, and the step's kind.
#[derive(Clone, Debug)]
pub struct ProposalName {
    /// The name's span (without quotes).
    pub span: Span,
    /// What it names.
    pub target: Target,
    /// The kind of the step it is in.
    pub kind: Option<String>,
}

/// Every kind, attribute and value name written in a proposal.
pub fn proposal_names(p: &Proposal, lib: &Library) -> Vec<ProposalName> {
    let text = p.source.text();
    // A JSON string's span holds its quotes.
    let unquote = |s: Span| {
        if text
            .get(s.start as usize..)
            .is_some_and(|t| t.starts_with('"'))
            && s.len() >= 2
        {
            Span::new(s.start as usize + 1, s.end as usize - 1)
        } else {
            s
        }
    };
    let mut out = Vec::new();
    for step in &p.steps {
        let kind = step.kind.node.clone();
        out.push(ProposalName {
            span: unquote(step.kind.span),
            target: Target::Kind(kind.clone()),
            kind: Some(kind.clone()),
        });
        for a in &step.attrs {
            out.push(ProposalName {
                span: unquote(a.name.span),
                target: Target::Attr(a.name.node.clone()),
                kind: Some(kind.clone()),
            });
            let mut values = vec![&a.value];
            while let Some(v) = values.pop() {
                match &v.node {
                    RawValue::Ident(n) | RawValue::Str(n) if lib.index.values.contains_key(n) => {
                        out.push(ProposalName {
                            span: unquote(v.span),
                            target: Target::Value(n.clone()),
                            kind: Some(kind.clone()),
                        });
                    }
                    RawValue::List(items) => values.extend(items.iter()),
                    _ => {}
                }
            }
        }
    }
    out
}

/// What is written at an offset of a document: its target, the step kind (in a
/// proposal), and the name's span.
pub fn at(doc: &Document, lib: &Library, offset: usize) -> Option<(Target, Option<String>, Span)> {
    match doc.kind {
        DocKind::Policy => {
            let file = policy_file(doc, lib)?;
            let f = lib.index.files.get(file)?;
            let o = lib.index.at(file, offset)?;
            // Only where the index is of this very text (navigation edits what it finds).
            (f.tree.is_some() && f.source.text() == doc.text)
                .then(|| (o.target.clone(), o.owner.clone(), o.span))
        }
        DocKind::Proposal | DocKind::Json => {
            let inside = |s: Span| (s.start as usize) <= offset && offset <= s.end as usize;
            let found = doc
                .parsed()
                .and_then(|p| proposal_names(p, lib).into_iter().find(|n| inside(n.span)));
            match found {
                Some(n) => Some((n.target, n.kind, n.span)),
                None => rule_in_comment(doc, lib, offset),
            }
        }
    }
}

/// A name written, what it names, and its owner (an attribute's kind).
type Named = (Span, Target, Option<String>);

/// What is written at an offset, for hover: as [`at`], and also where the index is behind
/// the text (a build waits for a pause in typing) or the text does not parse (the last
/// version that did): its names are found through the [`Shift`] from that text to this
/// one, and a name typed inside the edit by the name alone.
pub fn at_loosely(
    doc: &Document,
    lib: &Library,
    offset: usize,
) -> Option<(Target, Option<String>, Span)> {
    if let Some(found) = at(doc, lib, offset) {
        return Some(found);
    }
    let (old_text, names): (&str, Vec<Named>) = match doc.kind {
        DocKind::Policy => {
            let file = policy_file(doc, lib)?;
            let f = lib.index.files.get(file)?;
            let (text, occ) = match (&f.tree, &f.stale) {
                (Some(_), _) => (f.source.text(), &lib.index.occurrences),
                (None, Some((_, old))) => (old.text(), &lib.index.stale_occurrences),
                (None, None) => return by_name(doc, lib, offset),
            };
            let names = occ
                .iter()
                .filter(|o| o.file == file)
                .map(|o| (o.span, o.target.clone(), o.owner.clone()))
                .collect();
            (text, names)
        }
        DocKind::Proposal | DocKind::Json => {
            if doc.parsed().is_some() {
                return None;
            }
            let last = doc.last_good.as_ref()?;
            let names = proposal_names(last, lib)
                .into_iter()
                .map(|n| (n.span, n.target, n.kind))
                .collect();
            (last.source.text(), names)
        }
    };
    let shift = Shift::new(old_text, &doc.text);
    let Some(old) = shift.to_old(offset) else {
        return by_name(doc, lib, offset);
    };
    let (span, target, owner) = names
        .into_iter()
        .find(|(s, _, _)| (s.start as usize) <= old && old <= s.end as usize)?;
    let start = shift.to_new(span.start as usize)?;
    let end = shift.to_new(span.end as usize)?;
    Some((target, owner, Span::new(start, end)))
}

/// The name under the cursor (inside an edit: no occurrence knows it), by what the
/// library declares under that name.
fn by_name(doc: &Document, lib: &Library, offset: usize) -> Option<(Target, Option<String>, Span)> {
    let text = &doc.text;
    let is_name = |c: char| c.is_alphanumeric() || c == '_' || c == '.';
    let start = text
        .get(..offset)?
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_name(*c))
        .last()
        .map_or(offset, |(i, _)| i);
    let end = text
        .get(offset..)?
        .char_indices()
        .find(|(_, c)| !is_name(*c))
        .map_or(text.len(), |(i, _)| offset + i);
    let word = text.get(start..end)?.trim_matches('.');
    if word.is_empty() {
        return None;
    }
    let target = lib.index.by_name(word)?;
    let at = start + text.get(start..end)?.find(word)?;
    Some((target, None, Span::new(at, at + word.len())))
}

/// A rule id written in a `//` comment of a proposal (a library test's
/// `// expect: RULE STEP`, say).
fn rule_in_comment(
    doc: &Document,
    lib: &Library,
    offset: usize,
) -> Option<(Target, Option<String>, Span)> {
    let text = &doc.text;
    let line_start = text.get(..offset)?.rfind('\n').map_or(0, |i| i + 1);
    let line_end = text
        .get(offset..)?
        .find('\n')
        .map_or(text.len(), |i| offset + i);
    let line = text.get(line_start..line_end)?;
    let comment = line.find("//")? + line_start;
    if offset < comment {
        return None;
    }
    let is_id = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.';
    let start = text
        .get(..offset)?
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_id(*c))
        .last()
        .map_or(offset, |(i, _)| i);
    let end = text
        .get(offset..)?
        .char_indices()
        .find(|(_, c)| !is_id(*c))
        .map_or(line_end, |(i, _)| offset + i);
    let word = text.get(start..end)?.trim_end_matches('.');
    let target = Target::Rule(word.to_string());
    lib.index
        .occurrences
        .iter()
        .any(|o| o.decl && o.target == target)
        .then(|| (target, None, Span::new(start, start + word.len())))
}

/// The index of a policy document in its library's files.
pub fn policy_file(doc: &Document, lib: &Library) -> Option<usize> {
    let name = lib
        .paths
        .iter()
        .find(|(_, p)| Some(p.as_path()) == doc.path.as_deref())
        .map(|(n, _)| n.clone())?;
    lib.index.file_named(&name)
}

fn location(server: &Server, lib: &Library, file: usize, span: Span) -> Option<Location> {
    let f = lib.index.files.get(file)?;
    let text = f.source.text();
    let range = match server.doc_at(lib.paths.get(f.source.name())?) {
        Some(d) => d.range(span.start as usize, span.end as usize, server.enc),
        None => {
            LineIndex::new(text).range(text, span.start as usize, span.end as usize, server.enc)
        }
    };
    Some(Location {
        uri: server.uri_of(lib, f.source.name())?,
        range,
    })
}

fn params_doc<'a>(
    server: &'a Server,
    p: &TextDocumentPositionParams,
) -> Option<(&'a Document, &'a Library, Target, Option<String>, Span)> {
    let (doc, lib) = server.doc(&p.text_document.uri)?;
    let offset = doc.offset(p.position, server.enc);
    let (target, owner, span) = at(doc, lib, offset)?;
    Some((doc, lib, target, owner, span))
}

/// `textDocument/definition`.
pub fn definition(server: &Server, p: &GotoDefinitionParams) -> Option<GotoDefinitionResponse> {
    let (_, lib, target, owner, _) = params_doc(server, &p.text_document_position_params)?;
    let decls: Vec<_> = lib
        .index
        .occurrences
        .iter()
        .filter(|o| o.decl && o.target == target)
        .collect();
    // An attribute of a step: the declaration in its kind, when there is one.
    let narrowed: Vec<_> = decls
        .iter()
        .filter(|o| owner.is_some() && o.owner == owner)
        .collect();
    let chosen: Vec<Location> = if narrowed.is_empty() {
        decls
            .iter()
            .filter_map(|o| location(server, lib, o.file, o.span))
            .collect()
    } else {
        narrowed
            .iter()
            .filter_map(|o| location(server, lib, o.file, o.span))
            .collect()
    };
    match chosen.len() {
        0 => None,
        1 => chosen
            .into_iter()
            .next()
            .map(GotoDefinitionResponse::Scalar),
        _ => Some(GotoDefinitionResponse::Array(chosen)),
    }
}

/// Where a target is written in the open proposals of a library.
fn in_proposals(server: &Server, lib: &Library, target: &Target) -> Vec<(Uri, lsp_types::Range)> {
    let mut out = Vec::new();
    for d in server.docs.values() {
        if d.lib != lib.key || d.kind == DocKind::Policy {
            continue;
        }
        let (Some(p), Ok(uri)) = (d.parsed(), d.uri.parse::<Uri>()) else {
            continue;
        };
        for n in proposal_names(p, lib) {
            if n.target == *target {
                out.push((
                    uri.clone(),
                    d.range(n.span.start as usize, n.span.end as usize, server.enc),
                ));
            }
        }
    }
    out
}

/// `textDocument/references`.
pub fn references(server: &Server, p: &ReferenceParams) -> Option<Vec<Location>> {
    let (_, lib, target, _, _) = params_doc(server, &p.text_document_position)?;
    let mut out: Vec<Location> = lib
        .index
        .occurrences
        .iter()
        .filter(|o| o.target == target && (p.context.include_declaration || !o.decl))
        .filter_map(|o| location(server, lib, o.file, o.span))
        .collect();
    out.extend(
        in_proposals(server, lib, &target)
            .into_iter()
            .map(|(uri, range)| Location { uri, range }),
    );
    Some(out)
}

fn renameable(lib: &Library, target: &Target) -> Result<(), String> {
    match target {
        Target::Value(name) => match lib.index.values.get(name) {
            Some(ValueInfo::Fact { .. } | ValueInfo::Def { .. }) => Ok(()),
            Some(ValueInfo::Variant { .. }) => Err(format!(
                "`{name}` is an enum variant: only definitions and facts can be renamed"
            )),
            None => Err(format!("`{name}` is not declared in this library")),
        },
        Target::Type(n) | Target::Kind(n) | Target::Attr(n) | Target::Rule(n) | Target::Lint(n) => {
            Err(format!(
                "`{n}` is not a definition or a fact: only definitions and facts (entity ids) can be renamed"
            ))
        }
    }
}

/// `textDocument/prepareRename`.
pub fn prepare_rename(
    server: &Server,
    p: &TextDocumentPositionParams,
) -> Result<Option<PrepareRenameResponse>, Failure> {
    let refuse = |why: String| (ErrorCode::InvalidRequest as i32, why);
    let Some((doc, lib, target, _, span)) = params_doc(server, p) else {
        return Err(refuse(
            "nothing to rename here: only definitions and facts (entity ids) can be renamed".into(),
        ));
    };
    renameable(lib, &target).map_err(refuse)?;
    let built_in = match &lib.key {
        super::workspace::LibKey::Standard => true,
        super::workspace::LibKey::Dir(dir) => server.cache.contains(dir),
    };
    if built_in {
        return Err(refuse(
            "the standard library is built into pactum and cannot be renamed in".into(),
        ));
    }
    Ok(Some(PrepareRenameResponse::Range(doc.range(
        span.start as usize,
        span.end as usize,
        server.enc,
    ))))
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The policy language's keywords (`grammar/policy.pest`, rule `keyword`), and `from` and
/// `until`, which a fact's values use.
const KEYWORDS: &[&str] = &[
    "entity", "enum", "type", "step", "fact", "def", "rule", "severity", "cite", "on", "as",
    "when", "forbid", "require", "each", "where", "unless", "because", "message", "help", "label",
    "allow", "excludes", "any", "all", "in", "not", "is", "has", "match", "if", "then", "else",
    "proposal", "true", "false", "from", "until",
];

/// Whether the code of a policy file writes `word` as a name of its own: a whole
/// identifier, outside comments and string literals, and not after or before a `.` (an
/// attribute such as `s.host`, a rule id such as `caspian.x`: other namespaces; a binder
/// or parameter is always declared somewhere without a dot, and is found there).
fn writes_word(text: &str, word: &str) -> bool {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut chars = text.char_indices().peekable();
    let mut prev: Option<char> = None;
    while let Some((i, c)) = chars.next() {
        match c {
            '/' if chars.peek().is_some_and(|(_, n)| *n == '/') => {
                for (_, n) in chars.by_ref() {
                    if n == '\n' {
                        break;
                    }
                }
                prev = Some('\n');
            }
            '/' if chars.peek().is_some_and(|(_, n)| *n == '*') => {
                chars.next();
                let mut star = false;
                for (_, n) in chars.by_ref() {
                    if star && n == '/' {
                        break;
                    }
                    star = n == '*';
                }
                prev = Some(' ');
            }
            '"' => {
                let mut escaped = false;
                for (_, n) in chars.by_ref() {
                    match n {
                        _ if escaped => escaped = false,
                        '\\' => escaped = true,
                        '"' => break,
                        _ => {}
                    }
                }
                prev = Some('"');
            }
            c if ident(c) && !prev.is_some_and(ident) => {
                let mut end = i + c.len_utf8();
                while let Some(&(j, n)) = chars.peek() {
                    if !ident(n) {
                        break;
                    }
                    end = j + n.len_utf8();
                    chars.next();
                }
                let next = chars.peek().map(|(_, n)| *n);
                if text.get(i..end) == Some(word) && prev != Some('.') && next != Some('.') {
                    return true;
                }
                prev = text.get(..end).and_then(|t| t.chars().next_back());
            }
            c => prev = Some(c),
        }
    }
    false
}

/// `textDocument/rename`.
#[expect(
    clippy::mutable_key_type,
    reason = "lsp-types keys a WorkspaceEdit's changes by Uri"
)]
pub fn rename(server: &Server, p: &RenameParams) -> Result<Option<WorkspaceEdit>, Failure> {
    let refuse = |why: String| (ErrorCode::InvalidRequest as i32, why);
    prepare_rename(server, &p.text_document_position)?;
    let Some((_, lib, target, _, _)) = params_doc(server, &p.text_document_position) else {
        return Ok(None);
    };
    if !is_name(&p.new_name) {
        return Err(refuse(format!(
            "`{}` is not a name (letters, digits and `_`, not first a digit)",
            p.new_name
        )));
    }
    if lib.index.values.contains_key(&p.new_name) {
        return Err(refuse(format!(
            "`{}` is already declared in this library",
            p.new_name
        )));
    }
    if KEYWORDS.contains(&p.new_name.as_str()) {
        return Err(refuse(format!(
            "`{}` is a keyword of the policy language",
            p.new_name
        )));
    }
    // A name written anywhere in the library (a binder such as `as s` or `each p`, a
    // parameter, a kind, a type, an attribute, a built-in) could capture the renamed one
    // or clash with it, and change what a rule means: refused, conservatively.
    if lib
        .index
        .files
        .iter()
        .any(|f| writes_word(f.source.text(), &p.new_name))
    {
        return Err(refuse(format!(
            "`{}` is already used in this library (a binder, parameter, kind, type, attribute or other name): renaming to it could change what a rule means",
            p.new_name
        )));
    }
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for o in lib.index.occurrences.iter().filter(|o| o.target == target) {
        if let Some(loc) = location(server, lib, o.file, o.span) {
            changes.entry(loc.uri).or_default().push(TextEdit {
                range: loc.range,
                new_text: p.new_name.clone(),
            });
        }
    }
    for (uri, range) in in_proposals(server, lib, &target) {
        changes.entry(uri).or_default().push(TextEdit {
            range,
            new_text: p.new_name.clone(),
        });
    }
    Ok(Some(WorkspaceEdit {
        changes: Some(changes),
        ..WorkspaceEdit::default()
    }))
}

#[cfg(test)]
mod tests {
    use super::writes_word;

    #[test]
    fn a_name_is_found_in_code_only_and_whole() {
        let text = "rule caspian.x { on exercise as s forbid each p in forces(s) where p == turkey\n  message \"{p} of caspian\" } // caspian\n/* caspian */ def f(x) = x.host";
        for used in ["s", "p", "forces", "exercise", "turkey", "f", "x"] {
            assert!(writes_word(text, used), "{used}");
        }
        for unused in ["caspian", "host", "pp", "turk", "x_", "of"] {
            assert!(!writes_word(text, unused), "{unused}");
        }
    }
}
