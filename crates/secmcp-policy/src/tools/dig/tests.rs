//! dig grammar, gating, scope and rendering tests, through `plan`/`authorize_with`.

use std::net::IpAddr;
use std::time::Duration;

use super::DigFields;
use crate::{
    CallInput, Denied, DenyCode, Policy, Resolutions, ToolFields, ToolId, authorize_with, plan,
};

/// The default scope plus the zone apex as a name of its own (a `.suffix`
/// entry covers only the names below it).
fn policy(intrusive: bool) -> Policy {
    Policy {
        allow_intrusive: intrusive,
        scope: crate::Scope::parse(&["RFC1918", ".lab.internal", "lab.internal"], &[]).unwrap(),
        ..Policy::default()
    }
}

#[test]
fn the_zone_apex_needs_its_own_scope_entry() {
    let p = Policy::default();
    let d = deny(&p, "lab.internal", "@10.0.0.53 SOA");
    assert!(d.message.contains("lab.internal"), "{}", d.message);
    ok(&p, "web.lab.internal", "@10.0.0.53");
}

fn with_default_server(server: &str) -> Policy {
    let mut p = policy(false);
    p.dig.default_server = Some(server.parse().unwrap());
    p
}

fn run_fields(
    p: &Policy,
    target: &str,
    args: &str,
    fields: DigFields,
    res: &Resolutions,
) -> Result<Vec<String>, Denied> {
    let fields = ToolFields::Dig(fields);
    let input = CallInput {
        target,
        extra_args: args,
        timeout: Duration::from_secs(30),
        fields: &fields,
    };
    let planned = plan(ToolId::Dig, p, &input)?;
    Ok(authorize_with(p, planned, res)?.argv().to_vec())
}

fn run(p: &Policy, target: &str, args: &str) -> Result<Vec<String>, Denied> {
    run_fields(
        p,
        target,
        args,
        DigFields::default(),
        &Resolutions::default(),
    )
}

#[track_caller]
fn ok(p: &Policy, target: &str, args: &str) -> Vec<String> {
    run(p, target, args).unwrap_or_else(|d| panic!("{target} {args:?}: {}", d.message))
}

#[track_caller]
fn deny(p: &Policy, target: &str, args: &str) -> Denied {
    run(p, target, args).expect_err(args)
}

fn argv(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

const NAME: &str = "web.lab.internal";

#[test]
fn renders_server_type_and_name_from_the_plan() {
    let p = policy(false);
    assert_eq!(
        ok(&p, NAME, "@10.99.0.53"),
        argv(&[
            "-r",
            "+yaml",
            "@10.99.0.53",
            "-c",
            "IN",
            "-t",
            "A",
            "-q",
            NAME
        ])
    );
    assert_eq!(
        ok(
            &p,
            "Web.Lab.Internal.",
            "MX +tcp +norecurse -p 5353 @10.99.0.53 +time=2"
        ),
        argv(&[
            "-r",
            "+yaml",
            "+tcp",
            "+norecurse",
            "+time=2",
            "-p",
            "5353",
            "@10.99.0.53",
            "-c",
            "IN",
            "-t",
            "MX",
            "-q",
            NAME
        ])
    );
}

#[test]
fn typed_fields_and_their_conflicts() {
    let p = policy(false);
    let f = DigFields {
        query_type: Some("txt".into()),
        query_class: Some("in".into()),
        server: Some("10.99.0.53".into()),
    };
    let got = run_fields(
        &p,
        "secret.lab.internal",
        "",
        f.clone(),
        &Resolutions::default(),
    )
    .unwrap();
    assert!(
        got.ends_with(&argv(&["-t", "TXT", "-q", "secret.lab.internal"])),
        "{got:?}"
    );
    let d = run_fields(&p, NAME, "MX", f.clone(), &Resolutions::default()).unwrap_err();
    assert!(d.message.contains("more than once"), "{}", d.message);
    let d = run_fields(&p, NAME, "-t MX", f.clone(), &Resolutions::default()).unwrap_err();
    assert!(d.message.contains("more than once"), "{}", d.message);
    let d = run_fields(&p, NAME, "@10.99.0.54", f, &Resolutions::default()).unwrap_err();
    assert!(d.message.contains("more than once"), "{}", d.message);
    let bad = DigFields {
        query_type: Some("A; rm".into()),
        ..DigFields::default()
    };
    let d = run_fields(&p, NAME, "@10.0.0.53", bad, &Resolutions::default()).unwrap_err();
    assert_eq!(d.field, "query_type");
}

#[test]
fn t_and_c_in_both_spellings() {
    let p = policy(false);
    for args in ["-t MX", "-tMX", "-t=MX", "mx"] {
        let got = ok(&p, NAME, &format!("@10.0.0.53 {args}"));
        assert!(got.contains(&"MX".to_string()), "{args}: {got:?}");
    }
    for args in ["-c CH", "-cCH", "-c=ch", "CH"] {
        let got = ok(&p, "version.bind", &format!("@10.0.0.53 TXT {args}"));
        assert!(got.contains(&"CH".to_string()), "{args}: {got:?}");
    }
}

#[test]
fn a_server_is_required_unless_configured() {
    let d = deny(&policy(false), NAME, "");
    assert_eq!(d.code, DenyCode::ValidationError);
    assert_eq!(d.field, "server");
    assert!(d.message.contains("default_server"), "{}", d.message);
    let got = ok(&with_default_server("10.99.0.53"), NAME, "");
    assert!(got.contains(&"@10.99.0.53".to_string()), "{got:?}");
    // A call's own server wins over the default.
    let got = ok(&with_default_server("10.99.0.53"), NAME, "@10.99.0.54");
    assert!(got.contains(&"@10.99.0.54".to_string()), "{got:?}");
}

#[test]
fn every_server_is_scope_checked() {
    let p = policy(false);
    for server in [
        "8.8.8.8",
        "1.1.1.1",
        "127.0.0.1",
        "169.254.169.254",
        "2001:4860::8888",
    ] {
        let d = deny(&p, NAME, &format!("@{server}"));
        assert_eq!(d.code, DenyCode::ScopeDenied, "{server}: {}", d.message);
        assert_eq!(d.field, "extra_args");
        let f = DigFields {
            server: Some(server.into()),
            ..DigFields::default()
        };
        let d = run_fields(&p, NAME, "", f, &Resolutions::default()).unwrap_err();
        assert_eq!(d.code, DenyCode::ScopeDenied, "{server}");
        assert_eq!(d.field, "server");
    }
    // Even the operator's default server is checked against the scope.
    let d = deny(&with_default_server("9.9.9.9"), NAME, "");
    assert_eq!(d.code, DenyCode::ScopeDenied);
    // Ranges, URLs and ports glued to the server are not servers.
    for bad in [
        "@10.0.0.0/24",
        "@10.0.0.53#5353",
        "@",
        "@-f/etc/passwd",
        "@http://x",
    ] {
        let d = deny(&p, NAME, bad);
        assert_eq!(d.code, DenyCode::ValidationError, "{bad}");
    }
}

#[test]
fn a_server_host_name_is_resolved_by_the_caller_and_pinned() {
    let p = policy(false);
    let input = CallInput {
        target: NAME,
        extra_args: "@ns.lab.internal",
        timeout: Duration::from_secs(30),
        fields: &ToolFields::None,
    };
    let planned = plan(ToolId::Dig, &p, &input).unwrap();
    let hosts: Vec<&str> = planned
        .hosts_to_resolve()
        .iter()
        .map(|h| h.as_str())
        .collect();
    assert_eq!(hosts, ["ns.lab.internal"]);
    let mut res = Resolutions::default();
    let ns = planned.hosts_to_resolve()[0].clone();
    res.add_host(ns.clone(), vec!["10.99.0.53".parse::<IpAddr>().unwrap()]);
    let permit = authorize_with(&p, planned.clone(), &res).unwrap();
    assert!(permit.argv().contains(&"@10.99.0.53".to_string()));
    assert!(!permit.argv().iter().any(|a| a.contains("ns.lab.internal")));
    // A server name that resolves outside the scope is denied.
    let mut res = Resolutions::default();
    res.add_host(ns, vec!["203.0.113.9".parse::<IpAddr>().unwrap()]);
    let d = authorize_with(&p, planned, &res).unwrap_err();
    assert_eq!(d.code, DenyCode::ScopeDenied);
}

#[test]
fn query_names_must_be_in_scope_by_default() {
    let p = policy(false);
    for name in [
        "example.com",
        "attacker-exfil.example.net",
        "lab.internal.evil.com",
    ] {
        let d = deny(&p, name, "@10.0.0.53");
        assert_eq!(d.code, DenyCode::ScopeDenied, "{name}");
        assert_eq!(d.field, "target");
    }
    ok(&p, "_ldap._tcp.lab.internal", "@10.0.0.53 SRV");
    ok(&p, "lab.internal", "@10.0.0.53 SOA");
    // Chaos-class identity queries are answered by the server itself.
    ok(&p, "version.bind", "@10.0.0.53 CH TXT");
    deny(&p, "version.bind", "@10.0.0.53 TXT");
    // Reverse lookups check the address.
    ok(&p, "10.99.0.7", "@10.0.0.53");
    let d = deny(&p, "8.8.8.8", "@10.0.0.53");
    assert_eq!(d.code, DenyCode::ScopeDenied);
    // The operator can lift it.
    let mut open = policy(false);
    open.dig.query_names_in_scope = false;
    ok(&open, "example.com", "@10.0.0.53");
}

#[test]
fn query_names_are_validated() {
    let p = policy(false);
    for bad in [
        "",
        ".",
        "a..b",
        "-f.lab.internal",
        "a b.lab.internal",
        "x;id.lab.internal",
        "10.0.0.0/24",
        "é.lab.internal",
    ] {
        let d = deny(&p, bad, "@10.0.0.53");
        assert_eq!(d.field, "target", "{bad:?}: {}", d.message);
        assert_eq!(d.code, DenyCode::ValidationError, "{bad:?}");
    }
    let long = format!("{}.lab.internal", "a".repeat(64));
    assert_eq!(deny(&p, &long, "@10.0.0.53").field, "target");
}

#[test]
fn reverse_lookups() {
    let p = policy(false);
    let want_tail = argv(&["-c", "IN", "-x", "10.99.0.7"]);
    for args in [
        "",
        "-x",
        "-x 10.99.0.7",
        "PTR",
        "-x10.99.0.7",
        "-x=10.99.0.7",
    ] {
        let got = ok(&p, "10.99.0.7", &format!("@10.0.0.53 {args}"));
        assert!(got.ends_with(&want_tail), "{args}: {got:?}");
    }
    // A second address smuggled through -x, a non-PTR type, or -x on a name.
    let d = deny(&p, "10.99.0.7", "@10.0.0.53 -x 10.99.0.8");
    assert!(d.message.contains("second query"), "{}", d.message);
    let d = deny(&p, "10.99.0.7", "@10.0.0.53 -x=10.99.0.8");
    assert!(d.message.contains("second query"), "{}", d.message);
    deny(&p, "10.99.0.7", "@10.0.0.53 MX");
    let d = deny(&p, NAME, "@10.0.0.53 -x");
    assert_eq!(d.field, "target");
    let mut v6 = p.clone();
    v6.scope = crate::Scope::parse(&["RFC1918", "fd99::/64"], &[] as &[&str]).unwrap();
    let got = ok(&v6, "fd99::7", "@10.0.0.53");
    assert!(got.ends_with(&argv(&["-x", "fd99::7"])), "{got:?}");
}

#[test]
fn zone_transfers_need_allow_intrusive() {
    for (args, t) in [
        ("AXFR", "AXFR"),
        ("-t axfr", "AXFR"),
        ("ixfr=2024", "IXFR=2024"),
        ("-t IXFR", "IXFR=0"),
    ] {
        let d = deny(
            &policy(false),
            "lab.internal",
            &format!("@10.0.0.53 {args}"),
        );
        assert_eq!(d.code, DenyCode::ValidationError, "{args}");
        assert!(d.message.contains("allow_intrusive"), "{}", d.message);
        let got = ok(&policy(true), "lab.internal", &format!("@10.0.0.53 {args}"));
        assert!(got.contains(&t.to_string()), "{args}: {got:?}");
    }
    let f = DigFields {
        query_type: Some("AXFR".into()),
        server: Some("10.0.0.53".into()),
        ..DigFields::default()
    };
    let d = run_fields(
        &policy(false),
        "lab.internal",
        "",
        f,
        &Resolutions::default(),
    )
    .unwrap_err();
    assert!(d.message.contains("allow_intrusive"));
}

#[test]
fn rejected_flag_families_in_every_spelling() {
    let p = policy(true);
    let cases: &[(&str, &str)] = &[
        ("-f /etc/passwd", "-f"),
        ("-f/etc/passwd", "-f"),
        ("-f=/etc/passwd", "-f"),
        ("-k /etc/bind/key", "-k"),
        ("-k=/etc/bind/key", "-k"),
        ("-kkey", "-k"),
        ("-b 10.0.0.9", "-b"),
        ("-b=10.0.0.9", "-b"),
        ("-b10.0.0.9#53", "-b"),
        ("-q other.lab.internal", "-q"),
        ("-q=other.lab.internal", "-q"),
        ("-qother.lab.internal", "-q"),
        ("-y hmac-sha256:k:c2VjcmV0", "-y"),
        ("-y=hmac-sha256:k:c2VjcmV0", "-y"),
        ("-4", "-4"),
        ("-6", "-6"),
        ("-r", "-r"),
        ("-m", "-m"),
        ("-h", "-h"),
        ("-v", "-v"),
    ];
    for (args, flag) in cases {
        let d = deny(&p, NAME, &format!("@10.0.0.53 {args}"));
        assert_eq!(d.code, DenyCode::ValidationError, "{args}");
        assert_eq!(d.field, "extra_args", "{args}");
        assert!(
            d.message.starts_with(&format!("{flag} is not accepted")),
            "{args}: {}",
            d.message
        );
    }
}

#[test]
fn second_queries_are_refused() {
    let p = policy(true);
    for args in [
        "other.lab.internal",
        "A other.lab.internal",
        "MX A",
        "-t MX -t A",
        "-t MX A",
        "IN CH",
        "-p 53 -p 54",
        "-x -x",
    ] {
        let d = deny(&p, NAME, &format!("@10.0.0.53 {args}"));
        assert_eq!(d.code, DenyCode::ValidationError, "{args}");
    }
    let d = deny(&p, NAME, "@10.0.0.53 @10.0.0.54");
    assert!(d.message.contains("more than once"), "{}", d.message);
}

#[test]
fn plus_options_are_allow_listed() {
    let p = policy(true);
    for (args, why) in [
        ("+trace", "root servers"),
        ("+nssearch", "authoritative server"),
        ("+short", "+yaml"),
        ("+noyaml", "+yaml"),
        ("+https", "HTTPS"),
        ("+https=/dns-query", "HTTPS"),
        ("+tls", "HTTPS"),
        ("+subnet=1.2.3.0/24", "client-subnet"),
        ("+search", "search"),
        ("+domain=lab.internal", "search"),
    ] {
        let d = deny(&p, NAME, &format!("@10.0.0.53 {args}"));
        assert!(d.message.contains(why), "{args}: {}", d.message);
    }
    for args in [
        "+tra",
        "+TCP",
        "+time=0",
        "+time=31",
        "+tries=x",
        "+tcp=1",
        "+time",
        "+",
        "+bufsize=70000",
        "+edns=1",
    ] {
        let d = deny(&p, NAME, &format!("@10.0.0.53 {args}"));
        assert_eq!(d.code, DenyCode::ValidationError, "{args}");
    }
    let got = ok(
        &p,
        NAME,
        "@10.0.0.53 +dnssec +nsid +tries=1 +retry=0 +bufsize=1232 +noedns +edns=0 +tcp +tcp",
    );
    let opts: Vec<&String> = got.iter().filter(|a| a.starts_with('+')).collect();
    assert_eq!(
        opts,
        [
            "+yaml",
            "+dnssec",
            "+nsid",
            "+tries=1",
            "+retry=0",
            "+bufsize=1232",
            "+noedns",
            "+edns=0",
            "+tcp"
        ]
    );
}

#[test]
fn ports_and_unknown_options() {
    let p = policy(false);
    for args in ["-p 5353", "-p5353", "-p=5353"] {
        let got = ok(&p, NAME, &format!("@10.0.0.53 {args}"));
        assert!(
            got.windows(2).any(|w| w == ["-p", "5353"]),
            "{args}: {got:?}"
        );
    }
    for args in [
        "-p 0",
        "-p 65536",
        "-p x",
        "-p",
        "--port 53",
        "--tcp",
        "-z",
        "-é",
        "-",
    ] {
        let d = deny(&p, NAME, &format!("@10.0.0.53 {args}"));
        assert_eq!(d.code, DenyCode::ValidationError, "{args}");
    }
}

#[test]
fn never_anything_verbatim_after_shell_metacharacters() {
    let p = policy(true);
    for args in [
        "; id",
        "$(id)",
        "`id`",
        "| nc 1.2.3.4 1",
        "&& id",
        "> /tmp/x",
    ] {
        assert!(
            run(&p, NAME, &format!("@10.0.0.53 {args}")).is_err(),
            "{args}"
        );
    }
}
