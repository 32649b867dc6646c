//! masscan grammar, gating, scope and rendering tests, through `plan`/`authorize`.

use std::time::Duration;

use super::{AdapterSettings, MasscanFields, normalize_mac, parse_port_list, valid_interface_name};
use crate::{CallInput, Denied, DenyCode, Policy, ToolFields, ToolId, authorize, plan};

fn policy(raw: bool, intrusive: bool) -> Policy {
    Policy {
        raw_sockets: raw,
        allow_intrusive: intrusive,
        ..Policy::default()
    }
}

fn run_fields(
    p: &Policy,
    target: &str,
    args: &str,
    fields: MasscanFields,
    timeout_secs: u64,
) -> Result<Vec<String>, Denied> {
    let fields = ToolFields::Masscan(fields);
    let input = CallInput {
        target,
        extra_args: args,
        timeout: Duration::from_secs(timeout_secs),
        fields: &fields,
    };
    let planned = plan(ToolId::Masscan, p, &input)?;
    Ok(authorize(p, planned, &[])?.argv().to_vec())
}

fn run(p: &Policy, target: &str, args: &str) -> Result<Vec<String>, Denied> {
    run_fields(p, target, args, MasscanFields::default(), 300)
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

fn value_of(argv: &[String], flag: &str) -> Option<String> {
    argv.windows(2).find(|w| w[0] == flag).map(|w| w[1].clone())
}

#[test]
fn defaults_render_from_the_plan() {
    let p = policy(true, false);
    assert_eq!(
        ok(&p, "10.99.1.7", "-p 18080,18081"),
        argv(&[
            "-oD",
            "-",
            "-p",
            "18080,18081",
            "--rate",
            "100",
            "--wait",
            "3",
            "--range",
            "10.99.1.7"
        ])
    );
    // Typed fields work the same way.
    let f = MasscanFields {
        ports: Some("80,U:53,8000-8010".into()),
        rate_pps: Some(250),
        banners: false,
    };
    let got = run_fields(
        &p,
        "10.99.1.0/28",
        "--wait 1 --retries 1 --ping -sS -Pn -n",
        f,
        300,
    )
    .unwrap();
    assert_eq!(
        got,
        argv(&[
            "-oD",
            "-",
            "-p",
            "80,U:53,8000-8010",
            "--rate",
            "250",
            "--wait",
            "1",
            "--retries",
            "1",
            "--ping",
            "--range",
            "10.99.1.0/28"
        ])
    );
}

#[test]
fn adapter_settings_come_only_from_config() {
    let mut p = policy(true, false);
    p.masscan.adapter = AdapterSettings {
        adapter: Some("msv0".into()),
        adapter_ip: Some("10.99.1.1".parse().unwrap()),
        adapter_mac: Some("02-00-00-00-00-01".into()),
        router_ip: Some("10.99.1.7".parse().unwrap()),
        router_mac: Some("02-00-00-00-00-07".into()),
    };
    let got = ok(&p, "10.99.1.7", "-p 80");
    assert_eq!(
        got[..10],
        argv(&[
            "--adapter",
            "msv0",
            "--adapter-ip",
            "10.99.1.1",
            "--adapter-mac",
            "02-00-00-00-00-01",
            "--router-ip",
            "10.99.1.7",
            "--router-mac",
            "02-00-00-00-00-07"
        ])
    );
    assert!(valid_interface_name("veth-lab.1"));
    for bad in ["", "-e", "a/b", "toolonginterface0", "eth 0"] {
        assert!(!valid_interface_name(bad), "{bad:?}");
    }
    assert_eq!(
        normalize_mac("AA:bb:cc:dd:ee:ff").as_deref(),
        Some("aa-bb-cc-dd-ee-ff")
    );
    assert_eq!(normalize_mac("aa-bb-cc-dd-ee"), None);
    assert_eq!(normalize_mac("aa-bb-cc-dd-ee-fg"), None);
}

#[test]
fn raw_sockets_are_required() {
    let d = deny(&policy(false, true), "10.99.1.7", "-p 80");
    assert_eq!(d.code, DenyCode::PrivilegeRequired);
    assert!(d.message.contains("raw sockets"), "{}", d.message);
}

#[test]
fn targets_are_ips_and_cidrs_only() {
    let p = policy(true, true);
    let d = deny(&p, "web.lab.internal", "-p 80");
    assert_eq!(d.code, DenyCode::ValidationError);
    assert_eq!(d.field, "target");
    assert!(d.message.contains("not host names"), "{}", d.message);
    for bad in [
        "10.0.0.1-10.0.0.9",
        "10.0.0.1,10.0.0.2",
        "010.0.0.1",
        "-iL x",
        "",
    ] {
        let d = deny(&p, bad, "-p 80");
        assert_eq!(d.field, "target", "{bad:?}");
    }
    let mut v6 = p.clone();
    v6.scope = crate::Scope::parse(&["fd99::/64"], &[] as &[&str]).unwrap();
    ok(&v6, "fd99::7", "-p 80");
}

#[test]
fn every_target_is_scope_checked() {
    let p = policy(true, true);
    for t in [
        "8.8.8.8",
        "127.0.0.1",
        "169.254.169.254",
        "0.0.0.0/0",
        "172.32.0.0/24",
    ] {
        let d = run(&p, t, "-p 80").unwrap_err();
        assert!(
            d.code == DenyCode::ScopeDenied || d.message.contains("at most"),
            "{t}: {:?} {}",
            d.code,
            d.message
        );
    }
    let d = deny(&p, "8.8.8.0/24", "-p 80");
    assert_eq!(d.code, DenyCode::ScopeDenied);
}

#[test]
fn cidr_cap_needs_intrusive_and_hard_ceiling_always_applies() {
    let p = policy(true, false);
    ok(&p, "10.0.0.0/24", "-p 80");
    let d = deny(&p, "10.0.0.0/23", "-p 80");
    assert_eq!(d.code, DenyCode::ValidationError);
    assert!(d.message.contains("allow_intrusive"), "{}", d.message);
    let pi = policy(true, true);
    ok(&pi, "10.0.0.0/16", "-p 80 --rate 1000");
    let d = deny(&pi, "10.0.0.0/15", "-p 80 --rate 1000");
    assert!(d.message.contains("at most 65536"), "{}", d.message);
    let d = deny(&pi, "10.0.0.0/8", "-p 80");
    assert!(d.message.contains("at most 65536"), "{}", d.message);
}

#[test]
fn rate_limits_apply_to_every_spelling() {
    let p = policy(true, false);
    for spelling in [
        "--rate 500",
        "--rate=500",
        "--max-rate 500",
        "--max-rate=500",
    ] {
        let got = ok(&p, "10.0.0.5", &format!("-p 80 {spelling}"));
        assert_eq!(
            value_of(&got, "--rate").as_deref(),
            Some("500"),
            "{spelling}"
        );
    }
    for spelling in [
        "--rate 5000",
        "--rate=5000",
        "--max-rate 5000",
        "--max-rate=5000",
    ] {
        let d = deny(&p, "10.0.0.5", &format!("-p 80 {spelling}"));
        assert!(
            d.message.contains("allow_intrusive"),
            "{spelling}: {}",
            d.message
        );
        let got = ok(
            &policy(true, true),
            "10.0.0.5",
            &format!("-p 80 {spelling}"),
        );
        assert_eq!(
            value_of(&got, "--rate").as_deref(),
            Some("5000"),
            "{spelling}"
        );
    }
    for spelling in [
        "--rate 10001",
        "--rate=10001",
        "--max-rate 99999999",
        "--max-rate=10001",
        "--rate 0",
        "--rate=0",
    ] {
        let d = deny(
            &policy(true, true),
            "10.0.0.5",
            &format!("-p 80 {spelling}"),
        );
        assert!(
            d.message.contains("absolute maximum"),
            "{spelling}: {}",
            d.message
        );
    }
    for spelling in [
        "--rate 1.5",
        "--rate=1e9",
        "--rate -5",
        "--rate",
        "--rate 100 --max-rate 200",
        "--rate=1 --rate=1",
    ] {
        let d = deny(
            &policy(true, true),
            "10.0.0.5",
            &format!("-p 80 {spelling}"),
        );
        assert_eq!(d.code, DenyCode::ValidationError, "{spelling}");
    }
    // The typed field gets the same limits.
    let f = MasscanFields {
        ports: Some("80".into()),
        rate_pps: Some(5000),
        banners: false,
    };
    let d = run_fields(&p, "10.0.0.5", "", f.clone(), 300).unwrap_err();
    assert_eq!(d.field, "rate_pps");
    assert!(d.message.contains("allow_intrusive"));
    let d = run_fields(&p, "10.0.0.5", "--rate 10", f, 300).unwrap_err();
    assert!(d.code == DenyCode::ValidationError);
    let f = MasscanFields {
        ports: Some("80".into()),
        rate_pps: Some(20_000),
        banners: false,
    };
    let d = run_fields(&policy(true, true), "10.0.0.5", "", f, 300).unwrap_err();
    assert!(d.message.contains("absolute maximum"));
}

#[test]
fn ports_are_validated() {
    let p = policy(true, false);
    for spelling in ["-p 80", "-p80", "--ports 80", "--ports=80"] {
        let got = ok(&p, "10.0.0.5", spelling);
        assert_eq!(value_of(&got, "-p").as_deref(), Some("80"), "{spelling}");
    }
    assert_eq!(
        parse_port_list("0-65535,u:53,T:1").unwrap().to_string(),
        "0-65535,U:53,1"
    );
    for bad in [
        "", "80,", "65536", "90-80", "S:80", "O:1", "80;id", "x", "-1", "1-2-3",
    ] {
        assert!(parse_port_list(bad).is_err(), "{bad:?}");
    }
    let many = (1..=65)
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(",");
    assert!(parse_port_list(&many).is_err());
    let d = deny(&p, "10.0.0.5", "");
    assert_eq!(d.field, "ports");
    let d = deny(&p, "10.0.0.5", "-p 80 -p 81");
    assert!(d.message.contains("more than once"));
    let f = MasscanFields {
        ports: Some("80".into()),
        ..MasscanFields::default()
    };
    assert!(run_fields(&p, "10.0.0.5", "--ports 81", f, 300).is_err());
}

#[test]
fn scans_that_cannot_finish_in_time_are_refused() {
    let p = policy(true, false);
    let d = deny(&p, "10.0.0.0/24", "-p 1-65535");
    assert!(
        d.message.contains("longer than the call timeout"),
        "{}",
        d.message
    );
    let d = run_fields(
        &p,
        "10.0.0.5",
        "-p 80 --wait 10",
        MasscanFields::default(),
        5,
    )
    .unwrap_err();
    assert!(d.message.contains("--wait"), "{}", d.message);
}

#[test]
fn banners_need_allow_intrusive() {
    let d = deny(&policy(true, false), "10.0.0.5", "-p 80 --banners");
    assert!(d.message.contains("allow_intrusive"), "{}", d.message);
    let got = ok(&policy(true, true), "10.0.0.5", "-p 80 --banners");
    assert!(got.contains(&"--banners".to_string()));
    let f = MasscanFields {
        ports: Some("80".into()),
        banners: true,
        ..MasscanFields::default()
    };
    let d = run_fields(&policy(true, false), "10.0.0.5", "", f.clone(), 300).unwrap_err();
    assert_eq!(d.field, "banners");
    let got = run_fields(&policy(true, true), "10.0.0.5", "", f, 300).unwrap();
    assert!(got.contains(&"--banners".to_string()));
    assert!(run(&policy(true, true), "10.0.0.5", "-p 80 --banners=yes").is_err());
}

/// Every refused family, in `--flag value`, `--flag=value` and (where masscan
/// would read them) loose spellings.
#[test]
fn rejected_flag_families_in_every_spelling() {
    let p = policy(true, true);
    let families: &[(&str, &[&str])] = &[
        (
            "output",
            &[
                "-oJ x",
                "-oJx",
                "-oX -",
                "-oD /tmp/x",
                "-oL x",
                "-oG x",
                "-oB x",
                "-oU x",
                "-oR x",
                "--output-format json",
                "--output-format=json",
                "--output-filename /tmp/x",
                "--output-filename=/tmp/x",
                "--append-output",
                "--rotate 60",
                "--rotate-dir=/tmp",
                "--echo",
                "--redis 1.2.3.4",
                "--stylesheet=x",
                "--OUTPUT_FILENAME x",
                "--outputfilename=x",
            ],
        ),
        (
            "conf",
            &[
                "-c /etc/x.conf",
                "-c=/etc/x.conf",
                "-c/etc/x.conf",
                "--conf /etc/x",
                "--conf=/etc/x",
                "--config x",
                "--resume paused.conf",
                "--resume=paused.conf",
                "--resume-index 5",
            ],
        ),
        (
            "files",
            &[
                "--excludefile /etc/x",
                "--excludefile=/etc/x",
                "--exclude-file x",
                "--includefile x",
                "--includefile=x",
                "--include-file x",
                "-iL /etc/passwd",
                "-iL=/etc/passwd",
                "-iL/etc/passwd",
                "--readscan x.bin",
                "--readscan=x.bin",
                "--readrange x",
                "--pcap /tmp/x.pcap",
                "--pcap=/tmp/x.pcap",
                "--pcap-payloads x",
                "--nmap-payloads=x",
                "--hello-file x",
            ],
        ),
        (
            "spoofing",
            &[
                "--source-ip 10.0.0.99",
                "--source-ip=10.0.0.99",
                "--source-port 61000",
                "--source-port=61000",
                "--source_ip 10.0.0.9",
                "--SourceIP=10.0.0.9",
                "--ttl 1",
            ],
        ),
        (
            "adapter",
            &[
                "--adapter eth0",
                "--adapter=eth0",
                "--adapter-ip 10.0.0.9",
                "--adapter-ip=10.0.0.9",
                "--adapter-mac 00-11-22-33-44-55",
                "--adapter-mac=00-11-22-33-44-55",
                "--adapter-vlan 5",
                "--router-mac 66-55-44-33-22-11",
                "--router-mac=66-55-44-33-22-11",
                "--router-ip 10.0.0.1",
                "--router-ip=10.0.0.1",
                "-e eth0",
                "-eeth0",
                "-i eth0",
                "--interface eth0",
            ],
        ),
        (
            "ranges",
            &[
                "--range 10.0.0.9",
                "--range=10.0.0.9",
                "--ranges 8.8.8.8",
                "--exclude 10.0.0.9",
                "--exclude=10.0.0.9",
                "--include 8.8.8.8",
                "8.8.8.8",
                "10.0.0.0/8",
                "0.0.0.0/0",
            ],
        ),
        (
            "other",
            &[
                "--shards 1/2",
                "--seed=1",
                "--infinite",
                "--offline",
                "--heartbleed",
                "--packet-trace",
                "--top-ports 100",
                "--retries 9",
                "--wait 61",
                "--bogus",
                "-sU",
                "-rate 5",
                "-",
                "--",
            ],
        ),
    ];
    for (family, spellings) in families {
        for args in *spellings {
            let d = deny(&p, "10.0.0.5", &format!("-p 80 {args}"));
            assert_eq!(
                d.code,
                DenyCode::ValidationError,
                "{family}: {args}: {}",
                d.message
            );
            assert_eq!(d.field, "extra_args", "{family}: {args}");
        }
    }
    // The named families say why.
    let d = deny(&p, "10.0.0.5", "-p 80 --source-ip=10.0.0.99");
    assert!(d.message.contains("spoofing"), "{}", d.message);
    let d = deny(&p, "10.0.0.5", "-p 80 --router-mac 00-11-22-33-44-55");
    assert!(d.message.contains("config"), "{}", d.message);
    let d = deny(&p, "10.0.0.5", "-p 80 -oJ -");
    assert!(
        d.message.starts_with("-oJ is not accepted"),
        "{}",
        d.message
    );
    let d = deny(&p, "10.0.0.5", "-p 80 10.0.0.6");
    assert!(d.message.contains("target field"), "{}", d.message);
}

#[test]
fn never_anything_verbatim_after_shell_metacharacters() {
    let p = policy(true, true);
    for args in [
        "; id",
        "$(id)",
        "`id`",
        "| nc 1.2.3.4 1",
        "&& id",
        "> /tmp/x",
    ] {
        assert!(
            run(&p, "10.0.0.5", &format!("-p 80 {args}")).is_err(),
            "{args}"
        );
    }
}

#[test]
fn typed_port_errors_cannot_forge_log_lines() {
    let p = policy(true, false);
    for ports in ["1\nFORGED event=x", "Q\n:80"] {
        let f = MasscanFields {
            ports: Some(ports.into()),
            rate_pps: None,
            banners: false,
        };
        let d = run_fields(&p, "10.0.0.5", "", f, 300).unwrap_err();
        assert!(!d.message.contains('\n'), "{:?}", d.message);
    }
}
