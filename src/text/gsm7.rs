//! The GSM 03.38 default alphabet and its extension table: which characters
//! a 7-bit message can carry, how many septets each takes, and the
//! unpacked one-septet-per-octet form SMPP carries with `data_coding = 0`.

/// The default alphabet, indexed by septet. 0x1B is the escape to the
/// extension table and never a character of its own.
const DEFAULT: [char; 128] = [
    '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å', //
    'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', '\u{1B}', 'Æ', 'æ', 'ß', 'É', //
    ' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/', //
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?', //
    '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', //
    'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§', //
    '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', //
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à', //
];

/// The extension table: (septet after the escape, character).
const EXTENSION: [(u8, char); 10] = [
    (0x0A, '\u{0C}'),
    (0x14, '^'),
    (0x28, '{'),
    (0x29, '}'),
    (0x2F, '\\'),
    (0x3C, '['),
    (0x3D, '~'),
    (0x3E, ']'),
    (0x40, '|'),
    (0x65, '€'),
];

/// The escape septet that introduces an extension character.
pub const ESCAPE: u8 = 0x1B;

/// The septets `c` takes: 1 in the default alphabet, 2 in the extension
/// table, `None` when 7-bit cannot carry it.
pub fn septets(c: char) -> Option<usize> {
    if c != '\u{1B}' && default_septet(c).is_some() {
        Some(1)
    } else if extension_septet(c).is_some() {
        Some(2)
    } else {
        None
    }
}

fn default_septet(c: char) -> Option<u8> {
    // The printable ASCII letters and digits sit at their ASCII codes; a
    // table scan covers the rest (128 entries, rarely reached).
    match c {
        'A'..='Z' | 'a'..='z' | '0'..='9' | ' ' => Some(c as u8),
        _ => DEFAULT.iter().position(|&d| d == c).map(|i| i as u8),
    }
}

fn extension_septet(c: char) -> Option<u8> {
    EXTENSION.iter().find(|(_, e)| *e == c).map(|(s, _)| *s)
}

/// The septets of `text`, one per octet (escape pairs for the extension
/// table), or `None` if some character is not in the alphabet.
pub fn encode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        match septets(c)? {
            1 => out.push(default_septet(c)?),
            _ => out.extend([ESCAPE, extension_septet(c)?]),
        }
    }
    Some(out)
}

/// Reads unpacked septets back into text. A septet with its top bit set is
/// not GSM 7-bit; it reads as U+FFFD, as does an unknown escape.
pub fn decode(septets: &[u8]) -> String {
    let mut out = String::with_capacity(septets.len());
    let mut bytes = septets.iter();
    while let Some(&s) = bytes.next() {
        if s >= 0x80 {
            out.push(char::REPLACEMENT_CHARACTER);
        } else if s == ESCAPE {
            match bytes.next() {
                Some(&next) => out.push(
                    EXTENSION
                        .iter()
                        .find(|(e, _)| *e == next)
                        .map_or(char::REPLACEMENT_CHARACTER, |(_, c)| *c),
                ),
                None => out.push(char::REPLACEMENT_CHARACTER),
            }
        } else {
            out.push(DEFAULT[s as usize]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_character_round_trips_in_one_septet() {
        for (i, &c) in DEFAULT.iter().enumerate() {
            if i as u8 == ESCAPE {
                continue;
            }
            assert_eq!(septets(c), Some(1), "{c:?}");
            assert_eq!(encode(&c.to_string()), Some(vec![i as u8]));
            assert_eq!(decode(&[i as u8]), c.to_string());
        }
    }

    #[test]
    fn extension_characters_take_two_septets_and_round_trip() {
        let text = "€[]{}|^~\\";
        let encoded = encode(text).unwrap();
        assert_eq!(encoded.len(), 2 * text.chars().count());
        assert_eq!(decode(&encoded), text);
    }

    #[test]
    fn characters_outside_the_alphabet_are_refused() {
        for c in ['認', 'ç', '`', '\u{1B}', '😀'] {
            assert_eq!(septets(c), None, "{c:?}");
        }
        assert_eq!(encode("code 認"), None);
    }

    #[test]
    fn bytes_that_are_not_septets_read_as_replacement() {
        assert_eq!(decode(&[0x41, 0xC3, ESCAPE]), "A\u{FFFD}\u{FFFD}");
    }
}
