//! The server's run loop: one [`Core`] behind the chosen transport, config
//! hot reload beside it, and the shutdown sequence.
//!
//! The loop takes its shutdown and reload triggers as arguments (the shape of
//! mini-redis's `server::run(listener, shutdown)`): only `main` (the `serve`
//! command) listens for signals, so tests stop and reload a server in
//! process. On shutdown the server stops accepting calls, lets those in
//! flight finish for up to `server.shutdown_grace_secs`, then kills the tools
//! still running.

use std::future::Future;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::audit::AuditLog;
use crate::config::{Config, Settings};
use crate::dispatch::{Core, ShutdownOutcome};
use crate::reload::{self, Reloader};
use crate::transport;

/// Time the transports get to deliver the last results before they stop.
const RESULT_FLUSH: Duration = Duration::from_millis(200);

/// Exit code when the shutdown grace period ran out and tools had to be killed.
pub const EXIT_KILLED: u8 = 3;

/// Where clients reach the server.
#[derive(Debug)]
pub enum Listener {
    /// One client on stdin/stdout.
    Stdio,
    /// Streamable HTTP on a bound (loopback) listener.
    Http(tokio::net::TcpListener),
}

/// How a serving run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// The client went away (stdio) or the listener stopped.
    ClientGone,
    /// Shutdown was asked for and every call in flight finished in time.
    Drained,
    /// Shutdown was asked for and this many calls were killed at the end of
    /// the grace period.
    Killed(usize),
}

impl Stopped {
    /// The process exit code: 0, or [`EXIT_KILLED`] when tools were killed.
    pub fn exit_code(self) -> ExitCode {
        match self {
            Self::ClientGone | Self::Drained => ExitCode::SUCCESS,
            Self::Killed(_) => ExitCode::from(EXIT_KILLED),
        }
    }
}

/// What `run` needs besides the settings and the triggers.
#[derive(Default)]
pub struct Options {
    /// The config file to watch for hot reload.
    pub config_path: Option<PathBuf>,
    /// Command-line overrides, re-applied on each reload.
    pub overrides: Option<reload::Overrides>,
    /// The logger's level handle, for reloads.
    pub log: Option<crate::logging::LogHandle>,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("config_path", &self.config_path)
            .finish_non_exhaustive()
    }
}

/// The per-run egress rules `sandbox` asks for: `Err(why)` when off or
/// impossible here (`auto`), an error that stops the start for `required`.
fn egress_fence(
    sandbox: &crate::sandbox::SandboxConfig,
) -> anyhow::Result<Result<secmcp_runner::EgressFence, String>> {
    use crate::sandbox::EgressMode;
    if !sandbox.enabled || sandbox.egress == EgressMode::Off {
        return Ok(Err("sandbox.egress is off".into()));
    }
    match crate::sandbox::egress_possible(sandbox)
        .and_then(|()| secmcp_runner::EgressFence::install(sandbox.egress_gid_base))
    {
        Ok(fence) => {
            tracing::info!(
                table = fence.table(),
                "egress confinement on: each run reaches only its permit's addresses"
            );
            Ok(Ok(fence))
        }
        Err(e) if sandbox.egress == EgressMode::Required => Err(anyhow::anyhow!(
            "sandbox.egress is required, but the per-run rules cannot be installed: {e}"
        )),
        Err(e) => {
            tracing::warn!(error = %e, "egress confinement off: the permit's addresses are held by the argv alone (sandbox.egress: auto)");
            Ok(Err(e.to_string()))
        }
    }
}

/// Serves until the client goes away (stdio) or `shutdown` completes (its
/// output names the cause, e.g. `SIGTERM`, for the log). Each message on
/// `reload` reloads the config at once (what SIGHUP does).
pub async fn run(
    settings: Settings,
    listener: Listener,
    options: Options,
    shutdown: impl Future<Output = &'static str>,
    reload: mpsc::Receiver<()>,
) -> anyhow::Result<Stopped> {
    let kill = CancellationToken::new();
    let stop = CancellationToken::new();
    let ops_port = settings.metrics.prometheus_port;
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        transport = ?settings.transport,
        raw_sockets = settings.policy.raw_sockets,
        "secmcp starting"
    );
    for w in &settings.warnings {
        tracing::warn!(field = %w.field, "config: {}", w.message);
    }
    let audit = settings.audit.clone();
    let storage = settings.storage.clone();
    let sandbox = settings.raw.sandbox.clone();
    let core = Arc::new(Core::new(settings, kill.clone()));
    core.attach_egress(egress_fence(&sandbox)?);
    if !audit.file.is_empty() {
        let log = AuditLog::open(&audit)
            .map_err(|e| anyhow::anyhow!("cannot open the audit file {}: {e}", audit.file))?;
        tracing::info!(file = %log.path().display(), next_seq = log.head().next_seq, "audit log open");
        core.attach_audit(log);
    }
    if storage.enabled {
        // A store that cannot open fails the start: every call must be kept.
        let recorder = crate::store::Recorder::open(&storage).await.map_err(|e| {
            anyhow::anyhow!(
                "{} ({}): {}; {}",
                e.code(),
                storage.backend.display(),
                e,
                e.hint()
            )
        })?;
        let recorder = Arc::new(recorder);
        // Tasks of an earlier process that never finished cannot finish now.
        match recorder
            .store()
            .fail_unfinished_tasks(crate::service::TASK_LOST, crate::history::now_ms())
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::warn!(
                event = "tasks_failed_at_start",
                tasks = n,
                "{}",
                crate::service::TASK_LOST
            ),
            Err(e) => tracing::warn!(event = "tasks_check_failed", code = e.code(), error = %e),
        }
        core.attach_recorder(recorder.clone());
        let c = core.clone();
        tokio::spawn({
            let stop = stop.clone();
            async move {
                recorder
                    .prune_loop(move || c.snapshot().storage.clone(), stop)
                    .await;
            }
        });
    }
    core.start_health(Box::new(crate::health::SystemResources::default()));
    let overrides = options
        .overrides
        .unwrap_or_else(|| Arc::new(|_: &mut Config| {}));
    let reloader = Reloader::new(core.clone(), options.config_path, overrides, options.log);
    tokio::spawn(reloader.run(stop.clone(), reload));
    let serving = match listener {
        Listener::Stdio => {
            if ops_port != 0 {
                let addr = std::net::SocketAddr::from(([127, 0, 0, 1], ops_port));
                let listener = transport::bind_http(addr, false).await?;
                tokio::spawn(transport::serve_ops(core.clone(), listener, stop.clone()));
            }
            tokio::spawn(transport::serve_stdio(core.clone(), stop.clone()))
        }
        Listener::Http(listener) => {
            tokio::spawn(transport::serve_http(core.clone(), listener, stop.clone()))
        }
    };
    tokio::pin!(serving);
    let stopped = tokio::select! {
        served = &mut serving => {
            // The client went away: nobody can read results any more.
            core.shutdown(Duration::ZERO).await;
            stop.cancel();
            served??;
            Stopped::ClientGone
        }
        cause = shutdown => {
            let grace = core.snapshot().shutdown_grace;
            tracing::info!(
                cause,
                calls_in_flight = core.calls_in_flight(),
                grace_secs = grace.as_secs(),
                "shutting down: no new calls; waiting for calls in flight"
            );
            let outcome = core.shutdown(grace).await;
            // The last results are on their way out through the transport.
            tokio::time::sleep(RESULT_FLUSH).await;
            stop.cancel();
            let _ = tokio::time::timeout(Duration::from_secs(5), &mut serving).await;
            match outcome {
                ShutdownOutcome::Drained => Stopped::Drained,
                ShutdownOutcome::Killed(n) => Stopped::Killed(n),
            }
        }
    };
    kill.cancel();
    let kill_grace = core.snapshot().kill_grace;
    core.health_stopped(kill_grace + Duration::from_secs(1))
        .await;
    tracing::info!(outcome = ?stopped, "secmcp stopped");
    Ok(stopped)
}
