//! What one stored run found, in one shape for every tool: hosts and their
//! open services (nmap, masscan), paths and names (gobuster), answers (dig),
//! credentials (hydra) and injection points (sqlmap). Read from the kept
//! structured result (JSON), defensively: a record written by an older
//! server, or cut short, yields what it holds.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use serde_json::Value;

use super::filter;

/// One open port's service, as a short line (`http SimpleHTTPServer 0.6`).
pub type Service = String;

/// What a run observed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observations {
    /// Hosts seen up, by address.
    pub hosts: BTreeMap<String, Host>,
    /// Ports the run looked at (`None`: unknown, taken as every port).
    pub scanned_ports: Option<PortSet>,
    /// gobuster's mode and what it found, by path or name.
    pub found: Option<(String, BTreeMap<String, String>)>,
    /// dig's status and answers, by `name type`.
    pub dns: Option<(String, BTreeMap<String, BTreeSet<String>>)>,
    /// hydra's valid logins (`host:port service login`; never the password).
    pub credentials: BTreeSet<String>,
    /// sqlmap's injection points (`place parameter`) with their techniques.
    pub injections: BTreeMap<String, BTreeSet<String>>,
    /// sqlmap's back-end database, when identified.
    pub dbms: Option<String>,
}

/// One host seen up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Host {
    /// Open ports (`tcp/22`) and their service.
    pub open: BTreeMap<String, Service>,
    /// Host names the tool reported.
    pub names: BTreeSet<String>,
}

/// Port numbers per protocol (`tcp`, `udp`, `sctp`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortSet(BTreeMap<String, Vec<(u32, u32)>>);

impl PortSet {
    /// Whether `key` (`tcp/22`) is in the set.
    pub fn contains(&self, key: &str) -> bool {
        let Some((proto, port)) = key.split_once('/') else {
            return false;
        };
        let Ok(port) = port.parse::<u32>() else {
            return false;
        };
        self.0
            .get(proto)
            .is_some_and(|r| r.iter().any(|(lo, hi)| (*lo..=*hi).contains(&port)))
    }

    fn add(&mut self, proto: &str, spec: &str) {
        let ranges = self.0.entry(proto.to_owned()).or_default();
        for part in spec.split(',') {
            let (lo, hi) = part.split_once('-').unwrap_or((part, part));
            if let (Ok(lo), Ok(hi)) = (lo.trim().parse(), hi.trim().parse()) {
                ranges.push((lo, hi));
            }
        }
    }
}

/// Reads what `structured` (the kept result of a `tool` run) observed.
pub fn observe(tool: &str, structured: &Value, argv: &[String]) -> Observations {
    let mut o = Observations::default();
    match tool {
        "nmap" => nmap(structured, &mut o),
        "masscan" => masscan(structured, argv, &mut o),
        "gobuster" => {
            let mode = text(structured, "mode");
            let found = list(structured, "found")
                .map(|f| {
                    let mut detail = Vec::new();
                    if let Some(s) = f.get("status").and_then(Value::as_u64) {
                        detail.push(format!("status {s}"));
                    }
                    if let Some(s) = f.get("size").and_then(Value::as_u64) {
                        detail.push(format!("size {s}"));
                    }
                    let redirect = text(f, "redirect");
                    if !redirect.is_empty() {
                        detail.push(format!("-> {redirect}"));
                    }
                    let addrs: Vec<&str> = list(f, "addresses").filter_map(Value::as_str).collect();
                    if !addrs.is_empty() {
                        detail.push(addrs.join(" "));
                    }
                    (text(f, "name"), detail.join(", "))
                })
                .collect();
            o.found = Some((mode, found));
        }
        "dig" => {
            let mut answers: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
            for a in list(structured, "answers") {
                answers
                    .entry(format!("{} {}", text(a, "name"), text(a, "type")))
                    .or_default()
                    .insert(text(a, "data"));
            }
            o.dns = Some((text(structured, "status"), answers));
        }
        "hydra" => {
            for c in list(structured, "credentials") {
                o.credentials.insert(format!(
                    "{}:{} {} {}",
                    text(c, "host"),
                    c.get("port").and_then(Value::as_u64).unwrap_or(0),
                    text(c, "service"),
                    text(c, "login")
                ));
            }
        }
        "sqlmap" => {
            for p in list(structured, "injection_points") {
                let techniques = list(p, "techniques").map(|t| text(t, "type")).collect();
                o.injections.insert(
                    format!("{} {}", text(p, "place"), text(p, "parameter")),
                    techniques,
                );
            }
            let dbms = text(structured, "dbms");
            o.dbms = (!dbms.is_empty()).then_some(dbms);
        }
        _ => {}
    }
    o
}

fn nmap(v: &Value, o: &mut Observations) {
    let mut scanned = PortSet::default();
    let mut known = false;
    for s in list(v.get("scanner").unwrap_or(&Value::Null), "scans") {
        let services = text(s, "services");
        if !services.is_empty() {
            scanned.add(&text(s, "protocol"), &services);
            known = true;
        }
    }
    o.scanned_ports = known.then_some(scanned);
    for h in list(v, "hosts") {
        if text(h, "status") != "up" {
            continue;
        }
        let mut host = Host::default();
        for n in list(h, "hostnames") {
            let name = n.as_str().map_or_else(|| text(n, "name"), str::to_owned);
            if !name.is_empty() {
                host.names.insert(name);
            }
        }
        for p in list(h, "ports") {
            if text(p, "state") != "open" {
                continue;
            }
            let key = format!(
                "{}/{}",
                text(p, "protocol"),
                p.get("port").and_then(Value::as_u64).unwrap_or(0)
            );
            let svc = p.get("service").unwrap_or(&Value::Null);
            let line: Vec<String> = ["name", "product", "version", "extrainfo"]
                .iter()
                .map(|f| text(svc, f))
                .filter(|s| !s.is_empty())
                .collect();
            host.open.insert(key, line.join(" "));
        }
        o.hosts.insert(text(h, "address"), host);
    }
}

fn masscan(v: &Value, argv: &[String], o: &mut Observations) {
    let mut scanned = PortSet::default();
    let mut known = false;
    let mut args = argv.iter();
    while let Some(a) = args.next() {
        let spec = match a.as_str() {
            "-p" | "--ports" => args.next().cloned(),
            other => other
                .strip_prefix("--ports=")
                .or_else(|| other.strip_prefix("-p").filter(|s| !s.is_empty()))
                .map(str::to_owned),
        };
        for part in spec.iter().flat_map(|s| s.split(',')) {
            // masscan writes UDP ports as U:53 (and T: / S: for TCP / SCTP).
            let (proto, ports) = match part.split_once(':') {
                Some(("U" | "u", p)) => ("udp", p),
                Some(("S" | "s", p)) => ("sctp", p),
                Some((_, p)) => ("tcp", p),
                None => ("tcp", part),
            };
            scanned.add(proto, ports);
            known = true;
        }
    }
    o.scanned_ports = known.then_some(scanned);
    for h in list(v, "hosts") {
        let host = o.hosts.entry(text(h, "address")).or_default();
        for p in list(h, "ports") {
            let key = format!(
                "{}/{}",
                text(p, "proto"),
                p.get("port").and_then(Value::as_u64).unwrap_or(0)
            );
            let banners: Vec<String> = list(p, "banners").map(|b| text(b, "service")).collect();
            let open = text(p, "status") == "open" || !banners.is_empty();
            if !open {
                continue;
            }
            let svc = host.open.entry(key).or_default();
            for b in banners {
                if !b.is_empty() && !svc.split(' ').any(|s| s == b) {
                    if !svc.is_empty() {
                        svc.push(' ');
                    }
                    svc.push_str(&b);
                }
            }
        }
    }
    o.hosts.retain(|_, h| !h.open.is_empty());
}

/// Whether a run with `pinned` entries and these observations looked at
/// `port` (`tcp/22`) on `address`.
pub fn looked_at(o: &Observations, pinned: &[String], address: &str, port: Option<&str>) -> bool {
    let covered = address
        .parse::<IpAddr>()
        .is_ok_and(|a| filter::covers(pinned, a));
    covered
        && match (port, &o.scanned_ports) {
            (Some(p), Some(set)) => set.contains(p),
            _ => true,
        }
}

fn text(v: &Value, field: &str) -> String {
    v.get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn list<'a>(v: &'a Value, field: &str) -> impl Iterator<Item = &'a Value> {
    v.get(field)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn nmap_open_ports_services_and_scanned_ranges() {
        let v = json!({
            "scanner": {"scans": [{"protocol": "tcp", "services": "22,80-81"}]},
            "hosts": [
                {"address": "10.0.0.1", "status": "up", "hostnames": [{"name": "a.lab"}], "ports": [
                    {"port": 22, "protocol": "tcp", "state": "open", "service": {"name": "ssh", "product": "OpenSSH", "version": "9.2"}},
                    {"port": 80, "protocol": "tcp", "state": "closed"}
                ]},
                {"address": "10.0.0.2", "status": "down", "ports": []}
            ]
        });
        let o = observe("nmap", &v, &[]);
        assert_eq!(o.hosts.len(), 1);
        let h = &o.hosts["10.0.0.1"];
        assert_eq!(h.open["tcp/22"], "ssh OpenSSH 9.2");
        assert!(!h.open.contains_key("tcp/80"));
        assert!(h.names.contains("a.lab"));
        let ports = o.scanned_ports.as_ref().unwrap();
        assert!(ports.contains("tcp/81") && ports.contains("tcp/22"));
        assert!(!ports.contains("tcp/82") && !ports.contains("udp/22"));
    }

    #[test]
    fn masscan_merges_banner_records_and_reads_ports_from_argv() {
        let v = json!({"hosts": [
            {"address": "10.0.0.1", "ports": [
                {"port": 80, "proto": "tcp", "status": "open"},
                {"port": 80, "proto": "tcp", "status": "", "banners": [{"service": "http", "banner": "x"}]},
                {"port": 53, "proto": "udp", "status": "open"}
            ]}
        ]});
        let argv: Vec<String> = ["masscan", "-p", "80,U:53", "--rate", "100", "10.0.0.1"]
            .map(String::from)
            .to_vec();
        let o = observe("masscan", &v, &argv);
        assert_eq!(o.hosts["10.0.0.1"].open["tcp/80"], "http");
        assert!(o.hosts["10.0.0.1"].open.contains_key("udp/53"));
        let ports = o.scanned_ports.unwrap();
        assert!(ports.contains("udp/53") && ports.contains("tcp/80") && !ports.contains("tcp/53"));
    }

    #[test]
    fn records_without_the_expected_fields_observe_nothing() {
        for tool in [
            "nmap", "masscan", "gobuster", "dig", "hydra", "sqlmap", "other",
        ] {
            let o = observe(tool, &json!({"hosts": "not a list", "found": 3}), &[]);
            assert!(o.hosts.is_empty() && o.credentials.is_empty(), "{tool}");
        }
    }
}
