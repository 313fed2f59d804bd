//! SMPP's `data_coding` values a submitted message may carry, and reading
//! its bytes back as text.

use super::gsm7;

/// The codings `serve` reads (SMPP 3.4 §5.2.19).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataCoding {
    /// 0: the SMSC default alphabet, GSM 03.38 7-bit, one septet per octet.
    SmscDefault,
    /// 1: IA5, which is ASCII.
    Ia5,
    /// 3: ISO-8859-1.
    Latin1,
    /// 4 (and 2): 8-bit binary.
    Binary,
    /// 8: UCS-2, big-endian.
    Ucs2,
}

impl DataCoding {
    /// The coding a `data_coding` octet names, by its low bits where the
    /// octet is a message-class form (0xF0–0xFF); `None` for ones not read.
    pub fn of(octet: u8) -> Option<Self> {
        match octet {
            0 => Some(DataCoding::SmscDefault),
            1 => Some(DataCoding::Ia5),
            3 => Some(DataCoding::Latin1),
            2 | 4 => Some(DataCoding::Binary),
            8 => Some(DataCoding::Ucs2),
            0xF0..=0xFF if octet & 0x04 == 0 => Some(DataCoding::SmscDefault),
            0xF0..=0xFF => Some(DataCoding::Binary),
            _ => None,
        }
    }

    /// The segments a message of `bytes` in this coding takes when a
    /// gateway splits it: septets 160 then 153 a part (GSM 7-bit and IA5,
    /// escape pairs never split), UTF-16 units 70 then 67 (surrogate pairs
    /// never split), octets 140 then 134 (Latin-1 and binary).
    pub fn segments(self, bytes: &[u8]) -> u32 {
        let text = || decode(self, bytes);
        match self {
            DataCoding::SmscDefault | DataCoding::Ia5 => {
                super::layout_in(&text(), super::Encoding::Gsm7).segments
            }
            DataCoding::Ucs2 => super::layout_in(&text(), super::Encoding::Ucs2).segments,
            DataCoding::Latin1 | DataCoding::Binary if bytes.len() <= 140 => 1,
            DataCoding::Latin1 | DataCoding::Binary => bytes.len().div_ceil(134) as u32,
        }
    }

    /// Bytes per text unit: 2 for UCS-2, 1 otherwise.
    pub fn unit_bytes(self) -> usize {
        match self {
            DataCoding::Ucs2 => 2,
            _ => 1,
        }
    }
}

/// `bytes` read as text in `coding`. Binary reads as lower-case hex; bytes
/// a coding cannot hold (an odd UCS-2 byte, an unpaired surrogate, a
/// non-ASCII IA5 octet) read as U+FFFD, never as raw bytes.
pub fn decode(coding: DataCoding, bytes: &[u8]) -> String {
    match coding {
        DataCoding::SmscDefault => gsm7::decode(bytes),
        DataCoding::Ia5 => bytes
            .iter()
            .map(|&b| match b {
                0..=0x7F => b as char,
                _ => char::REPLACEMENT_CHARACTER,
            })
            .collect(),
        DataCoding::Latin1 => bytes.iter().map(|&b| b as char).collect(),
        DataCoding::Binary => bytes.iter().map(|b| format!("{b:02x}")).collect(),
        DataCoding::Ucs2 => {
            let units = bytes
                .chunks(2)
                .map(|pair| match pair {
                    [hi, lo] => u16::from_be_bytes([*hi, *lo]),
                    _ => 0xFFFD,
                })
                .collect::<Vec<_>>();
            char::decode_utf16(units)
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ucs2_japanese_reads_back() {
        let text = "認証コードは123456です";
        let bytes: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(decode(DataCoding::Ucs2, &bytes), text);
        assert_eq!(decode(DataCoding::Ucs2, &bytes[..3]), "認\u{FFFD}");
    }

    #[test]
    fn each_coding_reads_its_own_bytes() {
        assert_eq!(decode(DataCoding::SmscDefault, &[0x00, 0x41]), "@A");
        assert_eq!(decode(DataCoding::Ia5, b"code 1\xff"), "code 1\u{FFFD}");
        assert_eq!(decode(DataCoding::Latin1, b"caf\xe9"), "café");
        assert_eq!(decode(DataCoding::Binary, &[0x0a, 0xff]), "0aff");
    }

    #[test]
    fn a_payload_counts_the_segments_of_its_own_coding() {
        let ucs2 = |t: &str| -> Vec<u8> { t.encode_utf16().flat_map(u16::to_be_bytes).collect() };
        // English sent as UCS-2 is split as UCS-2: 70, then 67 a part.
        assert_eq!(DataCoding::Ucs2.segments(&ucs2(&"a".repeat(70))), 1);
        assert_eq!(DataCoding::Ucs2.segments(&ucs2(&"a".repeat(71))), 2);
        assert_eq!(DataCoding::SmscDefault.segments(&[0x41; 160]), 1);
        assert_eq!(DataCoding::SmscDefault.segments(&[0x41; 307]), 3);
        assert_eq!(DataCoding::Latin1.segments(&[0x41; 140]), 1);
        assert_eq!(DataCoding::Binary.segments(&[0; 269]), 3);
    }

    #[test]
    fn data_coding_octets_name_their_coding() {
        assert_eq!(DataCoding::of(8), Some(DataCoding::Ucs2));
        assert_eq!(DataCoding::of(0xF1), Some(DataCoding::SmscDefault));
        assert_eq!(DataCoding::of(0xF6), Some(DataCoding::Binary));
        assert_eq!(DataCoding::of(5), None);
    }
}
