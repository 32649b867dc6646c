//! A few lines of plain text describing a [`GobusterReport`]. Pure formatting; no I/O.

use super::GobusterReport;

/// A few lines for humans and models.
pub fn summary(r: &GobusterReport) -> String {
    let what = match r.mode.as_str() {
        "dns" => "subdomain",
        "vhost" => "virtual host",
        _ => "path",
    };
    let n = r.found.len() as u64 + r.found_omitted;
    let mut s = format!(
        "gobuster {}: {n} {what}{} found",
        r.mode,
        if n == 1 { "" } else { "s" }
    );
    for f in r.found.iter().take(50) {
        s.push_str("\n  ");
        s.push_str(&f.name);
        if let Some(st) = f.status {
            s.push_str(&format!(" (status {st})"));
        }
        if let Some(size) = f.size {
            s.push_str(&format!(" [size {size}]"));
        }
        if !f.redirect.is_empty() {
            s.push_str(&format!(" -> {}", f.redirect));
        }
        if !f.addresses.is_empty() {
            s.push_str(&format!(" [{}]", f.addresses.join(", ")));
        }
        if !f.cname.is_empty() {
            s.push_str(&format!(" [CNAME {}]", f.cname));
        }
    }
    if r.found.len() > 50 {
        s.push_str(&format!("\n  ... and {} more", n - 50));
    }
    for e in r.errors.iter().take(3) {
        s.push_str(&format!("\nerror: {e}"));
    }
    s
}
