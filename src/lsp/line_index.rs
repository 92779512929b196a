//! Byte offsets ↔ LSP positions (line, UTF-16 code unit), as the protocol counts.

use lsp_types::Position;

/// The start of every line of one text.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> LineIndex<'a> {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    /// The position of byte `offset` (clamped to the text, and back to a char
    /// boundary).
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.starts.get(line).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.encode_utf16().count());
        Position::new(line as u32, column as u32)
    }

    /// The byte offset of `pos`; a column past the end of its line is the line's end,
    /// a line past the end of the text is the text's end.
    pub fn offset(&self, pos: Position) -> usize {
        let Some(&start) = self.starts.get(pos.line as usize) else {
            return self.text.len();
        };
        let end = self
            .starts
            .get(pos.line as usize + 1)
            .map_or(self.text.len(), |&e| e.saturating_sub(1));
        let line = self.text.get(start..end).unwrap_or("");
        let mut units = 0u32;
        for (i, c) in line.char_indices() {
            if units >= pos.character {
                return start + i;
            }
            units += c.len_utf16() as u32;
        }
        end
    }

    /// The text of the line that holds byte `offset`, without its newline.
    pub fn line_text(&self, offset: usize) -> &'a str {
        let line = self.position(offset).line as usize;
        let start = self.starts.get(line).copied().unwrap_or(0);
        let end = self
            .starts
            .get(line + 1)
            .map_or(self.text.len(), |&e| e.saturating_sub(1));
        self.text
            .get(start..end)
            .unwrap_or("")
            .trim_end_matches('\r')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_utf16_units() {
        // 'é' is one UTF-16 unit (two bytes), '😀' two units (four bytes).
        let text = "a = \"é😀\"\nbb = 1\n";
        let ix = LineIndex::new(text);
        let b = text.find("\"\n").map(|i| i + 1).unwrap_or(0);
        assert_eq!(ix.position(b), Position::new(0, 9));
        assert_eq!(ix.offset(Position::new(0, 9)), b);
        let bb = text.find("bb").unwrap_or(0);
        assert_eq!(ix.position(bb + 1), Position::new(1, 1));
        assert_eq!(ix.offset(Position::new(1, 1)), bb + 1);
        assert_eq!(ix.offset(Position::new(0, 99)), b);
        assert_eq!(ix.offset(Position::new(9, 0)), text.len());
        assert_eq!(ix.line_text(bb), "bb = 1");
    }
}
