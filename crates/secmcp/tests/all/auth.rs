//! Authentication and roles over real HTTP (in process, on 127.0.0.1): API
//! keys, the 401/429 answers, the failed-attempt limit, the ops endpoints,
//! and two roles each held to its tools and scope.
//!
//! Tool runs here are only ever attempted against 127.0.0.x, with a fake
//! nmap that records that it ran; the refusals must leave it unrun.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

use secmcp::auth::{ApiKeyConfig, RoleConfig, digest_hex};
use secmcp::config::Config;
use secmcp::dispatch::Core;

use crate::util::*;

const ADMIN_KEY: &str = "smcp_admin-key-for-tests-only-0000000000000000";
const DNS_KEY: &str = "smcp_dns-key-for-tests-only-11111111111111111111";
const NARROW_KEY: &str = "smcp_narrow-key-for-tests-only-222222222222222";

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        if let Ok(v) = serde_json::from_str(&self.body) {
            return v;
        }
        // An event stream: the first data line.
        self.body
            .lines()
            .find_map(|l| l.strip_prefix("data: "))
            .and_then(|d| serde_json::from_str(d).ok())
            .unwrap_or(Value::Null)
    }
}

/// One HTTP/1.1 request on a fresh connection.
async fn http(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (n, v) in headers {
        req.push_str(&format!("{n}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), s.read_to_end(&mut raw))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Reply {
        status,
        headers,
        body,
    }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

fn meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "auth-test", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {},
    })
}

/// A 2026-07-28 stateless request with `key` (if any).
async fn mcp(port: u16, key: Option<&str>, method: &str, params: Value) -> Reply {
    let mut params = params;
    params["_meta"] = meta();
    let name = params["name"].as_str().unwrap_or("").to_owned();
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
    let bearer = key.map(|k| format!("Bearer {k}"));
    let mut headers = vec![
        ("Content-Type", "application/json"),
        ("Accept", "application/json, text/event-stream"),
        ("MCP-Protocol-Version", "2026-07-28"),
        ("Mcp-Method", method),
    ];
    if method == "tools/call" {
        headers.push(("Mcp-Name", &name));
    }
    if let Some(b) = &bearer {
        headers.push(("Authorization", b));
    }
    http(port, "POST", "/mcp", &headers, &body).await
}

async fn tool_names(port: u16, key: &str) -> Vec<String> {
    let r = mcp(port, Some(key), "tools/list", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut names: Vec<String> = r.json()["result"]["tools"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .filter_map(|t| t["name"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    names
}

/// The text of a tools/call result and whether it is an error.
async fn call_tool(port: u16, key: &str, name: &str, args: Value) -> (bool, String) {
    let r = mcp(
        port,
        Some(key),
        "tools/call",
        json!({"name": name, "arguments": args}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    let result = &v["result"];
    let text = result["content"][0]["text"]
        .as_str()
        .map_or_else(|| v.to_string(), str::to_owned);
    (result["isError"] == json!(true), text)
}

fn key(name: &str, key: &str, role: &str) -> ApiKeyConfig {
    ApiKeyConfig {
        name: name.into(),
        sha256: digest_hex(key),
        role: role.into(),
    }
}

/// The server under test: loopback scope, dig and nmap (a fake that leaves
/// a mark when it runs), three keys: `admin` (role `all`), `dns` (role
/// `dns`: dig only, 127.0.0.1 only) and `narrow` (role `narrow`: nmap, 127.0.0.1 only).
fn config(c: &mut Config, fake_nmap: &Path) {
    loopback(c);
    c.tools.nmap.binary = fake_nmap.display().to_string();
    c.tools.dig.enabled = true;
    c.limits.rate_per_minute = 0;
    c.auth.api_keys = vec![
        key("admin", ADMIN_KEY, "all"),
        key("dns", DNS_KEY, "dns"),
        key("narrow", NARROW_KEY, "narrow"),
    ];
    c.auth.roles.insert("all".into(), RoleConfig::default());
    c.auth.roles.insert(
        "dns".into(),
        RoleConfig {
            tools: Some(vec!["dig".into()]),
            allowed_targets: Some(vec!["127.0.0.1".into()]),
            ..RoleConfig::default()
        },
    );
    c.auth.roles.insert(
        "narrow".into(),
        RoleConfig {
            tools: Some(vec!["nmap".into()]),
            allowed_targets: Some(vec!["127.0.0.1".into()]),
            ..RoleConfig::default()
        },
    );
}

struct Server {
    port: u16,
    core: Arc<Core>,
    stop: CancellationToken,
    _dir: tempfile::TempDir,
    mark: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn start(edit: impl FnOnce(&mut Config)) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let mark = dir.path().join("ran");
    let fake = fake_tool(dir.path(), &format!("touch {}\nexit 0", mark.display()));
    let s = settings(|c| {
        config(c, &fake);
        edit(c);
    });
    let core = Arc::new(Core::new(s, CancellationToken::new()));
    let listener = secmcp::transport::bind_http("127.0.0.1:0".parse().unwrap(), false)
        .await
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    let stop = CancellationToken::new();
    tokio::spawn(secmcp::transport::serve_http(
        core.clone(),
        listener,
        stop.clone(),
    ));
    Server {
        port,
        core,
        stop,
        _dir: dir,
        mark,
    }
}

#[tokio::test]
async fn without_a_valid_key_mcp_is_refused_with_a_bearer_challenge() {
    let srv = start(|_| {}).await;
    let r = mcp(srv.port, None, "tools/list", json!({})).await;
    assert_eq!(r.status, 401, "{}", r.body);
    assert_eq!(r.header("www-authenticate"), Some("Bearer"));
    assert_eq!(r.json()["error"], "missing_credentials", "{}", r.body);
    for bad in [
        "smcp_not-a-configured-key-000000000000000000000000",
        &ADMIN_KEY[..ADMIN_KEY.len() - 1],
        &digest_hex(ADMIN_KEY),
    ] {
        let r = mcp(srv.port, Some(bad), "tools/list", json!({})).await;
        assert_eq!(r.status, 401, "{}", r.body);
        assert!(
            r.header("www-authenticate")
                .is_some_and(|h| h.starts_with("Bearer") && h.contains("invalid_token")),
            "{:?}",
            r.headers
        );
        assert_eq!(r.json()["error"], "invalid_key", "{}", r.body);
    }
    // A tools/call without a key runs nothing.
    let r = mcp(
        srv.port,
        None,
        "tools/call",
        json!({"name": "nmap", "arguments": {"target": "127.0.0.1"}}),
    )
    .await;
    assert_eq!(r.status, 401);
    assert!(!srv.mark.exists(), "a refused call ran the tool");
    let m = srv.core.metrics().encode();
    assert!(
        sample(&m, "secmcp_auth_failures_total{reason=\"invalid_key\"}") == Some(3.0),
        "{m}"
    );
}

#[tokio::test]
async fn each_role_sees_and_calls_only_its_tools() {
    let srv = start(|_| {}).await;
    assert_eq!(
        tool_names(srv.port, DNS_KEY).await,
        ["dig", "server_health"]
    );
    let all = tool_names(srv.port, ADMIN_KEY).await;
    assert!(
        all.contains(&"nmap".to_owned()) && all.contains(&"dig".to_owned()),
        "{all:?}"
    );
    let (err, text) = call_tool(srv.port, DNS_KEY, "nmap", json!({"target": "127.0.0.1"})).await;
    assert!(err, "{text}");
    assert!(text.starts_with("policy_denied: "), "{text}");
    assert!(
        text.contains("role `dns`") && text.contains("`dns`") && text.contains("dig"),
        "{text}"
    );
    assert!(!srv.mark.exists(), "a denied call ran the tool");
    // The other role runs it.
    let (err, text) = call_tool(srv.port, ADMIN_KEY, "nmap", json!({"target": "127.0.0.1"})).await;
    assert!(srv.mark.exists(), "{err} {text}");
    let m = srv.core.metrics().encode();
    assert_eq!(
        sample(
            &m,
            "secmcp_role_calls_total{role=\"dns\",outcome=\"policy_denied\"}"
        ),
        Some(1.0),
        "{m}"
    );
    assert!(!m.contains("admin-key") && !m.contains(DNS_KEY), "{m}");
}

#[tokio::test]
async fn a_role_scope_narrows_the_server_scope() {
    let srv = start(|_| {}).await;
    // 127.0.0.2 is in the server's scope (loopback) but not in the role's.
    let (err, text) = call_tool(srv.port, NARROW_KEY, "nmap", json!({"target": "127.0.0.2"})).await;
    assert!(err, "{text}");
    assert!(text.starts_with("scope_denied: "), "{text}");
    assert!(text.contains("auth.roles.narrow.allowed_targets"), "{text}");
    assert!(!srv.mark.exists(), "an out-of-scope call ran the tool");
    // The same target is fine for a role with the server's scope.
    let (_, text) = call_tool(srv.port, ADMIN_KEY, "nmap", json!({"target": "127.0.0.2"})).await;
    assert!(srv.mark.exists(), "{text}");
}

#[tokio::test]
async fn failed_attempts_are_limited_per_address_even_for_a_right_key_after() {
    let srv = start(|c| {
        c.auth.failed_attempts_per_minute = 1;
        c.auth.failed_attempts_burst = 2;
    })
    .await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(
            mcp(srv.port, Some("smcp_wrong"), "tools/list", json!({}))
                .await
                .status,
        );
    }
    assert_eq!(statuses, [401, 401, 429, 429]);
    let r = mcp(srv.port, Some(ADMIN_KEY), "tools/list", json!({})).await;
    assert_eq!(r.status, 429, "{}", r.body);
    assert_eq!(r.json()["error"], "too_many_attempts");
    assert!(r.header("retry-after").is_some());
}

#[tokio::test]
async fn liveness_and_readiness_stay_open_metrics_and_health_need_a_key() {
    let srv = start(|_| {}).await;
    for path in ["/health/live", "/health/ready"] {
        let r = http(srv.port, "GET", path, &[], "").await;
        assert!(r.status == 200 || r.status == 503, "{path}: {}", r.status);
    }
    for path in ["/metrics", "/health"] {
        let r = http(srv.port, "GET", path, &[], "").await;
        assert_eq!(r.status, 401, "{path}");
        let bearer = format!("Bearer {ADMIN_KEY}");
        let r = http(srv.port, "GET", path, &[("Authorization", &bearer)], "").await;
        assert!(
            r.status == 200 || r.status == 207 || r.status == 503,
            "{path}: {}",
            r.status
        );
    }
}

#[tokio::test]
async fn without_keys_http_stays_anonymous_and_open_on_loopback() {
    let srv = start(|c| {
        c.auth = Default::default();
    })
    .await;
    let r = mcp(srv.port, None, "tools/list", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let tools = r.json()["result"]["tools"].to_string();
    assert!(tools.contains("\"nmap\""), "{tools}");
}

#[tokio::test]
async fn a_role_rate_limit_counts_per_identity() {
    let srv = start(|c| {
        let all = c.auth.roles.get_mut("all").unwrap();
        all.rate_per_minute = 1;
        all.burst = 1;
    })
    .await;
    let (_, first) = call_tool(srv.port, ADMIN_KEY, "nmap", json!({"target": "127.0.0.1"})).await;
    assert!(!first.starts_with("resource_exhausted"), "{first}");
    let (err, text) = call_tool(srv.port, ADMIN_KEY, "nmap", json!({"target": "127.0.0.1"})).await;
    assert!(
        err && text.starts_with("resource_exhausted: rate limit"),
        "{text}"
    );
    // Another role's identity has its own budget (its role has no rate).
    let (_, text) = call_tool(srv.port, NARROW_KEY, "nmap", json!({"target": "127.0.0.1"})).await;
    assert!(!text.starts_with("resource_exhausted"), "{text}");
}

#[tokio::test]
async fn on_stdio_the_os_user_gets_the_stdio_role() {
    use rmcp::ServiceExt;
    let dir = tempfile::tempdir().unwrap();
    let fake = fake_tool(dir.path(), "exit 0");
    let s = settings(|c| {
        config(c, &fake);
        c.auth.stdio_role = "dns".into();
    });
    let core = Arc::new(Core::new(s, CancellationToken::new()));
    let (client_io, server_io) = tokio::io::duplex(1 << 20);
    tokio::spawn(async move {
        let server = secmcp::service::Service::stdio(core)
            .serve(server_io)
            .await
            .unwrap();
        let _ = server.waiting().await;
    });
    let client = Counting::default().serve(client_io).await.unwrap();
    let mut names: Vec<String> = client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["dig", "server_health"]);
    let r = client
        .call_tool(call("nmap", json!({"target": "127.0.0.1"})))
        .await
        .unwrap();
    let t = text(&r);
    assert!(
        t.starts_with("policy_denied: ") && t.contains("role `dns`"),
        "{t}"
    );
}

#[tokio::test]
async fn a_reload_revokes_a_key_and_changes_a_role_at_once() {
    let srv = start(|_| {}).await;
    assert_eq!(
        tool_names(srv.port, DNS_KEY).await,
        ["dig", "server_health"]
    );
    let dir = tempfile::tempdir().unwrap();
    let fake = fake_tool(dir.path(), "exit 0");
    srv.core.apply(settings(|c| {
        config(c, &fake);
        c.auth.api_keys.retain(|k| k.name != "admin");
        c.auth.roles.get_mut("dns").unwrap().tools = Some(vec!["dig".into(), "nmap".into()]);
    }));
    let r = mcp(srv.port, Some(ADMIN_KEY), "tools/list", json!({})).await;
    assert_eq!(r.status, 401, "a revoked key still works: {}", r.body);
    assert_eq!(
        tool_names(srv.port, DNS_KEY).await,
        ["dig", "nmap", "server_health"]
    );
}

#[tokio::test]
async fn a_foreign_host_is_refused_before_authentication() {
    let srv = start(|_| {}).await;
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", srv.port))
        .await
        .unwrap();
    let body = "{}";
    let req = format!(
        "POST /mcp HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.unwrap();
    let head = String::from_utf8_lossy(&raw);
    assert!(head.starts_with("HTTP/1.1 403"), "{head}");
    // Not counted as a failed authentication.
    let m = srv.core.metrics().encode();
    assert!(!m.contains("auth_failures_total{"), "{m}");
}

/// A 2026-07-28 request from a client that declares the tasks extension.
async fn task_rpc(port: u16, key: &str, method: &str, params: Value) -> Value {
    let mut params = params;
    params["_meta"] = meta();
    params["_meta"]["io.modelcontextprotocol/clientCapabilities"] =
        json!({"extensions": {"io.modelcontextprotocol/tasks": {}}});
    let name = params["name"]
        .as_str()
        .or(params["taskId"].as_str())
        .unwrap_or("")
        .to_owned();
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
    let bearer = format!("Bearer {key}");
    let headers = vec![
        ("Content-Type", "application/json"),
        ("Accept", "application/json, text/event-stream"),
        ("MCP-Protocol-Version", "2026-07-28"),
        ("Mcp-Method", method),
        ("Mcp-Name", name.as_str()),
        ("Authorization", bearer.as_str()),
    ];
    let r = http(port, "POST", "/mcp", &headers, &body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

#[tokio::test]
async fn a_task_belongs_to_the_identity_that_created_it() {
    let srv = start(|_| {}).await;
    let created = task_rpc(
        srv.port,
        ADMIN_KEY,
        "tools/call",
        json!({"name": "nmap", "arguments": {"target": "127.0.0.1", "extra_args": "-p 1"}}),
    )
    .await;
    assert_eq!(created["result"]["resultType"], "task", "{created}");
    let id = created["result"]["taskId"].as_str().unwrap().to_owned();
    // Same tool and scope, another identity: the task does not exist for it.
    for method in ["tasks/get", "tasks/cancel"] {
        let other = task_rpc(srv.port, NARROW_KEY, method, json!({"taskId": id})).await;
        assert_eq!(other["error"]["code"], -32602, "{method}: {other}");
    }
    let mut status = String::new();
    for _ in 0..100 {
        let mine = task_rpc(srv.port, ADMIN_KEY, "tasks/get", json!({"taskId": id})).await;
        status = mine["result"]["status"].as_str().unwrap_or("").to_owned();
        if status != "working" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(status, "completed");
    assert!(srv.mark.exists(), "the task ran the tool");
    // dig is quick: never a task, even for a client that supports them.
    let dig = task_rpc(
        srv.port,
        DNS_KEY,
        "tools/call",
        json!({"name": "dig", "arguments": {"target": "web.lab.internal", "extra_args": "@127.0.0.2"}}),
    )
    .await;
    assert!(dig["result"]["taskId"].is_null(), "{dig}");
    assert!(dig["result"]["content"].is_array(), "{dig}");
}
