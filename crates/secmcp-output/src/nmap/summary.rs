//! The text content that goes next to an [`NmapReport`]: the run's outcome, then per
//! host its state, its open ports with service and version, and a short quoted
//! excerpt of each NSE script's output, bounded to a few KB (some MCP clients show a
//! model only this text). Text the scanned host controls is always quoted (see
//! [`crate::text::quoted`]). Pure formatting; no I/O.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{Host, NmapReport, Port, Script};
use crate::text::{MAX_EXCERPT_CHARS, finish_summary, quoted};

/// Longest error text quoted in the first line.
const MAX_ERROR_CHARS: usize = 200;

/// A short summary: the run's outcome, then per host its state and open ports
/// (`80/tcp http "Apache httpd 2.4.57; Debian"`) with a quoted excerpt of each
/// script's output, at most 60 lines and about 4 KB, then notes on hosts left out,
/// flagged fields and quoted text.
pub fn summary(report: &NmapReport) -> String {
    let mut lines = vec![headline(report)];
    let mut quotes = false;
    for s in &report.pre_scripts {
        lines.push(script_line(&format!("pre-scan script {}", s.id), s));
        quotes = true;
    }
    for host in &report.hosts {
        quotes |= host_lines(host, &mut lines);
    }
    for s in &report.post_scripts {
        lines.push(script_line(&format!("post-scan script {}", s.id), s));
        quotes = true;
    }
    if report.hosts.is_empty() && report.complete && report.stats.exit != "error" {
        lines.push("No hosts reported.".to_owned());
    }
    let mut extra = Vec::new();
    if report.hosts_omitted > 0 {
        extra.push(format!(
            "({} more hosts were left out of the result by its size limit)",
            report.hosts_omitted
        ));
    }
    finish_summary(&lines, report.untrusted.flagged, quotes, &extra)
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

/// The host's lines; true when they quote host-controlled text.
fn host_lines(host: &Host, lines: &mut Vec<String>) -> bool {
    let mut quotes = false;
    let mut name = host.address.clone();
    if name.is_empty() {
        name = host.mac.clone();
    }
    if let Some(h) = host.hostnames.first().filter(|h| !h.name.is_empty()) {
        let _ = write!(name, " ({})", quoted(&h.name, MAX_EXCERPT_CHARS));
        quotes = true;
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
        return quotes;
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
        let (line, q) = port_line(port);
        quotes |= q;
        lines.push(format!("  {line}"));
        for s in &port.scripts {
            lines.push(format!("    {}", script_line(&s.id, s)));
            quotes = true;
        }
    }
    for s in &host.host_scripts {
        lines.push(format!(
            "  {}",
            script_line(&format!("host script {}", s.id), s)
        ));
        quotes = true;
    }
    quotes
}

/// `http-title: "Directory listing for /"`.
fn script_line(label: &str, s: &Script) -> String {
    format!("{label}: {}", quoted(&s.output, MAX_EXCERPT_CHARS))
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

/// `80/tcp http "Apache httpd 2.4.57; Debian"`, and whether it quotes host text.
fn port_line(port: &Port) -> (String, bool) {
    let mut line = format!("{}/{}", port.port, port.protocol);
    let mut quotes = false;
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
            let _ = write!(line, " {}", quoted(&detail, MAX_EXCERPT_CHARS));
            quotes = true;
        }
    }
    if port.state != "open" {
        let _ = write!(line, " [{}]", port.state);
    }
    (line, quotes)
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
