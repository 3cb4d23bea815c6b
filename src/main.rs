//! The `pactum` command line: a thin layer over the library's public API. It lives in the
//! binary, not the library, so that embedders never compile clap.

use std::process::ExitCode;

mod cli;

fn main() -> ExitCode {
    cli::main()
}
