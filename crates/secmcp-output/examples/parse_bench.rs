//! Parser throughput on large outputs built from the real recorded golden files.
//!
//! `cargo run --release -p secmcp-output --example parse_bench` prints a Markdown
//! table: input size, median time per parse and throughput. Inputs are made by
//! repeating real records (nmap `<host>` blocks, masscan NDJSON lines, gobuster
//! result lines, sqlmap log lines) so every byte is real tool output.

#![allow(clippy::print_stdout)] // a benchmark that prints its table

use std::path::Path;
use std::time::{Duration, Instant};

use secmcp_output::{Bounds, dig, gobuster, hydra, masscan, nmap, sqlmap};

const TARGET_BYTES: usize = 16 * 1024 * 1024;

fn golden(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Repeats `unit` until the whole is about `TARGET_BYTES`.
fn repeat(unit: &[u8]) -> Vec<u8> {
    let n = TARGET_BYTES / unit.len().max(1) + 1;
    unit.repeat(n)
}

/// An nmap XML document with the recorded host blocks repeated.
fn big_nmap() -> Vec<u8> {
    let xml = String::from_utf8(golden("nmap-range.xml")).unwrap();
    let first = xml.find("<host ").unwrap();
    let last = xml.rfind("</host>").unwrap() + "</host>".len();
    let (head, hosts, tail) = (&xml[..first], &xml[first..last], &xml[last..]);
    let mut out = head.as_bytes().to_vec();
    out.extend(repeat(hosts.as_bytes()));
    out.extend_from_slice(tail.as_bytes());
    out
}

/// Times `f`, which parses `reps` times an input of `input_len` bytes.
fn measure(label: &str, input_len: usize, reps: u32, mut f: impl FnMut()) {
    let mut times = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(3);
    while times.len() < 5 || (Instant::now() < deadline && times.len() < 200) {
        let t = Instant::now();
        f();
        times.push(t.elapsed());
    }
    times.sort();
    let per_parse = times[times.len() / 2] / reps;
    let mib = input_len as f64 / (1024.0 * 1024.0);
    let size = if input_len >= 1 << 20 {
        format!("{mib:.2} MiB")
    } else {
        format!("{input_len} B")
    };
    let time = if per_parse >= Duration::from_millis(1) {
        format!("{:.2} ms", per_parse.as_secs_f64() * 1e3)
    } else {
        format!("{:.1} µs", per_parse.as_secs_f64() * 1e6)
    };
    println!(
        "| {label} | {size} | {time} | {:.0} MiB/s | {} |",
        mib / per_parse.as_secs_f64(),
        times.len() * reps as usize
    );
}

fn main() {
    let bounds = Bounds::default();
    println!("| parser (input) | size | median per parse | throughput | runs |");
    println!("|---|---|---|---|---|");

    let xml = big_nmap();
    measure("nmap XML (repeated /29 host blocks)", xml.len(), 1, || {
        let r = nmap::parse(&xml, &bounds);
        assert!(r.complete && r.hosts.len() == bounds.max_hosts);
    });

    let nd = repeat(&golden("masscan-oD-range.ndjson"));
    measure("masscan -oD NDJSON", nd.len(), 1, || {
        let r = masscan::parse(&nd, &bounds);
        std::hint::black_box(r);
    });

    let gb = repeat(&golden("gobuster-3.5-dir.out"));
    measure("gobuster dir lines", gb.len(), 1, || {
        let r = gobuster::parse("dir", &gb, b"", 10_000);
        std::hint::black_box(r);
    });

    let log = repeat(&golden("sqlmap/dump-users.log"));
    measure("sqlmap log", log.len(), 1, || {
        let r = sqlmap::parse(&sqlmap::SqlmapInput {
            stdout: b"",
            log: &log,
        });
        std::hint::black_box(r);
    });

    let yaml = golden("dig-axfr.yaml");
    measure(
        "dig +yaml (one AXFR answer, recorded)",
        yaml.len(),
        1000,
        || {
            for _ in 0..1000 {
                std::hint::black_box(dig::parse(&yaml, &bounds));
            }
        },
    );

    let json = golden("hydra-9.4-get.json");
    let out = golden("hydra-9.4-get.out");
    measure(
        "hydra -b json + stdout (recorded)",
        json.len() + out.len(),
        1000,
        || {
            for _ in 0..1000 {
                std::hint::black_box(hydra::parse(Some(&json), &out, b"", 100));
            }
        },
    );
    println!(
        "\nThe dig and hydra rows time one small recorded output (their outputs are \
         small by nature); the others one parse of ~16 MiB of repeated real records."
    );
}
