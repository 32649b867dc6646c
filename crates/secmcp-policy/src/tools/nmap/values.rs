//! Typed nmap values: port lists, time specs and plain decimal numbers.
//! Each parser accepts one strict spelling and renders it back canonically.

use std::fmt;
use std::time::Duration;

use crate::grammar_util::{INPUT_CHARS, parse_decimal, shown};

/// The most items in one port list.
pub const MAX_PORT_ITEMS: usize = 100;

/// A transport protocol prefix in a port list (`T:` / `U:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Proto {
    /// `T:`
    Tcp,
    /// `U:`
    Udp,
}

/// One item of a port list: an inclusive range and an optional protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PortItem {
    /// The protocol prefix in force for this item, if any.
    pub proto: Option<Proto>,
    /// First port (1..=65535).
    pub start: u16,
    /// Last port (>= start).
    pub end: u16,
}

/// A validated port list.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PortList(Vec<PortItem>);

impl PortList {
    /// The items, in the order given.
    pub fn items(&self) -> &[PortItem] {
        &self.0
    }
}

/// Parses `80,443,8000-8100,T:22,U:53`; `-` alone is every port, `80-` and
/// `-1024` are open ranges. `T:`/`U:` (only when `allow_proto`) apply to the
/// item they start and to the items after it, as in nmap.
pub fn parse_port_list(s: &str, allow_proto: bool) -> Result<PortList, String> {
    if s.is_empty() {
        return Err("the port list is empty".into());
    }
    let mut proto = None;
    let mut items = Vec::new();
    for raw in s.split(',') {
        if items.len() == MAX_PORT_ITEMS {
            return Err(format!(
                "the port list has more than {MAX_PORT_ITEMS} items"
            ));
        }
        let (p, rest) = split_proto(raw);
        if p.is_some() {
            if !allow_proto {
                return Err(format!(
                    "'{}': protocol prefixes are not accepted here",
                    shown(raw, INPUT_CHARS)
                ));
            }
            proto = p;
        }
        let (start, end) = parse_range(rest)?;
        items.push(PortItem { proto, start, end });
    }
    Ok(PortList(items))
}

fn split_proto(item: &str) -> (Option<Proto>, &str) {
    if let Some(rest) = item.strip_prefix("T:") {
        (Some(Proto::Tcp), rest)
    } else if let Some(rest) = item.strip_prefix("U:") {
        (Some(Proto::Udp), rest)
    } else {
        (None, item)
    }
}

fn parse_range(item: &str) -> Result<(u16, u16), String> {
    if item.is_empty() {
        return Err("the port list has an empty item".into());
    }
    if let Some(bad) = item.chars().find(|c| !c.is_ascii_digit() && *c != '-') {
        let what = if bad.is_ascii_alphabetic() {
            "service names and protocol prefixes other than T:/U: are not accepted"
        } else {
            "only digits, ',', '-' and T:/U: prefixes are accepted"
        };
        return Err(format!("'{}': {what}", shown(item, INPUT_CHARS)));
    }
    let (lo, hi) = match item.split_once('-') {
        None => {
            let p = parse_port(item)?;
            return Ok((p, p));
        }
        Some((lo, hi)) => (lo, hi),
    };
    let start = if lo.is_empty() { 1 } else { parse_port(lo)? };
    let end = if hi.is_empty() {
        65535
    } else {
        parse_port(hi)?
    };
    if start > end {
        return Err(format!("'{item}': the range runs backwards"));
    }
    Ok((start, end))
}

fn parse_port(s: &str) -> Result<u16, String> {
    match parse_decimal(s, 5) {
        Some(n @ 1..=65535) => Ok(n as u16),
        _ => Err(format!("'{s}' is not a port number (1-65535)")),
    }
}

impl fmt::Display for PortList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = None;
        for (i, it) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if it.proto != shown {
                shown = it.proto;
                f.write_str(if it.proto == Some(Proto::Udp) {
                    "U:"
                } else {
                    "T:"
                })?;
            }
            if it.start == it.end {
                write!(f, "{}", it.start)?;
            } else {
                write!(f, "{}-{}", it.start, it.end)?;
            }
        }
        Ok(())
    }
}

/// An nmap time value, kept in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NmapTime {
    ms: u64,
}

impl NmapTime {
    /// Parses an integer with an optional unit `ms`, `s`, `m` or `h`
    /// (no unit = seconds, as in nmap).
    pub fn parse(s: &str) -> Result<Self, String> {
        let digits_end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (num, unit) = s.split_at(digits_end);
        let mult = match unit {
            "ms" => 1,
            "" | "s" => 1000,
            "m" => 60_000,
            "h" => 3_600_000,
            _ => {
                return Err(format!(
                    "'{}' is not a time (an integer with ms, s, m or h, e.g. 30s)",
                    shown(s, INPUT_CHARS)
                ));
            }
        };
        parse_decimal(num, 9)
            .and_then(|n| n.checked_mul(mult))
            .map(|ms| Self { ms })
            .ok_or_else(|| {
                format!(
                    "'{}' is not a time (an integer with ms, s, m or h, e.g. 30s)",
                    shown(s, INPUT_CHARS)
                )
            })
    }

    /// A time of `ms` milliseconds.
    pub fn from_millis(ms: u64) -> Self {
        Self { ms }
    }

    /// A time of `d`, rounded down to whole milliseconds.
    pub fn from_duration(d: Duration) -> Self {
        Self {
            ms: u64::try_from(d.as_millis()).unwrap_or(u64::MAX),
        }
    }

    /// The value in milliseconds.
    pub fn millis(self) -> u64 {
        self.ms
    }
}

impl fmt::Display for NmapTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ms.is_multiple_of(1000) {
            write!(f, "{}s", self.ms / 1000)
        } else {
            write!(f, "{}ms", self.ms)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_lists_render_canonically() {
        for (input, want) in [
            ("80", "80"),
            ("80,443", "80,443"),
            ("1-1024", "1-1024"),
            ("-", "1-65535"),
            ("80-", "80-65535"),
            ("-1024", "1-1024"),
            ("22,T:80,443,U:53,161", "22,T:80,443,U:53,161"),
            ("U:53,T:53", "U:53,T:53"),
            ("65535", "65535"),
            ("5-5", "5"),
            ("080", "80"),
        ] {
            assert_eq!(
                parse_port_list(input, true).unwrap().to_string(),
                want,
                "{input}"
            );
        }
    }

    #[test]
    fn port_lists_reject_with_reason() {
        let many = vec!["1"; MAX_PORT_ITEMS + 1].join(",");
        for (input, needle) in [
            ("", "empty"),
            ("80,", "empty item"),
            (",80", "empty item"),
            ("0", "not a port"),
            ("65536", "not a port"),
            ("http", "service names"),
            ("80,ssh", "service names"),
            ("*", "only digits"),
            ("8?", "only digits"),
            ("[1-1024]", "only digits"),
            ("S:80", "service names"),
            ("100-1", "backwards"),
            ("1-2-3", "not a port"),
            ("80;id", "only digits"),
            ("+80", "only digits"),
            (many.as_str(), "more than 100"),
        ] {
            let err = parse_port_list(input, true).unwrap_err();
            assert!(err.contains(needle), "{input}: {err}");
        }
        assert!(parse_port_list(&vec!["1"; MAX_PORT_ITEMS].join(","), true).is_ok());
        assert!(
            parse_port_list("T:80", false)
                .unwrap_err()
                .contains("prefixes")
        );
    }

    #[test]
    fn times() {
        for (input, ms) in [
            ("0", 0),
            ("30", 30_000),
            ("30s", 30_000),
            ("250ms", 250),
            ("2m", 120_000),
            ("1h", 3_600_000),
        ] {
            assert_eq!(NmapTime::parse(input).unwrap().millis(), ms, "{input}");
        }
        for bad in [
            "",
            "s",
            "1.5s",
            "-1",
            "1d",
            "10 s",
            "1s;id",
            "0x10",
            "1234567890",
            "+1",
        ] {
            assert!(NmapTime::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(NmapTime::parse("1500ms").unwrap().to_string(), "1500ms");
        assert_eq!(NmapTime::parse("2m").unwrap().to_string(), "120s");
        assert_eq!(
            NmapTime::from_duration(Duration::from_secs(90)).to_string(),
            "90s"
        );
    }
}
