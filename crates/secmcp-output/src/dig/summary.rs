//! A few lines of plain text describing a [`DigReport`]. Pure formatting; no I/O.

use super::DigReport;

/// A few lines for humans and models.
pub fn summary(r: &DigReport) -> String {
    let mut out = String::new();
    let q = r
        .question
        .first()
        .map(|q| format!("{} {} {}", q.name, q.class, q.rtype))
        .unwrap_or_else(|| "(no question)".into());
    if r.messages == 0 {
        out.push_str(&format!("dig: no response for {q}"));
    } else {
        out.push_str(&format!(
            "dig {q} @{}: {} ({}), {} answer(s), {} authority, {} additional",
            r.server,
            if r.status.is_empty() { "?" } else { &r.status },
            r.flags.join(" "),
            r.answers.len(),
            r.authority.len(),
            r.additional.len()
        ));
        if let Some(ms) = r.query_time_ms {
            out.push_str(&format!(", {ms} ms"));
        }
    }
    for rec in r.answers.iter().take(20) {
        out.push_str(&format!(
            "\n  {} {} {} {}",
            rec.name, rec.ttl, rec.rtype, rec.data
        ));
    }
    if r.answers.len() > 20 {
        out.push_str(&format!("\n  ... {} more", r.answers.len() - 20));
    }
    for e in &r.errors {
        out.push_str(&format!("\nerror: {e}"));
    }
    out
}
