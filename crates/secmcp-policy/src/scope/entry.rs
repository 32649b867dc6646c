//! `ScopeEntry`: one item of `security.allowed_targets` / `security.denied_targets`.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use crate::address::{Cidr, Hostname, parse_canonical_ipv4, parse_cidr};

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
    /// leading dot; in an allow list it matches the names under it
    /// (`web.lab.internal`), not `lab.internal` itself; in a deny list it
    /// matches both (denying is never narrower than it reads).
    Suffix(String),
    /// One host name, matched exactly (`lab.internal`), for an operator who
    /// wants a suffix's apex or a single name in scope.
    Name(Hostname),
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
            ScopeEntry::Suffix(_) | ScopeEntry::Name(_) => false,
        }
    }

    /// Whether this allow entry admits `name`: a suffix entry for a name
    /// strictly below it, a name entry for that very name.
    pub fn allows_name(&self, name: &Hostname) -> bool {
        match self {
            ScopeEntry::Suffix(s) => Hostname::parse(&s[1..])
                .is_ok_and(|sfx| name.is_within(&sfx) && name.as_str() != sfx.as_str()),
            ScopeEntry::Name(n) => n == name,
            _ => false,
        }
    }

    /// Whether this deny entry refuses `name`: a suffix entry for the suffix
    /// itself and every name under it, a name entry for that very name.
    pub fn denies_name(&self, name: &Hostname) -> bool {
        match self {
            ScopeEntry::Suffix(s) => Hostname::parse(&s[1..]).is_ok_and(|sfx| name.is_within(&sfx)),
            ScopeEntry::Name(n) => n == name,
            _ => false,
        }
    }
}

/// A config string that is not a scope entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid scope entry '{entry}': {reason}; allowed forms are RFC1918, loopback, a CIDR (10.0.0.0/24, 2001:db8::/64), a single IP (10.0.0.5), a domain suffix starting with '.' (.lab.internal: the names under it) or one host name (web.lab.internal)"
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
        let cidr = parse_cidr(addr, prefix)?;
        let written: IpAddr = if addr.contains(':') {
            IpAddr::V6(
                addr.parse()
                    .map_err(|_| "not a valid IPv6 address".to_string())?,
            )
        } else {
            IpAddr::V4(parse_canonical_ipv4(addr)?)
        };
        refuse_mapped(written)?;
        if cidr.addr() != written {
            return Err(format!(
                "{addr} has bits set beyond the /{prefix} prefix, so it reads as a different network than written: write {cidr}"
            ));
        }
        return Ok(ScopeEntry::Cidr(cidr));
    }
    if s.contains(':') {
        let ip = s
            .parse::<std::net::Ipv6Addr>()
            .map(IpAddr::V6)
            .map_err(|_| "not a valid IPv6 address".to_string())?;
        refuse_mapped(ip)?;
        return Ok(ScopeEntry::Cidr(Cidr::single(ip)));
    }
    if s.bytes().any(|b| b.is_ascii_alphabetic()) {
        let name = Hostname::parse(s).map_err(|why| {
            format!("not a keyword, address, CIDR, suffix ('.' first) or host name: {why}")
        })?;
        if !name.as_str().contains('.') {
            return Err(
                "a single-label name is not accepted as a host name entry (write a full name, or a suffix starting with '.')"
                    .to_string(),
            );
        }
        return Ok(ScopeEntry::Name(name));
    }
    parse_canonical_ipv4(s).map(|ip| ScopeEntry::Cidr(Cidr::single(IpAddr::V4(ip))))
}

/// IPv4-mapped IPv6 entries (`::ffff:0:0/96`) are refused: they denote IPv4
/// space in IPv6 spelling, which is easy to misread (that one is all of IPv4).
fn refuse_mapped(ip: IpAddr) -> Result<(), String> {
    match ip {
        IpAddr::V6(v6) if v6.to_ipv4_mapped().is_some() => Err(format!(
            "{v6} is an IPv4-mapped IPv6 address: write the IPv4 form ({}) instead",
            v6.to_ipv4_mapped()
                .map_or_else(String::new, |v4| v4.to_string())
        )),
        _ => Ok(()),
    }
}

impl fmt::Display for ScopeEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScopeEntry::Rfc1918 => f.write_str("RFC1918"),
            ScopeEntry::Loopback => f.write_str("loopback"),
            ScopeEntry::Cidr(c) => c.fmt(f),
            ScopeEntry::Suffix(s) => f.write_str(s),
            ScopeEntry::Name(n) => n.fmt(f),
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
        assert_eq!(entry("10.0.0.0/24").to_string(), "10.0.0.0/24");
        assert_eq!(entry("2001:db8::1").to_string(), "2001:db8::1/128");
        assert_eq!(entry(".Lab.Internal").to_string(), ".lab.internal");
        assert_eq!(entry("Lab.Internal").to_string(), "lab.internal");
        assert_eq!(
            entry(".lab.internal."),
            ScopeEntry::Suffix(".lab.internal".into())
        );
    }

    #[test]
    fn errors_name_the_entry_and_the_allowed_forms() {
        for (s, needle) in [
            ("*.lab.internal", "suffix ('.' first) or host name"),
            ("lab", "single-label name"),
            ("::ffff:0:0/96", "IPv4-mapped"),
            ("::ffff:10.0.0.0/104", "write the IPv4 form (10.0.0.0)"),
            ("::ffff:10.0.0.7", "write the IPv4 form (10.0.0.7)"),
            ("10.0.0.1/8", "write 10.0.0.0/8"),
            ("10.0.0.5/24", "write 10.0.0.0/24"),
            ("2001:db8::1/32", "write 2001:db8::/32"),
            (".", "empty"),
            ("..lab", "empty label"),
            (".lab_x", "'_'"),
            ("10.0.0.0/33", "longer than 32"),
            ("010.0.0.1", "leading zero"),
            ("10.0.0.1-5", "not a decimal"),
            ("", "four octets"),
            ("private", "single-label"),
        ] {
            let e = s.parse::<ScopeEntry>().unwrap_err().to_string();
            assert!(e.contains(&format!("'{s}'")), "{e}");
            assert!(e.contains(needle), "{s}: {e}");
            assert!(e.contains("RFC1918, loopback, a CIDR"), "{e}");
            assert!(e.contains("one host name"), "{e}");
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
