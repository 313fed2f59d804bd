//! Synthetic-truth tests of the latency fits.

use super::*;
use crate::distribution::Distribution;
use crate::stats::Quantile;
use rand_distr::{Distribution as _, Exp, LogNormal};

fn rng(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

/// Log-normal values with this median and p99, in seconds.
fn log_normal(median: f64, p99: f64, n: usize, seed: u64) -> Vec<f64> {
    let sigma = (p99 / median).ln() / Z_P99;
    let d = LogNormal::new(median.ln(), sigma).unwrap();
    let mut r = rng(seed);
    (0..n).map(|_| d.sample(&mut r)).collect()
}

fn covers(e: &Estimate, truth: f64) -> bool {
    e.low <= truth && truth <= e.high
}

/// A scenario whose domestic route latency is `dist` (rendered TOML).
fn parse_route_latency(dist: &str) -> Distribution {
    let text = format!(
        "[scenario]\nname = \"s\"\nduration = \"10m\"\n[traffic]\nrate = \"10/s\"\n\
         [providers.p]\nroute = \"domestic\"\n[routing]\npolicy = \"single\"\nprovider = \"p\"\n\
         [carriers.a]\nshare = 1.0\n[routes.domestic]\nlatency = {dist}\n"
    );
    let scenario = crate::scenario::parse(&text, "fitted.toml")
        .unwrap_or_else(|e| panic!("{dist} does not parse: {e}"));
    scenario.routes[0][0].latency.clone()
}

#[test]
fn log_normal_data_recovers_median_and_p99_and_log_normal_wins() {
    let mut values = log_normal(3.0, 30.0, 5_000, 1);
    let fit = fit(&mut values).unwrap();
    assert_eq!(fit.count, 5_000);
    assert!(covers(&fit.quantiles[Quantile::P50], 3.0), "{fit:?}");
    assert!(covers(&fit.quantiles[Quantile::P99], 30.0), "{fit:?}");
    let best = fit.best().unwrap();
    assert_eq!(best.model.name(), "log-normal");
    let (median, p99) = best.model.median_p99();
    assert!(covers(&fit.quantiles[Quantile::P50], median), "{median}");
    assert!(covers(&fit.quantiles[Quantile::P99], p99), "{p99}");
    let exponential = fit.exponential.unwrap();
    assert!(best.ks_d < exponential.ks_d / 3.0, "{fit:?}");
    assert!(exponential.ks_p < KS_LEVEL);
    assert!(fit.use_parametric, "{fit:?}");
    assert!(fit.scenario_toml().starts_with("{ median = "));
}

#[test]
fn exponential_data_chooses_exponential() {
    let d = Exp::new(1.0 / 10.0).unwrap();
    let mut r = rng(2);
    let mut values: Vec<f64> = (0..5_000).map(|_| d.sample(&mut r)).collect();
    let fit = fit(&mut values).unwrap();
    let best = fit.best().unwrap();
    let Parametric::Exponential { mean } = best.model else {
        panic!("{fit:?}")
    };
    // sd of the mean: 10/√5000 = 0.14.
    assert!((mean - 10.0).abs() < 0.5, "{mean}");
    assert!(fit.use_parametric, "{fit:?}");
    assert!(fit.log_normal.unwrap().ks_p < KS_LEVEL, "{fit:?}");
    assert!(fit.scenario_toml().starts_with("{ mean = "));
}

#[test]
fn values_within_a_millisecond_are_fixed() {
    let mut r = rng(3);
    let mut values: Vec<f64> = (0..1_000)
        .map(|_| 2.5 + 0.0008 * r.random::<f64>())
        .collect();
    let fit = fit(&mut values).unwrap();
    assert_eq!(fit.best().unwrap().model.name(), "fixed");
    assert!(fit.use_parametric);
    assert_eq!(fit.scenario_toml(), "{ fixed = \"2.5s\" }");
    assert_eq!(
        parse_route_latency(&fit.scenario_toml()),
        Distribution::Fixed(2_500_000_000)
    );
    // Exactly constant: no log-normal, and the table is one atom.
    let mut same = vec![4.0; 100];
    let fit = super::fit(&mut same).unwrap();
    assert!(fit.log_normal.is_none());
    assert_eq!(fit.table, vec![(4.0, 1.0)]);
}

#[test]
fn a_mixture_rejects_every_shape_and_uses_the_table() {
    let mut values = log_normal(1.0, 2.0, 2_500, 4);
    values.extend(log_normal(30.0, 60.0, 2_500, 5));
    let fit = fit(&mut values).unwrap();
    assert!(fit.fixed.is_none());
    assert!(fit.log_normal.unwrap().ks_p < KS_LEVEL, "{fit:?}");
    assert!(fit.exponential.unwrap().ks_p < KS_LEVEL, "{fit:?}");
    assert!(!fit.use_parametric);
    assert!(fit.scenario_toml().starts_with("{ table = [["));
    // The table follows the data: within the spacing of its rows (0.1).
    let sorted = values.clone();
    let xs = chart_xs(&fit, &sorted, 50);
    for p in cdf_at(&fit, &sorted, &xs) {
        assert!((p.table - p.empirical).abs() < 0.1, "{p:?}");
    }
}

#[test]
fn the_table_is_a_valid_scenario_distribution_and_parses_back() {
    let mut values = log_normal(3.0, 30.0, 20_000, 6);
    let fit = fit(&mut values).unwrap();
    let rows = &fit.table;
    assert!(rows.len() <= 20 && rows.len() >= 10, "{rows:?}");
    assert_eq!(rows[0].0, (fit.min * 1000.0).round() / 1000.0);
    assert!(rows[0].1 > 0.0 && rows[0].1 < 0.01, "atom {rows:?}");
    assert_eq!(
        rows.last().unwrap(),
        &((fit.max * 1000.0).round() / 1000.0, 1.0)
    );
    assert!(rows.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1));
    let text = fit.table_toml();
    let Distribution::Empirical { points } = parse_route_latency(&text) else {
        panic!("{text}")
    };
    assert_eq!(points.len(), rows.len());
    for ((nanos, p), (v, q)) in points.iter().zip(rows) {
        assert_eq!(*nanos, (v * 1e9).round() as u64, "{text}");
        assert!((p - q).abs() < 1e-6, "{text}");
    }
    // The parametric shapes parse back to the fitted parameters (to ms).
    let best = fit.best().unwrap().model;
    let Parametric::LogNormal { mu, sigma } = best else {
        panic!("{best:?}")
    };
    let Distribution::LogNormal { mu: m, sigma: s } = parse_route_latency(&best.to_toml()) else {
        panic!("{}", best.to_toml())
    };
    assert!((m - (mu + 1e9f64.ln())).abs() < 1e-3 && (s - sigma).abs() < 1e-3);
    let exp = fit.exponential.unwrap().model;
    assert!(matches!(
        parse_route_latency(&exp.to_toml()),
        Distribution::Exponential { .. }
    ));
}

#[test]
fn zeros_negatives_and_nan_do_not_break_the_fits() {
    let mut values = log_normal(2.0, 20.0, 900, 7);
    values.extend([0.0; 90]);
    values.extend([-0.5; 10]);
    values.extend([f64::NAN, f64::INFINITY]);
    let fit = fit(&mut values).unwrap();
    assert_eq!((fit.count, fit.dropped, fit.raised_to_zero), (1_000, 2, 10));
    assert_eq!(fit.min, 0.0);
    let Parametric::LogNormal { mu, sigma } = fit.log_normal.unwrap().model else {
        panic!()
    };
    assert!(mu.is_finite() && sigma.is_finite() && sigma > 0.0);
    // 10% of the data sits at 0, where a log-normal has no mass.
    assert!(fit.log_normal.unwrap().ks_d >= 0.1, "{fit:?}");
    assert!(!fit.use_parametric);
    assert_eq!(fit.table[0], (0.0, 0.1));
    assert!(super::fit(&mut [f64::NAN]).is_none());
}

#[test]
fn quantile_intervals_cover_the_truth_about_95_times_in_100() {
    // Binomial(100, 0.95) is below 89 with probability 0.4%; fixed seeds.
    let truth = [
        (Quantile::P50, 3.0),
        (Quantile::P90, 3.0 * (1.2816 * 0.99f64).exp()),
    ];
    let mut hits = [0; 2];
    for seed in 0..100 {
        let mut values = log_normal(3.0, 3.0 * (Z_P99 * 0.99f64).exp(), 1_000, 100 + seed);
        let fit = fit(&mut values).unwrap();
        for (i, (q, t)) in truth.iter().enumerate() {
            hits[i] += covers(&fit.quantiles[*q], *t) as u32;
        }
    }
    eprintln!(
        "quantile coverage: p50 {}/100, p90 {}/100",
        hits[0], hits[1]
    );
    assert!(hits.iter().all(|h| *h >= 89), "{hits:?}");
}

#[test]
fn a_small_sample_leaves_the_tail_quantile_unbounded() {
    let mut values: Vec<f64> = (1..=20).map(f64::from).collect();
    let fit = fit(&mut values).unwrap();
    let p99 = fit.quantiles[Quantile::P99];
    assert_eq!(p99.value, 20.0);
    assert!(p99.high.is_infinite());
    let p50 = fit.quantiles[Quantile::P50];
    assert_eq!(p50.value, 10.0);
    assert!(p50.low >= 5.0 && p50.high <= 16.0, "{p50:?}");
}

#[test]
fn kolmogorov_p_matches_the_known_critical_values() {
    // The asymptotic 5% and 1% points: √n·D = 1.358 and 1.628.
    let n = 1_000_000;
    let at = |lambda: f64| kolmogorov_p(lambda / (n as f64).sqrt(), n);
    assert!((at(1.358) - 0.05).abs() < 1e-3, "{}", at(1.358));
    assert!((at(1.628) - 0.01).abs() < 1e-3, "{}", at(1.628));
    assert!((at(1.0) - 0.27).abs() < 1e-2, "{}", at(1.0));
    // The two series agree where they meet.
    assert!((at(1.1799) - at(1.1801)).abs() < 1e-3);
    assert_eq!(at(0.1), 1.0);
}

#[test]
fn chart_points_rise_from_zero_to_one() {
    let mut values = log_normal(3.0, 30.0, 2_000, 8);
    let fit = fit(&mut values).unwrap();
    let xs = chart_xs(&fit, &values, 40);
    assert!(xs.windows(2).all(|w| w[0] < w[1]));
    let points = cdf_at(&fit, &values, &xs);
    assert_eq!(points.last().unwrap().empirical, 1.0);
    // The table's last row is the maximum rounded to the millisecond.
    assert!(points.last().unwrap().table > 0.9999);
    assert!(points.windows(2).all(|w| {
        w[0].empirical <= w[1].empirical
            && w[0].log_normal.unwrap() <= w[1].log_normal.unwrap()
            && w[0].exponential.unwrap() <= w[1].exponential.unwrap()
    }));
    assert!(points.iter().all(|p| p.fixed.is_none()));
}

#[test]
fn the_reservoir_keeps_a_bounded_uniform_sample() {
    let mut reservoir = Reservoir::new(1_000);
    for i in 0..100_000 {
        reservoir.push(i as f64);
    }
    assert_eq!(reservoir.seen(), 100_000);
    let sample = reservoir.values_mut();
    assert_eq!(sample.len(), 1_000);
    // Uniform on 0..100,000: mean 50,000, sd of the mean 28,868/√1000 = 913.
    let mean = sample.iter().sum::<f64>() / 1_000.0;
    assert!((mean - 50_000.0).abs() < 3_000.0, "{mean}");
}

#[test]
fn merged_reservoirs_weigh_each_stream_by_what_it_saw() {
    // Shard a saw 30,000 values of 0, shard b 10,000 values of 1: a
    // uniform sample of both holds 25% ones.
    let (mut a, mut b) = (Reservoir::new(2_000), Reservoir::new(2_000));
    (0..30_000).for_each(|_| a.push(0.0));
    (0..10_000).for_each(|_| b.push(1.0));
    a.merge(&b);
    assert_eq!(a.seen(), 40_000);
    let sample = a.values_mut();
    assert_eq!(sample.len(), 2_000);
    // sd of the share: √(0.25·0.75/2000)·√(1 − 2000/40000) ≈ 0.0094.
    let ones = sample.iter().sum::<f64>() / 2_000.0;
    assert!((ones - 0.25).abs() < 0.04, "{ones}");
    // Small reservoirs that never filled keep every value.
    let (mut c, mut d) = (Reservoir::new(100), Reservoir::new(100));
    (0..10).for_each(|i| c.push(i as f64));
    (0..20).for_each(|i| d.push(i as f64));
    c.merge(&d);
    assert_eq!(c.values_mut().len(), 30);
}

#[test]
fn durations_render_to_the_millisecond() {
    assert_eq!(duration_text(3.0), "3s");
    assert_eq!(duration_text(0.25), "0.25s");
    assert_eq!(duration_text(12.3456), "12.346s");
    assert_eq!(duration_text(0.0004), "0s");
    assert_eq!(probability_text(1.0), "1.0");
    assert_eq!(probability_text(0.1234567), "0.123457");
}

#[test]
fn the_table_sits_closer_to_the_data_than_a_rejected_shape() {
    // A mixture no single shape fits: the table follows it within the
    // spacing of its rows (0.1), and closer than the best shape.
    let mut values = log_normal(1.0, 3.0, 5_000, 7);
    values.extend(log_normal(60.0, 200.0, 5_000, 8));
    let fit = fit(&mut values).unwrap();
    let table_d = fit.table_ks_d(&values);
    let best = fit.best().unwrap().ks_d;
    assert!(!fit.use_parametric);
    assert!(table_d < 0.1, "table D {table_d}");
    assert!(table_d < best, "table D {table_d}, best shape D {best}");
    // The same distance the chart's points show, at the sample's values.
    let xs = chart_xs(&fit, &values, 2_000);
    let largest = cdf_at(&fit, &values, &xs)
        .iter()
        .map(|p| (p.table - p.empirical).abs())
        .fold(0.0, f64::max);
    assert!((largest - table_d).abs() < 0.01, "{largest} vs {table_d}");
}
