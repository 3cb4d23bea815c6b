//! Evaluation of compiled rules over a bound proposal: one program form, one evaluator.
//!
//! The stage in three parts: [`program`] lowers every rule once, when the engine is built,
//! for each step kind it applies to (and once for `on proposal` rules), into typed nodes
//! that compute a boolean, an atom, a set of atoms or a general [`Value`] directly from
//! the step's slots and the library's fact bitsets; [`run`] evaluates those nodes, generic
//! over an [`evidence::Recorder`]: the hot path records nothing ([`evidence::NoEvidence`]),
//! and explaining a violation re-runs only the rule application that fired with
//! [`evidence::Trace`], through the same code. [`error`] holds why an evaluation could
//! not finish, and [`display`] how values read to people. There is no second evaluator
//! and no fallback: every construct of the language has its node. [`fact`] and
//! [`in_force`] are the one fact lookup and the one `in_force` that the lints' symbolic
//! evaluator ([`crate::lint::sym`]) shares.
//!
//! The hot path works on interned ids only: atoms are integers, sets are bitsets, step
//! attributes are slots. Names are looked up again only to render a violation's message and
//! evidence, after it has fired.

pub mod display;
pub mod error;
pub mod evidence;
pub mod program;
pub mod run;

use std::sync::Arc;

use crate::bitset::AtomSet;
use crate::date::Date;
use crate::ir::*;

pub use error::{EvalError, Owner};

/// A step bound to the library's schema: kind id, one slot per attribute (defaults applied).
#[derive(Clone, Debug)]
pub struct BoundStep {
    /// Its kind.
    pub kind: KindId,
    /// Attribute values by slot; `None` for an absent optional attribute.
    pub slots: Box<[Option<Value>]>,
    /// Its effective date (own, else the proposal's).
    pub date: Option<Date>,
}

/// A proposal bound to a library: ready to evaluate.
#[derive(Clone, Debug)]
pub struct Bound {
    /// The steps, in proposal order.
    pub steps: Vec<BoundStep>,
    /// Step ids, in proposal order (as `Value::Str` ids: `literals + index`).
    pub step_ids: Vec<u32>,
    /// Strings of the proposal that are not policy literals; id = literals + index.
    pub strings: StringTable,
}

/// Strings stored end to end in one buffer: one allocation for all of a proposal's step
/// ids and string values, not one each (a 100,000-step proposal has 100,000 ids). The ends
/// of the first few are kept in place, so that a small proposal (one request, one step)
/// allocates only the text.
#[derive(Clone, Debug, Default)]
pub struct StringTable {
    text: String,
    /// The end of each of the first [`StringTable::FEW`] strings in `text`; string `i`
    /// starts where `i - 1` ends.
    few: [u32; StringTable::FEW],
    /// The ends of the others.
    more: Vec<u32>,
    len: usize,
}

impl StringTable {
    /// Strings whose ends are kept in place.
    const FEW: usize = 4;

    /// An empty table with room for `strings` strings of `bytes` bytes in all.
    pub fn with_capacity(strings: usize, bytes: usize) -> StringTable {
        StringTable {
            text: String::with_capacity(bytes),
            few: [0; StringTable::FEW],
            more: Vec::with_capacity(strings.saturating_sub(StringTable::FEW)),
            len: 0,
        }
    }

    /// Appends a string; its index is the previous [`StringTable::len`].
    pub fn push(&mut self, s: &str) {
        self.text.push_str(s);
        let end = u32::try_from(self.text.len()).unwrap_or(u32::MAX);
        match self.few.get_mut(self.len) {
            Some(slot) => *slot = end,
            None => self.more.push(end),
        }
        self.len += 1;
    }

    /// Where string `i` ends.
    fn end(&self, i: usize) -> Option<usize> {
        if i >= self.len {
            return None;
        }
        let end = match i.checked_sub(StringTable::FEW) {
            None => self.few.get(i),
            Some(j) => self.more.get(j),
        };
        end.map(|&e| e as usize)
    }

    /// String `i`.
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = self.end(i)?;
        let start = match i.checked_sub(1) {
            Some(j) => self.end(j)?,
            None => 0,
        };
        self.text.get(start..end)
    }

    /// The number of strings.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Frees the spare capacity, when there is more than a few KiB of it (shrinking a small
    /// table would cost a reallocation for a few bytes, on every small proposal).
    pub fn shrink_to_fit(&mut self) {
        if self.text.capacity() - self.text.len() > 4096 {
            self.text.shrink_to_fit();
        }
        if self.more.capacity() - self.more.len() > 1024 {
            self.more.shrink_to_fit();
        }
    }
}

/// A fact of the library: entity `entity`'s attribute `attr` (`None`: absent, or not an
/// attribute of its type). The one lookup that the evaluator and the lints' symbolic
/// evaluator ([`crate::lint::sym`]) share.
pub fn fact(lib: &Compiled, entity: AtomId, attr: AttrId) -> Option<&FactValue> {
    lib.facts.get(entity as usize)?.get(attr as usize)?.as_ref()
}

/// A fact as it stands on date `on` (`Err`: it changes over time, and there is no date).
pub fn fact_on(
    lib: &Compiled,
    entity: AtomId,
    attr: AttrId,
    on: Option<Date>,
) -> Result<Option<&Value>, NeedsDate> {
    match fact(lib, entity, attr) {
        Some(v) => v.on(on),
        None => Ok(None),
    }
}

/// A fact that holds a date, as it stands on `on`.
fn fact_date(lib: &Compiled, entity: AtomId, attr: AttrId, on: Date) -> Option<Date> {
    match fact_on(lib, entity, attr, Some(on)).ok()?? {
        Value::Date(d) => Some(*d),
        _ => None,
    }
}

/// `in_force(inst, date)`: the instrument's entry into force (its `eif` fact, if any), and
/// whether it is in force on `date` (entered into force on or before it, and not
/// terminated on or before it). Shared by the evaluator and [`crate::lint::sym`].
pub fn in_force(
    lib: &Compiled,
    inst: AtomId,
    date: Date,
    eif: AttrId,
    terminated: Option<AttrId>,
) -> (Option<Date>, bool) {
    let since = fact_date(lib, inst, eif, date);
    let ended = terminated.and_then(|t| fact_date(lib, inst, t, date));
    let result = since.is_some_and(|s| s <= date) && ended.is_none_or(|t| date < t);
    (since, result)
}

/// The members of a set or list, in order, without collecting them.
#[derive(Debug)]
pub enum Elements {
    /// A set's members: the set, the next word to load, the bits left of the current one.
    Set(AtomSet, usize, u64, u32),
    /// A list's items and the next index.
    List(Arc<[Value]>, usize),
}

impl Elements {
    /// Iterates over a set or list value.
    pub fn of(v: Value) -> Result<Elements, EvalError> {
        match v {
            Value::Set(s) => Ok(Elements::Set(s, 0, 0, 0)),
            Value::List(l) => Ok(Elements::List(l, 0)),
            _ => Err(EvalError::Internal("not a collection")),
        }
    }
}

impl Iterator for Elements {
    type Item = Value;

    fn next(&mut self) -> Option<Value> {
        match self {
            Elements::Set(set, next_word, bits, base) => loop {
                if *bits != 0 {
                    let b = bits.trailing_zeros();
                    *bits &= *bits - 1;
                    return Some(Value::Atom(*base + b));
                }
                let w = *set.words().get(*next_word)?;
                *base = (*next_word as u32) * 64;
                *next_word += 1;
                *bits = w;
            },
            Elements::List(l, i) => {
                let v = l.get(*i).cloned();
                *i += 1;
                v
            }
        }
    }
}

/// The atoms of a set or list value, as a set.
pub(crate) fn atom_set(v: &Value) -> Result<AtomSet, EvalError> {
    match v {
        Value::Set(s) => Ok(s.clone()),
        Value::List(l) => Ok(atoms_of(l)),
        _ => Err(EvalError::Internal("not a set")),
    }
}

/// The atoms of a list, as a set.
pub(crate) fn atoms_of(items: &[Value]) -> AtomSet {
    AtomSet::from_ids(items.iter().filter_map(|v| match v {
        Value::Atom(a) => Some(*a),
        _ => None,
    }))
}

/// `x in coll` on values.
pub(crate) fn contains(coll: &Value, x: &Value) -> bool {
    match (coll, x) {
        (Value::Set(s), Value::Atom(a)) => s.contains(*a),
        (Value::List(l), x) => l.iter().any(|v| values_equal(v, x)),
        _ => false,
    }
}

/// Equality across representations (a list of atoms equals the set of the same atoms only
/// when both are sets; lists compare in order).
pub fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Set(x), Value::List(l)) | (Value::List(l), Value::Set(x)) => {
            *x == atoms_of(l) && l.len() == x.len()
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::StringTable;

    #[test]
    fn string_table_gives_back_what_was_pushed() {
        let mut t = StringTable::default();
        assert_eq!(t.len(), 0);
        assert_eq!(t.get(0), None);
        let strings = ["s1", "", "Türkiye", "ex-2.a", "", "sixth", "7"];
        for s in strings {
            t.push(s);
        }
        t.shrink_to_fit();
        assert_eq!(t.len(), strings.len());
        for (i, s) in strings.iter().enumerate() {
            assert_eq!(t.get(i), Some(*s));
        }
        assert_eq!(t.get(strings.len()), None);
    }
}
