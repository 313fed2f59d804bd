//! The collector: the [`Sink`] every reader feeds. It groups observations
//! per provider × carrier and keeps only what the estimators need: counts
//! per final state, delivered latencies (a bounded sample), per-number
//! send and failure counts for persistence (up to a documented cap of
//! distinct numbers), per-session sends for the users' behaviour, and
//! arrivals for the traffic profile.

use super::estimate::latency::{RESERVOIR_CAPACITY, Reservoir};
use super::read::carrier_map::CarrierMap;
use super::{FinalState, Observation, Sink, Skip};
use indexmap::IndexMap;
use std::collections::HashMap;
use std::hash::BuildHasher;

/// At most this many distinct numbers (and as many sessions) are followed
/// for persistence and behaviour: about 40 bytes each, so 2M take under
/// 100 MB. Numbers first seen beyond it are counted in shares and latency
/// but not in persistence; the report says how many.
pub const NUMBERS_CAP: usize = 2_000_000;

/// A new session starts on a number after this long without a send, when
/// the records carry no session key.
pub const SESSION_GAP_S: f64 = 30.0 * 60.0;

/// What is kept about one provider × carrier.
#[derive(Debug, Clone)]
pub struct Cell {
    pub provider: String,
    pub carrier: String,
    /// Messages per [`FinalState`], indexed by `FinalState::index`.
    pub states: [u64; 6],
    /// Delivered messages' latency, send → final state, in seconds: a
    /// uniform sample of at most `RESERVOIR_CAPACITY`.
    pub latencies: Reservoir,
    pub price_sum: f64,
    pub priced: u64,
    pub segments: u64,
}

impl Cell {
    pub fn messages(&self) -> u64 {
        self.states.iter().sum()
    }

    pub fn count(&self, state: FinalState) -> u64 {
        self.states[state.index()]
    }
}

/// One number's messages that reached the carrier (a receipt came), and
/// how many of those were rejected or undeliverable.
#[derive(Debug, Clone, Copy, Default)]
pub struct NumberTally {
    pub cell: u32,
    pub receipted: u32,
    pub rejected: u32,
    pub undeliverable: u32,
}

#[derive(Debug, Clone, Copy)]
struct SessionState {
    last_sent: f64,
    sends: u32,
}

/// Everything read, grouped.
#[derive(Debug, Default)]
pub struct Collected {
    pub cells: Vec<Cell>,
    index: IndexMap<(String, String), usize>,
    /// Per number (hashed), its tally.
    pub numbers: HashMap<u64, NumberTally>,
    /// Numbers not followed because the cap was reached.
    pub numbers_beyond_cap: u64,
    sessions: HashMap<u64, SessionState>,
    /// Gaps between consecutive sends of one session, seconds.
    pub resend_gaps: Vec<f64>,
    /// Sessions by how many sends they had: `[n]` sessions with n sends
    /// (index 0 unused); finished sessions only, the rest at `finish`.
    pub sends_per_session: Vec<u64>,
    /// Session starts (first sends) per hour of the day, UTC, when the
    /// records' clock is a wall clock.
    pub starts_by_hour: [u64; 24],
    pub sessions_started: u64,
    pub first_sent: f64,
    pub last_sent: f64,
    pub wall_clock: bool,
    pub has_session_keys: bool,
    pub records: u64,
    /// Skips by reason: count and the first line.
    pub skips: IndexMap<String, (u64, u64)>,
    carrier_map: Option<CarrierMap>,
    hasher: std::hash::BuildHasherDefault<std::collections::hash_map::DefaultHasher>,
}

impl Collected {
    pub fn new(carrier_map: Option<CarrierMap>) -> Self {
        Collected {
            carrier_map,
            first_sent: f64::INFINITY,
            last_sent: f64::NEG_INFINITY,
            sends_per_session: vec![0; 2],
            ..Default::default()
        }
    }

    fn hash(&self, key: &str) -> u64 {
        self.hasher.hash_one(key)
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
            provider: provider.to_string(),
            carrier: carrier.to_string(),
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

    fn follow_session(&mut self, o: &Observation<'_>) {
        let key = self.hash(o.session.unwrap_or(o.number)) ^ 0x5e55_1011;
        let keyed = o.session.is_some();
        let open = self.sessions.len();
        let start = match self.sessions.get_mut(&key) {
            Some(s) if keyed || o.sent_s - s.last_sent <= SESSION_GAP_S => {
                let gap = o.sent_s - s.last_sent;
                if gap >= 0.0 {
                    self.resend_gaps.push(gap);
                }
                s.sends += 1;
                s.last_sent = s.last_sent.max(o.sent_s);
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
            if o.wall_clock {
                let hour = (o.sent_s.rem_euclid(86_400.0) / 3600.0) as usize;
                self.starts_by_hour[hour.min(23)] += 1;
            }
        }
    }

    /// Ends every open session; call once after the last record.
    pub fn finish(&mut self) {
        let open: Vec<u32> = self.sessions.values().map(|s| s.sends).collect();
        for sends in open {
            self.end_session(sends);
        }
        self.sessions.clear();
    }

    pub fn skipped(&self) -> u64 {
        self.skips.values().map(|(n, _)| n).sum()
    }
}

impl Sink for Collected {
    fn observe(&mut self, o: &Observation<'_>) {
        self.records += 1;
        self.wall_clock |= o.wall_clock;
        self.has_session_keys |= o.session.is_some();
        self.first_sent = self.first_sent.min(o.sent_s);
        self.last_sent = self.last_sent.max(o.sent_s);
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
            let key = self.hash(o.number) ^ (c as u64).wrapping_mul(0x9E37_79B9);
            let len = self.numbers.len();
            match self.numbers.get_mut(&key) {
                Some(t) => bump(t, o.state),
                None if len < NUMBERS_CAP => {
                    let mut t = NumberTally {
                        cell: c as u32,
                        ..Default::default()
                    };
                    bump(&mut t, o.state);
                    self.numbers.insert(key, t);
                }
                None => self.numbers_beyond_cap += 1,
            }
        }
        if o.state != FinalState::Refused || o.session.is_some() {
            self.follow_session(o);
        }
    }

    fn skip(&mut self, skip: Skip) {
        let entry = self.skips.entry(skip.reason).or_insert((0, skip.line));
        entry.0 += 1;
    }
}

fn bump(t: &mut NumberTally, state: FinalState) {
    t.receipted = t.receipted.saturating_add(1);
    match state {
        FinalState::Rejected => t.rejected = t.rejected.saturating_add(1),
        FinalState::Undeliverable => t.undeliverable = t.undeliverable.saturating_add(1),
        _ => {}
    }
}
