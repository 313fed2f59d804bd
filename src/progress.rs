//! A progress bar on stderr for runs longer than a second, shown only when
//! stderr is a terminal, so pipes and CI logs stay clean. It only reads
//! counters the engine updates; results never depend on it.

use crate::units::Nanos;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Counters shared between the engine and the bar.
#[derive(Debug, Default)]
pub struct Progress {
    /// Simulated time reached by each running replication.
    sim_time: Mutex<Vec<Arc<AtomicU64>>>,
    done: AtomicU64,
    total: AtomicU64,
    horizon: AtomicU64,
    label: Mutex<String>,
}

impl Progress {
    /// Starts a new batch of `total` replications over `horizon` of
    /// simulated time, e.g. one alternative.
    pub fn start_batch(&self, label: &str, total: u32, horizon: Nanos) {
        *self.label.lock().expect("progress lock") = label.to_string();
        self.done.store(0, Ordering::Relaxed);
        self.total.store(total as u64, Ordering::Relaxed);
        self.horizon.store(horizon.max(1), Ordering::Relaxed);
        self.sim_time.lock().expect("progress lock").clear();
    }

    /// A handle through which one replication reports its simulated time.
    pub fn replication(&self) -> Arc<AtomicU64> {
        let clock = Arc::new(AtomicU64::new(0));
        self.sim_time
            .lock()
            .expect("progress lock")
            .push(clock.clone());
        clock
    }

    pub fn finish_replication(&self, clock: &Arc<AtomicU64>) {
        self.sim_time
            .lock()
            .expect("progress lock")
            .retain(|c| !Arc::ptr_eq(c, clock));
        self.done.fetch_add(1, Ordering::Relaxed);
    }

    fn line(&self) -> String {
        let total = self.total.load(Ordering::Relaxed).max(1);
        let done = self.done.load(Ordering::Relaxed);
        let horizon = self.horizon.load(Ordering::Relaxed) as f64;
        let running: f64 = self
            .sim_time
            .lock()
            .expect("progress lock")
            .iter()
            .map(|c| (c.load(Ordering::Relaxed) as f64 / horizon).min(1.0))
            .sum();
        let fraction = ((done as f64 + running) / total as f64).min(1.0);
        let width = 30;
        let filled = (fraction * width as f64) as usize;
        format!(
            "\r{} [{}{}] {:3.0}%  replications {done}/{total}",
            self.label.lock().expect("progress lock"),
            "=".repeat(filled),
            " ".repeat(width - filled),
            fraction * 100.0
        )
    }
}

/// Draws the bar until dropped.
pub struct ProgressBar {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ProgressBar {
    /// Shows `progress` on stderr after a second, if stderr is a terminal.
    pub fn spawn(progress: Arc<Progress>) -> ProgressBar {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::io::stderr().is_terminal().then(|| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let started = Instant::now();
                let mut shown = false;
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(100));
                    if started.elapsed() >= Duration::from_secs(1) {
                        shown = true;
                        let _ = write!(std::io::stderr(), "{}", progress.line());
                    }
                }
                if shown {
                    let _ = write!(std::io::stderr(), "\r{}\r", " ".repeat(80));
                }
            })
        });
        ProgressBar { stop, thread }
    }
}

impl Drop for ProgressBar {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
