//! Health checks, report shape and the /proc parsers.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::breaker::BreakerState;

const NMAP_OUT: &str = "Nmap version 7.93 ( https://nmap.org )\nPlatform: x86_64-pc-linux-gnu\n";

fn nmap(found: bool, out: Option<Result<&str, &str>>) -> ToolFacts {
    ToolFacts {
        name: "nmap",
        binary_found: found,
        version_output: out.map(|r| r.map(str::to_owned).map_err(str::to_owned)),
        version_prefix: "Nmap version ",
        raw_sockets: RawSocketNeed::Optional,
        pending: false,
        disabled_by_policy: None,
    }
}

fn masscan(found: bool) -> ToolFacts {
    ToolFacts {
        name: "masscan",
        binary_found: found,
        version_output: Some(Ok("Masscan version 1.3.2 ( by Robert Graham )".into())),
        version_prefix: "Masscan version ",
        raw_sockets: RawSocketNeed::Required,
        pending: false,
        disabled_by_policy: None,
    }
}

fn inputs(tools: Vec<ToolFacts>) -> HealthInputs {
    HealthInputs {
        config_loaded: true,
        last_reload_error: None,
        has_raw_sockets: true,
        tools,
        breakers: Vec::new(),
        sandbox: SandboxFacts {
            active: vec!["seccomp deny-list".into()],
            inactive: vec!["landlock (not built)".into()],
            disabled: false,
        },
    }
}

#[test]
fn the_sandbox_component_names_its_layers_and_degrades_when_off() {
    let mut i = inputs(Vec::new());
    let c = check_sandbox(&i.sandbox);
    assert_eq!(c.status, HealthStatus::Healthy);
    assert_eq!(
        c.message,
        "active: seccomp deny-list; not active: landlock (not built)"
    );
    i.sandbox.disabled = true;
    assert_eq!(check_sandbox(&i.sandbox).status, HealthStatus::Degraded);
}

fn eval(i: &HealthInputs, r: ResourceReadings) -> HealthReport {
    evaluate(&HealthConfig::default(), i, &r, 1)
}

fn calm() -> ResourceReadings {
    ResourceReadings {
        cpu_percent: Some(10.0),
        memory_percent: Some(20.0),
        disk_percent: Some(30.0),
    }
}

#[test]
fn config_defaults_match_the_design() {
    let c = HealthConfig::default();
    assert_eq!(c.check_interval_secs, 30);
    assert_eq!(
        (
            c.cpu_threshold_percent,
            c.memory_threshold_percent,
            c.disk_threshold_percent
        ),
        (80, 85, 90)
    );
    crate::validate::first_error(|p| c.validate("health", p)).unwrap();
    let bad = HealthConfig {
        disk_threshold_percent: 101,
        ..c.clone()
    };
    let e = crate::validate::first_error(|p| bad.validate("health", p)).unwrap_err();
    assert_eq!(e.field, "health.disk_threshold_percent");
    let bad = HealthConfig {
        disk_path: "tmp".into(),
        ..c
    };
    let e = crate::validate::first_error(|p| bad.validate("health", p)).unwrap_err();
    assert_eq!(e.field, "health.disk_path");
    assert!(serde_json::from_str::<HealthConfig>(r#"{"interval": 5}"#).is_err());
}

#[test]
fn nmap_version_line_is_parsed() {
    assert_eq!(
        parse_version(NMAP_OUT, "Nmap version ").as_deref(),
        Some("7.93")
    );
    assert_eq!(
        parse_version(
            "\n  Nmap version 7.94SVN ( https://nmap.org )",
            "Nmap version "
        )
        .as_deref(),
        Some("7.94SVN")
    );
    for bad in [
        "",
        "nmap: command not found",
        "Platform: x\nNmap version 7.93",
        "Nmap version ( https://nmap.org )",
        "Nmap version ;rm-rf",
        "Nmap version",
    ] {
        assert_eq!(parse_version(bad, "Nmap version "), None, "{bad:?}");
    }
}

#[test]
fn status_aggregation_table() {
    use HealthStatus::*;
    let open = |i: &mut HealthInputs, s| i.breakers.push(("nmap", s));
    #[allow(clippy::type_complexity)]
    let cases: Vec<(&str, Box<dyn Fn(&mut HealthInputs)>, HealthStatus, bool)> = vec![
        ("all good", Box::new(|_| {}), Healthy, true),
        (
            "config not loaded",
            Box::new(|i| i.config_loaded = false),
            Unhealthy,
            false,
        ),
        (
            "reload rejected",
            Box::new(|i| i.last_reload_error = Some("bad".into())),
            Degraded,
            true,
        ),
        (
            "one tool missing, another works",
            Box::new(|i| i.tools[1].binary_found = false),
            Degraded,
            true,
        ),
        (
            "every tool missing",
            Box::new(|i| i.tools.iter_mut().for_each(|t| t.binary_found = false)),
            Unhealthy,
            false,
        ),
        (
            "no tools enabled",
            Box::new(|i| i.tools.clear()),
            Unhealthy,
            false,
        ),
        (
            "impostor binary",
            Box::new(|i| i.tools[0].version_output = Some(Ok("GNU bash 5".into()))),
            Degraded,
            true,
        ),
        (
            "probe failed",
            Box::new(|i| i.tools[0].version_output = Some(Err("timed out".into()))),
            Degraded,
            true,
        ),
        (
            "not probed yet",
            Box::new(|i| i.tools[0].version_output = None),
            Degraded,
            true,
        ),
        (
            "no raw sockets: masscan unusable, nmap limited",
            Box::new(|i| i.has_raw_sockets = false),
            Degraded,
            true,
        ),
        (
            "breaker open",
            Box::new(move |i| open(i, BreakerState::Open)),
            Degraded,
            true,
        ),
        (
            "breaker half-open",
            Box::new(move |i| open(i, BreakerState::HalfOpen)),
            Degraded,
            true,
        ),
        (
            "every breaker open still only degrades",
            Box::new(|i| {
                i.breakers = vec![
                    ("nmap", BreakerState::Open),
                    ("masscan", BreakerState::Open),
                ]
            }),
            Degraded,
            true,
        ),
    ];
    for (name, change, want, ready) in cases {
        let mut i = inputs(vec![nmap(true, Some(Ok(NMAP_OUT))), masscan(true)]);
        change(&mut i);
        let r = eval(&i, calm());
        assert_eq!(r.status, want, "{name}: {r:#?}");
        assert_eq!(r.ready, ready, "{name}");
        assert_eq!(r.http_status(), want.http_status(), "{name}");
    }
}

#[test]
fn tool_details_for_agents() {
    let mut i = inputs(vec![nmap(true, Some(Ok(NMAP_OUT))), masscan(true)]);
    i.has_raw_sockets = false;
    i.breakers = vec![("nmap", BreakerState::Open)];
    let r = eval(&i, calm());
    let nmap = &r.tools[0];
    assert_eq!(nmap.version.as_deref(), Some("7.93"));
    assert!(nmap.usable && !nmap.available);
    assert!(!r.tools[1].usable);
    assert_eq!(r.usable_tools().collect::<Vec<_>>(), ["nmap"]);
    let c = r.components.iter().find(|c| c.name == "tool:nmap").unwrap();
    assert_eq!(c.status, HealthStatus::Healthy);
    assert!(
        c.message.contains("raw sockets are refused"),
        "{}",
        c.message
    );
    let c = r
        .components
        .iter()
        .find(|c| c.name == "tool:masscan")
        .unwrap();
    assert_eq!(c.status, HealthStatus::Unhealthy);
    assert!(c.message.contains("CAP_NET_RAW"));
}

#[test]
fn resource_thresholds_degrade_but_never_unready() {
    let i = inputs(vec![nmap(true, Some(Ok(NMAP_OUT)))]);
    for (r, want) in [
        (calm(), HealthStatus::Healthy),
        (ResourceReadings::default(), HealthStatus::Healthy),
        (
            ResourceReadings {
                cpu_percent: Some(80.0),
                ..calm()
            },
            HealthStatus::Healthy,
        ),
        (
            ResourceReadings {
                cpu_percent: Some(80.1),
                ..calm()
            },
            HealthStatus::Degraded,
        ),
        (
            ResourceReadings {
                memory_percent: Some(86.0),
                ..calm()
            },
            HealthStatus::Degraded,
        ),
        (
            ResourceReadings {
                disk_percent: Some(99.0),
                ..calm()
            },
            HealthStatus::Degraded,
        ),
        (
            ResourceReadings {
                cpu_percent: Some(100.0),
                memory_percent: Some(100.0),
                disk_percent: Some(100.0),
            },
            HealthStatus::Degraded,
        ),
    ] {
        let report = eval(&i, r);
        assert_eq!(report.status, want, "{r:?}");
        assert!(report.ready, "{r:?}");
    }
    let c = check_resource("disk", Some(95.25), 90);
    assert_eq!(c.message, "95.2% in use, above the 90% threshold");
}

#[test]
fn readiness_and_liveness_rules() {
    assert!(readiness(true, 1));
    assert!(!readiness(true, 0));
    assert!(!readiness(false, 3));
    assert!(liveness());
    assert!(!HealthReport::pending().ready);
    assert_eq!(HealthReport::pending().status, HealthStatus::Starting);
    assert_eq!(HealthReport::pending().http_status(), 503);
}

#[test]
fn json_shape() {
    let i = inputs(vec![nmap(true, Some(Ok(NMAP_OUT)))]);
    let r = eval(&i, calm());
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["status"], "healthy");
    assert_eq!(v["ready"], true);
    assert_eq!(v["checked_at_unix_secs"], 1);
    assert_eq!(
        v["tools"][0],
        serde_json::json!({
            "name": "nmap", "usable": true, "available": true,
            "version": "7.93", "breaker": "closed"
        })
    );
    let names: Vec<_> = v["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "config",
            "tool:nmap",
            "breaker:nmap",
            "sandbox",
            "cpu",
            "memory",
            "disk"
        ]
    );
    assert_eq!(v["components"][1]["kind"], "tool");
    assert_eq!(v["components"][1]["status"], "healthy");
    assert_eq!(v["components"][1]["message"], "nmap 7.93");
    let back: HealthReport = serde_json::from_value(v).unwrap();
    assert_eq!(back, r);
}

#[test]
fn proc_parsers() {
    let stat = "cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 1 2 3 4\nintr 5\n";
    let a = parse_proc_stat(stat).unwrap();
    assert_eq!(
        a,
        CpuTimes {
            idle: 800,
            total: 1000
        }
    );
    let b = CpuTimes {
        idle: 850,
        total: 1200,
    };
    assert_eq!(cpu_percent(a, b), Some(75.0));
    assert_eq!(cpu_percent(a, a), None);
    assert_eq!(cpu_percent(b, a), None, "counters went backwards");
    assert_eq!(parse_proc_stat("cpu0 1 2 3 4\n"), None);
    assert_eq!(parse_proc_stat("cpu  1 x 3 4\n"), None);
    let mem = "MemTotal:       1000 kB\nMemFree:   10 kB\nMemAvailable:    250 kB\n";
    assert_eq!(parse_meminfo(mem), Some(75.0));
    assert_eq!(parse_meminfo("MemTotal: 1000 kB\n"), None);
    assert_eq!(disk_used_percent(100, 20, 15), Some(80.0 * 100.0 / 95.0));
    assert_eq!(disk_used_percent(0, 0, 0), None);
    assert_eq!(disk_used_percent(10, 20, 0), None);
}

#[test]
fn system_resources_read_this_machine() {
    let mut probe = SystemResources::default();
    let first = probe.read(std::path::Path::new("/"));
    assert_eq!(first.cpu_percent, None, "needs two readings");
    let m = first.memory_percent.expect("/proc/meminfo readable");
    assert!((0.0..=100.0).contains(&m));
    let d = first.disk_percent.expect("statvfs of /");
    assert!((0.0..=100.0).contains(&d));
    let second = probe.read(std::path::Path::new("/"));
    if let Some(c) = second.cpu_percent {
        assert!((0.0..=100.0).contains(&c));
    }
}

struct FakeSource {
    calls: AtomicUsize,
    inputs: Mutex<HealthInputs>,
}

impl HealthSource for FakeSource {
    fn gather<'a>(
        &'a self,
        _progress: &'a (dyn Fn(HealthInputs) + Send + Sync),
    ) -> Pin<Box<dyn Future<Output = HealthInputs> + Send + 'a>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let i = self.inputs.lock().unwrap().clone();
        Box::pin(async move { i })
    }
}

struct FixedProbe(ResourceReadings);

impl ResourceProbe for FixedProbe {
    fn read(&mut self, _: &std::path::Path) -> ResourceReadings {
        self.0
    }
}

#[tokio::test(start_paused = true)]
async fn monitor_checks_in_the_background_on_its_interval() {
    let source = Arc::new(FakeSource {
        calls: AtomicUsize::new(0),
        inputs: Mutex::new(inputs(vec![nmap(true, Some(Ok(NMAP_OUT)))])),
    });
    let shutdown = CancellationToken::new();
    let monitor = HealthMonitor::spawn(
        HealthConfig::default(),
        source.clone(),
        Box::new(FixedProbe(calm())),
        shutdown.clone(),
    );
    assert!(!monitor.latest().ready, "pending before the first round");
    let mut rx = monitor.subscribe();
    rx.changed().await.unwrap();
    assert_eq!(monitor.latest().status, HealthStatus::Healthy);
    assert_eq!(source.calls.load(Ordering::SeqCst), 1);
    // Nothing more until the interval passes.
    tokio::time::sleep(Duration::from_secs(29)).await;
    assert_eq!(source.calls.load(Ordering::SeqCst), 1);
    source.inputs.lock().unwrap().breakers = vec![("nmap", BreakerState::Open)];
    rx.changed().await.unwrap();
    assert_eq!(source.calls.load(Ordering::SeqCst), 2);
    assert_eq!(monitor.latest().status, HealthStatus::Degraded);
    // check_now runs a round at once.
    source.inputs.lock().unwrap().breakers.clear();
    monitor.check_now();
    rx.changed().await.unwrap();
    assert_eq!(monitor.latest().status, HealthStatus::Healthy);
    // New thresholds apply at once.
    monitor.reconfigure(HealthConfig {
        cpu_threshold_percent: 5,
        ..HealthConfig::default()
    });
    rx.changed().await.unwrap();
    assert_eq!(monitor.latest().status, HealthStatus::Degraded);
    let calls = source.calls.load(Ordering::SeqCst);
    shutdown.cancel();
    tokio::time::sleep(Duration::from_secs(120)).await;
    assert_eq!(source.calls.load(Ordering::SeqCst), calls, "stopped");
}

/// While the first round's probes run the report says `starting`; once one
/// tool is identified it is ready, and when every probe answered it is
/// healthy (or says why not).
#[test]
fn the_first_round_starts_and_is_ready_with_the_first_tool() {
    let mut pending = nmap(true, None);
    pending.pending = true;
    let mut slow = masscan(true);
    slow.version_output = None;
    slow.pending = true;
    let i = inputs(vec![pending.clone(), slow.clone()]);
    let r = eval(&i, calm());
    assert_eq!(
        (r.status, r.ready, r.http_status()),
        (HealthStatus::Starting, false, 503)
    );
    let mut ready = nmap(true, Some(Ok(NMAP_OUT)));
    ready.pending = false;
    let r = eval(&inputs(vec![ready.clone(), slow]), calm());
    assert_eq!(
        (r.status, r.ready, r.http_status()),
        (HealthStatus::Starting, true, 200)
    );
    let mut denied = masscan(false);
    denied.disabled_by_policy = Some("needs security.allow_intrusive");
    let r = eval(&inputs(vec![ready, denied]), calm());
    assert_eq!(r.status, HealthStatus::Healthy, "{r:?}");
    let m = r.tools.iter().find(|t| t.name == "masscan").unwrap();
    assert!(
        !m.usable && m.disabled_by_policy.contains("allow_intrusive"),
        "{m:?}"
    );
}
