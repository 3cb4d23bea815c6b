//! Hover: what a name is. A rule id: its severity, message, citation and help; an entity
//! id: its fact; a definition: its text; a step kind or entity type: its attributes; an
//! attribute: its type, whether optional, its default and doc comment; a lint named in
//! `allow`: its explanation. On a diagnostic's range with no name under the cursor: its
//! rule (a violation) or the explanation of its code.

use lsp_types::{Hover, HoverContents, HoverParams, MarkupContent, MarkupKind};

use super::Server;
use super::documents::{DocKind, Document};
use super::index::{FieldInfo, Target, ValueInfo};
use super::navigation;
use super::workspace::{Library, explanation};

/// `textDocument/hover`.
pub fn hover(server: &Server, p: &HoverParams) -> Option<Hover> {
    let tp = &p.text_document_position_params;
    let (doc, lib) = server.doc(&tp.text_document.uri)?;
    let offset = doc.offset(tp.position, server.enc);
    let named = navigation::at_loosely(doc, lib, offset).and_then(|(target, owner, span)| {
        let text = describe(lib, &target, owner.as_deref(), server.today)?;
        Some((
            text,
            doc.range(span.start as usize, span.end as usize, server.enc),
        ))
    });
    let named = named.or_else(|| {
        let (text, start, end) = reserved_key(doc, offset)?;
        Some((text, doc.range(start, end, server.enc)))
    });
    let (text, range) = match named {
        Some(found) => found,
        // No name known here (a misspelt one, say): the diagnostic under the cursor.
        None => {
            let pos = tp.position;
            let d = doc
                .published
                .iter()
                .find(|d| d.range.start <= pos && pos <= d.range.end)?;
            let text = if d.violation.is_some() {
                describe(lib, &Target::Rule(d.code.clone()), None, server.today)?
            } else {
                format!("**`{}`**\n\n{}", d.code, explanation(&d.code)?)
            };
            (text, d.range)
        }
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: text,
        }),
        range: Some(range),
    })
}

/// A key every proposal has, whatever its library (`id`, `kind`, `title`, `date`, `note`,
/// `steps`) under the cursor, before its `:`: what it is, and where (the header or a step).
fn reserved_key(doc: &Document, offset: usize) -> Option<(String, usize, usize)> {
    if doc.kind == DocKind::Policy {
        return None;
    }
    let text = doc.text.as_str();
    let is_key = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let start = text
        .get(..offset)?
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_key(*c))
        .last()
        .map_or(offset, |(i, _)| i);
    let end = text
        .get(offset..)?
        .char_indices()
        .find(|(_, c)| !is_key(*c))
        .map_or(text.len(), |(i, _)| offset + i);
    let key = text.get(start..end)?;
    let after = text.get(end..)?;
    let after = if doc.kind == DocKind::Json {
        after.strip_prefix('"')?
    } else {
        after
    };
    if !after.trim_start().starts_with(':') {
        return None;
    }
    // In a step's block, or the header's?
    let spans = |p: &pactum::Proposal| -> Vec<(usize, usize)> {
        p.steps
            .iter()
            .map(|s| (s.span.start as usize, s.span.end as usize))
            .collect()
    };
    let in_step = match (doc.parsed(), &doc.last_good) {
        (Some(p), _) => spans(p).iter().any(|&(a, b)| a <= start && end <= b),
        // Not parsed: the nearest `step` or `proposal` (text) or `"kind"` (JSON) before it.
        _ => {
            let before = text.get(..start)?;
            if doc.kind == DocKind::Json {
                before.contains("\"steps\"")
            } else {
                before.rfind("step ") > before.rfind("proposal ")
            }
        }
    };
    let what = match (key, in_step) {
        ("id", true) => "the step's id: unique in its proposal, the name its violations carry",
        ("id", false) => "the proposal's id: the name its report carries",
        ("kind", true) => {
            "the step's kind: one of the library's step kinds, which says what attributes it takes"
        }
        ("date", true) => {
            "the step's date (`YYYY-MM-DD`, optional): the rules are applied as of it; default: the proposal's date"
        }
        ("date", false) => {
            "the proposal's date (`YYYY-MM-DD`, optional): the default date of its steps, as of which the rules are applied (without one: today)"
        }
        ("title", false) => "the proposal's title: free text, optional",
        ("note", true) => "a free-text note on the step, optional: no rule reads it",
        ("steps", false) => "the proposal's steps, in order",
        _ => return None,
    };
    let place = if in_step { "step" } else { "proposal" };
    Some((format!("**`{key}`** ({place} key): {what}"), start, end))
}

fn field_text(owner: &str, f: &FieldInfo) -> String {
    let mut s = format!("`{owner}.{}`: `{}`", f.name, f.ty);
    if f.optional {
        s.push_str(" (optional)");
    }
    if let Some(d) = &f.default {
        s.push_str(&format!(", default `{d}`"));
    }
    if f.default.is_none() && !f.optional {
        s.push_str(" (required)");
    }
    if let Some(doc) = &f.doc {
        s.push_str(&format!("\n\n{doc}"));
    }
    s
}

fn fields_text(fields: &[FieldInfo]) -> String {
    fields
        .iter()
        .map(|f| {
            let mut line = format!("- `{}`: `{}`", f.name, f.ty);
            if f.optional {
                line.push('?');
            }
            if let Some(d) = &f.default {
                line.push_str(&format!(" = `{d}`"));
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// An attribute as the schema has it: `` `area`: `State | Region` (required) ``.
fn attr_line(name: &str, a: &pactum::AttributeSchema) -> String {
    let mut s = format!("`{name}`: `{}`", a.ty);
    match &a.default {
        // A set or list as a proposal writes it (`[]`, not `none`).
        Some(pactum::DefaultValue::Value {
            json: serde_json::Value::Array(items),
            ..
        }) => {
            let items: Vec<String> = items
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                .collect();
            s.push_str(&format!(", default `[{}]`", items.join(", ")))
        }
        Some(pactum::DefaultValue::Value { text, .. }) => {
            s.push_str(&format!(", default `{text}`"))
        }
        Some(pactum::DefaultValue::SameAs(other)) => {
            s.push_str(&format!(", default: the value of `{other}`"))
        }
        None if a.optional => s.push_str(" (optional)"),
        None => s.push_str(" (required)"),
    }
    s
}

/// The hover text of a name (`today`: the date an entity's facts are shown as of).
pub fn describe(
    lib: &Library,
    target: &Target,
    owner: Option<&str>,
    today: pactum::Date,
) -> Option<String> {
    let idx = &lib.index;
    Some(match target {
        Target::Rule(id) => {
            let Some(info) = lib
                .engine
                .as_ref()
                .and_then(|e| e.rules().find(|r| r.id == id))
            else {
                return Some(format!("rule `{id}`"));
            };
            let mut s = format!(
                "**rule `{id}`** ({})\n\n{}",
                info.severity.as_str(),
                info.message
            );
            if let Some(c) = info.cite {
                s.push_str(&format!("\n\n*cite:* {c}"));
            }
            if let Some(h) = info.help {
                s.push_str(&format!("\n\n*help:* {h}"));
            }
            if let Some(c) = info.comment {
                s.push_str(&format!("\n\n{c}"));
            }
            s
        }
        Target::Value(name) => match idx.values.get(name)? {
            ValueInfo::Fact { ty, text } => {
                match lib.engine.as_ref().and_then(|e| e.facts(name, today)) {
                    Some((facts, _)) => {
                        let mut s = format!("**entity `{name}`**: `{ty}`, as of {today}\n");
                        for f in &facts {
                            s.push_str(&format!("\n- `{}`: {}", f.attribute, f.value));
                            if f.changes {
                                s.push_str(" (changes over time)");
                            }
                        }
                        s
                    }
                    None => format!("**entity `{name}`**: `{ty}`\n\n```pactum\n{text}\n```"),
                }
            }
            ValueInfo::Def { text } => format!("**definition `{name}`**\n\n```pactum\n{text}\n```"),
            ValueInfo::Variant { of } => format!("**`{name}`**: a value of enum `{of}`"),
        },
        Target::Kind(name) => {
            if let Some(k) = lib
                .schema
                .as_ref()
                .and_then(|s| s.kinds.iter().find(|k| k.name == *name))
            {
                let attrs: Vec<String> = k
                    .attributes
                    .iter()
                    .map(|a| format!("- {}", attr_line(&a.name, a)))
                    .collect();
                let mut s = format!("**step kind `{name}`**");
                if let Some(d) = &k.doc {
                    s.push_str(&format!("\n\n{d}"));
                }
                s.push_str(&format!(
                    "\n\n{}\n\nand `date` (default: the proposal's), `note`",
                    attrs.join("\n")
                ));
                return Some(s);
            }
            let fields = idx.kinds.get(name)?;
            format!(
                "**step kind `{name}`**\n\n{}\n\nand `date` (default: the proposal's), `note`",
                fields_text(fields)
            )
        }
        Target::Type(name) => {
            if let Some(fields) = idx.entities.get(name) {
                format!("**entity type `{name}`**\n\n{}", fields_text(fields))
            } else if let Some(vs) = idx.enums.get(name) {
                format!(
                    "**enum `{name}`**: {}",
                    vs.iter()
                        .map(|v| format!("`{v}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            } else {
                format!("**type `{name}`** = `{}`", idx.aliases.get(name)?)
            }
        }
        Target::Attr(name) => {
            let mut parts = Vec::new();
            for (kind, fields) in idx.kinds.iter().chain(idx.entities.iter()) {
                if owner.is_some_and(|o| o != kind) {
                    continue;
                }
                if let Some(a) = lib.attribute(kind, name) {
                    let mut s =
                        format!("**attribute** {}", attr_line(&format!("{kind}.{name}"), a));
                    if let Some(d) = &a.doc {
                        s.push_str(&format!("\n\n{d}"));
                    }
                    parts.push(s);
                } else if let Some(f) = fields.iter().find(|f| f.name == *name) {
                    parts.push(field_text(kind, f));
                }
            }
            if parts.is_empty() {
                return None;
            }
            parts.join("\n\n---\n\n")
        }
        Target::Lint(name) => {
            let info = pactum::lint::lint_info(name)?;
            let text = explanation(name).unwrap_or_else(|| info.summary.to_string());
            format!("**lint `{name}`**\n\n{text}")
        }
    })
}
