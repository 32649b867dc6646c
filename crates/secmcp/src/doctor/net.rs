//! The network a scan would use: this process's network namespace, its
//! interfaces and addresses (`getifaddrs`), and the IPv4 main routing table
//! (`/proc/net/route`), with a longest-prefix lookup. Policy routing rules
//! and the IPv6 table are not read.

use std::net::{IpAddr, Ipv4Addr};

/// One interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    /// Its name (`eth0`).
    pub name: String,
    /// It is administratively up.
    pub up: bool,
    /// Its addresses.
    pub addresses: Vec<IpAddr>,
}

/// One IPv4 route of the main table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route<'a> {
    /// Its interface.
    pub interface: &'a str,
    /// Destination network.
    pub destination: Ipv4Addr,
    /// Its mask.
    pub mask: Ipv4Addr,
    /// The gateway (`0.0.0.0` when on-link).
    pub gateway: Ipv4Addr,
}

/// What the network looks like from here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetFacts {
    /// `net:[4026531840]`, if readable.
    pub namespace: Option<String>,
    /// Whether that is the namespace of PID 1 (`None`: cannot tell).
    pub host_namespace: Option<bool>,
    /// Every interface.
    pub interfaces: Vec<Interface>,
    /// `/proc/net/route` as read.
    pub route_table: String,
}

impl NetFacts {
    /// Reads this process's view.
    pub fn read() -> Self {
        let ns = |pid: &str| {
            std::fs::read_link(format!("/proc/{pid}/ns/net"))
                .ok()
                .map(|p| p.display().to_string())
        };
        let namespace = ns("self");
        let host_namespace = match (&namespace, ns("1")) {
            (Some(own), Some(init)) => Some(*own == init),
            _ => None,
        };
        Self {
            namespace,
            host_namespace,
            interfaces: interfaces(),
            route_table: std::fs::read_to_string("/proc/net/route").unwrap_or_default(),
        }
    }

    /// The routes of the main table.
    pub fn routes(&self) -> Vec<Route<'_>> {
        parse_routes(&self.route_table)
    }

    /// The interface whose own address is `ip`, if any.
    pub fn local_interface(&self, ip: IpAddr) -> Option<&str> {
        self.interfaces
            .iter()
            .find(|i| i.addresses.contains(&ip))
            .map(|i| i.name.as_str())
    }
}

fn interfaces() -> Vec<Interface> {
    let Ok(addrs) = nix::ifaddrs::getifaddrs() else {
        return Vec::new();
    };
    let mut out: Vec<Interface> = Vec::new();
    for a in addrs {
        let up = a.flags.contains(nix::net::if_::InterfaceFlags::IFF_UP);
        let ip = a.address.as_ref().and_then(|s| {
            s.as_sockaddr_in()
                .map(|v4| IpAddr::V4(v4.ip()))
                .or_else(|| s.as_sockaddr_in6().map(|v6| IpAddr::V6(v6.ip())))
        });
        let i = match out.iter().position(|i| i.name == a.interface_name) {
            Some(i) => i,
            None => {
                out.push(Interface {
                    name: a.interface_name.clone(),
                    up,
                    addresses: Vec::new(),
                });
                out.len() - 1
            }
        };
        if let Some(ip) = ip
            && !out[i].addresses.contains(&ip)
        {
            out[i].addresses.push(ip);
        }
    }
    out
}

/// Parses `/proc/net/route` (addresses are printed as the host-order value
/// of the network-order bytes).
pub fn parse_routes(table: &str) -> Vec<Route<'_>> {
    let addr = |hex: &str| {
        u32::from_str_radix(hex, 16)
            .ok()
            .map(|v| Ipv4Addr::from(v.to_le_bytes()))
    };
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            Some(Route {
                interface: f.first()?,
                destination: addr(f.get(1)?)?,
                gateway: addr(f.get(2)?)?,
                mask: addr(f.get(7)?)?,
            })
        })
        .collect()
}

/// The main-table route packets to `ip` take: the longest matching prefix.
pub fn route_to<'a>(routes: &[Route<'a>], ip: Ipv4Addr) -> Option<Route<'a>> {
    routes
        .iter()
        .filter(|r| u32::from(ip) & u32::from(r.mask) == u32::from(r.destination))
        .max_by_key(|r| u32::from(r.mask).count_ones())
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n\
eth0\t0001A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n\
veth0\t0000630A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n";

    #[test]
    fn routes_are_parsed_and_looked_up_by_longest_prefix() {
        let routes = parse_routes(TABLE);
        assert_eq!(routes.len(), 3);
        assert_eq!(routes[0].gateway, Ipv4Addr::new(192, 168, 1, 1));
        assert_eq!(routes[1].destination, Ipv4Addr::new(192, 168, 1, 0));
        assert_eq!(routes[1].mask, Ipv4Addr::new(255, 255, 255, 0));
        let via = |ip: [u8; 4]| route_to(&routes, Ipv4Addr::from(ip)).map(|r| r.interface);
        assert_eq!(via([10, 99, 0, 7]), Some("veth0"));
        assert_eq!(via([192, 168, 1, 20]), Some("eth0"));
        assert_eq!(
            route_to(&routes, Ipv4Addr::new(8, 8, 8, 8)).map(|r| r.mask),
            Some(Ipv4Addr::UNSPECIFIED),
            "the default route"
        );
        assert_eq!(
            route_to(
                &parse_routes(&TABLE[..TABLE.find('\n').unwrap()]),
                Ipv4Addr::new(8, 8, 8, 8)
            ),
            None
        );
    }
}
