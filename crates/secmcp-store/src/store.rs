//! [`Store`]: one interface over the two backends. Every query is written once
//! (`$n` placeholders, which both drivers accept) and run on whichever pool is
//! open; `on_pool!` repeats the same code for each pool type, so there is no
//! `Any` driver and no per-backend SQL.

use std::future::Future;
use std::path::Path;
use std::time::Duration;

use sqlx::Row;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::compress;
use crate::config::{Backend, StoreConfig};
use crate::error::{StoreError, driver};
use crate::record::{
    Decision, ListQuery, NewRun, Page, RunRecord, RunSummary, TaskRow, decode_cursor,
    encode_cursor, is_run_id,
};
use crate::schema;

/// The most addresses one listing may filter on.
const MAX_FILTER_ADDRESSES: usize = 4096;
/// Runs a kept task still points at: pruning leaves them (their task's TTL
/// ends them; expired tasks are removed at start).
const TASK_RUNS: &str = "SELECT run_id FROM tasks WHERE run_id IS NOT NULL";
/// Rows deleted per statement while pruning (keeps each transaction short).
const PRUNE_BATCH: i64 = 500;

#[derive(Debug, Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same block on whichever pool is open.
macro_rules! on_pool {
    ($self:expr, $pool:ident => $body:expr) => {
        match &$self.pool {
            Pool::Sqlite($pool) => $body,
            Pool::Postgres($pool) => $body,
        }
    };
}

/// A pooled connection for one write. It goes back to the pool only once
/// its transaction committed; after an error, a timeout or a cancelled call it
/// is closed instead, and closing makes the database roll back whatever was
/// left open. A SQLite connection whose statement or COMMIT failed with
/// SQLITE_FULL may stay inside its transaction (SQLite leaves the rollback to
/// the caller for that error), and sqlx would then turn every later
/// `BEGIN`/`COMMIT` on it into a savepoint and its release: writes reported as
/// committed, seen only by that connection, gone when it closes.
struct WriteConn<DB: sqlx::Database> {
    conn: Option<sqlx::pool::PoolConnection<DB>>,
    committed: bool,
}

impl<DB: sqlx::Database> WriteConn<DB> {
    async fn acquire(pool: &sqlx::Pool<DB>) -> Result<Self, StoreError> {
        let conn = pool
            .acquire()
            .await
            .map_err(|e| StoreError::Query(driver(&e)))?;
        Ok(Self {
            conn: Some(conn),
            committed: false,
        })
    }

    /// The write committed: the connection may serve the next caller.
    fn committed(&mut self) {
        self.committed = true;
    }

    async fn begin(&mut self) -> Result<sqlx::Transaction<'_, DB>, sqlx::Error> {
        match self.conn.as_mut() {
            Some(c) => sqlx::Connection::begin(&mut **c).await,
            None => Err(sqlx::Error::PoolClosed),
        }
    }
}

impl<DB: sqlx::Database> Drop for WriteConn<DB> {
    fn drop(&mut self) {
        if !self.committed
            && let Some(c) = self.conn.take()
        {
            // Detached, the connection is closed when dropped; the pool opens
            // a fresh one when it needs it.
            drop(c.detach());
        }
    }
}

mod approvals;
mod shared;

pub use approvals::MIN_APPROVAL_PREFIX;

/// The run store. Cheap to clone (a pool handle).
#[derive(Debug, Clone)]
pub struct Store {
    pool: Pool,
    backend: Backend,
    op_timeout: Duration,
}

/// What pruning may remove.
#[derive(Debug, Clone, Default)]
pub struct PruneLimits {
    /// Remove runs that arrived before this time (Unix ms).
    pub older_than_ms: Option<i64>,
    /// Then remove the oldest runs until the stored payloads are at most this size.
    pub max_total_bytes: Option<u64>,
    /// Never remove these runs (e.g. referenced by a task still running).
    pub keep: Vec<String>,
}

enum Param {
    Text(String),
    Int(i64),
}

const SUMMARY_COLUMNS: &str =
    "id, started_at_ms, duration_ms, tool, target, decision, outcome, summary, pinned, owner";
const RECORD_COLUMNS: &str = "id, started_at_ms, duration_ms, run_ms, client, owner, correlation_id, tool, target, \
     arguments, pinned, argv, decision, code, reason, outcome, summary, structured, raw_bytes, raw_truncated";

impl Store {
    /// Opens (and for SQLite creates) the database and applies every migration
    /// this build knows. Fails if the database has a newer schema.
    pub async fn open(config: &StoreConfig) -> Result<Self, StoreError> {
        let pool = match &config.backend {
            Backend::Sqlite { path } => Pool::Sqlite(open_sqlite(path, config).await?),
            Backend::Postgres {
                url,
                pool_size,
                max_overflow,
            } => Pool::Postgres(open_postgres(url, *pool_size, *max_overflow, config).await?),
        };
        let store = Self {
            pool,
            backend: config.backend.clone(),
            op_timeout: config.op_timeout,
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let migrator = Migrator::new(schema::Embedded)
            .await
            .map_err(|e| StoreError::Migrate(e.to_string()))?;
        let newest: Option<i64> = on_pool!(self, pool => {
            migrator.run(pool).await.map_err(|e| StoreError::Migrate(crate::config::redact_url(&e.to_string())))?;
            sqlx::query("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(pool)
                .await
                .and_then(|r| r.try_get::<Option<i64>, _>(0))
                .map_err(|e| StoreError::Migrate(driver(&e)))?
        });
        if newest != Some(schema::latest()) {
            return Err(StoreError::Migrate(format!(
                "schema version {newest:?} after migrating, expected {}",
                schema::latest()
            )));
        }
        Ok(())
    }

    /// Which database this is (safe to print).
    #[must_use]
    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// The schema version this build applies.
    #[must_use]
    pub fn schema_version() -> i64 {
        schema::latest()
    }

    async fn timed<T>(
        &self,
        f: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        match tokio::time::timeout(self.op_timeout, f).await {
            Ok(r) => r,
            Err(_) => Err(StoreError::Timeout(
                u64::try_from(self.op_timeout.as_millis()).unwrap_or(u64::MAX),
            )),
        }
    }

    /// Keeps one run; returns its id once it is committed.
    pub async fn insert(&self, run: &NewRun) -> Result<String, StoreError> {
        let id = uuid::Uuid::now_v7().hyphenated().to_string();
        let arguments = run.arguments.to_string();
        let pinned = json_list(&run.pinned);
        let argv = json_list(&run.argv);
        let structured = run
            .structured
            .as_ref()
            .map_or_else(String::new, serde_json::Value::to_string);
        let raw = (!run.raw.is_empty()).then(|| compress::deflate(&run.raw));
        let size = arguments.len()
            + argv.len()
            + run.summary.len()
            + structured.len()
            + raw.as_ref().map_or(0, Vec::len);
        let size = i64::try_from(size).unwrap_or(i64::MAX);
        let raw_bytes = i64::try_from(run.raw.len()).unwrap_or(i64::MAX);
        self.timed(async {
            on_pool!(self, pool => {
                let mut conn = WriteConn::acquire(pool).await?;
                let mut tx = conn.begin().await.map_err(|e| StoreError::Query(driver(&e)))?;
                sqlx::query(
                    "INSERT INTO runs (id, started_at_ms, duration_ms, run_ms, client, correlation_id, tool, \
                     target, arguments, pinned, argv, decision, code, reason, outcome, summary, structured, \
                     raw, raw_bytes, raw_truncated, size_bytes, owner) VALUES ($1, $2, $3, $4, $5, $6, $7, \
                     $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)",
                )
                .bind(&id)
                .bind(run.started_at_ms)
                .bind(run.duration_ms)
                .bind(run.run_ms)
                .bind(&run.client)
                .bind(&run.correlation_id)
                .bind(&run.tool)
                .bind(&run.target)
                .bind(&arguments)
                .bind(&pinned)
                .bind(&argv)
                .bind(run.decision.as_str())
                .bind(&run.code)
                .bind(&run.reason)
                .bind(&run.outcome)
                .bind(&run.summary)
                .bind(&structured)
                .bind(raw.as_deref())
                .bind(raw_bytes)
                .bind(i64::from(run.raw_truncated))
                .bind(size)
                .bind(&run.owner)
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::Query(driver(&e)))?;
                for address in &run.pinned {
                    sqlx::query("INSERT INTO run_addresses (run_id, address) VALUES ($1, $2)")
                        .bind(&id)
                        .bind(address)
                        .execute(&mut *tx)
                        .await
                        .map_err(|e| StoreError::Query(driver(&e)))?;
                }
                tx.commit().await.map_err(|e| StoreError::Query(driver(&e)))?;
                conn.committed();
            });
            Ok(())
        })
        .await?;
        Ok(id)
    }

    /// One run with everything but the raw output; `None` when there is none
    /// with this id (malformed ids included).
    pub async fn get(&self, id: &str) -> Result<Option<RunRecord>, StoreError> {
        if !is_run_id(id) {
            return Ok(None);
        }
        let sql = format!("SELECT {RECORD_COLUMNS} FROM runs WHERE id = $1");
        self.timed(async {
            on_pool!(self, pool => {
                let row = sqlx::query(&sql)
                    .bind(id)
                    .fetch_optional(pool)
                    .await
                    .map_err(|e| StoreError::Query(driver(&e)))?;
                match row {
                    None => Ok(None),
                    Some(r) => {
                        let text = |c: &str| r.try_get::<String, _>(c).map_err(|e| StoreError::Corrupt(e.to_string()));
                        let int = |c: &str| r.try_get::<i64, _>(c).map_err(|e| StoreError::Corrupt(e.to_string()));
                        let structured = text("structured")?;
                        Ok(Some(RunRecord {
                            id: text("id")?,
                            started_at_ms: int("started_at_ms")?,
                            duration_ms: int("duration_ms")?,
                            run_ms: int("run_ms")?,
                            client: text("client")?,
                            owner: text("owner")?,
                            correlation_id: text("correlation_id")?,
                            tool: text("tool")?,
                            target: text("target")?,
                            arguments: parse_json(&text("arguments")?)?,
                            pinned: parse_list(&text("pinned")?)?,
                            argv: parse_list(&text("argv")?)?,
                            decision: Decision::parse(&text("decision")?),
                            code: text("code")?,
                            reason: text("reason")?,
                            outcome: text("outcome")?,
                            summary: text("summary")?,
                            structured: if structured.is_empty() { None } else { Some(parse_json(&structured)?) },
                            raw_bytes: int("raw_bytes")?,
                            raw_truncated: int("raw_truncated")? != 0,
                        }))
                    }
                }
            })
        })
        .await
    }

    /// The raw tool output of a run (decompressed) and whether it was cut;
    /// `None` when there is no such run.
    pub async fn raw(&self, id: &str) -> Result<Option<(Vec<u8>, bool)>, StoreError> {
        if !is_run_id(id) {
            return Ok(None);
        }
        let found: Option<(Option<Vec<u8>>, i64, i64)> = self
            .timed(async {
                on_pool!(self, pool => {
                    sqlx::query("SELECT raw, raw_bytes, raw_truncated FROM runs WHERE id = $1")
                        .bind(id)
                        .fetch_optional(pool)
                        .await
                        .map_err(|e| StoreError::Query(driver(&e)))?
                        .map(|r| -> Result<_, sqlx::Error> {
                            Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))
                        })
                        .transpose()
                        .map_err(|e| StoreError::Corrupt(e.to_string()))
                })
            })
            .await?;
        let Some((data, len, truncated)) = found else {
            return Ok(None);
        };
        let raw = match data {
            None => Vec::new(),
            Some(z) => compress::inflate(&z, u64::try_from(len).unwrap_or(0))
                .map_err(StoreError::Corrupt)?,
        };
        Ok(Some((raw, truncated != 0)))
    }

    /// Runs matching `q`, newest first, one page. A cursor this store did not
    /// make is an error the caller should report as invalid input.
    pub async fn list(&self, q: &ListQuery) -> Result<Page, StoreError> {
        let limit = i64::from(q.limit.clamp(1, 1000));
        let mut clauses: Vec<String> = Vec::new();
        let mut params: Vec<Param> = Vec::new();
        let mut push = |clause: &str, p: Param, params: &mut Vec<Param>| {
            params.push(p);
            clauses.push(clause.replace("?", &format!("${}", params.len())));
        };
        if let Some(c) = &q.cursor {
            let id = decode_cursor(c).ok_or_else(|| StoreError::Query("invalid cursor".into()))?;
            push("id < ?", Param::Text(id), &mut params);
        }
        if let Some(t) = &q.tool {
            push("tool = ?", Param::Text(t.clone()), &mut params);
        }
        if let Some(t) = &q.target {
            push("target = ?", Param::Text(t.clone()), &mut params);
        }
        if let Some(s) = q.since_ms {
            push("started_at_ms >= ?", Param::Int(s), &mut params);
        }
        if let Some(u) = q.until_ms {
            push("started_at_ms < ?", Param::Int(u), &mut params);
        }
        if q.accepted_only {
            push("decision = ?", Param::Text("accepted".into()), &mut params);
        }
        if let Some(o) = &q.owner {
            push("owner = ?", Param::Text(o.clone()), &mut params);
        }
        if let Some(addrs) = &q.addresses {
            if addrs.is_empty() {
                return Ok(Page {
                    runs: Vec::new(),
                    next_cursor: None,
                });
            }
            // Pinned to one of them, or (a refused call pins nothing) given as one.
            let marks = |params: &mut Vec<Param>| {
                let mut m = Vec::new();
                for a in addrs.iter().take(MAX_FILTER_ADDRESSES) {
                    params.push(Param::Text(a.clone()));
                    m.push(format!("${}", params.len()));
                }
                m.join(", ")
            };
            let pinned = marks(&mut params);
            let given = marks(&mut params);
            clauses.push(format!(
                "(id IN (SELECT run_id FROM run_addresses WHERE address IN ({pinned})) OR target IN ({given}))"
            ));
        }
        let filter = if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        };
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM runs {filter} ORDER BY id DESC LIMIT {}",
            limit + 1
        );
        let mut runs: Vec<RunSummary> = self
            .timed(async {
                on_pool!(self, pool => {
                    let mut query = sqlx::query(&sql);
                    for p in &params {
                        query = match p {
                            Param::Text(s) => query.bind(s.as_str()),
                            Param::Int(i) => query.bind(*i),
                        };
                    }
                    let rows = query.fetch_all(pool).await.map_err(|e| StoreError::Query(driver(&e)))?;
                    rows.iter()
                        .map(|r| -> Result<RunSummary, sqlx::Error> {
                            Ok(RunSummary {
                                id: r.try_get(0)?,
                                started_at_ms: r.try_get(1)?,
                                duration_ms: r.try_get(2)?,
                                tool: r.try_get(3)?,
                                target: r.try_get(4)?,
                                decision: Decision::parse(&r.try_get::<String, _>(5)?),
                                outcome: r.try_get(6)?,
                                summary: r.try_get(7)?,
                                pinned: serde_json::from_str(&r.try_get::<String, _>(8)?)
                                    .unwrap_or_default(),
                                owner: r.try_get(9)?,
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|e| StoreError::Corrupt(e.to_string()))
                })
            })
            .await?;
        let more = runs.len() > usize::try_from(limit).unwrap_or(usize::MAX);
        runs.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let next_cursor = if more {
            runs.last().map(|r| encode_cursor(&r.id))
        } else {
            None
        };
        Ok(Page { runs, next_cursor })
    }

    /// Writes a task's row (insert, or replace its state).
    pub async fn put_task(&self, t: &TaskRow) -> Result<(), StoreError> {
        self.timed(async {
            on_pool!(self, pool => {
                let mut conn = WriteConn::acquire(pool).await?;
                let mut tx = conn.begin().await.map_err(|e| StoreError::Query(driver(&e)))?;
                sqlx::query("DELETE FROM tasks WHERE id = $1")
                    .bind(&t.id)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| StoreError::Query(driver(&e)))?;
                sqlx::query(
                    "INSERT INTO tasks (id, owner, tool, status, message, run_id, created_at_ms, \
                     updated_at_ms, ttl_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(&t.id)
                .bind(&t.owner)
                .bind(&t.tool)
                .bind(&t.status)
                .bind(&t.message)
                .bind(t.run_id.as_deref())
                .bind(t.created_at_ms)
                .bind(t.updated_at_ms)
                .bind(t.ttl_ms)
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::Query(driver(&e)))?;
                tx.commit().await.map_err(|e| StoreError::Query(driver(&e)))?;
                conn.committed();
                Ok(())
            })
        })
        .await
    }

    /// A task's row, if kept.
    pub async fn get_task(&self, id: &str) -> Result<Option<TaskRow>, StoreError> {
        self.timed(async {
            on_pool!(self, pool => {
                let row = sqlx::query(
                    "SELECT id, owner, tool, status, message, run_id, created_at_ms, updated_at_ms, \
                     ttl_ms FROM tasks WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(pool)
                .await
                .map_err(|e| StoreError::Query(driver(&e)))?;
                row.map(|r| -> Result<TaskRow, sqlx::Error> {
                    Ok(TaskRow {
                        id: r.try_get(0)?,
                        owner: r.try_get(1)?,
                        tool: r.try_get(2)?,
                        status: r.try_get(3)?,
                        message: r.try_get(4)?,
                        run_id: r.try_get(5)?,
                        created_at_ms: r.try_get(6)?,
                        updated_at_ms: r.try_get(7)?,
                        ttl_ms: r.try_get(8)?,
                    })
                })
                .transpose()
                .map_err(|e| StoreError::Corrupt(e.to_string()))
            })
        })
        .await
    }

    /// Removes tasks past their TTL (their runs may then be pruned).
    pub async fn remove_expired_tasks(&self, now_ms: i64) -> Result<u64, StoreError> {
        self.timed(async {
            on_pool!(self, pool => {
                sqlx::query("DELETE FROM tasks WHERE updated_at_ms + ttl_ms < $1")
                    .bind(now_ms)
                    .execute(pool)
                    .await
                    .map(|r| r.rows_affected())
                    .map_err(|e| StoreError::Query(driver(&e)))
            })
        })
        .await
    }

    /// Marks every task still `working` as `failed` with `message` (at start:
    /// the process that ran them is gone), after removing tasks past their
    /// TTL. Returns how many were marked.
    pub async fn fail_unfinished_tasks(
        &self,
        message: &str,
        now_ms: i64,
    ) -> Result<u64, StoreError> {
        self.remove_expired_tasks(now_ms).await?;
        self.timed(async {
            on_pool!(self, pool => {
                sqlx::query("UPDATE tasks SET status = 'failed', message = $1, updated_at_ms = $2 WHERE status = 'working'")
                    .bind(message)
                    .bind(now_ms)
                    .execute(pool)
                    .await
                    .map(|r| r.rows_affected())
                    .map_err(|e| StoreError::Query(driver(&e)))
            })
        })
        .await
    }

    /// How many runs are kept, and their stored size in bytes.
    pub async fn totals(&self) -> Result<(u64, u64), StoreError> {
        self.timed(async {
            on_pool!(self, pool => {
                let r = sqlx::query("SELECT COUNT(*), CAST(COALESCE(SUM(size_bytes), 0) AS BIGINT) FROM runs")
                    .fetch_one(pool)
                    .await
                    .map_err(|e| StoreError::Query(driver(&e)))?;
                let n: i64 = r.try_get(0).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                // SUM is NUMERIC on PostgreSQL: the CAST makes it BIGINT on both.
                let size: i64 = r.try_get(1).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                Ok((u64::try_from(n).unwrap_or(0), u64::try_from(size).unwrap_or(0)))
            })
        })
        .await
    }

    /// Answers when the database is reachable.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.timed(async {
            on_pool!(self, pool => {
                sqlx::query("SELECT 1").execute(pool).await.map_err(|e| StoreError::Query(driver(&e)))?;
            });
            Ok(())
        })
        .await
    }

    /// Removes old runs, then the oldest until the size cap holds; never a run
    /// in `keep`. Returns how many were removed.
    pub async fn prune(&self, limits: &PruneLimits) -> Result<u64, StoreError> {
        let mut removed = 0u64;
        let keep = |params: &mut Vec<String>| -> String {
            if limits.keep.is_empty() {
                return String::new();
            }
            let marks: Vec<String> = limits
                .keep
                .iter()
                .map(|k| {
                    params.push(k.clone());
                    format!("${}", params.len() + 1)
                })
                .collect();
            format!(" AND id NOT IN ({})", marks.join(", "))
        };
        if let Some(cutoff) = limits.older_than_ms {
            let mut keeps = Vec::new();
            let not_kept = keep(&mut keeps);
            let sql = format!(
                "DELETE FROM runs WHERE started_at_ms < $1{not_kept} AND id NOT IN ({TASK_RUNS})"
            );
            removed += self
                .timed(async {
                    on_pool!(self, pool => {
                        let mut q = sqlx::query(&sql).bind(cutoff);
                        for k in &keeps {
                            q = q.bind(k.as_str());
                        }
                        q.execute(pool).await.map(|r| r.rows_affected()).map_err(|e| StoreError::Query(driver(&e)))
                    })
                })
                .await?;
            // Decided approvals and the audit copy age out with the runs (a
            // pending approval is left to its own expiry).
            self.prune_side_tables(cutoff).await?;
        }
        if let Some(cap) = limits.max_total_bytes {
            loop {
                let (_, size) = self.totals().await?;
                if size <= cap {
                    break;
                }
                let mut keeps = Vec::new();
                let not_kept = keep(&mut keeps);
                let sql = format!(
                    "DELETE FROM runs WHERE id IN (SELECT id FROM runs WHERE id <> $1{not_kept} AND id NOT IN ({TASK_RUNS}) ORDER BY id LIMIT {PRUNE_BATCH})"
                );
                let n = self
                    .timed(async {
                        on_pool!(self, pool => {
                            let mut q = sqlx::query(&sql).bind("");
                            for k in &keeps {
                                q = q.bind(k.as_str());
                            }
                            q.execute(pool).await.map(|r| r.rows_affected()).map_err(|e| StoreError::Query(driver(&e)))
                        })
                    })
                    .await?;
                removed += n;
                if n == 0 {
                    break;
                }
            }
        }
        Ok(removed)
    }

    /// Closes the pool (waits for connections to be returned).
    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await);
    }
}

async fn open_sqlite(path: &Path, config: &StoreConfig) -> Result<SqlitePool, StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        ensure_writable_dir(dir)?;
    }
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        // WAL: readers never block the writer. NORMAL: a commit is in the WAL
        // (the OS's page cache) when it returns, so a killed server loses no
        // committed run; only a power loss can take the last commits.
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(config.op_timeout);
    SqlitePoolOptions::new()
        .min_connections(1)
        .max_connections(4)
        .acquire_timeout(config.acquire_timeout)
        .connect_with(options)
        .await
        .map_err(|e| StoreError::Open {
            target: path.display().to_string(),
            reason: driver(&e),
        })
}

async fn open_postgres(
    url: &str,
    pool_size: u32,
    max_overflow: u32,
    config: &StoreConfig,
) -> Result<PgPool, StoreError> {
    let target = crate::config::redact_url(url);
    let options: PgConnectOptions = url.parse().map_err(|e: sqlx::Error| StoreError::Open {
        target: target.clone(),
        reason: driver(&e),
    })?;
    PgPoolOptions::new()
        .min_connections(pool_size.max(1))
        .max_connections(pool_size.max(1).saturating_add(max_overflow))
        // Overflow connections close after a minute idle; the pool keeps pool_size.
        .idle_timeout(Some(Duration::from_secs(60)))
        .max_lifetime(config.max_lifetime)
        .acquire_timeout(config.acquire_timeout)
        // A connection that died with the server is noticed before use, so the
        // pool reconnects by itself after a restart.
        .test_before_acquire(true)
        .connect_with(options)
        .await
        .map_err(|e| StoreError::Open {
            target,
            reason: driver(&e),
        })
}

/// Creates `dir` (0700) if missing and proves a file can be written there.
fn ensure_writable_dir(dir: &Path) -> Result<(), StoreError> {
    let not_writable = |e: std::io::Error| StoreError::NotWritable {
        path: dir.display().to_string(),
        reason: e.to_string(),
    };
    if !dir.exists() {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(not_writable)?;
    }
    let probe = dir.join(format!(".secmcp-write-test-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(not_writable)?;
    std::fs::remove_file(&probe).map_err(not_writable)?;
    Ok(())
}

fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

fn parse_json(s: &str) -> Result<serde_json::Value, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("JSON column: {e}")))
}

fn parse_list(s: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("JSON list column: {e}")))
}
