//! Property tests: the dig and masscan parsers never panic, on arbitrary bytes, on
//! format-shaped soup, and on truncations and corruptions of the real golden outputs,
//! and their results always respect the `Bounds` they were given.

use proptest::prelude::*;
use secmcp_output::{Bounds, TRUNCATION_MARKER, dig, masscan};

const DIG: &[&[u8]] = &[
    include_bytes!("golden/dig-a.yaml"),
    include_bytes!("golden/dig-axfr.yaml"),
    include_bytes!("golden/dig-axfr-refused.yaml"),
    include_bytes!("golden/dig-no-server.yaml"),
    include_bytes!("golden/dig-txt-quotes.yaml"),
    include_bytes!("golden/dig-nxdomain.yaml"),
];

const MASSCAN: &[&[u8]] = &[
    include_bytes!("golden/masscan-oD-range.ndjson"),
    include_bytes!("golden/masscan-oJ-range.json"),
    include_bytes!("fixtures/masscan-banners-handwritten.ndjson"),
    include_bytes!("fixtures/masscan-oJ-trailing-comma-handwritten.json"),
];

fn bounds() -> impl Strategy<Value = Bounds> {
    (0usize..4, 0usize..4, 0usize..3, 0usize..40).prop_map(
        |(max_hosts, max_ports_per_host, max_list_items, max_text_bytes)| Bounds {
            max_hosts,
            max_ports_per_host,
            max_scripts_per_port: 1,
            max_list_items,
            max_text_bytes,
        },
    )
}

fn text_ok(s: &str, b: &Bounds) -> bool {
    s.len() <= b.max_text_bytes + TRUNCATION_MARKER.len()
}

fn check_dig(r: &dig::DigReport, b: &Bounds) -> Result<(), TestCaseError> {
    for list in [&r.answers, &r.authority, &r.additional] {
        prop_assert!(list.len() <= b.max_ports_per_host);
        for rec in list.iter() {
            prop_assert!(text_ok(&rec.name, b) && text_ok(&rec.data, b) && text_ok(&rec.rtype, b));
        }
    }
    prop_assert!(r.errors.len() <= b.max_list_items.max(1));
    prop_assert!(r.flags.len() <= b.max_list_items);
    prop_assert!(text_ok(&r.status, b) && text_ok(&r.server, b));
    for e in &r.errors {
        prop_assert!(text_ok(e, b));
    }
    prop_assert!(!r.complete || r.messages > 0);
    prop_assert!(serde_json::to_string(r).is_ok());
    let _ = dig::summary(r);
    Ok(())
}

fn check_masscan(r: &masscan::MasscanReport, b: &Bounds) -> Result<(), TestCaseError> {
    prop_assert!(r.hosts.len() <= b.max_hosts);
    for h in &r.hosts {
        prop_assert!(h.ports.len() <= b.max_ports_per_host);
        prop_assert!(text_ok(&h.address, b));
        for p in &h.ports {
            prop_assert!(p.banners.len() <= b.max_list_items);
            prop_assert!(text_ok(&p.proto, b) && text_ok(&p.status, b));
            for bn in &p.banners {
                prop_assert!(text_ok(&bn.banner, b) && text_ok(&bn.service, b));
            }
        }
    }
    prop_assert!(serde_json::to_string(r).is_ok());
    let _ = masscan::summary(r);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048), b in bounds()) {
        check_dig(&dig::parse(&bytes, &b), &b)?;
        check_masscan(&masscan::parse(&bytes, &b), &b)?;
    }

    #[test]
    fn yaml_like_soup_never_panics(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("- type: MESSAGE\n"), Just("- type: DIG_ERROR\n"), Just("  message: |\n"),
                Just("    x\n"), Just("      status: NOERROR\n"), Just("      flags: qr aa\n"),
                Just("      ANSWER_SECTION:\n"), Just("        - 'a. 1 IN A 1.2.3.4'\n"),
                Just("        - '\n"), Just("- "), Just("'"), Just("\""), Just("\\"), Just("''"),
                Just("    query_time: !!timestamp 2026-11-25T17:24:57.301Z\n"),
                Just("    response_time: !!timestamp 1970-01-01T00:00:00.000Z\n"),
                Just("    response_time: !!timestamp 9999-99-99T99:99:99.9999Z\n"),
                Just("; Transfer failed.\n"), Just("      QUESTION_SECTION:\n"), Just("\n"), Just("é"),
            ],
            0..64,
        ),
        b in bounds(),
    ) {
        check_dig(&dig::parse(parts.concat().as_bytes(), &b), &b)?;
    }

    #[test]
    fn json_like_soup_never_panics(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("{\"ip\":\"10.0.0.1\",\"port\":80,\"proto\":\"tcp\",\"rec_type\":\"status\",\"data\":{\"status\":\"open\"}}\n"),
                Just("{\"ip\":\"10.0.0.2\",\"port\":99999}\n"), Just("{\"ip\":1}\n"), Just("[\n"), Just("]\n"), Just(",\n"),
                Just("{\"ip\":\"10.0.0.1\",\"ports\":[{\"port\":1,\"service\":{\"name\":\"x\",\"banner\":\"y\"}}]},\n"),
                Just("{\"ip\":\"10.0.0.3\",\"rec_type\":\"banner\",\"port\":22,\"data\":null}\n"),
                Just("{"), Just("}"), Just("\""), Just("\n"), Just("é"),
            ],
            0..64,
        ),
        b in bounds(),
    ) {
        check_masscan(&masscan::parse(parts.concat().as_bytes(), &b), &b)?;
    }

    #[test]
    fn truncated_golden_files_never_panic(which in 0..DIG.len() + MASSCAN.len(), cut in any::<prop::sample::Index>(), b in bounds()) {
        if which < DIG.len() {
            let y = DIG[which];
            let cut = cut.index(y.len() + 1);
            check_dig(&dig::parse(&y[..cut], &b), &b)?;
        } else {
            let j = MASSCAN[which - DIG.len()];
            let cut = cut.index(j.len() + 1);
            let r = masscan::parse(&j[..cut], &b);
            check_masscan(&r, &b)?;
            let full = masscan::parse(j, &b);
            prop_assert!(r.open_ports <= full.open_ports);
        }
    }

    #[test]
    fn corrupted_golden_files_never_panic(
        which in 0..DIG.len() + MASSCAN.len(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        b in bounds(),
    ) {
        let mut bytes = if which < DIG.len() { DIG[which].to_vec() } else { MASSCAN[which - DIG.len()].to_vec() };
        for (at, byte) in edits {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        check_dig(&dig::parse(&bytes, &b), &b)?;
        check_masscan(&masscan::parse(&bytes, &b), &b)?;
    }
}
