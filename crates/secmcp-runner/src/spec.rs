//! What to run and within which limits. A [`RunSpec`] can only be built from a
//! [`Permit`], so nothing reaches [`crate::run`] without passing the policy.
//!
//! This module must not start processes or read pipes; it only resolves the
//! environment and copies the permit's argv.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use secmcp_policy::Permit;
use tokio_util::sync::CancellationToken;

use crate::cgroup::CgroupParent;
use crate::egress::{Destinations, EgressFence};
use crate::sandbox::Sandbox;

/// Resource limits and environment for every run, set by the server config.
#[derive(Debug, Clone)]
pub struct RunLimits {
    /// Most stdout bytes kept per run: the first half as a head, the last half
    /// as a tail; bytes in between are read and counted, not kept.
    pub max_stdout_bytes: usize,
    /// Most stderr bytes kept per run, split the same way as stdout.
    pub max_stderr_bytes: usize,
    /// How long a tool has between SIGTERM and SIGKILL after a timeout or a
    /// cancellation.
    pub kill_grace: Duration,
    /// Names of variables copied from the server's own environment into the
    /// tool's (when set there); every other variable is removed.
    pub env_allowlist: Vec<String>,
    /// Variables set for every tool, after the allowlisted ones (so they win).
    pub extra_env: Vec<(String, String)>,
    /// Most bytes read back from the working directory after a run (for
    /// tools that write their results to files).
    pub max_collect_bytes: usize,
    /// Where each run gets its own cgroup, so that every process it starts is
    /// killed with it; `None` tracks the process group only.
    pub cgroups: Option<Arc<CgroupParent>>,
    /// Background work (version probes): the process runs at the lowest CPU
    /// priority (nice 19), so it never slows the server's own answers.
    pub background: bool,
    /// The kernel sandbox the tool starts in (see [`crate::Sandbox`]).
    pub sandbox: Sandbox,
    /// Where each run's packets are held to its permit's addresses; `None`:
    /// no egress confinement.
    pub egress: Option<Arc<EgressFence>>,
}

impl Default for RunLimits {
    /// 8 MiB stdout, 64 KiB stderr, 2 s grace, `PATH`, `LANG`, `LC_ALL`, `TZ`,
    /// the default [`Sandbox`].
    fn default() -> Self {
        Self {
            max_stdout_bytes: 8 * 1024 * 1024,
            max_stderr_bytes: 64 * 1024,
            kill_grace: Duration::from_secs(2),
            env_allowlist: ["PATH", "LANG", "LC_ALL", "TZ"].map(String::from).to_vec(),
            extra_env: Vec::new(),
            max_collect_bytes: 8 * 1024 * 1024,
            cgroups: None,
            background: false,
            sandbox: Sandbox::default(),
            egress: None,
        }
    }
}

/// Which output stream a chunk came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// Sees every chunk of output as it is read, before it is captured (to
/// follow a tool's progress). Called from the reading loop: it must return
/// at once (no I/O, no waiting).
pub type OutputTap = Arc<dyn Fn(Stream, &[u8]) + Send + Sync>;

/// One authorized run: program, arguments, environment and limits.
///
/// Fields are private and [`RunSpec::from_permit`] is the only constructor.
/// `Debug` shows the program, the argument count and the variable names, never
/// argument or variable values.
#[derive(Clone)]
pub struct RunSpec {
    pub(crate) program: PathBuf,
    pub(crate) args: Vec<String>,
    pub(crate) env: Vec<(OsString, OsString)>,
    pub(crate) timeout: Duration,
    pub(crate) max_stdout_bytes: usize,
    pub(crate) max_stderr_bytes: usize,
    pub(crate) kill_grace: Duration,
    pub(crate) write_files: Vec<secmcp_policy::WorkFile>,
    pub(crate) collect: Vec<String>,
    pub(crate) max_collect_bytes: usize,
    pub(crate) cgroups: Option<Arc<CgroupParent>>,
    pub(crate) background: bool,
    pub(crate) tap: Option<OutputTap>,
    pub(crate) done: Option<CancellationToken>,
    pub(crate) sandbox: Sandbox,
    pub(crate) raw_sockets: bool,
    pub(crate) net_admin: bool,
    pub(crate) egress: Option<(Arc<EgressFence>, Destinations)>,
}

impl RunSpec {
    /// Builds the run for `permit`: `program` is executed with exactly
    /// `permit.argv()` as its arguments and `permit.timeout()` as its wall-clock
    /// limit.
    ///
    /// `program` should be an absolute path resolved by the server config; a
    /// bare name is looked up in the tool's `PATH` (the allowlisted one), not
    /// the server's. The allowlisted variables are read from the server's
    /// environment now, not when the run starts.
    pub fn from_permit(permit: &Permit, program: PathBuf, limits: &RunLimits) -> RunSpec {
        let mut env: Vec<(OsString, OsString)> = limits
            .env_allowlist
            .iter()
            .filter_map(|name| std::env::var_os(name).map(|value| (OsString::from(name), value)))
            .collect();
        env.extend(
            limits
                .extra_env
                .iter()
                .map(|(name, value)| (OsString::from(name), OsString::from(value))),
        );
        RunSpec {
            program,
            args: permit.argv().to_vec(),
            env,
            timeout: permit.timeout(),
            max_stdout_bytes: limits.max_stdout_bytes,
            max_stderr_bytes: limits.max_stderr_bytes,
            kill_grace: limits.kill_grace,
            write_files: permit.write_files().to_vec(),
            collect: permit.collect().to_vec(),
            max_collect_bytes: limits.max_collect_bytes,
            cgroups: limits.cgroups.clone(),
            background: limits.background,
            tap: None,
            done: None,
            sandbox: limits.sandbox.clone(),
            raw_sockets: permit.raw_sockets(),
            net_admin: permit.raw_sockets() && permit.net_admin(),
            egress: limits
                .egress
                .clone()
                .map(|fence| (fence, Destinations::of(permit))),
        }
    }

    /// Shows every chunk of the tool's output to `tap` as it arrives.
    pub fn with_tap(mut self, tap: OutputTap) -> Self {
        self.tap = Some(tap);
        self
    }

    /// Fired by whoever watches the output (usually from the tap) when the
    /// tool has said it finished but keeps running: the group is then stopped
    /// like at a timeout, and the outcome says `lingered`, not `timed_out`.
    pub fn with_done(mut self, done: CancellationToken) -> Self {
        self.done = Some(done);
        self
    }

    /// The program that will be executed.
    pub fn program(&self) -> &Path {
        &self.program
    }

    /// The wall-clock limit of the run.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The program's file name, the only part of its path shown to an agent.
    pub(crate) fn program_name(&self) -> String {
        program_name(&self.program)
    }
}

/// The file name of `program` (or the whole of it when it has none).
pub(crate) fn program_name(program: &Path) -> String {
    program
        .file_name()
        .unwrap_or(program.as_os_str())
        .to_string_lossy()
        .into_owned()
}

impl fmt::Debug for RunSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let env_names: Vec<_> = self.env.iter().map(|(name, _)| name).collect();
        f.debug_struct("RunSpec")
            .field("program", &self.program)
            .field("argc", &self.args.len())
            .field("env", &env_names)
            .field("timeout", &self.timeout)
            .field("max_stdout_bytes", &self.max_stdout_bytes)
            .field("max_stderr_bytes", &self.max_stderr_bytes)
            .field("kill_grace", &self.kill_grace)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_copies_argv_and_timeout_from_the_permit() {
        let permit = Permit::unchecked_for_tests(
            vec!["-sT".into(), "127.0.0.1".into()],
            Duration::from_secs(7),
        );
        let spec = RunSpec::from_permit(&permit, "/usr/bin/nmap".into(), &RunLimits::default());
        assert_eq!(spec.args, ["-sT", "127.0.0.1"]);
        assert_eq!(spec.timeout(), Duration::from_secs(7));
        assert_eq!(spec.program(), Path::new("/usr/bin/nmap"));
        assert_eq!(spec.program_name(), "nmap");
    }

    #[test]
    fn unset_allowlisted_names_are_skipped_and_extra_env_comes_last() {
        let limits = RunLimits {
            env_allowlist: vec!["SECMCP_RUNNER_SURELY_UNSET".into()],
            extra_env: vec![("A".into(), "1".into())],
            ..RunLimits::default()
        };
        let permit = Permit::unchecked_for_tests(vec![], Duration::from_secs(1));
        let spec = RunSpec::from_permit(&permit, "/bin/true".into(), &limits);
        assert_eq!(spec.env, [(OsString::from("A"), OsString::from("1"))]);
    }

    #[test]
    fn debug_hides_argument_and_variable_values() {
        let limits = RunLimits {
            extra_env: vec![("TOKEN".into(), "env-secret".into())],
            ..RunLimits::default()
        };
        let permit =
            Permit::unchecked_for_tests(vec!["--key=argv-secret".into()], Duration::from_secs(1));
        let shown = format!(
            "{:?}",
            RunSpec::from_permit(&permit, "/bin/tool".into(), &limits)
        );
        assert!(!shown.contains("argv-secret"), "{shown}");
        assert!(!shown.contains("env-secret"), "{shown}");
        assert!(
            shown.contains("TOKEN") && shown.contains("argc: 1"),
            "{shown}"
        );
    }
}
