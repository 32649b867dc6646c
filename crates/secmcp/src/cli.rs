//! Subcommands: `serve`, `tools`, `config check|show`. Writes to stdout only
//! for the non-serving subcommands; `serve` logs to stderr.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use tokio_util::sync::CancellationToken;

use crate::config::{Config, ConfigError, Settings, Transport};
use crate::dispatch::{Core, ShutdownOutcome};
use crate::{env_vars, privilege, reload, service, tools, transport};

/// secmcp: run network-security tools for AI agents, safely, over MCP.
#[derive(Debug, Parser)]
#[command(name = "secmcp", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the MCP server.
    Serve(ServeArgs),
    /// List the tools with their input and output schemas (JSON).
    Tools(ConfigArg),
    /// Validate or print the effective configuration.
    Config {
        /// `check` or `show`.
        #[command(subcommand)]
        action: ConfigAction,
    },
}

/// `config` actions.
#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Validate the configuration; exit 1 with the field at fault if invalid.
    Check(ConfigArg),
    /// Print the effective configuration (defaults < file < environment) as YAML.
    Show(ConfigArg),
    /// Write the fully commented example configuration (to stdout without PATH).
    Init(InitArgs),
}

/// `config init` options.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write it; an existing file is kept unless `--force`.
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
}

/// The fully commented example configuration (equal to the embedded defaults).
pub const EXAMPLE_CONFIG: &str = include_str!("../../../config/secmcp.example.yaml");

/// The config file option shared by subcommands.
#[derive(Debug, Args)]
pub struct ConfigArg {
    /// YAML or JSON config file (env MCP_CONFIG_FILE / SECMCP_CONFIG). Without one the
    /// embedded defaults apply.
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
}

/// `serve` options; each overrides the environment and the file.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Config file.
    #[command(flatten)]
    pub config: ConfigArg,
    /// `stdio` or `http` (env MCP_SERVER_TRANSPORT).
    #[arg(long, value_enum)]
    pub transport: Option<Transport>,
    /// HTTP listen address, loopback only (env MCP_SERVER_HOST).
    #[arg(long)]
    pub host: Option<String>,
    /// HTTP listen port (env MCP_SERVER_PORT).
    #[arg(long)]
    pub port: Option<u16>,
}

/// Runs a parsed command line.
pub fn main(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Serve(args) => serve(args),
        Command::Tools(arg) => with_settings(&arg, |_| print_tools()),
        Command::Config { action } => match action {
            ConfigAction::Check(arg) => with_settings(&arg, |s| {
                let tools: Vec<_> = tools::REGISTRY
                    .iter()
                    .filter(|t| s.tool(t.name()).is_some_and(|t| t.enabled))
                    .map(|t| t.name())
                    .collect();
                out(&format!(
                    "config ok: transport {:?}, {} allowed / {} denied scope entries, tools: {}",
                    s.transport,
                    s.raw.security.allowed_targets.len(),
                    s.raw.security.denied_targets.len(),
                    tools.join(", ")
                ))
            }),
            ConfigAction::Show(arg) => with_settings(&arg, |s| out(&s.raw.to_redacted_yaml())),
            ConfigAction::Init(args) => init_config(&args),
        },
    }
}

fn with_settings(arg: &ConfigArg, f: impl FnOnce(&Settings) -> ExitCode) -> ExitCode {
    match load_settings(arg.config.clone(), |_| {}) {
        Ok(s) => f(&s),
        Err(e) => {
            eprintln!("secmcp: invalid configuration: {e}");
            ExitCode::FAILURE
        }
    }
}

fn init_config(args: &InitArgs) -> ExitCode {
    let Some(path) = &args.path else {
        return out(EXAMPLE_CONFIG);
    };
    if path.exists() && !args.force {
        eprintln!(
            "secmcp: {} exists; pass --force to overwrite it",
            path.display()
        );
        return ExitCode::FAILURE;
    }
    match std::fs::write(path, EXAMPLE_CONFIG) {
        Ok(()) => {
            eprintln!("secmcp: wrote {}", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("secmcp: cannot write {}: {e}", path.display());
            ExitCode::FAILURE
        }
    }
}

fn out(text: &str) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{}", text.trim_end()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}

fn print_tools() -> ExitCode {
    let list: Vec<_> = tools::REGISTRY
        .iter()
        .map(|t| service::describe(*t))
        .collect();
    match serde_json::to_string_pretty(&list) {
        Ok(json) => out(&json),
        Err(_) => ExitCode::FAILURE,
    }
}

/// The config file: the `--config` flag, else the environment.
pub fn config_path(flag: Option<PathBuf>) -> Option<PathBuf> {
    flag.or_else(|| env_vars::get(env_vars::CONFIG_FILE).map(|(_, v)| v.into()))
}

/// Loads defaults < file < environment < `overrides` and validates them.
pub fn load_settings(
    path: Option<PathBuf>,
    overrides: impl FnOnce(&mut Config),
) -> Result<Settings, ConfigError> {
    let path = config_path(path);
    let mut raw = match path {
        Some(p) => Config::from_file(&p)?,
        None => Config::default(),
    };
    raw.apply_env()?;
    overrides(&mut raw);
    Settings::from_config(raw, privilege::has_raw_sockets())
}

/// Time the transports get to deliver the last results before they stop.
const RESULT_FLUSH: Duration = Duration::from_millis(200);

/// Exit code when the shutdown grace period ran out and tools had to be killed.
pub const EXIT_KILLED: u8 = 3;

/// How a serving run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// The client went away (stdio) or the listener stopped.
    ClientGone,
    /// A signal arrived and every call in flight finished in time.
    Drained,
    /// A signal arrived and this many calls were killed at the end of the grace period.
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

/// What `run` needs besides the settings.
#[derive(Default)]
pub struct RunOptions {
    /// The config file to watch for hot reload.
    pub config_path: Option<PathBuf>,
    /// Command-line overrides, re-applied on each reload.
    pub overrides: Option<reload::Overrides>,
    /// The logger's level handle, for reloads.
    pub log: Option<crate::logging::LogHandle>,
}

impl std::fmt::Debug for RunOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunOptions")
            .field("config_path", &self.config_path)
            .finish_non_exhaustive()
    }
}

fn serve(args: ServeArgs) -> ExitCode {
    let (transport, host, port) = (args.transport, args.host.clone(), args.port);
    let overrides: reload::Overrides = Arc::new(move |raw: &mut Config| {
        if let Some(t) = transport {
            raw.server.transport = t;
        }
        if let Some(h) = &host {
            raw.server.host.clone_from(h);
        }
        if let Some(p) = port {
            raw.server.port = p;
        }
    });
    let path = config_path(args.config.config.clone());
    let o = overrides.clone();
    let settings = match load_settings(path.clone(), move |raw| o(raw)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("secmcp: invalid configuration: {e}");
            return ExitCode::FAILURE;
        }
    };
    let log = match crate::logging::init(&settings.logging) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("secmcp: cannot open the log file: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("secmcp: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let options = RunOptions {
        config_path: path,
        overrides: Some(overrides),
        log: Some(log),
    };
    let result = runtime.block_on(run(settings, options));
    // stdin may still be held by a blocking read; do not wait for it.
    runtime.shutdown_timeout(Duration::from_millis(100));
    match result {
        Ok(stopped) => stopped.exit_code(),
        Err(e) => {
            eprintln!("secmcp: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Serves until the client goes away (stdio) or SIGTERM/SIGINT. On a signal
/// the server stops accepting calls, lets those in flight finish for up to
/// `server.shutdown_grace_secs`, then kills the tools still running.
pub async fn run(settings: Settings, options: RunOptions) -> anyhow::Result<Stopped> {
    let kill = CancellationToken::new();
    let stop = CancellationToken::new();
    let transport_kind = settings.transport;
    let listen = settings.listen;
    let ops_port = settings.metrics.prometheus_port;
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        transport = ?transport_kind,
        raw_sockets = settings.policy.raw_sockets,
        "secmcp starting"
    );
    let core = Arc::new(Core::new(settings, kill.clone()));
    core.start_health(Box::new(crate::health::SystemResources::default()));
    let overrides = options
        .overrides
        .unwrap_or_else(|| Arc::new(|_: &mut Config| {}));
    let reloader = reload::Reloader::new(core.clone(), options.config_path, overrides, options.log);
    tokio::spawn(reloader.run(stop.clone()));
    // Bind before serving so that a bad address fails the start.
    let serving = match transport_kind {
        Transport::Stdio => {
            if ops_port != 0 {
                let addr = std::net::SocketAddr::from(([127, 0, 0, 1], ops_port));
                let listener = transport::bind_http(addr).await?;
                tokio::spawn(transport::serve_ops(core.clone(), listener, stop.clone()));
            }
            tokio::spawn(transport::serve_stdio(core.clone(), stop.clone()))
        }
        Transport::Http => {
            let listener = transport::bind_http(listen).await?;
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
        signal = shutdown_signal() => {
            let grace = core.snapshot().shutdown_grace;
            tracing::info!(
                signal,
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

/// The name of the first SIGTERM or SIGINT.
async fn shutdown_signal() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::warn!("cannot install signal handlers");
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    }
}
