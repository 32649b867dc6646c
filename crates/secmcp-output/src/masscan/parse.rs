//! The line-by-line reader of masscan's `-oD`/`-oJ` JSON (see the module docs of
//! [`crate::masscan`]). No I/O, no panics.

use std::collections::HashSet;

use serde_json::Value;

use super::{Banner, MAX_LINE_BYTES, MasscanHost, MasscanPort, MasscanReport};
use crate::bounds::Bounds;
use crate::sanitize::Kind;
use crate::text::field;
use crate::untrusted::{Flagger, Untrusted};

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
    r.untrusted = flag(&r);
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
    let text = |v: Option<&Value>| {
        field(
            v.and_then(Value::as_str).unwrap_or(""),
            Kind::Line,
            b.max_text_bytes,
        )
    };
    let proto = text(p.get("proto"));
    let status = text(p.get("status"));
    let newly_open = status == "open";
    let host_idx = match r.hosts.iter().position(|h| h.address == ip) {
        Some(i) => Some(i),
        None if r.hosts.len() < b.max_hosts => {
            r.hosts.push(MasscanHost {
                address: field(ip, Kind::Line, b.max_text_bytes),
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
            banner: field(
                s.get("banner").and_then(Value::as_str).unwrap_or(""),
                Kind::MultiLine,
                b.max_text_bytes,
            ),
        };
        if entry.banners.len() < b.max_list_items && !entry.banners.contains(&banner) {
            entry.banners.push(banner);
        }
    }
}

/// Flags the untrusted fields of `r` (banners).
pub(crate) fn flag(r: &MasscanReport) -> Untrusted {
    let mut f = Flagger::default();
    for (h, host) in r.hosts.iter().enumerate() {
        for (p, port) in host.ports.iter().enumerate() {
            for (b, banner) in port.banners.iter().enumerate() {
                f.check(&banner.banner, || {
                    format!("hosts[{h}].ports[{p}].banners[{b}].banner")
                });
            }
        }
    }
    f.finish()
}
