//! masscan: the argument grammar, the typed [`MasscanPlan`], and argv rendering.
//!
//! Targets are IP addresses or CIDR ranges only (no host names: masscan does
//! no DNS, and a name would hide what is scanned). A range above
//! `tools.masscan.max_cidr_addresses` needs `security.allow_intrusive`, and
//! `hard_max_cidr_addresses` always applies. The send rate defaults to
//! `default_rate_pps`; above `safe_rate_pps` it needs `allow_intrusive`, and
//! `max_rate_pps` is an absolute ceiling, whichever spelling sets it
//! (`--rate N`, `--rate=N`, `--max-rate N`, `--max-rate=N`).
//!
//! masscan matches option names loosely (case-insensitive, ignoring `-`, `_`
//! and `.`), so only EXACT spellings listed here are accepted; everything else
//! is refused, with a reason for the known dangerous families: output and
//! config files, include/exclude files, `--readscan`, `--pcap`, `--resume`,
//! source spoofing and adapter settings (those come only from config), and
//! extra ranges (`--range`, positional arguments). The argv is rendered from
//! the plan alone. masscan always needs raw sockets. Pure: no process here.

#[cfg(test)]
mod tests;

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use crate::denied::{Denied, field};
use crate::permit::AuthorizedTarget;
use crate::policy::{CallInput, Parsed, PlannedTarget, Policy, Rendering, Resolutions, internal};
use crate::address::{Target, parse_target};

/// The input field of the typed port list.
pub const FIELD_PORTS: &str = "ports";
/// The input field of the typed rate.
pub const FIELD_RATE: &str = "rate_pps";

const ARGS_HINT: &str =
    "remove or fix that argument; the tool description lists the accepted masscan options";
const INTRUSIVE_HINT: &str = "remove it, or ask the operator to set security.allow_intrusive: true";
const RAW_HINT: &str = "masscan cannot run without raw sockets; use the nmap tool (connect scan) \
                        or ask the operator to run the server as root or with CAP_NET_RAW";
/// The most comma-separated items a port list may have.
pub const MAX_PORT_ITEMS: usize = 64;
/// The longest `--wait`, in seconds.
pub const MAX_WAIT_SECS: u32 = 60;
/// The most `--retries`.
pub const MAX_RETRIES: u32 = 3;

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
                    p.chars().take(16).collect::<String>().escape_default()
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
                        p.chars().take(16).collect::<String>().escape_default()
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

/// An accepted option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opt {
    Ports,
    Rate,
    Wait,
    Retries,
    Banners,
    Ping,
    /// nmap habits masscan ignores: `-sS`, `-Pn`, `-n`.
    NoOp,
}

/// Exact accepted spellings: (spelling, option, takes a value).
const ACCEPTED: &[(&str, Opt, bool)] = &[
    ("-p", Opt::Ports, true),
    ("--ports", Opt::Ports, true),
    ("--rate", Opt::Rate, true),
    ("--max-rate", Opt::Rate, true),
    ("--wait", Opt::Wait, true),
    ("--retries", Opt::Retries, true),
    ("--banners", Opt::Banners, false),
    ("--ping", Opt::Ping, false),
    ("-sS", Opt::NoOp, false),
    ("-Pn", Opt::NoOp, false),
    ("-n", Opt::NoOp, false),
];

const OUTPUT: &str = "it writes output files or changes the output format; the server reads masscan's results itself (-oD -)";
const CONF: &str = "it reads or writes a masscan configuration file";
const FILES: &str = "it makes masscan read local files";
const SPOOF: &str = "source spoofing is not available";
const ADAPTER: &str =
    "adapter and router settings come only from the server's config (tools.masscan)";
const RANGES: &str = "targets come only from the target field (one IP or CIDR per call)";
const OTHER: &str = "it is not available through this server";

/// Refused option names, normalized the way masscan compares them
/// (lower-case, without `-`, `_`, `.`), and why.
const REFUSED: &[(&str, &str)] = &[
    ("outputformat", OUTPUT),
    ("outputfilename", OUTPUT),
    ("outputfile", OUTPUT),
    ("appendoutput", OUTPUT),
    ("outputappend", OUTPUT),
    ("rotate", OUTPUT),
    ("rotatedir", OUTPUT),
    ("rotateoffset", OUTPUT),
    ("rotatesize", OUTPUT),
    ("stylesheet", OUTPUT),
    ("echo", OUTPUT),
    ("echoall", OUTPUT),
    ("echocidr", OUTPUT),
    ("redis", OUTPUT),
    ("redispwd", OUTPUT),
    ("interactive", OUTPUT),
    ("c", CONF),
    ("conf", CONF),
    ("config", CONF),
    ("resume", CONF),
    ("resumeindex", CONF),
    ("resumecount", CONF),
    ("excludefile", FILES),
    ("includefile", FILES),
    ("il", FILES),
    ("readscan", FILES),
    ("readrange", FILES),
    ("readranges", FILES),
    ("pcap", "it writes a packet capture file"),
    ("pcappayloads", FILES),
    ("nmappayloads", FILES),
    ("nmapserviceprobes", FILES),
    ("hellofile", FILES),
    ("hellostring", OTHER),
    ("hello", OTHER),
    ("sourceip", SPOOF),
    ("sourceport", SPOOF),
    ("sourcemac", SPOOF),
    ("spoofmac", SPOOF),
    ("ttl", SPOOF),
    ("adapter", ADAPTER),
    ("adapterip", ADAPTER),
    ("adaptermac", ADAPTER),
    ("adapterport", ADAPTER),
    ("adaptervlan", ADAPTER),
    ("routerip", ADAPTER),
    ("routermac", ADAPTER),
    ("routermacipv4", ADAPTER),
    ("routermacipv6", ADAPTER),
    ("interface", ADAPTER),
    ("e", ADAPTER),
    ("i", ADAPTER),
    ("range", RANGES),
    ("ranges", RANGES),
    ("include", RANGES),
    ("exclude", RANGES),
    ("excluderange", RANGES),
    ("excluderanges", RANGES),
    ("target", RANGES),
    ("targets", RANGES),
    ("shard", OTHER),
    ("shards", OTHER),
    ("seed", OTHER),
    ("infinite", OTHER),
    ("offline", OTHER),
    ("packettrace", OTHER),
    ("trace", OTHER),
    ("heartbleed", OTHER),
    ("ticketbleed", OTHER),
    ("poodle", OTHER),
    ("vuln", OTHER),
    ("capture", OTHER),
    ("nocapture", OTHER),
    ("noreset", OTHER),
    ("regress", OTHER),
    ("selftest", OTHER),
    ("benchmark", OTHER),
    ("sendeth", OTHER),
    ("badsum", OTHER),
    ("script", OTHER),
    ("toports", OTHER),
    ("topports", OTHER),
];

fn normalized(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '-' | '_' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

fn refused(name: &str) -> Option<&'static str> {
    let n = normalized(name);
    REFUSED.iter().find(|(r, _)| *r == n).map(|&(_, why)| why)
}

/// A plain decimal number of at most `max_digits` digits (no sign, no spaces).
fn parse_decimal(s: &str, max_digits: usize) -> Option<u64> {
    if s.is_empty() || s.len() > max_digits || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn bad(message: String) -> Denied {
    Denied::validation(field::EXTRA_ARGS, message, ARGS_HINT)
}

/// A user token for a message: escaped, at most 64 characters.
fn shown(tok: &str) -> String {
    let mut s: String = tok
        .chars()
        .take(64)
        .flat_map(char::escape_default)
        .collect();
    if tok.chars().count() > 64 {
        s.push('…');
    }
    s
}

fn need_intrusive(policy: &Policy, field: &'static str, what: String) -> Result<(), Denied> {
    if policy.allow_intrusive {
        return Ok(());
    }
    Err(Denied::validation(
        field,
        format!("{what} and needs security.allow_intrusive"),
        INTRUSIVE_HINT,
    ))
}

#[derive(Default)]
struct Draft {
    ports: Option<(PortList, &'static str)>,
    rate: Option<(u32, &'static str)>,
    wait: Option<u32>,
    retries: Option<u32>,
    banners: bool,
    ping: bool,
}

/// What one token is.
enum Tok<'a> {
    Known(&'static str, Opt, bool, Option<&'a str>),
    Refused(String, &'static str),
}

fn classify(tok: &str) -> Result<Tok<'_>, Denied> {
    if !tok.starts_with('-') || tok == "-" {
        return Err(bad(format!(
            "unexpected argument '{}': {RANGES}",
            shown(tok)
        )));
    }
    let (name, value) = match tok.split_once('=') {
        Some((n, v)) if tok.starts_with("--") => (n, Some(v)),
        _ => (tok, None),
    };
    if let Some(&(spelling, opt, takes)) = ACCEPTED.iter().find(|(s, ..)| *s == name) {
        return Ok(Tok::Known(spelling, opt, takes, value));
    }
    // `-p80`: the port list attached to -p.
    if let Some(v) = tok.strip_prefix("-p")
        && !v.is_empty()
        && !tok.starts_with("--")
    {
        return Ok(Tok::Known("-p", Opt::Ports, true, Some(v)));
    }
    let bare = name.trim_start_matches('-');
    if let Some(why) = refused(bare) {
        return Ok(Tok::Refused(name.to_owned(), why));
    }
    if !tok.starts_with("--") {
        // -oJ, -oXfile, -iLfile, -cfile, -eeth0, -Sx: refused single-dash families.
        let families: [(&str, &str); 5] = [
            ("-o", OUTPUT),
            ("-iL", FILES),
            ("-c", CONF),
            ("-e", ADAPTER),
            ("-i", ADAPTER),
        ];
        if let Some((p, why)) = families.iter().find(|(p, _)| tok.starts_with(p)) {
            let shown_name = tok.get(..p.len() + usize::from(*p == "-o")).unwrap_or(p);
            return Ok(Tok::Refused(shown_name.to_owned(), why));
        }
    }
    Err(bad(format!(
        "unknown option '{}' (only exact spellings are accepted: -p/--ports, --rate, --max-rate, --wait, --retries, --banners, --ping)",
        shown(tok)
    )))
}

/// Parses a masscan call into its plan, targets and file requests.
pub(crate) fn parse(
    policy: &Policy,
    input: &CallInput<'_>,
    tokens: &[String],
) -> Result<Parsed<MasscanPlan>, Denied> {
    let limits = &policy.masscan;
    let empty = MasscanFields::default();
    let fields = match input.fields {
        crate::policy::ToolFields::Masscan(f) => f,
        crate::policy::ToolFields::None => &empty,
        _ => return Err(internal("masscan got another tool's fields")),
    };
    let target = parse_target(input.target)?;
    let addresses = match &target {
        Target::Ip(_) => 1,
        Target::Cidr(c) => c.size(),
        Target::Host(h) => {
            return Err(Denied::validation(
                field::TARGET,
                format!("masscan takes IP addresses and CIDR ranges only, not host names ({h})"),
                "give the address (or use the nmap tool, which resolves host names)",
            ));
        }
    };
    if addresses > u128::from(limits.hard_max_cidr_addresses) {
        return Err(Denied::validation(
            field::TARGET,
            format!(
                "{} covers {addresses} addresses; masscan scans at most {} per call",
                input.target, limits.hard_max_cidr_addresses
            ),
            "split the range into smaller CIDRs",
        ));
    }
    if addresses > u128::from(limits.max_cidr_addresses) {
        need_intrusive(
            policy,
            field::TARGET,
            format!(
                "{} covers {addresses} addresses, more than the {} allowed by default; a larger sweep is intrusive",
                input.target, limits.max_cidr_addresses
            ),
        )
        .map_err(|mut d| {
            d.hint = format!(
                "split it into /24s or smaller (at most {} addresses), or ask the operator to set security.allow_intrusive: true",
                limits.max_cidr_addresses
            );
            d
        })?;
    }
    if !policy.raw_sockets {
        return Err(Denied::privilege(
            field::TARGET,
            "masscan sends raw packets and needs raw sockets, which this server does not have (it runs without root or CAP_NET_RAW)",
            RAW_HINT,
        ));
    }
    let mut d = Draft::default();
    if let Some(p) = &fields.ports {
        let list = parse_port_list(p).map_err(|e| {
            Denied::validation(
                FIELD_PORTS,
                format!("ports: {e}"),
                "e.g. 22,80,443 or 1-1024 or U:53",
            )
        })?;
        d.ports = Some((list, FIELD_PORTS));
    }
    if let Some(r) = fields.rate_pps {
        d.rate = Some((
            check_rate(policy, FIELD_RATE, "rate_pps", u64::from(r))?,
            FIELD_RATE,
        ));
    }
    if fields.banners {
        need_intrusive(
            policy,
            "banners",
            "banners: grabbing banners opens full TCP sessions to every open port (intrusive)"
                .into(),
        )?;
        d.banners = true;
    }
    let mut rest = tokens.iter();
    while let Some(tok) = rest.next() {
        let (spelling, opt, takes, attached) = match classify(tok)? {
            Tok::Known(s, o, t, a) => (s, o, t, a),
            Tok::Refused(name, why) => {
                return Err(bad(format!("{} is not accepted: {why}", shown(&name))));
            }
        };
        let value = match (takes, attached) {
            (false, Some(v)) => {
                return Err(bad(format!(
                    "{spelling} takes no value (got '{}')",
                    shown(v)
                )));
            }
            (false, None) => None,
            (true, Some(v)) => Some(v),
            (true, None) => Some(
                rest.next()
                    .map(String::as_str)
                    .ok_or_else(|| bad(format!("{spelling} needs a value")))?,
            ),
        };
        d.apply(policy, input.timeout, spelling, opt, value.unwrap_or(""))?;
    }
    let (ports, _) = d.ports.ok_or_else(|| {
        Denied::validation(
            FIELD_PORTS,
            "masscan needs ports to scan",
            "give ports (e.g. \"22,80,443\" or \"1-1024\") or -p in extra_args",
        )
    })?;
    let rate_pps = d.rate.map_or(limits.default_rate_pps, |(r, _)| r);
    let wait_secs = d.wait.unwrap_or(limits.default_wait_secs);
    check_duration(input, addresses, &ports, rate_pps, wait_secs)?;
    Ok(Parsed {
        plan: MasscanPlan {
            ports,
            rate_pps,
            wait_secs,
            retries: d.retries,
            banners: d.banners,
            ping: d.ping,
        },
        targets: vec![PlannedTarget::new(field::TARGET, input.target, target)],
        files: Vec::new(),
    })
}

fn check_rate(policy: &Policy, field: &'static str, name: &str, n: u64) -> Result<u32, Denied> {
    let l = &policy.masscan;
    let hint = || {
        format!(
            "use a rate from 1 to {} packets per second ({} without allow_intrusive)",
            l.max_rate_pps, l.safe_rate_pps
        )
    };
    if n == 0 || n > u64::from(l.max_rate_pps) {
        return Err(Denied::validation(
            field,
            format!(
                "{name} {n} is outside 1..={} packets per second (the server's absolute maximum)",
                l.max_rate_pps
            ),
            hint(),
        ));
    }
    if n > u64::from(l.safe_rate_pps) {
        need_intrusive(
            policy,
            field,
            format!(
                "{name} {n} is above the safe rate of {} packets per second, which is intrusive",
                l.safe_rate_pps
            ),
        )?;
    }
    Ok(n as u32)
}

impl Draft {
    fn apply(
        &mut self,
        policy: &Policy,
        timeout: Duration,
        spelling: &'static str,
        opt: Opt,
        v: &str,
    ) -> Result<(), Denied> {
        match opt {
            Opt::Ports => {
                let list = parse_port_list(v).map_err(|e| bad(format!("{spelling}: {e}")))?;
                if let Some((_, prev)) = &self.ports {
                    return Err(bad(format!(
                        "ports are given more than once (in {prev} and {spelling})"
                    )));
                }
                self.ports = Some((list, spelling));
            }
            Opt::Rate => {
                let n = parse_decimal(v, 10).ok_or_else(|| {
                    bad(format!(
                        "{spelling} needs a whole number of packets per second, got '{}'",
                        shown(v)
                    ))
                })?;
                let r = check_rate(policy, field::EXTRA_ARGS, spelling, n)?;
                if let Some((_, prev)) = &self.rate {
                    return Err(bad(format!(
                        "the rate is given more than once (in {prev} and {spelling})"
                    )));
                }
                self.rate = Some((r, spelling));
            }
            Opt::Wait => {
                let max = MAX_WAIT_SECS.min(timeout.as_secs().saturating_sub(1) as u32);
                let n = number(v, spelling, 0, max)?;
                if self.wait.replace(n).is_some() {
                    return Err(bad("--wait is given more than once".into()));
                }
            }
            Opt::Retries => {
                let n = number(v, spelling, 0, MAX_RETRIES)?;
                if self.retries.replace(n).is_some() {
                    return Err(bad("--retries is given more than once".into()));
                }
            }
            Opt::Banners => {
                need_intrusive(
                    policy,
                    field::EXTRA_ARGS,
                    "--banners opens full TCP sessions to every open port (intrusive)".into(),
                )?;
                self.banners = true;
            }
            Opt::Ping => self.ping = true,
            Opt::NoOp => {}
        }
        Ok(())
    }
}

fn number(v: &str, name: &str, min: u32, max: u32) -> Result<u32, Denied> {
    parse_decimal(v, 10)
        .filter(|n| (u64::from(min)..=u64::from(max)).contains(n))
        .map(|n| n as u32)
        .ok_or_else(|| {
            bad(format!(
                "{name} needs a whole number from {min} to {max}, got '{}'",
                shown(v)
            ))
        })
}

/// Refuses a scan that cannot finish inside the call's timeout at its rate.
fn check_duration(
    input: &CallInput<'_>,
    addresses: u128,
    ports: &PortList,
    rate: u32,
    wait: u32,
) -> Result<(), Denied> {
    let probes = addresses.saturating_mul(u128::from(ports.count()));
    let send_secs = probes.div_ceil(u128::from(rate.max(1)));
    let total = send_secs.saturating_add(u128::from(wait));
    let timeout = u128::from(input.timeout.as_secs());
    if total < timeout {
        return Ok(());
    }
    Err(Denied::validation(
        field::TARGET,
        format!(
            "{probes} probes ({addresses} addresses x {} ports) at {rate} packets/s take about {total} s with the {wait} s wait, longer than the call timeout ({timeout} s)",
            ports.count()
        ),
        "scan fewer ports or a smaller range, raise the rate, or raise timeout_sec",
    ))
}

/// Renders the argv of an authorized masscan plan.
pub(crate) fn render(
    policy: &Policy,
    plan: &MasscanPlan,
    targets: &[AuthorizedTarget],
    _res: &Resolutions,
) -> Result<Rendering, Denied> {
    let target = targets
        .first()
        .ok_or_else(|| internal("masscan without a target"))?;
    let mut a: Vec<String> = Vec::new();
    let mut opt = |name: &str, v: Option<String>| {
        if let Some(v) = v {
            a.push(name.to_owned());
            a.push(v);
        }
    };
    let ad = &policy.masscan.adapter;
    opt("--adapter", ad.adapter.clone());
    opt("--adapter-ip", ad.adapter_ip.map(|i| i.to_string()));
    opt("--adapter-mac", ad.adapter_mac.clone());
    opt("--router-ip", ad.router_ip.map(|i| i.to_string()));
    opt("--router-mac", ad.router_mac.clone());
    opt("-oD", Some("-".into()));
    opt("-p", Some(plan.ports.to_string()));
    opt("--rate", Some(plan.rate_pps.to_string()));
    opt("--wait", Some(plan.wait_secs.to_string()));
    opt("--retries", plan.retries.map(|n| n.to_string()));
    if plan.banners {
        a.push("--banners".into());
    }
    if plan.ping {
        a.push("--ping".into());
    }
    a.push("--range".into());
    a.push(target.rendered.clone());
    Ok(Rendering::argv(a))
}
