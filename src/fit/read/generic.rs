//! A team's own CSV of delivery records: the documented column names
//! ([`COLUMNS`]), or the team's headers mapped to them with `--column
//! NAME=HEADER`; times in the shapes [`time`] reads; statuses through the
//! shared vocabulary plus the common words of [`STATUS_WORDS`]. Streaming:
//! one reused `csv::ByteRecord`, nothing allocated per record.

pub use crate::units::timestamp as time;

#[cfg(test)]
pub(super) mod tests;

use super::{CappedLines, FormatError, ReadOptions};
use crate::fit::{FinalState, Observation, Sink, Skip};
use std::io::BufRead;

/// A column of the generic CSV.
pub struct Column {
    pub name: &'static str,
    pub required: bool,
    pub meaning: &'static str,
}

const fn column(name: &'static str, required: bool, meaning: &'static str) -> Column {
    Column {
        name,
        required,
        meaning,
    }
}

/// The columns, in the order docs/fit-formats.md lists them.
pub const COLUMNS: [Column; 10] = [
    column("sent_at", true, "when the message was sent: its submit"),
    column(
        "number",
        true,
        "the destination number, or any stable key per number",
    ),
    column("status", true, "the final status the records give"),
    column(
        "provider",
        false,
        "the provider it went through (default `all`)",
    ),
    column("carrier", false, "the carrier of the number, when known"),
    column("final_at", false, "when the final status was reached"),
    column(
        "error_code",
        false,
        "the error code (SMPP err, Twilio error_code)",
    ),
    column("session", false, "the user's session (one sign-in attempt)"),
    column("segments", false, "message parts (default 1)"),
    column(
        "price",
        false,
        "what the provider billed (its absolute value)",
    ),
];

const SENT_AT: usize = 0;
const NUMBER: usize = 1;
const STATUS: usize = 2;
const PROVIDER: usize = 3;
const CARRIER: usize = 4;
const FINAL_AT: usize = 5;
const ERROR_CODE: usize = 6;
const SESSION: usize = 7;
const SEGMENTS: usize = 8;
const PRICE: usize = 9;

/// What a status word says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Says {
    /// Read through the shared vocabulary table (with the error code for
    /// Twilio's `undelivered` and `failed`).
    Vocabulary(&'static str),
    State(FinalState),
}

/// Every status word the readers know, matched without regard to case:
/// SMPP's stats and Twilio's statuses through the vocabulary `serve` writes
/// receipts with, and the common words teams' own records use. A status
/// that says the message is still on its way (`sent`, `queued`, ...) means
/// no final receipt came: `no_receipt`.
pub const STATUS_WORDS: [(&str, Says); 24] = [
    ("DELIVRD", Says::Vocabulary("DELIVRD")),
    ("UNDELIV", Says::Vocabulary("UNDELIV")),
    ("EXPIRED", Says::Vocabulary("EXPIRED")),
    ("REJECTD", Says::Vocabulary("REJECTD")),
    ("delivered", Says::Vocabulary("delivered")),
    ("undelivered", Says::Vocabulary("undelivered")),
    ("failed", Says::Vocabulary("failed")),
    ("read", Says::State(FinalState::Delivered)),
    ("undeliverable", Says::State(FinalState::Undeliverable)),
    ("rejected", Says::State(FinalState::Rejected)),
    ("filtered", Says::State(FinalState::Rejected)),
    ("blocked", Says::State(FinalState::Rejected)),
    ("refused", Says::State(FinalState::Refused)),
    ("submit_failed", Says::State(FinalState::Refused)),
    ("no_receipt", Says::State(FinalState::NoReceipt)),
    ("accepted", Says::State(FinalState::NoReceipt)),
    ("sent", Says::State(FinalState::NoReceipt)),
    ("sending", Says::State(FinalState::NoReceipt)),
    ("queued", Says::State(FinalState::NoReceipt)),
    ("scheduled", Says::State(FinalState::NoReceipt)),
    ("enroute", Says::State(FinalState::NoReceipt)),
    ("buffered", Says::State(FinalState::NoReceipt)),
    ("pending", Says::State(FinalState::NoReceipt)),
    ("unknown", Says::State(FinalState::NoReceipt)),
];

/// The final state a status word (and its error code) says; None for a
/// word [`STATUS_WORDS`] does not have. `word` is a reused buffer, so
/// reading a status allocates nothing once it has grown.
pub fn state_of(status: &str, code: Option<u32>, word: &mut String) -> Option<FinalState> {
    let status = status.trim();
    let (_, says) = STATUS_WORDS
        .iter()
        .find(|(w, _)| w.eq_ignore_ascii_case(status))?;
    match *says {
        Says::State(state) => Some(state),
        Says::Vocabulary(w @ ("undelivered" | "failed")) => {
            use std::fmt::Write;
            word.clear();
            word.push_str(w);
            if let Some(code) = code {
                let _ = write!(word, " {code}");
            }
            FinalState::from_final_word(word)
        }
        Says::Vocabulary(w) => FinalState::from_final_word(w),
    }
}

/// Checks `--column NAME=HEADER` pairs: every NAME one of [`COLUMNS`],
/// none twice. The message lists the names.
pub fn check_columns(columns: &[(String, String)]) -> Result<(), String> {
    let names = || {
        COLUMNS
            .iter()
            .map(|c| c.name)
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (i, (name, header)) in columns.iter().enumerate() {
        if !COLUMNS.iter().any(|c| c.name == name) {
            return Err(format!(
                "--column {name}={header}: no column `{name}`; the names are {}",
                names()
            ));
        }
        if columns[..i].iter().any(|(n, _)| n == name) {
            return Err(format!("--column {name}= is given twice"));
        }
    }
    Ok(())
}

/// Where each of [`COLUMNS`] is in the header, after `--column` mapping.
fn locate(
    header: &csv::ByteRecord,
    options: &ReadOptions,
) -> Result<[Option<usize>; 10], FormatError> {
    let invalid = |message: String| FormatError::Invalid { line: 1, message };
    check_columns(&options.columns).map_err(invalid)?;
    let cells: Vec<String> = header
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let h = String::from_utf8_lossy(h);
            let h = if i == 0 {
                h.trim_start_matches('\u{feff}')
            } else {
                &h
            };
            h.trim().to_string()
        })
        .collect();
    if cells.iter().all(String::is_empty) {
        return Err(invalid(
            "no header row: a CSV of delivery records starts with its column names (sent_at, number, status, ...)".into(),
        ));
    }
    // The header as found, its control bytes escaped (a binary file's
    // "header" must not reach the terminal raw), and cut short.
    let found = || {
        let text: String = cells.join(", ").escape_debug().collect();
        match text.char_indices().nth(200) {
            Some((i, _)) => format!("{}... (is this a CSV of delivery records?)", &text[..i]),
            None => text,
        }
    };
    let mut at = [None; 10];
    for (i, c) in COLUMNS.iter().enumerate() {
        let mapped = options.columns.iter().find(|(n, _)| n == c.name);
        let wanted = mapped.map_or(c.name, |(_, h)| h.as_str());
        at[i] = cells
            .iter()
            .position(|h| h.eq_ignore_ascii_case(wanted.trim()));
        match (at[i], mapped) {
            (None, Some((_, h))) => {
                return Err(invalid(format!(
                    "no column headed `{h}` (--column {}={h}); the header has: {}",
                    c.name,
                    found()
                )));
            }
            (None, None) if c.required => {
                return Err(invalid(format!(
                    "no `{}` column ({}); the header has: {}. Name the columns {} or map yours with --column {}=YOUR_HEADER",
                    c.name,
                    c.meaning,
                    found(),
                    COLUMNS
                        .iter()
                        .filter(|c| c.required)
                        .map(|c| c.name)
                        .collect::<Vec<_>>()
                        .join(", "),
                    c.name
                )));
            }
            _ => {}
        }
    }
    Ok(at)
}

pub fn read<R: BufRead, S: Sink>(
    input: R,
    options: &ReadOptions,
    sink: &mut S,
) -> Result<(), FormatError> {
    let mut csv = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(CappedLines::new(input));
    let header = csv
        .byte_headers()
        .map_err(super::simsms::csv_error)?
        .clone();
    let at = locate(&header, options)?;
    let mut record = csv::ByteRecord::new();
    let mut word = String::new();
    while csv
        .read_byte_record(&mut record)
        .map_err(super::simsms::csv_error)?
    {
        let line = record.position().map_or(0, |p| p.line());
        let mut cells: [Option<&str>; 10] = [None; 10];
        let mut utf8 = true;
        for (cell, at) in cells.iter_mut().zip(at) {
            let Some(bytes) = at.and_then(|i| record.get(i)) else {
                continue;
            };
            match std::str::from_utf8(bytes) {
                Ok(s) => *cell = Some(s.trim()).filter(|s| !s.is_empty()),
                Err(_) => utf8 = false,
            }
        }
        if !utf8 {
            sink.skip(Skip {
                line,
                reason: "a cell is not UTF-8".into(),
            });
            continue;
        }
        observe(&cells, line, &mut word, sink);
    }
    Ok(())
}

/// An error code: decimal, or hexadecimal with `0x` (an SMPP status).
pub(super) fn error_code(text: &str) -> Option<u32> {
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

/// One row's cells checked and handed on, or skipped with why.
fn observe<S: Sink>(cells: &[Option<&str>; 10], line: u64, word: &mut String, sink: &mut S) {
    let skip = |sink: &mut S, reason: &str| {
        sink.skip(Skip {
            line,
            reason: reason.to_string(),
        })
    };
    let Some(number) = cells[NUMBER] else {
        return skip(sink, "no number");
    };
    let Some(sent_s) = cells[SENT_AT].and_then(|t| time::parse(t.as_bytes())) else {
        return skip(sink, "unparsable sent_at");
    };
    let err = match cells[ERROR_CODE].map(error_code) {
        None => None,
        Some(Some(code)) => Some(code),
        Some(None) => return skip(sink, "unparsable error_code"),
    };
    let Some(status) = cells[STATUS] else {
        return skip(sink, "no status");
    };
    let Some(state) = state_of(status, err, word) else {
        return skip(sink, "unknown status");
    };
    let final_s = match cells[FINAL_AT].map(|t| time::parse(t.as_bytes())) {
        _ if state == FinalState::NoReceipt => None,
        None => None,
        Some(Some(t)) if t >= sent_s => Some(t),
        Some(Some(_)) => return skip(sink, "final_at before sent_at"),
        Some(None) => return skip(sink, "unparsable final_at"),
    };
    let segments = match cells[SEGMENTS].map(str::parse::<u32>) {
        None => 1,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => return skip(sink, "unparsable segments"),
    };
    let price = match cells[PRICE].map(str::parse::<f64>) {
        None => None,
        Some(Ok(p)) if p.is_finite() => Some(p.abs()),
        Some(_) => return skip(sink, "unparsable price"),
    };
    sink.observe(&Observation {
        number,
        session: cells[SESSION],
        provider: cells[PROVIDER].unwrap_or("all"),
        carrier: cells[CARRIER],
        sent_s,
        final_s,
        state,
        err,
        segments,
        price,
        wall_clock: true,
        line,
    });
}
