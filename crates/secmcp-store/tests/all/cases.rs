//! The cases both backends must pass. Each gets a config for a fresh database.

use std::collections::HashSet;

use secmcp_store::{
    ApprovalRow, Decided, Decision, ListQuery, NewRun, PruneLimits, SchemaState, Store,
    StoreConfig, TaskRow, decode_cursor,
};
use serde_json::json;

fn run(tool: &str, target: &str, at: i64) -> NewRun {
    NewRun {
        started_at_ms: at,
        duration_ms: 12,
        run_ms: 10,
        client: "stdio".into(),
        owner: "os_user:tester".into(),
        correlation_id: format!("c-{at}"),
        tool: tool.into(),
        target: target.into(),
        arguments: json!({"target": target, "extra_args": "-p 80"}),
        pinned: vec![target.to_owned()],
        argv: vec![tool.into(), "-p".into(), "80".into(), target.into()],
        decision: Decision::Accepted,
        code: String::new(),
        reason: String::new(),
        outcome: "ok".into(),
        summary: format!("{target}: 1 open port"),
        structured: Some(
            json!({"hosts": [{"address": target, "ports": [{"port": 80, "state": "open"}]}]}),
        ),
        raw: format!("<nmaprun><host>{target}</host></nmaprun>")
            .repeat(50)
            .into_bytes(),
        raw_truncated: false,
    }
}

async fn open(cfg: &StoreConfig) -> Store {
    Store::open(cfg).await.expect("store opens")
}

pub async fn insert_then_get_keeps_every_field(cfg: StoreConfig) {
    let store = open(&cfg).await;
    let mut r = run("nmap", "127.0.0.1", 1_700_000_000_000);
    r.raw_truncated = true;
    r.argv.push("ünïcode ✓".into());
    let id = store.insert(&r).await.unwrap();
    let got = store.get(&id).await.unwrap().expect("the run is there");
    assert_eq!(got.id, id);
    assert_eq!(got.started_at_ms, r.started_at_ms);
    assert_eq!((got.duration_ms, got.run_ms), (12, 10));
    assert_eq!(got.client, "stdio");
    assert_eq!(got.correlation_id, r.correlation_id);
    assert_eq!(got.tool, "nmap");
    assert_eq!(got.target, "127.0.0.1");
    assert_eq!(got.arguments, r.arguments);
    assert_eq!(got.pinned, r.pinned);
    assert_eq!(got.argv, r.argv);
    assert_eq!(got.decision, Decision::Accepted);
    assert_eq!(got.outcome, "ok");
    assert_eq!(got.summary, r.summary);
    assert_eq!(got.structured, r.structured);
    assert_eq!(got.raw_bytes, r.raw.len() as i64);
    assert!(got.raw_truncated);
    let (raw, truncated) = store.raw(&id).await.unwrap().unwrap();
    assert_eq!(raw, r.raw);
    assert!(truncated);
    let (n, size) = store.totals().await.unwrap();
    assert_eq!(n, 1);
    // Stored compressed: far smaller than the 2 KiB of repeated XML.
    assert!(size > 0 && size < r.raw.len() as u64, "size {size}");
    store.close().await;
}

pub async fn refused_call_without_output(cfg: StoreConfig) {
    let store = open(&cfg).await;
    let r = NewRun {
        decision: Decision::Refused,
        code: "scope_violation".into(),
        reason: "8.8.8.8 is outside the allowed scope".into(),
        outcome: "scope_violation".into(),
        summary: String::new(),
        structured: None,
        raw: Vec::new(),
        pinned: Vec::new(),
        argv: Vec::new(),
        ..run("nmap", "8.8.8.8", 5)
    };
    let id = store.insert(&r).await.unwrap();
    let got = store.get(&id).await.unwrap().unwrap();
    assert_eq!(got.decision, Decision::Refused);
    assert_eq!(got.code, "scope_violation");
    assert_eq!(got.reason, r.reason);
    assert_eq!(got.structured, None);
    assert!(got.pinned.is_empty() && got.argv.is_empty());
    assert_eq!(store.raw(&id).await.unwrap(), Some((Vec::new(), false)));
    store.close().await;
}

pub async fn list_is_newest_first_in_pages(cfg: StoreConfig) {
    let store = open(&cfg).await;
    let mut ids = Vec::new();
    for i in 0..25 {
        ids.push(
            store
                .insert(&run("nmap", "127.0.0.1", 1000 + i))
                .await
                .unwrap(),
        );
    }
    ids.reverse(); // newest first
    let mut seen = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let page = store
            .list(&ListQuery {
                cursor: cursor.clone(),
                limit: 10,
                ..ListQuery::default()
            })
            .await
            .unwrap();
        pages += 1;
        seen.extend(page.runs.iter().map(|r| r.id.clone()));
        match page.next_cursor {
            Some(c) => {
                assert!(
                    !c.contains(&page.runs.last().unwrap().id),
                    "cursor is opaque"
                );
                cursor = Some(c);
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ids);
    // A cursor this store did not make is refused, not treated as "from the start".
    let bad = store
        .list(&ListQuery {
            cursor: Some("bogus".into()),
            limit: 10,
            ..ListQuery::default()
        })
        .await;
    assert!(bad.is_err());
    assert!(decode_cursor("bogus").is_none());
    // An exact page: no cursor after the last one.
    let all = store
        .list(&ListQuery {
            limit: 25,
            ..ListQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(all.runs.len(), 25);
    assert!(all.next_cursor.is_none());
    store.close().await;
}

pub async fn list_filters(cfg: StoreConfig) {
    let store = open(&cfg).await;
    let a = store.insert(&run("nmap", "127.0.0.1", 100)).await.unwrap();
    let b = store.insert(&run("nmap", "127.0.0.2", 200)).await.unwrap();
    let c = store.insert(&run("dig", "127.0.0.1", 300)).await.unwrap();
    let d = store
        .insert(&NewRun {
            decision: Decision::Refused,
            pinned: vec![],
            ..run("nmap", "127.0.0.1", 400)
        })
        .await
        .unwrap();
    let ids = |p: secmcp_store::Page| p.runs.into_iter().map(|r| r.id).collect::<Vec<_>>();
    let q = |f: fn(&mut ListQuery)| {
        let mut q = ListQuery {
            limit: 100,
            ..ListQuery::default()
        };
        f(&mut q);
        q
    };
    assert_eq!(
        ids(store
            .list(&q(|q| q.tool = Some("nmap".into())))
            .await
            .unwrap()),
        [d.clone(), b.clone(), a.clone()]
    );
    assert_eq!(
        ids(store
            .list(&q(|q| q.target = Some("127.0.0.1".into())))
            .await
            .unwrap()),
        [d.clone(), c.clone(), a.clone()]
    );
    assert_eq!(
        ids(store
            .list(&q(|q| q.addresses = Some(vec!["127.0.0.1".into()])))
            .await
            .unwrap()),
        // The refused call pinned nothing; its target as given matches.
        [d.clone(), c.clone(), a.clone()]
    );
    assert_eq!(
        ids(store
            .list(&q(
                |q| q.addresses = Some(vec!["127.0.0.2".into(), "127.0.0.1".into()])
            ))
            .await
            .unwrap()),
        [d.clone(), c.clone(), b.clone(), a.clone()]
    );
    // As many entries as a /22 history filter asks for (2 x 4096 parameters).
    assert_eq!(
        ids(store
            .list(&q(|q| {
                let mut many: Vec<String> = (0..4095)
                    .map(|i| format!("10.0.{}.{}", i / 256, i % 256))
                    .collect();
                many.push("127.0.0.2".into());
                q.addresses = Some(many);
            }))
            .await
            .unwrap()),
        std::slice::from_ref(&b)
    );
    assert!(
        ids(store
            .list(&q(|q| q.addresses = Some(vec![])))
            .await
            .unwrap())
        .is_empty()
    );
    assert_eq!(
        ids(store
            .list(&q(|q| {
                q.since_ms = Some(200);
                q.until_ms = Some(400);
            }))
            .await
            .unwrap()),
        [c.clone(), b.clone()]
    );
    assert_eq!(
        ids(store.list(&q(|q| q.accepted_only = true)).await.unwrap()),
        [c.clone(), b.clone(), a.clone()]
    );
    assert_eq!(
        ids(store
            .list(&q(|q| {
                q.tool = Some("nmap".into());
                q.target = Some("127.0.0.1".into());
                q.accepted_only = true;
            }))
            .await
            .unwrap()),
        [a]
    );
    store.close().await;
}

pub async fn unknown_and_malformed_ids(cfg: StoreConfig) {
    let store = open(&cfg).await;
    store.insert(&run("nmap", "127.0.0.1", 1)).await.unwrap();
    for id in [
        "0190a3b4-1c2d-7e8f-9a0b-1c2d3e4f5a6b",
        "",
        "x",
        "' OR 1=1 --",
        "0190A3B4-1C2D-7E8F-9A0B-1C2D3E4F5A6B",
    ] {
        assert_eq!(store.get(id).await.unwrap(), None, "{id}");
        assert_eq!(store.raw(id).await.unwrap(), None, "{id}");
    }
    store.close().await;
}

pub async fn reopen_keeps_runs_and_migrations_are_idempotent(cfg: StoreConfig) {
    let store = open(&cfg).await;
    let id = store.insert(&run("nmap", "127.0.0.1", 1)).await.unwrap();
    store.close().await;
    let again = open(&cfg).await;
    assert_eq!(again.get(&id).await.unwrap().unwrap().tool, "nmap");
    assert_eq!(again.totals().await.unwrap().0, 1);
    assert_eq!(Store::schema_version(), 6);
    again.close().await;
}

/// The files in the SQLite database's directory (empty for PostgreSQL).
fn files_beside(cfg: &StoreConfig) -> Vec<String> {
    match &cfg.backend {
        secmcp_store::Backend::Sqlite { path } => {
            let mut v: Vec<String> = std::fs::read_dir(path.parent().unwrap())
                .map(|d| {
                    d.flatten()
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default();
            v.sort();
            v
        }
        secmcp_store::Backend::Postgres { .. } => Vec::new(),
    }
}

/// `inspect` (what `doctor` uses) reads the schema state and writes nothing:
/// no file, no directory, no schema, no side files of SQLite.
pub async fn inspect_reads_the_schema_and_writes_nothing(cfg: StoreConfig) {
    let limit = std::time::Duration::from_secs(10);
    let before = secmcp_store::inspect(&cfg, limit).await.unwrap();
    let sqlite = matches!(cfg.backend, secmcp_store::Backend::Sqlite { .. });
    if sqlite {
        assert_eq!(before, SchemaState::NoDatabase);
        if let secmcp_store::Backend::Sqlite { path } = &cfg.backend {
            assert!(
                !path.parent().unwrap().exists(),
                "inspect created the data directory"
            );
        }
    } else {
        assert_eq!(before, SchemaState::Empty);
        // Still no schema: inspecting did not migrate.
        assert_eq!(
            secmcp_store::inspect(&cfg, limit).await.unwrap(),
            SchemaState::Empty
        );
    }
    let store = open(&cfg).await;
    store.insert(&run("nmap", "127.0.0.1", 1)).await.unwrap();
    // While the server has it open (SQLite: with its -wal and -shm files).
    let current = SchemaState::Current {
        version: Store::schema_version(),
    };
    assert_eq!(secmcp_store::inspect(&cfg, limit).await.unwrap(), current);
    store.close().await;
    let files = files_beside(&cfg);
    // Closed cleanly: only the database file; inspecting must not add the
    // -wal/-shm files (owned by whoever ran it, they could lock out a server
    // running as another user).
    assert_eq!(secmcp_store::inspect(&cfg, limit).await.unwrap(), current);
    assert_eq!(files_beside(&cfg), files);
    if sqlite {
        assert_eq!(files, vec!["runs.db".to_owned()]);
    }
    assert!(current.usable());
    assert!(
        !SchemaState::Ahead {
            version: 2,
            latest: 1
        }
        .usable()
    );
}

pub async fn prune_by_age_and_size_keeps_referenced_runs(cfg: StoreConfig) {
    let store = open(&cfg).await;
    let mut ids = Vec::new();
    for i in 0..10 {
        ids.push(
            store
                .insert(&run("nmap", "127.0.0.1", 1000 * (i + 1)))
                .await
                .unwrap(),
        );
    }
    // Older than 5000 ms: the runs at 1000..=4000, except the one a task holds.
    let removed = store
        .prune(&PruneLimits {
            older_than_ms: Some(5000),
            max_total_bytes: None,
            keep: vec![ids[1].clone()],
        })
        .await
        .unwrap();
    assert_eq!(removed, 3);
    assert!(store.get(&ids[0]).await.unwrap().is_none());
    assert!(
        store.get(&ids[1]).await.unwrap().is_some(),
        "a kept run stays"
    );
    // The address rows went with their runs.
    let by_addr = store
        .list(&ListQuery {
            addresses: Some(vec!["127.0.0.1".into()]),
            limit: 100,
            ..ListQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(by_addr.runs.len(), 7);
    // Size cap: one run's size at most, keeping ids[1]: everything else goes.
    let (_, size) = store.totals().await.unwrap();
    let one = size / 7;
    let removed = store
        .prune(&PruneLimits {
            older_than_ms: None,
            max_total_bytes: Some(one),
            keep: vec![ids[1].clone()],
        })
        .await
        .unwrap();
    assert_eq!(removed, 6);
    let left = store
        .list(&ListQuery {
            limit: 100,
            ..ListQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        left.runs.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
        [ids[1].clone()]
    );
    store.close().await;
}

pub async fn concurrent_inserts_all_land(cfg: StoreConfig) {
    let store = open(&cfg).await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            s.insert(&run("dig", "127.0.0.1", i)).await.unwrap()
        }));
    }
    let mut ids = HashSet::new();
    for t in tasks {
        ids.insert(t.await.unwrap());
    }
    assert_eq!(ids.len(), 40);
    assert_eq!(store.totals().await.unwrap().0, 40);
    store.close().await;
}

/// A database restart mid-use: the next operation may fail, later ones work
/// again without reopening the store.
pub async fn postgres_restart_reconnects(cluster: &super::pg::Cluster, cfg: StoreConfig) {
    let store = open(&cfg).await;
    let before = store.insert(&run("nmap", "127.0.0.1", 1)).await.unwrap();
    cluster.restart_immediate();
    let mut ok = None;
    for _ in 0..20 {
        match store.insert(&run("nmap", "127.0.0.1", 2)).await {
            Ok(id) => {
                ok = Some(id);
                break;
            }
            Err(e) => {
                assert_eq!(e.code(), "store_query_failed", "{e}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
    let after = ok.expect("the pool reconnects after a restart");
    assert!(store.get(&before).await.unwrap().is_some());
    assert!(store.get(&after).await.unwrap().is_some());
    store.close().await;
}

pub async fn postgres_errors_hide_the_password(cluster: &super::pg::Cluster) {
    let url = cluster
        .url("no_such_db")
        .replace("secmcp@", "secmcp:hunter2@");
    let cfg = super::config(secmcp_store::Backend::Postgres {
        url,
        pool_size: 1,
        max_overflow: 0,
    });
    let err = Store::open(&cfg).await.expect_err("no such database");
    let text = err.to_string();
    assert_eq!(err.code(), "store_unavailable");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains("no_such_db"), "{text}");
    assert!(
        cfg.backend.display().contains("secmcp:***@"),
        "{}",
        cfg.backend.display()
    );
}

pub async fn tasks_are_kept_fail_at_restart_and_hold_their_runs(cfg: StoreConfig) {
    let store = open(&cfg).await;
    let held = store.insert(&run("nmap", "127.0.0.1", 100)).await.unwrap();
    let task = |id: &str, status: &str, run_id: Option<&str>, updated: i64| TaskRow {
        id: id.into(),
        owner: "api_key:alice".into(),
        tool: "nmap".into(),
        status: status.into(),
        message: String::new(),
        run_id: run_id.map(str::to_owned),
        created_at_ms: 1_000,
        updated_at_ms: updated,
        ttl_ms: 10_000,
    };
    store
        .put_task(&task("t-done", "working", None, 1_000))
        .await
        .unwrap();
    // A state change replaces the row.
    let done = task("t-done", "completed", Some(&held), 2_000);
    store.put_task(&done).await.unwrap();
    assert_eq!(store.get_task("t-done").await.unwrap(), Some(done.clone()));
    store
        .put_task(&task("t-running", "working", None, 5_000))
        .await
        .unwrap();
    store
        .put_task(&task("t-old", "completed", None, 1))
        .await
        .unwrap();
    assert_eq!(store.get_task("nope").await.unwrap(), None);
    // At start: unfinished tasks fail with the reason; expired ones go.
    assert_eq!(
        store.fail_unfinished_tasks("gone", 11_500).await.unwrap(),
        1
    );
    let failed = store.get_task("t-running").await.unwrap().unwrap();
    assert_eq!(
        (
            failed.status.as_str(),
            failed.message.as_str(),
            failed.updated_at_ms
        ),
        ("failed", "gone", 11_500)
    );
    assert_eq!(store.get_task("t-old").await.unwrap(), None, "expired");
    assert_eq!(store.get_task("t-done").await.unwrap(), Some(done));
    // Pruning every run by age leaves the one a kept task holds.
    let other = store.insert(&run("nmap", "127.0.0.2", 200)).await.unwrap();
    let removed = store
        .prune(&PruneLimits {
            older_than_ms: Some(1_000),
            max_total_bytes: None,
            keep: Vec::new(),
        })
        .await
        .unwrap();
    assert_eq!(removed, 1);
    assert!(
        store.get(&held).await.unwrap().is_some(),
        "the task's run was pruned"
    );
    assert!(store.get(&other).await.unwrap().is_none());
    // Once the task expires, its run is an ordinary run again.
    assert_eq!(store.remove_expired_tasks(1_000_000).await.unwrap(), 2);
    store
        .prune(&PruneLimits {
            older_than_ms: Some(1_000),
            max_total_bytes: None,
            keep: Vec::new(),
        })
        .await
        .unwrap();
    assert!(store.get(&held).await.unwrap().is_none());
    store.close().await;
}

fn approval(id: &str, created: i64, expires: i64) -> ApprovalRow {
    ApprovalRow {
        id: id.into(),
        owner: "api_key:alice".into(),
        correlation_id: format!("c-{id}"),
        tool: "hydra".into(),
        pinned: vec!["10.0.3.7".into()],
        argv: vec![
            "hydra".into(),
            "-P".into(),
            "***".into(),
            "ssh://10.0.3.7".into(),
        ],
        status: "pending".into(),
        decided_by: String::new(),
        reason: String::new(),
        created_at_ms: created,
        expires_at_ms: expires,
        decided_at_ms: None,
    }
}

/// Approvals: listed while pending and unexpired, decided once (by a unique
/// prefix of at least 8 characters), never after expiry, and a server's
/// close loses to an operator's earlier decision.
pub async fn approvals_are_decided_once_and_never_after_expiry(cfg: StoreConfig) {
    let store = open(&cfg).await;
    let a = approval("0a1b2c3d-0000-4000-8000-000000000001", 1_000, 10_000);
    let b = approval("0a1b2c3d-0000-4000-8000-000000000002", 2_000, 10_000);
    let c = approval("9f8e7d6c-0000-4000-8000-000000000003", 3_000, 5_000);
    for r in [&a, &b, &c] {
        store.put_approval(r).await.unwrap();
    }
    let mut other = approval("5e5e5e5e-0000-4000-8000-000000000004", 3_000, 10_000);
    other.owner = "api_key:bob".into();
    store.put_approval(&other).await.unwrap();
    assert_eq!(
        store
            .waiting_approvals("api_key:alice", 4_000)
            .await
            .unwrap(),
        3,
        "alice's, not bob's"
    );
    assert_eq!(
        store
            .waiting_approvals("api_key:alice", 6_000)
            .await
            .unwrap(),
        2,
        "an expired request no longer waits"
    );
    store
        .close_approval(&other.id, "withdrawn", 3_500)
        .await
        .unwrap();
    let ids = |rows: Vec<ApprovalRow>| rows.into_iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.list_approvals(4_000, false).await.unwrap()),
        vec![a.id.clone(), b.id.clone(), c.id.clone()],
        "pending, oldest first"
    );
    assert_eq!(
        ids(store.list_approvals(6_000, false).await.unwrap()),
        vec![a.id.clone(), b.id.clone()],
        "an expired request is no longer listed as pending"
    );
    // A shared prefix is ambiguous; a short one or a non-id is not found.
    assert_eq!(
        store
            .decide_approval("0a1b2c3d", "approved", "op", "", 4_000)
            .await
            .unwrap(),
        Decided::Ambiguous
    );
    assert_eq!(
        store
            .decide_approval("0a1b", "approved", "op", "", 4_000)
            .await
            .unwrap(),
        Decided::NotFound
    );
    assert_eq!(
        store
            .decide_approval("0a1b2c3d%%%", "approved", "op", "", 4_000)
            .await
            .unwrap(),
        Decided::NotFound
    );
    match store
        .decide_approval(&a.id[..36], "approved", "os_user:op", "", 4_000)
        .await
        .unwrap()
    {
        Decided::Done(row) => {
            assert_eq!(
                (row.status.as_str(), row.decided_by.as_str()),
                ("approved", "os_user:op")
            );
            assert_eq!(row.decided_at_ms, Some(4_000));
        }
        other => panic!("{other:?}"),
    }
    // Decided once: a second decision changes nothing.
    match store
        .decide_approval(&a.id, "denied", "os_user:mallory", "no", 4_100)
        .await
        .unwrap()
    {
        Decided::AlreadyClosed(row) => assert_eq!(row.status, "approved"),
        other => panic!("{other:?}"),
    }
    // Past its expiry nobody can approve it.
    match store
        .decide_approval("9f8e7d6c", "approved", "os_user:op", "", 6_000)
        .await
        .unwrap()
    {
        Decided::AlreadyClosed(row) => assert_eq!(row.status, "pending"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        store
            .close_approval(&c.id, "expired", 6_000)
            .await
            .unwrap()
            .unwrap()
            .status,
        "expired"
    );
    // The server closing a request the operator already denied reads the denial.
    store
        .decide_approval(&b.id, "denied", "os_user:op", "out of hours", 4_200)
        .await
        .unwrap();
    let b_now = store
        .close_approval(&b.id, "withdrawn", 4_300)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (b_now.status.as_str(), b_now.reason.as_str()),
        ("denied", "out of hours")
    );
    assert!(store.list_approvals(4_400, false).await.unwrap().is_empty());
    assert_eq!(
        store.list_approvals(4_400, true).await.unwrap().len(),
        4,
        "all: the decided ones too (bob's withdrawn one among them)"
    );
    assert_eq!(store.get_approval("nope").await.unwrap(), None);
}

/// The audit copy keeps each record once and reads them back in chain order.
pub async fn audit_records_are_kept_once_in_order(cfg: StoreConfig) {
    let store = open(&cfg).await;
    for (seq, hash) in [(2, "h2"), (1, "h1"), (3, "h3"), (2, "h2")] {
        let line = format!("{{\"seq\":{seq},\"hash\":\"{hash}\"}}");
        store
            .keep_audit_record(seq, hash, &line, 100)
            .await
            .unwrap();
    }
    let lines = store.audit_records(0, 100).await.unwrap();
    assert_eq!(lines.len(), 3, "a record kept twice is one row");
    assert!(
        lines[0].contains("h1") && lines[2].contains("h3"),
        "{lines:?}"
    );
    assert_eq!(
        store.audit_records(2, 100).await.unwrap().len(),
        1,
        "after seq 2"
    );
    assert_eq!(store.audit_records(0, 2).await.unwrap().len(), 2, "limit");
}

/// Pruning by age also removes decided approvals and audit copies that old,
/// never a pending approval.
pub async fn pruning_ages_out_decided_approvals_and_audit_copies(cfg: StoreConfig) {
    let store = open(&cfg).await;
    store
        .put_approval(&approval(
            "0a1b2c3d-0000-4000-8000-00000000000a",
            1_000,
            90_000,
        ))
        .await
        .unwrap();
    let decided = approval("0a1b2c3d-0000-4000-8000-00000000000b", 1_000, 90_000);
    store.put_approval(&decided).await.unwrap();
    store
        .decide_approval(&decided.id, "denied", "op", "", 2_000)
        .await
        .unwrap();
    store
        .put_approval(&approval(
            "0a1b2c3d-0000-4000-8000-00000000000c",
            9_000,
            90_000,
        ))
        .await
        .unwrap();
    store
        .keep_audit_record(1, "h1", "{\"seq\":1}", 1_000)
        .await
        .unwrap();
    store
        .keep_audit_record(2, "h2", "{\"seq\":2}", 9_000)
        .await
        .unwrap();
    store
        .prune(&PruneLimits {
            older_than_ms: Some(5_000),
            ..PruneLimits::default()
        })
        .await
        .unwrap();
    let left: Vec<String> = store
        .list_approvals(3_000, true)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert!(
        left.iter().any(|id| id.ends_with('a')),
        "a pending request stays: {left:?}"
    );
    assert!(
        !left.iter().any(|id| id.ends_with('b')),
        "an old decided one goes: {left:?}"
    );
    assert!(
        left.iter().any(|id| id.ends_with('c')),
        "a young one stays: {left:?}"
    );
    assert_eq!(store.audit_records(0, 10).await.unwrap().len(), 1);
}

pub async fn every_opener_gets_the_same_secret_and_a_nonce_is_used_once(cfg: StoreConfig) {
    let a = open(&cfg).await;
    let b = open(&cfg).await;
    assert_eq!(a.server_key("seal", "aaaa", 1).await.unwrap(), "aaaa");
    assert_eq!(
        b.server_key("seal", "bbbb", 2).await.unwrap(),
        "aaaa",
        "the first secret kept is everyone's"
    );
    assert_eq!(b.server_key("other", "cccc", 2).await.unwrap(), "cccc");

    assert!(a.first_use("n1", 100, 10).await.unwrap());
    assert!(
        !b.first_use("n1", 100, 20).await.unwrap(),
        "used on another opener"
    );
    assert!(!a.first_use("n1", 100, 30).await.unwrap(), "used here");
    assert!(b.first_use("n2", 100, 30).await.unwrap());
    assert!(
        a.first_use("n1", 400, 200).await.unwrap(),
        "forgotten after its expiry (a state that old no longer opens)"
    );
}
