//! The proposal as plain typed Rust structs (what `serde_json` deserialises the JSON form
//! into), the corpus generator, and the fixed vocabulary.

use serde::{Deserialize, Serialize};

/// A proposal in the design's JSON form, as plain typed structs.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Doc {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    pub steps: Vec<Step>,
}

/// One step: every attribute of every kind, `None` where the kind has none or the
/// proposal leaves it out.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub id: String,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participants: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub armed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub framework: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directed_against: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operators: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consents: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forces: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cargo: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permits: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parties: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mutual_defense: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoked_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responders: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partners: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
}

impl Step {
    /// The step with the schema's defaults filled in (what pactum's `prepare` binds): the
    /// peers get this form, so that none of them pays for defaults.
    pub fn with_defaults(&self) -> Step {
        let mut s = self.clone();
        let empty = || Some(Vec::new());
        match s.kind.as_str() {
            "exercise" => {
                s.armed = s.armed.or(Some(true));
                s.command = s.command.or(Some("national".into()));
                s.directed_against = s.directed_against.or_else(empty);
            }
            "base" => {
                s.area = s.area.or_else(|| s.host.clone());
                s.consents = s.consents.or_else(empty);
            }
            "deployment" => {
                s.armed = s.armed.or(Some(true));
                s.consents = s.consents.or_else(empty);
            }
            "transit_flight" => s.permits = s.permits.or_else(empty),
            "defense_pact" => {
                s.mutual_defense = s.mutual_defense.or(Some(false));
                s.directed_against = s.directed_against.or_else(empty);
            }
            "collective_defense" => s.responders = s.responders.or_else(empty),
            _ => {}
        }
        s
    }
}

pub const STATES: [&str; 16] = [
    "turkey",
    "azerbaijan",
    "kazakhstan",
    "kyrgyzstan",
    "uzbekistan",
    "turkmenistan",
    "hungary",
    "northern_cyprus",
    "russia",
    "iran",
    "china",
    "tajikistan",
    "belarus",
    "armenia",
    "afghanistan",
    "georgia",
];
pub const REGIONS: [&str; 2] = ["caspian_sea", "black_sea"];
pub const CSTO_MEMBERS: [&str; 6] = [
    "russia",
    "belarus",
    "armenia",
    "kazakhstan",
    "kyrgyzstan",
    "tajikistan",
];
pub const CASPIAN_LITTORAL: [&str; 5] =
    ["azerbaijan", "iran", "kazakhstan", "russia", "turkmenistan"];

// ------------------------------------------------------------------------ generator
// The distribution of benches/check.rs (pactum's own bench), producing typed steps.

/// xorshift64* (Vigna): tiny, deterministic, good enough for test data.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    fn distinct<'a>(&mut self, items: &[&'a str], n: usize) -> Vec<&'a str> {
        let mut pool: Vec<&str> = items.to_vec();
        let mut out = Vec::with_capacity(n);
        while out.len() < n && !pool.is_empty() {
            out.push(pool.swap_remove(self.below(pool.len())));
        }
        out
    }
    fn some<'a>(&mut self, items: &[&'a str], lo: usize, hi: usize) -> Vec<&'a str> {
        let n = lo + self.below(hi - lo + 1);
        self.distinct(items, n)
    }
}

const OTS_SIDE: [&str; 8] = [
    "turkey",
    "azerbaijan",
    "kazakhstan",
    "kyrgyzstan",
    "uzbekistan",
    "turkmenistan",
    "hungary",
    "northern_cyprus",
];
const ORGS: [&str; 4] = ["ots", "csto", "nato", "sco"];
const CARGO: [&str; 4] = ["personnel", "equipment", "munitions", "humanitarian"];
const SYSTEMS: [&str; 6] = [
    "Bayraktar TB2",
    "Akinci UCAV",
    "T-129 ATAK",
    "Otokar Cobra II",
    "KAAN fighter",
    "Hisar-O air defence",
];
const NOTES: [&str; 4] = [
    "first phase",
    "subject to parliamentary approval",
    "annual rotation",
    "follows the 2025 memorandum",
];

fn state(r: &mut Rng) -> &'static str {
    if r.chance(67) {
        r.pick(&OTS_SIDE)
    } else {
        r.pick(&STATES)
    }
}

fn states(r: &mut Rng, lo: usize, hi: usize) -> Vec<&'static str> {
    if r.chance(67) {
        r.some(&OTS_SIDE, lo, hi)
    } else {
        r.some(&STATES, lo, hi)
    }
}

fn area(r: &mut Rng, caspian_percent: u64) -> &'static str {
    if r.chance(caspian_percent) {
        "caspian_sea"
    } else if r.chance(8) {
        "black_sea"
    } else {
        state(r)
    }
}

fn framework(r: &mut Rng, percent: u64) -> Option<String> {
    if !r.chance(percent) {
        return None;
    }
    Some(if r.chance(60) { "ots" } else { r.pick(&ORGS) }.into())
}

fn owned(v: Vec<&str>) -> Option<Vec<String>> {
    Some(v.into_iter().map(String::from).collect())
}

/// One step of `kind`, with the attributes of benches/check.rs's generator.
pub fn step(r: &mut Rng, id: String, kind: &str) -> Step {
    let mut s = Step {
        id,
        kind: kind.into(),
        ..Step::default()
    };
    match kind {
        "exercise" => {
            let parts = states(r, 2, 5);
            s.area = Some(area(r, 20).into());
            if r.chance(50) {
                s.host = Some(parts[r.below(parts.len())].into());
            }
            s.participants = owned(parts);
            if r.chance(15) {
                s.armed = Some(false);
            }
            if r.chance(15) {
                s.command = Some("unified".into());
            } else if r.chance(10) {
                s.command = Some("national".into());
            }
            s.framework = framework(r, 55);
            if r.chance(8) {
                s.directed_against = owned(r.some(&STATES, 1, 2));
            }
        }
        "base" => {
            let host = state(r);
            s.host = Some(host.into());
            let mut ops = states(r, 1, 2);
            ops.retain(|x| *x != host);
            if ops.is_empty() {
                ops.push(if host == "turkey" { "azerbaijan" } else { "turkey" });
            }
            s.operators = owned(ops);
            if r.chance(15) {
                s.area = Some("caspian_sea".into());
            }
            if r.chance(30) {
                s.consents = owned(CSTO_MEMBERS.to_vec());
            } else if r.chance(30) {
                s.consents = owned(r.some(&CSTO_MEMBERS, 1, 4));
            }
        }
        "deployment" => {
            s.forces = Some(state(r).into());
            s.area = Some(area(r, 15).into());
            if r.chance(10) {
                s.armed = Some(false);
            }
            if r.chance(30) {
                s.consents = owned(states(r, 1, 3));
            }
        }
        "transit_flight" => {
            let op = state(r);
            s.operator = Some(op.into());
            let len = 2 + r.below(4);
            let mut route: Vec<&str> = vec![op];
            if r.chance(33) && len > 2 {
                route.push("caspian_sea");
            }
            while route.len() < len {
                let x = state(r);
                if !route.contains(&x) {
                    route.push(x);
                }
            }
            if r.chance(20) {
                route.swap(0, 1);
            }
            let mut cargo = r.some(&CARGO, 1, 2);
            if r.chance(25) {
                cargo = vec!["humanitarian"];
            }
            let permits: Vec<&str> = route
                .iter()
                .copied()
                .filter(|x| *x != op && *x != "caspian_sea" && r.chance(85))
                .collect();
            s.route = owned(route);
            s.cargo = owned(cargo);
            if !permits.is_empty() || r.chance(50) {
                s.permits = owned(permits);
            }
        }
        "defense_pact" => {
            s.parties = owned(states(r, 2, 4));
            if r.chance(50) {
                s.mutual_defense = Some(true);
            }
            s.framework = framework(r, 40);
            if r.chance(10) {
                s.directed_against = owned(r.distinct(&STATES, 1));
            }
        }
        "collective_defense" => {
            let f = if r.chance(40) { "ots" } else { r.pick(&ORGS) };
            s.framework = Some(f.into());
            s.invoked_by = Some(state(r).into());
            if r.chance(80) {
                s.responders = owned(states(r, 1, 4));
            }
        }
        "joint_command" => {
            s.parties = owned(states(r, 2, 4));
            s.framework = framework(r, 50);
        }
        "arms_transfer" => {
            let supplier = if r.chance(60) { "turkey" } else { state(r) };
            s.supplier = Some(supplier.into());
            s.recipient = Some(state(r).into());
            s.system = Some(r.pick(&SYSTEMS).into());
        }
        "co_production" => {
            let partners = states(r, 2, 3);
            s.site = Some(partners[0].into());
            s.partners = owned(partners);
            s.system = Some(r.pick(&SYSTEMS).into());
        }
        "training" => {
            let parties = states(r, 1, 4);
            s.host = Some(parties[r.below(parties.len())].into());
            s.parties = owned(parties);
        }
        "intel_sharing" => {
            s.parties = owned(states(r, 2, 5));
            s.framework = framework(r, 50);
        }
        "cyber_cooperation" => s.parties = owned(states(r, 2, 5)),
        other => panic!("unknown kind {other}"),
    }
    if r.chance(15) {
        s.date = Some(format!(
            "{}-{:02}-{:02}",
            2024 + r.below(4),
            1 + r.below(12),
            1 + r.below(28)
        ));
    }
    if r.chance(10) {
        s.note = Some(r.pick(&NOTES).into());
    }
    s
}

/// Step kinds with weights (those of benches/check.rs).
pub const KINDS: [(&str, u64); 12] = [
    ("exercise", 16),
    ("base", 6),
    ("deployment", 10),
    ("transit_flight", 16),
    ("defense_pact", 5),
    ("collective_defense", 3),
    ("joint_command", 4),
    ("arms_transfer", 12),
    ("co_production", 6),
    ("training", 10),
    ("intel_sharing", 6),
    ("cyber_cooperation", 6),
];

fn kind(r: &mut Rng) -> &'static str {
    let total: u64 = KINDS.iter().map(|k| k.1).sum();
    let mut x = r.next() % total;
    for (k, w) in KINDS {
        if x < w {
            return k;
        }
        x -= w;
    }
    unreachable!()
}

/// A proposal of `n` steps of every kind.
pub fn generate(name: &str, n: usize, seed: u64) -> Doc {
    let mut r = Rng(seed | 1);
    let steps = (0..n)
        .map(|i| {
            let k = kind(&mut r);
            step(&mut r, format!("s{i}"), k)
        })
        .collect();
    Doc {
        id: name.into(),
        title: Some(format!("Generated cooperation programme ({n} steps)")),
        date: Some("2026-06-01".into()),
        steps,
    }
}

/// A proposal of `n` random exercises (the single-rule workload).
pub fn generate_exercises(name: &str, n: usize, seed: u64) -> Doc {
    let mut r = Rng(seed | 1);
    let steps = (0..n)
        .map(|i| step(&mut r, format!("s{i}"), "exercise"))
        .collect();
    Doc {
        id: name.into(),
        title: None,
        date: Some("2026-06-01".into()),
        steps,
    }
}
