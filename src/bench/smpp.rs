//! A pipelined SMPP client for measuring `simsms serve`: transceiver binds
//! with a window of outstanding submits, every receipt acknowledged, and
//! submit_sm_resp latency recorded from each submit's *intended* send time
//! (so a stalled server counts against every message it delayed, as wrk2
//! measures) into an HDR histogram. With no rate it sends as fast as the
//! window allows. Only receipts of its own messages count (matched by
//! message id, on any bind); it waits for them at most `wait` after the
//! last send. The session (binding, writing, reading, acknowledging) is
//! the shared SMPP client (`protocol::smpp::client`), its target syntax
//! `protocol::target`; what is here is the pacing and the measuring.

use crate::protocol::smpp::client::{self, Incoming};
use crate::protocol::target::Target;
use hdrhistogram::Histogram;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, Semaphore};

/// Why a bench run stopped.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// Connecting or binding failed (the shared SMPP client says why).
    #[error(transparent)]
    Client(#[from] crate::protocol::ClientError),
    /// The connection broke while sending.
    #[error("the connection to {target} failed while sending: {reason}")]
    Send { target: String, reason: String },
    /// A task of the run ended abnormally (a bug, not the target's doing).
    #[error("a task of the bench run failed: {0}")]
    Task(String),
}

impl From<BenchError> for crate::Error {
    fn from(e: BenchError) -> Self {
        match e {
            BenchError::Client(e) => e.into(),
            e => crate::Error::Network(e.to_string()),
        }
    }
}

/// What to send.
#[derive(Debug, Clone)]
pub struct Load {
    /// `smpp://USER:PASSWORD@HOST:PORT`, as for `simsms load`.
    pub target: Target,
    pub connections: usize,
    pub window: usize,
    pub messages: u64,
    /// Messages per second over all connections; `None`: as fast as the
    /// windows allow.
    pub rate: Option<f64>,
    /// How long to wait for receipts after the last send.
    pub wait: Duration,
    /// How long connecting and the bind's answer may take.
    pub connect_timeout: Duration,
}

/// What was measured.
#[derive(Debug)]
pub struct Measured {
    pub messages: u64,
    pub accepted: u64,
    pub refused: u64,
    /// Receipts of this run's messages (others are acknowledged, not
    /// counted).
    pub receipts: u64,
    pub seconds: f64,
    /// From the start to the last submit_sm_resp.
    pub submit_seconds: f64,
    /// submit → submit_sm_resp, from the intended send time, microseconds.
    pub latency_us: Histogram<u64>,
    /// The same from the moment the submit was actually written.
    pub actual_us: Histogram<u64>,
}

impl Measured {
    fn empty(messages: u64) -> Measured {
        let histogram = || Histogram::new_with_bounds(1, 600_000_000, 3).expect("histogram bounds");
        Measured {
            messages,
            accepted: 0,
            refused: 0,
            receipts: 0,
            seconds: 0.0,
            submit_seconds: 0.0,
            latency_us: histogram(),
            actual_us: histogram(),
        }
    }

    fn add(&mut self, m: &Measured) {
        self.accepted += m.accepted;
        self.refused += m.refused;
        self.receipts += m.receipts;
        self.submit_seconds = self.submit_seconds.max(m.submit_seconds);
        self.latency_us.add(&m.latency_us).expect("same bounds");
        self.actual_us.add(&m.actual_us).expect("same bounds");
    }
}

/// Runs the load and waits for every resp and receipt of its own messages,
/// at most `wait` after the last send.
pub async fn run(load: Load) -> Result<Measured, BenchError> {
    let started = Instant::now();
    let per = load.messages / load.connections as u64;
    let shared = Arc::new(Shared::default());
    let mut tasks = Vec::new();
    for c in 0..load.connections {
        let count = if c == 0 {
            load.messages - per * (load.connections as u64 - 1)
        } else {
            per
        };
        let offset = c as u64 * per;
        let (load, shared) = (load.clone(), shared.clone());
        tasks.push(tokio::spawn(connection(
            load,
            (count, offset),
            started,
            shared,
        )));
    }
    let mut total = Measured::empty(load.messages);
    for task in tasks {
        let m = task.await.map_err(|e| BenchError::Task(e.to_string()))??;
        total.add(&m);
    }
    total.seconds = started.elapsed().as_secs_f64();
    Ok(total)
}

/// What every connection shares: a receipt may come back on any bind of
/// the account, so ids and completion are judged over all of them.
#[derive(Default)]
struct Shared {
    answered: AtomicU64,
    accepted: AtomicU64,
    receipts: AtomicU64,
    /// Connections done sending, and when the last one was.
    done_sending: AtomicU64,
    all_sent_at: std::sync::Mutex<Option<Instant>>,
    ids: std::sync::Mutex<Ids>,
}

/// Message ids of this run awaiting their receipt, and receipts whose id
/// no resp has named yet (a receipt may beat its resp; one of an earlier
/// run never matches).
#[derive(Default)]
struct Ids {
    awaiting: HashSet<String>,
    early: HashSet<String>,
}

impl Shared {
    /// An accepted message's id: true if its receipt already came.
    fn accepted(&self, id: String) -> bool {
        let mut ids = self.ids.lock().expect("ids");
        if ids.early.remove(&id) {
            return true;
        }
        ids.awaiting.insert(id);
        false
    }

    /// A receipt's id: true if it is one of this run's messages.
    fn receipt(&self, id: String) -> bool {
        let mut ids = self.ids.lock().expect("ids");
        if ids.awaiting.remove(&id) {
            return true;
        }
        ids.early.insert(id);
        false
    }

    /// Every message answered and every accepted one receipted, or `wait`
    /// past the last send of every connection.
    fn finished(&self, load: &Load) -> bool {
        let all = self.answered.load(Ordering::Relaxed) >= load.messages
            && self.receipts.load(Ordering::Relaxed) >= self.accepted.load(Ordering::Relaxed);
        let sent_at = *self.all_sent_at.lock().expect("sent at");
        all || sent_at.is_some_and(|t| t.elapsed() > load.wait)
    }

    fn done_sending(&self, connections: usize) {
        let done = self.done_sending.fetch_add(1, Ordering::Relaxed) + 1;
        if done as usize == connections {
            *self.all_sent_at.lock().expect("sent at") = Some(Instant::now());
        }
    }
}

/// Submits awaiting their resp: sequence → (intended, actual send time).
type Intended = Arc<Mutex<HashMap<u32, (Instant, Instant)>>>;

/// The reader of one connection: resps release the window and name the
/// ids; receipts (acknowledged by the session) count when they are this
/// run's.
fn spawn_reader(
    mut incoming: tokio::sync::mpsc::UnboundedReceiver<Incoming>,
    (load, count, started): (Load, u64, Instant),
    (window, intended): (Arc<Semaphore>, Intended),
    shared: Arc<Shared>,
) -> tokio::task::JoinHandle<Measured> {
    tokio::spawn(async move {
        let mut m = Measured::empty(count);
        while !shared.finished(&load) {
            let next = tokio::time::timeout(Duration::from_millis(200), incoming.recv()).await;
            match next {
                // The benchmark never queries.
                Ok(Some(Incoming::QueryResp { .. })) => {}
                Ok(Some(Incoming::Resp {
                    sequence,
                    status,
                    id,
                    at,
                })) => {
                    if let Some((due, sent)) = intended.lock().await.remove(&sequence) {
                        let us = |t: Instant| (at.duration_since(t).as_micros() as u64).max(1);
                        m.latency_us.saturating_record(us(due));
                        m.actual_us.saturating_record(us(sent));
                    }
                    if status == 0 {
                        m.accepted += 1;
                        shared.accepted.fetch_add(1, Ordering::Relaxed);
                        if shared.accepted(id) {
                            m.receipts += 1;
                            shared.receipts.fetch_add(1, Ordering::Relaxed);
                        }
                    } else {
                        m.refused += 1;
                    }
                    shared.answered.fetch_add(1, Ordering::Relaxed);
                    m.submit_seconds = started.elapsed().as_secs_f64();
                    window.add_permits(1);
                }
                Ok(Some(Incoming::Receipt { id, .. })) => {
                    if shared.receipt(id) {
                        m.receipts += 1;
                        shared.receipts.fetch_add(1, Ordering::Relaxed);
                    }
                }
                Ok(Some(Incoming::Closed { .. }) | None) => {
                    // The sender waiting for window room learns it here.
                    window.close();
                    break;
                }
                Err(_) => continue,
            }
        }
        m
    })
}

/// One transceiver: `count` messages numbered from `offset`, paced at its
/// share of the rate.
async fn connection(
    load: Load,
    (count, offset): (u64, u64),
    started: Instant,
    shared: Arc<Shared>,
) -> Result<Measured, BenchError> {
    let never = tokio_util::sync::CancellationToken::new();
    let client::Session {
        mut sender,
        incoming,
    } = client::connect(&load.target, load.connect_timeout, &never).await?;
    let window = Arc::new(Semaphore::new(load.window));
    let intended: Intended = Arc::default();
    let per_connection_rate = load.rate.map(|r| r / load.connections as f64);
    let with = (load.clone(), count, started);
    let reader = spawn_reader(
        incoming,
        with,
        (window.clone(), intended.clone()),
        shared.clone(),
    );
    for k in 0..count {
        let due = per_connection_rate
            .map(|r| started + Duration::from_secs_f64(k as f64 / r))
            .unwrap_or_else(Instant::now);
        if due > Instant::now() {
            tokio::time::sleep_until(due.into()).await;
        }
        let permit = (window.acquire().await).map_err(|_| BenchError::Send {
            target: load.target.display(),
            reason: "the connection closed".into(),
        })?;
        permit.forget();
        // Registered before the write: the answer may come at once.
        let mut waiting = intended.lock().await;
        let sequence = sender.submit(&format!("81{:010}", offset + k))?;
        waiting.insert(sequence, (due, Instant::now()));
    }
    shared.done_sending(load.connections);
    // The session keeps acknowledging receipts until the reader is done.
    let measured = reader.await.map_err(|e| BenchError::Task(e.to_string()))?;
    sender.unbind(load.connect_timeout, &never).await;
    Ok(measured)
}
