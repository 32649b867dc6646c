//! gobuster: golden snapshots of REAL recorded output (gobuster 3.5 against
//! tests/lab/webapp.py and the lab dnsmasq, recorded inside `unshare -n` by
//! tests/golden/record-gobuster-hydra.sh), and targeted assertions on them.

use secmcp_output::gobuster;

use crate::util::{self, Cases};

fn load_golden(name: &str) -> Vec<u8> {
    util::load(&format!("golden/{name}"))
}

/// The mode a recording ran in, from its name (`gobuster-3.5-dns-show-ips.out`).
fn mode_of(name: &str) -> &'static str {
    ["dir", "dns", "vhost"]
        .into_iter()
        .find(|m| name.contains(&format!("-{m}")))
        .unwrap_or_else(|| panic!("{name}: no mode in the name"))
}

/// Every recorded gobuster output: `.out` is its stdout, `.err` its stderr.
#[test]
fn golden_reports() {
    let cases = Cases::default();
    insta::glob!("..", "golden/gobuster-*.{out,err}", |path| {
        cases.hit();
        let name = util::name(path);
        let bytes = std::fs::read(path).unwrap();
        let (stdout, stderr): (&[u8], &[u8]) = if name.ends_with(".err") {
            (b"", &bytes)
        } else {
            (&bytes, b"")
        };
        let report = gobuster::parse(mode_of(&name), stdout, stderr, 100);
        insta::assert_json_snapshot!(report);
        insta::assert_snapshot!("summary", gobuster::summary(&report));
    });
    cases.assert_at_least(7, "gobuster");
}

/// The outputSchema an MCP client sees; changes to it must be deliberate.
#[test]
fn output_schema() {
    insta::assert_json_snapshot!(gobuster::output_schema());
}

fn found(r: &gobuster::GobusterReport) -> Vec<(String, Option<u16>, Option<u64>, String)> {
    let mut v: Vec<_> = r
        .found
        .iter()
        .map(|f| (f.name.clone(), f.status, f.size, f.redirect.clone()))
        .collect();
    v.sort();
    v
}

#[test]
fn gobuster_dir() {
    let r = gobuster::parse("dir", &load_golden("gobuster-3.5-dir.out"), b"", 100);
    let s = |n: &str, st, sz, red: &str| (n.to_string(), Some(st), Some(sz), red.to_string());
    assert_eq!(
        found(&r),
        [
            s("/admin", 301, 0, "/admin/"),
            s("/backup", 200, 15, ""),
            s("/login", 200, 66, ""),
            s("/protected", 401, 13, ""),
            s("/secret.txt", 200, 17, ""),
        ]
    );
    assert_eq!(r.unparsed_lines, 0);
    assert!(r.errors.is_empty());
}

#[test]
fn gobuster_dir_variants() {
    let r = gobuster::parse(
        "dir",
        &load_golden("gobuster-3.5-dir-expanded-x.out"),
        b"",
        100,
    );
    assert_eq!(r.found.len(), 5);
    assert!(
        r.found
            .iter()
            .all(|f| f.name.starts_with("http://10.99.0.30:18090/"))
    );
    let r = gobuster::parse(
        "dir",
        &load_golden("gobuster-3.5-dir-no-status.out"),
        b"",
        100,
    );
    assert_eq!(r.found.len(), 5);
    assert!(
        r.found
            .iter()
            .all(|f| f.status.is_none() && f.size.is_some())
    );
    let admin = r.found.iter().find(|f| f.name == "/admin").unwrap();
    assert_eq!(admin.redirect, "/admin/");
}

#[test]
fn gobuster_connection_refused_is_an_error() {
    let r = gobuster::parse(
        "dir",
        b"",
        &load_golden("gobuster-3.5-dir-refused.err"),
        100,
    );
    assert!(r.found.is_empty());
    assert_eq!(r.errors.len(), 1);
    assert!(
        r.errors[0].starts_with("error on running gobuster: unable to connect"),
        "{:?}",
        r.errors
    );
}

#[test]
fn gobuster_vhost_and_dns() {
    let r = gobuster::parse(
        "vhost",
        &load_golden("gobuster-3.5-vhost-append-domain.out"),
        b"",
        100,
    );
    assert_eq!(
        found(&r),
        [
            (
                "dev.app.lab.internal".into(),
                Some(200),
                Some(72),
                String::new()
            ),
            (
                "staging.app.lab.internal".into(),
                Some(200),
                Some(76),
                String::new()
            ),
        ]
    );
    let r = gobuster::parse(
        "dns",
        &load_golden("gobuster-3.5-dns-show-ips.out"),
        b"",
        100,
    );
    let mut v: Vec<_> = r
        .found
        .iter()
        .map(|f| (f.name.as_str(), f.addresses.join(",")))
        .collect();
    v.sort();
    assert_eq!(
        v,
        [
            ("intranet.corp.lab.internal", "10.99.0.41".to_string()),
            ("mail.corp.lab.internal", "10.99.0.42".to_string()),
            ("vpn.corp.lab.internal", "10.99.0.43".to_string()),
        ]
    );
    let r = gobuster::parse("dns", &load_golden("gobuster-3.5-dns.out"), b"", 100);
    assert_eq!(r.found.len(), 3);
    assert!(
        r.found
            .iter()
            .all(|f| f.addresses.is_empty() && f.status.is_none())
    );
}
