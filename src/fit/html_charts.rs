//! The fit report's charts, as SVG drawn with the run report's helpers:
//! the final-state shares as bars with their intervals (beside the
//! simulated shares after `--check`), and the latency CDF of delivered
//! messages on a log time axis, the empirical step with the table and every
//! fitted shape over it.

use super::{Checked, count, rows_of, z_text};
use crate::export::{
    LOG_TIME_TICKS, PALETTE, Panel, document, legend, legend_size, nice_ticks, text_width,
    tick_decimals, time_label,
};
use crate::fit::FinalState;
use crate::fit::check::Agreement;
use crate::fit::estimate::latency::{self, Fitted, LatencyFit};
use crate::fit::estimates::CellFit;
use crate::report::table::secs;
use crate::stats::Estimate;
use std::fmt::Write;

/// Colours of the records and the simulation in the share bars.
pub(super) const RECORDS: &str = PALETTE[0];
pub(super) const SIMULATED: &str = PALETTE[3];
/// Colours of the CDF curves: the data, the table, each shape.
pub(super) const EMPIRICAL: &str = "#222";
pub(super) const TABLE: &str = PALETTE[4];
pub(super) const LOG_NORMAL: &str = PALETTE[0];
pub(super) const EXPONENTIAL: &str = PALETTE[3];
pub(super) const FIXED: &str = PALETTE[2];
/// Points of the empirical step and of each fitted curve.
const STEPS: usize = 400;
const CURVE_POINTS: usize = 240;

/// Horizontal bars per final state: the records' share with its interval
/// as a whisker and, after `--check`, the simulated share under it, with
/// the values, z and the verdict at the right.
pub(super) fn shares_svg(cell: &CellFit, checked: Option<Checked>) -> String {
    let rows: Vec<(FinalState, Estimate, Option<&Agreement>)> = FinalState::ALL
        .iter()
        .map(|&s| {
            let sim = rows_of(cell, checked, &format!("share {}", s.name()));
            (s, cell.shares[s.index()], sim)
        })
        .collect();
    let with_sim = rows.iter().any(|r| r.2.is_some());
    let bar = 11.0;
    let row_h = if with_sim {
        2.0 * bar + 12.0
    } else {
        bar + 12.0
    };
    let highest = rows
        .iter()
        .flat_map(|(_, e, a)| [Some(e.high), a.map(|a| a.simulated.high)])
        .flatten()
        .filter(|x| x.is_finite())
        .fold(0.01f64, f64::max);
    let (_, step) = nice_ticks(0.0, highest, 4);
    let top = ((highest / step).ceil() * step).min(1.0).max(step);
    let (ticks, _) = nice_ticks(0.0, top, 4);
    let panel = Panel {
        x: 100.0,
        y: 64.0,
        w: 320.0,
        h: row_h * rows.len() as f64,
    };
    let mut entries = vec![("records".to_string(), RECORDS)];
    if with_sim {
        entries.push(("simulated".to_string(), SIMULATED));
    }
    let mut body = String::new();
    legend(&mut body, panel.x, 14.0, &entries);
    panel.frame(&mut body, "share of messages");
    for t in ticks {
        let label = format!("{:.*}%", tick_decimals(step * 100.0), t * 100.0);
        panel.x_label(&mut body, t / top, &label);
    }
    let x = |v: f64| panel.x + (v.clamp(0.0, top) / top) * panel.w;
    for (i, (state, records, sim)) in rows.iter().enumerate() {
        let y = panel.y + i as f64 * row_h + 6.0;
        let _ = writeln!(
            body,
            r#"<text x="{}" y="{:.1}" font-size="11" text-anchor="end">{}</text>"#,
            panel.x - 6.0,
            y + bar * if with_sim { 1.4 } else { 0.8 },
            state.name()
        );
        let mut bars = vec![(*records, RECORDS, String::new())];
        if let Some(a) = sim {
            let tail = format!(" z {} {}", z_text(a), if a.agrees { "✓" } else { "✗" });
            bars.push((a.simulated, SIMULATED, tail));
        }
        for (k, (e, colour, tail)) in bars.into_iter().enumerate() {
            let by = y + k as f64 * (bar + 2.0);
            let tip = format!(
                "{} {}: {:.2}% [{:.2}, {:.2}]",
                state.name(),
                if k == 0 {
                    "in the records"
                } else {
                    "simulated"
                },
                e.value * 100.0,
                e.low * 100.0,
                e.high * 100.0
            );
            let _ = writeln!(
                body,
                r##"<rect x="{:.1}" y="{by:.1}" width="{:.2}" height="{bar}" fill="{colour}"><title>{tip}</title></rect><line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#222"/>"##,
                panel.x,
                (x(e.value) - panel.x).max(0.5),
                x(e.low),
                by + bar / 2.0,
                x(e.high),
                by + bar / 2.0
            );
            let fill = match sim {
                Some(a) if k == 1 && !a.agrees => "#d62728",
                _ => "#222",
            };
            let _ = writeln!(
                body,
                r#"<text x="{}" y="{:.1}" font-size="10" fill="{fill}">{:.2}%{tail}</text>"#,
                panel.x + panel.w + 6.0,
                by + bar - 1.5,
                e.value * 100.0
            );
        }
    }
    let width = panel.x + panel.w + 6.0 + text_width("100.00% z 99.9 ✗", 10.0) + 8.0;
    document(width, panel.y + panel.h + 24.0, "final-state shares", &body)
}

/// The CDF chart's log time axis, in log10 seconds: from a decade at or
/// below the smallest positive latency (1 ms to 100 ms) to past the
/// largest (at least 100 s).
struct LogAxis {
    lo: f64,
    hi: f64,
}

impl LogAxis {
    fn of(l: &LatencyFit, sorted: &[f64]) -> LogAxis {
        let smallest = sorted[..l.count.min(sorted.len())]
            .iter()
            .copied()
            .find(|v| *v > 0.0)
            .unwrap_or(0.1);
        let lo = 10f64.powf(smallest.log10().floor()).clamp(0.001, 0.1);
        LogAxis {
            lo: lo.log10(),
            hi: (l.max * 1.1).max(100.0).log10(),
        }
    }

    /// Where `seconds` falls across the axis, 0 to 1 (0 and below at 0).
    fn at(&self, seconds: f64) -> f64 {
        match seconds > 0.0 {
            true => ((seconds.log10() - self.lo) / (self.hi - self.lo)).clamp(0.0, 1.0),
            false => 0.0,
        }
    }

    /// `n + 1` evenly spaced points across the axis, in seconds.
    fn grid(&self, n: usize) -> Vec<f64> {
        (0..=n)
            .map(|k| 10f64.powf(self.lo + (self.hi - self.lo) * k as f64 / n as f64))
            .collect()
    }

    /// Gridlines and round time labels: 1 ms, 10 ms, then the run
    /// report's log-axis times.
    fn draw(&self, panel: &Panel, out: &mut String) {
        for k in 0..=4 {
            panel.y_label(out, k as f64 / 4.0, &format!("{}%", k * 25));
        }
        for ns in [1_000_000, 10_000_000].into_iter().chain(LOG_TIME_TICKS) {
            let at = (ns as f64 / 1e9).log10();
            if at >= self.lo - 1e-9 && at <= self.hi + 1e-9 {
                panel.x_label(out, (at - self.lo) / (self.hi - self.lo), &time_label(ns));
            }
        }
    }
}

/// Whether the fitted scenario takes the shape called `name` ("table",
/// "log-normal", ...): the best shape when it passes its test, else the
/// table (as [`LatencyFit::scenario_toml`] decides).
pub(super) fn scenario_uses(l: &LatencyFit, name: &str) -> bool {
    match l.best() {
        Some(b) if l.use_parametric => b.model.name() == name,
        _ => name == "table",
    }
}

/// A fitted shape's parameters in words: "median 3.0s, p99 30.0s",
/// "mean 10.0s", "3.0s".
pub(super) fn shape_parameters(f: &Fitted) -> String {
    match f.model {
        latency::Parametric::Fixed { value } => secs(value),
        latency::Parametric::LogNormal { .. } => {
            let (median, p99) = f.model.median_p99();
            format!("median {}, p99 {}", secs(median), secs(p99))
        }
        latency::Parametric::Exponential { mean } => format!("mean {}", secs(mean)),
    }
}

/// The empirical CDF as a step, at evenly spaced shares of the sample.
fn empirical_step(l: &LatencyFit, sorted: &[f64], axis: &LogAxis) -> Vec<(f64, f64)> {
    let start = latency::cdf_at(l, sorted, &[10f64.powf(axis.lo)])[0].empirical;
    let mut step = vec![(0.0, start)];
    for p in latency::cdf_at(l, sorted, &latency::chart_xs(l, sorted, STEPS)) {
        let previous = step.last().map_or(0.0, |s| s.1);
        step.push((axis.at(p.x), previous));
        step.push((axis.at(p.x), p.empirical));
    }
    step.push((1.0, 1.0));
    step
}

/// A fitted CDF as drawn: its legend words, colour and points.
struct Curve {
    words: String,
    colour: &'static str,
    points: Vec<(f64, f64)>,
}

/// The table's and each fitted shape's CDF, on a log grid that also holds
/// the table's rows and the fixed value, so that corners are drawn where
/// they are; the one the fitted scenario uses says so.
fn fitted_curves(l: &LatencyFit, sorted: &[f64], axis: &LogAxis) -> Vec<Curve> {
    let mut grid = axis.grid(CURVE_POINTS);
    grid.extend(l.table.iter().map(|r| r.0));
    if let Some(latency::Parametric::Fixed { value }) = l.fixed.map(|f| f.model) {
        grid.extend([value * (1.0 - 1e-9), value]);
    }
    grid.sort_by(f64::total_cmp);
    let points = latency::cdf_at(l, sorted, &grid);
    let curve = |name: &str, words: String, colour, at: CurveOf| Curve {
        words: match scenario_uses(l, name) {
            true => format!("{words} (used by the fitted scenario)"),
            false => words,
        },
        colour,
        points: points
            .iter()
            .filter_map(|p| Some((axis.at(p.x), at(p)?)))
            .collect(),
    };
    let table = format!(
        "table of {} rows: KS D {:.3}",
        l.table.len(),
        l.table_ks_d(sorted)
    );
    let mut curves = vec![curve("table", table, TABLE, |p| Some(p.table))];
    let shapes: [(&Option<Fitted>, &'static str, CurveOf); 3] = [
        (&l.log_normal, LOG_NORMAL, |p| p.log_normal),
        (&l.exponential, EXPONENTIAL, |p| p.exponential),
        (&l.fixed, FIXED, |p| p.fixed),
    ];
    for (fitted, colour, at) in shapes {
        if let Some(f) = fitted {
            let name = f.model.name();
            let words = format!("{name} ({}): KS D {:.3}", shape_parameters(f), f.ks_d);
            curves.push(curve(name, words, colour, at));
        }
    }
    curves
}

/// One curve's value at a chart point.
type CurveOf = fn(&latency::CdfPoint) -> Option<f64>;

/// The empirical CDF (a step) and the table's and every fitted shape's
/// CDF on a log time axis, with a legend naming each with its KS D and
/// which one the fitted scenario uses.
pub(super) fn latency_svg(cell: &CellFit, l: &LatencyFit) -> String {
    let sorted = &cell.latencies;
    let axis = LogAxis::of(l, sorted);
    let panel = Panel {
        x: 50.0,
        y: 30.0,
        w: 560.0,
        h: 260.0,
    };
    let mut body = String::new();
    panel.frame(&mut body, "share delivered within (CDF)");
    axis.draw(&panel, &mut body);
    panel.polyline(&mut body, &empirical_step(l, sorted, &axis), EMPIRICAL);
    let sample = match (l.count as u64) < cell.delivered_latencies {
        true => format!(", a uniform sample of {}", count(l.count as u64)),
        false => String::new(),
    };
    let mut entries = vec![(
        format!(
            "records: {} delivered{sample}",
            count(cell.delivered_latencies)
        ),
        EMPIRICAL,
    )];
    for c in fitted_curves(l, sorted, &axis) {
        panel.polyline(&mut body, &c.points, c.colour);
        entries.push((c.words, c.colour));
    }
    let legend_y = panel.y + panel.h + 40.0;
    legend(&mut body, panel.x, legend_y, &entries);
    let (legend_w, legend_h) = legend_size(&entries);
    document(
        (panel.x + panel.w + 20.0).max(panel.x + legend_w),
        legend_y + legend_h,
        "latency CDF of delivered messages",
        &body,
    )
}
