//! Golden files: real sqlmap 1.7.2 runs against the lab's injectable fixture
//! (recorded by tests/golden/sqlmap/record.sh inside a private network
//! namespace), parsed and compared with the reviewed JSON next to them.
//! `SECMCP_BLESS=1` rewrites the JSON (review the diff).

use std::path::PathBuf;

use proptest::prelude::*;
use secmcp_output::sqlmap::{SqlmapInput, parse, summary};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/sqlmap")
}

fn check(name: &str) -> secmcp_output::sqlmap::SqlmapReport {
    let d = dir();
    let stdout = std::fs::read(d.join(format!("{name}.stdout"))).unwrap();
    let log = std::fs::read(d.join(format!("{name}.log"))).unwrap_or_default();
    let report = parse(&SqlmapInput {
        stdout: &stdout,
        log: &log,
    });
    let got = serde_json::to_string_pretty(&report).unwrap() + "\n";
    let path = d.join(format!("{name}.json"));
    if std::env::var_os("SECMCP_BLESS").is_some() {
        std::fs::write(&path, &got).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        got,
        want,
        "{name}: parsed output differs from {}",
        path.display()
    );
    let _ = summary(&report);
    report
}

#[test]
fn get_boolean_and_union() {
    let r = check("get-bu");
    assert!(r.injectable);
    assert_eq!(r.dbms, "SQLite");
    assert_eq!(r.injection_points.len(), 1);
    let p = &r.injection_points[0];
    assert_eq!((p.parameter.as_str(), p.place.as_str()), ("id", "GET"));
    let kinds: Vec<&str> = p.techniques.iter().map(|t| t.kind.as_str()).collect();
    assert_eq!(kinds, ["boolean-based blind", "UNION query"]);
    assert!(p.techniques[0].payload.starts_with("id=1 AND "));
    assert_eq!(r.http_requests, 40);
}

#[test]
fn banner_is_a_fact() {
    let r = check("get-banner");
    assert!(
        r.facts
            .iter()
            .any(|f| f.name == "banner" && f.value == "3.40.1"),
        "{:?}",
        r.facts
    );
}

#[test]
fn post_string_parameter() {
    let r = check("post-string");
    assert_eq!(r.injection_points[0].parameter, "name");
    assert_eq!(r.injection_points[0].place, "POST");
}

#[test]
fn dumped_table() {
    let r = check("dump-users");
    let t = r
        .tables
        .iter()
        .find(|t| t.table == "users")
        .expect("users table");
    assert_eq!(t.database, "<current>");
    assert_eq!(t.columns, ["password", "username"]);
    assert_eq!(t.rows.len(), 3);
    assert!(
        t.rows
            .contains(&vec!["s3cr3t-admin".to_string(), "admin".to_string()])
    );
}

#[test]
fn table_names_and_counts() {
    let r = check("tables");
    assert_eq!(r.tables.len(), 2, "{:?}", r.tables);
    assert!(r.tables[0].columns.is_empty());
    assert_eq!(
        r.tables[0].rows,
        [vec!["items".to_string()], vec!["users".to_string()]]
    );
    assert_eq!(r.tables[1].columns, ["Table", "Entries"]);
}

#[test]
fn not_injectable() {
    let r = check("not-injectable");
    assert!(!r.injectable);
    assert!(r.dbms.is_empty());
    assert_eq!(r.not_injectable, ["id"]);
    assert!(
        r.errors
            .iter()
            .any(|e| e.contains("do not appear to be injectable"))
    );
}

#[test]
fn connection_refused() {
    let r = check("no-connection");
    assert!(!r.injectable);
    assert!(!r.errors.is_empty(), "{r:?}");
}

#[test]
fn time_based_verbose_output() {
    let r = check("time-based");
    assert!(!r.injectable);
    assert_eq!(r.not_injectable, ["id"]);
}

#[test]
fn stdout_alone_is_enough_when_the_log_is_missing() {
    let stdout = std::fs::read(dir().join("get-bu.stdout")).unwrap();
    let r = parse(&SqlmapInput {
        stdout: &stdout,
        log: b"",
    });
    assert!(r.injectable);
    assert_eq!(r.dbms, "SQLite");
    assert_eq!(r.injection_points[0].techniques.len(), 2);
}

#[test]
fn truncated_log_keeps_what_it_has() {
    let log = std::fs::read(dir().join("dump-users.log")).unwrap();
    for n in (0..log.len()).step_by(7) {
        let r = parse(&SqlmapInput {
            stdout: b"",
            log: &log[..n],
        });
        assert!(r.injection_points.len() <= 1);
    }
}

proptest! {
    #[test]
    fn never_panics(stdout in proptest::collection::vec(any::<u8>(), 0..2000),
                    log in "(\\PC|\n|\r|\\||\\+|-|:| ){0,600}") {
        let r = parse(&SqlmapInput { stdout: &stdout, log: log.as_bytes() });
        let _ = summary(&r);
    }

    #[test]
    fn never_panics_on_mangled_real_output(cut in 0usize..4000, junk in "\\PC{0,40}") {
        let log = std::fs::read_to_string(dir().join("dump-users.log")).unwrap();
        let cut = cut.min(log.len());
        let mut s: String = log.chars().take(cut).collect();
        s.push_str(&junk);
        s.push_str(&log.chars().skip(cut).collect::<String>());
        let _ = parse(&SqlmapInput { stdout: s.as_bytes(), log: s.as_bytes() });
    }
}
