//! What you see is what is checked: characters that an editor shows differently from how
//! pactum reads them are rejected in every policy and proposal file, before parsing.
//!
//! - Line breaks pactum does not count: a lone CR (not followed by LF), VT, FF, NEL
//!   (U+0085), LINE SEPARATOR (U+2028) and PARAGRAPH SEPARATOR (U+2029). Editors, miette
//!   and most tools start a new line there, so after `// note` the rest of the line, a
//!   whole step, would look like code that pactum reads as part of the comment. LF and CRLF
//!   are the line breaks.
//! - Bidirectional controls (U+202A–U+202E, U+2066–U+2069), which reorder how text is
//!   shown ("Trojan Source", CVE-2021-42574; rustc rejects them in comments and literals).
//!   A string that needs one writes its escape (`\u{202e}` in the text form, `\u202e` in
//!   JSON).

use crate::diag::{Code, Diagnostic};
use crate::source::{SourceFile, Span};

/// At most this many are reported per file; the rest are counted in the last one.
const MAX_REPORTED: usize = 20;

/// What a hidden character is, if it is one: its name, and whether it is a line break.
fn hidden(c: char, next: Option<char>) -> Option<(&'static str, bool)> {
    Some(match c {
        '\r' if next == Some('\n') => return None,
        '\r' => ("a carriage return not followed by a line feed", true),
        '\u{b}' => ("a vertical tab", true),
        '\u{c}' => ("a form feed", true),
        '\u{85}' => ("a next-line character (U+0085)", true),
        '\u{2028}' => ("a line separator (U+2028)", true),
        '\u{2029}' => ("a paragraph separator (U+2029)", true),
        c if crate::source::is_bidi_control(c) => ("a bidirectional control character", false),
        _ => return None,
    })
}

/// The diagnostics for every hidden character of a file (none for a clean file; the scan
/// is one pass over the bytes, and only looks closer at CR and at bytes that start the
/// multi-byte characters above).
pub(crate) fn hidden_text(source: &SourceFile) -> Vec<Diagnostic> {
    // The source's own scan has found no byte that could start one (nearly every file).
    if !source.may_hide() {
        return Vec::new();
    }
    let text = source.text();
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut more = 0usize;
    // Only the bytes that can start a hidden character are decoded.
    for (i, &b) in bytes.iter().enumerate() {
        if !matches!(b, b'\r' | 0x0B | 0x0C | 0xC2 | 0xE2) {
            continue;
        }
        let Some(c) = text.get(i..).and_then(|rest| rest.chars().next()) else {
            continue;
        };
        let next = text
            .get(i + c.len_utf8()..)
            .and_then(|rest| rest.chars().next());
        let Some((what, line_break)) = hidden(c, next) else {
            continue;
        };
        if out.len() == MAX_REPORTED {
            more += 1;
            continue;
        }
        let span = Span::new(i, i + c.len_utf8());
        let (label, help) = if line_break {
            (
                "editors show a line break here; pactum does not",
                "use a line feed (or CR LF) to end a line; in a string, write the escape instead"
                    .to_string(),
            )
        } else {
            (
                "this reorders how the text around it is shown",
                // The escape of this very character (found by review: U+202C was told U+202E's).
                format!(
                    "remove it; a string that needs it writes its escape (`{}` in a .proposal file, `\\u{:04x}` in JSON)",
                    c.escape_unicode(),
                    u32::from(c)
                ),
            )
        };
        out.push(
            Diagnostic::error(
                Code::HiddenText,
                format!("{what} (`{}`) in the file", c.escape_unicode()),
                source,
                span,
                label,
            )
            .with_help(help),
        );
    }
    if more > 0 {
        if let Some(last) = out.last_mut() {
            last.notes
                .push(format!("and {more} more such characters in this file"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<(Code, u32)> {
        hidden_text(&SourceFile::new("t", text))
            .iter()
            .map(|d| (d.code, d.span.start))
            .collect()
    }

    #[test]
    fn the_help_writes_the_escape_of_the_character_found() {
        let found = hidden_text(&SourceFile::new("t", "a\u{202c}b"));
        let help = found
            .first()
            .and_then(|d| d.help.as_deref())
            .unwrap_or_default();
        assert!(
            help.contains("`\\u{202c}`") && help.contains("`\\u202c`"),
            "{help}"
        );
    }

    #[test]
    fn what_is_hidden() {
        assert!(codes("a\r\nb\nc\tü — «»").is_empty());
        assert_eq!(codes("// x\rstep"), [(Code::HiddenText, 4)]);
        assert_eq!(
            codes("a\u{b}b\u{c}"),
            [(Code::HiddenText, 1), (Code::HiddenText, 3)]
        );
        assert_eq!(codes("x\u{85}\u{2028}\u{2029}").len(), 3);
        assert_eq!(codes("\"a\u{202e}b\u{2066}\"").len(), 2);
        assert_eq!(codes("a\r"), [(Code::HiddenText, 1)]);
    }

    #[test]
    fn many_are_counted_not_listed() {
        let d = hidden_text(&SourceFile::new("t", "\u{b}".repeat(1000)));
        assert_eq!(d.len(), MAX_REPORTED);
        assert!(d[MAX_REPORTED - 1].notes[0].contains("980 more"));
    }
}
