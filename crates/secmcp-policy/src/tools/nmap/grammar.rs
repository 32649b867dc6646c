//! The nmap argument grammar: target and tokens -> [`NmapPlan`], with every
//! gate (raw sockets, `security.allow_intrusive`, limits) checked on the way.
//! Which spellings exist, their value kinds and their gates come from the
//! table in `flags.rs`; this file gives them meaning.
//!
//! Must not: render argv (`render.rs` does) or look at anything but the call.

use std::time::Duration;

use super::flags::{
    Arity, IDLE, INTRUSIVE_TIMING, Kind, Letter, Lookup, Opt, SCAN_LETTERS, Spelled, TIMING_NAMES,
    lookup,
};
use super::nse::CATALOG;
use super::scripts::{ALL_VETTED, Category, ScriptRefusal, ScriptSelection};
use super::types::{
    DEFAULT_TIMING, DEFAULT_TOP_PORTS, MAX_DELAY_MS, MAX_VERBOSITY, NmapLimits, NmapPlan,
    PortSelection, Probe, ScanMode, ScanType,
};
use super::values::{NmapTime, parse_port_list};
use crate::address::{Target, parse_target};
use crate::call::{Call, Parsed, PlannedTarget, Rules};
use crate::denied::{Denied, field};
use crate::grammar_util::{INTRUSIVE_HINT, TOKEN_CHARS, shown, whole_number};
use crate::tools::options::Gate;

const ARGS_HINT: &str =
    "remove or fix that argument; the tool description lists the accepted nmap flags";
const RAW_HINT: &str = "use -sT (connect scan) or run the server with root/cap_net_raw";
/// The most digits a number may be written with.
const NUMBER_DIGITS: usize = 10;

/// What the parser needs from the call.
struct Ctx<'a> {
    rules: &'a Rules<'a>,
    limits: &'a NmapLimits,
    timeout: Duration,
}

/// Options seen so far; `None` = not given.
#[derive(Default)]
struct Draft {
    scan_types: Vec<ScanType>,
    discovery_only: bool,
    version: bool,
    intensity: Option<u8>,
    default_scripts: bool,
    scripts: Option<ScriptSelection>,
    os: bool,
    osscan_guess: bool,
    osscan_limit: bool,
    traceroute: bool,
    probes: Vec<Probe>,
    ports: Option<(PortSelection, &'static str)>,
    sequential: bool,
    timing: Option<u8>,
    min_rate: Option<u32>,
    max_rate: Option<u32>,
    max_retries: Option<u8>,
    host_timeout: Option<NmapTime>,
    scan_delay: Option<NmapTime>,
    max_scan_delay: Option<NmapTime>,
    open: bool,
    reason: bool,
    verbosity: u8,
}

/// Parses an nmap call: the target (IP, CIDR within
/// `tools.nmap.max_cidr_addresses`, or host name) and the `extra_args` tokens.
pub(crate) fn parse(
    rules: &Rules<'_>,
    limits: &NmapLimits,
    call: &Call<'_>,
) -> Result<Parsed<NmapPlan>, Denied> {
    let target = parse_target(call.target)?;
    check_cidr_size(&target, limits.max_cidr_addresses)?;
    let ctx = Ctx {
        rules,
        limits,
        timeout: call.timeout,
    };
    let plan = parse_args(call.tokens, &ctx)?;
    Ok(Parsed {
        plan,
        targets: vec![PlannedTarget::new(field::TARGET, call.target, target)],
        files: Vec::new(),
    })
}

/// Refuses a CIDR target larger than `max` addresses.
fn check_cidr_size(target: &Target, max: u64) -> Result<(), Denied> {
    let Target::Cidr(c) = target else {
        return Ok(());
    };
    if c.size() <= u128::from(max) {
        return Ok(());
    }
    Err(Denied::validation(
        field::TARGET,
        format!(
            "{c} covers {} addresses; this tool scans at most {max} per call",
            c.size()
        ),
        "split the range into smaller CIDRs (e.g. /24 = 256 addresses)",
    ))
}

/// Parses `extra_args` tokens into a plan under `ctx`'s rules and limits,
/// for a call that may run for `ctx.timeout`.
fn parse_args(tokens: &[String], ctx: &Ctx<'_>) -> Result<NmapPlan, Denied> {
    let mut draft = Draft::default();
    let mut rest = tokens.iter();
    while let Some(tok) = rest.next() {
        let spelled = classify(tok)?;
        let value = take_value(&spelled, &mut rest)?;
        draft.apply(ctx, tok, spelled, value)?;
    }
    draft.finish(ctx)
}

fn bad(message: String) -> Denied {
    Denied::validation(field::EXTRA_ARGS, message, ARGS_HINT)
}

fn classify(tok: &str) -> Result<Spelled<'_>, Denied> {
    match lookup(tok) {
        Lookup::Known(s) => Ok(s),
        Lookup::Refused(name, why) => Err(bad(format!(
            "{} is not accepted: {why}",
            shown(name, TOKEN_CHARS)
        ))),
        Lookup::SingleDashLong(name) => Err(bad(format!(
            "unknown option '{}'; options must be spelled exactly, e.g. {name}",
            shown(tok, TOKEN_CHARS)
        ))),
        Lookup::Unknown => Err(unknown(tok)),
        Lookup::Positional => Err(bad(format!(
            "unexpected argument '{}': the target goes in the target field (one per call), and -PS/-PA/-PU ports attach directly (-PS22,80)",
            shown(tok, TOKEN_CHARS)
        ))),
    }
}

fn unknown(tok: &str) -> Denied {
    bad(format!(
        "unknown option '{}' (abbreviations and single-dash long options are not accepted)",
        shown(tok, TOKEN_CHARS)
    ))
}

fn take_value<'a>(
    s: &Spelled<'a>,
    rest: &mut impl Iterator<Item = &'a String>,
) -> Result<Option<&'a str>, Denied> {
    match (s.arity, s.attached) {
        (Arity::Switch, Some(v)) => Err(bad(format!(
            "{} takes no value (got '{}')",
            s.name,
            shown(v, TOKEN_CHARS)
        ))),
        (Arity::Switch, None) => Ok(None),
        (Arity::Attached, v) | (Arity::Value, v @ Some(_)) => Ok(v),
        (Arity::Value, None) => rest
            .next()
            .map(|t| Some(t.as_str()))
            .ok_or_else(|| bad(format!("{} needs a value", s.name))),
    }
}

fn need_raw(ctx: &Ctx<'_>, flag: &str) -> Result<(), Denied> {
    if ctx.rules.raw_sockets {
        return Ok(());
    }
    Err(Denied::privilege(
        field::EXTRA_ARGS,
        format!(
            "{flag} needs raw sockets, which this server does not have (it runs without root or CAP_NET_RAW)"
        ),
        RAW_HINT,
    ))
}

fn intrusive(ctx: &Ctx<'_>, flag: &str, why: &str) -> Result<(), Denied> {
    ctx.rules
        .need_intrusive(field::EXTRA_ARGS, || format!("{flag} is intrusive ({why})"))
}

/// Enforces an option's gate from the table: `allow_intrusive` first, then
/// raw sockets.
fn check_gate(
    ctx: &Ctx<'_>,
    gate: Gate,
    flag: &str,
    why: &str,
    raw_why: &str,
) -> Result<(), Denied> {
    if gate.needs_intrusive() {
        intrusive(ctx, flag, why)?;
    }
    if gate.needs_raw_sockets() {
        need_raw(ctx, &format!("{flag}{raw_why}"))?;
    }
    Ok(())
}

fn once<T>(slot: &mut Option<T>, value: T, name: &str) -> Result<(), Denied> {
    crate::grammar_util::once(slot, value, name).map_err(bad)
}

/// A number option's value, in the range its table row gives.
fn int(s: &Spelled<'_>, v: &str) -> Result<u64, Denied> {
    match s.spec.kind {
        Kind::Int(min, max) => whole_number(v, s.name, min, max, NUMBER_DIGITS).map_err(bad),
        _ => Err(bad(format!("internal: {} has no number range", s.name))),
    }
}

fn time(v: &str, name: &str) -> Result<NmapTime, Denied> {
    NmapTime::parse(v).map_err(|e| bad(format!("{name}: {e}")))
}

fn value<'a>(v: Option<&'a str>, name: &str) -> Result<&'a str, Denied> {
    v.ok_or_else(|| bad(format!("{name} needs a value")))
}

impl Draft {
    fn apply(
        &mut self,
        ctx: &Ctx<'_>,
        tok: &str,
        s: Spelled<'_>,
        v: Option<&str>,
    ) -> Result<(), Denied> {
        let name = s.name;
        check_gate(ctx, s.spec.gate, name, s.spec.why, s.spec.raw_why)?;
        match s.opt {
            Opt::ScanBundle => self.scan_bundle(ctx, tok, v.unwrap_or("")),
            Opt::VersionIntensity => {
                let n = int(&s, value(v, name)?)?;
                once(
                    &mut self.intensity,
                    n as u8,
                    "--version-intensity/--version-light/--version-all",
                )
            }
            Opt::VersionLight => once(
                &mut self.intensity,
                2,
                "--version-intensity/--version-light/--version-all",
            ),
            Opt::VersionAll => once(
                &mut self.intensity,
                9,
                "--version-intensity/--version-light/--version-all",
            ),
            Opt::Ports => {
                let list =
                    parse_port_list(value(v, name)?, true).map_err(|e| bad(format!("-p: {e}")))?;
                self.set_ports(PortSelection::List(list), "-p")
            }
            Opt::TopPorts => {
                let n = int(&s, value(v, name)?)?;
                self.set_ports(PortSelection::Top(n as u32), name)
            }
            Opt::Fast => self.set_ports(PortSelection::Fast, name),
            Opt::Timing => self.timing(ctx, value(v, name)?),
            Opt::MinRate | Opt::MaxRate => self.rate(ctx, s.opt, name, value(v, name)?),
            Opt::MaxRetries => {
                let n = int(&s, value(v, name)?)?;
                once(&mut self.max_retries, n as u8, name)
            }
            Opt::HostTimeout => self.host_timeout(ctx, value(v, name)?),
            Opt::ScanDelay | Opt::MaxScanDelay => self.delay(s.opt, name, value(v, name)?),
            Opt::NoPing | Opt::PingSyn | Opt::PingAck | Opt::PingUdp | Opt::PingEcho => {
                self.probe(s.opt, v)
            }
            Opt::Script => self.script_list(ctx, value(v, name)?),
            Opt::Verbose(n) => self.verbose(n),
            Opt::Sequential => {
                self.sequential = true;
                Ok(())
            }
            Opt::NoDns => Ok(()), // the server always adds -n
            Opt::Os => {
                self.os = true;
                Ok(())
            }
            Opt::OsscanGuess => {
                self.osscan_guess = true;
                Ok(())
            }
            Opt::OsscanLimit => {
                self.osscan_limit = true;
                Ok(())
            }
            Opt::Open => {
                self.open = true;
                Ok(())
            }
            Opt::Reason => {
                self.reason = true;
                Ok(())
            }
            Opt::Aggressive => {
                self.os = true;
                self.version = true;
                self.default_scripts = true;
                self.traceroute = true;
                Ok(())
            }
            Opt::Traceroute => {
                self.traceroute = true;
                Ok(())
            }
        }
    }

    fn scan_bundle(&mut self, ctx: &Ctx<'_>, tok: &str, letters: &str) -> Result<(), Denied> {
        if letters.is_empty() {
            return Err(bad("-s needs scan letters (-sT, -sS, -sU, -sV, ...)".into()));
        }
        for c in letters.chars() {
            self.scan_letter(ctx, tok, letters.len(), c)?;
        }
        Ok(())
    }

    fn scan_letter(&mut self, ctx: &Ctx<'_>, tok: &str, len: usize, c: char) -> Result<(), Denied> {
        let Some(l) = SCAN_LETTERS.iter().find(|l| l.letter == c) else {
            if c == 'I' {
                return Err(bad(format!("-sI is not accepted: {}", IDLE.reason)));
            }
            if len == 1 {
                let known: Vec<&str> = SCAN_LETTERS.iter().map(|l| l.spelling).collect();
                return Err(bad(format!(
                    "-s{} is not accepted (scan letters: {})",
                    c.escape_default(),
                    known.join(" ")
                )));
            }
            return Err(unknown(tok));
        };
        if l.gate.needs_raw_sockets() {
            need_raw(ctx, l.spelling)?;
        }
        match l.what {
            Letter::Scan(scan) => {
                if !self.scan_types.contains(&scan) {
                    self.scan_types.push(scan);
                }
            }
            Letter::Version => self.version = true,
            Letter::DefaultScripts => self.default_scripts = true,
            Letter::DiscoveryOnly => self.discovery_only = true,
        }
        Ok(())
    }

    fn set_ports(&mut self, sel: PortSelection, name: &'static str) -> Result<(), Denied> {
        match &self.ports {
            Some((_, prev)) if *prev == name => Err(bad(format!("{name} is given more than once"))),
            Some((_, prev)) => Err(bad(format!(
                "choose one of -p, -F and --top-ports (got {prev} and {name})"
            ))),
            None => {
                self.ports = Some((sel, name));
                Ok(())
            }
        }
    }

    fn timing(&mut self, ctx: &Ctx<'_>, v: &str) -> Result<(), Denied> {
        let level = match TIMING_NAMES.iter().position(|n| *n == v) {
            Some(i) => i as u8,
            None => match v.as_bytes() {
                [d @ b'0'..=b'5'] => d - b'0',
                _ => {
                    return Err(bad(format!(
                        "-T needs 0-5 or {}, got '{}'",
                        TIMING_NAMES.join("|"),
                        shown(v, TOKEN_CHARS)
                    )));
                }
            },
        };
        if level == INTRUSIVE_TIMING {
            intrusive(
                ctx,
                "-T5 (insane)",
                "it can overwhelm targets and lose results",
            )?;
        }
        once(&mut self.timing, level, "-T")
    }

    fn rate(&mut self, ctx: &Ctx<'_>, opt: Opt, name: &str, v: &str) -> Result<(), Denied> {
        let max = u64::from(ctx.limits.max_rate_pps);
        let n = whole_number(v, name, 1, max, NUMBER_DIGITS).map_err(bad)? as u32;
        let slot = if opt == Opt::MinRate {
            &mut self.min_rate
        } else {
            &mut self.max_rate
        };
        once(slot, n, name)
    }

    fn host_timeout(&mut self, ctx: &Ctx<'_>, v: &str) -> Result<(), Denied> {
        let t = time(v, "--host-timeout")?;
        let call = NmapTime::from_duration(ctx.timeout);
        if t.millis() == 0 {
            return Err(bad(
                "--host-timeout must be more than 0 (nmap reads 0 as no limit)".into(),
            ));
        }
        if t > call {
            return Err(Denied::validation(
                field::EXTRA_ARGS,
                format!("--host-timeout {t} is longer than the call timeout ({call})"),
                "lower --host-timeout or raise timeout_sec",
            ));
        }
        once(&mut self.host_timeout, t, "--host-timeout")
    }

    fn delay(&mut self, opt: Opt, name: &str, v: &str) -> Result<(), Denied> {
        let t = time(v, name)?;
        if t.millis() > MAX_DELAY_MS {
            return Err(bad(format!(
                "{name} {t} is over the {} limit",
                NmapTime::from_millis(MAX_DELAY_MS)
            )));
        }
        let slot = if opt == Opt::ScanDelay {
            &mut self.scan_delay
        } else {
            &mut self.max_scan_delay
        };
        once(slot, t, name)
    }

    /// A discovery probe; its raw-socket gate was checked from the table.
    fn probe(&mut self, opt: Opt, v: Option<&str>) -> Result<(), Denied> {
        let ports = |flag: &str| {
            v.map(|s| parse_port_list(s, false).map_err(|e| bad(format!("{flag}: {e}"))))
                .transpose()
        };
        let probe = match opt {
            Opt::NoPing => Probe::NoPing,
            Opt::PingSyn => Probe::Syn(ports("-PS")?),
            Opt::PingAck => Probe::Ack(ports("-PA")?),
            Opt::PingUdp => Probe::Udp(ports("-PU")?),
            _ => Probe::Echo,
        };
        if !self.probes.contains(&probe) {
            self.probes.push(probe);
        }
        Ok(())
    }

    fn script_list(&mut self, ctx: &Ctx<'_>, v: &str) -> Result<(), Denied> {
        let mut sel = ScriptSelection::default();
        let allow = &ctx.limits.script_allowlist;
        sel.add_list(v, allow, ctx.rules.allow_intrusive)
            .map_err(|e| {
                let hint = match e {
                    ScriptRefusal::NeedsIntrusive(_) => INTRUSIVE_HINT.to_string(),
                    ScriptRefusal::Invalid(_) => script_hint(allow),
                };
                Denied::validation(field::EXTRA_ARGS, format!("--script: {e}"), hint)
            })?;
        once(&mut self.scripts, sel, "--script")
    }

    fn verbose(&mut self, n: u8) -> Result<(), Denied> {
        self.verbosity = self.verbosity.saturating_add(n);
        if self.verbosity > MAX_VERBOSITY {
            return Err(bad("verbosity is limited to -vv".into()));
        }
        Ok(())
    }

    fn finish(self, ctx: &Ctx<'_>) -> Result<NmapPlan, Denied> {
        let scan = self.scan_mode(ctx)?;
        let ports = match (&scan, self.ports) {
            (ScanMode::DiscoveryOnly, Some((_, name))) => {
                return Err(bad(format!(
                    "-sn (host discovery only) cannot be combined with {name}"
                )));
            }
            (ScanMode::DiscoveryOnly, None) => PortSelection::None,
            (_, Some((sel, _))) => sel,
            (_, None) => PortSelection::Top(DEFAULT_TOP_PORTS),
        };
        if let (Some(lo), Some(hi)) = (self.min_rate, self.max_rate)
            && lo > hi
        {
            return Err(bad(format!("--min-rate {lo} is above --max-rate {hi}")));
        }
        if let (Some(d), Some(m)) = (self.scan_delay, self.max_scan_delay)
            && d > m
        {
            return Err(bad(format!(
                "--scan-delay {d} is above --max-scan-delay {m}"
            )));
        }
        let mut scripts = self.scripts.unwrap_or_default();
        if self.default_scripts {
            scripts
                .add_category(Category::Default, &ctx.limits.script_allowlist)
                .map_err(|e| {
                    Denied::validation(
                        field::EXTRA_ARGS,
                        format!("-sC: {e}"),
                        script_hint(&ctx.limits.script_allowlist),
                    )
                })?;
        }
        Ok(NmapPlan {
            raw_sockets: ctx.rules.raw_sockets,
            scan,
            version: self.version,
            version_intensity: self.intensity,
            scripts,
            os: self.os,
            osscan_guess: self.osscan_guess,
            osscan_limit: self.osscan_limit,
            traceroute: self.traceroute,
            probes: self.probes,
            ports,
            sequential: self.sequential,
            timing: self.timing.unwrap_or(DEFAULT_TIMING),
            min_rate: self.min_rate,
            max_rate: self.max_rate,
            max_retries: self.max_retries,
            host_timeout: self
                .host_timeout
                .unwrap_or(NmapTime::from_duration(ctx.timeout)),
            scan_delay: self.scan_delay,
            max_scan_delay: self.max_scan_delay,
            open: self.open,
            reason: self.reason,
            verbosity: self.verbosity,
            progress: false,
        })
    }

    fn scan_mode(&self, ctx: &Ctx<'_>) -> Result<ScanMode, Denied> {
        let tcp: Vec<&str> = self
            .scan_types
            .iter()
            .filter(|s| s.is_tcp())
            .map(|s| s.flag())
            .collect();
        if tcp.len() > 1 {
            return Err(bad(format!(
                "choose one TCP scan type (got {})",
                tcp.join(" and ")
            )));
        }
        if self.discovery_only {
            let port_scan = self.scan_types.first().map(|s| s.flag());
            let os = self.os.then_some("-O (OS detection needs a port scan)");
            let version = self
                .version
                .then_some("-sV (version detection needs a port scan)");
            if let Some(flag) = port_scan.or(os).or(version) {
                return Err(bad(format!(
                    "-sn (host discovery only) cannot be combined with {flag}"
                )));
            }
            return Ok(ScanMode::DiscoveryOnly);
        }
        let mut types = self.scan_types.clone();
        if types.is_empty() {
            types.push(if ctx.rules.raw_sockets {
                ScanType::Syn
            } else {
                ScanType::Connect
            });
        }
        types.sort();
        Ok(ScanMode::Ports(types))
    }
}

/// The hint of a refused script selection: what `allow` lets a call choose.
fn script_hint(allow: &[String]) -> String {
    if allow.iter().any(|a| a == ALL_VETTED) {
        let names: Vec<&str> = CATALOG.iter().map(|v| v.name).collect();
        format!(
            "use the categories default, safe, discovery, version or vetted script names, comma-separated; the vetted scripts are: {}",
            names.join(", ")
        )
    } else {
        format!(
            "use script names from this server's allowlist ({}) or the categories default, safe, discovery, version, comma-separated",
            allow.join(", ")
        )
    }
}
