//! sqlmap: the argument grammar, the typed [`SqlmapPlan`], and argv rendering.
//!
//! Not implemented yet: every call is refused with a validation error, so the
//! tool can be registered without ever running.

use crate::denied::{Denied, field};
use crate::permit::AuthorizedTarget;
use crate::policy::{CallInput, Parsed, Policy, Rendering, Resolutions};

/// sqlmap's limits (`tools.sqlmap` in the server config).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SqlmapLimits {}

/// sqlmap's typed input fields beyond `target` and `extra_args`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SqlmapFields {}

/// A validated sqlmap invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlmapPlan {}

/// Parses a sqlmap call into its plan, targets and file requests.
pub(crate) fn parse(
    _policy: &Policy,
    _input: &CallInput<'_>,
    _tokens: &[String],
) -> Result<Parsed<SqlmapPlan>, Denied> {
    Err(Denied::validation(
        field::TARGET,
        "the sqlmap tool is not available yet",
        "use nmap",
    ))
}

/// Renders the argv of an authorized sqlmap plan.
pub(crate) fn render(
    _policy: &Policy,
    _plan: &SqlmapPlan,
    _targets: &[AuthorizedTarget],
    _res: &Resolutions,
) -> Result<Rendering, Denied> {
    Err(Denied::validation(
        field::TARGET,
        "the sqlmap tool is not available yet",
        "use nmap",
    ))
}
