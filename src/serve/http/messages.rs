//! The Messages resource: a created message's status follows its fate in
//! the model — queued, then sent when it leaves the provider, then
//! delivered, undelivered or failed when it reaches its final state — with
//! Twilio's error codes, all from `protocol::vocabulary` (docs/serve.md has
//! the table).

use crate::model::Fate;
use crate::protocol::vocabulary::{twilio_error, twilio_final_status};
use crate::serve::dates::{rfc2822, unix_of};
use crate::units::Nanos;
use serde_json::{Value, json};

/// A message's status at one moment, as Twilio names it.
pub use crate::protocol::vocabulary::TwilioStatus as Status;

/// Twilio's error code and message for a failed message.
pub fn error_of(fate: &Fate) -> (u32, &'static str) {
    twilio_error(
        fate.outcome,
        fate.left_provider_at.is_some(),
        fate.misrouted,
    )
}

/// The status changes a message goes through after `queued`, at their
/// simulated times. A message whose provider never sends a receipt stays
/// `sent`.
pub fn stages(fate: &Fate) -> Vec<(Nanos, Status)> {
    let Some(left) = fate.left_provider_at else {
        return vec![(fate.finished_at, Status::Failed)];
    };
    let mut stages = vec![(left, Status::Sent)];
    let last = twilio_final_status(fate.receipt, fate.outcome);
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
    /// The segments the body takes (`text::layout`), as Twilio counts.
    pub segments: u32,
    /// What the provider bills for it (the model's cost: each segment at
    /// the price), known once it is final, or once sent if no final status
    /// will come.
    pub price: Option<f64>,
    /// The scenario's currency ("USD" when it names none).
    pub price_unit: String,
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
            "num_segments": self.segments.to_string(),
            "num_media": "0",
            "direction": "outbound-api",
            "from": self.from,
            "to": self.to,
            "status": self.status.name(),
            "date_created": date(self.created),
            "date_sent": self.sent.map(date),
            "date_updated": date(self.updated),
            "price": self.price.map(price_text),
            "price_unit": self.price_unit,
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
        let last = stages(fate).last().map(|(_, s)| *s);
        if last == Some(status) {
            self.price = Some(fate.cost);
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

/// A price as Twilio writes it: what was charged, negative, 5 decimals.
fn price_text(cost: f64) -> String {
    if cost == 0.0 {
        return format!("{:.5}", 0.0);
    }
    format!("{:.5}", -cost)
}

/// A Twilio-style message sid: "SM" and 32 hex digits from the id.
pub fn message_sid(id: u64) -> String {
    format!("SM{:032x}", id)
}
