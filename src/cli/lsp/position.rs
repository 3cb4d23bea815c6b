//! Positions: byte offsets in a document's text to LSP positions and back, and incremental
//! edits. The one place that converts; everything else in the server works in byte offsets
//! (as pactum's spans are).
//!
//! An LSP position is a line and a column. Lines end at `\n`, `\r\n` or `\r` (the protocol
//! counts all three). The column counts UTF-16 code units by default (so a character
//! outside the Basic Multilingual Plane, an emoji or a historic script, counts two), or
//! bytes when the client and the server agree on `positionEncoding: "utf-8"`. A column
//! past the end of its line means the end of the line; a line past the end of the text
//! means the end of the text: the conversions never fail, whatever a client sends.

use lsp_types::{Position, Range};

/// How columns are counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 code units (bytes).
    Utf8,
    /// UTF-16 code units, the protocol's default.
    Utf16,
}

impl Encoding {
    fn width(self, c: char) -> u32 {
        match self {
            Encoding::Utf8 => c.len_utf8() as u32,
            Encoding::Utf16 => c.len_utf16() as u32,
        }
    }
}

/// Where each line of a text starts, for conversions in O(log lines + line length).
#[derive(Clone, Debug, Default)]
pub struct LineIndex {
    /// Byte offset of the start of each line; the first is 0.
    starts: Vec<usize>,
    /// The text's length in bytes.
    len: usize,
}

impl LineIndex {
    /// The index of a text.
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        let bytes = text.as_bytes();
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            match b {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                    starts.push(i + 2);
                    i += 1;
                }
                b'\r' => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        LineIndex {
            starts,
            len: text.len(),
        }
    }

    /// The bytes of line `line` without its line break: (start, end).
    fn line_bounds(&self, text: &str, line: usize) -> (usize, usize) {
        let start = self.starts.get(line).copied().unwrap_or(self.len);
        let next = self.starts.get(line + 1).copied().unwrap_or(self.len);
        let mut end = next;
        let body = text.as_bytes();
        if end > start && body.get(end - 1) == Some(&b'\n') {
            end -= 1;
        }
        if end > start && body.get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        (start, end.max(start))
    }

    /// The position of a byte offset (clamped to the text, and back to a character
    /// boundary).
    pub fn position(&self, text: &str, offset: usize, enc: Encoding) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let (start, end) = self.line_bounds(text, line);
        let upto = offset.min(end);
        let column = text
            .get(start..upto)
            .unwrap_or_default()
            .chars()
            .map(|c| enc.width(c))
            .sum();
        Position {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            character: column,
        }
    }

    /// The positions of many byte offsets (in any order), as [`LineIndex::position`] gives
    /// each, with each line scanned once: O(text + offsets × log offsets), where one call per
    /// offset is O(offsets × line length), quadratic on a proposal written on one line.
    pub fn positions(&self, text: &str, offsets: &[usize], enc: Encoding) -> Vec<Position> {
        let mut order: Vec<(usize, usize)> = offsets
            .iter()
            .enumerate()
            .map(|(i, &o)| {
                let mut o = o.min(text.len());
                while !text.is_char_boundary(o) {
                    o -= 1;
                }
                (o, i)
            })
            .collect();
        order.sort_unstable();
        let mut out = vec![Position::default(); offsets.len()];
        let (mut line_now, mut scanned, mut units) = (usize::MAX, 0, 0u32);
        for (offset, i) in order {
            let line = self
                .starts
                .partition_point(|&s| s <= offset)
                .saturating_sub(1);
            let (start, end) = self.line_bounds(text, line);
            if line != line_now {
                (line_now, scanned, units) = (line, start, 0);
            }
            let upto = offset.min(end);
            if upto > scanned {
                units += text
                    .get(scanned..upto)
                    .unwrap_or_default()
                    .chars()
                    .map(|c| enc.width(c))
                    .sum::<u32>();
                scanned = upto;
            }
            if let Some(slot) = out.get_mut(i) {
                *slot = Position {
                    line: u32::try_from(line).unwrap_or(u32::MAX),
                    character: units,
                };
            }
        }
        out
    }

    /// The byte offset of a position. A column inside a character (half of a UTF-16
    /// surrogate pair, a byte inside a UTF-8 sequence) means that character's start.
    pub fn offset(&self, text: &str, pos: Position, enc: Encoding) -> usize {
        let line = pos.line as usize;
        if line >= self.starts.len() {
            return text.len();
        }
        let (start, end) = self.line_bounds(text, line);
        let mut units = 0u32;
        for (i, c) in text.get(start..end).unwrap_or_default().char_indices() {
            let w = enc.width(c);
            if units + w > pos.character {
                return start + i;
            }
            units += w;
        }
        end
    }

    /// The range of a byte span.
    pub fn range(&self, text: &str, start: usize, end: usize, enc: Encoding) -> Range {
        Range {
            start: self.position(text, start, enc),
            end: self.position(text, end.max(start), enc),
        }
    }

    /// The byte span of a range (ordered, so that a reversed range is not a panic).
    pub fn span(&self, text: &str, range: Range, enc: Encoding) -> (usize, usize) {
        let a = self.offset(text, range.start, enc);
        let b = self.offset(text, range.end, enc);
        (a.min(b), a.max(b))
    }
}

/// Where the offsets of an older text (the last one that parsed, or the one a build read)
/// are in a newer one: the two share a prefix and a suffix, and what lies between them is
/// the edit. Outside the edit an offset moves by the edit's growth; inside it, it has no
/// counterpart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shift {
    /// The length of the common prefix.
    prefix: usize,
    /// Where the common suffix starts, in the old text and in the new.
    old_tail: usize,
    new_tail: usize,
}

impl Shift {
    /// The shift from `old` to `new` (char boundaries kept).
    pub fn new(old: &str, new: &str) -> Shift {
        let (a, b) = (old.as_bytes(), new.as_bytes());
        let mut prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
        while !(old.is_char_boundary(prefix) && new.is_char_boundary(prefix)) {
            prefix -= 1;
        }
        let room = a.len().min(b.len()) - prefix;
        let mut suffix = a
            .iter()
            .rev()
            .zip(b.iter().rev())
            .take(room)
            .take_while(|(x, y)| x == y)
            .count();
        while !(old.is_char_boundary(a.len() - suffix) && new.is_char_boundary(b.len() - suffix)) {
            suffix -= 1;
        }
        Shift {
            prefix,
            old_tail: a.len() - suffix,
            new_tail: b.len() - suffix,
        }
    }

    /// The old offset of a new one (`None` inside the edit).
    pub fn to_old(self, offset: usize) -> Option<usize> {
        if offset <= self.prefix {
            Some(offset)
        } else if offset >= self.new_tail {
            Some(offset - self.new_tail + self.old_tail)
        } else {
            None
        }
    }

    /// The new offset of an old one (`None` inside the edit).
    pub fn to_new(self, offset: usize) -> Option<usize> {
        if offset <= self.prefix {
            Some(offset)
        } else if offset >= self.old_tail {
            Some(offset - self.old_tail + self.new_tail)
        } else {
            None
        }
    }
}

/// Applies one `didChange` content change to a text: `range` replaced by `new_text`, or
/// the whole text when `range` is `None`.
pub fn apply_change(text: &mut String, range: Option<Range>, new_text: &str, enc: Encoding) {
    match range {
        None => {
            text.clear();
            text.push_str(new_text);
        }
        Some(range) => {
            let (a, b) = LineIndex::new(text).span(text, range, enc);
            text.replace_range(a..b, new_text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Shift;

    #[test]
    fn shifts_map_around_an_edit() {
        let old = "when a && b\nmessage ğ";
        let new = "when a && b &&\nmessage ğ";
        let s = Shift::new(old, new);
        assert_eq!(s.to_old(5), Some(5));
        let m = new.find("message").unwrap_or(0);
        assert_eq!(s.to_old(m), old.find("message"));
        assert_eq!(s.to_new(old.find("message").unwrap_or(0)), Some(m));
        assert_eq!(s.to_old(13), None);
        assert_eq!(Shift::new(old, old).to_old(7), Some(7));
        // Inside a character: the prefix stops before it.
        let s = Shift::new("aç", "aĉ");
        assert_eq!(s.to_old(1), Some(1));
        assert_eq!(s.to_old(3), Some(3));
    }

    use super::*;
    use proptest::prelude::*;

    fn pos(line: u32, character: u32) -> Position {
        Position { line, character }
    }

    #[test]
    fn arabic_and_turkish_columns_count_utf16_units() {
        // `note: "قزوين"` then a Turkish word: each Arabic and Turkish letter is one unit.
        let text = "a\n  note: \"قزوين\" İğdır x\n";
        let idx = LineIndex::new(text);
        let x = text.find(" x").unwrap_or(0) + 1;
        assert_eq!(idx.position(text, x, Encoding::Utf16), pos(1, 22));
        assert_eq!(idx.offset(text, pos(1, 22), Encoding::Utf16), x);
        // In bytes: the five Arabic letters take 2 bytes each, İ and ğ 2, ı 2.
        assert_eq!(idx.position(text, x, Encoding::Utf8).character, 22 + 5 + 3);
    }

    #[test]
    fn outside_the_bmp_counts_two_units() {
        let text = "𐰃𐰃 x";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, 9, Encoding::Utf16), pos(0, 5));
        // Half of a surrogate pair is the character's start.
        assert_eq!(idx.offset(text, pos(0, 1), Encoding::Utf16), 0);
        assert_eq!(idx.offset(text, pos(0, 2), Encoding::Utf16), 4);
    }

    #[test]
    fn line_breaks_of_every_kind() {
        let text = "a\r\nb\rc\nd";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, 3, Encoding::Utf16), pos(1, 0));
        assert_eq!(idx.position(text, 5, Encoding::Utf16), pos(2, 0));
        assert_eq!(idx.position(text, 7, Encoding::Utf16), pos(3, 0));
        // A column past the end of a line is its end, not the next line.
        assert_eq!(idx.offset(text, pos(0, 99), Encoding::Utf16), 1);
        assert_eq!(idx.offset(text, pos(99, 0), Encoding::Utf16), text.len());
    }

    #[test]
    fn incremental_change() {
        let mut text = "step ex1: exercise {\n  area: caspian_sea\n}\n".to_string();
        apply_change(
            &mut text,
            Some(Range {
                start: pos(1, 8),
                end: pos(1, 19),
            }),
            "black_sea",
            Encoding::Utf16,
        );
        assert_eq!(text, "step ex1: exercise {\n  area: black_sea\n}\n");
        // A reversed or out-of-range range is clamped, never a panic.
        apply_change(
            &mut text,
            Some(Range {
                start: pos(9, 9),
                end: pos(0, 4),
            }),
            "",
            Encoding::Utf16,
        );
        assert_eq!(text, "step");
    }

    proptest! {
        #[test]
        fn offsets_round_trip(text in "(\\PC|\r|\n|𐰃|ğ|ق){0,40}", enc in prop_oneof![Just(Encoding::Utf8), Just(Encoding::Utf16)]) {
            let idx = LineIndex::new(&text);
            for (o, _) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
                let p = idx.position(&text, o, enc);
                // A `\r\n` is one break: the offset between its two bytes maps to the line end.
                let back = idx.offset(&text, p, enc);
                let inside_crlf = o > 0 && text.as_bytes().get(o - 1) == Some(&b'\r') && text.as_bytes().get(o) == Some(&b'\n');
                if !inside_crlf {
                    prop_assert_eq!(back, o);
                }
            }
        }

        #[test]
        fn positions_in_one_pass_are_each_position(text in "(\\PC|\r|\n|\r\n|𐰃|ğ|ق){0,40}", offsets in proptest::collection::vec(0usize..50, 0..12), enc in prop_oneof![Just(Encoding::Utf8), Just(Encoding::Utf16)]) {
            let idx = LineIndex::new(&text);
            let each: Vec<Position> = offsets.iter().map(|&o| idx.position(&text, o, enc)).collect();
            prop_assert_eq!(idx.positions(&text, &offsets, enc), each);
        }

        #[test]
        fn utf16_column_is_the_encoded_length(line in "\\PC{0,30}") {
            let idx = LineIndex::new(&line);
            let p = idx.position(&line, line.len(), Encoding::Utf16);
            prop_assert_eq!(p.character as usize, line.encode_utf16().count());
            prop_assert_eq!(p.line, 0);
        }

        #[test]
        fn any_position_is_an_offset_in_the_text(text in "\\PC{0,20}(\n\\PC{0,20}){0,3}", line in 0u32..6, character in 0u32..40) {
            let idx = LineIndex::new(&text);
            let o = idx.offset(&text, pos(line, character), Encoding::Utf16);
            prop_assert!(o <= text.len() && text.is_char_boundary(o));
        }
    }
}
