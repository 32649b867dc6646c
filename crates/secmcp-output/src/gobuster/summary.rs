//! The text content that goes next to a [`GobusterReport`]: what was found, with
//! status, size and quoted redirect targets or CNAMEs, bounded to a few KB. Pure
//! formatting; no I/O.

use super::GobusterReport;
use crate::text::{MAX_EXCERPT_CHARS, finish_summary, quoted};

/// A short summary: `gobuster dir: N paths found`, then one line per finding
/// (`/admin (status 301) [size 0] -> "/admin/"`), then gobuster's first errors.
pub fn summary(r: &GobusterReport) -> String {
    let what = match r.mode.as_str() {
        "dns" => "subdomain",
        "vhost" => "virtual host",
        _ => "path",
    };
    let n = r.found.len() as u64 + r.found_omitted;
    let mut lines = vec![format!(
        "gobuster {}: {n} {what}{} found",
        r.mode,
        if n == 1 { "" } else { "s" }
    )];
    let mut quotes = false;
    for f in &r.found {
        let mut s = format!("  {}", f.name);
        if let Some(st) = f.status {
            s.push_str(&format!(" (status {st})"));
        }
        if let Some(size) = f.size {
            s.push_str(&format!(" [size {size}]"));
        }
        if !f.redirect.is_empty() {
            s.push_str(&format!(" -> {}", quoted(&f.redirect, MAX_EXCERPT_CHARS)));
            quotes = true;
        }
        if !f.addresses.is_empty() {
            s.push_str(&format!(" [{}]", f.addresses.join(", ")));
        }
        if !f.cname.is_empty() {
            s.push_str(&format!(" [CNAME {}]", quoted(&f.cname, MAX_EXCERPT_CHARS)));
            quotes = true;
        }
        lines.push(s);
    }
    let mut extra = Vec::new();
    if r.found_omitted > 0 {
        extra.push(format!(
            "({} more findings were left out of the result by its size limit)",
            r.found_omitted
        ));
    }
    for e in r.errors.iter().take(3) {
        extra.push(format!("error: {e}"));
    }
    finish_summary(&lines, r.untrusted.flagged, quotes, &extra)
}
