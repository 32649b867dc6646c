//! The operations layer under fault injection: circuit breakers, limits,
//! health, metrics, hot reload and graceful shutdown, with fake tool scripts
//! standing in for nmap (in process through the rmcp client, and the built
//! binary over stdio).
//!
//! Every tool run here targets only 127.0.0.x (see shared LAB.md), and the
//! fake tools never touch the network.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use secmcp::breaker::BreakerState;
use secmcp::config::{Config, Settings};
use secmcp::dispatch::{Core, ShutdownOutcome};

use crate::util::*;

fn settings(edit: impl FnOnce(&mut Config)) -> Settings {
    crate::util::settings(|c| {
        loopback(c);
        edit(c);
    })
}

// ---- circuit breaker ----------------------------------------------------------

#[tokio::test]
async fn crashes_open_the_breaker_which_half_opens_and_recloses() {
    let dir = tempfile::tempdir().unwrap();
    let flag = dir.path().join("crash");
    std::fs::write(&flag, "").unwrap();
    let fake = fake_tool(
        dir.path(),
        &format!(
            "if [ -e {} ]; then kill -SEGV $$; fi\nexit 0",
            flag.display()
        ),
    );
    let core = Arc::new(Core::new(
        settings(|c| {
            c.tools.nmap.binary = fake.display().to_string();
            c.circuit_breaker.failure_threshold = 3;
            c.circuit_breaker.recovery_timeout_secs = 1;
            c.circuit_breaker.max_recovery_timeout_secs = 1;
            c.circuit_breaker.jitter_percent = 0;
            c.limits.rate_per_minute = 0;
        }),
        CancellationToken::new(),
    ));
    let (client, _) = connect(core.clone()).await;
    for i in 0..3 {
        let t = nmap(&client, "127.0.0.1").await;
        assert!(t.starts_with("execution_error: "), "crash {i}: {t}");
        assert!(t.contains("signal 11"), "{t}");
    }
    assert_eq!(core.breakers().state("nmap"), BreakerState::Open);
    // Open: refused at once with the time until retry, and the tool is not run.
    let t0 = Instant::now();
    let t = nmap(&client, "127.0.0.1").await;
    assert!(t.starts_with("circuit_breaker_open: "), "{t}");
    assert!(t.contains("retry in 1 s"), "{t}");
    assert!(t0.elapsed() < Duration::from_millis(500));
    // The agent can see it.
    let h = client
        .call_tool(call("server_health", json!({})))
        .await
        .unwrap();
    let sc = h.structured_content.clone().unwrap();
    let tool = sc["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "nmap")
        .cloned();
    // The monitor is not started here, so the report is pending; the breaker
    // component is live either way.
    assert!(text(&h).starts_with("status: "), "{}", text(&h));
    if let Some(tool) = tool {
        assert_eq!(tool["breaker"], json!("open"));
    }
    // After the recovery timeout one probe goes through; it works: closed.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    std::fs::remove_file(&flag).unwrap();
    assert_eq!(nmap(&client, "127.0.0.1").await, "ok");
    assert_eq!(core.breakers().state("nmap"), BreakerState::Closed);
    assert_eq!(nmap(&client, "127.0.0.1").await, "ok");

    let m = core.metrics().encode();
    let get = |s: &str| sample(&m, s).unwrap_or_else(|| panic!("no {s} in\n{m}"));
    assert_eq!(
        get(r#"secmcp_tool_executions_total{tool="nmap",outcome="execution_error"}"#),
        3.0
    );
    assert_eq!(
        get(r#"secmcp_tool_executions_total{tool="nmap",outcome="ok"}"#),
        2.0
    );
    for to in ["open", "half_open", "closed"] {
        let key = format!(r#"secmcp_circuit_breaker_transitions_total{{tool="nmap",to="{to}"}}"#);
        assert_eq!(get(&key), 1.0, "{to}");
    }
    assert_eq!(
        get(r#"secmcp_tool_rejections_total{tool="nmap",reason="circuit_breaker_open"}"#),
        1.0
    );
    assert_eq!(get(r#"secmcp_circuit_breaker_state{tool="nmap"}"#), 0.0);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_failed_probe_reopens_and_denials_do_not_count() {
    let dir = tempfile::tempdir().unwrap();
    let fake = fake_tool(dir.path(), "exit 1");
    let core = Arc::new(Core::new(
        settings(|c| {
            c.tools.nmap.binary = fake.display().to_string();
            c.circuit_breaker.failure_threshold = 2;
            c.circuit_breaker.recovery_timeout_secs = 1;
            c.circuit_breaker.max_recovery_timeout_secs = 4;
            c.circuit_breaker.jitter_percent = 0;
            c.limits.rate_per_minute = 0;
        }),
        CancellationToken::new(),
    ));
    let (client, _) = connect(core.clone()).await;
    // Scope denials and bad arguments are not tool failures.
    for _ in 0..5 {
        let t = nmap(&client, "8.8.8.8").await;
        assert!(t.starts_with("scope_denied: "), "{t}");
    }
    assert_eq!(core.breakers().state("nmap"), BreakerState::Closed);
    for _ in 0..2 {
        assert!(
            nmap(&client, "127.0.0.1")
                .await
                .starts_with("execution_error")
        );
    }
    assert_eq!(core.breakers().state("nmap"), BreakerState::Open);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // The probe fails: open again, for twice as long.
    assert!(
        nmap(&client, "127.0.0.1")
            .await
            .starts_with("execution_error")
    );
    let t = nmap(&client, "127.0.0.1").await;
    assert!(t.contains("retry in 2 s"), "{t}");
    client.cancel().await.unwrap();
}

// ---- limits -------------------------------------------------------------------

#[tokio::test]
async fn concurrency_caps_hold_under_a_burst() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    // Each run logs its start and end with a nanosecond clock.
    let fake = fake_tool(
        dir.path(),
        &format!(
            "echo \"S $(date +%s%N)\" >> {0}\nsleep 0.3\necho \"E $(date +%s%N)\" >> {0}",
            log.display()
        ),
    );
    let core = Arc::new(Core::new(
        settings(|c| {
            c.tools.nmap.binary = fake.display().to_string();
            c.tools.nmap.concurrency = 2;
            c.limits.max_concurrent_per_target = 8;
            c.limits.queue_timeout_ms = 20_000;
            c.limits.rate_per_minute = 0;
        }),
        CancellationToken::new(),
    ));
    let (client, _) = connect(core.clone()).await;
    let client = Arc::new(client);
    let mut tasks = Vec::new();
    for i in 0..8 {
        let c = client.clone();
        tasks.push(tokio::spawn(async move {
            nmap(&c, &format!("127.0.0.{}", i + 1)).await
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), "ok");
    }
    let mut events: Vec<(u128, i32)> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| {
            let (k, t) = l.split_once(' ').unwrap();
            (t.parse().unwrap(), if k == "S" { 1 } else { -1 })
        })
        .collect();
    events.sort();
    let (mut now, mut peak) = (0, 0);
    for (_, d) in &events {
        now += d;
        peak = peak.max(now);
    }
    assert_eq!(events.len(), 16);
    assert_eq!(peak, 2, "per-tool cap of 2 exceeded or not used");
}

#[tokio::test]
async fn per_target_cap_queue_and_rate_limit_refuse_with_a_retry_hint() {
    let dir = tempfile::tempdir().unwrap();
    let fake = fake_tool(dir.path(), "sleep 1");
    let core = Arc::new(Core::new(
        settings(|c| {
            c.tools.nmap.binary = fake.display().to_string();
            c.limits.queue_timeout_ms = 200;
            c.limits.rate_per_minute = 0;
        }),
        CancellationToken::new(),
    ));
    let (client, _) = connect(core.clone()).await;
    let client = Arc::new(client);
    let c2 = client.clone();
    let first = tokio::spawn(async move { nmap(&c2, "127.0.0.1").await });
    wait_for("the first run", Duration::from_secs(5), || {
        core.limits().in_flight() == 1
    })
    .await;
    let t = nmap(&client, "127.0.0.1").await;
    assert!(
        t.starts_with("resource_exhausted: target limit reached"),
        "{t}"
    );
    // The hint says how long the run in the way may still take (its
    // timeout), not a guess of a second.
    assert!(t.contains("it ends within 30"), "{t}");
    assert_eq!(first.await.unwrap(), "ok");

    // Rate: a burst of 3 runs, then refusals at once. Calls the policy
    // refuses start nothing and cost the client nothing.
    let quick_dir = dir.path().join("quick");
    std::fs::create_dir(&quick_dir).unwrap();
    let quick = fake_tool(&quick_dir, "exit 0");
    let core = Arc::new(Core::new(
        settings(|c| {
            c.tools.nmap.binary = quick.display().to_string();
            c.limits.rate_per_minute = 60;
            c.limits.burst = 3;
        }),
        CancellationToken::new(),
    ));
    let (client, _) = connect(core.clone()).await;
    for _ in 0..5 {
        let t = nmap(&client, "8.8.8.8").await;
        assert!(t.starts_with("scope_denied"), "{t}");
    }
    let mut refused = 0;
    for _ in 0..5 {
        let t = nmap(&client, "127.0.0.1").await;
        if t.starts_with("resource_exhausted: rate limit reached") {
            refused += 1;
        } else {
            assert_eq!(t, "ok");
        }
    }
    assert_eq!(refused, 2);
    let m = core.metrics().encode();
    assert_eq!(
        sample(
            &m,
            r#"secmcp_tool_rejections_total{tool="nmap",reason="limit_rate"}"#
        ),
        Some(2.0)
    );
}

// ---- processes ----------------------------------------------------------------

#[tokio::test]
async fn a_hanging_tool_and_its_children_are_killed_at_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let fake = fake_tool(
        dir.path(),
        &format!(
            "trap '' TERM\nsleep 60 &\necho $$ $! > {0}.tmp; mv {0}.tmp {0}\nwait",
            pids.display()
        ),
    );
    let core = Arc::new(Core::new(
        settings(|c| {
            c.tools.nmap.binary = fake.display().to_string();
            c.tool_defaults.kill_grace_ms = 200;
        }),
        CancellationToken::new(),
    ));
    let (client, _) = connect(core.clone()).await;
    let r = client
        .call_tool(call(
            "nmap",
            json!({"target": "127.0.0.1", "timeout_sec": 1}),
        ))
        .await
        .unwrap();
    assert!(text(&r).starts_with("timeout: "), "{}", text(&r));
    let pids = read_pids(&pids);
    assert_eq!(pids.len(), 2);
    for pid in pids {
        assert!(!alive(pid), "process {pid} survived the timeout");
    }
    let m = core.metrics().encode();
    assert_eq!(
        sample(&m, r#"secmcp_tool_timeouts_total{tool="nmap"}"#),
        Some(1.0)
    );
    assert_eq!(
        sample(&m, r#"secmcp_tool_in_flight{tool="nmap"}"#),
        Some(0.0)
    );
}

#[tokio::test]
async fn a_missing_binary_is_unusable_in_health_and_not_found_on_call() {
    let core = Arc::new(Core::new(
        settings(|c| {
            c.tools.nmap.binary = "/nonexistent/nmap".into();
        }),
        CancellationToken::new(),
    ));
    core.start_health(Box::new(NoResources));
    wait_for("a health report", Duration::from_secs(20), || {
        core.health().checked_at_unix_secs > 0
    })
    .await;
    let report = core.health();
    let nmap_health = report.tools.iter().find(|t| t.name == "nmap").unwrap();
    assert!(!nmap_health.usable && !nmap_health.available);
    let c = report
        .components
        .iter()
        .find(|c| c.name == "tool:nmap")
        .unwrap();
    assert!(c.message.contains("not installed"), "{}", c.message);
    assert!(!c.message.contains("/nonexistent"), "path leaked");
    let (client, _) = connect(core.clone()).await;
    let t = nmap(&client, "127.0.0.1").await;
    assert!(t.starts_with("not_found: "), "{t}");
    let h = client
        .call_tool(call("server_health", json!({})))
        .await
        .unwrap();
    assert!(text(&h).contains("- nmap: unusable"), "{}", text(&h));
    let resource = client
        .read_resource(rmcp::model::ReadResourceRequestParams::new(
            "secmcp://health",
        ))
        .await
        .unwrap();
    let body = serde_json::to_string(&resource).unwrap();
    assert!(body.contains("not installed"), "{body}");
}

#[tokio::test]
async fn a_wrong_binary_is_not_identified_by_its_version_probe() {
    let dir = tempfile::tempdir().unwrap();
    let fake = fake_tool(dir.path(), "echo 'I am not nmap'");
    let core = Arc::new(Core::new(
        settings(|c| c.tools.nmap.binary = fake.display().to_string()),
        CancellationToken::new(),
    ));
    core.start_health(Box::new(NoResources));
    wait_for("a health report", Duration::from_secs(20), || {
        core.health().checked_at_unix_secs > 0
    })
    .await;
    let report = core.health();
    let t = report.tools.iter().find(|t| t.name == "nmap").unwrap();
    assert!(!t.usable, "{report:?}");
}

// ---- hot reload ----------------------------------------------------------------

#[tokio::test]
async fn a_config_edit_changes_scope_live_and_a_corrupt_one_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let fake = fake_tool(dir.path(), "exit 0");
    let cfg = dir.path().join("secmcp.yaml");
    let write = |scope: &str, extra: &str| {
        std::fs::write(
            &cfg,
            format!(
                "security:\n  allowed_targets: [{scope}]\nlimits:\n  rate_per_minute: 0\n\
                 tools:\n  nmap:\n    binary: {}\n{extra}",
                fake.display()
            ),
        )
        .unwrap();
    };
    write("127.0.0.1/32", "");
    let s = secmcp::config::load(Some(cfg.clone()), |_| {}).unwrap();
    let core = Arc::new(Core::new(s, CancellationToken::new()));
    core.start_health(Box::new(NoResources));
    let stop = CancellationToken::new();
    let reloader = secmcp::reload::Reloader::new(
        core.clone(),
        Some(cfg.clone()),
        Arc::new(|_: &mut Config| {}),
        None,
    );
    let (_reload_tx, reload_rx) = tokio::sync::mpsc::channel(1);
    tokio::spawn(reloader.run(stop.clone(), reload_rx));
    let (client, handler) = connect(core.clone()).await;
    assert_eq!(nmap(&client, "127.0.0.1").await, "ok");
    assert!(nmap(&client, "127.0.0.2").await.starts_with("scope_denied"));

    // Widen the scope: no restart.
    write("127.0.0.2/32", "");
    let t = Instant::now();
    loop {
        if nmap(&client, "127.0.0.2").await == "ok" {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(5), "reload not applied");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(nmap(&client, "127.0.0.1").await.starts_with("scope_denied"));

    // A corrupt edit: rejected, the old scope holds, and it is reported.
    std::fs::write(&cfg, "security:\n  allowed_targets: [127.0.0.1/32\n").unwrap();
    wait_for("the failed reload", Duration::from_secs(5), || {
        core.reload_error().is_some()
    })
    .await;
    assert_eq!(nmap(&client, "127.0.0.2").await, "ok");
    let t = nmap(&client, "127.0.0.1").await;
    assert!(t.starts_with("scope_denied"), "{t}");
    let m = core.metrics().encode();
    assert_eq!(
        sample(&m, r#"secmcp_config_reloads_total{result="failed"}"#),
        Some(1.0)
    );
    assert_eq!(
        sample(&m, r#"secmcp_config_reloads_total{result="ok"}"#),
        Some(1.0)
    );
    let rejected = || {
        core.health()
            .components
            .iter()
            .any(|c| c.name == "config" && c.message.contains("rejected"))
    };
    wait_for(
        "config component degraded",
        Duration::from_secs(10),
        rejected,
    )
    .await;

    // Disabling nmap changes the tool list: the client is told.
    assert_eq!(handler.list_changed.load(Ordering::SeqCst), 0);
    write("127.0.0.2/32", "    enabled: false\n");
    wait_for("tools/list_changed", Duration::from_secs(5), || {
        handler.list_changed.load(Ordering::SeqCst) == 1
    })
    .await;
    assert!(core.reload_error().is_none());
    let tools = client.list_all_tools().await.unwrap();
    assert!(tools.iter().all(|t| t.name != "nmap"));
    assert!(tools.iter().any(|t| t.name == "server_health"));
    stop.cancel();
}

// ---- shutdown -----------------------------------------------------------------

#[tokio::test]
async fn draining_refuses_new_calls_and_kills_after_the_grace() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let fake = fake_tool(
        dir.path(),
        &format!(
            "sleep 60 &\necho $$ $! > {0}.tmp; mv {0}.tmp {0}\nwait",
            pids.display()
        ),
    );
    let kill = CancellationToken::new();
    let core = Arc::new(Core::new(
        settings(|c| {
            c.tools.nmap.binary = fake.display().to_string();
            c.tool_defaults.kill_grace_ms = 200;
        }),
        kill.clone(),
    ));
    let (client, _) = connect(core.clone()).await;
    let client = Arc::new(client);
    let c2 = client.clone();
    let running = tokio::spawn(async move { nmap(&c2, "127.0.0.1").await });
    wait_for("the tool", Duration::from_secs(5), || pids.exists()).await;
    let core2 = core.clone();
    let shutdown = tokio::spawn(async move { core2.shutdown(Duration::from_millis(500)).await });
    wait_for("draining", Duration::from_secs(5), || core.is_draining()).await;
    let t = nmap(&client, "127.0.0.2").await;
    assert!(
        t.starts_with("resource_exhausted: the server is shutting down"),
        "{t}"
    );
    assert_eq!(shutdown.await.unwrap(), ShutdownOutcome::Killed(1));
    let t = running.await.unwrap();
    assert!(t.contains("shutting down"), "{t}");
    for pid in read_pids(&pids) {
        assert!(!alive(pid), "process {pid} survived shutdown");
    }
    assert!(!core.health().ready, "not ready while shutting down");
}

// ---- the built binary ---------------------------------------------------------

struct Server {
    child: Child,
    out: BufReader<std::process::ChildStdout>,
}

impl Server {
    fn stdio(config: &Path) -> Self {
        let mut cmd = Command::new(BIN);
        cmd.args(["serve", "--config"]).arg(config);
        for (k, _) in std::env::vars() {
            if k.starts_with("MCP_") || k.starts_with("SECMCP_") {
                cmd.env_remove(k);
            }
        }
        // The runs go next to the test's config file.
        if let Some(dir) = config.parent() {
            cmd.arg("--data-dir").arg(dir.join("data"));
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let out = BufReader::new(child.stdout.take().unwrap());
        let mut s = Self { child, out };
        s.send(
            json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "t", "version": "1"}}}),
        );
        s.recv();
        s.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        s
    }

    fn send(&mut self, v: Value) {
        let stdin = self.child.stdin.as_mut().unwrap();
        writeln!(stdin, "{v}").unwrap();
        stdin.flush().unwrap();
    }

    fn recv(&mut self) -> Value {
        let mut line = String::new();
        self.out.read_line(&mut line).unwrap();
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("non-JSON on stdout: {line:?}: {e}"))
    }

    fn call_nmap(&mut self, id: u64, target: &str) {
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
            "params": {"name": "nmap", "arguments": {"target": target}}}));
    }

    fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{sig}"), &self.pid().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok);
    }

    fn wait_exit(&mut self, limit: Duration) -> std::process::ExitStatus {
        let t = Instant::now();
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s;
            }
            assert!(t.elapsed() < limit, "server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn config_file(dir: &Path, fake: &Path, extra: &str) -> PathBuf {
    let path = dir.join("secmcp.yaml");
    std::fs::write(
        &path,
        format!(
            "security:\n  allowed_targets: [loopback]\nserver:\n  shutdown_grace_secs: 1\n\
             tool:\n  kill_grace_ms: 200\n{}tools:\n  nmap:\n    binary: {}\n{extra}",
            crate::util::FAKES_REPORT_OUTSIDE,
            fake.display()
        ),
    )
    .unwrap();
    path
}

fn wait_file(path: &Path) {
    let t = Instant::now();
    while !path.exists() {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "{path:?} never appeared"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn sigterm_during_a_scan_kills_it_after_the_grace_and_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let fake = fake_tool(
        dir.path(),
        &format!(
            "trap '' TERM\nsleep 60 &\necho $$ $! > {0}.tmp; mv {0}.tmp {0}\nwait",
            pids.display()
        ),
    );
    let cfg = config_file(dir.path(), &fake, "");
    let mut s = Server::stdio(&cfg);
    s.call_nmap(1, "127.0.0.1");
    wait_file(&pids);
    let t = Instant::now();
    s.signal("TERM");
    let r = s.recv();
    assert_eq!(r["id"], json!(1), "{r}");
    let text = r["result"]["content"][0]["text"].as_str().unwrap_or("");
    assert!(text.contains("shutting down"), "{r}");
    let status = s.wait_exit(Duration::from_secs(10));
    assert_eq!(status.code(), Some(3), "killed runs exit 3");
    assert!(
        t.elapsed() >= Duration::from_millis(900),
        "the grace was not given"
    );
    for pid in read_pids(&pids) {
        assert!(!alive(pid), "process {pid} survived SIGTERM");
    }
}

#[test]
fn sigterm_lets_a_short_scan_finish_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let started = dir.path().join("started");
    let fake = fake_tool(
        dir.path(),
        &format!("touch {}\nsleep 0.3\nexit 0", started.display()),
    );
    let cfg = config_file(dir.path(), &fake, "");
    let mut s = Server::stdio(&cfg);
    s.call_nmap(1, "127.0.0.1");
    wait_file(&started);
    s.signal("TERM");
    let r = s.recv();
    assert_eq!(r["result"]["isError"], json!(false), "{r}");
    let status = s.wait_exit(Duration::from_secs(10));
    assert_eq!(status.code(), Some(0));
}

#[test]
fn a_tool_printing_gigabytes_keeps_server_memory_bounded() {
    let dir = tempfile::tempdir().unwrap();
    // 2 GiB of output, as fast as the pipe takes it.
    let fake = fake_tool(dir.path(), "head -c 2147483648 /dev/zero\nexit 0");
    let cfg = config_file(dir.path(), &fake, "limits:\n  rate_per_minute: 0\n");
    let mut s = Server::stdio(&cfg);
    let before = vm_kib(s.pid(), "VmRSS");
    s.call_nmap(1, "127.0.0.1");
    let r = s.recv();
    assert_eq!(r["id"], json!(1), "{r}");
    let peak = vm_kib(s.pid(), "VmHWM");
    // The default cap keeps 8 MiB of stdout; allow for the runtime and buffers.
    assert!(
        peak < before + 64 * 1024,
        "server peak RSS {peak} KiB (started at {before} KiB) for 2 GiB of tool output"
    );
    eprintln!("2 GiB of tool output: server RSS {before} KiB at start, peak {peak} KiB");
    drop(s.child.stdin.take());
    assert!(s.wait_exit(Duration::from_secs(10)).success());
}

fn vm_kib(pid: i32, key: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{key}:")))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap()
}

#[test]
fn config_init_writes_the_commented_example() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.yaml");
    let ok = Command::new(BIN)
        .args(["config", "init"])
        .arg(&path)
        .status()
        .unwrap();
    assert!(ok.success());
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text, secmcp::cli::EXAMPLE_CONFIG);
    assert!(text.contains("circuit_breaker:") && text.contains("# "));
    // It does not overwrite without --force, and the result is valid.
    let again = Command::new(BIN)
        .args(["config", "init"])
        .arg(&path)
        .status()
        .unwrap();
    assert!(!again.success());
    let check = Command::new(BIN)
        .args(["config", "check", "--config"])
        .arg(&path)
        .status()
        .unwrap();
    assert!(check.success());
}

#[test]
fn env_vars_override_the_file_and_flags_override_env() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.yaml");
    std::fs::write(
        &path,
        "limits:\n  max_concurrent: 4\nserver:\n  port: 9000\n",
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["config", "show", "--config"])
        .arg(&path)
        .env("MCP_MAX_CONCURRENT", "6")
        .env("MCP_RATE_LIMIT_PER_MINUTE", "7")
        .env("SECMCP_RATE_LIMIT_PER_MINUTE", "9")
        .env("MCP_CIRCUIT_BREAKER_FAILURE_THRESHOLD", "3")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let yaml = String::from_utf8(out.stdout).unwrap();
    assert!(yaml.contains("max_concurrent: 6"), "{yaml}");
    assert!(yaml.contains("rate_per_minute: 9"), "SECMCP_ wins: {yaml}");
    assert!(yaml.contains("failure_threshold: 3"), "{yaml}");
    let bad = Command::new(BIN)
        .args(["config", "check", "--config"])
        .arg(&path)
        .env("MCP_CIRCUIT_BREAKER_FAILURE_THRESHOLD", "0")
        .output()
        .unwrap();
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("circuit_breaker.failure_threshold: 0 is out of range; allowed 1..=1000"),
        "{err}"
    );
}

/// `MCP_ALLOWED_TARGETS=""` and `" , "` both set an empty scope (deny all);
/// neither leaves the file's scope in force.
#[test]
fn an_empty_scope_variable_is_an_empty_scope() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.yaml");
    std::fs::write(&path, "security:\n  allowed_targets: [10.0.0.0/8]\n").unwrap();
    for value in ["", " , "] {
        let out = Command::new(BIN)
            .args(["config", "show", "--config"])
            .arg(&path)
            .env("MCP_ALLOWED_TARGETS", value)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let yaml = String::from_utf8(out.stdout).unwrap();
        assert!(yaml.contains("allowed_targets: []"), "{value:?}: {yaml}");
    }
}
