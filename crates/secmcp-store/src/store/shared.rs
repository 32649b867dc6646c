//! What the servers on one store share: secrets made once (`server_keys`)
//! and the nonces of answered approval rounds (`used_nonces`). Each is one
//! `INSERT ... ON CONFLICT DO NOTHING`, so two servers racing agree on the
//! first writer.

use sqlx::Row;

use super::{Pool, Store};
use crate::error::{StoreError, driver};

impl Store {
    /// The secret called `name`: the one already kept, or else `fresh`, kept
    /// now. Every server on this store gets the same answer.
    pub async fn server_key(
        &self,
        name: &str,
        fresh: &str,
        now_ms: i64,
    ) -> Result<String, StoreError> {
        self.timed(async {
            on_pool!(self, pool => {
                sqlx::query(
                    "INSERT INTO server_keys (name, secret, created_at_ms) VALUES ($1, $2, $3) \
                     ON CONFLICT (name) DO NOTHING",
                )
                .bind(name)
                .bind(fresh)
                .bind(now_ms)
                .execute(pool)
                .await
                .map_err(|e| StoreError::Query(driver(&e)))?;
                let row = sqlx::query("SELECT secret FROM server_keys WHERE name = $1")
                    .bind(name)
                    .fetch_one(pool)
                    .await
                    .map_err(|e| StoreError::Query(driver(&e)))?;
                row.try_get::<String, _>(0)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))
            })
        })
        .await
    }

    /// Marks `nonce` used until `expires_at_ms`; `false` when it already was
    /// (by this server or another). Nonces past their expiry are forgotten.
    pub async fn first_use(
        &self,
        nonce: &str,
        expires_at_ms: i64,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        self.timed(async {
            on_pool!(self, pool => {
                sqlx::query("DELETE FROM used_nonces WHERE expires_at_ms < $1")
                    .bind(now_ms)
                    .execute(pool)
                    .await
                    .map_err(|e| StoreError::Query(driver(&e)))?;
                let done = sqlx::query(
                    "INSERT INTO used_nonces (nonce, expires_at_ms) VALUES ($1, $2) \
                     ON CONFLICT (nonce) DO NOTHING",
                )
                .bind(nonce)
                .bind(expires_at_ms)
                .execute(pool)
                .await
                .map_err(|e| StoreError::Query(driver(&e)))?;
                Ok(done.rows_affected() == 1)
            })
        })
        .await
    }
}
