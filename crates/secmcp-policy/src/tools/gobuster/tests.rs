//! gobuster grammar, gating, scope on every host, wordlist roots, rendering.

use std::net::IpAddr;
use std::time::Duration;

use super::*;
use crate::policy::ResolvedFile;
use crate::{CallInput, Denied, FileRoots, Policy, Resolutions};
use crate::{DenyCode, Plan, ToolFields, ToolId, authorize_with, plan};

fn policy() -> Policy {
    let mut p = Policy {
        allow_intrusive: true,
        scope: crate::Scope::parse(&["RFC1918", ".lab.internal", "fd99::/64"], &[]).unwrap(),
        ..Policy::default()
    };
    p.gobuster.wordlists = FileRoots {
        roots: vec!["/wl".into()],
        aliases: vec![("common".into(), "/srv/common.txt".into())],
        max_bytes: 1000,
    };
    // These tests' operator configured a default alias; `builtin_*` tests
    // below cover the built-in default.
    p.gobuster.default_wordlist = "common".into();
    p
}

fn fields(mode: Mode, wordlist: &str) -> ToolFields {
    ToolFields::Gobuster(GobusterFields {
        mode,
        wordlist: wordlist.into(),
    })
}

fn try_plan(p: &Policy, mode: Mode, target: &str, args: &str, wl: &str) -> Result<Plan, Denied> {
    let f = fields(mode, wl);
    let input = CallInput {
        target,
        extra_args: args,
        timeout: Duration::from_secs(60),
        fields: &f,
    };
    plan(ToolId::Gobuster, p, &input)
}

fn denied(mode: Mode, target: &str, args: &str) -> Denied {
    match try_plan(&policy(), mode, target, args, "") {
        Ok(_) => panic!("{target} {args:?} was accepted"),
        Err(d) => d,
    }
}

/// Resolves everything the way the server would, with `files` as given.
fn resolve(pl: &Plan, hosts: &[(&str, &str)], path: &str) -> Resolutions {
    let mut r = Resolutions::default();
    for h in pl.hosts_to_resolve() {
        let ip = hosts
            .iter()
            .find(|(n, _)| *n == h.as_str())
            .map(|(_, ip)| ip.parse::<IpAddr>().unwrap())
            .unwrap_or_else(|| panic!("no address for {h}"));
        r.add_host(h.clone(), vec![ip]);
    }
    for f in pl.files_to_resolve() {
        r.add_file(ResolvedFile {
            requested: f.requested.clone(),
            path: path.into(),
            size_bytes: 10,
        });
    }
    r
}

fn argv(mode: Mode, target: &str, args: &str, wl: &str, path: &str) -> Vec<String> {
    let p = policy();
    let pl = try_plan(&p, mode, target, args, wl).unwrap_or_else(|d| panic!("{args}: {d}"));
    let res = resolve(&pl, &[("web.lab.internal", "10.99.0.7")], path);
    authorize_with(&p, pl, &res)
        .unwrap_or_else(|d| panic!("{args}: {d}"))
        .argv()
        .to_vec()
}

#[test]
fn dir_renders_pinned_url_and_server_flags() {
    let a = argv(
        Mode::Dir,
        "http://web.lab.internal:18080/app/",
        "-x php,txt -t 5 --delay=50ms -s 200,301-302",
        "",
        "/srv/common.txt",
    );
    assert_eq!(
        a,
        [
            "dir",
            "-q",
            "-z",
            "--no-color",
            "-u",
            "http://10.99.0.7:18080/app/",
            "-w",
            "/srv/common.txt",
            "-t",
            "5",
            "--delay",
            "50ms",
            "-x",
            "php,txt",
            "-s",
            "200,301-302",
            "-b",
            ""
        ]
    );
}

#[test]
fn defaults_threads_and_minimum_delay() {
    let a = argv(
        Mode::Dir,
        "http://10.0.0.5",
        "",
        "x/list.txt",
        "/wl/x/list.txt",
    );
    assert_eq!(
        a,
        [
            "dir",
            "-q",
            "-z",
            "--no-color",
            "-u",
            "http://10.0.0.5/",
            "-w",
            "/wl/x/list.txt",
            "-t",
            "10",
            "--delay",
            "20ms"
        ]
    );
    let d = denied(Mode::Dir, "http://10.0.0.5", "--delay 5ms");
    assert!(d.message.contains("minimum"), "{}", d.message);
    for t in ["-t 21", "--threads 0", "--threads=100", "-t x"] {
        let d = denied(Mode::Dir, "http://10.0.0.5", t);
        assert!(d.message.contains("1 to 20"), "{t}: {}", d.message);
    }
}

#[test]
fn vhost_passes_the_name_as_domain_and_dns_pins_the_resolver() {
    let a = argv(
        Mode::Vhost,
        "http://web.lab.internal:18090",
        "--append-domain",
        "common",
        "/srv/common.txt",
    );
    assert!(
        a.windows(2).any(|w| w == ["-u", "http://10.99.0.7:18090/"]),
        "{a:?}"
    );
    assert!(
        a.windows(2).any(|w| w == ["--domain", "web.lab.internal"]),
        "{a:?}"
    );
    assert!(a.contains(&"--append-domain".to_string()));
    let a = argv(
        Mode::Dns,
        "corp.lab.internal",
        "-r web.lab.internal:5353 -i",
        "common",
        "/srv/common.txt",
    );
    assert_eq!(
        &a[..9],
        [
            "dns",
            "-q",
            "-z",
            "--no-color",
            "-d",
            "corp.lab.internal",
            "-r",
            "10.99.0.7:5353",
            "-w"
        ]
    );
    assert!(a.contains(&"-i".to_string()));
    let a = argv(
        Mode::Dns,
        "corp.lab.internal",
        "--resolver=fd99::31",
        "common",
        "/srv/common.txt",
    );
    assert!(a.windows(2).any(|w| w == ["-r", "[fd99::31]:53"]), "{a:?}");
}

#[test]
fn vhost_domain_is_any_name_the_scope_allows() {
    // An address as URL with the domain to append: the guesses go to the
    // pinned address with Host headers under that domain.
    let a = argv(
        Mode::Vhost,
        "http://10.99.0.7:18090/",
        "--domain corp.lab.internal --append-domain",
        "common",
        "/srv/common.txt",
    );
    assert!(
        a.windows(2).any(|w| w == ["--domain", "corp.lab.internal"]),
        "{a:?}"
    );
    assert_eq!(a.iter().filter(|s| *s == "--domain").count(), 1, "{a:?}");
    // It replaces the URL's host name.
    let a = argv(
        Mode::Vhost,
        "http://web.lab.internal:18090",
        "--domain=intra.lab.internal",
        "common",
        "/srv/common.txt",
    );
    assert!(
        a.windows(2)
            .any(|w| w == ["--domain", "intra.lab.internal"]),
        "{a:?}"
    );
    assert!(!a.contains(&"web.lab.internal".to_string()), "{a:?}");
    // Outside the scope's names (a suffix entry covers only names below
    // it): refused as scope, naming the option.
    for name in ["evil.com", "lab.internal"] {
        let d = denied(
            Mode::Vhost,
            "http://10.99.0.7/",
            &format!("--domain {name}"),
        );
        assert_eq!(d.code, DenyCode::ScopeDenied, "{}", d.message);
        assert!(d.message.contains("--domain"), "{}", d.message);
    }
    // Not a name, or given twice.
    for args in [
        "--domain 10.0.0.5",
        "--domain http://lab.internal/",
        "--domain a.lab.internal --domain b.lab.internal",
    ] {
        let d = denied(Mode::Vhost, "http://10.99.0.7/", args);
        assert_eq!(d.code, DenyCode::ValidationError, "{args}");
    }
}

#[test]
fn whole_tool_is_intrusive_gated() {
    let p = Policy {
        allow_intrusive: false,
        ..policy()
    };
    for mode in [Mode::Dir, Mode::Dns, Mode::Vhost] {
        let d = try_plan(&p, mode, "http://10.0.0.5/", "", "common").unwrap_err();
        assert!(d.message.contains("allow_intrusive"), "{}", d.message);
    }
    assert!(try_plan(&policy(), Mode::Dir, "http://10.0.0.5/", "", "common").is_ok());
}

#[test]
fn rejected_flag_families_in_every_spelling() {
    let families: &[(Mode, &[&str])] = &[
        (
            Mode::Dir,
            &[
                "-o /tmp/x",
                "--output /tmp/x",
                "--output=/tmp/x",
                "-o/tmp/x",
            ],
        ),
        (
            Mode::Dir,
            &[
                "-p /tmp/p",
                "--pattern /tmp/p",
                "--pattern=/tmp/p",
                "-p/tmp/p",
            ],
        ),
        (
            Mode::Dir,
            &["--proxy http://1.2.3.4:8080", "--proxy=http://1.2.3.4:8080"],
        ),
        (Mode::Vhost, &["--proxy socks5://1.2.3.4:1080", "--proxy=x"]),
        (
            Mode::Dir,
            &[
                "-u http://8.8.8.8/",
                "--url http://8.8.8.8/",
                "--url=http://8.8.8.8/",
                "-uhttp://8.8.8.8/",
            ],
        ),
        (
            Mode::Dir,
            &["--domain lab.internal", "--domain=lab.internal"],
        ),
        (
            Mode::Dns,
            &[
                "-d evil.com",
                "--domain evil.com",
                "--domain=evil.com",
                "-devil.com",
            ],
        ),
        (Mode::Dir, &["http://8.8.8.8/", "10.0.0.9"]),
        (Mode::Dir, &["-r", "--follow-redirect"]),
        (
            Mode::Dir,
            &[
                "-X /etc/passwd",
                "--extensions-file /etc/passwd",
                "--extensions-file=/etc/passwd",
            ],
        ),
        (
            Mode::Dir,
            &[
                "-P secret",
                "--password secret",
                "--password=secret",
                "-c a=b",
                "--cookies=a=b",
                "-H 'X: y'",
                "--headers=X:y",
            ],
        ),
        (Mode::Dir, &["--client-cert-pem /k", "--client-cert-p12=/k"]),
        (
            Mode::Dir,
            &[
                "--thread 5",
                "--wordl x",
                "-qz",
                "-t5",
                "-t=5",
                "--bogus",
                "-i",
            ],
        ),
    ];
    for (mode, spellings) in families {
        for s in *spellings {
            let target = if *mode == Mode::Dns {
                "corp.lab.internal"
            } else {
                "http://10.0.0.5/"
            };
            let args = if *mode == Mode::Dns {
                format!("-r 10.0.0.53 {s}")
            } else {
                s.to_string()
            };
            let d = try_plan(&policy(), *mode, target, &args, "").unwrap_err();
            assert_eq!(d.code, DenyCode::ValidationError, "{s}");
            assert_eq!(d.field, "extra_args", "{s}: {}", d.message);
        }
    }
}

#[test]
fn wordlist_outside_roots_in_every_spelling() {
    for args in [
        "-w /etc/passwd",
        "--wordlist /etc/passwd",
        "--wordlist=/etc/passwd",
        "-w ../../etc/passwd",
        "--wordlist=x/../../etc/passwd",
        "-w ./x",
        "-w ~root/x",
    ] {
        let d = denied(Mode::Dir, "http://10.0.0.5/", args);
        assert_eq!(d.field, "wordlist", "{args}: {}", d.message);
    }
    for wl in ["/etc/passwd", "../etc/passwd", "a/../../b"] {
        let d = try_plan(&policy(), Mode::Dir, "http://10.0.0.5/", "", wl).unwrap_err();
        assert_eq!(d.field, "wordlist", "{wl}");
    }
    // both the field and -w
    let d = try_plan(
        &policy(),
        Mode::Dir,
        "http://10.0.0.5/",
        "-w a.txt",
        "b.txt",
    )
    .unwrap_err();
    assert!(d.message.contains("twice"), "{}", d.message);
    // The server resolved a symlink inside the root to a file outside: refused.
    let p = policy();
    for (wl, path) in [
        ("a.txt", "/etc/passwd"),
        ("a.txt", "/wl-other/a.txt"),
        ("common", "/wl/a.txt"),
    ] {
        let pl = try_plan(&p, Mode::Dir, "http://10.0.0.5/", "", wl).unwrap();
        let d = authorize_with(
            &p,
            pl,
            &resolve(
                &try_plan(&p, Mode::Dir, "http://10.0.0.5/", "", wl).unwrap(),
                &[],
                path,
            ),
        )
        .unwrap_err();
        assert_eq!(d.field, "wordlist", "{wl} -> {path}");
    }
}

#[test]
fn scope_is_checked_on_every_host() {
    let p = policy();
    // URL host
    let pl = try_plan(&p, Mode::Dir, "http://8.8.8.8/", "", "common").unwrap();
    let d = authorize_with(&p, pl.clone(), &resolve(&pl, &[], "/srv/common.txt")).unwrap_err();
    assert_eq!(d.code, DenyCode::ScopeDenied);
    // URL host name resolving outside
    let pl = try_plan(&p, Mode::Vhost, "http://evil.lab.internal/", "", "common").unwrap();
    let d = authorize_with(
        &p,
        pl.clone(),
        &resolve(
            &pl,
            &[("evil.lab.internal", "203.0.113.9")],
            "/srv/common.txt",
        ),
    )
    .unwrap_err();
    assert_eq!(d.code, DenyCode::ScopeDenied);
    // dns: the domain by name, the resolver by address
    let d = try_plan(&p, Mode::Dns, "example.com", "-r 10.0.0.53", "common").unwrap_err();
    assert_eq!((d.code, d.field), (DenyCode::ScopeDenied, "target"));
    let pl = try_plan(&p, Mode::Dns, "corp.lab.internal", "-r 8.8.8.8", "common").unwrap();
    assert_eq!(pl.targets()[0].field(), "extra_args");
    let d = authorize_with(&p, pl.clone(), &resolve(&pl, &[], "/srv/common.txt")).unwrap_err();
    assert_eq!((d.code, d.field), (DenyCode::ScopeDenied, "extra_args"));
    // dns without a resolver: refused, never the host's resolver
    let d = try_plan(&p, Mode::Dns, "corp.lab.internal", "", "common").unwrap_err();
    assert!(d.message.contains("-r"), "{}", d.message);
    // a configured resolver is used (and checked)
    let mut p2 = policy();
    p2.gobuster.dns_resolver = "8.8.4.4".into();
    let pl = try_plan(&p2, Mode::Dns, "corp.lab.internal", "", "common").unwrap();
    let d = authorize_with(&p2, pl.clone(), &resolve(&pl, &[], "/srv/common.txt")).unwrap_err();
    assert_eq!(d.code, DenyCode::ScopeDenied);
}

#[test]
fn urls_are_strict() {
    for bad in [
        "10.0.0.5",
        "ftp://10.0.0.5/",
        "HTTP://10.0.0.5/",
        "http://user:pw@10.0.0.5/",
        "http://10.0.0.5/?q=1",
        "http://10.0.0.5/#x",
        "http://10.0.0.5:0/",
        "http://10.0.0.5:65536/",
        "http://10.0.0.5:080/",
        "http://010.0.0.5/",
        "http://10.0.0.5/a b",
        "http://10.0.0.5/http://8.8.8.8/",
        "http://[::1/",
        "http://10.0.0.5/%zz",
        "http:///",
    ] {
        let d = try_plan(&policy(), Mode::Dir, bad, "", "common");
        assert!(d.is_err(), "{bad} accepted");
        assert_eq!(d.unwrap_err().field, "target", "{bad}");
    }
    let u = url::parse("https://[fd99::7]:8443/a/%41").unwrap();
    assert_eq!(u.render("fd99::7"), "https://[fd99::7]:8443/a/%41");
    let d = try_plan(
        &policy(),
        Mode::Dns,
        "http://corp.lab.internal/",
        "-r 10.0.0.53",
        "common",
    )
    .unwrap_err();
    assert_eq!(d.field, "target");
}

#[test]
fn mode_specific_options() {
    // -c is show-cname in dns, cookies (refused) in dir; -d discover-backup in dir.
    assert!(
        try_plan(
            &policy(),
            Mode::Dns,
            "corp.lab.internal",
            "-r 10.0.0.53 -c",
            "common"
        )
        .is_ok()
    );
    assert!(try_plan(&policy(), Mode::Dir, "http://10.0.0.5/", "-d", "common").is_ok());
    let d = denied(Mode::Dir, "http://10.0.0.5/", "--append-domain");
    assert!(d.message.contains("vhost"), "{}", d.message);
    let d = denied(Mode::Dns, "corp.lab.internal", "-r 10.0.0.53 -i -c");
    assert!(d.message.contains("-i and -c"), "{}", d.message);
    for ok in [
        "-x php -b 404,500 -f -e -n --hide-length -k --retry --retry-attempts 2 --random-agent -m HEAD --exclude-length 0,12 --timeout 5s --no-error -q -z --no-color",
        "-a 'Mozilla/5.0 (X11)' --method=POST",
    ] {
        try_plan(&policy(), Mode::Dir, "http://10.0.0.5/", ok, "common")
            .unwrap_or_else(|d| panic!("{ok}: {d}"));
    }
    for bad in [
        "-m DELETE",
        "-x 'p hp'",
        "-s 99",
        "-s 200-100",
        "--timeout 5",
        "--timeout 2h",
        "--delay -1s",
        "-a ''",
    ] {
        denied(Mode::Dir, "http://10.0.0.5/", bad);
    }
}

// ------------------------------------------------------------- built-in lists

/// Plans and authorizes with only hosts resolved, as the server does for a
/// plan that requests no file.
fn builtin_permit(p: &Policy, mode: Mode, target: &str, args: &str, wl: &str) -> crate::Permit {
    let pl = try_plan(p, mode, target, args, wl).unwrap_or_else(|d| panic!("{wl}: {d}"));
    assert_eq!(
        pl.files_to_resolve(),
        [],
        "{wl}: a built-in went to the server"
    );
    let res = resolve(&pl, &[("web.lab.internal", "10.99.0.7")], "/unused");
    authorize_with(p, pl, &res).unwrap_or_else(|d| panic!("{wl}: {d}"))
}

fn wordlist_arg(pm: &crate::Permit) -> &str {
    let a = pm.argv();
    let i = a.iter().position(|x| x == "-w").expect("-w");
    &a[i + 1]
}

#[test]
fn builtin_wordlist_is_a_work_file_never_a_file_request() {
    let p = policy();
    for (mode, target, args, wl, list) in [
        (Mode::Dir, "http://10.0.0.5/", "", "web-paths", "web-paths"),
        (
            Mode::Vhost,
            "http://web.lab.internal/",
            "",
            "vhosts",
            "vhosts",
        ),
        (
            Mode::Dns,
            "corp.lab.internal",
            "-r 10.0.0.53",
            "subdomains",
            "subdomains",
        ),
        // any built-in in any mode, and through -w
        (
            Mode::Dir,
            "http://10.0.0.5/",
            "-w usernames",
            "",
            "usernames",
        ),
        (
            Mode::Dns,
            "corp.lab.internal",
            "-r 10.0.0.53 --wordlist=web-paths",
            "",
            "web-paths",
        ),
    ] {
        let pm = builtin_permit(&p, mode, target, args, wl);
        let builtin = crate::lists::builtin(list).unwrap();
        assert_eq!(wordlist_arg(&pm), format!("builtin-{list}.txt"));
        let files = pm.write_files();
        assert_eq!(files.len(), 1, "{list}");
        assert_eq!(files[0].name, builtin.file);
        assert_eq!(files[0].contents, builtin.contents.as_bytes());
    }
}

#[test]
fn an_operator_alias_wins_over_a_builtin_of_the_same_name() {
    let mut p = policy();
    p.gobuster
        .wordlists
        .aliases
        .push(("web-paths".into(), "/srv/my-paths.txt".into()));
    let pl = try_plan(&p, Mode::Dir, "http://10.0.0.5/", "", "web-paths").unwrap();
    assert_eq!(pl.files_to_resolve().len(), 1);
    assert_eq!(pl.files_to_resolve()[0].requested, "web-paths");
    let pm = authorize_with(&p, pl.clone(), &resolve(&pl, &[], "/srv/my-paths.txt")).unwrap();
    assert_eq!(wordlist_arg(&pm), "/srv/my-paths.txt");
    assert!(pm.write_files().is_empty());
    // and is re-checked like any alias
    let d = authorize_with(&p, pl.clone(), &resolve(&pl, &[], "/wl/other.txt")).unwrap_err();
    assert_eq!(d.field, "wordlist");
}

#[test]
fn builtin_default_per_mode_when_the_operator_configured_none() {
    let mut p = policy();
    p.gobuster.default_wordlist = String::new();
    for (mode, target, args, list) in [
        (Mode::Dir, "http://10.0.0.5/", "", "web-paths"),
        (Mode::Vhost, "http://web.lab.internal/", "", "vhosts"),
        (Mode::Dns, "corp.lab.internal", "-r 10.0.0.53", "subdomains"),
    ] {
        let pm = builtin_permit(&p, mode, target, args, "");
        assert_eq!(wordlist_arg(&pm), format!("builtin-{list}.txt"), "{mode:?}");
        assert_eq!(pm.write_files().len(), 1);
    }
    // a configured default that names a built-in applies to every mode
    p.gobuster.default_wordlist = "usernames".into();
    let pm = builtin_permit(&p, Mode::Dir, "http://10.0.0.5/", "", "");
    assert_eq!(wordlist_arg(&pm), "builtin-usernames.txt");
    // a caller's path is still a file under the roots
    let pl = try_plan(&p, Mode::Dir, "http://10.0.0.5/", "", "web-paths.txt").unwrap();
    assert_eq!(pl.files_to_resolve()[0].requested, "web-paths.txt");
}

#[test]
fn default_limits_use_builtins_and_debian_dirb_lists() {
    let l = GobusterLimits::default();
    assert_eq!(l.default_wordlist, "", "the built-in list for the mode");
    assert!(l.wordlists.roots.iter().any(|r| r == DIRB_LISTS));
    let aliases: Vec<(&str, &str)> = l
        .wordlists
        .aliases
        .iter()
        .map(|(a, p)| (a.as_str(), p.as_str()))
        .collect();
    assert_eq!(
        aliases,
        [
            ("dirb-common", "/usr/share/dirb/wordlists/common.txt"),
            ("dirb-big", "/usr/share/dirb/wordlists/big.txt"),
            ("dirb-small", "/usr/share/dirb/wordlists/small.txt"),
        ]
    );
    // no default alias hides a built-in list
    for (a, _) in aliases {
        assert!(crate::lists::builtin(a).is_none(), "{a}");
    }
    let d = Policy {
        allow_intrusive: true,
        ..Policy::default()
    };
    let pm = builtin_permit(&d, Mode::Dir, "http://10.0.0.5/", "", "");
    assert_eq!(wordlist_arg(&pm), "builtin-web-paths.txt");
}

proptest::proptest! {
    #[test]
    fn grammar_never_panics(args in "[ -~]{0,80}", target in "[ -~]{0,40}") {
        for mode in [Mode::Dir, Mode::Dns, Mode::Vhost] {
            let _ = try_plan(&policy(), mode, &target, &args, "");
        }
    }
}

#[test]
fn progress_drops_the_quiet_flags_only_when_the_server_asks() {
    let p = policy();
    let target = "http://web.lab.internal:18080/";
    // The caller's own -q / -z are accepted and ignored: the server decides.
    for args in ["-t 5", "-t 5 -q -z", "--quiet --no-progress"] {
        let mut pl = try_plan(&p, Mode::Dir, target, args, "").unwrap();
        pl.report_progress();
        let res = resolve(&pl, &[("web.lab.internal", "10.99.0.7")], "/srv/common.txt");
        let a = authorize_with(&p, pl, &res).unwrap().argv().to_vec();
        assert_eq!(&a[..3], ["dir", "--no-color", "-u"], "{args}");
        assert!(
            !a.iter()
                .any(|x| ["-q", "-z", "--quiet", "--no-progress"].contains(&x.as_str())),
            "{args}: {a:?}"
        );
        // Without the server asking, the run is quiet whatever the caller says.
        let quiet = argv(Mode::Dir, target, args, "", "/srv/common.txt");
        assert_eq!(&quiet[..4], ["dir", "-q", "-z", "--no-color"], "{args}");
    }
}
