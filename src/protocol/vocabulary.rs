//! The one vocabulary table: how a message's fate is said on each wire and
//! read back. `serve` says it (receipt stat, message_state, err, Twilio
//! status and error code, the refusal of a submit); `load` reads it back
//! into the model's outcomes. Both directions come from the same rows, so
//! what one side writes the other reads as the same outcome (docs/serve.md
//! and docs/load.md show the tables).

use crate::model::{Outcome, Receipt};
use rusmpp::CommandStatus;
use rusmpp::values::MessageState;

/// One receipt claim as each wire spells it, and the outcome a reader of
/// that claim records.
struct ReceiptWords {
    receipt: Receipt,
    /// The receipt text's `stat:`.
    stat: &'static str,
    /// The message_state TLV.
    state: MessageState,
    /// What a load run records for a receipt with this stat.
    read_as: Outcome,
    /// Said of a message its sender cancelled (cancel_sm) before it was
    /// final, whatever the model's receipt would have claimed.
    cancelled: bool,
}

/// Every claim a receipt can make. A refusal or a missing receipt is never
/// sent as one; should the model ask, it reads as a rejection.
const RECEIPTS: [ReceiptWords; 5] = [
    ReceiptWords {
        receipt: Receipt::Delivered,
        stat: "DELIVRD",
        state: MessageState::Delivered,
        read_as: Outcome::Delivered,
        cancelled: false,
    },
    ReceiptWords {
        receipt: Receipt::Expired,
        stat: "EXPIRED",
        state: MessageState::Expired,
        read_as: Outcome::ExpiredInSmsc,
        cancelled: false,
    },
    ReceiptWords {
        receipt: Receipt::Undelivered,
        stat: "UNDELIV",
        state: MessageState::Undeliverable,
        read_as: Outcome::Undeliverable,
        cancelled: false,
    },
    ReceiptWords {
        receipt: Receipt::Rejected,
        stat: "REJECTD",
        state: MessageState::Rejected,
        read_as: Outcome::FilteredByCarrier,
        cancelled: false,
    },
    // A message cancelled while still queued or stored: SMPP's DELETED.
    // No model receipt claims it; a reader records it as the SMSC giving
    // up on the message, an expiry (serve records a cancelled message so
    // too, docs/serve.md).
    ReceiptWords {
        receipt: Receipt::Expired,
        stat: "DELETED",
        state: MessageState::Deleted,
        read_as: Outcome::ExpiredInSmsc,
        cancelled: true,
    },
];

fn words_of(receipt: Receipt) -> &'static ReceiptWords {
    let row = match receipt {
        Receipt::SubmitFailed | Receipt::Nothing => Receipt::Rejected,
        r => r,
    };
    RECEIPTS
        .iter()
        .find(|w| w.receipt == row && !w.cancelled)
        .expect("every receipt claim has a row")
}

/// The receipt's `stat:` and message_state TLV for what it claims.
pub fn smpp_stat(receipt: Receipt) -> (&'static str, MessageState) {
    let w = words_of(receipt);
    (w.stat, w.state)
}

/// The receipt's `stat:`, message_state TLV and `err:` for a message its
/// sender cancelled (cancel_sm) before it was final: `DELETED`, 4, 000.
pub fn cancelled_stat() -> (&'static str, MessageState, u16) {
    let w = RECEIPTS
        .iter()
        .find(|w| w.cancelled)
        .expect("the cancelled row");
    (w.stat, w.state, 0)
}

/// The `stat:` a message_state TLV stands for (None for non-final states).
pub fn stat_of_state(state: MessageState) -> Option<&'static str> {
    RECEIPTS.iter().find(|w| w.state == state).map(|w| w.stat)
}

/// What really happened, as the receipt's `err:` says it: a GSM MAP error
/// where one fits (001 unknown subscriber, 013 call barred, 027 absent
/// subscriber, 034 system failure); 000 when the receipt claims delivery.
pub fn network_error(receipt: Receipt, outcome: Outcome) -> u16 {
    if receipt == Receipt::Delivered {
        return 0;
    }
    match outcome {
        Outcome::Delivered | Outcome::DeliveredWrongPerson => 0,
        Outcome::Undeliverable => 1,
        Outcome::FilteredByCarrier | Outcome::FilteredByUser | Outcome::BlockedSender => 13,
        Outcome::ExpiredInSmsc => 27,
        Outcome::ExpiredInQueue
        | Outcome::Refused
        | Outcome::SendLimited
        | Outcome::LostInTransit => 34,
    }
}

/// A message's status as Twilio's Messages API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TwilioStatus {
    Queued,
    Sent,
    Delivered,
    Undelivered,
    Failed,
}

impl TwilioStatus {
    const ALL: [TwilioStatus; 5] = [
        TwilioStatus::Queued,
        TwilioStatus::Sent,
        TwilioStatus::Delivered,
        TwilioStatus::Undelivered,
        TwilioStatus::Failed,
    ];

    pub fn name(self) -> &'static str {
        match self {
            TwilioStatus::Queued => "queued",
            TwilioStatus::Sent => "sent",
            TwilioStatus::Delivered => "delivered",
            TwilioStatus::Undelivered => "undelivered",
            TwilioStatus::Failed => "failed",
        }
    }

    pub fn parse(name: &str) -> Option<TwilioStatus> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    pub fn is_failure(self) -> bool {
        matches!(self, TwilioStatus::Undelivered | TwilioStatus::Failed)
    }
}

/// The final status a message reaches after `sent`, from what its receipt
/// claims: None when no receipt comes (it stays `sent`).
pub fn twilio_final_status(receipt: Receipt, outcome: Outcome) -> Option<TwilioStatus> {
    match receipt {
        Receipt::Delivered => Some(TwilioStatus::Delivered),
        Receipt::Nothing => None,
        _ if outcome == Outcome::ExpiredInQueue => Some(TwilioStatus::Failed),
        _ => Some(TwilioStatus::Undelivered),
    }
}

/// Twilio's error codes, with the outcome a reader of each records.
struct TwilioError {
    code: u32,
    message: &'static str,
    read_as: (Outcome, Receipt),
}

const QUEUE_OVERFLOW: TwilioError = TwilioError {
    code: 30001,
    message: "Queue overflow",
    read_as: (Outcome::Refused, Receipt::SubmitFailed),
};
const UNREACHABLE_HANDSET: TwilioError = TwilioError {
    code: 30003,
    message: "Unreachable destination handset",
    read_as: (Outcome::ExpiredInSmsc, Receipt::Expired),
};
const UNKNOWN_HANDSET: TwilioError = TwilioError {
    code: 30005,
    message: "Unknown destination handset",
    read_as: (Outcome::Undeliverable, Receipt::Undelivered),
};
const UNREACHABLE_CARRIER: TwilioError = TwilioError {
    code: 30006,
    message: "Landline or unreachable carrier",
    read_as: (Outcome::Undeliverable, Receipt::Undelivered),
};
const FILTERED: TwilioError = TwilioError {
    code: 30007,
    message: "Message filtered",
    read_as: (Outcome::FilteredByCarrier, Receipt::Rejected),
};
const UNKNOWN: TwilioError = TwilioError {
    code: 30008,
    message: "Unknown error",
    read_as: (Outcome::Undeliverable, Receipt::Undelivered),
};
const TWILIO_ERRORS: [&TwilioError; 6] = [
    &QUEUE_OVERFLOW,
    &UNREACHABLE_HANDSET,
    &UNKNOWN_HANDSET,
    &UNREACHABLE_CARRIER,
    &FILTERED,
    &UNKNOWN,
];

/// Twilio's error code and message for a message that failed with
/// `outcome`; `left_provider` says whether the provider ever sent it on,
/// `misrouted` whether a stale portability record sent it astray.
pub fn twilio_error(outcome: Outcome, left_provider: bool, misrouted: bool) -> (u32, &'static str) {
    let e = match outcome {
        Outcome::ExpiredInQueue | Outcome::Refused if !left_provider => &QUEUE_OVERFLOW,
        Outcome::ExpiredInSmsc => &UNREACHABLE_HANDSET,
        Outcome::Undeliverable if misrouted => &UNREACHABLE_CARRIER,
        Outcome::Undeliverable => &UNKNOWN_HANDSET,
        Outcome::FilteredByCarrier | Outcome::FilteredByUser | Outcome::BlockedSender => &FILTERED,
        _ => &UNKNOWN,
    };
    (e.code, e.message)
}

/// What a final receipt says happened, read back as the model's outcome
/// and the receipt's claim: an SMPP `stat:` (`DELIVRD`, ...), or a Twilio
/// final status with its error code as `load` records it (`delivered`,
/// `undelivered 30003`, `failed 30001`). An unknown word reads as a
/// rejection, as Kannel treats an unknown stat.
pub fn read_final(word: &str) -> (Outcome, Receipt) {
    known_final(word).unwrap_or((Outcome::FilteredByCarrier, Receipt::Rejected))
}

/// As [`read_final`], but None for a word the table does not know (a
/// Twilio failure status with an unknown error code reads as "Unknown
/// error"). Delivery records read by `fit` count such a word as skipped.
pub fn known_final(word: &str) -> Option<(Outcome, Receipt)> {
    if let Some(w) = RECEIPTS.iter().find(|w| w.stat == word) {
        return Some((w.read_as, w.receipt));
    }
    let mut parts = word.splitn(2, ' ');
    let status = parts.next().and_then(TwilioStatus::parse);
    let code = parts.next().and_then(|c| c.trim().parse::<u32>().ok());
    match (status, code) {
        (Some(TwilioStatus::Delivered), _) => Some((Outcome::Delivered, Receipt::Delivered)),
        (Some(s), code) if s.is_failure() => Some(
            TWILIO_ERRORS
                .iter()
                .find(|e| Some(e.code) == code)
                .unwrap_or(&&UNKNOWN)
                .read_as,
        ),
        _ => None,
    }
}

/// How a refused submit is answered on each wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefusalWords {
    pub smpp: CommandStatus,
    /// HTTP status, Twilio error code and message.
    pub http: (u16, u32, &'static str),
}

/// Why a submit is refused before the model decides its fate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Over the account's or the bind's submissions per second.
    Throttled,
    /// The provider refuses submissions (an outage).
    ProviderDown,
    /// The provider's queue is full.
    QueueFull,
    /// The provider's per-number send limit.
    SendLimited,
}

impl Refusal {
    pub fn words(self) -> RefusalWords {
        let (smpp, http) = match self {
            Refusal::Throttled => (
                CommandStatus::EsmeRthrottled,
                (429, 20429, "Too Many Requests"),
            ),
            Refusal::ProviderDown => (
                CommandStatus::EsmeRsyserr,
                (
                    503,
                    20503,
                    "Service unavailable: the provider refuses messages",
                ),
            ),
            Refusal::QueueFull => (
                CommandStatus::EsmeRmsgqful,
                (201, QUEUE_OVERFLOW.code, QUEUE_OVERFLOW.message),
            ),
            Refusal::SendLimited => (
                CommandStatus::EsmeRsubmitfail,
                (429, 60203, "Max send attempts reached"),
            ),
        };
        RefusalWords { smpp, http }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What serve says of each fate, load reads back as the same outcome
    /// wherever the wire can tell it (a receipt cannot tell a user filter
    /// from a carrier's, nor a lost message from a refused one).
    #[test]
    fn every_receipt_serve_writes_reads_back_as_its_claim() {
        for w in RECEIPTS.iter().filter(|w| !w.cancelled) {
            let (stat, state) = smpp_stat(w.receipt);
            assert_eq!(stat_of_state(state), Some(stat));
            assert_eq!(read_final(stat), (w.read_as, w.receipt));
        }
        assert_eq!(smpp_stat(Receipt::Nothing).0, "REJECTD");
        // A cancelled message's receipt says DELETED (state 4, err 000) and
        // reads back as an expiry; no model receipt is said as it.
        let (stat, state, err) = cancelled_stat();
        assert_eq!((stat, state, err), ("DELETED", MessageState::Deleted, 0));
        assert_eq!(stat_of_state(state), Some("DELETED"));
        assert_eq!(read_final(stat), (Outcome::ExpiredInSmsc, Receipt::Expired));
        assert_eq!(smpp_stat(Receipt::Expired).0, "EXPIRED");
        for outcome in Outcome::ALL {
            for (left, misrouted) in [(true, false), (false, false), (true, true)] {
                let (code, _) = twilio_error(outcome, left, misrouted);
                let word = format!("undelivered {code}");
                let (read, _) = read_final(&word);
                let expected = match outcome {
                    Outcome::ExpiredInQueue | Outcome::Refused if !left => Outcome::Refused,
                    Outcome::ExpiredInSmsc => Outcome::ExpiredInSmsc,
                    Outcome::FilteredByCarrier
                    | Outcome::FilteredByUser
                    | Outcome::BlockedSender => Outcome::FilteredByCarrier,
                    _ => Outcome::Undeliverable,
                };
                assert_eq!(read, expected, "{outcome:?} said as {word}");
            }
        }
        assert_eq!(read_final("delivered").0, Outcome::Delivered);
        assert_eq!(read_final("failed 30001").0, Outcome::Refused);
        assert_eq!(read_final("ENROUTE").0, Outcome::FilteredByCarrier);
    }

    #[test]
    fn final_statuses_follow_the_receipt_claim() {
        let final_of = |r, o| twilio_final_status(r, o).map(TwilioStatus::name);
        assert_eq!(
            final_of(Receipt::Delivered, Outcome::LostInTransit),
            Some("delivered")
        );
        assert_eq!(final_of(Receipt::Nothing, Outcome::Delivered), None);
        assert_eq!(
            final_of(Receipt::Expired, Outcome::ExpiredInQueue),
            Some("failed")
        );
        assert_eq!(
            final_of(Receipt::Expired, Outcome::ExpiredInSmsc),
            Some("undelivered")
        );
        assert!(
            TwilioStatus::ALL
                .iter()
                .all(|s| TwilioStatus::parse(s.name()) == Some(*s))
        );
        assert_eq!(network_error(Receipt::Delivered, Outcome::LostInTransit), 0);
        assert_eq!(network_error(Receipt::Expired, Outcome::ExpiredInSmsc), 27);
        assert_eq!(
            Refusal::Throttled.words().smpp,
            CommandStatus::EsmeRthrottled
        );
        assert_eq!(Refusal::SendLimited.words().http.1, 60203);
    }
}
