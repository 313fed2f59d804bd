//! A pipelined SMPP client for measuring `simsms serve`: transceiver binds
//! with a window of outstanding submits, every receipt acknowledged, and
//! submit_sm_resp latency recorded from each submit's *intended* send time
//! (so a stalled server counts against every message it delayed, as wrk2
//! measures) into an HDR histogram. With no rate it sends as fast as the
//! window allows.

use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use rusmpp::{Command, CommandStatus, Pdu};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, Semaphore};

/// Why a bench run stopped.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// Connecting or binding failed (load's SMPP client says why).
    #[error(transparent)]
    Load(#[from] crate::load::LoadError),
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
            BenchError::Load(e) => e.into(),
            e => crate::Error::Network(e.to_string()),
        }
    }
}

/// What to send.
#[derive(Debug, Clone)]
pub struct Load {
    pub target: SocketAddr,
    pub system_id: String,
    pub password: String,
    pub connections: usize,
    pub window: usize,
    pub messages: u64,
    /// Messages per second over all connections; `None`: as fast as the
    /// windows allow.
    pub rate: Option<f64>,
}

/// What was measured.
#[derive(Debug)]
pub struct Measured {
    pub messages: u64,
    pub accepted: u64,
    pub refused: u64,
    pub receipts: u64,
    pub seconds: f64,
    /// From the start to the last submit_sm_resp.
    pub submit_seconds: f64,
    /// submit → submit_sm_resp, from the intended send time, microseconds.
    pub latency_us: Histogram<u64>,
    /// The same from the moment the submit was actually written.
    pub actual_us: Histogram<u64>,
}

/// Runs the load and waits for every resp and receipt (up to 30 s more).
pub async fn run(load: Load) -> Result<Measured, BenchError> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    let per = load.messages / load.connections as u64;
    let progress = Arc::new(Progress::default());
    for c in 0..load.connections {
        let load = load.clone();
        let count = if c == 0 {
            load.messages - per * (load.connections as u64 - 1)
        } else {
            per
        };
        let offset = c as u64 * per;
        tasks.push(tokio::spawn(connection(
            load,
            count,
            offset,
            started,
            progress.clone(),
        )));
    }
    let mut total = Measured {
        messages: load.messages,
        accepted: 0,
        refused: 0,
        receipts: 0,
        seconds: 0.0,
        submit_seconds: 0.0,
        latency_us: Histogram::new_with_bounds(1, 600_000_000, 3).expect("histogram bounds"),
        actual_us: Histogram::new_with_bounds(1, 600_000_000, 3).expect("histogram bounds"),
    };
    for task in tasks {
        let m = task.await.map_err(|e| BenchError::Task(e.to_string()))??;
        total.accepted += m.accepted;
        total.refused += m.refused;
        total.receipts += m.receipts;
        total.submit_seconds = total.submit_seconds.max(m.submit_seconds);
        total.latency_us.add(&m.latency_us).expect("same bounds");
        total.actual_us.add(&m.actual_us).expect("same bounds");
    }
    total.seconds = started.elapsed().as_secs_f64();
    Ok(total)
}

/// Counts over every connection: a receipt may come back on any bind of
/// the account, so completion is judged over all of them.
#[derive(Default)]
struct Progress {
    answered: std::sync::atomic::AtomicU64,
    accepted: std::sync::atomic::AtomicU64,
    receipts: std::sync::atomic::AtomicU64,
}

async fn connection(
    load: Load,
    count: u64,
    offset: u64,
    started: Instant,
    progress: Arc<Progress>,
) -> Result<Measured, BenchError> {
    let target = crate::load::target::Target {
        protocol: crate::load::target::Protocol::Smpp,
        tls: false,
        prefix: String::new(),
        user: load.system_id.clone(),
        password: load.password.clone(),
        host: load.target.ip().to_string(),
        port: load.target.port(),
    };
    let never = tokio_util::sync::CancellationToken::new();
    let connected = crate::load::smpp::connect(&target, Duration::from_secs(10), &never).await?;
    let (mut sink, mut stream) = connected.split();
    let broken = |e: rusmpp::tokio_codec::EncodeError| BenchError::Send {
        target: target.display(),
        reason: e.to_string(),
    };
    let window = Arc::new(Semaphore::new(load.window));
    let intended: Arc<Mutex<HashMap<u32, (Instant, Instant)>>> = Arc::default();
    let (acks_tx, mut acks) = tokio::sync::mpsc::unbounded_channel::<u32>();
    let per_connection_rate = load.rate.map(|r| r / load.connections as f64);
    // Reader: resps release the window; receipts are acknowledged.
    let load_messages = load.messages;
    // Give up on receipts this long after the last planned send.
    let planned = load.rate.map_or(0.0, |r| load.messages as f64 / r);
    let deadline = Duration::from_secs_f64(planned + 60.0);
    let reader = {
        let window = window.clone();
        let intended = intended.clone();
        tokio::spawn(async move {
            let mut m = Measured {
                messages: count,
                accepted: 0,
                refused: 0,
                receipts: 0,
                seconds: 0.0,
                submit_seconds: 0.0,
                latency_us: Histogram::new_with_bounds(1, 600_000_000, 3)
                    .expect("histogram bounds"),
                actual_us: Histogram::new_with_bounds(1, 600_000_000, 3).expect("histogram bounds"),
            };
            let total = load_messages;
            let relaxed = std::sync::atomic::Ordering::Relaxed;
            loop {
                let answered = progress.answered.load(relaxed);
                if answered >= total
                    && progress.receipts.load(relaxed) >= progress.accepted.load(relaxed)
                {
                    break;
                }
                let next = tokio::time::timeout(Duration::from_millis(200), stream.next()).await;
                let command = match next {
                    Ok(Some(Ok(command))) => command,
                    Ok(_) => break,
                    Err(_) if started.elapsed() > deadline => break,
                    Err(_) => continue,
                };
                let sequence = command.sequence_number();
                let resp = crate::load::smpp::submit_resp(&command);
                match command.pdu() {
                    _ if resp.is_some() => {
                        if let Some((due, sent)) = intended.lock().await.remove(&sequence) {
                            let us = |t: Instant| (t.elapsed().as_micros() as u64).max(1);
                            m.latency_us.saturating_record(us(due));
                            m.actual_us.saturating_record(us(sent));
                        }
                        if command.status() == CommandStatus::EsmeRok {
                            m.accepted += 1;
                            progress.accepted.fetch_add(1, relaxed);
                        } else {
                            m.refused += 1;
                        }
                        progress.answered.fetch_add(1, relaxed);
                        m.submit_seconds = started.elapsed().as_secs_f64();
                        window.add_permits(1);
                    }
                    Some(Pdu::DeliverSm(_)) => {
                        m.receipts += 1;
                        progress.receipts.fetch_add(1, relaxed);
                        let _ = acks_tx.send(sequence);
                    }
                    _ => {}
                }
            }
            m
        })
    };
    for k in 0..count {
        let due = per_connection_rate
            .map(|r| started + Duration::from_secs_f64(k as f64 / r))
            .unwrap_or_else(Instant::now);
        if due > Instant::now() {
            tokio::time::sleep_until(due.into()).await;
        }
        while let Ok(sequence) = acks.try_recv() {
            let ack = crate::load::smpp::receipt_ack(sequence);
            sink.feed(ack).await.map_err(broken)?;
        }
        let permit = (window.acquire().await).map_err(|e| BenchError::Task(e.to_string()))?;
        permit.forget();
        let sequence = (k + 2) as u32;
        intended
            .lock()
            .await
            .insert(sequence, (due, Instant::now()));
        let to = format!("81{:010}", offset + k);
        let submit = crate::load::smpp::otp_submit(&to)?;
        sink.feed(Command::new(CommandStatus::EsmeRok, sequence, submit))
            .await
            .map_err(broken)?;
        // Batch writes while the window has room; paced sends go at once.
        if per_connection_rate.is_some() || window.available_permits() == 0 || k % 32 == 31 {
            sink.flush().await.map_err(broken)?;
        }
    }
    sink.flush().await.map_err(broken)?;
    // Keep acknowledging receipts until the reader is done.
    let mut reader = reader;
    loop {
        tokio::select! {
            done = &mut reader => {
                // Acknowledge the last receipts before leaving.
                while let Ok(sequence) = acks.try_recv() {
                    let ack = crate::load::smpp::receipt_ack(sequence);
                    sink.feed(ack).await.map_err(broken)?;
                }
                sink.flush().await.map_err(broken)?;
                return done.map_err(|e| BenchError::Task(e.to_string()));
            }
            Some(sequence) = acks.recv() => {
                let ack = crate::load::smpp::receipt_ack(sequence);
                sink.send(ack).await.map_err(broken)?;
            }
        }
    }
}
