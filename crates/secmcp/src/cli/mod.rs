//! The command line: `serve`, `tools`, `config check|show|init`. Writes to
//! stdout only for the non-serving commands; `serve` logs to stderr and is
//! the only code that listens for signals.
//!
//! Layout: this file holds the clap definitions and the dispatch; `serve`
//! starts the server; `config_cmd` and `tools_cmd` print.

mod config_cmd;
mod serve;
mod tools_cmd;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::config::{Settings, Transport};

pub use config_cmd::EXAMPLE_CONFIG;

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
    /// Print the tools as `tools/list` offers them under the config, with their
    /// input and output schemas (JSON).
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
        Command::Serve(args) => serve::serve(args),
        Command::Tools(arg) => with_settings(&arg, tools_cmd::print_tools),
        Command::Config { action } => match action {
            ConfigAction::Check(arg) => with_settings(&arg, config_cmd::check),
            ConfigAction::Show(arg) => with_settings(&arg, config_cmd::show),
            ConfigAction::Init(args) => config_cmd::init(&args),
        },
    }
}

fn with_settings(arg: &ConfigArg, f: impl FnOnce(&Settings) -> ExitCode) -> ExitCode {
    match crate::config::load(arg.config.clone(), |_| {}) {
        Ok(s) => f(&s),
        Err(e) => {
            eprintln!("secmcp: invalid configuration: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Prints `text` (and a newline) to stdout.
pub(crate) fn out(text: &str) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{}", text.trim_end()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}
