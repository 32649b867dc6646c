//! Run records through MCP: every call kept before its result returns, the
//! result's `resource_link`, `resources/list` pages (newest first, opaque
//! cursors), `resources/read` of a run and its raw output, templates, secrets
//! never stored in clear, and a failing store reported without failing calls.

use std::path::Path;
use std::sync::Arc;

use rmcp::model::{PaginatedRequestParams, ReadResourceRequestParams, ResourceContents};
use serde_json::{Value, json};

use secmcp::config::Config;
use secmcp::dispatch::Core;
use secmcp::store::Recorder;

use crate::util::{Client, call, connect, fake_tool, loopback, settings, text};

async fn core_with_store(dir: &Path, edit: impl FnOnce(&mut Config)) -> Arc<Core> {
    let data = dir.join("data");
    let s = settings(|c| {
        loopback(c);
        c.limits.rate_per_minute = 0;
        c.storage.data_dir = data.display().to_string();
        edit(c);
    });
    let recorder = Recorder::open(&s.storage).await.unwrap();
    let core = Arc::new(Core::new(s, Default::default()));
    core.attach_recorder(Arc::new(recorder));
    core
}

fn link_of(r: &rmcp::model::CallToolResult) -> String {
    let links: Vec<String> = r
        .content
        .iter()
        .filter_map(|c| match c {
            rmcp::model::ContentBlock::ResourceLink(l) => Some(l.uri.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(links.len(), 1, "one resource_link: {:?}", r.content);
    assert!(links[0].starts_with("secmcp://runs/"), "{}", links[0]);
    links[0].clone()
}

async fn read_text(client: &Client, uri: &str) -> String {
    let r = client
        .read_resource(ReadResourceRequestParams::new(uri))
        .await
        .unwrap();
    match &r.contents[0] {
        ResourceContents::TextResourceContents { text, .. } => text.clone(),
        other => panic!("not text: {other:?}"),
    }
}

async fn read_json(client: &Client, uri: &str) -> Value {
    serde_json::from_str(&read_text(client, uri).await).unwrap()
}

#[tokio::test]
async fn an_accepted_run_is_kept_with_argv_pinned_address_and_raw_output() {
    let dir = tempfile::tempdir().unwrap();
    let xml = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../secmcp-output/tests/golden/nmap-sT-open-closed.xml");
    let fake = fake_tool(dir.path(), &format!("cat {}", xml.display()));
    let core = core_with_store(dir.path(), |c| {
        c.tools.nmap.binary = fake.display().to_string();
    })
    .await;
    let (client, _) = connect(core).await;
    let r = client
        .call_tool(call(
            "nmap",
            json!({"target": "127.0.0.1", "ports": "22,80"}),
        ))
        .await
        .unwrap();
    assert_ne!(r.is_error, Some(true), "{}", text(&r));
    let uri = link_of(&r);
    let run = read_json(&client, &uri).await;
    assert_eq!(run["tool"], "nmap");
    assert_eq!(run["decision"], "accepted");
    assert_eq!(run["outcome"], "ok");
    assert_eq!(run["pinned"], json!(["127.0.0.1"]));
    assert_eq!(run["argv"][0], "nmap");
    assert_eq!(run["argv"].as_array().unwrap().last().unwrap(), "127.0.0.1");
    assert_eq!(run["structured"], r.structured_content.clone().unwrap());
    assert_eq!(run["arguments"]["ports"], "22,80");
    let raw = read_text(&client, &format!("{uri}/raw")).await;
    assert_eq!(raw, std::fs::read_to_string(&xml).unwrap());
}

#[tokio::test]
async fn refused_calls_are_kept_and_listed_newest_first_in_pages() {
    let dir = tempfile::tempdir().unwrap();
    let core = core_with_store(dir.path(), |_| {}).await;
    let (client, _) = connect(core).await;
    let mut uris = Vec::new();
    for i in 0..60 {
        let r = client
            .call_tool(call("nmap", json!({"target": format!("8.8.8.{i}")})))
            .await
            .unwrap();
        assert_eq!(r.is_error, Some(true));
        uris.push(link_of(&r));
    }
    let run = read_json(&client, &uris[0]).await;
    assert_eq!(run["decision"], "refused");
    assert_eq!(run["target"], "8.8.8.0");
    assert!(!run["code"].as_str().unwrap().is_empty(), "{run}");
    assert!(run["pinned"].as_array().unwrap().is_empty());
    // Page 1: health and the 50 newest runs; page 2: the other 10.
    let first = client.list_resources(None).await.unwrap();
    assert_eq!(first.resources[0].uri, "secmcp://health");
    let cursor = first.next_cursor.clone().expect("a second page");
    let second = client
        .list_resources(Some(
            PaginatedRequestParams::default().with_cursor(Some(cursor)),
        ))
        .await
        .unwrap();
    assert!(second.next_cursor.is_none());
    let listed: Vec<String> = first.resources[1..]
        .iter()
        .chain(&second.resources)
        .map(|r| r.uri.clone())
        .collect();
    uris.reverse();
    assert_eq!(listed, uris, "every run once, newest first");
    // A cursor the server did not make is invalid params, not page one.
    let bad = client
        .list_resources(Some(
            PaginatedRequestParams::default().with_cursor(Some("not-a-cursor".into())),
        ))
        .await
        .unwrap_err();
    assert!(
        format!("{bad:?}").contains("-32602") || format!("{bad:?}").contains("InvalidParams"),
        "{bad:?}"
    );
    // Unknown and malformed run ids: resource not found.
    for uri in [
        "secmcp://runs/01900000-0000-7000-8000-000000000000",
        "secmcp://runs/nope",
        "secmcp://runs/",
        "secmcp://other",
    ] {
        let e = client
            .read_resource(ReadResourceRequestParams::new(uri))
            .await
            .unwrap_err();
        assert!(
            format!("{e:?}").contains("-32002") || format!("{e:?}").contains("ResourceNotFound"),
            "{uri}: {e:?}"
        );
    }
    let templates = client.list_resource_templates(None).await.unwrap();
    let names: Vec<&str> = templates
        .resource_templates
        .iter()
        .map(|t| t.uri_template.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "secmcp://runs/{id}",
            "secmcp://runs/{id}/page/{n}",
            "secmcp://runs/{id}/raw"
        ]
    );
}

#[tokio::test]
async fn inline_passwords_never_reach_the_database_files() {
    let dir = tempfile::tempdir().unwrap();
    let core = core_with_store(dir.path(), |c| c.security.allow_intrusive = true).await;
    let (client, _) = connect(core).await;
    let r = client
        .call_tool(call(
            "hydra",
            json!({"target": "8.8.8.8", "service": "ssh", "usernames": ["root"], "passwords": ["Winter2024!secret"], "extra_args": "-t 1"}),
        ))
        .await
        .unwrap();
    let uri = link_of(&r);
    let run = read_json(&client, &uri).await;
    assert_eq!(run["arguments"]["passwords"], json!(["***"]), "{run}");
    assert_eq!(run["arguments"]["usernames"], json!(["root"]));
    for entry in std::fs::read_dir(dir.path().join("data")).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(
            !bytes.windows(17).any(|w| w == b"Winter2024!secret"),
            "the password is in a database file"
        );
    }
}

#[tokio::test]
async fn a_failing_store_never_fails_the_call_and_shows_in_health_and_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let core = core_with_store(dir.path(), |_| {}).await;
    core.recorder().unwrap().store().close().await;
    let (client, _) = connect(core.clone()).await;
    let r = client
        .call_tool(call("nmap", json!({"target": "8.8.8.8"})))
        .await
        .unwrap();
    let t = text(&r);
    assert!(t.starts_with("scope_denied") || t.contains("scope"), "{t}");
    assert!(t.contains("record could not be kept"), "{t}");
    assert!(
        !r.content
            .iter()
            .any(|c| matches!(c, rmcp::model::ContentBlock::ResourceLink(_)))
    );
    let health = serde_json::to_value(core.health()).unwrap();
    let store = health["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "store")
        .expect("a store component");
    assert_eq!(store["status"], "degraded", "{store}");
    let metrics = core.metrics().encode();
    assert!(
        metrics.contains("secmcp_run_records_total{result=\"failed\"} 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn the_runs_command_lists_shows_and_exports_the_stored_runs() {
    let dir = tempfile::tempdir().unwrap();
    let core = core_with_store(dir.path(), |_| {}).await;
    let (client, _) = connect(core.clone()).await;
    let mut ids = Vec::new();
    for target in ["8.8.8.8", "9.9.9.9"] {
        let r = client
            .call_tool(call("nmap", json!({"target": target})))
            .await
            .unwrap();
        ids.push(link_of(&r).trim_start_matches("secmcp://runs/").to_owned());
    }
    core.recorder().unwrap().store().close().await;
    let data = dir.path().join("data");
    let runs = |args: &[&str]| {
        let mut cmd = std::process::Command::new(crate::util::BIN);
        cmd.arg("runs").args(args).arg("--data-dir").arg(&data);
        for (k, _) in std::env::vars() {
            if k.starts_with("MCP_") || k.starts_with("SECMCP_") {
                cmd.env_remove(k);
            }
        }
        let out = cmd.output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, table, err) = runs(&["list"]);
    assert!(ok, "{err}");
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("ID"), "{table}");
    assert!(
        lines[1].starts_with(&ids[1]) && lines[1].contains("9.9.9.9"),
        "newest first: {table}"
    );
    assert!(
        lines[2].starts_with(&ids[0]) && lines[2].contains("refused"),
        "{table}"
    );
    let (ok, json_list, _) = runs(&["list", "--json", "--target", "8.8.8.8"]);
    assert!(ok);
    let v: Value = serde_json::from_str(&json_list).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["id"], ids[0]);
    let (ok, shown, _) = runs(&["show", &ids[0]]);
    assert!(ok);
    let run: Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(run["target"], "8.8.8.8");
    let (ok, exported, _) = runs(&["export"]);
    assert!(ok);
    assert_eq!(exported.lines().count(), 2);
    for line in exported.lines() {
        let _: Value = serde_json::from_str(line).unwrap();
    }
    let (ok, _, err) = runs(&["show", "01900000-0000-7000-8000-000000000000"]);
    assert!(!ok && err.contains("run_not_found"), "{err}");
}

#[tokio::test]
async fn a_result_over_the_budget_is_read_back_whole_in_pages_that_fit_it() {
    let dir = tempfile::tempdir().unwrap();
    // 200 hosts up, each with an open port: far more JSON than a 4 KiB budget.
    let mut xml = String::from(
        "<?xml version=\"1.0\"?><nmaprun scanner=\"nmap\" args=\"nmap\" start=\"1\" version=\"7.93\" xmloutputversion=\"1.05\"><scaninfo type=\"connect\" protocol=\"tcp\" numservices=\"1\" services=\"80\"/>",
    );
    for i in 1..=200 {
        xml.push_str(&format!(
            "<host><status state=\"up\" reason=\"syn-ack\" reason_ttl=\"0\"/><address addr=\"127.0.0.{i}\" addrtype=\"ipv4\"/><hostnames></hostnames><ports><port protocol=\"tcp\" portid=\"80\"><state state=\"open\" reason=\"syn-ack\" reason_ttl=\"0\"/><service name=\"http\" method=\"table\" conf=\"3\"/></port></ports></host>"
        ));
    }
    xml.push_str("<runstats><finished time=\"2\" elapsed=\"1.00\" exit=\"success\"/><hosts up=\"200\" down=\"56\" total=\"256\"/></runstats></nmaprun>");
    let out = dir.path().join("scan.xml");
    std::fs::write(&out, xml).unwrap();
    let fake = fake_tool(dir.path(), &format!("cat {}", out.display()));
    let core = core_with_store(dir.path(), |c| {
        c.tools.nmap.binary = fake.display().to_string();
        c.storage.result_budget_bytes = 4096;
    })
    .await;
    let (client, _) = connect(core).await;
    let r = client
        .call_tool(call(
            "nmap",
            json!({"target": "127.0.0.0/24", "ports": "80"}),
        ))
        .await
        .unwrap();
    let t = r
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n");
    let uri = link_of(&r);
    assert!(
        t.contains(&format!("{uri}/page/1")) && t.contains("/hosts in"),
        "the note names the pages: {t}"
    );
    let kept = r.structured_content.as_ref().unwrap()["hosts"]
        .as_array()
        .unwrap()
        .len();
    assert!(
        kept < 200,
        "the tool result was cut to the budget ({kept} hosts)"
    );
    let mut seen = Vec::new();
    let mut pages = usize::MAX;
    let mut n = 1;
    while n <= pages {
        let contents = client
            .read_resource(ReadResourceRequestParams::new(format!("{uri}/page/{n}")))
            .await
            .unwrap()
            .contents;
        let ResourceContents::TextResourceContents { text, .. } = &contents[0] else {
            panic!("a text resource");
        };
        assert!(text.len() <= 4096 + 200, "page {n} is {} bytes", text.len());
        let page: Value = serde_json::from_str(text).unwrap();
        assert_eq!(
            (page["page"].as_u64(), page["list"].as_str()),
            (Some(n as u64), Some("/hosts"))
        );
        pages = usize::try_from(page["pages"].as_u64().unwrap()).unwrap();
        for h in page["structured"]["hosts"].as_array().unwrap() {
            seen.push(h["address"].as_str().unwrap().to_owned());
        }
        n += 1;
    }
    let want: Vec<String> = (1..=200).map(|i| format!("127.0.0.{i}")).collect();
    assert_eq!(seen, want, "every host on exactly one page, in order");
    let e = client
        .read_resource(ReadResourceRequestParams::new(format!(
            "{uri}/page/{}",
            pages + 1
        )))
        .await
        .unwrap_err();
    assert!(
        format!("{e:?}").contains(&format!("has {pages} page(s)")),
        "{e:?}"
    );
}

#[tokio::test]
async fn the_background_pruning_removes_runs_past_retention_at_start_and_stops_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let s = settings(|c| {
        c.storage.data_dir = dir.path().join("data").display().to_string();
        c.storage.retention_days = 30;
    });
    let recorder = Arc::new(Recorder::open(&s.storage).await.unwrap());
    let now = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap();
    let run = |at: i64, target: &str| secmcp_store::NewRun {
        started_at_ms: at,
        duration_ms: 1,
        run_ms: 0,
        client: "stdio".into(),
        owner: "os_user:tester".into(),
        correlation_id: "c".into(),
        tool: "nmap".into(),
        target: target.into(),
        arguments: json!({}),
        pinned: vec![],
        argv: vec![],
        decision: secmcp_store::Decision::Refused,
        code: "scope_denied".into(),
        reason: String::new(),
        outcome: "scope_denied".into(),
        summary: String::new(),
        structured: None,
        raw: Vec::new(),
        raw_truncated: false,
    };
    let store = recorder.store();
    let old = store
        .insert(&run(now - 31 * 86_400_000, "10.0.0.1"))
        .await
        .unwrap();
    let fresh = store
        .insert(&run(now - 29 * 86_400_000, "10.0.0.2"))
        .await
        .unwrap();
    let stop = tokio_util::sync::CancellationToken::new();
    let looping = {
        let (r, s, stop) = (recorder.clone(), s.storage.clone(), stop.clone());
        tokio::spawn(async move { r.prune_loop(move || s.clone(), stop).await })
    };
    let mut gone = false;
    for _ in 0..100 {
        if store.get(&old).await.unwrap().is_none() {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        gone,
        "a run older than retention_days was not pruned at start"
    );
    assert!(
        store.get(&fresh).await.unwrap().is_some(),
        "a run within retention was pruned"
    );
    stop.cancel();
    tokio::time::timeout(std::time::Duration::from_secs(5), looping)
        .await
        .expect("the loop stops when asked")
        .unwrap();
}

/// Mounts a tmpfs of `size` on `dir` (the suite runs in its own mount namespace).
fn small_disk(dir: &Path, size: &str) {
    std::fs::create_dir_all(dir).unwrap();
    let out = std::process::Command::new("mount")
        .args([
            "-t",
            "tmpfs",
            "-o",
            &format!("size={size},mode=0700"),
            "tmpfs",
        ])
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "mounting a tmpfs needs the suite's own mount namespace (scripts/test.sh): {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn a_full_disk_loses_no_kept_run_and_the_store_recovers_when_space_returns() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    small_disk(&data, "1m");
    let xml = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../secmcp-output/tests/golden/nmap-sT-open-closed.xml");
    let fake = fake_tool(dir.path(), &format!("cat {}", xml.display()));
    let core = core_with_store(dir.path(), |c| {
        c.tools.nmap.binary = fake.display().to_string();
    })
    .await;
    let (client, _) = connect(core.clone()).await;
    let scan = || call("nmap", json!({"target": "127.0.0.1", "ports": "80"}));
    let mut kept = Vec::new();
    let mut refused_records = 0;
    // Fill the disk, then keep calling: every call still gets its result.
    let filler = data.join("filler");
    let _ = std::process::Command::new("dd")
        .args(["if=/dev/zero", "bs=4k"])
        .arg(format!("of={}", filler.display()))
        .output()
        .unwrap();
    for _ in 0..30 {
        let r = client.call_tool(scan()).await.unwrap();
        assert_ne!(r.is_error, Some(true), "{}", text(&r));
        assert!(r.structured_content.is_some(), "the scan's result is whole");
        let links = r
            .content
            .iter()
            .filter_map(|c| match c {
                rmcp::model::ContentBlock::ResourceLink(l) => Some(l.uri.clone()),
                _ => None,
            })
            .collect::<Vec<_>>();
        match links.first() {
            Some(l) => kept.push(l.trim_start_matches("secmcp://runs/").to_owned()),
            None => {
                let all: String = r
                    .content
                    .iter()
                    .filter_map(|c| c.as_text().map(|t| t.text.clone()))
                    .collect();
                assert!(all.contains("record could not be kept"), "{all}");
                refused_records += 1;
            }
        }
    }
    assert!(refused_records > 0, "the full disk never refused a record");
    let health = serde_json::to_value(core.health()).unwrap();
    let store = health["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "store")
        .unwrap()
        .clone();
    assert_eq!(store["status"], "degraded", "{store}");
    // Space returns: the next call is kept again, without a restart.
    std::fs::remove_file(&filler).unwrap();
    let r = client.call_tool(scan()).await.unwrap();
    kept.push(link_of(&r).trim_start_matches("secmcp://runs/").to_owned());
    // Every run a caller was told is kept is there after reopening the database.
    core.recorder().unwrap().store().close().await;
    let s = settings(|c| c.storage.data_dir = data.display().to_string());
    let reopened = Recorder::open(&s.storage).await.unwrap();
    let mut missing = Vec::new();
    for (i, id) in kept.iter().enumerate() {
        if reopened.store().get(id).await.unwrap().is_none() {
            missing.push(i);
        }
    }
    assert!(
        missing.is_empty(),
        "runs {missing:?} of {} were reported kept and are gone ({refused_records} not kept)",
        kept.len()
    );
    reopened.store().close().await;
    let _ = std::process::Command::new("umount").arg(&data).status();
}
