//! Document symbols: a policy's rules, facts, step kinds (with their attributes), entity
//! types, enums, type aliases and definitions; a proposal's header and steps (with their
//! attributes).

use lsp_types::{DocumentSymbol, DocumentSymbolParams, DocumentSymbolResponse, SymbolKind};
use pactum::Span;
use pactum::syntax::Item;

use super::Server;
use super::documents::{DocKind, Document};
use super::navigation::policy_file;

#[expect(
    deprecated,
    reason = "`DocumentSymbol::deprecated` must be given; it is None"
)]
fn symbol(
    server: &Server,
    doc: &Document,
    name: &str,
    detail: Option<String>,
    kind: SymbolKind,
    (full, at): (Span, Span),
    children: Vec<DocumentSymbol>,
) -> DocumentSymbol {
    let full = full.join(at);
    DocumentSymbol {
        name: if name.is_empty() {
            "?".to_string()
        } else {
            name.to_string()
        },
        detail,
        kind,
        tags: None,
        deprecated: None,
        range: doc.range(full.start as usize, full.end as usize, server.enc),
        selection_range: doc.range(at.start as usize, at.end as usize, server.enc),
        children: (!children.is_empty()).then_some(children),
    }
}

/// `textDocument/documentSymbol`.
pub fn document_symbols(
    server: &Server,
    p: &DocumentSymbolParams,
) -> Option<DocumentSymbolResponse> {
    let (doc, lib) = server.doc(&p.text_document.uri)?;
    let mut out = Vec::new();
    match doc.kind {
        DocKind::Policy => {
            let file = lib.index.files.get(policy_file(doc, lib)?)?;
            let tree = file.tree.as_ref()?;
            for item in &tree.items {
                let s = |name: &str, detail: Option<String>, kind, full: Span, at: Span, ch| {
                    symbol(server, doc, name, detail, kind, (full, at), ch)
                };
                out.push(match item {
                    Item::Entity(r) | Item::Step(r) => {
                        let children = r
                            .fields
                            .iter()
                            .map(|f| {
                                let ty = file.source.slice(f.ty.span()).to_string();
                                s(
                                    &f.name.node,
                                    Some(ty),
                                    SymbolKind::FIELD,
                                    f.name.span.join(f.ty.span()),
                                    f.name.span,
                                    Vec::new(),
                                )
                            })
                            .collect::<Vec<_>>();
                        let end = r.fields.last().map_or(r.name.span, |f| f.ty.span());
                        let (kind, detail) = if matches!(item, Item::Step(_)) {
                            (SymbolKind::STRUCT, "step kind")
                        } else {
                            (SymbolKind::CLASS, "entity type")
                        };
                        s(
                            &r.name.node,
                            Some(detail.to_string()),
                            kind,
                            r.name.span.join(end),
                            r.name.span,
                            children,
                        )
                    }
                    Item::Enum(e) => {
                        let end = e.variants.last().map_or(e.name.span, |v| v.span);
                        let children = e
                            .variants
                            .iter()
                            .map(|v| {
                                s(
                                    &v.node,
                                    None,
                                    SymbolKind::ENUM_MEMBER,
                                    v.span,
                                    v.span,
                                    Vec::new(),
                                )
                            })
                            .collect();
                        s(
                            &e.name.node,
                            None,
                            SymbolKind::ENUM,
                            e.name.span.join(end),
                            e.name.span,
                            children,
                        )
                    }
                    Item::Alias(a) => s(
                        &a.name.node,
                        Some("type".into()),
                        SymbolKind::TYPE_PARAMETER,
                        a.name.span.join(a.ty.span()),
                        a.name.span,
                        Vec::new(),
                    ),
                    Item::Fact(f) => s(
                        &f.name.node,
                        Some(f.ty.node.clone()),
                        SymbolKind::OBJECT,
                        f.span,
                        f.name.span,
                        Vec::new(),
                    ),
                    Item::Def(d) => s(
                        &d.name.node,
                        Some("def".into()),
                        SymbolKind::FUNCTION,
                        d.name.span.join(d.body.span),
                        d.name.span,
                        Vec::new(),
                    ),
                    Item::Rule(r) => s(
                        &r.id.node,
                        r.severity.as_ref().map(|sv| sv.node.clone()),
                        SymbolKind::EVENT,
                        r.span,
                        r.id.span,
                        Vec::new(),
                    ),
                });
            }
        }
        DocKind::Proposal | DocKind::Json => {
            let prop = doc.parsed()?;
            out.push(symbol(
                server,
                doc,
                &prop.id.node,
                prop.title.as_ref().map(|t| t.node.clone()),
                SymbolKind::MODULE,
                (header_block(doc, prop), prop.id.span),
                Vec::new(),
            ));
            for step in &prop.steps {
                let children = step
                    .attrs
                    .iter()
                    .map(|a| {
                        symbol(
                            server,
                            doc,
                            &a.name.node,
                            None,
                            SymbolKind::FIELD,
                            (a.name.span.join(a.value.span), a.name.span),
                            Vec::new(),
                        )
                    })
                    .collect();
                out.push(symbol(
                    server,
                    doc,
                    &step.id.node,
                    Some(step.kind.node.clone()),
                    SymbolKind::OBJECT,
                    (step.span, step.id.span),
                    children,
                ));
            }
        }
    }
    Some(DocumentSymbolResponse::Nested(out))
}

/// The span of a proposal's header: in the text form, from `proposal` to the `}` that
/// closes its block (the last one before the first step); in JSON, its id, title and date.
fn header_block(doc: &Document, prop: &pactum::Proposal) -> Span {
    let mut span = prop.id.span;
    for s in [
        prop.title.as_ref().map(|t| t.span),
        prop.date.as_ref().map(|d| d.span),
    ]
    .into_iter()
    .flatten()
    {
        span = span.join(s);
    }
    if doc.kind == DocKind::Json {
        return span;
    }
    let text = doc.text.as_str();
    let id = prop.id.span.start as usize;
    let start = text
        .get(..id)
        .and_then(|t| t.rfind("proposal"))
        .unwrap_or(id);
    let limit = prop
        .steps
        .first()
        .map_or(text.len(), |s| s.span.start as usize);
    let end = text
        .get(..limit)
        .and_then(|t| t.rfind('}'))
        .filter(|&e| e >= span.end as usize)
        .map_or(span.end as usize, |e| e + 1);
    span.join(Span::new(start, end))
}
