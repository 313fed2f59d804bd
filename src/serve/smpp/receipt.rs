//! A receipt as an SMPP deliver_sm: the standard text (`id: sub: dlvrd:
//! submit date: done date: stat: err: text:`) in the account's dialect, and
//! the TLVs receipted_message_id, message_state and network_error_code.
//! The stat comes from what the provider's receipt claims; err from what
//! really happened, both from `protocol::vocabulary` (docs/serve.md has
//! the table).

use crate::model::Receipt;
use crate::protocol::vocabulary::{network_error as error_code, smpp_stat as stat};
use crate::scenario::Dialect;
use crate::serve::dates::calendar;
use crate::serve::receipts::ReceiptJob;
use rusmpp::pdus::DeliverSm;
use rusmpp::tlvs::MessageDeliveryRequestTlvValue;
use rusmpp::types::{COctetString, OctetString};
use rusmpp::values::{ErrorCodeNetworkType, EsmClass, NetworkErrorCode};

/// The start of a message's text that its receipt quotes: 20 characters,
/// all a receipt job keeps of it.
pub fn quoted(text: &str) -> String {
    text.chars().take(20).collect()
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
    let quoted = quoted(&job.text);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Outcome;

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
