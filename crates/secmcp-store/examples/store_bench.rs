//! Run-store benchmark (docs/PERFORMANCE.md): the time one run's record adds
//! to a call (SQLite, WAL, synchronous=NORMAL, committed before returning),
//! resident memory over 10,000 stored runs, and `list` (the resources/list
//! page) on 100,000 runs. Writes Markdown table rows to stdout.
//!
//!   cargo run --release -p secmcp-store --example store-bench [DIR]
#![allow(clippy::print_stdout)] // a benchmark prints its table

use std::time::{Duration, Instant};

use secmcp_store::{Backend, Decision, ListQuery, NewRun, Store, StoreConfig};

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn run(i: i64) -> NewRun {
    let ports: Vec<serde_json::Value> = (0..20)
        .map(|p| serde_json::json!({"port": 20 + p, "protocol": "tcp", "state": if p % 3 == 0 { "open" } else { "closed" }, "service": "http"}))
        .collect();
    NewRun {
        started_at_ms: 1_700_000_000_000 + i,
        duration_ms: 20,
        run_ms: 19,
        client: "stdio".into(),
        owner: "os_user:tester".into(),
        correlation_id: format!("bench-{i}"),
        tool: "nmap".into(),
        target: format!("10.0.{}.{}", (i / 250) % 250, i % 250),
        arguments: serde_json::json!({"target": "10.0.0.1", "ports": "20-40"}),
        pinned: vec![format!("10.0.{}.{}", (i / 250) % 250, i % 250)],
        argv: ["nmap", "-n", "-oX", "-", "--noninteractive", "-sT", "-p", "20-40", "10.0.0.1"]
            .map(String::from)
            .to_vec(),
        decision: Decision::Accepted,
        code: String::new(),
        reason: String::new(),
        outcome: "ok".into(),
        summary: "10.0.0.1: up; 7 open, 14 closed".into(),
        structured: Some(serde_json::json!({"hosts": [{"address": "10.0.0.1", "ports": ports}]})),
        raw: "<port protocol=\"tcp\" portid=\"22\"><state state=\"open\" reason=\"syn-ack\"/></port>\n"
            .repeat(40)
            .into_bytes(),
        raw_truncated: false,
    }
}

fn median(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort();
    (v[v.len() / 2], v[v.len() * 9 / 10])
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join(format!("secmcp-store-bench-{}", std::process::id()));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let cfg = StoreConfig {
            backend: Backend::Sqlite {
                path: dir.join("runs.db"),
            },
            op_timeout: Duration::from_secs(30),
            acquire_timeout: Duration::from_secs(30),
            max_lifetime: None,
        };
        let store = Store::open(&cfg).await.unwrap();
        // Warm up, then time single inserts as a call does them.
        for i in 0..200 {
            store.insert(&run(i)).await.unwrap();
        }
        let rss_before = rss_kib();
        let mut times = Vec::new();
        for i in 200..10_200 {
            let t = Instant::now();
            store.insert(&run(i)).await.unwrap();
            times.push(t.elapsed());
        }
        let rss_after = rss_kib();
        let (m, p90) = median(times);
        println!(
            "| store one run's record (SQLite WAL, committed) | {:.1} µs | {:.1} µs | 10000 |",
            m.as_secs_f64() * 1e6,
            p90.as_secs_f64() * 1e6
        );
        println!(
            "| RSS before / after 10,000 stored runs | {} / {} KiB | | |",
            rss_before, rss_after
        );
        // Fill to 100,000 runs in bulk (concurrent writers), then time list pages.
        let mut i = 10_200;
        while i < 100_000 {
            let batch: Vec<_> = (i..(i + 64).min(100_000))
                .map(|j| {
                    let s = store.clone();
                    tokio::spawn(async move { s.insert(&run(j)).await.unwrap() })
                })
                .collect();
            for b in batch {
                b.await.unwrap();
            }
            i += 64;
        }
        let (n, size) = store.totals().await.unwrap();
        let mut first = Vec::new();
        let mut deep = Vec::new();
        let mut cursor = None;
        for k in 0..200 {
            let t = Instant::now();
            let page = store
                .list(&ListQuery {
                    limit: 50,
                    cursor: cursor.clone(),
                    ..ListQuery::default()
                })
                .await
                .unwrap();
            if k == 0 {
                first.push(t.elapsed());
            } else {
                deep.push(t.elapsed());
            }
            cursor = page.next_cursor;
        }
        for _ in 0..199 {
            let t = Instant::now();
            store
                .list(&ListQuery {
                    limit: 50,
                    ..ListQuery::default()
                })
                .await
                .unwrap();
            first.push(t.elapsed());
        }
        let (fm, fp) = median(first);
        let (dm, dp) = median(deep);
        println!(
            "| list 50 runs, first page, {n} runs ({:.0} MiB stored) | {:.2} ms | {:.2} ms | 200 |",
            size as f64 / 1048576.0,
            fm.as_secs_f64() * 1e3,
            fp.as_secs_f64() * 1e3
        );
        println!(
            "| list 50 runs, following pages by cursor | {:.2} ms | {:.2} ms | 199 |",
            dm.as_secs_f64() * 1e3,
            dp.as_secs_f64() * 1e3
        );
        store.close().await;
    });
    let _ = std::fs::remove_dir_all(&dir);
}
