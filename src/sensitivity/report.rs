//! The sensitivity analysis for people (a ranked table) and for tools (a
//! tidy CSV: one row per input and side).

use super::{Analysis, Effect, Metric, SkippedSide};
use crate::stats::Estimate;
use std::fmt::Write;

/// A metric value: percent for shares, else as measured.
pub(super) fn value_text(metric: Metric, x: f64) -> String {
    if !x.is_finite() {
        "-".into()
    } else if metric.is_share() {
        format!("{:.2}%", x * 100.0)
    } else {
        format!("{x:.3}")
    }
}

/// A difference with its interval, in points for shares.
pub(super) fn difference_text(metric: Metric, e: &Estimate) -> String {
    if !e.value.is_finite() {
        return "-".into();
    }
    let (scale, unit, decimals) = if metric.is_share() {
        (100.0, "pt", 2)
    } else {
        (1.0, "", 3)
    };
    if !e.is_defined() {
        return format!("{:+.decimals$}{unit}", e.value * scale);
    }
    format!(
        "{:+.decimals$}{unit} [{:+.decimals$}, {:+.decimals$}]",
        e.value * scale,
        e.low * scale,
        e.high * scale
    )
}

fn side_text(side: &Result<String, SkippedSide>) -> String {
    match side {
        Ok(v) => v.clone(),
        Err(_) => "-".into(),
    }
}

fn what(a: &Analysis) -> String {
    let carrier = a
        .carrier
        .as_deref()
        .map_or("all carriers".to_string(), |c| format!("carrier {c}"));
    format!("{} ({carrier})", a.metric.name())
}

/// The ranked table, with the top five named first.
pub fn render_text(a: &Analysis) -> String {
    let mut out = String::new();
    let pct = (a.by * 100.0).round();
    let _ = writeln!(
        out,
        "simsms sensitivity \"{}\" | {} | each input {pct}% down and up, one at a time",
        a.scenario,
        what(a)
    );
    let capped = match a.scenario_replications > a.replications {
        true => format!(
            " (the scenario's {} capped for screening; -r {} for all)",
            a.scenario_replications, a.scenario_replications
        ),
        false => String::new(),
    };
    let _ = writeln!(
        out,
        "seed {} | {} per value{capped}, the same users for every value (common random numbers) | base {} [{}, {}]",
        a.seed,
        crate::units::count(a.replications, "replication"),
        value_text(a.metric, a.base.value),
        value_text(a.metric, a.base.low),
        value_text(a.metric, a.base.high)
    );
    let top: Vec<&str> = a.top(5).iter().map(|e| e.input.key.as_str()).collect();
    if top.is_empty() {
        let _ = writeln!(out, "\nNo input has an effect clear of zero.");
    } else {
        let _ = writeln!(out, "\nTop {}: {}", top.len(), top.join(", "));
    }
    let _ = writeln!(
        out,
        "effects: metric at the low (high) value minus at the base, paired per replication, 95% t interval; swing = high minus low\n"
    );
    let header = [
        "#", "input", "label", "low", "base", "high", "at low", "at high", "swing",
    ];
    let mut rows: Vec<Vec<String>> = Vec::new();
    let clear: Vec<&Effect> = a.effects.iter().filter(|e| e.is_clear()).collect();
    for (i, e) in clear.iter().enumerate() {
        rows.push(vec![
            (i + 1).to_string(),
            e.input.key.clone(),
            e.input.labels.join(","),
            side_text(&e.low_value),
            e.base_value.clone(),
            side_text(&e.high_value),
            difference_text(a.metric, &e.low),
            difference_text(a.metric, &e.high),
            difference_text(a.metric, &e.swing),
        ]);
    }
    if !rows.is_empty() {
        crate::report::grid(&mut out, &header, &rows, 0);
    }
    let mut unclear: Vec<&Effect> = a.effects.iter().filter(|e| !e.is_clear()).collect();
    unclear.sort_by_key(|e| e.input.line);
    let unclear: Vec<&str> = unclear.iter().map(|e| e.input.key.as_str()).collect();
    if !unclear.is_empty() {
        let _ = writeln!(
            out,
            "\nNo effect clear of zero ({} inputs, in file order; the CSV has their intervals):",
            unclear.len()
        );
        wrap(&mut out, &unclear, 100);
    }
    let skipped: Vec<String> = a
        .effects
        .iter()
        .flat_map(|e| {
            [("low", &e.low_value), ("high", &e.high_value)]
                .into_iter()
                .filter_map(|(side, v)| {
                    v.as_ref()
                        .err()
                        .map(|why| format!("  {} {side}: {why}", e.input.key))
                })
        })
        .collect();
    if !skipped.is_empty() {
        let _ = writeln!(out, "\nNot simulated (the base value is used instead):");
        for line in skipped {
            let _ = writeln!(out, "{line}");
        }
    }
    out
}

fn wrap(out: &mut String, words: &[&str], width: usize) {
    let mut line = String::from(" ");
    for w in words {
        if line.len() + w.len() + 1 > width && line.len() > 1 {
            let _ = writeln!(out, "{}", line.trim_end_matches(','));
            line = String::from(" ");
        }
        line.push(' ');
        line.push_str(w);
        line.push(',');
    }
    let _ = writeln!(out, "{}", line.trim_end_matches(','));
}

fn cell(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        String::new()
    }
}

/// Tidy CSV: one row per input and side (low, high), in rank order.
pub fn sensitivity_csv(a: &Analysis) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "scenario",
        "metric",
        "carrier",
        "by",
        "rank",
        "key",
        "labels",
        "line",
        "side",
        "base_value",
        "value",
        "base_metric",
        "effect",
        "ci_low",
        "ci_high",
        "swing",
        "swing_ci_low",
        "swing_ci_high",
        "clear",
        "replications",
        "note",
    ];
    w.write_record(header).expect("in-memory CSV");
    let carrier = a.carrier.clone().unwrap_or_else(|| "all".into());
    for (rank, e) in a.effects.iter().enumerate() {
        for (side, value, effect) in [
            ("low", &e.low_value, &e.low),
            ("high", &e.high_value, &e.high),
        ] {
            let (value, note) = match value {
                Ok(v) => (v.clone(), String::new()),
                Err(why) => (String::new(), why.to_string()),
            };
            w.write_record([
                a.scenario.clone(),
                a.metric.name().to_string(),
                carrier.clone(),
                a.by.to_string(),
                (rank + 1).to_string(),
                e.input.key.clone(),
                e.input.labels.join(" "),
                e.input.line.to_string(),
                side.to_string(),
                e.base_value.clone(),
                value,
                cell(a.base.value),
                cell(effect.value),
                cell(effect.low),
                cell(effect.high),
                cell(e.swing.value),
                cell(e.swing.low),
                cell(e.swing.high),
                e.is_clear().to_string(),
                a.replications.to_string(),
                note,
            ])
            .expect("in-memory CSV");
        }
    }
    String::from_utf8(w.into_inner().expect("in-memory writer")).expect("UTF-8")
}
