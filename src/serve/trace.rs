//! The message trace behind the live page: for the newest
//! `[serve] trace_messages` submissions (accepted or refused), what the
//! client sent, the fate the model decided (kept current when an injected
//! outage re-decides it or its sender cancels it) and what the protocol
//! side did with it afterwards: receipts sent, acknowledged and sent
//! again, status callbacks and their answers. Looked up by any id the
//! client was given or by destination number. Also a short list of the
//! newest events for the page's stream. Both are bounded: the oldest
//! message is forgotten first, and a message keeps at most
//! `EVENTS_PER_MESSAGE` events (later ones are counted).

use crate::model::{Fate, number_key};
use crate::units::Nanos;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};

/// Events kept per message (a receipt sent again and again, or many
/// callback retries, must not grow one entry without bound).
pub const EVENTS_PER_MESSAGE: usize = 24;

/// Newest events kept for the page's stream.
pub const RECENT_EVENTS: usize = 50;

/// Messages one number's look-up lists, newest first.
pub const PER_NUMBER: usize = 20;

/// A moment on both clocks: the model's (simulated nanoseconds since
/// serve started) and the wall's (Unix milliseconds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stamp {
    pub sim: Nanos,
    pub wall_unix_ms: u64,
}

/// Which API the message came by.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Via {
    Smpp,
    Http,
}

impl Via {
    pub fn name(self) -> &'static str {
        match self {
            Via::Smpp => "SMPP",
            Via::Http => "HTTP",
        }
    }
}

/// What happened to a traced message on the protocol side after the
/// model decided its fate.
#[derive(Debug, Clone, PartialEq)]
pub enum Happening {
    /// A receipt (deliver_sm or data_sm) went out for the client's id.
    ReceiptSent { id: u64, stat: &'static str },
    /// The client acknowledged it.
    ReceiptAcknowledged { id: u64, stat: &'static str },
    /// Not acknowledged in time, or its bind closed: back to be sent again.
    ReceiptHeldAgain { id: u64 },
    /// An injected outage changed the fate (shown as it now stands).
    Redecided,
    /// Its sender cancelled it (cancel_sm).
    Cancelled,
    /// A status callback was posted; `answer` is the receiver's last
    /// answer ("HTTP 200", or why none came), after `attempts` tries.
    Callback {
        status: &'static str,
        answer: String,
        attempts: u32,
        accepted: bool,
    },
    /// Given up: its parts never all came within `concat_timeout`.
    Incomplete,
    /// Its HTTP status changed (what a GET of it now says).
    Status { status: &'static str },
}

impl Happening {
    /// The event in words, for the page.
    pub fn words(&self) -> String {
        match self {
            Happening::ReceiptSent { id, stat } => format!("receipt {stat} sent for id {id}"),
            Happening::ReceiptAcknowledged { id, stat } => {
                format!("receipt {stat} for id {id} acknowledged by the client")
            }
            Happening::ReceiptHeldAgain { id } => format!(
                "receipt for id {id} not acknowledged (timeout or bind closed): held to send again"
            ),
            Happening::Redecided => "re-decided by an injected outage".into(),
            Happening::Cancelled => "cancelled by its sender (cancel_sm)".into(),
            Happening::Callback {
                status,
                answer,
                attempts,
                accepted,
            } => {
                let verdict = if *accepted { "accepted" } else { "given up" };
                format!(
                    "status callback `{status}` posted: {answer} after {attempts} attempt(s), {verdict}"
                )
            }
            Happening::Incomplete => "given up: its parts never all came (concat_timeout)".into(),
            Happening::Status { status } => format!("status is now `{status}` (as GET shows it)"),
        }
    }
}

/// One submission as traced.
#[derive(Debug, Clone)]
pub struct Traced {
    pub account: usize,
    pub via: Via,
    pub number: String,
    /// The ids the client was given (SMPP message_ids of each part, or
    /// the HTTP message SID).
    pub client_ids: Vec<String>,
    pub segments: u32,
    pub submitted: Stamp,
    /// Why it was refused (SMPP command_status or HTTP error), if it was.
    pub refusal: Option<String>,
    /// The fate as the model decided it, current.
    pub fate: Option<Fate>,
    pub events: Vec<(Stamp, Happening)>,
    /// Events beyond `EVENTS_PER_MESSAGE`, not kept.
    pub events_dropped: u32,
}

/// What a newest event was, kept without formatting (the stream formats
/// the few it shows).
#[derive(Debug, Clone)]
pub enum RecentKind {
    /// Submitted: its refusal, or the outcome the model decided.
    Submitted,
    Happened(Happening),
}

/// A newest event, for the stream: the message it happened to (by key;
/// one forgotten since is skipped) and what.
#[derive(Debug, Clone)]
pub struct Recent {
    pub at: Stamp,
    pub key: u64,
    pub kind: RecentKind,
}

/// The trace store: the newest `capacity` submissions, kept in one ring
/// in the order they came (the oldest is forgotten first), with small
/// indexes from each message key and each number to their place. One
/// message is an append and a few integer-keyed look-ups (a hash map of
/// whole entries and a list per number kept serve from 100,000 messages
/// a second: docs/performance.md).
#[derive(Debug, Default)]
pub struct Traces {
    capacity: usize,
    /// Oldest first; `ring[i]` is the message of sequence `first + i`.
    ring: VecDeque<Kept>,
    first: u64,
    /// Message key (the model's message id, or a refusal's own serial)
    /// to its sequence in the ring.
    by_key: HashMap<u64, u64, BuildHasherDefault<MixedKey>>,
    /// Ids a client was given other than the key itself (later parts of
    /// a long message, HTTP SIDs), to their message's key.
    aliases: HashMap<String, u64>,
    /// The hash of a destination's digits (`number_key`) to the sequence
    /// of its newest message; each message links to the one before it to
    /// the same hash, and a look-up checks the number itself. Sequences,
    /// not keys: a key comes back after its message was forgotten (a
    /// long message's later part, traced under its first part's id), and
    /// a link by key could then point forward and close a loop.
    by_number: HashMap<u64, u64, BuildHasherDefault<MixedKey>>,
    next_refusal: u64,
    recent: VecDeque<Recent>,
    /// Submissions traced since start, and events dropped by the bounds.
    pub traced: u64,
}

/// One kept message and the sequence of the message before it to the
/// same number hash (a chain the look-up walks, newest first: sequences
/// only go down, so the walk ends).
#[derive(Debug)]
struct Kept {
    key: u64,
    traced: Traced,
    earlier_to_number: Option<u64>,
}

/// Hashes the store's integer keys with one multiplication: message ids
/// come in sequence and number keys are already hashes, so SipHash's
/// resistance to chosen keys buys nothing here.
#[derive(Default)]
struct MixedKey(u64);

impl Hasher for MixedKey {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b) ^ self.0.rotate_left(8));
        }
    }
    fn write_u64(&mut self, n: u64) {
        // Fibonacci hashing, rotated so that the low bits (the bucket)
        // depend on every bit of the key, not only on its low bits.
        self.0 = n.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(26);
    }
}

/// Keys of refused submissions: apart from the model's message ids.
const REFUSAL_KEYS: u64 = 1 << 63;

impl Traces {
    /// A store of the newest `capacity` submissions (0: none kept).
    pub fn new(capacity: usize) -> Self {
        Traces {
            capacity,
            ..Traces::default()
        }
    }

    pub fn enabled(&self) -> bool {
        self.capacity > 0
    }

    fn entry(&self, key: u64) -> Option<&Traced> {
        let sequence = *self.by_key.get(&key)?;
        Some(&self.ring[(sequence - self.first) as usize].traced)
    }

    fn entry_mut(&mut self, key: u64) -> Option<&mut Traced> {
        let sequence = *self.by_key.get(&key)?;
        Some(&mut self.ring[(sequence - self.first) as usize].traced)
    }

    /// Traces an accepted message (the model's message `key`, its fate)
    /// or a refused one (`fate` None, `refusal` set).
    pub fn submitted(&mut self, mut traced: Traced, key: Option<u64>) {
        if !self.enabled() {
            return;
        }
        self.traced += 1;
        let key = key.unwrap_or_else(|| {
            self.next_refusal += 1;
            REFUSAL_KEYS | self.next_refusal
        });
        self.note_aliases(key, &traced.client_ids);
        if let Some(old) = self.entry_mut(key) {
            // A concatenated message's later parts join its first part's entry.
            old.client_ids.append(&mut traced.client_ids);
            old.fate = traced.fate.or(old.fate.take());
            self.note_recent(traced.submitted, key, RecentKind::Submitted);
            return;
        }
        while self.ring.len() >= self.capacity {
            self.forget_oldest();
        }
        let sequence = self.first + self.ring.len() as u64;
        let number = number_key(&traced.number);
        let earlier_to_number = self.by_number.insert(number, sequence);
        let at = traced.submitted;
        self.by_key.insert(key, sequence);
        self.ring.push_back(Kept {
            key,
            traced,
            earlier_to_number,
        });
        self.note_recent(at, key, RecentKind::Submitted);
    }

    /// Files the ids of message `key` that are not the key itself.
    fn note_aliases(&mut self, key: u64, ids: &[String]) {
        for id in ids {
            if id.parse() != Ok(key) {
                self.aliases.insert(id.clone(), key);
            }
        }
    }

    /// Adds client ids (a later part of a concatenated message) to the
    /// entry of the model's message `key`.
    pub fn alias(&mut self, key: u64, id: String) {
        if let Some(entry) = self.entry_mut(key) {
            entry.client_ids.push(id.clone());
            self.aliases.insert(id, key);
        }
    }

    fn forget_oldest(&mut self) {
        let Some(oldest) = self.ring.pop_front() else {
            return;
        };
        let sequence = self.first;
        self.first += 1;
        let key = oldest.key;
        // A key names at most one kept message (a later part joins its
        // entry), and this one is still kept: it is the key's entry.
        self.by_key.remove(&key);
        for id in &oldest.traced.client_ids {
            if self.aliases.get(id) == Some(&key) {
                self.aliases.remove(id);
            }
        }
        // Newer messages to the number link to this one; the walk stops
        // where the chain reaches a forgotten sequence.
        let number = number_key(&oldest.traced.number);
        if self.by_number.get(&number) == Some(&sequence) {
            self.by_number.remove(&number);
        }
    }

    /// The fate of message `key` changed (an injected outage).
    pub fn redecided(&mut self, key: u64, fate: &Fate, at: Stamp) {
        self.changed(key, fate, at, Happening::Redecided);
    }

    /// The fate of message `key` changed, `why`.
    pub fn changed(&mut self, key: u64, fate: &Fate, at: Stamp, why: Happening) {
        if let Some(entry) = self.entry_mut(key) {
            entry.fate = Some(fate.clone());
        }
        self.happened(key, at, why);
    }

    /// Something happened to message `key` on the protocol side.
    pub fn happened(&mut self, key: u64, at: Stamp, what: Happening) {
        let Some(entry) = self.entry_mut(key) else {
            return;
        };
        if entry.events.len() < EVENTS_PER_MESSAGE {
            entry.events.push((at, what.clone()));
        } else {
            entry.events_dropped += 1;
        }
        self.note_recent(at, key, RecentKind::Happened(what));
    }

    fn note_recent(&mut self, at: Stamp, key: u64, kind: RecentKind) {
        if self.recent.len() >= RECENT_EVENTS {
            self.recent.pop_front();
        }
        self.recent.push_back(Recent { at, key, kind });
    }

    /// The newest events still about kept messages, oldest first: when,
    /// the message, and the event in words.
    pub fn recent(&self) -> impl Iterator<Item = (Stamp, &Traced, String)> {
        self.recent.iter().filter_map(|r| {
            let entry = self.entry(r.key)?;
            let what = match &r.kind {
                RecentKind::Happened(h) => h.words(),
                RecentKind::Submitted => match (&entry.refusal, &entry.fate) {
                    (Some(why), _) => format!("refused: {why}"),
                    (None, Some(fate)) => {
                        format!("accepted; the model decided: {}", fate.outcome.name())
                    }
                    (None, None) => "part accepted, waiting for the rest".into(),
                },
            };
            Some((r.at, entry, what))
        })
    }

    /// The messages `query` names: the one a client id names, else the
    /// newest `PER_NUMBER` to that number (newest first).
    pub fn find(&self, query: &str) -> Vec<&Traced> {
        let query = query.trim();
        let by_id = (query.parse::<u64>().ok())
            .filter(|k| {
                self.entry(*k)
                    .is_some_and(|e| e.client_ids.iter().any(|i| i == query))
            })
            .or_else(|| self.aliases.get(query).copied());
        if let Some(entry) = by_id.and_then(|k| self.entry(k)) {
            return vec![entry];
        }
        let digits = digits_of(query);
        let mut found = Vec::new();
        let mut next = self.by_number.get(&number_key(query)).copied();
        while let Some(sequence) = next
            && sequence >= self.first
            && found.len() < PER_NUMBER
        {
            let kept = &self.ring[(sequence - self.first) as usize];
            if digits_of(&kept.traced.number) == digits {
                found.push(&kept.traced);
            }
            next = kept.earlier_to_number;
        }
        found
    }

    /// Messages kept now.
    pub fn len(&self) -> usize {
        self.ring.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ring.is_empty()
    }
}

/// A number's digits, the way it is looked up (`+81…` and `81…` alike).
fn digits_of(number: &str) -> String {
    number.trim().trim_start_matches('+').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn traced(number: &str, ids: &[&str]) -> Traced {
        Traced {
            account: 0,
            via: Via::Smpp,
            number: number.into(),
            client_ids: ids.iter().map(|s| s.to_string()).collect(),
            segments: 1,
            submitted: Stamp {
                sim: 0,
                wall_unix_ms: 0,
            },
            refusal: None,
            fate: None,
            events: Vec::new(),
            events_dropped: 0,
        }
    }

    /// The first client id of each message found, in the order found.
    fn first_ids(found: Vec<&Traced>) -> Vec<String> {
        found.iter().map(|t| t.client_ids[0].clone()).collect()
    }

    const AT: Stamp = Stamp {
        sim: 1,
        wall_unix_ms: 1,
    };

    #[test]
    fn the_oldest_message_is_forgotten_with_its_ids_and_number() {
        let mut traces = Traces::new(2);
        traces.submitted(traced("+8190", &["1"]), Some(1));
        traces.submitted(traced("8190", &["2"]), Some(2));
        traces.submitted(traced("8191", &["3"]), Some(3));
        assert_eq!(traces.len(), 2);
        assert!(traces.find("1").is_empty());
        assert_eq!(traces.find("2")[0].client_ids, ["2"]);
        assert_eq!(traces.find("+8190").len(), 1, "only the kept one");
        assert!(
            traces.aliases.is_empty(),
            "an id equal to its key needs no alias"
        );
    }

    #[test]
    fn a_number_lists_its_messages_newest_first_and_refusals_too() {
        let mut traces = Traces::new(100);
        traces.submitted(traced("8190", &["1"]), Some(1));
        let mut refused = traced("8190", &[]);
        refused.refusal = Some("ESME_RTHROTTLED".into());
        traces.submitted(refused, None);
        let found = traces.find("+8190");
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].refusal.as_deref(), Some("ESME_RTHROTTLED"));
    }

    #[test]
    fn events_per_message_and_recent_events_are_bounded() {
        let mut traces = Traces::new(10);
        traces.submitted(traced("8190", &["1"]), Some(1));
        for _ in 0..100 {
            traces.happened(1, AT, Happening::ReceiptHeldAgain { id: 1 });
        }
        let entry = traces.find("1")[0];
        assert_eq!(entry.events.len(), EVENTS_PER_MESSAGE);
        assert_eq!(entry.events_dropped as usize, 100 - EVENTS_PER_MESSAGE);
        assert_eq!(traces.recent().count(), RECENT_EVENTS);
    }

    #[test]
    fn a_later_part_joins_its_message() {
        let mut traces = Traces::new(10);
        traces.submitted(traced("8190", &["5"]), Some(5));
        traces.alias(5, "6".into());
        assert_eq!(traces.find("6")[0].client_ids, ["5", "6"]);
    }

    #[test]
    fn one_number_hammered_keeps_its_newest() {
        let mut traces = Traces::new(1000);
        for k in 0..100_000u64 {
            traces.submitted(traced("8190", &[&k.to_string()]), Some(k));
        }
        let found = traces.find("8190");
        assert_eq!(found.len(), PER_NUMBER);
        assert_eq!(found[0].client_ids, ["99999"]);
        assert_eq!(traces.by_number.len(), 1, "one number, one chain");
        assert_eq!(traces.by_key.len(), 1000);
    }

    #[test]
    fn numbers_interleaved_list_only_their_own_kept_messages_newest_first() {
        let mut traces = Traces::new(5);
        for k in 0..9u64 {
            let number = if k % 3 == 0 { "8190" } else { "8191" };
            traces.submitted(traced(number, &[&k.to_string()]), Some(k));
        }
        // Kept: 4..=8; to 8190 only 6, to 8191 the rest.
        assert_eq!(first_ids(traces.find("8190")), ["6"]);
        assert_eq!(first_ids(traces.find("+8191")), ["8", "7", "5", "4"]);
        assert_eq!(first_ids(traces.find("5")), ["5"]);
        assert!(traces.find("3").is_empty(), "forgotten");
    }

    #[test]
    fn a_number_written_otherwise_shares_its_chain_but_lists_only_its_own() {
        // `number_key` keeps only digits, the look-up the digits as
        // written: "81 90" hashes as "8190" but is another number here.
        let mut traces = Traces::new(10);
        traces.submitted(traced("8190", &["1"]), Some(1));
        traces.submitted(traced("81 90", &["2"]), Some(2));
        assert_eq!(first_ids(traces.find("8190")), ["1"]);
        assert_eq!(first_ids(traces.find("81 90")), ["2"]);
    }

    #[test]
    fn a_key_traced_again_after_it_was_forgotten_closes_no_loop() {
        // A long message's later part comes under its first part's id
        // after that entry was forgotten, while a newer message to the
        // same number (linked to the forgotten one) is still kept: the
        // number's look-up must end, each message once, newest first.
        let mut traces = Traces::new(3);
        traces.submitted(traced("8190", &["7"]), Some(7));
        traces.submitted(traced("8191", &["9"]), Some(9));
        traces.submitted(traced("8190", &["8"]), Some(8));
        traces.submitted(traced("8191", &["10"]), Some(10)); // forgets 7
        traces.submitted(traced("8190", &["7"]), Some(7)); // forgets 9
        assert_eq!(first_ids(traces.find("+8190")), ["7", "8"]);
        assert!(
            traces.find("81 90").is_empty(),
            "same hash, other digits: none, and the walk ends"
        );
    }

    #[test]
    fn a_zero_capacity_keeps_nothing() {
        let mut traces = Traces::new(0);
        traces.submitted(traced("8190", &["1"]), Some(1));
        assert!(traces.is_empty() && traces.find("1").is_empty());
    }
}
