//! What the records reduce to: per provider × carrier counts and a
//! latency sample, per carrier the (sends, failures) groups of its numbers,
//! the sessions' sends and gaps, arrivals by hour. It is all the
//! estimators need, it is bounded whatever the number of records, and it
//! merges: a `--shard` part is a summary of the numbers its shard owns, and
//! `merge` adds the parts' summaries into the one the whole run makes.

use super::estimate::latency::{RESERVOIR_CAPACITY, Reservoir};
use super::estimate::persistence::Tally;
use serde::{Deserialize, Serialize};

/// A uniform sample of `seen` values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub values: Vec<f64>,
    pub seen: u64,
}

impl Sample {
    pub fn of(r: Reservoir) -> Sample {
        let (values, seen) = r.into_sample();
        Sample { values, seen }
    }

    fn merge(&mut self, other: Sample) {
        let mut mine = Reservoir::from_sample(
            std::mem::take(&mut self.values),
            self.seen,
            RESERVOIR_CAPACITY,
        );
        mine.merge(&Reservoir::from_sample(
            other.values,
            other.seen,
            RESERVOIR_CAPACITY,
        ));
        *self = Sample::of(mine);
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellSummary {
    pub provider: String,
    pub carrier: String,
    /// Messages per final state, indexed by `FinalState::index`.
    pub states: [u64; 6],
    /// Delivered messages' latency, send → final state, seconds.
    pub latencies: Sample,
    pub price_sum: f64,
    pub priced: u64,
    pub segments: u64,
    /// This provider × carrier's numbers as (receipted, rejected, how many
    /// numbers) and (not rejected, undeliverable, how many) groups.
    pub filter: Vec<(u32, u32, u64)>,
    pub undeliverable: Vec<(u32, u32, u64)>,
}

/// The tally of (sends, failures, numbers) groups.
pub fn tally_of(groups: &[(u32, u32, u64)]) -> Tally {
    let mut t = Tally::new();
    for &(n, k, c) in groups {
        t.add_many(n, k, c);
    }
    t
}

/// (sends, failures, numbers) groups added.
fn add_groups(a: &mut Vec<(u32, u32, u64)>, b: Vec<(u32, u32, u64)>) {
    let mut t = tally_of(a);
    t.merge(&tally_of(&b));
    *a = t.groups().collect();
}

/// A carrier's numbers as (sends, failures, how many numbers) groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CarrierTally {
    pub carrier: String,
    pub groups: Vec<(u32, u32, u64)>,
}

impl CarrierTally {
    pub fn tally(&self) -> Tally {
        tally_of(&self.groups)
    }

    pub fn of(carrier: &str, t: &Tally) -> CarrierTally {
        CarrierTally {
            carrier: carrier.to_string(),
            groups: t.groups().collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    pub reason: String,
    pub count: u64,
    pub first_line: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub records: u64,
    pub skips: Vec<Skipped>,
    pub cells: Vec<CellSummary>,
    /// Rejections per carrier, over the messages with a receipt.
    pub filters: Vec<CarrierTally>,
    /// UNDELIV per carrier, over the messages with a receipt not rejected.
    pub undeliverable: Vec<CarrierTally>,
    /// Distinct numbers per carrier.
    pub carrier_numbers: Vec<(String, u64)>,
    pub numbers_followed: u64,
    /// Messages to numbers first seen once the cap was reached.
    pub numbers_beyond_cap: u64,
    /// Gaps between consecutive sends of one session, seconds.
    pub gaps: Sample,
    /// Sessions' first sends: delivered latencies, and expiries.
    pub first_delivered: Sample,
    pub first_expired: u64,
    /// `[n]`: sessions with n sends.
    pub sends_per_session: Vec<u64>,
    pub sessions_started: u64,
    /// Session starts per hour of the day (UTC), for wall-clock records.
    pub starts_by_hour: [u64; 24],
    /// The first and last send (None without records).
    pub first_sent: Option<f64>,
    pub last_sent: Option<f64>,
    /// The last session's first send: sessions arrive from `first_sent`
    /// to here (the resends after it are not arrivals).
    pub last_start: Option<f64>,
    pub wall_clock: bool,
    pub has_session_keys: bool,
}

/// `a` with `b`'s entries added by name, keeping first-seen order.
fn merge_named<T>(a: &mut Vec<T>, b: Vec<T>, name: impl Fn(&T) -> String, add: impl Fn(&mut T, T)) {
    for item in b {
        match a.iter_mut().find(|x| name(x) == name(&item)) {
            Some(x) => add(x, item),
            None => a.push(item),
        }
    }
}

fn add_tallies(a: &mut CarrierTally, b: CarrierTally) {
    let mut t = a.tally();
    t.merge(&b.tally());
    a.groups = t.groups().collect();
}

impl Summary {
    /// Adds another part's summary to this one.
    pub fn merge(&mut self, other: Summary) {
        self.records += other.records;
        merge_named(
            &mut self.skips,
            other.skips,
            |s| s.reason.clone(),
            |a, b| {
                a.count += b.count;
                a.first_line = a.first_line.min(b.first_line);
            },
        );
        merge_named(
            &mut self.cells,
            other.cells,
            |c| format!("{}\u{0}{}", c.provider, c.carrier),
            |a, b| {
                for (x, y) in a.states.iter_mut().zip(b.states) {
                    *x += y;
                }
                a.latencies.merge(b.latencies);
                a.price_sum += b.price_sum;
                a.priced += b.priced;
                a.segments += b.segments;
                add_groups(&mut a.filter, b.filter);
                add_groups(&mut a.undeliverable, b.undeliverable);
            },
        );
        merge_named(
            &mut self.filters,
            other.filters,
            |t| t.carrier.clone(),
            add_tallies,
        );
        merge_named(
            &mut self.undeliverable,
            other.undeliverable,
            |t| t.carrier.clone(),
            add_tallies,
        );
        merge_named(
            &mut self.carrier_numbers,
            other.carrier_numbers,
            |c| c.0.clone(),
            |a, b| a.1 += b.1,
        );
        self.numbers_followed += other.numbers_followed;
        self.numbers_beyond_cap += other.numbers_beyond_cap;
        self.gaps.merge(other.gaps);
        self.first_delivered.merge(other.first_delivered);
        self.first_expired += other.first_expired;
        if self.sends_per_session.len() < other.sends_per_session.len() {
            self.sends_per_session
                .resize(other.sends_per_session.len(), 0);
        }
        for (a, b) in self
            .sends_per_session
            .iter_mut()
            .zip(other.sends_per_session)
        {
            *a += b;
        }
        self.sessions_started += other.sessions_started;
        for (a, b) in self.starts_by_hour.iter_mut().zip(other.starts_by_hour) {
            *a += b;
        }
        self.first_sent = min_some(self.first_sent, other.first_sent, f64::min);
        self.last_sent = min_some(self.last_sent, other.last_sent, f64::max);
        self.last_start = min_some(self.last_start, other.last_start, f64::max);
        self.wall_clock |= other.wall_clock;
        self.has_session_keys |= other.has_session_keys;
    }

    pub fn skipped(&self) -> u64 {
        self.skips.iter().map(|s| s.count).sum()
    }
}

fn min_some(a: Option<f64>, b: Option<f64>, pick: fn(f64, f64) -> f64) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(pick(x, y)),
        (x, None) => x,
        (None, y) => y,
    }
}
