//! One delivery record as every reader hands it over, whatever the input
//! format: where the message went, when it was sent, and the final state
//! its receipt reported. Fields borrow from the reader's buffer so reading
//! a million records allocates nothing per record.

use crate::model::Receipt;
use crate::protocol::vocabulary;

/// The final state of a message as a delivery record can tell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FinalState {
    /// The receipt says delivered (DELIVRD, Twilio `delivered`).
    Delivered,
    /// UNDELIV, Twilio `undelivered`/`failed` with a handset or carrier error.
    Undeliverable,
    /// EXPIRED: the SMSC gave up (Twilio 30003).
    Expired,
    /// REJECTD: filtered by the carrier or the user (Twilio 30007).
    Rejected,
    /// Accepted, but no final receipt ever came.
    NoReceipt,
    /// The submit itself was refused (never accepted).
    Refused,
}

impl FinalState {
    pub const ALL: [FinalState; 6] = [
        FinalState::Delivered,
        FinalState::Undeliverable,
        FinalState::Expired,
        FinalState::Rejected,
        FinalState::NoReceipt,
        FinalState::Refused,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FinalState::Delivered => "delivered",
            FinalState::Undeliverable => "undeliverable",
            FinalState::Expired => "expired",
            FinalState::Rejected => "rejected",
            FinalState::NoReceipt => "no_receipt",
            FinalState::Refused => "refused",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// The state a final word says, through the vocabulary table `serve`
    /// writes receipts with: an SMPP `stat:` (`DELIVRD`, `UNDELIV`,
    /// `EXPIRED`, `REJECTD`) or a Twilio status with its error code
    /// (`delivered`, `undelivered 30007`). None for a word the table does
    /// not know (the reader counts the record as skipped).
    pub fn from_final_word(word: &str) -> Option<FinalState> {
        vocabulary::known_final(word).map(|(_, receipt)| FinalState::of_receipt(receipt))
    }

    /// The state a receipt claim stands for.
    pub fn of_receipt(receipt: Receipt) -> FinalState {
        match receipt {
            Receipt::Delivered => FinalState::Delivered,
            Receipt::Undelivered => FinalState::Undeliverable,
            Receipt::Expired => FinalState::Expired,
            Receipt::Rejected => FinalState::Rejected,
            Receipt::SubmitFailed => FinalState::Refused,
            Receipt::Nothing => FinalState::NoReceipt,
        }
    }
}

/// One message, as read from a record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observation<'a> {
    /// The destination number (or any stable key per number).
    pub number: &'a str,
    /// The session (one user's attempt to sign in), when the records say.
    pub session: Option<&'a str>,
    /// The provider, or `all` when the records do not say.
    pub provider: &'a str,
    /// The carrier when the record says; otherwise the carrier map decides.
    pub carrier: Option<&'a str>,
    /// When it was sent, in seconds on the records' own clock (Unix time,
    /// or seconds from the start of a simsms run).
    pub sent_s: f64,
    /// When its final state was reached, same clock; None without one.
    pub final_s: Option<f64>,
    pub state: FinalState,
    /// The error code the record gives (SMPP err, Twilio error_code).
    pub err: Option<u32>,
    pub segments: u32,
    /// What the provider billed, when the record says.
    pub price: Option<f64>,
    /// Whether `sent_s` is a Unix time (so time of day is known).
    pub wall_clock: bool,
    /// The record's line (a log's: its send's), for a skip's report.
    pub line: u64,
}

/// A record that was read but not used, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    /// 1-based line number in the file (or record number for gzip input).
    pub line: u64,
    /// A short reason, the same text for the same cause so skips group:
    /// e.g. "unparsable sent time", "unknown status".
    pub reason: String,
}

/// Where readers put what they read.
pub trait Sink {
    fn observe(&mut self, observation: &Observation<'_>);
    fn skip(&mut self, skip: Skip);
}
