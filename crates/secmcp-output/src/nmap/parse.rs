//! The streaming nmap XML parser: one pass of quick-xml events, a small stack of the
//! elements we are inside, and the caps of [`Bounds`]. No DOM, no I/O, no panics.

use std::borrow::Cow;
use std::str::FromStr;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::{
    ExtraPorts, Host, Hostname, NmapReport, OsMatch, Port, ScanInfo, Script, Service, SkippedTarget,
};
use crate::bounds::Bounds;
use crate::sanitize::Kind;
use crate::text::{BoundedText, decode};
use crate::untrusted::{Flagger, Untrusted};

/// Longest `parse_error` message kept (quick-xml errors may quote input).
const MAX_ERROR_BYTES: usize = 512;
/// Longest raw number attribute considered.
const MAX_NUMBER_BYTES: usize = 64;

/// Parses nmap's XML output (`-oX -`) into a bounded [`NmapReport`].
///
/// Never panics and never fails. Malformed or truncated XML (an interrupted scan)
/// yields what was parsed before the problem, `complete: false` and a `parse_error`.
/// Unknown elements and attributes are ignored. Hosts, ports, scripts, small lists and
/// strings are capped by `bounds`; what is dropped is counted in `*_omitted` fields.
pub fn parse(xml: &[u8], bounds: &Bounds) -> NmapReport {
    let mut reader = Reader::from_reader(xml);
    let config = reader.config_mut();
    config.allow_dangling_amp = true;
    config.check_end_names = true;
    config.expand_empty_elements = false;

    let mut parser = Parser::new(bounds);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => parser.start(&e, false),
            Ok(Event::Empty(e)) => parser.start(&e, true),
            Ok(Event::End(_)) => parser.end(),
            Ok(Event::Text(t)) => parser.text(&t),
            Ok(Event::CData(t)) => parser.text(&t),
            Ok(Event::GeneralRef(r)) => parser.reference(&r),
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(err) => {
                // quick-xml's message quotes the input (tag names): sanitize it
                // like any tool text before it can reach a report.
                let message = format!("malformed XML at byte {}: {err}", reader.error_position());
                let message = crate::sanitize::sanitize(&message, Kind::Line).into_owned();
                parser.error = Some(clip(message, MAX_ERROR_BYTES));
                break;
            }
        }
        if parser.saw_end {
            // Anything after </nmaprun> (stray stderr, a second document) is ignored.
            break;
        }
    }
    parser.finish()
}

/// The elements whose content we care about; everything else is `Other`, whose
/// children are then ignored too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum El {
    NmapRun,
    Runstats,
    PreScript,
    PostScript,
    Host,
    Hostnames,
    Ports,
    Port,
    Service,
    ServiceCpe,
    Os,
    OsMatch,
    OsClass,
    OsClassCpe,
    HostScript,
    Other,
}

struct Parser<'b> {
    bounds: &'b Bounds,
    report: NmapReport,
    stack: Vec<El>,
    host: Option<Host>,
    port: Option<Port>,
    cpe: Option<BoundedText>,
    saw_nmaprun: bool,
    saw_finished: bool,
    saw_end: bool,
    error: Option<String>,
}

impl<'b> Parser<'b> {
    fn new(bounds: &'b Bounds) -> Self {
        Self {
            bounds,
            report: NmapReport::default(),
            stack: Vec::new(),
            host: None,
            port: None,
            cpe: None,
            saw_nmaprun: false,
            saw_finished: false,
            saw_end: false,
            error: None,
        }
    }

    fn start(&mut self, e: &BytesStart<'_>, empty: bool) {
        let parent = self.stack.last().copied();
        let el = match (parent, e.local_name().as_ref()) {
            (None, b"nmaprun") => {
                self.saw_nmaprun = true;
                let scanner = &mut self.report.scanner;
                scanner.version = text(e, b"version", self.bounds);
                scanner.args = text(e, b"args", self.bounds);
                scanner.start = number(e, b"start").unwrap_or(0);
                El::NmapRun
            }
            (Some(El::NmapRun), b"scaninfo") => {
                if self.report.scanner.scans.len() < self.bounds.max_list_items {
                    let info = ScanInfo {
                        scan_type: text(e, b"type", self.bounds),
                        protocol: text(e, b"protocol", self.bounds),
                        num_services: number(e, b"numservices").unwrap_or(0),
                        services: text(e, b"services", self.bounds),
                    };
                    self.report.scanner.scans.push(info);
                }
                El::Other
            }
            (Some(El::NmapRun), b"target") => {
                if self.report.skipped_targets.len() < self.bounds.max_list_items {
                    let target = SkippedTarget {
                        specification: text(e, b"specification", self.bounds),
                        status: text(e, b"status", self.bounds),
                        reason: text(e, b"reason", self.bounds),
                    };
                    self.report.skipped_targets.push(target);
                }
                El::Other
            }
            (Some(El::NmapRun), b"prescript") => El::PreScript,
            (Some(El::NmapRun), b"postscript") => El::PostScript,
            (Some(El::PreScript), b"script") => {
                let script = script(e, self.bounds);
                if self.report.pre_scripts.len() < self.bounds.max_scripts_per_port {
                    self.report.pre_scripts.push(script);
                }
                El::Other
            }
            (Some(El::PostScript), b"script") => {
                let script = script(e, self.bounds);
                if self.report.post_scripts.len() < self.bounds.max_scripts_per_port {
                    self.report.post_scripts.push(script);
                }
                El::Other
            }
            (Some(El::NmapRun), b"runstats") => El::Runstats,
            (Some(El::Runstats), b"finished") => {
                self.saw_finished = true;
                let stats = &mut self.report.stats;
                stats.finished = number(e, b"time").unwrap_or(0);
                stats.elapsed_secs = number::<f64>(e, b"elapsed")
                    .filter(|s| s.is_finite() && *s >= 0.0)
                    .unwrap_or(0.0);
                stats.exit = text(e, b"exit", self.bounds);
                stats.summary = text(e, b"summary", self.bounds);
                stats.error_message = multiline(e, b"errormsg", self.bounds);
                El::Other
            }
            (Some(El::Runstats), b"hosts") => {
                let stats = &mut self.report.stats;
                stats.hosts_up = number(e, b"up").unwrap_or(0);
                stats.hosts_down = number(e, b"down").unwrap_or(0);
                stats.hosts_total = number(e, b"total").unwrap_or(0);
                El::Other
            }
            (Some(El::NmapRun), b"host") => {
                self.port = None;
                self.host = Some(Host {
                    timed_out: raw(e, b"timedout").is_some_and(|v| v.as_ref() == b"true"),
                    ..Host::default()
                });
                El::Host
            }
            (Some(El::Host), name) => self.host_child(e, name),
            (Some(El::Hostnames), b"hostname") => {
                let max = self.bounds.max_list_items;
                let hostname = Hostname {
                    name: text(e, b"name", self.bounds),
                    kind: text(e, b"type", self.bounds),
                };
                if let Some(host) = self.host.as_mut()
                    && host.hostnames.len() < max
                {
                    host.hostnames.push(hostname);
                }
                El::Other
            }
            (Some(El::Ports), b"extraports") => {
                let max = self.bounds.max_list_items;
                let extra = ExtraPorts {
                    state: text(e, b"state", self.bounds),
                    count: number(e, b"count").unwrap_or(0),
                };
                if let Some(host) = self.host.as_mut()
                    && host.extraports.len() < max
                {
                    host.extraports.push(extra);
                }
                El::Other
            }
            (Some(El::Ports), b"port") => {
                self.port = Some(Port {
                    port: number(e, b"portid").unwrap_or(0),
                    protocol: text(e, b"protocol", self.bounds),
                    ..Port::default()
                });
                El::Port
            }
            (Some(El::Port), name) => self.port_child(e, name),
            (Some(El::Service), b"cpe") => {
                self.cpe = Some(BoundedText::new(self.bounds.max_text_bytes));
                El::ServiceCpe
            }
            (Some(El::Os), b"osmatch") => {
                let max = self.bounds.max_list_items;
                let os_match = OsMatch {
                    name: text(e, b"name", self.bounds),
                    accuracy: number::<u64>(e, b"accuracy").map_or(0, |a| a.min(100) as u8),
                    ..OsMatch::default()
                };
                match self.host.as_mut() {
                    Some(host) if host.os_matches.len() < max => {
                        host.os_matches.push(os_match);
                        El::OsMatch
                    }
                    Some(host) => {
                        host.os_matches_omitted += 1;
                        El::Other
                    }
                    None => El::Other,
                }
            }
            (Some(El::Os), b"osfingerprint") => {
                let fp = multiline(e, b"fingerprint", self.bounds);
                if let Some(host) = self.host.as_mut()
                    && host.os_fingerprint.is_empty()
                {
                    host.os_fingerprint = fp;
                }
                El::Other
            }
            (Some(El::OsMatch), b"osclass") => {
                let b = self.bounds;
                if let Some(m) = self.host.as_mut().and_then(|h| h.os_matches.last_mut())
                    && m.os_family.is_empty()
                    && m.vendor.is_empty()
                {
                    m.os_family = text(e, b"osfamily", b);
                    m.vendor = text(e, b"vendor", b);
                    m.os_gen = text(e, b"osgen", b);
                    m.device_type = text(e, b"type", b);
                }
                El::OsClass
            }
            (Some(El::OsClass), b"cpe") => {
                self.cpe = Some(BoundedText::new(self.bounds.max_text_bytes));
                El::OsClassCpe
            }
            (Some(El::HostScript), b"script") => {
                let max = self.bounds.max_scripts_per_port;
                let script = script(e, self.bounds);
                if let Some(host) = self.host.as_mut() {
                    if host.host_scripts.len() < max {
                        host.host_scripts.push(script);
                    } else {
                        host.host_scripts_omitted += 1;
                    }
                }
                El::Other
            }
            _ => El::Other,
        };
        if empty {
            self.end_el(el);
        } else {
            self.stack.push(el);
        }
    }

    fn host_child(&mut self, e: &BytesStart<'_>, name: &[u8]) -> El {
        let b = self.bounds;
        let Some(host) = self.host.as_mut() else {
            return El::Other;
        };
        match name {
            b"status" => {
                host.status = text(e, b"state", b);
                host.status_reason = text(e, b"reason", b);
                El::Other
            }
            b"address" => {
                let kind = raw(e, b"addrtype");
                match kind.as_deref() {
                    Some(b"mac") => {
                        if host.mac.is_empty() {
                            host.mac = text(e, b"addr", b);
                            host.mac_vendor = text(e, b"vendor", b);
                        }
                    }
                    other => {
                        if host.address.is_empty() {
                            host.address = text(e, b"addr", b);
                            host.address_type = match other {
                                Some(k) => decode(k, b.max_text_bytes, true, Kind::Line),
                                None => "ipv4".to_owned(),
                            };
                        }
                    }
                }
                El::Other
            }
            b"hostnames" => El::Hostnames,
            b"ports" => El::Ports,
            b"os" => El::Os,
            b"hostscript" => El::HostScript,
            b"uptime" => {
                host.uptime_secs = number(e, b"seconds");
                El::Other
            }
            b"distance" => {
                host.distance = number(e, b"value");
                El::Other
            }
            _ => El::Other,
        }
    }

    fn port_child(&mut self, e: &BytesStart<'_>, name: &[u8]) -> El {
        let b = self.bounds;
        let Some(port) = self.port.as_mut() else {
            return El::Other;
        };
        match name {
            b"state" => {
                port.state = text(e, b"state", b);
                port.reason = text(e, b"reason", b);
                port.reason_ttl = number(e, b"reason_ttl");
                El::Other
            }
            b"service" => {
                port.service = Some(Service {
                    name: text(e, b"name", b),
                    product: text(e, b"product", b),
                    version: text(e, b"version", b),
                    extrainfo: text(e, b"extrainfo", b),
                    tunnel: text(e, b"tunnel", b),
                    method: text(e, b"method", b),
                    conf: number::<u64>(e, b"conf").map_or(0, |c| c.min(10) as u8),
                    os_type: text(e, b"ostype", b),
                    device_type: text(e, b"devicetype", b),
                    hostname: text(e, b"hostname", b),
                    cpe: Vec::new(),
                    fingerprint: multiline(e, b"servicefp", b),
                });
                El::Service
            }
            b"script" => {
                if port.scripts.len() < b.max_scripts_per_port {
                    port.scripts.push(script(e, b));
                } else {
                    port.scripts_omitted += 1;
                }
                El::Other
            }
            _ => El::Other,
        }
    }

    fn end(&mut self) {
        if let Some(el) = self.stack.pop() {
            self.end_el(el);
        }
    }

    fn end_el(&mut self, el: El) {
        let max = self.bounds.max_list_items;
        match el {
            El::NmapRun => self.saw_end = true,
            El::Host => self.finish_host(),
            El::Port => self.finish_port(),
            El::ServiceCpe => {
                let cpe = self.take_cpe();
                if let Some(service) = self.port.as_mut().and_then(|p| p.service.as_mut())
                    && !cpe.is_empty()
                    && service.cpe.len() < max
                {
                    service.cpe.push(cpe);
                }
            }
            El::OsClassCpe => {
                let cpe = self.take_cpe();
                if let Some(m) = self.host.as_mut().and_then(|h| h.os_matches.last_mut())
                    && !cpe.is_empty()
                    && m.cpe.len() < max
                    && !m.cpe.contains(&cpe)
                {
                    m.cpe.push(cpe);
                }
            }
            _ => {}
        }
    }

    fn take_cpe(&mut self) -> String {
        let cpe = self
            .cpe
            .take()
            .map(|t| t.finish(Kind::Line))
            .unwrap_or_default();
        let trimmed = cpe.trim();
        if trimmed.len() == cpe.len() {
            cpe
        } else {
            trimmed.to_owned()
        }
    }

    fn text(&mut self, raw: &[u8]) {
        if matches!(self.stack.last(), Some(El::ServiceCpe | El::OsClassCpe))
            && let Some(cpe) = self.cpe.as_mut()
        {
            cpe.push_raw(raw, false);
        }
    }

    fn reference(&mut self, name: &[u8]) {
        if matches!(self.stack.last(), Some(El::ServiceCpe | El::OsClassCpe))
            && let Some(cpe) = self.cpe.as_mut()
        {
            cpe.push_reference(name);
        }
    }

    /// Adds the finished port to the current host, preferring open ports at the cap.
    fn finish_port(&mut self) {
        let (Some(port), Some(host)) = (self.port.take(), self.host.as_mut()) else {
            return;
        };
        if host.ports.len() < self.bounds.max_ports_per_host {
            host.ports.push(port);
            return;
        }
        host.ports_omitted += 1;
        if port.state == "open" {
            match host.ports.iter().rposition(|p| p.state != "open") {
                // Drop the last non-open port instead; order stays nmap's order.
                Some(i) => {
                    host.ports.remove(i);
                    host.ports.push(port);
                }
                None => host.open_ports_omitted += 1,
            }
        }
    }

    /// Adds the finished host to the report, preferring hosts that are up at the cap.
    fn finish_host(&mut self) {
        let Some(host) = self.host.take() else {
            return;
        };
        let hosts = &mut self.report.hosts;
        if hosts.len() < self.bounds.max_hosts {
            hosts.push(host);
            return;
        }
        self.report.hosts_omitted += 1;
        if host.status == "up"
            && let Some(i) = hosts.iter().rposition(|h| h.status != "up")
        {
            hosts.remove(i);
            hosts.push(host);
        }
    }

    fn finish(mut self) -> NmapReport {
        // A host cut off mid-way (truncated output) is kept with what it had so far.
        if self.host.is_some() {
            self.finish_port();
            self.finish_host();
        }
        let mut report = self.report;
        report.untrusted = flag(&report);
        report.complete =
            self.error.is_none() && self.saw_nmaprun && self.saw_end && self.saw_finished;
        report.parse_error = if report.complete {
            None
        } else if let Some(error) = self.error {
            Some(error)
        } else if !self.saw_nmaprun {
            Some(
                "no <nmaprun> element: the output is empty or not nmap XML \
                 (nmap probably failed before scanning; see its error output)"
                    .to_owned(),
            )
        } else if !self.saw_end {
            Some(
                "the XML ends before </nmaprun>: nmap was interrupted (timeout or \
                 cancellation) or its output was cut; results are partial"
                    .to_owned(),
            )
        } else {
            Some("no <runstats><finished> element: run statistics are missing".to_owned())
        };
        report
    }
}

/// The raw (still escaped) value of attribute `key`, if present.
fn raw<'a>(e: &'a BytesStart<'_>, key: &[u8]) -> Option<Cow<'a, [u8]>> {
    e.attributes()
        .with_checks(false)
        .map_while(Result::ok)
        .find(|a| a.key.local_name().as_ref() == key)
        .map(|a| a.value)
}

/// The decoded, bounded value of attribute `key`; empty if absent.
fn text(e: &BytesStart<'_>, key: &[u8], bounds: &Bounds) -> String {
    raw(e, key).map_or_else(String::new, |v| {
        decode(&v, bounds.max_text_bytes, true, Kind::Line)
    })
}

/// Like [`text`], for attributes that hold several lines (script output, errors).
fn multiline(e: &BytesStart<'_>, key: &[u8], bounds: &Bounds) -> String {
    raw(e, key).map_or_else(String::new, |v| {
        decode(&v, bounds.max_text_bytes, true, Kind::MultiLine)
    })
}

/// The value of attribute `key` parsed as a number; `None` if absent or not a number.
fn number<T: FromStr>(e: &BytesStart<'_>, key: &[u8]) -> Option<T> {
    let v = raw(e, key)?;
    if v.len() > MAX_NUMBER_BYTES {
        return None;
    }
    decode(&v, MAX_NUMBER_BYTES, true, Kind::Line)
        .trim()
        .parse()
        .ok()
}

fn script(e: &BytesStart<'_>, bounds: &Bounds) -> Script {
    Script {
        id: text(e, b"id", bounds),
        output: multiline(e, b"output", bounds),
    }
}

/// Cuts `s` to at most `max` bytes on a character boundary.
fn clip(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

/// Flags the untrusted fields of `r`: script output, what version detection read
/// from services, and host names.
pub(crate) fn flag(r: &NmapReport) -> Untrusted {
    let mut f = Flagger::default();
    for (i, s) in r.pre_scripts.iter().enumerate() {
        f.check(&s.output, || format!("pre_scripts[{i}].output"));
    }
    for (h, host) in r.hosts.iter().enumerate() {
        for (i, n) in host.hostnames.iter().enumerate() {
            f.check(&n.name, || format!("hosts[{h}].hostnames[{i}].name"));
        }
        for (p, port) in host.ports.iter().enumerate() {
            if let Some(svc) = &port.service {
                for (key, value) in [
                    ("product", &svc.product),
                    ("version", &svc.version),
                    ("extrainfo", &svc.extrainfo),
                    ("hostname", &svc.hostname),
                    ("os_type", &svc.os_type),
                    ("device_type", &svc.device_type),
                    ("fingerprint", &svc.fingerprint),
                ] {
                    f.check(value, || format!("hosts[{h}].ports[{p}].service.{key}"));
                }
                for (i, cpe) in svc.cpe.iter().enumerate() {
                    f.check(cpe, || format!("hosts[{h}].ports[{p}].service.cpe[{i}]"));
                }
            }
            for (i, s) in port.scripts.iter().enumerate() {
                f.check(&s.output, || {
                    format!("hosts[{h}].ports[{p}].scripts[{i}].output")
                });
            }
        }
        for (i, s) in host.host_scripts.iter().enumerate() {
            f.check(&s.output, || format!("hosts[{h}].host_scripts[{i}].output"));
        }
    }
    for (i, s) in r.post_scripts.iter().enumerate() {
        f.check(&s.output, || format!("post_scripts[{i}].output"));
    }
    f.finish()
}
