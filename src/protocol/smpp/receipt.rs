//! A delivery receipt as SMPP 3.4 carries it, both ways: the text of
//! Appendix B (`id: sub: dlvrd: submit date: done date: stat: err:
//! text:`) and the TLVs receipted_message_id, message_state and
//! network_error_code, written by `serve` and read back by the client
//! (`load`, `bench`). What the stat and err say comes from
//! `protocol::vocabulary`; which variant of the text an SMSC writes (the
//! dialect) is the caller's choice.

use crate::protocol::vocabulary::stat_of_state;
use rusmpp::pdus::{DataSm, DeliverSm};
use rusmpp::tlvs::{
    MessageDeliveryRequestTlvValue, MessageSubmissionRequestTlvValue, Tlv, TlvValue,
};
use rusmpp::types::{AnyOctetString, COctetString, OctetString};
use rusmpp::values::{
    ErrorCodeNetworkType, EsmClass, MessagePayload, MessageState, NetworkErrorCode,
};
use rusmpp::{CommandId, Pdu};

/// The fields of a receipt's text.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceiptText<'a> {
    /// The message id as the text shows it (some SMSCs write it in hex).
    pub id: &'a str,
    /// Messages delivered: 1 or 0 (`dlvrd:`).
    pub delivered: u8,
    /// `YYMMDDhhmm` (or with seconds): the dates as the SMSC writes them.
    pub submit_date: &'a str,
    pub done_date: &'a str,
    pub stat: &'a str,
    pub err: u16,
    /// `text` or `Text`, as SMSCs differ.
    pub text_label: &'a str,
    /// The start of the message, as quoted (`quoted`).
    pub text: &'a str,
}

impl std::fmt::Display for ReceiptText<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "id:{} sub:001 dlvrd:{:03} submit date:{} done date:{} stat:{} err:{:03} {}:{}",
            self.id,
            self.delivered,
            self.submit_date,
            self.done_date,
            self.stat,
            self.err,
            self.text_label,
            self.text
        )
    }
}

/// The start of a message's text that its receipt quotes: 20 characters.
pub fn quoted(text: &str) -> String {
    text.chars().take(20).collect()
}

/// The receipt's TLVs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReceiptTlvs<'a> {
    pub message_id: &'a str,
    pub state: MessageState,
    pub network_error: u16,
}

/// The deliver_sm that carries a receipt from `handset` to `sender`
/// (addresses and text clipped to their fields), with its TLVs if given.
pub fn deliver_sm(
    (handset, sender): (&str, &str),
    text: &str,
    tlvs: Option<ReceiptTlvs>,
) -> DeliverSm {
    let address = |a: &str| {
        COctetString::from_string(clip(a, 20).to_string()).unwrap_or_else(|_| COctetString::empty())
    };
    let mut pdu = DeliverSm::builder()
        .source_addr(address(handset))
        .destination_addr(address(sender))
        .esm_class(EsmClass::from(0x04))
        .short_message(OctetString::from_slice(clip(text, 254).as_bytes()).unwrap_or_default())
        .build();
    if let Some(tlvs) = tlvs {
        let id = COctetString::from_string(clip(tlvs.message_id, 64).to_string())
            .unwrap_or_else(|_| COctetString::empty());
        pdu.push_tlv(MessageDeliveryRequestTlvValue::ReceiptedMessageId(id));
        pdu.push_tlv(MessageDeliveryRequestTlvValue::MessageState(tlvs.state));
        pdu.push_tlv(MessageDeliveryRequestTlvValue::NetworkErrorCode(
            NetworkErrorCode::new(ErrorCodeNetworkType::Gsm, tlvs.network_error),
        ));
    }
    pdu
}

/// The same receipt as a data_sm (as some SMSCs send them): the text in
/// message_payload, esm_class 0x04, and the TLVs if given. rusmpp types a
/// data_sm's TLVs as a submission's, which has no receipt TLVs, so the
/// body is written here with them appended.
pub fn data_sm((handset, sender): (&str, &str), text: &str, tlvs: Option<ReceiptTlvs>) -> Pdu {
    use rusmpp::encode::{Encode, Length};
    let address = |a: &str| {
        COctetString::from_string(clip(a, 20).to_string()).unwrap_or_else(|_| COctetString::empty())
    };
    let pdu = DataSm::builder()
        .source_addr(address(handset))
        .destination_addr(address(sender))
        .esm_class(EsmClass::from(0x04))
        .push_tlv(MessageSubmissionRequestTlvValue::MessagePayload(
            MessagePayload::new(AnyOctetString::from_slice(text.as_bytes())),
        ))
        .build();
    let mut body = vec![0; pdu.length()];
    pdu.encode(&mut body);
    if let Some(tlvs) = tlvs {
        let id = COctetString::from_string(clip(tlvs.message_id, 64).to_string())
            .unwrap_or_else(|_| COctetString::empty());
        let network = NetworkErrorCode::new(ErrorCodeNetworkType::Gsm, tlvs.network_error);
        for value in [
            TlvValue::ReceiptedMessageId(id),
            TlvValue::MessageState(tlvs.state),
            TlvValue::NetworkErrorCode(network),
        ] {
            let tlv = Tlv::from(value);
            let at = body.len();
            body.resize(at + tlv.length(), 0);
            tlv.encode(&mut body[at..]);
        }
    }
    Pdu::Other {
        command_id: CommandId::DataSm,
        body: AnyOctetString::from_vec(body),
    }
}

/// The value of field `name` (`id`, `stat`, `err`, ...) in a receipt text:
/// after `name:` at the start or after a space, up to the next space.
pub fn field<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = text;
    loop {
        let at = rest.find(name)?;
        let before_ok = at == 0 || rest[..at].ends_with(' ');
        let after = &rest[at + name.len()..];
        if before_ok && let Some(value) = after.strip_prefix(':') {
            return Some(value.split(' ').next().unwrap_or(""));
        }
        rest = &rest[at + name.len()..];
    }
}

/// What a client reads of a receipt: the receipted message id and its
/// stat (from the TLVs when present, else from the text), the error code
/// (network_error_code, else the text's `err:`) and the text's dates as
/// written (`YYMMDDhhmm[ss]` on the SMSC's clock; empty when absent).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReceiptFields {
    pub id: String,
    /// The id was read from the text (no receipted_message_id TLV).
    pub id_from_text: bool,
    pub stat: String,
    pub err: Option<String>,
    pub submit_date: Option<String>,
    pub done_date: Option<String>,
}

/// The fields of a deliver_sm that is a receipt; `None` when it is not
/// one (no id or no stat).
pub fn receipt_fields(d: &DeliverSm) -> Option<ReceiptFields> {
    fields_of(d.tlvs(), d.short_message().as_ref())
}

/// The fields of a data_sm that is a receipt (some SMSCs send them so):
/// the text is in message_payload, the TLVs as a deliver_sm's.
pub fn data_sm_receipt_fields(d: &DataSm) -> Option<ReceiptFields> {
    fields_of(d.tlvs(), &[])
}

/// A receipt's fields from its TLVs and its text: `short_message`, or the
/// message_payload TLV when that is empty (a long text, or a data_sm).
fn fields_of(tlvs: &[Tlv], short_message: &[u8]) -> Option<ReceiptFields> {
    let mut id = None;
    let mut state = None;
    let mut network_error = None;
    let mut payload: &[u8] = &[];
    for tlv in tlvs {
        match tlv.value() {
            Some(TlvValue::ReceiptedMessageId(v)) => id = Some(v.as_str().to_string()),
            Some(TlvValue::MessageState(s)) => state = Some(*s),
            Some(TlvValue::NetworkErrorCode(e)) => network_error = Some(e.error_code),
            Some(TlvValue::MessagePayload(p)) => payload = p.value.as_ref(),
            _ => {}
        }
    }
    let text = match short_message {
        [] => String::from_utf8_lossy(payload),
        bytes => String::from_utf8_lossy(bytes),
    };
    let stat = match state.and_then(stat_of_state) {
        Some(stat) => stat.to_string(),
        None => field(&text, "stat")?.to_string(),
    };
    let id_from_text = id.is_none();
    let id = match id {
        Some(id) => id,
        None => field(&text, "id")?.to_string(),
    };
    let owned = |name: &str| {
        field(&text, name)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let err = match network_error {
        Some(code) => Some(format!("{code:03}")),
        None => owned("err"),
    };
    Some(ReceiptFields {
        id,
        id_from_text,
        stat,
        err,
        // `submit date:` and `done date:`: the field after each label.
        submit_date: date_after(&text, "submit date:"),
        done_date: date_after(&text, "done date:"),
    })
}

/// The value after `label` (which holds a space, so `field` cannot find
/// it), up to the next space.
fn date_after(text: &str, label: &str) -> Option<String> {
    let at = text.find(label)? + label.len();
    let value = text[at..].split(' ').next().unwrap_or("");
    (!value.is_empty()).then(|| value.to_string())
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

    fn sample() -> ReceiptText<'static> {
        ReceiptText {
            id: "255",
            delivered: 1,
            submit_date: "2611221711",
            done_date: "2611221712",
            stat: "DELIVRD",
            err: 0,
            text_label: "text",
            text: "Your code is 123456,",
        }
    }

    #[test]
    fn what_is_written_reads_back() {
        let text = sample().to_string();
        assert_eq!(
            text,
            "id:255 sub:001 dlvrd:001 submit date:2611221711 done date:2611221712 stat:DELIVRD err:000 text:Your code is 123456,"
        );
        let pdu = deliver_sm(("819012345678", "SIMSMS"), &text, None);
        let read = receipt_fields(&pdu).unwrap();
        assert_eq!((read.id.as_str(), read.stat.as_str()), ("255", "DELIVRD"));
        assert_eq!(read.err.as_deref(), Some("000"));
        assert_eq!(read.submit_date.as_deref(), Some("2611221711"));
        assert_eq!(read.done_date.as_deref(), Some("2611221712"));
        assert_eq!(field(&text, "err"), Some("000"));
        assert_eq!(field(&text, "date"), Some("2611221711"));
    }

    #[test]
    fn the_tlvs_win_over_the_text() {
        let mut written = sample();
        written.id = "FF";
        let text = written.to_string();
        let tlvs = ReceiptTlvs {
            message_id: "255",
            state: MessageState::Undeliverable,
            network_error: 1,
        };
        let pdu = deliver_sm(("819012345678", "SIMSMS"), &text, Some(tlvs));
        let read = receipt_fields(&pdu).unwrap();
        assert_eq!((read.id.as_str(), read.stat.as_str()), ("255", "UNDELIV"));
        assert_eq!(read.err.as_deref(), Some("001"));
    }

    #[test]
    fn a_message_that_is_not_a_receipt_has_no_fields() {
        let pdu = deliver_sm(("819012345678", "SIMSMS"), "hello there", None);
        assert_eq!(receipt_fields(&pdu), None);
        // A word that merely contains a field name is not that field.
        assert_eq!(field("pid:7 stat:ACCEPTD", "id"), None);
    }

    /// `pdu` encoded as a frame and decoded again, as a peer reads it.
    fn through_the_wire(pdu: Pdu) -> DataSm {
        use crate::protocol::smpp::frame::{Frame, decode, encode};
        let mut wire = bytes::BytesMut::new();
        encode(
            &rusmpp::Command::new(rusmpp::CommandStatus::EsmeRok, 9, pdu),
            &mut wire,
        );
        match decode(wire, 65_536) {
            Frame::Command(command) => match command.pdu() {
                Some(Pdu::DataSm(d)) => d.clone(),
                other => panic!("not a data_sm: {other:?}"),
            },
            _ => panic!("the data_sm does not decode"),
        }
    }

    #[test]
    fn a_data_sm_receipt_goes_over_the_wire_with_its_text_and_exactly_its_tlvs() {
        let text = sample().to_string();
        // The TLVs say otherwise than the text: they are what is read.
        let tlvs = ReceiptTlvs {
            message_id: "256",
            state: MessageState::Undeliverable,
            network_error: 1,
        };
        let d = through_the_wire(data_sm(("819012345678", "SIMSMS"), &text, Some(tlvs)));
        // message_payload, then receipted_message_id, message_state and
        // network_error_code: nothing in between or after.
        let tags: Vec<u16> = d.tlvs().iter().map(|t| t.tag().into()).collect();
        assert_eq!(tags, vec![0x0424, 0x001E, 0x0427, 0x0423], "{:?}", d.tlvs());
        let read = data_sm_receipt_fields(&d).expect("a receipt");
        assert_eq!((read.id.as_str(), read.stat.as_str()), ("256", "UNDELIV"));
        assert_eq!(read.err.as_deref(), Some("001"));
        assert!(!read.id_from_text);
        assert_eq!(read.submit_date.as_deref(), Some("2611221711"));
        // Without TLVs the text alone says it all.
        let d = through_the_wire(data_sm(("819012345678", "SIMSMS"), &text, None));
        let read = data_sm_receipt_fields(&d).expect("a receipt from the text");
        assert_eq!((read.id.as_str(), read.stat.as_str()), ("255", "DELIVRD"));
        assert!(read.id_from_text);
    }

    #[test]
    fn the_search_for_a_field_goes_on_after_a_word_that_only_contains_its_name() {
        assert_eq!(field("message_id:9 id:2", "id"), Some("2"));
        assert_eq!(
            field("stat:x substat:y stat2 stat:DELIVRD", "stat"),
            Some("x")
        );
        assert_eq!(field("substat:y stat:DELIVRD", "stat"), Some("DELIVRD"));
    }

    #[test]
    fn a_text_is_clipped_to_a_byte_limit_at_a_character_boundary() {
        // Katakana are three bytes each in UTF-8.
        assert_eq!(clip("コード", 4), "コ");
        assert_eq!(clip("コード", 6), "コー");
        assert_eq!(clip("コード", 64), "コード");
        assert_eq!(clip("id:255", 2), "id");
    }
}
