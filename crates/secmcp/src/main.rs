//! The `secmcp` binary: parses the command line and hands over to `secmcp::cli`.

use clap::Parser;

fn main() -> std::process::ExitCode {
    secmcp::cli::main(secmcp::cli::Cli::parse())
}
