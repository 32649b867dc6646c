//! A few lines of plain text describing a [`SqlmapReport`]. Pure formatting; no I/O.

use super::SqlmapReport;

/// A one-paragraph summary for the text content.
pub fn summary(r: &SqlmapReport) -> String {
    let mut out = String::new();
    if r.injectable {
        let points: Vec<String> = r
            .injection_points
            .iter()
            .map(|p| {
                let kinds: Vec<&str> = p.techniques.iter().map(|t| t.kind.as_str()).collect();
                format!("{} ({}): {}", p.parameter, p.place, kinds.join(", "))
            })
            .collect();
        out.push_str(&format!("injectable: {}", points.join("; ")));
    } else {
        out.push_str("no injectable parameter found");
        if !r.not_injectable.is_empty() {
            out.push_str(&format!(" (tested: {})", r.not_injectable.join(", ")));
        }
    }
    if !r.dbms.is_empty() {
        out.push_str(&format!("\nback-end DBMS: {}", r.dbms));
    }
    for f in &r.facts {
        out.push_str(&format!("\n{}: {}", f.name, f.value));
    }
    for l in &r.lists {
        out.push_str(&format!("\n{}: {} item(s)", l.name, l.items.len()));
    }
    for t in &r.tables {
        let name = if t.table.is_empty() {
            &t.database
        } else {
            &t.table
        };
        out.push_str(&format!("\ntable {name}: {} row(s)", t.rows.len()));
    }
    if let Some(e) = r.errors.first() {
        out.push_str(&format!("\nsqlmap: {e}"));
    }
    out
}
