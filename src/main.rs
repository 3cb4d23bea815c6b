//! The `pactum` command line: a thin layer over the library.

use std::process::ExitCode;

fn main() -> ExitCode {
    pactum::cli::main()
}
