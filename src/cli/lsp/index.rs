//! What a library's policy files declare and where each name is written: the table that
//! hover, completion, go-to-definition, references, rename and document symbols read. It
//! is built from the syntax trees (`pactum::syntax::parse_policy`), so it works on a
//! library that does not type-check, and once per library build.
//!
//! Names are resolved as the language scopes them: a binder (`as s`, `each p in`, `any x
//! in`, a definition's parameters) hides a fact or definition of the same name inside its
//! scope. Attributes are matched by name: `s.area` is a reference of every `area`
//! declared (the tree has no types; the declaration a proposal's key means is found by
//! its step's kind).

use std::collections::{BTreeMap, BTreeSet};

use pactum::syntax::{Expr, ExprKind, Item, PolicyFile, RuleDecl, Scope, TypeExpr};
use pactum::{SourceFile, Span};

/// What a name written somewhere refers to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    /// An entity type, enum or type alias.
    Type(String),
    /// A step kind.
    Kind(String),
    /// A fact (entity id), an enum variant or a definition.
    Value(String),
    /// An attribute (of any entity type or step kind of that name).
    Attr(String),
    /// A rule, by id.
    Rule(String),
    /// A lint, by its kebab-case name (in `allow`).
    Lint(String),
}

/// Where a name is written.
#[derive(Clone, Debug)]
pub struct Occurrence {
    /// Index of the file in [`Index::files`].
    pub file: usize,
    /// The name's span.
    pub span: Span,
    /// What it names.
    pub target: Target,
    /// Whether this is the declaration.
    pub decl: bool,
    /// For an attribute's declaration: the entity type or step kind that declares it.
    pub owner: Option<String>,
}

/// A step kind's or entity type's attribute, as declared.
#[derive(Clone, Debug)]
pub struct FieldInfo {
    /// Its name.
    pub name: String,
    /// Its type as written.
    pub ty: String,
    /// The named types it can hold (aliases expanded, `set<...>` unwrapped).
    pub leaves: Vec<String>,
    /// Declared with `?`.
    pub optional: bool,
    /// The default as written.
    pub default: Option<String>,
    /// The comment above it.
    pub doc: Option<String>,
}

/// A declared value: a fact, a definition or an enum variant.
#[derive(Clone, Debug)]
pub enum ValueInfo {
    /// `fact NAME: Type { ... }`: the entity type and the declaration's text.
    Fact { ty: String, text: String },
    /// `def NAME... = ...`: the declaration's text.
    Def { text: String },
    /// A variant of an enum.
    Variant { of: String },
}

/// One file of the library.
#[derive(Clone, Debug)]
pub struct IndexedFile {
    /// The source.
    pub source: SourceFile,
    /// Its syntax tree, when it parses.
    pub tree: Option<PolicyFile>,
    /// When it does not parse (being edited): the tree of the last version that did, whose
    /// declarations still serve hover and completion (not navigation: its spans are old).
    pub stale: Option<(PolicyFile, SourceFile)>,
}

/// The table.
#[derive(Clone, Debug, Default)]
pub struct Index {
    /// The library's files.
    pub files: Vec<IndexedFile>,
    /// Every name written, declarations included.
    pub occurrences: Vec<Occurrence>,
    /// In each file that does not parse: the names of its last version that did, with
    /// their spans in that version (for hover, through a [`super::position::Shift`]).
    pub stale_occurrences: Vec<Occurrence>,
    /// Step kinds and their attributes.
    pub kinds: BTreeMap<String, Vec<FieldInfo>>,
    /// Entity types and their attributes.
    pub entities: BTreeMap<String, Vec<FieldInfo>>,
    /// Enums and their variants.
    pub enums: BTreeMap<String, Vec<String>>,
    /// Type aliases, as written.
    pub aliases: BTreeMap<String, String>,
    /// Facts, definitions and variants.
    pub values: BTreeMap<String, ValueInfo>,
    /// Facts by entity type.
    pub facts_of: BTreeMap<String, Vec<String>>,
}

const BUILTIN_TYPES: &[&str] = &["bool", "int", "string", "date"];

impl Index {
    /// Indexes a library's files; `previous`, the index of the library's last build, keeps
    /// the declarations of a file that no longer parses.
    pub fn new(sources: &[SourceFile], previous: Option<&Index>) -> Index {
        let mut index = Index {
            files: sources
                .iter()
                .map(|s| {
                    let tree = pactum::syntax::parse_policy(s).ok();
                    let stale = match (&tree, previous) {
                        (None, Some(prev)) => prev
                            .files
                            .iter()
                            .find(|f| f.source.name() == s.name())
                            .and_then(|f| match &f.tree {
                                Some(t) => Some((t.clone(), f.source.clone())),
                                None => f.stale.clone(),
                            }),
                        _ => None,
                    };
                    IndexedFile {
                        source: s.clone(),
                        tree,
                        stale,
                    }
                })
                .collect(),
            ..Index::default()
        };
        index.declare();
        index.expand_leaves();
        let mut occ = Vec::new();
        let mut stale = Vec::new();
        for (i, f) in index.files.iter().enumerate() {
            let (tree, src, out) = match (&f.tree, &f.stale) {
                (Some(tree), _) => (tree, &f.source, &mut occ),
                (None, Some((tree, src))) => (tree, src, &mut stale),
                (None, None) => continue,
            };
            Walker {
                index: &index,
                file: i,
                src,
                bound: Vec::new(),
                out,
            }
            .file(tree);
        }
        index.occurrences = occ;
        index.stale_occurrences = stale;
        index
    }

    fn declare(&mut self) {
        let mut kinds = BTreeMap::new();
        let mut entities = BTreeMap::new();
        let mut enums = BTreeMap::new();
        let mut aliases = BTreeMap::new();
        let mut values = BTreeMap::new();
        let mut facts_of: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for f in &self.files {
            let (tree, src) = match (&f.tree, &f.stale) {
                (Some(t), _) => (t, &f.source),
                (None, Some((t, old))) => (t, old),
                (None, None) => continue,
            };
            for item in &tree.items {
                match item {
                    Item::Entity(r) | Item::Step(r) => {
                        let fields = r
                            .fields
                            .iter()
                            .map(|fd| FieldInfo {
                                name: fd.name.node.clone(),
                                ty: src.slice(fd.ty.span()).to_string(),
                                leaves: named(&fd.ty),
                                optional: fd.optional,
                                default: fd.default.as_ref().map(|e| src.slice(e.span).to_string()),
                                doc: doc_above(src, fd.name.span),
                            })
                            .collect();
                        if matches!(item, Item::Step(_)) {
                            kinds.insert(r.name.node.clone(), fields);
                        } else {
                            entities.insert(r.name.node.clone(), fields);
                        }
                    }
                    Item::Enum(e) => {
                        enums.insert(
                            e.name.node.clone(),
                            e.variants.iter().map(|v| v.node.clone()).collect(),
                        );
                        for v in &e.variants {
                            values.insert(
                                v.node.clone(),
                                ValueInfo::Variant {
                                    of: e.name.node.clone(),
                                },
                            );
                        }
                    }
                    Item::Alias(a) => {
                        aliases.insert(a.name.node.clone(), src.slice(a.ty.span()).to_string());
                    }
                    Item::Fact(fact) => {
                        values.insert(
                            fact.name.node.clone(),
                            ValueInfo::Fact {
                                ty: fact.ty.node.clone(),
                                text: src.slice(fact.span).to_string(),
                            },
                        );
                        facts_of
                            .entry(fact.ty.node.clone())
                            .or_default()
                            .push(fact.name.node.clone());
                    }
                    Item::Def(d) => {
                        let end = d.body.span.end;
                        let text = src.slice(Span::new(d.name.span.start as usize, end as usize));
                        values.insert(
                            d.name.node.clone(),
                            ValueInfo::Def {
                                text: format!("def {text}"),
                            },
                        );
                    }
                    Item::Rule(_) => {}
                }
            }
        }
        for ids in facts_of.values_mut() {
            ids.sort();
        }
        self.kinds = kinds;
        self.entities = entities;
        self.enums = enums;
        self.aliases = aliases;
        self.values = values;
        self.facts_of = facts_of;
    }

    /// Expands aliases in each field's named types.
    fn expand_leaves(&mut self) {
        let mut alias_leaves: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for f in &self.files {
            let Some(tree) = f.tree.as_ref().or(f.stale.as_ref().map(|(t, _)| t)) else {
                continue;
            };
            for item in &tree.items {
                if let Item::Alias(a) = item {
                    alias_leaves.insert(a.name.node.clone(), named(&a.ty));
                }
            }
        }
        let expand = |leaves: &[String]| -> Vec<String> {
            let mut out = BTreeSet::new();
            let mut todo: Vec<(String, usize)> = leaves.iter().map(|l| (l.clone(), 0)).collect();
            while let Some((l, depth)) = todo.pop() {
                match alias_leaves.get(&l) {
                    Some(more) if depth < 16 => {
                        todo.extend(more.iter().map(|m| (m.clone(), depth + 1)))
                    }
                    Some(_) => {}
                    None => {
                        out.insert(l);
                    }
                }
            }
            out.into_iter().collect()
        };
        for fields in self.kinds.values_mut().chain(self.entities.values_mut()) {
            for f in fields {
                f.leaves = expand(&f.leaves);
            }
        }
    }

    /// The name written at a byte offset of file `file`, if any.
    pub fn at(&self, file: usize, offset: usize) -> Option<&Occurrence> {
        self.occurrences.iter().find(|o| {
            o.file == file && (o.span.start as usize) <= offset && offset <= o.span.end as usize
        })
    }

    /// What a name means, found by the name alone (no scope): a rule id, a step kind, a
    /// type, a value. For a word typed where the index has no occurrence yet.
    pub fn by_name(&self, word: &str) -> Option<Target> {
        if self.kinds.contains_key(word) {
            Some(Target::Kind(word.to_string()))
        } else if self.entities.contains_key(word)
            || self.enums.contains_key(word)
            || self.aliases.contains_key(word)
        {
            Some(Target::Type(word.to_string()))
        } else if self.values.contains_key(word) {
            Some(Target::Value(word.to_string()))
        } else {
            let rule = Target::Rule(word.to_string());
            self.occurrences
                .iter()
                .chain(&self.stale_occurrences)
                .any(|o| o.decl && o.target == rule)
                .then_some(rule)
        }
    }

    /// The file named `name`.
    pub fn file_named(&self, name: &str) -> Option<usize> {
        self.files.iter().position(|f| f.source.name() == name)
    }

    /// The values an attribute of these named types can take: facts of the entity types,
    /// variants of the enums.
    pub fn values_of(&self, leaves: &[String]) -> Vec<String> {
        let mut out = Vec::new();
        for l in leaves {
            if let Some(v) = self.enums.get(l) {
                out.extend(v.iter().cloned());
            }
            if let Some(ids) = self.facts_of.get(l) {
                out.extend(ids.iter().cloned());
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// A step kind's attribute.
    pub fn field(&self, kind: &str, attr: &str) -> Option<&FieldInfo> {
        self.kinds.get(kind)?.iter().find(|f| f.name == attr)
    }
}

/// The comment right above a declaration (`// ...` lines).
fn doc_above(src: &SourceFile, at: Span) -> Option<String> {
    let before = src.text().get(..at.start as usize)?;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let above = before.get(..line_start)?;
    let mut lines: Vec<&str> = Vec::new();
    for line in above.lines().rev() {
        match line.trim_start().strip_prefix("//") {
            Some(c) => lines.push(c.trim()),
            None => break,
        }
    }
    lines.reverse();
    (!lines.is_empty()).then(|| lines.join(" "))
}

/// The named types of a type expression (`set<State | Region>`: State, Region).
fn named(ty: &TypeExpr) -> Vec<String> {
    match ty {
        TypeExpr::Named(i) => vec![i.node.clone()],
        TypeExpr::Set(t, _) | TypeExpr::List(t, _) => named(t),
        TypeExpr::Union(ts, _) => ts.iter().flat_map(named).collect(),
    }
}

struct Walker<'a> {
    index: &'a Index,
    file: usize,
    /// The text the tree was parsed from.
    src: &'a SourceFile,
    bound: Vec<String>,
    out: &'a mut Vec<Occurrence>,
}

impl Walker<'_> {
    fn push(&mut self, span: Span, target: Target, decl: bool, owner: Option<String>) {
        self.out.push(Occurrence {
            file: self.file,
            span,
            target,
            decl,
            owner,
        });
    }

    fn file(&mut self, tree: &PolicyFile) {
        for item in &tree.items {
            match item {
                Item::Entity(r) | Item::Step(r) => {
                    let t = if matches!(item, Item::Step(_)) {
                        Target::Kind(r.name.node.clone())
                    } else {
                        Target::Type(r.name.node.clone())
                    };
                    self.push(r.name.span, t, true, None);
                    for f in &r.fields {
                        self.push(
                            f.name.span,
                            Target::Attr(f.name.node.clone()),
                            true,
                            Some(r.name.node.clone()),
                        );
                        self.ty(&f.ty);
                        if let Some(d) = &f.default {
                            self.expr(d);
                        }
                        if let Some(x) = &f.excludes {
                            self.push(x.span, Target::Attr(x.node.clone()), false, None);
                        }
                    }
                }
                Item::Enum(e) => {
                    self.push(e.name.span, Target::Type(e.name.node.clone()), true, None);
                    for v in &e.variants {
                        self.push(v.span, Target::Value(v.node.clone()), true, None);
                    }
                }
                Item::Alias(a) => {
                    self.push(a.name.span, Target::Type(a.name.node.clone()), true, None);
                    self.ty(&a.ty);
                }
                Item::Fact(f) => {
                    self.push(f.name.span, Target::Value(f.name.node.clone()), true, None);
                    self.push(f.ty.span, Target::Type(f.ty.node.clone()), false, None);
                    for (name, value) in &f.attrs {
                        self.push(name.span, Target::Attr(name.node.clone()), false, None);
                        self.expr(value);
                    }
                }
                Item::Def(d) => {
                    self.push(d.name.span, Target::Value(d.name.node.clone()), true, None);
                    let params: Vec<String> =
                        d.params.iter().flatten().map(|p| p.node.clone()).collect();
                    let n = params.len();
                    self.bound.extend(params);
                    self.expr(&d.body);
                    self.bound.truncate(self.bound.len().saturating_sub(n));
                }
                Item::Rule(r) => self.rule(r),
            }
        }
    }

    fn rule(&mut self, r: &RuleDecl) {
        self.push(r.id.span, Target::Rule(r.id.node.clone()), true, None);
        if let Some((instrument, _)) = &r.cite {
            self.name(instrument.span, &instrument.node);
        }
        for a in &r.allows {
            self.push(a.lint.span, Target::Lint(a.lint.node.clone()), false, None);
        }
        let mark = self.bound.len();
        if let Some(scope) = &r.scope {
            if let Scope::Steps { kinds, binder } = &scope.node {
                for k in kinds {
                    self.push(k.span, Target::Kind(k.node.clone()), false, None);
                }
                self.bound.push(binder.node.clone());
            }
        }
        if let Some(w) = &r.when {
            self.expr(w);
        }
        for u in &r.unless {
            self.expr(&u.cond);
        }
        if let Some(v) = &r.verdict {
            if let Some((binder, set)) = &v.each {
                self.expr(set);
                self.bound.push(binder.node.clone());
            }
            if let Some(c) = &v.cond {
                self.expr(c);
            }
        }
        for text in [&r.message, &r.help, &r.label].into_iter().flatten() {
            self.interpolations(text.span);
        }
        self.bound.truncate(mark);
    }

    /// The names in the `{...}` interpolations of a message, help or label literal: a
    /// path's first name is a value (or a binder), the names after a `.` attributes.
    fn interpolations(&mut self, literal: Span) {
        let src = self.src;
        let raw = src.slice(literal);
        let base = literal.start as usize;
        let mut depth = 0usize;
        let mut chars = raw.char_indices().peekable();
        let mut after_dot = false;
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    chars.next();
                }
                '{' => depth += 1,
                '}' => depth = depth.saturating_sub(1),
                _ if depth > 0 && (c.is_ascii_alphabetic() || c == '_') => {
                    let mut end = i + c.len_utf8();
                    while let Some(&(j, d)) = chars.peek() {
                        if !(d.is_ascii_alphanumeric() || d == '_') {
                            break;
                        }
                        end = j + d.len_utf8();
                        chars.next();
                    }
                    let word = raw.get(i..end).unwrap_or_default().to_string();
                    let span = Span::new(base + i, base + end);
                    if after_dot {
                        self.push(span, Target::Attr(word), false, None);
                    } else {
                        self.name(span, &word);
                    }
                    after_dot = false;
                    continue;
                }
                _ => {}
            }
            after_dot = c == '.';
        }
    }

    fn name(&mut self, span: Span, name: &str) {
        if self.bound.iter().any(|b| b == name) {
            return;
        }
        if self.index.values.contains_key(name) {
            self.push(span, Target::Value(name.to_string()), false, None);
        }
    }

    fn ty(&mut self, ty: &TypeExpr) {
        match ty {
            TypeExpr::Named(i) => {
                if self.index.kinds.contains_key(&i.node) {
                    self.push(i.span, Target::Kind(i.node.clone()), false, None);
                } else if !BUILTIN_TYPES.contains(&i.node.as_str()) {
                    self.push(i.span, Target::Type(i.node.clone()), false, None);
                }
            }
            TypeExpr::Set(t, _) | TypeExpr::List(t, _) => self.ty(t),
            TypeExpr::Union(ts, _) => ts.iter().for_each(|t| self.ty(t)),
        }
    }

    fn scoped(&mut self, binder: &str, body: &Expr) {
        self.bound.push(binder.to_string());
        self.expr(body);
        self.bound.pop();
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Bool(_) | ExprKind::Int(_) | ExprKind::Str(_) | ExprKind::Date(_) => {}
            ExprKind::Name(n) => self.name(e.span, n),
            ExprKind::List(items) => items.iter().for_each(|i| self.expr(i)),
            ExprKind::Attr(x, a) | ExprKind::Has(x, a) => {
                self.expr(x);
                self.push(a.span, Target::Attr(a.node.clone()), false, None);
            }
            ExprKind::Is(x, t) => {
                self.expr(x);
                self.ty(t);
            }
            ExprKind::Not(x) | ExprKind::During(x, _) => self.expr(x),
            ExprKind::Binary(_, a, b) => {
                self.expr(a);
                self.expr(b);
            }
            ExprKind::Quant(_, binder, set, body) | ExprKind::Filter(binder, set, body) => {
                self.expr(set);
                self.scoped(&binder.node, body);
            }
            ExprKind::Match(x, arms) => {
                self.name(x.span, &x.node);
                for arm in arms {
                    for k in &arm.kinds {
                        self.push(k.span, Target::Kind(k.node.clone()), false, None);
                    }
                    self.expr(&arm.body);
                }
            }
            ExprKind::If(c, a, b) => {
                self.expr(c);
                self.expr(a);
                self.expr(b);
            }
            ExprKind::Call(f, args) => {
                self.name(f.span, &f.node);
                args.iter().for_each(|a| self.expr(a));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binders_hide_facts_and_attributes_are_found() {
        let src = SourceFile::new(
            "a.policy",
            "entity State {}\nfact p: State {}\nfact q: State {}\nstep visit { by: State, to: set<State> = [] }\n\
             rule r.one {\n  severity error\n  cite q \"art. 1\"\n  on visit as s\n  forbid each p in s.to where p == q\n  message \"m\"\n  help \"h\"\n}\n",
        );
        let index = Index::new(std::slice::from_ref(&src), None);
        let values: Vec<_> = index
            .occurrences
            .iter()
            .filter(|o| o.target == Target::Value("p".into()))
            .collect();
        // Only the declaration: the `p` of the rule is its binder.
        assert_eq!(values.len(), 1);
        let q = index
            .occurrences
            .iter()
            .filter(|o| o.target == Target::Value("q".into()))
            .count();
        assert_eq!(q, 3);
        let help = Index::new(
            &[SourceFile::new(
                "b.policy",
                "entity State { name: string }\nfact q: State { name: \"Q\" }\nstep visit { by: State }\nrule r.two {\n  severity error\n  on visit as s\n  forbid s.by == q\n  message \"{s.by} is {q.name}\"\n}\n",
            )],
            None,
        );
        assert_eq!(
            help.occurrences
                .iter()
                .filter(|o| o.target == Target::Value("q".into()))
                .count(),
            3
        );
        assert!(
            index
                .occurrences
                .iter()
                .any(|o| o.target == Target::Attr("to".into()) && !o.decl)
        );
        assert_eq!(index.values_of(&["State".to_string()]), vec!["p", "q"]);
        assert_eq!(
            index.field("visit", "to").map(|f| f.ty.as_str()),
            Some("set<State>")
        );
    }
}
