//! Counting the calls in flight, so shutdown can wait until none is left.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Notify;

/// Counts calls from acceptance to result, and wakes waiters when none is left.
#[derive(Default)]
pub(super) struct CallCounter {
    n: Arc<AtomicUsize>,
    idle: Arc<Notify>,
}

pub(super) struct CallGuard {
    n: Arc<AtomicUsize>,
    idle: Arc<Notify>,
}

impl Drop for CallGuard {
    fn drop(&mut self) {
        if self.n.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.idle.notify_waiters();
        }
    }
}

impl CallCounter {
    pub(super) fn enter(&self) -> CallGuard {
        self.n.fetch_add(1, Ordering::SeqCst);
        CallGuard {
            n: self.n.clone(),
            idle: self.idle.clone(),
        }
    }

    pub(super) fn count(&self) -> usize {
        self.n.load(Ordering::SeqCst)
    }

    pub(super) async fn wait_idle(&self, deadline: tokio::time::Instant) -> bool {
        loop {
            let notified = self.idle.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.count() == 0 {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.count() == 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn call_counter_waits_for_idle() {
        let c = CallCounter::default();
        let g = c.enter();
        let deadline = tokio::time::Instant::now() + Duration::from_millis(50);
        assert!(!c.wait_idle(deadline).await);
        drop(g);
        let deadline = tokio::time::Instant::now() + Duration::from_millis(50);
        assert!(c.wait_idle(deadline).await);
    }
}
