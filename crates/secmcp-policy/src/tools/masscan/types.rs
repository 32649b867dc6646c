//! masscan's public types: its limits and adapter settings, its typed input
//! fields, its port list syntax and its plan.
//!
//! Must not: parse `extra_args` (`grammar.rs`) or render argv (`render.rs`).

use std::fmt;
use std::net::IpAddr;

use crate::grammar_util::{parse_decimal, shown};

/// The input field of the typed port list.
pub const FIELD_PORTS: &str = "ports";
/// The input field of the typed rate.
pub const FIELD_RATE: &str = "rate_pps";

/// The most comma-separated items a port list may have.
pub const MAX_PORT_ITEMS: usize = 64;
/// The longest `--wait`, in seconds.
pub const MAX_WAIT_SECS: u32 = 60;
/// The most `--retries`.
pub const MAX_RETRIES: u32 = 3;
/// How much of a bad port item a message shows.
const PORT_ITEM_CHARS: usize = 16;

/// masscan's limits (`tools.masscan` in the server config).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasscanLimits {
    /// The most addresses a range may cover without `allow_intrusive`.
    pub max_cidr_addresses: u64,
    /// The most addresses a range may ever cover.
    pub hard_max_cidr_addresses: u64,
    /// The rate used when a call sets none, in packets per second.
    pub default_rate_pps: u32,
    /// The highest rate without `allow_intrusive`.
    pub safe_rate_pps: u32,
    /// The highest rate ever.
    pub max_rate_pps: u32,
    /// Seconds masscan waits for late replies when a call sets no `--wait`.
    pub default_wait_secs: u32,
    /// Adapter settings passed to every run (from config only).
    pub adapter: AdapterSettings,
}

impl Default for MasscanLimits {
    fn default() -> Self {
        Self {
            max_cidr_addresses: 256,
            hard_max_cidr_addresses: 65_536,
            default_rate_pps: 100,
            safe_rate_pps: 1_000,
            max_rate_pps: 10_000,
            default_wait_secs: 3,
            adapter: AdapterSettings::default(),
        }
    }
}

/// masscan's network adapter settings; `None` lets masscan detect them.
/// Validated by the server's config loader; callers can never set them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdapterSettings {
    /// `--adapter` interface name.
    pub adapter: Option<String>,
    /// `--adapter-ip`.
    pub adapter_ip: Option<IpAddr>,
    /// `--adapter-mac`, as `aa-bb-cc-dd-ee-ff`.
    pub adapter_mac: Option<String>,
    /// `--router-ip`: the gateway masscan resolves by ARP.
    pub router_ip: Option<IpAddr>,
    /// `--router-mac`, as `aa-bb-cc-dd-ee-ff`.
    pub router_mac: Option<String>,
}

/// Checks an interface name (`eth0`, `veth-lab`): 1-15 bytes of letters,
/// digits, `-`, `_`, `.`, not starting with `-`.
pub fn valid_interface_name(s: &str) -> bool {
    (1..=15).contains(&s.len())
        && !s.starts_with('-')
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Normalizes a MAC address (`aa:bb:cc:dd:ee:ff` or with `-`) to masscan's
/// `aa-bb-cc-dd-ee-ff`; `None` if it is not one.
pub fn normalize_mac(s: &str) -> Option<String> {
    let parts: Vec<&str> = s.split([':', '-']).collect();
    let ok = parts.len() == 6
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit()));
    ok.then(|| parts.join("-").to_ascii_lowercase())
}

/// masscan's typed input fields beyond `target` and `extra_args`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MasscanFields {
    /// Ports to scan, masscan syntax (`22,80,8000-8100,U:53`).
    pub ports: Option<String>,
    /// Packets per second.
    pub rate_pps: Option<u32>,
    /// Grab banners (intrusive).
    pub banners: bool,
}

/// A protocol of a port item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PortProto {
    /// TCP (the default, or `T:`).
    Tcp,
    /// UDP (`U:`).
    Udp,
}

/// One item of a port list: a port or an inclusive range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PortRange {
    /// The protocol.
    pub proto: PortProto,
    /// First port.
    pub start: u16,
    /// Last port (== start for one port).
    pub end: u16,
}

/// A validated port list.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PortList(Vec<PortRange>);

impl PortList {
    /// The items.
    pub fn items(&self) -> &[PortRange] {
        &self.0
    }

    /// How many ports (with duplicates) the list names.
    pub fn count(&self) -> u64 {
        self.0.iter().map(|r| u64::from(r.end - r.start) + 1).sum()
    }
}

impl fmt::Display for PortList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if r.proto == PortProto::Udp {
                f.write_str("U:")?;
            }
            if r.start == r.end {
                write!(f, "{}", r.start)?;
            } else {
                write!(f, "{}-{}", r.start, r.end)?;
            }
        }
        Ok(())
    }
}

/// Parses masscan port syntax: comma-separated `N`, `N-M`, with an optional
/// `T:` or `U:` prefix on an item. Ports 0..=65535; at most [`MAX_PORT_ITEMS`].
pub fn parse_port_list(s: &str) -> Result<PortList, String> {
    if s.is_empty() {
        return Err("the port list is empty".into());
    }
    let items: Vec<&str> = s.split(',').collect();
    if items.len() > MAX_PORT_ITEMS {
        return Err(format!(
            "{} items; at most {MAX_PORT_ITEMS} (use ranges such as 1-1024)",
            items.len()
        ));
    }
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let (proto, body) = match item.split_once(':') {
            Some(("T" | "t", b)) => (PortProto::Tcp, b),
            Some(("U" | "u", b)) => (PortProto::Udp, b),
            Some((p, _)) => {
                return Err(format!(
                    "'{}': only T: (TCP) and U: (UDP) prefixes are accepted",
                    shown(p, PORT_ITEM_CHARS)
                ));
            }
            None => (PortProto::Tcp, item),
        };
        let port = |p: &str| -> Result<u16, String> {
            parse_decimal(p, 5)
                .and_then(|n| u16::try_from(n).ok())
                .ok_or_else(|| {
                    format!(
                        "'{}' is not a port from 0 to 65535",
                        shown(p, PORT_ITEM_CHARS)
                    )
                })
        };
        let (start, end) = match body.split_once('-') {
            Some((a, b)) => (port(a)?, port(b)?),
            None => {
                let p = port(body)?;
                (p, p)
            }
        };
        if start > end {
            return Err(format!("range {start}-{end} runs backwards"));
        }
        out.push(PortRange { proto, start, end });
    }
    Ok(PortList(out))
}

/// A validated masscan invocation, minus the target.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MasscanPlan {
    pub(crate) ports: PortList,
    pub(crate) rate_pps: u32,
    pub(crate) wait_secs: u32,
    pub(crate) retries: Option<u32>,
    pub(crate) banners: bool,
    pub(crate) ping: bool,
}

impl MasscanPlan {
    /// The ports scanned.
    pub fn ports(&self) -> &PortList {
        &self.ports
    }

    /// The send rate in packets per second.
    pub fn rate_pps(&self) -> u32 {
        self.rate_pps
    }

    /// Seconds masscan waits for late replies.
    pub fn wait_secs(&self) -> u32 {
        self.wait_secs
    }

    /// Whether banners are grabbed.
    pub fn banners(&self) -> bool {
        self.banners
    }
}
