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
mod cli;

/// The standard library's tests, which the binary embeds (src/main.rs) for `pactum test`;
/// this target runs `check` only.
pub static STANDARD_TESTS: &[(&str, &str)] = &[];
/// The standard library's examples and the workbench page, which the binary embeds for
/// `pactum serve`; this target runs `check` only.
pub static STANDARD_EXAMPLES: &[(&str, &str)] = &[];
pub static ASSETS: &[(&str, &[u8])] = &[];

use std::path::PathBuf;
use std::sync::OnceLock;

/// A folder on tmpfs for this process, emptied before each input.
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

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let tree = harness::decode_tree(data);
    let root = scratch();
    let _ = std::fs::remove_dir_all(root);
    std::fs::create_dir_all(root).expect("the scratch folder can be made");
    harness::build_tree(&tree, root);
    let mut out = Vec::new();
    let exit = cli::run(harness::cli_args(&tree, root), &mut out);
    harness::check_cli_output(&tree, &out, exit as i32);
});
