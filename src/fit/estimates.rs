//! What a fit found, as data: per provider × carrier the final-state
//! shares, the failure split into per-number and per-message parts, the
//! latency fit, prices; and across all records the users' behaviour and
//! the traffic. Every value carries its 95% interval and the sample it
//! rests on. The fitted scenario and the fit report are both written from
//! this, never from the records directly.

use super::FinalState;
use super::estimate::latency::{self, LatencyFit};
use super::estimate::persistence::Persistence;
use super::estimate::store_forward::{self, StoreForward};
use super::summary::{CarrierTally, CellSummary, Summary, tally_of};
use crate::stats::{Estimate, wilson};

/// One provider × carrier.
#[derive(Debug, Clone)]
pub struct CellFit {
    pub provider: String,
    pub carrier: String,
    pub messages: u64,
    /// Share of messages per final state, indexed by `FinalState::index`.
    pub shares: [Estimate; 6],
    pub counts: [u64; 6],
    /// Accepted messages whose receipt never came, of those accepted.
    pub loss: Estimate,
    /// Undeliverable, of the receipted messages not rejected.
    pub undeliverable: Estimate,
    /// This provider × carrier's rejections and undeliverable messages,
    /// each split into per number and per message.
    pub filter_split: Persistence,
    pub undeliverable_split: Persistence,
    /// Send → final state of delivered messages.
    pub latency: Option<LatencyFit>,
    /// Those latencies (seconds, sorted; a bounded sample).
    pub latencies: Vec<f64>,
    pub delivered_latencies: u64,
    /// Mean price per message, over the records that give one.
    pub price: Option<f64>,
    pub priced: u64,
    pub segments_per_message: f64,
}

/// How users behaved, from the sends of each session.
#[derive(Debug, Clone)]
pub struct Behaviour {
    /// Median time between a send and the next in one session (seconds),
    /// with its interval; None when no session had a second send.
    pub resend_after: Option<Estimate>,
    pub gaps: u64,
    /// Sessions by their number of sends (`[n]`: sessions with n sends).
    pub sends_per_session: Vec<u64>,
    pub sessions: u64,
    /// The most sends any session had.
    pub max_sends: u32,
    /// Whether the records carried session keys (else a number's sends
    /// less than 30 minutes apart count as one session).
    pub session_keys: bool,
}

/// The arrival of sessions.
#[derive(Debug, Clone)]
pub struct Traffic {
    pub sessions: u64,
    /// First to last send, seconds.
    pub span_s: f64,
    /// Sessions per second with a Poisson interval.
    pub rate: Estimate,
    /// The first send's time of day, seconds after midnight UTC, when the
    /// records have wall-clock times.
    pub start_of_day_s: Option<f64>,
    /// Factor per hour of the day (mean 1 over the hours observed), when
    /// the records span at least a day of wall-clock time.
    pub profile: Option<[f64; 24]>,
}

/// Everything a fit found.
#[derive(Debug, Clone)]
pub struct Fit {
    pub cells: Vec<CellFit>,
    pub behaviour: Behaviour,
    pub traffic: Traffic,
    pub records: u64,
    /// Skipped records by reason: (reason, count, first line).
    pub skips: Vec<(String, u64, u64)>,
    pub numbers_followed: u64,
    pub numbers_beyond_cap: u64,
    /// Share of distinct numbers per carrier (carrier, numbers, share).
    pub carrier_shares: Vec<(String, u64, Estimate)>,
    /// Per carrier, over its providers: rejections split into per number
    /// and per message (the carrier's filter keys).
    pub carrier_filters: Vec<(String, Persistence)>,
    /// Per carrier: UNDELIV of the messages not rejected, split the same
    /// way (`not_sms_capable` and `undeliverable`).
    pub carrier_undeliverable: Vec<(String, Persistence)>,
    /// Absent handsets, from the late deliveries and expiries of every
    /// provider × carrier together (presence is the users', not a
    /// carrier's).
    pub store_forward: StoreForward,
    /// Half the first sends' deliveries take longer than the late
    /// threshold's half: the route itself is too slow to tell an absent
    /// handset from transit, so absent handsets are not estimated.
    pub slow_route: bool,
}

/// What the records cannot say but the estimates need.
#[derive(Debug, Clone, Copy)]
pub struct Assumed {
    /// The SMSC validity, seconds (the base scenario's, else simsms's
    /// default of 48 h).
    pub validity_s: f64,
}

impl Default for Assumed {
    fn default() -> Self {
        Assumed {
            validity_s: 48.0 * 3600.0,
        }
    }
}

impl Fit {
    /// Estimates everything from a summary of the records.
    pub fn of(mut summary: Summary, assumed: Assumed) -> Fit {
        // By name, so a fit and a merge of its shards (which meet the cells
        // in other orders) say the same in the same order.
        summary
            .cells
            .sort_by(|a, b| (&a.provider, &a.carrier).cmp(&(&b.provider, &b.carrier)));
        summary.filters.sort_by(|a, b| a.carrier.cmp(&b.carrier));
        summary
            .undeliverable
            .sort_by(|a, b| a.carrier.cmp(&b.carrier));
        summary.carrier_numbers.sort_by(|a, b| a.0.cmp(&b.0));
        let fit_of = |tallies: &[CarrierTally]| -> Vec<(String, Persistence)> {
            tallies
                .iter()
                .map(|t| (t.carrier.clone(), t.tally().fit()))
                .collect()
        };
        let carrier_filters = fit_of(&summary.filters);
        let carrier_undeliverable = fit_of(&summary.undeliverable);
        let total: u64 = summary.carrier_numbers.iter().map(|c| c.1).sum();
        let carrier_shares = summary
            .carrier_numbers
            .iter()
            .map(|(c, n)| (c.clone(), *n, wilson(*n, total)))
            .collect();
        let (store_forward, slow_route) = store_forward(&summary, assumed.validity_s);
        Fit {
            store_forward,
            slow_route,
            behaviour: behaviour(&summary),
            traffic: traffic(&summary),
            records: summary.records,
            skips: summary
                .skips
                .iter()
                .map(|s| (s.reason.clone(), s.count, s.first_line))
                .collect(),
            numbers_followed: summary.numbers_followed,
            numbers_beyond_cap: summary.numbers_beyond_cap,
            carrier_shares,
            carrier_filters,
            carrier_undeliverable,
            cells: summary.cells.into_iter().map(cell_fit).collect(),
        }
    }

    pub fn skipped(&self) -> u64 {
        self.skips.iter().map(|s| s.1).sum()
    }

    /// The carriers, in order of first appearance.
    pub fn carriers(&self) -> Vec<&str> {
        let mut seen: Vec<&str> = Vec::new();
        for c in &self.cells {
            if !seen.contains(&c.carrier.as_str()) {
                seen.push(&c.carrier);
            }
        }
        seen
    }

    /// The providers, in order of first appearance.
    pub fn providers(&self) -> Vec<&str> {
        let mut seen: Vec<&str> = Vec::new();
        for c in &self.cells {
            if !seen.contains(&c.provider.as_str()) {
                seen.push(&c.provider);
            }
        }
        seen
    }
}

fn cell_fit(cell: CellSummary) -> CellFit {
    use FinalState::*;
    let states = cell.states;
    let n: u64 = states.iter().sum();
    let count = |s: FinalState| states[s.index()];
    let accepted = n - count(Refused);
    let receipted = accepted - count(NoReceipt);
    let passed_filter = receipted - count(Rejected);
    let mut values = cell.latencies.values;
    let latency = latency::fit(&mut values);
    if let Some(l) = &latency {
        values.truncate(l.count);
    }
    CellFit {
        provider: cell.provider,
        carrier: cell.carrier,
        messages: n,
        shares: FinalState::ALL.map(|s| wilson(count(s), n)),
        counts: states,
        loss: wilson(count(NoReceipt), accepted),
        undeliverable: wilson(count(Undeliverable), passed_filter),
        filter_split: tally_of(&cell.filter).fit(),
        undeliverable_split: tally_of(&cell.undeliverable).fit(),
        latency,
        latencies: values,
        delivered_latencies: cell.latencies.seen,
        price: (cell.priced > 0).then(|| cell.price_sum / cell.priced as f64),
        priced: cell.priced,
        segments_per_message: if n == 0 {
            0.0
        } else {
            cell.segments as f64 / n as f64
        },
    }
}

/// The median of `values` (sorted in place) with a distribution-free 95%
/// interval from order statistics (the binomial(n, ½) ranks ±1.96√n/2).
pub fn median_interval(values: &mut [f64]) -> Option<Estimate> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let half = 1.96 * (n as f64).sqrt() / 2.0;
    let mid = n as f64 / 2.0;
    let at = |r: f64| values[(r.max(0.0) as usize).min(n - 1)];
    Some(Estimate {
        value: if n % 2 == 1 {
            values[n / 2]
        } else {
            (values[n / 2 - 1] + values[n / 2]) / 2.0
        },
        low: at((mid - half).floor()),
        high: at((mid + half).ceil()),
    })
}

/// Store and forward from the sessions' first sends (a resend follows a
/// code that did not come, so later sends over-represent absent handsets),
/// the expiries scaled to the latency sample where a reservoir held only
/// part of the deliveries.
fn store_forward(s: &Summary, validity_s: f64) -> (StoreForward, bool) {
    let d = &s.first_delivered;
    let kept = match d.seen {
        0 => 1.0,
        seen => d.values.len() as f64 / seen as f64,
    };
    let mut sf = store_forward::estimate(
        &d.values,
        (s.first_expired as f64 * kept).round() as u64,
        validity_s,
        store_forward::DEFAULT_THRESHOLD_S,
    );
    let mut sorted = d.values.clone();
    let slow_route = median_interval(&mut sorted)
        .is_some_and(|m| m.value > store_forward::DEFAULT_THRESHOLD_S / 2.0);
    // A present period under a second is no handset's: the "late" tail is
    // the route's own, not absences.
    let implausible = sf.mean_present_s().is_some_and(|p| p < 1.0) || sf.mean_absence_s.value < 1.0;
    if sf.identifiable && (slow_route || implausible) {
        sf.identifiable = false;
        sf.absent_share = Estimate::NONE;
        sf.mean_absence_s = Estimate::NONE;
    }
    (sf, slow_route || implausible)
}

fn behaviour(s: &Summary) -> Behaviour {
    let sessions = s.sends_per_session.iter().sum();
    let max_sends = s
        .sends_per_session
        .iter()
        .rposition(|&n| n > 0)
        .unwrap_or(1)
        .max(1) as u32;
    let mut gaps = s.gaps.values.clone();
    Behaviour {
        resend_after: median_interval(&mut gaps),
        gaps: s.gaps.seen,
        sends_per_session: s.sends_per_session.clone(),
        sessions,
        max_sends,
        session_keys: s.has_session_keys,
    }
}

fn traffic(s: &Summary) -> Traffic {
    let (first, last) = match (s.first_sent, s.last_sent) {
        (Some(a), Some(b)) => (a, b),
        _ => (0.0, 0.0),
    };
    let span_s = (last - first).max(0.0);
    let n = s.sessions_started;
    // Sessions arrive from the first send to the last session's start: n
    // arrivals in that span, of which the first opens it, so (n − 1) / span
    // (the records' span would count the last resends' tail as arrival
    // time). The interval is a Poisson count's, on the square root.
    let arrivals_span = s.last_start.map_or(0.0, |l| (l - first).max(0.0));
    let (k, per) = match arrivals_span > 0.0 && n > 1 {
        true => ((n - 1) as f64, arrivals_span),
        false => (n as f64, span_s.max(1.0)),
    };
    let root = k.sqrt();
    let rate = Estimate {
        value: k / per,
        low: (root - 0.98).max(0.0).powi(2) / per,
        high: (root + 0.98).powi(2) / per,
    };
    let start_of_day_s = s.wall_clock.then(|| first.rem_euclid(86_400.0));
    let profile = (s.wall_clock && span_s >= 86_400.0).then(|| {
        // How long each hour of the day was observed, in hours: whole
        // days give every hour alike, then the part-day left over.
        let whole_days = (span_s / 86_400.0).floor();
        let mut hours_seen = [whole_days; 24];
        let mut t = first + whole_days * 86_400.0;
        while t < last {
            let h = (t.rem_euclid(86_400.0) / 3600.0) as usize;
            let next = ((t / 3600.0).floor() + 1.0) * 3600.0;
            hours_seen[h.min(23)] += (next.min(last) - t) / 3600.0;
            t = next;
        }
        let per_hour: Vec<f64> = (0..24)
            .map(|h| match hours_seen[h] > 0.0 {
                true => s.starts_by_hour[h] as f64 / hours_seen[h],
                false => 0.0,
            })
            .collect();
        let mean = per_hour.iter().sum::<f64>() / 24.0;
        let mut factors = [1.0; 24];
        for (f, p) in factors.iter_mut().zip(&per_hour) {
            *f = if mean > 0.0 { p / mean } else { 1.0 };
        }
        factors
    });
    Traffic {
        sessions: n,
        span_s,
        rate,
        start_of_day_s,
        profile,
    }
}
