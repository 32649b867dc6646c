//! The nmap argument grammar: tokens -> [`NmapPlan`], with every gate
//! (raw sockets, `security.allow_intrusive`, limits) checked on the way.

use std::time::Duration;

use super::flags::{Arity, Lookup, Opt, Spelled, lookup};
use super::scripts::ScriptRefusal;
use super::values::{NmapTime, parse_decimal, parse_port_list};
use super::{NmapPlan, PortSelection, Probe, ScanMode, ScanType, ScriptSelection};
use crate::Policy;
use crate::denied::{Denied, field};

const ARGS_HINT: &str =
    "remove or fix that argument; the tool description lists the accepted nmap flags";
const RAW_HINT: &str = "use -sT (connect scan) or run the server with root/cap_net_raw";
const INTRUSIVE_HINT: &str = "remove it, or ask the operator to set security.allow_intrusive: true";
const MAX_VERBOSITY: u8 = 2;
const MAX_DELAY_MS: u64 = 10_000;

/// What the parser needs from the call.
struct Ctx<'a> {
    policy: &'a Policy,
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

/// Parses `extra_args` tokens into a plan under `policy`, for a call that may
/// run for `timeout`.
pub(crate) fn parse_args(
    tokens: &[String],
    policy: &Policy,
    timeout: Duration,
) -> Result<NmapPlan, Denied> {
    let ctx = Ctx { policy, timeout };
    let mut draft = Draft::default();
    let mut rest = tokens.iter();
    while let Some(tok) = rest.next() {
        let spelled = classify(tok)?;
        let value = take_value(&spelled, &mut rest)?;
        draft.apply(&ctx, tok, spelled, value)?;
    }
    draft.finish(&ctx)
}

fn bad(message: String) -> Denied {
    Denied::validation(field::EXTRA_ARGS, message, ARGS_HINT)
}

/// A user token for a message: escaped, at most 64 characters.
fn shown(tok: &str) -> String {
    let mut s: String = tok
        .chars()
        .take(64)
        .flat_map(char::escape_default)
        .collect();
    if tok.chars().count() > 64 {
        s.push('…');
    }
    s
}

fn classify(tok: &str) -> Result<Spelled<'_>, Denied> {
    match lookup(tok) {
        Lookup::Known(s) => Ok(s),
        Lookup::Refused(name, why) => Err(bad(format!("{} is not accepted: {why}", shown(name)))),
        Lookup::SingleDashLong(name) => Err(bad(format!(
            "unknown option '{}'; options must be spelled exactly, e.g. {name}",
            shown(tok)
        ))),
        Lookup::Unknown => Err(unknown(tok)),
        Lookup::Positional => Err(bad(format!(
            "unexpected argument '{}': the target goes in the target field (one per call), and -PS/-PA/-PU ports attach directly (-PS22,80)",
            shown(tok)
        ))),
    }
}

fn unknown(tok: &str) -> Denied {
    bad(format!(
        "unknown option '{}' (abbreviations and single-dash long options are not accepted)",
        shown(tok)
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
            shown(v)
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
    if ctx.policy.raw_sockets {
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

fn need_intrusive(ctx: &Ctx<'_>, flag: &str, why: &str) -> Result<(), Denied> {
    if ctx.policy.allow_intrusive {
        return Ok(());
    }
    Err(Denied::validation(
        field::EXTRA_ARGS,
        format!("{flag} is intrusive ({why}) and needs security.allow_intrusive"),
        INTRUSIVE_HINT,
    ))
}

fn once<T>(slot: &mut Option<T>, value: T, name: &str) -> Result<(), Denied> {
    if slot.is_some() {
        return Err(bad(format!("{name} is given more than once")));
    }
    *slot = Some(value);
    Ok(())
}

fn number(v: &str, name: &str, min: u64, max: u64) -> Result<u64, Denied> {
    parse_decimal(v, 10)
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| {
            bad(format!(
                "{name} needs a whole number from {min} to {max}, got '{}'",
                shown(v)
            ))
        })
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
        match s.opt {
            Opt::ScanBundle => self.scan_bundle(ctx, tok, v.unwrap_or("")),
            Opt::VersionIntensity => {
                let n = number(value(v, name)?, name, 0, 9)?;
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
                let n = number(value(v, name)?, name, 1, 65535)?;
                self.set_ports(PortSelection::Top(n as u32), name)
            }
            Opt::Fast => self.set_ports(PortSelection::Fast, name),
            Opt::Timing => self.timing(ctx, value(v, name)?),
            Opt::MinRate | Opt::MaxRate => self.rate(ctx, s.opt, name, value(v, name)?),
            Opt::MaxRetries => {
                let n = number(value(v, name)?, name, 0, 10)?;
                once(&mut self.max_retries, n as u8, name)
            }
            Opt::HostTimeout => self.host_timeout(ctx, value(v, name)?),
            Opt::ScanDelay | Opt::MaxScanDelay => self.delay(s.opt, name, value(v, name)?),
            Opt::NoPing | Opt::PingSyn | Opt::PingAck | Opt::PingUdp | Opt::PingEcho => {
                self.probe(ctx, s.opt, v)
            }
            Opt::Script => self.script_list(ctx, value(v, name)?),
            Opt::Verbose(n) => self.verbose(n),
            _ => self.switch(ctx, s.opt),
        }
    }

    fn switch(&mut self, ctx: &Ctx<'_>, opt: Opt) -> Result<(), Denied> {
        match opt {
            Opt::Sequential => self.sequential = true,
            Opt::NoDns => {} // the server always adds -n
            Opt::Os => {
                need_raw(ctx, "-O")?;
                self.os = true;
            }
            Opt::OsscanGuess => self.osscan_guess = true,
            Opt::OsscanLimit => self.osscan_limit = true,
            Opt::Open => self.open = true,
            Opt::Reason => self.reason = true,
            Opt::Aggressive => self.aggressive(ctx)?,
            Opt::Traceroute => {
                need_intrusive(ctx, "--traceroute", "it probes every router on the path")?;
                need_raw(ctx, "--traceroute")?;
                self.traceroute = true;
            }
            _ => unreachable_opt(opt)?,
        }
        Ok(())
    }

    fn aggressive(&mut self, ctx: &Ctx<'_>) -> Result<(), Denied> {
        need_intrusive(
            ctx,
            "-A",
            "it adds OS detection, default scripts and traceroute",
        )?;
        need_raw(ctx, "-A (it includes -O and --traceroute)")?;
        self.os = true;
        self.version = true;
        self.default_scripts = true;
        self.traceroute = true;
        Ok(())
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
        let scan = match c {
            'T' => ScanType::Connect,
            'S' => ScanType::Syn,
            'U' => ScanType::Udp,
            'A' => ScanType::Ack,
            'F' => ScanType::Fin,
            'N' => ScanType::Null,
            'X' => ScanType::Xmas,
            'V' | 'C' | 'n' => {
                let flag = match c {
                    'V' => &mut self.version,
                    'C' => &mut self.default_scripts,
                    _ => &mut self.discovery_only,
                };
                *flag = true;
                return Ok(());
            }
            'I' => return Err(bad(
                "-sI is not accepted: idle scans spoof traffic through a third-party zombie host"
                    .into(),
            )),
            _ if len == 1 => {
                return Err(bad(format!(
                    "-s{c} is not accepted (scan types: -sT -sS -sU -sA -sF -sN -sX -sn, plus -sV -sC)"
                )));
            }
            _ => return Err(unknown(tok)),
        };
        if scan != ScanType::Connect {
            need_raw(ctx, scan.flag())?;
        }
        if !self.scan_types.contains(&scan) {
            self.scan_types.push(scan);
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
        const NAMES: [&str; 6] = [
            "paranoid",
            "sneaky",
            "polite",
            "normal",
            "aggressive",
            "insane",
        ];
        let level = match NAMES.iter().position(|n| *n == v) {
            Some(i) => i as u8,
            None => match v.as_bytes() {
                [d @ b'0'..=b'5'] => d - b'0',
                _ => {
                    return Err(bad(format!(
                        "-T needs 0-5 or paranoid|sneaky|polite|normal|aggressive|insane, got '{}'",
                        shown(v)
                    )));
                }
            },
        };
        if level == 5 {
            need_intrusive(
                ctx,
                "-T5 (insane)",
                "it can overwhelm targets and lose results",
            )?;
        }
        once(&mut self.timing, level, "-T")
    }

    fn rate(&mut self, ctx: &Ctx<'_>, opt: Opt, name: &str, v: &str) -> Result<(), Denied> {
        let max = u64::from(ctx.policy.nmap.max_rate_pps);
        let n = number(v, name, 1, max)? as u32;
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
            return Err(bad(format!("{name} {t} is over the 10s limit")));
        }
        let slot = if opt == Opt::ScanDelay {
            &mut self.scan_delay
        } else {
            &mut self.max_scan_delay
        };
        once(slot, t, name)
    }

    fn probe(&mut self, ctx: &Ctx<'_>, opt: Opt, v: Option<&str>) -> Result<(), Denied> {
        let ports = |flag: &str| {
            v.map(|s| parse_port_list(s, false).map_err(|e| bad(format!("{flag}: {e}"))))
                .transpose()
        };
        let probe = match opt {
            Opt::NoPing => Probe::NoPing,
            Opt::PingSyn => Probe::Syn(ports("-PS")?),
            Opt::PingAck => {
                need_raw(ctx, "-PA")?;
                Probe::Ack(ports("-PA")?)
            }
            Opt::PingUdp => {
                need_raw(ctx, "-PU")?;
                Probe::Udp(ports("-PU")?)
            }
            _ => {
                need_raw(ctx, "-PE")?;
                Probe::Echo
            }
        };
        if !self.probes.contains(&probe) {
            self.probes.push(probe);
        }
        Ok(())
    }

    fn script_list(&mut self, ctx: &Ctx<'_>, v: &str) -> Result<(), Denied> {
        let mut sel = ScriptSelection::default();
        let p = ctx.policy;
        sel.add_list(v, &p.nmap.script_allowlist, p.allow_intrusive)
            .map_err(|e| {
                let hint = match e {
                    ScriptRefusal::NeedsIntrusive(_) => INTRUSIVE_HINT.to_string(),
                    ScriptRefusal::Invalid(_) => script_hint(p),
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
            (_, None) => PortSelection::Top(1000),
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
                .add_category(super::Category::Default, &ctx.policy.nmap.script_allowlist)
                .map_err(|e| {
                    Denied::validation(
                        field::EXTRA_ARGS,
                        format!("-sC: {e}"),
                        script_hint(ctx.policy),
                    )
                })?;
        }
        Ok(NmapPlan {
            raw_sockets: ctx.policy.raw_sockets,
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
            timing: self.timing.unwrap_or(4),
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
            types.push(if ctx.policy.raw_sockets {
                ScanType::Syn
            } else {
                ScanType::Connect
            });
        }
        types.sort();
        Ok(ScanMode::Ports(types))
    }
}

fn script_hint(p: &Policy) -> String {
    let allow = &p.nmap.script_allowlist;
    if allow.iter().any(|a| a == super::ALL_VETTED) {
        let names: Vec<&str> = super::nse::CATALOG.iter().map(|v| v.name).collect();
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

/// Options routed to `switch` are exactly the switches handled there.
fn unreachable_opt(opt: Opt) -> Result<(), Denied> {
    Err(bad(format!("internal: option {opt:?} has no handler")))
}
