//! Source files and byte spans.
//!
//! Every diagnostic points into a [`SourceFile`] through a [`Span`] (a half-open byte range).
//! Line and column numbers are computed on demand, 1-based, counting columns in characters,
//! so that Arabic or Turkish text and tabs never split a code point.

use std::fmt;
use std::sync::Arc;

/// A half-open byte range `[start, end)` into a source file.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from byte offsets (saturating at `u32::MAX`).
    pub fn new(start: usize, end: usize) -> Self {
        let start = u32::try_from(start).unwrap_or(u32::MAX);
        let end = u32::try_from(end).unwrap_or(u32::MAX).max(start);
        Span { start, end }
    }

    /// The span of a pest pair or token.
    pub fn from_pest(span: pest::Span<'_>) -> Self {
        Span::new(span.start(), span.end())
    }

    /// Length in bytes.
    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    /// True for an empty span (a point).
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The smallest span covering both.
    pub fn join(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(span: Span) -> Self {
        miette::SourceSpan::new((span.start as usize).into(), span.len())
    }
}

/// A value with the span it came from. Spans are ignored by equality.
#[derive(Clone, Debug)]
pub struct Spanned<T> {
    /// The value.
    pub node: T,
    /// Where it came from.
    pub span: Span,
}

impl<T> Spanned<T> {
    /// Wraps a value with its span.
    pub fn new(node: T, span: Span) -> Self {
        Spanned { node, span }
    }
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.node == other.node
    }
}

impl<T: Eq> Eq for Spanned<T> {}

/// A named source text, shared cheaply between the AST, compiled forms and diagnostics.
#[derive(Clone, PartialEq, Eq)]
pub struct SourceFile {
    name: Arc<str>,
    text: Arc<str>,
    /// Byte offset of the start of each line, for O(log n) line lookups.
    lines: Arc<[u32]>,
}

impl fmt::Debug for SourceFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SourceFile({:?}, {} bytes)", self.name, self.text.len())
    }
}

/// A 1-based line and column (the column counts characters, not bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct LineCol {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

impl SourceFile {
    /// A source file from its name (a path, or a label such as `<input>`) and text.
    pub fn new(name: impl Into<Arc<str>>, text: impl Into<Arc<str>>) -> Self {
        let text: Arc<str> = text.into();
        let lines: Arc<[u32]> = std::iter::once(0)
            .chain(
                text.bytes()
                    .enumerate()
                    .filter(|&(_, b)| b == b'\n')
                    .map(|(i, _)| u32::try_from(i + 1).unwrap_or(u32::MAX)),
            )
            .collect();
        SourceFile {
            name: name.into(),
            text,
            lines,
        }
    }

    /// The file's name as given.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file's text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text under a span, or `""` when the span is out of range or splits a character.
    pub fn slice(&self, span: Span) -> &str {
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }

    /// Line and column of a byte offset, clamped to the file and to a character boundary.
    pub fn line_col(&self, offset: u32) -> LineCol {
        let text: &str = &self.text;
        let mut offset = (offset as usize).min(text.len());
        while offset > 0 && !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let off = u32::try_from(offset).unwrap_or(u32::MAX);
        // The last line start at or before the offset.
        let idx = self
            .lines
            .partition_point(|&start| start <= off)
            .saturating_sub(1);
        let line = idx + 1;
        let line_start = self.lines.get(idx).copied().unwrap_or(0) as usize;
        let column = text.get(line_start..offset).unwrap_or("").chars().count() + 1;
        LineCol {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }

    /// Clamps a span to the file and to character boundaries, so renderers never panic.
    pub fn clamp(&self, span: Span) -> Span {
        let text: &str = &self.text;
        let fix = |o: u32| {
            let mut o = (o as usize).min(text.len());
            while o > 0 && !text.is_char_boundary(o) {
                o -= 1;
            }
            o
        };
        Span::new(fix(span.start), fix(span.end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let f = SourceFile::new("t", "ab\nçé x\n");
        assert_eq!(f.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(f.line_col(3), LineCol { line: 2, column: 1 });
        // 'x' is after two 2-byte characters and a space
        assert_eq!(f.line_col(8), LineCol { line: 2, column: 4 });
        // inside a multi-byte character: clamps back to its start
        assert_eq!(f.line_col(4), LineCol { line: 2, column: 1 });
        // past the end: clamps to the end
        assert_eq!(f.line_col(999), LineCol { line: 3, column: 1 });
    }

    proptest::proptest! {
        #[test]
        fn line_col_agrees_with_a_naive_count(text in "[a\n\r\té ب]{0,60}", offset in 0u32..80) {
            let f = SourceFile::new("t", text.as_str());
            let mut o = (offset as usize).min(text.len());
            while !text.is_char_boundary(o) { o -= 1; }
            let before = &text[..o];
            let line = before.matches('\n').count() as u32 + 1;
            let start = before.rfind('\n').map_or(0, |i| i + 1);
            let column = before[start..].chars().count() as u32 + 1;
            proptest::prop_assert_eq!(f.line_col(offset), LineCol { line, column });
        }
    }

    #[test]
    fn clamp_never_splits_characters() {
        let f = SourceFile::new("t", "é");
        assert_eq!(f.clamp(Span::new(1, 5)), Span::new(0, 2));
    }
}
