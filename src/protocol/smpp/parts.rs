//! A message as a client submits it: its text encoded as gateways encode
//! it (`crate::text`: GSM-7 unpacked, or UCS-2) and, when it takes more
//! than one segment, split where the model splits it and joined by a User
//! Data Header, by the SAR TLVs, or sent whole in message_payload.
//!
//! Written here rather than with rusmpp's `extra` multipart builder so the
//! parts are exactly the segments the model counts and bills
//! (`text::segments`: escape and surrogate pairs never split), and so SAR
//! and message_payload come from the same place.

use super::user_data::UDHI;
use crate::protocol::client_error::ClientError;
use crate::text::{self, Encoding};
use rusmpp::pdus::SubmitSm;
use rusmpp::tlvs::MessageSubmissionRequestTlvValue as Tlv;
use rusmpp::types::{AnyOctetString, COctetString, OctetString};
use rusmpp::values::{DataCoding, EsmClass, MessagePayload, RegisteredDelivery};

/// How the parts of a long message are joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Concat {
    /// A UDH with information element 0x00 (8-bit reference) in each part.
    #[default]
    Udh,
    /// The TLVs sar_msg_ref_num, sar_total_segments, sar_segment_seqnum.
    Sar,
    /// One submit_sm with the whole text in the message_payload TLV.
    Payload,
}

impl Concat {
    /// `--concat`'s values.
    pub fn parse(s: &str) -> Option<Concat> {
        match s {
            "udh" => Some(Concat::Udh),
            "sar" => Some(Concat::Sar),
            "payload" => Some(Concat::Payload),
            _ => None,
        }
    }
}

/// The submit_sm PDUs that carry `body` to `number`, asking for a receipt
/// on each: one for a single-segment text (or `Concat::Payload`), else one
/// per segment, joined under `reference`.
pub fn submits(
    number: &str,
    body: &str,
    concat: Concat,
    reference: u16,
) -> Result<Vec<SubmitSm>, ClientError> {
    let destination = address(number).ok_or_else(|| ClientError::Number(number.to_string()))?;
    let encoding = text::encoding_of(body);
    let base = SubmitSm::builder()
        .source_addr(address("SIMSMS").expect("a short ASCII name"))
        .destination_addr(destination)
        .registered_delivery(RegisteredDelivery::from(1))
        .data_coding(DataCoding::from(encoding.data_coding()));
    let segments = text::segments(body);
    if concat == Concat::Payload && segments.len() > 1 {
        let payload = MessagePayload::new(AnyOctetString::from_vec(text::encode(body, encoding)));
        return Ok(vec![base.push_tlv(Tlv::MessagePayload(payload)).build()]);
    }
    if segments.len() == 1 {
        return Ok(vec![base.short_message(octets(body, encoding)?).build()]);
    }
    let total = u8::try_from(segments.len()).map_err(|_| too_long(segments.len()))?;
    let mut parts = Vec::with_capacity(segments.len());
    for (i, segment) in segments.iter().enumerate() {
        let seq = i as u8 + 1;
        let part = base.clone();
        let part = match concat {
            Concat::Udh => {
                let mut data = vec![5, 0x00, 3, reference as u8, total, seq];
                data.extend(text::encode(segment, encoding));
                part.esm_class(EsmClass::from(UDHI))
                    .short_message(OctetString::from_vec(data).map_err(|_| too_long(total.into()))?)
            }
            _ => part
                .push_tlv(Tlv::SarMsgRefNum(reference))
                .push_tlv(Tlv::SarTotalSegments(total))
                .push_tlv(Tlv::SarSegmentSeqnum(seq))
                .short_message(octets(segment, encoding)?),
        };
        parts.push(part.build());
    }
    Ok(parts)
}

fn octets(text: &str, encoding: Encoding) -> Result<OctetString<0, 255>, ClientError> {
    let bytes = text::encode(text, encoding);
    let len = bytes.len();
    OctetString::from_vec(bytes).map_err(|_| too_long(len))
}

fn too_long(n: usize) -> ClientError {
    ClientError::Body(format!(
        "a message of {n} segments (or octets) does not fit SMPP"
    ))
}

/// `s` as an SMPP address, if it fits.
fn address(s: &str) -> Option<COctetString<1, 21>> {
    COctetString::from_string(s.to_string()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn short_message(s: &SubmitSm) -> &[u8] {
        s.short_message().as_ref()
    }

    #[test]
    fn a_short_text_is_one_plain_submit() {
        let parts = submits("819012345678", "Your code is 123456", Concat::Udh, 7).unwrap();
        assert_eq!(parts.len(), 1);
        assert_eq!(short_message(&parts[0]), b"Your code is 123456");
        assert_eq!(u8::from(parts[0].data_coding), 0);
    }

    #[test]
    fn a_long_japanese_text_is_ucs2_parts_with_a_udh() {
        let body = "認".repeat(100);
        let parts = submits("819012345678", &body, Concat::Udh, 7).unwrap();
        assert_eq!(parts.len(), 2);
        let first = short_message(&parts[0]);
        assert_eq!(&first[..6], &[5, 0, 3, 7, 2, 1]);
        assert_eq!(first.len(), 6 + 67 * 2);
        assert_eq!(&short_message(&parts[1])[..6], &[5, 0, 3, 7, 2, 2]);
        assert_eq!(u8::from(parts[1].data_coding), 8);
        assert_eq!(u8::from(parts[1].esm_class) & UDHI, UDHI);
    }

    #[test]
    fn sar_parts_carry_the_three_tlvs_and_no_header() {
        let parts = submits("1", &"a".repeat(200), Concat::Sar, 300).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(short_message(&parts[0]).len(), 153);
        assert_eq!(parts[1].tlvs().len(), 3);
    }

    /// What the client builds, the server reads back: each part's place
    /// and text, in every joining.
    #[test]
    fn the_server_reads_back_what_the_client_splits() {
        use super::super::user_data::UserData;
        let body = format!("認証コード {}", "あ".repeat(150));
        for concat in [Concat::Udh, Concat::Sar] {
            let parts = submits("1", &body, concat, 42).unwrap();
            let mut joined = String::new();
            for (i, part) in parts.iter().enumerate() {
                let data = UserData::of(part).unwrap();
                let place = data.concat.unwrap();
                assert_eq!((place.total, place.seq), (3, i as u8 + 1));
                assert_eq!(place.reference, 42);
                joined += &text::decode(data.coding, &data.bytes);
            }
            assert_eq!(joined, body);
        }
        let whole = submits("1", &body, Concat::Payload, 0).unwrap();
        let data = UserData::of(&whole[0]).unwrap();
        assert_eq!((data.segments(), data.concat), (3, None));
    }

    #[test]
    fn a_payload_is_one_submit_with_the_whole_text() {
        let parts = submits("1", &"a".repeat(200), Concat::Payload, 1).unwrap();
        assert_eq!(parts.len(), 1);
        assert!(short_message(&parts[0]).is_empty());
        assert_eq!(parts[0].tlvs().len(), 1);
    }
}
