//! The text content that goes next to a [`MasscanReport`]: open ports per host and a
//! quoted excerpt of each grabbed banner, bounded to a few KB. Pure formatting; no I/O.

use super::MasscanReport;
use crate::text::{MAX_EXCERPT_CHARS, finish_summary, quoted};

/// Most banners quoted per port.
const MAX_BANNERS_PER_PORT: usize = 3;

/// A short summary: the count of open ports, then per host its open ports (and ports
/// that only sent a banner) with each banner quoted (`18080/tcp http banner: "HTTP/1.0
/// 200 OK | Server: …"`).
pub fn summary(r: &MasscanReport) -> String {
    let mut lines = vec![format!(
        "masscan: {} open port(s) on {} host(s)",
        r.open_ports,
        r.hosts.len() as u64 + r.hosts_omitted
    )];
    let mut quotes = false;
    for h in &r.hosts {
        let ports: Vec<_> = h
            .ports
            .iter()
            .filter(|p| p.status == "open" || !p.banners.is_empty())
            .collect();
        if ports.is_empty() {
            continue;
        }
        let list: Vec<String> = ports
            .iter()
            .map(|p| format!("{}/{}", p.port, p.proto))
            .collect();
        lines.push(format!("  {}: {}", h.address, list.join(", ")));
        for p in ports {
            for b in p.banners.iter().take(MAX_BANNERS_PER_PORT) {
                lines.push(format!(
                    "    {}/{} {} banner: {}",
                    p.port,
                    p.proto,
                    b.service,
                    quoted(&b.banner, MAX_EXCERPT_CHARS)
                ));
                quotes = true;
            }
        }
    }
    let mut extra = Vec::new();
    if r.hosts_omitted > 0 {
        extra.push(format!(
            "({} more hosts were left out of the result by its size limit)",
            r.hosts_omitted
        ));
    }
    if r.lines_skipped > 0 {
        extra.push(format!(
            "{} unreadable output line(s) skipped",
            r.lines_skipped
        ));
    }
    finish_summary(&lines, r.untrusted.flagged, quotes, &extra)
}
