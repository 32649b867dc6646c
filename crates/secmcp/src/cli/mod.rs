//! The command line: `serve`, `tools`, `explain`, `config check|show|init`,
//! `runs list|show|diff|export`, `report`, `audit verify`, `auth new-key`, `doctor`, `client-config`,
//! `completions`, `man`. Writes to
//! stdout only for the non-serving commands; `serve` logs to stderr and is
//! the only code that listens for signals.
//!
//! Layout: `args` holds the clap definitions, this file the dispatch;
//! `serve` starts the server; `config_cmd`, `tools_cmd`, `explain_cmd`, `doctor_cmd`,
//! `client_cmd`, `runs_cmd`, `report_cmd` and `docs_cmd` (completions, man
//! page) print through `print`.

mod approvals_cmd;
mod args;
mod audit_cmd;
mod client_cmd;
mod config_cmd;
mod docs_cmd;
mod doctor_cmd;
mod explain_cmd;
mod print;
mod report_cmd;
mod runs_cmd;
mod serve;
mod tools_cmd;

use std::process::ExitCode;

use crate::config::Settings;

pub use args::{
    ApprovalDecideArgs, ApprovalsAction, ApprovalsListArgs, AuditAction, AuthAction, Cli, Command,
    CompletionsArgs, ConfigAction, ConfigArg, ExplainArgs, InitArgs, NewKeyArgs, ReportArgs,
    RunsAction, RunsDiffArgs, RunsListArgs, RunsShowArgs, ServeArgs, Shell, StoreArgs, VerifyArgs,
};
pub use config_cmd::EXAMPLE_CONFIG;
pub use docs_cmd::{completion_script, man_page};

/// Runs a parsed command line.
pub fn main(cli: Cli) -> ExitCode {
    if matches!(cli.command, Command::Serve(_) | Command::Doctor(_)) {
        // Before any thread starts: threads inherit this thread's capabilities.
        crate::privilege::pass_raw_sockets_to_tools();
    }
    match cli.command {
        Command::Serve(args) => serve::serve(args),
        Command::Tools(arg) => with_settings(&arg, tools_cmd::print_tools),
        Command::Explain(args) => with_settings(&args.config, |s| explain_cmd::explain(&args, s)),
        Command::Config { action } => match action {
            ConfigAction::Check(arg) => with_settings(&arg, config_cmd::check),
            ConfigAction::Show(arg) => with_settings(&arg, config_cmd::show),
            ConfigAction::Init(args) => config_cmd::init(&args),
        },
        Command::Audit {
            action: AuditAction::Verify(args),
        } => audit_cmd::verify(&args),
        Command::Auth {
            action: AuthAction::NewKey(args),
        } => new_key(&args),
        Command::Runs { action } => runs_cmd::runs(action),
        Command::Approvals { action } => approvals_cmd::approvals(action),
        Command::Report(args) => report_cmd::report(&args),
        Command::Doctor(arg) => doctor_cmd::doctor(&arg),
        Command::ClientConfig(args) => client_cmd::client_config(&args),
        Command::Completions(args) => docs_cmd::completions(args.shell),
        Command::Man => docs_cmd::man(),
    }
}

/// `auth new-key`: the key once, then the config entry (name, digest, role).
fn new_key(args: &NewKeyArgs) -> ExitCode {
    let name_ok = !args.name.is_empty()
        && args.name.len() <= 64
        && args
            .name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"_-.@".contains(&c));
    if !name_ok {
        eprintln!(
            "secmcp: `{}` is not a key name: use 1-64 letters, digits, `_`, `-`, `.` or `@`",
            args.name
        );
        return ExitCode::FAILURE;
    }
    let key = match crate::auth::new_key() {
        Ok(k) => k,
        Err(e) => {
            eprintln!("secmcp: cannot read OS randomness: {e}");
            return ExitCode::FAILURE;
        }
    };
    let role = args
        .role
        .as_deref()
        .map(|r| format!("\n      role: {r}"))
        .unwrap_or_default();
    print::out(&format!(
        "# The key for `{name}` (shown once; give it to its holder, who sends it as\n\
         # `Authorization: Bearer KEY`):\n\
         {key}\n\
         \n\
         # Add this entry under auth.api_keys in the config (it holds only the key's\n\
         # SHA-256 digest), then reload (SIGHUP) or restart:\n\
         auth:\n  \
           api_keys:\n    \
             - name: {name}\n      \
               sha256: {digest}{role}",
        name = args.name,
        digest = crate::auth::digest_hex(&key),
    ))
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
