//! Parsing of a caller's target string into a typed [`Target`].
//!
//! Only forms that nmap, libc and this crate all read the same way are
//! accepted: canonical dotted-quad IPv4, std-parsed IPv6, CIDR, and LDH host
//! names. Everything else (octal/hex/short IPv4, nmap ranges, lists, URLs,
//! `host:port`, zone ids, option-like strings) is refused with the reason.
//! This module does no DNS and no I/O.
//!
//! (It was `target/`; a folder of that name is Cargo's build output, which
//! editors, search tools and ignore files skip. Everything in it is re-exported
//! at the crate root.)

mod cidr;
mod hostname;
mod ipv4;

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

pub use cidr::{Cidr, CidrIter};
pub use hostname::{Hostname, MAX_HOSTNAME_LEN};
pub use ipv4::parse_canonical_ipv4;

use crate::denied::{Denied, field};
use crate::grammar_util::{INPUT_CHARS, TOKEN_CHARS, shown};

/// The longest target string accepted, in bytes.
pub const MAX_TARGET_LEN: usize = MAX_HOSTNAME_LEN;

const TARGET_HINT: &str = "give one IPv4 address (10.0.0.5), IPv6 address (2001:db8::5), CIDR (10.0.0.0/24) or host name (web.lab.internal)";

/// A validated target.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// One address.
    Ip(IpAddr),
    /// A network (normalized to its network address).
    Cidr(Cidr),
    /// A host name, to be resolved by the server and pinned.
    Host(Hostname),
}

impl Target {
    /// The host name, when this target is one.
    pub fn hostname(&self) -> Option<&Hostname> {
        match self {
            Target::Host(h) => Some(h),
            _ => None,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Ip(ip) => ip.fmt(f),
            Target::Cidr(c) => c.fmt(f),
            Target::Host(h) => h.fmt(f),
        }
    }
}

/// Parses a caller's target string; the error says exactly why it was refused.
pub fn parse_target(s: &str) -> Result<Target, Denied> {
    check_shape(s).map_err(|why| reject(s, &why))?;
    parse_checked(s).map_err(|why| reject(s, &why))
}

fn reject(s: &str, why: &str) -> Denied {
    Denied::validation(
        field::TARGET,
        format!("target '{}' is not accepted: {why}", shown(s, INPUT_CHARS)),
        TARGET_HINT,
    )
}

/// Rejects the forms that must never reach a parser, each with its reason.
fn check_shape(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("the target is empty".into());
    }
    if s.len() > MAX_TARGET_LEN {
        return Err(format!(
            "it is {} bytes; the limit is {MAX_TARGET_LEN}",
            s.len()
        ));
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("it contains whitespace or control characters".into());
    }
    if s.starts_with('-') {
        return Err("it starts with '-', which nmap would read as an option".into());
    }
    check_syntax_families(s)?;
    if let Some(bad) = s
        .chars()
        .find(|c| !c.is_ascii_alphanumeric() && !matches!(c, '.' | '-' | ':' | '/'))
    {
        return Err(format!(
            "the character '{}' is not allowed (addresses, CIDRs and host names use letters, digits, '.', '-', ':' and '/')",
            bad.escape_default()
        ));
    }
    Ok(())
}

/// Recognizable foreign syntaxes: URLs, brackets, zone ids, lists, ranges.
fn check_syntax_families(s: &str) -> Result<(), String> {
    if s.contains("://") {
        return Err("URLs are not targets; give the host name or address only".into());
    }
    if s.contains('[') || s.contains(']') {
        return Err("brackets are not accepted; write IPv6 without them (::1)".into());
    }
    if s.contains('%') {
        return Err("IPv6 zone ids (%eth0) are not accepted".into());
    }
    if s.contains(',') {
        return Err(
            "lists are not accepted (nmap reads commas as octet lists); one target per call".into(),
        );
    }
    let range_chars = s
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'*');
    if s.contains('*') || (range_chars && s.contains('-')) {
        return Err("nmap range syntax (10.0.0.1-5, 10.0.0.*) is not accepted; use a CIDR".into());
    }
    Ok(())
}

fn parse_checked(s: &str) -> Result<Target, String> {
    if let Some((addr, prefix)) = s.split_once('/') {
        return parse_cidr(addr, prefix).map(Target::Cidr);
    }
    if s.contains(':') {
        return parse_ipv6(s).map(|v6| Target::Ip(IpAddr::V6(v6)));
    }
    let trimmed = s.strip_suffix('.').unwrap_or(s);
    let last = trimmed.rsplit('.').next().unwrap_or(trimmed);
    if last.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Hostname::parse(s).map(Target::Host);
    }
    parse_canonical_ipv4(s)
        .map(|v4| Target::Ip(IpAddr::V4(v4)))
        .map_err(|why| format!("{why}; and it is not a host name either (its last label does not start with a letter)"))
}

fn parse_ipv6(s: &str) -> Result<Ipv6Addr, String> {
    s.parse::<Ipv6Addr>().map_err(|_| {
        if s.matches(':').count() == 1 {
            "host:port is not accepted; give the host only and put ports in extra_args (-p 80)"
                .into()
        } else {
            "it is not a valid IPv6 address".into()
        }
    })
}

/// Parses `addr/prefix` with a strict address and a decimal prefix.
pub(crate) fn parse_cidr(addr: &str, prefix: &str) -> Result<Cidr, String> {
    let ip = if addr.contains(':') {
        IpAddr::V6(parse_ipv6(addr)?)
    } else {
        IpAddr::V4(
            parse_canonical_ipv4(addr)
                .map_err(|why| format!("a CIDR needs an IP address before '/': {why}"))?,
        )
    };
    let bits = parse_prefix(prefix)?;
    Cidr::new(ip, bits).ok_or_else(|| {
        let max = if ip.is_ipv4() { 32 } else { 128 };
        format!("the prefix /{bits} is longer than {max}")
    })
}

fn parse_prefix(p: &str) -> Result<u8, String> {
    let decimal = !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit());
    if !decimal || (p.len() > 1 && p.starts_with('0')) {
        return Err(format!(
            "the prefix '/{}' must be a decimal number without leading zeros",
            shown(p, TOKEN_CHARS)
        ));
    }
    p.parse::<u8>()
        .map_err(|_| format!("the prefix /{p} is too long"))
}

#[cfg(test)]
mod tests;
