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

    // A public /20 and (with allow_wide_scope) a /4 load, and are pointed out.
    let wide = dir.path().join("wide.yaml");
    std::fs::write(
        &wide,
        "security:\n  allowed_targets: [198.18.16.0/20, 16.0.0.0/4]\n  allow_wide_scope: true\n",
    )
    .unwrap();
    let out = run(&["doctor", "--config", wide.to_str().unwrap()], None);
    let report = stdout(&out);
    let (_, fix) = finding(
        &report,
        "WARN",
        "198.18.16.0/20 is a public network of 4096 addresses",
    );
    assert!(fix.contains("written authorisation"), "{fix}");
    let (_, fix) = finding(&report, "WARN", "16.0.0.0/4 is wider than a /8");
    assert!(fix.contains("allow_wide_scope"), "{fix}");
}

/// The `store` section of a report: its finding lines with their fix lines.
fn store_section(report: &str) -> String {
    report
        .split("\nstore\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no store section in:\n{report}"))
        .split("\n\n")
        .next()
        .unwrap()
        .to_owned()
}

fn loopback_config(dir: &std::path::Path, extra: &str) -> String {
    let config = dir.join("c.yaml");
    std::fs::write(
        &config,
        format!("security:\n  allowed_targets: [loopback]\n{extra}"),
    )
    .unwrap();
    config.to_str().unwrap().to_owned()
}

/// Tests run as root, which passes every permission bit: an unwritable data
/// directory is one under a regular file, or one on a read-only bind mount
/// (in a mount namespace of the `doctor` process's own).
#[test]
fn doctor_fails_on_a_data_dir_the_server_cannot_write_and_says_how_to_fix_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = loopback_config(dir.path(), "");
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let under_file = file.join("data");
    let out = run(
        &[
            "doctor",
            "--config",
            &config,
            "--data-dir",
            under_file.to_str().unwrap(),
        ],
        None,
    );
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    let (line, fix) = finding(&report, "FAIL", "cannot create it");
    assert!(
        line.contains(&format!("{} is not a directory", file.display())),
        "{line}"
    );
    assert!(
        fix.contains("--data-dir, MCP_DATA_DIR or storage.data_dir"),
        "{fix}"
    );
    assert!(!file.with_file_name("data").exists());

    // The same directory through MCP_DATA_DIR, as `serve` would read it.
    let out = Command::new(BIN)
        .args(["doctor", "--config", &config])
        .env("MCP_DATA_DIR", &under_file)
        .env_remove("SECMCP_DATA_DIR")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    finding(&stdout(&out), "FAIL", "cannot create it");

    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    let ro_s = ro.to_str().unwrap();
    let script = format!(
        "mount --bind {ro_s} {ro_s} && mount -o remount,bind,ro {ro_s} && exec \"$0\" \"$@\""
    );
    let out = run(
        &["doctor", "--config", &config, "--data-dir", ro_s],
        Some(&[
            "unshare",
            "-m",
            "--propagation",
            "private",
            "sh",
            "-c",
            &script,
        ]),
    );
    let report = stdout(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (line, fix) = finding(&report, "FAIL", "cannot create files in it");
    assert!(line.contains("Read-only file system"), "{line}");
    assert!(fix.contains("on a writable one"), "{fix}");
}

#[test]
fn doctor_passes_a_good_data_dir_and_reads_the_database_without_writing() {
    let dir = tempfile::tempdir().unwrap();
    let config = loopback_config(dir.path(), "");
    let data = dir.path().join("data");
    let data_s = data.to_str().unwrap();
    // Missing: the server would create it; doctor does not.
    let report = stdout(&run(
        &["doctor", "--config", &config, "--data-dir", data_s],
        None,
    ));
    let store = store_section(&report);
    assert!(
        !store.contains("FAIL") && !store.contains("WARN"),
        "{store}"
    );
    assert!(
        store.contains("does not exist yet: `serve` creates it"),
        "{store}"
    );
    assert!(!data.exists(), "doctor created the data directory");

    // A database the server made (`runs list` opens the store as `serve` does).
    let made = run(
        &["runs", "list", "--config", &config, "--data-dir", data_s],
        None,
    );
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let listing = || {
        let mut v: Vec<_> = std::fs::read_dir(&data)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        v.sort();
        v
    };
    let before = listing();
    let report = stdout(&run(
        &["doctor", "--config", &config, "--data-dir", data_s],
        None,
    ));
    let store = store_section(&report);
    assert!(
        !store.contains("FAIL") && !store.contains("WARN"),
        "{store}"
    );
    let ok_line = |what: &str| {
        store
            .lines()
            .find(|l| l.trim_start().starts_with("ok") && l.contains(what))
            .unwrap_or_else(|| panic!("no ok line with {what}:\n{store}"))
            .to_owned()
    };
    assert!(
        ok_line("is writable by this user").contains("MiB free"),
        "{store}"
    );
    ok_line(&format!(
        "schema version {} is current",
        secmcp_store::Store::schema_version()
    ));
    assert_eq!(listing(), before, "doctor changed the data directory");
}

#[test]
fn doctor_names_an_unreachable_postgresql_with_the_password_masked() {
    let dir = tempfile::tempdir().unwrap();
    // Port 1 on loopback: refused at once (tests run in their own namespace).
    let config = loopback_config(
        dir.path(),
        "database:\n  url: postgresql://secmcp:hunter2@127.0.0.1:1/runs\n",
    );
    let out = run(&["doctor", "--config", &config], None);
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(!report.contains("hunter2"), "{report}");
    let (line, fix) = finding(&report, "FAIL", "postgresql run database");
    assert!(
        line.contains("postgresql://secmcp:***@127.0.0.1:1/runs"),
        "{line}"
    );
    assert!(
        fix.contains("database.url") && fix.contains("PostgreSQL is running"),
        "{fix}"
    );
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
    // roff writes a hyphen as `\-`.
    let plain = page.replace("\\-", "-");
    for n in subcommand_names() {
        assert!(plain.contains(&n), "the man page lacks {n}");
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

/// Runs `client-config CLIENT --write --file FILE ARGS...`.
fn write_client(client: &str, file: &std::path::Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "client-config",
        client,
        "--write",
        "--file",
        file.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run(&args, None)
}

#[test]
fn client_config_write_keeps_other_servers_and_keys_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("lab.yaml");
    std::fs::write(&config, "security:\n  allowed_targets: [loopback]\n").unwrap();
    let config_abs = std::fs::canonicalize(&config).unwrap();
    let bin = std::fs::canonicalize(BIN).unwrap();
    let json_clients = [
        ("claude-desktop", "mcpServers", None),
        ("claude-code", "mcpServers", Some("stdio")),
        ("cursor", "mcpServers", None),
        ("vscode", "servers", Some("stdio")),
    ];
    for (client, key, typ) in json_clients {
        let file = dir.path().join(format!("{client}.json"));
        let before = format!(
            r#"{{"theme": "dark", "{key}": {{"other": {{"command": "/usr/bin/other", "args": ["--x"]}}}}}}"#
        );
        std::fs::write(&file, &before).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let out = write_client(client, &file, &["--config", config.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{client}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let after = std::fs::read_to_string(&file).unwrap();
        let v: serde_json::Value = serde_json::from_str(&after).unwrap();
        assert_eq!(v["theme"], "dark", "{client}");
        assert_eq!(v[key]["other"]["command"], "/usr/bin/other", "{client}");
        let e = &v[key]["secmcp"];
        assert_eq!(e["command"], bin.to_str().unwrap(), "{client}");
        assert_eq!(
            e["args"],
            serde_json::json!(["serve", "--config", config_abs.to_str().unwrap()]),
            "{client}"
        );
        if let Some(t) = typ {
            assert_eq!(e["type"], t, "{client}");
        }
        // The old file is kept, the new one has the old one's mode.
        let bak = dir.path().join(format!("{client}.json.bak"));
        assert_eq!(std::fs::read_to_string(&bak).unwrap(), before);
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{client}");
        // Again: nothing changes, not even the backup.
        std::fs::write(&bak, "marker").unwrap();
        let again = write_client(client, &file, &["--config", config.to_str().unwrap()]);
        assert!(again.status.success());
        assert_eq!(std::fs::read_to_string(&file).unwrap(), after, "{client}");
        assert_eq!(std::fs::read_to_string(&bak).unwrap(), "marker", "{client}");
        assert!(String::from_utf8_lossy(&again.stderr).contains("unchanged"));
        // No temporary file is left behind.
        let stray: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(stray.is_empty(), "{stray:?}");
    }

    // Codex: TOML, comments and other tables kept byte for byte.
    let file = dir.path().join("config.toml");
    let before =
        "model = \"o3\"\n\n# servers\n[mcp_servers.other]\ncommand = \"/usr/bin/other\" # keep\n";
    std::fs::write(&file, before).unwrap();
    let out = write_client("codex", &file, &["--http", "http://127.0.0.1:8080/mcp"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = std::fs::read_to_string(&file).unwrap();
    assert!(after.starts_with(before), "{after}");
    assert!(
        after.contains("[mcp_servers.secmcp]\nurl = \"http://127.0.0.1:8080/mcp\""),
        "{after}"
    );
    let again = write_client("codex", &file, &["--http", "http://127.0.0.1:8080/mcp"]);
    assert!(again.status.success());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), after);

    // A new file is created (with its directory).
    let fresh = dir.path().join("new/.vscode/mcp.json");
    let out = write_client("vscode", &fresh, &["--http", "http://127.0.0.1:8080/mcp"]);
    assert!(out.status.success());
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&fresh).unwrap()).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"servers": {"secmcp": {"type": "http", "url": "http://127.0.0.1:8080/mcp"}}})
    );
}

#[test]
fn client_config_refuses_what_the_client_cannot_read_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mcp.json");
    let broken = "{ // a comment\n \"mcpServers\": {} }";
    std::fs::write(&file, broken).unwrap();
    let out = write_client("cursor", &file, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not valid JSON"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), broken);
    assert!(!dir.path().join("mcp.json.bak").exists());
    // Claude Desktop's file has no remote servers.
    let out = write_client(
        "claude-desktop",
        &file,
        &["--http", "http://127.0.0.1:8080/mcp"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("stdio"));
    // A config that would not load is not written into a client.
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "server:\n  port: 0\n").unwrap();
    let out = run(
        &["client-config", "cursor", "--config", bad.to_str().unwrap()],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("server.port"));
    // Printing writes nothing and names the file the client reads.
    let out = run(&["client-config", "claude-code"], None);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["mcpServers"]["secmcp"]["args"],
        serde_json::json!(["serve"])
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains(".mcp.json"));
}

/// Runs `bin ARGS` as nobody (uid/gid 65534, no supplementary groups).
fn as_nobody(bin: &std::path::Path) -> Command {
    let mut c = Command::new("setpriv");
    c.args([
        "--reuid",
        "65534",
        "--regid",
        "65534",
        "--clear-groups",
        "--",
    ])
    .arg(bin);
    for (k, _) in std::env::vars() {
        if k.starts_with("MCP_") || k.starts_with("SECMCP_") {
            c.env_remove(k);
        }
    }
    c
}

#[test]
fn an_ordinary_user_with_file_capabilities_on_secmcp_scans_with_raw_sockets() {
    use std::io::{BufRead, BufReader, Write};
    let root = secmcp::privilege::RawSocketPrivilege::of_this_process().root;
    if !root || !std::path::Path::new("/usr/bin/nmap").exists() {
        eprintln!("skipped: needs root (to setcap and switch user) and nmap");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let config = dir.path().join("c.yaml");
    // The run store needs a data dir the user can write (nobody has no home).
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::os::unix::fs::chown(&data, Some(65534), Some(65534)).unwrap();
    std::fs::write(
        &config,
        format!(
            "security:\n  allowed_targets: [loopback]\nstorage:\n  data_dir: {}\n",
            data.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
    let plain = dir.path().join("secmcp-plain");
    let capped = dir.path().join("secmcp");
    for b in [&plain, &capped] {
        std::fs::copy(BIN, b).unwrap();
        std::fs::set_permissions(b, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let setcap = Command::new("setcap")
        .arg("cap_net_raw,cap_net_admin+ep")
        .arg(&capped)
        .output()
        .expect("setcap (libcap2-bin) is installed");
    assert!(
        setcap.status.success(),
        "{}",
        String::from_utf8_lossy(&setcap.stderr)
    );

    // Without the file capabilities: no raw sockets (the control).
    let out = as_nobody(&plain)
        .args(["doctor", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let report = stdout(&out);
    assert!(report.contains("no CAP_NET_RAW"), "{report}");

    // With them: secmcp makes them ambient, so its tools inherit them.
    let out = as_nobody(&capped)
        .args(["doctor", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let report = stdout(&out);
    assert!(
        report.contains("CAP_NET_RAW is in the ambient set: the tools inherit it"),
        "{report}"
    );
    assert!(
        report
            .lines()
            .any(|l| l.contains("nmap 7") && l.contains("raw-socket modes allowed")),
        "{report}"
    );

    // And a real SYN scan (raw sockets) of 127.0.0.1 runs through it as nobody.
    let mut child = as_nobody(&capped)
        .args(["serve", "--config"])
        .arg(&config)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut send = |v: serde_json::Value| writeln!(stdin, "{v}").unwrap();
    send(
        serde_json::json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"}}}),
    );
    send(serde_json::json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    send(
        serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "nmap", "arguments": {"target": "127.0.0.1", "extra_args": "-sS -p 1"}}}),
    );
    let response = loop {
        let line = lines.next().expect("a response").unwrap();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        if v["id"] == 1 {
            break v;
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    let result = &response["result"];
    assert_eq!(result["isError"], false, "{response}");
    assert!(result.to_string().contains("127.0.0.1"), "{response}");
}

#[test]
fn doctor_loads_the_oauth_issuers_keys_and_names_the_fix_when_it_cannot() {
    let dir = tempfile::tempdir().unwrap();
    let jwks = dir.path().join("jwks.json");
    let config = dir.path().join("c.yaml");
    std::fs::write(
        &config,
        format!(
            "security:\n  allowed_targets: [loopback]\nauth:\n  roles: {{all: {{}}}}\n  oauth:\n    issuer: https://idp.lab\n    audience: https://scanner.lab/mcp\n    jwks_file: {}\n    scopes: [{{scope: scan, role: all}}]\n",
            jwks.display()
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let report = stdout(&run(&["doctor", "--config", config], None));
    let (line, fix) = finding(&report, "FAIL", "OAuth: the issuer's keys cannot be loaded");
    assert!(line.contains("jwks.json"), "{line}");
    assert!(fix.contains("auth.oauth.jwks_url"), "{fix}");
    std::fs::write(
        &jwks,
        r#"{"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "a", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#,
    )
    .unwrap();
    let report = stdout(&run(&["doctor", "--config", config], None));
    assert!(
        report.contains("OAuth: 1 issuer key(s) loaded from"),
        "{report}"
    );
}
