//! A few lines of plain text describing an [`NmapReport`], for the text content that
//! goes next to the structured result. Pure formatting; no I/O.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{Host, NmapReport, Port};

/// Most lines in a summary before "... and N more lines".
const MAX_LINES: usize = 20;
/// Longest error text quoted in the first line.
const MAX_ERROR_CHARS: usize = 200;

/// A short human-readable summary: the run's outcome, then per host its state and
/// open ports (`80/tcp http (Apache httpd 2.4.57)`), at most about 20 lines.
pub fn summary(report: &NmapReport) -> String {
    let mut lines = vec![headline(report)];
    for host in &report.hosts {
        host_lines(host, &mut lines);
    }
    if report.hosts.is_empty() && report.complete && report.stats.exit != "error" {
        lines.push("No hosts reported.".to_owned());
    }
    let mut out = String::new();
    let total = lines.len();
    for line in lines.iter().take(MAX_LINES) {
        out.push_str(line);
        out.push('\n');
    }
    if total > MAX_LINES {
        let _ = writeln!(
            out,
            "... and {} more lines (see the structured result)",
            total - MAX_LINES
        );
    }
    if report.hosts_omitted > 0 {
        let _ = writeln!(
            out,
            "({} more hosts were left out of the result by its size limit)",
            report.hosts_omitted
        );
    }
    out.pop();
    out
}

fn headline(report: &NmapReport) -> String {
    let version = &report.scanner.version;
    let nmap = if version.is_empty() {
        "nmap".to_owned()
    } else {
        format!("nmap {version}")
    };
    let stats = &report.stats;
    if stats.exit == "error" {
        return format!("{nmap} failed: {}", first_line(&stats.error_message));
    }
    if !report.complete {
        let why = report.parse_error.as_deref().unwrap_or("unknown reason");
        return format!(
            "{nmap} scan INCOMPLETE ({}); {} reported before it stopped:",
            first_line(why),
            plural(report.hosts.len() as u64, "host")
        );
    }
    format!(
        "{nmap} finished: {} up, {} down, {} scanned in {:.2} s.",
        plural(stats.hosts_up, "host"),
        stats.hosts_down,
        stats.hosts_total,
        stats.elapsed_secs
    )
}

fn host_lines(host: &Host, lines: &mut Vec<String>) {
    let mut name = host.address.clone();
    if name.is_empty() {
        name = host.mac.clone();
    }
    if let Some(h) = host.hostnames.first().filter(|h| !h.name.is_empty()) {
        let _ = write!(name, " ({})", h.name);
    }
    if host.status != "up" {
        let reason = if host.status_reason.is_empty() {
            String::new()
        } else {
            format!(" ({})", host.status_reason)
        };
        let status = if host.status.is_empty() {
            "unknown"
        } else {
            &host.status
        };
        lines.push(format!("{name}: {status}{reason}"));
        return;
    }
    let open: Vec<&Port> = host
        .ports
        .iter()
        .filter(|p| p.state.starts_with("open"))
        .collect();
    let mut line = format!("{name}: up");
    if !host.mac_vendor.is_empty() {
        let _ = write!(line, " [{}]", host.mac_vendor);
    }
    let open_count = open.len() as u64 + host.open_ports_omitted;
    if open_count == 0 {
        line.push_str(", no open ports");
    } else {
        let _ = write!(line, ", {}", plural(open_count, "open port"));
    }
    let others = other_states(host);
    if !others.is_empty() {
        let _ = write!(line, " ({others})");
    }
    if let Some(os) = host.os_matches.first() {
        let _ = write!(line, "; OS guess: {} ({}%)", os.name, os.accuracy);
    }
    lines.push(line);
    for port in open {
        lines.push(format!("  {}", port_line(port)));
    }
}

/// "1999 closed, 2 filtered" from listed ports and extraports.
fn other_states(host: &Host) -> String {
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for p in host.ports.iter().filter(|p| !p.state.starts_with("open")) {
        *counts.entry(p.state.as_str()).or_default() += 1;
    }
    for e in &host.extraports {
        *counts.entry(e.state.as_str()).or_default() += e.count;
    }
    counts
        .iter()
        .map(|(state, n)| format!("{n} {state}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `80/tcp http (Apache httpd 2.4.57; Debian)`.
fn port_line(port: &Port) -> String {
    let mut line = format!("{}/{}", port.port, port.protocol);
    if let Some(s) = &port.service {
        line.push(' ');
        if !s.tunnel.is_empty() {
            let _ = write!(line, "{}/", s.tunnel);
        }
        line.push_str(if s.name.is_empty() {
            "unknown"
        } else {
            &s.name
        });
        let product: Vec<&str> = [s.product.as_str(), s.version.as_str()]
            .into_iter()
            .filter(|x| !x.is_empty())
            .collect();
        let mut detail = product.join(" ");
        if !s.extrainfo.is_empty() {
            if !detail.is_empty() {
                detail.push_str("; ");
            }
            detail.push_str(&s.extrainfo);
        }
        if !detail.is_empty() {
            let _ = write!(line, " ({detail})");
        }
    }
    if port.state != "open" {
        let _ = write!(line, " [{}]", port.state);
    }
    line
}

fn first_line(s: &str) -> String {
    let line = s
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    if line.chars().count() > MAX_ERROR_CHARS {
        let cut: String = line.chars().take(MAX_ERROR_CHARS).collect();
        format!("{cut}...")
    } else {
        line.to_owned()
    }
}

fn plural(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}
