//! Grammar, gating and rendering tests, through the public `plan`/`authorize`.

use std::time::Duration;

use crate::{CallInput, Denied, DenyCode, Policy, ToolId, authorize, plan};

const HEAD: [&str; 4] = ["-n", "-oX", "-", "--noninteractive"];

fn policy(raw: bool, intrusive: bool) -> Policy {
    Policy {
        raw_sockets: raw,
        allow_intrusive: intrusive,
        ..Policy::default()
    }
}

fn run(p: &Policy, target: &str, args: &str) -> Result<Vec<String>, Denied> {
    let input = CallInput {
        target,
        extra_args: args,
        timeout: Duration::from_secs(300),
        fields: &crate::ToolFields::None,
    };
    let planned = plan(ToolId::Nmap, p, &input)?;
    Ok(authorize(p, planned, &[])?.argv().to_vec())
}

#[track_caller]
fn ok(p: &Policy, args: &str) -> Vec<String> {
    run(p, "10.0.0.5", args).unwrap_or_else(|d| panic!("{args:?}: {}", d.message))
}

#[track_caller]
fn deny(p: &Policy, args: &str) -> Denied {
    let d = run(p, "10.0.0.5", args).expect_err(args);
    assert_eq!(d.field, "extra_args", "{args:?}");
    d
}

/// The vetted scripts of `default` (what -sC runs), as `--script` gets them.
fn default_scripts() -> String {
    let mut names: Vec<&str> = super::nse::CATALOG
        .iter()
        .filter(|v| v.categories & super::nse::cat::DEFAULT != 0)
        .map(|v| v.name)
        .collect();
    names.sort_unstable();
    names.join(",")
}

/// The expected argv: server head, then `middle`, then `-- 10.0.0.5`.
fn want(middle: &[&str]) -> Vec<String> {
    HEAD.iter()
        .chain(middle)
        .chain(&["--", "10.0.0.5"])
        .map(|s| s.to_string())
        .collect()
}

#[test]
fn defaults_without_raw_sockets() {
    assert_eq!(
        ok(&policy(false, false), ""),
        want(&[
            "--unprivileged",
            "-sT",
            "--top-ports",
            "1000",
            "-T4",
            "--host-timeout",
            "300s"
        ])
    );
}

#[test]
fn defaults_with_raw_sockets() {
    assert_eq!(
        ok(&policy(true, false), ""),
        want(&[
            "--privileged",
            "--send-ip",
            "-sS",
            "--top-ports",
            "1000",
            "-T4",
            "--host-timeout",
            "300s"
        ])
    );
}

#[test]
fn exact_argv_for_typical_inputs() {
    let p = policy(false, false);
    let cases: &[(&str, &[&str])] = &[
        (
            "-sV -p 22,80,443 -T3 --open",
            &[
                "--unprivileged",
                "-sT",
                "-sV",
                "-p",
                "22,80,443",
                "-T3",
                "--host-timeout",
                "300s",
                "--open",
            ],
        ),
        (
            "--reason -vv --top-ports=100 --max-rate 500 --min-rate=10 --max-retries 2",
            &[
                "--unprivileged",
                "-sT",
                "--top-ports",
                "100",
                "-T4",
                "--min-rate",
                "10",
                "--max-rate",
                "500",
                "--max-retries",
                "2",
                "--host-timeout",
                "300s",
                "--reason",
                "-vv",
            ],
        ),
        (
            "-sn -PS22,443 -Pn",
            &[
                "--unprivileged",
                "-sn",
                "-PS22,443",
                "-Pn",
                "-T4",
                "--host-timeout",
                "300s",
            ],
        ),
        (
            "-F -r -Tpolite --host-timeout 90000ms --scan-delay 500ms --max-scan-delay=2s",
            &[
                "--unprivileged",
                "-sT",
                "-F",
                "-r",
                "-T2",
                "--host-timeout",
                "90s",
                "--scan-delay",
                "500ms",
                "--max-scan-delay",
                "2s",
            ],
        ),
        (
            "-p- --version-light -sV",
            &[
                "--unprivileged",
                "-sT",
                "-sV",
                "--version-intensity",
                "2",
                "-p",
                "1-65535",
                "-T4",
                "--host-timeout",
                "300s",
            ],
        ),
        (
            "-p T:80,U:53 -PS",
            &[
                "--unprivileged",
                "-sT",
                "-PS",
                "-p",
                "T:80,U:53",
                "-T4",
                "--host-timeout",
                "300s",
            ],
        ),
    ];
    for (args, middle) in cases {
        assert_eq!(ok(&p, args), want(middle), "{args:?}");
    }
    // -sC and --script categories reach nmap as vetted names, never as a
    // category or an expression.
    let mut with_banner: Vec<String> = default_scripts().split(',').map(String::from).collect();
    with_banner.push("banner".into());
    with_banner.sort();
    let scripts = with_banner.join(",");
    assert_eq!(
        ok(&p, "-sC --script banner,http-title"),
        want(&[
            "--unprivileged",
            "-sT",
            "--script",
            &scripts,
            "--top-ports",
            "1000",
            "-T4",
            "--host-timeout",
            "300s",
        ])
    );
}

#[test]
fn raw_flags_render_in_canonical_order() {
    let p = policy(true, true);
    let scripts = default_scripts();
    assert_eq!(
        ok(&p, "--osscan-guess -A -sU -sS -PE -PA80 -PU53 -T5"),
        want(&[
            "--privileged",
            "--send-ip",
            "-sS",
            "-sU",
            "-sV",
            "-O",
            "--osscan-guess",
            "--traceroute",
            "--script",
            &scripts,
            "-PE",
            "-PA80",
            "-PU53",
            "--top-ports",
            "1000",
            "-T5",
            "--host-timeout",
            "300s"
        ])
    );
}

#[test]
fn equivalent_spellings_render_identically() {
    let p = policy(false, false);
    let groups: &[&[&str]] = &[
        &["--top-ports 10", "--top-ports=10"],
        &["-p 80", "-p80", "-p 80 -n"],
        &["-T4", "-T 4", "-Taggressive", "-T aggressive", ""],
        &["-sTV", "-sT -sV", "-sVT", "-sV"],
        &[
            "--script banner",
            "--script=banner",
            "--script banner,banner",
        ],
        &[
            "--host-timeout 60s",
            "--host-timeout=60",
            "--host-timeout 1m",
            "--host-timeout 60000ms",
        ],
        &["-v -v", "-vv"],
        &[
            "--version-all",
            "--version-intensity 9",
            "--version-intensity=9",
        ],
        &["-p -", "-p-", "-p 1-65535", "-p 1-", "-p -65535"],
    ];
    for g in groups {
        let first = ok(&p, g[0]);
        for other in &g[1..] {
            assert_eq!(ok(&p, other), first, "{:?} vs {other:?}", g[0]);
        }
    }
}

#[test]
fn n_is_a_no_op() {
    let p = policy(false, false);
    assert_eq!(ok(&p, "-n"), ok(&p, ""));
}

/// Every refused family, in nmap's single-dash form and both long spellings.
#[test]
fn refused_flags_in_every_spelling() {
    let p = policy(true, true);
    let table: &[(&str, &str)] = &[
        ("iL", "reads targets from a local file"),
        ("iR", "random internet hosts"),
        ("excludefile", "read local files"),
        ("exclude", "target field"),
        ("resume", "read local files"),
        ("datadir", "read local files"),
        ("servicedb", "read local files"),
        ("versiondb", "read local files"),
        ("script-args-file", "read local files"),
        ("script-args", "name local files"),
        ("oN", "write local files"),
        ("oX", "write local files"),
        ("oG", "write local files"),
        ("oA", "write local files"),
        ("oS", "write local files"),
        ("oM", "write local files"),
        ("append-output", "write local files"),
        ("stylesheet", "stylesheet"),
        ("webxml", "stylesheet"),
        ("script-updatedb", "script database"),
        ("script-help", "help"),
        ("script-trace", "tracing"),
        ("packet-trace", "tracing"),
        ("D", "spoofing"),
        ("S", "spoofing"),
        ("e", "interface"),
        ("g", "spoofing"),
        ("source-port", "spoofing"),
        ("spoof-mac", "spoofing"),
        ("proxies", "proxies"),
        ("data-length", "spoofing"),
        ("ttl", "spoofing"),
        ("f", "spoofing"),
        ("mtu", "spoofing"),
        ("badsum", "spoofing"),
        ("send-eth", "how packets are sent"),
        ("send-ip", "how packets are sent"),
        ("privileged", "CAP_NET_RAW"),
        ("unprivileged", "CAP_NET_RAW"),
        ("b", "FTP bounce"),
        ("sI", "zombie"),
        ("iflist", "interfaces"),
        ("R", "disables DNS"),
        ("dns-servers", "disables DNS"),
        ("system-dns", "disables DNS"),
        ("6", "target decides IPv6"),
        ("h", "help"),
        ("V", "version output"),
    ];
    for (name, reason) in table {
        for (dashes, args) in [
            ("-", format!("-{name} x")),
            ("--", format!("--{name} x")),
            ("--", format!("--{name}=x")),
            ("--", format!("--{name}")),
        ] {
            let d = deny(&p, &args);
            assert_eq!(d.code, DenyCode::ValidationError, "{args}");
            assert!(
                d.message
                    .starts_with(&format!("{dashes}{name} is not accepted: ")),
                "{args}: {}",
                d.message
            );
            assert!(d.message.contains(reason), "{args}: {}", d.message);
        }
    }
}

#[test]
fn prefix_and_abbreviation_bypasses_are_refused() {
    let p = policy(true, true);
    let table: &[(&str, &str)] = &[
        ("--script-ar x", "unknown option '--script-ar'"),
        ("--script-arg=x", "unknown option"),
        ("--scr banner", "unknown option"),
        ("--top 10", "unknown option"),
        ("--versio", "unknown option"),
        ("--host-time 10s", "unknown option"),
        ("--append", "unknown option"),
        ("--Open", "unknown option"),
        ("-top-ports 10", "e.g. --top-ports"),
        ("-script banner", "e.g. --script"),
        ("-open", "e.g. --open"),
        ("-oNfile", "-oN is not accepted"),
        ("-oX-", "-oX is not accepted"),
        ("-oA/tmp/x", "-oA is not accepted"),
        ("-o", "-o is not accepted"),
        ("-iLfile", "-iL is not accepted"),
        ("-iR5", "-iR is not accepted"),
        ("-Ddecoy1,ME", "-D is not accepted"),
        ("-S1.2.3.4", "-S is not accepted"),
        ("-eeth0", "-e is not accepted"),
        ("-g53", "-g is not accepted"),
        ("-bftp.example", "-b is not accepted"),
        ("-ff", "-ff is not accepted"),
        ("-sIzombie", "zombie"),
        ("-sTI", "zombie"),
        ("-sL", "-sL is not accepted"),
        ("-sO", "-sO is not accepted"),
        ("-sW", "-sW is not accepted"),
        ("-sTL", "unknown option '-sTL'"),
        ("-s", "-s needs scan letters"),
        ("-script-ar x", "unknown option '-script-ar'"),
        ("--top-ports=1000;id", "whole number"),
        ("--top-ports 1000;id", "whole number"),
        ("-p 80;id", "only digits"),
        ("-p80,http", "service names"),
        ("--script=banner;id", "not a plain script name"),
        ("--script '$(id)'", "not a plain script name"),
        ("--open=yes", "takes no value"),
        ("--", "unknown option '--'"),
        ("-", "unexpected argument '-'"),
        ("10.0.0.9", "unexpected argument '10.0.0.9'"),
        ("-PS 22", "unexpected argument '22'"),
        ("-sV 10.0.0.0/8", "unexpected argument"),
        ("-d", "unknown option '-d'"),
        ("-P0", "unknown option '-P0'"),
        ("-PY", "unknown option '-PY'"),
        ("-vvv", "limited to -vv"),
        ("-vv -v", "limited to -vv"),
        ("-p", "-p needs a value"),
        ("--top-ports", "--top-ports needs a value"),
        ("--top-ports=", "whole number"),
        ("-T", "-T needs a value"),
        ("-T6", "-T needs 0-5"),
        ("-TInsane", "-T needs 0-5"),
        ("-T4;id", "-T needs 0-5"),
        ("-A5", "unknown option '-A5'"),
        ("-On", "unknown option '-On'"),
    ];
    for (args, needle) in table {
        let d = deny(&p, args);
        assert_eq!(d.code, DenyCode::ValidationError, "{args}");
        assert!(d.message.contains(needle), "{args:?}: {}", d.message);
    }
}

#[test]
fn raw_socket_flags_need_raw_sockets() {
    let no_raw = policy(false, true);
    let raw = policy(true, true);
    for (args, flag) in [
        ("-sS", "-sS"),
        ("-sU", "-sU"),
        ("-sA", "-sA"),
        ("-sF", "-sF"),
        ("-sN", "-sN"),
        ("-sX", "-sX"),
        ("-sSV", "-sS"),
        ("-sVU", "-sU"),
        ("-PA", "-PA"),
        ("-PA80", "-PA"),
        ("-PU", "-PU"),
        ("-PE", "-PE"),
        ("-O", "-O"),
        ("-A", "-A"),
        ("--traceroute", "--traceroute"),
    ] {
        let d = deny(&no_raw, args);
        assert_eq!(d.code, DenyCode::PrivilegeRequired, "{args}");
        assert!(d.message.starts_with(flag), "{args}: {}", d.message);
        assert_eq!(
            d.hint,
            "use -sT (connect scan) or run the server with root/cap_net_raw"
        );
        ok(&raw, args);
    }
    for args in [
        "-sT",
        "-PS",
        "-PS80",
        "-sV",
        "-sC",
        "-sn",
        "-Pn",
        "--osscan-guess",
    ] {
        ok(&no_raw, args);
    }
}

#[test]
fn intrusive_options_need_allow_intrusive() {
    let off = policy(true, false);
    let on = policy(true, true);
    for args in ["-A", "--traceroute", "-T5", "-Tinsane", "-T 5"] {
        let d = deny(&off, args);
        assert_eq!(d.code, DenyCode::ValidationError, "{args}");
        assert!(
            d.message.contains("security.allow_intrusive"),
            "{args}: {}",
            d.message
        );
        assert!(
            d.hint.contains("security.allow_intrusive"),
            "{args}: {}",
            d.hint
        );
        ok(&on, args);
    }
    // Intrusive script categories need the switch; with it they still select
    // only vetted scripts, and no intrusive script is vetted.
    for args in [
        "--script vuln",
        "--script exploit",
        "--script intrusive",
        "--script brute",
        "--script dos",
        "--script fuzzer",
        "--script malware",
        "--script banner,vuln",
    ] {
        let d = deny(&off, args);
        assert!(
            d.message.contains("security.allow_intrusive"),
            "{args}: {}",
            d.message
        );
        assert!(
            d.hint.contains("security.allow_intrusive"),
            "{args}: {}",
            d.hint
        );
        let d = deny(&on, args);
        assert!(
            d.message.contains("no script of the category"),
            "{args}: {}",
            d.message
        );
    }
    // Intrusive allowed but no raw sockets: -A still needs raw (it includes -O).
    assert_eq!(
        deny(&policy(false, true), "-A").code,
        DenyCode::PrivilegeRequired
    );
}

#[test]
fn scripts_are_allowlisted() {
    let p = policy(true, true);
    for (args, needle) in [
        ("--script external", "never accepted"),
        ("--script all", "never accepted"),
        (
            "--script smb-vuln-ms17-010",
            "not in secmcp's vetted NSE catalog",
        ),
        (
            "--script http-useragent-tester",
            "not in secmcp's vetted NSE catalog",
        ),
        (
            "--script dns-service-discovery",
            "not in secmcp's vetted NSE catalog",
        ),
        ("--script /tmp/evil.nse", "not a plain script name"),
        ("--script evil.nse", "not a plain script name"),
        ("--script 'http-*'", "not a plain script name"),
        ("--script +banner", "not a plain script name"),
        (
            "--script 'default and not intrusive'",
            "not a plain script name",
        ),
        ("--script not", "not a plain script name"),
        ("--script banner --script http-title", "more than once"),
    ] {
        let d = deny(&p, args);
        assert!(d.message.contains(needle), "{args}: {}", d.message);
    }
    let custom = Policy {
        nmap: crate::NmapLimits {
            script_allowlist: vec!["ssl-cert".into()],
            ..Default::default()
        },
        ..Policy::default()
    };
    assert!(ok(&custom, "--script ssl-cert").contains(&"ssl-cert".to_string()));
    let d = deny(&custom, "--script banner");
    assert!(
        d.message.contains("not in this server's script allowlist"),
        "{}",
        d.message
    );
    assert!(d.hint.contains("allowlist (ssl-cert)"), "{}", d.hint);
}

#[test]
fn value_limits() {
    let p = policy(true, false);
    for (args, needle) in [
        ("--top-ports 0", "from 1 to 65535"),
        ("--top-ports 65536", "from 1 to 65535"),
        ("--min-rate 0", "from 1 to 1000"),
        ("--max-rate 1001", "from 1 to 1000"),
        ("--min-rate 500 --max-rate 100", "above --max-rate"),
        ("--max-retries 11", "from 0 to 10"),
        ("--max-retries -1", "from 0 to 10"),
        ("--version-intensity 10", "from 0 to 9"),
        ("--version-light --version-all", "more than once"),
        ("--host-timeout 301s", "longer than the call timeout (300s)"),
        ("--host-timeout 1h", "longer than the call timeout"),
        ("--host-timeout 0", "more than 0"),
        ("--host-timeout 1.5s", "not a time"),
        ("--host-timeout 10s --host-timeout 20s", "more than once"),
        ("--scan-delay 11s", "over the 10s limit"),
        ("--max-scan-delay 10001ms", "over the 10s limit"),
        (
            "--scan-delay 5s --max-scan-delay 1s",
            "above --max-scan-delay",
        ),
        ("-p 0", "not a port"),
        ("-p 70000", "not a port"),
        ("-p 443-80", "backwards"),
        ("-p '*'", "only digits"),
        ("-p 80 -p 443", "-p is given more than once"),
        ("-p 80 -F", "choose one of -p, -F and --top-ports"),
        ("--top-ports 10 -p 80", "choose one of"),
        (
            "-sn -p 80",
            "-sn (host discovery only) cannot be combined with -p",
        ),
        ("-sn -F", "cannot be combined with -F"),
        ("-sn -sS", "cannot be combined with -sS"),
        ("-sn -O", "cannot be combined with -O"),
        ("-sn -sV", "cannot be combined with -sV"),
        ("-snV", "cannot be combined with -sV"),
        ("-sT -sS", "choose one TCP scan type (got -sT and -sS)"),
        ("-sSA", "choose one TCP scan type"),
        ("-T3 -T4", "more than once"),
        ("-PS80,ssh", "service names"),
        ("-PST:80", "prefixes are not accepted"),
    ] {
        let d = deny(&p, args);
        assert!(d.message.contains(needle), "{args}: {}", d.message);
    }
    let d = deny(&p, "--host-timeout 10m");
    assert_eq!(d.hint, "lower --host-timeout or raise timeout_sec");
    let p200 = Policy {
        nmap: crate::NmapLimits {
            max_rate_pps: 200,
            ..Default::default()
        },
        ..Policy::default()
    };
    assert!(
        deny(&p200, "--max-rate 201")
            .message
            .contains("from 1 to 200")
    );
    ok(&p200, "--max-rate 200 --min-rate 200");
    ok(&p, "-sU -sS --host-timeout 300s --scan-delay 10s");
}

#[test]
fn udp_alone_gets_no_default_tcp_scan() {
    let argv = ok(&policy(true, false), "-sU -p U:53");
    assert!(
        argv.contains(&"-sU".to_string()) && !argv.contains(&"-sS".to_string()),
        "{argv:?}"
    );
}

#[test]
fn target_forms_render_as_literals() {
    let mut p = policy(false, false);
    p.scope = crate::Scope::parse(&["RFC1918", "2001:db8::/32"], &[]).unwrap();
    let last2 = |t: &str| {
        let a = run(&p, t, "").unwrap_or_else(|d| panic!("{t}: {}", d.message));
        a[a.len() - 3..].to_vec()
    };
    assert_eq!(last2("2001:db8::5"), ["-6", "--", "2001:db8::5"]);
    assert_eq!(last2("2001:DB8::ff/126"), ["-6", "--", "2001:db8::fc/126"]);
    assert_eq!(last2("10.0.0.7/30"), ["300s", "--", "10.0.0.4/30"]);
    assert_eq!(last2("::ffff:10.0.0.5"), ["300s", "--", "10.0.0.5"]);
}

#[test]
fn cidr_targets_are_capped() {
    let p = policy(false, false);
    let d = run(&p, "10.0.0.0/21", "").unwrap_err();
    assert_eq!((d.code, d.field), (DenyCode::ValidationError, "target"));
    assert_eq!(
        d.message,
        "10.0.0.0/21 covers 2048 addresses; this tool scans at most 1024 per call"
    );
    assert!(run(&p, "10.0.0.0/22", "").is_ok());
    let d = run(&p, "::/0", "").unwrap_err();
    assert!(d.message.contains("covers"), "{}", d.message);
    let small = Policy {
        nmap: crate::NmapLimits {
            max_cidr_addresses: 4,
            ..Default::default()
        },
        ..p
    };
    assert!(run(&small, "10.0.0.0/30", "").is_ok());
    assert!(run(&small, "10.0.0.0/29", "").is_err());
}

mod props {
    use super::*;
    use proptest::prelude::*;

    const VOCAB: &[&str] = &[
        "-oN",
        "-oX",
        "-",
        "-oA",
        "-oNx",
        "-iL",
        "-iLx",
        "/tmp/x",
        "-p",
        "80",
        "-p-",
        "-sV",
        "-sT",
        "-sS",
        "-sU",
        "-sTV",
        "--script",
        "banner",
        "safe",
        "--script=banner",
        "--top-ports=10",
        "--top-ports",
        "--",
        "-T4",
        "-Tinsane",
        "-A",
        "-O",
        "-Pn",
        "-PS22",
        "-n",
        "-v",
        "--open",
        "--reason",
        "-F",
        "'-oX x'",
        "\"-iL\"",
        "--host-timeout",
        "30s",
        "10.0.0.9",
        "-e",
        "eth0",
        "--script-args",
        "-6",
        "--max-rate",
        "100",
        "-r",
        "-sn",
        "-PE",
    ];

    fn args() -> impl Strategy<Value = String> {
        let word = prop_oneof![
            4 => proptest::sample::select(VOCAB).prop_map(str::to_string),
            1 => "[ -~]{0,12}",
        ];
        proptest::collection::vec(word, 0..8).prop_map(|w| w.join(" "))
    }

    proptest! {
        #[test]
        fn accepted_argv_keeps_its_invariants(extra in args(), raw: bool, intrusive: bool) {
            let p = policy(raw, intrusive);
            if let Ok(argv) = run(&p, "10.0.0.5", &extra) {
                prop_assert_eq!(&argv[..4], &HEAD.map(String::from)[..]);
                for (i, a) in argv.iter().enumerate() {
                    prop_assert!(!a.starts_with("-o") || i == 1, "{:?}", argv);
                    prop_assert!(!a.starts_with("-i"), "{:?}", argv);
                    prop_assert!(a != "--" || i == argv.len() - 2, "{:?}", argv);
                }
                prop_assert_eq!(argv.last().map(String::as_str), Some("10.0.0.5"));
                prop_assert_eq!(argv.iter().filter(|a| a.as_str() == "10.0.0.5").count(), 1);
            }
        }

        #[test]
        fn arbitrary_extra_args_never_panic(extra in "\\PC{0,80}") {
            let _ = run(&policy(true, true), "10.0.0.5", &extra);
        }
    }
}

#[test]
fn progress_flags_come_from_the_server_only() {
    let p = policy(false, false);
    let input = CallInput {
        target: "10.0.0.5",
        extra_args: "-sT -p 80",
        timeout: Duration::from_secs(300),
        fields: &crate::ToolFields::None,
    };
    let mut planned = plan(ToolId::Nmap, &p, &input).unwrap();
    planned.report_progress();
    let argv = authorize(&p, planned, &[]).unwrap().argv().to_vec();
    assert_eq!(&argv[..5], ["-n", "-oX", "-", "--stats-every", "1s"]);
    assert!(!argv.contains(&"--noninteractive".to_string()));
    assert_eq!(argv.iter().filter(|a| *a == "--stats-every").count(), 1);
    // Without the server asking, nothing is added; a caller cannot ask.
    assert!(!ok(&p, "-sT -p 80").contains(&"--stats-every".to_string()));
    for args in [
        "--stats-every 1s",
        "--stats-every=1s",
        "-v --stats-every 5s",
    ] {
        deny(&p, args);
    }
}
