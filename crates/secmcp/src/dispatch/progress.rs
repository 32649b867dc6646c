//! Following a run's progress for a client that asked (a request with a
//! progress token): the runner shows each chunk of output to a tap that
//! feeds the tool's [`ProgressReader`] and passes news on, at most one per
//! [`MIN_INTERVAL`], to the transport through a bounded channel. The tap
//! never waits: when the channel is full the update is dropped (a newer
//! one follows).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use secmcp_output::progress::{Progress, ProgressKind, ProgressReader};
use secmcp_runner::{OutputTap, Stream};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Where a call's progress goes (the transport forwards it to the client).
pub type ProgressSender = mpsc::Sender<Progress>;

/// The least time between two progress notifications of one call.
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);

/// How long past the time a tool gave for its own exit it may still run
/// before it counts as stuck.
pub(super) const LINGER_GRACE: Duration = Duration::from_secs(2);

/// A runner tap that reads `kind`'s progress and sends it to `to`, if
/// anyone asked, and fires `done` when the tool has said its work is done but
/// is still running [`LINGER_GRACE`] after the time it gave for its exit
/// (masscan's stuck wait: see [`ProgressReader::exit_due_within`]).
pub(super) fn tap(
    kind: ProgressKind,
    to: Option<ProgressSender>,
    done: CancellationToken,
) -> OutputTap {
    let state = Mutex::new((ProgressReader::new(kind), None::<Instant>, false));
    Arc::new(move |stream: Stream, chunk: &[u8]| {
        let mut guard = state.lock().unwrap_or_else(|e| e.into_inner());
        let (reader, last_sent, timer_set) = &mut *guard;
        let news = reader.feed(stream == Stream::Stderr, chunk);
        if let (false, Some(secs)) = (*timer_set, reader.exit_due_within()) {
            *timer_set = true;
            let done = done.clone();
            let after = Duration::from_secs(secs) + LINGER_GRACE;
            // The pipeline fires `done` once the run is over, which ends
            // this timer early.
            tokio::spawn(async move {
                tokio::select! {
                    () = tokio::time::sleep(after) => done.cancel(),
                    () = done.cancelled() => {}
                }
            });
        }
        let (Some(progress), Some(to)) = (news, &to) else {
            return;
        };
        let now = Instant::now();
        if last_sent.is_some_and(|t| now.duration_since(t) < MIN_INTERVAL) {
            return;
        }
        if to.try_send(progress).is_ok() {
            *last_sent = Some(now);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn news_goes_out_at_most_once_a_second() {
        let (tx, mut rx) = mpsc::channel(8);
        let tap = tap(ProgressKind::Masscan, Some(tx), CancellationToken::new());
        for pct in [1, 2, 3] {
            tap(
                Stream::Stderr,
                format!("rate:  1.00-kpps, {pct}.00% done,   0:00:05 remaining, found=0   \r")
                    .as_bytes(),
            );
        }
        // stdout is not masscan's status channel.
        tap(Stream::Stdout, b"rate:  1.00-kpps, 9.00% done, found=0\r");
        assert_eq!(rx.try_recv().unwrap().progress, 1.0);
        assert!(
            rx.try_recv().is_err(),
            "the next ones came within the second"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn masscan_still_running_well_after_its_wait_fires_done_even_without_a_listener() {
        let done = CancellationToken::new();
        let tap = tap(ProgressKind::Masscan, None, done.clone());
        tap(
            Stream::Stderr,
            b"rate:  0.00-kpps, 100.00% done, waiting 2-secs, found=1   \r",
        );
        let due = Duration::from_secs(2 + secmcp_output::progress::MASSCAN_EXIT_WINDOW_SECS);
        tokio::time::sleep(due + LINGER_GRACE - Duration::from_millis(100)).await;
        assert!(!done.is_cancelled(), "within its own exit window");
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(done.is_cancelled());
    }
}
