//! `Cidr`: an IPv4 or IPv6 network, normalized to its network address.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A network: address with host bits cleared, and a prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Builds the network containing `addr` with `prefix` bits; host bits are
    /// cleared. `None` when `prefix` is longer than the address (32 or 128).
    pub fn new(addr: IpAddr, prefix: u8) -> Option<Self> {
        if prefix > max_prefix(addr) {
            return None;
        }
        let bits = to_bits(addr) & mask(addr, prefix);
        Some(Self {
            addr: from_bits(addr, bits),
            prefix,
        })
    }

    /// The network covering exactly one address (/32 or /128).
    pub fn single(addr: IpAddr) -> Self {
        Self {
            addr,
            prefix: max_prefix(addr),
        }
    }

    /// The network address (host bits cleared).
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether `ip` is inside this network. Families never mix: an IPv4
    /// network does not contain an IPv4-mapped IPv6 address (callers
    /// canonicalize first; see [`Cidr::to_canonical`]).
    pub fn contains(&self, ip: IpAddr) -> bool {
        ip.is_ipv4() == self.addr.is_ipv4()
            && to_bits(ip) & mask(ip, self.prefix) == to_bits(self.addr)
    }

    /// The number of addresses covered; saturates at `u128::MAX` for `::/0`.
    pub fn size(&self) -> u128 {
        let host_bits = u32::from(max_prefix(self.addr) - self.prefix);
        1u128.checked_shl(host_bits).unwrap_or(u128::MAX)
    }

    /// The size as a `u64`, saturating.
    pub fn size_u64(&self) -> u64 {
        u64::try_from(self.size()).unwrap_or(u64::MAX)
    }

    /// The highest address in the network.
    pub fn last(&self) -> IpAddr {
        let host = !mask(self.addr, self.prefix) & family_mask(self.addr);
        from_bits(self.addr, to_bits(self.addr) | host)
    }

    /// Every address in the network, lowest first, without allocating.
    pub fn iter(&self) -> CidrIter {
        let first = to_bits(self.addr);
        CidrIter {
            family: self.addr,
            next: Some(first),
            last: first | (!mask(self.addr, self.prefix) & family_mask(self.addr)),
        }
    }

    /// An IPv4-mapped IPv6 network (`::ffff:a.b.c.d/N`, N >= 96) as the IPv4
    /// network it denotes; every other network unchanged.
    pub fn to_canonical(self) -> Self {
        match self.addr {
            IpAddr::V6(v6) if self.prefix >= 96 => match v6.to_ipv4_mapped() {
                Some(v4) => Self {
                    addr: IpAddr::V4(v4),
                    prefix: self.prefix - 96,
                },
                None => self,
            },
            _ => self,
        }
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// Iterator over the addresses of a [`Cidr`].
#[derive(Debug, Clone)]
pub struct CidrIter {
    family: IpAddr,
    next: Option<u128>,
    last: u128,
}

impl Iterator for CidrIter {
    type Item = IpAddr;

    fn next(&mut self) -> Option<IpAddr> {
        let cur = self.next?;
        self.next = if cur == self.last {
            None
        } else {
            Some(cur + 1)
        };
        Some(from_bits(self.family, cur))
    }
}

fn max_prefix(addr: IpAddr) -> u8 {
    if addr.is_ipv4() { 32 } else { 128 }
}

fn to_bits(addr: IpAddr) -> u128 {
    match addr {
        IpAddr::V4(v4) => u128::from(v4.to_bits()),
        IpAddr::V6(v6) => v6.to_bits(),
    }
}

fn from_bits(family: IpAddr, bits: u128) -> IpAddr {
    match family {
        // Truncation is intended: IPv4 bit patterns never exceed 32 bits here.
        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::from_bits(bits as u32)),
        IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::from_bits(bits)),
    }
}

fn family_mask(addr: IpAddr) -> u128 {
    if addr.is_ipv4() {
        u128::from(u32::MAX)
    } else {
        u128::MAX
    }
}

fn mask(addr: IpAddr, prefix: u8) -> u128 {
    let width = u32::from(max_prefix(addr));
    let host_bits = width - u32::from(prefix);
    let ones = u128::MAX.checked_shl(host_bits).unwrap_or(0);
    ones & family_mask(addr)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str, p: u8) -> Cidr {
        Cidr::new(s.parse().unwrap(), p).unwrap()
    }

    #[test]
    fn host_bits_are_cleared() {
        assert_eq!(c("10.1.2.3", 8).to_string(), "10.0.0.0/8");
        assert_eq!(c("2001:db8::1", 32).to_string(), "2001:db8::/32");
        assert_eq!(c("1.2.3.4", 0).to_string(), "0.0.0.0/0");
    }

    #[test]
    fn prefix_over_width_is_rejected() {
        assert!(Cidr::new("1.2.3.4".parse().unwrap(), 33).is_none());
        assert!(Cidr::new("::".parse().unwrap(), 129).is_none());
        assert!(Cidr::new("::".parse().unwrap(), 128).is_some());
    }

    #[test]
    fn contains_respects_boundaries_and_family() {
        let n = c("192.168.1.0", 24);
        assert!(n.contains("192.168.1.0".parse().unwrap()));
        assert!(n.contains("192.168.1.255".parse().unwrap()));
        assert!(!n.contains("192.168.2.0".parse().unwrap()));
        assert!(!n.contains("::ffff:192.168.1.1".parse().unwrap()));
        assert!(c("0.0.0.0", 0).contains("255.255.255.255".parse().unwrap()));
        assert!(c("::", 0).contains("ffff::1".parse().unwrap()));
    }

    #[test]
    fn last_address_without_iterating() {
        assert_eq!(c("10.0.0.0", 24).last().to_string(), "10.0.0.255");
        assert_eq!(c("10.0.0.7", 32).last().to_string(), "10.0.0.7");
        assert_eq!(c("0.0.0.0", 0).last().to_string(), "255.255.255.255");
        assert_eq!(
            c("2001:db8::", 64).last().to_string(),
            "2001:db8::ffff:ffff:ffff:ffff"
        );
    }

    #[test]
    fn sizes() {
        assert_eq!(c("10.0.0.0", 24).size(), 256);
        assert_eq!(c("10.0.0.1", 32).size(), 1);
        assert_eq!(c("0.0.0.0", 0).size(), 1 << 32);
        assert_eq!(c("::", 64).size(), 1 << 64);
        assert_eq!(c("::", 0).size(), u128::MAX);
        assert_eq!(c("::", 0).size_u64(), u64::MAX);
    }

    #[test]
    fn iterates_every_address_once() {
        let got: Vec<String> = c("10.0.0.5", 30).iter().map(|a| a.to_string()).collect();
        assert_eq!(got, ["10.0.0.4", "10.0.0.5", "10.0.0.6", "10.0.0.7"]);
        assert_eq!(c("255.255.255.255", 32).iter().count(), 1);
        assert_eq!(c("ffff::", 126).iter().count(), 4);
        let all_ones = c("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 128);
        assert_eq!(all_ones.iter().count(), 1);
    }

    #[test]
    fn mapped_networks_canonicalize_to_ipv4() {
        assert_eq!(
            c("::ffff:10.0.0.0", 104).to_canonical().to_string(),
            "10.0.0.0/8"
        );
        assert_eq!(c("::ffff:10.0.0.0", 64).to_canonical().to_string(), "::/64");
        assert_eq!(
            c("2001:db8::", 120).to_canonical().to_string(),
            "2001:db8::/120"
        );
    }
}
