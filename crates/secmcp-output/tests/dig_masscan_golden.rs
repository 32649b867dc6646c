//! Golden tests of the dig (`+yaml`) and masscan (`-oD`/`-oJ`) parsers on REAL output
//! recorded by tests/golden/record-dig-masscan.sh inside a private network namespace
//! (dig 9.18 against dnsmasq, masscan 1.3.2 on a veth lab segment), plus handwritten
//! fixtures after masscan's formats for what the lab cannot produce (banners, the
//! trailing-comma quirk of older `-oJ`, a cut last line).
//!
//! Each input has a committed `*.json` next to it. After an intended parser change:
//! `UPDATE_GOLDEN=1 cargo test -p secmcp-output --test dig_masscan_golden`, review, commit.

use std::path::{Path, PathBuf};

use secmcp_output::{Bounds, dig, masscan};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

fn load(rel: &str) -> Vec<u8> {
    std::fs::read(dir().join(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
}

const DIG: &[&str] = &[
    "golden/dig-a.yaml",
    "golden/dig-axfr.yaml",
    "golden/dig-axfr-refused.yaml",
    "golden/dig-mx-tcp.yaml",
    "golden/dig-no-server.yaml",
    "golden/dig-nxdomain.yaml",
    "golden/dig-ptr.yaml",
    "golden/dig-refused.yaml",
    "golden/dig-txt-quotes.yaml",
];

const MASSCAN: &[&str] = &[
    "golden/masscan-oD-open-closed.ndjson",
    "golden/masscan-oJ-open-closed.json",
    "golden/masscan-oD-range.ndjson",
    "golden/masscan-oJ-range.json",
    "golden/masscan-oD-nothing.ndjson",
    "fixtures/masscan-banners-handwritten.ndjson",
    "fixtures/masscan-oJ-trailing-comma-handwritten.json",
];

fn json_of(rel: &str) -> String {
    let bytes = load(rel);
    let b = Bounds::default();
    let mut json = if rel.contains("dig-") {
        serde_json::to_string_pretty(&dig::parse(&bytes, &b))
    } else {
        serde_json::to_string_pretty(&masscan::parse(&bytes, &b))
    }
    .expect("serialize");
    json.push('\n');
    json
}

#[test]
fn serialized_reports_match_committed_json() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut mismatched = Vec::new();
    for rel in DIG.iter().chain(MASSCAN) {
        let json = json_of(rel);
        let (stem, _) = rel.rsplit_once('.').unwrap();
        let expected_path = dir().join(format!("{stem}.expected.json"));
        if update {
            std::fs::write(&expected_path, &json).expect("write golden json");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|e| panic!("{}: {e}", expected_path.display()));
        if expected != json {
            mismatched.push(rel.to_string());
        }
    }
    assert!(
        mismatched.is_empty(),
        "parser output changed for {mismatched:?}; see the module docs"
    );
}

fn dig_of(rel: &str) -> dig::DigReport {
    dig::parse(&load(rel), &Bounds::default())
}

fn masscan_of(rel: &str) -> masscan::MasscanReport {
    masscan::parse(&load(rel), &Bounds::default())
}

#[test]
fn dig_a_record() {
    let r = dig_of("golden/dig-a.yaml");
    assert!(r.complete);
    assert_eq!(r.status, "NOERROR");
    assert_eq!(r.flags, ["qr", "aa", "rd"]);
    assert_eq!(
        (r.server.as_str(), r.server_port, r.protocol.as_str()),
        ("10.99.0.53", 53, "UDP")
    );
    assert_eq!(r.question.len(), 1);
    assert_eq!(r.question[0].name, "web.lab.internal.");
    assert_eq!(r.answers.len(), 1);
    let a = &r.answers[0];
    assert_eq!(
        (
            a.name.as_str(),
            a.ttl,
            a.class.as_str(),
            a.rtype.as_str(),
            a.data.as_str()
        ),
        ("web.lab.internal.", 600, "IN", "A", "10.99.0.7")
    );
    assert_eq!(r.authority[0].rtype, "NS");
    assert!(r.query_time_ms.is_some());
    assert!(r.message_size_bytes > 0);
}

#[test]
fn dig_quirks() {
    let r = dig_of("golden/dig-txt-quotes.yaml");
    assert_eq!(r.answers[0].data, r#""it's a \"q\" \\ back""#);
    let r = dig_of("golden/dig-nxdomain.yaml");
    assert_eq!(r.status, "NXDOMAIN");
    assert!(r.answers.is_empty());
    assert_eq!(r.authority[0].rtype, "SOA");
    assert!(r.complete);
    let r = dig_of("golden/dig-ptr.yaml");
    assert_eq!(r.answers[0].rtype, "PTR");
    assert_eq!(r.answers[0].data, "web.lab.internal.");
    let r = dig_of("golden/dig-mx-tcp.yaml");
    assert_eq!(r.protocol, "TCP");
    assert_eq!(r.answers[0].data, "10 mail.lab.internal.");
    let r = dig_of("golden/dig-refused.yaml");
    assert_eq!(r.status, "REFUSED");
    assert!(r.complete, "a REFUSED answer is a complete answer");
}

#[test]
fn dig_zone_transfers_and_errors() {
    let r = dig_of("golden/dig-axfr.yaml");
    assert!(r.complete);
    assert_eq!(r.answers.first().map(|a| a.rtype.as_str()), Some("SOA"));
    assert_eq!(r.answers.last().map(|a| a.rtype.as_str()), Some("SOA"));
    assert!(
        r.answers
            .iter()
            .any(|a| a.data.contains("flag=secmcp-dig-fixture"))
    );
    let r = dig_of("golden/dig-axfr-refused.yaml");
    assert!(!r.complete);
    assert_eq!(r.status, "REFUSED");
    assert_eq!(r.errors, ["Transfer failed."]);
    let r = dig_of("golden/dig-no-server.yaml");
    assert!(!r.complete);
    assert_eq!(r.messages, 0);
    assert_eq!(r.errors, ["no servers could be reached"]);
    assert!(dig::summary(&r).contains("no servers could be reached"));
}

#[test]
fn masscan_both_formats_agree() {
    for (a, b) in [
        (
            "golden/masscan-oD-open-closed.ndjson",
            "golden/masscan-oJ-open-closed.json",
        ),
        (
            "golden/masscan-oD-range.ndjson",
            "golden/masscan-oJ-range.json",
        ),
    ] {
        let (mut x, mut y) = (masscan_of(a), masscan_of(b));
        x.hosts.sort_by(|p, q| p.address.cmp(&q.address));
        y.hosts.sort_by(|p, q| p.address.cmp(&q.address));
        assert_eq!(x.hosts, y.hosts, "{a} vs {b}");
        assert_eq!(x.open_ports, y.open_ports);
    }
    let r = masscan_of("golden/masscan-oD-open-closed.ndjson");
    assert_eq!(r.open_ports, 1);
    assert_eq!(r.hosts[0].address, "10.99.1.7");
    let p = &r.hosts[0].ports[0];
    assert_eq!(
        (
            p.port,
            p.proto.as_str(),
            p.status.as_str(),
            p.reason.as_str(),
            p.ttl
        ),
        (18080, "tcp", "open", "syn-ack", 64)
    );
    let r = masscan_of("golden/masscan-oD-range.ndjson");
    assert_eq!(r.open_ports, 2);
    let r = masscan_of("golden/masscan-oD-nothing.ndjson");
    assert_eq!((r.hosts.len(), r.open_ports, r.lines_skipped), (0, 0, 0));
}

#[test]
fn masscan_banners_and_quirks() {
    let r = masscan_of("fixtures/masscan-banners-handwritten.ndjson");
    assert_eq!(
        r.lines_skipped, 1,
        "the cut last line is skipped, not fatal"
    );
    let web = &r.hosts[0].ports[0];
    assert_eq!(web.status, "open");
    assert_eq!(web.banners.len(), 2);
    assert_eq!(web.banners[0].service, "http");
    assert!(web.banners[0].banner.starts_with("HTTP/1.0 200 OK"));
    let ssh = &r.hosts[1].ports[0];
    assert_eq!(
        (ssh.status.as_str(), ssh.banners[0].service.as_str()),
        ("", "ssh")
    );
    assert_eq!(r.hosts[1].ports[1].proto, "udp");
    assert_eq!(r.hosts[2].ports[0].status, "closed");
    assert_eq!(r.open_ports, 2);
    let r = masscan_of("fixtures/masscan-oJ-trailing-comma-handwritten.json");
    assert_eq!(r.lines_skipped, 0);
    assert_eq!(r.hosts.len(), 2);
    assert_eq!(r.hosts[0].ports[0].banners[0].banner, "HTTP/1.0 200 OK\r\n");
    assert_eq!(r.open_ports, 2);
}

#[test]
fn masscan_bounds_count_what_they_drop() {
    let b = Bounds {
        max_hosts: 1,
        max_ports_per_host: 1,
        ..Bounds::default()
    };
    let r = masscan::parse(&load("fixtures/masscan-banners-handwritten.ndjson"), &b);
    assert_eq!(r.hosts.len(), 1);
    assert_eq!(r.hosts_omitted, 2);
    assert_eq!(r.open_ports, 2);
}
