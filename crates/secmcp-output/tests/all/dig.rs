//! dig: golden snapshots of REAL `+yaml` output recorded by
//! tests/golden/record-dig-masscan.sh inside a private network namespace (dig 9.18
//! against dnsmasq), and targeted assertions on the same recordings.

use secmcp_output::{Bounds, dig};

use crate::util::{Cases, load};

fn dig_of(rel: &str) -> dig::DigReport {
    dig::parse(&load(rel), &Bounds::default())
}

/// Every recorded dig output, parsed with the default bounds.
#[test]
fn golden_reports() {
    let cases = Cases::default();
    insta::glob!("..", "golden/dig-*.yaml", |path| {
        cases.hit();
        let report = dig::parse(&std::fs::read(path).unwrap(), &Bounds::default());
        insta::assert_json_snapshot!(report);
        insta::assert_snapshot!("summary", dig::summary(&report));
    });
    cases.assert_at_least(9, "dig");
}

/// The outputSchema an MCP client sees; changes to it must be deliberate.
#[test]
fn output_schema() {
    insta::assert_json_snapshot!(dig::output_schema());
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
