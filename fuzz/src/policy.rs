//! Target parsing and the scope decision.
//!
//! Input, one item per line: the target; allow entries (space-separated);
//! deny entries (space-separated); the addresses a host name resolved to
//! (space-separated, std syntax).
//!
//! Invariants:
//! - an accepted target uses only the characters the policy documents, never
//!   starts with `-`, and is a fixed point of parse -> display -> parse;
//! - an accepted IPv4 literal is exactly its canonical dotted quad, and no
//!   string that libc's `inet_aton` reads as an address (octal, hex, short
//!   forms, a bare number) is ever taken for a host name, so nmap and the
//!   policy never disagree on which address a target is;
//! - the scope decision equals the documented rules restated in `judge`
//!   (always-denied addresses, deny wins, the metadata address needs a
//!   narrow allow CIDR, IPv4-mapped IPv6 judged as IPv4, names by suffix and
//!   every resolved address), for addresses, CIDRs (up to 1024 addresses)
//!   and host names.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use secmcp_policy::{Cidr, Hostname, MAX_TARGET_LEN, Scope, ScopeEntry, Target, parse_target};

/// The largest CIDR whose every address the check walks.
const MAX_WALK: u128 = 1024;

/// Runs the target-and-scope checks on one input.
pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut lines = text.split('\n');
    let target = lines.next().unwrap_or("");
    let allow: Vec<&str> = lines.next().unwrap_or("").split_whitespace().collect();
    let deny: Vec<&str> = lines.next().unwrap_or("").split_whitespace().collect();
    let resolved: Vec<IpAddr> = lines
        .next()
        .unwrap_or("")
        .split_whitespace()
        .filter_map(|a| a.parse().ok())
        .collect();

    let parsed = parse_target(target);
    if let Ok(t) = &parsed {
        check_accepted(target, t);
    }
    // A refused target must not be one inet_aton reads while std does not
    // parse it as anything: that is fine. But an accepted host name must not
    // be an address to libc.
    if let Ok(Target::Host(h)) = &parsed {
        assert!(
            inet_aton(target).is_none() && target.parse::<IpAddr>().is_err(),
            "{target:?} is accepted as the host name {h} but libc reads it as an address"
        );
    }

    // Scope entries: whatever parses (a failing entry must fail cleanly).
    let entries = |v: &[&str]| -> Vec<ScopeEntry> {
        v.iter()
            .filter_map(|e| e.parse::<ScopeEntry>().ok())
            .collect()
    };
    let _ = Scope::parse(&allow, &deny);
    let scope = Scope::new(entries(&allow), entries(&deny));
    let Ok(t) = parsed else {
        return;
    };
    let want = match &t {
        Target::Ip(ip) => Some(judge(&scope, *ip)),
        Target::Cidr(c) if c.size() <= MAX_WALK => Some(c.iter().all(|ip| judge(&scope, ip))),
        Target::Cidr(_) => None,
        Target::Host(h) => Some(
            name_allowed(&scope, h)
                && !resolved.is_empty()
                && resolved.iter().all(|&ip| judge(&scope, ip)),
        ),
    };
    if let Some(want) = want {
        let got = scope.check(&t, &resolved);
        assert_eq!(
            got.is_ok(),
            want,
            "scope decision for {t} (resolved {resolved:?}) under allow {allow:?} deny {deny:?}: got {got:?}"
        );
    }
    if let Target::Ip(ip) = t {
        assert_eq!(scope.check_ip(ip).is_ok(), judge(&scope, ip));
    }
}

/// What an accepted target must look like.
pub fn check_accepted(s: &str, t: &Target) {
    assert!(!s.is_empty() && s.len() <= MAX_TARGET_LEN, "{s:?}: length");
    assert!(!s.starts_with('-'), "{s:?} starts with '-'");
    assert!(
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'/')),
        "{s:?} has a character outside the documented set"
    );
    let again = parse_target(&t.to_string());
    assert_eq!(
        again.as_ref().ok(),
        Some(t),
        "{s:?} -> {t} does not parse back to itself"
    );
    match t {
        Target::Ip(IpAddr::V4(v4)) => {
            assert_eq!(
                s,
                v4.to_string(),
                "{s:?} is accepted but is not canonical IPv4"
            )
        }
        Target::Ip(IpAddr::V6(v6)) => {
            assert_eq!(
                s.parse::<Ipv6Addr>().ok(),
                Some(*v6),
                "{s:?}: IPv6 differs from std"
            )
        }
        Target::Cidr(c) => {
            let (addr, prefix) = s.split_once('/').expect("a CIDR has a '/'");
            assert_eq!(prefix.parse::<u8>().ok(), Some(c.prefix()), "{s:?}: prefix");
            assert!(
                !(prefix.len() > 1 && prefix.starts_with('0')),
                "{s:?}: leading zero"
            );
            let ip: IpAddr = addr.parse().expect("a CIDR's address is std syntax");
            if let IpAddr::V4(v4) = ip {
                assert_eq!(addr, v4.to_string(), "{s:?}: CIDR address not canonical");
            }
            assert!(
                c.contains(ip),
                "{s:?}: the network does not contain its address"
            );
            assert_eq!(Cidr::new(ip, c.prefix()), Some(*c), "{s:?}: not normalised");
        }
        Target::Host(h) => {
            assert_eq!(
                h.as_str(),
                h.as_str().to_ascii_lowercase(),
                "{s:?}: not lower-cased"
            );
            assert!(!h.as_str().ends_with('.'), "{s:?}: trailing dot kept");
            let last = h.as_str().rsplit('.').next().unwrap_or("");
            assert!(
                last.starts_with(|c: char| c.is_ascii_alphabetic()),
                "{s:?}: a host name whose last label does not start with a letter"
            );
            assert_eq!(
                Hostname::parse(h.as_str()).ok().as_ref(),
                Some(h),
                "{s:?}: name round trip"
            );
        }
    }
}

/// The scope rules as `secmcp-policy/src/scope/mod.rs` documents them.
pub fn judge(scope: &Scope, ip: IpAddr) -> bool {
    let ip = ip.to_canonical();
    if ip.is_unspecified() || ip == IpAddr::V4(Ipv4Addr::BROADCAST) || ip.is_multicast() {
        return false;
    }
    if scope.deny().iter().any(|e| e.contains_ip(ip)) {
        return false;
    }
    let metadata = ip == IpAddr::V4(Ipv4Addr::new(169, 254, 169, 254))
        || ip == IpAddr::V6(Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254));
    if metadata {
        let min = if ip.is_ipv4() { 16 } else { 64 };
        return scope
            .allow()
            .iter()
            .any(|e| matches!(e, ScopeEntry::Cidr(c) if c.contains(ip) && c.prefix() >= min));
    }
    scope.allow().iter().any(|e| e.contains_ip(ip))
}

/// The name half of the scope rules.
pub fn name_allowed(scope: &Scope, name: &Hostname) -> bool {
    !scope.deny().iter().any(|e| e.denies_name(name))
        && scope.allow().iter().any(|e| e.allows_name(name))
}

/// glibc's `inet_aton`: 1-4 dot-separated parts, each decimal, octal (`0`
/// first) or hex (`0x`), the last part filling the remaining bytes. Trailing
/// whitespace ends the string there (glibc stops at a space).
pub fn inet_aton(s: &str) -> Option<Ipv4Addr> {
    let s = s.split([' ', '\t', '\n']).next().unwrap_or("");
    let parts: Vec<&str> = s.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut vals = Vec::with_capacity(4);
    for p in &parts {
        vals.push(c_number(p)?);
    }
    let last = *vals.last()?;
    let head = &vals[..vals.len() - 1];
    if head.iter().any(|&v| v > 255) {
        return None;
    }
    let max_last: u64 = match head.len() {
        0 => 0xffff_ffff,
        1 => 0x00ff_ffff,
        2 => 0xffff,
        _ => 0xff,
    };
    if last > max_last {
        return None;
    }
    let mut n: u64 = 0;
    for (i, &v) in head.iter().enumerate() {
        n |= v << (24 - 8 * i);
    }
    Some(Ipv4Addr::from((n | last) as u32))
}

/// A C integer literal as `strtoul(.., 0)` reads it, whole string only.
fn c_number(p: &str) -> Option<u64> {
    if p.is_empty() {
        return None;
    }
    let (digits, radix) = if let Some(h) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
        (h, 16)
    } else if p.len() > 1 && p.starts_with('0') {
        (&p[1..], 8)
    } else {
        (p, 10)
    };
    if digits.is_empty() {
        // "0x" alone is 0 to glibc.
        return (radix == 16).then_some(0);
    }
    if !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix)
        .ok()
        .filter(|&v| v <= 0xffff_ffff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inet_aton_reads_the_classic_forms() {
        let ip = |s: &str| inet_aton(s).map(|a| a.to_string());
        assert_eq!(ip("127.1").as_deref(), Some("127.0.0.1"));
        assert_eq!(ip("0x7f.1").as_deref(), Some("127.0.0.1"));
        assert_eq!(ip("2130706433").as_deref(), Some("127.0.0.1"));
        assert_eq!(ip("010.0.0.1").as_deref(), Some("8.0.0.1"));
        assert_eq!(ip("10.0.0.256"), None);
        assert_eq!(ip("web.lab.internal"), None);
        assert_eq!(ip("1e1"), None);
    }
}
