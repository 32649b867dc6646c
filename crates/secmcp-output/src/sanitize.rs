//! The one sanitizer for every string taken from a tool's output, before it reaches a
//! report (and so an AI model or a terminal).
//!
//! A single pass over the characters, no regex engine. It removes:
//!
//! - ANSI/ECMA-48 escape sequences, 7-bit (`ESC [ … final`, `ESC ] … BEL|ESC \`, DCS,
//!   SOS, PM, APC strings, `ESC ( B`-style and two-character escapes) and 8-bit (C1
//!   `CSI`/`OSC`/`DCS`/… introducers). A sequence cut short (at the end of the text, or
//!   broken by a character that cannot be part of it) is dropped up to that point; the
//!   breaking character is kept. A string sequence (OSC, DCS, …) without its terminator
//!   ends at the next newline, so an unterminated one cannot swallow more than a line.
//! - Every other control character (C0, DEL, C1), except `\n` and `\t` in
//!   [`Kind::MultiLine`] text. In [`Kind::Line`] text `\n` and `\t` become a space.
//!   `\r` is always dropped (`\r\n` becomes `\n`; a lone `\r`, which would let text
//!   overwrite itself on a terminal, disappears).
//! - Unicode bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F,
//!   U+061C), zero-width and invisible characters (U+200B–U+200D, U+2060–U+2064,
//!   U+FEFF), tag characters (U+E0000–U+E007F, which can spell hidden ASCII) and the
//!   supplementary variation selectors (U+E0100–U+E01EF). U+2028/U+2029 (line and
//!   paragraph separators) are treated like `\n`.
//!
//! Everything else, including non-ASCII letters and symbols, is kept unchanged. Length
//! bounds are applied by the callers after sanitizing (the result is never longer than
//! the input), so a cut can never split an escape sequence into visible debris.
//!
//! Must not: do I/O, judge content (that is [`crate::untrusted`]), or allocate when the
//! text is already clean printable ASCII.

use std::borrow::Cow;

/// Whether a field may hold several lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One line: `\n` and `\t` become spaces.
    Line,
    /// Multi-line text (NSE script output, banners): `\n` and `\t` are kept.
    MultiLine,
}

/// Sanitizes `text` as described in the module docs; borrows when nothing changes.
///
/// ```
/// use secmcp_output::sanitize::{Kind, sanitize};
///
/// assert_eq!(sanitize("\x1b[31mroot\x1b[0m\u{202e}txt.exe", Kind::Line), "roottxt.exe");
/// assert_eq!(sanitize("a\r\nb\tc", Kind::MultiLine), "a\nb\tc");
/// assert_eq!(sanitize("a\r\nb\tc", Kind::Line), "a b c");
/// ```
pub fn sanitize(text: &str, kind: Kind) -> Cow<'_, str> {
    let multi = kind == Kind::MultiLine;
    if text
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) || (multi && (b == b'\n' || b == b'\t')))
    {
        return Cow::Borrowed(text);
    }
    let mut s = Sanitizer {
        out: String::with_capacity(text.len()),
        state: State::Text,
        multi,
    };
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if s.state == State::Text {
            // Copy a run of printable ASCII at once.
            let run = bytes[i..]
                .iter()
                .position(|b| !(0x20..0x7f).contains(b))
                .unwrap_or(bytes.len() - i);
            s.out.push_str(&text[i..i + run]);
            i += run;
        }
        // `i` is on a character boundary: runs and characters are whole.
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        s.feed(c);
        i += c.len_utf8();
    }
    Cow::Owned(s.out)
}

/// [`sanitize`] for one-line text, as an owned string.
pub fn sanitize_line(text: &str) -> String {
    sanitize(text, Kind::Line).into_owned()
}

/// [`sanitize`] for multi-line text, as an owned string.
pub fn sanitize_multiline(text: &str) -> String {
    sanitize(text, Kind::MultiLine).into_owned()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Ordinary text.
    Text,
    /// After ESC.
    Esc,
    /// Inside a control sequence (`ESC [` or C1 CSI): parameters and intermediates.
    Csi,
    /// After `ESC` + intermediate bytes (`ESC ( B`, `ESC # 8`).
    Intermediate,
    /// Inside a string sequence (OSC, DCS, SOS, PM, APC) until BEL or ST.
    Str,
    /// ESC inside a string sequence: `\` ends it (ST).
    StrEsc,
}

struct Sanitizer {
    out: String,
    state: State,
    multi: bool,
}

impl Sanitizer {
    fn feed(&mut self, c: char) {
        match self.state {
            State::Text => self.text(c),
            State::Esc => match c {
                '[' => self.state = State::Csi,
                ']' | 'P' | 'X' | '^' | '_' => self.state = State::Str,
                '\u{20}'..='\u{2f}' => self.state = State::Intermediate,
                '\u{30}'..='\u{7e}' => self.state = State::Text,
                _ => {
                    // A lone ESC: drop it, keep what follows.
                    self.state = State::Text;
                    self.text(c);
                }
            },
            State::Csi => match c {
                '\u{20}'..='\u{3f}' => {}
                '\u{40}'..='\u{7e}' => self.state = State::Text,
                _ => {
                    self.state = State::Text;
                    self.text(c);
                }
            },
            State::Intermediate => match c {
                '\u{20}'..='\u{2f}' => {}
                '\u{30}'..='\u{7e}' => self.state = State::Text,
                _ => {
                    self.state = State::Text;
                    self.text(c);
                }
            },
            State::Str => match c {
                '\u{07}' | '\u{9c}' => self.state = State::Text,
                '\u{1b}' => self.state = State::StrEsc,
                '\n' | '\u{2028}' | '\u{2029}' => {
                    self.state = State::Text;
                    self.text(c);
                }
                _ => {}
            },
            State::StrEsc => {
                if c == '\\' {
                    self.state = State::Text;
                } else {
                    // The ESC ended the string and starts a new escape.
                    self.state = State::Esc;
                    self.feed(c);
                }
            }
        }
    }

    fn text(&mut self, c: char) {
        match c {
            '\u{1b}' => self.state = State::Esc,
            '\u{9b}' => self.state = State::Csi,
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => self.state = State::Str,
            '\n' | '\u{2028}' | '\u{2029}' => self.out.push(if self.multi { '\n' } else { ' ' }),
            '\t' => self.out.push(if self.multi { '\t' } else { ' ' }),
            c if is_removed(c) => {}
            c => self.out.push(c),
        }
    }
}

/// Characters dropped wherever they appear (see the module docs).
fn is_removed(c: char) -> bool {
    matches!(c,
        '\u{00}'..='\u{1f}'            // C0 (\t and \n are handled before)
        | '\u{7f}'..='\u{9f}'          // DEL and C1
        | '\u{061c}'                   // Arabic letter mark
        | '\u{200b}'..='\u{200f}'      // zero-width space/joiners, LRM, RLM
        | '\u{202a}'..='\u{202e}'      // bidi embeddings and overrides
        | '\u{2060}'..='\u{2064}'      // word joiner, invisible operators
        | '\u{2066}'..='\u{2069}'      // bidi isolates
        | '\u{feff}'                   // zero-width no-break space (BOM)
        | '\u{e0000}'..='\u{e007f}'    // tag characters
        | '\u{e0100}'..='\u{e01ef}' // variation selectors supplement
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(s: &str) -> String {
        sanitize_line(s)
    }

    fn multi(s: &str) -> String {
        sanitize_multiline(s)
    }

    #[test]
    fn clean_text_is_borrowed_and_unchanged() {
        for s in [
            "SSH-2.0-OpenSSH_9.2p1 Debian-2",
            "Directory listing for /",
            "",
        ] {
            assert!(matches!(sanitize(s, Kind::Line), Cow::Borrowed(_)));
            assert_eq!(line(s), s);
        }
        assert!(matches!(
            sanitize("a\n\tb", Kind::MultiLine),
            Cow::Borrowed(_)
        ));
        assert_eq!(
            line("Café <Admin> & \"más\" 日本 😀"),
            "Café <Admin> & \"más\" 日本 😀"
        );
    }

    #[test]
    fn csi_sequences_are_removed() {
        let cases = [
            ("\x1b[31mred\x1b[0m", "red"),
            ("\x1b[2K/admin", "/admin"),
            ("\x1b[1;31;40mx\x1b[m", "x"),
            ("a\x1b[?25lb\x1b[?25h", "ab"),
            ("\u{9b}31mc1\u{9b}0m", "c1"),
            // cut short at the end, or broken by a character that cannot belong
            ("tail\x1b[31", "tail"),
            ("tail\x1b", "tail"),
            ("a\x1b[3\u{e9}b", "a\u{e9}b"),
        ];
        for (input, want) in cases {
            assert_eq!(line(input), want, "{input:?}");
        }
    }

    #[test]
    fn string_sequences_are_removed() {
        let cases = [
            ("\x1b]0;evil title\x07ok", "ok"),
            ("\x1b]8;;http://x.test/\x1b\\link\x1b]8;;\x1b\\", "link"),
            ("\x1bPq#0;2;0;0;0\x1b\\after", "after"),
            ("\u{9d}0;t\u{9c}after", "after"),
            ("\x1b_apc\x1b\\x", "x"),
            ("\x1b^pm\x07y", "y"),
            // unterminated: ends at the newline, which is kept
            ("a\x1b]0;title\nnext", "a\nnext"),
            // ESC inside a string that is not ST starts a new escape
            ("\x1b]0;t\x1b[31mz", "z"),
        ];
        for (input, want) in cases {
            assert_eq!(multi(input), want, "{input:?}");
        }
    }

    #[test]
    fn other_escapes_and_controls() {
        assert_eq!(line("\x1b(Bx\x1b#8y\x1b7z\x1b=w"), "xyzw");
        assert_eq!(line("a\x00b\x07c\x08d\x7fe\u{85}f"), "abcdef");
        assert_eq!(line("a\r\nb\tc"), "a b c");
        assert_eq!(multi("a\r\nb\tc\rd"), "a\nb\tcd");
        assert_eq!(line("a\u{2028}b"), "a b");
        assert_eq!(multi("a\u{2029}b"), "a\nb");
    }

    #[test]
    fn bidi_zero_width_and_tags_are_removed() {
        assert_eq!(line("abc\u{202e}fed\u{202c}"), "abcfed");
        assert_eq!(line("\u{2066}x\u{2069}\u{200e}\u{200f}\u{061c}"), "x");
        assert_eq!(
            line("ig\u{200b}nore\u{200c}\u{200d}\u{2060}\u{feff}"),
            "ignore"
        );
        // "hi" spelled in tag characters is invisible; it must not survive.
        assert_eq!(line("ok\u{e0068}\u{e0069}\u{e007f}"), "ok");
        assert_eq!(line("a\u{e0100}b"), "ab");
    }

    #[test]
    fn never_longer_than_the_input() {
        for s in ["\x1b[", "\u{202e}", "x\r", "\u{9b}", "é\x1b]"] {
            assert!(line(s).len() <= s.len());
            assert!(multi(s).len() <= s.len());
        }
    }
}
