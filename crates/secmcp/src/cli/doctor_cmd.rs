//! `doctor`: loads the config as `serve` would, examines the machine with
//! the server's own checks, prints every finding with its fix, and exits 1
//! when the server cannot do its whole job.

use std::process::ExitCode;

use super::args::ConfigArg;
use super::print::out;
use crate::config;

pub(super) fn doctor(arg: &ConfigArg) -> ExitCode {
    let path = config::config_path(arg.config.clone());
    let source = match &path {
        Some(p) => p.display().to_string(),
        None => "(none: the embedded defaults)".to_owned(),
    };
    let loaded = config::load(path, |_| {});
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("secmcp: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let report = runtime.block_on(crate::doctor::examine(loaded, source));
    let printed = out(&report.to_text());
    if report.can_serve() {
        printed
    } else {
        ExitCode::FAILURE
    }
}
