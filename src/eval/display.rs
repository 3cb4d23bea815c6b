//! Values as people read them: shared by explanations (messages, evidence, bindings) and by
//! lowering, which renders the constant parts of message templates and the evidence lines
//! of the facts rules read once, when the engine is built.

use super::Bound;
use crate::date::Date;
use crate::ir::{Compiled, Value};

/// Appends a value as people read it; `bound` gives the proposal's own strings and step
/// ids (without it, they show as nothing: constants of a library have none).
pub fn display_into(lib: &Compiled, bound: Option<&Bound>, out: &mut String, v: &Value) {
    match v {
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            use std::fmt::Write as _;
            let _ = write!(out, "{i}");
        }
        Value::Date(d) => push_date(out, *d),
        Value::Str(s) => {
            let n = lib.strings.len() as u32;
            let text = if *s < n {
                lib.strings.get(*s as usize).map(String::as_str)
            } else {
                bound.and_then(|b| b.strings.get((*s - n) as usize))
            };
            out.push_str(text.unwrap_or(""));
        }
        Value::Atom(a) => out.push_str(lib.atom_name(*a)),
        Value::Set(s) if s.is_empty() => out.push_str("none"),
        Value::List(l) if l.is_empty() => out.push_str("none"),
        Value::Set(s) => {
            for (i, a) in s.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(lib.atom_name(a));
            }
        }
        Value::List(l) => {
            for (i, x) in l.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                display_into(lib, bound, out, x);
            }
        }
        Value::Step(i) => {
            if let Some(s) = bound.and_then(|b| b.step_ids.get(*i as usize)) {
                display_into(lib, bound, out, &Value::Str(*s));
            }
        }
    }
}

/// The evidence line of a fact: `attr of entity: value`, or `attr of entity on DATE:
/// value` for a fact that changes over time, read on that date.
pub fn fact_line_into(
    lib: &Compiled,
    bound: Option<&Bound>,
    out: &mut String,
    (entity, attr, on): (u32, u32, Option<Date>),
    value: &Value,
) {
    out.push_str(
        lib.attr_names
            .get(attr as usize)
            .map_or("?", String::as_str),
    );
    out.push_str(" of ");
    out.push_str(lib.atom_name(entity));
    if let Some(d) = on {
        out.push_str(" on ");
        push_date(out, d);
    }
    out.push_str(": ");
    display_into(lib, bound, out, value);
}

/// Appends a date as `Date`'s `Display` writes it (`YYYY-MM-DD`), without the formatter.
pub fn push_date(out: &mut String, d: Date) {
    let (y, m, day) = d.ymd();
    let digit = |x: u32| char::from(b'0' + (x % 10) as u8);
    match u32::try_from(y) {
        Ok(y) if y <= 9999 => {
            for x in [y / 1000, y / 100, y / 10, y] {
                out.push(digit(x));
            }
            for x in [m, day] {
                out.push('-');
                out.push(digit(x / 10));
                out.push(digit(x));
            }
        }
        _ => {
            use std::fmt::Write as _;
            let _ = write!(out, "{d}");
        }
    }
}
