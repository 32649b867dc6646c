//! `storage`: where run records go and how much of each is kept. With
//! `database.url` set to a `postgresql://` URL the runs go to PostgreSQL
//! instead of the SQLite file under `data_dir`.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::validate::Problems;

/// `storage`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageConfig {
    /// Keep a record of every call (accepted or refused) and offer runs as
    /// resources. Off: nothing is written and no resource links are given.
    pub enabled: bool,
    /// Directory of the embedded SQLite database (`runs.db`). Empty: the
    /// per-user default ($XDG_DATA_HOME/secmcp, ~/.local/share/secmcp, or
    /// /var/lib/secmcp for root). Overridden by `--data-dir`.
    pub data_dir: String,
    /// Raw tool output kept per run, in bytes (stored compressed); longer
    /// output keeps its head and is marked truncated.
    pub max_raw_bytes: u64,
    /// Largest structuredContent a tool result carries, in bytes of JSON;
    /// a larger result keeps its summary and first items and points to the
    /// run's resource for the rest.
    pub result_budget_bytes: u64,
    /// Runs older than this many days are pruned in the background (0: kept
    /// until the size cap removes them).
    pub retention_days: u32,
    /// Stored size above which the oldest runs are pruned, in bytes (0: no cap).
    pub max_total_bytes: u64,
    /// The longest a call waits for its record to be written, in ms; a slower
    /// store leaves the call's record unkept (the result says so).
    pub write_timeout_ms: u64,
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            data_dir: String::new(),
            max_raw_bytes: 1024 * 1024,
            result_budget_bytes: 32 * 1024,
            retention_days: 90,
            max_total_bytes: 0,
            write_timeout_ms: 2000,
        }
    }
}

/// Validated storage settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageSettings {
    /// Whether runs are recorded.
    pub enabled: bool,
    /// The database.
    pub backend: secmcp_store::Backend,
    /// Raw output cap.
    pub max_raw_bytes: usize,
    /// Result budget.
    pub result_budget_bytes: usize,
    /// Retention by age.
    pub retention: Option<Duration>,
    /// Retention by size.
    pub max_total_bytes: Option<u64>,
    /// Per-operation time limit.
    pub write_timeout: Duration,
    /// Pool wait limit (`database.pool_timeout_secs`).
    pub acquire_timeout: Duration,
    /// PostgreSQL connections are replaced after this long
    /// (`database.pool_recycle_secs`; 0: never).
    pub max_lifetime: Option<Duration>,
}

impl StorageSettings {
    /// The store crate's view.
    pub fn store_config(&self) -> secmcp_store::StoreConfig {
        secmcp_store::StoreConfig {
            backend: self.backend.clone(),
            op_timeout: self.write_timeout,
            acquire_timeout: self.acquire_timeout,
            max_lifetime: self.max_lifetime,
        }
    }
}

/// The default data directory for this user.
pub fn default_data_dir() -> PathBuf {
    if let Some(x) = std::env::var_os(super::env_vars::XDG_DATA_HOME)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
    {
        return x.join("secmcp");
    }
    if nix::unistd::geteuid().is_root() {
        return PathBuf::from("/var/lib/secmcp");
    }
    match std::env::var_os(super::env_vars::HOME).filter(|v| !v.is_empty()) {
        Some(home) => PathBuf::from(home).join(".local/share/secmcp"),
        None => PathBuf::from("/var/lib/secmcp"),
    }
}

/// Checks `storage` and `database.url` together; every problem is reported.
pub fn validate(s: &StorageConfig, db: &DatabaseConfig, p: &mut Problems) -> StorageSettings {
    p.range("storage", "max_raw_bytes", s.max_raw_bytes, 0, 1 << 30);
    p.range(
        "storage",
        "result_budget_bytes",
        s.result_budget_bytes,
        1024,
        16 << 20,
    );
    p.range(
        "storage",
        "retention_days",
        s.retention_days.into(),
        0,
        36_500,
    );
    p.range(
        "storage",
        "write_timeout_ms",
        s.write_timeout_ms,
        10,
        60_000,
    );
    if s.max_total_bytes != 0 {
        p.range(
            "storage",
            "max_total_bytes",
            s.max_total_bytes,
            1 << 20,
            u64::MAX,
        );
    }
    let url = db.url.trim();
    let dir = if s.data_dir.is_empty() {
        default_data_dir()
    } else {
        let d = PathBuf::from(&s.data_dir);
        if !d.is_absolute() {
            p.error(
                "storage.data_dir",
                format!(
                    "`{}` is not an absolute directory path (--data-dir may be relative; the file and MCP_DATA_DIR may not)",
                    s.data_dir
                ),
            );
        }
        d
    };
    let backend = if url.is_empty() {
        secmcp_store::Backend::Sqlite {
            path: dir.join("runs.db"),
        }
    } else {
        let scheme_ok = url.starts_with("postgresql://") || url.starts_with("postgres://");
        if !scheme_ok {
            // Only the scheme is shown: a value that is not a URL (no `://`,
            // `user:password@host`) has no userinfo for redaction to find.
            let what = match scheme_of(url) {
                Some(scheme) => format!("`{scheme}:` is not a PostgreSQL URL scheme"),
                None => "it does not start with a URL scheme".to_owned(),
            };
            p.error(
                "database.url",
                format!(
                    "{what}; use postgresql://user:password@host:port/database, or leave it empty for the embedded SQLite store"
                ),
            );
        }
        secmcp_store::Backend::Postgres {
            url: url.to_owned(),
            pool_size: db.pool_size,
            max_overflow: db.max_overflow,
        }
    };
    StorageSettings {
        enabled: s.enabled,
        backend,
        max_raw_bytes: usize::try_from(s.max_raw_bytes).unwrap_or(usize::MAX),
        result_budget_bytes: usize::try_from(s.result_budget_bytes).unwrap_or(usize::MAX),
        retention: (s.retention_days != 0)
            .then(|| Duration::from_secs(u64::from(s.retention_days) * 86_400)),
        max_total_bytes: (s.max_total_bytes != 0).then_some(s.max_total_bytes),
        write_timeout: Duration::from_millis(s.write_timeout_ms),
        acquire_timeout: Duration::from_secs(db.pool_timeout_secs.clamp(1, 3600)),
        max_lifetime: (db.pool_recycle_secs != 0)
            .then(|| Duration::from_secs(db.pool_recycle_secs)),
    }
}

/// The scheme `url` starts with (`mysql` of `mysql://...`), when it starts
/// with one followed by `://`; never anything after it.
fn scheme_of(url: &str) -> Option<&str> {
    let (scheme, _) = url.split_once("://")?;
    let mut chars = scheme.chars();
    (chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
        && scheme.len() <= 32)
        .then_some(scheme)
}

/// `database` (the original design's section).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// Database URL; credentials in it are never printed.
    pub url: String,
    /// Connections kept open.
    pub pool_size: u32,
    /// Connections opened beyond `pool_size` under load.
    pub max_overflow: u32,
    /// Seconds a call waits for a connection.
    pub pool_timeout_secs: u64,
    /// Seconds after which a PostgreSQL connection is closed and replaced
    /// (0: never). The pool also checks each connection before use.
    pub pool_recycle_secs: u64,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: String::new(),
            pool_size: 10,
            max_overflow: 20,
            pool_timeout_secs: 30,
            pool_recycle_secs: 3600,
        }
    }
}
