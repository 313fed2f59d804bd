//! CSV exports. `summary.csv` is tidy (one row per alternative × provider ×
//! carrier × metric, with value, interval and count), so a spreadsheet
//! pivots it directly; `latency.csv` is the HDR percentile spectrum per key;
//! `timeline.csv` has one row per alternative × bucket.

use super::{Run, finite};
use crate::metrics::new_histogram;
use crate::model::Outcome;
use crate::report::Percentiles;
use crate::stats::Estimate;
use crate::stats::Quantile;
use crate::units::NANOS_PER_SEC;

fn writer() -> csv::Writer<Vec<u8>> {
    csv::Writer::from_writer(Vec::new())
}

fn finish(w: csv::Writer<Vec<u8>>) -> String {
    String::from_utf8(w.into_inner().expect("in-memory writer")).expect("CSV is UTF-8")
}

fn cell(x: f64) -> String {
    finite(x).map_or(String::new(), |v| format!("{v}"))
}

struct Tidy<'r> {
    w: csv::Writer<Vec<u8>>,
    scenario: &'r str,
}

impl Tidy<'_> {
    #[allow(clippy::too_many_arguments)]
    fn row(
        &mut self,
        alternative: &str,
        level: &str,
        provider: &str,
        carrier: &str,
        metric: &str,
        e: Estimate,
        n: u64,
    ) {
        self.w
            .write_record([
                self.scenario,
                alternative,
                level,
                provider,
                carrier,
                metric,
                &cell(e.value),
                &cell(e.low),
                &cell(e.high),
                &n.to_string(),
            ])
            .expect("in-memory CSV");
    }

    fn percentiles(
        &mut self,
        alternative: &str,
        level: &str,
        provider: &str,
        carrier: &str,
        prefix: &str,
        p: &Percentiles,
    ) {
        for q in Quantile::ALL {
            let name = q.name();
            let e = p.estimate(q);
            self.row(
                alternative,
                level,
                provider,
                carrier,
                &format!("{prefix}_{name}_s"),
                e,
                p.count,
            );
        }
        self.row(
            alternative,
            level,
            provider,
            carrier,
            &format!("{prefix}_max_s"),
            Estimate::exact(p.max),
            p.count,
        );
    }
}

/// The tidy summary: columns scenario, alternative, level, provider,
/// carrier, metric, value, ci_low, ci_high, n.
pub fn summary_csv(run: &Run) -> String {
    let mut t = Tidy {
        w: writer(),
        scenario: &run.scenario.name,
    };
    t.w.write_record([
        "scenario",
        "alternative",
        "level",
        "provider",
        "carrier",
        "metric",
        "value",
        "ci_low",
        "ci_high",
        "n",
    ])
    .expect("in-memory CSV");
    for (_, alt, report) in run.shown() {
        for r in &report.messages {
            let carrier = r.carrier.as_deref().unwrap_or("all");
            let n = r.total;
            t.row(
                alt,
                "message",
                &r.provider,
                carrier,
                "sent",
                Estimate::exact(n as f64),
                n,
            );
            for o in Outcome::ALL {
                t.row(
                    alt,
                    "message",
                    &r.provider,
                    carrier,
                    &format!("outcome_{}", o.name()),
                    Estimate::exact(r.outcomes[o as usize] as f64),
                    n,
                );
                t.row(
                    alt,
                    "message",
                    &r.provider,
                    carrier,
                    &format!("share_{}", o.name()),
                    r.shares[o as usize],
                    n,
                );
            }
            t.row(
                alt,
                "message",
                &r.provider,
                carrier,
                "delivery_rate",
                r.delivery,
                n,
            );
            t.row(
                alt,
                "message",
                &r.provider,
                carrier,
                "receipt_delivery_rate",
                r.receipt_delivery,
                n,
            );
            t.row(
                alt,
                "message",
                &r.provider,
                carrier,
                "misrouted",
                Estimate::exact(r.misrouted as f64),
                n,
            );
            t.row(
                alt,
                "message",
                &r.provider,
                carrier,
                "share_misrouted",
                r.misrouted_share,
                n,
            );
            t.row(
                alt,
                "message",
                &r.provider,
                carrier,
                "cost_total",
                Estimate::exact(r.cost),
                n,
            );
            t.percentiles(alt, "message", &r.provider, carrier, "latency", &r.latency);
        }
        for r in &report.sessions {
            let carrier = r.carrier.as_deref().unwrap_or("all");
            let n = r.total;
            t.row(
                alt,
                "session",
                "all",
                carrier,
                "sessions",
                Estimate::exact(n as f64),
                n,
            );
            for (kind, count) in r.outcomes.iter() {
                t.row(
                    alt,
                    "session",
                    "all",
                    carrier,
                    &format!("outcome_{}", kind.name()),
                    Estimate::exact(count as f64),
                    n,
                );
                t.row(
                    alt,
                    "session",
                    "all",
                    carrier,
                    &format!("session_share_{}", kind.name()),
                    r.shares[kind as usize],
                    n,
                );
            }
            t.row(
                alt,
                "session",
                "all",
                carrier,
                "otp_success",
                r.otp_success,
                n,
            );
            t.row(
                alt,
                "session",
                "all",
                carrier,
                "success_within_target",
                r.within_target,
                n,
            );
            t.row(
                alt,
                "session",
                "all",
                carrier,
                "sends_per_session",
                r.sends_per_session,
                n,
            );
            t.row(
                alt,
                "session",
                "all",
                carrier,
                "resend_share",
                r.resend_share,
                n,
            );
            t.row(
                alt,
                "session",
                "all",
                carrier,
                "voice_share",
                r.voice_share,
                n,
            );
            t.row(
                alt,
                "session",
                "all",
                carrier,
                "cost_per_success",
                r.cost_per_success,
                n,
            );
            t.row(
                alt,
                "session",
                "all",
                carrier,
                "cost_per_run",
                r.cost_per_run,
                n,
            );
            t.percentiles(
                alt,
                "session",
                "all",
                carrier,
                "time_to_code",
                &r.time_to_code,
            );
        }
        for q in &report.queues {
            t.row(
                alt,
                "queue",
                &q.provider,
                "all",
                "mean_wait_s",
                q.mean_wait,
                q.admitted,
            );
            t.row(
                alt,
                "queue",
                &q.provider,
                "all",
                "max_depth",
                Estimate::exact(q.max_depth as f64),
                q.admitted,
            );
        }
    }
    if let Some(load) = run.measurement().and_then(|m| m.load.as_ref()) {
        let alt = run.results.names[0].as_str();
        for (metric, value, n) in load.tidy() {
            t.row(
                alt,
                "load",
                "all",
                "all",
                &metric,
                Estimate::exact(value),
                n,
            );
        }
    }
    finish(t.w)
}

/// Percentile spectra: columns scenario, alternative, kind (latency or
/// time_to_code), provider, carrier, quantile, value_s, count_at_or_below.
pub fn latency_csv(run: &Run) -> String {
    let mut w = writer();
    w.write_record([
        "scenario",
        "alternative",
        "kind",
        "provider",
        "carrier",
        "quantile",
        "value_s",
        "count_at_or_below",
    ])
    .expect("in-memory CSV");
    for (i, alt, report) in run.shown() {
        let sc = run.scenario.variant(i);
        let m = &report.merged;
        let mut spectra: Vec<(&str, String, String, hdrhistogram::Histogram<u64>)> = Vec::new();
        for (p, provider) in sc.provider_ids().zip(&sc.providers) {
            for (c, carrier) in sc.carrier_ids().zip(&sc.carriers) {
                spectra.push((
                    "latency",
                    provider.name.clone(),
                    carrier.name.clone(),
                    m.cell(p, c).latency.clone(),
                ));
            }
        }
        let mut all = new_histogram();
        for (c, carrier) in sc.carriers.iter().enumerate() {
            let h = &m.sessions[c].time_to_code;
            all.add(h).expect("same bounds");
            spectra.push((
                "time_to_code",
                "all".into(),
                carrier.name.clone(),
                h.clone(),
            ));
        }
        spectra.push(("time_to_code", "all".into(), "all".into(), all));
        for (kind, provider, carrier, h) in spectra {
            if h.is_empty() {
                continue;
            }
            for v in h.iter_quantiles(2) {
                w.write_record([
                    run.scenario.name.as_str(),
                    alt,
                    kind,
                    &provider,
                    &carrier,
                    &format!("{:.6}", v.quantile_iterated_to()),
                    &format!("{}", v.value_iterated_to() as f64 / 1000.0),
                    &format!(
                        "{}",
                        (v.quantile_iterated_to() * h.len() as f64).round() as u64
                    ),
                ])
                .expect("in-memory CSV");
            }
        }
    }
    finish(w)
}

/// One row per alternative × bucket: per-replication means of arrivals,
/// sends and deliveries, the largest queue depth of any provider, and the
/// SMSC backlog at the bucket's end.
pub fn timeline_csv(run: &Run) -> String {
    let mut w = writer();
    w.write_record([
        "scenario",
        "alternative",
        "bucket_start_s",
        "bucket_end_s",
        "arrivals",
        "sends",
        "deliveries",
        "queue_depth_max",
        "stored_in_smsc",
    ])
    .expect("in-memory CSV");
    for (_, alt, report) in run.shown() {
        let t = &report.merged.timeline;
        let reps = report.replications.max(1) as f64;
        let stored = t.stored();
        let secs = |n: u64| n as f64 / NANOS_PER_SEC as f64;
        for b in 0..t.arrivals.len() {
            let depth = t.queue_depth.iter().map(|q| q[b]).max().unwrap_or(0);
            w.write_record([
                run.scenario.name.clone(),
                alt.to_string(),
                format!("{}", secs(b as u64 * t.bucket)),
                format!("{}", secs((b as u64 + 1) * t.bucket)),
                format!("{}", t.arrivals[b] as f64 / reps),
                format!("{}", t.sends[b] as f64 / reps),
                format!("{}", t.deliveries[b] as f64 / reps),
                depth.to_string(),
                format!("{}", stored[b] as f64 / reps),
            ])
            .expect("in-memory CSV");
        }
    }
    finish(w)
}
