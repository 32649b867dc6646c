//! Bounded text shared by the parsers: lenient decoding of XML character data and
//! attribute values, and [`field`], the one way a string from tool output becomes a
//! report field (sanitized by [`crate::sanitize`], then cut at a byte budget).
//!
//! Unlike a strict unescaper the decoder never fails: unknown or malformed references
//! are kept literally, invalid UTF-8 becomes U+FFFD, and output stops at a byte budget
//! (the rest is dropped and the string ends with [`crate::TRUNCATION_MARKER`]).
//! Sanitizing happens before the marker is added, so a cut escape sequence never
//! leaves debris. Must not: do I/O or judge content.

use crate::TRUNCATION_MARKER;
use crate::sanitize::{Kind, sanitize};

/// A string being built from one or more raw XML fragments under a byte budget.
#[derive(Debug, Default)]
pub(crate) struct BoundedText {
    text: String,
    max: usize,
    truncated: bool,
}

impl BoundedText {
    pub(crate) fn new(max: usize) -> Self {
        Self {
            text: String::new(),
            max,
            truncated: false,
        }
    }

    /// Appends raw (still escaped) XML text. Attribute values additionally have their
    /// literal tab/newline/CR normalized to spaces, as XML requires.
    pub(crate) fn push_raw(&mut self, raw: &[u8], attribute: bool) {
        if self.truncated {
            return;
        }
        // Never look at more raw input than could possibly fit: an entity is at most
        // a few bytes long per output character.
        let limit = self
            .max
            .saturating_sub(self.text.len())
            .saturating_mul(12)
            .saturating_add(16);
        let (raw, cut_raw) = if raw.len() > limit {
            (&raw[..limit], true)
        } else {
            (raw, false)
        };
        let src = String::from_utf8_lossy(raw);
        let mut rest: &str = &src;
        while let Some(c) = rest.chars().next() {
            let (ch, used) = if c == '&' {
                decode_reference(rest).unwrap_or(('&', 1))
            } else if attribute && matches!(c, '\t' | '\n' | '\r') {
                (' ', c.len_utf8())
            } else {
                (c, c.len_utf8())
            };
            if !self.push_char(ch) {
                return;
            }
            rest = &rest[used..];
        }
        if cut_raw {
            // The raw cut itself may have exceeded the budget; mark it either way.
            self.truncated = true;
        }
    }

    /// Appends an entity/character reference body (`amp`, `#xa`), as reported
    /// separately by the XML reader.
    pub(crate) fn push_reference(&mut self, name: &[u8]) {
        let mut raw = Vec::with_capacity(name.len().min(16) + 2);
        raw.push(b'&');
        raw.extend_from_slice(&name[..name.len().min(16)]);
        raw.push(b';');
        self.push_raw(&raw, false);
    }

    fn push_char(&mut self, ch: char) -> bool {
        if self.text.len() + ch.len_utf8() > self.max {
            self.truncated = true;
            return false;
        }
        self.text.push(ch);
        true
    }

    /// The sanitized text, with the marker when it was cut.
    pub(crate) fn finish(self, kind: Kind) -> String {
        let mut text = match sanitize(&self.text, kind) {
            std::borrow::Cow::Borrowed(_) => self.text,
            std::borrow::Cow::Owned(clean) => clean,
        };
        if self.truncated {
            text.push_str(TRUNCATION_MARKER);
        }
        text
    }
}

/// Decodes and sanitizes one attribute value or text fragment under `max` bytes.
pub(crate) fn decode(raw: &[u8], max: usize, attribute: bool, kind: Kind) -> String {
    let mut b = BoundedText::new(max);
    b.push_raw(raw, attribute);
    b.finish(kind)
}

/// A report field from tool text: sanitized, then cut to `max` bytes with the marker.
pub(crate) fn field(s: &str, kind: Kind, max: usize) -> String {
    clip(&sanitize(s, kind), max)
}

/// Cuts `s` to at most `max` bytes at a character boundary, marking the cut with
/// [`TRUNCATION_MARKER`]. `s` must already be sanitized (see [`field`]).
pub(crate) fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{TRUNCATION_MARKER}", &s[..end])
}

/// `s` starts with `&`. Returns the decoded character and how many bytes it used.
fn decode_reference(s: &str) -> Option<(char, usize)> {
    let end = s.as_bytes().iter().take(12).position(|&b| b == b';')?;
    let body = &s[1..end];
    let ch = match body {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "quot" => '"',
        "apos" => '\'',
        _ => {
            let num = body.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse::<u32>().ok()?,
            };
            char::from_u32(code)?
        }
    };
    Some((ch, end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(raw: &[u8], max: usize, attribute: bool) -> String {
        super::decode(raw, max, attribute, Kind::MultiLine)
    }

    #[test]
    fn decodes_entities_and_keeps_unknown_ones() {
        assert_eq!(
            decode(b"a&#xa;b&#9;c&lt;&amp;&gt;&quot;&apos;", 100, false),
            "a\nb\tc<&>\"'"
        );
        assert_eq!(
            decode(b"&nbsp; & &#xZZ; &", 100, false),
            "&nbsp; & &#xZZ; &"
        );
        assert_eq!(decode(b"&#x110000;&#65;", 100, false), "&#x110000;A");
    }

    #[test]
    fn attributes_normalize_literal_whitespace() {
        assert_eq!(decode(b"a\nb\tc&#xa;", 100, true), "a b c\n");
        assert_eq!(decode(b"a\nb", 100, false), "a\nb");
    }

    #[test]
    fn truncates_on_char_boundary_with_marker() {
        assert_eq!(
            decode("héllo".as_bytes(), 2, false),
            format!("h{TRUNCATION_MARKER}")
        );
        assert_eq!(decode(b"abc", 3, false), "abc");
        assert_eq!(decode(b"abcd", 3, false), format!("abc{TRUNCATION_MARKER}"));
        assert_eq!(decode(b"abcd", 0, false), TRUNCATION_MARKER);
    }

    #[test]
    fn fields_are_sanitized_before_the_cut() {
        // A cut inside an escape sequence leaves no debris before the marker.
        assert_eq!(
            super::decode(b"ab\x1b[31mc", 4, false, Kind::Line),
            format!("ab{TRUNCATION_MARKER}")
        );
        assert_eq!(
            super::decode(b"a&#x1b;[1mb&#xa;c", 100, true, Kind::Line),
            "ab c"
        );
        assert_eq!(field("x\u{202e}y\r\nz", Kind::MultiLine, 100), "xy\nz");
        assert_eq!(
            field("\x1b[2Kabcdef", Kind::Line, 3),
            format!("abc{TRUNCATION_MARKER}")
        );
    }

    #[test]
    fn clip_marks_the_cut() {
        assert_eq!(clip("héllo", 2), format!("h{TRUNCATION_MARKER}"));
        assert_eq!(clip("abc", 3), "abc");
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        assert_eq!(decode(b"a\xffb", 100, false), "a\u{fffd}b");
    }

    #[test]
    fn huge_input_is_cut_early() {
        let raw = vec![b'x'; 1_000_000];
        let s = decode(&raw, 10, false);
        assert_eq!(s, format!("xxxxxxxxxx{TRUNCATION_MARKER}"));
    }

    #[test]
    fn fragments_and_references_accumulate() {
        let mut b = BoundedText::new(100);
        b.push_raw(b"cpe:/a:x", false);
        b.push_reference(b"amp");
        b.push_reference(b"#x41");
        b.push_reference(b"bogus");
        b.push_raw(b"y", false);
        assert_eq!(b.finish(Kind::Line), "cpe:/a:x&A&bogus;y");
    }
}
