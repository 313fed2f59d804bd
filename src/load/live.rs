//! What a load run shows while it runs, and how it is stopped early: the
//! counters the senders and readers update (read by the progress line on
//! a terminal) and the token Ctrl-C cancels. The report never reads these
//! counters; it is built from the transcript.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Running counts, updated as things happen.
#[derive(Debug, Default)]
pub struct Counts {
    pub sent: AtomicU64,
    /// Submits answered (submit_sm_resp, or the HTTP answer).
    pub answered: AtomicU64,
    pub refused: AtomicU64,
    /// Final receipts (HTTP: final statuses).
    pub receipts: AtomicU64,
    pub dropped: AtomicU64,
}

impl Counts {
    pub fn add(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// One progress line: elapsed time, send rate over the last interval,
    /// in flight, refusals, receipts, dropped.
    pub fn line(&self, elapsed: Duration, sent_before: u64, interval: Duration) -> String {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let sent = get(&self.sent);
        let rate = (sent - sent_before.min(sent)) as f64 / interval.as_secs_f64().max(1e-9);
        format!(
            "load {:.0}s: sent {sent} ({rate:.0}/s), in flight {}, refused {}, receipts {}, dropped {}",
            elapsed.as_secs_f64(),
            sent.saturating_sub(get(&self.answered)),
            get(&self.refused),
            get(&self.receipts),
            get(&self.dropped),
        )
    }
}

/// Shared by a run's tasks: its counts and its stop signal.
#[derive(Debug, Clone, Default)]
pub struct Live {
    pub counts: Arc<Counts>,
    /// Cancelled by Ctrl-C: stop sending, stop waiting, report what was
    /// measured so far.
    pub stop: CancellationToken,
    interrupted_at: Arc<std::sync::Mutex<Option<Instant>>>,
    /// `--events`: where each message's record goes once it is final.
    pub records: Option<crate::records::SharedRecords>,
}

impl Live {
    /// Where each message's record goes once final (`--events`).
    pub fn with_records(mut self, records: Option<crate::records::SharedRecords>) -> Live {
        self.records = records;
        self
    }

    /// Stops the run now.
    pub fn interrupt(&self) {
        let mut at = self.interrupted_at.lock().expect("interrupt lock");
        at.get_or_insert_with(Instant::now);
        self.stop.cancel();
    }

    /// When the run was interrupted, if it was.
    pub fn interrupted_at(&self) -> Option<Instant> {
        *self.interrupted_at.lock().expect("interrupt lock")
    }

    /// Interrupts the run on Ctrl-C; needs a tokio runtime.
    pub fn stop_on_ctrl_c(&self) {
        let live = self.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                live.interrupt();
            }
        });
    }

    /// Rewrites a progress line on stderr every second while stderr is a
    /// terminal (pipes and CI logs stay clean), until `done` is cancelled;
    /// the task ends after erasing the line.
    pub fn show_progress(&self, done: CancellationToken) -> Option<tokio::task::JoinHandle<()>> {
        if !std::io::stderr().is_terminal() {
            return None;
        }
        let counts = self.counts.clone();
        Some(tokio::spawn(async move {
            let (started, every) = (Instant::now(), Duration::from_secs(1));
            let mut sent_before = 0;
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(every) => {}
                    _ = done.cancelled() => break,
                }
                let line = counts.line(started.elapsed(), sent_before, every);
                sent_before = counts.sent.load(Ordering::Relaxed);
                eprint!("\r{line}\x1b[K");
                let _ = std::io::stderr().flush();
            }
            eprint!("\r\x1b[K");
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_progress_line_shows_rate_in_flight_refusals_and_receipts() {
        let counts = Counts::default();
        for _ in 0..300 {
            Counts::add(&counts.sent);
        }
        for _ in 0..290 {
            Counts::add(&counts.answered);
        }
        Counts::add(&counts.refused);
        for _ in 0..250 {
            Counts::add(&counts.receipts);
        }
        let line = counts.line(Duration::from_secs(3), 100, Duration::from_secs(1));
        assert_eq!(
            line,
            "load 3s: sent 300 (200/s), in flight 10, refused 1, receipts 250, dropped 0"
        );
    }
}
