//! Twilio Messages BulkExport day files: gzip'd JSON Lines, one record a
//! line, shaped like the Message resource. Twilio's BulkExport "Day"
//! documentation says the records differ from the Message resource in
//! that `price_units`, `api_version`, the error message, `uri` and
//! `subresource_uris` are absent (`error_code` is there), and that
//! `date_created`, `date_updated` and `date_sent` are UTC in ISO 8601
//! (not the API's RFC 2822 dates). A day file may be several gzip
//! members one after another; all are read.
//!
//! What maps to what: `to` is the number; `date_created` (when the API
//! call created the message) the send time; `status` with `error_code`
//! the final state, through the vocabulary `serve` writes Twilio statuses
//! with (`undelivered 30007` a rejection, `failed 30001` a refused
//! submit); a status still on its way at export time (`queued`, `sent`,
//! ...) is `no_receipt`; `date_updated` the final time of a final status.
//! `date_updated` is when Twilio last changed the record, not when the
//! handset got the message: it is the time Twilio heard the receipt (or
//! later, should anything else update the record). The provider is
//! `twilio` for every record (sub-accounts and messaging services are not
//! told apart); `price` is the absolute value of Twilio's negative
//! string; the carrier is not in the records (`--carrier-map`). Inbound
//! and canceled messages are counted skips.

use super::generic::{state_of, time};
use super::{FormatError, Lines};
use crate::fit::{FinalState, Observation, Sink, Skip};
use serde::Deserialize;
use std::borrow::Cow;
use std::io::BufRead;

/// The provider every Twilio record is counted under.
pub const PROVIDER: &str = "twilio";

#[derive(Deserialize)]
struct Record<'a> {
    #[serde(borrow, default)]
    to: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    direction: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    status: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    error_code: Option<Loose<'a>>,
    #[serde(borrow, default)]
    date_created: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    date_updated: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    num_segments: Option<Loose<'a>>,
    #[serde(borrow, default)]
    price: Option<Loose<'a>>,
}

/// A number Twilio writes as a JSON number or as a string (`"1"`,
/// `"-0.00750"`).
enum Loose<'a> {
    Number(f64),
    Text(Cow<'a, str>),
}

impl Loose<'_> {
    fn value(&self) -> Option<f64> {
        match self {
            Loose::Number(n) => Some(*n),
            Loose::Text(t) if t.trim().is_empty() => None,
            Loose::Text(t) => t.trim().parse().ok(),
        }
        .filter(|v: &f64| v.is_finite())
    }

    fn is_empty(&self) -> bool {
        matches!(self, Loose::Text(t) if t.trim().is_empty())
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Loose<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visitor<'a> {
            type Value = Loose<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number or a string")
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Loose::Number(v as f64))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Loose::Number(v as f64))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Loose::Number(v))
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Loose::Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Loose::Text(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_any(Visitor(std::marker::PhantomData))
    }
}

pub fn read<R: BufRead, S: Sink>(mut input: R, sink: &mut S) -> Result<(), FormatError> {
    // The day files come gzipped; one decompressed by hand (JSON Lines as
    // they are) reads the same.
    if input.fill_buf()?.starts_with(&GZIP_MAGIC) || input.fill_buf()?.is_empty() {
        let gunzip = flate2::bufread::MultiGzDecoder::new(input);
        records(
            std::io::BufReader::with_capacity(1 << 16, gunzip),
            true,
            sink,
        )
    } else if input.fill_buf()?.trim_ascii_start().starts_with(b"{") {
        records(input, false, sink)
    } else {
        Err(FormatError::Invalid {
            line: 1,
            message: "not gzip and not JSON Lines: not a Twilio Messages BulkExport day file"
                .into(),
        })
    }
}

/// The first two bytes of every gzip member.
pub const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

fn records<R: BufRead, S: Sink>(input: R, gzip: bool, sink: &mut S) -> Result<(), FormatError> {
    let mut lines = Lines::new(input);
    let mut word = String::new();
    let mut record = 0;
    loop {
        let (line, text) = match lines.next_line() {
            Ok(Some(next)) => next,
            Ok(None) => return Ok(()),
            Err(FormatError::Io(e)) if gzip => return Err(not_gzip(record + 1, e)),
            Err(e) => return Err(e),
        };
        record = line;
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Record>(text) {
            Ok(r) => observe(&r, line, &mut word, sink),
            Err(e) => sink.skip(Skip {
                line,
                reason: match e.classify() {
                    serde_json::error::Category::Data => {
                        "not a Twilio message record: a field of the wrong type"
                    }
                    _ => "not a Twilio message record: not JSON",
                }
                .into(),
            }),
        }
    }
}

/// The error for a file that does not gunzip: which record it reached.
fn not_gzip(record: u64, e: std::io::Error) -> FormatError {
    let what = match e.kind() {
        std::io::ErrorKind::UnexpectedEof => "the gzip stream ends early (a truncated download?)",
        std::io::ErrorKind::InvalidInput | std::io::ErrorKind::InvalidData => {
            "not gzip: a Twilio BulkExport day file is gzip'd JSON Lines"
        }
        _ => return FormatError::Io(e),
    };
    FormatError::Invalid {
        line: record,
        message: format!("record {record}: {what} ({e})"),
    }
}

/// One record checked and handed on, or skipped with why.
fn observe<S: Sink>(r: &Record<'_>, line: u64, word: &mut String, sink: &mut S) {
    let skip = |sink: &mut S, reason: &str| {
        sink.skip(Skip {
            line,
            reason: reason.to_string(),
        })
    };
    let status = r.status.as_deref().unwrap_or("").trim();
    let inbound = r
        .direction
        .as_deref()
        .is_some_and(|d| d.starts_with("inbound"));
    if inbound || status == "received" || status == "receiving" {
        return skip(sink, "inbound message");
    }
    if status == "canceled" {
        return skip(sink, "canceled (never sent)");
    }
    let Some(number) = r.to.as_deref().filter(|t| !t.trim().is_empty()) else {
        return skip(sink, "no to");
    };
    let Some(sent_s) = r
        .date_created
        .as_deref()
        .and_then(|t| time::parse(t.as_bytes()))
    else {
        return skip(sink, "unparsable date_created");
    };
    let err = match &r.error_code {
        None => None,
        Some(code) if code.is_empty() => None,
        Some(code) => match code
            .value()
            .filter(|c| c.fract() == 0.0 && *c >= 0.0 && *c <= u32::MAX as f64)
        {
            Some(c) => Some(c as u32),
            None => return skip(sink, "unparsable error_code"),
        },
    };
    if status.is_empty() {
        return skip(sink, "no status");
    }
    let Some(state) = state_of(status, err, word) else {
        return skip(sink, "unknown status");
    };
    let final_s = match r.date_updated.as_deref().map(|t| time::parse(t.as_bytes())) {
        _ if state == FinalState::NoReceipt => None,
        None => None,
        Some(Some(t)) if t >= sent_s => Some(t),
        Some(Some(_)) => return skip(sink, "date_updated before date_created"),
        Some(None) => return skip(sink, "unparsable date_updated"),
    };
    let segments = match r.num_segments.as_ref().filter(|s| !s.is_empty()) {
        None => 1,
        Some(s) => match s.value().filter(|n| n.fract() == 0.0 && *n >= 1.0) {
            Some(n) => n as u32,
            None => return skip(sink, "unparsable num_segments"),
        },
    };
    let price = match r.price.as_ref().filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => match p.value() {
            Some(p) => Some(p.abs()),
            None => return skip(sink, "unparsable price"),
        },
    };
    sink.observe(&Observation {
        number: number.trim(),
        session: None,
        provider: PROVIDER,
        carrier: None,
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

#[cfg(test)]
mod tests;
