//! `pactum diff`: verdicts between two library folders, two git revisions and two dates;
//! exit codes; the Markdown output; the semantic diff of rules (`pactum::diff`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test setup and assertions"
)]

mod common;

use std::path::Path;
use std::process::Command;

use common::{code, json, pactum, pactum_in, scratch, stdout};
use pactum::SourceFile;
use pactum::diff::{Meaning, RulesDiffOptions, compare_rules};

const OLD: &str = "tests/corpus/diff/old";
const NEW: &str = "tests/corpus/diff/new";
const PROPOSALS: &str = "tests/corpus/diff/proposals";
const AS_OF: &str = common::AS_OF;

fn diff(args: &[&str]) -> std::process::Output {
    let mut all = vec!["diff", "--as-of", AS_OF];
    all.extend_from_slice(args);
    pactum(&all)
}

#[test]
fn two_folders_list_what_appears_and_disappears() {
    let out = diff(&["--old", OLD, "--new", NEW, PROPOSALS]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let text = stdout(&out);
    for line in [
        "tests/corpus/diff/proposals/caspian-drill.proposal (caspian-drill): compliant → not compliant",
        "  + error caspian.outsiders on step d1, turkey: turkey is not a littoral state",
        "  - warning iran.present on step f1: Iran takes part in f1",
        "  ~ warning → error caspian.armed on step f1: armed exercise f1 in the Caspian Sea with Turkey",
        "compared 4 proposals: 1 proposal changes verdict, 1 becomes non-compliant, 0 become compliant; 4 violations appear, 2 disappear, 1 violation changes severity",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "no line {line:?} in\n{text}"
        );
    }
    // The proposal on which nothing changes is not listed.
    assert!(!text.contains("anatolia"), "{text}");
}

#[test]
fn fail_on_change_exits_1_only_when_a_verdict_changes() {
    let out = diff(&["--old", OLD, "--new", NEW, "--fail-on-change", PROPOSALS]);
    assert_eq!(code(&out), 1);
    // Violations appear and disappear on northern-exercise, but its verdict stays.
    let one = format!("{PROPOSALS}/northern-exercise.proposal");
    let out = diff(&["--old", OLD, "--new", NEW, "--fail-on-change", &one]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(stdout(&out).contains("+ note russia.host on step n1"));
    // Same library on both sides: nothing changes.
    let out = diff(&["--old", NEW, "--new", NEW, "--fail-on-change", PROPOSALS]);
    assert_eq!(code(&out), 0);
    assert!(stdout(&out).contains("0 proposals change verdict"));
}

#[test]
fn invalid_input_exits_2() {
    // A proposal that does not parse: reported with its diagnostic, on both sides.
    let out = diff(&["--old", OLD, "--new", NEW, common::MALFORMED]);
    assert_eq!(code(&out), 2);
    assert!(
        stdout(&out).contains("pactum::parse::json_syntax"),
        "{}",
        stdout(&out)
    );
    // A proposal the libraries' schema rejects (an unknown kind), with --fail-on-change.
    let out = diff(&[
        "--old",
        OLD,
        "--new",
        NEW,
        "--fail-on-change",
        common::COMPLIANT,
    ]);
    assert_eq!(code(&out), 2);
    // A library that does not load.
    let out = diff(&[
        "--old",
        "tests/corpus/diff/nowhere",
        "--new",
        NEW,
        PROPOSALS,
    ]);
    assert_eq!(code(&out), 2);
    assert!(stdout(&out).contains("nothing was compared"));
    // Nothing to compare; a bad date; three dates.
    assert_eq!(code(&diff(&[PROPOSALS])), 2);
    assert_eq!(
        code(&pactum(&[
            "diff",
            "--as-of",
            "2026-13-01",
            "--as-of",
            AS_OF,
            PROPOSALS
        ])),
        2
    );
    let three = [
        "diff", "--as-of", AS_OF, "--as-of", AS_OF, "--as-of", AS_OF, PROPOSALS,
    ];
    assert_eq!(code(&pactum(&three)), 2);
}

#[test]
fn json_output_follows_its_schema() {
    let out = diff(&["--old", OLD, "--new", NEW, "--format", "json", PROPOSALS]);
    assert_eq!(code(&out), 0);
    let v = json(&out);
    assert_eq!(v["version"], 1);
    assert_eq!(v["old"]["library"], OLD);
    assert_eq!(v["new"]["as_of"], AS_OF);
    assert!(
        v.get("rules").is_none(),
        "rules only without PATH or with --rules"
    );
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 3, "only the proposals that differ");
    let drill = &results[0];
    assert_eq!(drill["proposal"], "caspian-drill");
    assert_eq!(drill["old"], "compliant");
    assert_eq!(drill["new"], "non_compliant");
    assert_eq!(drill["appeared"][0]["rule"], "caspian.outsiders");
    assert_eq!(drill["appeared"][0]["step"], "d1");
    assert_eq!(drill["appeared"][0]["binding"], "turkey");
    assert_eq!(drill["appeared"][0]["severity"], "error");
    assert_eq!(results[1]["severity_changed"][0]["old"], "warning");
    assert_eq!(results[1]["severity_changed"][0]["new"], "error");
    let s = &v["summary"];
    assert_eq!(s["proposals"], 4);
    assert_eq!(s["verdict_changes"], 1);
    assert_eq!(s["become_non_compliant"], 1);
    assert_eq!(s["appeared"], 4);
    assert_eq!(s["disappeared"], 2);
    assert_eq!(s["severity_changed"], 1);
    // With --rules, the semantic diff too.
    let out = diff(&[
        "--old", OLD, "--new", NEW, "--format", "json", "--rules", PROPOSALS,
    ]);
    let v = json(&out);
    assert_eq!(v["rules"]["added"][0]["rule"], "iran.armed");
}

#[test]
fn markdown_output() {
    let out = diff(&[
        "--old", OLD, "--new", NEW, "--format", "markdown", PROPOSALS,
    ]);
    assert_eq!(code(&out), 0);
    insta::assert_snapshot!("diff_markdown", stdout(&out));
    let out = diff(&["--old", OLD, "--new", NEW, "--format", "markdown"]);
    assert_eq!(code(&out), 0);
    insta::assert_snapshot!("diff_markdown_rules", stdout(&out));
}

/// The standard library's time line: an undated proposal judged at two dates.
#[test]
fn two_dates() {
    let dir = scratch("diff", "two_dates");
    let p = dir.join("uzbek-command.proposal");
    std::fs::write(
        &p,
        "proposal uzbek-command {}\nstep j1: joint_command { parties: [uzbekistan, turkey] }\n",
    )
    .unwrap();
    let p = p.display().to_string();
    let out = pactum(&[
        "diff",
        "--as-of",
        "2010-01-01",
        "--as-of",
        "2026-06-01",
        "--format",
        "json",
        &p,
    ]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let v = json(&out);
    let r = &v["results"][0];
    assert_eq!(r["old"], "compliant", "{v:#}");
    assert_eq!(r["new"], "non_compliant");
    let appeared: Vec<&str> = r["appeared"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["rule"].as_str().unwrap())
        .collect();
    assert!(appeared.contains(&"uzbekistan.non_alignment"), "{v:#}");
    let out = pactum(&[
        "diff",
        "--as-of",
        "2010-01-01",
        "--as-of",
        "2026-06-01",
        "--fail-on-change",
        &p,
    ]);
    assert_eq!(code(&out), 1);
    // The examples are dated: the evaluation date changes none of them.
    let out = pactum(&[
        "diff",
        "--as-of",
        "2010-01-01",
        "--as-of",
        "2026-06-01",
        common::EXAMPLES,
    ]);
    assert_eq!(code(&out), 0);
    assert!(
        stdout(&out).contains("compared 26 proposals: 0 proposals change verdict"),
        "{}",
        stdout(&out)
    );
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

/// Two revisions of a library in a temporary repository, in a folder with an odd name,
/// beside a folder whose name starts the same and holds a broken policy (never read).
#[test]
fn two_git_revisions() {
    if Command::new("git").arg("--version").output().is_err() {
        eprintln!("git is not installed: skipped");
        return;
    }
    let repo = scratch("diff", "two_git_revisions");
    git(&repo, &["init", "-q"]);
    let lib = "lib [*] ü";
    copy_dir(&common::root().join(OLD), &repo.join(lib));
    std::fs::create_dir_all(repo.join(format!("{lib}2"))).unwrap();
    std::fs::write(repo.join(format!("{lib}2/broken.policy")), "rule {").unwrap();
    copy_dir(&common::root().join(PROPOSALS), &repo.join("proposals"));
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "old"]);
    copy_dir(&common::root().join(NEW), &repo.join(lib));
    git(&repo, &["commit", "-q", "-a", "-m", "new"]);
    let by_rev = pactum_in(
        &repo,
        &[
            "diff",
            "--as-of",
            AS_OF,
            "--old-rev",
            "HEAD~1",
            "--new-rev",
            "HEAD",
            "--policies",
            lib,
            "--format",
            "json",
            "proposals",
        ],
    );
    assert_eq!(code(&by_rev), 0, "{}", stdout(&by_rev));
    let by_dir = diff(&["--old", OLD, "--new", NEW, "--format", "json", PROPOSALS]);
    let (a, b) = (json(&by_rev), json(&by_dir));
    assert_eq!(a["summary"], b["summary"]);
    assert_eq!(a["old"]["library"], format!("HEAD~1:{lib}"));
    // Without --new-rev, the folder as it is on disk; the same after the commit.
    let out = pactum_in(
        &repo,
        &[
            "diff",
            "--as-of",
            AS_OF,
            "--old-rev",
            "HEAD~1",
            "--policies",
            lib,
            "--format",
            "json",
            "proposals",
        ],
    );
    assert_eq!(json(&out)["summary"], b["summary"]);
    // The semantic diff, from git.
    let out = pactum_in(
        &repo,
        &[
            "diff",
            "--old-rev",
            "HEAD~1",
            "--new-rev",
            "HEAD",
            "--policies",
            lib,
        ],
    );
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(
        stdout(&out).contains("~ rule turkey.abroad: same meaning (text changed)"),
        "{}",
        stdout(&out)
    );
    // An unknown revision, a revision that looks like an option, no library at the revision.
    for (rev, code_str) in [
        ("no-such-rev", "pactum::git::unknown_rev"),
        ("--output=x", "pactum::git::unknown_rev"),
        ("", "pactum::git::unknown_rev"),
    ] {
        let out = pactum_in(
            &repo,
            &[
                "diff",
                &format!("--old-rev={rev}"),
                "--policies",
                lib,
                "proposals",
            ],
        );
        assert_eq!(code(&out), 2);
        assert!(stdout(&out).contains(code_str), "{}", stdout(&out));
    }
    let out = pactum_in(
        &repo,
        &[
            "diff",
            "--old-rev",
            "HEAD",
            "--policies",
            "nowhere",
            "proposals",
        ],
    );
    assert_eq!(code(&out), 2);
    assert!(
        stdout(&out).contains("pactum::load::path"),
        "{}",
        stdout(&out)
    );
    // Outside any repository.
    let outside = scratch("diff", "outside_git");
    let out = pactum_in(
        &outside,
        &["diff", "--old-rev", "HEAD", "--new-rev", "HEAD", "x"],
    );
    assert_eq!(code(&out), 2);
}

// ------------------------------------------------------------------ the semantic diff

fn sources(dir: &str) -> Vec<SourceFile> {
    let mut files: Vec<_> = std::fs::read_dir(common::root().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| SourceFile::read(p, 1 << 20).unwrap())
        .collect()
}

#[test]
fn rules_narrowed_widened_reworded_added_removed() {
    let d = compare_rules(&sources(OLD), &sources(NEW), &RulesDiffOptions::default()).unwrap();
    let ids = |v: &[pactum::diff::RuleEntry]| v.iter().map(|r| r.rule.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&d.added), ["iran.armed"]);
    assert_eq!(ids(&d.removed), ["iran.present"]);
    assert_eq!(d.unchanged, 0);
    assert!(d.declarations.is_empty(), "{:?}", d.declarations);
    let m = |id: &str| {
        d.changed
            .iter()
            .find(|c| c.rule == id)
            .unwrap_or_else(|| panic!("{id} is not in {:#?}", d.changed))
    };
    let armed = m("caspian.armed");
    assert!(
        matches!(&armed.meaning, Meaning::Narrower { witness: Some(w) } if w.contains("area: caspian_sea")),
        "{armed:?}"
    );
    assert_eq!(armed.old_severity.as_deref(), Some("warning"));
    assert_eq!(armed.new_severity.as_deref(), Some("error"));
    assert!(
        matches!(&m("caspian.outsiders").meaning, Meaning::Wider { witness: Some(w) } if w.contains("armed: false"))
    );
    assert_eq!(m("turkey.abroad").meaning, Meaning::Same);
    assert_eq!(m("turkey.abroad").old_severity, None);
    assert!(matches!(
        &m("russia.host").meaning,
        Meaning::Different {
            new_only: Some(_),
            old_only: Some(_)
        }
    ));
    assert!(d.differs());
    // The same library: nothing differs.
    let same = compare_rules(&sources(NEW), &sources(NEW), &RulesDiffOptions::default()).unwrap();
    assert_eq!(same.unchanged, 5);
    assert!(!same.differs());
}

#[test]
fn a_rule_is_not_compared_when_the_schema_changed() {
    let old = sources(OLD);
    // The new library renames `armed` to `live`, and changes a fact.
    let new: Vec<SourceFile> = sources(OLD)
        .into_iter()
        .map(|s| {
            let text = s
                .text()
                .replace("s.armed", "s.live")
                .replace("armed: bool", "live: bool")
                .replace("littoral: [russia, iran]", "littoral: [russia]");
            SourceFile::new(s.name(), text)
        })
        .collect();
    let d = compare_rules(&old, &new, &RulesDiffOptions::default()).unwrap();
    let armed = d
        .changed
        .iter()
        .find(|c| c.rule == "caspian.armed")
        .unwrap();
    match &armed.meaning {
        Meaning::NotCompared { reason } => {
            assert!(reason.contains("the schema changed"), "{reason}");
        }
        m => panic!("{m:?}"),
    }
    // `iran.present` and `turkey.abroad` do not read `armed`: unchanged.
    assert_eq!(d.unchanged, 2);
    let items: Vec<(&str, &str)> = d
        .declarations
        .iter()
        .map(|c| (c.item.as_str(), c.change))
        .collect();
    assert_eq!(
        items,
        [
            ("fact caspian_sea", "changed"),
            ("step exercise", "changed")
        ]
    );
    // On the command line.
    let dir = scratch("diff", "schema_changed");
    for s in &new {
        let name = Path::new(s.name()).file_name().unwrap();
        std::fs::write(dir.join(name), s.text()).unwrap();
    }
    let dir = dir.display().to_string();
    let out = pactum(&["diff", "--old", OLD, "--new", &dir, "--fail-on-change"]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains("~ rule caspian.armed: not compared: its old text does not compile against the new library (the schema changed): "), "{text}");
    assert!(
        text.contains("declarations: fact caspian_sea (changed), step exercise (changed)"),
        "{text}"
    );
}
