//! Benchmark of the built `secmcp` binary over stdio, as a client sees it.
//!
//! Measures: cold start to the first `initialize` response, `tools/list` round
//! trips, a policy-rejected call (client round trip and pure server time in
//! process), an nmap call through the server against the same nmap command run
//! directly, and idle/peak RSS. Prints a Markdown table (medians, p90).
//!
//! Run it inside a private network namespace (it scans 127.0.0.1 only):
//! `scripts/bench.sh` builds in release mode and does that for you.

#![allow(clippy::print_stdout, clippy::disallowed_methods)] // a CLI harness that drives the server

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

struct Session {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: u64,
}

impl Session {
    fn start(bin: &Path, config: Option<&Path>) -> Session {
        let mut cmd = Command::new(bin);
        // The default per-client rate limit (60/min) would turn most of these
        // thousands of calls into resource_exhausted; the bench measures the
        // policy path, so the limit is off.
        cmd.arg("serve")
            .env("SECMCP_RATE_LIMIT_PER_MINUTE", "0")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(c) = config {
            cmd.arg("--config").arg(c);
        }
        let mut child = cmd.spawn().expect("start secmcp");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Session {
            child,
            stdin,
            stdout,
            next_id: 1,
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let msg = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        writeln!(self.stdin, "{msg}").unwrap();
        self.stdin.flush().unwrap();
        loop {
            let mut line = String::new();
            assert!(
                self.stdout.read_line(&mut line).unwrap() > 0,
                "server closed stdout"
            );
            let v: Value = serde_json::from_str(&line).expect("stdout carries only JSON-RPC");
            if v.get("id") == Some(&json!(id)) {
                return v;
            }
        }
    }

    fn notify(&mut self, method: &str) {
        writeln!(
            self.stdin,
            "{}",
            json!({"jsonrpc": "2.0", "method": method})
        )
        .unwrap();
    }

    fn initialize(&mut self) -> Value {
        let v = self.request(
            "initialize",
            json!({"protocolVersion": "2025-11-25", "capabilities": {},
                   "clientInfo": {"name": "bench", "version": "1"}}),
        );
        self.notify("notifications/initialized");
        v
    }

    fn rss_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }

    fn stop(mut self) {
        drop(self.stdin);
        let _ = self.child.wait();
    }
}

fn stats(mut xs: Vec<Duration>) -> (Duration, Duration) {
    xs.sort();
    let med = xs[xs.len() / 2];
    let p90 = xs[(xs.len() * 9 / 10).min(xs.len() - 1)];
    (med, p90)
}

fn fmt(d: Duration) -> String {
    if d < Duration::from_millis(1) {
        format!("{:.1} µs", d.as_secs_f64() * 1e6)
    } else {
        format!("{:.2} ms", d.as_secs_f64() * 1e3)
    }
}

/// Pure server time of a policy-rejected call: the dispatch pipeline in
/// process, without transport or JSON-RPC framing.
fn in_process_rejection(rounds: usize) {
    let mut config = secmcp::config::Config::default();
    config.limits.rate_per_minute = 0; // measure the policy path, not the rate limiter
    let settings = secmcp::config::Settings::from_config(config, false).unwrap();
    let core = secmcp::dispatch::Core::new(settings, Default::default());
    let tool = core.tool("nmap").unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let cases = [
        ("out of scope", json!({"target": "8.8.8.8"}), "scope_denied"),
        (
            "file flag",
            json!({"target": "10.0.0.1", "extra_args": "-sT -p 80 -oN /tmp/x"}),
            "validation_error",
        ),
    ];
    for (label, args, code) in cases {
        let mut times = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let args = args.as_object().cloned();
            let t = Instant::now();
            let r = rt.block_on(core.call(tool, args, Default::default()));
            times.push(t.elapsed());
            assert_eq!(
                r.result.as_ref().map_err(|e| e.code.as_str()).err(),
                Some(code)
            );
        }
        let (m, p) = stats(times);
        println!(
            "| rejected call, server time in process ({label}) | {} | {} | {rounds} |",
            fmt(m),
            fmt(p)
        );
    }
}

/// One nmap call through the server, then the same argv run directly, `k`
/// times alternating; prints both medians and the difference.
fn nmap_vs_direct(s: &mut Session, args: &str, k: usize) {
    let mut via = Vec::new();
    let mut direct = Vec::new();
    for _ in 0..k {
        let t = Instant::now();
        let v = s.request(
            "tools/call",
            json!({"name": "nmap", "arguments": {"target": "127.0.0.1", "extra_args": args}}),
        );
        via.push(t.elapsed());
        let argv: Vec<String> =
            serde_json::from_value(v["result"]["structuredContent"]["argv"].clone())
                .unwrap_or_else(|_| panic!("nmap call failed: {v}"));
        let t = Instant::now();
        let out = Command::new("nmap")
            .args(&argv[1..])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        direct.push(t.elapsed());
        assert!(out.status.success());
    }
    let (mv, pv) = stats(via);
    let (md, pd) = stats(direct);
    println!(
        "| nmap via server ({args} 127.0.0.1) | {} | {} | {k} |",
        fmt(mv),
        fmt(pv)
    );
    println!(
        "| same nmap argv run directly | {} | {} | {k} |",
        fmt(md),
        fmt(pd)
    );
    let over = mv.as_secs_f64() - md.as_secs_f64();
    println!(
        "| server overhead on that nmap call (median difference) | {:+.2} ms ({:+.2} %) | | {k} |",
        over * 1e3,
        over / md.as_secs_f64() * 100.0
    );
}

/// The same nmap call with and without a progress token, `k` times
/// alternating: what following the scan's progress costs (nmap's
/// `--stats-every`, the output tap, the notifications).
fn nmap_progress_cost(s: &mut Session, args: &str, k: usize) {
    let mut plain = Vec::new();
    let mut followed = Vec::new();
    for i in 0..k {
        let call = |meta: bool| {
            let mut params =
                json!({"name": "nmap", "arguments": {"target": "127.0.0.1", "extra_args": args}});
            if meta {
                params["_meta"] = json!({"progressToken": format!("bench-{i}")});
            }
            params
        };
        let t = Instant::now();
        let v = s.request("tools/call", call(false));
        plain.push(t.elapsed());
        assert!(v["result"]["isError"] != json!(true), "{v}");
        let t = Instant::now();
        let v = s.request("tools/call", call(true));
        followed.push(t.elapsed());
        assert!(v["result"]["isError"] != json!(true), "{v}");
    }
    let (mp, pp) = stats(plain);
    let (mf, pf) = stats(followed);
    println!(
        "| nmap via server ({args} 127.0.0.1), with a progress token | {} | {} | {k} |",
        fmt(mf),
        fmt(pf)
    );
    let over = mf.as_secs_f64() - mp.as_secs_f64();
    println!(
        "| progress cost on that call (median difference to {} without) | {:+.2} ms ({:+.2} %) | {} | {k} |",
        fmt(mp),
        over * 1e3,
        over / mp.as_secs_f64() * 100.0,
        fmt(pp)
    );
}

/// What authentication adds to an HTTP call, in process: hashing the
/// presented key and comparing it with 10 configured digests, then the
/// role's view of the snapshot (batches of 1000, so the clock's own cost
/// is spread thin).
fn key_check(rounds: usize) {
    use secmcp::auth::{ApiKeyConfig, Identity, IdentitySource, RoleConfig, digest_hex};
    let mut config = secmcp::config::Config::default();
    let keys: Vec<String> = (0..10)
        .map(|i| format!("smcp_bench-key-{i:02}-{}", "x".repeat(30)))
        .collect();
    config.auth.api_keys = keys
        .iter()
        .enumerate()
        .map(|(i, k)| ApiKeyConfig {
            name: format!("k{i}"),
            sha256: digest_hex(k),
            role: "all".into(),
        })
        .collect();
    config
        .auth
        .roles
        .insert("all".into(), RoleConfig::default());
    let settings = secmcp::config::Settings::from_config(config, false).unwrap();
    let core = secmcp::dispatch::Core::new(settings, Default::default());
    let presented = &keys[9];
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let t = Instant::now();
        for _ in 0..1000 {
            let s = core.snapshot();
            let i = s.auth.keys.find(std::hint::black_box(presented)).unwrap();
            let (name, role) = s.auth.key_names[i].clone();
            let who = Identity {
                name,
                role,
                source: IdentitySource::ApiKey,
            };
            std::hint::black_box(core.snapshot_for(&who));
        }
        times.push(t.elapsed() / 1000);
    }
    let (m, p) = stats(times);
    println!(
        "| API key check + role view, in process (10 keys configured) | {} | {} | {rounds}x1000 |",
        fmt(m),
        fmt(p)
    );
}

/// What an OAuth access token costs the first time a server sees it: the
/// header read, the key found by `kid`, the signature checked and the claims
/// validated (`OAuthSettings::verify`). Later requests with the same token
/// hit the server's 60 s cache of checked tokens (one SHA-256 and a map
/// lookup, the order of the API key row). Fixed test keys: RFC 8037's
/// Ed25519 key and a P-256 key made for this bench.
fn token_check(rounds: usize) {
    use secmcp::auth::{OAuthConfig, ScopeRole};
    const ED_DER: &str = "302e020100300506032b6570042204209d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    const EC_DER: &str = "308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b02010104201234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdefa14403420004471c3e758c4904285bba7e53118ed0f524adeb0757d25bd2f8e7b0d76dfa714cdd520f7aca8a8b917acc37f51de8f0c9bbe3ad858382e702dc25a12d09f7a858";
    let unhex = |s: &str| -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    };
    let keys: jsonwebtoken::jwk::JwkSet = serde_json::from_value(json!({"keys": [
        {"kty": "OKP", "crv": "Ed25519", "kid": "ed", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
        {"kty": "EC", "crv": "P-256", "kid": "ec",
         "x": "Rxw-dYxJBChbun5TEY7Q9SSt6wdX0lvS-Oew1236cUw",
         "y": "3VIPesqKi5F6zDf1HejwybvjrYWDgucC3CWhLQn3qFg"},
    ]}))
    .unwrap();
    let mut problems = secmcp::validate::Problems::default();
    let oauth = OAuthConfig {
        issuer: "https://idp.example".into(),
        audience: "https://scanner.lab/mcp".into(),
        jwks_file: "/unused".into(),
        algorithms: vec!["EdDSA".into(), "ES256".into()],
        scopes: vec![ScopeRole {
            scope: "secmcp:scan".into(),
            role: String::new(),
        }],
        ..OAuthConfig::default()
    }
    .validate(&|_| true, &mut problems)
    .unwrap();
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    let claims = json!({"iss": "https://idp.example", "aud": "https://scanner.lab/mcp",
        "sub": "bench", "exp": exp, "scope": "secmcp:scan"});
    for (label, alg, kid, key) in [
        (
            "EdDSA",
            jsonwebtoken::Algorithm::EdDSA,
            "ed",
            jsonwebtoken::EncodingKey::from_ed_der(&unhex(ED_DER)),
        ),
        (
            "ES256",
            jsonwebtoken::Algorithm::ES256,
            "ec",
            jsonwebtoken::EncodingKey::from_ec_der(&unhex(EC_DER)),
        ),
    ] {
        let mut header = jsonwebtoken::Header::new(alg);
        header.kid = Some(kid.into());
        let token = jsonwebtoken::encode(&header, &claims, &key).unwrap();
        let mut times = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let t = Instant::now();
            for _ in 0..10 {
                std::hint::black_box(oauth.verify(std::hint::black_box(&token), &keys).unwrap());
            }
            times.push(t.elapsed() / 10);
        }
        let (m, p) = stats(times);
        println!(
            "| OAuth token, first check ({label}), in process | {} | {} | {rounds}x10 |",
            fmt(m),
            fmt(p)
        );
    }
}

fn main() {
    if std::env::var("BENCH_ONLY").as_deref() == Ok("auth") {
        println!("| measurement | median | p90 | runs |\n|---|---|---|---|");
        key_check(200);
        token_check(100);
        return;
    }
    let mut args = std::env::args().skip(1);
    let bin = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "target/release/secmcp".into()),
    );
    let lab_config = args.next().map(PathBuf::from);
    let n: usize = std::env::var("BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);

    println!("| measurement | median | p90 | runs |\n|---|---|---|---|");

    // 1. Cold start: process spawn to the initialize response.
    let mut cold = Vec::new();
    for _ in 0..n {
        let t = Instant::now();
        let mut s = Session::start(&bin, None);
        let v = s.initialize();
        cold.push(t.elapsed());
        assert!(v.get("result").is_some(), "{v}");
        s.stop();
    }
    let (m, p) = stats(cold);
    println!(
        "| cold start → initialize response | {} | {} | {n} |",
        fmt(m),
        fmt(p)
    );

    // 2. Warm session: tools/list and a rejected call.
    let mut s = Session::start(&bin, None);
    s.initialize();
    std::thread::sleep(Duration::from_millis(200));
    let idle_rss = s.rss_kib("VmRSS:");
    let rounds = n * 50;
    let mut list = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        let v = s.request("tools/list", json!({}));
        list.push(t.elapsed());
        assert!(v["result"]["tools"].is_array());
    }
    let (m, p) = stats(list);
    println!(
        "| tools/list round trip (stdio) | {} | {} | {rounds} |",
        fmt(m),
        fmt(p)
    );
    let mut rejected = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        let v = s.request(
            "tools/call",
            json!({"name": "nmap", "arguments": {"target": "8.8.8.8"}}),
        );
        rejected.push(t.elapsed());
        let text = v["result"]["content"][0]["text"].as_str().unwrap_or("");
        assert!(text.starts_with("scope_denied: "), "{v}");
    }
    let (m, p) = stats(rejected);
    println!(
        "| rejected call round trip (stdio) | {} | {} | {rounds} |",
        fmt(m),
        fmt(p)
    );
    let warm_rss = s.rss_kib("VmHWM:");
    s.stop();
    key_check(200);
    in_process_rejection(rounds * 4);

    // 3. nmap through the server vs the same argv run directly.
    if let Some(cfg) = lab_config.as_deref() {
        let mut s = Session::start(&bin, Some(cfg));
        s.initialize();
        for args in ["-sT -p 1-200", "-sT -p 1-20000"] {
            nmap_vs_direct(&mut s, args, n.min(20));
        }
        nmap_progress_cost(&mut s, "-sT -p 1-20000", n.min(20));
        let peak = s.rss_kib("VmHWM:");
        s.stop();
        println!(
            "| peak RSS after nmap calls | {:.1} MiB | | |",
            peak as f64 / 1024.0
        );
    }
    println!(
        "| idle RSS after initialize | {:.1} MiB | | |",
        idle_rss as f64 / 1024.0
    );
    println!(
        "| peak RSS after {} list + {} rejected calls | {:.1} MiB | | |",
        rounds,
        rounds,
        warm_rss as f64 / 1024.0
    );
}
