//! Kannel's bearerbox access log (`access-log` in the core group, the
//! default `access-log-format`). Each line is `YYYY-MM-DD HH:MM:SS` and an
//! event with bracketed fields:
//!
//! ```text
//! 2026-12-02 13:42:08 Sent SMS [SMSC:simsms] [SVC:tester] [ACT:] [BINF:] [FID:1] [META:...] [from:SIMSMS] [to:81900000000] [flags:-1:0:-1:-1:31] [msg:19:...] [udh:0:]
//! 2026-12-02 13:42:08 Receive DLR [SMSC:simsms] ... [FID:1] ... [to:81900000000] [flags:-1:-1:-1:-1:2] [msg:112:id:1 ... stat:UNDELIV err:001 text:...] [udh:0:]
//! ```
//!
//! `Sent SMS` is a message the SMSC accepted, `[FID:]` the id the SMSC
//! gave it; `Receive DLR` a delivery report, whose type is the last
//! `[flags:]` number (1 delivered, 2 failed, 4 buffered, 8 the SMSC's
//! acknowledgement, 16 the SMSC's refusal) and whose `[msg:]` is the
//! receipt text with `stat:` and `err:`. A DLR joins its `Sent SMS` by
//! SMSC, FID and destination; the state is the receipt's `stat:` through
//! the shared vocabulary (type 1 without one is delivered, type 2
//! undeliverable), type 16 a refusal. `FAILED Send SMS` and `DISCARDED
//! SMS` are refusals. A `Sent SMS` with no final DLR by the end of the log
//! is `no_receipt`. The provider is the SMSC id (`all` without one).
//!
//! Times are the gateway's clock as it writes them: local time unless
//! `access-log-time = gmt`; read as UTC (so time of day is off by the
//! gateway's UTC offset; latencies are not, except across a DST change).
//! They have whole seconds only. The final time is when Kannel received
//! the DLR, not the receipt's `done date`.
//!
//! Memory: every sent message waits in a map until its final DLR (the log
//! interleaves messages, so the join needs it), at most [`PENDING_CAP`] of
//! them: beyond that the longest-waiting is closed as `no_receipt` (a DLR
//! for it later is skipped as matching no sent message), so a log whose
//! DLRs never come cannot exhaust memory.

use super::generic::{error_code, time};
use super::{FormatError, Lines};
use crate::fit::{FinalState, Observation, Sink, Skip};
use std::collections::{HashMap, VecDeque};
use std::io::BufRead;

/// At most this many sent messages wait for their DLR (about 100 bytes
/// each): far more than a gateway has in flight in the span of one log.
pub const PENDING_CAP: usize = 1_000_000;

/// A sent message waiting for its final DLR.
struct Pending {
    line: u64,
    sent_s: f64,
    smsc: Box<str>,
    number: Box<str>,
}

/// The event a line reports.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Event {
    Sent,
    Refused,
    Dlr,
}

/// One line's parts.
struct Line<'a> {
    at: f64,
    event: Event,
    smsc: &'a str,
    fid: &'a str,
    from: &'a str,
    to: &'a str,
    /// The DLR type (the last `[flags:]` number).
    kind: Option<u32>,
    /// The `[msg:]` text, for a DLR's `stat:` and `err:`.
    text: &'a [u8],
}

pub fn read<R: BufRead, S: Sink>(input: R, sink: &mut S) -> Result<(), FormatError> {
    read_capped(input, sink, PENDING_CAP)
}

/// `read`, with at most `cap` messages waiting for their DLR.
fn read_capped<R: BufRead, S: Sink>(input: R, sink: &mut S, cap: usize) -> Result<(), FormatError> {
    let mut lines = Lines::new(input);
    let mut pending: HashMap<Box<str>, Pending> = HashMap::new();
    // Keys in the order sent, to close the longest-waiting when full
    // (entries already closed by their DLR are passed over then).
    let mut order: VecDeque<(Box<str>, u64)> = VecDeque::new();
    let mut key = String::new();
    let mut any = (0u64, 0u64); // (lines, lines with an event)
    while let Some((number, text)) = lines.next_line()? {
        any.0 += 1;
        let Some(event) = event(text) else {
            continue;
        };
        any.1 += 1;
        let skip = |sink: &mut S, reason: &str| {
            sink.skip(Skip {
                line: number,
                reason: reason.into(),
            })
        };
        let Some(line) = parse(text, event) else {
            skip(sink, "unparsable time or fields");
            continue;
        };
        match line.event {
            Event::Refused => observe(sink, (&line, number), &line, FinalState::Refused, None),
            Event::Sent if line.fid.is_empty() || line.to.is_empty() => {
                skip(sink, "Sent SMS without [FID:] or [to:]");
            }
            Event::Sent => {
                let waiting = Pending {
                    line: number,
                    sent_s: line.at,
                    smsc: line.smsc.into(),
                    number: line.to.into(),
                };
                join_key(&mut key, line.smsc, line.fid, line.to);
                if pending.len() >= cap {
                    close_oldest(&mut pending, &mut order, sink);
                }
                order.push_back((key.as_str().into(), number));
                if let Some(before) = pending.insert(key.as_str().into(), waiting) {
                    // The SMSC gave the same id again (it restarted).
                    no_receipt(sink, &before);
                }
                if order.len() > 2 * cap {
                    order.retain(|(k, line)| pending.get(k).is_some_and(|p| p.line == *line));
                }
            }
            Event::Dlr => dlr(&line, number, &mut pending, &mut key, sink),
        }
    }
    if any.0 > 0 && any.1 == 0 {
        return Err(FormatError::Invalid {
            line: 1,
            message: "no `Sent SMS`, `FAILED Send SMS` or `Receive DLR` lines: not a Kannel bearerbox access log in the default access-log-format".into(),
        });
    }
    let mut left: Vec<Pending> = pending.into_values().collect();
    left.sort_by_key(|p| p.line);
    for p in &left {
        no_receipt(sink, p);
    }
    Ok(())
}

/// Closes the longest-waiting message still pending as `no_receipt`.
fn close_oldest<S: Sink>(
    pending: &mut HashMap<Box<str>, Pending>,
    order: &mut VecDeque<(Box<str>, u64)>,
    sink: &mut S,
) {
    while let Some((k, line)) = order.pop_front() {
        if pending.get(&k).is_some_and(|p| p.line == line) {
            let p = pending.remove(&k).expect("pending");
            no_receipt(sink, &p);
            return;
        }
    }
}

fn join_key(key: &mut String, smsc: &str, fid: &str, to: &str) {
    key.clear();
    for part in [smsc, "\0", fid, "\0", to] {
        key.push_str(part);
    }
}

/// A DLR: a final one closes its message; others (buffered, the SMSC's
/// acknowledgement) say nothing final.
fn dlr<S: Sink>(
    line: &Line<'_>,
    number: u64,
    pending: &mut HashMap<Box<str>, Pending>,
    key: &mut String,
    sink: &mut S,
) {
    let kind = line.kind.unwrap_or(0);
    if kind & (1 | 2 | 16) == 0 {
        return;
    }
    let skip = |sink: &mut S, reason: &str| {
        sink.skip(Skip {
            line: number,
            reason: reason.into(),
        })
    };
    let stat = receipt_field(line.text, b"stat:");
    let err = receipt_field(line.text, b"err:").and_then(error_code);
    let state = if kind & 16 != 0 {
        FinalState::Refused
    } else {
        match stat.map(FinalState::from_final_word) {
            Some(Some(state)) => state,
            Some(None) => return skip(sink, "unknown stat"),
            None if kind & 1 != 0 => FinalState::Delivered,
            None => FinalState::Undeliverable,
        }
    };
    // Some versions write a DLR's numbers the other way round.
    let mut found = None;
    for to in [line.to, line.from] {
        join_key(key, line.smsc, line.fid, to);
        if let Some(p) = pending.remove(key.as_str()) {
            found = Some(p);
            break;
        }
    }
    let Some(sent) = found else {
        if kind & 16 == 0 {
            skip(sink, "DLR for a message not sent in this log");
        }
        return;
    };
    if line.at < sent.sent_s {
        return skip(sink, "DLR before its Sent SMS");
    }
    let from = Line {
        at: sent.sent_s,
        smsc: &sent.smsc,
        to: &sent.number,
        ..*line
    };
    observe(sink, (&from, sent.line), line, state, err);
}

fn no_receipt<S: Sink>(sink: &mut S, p: &Pending) {
    sink.observe(&Observation {
        number: &p.number,
        session: None,
        provider: provider(&p.smsc),
        carrier: None,
        sent_s: p.sent_s,
        final_s: None,
        state: FinalState::NoReceipt,
        err: None,
        segments: 1,
        price: None,
        wall_clock: true,
        line: p.line,
    });
}

/// The provider: the SMSC id, or `all` when the log has none.
fn provider(smsc: &str) -> &str {
    if smsc.is_empty() { "all" } else { smsc }
}

/// A message sent at `sent` and final at `fin`.
fn observe<S: Sink>(
    sink: &mut S,
    (sent, at_line): (&Line<'_>, u64),
    fin: &Line<'_>,
    state: FinalState,
    err: Option<u32>,
) {
    sink.observe(&Observation {
        number: sent.to,
        session: None,
        provider: provider(sent.smsc),
        carrier: None,
        sent_s: sent.at,
        final_s: Some(fin.at),
        state,
        err,
        segments: 1,
        price: None,
        wall_clock: true,
        line: at_line,
    });
}

/// The event of a line whose text after the time is one Kannel writes
/// for a message; None for any other line (MO messages, `Log begins`).
fn event(text: &[u8]) -> Option<Event> {
    let rest = text.get(20..)?;
    const EVENTS: [(&[u8], Event); 4] = [
        (b"Sent SMS [", Event::Sent),
        (b"FAILED Send SMS [", Event::Refused),
        (b"DISCARDED SMS [", Event::Refused),
        (b"Receive DLR [", Event::Dlr),
    ];
    EVENTS
        .iter()
        .find(|(starts, _)| rest.starts_with(starts))
        .map(|&(_, e)| e)
}

/// A line's time and fields, in one pass over the bracketed fields up to
/// `[msg:`, whose text may hold anything.
fn parse(text: &[u8], event: Event) -> Option<Line<'_>> {
    let at = time::parse(text.get(..19)?)?;
    let (mut smsc, mut fid, mut from, mut to, mut kind) = (None, "", "", "", None);
    let mut rest = text.get(20..)?;
    let mut msg: &[u8] = &[];
    while let Some(open) = rest.iter().position(|&b| b == b'[') {
        let field = &rest[open + 1..];
        let colon = field.iter().position(|&b| b == b':')?;
        let (tag, value) = (&field[..colon], &field[colon + 1..]);
        if tag == b"msg" {
            msg = &rest[open..];
            break;
        }
        let close = value.iter().position(|&b| b == b']')?;
        let text = || std::str::from_utf8(&value[..close]).ok();
        match tag {
            b"SMSC" => smsc = Some(text()?),
            b"FID" => fid = text()?,
            b"from" => from = text()?,
            b"to" => to = text()?,
            b"flags" => kind = text()?.rsplit(':').next().and_then(|k| k.parse().ok()),
            _ => {}
        }
        rest = &value[close + 1..];
    }
    Some(Line {
        at,
        event,
        smsc: smsc?,
        fid,
        from,
        to,
        kind,
        text: msg,
    })
}

/// A receipt text's `stat:` or `err:` word.
fn receipt_field<'a>(text: &'a [u8], name: &[u8]) -> Option<&'a str> {
    let mut from = 0;
    while let Some(i) = find(&text[from..], name) {
        let at = from + i;
        // A word of its own: at the start or after a space or colon.
        if at == 0 || matches!(text[at - 1], b' ' | b':') {
            let value = &text[at + name.len()..];
            let end = value
                .iter()
                .position(|&b| b == b' ' || b == b']')
                .unwrap_or(value.len());
            return std::str::from_utf8(&value[..end])
                .ok()
                .filter(|v| !v.is_empty());
        }
        from = at + 1;
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests;
