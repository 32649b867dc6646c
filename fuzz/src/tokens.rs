//! `extra_args` tokenising.
//!
//! Invariants: a refused input is refused for a reason that holds (too long,
//! a control character, an open quote, a trailing backslash, too many
//! tokens); an accepted one gives at most `MAX_TOKENS` tokens, no more text
//! than it had, no control character but the separators, and quoting every
//! token in single quotes and joining them gives the same tokens back.

use secmcp_policy::tokens::{DEFAULT_MAX_ARGS_BYTES, MAX_TOKENS, TokenError, tokenize};

/// Runs the tokenizer checks on one input.
pub fn check(data: &[u8]) {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    match tokenize(input, DEFAULT_MAX_ARGS_BYTES) {
        Ok(tokens) => {
            assert!(
                tokens.len() <= MAX_TOKENS,
                "{input:?}: {} tokens",
                tokens.len()
            );
            let text: usize = tokens.iter().map(String::len).sum();
            assert!(
                text <= input.len(),
                "{input:?}: tokens longer than the input"
            );
            for t in &tokens {
                assert!(
                    !t.chars()
                        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')),
                    "{input:?}: token {t:?} holds a control character"
                );
            }
            let quoted: Vec<String> = tokens
                .iter()
                .map(|t| format!("'{}'", t.replace('\'', r"'\''")))
                .collect();
            let again = tokenize(&quoted.join(" "), usize::MAX)
                .unwrap_or_else(|e| panic!("{input:?}: re-quoted tokens refused: {e}"));
            assert_eq!(again, tokens, "{input:?}: quoting round trip");
        }
        Err(TokenError::TooLong { len, max }) => {
            assert!(
                len > max && len == input.len(),
                "{input:?}: TooLong({len}, {max})"
            )
        }
        Err(TokenError::ControlChar(c)) => {
            assert!(
                c.is_control() && input.contains(c),
                "{input:?}: ControlChar({c:?})"
            )
        }
        Err(TokenError::UnterminatedQuote(_)) => {
            assert!(input.contains(['\'', '"']), "{input:?}: no quote at all")
        }
        Err(TokenError::TrailingBackslash) => {
            assert!(input.ends_with('\\'), "{input:?}: no trailing backslash")
        }
        Err(TokenError::TooManyTokens) => {}
    }
}
