//! One SMPP connection: bind (checked against the scenario's accounts),
//! submit_sm (answered as the model decides), enquire_link and unbind, and
//! receipts sent as deliver_sm to a bound receiver or transceiver, resent
//! until acknowledged.

use super::receipt::receipt_pdu;
use crate::protocol::smpp::frame::{Frame, FrameError, read_frame};
use crate::protocol::smpp::server::{Outbox, Request, Role};
use crate::protocol::vocabulary::Refusal;
use crate::serve::limits::{Slot, WindowLimit};
use crate::serve::live::Submission;
use crate::serve::receipts::ReceiptJob;
use crate::serve::shared::{Shared, routable_digits};
use rusmpp::pdus::{SubmitSm, SubmitSmResp};
use rusmpp::types::COctetString;
use rusmpp::{CommandStatus, Pdu};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::mpsc;

mod operations;

struct Bound {
    account: usize,
    role: Role,
    limit: Option<WindowLimit>,
}

/// The state of one connection.
struct Connection {
    shared: Arc<Shared>,
    peer: SocketAddr,
    port: u16,
    bound: Option<Bound>,
    /// Receipts sent and not yet acknowledged, by deliver_sm sequence.
    unacked: BTreeMap<u32, (ReceiptJob, Instant)>,
    out: Outbox,
    closing: bool,
}

/// Serves one connection until the peer leaves, unbinds, idles out or the
/// server shuts down.
/// `_slot` counts the connection against the cap until it ends.
pub async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    port: u16,
    shared: Arc<Shared>,
    _slot: Slot,
) {
    let (mut reader, mut writer) = stream.into_split();
    let (frames_tx, mut frames) = mpsc::channel(64);
    let max_pdu = shared.scenario.serve.max_pdu;
    let reader_task = tokio::spawn(async move {
        loop {
            let result = read_frame(&mut reader, max_pdu).await;
            let more = matches!(result, Ok(Some(_)));
            if frames_tx.send(result).await.is_err() || !more {
                break;
            }
        }
    });
    let idle = Duration::from_nanos(shared.scenario.serve.idle_timeout);
    let retry = Duration::from_nanos(shared.scenario.serve.receipt_retry);
    let mut shutdown = shared.shutdown.subscribe();
    let mut c = Connection {
        shared: shared.clone(),
        peer,
        port,
        bound: None,
        unacked: BTreeMap::new(),
        out: Outbox::default(),
        closing: false,
    };
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    let mut last_heard = Instant::now();
    loop {
        let receiving = c.receiving_account();
        tokio::select! {
            frame = frames.recv() => match frame {
                Some(Ok(Some(frame))) => {
                    last_heard = Instant::now();
                    c.on_frame(frame);
                }
                Some(Err(FrameError::Length { .. })) => {
                    c.reply(0, CommandStatus::EsmeRinvcmdlen, Pdu::GenericNack);
                    c.closing = true;
                }
                _ => break,
            },
            _ = wait_for_receipt(&shared, receiving) => {}
            _ = tick.tick() => {
                c.resend_overdue(retry);
                if last_heard.elapsed() > idle {
                    c.request(Pdu::Unbind);
                    c.closing = true;
                }
            }
            _ = shutdown.changed() => {
                c.request(Pdu::Unbind);
                c.closing = true;
            }
        }
        c.pump_receipts();
        if !c.out.bytes.is_empty() {
            if writer.write_all(&c.out.bytes).await.is_err() {
                break;
            }
            c.out.bytes.clear();
        }
        if c.closing {
            break;
        }
    }
    let _ = writer.shutdown().await;
    reader_task.abort();
    c.release();
}

async fn wait_for_receipt(shared: &Shared, account: Option<usize>) {
    match account {
        Some(a) => shared.desk.notified(a).await,
        None => std::future::pending().await,
    }
}

impl Connection {
    fn receiving_account(&self) -> Option<usize> {
        self.bound
            .as_ref()
            .filter(|b| b.role.receives())
            .map(|b| b.account)
    }

    /// Answers a request; every error answer (refusal, failed bind,
    /// generic_nack) is counted by its status.
    fn reply(&mut self, sequence: u32, status: CommandStatus, pdu: impl Into<Pdu>) {
        if status != CommandStatus::EsmeRok {
            self.shared.observed.refused(u32::from(status));
        }
        self.out.reply(sequence, status, pdu);
    }

    fn request(&mut self, pdu: impl Into<Pdu>) -> u32 {
        self.out.request(pdu)
    }

    fn on_frame(&mut self, frame: Frame) {
        let (sequence, request) = Request::of(&frame);
        match request {
            Request::Bind {
                role,
                system_id,
                password,
            } => self.bind(sequence, role, system_id, password),
            Request::EnquireLink => {
                self.reply(sequence, CommandStatus::EsmeRok, Pdu::EnquireLinkResp)
            }
            Request::Unbind => {
                self.reply(sequence, CommandStatus::EsmeRok, Pdu::UnbindResp);
                self.closing = true;
            }
            Request::Submit(submit) => self.submit(sequence, submit),
            Request::Query(query) => self.query(sequence, query),
            Request::Cancel(cancel) => self.cancel(sequence, cancel),
            Request::Replace(replace) => self.replace(sequence, replace),
            Request::Data(data) => self.data(sequence, data),
            Request::Multi(multi) => self.submit_multi(sequence, multi),
            Request::DeliverSmResp { status } => {
                if status == CommandStatus::EsmeRok
                    && let Some((job, _)) = self.unacked.remove(&sequence)
                {
                    self.shared.stats.unacked.fetch_sub(1, Ordering::Relaxed);
                    self.shared.observed.receipt_acknowledged(job.words().0);
                }
            }
            Request::Nothing => {}
            Request::Nack(status) => self.reply(sequence, status, Pdu::GenericNack),
        }
    }

    fn bind(&mut self, sequence: u32, role: Role, system_id: &str, password: &str) {
        let shared = self.shared.clone();
        let serve = &shared.scenario.serve;
        let found = (0..serve.accounts.len()).find(|&i| {
            self.shared.account_ports[i] == self.port && serve.accounts[i].system_id == system_id
        });
        let status = match found {
            _ if self.bound.is_some() => CommandStatus::EsmeRalybnd,
            None => CommandStatus::EsmeRinvsysid,
            Some(i) if serve.accounts[i].password != password => CommandStatus::EsmeRinvpaswd,
            Some(_) => CommandStatus::EsmeRok,
        };
        if status != CommandStatus::EsmeRok && status != CommandStatus::EsmeRalybnd {
            let allowed = self.shared.failed_bind_allowed(self.peer);
            if !allowed {
                self.closing = true;
            }
        }
        self.reply(sequence, status, role.bind_resp("simsms"));
        if status == CommandStatus::EsmeRok
            && let Some(account) = found
        {
            let limit = serve.accounts[account]
                .bind_tps
                .map(WindowLimit::per_second);
            self.bound = Some(Bound {
                account,
                role,
                limit,
            });
            self.shared.stats.binds.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn refuse(&mut self, sequence: u32, status: CommandStatus) {
        self.reply(sequence, status, SubmitSmResp::builder().build());
    }

    fn submit(&mut self, sequence: u32, submit: &SubmitSm) {
        let Some(bound) = self.bound.as_mut().filter(|b| b.role.submits()) else {
            return self.refuse(sequence, CommandStatus::EsmeRinvbndsts);
        };
        let account = bound.account;
        let destination = submit.destination_addr.as_str().to_string();
        if routable_digits(&destination).is_none() {
            return self.refuse(sequence, CommandStatus::EsmeRinvdstadr);
        }
        let bind_ok = bound.limit.as_mut().is_none_or(WindowLimit::take);
        if !bind_ok || !self.shared.account_allows(account) {
            return self.refuse(sequence, Refusal::Throttled.words().smpp);
        }
        let provider = self.shared.scenario.serve.accounts[account].provider;
        let submission = self
            .shared
            .live
            .lock()
            .expect("model lock")
            .submit(provider, &destination);
        self.shared.observed.submits.inc();
        match submission {
            Submission::ProviderDown => self.refuse(sequence, Refusal::ProviderDown.words().smpp),
            Submission::QueueFull => self.refuse(sequence, Refusal::QueueFull.words().smpp),
            Submission::SendLimited => self.refuse(sequence, Refusal::SendLimited.words().smpp),
            Submission::Accepted { id, fate, receipt } => {
                let wanted = u8::from(submit.registered_delivery) & 0x03;
                let dialect = self.shared.scenario.serve.accounts[account].dialect;
                if let Some((receipt, done)) = receipt
                    && (wanted == 1 || (wanted == 2 && receipt != crate::model::Receipt::Delivered))
                {
                    let job = ReceiptJob {
                        account,
                        message_id: id,
                        handset: destination.clone(),
                        sender: submit.source_addr.as_str().to_string(),
                        submitted_at: fate.sent_at,
                        done_at: done,
                        receipt,
                        outcome: fate.outcome,
                        text: super::receipt::quoted(&String::from_utf8_lossy(
                            submit.short_message().as_ref(),
                        )),
                        cancelled: false,
                    };
                    self.shared
                        .schedule_receipt(job, dialect.receipt_before_resp);
                    if dialect.receipt_before_resp {
                        self.pump_receipts();
                    }
                }
                self.shared
                    .ledger
                    .lock()
                    .expect("ledger lock")
                    .remember(id, account, &fate);
                let message_id = COctetString::from_string(id.to_string()).expect("digits fit");
                self.reply(
                    sequence,
                    CommandStatus::EsmeRok,
                    SubmitSmResp::builder().message_id(message_id).build(),
                );
            }
        }
    }

    /// Sends ready receipts while the window has room.
    fn pump_receipts(&mut self) {
        let Some(account) = self.receiving_account() else {
            return;
        };
        let window = self.shared.scenario.serve.accounts[account].window as usize;
        let dialect = self.shared.scenario.serve.accounts[account].dialect;
        while self.unacked.len() < window {
            let Some(job) = self.shared.desk.take(account) else {
                break;
            };
            let pdu = receipt_pdu(&job, &dialect, self.shared.epoch_unix);
            let sequence = self.request(pdu);
            self.unacked.insert(sequence, (job, Instant::now()));
            self.shared.stats.unacked.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Receipts not acknowledged in time go back to the desk, to be sent
    /// again (on this bind or another).
    fn resend_overdue(&mut self, retry: Duration) {
        let overdue: Vec<u32> = self
            .unacked
            .iter()
            .filter(|(_, (_, sent))| sent.elapsed() >= retry)
            .map(|(s, _)| *s)
            .collect();
        if let Some(account) = self.receiving_account() {
            let jobs: Vec<ReceiptJob> = overdue
                .into_iter()
                .filter_map(|s| self.unacked.remove(&s).map(|(job, _)| job))
                .collect();
            self.shared
                .stats
                .unacked
                .fetch_sub(jobs.len(), Ordering::Relaxed);
            self.shared.desk.give_back(account, jobs);
        }
    }

    /// On close: unacknowledged receipts go back to be held.
    fn release(&mut self) {
        if let Some(bound) = &self.bound {
            let jobs: Vec<ReceiptJob> = std::mem::take(&mut self.unacked)
                .into_values()
                .map(|(job, _)| job)
                .collect();
            self.shared
                .stats
                .unacked
                .fetch_sub(jobs.len(), Ordering::Relaxed);
            self.shared.desk.give_back(bound.account, jobs);
            self.shared.stats.binds.fetch_sub(1, Ordering::Relaxed);
        }
    }
}
