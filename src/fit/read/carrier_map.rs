//! `--carrier-map FILE`: the carrier of a number from its prefix, for
//! records that do not say it. The file is a CSV of `prefix,carrier` rows;
//! a first row whose prefix is not digits (`prefix,carrier`) is a header
//! and skipped, as are empty lines and lines starting with `#`. The
//! longest prefix a number starts with wins. Numbers and prefixes are
//! compared without a leading `+`, spaces, dashes, dots or parentheses,
//! so `+81 90-1234-5678` and `819012345678` are the same number.
//!
//! A prefix names the range's original holder: where numbers move between
//! carriers (mobile number portability, e.g. Japan's MNP), it is not
//! necessarily today's carrier of the number.

use super::{Lines, ReadError};
use std::collections::HashMap;
use std::path::Path;

/// Number prefixes and the carrier each names.
#[derive(Debug, Clone, Default)]
pub struct CarrierMap {
    /// Normalised prefix → index in `carriers`.
    prefixes: HashMap<Box<str>, usize>,
    carriers: Vec<Box<str>>,
    /// The shortest and longest prefix, to bound the lookups.
    shortest: usize,
    longest: usize,
}

/// The longest number prefix looked at; longer prefixes are refused.
const MAX_PREFIX: usize = 32;

impl CarrierMap {
    pub fn load(path: &Path) -> Result<CarrierMap, ReadError> {
        let shown = path.display().to_string();
        let file = std::fs::File::open(path).map_err(|source| ReadError::Io {
            path: shown.clone(),
            source,
        })?;
        CarrierMap::parse(std::io::BufReader::new(file)).map_err(|(line, message)| match message {
            Err(source) => ReadError::Io {
                path: shown.clone(),
                source,
            },
            Ok(message) => ReadError::Invalid {
                path: shown.clone(),
                line,
                message,
            },
        })
    }

    /// Reads `prefix,carrier` rows; an error is its line and what is wrong
    /// (or the I/O error).
    fn parse<R: std::io::BufRead>(
        input: R,
    ) -> Result<CarrierMap, (u64, Result<String, std::io::Error>)> {
        let mut map = CarrierMap {
            shortest: usize::MAX,
            ..CarrierMap::default()
        };
        let mut where_from: HashMap<Box<str>, u64> = HashMap::new();
        let mut lines = Lines::new(input);
        let mut first_row = true;
        loop {
            let (line, text) = match lines.next_line() {
                Ok(Some(next)) => next,
                Ok(None) => break,
                Err(super::FormatError::Io(e)) => return Err((0, Err(e))),
                Err(super::FormatError::Invalid { line, message }) => {
                    return Err((line, Ok(message)));
                }
            };
            let bad = |message: String| Err((line, Ok(message)));
            let Ok(text) = std::str::from_utf8(text) else {
                return bad("not UTF-8".into());
            };
            let text = text.trim().trim_start_matches('\u{feff}');
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            let cells: Vec<&str> = text.split(',').map(str::trim).collect();
            let [prefix, carrier] = cells[..] else {
                return bad(format!(
                    "{} cells where a carrier map has two, `prefix,carrier` (e.g. `8190,docomo`)",
                    cells.len()
                ));
            };
            let normal = normalise(prefix);
            if std::mem::take(&mut first_row)
                && !prefix.is_empty()
                && !normal.bytes().all(|b| b.is_ascii_digit())
            {
                continue; // a header
            }
            if normal.is_empty() || !normal.bytes().all(|b| b.is_ascii_digit()) {
                return bad(format!(
                    "prefix `{prefix}` is not digits (a number's start, e.g. 8190 or +81 90)"
                ));
            }
            if normal.len() > MAX_PREFIX {
                return bad(format!(
                    "prefix `{prefix}` is longer than {MAX_PREFIX} digits"
                ));
            }
            if carrier.is_empty() {
                return bad(format!("prefix `{prefix}` has no carrier"));
            }
            let normal: Box<str> = normal.into();
            if let Some(first) = where_from.get(&normal) {
                return bad(format!("prefix `{prefix}` again (first on line {first})"));
            }
            where_from.insert(normal.clone(), line);
            let index = match map.carriers.iter().position(|c| &**c == carrier) {
                Some(i) => i,
                None => {
                    map.carriers.push(carrier.into());
                    map.carriers.len() - 1
                }
            };
            map.shortest = map.shortest.min(normal.len());
            map.longest = map.longest.max(normal.len());
            map.prefixes.insert(normal, index);
        }
        if map.prefixes.is_empty() {
            return Err((0, Ok("no `prefix,carrier` rows".into())));
        }
        Ok(map)
    }

    /// The carrier of the longest prefix `number` starts with.
    pub fn carrier_of(&self, number: &str) -> Option<&str> {
        let mut digits = [0u8; MAX_PREFIX];
        let mut n = 0;
        for b in number.bytes().filter(|b| !is_punctuation(*b)) {
            if n == self.longest || !b.is_ascii() {
                break;
            }
            digits[n] = b;
            n += 1;
        }
        let digits = std::str::from_utf8(&digits[..n]).ok()?;
        (self.shortest..=n)
            .rev()
            .find_map(|len| self.prefixes.get(&digits[..len]))
            .map(|&i| &*self.carriers[i])
    }

    /// The carriers the map names, in the order they first appear.
    pub fn carriers(&self) -> impl Iterator<Item = &str> {
        self.carriers.iter().map(|c| &**c)
    }
}

fn is_punctuation(b: u8) -> bool {
    matches!(b, b'+' | b' ' | b'-' | b'.' | b'(' | b')')
}

fn normalise(number: &str) -> String {
    number
        .bytes()
        .filter(|b| !is_punctuation(*b))
        .map(char::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::CarrierMap;

    fn map(text: &str) -> Result<CarrierMap, (u64, String)> {
        CarrierMap::parse(text.as_bytes()).map_err(|(line, m)| (line, m.unwrap()))
    }

    #[test]
    fn the_longest_prefix_wins_whatever_the_punctuation() {
        let m = map("prefix,carrier\n# Japan\n8190,docomo\n81901,au\n+81 80,softbank\n\n").unwrap();
        assert_eq!(m.carrier_of("+81 90-1234-5678"), Some("au"));
        assert_eq!(m.carrier_of("819022223333"), Some("docomo"));
        assert_eq!(m.carrier_of("81-80-0000-0000"), Some("softbank"));
        assert_eq!(m.carrier_of("817012345678"), None);
        assert_eq!(m.carrier_of("8190"), Some("docomo"));
        assert_eq!(m.carrier_of("819"), None);
        assert_eq!(m.carrier_of(""), None);
        assert_eq!(m.carrier_of("８１９０"), None);
        assert_eq!(
            m.carriers().collect::<Vec<_>>(),
            ["docomo", "au", "softbank"]
        );
    }

    #[test]
    fn the_header_is_optional() {
        let m = map("8170,rakuten\n").unwrap();
        assert_eq!(m.carrier_of("817012345678"), Some("rakuten"));
    }

    #[test]
    fn bad_lines_are_errors_with_their_line_numbers() {
        let cases = [
            ("8190,docomo\nabc,au\n", 2, "prefix `abc` is not digits"),
            (
                "8190,docomo\n8180\n",
                2,
                "1 cells where a carrier map has two",
            ),
            ("8190,docomo\n8180,au,x\n", 2, "3 cells"),
            ("8190,docomo\n8180,\n", 2, "prefix `8180` has no carrier"),
            (
                "8190,docomo\n\n+8190,au\n",
                3,
                "prefix `+8190` again (first on line 1)",
            ),
            ("prefix,carrier\n", 0, "no `prefix,carrier` rows"),
        ];
        for (text, line, message) in cases {
            let (l, m) = map(text).unwrap_err();
            assert_eq!(l, line, "{text:?}: {m}");
            assert!(m.contains(message), "{text:?}: {m}");
        }
    }

    #[test]
    fn load_names_the_file_in_its_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("carriers.csv");
        std::fs::write(&path, "8190,docomo\nx,y\n").unwrap();
        let e = CarrierMap::load(&path).unwrap_err().to_string();
        assert!(
            e.ends_with(
                "carriers.csv:2: prefix `x` is not digits (a number's start, e.g. 8190 or +81 90)"
            ),
            "{e}"
        );
        let missing = CarrierMap::load(&dir.path().join("nope.csv")).unwrap_err();
        assert!(missing.to_string().contains("nope.csv"), "{missing}");
    }
}
