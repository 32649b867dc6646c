//! `doctor`: loads the config as `serve` would, examines the machine with
//! the server's own checks, prints every finding with its fix, and exits 1
//! when the server cannot do its whole job.

use std::process::ExitCode;

use super::args::StoreArgs;
use super::print::out;
use crate::config;

pub(super) fn doctor(arg: &StoreArgs) -> ExitCode {
    let path = config::config_path(arg.config.config.clone());
    let source = match &path {
        Some(p) => p.display().to_string(),
        None => "(none: the embedded defaults)".to_owned(),
    };
    // --data-dir as `serve` takes it (a relative one from the current directory).
    let data_dir = arg.data_dir.clone().map(|d| {
        if d.is_absolute() {
            d
        } else {
            std::env::current_dir().map_or(d.clone(), |c| c.join(&d))
        }
    });
    let loaded = config::load(path, move |raw| {
        if let Some(d) = &data_dir {
            raw.storage.data_dir = d.display().to_string();
        }
    });
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
