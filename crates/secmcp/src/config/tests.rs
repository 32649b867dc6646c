//! Loading and validation: every problem at once, in plain words; the
//! design's keys and environment; the example config equal to the defaults.

use std::path::{Path, PathBuf};

use secmcp_policy::ToolId;
use serde_json::Value;

use super::load::friendly;
use super::{Config, ConfigError, Settings, Transport, env_vars};
use crate::validate::Problems;

fn write(name: &str, body: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, body).unwrap();
    (dir, path)
}

fn load_str(name: &str, body: &str) -> Result<Settings, ConfigError> {
    let (_d, p) = write(name, body);
    super::load(Some(p), |_| {})
}

fn errors(name: &str, body: &str) -> Vec<String> {
    match load_str(name, body) {
        Ok(_) => panic!("{body} was accepted"),
        Err(e) => e.problems(),
    }
}

#[test]
fn unknown_keys_name_their_path_and_suggest_the_near_one() {
    let e = errors("c.yaml", "security:\n  allowed_target: [loopback]\n");
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].starts_with("security.allowed_target: `allowed_target` is not a setting here (did you mean `allowed_targets`?)"), "{e:?}");
    let e = errors("c.json", r#"{"tools": {"nmap": {"binry": "/x"}}}"#);
    assert!(e[0].starts_with("tools.nmap.binry:"), "{e:?}");
}

#[test]
fn every_mistake_is_reported_in_one_run_in_plain_words() {
    let e = errors(
        "c.yaml",
        "server:\n  port: 0\n  transprt: http\nsecurity:\n  allowed_targets: [loopback, '10.0.0.1/8']\n  \
         max_args_bytes: lots\nlimits:\n  max_concurrent: 0\nlogging:\n  level: loud\n",
    );
    let text = e.join("\n");
    for want in [
        "server.transprt: `transprt` is not a setting here (did you mean `transport`?)",
        "security.max_args_bytes: expected a whole number 0 or more, found string \"lots\"",
        "server.port: 0 is not a port",
        "security.allowed_targets[1]:",
        "limits.max_concurrent: 0 is out of range",
        "logging.level: `loud` is not a log level",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    assert!(
        !text.contains("u16") && !text.contains("u64") && !text.contains("Stdio"),
        "{text}"
    );
    // No field path is printed twice.
    for line in &e {
        let field = line.split(':').next().unwrap();
        assert_eq!(line.matches(field).count(), 1, "{line}");
    }
}

#[test]
fn an_indentation_slip_is_called_one() {
    let e = errors("c.yaml", "server:\n  transport: http\n   port: 8080\n");
    assert!(e[0].contains("indent"), "{e:?}");
    assert!(
        friendly(
            "unknown variant `http port`, expected `stdio` or `http`",
            "server.transport"
        )
        .contains("indented too deep"),
    );
}

#[test]
fn bad_scope_entries_name_their_index_and_wide_scopes_need_the_switch() {
    let e = errors(
        "c.yaml",
        "security:\n  allowed_targets: [loopback, '10.0.0.1/8', 0.0.0.0/0]\n",
    );
    assert!(
        e[0].starts_with("security.allowed_targets[1]") && e[0].contains("write 10.0.0.0/8"),
        "{e:?}"
    );
    assert!(
        e[1].starts_with("security.allowed_targets[2]") && e[1].contains("allow_wide_scope"),
        "{e:?}"
    );
    let s = load_str(
        "c.yaml",
        "security:\n  allowed_targets: [0.0.0.0/0]\n  allow_wide_scope: true\n",
    )
    .unwrap();
    assert!(s.policy.scope.check_ip("8.8.4.4".parse().unwrap()).is_ok());
}

#[test]
fn an_empty_scope_loads_with_a_warning() {
    let s = load_str("c.yaml", "security:\n  allowed_targets: []\n").unwrap();
    assert!(
        s.warnings
            .iter()
            .any(|w| w.field == "security.allowed_targets"
                && w.message.contains("every target is denied")),
        "{:?}",
        s.warnings
    );
}

#[test]
fn config_show_prints_the_scope_as_enforced() {
    let s = load_str(
        "c.yaml",
        "security:\n  allowed_targets: ['10.0.0.5', '.Lab.Internal', 'Lab.Internal']\n  denied_targets: ['2001:db8::1']\n",
    )
    .unwrap();
    let shown = s.raw.to_redacted_yaml();
    for enforced in [
        "10.0.0.5/32",
        ".lab.internal",
        "- lab.internal",
        "2001:db8::1/128",
    ] {
        assert!(shown.contains(enforced), "{enforced} not in:\n{shown}");
    }
}

#[test]
fn defaults_allow_rfc1918_and_lab_suffix_but_not_loopback() {
    let s = Settings::from_config(Config::default(), false).unwrap();
    assert_eq!(s.transport, Transport::Stdio);
    assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
    assert!(s.policy.scope.check_ip("10.1.2.3".parse().unwrap()).is_ok());
    assert!(
        s.policy
            .scope
            .check_ip("127.0.0.1".parse().unwrap())
            .is_err()
    );
}

#[test]
fn non_loopback_bind_is_refused() {
    let mut c = Config::default();
    c.server.host = "0.0.0.0".into();
    let err = Settings::from_config(c, false).unwrap_err().to_string();
    assert!(err.starts_with("server.host"), "{err}");
    assert!(err.contains("loopback"), "{err}");
}

#[test]
fn out_of_range_values_name_field_and_range() {
    let mut c = Config::default();
    c.tool_defaults.default_timeout_secs = 0;
    let err = Settings::from_config(c, false).unwrap_err().to_string();
    assert_eq!(
        err,
        "tool_defaults.default_timeout_secs: 0 is out of range; allowed 1..=86400"
    );
    let mut c = Config::default();
    c.tools.nmap.scripts = vec!["../evil".into()];
    let err = Settings::from_config(c.clone(), false)
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("tools.nmap.scripts"), "{err}");
    // A real script that a lab run showed reaching other hosts is refused.
    c.tools.nmap.scripts = vec!["http-title".into(), "http-useragent-tester".into()];
    let err = Settings::from_config(c, false).unwrap_err().to_string();
    assert!(
        err.contains("'http-useragent-tester' is not in secmcp's vetted NSE catalog"),
        "{err}"
    );
}

#[test]
fn operations_sections_name_field_and_range() {
    // The first problem (a cap that depends on the edited one may follow).
    let err = |edit: fn(&mut Config)| {
        let mut c = Config::default();
        edit(&mut c);
        Settings::from_config(c, false)
            .unwrap_err()
            .problems()
            .remove(0)
    };
    assert_eq!(
        err(|c| c.circuit_breaker.failure_threshold = 0),
        "circuit_breaker.failure_threshold: 0 is out of range; allowed 1..=1000"
    );
    assert_eq!(
        err(|c| c.limits.max_concurrent = 0),
        "limits.max_concurrent: 0 is out of range; allowed 1..=1024"
    );
    assert!(err(|c| c.metrics.prefix = "9x".into()).starts_with("metrics.prefix: "));
    assert_eq!(
        err(|c| c.health.cpu_threshold_percent = 101),
        "health.cpu_threshold_percent: 101 is out of range; allowed 1..=100"
    );
    assert_eq!(
        err(|c| c.tools.nmap.concurrency = 5000),
        "tools.nmap.concurrency: 5000 is out of range; allowed 1..=1024"
    );
    assert!(err(|c| c.logging.file = "rel/log".into()).starts_with("logging.file: "));
    assert_eq!(
        err(|c| c.audit.file = "audit.jsonl".into()),
        "audit.file: `audit.jsonl` is not an absolute file path"
    );
    assert_eq!(
        err(|c| c.audit.max_file_bytes = 100),
        "audit.max_file_bytes: 100 is out of range; allowed 65536..=1099511627776"
    );
    assert_eq!(
        err(|c| c.logging.max_files = 0),
        "logging.max_files: 0 is out of range; allowed 1..=100"
    );
}

#[test]
fn tool_concurrency_reaches_the_settings() {
    let mut c = Config::default();
    c.tools.nmap.concurrency = 3;
    let s = Settings::from_config(c, false).unwrap();
    assert_eq!(s.tool(ToolId::Nmap).concurrency, Some(3));
    assert_eq!(s.tool(ToolId::Dig).concurrency, None);
}

#[test]
fn include_and_exclude_patterns_choose_the_tools() {
    let s = load_str(
        "c.yaml",
        "tool:\n  include_patterns: ['n*', 'dig']\n  exclude_patterns: ['?map-never']\n",
    )
    .unwrap();
    let offered: Vec<&str> = ToolId::ALL
        .iter()
        .filter(|id| s.tool(**id).enabled)
        .map(|id| id.as_str())
        .collect();
    assert_eq!(offered, ["nmap", "dig"]);
    let s = load_str("c.yaml", "tool_defaults:\n  exclude_patterns: ['*']\n").unwrap();
    assert!(ToolId::ALL.iter().all(|id| !s.tool(*id).enabled));
}

#[test]
fn example_config_is_valid_and_shows_the_defaults() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/secmcp.example.yaml");
    let s = super::load(Some(path), |_| {}).unwrap();
    let mut example = s.raw.clone();
    let mut defaults = Settings::from_config(Config::default(), false).unwrap().raw;
    example.tools.gobuster.wordlist_roots.sort();
    defaults.tools.gobuster.wordlist_roots.sort();
    assert_eq!(
        yaml_serde::to_string(&example).unwrap(),
        yaml_serde::to_string(&defaults).unwrap(),
        "config/secmcp.example.yaml drifted from the embedded defaults"
    );
}

#[test]
fn example_config_documents_every_setting() {
    let example = crate::cli::EXAMPLE_CONFIG;
    let raw = serde_json::to_value(Config::default()).unwrap();
    for (section, value) in raw.as_object().unwrap() {
        assert!(example.contains(&format!("\n{section}:\n")), "{section}");
        if section == "tools" {
            continue;
        }
        for key in value.as_object().unwrap().keys() {
            assert!(
                example.contains(&format!("\n  {key}:")),
                "{section}.{key} is not in the example"
            );
        }
    }
    assert_eq!(
        example.matches("\n    concurrency: 0\n").count(),
        ToolId::ALL.len()
    );
}

/// The design's "Customizing Configuration" example (with the HTTP host on
/// loopback) loads, and every value lands in the setting of the same meaning.
#[test]
fn the_design_example_config_loads_with_every_value() {
    let s = load_str(
        "design.yaml",
        r#"
database:
  url: "postgresql://user:password@localhost/mcp"
  pool_size: 20
  max_overflow: 30

security:
  max_args_length: 4096
  max_output_size: 2097152
  timeout_seconds: 600
  concurrency_limit: 5

circuit_breaker:
  failure_threshold: 10
  recovery_timeout: 120.0

metrics:
  enabled: true
  prometheus_enabled: true
  prometheus_port: 9091

logging:
  level: "DEBUG"
  file_path: "/var/log/mcp/server.log"

server:
  host: "127.0.0.1"
  port: 8081
  transport: "http"
  workers: 4

tool:
  default_timeout: 600
  default_concurrency: 5
"#,
    )
    .unwrap();
    let r = &s.raw;
    assert_eq!(r.database.url, "postgresql://user:password@localhost/mcp");
    assert_eq!((r.database.pool_size, r.database.max_overflow), (20, 30));
    assert_eq!(s.policy.max_args_bytes, 4096);
    assert_eq!(s.max_output_bytes, 2_097_152);
    assert_eq!(s.default_timeout.as_secs(), 600);
    assert_eq!(s.limits.max_concurrent_per_tool, 5);
    assert_eq!(s.circuit_breaker.failure_threshold, 10);
    assert_eq!(s.circuit_breaker.recovery_timeout_secs, 120);
    assert!(s.metrics.enabled);
    assert_eq!(s.metrics.prometheus_port, 9091);
    assert_eq!(s.logging.level, "DEBUG");
    assert_eq!(s.logging.file, "/var/log/mcp/server.log");
    assert_eq!(s.listen.to_string(), "127.0.0.1:8081");
    assert_eq!(s.transport, Transport::Http);
    let warned: Vec<&str> = s.warnings.iter().map(|w| w.field.as_str()).collect();
    assert!(warned.contains(&"server.workers"), "{warned:?}");
    // `config show` prints our names, and never the password.
    let shown = r.to_redacted_yaml();
    assert!(
        shown.contains("max_args_bytes: 4096") && !shown.contains("max_args_length"),
        "{shown}"
    );
    assert!(!shown.contains("password@"), "{shown}");
}

#[test]
fn the_design_environment_names_set_their_settings() {
    let env: std::collections::HashMap<&str, &str> = [
        ("MCP_LOGGING_LEVEL", "DEBUG"),
        ("MCP_METRICS_PROMETHEUS_PORT", "9091"),
        ("MCP_TOOL_DEFAULT_TIMEOUT", "120"),
        ("MCP_SECURITY_MAX_ARGS_LENGTH", "4096"),
        ("MCP_LOGGING_FILE_PATH", "/var/log/mcp.log"),
        ("MCP_HEALTH_CPU_THRESHOLD", "75.5"),
        ("MCP_CIRCUIT_BREAKER_RECOVERY_TIMEOUT", "30.5"),
        ("MCP_HEALTH_CHECK_INTERVAL", "15.0"),
        ("MCP_SERVER_PORT", "8081"),
        ("MCP_DATABASE_POOL_SIZE", "7"),
    ]
    .into();
    let mut v = Value::Object(Default::default());
    let mut p = Problems::default();
    env_vars::apply_from(&mut v, &mut p, |names, _| {
        names
            .iter()
            .find_map(|n| env.get(n).map(|v| (*n, (*v).to_owned())))
    });
    assert!(p.is_ok(), "{:?}", p.errors);
    let c: Config = serde_json::from_value(v).unwrap();
    assert_eq!(c.logging.level, "DEBUG");
    assert_eq!(c.metrics.prometheus_port, 9091);
    assert_eq!(c.tool_defaults.default_timeout_secs, 120);
    assert_eq!(c.security.max_args_bytes, 4096);
    assert_eq!(c.logging.file, "/var/log/mcp.log");
    assert_eq!(c.health.cpu_threshold_percent, 76);
    assert_eq!(c.circuit_breaker.recovery_timeout_secs, 31);
    assert_eq!(c.health.check_interval_secs, 15);
    assert_eq!(c.server.port, 8081);
    assert_eq!(c.database.pool_size, 7);
}

/// README's environment table lists exactly the names of `env_vars`.
#[test]
fn the_readme_table_lists_every_variable() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .unwrap();
    let section = readme
        .split("### Environment variables")
        .nth(1)
        .expect("README has an environment section")
        .split("\n#")
        .next()
        .unwrap();
    // The first cell of each table row names the variables.
    let mut documented: Vec<&str> = section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .flat_map(|l| {
            l.split('|')
                .nth(1)
                .unwrap_or("")
                .split('`')
                .skip(1)
                .step_by(2)
        })
        .collect();
    documented.sort_unstable();
    documented.dedup();
    let mut known: Vec<&str> = env_vars::VARS
        .iter()
        .flat_map(|v| v.names.iter().copied())
        .chain(env_vars::CONFIG_FILE.iter().copied())
        .collect();
    known.sort_unstable();
    assert_eq!(
        documented, known,
        "README's environment table and env_vars.rs differ"
    );
}

#[test]
fn masscan_and_dig_sections_are_validated_into_the_policy() {
    let s = Settings::from_config(Config::default(), true).unwrap();
    assert_eq!(
        s.policy.masscan,
        secmcp_policy::masscan::MasscanLimits::default()
    );
    assert_eq!(s.policy.dig, secmcp_policy::dig::DigLimits::default());
    let mut c = Config::default();
    c.tools.masscan.adapter = "msv0".into();
    c.tools.masscan.router_ip = "10.99.1.7".into();
    c.tools.masscan.router_mac = "02:AA:bb:cc:dd:ee".into();
    c.tools.dig.default_server = "10.99.0.53".into();
    let s = Settings::from_config(c, true).unwrap();
    let a = &s.policy.masscan.adapter;
    assert_eq!(a.adapter.as_deref(), Some("msv0"));
    assert_eq!(a.router_mac.as_deref(), Some("02-aa-bb-cc-dd-ee"));
    assert_eq!(
        s.policy.dig.default_server,
        Some("10.99.0.53".parse().unwrap())
    );
    type Edit = fn(&mut Config);
    let cases: [(Edit, &str); 8] = [
        (
            |c| c.tools.masscan.adapter = "-oJ".into(),
            "tools.masscan.adapter",
        ),
        (
            |c| c.tools.masscan.adapter_ip = "x".into(),
            "tools.masscan.adapter_ip",
        ),
        (
            |c| c.tools.masscan.router_mac = "zz".into(),
            "tools.masscan.router_mac",
        ),
        (
            |c| c.tools.masscan.max_rate_pps = 0,
            "tools.masscan.max_rate_pps",
        ),
        (
            |c| c.tools.masscan.safe_rate_pps = 20_000,
            "tools.masscan.safe_rate_pps",
        ),
        (
            |c| c.tools.masscan.max_cidr_addresses = 100_000,
            "tools.masscan.max_cidr_addresses",
        ),
        (
            |c| c.tools.masscan.default_wait_secs = 61,
            "tools.masscan.default_wait_secs",
        ),
        (
            |c| c.tools.dig.default_server = "ns.lab.internal".into(),
            "tools.dig.default_server",
        ),
    ];
    for (edit, field) in cases {
        let mut c = Config::default();
        edit(&mut c);
        let e = Settings::from_config(c, true).unwrap_err().problems();
        assert!(e.iter().any(|p| p.starts_with(field)), "{field}: {e:?}");
    }
}

#[test]
fn gobuster_and_hydra_fields_are_validated_by_name() {
    type Edit = fn(&mut Config);
    let cases: &[(&str, Edit)] = &[
        ("tools.gobuster.wordlist_roots[0]", |c| {
            c.tools.gobuster.wordlist_roots = vec!["wordlists".into()]
        }),
        ("tools.gobuster.wordlist_aliases.Bad", |c| {
            c.tools.gobuster.wordlist_aliases = [("Bad".into(), "/x".into())].into()
        }),
        ("tools.gobuster.wordlist_aliases.x", |c| {
            c.tools.gobuster.wordlist_aliases = [("x".into(), "/a/../b".into())].into()
        }),
        ("tools.gobuster.max_threads", |c| {
            c.tools.gobuster.max_threads = 0
        }),
        ("tools.gobuster.default_threads", |c| {
            c.tools.gobuster.default_threads = 50
        }),
        ("tools.gobuster.dns_resolver", |c| {
            c.tools.gobuster.dns_resolver = "10.0.0.1:x".into()
        }),
        ("tools.hydra.services[0]", |c| {
            c.tools.hydra.services = vec!["sshkey".into()]
        }),
        ("tools.hydra.services[1]", |c| {
            c.tools.hydra.services = vec!["ssh".into(), "telnet2".into()]
        }),
        ("tools.hydra.list_roots[0]", |c| {
            c.tools.hydra.list_roots = vec!["/a/./b".into()]
        }),
        ("tools.hydra.default_tasks", |c| {
            c.tools.hydra.default_tasks = 0
        }),
    ];
    for (field, edit) in cases {
        let mut c = Config::default();
        edit(&mut c);
        let e = Settings::from_config(c, false).unwrap_err().problems();
        assert!(e.iter().any(|p| p.starts_with(*field)), "{field}: {e:?}");
    }
}

#[test]
fn wrong_extension_is_refused() {
    assert!(matches!(
        load_str("c.toml", "x = 1"),
        Err(ConfigError::Extension(_))
    ));
}

#[test]
fn auth_problems_are_all_reported_at_once() {
    let digest = crate::auth::digest_hex("smcp_x");
    let body = serde_json::json!({
        "security": {"allowed_targets": ["loopback", "10.0.0.0/16", ".lab.internal"]},
        "auth": {
            "api_keys": [
                {"name": "alice", "sha256": digest, "role": "ghost"},
                {"name": "alice", "sha256": digest},
                {"name": "bob", "sha256": "smcp_oops"},
                {"name": "no spaces", "sha256": "1234"},
            ],
            "roles": {"dns": {
                "tools": ["dig", "nmapp"],
                "allowed_targets": ["10.0.1.0/24", "10.1.0.0/24", ".internal"],
            }},
            "stdio_role": "nobody",
        },
    })
    .to_string();
    let e = errors("c.json", &body);
    let has = |field: &str, words: &str| {
        assert!(
            e.iter().any(|p| p.starts_with(field) && p.contains(words)),
            "{field} / {words} not in {e:#?}"
        );
    };
    has(
        "auth.api_keys[0].role",
        "`ghost` is not in auth.roles (defined: dns)",
    );
    has("auth.api_keys[1].name", "names another key");
    has("auth.api_keys[1].sha256", "same digest");
    has("auth.api_keys[2].sha256", "holds a key, not its digest");
    has("auth.api_keys[3].name", "1-64 letters");
    has("auth.api_keys[3].sha256", "64-character hex SHA-256");
    has("auth.roles.dns.tools[1]", "`nmapp` is not a tool");
    has(
        "auth.roles.dns.allowed_targets[1]",
        "beyond the server's scope",
    );
    has(
        "auth.roles.dns.allowed_targets[2]",
        "beyond the server's scope",
    );
    has("auth.stdio_role", "`nobody` is not in auth.roles");
    // 10.0.1.0/24 is inside the server's 10.0.0.0/16: not reported.
    assert!(
        !e.iter()
            .any(|p| p.starts_with("auth.roles.dns.allowed_targets[0]")),
        "{e:#?}"
    );
    assert_eq!(e.len(), 10, "{e:#?}");
}

#[test]
fn a_non_loopback_listener_needs_keys_and_a_named_proxy() {
    let digest = crate::auth::digest_hex("smcp_x");
    let base = "server:\n  transport: http\n  host: 0.0.0.0\n";
    let e = errors("c.yaml", base);
    assert!(
        e.iter()
            .any(|p| p.starts_with("server.host") && p.contains("auth.api_keys")),
        "{e:?}"
    );
    let keyed = format!("{base}auth:\n  api_keys: [{{name: a, sha256: {digest}}}]\n");
    assert!(load_str("c.yaml", &keyed).is_err(), "keys without a proxy");
    let proxied = format!(
        "{base}  behind_proxy: true\n  allowed_hosts: [lab1.example.net]\n{}",
        &keyed[base.len()..]
    );
    let s = load_str("c.yaml", &proxied).unwrap();
    assert!(s.may_listen_publicly());
    assert_eq!(
        s.allowed_hosts,
        ["lab1.example.net", "lab1.example.net:8080"]
    );
    // A proxy without keys is still loopback-only.
    let e = errors("c.yaml", &format!("{base}  behind_proxy: true\n"));
    assert!(e.iter().any(|p| p.starts_with("server.host")), "{e:?}");
}

#[test]
fn tls_served_by_secmcp_lets_an_authenticated_listener_go_public_and_is_checked_at_load() {
    let dir = tempfile::tempdir().unwrap();
    let digest = crate::auth::digest_hex("smcp_x");
    let keyed = format!(
        "server:\n  transport: http\n  host: 0.0.0.0\n  tls:\n    cert_file: {0}/c.pem\n    key_file: {0}/k.pem\nauth:\n  api_keys: [{{name: a, sha256: {digest}}}]\n",
        dir.path().display()
    );
    // Missing files are named, with the field.
    let e = errors("c.yaml", &keyed);
    assert!(
        e.iter()
            .any(|p| p.starts_with("server.tls.cert_file") && p.contains("c.pem")),
        "{e:?}"
    );
    // A file that is not PEM.
    std::fs::write(dir.path().join("c.pem"), "not a certificate").unwrap();
    let e = errors("c.yaml", &keyed);
    assert!(
        e.iter().any(|p| p.contains("holds no PEM certificate")),
        "{e:?}"
    );
    // The same from the environment (MCP_SERVER_TLS_*), nested under server.tls.
    let e = env_errors(&[
        ("MCP_SERVER_TLS_CERT_FILE", "/nonexistent/c.pem"),
        ("MCP_SERVER_TLS_KEY_FILE", "/nonexistent/k.pem"),
    ]);
    assert!(
        e.iter()
            .any(|p| p.starts_with("server.tls.cert_file") && p.contains("/nonexistent/c.pem")),
        "{e:?}"
    );
    // One file without the other.
    let half = "server:\n  tls:\n    cert_file: /etc/x.pem\n";
    let e = errors("c.yaml", half);
    assert!(
        e.iter()
            .any(|p| p.starts_with("server.tls:") && p.contains("both")),
        "{e:?}"
    );
}

#[test]
fn a_role_view_has_only_its_tools_scope_and_intrusive_switch() {
    let body = serde_json::json!({
        "security": {"allowed_targets": ["loopback"], "allow_intrusive": true},
        "tools": {"dig": {"enabled": true}},
        "auth": {"roles": {
            "dns": {"tools": ["dig"], "allowed_targets": ["127.0.0.1"]},
            "ops": {"allow_intrusive": true, "denied_targets": ["127.0.0.9"]},
        }},
    })
    .to_string();
    let s = load_str("c.json", &body).unwrap();
    let dns = s.for_role("dns");
    assert!(dns.tool(ToolId::Dig).enabled);
    assert!(!dns.tool(ToolId::Nmap).enabled);
    assert!(
        !dns.policy.allow_intrusive,
        "roles default to no intrusive runs"
    );
    assert!(
        dns.policy
            .scope
            .check_ip("127.0.0.1".parse().unwrap())
            .is_ok()
    );
    assert!(
        dns.policy
            .scope
            .check_ip("127.0.0.2".parse().unwrap())
            .is_err()
    );
    let ops = s.for_role("ops");
    assert!(ops.policy.allow_intrusive);
    assert!(ops.tool(ToolId::Nmap).enabled);
    assert!(
        ops.policy
            .scope
            .check_ip("127.0.0.2".parse().unwrap())
            .is_ok()
    );
    let m = ops
        .policy
        .scope
        .check_ip("127.0.0.9".parse().unwrap())
        .unwrap_err()
        .message;
    assert!(m.contains("auth.roles.ops.denied_targets"), "{m}");
    // A role the config does not define sees nothing.
    let ghost = s.for_role("ghost");
    assert!(ToolId::ALL.iter().all(|id| !ghost.tool(*id).enabled));
}

#[test]
fn storage_mistakes_are_reported_together_and_the_url_stays_secret() {
    let e = errors(
        "storage.yaml",
        r#"
database:
  url: "mysql://admin:hunter2@db/x"
  pool_size: 0
storage:
  data_dir: relative/dir
  result_budget_bytes: 10
  write_timeout_ms: 0
  max_total_bytes: 5
"#,
    );
    let all = e.join("\n");
    for field in [
        "database.url",
        "database.pool_size",
        "storage.data_dir",
        "storage.result_budget_bytes",
        "storage.write_timeout_ms",
        "storage.max_total_bytes",
    ] {
        assert!(all.contains(field), "{field} missing in:\n{all}");
    }
    assert!(!all.contains("hunter2"), "{all}");
}

/// Found by the config_load fuzz target: a database URL without a scheme
/// (`user:password@host/db`) was quoted whole in the problem, password
/// included, because URL redaction finds no userinfo without `://`.
#[test]
fn a_non_postgresql_database_url_never_shows_its_password() {
    for (url, says) in [
        ("u:hunter2@db/runs", "does not start with a URL scheme"),
        (
            "mysql://admin:hunter2@db/x",
            "`mysql:` is not a PostgreSQL URL scheme",
        ),
        ("u:hunter2@h://x", "does not start with a URL scheme"),
        (
            "postgresql:/u:hunter2@db",
            "does not start with a URL scheme",
        ),
        ("db?password=hunter2", "does not start with a URL scheme"),
    ] {
        for e in [
            errors("c.yaml", &format!("database:\n  url: '{url}'\n")),
            env_errors(&[("SECMCP_DATABASE_URL", url)]),
        ] {
            let all = e.join("\n");
            assert!(all.contains(says), "{url}: {all}");
            assert!(!all.contains("hunter2"), "{url}: {all}");
        }
    }
}

/// Problems of a load with no file and the environment `vars`.
fn env_errors(vars: &[(&'static str, &str)]) -> Vec<String> {
    let r = super::load_from(
        None,
        |names: &[&'static str], _| {
            names
                .iter()
                .find_map(|n| vars.iter().find(|(k, _)| k == n))
                .map(|(k, v)| (*k, (*v).to_owned()))
        },
        false,
        |_| {},
    );
    match r {
        Ok(_) => panic!("{vars:?} was accepted"),
        Err(e) => e.problems(),
    }
}

/// Found while writing the config_load fuzz target: problems quote what
/// the operator wrote, so a value with a newline or an escape sequence made
/// a problem span lines or drive the terminal, and a config with hundreds of
/// bad entries gave hundreds of problems (beyond MAX_PROBLEMS). Now each is
/// one bounded line, and there are at most MAX_PROBLEMS.
#[test]
fn problems_are_single_bounded_lines_and_at_most_max_problems() {
    let e = env_errors(&[("SECMCP_LOG_LEVEL", "loud\n\u{1b}[2Jfake: ok")]);
    assert!(e.iter().all(|p| !p.chars().any(char::is_control)), "{e:?}");
    assert!(e.join("").contains("\\n\\u{1b}[2J"), "{e:?}");
    let long = "x".repeat(100_000);
    let e = env_errors(&[("SECMCP_SERVER_HOST", long.as_str())]);
    assert!(
        e[0].chars().count()
            <= crate::validate::MAX_FIELD_CHARS + 2 + crate::validate::MAX_MESSAGE_CHARS
    );
    let many = (0..300)
        .map(|i| format!("bad{i}/77"))
        .collect::<Vec<_>>()
        .join(",");
    let e = env_errors(&[("SECMCP_ALLOWED_TARGETS", many.as_str())]);
    assert_eq!(e.len(), crate::validate::MAX_PROBLEMS, "{e:?}");
    assert!(
        e.last().unwrap().contains("more problems not shown"),
        "{e:?}"
    );
}

#[test]
fn a_postgresql_url_selects_postgresql_with_the_pool_settings() {
    let s = load_str(
        "pg.yaml",
        "database:\n  url: postgresql://u:pw@db:5432/runs\n  pool_size: 3\n  max_overflow: 4\n  pool_recycle: 600\n",
    )
    .unwrap();
    // The design's pool_recycle replaces a connection after that long.
    assert_eq!(
        s.storage.store_config().max_lifetime,
        Some(std::time::Duration::from_secs(600))
    );
    assert_eq!(
        s.storage.backend,
        secmcp_store::Backend::Postgres {
            url: "postgresql://u:pw@db:5432/runs".into(),
            pool_size: 3,
            max_overflow: 4
        }
    );
    assert_eq!(
        s.storage.backend.display(),
        "postgresql://u:***@db:5432/runs"
    );
    let d = load_str(
        "sqlite.yaml",
        "storage:\n  data_dir: /srv/secmcp\ndatabase:\n  pool_recycle_secs: 0\n",
    )
    .unwrap();
    assert_eq!(d.storage.store_config().max_lifetime, None);
    assert_eq!(
        d.storage.backend,
        secmcp_store::Backend::Sqlite {
            path: "/srv/secmcp/runs.db".into()
        }
    );
}

#[test]
fn approval_modes_load_and_their_mistakes_are_named() {
    let s = load_str(
        "c.yaml",
        "security:\n  allow_intrusive: true\n  approval: operator\n  approval_timeout_secs: 120\n",
    )
    .unwrap();
    assert_eq!(s.approval.mode, super::ApprovalMode::Operator);
    assert_eq!(s.approval.timeout, std::time::Duration::from_secs(120));
    let e = errors(
        "c.yaml",
        "security:\n  approval: operator\n  approval_timeout_secs: 5\nstorage:\n  enabled: false\n",
    );
    assert!(
        e.iter()
            .any(|p| p
                .starts_with("security.approval: `operator` keeps each request in the run store")),
        "{e:?}"
    );
    assert!(
        e.iter()
            .any(|p| p.starts_with("security.approval_timeout_secs:")),
        "{e:?}"
    );
    let e = errors("c.yaml", "security:\n  approval: always\n");
    assert!(e[0].starts_with("security.approval:"), "{e:?}");
    // Without intrusive runs the mode has no effect: accepted with a warning.
    let s = load_str("c.yaml", "security:\n  approval: elicit\n").unwrap();
    assert!(
        s.warnings.iter().any(|w| w.field == "security.approval"),
        "{:?}",
        s.warnings
    );
}
