//! masscan: golden snapshots of REAL `-oD`/`-oJ` output recorded by
//! tests/golden/record-dig-masscan.sh inside a private network namespace (masscan
//! 1.3.2 on a veth lab segment), plus handwritten fixtures after masscan's formats
//! for what the lab cannot produce (banners, the trailing-comma quirk of older `-oJ`,
//! a cut last line), and targeted assertions on them.

use secmcp_output::{Bounds, masscan};

use crate::util::{Cases, load};

fn masscan_of(rel: &str) -> masscan::MasscanReport {
    masscan::parse(&load(rel), &Bounds::default())
}

/// Every recorded masscan output, parsed with the default bounds.
#[test]
fn golden_reports() {
    let cases = Cases::default();
    insta::glob!("..", "{golden,fixtures}/masscan-*.{ndjson,json}", |path| {
        cases.hit();
        let report = masscan::parse(&std::fs::read(path).unwrap(), &Bounds::default());
        insta::assert_json_snapshot!(report);
        insta::assert_snapshot!("summary", masscan::summary(&report));
    });
    cases.assert_at_least(7, "masscan");
}

/// The outputSchema an MCP client sees; changes to it must be deliberate.
#[test]
fn output_schema() {
    insta::assert_json_snapshot!(masscan::output_schema());
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
    // The sanitizer drops `\r` (a terminal could overwrite text with it).
    assert_eq!(r.hosts[0].ports[0].banners[0].banner, "HTTP/1.0 200 OK\n");
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
