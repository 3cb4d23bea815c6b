//! `pactum schema --json-schema`: the JSON Schema of JSON proposals under a library
//! ([`pactum::Schema::json_schema`]), for editors (`docs/proposals.md`, "JSON Schema").
//!
//! Exit codes: `0` printed; `2` the library does not load (its diagnostics are printed).

use std::io::Write;
use std::path::PathBuf;

use crate::cli::{Exit, Library, color, count, emit};
use pactum::{Diagnostic, render_human};

/// Arguments of `pactum schema`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print the JSON Schema (draft 2020-12) of JSON proposals under the library.
    #[arg(long, required = true)]
    json_schema: bool,
    /// Policy library folder (default: the standard library built into pactum).
    #[arg(long, value_name = "DIR")]
    policies: Option<PathBuf>,
}

/// Prints the schema: keys in a fixed order, two-space indents, a final line break.
pub fn run(args: &Args, out: &mut dyn Write) -> Exit {
    let library = match &args.policies {
        Some(dir) => Library::Dir(dir.clone()),
        None => Library::Standard,
    };
    let engine = match library.load() {
        Ok(e) => e,
        Err(errors) => {
            let diags: Vec<&Diagnostic> = errors.iter().collect();
            let mut text = render_human(&diags, color());
            text.push_str(&format!(
                "policy library `{}` is invalid ({}): no schema\n",
                pactum::printable(&library.name()),
                count(errors.len() as u64, "error")
            ));
            emit(out, &text);
            return Exit::Invalid;
        }
    };
    let _ = args.json_schema;
    let schema = engine.schema().json_schema();
    emit(out, &format!("{}\n", crate::cli::to_json(&schema)));
    Exit::Ok
}
