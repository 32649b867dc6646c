//! The one call pipeline: input → plan → resolve → authorize → run → render.
//!
//! Every tool call goes through `Core::call`, in this order and no other. The
//! policy core decides; this module only does the I/O around it (DNS, binary
//! lookup, the runner) and records what happened. It knows nothing of rmcp.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use secmcp_policy::{CallInput, Permit, Resolutions};
use secmcp_runner::{RunLimits, RunSpec};

use crate::config::{Settings, ToolSettings};
use crate::env_vars;
use crate::error::{ErrorCode, ToolError};
use crate::files;
use crate::tools::{self, JsonObject, RenderContext, Rendered, Tool};

/// How long the server waits for a host name to resolve.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// Shared server state behind every transport and session.
pub struct Core {
    settings: Arc<Settings>,
    shutdown: CancellationToken,
}

/// The outcome of one call, with its correlation id.
#[derive(Debug)]
pub struct CallResult {
    /// Echoed or generated id.
    pub correlation_id: String,
    /// The rendered result or the error the agent reads.
    pub result: Result<Rendered, ToolError>,
}

impl Core {
    /// A core over validated settings; `shutdown` stops every running tool.
    pub fn new(settings: Settings, shutdown: CancellationToken) -> Self {
        Self {
            settings: Arc::new(settings),
            shutdown,
        }
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The tools offered to clients.
    pub fn enabled_tools(&self) -> impl Iterator<Item = &'static dyn Tool> + '_ {
        tools::REGISTRY
            .iter()
            .copied()
            .filter(|t| self.tool_settings(t.name()).is_some_and(|s| s.enabled))
    }

    /// The enabled tool called `name`, if any.
    pub fn tool(&self, name: &str) -> Option<&'static dyn Tool> {
        tools::find(name).filter(|t| self.tool_settings(t.name()).is_some_and(|s| s.enabled))
    }

    fn tool_settings(&self, name: &str) -> Option<&ToolSettings> {
        self.settings.tool(name)
    }

    /// Runs one call of an enabled tool. `cancel` fires when the client cancels.
    pub async fn call(
        &self,
        tool: &'static dyn Tool,
        args: Option<JsonObject>,
        cancel: CancellationToken,
    ) -> CallResult {
        let started = Instant::now();
        let input = match tool.parse_input(args) {
            Ok(input) => input,
            Err(e) => return self.denied(tool, new_correlation_id(), e, started),
        };
        let correlation_id = match input
            .common
            .correlation_id
            .as_deref()
            .map(check_correlation_id)
        {
            None => new_correlation_id(),
            Some(Ok(id)) => id.to_owned(),
            Some(Err(e)) => return self.denied(tool, new_correlation_id(), e, started),
        };
        let span =
            tracing::info_span!("call", correlation_id = %correlation_id, tool = tool.name());
        self.authorized_call(tool, input, correlation_id, cancel, started)
            .instrument(span)
            .await
    }

    async fn authorized_call(
        &self,
        tool: &'static dyn Tool,
        input: tools::ParsedInput,
        correlation_id: String,
        cancel: CancellationToken,
        started: Instant,
    ) -> CallResult {
        let permit = match self.authorize(tool, &input).await {
            Ok(p) => p,
            Err(e) => return self.denied(tool, correlation_id, e, started),
        };
        let result = self.execute(tool, &permit, &correlation_id, cancel).await;
        let outcome = match &result {
            Ok(_) => "ok",
            Err(e) => e.code.as_str(),
        };
        tracing::info!(
            event = "tool_run_completed",
            outcome,
            target = %permit.target().rendered,
            duration_ms = started.elapsed().as_millis() as u64,
        );
        CallResult {
            correlation_id,
            result,
        }
    }

    fn denied(
        &self,
        tool: &dyn Tool,
        correlation_id: String,
        error: ToolError,
        started: Instant,
    ) -> CallResult {
        tracing::info!(
            event = "tool_call_denied",
            correlation_id = %correlation_id,
            tool = tool.name(),
            code = error.code.as_str(),
            reason = %error.message,
            duration_us = started.elapsed().as_micros() as u64,
        );
        CallResult {
            correlation_id,
            result: Err(error),
        }
    }

    async fn authorize(
        &self,
        tool: &dyn Tool,
        parsed: &tools::ParsedInput,
    ) -> Result<Permit, ToolError> {
        let s = &self.settings;
        let input = &parsed.common;
        let timeout = match input.timeout_sec {
            None => s.default_timeout,
            Some(secs) if secs >= 1 && u64::from(secs) <= s.max_timeout.as_secs() => {
                Duration::from_secs(u64::from(secs))
            }
            Some(secs) => {
                return Err(ToolError::new(
                    ErrorCode::ValidationError,
                    format!(
                        "timeout_sec: {secs} is outside 1..={}",
                        s.max_timeout.as_secs()
                    ),
                    "pass a timeout_sec within the range, or omit it for the default",
                ));
            }
        };
        let call = CallInput {
            target: &input.target,
            extra_args: &input.extra_args,
            timeout,
            fields: &parsed.fields,
        };
        let plan = secmcp_policy::plan(tool.id(), &s.policy, &call)?;
        let mut res = Resolutions::default();
        for host in plan.hosts_to_resolve() {
            res.add_host(host.clone(), resolve(host.as_str()).await?);
        }
        for request in plan.files_to_resolve() {
            res.add_file(files::resolve(s, request)?);
        }
        Ok(secmcp_policy::authorize_with(&s.policy, plan, &res)?)
    }

    async fn execute(
        &self,
        tool: &'static dyn Tool,
        permit: &Permit,
        correlation_id: &str,
        cancel: CancellationToken,
    ) -> Result<Rendered, ToolError> {
        let program = self.binary(tool)?;
        let mut argv = Vec::with_capacity(permit.argv().len() + 1);
        argv.push(tool.name().to_owned());
        argv.extend(permit.argv().iter().cloned());
        tracing::info!(event = "tool_run_started", argv = ?argv);
        let spec = RunSpec::from_permit(permit, program, &self.run_limits());
        // One token for this run: fired by the client's cancellation or by shutdown.
        let run_token = self.shutdown.child_token();
        let run = secmcp_runner::run(spec, run_token.clone());
        tokio::pin!(run);
        let outcome = tokio::select! {
            out = &mut run => out,
            () = cancel.cancelled() => {
                run_token.cancel();
                run.await
            }
        };
        let outcome = outcome.map_err(|e| run_error(tool, e))?;
        let ctx = RenderContext {
            correlation_id,
            target: permit.target(),
            extra_targets: permit.extra_targets(),
            argv,
            timeout: permit.timeout(),
        };
        tool.render(&ctx, &outcome)
    }

    fn run_limits(&self) -> RunLimits {
        let s = &self.settings;
        RunLimits {
            max_stdout_bytes: s.max_output_bytes,
            max_stderr_bytes: s.max_stderr_bytes,
            kill_grace: s.kill_grace,
            env_allowlist: env_vars::TOOL_ENV_ALLOWLIST
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            extra_env: Vec::new(),
            max_collect_bytes: s.max_output_bytes,
        }
    }

    /// The tool's binary: the configured path, else the first match on `PATH`.
    pub fn binary(&self, tool: &dyn Tool) -> Result<PathBuf, ToolError> {
        let configured = self
            .tool_settings(tool.name())
            .and_then(|s| s.binary.clone());
        let found = match configured {
            Some(path) => is_executable(&path).then_some(path),
            None => find_on_path(tool.name()),
        };
        found.ok_or_else(|| {
            ToolError::new(
                ErrorCode::NotFound,
                format!("the {} binary is not installed on the server", tool.name()),
                format!(
                    "ask the operator to install {} or set tools.{}.binary",
                    tool.name(),
                    tool.name()
                ),
            )
        })
    }
}

fn run_error(tool: &dyn Tool, e: secmcp_runner::RunError) -> ToolError {
    tracing::error!(tool = tool.name(), error = %e, "tool could not be started");
    match e {
        secmcp_runner::RunError::NotFound { .. } => ToolError::new(
            ErrorCode::NotFound,
            format!("the {} binary is not installed on the server", tool.name()),
            format!("ask the operator to install {}", tool.name()),
        ),
        _ => ToolError::new(
            ErrorCode::ExecutionError,
            format!("{} could not be started", tool.name()),
            "retry; if it repeats, ask the operator to check the server log",
        ),
    }
}

/// Resolves a host name once. Every address is returned (deduplicated, in
/// resolver order); the policy core checks them all and pins the first.
async fn resolve(host: &str) -> Result<Vec<IpAddr>, ToolError> {
    let lookup = tokio::net::lookup_host((host, 0));
    let fail = |why: &str| {
        ToolError::new(
            ErrorCode::ValidationError,
            format!("target: host name {host} {why}"),
            "check the name, or pass the address itself",
        )
    };
    let addrs = match tokio::time::timeout(RESOLVE_TIMEOUT, lookup).await {
        Err(_) => return Err(fail("did not resolve within 5 s")),
        Ok(Err(_)) => return Err(fail("does not resolve")),
        Ok(Ok(addrs)) => addrs,
    };
    let mut out: Vec<IpAddr> = Vec::new();
    for a in addrs {
        if !out.contains(&a.ip()) {
            out.push(a.ip());
        }
    }
    if out.is_empty() {
        return Err(fail("has no addresses"));
    }
    Ok(out)
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// A fresh correlation id.
pub fn new_correlation_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Accepts 1-128 characters of `[A-Za-z0-9._:-]` (they reach logs verbatim).
fn check_correlation_id(id: &str) -> Result<&str, ToolError> {
    let ok = (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'));
    if ok {
        Ok(id)
    } else {
        Err(ToolError::new(
            ErrorCode::ValidationError,
            "correlation_id: must be 1-128 characters of letters, digits, `.`, `_`, `:`, `-`",
            "pass a simple id such as `scan-42`, or omit it",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn correlation_ids_are_checked() {
        assert!(check_correlation_id("scan-42:a.b_c").is_ok());
        for bad in ["", "a b", "x\ny", "é", &"a".repeat(129)] {
            assert!(check_correlation_id(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn generated_ids_pass_our_own_check() {
        assert!(check_correlation_id(&new_correlation_id()).is_ok());
    }
}
