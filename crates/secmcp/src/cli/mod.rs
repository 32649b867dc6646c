//! The command line: `serve`, `tools`, `config check|show|init`, `doctor`,
//! `client-config`, `completions`, `man`. Writes to
//! stdout only for the non-serving commands; `serve` logs to stderr and is
//! the only code that listens for signals.
//!
//! Layout: `args` holds the clap definitions, this file the dispatch;
//! `serve` starts the server; `config_cmd`, `tools_cmd`, `doctor_cmd`, `client_cmd` and
//! `docs_cmd` (completions, man page) print through `print`.

mod args;
mod client_cmd;
mod config_cmd;
mod docs_cmd;
mod doctor_cmd;
mod print;
mod serve;
mod tools_cmd;

use std::process::ExitCode;

use crate::config::Settings;

pub use args::{
    Cli, Command, CompletionsArgs, ConfigAction, ConfigArg, InitArgs, ServeArgs, Shell,
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
        Command::Config { action } => match action {
            ConfigAction::Check(arg) => with_settings(&arg, config_cmd::check),
            ConfigAction::Show(arg) => with_settings(&arg, config_cmd::show),
            ConfigAction::Init(args) => config_cmd::init(&args),
        },
        Command::Doctor(arg) => doctor_cmd::doctor(&arg),
        Command::ClientConfig(args) => client_cmd::client_config(&args),
        Command::Completions(args) => docs_cmd::completions(args.shell),
        Command::Man => docs_cmd::man(),
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
