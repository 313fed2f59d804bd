//! simsms's own per-message records (`run`/`serve`/`load --events`), in
//! CSV or JSON Lines: the columns docs/outputs.md lists.

use super::{CappedLines, FormatError, Lines};
use crate::fit::{FinalState, Observation, Sink, Skip};
use std::io::BufRead;
use std::path::Path;

/// The first line of a CSV of simsms records.
pub const HEADER: &str = "message_id,session,number,provider,carrier,sent_s,answer,stat,err,final_s,outcome,segments,price";

/// One record's fields, as text.
#[derive(Default)]
struct Fields<'a> {
    session: Option<&'a str>,
    number: &'a str,
    provider: &'a str,
    carrier: Option<&'a str>,
    sent_s: &'a str,
    answer: &'a str,
    stat: Option<&'a str>,
    err: Option<&'a str>,
    final_s: Option<&'a str>,
    segments: Option<&'a str>,
    price: Option<&'a str>,
}

pub fn read<R: BufRead, S: Sink>(input: R, path: &Path, sink: &mut S) -> Result<(), FormatError> {
    let json = path
        .extension()
        .is_some_and(|e| e == "jsonl" || e == "ndjson");
    if json {
        read_json_lines(input, sink)
    } else {
        read_csv(input, sink)
    }
}

fn read_csv<R: BufRead, S: Sink>(input: R, sink: &mut S) -> Result<(), FormatError> {
    let mut csv = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(CappedLines::new(input));
    let header = csv.byte_headers().map_err(csv_error)?.clone();
    let mut at = [usize::MAX; 13];
    for (i, name) in HEADER.split(',').enumerate() {
        at[i] = header
            .iter()
            .position(|h| h == name.as_bytes())
            .ok_or_else(|| FormatError::Invalid {
                line: 1,
                message: format!(
                    "no `{name}` column: simsms records have the header `{HEADER}` (another CSV? use --format csv)"
                ),
            })?;
    }
    let mut record = csv::ByteRecord::new();
    while csv.read_byte_record(&mut record).map_err(csv_error)? {
        let line = record.position().map_or(0, |p| p.line());
        let cell = |i: usize| {
            record
                .get(at[i])
                .and_then(|b| std::str::from_utf8(b).ok())
                .filter(|s| !s.is_empty())
        };
        let fields = Fields {
            session: cell(1),
            number: cell(2).unwrap_or(""),
            provider: cell(3).unwrap_or(""),
            carrier: cell(4),
            sent_s: cell(5).unwrap_or(""),
            answer: cell(6).unwrap_or(""),
            stat: cell(7),
            err: cell(8),
            final_s: cell(9),
            segments: cell(11),
            price: cell(12),
        };
        observe(&fields, line, sink);
    }
    Ok(())
}

pub(super) fn csv_error(e: csv::Error) -> FormatError {
    let line = e.position().map_or(0, |p| p.line());
    match e.into_kind() {
        csv::ErrorKind::Io(io) => FormatError::Invalid {
            line,
            message: io.to_string(),
        },
        other => FormatError::Invalid {
            line,
            message: format!("not CSV: {other:?}"),
        },
    }
}

#[derive(serde::Deserialize)]
struct JsonRecord<'a> {
    session: Option<serde_json::Value>,
    #[serde(borrow)]
    number: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    provider: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    carrier: Option<std::borrow::Cow<'a, str>>,
    sent_s: f64,
    #[serde(borrow)]
    answer: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    stat: Option<std::borrow::Cow<'a, str>>,
    err: Option<u32>,
    final_s: Option<f64>,
    segments: Option<u32>,
    price: Option<f64>,
}

fn read_json_lines<R: BufRead, S: Sink>(input: R, sink: &mut S) -> Result<(), FormatError> {
    let mut lines = Lines::new(input);
    while let Some((line, text)) = lines.next_line()? {
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let r: JsonRecord = match serde_json::from_slice(text) {
            Ok(r) => r,
            Err(e) => {
                sink.skip(Skip {
                    line,
                    reason: format!("not a simsms record: {}", e.classify_name()),
                });
                continue;
            }
        };
        let session = r.session.as_ref().map(|s| match s {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        });
        let (sent, fin, err, seg, price) = (
            r.sent_s.to_string(),
            r.final_s.map(|f| f.to_string()),
            r.err.map(|e| e.to_string()),
            r.segments.map(|s| s.to_string()),
            r.price.map(|p| p.to_string()),
        );
        let fields = Fields {
            session: session.as_deref(),
            number: &r.number,
            provider: &r.provider,
            carrier: r.carrier.as_deref(),
            sent_s: &sent,
            answer: &r.answer,
            stat: r.stat.as_deref(),
            err: err.as_deref(),
            final_s: fin.as_deref(),
            segments: seg.as_deref(),
            price: price.as_deref(),
        };
        observe(&fields, line, sink);
    }
    Ok(())
}

trait Classify {
    fn classify_name(&self) -> &'static str;
}

impl Classify for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Data => "a field is missing or of the wrong type",
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => "not JSON",
            serde_json::error::Category::Io => "unreadable",
        }
    }
}

/// One record's fields checked and handed on, or skipped with why.
fn observe<S: Sink>(f: &Fields<'_>, line: u64, sink: &mut S) {
    let skip = |sink: &mut S, reason: &str| {
        sink.skip(Skip {
            line,
            reason: reason.to_string(),
        })
    };
    if f.number.is_empty() {
        return skip(sink, "no number");
    }
    let Some(sent_s) = f.sent_s.parse::<f64>().ok().filter(|t| t.is_finite()) else {
        return skip(sink, "unparsable sent_s");
    };
    let final_s = match f.final_s.map(str::parse::<f64>) {
        None => None,
        Some(Ok(t)) if t.is_finite() && t >= sent_s => Some(t),
        Some(_) => return skip(sink, "unparsable final_s, or before sent_s"),
    };
    let state = if f.answer != "accepted" {
        FinalState::Refused
    } else {
        match f.stat {
            None => FinalState::NoReceipt,
            Some(word) => match FinalState::from_final_word(word) {
                Some(s) => s,
                None => return skip(sink, "unknown stat"),
            },
        }
    };
    sink.observe(&Observation {
        number: f.number,
        session: f.session,
        provider: if f.provider.is_empty() {
            "all"
        } else {
            f.provider
        },
        carrier: f.carrier,
        sent_s,
        final_s,
        state,
        err: f.err.and_then(|e| e.parse().ok()),
        segments: f.segments.and_then(|s| s.parse().ok()).unwrap_or(1),
        price: f.price.and_then(|p| p.parse().ok()),
        wall_clock: false,
        line,
    });
}

#[cfg(test)]
mod header_tests {
    use super::HEADER;
    use crate::records::{MessageRecord, RecordWriter};

    #[test]
    fn the_header_read_is_the_header_the_records_are_written_with() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        let mut w = RecordWriter::create(&path, None).unwrap();
        w.write(&MessageRecord {
            message_id: "1".into(),
            session: None,
            number: "81".into(),
            provider: "p".into(),
            carrier: None,
            sent_s: 0.0,
            answer: "accepted".into(),
            stat: None,
            err: None,
            final_s: None,
            outcome: "lost".into(),
            segments: 1,
            price: 0.0,
        })
        .unwrap();
        w.finish().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().next(), Some(HEADER));
    }
}
