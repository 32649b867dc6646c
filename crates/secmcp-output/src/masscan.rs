//! masscan's JSON output as a typed, bounded report.
//!
//! Reads both of masscan's JSON forms, line by line, so a cut or corrupted line
//! costs only that line: NDJSON (`-oD`, one record per line: `rec_type`
//! `status` or `banner`) and the `-oJ` array (one host object per line, with
//! the trailing-comma quirk of some versions). Records are merged per host
//! (first-seen order) and per port/protocol; banners attach to their port.
//! Memory is bounded by [`Bounds`](crate::Bounds): `max_hosts` hosts,
//! `max_ports_per_host` ports, `max_list_items` banners per port,
//! `max_text_bytes` per string; what is dropped is counted. Never panics.
//! [`summary`] renders a few lines of text.
//!
//! Must not: do I/O, run masscan, or judge what is in scope.

use std::collections::HashSet;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::{Bounds, TRUNCATION_MARKER};

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The longest output line looked at, in bytes (a masscan record is far shorter
/// unless it carries a huge banner, which is then dropped and counted).
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// The result of one masscan run.
#[derive(Serialize, JsonSchema, Debug, Clone, PartialEq, Default)]
pub struct MasscanReport {
    /// Hosts with at least one reported port, in the order masscan reported them.
    /// masscan reports only what answered: a host or port that is absent did not
    /// answer (closed ports are normally not listed).
    pub hosts: Vec<MasscanHost>,
    /// Hosts left out because the report's host limit was reached. Absent when zero.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub hosts_omitted: u64,
    /// Open ports found, over all hosts (including omitted ones).
    pub open_ports: u64,
    /// Records read.
    pub records: u64,
    /// Lines that were not valid masscan JSON (cut or corrupted output). Absent when zero.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub lines_skipped: u64,
}

/// One host and what answered on it.
#[derive(Serialize, JsonSchema, Debug, Clone, PartialEq, Default)]
pub struct MasscanHost {
    /// The IP address.
    pub address: String,
    /// Ports that answered, in the order reported.
    pub ports: Vec<MasscanPort>,
    /// Ports left out because the per-host limit was reached. Absent when zero.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub ports_omitted: u64,
}

/// One port's result.
#[derive(Serialize, JsonSchema, Debug, Clone, PartialEq, Default)]
pub struct MasscanPort {
    /// The port number.
    pub port: u16,
    /// tcp, udp, sctp or icmp.
    pub proto: String,
    /// `open` (answered SYN-ACK or a UDP reply), `closed` (RST), or empty when only a banner was seen.
    pub status: String,
    /// Why masscan decided: `syn-ack`, `rst`, ...
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// The TTL of the reply (0 when unknown).
    pub ttl: u32,
    /// Banners grabbed with `--banners`: service name and text. Absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub banners: Vec<Banner>,
}

/// A banner masscan grabbed.
#[derive(Serialize, JsonSchema, Debug, Clone, PartialEq, Default)]
pub struct Banner {
    /// masscan's name for the service (`http`, `ssh`, `title`, `X509`, ...).
    pub service: String,
    /// The banner text as masscan printed it.
    pub banner: String,
}

/// Parses masscan's `-oD` or `-oJ` output. Never fails or panics.
pub fn parse(bytes: &[u8], bounds: &Bounds) -> MasscanReport {
    let mut r = MasscanReport::default();
    let mut omitted = HashSet::new();
    for raw in bytes.split(|b| *b == b'\n') {
        if raw.len() > MAX_LINE_BYTES {
            r.lines_skipped += 1;
            continue;
        }
        let line = String::from_utf8_lossy(raw);
        let line = line.trim();
        let line = line.strip_suffix(',').unwrap_or(line).trim_end();
        if line.is_empty() || line == "[" || line == "]" {
            continue;
        }
        let Ok(Value::Object(obj)) = serde_json::from_str::<Value>(line) else {
            r.lines_skipped += 1;
            continue;
        };
        let Some(ip) = obj.get("ip").and_then(Value::as_str) else {
            r.lines_skipped += 1;
            continue;
        };
        r.records += 1;
        match obj.get("ports") {
            // -oJ: one host with a list of port results.
            Some(Value::Array(ports)) => {
                for p in ports {
                    add_port(&mut r, &mut omitted, bounds, ip, p, p.get("service"));
                }
            }
            // -oD: one port result per line.
            _ => add_ndjson(&mut r, &mut omitted, bounds, ip, &obj),
        }
    }
    r
}

fn add_ndjson(
    r: &mut MasscanReport,
    omitted: &mut HashSet<String>,
    b: &Bounds,
    ip: &str,
    obj: &serde_json::Map<String, Value>,
) {
    let data = obj.get("data");
    let rec_type = obj.get("rec_type").and_then(Value::as_str).unwrap_or("");
    let mut port = serde_json::Map::new();
    for k in ["port", "proto"] {
        if let Some(v) = obj.get(k) {
            port.insert(k.into(), v.clone());
        }
    }
    let mut service = None;
    match rec_type {
        "banner" => {
            let d = data.cloned().unwrap_or(Value::Null);
            let mut s = serde_json::Map::new();
            s.insert(
                "name".into(),
                d.get("service_name").cloned().unwrap_or(Value::Null),
            );
            s.insert(
                "banner".into(),
                d.get("banner").cloned().unwrap_or(Value::Null),
            );
            service = Some(Value::Object(s));
        }
        _ => {
            for k in ["status", "reason", "ttl"] {
                if let Some(v) = data.and_then(|d| d.get(k)) {
                    port.insert(k.into(), v.clone());
                }
            }
        }
    }
    add_port(r, omitted, b, ip, &Value::Object(port), service.as_ref());
}

fn add_port(
    r: &mut MasscanReport,
    omitted: &mut HashSet<String>,
    b: &Bounds,
    ip: &str,
    p: &Value,
    service: Option<&Value>,
) {
    let Some(port) = p
        .get("port")
        .and_then(Value::as_u64)
        .and_then(|n| u16::try_from(n).ok())
    else {
        r.lines_skipped += 1;
        return;
    };
    let text = |v: Option<&Value>| clip(v.and_then(Value::as_str).unwrap_or(""), b.max_text_bytes);
    let proto = text(p.get("proto"));
    let status = text(p.get("status"));
    let newly_open = status == "open";
    let host_idx = match r.hosts.iter().position(|h| h.address == ip) {
        Some(i) => Some(i),
        None if r.hosts.len() < b.max_hosts => {
            r.hosts.push(MasscanHost {
                address: clip(ip, b.max_text_bytes),
                ..MasscanHost::default()
            });
            Some(r.hosts.len() - 1)
        }
        None => None,
    };
    let Some(hi) = host_idx else {
        if newly_open {
            r.open_ports += 1;
        }
        // Count each omitted host once (at most one entry per input line).
        if omitted.insert(ip.to_owned()) {
            r.hosts_omitted += 1;
        }
        return;
    };
    let host = &mut r.hosts[hi];
    let existing = host
        .ports
        .iter()
        .position(|x| x.port == port && x.proto == proto);
    let entry = match existing {
        Some(i) => &mut host.ports[i],
        None if host.ports.len() < b.max_ports_per_host => {
            host.ports.push(MasscanPort {
                port,
                proto,
                ..MasscanPort::default()
            });
            let last = host.ports.len() - 1;
            &mut host.ports[last]
        }
        None => {
            host.ports_omitted += 1;
            if newly_open {
                r.open_ports += 1;
            }
            return;
        }
    };
    if !status.is_empty() {
        if newly_open && entry.status != "open" {
            r.open_ports += 1;
        }
        entry.status = status;
        entry.reason = text(p.get("reason"));
        entry.ttl = p
            .get("ttl")
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(0);
    }
    if let Some(s) = service {
        let banner = Banner {
            service: text(s.get("name")),
            banner: text(s.get("banner")),
        };
        if entry.banners.len() < b.max_list_items && !entry.banners.contains(&banner) {
            entry.banners.push(banner);
        }
    }
}

/// Cuts `s` to at most `max` bytes at a character boundary, marking the cut.
fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{TRUNCATION_MARKER}", &s[..end])
}

/// A few lines for humans and models.
pub fn summary(r: &MasscanReport) -> String {
    let mut out = format!(
        "masscan: {} open port(s) on {} host(s)",
        r.open_ports,
        r.hosts.len() as u64 + r.hosts_omitted
    );
    for h in r.hosts.iter().take(50) {
        let ports: Vec<String> = h
            .ports
            .iter()
            .filter(|p| p.status == "open" || !p.banners.is_empty())
            .map(|p| {
                let mut s = format!("{}/{}", p.port, p.proto);
                if let Some(bn) = p.banners.first() {
                    let short: String = bn.banner.chars().take(60).collect();
                    s.push_str(&format!(" [{}: {short}]", bn.service));
                }
                s
            })
            .collect();
        if !ports.is_empty() {
            out.push_str(&format!("\n  {}: {}", h.address, ports.join(", ")));
        }
    }
    if r.hosts.len() > 50 {
        out.push_str(&format!("\n  ... {} more hosts", r.hosts.len() - 50));
    }
    if r.lines_skipped > 0 {
        out.push_str(&format!(
            "\n{} unreadable output line(s) skipped",
            r.lines_skipped
        ));
    }
    out
}
