//! Comments, which neither syntax tree keeps: found in the source text (outside strings),
//! then handed out in source order as the printer reaches the tokens after them.
//!
//! Every token the printer writes goes through a [`Cursor`], in source order, with its
//! position; the comments before that position come out first. So every comment is
//! printed once, in its order, next to the tokens it was between (what is left at the end
//! comes out at the end of the file). Where it goes:
//!
//! - a comment after a token on the same line (trailing) stays after it: a block comment
//!   right there, a line comment at the end of the line (which ends there if more code
//!   would follow on it);
//! - a block comment with the next token after it on its line (leading: `/* i */ russia`)
//!   stays right before that token, wherever the line breaks;
//! - a comment on a line of its own stays on a line of its own above the next item,
//!   field, clause, entry or list element, or above the closing bracket; inside an
//!   expression, right before the token after it (`Doc::OwnLine`).
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

/// Where a comment stands between the last token printed and the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// After the last token, on its line (and not [`Place::Leading`]).
    Trailing,
    /// On a line of its own (nothing but comments before it on its line, and none of
    /// code after it).
    OwnLine,
    /// A block comment with the next token after it on its line (`/* i */ russia`): it
    /// stays right before that token. (Not before a comma or a closing bracket: then it
    /// stays after the token before, as `iran /* i */,`.)
    Leading,
}

/// A position of a [`Cursor`] (see [`Cursor::mark`]).
#[derive(Debug, Clone)]
pub(crate) struct Mark {
    next: usize,
    last_end: usize,
    printed: bool,
    skipped: Option<std::ops::Range<usize>>,
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
    /// A comma that [`Cursor::skip`] passed over with comments before it still to come:
    /// [`Cursor::next_token`] takes it as white space until the next token.
    skipped: Option<std::ops::Range<usize>>,
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
            skipped: None,
        }
    }

    /// A cursor without a source: no comments, no positions.
    pub(crate) fn none() -> Self {
        Cursor::new("", Vec::new())
    }

    fn gap(&self, end: usize) -> &str {
        self.source.get(self.last_end.min(end)..end).unwrap_or("")
    }

    /// Where comment `c`, the next one, stands (see [`Place`]).
    fn place(&self, c: &Comment) -> Place {
        if c.text.starts_with("/*") && self.token_follows(c.end) {
            Place::Leading
        } else if !self.printed || has_break(self.gap(c.start)) {
            Place::OwnLine
        } else {
            Place::Trailing
        }
    }

    /// Whether a token other than a comma or a closing bracket follows `pos` on its line
    /// (past spaces and block comments).
    fn token_follows(&self, pos: usize) -> bool {
        let mut pos = pos;
        loop {
            let rest = self.source.get(pos..).unwrap_or("");
            // A byte order mark inside a file is whitespace to the grammar, so here too.
            let t = rest.trim_start_matches([' ', '\t', '\u{FEFF}']);
            pos += rest.len() - t.len();
            if t.starts_with("/*") {
                match self.comments.iter().find(|c| c.start == pos) {
                    Some(c) => pos = c.end,
                    None => return false,
                }
                continue;
            }
            return !(t.is_empty()
                || t.starts_with("//")
                || t.starts_with(['\n', '\r', ',', ')', ']', '}', ':']));
        }
    }

    /// The next comment if it is before `pos` and stands after the last token on its line.
    fn pending_trailing(&self, pos: usize) -> Option<Comment> {
        self.pending(pos)
            .filter(|c| self.place(c) == Place::Trailing)
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
            if let Some(r) = self.skipped.as_ref().filter(|r| r.start == pos) {
                pos = r.end;
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
        self.skipped = None;
        self.printed = true;
        self.following(&mut v);
        Doc::Cat(v)
    }

    /// The comments before `pos`, a token inside an expression: a comment on a line of its
    /// own stays on a line of its own (with the comments after it on that line) right
    /// before the token; a block comment before the token on its line stays inline; a
    /// line comment after the last token goes to the end of the line.
    fn defer_to_line_end(&mut self, pos: usize, v: &mut Vec<Doc>) {
        while let Some(c) = self.pending(pos) {
            let place = self.place(&c);
            self.last_end = c.end;
            self.next += 1;
            match place {
                Place::OwnLine => {
                    let mut line = vec![text(c.text.clone())];
                    self.same_line(pos, &mut line);
                    v.push(Doc::OwnLine(Box::new(Doc::Cat(line))));
                }
                _ if c.text.starts_with("/*") => v.push(Doc::Comment(c.text.clone())),
                _ => v.push(Doc::Suffix(format!(" {}", c.text))),
            }
        }
    }

    /// Before a possible line break inside an expression: the comments after the last
    /// token on its line go to the end of the line that the break may end (the others
    /// come out with the next token).
    pub(crate) fn before_break(&mut self) -> Doc {
        if self.source.is_empty() {
            return Doc::Nil;
        }
        let pos = self.next_token(self.last_end);
        self.trailing(pos)
    }

    /// The comments right after the last token, on its line: a block comment stays there,
    /// a line comment goes to the end of the line.
    fn following(&mut self, v: &mut Vec<Doc>) {
        while let Some(c) = self.comments.get(self.next).cloned() {
            let gap = self.source.get(self.last_end..c.start).unwrap_or("x");
            if !gap
                .chars()
                .all(|c| matches!(c, ' ' | '\t' | '\r' | '\u{FEFF}'))
                || self.place(&c) != Place::Trailing
            {
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
            // comments between the last token and the comma, on its line: right after the
            // token (the others, on lines of their own, come out before the next element)
            while let Some(c) = self.pending_trailing(at) {
                v.push(if c.text.starts_with("/*") {
                    Doc::Comment(c.text.clone())
                } else {
                    Doc::Suffix(format!(" {}", c.text))
                });
                self.last_end = c.end;
                self.next += 1;
            }
            if self.pending(at).is_some() {
                // comments on lines of their own before the comma: they stay pending, for
                // the next element, and the comma is passed over as white space
                self.skipped = Some(at..at + s.len());
            } else {
                self.last_end = at + s.len();
                self.following(&mut v);
            }
        }
        Doc::Cat(v)
    }

    /// The comments before `pos` on the line of the last token: to the end of that line.
    /// Called before the line break that ends it.
    pub(crate) fn trailing(&mut self, pos: usize) -> Doc {
        let mut v = Vec::new();
        while let Some(c) = self.pending_trailing(pos) {
            v.push(if c.text.starts_with("/*") {
                Doc::Comment(c.text.clone())
            } else {
                Doc::Suffix(format!(" {}", c.text))
            });
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
            let place = self.place(&c);
            // on a line of its own, whether the group around is broken or not
            if place == Place::OwnLine {
                v.push(Doc::LineStart);
                if keep_blank && blank && (blank_first || !first) {
                    v.push(Doc::CommentBreak);
                }
            }
            first = false;
            self.last_end = c.end;
            self.next += 1;
            if place == Place::Leading {
                // `/* b */ c`: before the node, on its line
                v.push(Doc::Comment(c.text.clone()));
                continue;
            }
            v.push(text(c.text.clone()));
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

    /// Whether a comment that ends its line is between `a` and `b`: a line comment, or a
    /// block comment with a line break after it.
    pub(crate) fn line_ending_comment_within(&self, a: usize, b: usize) -> bool {
        self.comments.iter().any(|c| {
            c.start >= a
                && c.end <= b
                && (c.text.starts_with("//")
                    || !self.token_follows(c.end) && {
                        let rest = self.slice(c.end, b);
                        rest.trim_start_matches([' ', '\t', '\r', '\u{FEFF}'])
                            .starts_with('\n')
                    })
        })
    }

    /// Whether a comment on a line of its own is between `a` and `b` (not a block comment
    /// with code after it on its line: that one stays with the code).
    pub(crate) fn own_line_comment_within(&self, a: usize, b: usize) -> bool {
        self.comments.iter().any(|c| {
            c.start >= a
                && c.end <= b
                && !(c.text.starts_with("/*") && self.token_follows(c.end))
                && {
                    let before = self.slice(a, c.start);
                    let line = before.rsplit('\n').next().unwrap_or("");
                    before.contains('\n') && line.trim().is_empty()
                }
        })
    }

    /// Where the cursor is, to print a part again with [`Cursor::reset`].
    pub(crate) fn mark(&self) -> Mark {
        Mark {
            next: self.next,
            last_end: self.last_end,
            printed: self.printed,
            skipped: self.skipped.clone(),
        }
    }

    /// Back to `mark`: the comments after it are handed out again.
    pub(crate) fn reset(&mut self, mark: Mark) {
        self.next = mark.next;
        self.last_end = mark.last_end;
        self.printed = mark.printed;
        self.skipped = mark.skipped;
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
