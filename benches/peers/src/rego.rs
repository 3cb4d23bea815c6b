//! The fixed rules in Rego, run by regorus: its tree-walking interpreter and its RVM
//! (the Rego compiled to bytecode for its register VM).
//!
//! `data.pactum.violations` is a set of `{"rule", "step"}` objects, with `"state"` for the
//! two per-state rules: Rego binds a variable over a set (`some p in forces(s)`) and returns
//! one element per offending state, so every rule is expressible as pactum writes it.
//!
//! Two modes: `whole` (the input is the whole proposal, `{"steps": [...]}`, and the rules
//! iterate `some s in input.steps`: one evaluation per proposal) and `step` (the input is
//! one step, `s := input`: one evaluation per step). Inputs carry the schema's defaults.

use std::sync::Arc;

use regorus::languages::rego::compiler::Compiler;
use regorus::rvm::program::Program;
use regorus::rvm::vm::RegoVM;
use regorus::{Engine, Rc, Value};

use crate::hand::{Finding, NO_STATE, rule_index, state_index};
use crate::model::Step;

pub const ENTRY: &str = "data.pactum.violations";

const COMMON: &str = r#"
package pactum

import rego.v1

littoral := {"azerbaijan", "iran", "kazakhstan", "russia", "turkmenistan"}
csto := {"russia", "belarus", "armenia", "kazakhstan", "kyrgyzstan", "tajikistan"}
states := {"turkey", "azerbaijan", "kazakhstan", "kyrgyzstan", "uzbekistan", "turkmenistan",
  "hungary", "northern_cyprus", "russia", "iran", "china", "tajikistan", "belarus", "armenia",
  "afghanistan", "georgia"}

# An exercise's participants and host.
participants_and_host(s) := {p | some p in s.participants} | {h | h := s.host}

# forces(s) of common.policy.
forces(s) := participants_and_host(s) if s.kind == "exercise"
forces(s) := {s.forces} if s.kind == "deployment"
forces(s) := {o | some o in s.operators} | {s.host} if s.kind == "base"

# armed(s) of common.policy.
armed(s) if {
  s.kind in {"exercise", "deployment"}
  s.armed
}
armed(s) if s.kind == "base"

violations contains {"rule": "caspian.non_littoral_forces", "step": s.id, "state": p} if {
  STEP
  s.kind in {"exercise", "deployment", "base"}
  s.area == "caspian_sea"
  armed(s)
  some p in forces(s)
  not p in littoral
}
"#;

const OTHERS: &str = r#"
violations contains {"rule": "transit.per_flight_consent", "step": s.id, "state": x} if {
  STEP
  s.kind == "transit_flight"
  some x in s.route
  x != s.operator
  x in states
  not x in s.permits
}

violations contains {"rule": "uzbekistan.non_alignment", "step": s.id} if {
  STEP
  uzbekistan_non_alignment(s)
}
uzbekistan_non_alignment(s) if {
  s.kind == "base"
  s.host == "uzbekistan"
  some o in s.operators
  o != "uzbekistan"
}
uzbekistan_non_alignment(s) if {
  s.kind == "defense_pact"
  s.mutual_defense
  "uzbekistan" in s.parties
}
uzbekistan_non_alignment(s) if {
  s.kind == "joint_command"
  "uzbekistan" in s.parties
}
uzbekistan_non_alignment(s) if {
  s.kind == "collective_defense"
  "uzbekistan" in s.responders
}

violations contains {"rule": "turkmenistan.neutrality", "step": s.id} if {
  STEP
  turkmenistan_neutrality(s)
}
turkmenistan_neutrality(s) if {
  s.kind == "base"
  s.host == "turkmenistan"
  some o in s.operators
  o != "turkmenistan"
}
turkmenistan_neutrality(s) if {
  s.kind in {"defense_pact", "joint_command"}
  "turkmenistan" in s.parties
}
turkmenistan_neutrality(s) if {
  s.kind == "collective_defense"
  "turkmenistan" in s.responders
}

violations contains {"rule": "csto.foreign_base_consent", "step": s.id} if {
  STEP
  s.kind == "base"
  s.host in csto
  some o in s.operators
  not o in csto
  some m in csto
  not m in s.consents
}

# csto_participants(s) of csto.policy.
csto_participants(s) := {m | some m in participants_and_host(s); m in csto} if s.kind == "exercise"
csto_participants(s) := {m | some m in s.parties; m in csto} if s.kind == "defense_pact"

violations contains {"rule": "csto.no_alignment_against_member", "step": s.id} if {
  STEP
  s.kind in {"exercise", "defense_pact"}
  some m in csto_participants(s)
  some t in s.directed_against
  t in csto
  t != m
}

violations contains {"rule": "ots.no_collective_defense_article", "step": s.id} if {
  STEP
  s.kind == "collective_defense"
  s.framework == "ots"
}
violations contains {"rule": "ots.no_collective_defense_article", "step": s.id} if {
  STEP
  s.kind == "defense_pact"
  s.mutual_defense
  s.framework == "ots"
}

violations contains {"rule": "ots.no_command_structure", "step": s.id} if {
  STEP
  s.kind == "joint_command"
  s.framework == "ots"
}
violations contains {"rule": "ots.no_command_structure", "step": s.id} if {
  STEP
  s.kind == "exercise"
  s.framework == "ots"
  s.command == "unified"
}
"#;

/// The policy text: `whole` iterates the proposal's steps, else the input is one step.
pub fn policy(whole: bool, only_caspian: bool) -> String {
    let mut text = COMMON.to_string();
    if !only_caspian {
        text.push_str(OTHERS);
    }
    text.replace("STEP", if whole { "some s in input.steps" } else { "s := input" })
}

/// An interpreter engine with the policy loaded.
pub fn interpreter(whole: bool, only_caspian: bool) -> Engine {
    let mut e = Engine::new();
    e.add_policy("pactum.rego".into(), policy(whole, only_caspian))
        .unwrap_or_else(|err| panic!("rego policy: {err}"));
    e
}

/// The policy compiled to an RVM program.
pub fn program(whole: bool, only_caspian: bool) -> Arc<Program> {
    let mut e = interpreter(whole, only_caspian);
    let entry: Rc<str> = ENTRY.into();
    let compiled = e
        .compile_with_entrypoint(&entry)
        .unwrap_or_else(|err| panic!("rego compile: {err}"));
    Compiler::compile_from_policy(&compiled, &[ENTRY]).unwrap_or_else(|err| panic!("rvm compile: {err}"))
}

pub fn vm(program: &Arc<Program>) -> RegoVM {
    let mut vm = RegoVM::new();
    vm.load_program(program.clone());
    // The default limit (25,000 instructions per execution) is for one request; a
    // whole proposal of 100,000 steps needs far more.
    vm.set_max_instructions(usize::MAX);
    vm
}

pub fn step_value(s: &Step) -> Value {
    Value::from_json_str(&serde_json::to_string(s).expect("json")).expect("value")
}

pub fn proposal_value(steps: &[Step]) -> Value {
    let doc = serde_json::json!({ "steps": steps });
    Value::from_json_str(&doc.to_string()).expect("value")
}

/// Reads a result set into findings; `step_of` maps a step id to its index.
pub fn findings(v: &Value, step_of: &dyn Fn(&str) -> u32, out: &mut Vec<Finding>) {
    let set = v.as_set().unwrap_or_else(|_| panic!("rego result is not a set: {v}"));
    for item in set.iter() {
        let o = item.as_object().expect("object");
        let get = |k: &str| o.get(&Value::from(k)).map(|x| x.as_string().expect("string").to_string());
        let rule = get("rule").expect("rule");
        let step = get("step").expect("step");
        let state = get("state").map_or(NO_STATE, |p| state_index(&p).expect("state"));
        out.push(Finding {
            rule: rule_index(&rule).expect("known rule"),
            step: step_of(&step),
            state,
        });
    }
}
