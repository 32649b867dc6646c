//! The text content that goes next to a [`SqlmapReport`]: the injection points with
//! their techniques, the DBMS, and what was enumerated, with values, list items and
//! the first rows of each table quoted, bounded to a few KB. Pure formatting; no I/O.

use super::SqlmapReport;
use crate::text::{MAX_EXCERPT_CHARS, finish_summary, quoted};

/// Most list items and table rows quoted per list or table.
const MAX_ROWS_SHOWN: usize = 5;
/// Longest quoted cell or item, in characters.
const MAX_CELL_CHARS: usize = 60;

/// A short summary: `injectable: id (GET): boolean-based blind, UNION query` (or what
/// was tested), the back-end DBMS, each fact (`banner: "3.40.1"`), each list and table
/// with its first items or rows quoted, and sqlmap's first error.
pub fn summary(r: &SqlmapReport) -> String {
    let mut lines = Vec::new();
    let mut quotes = false;
    if r.injectable {
        let points: Vec<String> = r
            .injection_points
            .iter()
            .map(|p| {
                let kinds: Vec<&str> = p.techniques.iter().map(|t| t.kind.as_str()).collect();
                format!("{} ({}): {}", p.parameter, p.place, kinds.join(", "))
            })
            .collect();
        lines.push(format!("injectable: {}", points.join("; ")));
    } else {
        let mut line = "no injectable parameter found".to_owned();
        if !r.not_injectable.is_empty() {
            line.push_str(&format!(" (tested: {})", r.not_injectable.join(", ")));
        }
        lines.push(line);
    }
    if !r.dbms.is_empty() {
        lines.push(format!("back-end DBMS: {}", r.dbms));
    }
    for f in &r.facts {
        lines.push(format!(
            "{}: {}",
            f.name,
            quoted(&f.value, MAX_EXCERPT_CHARS)
        ));
        quotes = true;
    }
    for l in &r.lists {
        let mut line = format!("{}: {} item(s)", l.name, l.items.len());
        if !l.items.is_empty() {
            let shown: Vec<String> = l
                .items
                .iter()
                .take(MAX_ROWS_SHOWN)
                .map(|i| quoted(i, MAX_CELL_CHARS))
                .collect();
            line.push_str(&format!(": {}", shown.join(", ")));
            if l.items.len() > MAX_ROWS_SHOWN {
                line.push_str(", …");
            }
            quotes = true;
        }
        lines.push(line);
    }
    for t in &r.tables {
        let name = if t.table.is_empty() {
            &t.database
        } else {
            &t.table
        };
        let mut line = format!(
            "table {}: {} row(s)",
            quoted(name, MAX_CELL_CHARS),
            t.rows.len()
        );
        if !t.columns.is_empty() {
            let cols: Vec<String> = t
                .columns
                .iter()
                .map(|c| quoted(c, MAX_CELL_CHARS))
                .collect();
            line.push_str(&format!(", columns {}", cols.join(", ")));
        }
        lines.push(line);
        quotes = true;
        for row in t.rows.iter().take(MAX_ROWS_SHOWN) {
            let cells: Vec<String> = row.iter().map(|c| quoted(c, MAX_CELL_CHARS)).collect();
            lines.push(format!("  row: {}", cells.join(", ")));
        }
        if t.rows.len() > MAX_ROWS_SHOWN {
            lines.push(format!(
                "  ... {} more row(s) in the structured result",
                t.rows.len() - MAX_ROWS_SHOWN
            ));
        }
    }
    let mut extra = Vec::new();
    if let Some(e) = r.errors.first() {
        extra.push(format!("sqlmap: {e}"));
    }
    finish_summary(&lines, r.untrusted.flagged, quotes, &extra)
}
