//! What a submit_sm carries, read as an SMSC reads it: its coding
//! (`data_coding`), its user data (the message_payload TLV when present,
//! else short_message) without any User Data Header, and its place in a
//! concatenated message: by UDH (esm_class bit 0x40, information element
//! 0x00 with an 8-bit reference or 0x08 with a 16-bit one) or by the TLVs
//! sar_msg_ref_num, sar_total_segments and sar_segment_seqnum.

use crate::text::DataCoding;
use rusmpp::CommandStatus;
use rusmpp::pdus::SubmitSm;
use rusmpp::tlvs::TlvValue;

/// esm_class bit 6: the user data starts with a User Data Header.
pub const UDHI: u8 = 0x40;

/// How the parts of a concatenated message name their message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// UDH information element 0x00: 8-bit reference.
    Udh8,
    /// UDH information element 0x08: 16-bit reference.
    Udh16,
    /// The SAR TLVs (16-bit reference).
    Sar,
}

/// One part's place in its concatenated message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Concat {
    pub scheme: Scheme,
    pub reference: u16,
    /// Parts in the message, 2 to 255.
    pub total: u8,
    /// This part's number, 1 to `total`.
    pub seq: u8,
}

/// A submitted message's content.
#[derive(Debug, Clone, PartialEq)]
pub struct UserData {
    pub coding: DataCoding,
    /// The user data without its header.
    pub bytes: Vec<u8>,
    /// It came in the message_payload TLV (one PDU, however long).
    pub payload: bool,
    /// Its place in a concatenated message; `None` for a whole message
    /// (a "1 of 1" is one).
    pub concat: Option<Concat>,
}

impl UserData {
    /// Reads `submit`, or the command_status refusing it: ESME_RINVDCS
    /// (0x104) for a data_coding not read, ESME_RINVESMCLASS (0x43) for a
    /// UDH indicated but longer than the user data, ESME_RMISSINGTLV
    /// (0xC3) when only some SAR TLVs are given, ESME_RINVTLVVAL (0xC4)
    /// for a SAR part number of 0 or beyond the total.
    pub fn of(submit: &SubmitSm) -> Result<UserData, CommandStatus> {
        let octet = u8::from(submit.data_coding);
        let coding = DataCoding::of(octet).ok_or(CommandStatus::EsmeRinvdcs)?;
        let payload = submit.tlvs().iter().find_map(|t| match t.value() {
            Some(TlvValue::MessagePayload(p)) => Some(p.value.as_ref()),
            _ => None,
        });
        let data = payload.unwrap_or(submit.short_message().as_ref());
        let (udh, bytes) = match u8::from(submit.esm_class) & UDHI {
            0 => (&[][..], data),
            _ => split_udh(data).ok_or(CommandStatus::EsmeRinvesmclass)?,
        };
        let concat = match udh_concat(udh) {
            Some(c) => Some(c),
            None => sar(submit)?,
        };
        Ok(UserData {
            coding,
            bytes: bytes.to_vec(),
            payload: payload.is_some(),
            concat: concat.filter(|c| c.total > 1),
        })
    }

    /// The segments this PDU's text takes: 1 for a short_message (as
    /// before any splitting), counted by the coding's rules for a
    /// message_payload.
    pub fn segments(&self) -> u32 {
        match self.payload {
            true => self.coding.segments(&self.bytes),
            false => 1,
        }
    }
}

/// The header and the rest of user data that starts with a UDH (its
/// length octet, then that many octets); `None` if it does not fit.
pub fn split_udh(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let length = *data.first()? as usize;
    let header = data.get(1..1 + length)?;
    Some((header, &data[1 + length..]))
}

/// The concatenation element of a UDH (without its length octet), if any.
/// An element whose part number is 0 or beyond its total is ignored, as
/// 3GPP TS 23.040 §9.2.3.24.1 asks.
pub fn udh_concat(mut header: &[u8]) -> Option<Concat> {
    while let [id, length, rest @ ..] = header {
        let length = *length as usize;
        let data = rest.get(..length)?;
        let found = match (*id, data) {
            (0x00, &[reference, total, seq]) => Some((Scheme::Udh8, reference as u16, total, seq)),
            (0x08, &[hi, lo, total, seq]) => {
                Some((Scheme::Udh16, u16::from_be_bytes([hi, lo]), total, seq))
            }
            _ => None,
        };
        if let Some((scheme, reference, total, seq)) = found
            && seq >= 1
            && seq <= total
        {
            return Some(Concat {
                scheme,
                reference,
                total,
                seq,
            });
        }
        header = &rest[length..];
    }
    None
}

/// The SAR TLVs' concatenation, if the three are given.
fn sar(submit: &SubmitSm) -> Result<Option<Concat>, CommandStatus> {
    let (mut reference, mut total, mut seq) = (None, None, None);
    for tlv in submit.tlvs() {
        match tlv.value() {
            Some(TlvValue::SarMsgRefNum(r)) => reference = Some(*r),
            Some(TlvValue::SarTotalSegments(t)) => total = Some(*t),
            Some(TlvValue::SarSegmentSeqnum(s)) => seq = Some(*s),
            _ => {}
        }
    }
    match (reference, total, seq) {
        (None, None, None) => Ok(None),
        (Some(reference), Some(total), Some(seq)) if seq >= 1 && seq <= total => Ok(Some(Concat {
            scheme: Scheme::Sar,
            reference,
            total,
            seq,
        })),
        (Some(_), Some(_), Some(_)) => Err(CommandStatus::EsmeRinvtlvval),
        _ => Err(CommandStatus::EsmeRmissingtlv),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusmpp::tlvs::MessageSubmissionRequestTlvValue as Tlv;
    use rusmpp::types::OctetString;
    use rusmpp::values::{DataCoding as Dc, EsmClass, MessagePayload};

    fn submit(coding: u8, esm: u8, short: &[u8], tlvs: Vec<Tlv>) -> SubmitSm {
        SubmitSm::builder()
            .data_coding(Dc::from(coding))
            .esm_class(EsmClass::from(esm))
            .short_message(OctetString::from_slice(short).unwrap())
            .tlvs(tlvs)
            .build()
    }

    #[test]
    fn a_udh_with_an_8_bit_reference_names_the_part_and_is_cut_off() {
        let sm = submit(8, UDHI, &[5, 0, 3, 0x2A, 3, 2, 0x30, 0x8D], vec![]);
        let data = UserData::of(&sm).unwrap();
        assert_eq!(data.bytes, vec![0x30, 0x8D]);
        assert_eq!(data.coding, DataCoding::Ucs2);
        let c = data.concat.unwrap();
        assert_eq!(
            (c.scheme, c.reference, c.total, c.seq),
            (Scheme::Udh8, 42, 3, 2)
        );
    }

    #[test]
    fn a_udh_with_a_16_bit_reference_after_another_element() {
        // A port-addressing element (0x05) first, then 0x08.
        let udh = [12, 5, 4, 0x0B, 0x84, 0x23, 0xF0, 8, 4, 0x12, 0x34, 2, 1];
        let mut short = udh.to_vec();
        short.extend(b"Hello");
        let data = UserData::of(&submit(0, UDHI, &short, vec![])).unwrap();
        assert_eq!(data.bytes, b"Hello");
        let c = data.concat.unwrap();
        assert_eq!(
            (c.scheme, c.reference, c.total, c.seq),
            (Scheme::Udh16, 0x1234, 2, 1)
        );
    }

    #[test]
    fn sar_tlvs_name_the_part() {
        let tlvs = vec![
            Tlv::SarMsgRefNum(7),
            Tlv::SarTotalSegments(2),
            Tlv::SarSegmentSeqnum(2),
        ];
        let c = UserData::of(&submit(0, 0, b"abc", tlvs))
            .unwrap()
            .concat
            .unwrap();
        assert_eq!(
            (c.scheme, c.reference, c.total, c.seq),
            (Scheme::Sar, 7, 2, 2)
        );
        let missing = vec![Tlv::SarMsgRefNum(7), Tlv::SarTotalSegments(2)];
        assert_eq!(
            UserData::of(&submit(0, 0, b"abc", missing)),
            Err(CommandStatus::EsmeRmissingtlv)
        );
        let beyond = vec![
            Tlv::SarMsgRefNum(7),
            Tlv::SarTotalSegments(2),
            Tlv::SarSegmentSeqnum(3),
        ];
        assert_eq!(
            UserData::of(&submit(0, 0, b"abc", beyond)),
            Err(CommandStatus::EsmeRinvtlvval)
        );
    }

    #[test]
    fn a_payload_is_one_message_of_its_own_segments() {
        let long = "a".repeat(200);
        let payload = Tlv::MessagePayload(MessagePayload::new(
            rusmpp::types::AnyOctetString::from_slice(long.as_bytes()),
        ));
        let data = UserData::of(&submit(1, 0, b"", vec![payload])).unwrap();
        assert!(data.payload && data.concat.is_none());
        assert_eq!(data.bytes.len(), 200);
        assert_eq!(data.segments(), 2);
    }

    #[test]
    fn bad_codings_and_headers_are_refused_and_odd_ones_are_whole() {
        assert_eq!(
            UserData::of(&submit(5, 0, b"x", vec![])),
            Err(CommandStatus::EsmeRinvdcs)
        );
        assert_eq!(
            UserData::of(&submit(0, UDHI, &[9, 0, 3], vec![])),
            Err(CommandStatus::EsmeRinvesmclass)
        );
        // Part 0, and a "1 of 1", are whole messages.
        let zero = UserData::of(&submit(0, UDHI, &[5, 0, 3, 1, 2, 0, 0x41], vec![])).unwrap();
        assert_eq!((zero.concat, zero.bytes), (None, vec![0x41]));
        let one = UserData::of(&submit(0, UDHI, &[5, 0, 3, 1, 1, 1, 0x41], vec![])).unwrap();
        assert_eq!(one.concat, None);
        assert_eq!(one.segments(), 1);
    }
}
