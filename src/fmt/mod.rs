//! The formatter: the one canonical layout of `.policy` and `.proposal` files, comments
//! kept (see `docs/fmt.md`).
//!
//! A file is parsed by the parser that checks it (the same diagnostics, codes and spans
//! when it does not parse), then printed from its tree with the comments of the source
//! put back in order: a Wadler-style document (`doc.rs`) laid out in [`WIDTH`] columns.
//! Formatting is idempotent: formatting the result again gives the same text. JSON
//! proposals are not formatted.
//!
//! ```
//! let text = "rule a.b { severity error\n  when 1 == 1 // always\n}";
//! let formatted = pactum::fmt::format_policy(text).unwrap();
//! assert_eq!(formatted, "rule a.b {\n  severity error\n  when 1 == 1 // always\n}\n");
//! assert_eq!(pactum::fmt::format_policy(&formatted).unwrap(), formatted);
//! ```

mod comments;
mod doc;
mod policy;
pub(crate) mod proposal;

use crate::diag::Errors;
use crate::source::SourceFile;

/// The width the formatter fills lines to, in characters.
pub const WIDTH: usize = 100;

/// Formats a policy file's text (named `<input>` in its diagnostics).
pub fn format_policy(text: &str) -> Result<String, Errors> {
    format_policy_named(crate::proposal::DEFAULT_SOURCE_NAME, text)
}

/// Formats a policy file's text; `name` names the file in diagnostics. A text that does
/// not parse gives the parser's diagnostics.
pub fn format_policy_named(name: &str, text: &str) -> Result<String, Errors> {
    let source = SourceFile::new(name, text);
    crate::syntax::parse_policy(&source)?;
    let text = source.text();
    let Some(file) = crate::syntax::parse_tree(text).and_then(|mut pairs| pairs.next()) else {
        // parse_policy accepted it, so pest does: not reached
        return Ok(text.to_string());
    };
    Ok(policy::print(text, file, comments::scan(text, true)))
}

/// Formats a proposal's text form (named `<input>` in its diagnostics).
pub fn format_proposal(text: &str) -> Result<String, Errors> {
    format_proposal_named(crate::proposal::DEFAULT_SOURCE_NAME, text)
}

/// Formats a proposal's text form; `name` names the file in diagnostics. A text that does
/// not parse gives the parser's diagnostics. (The text form only: JSON is not formatted.)
pub fn format_proposal_named(name: &str, text: &str) -> Result<String, Errors> {
    let max = crate::limits::Limits::default().max_input_bytes;
    if text.len() > max {
        return Err(crate::syntax::too_large(&SourceFile::new(name, text), max).into());
    }
    let p = crate::proposal::Proposal::parse_named(name, text)?;
    Ok(proposal::print(&p, Some(text), comments::scan(text, false)))
}
