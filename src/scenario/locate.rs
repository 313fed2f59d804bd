//! Finds where a key path sits in the TOML source, so that errors found
//! after deserialisation (a share sum, an unknown provider) can still point
//! at a line and column.

use std::ops::Range;
use toml::de::{DeTable, DeValue};

/// One step of a key path.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// Splits `outages[2].start` into `outages`, `2`, `start`.
pub fn split_path(path: &str) -> Vec<Segment> {
    let mut segments = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let mut rest = part;
        if let Some(open) = rest.find('[') {
            segments.push(Segment::Key(rest[..open].to_string()));
            rest = &rest[open..];
            while let Some(close) = rest.find(']') {
                if let Ok(i) = rest[1..close].parse() {
                    segments.push(Segment::Index(i));
                }
                rest = &rest[close + 1..];
            }
        } else {
            segments.push(Segment::Key(rest.to_string()));
        }
    }
    segments
}

/// Where a key path was found in the document.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    /// The value's span (or the closest enclosing table's).
    pub value: Range<usize>,
    /// The span of the last key found, when the path ends at a key.
    pub key: Option<Range<usize>>,
    /// The whole path exists in the document.
    pub complete: bool,
}

/// The deepest part of `path` present in the document: the value itself
/// when it exists, else the closest enclosing table.
pub fn locate(root: &DeTable<'_>, path: &str) -> Option<Located> {
    let segments = split_path(path);
    let total = segments.len();
    let mut best: Option<Located> = None;
    let mut table = Some(root);
    let mut array: Option<&toml::de::DeArray<'_>> = None;
    for (depth, segment) in segments.into_iter().enumerate() {
        let found = match (&segment, table, array) {
            (Segment::Key(k), Some(t), _) => t
                .iter()
                .find(|(key, _)| key.get_ref() == k)
                .map(|(key, v)| (Some(key.span()), v)),
            (Segment::Index(i), _, Some(a)) => a.get(*i).map(|v| (None, v)),
            _ => None,
        };
        let Some((key_span, value)) = found else {
            break;
        };
        let span = value.span();
        if span.end > span.start {
            best = Some(Located {
                value: span,
                key: key_span.filter(|k| k.end > k.start),
                complete: depth + 1 == total,
            });
        }
        table = None;
        array = None;
        match value.get_ref() {
            DeValue::Table(t) => table = Some(t),
            DeValue::Array(a) => array = Some(a),
            _ => {}
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_on_dots_and_indices() {
        assert_eq!(
            split_path("outages[2].start"),
            vec![
                Segment::Key("outages".into()),
                Segment::Index(2),
                Segment::Key("start".into())
            ]
        );
    }

    #[test]
    fn locates_nested_values() {
        let src = "[carriers.docomo]\nshare = 0.5\nspam = 2\n";
        let doc = DeTable::parse(src).unwrap();
        let found = locate(doc.get_ref(), "carriers.docomo.spam").unwrap();
        assert_eq!(&src[found.value], "2");
        assert_eq!(&src[found.key.unwrap()], "spam");
        assert!(found.complete);
        assert!(
            !locate(doc.get_ref(), "carriers.docomo.other")
                .unwrap()
                .complete
        );
    }
}
