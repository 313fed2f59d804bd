//! The ledger of messages accepted over SMPP: which account each id
//! belongs to and how its fate ends (kept current when an injected outage
//! re-decides it or its sender cancels it), so query_sm, cancel_sm and
//! replace_sm can answer after the model has settled a message. It keeps
//! the newest `KEPT` ids; an older one is forgotten, and said so.

use crate::model::{Fate, Outcome, Receipt};
use crate::units::Nanos;
use std::collections::BTreeMap;

/// Ids kept; beyond this the oldest are forgotten (67 bytes each,
/// docs/limits.md).
pub const KEPT: usize = 1_000_000;

/// How a message's fate ends, as its receipt and query_sm say it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ending {
    /// What the provider's receipt claims; None when none comes back.
    pub receipt: Option<Receipt>,
    pub outcome: Outcome,
    /// Simulated time of the final state.
    pub at: Nanos,
    /// Cancelled by its sender (cancel_sm).
    pub cancelled: bool,
}

impl Ending {
    pub fn of(fate: &Fate, cancelled: bool) -> Ending {
        Ending {
            receipt: crate::serve::live::receipt_of(fate).map(|(r, _)| r),
            outcome: fate.outcome,
            at: fate.finished_at,
            cancelled,
        }
    }
}

/// One kept message.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Kept {
    /// Index of the account that submitted it.
    pub account: usize,
    pub ending: Ending,
}

/// What the ledger knows of an id a client names.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Lookup {
    Kept(u64, Kept),
    /// An id given out, but older than the ledger keeps.
    Forgotten,
    /// Not an id this server gave the asking account.
    Unknown,
}

#[derive(Debug, Default)]
pub struct Ledger {
    kept: BTreeMap<u64, Kept>,
    /// Ids below this were given out and forgotten.
    forgotten_below: u64,
}

impl Ledger {
    /// Message `id` was accepted for `account` with `fate`.
    pub fn remember(&mut self, id: u64, account: usize, fate: &Fate) {
        if self.kept.len() >= KEPT
            && let Some((oldest, _)) = self.kept.pop_first()
        {
            self.forgotten_below = self.forgotten_below.max(oldest + 1);
        }
        let ending = Ending::of(fate, false);
        self.kept.insert(id, Kept { account, ending });
    }

    /// Message `id`'s fate changed (re-decided, or cancelled).
    pub fn decided(&mut self, id: u64, fate: &Fate, cancelled: bool) {
        if let Some(k) = self.kept.get_mut(&id) {
            k.ending = Ending::of(fate, cancelled);
        }
    }

    /// The message a client of `account` names by `id` (the decimal id of
    /// its submit's resp). Another account's message is Unknown to it.
    pub fn look_up(&self, id: &str, account: usize) -> Lookup {
        let Ok(id) = id.parse::<u64>() else {
            return Lookup::Unknown;
        };
        match self.kept.get(&id) {
            Some(k) if k.account == account => Lookup::Kept(id, *k),
            Some(_) => Lookup::Unknown,
            None if id > 0 && id < self.forgotten_below => Lookup::Forgotten,
            None => Lookup::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_ids_are_forgotten_and_other_accounts_see_nothing() {
        let fate = Fate {
            outcome: Outcome::Delivered,
            provider: Default::default(),
            carrier: Default::default(),
            sent_at: 0,
            queued_at: Some(0),
            left_provider_at: Some(1),
            reached_carrier_at: Some(2),
            smsc: None,
            finished_at: 3,
            queue_wait: Some(1),
            misrouted: false,
            receipt: Receipt::Delivered,
            cost: 0.0,
            code_cut: false,
        };
        let mut ledger = Ledger::default();
        for id in 1..=(KEPT as u64 + 2) {
            ledger.remember(id, 0, &fate);
        }
        assert_eq!(ledger.look_up("1", 0), Lookup::Forgotten);
        assert_eq!(ledger.look_up("2", 0), Lookup::Forgotten);
        assert!(matches!(ledger.look_up("3", 0), Lookup::Kept(3, _)));
        assert_eq!(ledger.look_up("3", 1), Lookup::Unknown);
        assert_eq!(ledger.look_up("x3", 0), Lookup::Unknown);
        assert_eq!(
            ledger.look_up(&(KEPT as u64 + 3).to_string(), 0),
            Lookup::Unknown
        );
    }
}
