//! Concatenated messages being put together. Each part submitted is
//! accepted with its own message_id and waits here, keyed by account,
//! source, destination, scheme, reference and total, until every part
//! number has come (the model then judges the whole message once, and
//! every part's receipt follows that fate) or until `[serve]
//! concat_timeout` (wall time) has passed since its first part came: then
//! the parts received get receipts saying UNDELIV (err 034), and the
//! message never reaches the model. At most `PENDING_PARTS` parts wait at
//! once; a part that would make more is refused with ESME_RMSGQFUL.

use crate::model::{Outcome, Receipt};
use crate::protocol::smpp::user_data::Scheme;
use crate::serve::receipts::ReceiptJob;
use crate::units::Nanos;
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

/// Parts waiting for the rest of their message, over all accounts; beyond
/// this a new part is refused (docs/limits.md).
pub const PENDING_PARTS: usize = 100_000;

/// What names one concatenated message.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SetKey {
    pub account: usize,
    pub sender: String,
    pub handset: String,
    pub scheme: Scheme,
    pub reference: u16,
    pub total: u8,
}

/// One accepted submit whose receipt follows its message's fate.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// The message_id the client was given.
    pub id: u64,
    /// Its part number (1 for a whole message).
    pub seq: u8,
    /// registered_delivery's low two bits.
    pub wanted: u8,
    /// What its receipt quotes.
    pub text: String,
    /// Simulated time it was submitted.
    pub arrived: Nanos,
    /// The submit's data_coding octet.
    pub coding: u8,
}

impl Part {
    /// Its submitter asked for a receipt claiming `receipt`.
    pub fn wants(&self, receipt: Receipt) -> bool {
        self.wanted == 1 || (self.wanted == 2 && receipt != Receipt::Delivered)
    }
}

/// The parts of one message received so far.
#[derive(Debug)]
pub struct Set {
    /// When it is given up.
    pub deadline: Instant,
    /// In the order they came (a part number sent twice is kept twice:
    /// each accepted submit gets its receipt).
    pub parts: Vec<Part>,
    serial: u64,
}

impl Set {
    fn complete(&self, total: u8) -> bool {
        let mut seen = [false; 256];
        self.parts.iter().for_each(|p| seen[p.seq as usize] = true);
        (1..=total as usize).all(|s| seen[s])
    }
}

/// What became of a part offered to the pending sets.
#[derive(Debug)]
pub enum Added {
    /// It waits for the rest of its message, whose first part (its fate
    /// id, once judged) is `first`.
    Waiting { first: u64 },
    /// It was the last missing one: the whole set, taken out.
    Complete(Set),
    /// No room: refused.
    Full,
}

/// The incomplete messages, bounded by the parts they hold.
#[derive(Debug)]
pub struct Pending {
    sets: HashMap<SetKey, Set>,
    /// Each set's deadline and serial, in deadline order.
    deadlines: BTreeMap<(Instant, u64), SetKey>,
    parts: usize,
    capacity: usize,
    next_serial: u64,
}

impl Pending {
    pub fn new(capacity: usize) -> Self {
        Pending {
            sets: HashMap::new(),
            deadlines: BTreeMap::new(),
            parts: 0,
            capacity,
            next_serial: 0,
        }
    }

    /// Parts waiting now.
    pub fn parts(&self) -> usize {
        self.parts
    }

    /// Adds `part` to its message's set (made, given up at `deadline`, if
    /// it is the first to come).
    pub fn add(&mut self, key: SetKey, part: Part, deadline: Instant) -> Added {
        let total = key.total;
        let completes = self.sets.get(&key).is_some_and(|set| {
            let mut with = set.parts.iter().map(|p| p.seq).collect::<Vec<_>>();
            with.push(part.seq);
            (1..=total).all(|s| with.contains(&s))
        });
        if completes {
            let mut set = self.take(&key).expect("found");
            set.parts.push(part);
            return Added::Complete(set);
        }
        if self.parts >= self.capacity {
            return Added::Full;
        }
        self.parts += 1;
        let set = self.sets.entry(key.clone()).or_insert_with(|| {
            let serial = self.next_serial;
            self.next_serial += 1;
            self.deadlines.insert((deadline, serial), key);
            Set {
                deadline,
                parts: Vec::new(),
                serial,
            }
        });
        set.parts.push(part);
        Added::Waiting {
            first: set.parts[0].id,
        }
    }

    /// A set taken out complete goes back to wait (its last part was
    /// refused), with its first deadline.
    pub fn put_back(&mut self, key: SetKey, set: Set) {
        if set.parts.is_empty() || set.complete(key.total) {
            return;
        }
        self.parts += set.parts.len();
        self.deadlines
            .insert((set.deadline, set.serial), key.clone());
        self.sets.insert(key, set);
    }

    fn take(&mut self, key: &SetKey) -> Option<Set> {
        let set = self.sets.remove(key)?;
        self.deadlines.remove(&(set.deadline, set.serial));
        self.parts -= set.parts.len();
        Some(set)
    }

    /// Takes out the sets whose deadline has passed by `now`.
    pub fn expired(&mut self, now: Instant) -> Vec<(SetKey, Set)> {
        let mut out = Vec::new();
        while let Some((&(at, _), key)) = self.deadlines.first_key_value() {
            if at > now {
                break;
            }
            let key = key.clone();
            let set = self.take(&key).expect("a deadline has its set");
            out.push((key, set));
        }
        out
    }
}

/// The receipt job for `part` of the message `key` names, reporting the
/// model's message `fate_id`.
pub fn job(key: &SetKey, part: &Part, fate_id: u64, end: (Receipt, Outcome, Nanos)) -> ReceiptJob {
    let (receipt, outcome, done_at) = end;
    ReceiptJob {
        account: key.account,
        message_id: part.id,
        fate_id,
        handset: key.handset.clone(),
        sender: key.sender.clone(),
        submitted_at: part.arrived,
        done_at,
        receipt,
        outcome,
        text: part.text.clone(),
        cancelled: false,
    }
}

/// What a message given up claims and records: UNDELIV (err 034), never
/// having reached the model.
pub const GIVEN_UP: (Receipt, Outcome) = (Receipt::Undelivered, Outcome::Refused);

/// The receipts of the parts of messages given up at simulated time
/// `now`: UNDELIV (err 034) for each part that asked for one.
pub fn given_up(sets: Vec<(SetKey, Set)>, now: Nanos) -> Vec<ReceiptJob> {
    let mut jobs = Vec::new();
    for (key, set) in sets {
        let fate_id = set.parts[0].id;
        for part in set.parts.iter().filter(|p| p.wants(Receipt::Undelivered)) {
            let end = (GIVEN_UP.0, GIVEN_UP.1, now);
            jobs.push(job(&key, part, fate_id, end));
        }
    }
    jobs
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn key(total: u8) -> SetKey {
        SetKey {
            account: 0,
            sender: "APP".into(),
            handset: "819012345678".into(),
            scheme: Scheme::Udh8,
            reference: 7,
            total,
        }
    }

    fn part(id: u64, seq: u8) -> Part {
        Part {
            id,
            seq,
            wanted: 1,
            text: format!("part {seq}"),
            arrived: 0,
            coding: 0,
        }
    }

    #[test]
    fn a_set_completes_when_every_part_number_has_come_in_any_order() {
        let mut pending = Pending::new(10);
        let at = Instant::now();
        assert!(matches!(
            pending.add(key(3), part(1, 3), at),
            Added::Waiting { .. }
        ));
        assert!(matches!(
            pending.add(key(3), part(2, 1), at),
            Added::Waiting { .. }
        ));
        // A part number sent again waits too, with its own id; each part
        // waiting names its message by the first part's id.
        assert!(matches!(
            pending.add(key(3), part(3, 1), at),
            Added::Waiting { first: 1 }
        ));
        assert_eq!(pending.parts(), 3);
        let Added::Complete(set) = pending.add(key(3), part(4, 2), at) else {
            panic!("the third part number completes it");
        };
        assert_eq!(
            set.parts.iter().map(|p| p.id).collect::<Vec<_>>(),
            [1, 2, 3, 4]
        );
        assert_eq!(pending.parts(), 0);
        assert!(pending.expired(at + Duration::from_secs(1)).is_empty());
    }

    #[test]
    fn the_parts_of_a_message_given_up_are_undelivered() {
        let mut pending = Pending::new(10);
        let at = Instant::now();
        pending.add(key(3), part(5, 1), at);
        pending.add(
            key(3),
            Part {
                wanted: 0,
                ..part(6, 2)
            },
            at,
        );
        let jobs = given_up(pending.expired(at), 9);
        assert_eq!(jobs.len(), 1, "the part that asked for none gets none");
        let job = &jobs[0];
        assert_eq!((job.message_id, job.fate_id, job.done_at), (5, 5, 9));
        assert_eq!(
            (job.receipt, job.outcome),
            (Receipt::Undelivered, Outcome::Refused)
        );
        assert_eq!(
            crate::protocol::vocabulary::network_error(job.receipt, job.outcome),
            34
        );
    }

    #[test]
    fn sets_expire_at_their_deadline_and_room_is_bounded() {
        let mut pending = Pending::new(2);
        let start = Instant::now();
        let later = start + Duration::from_secs(60);
        assert!(matches!(
            pending.add(key(2), part(1, 1), start),
            Added::Waiting { .. }
        ));
        assert!(matches!(
            pending.add(key(3), part(2, 1), later),
            Added::Waiting { .. }
        ));
        assert!(matches!(
            pending.add(key(4), part(3, 1), start),
            Added::Full
        ));
        // A part that completes its set needs no room.
        let Added::Complete(set) = pending.add(key(2), part(4, 2), start) else {
            panic!("completes");
        };
        // Its last part refused: the set waits again, with its deadline.
        let mut set = set;
        set.parts.pop();
        pending.put_back(key(2), set);
        let expired = pending.expired(start + Duration::from_secs(1));
        assert_eq!(expired.len(), 1);
        assert_eq!(expired[0].1.parts[0].id, 1);
        assert_eq!(pending.parts(), 1);
        assert_eq!(pending.expired(later).len(), 1);
        assert_eq!(pending.parts(), 0);
    }
}
