//! The ledger of messages accepted over SMPP: which account each id
//! belongs to, the model's message it is part of (its `fate_id`: each part
//! of a long message has its own id, all sharing their first part's
//! message), its data_coding, and how that message's fate ends (kept
//! current when an injected outage re-decides it, its sender cancels it or
//! its parts never all come), so query_sm, cancel_sm and replace_sm can
//! answer after the model has settled a message. It keeps the newest
//! `KEPT` ids; an older one is forgotten, and said so.

use crate::model::{Fate, Outcome, Receipt};
use crate::units::Nanos;
use std::collections::BTreeMap;

/// Ids kept; beyond this the oldest are forgotten (96 bytes each,
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

/// One kept message id: a whole message, or a part of a concatenated
/// one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Kept {
    /// Index of the account that submitted it.
    pub account: usize,
    /// The model's message it belongs to: its own id for a whole message,
    /// the first part's for each part of a concatenated one.
    pub fate_id: u64,
    /// The submit's data_coding octet (replace_sm's new text is read by
    /// it: replace_sm carries none).
    pub coding: u8,
    /// How the model's message ends, once judged. Kept on the `fate_id`'s
    /// own entry only (every part reads its first part's); a look-up says
    /// it for whichever part was named.
    pub ending: Option<Ending>,
}

impl Kept {
    /// A message or part accepted for `account`, its message not yet
    /// judged.
    pub fn new(account: usize, fate_id: u64, coding: u8) -> Kept {
        Kept {
            account,
            fate_id,
            coding,
            ending: None,
        }
    }
}

/// What the ledger knows of an id a client names.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Lookup {
    /// Kept, with its message's ending (None while the message waits for
    /// the rest of its parts, not yet judged).
    Kept(Kept),
    /// An id given out (or its message's first part) older than the ledger
    /// keeps.
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
    /// Message (or part) `id` was accepted as `kept` says.
    pub fn remember(&mut self, id: u64, kept: Kept) {
        if self.kept.len() >= KEPT
            && let Some((oldest, _)) = self.kept.pop_first()
        {
            self.forgotten_below = self.forgotten_below.max(oldest + 1);
        }
        self.kept.insert(id, kept);
    }

    /// The model's message `fate_id` ends as `ending` (judged, re-decided,
    /// cancelled or given up): said for every part of it. A cancelled
    /// message stays cancelled; nothing is kept for one already forgotten.
    pub fn decided(&mut self, fate_id: u64, ending: Ending) {
        if let Some(k) = self.kept.get_mut(&fate_id) {
            let cancelled = ending.cancelled || k.ending.is_some_and(|e| e.cancelled);
            k.ending = Some(Ending {
                cancelled,
                ..ending
            });
        }
    }

    /// The message a client of `account` names by `id` (the decimal id of
    /// its submit's resp). Another account's message is Unknown to it; a
    /// part whose first part is forgotten is forgotten too.
    pub fn look_up(&self, id: &str, account: usize) -> Lookup {
        let Ok(id) = id.parse::<u64>() else {
            return Lookup::Unknown;
        };
        match self.kept.get(&id) {
            Some(k) if k.account != account => Lookup::Unknown,
            Some(k) => match self.kept.get(&k.fate_id) {
                Some(message) => Lookup::Kept(Kept {
                    ending: message.ending,
                    ..*k
                }),
                None => Lookup::Forgotten,
            },
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
            ledger.remember(id, Kept::new(0, id, 0));
            ledger.decided(id, Ending::of(&fate, false));
        }
        assert_eq!(ledger.look_up("1", 0), Lookup::Forgotten);
        assert_eq!(ledger.look_up("2", 0), Lookup::Forgotten);
        assert!(matches!(
            ledger.look_up("3", 0),
            Lookup::Kept(Kept {
                fate_id: 3,
                ending: Some(_),
                ..
            })
        ));
        assert_eq!(ledger.look_up("3", 1), Lookup::Unknown);
        assert_eq!(ledger.look_up("x3", 0), Lookup::Unknown);
        assert_eq!(
            ledger.look_up(&(KEPT as u64 + 3).to_string(), 0),
            Lookup::Unknown
        );
    }

    #[test]
    fn every_part_of_a_message_says_its_message_ending() {
        let mut ledger = Ledger::default();
        let part = |fate_id, ending| Kept {
            ending,
            ..Kept::new(0, fate_id, 8)
        };
        ledger.remember(10, part(10, None));
        ledger.remember(11, part(11, None));
        ledger.remember(12, part(10, None));
        // Waiting for the rest: known, not yet judged.
        assert_eq!(ledger.look_up("12", 0), Lookup::Kept(part(10, None)));
        let ending = Ending {
            receipt: Some(Receipt::Delivered),
            outcome: Outcome::Delivered,
            at: 5,
            cancelled: false,
        };
        ledger.decided(10, ending);
        for id in ["10", "12"] {
            assert_eq!(ledger.look_up(id, 0), Lookup::Kept(part(10, Some(ending))));
        }
        assert_eq!(ledger.look_up("11", 0), Lookup::Kept(part(11, None)));
        // Cancelled stays cancelled when an outage re-decides it later.
        ledger.decided(
            10,
            Ending {
                cancelled: true,
                ..ending
            },
        );
        ledger.decided(10, ending);
        let Lookup::Kept(k) = ledger.look_up("12", 0) else {
            panic!("kept")
        };
        assert!(k.ending.is_some_and(|e| e.cancelled));
    }
}
