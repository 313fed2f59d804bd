//! A load run as the report carries it: what it was measured against and
//! the load's own figures (sent, late, dropped, reconnects, refusals by
//! status, receipts by stat, latencies summarised from their HDR
//! histograms), as data that every exporter renders (`report::Measurement`).

use super::measured::Measured;
use super::partial::Setup;
use crate::report::{
    LatencyPair, LatencySummary, LoadFigures, Measurement, RunKind, UnmatchedReceipt,
};

/// The measurement a load report describes; `measured` is None only for
/// a partial result that carried no figures.
pub fn measurement(setup: &Setup, measured: Option<&Measured>) -> Measurement {
    let seconds = measured.map_or(0.0, |m| m.seconds);
    Measurement {
        kind: RunKind::Loaded,
        target: setup.target.clone(),
        note: setup.note.clone(),
        wall_seconds: seconds,
        model_seconds: seconds,
        interrupted_after: measured.and_then(|m| m.interrupted_after),
        load: measured.map(|m| figures(setup, m)),
    }
}

fn figures(setup: &Setup, m: &Measured) -> LoadFigures {
    LoadFigures {
        http: setup.http,
        planned: m.planned as u64,
        sent: m.sent as u64,
        late: m.late as u64,
        dropped: m.dropped as u64,
        resubmitted: m.resubmitted as u64,
        reconnects: m.reconnects as u64,
        lost_at_disconnect: m.lost_at_disconnect as u64,
        queries: m.queries as u64,
        final_by_query: m.final_by_query as u64,
        queries_refused: m.queries_refused as u64,
        unanswered: m.unanswered as u64,
        first_error: m.first_error.clone(),
        bad_signatures: m.bad_signatures as u64,
        refusals: m.errors.clone(),
        receipts: m.receipts.clone(),
        submit_response: LatencyPair {
            from_intended: LatencySummary::of_micros(&m.resp_intended_us),
            from_actual: LatencySummary::of_micros(&m.resp_actual_us),
        },
        receipt: LatencyPair {
            from_intended: LatencySummary::of_micros(&m.receipt_intended_us),
            from_actual: LatencySummary::of_micros(&m.receipt_actual_us),
        },
        duplicate_receipts: m.duplicate_receipts as u64,
        unmatched_receipts: m.unmatched_receipts as u64,
        unmatched_sample: (m.unmatched_sample.iter())
            .map(|r| UnmatchedReceipt {
                id: r.id.clone(),
                stat: r.stat.clone(),
                err: r.err.clone(),
                done_date: r.done_date.clone(),
                at_s: r.at as f64 / 1e9,
            })
            .collect(),
        joined_receipts: m.joined_receipts as u64,
        join_clock: m.join_clock.clone(),
        unseen_by_sessions: m.unseen_by_sessions as u64,
        parts: m.parts,
    }
}
