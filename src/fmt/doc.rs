//! A small Wadler-style document algebra and its printer (in the manner of Prettier's):
//! text, line breaks that a group may print flat (as a space, or as nothing), forced line
//! breaks, nesting, and two things for comments: a line suffix (printed just before the
//! next line break, so that a `//` comment always ends its line) and a break-parent mark
//! (every group around it breaks).
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
    /// Breaks every group around it.
    BreakParent,
    /// Printed before the next line break (a trailing comment).
    Suffix(String),
    /// The first when its group is broken, the second when flat.
    IfBreak(Box<Doc>, Box<Doc>),
    /// The document with its line breaks indented by this many more spaces.
    Nest(usize, Box<Doc>),
    /// A group; `true` when it must break (it holds a break-parent mark).
    Group(Box<Doc>, bool),
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

/// A group: flat if it fits, broken otherwise (always broken if it holds a break-parent).
pub(crate) fn group(d: Doc) -> Doc {
    let forced = breaks(&d);
    Doc::Group(Box::new(d), forced)
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
        Doc::Nil => true,
        Doc::Cat(v) => v.iter().all(is_empty),
        _ => false,
    }
}

/// Whether a document holds a break-parent mark (a group's own flag stands for its
/// content, so each node is looked at once when groups are built bottom-up).
fn breaks(d: &Doc) -> bool {
    match d {
        Doc::BreakParent => true,
        Doc::Group(_, forced) => *forced,
        Doc::Nest(_, d) | Doc::Broken(d) => breaks(d),
        Doc::IfBreak(a, b) => breaks(a) || breaks(b),
        Doc::Cat(ds) => ds.iter().any(breaks),
        Doc::Nil | Doc::Text(_) | Doc::Line | Doc::Soft | Doc::Hard | Doc::Suffix(_) => false,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Flat,
    Break,
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
    let newline = |out: &mut String,
                   suffixes: &mut Vec<&str>,
                   indent_due: &mut Option<usize>,
                   col: &mut usize,
                   ind: usize| {
        for s in suffixes.drain(..) {
            out.push_str(s);
        }
        let trimmed = out.trim_end_matches([' ', '\t']).len();
        out.truncate(trimmed);
        out.push('\n');
        *indent_due = Some(ind);
        *col = ind;
    };
    while let Some((ind, mode, d)) = stack.pop() {
        match d {
            Doc::Nil | Doc::BreakParent => {}
            Doc::Text(s) => {
                if s.is_empty() {
                    continue;
                }
                if let Some(i) = indent_due.take() {
                    out.extend(std::iter::repeat_n(' ', i));
                }
                out.push_str(s);
                match s.rfind('\n') {
                    Some(at) => col = s.get(at + 1..).unwrap_or("").chars().count(),
                    None => col += s.chars().count(),
                }
            }
            Doc::Line | Doc::Soft if mode == Mode::Flat => {
                if matches!(d, Doc::Line) {
                    if let Some(i) = indent_due.take() {
                        out.extend(std::iter::repeat_n(' ', i));
                    }
                    out.push(' ');
                    col += 1;
                }
            }
            Doc::Line | Doc::Soft => {
                newline(&mut out, &mut suffixes, &mut indent_due, &mut col, ind)
            }
            Doc::Hard => newline(&mut out, &mut suffixes, &mut indent_due, &mut col, ind),
            Doc::Suffix(s) => suffixes.push(s),
            Doc::IfBreak(b, f) => stack.push((ind, mode, if mode == Mode::Break { b } else { f })),
            Doc::Nest(n, d) => stack.push((ind + n, mode, d)),
            Doc::Group(d, forced) => {
                // Measured even inside a flat group: after a forced break in it, the rest
                // of the group is laid out again.
                let m = if *forced {
                    Mode::Break
                } else if fits(width.saturating_sub(col), d, &stack) {
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
    for s in suffixes.drain(..) {
        out.push_str(s);
    }
    let trimmed = out.trim_end_matches([' ', '\t', '\n']).len();
    out.truncate(trimmed);
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

/// Whether `d`, flat, and what follows it up to the next line break fit in `room`.
fn fits(room: usize, d: &Doc, rest: &[(usize, Mode, &Doc)]) -> bool {
    let mut room = room;
    let mut local: Vec<(Mode, &Doc)> = vec![(Mode::Flat, d)];
    let mut rest_at = rest.len();
    loop {
        let (mode, d) = match local.pop() {
            Some(x) => x,
            None => {
                let Some(i) = rest_at.checked_sub(1) else {
                    return true;
                };
                rest_at = i;
                match rest.get(i) {
                    Some(&(_, m, d)) => (m, d),
                    None => return true,
                }
            }
        };
        match d {
            Doc::Nil | Doc::BreakParent | Doc::Suffix(_) => {}
            Doc::Text(s) => {
                let w = first_width(s);
                if w > room {
                    return false;
                }
                if s.contains('\n') {
                    return true;
                }
                room -= w;
            }
            Doc::Line if mode == Mode::Flat => {
                if room == 0 {
                    return false;
                }
                room -= 1;
            }
            Doc::Soft if mode == Mode::Flat => {}
            Doc::Line | Doc::Soft | Doc::Hard => return true,
            Doc::IfBreak(b, f) => local.push((mode, if mode == Mode::Break { b } else { f })),
            Doc::Nest(_, d) => local.push((mode, d)),
            Doc::Group(d, forced) => local.push((if *forced { Mode::Break } else { mode }, d)),
            Doc::Broken(d) => local.push((Mode::Break, d)),
            Doc::Cat(ds) => local.extend(ds.iter().rev().map(|d| (mode, d))),
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
    fn a_suffix_waits_for_the_line_break_and_a_break_parent_breaks_the_group() {
        let d = group(cat(vec![
            text("a"),
            Doc::Suffix(" // c".into()),
            Doc::BreakParent,
            Doc::Line,
            text("b"),
        ]));
        assert_eq!(render(&d, 100), "a // c\nb\n");
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
