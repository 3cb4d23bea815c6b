//! Completion, from the text before the cursor (which seldom parses while one types):
//! in a proposal, step kinds after `step ID:` (or `"kind":`), the attributes of the step's
//! kind not yet given, and the values of the attribute's type (entity ids, enum values,
//! `true`/`false`); in a policy, step kinds in `on` clauses and lint names in `allow`.

use lsp_types::{CompletionItem, CompletionItemKind, CompletionParams, CompletionResponse};

use super::Server;
use super::documents::DocKind;
use super::index::FieldInfo;
use super::workspace::Library;

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Punct(char),
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | '-')
}

/// The tokens of a text (comments skipped; an unterminated string is `Str`).
fn tokens(text: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        if c == '/' && chars.peek() == Some(&'/') {
            for c in chars.by_ref() {
                if c == '\n' {
                    break;
                }
            }
        } else if c == '"' {
            let mut s = String::new();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        chars.next();
                    }
                    '"' => break,
                    _ => s.push(c),
                }
            }
            out.push(Tok::Str(s));
        } else if is_word(c) {
            let mut s = String::from(c);
            while let Some(&c) = chars.peek() {
                if !is_word(c) {
                    break;
                }
                s.push(c);
                chars.next();
            }
            out.push(Tok::Word(s));
        } else {
            out.push(Tok::Punct(c));
        }
    }
    out
}

/// Where the cursor is, for completion.
#[derive(Debug, PartialEq)]
enum Context {
    Kind,
    /// An attribute name of a step of this kind; the attributes already given.
    Key(String, Vec<String>),
    /// A value of this attribute of this kind; in a list, the values it already holds.
    Value(String, String, Vec<String>),
    Lint,
    /// After `NAME.` in a policy: the attributes of what the name is (a rule's step
    /// binder: its kinds; a fact: its entity type).
    Member(Vec<String>),
    Nothing,
}

/// Not a kind name (it has a space): the context of the proposal header's keys.
const HEADER: &str = "proposal header";

/// The context at the end of a `.proposal` text.
fn proposal_context(before: &[Tok]) -> Context {
    #[derive(PartialEq)]
    enum S {
        Top,
        Key,
        AfterKey(String),
        Value(String),
        /// In a list (of this depth) of this attribute's values, holding these.
        List(String, usize, Vec<String>),
    }
    let mut s = S::Top;
    let mut kind: Option<String> = None;
    let mut used: Vec<String> = Vec::new();
    let mut header: Vec<&Tok> = Vec::new();
    let mut depth = 0usize;
    for t in before {
        if depth == 0 {
            if *t == Tok::Punct('{') {
                depth = 1;
                // `step ID : KIND {` or `proposal ID {`.
                kind = match header.as_slice() {
                    [
                        ..,
                        Tok::Word(st),
                        Tok::Word(_),
                        Tok::Punct(':'),
                        Tok::Word(k),
                    ] if st == "step" => Some(k.clone()),
                    // The header's keys are completed as those of a kind of this name.
                    [.., Tok::Word(p), Tok::Word(_)] if p == "proposal" => Some(HEADER.to_string()),
                    _ => None,
                };
                used.clear();
                header.clear();
                s = S::Key;
            } else {
                header.push(t);
            }
            continue;
        }
        s = match (s, t) {
            (_, Tok::Punct('}')) => {
                depth = 0;
                S::Top
            }
            (S::Key, Tok::Word(w)) => {
                used.push(w.clone());
                S::AfterKey(w.clone())
            }
            (S::Key, _) => S::Key,
            (S::AfterKey(k), Tok::Punct(':')) => S::Value(k),
            (S::AfterKey(_), _) => S::Key,
            (S::Value(k), Tok::Punct('[')) => S::List(k, 1, Vec::new()),
            (S::Value(_), _) => S::Key,
            (S::List(k, n, vs), Tok::Punct('[')) => S::List(k, n + 1, vs),
            (S::List(_, 1, _), Tok::Punct(']')) => S::Key,
            (S::List(k, n, vs), Tok::Punct(']')) => S::List(k, n - 1, vs),
            (S::List(k, n, mut vs), Tok::Word(w) | Tok::Str(w)) => {
                vs.push(w.clone());
                S::List(k, n, vs)
            }
            (S::List(k, n, vs), _) => S::List(k, n, vs),
            (S::Top, _) => S::Top,
        };
    }
    match s {
        S::Top => match header.as_slice() {
            [.., Tok::Word(st), Tok::Word(_), Tok::Punct(':')] if st == "step" => Context::Kind,
            _ => Context::Nothing,
        },
        S::Key => kind.map_or(Context::Nothing, |k| Context::Key(k, used)),
        S::Value(a) => kind.map_or(Context::Nothing, |k| Context::Value(k, a, Vec::new())),
        S::List(a, _, vs) => kind.map_or(Context::Nothing, |k| Context::Value(k, a, vs)),
        S::AfterKey(_) => Context::Nothing,
    }
}

/// The context at the end of a JSON proposal text (the cursor inside a string, or where
/// one starts).
fn json_context(before: &[Tok]) -> Context {
    struct Obj {
        keys: Vec<String>,
        kind: Option<String>,
        pending: Option<String>,
        expect_key: bool,
    }
    enum Frame {
        Obj(Obj),
        /// An array of this attribute's values, holding these.
        Arr(Option<String>, Vec<String>),
    }
    let mut stack: Vec<Frame> = Vec::new();
    for t in before {
        match t {
            Tok::Punct('{') => {
                if let Some(Frame::Obj(o)) = stack.last_mut() {
                    o.expect_key = false;
                }
                stack.push(Frame::Obj(Obj {
                    keys: Vec::new(),
                    kind: None,
                    pending: None,
                    expect_key: true,
                }));
            }
            Tok::Punct('[') => {
                let key = match stack.last() {
                    Some(Frame::Obj(o)) => o.pending.clone(),
                    _ => None,
                };
                stack.push(Frame::Arr(key, Vec::new()));
            }
            Tok::Punct('}') | Tok::Punct(']') => {
                stack.pop();
                if let Some(Frame::Obj(o)) = stack.last_mut() {
                    o.pending = None;
                }
            }
            Tok::Punct(',') => {
                if let Some(Frame::Obj(o)) = stack.last_mut() {
                    o.expect_key = true;
                    o.pending = None;
                }
            }
            Tok::Punct(':') => {
                if let Some(Frame::Obj(o)) = stack.last_mut() {
                    o.expect_key = false;
                }
            }
            Tok::Str(s) | Tok::Word(s) => {
                if let Some(Frame::Arr(_, vs)) = stack.last_mut() {
                    vs.push(s.clone());
                }
                if let Some(Frame::Obj(o)) = stack.last_mut() {
                    if o.expect_key {
                        o.keys.push(s.clone());
                        o.pending = Some(s.clone());
                    } else if o.pending.as_deref() == Some("kind") {
                        o.kind = Some(s.clone());
                    }
                }
            }
            Tok::Punct(_) => {}
        }
    }
    let step_of = |o: &Obj| o.kind.clone();
    match stack.last() {
        Some(Frame::Obj(o)) if o.expect_key => match step_of(o) {
            Some(k) => Context::Key(k, o.keys.clone()),
            None => Context::Nothing,
        },
        Some(Frame::Obj(o)) => match (o.pending.as_deref(), step_of(o)) {
            (Some("kind"), _) => Context::Kind,
            (Some(a), Some(k)) => Context::Value(k, a.to_string(), Vec::new()),
            _ => Context::Nothing,
        },
        Some(Frame::Arr(Some(a), present)) => {
            let kind = stack.iter().rev().find_map(|f| match f {
                Frame::Obj(o) => Some(o.kind.clone()),
                Frame::Arr(..) => None,
            });
            match kind.flatten() {
                Some(k) => Context::Value(k, a.clone(), present.clone()),
                None => Context::Nothing,
            }
        }
        _ => Context::Nothing,
    }
}

/// The context at the end of a `.policy` text.
fn policy_context(before: &[Tok]) -> Context {
    let mut i = before.len();
    while let Some(t) = i.checked_sub(1).and_then(|j| before.get(j)) {
        match t {
            Tok::Word(w) if w == "on" => return Context::Kind,
            Tok::Word(w) if w == "allow" => return Context::Lint,
            Tok::Punct(',') => {}
            Tok::Word(_) if i == before.len() || matches!(before.get(i), Some(Tok::Punct(','))) => {
            }
            _ => return Context::Nothing,
        }
        i -= 1;
    }
    Context::Nothing
}

/// An attribute's type and default, from the schema when the library compiles.
fn attr_detail(lib: &Library, kind: &str, f: &FieldInfo) -> String {
    if let Some(a) = lib.attribute(kind, &f.name) {
        let mut d = a.ty.to_string();
        match &a.default {
            Some(pactum::DefaultValue::Value { text, .. }) => d.push_str(&format!(" = {text}")),
            Some(pactum::DefaultValue::SameAs(other)) => d.push_str(&format!(" = {other}")),
            None if a.optional => d.push('?'),
            None => {}
        }
        return d;
    }
    let mut d = f.ty.clone();
    if f.optional {
        d.push('?');
    }
    if let Some(x) = &f.default {
        d.push_str(&format!(" = {x}"));
    }
    d
}

/// The kinds or entity type of `name` before a `.` at the end of a policy text: the binder
/// of the last `on KIND, KIND as NAME`, or a fact.
fn member_context(before: &[Tok], name: &str, lib: &Library) -> Context {
    let binder = before
        .windows(2)
        .rposition(|w| matches!(w, [Tok::Word(a), Tok::Word(b)] if a == "as" && b == name));
    if let Some(i) = binder {
        let mut kinds = Vec::new();
        for t in before.get(..i).unwrap_or_default().iter().rev() {
            match t {
                Tok::Word(w) if w == "on" => return Context::Member(kinds),
                Tok::Word(w) => kinds.push(w.clone()),
                Tok::Punct(',') => {}
                _ => break,
            }
        }
    }
    match lib.index.values.get(name) {
        Some(super::index::ValueInfo::Fact { ty, .. }) => Context::Member(vec![ty.clone()]),
        _ => Context::Nothing,
    }
}

fn item(label: &str, kind: CompletionItemKind, detail: Option<String>) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail,
        ..CompletionItem::default()
    }
}

fn items(ctx: Context, lib: &Library) -> Vec<CompletionItem> {
    match ctx {
        Context::Kind => lib
            .index
            .kinds
            .iter()
            .map(|(k, fields)| {
                let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
                item(
                    k,
                    CompletionItemKind::CLASS,
                    Some(format!("step kind: {}", names.join(", "))),
                )
            })
            .collect(),
        Context::Key(kind, used) if kind == HEADER => ["title", "date"]
            .iter()
            .filter(|k| !used.iter().any(|u| u == *k))
            .map(|k| item(k, CompletionItemKind::FIELD, None))
            .collect(),
        Context::Key(kind, used) => {
            let Some(fields) = lib.index.kinds.get(&kind) else {
                return Vec::new();
            };
            let mut out: Vec<CompletionItem> = fields
                .iter()
                .filter(|f| !used.contains(&f.name))
                .map(|f| {
                    let mut it = item(
                        &f.name,
                        CompletionItemKind::FIELD,
                        Some(attr_detail(lib, &kind, f)),
                    );
                    it.documentation = lib
                        .attribute(&kind, &f.name)
                        .and_then(|a| a.doc.clone())
                        .or_else(|| f.doc.clone())
                        .map(lsp_types::Documentation::String);
                    it
                })
                .collect();
            for extra in ["date", "note"] {
                if !used.iter().any(|u| u == extra) {
                    out.push(item(extra, CompletionItemKind::FIELD, None));
                }
            }
            out
        }
        // A list's values already given are left out.
        Context::Value(kind, attr, present) => lib
            .values_of(&kind, &attr)
            .into_iter()
            .filter(|(v, _)| !present.contains(v))
            .map(|(v, detail)| item(&v, CompletionItemKind::ENUM_MEMBER, Some(detail)))
            .collect(),
        Context::Member(owners) => {
            let mut out: Vec<CompletionItem> = Vec::new();
            for o in &owners {
                let fields = lib.index.kinds.get(o).or_else(|| lib.index.entities.get(o));
                for f in fields.into_iter().flatten() {
                    if !out.iter().any(|i| i.label == f.name) {
                        out.push(item(
                            &f.name,
                            CompletionItemKind::FIELD,
                            Some(attr_detail(lib, o, f)),
                        ));
                    }
                }
            }
            if owners.iter().any(|o| lib.index.kinds.contains_key(o)) {
                for extra in ["id", "date"] {
                    out.push(item(extra, CompletionItemKind::FIELD, None));
                }
            }
            out
        }
        Context::Lint => pactum::lint::LINTS
            .iter()
            .map(|l| {
                item(
                    l.name,
                    CompletionItemKind::KEYWORD,
                    Some(l.summary.to_string()),
                )
            })
            .collect(),
        Context::Nothing => Vec::new(),
    }
}

/// `textDocument/completion`.
pub fn complete(server: &Server, p: &CompletionParams) -> Option<CompletionResponse> {
    let tp = &p.text_document_position;
    let (doc, lib) = server.doc(&tp.text_document.uri)?;
    let offset = doc.offset(tp.position, server.enc);
    let before = doc.text.get(..offset)?;
    // The word being typed is not part of the context.
    let cut = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()
        .map_or(before.len(), |(i, _)| i);
    let mut head = before.get(..cut)?.to_string();
    let json = doc.kind == DocKind::Json;
    if json {
        // Inside a string being typed: drop its opening quote.
        let quotes = head.chars().filter(|&c| c == '"').count();
        if quotes % 2 == 1 {
            if let Some(q) = head.rfind('"') {
                head.truncate(q);
            }
        }
    }
    let toks = tokens(&head);
    let typed = before.get(cut..).unwrap_or_default();
    let ctx = match doc.kind {
        DocKind::Proposal => proposal_context(&toks),
        DocKind::Json => json_context(&toks),
        DocKind::Policy => match typed.rsplit_once('.') {
            Some((name, _)) if !name.is_empty() && !name.contains('.') => {
                member_context(&tokens(before.get(..cut)?), name, lib)
            }
            _ => policy_context(&toks),
        },
    };
    let member = matches!(ctx, Context::Member(_));
    let mut items = items(ctx, lib);
    if member {
        // Only the part after the `.` is replaced (a client's word may hold the dot).
        let from = before.rfind('.').map_or(offset, |i| i + 1);
        let range = doc.range(from, offset, server.enc);
        for it in &mut items {
            it.text_edit = Some(lsp_types::CompletionTextEdit::Edit(lsp_types::TextEdit {
                range,
                new_text: it.label.clone(),
            }));
        }
    }
    Some(CompletionResponse::Array(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(text: &str) -> Context {
        proposal_context(&tokens(text))
    }

    #[test]
    fn proposal_contexts() {
        assert_eq!(ctx("proposal p {}\nstep ex1: "), Context::Kind);
        assert_eq!(
            ctx("proposal p { date: 2026-01-01 }\nstep ex1: exercise {\n  area: caspian_sea\n  "),
            Context::Key("exercise".into(), vec!["area".into()])
        );
        assert_eq!(
            ctx("step ex1: exercise {\n  participants: [turkey, "),
            Context::Value(
                "exercise".into(),
                "participants".into(),
                vec!["turkey".into()]
            )
        );
        assert_eq!(
            ctx("step ex1: exercise { participants: [turkey], area: "),
            Context::Value("exercise".into(), "area".into(), Vec::new())
        );
        assert_eq!(ctx("step ex1: exercise { area: x }\n"), Context::Nothing);
        assert_eq!(
            ctx("proposal p {\n  title: \"t\"\n  "),
            Context::Key(HEADER.into(), vec!["title".into()])
        );
    }

    #[test]
    fn json_contexts() {
        let j = |t: &str| json_context(&tokens(t));
        assert_eq!(
            j(r#"{"id": "p", "steps": [{"id": "a", "kind": "#),
            Context::Kind
        );
        assert_eq!(
            j(r#"{"id": "p", "steps": [{"id": "a", "kind": "exercise", "#),
            Context::Key("exercise".into(), vec!["id".into(), "kind".into()])
        );
        assert_eq!(
            j(r#"{"steps": [{"kind": "exercise", "participants": ["turkey", "#),
            Context::Value(
                "exercise".into(),
                "participants".into(),
                vec!["turkey".into()]
            )
        );
    }

    #[test]
    fn policy_contexts() {
        let p = |t: &str| policy_context(&tokens(t));
        assert_eq!(p("rule r {\n  on exercise, "), Context::Kind);
        assert_eq!(p("rule r {\n  on "), Context::Kind);
        assert_eq!(p("rule r {\n  allow "), Context::Lint);
        assert_eq!(p("rule r {\n  when "), Context::Nothing);
    }
}
