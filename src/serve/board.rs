//! The counters per account that the live page shows: submissions, accepted ones,
//! refusals by status, receipts by stat (SMPP receipts acknowledged,
//! HTTP final statuses reached), a small histogram of receipt latency
//! (simulated time from submission to the final state the receipt
//! reports) and binds. `/metrics` keeps the server-wide totals; these
//! split them by account, which is what a tester beside their app reads.

use crate::units::{NANOS_PER_SEC, Nanos};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Upper edges of the receipt latency buckets, in simulated seconds; the
/// last bucket takes everything above the last edge.
pub const LATENCY_EDGES_S: [u64; 6] = [1, 5, 15, 60, 300, 3600];

/// The buckets' labels, for the page's legend.
pub fn latency_labels() -> Vec<String> {
    let name = |s: u64| match s {
        s if s >= 3600 => format!("{} h", s / 3600),
        s if s >= 60 => format!("{} min", s / 60),
        s => format!("{s} s"),
    };
    let mut labels: Vec<String> = LATENCY_EDGES_S
        .iter()
        .map(|&s| format!("≤ {}", name(s)))
        .collect();
    labels.push(format!(
        "> {}",
        name(LATENCY_EDGES_S[LATENCY_EDGES_S.len() - 1])
    ));
    labels
}

/// The stats and statuses receipts usually report (SMPP `stat:`, Twilio
/// final statuses): counted in place; any other under a lock.
const STATS: [&str; 8] = [
    "DELIVRD",
    "UNDELIV",
    "EXPIRED",
    "REJECTD",
    "DELETED",
    "delivered",
    "undelivered",
    "failed",
];

/// One account's counters.
#[derive(Debug, Default)]
pub struct AccountBoard {
    pub submits: AtomicU64,
    pub accepted: AtomicU64,
    pub binds: AtomicUsize,
    refusals: Mutex<BTreeMap<String, u64>>,
    /// Receipts by the usual stats (`STATS`), counted without a lock.
    usual_receipts: [AtomicU64; STATS.len()],
    /// Receipts by any other stat.
    receipts: Mutex<BTreeMap<&'static str, u64>>,
    latency: [AtomicU64; LATENCY_EDGES_S.len() + 1],
}

impl AccountBoard {
    /// A submission refused, named by its status (e.g. `ESME_RTHROTTLED`).
    pub fn refused(&self, status: String) {
        *self
            .refusals
            .lock()
            .expect("board lock")
            .entry(status)
            .or_default() += 1;
    }

    /// A receipt reporting `stat` reached the client, `latency` simulated
    /// time after its message was submitted.
    pub fn receipt(&self, stat: &'static str, latency: Nanos) {
        match STATS.iter().position(|s| *s == stat) {
            Some(i) => drop(self.usual_receipts[i].fetch_add(1, Ordering::Relaxed)),
            None => {
                let mut others = self.receipts.lock().expect("board lock");
                *others.entry(stat).or_default() += 1;
            }
        }
        let bucket = LATENCY_EDGES_S
            .iter()
            .position(|&edge| latency <= edge * NANOS_PER_SEC)
            .unwrap_or(LATENCY_EDGES_S.len());
        self.latency[bucket].fetch_add(1, Ordering::Relaxed);
    }

    pub fn refusals(&self) -> BTreeMap<String, u64> {
        self.refusals.lock().expect("board lock").clone()
    }

    pub fn receipts(&self) -> BTreeMap<&'static str, u64> {
        let mut all = self.receipts.lock().expect("board lock").clone();
        for (stat, count) in STATS.iter().zip(&self.usual_receipts) {
            match count.load(Ordering::Relaxed) {
                0 => {}
                n => drop(all.insert(stat, n)),
            }
        }
        all
    }

    pub fn latency(&self) -> Vec<u64> {
        self.latency
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .collect()
    }
}

/// Every account's counters, and those of connections not bound to one.
#[derive(Debug)]
pub struct Board {
    pub accounts: Vec<AccountBoard>,
    /// Refusals before a bind (a wrong password, a submit while unbound).
    pub unbound: AccountBoard,
}

impl Board {
    pub fn new(accounts: usize) -> Self {
        Board {
            accounts: (0..accounts).map(|_| AccountBoard::default()).collect(),
            unbound: AccountBoard::default(),
        }
    }

    /// The counters of `account`, or the unbound ones.
    pub fn of(&self, account: Option<usize>) -> &AccountBoard {
        account
            .and_then(|a| self.accounts.get(a))
            .unwrap_or(&self.unbound)
    }
}

/// SMPP's name of a command_status, as the specification spells it
/// (`ESME_RTHROTTLED`), with its value.
pub fn status_name(status: rusmpp::CommandStatus) -> String {
    let debug = format!("{status:?}");
    let name = match debug.strip_prefix("Esme") {
        Some(rest) => format!("ESME_{}", rest.to_uppercase()),
        None => debug.to_uppercase(),
    };
    format!("{name} (0x{:08X})", u32::from(status))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latencies_fall_in_their_buckets_edges_included() {
        let board = AccountBoard::default();
        for seconds in [0, 1, 2, 60, 61, 3600, 3601] {
            board.receipt("DELIVRD", seconds * NANOS_PER_SEC);
        }
        board.receipt("DELIVRD", NANOS_PER_SEC + 1);
        assert_eq!(board.latency(), [2, 2, 0, 1, 1, 1, 1]);
        assert_eq!(board.receipts()["DELIVRD"], 8);
        assert_eq!(latency_labels().len(), board.latency().len());
        assert_eq!(latency_labels()[6], "> 1 h");
    }

    #[test]
    fn statuses_are_named_as_smpp_spells_them() {
        let name = status_name(rusmpp::CommandStatus::EsmeRthrottled);
        assert_eq!(name, "ESME_RTHROTTLED (0x00000058)");
    }
}
