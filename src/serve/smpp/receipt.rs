//! A served message's receipt in its account's dialect: the stat comes
//! from what the provider's receipt claims, err from what really happened
//! (both from `protocol::vocabulary`, docs/serve.md has the table), the
//! dates from the served clock. The text and the deliver_sm themselves are
//! `protocol::smpp::receipt`'s, which the clients read back.

use crate::model::Receipt;
use crate::protocol::smpp::receipt::{ReceiptText, ReceiptTlvs};
use crate::protocol::smpp::user_data::UserData;
use crate::scenario::{Dialect, QuotedText};
use crate::serve::dates::calendar;
use crate::serve::receipts::ReceiptJob;
use rusmpp::pdus::DeliverSm;

pub use crate::protocol::smpp::receipt::quoted;

/// What a receipt quotes of a submitted message, in the account's
/// dialect: its first 20 characters decoded by its data_coding, its first
/// 20 octets as printable ASCII (others as `.`), or nothing. Never the
/// UDH.
pub fn quote(form: QuotedText, data: &UserData) -> String {
    match form {
        QuotedText::Decoded => quoted(&crate::text::decode(data.coding, &data.bytes)),
        QuotedText::Raw => data
            .bytes
            .iter()
            .take(20)
            .map(|&b| match b {
                0x20..=0x7E => b as char,
                _ => '.',
            })
            .collect(),
        QuotedText::Empty => String::new(),
    }
}

/// The receipt text, in the account's dialect.
pub fn text(job: &ReceiptJob, dialect: &Dialect, epoch_unix: u64) -> String {
    let id = if dialect.hex_id_in_text {
        format!("{:X}", job.message_id)
    } else {
        job.message_id.to_string()
    };
    ReceiptText {
        id: &id,
        delivered: u8::from(job.receipt == Receipt::Delivered && !job.cancelled),
        submit_date: &calendar(job.submitted_at, epoch_unix, dialect.date_digits),
        done_date: &calendar(job.done_at, epoch_unix, dialect.date_digits),
        stat: job.words().0,
        err: job.words().2,
        text_label: if dialect.capital_text { "Text" } else { "text" },
        text: &quoted(&job.text),
    }
    .to_string()
}

/// The deliver_sm that carries the receipt (with its TLVs unless the
/// dialect leaves them out).
pub fn deliver_sm(job: &ReceiptJob, dialect: &Dialect, epoch_unix: u64) -> DeliverSm {
    let id = job.message_id.to_string();
    let tlvs = dialect.tlvs.then(|| ReceiptTlvs {
        message_id: &id,
        state: job.words().1,
        network_error: job.words().2,
    });
    crate::protocol::smpp::receipt::deliver_sm(
        (&job.handset, &job.sender),
        &text(job, dialect, epoch_unix),
        tlvs,
    )
}

/// The PDU that carries the receipt: deliver_sm, or data_sm when the
/// dialect says so (`dialect.receipt_pdu`).
pub fn receipt_pdu(job: &ReceiptJob, dialect: &Dialect, epoch_unix: u64) -> rusmpp::Pdu {
    if !dialect.receipts_by_data_sm {
        return deliver_sm(job, dialect, epoch_unix).into();
    }
    let id = job.message_id.to_string();
    let tlvs = dialect.tlvs.then(|| ReceiptTlvs {
        message_id: &id,
        state: job.words().1,
        network_error: job.words().2,
    });
    crate::protocol::smpp::receipt::data_sm(
        (&job.handset, &job.sender),
        &text(job, dialect, epoch_unix),
        tlvs,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Outcome;

    fn job() -> ReceiptJob {
        ReceiptJob {
            done_at: 90_000_000_000,
            text: "Your code is 123456, valid 10 min".into(),
            ..ReceiptJob::sample(255)
        }
    }

    fn data(coding: u8, bytes: &[u8]) -> UserData {
        UserData {
            coding: crate::text::DataCoding::of(coding).unwrap(),
            bytes: bytes.to_vec(),
            payload: false,
            concat: None,
        }
    }

    #[test]
    fn each_coding_is_quoted_decoded_never_as_raw_bytes() {
        let ucs2: Vec<u8> = "認証コードは123456です。有効期限は10分です。"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        let decoded = |coding, bytes: &[u8]| quote(QuotedText::Decoded, &data(coding, bytes));
        assert_eq!(decoded(8, &ucs2), "認証コードは123456です。有効期限は");
        // GSM 7-bit: 0x00 is '@', 0x02 '$', 0x1B 0x65 the euro.
        assert_eq!(decoded(0, &[0x00, 0x02, 0x1B, 0x65, 0x41]), "@$€A");
        assert_eq!(
            decoded(1, b"Your code is 123456, valid"),
            "Your code is 123456,"
        );
        assert_eq!(decoded(3, b"Code: 1234 \xe9t\xe9"), "Code: 1234 été");
        assert_eq!(decoded(4, &[0xDE, 0xAD, 0xBE, 0xEF]), "deadbeef");
        let raw = quote(QuotedText::Raw, &data(8, &ucs2));
        assert_eq!(raw, "...<0.0.0.0o.1.2.3.4");
        assert_eq!(raw.len(), 20);
        assert_eq!(quote(QuotedText::Empty, &data(8, &ucs2)), "");
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
