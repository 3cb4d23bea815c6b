//! A small Wadler-style document algebra and its printer (in the manner of Prettier's):
//! text, line breaks that a group may print flat (as a space, or as nothing), forced line
//! breaks, nesting, and what comments need: a line suffix (a `//` comment, printed just
//! before the next line break, which it forces even in a flat group), an inline block
//! comment, and a line start (a comment on a line of its own) that break no group: where
//! a comment sits never changes how the code around it is laid out, so formatting again
//! finds the same layout.
//!
//! A group is printed flat when its flat form fits in what is left of the line, up to the
//! next possible line break after it; otherwise its lines break. A forced line break
//! (`Hard`, as between the arms of a `match`) does not break the group around it: the text
//! before it is measured as the rest of the line, and the groups after it are laid out
//! again.
//! Widths count characters, not bytes: Arabic and Turkish text is as wide as it looks.

/// A document.
#[derive(Debug, Clone)]
pub(crate) enum Doc {
    /// Nothing.
    Nil,
    /// Text without line breaks (a block comment may hold some: it is measured by its
    /// first line and leaves the column after its last).
    Text(String),
    /// A space when flat, a line break when broken.
    Line,
    /// Nothing when flat, a line break when broken.
    Soft,
    /// Always a line break.
    Hard,
    /// Always a line break, around a comment on a line of its own: measuring a group goes
    /// on past it (a comment's line breaks do not end the group's line), where it stops
    /// at a `Hard`.
    CommentBreak,
    /// Marks the end of a block's content: line comments that wait for the end of the
    /// line and go on lines of their own there are indented as the block's content.
    CloseNext,
    /// A line break unless the line is empty so far (a comment on a line of its own),
    /// without breaking the group around it.
    LineStart,
    /// The next `Line` or `Soft` breaks (after a comment on a line of its own).
    NeedBreak,
    /// A line of comments on a line of its own inside an expression, printed flat: at the
    /// start of the line if the line is empty so far, else on the next line, indented by
    /// two more spaces; what follows starts the line after it, indented as the comment.
    /// Like `LineStart`, it breaks no group.
    OwnLine(Box<Doc>),
    /// Printed before the next line break (a trailing comment); the next `Line` or `Soft`
    /// breaks even in a flat group.
    Suffix(String),
    /// A block comment inline: printed as text, unless a line comment waits for the end of
    /// the line (then after it, on a line of its own: the comments keep their order).
    Comment(String),
    /// The first when its group is broken, the second when flat.
    IfBreak(Box<Doc>, Box<Doc>),
    /// The document with its line breaks indented by this many more spaces.
    Nest(usize, Box<Doc>),
    /// A group: flat if it fits, broken otherwise.
    Group(Box<Doc>),
    /// A group of a block (`{ ... }` of a fact or an enum): as a group, but broken when it
    /// starts while a line comment waits for the end of the line (the comment then ends
    /// up inside the block, which a comment inside breaks).
    Block(Box<Doc>),
    /// A group that is always broken, without breaking the groups around it (the arms of
    /// a `match`: `def f(s) = match s {` stays on one line).
    Broken(Box<Doc>),
    /// The documents one after another.
    Cat(Vec<Doc>),
}

/// Text.
pub(crate) fn text(s: impl Into<String>) -> Doc {
    Doc::Text(s.into())
}

/// The documents one after another.
pub(crate) fn cat(docs: Vec<Doc>) -> Doc {
    Doc::Cat(docs)
}

/// Nested by `n` more spaces.
pub(crate) fn nest(n: usize, d: Doc) -> Doc {
    Doc::Nest(n, Box::new(d))
}

/// A group: flat if it fits, broken otherwise.
pub(crate) fn group(d: Doc) -> Doc {
    Doc::Group(Box::new(d))
}

/// A block's group (see [`Doc::Block`]).
pub(crate) fn block(d: Doc) -> Doc {
    Doc::Block(Box::new(d))
}

/// A group always broken (see [`Doc::Broken`]).
pub(crate) fn broken(d: Doc) -> Doc {
    Doc::Broken(Box::new(d))
}

/// `broken` when the enclosing group breaks, `flat` otherwise.
/// A line break indented by two more spaces (what follows it is not: a `match` after an
/// operator keeps its arms two spaces in from the clause).
pub(crate) fn brk() -> Doc {
    nest(2, Doc::Line)
}

pub(crate) fn if_break(broken: Doc, flat: Doc) -> Doc {
    Doc::IfBreak(Box::new(broken), Box::new(flat))
}

/// Whether a document prints nothing at all.
pub(crate) fn is_empty(d: &Doc) -> bool {
    match d {
        Doc::Nil | Doc::CloseNext => true,
        Doc::Cat(v) => v.iter().all(is_empty),
        _ => false,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Flat,
    Break,
}

/// Whether a line comment that waits for the end of the line ends it before text `s`: not
/// before white space, a comma or a bracket (which stay on the line, before the comment).
fn ends_line_before(s: &str) -> bool {
    let t = s.trim_start();
    !t.is_empty() && !t.starts_with([',', ')', ']', '}', '{'])
}

/// The width of a text as far as the line goes: characters up to its first line break.
fn first_width(s: &str) -> usize {
    s.split('\n').next().unwrap_or("").chars().count()
}

/// Prints a document in lines of at most `width` characters where it can; every line ends
/// with `\n`, no line ends with spaces.
pub(crate) fn render(doc: &Doc, width: usize) -> String {
    let mut out = String::new();
    let mut col = 0usize;
    let mut indent_due: Option<usize> = Some(0);
    let mut suffixes: Vec<&str> = Vec::new();
    let mut stack: Vec<(usize, Mode, &Doc)> = vec![(0, Mode::Break, doc)];
    let mut need_break = false;
    let mut close_next = false;
    // the last thing printed is a block comment (with the space after it)
    let mut after_comment = false;
    static HARD: Doc = Doc::Hard;
    let newline = |out: &mut String,
                   suffixes: &mut Vec<&str>,
                   indent_due: &mut Option<usize>,
                   col: &mut usize,
                   close_next: &mut bool,
                   ind: usize| {
        flush(out, suffixes, if *close_next { ind + 2 } else { ind });
        *close_next = false;
        let trimmed = out.trim_end_matches([' ', '\t']).len();
        out.truncate(trimmed);
        out.push('\n');
        *indent_due = Some(ind);
        *col = ind;
    };
    while let Some((ind, mode, d)) = stack.pop() {
        match d {
            Doc::Nil => {}
            Doc::CloseNext => close_next = true,
            Doc::Comment(s) if !suffixes.is_empty() => suffixes.push(s),
            Doc::Text(s) | Doc::Comment(s) => {
                if s.is_empty() {
                    continue;
                }
                let comment = matches!(d, Doc::Comment(_));
                let s = s.as_str();
                // A line comment ends its line before the next token, where no line break
                // came (`then // why` then the expression below, indented).
                if !comment && !suffixes.is_empty() && ends_line_before(s) {
                    newline(
                        &mut out,
                        &mut suffixes,
                        &mut indent_due,
                        &mut col,
                        &mut close_next,
                        ind + 2,
                    );
                    need_break = false;
                }
                close_next = false;
                let at_start = indent_due.is_some();
                if let Some(i) = indent_due.take() {
                    out.extend(std::iter::repeat_n(' ', i));
                }
                // one space between a block comment and what is around it, never two
                let s = if comment {
                    if !at_start && !out.ends_with(' ') {
                        out.push(' ');
                        col += 1;
                    }
                    s.trim()
                } else if out.ends_with(' ') && !at_start {
                    // `iran /* i */, russia`: no space between a comment and a comma or a
                    // closing bracket
                    if after_comment && s.starts_with([',', ')', ']', ':']) {
                        out.pop();
                        col = col.saturating_sub(1);
                    }
                    s.strip_prefix(' ').unwrap_or(s)
                } else {
                    s
                };
                after_comment = comment;
                out.push_str(s);
                match s.rfind('\n') {
                    Some(at) => col = s.get(at + 1..).unwrap_or("").chars().count(),
                    None => col += s.chars().count(),
                }
                if comment {
                    out.push(' ');
                    col += 1;
                }
            }
            // A line comment waiting for the end of its line ends it here, even in a flat
            // group.
            Doc::Line | Doc::Soft if mode == Mode::Flat && suffixes.is_empty() && !need_break => {
                // (at the start of a line, nothing)
                if matches!(d, Doc::Line) && !out.ends_with(' ') && indent_due.is_none() {
                    out.push(' ');
                    col += 1;
                }
            }
            Doc::Line | Doc::Soft | Doc::Hard | Doc::CommentBreak => {
                newline(
                    &mut out,
                    &mut suffixes,
                    &mut indent_due,
                    &mut col,
                    &mut close_next,
                    ind,
                );
                need_break = false;
            }
            Doc::LineStart => {
                if indent_due.is_none() {
                    newline(
                        &mut out,
                        &mut suffixes,
                        &mut indent_due,
                        &mut col,
                        &mut close_next,
                        ind,
                    );
                }
                need_break = false;
            }
            Doc::NeedBreak => need_break = true,
            Doc::OwnLine(d) => {
                let at = match indent_due {
                    Some(i) => i,
                    None => {
                        newline(
                            &mut out,
                            &mut suffixes,
                            &mut indent_due,
                            &mut col,
                            &mut close_next,
                            ind + 2,
                        );
                        ind + 2
                    }
                };
                need_break = false;
                stack.push((at, Mode::Flat, &HARD));
                stack.push((at, Mode::Flat, d));
            }
            Doc::Suffix(s) => suffixes.push(s),
            Doc::IfBreak(b, f) => stack.push((ind, mode, if mode == Mode::Break { b } else { f })),
            Doc::Nest(n, d) => stack.push((ind + n, mode, d)),
            Doc::Block(d) if !suffixes.is_empty() => stack.push((ind, Mode::Break, d)),
            Doc::Group(d) | Doc::Block(d) => {
                // Measured even inside a flat group: after a forced break in it, the rest
                // of the group is laid out again.
                let m = if fits(
                    width,
                    width.saturating_sub(col),
                    ind,
                    (
                        !suffixes.is_empty() || need_break,
                        indent_due.is_none() && out.ends_with(' '),
                    ),
                    d,
                    &stack,
                ) {
                    Mode::Flat
                } else {
                    Mode::Break
                };
                stack.push((ind, m, d));
            }
            Doc::Broken(d) => stack.push((ind, Mode::Break, d)),
            Doc::Cat(ds) => stack.extend(ds.iter().rev().map(|d| (ind, mode, d))),
        }
    }
    flush(&mut out, &mut suffixes, 0);
    let trimmed = out.trim_end_matches([' ', '\t', '\n']).len();
    out.truncate(trimmed);
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

/// Writes the line comments waiting for the end of the line: the first at the end of it,
/// each other on a line of its own below, indented by `ind`: as the next line, or as the
/// content of the block it ends (where they stand when formatted again; a line comment
/// runs to the end of its line: two on one line would make one).
fn flush(out: &mut String, suffixes: &mut Vec<&str>, ind: usize) {
    for (i, s) in suffixes.drain(..).enumerate() {
        if i > 0 {
            let trimmed = out.trim_end_matches([' ', '\t']).len();
            out.truncate(trimmed);
            out.push('\n');
            out.extend(std::iter::repeat_n(' ', ind));
            out.push_str(s.trim());
        } else {
            let trimmed = out.trim_end_matches([' ', '\t']).len();
            out.truncate(trimmed);
            out.push_str(s.trim_end());
        }
    }
}

/// Whether `d`, flat, and what follows it up to the next line break fit in `room`.
fn fits(
    width: usize,
    room: usize,
    ind: usize,
    (pending, space): (bool, bool),
    d: &Doc,
    rest: &[(usize, Mode, &Doc)],
) -> bool {
    let mut room = room;
    // a line comment waits for the end of the line: the next line break ends it
    let mut ends = pending;
    // whether the text measured so far ends with a space
    let mut space = space;
    // (inside the group, with indentation; `true` for an entry of what follows it)
    let mut local: Vec<(usize, Mode, &Doc, bool)> = vec![(ind, Mode::Flat, d, false)];
    let mut rest_at = rest.len();
    loop {
        let (ind, mode, d, after) = match local.pop() {
            Some(x) => x,
            None => {
                let Some(i) = rest_at.checked_sub(1) else {
                    return true;
                };
                rest_at = i;
                match rest.get(i) {
                    Some(&(ind, m, d)) => (ind, m, d, true),
                    None => return true,
                }
            }
        };
        match d {
            Doc::Nil | Doc::CloseNext => {}
            Doc::Suffix(_) | Doc::NeedBreak => ends = true,
            // Inside the group, a line that a comment ends (or starts) goes on below: the
            // rest of the group must fit there too. After the group, the line has ended.
            Doc::LineStart | Doc::Line | Doc::Soft | Doc::CommentBreak
                if (ends || matches!(d, Doc::LineStart | Doc::CommentBreak)) && !after =>
            {
                ends = false;
                space = false;
                room = width.saturating_sub(ind);
            }
            // a line of comments, then the rest of the group on the next line
            Doc::OwnLine(_) if !after => {
                ends = false;
                space = false;
                room = width.saturating_sub(ind + 2);
            }
            Doc::LineStart | Doc::OwnLine(_) => return true,
            Doc::Line | Doc::Soft if ends => return true,
            // a line comment ends its line before this text: the group goes on below
            Doc::Text(s) if ends && ends_line_before(s) && !after => {
                ends = false;
                space = false;
                room = width.saturating_sub(ind + 2 + first_width(s.trim_start()));
            }
            Doc::Text(s) if ends && ends_line_before(s) => return true,
            Doc::Text(s) | Doc::Comment(s) => {
                // as printed: a block comment has one space on each side, and a space
                // after a space is not printed
                let comment = matches!(d, Doc::Comment(_));
                let s = if comment {
                    s.trim()
                } else if space {
                    s.strip_prefix(' ').unwrap_or(s)
                } else {
                    s
                };
                if s.is_empty() {
                    continue;
                }
                let before = usize::from(comment && !space);
                let after = usize::from(comment);
                match s.rfind('\n') {
                    // a block comment over several lines: the line goes on after its end
                    Some(at) => {
                        if first_width(s) + before > room {
                            return false;
                        }
                        let last = s.get(at + 1..).unwrap_or("").chars().count() + after;
                        room = width.saturating_sub(last);
                    }
                    None => {
                        let w = before + s.chars().count() + after;
                        if w > room {
                            return false;
                        }
                        room -= w;
                    }
                }
                space = comment || s.ends_with(' ');
            }
            Doc::Line if mode == Mode::Flat => {
                if !space {
                    if room == 0 {
                        return false;
                    }
                    room -= 1;
                    space = true;
                }
            }
            Doc::Soft if mode == Mode::Flat => {}
            Doc::Line | Doc::Soft | Doc::Hard | Doc::CommentBreak => return true,
            Doc::IfBreak(b, f) => {
                local.push((ind, mode, if mode == Mode::Break { b } else { f }, after));
            }
            Doc::Nest(n, d) => local.push((ind + n, mode, d, after)),
            Doc::Group(d) | Doc::Block(d) => local.push((ind, mode, d, after)),
            Doc::Broken(d) => local.push((ind, Mode::Break, d, after)),
            Doc::Cat(ds) => local.extend(ds.iter().rev().map(|d| (ind, mode, d, after))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Doc {
        let mut inner = Vec::new();
        for (i, it) in items.iter().enumerate() {
            if i > 0 {
                inner.push(text(","));
                inner.push(Doc::Line);
            }
            inner.push(text(*it));
        }
        group(cat(vec![
            text("["),
            nest(
                2,
                cat(vec![Doc::Soft, cat(inner), if_break(text(","), Doc::Nil)]),
            ),
            Doc::Soft,
            text("]"),
        ]))
    }

    #[test]
    fn a_group_is_flat_when_it_fits_and_broken_otherwise() {
        let d = list(&["turkey", "azerbaijan"]);
        assert_eq!(render(&d, 100), "[turkey, azerbaijan]\n");
        assert_eq!(render(&d, 10), "[\n  turkey,\n  azerbaijan,\n]\n");
    }

    #[test]
    fn widths_count_characters() {
        // 10 characters, 20 bytes
        let d = list(&["\"تركيا\"", "ab"]);
        assert_eq!(render(&d, 13), "[\"تركيا\", ab]\n");
    }

    #[test]
    fn a_suffix_waits_for_the_end_of_the_line_and_ends_it_at_the_next_line() {
        let d = group(cat(vec![
            text("a"),
            Doc::Suffix(" // c".into()),
            text(","),
            Doc::Line,
            text("b"),
            Doc::Line,
            text("c"),
        ]));
        assert_eq!(render(&d, 100), "a, // c\nb c\n");
    }

    #[test]
    fn an_own_line_comment_starts_a_line_and_the_code_after_it_the_next() {
        let d = group(cat(vec![
            text("a &&"),
            Doc::Line,
            Doc::OwnLine(Box::new(text("// c"))),
            text("b"),
        ]));
        // mid-line: below, indented by two; the group stays flat
        assert_eq!(render(&d, 100), "a &&\n  // c\n  b\n");
        // at the start of a line: there, and the code below at the same indentation
        let d = nest(4, cat(vec![text("x"), Doc::Hard, d]));
        assert_eq!(render(&d, 100), "x\n    a &&\n      // c\n      b\n");
    }

    #[test]
    fn a_pending_line_comment_ends_its_line_before_the_next_token() {
        let d = cat(vec![
            text("then"),
            Doc::Suffix(" // why".into()),
            text(" "),
            text("x"),
            text(","),
        ]);
        assert_eq!(render(&d, 100), "then // why\n  x,\n");
        // but not before a comma, and a block comment has no space before one
        let d = cat(vec![
            text("a"),
            Doc::Comment("/* i */".into()),
            text(","),
            Doc::Suffix(" // c".into()),
            text(","),
        ]);
        assert_eq!(render(&d, 100), "a /* i */,, // c\n");
    }

    #[test]
    fn a_forced_break_does_not_break_the_group_around_it() {
        let arms = nest(2, cat(vec![Doc::Hard, text("x => 1,")]));
        let body = cat(vec![text("match s {"), arms, Doc::Hard, text("}")]);
        let d = group(cat(vec![
            text("def f ="),
            if_break(
                nest(2, cat(vec![Doc::Line, body.clone()])),
                cat(vec![text(" "), body]),
            ),
        ]));
        assert_eq!(render(&d, 100), "def f = match s {\n  x => 1,\n}\n");
        assert_eq!(render(&d, 10), "def f =\n  match s {\n    x => 1,\n  }\n");
    }
}
