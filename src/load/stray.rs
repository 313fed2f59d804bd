//! Receipts a load process cannot match to a message of its own. An SMSC
//! sends a receipt on any bind of the account its message belongs to, so
//! a process sharing an account with another (a second `load`, another
//! shard) receives receipts of messages it never sent, and theirs may go
//! there. Such a receipt (or an HTTP final status with an unknown sid) is
//! held, never dropped: it may merely have come before its message's
//! answer, and whatever is still held at the end is kept, with its id,
//! stat, err, dates and arrival, and counted apart (docs/load.md); `merge`
//! joins the kept ones with the parts that sent them (`load::join`). A
//! receipt for an id this process saw final lately is a duplicate (sent
//! twice, or after a query settled its message), counted as such.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{Hash, Hasher};
use std::time::Instant;

/// The most unmatched receipts a process keeps (about 200 bytes each);
/// beyond it they are counted, not kept (docs/limits.md).
pub const MAX_KEPT: usize = 1_000_000;

/// How many ids of final messages are remembered to recognise a duplicate
/// receipt (8 bytes each, twice).
pub const RECENT_FINAL_IDS: usize = 1 << 20;

/// A receipt as it came: the receipted id, stat, err, the dates its text
/// wrote (the SMSC's clock) and when it arrived here.
#[derive(Debug, Clone, PartialEq)]
pub struct Stray {
    pub id: String,
    pub stat: String,
    pub err: Option<String>,
    pub submit_date: Option<String>,
    pub done_date: Option<String>,
    pub at: Instant,
}

impl Stray {
    /// An HTTP final status for message `sid` (no err or dates of its
    /// own: the error code is part of the status), arriving now.
    pub fn status(sid: &str, status: String) -> Stray {
        Stray {
            id: sid.to_string(),
            stat: status,
            err: None,
            submit_date: None,
            done_date: None,
            at: Instant::now(),
        }
    }
}

/// The receipts held so far, and the ids seen final lately.
#[derive(Debug, Default)]
pub struct Strays {
    held: HashMap<String, Stray>,
    /// Hashes of the ids of messages final lately, oldest first.
    recent: VecDeque<u64>,
    recent_set: HashSet<u64>,
    /// Receipts for an id already final.
    pub duplicates: usize,
    /// Unmatched receipts beyond `MAX_KEPT`: counted, not kept.
    pub overflow: usize,
}

fn hash(id: &str) -> u64 {
    let mut h = DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

impl Strays {
    /// A receipt whose id matches no message waiting for one: a duplicate
    /// if its id was final lately, otherwise held (its message's answer
    /// may still come).
    pub fn hold(&mut self, stray: Stray) {
        if self.recent_set.contains(&hash(&stray.id)) {
            self.duplicates += 1;
        } else if self.held.contains_key(&stray.id) {
            // The same receipt twice before any answer: one is kept.
            self.duplicates += 1;
        } else if self.held.len() >= MAX_KEPT {
            self.overflow += 1;
        } else {
            self.held.insert(stray.id.clone(), stray);
        }
    }

    /// The receipt held for `id`, if one came before its message's answer.
    pub fn take(&mut self, id: &str) -> Option<Stray> {
        self.held.remove(id)
    }

    /// Message part `id` is final: a later receipt for it is a duplicate.
    pub fn settled(&mut self, id: &str) {
        let h = hash(id);
        if !self.recent_set.insert(h) {
            return;
        }
        self.recent.push_back(h);
        if self.recent.len() > RECENT_FINAL_IDS
            && let Some(old) = self.recent.pop_front()
        {
            self.recent_set.remove(&old);
        }
    }

    /// How many are held (unmatched so far) or were counted past the bound.
    pub fn unmatched(&self) -> usize {
        self.held.len() + self.overflow
    }

    /// Everything still held, in order of arrival.
    pub fn take_all(&mut self) -> Vec<Stray> {
        let mut all: Vec<Stray> = self.held.drain().map(|(_, s)| s).collect();
        all.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stray(id: &str) -> Stray {
        Stray {
            id: id.into(),
            stat: "DELIVRD".into(),
            err: Some("000".into()),
            submit_date: None,
            done_date: None,
            at: Instant::now(),
        }
    }

    #[test]
    fn unknown_receipts_are_held_and_duplicates_counted() {
        let mut s = Strays::default();
        s.hold(stray("7"));
        assert_eq!(s.take("7").map(|r| r.id), Some("7".into()));
        s.settled("7");
        s.hold(stray("7"));
        assert_eq!((s.duplicates, s.unmatched()), (1, 0));
        s.hold(stray("8"));
        s.hold(stray("8"));
        assert_eq!((s.duplicates, s.unmatched()), (2, 1));
        assert_eq!(s.take_all().len(), 1);
    }
}
