//! The lints that read the library's declarations and their uses: missing `cite` or
//! `help`, unused definitions, entities and attributes, contradictory facts, `allow`
//! clauses naming no lint.

use std::collections::BTreeSet;

use super::{Finder, LINTS, Lint, lint_info};
use crate::diag::{Code, Diagnostic};
use crate::ir::*;

/// The lints that read declarations and uses.
pub(super) fn lints(f: &mut Finder<'_>) {
    let lib = f.lib;
    for (file, span, name) in &lib.unused_binders {
        // The rule it is in, for `allow unused-binder`.
        let rule = lib.rules.iter().position(|r| {
            r.file == *file && r.extent.start <= span.start && span.start < r.extent.end
        });
        let d = Diagnostic::error(
            Code::LintUnusedBinder,
            format!("the binder `{name}` is never used"),
            &f.src(*file),
            *span,
            "its quantifier's body never reads it",
        )
        .with_help(format!(
            "use `{name}` in the body, or test the collection directly (`count(...) > 0`)"
        ));
        f.emit(Lint::UnusedBinder, rule, d);
    }
    for (i, r) in lib.rules.iter().enumerate() {
        for (name, span, _) in &r.allows {
            if lint_info(name).is_none() {
                let names: Vec<&str> = LINTS.iter().map(|l| l.name).collect();
                let hint = crate::diag::did_you_mean(name, names.iter().copied());
                let d = Diagnostic::error(
                    Code::LintUnknown,
                    format!("unknown lint `{name}`"),
                    &f.src(r.file),
                    *span,
                    "no lint has this name",
                )
                .with_help(match hint {
                    Some(h) => format!("did you mean `{h}`?"),
                    None => format!("the lints are: {}", names.join(", ")),
                });
                f.emit(Lint::Unknown, None, d);
            }
        }
        if r.cite.is_none() {
            let d = f.at_rule(r, format!("rule `{}` has no `cite`", r.id), "no legal basis given")
                .with_help("add `cite INSTRUMENT \"art. N\"` naming the instrument (a fact) and the article");
            f.emit(Lint::MissingCite, Some(i), d);
        }
        if r.help.is_empty() {
            let d = f
                .at_rule(
                    r,
                    format!("rule `{}` has no `help`", r.id),
                    "no repair hint",
                )
                .with_help("add `help \"...\"` saying what would make the proposal comply");
            f.emit(Lint::MissingHelp, Some(i), d);
        }
    }
    for (name, file, span) in &lib.defs {
        if !lib.used_defs.contains(name) {
            let d = Diagnostic::error(
                Code::LintUnusedDefinition,
                format!("definition `{name}` is never used"),
                &f.src(*file),
                *span,
                "unused",
            )
            .with_help("remove it, or use it in a rule");
            f.emit(Lint::UnusedDefinition, None, d);
        }
    }
    // Entity types a proposal can name: those reachable from some step attribute's type.
    let mut proposal_types: BTreeSet<TypeId> = BTreeSet::new();
    for k in &lib.kinds {
        for fi in &k.fields {
            let mut t = &fi.ty;
            while let Some(e) = t.elem() {
                t = e;
            }
            if let Ty::Entity(ts) = t {
                proposal_types.extend(ts.iter().copied());
            }
        }
    }
    for (id, a) in lib.atoms.iter().enumerate() {
        if let AtomKind::Entity(t) = a.kind {
            if !proposal_types.contains(&t) && !lib.used_atoms.contains(&(id as AtomId)) {
                let tname = lib.types.get(t as usize).map_or("?", |t| t.name.as_str());
                let d = Diagnostic::error(
                    Code::LintUnusedEntity,
                    format!("`{}` ({tname}) is never used", a.name),
                    &f.src(a.file),
                    a.span,
                    "no rule, fact or citation names it",
                )
                .with_help(format!(
                    "cite it from a rule, or remove it: no proposal can name {} `{tname}`",
                    crate::diag::article(tname)
                ));
                f.emit(Lint::UnusedEntity, None, d);
            }
        }
    }
    for t in &lib.types {
        for fi in &t.fields {
            let Some(attr) = lib.attr_names.iter().position(|n| *n == fi.name) else {
                continue;
            };
            let attr = attr as AttrId;
            let read = lib.used_attrs.contains(&attr);
            let set = lib.set_attrs.contains(&attr);
            if !read && !set {
                let d = Diagnostic::error(
                    Code::LintUnusedAttribute,
                    format!(
                        "attribute `{}` of `{}` is never read and never set",
                        fi.name, t.name
                    ),
                    &f.src(fi.file),
                    fi.span,
                    "unused",
                )
                .with_help("remove it, or give it a value in the facts and read it in a rule");
                f.emit(Lint::UnusedAttribute, None, d);
            }
            // Contradictory facts: a value listed in two attributes that exclude each other.
            if let Some((other, _)) = &fi.excludes {
                let Some(o) = lib.attr_names.iter().position(|n| n == other) else {
                    continue;
                };
                for (i, a) in lib.atoms.iter().enumerate() {
                    let AtomKind::Entity(at) = a.kind else {
                        continue;
                    };
                    if lib.types.get(at as usize).is_none_or(|x| x.name != t.name) {
                        continue;
                    }
                    let facts = lib.facts.get(i);
                    let get = |k: usize| facts.and_then(|fs| fs.get(k)).cloned().flatten();
                    let (Some(x), Some(y)) = (get(attr as usize), get(o)) else {
                        continue;
                    };
                    // On each date where either changes (and before any): the two sets.
                    let mut dates: Vec<Option<crate::date::Date>> = vec![None];
                    dates.extend(x.changes().iter().chain(y.changes()).copied().map(Some));
                    dates.sort();
                    dates.dedup();
                    let clash = dates.into_iter().find_map(|d| {
                        let on = |v: &FactValue| match (v, d) {
                            (FactValue::Timed(t), None) => t.values.first().cloned().flatten(),
                            (v, d) => v.on(d).ok().flatten().cloned(),
                        };
                        let (Some(Value::Set(x)), Some(Value::Set(y))) = (on(&x), on(&y)) else {
                            return None;
                        };
                        let both = x.intersection(&y);
                        (!both.is_empty()).then_some((both, d))
                    });
                    if let Some((both, day)) = clash {
                        let names: Vec<&str> = both.iter().map(|b| lib.atom_name(b)).collect();
                        let when = match (day, x.changes().is_empty() && y.changes().is_empty()) {
                            (_, true) => String::new(),
                            (Some(d), false) => format!(" on {d}"),
                            (None, false) => format!(
                                " before {}",
                                x.changes()
                                    .iter()
                                    .chain(y.changes())
                                    .min()
                                    .map_or(String::new(), |d| d.to_string())
                            ),
                        };
                        let d = Diagnostic::error(
                            Code::LintContradictoryFacts,
                            format!("`{}` lists {} both in `{}` and in `{other}`{when}, which exclude each other", a.name, names.join(", "), fi.name),
                            &f.src(a.file),
                            a.span,
                            "contradictory facts",
                        )
                        .with_related(&f.src(fi.file), fi.span, format!("`{}` is declared to exclude `{other}` here", fi.name))
                        .with_help(format!("keep {} in one of the two attributes", names.join(", ")));
                        f.emit(Lint::ContradictoryFacts, None, d);
                    }
                }
            }
        }
    }
}
