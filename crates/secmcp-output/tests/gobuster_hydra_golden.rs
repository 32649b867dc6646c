//! Golden tests of the gobuster and hydra parsers on REAL recorded output
//! (gobuster 3.5 and hydra 9.4 against tests/lab/webapp.py and the lab dnsmasq,
//! recorded inside `unshare -n`), and property tests that they never panic.

use std::path::Path;

use proptest::prelude::*;
use secmcp_output::{gobuster, hydra};

fn golden(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
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
    let r = gobuster::parse("dir", &golden("gobuster-3.5-dir.out"), b"", 100);
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
    let r = gobuster::parse("dir", &golden("gobuster-3.5-dir-expanded-x.out"), b"", 100);
    assert_eq!(r.found.len(), 5);
    assert!(
        r.found
            .iter()
            .all(|f| f.name.starts_with("http://10.99.0.30:18090/"))
    );
    let r = gobuster::parse("dir", &golden("gobuster-3.5-dir-no-status.out"), b"", 100);
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
    let r = gobuster::parse("dir", b"", &golden("gobuster-3.5-dir-refused.err"), 100);
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
        &golden("gobuster-3.5-vhost-append-domain.out"),
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
    let r = gobuster::parse("dns", &golden("gobuster-3.5-dns-show-ips.out"), b"", 100);
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
    let r = gobuster::parse("dns", &golden("gobuster-3.5-dns.out"), b"", 100);
    assert_eq!(r.found.len(), 3);
    assert!(
        r.found
            .iter()
            .all(|f| f.addresses.is_empty() && f.status.is_none())
    );
}

fn hydra_case(name: &str) -> hydra::HydraReport {
    hydra::parse(
        Some(&golden(&format!("hydra-9.4-{name}.json"))),
        &golden(&format!("hydra-9.4-{name}.out")),
        &golden(&format!("hydra-9.4-{name}.err")),
        100,
    )
}

#[test]
fn hydra_found() {
    for (case, service) in [
        ("get", "http-get"),
        ("form", "http-post-form"),
        ("get-f", "http-get"),
    ] {
        let r = hydra_case(case);
        assert_eq!(r.source, "json", "{case}");
        assert_eq!(
            r.credentials,
            [hydra::Credential {
                host: "10.99.0.30".into(),
                port: 18090,
                service: service.into(),
                login: "admin".into(),
                password: "sunshine".into(),
            }],
            "{case}"
        );
        assert_eq!(r.attempts, 20, "{case}");
        assert!(r.finished && r.targets_completed == 1, "{case}");
        assert!(r.errors.is_empty(), "{case}");
        // the stdout fallback agrees with the JSON file
        let from_stdout = hydra::parse(None, &golden(&format!("hydra-9.4-{case}.out")), b"", 100);
        assert_eq!(from_stdout.credentials, r.credentials, "{case}");
        assert_eq!(from_stdout.source, "stdout");
    }
}

#[test]
fn hydra_nothing_found_and_refused() {
    let r = hydra_case("none");
    assert!(r.credentials.is_empty() && r.finished && r.attempts == 1);
    let r = hydra_case("refused");
    assert!(r.credentials.is_empty());
    assert_eq!(r.targets_completed, 0);
    assert_eq!(
        r.errors,
        [
            "a child terminating, can not connect",
            "all children were disabled due too many connection errors"
        ]
    );
}

proptest! {
    #[test]
    fn gobuster_never_panics(out in proptest::collection::vec(any::<u8>(), 0..2000), err in proptest::collection::vec(any::<u8>(), 0..200)) {
        for mode in ["dir", "dns", "vhost"] {
            let r = gobuster::parse(mode, &out, &err, 8);
            prop_assert!(r.found.len() <= 8);
            let _ = gobuster::summary(&r);
        }
    }

    #[test]
    fn gobuster_never_panics_on_near_misses(lines in proptest::collection::vec("(Found: |/)[a-z./]{0,8} ?(\\(Status: [0-9]{0,4}\\)?)? ?(\\[Size: [0-9]{0,3}\\]?)? ?(\\[--> [ -~]{0,6}\\]?)?", 0..20)) {
        let _ = gobuster::parse("dir", lines.join("\n").as_bytes(), b"", 100);
    }

    #[test]
    fn hydra_never_panics(json in proptest::collection::vec(any::<u8>(), 0..500), out in "[ -~\n]{0,600}", err in proptest::collection::vec(any::<u8>(), 0..200)) {
        let r = hydra::parse(Some(&json), out.as_bytes(), &err, 4);
        prop_assert!(r.credentials.len() <= 4);
        let _ = hydra::summary(&r);
        let _ = hydra::parse(None, out.as_bytes(), b"", 4);
    }

    #[test]
    fn hydra_never_panics_on_near_misses(lines in proptest::collection::vec("\\[[0-9]{0,6}\\]\\[[a-z-]{0,5}\\] host: [0-9.]{0,8}( {0,3}login: [a-z]{0,4}( {0,3}password: [ -~]{0,4})?)?|\\[DATA\\] [0-9]{0,3} login tr|[0-9] of [0-9] target completed", 0..20)) {
        let _ = hydra::parse(None, lines.join("\n").as_bytes(), b"", 100);
    }
}
