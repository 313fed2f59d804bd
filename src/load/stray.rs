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

/// The most unmatched receipts a process keeps (about 150 bytes each,
/// measured with a million); beyond it they are counted, not kept
/// (docs/limits.md).
pub const MAX_KEPT: usize = 1_000_000;

/// How many ids of final messages are remembered to recognise a duplicate
/// receipt (a hash of each, about 50 bytes with the set's room): an older
/// message's duplicate counts as unmatched (docs/limits.md).
pub const RECENT_FINAL_IDS: usize = 1 << 18;

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

/// A held receipt, packed: its fields in one string (id, stat, err,
/// submit date, done date, separated by `SEP`) and its arrival, under the
/// hash of its id.
type Packed = (Box<str>, Instant);

/// Separates a packed receipt's fields (a control character no receipt
/// field holds; one that did would only be split differently).
const SEP: char = '\u{1f}';

fn pack(s: Stray) -> Packed {
    let opt = |o: Option<String>| o.unwrap_or_default();
    let fields = [
        s.id,
        s.stat,
        opt(s.err),
        opt(s.submit_date),
        opt(s.done_date),
    ];
    (fields.join(&SEP.to_string()).into_boxed_str(), s.at)
}

fn unpack((text, at): &Packed) -> Stray {
    let mut fields = text.split(SEP).map(str::to_string);
    let mut next = || fields.next().unwrap_or_default();
    let (id, stat) = (next(), next());
    let opt = |v: String| (!v.is_empty()).then_some(v);
    let (err, submit_date, done_date) = (opt(next()), opt(next()), opt(next()));
    Stray {
        id,
        stat,
        err,
        submit_date,
        done_date,
        at: *at,
    }
}

fn id_of(text: &str) -> &str {
    text.split(SEP).next().unwrap_or("")
}

/// The receipts held so far, and the ids seen final lately.
#[derive(Debug, Default)]
pub struct Strays {
    /// Held receipts by the hash of their id, and those whose id's hash
    /// another held one has (all but never).
    held: HashMap<u64, Packed>,
    collided: Vec<Packed>,
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
        let h = hash(&stray.id);
        let same = |(t, _): &Packed| id_of(t) == stray.id;
        let held = self.held.get(&h);
        if self.recent_set.contains(&h) || held.is_some_and(same) || self.collided.iter().any(same)
        {
            // Final already, or the same receipt twice before any answer
            // (one is kept).
            self.duplicates += 1;
        } else if self.held.len() + self.collided.len() >= MAX_KEPT {
            self.overflow += 1;
        } else if held.is_some() {
            self.collided.push(pack(stray));
        } else {
            self.held.insert(h, pack(stray));
        }
    }

    /// The receipt held for `id`, if one came before its message's answer.
    pub fn take(&mut self, id: &str) -> Option<Stray> {
        let h = hash(id);
        if self.held.get(&h).is_some_and(|(t, _)| id_of(t) == id) {
            return self.held.remove(&h).map(|p| unpack(&p));
        }
        let at = self.collided.iter().position(|(t, _)| id_of(t) == id)?;
        Some(unpack(&self.collided.swap_remove(at)))
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
        self.held.len() + self.collided.len() + self.overflow
    }

    /// Everything still held, in order of arrival.
    pub fn take_all(&mut self) -> Vec<Stray> {
        let held = self.held.drain().map(|(_, p)| p);
        let mut all: Vec<Stray> = (held.chain(self.collided.drain(..)))
            .map(|p| unpack(&p))
            .collect();
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
    fn a_held_receipt_comes_back_whole() {
        let mut s = Strays::default();
        let mut full = stray("AB12");
        full.submit_date = Some("2611221711".into());
        full.done_date = Some("2611221712".into());
        s.hold(full.clone());
        let mut bare = stray("9");
        bare.err = None;
        s.hold(bare.clone());
        assert_eq!(s.take("AB12"), Some(full));
        assert_eq!(s.take("AB12"), None);
        assert_eq!(s.take_all(), vec![bare]);
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
