//! `simsms sweep`: a grid of `--set KEY=V1,V2,...` values, each point
//! simulated with the scenario's replications, reported as tidy CSV (one row
//! per point × carrier × metric, with its interval) and a compact table.

use crate::report::Report;
use crate::runner::Runner;
use crate::scenario::{LoadError, Scenario, Settings};
use crate::stats::Estimate;
use crate::stats::Quantile;
use crate::units::Human;
use std::sync::Arc;

pub mod effect;

/// Why a swept `--set KEY=V1,V2,...` cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AxisError {
    #[error("--set expects KEY=V1,V2,..., got \"{0}\"")]
    NoEquals(String),
    #[error("--set {key}: empty value in \"{values}\"")]
    EmptyValue { key: String, values: String },
}

/// One swept key and its values, as given on the command line.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub key: String,
    pub values: Vec<String>,
}

impl Axis {
    /// Parses `KEY=V1,V2,...`; commas inside brackets, braces or quotes do
    /// not split (so `[1, 2]` stays one value).
    pub fn parse(text: &str) -> Result<Axis, AxisError> {
        let (key, values) = text
            .split_once('=')
            .ok_or_else(|| AxisError::NoEquals(text.to_string()))?;
        let mut parts = Vec::new();
        let (mut depth, mut quoted, mut current) = (0i32, false, String::new());
        for c in values.chars() {
            match c {
                '"' => quoted = !quoted,
                '[' | '{' if !quoted => depth += 1,
                ']' | '}' if !quoted => depth -= 1,
                ',' if !quoted && depth == 0 => {
                    parts.push(std::mem::take(&mut current).trim().to_string());
                    continue;
                }
                _ => {}
            }
            current.push(c);
        }
        parts.push(current.trim().to_string());
        if parts.iter().any(String::is_empty) {
            return Err(AxisError::EmptyValue {
                key: key.trim().to_string(),
                values: values.to_string(),
            });
        }
        Ok(Axis {
            key: key.trim().to_string(),
            values: parts,
        })
    }
}

/// One grid point's `(key, value)` settings.
pub type PointSettings = Vec<(String, String)>;

/// One grid point's settings and report.
pub struct Point {
    pub settings: Vec<(String, String)>,
    pub scenario: Scenario,
    pub report: Report,
}

/// The cartesian product of the axes, first axis slowest.
pub fn grid(axes: &[Axis]) -> Vec<Vec<(String, String)>> {
    let mut points: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for axis in axes {
        points = points
            .into_iter()
            .flat_map(|p| {
                axis.values.iter().map(move |v| {
                    let mut next = p.clone();
                    next.push((axis.key.clone(), v.clone()));
                    next
                })
            })
            .collect();
    }
    points
}

/// Every point's scenario: `text` with the base settings and the point's
/// values applied. All are validated before anything runs, so a bad value
/// fails first.
pub fn point_scenarios(
    text: &str,
    source: &str,
    axes: &[Axis],
    base: &Settings,
) -> Result<Vec<(PointSettings, Scenario)>, LoadError> {
    grid(axes)
        .into_iter()
        .map(|settings| {
            let mut with = base.clone();
            with.sets
                .extend(settings.iter().map(|(k, v)| format!("{k}={v}")));
            Ok((settings.clone(), with.apply(text, source)?))
        })
        .collect()
}

/// Simulates every point, all replications in one pool of jobs.
pub fn run_sweep(
    points: Vec<(PointSettings, Scenario)>,
    source: &str,
    runner: &Runner,
) -> Vec<Point> {
    let shared: Vec<Arc<Scenario>> = points.iter().map(|(_, sc)| Arc::new(sc.clone())).collect();
    let reports = runner.reports(&shared, source);
    points
        .into_iter()
        .zip(reports)
        .map(|((settings, scenario), report)| Point {
            settings,
            scenario,
            report,
        })
        .collect()
}

fn cell(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        String::new()
    }
}

/// Tidy CSV: point, one column per swept key, carrier, metric, value,
/// ci_low, ci_high, n.
pub fn sweep_csv(axes: &[Axis], points: &[Point]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["scenario".to_string(), "point".to_string()];
    header.extend(axes.iter().map(|a| a.key.clone()));
    header.extend(
        [
            "provider", "carrier", "metric", "value", "ci_low", "ci_high", "n",
        ]
        .map(String::from),
    );
    w.write_record(&header).expect("in-memory CSV");
    for (i, p) in points.iter().enumerate() {
        let mut prefix = vec![p.scenario.name.clone(), i.to_string()];
        prefix.extend(p.settings.iter().map(|(_, v)| v.clone()));
        let mut row = |provider: &str, carrier: &str, metric: &str, e: Estimate, n: u64| {
            let mut record = prefix.clone();
            record.extend([
                provider.to_string(),
                carrier.to_string(),
                metric.to_string(),
                cell(e.value),
                cell(e.low),
                cell(e.high),
                n.to_string(),
            ]);
            w.write_record(&record).expect("in-memory CSV");
        };
        for r in &p.report.sessions {
            let carrier = r.carrier.as_deref().unwrap_or("all");
            let n = r.total;
            row("all", carrier, "otp_success", r.otp_success, n);
            row("all", carrier, "success_within_target", r.within_target, n);
            let ttc = &r.time_to_code;
            for (q, name) in [
                (Quantile::P50, "time_to_code_p50_s"),
                (Quantile::P99, "time_to_code_p99_s"),
            ] {
                row("all", carrier, name, ttc.estimate(q), n);
            }
            row("all", carrier, "sends_per_session", r.sends_per_session, n);
            row("all", carrier, "cost_per_success", r.cost_per_success, n);
        }
        for m in p
            .report
            .messages
            .iter()
            .filter(|m| m.carrier.is_none() || p.scenario.carriers.len() == 1)
        {
            row(&m.provider, "all", "delivery_rate", m.delivery, m.total);
        }
    }
    String::from_utf8(w.into_inner().expect("in-memory writer")).expect("UTF-8")
}

/// One line per point: the swept values and the all-carrier results.
pub fn sweep_table(axes: &[Axis], points: &[Point]) -> String {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut header: Vec<String> = axes.iter().map(|a| a.key.clone()).collect();
    let target = points.first().map_or(0, |p| p.scenario.otp.target);
    header.extend([
        "OTP success [95% CI]".to_string(),
        format!("code <= {} [95% CI]", Human(target)),
        "code p99".to_string(),
        "cost/success".to_string(),
    ]);
    for p in points {
        let Some(all) = p.report.session_row(None) else {
            continue;
        };
        let pct = |e: &Estimate| {
            format!(
                "{:.2}% [{:.2}, {:.2}]",
                e.value * 100.0,
                e.low * 100.0,
                e.high * 100.0
            )
        };
        let mut row: Vec<String> = p.settings.iter().map(|(_, v)| v.clone()).collect();
        row.push(pct(&all.otp_success));
        row.push(pct(&all.within_target));
        let p99 = all.time_to_code.merged[Quantile::P99];
        row.push(if p99.is_finite() {
            Human((p99 * 1e9) as u64).to_string()
        } else {
            "-".into()
        });
        row.push(format!("{:.2}", all.cost_per_success.value));
        rows.push(row);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for line in std::iter::once(&header).chain(rows.iter()) {
        let cells: Vec<String> = line
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:>w$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_split_on_top_level_commas_only() {
        let a = Axis::parse("smsc.retry=[\"1m\", \"5m\"],[\"10m\"]").unwrap();
        assert_eq!(a.values, vec!["[\"1m\", \"5m\"]", "[\"10m\"]"]);
        let b = Axis::parse("providers.p.tps=10/s, 20/s,40/s").unwrap();
        assert_eq!(b.values, vec!["10/s", "20/s", "40/s"]);
        assert!(Axis::parse("x=1,,2").is_err());
        assert!(Axis::parse("novalue").is_err());
    }

    #[test]
    fn grid_is_the_cartesian_product() {
        let axes = [
            Axis::parse("a=1,2").unwrap(),
            Axis::parse("b=x,y,z").unwrap(),
        ];
        let g = grid(&axes);
        assert_eq!(g.len(), 6);
        assert_eq!(
            g[1],
            vec![("a".into(), "1".into()), ("b".into(), "y".into())]
        );
    }
}
