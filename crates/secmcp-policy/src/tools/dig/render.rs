//! Renders dig's argv from an authorized [`DigPlan`]: `-r`
//! and `+yaml` first, the `+options`, `-p`, `@` the pinned server, the class,
//! then the one query (`-x ADDR` or `-t TYPE -q NAME`).
//!
//! Must not: look at user tokens.

use super::types::{DigPlan, Query};
use crate::call::{AuthorizedTarget, Rendering};
use crate::denied::{Denied, internal};

/// Flags the server always passes first: no ~/.digrc, YAML output.
pub const SERVER_FLAGS: [&str; 2] = ["-r", "+yaml"];

/// Renders the argv of an authorized dig plan.
pub(crate) fn render(plan: &DigPlan, targets: &[AuthorizedTarget]) -> Result<Rendering, Denied> {
    let server = targets
        .first()
        .ok_or_else(|| internal("dig without a server"))?;
    let mut a: Vec<String> = SERVER_FLAGS.iter().map(|s| s.to_string()).collect();
    a.extend(plan.options.iter().map(ToString::to_string));
    if let Some(p) = plan.port {
        a.push("-p".into());
        a.push(p.to_string());
    }
    a.push(format!("@{}", server.rendered));
    a.push("-c".into());
    a.push(plan.class.as_str().into());
    match &plan.query {
        Query::Reverse(ip) => {
            a.push("-x".into());
            a.push(ip.to_string());
        }
        Query::Name(name) => {
            a.push("-t".into());
            a.push(plan.rtype.to_string());
            a.push("-q".into());
            a.push(name.clone());
        }
    }
    Ok(Rendering::argv(a))
}
