//! What a sweep writes, one point at a time so that points can be written
//! as they finish: the tidy CSV (a header, then each point's rows: one per
//! carrier × metric, with its interval) and the compact table (one line
//! per point, laid out once all are known; a line is a few short strings).

use super::{Axis, Point};
use crate::stats::{Estimate, Quantile};
use crate::units::Human;

fn cell(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        String::new()
    }
}

fn csv_line(record: &[String]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(record).expect("in-memory CSV");
    String::from_utf8(w.into_inner().expect("in-memory writer")).expect("UTF-8")
}

/// The tidy CSV's header: scenario, point, one column per swept key,
/// provider, carrier, metric, value, ci_low, ci_high, n.
pub fn csv_header(axes: &[Axis]) -> String {
    let mut header = vec!["scenario".to_string(), "point".to_string()];
    header.extend(axes.iter().map(|a| a.key.clone()));
    header.extend(
        [
            "provider", "carrier", "metric", "value", "ci_low", "ci_high", "n",
        ]
        .map(String::from),
    );
    csv_line(&header)
}

/// Point `index`'s rows of the tidy CSV.
pub fn csv_rows(index: usize, p: &Point) -> String {
    let mut out = String::new();
    let mut prefix = vec![p.scenario.name.clone(), index.to_string()];
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
        out.push_str(&csv_line(&record));
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
    out
}

/// The compact table: the swept values and the all-carrier results of
/// each point, added as points finish.
pub struct SweepTable {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl SweepTable {
    pub fn new(axes: &[Axis]) -> SweepTable {
        SweepTable {
            header: axes.iter().map(|a| a.key.clone()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a point's line (the first point also names the target).
    pub fn push(&mut self, p: &Point) {
        if self.rows.is_empty() {
            self.header.extend([
                "OTP success [95% CI]".to_string(),
                format!("code <= {} [95% CI]", Human(p.scenario.otp.target)),
                "code p99".to_string(),
                "cost/success".to_string(),
            ]);
        }
        let Some(all) = p.report.session_row(None) else {
            return;
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
        self.rows.push(row);
    }

    /// The table, columns aligned.
    pub fn render(&self) -> String {
        let widths: Vec<usize> = (0..self.header.len())
            .map(|i| {
                self.rows
                    .iter()
                    .filter_map(|r| r.get(i))
                    .map(|c| c.chars().count())
                    .chain([self.header[i].chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for line in std::iter::once(&self.header).chain(self.rows.iter()) {
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
}
