//! Random small policy libraries: a fixed schema with facts and definitions, plus generated
//! rules that use the language's constructs (forbid/require, each/where, unless, any/all,
//! in/not in, set operations, ==/!=, order, has, is, match, if, count, in_force, steps,
//! definitions). Every generated library type-checks.
//!
//! Rules are generated from a byte string, one choice per byte (`byte % options`, option 0
//! the simplest, a missing byte counts as 0), so that proptest's shrinking of the bytes
//! (shorter, smaller) shrinks the rules toward trivial ones.

/// The fixed part of every generated library.
pub const SCHEMA: &str = r#"
entity State {
  name: string
  size: int = 1
  allies: set<State> = []
  patron: State?
  founded: date?
}

entity Region {
  name: string
  coast: set<State> = []
}

entity Treaty {
  title: string
  parties: set<State> = []
  entry_into_force: date?
  terminated: date?
}

enum Mode { air, land, sea }
type Area = State | Region

step drill {
  actors: set<State>
  area: Area
  host: State?
  armed: bool = true
  mode: Mode = land
  size: int = 0
  targets: set<State> = []
}

step flight {
  pilot: State
  route: list<Area>
  modes: set<Mode> = []
  permits: set<State> = []
  host: State?
}

step pact {
  parties: set<State>
  chief: State
  seat: State = chief
  mutual: bool = false
  since: date?
  host: State?
}

fact amber: State { name: "Amber" size: 3 allies: [berg] patron: cobalt founded: 2001-05-01 }
fact berg: State { name: "Berg" }
fact cobalt: State {
  name: "Cobalt"
  size: 5 until 2025-06-01
  size: 7 from 2025-06-01
  allies: [amber, dune from 2026-03-01]
}
fact dune: State { name: "Dune" size: 0 patron: amber from 2025-01-01 }
fact elm: State { name: "Elm" size: 2 founded: 2020-01-01 }
fact north: Region { name: "North" coast: [amber, berg from 2025-09-01, cobalt until 2027-01-01] }
fact south: Region { name: "South" coast: [dune, elm] }
fact t_old: Treaty { title: "Old" parties: [amber, berg] entry_into_force: 2000-01-01 terminated: 2025-06-30 }
fact t_new: Treaty { title: "New" parties: [cobalt, dune, elm] entry_into_force: 2026-01-01 }
fact t_draft: Treaty { title: "Draft" parties: [amber, elm] }

def bloc = [amber, cobalt]

def members(s) = match s {
  drill => s.actors,
  flight => s.permits | [s.pilot],
  pact => s.parties,
}

def big(x) = x.size > 2
"#;

const STATES: [&str; 5] = ["amber", "berg", "cobalt", "dune", "elm"];
const AREAS: [&str; 7] = ["amber", "berg", "cobalt", "dune", "elm", "north", "south"];
const MODES: [&str; 3] = ["air", "land", "sea"];
const KINDS: [&str; 3] = ["drill", "flight", "pact"];
const DATES: [&str; 4] = ["2026-01-01", "2025-06-30", "2024-03-01", "2028-01-01"];

/// Expression types the generator knows.
#[derive(Clone, Debug, PartialEq)]
enum T {
    Bool,
    Int,
    Date,
    State,
    Area,
    Mode,
    StateSet,
    AreaSet,
    ModeSet,
    AreaList,
    /// A step of one of these kinds.
    Step(Vec<&'static str>),
}

/// The attributes of each kind by type: (kind, attribute, type, optional).
const ATTRS: &[(&str, &str, T, bool)] = &[
    ("drill", "actors", T::StateSet, false),
    ("drill", "area", T::Area, false),
    ("drill", "host", T::State, true),
    ("drill", "armed", T::Bool, false),
    ("drill", "mode", T::Mode, false),
    ("drill", "size", T::Int, false),
    ("drill", "targets", T::StateSet, false),
    ("flight", "pilot", T::State, false),
    ("flight", "route", T::AreaList, false),
    ("flight", "modes", T::ModeSet, false),
    ("flight", "permits", T::StateSet, false),
    ("flight", "host", T::State, true),
    ("pact", "parties", T::StateSet, false),
    ("pact", "chief", T::State, false),
    ("pact", "seat", T::State, false),
    ("pact", "mutual", T::Bool, false),
    ("pact", "since", T::Date, true),
    ("pact", "host", T::State, true),
];

/// The byte-driven generator.
#[derive(Debug)]
pub struct Gen {
    bytes: Vec<u8>,
    pos: usize,
    fresh: usize,
}

/// What is in scope where an expression is generated.
#[derive(Clone, Debug)]
struct Cx {
    vars: Vec<(String, T)>,
    /// An `on proposal` rule: `steps(...)` is available unless `in_steps`.
    proposal: bool,
    in_steps: bool,
}

/// A library's source text from bytes.
pub fn library(bytes: &[u8]) -> String {
    let mut g = Gen {
        bytes: bytes.to_vec(),
        pos: 0,
        fresh: 0,
    };
    let n = 1 + g.pick(3);
    let mut out = String::from(SCHEMA);
    for i in 1..=n {
        out.push_str(&g.rule(i));
    }
    out
}

impl Gen {
    fn pick(&mut self, n: usize) -> usize {
        let b = self.bytes.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        usize::from(b) % n.max(1)
    }

    fn coin(&mut self) -> bool {
        self.pick(2) == 1
    }

    fn var(&mut self) -> String {
        self.fresh += 1;
        format!("v{}", self.fresh)
    }

    /// A sorted literal of distinct names from `pool` (sorted), never empty (an empty
    /// literal has no element type: its binder could not be used). A literal of areas holds
    /// a state and a region, so that its element type is `State | Region`: any area may be
    /// compared with its elements.
    fn literal(&mut self, pool: &[&str]) -> String {
        let n = 1 + self.pick(3);
        let mut chosen: Vec<&str> = (0..n).map(|_| pool[self.pick(pool.len())]).collect();
        if pool.len() == AREAS.len() {
            chosen.push(STATES[self.pick(STATES.len())]);
            chosen.push(["north", "south"][self.pick(2)]);
        }
        chosen.sort_unstable();
        chosen.dedup();
        format!("[{}]", chosen.join(", "))
    }

    fn rule(&mut self, i: usize) -> String {
        let severity = ["error", "warning", "note"][self.pick(3)];
        let proposal = self.pick(5) == 4;
        let mut cx = Cx {
            vars: Vec::new(),
            proposal,
            in_steps: false,
        };
        let mut text = format!("\nrule r{i} {{\n  severity {severity}\n");
        let mut message = format!("r{i} fired");
        if proposal {
            text.push_str("  on proposal\n");
        } else {
            let subsets: [&[&'static str]; 7] = [
                &["drill"],
                &["flight"],
                &["pact"],
                &["drill", "flight"],
                &["drill", "pact"],
                &["flight", "pact"],
                &["drill", "flight", "pact"],
            ];
            let kinds = subsets[self.pick(7)].to_vec();
            text.push_str(&format!("  on {} as s\n", kinds.join(", ")));
            cx.vars.push(("s".into(), T::Step(kinds)));
            message.push_str(" on {s.id}");
        }
        if self.coin() {
            let w = self.expr(&cx, &T::Bool, 2);
            text.push_str(&format!("  when {w}\n"));
        }
        let verb = if self.coin() { "require" } else { "forbid" };
        if self.coin() {
            let x = self.var();
            let (coll, elem) = self.collection(&cx, 2);
            if matches!(elem, T::Step(_)) {
                cx.in_steps = true;
            }
            cx.vars.push((x.clone(), elem));
            message.push_str(&format!(" for {{{x}}}"));
            if verb == "forbid" && self.pick(4) == 0 {
                text.push_str(&format!("  forbid each {x} in {coll}\n"));
            } else {
                let c = self.expr(&cx, &T::Bool, 3);
                text.push_str(&format!("  {verb} each {x} in {coll} where {c}\n"));
            }
        } else {
            let c = self.expr(&cx, &T::Bool, 3);
            text.push_str(&format!("  {verb} {c}\n"));
        }
        for _ in 0..self.pick(3) {
            let u = self.expr(&cx, &T::Bool, 2);
            if self.coin() {
                text.push_str(&format!("  unless {u} because \"a reason\"\n"));
            } else {
                text.push_str(&format!("  unless {u}\n"));
            }
        }
        text.push_str(&format!("  message \"{message}\"\n"));
        if self.coin() {
            text.push_str("  help \"do something else\"\n");
        }
        text.push_str("}\n");
        text
    }

    /// A collection to quantify over, and its element type.
    fn collection(&mut self, cx: &Cx, d: u32) -> (String, T) {
        let n = if cx.proposal && !cx.in_steps { 5 } else { 4 };
        match self.pick(n) {
            0 => (self.expr(cx, &T::StateSet, d), T::State),
            1 => (self.expr(cx, &T::AreaList, d), T::Area),
            2 => (self.expr(cx, &T::ModeSet, d), T::Mode),
            3 => (self.expr(cx, &T::AreaSet, d), T::Area),
            _ => {
                let kinds = self.kinds();
                (format!("steps({})", kinds.join(", ")), T::Step(kinds))
            }
        }
    }

    fn kinds(&mut self) -> Vec<&'static str> {
        let mut ks: Vec<&'static str> = KINDS.iter().copied().filter(|_| self.coin()).collect();
        if ks.is_empty() {
            ks.push(KINDS[self.pick(3)]);
        }
        ks
    }

    /// Step variables in scope.
    fn step_vars(cx: &Cx) -> Vec<(String, Vec<&'static str>)> {
        cx.vars
            .iter()
            .filter_map(|(n, t)| match t {
                T::Step(ks) => Some((n.clone(), ks.clone())),
                _ => None,
            })
            .collect()
    }

    /// An attribute of a step variable, of type `want`: read directly (single kind, or
    /// `host`/`date` shared by all kinds) or through a `match` on the kind.
    fn step_attr(&mut self, cx: &Cx, want: &T, d: u32) -> Option<String> {
        let vars = Self::step_vars(cx);
        if vars.is_empty() {
            return None;
        }
        let (v, kinds) = vars[self.pick(vars.len())].clone();
        if *want == T::Date && self.coin() {
            return Some(format!("{v}.date"));
        }
        if *want == T::State && self.pick(3) == 0 {
            return Some(if self.coin() {
                format!("{v}.host")
            } else {
                let other = self.expr(cx, &T::State, 0);
                format!("(if {v} has host then {v}.host else {other})")
            });
        }
        if kinds.len() == 1 {
            let k = kinds[0];
            let attrs: Vec<&str> = ATTRS
                .iter()
                .filter(|(kk, _, t, _)| *kk == k && t == want)
                .map(|(_, a, _, _)| *a)
                .collect();
            if attrs.is_empty() {
                return None;
            }
            return Some(format!("{v}.{}", attrs[self.pick(attrs.len())]));
        }
        // match v { k => e, ... } with v narrowed to one kind in each arm.
        let mut arms = Vec::new();
        let wildcard = self.coin();
        for (i, k) in kinds.iter().enumerate() {
            let mut inner = cx.clone();
            for (n, t) in &mut inner.vars {
                if *n == v {
                    *t = T::Step(vec![k]);
                }
            }
            let body = self.expr(&inner, want, d.saturating_sub(1));
            if wildcard && i + 1 == kinds.len() {
                let mut inner = cx.clone();
                for (n, t) in &mut inner.vars {
                    if *n == v {
                        *t = T::Step(vec![k]);
                    }
                }
                arms.push(format!("_ => {body}"));
            } else {
                arms.push(format!("{k} => {body}"));
            }
        }
        Some(format!("(match {v} {{ {} }})", arms.join(", ")))
    }

    fn vars_of(cx: &Cx, t: &T) -> Vec<String> {
        cx.vars
            .iter()
            .filter(|(_, vt)| vt == t)
            .map(|(n, _)| n.clone())
            .collect()
    }

    /// An expression of type `t`, at most about `d` levels deep.
    fn expr(&mut self, cx: &Cx, t: &T, d: u32) -> String {
        if let Some(e) = self.try_expr(cx, t, d) {
            return e;
        }
        self.terminal(cx, t)
    }

    /// A leaf of type `t`: a literal or a variable.
    fn terminal(&mut self, cx: &Cx, t: &T) -> String {
        let vars = Self::vars_of(cx, t);
        if !vars.is_empty() && self.coin() {
            return vars[self.pick(vars.len())].clone();
        }
        match t {
            T::Bool => if self.coin() { "true" } else { "false" }.into(),
            T::Int => format!("{}", self.pick(7) as i64 - 1),
            T::Date => {
                if self.pick(4) == 3 {
                    "as_of".into()
                } else {
                    DATES[self.pick(DATES.len())].into()
                }
            }
            T::State => STATES[self.pick(STATES.len())].into(),
            T::Area => AREAS[self.pick(AREAS.len())].into(),
            T::Mode => MODES[self.pick(MODES.len())].into(),
            T::StateSet => self.literal(&STATES),
            T::AreaSet | T::AreaList => self.literal(&AREAS),
            T::ModeSet => self.literal(&MODES),
            T::Step(_) => "s".into(),
        }
    }

    fn try_expr(&mut self, cx: &Cx, t: &T, d: u32) -> Option<String> {
        if d == 0 {
            return None;
        }
        let e = d - 1;
        match t {
            T::Bool => self.boolean(cx, d),
            T::Int => match self.pick(7) {
                0 => None,
                1 => {
                    let (c, _) = self.collection(cx, e);
                    Some(format!("count({c})"))
                }
                6 => {
                    // a filter: `count([x in C where cond])`
                    let x = self.var();
                    let (coll, elem) = self.collection(cx, e);
                    let mut inner = cx.clone();
                    if matches!(elem, T::Step(_)) {
                        inner.in_steps = true;
                    }
                    inner.vars.push((x.clone(), elem));
                    let cond = self.expr(&inner, &T::Bool, e);
                    Some(format!("count([{x} in {coll} where {cond}])"))
                }
                2 => Some(format!("({}).size", self.expr(cx, &T::State, e))),
                3 => self.step_attr(cx, t, e),
                4 => Some(self.cond(cx, t, e)),
                _ => {
                    let s = self.expr(cx, &T::StateSet, e);
                    Some(format!("count({s})"))
                }
            },
            T::Date => match self.pick(5) {
                0 => None,
                1 | 2 => self.step_attr(cx, t, e),
                3 => {
                    let s = self.expr(cx, &T::State, e);
                    Some(if self.coin() {
                        format!("({s}).founded")
                    } else {
                        format!("(if {s} has founded then ({s}).founded else 2020-06-01)")
                    })
                }
                _ => Some(self.cond(cx, t, e)),
            },
            T::State => match self.pick(5) {
                0 => None,
                1 | 2 => self.step_attr(cx, t, e),
                3 => {
                    let s = self.expr(cx, &T::State, e);
                    Some(if self.coin() {
                        format!("({s}).patron")
                    } else {
                        format!("(if {s} has patron then ({s}).patron else berg)")
                    })
                }
                _ => Some(self.cond(cx, t, e)),
            },
            T::Area => match self.pick(4) {
                0 => None,
                1 => self.step_attr(cx, t, e),
                2 => Some(self.expr(cx, &T::State, e)),
                _ => Some(self.cond(cx, t, e)),
            },
            T::Mode => match self.pick(3) {
                0 => None,
                1 => self.step_attr(cx, t, e),
                _ => Some(self.cond(cx, t, e)),
            },
            T::StateSet => match self.pick(9) {
                0 => None,
                1 | 2 => self.step_attr(cx, t, e),
                3 => Some(format!("({}).allies", self.expr(cx, &T::State, e))),
                4 => Some(format!("{}.coast", ["north", "south"][self.pick(2)])),
                5 => Some(format!(
                    "{}.parties",
                    ["t_old", "t_new", "t_draft"][self.pick(3)]
                )),
                6 => {
                    // `members` matches on all three kinds: only a binder of all three kinds
                    // is passed to it. (A `match` arm for a kind the binder cannot have, that
                    // reads an attribute, makes the compiler type the whole `match` as an
                    // error without reporting one: see `impossible_match_arms_are_ignored`.)
                    let vars: Vec<String> = Self::step_vars(cx)
                        .into_iter()
                        .filter(|(_, ks)| ks.len() == KINDS.len())
                        .map(|(n, _)| n)
                        .collect();
                    if vars.is_empty() {
                        Some("bloc".into())
                    } else {
                        Some(format!("members({})", vars[self.pick(vars.len())]))
                    }
                }
                7 => {
                    let a = self.expr(cx, t, e);
                    let b = self.expr(cx, t, e);
                    let op = ["|", "&", "-"][self.pick(3)];
                    Some(format!("({a} {op} {b})"))
                }
                _ => Some(self.cond(cx, t, e)),
            },
            T::AreaSet => match self.pick(3) {
                0 => None,
                1 => {
                    let a = self.expr(cx, &T::AreaList, e);
                    let b = self.expr(cx, &T::Area, e);
                    let op = ["|", "&", "-"][self.pick(3)];
                    Some(format!("({a} {op} [{b}])"))
                }
                _ => Some(self.cond(cx, t, e)),
            },
            T::ModeSet => match self.pick(4) {
                0 => None,
                1 => self.step_attr(cx, t, e),
                2 => {
                    let a = self.expr(cx, t, e);
                    let b = self.expr(cx, t, e);
                    Some(format!("({a} | {b})"))
                }
                _ => Some(self.cond(cx, t, e)),
            },
            T::AreaList => match self.pick(3) {
                0 => None,
                _ => self.step_attr(cx, t, e),
            },
            T::Step(_) => None,
        }
    }

    fn cond(&mut self, cx: &Cx, t: &T, d: u32) -> String {
        let c = self.expr(cx, &T::Bool, d);
        let a = self.expr(cx, t, d);
        let b = self.expr(cx, t, d);
        format!("(if {c} then {a} else {b})")
    }

    fn boolean(&mut self, cx: &Cx, d: u32) -> Option<String> {
        let e = d - 1;
        Some(match self.pick(18) {
            0 => return None,
            1 => {
                let x = self.expr(cx, &T::State, e);
                let s = self.expr(cx, &T::StateSet, e);
                let op = if self.coin() { "not in" } else { "in" };
                format!("{x} {op} {s}")
            }
            2 => {
                let x = self.expr(cx, &T::Area, e);
                let s = if self.coin() {
                    self.expr(cx, &T::AreaList, e)
                } else {
                    self.expr(cx, &T::AreaSet, e)
                };
                let op = if self.coin() { "not in" } else { "in" };
                format!("{x} {op} {s}")
            }
            3 => {
                // Two states (an area expression may be typed `Region` alone, which a
                // state can never equal: a type error).
                let a = self.expr(cx, &T::State, e);
                let b = self.expr(cx, &T::State, e);
                let op = if self.coin() { "!=" } else { "==" };
                format!("{a} {op} {b}")
            }
            4 => {
                let a = self.expr(cx, &T::Int, e);
                let b = self.expr(cx, &T::Int, e);
                let op = ["<", "<=", ">", ">="][self.pick(4)];
                format!("{a} {op} {b}")
            }
            5 => {
                let a = self.expr(cx, &T::Date, e);
                let b = self.expr(cx, &T::Date, e);
                let op = ["<", "<=", ">", ">=", "==", "!="][self.pick(6)];
                format!("{a} {op} {b}")
            }
            6 => match Self::step_vars(cx).first() {
                Some((v, _)) if self.coin() => format!("{v} has host"),
                _ => {
                    let s = self.expr(cx, &T::State, e);
                    let a = ["patron", "founded", "allies"][self.pick(3)];
                    format!("({s}) has {a}")
                }
            },
            7 => {
                let q = if self.coin() { "all" } else { "any" };
                let x = self.var();
                let (coll, elem) = self.collection(cx, e);
                let mut inner = cx.clone();
                if matches!(elem, T::Step(_)) {
                    inner.in_steps = true;
                }
                inner.vars.push((x.clone(), elem));
                let body = self.expr(&inner, &T::Bool, e);
                format!("({q} {x} in {coll}: {body})")
            }
            8 => format!("!({})", self.expr(cx, &T::Bool, e)),
            9 => {
                let a = self.expr(cx, &T::Bool, e);
                let b = self.expr(cx, &T::Bool, e);
                format!("({a} && {b})")
            }
            10 => {
                let a = self.expr(cx, &T::Bool, e);
                let b = self.expr(cx, &T::Bool, e);
                format!("({a} || {b})")
            }
            11 => self.cond(cx, &T::Bool, e),
            12 => {
                let a = self.expr(cx, &T::Area, e);
                let ty = ["State", "Region", "Area"][self.pick(3)];
                format!("{a} is {ty}")
            }
            13 => {
                let m = self.expr(cx, &T::Mode, e);
                let s = self.expr(cx, &T::ModeSet, e);
                let op = if self.coin() { "not in" } else { "in" };
                format!("{m} {op} {s}")
            }
            14 => {
                let t = ["t_old", "t_new", "t_draft"][self.pick(3)];
                let date = self.expr(cx, &T::Date, e);
                format!("in_force({t}, {date})")
            }
            15 => self.step_attr(cx, &T::Bool, e)?,
            16 => format!("big({})", self.expr(cx, &T::State, e)),
            _ => {
                let a = self.expr(cx, &T::StateSet, e);
                let b = self.expr(cx, &T::StateSet, e);
                let op = if self.coin() { "!=" } else { "==" };
                format!("{a} {op} {b}")
            }
        })
    }
}
