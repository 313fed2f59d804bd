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

/// The trace store: the newest `capacity` submissions.
#[derive(Debug, Default)]
pub struct Traces {
    capacity: usize,
    /// By key: the model's message id, or a refusal's own serial.
    entries: HashMap<u64, Traced>,
    order: VecDeque<u64>,
    /// Ids a client was given other than the key itself (later parts of
    /// a long message, HTTP SIDs), to their message's key.
    aliases: HashMap<String, u64>,
    /// Keys by the hash of the destination's digits (`number_key`), oldest
    /// first; a look-up checks the number itself.
    by_number: HashMap<u64, VecDeque<u64>>,
    next_refusal: u64,
    recent: VecDeque<Recent>,
    /// Submissions traced since start, and events dropped by the bounds.
    pub traced: u64,
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
        if let Some(old) = self.entries.get_mut(&key) {
            // A concatenated message's later parts join its first part's entry.
            for id in &traced.client_ids {
                if id.parse() != Ok(key) {
                    self.aliases.insert(id.clone(), key);
                }
            }
            old.client_ids.append(&mut traced.client_ids);
            old.fate = traced.fate.or(old.fate.take());
            self.note_recent(traced.submitted, key, RecentKind::Submitted);
            return;
        }
        while self.entries.len() >= self.capacity {
            self.forget_oldest();
        }
        for id in &traced.client_ids {
            if id.parse() != Ok(key) {
                self.aliases.insert(id.clone(), key);
            }
        }
        let number = number_key(&traced.number);
        self.by_number.entry(number).or_default().push_back(key);
        self.order.push_back(key);
        let at = traced.submitted;
        self.entries.insert(key, traced);
        self.note_recent(at, key, RecentKind::Submitted);
    }

    /// Adds client ids (a later part of a concatenated message) to the
    /// entry of the model's message `key`.
    pub fn alias(&mut self, key: u64, id: String) {
        if let Some(entry) = self.entries.get_mut(&key) {
            entry.client_ids.push(id.clone());
            self.aliases.insert(id, key);
        }
    }

    fn forget_oldest(&mut self) {
        let Some(key) = self.order.pop_front() else {
            return;
        };
        let Some(entry) = self.entries.remove(&key) else {
            return;
        };
        for id in &entry.client_ids {
            if self.aliases.get(id) == Some(&key) {
                self.aliases.remove(id);
            }
        }
        let number = number_key(&entry.number);
        if let Some(keys) = self.by_number.get_mut(&number) {
            // The oldest message is the oldest to its number too: O(1), so a
            // test hammering one number does not make each eviction a scan.
            match keys.front() == Some(&key) {
                true => drop(keys.pop_front()),
                false => keys.retain(|k| *k != key),
            }
            if keys.is_empty() {
                self.by_number.remove(&number);
            }
        }
    }

    /// The fate of message `key` changed (an injected outage).
    pub fn redecided(&mut self, key: u64, fate: &Fate, at: Stamp) {
        self.changed(key, fate, at, Happening::Redecided);
    }

    /// The fate of message `key` changed, `why`.
    pub fn changed(&mut self, key: u64, fate: &Fate, at: Stamp, why: Happening) {
        if let Some(entry) = self.entries.get_mut(&key) {
            entry.fate = Some(fate.clone());
        }
        self.happened(key, at, why);
    }

    /// Something happened to message `key` on the protocol side.
    pub fn happened(&mut self, key: u64, at: Stamp, what: Happening) {
        let Some(entry) = self.entries.get_mut(&key) else {
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
            let entry = self.entries.get(&r.key)?;
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
                self.entries
                    .get(k)
                    .is_some_and(|e| e.client_ids.iter().any(|i| i == query))
            })
            .or_else(|| self.aliases.get(query).copied());
        if let Some(entry) = by_id.and_then(|k| self.entries.get(&k)) {
            return vec![entry];
        }
        let Some(keys) = self.by_number.get(&number_key(query)) else {
            return Vec::new();
        };
        let digits = digits_of(query);
        keys.iter()
            .rev()
            .filter_map(|k| self.entries.get(k))
            .filter(|t| digits_of(&t.number) == digits)
            .take(PER_NUMBER)
            .collect()
    }

    /// Messages kept now.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
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
        assert_eq!(traces.by_number[&number_key("8190")].len(), 1000);
    }

    #[test]
    fn a_zero_capacity_keeps_nothing() {
        let mut traces = Traces::new(0);
        traces.submitted(traced("8190", &["1"]), Some(1));
        assert!(traces.is_empty() && traces.find("1").is_empty());
    }
}
