//! One SMPP connection: bind (checked against the scenario's accounts),
//! submit_sm (answered as the model decides, every accepted message or
//! part kept in the ledger), the other operations (`operations`),
//! enquire_link and unbind, and receipts sent as deliver_sm (or data_sm)
//! to a bound receiver or transceiver, resent until acknowledged.

use super::receipt::receipt_pdu;
use crate::model::Fate;
use crate::protocol::smpp::frame::{Frame, FrameError, read_frame};
use crate::protocol::smpp::server::{Outbox, Request, Role};
use crate::protocol::smpp::user_data::{Scheme, UserData};
use crate::protocol::vocabulary::Refusal;
use crate::serve::board::status_name;
use crate::serve::ledger::{Ending, Kept};
use crate::serve::limits::{Slot, WindowLimit};
use crate::serve::live::Submission;
use crate::serve::reassembly::{self, Added, Part, SetKey};
use crate::serve::receipts::ReceiptJob;
use crate::serve::shared::{Shared, routable_digits};
use crate::serve::trace::{Happening, Traced, Via};
use rusmpp::pdus::{SubmitSm, SubmitSmResp};
use rusmpp::types::COctetString;
use rusmpp::{CommandStatus, Pdu};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

mod operations;

/// What the reader task hands over: a frame, the end of the stream
/// (`None`), or why reading failed.
type FrameRead = Result<Option<Frame>, FrameError>;
type Frames = mpsc::Receiver<FrameRead>;

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
/// `stream` is the accepted TCP stream, or a TLS stream over it.
pub async fn serve<S: AsyncRead + AsyncWrite + Send + 'static>(
    stream: S,
    peer: SocketAddr,
    port: u16,
    shared: Arc<Shared>,
    _slot: Slot,
) {
    let (reader, mut writer) = tokio::io::split(stream);
    // Buffered: a frame is two reads (its length, then the rest), and
    // without a buffer each is a system call.
    let mut reader = BufReader::with_capacity(READ_BUFFER, reader);
    let (frames_tx, mut frames) = mpsc::channel(FRAMES_QUEUED);
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
    let mut ended = false;
    loop {
        let receiving = c.receiving_account();
        tokio::select! {
            frame = frames.recv() => {
                last_heard = Instant::now();
                ended = !c.take_frames(frame, &mut frames);
            }
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
        if !ended {
            c.pump_receipts();
        }
        if !c.out.bytes.is_empty() {
            // A TLS stream buffers what it is given until flushed.
            if writer.write_all(&c.out.bytes).await.is_err() || writer.flush().await.is_err() {
                break;
            }
            c.out.bytes.clear();
        }
        if c.closing || ended {
            break;
        }
    }
    let _ = writer.shutdown().await;
    reader_task.abort();
    c.release();
}

/// Frames read ahead of the connection's task, and the read buffer.
const FRAMES_QUEUED: usize = 256;
const READ_BUFFER: usize = 64 * 1024;

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
            let account = self.bound.as_ref().map(|b| b.account);
            self.shared.board.of(account).refused(status_name(status));
        }
        self.out.reply(sequence, status, pdu);
    }

    /// Handles `first` and every frame already read behind it, so that
    /// their answers leave in one write rather than one system call each.
    /// False when the stream ended or failed (the answers to the frames
    /// before it are still written).
    fn take_frames(&mut self, first: Option<FrameRead>, frames: &mut Frames) -> bool {
        let mut next = first;
        let mut handled = 0;
        loop {
            match next {
                Some(Ok(Some(frame))) => self.on_frame(frame),
                Some(Err(FrameError::Length { .. })) => {
                    self.reply(0, CommandStatus::EsmeRinvcmdlen, Pdu::GenericNack);
                    self.closing = true;
                    return true;
                }
                _ => return false,
            }
            handled += 1;
            if self.closing || handled == FRAMES_QUEUED {
                return true;
            }
            match frames.try_recv() {
                Ok(frame) => next = Some(frame),
                Err(mpsc::error::TryRecvError::Empty) => return true,
                Err(mpsc::error::TryRecvError::Disconnected) => return false,
            }
        }
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
                    let stat = job.words().0;
                    self.shared.observed.receipt_acknowledged(stat);
                    let latency = job.done_at.saturating_sub(job.submitted_at);
                    self.shared
                        .board
                        .of(Some(job.account))
                        .receipt(stat, latency);
                    let id = job.message_id;
                    let acknowledged = Happening::ReceiptAcknowledged { id, stat };
                    self.shared.trace(job.fate_id, acknowledged);
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
            self.shared.listens_on(i, self.port) && serve.accounts[i].system_id == system_id
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
            let binds = &self.shared.board.of(Some(account)).binds;
            binds.fetch_add(1, Ordering::Relaxed);
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
        let data = match UserData::of(submit) {
            Ok(data) => data,
            Err(status) => return self.refuse(sequence, status),
        };
        let bind_ok = bound.limit.as_mut().is_none_or(WindowLimit::take);
        if !bind_ok || !self.shared.account_allows(account) {
            self.shared
                .board
                .of(Some(account))
                .submits
                .fetch_add(1, Ordering::Relaxed);
            let status = Refusal::Throttled.words().smpp;
            self.trace_refusal(account, &destination, status, data.segments());
            return self.refuse(sequence, status);
        }
        let dialect = self.shared.scenario.serve.accounts[account].dialect;
        let key = SetKey {
            account,
            sender: submit.source_addr.as_str().to_string(),
            handset: destination,
            scheme: Scheme::Udh8,
            reference: 0,
            total: 1,
        };
        let part = Part {
            id: 0,
            seq: 1,
            wanted: u8::from(submit.registered_delivery) & 0x03,
            text: super::receipt::quote(dialect.quoted_text, &data),
            arrived: 0,
            coding: u8::from(submit.data_coding),
        };
        match data.concat {
            None => self.submit_whole(sequence, key, part, data.segments()),
            Some(concat) => {
                let key = SetKey {
                    scheme: concat.scheme,
                    reference: concat.reference,
                    total: concat.total,
                    ..key
                };
                self.submit_part(
                    sequence,
                    key,
                    Part {
                        seq: concat.seq,
                        ..part
                    },
                )
            }
        }
    }

    /// A whole message (one PDU): the model judges it at once.
    fn submit_whole(&mut self, sequence: u32, key: SetKey, part: Part, segments: u32) {
        let provider = self.shared.scenario.serve.accounts[key.account].provider;
        let submission = self.shared.live.lock().expect("model lock").submit_message(
            provider,
            &key.handset,
            segments,
            None,
        );
        self.shared.observed.submits.inc();
        let board = self.shared.board.of(Some(key.account));
        board.submits.fetch_add(1, Ordering::Relaxed);
        let Submission::Accepted { id, fate, receipt } = submission else {
            let status = refusal_of(&submission).words().smpp;
            self.trace_refusal(key.account, &key.handset, status, segments);
            return self.refuse(sequence, status);
        };
        board.accepted.fetch_add(1, Ordering::Relaxed);
        self.trace_accepted(&key, &[id], segments, (id, Some(&fate)));
        let part = Part {
            id,
            arrived: fate.sent_at,
            ..part
        };
        self.follow_fate(&key, std::slice::from_ref(&part), (id, &fate), receipt);
        let kept = Kept::new(key.account, id, part.coding);
        self.accept(sequence, id, kept, Some(&fate));
    }

    /// A part of a concatenated message: accepted with its own id; the one
    /// that completes its message has the model judge the whole message
    /// (and is refused, the others waiting on, if the model refuses it).
    fn submit_part(&mut self, sequence: u32, key: SetKey, part: Part) {
        let shared = self.shared.clone();
        let timeout = Duration::from_nanos(shared.scenario.serve.concat_timeout);
        let mut pending = shared.pending.lock().expect("pending lock");
        let (id, arrived) = {
            let mut live = shared.live.lock().expect("model lock");
            (live.take_id(), live.now())
        };
        let part = Part {
            id,
            arrived,
            ..part
        };
        let (account, coding) = (key.account, part.coding);
        let kept = move |fate_id| Kept::new(account, fate_id, coding);
        let mut set = match pending.add(key.clone(), part, Instant::now() + timeout) {
            Added::Full => return self.refuse(sequence, CommandStatus::EsmeRmsgqful),
            Added::Waiting { first } => {
                shared.observed.submits.inc();
                self.trace_accepted(&key, &[id], u32::from(key.total), (first, None));
                return self.accept(sequence, id, kept(first), None);
            }
            Added::Complete(set) => set,
        };
        shared.observed.submits.inc();
        let board = shared.board.of(Some(key.account));
        board.submits.fetch_add(1, Ordering::Relaxed);
        let provider = shared.scenario.serve.accounts[key.account].provider;
        let first = set.parts[0].id;
        let segments = u32::from(key.total);
        let submission = shared.live.lock().expect("model lock").submit_message(
            provider,
            &key.handset,
            segments,
            Some(first),
        );
        let Submission::Accepted { fate, receipt, .. } = submission else {
            set.parts.retain(|p| p.id != id);
            pending.put_back(key.clone(), set);
            let status = refusal_of(&submission).words().smpp;
            self.trace_refusal(key.account, &key.handset, status, segments);
            return self.refuse(sequence, status);
        };
        drop(pending);
        board.accepted.fetch_add(1, Ordering::Relaxed);
        self.trace_accepted(&key, &[id], segments, (first, Some(&fate)));
        self.follow_fate(&key, &set.parts, (first, &fate), receipt);
        self.accept(sequence, id, kept(first), Some(&fate));
    }

    /// Traces a submit refused with `status` (by a limit or the model).
    fn trace_refusal(&self, account: usize, number: &str, status: CommandStatus, segments: u32) {
        if self.shared.scenario.serve.trace_messages == 0 {
            return;
        }
        let traced = Traced {
            refusal: Some(status_name(status)),
            ..self.traced(account, number, Vec::new(), segments)
        };
        self.shared
            .traces
            .lock()
            .expect("trace lock")
            .submitted(traced, None);
    }

    /// Traces accepted ids of the model's message `key`: with its fate
    /// once judged, else a part waiting for the rest.
    fn trace_accepted(
        &self,
        set: &SetKey,
        ids: &[u64],
        segments: u32,
        (key, fate): (u64, Option<&Fate>),
    ) {
        if self.shared.scenario.serve.trace_messages == 0 {
            return;
        }
        let ids = ids.iter().map(u64::to_string).collect();
        let traced = Traced {
            fate: fate.cloned(),
            ..self.traced(set.account, &set.handset, ids, segments)
        };
        let mut traces = self.shared.traces.lock().expect("trace lock");
        traces.submitted(traced, Some(key));
    }

    fn traced(&self, account: usize, number: &str, ids: Vec<String>, segments: u32) -> Traced {
        Traced {
            account,
            via: Via::Smpp,
            number: number.to_string(),
            client_ids: ids,
            segments,
            submitted: self.shared.stamp(),
            refusal: None,
            fate: None,
            events: Vec::new(),
            events_dropped: 0,
        }
    }

    /// Answers an accepted submit (a whole message or a part) with its
    /// `id`, and keeps it in the ledger for query_sm, cancel_sm and
    /// replace_sm: with its message's ending when the model has judged it
    /// (`fate`), else (a part waiting for the rest) when it is.
    fn accept(&mut self, sequence: u32, id: u64, kept: Kept, fate: Option<&Fate>) {
        {
            let mut ledger = self.shared.ledger.lock().expect("ledger lock");
            ledger.remember(id, kept);
            if let Some(fate) = fate {
                ledger.decided(kept.fate_id, Ending::of(fate, false));
            }
        }
        let message_id = COctetString::from_string(id.to_string()).expect("digits fit");
        self.reply(
            sequence,
            CommandStatus::EsmeRok,
            SubmitSmResp::builder().message_id(message_id).build(),
        );
    }

    /// Schedules the receipt of every part that asked for one, each saying
    /// what the model's message `fate_id` ended as, when it did.
    fn follow_fate(
        &mut self,
        key: &SetKey,
        parts: &[Part],
        (fate_id, fate): (u64, &Fate),
        receipt: Option<(crate::model::Receipt, crate::units::Nanos)>,
    ) {
        let Some((receipt, done)) = receipt else {
            return;
        };
        let dialect = self.shared.scenario.serve.accounts[key.account].dialect;
        let mut scheduled = false;
        for part in parts.iter().filter(|p| p.wants(receipt)) {
            let job = reassembly::job(key, part, fate_id, (receipt, fate.outcome, done));
            self.shared
                .schedule_receipt(job, dialect.receipt_before_resp);
            scheduled = true;
        }
        if scheduled && dialect.receipt_before_resp {
            self.pump_receipts();
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
            let sent = Happening::ReceiptSent {
                id: job.message_id,
                stat: job.words().0,
            };
            self.shared.trace(job.fate_id, sent);
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
            self.trace_held_again(&jobs);
            self.shared.desk.give_back(account, jobs);
        }
    }

    fn trace_held_again(&self, jobs: &[ReceiptJob]) {
        for job in jobs {
            let again = Happening::ReceiptHeldAgain { id: job.message_id };
            self.shared.trace(job.fate_id, again);
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
            self.trace_held_again(&jobs);
            self.shared.desk.give_back(bound.account, jobs);
            self.shared.stats.binds.fetch_sub(1, Ordering::Relaxed);
            let binds = &self.shared.board.of(Some(bound.account)).binds;
            binds.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// Why the model refused a submission, in the vocabulary's words.
fn refusal_of(submission: &Submission) -> Refusal {
    match submission {
        Submission::ProviderDown => Refusal::ProviderDown,
        Submission::QueueFull => Refusal::QueueFull,
        _ => Refusal::SendLimited,
    }
}
