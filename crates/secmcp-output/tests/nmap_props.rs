//! Property tests: `nmap::parse` never panics, on arbitrary bytes and on arbitrary
//! truncations and corruptions of the real golden outputs, and its result always
//! respects the `Bounds` it was given.

use proptest::prelude::*;
use secmcp_output::nmap::{self, NmapReport};
use secmcp_output::{Bounds, TRUNCATION_MARKER};

const GOLDEN: &[&[u8]] = &[
    include_bytes!("golden/nmap-O.xml"),
    include_bytes!("golden/nmap-sT-sV-scripts.xml"),
    include_bytes!("golden/nmap-range.xml"),
    include_bytes!("golden/nmap-script-error.xml"),
    include_bytes!("golden/nmap-sT-open-closed.xml"),
    include_bytes!("golden/nmap-truncated-midrun.xml"),
    include_bytes!("fixtures/nmap-handwritten.xml"),
];

fn bounds() -> impl Strategy<Value = Bounds> {
    (0usize..4, 0usize..4, 0usize..3, 0usize..3, 0usize..40).prop_map(
        |(max_hosts, max_ports_per_host, max_scripts_per_port, max_list_items, max_text_bytes)| {
            Bounds {
                max_hosts,
                max_ports_per_host,
                max_scripts_per_port,
                max_list_items,
                max_text_bytes,
            }
        },
    )
}

fn check_text(s: &str, b: &Bounds) -> Result<(), TestCaseError> {
    prop_assert!(
        s.len() <= b.max_text_bytes + TRUNCATION_MARKER.len(),
        "{} bytes > {}: {s:?}",
        s.len(),
        b.max_text_bytes
    );
    Ok(())
}

/// Every list and string in `r` respects `b`, and the report serializes.
fn check_bounds(r: &NmapReport, b: &Bounds) -> Result<(), TestCaseError> {
    prop_assert!(r.hosts.len() <= b.max_hosts);
    prop_assert!(r.scanner.scans.len() <= b.max_list_items);
    prop_assert!(r.skipped_targets.len() <= b.max_list_items);
    prop_assert!(r.pre_scripts.len() <= b.max_scripts_per_port);
    prop_assert!(r.post_scripts.len() <= b.max_scripts_per_port);
    check_text(&r.scanner.args, b)?;
    check_text(&r.scanner.version, b)?;
    check_text(&r.stats.summary, b)?;
    check_text(&r.stats.error_message, b)?;
    for s in r.pre_scripts.iter().chain(&r.post_scripts) {
        check_text(&s.id, b)?;
        check_text(&s.output, b)?;
    }
    for h in &r.hosts {
        check_text(&h.address, b)?;
        check_text(&h.mac_vendor, b)?;
        prop_assert!(h.ports.len() <= b.max_ports_per_host);
        prop_assert!(h.open_ports_omitted <= h.ports_omitted);
        prop_assert!(h.hostnames.len() <= b.max_list_items);
        prop_assert!(h.extraports.len() <= b.max_list_items);
        prop_assert!(h.os_matches.len() <= b.max_list_items);
        prop_assert!(h.host_scripts.len() <= b.max_scripts_per_port);
        for n in &h.hostnames {
            check_text(&n.name, b)?;
        }
        for m in &h.os_matches {
            check_text(&m.name, b)?;
            prop_assert!(m.accuracy <= 100);
            prop_assert!(m.cpe.len() <= b.max_list_items);
            for c in &m.cpe {
                check_text(c, b)?;
            }
        }
        for p in &h.ports {
            check_text(&p.state, b)?;
            prop_assert!(p.scripts.len() <= b.max_scripts_per_port);
            for s in &p.scripts {
                check_text(&s.output, b)?;
            }
            if let Some(svc) = &p.service {
                check_text(&svc.product, b)?;
                prop_assert!(svc.conf <= 10);
                prop_assert!(svc.cpe.len() <= b.max_list_items);
                for c in &svc.cpe {
                    check_text(c, b)?;
                }
            }
        }
    }
    prop_assert!(r.complete == r.parse_error.is_none());
    prop_assert!(serde_json::to_string(r).is_ok());
    let _ = nmap::summary(r);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048), b in bounds()) {
        let r = nmap::parse(&bytes, &b);
        check_bounds(&r, &b)?;
    }

    #[test]
    fn xml_like_soup_never_panics(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("<nmaprun>"), Just("</nmaprun>"), Just("<host>"), Just("</host>"),
                Just("<ports>"), Just("</ports>"), Just("<port portid=\"80\" protocol=\"tcp\">"),
                Just("</port>"), Just("<state state=\"open\"/>"), Just("<service name=\"x\">"),
                Just("</service>"), Just("<cpe>"), Just("</cpe>"), Just("cpe:/a&amp;&#xa;"),
                Just("<script id=\"s\" output=\"a&#xa;b\"/>"), Just("<os><osmatch name=\"n\" accuracy=\"300\">"),
                Just("<osclass osfamily=\"f\">"), Just("</osclass>"), Just("</osmatch></os>"),
                Just("<hostscript>"), Just("</hostscript>"), Just("<status state=\"up\"/>"),
                Just("<address addr=\"1.2.3.4\"/>"), Just("<runstats><finished elapsed=\"NaN\"/></runstats>"),
                Just("&"), Just("<"), Just("\""), Just("<!-- c -->"), Just("<![CDATA[x]]>"),
            ],
            0..64,
        ),
        b in bounds(),
    ) {
        let xml = parts.concat();
        let r = nmap::parse(xml.as_bytes(), &b);
        check_bounds(&r, &b)?;
    }

    #[test]
    fn truncated_golden_files_never_panic(which in 0..GOLDEN.len(), cut in any::<prop::sample::Index>(), b in bounds()) {
        let xml = GOLDEN[which];
        let cut = cut.index(xml.len() + 1);
        let r = nmap::parse(&xml[..cut], &b);
        check_bounds(&r, &b)?;
        if cut < xml.len() - 12 {
            // Anything shorter than the full document cannot be complete.
            prop_assert!(!r.complete);
        }
        // A prefix never yields more hosts than the whole document.
        let full = nmap::parse(xml, &b);
        prop_assert!(r.hosts.len() <= full.hosts.len());
    }

    #[test]
    fn corrupted_golden_files_never_panic(
        which in 0..GOLDEN.len(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        b in bounds(),
    ) {
        let mut xml = GOLDEN[which].to_vec();
        for (at, byte) in edits {
            let i = at.index(xml.len());
            xml[i] = byte;
        }
        let r = nmap::parse(&xml, &b);
        check_bounds(&r, &b)?;
    }

    #[test]
    fn default_bounds_on_golden_files(which in 0..GOLDEN.len()) {
        let b = Bounds::default();
        let r = nmap::parse(GOLDEN[which], &b);
        check_bounds(&r, &b)?;
    }
}
