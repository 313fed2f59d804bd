//! The final states of a message and of a session (`docs/model.md` §9), and what a
//! provider's delivery receipt claims.

use crate::scenario::{Billing, CarrierId, MESSAGE_OUTCOMES, Provider, SESSION_OUTCOMES};

/// Where one submitted message ended. Exactly one per message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Delivered = 0,
    DeliveredWrongPerson = 1,
    ExpiredInSmsc = 2,
    ExpiredInQueue = 3,
    Refused = 4,
    FilteredByCarrier = 5,
    FilteredByUser = 6,
    BlockedSender = 7,
    Undeliverable = 8,
    LostInTransit = 9,
    /// Refused by the provider's per-number send limit.
    SendLimited = 10,
}

impl Outcome {
    pub const COUNT: usize = 11;
    pub const ALL: [Outcome; Outcome::COUNT] = [
        Outcome::Delivered,
        Outcome::DeliveredWrongPerson,
        Outcome::ExpiredInSmsc,
        Outcome::ExpiredInQueue,
        Outcome::Refused,
        Outcome::FilteredByCarrier,
        Outcome::FilteredByUser,
        Outcome::BlockedSender,
        Outcome::Undeliverable,
        Outcome::LostInTransit,
        Outcome::SendLimited,
    ];

    /// Stable machine name, used in CSV/JSON, expectations and tests.
    pub fn name(self) -> &'static str {
        MESSAGE_OUTCOMES[self as usize]
    }

    /// The provider refused the submission (its queue, an outage, or its
    /// per-number limit): nothing was sent and the app was told at once.
    pub fn is_refusal(self) -> bool {
        matches!(self, Outcome::Refused | Outcome::SendLimited)
    }

    /// Reached a handset (the right one or not).
    pub fn reached_handset(self) -> bool {
        matches!(self, Outcome::Delivered | Outcome::DeliveredWrongPerson)
    }
}

/// What `provider` bills for a message to `carrier` that ended with
/// `outcome` and whose receipt claimed `receipt`: per submitted message
/// (nothing for a refusal, nor for one that expired in its queue and so
/// never left), or per message whose receipt says delivered; each of its
/// `segments` at the price, as providers bill. The one place billing is
/// decided, for the model and for measured messages.
pub fn charge(
    provider: &Provider,
    carrier: CarrierId,
    outcome: Outcome,
    receipt: Receipt,
    segments: u32,
) -> f64 {
    let charged = match provider.billing {
        Billing::PerSubmitted => !(outcome.is_refusal() || outcome == Outcome::ExpiredInQueue),
        Billing::PerDelivered => receipt == Receipt::Delivered,
    };
    if charged {
        provider.price[carrier.index()] * segments as f64
    } else {
        0.0
    }
}

/// What the provider's receipt (DLR) reports back to the application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receipt {
    Delivered,
    Undelivered,
    Rejected,
    Expired,
    /// The submission itself was refused (a synchronous error).
    SubmitFailed,
    /// No receipt ever came back.
    Nothing,
}

/// How one verification session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionOutcome {
    /// The user held a valid code; `send` is the 0-based send that brought it.
    SuccessBySms {
        send: u32,
    },
    SuccessByVoice,
    /// A code reached the user, but too late or no longer valid.
    NoCodeInTime,
    /// Codes reached only the stranger who now has the number.
    WrongPersonOnly,
    /// Nothing reached anyone; the user gave up.
    GaveUp,
}

impl SessionOutcome {
    /// What the reports count it as.
    pub fn kind(self) -> SessionEndKind {
        match self {
            SessionOutcome::SuccessBySms { .. } => SessionEndKind::SuccessSms,
            SessionOutcome::SuccessByVoice => SessionEndKind::SuccessVoice,
            SessionOutcome::NoCodeInTime => SessionEndKind::NoCodeInTime,
            SessionOutcome::WrongPersonOnly => SessionEndKind::WrongPerson,
            SessionOutcome::GaveUp => SessionEndKind::GaveUp,
        }
    }
}

/// How a session ended, without the details: what reports count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionEndKind {
    SuccessSms,
    SuccessVoice,
    NoCodeInTime,
    WrongPerson,
    GaveUp,
}

impl SessionEndKind {
    pub const ALL: [SessionEndKind; 5] = [
        SessionEndKind::SuccessSms,
        SessionEndKind::SuccessVoice,
        SessionEndKind::NoCodeInTime,
        SessionEndKind::WrongPerson,
        SessionEndKind::GaveUp,
    ];

    /// Stable machine name, used in CSV/JSON, expectations and tests.
    pub fn name(self) -> &'static str {
        SESSION_OUTCOMES[self as usize]
    }
}

/// A count per kind of session end, indexed by `SessionEndKind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct SessionCounts([u64; 5]);

impl SessionCounts {
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    pub fn successes(&self) -> u64 {
        self[SessionEndKind::SuccessSms] + self[SessionEndKind::SuccessVoice]
    }

    /// Each kind with its count, in report order.
    pub fn iter(&self) -> impl Iterator<Item = (SessionEndKind, u64)> + '_ {
        SessionEndKind::ALL.into_iter().zip(self.0)
    }

    pub fn add(&mut self, other: &SessionCounts) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }
}

impl std::ops::Index<SessionEndKind> for SessionCounts {
    type Output = u64;
    fn index(&self, kind: SessionEndKind) -> &u64 {
        &self.0[kind as usize]
    }
}

impl std::ops::IndexMut<SessionEndKind> for SessionCounts {
    fn index_mut(&mut self, kind: SessionEndKind) -> &mut u64 {
        &mut self.0[kind as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exports, expectations and the live modes key on these names, so
    /// each outcome keeps its own, as docs/outputs.md gives them.
    #[test]
    fn every_outcome_and_session_end_has_its_own_stable_name() {
        let names: Vec<&str> = Outcome::ALL.iter().map(|o| o.name()).collect();
        assert_eq!(names, MESSAGE_OUTCOMES);
        assert_eq!(Outcome::DeliveredWrongPerson.name(), "wrong_person");
        assert_eq!(Outcome::SendLimited.name(), "send_limited");
        let ends: Vec<&str> = SessionEndKind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(ends, SESSION_OUTCOMES);
        assert_eq!(SessionEndKind::GaveUp.name(), "gave_up");
        for list in [&MESSAGE_OUTCOMES[..], &SESSION_OUTCOMES[..]] {
            let mut distinct = list.to_vec();
            distinct.sort_unstable();
            distinct.dedup();
            assert_eq!(distinct.len(), list.len(), "{list:?}");
            assert!(list.iter().all(|n| !n.is_empty()));
        }
    }

    /// Billed per submitted message: everything that left the provider,
    /// not a refusal nor a message that expired in its queue. Billed per
    /// delivered: what the receipt says, whatever happened. Each part of a
    /// long message at the price.
    #[test]
    fn charges_follow_the_billing_rule() {
        let text = r#"
[scenario]
name = "bill"
duration = "1m"
[traffic]
rate = "1/s"
[providers.p]
route = "domestic"
price = 2.0
[providers.d]
route = "domestic"
price = 2.0
billing = "delivered"
[routing]
policy = "single"
provider = "p"
[carriers.c]
share = 1.0
"#;
        let sc = crate::scenario::parse(text, "bill.toml").unwrap();
        let (submitted, delivered) = (&sc.providers[0], &sc.providers[1]);
        let c = CarrierId::new(0);
        let bill = |p, outcome, receipt| charge(p, c, outcome, receipt, 3);
        assert_eq!(bill(submitted, Outcome::Delivered, Receipt::Nothing), 6.0);
        assert_eq!(
            bill(submitted, Outcome::LostInTransit, Receipt::Nothing),
            6.0
        );
        for unsent in [
            Outcome::Refused,
            Outcome::SendLimited,
            Outcome::ExpiredInQueue,
        ] {
            assert_eq!(
                bill(submitted, unsent, Receipt::SubmitFailed),
                0.0,
                "{unsent:?}"
            );
        }
        assert_eq!(
            bill(delivered, Outcome::LostInTransit, Receipt::Delivered),
            6.0
        );
        assert_eq!(bill(delivered, Outcome::Delivered, Receipt::Nothing), 0.0);
    }
}
