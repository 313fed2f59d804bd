//! SVG charts, written directly (a plotting crate would add far more than
//! these three simple charts need): latency CDFs per carrier, stacked
//! outcome bars per carrier, and a timeline of arrivals, deliveries, queue
//! depth and SMSC backlog.

use super::{Run, escape_xml};
use crate::metrics::new_histogram;
use crate::model::Outcome;
use crate::scenario::CarrierId;
use crate::units::{Human, NANOS_PER_DAY, NANOS_PER_HOUR, NANOS_PER_MIN, NANOS_PER_SEC, grouped};
use std::fmt::Write;

/// One colour per outcome (and series, cycling).
pub(crate) const PALETTE: [&str; Outcome::COUNT] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#393b79",
];

/// One plotting area inside an SVG document.
pub(crate) struct Panel {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Panel {
    pub(crate) fn frame(&self, out: &mut String, title: &str) {
        let _ = writeln!(
            out,
            r##"<rect x="{}" y="{}" width="{}" height="{}" fill="#fff" stroke="#999"/><text x="{}" y="{}" font-size="13" font-weight="bold">{}</text>"##,
            self.x,
            self.y,
            self.w,
            self.h,
            self.x,
            self.y - 6.0,
            escape_xml(title)
        );
    }

    pub(crate) fn polyline(&self, out: &mut String, points: &[(f64, f64)], color: &str) {
        let pts: Vec<String> = points
            .iter()
            .map(|(px, py)| {
                format!(
                    "{:.1},{:.1}",
                    self.x + px * self.w,
                    self.y + (1.0 - py) * self.h
                )
            })
            .collect();
        let _ = writeln!(
            out,
            r#"<polyline fill="none" stroke="{color}" stroke-width="1.6" points="{}"/>"#,
            pts.join(" ")
        );
    }

    pub(crate) fn y_label(&self, out: &mut String, frac: f64, text: &str) {
        let y = self.y + (1.0 - frac) * self.h;
        let _ = writeln!(
            out,
            r##"<line x1="{}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="#eee"/><text x="{}" y="{:.1}" font-size="10" text-anchor="end">{}</text>"##,
            self.x,
            self.x + self.w,
            self.x - 4.0,
            y + 3.0,
            escape_xml(text)
        );
    }

    pub(crate) fn x_label(&self, out: &mut String, frac: f64, text: &str) {
        let x = self.x + frac * self.w;
        let _ = writeln!(
            out,
            r##"<line x1="{x:.1}" y1="{}" x2="{x:.1}" y2="{}" stroke="#eee"/><text x="{x:.1}" y="{}" font-size="10" text-anchor="middle">{}</text>"##,
            self.y,
            self.y + self.h,
            self.y + self.h + 12.0,
            escape_xml(text)
        );
    }
}

/// Round ticks over `[lo, hi]`: multiples of a step of 1, 2 or 5 × 10^k,
/// about `target` of them; with the step.
pub(crate) fn nice_ticks(lo: f64, hi: f64, target: usize) -> (Vec<f64>, f64) {
    let span = hi - lo;
    if !(span.is_finite() && span > 0.0) {
        return (vec![lo], 1.0);
    }
    let raw = span / target.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    let ticks = (first..=last).map(|k| k as f64 * step).collect();
    (ticks, step)
}

/// Decimals that tell ticks `step` apart: 0 for whole steps, else enough.
pub(crate) fn tick_decimals(step: f64) -> usize {
    let mut decimals = 0;
    while decimals < 6 && (step * 10f64.powi(decimals as i32)).fract().abs() > 1e-6 {
        decimals += 1;
    }
    decimals
}

/// A count on an axis: "7,500", "0.5".
fn count_label(x: f64, step: f64) -> String {
    grouped(x, tick_decimals(step), false)
}

/// Round steps of time on an axis, nanoseconds.
const TIME_STEPS: [u64; 21] = [
    NANOS_PER_SEC,
    2 * NANOS_PER_SEC,
    5 * NANOS_PER_SEC,
    10 * NANOS_PER_SEC,
    15 * NANOS_PER_SEC,
    30 * NANOS_PER_SEC,
    NANOS_PER_MIN,
    2 * NANOS_PER_MIN,
    5 * NANOS_PER_MIN,
    10 * NANOS_PER_MIN,
    15 * NANOS_PER_MIN,
    30 * NANOS_PER_MIN,
    NANOS_PER_HOUR,
    2 * NANOS_PER_HOUR,
    3 * NANOS_PER_HOUR,
    6 * NANOS_PER_HOUR,
    12 * NANOS_PER_HOUR,
    NANOS_PER_DAY,
    2 * NANOS_PER_DAY,
    7 * NANOS_PER_DAY,
    30 * NANOS_PER_DAY,
];

/// A round time: "100ms", "30s", "10m", "2h", "1d".
pub(crate) fn time_label(ns: u64) -> String {
    time_label_in(ns, ns)
}

/// A time in the largest unit that divides `step`, so that every tick of
/// one axis is in the same unit ("45m", "60m", "75m").
fn time_label_in(ns: u64, step: u64) -> String {
    let units = [
        (NANOS_PER_DAY, "d"),
        (NANOS_PER_HOUR, "h"),
        (NANOS_PER_MIN, "m"),
        (NANOS_PER_SEC, "s"),
        (1_000_000, "ms"),
    ];
    match units
        .iter()
        .find(|(u, _)| step >= *u && step.is_multiple_of(*u) && ns.is_multiple_of(*u))
    {
        _ if ns == 0 => "0".into(),
        Some((u, name)) => format!("{}{name}", ns / u),
        None => Human(ns).to_string(),
    }
}

/// Round time ticks from 0 to `span`, at most about `most` of them, with
/// their step.
fn time_ticks(span: u64, most: u64) -> (Vec<u64>, u64) {
    let step = TIME_STEPS
        .into_iter()
        .find(|s| span / s <= most)
        .unwrap_or_else(|| span.div_ceil(most).max(1));
    ((0..=span / step).map(|k| k * step).collect(), step)
}

/// Round times for a log axis from 100 ms up.
pub(crate) const LOG_TIME_TICKS: [u64; 9] = [
    100_000_000,
    NANOS_PER_SEC,
    10 * NANOS_PER_SEC,
    NANOS_PER_MIN,
    10 * NANOS_PER_MIN,
    NANOS_PER_HOUR,
    6 * NANOS_PER_HOUR,
    NANOS_PER_DAY,
    7 * NANOS_PER_DAY,
];

pub(crate) fn document(width: f64, height: f64, title: &str, body: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" class=\"simsms-chart\">\n<title>{}</title>\n<rect width=\"100%\" height=\"100%\" fill=\"#fafafa\"/>\n{body}</svg>\n",
        escape_xml(title)
    )
}

/// About how wide `text` is at `size` px in a sans-serif font (generous,
/// so that nothing is clipped).
pub(crate) fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * 0.62
}

/// The width and height a legend of `entries` takes.
pub(crate) fn legend_size(entries: &[(String, &str)]) -> (f64, f64) {
    let widest = entries
        .iter()
        .map(|(name, _)| text_width(name, 11.0))
        .fold(0.0, f64::max);
    (14.0 + widest + 10.0, entries.len() as f64 * 15.0 + 10.0)
}

pub(crate) fn legend(out: &mut String, x: f64, y: f64, entries: &[(String, &str)]) {
    for (i, (name, color)) in entries.iter().enumerate() {
        let ly = y + i as f64 * 15.0;
        let _ = writeln!(
            out,
            r#"<rect x="{x}" y="{:.1}" width="10" height="10" fill="{color}"/><text x="{}" y="{:.1}" font-size="11">{}</text>"#,
            ly - 9.0,
            x + 14.0,
            ly,
            escape_xml(name)
        );
    }
}

/// Latency CDF of delivered messages, one panel per carrier, one line per
/// alternative (or per provider when only one alternative is shown), on a
/// log time axis.
pub fn latency_cdf_svg(run: &Run) -> String {
    let sc = run.scenario;
    let shown: Vec<_> = run.shown().collect();
    let by_provider = shown.len() == 1;
    let carriers = sc.carriers.len();
    let cols = carriers.min(3);
    let rows = carriers.div_ceil(cols);
    let (pw, ph) = (300.0, 200.0);
    let legend_x = 60.0 + cols as f64 * (pw + 60.0) - 20.0;
    let height = 40.0 + rows as f64 * (ph + 60.0);
    // Log axis from 100 ms to the largest latency seen (at least 100 s).
    let mut max_ms: f64 = 100_000.0;
    for (_, _, report) in &shown {
        for cell in &report.merged.messages {
            if !cell.latency.is_empty() {
                max_ms = max_ms.max(cell.latency.max() as f64);
            }
        }
    }
    let (lo, hi) = (100f64.log10(), max_ms.log10());
    let mut body = String::new();
    let mut entries = Vec::new();
    for (c, carrier) in sc.carriers.iter().enumerate() {
        let id = CarrierId::new(c);
        let panel = Panel {
            x: 60.0 + (c % cols) as f64 * (pw + 60.0),
            y: 40.0 + (c / cols) as f64 * (ph + 60.0),
            w: pw,
            h: ph,
        };
        panel.frame(
            &mut body,
            &format!("{}: latency CDF (delivered)", carrier.name),
        );
        for k in 0..=4 {
            panel.y_label(&mut body, k as f64 / 4.0, &format!("{}%", k * 25));
        }
        for ns in LOG_TIME_TICKS {
            let at = (ns as f64 / 1e6).log10();
            if at <= hi + 1e-9 {
                panel.x_label(&mut body, (at - lo) / (hi - lo), &time_label(ns));
            }
        }
        let mut series = 0;
        for &(i, name, report) in &shown {
            let variant = sc.variant(i);
            let lines: Vec<(String, hdrhistogram::Histogram<u64>)> = if by_provider {
                variant
                    .provider_ids()
                    .zip(&variant.providers)
                    .map(|(p, prov)| (prov.name.clone(), report.merged.cell(p, id).latency.clone()))
                    .collect()
            } else {
                let mut all = new_histogram();
                for p in variant.provider_ids() {
                    all.add(&report.merged.cell(p, id).latency)
                        .expect("same bounds");
                }
                vec![(name.to_string(), all)]
            };
            for (name, h) in lines {
                let color = PALETTE[series % PALETTE.len()];
                series += 1;
                if c == 0 {
                    entries.push((name, color));
                }
                if h.is_empty() {
                    continue;
                }
                let points: Vec<(f64, f64)> = (0..=80)
                    .map(|k| {
                        let x = lo + (hi - lo) * k as f64 / 80.0;
                        let ms = 10f64.powf(x) as u64;
                        (
                            k as f64 / 80.0,
                            h.count_between(0, ms) as f64 / h.len() as f64,
                        )
                    })
                    .collect();
                panel.polyline(&mut body, &points, color);
            }
        }
    }
    legend(&mut body, legend_x, 50.0, &entries);
    let (legend_w, legend_h) = legend_size(&entries);
    document(
        legend_x + legend_w,
        height.max(50.0 + legend_h),
        &format!("{}: latency CDF per carrier", sc.name),
        &body,
    )
}

/// Stacked bars of message outcomes per carrier (shares), for the first
/// alternative shown, all providers together.
pub fn outcomes_svg(run: &Run) -> String {
    let sc = run.scenario;
    let Some((index, name, report)) = run.shown().next() else {
        return document(100.0, 40.0, "no results", "");
    };
    let variant = sc.variant(index);
    let bar_h = 26.0;
    let widest = sc
        .carriers
        .iter()
        .map(|c| text_width(&c.name, 12.0))
        .fold(0.0, f64::max);
    let (x0, w) = ((widest + 16.0).max(110.0), 560.0);
    let title = format!("{}: message outcomes per carrier ({})", sc.name, name);
    let height = 70.0 + sc.carriers.len() as f64 * (bar_h + 12.0) + 20.0;
    let mut body = String::new();
    let _ = writeln!(
        body,
        r#"<text x="10" y="22" font-size="14" font-weight="bold">{}</text>"#,
        escape_xml(&title)
    );
    for (c, carrier) in sc.carriers.iter().enumerate() {
        let mut counts = [0u64; Outcome::COUNT];
        for p in variant.provider_ids() {
            for (k, n) in report
                .merged
                .cell(p, CarrierId::new(c))
                .outcomes
                .iter()
                .enumerate()
            {
                counts[k] += n;
            }
        }
        let total: u64 = counts.iter().sum();
        let y = 45.0 + c as f64 * (bar_h + 12.0);
        let _ = writeln!(
            body,
            r#"<text x="{}" y="{:.1}" font-size="12" text-anchor="end">{}</text>"#,
            x0 - 6.0,
            y + bar_h * 0.65,
            escape_xml(&carrier.name)
        );
        let mut x = x0;
        for (k, n) in counts.iter().enumerate() {
            if total == 0 || *n == 0 {
                continue;
            }
            let seg = w * *n as f64 / total as f64;
            let _ = writeln!(
                body,
                r#"<rect x="{x:.2}" y="{y:.1}" width="{seg:.2}" height="{bar_h}" fill="{}"><title>{}: {} ({:.2}%)</title></rect>"#,
                PALETTE[k],
                Outcome::ALL[k].name(),
                n,
                100.0 * *n as f64 / total as f64
            );
            x += seg;
        }
    }
    let entries: Vec<(String, &str)> = Outcome::ALL
        .iter()
        .enumerate()
        .map(|(k, o)| (o.name().to_string(), PALETTE[k]))
        .collect();
    legend(&mut body, x0 + w + 20.0, 50.0, &entries);
    let (legend_w, legend_h) = legend_size(&entries);
    document(
        (x0 + w + 20.0 + legend_w).max(20.0 + text_width(&title, 14.0)),
        height.max(50.0 + legend_h),
        &format!("{}: outcomes", sc.name),
        &body,
    )
}

/// Four panels over simulated time: arrivals, deliveries, provider queue
/// depth and SMSC backlog, one line per alternative shown.
pub fn timeline_svg(run: &Run) -> String {
    let sc = run.scenario;
    let shown: Vec<_> = run.shown().collect();
    let (pw, ph) = (640.0, 110.0);
    let titles = [
        "arrivals per bucket",
        "deliveries per bucket",
        "largest provider queue depth",
        "messages stored in SMSCs",
    ];
    let mut body = String::new();
    let mut entries = Vec::new();
    for (s, title) in titles.iter().enumerate() {
        let panel = Panel {
            x: 70.0,
            y: 40.0 + s as f64 * (ph + 45.0),
            w: pw,
            h: ph,
        };
        panel.frame(&mut body, title);
        let mut all_series = Vec::new();
        let mut buckets = 1;
        let mut bucket_ns = 1;
        for &(_, name, report) in &shown {
            let t = &report.merged.timeline;
            let reps = report.replications.max(1) as f64;
            // Show the arrival window plus patience; the drain is mostly quiet.
            let n = ((sc.duration + sc.otp.patience).div_ceil(t.bucket) as usize + 1)
                .min(t.arrivals.len());
            buckets = n;
            bucket_ns = t.bucket;
            let values: Vec<f64> = match s {
                0 => t.arrivals[..n].iter().map(|x| *x as f64 / reps).collect(),
                1 => t.deliveries[..n].iter().map(|x| *x as f64 / reps).collect(),
                2 => (0..n)
                    .map(|b| t.queue_depth.iter().map(|q| q[b]).max().unwrap_or(0) as f64)
                    .collect(),
                _ => t.stored()[..n].iter().map(|x| *x as f64 / reps).collect(),
            };
            all_series.push((name.to_string(), values));
        }
        let highest = all_series
            .iter()
            .flat_map(|(_, v)| v.iter().copied())
            .fold(0.0f64, f64::max)
            .max(1.0);
        // A round top and three or four round ticks up to it.
        let (_, step) = nice_ticks(0.0, highest, 4);
        let top = (highest / step).ceil() * step;
        let (ticks, _) = nice_ticks(0.0, top, 4);
        for y in ticks {
            panel.y_label(&mut body, y / top, &count_label(y, step));
        }
        // Bucket b is drawn at b / (buckets - 1).
        let span = (buckets.max(2) - 1) as u64 * bucket_ns;
        let (ticks, step) = time_ticks(span, 6);
        for t in ticks {
            panel.x_label(&mut body, t as f64 / span as f64, &time_label_in(t, step));
        }
        for (k, (name, values)) in all_series.into_iter().enumerate() {
            let color = PALETTE[k % PALETTE.len()];
            if s == 0 {
                entries.push((name, color));
            }
            let last = values.len().max(2) - 1;
            let points: Vec<(f64, f64)> = values
                .iter()
                .enumerate()
                .map(|(b, v)| (b as f64 / last as f64, v / top))
                .collect();
            panel.polyline(&mut body, &points, color);
        }
    }
    legend(&mut body, 70.0 + pw + 20.0, 50.0, &entries);
    let (legend_w, legend_h) = legend_size(&entries);
    document(
        70.0 + pw + 20.0 + legend_w,
        (40.0 + 4.0 * (ph + 45.0)).max(50.0 + legend_h),
        &format!("{}: timeline", sc.name),
        &body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_multiples_of_one_two_or_five() {
        // A tornado axis over 74.01% .. 75.74%: 74.5%, 75.0%, 75.5%.
        let (ticks, step) = nice_ticks(0.7401, 0.7574, 4);
        assert!((step - 0.005).abs() < 1e-12, "{step}");
        let labels: Vec<String> = ticks
            .iter()
            .map(|t| format!("{:.*}", tick_decimals(step * 100.0), t * 100.0))
            .collect();
        assert_eq!(labels, ["74.5", "75.0", "75.5"]);
        let (ticks, step) = nice_ticks(0.0, 7206.7, 4);
        assert_eq!((ticks.len(), step), (4, 2000.0));
        assert_eq!(count_label(6000.0, step), "6,000");
    }

    #[test]
    fn time_ticks_are_round_times() {
        let (ticks, step) = time_ticks(100 * NANOS_PER_MIN, 6);
        let labels: Vec<String> = ticks.into_iter().map(|t| time_label_in(t, step)).collect();
        assert_eq!(labels, ["0", "15m", "30m", "45m", "60m", "75m", "90m"]);
        assert_eq!(time_label(2 * NANOS_PER_HOUR), "2h");
    }
}
