//! Comments, which neither syntax tree keeps: found in the source text (outside strings),
//! then handed out in source order as the printer reaches the tokens after them.
//!
//! Every token the printer writes goes through a [`Cursor`], in source order, with its
//! position; the comments before that position come out first. So every comment is
//! printed once, in its order, next to the tokens it was between (what is left at the end
//! comes out at the end of the file). Where it goes:
//!
//! - a comment after a token on the same line (trailing) stays after it: a block comment
//!   right there, a line comment at the end of the line;
//! - a comment on a line of its own (leading) stays on a line of its own above the next
//!   item, field, clause, entry or list element, or above the closing bracket;
//! - a comment on a line of its own where no line starts (inside an expression) goes to
//!   the end of the line before it (a line comment, and a block comment behind one),
//!   each after the first on a line of its own.
//!
//! Blank lines before and between leading comments are kept where the printer keeps blank
//! lines (between items, fields, clauses and entries), at most one. A comment never breaks
//! a group (see `doc.rs`), so where it sits does not change the layout of the code around
//! it, and formatting again finds the same layout.

use super::doc::{Doc, text};

/// A comment of the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Comment {
    /// Where it starts (`//` or `/*`).
    pub(crate) start: usize,
    /// Where it ends (before the line break of a line comment).
    pub(crate) end: usize,
    /// Its text, with the line break's CR and trailing spaces of a line comment removed,
    /// and a block comment's CRLF as LF.
    pub(crate) text: String,
}

/// The comments of a text: `//` to the end of the line and, when `blocks`, `/* ... */`;
/// strings (`"..."`, with backslash escapes) are skipped. For a text that parses, the
/// grammar allows nothing else that holds `/` or `"`.
pub(crate) fn scan(source: &str, blocks: bool) -> Vec<Comment> {
    let bytes = source.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let end = source
                    .get(i..)
                    .and_then(|t| t.find('\n'))
                    .map_or(bytes.len(), |n| i + n);
                let body = source.get(i..end).unwrap_or("");
                out.push(Comment {
                    start: i,
                    end,
                    text: body.trim_end().to_string(),
                });
                i = end;
            }
            b'/' if blocks && bytes.get(i + 1) == Some(&b'*') => {
                let end = source
                    .get(i + 2..)
                    .and_then(|t| t.find("*/"))
                    .map_or(bytes.len(), |n| i + 2 + n + 2);
                let body = source.get(i..end).unwrap_or("");
                out.push(Comment {
                    start: i,
                    end,
                    text: body.replace("\r\n", "\n"),
                });
                i = end;
            }
            b'"' => {
                i += 1;
                while let Some(&c) = bytes.get(i) {
                    match c {
                        b'\\' => i += 2,
                        b'"' | b'\n' => break,
                        _ => i += 1,
                    }
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    out
}

fn has_break(gap: &str) -> bool {
    gap.contains('\n')
}

fn has_blank_line(gap: &str) -> bool {
    gap.bytes().filter(|&b| b == b'\n').count() >= 2
}

/// Hands out the comments of a source as the printer reaches the tokens after them.
#[derive(Debug)]
pub(crate) struct Cursor<'a> {
    /// The source; empty when printing a model that has none (every call then gives no
    /// comments).
    source: &'a str,
    comments: Vec<Comment>,
    /// The first comment not yet printed.
    next: usize,
    /// The end of the last token (or comment) printed.
    last_end: usize,
    /// Whether any token has been printed.
    printed: bool,
}

impl<'a> Cursor<'a> {
    /// A cursor over the comments of `source`.
    pub(crate) fn new(source: &'a str, comments: Vec<Comment>) -> Self {
        Cursor {
            source,
            comments,
            next: 0,
            last_end: 0,
            printed: false,
        }
    }

    /// A cursor without a source: no comments, no positions.
    pub(crate) fn none() -> Self {
        Cursor::new("", Vec::new())
    }

    fn gap(&self, end: usize) -> &str {
        self.source.get(self.last_end.min(end)..end).unwrap_or("")
    }

    fn pending(&self, pos: usize) -> Option<Comment> {
        self.comments
            .get(self.next)
            .filter(|c| c.start < pos)
            .cloned()
    }

    /// Where the next token at or after `from` starts: past white space and comments.
    pub(crate) fn next_token(&self, from: usize) -> usize {
        let bytes = self.source.as_bytes();
        let mut pos = from;
        let mut k = self.next;
        loop {
            while bytes
                .get(pos)
                .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
            {
                pos += 1;
            }
            if self
                .source
                .get(pos..)
                .is_some_and(|t| t.starts_with('\u{FEFF}'))
            {
                pos += '\u{FEFF}'.len_utf8();
                continue;
            }
            while self.comments.get(k).is_some_and(|c| c.end <= pos) {
                k += 1;
            }
            match self.comments.get(k) {
                Some(c) if c.start == pos => pos = c.end,
                _ => return pos,
            }
        }
    }

    /// The comments before `pos` that no token took (see the module doc), then `s`, the
    /// token at `start..end`, then the comments that follow it on its line.
    pub(crate) fn token(&mut self, start: usize, end: usize, s: &str) -> Doc {
        let mut v = Vec::new();
        self.defer_to_line_end(start, &mut v);
        v.push(text(s));
        if !self.source.is_empty() {
            self.last_end = end;
        }
        self.printed = true;
        self.following(&mut v);
        Doc::Cat(v)
    }

    /// The comments before `pos`, where no line may start: a block comment on the line of
    /// the last token stays inline; the others go to the end of the line (each after the
    /// first on a line of its own).
    fn defer_to_line_end(&mut self, pos: usize, v: &mut Vec<Doc>) {
        while let Some(c) = self.pending(pos) {
            if c.text.starts_with("/*") {
                v.push(Doc::Comment(c.text.clone()));
            } else {
                v.push(Doc::Suffix(format!(" {}", c.text)));
            }
            self.last_end = c.end;
            self.next += 1;
        }
    }

    /// Before a possible line break inside an expression: the comments up to the next
    /// token go to the end of the line that the break may end.
    pub(crate) fn before_break(&mut self) -> Doc {
        if self.source.is_empty() {
            return Doc::Nil;
        }
        let pos = self.next_token(self.last_end);
        let mut v = Vec::new();
        self.defer_to_line_end(pos, &mut v);
        Doc::Cat(v)
    }

    /// The comments right after the last token, on its line: a block comment stays there,
    /// a line comment goes to the end of the line.
    fn following(&mut self, v: &mut Vec<Doc>) {
        while let Some(c) = self.comments.get(self.next).cloned() {
            let gap = self.source.get(self.last_end..c.start).unwrap_or("x");
            if !gap.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r')) {
                break;
            }
            if c.text.starts_with("/*") {
                v.push(Doc::Comment(c.text.clone()));
            } else {
                v.push(Doc::Suffix(format!(" {}", c.text)));
            }
            self.last_end = c.end;
            self.next += 1;
        }
    }

    /// A literal token (a keyword, a bracket) that the tree does not locate: it is the
    /// next token of the source.
    pub(crate) fn lit(&mut self, s: &str) -> Doc {
        if self.source.is_empty() {
            return text(s);
        }
        let at = self.next_token(self.last_end);
        self.token(at, at + s.len(), s)
    }

    /// Steps past the literal `s` if it is the next token (an optional comma, which the
    /// printer writes itself): what it gives is the comments that follow it on its line.
    pub(crate) fn skip(&mut self, s: &str) -> Doc {
        let mut v = Vec::new();
        if self.source.is_empty() {
            return Doc::Nil;
        }
        let at = self.next_token(self.last_end);
        if self.source.get(at..).is_some_and(|t| t.starts_with(s)) {
            // comments between the last token and the comma: right after the token
            while let Some(c) = self.pending(at) {
                v.push(Doc::Suffix(format!(" {}", c.text)));
                self.last_end = c.end;
                self.next += 1;
            }
            self.last_end = at + s.len();
            self.following(&mut v);
        }
        Doc::Cat(v)
    }

    /// The comments before `pos` on the line of the last token: to the end of that line.
    /// Called before the line break that ends it.
    pub(crate) fn trailing(&mut self, pos: usize) -> Doc {
        let mut v = Vec::new();
        while let Some(c) = self.pending(pos) {
            if !self.printed || has_break(self.gap(c.start)) {
                break;
            }
            v.push(Doc::Suffix(format!(" {}", c.text)));
            self.last_end = c.end;
            self.next += 1;
        }
        Doc::Cat(v)
    }

    /// The rest of a line of comments that starts with the one just taken.
    fn same_line(&mut self, pos: usize, v: &mut Vec<Doc>) {
        while let Some(c) = self.pending(pos) {
            if has_break(self.gap(c.start)) {
                break;
            }
            v.push(text(format!(" {}", c.text)));
            self.last_end = c.end;
            self.next += 1;
        }
    }

    /// At the start of a line, before the node at `pos`: the comments before it, each line
    /// of them followed by a line break; then a blank line if the source has one before
    /// the node. Blank lines are kept only when `keep_blank`, and not before the first
    /// thing printed here unless `blank_first`.
    pub(crate) fn before(&mut self, pos: usize, keep_blank: bool, blank_first: bool) -> Doc {
        let mut v = self.trailing(pos).into_vec();
        let mut first = true;
        while let Some(c) = self.pending(pos) {
            let blank = has_blank_line(self.gap(c.start));
            // on a line of its own, whether the group around is broken or not
            v.push(Doc::LineStart);
            if keep_blank && blank && (blank_first || !first) {
                v.push(Doc::CommentBreak);
            }
            first = false;
            v.push(text(c.text.clone()));
            self.last_end = c.end;
            self.next += 1;
            self.same_line(pos, &mut v);
            v.push(Doc::CommentBreak);
        }
        if keep_blank && has_blank_line(self.gap(pos)) && (blank_first || !first) {
            v.push(Doc::CommentBreak);
        }
        Doc::Cat(v)
    }

    /// Before a closing bracket (or the end of the file) at `pos`, inside the block it
    /// closes: the comments before it, each line of them after a line break.
    pub(crate) fn after(&mut self, pos: usize, keep_blank: bool) -> Doc {
        let mut v = self.trailing(pos).into_vec();
        while let Some(c) = self.pending(pos) {
            let blank = has_blank_line(self.gap(c.start));
            if self.printed || !v.is_empty() {
                if keep_blank && blank {
                    v.push(Doc::CommentBreak);
                }
                v.push(Doc::CommentBreak);
            }
            v.push(text(c.text.clone()));
            self.last_end = c.end;
            self.next += 1;
            self.same_line(pos, &mut v);
            // the closing bracket goes on the next line
            v.push(Doc::NeedBreak);
        }
        if !self.source.is_empty() {
            v.push(Doc::CloseNext);
        }
        Doc::Cat(v)
    }

    /// The source text between two positions (empty without a source).
    pub(crate) fn slice(&self, start: usize, end: usize) -> &'a str {
        self.source.get(start..end).unwrap_or("")
    }

    /// Where a node's code ends: the end of `span` without the white space and comments
    /// that the parser lets trail inside a node.
    pub(crate) fn content_end(&self, span: pest::Span<'_>) -> usize {
        let mut end = span.end();
        loop {
            let text = self.source.get(span.start()..end).unwrap_or("");
            end = span.start() + text.trim_end().len();
            match self
                .comments
                .iter()
                .find(|c| c.end == end && c.start >= span.start())
            {
                Some(c) => end = c.start,
                None => return end,
            }
        }
    }

    /// Whether the source breaks a line between `a` and `b` where no comment is (a comment
    /// brings its own line breaks, wherever it came from).
    pub(crate) fn breaks_line(&self, a: usize, b: usize) -> bool {
        !self.comments.iter().any(|c| c.start < b && c.end > a) && self.slice(a, b).contains('\n')
    }

    /// Whether a line comment is between `a` and `b`.
    pub(crate) fn line_comment_within(&self, a: usize, b: usize) -> bool {
        self.comments
            .iter()
            .any(|c| c.start >= a && c.end <= b && c.text.starts_with("//"))
    }

    /// The length of the source.
    pub(crate) fn len(&self) -> usize {
        self.source.len()
    }

    /// The end of the last token or comment printed.
    pub(crate) fn last_end(&self) -> usize {
        self.last_end
    }

    /// Whether a source is there.
    pub(crate) fn has_source(&self) -> bool {
        !self.source.is_empty()
    }
}

impl Doc {
    /// The parts of a concatenation (a document of one part otherwise).
    fn into_vec(self) -> Vec<Doc> {
        match self {
            Doc::Cat(v) => v,
            d => vec![d],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_found_outside_strings() {
        let t = "a \"// not\" // yes\r\n/* b\r\n c */ \"/*\" x";
        let c = scan(t, true);
        let texts: Vec<&str> = c.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, ["// yes", "/* b\n c */"]);
        let c = scan(t, false);
        assert_eq!(c.len(), 1);
    }
}
