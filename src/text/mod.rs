//! SMS text as gateways carry it: which encoding a body needs (GSM 03.38
//! 7-bit when every character is in the default alphabet, otherwise UCS-2),
//! how many segments that takes (160/153 septets, 70/67 UTF-16 units), the
//! bytes of each segment, and reading a submitted message's bytes back by
//! its SMPP `data_coding`. The model counts segments, `serve` decodes and
//! `load` encodes, all through here.

pub mod coding;
pub mod gsm7;

pub use coding::{DataCoding, decode};

/// What `load --otp` and `bench smpp` send: one GSM-7 segment.
pub const OTP_TEXT: &str = "Your code is 123456";

/// How a body travels: 7-bit GSM or UCS-2 (UTF-16 big-endian).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Gsm7,
    Ucs2,
}

impl Encoding {
    /// The name used in reports and docs.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Gsm7 => "GSM-7",
            Encoding::Ucs2 => "UCS-2",
        }
    }

    /// The SMPP `data_coding` that announces it.
    pub fn data_coding(self) -> u8 {
        match self {
            Encoding::Gsm7 => 0,
            Encoding::Ucs2 => 8,
        }
    }

    /// Units a single-segment message may hold.
    pub fn single_capacity(self) -> usize {
        match self {
            Encoding::Gsm7 => 160,
            Encoding::Ucs2 => 70,
        }
    }

    /// Units each part of a concatenated message holds (the rest of the
    /// 140 octets carries the 6-octet concatenation header).
    pub fn part_capacity(self) -> usize {
        match self {
            Encoding::Gsm7 => 153,
            Encoding::Ucs2 => 67,
        }
    }
}

/// A body's encoding, its length in that encoding's units (septets or
/// UTF-16 units) and the segments it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub encoding: Encoding,
    pub units: usize,
    pub segments: u32,
}

/// The encoding `text` needs.
pub fn encoding_of(text: &str) -> Encoding {
    match text.chars().all(|c| gsm7::septets(c).is_some()) {
        true => Encoding::Gsm7,
        false => Encoding::Ucs2,
    }
}

/// Units one character takes in `encoding`: an extension character two
/// septets, a character outside the Basic Multilingual Plane two UTF-16
/// units (a surrogate pair).
fn units_of(c: char, encoding: Encoding) -> usize {
    match encoding {
        Encoding::Gsm7 => gsm7::septets(c).unwrap_or(1),
        Encoding::Ucs2 => c.len_utf16(),
    }
}

/// Splits `text` into the character ranges of its segments, as gateways
/// split: never through an escape pair or a surrogate pair.
fn segment_ranges(text: &str, encoding: Encoding) -> Vec<std::ops::Range<usize>> {
    let units: usize = text.chars().map(|c| units_of(c, encoding)).sum();
    if units <= encoding.single_capacity() {
        return std::iter::once(0..text.len()).collect();
    }
    let capacity = encoding.part_capacity();
    let mut ranges = Vec::new();
    let (mut start, mut filled) = (0, 0);
    for (i, c) in text.char_indices() {
        let u = units_of(c, encoding);
        if filled + u > capacity {
            ranges.push(start..i);
            (start, filled) = (i, 0);
        }
        filled += u;
    }
    ranges.push(start..text.len());
    ranges
}

/// The encoding, length and segment count of `text`.
pub fn layout(text: &str) -> Layout {
    layout_in(text, encoding_of(text))
}

/// As [`layout`], for `text` carried in `encoding` whatever it needs (a
/// client may send text GSM-7 could carry as UCS-2).
pub fn layout_in(text: &str, encoding: Encoding) -> Layout {
    let units = text.chars().map(|c| units_of(c, encoding)).sum();
    let segments = segment_ranges(text, encoding).len() as u32;
    Layout {
        encoding,
        units,
        segments,
    }
}

/// The text of each segment of `text`, split where a gateway splits.
pub fn segments(text: &str) -> Vec<&str> {
    let encoding = encoding_of(text);
    segment_ranges(text, encoding)
        .into_iter()
        .map(|r| &text[r])
        .collect()
}

/// `text` in `encoding`'s bytes: unpacked septets, or UTF-16 big-endian.
/// Characters 7-bit cannot carry become '?' (only reached when a caller
/// forces GSM-7 on text that needs UCS-2).
pub fn encode(text: &str, encoding: Encoding) -> Vec<u8> {
    match encoding {
        Encoding::Gsm7 => gsm7::encode(text).unwrap_or_else(|| {
            let mut one = [0u8; 4];
            (text.chars())
                .flat_map(|c| gsm7::encode(c.encode_utf8(&mut one)).unwrap_or(vec![b'?']))
                .collect()
        }),
        Encoding::Ucs2 => text.encode_utf16().flat_map(u16::to_be_bytes).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segments_of(text: &str) -> (Encoding, usize, u32) {
        let l = layout(text);
        (l.encoding, l.units, l.segments)
    }

    #[test]
    fn gsm_limits_are_160_then_153_per_part() {
        assert_eq!(segments_of(&"a".repeat(160)), (Encoding::Gsm7, 160, 1));
        assert_eq!(segments_of(&"a".repeat(161)), (Encoding::Gsm7, 161, 2));
        assert_eq!(segments_of(&"a".repeat(306)), (Encoding::Gsm7, 306, 2));
        assert_eq!(segments_of(&"a".repeat(307)), (Encoding::Gsm7, 307, 3));
        assert_eq!(segments_of(""), (Encoding::Gsm7, 0, 1));
    }

    #[test]
    fn extension_characters_count_two_and_are_never_split() {
        assert_eq!(segments_of(&"€".repeat(80)), (Encoding::Gsm7, 160, 1));
        assert_eq!(segments_of(&"€".repeat(81)).2, 2);
        // 152 septets then a two-septet character: the euro starts part 2.
        let text = format!("{}€{}", "a".repeat(152), "b".repeat(10));
        let parts = segments(&text);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], "a".repeat(152));
        assert!(parts[1].starts_with('€'));
    }

    #[test]
    fn ucs2_limits_are_70_then_67_per_part() {
        assert_eq!(segments_of(&"認".repeat(70)), (Encoding::Ucs2, 70, 1));
        assert_eq!(segments_of(&"認".repeat(71)), (Encoding::Ucs2, 71, 2));
        assert_eq!(segments_of(&"認".repeat(134)).2, 2);
        assert_eq!(segments_of(&"認".repeat(135)).2, 3);
    }

    #[test]
    fn one_character_outside_gsm_makes_the_whole_body_ucs2() {
        let text = format!("{}ç", "a".repeat(69));
        assert_eq!(segments_of(&text), (Encoding::Ucs2, 70, 1));
        assert_eq!(segments_of(&format!("{text}a")).2, 2);
    }

    #[test]
    fn characters_outside_the_bmp_take_two_units_and_are_never_split() {
        assert_eq!(segments_of(&"😀".repeat(35)), (Encoding::Ucs2, 70, 1));
        let text = format!("{}😀{}", "認".repeat(66), "x".repeat(10));
        let parts = segments(&text);
        assert_eq!(parts[0], "認".repeat(66));
        assert!(parts[1].starts_with('😀'));
    }

    #[test]
    fn a_japanese_code_message_is_one_segment() {
        assert_eq!(segments_of("認証コードは123456です").2, 1);
    }

    #[test]
    fn encoded_parts_fit_their_segment() {
        for text in ["a".repeat(400), "認".repeat(200), "€a".repeat(120)] {
            let encoding = encoding_of(&text);
            let parts = segments(&text);
            let joined: String = parts.concat();
            assert_eq!(joined, text);
            for part in parts {
                let bytes = encode(part, encoding);
                let limit = match encoding {
                    Encoding::Gsm7 => 153,
                    Encoding::Ucs2 => 134,
                };
                assert!(bytes.len() <= limit, "{} > {limit}", bytes.len());
            }
        }
    }
}
