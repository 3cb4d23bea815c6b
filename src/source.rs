//! Source files and byte spans.
//!
//! Every diagnostic points into a [`SourceFile`] through a [`Span`] (a half-open byte range).
//! Line and column numbers are computed on demand, 1-based, counting columns in characters,
//! so that Arabic or Turkish text and tabs never split a code point.

use crate::diag::{Code, Diagnostic};
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

    /// The span of a pest pair or token (the proposal grammar's test oracle).
    #[cfg(test)]
    pub(crate) fn from_pest(span: pest::Span<'_>) -> Self {
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
///
/// Built in one pass over the text, it keeps the indexes that make locations cheap whatever
/// the file's shape (many short lines, or one long line of minified JSON): the start of each
/// line, whether the text is pure ASCII (then a column is a byte difference) and, only for a
/// non-ASCII text with a line longer than 4 KiB, the number of characters before every
/// multiple of 4 KiB, so a column count scans at most two 4 KiB windows. The other fields are
/// functions of the text, so equality is still equality of name and text.
///
/// One shared allocation: a clone (every diagnostic and proposal holds one) is one reference
/// count, not one per index.
#[derive(Clone)]
pub struct SourceFile {
    d: Arc<SourceData>,
}

/// What a [`SourceFile`] shares.
struct SourceData {
    name: Arc<str>,
    text: Arc<str>,
    /// Byte offset of the start of each line, for O(log n) line lookups.
    lines: Arc<[u32]>,
    /// The text has no byte above 0x7F: a column is a byte difference.
    ascii: bool,
    /// `checkpoints[i]` is the number of characters in the first `i * CHECKPOINT` bytes
    /// (empty unless the text is non-ASCII and has a line longer than `CHECKPOINT` bytes).
    checkpoints: Arc<[u32]>,
    /// Some byte of the text may start a character a terminal acts on ([`SourceFile::may_hide`]).
    suspect: bool,
    /// The text as snippets show it, when it holds characters a terminal would act on
    /// ([`printable`]): each replaced by as many bytes of a visible one, so spans still fit.
    shown: Option<Arc<str>>,
}

impl PartialEq for SourceFile {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.d, &other.d)
            || (self.d.name == other.d.name && self.d.text == other.d.text)
    }
}

impl Eq for SourceFile {}

/// What kind of special file this is, for a diagnostic.
fn special_kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    let _ = meta;
    "neither a file nor a folder"
}

/// Whether a character from the input must not reach a terminal as it is: a control
/// character (C0 but tab and line feed, DEL, C1: escape sequences, bells, NUL, VT, FF, NEL),
/// a bidirectional embedding, override or isolate (U+202A–U+202E, U+2066–U+2069: the
/// "Trojan Source" characters), or a line or paragraph separator (U+2028, U+2029).
fn hazard(c: char, keep_newline: bool) -> bool {
    match c {
        '\n' => !keep_newline,
        '\t' => false,
        c => c.is_control() || reorders_or_breaks(c),
    }
}

/// A bidirectional embedding, override or isolate control (U+202A–U+202E, U+2066–U+2069).
pub(crate) fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Not a control character, but one that reorders text (a bidirectional control) or breaks
/// a line where pactum sees none (U+2028, U+2029): never printed or written raw.
pub(crate) fn reorders_or_breaks(c: char) -> bool {
    is_bidi_control(c) || matches!(c, '\u{2028}' | '\u{2029}')
}

/// Whether some byte of `bytes` may start a hazard: a control byte (but line feed and tab
/// when `layout` allows them), DEL, or 0xC2 (the C1 controls) or 0xE2 (the bidi controls,
/// the line and paragraph separators). A test that vectorizes (a fold over blocks, without
/// a branch per byte): `false` proves there is no hazard; `true` calls for a close look,
/// character by character.
fn may_hold_hazard(bytes: &[u8], layout: bool) -> bool {
    bytes.chunks(64).any(|block| {
        block.iter().fold(false, |any, &b| {
            any | ((b < 0x20 && !(layout && (b == b'\n' || b == b'\t')))
                | (b == 0x7F)
                | (b == 0xC2)
                | (b == 0xE2))
        })
    })
}

fn escape(s: &str, keep_newline: bool) -> std::borrow::Cow<'_, str> {
    // A tab is a hazard here (an id or a file name shows it as an escape), not in a source
    // excerpt, where it is layout.
    let bad = |c: char| c == '\t' || hazard(c, keep_newline);
    if !may_hold_hazard(s.as_bytes(), false) || !s.chars().any(bad) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if bad(c) {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Text from the input, safe to print: every control character (line breaks and tabs
/// included) and every bidirectional control escaped as `\u{1b}`, as rustc and ripgrep
/// print them. Human output passes every id, string and file name through it.
///
/// ```
/// assert_eq!(pactum::printable("a\u{1b}]0;x\u{7}b"), "a\\u{1b}]0;x\\u{7}b");
/// assert_eq!(pactum::printable("ok\u{202e}"), "ok\\u{202e}");
/// assert_eq!(pactum::printable("line\nbreak"), "line\\u{a}break");
/// assert_eq!(pactum::printable("a\tb"), "a\\u{9}b");
/// assert_eq!(pactum::printable("türkiye"), "türkiye");
/// ```
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    escape(s, false)
}

/// JSON text safe to print: the characters serde_json leaves raw but a terminal acts on
/// (DEL, the C1 controls) or that reorder or break text (bidirectional controls, U+2028,
/// U+2029) written as `\uXXXX` escapes. serde_json escapes the other control characters,
/// and outside strings JSON text is ASCII, so every such character is inside a string,
/// where the escape means the same: the result is the same JSON value.
///
/// ```
/// let raw = serde_json::to_string("a\u{2028}b\u{202e}").unwrap();
/// assert_eq!(pactum::printable_json(&raw), "\"a\\u2028b\\u202e\"");
/// ```
pub fn printable_json(text: &str) -> std::borrow::Cow<'_, str> {
    let raw = |c: char| matches!(c, '\u{7F}'..='\u{9F}') || reorders_or_breaks(c);
    if !may_hold_hazard(text.as_bytes(), false) || !text.chars().any(raw) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if raw(c) {
            use std::fmt::Write as _;
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// [`printable`], keeping line feeds: for texts that pactum lays out on several lines.
pub(crate) fn printable_lines(s: &str) -> std::borrow::Cow<'_, str> {
    escape(s, true)
}

/// The text with each hazard (but line feeds, and the CR of a CR LF) replaced by a visible
/// character of the same length in bytes (`?`, `??`, U+FFFD), or `None` when it has none.
fn shown_text(text: &str) -> Option<Arc<str>> {
    let bytes = text.as_bytes();
    let bad = |i: usize, c: char| {
        if c == '\r' {
            bytes.get(i + 1) != Some(&b'\n')
        } else {
            hazard(c, true)
        }
    };
    if !text.char_indices().any(|(i, c)| bad(i, c)) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        if !bad(i, c) {
            out.push(c);
            continue;
        }
        match c.len_utf8() {
            1 => out.push('?'),
            2 => out.push_str("??"),
            _ => out.push('\u{FFFD}'),
        }
    }
    Some(Arc::from(out))
}

/// The line index of a text of one line, shared.
fn one_line() -> Arc<[u32]> {
    static ONE: std::sync::LazyLock<Arc<[u32]>> = std::sync::LazyLock::new(|| Arc::from([0u32]));
    Arc::clone(&ONE)
}

/// The spacing in bytes of the character-count checkpoints of a non-ASCII text.
const CHECKPOINT: usize = 4096;

/// Number of characters in a byte range that starts and ends on character boundaries
/// (counts the bytes that do not continue a multi-byte character).
fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}

/// A byte offset as a `u32`, saturating.
fn to_u32(offset: usize) -> u32 {
    u32::try_from(offset).unwrap_or(u32::MAX)
}

/// What miette's `SourceCode::read_span` returns for a span, as byte offsets and 0-based
/// counts; see [`SourceFile::span_context`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SpanContext {
    /// First byte of the returned text (the start of the first context line).
    pub start: usize,
    /// One past the last byte of the returned text.
    pub end: usize,
    /// 0-based line of `start`, as miette counts lines.
    pub line: usize,
    /// 0-based column of `start`, in bytes, as miette computes it.
    pub column: usize,
    /// The number of line ends miette passes before it stops.
    pub line_count: usize,
}

impl fmt::Debug for SourceFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SourceFile({:?}, {} bytes)",
            self.d.name,
            self.d.text.len()
        )
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
        let bytes = text.as_bytes();
        // A text of one line (a compact JSON request) shares one index instead of
        // allocating its own: whether there is a line break is a test that vectorizes (a
        // fold over blocks, without a branch per byte); `match_indices` of a one-byte
        // pattern then finds them with memchr.
        let one = !bytes
            .chunks(64)
            .any(|block| block.iter().fold(false, |any, &b| any | (b == b'\n')));
        let lines: Arc<[u32]> = if one {
            one_line()
        } else {
            std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| to_u32(i + 1)))
                .collect()
        };
        let ascii = bytes.is_ascii();
        let longest_line = lines
            .iter()
            .map(|&start| start as usize)
            .chain(std::iter::once(bytes.len()))
            .scan(0usize, |prev, start| {
                let len = start.saturating_sub(*prev);
                *prev = start;
                Some(len)
            })
            .max()
            .unwrap_or(0);
        let checkpoints: Arc<[u32]> = if ascii || longest_line <= CHECKPOINT {
            // `Arc::default()` of a slice does not allocate.
            Arc::default()
        } else {
            std::iter::once(0)
                .chain(bytes.chunks(CHECKPOINT).scan(0usize, |count, chunk| {
                    *count += count_chars(chunk);
                    Some(to_u32(*count))
                }))
                .collect()
        };
        // Snippets show a copy without the characters a terminal acts on (lone CRs
        // included, so miette counts lines as `lines` does), made only when there are any.
        let suspect = may_hold_hazard(bytes, true);
        let shown = if suspect { shown_text(&text) } else { None };
        SourceFile {
            d: Arc::new(SourceData {
                name: name.into(),
                text,
                lines,
                ascii,
                checkpoints,
                suspect,
                shown,
            }),
        }
    }

    /// Whether the text may hold a character that a terminal or an editor acts on (a
    /// control other than LF and tab, DEL, or a byte that starts a C1 control, a bidi
    /// control or a line separator). `false` proves there is none, so the hidden-text scan
    /// ([`crate::syntax::hidden_text`]) has nothing to look at.
    pub(crate) fn may_hide(&self) -> bool {
        self.d.suspect
    }

    /// Reads a file for pactum: only a regular file (a FIFO, device, socket or folder is a
    /// diagnostic at once, without blocking), at most `max_bytes` of it whatever the file
    /// system says its size is, and only UTF-8. The source is named by the path as given.
    /// Links are followed: callers that must stay inside a folder check the path first.
    ///
    /// ```
    /// let src = pactum::SourceFile::read("policies/caspian.policy".as_ref(), 1 << 20).unwrap();
    /// assert!(src.text().contains("rule caspian.non_littoral_forces"));
    /// let e = pactum::SourceFile::read("/dev/zero".as_ref(), 1 << 20).unwrap_err();
    /// assert!(e.message.contains("not a regular file"));
    /// assert!(pactum::SourceFile::read("policies".as_ref(), 1 << 20).is_err());
    /// ```
    pub fn read(path: &std::path::Path, max_bytes: usize) -> Result<SourceFile, Diagnostic> {
        use std::io::Read as _;
        let name = path.display().to_string();
        let shown = printable(&name).into_owned();
        let io = |e: std::io::Error| {
            let d = Diagnostic::bare(Code::Io, format!("cannot read `{shown}`: {e}"));
            match e.kind() {
                std::io::ErrorKind::NotFound => d.with_help("check the path"),
                _ => d,
            }
        };
        let mut options = std::fs::OpenOptions::new();
        options.read(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            // Opening a FIFO for reading waits for a writer; without blocking it does not.
            options.custom_flags(libc::O_NONBLOCK);
        }
        let file = options.open(path).map_err(io)?;
        let meta = file.metadata().map_err(io)?;
        if meta.is_file() && meta.len() > max_bytes as u64 {
            return Err(Diagnostic::bare(
                Code::LimitSize,
                format!(
                    "`{shown}` is {} bytes, more than the limit of {max_bytes}",
                    meta.len()
                ),
            )
            .with_help("split the file, or raise `Limits::max_input_bytes` if you embed pactum"));
        }
        if !meta.is_file() {
            let what = if meta.is_dir() {
                "a folder"
            } else {
                special_kind(&meta)
            };
            return Err(Diagnostic::bare(
                Code::Io,
                format!("`{shown}` is not a regular file: it is {what}"),
            )
            .with_help("pactum reads regular files only; pass the file itself"));
        }
        let mut bytes = Vec::new();
        let cap = u64::try_from(max_bytes)
            .unwrap_or(u64::MAX)
            .saturating_add(1);
        file.take(cap).read_to_end(&mut bytes).map_err(io)?;
        if bytes.len() > max_bytes {
            return Err(Diagnostic::bare(
                Code::LimitSize,
                format!("`{shown}` is more than the limit of {max_bytes} bytes"),
            )
            .with_help("split the file, or raise `Limits::max_input_bytes` if you embed pactum"));
        }
        let text = String::from_utf8(bytes).map_err(|e| {
            Diagnostic::bare(
                Code::NotUtf8,
                format!(
                    "`{shown}` is not UTF-8: invalid byte at offset {}",
                    e.utf8_error().valid_up_to()
                ),
            )
            .with_help("save the file as UTF-8")
        })?;
        Ok(SourceFile::new(name, text))
    }

    /// The text as snippets show it: [`SourceFile::text`] with every control and
    /// bidirectional character replaced by a visible one of the same length in bytes.
    pub(crate) fn shown(&self) -> &str {
        self.d.shown.as_deref().unwrap_or(&self.d.text)
    }

    /// The file's name as given.
    pub fn name(&self) -> &str {
        &self.d.name
    }

    /// The file's text.
    pub fn text(&self) -> &str {
        &self.d.text
    }

    /// The text under a span, or `""` when the span is out of range or splits a character.
    pub fn slice(&self, span: Span) -> &str {
        self.d
            .text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }

    /// Line and column of a byte offset, clamped to the file and to a character boundary.
    ///
    /// O(log n) in the number of lines, plus a character count over at most
    /// `2 * CHECKPOINT` bytes, whatever the length of the line.
    pub fn line_col(&self, offset: u32) -> LineCol {
        let offset = self.clamp_offset(offset as usize);
        let off = to_u32(offset);
        // The last line start at or before the offset.
        let idx = self
            .d
            .lines
            .partition_point(|&start| start <= off)
            .saturating_sub(1);
        let line = idx + 1;
        let line_start = self.d.lines.get(idx).copied().unwrap_or(0) as usize;
        let column = self.chars_between(line_start, offset) + 1;
        LineCol {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }

    /// The number of characters between two character boundaries `from <= to`.
    fn chars_between(&self, from: usize, to: usize) -> usize {
        let width = to.saturating_sub(from);
        if self.d.ascii {
            return width;
        }
        let bytes = self.d.text.as_bytes();
        if width > CHECKPOINT {
            if let (Some(a), Some(b)) = (self.chars_before(from), self.chars_before(to)) {
                return b.saturating_sub(a);
            }
        }
        count_chars(bytes.get(from..to).unwrap_or(&[]))
    }

    /// The number of characters before a character boundary, from the checkpoints
    /// (`None` when there are none).
    fn chars_before(&self, offset: usize) -> Option<usize> {
        let chunk = offset / CHECKPOINT;
        let base = *self.d.checkpoints.get(chunk)? as usize;
        let window = self.d.text.as_bytes().get(chunk * CHECKPOINT..offset)?;
        Some(base + count_chars(window))
    }

    /// A byte offset clamped to the file and back to a character boundary.
    fn clamp_offset(&self, offset: usize) -> usize {
        let text: &str = &self.d.text;
        let mut o = offset.min(text.len());
        while o > 0 && !text.is_char_boundary(o) {
            o -= 1;
        }
        o
    }

    /// The length in bytes of the longest line a snippet of `span` shows: the lines it
    /// covers and one line of context on each side.
    pub(crate) fn snippet_width(&self, span: Span) -> usize {
        let line_of = |offset: u32| {
            self.d
                .lines
                .partition_point(|&start| start <= offset)
                .saturating_sub(1)
        };
        let first = line_of(span.start).saturating_sub(1);
        let last = line_of(span.end)
            .saturating_add(1)
            .min(self.d.lines.len().saturating_sub(1));
        (first..=last).map(|i| self.line_len(i)).max().unwrap_or(0)
    }

    /// The length in bytes of line `idx` (0-based), without its line break.
    fn line_len(&self, idx: usize) -> usize {
        let start = self.d.lines.get(idx).map_or(0, |&s| s as usize);
        let end = self
            .d
            .lines
            .get(idx + 1)
            .map_or(self.d.text.len(), |&s| s as usize);
        let line = self.d.text.as_bytes().get(start..end).unwrap_or(&[]);
        let trimmed = line.strip_suffix(b"\n").unwrap_or(line);
        trimmed.strip_suffix(b"\r").unwrap_or(trimmed).len()
    }

    /// Clamps a span to the file and to character boundaries, so renderers never panic.
    pub fn clamp(&self, span: Span) -> Span {
        Span::new(
            self.clamp_offset(span.start as usize),
            self.clamp_offset(span.end as usize),
        )
    }

    /// The text miette's `SourceCode::read_span` for `str` would return for a span
    /// (`offset`, `len`) with the given numbers of context lines, computed from the line
    /// index instead of by scanning the text from its start: O(log n) plus the number of
    /// lines returned, whatever the position of the span and the length of its lines.
    ///
    /// The result is identical (text, span, line, column, line count) to miette 7's, quirks
    /// included: lines end at `\n` or `\r\n` (the text it reads has no lone `\r`: snippets show one as `?`); line and column are 0-based and
    /// the column counts bytes; the column is 0 when there are context lines before, and
    /// also when the scan passes a line end after the span (it does with context lines
    /// after). The span is first clamped to the file and to character boundaries, like
    /// [`SourceFile::clamp`], so this never fails or panics where miette would (a span
    /// past the end of the file).
    pub(crate) fn span_context(
        &self,
        offset: usize,
        len: usize,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> SpanContext {
        let bytes = self.d.text.as_bytes();
        let n = bytes.len();
        let s = self.clamp_offset(offset);
        let e = self.clamp_offset(offset.saturating_add(len)).max(s);
        let l = e - s;
        let starts: &[u32] = &self.d.lines;
        let start_of = |i: usize| starts.get(i).map_or(n, |&x| (x as usize).min(n));
        // miette's two thresholds: a line end at or past `line_end_after` is after the
        // span; a byte at or past `post` ends the span.
        let line_end_after = s + l.saturating_sub(1);
        let post = e.saturating_sub(1);
        let after = context_lines_after;

        // Skip in one step the lines that end before `s - 1`: miette only counts them
        // (each is a line before the span) and resets the column.
        let mut i = starts
            .partition_point(|&x| (x as usize) < s)
            .saturating_sub(1);
        let mut lines_before = i;
        let mut line_count = i;
        let mut column = 0usize;
        let mut post_span = false;
        let mut post_span_got_newline = false;
        let mut end_lines = 0usize;
        let end;
        loop {
            let o = start_of(i);
            // The line end of line `i`: its last byte `t` and its first byte `tb`.
            let terminator = (i + 1 < starts.len()).then(|| {
                let t = start_of(i + 1).saturating_sub(1).max(o);
                let crlf =
                    t > o && bytes.get(t) == Some(&b'\n') && bytes.get(t - 1) == Some(&b'\r');
                (if crlf { t - 1 } else { t }, t)
            });
            let run_end = terminator.map_or(n, |(tb, _)| tb);
            // The bytes [o, run_end) are not line ends.
            column += run_end.min(s).saturating_sub(o);
            let p = o.max(post);
            if p < run_end {
                post_span = true;
                if end_lines >= after {
                    end = p + 1;
                    break;
                }
            }
            let Some((_, t)) = terminator else {
                end = n;
                break;
            };
            line_count += 1;
            if t < s {
                column = 0;
                lines_before += 1;
            } else if t >= line_end_after && post_span {
                column = 0;
                if post_span_got_newline {
                    end_lines += 1;
                } else {
                    post_span_got_newline = true;
                }
                if end_lines >= after {
                    end = t + 1;
                    break;
                }
            }
            if t >= post {
                post_span = true;
                if end_lines >= after {
                    end = t + 1;
                    break;
                }
            }
            i += 1;
        }
        let kept = lines_before.min(context_lines_before);
        let start = if kept > 0 {
            start_of(lines_before - kept)
        } else if context_lines_before == 0 {
            s
        } else {
            0
        };
        SpanContext {
            start,
            end,
            line: lines_before - kept,
            column: if context_lines_before == 0 { column } else { 0 },
            line_count,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte test never clears a character that one of the close looks would escape:
    /// checked for every character.
    #[test]
    fn the_byte_test_flags_every_hazard() {
        let mut buf = [0u8; 4];
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let bytes = c.encode_utf8(&mut buf).as_bytes();
            let escaped = c == '\t' || hazard(c, false) || matches!(c, '\u{7F}'..='\u{9F}');
            if escaped {
                assert!(may_hold_hazard(bytes, false), "{c:?}");
            }
            if hazard(c, true) {
                assert!(may_hold_hazard(bytes, true), "{c:?}");
            }
        }
        assert!(!may_hold_hazard(
            "plain text, türkiye, 日本".as_bytes(),
            false
        ));
        assert!(!may_hold_hazard(b"two\n\tlines", true));
        assert!(may_hold_hazard(b"two\nlines", false));
    }

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

    /// Line and column by counting from the start of the text.
    fn naive_line_col(text: &str, offset: usize) -> LineCol {
        let mut o = offset.min(text.len());
        while !text.is_char_boundary(o) {
            o -= 1;
        }
        let before = &text[..o];
        let line = before.matches('\n').count() as u32 + 1;
        let start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[start..].chars().count() as u32 + 1;
        LineCol { line, column }
    }

    /// Texts of one to four lines of up to about 9 KiB (4 KiB on average), mixing ASCII and
    /// multi-byte characters, so that most have a line longer than `CHECKPOINT`.
    fn long_line_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let piece = prop_oneof![
            20 => Just("abcdefghijklmnopqrstuvwxyz"),
            10 => Just("a"),
            5 => Just("é"),
            5 => Just("ب"),
            3 => Just("😀"),
        ];
        let line = (
            proptest::collection::vec(piece, 0..700),
            prop_oneof![Just("\n"), Just("\r\n"), Just("")],
        )
            .prop_map(|(pieces, end)| pieces.concat() + end);
        proptest::collection::vec(line, 1..5).prop_map(|lines| lines.concat())
    }

    proptest::proptest! {
        #[test]
        fn line_col_on_long_lines_agrees_with_a_naive_count(
            text in long_line_text(),
            offsets in proptest::collection::vec(
                proptest::prelude::any::<proptest::sample::Index>(),
                1..20,
            ),
        ) {
            let f = SourceFile::new("t", text.as_str());
            for index in offsets {
                let offset = index.index(text.len() + 8);
                proptest::prop_assert_eq!(
                    f.line_col(offset as u32),
                    naive_line_col(&text, offset)
                );
            }
        }
    }

    #[test]
    fn line_col_uses_checkpoints_on_long_non_ascii_lines() {
        // one line of 20 KiB with a two-byte character every 100 bytes
        let line: String = (0..200).map(|_| format!("{}é", "x".repeat(98))).collect();
        let text = format!("a\n{line}\nb");
        let f = SourceFile::new("t", text.as_str());
        assert!(!f.d.ascii);
        assert_eq!(f.d.checkpoints.len(), text.len().div_ceil(CHECKPOINT) + 1);
        for offset in [
            0, 1, 2, 3, 100, 101, 4096, 4097, 10_000, 20_000, 20_002, 20_003, 99_999,
        ] {
            assert_eq!(
                f.line_col(offset),
                naive_line_col(&text, offset as usize),
                "{offset}"
            );
        }
        // short lines or an ASCII text need no checkpoints
        assert!(
            SourceFile::new("t", "é\n".repeat(10_000))
                .d
                .checkpoints
                .is_empty()
        );
        let ascii = SourceFile::new("t", "x".repeat(10_000));
        assert!(ascii.d.ascii && ascii.d.checkpoints.is_empty());
        assert_eq!(
            ascii.line_col(9_000),
            LineCol {
                line: 1,
                column: 9_001
            }
        );
    }

    #[test]
    fn clamp_never_splits_characters() {
        let f = SourceFile::new("t", "é");
        assert_eq!(f.clamp(Span::new(1, 5)), Span::new(0, 2));
    }
}
