//! The background check loop: gathers facts through a [`HealthSource`] and
//! resources through a [`ResourceProbe`], evaluates them and keeps the last
//! report in a `watch`, so a request never waits for a check.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::{Notify, watch};
use tokio_util::sync::CancellationToken;

use super::checks::{HealthInputs, evaluate};
use super::report::{HealthConfig, HealthReport};
use super::system::{ResourceProbe, ResourceReadings, SystemResources};

/// Where the gathered facts come from (the server implements it over its
/// settings, the runner's version probes and the breakers).
pub trait HealthSource: Send + Sync + 'static {
    /// Gathers the facts for one round of checks. A source that learns them
    /// one by one (version probes) may hand partial facts to `progress` on
    /// the way; the monitor publishes each as a report (the first round is
    /// ready as soon as one tool is identified).
    fn gather<'a>(
        &'a self,
        progress: &'a (dyn Fn(HealthInputs) + Send + Sync),
    ) -> Pin<Box<dyn Future<Output = HealthInputs> + Send + 'a>>;
}

/// Runs the checks in the background and holds the last report.
#[derive(Debug, Clone)]
pub struct HealthMonitor {
    report: watch::Receiver<Arc<HealthReport>>,
    config: Arc<watch::Sender<HealthConfig>>,
    wake: Arc<Notify>,
    task: Arc<std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>>,
}

impl HealthMonitor {
    /// Starts the check loop: one round at once, then every
    /// `check_interval_secs`, until `shutdown` fires.
    pub fn spawn(
        config: HealthConfig,
        source: Arc<dyn HealthSource>,
        probe: Box<dyn ResourceProbe>,
        shutdown: CancellationToken,
    ) -> Self {
        let (report_tx, report) = watch::channel(Arc::new(HealthReport::pending()));
        let (config_tx, config_rx) = watch::channel(config);
        let wake = Arc::new(Notify::new());
        let task = tokio::spawn(check_loop(
            source,
            probe,
            config_rx,
            report_tx,
            wake.clone(),
            shutdown,
        ));
        Self {
            report,
            config: Arc::new(config_tx),
            wake,
            task: Arc::new(std::sync::Mutex::new(Some(task))),
        }
    }

    /// Waits (at most `limit`) for the check loop to end after `shutdown`
    /// fired, so that a version probe in progress is stopped and reaped rather
    /// than abandoned. Returns whether it ended.
    pub async fn stopped(&self, limit: Duration) -> bool {
        let task = self
            .task
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        match task {
            Some(t) => tokio::time::timeout(limit, t).await.is_ok(),
            None => true,
        }
    }

    /// The last report (never waits for a check).
    pub fn latest(&self) -> Arc<HealthReport> {
        self.report.borrow().clone()
    }

    /// A receiver that sees each new report.
    pub fn subscribe(&self) -> watch::Receiver<Arc<HealthReport>> {
        self.report.clone()
    }

    /// Runs a round now (e.g. after a config reload) without waiting for it.
    pub fn check_now(&self) {
        self.wake.notify_one();
    }

    /// New thresholds and interval, used from the next round (which runs now).
    pub fn reconfigure(&self, config: HealthConfig) {
        self.config.send_replace(config);
    }
}

async fn check_loop(
    source: Arc<dyn HealthSource>,
    mut probe: Box<dyn ResourceProbe>,
    mut config: watch::Receiver<HealthConfig>,
    report: watch::Sender<Arc<HealthReport>>,
    wake: Arc<Notify>,
    shutdown: CancellationToken,
) {
    let mut last_resources = ResourceReadings::default();
    loop {
        let cfg = config.borrow_and_update().clone();
        let publish_partial = |partial: HealthInputs| {
            report.send_replace(Arc::new(evaluate(
                &cfg,
                &partial,
                &last_resources,
                unix_now(),
            )));
        };
        // Not raced against `shutdown`: a probe in progress sees the shutdown
        // itself (its run is cancelled, killed and reaped) and gather returns.
        let inputs = source.gather(&publish_partial).await;
        if shutdown.is_cancelled() {
            return;
        }
        // statvfs may block on a slow filesystem: keep it off the async workers.
        let path = cfg.disk_path.clone();
        let read = tokio::task::spawn_blocking(move || {
            let r = probe.read(&path);
            (probe, r)
        })
        .await;
        let resources = match read {
            Ok((p, r)) => {
                probe = p;
                r
            }
            // The probe panicked: carry on without resource readings.
            Err(_) => {
                probe = Box::new(SystemResources::default());
                ResourceReadings::default()
            }
        };
        last_resources = resources;
        report.send_replace(Arc::new(evaluate(&cfg, &inputs, &resources, unix_now())));
        let interval = Duration::from_secs(cfg.check_interval_secs.max(1));
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = wake.notified() => {}
            changed = config.changed() => if changed.is_err() { return },
            () = shutdown.cancelled() => return,
        }
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
