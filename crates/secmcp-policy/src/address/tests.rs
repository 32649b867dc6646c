use super::*;

fn ok(s: &str) -> Target {
    parse_target(s).unwrap_or_else(|d| panic!("{s}: {}", d.message))
}

fn err(s: &str) -> String {
    let d = parse_target(s).expect_err(s);
    assert_eq!(d.field, "target");
    assert_eq!(d.code, crate::DenyCode::ValidationError);
    d.message
}

#[test]
fn accepts_each_kind() {
    assert_eq!(ok("10.0.0.1"), Target::Ip("10.0.0.1".parse().unwrap()));
    assert_eq!(ok("::1"), Target::Ip("::1".parse().unwrap()));
    assert_eq!(
        ok("::ffff:10.0.0.1"),
        Target::Ip("::ffff:10.0.0.1".parse().unwrap())
    );
    assert_eq!(ok("2001:DB8::1").to_string(), "2001:db8::1");
    assert_eq!(ok("10.0.0.0/24").to_string(), "10.0.0.0/24");
    assert_eq!(ok("0.0.0.0/0").to_string(), "0.0.0.0/0");
    assert_eq!(ok("2001:db8::/64").to_string(), "2001:db8::/64");
    assert_eq!(ok("::/128").to_string(), "::/128");
    assert_eq!(ok("Web.Lab.Internal.").to_string(), "web.lab.internal");
    assert_eq!(ok("localhost").to_string(), "localhost");
}

#[test]
fn cidr_host_bits_are_normalized() {
    assert_eq!(ok("10.1.2.3/8").to_string(), "10.0.0.0/8");
    assert_eq!(ok("2001:db8::ff/120").to_string(), "2001:db8::/120");
}

#[test]
fn rejects_each_ambiguous_form_with_its_reason() {
    let long = format!("{}.lab", "a".repeat(260));
    for (input, needle) in [
        ("", "empty"),
        (long.as_str(), "limit is 253"),
        ("010.0.0.1", "leading zero"),
        ("0x0a.0.0.1", "not a decimal"),
        ("167772161", "bare number"),
        ("10.1", "found 2"),
        ("10.0.1", "found 3"),
        ("1.2.3.4.5", "found 5"),
        ("1.2.3.256", "over 255"),
        ("+1.2.3.4", "'+'"),
        (" 1.2.3.4", "whitespace"),
        ("1.2.3.4 ", "whitespace"),
        ("1.2.\t3.4", "whitespace"),
        ("1.2.3.4\n", "whitespace"),
        ("1.2.3.4\0", "control"),
        ("web\u{7}.lab", "control"),
        ("1.2.3.4\u{a0}", "whitespace"),
        ("[::1]", "brackets"),
        ("fe80::1%eth0", "zone"),
        ("-sV", "starts with '-'"),
        ("--script=x", "starts with '-'"),
        ("-1.2.3.4", "starts with '-'"),
        ("10.0.0.1-5", "range"),
        ("10.0.0.*", "range"),
        ("10.0.0,1.1", "lists"),
        ("10.0.0.1,10.0.0.2", "lists"),
        ("10.0.0.1 10.0.0.2", "whitespace"),
        ("http://web.lab.internal/", "URLs"),
        ("ftp://10.0.0.1", "URLs"),
        ("web.lab.internal:80", "host:port"),
        ("10.0.0.1:22", "host:port"),
        ("1:2:3", "not a valid IPv6"),
        ("under_score.lab.internal", "'_'"),
        ("web.lab.internal;id", "';'"),
        ("$(id).lab", "'$'"),
        ("web..lab", "empty label"),
        ("a.1lab", "not a host name"),
        ("1.2.3.4.", "found 5"),
    ] {
        let msg = err(input);
        assert!(msg.contains(needle), "{input:?}: {msg}");
    }
}

#[test]
fn rejects_bad_cidrs() {
    for (input, needle) in [
        ("10.0.0.0/33", "longer than 32"),
        ("::/129", "longer than 128"),
        ("10.0.0.0/08", "leading zeros"),
        ("10.0.0.0/", "decimal"),
        ("10.0.0.0/+8", "'+'"),
        ("10.0.0.0/0x8", "decimal"),
        ("10.0.0.0/8/9", "decimal"),
        ("010.0.0.0/8", "leading zero"),
        ("10.0/8", "found 2"),
        ("web.lab/24", "IP address before '/'"),
        ("10.0.0.0/1000", "decimal"),
    ] {
        let msg = err(input);
        assert!(msg.contains(needle), "{input:?}: {msg}");
    }
}

#[test]
fn message_quotes_the_input_escaped() {
    let msg = err("a\u{1b}b");
    assert!(msg.starts_with("target 'a\\u{1b}b'"), "{msg}");
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,300}") {
            let _ = parse_target(&s);
        }

        #[test]
        fn never_panics_on_address_like(s in "[0-9a-fA-Fx.:/%\\[\\]*,-]{0,48}") {
            let _ = parse_target(&s);
        }

        #[test]
        fn accepted_ipv4_round_trips(s in "[0-9+x.]{1,20}") {
            if let Ok(Target::Ip(IpAddr::V4(v4))) = parse_target(&s) {
                prop_assert_eq!(v4.to_string(), s);
            }
        }

        #[test]
        fn canonical_ipv4_is_accepted(a: u8, b: u8, c: u8, d: u8) {
            let s = format!("{a}.{b}.{c}.{d}");
            prop_assert_eq!(parse_target(&s).unwrap().to_string(), s);
        }
    }
}
