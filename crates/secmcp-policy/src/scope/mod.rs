//! The scope check: is a target (and every address it covers or resolves to)
//! allowed by `security.allowed_targets` and not denied by
//! `security.denied_targets`?
//!
//! Rules, in order: unspecified, broadcast and multicast addresses are always
//! denied; any deny entry wins; the cloud metadata address is denied unless an
//! allow CIDR of /16 (IPv6: /64) or narrower contains it; otherwise an address needs an allow address entry.
//! IPv4-mapped IPv6 is judged as the IPv4 inside it. Host names need a matching
//! allow suffix, no matching deny suffix, and every resolved address allowed.
//! Pure: the caller resolves names; nothing here does DNS.

mod entry;

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub use entry::{ScopeEntry, ScopeEntryError};

use crate::address::{Cidr, Hostname, Target};

/// The config key of the allow list, as named in denial messages.
pub const ALLOW_KEY: &str = "security.allowed_targets";
/// The config key of the deny list, as named in denial messages.
pub const DENY_KEY: &str = "security.denied_targets";

const METADATA_V4: Ipv4Addr = Ipv4Addr::new(169, 254, 169, 254);
const METADATA_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254);

/// Allow and deny lists. Deny always wins; an empty allow list denies all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    allow: Vec<ScopeEntry>,
    deny: Vec<ScopeEntry>,
    /// The config keys named in denial messages.
    keys: Option<Box<(String, String)>>,
}

/// Why something is out of scope, in a sentence that names it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct OutOfScope {
    /// What was out of scope and why.
    pub message: String,
}

/// Why one address was refused; built without allocating.
#[derive(Debug, Clone, Copy)]
enum Why<'a> {
    Unspecified,
    Broadcast,
    Multicast,
    Denied(&'a ScopeEntry),
    Metadata,
    NotAllowed,
}

impl Default for Scope {
    /// Allow RFC1918 and `.lab.internal`; deny nothing.
    fn default() -> Self {
        Self::new(
            vec![
                ScopeEntry::Rfc1918,
                ScopeEntry::Suffix(".lab.internal".into()),
            ],
            vec![],
        )
    }
}

impl Scope {
    /// A scope from already parsed entries.
    pub fn new(allow: Vec<ScopeEntry>, deny: Vec<ScopeEntry>) -> Self {
        Self {
            allow,
            deny,
            keys: None,
        }
    }

    /// The same scope, naming `allow_key` and `deny_key` in its denial
    /// messages instead of [`ALLOW_KEY`] and [`DENY_KEY`] (a role's scope).
    pub fn labelled(mut self, allow_key: &str, deny_key: &str) -> Self {
        self.keys = Some(Box::new((allow_key.to_owned(), deny_key.to_owned())));
        self
    }

    fn allow_key(&self) -> &str {
        self.keys.as_ref().map_or(ALLOW_KEY, |k| k.0.as_str())
    }

    fn deny_key(&self) -> &str {
        self.keys.as_ref().map_or(DENY_KEY, |k| k.1.as_str())
    }

    /// Whether every target `entry` would admit as an allow entry is also
    /// admitted by this scope's allow list (deny entries aside), so that a
    /// scope made of such entries can only be narrower. The cloud metadata
    /// address counts: an entry that names it is covered only when this
    /// scope names it too.
    pub fn allow_covers(&self, entry: &ScopeEntry) -> bool {
        let v4 = |a: [u8; 4], p: u8| Cidr::new(IpAddr::from(a), p);
        match entry {
            ScopeEntry::Rfc1918 => [
                v4([10, 0, 0, 0], 8),
                v4([172, 16, 0, 0], 12),
                v4([192, 168, 0, 0], 16),
            ]
            .iter()
            .all(|c| c.is_some_and(|c| self.covers_cidr(&c))),
            ScopeEntry::Loopback => {
                v4([127, 0, 0, 0], 8).is_some_and(|c| self.covers_cidr(&c))
                    && self.covers_cidr(&Cidr::single(IpAddr::V6(Ipv6Addr::LOCALHOST)))
            }
            ScopeEntry::Cidr(c) => self.covers_cidr(c),
            // A suffix under one of ours (".a.lab.internal" under
            // ".lab.internal"); both start with a dot, so labels align.
            ScopeEntry::Suffix(s) => self
                .allow
                .iter()
                .any(|e| matches!(e, ScopeEntry::Suffix(t) if s.ends_with(t.as_str()))),
            ScopeEntry::Name(n) => self.allow.iter().any(|e| e.allows_name(n)),
        }
    }

    /// Whether one of our allow entries holds all of `c` (both ends: every
    /// allow entry is one aligned network or a few disjoint ones, so a
    /// network with both ends in one of them lies inside it).
    fn covers_cidr(&self, c: &Cidr) -> bool {
        let c = c.to_canonical();
        let (first, last) = (c.addr(), c.last());
        let inside = self
            .allow
            .iter()
            .any(|e| e.contains_ip(first) && e.contains_ip(last) && same_block(e, first, last));
        let metadata = [IpAddr::V4(METADATA_V4), IpAddr::V6(METADATA_V6)]
            .into_iter()
            .find(|ip| c.contains(*ip));
        let names_metadata = metadata.is_some_and(|ip| c.prefix() >= metadata_min_prefix(ip));
        inside && (!names_metadata || metadata.is_some_and(|ip| self.judge(ip).is_ok()))
    }

    /// A scope from config strings; the first bad entry is the error.
    pub fn parse<S: AsRef<str>>(allow: &[S], deny: &[S]) -> Result<Self, ScopeEntryError> {
        let parse = |v: &[S]| {
            v.iter()
                .map(|s| s.as_ref().parse())
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(Self::new(parse(allow)?, parse(deny)?))
    }

    /// The allow entries.
    pub fn allow(&self) -> &[ScopeEntry] {
        &self.allow
    }

    /// The deny entries.
    pub fn deny(&self) -> &[ScopeEntry] {
        &self.deny
    }

    /// Checks a target. `resolved` are the addresses of a host name target;
    /// it is ignored for IP and CIDR targets.
    pub fn check(&self, target: &Target, resolved: &[IpAddr]) -> Result<(), OutOfScope> {
        match target {
            Target::Ip(ip) => self.check_ip(*ip),
            Target::Cidr(c) => self.check_cidr(c),
            Target::Host(h) => self.check_host(h, resolved),
        }
    }

    /// Checks one address.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), OutOfScope> {
        self.judge(ip)
            .map_err(|why| self.out(self.explain(ip, why)))
    }

    /// Checks every address of a network (stops at the first refusal).
    pub fn check_cidr(&self, cidr: &Cidr) -> Result<(), OutOfScope> {
        for ip in cidr.iter() {
            if let Err(why) = self.judge(ip) {
                return Err(self.out(format!(
                    "{cidr} is not entirely in scope: {}",
                    self.explain(ip, why)
                )));
            }
        }
        Ok(())
    }

    /// Checks a host name and every address it resolved to.
    pub fn check_host(&self, name: &Hostname, resolved: &[IpAddr]) -> Result<(), OutOfScope> {
        self.check_name(name)?;
        if resolved.is_empty() {
            return Err(self.out(format!(
                "{name} did not resolve to any address, so it cannot be checked"
            )));
        }
        for &ip in resolved {
            if let Err(why) = self.judge(ip) {
                return Err(self.out(format!(
                    "{name} resolves to {ip}, which is not in scope: {}",
                    self.explain(ip, why)
                )));
            }
        }
        Ok(())
    }

    /// Checks only the name against the suffix entries.
    pub fn check_name(&self, name: &Hostname) -> Result<(), OutOfScope> {
        if let Some(e) = self.deny.iter().find(|e| e.denies_name(name)) {
            return Err(self.out(format!("{name} is in {} ({e})", self.deny_key())));
        }
        if !self.allow.iter().any(|e| e.allows_name(name)) {
            return Err(self.out(format!("{name} {}", self.not_allowed_clause())));
        }
        Ok(())
    }

    fn judge(&self, ip: IpAddr) -> Result<(), Why<'_>> {
        let ip = ip.to_canonical();
        always_denied(ip)?;
        if let Some(e) = self.deny.iter().find(|e| e.contains_ip(ip)) {
            return Err(Why::Denied(e));
        }
        if is_metadata(ip) {
            let named = self.allow.iter().any(|e| {
                matches!(e, ScopeEntry::Cidr(c) if c.contains(ip) && c.prefix() >= metadata_min_prefix(ip))
            });
            return if named { Ok(()) } else { Err(Why::Metadata) };
        }
        if self.allow.iter().any(|e| e.contains_ip(ip)) {
            Ok(())
        } else {
            Err(Why::NotAllowed)
        }
    }

    fn explain(&self, ip: IpAddr, why: Why<'_>) -> String {
        match why {
            Why::Unspecified => format!("{ip} is the unspecified address, which is always denied"),
            Why::Broadcast => format!("{ip} is the broadcast address, which is always denied"),
            Why::Multicast => format!("{ip} is a multicast address, which is always denied"),
            Why::Denied(e) => format!("{ip} is in {} ({e})", self.deny_key()),
            Why::Metadata => format!(
                "{ip} is the cloud metadata address; it is denied unless a CIDR in {} names it (the address, or a network of /{} or narrower)",
                self.allow_key(),
                metadata_min_prefix(ip)
            ),
            Why::NotAllowed => format!("{ip} {}", self.not_allowed_clause()),
        }
    }

    fn not_allowed_clause(&self) -> String {
        if self.allow.is_empty() {
            return format!(
                "is not in scope: {} is empty, so every target is denied",
                self.allow_key()
            );
        }
        format!(
            "is not in {} ({})",
            self.allow_key(),
            EntryList(&self.allow)
        )
    }

    fn out(&self, message: String) -> OutOfScope {
        OutOfScope { message }
    }
}

/// For the RFC 1918 keyword, both ends must be in the same one of its three
/// networks (a network spanning two of them would hold addresses of neither).
fn same_block(e: &ScopeEntry, first: IpAddr, last: IpAddr) -> bool {
    if !matches!(e, ScopeEntry::Rfc1918) {
        return true;
    }
    [
        ([10, 0, 0, 0], 8),
        ([172, 16, 0, 0], 12),
        ([192, 168, 0, 0], 16),
    ]
    .iter()
    .filter_map(|&(a, p): &([u8; 4], u8)| Cidr::new(IpAddr::from(a), p))
    .any(|n| n.contains(first) && n.contains(last))
}

fn always_denied(ip: IpAddr) -> Result<(), Why<'static>> {
    if ip.is_unspecified() {
        return Err(Why::Unspecified);
    }
    if ip == IpAddr::V4(Ipv4Addr::BROADCAST) {
        return Err(Why::Broadcast);
    }
    if ip.is_multicast() {
        return Err(Why::Multicast);
    }
    Ok(())
}

/// The widest allow network that still counts as naming the metadata address:
/// its link-local /16 (IPv4) or a /64 (IPv6), not anything that merely
/// happens to contain it.
fn metadata_min_prefix(ip: IpAddr) -> u8 {
    if ip.is_ipv4() { 16 } else { 64 }
}

fn is_metadata(ip: IpAddr) -> bool {
    ip == IpAddr::V4(METADATA_V4) || ip == IpAddr::V6(METADATA_V6)
}

struct EntryList<'a>(&'a [ScopeEntry]);

impl fmt::Display for EntryList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            e.fmt(f)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
