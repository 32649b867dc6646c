//! masscan: the argument grammar, the typed [`MasscanPlan`], and argv rendering.
//!
//! Not implemented yet: every call is refused with a validation error, so the
//! tool can be registered without ever running.

use crate::denied::{Denied, field};
use crate::permit::AuthorizedTarget;
use crate::policy::{CallInput, Parsed, Policy, Rendering, Resolutions};

/// masscan's limits (`tools.masscan` in the server config).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MasscanLimits {}

/// masscan's typed input fields beyond `target` and `extra_args`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MasscanFields {}

/// A validated masscan invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasscanPlan {}

/// Parses a masscan call into its plan, targets and file requests.
pub(crate) fn parse(
    _policy: &Policy,
    _input: &CallInput<'_>,
    _tokens: &[String],
) -> Result<Parsed<MasscanPlan>, Denied> {
    Err(Denied::validation(
        field::TARGET,
        "the masscan tool is not available yet",
        "use nmap",
    ))
}

/// Renders the argv of an authorized masscan plan.
pub(crate) fn render(
    _policy: &Policy,
    _plan: &MasscanPlan,
    _targets: &[AuthorizedTarget],
    _res: &Resolutions,
) -> Result<Rendering, Denied> {
    Err(Denied::validation(
        field::TARGET,
        "the masscan tool is not available yet",
        "use nmap",
    ))
}
