//! The `pactum` command line: a thin layer over the library's public API. It lives in the
//! binary, not the library, so that embedders never compile clap.

use std::process::ExitCode;

mod cli;

// The standard library's tests (`policies/tests/`), for `pactum test` without `--policies`.
include!(concat!(env!("OUT_DIR"), "/stdtests.rs"));
// The standard library's examples and the workbench page's files, for `pactum serve`.
include!(concat!(env!("OUT_DIR"), "/stdexamples.rs"));
include!(concat!(env!("OUT_DIR"), "/assets.rs"));

fn main() -> ExitCode {
    cli::main()
}
