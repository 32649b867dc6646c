//! `config check|show|init`.

use std::process::ExitCode;

use super::args::InitArgs;
use super::print::out;
use crate::config::Settings;
use crate::tools;

/// The fully commented example configuration (equal to the embedded defaults).
pub const EXAMPLE_CONFIG: &str = include_str!("../../../../config/secmcp.example.yaml");

/// `config check`: the configuration is valid; its warnings (stderr) and a
/// summary.
pub(super) fn check(s: &Settings) -> ExitCode {
    for w in &s.warnings {
        eprintln!("secmcp: warning: {w}");
    }
    let tools: Vec<_> = tools::REGISTRY
        .iter()
        .filter(|t| s.tool(t.id()).enabled)
        .map(|t| t.name())
        .collect();
    out(&format!(
        "config ok: transport {:?}, {} allowed / {} denied scope entries, tools: {}",
        s.transport,
        s.raw.security.allowed_targets.len(),
        s.raw.security.denied_targets.len(),
        tools.join(", ")
    ))
}

/// `config show`: the effective configuration as YAML.
pub(super) fn show(s: &Settings) -> ExitCode {
    out(&s.raw.to_redacted_yaml())
}

/// `config init`.
pub(super) fn init(args: &InitArgs) -> ExitCode {
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
