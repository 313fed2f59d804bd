//! `merge`'s join of a sharded load run: each part's messages still
//! waiting for a receipt at its end meet the receipts the other parts got
//! for messages they did not send, by message id within one account, so
//! the merged report counts every message once, with its receipt. A
//! joined receipt's latency runs from the sender's intended send time (on
//! the sender's clock) to its arrival at another part (on that part's
//! clock): the two clocks are lined up by their measured offsets from the
//! endpoint's (`clock`), or are one clock (the same boot id), and the
//! report says how precise that is (docs/scale.md).

use super::clock::{Offset, OffsetBounds};
use super::leftover::{KeptReceipt, Leftovers, Seen, Waiting};
use super::measured::{Measured, SAMPLE};
use super::schedule::Planned;
use super::tally::Tally;
use crate::protocol::target::Protocol;
use crate::scenario::{CarrierId, ProviderId, Scenario};
use crate::units::Nanos;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

/// What the join adds to the merged run.
pub struct Joined {
    /// The waiting messages folded in (with their receipts where another
    /// part got them; else `lost`), and the join's counts.
    pub measured: Measured,
}

/// A receipt kept by part `part`.
struct Found {
    part: usize,
    receipt: KeptReceipt,
}

/// How two parts' clocks line up: the correction (nanoseconds, added to
/// a time read on the receiver's clock to put it on the sender's) and
/// how well it is known.
#[derive(Clone, Copy)]
enum Alignment {
    SameClock,
    Measured { correction: i64, within: i64 },
    Unknown(&'static str),
}

/// Why a part cannot be joined: its waiting messages name a carrier or
/// provider the scenario does not have.
#[derive(Debug, thiserror::Error)]
#[error("a waiting message's {what} {index} is not in the scenario")]
pub struct BadIndex {
    what: &'static str,
    index: usize,
}

/// Checks that a part's leftovers fit scenario `sc` (before `join`).
pub fn check_leftovers(left: &Leftovers, sc: &Scenario) -> Result<(), BadIndex> {
    check(left.provider, sc.providers.len(), "provider")?;
    for w in &left.waiting {
        check(w.carrier, sc.carriers.len(), "carrier")?;
    }
    Ok(())
}

/// Joins the parts' leftovers (`parts[i]` of part `i`; None for a part
/// written before receipts were kept) within scenario `sc`; each was
/// checked by `check_leftovers`.
pub fn join(sc: &Arc<Scenario>, protocol: Protocol, parts: &mut [Option<Leftovers>]) -> Joined {
    let mut measured = Measured::empty(sc);
    let mut index: HashMap<(String, String), Found> = HashMap::new();
    let mut order = Vec::new();
    for (part, left) in parts.iter_mut().enumerate() {
        let Some(left) = left else { continue };
        for receipt in std::mem::take(&mut left.receipts) {
            let key = (left.account.clone(), receipt.id.clone());
            if index.contains_key(&key) {
                measured.duplicate_receipts += 1;
                continue;
            }
            order.push(key.clone());
            index.insert(key, Found { part, receipt });
        }
        measured.unmatched_receipts += left.receipts_not_kept;
    }
    // First the matches, which also bound each sender's clock (its
    // send and answer times against the receipt's submit date).
    let mut matches: Vec<Vec<(usize, Vec<Found>)>> = Vec::new();
    for left in parts.iter_mut() {
        let mut found_here = Vec::new();
        if let Some(left) = left {
            for id in std::mem::take(&mut left.unreceipted_ids) {
                if index.remove(&(left.account.clone(), id)).is_some() {
                    measured.unseen_by_sessions += 1;
                }
            }
            for (w, waiting) in left.waiting.iter().enumerate() {
                let found = take_receipts(&mut index, &left.account, waiting);
                sample_sender(&mut left.offset, left.start_unix_ns, waiting, &found);
                if !found.is_empty() {
                    found_here.push((w, found));
                }
            }
        }
        matches.push(found_here);
    }
    let clocks = Clocks::of(parts);
    let mut precision = Precision::default();
    for (part, found_here) in matches.into_iter().enumerate() {
        let Some(left) = parts[part].take() else {
            continue;
        };
        let provider = ProviderId::new(left.provider.min(sc.providers.len().saturating_sub(1)));
        let tally = Tally::new(sc.clone(), provider, protocol, Instant::now());
        let mut tally = tally.with_segments(left.segments.max(1));
        let mut found_by_waiting: HashMap<usize, Vec<Found>> = found_here.into_iter().collect();
        for (w, waiting) in left.waiting.iter().enumerate() {
            let found = found_by_waiting.remove(&w).unwrap_or_default();
            let seen = joined_seen(waiting, &found, |from| {
                let alignment = clocks.align(from, part);
                precision.add(alignment);
                (clocks.start(from) - left.start_unix_ns, alignment)
            });
            measured.joined_receipts += found.len();
            let planned = Planned {
                at: waiting.at,
                number: String::new(),
                carrier: CarrierId::new(waiting.carrier),
            };
            tally.fold(&planned, &seen, false);
        }
        measured.absorb(&tally.take());
    }
    let mut left: Vec<Found> = order.iter().filter_map(|k| index.remove(k)).collect();
    left.sort_by_key(|f| (f.part, f.receipt.at));
    measured.unmatched_receipts += left.len();
    measured.unmatched_sample = (left.into_iter().take(SAMPLE)).map(|f| f.receipt).collect();
    measured.join_clock = precision.sentence();
    Joined { measured }
}

fn check(index: usize, len: usize, what: &'static str) -> Result<usize, BadIndex> {
    (index < len)
        .then_some(index)
        .ok_or(BadIndex { what, index })
}

/// The receipts other parts got for the parts of `waiting` (by id within
/// `account`), taken out of the index.
fn take_receipts(
    index: &mut HashMap<(String, String), Found>,
    account: &str,
    waiting: &Waiting,
) -> Vec<Found> {
    (waiting.ids.iter())
        .filter_map(|id| index.remove(&(account.to_string(), id.clone())))
        .collect()
}

/// A joined receipt of the sender's own message bounds the sender's
/// clock as one that came to it would.
fn sample_sender(offset: &mut OffsetBounds, start: i64, waiting: &Waiting, found: &[Found]) {
    let Some((_, answered)) = waiting.seen.resp else {
        return;
    };
    let times = (
        start + waiting.seen.last_sent as i64,
        start + answered as i64,
    );
    for f in found {
        if let Some(date) = &f.receipt.submit_date {
            offset.submitted(date, times);
        }
    }
}

/// A waiting message with the receipts found for it: final when every
/// part's receipt is in (DELIVRD only if each was), its arrival put on the
/// sender's clock by `line_up(receiving part)` = (the receiver's start
/// minus the sender's, and how their clocks align).
fn joined_seen(
    waiting: &Waiting,
    found: &[Found],
    mut line_up: impl FnMut(usize) -> (i64, Alignment),
) -> Seen {
    let mut seen = waiting.seen.clone();
    let delivered = crate::protocol::vocabulary::smpp_stat(crate::model::Receipt::Delivered).0;
    let mut failed = waiting.failed_part.clone();
    let mut last = waiting.part_at.map(|t| t as i64);
    let mut stat = None;
    for f in found {
        let (starts_apart, alignment) = line_up(f.part);
        let correction = match alignment {
            Alignment::Measured { correction, .. } => correction,
            _ => 0,
        };
        let at = f.receipt.at + starts_apart + correction;
        last = Some(last.map_or(at, |l| l.max(at)));
        if f.receipt.stat != delivered && failed.is_none() {
            failed = Some(f.receipt.stat.clone());
        }
        stat = Some(f.receipt.stat.clone());
    }
    if found.len() == waiting.ids.len()
        && let (Some(stat), Some(at)) = (stat, last)
    {
        seen.receipt = Some((failed.unwrap_or(stat), at.max(0) as Nanos));
    }
    seen
}

/// Each part's clock: its start (Unix ns), its clock id, and its offset
/// from the endpoint's (the bounds of every part on one clock combined).
struct Clocks {
    starts: Vec<i64>,
    ids: Vec<Option<String>>,
    offsets: Vec<Offset>,
}

impl Clocks {
    fn of(parts: &[Option<Leftovers>]) -> Clocks {
        let ids: Vec<Option<String>> = (parts.iter())
            .map(|p| p.as_ref().and_then(|l| l.clock_id.clone()))
            .collect();
        let mut by_clock: HashMap<Option<String>, OffsetBounds> = HashMap::new();
        for (i, part) in parts.iter().enumerate() {
            if let (Some(id), Some(left)) = (&ids[i], part) {
                by_clock
                    .entry(Some(id.clone()))
                    .or_default()
                    .merge(&left.offset);
            }
        }
        let offsets = (parts.iter().enumerate())
            .map(|(i, p)| match (&ids[i], p) {
                (Some(id), _) => by_clock[&Some(id.clone())].offset(),
                (None, Some(left)) => left.offset.offset(),
                (None, None) => Offset::Unmeasured("the part kept no clock"),
            })
            .collect();
        Clocks {
            starts: (parts.iter())
                .map(|p| p.as_ref().map_or(0, |l| l.start_unix_ns))
                .collect(),
            ids,
            offsets,
        }
    }

    fn start(&self, part: usize) -> i64 {
        self.starts[part]
    }

    /// How a time read on `from`'s clock is put on `to`'s.
    fn align(&self, from: usize, to: usize) -> Alignment {
        if from == to || (self.ids[from].is_some() && self.ids[from] == self.ids[to]) {
            return Alignment::SameClock;
        }
        match (&self.offsets[from], &self.offsets[to]) {
            (
                Offset::Measured {
                    offset_ns: a,
                    within_ns: wa,
                    ..
                },
                Offset::Measured {
                    offset_ns: b,
                    within_ns: wb,
                    ..
                },
            ) => Alignment::Measured {
                // θ = endpoint − local, so local_to = local_from + θ_from − θ_to.
                correction: a - b,
                within: wa + wb,
            },
            (Offset::Unmeasured(why), _) | (_, Offset::Unmeasured(why)) => Alignment::Unknown(why),
        }
    }
}

/// How precise the joined receipts' latencies are, over all of them.
#[derive(Default)]
struct Precision {
    same_clock: usize,
    measured: usize,
    worst_within: i64,
    largest_correction: i64,
    unknown: usize,
    why: Option<&'static str>,
}

impl Precision {
    fn add(&mut self, alignment: Alignment) {
        match alignment {
            Alignment::SameClock => self.same_clock += 1,
            Alignment::Measured { correction, within } => {
                self.measured += 1;
                self.worst_within = self.worst_within.max(within);
                self.largest_correction = self.largest_correction.max(correction.abs());
            }
            Alignment::Unknown(why) => {
                self.unknown += 1;
                self.why.get_or_insert(why);
            }
        }
    }

    /// The report's sentence, when any receipt was joined.
    fn sentence(&self) -> Option<String> {
        let ms = |ns: i64| ns as f64 / 1e6;
        let mut said = Vec::new();
        if self.same_clock > 0 {
            said.push(format!(
                "{} between parts on one clock (one machine: the same boot id), exact",
                self.same_clock
            ));
        }
        if self.measured > 0 {
            said.push(format!(
                "{} between machines whose clocks were lined up by their measured offsets from the endpoint's (up to {:.1} ms apart), to within ±{:.1} ms",
                self.measured,
                ms(self.largest_correction),
                ms(self.worst_within)
            ));
        }
        if self.unknown > 0 {
            said.push(format!(
                "{} between machines whose clock offset could not be measured ({}): taken as 0, so as precise as the machines' clock synchronisation (NTP: a few ms)",
                self.unknown,
                self.why.unwrap_or("no receipt dates")
            ));
        }
        (!said.is_empty()).then(|| said.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::leftover::Seen;

    fn sc() -> Arc<Scenario> {
        Arc::new(
            crate::scenario::load(std::path::Path::new("tests/live/serve_scenario.toml")).unwrap(),
        )
    }

    fn waiting(id: &str, at: Nanos) -> Waiting {
        Waiting {
            k: 0,
            at,
            carrier: 0,
            seen: Seen {
                sent: Some(at),
                last_sent: at,
                resp: Some((0, at + 1_000_000)),
                id: Some(id.into()),
                ..Seen::default()
            },
            ids: vec![id.into()],
            parts_receipted: 0,
            failed_part: None,
            part_at: None,
        }
    }

    fn receipt(id: &str, stat: &str, at: i64) -> KeptReceipt {
        KeptReceipt {
            id: id.into(),
            stat: stat.into(),
            err: None,
            submit_date: None,
            done_date: None,
            at,
        }
    }

    /// Part 0 sent messages 7 and 8; part 1 (started 1 s later, its clock
    /// 0.25 s behind by the measured offsets) got 7's receipt; nobody got
    /// 8's; part 1 also got one for a message no part sent.
    #[test]
    fn a_receipt_another_part_got_settles_its_message_on_the_senders_clock() {
        let base = 1_800_000_000_000_000_000i64;
        let bounds = |low: i64, high: i64| OffsetBounds {
            submit_samples: 10,
            done_samples: 0,
            low_ns: Some(low),
            high_ns: Some(high),
        };
        let sender = Leftovers {
            account: "smpp://a@h:1".into(),
            start_unix_ns: base,
            offset: bounds(-1_000_000, 1_000_000),
            segments: 1,
            waiting: vec![waiting("7", 100_000_000), waiting("8", 200_000_000)],
            ..Leftovers::default()
        };
        let receiver = Leftovers {
            account: "smpp://a@h:1".into(),
            start_unix_ns: base + 1_000_000_000,
            // The endpoint reads 0.25 s more than this clock.
            offset: bounds(249_000_000, 251_000_000),
            segments: 1,
            receipts: vec![
                receipt("7", "UNDELIV", 2_000_000_000),
                receipt("99", "DELIVRD", 5),
            ],
            ..Leftovers::default()
        };
        let mut parts = vec![Some(sender), Some(receiver)];
        let joined = join(&sc(), Protocol::Smpp, &mut parts).measured;
        assert_eq!(
            (joined.planned, joined.sent, joined.joined_receipts),
            (2, 2, 1)
        );
        assert_eq!(joined.receipts.get("UNDELIV"), Some(&1));
        assert_eq!(joined.unmatched_receipts, 1);
        assert_eq!(joined.unmatched_sample[0].id, "99");
        let cell = &joined.metrics.messages[0];
        assert_eq!(
            cell.outcomes[crate::model::Outcome::LostInTransit as usize],
            1
        );
        // Arrived 1 s + 2 s after the sender's start on the receiver's
        // clock, which is 0.25 s behind: 3.25 s on the sender's, 3.15 s
        // after the intended time.
        let latency_ms = joined.receipt_intended_us.max() as f64 / 1e3;
        assert!((latency_ms - 3_150.0).abs() < 5.0, "{latency_ms}");
        let clock = joined.join_clock.unwrap();
        assert!(
            clock.contains("(up to 250.0 ms apart), to within ±2.0 ms"),
            "{clock}"
        );
    }
}
