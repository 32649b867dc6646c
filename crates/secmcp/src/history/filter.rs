//! Which stored runs a target filter means. A run is kept with the addresses
//! it was pinned to: single addresses, or the network it scanned as written
//! to the tool (`10.0.3.0/24`). A filter address or network matches every
//! run whose pinned entry overlaps it, so the store is asked for the filter's
//! own addresses, every network inside it and every network around it. A
//! host name matches runs whose target was that name.

use std::net::IpAddr;

use secmcp_policy::{Cidr, Target};

/// The widest network a filter may name: 1024 addresses (its addresses and
/// sub-networks are looked up one by one).
pub const MAX_FILTER_HOST_BITS: u8 = 10;

/// What a target filter asks the store for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetFilter {
    /// Runs pinned to any of these entries (addresses and networks as kept).
    Addresses(Vec<String>),
    /// Runs whose target, as given, was this host name.
    Name(String),
}

/// Parses a filter: an address, a network of at most 1024 addresses, or a
/// host name. The error says what to write instead.
pub fn parse(text: &str) -> Result<TargetFilter, String> {
    let target = secmcp_policy::parse_target(text.trim()).map_err(|d| {
        format!(
            "`{text}` is not an address, network or host name ({})",
            d.message
        )
    })?;
    match target {
        Target::Ip(ip) => Ok(TargetFilter::Addresses(keys(Cidr::single(canonical(ip))))),
        Target::Cidr(c) => {
            let c = c.to_canonical();
            let host_bits = max_prefix(c.addr()) - c.prefix();
            if host_bits > MAX_FILTER_HOST_BITS {
                return Err(format!(
                    "`{text}` covers {} addresses; a history filter covers at most 1024 (an IPv4 /22): name a narrower network",
                    c.size()
                ));
            }
            Ok(TargetFilter::Addresses(keys(c)))
        }
        Target::Host(h) => Ok(TargetFilter::Name(h.as_str().to_owned())),
    }
}

/// Whether a run pinned to `pinned` covered `address` (an address or network
/// entry as kept, compared with an address).
pub fn covers(pinned: &[String], address: IpAddr) -> bool {
    pinned.iter().any(|p| match entry(p) {
        Some(c) => c.contains(canonical(address)),
        None => false,
    })
}

/// A kept pinned entry as a network.
fn entry(p: &str) -> Option<Cidr> {
    match p.split_once('/') {
        Some((a, len)) => Cidr::new(a.parse::<IpAddr>().ok()?, len.parse().ok()?),
        None => Some(Cidr::single(p.parse::<IpAddr>().ok()?)),
    }
    .map(Cidr::to_canonical)
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

fn max_prefix(ip: IpAddr) -> u8 {
    if ip.is_ipv4() { 32 } else { 128 }
}

/// Every kept entry that overlaps `net`: the networks around it (itself
/// included), the networks inside it, and its single addresses as plain
/// literals.
fn keys(net: Cidr) -> Vec<String> {
    let max = max_prefix(net.addr());
    let mut out: Vec<String> = (0..=net.prefix())
        .filter_map(|p| Cidr::new(net.addr(), p))
        .map(|c| c.to_string())
        .collect();
    for p in net.prefix() + 1..=max {
        let step = 1u128 << (max - p);
        let mut at = 0u128;
        while at < net.size() {
            if let Some(sub) = nth(net, at).and_then(|a| Cidr::new(a, p)) {
                out.push(sub.to_string());
            }
            at += step;
        }
    }
    out.extend(net.iter().map(|a| a.to_string()));
    out
}

/// The address `offset` places into `net`.
fn nth(net: Cidr, offset: u128) -> Option<IpAddr> {
    match net.addr() {
        IpAddr::V4(a) => {
            let v = u32::from(a).checked_add(u32::try_from(offset).ok()?)?;
            Some(IpAddr::V4(v.into()))
        }
        IpAddr::V6(a) => Some(IpAddr::V6(u128::from(a).checked_add(offset)?.into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addrs(f: TargetFilter) -> Vec<String> {
        match f {
            TargetFilter::Addresses(a) => a,
            TargetFilter::Name(n) => panic!("a name: {n}"),
        }
    }

    #[test]
    fn an_address_matches_itself_and_every_network_around_it() {
        let k = addrs(parse("10.0.3.7").unwrap());
        for want in [
            "10.0.3.7",
            "10.0.3.7/32",
            "10.0.3.0/24",
            "10.0.0.0/16",
            "0.0.0.0/0",
        ] {
            assert!(k.contains(&want.to_owned()), "{want} in {k:?}");
        }
        assert!(!k.contains(&"10.0.3.8".to_owned()));
        assert_eq!(k.len(), 34);
    }

    #[test]
    fn a_network_matches_what_is_inside_and_around_it() {
        let k = addrs(parse("10.0.3.0/30").unwrap());
        for want in [
            "10.0.3.0/30",
            "10.0.2.0/23",
            "10.0.3.0/31",
            "10.0.3.2/31",
            "10.0.3.3/32",
            "10.0.3.0",
            "10.0.3.3",
        ] {
            assert!(k.contains(&want.to_owned()), "{want} in {k:?}");
        }
        for not in ["10.0.3.4", "10.0.3.4/30", "10.0.3.4/31"] {
            assert!(!k.contains(&not.to_owned()), "{not}");
        }
        // 31 networks around it and itself, 2 + 4 inside, 4 addresses.
        assert_eq!(k.len(), 31 + 6 + 4);
        assert_eq!(addrs(parse("10.0.0.0/22").unwrap()).len(), 23 + 2046 + 1024);
        assert_eq!(addrs(parse("fd99::/120").unwrap()).len(), 121 + 510 + 256);
    }

    #[test]
    fn wide_networks_and_garbage_are_refused_with_what_to_write() {
        let e = parse("10.0.0.0/16").unwrap_err();
        assert!(e.contains("65536 addresses") && e.contains("/22"), "{e}");
        let e = parse("-oX /tmp/x").unwrap_err();
        assert!(e.contains("not an address, network or host name"), "{e}");
        assert_eq!(
            parse("Web.Lab.Internal").unwrap(),
            TargetFilter::Name("web.lab.internal".into())
        );
    }

    #[test]
    fn covers_reads_kept_entries() {
        let pinned = vec![
            "10.0.3.0/24".to_owned(),
            "fd99::7".to_owned(),
            "junk".to_owned(),
        ];
        assert!(covers(&pinned, "10.0.3.200".parse().unwrap()));
        assert!(covers(&pinned, "::ffff:10.0.3.1".parse().unwrap()));
        assert!(covers(&pinned, "fd99::7".parse().unwrap()));
        assert!(!covers(&pinned, "10.0.4.1".parse().unwrap()));
        assert!(!covers(&pinned, "fd99::8".parse().unwrap()));
    }
}
