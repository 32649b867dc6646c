//! sqlmap: golden snapshots of real sqlmap 1.7.2 runs against the lab's injectable
//! fixture (recorded by tests/golden/sqlmap/record.sh inside a private network
//! namespace): each case is its `.stdout` and `.log`; and targeted assertions on them.

use std::path::{Path, PathBuf};

use secmcp_output::sqlmap::{self, SqlmapInput, SqlmapReport, parse, summary};

use crate::util::{self, Cases};

pub fn dir() -> PathBuf {
    util::tests_dir().join("golden/sqlmap")
}

fn parse_case(stdout: &Path) -> SqlmapReport {
    let out = std::fs::read(stdout).unwrap();
    let log = util::sibling(stdout, "log").unwrap_or_default();
    let report = parse(&SqlmapInput {
        stdout: &out,
        log: &log,
    });
    let _ = summary(&report);
    report
}

fn report(name: &str) -> SqlmapReport {
    parse_case(&dir().join(format!("{name}.stdout")))
}

/// Every recorded sqlmap run, parsed.
#[test]
fn golden_reports() {
    let cases = Cases::default();
    insta::glob!("..", "golden/sqlmap/*.stdout", |path| {
        cases.hit();
        let report = parse_case(path);
        insta::assert_json_snapshot!(report);
        insta::assert_snapshot!("summary", summary(&report));
    });
    cases.assert_at_least(8, "sqlmap");
}

/// The outputSchema an MCP client sees; changes to it must be deliberate.
#[test]
fn output_schema() {
    insta::assert_json_snapshot!(sqlmap::output_schema());
}

#[test]
fn get_boolean_and_union() {
    let r = report("get-bu");
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
    let r = report("get-banner");
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
    let r = report("post-string");
    assert_eq!(r.injection_points[0].parameter, "name");
    assert_eq!(r.injection_points[0].place, "POST");
}

#[test]
fn dumped_table() {
    let r = report("dump-users");
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
    let r = report("tables");
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
    let r = report("not-injectable");
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
    let r = report("no-connection");
    assert!(!r.injectable);
    assert!(!r.errors.is_empty(), "{r:?}");
}

#[test]
fn time_based_verbose_output() {
    let r = report("time-based");
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
