//! The tornado chart: one bar per input from the base value of the metric
//! to its value at the input's low and high settings, with the paired 95%
//! intervals as whiskers, largest swing on top. Written as SVG directly, as
//! the run report's charts are; the HTML page wraps it with the table.

use super::report::{render_text, value_text};
use super::{Analysis, Effect};
use crate::export::{CHECK_SCRIPT, escape_xml, nice_ticks, tick_decimals};
use std::fmt::Write;

const WIDTH: f64 = 960.0;
const LABEL_WIDTH: f64 = 360.0;
const ROW: f64 = 26.0;
const TOP: f64 = 70.0;
const LOW_COLOUR: &str = "#1f77b4";
const HIGH_COLOUR: &str = "#ff7f0e";

/// The chart of the `rows` largest effects.
pub fn tornado_svg(a: &Analysis, rows: usize) -> String {
    let shown: Vec<&Effect> = a.effects.iter().take(rows).collect();
    let height = TOP + ROW * shown.len().max(1) as f64 + 50.0;
    let (plot_left, plot_right) = (LABEL_WIDTH + 10.0, WIDTH - 30.0);
    let base = a.base.value;
    let mut lo = base;
    let mut hi = base;
    for e in &shown {
        for d in [e.low, e.high] {
            for x in [d.value, d.low, d.high] {
                if x.is_finite() {
                    lo = lo.min(base + x);
                    hi = hi.max(base + x);
                }
            }
        }
    }
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
        lo = base - 1e-3;
        hi = base + 1e-3;
    }
    let pad = (hi - lo) * 0.05;
    let (lo, hi) = (lo - pad, hi + pad);
    let x = |v: f64| plot_left + (v - lo) / (hi - lo) * (plot_right - plot_left);
    let mut out = String::new();
    let _ = writeln!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="simsms-chart" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif">"##
    );
    let _ = writeln!(
        out,
        r##"<rect width="{WIDTH}" height="{height}" fill="#fff"/><text x="10" y="22" font-size="15" font-weight="bold">{}</text>"##,
        escape_xml(&format!(
            "Sensitivity of {} in \"{}\": each input {}% down and up",
            a.metric.name(),
            a.scenario,
            (a.by * 100.0).round()
        ))
    );
    let _ = writeln!(
        out,
        r##"<text x="10" y="42" font-size="12" fill="#444">{}</text>"##,
        escape_xml(&format!(
            "base {} | {}, common random numbers | whiskers: paired 95% intervals | faded: not clear of zero",
            value_text(a.metric, base),
            crate::units::count(a.replications, "replication")
        ))
    );
    legend(&mut out);
    let bottom = TOP + ROW * shown.len() as f64;
    axis(&mut out, a, lo, hi, &x, bottom);
    for (i, e) in shown.iter().enumerate() {
        let y = TOP + ROW * i as f64;
        let opacity = if e.is_clear() { 1.0 } else { 0.35 };
        let label = format!(
            "{} ({} → {})",
            e.input.key,
            e.low_value.as_deref().unwrap_or("-"),
            e.high_value.as_deref().unwrap_or("-")
        );
        let _ = writeln!(
            out,
            r##"<text x="{}" y="{}" font-size="12" text-anchor="end">{}</text>"##,
            LABEL_WIDTH,
            y + ROW * 0.62,
            escape_xml(&label)
        );
        for (d, colour, offset) in [(e.low, LOW_COLOUR, 0.2), (e.high, HIGH_COLOUR, 0.5)] {
            if !d.value.is_finite() {
                continue;
            }
            let (a_x, b_x) = (x(base), x(base + d.value));
            let bar_y = y + ROW * offset;
            let _ = writeln!(
                out,
                r##"<rect x="{:.1}" y="{bar_y:.1}" width="{:.1}" height="{:.1}" fill="{colour}" fill-opacity="{opacity}"><title>{}</title></rect>"##,
                a_x.min(b_x),
                (a_x - b_x).abs().max(1.0),
                ROW * 0.3,
                escape_xml(&format!(
                    "{}: {}",
                    e.input.key,
                    super::report::difference_text(a.metric, &d)
                ))
            );
            if d.low.is_finite() && d.high.is_finite() {
                let mid = bar_y + ROW * 0.15;
                let _ = writeln!(
                    out,
                    r##"<line x1="{:.1}" y1="{mid:.1}" x2="{:.1}" y2="{mid:.1}" stroke="#222" stroke-opacity="{opacity}"/>"##,
                    x(base + d.low),
                    x(base + d.high)
                );
            }
        }
    }
    let _ = writeln!(
        out,
        r##"<line x1="{0:.1}" y1="{1}" x2="{0:.1}" y2="{2}" stroke="#000" stroke-width="1.5"/>"##,
        x(base),
        TOP - 6.0,
        bottom + 4.0
    );
    out.push_str("</svg>\n");
    out
}

fn legend(out: &mut String) {
    for (i, (colour, text)) in [(LOW_COLOUR, "input lowered"), (HIGH_COLOUR, "input raised")]
        .iter()
        .enumerate()
    {
        let lx = LABEL_WIDTH + 20.0 + 150.0 * i as f64;
        let _ = writeln!(
            out,
            r##"<rect x="{lx}" y="50" width="12" height="12" fill="{colour}"/><text x="{}" y="60" font-size="12">{text}</text>"##,
            lx + 16.0
        );
    }
}

fn axis(out: &mut String, a: &Analysis, lo: f64, hi: f64, x: &dyn Fn(f64) -> f64, bottom: f64) {
    let _ = writeln!(
        out,
        r##"<line x1="{:.1}" y1="{bottom}" x2="{:.1}" y2="{bottom}" stroke="#999"/>"##,
        x(lo),
        x(hi)
    );
    // Round ticks: multiples of 1, 2 or 5 × 10^k in the metric's unit.
    let (ticks, step) = nice_ticks(lo, hi, 4);
    let label = |v: f64| match a.metric.is_share() {
        true => format!("{:.*}%", tick_decimals(step * 100.0), v * 100.0),
        false => format!("{:.*}", tick_decimals(step), v),
    };
    for v in ticks {
        let _ = writeln!(
            out,
            r##"<line x1="{0:.1}" y1="{bottom}" x2="{0:.1}" y2="{1}" stroke="#999"/><text x="{0:.1}" y="{2}" font-size="11" text-anchor="middle">{3}</text>"##,
            x(v),
            bottom + 5.0,
            bottom + 18.0,
            escape_xml(&label(v))
        );
    }
}

/// A self-contained page: the chart of the `rows` largest effects and the
/// full ranked table.
pub fn tornado_html(a: &Analysis, rows: usize) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>simsms sensitivity: {}</title>\n<style>\nbody {{ font-family: sans-serif; margin: 2em; color: #222; }}\npre {{ background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: 12px; }}\nsvg.simsms-chart {{ max-width: 100%; height: auto; }}\n</style>\n</head>\n<body>\n",
        escape_xml(&a.scenario)
    );
    let _ = writeln!(
        out,
        "<h1>Which inputs move {} in {}</h1>",
        escape_xml(a.metric.name()),
        escape_xml(&a.scenario)
    );
    out.push_str(&tornado_svg(a, rows));
    let _ = writeln!(
        out,
        "<h2>All inputs</h2>\n<pre>{}</pre>\n{CHECK_SCRIPT}\n</body>\n</html>",
        escape_xml(&render_text(a))
    );
    out
}
