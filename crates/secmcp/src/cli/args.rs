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
    /// Dry-run one call: check it exactly as the server would (scope, grammar,
    /// gates) and print the plan — pinned targets, argv, limits — without
    /// starting anything. Exit 1 with the agent's error when it is refused.
    Explain(ExplainArgs),
    /// Validate or print the effective configuration.
    Config {
        /// `check` or `show`.
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Check the audit log.
    Audit {
        /// `verify`.
        #[command(subcommand)]
        action: AuditAction,
    },
    /// API keys for HTTP clients.
    Auth {
        /// `new-key`.
        #[command(subcommand)]
        action: AuthAction,
    },

    /// Intrusive runs waiting for an operator (`security.approval:
    /// operator`): list them, approve or deny one. The waiting call starts,
    /// or is refused, within a second.
    Approvals {
        /// `list`, `approve` or `deny`.
        #[command(subcommand)]
        action: ApprovalsAction,
    },
    /// Stored runs (the run store of the config): list, show, diff, export.
    Runs {
        /// `list`, `show`, `diff` or `export`.
        #[command(subcommand)]
        action: RunsAction,
    },
    /// Write the engagement report of stored runs as Markdown and as one
    /// self-contained HTML page: hosts and open services (latest state),
    /// findings, and the exact commands that produced them.
    Report(ReportArgs),
    /// Check that the server can do its job here: each tool found,
    /// identified and privileged enough, the lists, the config and its
    /// warnings, the run store, the scope, the sandbox and the network; a fix for each
    /// problem. Exit 1 when something the server needs is missing.
    Doctor(StoreArgs),
    /// Print the entry an MCP client needs to start this server (this binary,
    /// the config in use) or to reach it over HTTP, or merge it into the
    /// client's own config file with --write.
    ClientConfig(ClientConfigArgs),
    /// Print the shell completion script for bash, zsh or fish.
    Completions(CompletionsArgs),
    /// Print the manual page (roff; `secmcp man | man -l -`).
    Man,
}

/// `audit` actions.
#[derive(Debug, Subcommand)]
pub enum AuditAction {
    /// Check the hash chain of audit files: exit 0 when every record is intact
    /// and in order, 1 naming the first record that was changed, removed or
    /// moved. Give a rotated series oldest first: `FILE.2 FILE.1 FILE`.
    Verify(VerifyArgs),
}

/// `audit verify` options.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The audit files, oldest first.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Accept a chain whose first records were rotated away (the first file
    /// then need not start at record 1).
    #[arg(long)]
    pub partial: bool,
    /// Also compare the files with the copy of the records in the run store
    /// of the config: a copy that goes on past the files' last record shows
    /// records cut from the end.
    #[arg(long)]
    pub store: bool,
    /// Where the run store is (with --store).
    #[command(flatten)]
    pub store_args: StoreArgs,
}

/// `approvals` actions.
#[derive(Debug, Subcommand)]
pub enum ApprovalsAction {
    /// Requests waiting for a decision, oldest first: id, age, who asked,
    /// the tool, the pinned targets and the exact command.
    List(ApprovalsListArgs),
    /// Let one waiting run start (by id, or a unique prefix of 8 or more
    /// characters).
    Approve(ApprovalDecideArgs),
    /// Refuse one waiting run; it never starts.
    Deny(ApprovalDecideArgs),
}

/// `approvals list` options.
#[derive(Debug, Args)]
pub struct ApprovalsListArgs {
    /// Where the run store is.
    #[command(flatten)]
    pub store: StoreArgs,
    /// Also the requests of the last day that were decided, expired or withdrawn.
    #[arg(long)]
    pub all: bool,
    /// JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `approvals approve|deny` options.
#[derive(Debug, Args)]
pub struct ApprovalDecideArgs {
    /// The request's id (or a unique prefix of 8 or more characters).
    pub id: String,
    /// Why (kept with the decision; the caller reads it with a denial).
    #[arg(long)]
    pub reason: Option<String>,
    /// Where the run store is.
    #[command(flatten)]
    pub store: StoreArgs,
}

/// `auth` actions.
#[derive(Debug, Subcommand)]
pub enum AuthAction {
    /// Print a fresh random API key (once: it is stored nowhere) and the
    /// `auth.api_keys` entry to add to the config (which holds only its
    /// SHA-256 digest).
    NewKey(NewKeyArgs),
}

/// `auth new-key` options.
#[derive(Debug, Args)]
pub struct NewKeyArgs {
    /// Who will hold the key (named in the log with every call).
    pub name: String,
    /// The `auth.roles` entry the key gets; none: the server's whole policy.
    #[arg(long)]
    pub role: Option<String>,
}

/// `runs` actions.
#[derive(Debug, Subcommand)]
pub enum RunsAction {
    /// Runs newest first, as a table or JSON.
    List(RunsListArgs),
    /// One run with everything kept (JSON), or its raw tool output.
    Show(RunsShowArgs),
    /// What changed between two runs of one tool (hosts, ports, services,
    /// paths, answers, credentials, injection points): two run ids, or
    /// --tool and --target for the last two completed runs.
    Diff(RunsDiffArgs),
    /// Every matching run with everything kept, one JSON object per line.
    Export(RunsListArgs),
}

/// Where the runs are: the config file and the data dir.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// Config file.
    #[command(flatten)]
    pub config: ConfigArg,
    /// Directory of the embedded run database (env MCP_DATA_DIR).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

/// `runs list` / `runs export` filters.
#[derive(Debug, Args)]
pub struct RunsListArgs {
    /// Where the runs are.
    #[command(flatten)]
    pub store: StoreArgs,
    /// Only this tool.
    #[arg(long)]
    pub tool: Option<String>,
    /// Only runs on this address, network (at most 1024 addresses: every run
    /// that covered part of it) or host name.
    #[arg(long)]
    pub target: Option<String>,
    /// Only runs of the last N hours.
    #[arg(long, value_name = "N", conflicts_with = "since")]
    pub since_hours: Option<u32>,
    /// Only runs from this time on (2026-12-01 or 2026-12-01T14:00:00Z).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only runs before this time.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// At most this many runs (list: default 50; export: all).
    #[arg(long)]
    pub limit: Option<u32>,
    /// JSON instead of a table (list).
    #[arg(long)]
    pub json: bool,
}

/// `runs show` options.
#[derive(Debug, Args)]
pub struct RunsShowArgs {
    /// Where the runs are.
    #[command(flatten)]
    pub store: StoreArgs,
    /// The run id (from `runs list` or a resource link).
    pub id: String,
    /// Print the tool's raw output instead of the record.
    #[arg(long)]
    pub raw: bool,
}

/// `runs diff` options.
#[derive(Debug, Args)]
pub struct RunsDiffArgs {
    /// Where the runs are.
    #[command(flatten)]
    pub store: StoreArgs,
    /// The earlier run's id.
    #[arg(required_unless_present = "tool", requires = "after")]
    pub before: Option<String>,
    /// The later run's id.
    pub after: Option<String>,
    /// With --target: compare this tool's last two completed runs.
    #[arg(long, requires = "target", conflicts_with = "before")]
    pub tool: Option<String>,
    /// With --tool: the address, network or host name of the runs.
    #[arg(long, requires = "tool")]
    pub target: Option<String>,
    /// JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `report` options.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Where the runs are.
    #[command(flatten)]
    pub store: StoreArgs,
    /// Directory to write `report.md` and `report.html` into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Only runs on these addresses, networks or host names (repeat for a set).
    #[arg(long)]
    pub target: Vec<String>,
    /// Only this tool.
    #[arg(long)]
    pub tool: Option<String>,
    /// Only runs from this time on (2026-12-01 or 2026-12-01T14:00:00Z).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only runs before this time.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// At most this many runs, newest kept (default 1000, at most 10000).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub limit: u32,
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

/// `explain` arguments.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The tool, e.g. `nmap`.
    #[arg(value_name = "TOOL")]
    pub tool: String,
    /// The call's arguments as a JSON object, e.g. '{"target":"10.0.0.5","ports":"22,80"}'.
    #[arg(value_name = "JSON-ARGS")]
    pub arguments: String,
    /// Config file.
    #[command(flatten)]
    pub config: ConfigArg,
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
#[derive(Debug, Clone, Args)]
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
    /// Directory of the embedded run database (env MCP_DATA_DIR; config
    /// storage.data_dir). Not used when database.url names PostgreSQL.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}
