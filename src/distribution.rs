//! Latency and duration distributions as people state them (median and p99,
//! fixed, exponential, uniform, an empirical table), and how to sample them:
//! plainly, and length-biased for starting a renewal process in equilibrium.

use crate::units::Nanos;
use rand::Rng;
use rand_distr::{Distribution as _, Exp1, StandardNormal};

/// z-score of the 99th percentile of the standard normal distribution.
pub const Z_P99: f64 = 2.326_347_874_040_841;

/// A non-negative random duration.
#[derive(Debug, Clone, PartialEq)]
pub enum Distribution {
    Fixed(Nanos),
    /// `ln(X) ~ Normal(mu, sigma)`, X in nanoseconds; fitted from median and p99.
    LogNormal {
        mu: f64,
        sigma: f64,
    },
    Exponential {
        mean: f64,
    },
    Uniform {
        min: Nanos,
        max: Nanos,
    },
    /// Piecewise-linear CDF through `(value, cumulative probability)` points;
    /// the first point's probability is an atom at its value.
    Empirical {
        points: Vec<(Nanos, f64)>,
    },
}

impl Distribution {
    pub const ZERO: Distribution = Distribution::Fixed(0);

    /// Log-normal with the given median and 99th percentile (p99 > median).
    pub fn from_median_p99(median: Nanos, p99: Nanos) -> Distribution {
        let mu = (median.max(1) as f64).ln();
        let sigma = ((p99.max(1) as f64).ln() - mu) / Z_P99;
        Distribution::LogNormal { mu, sigma }
    }

    pub fn is_zero(&self) -> bool {
        matches!(self, Distribution::Fixed(0))
    }

    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Nanos {
        match self {
            Distribution::Fixed(v) => *v,
            Distribution::LogNormal { mu, sigma } => {
                let z: f64 = StandardNormal.sample(rng);
                to_nanos((mu + sigma * z).exp())
            }
            Distribution::Exponential { mean } => {
                let e: f64 = Exp1.sample(rng);
                to_nanos(e * mean)
            }
            Distribution::Uniform { min, max } => {
                let u: f64 = rng.random();
                to_nanos(*min as f64 + u * (*max - *min) as f64)
            }
            Distribution::Empirical { points } => {
                let u: f64 = rng.random();
                sample_empirical(points, u)
            }
        }
    }

    /// The mean, in nanoseconds.
    pub fn mean(&self) -> f64 {
        match self {
            Distribution::Fixed(v) => *v as f64,
            Distribution::LogNormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            Distribution::Exponential { mean } => *mean,
            Distribution::Uniform { min, max } => (*min as f64 + *max as f64) / 2.0,
            Distribution::Empirical { points } => {
                let mut mean = points[0].0 as f64 * points[0].1;
                for pair in points.windows(2) {
                    let (a, pa) = pair[0];
                    let (b, pb) = pair[1];
                    mean += (pb - pa) * (a as f64 + b as f64) / 2.0;
                }
                mean
            }
        }
    }

    /// The time left in a period of this distribution observed at a random
    /// instant: a length-biased period times a uniform fraction. This starts
    /// an alternating renewal process in its stationary state.
    pub fn sample_residual<R: Rng + ?Sized>(&self, rng: &mut R) -> Nanos {
        let fraction: f64 = rng.random();
        let biased = match self {
            Distribution::Fixed(v) => *v as f64,
            // Memoryless: the residual has the same law as the whole.
            Distribution::Exponential { .. } => return self.sample(rng),
            Distribution::LogNormal { mu, sigma } => {
                let z: f64 = StandardNormal.sample(rng);
                (mu + sigma * sigma + sigma * z).exp()
            }
            Distribution::Uniform { min, max } => {
                length_biased_on_segment(*min as f64, *max as f64, rng.random())
            }
            Distribution::Empirical { points } => {
                // Weight each piece by probability times mean length.
                let mut weights = Vec::with_capacity(points.len());
                weights.push(points[0].1 * points[0].0 as f64);
                for pair in points.windows(2) {
                    let (a, pa) = pair[0];
                    let (b, pb) = pair[1];
                    weights.push((pb - pa) * (a as f64 + b as f64) / 2.0);
                }
                let total: f64 = weights.iter().sum();
                let mut pick = rng.random::<f64>() * total;
                let mut piece = weights.len() - 1;
                for (i, w) in weights.iter().enumerate() {
                    if pick < *w {
                        piece = i;
                        break;
                    }
                    pick -= w;
                }
                if piece == 0 {
                    points[0].0 as f64
                } else {
                    let a = points[piece - 1].0 as f64;
                    let b = points[piece].0 as f64;
                    length_biased_on_segment(a, b, rng.random())
                }
            }
        };
        to_nanos(biased * fraction)
    }
}

/// Inverse CDF of the density proportional to x on [a, b].
fn length_biased_on_segment(a: f64, b: f64, u: f64) -> f64 {
    (a * a + u * (b * b - a * a)).sqrt()
}

fn sample_empirical(points: &[(Nanos, f64)], u: f64) -> Nanos {
    if u <= points[0].1 {
        return points[0].0;
    }
    for pair in points.windows(2) {
        let (a, pa) = pair[0];
        let (b, pb) = pair[1];
        if u <= pb && pb > pa {
            let t = (u - pa) / (pb - pa);
            return to_nanos(a as f64 + t * (b as f64 - a as f64));
        }
    }
    points[points.len() - 1].0
}

fn to_nanos(x: f64) -> Nanos {
    if x <= 0.0 {
        0
    } else if x >= u64::MAX as f64 {
        u64::MAX
    } else {
        // x is positive here, so adding one half and truncating rounds to
        // nearest; `f64::round` is an out-of-line libm call on this path.
        (x + 0.5) as Nanos
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::NANOS_PER_SEC;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn quantile(dist: &Distribution, q: f64) -> f64 {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let mut xs: Vec<Nanos> = (0..200_000).map(|_| dist.sample(&mut rng)).collect();
        xs.sort_unstable();
        xs[(q * xs.len() as f64) as usize] as f64
    }

    #[test]
    fn lognormal_hits_its_median_and_p99() {
        let d = Distribution::from_median_p99(3 * NANOS_PER_SEC, 30 * NANOS_PER_SEC);
        let median = quantile(&d, 0.5) / 1e9;
        let p99 = quantile(&d, 0.99) / 1e9;
        assert!((median - 3.0).abs() < 0.05, "median {median}");
        assert!((p99 - 30.0).abs() < 1.5, "p99 {p99}");
    }

    #[test]
    fn empirical_interpolates() {
        let d = Distribution::Empirical {
            points: vec![(0, 0.0), (10, 0.5), (20, 1.0)],
        };
        assert_eq!(
            sample_empirical(
                match &d {
                    Distribution::Empirical { points } => points,
                    _ => unreachable!(),
                },
                0.75
            ),
            15
        );
        assert!((d.mean() - 10.0).abs() < 1e-9);
    }

    #[test]
    fn residual_of_fixed_period_is_uniform() {
        let d = Distribution::Fixed(100);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let n = 100_000;
        let mean: f64 = (0..n)
            .map(|_| d.sample_residual(&mut rng) as f64)
            .sum::<f64>()
            / n as f64;
        assert!((mean - 50.0).abs() < 0.5, "mean residual {mean}");
    }

    #[test]
    fn residual_of_uniform_matches_renewal_theory() {
        // E[residual] = E[X^2] / (2 E[X]); for U(0, 60): 60^2/3 / 60 = 20.
        let d = Distribution::Uniform {
            min: 0,
            max: 60_000,
        };
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(2);
        let n = 200_000;
        let mean: f64 = (0..n)
            .map(|_| d.sample_residual(&mut rng) as f64)
            .sum::<f64>()
            / n as f64;
        assert!((mean - 20_000.0).abs() < 150.0, "mean residual {mean}");
    }
}
