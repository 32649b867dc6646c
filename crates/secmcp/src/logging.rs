//! Log setup: `tracing` to stderr or a rotating file, human or JSON, with a
//! level filter that a config reload can change.
//!
//! Every line of a call carries its correlation id through the call span
//! (`dispatch`); user-supplied strings are passed through `redact` by the
//! code that logs them. This module must not log secrets itself and never
//! writes to stdout (stdout carries the protocol on stdio).

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use tracing_subscriber::fmt::writer::BoxMakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry, reload};

use crate::config::{LogFormat, LoggingConfig};

/// Changes the level of the installed logger (after a config reload).
#[derive(Clone)]
pub struct LogHandle {
    filter: reload::Handle<EnvFilter, Registry>,
}

impl std::fmt::Debug for LogHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LogHandle")
    }
}

impl LogHandle {
    /// Applies a new level filter; an invalid one is ignored (the config
    /// check rejects it before this is called).
    pub fn set_level(&self, level: &str) {
        if let Ok(filter) = EnvFilter::try_new(filter_spec(level)) {
            let _ = self.filter.reload(filter);
        }
    }
}

/// rmcp's own info lines (whole peer descriptions) drown the audit trail;
/// keep them at warn unless the operator's filter names rmcp itself.
fn filter_spec(level: &str) -> String {
    if level.contains("rmcp") {
        level.to_owned()
    } else {
        format!("{level},rmcp=warn")
    }
}

/// Installs the global logger. Fails only when the log file cannot be opened.
pub fn init(cfg: &LoggingConfig) -> io::Result<LogHandle> {
    let filter = EnvFilter::try_new(filter_spec(&cfg.level))
        .unwrap_or_else(|_| EnvFilter::new("info,rmcp=warn"));
    let (filter, handle) = reload::Layer::new(filter);
    let writer = if cfg.file.is_empty() {
        BoxMakeWriter::new(io::stderr)
    } else {
        BoxMakeWriter::new(Arc::new(RotatingFile::open(
            PathBuf::from(&cfg.file),
            cfg.max_file_bytes,
            cfg.rotate_daily,
            cfg.max_files,
        )?))
    };
    type Inner = tracing_subscriber::layer::Layered<reload::Layer<EnvFilter, Registry>, Registry>;
    // Events carry a `target` field of their own (the scanned target), so the
    // tracing target (module path) is left out.
    let fmt: Box<dyn Layer<Inner> + Send + Sync> = match cfg.format {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .with_writer(writer)
            .with_target(false)
            .json()
            .flatten_event(true)
            .with_span_list(false)
            .boxed(),
        LogFormat::Human => tracing_subscriber::fmt::layer()
            .with_writer(writer)
            .with_target(false)
            .with_ansi(false)
            .boxed(),
    };
    // A second init (tests) keeps the first logger.
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(fmt.with_filter(ClientGone))
        .try_init();
    Ok(LogHandle { filter: handle })
}

/// rmcp reports a response it could not deliver because the client had gone
/// (its session channel closed, its pipe broken) at ERROR. A client going
/// away is not a server error: those lines are dropped; every other rmcp
/// error still shows.
#[derive(Debug, Clone, Copy)]
pub struct ClientGone;

/// rmcp's messages for a response it could not send.
const RMCP_SEND_FAILURES: [&str; 4] = [
    "failed to send pending response during drain",
    "fail to response message",
    "response send task failed",
    "fail to send rejection error",
];

impl ClientGone {
    /// Whether `event` is one of rmcp's "the client went away" errors.
    pub fn is_client_gone(event: &tracing::Event<'_>) -> bool {
        let meta = event.metadata();
        if *meta.level() != tracing::Level::ERROR || !meta.target().starts_with("rmcp") {
            return false;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        let gone = [
            "channel closed",
            "closed channel",
            "Broken pipe",
            "Connection reset",
        ];
        RMCP_SEND_FAILURES.contains(&fields.message.as_str())
            && gone.iter().any(|g| fields.error.contains(g))
    }
}

#[derive(Default)]
struct Fields {
    message: String,
    error: String,
}

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "message" => self.message = format!("{value:?}"),
            "error" => self.error = format!("{value:?}"),
            _ => {}
        }
    }

    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        match field.name() {
            "message" => value.clone_into(&mut self.message),
            "error" => value.clone_into(&mut self.error),
            _ => {}
        }
    }
}

impl<S> tracing_subscriber::layer::Filter<S> for ClientGone {
    fn enabled(
        &self,
        _meta: &tracing::Metadata<'_>,
        _cx: &tracing_subscriber::layer::Context<'_, S>,
    ) -> bool {
        true
    }

    fn event_enabled(
        &self,
        event: &tracing::Event<'_>,
        _cx: &tracing_subscriber::layer::Context<'_, S>,
    ) -> bool {
        !Self::is_client_gone(event)
    }
}

/// A log file rotated by size and/or at UTC midnight: `FILE` is current,
/// `FILE.1` the newest rotated one, up to `FILE.<max_files>`.
#[derive(Debug)]
pub struct RotatingFile {
    state: Mutex<FileState>,
}

#[derive(Debug)]
struct FileState {
    path: PathBuf,
    file: File,
    size: u64,
    day: u64,
    max_bytes: u64,
    daily: bool,
    max_files: u32,
}

fn today() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400)
}

fn open_append(path: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

impl RotatingFile {
    /// Opens (appends to) `path`; `max_bytes` 0 means no size rotation.
    pub fn open(path: PathBuf, max_bytes: u64, daily: bool, max_files: u32) -> io::Result<Self> {
        let file = open_append(&path)?;
        let size = file.metadata()?.len();
        Ok(Self {
            state: Mutex::new(FileState {
                path,
                file,
                size,
                day: today(),
                max_bytes,
                daily,
                max_files: max_files.max(1),
            }),
        })
    }
}

impl FileState {
    fn rotated(&self, n: u32) -> PathBuf {
        let mut p = self.path.clone().into_os_string();
        p.push(format!(".{n}"));
        PathBuf::from(p)
    }

    fn rotate(&mut self) -> io::Result<()> {
        self.file.flush()?;
        let _ = std::fs::remove_file(self.rotated(self.max_files));
        for n in (1..self.max_files).rev() {
            let from = self.rotated(n);
            if from.exists() {
                std::fs::rename(&from, self.rotated(n + 1))?;
            }
        }
        std::fs::rename(&self.path, self.rotated(1))?;
        self.file = open_append(&self.path)?;
        self.size = 0;
        Ok(())
    }
}

impl Write for &RotatingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let by_size = s.max_bytes > 0 && s.size > 0 && s.size + buf.len() as u64 > s.max_bytes;
        let day = today();
        let by_day = s.daily && day != s.day;
        if by_size || by_day {
            s.day = day;
            // A failed rotation keeps writing to the current file.
            let _ = s.rotate();
        }
        s.file.write_all(buf)?;
        s.size += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        s.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotates_by_size_and_keeps_max_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secmcp.log");
        let f = RotatingFile::open(path.clone(), 100, false, 2).unwrap();
        let line = [b'x'; 60];
        for _ in 0..5 {
            (&f).write_all(&line).unwrap();
        }
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 60);
        assert!(dir.path().join("secmcp.log.1").exists());
        assert!(dir.path().join("secmcp.log.2").exists());
        assert!(!dir.path().join("secmcp.log.3").exists());
    }

    #[test]
    fn no_size_rotation_when_zero() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.log");
        let f = RotatingFile::open(path.clone(), 0, false, 2).unwrap();
        for _ in 0..10 {
            (&f).write_all(&[b'y'; 100]).unwrap();
        }
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 1000);
        assert!(!dir.path().join("a.log.1").exists());
    }

    #[test]
    fn rmcp_is_quiet_unless_named() {
        assert_eq!(filter_spec("debug"), "debug,rmcp=warn");
        assert_eq!(filter_spec("rmcp=debug"), "rmcp=debug");
    }

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);

    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_client_going_away_is_not_logged_as_an_error() {
        let buf = Buf::default();
        let out = buf.clone();
        let layer = tracing_subscriber::fmt::layer()
            .with_writer(move || out.clone())
            .with_ansi(false)
            .with_filter(ClientGone);
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            tracing::error!(target: "rmcp::service", error = "channel closed", "failed to send pending response during drain");
            tracing::error!(target: "rmcp::service", error = %"Broken pipe (os error 32)", "fail to response message");
            tracing::error!(target: "rmcp::service", error = "serde error", "fail to response message");
            tracing::error!(target: "secmcp", error = "channel closed", "failed to send pending response during drain");
        });
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(
            text.contains("serde error") && !text.contains("Broken pipe"),
            "{text}"
        );
    }
}
