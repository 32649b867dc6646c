//! [`Recorder`]: the server's handle on the run store. A call's record is
//! committed before its result is returned (so a killed server loses no
//! completed run), bounded by `storage.write_timeout_ms`; a failure is logged,
//! counted (`run_records_total{result="failed"}`), shown in health, and the
//! call's result says its record was not kept. Background pruning lives here.

use std::sync::Mutex;
use std::sync::PoisonError;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use secmcp_store::{NewRun, PruneLimits, Store, StoreError};
use tokio_util::sync::CancellationToken;

use crate::config::StorageSettings;
use crate::health::{Component, ComponentKind, HealthStatus};
use crate::metrics::Metrics;

/// How often pruning runs.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// What happened to a call's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordStatus {
    /// No store is configured (`storage.enabled: false`).
    Off,
    /// Kept under this run id.
    Kept(String),
    /// Not kept: the store failed (code, for the agent).
    Failed(&'static str),
}

/// The store plus the bookkeeping around it.
#[derive(Debug)]
pub struct Recorder {
    store: Store,
    kept: AtomicU64,
    failed: AtomicU64,
    last_error: Mutex<Option<(u64, String)>>,
}

fn unix_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Recorder {
    /// Opens the store (creating and migrating it).
    pub async fn open(settings: &StorageSettings) -> Result<Self, StoreError> {
        let store = Store::open(&settings.store_config()).await?;
        tracing::info!(
            backend = store.backend().kind(),
            database = %store.backend().display(),
            schema = Store::schema_version(),
            "run store open"
        );
        Ok(Self::new(store))
    }

    /// Wraps an open store.
    pub fn new(store: Store) -> Self {
        Self {
            store,
            kept: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            last_error: Mutex::new(None),
        }
    }

    /// The store, for reads.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Keeps one run, never failing the caller: the status says what happened.
    pub async fn keep(&self, run: &NewRun, metrics: &Metrics) -> RecordStatus {
        match self.store.insert(run).await {
            Ok(id) => {
                self.kept.fetch_add(1, Ordering::Relaxed);
                metrics.run_record(true);
                RecordStatus::Kept(id)
            }
            Err(e) => {
                self.failed.fetch_add(1, Ordering::Relaxed);
                metrics.run_record(false);
                tracing::error!(
                    event = "run_record_failed",
                    code = e.code(),
                    error = %e,
                    tool = %run.tool,
                    correlation_id = %run.correlation_id,
                    "the call's record could not be kept"
                );
                *self
                    .last_error
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) =
                    Some((unix_secs(), format!("{}: {}", e.code(), e)));
                RecordStatus::Failed(e.code())
            }
        }
    }

    /// The store's health component: degraded after a failed write until a
    /// later write succeeds.
    pub fn health(&self) -> Component {
        let failed = self.failed.load(Ordering::Relaxed);
        let kept = self.kept.load(Ordering::Relaxed);
        let last = self
            .last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let backend = self.store.backend();
        let (status, message) = match last {
            Some((at, err)) => (
                HealthStatus::Degraded,
                format!(
                    "{} run store: {failed} record(s) could not be kept, {kept} kept since start; last failure at {at} (unix): {err}",
                    backend.kind()
                ),
            ),
            None => (
                HealthStatus::Healthy,
                format!(
                    "{} run store: {kept} record(s) kept since start",
                    backend.kind()
                ),
            ),
        };
        Component {
            name: "store".into(),
            kind: ComponentKind::Resource,
            status,
            message,
        }
    }

    /// Clears the failure shown in health once writes work again.
    pub fn clear_failure_if_recovered(&self, status: &RecordStatus) {
        if matches!(status, RecordStatus::Kept(_)) {
            let mut last = self
                .last_error
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if last.is_some() {
                tracing::info!(event = "run_store_recovered", "run records are kept again");
                *last = None;
            }
        }
    }

    /// Prunes by age and size (never a run a kept task points at) and drops
    /// expired tasks, every hour until `stop` fires.
    pub async fn prune_loop(
        &self,
        settings: impl Fn() -> StorageSettings,
        stop: CancellationToken,
    ) {
        loop {
            let s = settings();
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default();
            let now_ms = i64::try_from(now.as_millis()).unwrap_or(i64::MAX);
            if let Err(e) = self.store.remove_expired_tasks(now_ms).await {
                tracing::warn!(event = "tasks_prune_failed", code = e.code(), error = %e);
            }
            if s.retention.is_some() || s.max_total_bytes.is_some() {
                let older_than_ms = s
                    .retention
                    .map(|r| i64::try_from(now.saturating_sub(r).as_millis()).unwrap_or(i64::MAX));
                let limits = PruneLimits {
                    older_than_ms,
                    max_total_bytes: s.max_total_bytes,
                    keep: Vec::new(),
                };
                match self.store.prune(&limits).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(event = "runs_pruned", removed = n),
                    Err(e) => {
                        tracing::warn!(event = "runs_prune_failed", code = e.code(), error = %e)
                    }
                }
            }
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(PRUNE_EVERY) => {}
            }
        }
    }
}
