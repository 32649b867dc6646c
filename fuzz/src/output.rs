//! The output parsers, with small bounds so the caps are reached.
//!
//! Invariants, for the parsed report and each `project(Detail)` of it:
//! - every list holds at most the parser's largest cap (`Caps`: `BOUNDS`
//!   for nmap, masscan and dig, the parser's own constants for the others);
//! - every string is already sanitized (`sanitize_multiline` leaves it
//!   unchanged: no escape sequence, control, bidi or invisible character)
//!   and at most the text cap plus the truncation marker, except the
//!   messages the parser composes itself (`COMPOSED`);
//! - `project(Full)` is the report itself; the other levels never list more
//!   than the full report does;
//! - the summary text is sanitized and bounded;
//! - parsing is deterministic.
//!
//! Parsers with several inputs (gobuster, hydra, sqlmap) get them split at
//! the line `@@@@` (see `split`).

use secmcp_output::sanitize::sanitize_multiline;
use secmcp_output::{
    Bounds, Detail, TRUNCATION_MARKER, dig, gobuster, hydra, masscan, nmap, sqlmap,
};
use serde::Serialize;
use serde_json::Value;

/// The caps the fuzzed parsers run with.
pub const BOUNDS: Bounds = Bounds {
    max_hosts: 3,
    max_ports_per_host: 5,
    max_scripts_per_port: 2,
    max_list_items: 3,
    max_text_bytes: 40,
};
/// The largest list any report may hold under `BOUNDS`.
pub const LIST_CAP: usize = 5;
/// The most findings (gobuster, hydra).
pub const MAX_FINDINGS: usize = 5;
/// The longest summary text.
pub const MAX_SUMMARY_BYTES: usize = 16 * 1024;

/// Which parser.
#[derive(Debug, Clone, Copy)]
pub enum Parser {
    /// nmap XML.
    Nmap,
    /// masscan NDJSON / JSON.
    Masscan,
    /// dig +yaml.
    Dig,
    /// gobuster lines: `mode`, stdout, stderr.
    Gobuster,
    /// hydra: JSON file, stdout, stderr.
    Hydra,
    /// sqlmap: stdout, log.
    Sqlmap,
}

/// The inputs in `data`, split at the line `@@@@`.
pub fn split(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while let Some(i) = find(rest, b"\n@@@@\n") {
        out.push(&rest[..i]);
        rest = &rest[i + 6..];
    }
    out.push(rest);
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Runs the checks of `parser` on one input.
pub fn check(parser: Parser, data: &[u8]) {
    let parts = split(data);
    let part = |i: usize| parts.get(i).copied().unwrap_or(b"");
    match parser {
        Parser::Nmap => run(
            BOUNDED,
            || nmap::parse(data, &BOUNDS),
            |r, d| r.project(d),
            nmap::summary,
        ),
        Parser::Masscan => run(
            BOUNDED,
            || masscan::parse(data, &BOUNDS),
            |r, d| r.project(d),
            masscan::summary,
        ),
        Parser::Dig => run(
            BOUNDED,
            || dig::parse(data, &BOUNDS),
            |r, d| r.project(d),
            dig::summary,
        ),
        Parser::Gobuster => {
            let mode = match part(0) {
                b"dns" => "dns",
                b"vhost" => "vhost",
                _ => "dir",
            };
            run(
                Caps {
                    list: 16,
                    text: 2048,
                },
                || gobuster::parse(mode, part(1), part(2), MAX_FINDINGS),
                |r, d| r.project(d),
                gobuster::summary,
            )
        }
        Parser::Hydra => {
            let json = (!part(0).is_empty()).then(|| part(0));
            run(
                Caps {
                    list: 16,
                    text: 1024,
                },
                || hydra::parse(json, part(1), part(2), MAX_FINDINGS),
                |r, d| r.project(d),
                hydra::summary,
            )
        }
        Parser::Sqlmap => run(
            Caps {
                list: 500,
                text: 2048,
            },
            || {
                sqlmap::parse(&sqlmap::SqlmapInput {
                    stdout: part(0),
                    log: part(1),
                })
            },
            |r, d| r.project(d),
            sqlmap::summary,
        ),
    }
}

/// The largest list and string a report may hold.
#[derive(Debug, Clone, Copy)]
pub struct Caps {
    /// Items in any list.
    pub list: usize,
    /// Bytes in a string, before the truncation marker.
    pub text: usize,
}

/// The caps of the parsers that take `Bounds` (nmap, masscan, dig).
pub const BOUNDED: Caps = Caps {
    list: LIST_CAP,
    text: BOUNDS.max_text_bytes,
};

fn run<R: Serialize + PartialEq + std::fmt::Debug>(
    caps: Caps,
    parse: impl Fn() -> R,
    project: impl Fn(&R, Detail) -> R,
    summary: impl Fn(&R) -> String,
) {
    let full = parse();
    assert_eq!(parse(), full, "parsing is not deterministic");
    let full_json = serde_json::to_value(&full).expect("a report serializes");
    walk(caps, "", &full_json);
    assert_eq!(
        project(&full, Detail::Full),
        full,
        "project(Full) changed the report"
    );
    for d in [Detail::Summary, Detail::Standard] {
        let r = project(&full, d);
        let j = serde_json::to_value(&r).expect("a report serializes");
        walk(caps, "", &j);
        no_longer("", &j, &full_json);
        let text = summary(&r);
        assert!(
            text.len() <= MAX_SUMMARY_BYTES,
            "summary of {} bytes",
            text.len()
        );
        assert_eq!(
            sanitize_multiline(&text),
            text,
            "the summary is not sanitized"
        );
    }
}

/// Fields the server writes itself (messages about the run, not tool text).
const COMPOSED: &[&str] = &["parse_error", "incomplete_reason"];

fn walk(caps: Caps, path: &str, v: &Value) {
    match v {
        Value::String(s) => {
            assert_eq!(&sanitize_multiline(s), s, "{path}: {s:?} is not sanitized");
            let key = path.rsplit('.').next().unwrap_or("");
            let key = key.split('[').next().unwrap_or("");
            if !COMPOSED.contains(&key) {
                assert!(
                    s.len() <= caps.text + TRUNCATION_MARKER.len(),
                    "{path}: {} bytes: {s:?}",
                    s.len()
                );
            }
        }
        Value::Array(a) => {
            // The flagged-field list has its own bound, whatever the parser's.
            let cap = if path.ends_with(".untrusted.fields") {
                secmcp_output::untrusted::MAX_FLAGGED_FIELDS
            } else {
                caps.list
            };
            assert!(a.len() <= cap, "{path}: {} items", a.len());
            for (i, x) in a.iter().enumerate() {
                walk(caps, &format!("{path}[{i}]"), x);
            }
        }
        Value::Object(o) => {
            for (k, x) in o {
                walk(caps, &format!("{path}.{k}"), x);
            }
        }
        _ => {}
    }
}

/// A projection never lists more than the full report at the same place.
fn no_longer(path: &str, small: &Value, full: &Value) {
    match (small, full) {
        (Value::Array(a), Value::Array(b)) => {
            assert!(
                a.len() <= b.len(),
                "{path}: projection lists more ({} > {})",
                a.len(),
                b.len()
            );
        }
        (Value::Object(a), Value::Object(b)) => {
            for (k, x) in a {
                if let Some(y) = b.get(k) {
                    no_longer(&format!("{path}.{k}"), x, y);
                }
            }
        }
        _ => {}
    }
}
