//! Turns per-replication metrics into the report: pooled counts, rates and
//! percentiles with 95% intervals, per provider × carrier (messages) and per
//! carrier (sessions), queue statistics, the timeline and expectation
//! verdicts. `table` renders it for people.

mod answer;
mod bodies;
mod compare;
mod expect;
mod measurement;
mod results;
pub(crate) mod table;

pub use answer::render_answer;
pub use compare::render_comparison;
pub use expect::{Differences, Unit, Verdict, evaluate, messages_only, paired_difference};
pub use measurement::{
    LatencyPair, LatencySummary, LoadFigures, Measurement, RunKind, UnmatchedReceipt,
};
pub use results::RunResults;
pub(crate) use table::{grid, pct_ci, secs};
pub use table::{render_run, render_table, render_verdicts, set_table_width, wrap_to_table_width};

use crate::metrics::{MessageCell, Metrics, SessionCell};
use crate::model::{Outcome, SessionCounts, SessionEndKind};
use crate::scenario::{CarrierId, ProviderId, Scenario};
use crate::stats::{ByQuantile, Estimate, Quantile, mean_interval, rate_interval};

/// A latency or time-to-code distribution, in seconds.
#[derive(Debug, Clone)]
pub struct Percentiles {
    /// Of the merged histogram.
    pub merged: ByQuantile<f64>,
    pub max: f64,
    /// Mean of per-replication percentiles with a t interval.
    pub per_replication: ByQuantile<Estimate>,
    pub count: u64,
}

impl Percentiles {
    /// The merged histogram's value with the per-replication interval.
    pub fn estimate(&self, q: Quantile) -> Estimate {
        let ci = self.per_replication[q];
        Estimate {
            value: self.merged[q],
            low: ci.low,
            high: ci.high,
        }
    }
}

#[derive(Debug, Clone)]
pub struct MessageRow {
    pub provider: String,
    /// `None` for the provider's total over carriers.
    pub carrier: Option<String>,
    pub outcomes: [u64; Outcome::COUNT],
    pub total: u64,
    pub delivery: Estimate,
    pub receipt_delivery: Estimate,
    /// Share of messages ending in each outcome, with its interval.
    pub shares: [Estimate; Outcome::COUNT],
    pub misrouted: u64,
    pub misrouted_share: Estimate,
    pub cost: f64,
    pub latency: Percentiles,
}

#[derive(Debug, Clone)]
pub struct SessionRow {
    /// `None` for all carriers together.
    pub carrier: Option<String>,
    pub outcomes: SessionCounts,
    pub success_by_send: Vec<u64>,
    pub total: u64,
    pub otp_success: Estimate,
    /// Share of sessions holding a valid code within `otp.target`.
    pub within_target: Estimate,
    pub sends_per_session: Estimate,
    pub resend_share: Estimate,
    pub voice_share: Estimate,
    /// Share of sessions ending in each `SessionEndKind`, with its interval.
    pub shares: [Estimate; SESSION_KINDS],
    pub cost_per_success: Estimate,
    /// Total cost of one replication (messages and calls).
    pub cost_per_run: Estimate,
    pub time_to_code: Percentiles,
    /// Values of each replication, in order, for paired comparisons.
    pub per_replication: Vec<SessionRepValues>,
}

/// One replication's session metrics; NaN where undefined (no sessions, no
/// successes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SessionRepValues {
    pub otp_success: f64,
    pub within_target: f64,
    /// Time to code p50, p90, p99, p99.9 in seconds.
    pub time_to_code: ByQuantile<f64>,
    pub cost_per_success: f64,
    /// Total cost of the replication's sessions (messages and calls).
    pub cost: f64,
    pub sends_per_session: f64,
    /// Share of sessions ending in each `SessionEndKind`.
    pub shares: [f64; SESSION_KINDS],
}

/// How many kinds of session end there are.
pub const SESSION_KINDS: usize = SessionEndKind::ALL.len();

#[derive(Debug, Clone)]
pub struct QueueRow {
    pub provider: String,
    pub admitted: u64,
    /// Mean wait in seconds, across replications.
    pub mean_wait: Estimate,
    pub max_depth: u64,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub scenario: String,
    pub source: String,
    pub seed: u64,
    pub replications: u32,
    pub version: &'static str,
    pub messages: Vec<MessageRow>,
    pub sessions: Vec<SessionRow>,
    pub queues: Vec<QueueRow>,
    pub merged: Metrics,
}

/// Per-replication values kept for intervals (the histograms are merged).
#[derive(Default)]
struct RepValues {
    /// Per message row: (delivered, total), (receipt delivered, total), percentiles.
    messages: Vec<Vec<MessageRep>>,
    sessions: Vec<Vec<SessionRep>>,
    queue_wait: Vec<Vec<f64>>,
}

struct MessageRep {
    outcomes: [u64; Outcome::COUNT],
    misrouted: u64,
    total: u64,
    delivered: (u64, u64),
    receipt: (u64, u64),
    percentiles: Option<ByQuantile<f64>>,
}

struct SessionRep {
    outcomes: SessionCounts,
    success: (u64, u64),
    within_target: (u64, u64),
    resend: (u64, u64),
    voice: (u64, u64),
    /// The rates, percentiles and means, NaN where undefined.
    values: SessionRepValues,
}

/// A per-replication value, None where it is undefined (NaN).
fn defined(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

impl SessionRepValues {
    /// One replication's values for one carrier (`None`: all carriers).
    pub fn of(m: &Metrics, carrier: Option<usize>) -> SessionRepValues {
        SessionRepValues::of_cell(&session_group(m, carrier))
    }

    fn of_cell(cell: &SessionCell) -> SessionRepValues {
        let total = cell.total();
        let successes = cell.successes();
        let rate = |k: u64| {
            if total > 0 {
                k as f64 / total as f64
            } else {
                f64::NAN
            }
        };
        SessionRepValues {
            otp_success: rate(successes),
            within_target: rate(cell.within_target),
            time_to_code: percentiles_of(&cell.time_to_code).unwrap_or(ByQuantile([f64::NAN; 4])),
            cost_per_success: if successes > 0 {
                cell.cost / successes as f64
            } else {
                f64::NAN
            },
            cost: cell.cost,
            sends_per_session: rate(cell.sends),
            shares: SessionEndKind::ALL.map(|k| rate(cell.outcomes[k])),
        }
    }
}

/// Folds replications, in order, into a report.
pub struct Aggregator<'s> {
    scenario: &'s Scenario,
    merged: Option<Metrics>,
    reps: RepValues,
    count: u32,
}

fn percentiles_of(h: &hdrhistogram::Histogram<u64>) -> Option<ByQuantile<f64>> {
    (!h.is_empty())
        .then(|| ByQuantile::from_fn(|q| h.value_at_quantile(q.fraction()) as f64 / 1000.0))
}

/// The cells for each message row: each provider × carrier, then the
/// provider's total over carriers.
fn message_groups(m: &Metrics) -> Vec<(ProviderId, Option<CarrierId>)> {
    let mut groups = Vec::new();
    for p in ProviderId::all(m.providers) {
        for c in CarrierId::all(m.carriers) {
            groups.push((p, Some(c)));
        }
        // All carriers together, always, as for session rows.
        groups.push((p, None));
    }
    groups
}

fn message_group(m: &Metrics, p: ProviderId, c: Option<CarrierId>) -> MessageCell {
    match c {
        Some(c) => m.cell(p, c).clone(),
        None => {
            let mut cell = m.cell(p, CarrierId::new(0)).clone();
            for c in CarrierId::all(m.carriers).skip(1) {
                cell.merge(m.cell(p, c));
            }
            cell
        }
    }
}

fn session_group(m: &Metrics, c: Option<usize>) -> SessionCell {
    match c {
        Some(c) => m.sessions[c].clone(),
        None => {
            let mut all = m.sessions[0].clone();
            for cell in &m.sessions[1..] {
                all.merge(cell);
            }
            all
        }
    }
}

fn session_groups(m: &Metrics) -> Vec<Option<usize>> {
    let mut groups: Vec<Option<usize>> = (0..m.carriers).map(Some).collect();
    groups.push(None);
    groups
}

impl<'s> Aggregator<'s> {
    pub fn new(scenario: &'s Scenario) -> Self {
        Aggregator {
            scenario,
            merged: None,
            reps: RepValues::default(),
            count: 0,
        }
    }

    /// Adds the next replication; call in replication order.
    pub fn add(&mut self, m: Metrics) {
        let groups = message_groups(&m);
        if self.reps.messages.is_empty() {
            self.reps.messages = groups.iter().map(|_| Vec::new()).collect();
            self.reps.sessions = session_groups(&m).iter().map(|_| Vec::new()).collect();
            self.reps.queue_wait = vec![Vec::new(); m.providers];
        }
        for (i, (p, c)) in groups.into_iter().enumerate() {
            let cell = message_group(&m, p, c);
            let total = cell.total();
            self.reps.messages[i].push(MessageRep {
                outcomes: cell.outcomes,
                misrouted: cell.misrouted,
                total,
                delivered: (cell.outcomes[Outcome::Delivered as usize], total),
                receipt: (cell.receipt_delivered, total),
                percentiles: percentiles_of(&cell.latency),
            });
        }
        for (i, c) in session_groups(&m).into_iter().enumerate() {
            let cell = session_group(&m, c);
            let total = cell.total();
            let successes = cell.successes();
            self.reps.sessions[i].push(SessionRep {
                outcomes: cell.outcomes,
                success: (successes, total),
                within_target: (cell.within_target, total),
                resend: (cell.resent, total),
                voice: (cell.voice_calls, total),
                values: SessionRepValues::of_cell(&cell),
            });
        }
        for p in 0..m.providers {
            if m.queue_admitted[p] > 0 {
                let mean = m.queue_wait_total[p] as f64 / m.queue_admitted[p] as f64 / 1e9;
                self.reps.queue_wait[p].push(mean);
            }
        }
        match &mut self.merged {
            None => self.merged = Some(m),
            Some(merged) => merged.merge(&m),
        }
        self.count += 1;
    }

    pub fn finish(self, source: &str) -> Report {
        let sc = self.scenario;
        let merged = self.merged.expect("at least one replication");
        let percentiles = |h: &hdrhistogram::Histogram<u64>, reps: Vec<Option<ByQuantile<f64>>>| {
            let values: Vec<ByQuantile<f64>> = reps.into_iter().flatten().collect();
            Percentiles {
                merged: percentiles_of(h).unwrap_or(ByQuantile([f64::NAN; 4])),
                max: if !h.is_empty() {
                    h.max() as f64 / 1000.0
                } else {
                    f64::NAN
                },
                per_replication: ByQuantile::from_fn(|q| {
                    mean_interval(&values.iter().map(|v| v[q]).collect::<Vec<_>>())
                }),
                count: h.len(),
            }
        };
        let mut messages = Vec::new();
        for (i, (p, c)) in message_groups(&merged).into_iter().enumerate() {
            let cell = message_group(&merged, p, c);
            let reps = &self.reps.messages[i];
            messages.push(MessageRow {
                provider: sc.provider(p).name.clone(),
                carrier: c.map(|c| sc.carrier(c).name.clone()),
                outcomes: cell.outcomes,
                total: cell.total(),
                delivery: rate_interval(&reps.iter().map(|r| r.delivered).collect::<Vec<_>>()),
                receipt_delivery: rate_interval(
                    &reps.iter().map(|r| r.receipt).collect::<Vec<_>>(),
                ),
                shares: Outcome::ALL.map(|o| {
                    rate_interval(
                        &reps
                            .iter()
                            .map(|r| (r.outcomes[o as usize], r.total))
                            .collect::<Vec<_>>(),
                    )
                }),
                misrouted: cell.misrouted,
                misrouted_share: rate_interval(
                    &reps
                        .iter()
                        .map(|r| (r.misrouted, r.total))
                        .collect::<Vec<_>>(),
                ),
                cost: cell.cost,
                latency: percentiles(&cell.latency, reps.iter().map(|r| r.percentiles).collect()),
            });
        }
        let mut sessions = Vec::new();
        for (i, c) in session_groups(&merged).into_iter().enumerate() {
            let cell = session_group(&merged, c);
            let reps = &self.reps.sessions[i];
            let values = |f: &dyn Fn(&SessionRep) -> Option<f64>| {
                reps.iter().filter_map(f).collect::<Vec<_>>()
            };
            sessions.push(SessionRow {
                carrier: c.map(|c| sc.carriers[c].name.clone()),
                outcomes: cell.outcomes,
                success_by_send: cell.success_by_send.clone(),
                total: cell.total(),
                otp_success: rate_interval(&reps.iter().map(|r| r.success).collect::<Vec<_>>()),
                within_target: rate_interval(
                    &reps.iter().map(|r| r.within_target).collect::<Vec<_>>(),
                ),
                sends_per_session: mean_interval(&values(&|r| defined(r.values.sends_per_session))),
                resend_share: rate_interval(&reps.iter().map(|r| r.resend).collect::<Vec<_>>()),
                voice_share: rate_interval(&reps.iter().map(|r| r.voice).collect::<Vec<_>>()),
                shares: SessionEndKind::ALL.map(|k| {
                    rate_interval(
                        &reps
                            .iter()
                            .map(|r| (r.outcomes[k], r.success.1))
                            .collect::<Vec<_>>(),
                    )
                }),
                cost_per_success: mean_interval(&values(&|r| defined(r.values.cost_per_success))),
                cost_per_run: mean_interval(&values(&|r| Some(r.values.cost))),
                per_replication: reps.iter().map(|r| r.values).collect(),
                time_to_code: percentiles(
                    &cell.time_to_code,
                    reps.iter()
                        .map(|r| {
                            let p = r.values.time_to_code;
                            p.0.iter().all(|x| x.is_finite()).then_some(p)
                        })
                        .collect(),
                ),
            });
        }
        let queues = (0..merged.providers)
            .map(|p| QueueRow {
                provider: sc.providers[p].name.clone(),
                admitted: merged.queue_admitted[p],
                mean_wait: mean_interval(&self.reps.queue_wait[p]),
                max_depth: merged.timeline.queue_depth[p]
                    .iter()
                    .copied()
                    .max()
                    .unwrap_or(0),
            })
            .collect();
        Report {
            scenario: sc.name.clone(),
            source: source.to_string(),
            seed: sc.seed,
            replications: self.count,
            version: env!("CARGO_PKG_VERSION"),
            messages,
            sessions,
            queues,
            merged,
        }
    }
}

impl Report {
    pub fn session_row(&self, carrier: Option<&str>) -> Option<&SessionRow> {
        self.sessions
            .iter()
            .find(|r| r.carrier.as_deref() == carrier)
    }

    pub fn message_row(&self, provider: &str, carrier: Option<&str>) -> Option<&MessageRow> {
        self.messages
            .iter()
            .find(|r| r.provider == provider && r.carrier.as_deref() == carrier)
    }
}
