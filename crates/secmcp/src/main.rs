//! The `secmcp` binary: parses the command line and hands over to `secmcp::cli`.

use clap::Parser;

/// mimalloc: glibc's malloc serialises the HTTP workers on its arena locks
/// (and musl's, in the static build, is slower still); see
/// docs/PERFORMANCE.md for the measured difference.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    secmcp::cli::main(secmcp::cli::Cli::parse())
}
