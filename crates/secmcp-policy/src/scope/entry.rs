//! `ScopeEntry`: one item of `security.allowed_targets` / `security.denied_targets`.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use crate::target::{Cidr, Hostname, parse_canonical_ipv4, parse_cidr};

/// One scope entry, as written in the config.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ScopeEntry {
    /// `RFC1918`: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 (IPv4 only).
    Rfc1918,
    /// `loopback`: 127.0.0.0/8 and ::1.
    Loopback,
    /// A network or single address (`10.0.0.0/24`, `10.0.0.5`, `2001:db8::/64`).
    Cidr(Cidr),
    /// A domain suffix such as `.lab.internal`, stored lower-case with its
    /// leading dot; it matches `lab.internal` and any name under it.
    Suffix(String),
}

const RFC1918: [([u8; 4], u8); 3] = [
    ([10, 0, 0, 0], 8),
    ([172, 16, 0, 0], 12),
    ([192, 168, 0, 0], 16),
];

impl ScopeEntry {
    /// Whether this is an address entry containing `ip`. `ip` must already be
    /// canonical (IPv4-mapped IPv6 converted to IPv4). Suffixes never match.
    pub fn contains_ip(&self, ip: IpAddr) -> bool {
        match self {
            ScopeEntry::Rfc1918 => RFC1918
                .iter()
                .any(|&(net, p)| Cidr::new(IpAddr::from(net), p).is_some_and(|c| c.contains(ip))),
            ScopeEntry::Loopback => ip.is_loopback(),
            ScopeEntry::Cidr(c) => c.contains(ip),
            ScopeEntry::Suffix(_) => false,
        }
    }

    /// Whether this is a suffix entry matching `name` on a dot boundary.
    pub fn matches_name(&self, name: &Hostname) -> bool {
        match self {
            ScopeEntry::Suffix(s) => Hostname::parse(&s[1..]).is_ok_and(|sfx| name.is_within(&sfx)),
            _ => false,
        }
    }
}

/// A config string that is not a scope entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid scope entry '{entry}': {reason}; allowed forms are RFC1918, loopback, a CIDR (10.0.0.0/24, 2001:db8::/64), a single IP (10.0.0.5) or a domain suffix starting with '.' (.lab.internal)"
)]
pub struct ScopeEntryError {
    /// The entry as written.
    pub entry: String,
    /// What was wrong with it.
    pub reason: String,
}

impl FromStr for ScopeEntry {
    type Err = ScopeEntryError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_entry(s).map_err(|reason| ScopeEntryError {
            entry: s.escape_default().to_string(),
            reason,
        })
    }
}

fn parse_entry(s: &str) -> Result<ScopeEntry, String> {
    if s.eq_ignore_ascii_case("rfc1918") {
        return Ok(ScopeEntry::Rfc1918);
    }
    if s.eq_ignore_ascii_case("loopback") {
        return Ok(ScopeEntry::Loopback);
    }
    if let Some(name) = s.strip_prefix('.') {
        let host = Hostname::parse(name)?;
        return Ok(ScopeEntry::Suffix(format!(".{host}")));
    }
    if let Some((addr, prefix)) = s.split_once('/') {
        return parse_cidr(addr, prefix).map(|c| ScopeEntry::Cidr(c.to_canonical()));
    }
    parse_single_ip(s).map(|ip| ScopeEntry::Cidr(Cidr::single(ip.to_canonical())))
}

fn parse_single_ip(s: &str) -> Result<IpAddr, String> {
    if s.contains(':') {
        return s
            .parse::<std::net::Ipv6Addr>()
            .map(IpAddr::V6)
            .map_err(|_| "not a valid IPv6 address".to_string());
    }
    parse_canonical_ipv4(s).map(IpAddr::V4).map_err(|why| {
        if s.bytes().any(|b| b.is_ascii_alphabetic()) {
            "not a keyword, address or CIDR (domain suffixes must start with '.')".to_string()
        } else {
            why
        }
    })
}

impl fmt::Display for ScopeEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScopeEntry::Rfc1918 => f.write_str("RFC1918"),
            ScopeEntry::Loopback => f.write_str("loopback"),
            ScopeEntry::Cidr(c) => c.fmt(f),
            ScopeEntry::Suffix(s) => f.write_str(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(s: &str) -> ScopeEntry {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn parses_every_form() {
        assert_eq!(entry("RFC1918"), ScopeEntry::Rfc1918);
        assert_eq!(entry("rfc1918"), ScopeEntry::Rfc1918);
        assert_eq!(entry("loopback"), ScopeEntry::Loopback);
        assert_eq!(entry("10.0.0.5").to_string(), "10.0.0.5/32");
        assert_eq!(entry("10.0.0.5/24").to_string(), "10.0.0.0/24");
        assert_eq!(entry("2001:db8::1").to_string(), "2001:db8::1/128");
        assert_eq!(entry("::ffff:10.0.0.0/104").to_string(), "10.0.0.0/8");
        assert_eq!(entry("::ffff:10.0.0.7").to_string(), "10.0.0.7/32");
        assert_eq!(entry(".Lab.Internal").to_string(), ".lab.internal");
        assert_eq!(
            entry(".lab.internal."),
            ScopeEntry::Suffix(".lab.internal".into())
        );
    }

    #[test]
    fn errors_name_the_entry_and_the_allowed_forms() {
        for (s, needle) in [
            ("lab.internal", "suffixes must start with '.'"),
            ("*.lab.internal", "suffixes must start with '.'"),
            (".", "empty"),
            ("..lab", "empty label"),
            (".lab_x", "'_'"),
            ("10.0.0.0/33", "longer than 32"),
            ("010.0.0.1", "leading zero"),
            ("10.0.0.1-5", "not a decimal"),
            ("", "four octets"),
            ("private", "not a keyword"),
        ] {
            let e = s.parse::<ScopeEntry>().unwrap_err().to_string();
            assert!(e.contains(&format!("'{s}'")), "{e}");
            assert!(e.contains(needle), "{s}: {e}");
            assert!(e.contains("RFC1918, loopback, a CIDR"), "{e}");
        }
    }

    #[test]
    fn rfc1918_boundaries() {
        let inside = [
            "10.0.0.0",
            "10.255.255.255",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.0.1",
        ];
        let outside = [
            "9.255.255.255",
            "11.0.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.167.255.255",
            "192.169.0.0",
            "8.8.8.8",
            "fd00::1",
        ];
        for s in inside {
            assert!(ScopeEntry::Rfc1918.contains_ip(s.parse().unwrap()), "{s}");
        }
        for s in outside {
            assert!(!ScopeEntry::Rfc1918.contains_ip(s.parse().unwrap()), "{s}");
        }
    }

    #[test]
    fn loopback_covers_127_8_and_v6() {
        for s in ["127.0.0.1", "127.255.0.9", "::1"] {
            assert!(ScopeEntry::Loopback.contains_ip(s.parse().unwrap()), "{s}");
        }
        for s in ["128.0.0.1", "::2", "10.0.0.1"] {
            assert!(!ScopeEntry::Loopback.contains_ip(s.parse().unwrap()), "{s}");
        }
    }
}
