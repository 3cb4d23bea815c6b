//! The semantics of each language construct, one small library and proposal at a time.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    reason = "test helpers report setup failures by panicking"
)]

use pactum::{CheckOptions, Code, Date, Engine, Proposal, SourceFile};

const SCHEMA: &str = r#"
entity State { name: string = "" }
entity Region { littoral: set<State> = [] }
entity Instrument { entry_into_force: date?, terminated: date? }
type Area = State | Region
enum Cargo { personnel, munitions, humanitarian }

fact a: State {}
fact b: State {}
fact c: State {}
fact sea: Region { littoral: [a, b] }
fact treaty: Instrument { entry_into_force: 2020-01-01, terminated: 2030-01-01 }
fact draft: Instrument {}

step ex {
  who: set<State>
  area: Area
  host: State?
  armed: bool = true
  size: int = 0
  against: set<State> = []
}
step flight {
  operator: State
  route: list<Area>
  cargo: set<Cargo>
  permits: set<State> = []
  area: Area = operator
}
"#;

fn engine(rules: &str) -> Engine {
    Engine::from_sources(vec![
        SourceFile::new("schema.policy", SCHEMA),
        SourceFile::new("rules.policy", rules),
    ])
    .unwrap_or_else(|e| panic!("library errors: {e:#?}"))
}

fn lib_errors(rules: &str) -> Vec<Code> {
    match Engine::from_sources(vec![
        SourceFile::new("schema.policy", SCHEMA),
        SourceFile::new("rules.policy", rules),
    ]) {
        Ok(_) => Vec::new(),
        Err(e) => e.into_iter().map(|d| d.code).collect(),
    }
}

/// Checks a proposal body (steps only) and returns `rule step message` lines, and error codes.
fn run(rules: &str, steps: &str) -> (Vec<String>, Vec<&'static str>) {
    run_as_of(rules, steps, Some("2026-01-01"))
}

fn run_as_of(rules: &str, steps: &str, date: Option<&str>) -> (Vec<String>, Vec<&'static str>) {
    let e = engine(rules);
    let header = match date {
        Some(d) => format!("proposal t {{ date: {d} }}\n"),
        None => "proposal t {}\n".to_string(),
    };
    let p = Proposal::parse(&format!("{header}{steps}")).unwrap_or_else(|e| panic!("{e:#?}"));
    let r = e.check_with(&p, &CheckOptions::default());
    let v = r
        .violations
        .iter()
        .map(|v| {
            format!(
                "{} {} {}",
                v.rule,
                v.step.as_deref().unwrap_or("-"),
                v.message
            )
        })
        .collect();
    (v, r.errors.iter().map(|e| e.code).collect())
}

fn rule(scope: &str, body: &str) -> String {
    format!("rule r {{\n severity error\n on {scope}\n {body}\n message \"m\"\n}}\n")
}

const EX: &str = "step s1: ex { who: [a, c], area: sea }\n";

#[test]
fn forbid_fires_when_the_condition_holds() {
    let (v, _) = run(&rule("ex as s", "forbid s.area == sea"), EX);
    assert_eq!(v, ["r s1 m"]);
    let (v, _) = run(&rule("ex as s", "forbid s.area == a"), EX);
    assert!(v.is_empty());
}

#[test]
fn require_fires_when_the_condition_fails() {
    let (v, _) = run(&rule("ex as s", "require s.area == a"), EX);
    assert_eq!(v, ["r s1 m"]);
    let (v, _) = run(&rule("ex as s", "require s.area == sea"), EX);
    assert!(v.is_empty());
}

#[test]
fn when_limits_where_a_rule_applies() {
    let (v, _) = run(&rule("ex as s", "when !s.armed\n forbid true"), EX);
    assert!(v.is_empty());
    let (v, _) = run(&rule("ex as s", "when s.armed\n forbid true"), EX);
    assert_eq!(v.len(), 1);
}

#[test]
fn each_gives_one_violation_per_offending_binding() {
    let r = "rule r { severity error on ex as s forbid each p in s.who where p not in sea.littoral message \"{p} is out\" }";
    let (v, _) = run(
        r,
        "step s1: ex { who: [a, b, c], area: sea }\nstep s2: ex { who: [c], area: sea }\n",
    );
    assert_eq!(v, ["r s1 c is out", "r s2 c is out"]);
    let r = "rule r { severity error on ex as s require each p in s.who where p in sea.littoral message \"{p}\" }";
    let (v, _) = run(r, "step s1: ex { who: [a, b, c], area: sea }\n");
    assert_eq!(v, ["r s1 c"]);
    // forbid each without where: every element
    let r = "rule r { severity error on ex as s forbid each p in s.who message \"{p}\" }";
    let (v, _) = run(r, EX);
    assert_eq!(v, ["r s1 a", "r s1 c"]);
    // a list that names a value twice: one violation per distinct value, in list order
    let r = "rule r { severity error on flight as s forbid each p in s.route where p not in s.permits message \"{p}\" }";
    let (v, _) = run(
        r,
        "step f1: flight { operator: a, route: [c, a, sea, c, b, a], cargo: [] }\n",
    );
    assert_eq!(v, ["r f1 c", "r f1 a", "r f1 sea", "r f1 b"]);
}

#[test]
fn unless_exempts_a_binding() {
    let r = "rule r { severity error on ex as s forbid each p in s.who unless p == c because \"c is exempt\" message \"{p}\" }";
    let (v, _) = run(r, EX);
    assert_eq!(v, ["r s1 a"]);
}

#[test]
fn quantifiers() {
    let any = rule("ex as s", "forbid any p in s.who: p == c");
    assert_eq!(run(&any, EX).0.len(), 1);
    assert!(
        run(&any, "step s1: ex { who: [a], area: sea }\n")
            .0
            .is_empty()
    );
    let all = rule("ex as s", "forbid all p in s.who: p in sea.littoral");
    assert!(run(&all, EX).0.is_empty());
    assert_eq!(
        run(&all, "step s1: ex { who: [a, b], area: sea }\n")
            .0
            .len(),
        1
    );
    // all over the empty set holds; any over it does not
    let e = "step s1: ex { who: [], area: sea }\n";
    assert_eq!(run(&all, e).0.len(), 1);
    assert!(run(&any, e).0.is_empty());
}

/// `[x in S where c]` keeps the items for which `c` holds: a set of a set, a list (in its
/// order) of a list; `entities(T)` is every fact of a type. Together they group: one
/// violation per state that more than one step names.
#[test]
fn filters_and_entities() {
    // a set filtered: the participants outside the sea's littoral
    let r = "rule r { severity error on ex as s forbid count([p in s.who where p not in sea.littoral]) > 1 message \"{[p in s.who where p not in sea.littoral]}\" }";
    let (v, _) = run(r, "step s1: ex { who: [a, b, c], area: sea }\n");
    assert!(v.is_empty(), "{v:?}");
    let (v, _) = run(
        r,
        "step s1: ex { who: [c, a], area: sea }\nstep s2: ex { who: [a, b], area: sea }\n",
    );
    assert!(v.is_empty(), "{v:?}");
    // a list filtered keeps its order
    let r = "rule r { severity error on flight as s forbid count([x in s.route where x != a]) >= 2 message \"{[x in s.route where x != a]}\" }";
    let (v, _) = run(
        r,
        "step f1: flight { operator: a, route: [c, a, sea], cargo: [] }\n",
    );
    assert_eq!(v, ["r f1 c, sea"]);
    // steps filtered, grouped by entity: one violation per state named by two steps or more
    let r = "rule r { severity warning on proposal forbid each x in entities(State) where count([e in steps(ex) where x in e.who]) >= 2 message \"{x}: {count([e in steps(ex) where x in e.who])}\" }";
    let (v, _) = run(
        r,
        "step s1: ex { who: [a, c], area: sea }\nstep s2: ex { who: [a], area: sea }\nstep s3: ex { who: [c, b], area: sea }\n",
    );
    assert_eq!(v, ["r - a: 2", "r - c: 2"]);
    // the issue's spelling: a filter as a call's only argument, without brackets
    let r = "rule r { severity warning on proposal forbid each x in entities(State) where count(e in steps(ex) where x in e.who) >= 2 message \"{x}\" }";
    assert_eq!(
        run(
            r,
            "step s1: ex { who: [a, c], area: sea }\nstep s2: ex { who: [a], area: sea }\n"
        )
        .0,
        ["r - a"]
    );
    // entities of a union alias and of an enum
    let r = "rule r { severity error on ex as s forbid count(entities(Area)) == 4 && count(entities(Cargo)) == 3 message \"m\" }";
    assert_eq!(run(r, EX).0.len(), 1);
    // type errors
    let bad = |body: &str| lib_errors(&rule("ex as s", body));
    assert_eq!(
        bad("forbid count([p in s.armed where true]) > 0"),
        [Code::TypeMismatch]
    );
    assert_eq!(
        bad("forbid count([p in s.who where 1]) > 0"),
        [Code::TypeMismatch]
    );
    assert_eq!(bad("forbid count(entities(int)) > 0"), [Code::TypeMismatch]);
    assert_eq!(bad("forbid count(entities(Nope)) > 0"), [Code::UnknownName]);
    // in a step-scoped rule, `steps(...)` stays out of reach, in a filter too
    assert_eq!(
        bad("forbid count([e in steps(ex) where true]) > 0"),
        [Code::Complexity]
    );
}

/// A step related to other steps through an attribute (a join): `any` and filters and
/// `forbid each` over `steps(...)` in a step-scoped rule, looked up by the attribute's value,
/// give what walking every step gives, absent attributes included (fail closed, at the
/// first step the walk would read).
#[test]
fn joins_relate_steps_through_an_attribute() {
    let steps = "step f1: flight { operator: a, route: [sea], cargo: [] }\n\
                 step x1: ex { who: [b], area: sea, host: b }\n\
                 step x2: ex { who: [a], area: a, host: a }\n\
                 step f2: flight { operator: c, route: [sea], cargo: [] }\n";
    let any = "rule r { severity error on flight as f forbid any e in steps(ex): e.host == f.operator message \"{f.id}\" }";
    assert_eq!(run(any, steps).0, ["r f1 f1"]);
    let each = "rule r { severity error on flight as f forbid each e in steps(ex) where e.area == sea message \"{f.id} {e.id}\" }";
    // each over steps reports at the step bound, as in an `on proposal` rule
    assert_eq!(run(each, steps).0, ["r x1 f1 x1", "r x1 f2 x1"]);
    let filter = "rule r { severity error on flight as f forbid count([e in steps(ex) where e.host == f.operator]) == 0 message \"{f.id}\" }";
    assert_eq!(run(filter, steps).0, ["r f2 f2"]);
    // an ex without `host`: reading it fails, as the walk would fail, and the proposal is not
    // compliant (the error names the rule)
    let absent = format!("{steps}step x3: ex {{ who: [c], area: sea }}\n");
    let (_, codes) = run(any, &absent);
    assert!(
        codes.contains(&"pactum::eval::absent_attribute"),
        "{codes:?}"
    );
    // not a join: refused, with what to write instead
    let walk = "rule r { severity error on flight as f forbid any e in steps(ex): e.size > 1 message \"m\" }";
    assert_eq!(lib_errors(walk), [Code::Complexity]);
    let walk = "rule r { severity error on flight as f forbid all e in steps(ex): e.host == f.operator message \"m\" }";
    assert_eq!(lib_errors(walk), [Code::Complexity]);
    let walk = "rule r { severity error on flight as f require each e in steps(ex) where e.host == f.operator message \"m\" }";
    assert_eq!(lib_errors(walk), [Code::Complexity]);
}

/// `days(a, b)`: the days from `a` to `b`, for "within a period after": a flight by the host
/// within 30 days before an exercise it hosts.
#[test]
fn days_between_dates() {
    let r = "rule r { severity error on ex as s forbid any f in steps(flight): f.operator == s.host && days(f.date, s.date) >= 0 && days(f.date, s.date) < 30 message \"{s.id} {days(2026-01-01, s.date)}\" }";
    let steps = "step f1: flight { operator: a, route: [sea], cargo: [], date: 2026-03-01 }\n\
                 step x1: ex { who: [a], area: sea, host: a, date: 2026-03-20 }\n\
                 step x2: ex { who: [a], area: sea, host: a, date: 2026-04-15 }\n\
                 step x3: ex { who: [a], area: sea, host: b, date: 2026-03-20 }\n";
    assert_eq!(run(r, steps).0, ["r x1 x1 78"]);
    assert_eq!(
        lib_errors(&rule("ex as s", "forbid days(s.size, s.date) > 0")),
        [Code::TypeMismatch]
    );
}

#[test]
fn set_operations_and_membership() {
    let r = "rule r { severity error on ex as s forbid count(s.who & sea.littoral) == 1 && count(s.who | [b]) == 3 && c in s.who - [a] && a not in s.who - [a] message \"{s.who - sea.littoral}\" }";
    assert_eq!(run(r, EX).0, ["r s1 c"]);
}

#[test]
fn type_tests_and_presence() {
    let r = rule("ex as s", "forbid s.area is Region && !(s has host)");
    assert_eq!(run(&r, EX).0.len(), 1);
    assert!(
        run(&r, "step s1: ex { who: [a], area: sea, host: a }\n")
            .0
            .is_empty()
    );
    assert!(run(&r, "step s1: ex { who: [a], area: b }\n").0.is_empty());
}

#[test]
fn match_narrows_the_binder_by_kind() {
    let r = "def involved(s) = match s { ex => s.who, flight => [s.operator] }\n\
             rule r { severity error on ex, flight as s forbid each p in involved(s) where p == c message \"{p} in {s.id}\" }";
    let (v, _) = run(
        r,
        "step s1: ex { who: [c], area: sea }\nstep f1: flight { operator: c, route: [c, a], cargo: [munitions] }\n",
    );
    assert_eq!(v, ["r s1 c in s1", "r f1 c in f1"]);
}

#[test]
fn if_then_else_and_integers() {
    let r = rule("ex as s", "forbid (if s.armed then s.size else 0) > 10");
    assert_eq!(
        run(&r, "step s1: ex { who: [a], area: sea, size: 11 }\n")
            .0
            .len(),
        1
    );
    assert!(
        run(&r, "step s1: ex { who: [a], area: sea, size: 10 }\n")
            .0
            .is_empty()
    );
    assert!(
        run(
            &r,
            "step s1: ex { who: [a], area: sea, size: 11, armed: false }\n"
        )
        .0
        .is_empty()
    );
}

#[test]
fn dates_and_in_force() {
    let r = rule(
        "ex as s",
        "forbid in_force(treaty, s.date) && !in_force(draft, s.date) && s.date >= 2025-12-31",
    );
    assert_eq!(run(&r, EX).0.len(), 1);
    // before entry into force, and after termination
    assert!(run_as_of(&r, EX, Some("2019-12-31")).0.is_empty());
    assert!(run_as_of(&r, EX, Some("2030-01-01")).0.is_empty());
    // a step's own date wins over the proposal's
    assert!(
        run(
            &r,
            "step s1: ex { who: [a], area: sea, date: 2031-05-05 }\n"
        )
        .0
        .is_empty()
    );
}

#[test]
fn a_rule_that_needs_a_date_fails_closed_without_one() {
    let r = rule("ex as s", "forbid in_force(treaty, s.date)");
    let (v, errs) = run_as_of(&r, EX, None);
    assert!(v.is_empty());
    assert_eq!(errs, ["pactum::eval::no_date"]);
}

#[test]
fn absent_optional_attributes_fail_closed() {
    let r = rule("ex as s", "forbid s.host == a");
    let (v, errs) = run(&r, EX);
    assert!(v.is_empty());
    assert_eq!(errs, ["pactum::eval::absent_attribute"]);
    // guarded with `has`: fine
    let r = rule("ex as s", "forbid s has host && s.host == a");
    assert_eq!(run(&r, EX), (vec![], vec![]));
}

#[test]
fn defaults_are_constants_or_sibling_attributes() {
    let r =
        "rule r { severity error on flight as s forbid s.area == s.operator message \"{s.area}\" }";
    assert_eq!(
        run(
            r,
            "step f1: flight { operator: b, route: [b], cargo: [] }\n"
        )
        .0,
        ["r f1 b"]
    );
    assert!(
        run(
            r,
            "step f1: flight { operator: b, route: [b], cargo: [], area: sea }\n"
        )
        .0
        .is_empty()
    );
}

#[test]
fn lists_keep_order_and_sets_do_not() {
    let r =
        "rule r { severity error on flight as s forbid true message \"{s.route} / {s.cargo}\" }";
    let (v, _) = run(
        r,
        "step f1: flight { operator: b, route: [c, sea, a], cargo: [munitions, personnel] }\n",
    );
    assert_eq!(v, ["r f1 c, sea, a / munitions, personnel"]);
}

#[test]
fn proposal_scope_rules_see_every_step() {
    let r = "rule r { severity error on proposal forbid each f in steps(flight) where any e in steps(ex): true message \"{f.id}\" }";
    let p = "step s1: ex { who: [a], area: sea }\nstep f1: flight { operator: b, route: [b], cargo: [] }\nstep f2: flight { operator: b, route: [b], cargo: [] }\n";
    // nested steps() is rejected: it would be quadratic
    assert_eq!(lib_errors(r), [Code::Complexity]);
    let r = "rule r { severity error on proposal forbid each f in steps(flight) where f.operator == b message \"{f.id}\" }";
    assert_eq!(run(r, p).0, ["r f1 f1", "r f2 f2"]);
}

#[test]
fn constant_definitions_and_as_of() {
    let r = "def group = [a, b]\nrule r { severity error on ex as s forbid any p in s.who: p in group && as_of > 2025-06-01 message \"{group}\" }";
    assert_eq!(run(r, EX).0, ["r s1 a, b"]);
}

#[test]
fn severities_and_compliance() {
    let r = "rule w { severity warning on ex as s forbid true message \"w\" }";
    let e = engine(r);
    let p = Proposal::parse(&format!("proposal t {{}}\n{EX}")).unwrap();
    let report = e.check(&p);
    assert_eq!(report.violations.len(), 1);
    assert!(report.compliant, "a warning alone is compliant");
    let denied = e.check_with(
        &p,
        &CheckOptions {
            deny_warnings: true,
            ..CheckOptions::default()
        },
    );
    assert!(!denied.compliant);
}

#[test]
fn the_violations_come_in_step_then_rule_order() {
    let r = "rule z { severity error on ex as s forbid true message \"z\" }\nrule a { severity error on ex as s forbid true message \"a\" }";
    let (v, _) = run(
        r,
        "step s2: ex { who: [a], area: sea }\nstep s1: ex { who: [a], area: sea }\n",
    );
    assert_eq!(v, ["a s2 a", "z s2 z", "a s1 a", "z s1 z"]);
}

#[test]
fn library_errors_are_caught_at_load() {
    assert_eq!(
        lib_errors(
            "def f(x) = g(x)\ndef g(x) = f(x)\nrule r { severity error on ex as s forbid f(s) message \"m\" }"
        ),
        [Code::RecursiveDefinition]
    );
    assert_eq!(
        lib_errors(&rule("ex as s", "forbid s.armed == sea")),
        [Code::TypeMismatch]
    );
    assert_eq!(
        lib_errors(&rule("ex as s", "forbid s.wh == a")),
        [Code::UnknownField]
    );
    assert_eq!(
        lib_errors(&rule("exx as s", "forbid true")),
        [Code::UnknownName]
    );
    assert_eq!(
        lib_errors(&rule("ex as s", "forbid steps(ex) == []")),
        [Code::Complexity]
    );
    assert_eq!(
        lib_errors("rule r { severity error on ex as s forbid true }"),
        [Code::RuleShape]
    );
    assert_eq!(
        lib_errors("rule r { severity eror on ex as s forbid true message \"m\" }"),
        [Code::RuleShape]
    );
    assert_eq!(
        lib_errors("rule r { severity error on ex as s require each p in s.who message \"m\" }"),
        [Code::RuleShape]
    );
    assert_eq!(
        lib_errors("rule r { severity error on ex as s forbid true message \"{s.\" }"),
        [Code::Interpolation]
    );
    assert_eq!(
        lib_errors(
            "rule r { severity error on ex, flight as s forbid match s { ex => true } message \"m\" }"
        ),
        [Code::TypeMismatch]
    );
    assert_eq!(
        lib_errors("fact d: State { nam: \"x\" }"),
        [Code::UnknownField]
    );
    assert_eq!(
        lib_errors(
            "rule r { severity error on ex as s forbid true message \"m\" }\nrule r { severity error on ex as s forbid true message \"m\" }"
        ),
        [Code::DuplicateName]
    );
}

#[test]
fn checking_is_deterministic_and_thread_safe() {
    let e = std::sync::Arc::new(Engine::standard());
    let text = std::fs::read_to_string("policies/examples/turkmen-neutrality.proposal").unwrap();
    let p = std::sync::Arc::new(Proposal::parse_named("t.proposal", &text).unwrap());
    let base = serde_json::to_string(&e.check(&p)).unwrap();
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (e, p) = (e.clone(), p.clone());
            std::thread::spawn(move || serde_json::to_string(&e.check(&p)).unwrap())
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), base);
    }
    let _ = Date::parse("2026-01-01");
}
