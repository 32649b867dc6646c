//! Shell-style tokenising of `extra_args`. No shell is ever run.
//!
//! Whitespace separates tokens; single quotes are literal; double quotes allow
//! `\"` and `\\`; a backslash outside quotes escapes the next character.
//! Shell metacharacters (`; | & $ ` < > ( ) { } * ?`) are NOT special: they
//! stay inside tokens, where the tool grammar rejects them as bad values.

/// The default input limit, in bytes.
pub const DEFAULT_MAX_ARGS_BYTES: usize = 2048;
/// The most tokens accepted.
pub const MAX_TOKENS: usize = 64;

/// Why `extra_args` could not be tokenised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The input is longer than the limit.
    #[error("extra_args is {len} bytes; the limit is {max}")]
    TooLong {
        /// The input length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// More than [`MAX_TOKENS`] tokens.
    #[error("extra_args has more than {MAX_TOKENS} arguments")]
    TooManyTokens,
    /// A quote was opened and never closed.
    #[error("extra_args has an unterminated {0} quote")]
    UnterminatedQuote(&'static str),
    /// A backslash at the very end escapes nothing.
    #[error("extra_args ends with a lone backslash")]
    TrailingBackslash,
    /// NUL or another control character (tabs and newlines separate tokens).
    #[error("extra_args contains the control character {0:?}")]
    ControlChar(char),
}

/// Splits `input` into tokens; `max_bytes` caps the input length.
pub fn tokenize(input: &str, max_bytes: usize) -> Result<Vec<String>, TokenError> {
    if input.len() > max_bytes {
        return Err(TokenError::TooLong {
            len: input.len(),
            max: max_bytes,
        });
    }
    if let Some(c) = input.chars().find(|c| c.is_control() && !is_separator(*c)) {
        return Err(TokenError::ControlChar(c));
    }
    Lexer::default().run(input)
}

fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

#[derive(Default)]
struct Lexer {
    tokens: Vec<String>,
    cur: String,
    in_token: bool,
}

impl Lexer {
    fn run(mut self, input: &str) -> Result<Vec<String>, TokenError> {
        let mut chars = input.chars();
        while let Some(c) = chars.next() {
            match c {
                c if is_separator(c) => self.finish()?,
                '\'' => self.single_quoted(&mut chars)?,
                '"' => self.double_quoted(&mut chars)?,
                '\\' => {
                    let next = chars.next().ok_or(TokenError::TrailingBackslash)?;
                    self.push(next);
                }
                c => self.push(c),
            }
        }
        self.finish()?;
        Ok(self.tokens)
    }

    fn push(&mut self, c: char) {
        self.cur.push(c);
        self.in_token = true;
    }

    fn finish(&mut self) -> Result<(), TokenError> {
        if self.in_token {
            if self.tokens.len() == MAX_TOKENS {
                return Err(TokenError::TooManyTokens);
            }
            self.tokens.push(std::mem::take(&mut self.cur));
            self.in_token = false;
        }
        Ok(())
    }

    fn single_quoted(&mut self, chars: &mut std::str::Chars<'_>) -> Result<(), TokenError> {
        self.in_token = true;
        for c in chars.by_ref() {
            if c == '\'' {
                return Ok(());
            }
            self.cur.push(c);
        }
        Err(TokenError::UnterminatedQuote("single"))
    }

    fn double_quoted(&mut self, chars: &mut std::str::Chars<'_>) -> Result<(), TokenError> {
        self.in_token = true;
        while let Some(c) = chars.next() {
            match c {
                '"' => return Ok(()),
                '\\' => match chars.next() {
                    Some(e @ ('"' | '\\')) => self.cur.push(e),
                    Some(other) => {
                        self.cur.push('\\');
                        self.cur.push(other);
                    }
                    None => break,
                },
                c => self.cur.push(c),
            }
        }
        Err(TokenError::UnterminatedQuote("double"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(s: &str) -> Vec<String> {
        tokenize(s, DEFAULT_MAX_ARGS_BYTES).unwrap_or_else(|e| panic!("{s:?}: {e}"))
    }

    #[test]
    fn splits_and_unquotes() {
        let cases: &[(&str, &[&str])] = &[
            ("", &[]),
            ("   \t\n ", &[]),
            ("-sV -p 80", &["-sV", "-p", "80"]),
            ("  -sV\t-p\n80  ", &["-sV", "-p", "80"]),
            ("'a b' c", &["a b", "c"]),
            ("'a\\b'", &["a\\b"]),
            ("\"a \\\"b\\\" \\\\ \\n\"", &["a \"b\" \\ \\n"]),
            ("a\\ b", &["a b"]),
            ("\\'x", &["'x"]),
            ("''", &[""]),
            ("\"\"x", &["x"]),
            ("a'b'\"c\"d", &["abcd"]),
            ("--script=banner;id", &["--script=banner;id"]),
            (
                "$(id) `id` a|b&c <x >y {z} * ?",
                &["$(id)", "`id`", "a|b&c", "<x", ">y", "{z}", "*", "?"],
            ),
        ];
        for (input, want) in cases {
            assert_eq!(&t(input), want, "{input:?}");
        }
    }

    #[test]
    fn errors() {
        let max = DEFAULT_MAX_ARGS_BYTES;
        assert_eq!(
            tokenize("'abc", max),
            Err(TokenError::UnterminatedQuote("single"))
        );
        assert_eq!(
            tokenize("\"abc", max),
            Err(TokenError::UnterminatedQuote("double"))
        );
        assert_eq!(
            tokenize("\"abc\\", max),
            Err(TokenError::UnterminatedQuote("double"))
        );
        assert_eq!(tokenize("abc\\", max), Err(TokenError::TrailingBackslash));
        assert_eq!(tokenize("a\0b", max), Err(TokenError::ControlChar('\0')));
        assert_eq!(
            tokenize("'a\u{1b}b'", max),
            Err(TokenError::ControlChar('\u{1b}'))
        );
        assert_eq!(
            tokenize("a\u{7f}", max),
            Err(TokenError::ControlChar('\u{7f}'))
        );
        assert_eq!(
            tokenize("a\u{85}", max),
            Err(TokenError::ControlChar('\u{85}'))
        );
        assert_eq!(
            tokenize("abcdef", 5),
            Err(TokenError::TooLong { len: 6, max: 5 })
        );
        assert!(tokenize(&"a".repeat(2049), max).is_err());
        assert!(tokenize(&"a".repeat(2048), max).is_ok());
    }

    #[test]
    fn token_count_limit() {
        let ok = vec!["-v"; MAX_TOKENS].join(" ");
        assert_eq!(t(&ok).len(), MAX_TOKENS);
        let over = vec!["-v"; MAX_TOKENS + 1].join(" ");
        assert_eq!(tokenize(&over, 4096), Err(TokenError::TooManyTokens));
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,200}|[ '\"\\\\a-]{0,60}") {
            let _ = tokenize(&s, DEFAULT_MAX_ARGS_BYTES);
        }

        #[test]
        fn plain_words_round_trip(words in proptest::collection::vec("[a-zA-Z0-9=,:-]{1,10}", 0..20)) {
            prop_assert_eq!(t(&words.join(" ")), words);
        }
    }
}
