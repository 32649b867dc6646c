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

/// Where a call's progress goes (the transport forwards it to the client).
pub type ProgressSender = mpsc::Sender<Progress>;

/// The least time between two progress notifications of one call.
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);

/// A runner tap that reads `kind`'s progress and sends it to `to`.
pub(super) fn tap(kind: ProgressKind, to: ProgressSender) -> OutputTap {
    let state = Mutex::new((ProgressReader::new(kind), None::<Instant>));
    Arc::new(move |stream: Stream, chunk: &[u8]| {
        let mut guard = state.lock().unwrap_or_else(|e| e.into_inner());
        let (reader, last_sent) = &mut *guard;
        let Some(progress) = reader.feed(stream == Stream::Stderr, chunk) else {
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
        let tap = tap(ProgressKind::Masscan, tx);
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
}
