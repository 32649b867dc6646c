//! Property tests: every parser never panics, on arbitrary bytes, on format-shaped
//! soup, and on truncations and corruptions of the real recordings, and its result
//! always respects the bounds it was given.

mod nmap {
    use proptest::prelude::*;
    use secmcp_output::nmap::{self, NmapReport};
    use secmcp_output::{Bounds, TRUNCATION_MARKER};

    const GOLDEN: &[&[u8]] = &[
        include_bytes!("../golden/nmap-O.xml"),
        include_bytes!("../golden/nmap-sT-sV-scripts.xml"),
        include_bytes!("../golden/nmap-range.xml"),
        include_bytes!("../golden/nmap-script-error.xml"),
        include_bytes!("../golden/nmap-sT-open-closed.xml"),
        include_bytes!("../golden/nmap-truncated-midrun.xml"),
        include_bytes!("../fixtures/nmap-handwritten.xml"),
    ];

    fn bounds() -> impl Strategy<Value = Bounds> {
        (0usize..4, 0usize..4, 0usize..3, 0usize..3, 0usize..40).prop_map(
            |(
                max_hosts,
                max_ports_per_host,
                max_scripts_per_port,
                max_list_items,
                max_text_bytes,
            )| {
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
}

mod dig_masscan {
    use proptest::prelude::*;
    use secmcp_output::{Bounds, TRUNCATION_MARKER, dig, masscan};

    const DIG: &[&[u8]] = &[
        include_bytes!("../golden/dig-a.yaml"),
        include_bytes!("../golden/dig-axfr.yaml"),
        include_bytes!("../golden/dig-axfr-refused.yaml"),
        include_bytes!("../golden/dig-no-server.yaml"),
        include_bytes!("../golden/dig-txt-quotes.yaml"),
        include_bytes!("../golden/dig-nxdomain.yaml"),
    ];

    const MASSCAN: &[&[u8]] = &[
        include_bytes!("../golden/masscan-oD-range.ndjson"),
        include_bytes!("../golden/masscan-oJ-range.json"),
        include_bytes!("../fixtures/masscan-banners-handwritten.ndjson"),
        include_bytes!("../fixtures/masscan-oJ-trailing-comma-handwritten.json"),
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
                prop_assert!(
                    text_ok(&rec.name, b) && text_ok(&rec.data, b) && text_ok(&rec.rtype, b)
                );
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
}

mod sqlmap {
    use proptest::prelude::*;
    use secmcp_output::sqlmap::{SqlmapInput, parse, summary};

    use crate::sqlmap::dir;

    proptest! {
        #[test]
        fn never_panics(stdout in proptest::collection::vec(any::<u8>(), 0..2000),
                        log in "(\\PC|\n|\r|\\||\\+|-|:| ){0,600}") {
            let r = parse(&SqlmapInput { stdout: &stdout, log: log.as_bytes() });
            let _ = summary(&r);
        }

        #[test]
        fn never_panics_on_mangled_real_output(cut in 0usize..4000, junk in "\\PC{0,40}") {
            let log = std::fs::read_to_string(dir().join("dump-users.log")).unwrap();
            let cut = cut.min(log.len());
            let mut s: String = log.chars().take(cut).collect();
            s.push_str(&junk);
            s.push_str(&log.chars().skip(cut).collect::<String>());
            let _ = parse(&SqlmapInput { stdout: s.as_bytes(), log: s.as_bytes() });
        }
    }
}

mod gobuster_hydra {
    use proptest::prelude::*;
    use secmcp_output::{gobuster, hydra};

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
}

mod hygiene {
    use proptest::prelude::*;
    use secmcp_output::sanitize::{Kind, sanitize};
    use secmcp_output::untrusted::scan;
    use secmcp_output::{Bounds, Detail, nmap};

    fn bad(c: char, multi: bool) -> bool {
        (c.is_control() && !(multi && (c == '\n' || c == '\t')))
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{feff}'
                | '\u{e0000}'..='\u{e007f}')
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn sanitized_text_has_no_controls_or_hidden_characters(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just("\u{1b}".to_owned()), Just("[".to_owned()), Just("]".to_owned()),
                    Just("\u{7}".to_owned()), Just("\\".to_owned()), Just("\u{9b}".to_owned()),
                    Just("\u{9d}".to_owned()), Just("\u{202e}".to_owned()), Just("\r".to_owned()),
                    Just("\n".to_owned()), Just("\t".to_owned()), Just("\u{e0041}".to_owned()),
                    "\\PC{0,4}", any::<char>().prop_map(String::from),
                ],
                0..40,
            ),
        ) {
            let text = parts.concat();
            for (kind, multi) in [(Kind::Line, false), (Kind::MultiLine, true)] {
                let out = sanitize(&text, kind);
                prop_assert!(out.len() <= text.len());
                prop_assert!(!out.chars().any(|c| bad(c, multi)), "{out:?}");
                // Idempotent: clean text stays as it is.
                let again = sanitize(&out, kind).into_owned();
                prop_assert_eq!(again.as_str(), out.as_ref());
            }
            let _ = scan(&text);
        }

        #[test]
        fn projections_of_any_parse_never_panic_and_never_grow(
            bytes in proptest::collection::vec(any::<u8>(), 0..1024),
            which in 0usize..3,
        ) {
            let golden: [&[u8]; 3] = [
                include_bytes!("../golden/nmap-O.xml"),
                include_bytes!("../golden/nmap-range.xml"),
                include_bytes!("../fixtures/nmap-hostile-handwritten.xml"),
            ];
            let mut xml = golden[which].to_vec();
            let at = bytes.len() % (xml.len() + 1);
            xml.splice(at..at, bytes.iter().copied());
            let full = nmap::parse(&xml, &Bounds::default());
            for d in [Detail::Summary, Detail::Standard, Detail::Full] {
                let p = full.project(d);
                prop_assert!(p.hosts.len() <= full.hosts.len());
                prop_assert!(p.untrusted.flagged <= full.untrusted.flagged);
                let _ = nmap::summary(&p);
            }
        }
    }
}
