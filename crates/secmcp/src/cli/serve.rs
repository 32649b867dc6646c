//! `serve`: loads the settings, starts logging and the runtime, binds the
//! transport and runs the server until a signal. The only code in secmcp
//! that listens for signals: SIGTERM/SIGINT shut down, SIGHUP reloads.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::args::ServeArgs;
use crate::config::{self, Config, Transport};
use crate::server::{self, Listener, Options};
use crate::{reload, transport};

pub(super) fn serve(args: ServeArgs) -> ExitCode {
    let (transport, host, port) = (args.transport, args.host.clone(), args.port);
    // A relative --data-dir is taken from the current directory.
    let data_dir = args.data_dir.clone().map(|d| {
        if d.is_absolute() {
            d
        } else {
            std::env::current_dir().map_or(d.clone(), |c| c.join(&d))
        }
    });
    let overrides: reload::Overrides = Arc::new(move |raw: &mut Config| {
        if let Some(t) = transport {
            raw.server.transport = t;
        }
        if let Some(h) = &host {
            raw.server.host.clone_from(h);
        }
        if let Some(p) = port {
            raw.server.port = p;
        }
        if let Some(d) = &data_dir {
            raw.storage.data_dir = d.display().to_string();
        }
    });
    let path = config::config_path(args.config.config.clone());
    let o = overrides.clone();
    let settings = match config::load(path.clone(), move |raw| o(raw)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("secmcp: invalid configuration: {e}");
            return ExitCode::FAILURE;
        }
    };
    let log = match crate::logging::init(&settings.logging) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("secmcp: cannot open the log file: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("secmcp: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let options = Options {
        config_path: path,
        overrides: Some(overrides),
        log: Some(log),
    };
    let result = runtime.block_on(async move {
        // Bind before serving, so that a bad address fails the start.
        let listener = match settings.transport {
            Transport::Stdio => Listener::Stdio,
            Transport::Http => Listener::Http(
                transport::bind_http(settings.listen, settings.may_listen_publicly()).await?,
            ),
        };
        let (reload_tx, reload_rx) = mpsc::channel(1);
        tokio::spawn(forward_sighup(reload_tx));
        server::run(settings, listener, options, shutdown_signal(), reload_rx).await
    });
    // stdin may still be held by a blocking read; do not wait for it.
    runtime.shutdown_timeout(Duration::from_millis(100));
    match result {
        Ok(stopped) => stopped.exit_code(),
        Err(e) => {
            eprintln!("secmcp: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Turns each SIGHUP into a reload request.
async fn forward_sighup(requests: mpsc::Sender<()>) {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hup = match signal(SignalKind::hangup()) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "cannot watch SIGHUP; the config file is still watched");
            return;
        }
    };
    while hup.recv().await.is_some() {
        // A reload already pending covers this one too.
        let _ = requests.try_send(());
    }
}

/// The name of the first SIGTERM or SIGINT.
async fn shutdown_signal() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::warn!("cannot install signal handlers");
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    }
}
