//! History: diffs per tool, the report's latest state and escaping, and the
//! two tools against a real SQLite store.

use std::time::Duration;

use serde_json::{Value, json};

use secmcp_store::{Backend, Decision, NewRun, RunRecord, Store, StoreConfig};

use super::*;

fn record(id: &str, tool: &str, pinned: &[&str], argv: &[&str], structured: Value) -> RunRecord {
    RunRecord {
        id: id.to_owned(),
        started_at_ms: 1_700_000_000_000,
        duration_ms: 10,
        run_ms: 9,
        client: "stdio".into(),
        owner: "os_user:tester".into(),
        correlation_id: "c".into(),
        tool: tool.into(),
        target: pinned.first().copied().unwrap_or_default().into(),
        arguments: json!({}),
        pinned: pinned.iter().map(|s| (*s).to_owned()).collect(),
        argv: argv.iter().map(|s| (*s).to_owned()).collect(),
        decision: Decision::Accepted,
        code: String::new(),
        reason: String::new(),
        outcome: "ok".into(),
        summary: "s".into(),
        structured: Some(structured),
        raw_bytes: 0,
        raw_truncated: false,
    }
}

fn nmap(ports: &str, hosts: Value) -> Value {
    json!({"scanner": {"scans": [{"protocol": "tcp", "services": ports}]}, "hosts": hosts})
}

fn port(n: u16, state: &str, product: &str) -> Value {
    json!({"port": n, "protocol": "tcp", "state": state, "service": {"name": "http", "product": product}})
}

fn keys(d: &RunDiff) -> Vec<String> {
    d.changes
        .iter()
        .map(|c| format!("{:?} {} {}", c.change, c.what, c.key))
        .collect()
}

#[test]
fn nmap_diff_names_opened_closed_and_changed_ports() {
    let argv = ["nmap", "-p", "22,80,443", "--", "10.0.0.5"];
    let a = record(
        "r1",
        "nmap",
        &["10.0.0.5"],
        &argv,
        nmap(
            "22,80,443",
            json!([{"address": "10.0.0.5", "status": "up", "ports": [
        port(22, "open", "OpenSSH 8.9"), port(80, "open", "nginx"), port(443, "closed", "")]}]),
        ),
    );
    let b = record(
        "r2",
        "nmap",
        &["10.0.0.5"],
        &argv,
        nmap(
            "22,80,443",
            json!([{"address": "10.0.0.5", "status": "up", "ports": [
        port(22, "open", "OpenSSH 9.2"), port(80, "closed", ""), port(443, "open", "nginx")]}]),
        ),
    );
    let d = diff(&a, &b).unwrap();
    assert_eq!(
        keys(&d),
        [
            "Changed service 10.0.0.5 tcp/22",
            "Removed port 10.0.0.5 tcp/80",
            "Added port 10.0.0.5 tcp/443"
        ]
    );
    assert_eq!(
        d.counts,
        Counts {
            added: 1,
            removed: 1,
            changed: 1
        }
    );
    assert_eq!(d.changes[0].before.as_deref(), Some("http OpenSSH 8.9"));
    assert_eq!(d.changes[0].after.as_deref(), Some("http OpenSSH 9.2"));
    assert!(d.notes.is_empty(), "{:?}", d.notes);
    let text = d.text();
    assert!(
        text.contains("+ port 10.0.0.5 tcp/443") && text.contains("- port 10.0.0.5 tcp/80"),
        "{text}"
    );
}

#[test]
fn a_port_or_host_the_later_run_did_not_look_at_is_not_closed() {
    let a = record(
        "r1",
        "nmap",
        &["10.0.0.0/30"],
        &["nmap"],
        nmap(
            "22,80",
            json!([
        {"address": "10.0.0.1", "status": "up", "ports": [port(22, "open", ""), port(80, "open", "")]},
        {"address": "10.0.0.2", "status": "up", "ports": [port(22, "open", "")]}]),
        ),
    );
    // Later: only 10.0.0.1, only port 22.
    let b = record(
        "r2",
        "nmap",
        &["10.0.0.1"],
        &["nmap", "-p", "22"],
        nmap(
            "22",
            json!([
        {"address": "10.0.0.1", "status": "up", "ports": [port(22, "open", "")]}]),
        ),
    );
    let d = diff(&a, &b).unwrap();
    assert!(d.changes.is_empty(), "{:?}", d.changes);
    assert!(
        d.notes
            .iter()
            .any(|n| n.starts_with("2 host(s) or port(s)")),
        "{:?}",
        d.notes
    );
    assert!(
        d.notes.iter().any(|n| n.contains("different commands")),
        "{:?}",
        d.notes
    );
    // A host that went down inside the later run's target is gone.
    let c = record(
        "r3",
        "nmap",
        &["10.0.0.0/30"],
        &["nmap"],
        nmap(
            "22,80",
            json!([
        {"address": "10.0.0.1", "status": "up", "ports": [port(22, "open", ""), port(80, "open", "")]},
        {"address": "10.0.0.2", "status": "down", "ports": []}]),
        ),
    );
    assert_eq!(keys(&diff(&a, &c).unwrap()), ["Removed host 10.0.0.2"]);
    // A port newly scanned is added, and says it was not scanned before.
    let e = record(
        "r4",
        "nmap",
        &["10.0.0.1"],
        &["nmap"],
        nmap(
            "22,8080",
            json!([
        {"address": "10.0.0.1", "status": "up", "ports": [port(22, "open", ""), port(8080, "open", "")]}]),
        ),
    );
    let d = diff(&b, &e).unwrap();
    assert_eq!(
        d.changes[0].after.as_deref(),
        Some("http (not scanned before)")
    );
}

#[test]
fn masscan_gobuster_dig_hydra_sqlmap_diffs() {
    let ms = |id, ports: Value| {
        record(
            id,
            "masscan",
            &["10.0.0.0/24"],
            &["masscan", "-p", "22,80", "--", "10.0.0.0/24"],
            json!({"hosts": ports}),
        )
    };
    let d = diff(
        &ms("a", json!([{"address": "10.0.0.9", "ports": [{"port": 22, "proto": "tcp", "status": "open"}]}])),
        &ms("b", json!([{"address": "10.0.0.7", "ports": [{"port": 80, "proto": "tcp", "status": "open"}]}])),
    )
    .unwrap();
    assert_eq!(
        keys(&d),
        [
            "Removed host 10.0.0.9",
            "Added host 10.0.0.7",
            "Added port 10.0.0.7 tcp/80"
        ]
    );

    let gb = |id, mode: &str, found: Value| {
        record(
            id,
            "gobuster",
            &["10.0.0.7"],
            &["gobuster"],
            json!({"mode": mode, "found": found}),
        )
    };
    let d = diff(
        &gb(
            "a",
            "dir",
            json!([{"name": "/admin", "status": 301, "size": 0}, {"name": "/old", "status": 200}]),
        ),
        &gb(
            "b",
            "dir",
            json!([{"name": "/admin", "status": 200, "size": 10}, {"name": "/new", "status": 200}]),
        ),
    )
    .unwrap();
    assert_eq!(
        keys(&d),
        [
            "Changed path /admin",
            "Removed path /old",
            "Added path /new"
        ]
    );
    let d = diff(
        &gb("a", "dir", json!([])),
        &gb("b", "vhost", json!([{"name": "x"}])),
    )
    .unwrap();
    assert!(
        d.changes.is_empty() && d.notes[0].contains("modes differ"),
        "{d:?}"
    );

    let dig = |id, status: &str, data: &[&str]| {
        let answers: Vec<Value> = data
            .iter()
            .map(|d| json!({"name": "web.lab.", "type": "A", "data": d}))
            .collect();
        record(
            id,
            "dig",
            &["10.0.0.53"],
            &["dig"],
            json!({"status": status, "answers": answers}),
        )
    };
    let d = diff(
        &dig("a", "NOERROR", &["10.0.0.7"]),
        &dig("b", "NOERROR", &["10.0.0.8", "10.0.0.7"]),
    )
    .unwrap();
    assert_eq!(keys(&d), ["Changed answer web.lab. A"]);
    assert_eq!(d.changes[0].after.as_deref(), Some("10.0.0.7, 10.0.0.8"));
    let d = diff(
        &dig("a", "NOERROR", &["10.0.0.7"]),
        &dig("b", "NXDOMAIN", &[]),
    )
    .unwrap();
    assert_eq!(
        keys(&d),
        ["Changed dns_status status", "Removed answer web.lab. A"]
    );

    let hy = |id, logins: &[&str]| {
        let creds: Vec<Value> = logins
            .iter()
            .map(|l| json!({"host": "10.0.0.7", "port": 22, "service": "ssh", "login": l, "password": "hunter2"}))
            .collect();
        record(
            id,
            "hydra",
            &["10.0.0.7"],
            &["hydra"],
            json!({"credentials": creds}),
        )
    };
    let d = diff(&hy("a", &[]), &hy("b", &["admin"])).unwrap();
    assert_eq!(keys(&d), ["Added credential 10.0.0.7:22 ssh admin"]);
    assert!(
        !serde_json::to_string(&d).unwrap().contains("hunter2"),
        "a diff never shows a password"
    );

    let sq = |id, points: Value, dbms: &str| {
        record(
            id,
            "sqlmap",
            &["10.0.0.7"],
            &["sqlmap"],
            json!({"injection_points": points, "dbms": dbms}),
        )
    };
    let d = diff(
        &sq("a", json!([]), ""),
        &sq(
            "b",
            json!([{"place": "GET", "parameter": "id", "techniques": [{"type": "UNION query"}]}]),
            "SQLite",
        ),
    )
    .unwrap();
    assert_eq!(keys(&d), ["Added injection_point GET id"]);
    assert_eq!(d.changes[0].after.as_deref(), Some("UNION query"));
}

#[test]
fn runs_that_cannot_be_compared_say_why() {
    let a = record("a", "nmap", &["10.0.0.1"], &["nmap"], json!({}));
    let b = record("b", "dig", &["10.0.0.1"], &["dig"], json!({}));
    assert!(
        diff(&a, &b)
            .unwrap_err()
            .0
            .contains("only runs of the same tool compare")
    );
    let mut c = record("c", "nmap", &["10.0.0.1"], &["nmap"], json!({}));
    c.structured = None;
    c.outcome = "timeout".into();
    assert!(
        diff(&a, &c)
            .unwrap_err()
            .0
            .contains("kept no result (decision accepted, outcome timeout)")
    );
}

#[test]
fn the_diff_lists_at_most_its_cap_and_counts_the_rest() {
    let ports: Vec<Value> = (1..=600).map(|p| port(p, "open", "")).collect();
    let a = record(
        "a",
        "nmap",
        &["10.0.0.1"],
        &["nmap"],
        nmap(
            "1-600",
            json!([{"address": "10.0.0.1", "status": "up", "ports": []}]),
        ),
    );
    let b = record(
        "b",
        "nmap",
        &["10.0.0.1"],
        &["nmap"],
        nmap(
            "1-600",
            json!([{"address": "10.0.0.1", "status": "up", "ports": ports}]),
        ),
    );
    let d = diff(&a, &b).unwrap();
    assert_eq!(
        (d.changes.len(), d.omitted, d.counts.added),
        (500, 100, 600)
    );
    assert!(d.text().contains("and 580 more"), "{}", d.text());
}

#[test]
fn the_report_keeps_the_latest_state_and_every_command() {
    let argv = ["nmap", "-p", "22,80", "--", "10.0.0.5"];
    let first = record(
        "r1",
        "nmap",
        &["10.0.0.5"],
        &argv,
        nmap(
            "22,80",
            json!([{"address": "10.0.0.5", "status": "up", "ports": [
        port(22, "open", "OpenSSH"), port(80, "open", "nginx")]}]),
        ),
    );
    let second = record(
        "r2",
        "nmap",
        &["10.0.0.5"],
        &argv,
        nmap(
            "22,80",
            json!([{"address": "10.0.0.5", "status": "up", "ports": [
        port(22, "open", "OpenSSH"), port(80, "closed", "")]}]),
        ),
    );
    // A dig run pinned to the same host must not close its ports.
    let dig = record(
        "r3",
        "dig",
        &["10.0.0.5"],
        &["dig", "@10.0.0.5", "web.lab."],
        json!({"status": "NOERROR", "answers": [
        {"name": "web.lab.", "type": "A", "data": "10.0.0.5"}]}),
    );
    let mut refused = record("r0", "nmap", &["8.8.8.8"], &[], json!({}));
    refused.decision = Decision::Refused;
    let r = Report::build(
        vec![dig, second, refused, first],
        "everything".into(),
        1_700_000_000_000,
    );
    assert_eq!(
        r.commands
            .iter()
            .map(|c| c.run.as_str())
            .collect::<Vec<_>>(),
        ["r1", "r2", "r3"]
    );
    let services: Vec<&String> = r.hosts["10.0.0.5"].services.keys().collect();
    assert_eq!(services, ["tcp/22"]);
    assert_eq!(r.findings.len(), 1);
    let m = r.markdown();
    assert!(
        m.contains(r"| 10\.0\.0\.5 |  | tcp\/22 | http OpenSSH | r2 |"),
        "{m}"
    );
    assert!(m.contains(r"nmap \-p 22\,80 \-\- 10\.0\.0\.5"), "{m}");
    assert!(r.html().contains("<td>tcp/22</td><td>http OpenSSH</td>"));
}

#[test]
fn hostile_tool_text_cannot_become_markup_in_either_format() {
    let hostile =
        "<script>alert(1)</script> ![x](http://evil/p.png) [a](javascript:x) | `code` \n# head";
    let gb = record(
        "r1",
        "gobuster",
        &["10.0.0.7"],
        &["gobuster", "dir", "-u", "http://10.0.0.7/"],
        json!({
        "mode": "dir", "found": [{"name": hostile, "status": 200}]}),
    );
    let r = Report::build(vec![gb], "x".into(), 0);
    let html = r.html();
    assert!(
        !html.contains("<script>") && html.contains("&lt;script&gt;"),
        "{html}"
    );
    assert!(!html.contains("<img") && html.contains("default-src 'none'"));
    let md = r.markdown();
    for raw in ["![x](", "[a](", "<script>", "| `code`", "\n# head"] {
        assert!(!md.contains(raw), "{raw} in {md}");
    }
    assert!(md.contains(r"\!\[x\]\(http\:\/\/evil\/p\.png\)"), "{md}");
}

async fn store(dir: &std::path::Path) -> Store {
    Store::open(&StoreConfig {
        backend: Backend::Sqlite {
            path: dir.join("runs.db"),
        },
        op_timeout: Duration::from_secs(5),
        acquire_timeout: Duration::from_secs(5),
        max_lifetime: None,
    })
    .await
    .unwrap()
}

fn new_run(tool: &str, target: &str, pinned: &str, structured: Value, at: i64) -> NewRun {
    NewRun {
        started_at_ms: at,
        duration_ms: 5,
        run_ms: 4,
        client: "stdio".into(),
        owner: "os_user:tester".into(),
        correlation_id: "c".into(),
        tool: tool.into(),
        target: target.into(),
        arguments: json!({"target": target}),
        pinned: vec![pinned.into()],
        argv: vec![tool.into(), "--".into(), pinned.into()],
        decision: Decision::Accepted,
        code: String::new(),
        reason: String::new(),
        outcome: "ok".into(),
        summary: format!("{tool} on {target}: done"),
        structured: Some(structured),
        raw: Vec::new(),
        raw_truncated: false,
    }
}

fn args<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).unwrap()
}

#[tokio::test]
async fn history_filters_by_network_name_tool_and_time_and_diff_finds_the_last_two() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path()).await;
    let day = 86_400_000;
    let t0 = parse_utc("2026-12-01").unwrap();
    let scan = |p: u16| {
        nmap(
            "22,80",
            json!([{"address": "10.0.3.7", "status": "up", "ports": [port(p, "open", "")]}]),
        )
    };
    s.insert(&new_run("nmap", "10.0.3.0/24", "10.0.3.0/24", scan(22), t0))
        .await
        .unwrap();
    s.insert(&new_run("nmap", "10.0.3.7", "10.0.3.7", scan(80), t0 + day))
        .await
        .unwrap();
    s.insert(&new_run(
        "dig",
        "web.lab.internal",
        "10.0.3.7",
        json!({"status": "NOERROR"}),
        t0 + 2 * day,
    ))
    .await
    .unwrap();
    s.insert(&new_run(
        "nmap",
        "10.0.4.1",
        "10.0.4.1",
        scan(22),
        t0 + 2 * day,
    ))
    .await
    .unwrap();

    let ids = |v: &Value| -> Vec<String> {
        v["runs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| format!("{} {}", r["tool"], r["target"]).replace('"', ""))
            .collect()
    };
    let (_, v) = history(&s, args(json!({"target": "10.0.3.7"})), &Access::All)
        .await
        .unwrap();
    assert_eq!(
        ids(&v),
        ["dig web.lab.internal", "nmap 10.0.3.7", "nmap 10.0.3.0/24"]
    );
    let (_, v) = history(
        &s,
        args(json!({"target": "10.0.2.0/23", "tool": "NMAP"})),
        &Access::All,
    )
    .await
    .unwrap();
    assert_eq!(ids(&v), ["nmap 10.0.3.7", "nmap 10.0.3.0/24"]);
    let (_, v) = history(
        &s,
        args(json!({"target": "web.lab.internal"})),
        &Access::All,
    )
    .await
    .unwrap();
    assert_eq!(ids(&v), ["dig web.lab.internal"]);
    let (text, v) = history(
        &s,
        args(json!({"since": "2026-12-02", "until": "2026-12-03T00:00:00Z"})),
        &Access::All,
    )
    .await
    .unwrap();
    assert_eq!(ids(&v), ["nmap 10.0.3.7"]);
    assert!(
        text.contains("2026-12-02 00:00:00 nmap 10.0.3.7")
            && text.contains("nmap on 10.0.3.7: done"),
        "{text}"
    );
    assert_eq!(
        v["runs"][0]["uri"].as_str().unwrap(),
        format!("secmcp://runs/{}", v["runs"][0]["id"].as_str().unwrap())
    );
    let (_, v) = history(&s, args(json!({"limit": 1})), &Access::All)
        .await
        .unwrap();
    let (_, next) = history(
        &s,
        args(json!({"limit": 1, "cursor": v["next_cursor"]})),
        &Access::All,
    )
    .await
    .unwrap();
    assert_ne!(v["runs"][0]["id"], next["runs"][0]["id"]);

    for (bad, says) in [
        (json!({"target": "10.0.0.0/8"}), "at most 1024"),
        (json!({"tool": "curl"}), "not one of the network tools"),
        (json!({"since": "last week"}), "is not a time"),
        (json!({"cursor": "abc"}), "not one this server made"),
    ] {
        let e = history(&s, args(bad), &Access::All).await.unwrap_err();
        assert_eq!(e.code, crate::error::ErrorCode::ValidationError);
        assert!(e.message.contains(says), "{}", e.message);
    }
    assert!(
        serde_json::from_value::<HistoryArgs>(json!({"target": "x", "command": "id"})).is_err()
    );

    let (text, v) = compare(
        &s,
        args(json!({"tool": "nmap", "target": "10.0.3.0/24"})),
        &Access::All,
    )
    .await
    .unwrap();
    assert_eq!(
        v["counts"],
        json!({"added": 1, "removed": 1, "changed": 0}),
        "{text}"
    );
    assert!(
        text.contains("+ port 10.0.3.7 tcp/80") && text.contains("- port 10.0.3.7 tcp/22"),
        "{text}"
    );
    let e = compare(
        &s,
        args(json!({"tool": "dig", "target": "10.0.3.7"})),
        &Access::All,
    )
    .await
    .unwrap_err();
    assert!(
        e.message.contains("1 completed dig run(s)"),
        "{}",
        e.message
    );
    let e = compare(
        &s,
        args(json!({"before": v["after"]["id"], "after": "0190a3b4-1c2d-7e8f-9a0b-1c2d3e4f5a6b"})),
        &Access::All,
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, crate::error::ErrorCode::NotFound);
    let e = compare(&s, args(json!({"before": "x"})), &Access::All)
        .await
        .unwrap_err();
    assert!(
        e.message.contains("give `before` and `after`"),
        "{}",
        e.message
    );
    // Ids in either order: the earlier run is `before`.
    let (_, again) = compare(
        &s,
        args(json!({"before": v["after"]["id"], "after": v["before"]["id"]})),
        &Access::All,
    )
    .await
    .unwrap();
    assert_eq!(again["counts"], v["counts"]);
    s.close().await;
}

#[tokio::test]
async fn with_authentication_a_caller_reads_only_its_own_runs() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path()).await;
    let scan = nmap(
        "22",
        json!([{"address": "10.0.3.7", "status": "up", "ports": [port(22, "open", "")]}]),
    );
    let mut alice = Vec::new();
    for (owner, at) in [
        ("api_key:alice", 1),
        ("api_key:bob", 2),
        ("api_key:alice", 3),
    ] {
        let id = s
            .insert(&NewRun {
                owner: owner.into(),
                ..new_run("nmap", "10.0.3.7", "10.0.3.7", scan.clone(), at)
            })
            .await
            .unwrap();
        if owner.ends_with("alice") {
            alice.push(id);
        }
    }
    let me = Access::Owner("api_key:alice".into());
    let (_, v) = history(&s, args(json!({})), &me).await.unwrap();
    let ids: Vec<&str> = v["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [alice[1].as_str(), alice[0].as_str()]);
    let (_, all) = history(&s, args(json!({})), &Access::All).await.unwrap();
    assert_eq!(all["runs"].as_array().unwrap().len(), 3);
    // The last two of alice's own runs, never bob's in between.
    let (_, d) = compare(&s, args(json!({"tool": "nmap", "target": "10.0.3.7"})), &me)
        .await
        .unwrap();
    assert_eq!(
        (d["before"]["id"].as_str(), d["after"]["id"].as_str()),
        (Some(alice[0].as_str()), Some(alice[1].as_str()))
    );
    // bob's run does not exist for alice.
    let (_, bobs) = history(&s, args(json!({})), &Access::Owner("api_key:bob".into()))
        .await
        .unwrap();
    let bob = bobs["runs"][0]["id"].as_str().unwrap().to_owned();
    let e = compare(&s, args(json!({"before": alice[0], "after": bob})), &me)
        .await
        .unwrap_err();
    assert_eq!(e.code, crate::error::ErrorCode::NotFound);
    assert!(Access::All.allows("") && !me.allows("") && !me.allows("api_key:bob"));
    s.close().await;
}

#[test]
fn a_later_run_stopped_early_closes_nothing() {
    let argv = ["nmap", "-p", "22,80"];
    let a = record(
        "r1",
        "nmap",
        &["10.0.0.0/30"],
        &argv,
        nmap(
            "22,80",
            json!([
        {"address": "10.0.0.1", "status": "up", "ports": [port(22, "open", ""), port(80, "open", "")]},
        {"address": "10.0.0.2", "status": "up", "ports": [port(22, "open", "")]}]),
        ),
    );
    let mut b = record(
        "r2",
        "nmap",
        &["10.0.0.0/30"],
        &argv,
        nmap(
            "22,80",
            json!([
        {"address": "10.0.0.1", "status": "up", "ports": [port(22, "open", "")]}]),
        ),
    );
    b.outcome = "cancelled".into();
    let d = diff(&a, &b).unwrap();
    assert!(d.changes.is_empty(), "{:?}", d.changes);
    assert!(
        d.notes.iter().any(|n| n.contains("ended with `cancelled`")),
        "{:?}",
        d.notes
    );
    // In the report it adds what it saw and removes nothing.
    let r = Report::build(vec![a, b], "x".into(), 0);
    assert_eq!(r.hosts["10.0.0.1"].services.len(), 2);
    assert!(r.hosts.contains_key("10.0.0.2"));
}
