//! The floor: the eight fixed rules written by hand in Rust, twice.
//!
//! - [`check_strings`] works on the typed structs as deserialised (`String`s, `Vec<String>`),
//!   comparing strings;
//! - [`check_bits`] works on a pre-converted form ([`FStep`]: kinds as an enum, states as
//!   `u8` ids, sets of states as `u16` bitmasks).
//!
//! Both give one finding per (rule, step) and, for the two per-state rules, one per
//! offending state, exactly as pactum's policies do.

use crate::model::{CASPIAN_LITTORAL, CSTO_MEMBERS, REGIONS, STATES, Step};

/// Rule ids, in id order; a finding names its rule by index here.
pub const RULES: [&str; 8] = [
    "caspian.non_littoral_forces",
    "csto.foreign_base_consent",
    "csto.no_alignment_against_member",
    "ots.no_collective_defense_article",
    "ots.no_command_structure",
    "transit.per_flight_consent",
    "turkmenistan.neutrality",
    "uzbekistan.non_alignment",
];
pub const CASPIAN: u8 = 0;
pub const CSTO_BASE: u8 = 1;
pub const CSTO_ALIGN: u8 = 2;
pub const OTS_CD: u8 = 3;
pub const OTS_CMD: u8 = 4;
pub const TRANSIT: u8 = 5;
pub const TM: u8 = 6;
pub const UZ: u8 = 7;

/// "No state": the binding of a per-step rule.
pub const NO_STATE: u8 = u8::MAX;

/// One violation: rule index, step index (across the corpus), offending state (index in
/// `STATES`) or `NO_STATE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Finding {
    pub rule: u8,
    pub step: u32,
    pub state: u8,
}

pub fn rule_index(id: &str) -> Option<u8> {
    RULES.iter().position(|r| *r == id).map(|i| i as u8)
}

pub fn state_index(name: &str) -> Option<u8> {
    STATES.iter().position(|s| *s == name).map(|i| i as u8)
}

// ------------------------------------------------------------------------ strings

fn has(v: &Option<Vec<String>>, x: &str) -> bool {
    v.as_ref().is_some_and(|v| v.iter().any(|y| y == x))
}

fn is(v: &Option<String>, x: &str) -> bool {
    v.as_deref() == Some(x)
}

fn any_other(v: &Option<Vec<String>>, x: &str) -> bool {
    v.as_ref().is_some_and(|v| v.iter().any(|y| y != x))
}

/// The eight rules on steps as deserialised (defaults filled), with string compares.
/// Findings borrow the offending state's name from the input.
pub fn check_strings<'a>(steps: &'a [Step], out: &mut Vec<(u8, u32, Option<&'a str>)>) {
    let csto = |x: &str| CSTO_MEMBERS.contains(&x);
    for (i, s) in steps.iter().enumerate() {
        let i = i as u32;
        match s.kind.as_str() {
            "exercise" => {
                let host = s.host.as_deref();
                let parts = s.participants.as_deref().unwrap_or_default();
                if is(&s.area, "caspian_sea") && s.armed == Some(true) {
                    // A host that is also a participant is one state.
                    let host = host.filter(|h| !parts.iter().any(|q| q == h));
                    for p in parts.iter().map(String::as_str).chain(host) {
                        if !CASPIAN_LITTORAL.contains(&p) {
                            out.push((CASPIAN, i, Some(p)));
                        }
                    }
                }
                let against = s.directed_against.as_deref().unwrap_or_default();
                let fires = parts.iter().map(String::as_str).chain(host).any(|m| {
                    csto(m) && against.iter().any(|t| csto(t) && t != m)
                });
                if fires {
                    out.push((CSTO_ALIGN, i, None));
                }
                if is(&s.framework, "ots") && is(&s.command, "unified") {
                    out.push((OTS_CMD, i, None));
                }
            }
            "deployment" => {
                if is(&s.area, "caspian_sea") && s.armed == Some(true) {
                    if let Some(f) = s.forces.as_deref() {
                        if !CASPIAN_LITTORAL.contains(&f) {
                            out.push((CASPIAN, i, Some(f)));
                        }
                    }
                }
            }
            "base" => {
                let host = s.host.as_deref().unwrap_or_default();
                let ops = s.operators.as_deref().unwrap_or_default();
                if is(&s.area, "caspian_sea") {
                    let h = Some(host).filter(|h| !ops.iter().any(|q| q == h));
                    for p in ops.iter().map(String::as_str).chain(h) {
                        if !CASPIAN_LITTORAL.contains(&p) {
                            out.push((CASPIAN, i, Some(p)));
                        }
                    }
                }
                if csto(host)
                    && ops.iter().any(|o| !csto(o))
                    && CSTO_MEMBERS.iter().any(|m| !has(&s.consents, m))
                {
                    out.push((CSTO_BASE, i, None));
                }
                if host == "turkmenistan" && any_other(&s.operators, "turkmenistan") {
                    out.push((TM, i, None));
                }
                if host == "uzbekistan" && any_other(&s.operators, "uzbekistan") {
                    out.push((UZ, i, None));
                }
            }
            "transit_flight" => {
                let op = s.operator.as_deref().unwrap_or_default();
                let route = s.route.as_deref().unwrap_or_default();
                for (k, x) in route.iter().enumerate() {
                    if x != op
                        && !REGIONS.contains(&x.as_str())
                        && !has(&s.permits, x)
                        && !route[..k].contains(x)
                    {
                        out.push((TRANSIT, i, Some(x)));
                    }
                }
            }
            "defense_pact" => {
                let parties = s.parties.as_deref().unwrap_or_default();
                let against = s.directed_against.as_deref().unwrap_or_default();
                if parties
                    .iter()
                    .any(|m| csto(m) && against.iter().any(|t| csto(t) && t != m))
                {
                    out.push((CSTO_ALIGN, i, None));
                }
                let mutual = s.mutual_defense == Some(true);
                if mutual && is(&s.framework, "ots") {
                    out.push((OTS_CD, i, None));
                }
                if has(&s.parties, "turkmenistan") {
                    out.push((TM, i, None));
                }
                if mutual && has(&s.parties, "uzbekistan") {
                    out.push((UZ, i, None));
                }
            }
            "collective_defense" => {
                if is(&s.framework, "ots") {
                    out.push((OTS_CD, i, None));
                }
                if has(&s.responders, "turkmenistan") {
                    out.push((TM, i, None));
                }
                if has(&s.responders, "uzbekistan") {
                    out.push((UZ, i, None));
                }
            }
            "joint_command" => {
                if is(&s.framework, "ots") {
                    out.push((OTS_CMD, i, None));
                }
                if has(&s.parties, "turkmenistan") {
                    out.push((TM, i, None));
                }
                if has(&s.parties, "uzbekistan") {
                    out.push((UZ, i, None));
                }
            }
            _ => {}
        }
    }
}

/// Only `caspian.non_littoral_forces`, with string compares.
pub fn caspian_strings<'a>(steps: &'a [Step], out: &mut Vec<(u8, u32, Option<&'a str>)>) {
    for (i, s) in steps.iter().enumerate() {
        let i = i as u32;
        if !is(&s.area, "caspian_sea") {
            continue;
        }
        match s.kind.as_str() {
            "exercise" if s.armed == Some(true) => {
                let host = s.host.as_deref();
                let parts = s.participants.as_deref().unwrap_or_default();
                let host = host.filter(|h| !parts.iter().any(|q| q == h));
                for p in parts.iter().map(String::as_str).chain(host) {
                    if !CASPIAN_LITTORAL.contains(&p) {
                        out.push((CASPIAN, i, Some(p)));
                    }
                }
            }
            "deployment" if s.armed == Some(true) => {
                if let Some(f) = s.forces.as_deref() {
                    if !CASPIAN_LITTORAL.contains(&f) {
                        out.push((CASPIAN, i, Some(f)));
                    }
                }
            }
            "base" => {
                let host = s.host.as_deref().unwrap_or_default();
                let ops = s.operators.as_deref().unwrap_or_default();
                let h = Some(host).filter(|h| !ops.iter().any(|q| q == h));
                for p in ops.iter().map(String::as_str).chain(h) {
                    if !CASPIAN_LITTORAL.contains(&p) {
                        out.push((CASPIAN, i, Some(p)));
                    }
                }
            }
            _ => {}
        }
    }
}

// ------------------------------------------------------------------------ enums and bitmasks

/// Organisations, as ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Org {
    Ots,
    Csto,
    Nato,
    Sco,
}

/// An area: a state id (0..16) or a region id (16 = caspian_sea, 17 = black_sea).
pub type Area = u8;
pub const AREA_CASPIAN: Area = 16;

/// A step with interned ids and bitmasks (bit i = `STATES[i]`).
#[derive(Clone, Copy, Debug)]
pub enum FStep {
    Exercise {
        participants: u16,
        area: Area,
        host: Option<u8>,
        armed: bool,
        unified: bool,
        framework: Option<Org>,
        directed_against: u16,
    },
    Base {
        host: u8,
        operators: u16,
        area: Area,
        consents: u16,
    },
    Deployment {
        forces: u8,
        area: Area,
        armed: bool,
    },
    TransitFlight {
        operator: u8,
        /// The states on the route (regions dropped: `x is State`).
        route: u16,
        permits: u16,
    },
    DefensePact {
        parties: u16,
        mutual_defense: bool,
        framework: Option<Org>,
        directed_against: u16,
    },
    CollectiveDefense {
        framework: Org,
        responders: u16,
    },
    JointCommand {
        parties: u16,
        framework: Option<Org>,
    },
    Other,
}

fn sid(x: &str) -> u8 {
    state_index(x).unwrap_or_else(|| panic!("unknown state {x}"))
}

fn area_id(x: &str) -> Area {
    match x {
        "caspian_sea" => 16,
        "black_sea" => 17,
        s => sid(s),
    }
}

fn bits(v: &Option<Vec<String>>) -> u16 {
    v.iter()
        .flatten()
        .filter(|x| state_index(x).is_some())
        .fold(0, |b, x| b | 1 << sid(x))
}

fn org(x: &str) -> Org {
    match x {
        "ots" => Org::Ots,
        "csto" => Org::Csto,
        "nato" => Org::Nato,
        "sco" => Org::Sco,
        o => panic!("unknown organisation {o}"),
    }
}

pub fn mask(names: &[&str]) -> u16 {
    names.iter().fold(0, |b, x| b | 1 << sid(x))
}

impl FStep {
    /// Converts a step (defaults filled).
    pub fn from_step(s: &Step) -> FStep {
        let st = |v: &Option<String>| sid(v.as_deref().unwrap_or_default());
        match s.kind.as_str() {
            "exercise" => FStep::Exercise {
                participants: bits(&s.participants),
                area: area_id(s.area.as_deref().unwrap_or_default()),
                host: s.host.as_deref().map(sid),
                armed: s.armed.unwrap_or(true),
                unified: is(&s.command, "unified"),
                framework: s.framework.as_deref().map(org),
                directed_against: bits(&s.directed_against),
            },
            "base" => FStep::Base {
                host: st(&s.host),
                operators: bits(&s.operators),
                area: area_id(s.area.as_deref().or(s.host.as_deref()).unwrap_or_default()),
                consents: bits(&s.consents),
            },
            "deployment" => FStep::Deployment {
                forces: st(&s.forces),
                area: area_id(s.area.as_deref().unwrap_or_default()),
                armed: s.armed.unwrap_or(true),
            },
            "transit_flight" => FStep::TransitFlight {
                operator: st(&s.operator),
                route: bits(&s.route),
                permits: bits(&s.permits),
            },
            "defense_pact" => FStep::DefensePact {
                parties: bits(&s.parties),
                mutual_defense: s.mutual_defense.unwrap_or(false),
                framework: s.framework.as_deref().map(org),
                directed_against: bits(&s.directed_against),
            },
            "collective_defense" => FStep::CollectiveDefense {
                framework: org(s.framework.as_deref().unwrap_or_default()),
                responders: bits(&s.responders),
            },
            "joint_command" => FStep::JointCommand {
                parties: bits(&s.parties),
                framework: s.framework.as_deref().map(org),
            },
            _ => FStep::Other,
        }
    }
}

/// Bitmask constants of the facts.
pub struct Masks {
    pub littoral: u16,
    pub csto: u16,
    pub tm: u16,
    pub uz: u16,
}

impl Masks {
    pub fn new() -> Masks {
        Masks {
            littoral: mask(&CASPIAN_LITTORAL),
            csto: mask(&CSTO_MEMBERS),
            tm: mask(&["turkmenistan"]),
            uz: mask(&["uzbekistan"]),
        }
    }
}

#[inline]
fn each_bit(mut b: u16, mut f: impl FnMut(u8)) {
    while b != 0 {
        f(b.trailing_zeros() as u8);
        b &= b - 1;
    }
}

#[inline]
fn no_alignment(c: u16, d: u16) -> bool {
    // any m in C: any t in D: t != m
    c != 0 && d != 0 && !(c == d && c.count_ones() == 1)
}

/// The eight rules on interned steps, with bit operations.
pub fn check_bits(steps: &[FStep], m: &Masks, out: &mut Vec<Finding>) {
    for (i, s) in steps.iter().enumerate() {
        let step = i as u32;
        let mut push = |rule: u8, state: u8| out.push(Finding { rule, step, state });
        match *s {
            FStep::Exercise {
                participants,
                area,
                host,
                armed,
                unified,
                framework,
                directed_against,
            } => {
                let forces = participants | host.map_or(0, |h| 1 << h);
                if area == AREA_CASPIAN && armed {
                    each_bit(forces & !m.littoral, |p| push(CASPIAN, p));
                }
                if no_alignment(forces & m.csto, directed_against & m.csto) {
                    push(CSTO_ALIGN, NO_STATE);
                }
                if framework == Some(Org::Ots) && unified {
                    push(OTS_CMD, NO_STATE);
                }
            }
            FStep::Base {
                host,
                operators,
                area,
                consents,
            } => {
                let h = 1u16 << host;
                if area == AREA_CASPIAN {
                    each_bit((operators | h) & !m.littoral, |p| push(CASPIAN, p));
                }
                if h & m.csto != 0 && operators & !m.csto != 0 && m.csto & !consents != 0 {
                    push(CSTO_BASE, NO_STATE);
                }
                if h == m.tm && operators & !m.tm != 0 {
                    push(TM, NO_STATE);
                }
                if h == m.uz && operators & !m.uz != 0 {
                    push(UZ, NO_STATE);
                }
            }
            FStep::Deployment { forces, area, armed } => {
                if area == AREA_CASPIAN && armed && (1u16 << forces) & m.littoral == 0 {
                    push(CASPIAN, forces);
                }
            }
            FStep::TransitFlight {
                operator,
                route,
                permits,
            } => each_bit(route & !(1 << operator) & !permits, |x| push(TRANSIT, x)),
            FStep::DefensePact {
                parties,
                mutual_defense,
                framework,
                directed_against,
            } => {
                if no_alignment(parties & m.csto, directed_against & m.csto) {
                    push(CSTO_ALIGN, NO_STATE);
                }
                if mutual_defense && framework == Some(Org::Ots) {
                    push(OTS_CD, NO_STATE);
                }
                if parties & m.tm != 0 {
                    push(TM, NO_STATE);
                }
                if mutual_defense && parties & m.uz != 0 {
                    push(UZ, NO_STATE);
                }
            }
            FStep::CollectiveDefense {
                framework,
                responders,
            } => {
                if framework == Org::Ots {
                    push(OTS_CD, NO_STATE);
                }
                if responders & m.tm != 0 {
                    push(TM, NO_STATE);
                }
                if responders & m.uz != 0 {
                    push(UZ, NO_STATE);
                }
            }
            FStep::JointCommand { parties, framework } => {
                if framework == Some(Org::Ots) {
                    push(OTS_CMD, NO_STATE);
                }
                if parties & m.tm != 0 {
                    push(TM, NO_STATE);
                }
                if parties & m.uz != 0 {
                    push(UZ, NO_STATE);
                }
            }
            FStep::Other => {}
        }
    }
}

/// Only `caspian.non_littoral_forces`, with bit operations.
pub fn caspian_bits(steps: &[FStep], m: &Masks, out: &mut Vec<Finding>) {
    for (i, s) in steps.iter().enumerate() {
        let step = i as u32;
        let mut push = |state: u8| out.push(Finding { rule: CASPIAN, step, state });
        match *s {
            FStep::Exercise {
                participants,
                area: AREA_CASPIAN,
                host,
                armed: true,
                ..
            } => each_bit((participants | host.map_or(0, |h| 1 << h)) & !m.littoral, &mut push),
            FStep::Deployment {
                forces,
                area: AREA_CASPIAN,
                armed: true,
            } if (1u16 << forces) & m.littoral == 0 => push(forces),
            FStep::Base {
                host,
                operators,
                area: AREA_CASPIAN,
                ..
            } => each_bit((operators | 1 << host) & !m.littoral, &mut push),
            _ => {}
        }
    }
}
