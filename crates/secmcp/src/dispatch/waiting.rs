//! How many runs each caller has waiting for an operator's approval in this
//! process (`security.approval: operator`; see `approval.rs`).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

/// How many runs one identity may have waiting for an operator at once (on
/// all the servers of one store). A waiting run holds no concurrency slot
/// and waits up to the approval timeout, so without a bound one agent could
/// fill the operators' queue (and the store, and this process) faster than
/// people decide.
pub(super) const MAX_WAITING_PER_OWNER: usize = 8;

/// The runs waiting for an operator, counted per owner.
#[derive(Debug, Default)]
pub(super) struct Waiting(Mutex<HashMap<String, usize>>);

impl Waiting {
    /// A place in `owner`'s queue, or `None` when it is full; the place is
    /// given back when the ticket drops.
    pub(super) fn enter(&self, owner: &str) -> Option<WaitTicket<'_>> {
        let mut counts = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let n = counts.entry(owner.to_owned()).or_insert(0);
        if *n >= MAX_WAITING_PER_OWNER {
            return None;
        }
        *n += 1;
        Some(WaitTicket {
            waiting: self,
            owner: owner.to_owned(),
        })
    }
}

/// One run's place in its owner's queue (see [`Waiting::enter`]).
pub(super) struct WaitTicket<'a> {
    waiting: &'a Waiting,
    owner: String,
}

impl Drop for WaitTicket<'_> {
    fn drop(&mut self) {
        let mut counts = self
            .waiting
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = counts.get_mut(&self.owner) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.owner);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_owner_has_a_queue_of_its_own_and_a_place_comes_back() {
        let w = Waiting::default();
        let mut mine: Vec<_> = (0..MAX_WAITING_PER_OWNER)
            .map(|_| w.enter("a").expect("a place"))
            .collect();
        assert!(w.enter("a").is_none(), "a full queue refuses");
        let theirs = w.enter("b").expect("another owner is not held up");
        drop(mine.pop());
        let again = w.enter("a").expect("a place given back is free again");
        assert!(w.enter("a").is_none());
        drop((again, theirs));
        assert_eq!(
            w.0.lock().unwrap().get("b"),
            None,
            "an empty queue is forgotten"
        );
    }
}
