//! What kind of run a report describes, and what a measured run measured.
//! A simulation's report has no `Measurement`; `serve`'s summary and a
//! `load` run carry one, and every renderer reads it as data: the text
//! header and LOAD section, the JSON `run` and `load` objects, CSV rows,
//! Markdown, HTML and JUnit. Nothing rewrites another renderer's text.

use crate::scenario::LoadMetric;
use crate::stats::{ByQuantile, Quantile};
use std::collections::BTreeMap;
use std::fmt::Write;

/// How the report's figures came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    /// `run`, `compare`, `merge` of a simulation: replications in virtual time.
    Simulated,
    /// `serve`'s summary: the model's fates of the messages clients submitted.
    Served,
    /// `load`: what a real endpoint answered.
    Loaded,
}

impl RunKind {
    /// As JSON and CSV name it.
    pub fn name(self) -> &'static str {
        match self {
            RunKind::Simulated => "simulated",
            RunKind::Served => "served",
            RunKind::Loaded => "loaded",
        }
    }
}

/// One measured run: what it was measured against, for how long, and
/// (for `load`) the load's own figures.
#[derive(Debug, Clone)]
pub struct Measurement {
    pub kind: RunKind,
    /// What was measured: a target as displayed (no password), or
    /// "simsms serve at 60x".
    pub target: String,
    /// How it was measured, in a few words.
    pub note: String,
    /// Wall-clock length of the measurement.
    pub wall_seconds: f64,
    /// The same span on the model's clock (`serve` runs it at `--speed`).
    pub model_seconds: f64,
    /// Stopped by Ctrl-C this many seconds in.
    pub interrupted_after: Option<f64>,
    pub load: Option<LoadFigures>,
}

impl Measurement {
    /// The report's second line.
    pub fn line(&self) -> String {
        match self.kind {
            RunKind::Loaded => format!(
                "measured against {} (not simulated; {})",
                self.target, self.note
            ),
            _ => format!(
                "served by {} for {:.1} s of wall time (not simulated; {})",
                self.target, self.wall_seconds, self.note
            ),
        }
    }

    /// A figure `[[expect]]` can bound, when this run measured it.
    pub fn load_metric(&self, metric: LoadMetric) -> Option<f64> {
        let load = self.load.as_ref()?;
        let share = |n: u64| (load.planned > 0).then(|| n as f64 / load.planned as f64);
        let refused: u64 = load.refusals.values().sum();
        match metric {
            LoadMetric::LateShare => share(load.late),
            LoadMetric::DroppedShare => share(load.dropped),
            LoadMetric::RefusedShare => (load.sent > 0).then(|| refused as f64 / load.sent as f64),
            LoadMetric::ResponseLatency(q) => load.submit_response.from_intended.at(q),
            LoadMetric::ReceiptLatency(q) => load.receipt.from_intended.at(q),
        }
    }
}

/// A latency distribution summarised from its HDR histogram, in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatencySummary {
    pub count: u64,
    pub quantiles: ByQuantile<f64>,
    pub max: f64,
}

impl Default for LatencySummary {
    fn default() -> Self {
        LatencySummary {
            count: 0,
            quantiles: ByQuantile([0.0; 4]),
            max: 0.0,
        }
    }
}

impl LatencySummary {
    /// Summarises a histogram of microseconds.
    pub fn of_micros(h: &hdrhistogram::Histogram<u64>) -> LatencySummary {
        if h.is_empty() {
            return LatencySummary::default();
        }
        LatencySummary {
            count: h.len(),
            quantiles: ByQuantile::from_fn(|q| h.value_at_quantile(q.fraction()) as f64 / 1e6),
            max: h.max() as f64 / 1e6,
        }
    }

    /// The value at `q`, None when nothing was recorded.
    pub fn at(&self, q: Quantile) -> Option<f64> {
        (self.count > 0).then_some(self.quantiles[q])
    }
}

/// One latency measured from the intended and from the actual send time
/// (the first shows stalls of the sender, as wrk2 does; the second hides them).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LatencyPair {
    pub from_intended: LatencySummary,
    pub from_actual: LatencySummary,
}

/// What a load run counted, beyond the messages' fates.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LoadFigures {
    /// Over HTTP (Twilio's API) rather than SMPP.
    pub http: bool,
    pub planned: u64,
    pub sent: u64,
    /// Sent more than 10 ms after the intended time.
    pub late: u64,
    /// Never sent: the window stayed full `--max-late` past the time.
    pub dropped: u64,
    pub resubmitted: u64,
    pub reconnects: u64,
    /// Messages in flight on a connection when it closed.
    pub lost_at_disconnect: u64,
    /// `--query`: query_sm sent, message parts a query found final (their
    /// receipt never came), queries refused.
    pub queries: u64,
    pub final_by_query: u64,
    pub queries_refused: u64,
    /// HTTP: requests without any answer, and the first one's error.
    pub unanswered: u64,
    pub first_error: Option<String>,
    /// HTTP: status callbacks whose X-Twilio-Signature did not verify.
    pub bad_signatures: u64,
    /// Error answers, by command_status (SMPP) or HTTP status / error code.
    pub refusals: BTreeMap<String, u64>,
    /// Final receipts by stat (HTTP: final status and error code).
    pub receipts: BTreeMap<String, u64>,
    /// Submit to its answer (submit_sm_resp, or the HTTP response).
    pub submit_response: LatencyPair,
    /// Submit to its final receipt (or final status callback).
    pub receipt: LatencyPair,
    /// Receipts for a message already final (sent twice, after a query
    /// settled it, or an HTTP callback repeating a final 201).
    pub duplicate_receipts: u64,
    /// Receipts whose id no message of the run had, kept apart (counted
    /// for no message), and the first few of them.
    pub unmatched_receipts: u64,
    pub unmatched_sample: Vec<UnmatchedReceipt>,
    /// Merged parts: receipts that came to another part than their
    /// message's, joined by id, and how precise their latency is.
    pub joined_receipts: u64,
    pub join_clock: Option<String>,
    /// Merged `--otp` parts: receipts that came to another part, which
    /// their sessions never saw.
    pub unseen_by_sessions: u64,
    /// How many processes measured the run (1, or the merged parts).
    pub parts: u32,
}

/// A receipt no message of the run had, as it came.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UnmatchedReceipt {
    pub id: String,
    pub stat: String,
    pub err: Option<String>,
    pub done_date: Option<String>,
    /// Its arrival, seconds from its process's start.
    pub at_s: f64,
}

impl LoadFigures {
    /// The LOAD section of the text report.
    pub fn render(&self, interrupted_after: Option<f64>, wall_seconds: f64) -> String {
        let mut out = String::from("\nLOAD\n");
        let _ = writeln!(
            out,
            "planned {}, sent {}, late {}, dropped (window full) {}, in {:.2} s",
            self.planned, self.sent, self.late, self.dropped, wall_seconds
        );
        if let Some(after) = interrupted_after {
            let _ = writeln!(
                out,
                "INTERRUPTED by Ctrl-C after {after:.2} s: a partial report; messages not sent by then (and not yet dropped) were not planned, those unanswered are lost"
            );
        }
        let _ = writeln!(
            out,
            "resubmitted after a throttle {}, reconnects {}, messages in flight when a connection closed {}",
            self.resubmitted, self.reconnects, self.lost_at_disconnect
        );
        if self.queries > 0 {
            let _ = writeln!(
                out,
                "query_sm for late receipts {}: final by query {} (their receipt never came), refused {}",
                self.queries, self.final_by_query, self.queries_refused
            );
        }
        let (answer, finals, refusals) = match self.http {
            false => (
                "submit_sm_resp",
                "receipts by stat",
                "refusals by command_status",
            ),
            true => (
                "HTTP answer",
                "final statuses",
                "refusals by HTTP status or error code",
            ),
        };
        let receipt = if self.http { "final status" } else { "receipt" };
        for (what, pair) in [(answer, &self.submit_response), (receipt, &self.receipt)] {
            for (from, s) in [
                ("intended", &pair.from_intended),
                ("actual", &pair.from_actual),
            ] {
                let _ = writeln!(out, "{what} from {from} send time: {}", s.line());
            }
        }
        let _ = writeln!(out, "{finals}: {}", counts(&self.receipts));
        if self.http {
            let first = self.first_error.as_deref().unwrap_or("-");
            let _ = writeln!(
                out,
                "requests without an HTTP answer: {} (first: {first})",
                self.unanswered
            );
            let _ = writeln!(
                out,
                "status callbacks with a bad X-Twilio-Signature: {}",
                self.bad_signatures
            );
        }
        let _ = writeln!(out, "{refusals}: {}", counts(&self.refusals));
        for note in self.receipt_notes() {
            let _ = writeln!(out, "{note}");
        }
        out
    }

    /// What the report says about receipts it could not simply match:
    /// duplicates, receipts for messages of no part of the run (kept
    /// apart), receipts joined across parts with their clock's precision,
    /// and `--otp` receipts their sessions never saw (docs/load.md).
    pub fn receipt_notes(&self) -> Vec<String> {
        let receipts = match self.http {
            false => "receipts",
            true => "final status callbacks",
        };
        let not_sent = match self.parts > 1 {
            false => "this process did not send",
            true => "no part of this run sent",
        };
        let mut notes = Vec::new();
        if self.duplicate_receipts > 0 {
            notes.push(format!(
                "{receipts} for messages already final: {} (sent again by the endpoint, after a query settled the message, or repeating a final answer)",
                self.duplicate_receipts
            ));
        }
        if self.joined_receipts > 0 {
            notes.push(format!(
                "{receipts} joined across parts: {} (they came to another part than their message's, on the same account, and were matched by message id); their latency from the intended send time spans two clocks: {}",
                self.joined_receipts,
                self.join_clock.as_deref().unwrap_or("-")
            ));
        }
        if self.unseen_by_sessions > 0 {
            notes.push(format!(
                "{receipts} that came to another part: {}: their sessions never saw them, so the OTP figures count those codes as not received; with --otp give each shard its own account (docs/scale.md)",
                self.unseen_by_sessions
            ));
        }
        if self.unmatched_receipts > 0 {
            let why = match self.parts > 1 {
                false => {
                    "usually another process bound to the same account, which then also gets receipts of this process's messages (they count lost here): run each such process with --shard I/N and merge the parts (docs/scale.md)"
                }
                true => {
                    "from an earlier run the endpoint held, or a process on the account that was not merged"
                }
            };
            let first: Vec<String> = self.unmatched_sample.iter().map(|r| r.describe()).collect();
            notes.push(format!(
                "{receipts} for messages {not_sent}: {}, kept apart and counted for no message: {why}; first: {}",
                self.unmatched_receipts,
                first.join("; ")
            ));
        }
        notes
    }
}

impl UnmatchedReceipt {
    /// "id 1234 DELIVRD err 000 done 2611221712 at 1.23 s".
    pub fn describe(&self) -> String {
        let mut text = format!("id {} {}", self.id, self.stat);
        if let Some(err) = &self.err {
            text.push_str(&format!(" err {err}"));
        }
        if let Some(done) = &self.done_date {
            text.push_str(&format!(" done {done}"));
        }
        text.push_str(&format!(" at {:.2} s", self.at_s));
        text
    }
}

impl LoadFigures {
    /// The counts a summary table shows, with their headings.
    pub fn headline(&self) -> [(&'static str, u64); 6] {
        [
            ("planned", self.planned),
            ("sent", self.sent),
            ("late", self.late),
            ("dropped", self.dropped),
            ("refused", self.refusals.values().sum()),
            ("reconnects", self.reconnects),
        ]
    }

    /// The latencies from the intended send time a summary table shows:
    /// per row its name and cells p50, p90, p99, p99.9, max (in ms, "-"
    /// when nothing was recorded) and the count.
    pub fn latency_rows(&self) -> Vec<(&'static str, Vec<String>)> {
        let rows = [
            ("submit → answer", &self.submit_response.from_intended),
            ("submit → final receipt", &self.receipt.from_intended),
        ];
        rows.into_iter()
            .map(|(what, s)| {
                let ms = |v: f64| match s.count {
                    0 => "-".to_string(),
                    _ => format!("{:.1} ms", v * 1e3),
                };
                let mut cells: Vec<String> =
                    Quantile::ALL.iter().map(|q| ms(s.quantiles[*q])).collect();
                cells.push(ms(s.max));
                cells.push(s.count.to_string());
                (what, cells)
            })
            .collect()
    }

    /// Every figure as (metric, value, the count behind it), as the tidy
    /// CSV lists them (docs/outputs.md).
    pub fn tidy(&self) -> Vec<(String, f64, u64)> {
        let mut rows = Vec::new();
        let share = |n: u64, of: u64| {
            if of > 0 {
                n as f64 / of as f64
            } else {
                f64::NAN
            }
        };
        let counts = [
            ("planned", self.planned),
            ("sent", self.sent),
            ("late", self.late),
            ("dropped", self.dropped),
            ("resubmitted", self.resubmitted),
            ("reconnects", self.reconnects),
            ("lost_at_disconnect", self.lost_at_disconnect),
            ("queries", self.queries),
            ("final_by_query", self.final_by_query),
            ("queries_refused", self.queries_refused),
            ("unanswered", self.unanswered),
            ("bad_signatures", self.bad_signatures),
            ("duplicate_receipts", self.duplicate_receipts),
            ("unmatched_receipts", self.unmatched_receipts),
            ("joined_receipts", self.joined_receipts),
            ("unseen_by_sessions", self.unseen_by_sessions),
        ];
        for (name, n) in counts {
            rows.push((name.to_string(), n as f64, n));
        }
        let refused: u64 = self.refusals.values().sum();
        rows.push((
            "late_share".into(),
            share(self.late, self.planned),
            self.planned,
        ));
        rows.push((
            "dropped_share".into(),
            share(self.dropped, self.planned),
            self.planned,
        ));
        rows.push(("refused_share".into(), share(refused, self.sent), self.sent));
        for (status, n) in &self.refusals {
            rows.push((format!("refused {status}"), *n as f64, self.sent));
        }
        for (stat, n) in &self.receipts {
            rows.push((format!("receipt {stat}"), *n as f64, self.sent));
        }
        for (prefix, pair) in [
            ("resp_latency", &self.submit_response),
            ("receipt_latency", &self.receipt),
        ] {
            for (from, s) in [
                ("", &pair.from_intended),
                ("_from_actual", &pair.from_actual),
            ] {
                for q in Quantile::ALL {
                    let v = s.at(q).unwrap_or(f64::NAN);
                    rows.push((format!("{prefix}{from}_{}_s", q.name()), v, s.count));
                }
                let max = if s.count > 0 { s.max } else { f64::NAN };
                rows.push((format!("{prefix}{from}_max_s"), max, s.count));
            }
        }
        rows
    }
}

impl LatencySummary {
    /// "p50 1.234 ms, ..., max 9.000 ms (n 1000)", or "none measured".
    fn line(&self) -> String {
        if self.count == 0 {
            return "none measured".into();
        }
        let parts: Vec<String> = Quantile::ALL
            .iter()
            .map(|q| format!("{} {:.3} ms", q.name(), self.quantiles[*q] * 1e3))
            .collect();
        format!(
            "{}, max {:.3} ms (n {})",
            parts.join(", "),
            self.max * 1e3,
            self.count
        )
    }
}

fn counts(map: &BTreeMap<String, u64>) -> String {
    if map.is_empty() {
        return "none".into();
    }
    let parts: Vec<String> = map.iter().map(|(s, n)| format!("{s} {n}")).collect();
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_and_latencies_are_read_from_the_figures() {
        let mut h = hdrhistogram::Histogram::<u64>::new_with_bounds(1, 3_600_000_000, 3).unwrap();
        for us in 1..=1000 {
            h.record(us * 1000).unwrap();
        }
        let figures = LoadFigures {
            planned: 200,
            sent: 180,
            late: 30,
            dropped: 20,
            refusals: BTreeMap::from([("0x00000058".to_string(), 9)]),
            submit_response: LatencyPair {
                from_intended: LatencySummary::of_micros(&h),
                from_actual: LatencySummary::default(),
            },
            ..LoadFigures::default()
        };
        let m = Measurement {
            kind: RunKind::Loaded,
            target: "smpp://a@127.0.0.1:1".into(),
            note: "n".into(),
            wall_seconds: 2.0,
            model_seconds: 2.0,
            interrupted_after: None,
            load: Some(figures),
        };
        assert_eq!(m.load_metric(LoadMetric::LateShare), Some(0.15));
        assert_eq!(m.load_metric(LoadMetric::DroppedShare), Some(0.1));
        assert_eq!(m.load_metric(LoadMetric::RefusedShare), Some(0.05));
        let p99 = m
            .load_metric(LoadMetric::ResponseLatency(Quantile::P99))
            .unwrap();
        assert!((p99 - 0.990).abs() < 0.001, "{p99}");
        assert_eq!(
            m.load_metric(LoadMetric::ReceiptLatency(Quantile::P99)),
            None
        );
        let text = m.load.as_ref().unwrap().render(None, 2.0);
        assert!(text.contains("planned 200, sent 180, late 30, dropped (window full) 20"));
        assert!(text.contains("receipt from intended send time: none measured"));
        assert!(text.contains("refusals by command_status: 0x00000058 9"));
    }

    #[test]
    fn receipts_matched_to_no_message_are_said_not_hidden() {
        let mut figures = LoadFigures {
            parts: 1,
            unmatched_receipts: 2,
            unmatched_sample: vec![UnmatchedReceipt {
                id: "894".into(),
                stat: "DELIVRD".into(),
                err: Some("000".into()),
                done_date: Some("2612031304".into()),
                at_s: 0.041,
            }],
            ..LoadFigures::default()
        };
        let notes = figures.receipt_notes();
        assert_eq!(notes.len(), 1);
        assert!(
            notes[0].starts_with("receipts for messages this process did not send: 2, kept apart")
        );
        assert!(notes[0].contains("another process bound to the same account"));
        assert!(notes[0].ends_with("first: id 894 DELIVRD err 000 done 2612031304 at 0.04 s"));
        figures.parts = 4;
        figures.http = true;
        figures.joined_receipts = 7;
        figures.join_clock = Some("7 between parts on one clock".into());
        figures.duplicate_receipts = 1;
        let notes = figures.receipt_notes();
        assert_eq!(notes.len(), 3, "{notes:?}");
        assert!(notes[0].starts_with("final status callbacks for messages already final: 1"));
        assert!(notes[1].contains("joined across parts: 7"));
        assert!(notes[1].ends_with("spans two clocks: 7 between parts on one clock"));
        assert!(notes[2].contains("for messages no part of this run sent: 2"));
        assert!(figures.render(None, 1.0).contains(&notes[1]));
    }
}
