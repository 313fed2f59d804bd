//! The batch runner: every command that simulates (run, compare, sweep, a
//! shard) hands it (scenario, replication) jobs. It runs them on a pool of
//! threads, with an optional progress display, and hands each result back
//! in job order, so floating-point sums and therefore every output are the
//! same whatever the thread count.

use crate::metrics::Metrics;
use crate::progress::Progress;
use crate::report::{Aggregator, Report, RunResults};
use crate::scenario::Scenario;
use crate::scenario::limits::MAX_REPLICATION_BYTES;
use crate::simulation::run_replication_reporting;
use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, mpsc};

/// Which variants to simulate: those in `wanted` (0 the scenario, i its
/// i-th alternative) and any that expectations refer to.
pub fn needed_variants(sc: &Scenario, wanted: &[usize]) -> Vec<bool> {
    let mut needed = vec![false; sc.alternatives.len() + 1];
    for &i in wanted {
        needed[i] = true;
    }
    for e in &sc.expectations {
        needed[e.alternative] = true;
        if let Some(c) = e.compared_to {
            needed[c] = true;
        }
    }
    needed
}

/// How far workers may run ahead of the in-order fold: job `k` starts only
/// once fewer than `size` jobs before it are still unfolded.
struct FoldWindow {
    size: usize,
    folded: Mutex<usize>,
    advanced: Condvar,
}

impl FoldWindow {
    fn new(size: usize) -> Self {
        FoldWindow {
            size: size.max(1),
            folded: Mutex::new(0),
            advanced: Condvar::new(),
        }
    }

    /// Blocks until job `k` is within the window.
    fn wait_turn(&self, k: usize) {
        let mut folded = self.folded.lock().unwrap_or_else(|e| e.into_inner());
        while k >= *folded + self.size {
            folded = self
                .advanced
                .wait(folded)
                .unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Jobs before `count` are folded.
    fn folded(&self, count: usize) {
        *self.folded.lock().unwrap_or_else(|e| e.into_inner()) = count;
        self.advanced.notify_all();
    }
}

/// How many of these jobs may run at once with their memory estimates
/// together within `MAX_REPLICATION_BYTES` (at least one: each alone is
/// within it, or the scenario was refused).
fn fitting_in_memory(jobs: &[(Arc<Scenario>, u32)]) -> usize {
    let mut largest = 0.0f64;
    let mut previous: Option<&Arc<Scenario>> = None;
    for (sc, _) in jobs {
        if previous.is_none_or(|p| !Arc::ptr_eq(p, sc)) {
            largest = largest.max(sc.memory_estimate().bytes);
            previous = Some(sc);
        }
    }
    let fit = MAX_REPLICATION_BYTES / largest.max(1.0);
    (fit.floor() as usize).max(1)
}

/// Runs simulations on `threads` threads, optionally showing progress.
#[derive(Clone, Copy)]
pub struct Runner<'p> {
    threads: usize,
    progress: Option<&'p Progress>,
    /// What one unit of `run_units` is, for the progress label.
    unit: &'static str,
}

impl<'p> Runner<'p> {
    pub fn new(threads: usize) -> Self {
        Runner {
            threads: threads.max(1),
            progress: None,
            unit: "variant",
        }
    }

    pub fn with_progress(self, progress: &'p Progress) -> Self {
        Runner {
            progress: Some(progress),
            ..self
        }
    }

    /// The worker threads it runs on.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Starts the progress display's next batch, if there is one: `total`
    /// replications over `horizon` of simulated time each.
    pub fn start_batch(&self, label: &str, total: usize, horizon: crate::units::Nanos) {
        if let Some(p) = self.progress {
            p.start_batch(label, u32::try_from(total).unwrap_or(u32::MAX), horizon);
        }
    }

    /// Names what one unit is in the progress label ("point" for a sweep);
    /// "variant" by default.
    pub fn counting(self, unit: &'static str) -> Self {
        Runner { unit, ..self }
    }

    /// Runs (scenario, replication) jobs, handing each result to `consume`
    /// with its job index, in job order.
    pub fn run_jobs(&self, jobs: &[(Arc<Scenario>, u32)], mut consume: impl FnMut(usize, Metrics)) {
        // No more replications at once than fit in memory together.
        let runner = Runner {
            threads: self.threads.min(fitting_in_memory(jobs)),
            ..*self
        };
        runner.run_lazily(
            jobs.len(),
            |k| jobs[k].clone(),
            |k, metrics| {
                consume(k, metrics);
                ControlFlow::Continue(())
            },
        );
    }

    /// Runs jobs `0..total`, each made by `job` when a worker takes it (so
    /// a long list of jobs need not be held), handing each result to
    /// `consume` with its job index, in job order, until it breaks.
    pub fn run_lazily(
        &self,
        total: usize,
        job: impl Fn(usize) -> (Arc<Scenario>, u32) + Sync,
        mut consume: impl FnMut(usize, Metrics) -> ControlFlow<()>,
    ) {
        let threads = self.threads.clamp(1, total.max(1));
        let progress = self.progress;
        if threads == 1 {
            for k in 0..total {
                let (scenario, r) = job(k);
                if consume(k, run_replication_reporting(&scenario, r, progress)).is_break() {
                    return;
                }
            }
            return;
        }
        // Results are folded in job order. A worker may run ahead of the
        // fold by at most `window` jobs, so results waiting to be folded
        // (each a full set of histograms) are bounded by the thread count,
        // not by the number of jobs.
        let window = FoldWindow::new(2 * threads);
        let next = AtomicUsize::new(0);
        let stopped = AtomicBool::new(false);
        let (tx, rx) = mpsc::channel();
        std::thread::scope(|scope| {
            for _ in 0..threads {
                let tx = tx.clone();
                let (next, window, stopped, job) = (&next, &window, &stopped, &job);
                scope.spawn(move || {
                    loop {
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        if k >= total {
                            break;
                        }
                        window.wait_turn(k);
                        if stopped.load(Ordering::Relaxed) {
                            break;
                        }
                        let (scenario, r) = job(k);
                        let metrics = run_replication_reporting(&scenario, r, progress);
                        if tx.send((k, metrics)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(tx);
            let mut waiting = BTreeMap::new();
            let mut expected = 0;
            for (k, metrics) in rx {
                waiting.insert(k, metrics);
                while let Some(m) = waiting.remove(&expected) {
                    if consume(expected, m).is_break() {
                        // Workers stop at their next job; waiting ones
                        // are let through the window to see it.
                        stopped.store(true, Ordering::Relaxed);
                        window.folded(total);
                        return;
                    }
                    expected += 1;
                    window.folded(expected);
                }
            }
        });
    }

    /// Runs units (a variant or sweep point each) with their replications
    /// in one pool; hands back (unit, replication, metrics) in order.
    pub fn run_units(
        &self,
        units: &[(Arc<Scenario>, Vec<u32>)],
        mut consume: impl FnMut(usize, u32, Metrics),
    ) {
        let jobs: Vec<(Arc<Scenario>, u32)> = units
            .iter()
            .flat_map(|(sc, reps)| reps.iter().map(move |&r| (sc.clone(), r)))
            .collect();
        let owners: Vec<usize> = units
            .iter()
            .enumerate()
            .flat_map(|(u, (_, reps))| std::iter::repeat_n(u, reps.len()))
            .collect();
        if let Some(p) = self.progress
            && let Some((first, _)) = units.first()
        {
            let label = crate::units::count(units.len() as u64, self.unit);
            p.start_batch(&label, jobs.len() as u32, first.duration + first.drain);
        }
        self.run_jobs(&jobs, |k, metrics| consume(owners[k], jobs[k].1, metrics));
    }

    /// Every replication of each scenario, folded into one report each.
    pub fn reports(&self, scenarios: &[Arc<Scenario>], source: &str) -> Vec<Report> {
        let units: Vec<(Arc<Scenario>, Vec<u32>)> = scenarios
            .iter()
            .map(|sc| (sc.clone(), (0..sc.replications).collect()))
            .collect();
        let mut aggregators: Vec<Aggregator> =
            scenarios.iter().map(|sc| Aggregator::new(sc)).collect();
        self.run_units(&units, |u, _, metrics| aggregators[u].add(metrics));
        aggregators.into_iter().map(|a| a.finish(source)).collect()
    }

    /// Simulates the variants in `wanted` and any that expectations refer
    /// to, all on the same users, then checks the expectations.
    pub fn variants(&self, sc: &Scenario, source: &str, wanted: &[usize]) -> RunResults {
        let needed = needed_variants(sc, wanted);
        let variants: Vec<usize> = (0..needed.len()).filter(|&v| needed[v]).collect();
        let shared: Vec<Arc<Scenario>> = variants
            .iter()
            .map(|&v| Arc::new(sc.variant(v).clone()))
            .collect();
        let mut reports: Vec<Option<Report>> = vec![None; needed.len()];
        for (v, report) in variants.iter().zip(self.reports(&shared, source)) {
            reports[*v] = Some(report);
        }
        RunResults::new(sc, reports)
    }
}

/// Simulates a scenario's own settings on `threads` threads.
pub fn simulate(scenario: &Scenario, source: &str, threads: usize) -> Report {
    let shared = [Arc::new(scenario.clone())];
    Runner::new(threads)
        .reports(&shared, source)
        .pop()
        .expect("one report")
}

/// Simulates the scenario and every alternative.
pub fn simulate_all(sc: &Scenario, source: &str, threads: usize) -> RunResults {
    let all: Vec<usize> = (0..=sc.alternatives.len()).collect();
    Runner::new(threads).variants(sc, source, &all)
}

/// Runs every replication on `threads` threads and hands each result to
/// `consume` in replication order.
pub fn run_replications(
    scenario: &Scenario,
    threads: usize,
    mut consume: impl FnMut(u32, Metrics),
) {
    let units = [(
        Arc::new(scenario.clone()),
        (0..scenario.replications).collect(),
    )];
    Runner::new(threads).run_units(&units, |_, r, m| consume(r, m));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn replications_run_at_once_only_as_many_as_fit_in_the_memory_bound() {
        let text = crate::scenario::STARTER_SCENARIO;
        let small = Arc::new(crate::scenario::parse(text, "s.toml").unwrap());
        assert!(fitting_in_memory(&[(small.clone(), 0), (small.clone(), 1)]) > 64);
        let mut big = (*small).clone();
        // Two sevenths of the bound: three at once.
        big.traffic.rate_per_sec *= MAX_REPLICATION_BYTES / 3.5 / small.memory_estimate().bytes;
        let big = Arc::new(big);
        assert_eq!(
            fitting_in_memory(&[(small, 0), (big.clone(), 0), (big, 1)]),
            3
        );
    }

    #[test]
    fn workers_wait_while_the_fold_is_a_window_behind() {
        let window = Arc::new(FoldWindow::new(4));
        window.wait_turn(3);
        let (tx, rx) = mpsc::channel();
        let w = window.clone();
        let ahead = std::thread::spawn(move || {
            w.wait_turn(4);
            tx.send(()).unwrap();
        });
        assert!(
            rx.recv_timeout(Duration::from_millis(200)).is_err(),
            "job 4 started with job 0 unfolded and a window of 4"
        );
        window.folded(1);
        rx.recv_timeout(Duration::from_secs(10))
            .expect("job 4 starts once job 0 is folded");
        ahead.join().unwrap();
    }
}
