//! Binding: a parsed proposal is validated against the library's schema and lowered to
//! interned ids (step kinds, atoms, attribute slots, string symbols).

use std::collections::HashMap;

use crate::bitset::AtomSet;
use crate::date::{Date, DateError};
use crate::diag::{Code, Diagnostic, did_you_mean};
use crate::eval::{Bound, BoundStep, StringTable};
use crate::ir::*;
use crate::proposal::{Proposal, RawValue};
use crate::source::{SourceFile, Spanned};

struct Binder<'a> {
    lib: &'a Compiled,
    source: &'a SourceFile,
    errors: crate::diag::ErrorList,
    strings: StringTable,
    /// Keys borrowed from the proposal: one copy of each string (in `strings`), not two.
    /// Built only once the proposal has more than [`LINEAR_STRINGS`] strings: below, the
    /// table is searched (a proposal of one step has one or two strings).
    string_ids: Option<HashMap<&'a str, u32>>,
    /// The proposal's first strings (ids from the library's literal count on), while
    /// `string_ids` is not built.
    few: [&'a str; LINEAR_STRINGS],
    few_len: usize,
    /// How many strings to expect (the number of steps: each has an id).
    expected: usize,
}

/// Up to this many proposal strings, interning searches the table instead of hashing.
const LINEAR_STRINGS: usize = 8;

/// Validates a proposal against the schema and binds it. All input errors are returned.
pub fn bind(lib: &Compiled, p: &Proposal) -> Result<Bound, Vec<Diagnostic>> {
    let mut b = Binder {
        lib,
        source: &p.source,
        errors: crate::diag::ErrorList::default(),
        // Every step has an id; most are short.
        strings: StringTable::with_capacity(p.steps.len() + 2, 8 * p.steps.len() + 16),
        string_ids: None,
        few: [""; LINEAR_STRINGS],
        few_len: 0,
        expected: p.steps.len(),
    };
    let mut steps = Vec::with_capacity(p.steps.len());
    let mut step_ids = Vec::with_capacity(p.steps.len());
    let proposal_date = p.date.as_ref().map(|d| d.node);
    for step in &p.steps {
        step_ids.push(b.intern(&step.id.node));
        let Some(&kind) = lib.kind_index.get(&step.kind.node) else {
            let mut names: Vec<&str> = lib.kind_index.keys().map(String::as_str).collect();
            names.sort_unstable();
            let h = did_you_mean(&step.kind.node, names.iter().copied()).map(str::to_string);
            let d = Diagnostic::error(
                Code::UnknownKind,
                format!("unknown step kind `{}`", step.kind.node),
                b.source,
                step.kind.span,
                "not a step kind of this policy library",
            );
            b.errors.push(match h {
                Some(h) => d.with_suggestion(h),
                None => d.with_help(format!("the step kinds are: {}", names.join(", "))),
            });
            continue;
        };
        let Some(info) = lib.kinds.get(kind as usize) else {
            continue;
        };
        let mut slots: Vec<Option<Value>> = Vec::with_capacity(info.fields.len());
        slots.resize_with(info.fields.len(), || None);
        let mut given = Given::new(info.fields.len());
        for attr in &step.attrs {
            let Some(&slot) = info.index.get(&attr.name.node) else {
                let h = did_you_mean(&attr.name.node, info.fields.iter().map(|f| f.name.as_str()))
                    .map(str::to_string);
                let d = Diagnostic::error(
                    Code::UnknownAttribute,
                    format!(
                        "step kind `{}` has no attribute `{}`",
                        info.name, attr.name.node
                    ),
                    b.source,
                    attr.name.span,
                    "unknown attribute",
                );
                let names: Vec<&str> = info.fields.iter().map(|f| f.name.as_str()).collect();
                b.errors.push(match h {
                    Some(h) => d.with_suggestion(h),
                    None => d.with_help(format!(
                        "`{}` steps have: {}, and `date`, `note`",
                        info.name,
                        names.join(", ")
                    )),
                });
                continue;
            };
            let Some(field) = info.fields.get(slot as usize) else {
                continue;
            };
            given.set(slot as usize);
            if let Some(v) = b.value(&attr.value, &field.ty, &attr.name.node) {
                if let Some(s) = slots.get_mut(slot as usize) {
                    *s = Some(v);
                }
            }
        }
        let mut missing = Vec::new();
        for (i, f) in info.fields.iter().enumerate() {
            if given.get(i) {
                continue;
            }
            match &f.default {
                Some(Default::Const(v)) => {
                    if let Some(s) = slots.get_mut(i) {
                        *s = Some(v.clone());
                    }
                }
                Some(Default::Attr(_)) => {}
                None if f.optional => {}
                None => missing.push(f),
            }
        }
        for (i, f) in info.fields.iter().enumerate() {
            if let (Some(Default::Attr(from)), false) = (&f.default, given.get(i)) {
                let v = slots.get(*from as usize).cloned().flatten();
                if let Some(s) = slots.get_mut(i) {
                    *s = v;
                }
            }
        }
        if !missing.is_empty() {
            let names: Vec<String> = missing.iter().map(|f| format!("`{}`", f.name)).collect();
            let json = is_json(&p.source);
            let example: Vec<String> = missing.iter().map(|f| wanted(lib, f, json)).collect();
            let mut d = Diagnostic::error(
                Code::MissingAttribute,
                format!(
                    "step `{}` ({}) is missing required attribute{} {}",
                    step.id.node,
                    info.name,
                    if missing.len() > 1 { "s" } else { "" },
                    names.join(", ")
                ),
                b.source,
                step.id.span,
                format!("missing {}", names.join(", ")),
            )
            .with_help(format!("add {}", example.join("; ")));
            // A JSON step that gives one of them as `null`: null is the key left out.
            let given_null = json
                && missing.iter().any(|f| {
                    let key = format!("\"{}\"", f.name);
                    let text = p.source.slice(step.span);
                    text.split(key.as_str()).skip(1).any(|after| {
                        after
                            .trim_start()
                            .strip_prefix(':')
                            .is_some_and(|v| v.trim_start().starts_with("null"))
                    })
                });
            if given_null {
                d.notes.push(
                    "in JSON, `null` is the key left out: a required attribute needs a value"
                        .to_string(),
                );
            }
            b.errors.push(d);
        }
        steps.push(BoundStep {
            kind,
            slots: slots.into(),
            date: step.date.as_ref().map(|d| d.node).or(proposal_date),
        });
    }
    if b.errors.is_empty() {
        Ok(Bound {
            steps,
            step_ids,
            strings: {
                let mut t = b.strings;
                t.shrink_to_fit();
                t
            },
        })
    } else {
        b.errors.sort_by_key(|d| d.span.start);
        Err(b.errors.into_vec())
    }
}

/// Which attributes a step gives: a bitmask, or a vector for kinds of more than 128.
enum Given {
    Few(u128),
    Many(Vec<bool>),
}

impl Given {
    fn new(n: usize) -> Given {
        if n <= 128 {
            Given::Few(0)
        } else {
            Given::Many(vec![false; n])
        }
    }

    fn set(&mut self, i: usize) {
        match self {
            Given::Few(bits) => {
                if i < 128 {
                    *bits |= 1 << i;
                }
            }
            Given::Many(v) => {
                if let Some(g) = v.get_mut(i) {
                    *g = true;
                }
            }
        }
    }

    fn get(&self, i: usize) -> bool {
        match self {
            Given::Few(bits) => i < 128 && bits & (1 << i) != 0,
            Given::Many(v) => v.get(i).copied().unwrap_or(false),
        }
    }
}

/// A missing attribute, as the help says to add it: in the syntax of the proposal's own
/// form (`name: ...` in the text form, `"name": ...` in JSON), with what it takes and, when
/// the library has a few, the values it can take: never one picked for the user.
fn wanted(lib: &Compiled, f: &crate::ir::FieldInfo, json: bool) -> String {
    let (elem, value) = match &f.ty {
        Ty::Set(t) | Ty::List(t) => (t.as_ref(), "[...]"),
        t => (t, "..."),
    };
    let key = if json {
        format!("`\"{}\": {value}`", f.name)
    } else {
        format!("`{}: {value}`", f.name)
    };
    let values = atom_values(lib, elem).unwrap_or_default();
    let takes = describe_ty(lib, &f.ty);
    match values.as_slice() {
        [] => format!("{key} ({takes})"),
        few if few.len() <= 6 => format!("{key} ({takes}: {})", few.join(", ")),
        many => format!("{key} ({takes}, from the {} the library knows)", many.len()),
    }
}

/// Whether a proposal is in the JSON form (for help texts in its own syntax): JSON starts
/// with `{`, the text form with `proposal` or a comment.
fn is_json(source: &SourceFile) -> bool {
    source
        .text()
        .trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n'])
        .starts_with('{')
}

/// `attr: example` in the proposal's own syntax: the text form's, or JSON's (`"attr":
/// example`, with ids and dates quoted).
fn example_entry(lib: &Compiled, attr: &str, ty: &Ty, json: bool) -> String {
    let example = example_of(lib, ty);
    if !json {
        return format!("{attr}: {example}");
    }
    let quote = |v: &str| match v {
        "true" | "false" => v.to_string(),
        v if v.starts_with('"') || v.parse::<i64>().is_ok() => v.to_string(),
        v => format!("\"{v}\""),
    };
    let value = match example.strip_prefix('[').and_then(|e| e.strip_suffix(']')) {
        Some(inner) => format!("[{}]", quote(inner)),
        None => quote(&example),
    };
    format!("\"{attr}\": {value}")
}

/// The names of the values of an entity type (its facts) or an enum; `None` for other types.
fn atom_values<'l>(lib: &'l Compiled, ty: &Ty) -> Option<Vec<&'l str>> {
    Some(match ty {
        Ty::Entity(ts) => lib
            .atoms
            .iter()
            .filter(|a| matches!(a.kind, AtomKind::Entity(t) if ts.contains(&t)))
            .map(|a| a.name.as_str())
            .collect(),
        Ty::Enum(e) => lib
            .enums
            .get(*e as usize)
            .map(|(_, v)| v.iter().map(|a| lib.atom_name(*a)).collect())
            .unwrap_or_default(),
        _ => return None,
    })
}

/// What an attribute of an entity or enum type (or a list of them) takes, as help text:
/// "one of: a, b, c" (up to 24), "a `State`, from the 40 the library knows", or that the
/// library declares none. `None` for other types.
fn takes(lib: &Compiled, ty: &Ty) -> Option<String> {
    let elem = match ty {
        Ty::Set(t) | Ty::List(t) => t.as_ref(),
        t => t,
    };
    let values = atom_values(lib, elem)?;
    let name = lib.ty_name(elem);
    Some(match values.len() {
        0 => format!(
            "{} `{name}`, and the library declares none",
            crate::diag::article(&name)
        ),
        1..=24 => format!("one of: {}", values.join(", ")),
        n => format!(
            "{} `{name}`, from the {n} the library knows",
            crate::diag::article(&name)
        ),
    })
}

fn example_of(lib: &Compiled, ty: &Ty) -> String {
    match ty {
        Ty::Bool => "true".into(),
        Ty::Int => "1".into(),
        Ty::Str => "\"...\"".into(),
        Ty::Date => "2026-01-01".into(),
        Ty::Entity(ts) => ts
            .iter()
            .find_map(|t| {
                lib.atoms
                    .iter()
                    .find(|a| a.kind == AtomKind::Entity(*t))
                    .map(|a| a.name.clone())
            })
            .unwrap_or_else(|| lib.ty_name(ty)),
        Ty::Enum(e) => lib
            .enums
            .get(*e as usize)
            .and_then(|(_, v)| v.first())
            .map_or_else(|| lib.ty_name(ty), |a| lib.atom_name(*a).to_string()),
        Ty::Set(t) | Ty::List(t) => format!("[{}]", example_of(lib, t)),
        _ => lib.ty_name(ty),
    }
}

impl<'a> Binder<'a> {
    fn intern(&mut self, s: &'a str) -> u32 {
        if let Some(&id) = self.lib.string_index.get(s) {
            return id;
        }
        let base = self.lib.strings.len();
        match &self.string_ids {
            Some(ids) => {
                if let Some(&id) = ids.get(s) {
                    return id;
                }
            }
            None => {
                let few = self.few.get(..self.few_len).unwrap_or_default();
                if let Some(i) = few.iter().position(|t| *t == s) {
                    return (base + i) as u32;
                }
            }
        }
        let id = (base + self.strings.len()) as u32;
        self.strings.push(s);
        match &mut self.string_ids {
            Some(ids) => {
                ids.insert(s, id);
            }
            None => match self.few.get_mut(self.few_len) {
                Some(slot) => {
                    *slot = s;
                    self.few_len += 1;
                }
                None => {
                    // Enough strings to hash: the first ones move into the map.
                    let mut ids = HashMap::with_capacity(self.expected.max(2 * LINEAR_STRINGS));
                    for (i, t) in self.few.iter().enumerate() {
                        ids.insert(*t, (base + i) as u32);
                    }
                    ids.insert(s, id);
                    self.string_ids = Some(ids);
                }
            },
        }
        id
    }

    fn wrong(&mut self, v: &Spanned<RawValue>, ty: &Ty, attr: &str, help: Option<String>) {
        let want = describe_ty(self.lib, ty);
        let d = Diagnostic::error(
            Code::WrongType,
            format!("`{attr}` expects {want}, found {}", v.node.describe()),
            self.source,
            v.span,
            format!("this is {}", v.node.describe()),
        );
        let help = help.unwrap_or_else(|| match (&v.node, takes(self.lib, ty)) {
            // an item of a list that is itself a list (`[["turkey"]]`)
            (RawValue::List(_), Some(_)) if !matches!(ty, Ty::Set(_) | Ty::List(_)) => {
                "a list holds values, not lists: write its items in one list, `[a, b]`".to_string()
            }
            // never an arbitrary entity: the ones the attribute takes
            (_, Some(values)) => format!("`{attr}` takes {values}"),
            (_, None) => format!(
                "write {want}, e.g. `{}`",
                example_entry(self.lib, attr, ty, is_json(self.source))
            ),
        });
        self.errors.push(d.with_help(help));
    }

    fn value(&mut self, v: &'a Spanned<RawValue>, ty: &Ty, attr: &str) -> Option<Value> {
        match (ty, &v.node) {
            (Ty::Bool, RawValue::Bool(b)) => Some(Value::Bool(*b)),
            (Ty::Int, RawValue::Int(i)) => Some(Value::Int(*i)),
            (Ty::Str, RawValue::Str(s)) => Some(Value::Str(self.intern(s))),
            (Ty::Str, RawValue::Ident(s)) => {
                let h = format!("strings are quoted: `{attr}: \"{s}\"`");
                self.wrong(v, ty, attr, Some(h));
                None
            }
            (Ty::Date, RawValue::Date(d)) => Some(Value::Date(*d)),
            (Ty::Date, RawValue::Str(s)) => match Date::parse(s) {
                Ok(d) => Some(Value::Date(d)),
                Err(e) => {
                    let msg = match e {
                        DateError::Format => format!("`{s}` is not a date"),
                        DateError::Impossible => format!("`{s}` is not a calendar date"),
                    };
                    self.errors.push(
                        Diagnostic::error(Code::InvalidDate, msg, self.source, v.span, "invalid date")
                            .with_help("write dates as YYYY-MM-DD, with a month 01-12 and a day that exists in it"),
                    );
                    None
                }
            },
            (Ty::Entity(_) | Ty::Enum(_), RawValue::Ident(name) | RawValue::Str(name)) => {
                self.atom(v, name, ty, attr).map(Value::Atom)
            }
            (Ty::Set(elem), RawValue::List(items))
                if matches!(**elem, Ty::Entity(_) | Ty::Enum(_))
                    && items
                        .iter()
                        .all(|i| matches!(i.node, RawValue::Ident(_) | RawValue::Str(_))) =>
            {
                // A set of atoms, straight into its bitset (each item reported if bad).
                let mut ids = AtomSet::new();
                let mut ok = true;
                for it in items {
                    if let RawValue::Ident(name) | RawValue::Str(name) = &it.node {
                        match self.atom(it, name, elem, attr) {
                            Some(a) => ids.insert(a),
                            None => ok = false,
                        }
                    }
                }
                ok.then_some(Value::Set(ids))
            }
            (Ty::Set(elem), RawValue::List(items)) => {
                let mut vals = self.values(items, elem, attr)?;
                if elem.is_atom() {
                    let ids = vals.iter().filter_map(|x| match x {
                        Value::Atom(a) => Some(*a),
                        _ => None,
                    });
                    Some(Value::Set(AtomSet::from_ids(ids)))
                } else {
                    crate::compile::sort_values(&mut vals);
                    Some(Value::List(vals.into()))
                }
            }
            (Ty::List(elem), RawValue::List(items)) => {
                Some(Value::List(self.values(items, elem, attr)?.into()))
            }
            (Ty::Set(_) | Ty::List(_), _) => {
                let shown = match &v.node {
                    RawValue::Ident(s) | RawValue::Str(s) => s.clone(),
                    _ => "...".into(),
                };
                let h = if is_json(self.source) {
                    let shown = match &v.node {
                        RawValue::Ident(_) | RawValue::Str(_) => {
                            serde_json::Value::String(shown).to_string()
                        }
                        _ => shown,
                    };
                    format!("write an array, even of one element: `\"{attr}\": [{shown}]`")
                } else {
                    format!("write a list, even of one element: `{attr}: [{shown}]`")
                };
                self.wrong(v, ty, attr, Some(h));
                None
            }
            _ => {
                self.wrong(v, ty, attr, None);
                None
            }
        }
    }

    /// Converts every element (reporting each bad one); `None` if any was bad.
    fn values(
        &mut self,
        items: &'a [Spanned<RawValue>],
        elem: &Ty,
        attr: &str,
    ) -> Option<Vec<Value>> {
        let mut vals = Vec::with_capacity(items.len());
        let mut ok = true;
        for it in items {
            match self.value(it, elem, attr) {
                Some(x) => vals.push(x),
                None => ok = false,
            }
        }
        ok.then_some(vals)
    }

    fn atom(&mut self, v: &Spanned<RawValue>, name: &str, ty: &Ty, attr: &str) -> Option<AtomId> {
        let accepts = |k: AtomKind| match (ty, k) {
            (Ty::Entity(ts), AtomKind::Entity(t)) => ts.contains(&t),
            (Ty::Enum(e), AtomKind::Variant(x)) => *e == x,
            _ => false,
        };
        match self.lib.atom_index.get(name) {
            Some(&a) => {
                let kind = self.lib.atoms.get(a as usize)?.kind;
                if accepts(kind) {
                    return Some(a);
                }
                // Described only for the error: on the hot path (a valid proposal) the
                // type's description would be most of binding's cost.
                let want = describe_ty(self.lib, ty);
                let what = match kind {
                    AtomKind::Entity(t) => self.lib.types.get(t as usize).map_or("?".into(), |t| {
                        format!("{} `{}`", crate::diag::article(&t.name), t.name)
                    }),
                    AtomKind::Variant(e) => {
                        self.lib.enums.get(e as usize).map_or("?".into(), |e| {
                            format!("{} `{}` value", crate::diag::article(&e.0), e.0)
                        })
                    }
                };
                self.errors.push(
                    Diagnostic::error(
                        Code::WrongType,
                        format!("`{attr}` expects {want}, but `{name}` is {what}"),
                        self.source,
                        v.span,
                        format!("`{name}` is {what}"),
                    )
                    .with_help(match takes(self.lib, ty) {
                        Some(values) => format!("`{attr}` takes {values}"),
                        None => format!("use {want}"),
                    }),
                );
                None
            }
            None if self.errors.is_full() => {
                // A hundred already: counted, not described (a million bad ids cost little).
                self.errors.count(Code::UnknownEntity);
                None
            }
            None => {
                let want = describe_ty(self.lib, ty);
                let candidates: Vec<&str> = self
                    .lib
                    .atoms
                    .iter()
                    .filter(|a| accepts(a.kind))
                    .map(|a| a.name.as_str())
                    .collect();
                let h = did_you_mean(name, candidates.iter().copied()).map(str::to_string);
                let d = Diagnostic::error(
                    Code::UnknownEntity,
                    format!(
                        "unknown {} `{name}`",
                        if matches!(ty, Ty::Enum(_)) {
                            "value"
                        } else {
                            "entity"
                        }
                    ),
                    self.source,
                    v.span,
                    format!("not {want} known to this policy library"),
                );
                self.errors.push(match h {
                    Some(h) => d.with_suggestion(h),
                    None => d.with_help(match takes(self.lib, ty) {
                        Some(values) => format!("`{attr}` takes {values}"),
                        None => format!("`{attr}` takes {want}"),
                    }),
                });
                None
            }
        }
    }
}

fn describe_ty(lib: &Compiled, ty: &Ty) -> String {
    match ty {
        Ty::Bool => "a boolean (`true` or `false`)".into(),
        Ty::Int => "an integer".into(),
        Ty::Str => "a string".into(),
        Ty::Date => "a date (YYYY-MM-DD)".into(),
        Ty::Set(t) => format!("a list of {}", lib.ty_name(t)),
        Ty::List(t) => format!("an ordered list of {}", lib.ty_name(t)),
        other => {
            let name = lib.ty_name(other);
            format!("{} {name}", crate::diag::article(&name))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Interning gives equal strings one id, before and after it switches from searching
    /// its first strings to hashing them.
    #[test]
    fn equal_strings_share_an_id_across_the_switch_to_hashing() {
        let engine = crate::Engine::standard();
        let lib = engine.compiled();
        for n in [
            1,
            3,
            LINEAR_STRINGS - 1,
            LINEAR_STRINGS,
            LINEAR_STRINGS + 1,
            30,
        ] {
            let mut text = String::from("proposal p { date: 2026-01-01 }\n");
            for i in 0..n {
                let system = ["alpha", "beta", "gamma"][i % 3];
                text.push_str(&format!(
                    "step s{i}: arms_transfer {{ supplier: turkey, recipient: azerbaijan, system: \"{system}\" }}\n"
                ));
            }
            let p = Proposal::parse(&text).unwrap();
            let bound = bind(lib, &p).unwrap();
            // The step ids and the distinct systems, once each.
            assert_eq!(bound.strings.len(), n + n.min(3), "{n} steps");
            let systems: Vec<&Value> = bound
                .steps
                .iter()
                .map(|s| {
                    s.slots
                        .iter()
                        .flatten()
                        .find(|v| matches!(v, Value::Str(_)))
                        .unwrap()
                })
                .collect();
            for (i, a) in systems.iter().enumerate() {
                for (j, b) in systems.iter().enumerate() {
                    assert_eq!(a == b, i % 3 == j % 3, "{n} steps: {i} and {j}");
                }
            }
        }
    }
}
