//! The MCP protocol end to end: in process through the rmcp client, and the
//! built binary over stdio and HTTP with raw JSON-RPC.
//!
//! Tools that run here target only 127.0.0.1 (see shared LAB.md); fake tool
//! scripts stand in where a failure has to be provoked.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::util::*;

#[tokio::test]
async fn tools_list_describes_nmap_for_the_model() {
    let client = client_for(settings(|_| {})).await;
    let tools = client.list_all_tools().await.unwrap();
    let nmap = tools
        .iter()
        .find(|t| t.name == "nmap")
        .expect("nmap listed");
    assert_eq!(nmap.input_schema["type"], json!("object"));
    assert_eq!(nmap.input_schema["required"], json!(["target"]));
    let out = nmap.output_schema.as_ref().expect("output schema");
    assert_eq!(out["type"], json!("object"));
    for key in ["hosts", "argv", "target", "correlation_id", "run"] {
        assert!(
            out["properties"].get(key).is_some(),
            "output schema lacks {key}"
        );
    }
    let a = nmap.annotations.as_ref().unwrap();
    assert_eq!(a.read_only_hint, Some(true));
    assert_eq!(a.destructive_hint, Some(false));
    assert_eq!(a.open_world_hint, Some(true));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn loopback_is_out_of_scope_by_default_and_nothing_runs() {
    // A binary that would leave a trace if it ever ran.
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let fake = fake_tool(dir.path(), &format!("touch {}", marker.display()));
    let client = client_for(settings(|c| {
        c.tools.nmap.binary = fake.display().to_string()
    }))
    .await;
    for target in ["127.0.0.1", "8.8.8.8", "::1", "169.254.169.254"] {
        let r = client
            .call_tool(call(
                "nmap",
                json!({"target": target, "correlation_id": "t-1"}),
            ))
            .await
            .unwrap();
        assert_eq!(r.is_error, Some(true), "{target}");
        let t = text(&r);
        assert!(t.starts_with("scope_denied: "), "{target}: {t}");
        assert!(t.contains("correlation_id: t-1"), "{t}");
        assert!(r.structured_content.is_none());
    }
    assert!(!marker.exists(), "a denied call started the tool");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn bad_arguments_are_tool_errors_and_unknown_tools_protocol_errors() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let fake = fake_tool(dir.path(), &format!("touch {}", marker.display()));
    let client = client_for(settings(|c| {
        loopback(c);
        c.tools.nmap.binary = fake.display().to_string();
    }))
    .await;
    let cases = [
        json!({"target": "127.0.0.1", "extra_args": "-oN /tmp/out"}),
        json!({"target": "127.0.0.1", "extra_args": "-iL /etc/passwd"}),
        json!({"target": "127.0.0.1", "extra_args": "--script-args-file=/etc/passwd"}),
        json!({"target": "127.0.0.1", "extra_args": "127.0.0.2"}),
        json!({"target": "010.0.0.1"}),
        json!({"target": "127.0.0.1", "timeout_sec": 999_999}),
        json!({"target": "127.0.0.1", "correlation_id": "bad id\n"}),
        json!({"target": "127.0.0.1", "surprise": true}),
        json!({"extra_args": "-sT"}),
    ];
    for args in cases {
        let r = client.call_tool(call("nmap", args.clone())).await.unwrap();
        assert_eq!(r.is_error, Some(true), "{args}");
        assert!(
            text(&r).starts_with("validation_error: "),
            "{args}: {}",
            text(&r)
        );
        assert!(text(&r).contains("How to fix: "), "{}", text(&r));
    }
    assert!(!marker.exists(), "a rejected call started the tool");
    let err = client
        .call_tool(call("masscan-nope", json!({"target": "127.0.0.1"})))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("unknown tool"), "{err}");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn raw_socket_scans_need_privilege() {
    let client = client_for(settings(loopback)).await;
    let r = client
        .call_tool(call(
            "nmap",
            json!({"target": "127.0.0.1", "extra_args": "-sS -p 80"}),
        ))
        .await
        .unwrap();
    assert!(text(&r).starts_with("privilege_required: "), "{}", text(&r));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn nmap_reports_open_and_closed_ports_on_loopback() {
    if !nmap_installed() {
        panic!("nmap is required: run scripts/install-test-deps.sh");
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let open = listener.local_addr().unwrap().port();
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = client_for(settings(loopback)).await;
    let args = json!({"target": "127.0.0.1", "extra_args": format!("-p {open},{closed}"),
                      "correlation_id": "scan-1"});
    let r = client.call_tool(call("nmap", args)).await.unwrap();
    assert_eq!(r.is_error, Some(false), "{}", text(&r));
    let s = r.structured_content.clone().unwrap();
    assert_eq!(s["correlation_id"], json!("scan-1"));
    let argv: Vec<String> = serde_json::from_value(s["argv"].clone()).unwrap();
    assert_eq!(argv.first().map(String::as_str), Some("nmap"));
    assert!(argv.contains(&"-n".to_owned()) && argv.contains(&"-sT".to_owned()));
    assert_eq!(argv.last().map(String::as_str), Some("127.0.0.1"));
    let ports = s["hosts"][0]["ports"].as_array().unwrap();
    let state = |p: u16| {
        ports
            .iter()
            .find(|x| x["port"] == json!(p))
            .map(|x| x["state"].as_str().unwrap().to_owned())
    };
    assert_eq!(state(open).as_deref(), Some("open"), "{s}");
    // The default detail (standard) counts closed ports instead of listing them.
    assert_eq!(state(closed), None, "{s}");
    assert_eq!(
        s["hosts"][0]["extraports"][0]["state"],
        json!("closed"),
        "{s}"
    );
    assert!(text(&r).contains(&format!("{open}/tcp")), "{}", text(&r));
    // `detail: full` lists every port.
    let args = json!({"target": "127.0.0.1", "extra_args": format!("-p {open},{closed}"),
                      "detail": "full"});
    let r = client.call_tool(call("nmap", args)).await.unwrap();
    let s = r.structured_content.clone().unwrap();
    let listed: Vec<u64> = s["hosts"][0]["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["port"].as_u64().unwrap())
        .collect();
    assert!(
        listed.contains(&u64::from(closed)) && listed.contains(&u64::from(open)),
        "{s}"
    );
    drop(listener);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_hanging_tool_times_out_and_leaves_no_process() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    let fake = fake_tool(
        dir.path(),
        &format!(
            "echo $$ > {}; trap '' TERM; sleep 30 & wait",
            pidfile.display()
        ),
    );
    let client = client_for(settings(|c| {
        loopback(c);
        c.tools.nmap.binary = fake.display().to_string();
        c.tool_defaults.kill_grace_ms = 200;
    }))
    .await;
    let t = Instant::now();
    let r = client
        .call_tool(call(
            "nmap",
            json!({"target": "127.0.0.1", "timeout_sec": 1}),
        ))
        .await
        .unwrap();
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "took {:?}",
        t.elapsed()
    );
    assert!(text(&r).starts_with("timeout: "), "{}", text(&r));
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "tool {pid} survived"
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn client_cancellation_kills_the_running_tool() {
    use rmcp::model::{CallToolRequest, ClientRequest};
    use rmcp::service::PeerRequestOptions;
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    let fake = fake_tool(
        dir.path(),
        &format!(
            "echo $$ > {}.tmp; mv {0}.tmp {0}; sleep 60",
            pidfile.display()
        ),
    );
    let client = client_for(settings(|c| {
        loopback(c);
        c.tools.nmap.binary = fake.display().to_string();
    }))
    .await;
    let request = ClientRequest::CallToolRequest(CallToolRequest::new(call(
        "nmap",
        json!({"target": "127.0.0.1"}),
    )));
    let handle = client
        .peer()
        .send_cancellable_request(request, PeerRequestOptions::no_options())
        .await
        .unwrap();
    let t = Instant::now();
    while !pidfile.exists() {
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "the tool never started"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    handle.cancel(Some("test".into())).await.unwrap();
    let t = Instant::now();
    while Path::new(&format!("/proc/{pid}")).exists() {
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "tool {pid} survived cancellation"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_missing_binary_is_not_found() {
    let client = client_for(settings(|c| {
        loopback(c);
        c.tools.nmap.binary = "/nonexistent/nmap".into();
    }))
    .await;
    let r = client
        .call_tool(call("nmap", json!({"target": "127.0.0.1"})))
        .await
        .unwrap();
    let t = text(&r);
    assert!(t.starts_with("not_found: "), "{t}");
    assert!(!t.contains("/nonexistent"), "internal path leaked: {t}");
    client.cancel().await.unwrap();
}

// ---- the built binary -------------------------------------------------------

struct Stdio2 {
    child: Child,
    out: BufReader<std::process::ChildStdout>,
    _data: tempfile::TempDir,
}

fn spawn_stdio(args: &[&str]) -> Stdio2 {
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .arg("serve")
        .args(args)
        .env("SECMCP_DATA_DIR", data.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    Stdio2 {
        child,
        out,
        _data: data,
    }
}

impl Stdio2 {
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

#[test]
fn stdio_speaks_both_eras_and_exits_when_stdin_closes() {
    let mut s = spawn_stdio(&[]);
    s.send(
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"}}}),
    );
    let init = s.recv();
    assert_eq!(
        init["result"]["protocolVersion"],
        json!("2025-11-25"),
        "{init}"
    );
    assert_eq!(init["result"]["serverInfo"]["name"], json!("secmcp"));
    s.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    s.send(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}));
    let list = s.recv();
    assert_eq!(list["result"]["tools"][0]["name"], json!("nmap"), "{list}");
    drop(s.child.stdin.take());
    assert!(s.wait_exit(Duration::from_secs(5)).success());

    let mut s = spawn_stdio(&[]);
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {}
    });
    s.send(
        json!({"jsonrpc": "2.0", "id": 1, "method": "server/discover",
                  "params": {"_meta": meta}}),
    );
    let d = s.recv();
    let versions = d["result"]["supportedVersions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(versions.contains(&json!("2026-07-28")), "{d}");
    assert!(versions.contains(&json!("2025-11-25")), "{d}");
    s.send(
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
        "_meta": meta, "name": "nmap", "arguments": {"target": "8.8.8.8"}}}),
    );
    let r = s.recv();
    assert_eq!(r["result"]["isError"], json!(true), "{r}");
    drop(s.child.stdin.take());
    assert!(s.wait_exit(Duration::from_secs(5)).success());
}

#[test]
fn http_refuses_a_non_loopback_bind() {
    let out = Command::new(BIN)
        .args([
            "serve",
            "--transport",
            "http",
            "--host",
            "0.0.0.0",
            "--port",
            "18999",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("server.host") && err.contains("loopback"),
        "{err}"
    );
}

#[test]
fn config_check_names_the_bad_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.yaml");
    std::fs::write(
        &path,
        "security:\n  allowed_targets: [loopback]\n  allow_intrusiv: true\n",
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["config", "check", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("security.allow_intrusiv"), "{err}");
    let ok = Command::new(BIN)
        .args(["config", "check"])
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
}

#[test]
fn tools_subcommand_prints_schemas() {
    let out = Command::new(BIN).arg("tools").output().unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["name"], json!("nmap"));
    assert_eq!(v[0]["outputSchema"]["type"], json!("object"));
}
