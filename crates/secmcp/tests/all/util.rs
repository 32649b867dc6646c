//! Helpers shared by the integration tests: settings, an in-process client
//! (rmcp over a duplex pipe, counting `tools/list_changed`), fake tool
//! scripts, and small waits and parsers.

#![allow(dead_code)] // not every test module uses every helper

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::{NotificationContext, RunningService};
use rmcp::{ClientHandler, RoleClient, ServiceExt};
use serde_json::{Value, json};

use secmcp::config::{Config, Settings};
use secmcp::dispatch::Core;
use secmcp::health::{ResourceProbe, ResourceReadings};
use secmcp::service::Service;

/// The built server binary.
pub const BIN: &str = env!("CARGO_BIN_EXE_secmcp");

/// Validated settings: the defaults with `edit` applied, except that
/// Landlock and the user switch are off: the fake tools here report through
/// files in the test's own directory, outside their work dir (the runner's
/// tests/sandbox.rs and the e2e sandbox tests cover both layers).
pub fn settings(edit: impl FnOnce(&mut Config)) -> Settings {
    let mut c = Config::default();
    fakes_report_outside(&mut c);
    edit(&mut c);
    Settings::from_config(c, false).unwrap()
}

/// Lets fake tools write outside their work dir as the server's user.
pub fn fakes_report_outside(c: &mut Config) {
    c.sandbox.landlock = false;
    c.sandbox.run_as_user = String::new();
}

/// The same, as config-file text.
pub const FAKES_REPORT_OUTSIDE: &str = "sandbox:\n  landlock: false\n  run_as_user: \"\"\n";

/// Only loopback in scope (what a test that runs a tool may target).
pub fn loopback(c: &mut Config) {
    c.security.allowed_targets = vec!["loopback".into()];
}

/// A client that counts `notifications/tools/list_changed`.
#[derive(Clone, Default)]
pub struct Counting {
    pub list_changed: Arc<AtomicUsize>,
}

impl ClientHandler for Counting {
    async fn on_tool_list_changed(&self, _context: NotificationContext<RoleClient>) {
        self.list_changed.fetch_add(1, Ordering::SeqCst);
    }
}

/// An in-process MCP client.
pub type Client = RunningService<RoleClient, Counting>;

/// A client connected to `core` through an in-memory pipe.
pub async fn connect(core: Arc<Core>) -> (Client, Counting) {
    let (client_io, server_io) = tokio::io::duplex(1 << 20);
    tokio::spawn(async move {
        let server = Service::new(core).serve(server_io).await.unwrap();
        let _ = server.waiting().await;
    });
    let handler = Counting::default();
    (handler.clone().serve(client_io).await.unwrap(), handler)
}

/// A client of a fresh core over `settings`.
pub async fn client_for(settings: Settings) -> Client {
    connect(Arc::new(Core::new(settings, Default::default())))
        .await
        .0
}

/// `tools/call` parameters.
pub fn call(name: &str, args: Value) -> CallToolRequestParams {
    CallToolRequestParams::new(name.to_owned()).with_arguments(args.as_object().unwrap().clone())
}

/// The text content of a result.
pub fn text(r: &CallToolResult) -> String {
    r.content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// An nmap call: "ok", or the error text.
pub async fn nmap(client: &Client, target: &str) -> String {
    let r = client
        .call_tool(call("nmap", json!({"target": target})))
        .await
        .unwrap();
    if r.is_error == Some(true) {
        text(&r)
    } else {
        "ok".into()
    }
}

/// Whether the real nmap is installed.
pub fn nmap_installed() -> bool {
    Path::new("/usr/bin/nmap").exists()
}

/// Writes an executable shell script named `nmap` into `dir` (it answers
/// the server's `nmap --version` health probe with nothing; that is not a run).
pub fn fake_tool(dir: &Path, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("nmap");
    std::fs::write(
        &path,
        format!("#!/bin/sh\n[ \"$1\" = --version ] && exit 0\n{body}\n"),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// Whether `pid` runs (a zombie holds no resources: it counts as gone).
pub fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        !s.rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z')
    })
}

/// The pids written (whitespace-separated) to `path`.
pub fn read_pids(path: &Path) -> Vec<i32> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// Waits until `pred` holds, failing after `limit`.
pub async fn wait_for(what: &str, limit: Duration, mut pred: impl FnMut() -> bool) {
    let t = Instant::now();
    while !pred() {
        assert!(t.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The value of one sample in OpenMetrics text (`name{labels} value`).
pub fn sample(metrics: &str, name_and_labels: &str) -> Option<f64> {
    metrics.lines().find_map(|l| {
        let (head, v) = l.rsplit_once(' ')?;
        (head == name_and_labels).then(|| v.parse().unwrap())
    })
}

/// Resource readings that never show pressure.
pub struct NoResources;

impl ResourceProbe for NoResources {
    fn read(&mut self, _disk_path: &Path) -> ResourceReadings {
        ResourceReadings::default()
    }
}
