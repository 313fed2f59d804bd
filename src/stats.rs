//! Confidence intervals, as `docs/model.md` §10 describes: with two or more
//! replications, a Student-t interval across per-replication values; with
//! one, a Wilson score interval on the pooled count.

/// A point estimate with its 95% confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

impl Estimate {
    pub const NONE: Estimate = Estimate {
        value: f64::NAN,
        low: f64::NAN,
        high: f64::NAN,
    };

    pub fn exact(value: f64) -> Estimate {
        Estimate {
            value,
            low: value,
            high: value,
        }
    }

    pub fn is_defined(&self) -> bool {
        !self.value.is_nan()
    }
}

/// Two-sided 95% Student-t quantile (0.975) for `df` degrees of freedom.
///
/// A table plus interpolation in 1/df is exact to 3 decimals, which is all
/// an interval needs; a statistics crate would pull in a linear-algebra
/// stack for this one function.
pub fn t_975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    const TAIL: [(f64, f64); 4] = [
        (30.0, 2.042),
        (60.0, 2.000),
        (120.0, 1.980),
        (f64::INFINITY, 1.960),
    ];
    match df {
        0 => f64::NAN,
        1..=30 => TABLE[df - 1],
        _ => {
            let x = 1.0 / df as f64;
            for pair in TAIL.windows(2) {
                let (d0, t0) = pair[0];
                let (d1, t1) = pair[1];
                if df as f64 <= d1 {
                    let (x0, x1) = (1.0 / d0, 1.0 / d1);
                    return t1 + (t0 - t1) * (x - x1) / (x0 - x1);
                }
            }
            1.960
        }
    }
}

/// Mean of per-replication values with a t interval.
pub fn mean_interval(values: &[f64]) -> Estimate {
    let n = values.len();
    if n == 0 {
        return Estimate::NONE;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n == 1 {
        return Estimate::exact(mean);
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let half = t_975(n - 1) * (var / n as f64).sqrt();
    Estimate {
        value: mean,
        low: mean - half,
        high: mean + half,
    }
}

/// Wilson score interval for `k` successes in `n` trials.
pub fn wilson(k: u64, n: u64) -> Estimate {
    if n == 0 {
        return Estimate::NONE;
    }
    let z = 1.959_963_984_540_054;
    let nf = n as f64;
    let p = k as f64 / nf;
    let denom = 1.0 + z * z / nf;
    let centre = (p + z * z / (2.0 * nf)) / denom;
    let half = z * (p * (1.0 - p) / nf + z * z / (4.0 * nf * nf)).sqrt() / denom;
    Estimate {
        value: p,
        low: (centre - half).max(0.0),
        high: (centre + half).min(1.0),
    }
}

/// A rate from per-replication `(numerator, denominator)` pairs: the t
/// interval of per-replication rates when two or more replications have
/// data, else Wilson on the pooled count.
pub fn rate_interval(per_rep: &[(u64, u64)]) -> Estimate {
    let rates: Vec<f64> = per_rep
        .iter()
        .filter(|(_, d)| *d > 0)
        .map(|(k, d)| *k as f64 / *d as f64)
        .collect();
    if rates.len() >= 2 {
        let mut e = mean_interval(&rates);
        e.low = e.low.max(0.0);
        e.high = e.high.min(1.0);
        e
    } else {
        let k = per_rep.iter().map(|p| p.0).sum();
        let n = per_rep.iter().map(|p| p.1).sum();
        wilson(k, n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles() {
        assert_eq!(t_975(1), 12.706);
        assert_eq!(t_975(9), 2.262);
        assert!((t_975(1_000_000) - 1.96).abs() < 1e-3);
        assert!((t_975(40) - 2.021).abs() < 2e-3);
    }

    #[test]
    fn wilson_matches_reference_values() {
        // 8 of 10: Wilson 95% interval is [0.490, 0.943].
        let e = wilson(8, 10);
        assert!(
            (e.low - 0.490).abs() < 1e-3 && (e.high - 0.943).abs() < 1e-3,
            "{e:?}"
        );
        let e = wilson(10, 10);
        assert!((e.high - 1.0).abs() < 1e-12);
        assert!(e.low > 0.69 && e.low < 0.73);
    }

    #[test]
    fn mean_interval_of_known_sample() {
        // mean 3, sd 1.5811, n 5: half width 2.776 * 0.7071 = 1.963.
        let e = mean_interval(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert!((e.value - 3.0).abs() < 1e-12);
        assert!((e.high - e.value - 1.963).abs() < 1e-3);
    }
}

/// The percentiles reported for latencies and times to code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quantile {
    P50,
    P90,
    P99,
    P999,
}

impl Quantile {
    pub const ALL: [Quantile; 4] = [Quantile::P50, Quantile::P90, Quantile::P99, Quantile::P999];

    /// As a fraction, e.g. 0.99.
    pub fn fraction(self) -> f64 {
        match self {
            Quantile::P50 => 0.50,
            Quantile::P90 => 0.90,
            Quantile::P99 => 0.99,
            Quantile::P999 => 0.999,
        }
    }

    /// As outputs name it, e.g. `p99.9`.
    pub fn name(self) -> &'static str {
        match self {
            Quantile::P50 => "p50",
            Quantile::P90 => "p90",
            Quantile::P99 => "p99",
            Quantile::P999 => "p99.9",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// One value per reported quantile, indexed by `Quantile`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ByQuantile<T>(pub [T; 4]);

impl<T> ByQuantile<T> {
    pub fn from_fn(f: impl FnMut(Quantile) -> T) -> Self {
        ByQuantile(Quantile::ALL.map(f))
    }

    /// Each quantile with its value, in order.
    pub fn iter(&self) -> impl Iterator<Item = (Quantile, &T)> {
        Quantile::ALL.into_iter().zip(&self.0)
    }
}

impl<T> std::ops::Index<Quantile> for ByQuantile<T> {
    type Output = T;
    fn index(&self, q: Quantile) -> &T {
        &self.0[q.index()]
    }
}

/// The standard normal quantile Φ⁻¹(p), 0 < p < 1, by Acklam's rational
/// approximation (relative error below 1.2e-9: far finer than any
/// interval needs, and no dependency for one function).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let p = p.clamp(1e-300, 1.0 - 1e-16);
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.024_25 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.024_25 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

#[cfg(test)]
mod normal_tests {
    use super::normal_quantile;

    #[test]
    fn normal_quantiles_match_the_tables() {
        for (p, z) in [
            (0.5, 0.0),
            (0.975, 1.959_964),
            (0.995, 2.575_829),
            (0.9995, 3.290_527),
            (0.025, -1.959_964),
            (1e-6, -4.753_424),
        ] {
            assert!((normal_quantile(p) - z).abs() < 1e-5, "p {p}");
        }
    }
}
