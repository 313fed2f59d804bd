//! The final states of a message and of a session (`docs/model.md` §9), and what a
//! provider's delivery receipt claims.

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
}

impl Outcome {
    pub const COUNT: usize = 10;
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
    ];

    /// Stable machine name, used in CSV/JSON and tests.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Delivered => "delivered",
            Outcome::DeliveredWrongPerson => "wrong_person",
            Outcome::ExpiredInSmsc => "expired_smsc",
            Outcome::ExpiredInQueue => "expired_queue",
            Outcome::Refused => "refused",
            Outcome::FilteredByCarrier => "carrier_filter",
            Outcome::FilteredByUser => "user_filter",
            Outcome::BlockedSender => "sender_blocked",
            Outcome::Undeliverable => "undeliverable",
            Outcome::LostInTransit => "lost",
        }
    }

    /// Reached a handset (the right one or not).
    pub fn reached_handset(self) -> bool {
        matches!(self, Outcome::Delivered | Outcome::DeliveredWrongPerson)
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
    pub const NAMES: [&'static str; 5] = [
        "success_sms",
        "success_voice",
        "no_code_in_time",
        "wrong_person",
        "gave_up",
    ];

    pub fn index(self) -> usize {
        match self {
            SessionOutcome::SuccessBySms { .. } => 0,
            SessionOutcome::SuccessByVoice => 1,
            SessionOutcome::NoCodeInTime => 2,
            SessionOutcome::WrongPersonOnly => 3,
            SessionOutcome::GaveUp => 4,
        }
    }

    pub fn is_success(self) -> bool {
        self.index() <= 1
    }
}
