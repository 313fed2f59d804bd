//! Expectations (`[[expect]]`): each bound checked against the results, as
//! a point estimate or with its whole 95% interval, for one alternative or
//! for the paired difference between two. A failed one makes the command
//! exit with code 1.

use super::RunResults;
use super::{Report, SessionRepValues, SessionRow};
use crate::metrics::new_histogram;
use crate::model::Outcome;
use crate::scenario::{CarrierId, ExpectMetric, Expectation, ProviderId, Scenario};
use crate::stats::{Estimate, Quantile, mean_interval, wilson};

/// The outcome of one expectation.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub label: String,
    pub observed: Estimate,
    /// e.g. ">= 0.97 (whole 95% interval)".
    pub bound: String,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub passed: bool,
    /// False when the results cannot say: a session metric of a report
    /// that measured messages only (`serve`, `load` without `--otp`).
    /// Such a verdict neither passes nor fails.
    pub measured: bool,
    /// Why it was not measured (empty when it was).
    pub why_unmeasured: &'static str,
    /// What the observed value and the bounds measure; for display.
    pub unit: Unit,
}

/// The unit of an expectation's metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A fraction (shown as a percentage).
    Share,
    /// A difference of two fractions (shown in percentage points).
    Points,
    Seconds,
    /// In the scenario's currency.
    Money,
    /// A plain number (a count).
    Number,
}

impl Unit {
    /// Of an expectation's metric, bounding one value or (`difference`)
    /// the difference of two.
    pub fn of(metric: ExpectMetric, difference: bool) -> Unit {
        let unit = match metric {
            ExpectMetric::TimeToCode(_) | ExpectMetric::Latency(_) => Unit::Seconds,
            ExpectMetric::Load(m) if m.is_time() => Unit::Seconds,
            ExpectMetric::CostPerSuccess => Unit::Money,
            _ => Unit::Share,
        };
        match (unit, difference) {
            (Unit::Share, true) => Unit::Points,
            (unit, _) => unit,
        }
    }

    /// A value in this unit: "91.06%", "+14.95 points", "65.1s", "12.80".
    pub fn show(self, x: f64) -> String {
        if !x.is_finite() {
            return "-".into();
        }
        match self {
            Unit::Share => format!("{:.2}%", x * 100.0),
            Unit::Points => format!("{:+.2} points", x * 100.0),
            Unit::Seconds => crate::units::Human((x * 1e9) as u64).to_string(),
            Unit::Money => format!("{x:.2}"),
            Unit::Number => format!("{x:.4}"),
        }
    }
}

impl Verdict {
    /// A measured bound that does not hold.
    pub fn failed(&self) -> bool {
        self.measured && !self.passed
    }

    /// Seconds rather than a fraction or money.
    pub fn is_time(&self) -> bool {
        self.unit == Unit::Seconds
    }

    /// The observed value and its interval in the metric's unit:
    /// "91.06% [90.75, 91.38]", "65.1s [61.3s, 71.9s]".
    pub fn observed_text(&self) -> String {
        let e = &self.observed;
        match (e.is_defined(), e.low == e.high) {
            (false, _) => "-".into(),
            (true, true) => self.unit.show(e.value),
            (true, false) => format!(
                "{} [{}, {}]",
                self.unit.show(e.value),
                self.unit.show(e.low),
                self.unit.show(e.high)
            ),
        }
    }

    /// The bounds in the metric's unit: ">= 90.00%", "<= 90.0s".
    pub fn bound_text(&self) -> String {
        let mode = self.bound.rfind(" (").map_or("", |i| &self.bound[i..]);
        let bounds: Vec<String> = [(">=", self.min), ("<=", self.max)]
            .into_iter()
            .filter_map(|(op, b)| b.map(|b| format!("{op} {}", self.unit.show(b))))
            .collect();
        match bounds.is_empty() {
            true => self.bound.clone(),
            false => format!("{}{mode}", bounds.join(" and ")),
        }
    }

    /// PASS, FAIL or NOT MEASURED.
    pub fn word(&self) -> &'static str {
        match (self.measured, self.passed) {
            (false, _) => "NOT MEASURED",
            (true, true) => "PASS",
            (true, false) => "FAIL",
        }
    }
}

/// Whether a report saw messages but no sessions: what `serve` and `load`
/// without `--otp` measure. (A simulation's messages all come from sessions.)
pub fn messages_only(report: &Report) -> bool {
    report.merged.total_sessions() == 0 && report.merged.total_messages() > 0
}

pub fn evaluate(sc: &Scenario, results: &RunResults) -> Vec<Verdict> {
    sc.expectations
        .iter()
        .map(|e| verdict(sc, results, e))
        .collect()
}

/// One replication's value of a session metric.
fn session_value(metric: ExpectMetric, r: &SessionRepValues) -> f64 {
    match metric {
        ExpectMetric::OtpSuccess => r.otp_success,
        ExpectMetric::SuccessWithinTarget => r.within_target,
        ExpectMetric::TimeToCode(q) => r.time_to_code[q],
        ExpectMetric::CostPerSuccess => r.cost_per_success,
        ExpectMetric::SessionShare(k) => r.shares[k],
        _ => f64::NAN,
    }
}

/// Mean of per-replication differences `a − b` (common random numbers make
/// them paired) with a t interval.
pub fn paired_difference(
    a: &SessionRow,
    b: &SessionRow,
    value: impl Fn(&SessionRepValues) -> f64,
) -> Estimate {
    let diffs: Vec<f64> = a
        .per_replication
        .iter()
        .zip(&b.per_replication)
        .map(|(x, y)| value(x) - value(y))
        .filter(|d| !d.is_nan())
        .collect();
    mean_interval(&diffs)
}

/// One alternative minus the reference on the same users, for one carrier
/// (or all): paired per-replication differences with their t intervals.
pub struct Differences {
    pub otp_success: Estimate,
    pub within_target: Estimate,
    /// Time to code p99, seconds.
    pub code_p99: Estimate,
    pub cost_per_success: Estimate,
    pub cost_per_run: Estimate,
}

impl Differences {
    pub const NONE: Differences = Differences {
        otp_success: Estimate::NONE,
        within_target: Estimate::NONE,
        code_p99: Estimate::NONE,
        cost_per_success: Estimate::NONE,
        cost_per_run: Estimate::NONE,
    };

    /// `row` minus `reference`, replication by replication.
    pub fn between(row: &SessionRow, reference: &SessionRow) -> Differences {
        let diff = |value: fn(&SessionRepValues) -> f64| paired_difference(row, reference, value);
        Differences {
            otp_success: diff(|x| x.otp_success),
            within_target: diff(|x| x.within_target),
            code_p99: diff(|x| x.time_to_code[Quantile::P99]),
            cost_per_success: diff(|x| x.cost_per_success),
            cost_per_run: diff(|x| x.cost),
        }
    }
}

fn observe(sc: &Scenario, results: &RunResults, e: &Expectation) -> Estimate {
    let Some(report) = results.reports.get(e.alternative).and_then(Option::as_ref) else {
        return Estimate::NONE;
    };
    let carrier = e.carrier.map(|c| sc.carrier(c).name.as_str());
    if let Some(other) = e.compared_to {
        let Some(other) = results.reports.get(other).and_then(Option::as_ref) else {
            return Estimate::NONE;
        };
        return match (report.session_row(carrier), other.session_row(carrier)) {
            (Some(a), Some(b)) => paired_difference(a, b, |r| session_value(e.metric, r)),
            _ => Estimate::NONE,
        };
    }
    observe_one(sc, report, e)
}

fn observe_one(sc: &Scenario, report: &Report, e: &Expectation) -> Estimate {
    let carrier = e.carrier.map(|c| sc.carrier(c).name.as_str());
    let provider = e.provider.map(|p| sc.provider(p).name.as_str());
    let m = &report.merged;
    match e.metric {
        ExpectMetric::OtpSuccess => report
            .session_row(carrier)
            .map_or(Estimate::NONE, |r| r.otp_success),
        ExpectMetric::SuccessWithinTarget => report
            .session_row(carrier)
            .map_or(Estimate::NONE, |r| r.within_target),
        ExpectMetric::CostPerSuccess => report
            .session_row(carrier)
            .map_or(Estimate::NONE, |r| r.cost_per_success),
        ExpectMetric::TimeToCode(q) => report
            .session_row(carrier)
            .map_or(Estimate::NONE, |r| r.time_to_code.estimate(q)),
        ExpectMetric::SessionShare(k) => report
            .session_row(carrier)
            .map_or(Estimate::NONE, |r| r.shares[k]),
        // Evaluated from the measurement (`load_verdict`), never from metrics.
        ExpectMetric::Load(_) => Estimate::NONE,
        ExpectMetric::DeliveryRate
        | ExpectMetric::ReceiptDeliveryRate
        | ExpectMetric::OutcomeShare(_)
        | ExpectMetric::MisroutedShare
        | ExpectMetric::Latency(_) => {
            if let Some(p) = provider {
                let row = report
                    .message_row(p, carrier)
                    .or_else(|| report.message_row(p, None));
                if let Some(row) = row {
                    return match e.metric {
                        ExpectMetric::DeliveryRate => row.delivery,
                        ExpectMetric::ReceiptDeliveryRate => row.receipt_delivery,
                        ExpectMetric::OutcomeShare(o) => row.shares[o],
                        ExpectMetric::MisroutedShare => row.misrouted_share,
                        ExpectMetric::Latency(q) => row.latency.estimate(q),
                        _ => unreachable!("message metric"),
                    };
                }
            }
            // Across providers: pooled over replications (Wilson for rates).
            let cells = ProviderId::all(m.providers)
                .flat_map(|p| CarrierId::all(m.carriers).map(move |c| (p, c)))
                .filter(|(p, c)| {
                    e.provider.is_none_or(|x| x == *p) && e.carrier.is_none_or(|x| x == *c)
                })
                .map(|(p, c)| m.cell(p, c));
            let (mut delivered, mut receipts, mut total) = (0, 0, 0);
            let (mut outcomes, mut misrouted) = ([0u64; Outcome::COUNT], 0);
            let mut latency = new_histogram();
            for cell in cells {
                delivered += cell.outcomes[Outcome::Delivered as usize];
                for (sum, n) in outcomes.iter_mut().zip(cell.outcomes) {
                    *sum += n;
                }
                misrouted += cell.misrouted;
                receipts += cell.receipt_delivered;
                total += cell.total();
                latency.add(&cell.latency).expect("same bounds");
            }
            match e.metric {
                ExpectMetric::DeliveryRate => wilson(delivered, total),
                ExpectMetric::ReceiptDeliveryRate => wilson(receipts, total),
                ExpectMetric::OutcomeShare(o) => wilson(outcomes[o], total),
                ExpectMetric::MisroutedShare => wilson(misrouted, total),
                ExpectMetric::Latency(q) if !latency.is_empty() => {
                    Estimate::exact(latency.value_at_quantile(q.fraction()) as f64 / 1000.0)
                }
                _ => Estimate::NONE,
            }
        }
    }
}

/// Why a run cannot say: a session metric of a run that saw messages only.
const NO_SESSIONS: &str = "this run saw messages, not sessions";
/// Why a run cannot say: a load figure of a run that was not a load.
const NO_LOAD: &str = "only simsms load measures this";

/// The observed value, or why this run cannot observe it.
fn observation(
    sc: &Scenario,
    results: &RunResults,
    e: &Expectation,
) -> Result<Estimate, &'static str> {
    if let ExpectMetric::Load(metric) = e.metric {
        // A load that measured nothing of it (no receipts, say) is measured
        // and undefined, so it fails: a dead endpoint must not pass.
        let measurement = results
            .measurement
            .as_ref()
            .filter(|m| m.load.is_some())
            .ok_or(NO_LOAD)?;
        return Ok(measurement
            .load_metric(metric)
            .map_or(Estimate::NONE, Estimate::exact));
    }
    let no_sessions = e.metric.is_session_level()
        && [Some(e.alternative), e.compared_to]
            .into_iter()
            .flatten()
            .filter_map(|v| results.reports.get(v).and_then(Option::as_ref))
            .any(messages_only);
    match no_sessions {
        true => Err(NO_SESSIONS),
        false => Ok(observe(sc, results, e)),
    }
}

fn verdict(sc: &Scenario, results: &RunResults, e: &Expectation) -> Verdict {
    let observation = observation(sc, results, e);
    let observed = observation.unwrap_or(Estimate::NONE);
    let (lo, hi) = if e.whole_interval {
        (observed.low, observed.high)
    } else {
        (observed.value, observed.value)
    };
    let mut passed = observed.is_defined();
    let mut bounds = Vec::new();
    let unit = Unit::of(e.metric, e.compared_to.is_some());
    let is_time = unit == Unit::Seconds;
    let unit = if is_time { "s" } else { "" };
    if let Some(min) = e.min {
        passed &= lo >= min;
        bounds.push(format!(">= {min}{unit}"));
    }
    if let Some(max) = e.max {
        passed &= hi <= max;
        bounds.push(format!("<= {max}{unit}"));
    }
    let mode = if e.whole_interval {
        "whole 95% interval"
    } else {
        "point estimate"
    };
    Verdict {
        label: e.label.clone(),
        observed,
        bound: format!("{} ({mode})", bounds.join(" and ")),
        min: e.min,
        max: e.max,
        passed,
        measured: observation.is_ok(),
        why_unmeasured: observation.err().unwrap_or(""),
        unit: Unit::of(e.metric, e.compared_to.is_some()),
    }
}
