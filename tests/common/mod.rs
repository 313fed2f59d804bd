//! Helpers shared by the integration tests.
#![allow(dead_code)]

use simsms::metrics::Metrics;
use simsms::runner::run_replications;
use simsms::scenario::{Scenario, parse};

pub fn scenario(text: &str) -> Scenario {
    match parse(text, "test.toml") {
        Ok(s) => s,
        Err(e) => panic!("test scenario invalid:\n{e}"),
    }
}

/// Every replication's metrics, in order.
pub fn replications(sc: &Scenario) -> Vec<Metrics> {
    let mut out = Vec::new();
    run_replications(sc, 2, |_, m| out.push(m));
    out
}

pub fn merged(sc: &Scenario) -> Metrics {
    let mut reps = replications(sc).into_iter();
    let mut all = reps.next().expect("one replication");
    for m in reps {
        all.merge(&m);
    }
    all
}

/// z for a two-sided 99.9% interval. Tests use it rather than 95% because
/// each file checks many values; each tolerance is still an interval.
pub const Z999: f64 = 3.290_526_731_491_926;

/// Asserts `expected` lies in the 99.9% Wilson interval of `k` in `n`.
pub fn assert_proportion(what: &str, k: u64, n: u64, expected: f64) {
    assert!(n > 0, "{what}: no trials");
    let z = Z999;
    let nf = n as f64;
    let p = k as f64 / nf;
    let denom = 1.0 + z * z / nf;
    let centre = (p + z * z / (2.0 * nf)) / denom;
    let half = z * (p * (1.0 - p) / nf + z * z / (4.0 * nf * nf)).sqrt() / denom;
    assert!(
        (centre - half..=centre + half).contains(&expected),
        "{what}: observed {p:.6} ({k}/{n}), 99.9% interval [{:.6}, {:.6}] excludes expected {expected:.6}",
        centre - half,
        centre + half
    );
}

/// Two-sided 99.9% Student-t quantile for small degrees of freedom.
pub fn t_9995(df: usize) -> f64 {
    const T: [f64; 20] = [
        636.619, 31.599, 12.924, 8.610, 6.869, 5.959, 5.408, 5.041, 4.781, 4.587, 4.437, 4.318,
        4.221, 4.140, 4.073, 4.015, 3.965, 3.922, 3.883, 3.850,
    ];
    T[(df - 1).min(19)]
}

/// Asserts `expected` lies in the 99.9% t interval of the sample mean.
pub fn assert_mean(what: &str, values: &[f64], expected: f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let half = t_9995(values.len() - 1) * (var / n).sqrt();
    assert!(
        (mean - half..=mean + half).contains(&expected),
        "{what}: mean {mean:.6} ± {half:.6} (99.9%, {} replications) excludes expected {expected:.6}",
        values.len()
    );
}
