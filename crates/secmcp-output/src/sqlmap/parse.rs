//! The reader of sqlmap's `log` file and stdout (see the module docs of
//! [`crate::sqlmap`]). No I/O, no panics.

use super::{
    Fact, InjectionPoint, MAX_ITEMS, MAX_MESSAGES, MAX_ROWS, MAX_TEXT, NamedList, SqlmapInput,
    SqlmapReport, Table, Technique,
};
use crate::sanitize::{Kind, sanitize};
use crate::text::field;
use crate::untrusted::{Flagger, Untrusted};

/// A one-line report field: sanitized and bounded.
fn cut(s: &str) -> String {
    field(s, Kind::Line, MAX_TEXT)
}

fn push<T>(v: &mut Vec<T>, item: T, cap: usize, omitted: &mut u64) {
    if v.len() < cap {
        v.push(item);
    } else {
        *omitted += 1;
    }
}

/// Drops carriage-return progress overwrites (keeps what was written last), then
/// sanitizes the line (ANSI colours, controls; tabs are kept for the table parser).
fn clean(line: &str) -> String {
    let line = line.rsplit('\r').next().unwrap_or(line);
    sanitize(line, Kind::MultiLine).trim_end().to_owned()
}

/// Parses sqlmap's output. The `log` file is preferred for results; stdout is
/// used when the log is empty (e.g. a run stopped before sqlmap wrote it) and
/// for messages.
pub fn parse(input: &SqlmapInput<'_>) -> SqlmapReport {
    let mut r = SqlmapReport::default();
    let log = String::from_utf8_lossy(input.log);
    let stdout = String::from_utf8_lossy(input.stdout);
    let results: Vec<String> = if log.trim().is_empty() {
        stdout.lines().map(clean).collect()
    } else {
        log.lines().map(clean).collect()
    };
    results_from(&results, &mut r);
    messages_from(stdout.lines().map(clean), &mut r);
    r.injectable = !r.injection_points.is_empty();
    r.untrusted = flag(&r);
    r
}

fn results_from(lines: &[String], r: &mut SqlmapReport) {
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].as_str();
        if let Some(rest) =
            line.strip_prefix("sqlmap identified the following injection point(s) with a total of ")
        {
            r.http_requests = rest
                .split_whitespace()
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            i = injection_block(lines, i + 1, r);
            continue;
        }
        if let Some(dbms) = line.strip_prefix("back-end DBMS: ") {
            if r.dbms.is_empty() {
                r.dbms = cut(dbms.trim());
            }
            // Fingerprint continuation lines ("back-end DBMS: active fingerprint: ...") are skipped.
            i += 1;
            while i < lines.len() && lines[i].starts_with("    ") {
                i += 1;
            }
            continue;
        }
        if is_result_start(line) {
            i = result_section(lines, i, r);
            continue;
        }
        i += 1;
    }
}

/// Lines that can only be sqlmap's own log, never a result section.
fn is_log_line(line: &str) -> bool {
    line.starts_with('[') && line.get(9..11) == Some("] ") && line.as_bytes().get(3) == Some(&b':')
}

fn is_result_start(line: &str) -> bool {
    !line.is_empty()
        && !is_log_line(line)
        && !line.starts_with("[*]")
        && !line.starts_with("[!]")
        && (line.starts_with("Database: ")
            || line == "<current>"
            || line.ends_with(':')
            || line.contains(": ")
            || line.starts_with('+'))
        && !line.contains("[Y/n")
        && !line.contains("[y/N")
}

fn injection_block(lines: &[String], mut i: usize, r: &mut SqlmapReport) -> usize {
    if lines.get(i).map(String::as_str) == Some("---") {
        i += 1;
    }
    let mut point: Option<InjectionPoint> = None;
    let mut tech: Option<Technique> = None;
    while i < lines.len() && lines[i] != "---" {
        let line = lines[i].trim();
        if let Some(p) = line.strip_prefix("Parameter: ") {
            finish_tech(&mut point, &mut tech, &mut r.omitted);
            if let Some(pt) = point.take() {
                push(&mut r.injection_points, pt, MAX_ITEMS, &mut r.omitted);
            }
            // "id (GET)" or "#1* (URI)" or "User-Agent (User-Agent)"
            let (name, place) = match p.rsplit_once(" (") {
                Some((n, pl)) => (n, pl.trim_end_matches(')')),
                None => (p, ""),
            };
            point = Some(InjectionPoint {
                parameter: cut(name),
                place: cut(place),
                techniques: Vec::new(),
            });
        } else if let Some(t) = line.strip_prefix("Type: ") {
            finish_tech(&mut point, &mut tech, &mut r.omitted);
            tech = Some(Technique {
                kind: cut(t),
                ..Technique::default()
            });
        } else if let (Some(t), Some(tech)) = (line.strip_prefix("Title: "), tech.as_mut()) {
            tech.title = cut(t);
        } else if let (Some(p), Some(tech)) = (line.strip_prefix("Payload: "), tech.as_mut()) {
            tech.payload = cut(p);
        }
        i += 1;
    }
    finish_tech(&mut point, &mut tech, &mut r.omitted);
    if let Some(pt) = point.take() {
        push(&mut r.injection_points, pt, MAX_ITEMS, &mut r.omitted);
    }
    i + 1
}

fn finish_tech(
    point: &mut Option<InjectionPoint>,
    tech: &mut Option<Technique>,
    omitted: &mut u64,
) {
    if let (Some(p), Some(t)) = (point.as_mut(), tech.take()) {
        push(&mut p.techniques, t, MAX_ITEMS, omitted);
    }
}

/// One blank-line separated result section: a fact, a list, or a table with
/// its `Database:`/`Table:`/`[N entries]` preamble.
fn result_section(lines: &[String], start: usize, r: &mut SqlmapReport) -> usize {
    let mut i = start;
    let mut database = String::new();
    let mut table = String::new();
    let mut list: Option<NamedList> = None;
    while i < lines.len() && !lines[i].is_empty() && !is_log_line(&lines[i]) {
        let line = lines[i].as_str();
        if let Some(db) = line.strip_prefix("Database: ") {
            database = cut(db);
        } else if line == "<current>" {
            database = "<current>".into();
        } else if let Some(t) = line.strip_prefix("Table: ") {
            table = cut(t);
        } else if line.starts_with('+') {
            let (t, next) = ascii_table(lines, i, &database, &table, &mut r.omitted);
            push(&mut r.tables, t, MAX_ITEMS, &mut r.omitted);
            i = next;
            continue;
        } else if let Some(item) = line.strip_prefix("[*] ") {
            if let Some(l) = list.as_mut() {
                push(&mut l.items, unquote(item), MAX_ROWS, &mut r.omitted);
            }
        } else if line.starts_with('[') && line.ends_with(']') {
            // "[3 entries]", "[2 tables]": counts sqlmap prints before a table.
        } else if let Some(name) = line.strip_suffix(':').filter(|_| !line.contains(": ")) {
            let name = name.rsplit_once(" [").map_or(name, |(n, _)| n);
            if let Some(l) = list.take() {
                push(&mut r.lists, l, MAX_ITEMS, &mut r.omitted);
            }
            list = Some(NamedList {
                name: cut(name),
                items: Vec::new(),
            });
        } else if let Some((name, value)) = line.split_once(": ") {
            push(
                &mut r.facts,
                Fact {
                    name: cut(name),
                    value: unquote(value),
                },
                MAX_ITEMS,
                &mut r.omitted,
            );
        }
        i += 1;
    }
    if let Some(l) = list.take() {
        push(&mut r.lists, l, MAX_ROWS, &mut r.omitted);
    }
    i.max(start + 1)
}

fn unquote(s: &str) -> String {
    let s = s.trim();
    let s = s
        .strip_prefix('\'')
        .and_then(|x| x.strip_suffix('\''))
        .unwrap_or(s);
    cut(s)
}

/// `+---+` border, optional header row and border, rows, closing border.
fn ascii_table(
    lines: &[String],
    start: usize,
    database: &str,
    table: &str,
    omitted: &mut u64,
) -> (Table, usize) {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut borders = 0;
    let mut header_rows = None;
    let mut i = start;
    while i < lines.len() {
        let line = lines[i].as_str();
        if line.starts_with('+') {
            borders += 1;
            if borders == 2 && i + 1 < lines.len() && lines[i + 1].starts_with('|') {
                header_rows = Some(rows.len());
            }
            i += 1;
            if borders >= 2 && !lines.get(i).is_some_and(|l| l.starts_with('|')) {
                break;
            }
            continue;
        }
        if let Some(inner) = line.strip_prefix('|') {
            let inner = inner.strip_suffix('|').unwrap_or(inner);
            let cells = inner.split('|').map(|c| cut(c.trim())).collect();
            if rows.len() < MAX_ROWS + 1 {
                rows.push(cells);
            } else {
                *omitted += 1;
            }
            i += 1;
            continue;
        }
        break;
    }
    let columns = match header_rows {
        Some(1) if !rows.is_empty() => rows.remove(0),
        _ => Vec::new(),
    };
    if rows.len() > MAX_ROWS {
        rows.truncate(MAX_ROWS);
        *omitted += 1;
    }
    (
        Table {
            database: database.to_owned(),
            table: table.to_owned(),
            columns,
            rows,
        },
        i,
    )
}

/// Routine warnings that say nothing about the target.
const ROUTINE: &[&str] = &[
    "your sqlmap version is outdated",
    "as the output directory",
    "HTTP error codes detected during run",
];

fn messages_from(lines: impl Iterator<Item = String>, r: &mut SqlmapReport) {
    for line in lines {
        if !is_log_line(&line) {
            continue;
        }
        let body = &line[11..];
        let (level, msg) = match body.split_once("] ") {
            Some((l, m)) => (l.trim_start_matches('['), m),
            None => continue,
        };
        match level {
            "CRITICAL" | "ERROR" => push(&mut r.errors, cut(msg), MAX_MESSAGES, &mut r.omitted),
            "WARNING" => {
                if let Some(p) = msg
                    .strip_suffix(" does not seem to be injectable")
                    .and_then(|m| m.split_once(" parameter '"))
                    .map(|(_, p)| p.trim_end_matches('\''))
                {
                    push(&mut r.not_injectable, cut(p), MAX_ITEMS, &mut r.omitted);
                } else if !ROUTINE.iter().any(|x| msg.contains(x)) {
                    push(&mut r.warnings, cut(msg), MAX_MESSAGES, &mut r.omitted);
                }
            }
            _ => {}
        }
    }
}

/// Flags the untrusted fields of `r` (everything read from the target's database).
pub(crate) fn flag(r: &SqlmapReport) -> Untrusted {
    let mut f = Flagger::default();
    for (i, fact) in r.facts.iter().enumerate() {
        f.check(&fact.value, || format!("facts[{i}].value"));
    }
    for (i, list) in r.lists.iter().enumerate() {
        for (j, item) in list.items.iter().enumerate() {
            f.check(item, || format!("lists[{i}].items[{j}]"));
        }
    }
    for (i, t) in r.tables.iter().enumerate() {
        f.check(&t.database, || format!("tables[{i}].database"));
        f.check(&t.table, || format!("tables[{i}].table"));
        for (j, c) in t.columns.iter().enumerate() {
            f.check(c, || format!("tables[{i}].columns[{j}]"));
        }
        for (j, row) in t.rows.iter().enumerate() {
            for (k, cell) in row.iter().enumerate() {
                f.check(cell, || format!("tables[{i}].rows[{j}][{k}]"));
            }
        }
    }
    f.finish()
}
