//! Fuzz target `cli_walk`: `pactum check` on a folder tree decoded from the input (hostile
//! file and folder names, links, loops, proposals quoting their names), run in-process
//! through the command line's own code, the output checked for raw control characters,
//! injected workflow commands and format syntax. See fuzz/harness.rs and docs/fuzzing.md.
#![no_main]

#[path = "../harness.rs"]
#[allow(dead_code, reason = "each target uses a part of the harness")]
mod harness;

// The command line lives in pactum's binary, not its library: compile its modules here.
#[path = "../../src/cli/mod.rs"]
#[allow(dead_code, reason = "the target runs `check` only")]
#[allow(unused_imports, reason = "the target runs `check` only")]
mod cli;

/// The standard library's tests, which the binary embeds (src/main.rs) for `pactum test`;
/// this target runs `check` only.
pub static STANDARD_TESTS: &[(&str, &str)] = &[];

use std::path::PathBuf;
use std::sync::OnceLock;

/// A folder on tmpfs for this process: the library, and the tree of each input (made anew).
fn scratch() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = if std::path::Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        base.join(format!("pactum-cli-walk-{}", std::process::id()))
    })
}

/// The library, loaded once from the scratch folder as `--policies` would load it: loading
/// it again for every input (a quarter of the time) would fuzz `policy_parse`'s code.
fn library() -> &'static pactum::Engine {
    static ENGINE: OnceLock<pactum::Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let lib = harness::build_library(scratch());
        pactum::Engine::load(&lib).expect("the fuzz library compiles")
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let tree = harness::decode_tree(data);
    let engine = library();
    let root = scratch();
    harness::build_tree(&tree, root);
    let mut out = Vec::new();
    let exit = match check_args(harness::cli_args(&tree, root)) {
        Some(args) => cli::check::run_with(&args, Some(engine), &mut out),
        None => panic!("the command line parses: {tree:?}"),
    };
    harness::check_cli_output(&tree, &out, exit as i32);
});

/// `pactum check`'s arguments, parsed by its own clap definition. (Going through `cli::run`
/// would link every subcommand into the target: a coverage map a third larger, which
/// libFuzzer scans after every input.)
fn check_args(argv: Vec<std::ffi::OsString>) -> Option<cli::check::Args> {
    use clap::{Args as _, FromArgMatches as _};
    let cmd = cli::check::Args::augment_args(clap::Command::new("check"));
    // `pactum check ...`: "check" stands as the program's name.
    let matches = cmd.try_get_matches_from(argv.into_iter().skip(1)).ok()?;
    cli::check::Args::from_arg_matches(&matches).ok()
}
