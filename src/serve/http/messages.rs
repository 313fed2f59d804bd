//! The Messages resource: a created message's status follows its fate in
//! the model — queued, then sent when it leaves the provider, then
//! delivered, undelivered or failed when it reaches its final state — with
//! Twilio's error codes (docs/serve.md has the table).

use crate::model::{Fate, Outcome, Receipt};
use crate::serve::dates::{rfc2822, unix_of};
use crate::units::Nanos;
use serde_json::{Value, json};

/// A message's status at one moment, as Twilio names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Queued,
    Sent,
    Delivered,
    Undelivered,
    Failed,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Sent => "sent",
            Status::Delivered => "delivered",
            Status::Undelivered => "undelivered",
            Status::Failed => "failed",
        }
    }

    pub fn is_failure(self) -> bool {
        matches!(self, Status::Undelivered | Status::Failed)
    }
}

/// Twilio's error code and message for a failed message.
pub fn error_of(fate: &Fate) -> (u32, &'static str) {
    match fate.outcome {
        Outcome::ExpiredInQueue | Outcome::Refused if fate.left_provider_at.is_none() => {
            (30001, "Queue overflow")
        }
        Outcome::ExpiredInSmsc => (30003, "Unreachable destination handset"),
        Outcome::Undeliverable if fate.misrouted => (30006, "Landline or unreachable carrier"),
        Outcome::Undeliverable => (30005, "Unknown destination handset"),
        Outcome::FilteredByCarrier | Outcome::FilteredByUser | Outcome::BlockedSender => {
            (30007, "Message filtered")
        }
        _ => (30008, "Unknown error"),
    }
}

/// The status changes a message goes through after `queued`, at their
/// simulated times. A message whose provider never sends a receipt stays
/// `sent`.
pub fn stages(fate: &Fate) -> Vec<(Nanos, Status)> {
    let Some(left) = fate.left_provider_at else {
        return vec![(fate.finished_at, Status::Failed)];
    };
    let mut stages = vec![(left, Status::Sent)];
    let last = match fate.receipt {
        Receipt::Delivered => Some(Status::Delivered),
        Receipt::Nothing => None,
        _ if fate.outcome == Outcome::ExpiredInQueue => Some(Status::Failed),
        _ => Some(Status::Undelivered),
    };
    if let Some(status) = last {
        stages.push((fate.finished_at.max(left), status));
    }
    stages
}

/// One message as the API shows it.
#[derive(Debug, Clone)]
pub struct Record {
    pub sid: String,
    pub account_sid: String,
    pub from: String,
    pub to: String,
    pub body: String,
    pub status: Status,
    pub error: Option<(u32, &'static str)>,
    pub created: Nanos,
    pub sent: Option<Nanos>,
    pub updated: Nanos,
}

impl Record {
    /// Twilio's JSON for the message.
    pub fn json(&self, epoch_unix: u64) -> Value {
        let date = |t: Nanos| rfc2822(unix_of(t, epoch_unix));
        json!({
            "sid": self.sid,
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": self.body,
            "num_segments": "1",
            "num_media": "0",
            "direction": "outbound-api",
            "from": self.from,
            "to": self.to,
            "status": self.status.name(),
            "date_created": date(self.created),
            "date_sent": self.sent.map(date),
            "date_updated": date(self.updated),
            "price": null,
            "price_unit": "USD",
            "error_code": self.error.map(|e| e.0),
            "error_message": self.error.map(|e| e.1),
            "messaging_service_sid": null,
            "uri": format!("/2010-04-01/Accounts/{}/Messages/{}.json", self.account_sid, self.sid),
            "subresource_uris": {
                "media": format!("/2010-04-01/Accounts/{}/Messages/{}/Media.json", self.account_sid, self.sid),
            },
        })
    }

    /// Moves the record to `status` at simulated time `at`.
    pub fn advance(&mut self, status: Status, at: Nanos, fate: &Fate) {
        self.status = status;
        self.updated = at;
        if status == Status::Sent {
            self.sent = Some(at);
        }
        if status.is_failure() {
            self.error = Some(error_of(fate));
        }
    }

    /// The status callback's form fields for the current status.
    pub fn callback_params(&self, epoch_unix: u64) -> Vec<(String, String)> {
        let mut params: Vec<(String, String)> = [
            ("MessageSid", self.sid.as_str()),
            ("SmsSid", self.sid.as_str()),
            ("MessageStatus", self.status.name()),
            ("SmsStatus", self.status.name()),
            ("AccountSid", self.account_sid.as_str()),
            ("From", self.from.as_str()),
            ("To", self.to.as_str()),
            ("ApiVersion", "2010-04-01"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        if let Some((code, _)) = self.error {
            params.push(("ErrorCode".into(), code.to_string()));
        }
        if self.status == Status::Delivered {
            let done = crate::serve::dates::calendar(self.updated, epoch_unix, 10);
            params.push(("RawDlrDoneDate".into(), done));
        }
        params
    }
}

/// A Twilio-style message sid: "SM" and 32 hex digits from the id.
pub fn message_sid(id: u64) -> String {
    format!("SM{:032x}", id)
}
