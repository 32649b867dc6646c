//! How much of a parsed report to return: [`Detail`], and the small helpers every
//! report's `project` uses. A projection only removes or shortens, and counts what it
//! removed in the report's existing `*_omitted` fields, so one JSON Schema (the
//! tool's `outputSchema`) describes all three levels; fields are just emptier.
//!
//! Must not: do I/O, or add anything a parser did not produce.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::bounds::TRUNCATION_MARKER;
use crate::text::clip;

/// How much detail a tool result carries. The text summary always names the key
/// findings; this decides how much of the structured result comes with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Detail {
    /// Counts and the most relevant items only: for a scan, hosts that are up and
    /// their open ports with service names and versions, no script output, one OS
    /// guess; for enumerations, the first few items.
    Summary,
    /// The default: open and filtered ports listed, closed ports counted (not listed),
    /// long script outputs and other long texts cut, at most 3 OS guesses, long lists
    /// shortened.
    #[default]
    Standard,
    /// Everything that was parsed (still within the parser's size limits).
    Full,
}

/// Longest script output, banner or record data kept at [`Detail::Standard`], in bytes.
pub(crate) const STANDARD_TEXT_BYTES: usize = 512;
/// Longest text kept at [`Detail::Summary`], in bytes.
pub(crate) const SUMMARY_TEXT_BYTES: usize = 160;

/// Cuts `s` in place to `max` bytes (plus the marker) when it is longer.
pub(crate) fn cut(s: &mut String, max: usize) {
    let body = s.strip_suffix(TRUNCATION_MARKER).unwrap_or(s);
    if body.len() > max {
        *s = clip(body, max);
    }
}

/// Keeps the first `n` items of `v`, adding how many were dropped to `omitted`.
pub(crate) fn keep<T>(v: &mut Vec<T>, n: usize, omitted: &mut u64) {
    if v.len() > n {
        *omitted += (v.len() - n) as u64;
        v.truncate(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_and_keep() {
        let mut s = "x".repeat(10);
        cut(&mut s, 20);
        assert_eq!(s, "x".repeat(10));
        cut(&mut s, 4);
        assert_eq!(s, format!("xxxx{TRUNCATION_MARKER}"));
        // Already cut by the parser: cut again without a second marker.
        let mut t = format!("{}{TRUNCATION_MARKER}", "y".repeat(30));
        cut(&mut t, 5);
        assert_eq!(t, format!("yyyyy{TRUNCATION_MARKER}"));
        let (mut v, mut n) = (vec![1, 2, 3, 4], 1);
        keep(&mut v, 2, &mut n);
        assert_eq!((v, n), (vec![1, 2], 3));
    }

    #[test]
    fn detail_is_snake_case_and_defaults_to_standard() {
        assert_eq!(Detail::default(), Detail::Standard);
        let d: Detail = serde_json::from_str("\"summary\"").unwrap();
        assert_eq!(d, Detail::Summary);
        assert_eq!(serde_json::to_string(&Detail::Full).unwrap(), "\"full\"");
    }
}
