//! A receipt as an SMPP deliver_sm: the standard text (`id: sub: dlvrd:
//! submit date: done date: stat: err: text:`) in the account's dialect, and
//! the TLVs receipted_message_id, message_state and network_error_code.
//! The stat comes from what the provider's receipt claims; err from what
//! really happened (docs/serve.md has the table).

use crate::model::{Outcome, Receipt};
use crate::scenario::Dialect;
use crate::serve::receipts::ReceiptJob;
use crate::units::Nanos;
use rusmpp::pdus::DeliverSm;
use rusmpp::tlvs::MessageDeliveryRequestTlvValue;
use rusmpp::types::{COctetString, OctetString};
use rusmpp::values::{ErrorCodeNetworkType, EsmClass, MessageState, NetworkErrorCode};

/// The receipt's `stat:` and its message_state TLV.
pub fn stat(receipt: Receipt) -> (&'static str, MessageState) {
    match receipt {
        Receipt::Delivered => ("DELIVRD", MessageState::Delivered),
        Receipt::Expired => ("EXPIRED", MessageState::Expired),
        Receipt::Undelivered => ("UNDELIV", MessageState::Undeliverable),
        Receipt::Rejected | Receipt::SubmitFailed | Receipt::Nothing => {
            ("REJECTD", MessageState::Rejected)
        }
    }
}

/// The receipt's `err:`, a GSM MAP error where one fits: what really
/// happened, except that a receipt claiming delivery says 000.
pub fn error_code(receipt: Receipt, outcome: Outcome) -> u16 {
    if receipt == Receipt::Delivered {
        return 0;
    }
    match outcome {
        Outcome::Delivered | Outcome::DeliveredWrongPerson => 0,
        Outcome::Undeliverable => 1,
        Outcome::FilteredByCarrier | Outcome::FilteredByUser | Outcome::BlockedSender => 13,
        Outcome::ExpiredInSmsc => 27,
        Outcome::ExpiredInQueue | Outcome::Refused | Outcome::LostInTransit => 34,
    }
}

/// The receipt text.
pub fn text(job: &ReceiptJob, dialect: &Dialect, epoch_unix: u64) -> String {
    let (stat, _) = stat(job.receipt);
    let delivered = if job.receipt == Receipt::Delivered {
        1
    } else {
        0
    };
    let id = if dialect.hex_id_in_text {
        format!("{:X}", job.message_id)
    } else {
        job.message_id.to_string()
    };
    let label = if dialect.capital_text { "Text" } else { "text" };
    let quoted: String = job.text.chars().take(20).collect();
    format!(
        "id:{id} sub:001 dlvrd:{delivered:03} submit date:{} done date:{} stat:{stat} err:{:03} {label}:{quoted}",
        calendar(job.submitted_at, epoch_unix, dialect.date_digits),
        calendar(job.done_at, epoch_unix, dialect.date_digits),
        error_code(job.receipt, job.outcome),
    )
}

/// The deliver_sm that carries the receipt.
pub fn deliver_sm(job: &ReceiptJob, dialect: &Dialect, epoch_unix: u64) -> DeliverSm {
    let text = text(job, dialect, epoch_unix);
    let address = |a: &str| {
        COctetString::from_string(clip(a, 20).to_string()).unwrap_or_else(|_| COctetString::empty())
    };
    let mut pdu = DeliverSm::builder()
        .source_addr(address(&job.handset))
        .destination_addr(address(&job.sender))
        .esm_class(EsmClass::from(0x04))
        .short_message(OctetString::from_slice(clip(&text, 254).as_bytes()).unwrap_or_default())
        .build();
    if dialect.tlvs {
        let (_, state) = stat(job.receipt);
        let id =
            COctetString::from_string(job.message_id.to_string()).expect("digits fit 64 octets");
        pdu.push_tlv(MessageDeliveryRequestTlvValue::ReceiptedMessageId(id));
        pdu.push_tlv(MessageDeliveryRequestTlvValue::MessageState(state));
        pdu.push_tlv(MessageDeliveryRequestTlvValue::NetworkErrorCode(
            NetworkErrorCode::new(
                ErrorCodeNetworkType::Gsm,
                error_code(job.receipt, job.outcome),
            ),
        ));
    }
    pdu
}

fn clip(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// `YYMMDDhhmm` (or with seconds) of simulated time `t`, counted from
/// `epoch_unix` (UTC). Written out (Howard Hinnant's civil-from-days)
/// rather than pulling in a date crate for one format.
pub fn calendar(t: Nanos, epoch_unix: u64, digits: u8) -> String {
    let secs = epoch_unix + t / 1_000_000_000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    let base = format!(
        "{:02}{month:02}{day:02}{:02}{:02}",
        year.rem_euclid(100),
        rem / 3600,
        rem % 3600 / 60
    );
    if digits == 12 {
        format!("{base}{:02}", rem % 60)
    } else {
        base
    }
}

/// (year, month, day) of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> ReceiptJob {
        ReceiptJob {
            account: 0,
            message_id: 255,
            handset: "819012345678".into(),
            sender: "SIMSMS".into(),
            submitted_at: 0,
            done_at: 90_000_000_000,
            receipt: Receipt::Delivered,
            outcome: Outcome::Delivered,
            text: "Your code is 123456, valid 10 min".into(),
        }
    }

    #[test]
    fn dates_are_utc_calendar_dates() {
        // 2026-11-22 17:11:22 UTC.
        let epoch = 1_795_367_482;
        assert_eq!(calendar(0, epoch, 10), "2611221711");
        assert_eq!(calendar(38 * 1_000_000_000, epoch, 12), "261122171200");
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn the_standard_text_in_each_dialect() {
        let epoch = 1_795_367_482;
        let plain = text(&job(), &Dialect::default(), epoch);
        assert_eq!(
            plain,
            "id:255 sub:001 dlvrd:001 submit date:2611221711 done date:2611221712 stat:DELIVRD err:000 text:Your code is 123456,"
        );
        let odd = Dialect {
            capital_text: true,
            date_digits: 12,
            hex_id_in_text: true,
            ..Dialect::default()
        };
        let mut failed = job();
        failed.receipt = Receipt::Expired;
        failed.outcome = Outcome::ExpiredInSmsc;
        assert_eq!(
            text(&failed, &odd, epoch),
            "id:FF sub:001 dlvrd:000 submit date:261122171122 done date:261122171252 stat:EXPIRED err:027 Text:Your code is 123456,"
        );
    }
}
