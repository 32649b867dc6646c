//! [`inspect`]: what state a run database is in, without changing it. For
//! `secmcp doctor`: the database is opened read-only, never created, never
//! migrated.
//!
//! SQLite: a missing file is reported as such (the server creates it). An
//! existing file is opened `mode=ro`; when no `-wal`/`-shm` side files exist
//! (no server has it open, and the last one closed it cleanly, so every commit
//! is in the main file) it is also opened `immutable`, because a read-only
//! connection would otherwise create those side files, owned by whoever runs
//! the check — a server running as another user could then not open them.
//! PostgreSQL: one connection, bounded by the given timeout, that only reads.

use std::path::Path;
use std::time::Duration;

use sqlx::migrate::MigrationSource as _;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions as _, Connection as _, Row as _};

use crate::config::{Backend, StoreConfig, redact_url};
use crate::error::{StoreError, driver};
use crate::schema;

/// The schema state of a run database, against the migrations of this build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaState {
    /// The SQLite file does not exist yet: the server creates it at start.
    NoDatabase,
    /// The database exists and holds no schema yet: the server applies every
    /// migration at start.
    Empty,
    /// Every migration this build knows is applied, unchanged.
    Current {
        /// The schema version.
        version: i64,
    },
    /// Older than this build: the server applies the missing migrations at start.
    Behind {
        /// The newest applied version.
        version: i64,
        /// The version this build brings it to.
        latest: i64,
    },
    /// Written by a newer secmcp: this build refuses to start on it.
    Ahead {
        /// The newest applied version.
        version: i64,
        /// The newest version this build knows.
        latest: i64,
    },
    /// An applied migration differs from this build's (changed file, or a
    /// migration that failed halfway): the server refuses to start on it.
    Mismatch {
        /// The migration concerned.
        version: i64,
        /// What is wrong with it.
        what: &'static str,
    },
}

impl SchemaState {
    /// Whether a server of this build can start on the database (creating or
    /// migrating it as it does at every start).
    #[must_use]
    pub fn usable(&self) -> bool {
        !matches!(self, Self::Ahead { .. } | Self::Mismatch { .. })
    }
}

/// One applied migration as `_sqlx_migrations` holds it.
struct Applied {
    version: i64,
    checksum: Vec<u8>,
    success: bool,
}

/// Reads the schema state of `config`'s database without writing anything;
/// gives up after `timeout` (connect and queries together).
pub async fn inspect(config: &StoreConfig, timeout: Duration) -> Result<SchemaState, StoreError> {
    let timeout_ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
    match tokio::time::timeout(timeout, inspect_untimed(&config.backend)).await {
        Ok(r) => r,
        Err(_) => Err(StoreError::Timeout(timeout_ms)),
    }
}

async fn inspect_untimed(backend: &Backend) -> Result<SchemaState, StoreError> {
    let applied = match backend {
        Backend::Sqlite { path } => {
            if !path.exists() {
                return Ok(SchemaState::NoDatabase);
            }
            sqlite_applied(path).await?
        }
        Backend::Postgres { url, .. } => postgres_applied(url).await?,
    };
    compare(applied).await
}

async fn sqlite_applied(path: &Path) -> Result<Option<Vec<Applied>>, StoreError> {
    let open_err = |e: sqlx::Error| StoreError::Open {
        target: path.display().to_string(),
        reason: driver(&e),
    };
    let side = |suffix: &str| {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        Path::new(&p).exists()
    };
    let in_use = side("-wal") || side("-shm");
    let mut conn: SqliteConnection = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .immutable(!in_use)
        .create_if_missing(false)
        .connect()
        .await
        .map_err(open_err)?;
    let has_table: bool = sqlx::query(
        "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_one(&mut conn)
    .await
    .and_then(|r| r.try_get(0))
    .map_err(open_err)?;
    let rows = if has_table {
        Some(read_applied_sqlite(&mut conn).await.map_err(open_err)?)
    } else {
        None
    };
    let _ = conn.close().await;
    Ok(rows)
}

async fn read_applied_sqlite(conn: &mut SqliteConnection) -> Result<Vec<Applied>, sqlx::Error> {
    sqlx::query("SELECT version, checksum, success FROM _sqlx_migrations ORDER BY version")
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| {
            Ok(Applied {
                version: r.try_get(0)?,
                checksum: r.try_get(1)?,
                success: r.try_get(2)?,
            })
        })
        .collect()
}

async fn postgres_applied(url: &str) -> Result<Option<Vec<Applied>>, StoreError> {
    let target = redact_url(url);
    let open_err = |e: sqlx::Error| StoreError::Open {
        target: target.clone(),
        reason: driver(&e),
    };
    let options: PgConnectOptions = url.parse().map_err(open_err)?;
    let mut conn: PgConnection = options.connect().await.map_err(open_err)?;
    let has_table: bool = sqlx::query("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(&mut conn)
        .await
        .and_then(|r| r.try_get(0))
        .map_err(open_err)?;
    let rows = if has_table {
        let rows =
            sqlx::query("SELECT version, checksum, success FROM _sqlx_migrations ORDER BY version")
                .fetch_all(&mut conn)
                .await
                .map_err(open_err)?;
        Some(
            rows.iter()
                .map(|r| {
                    Ok(Applied {
                        version: r.try_get(0)?,
                        checksum: r.try_get(1)?,
                        success: r.try_get(2)?,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()
                .map_err(open_err)?,
        )
    } else {
        None
    };
    let _ = conn.close().await;
    Ok(rows)
}

/// Compares what is applied with this build's migrations, as sqlx's migrator
/// would at start.
async fn compare(applied: Option<Vec<Applied>>) -> Result<SchemaState, StoreError> {
    let Some(applied) = applied.filter(|a| !a.is_empty()) else {
        return Ok(SchemaState::Empty);
    };
    let known = schema::Embedded
        .resolve()
        .await
        .map_err(|e| StoreError::Migrate(e.to_string()))?;
    let latest = schema::latest();
    for a in &applied {
        if !a.success {
            return Ok(SchemaState::Mismatch {
                version: a.version,
                what: "failed halfway (marked unsuccessful)",
            });
        }
        match known.iter().find(|m| m.version == a.version) {
            Some(m) if *m.checksum != *a.checksum => {
                return Ok(SchemaState::Mismatch {
                    version: a.version,
                    what: "differs from this build's (checksum)",
                });
            }
            Some(_) => {}
            None if a.version > latest => {}
            None => {
                return Ok(SchemaState::Mismatch {
                    version: a.version,
                    what: "is unknown to this build",
                });
            }
        }
    }
    let version = applied.iter().map(|a| a.version).max().unwrap_or(0);
    Ok(if version > latest {
        SchemaState::Ahead { version, latest }
    } else if version < latest {
        SchemaState::Behind { version, latest }
    } else {
        SchemaState::Current { version }
    })
}
