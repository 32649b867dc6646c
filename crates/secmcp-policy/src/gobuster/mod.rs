//! gobuster: the argument grammar, the typed [`GobusterPlan`], and argv rendering.
//!
//! Not implemented yet: every call is refused with a validation error, so the
//! tool can be registered without ever running.

use crate::denied::{Denied, field};
use crate::permit::AuthorizedTarget;
use crate::policy::{CallInput, Parsed, Policy, Rendering, Resolutions};

/// gobuster's limits (`tools.gobuster` in the server config).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GobusterLimits {}

/// gobuster's typed input fields beyond `target` and `extra_args`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GobusterFields {}

/// A validated gobuster invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GobusterPlan {}

/// Parses a gobuster call into its plan, targets and file requests.
pub(crate) fn parse(
    _policy: &Policy,
    _input: &CallInput<'_>,
    _tokens: &[String],
) -> Result<Parsed<GobusterPlan>, Denied> {
    Err(Denied::validation(
        field::TARGET,
        "the gobuster tool is not available yet",
        "use nmap",
    ))
}

/// Renders the argv of an authorized gobuster plan.
pub(crate) fn render(
    _policy: &Policy,
    _plan: &GobusterPlan,
    _targets: &[AuthorizedTarget],
    _res: &Resolutions,
) -> Result<Rendering, Denied> {
    Err(Denied::validation(
        field::TARGET,
        "the gobuster tool is not available yet",
        "use nmap",
    ))
}
