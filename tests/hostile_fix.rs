//! `pactum fix` and `pactum explain` under hostile files and arguments: files that must
//! not be replaced, names that do not say which file they are, ids too long to compare.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test setup")]

mod common;

use std::path::Path;

use common::{AS_OF, VIOLATING, code, pactum_in, root, scratch, stdout};

/// The names in a folder, sorted (a temporary file left behind would show here).
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn violating() -> Vec<u8> {
    std::fs::read(root().join(VIOLATING)).unwrap()
}

#[test]
fn fix_refuses_a_read_only_file() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = scratch("hostile_fix", "read_only");
    let f = dir.join("p.proposal");
    std::fs::write(&f, violating()).unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o444)).unwrap();
    let out = pactum_in(&dir, &["fix", "--as-of", AS_OF, "p.proposal"]);
    let text = stdout(&out);
    assert_eq!(code(&out), 2, "{text}");
    assert!(text.contains("read-only"), "{text}");
    assert_eq!(std::fs::read(&f).unwrap(), violating());
    assert_eq!(names(&dir), ["p.proposal"]);
}

#[test]
fn fix_does_not_split_hard_links() {
    let dir = scratch("hostile_fix", "hard_links");
    let a = dir.join("a.proposal");
    std::fs::write(&a, violating()).unwrap();
    std::fs::hard_link(&a, dir.join("b.proposal")).unwrap();
    let out = pactum_in(&dir, &["fix", "--as-of", AS_OF, "a.proposal"]);
    let text = stdout(&out);
    assert_eq!(code(&out), 2, "{text}");
    assert!(text.contains("hard links"), "{text}");
    assert_eq!(std::fs::read(&a).unwrap(), violating());
    assert_eq!(std::fs::read(dir.join("b.proposal")).unwrap(), violating());
    assert_eq!(names(&dir), ["a.proposal", "b.proposal"]);
    // --diff still shows the repairs, and writes nothing.
    let out = pactum_in(&dir, &["fix", "--as-of", AS_OF, "--diff", "a.proposal"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(stdout(&out).contains("-  participants: [turkey"));
}

#[test]
fn fix_never_writes_a_file_it_did_not_read() {
    use std::os::unix::ffi::OsStrExt as _;
    let dir = scratch("hostile_fix", "not_utf8_name");
    // `a\xC0.proposal` is shown as `a\u{FFFD}.proposal`, the name of another file.
    let bad = dir.join(std::ffi::OsStr::from_bytes(b"a\xC0.proposal"));
    let other = dir.join("a\u{FFFD}.proposal");
    std::fs::write(&bad, violating()).unwrap();
    let compliant = std::fs::read(root().join(common::COMPLIANT)).unwrap();
    std::fs::write(&other, &compliant).unwrap();
    let out = pactum_in(&dir, &["fix", "--as-of", AS_OF, "."]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(code(&out), 2, "{text}");
    assert!(text.contains("not UTF-8"), "{text}");
    assert_eq!(std::fs::read(&other).unwrap(), compliant, "{text}");
    assert_eq!(std::fs::read(&bad).unwrap(), violating());
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2);
}

fn proposal_with_steps(ids: &[String]) -> String {
    let steps: Vec<String> = ids
        .iter()
        .map(|id| {
            format!(
                r#"{{"id": "{id}", "kind": "exercise", "participants": ["turkey"], "area": "turkey"}}"#
            )
        })
        .collect();
    format!(
        r#"{{"id": "p", "date": "2026-09-15", "steps": [{}]}}"#,
        steps.join(",\n")
    )
}

#[test]
fn explain_of_an_unknown_step_is_bounded_for_long_ids_and_many_steps() {
    let dir = scratch("hostile_fix", "explain_unknown_step");
    // One 20,000-character id, asked about with a 1,000-character one: no edit distance
    // of their product, and the help does not repeat the id.
    std::fs::write(
        dir.join("long.json"),
        proposal_with_steps(&["a".repeat(20_000)]),
    )
    .unwrap();
    let step = "b".repeat(1_000);
    for format in ["human", "json"] {
        let out = pactum_in(
            &dir,
            &[
                "explain",
                "--as-of",
                AS_OF,
                "--format",
                format,
                "long.json",
                "--step",
                &step,
            ],
        );
        assert_eq!(code(&out), 2);
        assert!(out.stdout.len() < 3_000, "{} bytes", out.stdout.len());
        assert!(
            stdout(&out).contains("20000 characters"),
            "{}",
            stdout(&out)
        );
    }
    // 500 steps: the help names a few and counts the rest.
    let ids: Vec<String> = (0..500).map(|i| format!("step{i}")).collect();
    std::fs::write(dir.join("many.json"), proposal_with_steps(&ids)).unwrap();
    let out = pactum_in(
        &dir,
        &[
            "explain",
            "--as-of",
            AS_OF,
            "many.json",
            "--step",
            "zzzzzzzz",
        ],
    );
    let text = stdout(&out);
    assert_eq!(code(&out), 2, "{text}");
    assert!(text.contains("and 488 more"), "{text}");
    assert!(text.len() < 3_000, "{text}");
    // A near miss is still suggested.
    let out = pactum_in(
        &dir,
        &[
            "explain",
            "--as-of",
            AS_OF,
            "many.json",
            "--step",
            "step4999",
        ],
    );
    assert!(
        stdout(&out).contains("did you mean `step499`?"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_file_that_could_not_be_written_is_not_counted_as_changed() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = scratch("hostile_fix", "not_counted");
    let f = dir.join("p.proposal");
    std::fs::write(&f, violating()).unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o444)).unwrap();
    let out = pactum_in(&dir, &["fix", "--as-of", AS_OF, "p.proposal"]);
    let text = stdout(&out);
    assert_eq!(code(&out), 2, "{text}");
    assert!(
        text.ends_with("checked 1 proposal: changed 0 files\n"),
        "{text}"
    );
}

#[test]
fn a_file_named_twice_is_fixed_once() {
    let dir = scratch("hostile_fix", "named_twice");
    std::fs::write(dir.join("p.proposal"), violating()).unwrap();
    std::os::unix::fs::symlink("p.proposal", dir.join("q.proposal")).unwrap();
    let out = pactum_in(
        &dir,
        &[
            "fix",
            "--as-of",
            AS_OF,
            "p.proposal",
            "./p.proposal",
            "q.proposal",
        ],
    );
    let text = stdout(&out);
    assert_eq!(code(&out), 0, "{text}");
    assert!(
        text.ends_with("checked 1 proposal: changed 1 file\n"),
        "{text}"
    );
    assert_eq!(names(&dir), ["p.proposal", "q.proposal"]);
}
