//! The collector: the [`Sink`] every reader feeds. It groups observations
//! per provider × carrier and keeps only what the estimators need: counts
//! per final state, delivered latencies (a bounded sample), per-number
//! send and failure counts for persistence (up to a documented cap of
//! distinct numbers), per-session sends for the users' behaviour, and
//! arrivals for the traffic profile. `finish` reduces it to a
//! [`Summary`]. With a shard, it keeps only the numbers the shard owns.

use super::estimate::latency::{RESERVOIR_CAPACITY, Reservoir};
use super::estimate::persistence::Tally;
use super::read::carrier_map::CarrierMap;
use super::summary::{CarrierTally, CellSummary, Sample, Skipped, Summary};
use super::{FinalState, Observation, Sink, Skip};
use crate::partial::Shard;
use indexmap::IndexMap;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Keys that are already hashes: the map uses them as they are (a second
/// SipHash of a 64-bit hash would buy nothing and cost a third of a fit's
/// time).
#[derive(Default)]
struct AlreadyHashed(u64);

impl Hasher for AlreadyHashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type ByHash<V> = HashMap<u64, V, BuildHasherDefault<AlreadyHashed>>;

/// A number's or session key's 64-bit hash: FNV-1a, then a final mix so
/// the low bits (which pick a shard and a map bucket) depend on every
/// byte. Fixed, so every process of every build splits numbers alike; a
/// crate for this would be more than the ten lines it takes.
pub fn key_hash(key: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in key.as_bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h
}

/// At most this many distinct numbers (and as many sessions) are followed
/// for persistence and behaviour: about 40 bytes each, so 2M take under
/// 100 MB. Numbers first seen beyond it are counted in shares and latency
/// but not in persistence; the report says how many.
pub const NUMBERS_CAP: usize = 2_000_000;

/// Wall-clock records are sent between 1990-01-01 and 2100-01-01 (Unix
/// seconds): a time outside is a wrong unit (milliseconds or microseconds
/// read as seconds) or a wrong field, and is skipped rather than guessed.
pub const WALL_CLOCK_SPAN: (f64, f64) = (631_152_000.0, 4_102_444_800.0);

/// Records on a run's own clock (seconds from its start) lie within a
/// century of it.
pub const RUN_CLOCK_SPAN: f64 = 100.0 * 365.25 * 86_400.0;

/// A final state more than a year after the send is not a delivery record
/// (SMSC validity is days at most).
pub const MAX_LATENCY_S: f64 = 365.0 * 86_400.0;

/// A new session starts on a number after this long without a send, when
/// the records carry no session key.
pub const SESSION_GAP_S: f64 = 30.0 * 60.0;

/// One provider × carrier while reading.
#[derive(Debug)]
struct Cell {
    provider: String,
    carrier: String,
    states: [u64; 6],
    latencies: Reservoir,
    price_sum: f64,
    priced: u64,
    segments: u64,
}

/// One number's messages that reached the carrier (a receipt came), and
/// how many of those were rejected or undeliverable.
#[derive(Debug, Clone, Copy, Default)]
struct NumberTally {
    /// The number's own hash (the map's key mixes in the cell).
    number: u64,
    cell: u32,
    receipted: u32,
    rejected: u32,
    undeliverable: u32,
}

#[derive(Debug, Clone, Copy)]
struct SessionState {
    last_sent: f64,
    sends: u32,
}

/// Everything read so far.
pub struct Collected {
    cells: Vec<Cell>,
    index: IndexMap<(String, String), usize>,
    numbers: ByHash<NumberTally>,
    numbers_beyond_cap: u64,
    sessions: ByHash<SessionState>,
    gaps: Reservoir,
    /// Sessions' first sends that reached the handset's SMSC: delivered
    /// latencies and expiries (absent handsets, unbiased by resends).
    first_delivered: Reservoir,
    first_expired: u64,
    sends_per_session: Vec<u64>,
    starts_by_hour: [u64; 24],
    sessions_started: u64,
    first_sent: Option<f64>,
    last_sent: Option<f64>,
    last_start: Option<f64>,
    wall_clock: bool,
    has_session_keys: bool,
    /// Records used.
    pub records: u64,
    skips: IndexMap<String, (u64, u64)>,
    carrier_map: Option<CarrierMap>,
    shard: Option<Shard>,
}

impl Collected {
    /// A collector of every record, or (with `shard`) of the records whose
    /// number the shard owns; the carrier map fills in missing carriers.
    pub fn new(carrier_map: Option<CarrierMap>, shard: Option<Shard>) -> Self {
        Collected {
            cells: Vec::new(),
            index: IndexMap::new(),
            numbers: ByHash::default(),
            numbers_beyond_cap: 0,
            sessions: ByHash::default(),
            gaps: Reservoir::new(RESERVOIR_CAPACITY),
            first_delivered: Reservoir::new(RESERVOIR_CAPACITY),
            first_expired: 0,
            sends_per_session: vec![0; 2],
            starts_by_hour: [0; 24],
            sessions_started: 0,
            first_sent: None,
            last_sent: None,
            last_start: None,
            wall_clock: false,
            has_session_keys: false,
            records: 0,
            skips: IndexMap::new(),
            carrier_map,
            shard,
        }
    }

    /// The cell of (provider, carrier), added when new; looked up by
    /// borrowed strings so known cells cost no allocation.
    fn cell_of(
        index: &mut IndexMap<(String, String), usize>,
        cells: &mut Vec<Cell>,
        provider: &str,
        carrier: &str,
    ) -> usize {
        if let Some(i) = index
            .iter()
            .position(|((p, c), _)| p == provider && c == carrier)
        {
            return i;
        }
        let i = cells.len();
        index.insert((provider.to_string(), carrier.to_string()), i);
        cells.push(Cell {
            provider: printable_name(provider),
            carrier: printable_name(carrier),
            states: [0; 6],
            latencies: Reservoir::new(RESERVOIR_CAPACITY),
            price_sum: 0.0,
            priced: 0,
            segments: 0,
        });
        i
    }

    fn end_session(&mut self, sends: u32) {
        let n = sends as usize;
        if self.sends_per_session.len() <= n {
            self.sends_per_session.resize(n + 1, 0);
        }
        self.sends_per_session[n] += 1;
    }

    /// Follows `o`'s session; whether `o` starts one.
    fn follow_session(&mut self, o: &Observation<'_>) -> bool {
        let key = key_hash(o.session.unwrap_or(o.number)) ^ 0x5e55_1011;
        let keyed = o.session.is_some();
        let open = self.sessions.len();
        let start = match self.sessions.get_mut(&key) {
            Some(s) if keyed || o.sent_s - s.last_sent <= SESSION_GAP_S => {
                let gap = o.sent_s - s.last_sent;
                s.sends += 1;
                s.last_sent = s.last_sent.max(o.sent_s);
                // A send at the same instant is the system's (failover to
                // the next provider after a refusal), not the user asking
                // again.
                if gap >= 0.001 {
                    self.gaps.push(gap);
                }
                false
            }
            Some(s) => {
                let sends = s.sends;
                *s = SessionState {
                    last_sent: o.sent_s,
                    sends: 1,
                };
                self.end_session(sends);
                true
            }
            None if open < NUMBERS_CAP => {
                self.sessions.insert(
                    key,
                    SessionState {
                        last_sent: o.sent_s,
                        sends: 1,
                    },
                );
                true
            }
            None => true,
        };
        if start {
            self.sessions_started += 1;
            self.last_start = Some(self.last_start.map_or(o.sent_s, |t| t.max(o.sent_s)));
            if o.wall_clock {
                let hour = (o.sent_s.rem_euclid(86_400.0) / 3600.0) as usize;
                self.starts_by_hour[hour.min(23)] += 1;
            }
        }
        start
    }

    /// The skip reasons, with how many and the first line of each.
    pub fn skip_reasons(&self) -> String {
        let reasons: Vec<String> = self
            .skips
            .iter()
            .map(|(r, (n, line))| format!("{n} {r} (first at line {line})"))
            .collect();
        reasons.join("; ")
    }

    /// Records skipped, so far.
    pub fn skipped(&self) -> u64 {
        self.skips.values().map(|(n, _)| n).sum()
    }

    /// Everything collected, reduced to what the estimators need.
    pub fn finish(mut self) -> Summary {
        let open: Vec<u32> = self.sessions.values().map(|s| s.sends).collect();
        for sends in open {
            self.end_session(sends);
        }
        let mut per_carrier: IndexMap<String, (Tally, Tally, u64)> = IndexMap::new();
        let mut per_cell: Vec<(Tally, Tally)> = self
            .cells
            .iter()
            .map(|_| (Tally::new(), Tally::new()))
            .collect();
        for cell in &self.cells {
            per_carrier
                .entry(cell.carrier.clone())
                .or_insert_with(|| (Tally::new(), Tally::new(), 0));
        }
        // A number's messages through every provider to its carrier, for
        // the carrier's split and its count of distinct numbers.
        let mut by_number: HashMap<(u64, usize), (u32, u32, u32)> = HashMap::new();
        for t in self.numbers.values() {
            let (filter, undeliverable) = &mut per_cell[t.cell as usize];
            filter.add(t.receipted, t.rejected);
            undeliverable.add(t.receipted - t.rejected, t.undeliverable);
            let carrier = per_carrier
                .get_index_of(&self.cells[t.cell as usize].carrier)
                .expect("every cell's carrier");
            let sum = by_number.entry((t.number, carrier)).or_default();
            sum.0 = sum.0.saturating_add(t.receipted);
            sum.1 = sum.1.saturating_add(t.rejected);
            sum.2 = sum.2.saturating_add(t.undeliverable);
        }
        for ((_, carrier), (receipted, rejected, undeliverable)) in by_number {
            let (_, (filter, undelivered, numbers)) =
                per_carrier.get_index_mut(carrier).expect("a carrier");
            filter.add(receipted, rejected);
            undelivered.add(receipted - rejected, undeliverable);
            *numbers += 1;
        }
        Summary {
            records: self.records,
            skips: self
                .skips
                .into_iter()
                .map(|(reason, (count, first_line))| Skipped {
                    reason,
                    count,
                    first_line,
                })
                .collect(),
            cells: self
                .cells
                .into_iter()
                .zip(per_cell)
                .map(|(c, (filter, undeliverable))| CellSummary {
                    provider: c.provider,
                    carrier: c.carrier,
                    states: c.states,
                    latencies: Sample::of(c.latencies),
                    price_sum: c.price_sum,
                    priced: c.priced,
                    segments: c.segments,
                    filter: filter.groups().collect(),
                    undeliverable: undeliverable.groups().collect(),
                })
                .collect(),
            filters: per_carrier
                .iter()
                .map(|(c, (f, _, _))| CarrierTally::of(c, f))
                .collect(),
            undeliverable: per_carrier
                .iter()
                .map(|(c, (_, u, _))| CarrierTally::of(c, u))
                .collect(),
            carrier_numbers: per_carrier
                .iter()
                .map(|(c, (_, _, n))| (c.clone(), *n))
                .collect(),
            numbers_followed: self.numbers.len() as u64,
            numbers_beyond_cap: self.numbers_beyond_cap,
            gaps: Sample::of(self.gaps),
            first_delivered: Sample::of(self.first_delivered),
            first_expired: self.first_expired,
            sends_per_session: self.sends_per_session,
            sessions_started: self.sessions_started,
            starts_by_hour: self.starts_by_hour,
            first_sent: self.first_sent,
            last_sent: self.last_sent,
            last_start: self.last_start,
            wall_clock: self.wall_clock,
            has_session_keys: self.has_session_keys,
        }
    }
}

impl Sink for Collected {
    fn observe(&mut self, o: &Observation<'_>) {
        let number_hash = key_hash(o.number);
        if let Some(shard) = &self.shard
            && !shard.owns((number_hash % u64::from(shard.count)) as u32)
        {
            return;
        }
        if let Some(reason) = implausible_times(o) {
            // Counted by the shard that owns the number, so once.
            let entry = self.skips.entry(reason.to_string()).or_insert((0, o.line));
            entry.0 += 1;
            return;
        }
        self.records += 1;
        self.wall_clock |= o.wall_clock;
        self.has_session_keys |= o.session.is_some();
        self.first_sent = Some(self.first_sent.map_or(o.sent_s, |t| t.min(o.sent_s)));
        self.last_sent = Some(self.last_sent.map_or(o.sent_s, |t| t.max(o.sent_s)));
        let carrier = match o.carrier {
            Some(c) => c,
            None => match &self.carrier_map {
                Some(map) => map.carrier_of(o.number).unwrap_or("unknown"),
                None => "all",
            },
        };
        let c = Self::cell_of(&mut self.index, &mut self.cells, o.provider, carrier);
        let cell = &mut self.cells[c];
        cell.states[o.state.index()] += 1;
        cell.segments += u64::from(o.segments);
        if let Some(p) = o.price {
            cell.price_sum += p;
            cell.priced += 1;
        }
        if let (FinalState::Delivered, Some(fin)) = (o.state, o.final_s) {
            cell.latencies.push(fin - o.sent_s);
        }
        let receipted = !matches!(o.state, FinalState::NoReceipt | FinalState::Refused);
        if receipted {
            let key = number_hash ^ (c as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let len = self.numbers.len();
            match self.numbers.get_mut(&key) {
                Some(t) => bump(t, o.state),
                None if len < NUMBERS_CAP => {
                    let mut t = NumberTally {
                        number: number_hash,
                        cell: c as u32,
                        ..Default::default()
                    };
                    bump(&mut t, o.state);
                    self.numbers.insert(key, t);
                }
                None => self.numbers_beyond_cap += 1,
            }
        }
        if (o.state != FinalState::Refused || o.session.is_some()) && self.follow_session(o) {
            // A user resends because the first code did not come, so later
            // sends over-represent absent handsets: presence is read from
            // first sends only.
            match (o.state, o.final_s) {
                (FinalState::Delivered, Some(fin)) => self.first_delivered.push(fin - o.sent_s),
                (FinalState::Expired, _) => self.first_expired += 1,
                _ => {}
            }
        }
    }

    fn skip(&mut self, skip: Skip) {
        // A skipped record has no number to shard by: the first shard
        // counts it, so merged parts count it once.
        if self.shard.is_some_and(|s| !s.owns(0)) {
            return;
        }
        let entry = self.skips.entry(skip.reason).or_insert((0, skip.line));
        entry.0 += 1;
    }
}

/// Why `o`'s times cannot be a delivery record's, if they cannot.
fn implausible_times(o: &Observation<'_>) -> Option<&'static str> {
    let (from, to) = match o.wall_clock {
        true => WALL_CLOCK_SPAN,
        false => (-RUN_CLOCK_SPAN, RUN_CLOCK_SPAN),
    };
    if !(from..to).contains(&o.sent_s) {
        return Some(match o.wall_clock {
            true => "a send time outside 1990-2100 (milliseconds read as seconds?)",
            false => "a send time more than a century from the start",
        });
    }
    if o.price
        .is_some_and(|p| p > crate::scenario::limits::MAX_PRICE)
    {
        return Some("a price over 1,000,000 per message (docs/limits.md)");
    }
    match o.final_s {
        Some(f) if f - o.sent_s > MAX_LATENCY_S => {
            Some("a final time more than a year after the send")
        }
        _ => None,
    }
}

/// A name from the records as a scenario can hold it: control characters
/// (which reports and terminals must never print) become U+FFFD, and it is
/// cut to the scenario's longest name. Names are kept as read otherwise.
pub fn printable_name(name: &str) -> String {
    printable(name)
        .chars()
        .take(crate::scenario::limits::MAX_NAME_CHARS)
        .collect()
}

/// `text` with control characters as U+FFFD, for a one-line comment.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

fn bump(t: &mut NumberTally, state: FinalState) {
    t.receipted = t.receipted.saturating_add(1);
    match state {
        FinalState::Rejected => t.rejected = t.rejected.saturating_add(1),
        FinalState::Undeliverable => t.undeliverable = t.undeliverable.saturating_add(1),
        _ => {}
    }
}
