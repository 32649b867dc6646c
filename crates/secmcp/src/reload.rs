//! Config hot reload: the config file is polled (modification time, size and
//! a hash of its content, once a second) and a reload request (SIGHUP, which
//! `main` turns into one) forces a reload. Each
//! reload builds a complete new `Settings` (defaults < file < environment <
//! command line, exactly as at startup) and validates it; only a valid one is
//! swapped in (`Core::apply`), atomically. A broken file keeps the old config
//! and is reported: an error log line, `config_reloads_total{result="failed"}`
//! and a degraded `config` health component.
//!
//! Settings that only take effect at startup (transport, listen address,
//! metrics prefix and port, log format and file) keep their running values;
//! a reload that changes them says so in the log.
//!
//! This module reads the config file and the environment; it never starts
//! anything.

use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::config::{Config, ConfigError, Settings};
use crate::dispatch::Core;
use crate::events::{ConfigReloaded, ReloadTrigger};
use crate::logging::LogHandle;

/// How often the config file is checked for changes.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// Command-line overrides re-applied on every reload.
pub type Overrides = Arc<dyn Fn(&mut Config) + Send + Sync>;

/// Watches the config file and SIGHUP, and reloads.
pub struct Reloader {
    core: Arc<Core>,
    path: Option<PathBuf>,
    overrides: Overrides,
    log: Option<LogHandle>,
}

impl std::fmt::Debug for Reloader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reloader")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Fingerprint {
    modified: Option<SystemTime>,
    len: u64,
    hash: u64,
}

fn fingerprint(path: &std::path::Path) -> Option<Fingerprint> {
    let meta = std::fs::metadata(path).ok()?;
    let bytes = std::fs::read(path).ok()?;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    Some(Fingerprint {
        modified: meta.modified().ok(),
        len: meta.len(),
        hash: h.finish(),
    })
}

/// What an agent may read about a rejected config (no filesystem path).
pub fn problem_text(e: &ConfigError) -> String {
    e.problems().join("; ")
}

/// Keeps the running values of settings that change only on restart; returns
/// the names of those the new config tried to change.
fn keep_restart_only(old: &Settings, new: &mut Settings) -> Vec<&'static str> {
    let mut kept = Vec::new();
    if new.transport != old.transport {
        new.transport = old.transport;
        kept.push("server.transport");
    }
    if new.listen != old.listen {
        new.listen = old.listen;
        kept.push("server.host/server.port");
    }
    if new.metrics.prefix != old.metrics.prefix {
        new.metrics.prefix.clone_from(&old.metrics.prefix);
        kept.push("metrics.prefix");
    }
    if new.metrics.prometheus_port != old.metrics.prometheus_port {
        new.metrics.prometheus_port = old.metrics.prometheus_port;
        kept.push("metrics.prometheus_port");
    }
    if new.audit != old.audit {
        new.audit.clone_from(&old.audit);
        kept.push("audit");
    }
    let (o, n) = (&old.logging, &mut new.logging);
    if (
        n.format,
        &n.file,
        n.max_file_bytes,
        n.rotate_daily,
        n.max_files,
    ) != (
        o.format,
        &o.file,
        o.max_file_bytes,
        o.rotate_daily,
        o.max_files,
    ) {
        let level = std::mem::take(&mut n.level);
        *n = o.clone();
        n.level = level;
        kept.push("logging.format/file/rotation");
    }
    kept
}

impl Reloader {
    /// A reloader for `core`'s config file (`None`: SIGHUP only, re-reading
    /// the environment) with the command line's `overrides`.
    pub fn new(
        core: Arc<Core>,
        path: Option<PathBuf>,
        overrides: Overrides,
        log: Option<LogHandle>,
    ) -> Self {
        Self {
            core,
            path,
            overrides,
            log,
        }
    }

    /// Watches until `stop` fires.
    /// Watches until `stop` fires; each message on `requests` (SIGHUP, sent
    /// by `main`) reloads at once.
    pub async fn run(self, stop: CancellationToken, mut requests: mpsc::Receiver<()>) {
        let mut requests_open = true;
        let mut last = self.path.as_deref().and_then(fingerprint);
        let mut tick = tokio::time::interval(POLL_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let request = async {
                if requests_open {
                    requests.recv().await
                } else {
                    std::future::pending().await
                }
            };
            tokio::select! {
                _ = tick.tick() => {
                    let Some(path) = self.path.as_deref() else { continue };
                    let now = fingerprint(path);
                    if now != last {
                        last = now;
                        self.reload(ReloadTrigger::FileChanged);
                    }
                }
                asked = request => match asked {
                    Some(()) => {
                        last = self.path.as_deref().and_then(fingerprint);
                        self.reload(ReloadTrigger::Signal);
                    }
                    None => requests_open = false,
                },
                () = stop.cancelled() => return,
            }
        }
    }

    /// Builds, validates and applies a new snapshot, or keeps the old one.
    pub fn reload(&self, trigger: ReloadTrigger) {
        let overrides = self.overrides.clone();
        let loaded = crate::config::load(self.path.clone(), move |raw| overrides(raw));
        let metrics = self.core.metrics().clone();
        match loaded {
            Ok(mut new) => {
                let old = self.core.snapshot();
                let kept = keep_restart_only(&old, &mut new);
                if !kept.is_empty() {
                    tracing::warn!(
                        fields = ?kept,
                        "these settings change only on restart; their running values stay"
                    );
                }
                if let Some(log) = &self.log {
                    log.set_level(&new.logging.level);
                }
                let tools_changed = self.core.apply(new);
                self.core.set_reload_error(None);
                ConfigReloaded {
                    trigger,
                    result: Ok(tools_changed),
                }
                .emit(&metrics);
            }
            Err(e) => {
                tracing::error!(error = %e, "config reload failed");
                let problem = problem_text(&e);
                self.core.set_reload_error(Some(problem.clone()));
                ConfigReloaded {
                    trigger,
                    result: Err(&problem),
                }
                .emit(&metrics);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restart_only_settings_keep_their_running_values() {
        let old = Settings::from_config(Config::default(), false).unwrap();
        let mut c = Config::default();
        c.server.port = 9999;
        c.metrics.prefix = "other".into();
        c.logging.level = "debug".into();
        c.logging.max_files = 9;
        c.security.allow_intrusive = true;
        let mut new = Settings::from_config(c, false).unwrap();
        let kept = keep_restart_only(&old, &mut new);
        assert_eq!(
            kept,
            [
                "server.host/server.port",
                "metrics.prefix",
                "logging.format/file/rotation"
            ]
        );
        assert_eq!(new.listen, old.listen);
        assert_eq!(new.metrics.prefix, "secmcp");
        assert_eq!(new.logging.level, "debug", "the level is reloadable");
        assert_eq!(new.logging.max_files, old.logging.max_files);
        assert!(new.policy.allow_intrusive, "everything else is taken");
    }

    #[test]
    fn problems_shown_to_agents_carry_no_path() {
        let e = ConfigError::Read {
            path: "/etc/secret/dir/c.yaml".into(),
            source: std::io::Error::other("x"),
        };
        assert_eq!(problem_text(&e), "the config file cannot be read");
        let e = ConfigError::Invalid {
            problems: vec![crate::validate::Problem {
                field: "security.allowed_targets[0]".into(),
                message: "bad".into(),
            }],
        };
        assert_eq!(problem_text(&e), "security.allowed_targets[0]: bad");
    }
}
