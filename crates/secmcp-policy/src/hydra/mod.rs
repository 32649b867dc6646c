//! hydra: the argument grammar, the typed [`HydraPlan`], and argv rendering.
//!
//! Not implemented yet: every call is refused with a validation error, so the
//! tool can be registered without ever running.

use crate::denied::{Denied, field};
use crate::permit::AuthorizedTarget;
use crate::policy::{CallInput, Parsed, Policy, Rendering, Resolutions};

/// hydra's limits (`tools.hydra` in the server config).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HydraLimits {}

/// hydra's typed input fields beyond `target` and `extra_args`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HydraFields {}

/// A validated hydra invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HydraPlan {}

/// Parses a hydra call into its plan, targets and file requests.
pub(crate) fn parse(
    _policy: &Policy,
    _input: &CallInput<'_>,
    _tokens: &[String],
) -> Result<Parsed<HydraPlan>, Denied> {
    Err(Denied::validation(
        field::TARGET,
        "the hydra tool is not available yet",
        "use nmap",
    ))
}

/// Renders the argv of an authorized hydra plan.
pub(crate) fn render(
    _policy: &Policy,
    _plan: &HydraPlan,
    _targets: &[AuthorizedTarget],
    _res: &Resolutions,
) -> Result<Rendering, Denied> {
    Err(Denied::validation(
        field::TARGET,
        "the hydra tool is not available yet",
        "use nmap",
    ))
}
