//! The operator commands: `doctor` on a machine that lacks things and on one
//! that has them, `completions` and `man` generated from the clap definition.

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output};

use clap::CommandFactory;

use crate::util::BIN;

fn run(args: &[&str], wrap: Option<&[&str]>) -> Output {
    let mut cmd = match wrap {
        Some(w) => {
            let mut c = Command::new(w[0]);
            c.args(&w[1..]).arg(BIN);
            c
        }
        None => Command::new(BIN),
    };
    cmd.args(args)
        .env_remove("SECMCP_CONFIG_FILE")
        .env_remove("SECMCP_CONFIG")
        .env_remove("MCP_CONFIG_FILE")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The finding line that starts with `label` and contains `what`, with the
/// fix line under it.
fn finding(report: &str, label: &str, what: &str) -> (String, String) {
    let lines: Vec<&str> = report.lines().collect();
    let i = lines
        .iter()
        .position(|l| l.trim_start().starts_with(label) && l.contains(what))
        .unwrap_or_else(|| panic!("no `{label}` finding with `{what}` in:\n{report}"));
    let fix = lines
        .get(i + 1)
        .and_then(|l| l.trim_start().strip_prefix("fix: "))
        .unwrap_or_else(|| panic!("`{}` has no fix line:\n{report}", lines[i]))
        .to_owned();
    (lines[i].to_owned(), fix)
}

#[test]
fn doctor_names_a_missing_tool_a_missing_wordlist_and_missing_privilege_with_fixes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let config = dir.path().join("c.yaml");
    std::fs::write(
        &config,
        "security:\n  allowed_targets: [loopback]\n  allow_intrusive: true\n\
         tools:\n  nmap:\n    binary: /nonexistent/bin/nmap\n  gobuster:\n    wordlist_aliases:\n      big: /nonexistent/lists/big.txt\n    default_wordlist: big\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    // Root without CAP_NET_RAW/CAP_NET_ADMIN: dropped from the bounding set,
    // so neither secmcp nor anything it starts can get them back.
    let out = run(
        &["doctor", "--config", config],
        Some(&["setpriv", "--bounding-set", "-net_raw,-net_admin", "--"]),
    );
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");

    let (_, fix) = finding(&report, "FAIL", "the nmap binary is not installed");
    assert!(
        fix.contains("tools.nmap.binary is /nonexistent/bin/nmap"),
        "{fix}"
    );

    let (_, fix) = finding(&report, "FAIL", "tools.gobuster.default_wordlist: `big`");
    assert!(fix.contains("web-paths") && fix.contains("\"\""), "{fix}");
    let (line, _) = finding(
        &report,
        "WARN",
        "gobuster alias big -> /nonexistent/lists/big.txt",
    );
    assert!(line.contains("calls naming `big` fail"), "{line}");

    if std::path::Path::new("/usr/bin/masscan").exists() {
        let (line, fix) = finding(&report, "FAIL", "masscan");
        assert!(line.contains("raw-socket privilege"), "{line}");
        assert!(
            fix.contains("AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN"),
            "{fix}"
        );
    }
    assert!(report.contains("no CAP_NET_RAW"), "{report}");
    assert!(
        report.contains("the server cannot do its whole job"),
        "{report}"
    );
}

#[test]
fn doctor_passes_where_the_tools_are_installed_and_privileged() {
    let installed = ["nmap", "masscan", "dig"]
        .iter()
        .all(|t| std::path::Path::new("/usr/bin").join(t).exists());
    if !installed || !secmcp::privilege::has_raw_sockets() {
        // CI runs as root with every tool (scripts/install-test-deps.sh).
        eprintln!("skipped: needs nmap, masscan, dig and CAP_NET_RAW");
        return;
    }
    let out = run(&["doctor"], None);
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{report}");
    for ok in [
        "nmap 7",
        "masscan 1",
        "dig 9",
        "built into the binary: web-paths",
    ] {
        assert!(
            report
                .lines()
                .any(|l| l.trim_start().starts_with("ok") && l.contains(ok)),
            "no ok line with {ok}:\n{report}"
        );
    }
    assert!(report.contains("0 problems"), "{report}");
}

#[test]
fn doctor_reports_an_invalid_config_and_an_empty_scope() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "server:\n  port: 0\n").unwrap();
    let out = run(&["doctor", "--config", bad.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1));
    let (_, fix) = finding(&stdout(&out), "FAIL", "server.port");
    assert!(fix.contains("correct `server.port`"), "{fix}");

    let empty = dir.path().join("empty.yaml");
    std::fs::write(&empty, "security:\n  allowed_targets: []\n").unwrap();
    let out = run(&["doctor", "--config", empty.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1));
    let (_, fix) = finding(&stdout(&out), "FAIL", "every target is denied");
    assert!(fix.contains("security.allowed_targets"), "{fix}");
}

/// Every subcommand name, nested ones included (`check` under `config`).
fn subcommand_names() -> Vec<String> {
    fn walk(c: &clap::Command, out: &mut Vec<String>) {
        for s in c.get_subcommands() {
            out.push(s.get_name().to_owned());
            walk(s, out);
        }
    }
    let mut out = Vec::new();
    walk(&secmcp::cli::Cli::command(), &mut out);
    out
}

#[test]
fn completions_name_every_subcommand_and_bash_accepts_its_script() {
    let names = subcommand_names();
    for n in ["serve", "check", "doctor", "completions", "man"] {
        assert!(names.iter().any(|m| m == n), "{names:?}");
    }
    for shell in ["bash", "zsh", "fish"] {
        let out = run(&["completions", shell], None);
        assert!(out.status.success(), "{shell}");
        let script = stdout(&out);
        for n in &names {
            assert!(script.contains(n.as_str()), "{shell} completion lacks {n}");
        }
        let option = if shell == "fish" {
            "-l config"
        } else {
            "--config"
        };
        assert!(script.contains(option), "{shell} completion lacks {option}");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secmcp.bash");
    std::fs::write(&path, stdout(&run(&["completions", "bash"], None))).unwrap();
    let check = Command::new("bash").arg("-n").arg(&path).output().unwrap();
    assert!(
        check.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    // An unknown shell is refused, naming the ones there are.
    let out = run(&["completions", "tcsh"], None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("bash"));
}

#[test]
fn man_page_is_roff_naming_every_subcommand() {
    let out = run(&["man"], None);
    assert!(out.status.success());
    let page = stdout(&out);
    assert!(
        page.starts_with(".ie") || page.contains(".TH secmcp"),
        "{page}"
    );
    for n in subcommand_names() {
        assert!(page.contains(&n), "the man page lacks {n}");
    }
    for section in [
        ".SH NAME",
        ".SH SYNOPSIS",
        "SECMCP DOCTOR",
        "SECMCP CONFIG CHECK",
    ] {
        assert!(page.contains(section), "no {section}");
    }
    // man(1) renders it without complaint where man is installed.
    if std::path::Path::new("/usr/bin/man").exists() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secmcp.1");
        std::fs::write(&path, &page).unwrap();
        let rendered = Command::new("man")
            .arg("-l")
            .arg(&path)
            .env("MANWIDTH", "80")
            .env("MAN_KEEP_FORMATTING", "0")
            .output()
            .unwrap();
        assert!(rendered.status.success());
        assert!(String::from_utf8_lossy(&rendered.stdout).contains("doctor"));
    }
}
