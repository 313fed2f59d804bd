//! What one part of a sharded load run leaves for `merge` to join: its
//! messages still waiting for a receipt at the end (their receipt may have
//! gone to another part on the same account) and the receipts it got for
//! messages it did not send, with what lines them up in time (the part's
//! start on its own clock, which clock that is, and the measured offset
//! from the endpoint's). Times are nanoseconds from the part's start.

use super::clock::OffsetBounds;
use crate::units::Nanos;
use serde::{Deserialize, Serialize};

/// One message as it was seen, in nanoseconds from the run's start: what
/// folding it into the figures needs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Seen {
    /// When it was (first) sent; None: never sent (dropped).
    pub sent: Option<Nanos>,
    /// When it was last sent (after a throttle, again).
    pub last_sent: Nanos,
    pub late: bool,
    pub resubmits: u32,
    /// The answer's status and arrival.
    pub resp: Option<(u32, Nanos)>,
    /// The final receipt's stat and arrival.
    pub receipt: Option<(String, Nanos)>,
    /// The id the endpoint gave it.
    pub id: Option<String>,
}

/// A message still waiting for its receipt when its part ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Waiting {
    /// Its place in the schedule, its intended time and its carrier.
    pub k: u64,
    pub at: Nanos,
    pub carrier: usize,
    pub seen: Seen,
    /// The ids of its parts whose receipt has not come.
    pub ids: Vec<String>,
    /// A message in several parts: the parts' receipts that came here,
    /// the first stat among them that was not DELIVRD, and the last one's
    /// arrival.
    pub parts_receipted: u32,
    pub failed_part: Option<String>,
    pub part_at: Option<Nanos>,
}

/// A receipt whose id no message of its part had.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeptReceipt {
    pub id: String,
    pub stat: String,
    pub err: Option<String>,
    pub submit_date: Option<String>,
    pub done_date: Option<String>,
    /// Its arrival, from the part's start (negative: before it).
    pub at: i64,
}

/// Everything of one part that `merge` joins with the others.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Leftovers {
    /// Receipts are joined within one account: the target as displayed.
    pub account: String,
    /// The part's start, Unix nanoseconds on its own clock.
    pub start_unix_ns: i64,
    /// Which clock: parts with the same id read one clock (the kernel's
    /// boot id: one machine, or containers on one node).
    pub clock_id: Option<String>,
    /// The endpoint's clock minus this part's, as its receipts bound it.
    pub offset: OffsetBounds,
    /// The scenario provider the target stood for, and each message's
    /// segments (for pricing what merge folds).
    pub provider: usize,
    pub segments: u32,
    /// Messages of the part's still waiting for a receipt.
    pub waiting: Vec<Waiting>,
    /// `--otp`: ids of messages that ended without a receipt (their
    /// sessions are over; merge only counts the receipts that went elsewhere).
    pub unreceipted_ids: Vec<String>,
    pub receipts: Vec<KeptReceipt>,
    /// Unmatched receipts beyond the bound: counted, not kept.
    pub receipts_not_kept: usize,
}

/// This machine's clock id: the kernel's boot id, where there is one.
pub fn clock_id() -> Option<String> {
    let id = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
    let id = id.trim();
    (!id.is_empty()).then(|| id.to_string())
}

/// Unix nanoseconds now, on this machine's clock.
pub fn unix_now_ns() -> i64 {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i64,
        Err(e) => -(e.duration().as_nanos() as i64),
    }
}
