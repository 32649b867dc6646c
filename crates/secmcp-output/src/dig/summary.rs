//! The text content that goes next to a [`DigReport`]: status, flags and server,
//! then the answer records (record data quoted unless dig already quoted it),
//! bounded to a few KB. Pure formatting; no I/O.

use super::{DigReport, Record};
use crate::text::{MAX_EXCERPT_CHARS, finish_summary, quoted};

/// Most answer records listed.
const MAX_ANSWERS: usize = 40;

/// A short summary: `dig NAME CLASS TYPE @server: STATUS (flags), N answer(s), …`,
/// then one line per answer record, then dig's errors.
pub fn summary(r: &DigReport) -> String {
    let q = r
        .question
        .first()
        .map(|q| format!("{} {} {}", q.name, q.class, q.rtype))
        .unwrap_or_else(|| "(no question)".into());
    let mut head = if r.messages == 0 {
        format!("dig: no response for {q}")
    } else {
        format!(
            "dig {q} @{}: {} ({}), {} answer(s), {} authority, {} additional",
            r.server,
            if r.status.is_empty() { "?" } else { &r.status },
            r.flags.join(" "),
            r.answers.len(),
            r.authority.len(),
            r.additional.len()
        )
    };
    if let Some(ms) = r.query_time_ms.filter(|_| r.messages > 0) {
        head.push_str(&format!(", {ms} ms"));
    }
    let mut lines = vec![head];
    for rec in r.answers.iter().take(MAX_ANSWERS) {
        lines.push(format!("  {}", record(rec)));
    }
    if r.answers.len() > MAX_ANSWERS {
        lines.push(format!("  ... {} more", r.answers.len() - MAX_ANSWERS));
    }
    for e in &r.errors {
        lines.push(format!("error: {e}"));
    }
    let quotes = !r.answers.is_empty();
    finish_summary(&lines, r.untrusted.flagged, quotes, &[])
}

/// `"web.lab.internal." 600 IN A "10.99.0.7"`; TXT-like data that dig already put in
/// quotes (escaping any quote inside) is shown as dig wrote it.
fn record(rec: &Record) -> String {
    let data = &rec.data;
    let dig_quoted = data.len() >= 2
        && data.starts_with('"')
        && data.ends_with('"')
        && !data.ends_with("\\\"")
        && data.len() <= MAX_EXCERPT_CHARS * 2;
    let data = if dig_quoted {
        let reasons = crate::untrusted::scan(data);
        if reasons.is_empty() {
            data.clone()
        } else {
            let names: Vec<&str> = reasons.iter().map(|r| r.as_str()).collect();
            format!("{data} [flagged: {}]", names.join(", "))
        }
    } else {
        quoted(data, MAX_EXCERPT_CHARS * 2)
    };
    format!(
        "{} {} {} {} {data}",
        quoted(&rec.name, MAX_EXCERPT_CHARS),
        rec.ttl,
        rec.class,
        rec.rtype
    )
}
