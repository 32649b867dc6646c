//! Bounded capture of one output stream: the first half of the budget is kept as
//! a head, the last half as a tail ring, and everything in between is counted and
//! dropped. Memory never grows past the budget, whatever the tool prints.
//!
//! This module only stores bytes; it must not read pipes or interpret output.

use std::collections::VecDeque;
use std::fmt;

/// What was kept of one output stream (stdout or stderr) of a run.
///
/// With a budget of `max` bytes, at most `max` bytes are kept:
/// - when the stream fit in the budget, [`Captured::bytes`] holds all of it and
///   [`Captured::tail`] is empty;
/// - when it did not ([`Captured::truncated`]), [`Captured::head`] holds the first
///   `max / 2` bytes and [`Captured::tail`] the last `max - max / 2` bytes; the
///   bytes in between were read (so the tool never blocked) and counted in
///   [`Captured::total_bytes`], but not kept.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Captured {
    head: Vec<u8>,
    tail: Vec<u8>,
    total_bytes: u64,
    truncated: bool,
}

impl Captured {
    /// The bytes a parser should use: the whole stream when it was not
    /// truncated, otherwise only its head (a parser must then expect a cut-off
    /// document).
    pub fn bytes(&self) -> &[u8] {
        &self.head
    }

    /// The first bytes of the stream (the whole stream when not truncated).
    pub fn head(&self) -> &[u8] {
        &self.head
    }

    /// The last bytes of the stream when it was truncated; empty otherwise
    /// (then every byte is in [`Captured::head`]).
    pub fn tail(&self) -> &[u8] {
        &self.tail
    }

    /// How many bytes the tool wrote to this stream in total.
    pub fn total_bytes(&self) -> u64 {
        self.total_bytes
    }

    /// Whether bytes were dropped between the head and the tail.
    pub fn truncated(&self) -> bool {
        self.truncated
    }

    /// How many bytes were read but not kept.
    pub fn omitted_bytes(&self) -> u64 {
        self.total_bytes - (self.head.len() + self.tail.len()) as u64
    }
}

// A manual Debug: the derived one would print megabytes of numbers.
impl fmt::Debug for Captured {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Captured")
            .field("head_len", &self.head.len())
            .field("tail_len", &self.tail.len())
            .field("total_bytes", &self.total_bytes)
            .field("truncated", &self.truncated)
            .finish()
    }
}

/// The growing side of [`Captured`], fed chunk by chunk while a stream is read.
#[derive(Debug)]
pub(crate) struct CaptureBuf {
    head: Vec<u8>,
    head_cap: usize,
    tail: VecDeque<u8>,
    tail_cap: usize,
    total_bytes: u64,
}

impl CaptureBuf {
    /// A buffer that keeps at most `max_bytes` bytes.
    pub(crate) fn new(max_bytes: usize) -> Self {
        let head_cap = max_bytes / 2;
        Self {
            head: Vec::new(),
            head_cap,
            tail: VecDeque::new(),
            tail_cap: max_bytes - head_cap,
            total_bytes: 0,
        }
    }

    /// Records one chunk: fills the head first, then rolls the tail ring.
    pub(crate) fn push(&mut self, mut data: &[u8]) {
        self.total_bytes += data.len() as u64;
        if self.head.len() < self.head_cap {
            let take = (self.head_cap - self.head.len()).min(data.len());
            self.head.extend_from_slice(&data[..take]);
            data = &data[take..];
        }
        if data.is_empty() || self.tail_cap == 0 {
            return;
        }
        if data.len() >= self.tail_cap {
            self.tail.clear();
            self.tail.extend(&data[data.len() - self.tail_cap..]);
        } else {
            let overflow = (self.tail.len() + data.len()).saturating_sub(self.tail_cap);
            self.tail.drain(..overflow);
            self.tail.extend(data);
        }
    }

    /// Freezes the buffer. When nothing was dropped, the tail is appended to
    /// the head so that [`Captured::bytes`] is the whole stream.
    pub(crate) fn finish(self) -> Captured {
        let mut head = self.head;
        let tail = Vec::from(self.tail);
        let truncated = self.total_bytes > (head.len() + tail.len()) as u64;
        if truncated {
            Captured {
                head,
                tail,
                total_bytes: self.total_bytes,
                truncated,
            }
        } else {
            head.extend_from_slice(&tail);
            Captured {
                head,
                tail: Vec::new(),
                total_bytes: self.total_bytes,
                truncated,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn capture(max: usize, chunks: &[&[u8]]) -> Captured {
        let mut buf = CaptureBuf::new(max);
        for chunk in chunks {
            buf.push(chunk);
        }
        buf.finish()
    }

    /// A naive reference: keep everything, then cut.
    fn reference(max: usize, stream: &[u8]) -> (Vec<u8>, Vec<u8>, bool) {
        if stream.len() <= max {
            (stream.to_vec(), Vec::new(), false)
        } else {
            let head = max / 2;
            let tail = max - head;
            (
                stream[..head].to_vec(),
                stream[stream.len() - tail..].to_vec(),
                true,
            )
        }
    }

    #[test]
    fn empty_stream_is_empty_and_not_truncated() {
        let c = capture(10, &[]);
        assert!(c.bytes().is_empty());
        assert!(c.tail().is_empty());
        assert_eq!(c.total_bytes(), 0);
        assert!(!c.truncated());
    }

    #[test]
    fn stream_exactly_at_budget_is_kept_whole() {
        let c = capture(10, &[b"0123", b"456789"]);
        assert_eq!(c.bytes(), b"0123456789");
        assert!(c.tail().is_empty());
        assert!(!c.truncated());
        assert_eq!(c.omitted_bytes(), 0);
    }

    #[test]
    fn one_byte_over_budget_truncates_with_head_and_tail() {
        let c = capture(10, &[b"0123456789A"]);
        assert!(c.truncated());
        assert_eq!(c.head(), b"01234");
        assert_eq!(c.bytes(), b"01234");
        assert_eq!(c.tail(), b"6789A");
        assert_eq!(c.total_bytes(), 11);
        assert_eq!(c.omitted_bytes(), 1);
    }

    #[test]
    fn odd_budget_gives_the_extra_byte_to_the_tail() {
        let c = capture(5, &[b"abcdefghij"]);
        assert_eq!(c.head(), b"ab");
        assert_eq!(c.tail(), b"hij");
    }

    #[test]
    fn zero_budget_keeps_nothing_but_counts() {
        let c = capture(0, &[b"abc", b"de"]);
        assert!(c.bytes().is_empty());
        assert!(c.tail().is_empty());
        assert_eq!(c.total_bytes(), 5);
        assert!(c.truncated());
    }

    #[test]
    fn matches_reference_for_every_chunking() {
        let stream: Vec<u8> = (0..200u8).collect();
        for max in [0, 1, 2, 3, 7, 16, 100, 199, 200, 201, 1000] {
            for len in [0, 1, 5, 50, 150, 200] {
                for chunk in [1, 2, 3, 7, 64, 500] {
                    let data = &stream[..len];
                    let chunks: Vec<&[u8]> = data.chunks(chunk).collect();
                    let c = capture(max, &chunks);
                    let (head, tail, truncated) = reference(max, data);
                    let case = format!("max={max} len={len} chunk={chunk}");
                    assert_eq!(c.head(), &head[..], "{case}");
                    assert_eq!(c.tail(), &tail[..], "{case}");
                    assert_eq!(c.truncated(), truncated, "{case}");
                    assert_eq!(c.total_bytes(), len as u64, "{case}");
                    assert!(c.head().len() + c.tail().len() <= max, "{case}");
                }
            }
        }
    }

    #[test]
    fn debug_prints_sizes_not_contents() {
        let c = capture(4, &[b"secret-token"]);
        let shown = format!("{c:?}");
        assert!(!shown.contains("115"), "{shown}"); // b's'
        assert!(shown.contains("total_bytes: 12"), "{shown}");
    }
}
