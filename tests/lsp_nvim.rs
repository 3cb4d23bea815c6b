//! `pactum lsp` in a real editor: Neovim (0.7, Debian's), headless, runs
//! `tests/nvim/e2e.lua`: it opens an example proposal, waits for the diagnostics and
//! asserts them, asks for a hover, and formats the file (already formatted: no edits) and
//! the file with a line unformatted (the edits, applied by Neovim, give it back). Skipped when
//! `nvim` is not installed, unless `PACTUM_REQUIRE_NVIM=1` (CI sets it): then a missing
//! `nvim` fails, so the test can never be skipped silently.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed expectation panics"
)]

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn nvim_installed() -> bool {
    Command::new("nvim")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn neovim_shows_diagnostics_and_hover() {
    if !nvim_installed() {
        assert!(
            std::env::var("PACTUM_REQUIRE_NVIM").as_deref() != Ok("1"),
            "PACTUM_REQUIRE_NVIM=1 but `nvim` is not on the PATH (apt-get install neovim)"
        );
        eprintln!("skipped: `nvim` is not on the PATH");
        return;
    }
    let dir = common::scratch("lsp_nvim", "e2e");
    let result = dir.join("result.txt");
    let mut child = Command::new("nvim")
        .args([
            "--headless",
            "--clean",
            "-u",
            "NONE",
            "-c",
            "luafile tests/nvim/e2e.lua",
        ])
        .current_dir(common::root())
        .env("PACTUM_BIN", env!("CARGO_BIN_EXE_pactum"))
        .env("PACTUM_PROPOSAL", common::root().join(common::VIOLATING))
        .env("PACTUM_NVIM_OUT", &result)
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("nvim starts");
    // A hang guard (the script bounds its own waits): not an assertion on speed.
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if started.elapsed() > Duration::from_secs(300) {
            let _ = child.kill();
            panic!("nvim did not finish");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let report = std::fs::read_to_string(&result).unwrap_or_default();
    assert!(
        status.success() && report.starts_with("ok"),
        "nvim: {status}\n{report}"
    );
    assert!(
        report.contains("diagnostic caspian.non_littoral_forces at 14:17"),
        "{report}"
    );
    assert!(report.contains("hover: **entity `turkey`**"), "{report}");
    assert!(report.contains("formatting: 0 edits"), "{report}");
    assert!(
        report.contains("formatting an unformatted line: "),
        "{report}"
    );
}
