//! Files that are not what they seem: FIFOs and devices, links out of a library, link
//! loops in folders, odd extensions, a full disk. Each gets a diagnostic and a bounded run;
//! nothing outside a library's root is ever printed.
#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers report setup failures by panicking"
)]

mod common;

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{AS_OF, code, pactum_in, stdout};

/// Runs pactum in `dir`; a run that has not ended after a minute is killed and fails the
/// test (the safety net of a test about not blocking, not a measure of speed).
fn bounded(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pactum"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("pactum {args:?} did not end");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().unwrap().success();
    assert!(ok, "mkfifo {}", path.display());
}

fn library(test: &str) -> PathBuf {
    let dir = common::scratch("hostile_files", test);
    for e in std::fs::read_dir(common::root().join("policies")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "policy") {
            std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
        }
    }
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    dir
}

#[test]
fn special_files_are_refused_without_blocking() {
    let dir = common::scratch("hostile_files", "special");
    mkfifo(&dir.join("pipe.proposal"));
    for target in ["pipe.proposal", "/dev/zero", "/dev/urandom"] {
        let out = bounded(
            &dir,
            &["check", "--as-of", AS_OF, "--format", "json", target],
        );
        assert_eq!(code(&out), 2, "{target}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let message = v["results"][0]["errors"][0]["message"].as_str().unwrap();
        assert!(
            message.contains("not a regular file"),
            "{target}: {message}"
        );
    }
    // A FIFO inside a checked folder, beside a real proposal.
    std::fs::copy(
        common::root().join(common::VIOLATING),
        dir.join("real.proposal"),
    )
    .unwrap();
    let out = bounded(&dir, &["check", "--as-of", AS_OF, "."]);
    assert_eq!(code(&out), 2);
    assert!(stdout(&out).contains("not a compliant") || stdout(&out).contains("not compliant"));
    // And in a policy library, and among a library's tests.
    let lib = library("special-library");
    mkfifo(&lib.join("extra.policy"));
    mkfifo(&lib.join("tests").join("t.proposal"));
    let out = bounded(&lib, &["lint", "."]);
    assert_eq!(code(&out), 2, "{}", stdout(&out));
    assert!(
        stdout(&out).contains("not a regular file"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_link_out_of_a_library_is_never_read() {
    let secret = common::scratch("hostile_files", "secret").join("secret.txt");
    std::fs::write(&secret, "SECRET-MARKER-7f3a\nproposal s {}\n").unwrap();
    let lib = library("links-out");
    symlink(&secret, lib.join("tests").join("leak.proposal")).unwrap();
    std::fs::write(
        lib.join("tests").join("j.json"),
        r#"{"id": "p", "steps": []}"#,
    )
    .unwrap();
    symlink(&secret, lib.join("tests").join("j.expect")).unwrap();
    symlink(&secret, lib.join("leak.policy")).unwrap();
    for args in [
        vec!["test", "."],
        vec!["test", "--format", "json", "."],
        vec!["lint", "."],
        vec!["lint", "--format", "sarif", "."],
        vec!["check", "--policies", ".", "tests/j.json"],
    ] {
        let out = pactum_in(&lib, &args);
        let all = format!("{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
        assert!(!all.contains("SECRET-MARKER"), "{args:?}: {all}");
        assert_eq!(code(&out), 2, "{args:?}: {all}");
        assert!(all.contains("leads outside"), "{args:?}: {all}");
    }
    // Without the library link, the tests run and the two linked ones are invalid.
    std::fs::remove_file(lib.join("leak.policy")).unwrap();
    let out = pactum_in(&lib, &["test", "."]);
    let text = stdout(&out);
    assert!(!text.contains("SECRET-MARKER"), "{text}");
    assert_eq!(text.matches("... INVALID").count(), 2, "{text}");
}

#[test]
fn folder_link_loops_end_and_each_file_is_checked_once() {
    // Links in folders are skipped without --follow; with it, loops end and no file is
    // checked twice.
    let dir = common::scratch("hostile_files", "loops");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::copy(
        common::root().join(common::VIOLATING),
        dir.join("sub/a.proposal"),
    )
    .unwrap();
    std::fs::copy(
        common::root().join(common::COMPLIANT),
        dir.join("B.PROPOSAL"),
    )
    .unwrap();
    symlink("..", dir.join("sub/up")).unwrap();
    symlink(".", dir.join("self")).unwrap();
    // A file reached by its path and through two links is checked once, under its first
    // name in path order (`./B.PROPOSAL`, before `./c-link.proposal` and
    // `./sub/d-link.proposal`).
    symlink("B.PROPOSAL", dir.join("c-link.proposal")).unwrap();
    symlink("../c-link.proposal", dir.join("sub/d-link.proposal")).unwrap();
    for follow in [false, true] {
        let mut args = vec!["check", "--as-of", AS_OF, "--format", "json"];
        if follow {
            args.push("--follow");
        }
        args.push(".");
        let out = bounded(&dir, &args);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let files: Vec<&str> = v["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["file"].as_str().unwrap())
            .collect();
        assert_eq!(
            files,
            ["./B.PROPOSAL", "./sub/a.proposal"],
            "follow: {follow}"
        );
        assert_eq!(code(&out), 1);
    }
}

#[test]
fn a_file_linked_inside_a_library_is_read_once() {
    let lib = library("links-in");
    std::fs::create_dir_all(lib.join("more")).unwrap();
    symlink(
        lib.join("caspian.policy"),
        lib.join("more").join("again.policy"),
    )
    .unwrap();
    let out = pactum_in(&lib, &["lint", "."]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
}

#[test]
fn a_failed_write_is_an_error_and_a_closed_pipe_is_not() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    for format in ["human", "json", "sarif", "github", "junit"] {
        let out = Command::new(env!("CARGO_BIN_EXE_pactum"))
            .args([
                "check",
                "--as-of",
                AS_OF,
                "--format",
                format,
                common::COMPLIANT,
            ])
            .current_dir(common::root())
            .stdout(std::fs::File::create("/dev/full").unwrap())
            .output()
            .unwrap();
        assert_eq!(code(&out), 2, "{format}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("cannot write the output"), "{format}: {err}");
    }
    // `| head -c 1`: the reader stops early; pactum says nothing and keeps the verdict.
    let mut child = Command::new(env!("CARGO_BIN_EXE_pactum"))
        .args(["check", "--as-of", AS_OF, common::EXAMPLES])
        .current_dir(common::root())
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(code(&out), 1);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
