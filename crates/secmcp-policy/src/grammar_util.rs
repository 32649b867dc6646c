//! Helpers every grammar shares: showing untrusted text in a message, plain
//! decimal numbers, "given more than once", and the hint of an
//! `allow_intrusive` refusal (the gate itself is `Rules::need_intrusive`).
//!
//! Only helpers whose semantics really are the same for every caller live
//! here. Value kinds that merely look alike stay with their tool: nmap's and
//! masscan's port lists differ (open ranges and sticky `T:`/`U:` in nmap,
//! port 0 in masscan), as do the three time forms (nmap `30s`/`1h`, Go
//! `500ms` for gobuster, sqlmap's decimal seconds) and the two HTTP status
//! lists (gobuster ranges, sqlmap plain codes).
//!
//! Must not: know about any one tool, or build messages that name a tool.

/// How much of a caller's token a message shows, in characters.
pub(crate) const TOKEN_CHARS: usize = 64;

/// How much of a caller's target, URL or file name a message shows.
pub(crate) const INPUT_CHARS: usize = 80;

/// The hint of every `security.allow_intrusive` refusal of a single option.
pub(crate) const INTRUSIVE_HINT: &str =
    "remove it, or ask the operator to set security.allow_intrusive: true";

/// Untrusted text for a message: at most `max_chars` characters of `s`, each
/// escaped with [`char::escape_default`] (so quotes, backslashes, control
/// characters and non-ASCII cannot forge or break the message), and `…` when
/// it was cut.
pub(crate) fn shown(s: &str, max_chars: usize) -> String {
    let mut out: String = s
        .chars()
        .take(max_chars)
        .flat_map(char::escape_default)
        .collect();
    if s.chars().nth(max_chars).is_some() {
        out.push('…');
    }
    out
}

/// A plain decimal number of at most `max_digits` digits (no sign, no
/// spaces, no `0x`); leading zeros are allowed.
pub(crate) fn parse_decimal(s: &str, max_digits: usize) -> Option<u64> {
    if s.is_empty() || s.len() > max_digits || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A whole number from `min` to `max` written with at most `max_digits`
/// digits; the error is the message every grammar uses for it.
pub(crate) fn whole_number(
    v: &str,
    name: &str,
    min: u64,
    max: u64,
    max_digits: usize,
) -> Result<u64, String> {
    parse_decimal(v, max_digits)
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| {
            format!(
                "{name} needs a whole number from {min} to {max}, got '{}'",
                shown(v, TOKEN_CHARS)
            )
        })
}

/// Sets an option that may be given once.
pub(crate) fn once<T>(slot: &mut Option<T>, value: T, name: &str) -> Result<(), String> {
    if slot.is_some() {
        return Err(format!("{name} is given more than once"));
    }
    *slot = Some(value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_escapes_and_cuts() {
        assert_eq!(shown("abc", 3), "abc");
        assert_eq!(shown("abcd", 3), "abc…");
        assert_eq!(shown("a'\n\u{1b}é", 10), "a\\'\\n\\u{1b}\\u{e9}");
        assert_eq!(shown("", 3), "");
    }

    #[test]
    fn decimals_are_plain_digits() {
        assert_eq!(parse_decimal("007", 3), Some(7));
        for bad in ["", "0007", "+1", "-1", " 1", "1 ", "0x1", "1.0"] {
            assert_eq!(parse_decimal(bad, 3), None, "{bad:?}");
        }
        assert_eq!(whole_number("5", "-t", 1, 9, 10), Ok(5));
        assert_eq!(
            whole_number("10", "-t", 1, 9, 10).unwrap_err(),
            "-t needs a whole number from 1 to 9, got '10'"
        );
    }
}
