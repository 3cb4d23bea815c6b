//! Witnesses: steps in proposal syntax that prove a lint's finding, from a solver's model
//! or a random sample.

use super::sat::F;
use super::sym::{Slot, Space};
use crate::eval::BoundStep;
use crate::ir::*;

/// A step in proposal syntax, for witnesses.
pub(crate) fn step_text(lib: &Compiled, step: &BoundStep, id: &str) -> String {
    let Some(kind) = lib.kinds.get(step.kind as usize) else {
        return String::new();
    };
    let mut attrs = Vec::new();
    for (f, v) in kind.fields.iter().zip(step.slots.iter()) {
        let Some(v) = v else { continue };
        attrs.push(format!("{}: {}", f.name, value_text(lib, v)));
    }
    let date = step
        .date
        .map(|d| format!("  date: {d}\n"))
        .unwrap_or_default();
    let body: String = attrs.iter().map(|a| format!("  {a}\n")).collect();
    format!("step {id}: {} {{\n{body}{date}}}\n", kind.name)
}

fn value_text(lib: &Compiled, v: &Value) -> String {
    match v {
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Date(d) => d.to_string(),
        Value::Str(s) => {
            let text = lib
                .strings
                .get(*s as usize)
                .cloned()
                .unwrap_or_else(|| "some other text".into());
            format!("{text:?}")
        }
        Value::Atom(a) => lib.atom_name(*a).to_string(),
        Value::Set(s) => format!(
            "[{}]",
            s.iter()
                .map(|a| lib.atom_name(a))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::List(l) => format!(
            "[{}]",
            l.iter()
                .map(|x| value_text(lib, x))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Step(_) => String::new(),
    }
}

pub(super) fn witness(space: &Space<'_>, model: &[bool]) -> String {
    let step = space.step_of(model);
    let as_of = space
        .as_of_of(model)
        .map(|d| format!("// checked with --as-of {d}\n"))
        .unwrap_or_default();
    format!(
        "{as_of}proposal witness {{}}\n\n{}",
        step_text(space.lib, &step, "w1")
    )
}

/// Random assignments of a space's variables that respect its one-hot groups, 64 at a time.
pub(super) fn random_words(space: &Space<'_>, seed: &mut u64) -> Vec<u64> {
    let mut next = || {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    };
    let mut words = vec![0u64; space.fm.vars() as usize];
    let set = |words: &mut Vec<u64>, f: F, w: u64| {
        if let Some(i) = space.fm.var_index(f) {
            if let Some(x) = words.get_mut(i as usize) {
                *x = w;
            }
        }
    };
    let one_hot =
        |words: &mut Vec<u64>, vars: &[F], present: u64, next: &mut dyn FnMut() -> u64| {
            let mut chosen = vec![0u64; vars.len()];
            if !vars.is_empty() {
                for bit in 0..64 {
                    if present & (1 << bit) != 0 {
                        let k = (next() % vars.len() as u64) as usize;
                        if let Some(c) = chosen.get_mut(k) {
                            *c |= 1 << bit;
                        }
                    }
                }
            }
            for (&v, &c) in vars.iter().zip(&chosen) {
                set(words, v, c);
            }
        };
    // A ladder: a random representative in each present sample, `ge[j]` on up to it.
    let ladder = |words: &mut Vec<u64>, l: usize, present: u64, next: &mut dyn FnMut() -> u64| {
        let Some(lad) = space.ladders.get(l) else {
            return;
        };
        let n = lad.vals.len().max(1) as u64;
        let mut on = vec![0u64; lad.ge.len()];
        for bit in 0..64 {
            if present & (1 << bit) == 0 {
                continue;
            }
            let m = (next() % n) as usize;
            for slot in on.iter_mut().take(m + 1).skip(1) {
                *slot |= 1 << bit;
            }
        }
        for (&g, &w) in lad.ge.iter().zip(&on).skip(1) {
            set(words, g, w);
        }
    };
    for (present, slot) in &space.slots {
        let p = if space.fm.var_index(*present).is_some() {
            let w = next();
            set(&mut words, *present, w);
            w
        } else {
            u64::MAX
        };
        match slot {
            Slot::Bool(f) => set(&mut words, *f, next()),
            Slot::Atom(xs) => {
                let vars: Vec<F> = xs.iter().map(|x| x.1).collect();
                one_hot(&mut words, &vars, p, &mut next);
            }
            Slot::Set(xs, _) => {
                // Sparse sets: each candidate in with probability 1/4.
                for x in xs {
                    let w = next() & next() & p;
                    set(&mut words, x.1, w);
                }
            }
            Slot::Scalar(_, xs) => {
                let vars: Vec<F> = xs.iter().map(|x| x.1).collect();
                one_hot(&mut words, &vars, p, &mut next);
            }
            Slot::Ordered(_, l) => ladder(&mut words, *l, p, &mut next),
            Slot::List(pos) => {
                // A random length and distinct random items, in a random order.
                let n = pos.len();
                let mut on = vec![vec![0u64; n]; n];
                for bit in 0..64 {
                    if p & (1 << bit) == 0 || n == 0 {
                        continue;
                    }
                    let len = (next() % (n as u64 + 1)) as usize;
                    let len = len.min((next() % 4) as usize);
                    let mut used = vec![false; n];
                    for row in on.iter_mut().take(len) {
                        let mut k = (next() % n as u64) as usize;
                        while used.get(k).copied().unwrap_or(false) {
                            k = (k + 1) % n;
                        }
                        if let Some(u) = used.get_mut(k) {
                            *u = true;
                        }
                        if let Some(w) = row.get_mut(k) {
                            *w |= 1 << bit;
                        }
                    }
                }
                for (p, row) in pos.iter().zip(&on) {
                    for (x, &w) in p.iter().zip(row) {
                        set(&mut words, x.1, w);
                    }
                }
            }
        }
    }
    ladder(&mut words, space.date, u64::MAX, &mut next);
    ladder(&mut words, space.as_of, u64::MAX, &mut next);
    words
}

/// Sets one assignment (a model) at a bit position of the words.
pub(super) fn put_model(words: &mut [u64], model: &[bool], bit: u32) {
    for (w, &b) in words.iter_mut().zip(model) {
        if b {
            *w |= 1 << bit;
        } else {
            *w &= !(1 << bit);
        }
    }
}
