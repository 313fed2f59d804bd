//! The human report: aligned plain-text tables on stdout.

use super::{Measurement, MessageRow, Percentiles, Report};
use crate::model::{Outcome, SessionEndKind};
use crate::scenario::Scenario;
use crate::stats::Estimate;
use crate::stats::Quantile;
use crate::units::{Human, HumanRate, NANOS_PER_SEC};
use std::fmt::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Widest table line; 0 for no limit (files, pipes, `--wide`).
static TABLE_WIDTH: AtomicUsize = AtomicUsize::new(0);

/// Tables wider than `width` characters are printed as column blocks that
/// each repeat the key columns; 0 never splits. Set once by the command
/// line for a terminal.
pub fn set_table_width(width: usize) {
    TABLE_WIDTH.store(width, Ordering::Relaxed);
}

/// `text` with lines longer than the table width broken at spaces, the
/// continuation indented; unchanged without a width.
pub fn wrap_to_table_width(text: String) -> String {
    wrap(text, TABLE_WIDTH.load(Ordering::Relaxed))
}

fn wrap(text: String, max: usize) -> String {
    if max == 0 || text.lines().all(|l| l.chars().count() <= max) {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (body, newline) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        let mut rest = body;
        let mut first = true;
        loop {
            let room = if first {
                max
            } else {
                max.saturating_sub(4).max(20)
            };
            if rest.chars().count() <= room {
                if !first {
                    out.push_str("    ");
                }
                out.push_str(rest);
                break;
            }
            let cut: usize = rest.char_indices().nth(room).map_or(rest.len(), |(i, _)| i);
            let at = rest[..cut].rfind(' ').filter(|&i| i > 0).unwrap_or(cut);
            if !first {
                out.push_str("    ");
            }
            out.push_str(rest[..at].trim_end());
            out.push('\n');
            rest = rest[at..].trim_start();
            first = false;
        }
        out.push_str(newline);
    }
    out
}

/// The columns of each block: the key columns `0..left`, then as many
/// others as fit in `max` characters (at least one).
fn blocks(widths: &[usize], left: usize, max: usize) -> Vec<Vec<usize>> {
    let span = |cols: &[usize]| cols.iter().map(|&c| widths[c] + 2).sum::<usize>();
    let all: Vec<usize> = (0..widths.len()).collect();
    if max == 0 || span(&all) <= max + 2 || left >= widths.len() {
        return vec![all];
    }
    let key: Vec<usize> = (0..left).collect();
    let mut blocks = Vec::new();
    let mut block = key.clone();
    for (c, width) in widths.iter().enumerate().skip(left) {
        if block.len() > left && span(&block) + width + 2 > max + 2 {
            blocks.push(std::mem::replace(&mut block, key.clone()));
        }
        block.push(c);
    }
    blocks.push(block);
    blocks
}

/// Aligns columns: the first `left` columns left-aligned, the rest right.
pub(crate) fn grid(out: &mut String, header: &[&str], rows: &[Vec<String>], left: usize) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let line = |out: &mut String, cells: &[&str], cols: &[usize]| {
        let mut text = String::new();
        for (k, &i) in cols.iter().enumerate() {
            if k > 0 {
                text.push_str("  ");
            }
            let cell = cells[i];
            let pad = widths[i] - cell.chars().count();
            if i < left {
                text.push_str(cell);
                text.push_str(&" ".repeat(pad));
            } else {
                text.push_str(&" ".repeat(pad));
                text.push_str(cell);
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    let max = TABLE_WIDTH.load(Ordering::Relaxed);
    for (b, cols) in blocks(&widths, left, max).iter().enumerate() {
        if b > 0 {
            out.push('\n');
        }
        line(out, header, cols);
        for row in rows {
            let cells: Vec<&str> = row.iter().map(String::as_str).collect();
            line(out, &cells, cols);
        }
    }
}

pub(crate) fn pct_ci(e: &Estimate) -> String {
    if e.is_defined() {
        format!(
            "{:.2}% [{:.2}, {:.2}]",
            e.value * 100.0,
            e.low * 100.0,
            e.high * 100.0
        )
    } else {
        "-".into()
    }
}

pub(crate) fn secs(s: f64) -> String {
    if s.is_nan() {
        "-".into()
    } else {
        Human((s * NANOS_PER_SEC as f64) as u64).to_string()
    }
}

pub(super) fn secs_ci(e: &Estimate) -> String {
    if !e.is_defined() {
        return "-".into();
    }
    if e.low == e.high {
        return secs(e.value);
    }
    format!(
        "{} [{}, {}]",
        secs(e.value),
        secs(e.low.max(0.0)),
        secs(e.high)
    )
}

pub(super) fn num_ci(e: &Estimate, decimals: usize) -> String {
    if !e.is_defined() {
        "-".into()
    } else if e.low == e.high {
        format!("{:.decimals$}", e.value)
    } else {
        format!(
            "{:.decimals$} [{:.decimals$}, {:.decimals$}]",
            e.value, e.low, e.high
        )
    }
}

fn p99_with_ci(p: &Percentiles) -> String {
    let ci = p.per_replication[Quantile::P99];
    if ci.is_defined() && ci.low != ci.high {
        format!(
            "{} [{}, {}]",
            secs(p.merged[Quantile::P99]),
            secs(ci.low.max(0.0)),
            secs(ci.high)
        )
    } else {
        secs(p.merged[Quantile::P99])
    }
}

/// The scenario's report, then its alternatives side by side, then the
/// expectations.
pub fn render_run(sc: &Scenario, results: &super::RunResults) -> String {
    let mut out = match &results.reports[0] {
        Some(base) => table_of(sc, base, results.measurement.as_deref()),
        None => String::new(),
    };
    // The answer goes right after the header, before the tables.
    let first_table = ["\nMESSAGE BODIES", "\nMESSAGES by provider"]
        .iter()
        .find_map(|t| out.find(t));
    if let Some(at) = first_table {
        out.insert_str(at, &super::render_answer(sc, results));
    }
    if results.simulated().count() > 1 {
        out.push_str("\nALTERNATIVES (the same users under each alternative)\n");
        let target = format!("code <= {} [95% CI]", Human(sc.otp.target));
        let header = [
            "alternative",
            "carrier",
            "sessions",
            "OTP success [95% CI]",
            target.as_str(),
            "code p50",
            "code p99",
            "sends/session",
            "voice [95% CI]",
            "cost/success",
            "cost/run [95% CI]",
        ];
        let mut rows = Vec::new();
        for (_, name, report) in results.simulated() {
            for r in &report.sessions {
                rows.push(vec![
                    name.to_string(),
                    r.carrier.clone().unwrap_or_else(|| "(all)".into()),
                    r.total.to_string(),
                    pct_ci(&r.otp_success),
                    pct_ci(&r.within_target),
                    secs(r.time_to_code.merged[Quantile::P50]),
                    secs(r.time_to_code.merged[Quantile::P99]),
                    num_ci(&r.sends_per_session, 3),
                    pct_ci(&r.voice_share),
                    num_ci(&r.cost_per_success, 2),
                    num_ci(&r.cost_per_run, 0),
                ]);
            }
        }
        grid(&mut out, &header, &rows, 2);
        for alt in &sc.alternatives {
            if !alt.description.is_empty() {
                let _ = writeln!(out, "  {}: {}", alt.name, alt.description);
            }
        }
    }
    if let Some(m) = &results.measurement
        && let Some(load) = &m.load
    {
        out.push_str(&load.render(m.interrupted_after, m.wall_seconds));
    }
    out.push_str(&render_verdicts(&results.verdicts));
    out
}

/// PASS/FAIL lines for the expectations.
pub fn render_verdicts(verdicts: &[super::Verdict]) -> String {
    let mut out = String::new();
    if verdicts.is_empty() {
        return out;
    }
    out.push_str("\nEXPECTATIONS\n");
    for v in verdicts {
        let observed = if v.is_time() {
            secs_ci(&v.observed)
        } else {
            num_ci(&v.observed, 4)
        };
        let _ = writeln!(
            out,
            "{}  {}: observed {} ; expected {}",
            v.word(),
            v.label,
            observed,
            v.bound
        );
    }
    out
}

/// The report of one simulated routing policy.
pub fn render_table(sc: &Scenario, report: &Report) -> String {
    table_of(sc, report, None)
}

/// The report of one routing policy, simulated or (with `measurement`)
/// measured.
fn table_of(sc: &Scenario, report: &Report, measurement: Option<&Measurement>) -> String {
    let mut out = String::new();
    let m = &report.merged;
    let _ = writeln!(
        out,
        "simsms {} | scenario \"{}\" ({})",
        report.version, report.scenario, report.source
    );
    let costs = if sc.currency.is_empty() {
        String::new()
    } else {
        format!("; costs in {}", sc.currency)
    };
    let counts = format!(
        "{} sessions, {} messages (pooled)",
        m.total_sessions(),
        m.total_messages()
    );
    match measurement {
        None => {
            let _ = writeln!(
                out,
                "seed {} | {} | {} arrivals + {} drain | {counts}",
                report.seed,
                crate::units::count(report.replications, "replication"),
                Human(sc.duration),
                Human(sc.drain),
            );
            let _ = writeln!(
                out,
                "rates: mean over replications with a 95% t interval (Wilson on pooled counts for 1 replication); percentiles: merged histogram, p99 interval across replications{costs}",
            );
        }
        Some(measurement) => {
            let _ = writeln!(out, "{}", measurement.line());
            let _ = writeln!(out, "one measured run | {counts}");
            let _ = writeln!(
                out,
                "rates: Wilson 95% intervals on the measured counts; percentiles: the measured histogram{costs}"
            );
        }
    }

    let (bodies, texts) = super::bodies::body_rows(sc);
    if !bodies.is_empty() {
        out.push_str("\nMESSAGE BODIES by provider (the code filled with 123456...)\n");
        grid(&mut out, &super::bodies::HEADER, &bodies, 2);
        for line in texts {
            let _ = writeln!(out, "{line}");
        }
    }
    let unused = unused_providers(report);
    let shown = |provider: &str| !unused.iter().any(|u| u == provider);
    out.push_str("\nMESSAGES by provider x carrier\n");
    let header = [
        "provider",
        "carrier",
        "sent",
        "true delivery [95% CI]",
        "receipts say delivered [95% CI]",
        "gap",
        "p50",
        "p90",
        "p99 [95% CI]",
        "p99.9",
        "max",
        "misrouted",
        "cost/msg",
    ];
    let rows: Vec<Vec<String>> = report
        .messages
        .iter()
        .filter(|r| shown(&r.provider))
        .map(|r| {
            let gap = if r.delivery.is_defined() && r.receipt_delivery.is_defined() {
                format!(
                    "{:+.2}pt",
                    (r.receipt_delivery.value - r.delivery.value) * 100.0
                )
            } else {
                "-".into()
            };
            vec![
                r.provider.clone(),
                r.carrier.clone().unwrap_or_else(|| "(all)".into()),
                r.total.to_string(),
                pct_ci(&r.delivery),
                pct_ci(&r.receipt_delivery),
                gap,
                secs(r.latency.merged[Quantile::P50]),
                secs(r.latency.merged[Quantile::P90]),
                p99_with_ci(&r.latency),
                secs(r.latency.merged[Quantile::P999]),
                secs(r.latency.max),
                r.misrouted.to_string(),
                if r.total > 0 {
                    format!("{:.2}", r.cost / r.total as f64)
                } else {
                    "-".into()
                },
            ]
        })
        .collect();
    grid(&mut out, &header, &rows, 2);
    if !unused.is_empty() {
        let why = match (measurement, unused.len()) {
            (None, 1) => "the routing never sends to it",
            (None, _) => "the routing never sends to them",
            (Some(_), 1) => "it saw no messages in this run",
            (Some(_), _) => "they saw no messages in this run",
        };
        let _ = writeln!(
            out,
            "  not shown in the provider tables: {} ({why})",
            unused.join(", ")
        );
    }

    out.push_str("\nMESSAGE OUTCOMES (counts, pooled)\n");
    let mut header = vec!["provider", "carrier", "sent"];
    header.extend(Outcome::ALL.iter().map(|o| o.name()));
    let rows: Vec<Vec<String>> = report
        .messages
        .iter()
        .filter(|r| shown(&r.provider))
        .map(|r| {
            let mut row = vec![
                r.provider.clone(),
                r.carrier.clone().unwrap_or_else(|| "(all)".into()),
                r.total.to_string(),
            ];
            row.extend(r.outcomes.iter().map(u64::to_string));
            row
        })
        .collect();
    grid(&mut out, &header, &rows, 2);
    message_shares(&mut out, report, &unused);

    out.push_str("\nSESSIONS by carrier\n");
    let target = format!("code <= {} [95% CI]", Human(sc.otp.target));
    let header = [
        "carrier",
        "sessions",
        "OTP success [95% CI]",
        target.as_str(),
        "code p50",
        "code p90",
        "code p99 [95% CI]",
        "sends/session",
        "resent [95% CI]",
        "voice [95% CI]",
        "cost/success",
        "cost/run [95% CI]",
    ];
    let rows: Vec<Vec<String>> = report
        .sessions
        .iter()
        .map(|r| {
            vec![
                r.carrier.clone().unwrap_or_else(|| "(all)".into()),
                r.total.to_string(),
                pct_ci(&r.otp_success),
                pct_ci(&r.within_target),
                secs(r.time_to_code.merged[Quantile::P50]),
                secs(r.time_to_code.merged[Quantile::P90]),
                p99_with_ci(&r.time_to_code),
                num_ci(&r.sends_per_session, 3),
                pct_ci(&r.resend_share),
                pct_ci(&r.voice_share),
                num_ci(&r.cost_per_success, 2),
                num_ci(&r.cost_per_run, 0),
            ]
        })
        .collect();
    grid(&mut out, &header, &rows, 1);

    out.push_str("\nSESSION OUTCOMES (counts, pooled)\n");
    let mut header = vec!["carrier"];
    header.extend(SessionEndKind::ALL.map(SessionEndKind::name));
    let by_send: Vec<String> = (1..=sc.otp.max_sends)
        .map(|k| format!("by send {k}"))
        .collect();
    header.extend(by_send.iter().map(String::as_str));
    let rows: Vec<Vec<String>> = report
        .sessions
        .iter()
        .map(|r| {
            let mut row = vec![r.carrier.clone().unwrap_or_else(|| "(all)".into())];
            row.extend(r.outcomes.iter().map(|(_, n)| n.to_string()));
            row.extend(r.success_by_send.iter().map(u64::to_string));
            row
        })
        .collect();
    grid(&mut out, &header, &rows, 1);
    session_shares(&mut out, report);

    out.push_str("\nPROVIDER QUEUES\n");
    let header = [
        "provider",
        "route",
        "tps",
        "admitted",
        "mean wait [95% CI]",
        "max depth",
    ];
    let rows: Vec<Vec<String>> = report
        .queues
        .iter()
        .zip(&sc.providers)
        .filter(|(q, _)| shown(&q.provider))
        .map(|(q, p)| {
            vec![
                q.provider.clone(),
                p.route.name().to_string(),
                p.tps
                    .map_or("unlimited".into(), |t| HumanRate(t).to_string()),
                q.admitted.to_string(),
                secs_ci(&q.mean_wait),
                q.max_depth.to_string(),
            ]
        })
        .collect();
    grid(&mut out, &header, &rows, 3);

    out.push_str(&render_timeline(sc, report));

    out
}

/// Buckets over the arrival window and the patience after it; everything
/// later (SMSC retries in the drain) is summed into one final row.
fn render_timeline(sc: &Scenario, report: &Report) -> String {
    let t = &report.merged.timeline;
    let reps = report.replications.max(1) as f64;
    let shown = ((sc.duration + sc.otp.patience).div_ceil(t.bucket) as usize).min(t.arrivals.len());
    let stored = t.stored();
    let mut out =
        String::from("\nTIMELINE (per replication, mean; queue = max depth over all providers)\n");
    let header = [
        "from",
        "arrivals",
        "sends",
        "deliveries",
        "queue",
        "stored in SMSC (end)",
    ];
    let mut rows = Vec::new();
    let per = |v: f64| format!("{:.1}", v / reps);
    let queue_at = |i: usize| t.queue_depth.iter().map(|q| q[i]).max().unwrap_or(0);
    for (i, backlog) in stored.iter().enumerate().take(shown) {
        rows.push(vec![
            Human(i as u64 * t.bucket).to_string(),
            per(t.arrivals[i] as f64),
            per(t.sends[i] as f64),
            per(t.deliveries[i] as f64),
            queue_at(i).to_string(),
            per(*backlog as f64),
        ]);
    }
    if shown < t.arrivals.len() {
        let sum = |v: &Vec<u64>| v[shown..].iter().sum::<u64>() as f64;
        let max_queue = (shown..t.arrivals.len()).map(queue_at).max().unwrap_or(0);
        rows.push(vec![
            format!("{}+", Human(shown as u64 * t.bucket)),
            per(sum(&t.arrivals)),
            per(sum(&t.sends)),
            per(sum(&t.deliveries)),
            max_queue.to_string(),
            per(*stored.last().unwrap_or(&0) as f64),
        ]);
    }
    grid(&mut out, &header, &rows, 1);
    out
}

/// Providers that sent no message while others did: the provider tables
/// leave out their rows of zeros (JSON and CSV keep them).
fn unused_providers(report: &Report) -> Vec<String> {
    let totals = || report.messages.iter().filter(|r| r.carrier.is_none());
    if totals().all(|r| r.total == 0) {
        return Vec::new();
    }
    totals()
        .filter(|r| r.total == 0)
        .map(|r| r.provider.clone())
        .collect()
}

/// Each outcome that occurred, as a share of each provider's messages over
/// all carriers, with its interval (per carrier: CSV and JSON).
fn message_shares(out: &mut String, report: &Report, unused: &[String]) {
    let totals: Vec<&MessageRow> = report
        .messages
        .iter()
        .filter(|r| r.carrier.is_none() && !unused.contains(&r.provider))
        .collect();
    let mut header = vec!["outcome"];
    header.extend(totals.iter().map(|r| r.provider.as_str()));
    let mut rows: Vec<Vec<String>> = Vec::new();
    for o in Outcome::ALL {
        if totals.iter().all(|r| r.outcomes[o as usize] == 0) {
            continue;
        }
        let mut row = vec![o.name().to_string()];
        row.extend(totals.iter().map(|r| pct_ci(&r.shares[o as usize])));
        rows.push(row);
    }
    if totals.iter().any(|r| r.misrouted > 0) {
        let mut row = vec!["(misrouted)".to_string()];
        row.extend(totals.iter().map(|r| pct_ci(&r.misrouted_share)));
        rows.push(row);
    }
    out.push_str("\nMESSAGE OUTCOME SHARES by provider, all carriers [95% CI]\n");
    grid(out, &header, &rows, 1);
}

/// Each way a session can end, as a share of each carrier's sessions.
fn session_shares(out: &mut String, report: &Report) {
    let mut header = vec!["outcome"];
    let names: Vec<String> = report
        .sessions
        .iter()
        .map(|r| r.carrier.clone().unwrap_or_else(|| "(all)".into()))
        .collect();
    header.extend(names.iter().map(String::as_str));
    let rows: Vec<Vec<String>> = SessionEndKind::ALL
        .iter()
        .enumerate()
        .map(|(k, kind)| {
            let mut row = vec![kind.name().to_string()];
            row.extend(report.sessions.iter().map(|r| pct_ci(&r.shares[k])));
            row
        })
        .collect();
    out.push_str("\nSESSION OUTCOME SHARES by carrier [95% CI]\n");
    grid(out, &header, &rows, 1);
}

#[cfg(test)]
mod tests {
    use super::{blocks, wrap};

    #[test]
    fn long_lines_wrap_at_spaces_with_an_indent() {
        let text = "short\none two three four five six\n".to_string();
        assert_eq!(wrap(text.clone(), 0), text);
        assert_eq!(wrap(text, 20), "short\none two three four\n    five six\n");
    }

    #[test]
    fn wide_tables_split_into_blocks_that_repeat_the_keys() {
        let widths = [8, 6, 20, 20, 20];
        assert_eq!(blocks(&widths, 2, 0).len(), 1);
        assert_eq!(blocks(&widths, 2, 200).len(), 1);
        let split = blocks(&widths, 2, 60);
        assert_eq!(split, vec![vec![0, 1, 2, 3], vec![0, 1, 4]]);
        // Every block fits (8 + 6 + 20 + 20 and three gaps is 40 + 6).
        for b in &split {
            let width: usize = b.iter().map(|&c| widths[c]).sum::<usize>() + 2 * (b.len() - 1);
            assert!(width <= 60, "{b:?}: {width}");
        }
        // A column wider than the limit still gets a block of its own.
        assert_eq!(blocks(&[4, 100, 3], 1, 50), vec![vec![0, 1], vec![0, 2]]);
    }
}
