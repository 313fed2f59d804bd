//! `simsms sweep`: a grid of `--set KEY=V1,V2,...` values, each point
//! simulated with the scenario's replications, reported as tidy CSV (one row
//! per point × carrier × metric, with its interval) and a compact table.

use crate::Error;
use crate::report::Report;
use crate::scenario::{self, Override, Scenario};
use crate::stats::Estimate;
use crate::units::Human;
use std::path::Path;
use std::sync::Arc;

/// One swept key and its values, as given on the command line.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub key: String,
    pub values: Vec<String>,
}

impl Axis {
    /// Parses `KEY=V1,V2,...`; commas inside brackets, braces or quotes do
    /// not split (so `[1, 2]` stays one value).
    pub fn parse(text: &str) -> Result<Axis, String> {
        let (key, values) = text
            .split_once('=')
            .ok_or_else(|| format!("--set expects KEY=V1,V2,..., got \"{text}\""))?;
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
            return Err(format!("--set {key}: empty value in \"{values}\""));
        }
        Ok(Axis {
            key: key.trim().to_string(),
            values: parts,
        })
    }
}

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

/// Validates every point first (so a bad value fails before any run), then
/// simulates them in order.
pub fn run_sweep(
    file: &Path,
    axes: &[Axis],
    replications: Option<u32>,
    seed: Option<u64>,
    threads: usize,
) -> Result<Vec<Point>, Error> {
    let mut scenarios = Vec::new();
    for settings in grid(axes) {
        let overrides = settings
            .iter()
            .map(|(k, v)| Override::parse(&format!("{k}={v}")).map_err(Error::Usage))
            .collect::<Result<Vec<_>, _>>()?;
        let mut sc = scenario::load_with(file, &overrides)?;
        if let Some(r) = replications {
            sc.set_replications(r.max(1));
        }
        if let Some(s) = seed {
            sc.set_seed(s);
        }
        scenarios.push((settings, sc));
    }
    let source = file.display().to_string();
    // All points' replications in one pool of jobs, folded per point in order.
    let shared: Vec<Arc<Scenario>> = scenarios
        .iter()
        .map(|(_, sc)| Arc::new(sc.clone()))
        .collect();
    let jobs: Vec<(&Arc<Scenario>, u32)> = shared
        .iter()
        .flat_map(|sc| (0..sc.replications).map(move |r| (sc, r)))
        .collect();
    let owners: Vec<usize> = scenarios
        .iter()
        .enumerate()
        .flat_map(|(p, (_, sc))| std::iter::repeat_n(p, sc.replications as usize))
        .collect();
    let mut aggregators: Vec<crate::report::Aggregator> = scenarios
        .iter()
        .map(|(_, sc)| crate::report::Aggregator::new(sc))
        .collect();
    crate::simulation::run_jobs(&jobs, threads, None, |k, metrics| {
        aggregators[owners[k]].add(metrics)
    });
    let reports: Vec<Report> = aggregators.into_iter().map(|a| a.finish(&source)).collect();
    Ok(scenarios
        .into_iter()
        .zip(reports)
        .map(|((settings, scenario), report)| Point {
            settings,
            scenario,
            report,
        })
        .collect())
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
            for (q, name) in [(0, "time_to_code_p50_s"), (2, "time_to_code_p99_s")] {
                let ci = ttc.per_replication[q];
                row(
                    "all",
                    carrier,
                    name,
                    Estimate {
                        value: ttc.merged[q],
                        low: ci.low,
                        high: ci.high,
                    },
                    n,
                );
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
        let p99 = all.time_to_code.merged[2];
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
