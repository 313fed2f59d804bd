//! How a load run's report reads: `run`'s report, marked as measured on
//! its second line, followed by the load's own figures (sent, late,
//! dropped, reconnects, resp latency from intended and actual send times,
//! receipts by stat, refusals by command_status).

use super::Measured;
use super::partial::Setup;
use std::fmt::Write;

/// What was measured, and against what, as the report's second line (and
/// every export's header) says it.
pub fn measured_line(setup: &Setup) -> String {
    format!(
        "measured against {} (not simulated; {})",
        setup.target, setup.note
    )
}

/// The run report with a second line saying it was measured.
pub fn marked(report: String, setup: &Setup) -> String {
    crate::report::mark_measured(report, &measured_line(setup))
}

/// The run report, marked as measured, with the load's own figures.
pub fn with_load_figures(report: String, setup: &Setup, m: &Measured) -> String {
    let mut out = marked(report, setup);
    let q = |h: &hdrhistogram::Histogram<u64>, p: f64| h.value_at_quantile(p) as f64 / 1000.0;
    let _ = writeln!(out, "\nLOAD");
    let _ = writeln!(
        out,
        "planned {}, sent {}, late {}, dropped (window full) {}, in {:.2} s",
        m.planned, m.sent, m.late, m.dropped, m.seconds
    );
    if let Some(after) = m.interrupted_after {
        let _ = writeln!(
            out,
            "INTERRUPTED by Ctrl-C after {after:.2} s: a partial report; messages not sent by then (and not yet dropped) were not planned, those unanswered are lost"
        );
    }
    let _ = writeln!(
        out,
        "resubmitted after a throttle {}, reconnects {}, messages in flight when a connection closed {}",
        m.resubmitted, m.reconnects, m.lost_at_disconnect
    );
    let (answer, finals, refusals) = match setup.http {
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
    for (label, h) in [
        ("intended", &m.resp_intended_us),
        ("actual", &m.resp_actual_us),
    ] {
        let _ = writeln!(
            out,
            "{answer} from {label} send time: p50 {:.3} ms, p99 {:.3} ms, p99.9 {:.3} ms, max {:.3} ms",
            q(h, 0.5),
            q(h, 0.99),
            q(h, 0.999),
            h.max() as f64 / 1000.0
        );
    }
    let receipts: Vec<String> = m.receipts.iter().map(|(s, n)| format!("{s} {n}")).collect();
    let _ = writeln!(
        out,
        "{finals}: {}",
        if receipts.is_empty() {
            "none".into()
        } else {
            receipts.join(", ")
        }
    );
    let errors: Vec<String> = m.errors.iter().map(|(s, n)| format!("{s} {n}")).collect();
    if setup.http {
        let first = m.first_error.as_deref().unwrap_or("-");
        let _ = writeln!(
            out,
            "requests without an HTTP answer: {} (first: {first})",
            m.unanswered
        );
        let _ = writeln!(
            out,
            "status callbacks with a bad X-Twilio-Signature: {}",
            m.bad_signatures
        );
    }
    let _ = writeln!(
        out,
        "{refusals}: {}",
        if errors.is_empty() {
            "none".into()
        } else {
            errors.join(", ")
        }
    );
    out
}
