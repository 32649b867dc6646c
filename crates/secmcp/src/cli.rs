//! Subcommands: `serve`, `tools`, `config check|show`. Writes to stdout only
//! for the non-serving subcommands; `serve` logs to stderr.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use tokio_util::sync::CancellationToken;

use crate::config::{Config, ConfigError, LogFormat, Settings, Transport};
use crate::dispatch::Core;
use crate::{env_vars, privilege, service, tools, transport};

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
}

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

/// Loads defaults < file < environment < `overrides` and validates them.
pub fn load_settings(
    path: Option<PathBuf>,
    overrides: impl FnOnce(&mut Config),
) -> Result<Settings, ConfigError> {
    let path = path.or_else(|| env_vars::get(env_vars::CONFIG_FILE).map(|(_, v)| v.into()));
    let mut raw = match path {
        Some(p) => Config::from_file(&p)?,
        None => Config::default(),
    };
    raw.apply_env()?;
    overrides(&mut raw);
    Settings::from_config(raw, privilege::has_raw_sockets())
}

fn init_logging(settings: &Settings) {
    // rmcp's own info lines (whole peer descriptions) drown the audit trail;
    // keep them at warn unless the operator's filter names rmcp itself.
    let level = &settings.logging.level;
    let spec = if level.contains("rmcp") {
        level.clone()
    } else {
        format!("{level},rmcp=warn")
    };
    let filter = tracing_subscriber::EnvFilter::try_new(&spec)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,rmcp=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    match settings.logging.format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_span_list(false)
            .init(),
        LogFormat::Human => builder.with_ansi(false).init(),
    }
}

fn serve(args: ServeArgs) -> ExitCode {
    let settings = match load_settings(args.config.config.clone(), |raw| {
        if let Some(t) = args.transport {
            raw.server.transport = t;
        }
        if let Some(h) = &args.host {
            raw.server.host.clone_from(h);
        }
        if let Some(p) = args.port {
            raw.server.port = p;
        }
    }) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("secmcp: invalid configuration: {e}");
            return ExitCode::FAILURE;
        }
    };
    init_logging(&settings);
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
    let result = runtime.block_on(run(settings));
    // stdin may still be held by a blocking read; do not wait for it.
    runtime.shutdown_timeout(Duration::from_millis(100));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("secmcp: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Serves until the client goes away (stdio) or a signal arrives.
pub async fn run(settings: Settings) -> anyhow::Result<()> {
    let shutdown = CancellationToken::new();
    let transport_kind = settings.transport;
    let listen = settings.listen;
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        transport = ?transport_kind,
        raw_sockets = settings.policy.raw_sockets,
        "secmcp starting"
    );
    let core = Arc::new(Core::new(settings, shutdown.clone()));
    tokio::spawn(watch_signals(shutdown.clone()));
    match transport_kind {
        Transport::Stdio => transport::serve_stdio(core, shutdown.clone()).await?,
        Transport::Http => {
            let listener = transport::bind_http(listen).await?;
            transport::serve_http(core, listener, shutdown.clone()).await?;
        }
    }
    shutdown.cancel();
    tracing::info!("secmcp stopped");
    Ok(())
}

async fn watch_signals(shutdown: CancellationToken) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::warn!("cannot install signal handlers");
        return;
    };
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
        _ = int.recv() => tracing::info!("SIGINT: shutting down"),
    }
    shutdown.cancel();
}
