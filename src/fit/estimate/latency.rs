//! Latency from send to final state: the empirical table a scenario's
//! `table` distribution takes, the maximum-likelihood log-normal,
//! exponential and fixed fits, how well each fits (Kolmogorov–Smirnov),
//! which one the fitted scenario should use, the data's p50/p90/p99/p99.9
//! with 95% intervals, and the CDF points the report charts.
//!
//! Method: the values are sorted once, in place ([`fit`] takes
//! `&mut [f64]`): exact quantiles, exact KS statistics and the table all
//! need the order statistics, and sorting the caller's buffer costs no
//! copy. Memory is bounded upstream by a [`Reservoir`] (a uniform sample
//! of at most `RESERVOIR_CAPACITY` values per provider × carrier), which
//! keeps every estimator unbiased; the intervals then rest on the
//! reservoir's size, which they report. The parametric fits are maximum
//! likelihood (closed forms); the choice among them is the smallest KS
//! distance D, a statistic that needs no binning and reads as "the largest
//! gap between the fitted and the observed CDF". The best fit is used when
//! its KS test does not reject at 5%; otherwise the table is. The KS
//! p-value is Kolmogorov's asymptotic one: with parameters estimated from
//! the same data it is conservative (rejects less than 5% of true fits),
//! and with millions of values real data rejects every simple shape, so
//! large samples end up with the table, which is then accurate.
//!
//! Zeros: a log-normal has no mass at 0, so values below 1 ms (the
//! scenario's duration resolution) enter the log-normal fit as 1 ms; the
//! KS distance still compares the fit with the data as it is, so a heap of
//! zeros shows as a large D. Negative latencies (clocks that disagree) are
//! counted in `raised_to_zero` and taken as 0; values that are not finite
//! are counted in `dropped` and left out.

use crate::distribution::Z_P99;
use crate::stats::{ByQuantile, Estimate};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// The scenario's duration resolution, in seconds: table values and
/// rendered durations are rounded to it.
pub const RESOLUTION_S: f64 = 0.001;
/// Most values a [`Reservoir`] keeps by default (8 MiB of f64).
pub const RESERVOIR_CAPACITY: usize = 1 << 20;
/// Cumulative probabilities the table's rows sit at, between the minimum
/// (first row, an atom) and the maximum (last row, probability 1): at most
/// 17 rows, denser in the tail where time to code is decided.
pub const TABLE_LEVELS: [f64; 15] = [
    0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999,
];
/// A KS p-value below this rejects the fit.
pub const KS_LEVEL: f64 = 0.05;
const Z_975: f64 = 1.959_963_984_540_054;

/// A fitted shape, in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Parametric {
    Fixed {
        value: f64,
    },
    /// ln(X) ~ Normal(mu, sigma), X in seconds.
    LogNormal {
        mu: f64,
        sigma: f64,
    },
    Exponential {
        mean: f64,
    },
}

/// A fitted shape and how well it fits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fitted {
    pub model: Parametric,
    /// Kolmogorov–Smirnov distance: the largest gap between the fitted and
    /// the empirical CDF.
    pub ks_d: f64,
    /// Asymptotic KS p-value (conservative with fitted parameters).
    pub ks_p: f64,
}

/// Everything estimated from one provider × carrier's latencies.
#[derive(Debug, Clone, PartialEq)]
pub struct LatencyFit {
    /// Values used (finite ones).
    pub count: usize,
    /// Values left out because they were not finite.
    pub dropped: usize,
    /// Negative values taken as 0.
    pub raised_to_zero: usize,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    /// The data's quantiles (the smallest value with at least that share at
    /// or below it) with 95% order-statistic intervals. A bound the sample
    /// is too small to give is 0 (low) or infinity (high).
    pub quantiles: ByQuantile<Estimate>,
    /// (seconds, cumulative probability) rows for the scenario's `table`:
    /// rising in both, the first an atom at the minimum, the last at the
    /// maximum with probability 1, values rounded to the millisecond.
    pub table: Vec<(f64, f64)>,
    /// Only when every value is within 1 ms of the others: then it is the
    /// shape (D = 0 at the scenario's resolution) and the others are moot.
    pub fixed: Option<Fitted>,
    /// None when every value is the same.
    pub log_normal: Option<Fitted>,
    /// None when every value is 0.
    pub exponential: Option<Fitted>,
    /// Whether the best parametric fit passes its KS test at 5% (else the
    /// fitted scenario uses the table).
    pub use_parametric: bool,
}

/// One point of the report's CDF chart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CdfPoint {
    pub x: f64,
    pub empirical: f64,
    pub table: f64,
    pub fixed: Option<f64>,
    pub log_normal: Option<f64>,
    pub exponential: Option<f64>,
}

/// Fits everything from `values` (seconds), sorting them in place: after
/// the call `values[..fit.count]` is the sorted finite sample, which
/// [`cdf_at`] and [`chart_xs`] take. None when no value is finite.
pub fn fit(values: &mut [f64]) -> Option<LatencyFit> {
    let mut raised_to_zero = 0;
    for v in values.iter_mut() {
        if *v < 0.0 {
            *v = 0.0;
            raised_to_zero += 1;
        }
    }
    values.sort_unstable_by(f64::total_cmp);
    let count = values.partition_point(|v| v.is_finite());
    let x = &values[..count];
    if x.is_empty() {
        return None;
    }
    let n = count as f64;
    let (min, max) = (x[0], x[count - 1]);
    let mean = x.iter().sum::<f64>() / n;
    let fixed = (max - min <= RESOLUTION_S + 1e-12).then(|| Fitted {
        model: Parametric::Fixed {
            value: quantile(x, 0.5),
        },
        ks_d: 0.0,
        ks_p: 1.0,
    });
    let log_normal = (max > min)
        .then(|| log_normal_mle(x))
        .flatten()
        .map(|model| goodness(x, model));
    let exponential = (mean > 0.0).then(|| goodness(x, Parametric::Exponential { mean }));
    let mut result = LatencyFit {
        count,
        dropped: values.len() - count,
        raised_to_zero,
        min,
        max,
        mean,
        quantiles: ByQuantile::from_fn(|q| quantile_interval(x, q.fraction())),
        table: table(x),
        fixed,
        log_normal,
        exponential,
        use_parametric: false,
    };
    result.use_parametric = result.best().is_some_and(|b| b.ks_p >= KS_LEVEL);
    Some(result)
}

impl LatencyFit {
    /// The parametric fit with the smallest KS distance (fixed when it is
    /// a candidate at all).
    pub fn best(&self) -> Option<&Fitted> {
        if let Some(fixed) = &self.fixed {
            return Some(fixed);
        }
        [&self.log_normal, &self.exponential]
            .into_iter()
            .flatten()
            .min_by(|a, b| a.ks_d.total_cmp(&b.ks_d))
    }

    /// What the fitted scenario writes for this latency: the best
    /// parametric fit when it passes its KS test, else the table.
    pub fn scenario_toml(&self) -> String {
        match self.best() {
            Some(best) if self.use_parametric => best.model.to_toml(),
            _ => self.table_toml(),
        }
    }

    /// The table as a scenario distribution: `{ table = [["1.2s", 0.1], ...] }`.
    pub fn table_toml(&self) -> String {
        let rows: Vec<String> = self
            .table
            .iter()
            .map(|(v, p)| format!("[\"{}\", {}]", duration_text(*v), probability_text(*p)))
            .collect();
        format!("{{ table = [{}] }}", rows.join(", "))
    }

    /// The table's KS distance from the data (`sorted` as [`fit`] left
    /// it), to set beside the parametric fits' (the table is not tested: it
    /// follows the data by construction, up to its rows and rounding).
    pub fn table_ks_d(&self, sorted: &[f64]) -> f64 {
        ks_distance(&sorted[..self.count.min(sorted.len())], |v| {
            self.table_cdf(v)
        })
    }

    /// The table's piecewise-linear CDF at `x` (as the scenario samples it).
    pub fn table_cdf(&self, x: f64) -> f64 {
        let rows = &self.table;
        if x < rows[0].0 {
            return 0.0;
        }
        for pair in rows.windows(2) {
            let ((a, pa), (b, pb)) = (pair[0], pair[1]);
            if x < b {
                return pa + (pb - pa) * (x - a) / (b - a);
            }
        }
        1.0
    }
}

impl Parametric {
    pub fn name(&self) -> &'static str {
        match self {
            Parametric::Fixed { .. } => "fixed",
            Parametric::LogNormal { .. } => "log-normal",
            Parametric::Exponential { .. } => "exponential",
        }
    }

    pub fn cdf(&self, x: f64) -> f64 {
        match *self {
            Parametric::Fixed { value } => (x >= value) as u8 as f64,
            Parametric::LogNormal { mu, sigma } if x > 0.0 => normal_cdf((x.ln() - mu) / sigma),
            Parametric::LogNormal { .. } => 0.0,
            Parametric::Exponential { mean } => 1.0 - (-x.max(0.0) / mean).exp(),
        }
    }

    /// The fitted median and 99th percentile, in seconds.
    pub fn median_p99(&self) -> (f64, f64) {
        match *self {
            Parametric::Fixed { value } => (value, value),
            Parametric::LogNormal { mu, sigma } => (mu.exp(), (mu + Z_P99 * sigma).exp()),
            Parametric::Exponential { mean } => (mean * 2f64.ln(), mean * 100f64.ln()),
        }
    }

    /// As a scenario writes it: `{ fixed = "3s" }`, `{ median = "3s", p99 =
    /// "30s" }` or `{ mean = "10s" }`, durations rounded to the millisecond.
    pub fn to_toml(&self) -> String {
        match *self {
            Parametric::Fixed { value } => format!("{{ fixed = \"{}\" }}", duration_text(value)),
            Parametric::LogNormal { .. } => {
                let (median, p99) = self.median_p99();
                format!(
                    "{{ median = \"{}\", p99 = \"{}\" }}",
                    duration_text(median),
                    duration_text(p99)
                )
            }
            Parametric::Exponential { mean } => {
                format!("{{ mean = \"{}\" }}", duration_text(mean))
            }
        }
    }
}

/// A duration in seconds as the scenario parser reads it, to the
/// millisecond: "3s", "0.25s", "12.345s".
pub fn duration_text(seconds: f64) -> String {
    let ms = (seconds.max(0.0) / RESOLUTION_S).round() as u64;
    match ms % 1000 {
        0 => format!("{}s", ms / 1000),
        frac => {
            let digits = format!("{frac:03}");
            format!("{}.{}s", ms / 1000, digits.trim_end_matches('0'))
        }
    }
}

/// A probability with six decimals at most and always a decimal point (so
/// TOML reads a float).
fn probability_text(p: f64) -> String {
    let text = format!("{}", (p * 1e6).round() / 1e6);
    if text.contains('.') {
        text
    } else {
        text + ".0"
    }
}

/// The empirical CDF, the table's and each fit's at every `xs`; `sorted`
/// is the slice [`fit`] sorted (only its first `fit.count` values count).
pub fn cdf_at(fit: &LatencyFit, sorted: &[f64], xs: &[f64]) -> Vec<CdfPoint> {
    let x = &sorted[..fit.count.min(sorted.len())];
    let at = |f: &Option<Fitted>, v: f64| f.as_ref().map(|f| f.model.cdf(v));
    xs.iter()
        .map(|&v| CdfPoint {
            x: v,
            empirical: x.partition_point(|s| *s <= v) as f64 / x.len().max(1) as f64,
            table: fit.table_cdf(v),
            fixed: at(&fit.fixed, v),
            log_normal: at(&fit.log_normal, v),
            exponential: at(&fit.exponential, v),
        })
        .collect()
}

/// `points + 1` chart abscissas at evenly spaced shares of the sorted
/// sample (its minimum to its maximum), without repeats.
pub fn chart_xs(fit: &LatencyFit, sorted: &[f64], points: usize) -> Vec<f64> {
    let x = &sorted[..fit.count.min(sorted.len())];
    let mut xs: Vec<f64> = (0..=points.max(1))
        .map(|i| quantile(x, i as f64 / points.max(1) as f64))
        .collect();
    xs.dedup();
    xs
}

/// The smallest value with at least a share `q` of the sample at or below
/// it (the minimum for q = 0).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The sample quantile with a 95% interval between two order statistics:
/// the number of values below the true quantile is Binomial(n, q), so
/// ranks nq ∓ 1.96·√(nq(1 − q)) bracket it (normal approximation, rounded
/// outwards).
fn quantile_interval(sorted: &[f64], q: f64) -> Estimate {
    let n = sorted.len() as f64;
    let half = Z_975 * (n * q * (1.0 - q)).sqrt();
    let low_rank = (n * q - half).floor();
    let high_rank = (n * q + half).ceil() + 1.0;
    Estimate {
        value: quantile(sorted, q),
        low: if low_rank >= 1.0 {
            sorted[low_rank as usize - 1]
        } else {
            0.0
        },
        high: if high_rank <= n {
            sorted[high_rank as usize - 1]
        } else {
            f64::INFINITY
        },
    }
}

/// The table's rows: the minimum with its atom, the sample quantiles at
/// `TABLE_LEVELS`, the maximum at 1; values rounded to the millisecond and
/// each row's probability the empirical CDF at its rounded value, so rows
/// with the same value merge.
fn table(sorted: &[f64]) -> Vec<(f64, f64)> {
    let n = sorted.len() as f64;
    let round = |v: f64| (v / RESOLUTION_S).round() * RESOLUTION_S;
    // Share of values that round to `v` or below.
    let ecdf = |v: f64| sorted.partition_point(|s| round(*s) <= v + RESOLUTION_S / 4.0) as f64 / n;
    let mut values = vec![round(sorted[0])];
    values.extend(TABLE_LEVELS.iter().map(|&q| round(quantile(sorted, q))));
    values.push(round(sorted[sorted.len() - 1]));
    values.dedup_by(|b, a| (*b - *a).abs() < RESOLUTION_S / 2.0);
    let mut rows: Vec<(f64, f64)> = values.into_iter().map(|v| (v, ecdf(v))).collect();
    if let Some(last) = rows.last_mut() {
        last.1 = 1.0;
    }
    rows
}

/// μ and σ of ln(max(x, 1 ms)); None when σ is 0.
fn log_normal_mle(sorted: &[f64]) -> Option<Parametric> {
    let n = sorted.len() as f64;
    let logs = sorted.iter().map(|v| v.max(RESOLUTION_S).ln());
    let mu = logs.clone().sum::<f64>() / n;
    let sigma = (logs.map(|l| (l - mu).powi(2)).sum::<f64>() / n).sqrt();
    (sigma > 0.0).then_some(Parametric::LogNormal { mu, sigma })
}

/// The largest gap between `cdf` and the empirical CDF of the sorted
/// sample (the Kolmogorov–Smirnov distance).
fn ks_distance(sorted: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    let n = sorted.len() as f64;
    let mut d: f64 = 0.0;
    for (i, &v) in sorted.iter().enumerate() {
        let f = cdf(v);
        d = d.max((i + 1) as f64 / n - f).max(f - i as f64 / n);
    }
    d
}

/// The KS distance of `model` from the sorted sample, and its p-value.
fn goodness(sorted: &[f64], model: Parametric) -> Fitted {
    let d = ks_distance(sorted, |v| model.cdf(v));
    Fitted {
        model,
        ks_d: d,
        ks_p: kolmogorov_p(d, sorted.len()),
    }
}

/// P(D_n > d) for the one-sample KS statistic, by Kolmogorov's limit with
/// Stephens' small-sample correction λ = (√n + 0.12 + 0.11/√n)·d.
pub fn kolmogorov_p(d: f64, n: usize) -> f64 {
    let root = (n as f64).sqrt();
    let lambda = (root + 0.12 + 0.11 / root) * d;
    if lambda < 0.2 {
        return 1.0;
    }
    if lambda < 1.18 {
        // The theta-function form converges fast for small λ.
        let c = std::f64::consts::PI.powi(2) / (8.0 * lambda * lambda);
        let s: f64 = (1..=6)
            .map(|j| (-((2 * j - 1) as f64).powi(2) * c).exp())
            .sum();
        return (1.0 - (2.0 * std::f64::consts::PI).sqrt() / lambda * s).clamp(0.0, 1.0);
    }
    let sum: f64 = (1..=100)
        .map(|j| {
            let sign = if j % 2 == 1 { 1.0 } else { -1.0 };
            sign * (-2.0 * (j * j) as f64 * lambda * lambda).exp()
        })
        .sum();
    (2.0 * sum).clamp(0.0, 1.0)
}

/// Standard normal CDF through erfc (Numerical Recipes' Chebyshev fit,
/// relative error below 1.2e-7: far below any KS distance that matters).
fn normal_cdf(z: f64) -> f64 {
    let x = -z / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.5 * x.abs());
    let poly = -x * x - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let erfc = t * poly.exp();
    let erfc = if x >= 0.0 { erfc } else { 2.0 - erfc };
    erfc / 2.0
}

/// A uniform sample of at most `capacity` values from a stream of any
/// length (Vitter's algorithm R, seeded, so the same input keeps the same
/// sample): what the collector keeps per provider × carrier so memory stays
/// bounded however many records stream by.
#[derive(Debug, Clone)]
pub struct Reservoir {
    values: Vec<f64>,
    capacity: usize,
    seen: u64,
    rng: Xoshiro256PlusPlus,
}

impl Reservoir {
    pub fn new(capacity: usize) -> Reservoir {
        Reservoir {
            values: Vec::new(),
            capacity: capacity.max(1),
            seen: 0,
            rng: Xoshiro256PlusPlus::seed_from_u64(0x5eed_1a7e),
        }
    }

    pub fn push(&mut self, value: f64) {
        self.seen += 1;
        if self.values.len() < self.capacity {
            self.values.push(value);
        } else {
            let slot = self.rng.random_range(0..self.seen);
            if (slot as usize) < self.capacity {
                self.values[slot as usize] = value;
            }
        }
    }

    /// Joins another reservoir's sample (a shard's) so the result is a
    /// uniform sample of both streams together: each kept value comes from
    /// `self` or `other` in proportion to what each has seen and not yet
    /// given (sequential draws without replacement, so the split between
    /// the two is exactly hypergeometric when both have the same capacity;
    /// a smaller `other` that runs out leaves the rest to `self`).
    pub fn merge(&mut self, other: &Reservoir) {
        let mut mine = std::mem::take(&mut self.values);
        let mut theirs = other.values.clone();
        let (mut mine_left, mut theirs_left) = (self.seen, other.seen);
        let keep = self.capacity.min(mine.len() + theirs.len());
        let mut merged = Vec::with_capacity(keep);
        while merged.len() < keep {
            let from_mine = match (mine.is_empty(), theirs.is_empty()) {
                (false, true) => true,
                (true, false) => false,
                _ => self.rng.random_range(0..mine_left + theirs_left) < mine_left,
            };
            let (pool, left) = match from_mine {
                true => (&mut mine, &mut mine_left),
                false => (&mut theirs, &mut theirs_left),
            };
            let pick = self.rng.random_range(0..pool.len());
            merged.push(pool.swap_remove(pick));
            *left -= 1;
        }
        self.values = merged;
        self.seen += other.seen;
    }

    /// A reservoir holding `values`, a uniform sample of `seen` values (as
    /// a shard's partial result stores it).
    pub fn from_sample(mut values: Vec<f64>, seen: u64, capacity: usize) -> Reservoir {
        let mut r = Reservoir::new(capacity);
        values.truncate(r.capacity);
        r.seen = seen.max(values.len() as u64);
        r.values = values;
        r
    }

    /// The sample and how many values it stands for.
    pub fn into_sample(self) -> (Vec<f64>, u64) {
        (self.values, self.seen)
    }

    /// How many values were pushed (the sample holds at most `capacity`).
    pub fn seen(&self) -> u64 {
        self.seen
    }

    /// The sample, for [`fit`] to sort.
    pub fn values_mut(&mut self) -> &mut [f64] {
        &mut self.values
    }
}

#[cfg(test)]
#[path = "latency_tests.rs"]
mod tests;
