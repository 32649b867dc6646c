//! The masscan argument grammar: target, typed fields and `extra_args`
//! tokens -> [`MasscanPlan`], with the range, rate, duration and
//! `allow_intrusive` limits checked on the way. The spellings, value kinds
//! and gates come from the table in `flags.rs`.
//!
//! Must not: render argv (`render.rs` does) or accept a host name.

use std::time::Duration;

use super::flags::{Kind, Lookup, Opt, RANGES, Spec, lookup};
use super::types::{
    FIELD_PORTS, FIELD_RATE, MasscanFields, MasscanLimits, MasscanPlan, PortList, parse_port_list,
};
use crate::address::{Target, parse_target};
use crate::call::{Call, Fields, Parsed, PlannedTarget, Rules};
use crate::denied::{Denied, field, internal};
use crate::grammar_util::{TOKEN_CHARS, parse_decimal, shown, whole_number};

const ARGS_HINT: &str =
    "remove or fix that argument; the tool description lists the accepted masscan options";
const RAW_HINT: &str = "masscan cannot run without raw sockets; use the nmap tool (connect scan) \
                        or ask the operator to run the server as root or with CAP_NET_RAW";
/// The most digits a number may be written with.
const NUMBER_DIGITS: usize = 10;

fn bad(message: String) -> Denied {
    Denied::validation(field::EXTRA_ARGS, message, ARGS_HINT)
}

#[derive(Default)]
struct Draft {
    ports: Option<(PortList, &'static str)>,
    rate: Option<(u32, &'static str)>,
    wait: Option<u32>,
    retries: Option<u32>,
    banners: bool,
    ping: bool,
}

/// Classifies a token into an accepted option, or refuses it.
fn classify(tok: &str) -> Result<(&'static Spec, &'static str, Option<&str>), Denied> {
    match lookup(tok) {
        Lookup::Known(spec, spelling, value) => Ok((spec, spelling, value)),
        Lookup::Refused(name, why) => Err(bad(format!(
            "{} is not accepted: {why}",
            shown(name, TOKEN_CHARS)
        ))),
        Lookup::Positional => Err(bad(format!(
            "unexpected argument '{}': {}",
            shown(tok, TOKEN_CHARS),
            RANGES.reason
        ))),
        Lookup::Unknown => Err(bad(format!(
            "unknown option '{}' (only exact spellings are accepted: -p/--ports, --rate, --max-rate, --wait, --retries, --banners, --ping)",
            shown(tok, TOKEN_CHARS)
        ))),
    }
}

/// Parses a masscan call into its plan, targets and file requests.
pub(crate) fn parse(
    rules: &Rules<'_>,
    limits: &MasscanLimits,
    call: &Call<'_>,
    fields: Fields<'_, MasscanFields>,
) -> Result<Parsed<MasscanPlan>, Denied> {
    let empty = MasscanFields::default();
    let fields = match fields {
        Fields::Own(f) => f,
        Fields::Absent => &empty,
        Fields::Foreign => return Err(internal("masscan got another tool's fields")),
    };
    let target = parse_target(call.target)?;
    let addresses = match &target {
        Target::Ip(_) => 1,
        Target::Cidr(c) => c.size(),
        Target::Host(h) => {
            return Err(Denied::validation(
                field::TARGET,
                format!("masscan takes IP addresses and CIDR ranges only, not host names ({h})"),
                "give the address (or use the nmap tool, which resolves host names)",
            ));
        }
    };
    if addresses > u128::from(limits.hard_max_cidr_addresses) {
        return Err(Denied::validation(
            field::TARGET,
            format!(
                "{} covers {addresses} addresses; masscan scans at most {} per call",
                call.target, limits.hard_max_cidr_addresses
            ),
            "split the range into smaller CIDRs",
        ));
    }
    if addresses > u128::from(limits.max_cidr_addresses) {
        rules.need_intrusive(field::TARGET, || {
            format!(
                "{} covers {addresses} addresses, more than the {} allowed by default; a larger sweep is intrusive",
                call.target, limits.max_cidr_addresses
            )
        })
        .map_err(|mut d| {
            d.hint = format!(
                "split it into /24s or smaller (at most {} addresses), or ask the operator to set security.allow_intrusive: true",
                limits.max_cidr_addresses
            );
            d
        })?;
    }
    if !rules.raw_sockets {
        return Err(Denied::privilege(
            field::TARGET,
            "masscan sends raw packets and needs raw sockets, which this server does not have (it runs without root or CAP_NET_RAW)",
            RAW_HINT,
        ));
    }
    let mut d = Draft::default();
    if let Some(p) = &fields.ports {
        let list = parse_port_list(p).map_err(|e| {
            Denied::validation(
                FIELD_PORTS,
                format!("ports: {e}"),
                "e.g. 22,80,443 or 1-1024 or U:53",
            )
        })?;
        d.ports = Some((list, FIELD_PORTS));
    }
    if let Some(r) = fields.rate_pps {
        d.rate = Some((
            check_rate(rules, limits, FIELD_RATE, "rate_pps", u64::from(r))?,
            FIELD_RATE,
        ));
    }
    if fields.banners {
        rules.need_intrusive("banners", || {
            "banners: grabbing banners opens full TCP sessions to every open port (intrusive)"
                .into()
        })?;
        d.banners = true;
    }
    let mut rest = call.tokens.iter();
    while let Some(tok) = rest.next() {
        let (spec, spelling, attached) = classify(tok)?;
        let value = match (spec.kind != Kind::Switch, attached) {
            (false, Some(v)) => {
                return Err(bad(format!(
                    "{spelling} takes no value (got '{}')",
                    shown(v, TOKEN_CHARS)
                )));
            }
            (false, None) => None,
            (true, Some(v)) => Some(v),
            (true, None) => Some(
                rest.next()
                    .map(String::as_str)
                    .ok_or_else(|| bad(format!("{spelling} needs a value")))?,
            ),
        };
        d.apply(
            rules,
            limits,
            call.timeout,
            spec,
            spelling,
            value.unwrap_or(""),
        )?;
    }
    let (ports, _) = d.ports.ok_or_else(|| {
        Denied::validation(
            FIELD_PORTS,
            "masscan needs ports to scan",
            "give ports (e.g. \"22,80,443\" or \"1-1024\") or -p in extra_args",
        )
    })?;
    let rate_pps = d.rate.map_or(limits.default_rate_pps, |(r, _)| r);
    let wait_secs = d.wait.unwrap_or(limits.default_wait_secs);
    check_duration(call.timeout, addresses, &ports, rate_pps, wait_secs)?;
    Ok(Parsed {
        plan: MasscanPlan {
            ports,
            rate_pps,
            wait_secs,
            retries: d.retries,
            banners: d.banners,
            ping: d.ping,
        },
        targets: vec![PlannedTarget::new(field::TARGET, call.target, target)],
        files: Vec::new(),
    })
}

fn check_rate(
    rules: &Rules<'_>,
    l: &MasscanLimits,
    field: &'static str,
    name: &str,
    n: u64,
) -> Result<u32, Denied> {
    let hint = || {
        format!(
            "use a rate from 1 to {} packets per second ({} without allow_intrusive)",
            l.max_rate_pps, l.safe_rate_pps
        )
    };
    if n == 0 || n > u64::from(l.max_rate_pps) {
        return Err(Denied::validation(
            field,
            format!(
                "{name} {n} is outside 1..={} packets per second (the server's absolute maximum)",
                l.max_rate_pps
            ),
            hint(),
        ));
    }
    if n > u64::from(l.safe_rate_pps) {
        rules.need_intrusive(field, || {
            format!(
                "{name} {n} is above the safe rate of {} packets per second, which is intrusive",
                l.safe_rate_pps
            )
        })?;
    }
    Ok(n as u32)
}

impl Draft {
    fn apply(
        &mut self,
        rules: &Rules<'_>,
        limits: &MasscanLimits,
        timeout: Duration,
        spec: &Spec,
        spelling: &'static str,
        v: &str,
    ) -> Result<(), Denied> {
        if spec.gate.needs_intrusive() {
            rules.need_intrusive(field::EXTRA_ARGS, || {
                format!("{spelling} {} (intrusive)", spec.why)
            })?;
        }
        match spec.opt {
            Opt::Ports => {
                let list = parse_port_list(v).map_err(|e| bad(format!("{spelling}: {e}")))?;
                if let Some((_, prev)) = &self.ports {
                    return Err(bad(format!(
                        "ports are given more than once (in {prev} and {spelling})"
                    )));
                }
                self.ports = Some((list, spelling));
            }
            Opt::Rate => {
                let n = parse_decimal(v, 10).ok_or_else(|| {
                    bad(format!(
                        "{spelling} needs a whole number of packets per second, got '{}'",
                        shown(v, TOKEN_CHARS)
                    ))
                })?;
                let r = check_rate(rules, limits, field::EXTRA_ARGS, spelling, n)?;
                if let Some((_, prev)) = &self.rate {
                    return Err(bad(format!(
                        "the rate is given more than once (in {prev} and {spelling})"
                    )));
                }
                self.rate = Some((r, spelling));
            }
            Opt::Wait => {
                let max = up_to(spec).min(timeout.as_secs().saturating_sub(1) as u32);
                let n = number(v, spelling, max)?;
                if self.wait.replace(n).is_some() {
                    return Err(bad("--wait is given more than once".into()));
                }
            }
            Opt::Retries => {
                let n = number(v, spelling, up_to(spec))?;
                if self.retries.replace(n).is_some() {
                    return Err(bad("--retries is given more than once".into()));
                }
            }
            Opt::Banners => self.banners = true,
            Opt::Ping => self.ping = true,
            Opt::NoOp => {}
        }
        Ok(())
    }
}

/// The most a `0..=N` option takes, from its table row.
fn up_to(spec: &Spec) -> u32 {
    match spec.kind {
        Kind::UpTo(max) => max,
        _ => 0,
    }
}

fn number(v: &str, name: &str, max: u32) -> Result<u32, Denied> {
    whole_number(v, name, 0, u64::from(max), NUMBER_DIGITS)
        .map(|n| n as u32)
        .map_err(bad)
}

/// Refuses a scan that cannot finish inside the call's timeout at its rate.
fn check_duration(
    timeout: Duration,
    addresses: u128,
    ports: &PortList,
    rate: u32,
    wait: u32,
) -> Result<(), Denied> {
    let probes = addresses.saturating_mul(u128::from(ports.count()));
    let send_secs = probes.div_ceil(u128::from(rate.max(1)));
    let total = send_secs.saturating_add(u128::from(wait));
    let timeout = u128::from(timeout.as_secs());
    if total < timeout {
        return Ok(());
    }
    Err(Denied::validation(
        field::TARGET,
        format!(
            "{probes} probes ({addresses} addresses x {} ports) at {rate} packets/s take about {total} s with the {wait} s wait, longer than the call timeout ({timeout} s)",
            ports.count()
        ),
        "scan fewer ports or a smaller range, raise the rate, or raise timeout_sec",
    ))
}
