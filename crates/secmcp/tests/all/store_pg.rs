//! The server on PostgreSQL: calls are recorded there, and a database restart
//! in the middle leaves every call with its result and a clear record status;
//! the pool reconnects by itself. The cluster harness is secmcp-store's.

use std::sync::Arc;

use rmcp::model::{ContentBlock, ReadResourceRequestParams};
use serde_json::json;

use secmcp::dispatch::Core;
use secmcp::store::Recorder;

use crate::util::{call, connect, settings, text};

#[path = "../../../secmcp-store/tests/all/pg.rs"]
mod pg;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgresql_restart_leaves_every_call_with_a_result_and_a_record_status() {
    let cluster = pg::Cluster::start();
    let db = cluster.create_db("server_calls").await;
    let url = cluster.url(&db);
    let s = settings(|c| {
        c.limits.rate_per_minute = 0;
        c.database.url = url;
        c.database.pool_size = 2;
        c.database.max_overflow = 2;
        c.storage.write_timeout_ms = 3000;
    });
    let recorder = Recorder::open(&s.storage).await.unwrap();
    let core = Arc::new(Core::new(s, Default::default()));
    core.attach_recorder(Arc::new(recorder));
    let (client, _) = connect(core.clone()).await;
    let link = |r: &rmcp::model::CallToolResult| {
        r.content.iter().find_map(|c| match c {
            ContentBlock::ResourceLink(l) => Some(l.uri.clone()),
            _ => None,
        })
    };
    let before = client
        .call_tool(call("nmap", json!({"target": "8.8.8.8"})))
        .await
        .unwrap();
    let before = link(&before).expect("kept on PostgreSQL");
    cluster.restart_immediate();
    let mut kept = Vec::new();
    let mut unkept = 0;
    for i in 0..8 {
        let r = client
            .call_tool(call("nmap", json!({"target": format!("8.8.4.{i}")})))
            .await
            .unwrap();
        let t = text(&r);
        assert!(t.contains("scope"), "every call keeps its result: {t}");
        match link(&r) {
            Some(uri) => kept.push(uri),
            None => {
                assert!(t.contains("record could not be kept"), "{t}");
                unkept += 1;
            }
        }
    }
    assert!(
        kept.len() >= 7,
        "the pool reconnects by itself: {unkept} unkept"
    );
    for uri in std::iter::once(&before).chain(&kept) {
        client
            .read_resource(ReadResourceRequestParams::new(uri.as_str()))
            .await
            .unwrap_or_else(|e| panic!("{uri}: {e:?}"));
    }
    let health = serde_json::to_value(core.health()).unwrap();
    let store = health["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "store")
        .cloned()
        .unwrap();
    assert!(
        store["message"]
            .as_str()
            .unwrap()
            .starts_with("postgresql run store"),
        "{store}"
    );
}

/// `doctor` on PostgreSQL: a database that exists (before and after the
/// server made its schema) passes; one that does not fails with the password
/// masked and a fix. Doctor never creates the schema itself.
#[test]
fn doctor_reads_a_postgresql_store_and_masks_the_password_when_it_fails() {
    let cluster = pg::Cluster::start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(cluster.create_db("doctor_pg"));
    let dir = tempfile::tempdir().unwrap();
    let doctor = |url: &str| {
        let config = dir.path().join("c.yaml");
        std::fs::write(
            &config,
            format!("security:\n  allowed_targets: [loopback]\ndatabase:\n  url: \"{url}\"\n"),
        )
        .unwrap();
        let out = std::process::Command::new(crate::util::BIN)
            .args(["doctor", "--config", config.to_str().unwrap()])
            .env_remove("SECMCP_DATABASE_URL")
            .env_remove("MCP_DATABASE_URL")
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let store_line = |report: &str, what: &str| {
        report
            .lines()
            .find(|l| l.contains("postgresql run database"))
            .filter(|l| l.contains(what))
            .unwrap_or_else(|| panic!("no store line with {what}:\n{report}"))
            .to_owned()
    };
    let url = cluster.url(&db);
    let line = store_line(&doctor(&url), "holds no schema yet");
    assert!(line.trim_start().starts_with("ok"), "{line}");
    // Still none: doctor did not migrate.
    store_line(&doctor(&url), "holds no schema yet");

    let s = settings(|c| c.database.url = url.clone());
    rt.block_on(async {
        let r = Recorder::open(&s.storage).await.unwrap();
        r.store().close().await;
    });
    let current = format!(
        "schema version {} is current",
        secmcp_store::Store::schema_version()
    );
    let line = store_line(&doctor(&url), &current);
    assert!(line.trim_start().starts_with("ok"), "{line}");

    let bad = cluster
        .url("no_such_db")
        .replace("secmcp@", "secmcp:hunter2@");
    let report = doctor(&bad);
    assert!(!report.contains("hunter2"), "{report}");
    let line = store_line(&report, "secmcp:***@");
    assert!(
        line.trim_start().starts_with("FAIL") && line.contains("no_such_db"),
        "{line}"
    );
    assert!(report.contains("fix: check database.url"), "{report}");
}
