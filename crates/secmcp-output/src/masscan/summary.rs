//! A few lines of plain text describing a [`MasscanReport`]. Pure formatting; no I/O.

use super::MasscanReport;

/// A few lines for humans and models.
pub fn summary(r: &MasscanReport) -> String {
    let mut out = format!(
        "masscan: {} open port(s) on {} host(s)",
        r.open_ports,
        r.hosts.len() as u64 + r.hosts_omitted
    );
    for h in r.hosts.iter().take(50) {
        let ports: Vec<String> = h
            .ports
            .iter()
            .filter(|p| p.status == "open" || !p.banners.is_empty())
            .map(|p| {
                let mut s = format!("{}/{}", p.port, p.proto);
                if let Some(bn) = p.banners.first() {
                    let short: String = bn.banner.chars().take(60).collect();
                    s.push_str(&format!(" [{}: {short}]", bn.service));
                }
                s
            })
            .collect();
        if !ports.is_empty() {
            out.push_str(&format!("\n  {}: {}", h.address, ports.join(", ")));
        }
    }
    if r.hosts.len() > 50 {
        out.push_str(&format!("\n  ... {} more hosts", r.hosts.len() - 50));
    }
    if r.lines_skipped > 0 {
        out.push_str(&format!(
            "\n{} unreadable output line(s) skipped",
            r.lines_skipped
        ));
    }
    out
}
