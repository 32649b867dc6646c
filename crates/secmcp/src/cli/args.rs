//! The clap definitions of the command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::clients::Client;
use crate::config::Transport;

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
    /// Check that the server can do its job here: each tool found,
    /// identified and privileged enough, the lists, the config and its
    /// warnings, the scope, the sandbox and the network; a fix for each
    /// problem. Exit 1 when something the server needs is missing.
    Doctor(ConfigArg),
    /// Print the entry an MCP client needs to start this server (this binary,
    /// the config in use) or to reach it over HTTP, or merge it into the
    /// client's own config file with --write.
    ClientConfig(ClientConfigArgs),
    /// Print the shell completion script for bash, zsh or fish.
    Completions(CompletionsArgs),
    /// Print the manual page (roff; `secmcp man | man -l -`).
    Man,
}

/// `client-config` options.
#[derive(Debug, Args)]
pub struct ClientConfigArgs {
    /// The client.
    #[arg(value_enum)]
    pub client: Client,
    /// Reach a running server at this Streamable HTTP URL (e.g.
    /// http://127.0.0.1:8080/mcp) instead of starting one over stdio.
    #[arg(long, value_name = "URL")]
    pub http: Option<String>,
    /// Merge the entry into the client's config file (other servers and keys
    /// kept, the old file kept as FILE.bak, written atomically) instead of
    /// printing it.
    #[arg(long)]
    pub write: bool,
    /// The client's config file; default: where the client reads it
    /// (claude-code: ./.mcp.json, vscode: ./.vscode/mcp.json, cursor:
    /// ~/.cursor/mcp.json, codex: ~/.codex/config.toml, claude-desktop: its
    /// claude_desktop_config.json).
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// The server's name in the client's config.
    #[arg(long, default_value = "secmcp")]
    pub name: String,
    /// The secmcp config the client will start the server with.
    #[command(flatten)]
    pub config: ConfigArg,
}

/// `completions` options.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Shells `completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    /// bash (`source <(secmcp completions bash)`).
    Bash,
    /// zsh (write it as `_secmcp` into a directory on `$fpath`).
    Zsh,
    /// fish (write it to `~/.config/fish/completions/secmcp.fish`).
    Fish,
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
