//! Approvals of intrusive runs (`security.approval: operator`) and the copy
//! of the audit records: both are written by the server and read or decided
//! by `secmcp` commands in other processes, so the database is where they meet.

use sqlx::Row;

use super::{Pool, Store, WriteConn, json_list, parse_list};
use crate::error::{StoreError, driver};
use crate::record::{ApprovalRow, Decided};

/// The shortest id prefix an operator may type for an approval.
pub const MIN_APPROVAL_PREFIX: usize = 8;

const APPROVAL_COLUMNS: &str = "id, owner, correlation_id, tool, pinned, argv, status, decided_by, \
     reason, created_at_ms, expires_at_ms, decided_at_ms";

fn query_error(e: &sqlx::Error) -> StoreError {
    StoreError::Query(driver(e))
}

fn approval_from<R: Row>(r: &R) -> Result<ApprovalRow, StoreError>
where
    usize: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<i64>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let corrupt = |e: sqlx::Error| StoreError::Corrupt(e.to_string());
    Ok(ApprovalRow {
        id: r.try_get(0).map_err(corrupt)?,
        owner: r.try_get(1).map_err(corrupt)?,
        correlation_id: r.try_get(2).map_err(corrupt)?,
        tool: r.try_get(3).map_err(corrupt)?,
        pinned: parse_list(&r.try_get::<String, _>(4).map_err(corrupt)?)?,
        argv: parse_list(&r.try_get::<String, _>(5).map_err(corrupt)?)?,
        status: r.try_get(6).map_err(corrupt)?,
        decided_by: r.try_get(7).map_err(corrupt)?,
        reason: r.try_get(8).map_err(corrupt)?,
        created_at_ms: r.try_get(9).map_err(corrupt)?,
        expires_at_ms: r.try_get(10).map_err(corrupt)?,
        decided_at_ms: r.try_get(11).map_err(corrupt)?,
    })
}

impl Store {
    /// Keeps a new approval request (its `status` is normally `pending`).
    pub async fn put_approval(&self, a: &ApprovalRow) -> Result<(), StoreError> {
        self.timed(async {
            on_pool!(self, pool => {
                let mut conn = WriteConn::acquire(pool).await?;
                let mut tx = conn.begin().await.map_err(|e| query_error(&e))?;
                sqlx::query(&format!(
                    "INSERT INTO approvals ({APPROVAL_COLUMNS}) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
                ))
                .bind(&a.id)
                .bind(&a.owner)
                .bind(&a.correlation_id)
                .bind(&a.tool)
                .bind(json_list(&a.pinned))
                .bind(json_list(&a.argv))
                .bind(&a.status)
                .bind(&a.decided_by)
                .bind(&a.reason)
                .bind(a.created_at_ms)
                .bind(a.expires_at_ms)
                .bind(a.decided_at_ms)
                .execute(&mut *tx)
                .await
                .map_err(|e| query_error(&e))?;
                tx.commit().await.map_err(|e| query_error(&e))?;
                conn.committed();
                Ok(())
            })
        })
        .await
    }

    /// One approval by its full id.
    pub async fn get_approval(&self, id: &str) -> Result<Option<ApprovalRow>, StoreError> {
        self.timed(async {
            on_pool!(self, pool => {
                let row = sqlx::query(&format!("SELECT {APPROVAL_COLUMNS} FROM approvals WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(pool)
                    .await
                    .map_err(|e| query_error(&e))?;
                row.as_ref().map(approval_from).transpose()
            })
        })
        .await
    }

    /// How many of `owner`'s requests wait at `now_ms` (pending, not
    /// expired), on every server of this store.
    pub async fn waiting_approvals(&self, owner: &str, now_ms: i64) -> Result<i64, StoreError> {
        self.timed(async {
            on_pool!(self, pool => {
                sqlx::query(
                    "SELECT COUNT(*) FROM approvals WHERE owner = $1 AND status = 'pending' AND expires_at_ms > $2",
                )
                .bind(owner)
                .bind(now_ms)
                .fetch_one(pool)
                .await
                .map_err(|e| query_error(&e))?
                .try_get::<i64, _>(0)
                .map_err(|e| StoreError::Corrupt(e.to_string()))
            })
        })
        .await
    }

    /// Approvals still waiting at `now_ms` (not expired), oldest first; with
    /// `all`, also the decided ones of the last day, newest first after them.
    pub async fn list_approvals(
        &self,
        now_ms: i64,
        all: bool,
    ) -> Result<Vec<ApprovalRow>, StoreError> {
        const DAY_MS: i64 = 24 * 3600 * 1000;
        self.timed(async {
            on_pool!(self, pool => {
                let sql = if all {
                    format!(
                        "SELECT {APPROVAL_COLUMNS} FROM approvals WHERE created_at_ms > $1 - {DAY_MS} \
                         ORDER BY created_at_ms DESC LIMIT 1000"
                    )
                } else {
                    format!(
                        "SELECT {APPROVAL_COLUMNS} FROM approvals WHERE status = 'pending' \
                         AND expires_at_ms > $1 ORDER BY created_at_ms LIMIT 1000"
                    )
                };
                let rows = sqlx::query(&sql)
                    .bind(now_ms)
                    .fetch_all(pool)
                    .await
                    .map_err(|e| query_error(&e))?;
                rows.iter().map(approval_from).collect()
            })
        })
        .await
    }

    /// Decides a pending approval named by its id or a unique prefix of at
    /// least [`MIN_APPROVAL_PREFIX`] characters: `approved` or `denied`, by
    /// `by`, with `reason`. Only a request still pending and not expired at
    /// `now_ms` can be decided; anything else is answered with what it is.
    pub async fn decide_approval(
        &self,
        id: &str,
        status: &str,
        by: &str,
        reason: &str,
        now_ms: i64,
    ) -> Result<Decided, StoreError> {
        if id.len() < MIN_APPROVAL_PREFIX || !id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
        {
            return Ok(Decided::NotFound);
        }
        let like = format!("{id}%");
        let matches: Vec<String> = self
            .timed(async {
                on_pool!(self, pool => {
                    sqlx::query("SELECT id FROM approvals WHERE id LIKE $1 LIMIT 2")
                        .bind(&like)
                        .fetch_all(pool)
                        .await
                        .map_err(|e| query_error(&e))?
                        .iter()
                        .map(|r| r.try_get::<String, _>(0).map_err(|e| StoreError::Corrupt(e.to_string())))
                        .collect::<Result<Vec<_>, _>>()
                })
            })
            .await?;
        let full = match matches.as_slice() {
            [] => return Ok(Decided::NotFound),
            [one] => one.clone(),
            _ => return Ok(Decided::Ambiguous),
        };
        let changed = self
            .timed(async {
                on_pool!(self, pool => {
                    sqlx::query(
                        "UPDATE approvals SET status = $1, decided_by = $2, reason = $3, decided_at_ms = $4 \
                         WHERE id = $5 AND status = 'pending' AND expires_at_ms > $4",
                    )
                    .bind(status)
                    .bind(by)
                    .bind(reason)
                    .bind(now_ms)
                    .bind(&full)
                    .execute(pool)
                    .await
                    .map(|r| r.rows_affected())
                    .map_err(|e| query_error(&e))
                })
            })
            .await?;
        let row = self
            .get_approval(&full)
            .await?
            .ok_or(StoreError::Corrupt(format!("approval {full} vanished")))?;
        Ok(if changed == 1 {
            Decided::Done(row)
        } else {
            Decided::AlreadyClosed(row)
        })
    }

    /// Closes a pending approval as the server (`expired` or `withdrawn`).
    /// Returns the row as it stands afterwards: when an operator decided it
    /// first, that decision is what the row says.
    pub async fn close_approval(
        &self,
        id: &str,
        status: &str,
        now_ms: i64,
    ) -> Result<Option<ApprovalRow>, StoreError> {
        self.timed(async {
            on_pool!(self, pool => {
                sqlx::query(
                    "UPDATE approvals SET status = $1, decided_at_ms = $2 WHERE id = $3 AND status = 'pending'",
                )
                .bind(status)
                .bind(now_ms)
                .bind(id)
                .execute(pool)
                .await
                .map(|_| ())
                .map_err(|e| query_error(&e))
            })
        })
        .await?;
        self.get_approval(id).await
    }

    /// Removes decided approvals and audit copies older than `cutoff_ms`.
    pub(super) async fn prune_side_tables(&self, cutoff_ms: i64) -> Result<(), StoreError> {
        for sql in [
            "DELETE FROM approvals WHERE status <> 'pending' AND created_at_ms < $1",
            "DELETE FROM audit_records WHERE at_ms < $1",
        ] {
            self.timed(async {
                on_pool!(self, pool => {
                    sqlx::query(sql)
                        .bind(cutoff_ms)
                        .execute(pool)
                        .await
                        .map(|_| ())
                        .map_err(|e| query_error(&e))
                })
            })
            .await?;
        }
        Ok(())
    }

    /// Keeps a copy of one sealed audit record (once: a record already kept
    /// is left as it is).
    pub async fn keep_audit_record(
        &self,
        seq: i64,
        hash: &str,
        line: &str,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        self.timed(async {
            on_pool!(self, pool => {
                sqlx::query(
                    "INSERT INTO audit_records (hash, seq, at_ms, line) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (hash) DO NOTHING",
                )
                .bind(hash)
                .bind(seq)
                .bind(at_ms)
                .bind(line)
                .execute(pool)
                .await
                .map(|_| ())
                .map_err(|e| query_error(&e))
            })
        })
        .await
    }

    /// The kept audit records with `seq` above `after`, in chain order, at
    /// most `limit` of them.
    pub async fn audit_records(&self, after: i64, limit: i64) -> Result<Vec<String>, StoreError> {
        self.timed(async {
            on_pool!(self, pool => {
                sqlx::query("SELECT line FROM audit_records WHERE seq > $1 ORDER BY seq, at_ms LIMIT $2")
                    .bind(after)
                    .bind(limit)
                    .fetch_all(pool)
                    .await
                    .map_err(|e| query_error(&e))?
                    .iter()
                    .map(|r| r.try_get::<String, _>(0).map_err(|e| StoreError::Corrupt(e.to_string())))
                    .collect()
            })
        })
        .await
    }
}
