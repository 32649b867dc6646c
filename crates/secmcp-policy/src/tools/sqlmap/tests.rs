//! sqlmap grammar, gating, scope and rendering tests, through `plan`/`authorize_with`.

use std::net::IpAddr;
use std::time::Duration;

use super::{SqlmapFields, SqlmapLimits};
use crate::{
    CallInput, Denied, DenyCode, Policy, Resolutions, ToolFields, ToolId, authorize_with, plan,
};

const URL: &str = "http://10.0.0.5:8080/item?id=1";

fn policy(intrusive: bool, enumeration: bool) -> Policy {
    Policy {
        allow_intrusive: intrusive,
        sqlmap: SqlmapLimits {
            allow_enumeration: enumeration,
            ..SqlmapLimits::default()
        },
        ..Policy::default()
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// Plans and authorizes; host names resolve per `hosts`.
fn run_full(
    p: &Policy,
    target: &str,
    data: &str,
    args: &str,
    hosts: &[(&str, &str)],
) -> Result<Vec<String>, Denied> {
    let fields = ToolFields::Sqlmap(SqlmapFields { data: data.into() });
    let input = CallInput {
        target,
        extra_args: args,
        timeout: Duration::from_secs(60),
        fields: &fields,
    };
    let planned = plan(ToolId::Sqlmap, p, &input)?;
    let mut res = Resolutions::default();
    for h in planned.hosts_to_resolve() {
        let addr = hosts
            .iter()
            .find(|(n, _)| *n == h.as_str())
            .map(|(_, a)| vec![ip(a)])
            .unwrap_or_else(|| panic!("no test address for {h}"));
        res.add_host(h.clone(), addr);
    }
    let permit = authorize_with(p, planned, &res)?;
    assert_eq!(permit.collect(), ["sqlmap-out"]);
    Ok(permit.argv().to_vec())
}

fn run(p: &Policy, args: &str) -> Result<Vec<String>, Denied> {
    run_full(p, URL, "", args, &[])
}

#[track_caller]
fn ok(p: &Policy, args: &str) -> Vec<String> {
    run(p, args).unwrap_or_else(|d| panic!("{args:?}: {}", d.message))
}

#[track_caller]
fn deny(p: &Policy, args: &str) -> Denied {
    let d = run(p, args).expect_err(args);
    assert_eq!(d.field, "extra_args", "{args:?}: {}", d.message);
    d
}

/// The server's head: flags, output dir, answers, then the URL.
fn head(url: &str) -> Vec<String> {
    [
        "--batch",
        "--ignore-stdin",
        "--disable-coloring",
        "--ignore-redirects",
        "--output-dir=sqlmap-out",
        "--answers=dictionary-based=N,refresh intent=N",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([format!("--url={url}")])
    .collect()
}

fn tail(argv: &[String]) -> Vec<&str> {
    argv[head(URL).len()..].iter().map(String::as_str).collect()
}

#[test]
fn defaults_render_the_server_flags_and_the_url() {
    assert_eq!(ok(&policy(true, false), ""), head(URL));
}

#[test]
fn the_whole_tool_needs_allow_intrusive() {
    let d = run(&policy(false, false), "").unwrap_err();
    assert_eq!(d.code, DenyCode::ValidationError);
    assert_eq!(d.field, "target");
    assert!(d.message.contains("allow_intrusive"), "{}", d.message);
}

#[test]
fn host_names_are_pinned_and_passed_as_the_host_header() {
    let p = policy(true, false);
    let argv = run_full(
        &p,
        "http://Web.Lab.Internal:18090/item?id=1&x=2",
        "",
        "",
        &[("web.lab.internal", "10.99.0.9")],
    )
    .unwrap();
    let mut want = head("http://10.99.0.9:18090/item?id=1&x=2");
    want.push("--host=web.lab.internal:18090".into());
    assert_eq!(argv, want);
    assert!(
        !argv
            .iter()
            .any(|a| a.starts_with("--url=") && a.contains("lab.internal"))
    );
}

#[test]
fn ipv6_and_https_urls_keep_their_shape() {
    let mut p = policy(true, false);
    let mut allow = p.scope.allow().to_vec();
    allow.push("fd00::/8".parse().unwrap());
    p.scope = crate::Scope::new(allow, vec![]);
    let argv = run_full(&p, "https://[fd00::5]/a?b=1", "", "", &[]).unwrap();
    assert_eq!(argv, head("https://[fd00::5]/a?b=1"));
    let argv = run_full(
        &p,
        "http://v6.lab.internal/?q=1",
        "",
        "",
        &[("v6.lab.internal", "fd00::7")],
    )
    .unwrap();
    assert!(
        argv.contains(&"--url=http://[fd00::7]/?q=1".to_string()),
        "{argv:?}"
    );
    assert!(
        argv.contains(&"--host=v6.lab.internal".to_string()),
        "{argv:?}"
    );
}

#[test]
fn urls_are_checked() {
    let p = policy(true, false);
    for bad in [
        "10.0.0.5",
        "ftp://10.0.0.5/?a=1",
        "file:///etc/passwd",
        "http://user:pw@10.0.0.5/?a=1",
        "http://10.0.0.5/?a=1#frag",
        "http://10.0.0.5:0/?a=1",
        "http://10.0.0.5:99999/?a=1",
        "http://10.0.0.5:+80/?a=1",
        "http://10.0.0.5/a b?c=1",
        "http://010.0.0.5/?a=1",
        "http:///?a=1",
        "http://10.0.0.5/item",
        "http://[fd00::5/?a=1",
        "http://10.0.0.5/\u{2013}?a=1",
        "-r /etc/passwd",
    ] {
        let d = run_full(&p, bad, "", "", &[]).expect_err(bad);
        assert_eq!(d.field, "target", "{bad}: {}", d.message);
    }
    // A POST body or a * marker gives sqlmap something to test.
    assert!(run_full(&p, "http://10.0.0.5/search", "name=x", "", &[]).is_ok());
    assert!(run_full(&p, "http://10.0.0.5/item/1*", "", "", &[]).is_ok());
}

#[test]
fn the_url_host_is_scope_checked() {
    let p = policy(true, false);
    for (url, hosts) in [
        ("http://8.8.8.8/?a=1", vec![]),
        ("http://169.254.169.254/?a=1", vec![]),
        (
            "http://evil.lab.internal/?a=1",
            vec![("evil.lab.internal", "203.0.113.9")],
        ),
        ("http://example.com/?a=1", vec![("example.com", "10.0.0.1")]),
    ] {
        let d = run_full(&p, url, "", "", &hosts).expect_err(url);
        assert_eq!(
            (d.code, d.field),
            (DenyCode::ScopeDenied, "target"),
            "{url}"
        );
    }
}

#[test]
fn the_data_body_is_rendered_as_one_token() {
    let p = policy(true, false);
    let argv = run_full(&p, "http://10.0.0.5/s", "a=1&b=--os-shell x", "", &[]).unwrap();
    assert!(
        argv.contains(&"--data=a=1&b=--os-shell x".to_string()),
        "{argv:?}"
    );
    assert!(!argv.iter().any(|a| a == "--os-shell"));
    let d = run_full(&p, "http://10.0.0.5/s", "a=\n--os-shell", "", &[]).unwrap_err();
    assert_eq!(d.field, "data");
    let d = run(&p, "--data a=1").unwrap_err();
    assert!(d.message.contains("`data`"), "{}", d.message);
}

#[test]
fn safe_url_hosts_are_scope_checked_and_pinned() {
    let p = policy(true, false);
    let argv = ok(&p, "--safe-url http://10.0.0.6/ok --safe-freq=3");
    assert_eq!(
        tail(&argv),
        ["--safe-url=http://10.0.0.6/ok", "--safe-freq=3"]
    );
    for args in [
        "--safe-url http://8.8.8.8/",
        "--safe-url=http://8.8.8.8/",
        "--safe-url=http://[2001:4860::8888]/",
    ] {
        let d = run(&p, args).expect_err(args);
        assert_eq!(
            (d.code, d.field),
            (DenyCode::ScopeDenied, "extra_args"),
            "{args}"
        );
    }
    // Same host name as the target: resolved once, pinned, rendered as the address.
    let argv = run_full(
        &p,
        "http://web.lab.internal/?a=1",
        "",
        "--safe-url http://web.lab.internal/home",
        &[("web.lab.internal", "10.99.0.9")],
    )
    .unwrap();
    assert!(
        argv.contains(&"--safe-url=http://10.99.0.9/home".to_string()),
        "{argv:?}"
    );
    // Another name: sqlmap has one Host header, so it is refused.
    let d = run_full(
        &p,
        "http://web.lab.internal/?a=1",
        "",
        "--safe-url http://db.lab.internal/",
        &[("web.lab.internal", "10.99.0.9")],
    )
    .unwrap_err();
    assert!(d.message.contains("differs"), "{}", d.message);
    assert!(run(&p, "--safe-freq 2").is_err());
    assert!(
        run(
            &p,
            "--safe-url http://10.0.0.6/ --safe-url http://10.0.0.6/"
        )
        .is_err()
    );
}

#[test]
fn risk_and_level_caps_hold_for_every_spelling() {
    let p = policy(true, false);
    for args in [
        "--risk 2",
        "--risk=2",
        "--level 3",
        "--level=3",
        "--risk=1 --level=1",
    ] {
        ok(&p, args);
    }
    for args in [
        "--risk 3",
        "--risk=3",
        "--level 4",
        "--level=5",
        "--level=05",
        "--risk=+3",
        "--risk 9",
        "--level 0",
        "--risk=",
        "--risk",
        "--risk=2.5",
        "--level=3 --level=3",
    ] {
        deny(&p, args);
    }
    let d = deny(&p, "--risk=3");
    assert!(d.hint.contains("tools.sqlmap.max_risk"), "{}", d.hint);
    let raised = Policy {
        sqlmap: SqlmapLimits {
            max_risk: 3,
            max_level: 5,
            ..SqlmapLimits::default()
        },
        ..p
    };
    assert_eq!(
        tail(&ok(&raised, "--risk 3 --level 5")),
        ["--risk=3", "--level=5"]
    );
}

#[test]
fn enumeration_needs_the_config_switch() {
    let off = policy(true, false);
    let on = policy(true, true);
    for args in [
        "--dump",
        "--dump-all",
        "--passwords",
        "--users",
        "--dbs",
        "--tables",
        "--columns",
        "--schema",
        "--count",
        "--all",
        "-a",
        "--privileges",
        "--roles",
        "--search",
        "--comments",
        "--statements",
        "--common-tables",
        "--common-columns",
        "-D main",
        "-T users",
        "-T=users",
        "-C password",
        "-U admin",
        "-X c",
        "--where=1=1",
        "--start 1",
        "--stop=2",
        "--first 1",
        "--last=2",
        "--pivot-column id",
        "--exclude-sysdbs",
    ] {
        let d = deny(&off, args);
        assert!(d.hint.contains("allow_enumeration"), "{args}: {}", d.hint);
        ok(&on, args);
    }
    // Fingerprinting is not enumeration.
    for args in [
        "-b",
        "--banner",
        "--current-user",
        "--current-db",
        "--hostname",
        "--is-dba",
        "-f",
        "--fingerprint",
    ] {
        ok(&off, args);
    }
    assert_eq!(
        tail(&ok(&on, "--dump -T users -D=main")),
        ["--dump", "-T", "users", "-D", "main"]
    );
}

#[test]
fn refused_families_in_both_spellings() {
    let p = policy(true, true);
    let families: &[(&str, &str)] = &[
        ("-r", "req.txt"),
        ("-l", "burp.log"),
        ("-m", "targets.txt"),
        ("-g", "inurl:id"),
        ("-c", "sqlmap.conf"),
        ("-d", "mysql://u:p@10.0.0.5/db"),
        ("-u", "http://10.0.0.6/?a=1"),
        ("--url", "http://10.0.0.6/?a=1"),
        ("--eval", "import os"),
        ("--tamper", "space2comment"),
        ("--os-cmd", "id"),
        ("--os-shell", ""),
        ("--os-pwn", ""),
        ("--file-read", "/etc/passwd"),
        ("--file-write", "x"),
        ("--file-dest", "/tmp/x"),
        ("--sql-shell", ""),
        ("--sql-query", "SELECT 1"),
        ("--sql-file", "q.sql"),
        ("--proxy", "http://10.0.0.9:8080"),
        ("--proxy-file", "p.txt"),
        ("--tor", ""),
        ("--tor-port", "9050"),
        ("--output-dir", "/tmp"),
        ("-s", "sess.sqlite"),
        ("-t", "traffic.txt"),
        ("--load-cookies", "c.txt"),
        ("--live-cookies", "c.txt"),
        ("--answers", "follow=Y"),
        ("--crawl", "2"),
        ("--forms", ""),
        ("--host", "evil.example"),
        ("--headers", "Host: x"),
        ("--csrf-url", "http://10.0.0.6/"),
        ("--second-url", "http://10.0.0.6/"),
        ("--dns-domain", "x.example"),
        ("--preprocess", "p.py"),
        ("--postprocess", "p.py"),
        ("--alert", "id"),
        ("-z", "flu,bat"),
        ("--purge", ""),
        ("--update", ""),
        ("--shell", ""),
        ("--wizard", ""),
        ("--save", "x.conf"),
        ("--har", "x.har"),
        ("--dump-file", "x"),
        ("--tmp-dir", "/tmp"),
        ("--reg-read", ""),
        ("--udf-inject", ""),
        ("--check-internet", ""),
        ("--auth-cred", "a:b"),
        ("--auth-file", "k.pem"),
        ("--dbms-cred", "a:b"),
        ("--web-root", "/var/www"),
        ("--no-logging", ""),
        ("--api", ""),
    ];
    for (flag, value) in families {
        let spellings = if value.is_empty() {
            vec![flag.to_string(), format!("{flag}=x")]
        } else {
            vec![format!("{flag} '{value}'"), format!("{flag}='{value}'")]
        };
        for args in spellings {
            let d = deny(&p, &args);
            assert!(d.message.contains("not accepted"), "{args}: {}", d.message);
        }
    }
}

#[test]
fn unknown_abbreviated_and_positional_tokens_are_refused() {
    let p = policy(true, true);
    for args in [
        "--dum",
        "-dump",
        "--os-she",
        "--tamper-x",
        "--risk3",
        "-pid",
        "-proxy=http://x",
        "http://10.0.0.6/?a=1",
        "id",
        "--",
        "-",
        "--Dump",
    ] {
        deny(&p, args);
    }
}

#[test]
fn values_can_never_become_options() {
    let p = policy(true, true);
    // Short options take names that cannot start with '-'.
    for args in [
        "-p -r",
        "-p --os-shell",
        "-T '-x'",
        "-p 'id,--eval'",
        "-p roxy=http://x",
    ] {
        deny(&p, args);
    }
    // Long options carry their value in the same token.
    let argv = ok(&p, "--prefix '--os-shell' --string \"a b\" -A 'x --eval=1'");
    assert_eq!(
        tail(&argv),
        [
            "--prefix=--os-shell",
            "--string=a b",
            "--user-agent=x --eval=1"
        ]
    );
    // Newlines and other control characters never pass (no header injection).
    for args in [
        "-H 'X-A: 1\nHost: evil'",
        "--cookie 'a=1\r\nX: y'",
        "--prefix '\t'",
    ] {
        deny(&p, args);
    }
    assert!(run(&p, &format!("--prefix {}", "a".repeat(600))).is_err());
}

#[test]
fn accepted_options_render_canonically() {
    let p = policy(true, false);
    let argv = ok(
        &p,
        "--technique=bu --time-sec 2 -p id,lang --dbms sqlite --level 2 --risk=1 \
         --threads 2 -v 1 -H 'X-Test: 1' --header='X-B: 2' --cookie 'a=1; b=2' \
         --method post --delay=0.5 --timeout 10 --ignore-code 401,403 --union-cols 1-5 \
         -f -b --batch --flush-session",
    );
    assert_eq!(
        tail(&argv),
        [
            "--technique=BU",
            "--time-sec=2",
            "-p",
            "id,lang",
            "--dbms=SQLite",
            "--level=2",
            "--risk=1",
            "--threads=2",
            "-v",
            "1",
            "--header=X-Test: 1",
            "--header=X-B: 2",
            "--cookie=a=1; b=2",
            "--method=POST",
            "--delay=0.5",
            "--timeout=10",
            "--ignore-code=401,403",
            "--union-cols=1-5",
            "--fingerprint",
            "--banner",
        ]
    );
}

#[test]
fn bad_values_are_refused() {
    let p = policy(true, false);
    for args in [
        "--technique=X",
        "--technique=BB",
        "--technique=",
        "--threads 5",
        "--threads=0",
        "-v 4",
        "--method DELETE",
        "--dbms 'Nope DB'",
        "--delay 11",
        "--delay=10.5",
        "--delay=-1",
        "--timeout 0.5",
        "--ignore-code 99",
        "--union-cols 5-1",
        "-H 'Host: evil.example'",
        "-H 'NoColon'",
        "-H 'Bad Name: x'",
        "--param-del ab",
        "--code 700",
        "--time-sec 31",
        "-b=1",
        "--batch=0",
        "--encoding '-x'",
    ] {
        deny(&p, args);
    }
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever extra_args holds, an accepted argv never carries a bare
        /// token that sqlmap could read as a refused option, and always starts
        /// with the server's head.
        #[test]
        fn rendered_argv_is_safe(args in "[ a-zA-Z0-9=,:.'\"/_-]{0,80}") {
            let p = policy(true, true);
            if let Ok(argv) = run(&p, &args) {
                prop_assert_eq!(&argv[..7], &head(URL)[..]);
                for (i, a) in argv.iter().enumerate() {
                    let name = a.split('=').next().unwrap_or("");
                    let refused = super::super::flags::REFUSED.iter().any(|(n, _)| *n == name);
                    prop_assert!(!refused || i < 7, "{a} in {argv:?}");
                }
            }
        }
    }
}

/// `-o` turns on `--threads 3` inside sqlmap (`setOptimize`) when `--threads`
/// is absent, which would run above `tools.sqlmap.max_threads`.
#[test]
fn optimize_switch_is_refused_because_it_raises_threads() {
    let p = policy(true, true);
    let d = deny(&p, "-o");
    assert!(d.message.contains("3 threads"), "{}", d.message);
    assert!(d.message.contains("--keep-alive"), "{}", d.message);
    assert!(!ok(&p, "--keep-alive --null-connection --predict-output").is_empty());
}
