//! Renders argv from an [`NmapPlan`] and an authorized target literal.
//!
//! Order is fixed: server flags, privilege mode, scan, detection, scripts,
//! discovery, ports, timing, output filters, `-6` if needed, then `--` and the
//! target last.
//!
//! Must not: look at user tokens, or at any target but the authorized one.

use super::types::{NmapPlan, PortSelection, Probe, ScanMode};
use crate::call::{AuthorizedTarget, Rendering};
use crate::denied::{Denied, internal};

/// Renders an authorized nmap plan; `targets[0]` is the scanned target.
pub(crate) fn render(plan: &NmapPlan, targets: &[AuthorizedTarget]) -> Result<Rendering, Denied> {
    let primary = targets
        .first()
        .ok_or_else(|| internal("a plan without a target"))?;
    let ipv6 = primary.rendered.contains(':');
    Ok(Rendering::argv(render_argv(plan, &primary.rendered, ipv6)))
}

/// Flags the server always passes first: no DNS, XML on stdout, no keyboard.
pub const SERVER_FLAGS: [&str; 4] = ["-n", "-oX", "-", "--noninteractive"];

/// What replaces `--noninteractive` when the server follows the scan's
/// progress: a `<taskprogress>` element in the XML every second. nmap prints
/// these only when it is interactive; it still cannot touch a terminal, as
/// the runner starts every tool in a session of its own with no controlling
/// terminal (nmap's keyboard reader opens `/dev/tty`, which then fails).
pub const PROGRESS_FLAGS: [&str; 2] = ["--stats-every", "1s"];

/// The arguments after the program name. `target` must be an authorized IP
/// literal or CIDR; `ipv6` adds `-6`.
pub fn render_argv(plan: &NmapPlan, target: &str, ipv6: bool) -> Vec<String> {
    let mut a = Argv(SERVER_FLAGS.iter().map(|s| s.to_string()).collect());
    if plan.progress {
        a.0.pop();
        PROGRESS_FLAGS.iter().for_each(|f| a.push(*f));
    }
    if plan.raw_sockets {
        // Raw IP sockets, not Ethernet frames: the kernel's per-run egress
        // rules (netfilter) see every packet a raw scan sends.
        a.push("--privileged");
        a.push("--send-ip");
    } else {
        a.push("--unprivileged");
    }
    scan(&mut a, plan);
    detection(&mut a, plan);
    discovery(&mut a, plan);
    ports(&mut a, plan);
    timing(&mut a, plan);
    a.flag(plan.open, "--open");
    a.flag(plan.reason, "--reason");
    match plan.verbosity {
        0 => {}
        1 => a.push("-v"),
        _ => a.push("-vv"),
    }
    a.flag(ipv6, "-6");
    a.push("--");
    a.push(target);
    a.0
}

struct Argv(Vec<String>);

impl Argv {
    fn push(&mut self, s: impl Into<String>) {
        self.0.push(s.into());
    }

    fn flag(&mut self, on: bool, s: &str) {
        if on {
            self.push(s);
        }
    }

    fn opt(&mut self, name: &str, v: Option<impl ToString>) {
        if let Some(v) = v {
            self.push(name);
            self.push(v.to_string());
        }
    }
}

fn scan(a: &mut Argv, p: &NmapPlan) {
    match &p.scan {
        ScanMode::DiscoveryOnly => a.push("-sn"),
        ScanMode::Ports(types) => types.iter().for_each(|t| a.push(t.flag())),
    }
}

fn detection(a: &mut Argv, p: &NmapPlan) {
    a.flag(p.version, "-sV");
    a.opt("--version-intensity", p.version_intensity);
    a.flag(p.os, "-O");
    a.flag(p.osscan_guess, "--osscan-guess");
    a.flag(p.osscan_limit, "--osscan-limit");
    a.flag(p.traceroute, "--traceroute");
    if !p.scripts.is_empty() {
        a.push("--script");
        a.push(p.scripts.to_string());
    }
}

fn discovery(a: &mut Argv, p: &NmapPlan) {
    for probe in &p.probes {
        let (flag, ports) = match probe {
            Probe::NoPing => ("-Pn", None),
            Probe::Syn(ports) => ("-PS", ports.as_ref()),
            Probe::Ack(ports) => ("-PA", ports.as_ref()),
            Probe::Udp(ports) => ("-PU", ports.as_ref()),
            Probe::Echo => ("-PE", None),
        };
        a.push(match ports {
            Some(list) => format!("{flag}{list}"),
            None => flag.to_string(),
        });
    }
}

fn ports(a: &mut Argv, p: &NmapPlan) {
    match &p.ports {
        PortSelection::List(list) => a.opt("-p", Some(list)),
        PortSelection::Top(n) => a.opt("--top-ports", Some(n)),
        PortSelection::Fast => a.push("-F"),
        PortSelection::None => {}
    }
    a.flag(p.sequential, "-r");
}

fn timing(a: &mut Argv, p: &NmapPlan) {
    a.push(format!("-T{}", p.timing));
    a.opt("--min-rate", p.min_rate);
    a.opt("--max-rate", p.max_rate);
    a.opt("--max-retries", p.max_retries);
    a.opt("--host-timeout", Some(p.host_timeout));
    a.opt("--scan-delay", p.scan_delay);
    a.opt("--max-scan-delay", p.max_scan_delay);
}
