//! Renders masscan's argv from an authorized [`MasscanPlan`]:
//! the operator's adapter settings, `-oD -` (NDJSON on stdout), ports, rate,
//! wait, retries, `--banners`/`--ping`, and the authorized range last.
//!
//! Must not: look at user tokens.

use super::types::{MasscanLimits, MasscanPlan};
use crate::call::{AuthorizedTarget, Rendering};
use crate::denied::{Denied, internal};

/// Renders the argv of an authorized masscan plan.
pub(crate) fn render(
    limits: &MasscanLimits,
    plan: &MasscanPlan,
    targets: &[AuthorizedTarget],
) -> Result<Rendering, Denied> {
    let target = targets
        .first()
        .ok_or_else(|| internal("masscan without a target"))?;
    let mut a: Vec<String> = Vec::new();
    let mut opt = |name: &str, v: Option<String>| {
        if let Some(v) = v {
            a.push(name.to_owned());
            a.push(v);
        }
    };
    let ad = &limits.adapter;
    opt("--adapter", ad.adapter.clone());
    opt("--adapter-ip", ad.adapter_ip.map(|i| i.to_string()));
    opt("--adapter-mac", ad.adapter_mac.clone());
    opt("--router-ip", ad.router_ip.map(|i| i.to_string()));
    opt("--router-mac", ad.router_mac.clone());
    opt("-oD", Some("-".into()));
    opt("-p", Some(plan.ports.to_string()));
    opt("--rate", Some(plan.rate_pps.to_string()));
    opt("--wait", Some(plan.wait_secs.to_string()));
    opt("--retries", plan.retries.map(|n| n.to_string()));
    if plan.banners {
        a.push("--banners".into());
    }
    if plan.ping {
        a.push("--ping".into());
    }
    a.push("--range".into());
    a.push(target.rendered.clone());
    Ok(Rendering::argv(a))
}
