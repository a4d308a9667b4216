//! Positions in input files: 1-based lines, 1-based columns counted in Unicode scalar values.

use std::sync::Arc;

/// A position in a file: 1-based line, 1-based column (in characters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

impl Pos {
    pub const fn new(line: u32, col: u32) -> Self {
        Pos { line, col }
    }
}

/// A range in a file: `start` inclusive, `end` exclusive.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: Pos,
    pub end: Pos,
}

impl Span {
    pub const fn new(start: Pos, end: Pos) -> Self {
        Span { start, end }
    }
}

/// Maps byte offsets of a text to positions (for parsers that report byte ranges).
pub struct LineIndex<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
    /// For non-ASCII text: (byte offset, chars since its line start) about every [`MARK_EVERY`]
    /// bytes, so a column is counted from the nearest mark, not from the start of a long line
    /// (minified JSON is one line: counting from its start made positions quadratic).
    marks: Vec<(usize, usize)>,
    ascii: bool,
}

const MARK_EVERY: usize = 1024;

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        let mut marks = Vec::new();
        let ascii = text.is_ascii();
        if !ascii {
            let (mut chars, mut next) = (0usize, MARK_EVERY);
            for (i, c) in text.char_indices() {
                if i >= next {
                    marks.push((i, chars));
                    next = i + MARK_EVERY;
                }
                chars = if c == '\n' { 0 } else { chars + 1 };
            }
        }
        LineIndex {
            text,
            line_starts,
            marks,
            ascii,
        }
    }

    /// The position of byte `offset` (clamped to the text, rounded down to a char boundary).
    pub fn pos(&self, offset: usize) -> Pos {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let col = if self.marks.is_empty() {
            // ASCII text has one byte per char; non-ASCII text without marks is shorter than a mark.
            if self.ascii {
                offset - start
            } else {
                self.text[start..offset].chars().count()
            }
        } else {
            let m = self.marks.partition_point(|&(at, _)| at <= offset);
            let (from, base) = match m.checked_sub(1).map(|i| self.marks[i]) {
                Some((at, n)) if at >= start => (at, n),
                _ => (start, 0),
            };
            base + self.text[from..offset].chars().count()
        };
        Pos::new(line as u32 + 1, col as u32 + 1)
    }

    pub fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.pos(start), self.pos(end))
    }

    /// The text of 1-based line `line`, without its line ending.
    pub fn line(&self, line: u32) -> Option<&'a str> {
        let i = (line as usize).checked_sub(1)?;
        let start = *self.line_starts.get(i)?;
        let end = self
            .line_starts
            .get(i + 1)
            .copied()
            .unwrap_or(self.text.len());
        Some(self.text[start..end].trim_end_matches(['\n', '\r']))
    }
}

/// The display name of an input (a path as the user gave it, or `<stdin>`).
pub type FileName = Arc<str>;

/// Where a value was reached through a YAML alias: the `*alias` use and the `&anchor` definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Via {
    pub use_site: Span,
    pub anchor_line: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_counts_characters_not_bytes() {
        let idx = LineIndex::new("a: é\nb: x\r\n");
        assert_eq!(idx.pos(0), Pos::new(1, 1));
        assert_eq!(idx.pos(5), Pos::new(1, 5)); // after the two-byte é
        assert_eq!(idx.pos(6), Pos::new(2, 1));
        assert_eq!(idx.pos(4), Pos::new(1, 4)); // inside é: rounded down
        assert_eq!(idx.line(2), Some("b: x"));
        assert_eq!(idx.line(9), None);
    }

    #[test]
    fn columns_on_long_non_ascii_lines_match_a_plain_count() {
        let text = format!("{}\n{}", "é-a".repeat(2000), "xé".repeat(3000));
        let idx = LineIndex::new(&text);
        for offset in (0..text.len()).step_by(97).chain([text.len()]) {
            let mut o = offset;
            while !text.is_char_boundary(o) {
                o -= 1;
            }
            let line_start = text[..o].rfind('\n').map_or(0, |i| i + 1);
            let line = 1 + text[..o].matches('\n').count() as u32;
            assert_eq!(
                idx.pos(offset),
                Pos::new(line, text[line_start..o].chars().count() as u32 + 1),
                "offset {offset}"
            );
        }
    }
}
