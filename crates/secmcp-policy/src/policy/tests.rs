//! End-to-end tests of `plan` + `authorize`: scope denials, host pinning, the
//! permit's contents, and input-level errors.

use std::net::IpAddr;
use std::time::Duration;

use super::*;
use crate::DenyCode;

fn input<'a>(target: &'a str, extra_args: &'a str) -> CallInput<'a> {
    CallInput {
        target,
        extra_args,
        timeout: Duration::from_secs(60),
        fields: &ToolFields::None,
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn nmap_plan(p: &Policy, target: &str) -> Plan {
    plan(ToolId::Nmap, p, &input(target, "")).unwrap_or_else(|d| panic!("{target}: {}", d.message))
}

#[test]
fn ip_target_permit() {
    let p = Policy::default();
    let planned = nmap_plan(&p, "10.0.0.5");
    assert_eq!(planned.host_to_resolve(), None);
    assert_eq!(planned.targets().len(), 1);
    assert_eq!(planned.targets()[0].field(), "target");
    let permit = authorize(&p, planned, &[]).unwrap();
    assert_eq!(permit.tool(), ToolId::Nmap);
    assert_eq!(permit.timeout(), Duration::from_secs(60));
    assert_eq!(
        permit.target(),
        &AuthorizedTarget {
            requested: "10.0.0.5".into(),
            hostname: None,
            pinned: vec![ip("10.0.0.5")],
            rendered: "10.0.0.5".into(),
            address_count: 1,
        }
    );
    assert!(
        permit.argv().contains(&"60s".to_string()),
        "host timeout follows the call timeout"
    );
}

#[test]
fn host_target_is_resolved_by_the_caller_and_pinned_to_the_first_address() {
    let p = Policy::default();
    let planned = nmap_plan(&p, "Web.Lab.Internal.");
    assert_eq!(
        planned.host_to_resolve().map(Hostname::as_str),
        Some("web.lab.internal")
    );
    let permit = authorize(&p, planned, &[ip("10.0.0.7"), ip("10.0.0.8")]).unwrap();
    let t = permit.target();
    assert_eq!(t.requested, "Web.Lab.Internal.");
    assert_eq!(t.hostname.as_deref(), Some("web.lab.internal"));
    assert_eq!(t.pinned, vec![ip("10.0.0.7")]);
    assert_eq!(t.rendered, "10.0.0.7");
    let argv = permit.argv();
    assert_eq!(&argv[argv.len() - 2..], ["--", "10.0.0.7"]);
    assert!(
        !argv.iter().any(|a| a.contains("lab.internal")),
        "the name never reaches nmap"
    );
}

#[test]
fn host_with_any_out_of_scope_address_is_denied() {
    let p = Policy::default();
    let d = authorize(
        &p,
        nmap_plan(&p, "web.lab.internal"),
        &[ip("10.0.0.7"), ip("8.8.8.8")],
    )
    .unwrap_err();
    assert_eq!((d.code, d.field), (DenyCode::ScopeDenied, "target"));
    assert!(
        d.message
            .starts_with("web.lab.internal resolves to 8.8.8.8, which is not in scope"),
        "{}",
        d.message
    );
    let d = authorize(&p, nmap_plan(&p, "web.lab.internal"), &[]).unwrap_err();
    assert_eq!(d.code, DenyCode::ScopeDenied);
    assert!(d.message.contains("did not resolve"), "{}", d.message);
}

#[test]
fn host_outside_suffix_is_denied_even_with_private_address() {
    let p = Policy::default();
    // Refused at plan time, before the server would resolve it.
    let d = plan(ToolId::Nmap, &p, &input("evillab.internal", "")).unwrap_err();
    assert_eq!(d.code, DenyCode::ScopeDenied);
    assert_eq!(
        d.message,
        "evillab.internal is not in security.allowed_targets (RFC1918, .lab.internal)"
    );
}

#[test]
fn resolved_addresses_for_an_ip_target_are_refused() {
    let p = Policy::default();
    let d = authorize(&p, nmap_plan(&p, "10.0.0.5"), &[ip("10.0.0.6")]).unwrap_err();
    assert_eq!(d.code, DenyCode::ValidationError);
    assert!(d.message.contains("internal error"), "{}", d.message);
}

#[test]
fn scope_denials_name_the_target_and_rule() {
    let p = Policy::default();
    for (target, msg) in [
        (
            "8.8.8.8",
            "8.8.8.8 is not in security.allowed_targets (RFC1918, .lab.internal)",
        ),
        (
            "169.254.169.254",
            "169.254.169.254 is the cloud metadata address; it is denied unless a CIDR in security.allowed_targets names it",
        ),
        (
            "::ffff:169.254.169.254",
            "::ffff:169.254.169.254 is the cloud metadata address; it is denied unless a CIDR in security.allowed_targets names it",
        ),
        (
            "255.255.255.255",
            "255.255.255.255 is the broadcast address, which is always denied",
        ),
        ("10.0.0.0/24", ""),
        ("10.0.3.0/22", ""),
        (
            "169.254.169.77/24",
            "169.254.169.0/24 is not entirely in scope: 169.254.169.0 is not in security.allowed_targets",
        ),
    ] {
        let result = authorize(&p, nmap_plan(&p, target), &[]);
        if msg.is_empty() {
            assert!(result.is_ok(), "{target}");
            continue;
        }
        let d = result.unwrap_err();
        assert_eq!(
            (d.code, d.field),
            (DenyCode::ScopeDenied, "target"),
            "{target}"
        );
        assert!(d.message.starts_with(msg), "{target}: {}", d.message);
        assert!(d.hint.contains("security.allowed_targets"));
    }
}

#[test]
fn cidr_permit_counts_addresses_and_pins_nothing() {
    let p = Policy::default();
    let permit = authorize(&p, nmap_plan(&p, "192.168.1.77/24"), &[]).unwrap();
    let t = permit.target();
    assert_eq!(
        (t.rendered.as_str(), t.address_count),
        ("192.168.1.0/24", 256)
    );
    assert_eq!(t.requested, "192.168.1.77/24");
    assert!(t.pinned.is_empty());
}

#[test]
fn input_errors_name_their_field() {
    let p = Policy::default();
    let zero = CallInput {
        timeout: Duration::ZERO,
        ..input("10.0.0.5", "")
    };
    let d = plan(ToolId::Nmap, &p, &zero).unwrap_err();
    assert_eq!(
        (d.code, d.field),
        (DenyCode::ValidationError, "timeout_sec")
    );
    let d = plan(ToolId::Nmap, &p, &input("010.0.0.5", "")).unwrap_err();
    assert_eq!(d.field, "target");
    for (args, needle) in [
        ("-p '80", "unterminated single quote"),
        ("-p \"80", "unterminated double quote"),
        ("-p 80\u{0}", "control character"),
        ("-p 80\\", "lone backslash"),
    ] {
        let d = plan(ToolId::Nmap, &p, &input("10.0.0.5", args)).unwrap_err();
        assert_eq!(
            (d.code, d.field),
            (DenyCode::ValidationError, "extra_args"),
            "{args}"
        );
        assert!(d.message.contains(needle), "{args}: {}", d.message);
    }
    let long = "-v ".repeat(700);
    let d = plan(ToolId::Nmap, &p, &input("10.0.0.5", &long)).unwrap_err();
    assert!(d.message.contains("the limit is 2048"), "{}", d.message);
    let many = "-n ".repeat(65);
    let d = plan(ToolId::Nmap, &p, &input("10.0.0.5", &many)).unwrap_err();
    assert!(d.message.contains("more than 64"), "{}", d.message);
    let small = Policy {
        max_args_bytes: 4,
        ..Policy::default()
    };
    assert!(plan(ToolId::Nmap, &small, &input("10.0.0.5", "-sV -n")).is_err());
}

#[test]
fn target_errors_come_before_argument_errors() {
    let d = plan(
        ToolId::Nmap,
        &Policy::default(),
        &input("10.0.0.1-5", "-oN x"),
    )
    .unwrap_err();
    assert_eq!(d.field, "target");
}

#[test]
fn plan_exposes_the_typed_nmap_plan() {
    let p = Policy::default();
    let planned = plan(ToolId::Nmap, &p, &input("10.0.0.5", "-F -sV -T2")).unwrap();
    let crate::ToolPlan::Nmap(n) = planned.tool_plan() else {
        panic!("not an nmap plan: {:?}", planned.tool_plan());
    };
    assert_eq!(n.timing(), 2);
    assert!(n.version_detection());
    assert_eq!(n.ports(), &crate::nmap::PortSelection::Fast);
    assert_eq!(
        n.scan(),
        &crate::nmap::ScanMode::Ports(vec![crate::nmap::ScanType::Connect])
    );
}

#[test]
fn out_of_scope_names_are_refused_before_any_lookup() {
    let p = Policy::default();
    // plan() has no resolver: a refusal here proves no lookup is needed for it.
    let d = plan(
        ToolId::Nmap,
        &p,
        &input("secret-data-123.attacker.example", ""),
    )
    .unwrap_err();
    assert_eq!(d.code, DenyCode::ScopeDenied);
    assert!(
        d.message.contains("secret-data-123.attacker.example"),
        "{}",
        d.message
    );
    let ok = plan(ToolId::Nmap, &p, &input("web.lab.internal", "")).unwrap();
    assert_eq!(ok.hosts_to_resolve().len(), 1);
}

#[test]
fn a_call_is_intrusive_exactly_when_it_needs_the_gate() {
    let open = Policy {
        allow_intrusive: true,
        raw_sockets: true,
        ..Policy::default()
    };
    let intrusive = |p: &Policy, args: &str| {
        let planned = plan(ToolId::Nmap, p, &input("10.0.0.5", args))
            .unwrap_or_else(|d| panic!("{args}: {}", d.message));
        let flag = planned.intrusive();
        let permit = authorize(p, planned, &[]).unwrap();
        assert_eq!(
            permit.intrusive(),
            flag,
            "{args}: the permit carries the plan's flag"
        );
        flag
    };
    assert!(
        !intrusive(&open, "-sV -p 80"),
        "a version scan needs no gate"
    );
    assert!(intrusive(&open, "-A"), "-A needs the gate");
    assert!(intrusive(&open, "-sV -T5"), "-T5 needs the gate");
    // With the gate closed the same calls are refused, so nothing that
    // passes can be intrusive.
    assert!(plan(ToolId::Nmap, &Policy::default(), &input("10.0.0.5", "-A")).is_err());
    assert!(!intrusive(&Policy::default(), "-sV"));
}
