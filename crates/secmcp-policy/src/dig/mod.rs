//! dig: the argument grammar, the typed [`DigPlan`], and argv rendering.
//!
//! Not implemented yet: every call is refused with a validation error, so the
//! tool can be registered without ever running.

use crate::denied::{Denied, field};
use crate::permit::AuthorizedTarget;
use crate::policy::{CallInput, Parsed, Policy, Rendering, Resolutions};

/// dig's limits (`tools.dig` in the server config).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DigLimits {}

/// dig's typed input fields beyond `target` and `extra_args`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DigFields {}

/// A validated dig invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigPlan {}

/// Parses a dig call into its plan, targets and file requests.
pub(crate) fn parse(
    _policy: &Policy,
    _input: &CallInput<'_>,
    _tokens: &[String],
) -> Result<Parsed<DigPlan>, Denied> {
    Err(Denied::validation(
        field::TARGET,
        "the dig tool is not available yet",
        "use nmap",
    ))
}

/// Renders the argv of an authorized dig plan.
pub(crate) fn render(
    _policy: &Policy,
    _plan: &DigPlan,
    _targets: &[AuthorizedTarget],
    _res: &Resolutions,
) -> Result<Rendering, Denied> {
    Err(Denied::validation(
        field::TARGET,
        "the dig tool is not available yet",
        "use nmap",
    ))
}
