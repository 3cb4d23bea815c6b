//! The `pactum` command line: a thin layer over the library's public API. It lives in the
//! binary, not the library, so that embedders never compile clap.

use std::process::ExitCode;

mod cli;

// The standard library's tests (`policies/tests/`), for `pactum test` without `--policies`.
include!(concat!(env!("OUT_DIR"), "/stdtests.rs"));

fn main() -> ExitCode {
    cli::main()
}
