//! The fixed rules in Cedar (cedar-policy 4.x).
//!
//! Cedar answers one authorization request at a time: `is_authorized(principal, action,
//! resource, context)` gives Allow/Deny and the policies that were satisfied. The encoding:
//!
//! - every step is an entity whose type is its kind (`Exercise::"s1"`, `Base::"s2"`, ...,
//!   `Step::"s9"` for kinds no fixed rule reads) with its attributes (defaults filled in);
//!   states, regions and organisations are entity UIDs (`State::"turkey"`); the facts the
//!   rules read are entities too (`Region::"caspian_sea"` with `littoral`,
//!   `Organization::"csto"` with `members`);
//! - each rule is one `permit` per step kind it applies to, annotated `@rule("<id>")`: a
//!   satisfied permit is a violation, and the response's `reason()` lists them all;
//! - per-step rules: one request per step, `action == Action::"step"`;
//! - per-state rules (`caspian.non_littoral_forces`, `transit.per_flight_consent`, "one
//!   violation per offending state"): Cedar cannot bind a variable over a set nor return
//!   which member made a policy true, so the host expands each step of a kind those rules
//!   apply to into one request per state mentioned anywhere in the step
//!   (`action == Action::"state"`, `resource == State::"<p>"`), and the policy decides
//!   whether that state offends;
//! - Cedar has no set intersection, difference, size or quantifiers: `any o in s.operators:
//!   o != uzbekistan` becomes `![State::"uzbekistan"].containsAll(principal.operators)`,
//!   `any o: o not in csto.members` becomes `!csto.members.containsAll(operators)`, and
//!   `csto.no_alignment_against_member` (`any m in csto & participants: any t in
//!   directed_against & csto.members: t != m`) is unrolled over the six CSTO members when
//!   the policy text is generated from the facts: it must be regenerated if the facts
//!   change.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use cedar_policy::{
    Authorizer, Context, Entities, Entity, EntityId, EntityTypeName, EntityUid, PolicyId,
    PolicySet, Request, RestrictedExpression,
};

use crate::hand::{Finding, NO_STATE, rule_index, state_index};
use crate::model::{CASPIAN_LITTORAL, CSTO_MEMBERS, REGIONS, STATES, Step};

fn uid(ty: &str, id: &str) -> EntityUid {
    EntityUid::from_type_name_and_id(
        EntityTypeName::from_str(ty).expect("type name"),
        EntityId::new(id),
    )
}

fn set_lit(names: &[&str]) -> String {
    let items: Vec<String> = names.iter().map(|n| format!("State::\"{n}\"")).collect();
    format!("[{}]", items.join(", "))
}

/// The policy text of the eight rules (or only the Caspian one).
pub fn policies(only_caspian: bool) -> String {
    let mut p = String::from(
        r#"
@rule("caspian.non_littoral_forces")
permit(principal is Exercise, action == Action::"state", resource is State)
when {
  principal.area == Region::"caspian_sea" && principal.armed &&
  (principal.participants.contains(resource) || (principal has host && principal.host == resource)) &&
  !Region::"caspian_sea".littoral.contains(resource)
};

@rule("caspian.non_littoral_forces")
permit(principal is Deployment, action == Action::"state", resource is State)
when {
  principal.area == Region::"caspian_sea" && principal.armed && principal.forces == resource &&
  !Region::"caspian_sea".littoral.contains(resource)
};

@rule("caspian.non_littoral_forces")
permit(principal is Base, action == Action::"state", resource is State)
when {
  principal.area == Region::"caspian_sea" &&
  (principal.operators.contains(resource) || principal.host == resource) &&
  !Region::"caspian_sea".littoral.contains(resource)
};
"#,
    );
    if only_caspian {
        return p;
    }
    p.push_str(
        r#"
@rule("transit.per_flight_consent")
permit(principal is TransitFlight, action == Action::"state", resource is State)
when {
  principal.route.contains(resource) && principal.operator != resource &&
  !principal.permits.contains(resource)
};

@rule("uzbekistan.non_alignment")
permit(principal is Base, action == Action::"step", resource)
when { principal.host == State::"uzbekistan" && ![State::"uzbekistan"].containsAll(principal.operators) };
@rule("uzbekistan.non_alignment")
permit(principal is DefensePact, action == Action::"step", resource)
when { principal.mutual_defense && principal.parties.contains(State::"uzbekistan") };
@rule("uzbekistan.non_alignment")
permit(principal is JointCommand, action == Action::"step", resource)
when { principal.parties.contains(State::"uzbekistan") };
@rule("uzbekistan.non_alignment")
permit(principal is CollectiveDefense, action == Action::"step", resource)
when { principal.responders.contains(State::"uzbekistan") };

@rule("turkmenistan.neutrality")
permit(principal is Base, action == Action::"step", resource)
when { principal.host == State::"turkmenistan" && ![State::"turkmenistan"].containsAll(principal.operators) };
@rule("turkmenistan.neutrality")
permit(principal is DefensePact, action == Action::"step", resource)
when { principal.parties.contains(State::"turkmenistan") };
@rule("turkmenistan.neutrality")
permit(principal is JointCommand, action == Action::"step", resource)
when { principal.parties.contains(State::"turkmenistan") };
@rule("turkmenistan.neutrality")
permit(principal is CollectiveDefense, action == Action::"step", resource)
when { principal.responders.contains(State::"turkmenistan") };

@rule("csto.foreign_base_consent")
permit(principal is Base, action == Action::"step", resource)
when {
  Organization::"csto".members.contains(principal.host) &&
  !Organization::"csto".members.containsAll(principal.operators) &&
  !principal.consents.containsAll(Organization::"csto".members)
};

@rule("ots.no_collective_defense_article")
permit(principal is CollectiveDefense, action == Action::"step", resource)
when { principal.framework == Organization::"ots" };
@rule("ots.no_collective_defense_article")
permit(principal is DefensePact, action == Action::"step", resource)
when { principal.mutual_defense && principal has framework && principal.framework == Organization::"ots" };

@rule("ots.no_command_structure")
permit(principal is JointCommand, action == Action::"step", resource)
when { principal has framework && principal.framework == Organization::"ots" };
@rule("ots.no_command_structure")
permit(principal is Exercise, action == Action::"step", resource)
when { principal has framework && principal.framework == Organization::"ots" && principal.command == "unified" };
"#,
    );
    // csto.no_alignment_against_member, unrolled over the CSTO members t it may be directed
    // against: some CSTO member other than t takes part.
    let mut ex = Vec::new();
    let mut pact = Vec::new();
    for t in CSTO_MEMBERS {
        let others: Vec<&str> = CSTO_MEMBERS.iter().copied().filter(|m| *m != t).collect();
        let others = set_lit(&others);
        ex.push(format!(
            "(principal.directed_against.contains(State::\"{t}\") && (principal.participants.containsAny({others}) || (principal has host && {others}.contains(principal.host))))"
        ));
        pact.push(format!(
            "(principal.directed_against.contains(State::\"{t}\") && principal.parties.containsAny({others}))"
        ));
    }
    p.push_str(&format!(
        "\n@rule(\"csto.no_alignment_against_member\")\npermit(principal is Exercise, action == Action::\"step\", resource)\nwhen {{\n  {}\n}};\n",
        ex.join(" ||\n  ")
    ));
    p.push_str(&format!(
        "\n@rule(\"csto.no_alignment_against_member\")\npermit(principal is DefensePact, action == Action::\"step\", resource)\nwhen {{\n  {}\n}};\n",
        pact.join(" ||\n  ")
    ));
    p
}

/// A compiled policy set, with each policy's rule index.
pub struct Policies {
    pub set: PolicySet,
    pub rule_of: HashMap<PolicyId, u8>,
}

pub fn compile(only_caspian: bool) -> Policies {
    let text = policies(only_caspian);
    let set = PolicySet::from_str(&text).unwrap_or_else(|e| panic!("cedar policies: {e:?}"));
    let rule_of = set
        .policies()
        .map(|p| {
            let r = p.annotation("rule").expect("@rule");
            (p.id().clone(), rule_index(r).expect("known rule"))
        })
        .collect();
    Policies { set, rule_of }
}

fn entity_type(kind: &str) -> &'static str {
    match kind {
        "exercise" => "Exercise",
        "base" => "Base",
        "deployment" => "Deployment",
        "transit_flight" => "TransitFlight",
        "defense_pact" => "DefensePact",
        "collective_defense" => "CollectiveDefense",
        "joint_command" => "JointCommand",
        _ => "Step",
    }
}

fn area(x: &str) -> RestrictedExpression {
    let ty = if REGIONS.contains(&x) { "Region" } else { "State" };
    RestrictedExpression::new_entity_uid(uid(ty, x))
}

fn state(x: &str) -> RestrictedExpression {
    RestrictedExpression::new_entity_uid(uid("State", x))
}

fn areas(v: &[String]) -> RestrictedExpression {
    RestrictedExpression::new_set(v.iter().map(|x| area(x)))
}

fn step_entity(s: &Step) -> Entity {
    let mut attrs: HashMap<String, RestrictedExpression> = HashMap::new();
    let mut put = |k: &str, v: RestrictedExpression| {
        attrs.insert(k.to_string(), v);
    };
    // Every attribute the proposal gives (defaults filled in by `with_defaults`).
    if let Some(v) = &s.participants {
        put("participants", areas(v));
    }
    if let Some(v) = &s.area {
        put("area", area(v));
    }
    if let Some(v) = &s.host {
        put("host", state(v));
    }
    if let Some(v) = s.armed {
        put("armed", RestrictedExpression::new_bool(v));
    }
    if let Some(v) = &s.command {
        put("command", RestrictedExpression::new_string(v.clone()));
    }
    if let Some(v) = &s.framework {
        put("framework", RestrictedExpression::new_entity_uid(uid("Organization", v)));
    }
    for (k, v) in [
        ("directed_against", &s.directed_against),
        ("operators", &s.operators),
        ("consents", &s.consents),
        ("route", &s.route),
        ("permits", &s.permits),
        ("parties", &s.parties),
        ("responders", &s.responders),
        ("partners", &s.partners),
    ] {
        if let Some(v) = v {
            put(k, areas(v));
        }
    }
    for (k, v) in [
        ("forces", &s.forces),
        ("operator", &s.operator),
        ("invoked_by", &s.invoked_by),
        ("supplier", &s.supplier),
        ("recipient", &s.recipient),
        ("site", &s.site),
    ] {
        if let Some(v) = v {
            put(k, state(v));
        }
    }
    if let Some(v) = &s.cargo {
        put(
            "cargo",
            RestrictedExpression::new_set(v.iter().map(|c| RestrictedExpression::new_string(c.clone()))),
        );
    }
    if let Some(v) = s.mutual_defense {
        put("mutual_defense", RestrictedExpression::new_bool(v));
    }
    if let Some(v) = &s.system {
        put("system", RestrictedExpression::new_string(v.clone()));
    }
    Entity::new(uid(entity_type(&s.kind), &s.id), attrs, HashSet::new()).expect("entity")
}

fn facts() -> Vec<Entity> {
    let littoral = RestrictedExpression::new_set(CASPIAN_LITTORAL.iter().map(|x| state(x)));
    let members = RestrictedExpression::new_set(CSTO_MEMBERS.iter().map(|x| state(x)));
    vec![
        Entity::new(
            uid("Region", "caspian_sea"),
            HashMap::from([("littoral".to_string(), littoral)]),
            HashSet::new(),
        )
        .expect("entity"),
        Entity::new(
            uid("Organization", "csto"),
            HashMap::from([("members".to_string(), members)]),
            HashSet::new(),
        )
        .expect("entity"),
    ]
}

/// The states mentioned anywhere in a step (the per-state candidates).
fn mentioned(s: &Step) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    let lists = [
        &s.participants,
        &s.directed_against,
        &s.operators,
        &s.consents,
        &s.route,
        &s.permits,
        &s.parties,
        &s.responders,
        &s.partners,
    ];
    let singles = [
        &s.area,
        &s.host,
        &s.forces,
        &s.operator,
        &s.invoked_by,
        &s.supplier,
        &s.recipient,
        &s.site,
    ];
    for x in lists.into_iter().flatten().flatten().chain(singles.into_iter().flatten()) {
        if STATES.contains(&x.as_str()) && !out.contains(&x.as_str()) {
            out.push(x);
        }
    }
    out
}

/// One proposal's input, pre-built: its entity store and its requests, each with the step
/// (index across the corpus) and the state it asks about.
pub struct Input {
    pub entities: Entities,
    pub requests: Vec<(Request, u32, u8)>,
}

/// Builds the entities and the requests of a proposal whose first step has index `base`.
/// `only_caspian`: per-state requests only for the kinds of the Caspian rule, and no
/// per-step requests (the single-rule workload).
pub fn input(steps: &[Step], base: u32, only_caspian: bool) -> Input {
    let mut entities = facts();
    let mut requests = Vec::new();
    let step_action = uid("Action", "step");
    let state_action = uid("Action", "state");
    let unit = uid("Unit", "none");
    for (i, s) in steps.iter().enumerate() {
        let e = step_entity(s);
        let principal = e.uid();
        entities.push(e);
        let i = base + i as u32;
        if !only_caspian {
            let r = Request::new(
                principal.clone(),
                step_action.clone(),
                unit.clone(),
                Context::empty(),
                None,
            )
            .expect("request");
            requests.push((r, i, NO_STATE));
        }
        let per_state = match s.kind.as_str() {
            "exercise" | "deployment" | "base" => true,
            "transit_flight" => !only_caspian,
            _ => false,
        };
        if per_state {
            for p in mentioned(s) {
                let r = Request::new(
                    principal.clone(),
                    state_action.clone(),
                    uid("State", p),
                    Context::empty(),
                    None,
                )
                .expect("request");
                requests.push((r, i, state_index(p).expect("state")));
            }
        }
    }
    Input {
        entities: Entities::from_entities(entities, None).expect("entities"),
        requests,
    }
}

/// Answers every request of a proposal; a satisfied permit is a finding.
pub fn check(auth: &Authorizer, pol: &Policies, input: &Input, out: &mut Vec<Finding>) {
    for (req, step, state) in &input.requests {
        let resp = auth.is_authorized(req, &pol.set, &input.entities);
        let d = resp.diagnostics();
        if let Some(e) = d.errors().next() {
            panic!("cedar evaluation error on step {step}: {e}");
        }
        for id in d.reason() {
            if let Some(&rule) = pol.rule_of.get(id) {
                out.push(Finding {
                    rule,
                    step: *step,
                    state: *state,
                });
            }
        }
    }
}
