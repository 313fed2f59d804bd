//! The client side of SMPP that `load` (message mode and `--otp`) and
//! `bench smpp` share: connecting (over TLS for `smpps://`, trusting the
//! system's roots and `--ca-cert`) and binding as a transceiver within a
//! timeout (Ctrl-C ends the wait), then one session per bind that reads
//! through the shared frame reader (an undecodable PDU is answered with
//! generic_nack and the session goes on), acknowledges every deliver_sm
//! and data_sm (receipts come as either), answers the server's
//! enquire_link and unbind, keeps an idle bind alive with enquire_link,
//! and writes what the caller submits in batches. The
//! caller sees only what it needs: each submit_sm_resp (a generic_nack to
//! a submit counts as a refused answer), each receipt, and the end.

use crate::protocol::client_error::ClientError;
use crate::protocol::smpp::frame::{Frame, FrameError, encode, read_frame};
use crate::protocol::smpp::receipt::{data_sm_receipt_fields, receipt_fields};
use crate::protocol::target::Target;
use bytes::BytesMut;
use rusmpp::pdus::{BindTransceiver, DataSmResp, DeliverSmResp, QuerySm, SubmitSm};
use rusmpp::types::{COctetString, OctetString};
use rusmpp::values::RegisteredDelivery;
use rusmpp::{Command, CommandId, CommandStatus, Pdu};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

/// The largest PDU a client reads: a deliver_sm with a full
/// message_payload TLV (64 KiB) and its header.
const MAX_PDU: u32 = 65_536 + 1_024;

/// How long a bind may look idle before the client proves it is alive.
const ENQUIRE_LINK_EVERY: Duration = Duration::from_secs(30);

/// What the server sent that the caller acts on.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// The answer to submit `sequence`: its command_status (0 accepted)
    /// and the message id it was given.
    Resp {
        sequence: u32,
        status: u32,
        id: String,
        at: Instant,
    },
    /// A delivery receipt (already acknowledged): the receipted message id,
    /// its stat, its error code and its text's dates as written (the
    /// SMSC's clock), when it came.
    Receipt {
        id: String,
        stat: String,
        at: Instant,
        err: Option<String>,
        submit_date: Option<String>,
        done_date: Option<String>,
    },
    /// The answer to query_sm `sequence`: the message's state (a
    /// MessageState octet; 0 when the query was refused with `status`).
    QueryResp {
        sequence: u32,
        status: u32,
        state: u8,
        at: Instant,
    },
    /// The session ended: the server closed, unbound or broke the stream.
    Closed { reason: String },
}

/// One bound transceiver: `sender` writes submits, `incoming` gives what
/// came back, ending with `Incoming::Closed`.
pub struct Session {
    pub sender: Sender,
    pub incoming: mpsc::UnboundedReceiver<Incoming>,
}

/// The writing side of a session; clones share its sequence numbers.
/// Dropping the last sender ends the session.
#[derive(Clone)]
pub struct Sender {
    out: mpsc::UnboundedSender<Outgoing>,
    next_sequence: Arc<AtomicU32>,
    _tasks: Arc<Tasks>,
}

/// What the writer task is given.
enum Outgoing {
    /// A PDU, encoded by whoever sent it.
    Pdu(BytesMut),
    /// Answers once everything before it has been written.
    Flushed(oneshot::Sender<()>),
}

/// The session's two tasks, ended when the session is dropped.
struct Tasks(Vec<tokio::task::JoinHandle<()>>);

impl Drop for Tasks {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

impl Outgoing {
    fn command(status: CommandStatus, sequence: u32, pdu: impl Into<Pdu>) -> Outgoing {
        let mut bytes = BytesMut::new();
        encode(&Command::new(status, sequence, pdu.into()), &mut bytes);
        Outgoing::Pdu(bytes)
    }
}

impl Sender {
    /// Writes an OTP submit_sm to `number`, asking for a receipt; returns
    /// its sequence number. Fails when the number cannot be an SMPP address;
    /// once the session has closed the submit is silently not sent (the
    /// caller learns of the close from `Incoming::Closed`).
    pub fn submit(&mut self, number: &str) -> Result<u32, ClientError> {
        Ok(self.submit_sm(otp_submit(number)?))
    }

    /// Writes `submit` (one part of a message, say); returns its sequence
    /// number. Once the session has closed it is silently not sent.
    pub fn submit_sm(&mut self, submit: SubmitSm) -> u32 {
        self.submit_pdu(submit)
    }

    /// Writes a request of our own; returns its sequence number.
    fn submit_pdu(&mut self, pdu: impl Into<Pdu>) -> u32 {
        // Sequence 1 is the bind's; requests of our own use 2..=0x7FFFFFFF.
        let next = |s: u32| Some(if s >= 0x7fff_ffff { 2 } else { s + 1 });
        let sequence = (self.next_sequence)
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, next)
            .expect("the update always gives a value");
        let _ = (self.out).send(Outgoing::command(CommandStatus::EsmeRok, sequence, pdu));
        sequence
    }

    /// Asks for the state of message `id` (a gateway's fallback when a
    /// receipt is late); returns the query's sequence number.
    pub fn query_sm(&mut self, id: &str) -> u32 {
        let query = QuerySm::builder()
            .message_id(text(id).unwrap_or_else(|| text("0").expect("short")))
            .source_addr(text("SIMSMS").expect("a short ASCII name"))
            .build();
        self.submit_pdu(query)
    }

    /// Whether the session has ended.
    pub fn is_closed(&self) -> bool {
        self.out.is_closed()
    }

    /// Sends unbind and waits, up to `timeout`, for it and everything
    /// before it to be written; Ctrl-C (`stop`) ends the wait at once.
    pub async fn unbind(self, timeout: Duration, stop: &CancellationToken) {
        let unbind = Outgoing::command(CommandStatus::EsmeRok, 1, Pdu::Unbind);
        let _ = self.out.send(unbind);
        let (flushed, written) = oneshot::channel();
        let _ = self.out.send(Outgoing::Flushed(flushed));
        tokio::select! {
            _ = tokio::time::timeout(timeout, written) => {}
            _ = stop.cancelled() => {}
        }
    }
}

/// An OTP message to `number`, asking for a receipt.
pub fn otp_submit(number: &str) -> Result<SubmitSm, ClientError> {
    let destination = text(number).ok_or_else(|| ClientError::Number(number.to_string()))?;
    Ok(SubmitSm::builder()
        .source_addr(text("SIMSMS").expect("a short ASCII name"))
        .destination_addr(destination)
        .registered_delivery(RegisteredDelivery::from(1))
        .short_message(OctetString::from_slice(crate::text::OTP_TEXT.as_bytes()).expect("short"))
        .build())
}

/// `s` as an SMPP C-octet string, if it fits.
pub fn text<const MIN: usize, const MAX: usize>(s: &str) -> Option<COctetString<MIN, MAX>> {
    COctetString::from_string(s.to_string()).ok()
}

/// Connects and binds as a transceiver, within `timeout` for the
/// connection and again for the bind's answer, and starts the session;
/// Ctrl-C (`stop`) ends the wait at once with `ClientError::Interrupted`.
pub async fn connect(
    target: &Target,
    timeout: Duration,
    stop: &CancellationToken,
) -> Result<Session, ClientError> {
    let (incoming_tx, incoming) = mpsc::unbounded_channel();
    let deliver = move |event| {
        let _ = incoming_tx.send(event);
    };
    let sender = connect_with(target, (timeout, stop), deliver).await?;
    Ok(Session { sender, incoming })
}

/// As `connect`, but what comes back goes to `deliver`, called on the
/// session's reader task (so several binds can feed one queue without a
/// task in between).
pub async fn connect_with(
    target: &Target,
    (timeout, stop): (Duration, &CancellationToken),
    deliver: impl Fn(Incoming) + Send + Sync + 'static,
) -> Result<Sender, ClientError> {
    let (reader, writer) = tokio::select! {
        bound = connect_and_bind(target, timeout) => bound?,
        _ = stop.cancelled() => return Err(ClientError::Interrupted),
    };
    let (out, to_write) = mpsc::unbounded_channel();
    let deliver = Arc::new(deliver);
    let writing = tokio::spawn(write_loop(writer, to_write, deliver.clone()));
    let hex_ids = target.hex_id_in_receipt_text;
    let reading = tokio::spawn(read_loop(reader, out.clone(), deliver, hex_ids));
    Ok(Sender {
        out,
        next_sequence: Arc::new(AtomicU32::new(2)),
        _tasks: Arc::new(Tasks(vec![writing, reading])),
    })
}

/// Where a session hands what came back.
type Deliver = Arc<dyn Fn(Incoming) + Send + Sync>;

/// The reading and writing halves of a connection, plain or TLS.
type Reader = BufReader<Box<dyn AsyncRead + Send + Unpin>>;
type Writer = Box<dyn AsyncWrite + Send + Unpin>;

/// The connection to `target`, each step within `timeout`: TCP, then for
/// `smpps://` the TLS handshake.
async fn open(target: &Target, timeout: Duration) -> Result<(Reader, Writer), ClientError> {
    let name = target.display();
    let seconds = timeout.as_secs_f64();
    let connecting = TcpStream::connect((target.host.as_str(), target.port));
    let stream = tokio::time::timeout(timeout, connecting)
        .await
        .map_err(|_| ClientError::ConnectTimeout {
            target: name.clone(),
            seconds,
        })?
        .map_err(|e| ClientError::Connect {
            target: name.clone(),
            reason: e.to_string(),
        })?;
    let _ = stream.set_nodelay(true);
    if !target.tls {
        let (reader, writer) = stream.into_split();
        return Ok((BufReader::new(Box::new(reader)), Box::new(writer)));
    }
    let config =
        crate::tls::client_config(target.ca_cert.as_deref()).map_err(ClientError::CaCert)?;
    let server = rustls_pki_types::ServerName::try_from(target.host.clone())
        .map_err(|e| ClientError::tls(&name, &target.host, &e.to_string()))?;
    let handshake = tokio_rustls::TlsConnector::from(config).connect(server, stream);
    let stream = tokio::time::timeout(timeout, handshake)
        .await
        .map_err(|_| ClientError::TlsTimeout {
            target: name.clone(),
            seconds,
        })?
        .map_err(|e| ClientError::tls(&name, &target.host, &e.to_string()))?;
    let (reader, writer) = tokio::io::split(stream);
    Ok((BufReader::new(Box::new(reader)), Box::new(writer)))
}

async fn connect_and_bind(
    target: &Target,
    timeout: Duration,
) -> Result<(Reader, Writer), ClientError> {
    let name = target.display();
    let seconds = timeout.as_secs_f64();
    let bind = bind_request(target)?;
    let (mut reader, mut writer) = open(target, timeout).await?;
    let broken = |reason: String| ClientError::Connection {
        target: name.clone(),
        reason,
    };
    let answer = tokio::time::timeout(timeout, async {
        let mut out = BytesMut::new();
        encode(&bind, &mut out);
        let written = match writer.write_all(&out).await {
            Ok(()) => writer.flush().await,
            Err(e) => Err(e),
        };
        written.map_err(|e| broken(e.to_string()))?;
        Ok(read_frame(&mut reader, MAX_PDU).await)
    });
    let answer = answer.await.map_err(|_| ClientError::BindTimeout {
        target: name.clone(),
        seconds,
    })??;
    match answer {
        Ok(Some(Frame::Command(c))) if c.status() == CommandStatus::EsmeRok => Ok((reader, writer)),
        Ok(Some(Frame::Command(c))) => Err(ClientError::bind_refused(name, u32::from(c.status()))),
        Ok(Some(Frame::Undecodable { .. })) => Err(ClientError::NotSmpp {
            target: name,
            reason: "its answer does not decode as an SMPP PDU".into(),
        }),
        Err(e @ FrameError::Length { length, .. }) => Err(ClientError::NotSmpp {
            target: name,
            // A TLS record (alert 0x15 or handshake 0x16, version 3.x).
            reason: if matches!(length >> 16, 0x1503 | 0x1603) && !target.tls {
                format!("{}; the port speaks TLS: use smpps://", e.describe())
            } else {
                e.describe()
            },
        }),
        Err(FrameError::Io(e)) => Err(broken(e.to_string())),
        Ok(None) => Err(ClientError::ClosedAtBind { target: name }),
    }
}

/// The bind_transceiver of `target`'s credentials.
fn bind_request(target: &Target) -> Result<Command, ClientError> {
    let system_id = text(&target.user).ok_or_else(|| ClientError::Credential {
        field: "system_id",
        max: 15,
        got: format!("\"{}\"", target.user),
    })?;
    let password = text(&target.password).ok_or_else(|| ClientError::Credential {
        field: "password",
        max: 8,
        got: format!("{} characters", target.password.chars().count()),
    })?;
    let bind = BindTransceiver::builder()
        .system_id(system_id)
        .password(password)
        .build();
    Ok(Command::new(CommandStatus::EsmeRok, 1, bind))
}

/// Writes what is queued, as many commands per write as are waiting, and
/// an enquire_link when nothing was written for `ENQUIRE_LINK_EVERY`.
async fn write_loop(
    mut writer: Writer,
    mut to_write: mpsc::UnboundedReceiver<Outgoing>,
    deliver: Deliver,
) {
    let mut out = BytesMut::new();
    let mut flushed = Vec::new();
    loop {
        let first = tokio::select! {
            next = to_write.recv() => match next {
                Some(first) => first,
                None => break,
            },
            _ = tokio::time::sleep(ENQUIRE_LINK_EVERY) => {
                Outgoing::command(CommandStatus::EsmeRok, 1, Pdu::EnquireLink)
            }
        };
        let mut next = Some(first);
        while let Some(item) = next {
            match item {
                Outgoing::Pdu(bytes) => out.extend_from_slice(&bytes),
                Outgoing::Flushed(done) => flushed.push(done),
            }
            // Batch what is already waiting, up to about 64 KiB a write.
            next = if out.len() < 65_536 {
                to_write.try_recv().ok()
            } else {
                None
            };
        }
        if !out.is_empty() {
            // A TLS stream buffers what it is given until flushed.
            let written = match writer.write_all(&out).await {
                Ok(()) => writer.flush().await,
                Err(e) => Err(e),
            };
            if let Err(e) = written {
                let reason = format!("writing failed: {e}");
                deliver(Incoming::Closed { reason });
                return;
            }
            out.clear();
        }
        for done in flushed.drain(..) {
            let _ = done.send(());
        }
    }
    let _ = writer.shutdown().await;
}

/// Reads frames until the stream ends: answers what the server asks,
/// acknowledges receipts and passes resps and receipts on.
/// `hex_ids`: receipt texts write ids in hex (`Target::hex_id_in_receipt_text`).
async fn read_loop(
    mut reader: Reader,
    out: mpsc::UnboundedSender<Outgoing>,
    deliver: Deliver,
    hex_ids: bool,
) {
    let reply = |status: CommandStatus, sequence: u32, pdu: Pdu| {
        let _ = out.send(Outgoing::command(status, sequence, pdu));
    };
    let reason = loop {
        let frame = match read_frame(&mut reader, MAX_PDU).await {
            Ok(Some(frame)) => frame,
            Ok(None) => break "the server closed the connection".to_string(),
            Err(e) => break e.to_string(),
        };
        let command = match frame {
            Frame::Command(c) => c,
            Frame::Undecodable { sequence, status } => {
                reply(status, sequence, Pdu::GenericNack);
                continue;
            }
        };
        let sequence = command.sequence_number();
        let at = Instant::now();
        if let Some((status, id)) = submit_resp(&command) {
            deliver(Incoming::Resp {
                sequence,
                status,
                id,
                at,
            });
            continue;
        }
        if command.id() == CommandId::QuerySmResp {
            let state = match command.pdu() {
                Some(Pdu::QuerySmResp(resp)) => u8::from(resp.message_state),
                _ => 0,
            };
            let status = u32::from(command.status());
            deliver(Incoming::QueryResp {
                sequence,
                status,
                state,
                at,
            });
            continue;
        }
        if let Some(receipt) = answer_receipt(&command, hex_ids, at, reply) {
            deliver(receipt);
            continue;
        }
        match command.pdu() {
            Some(Pdu::EnquireLink) => reply(CommandStatus::EsmeRok, sequence, Pdu::EnquireLinkResp),
            Some(Pdu::Unbind) => {
                reply(CommandStatus::EsmeRok, sequence, Pdu::UnbindResp);
                break "the server unbound".to_string();
            }
            Some(Pdu::UnbindResp) => break "unbound".to_string(),
            _ => {}
        }
    };
    deliver(Incoming::Closed { reason });
}

/// A receipt the server sent, as deliver_sm or (some SMSCs) data_sm:
/// answered at once (unanswered, it would hold the server's window) and
/// read, its text's hex id made decimal when `hex_ids`. `None` for any
/// other PDU, and for a deliver_sm that is not a receipt (answered too).
fn answer_receipt(
    command: &Command,
    hex_ids: bool,
    at: Instant,
    reply: impl Fn(CommandStatus, u32, Pdu),
) -> Option<Incoming> {
    let sequence = command.sequence_number();
    let r = match command.pdu() {
        Some(Pdu::DeliverSm(d)) => {
            let ack = DeliverSmResp::builder().build();
            reply(CommandStatus::EsmeRok, sequence, ack.into());
            receipt_fields(d)?
        }
        Some(Pdu::DataSm(d)) => {
            let ack = DataSmResp::builder().build();
            reply(CommandStatus::EsmeRok, sequence, ack.into());
            data_sm_receipt_fields(d)?
        }
        _ => return None,
    };
    let id = match (hex_ids && r.id_from_text, u64::from_str_radix(&r.id, 16)) {
        (true, Ok(id)) => id.to_string(),
        _ => r.id,
    };
    Some(Incoming::Receipt {
        id,
        stat: r.stat,
        at,
        err: r.err,
        submit_date: r.submit_date,
        done_date: r.done_date,
    })
}

/// A submit's answer: its status and message id. A generic_nack answers a
/// submit the server could not read, so it counts as a refusal. Matched on
/// the command id: a refusal may come without a body (as the npm `smpp`
/// server sends it), which decodes with no PDU.
fn submit_resp(command: &Command) -> Option<(u32, String)> {
    let refused_unread = command.id() == CommandId::GenericNack && command.sequence_number() > 1;
    if command.id() != CommandId::SubmitSmResp && !refused_unread {
        return None;
    }
    let id = match command.pdu() {
        Some(Pdu::SubmitSmResp(resp)) => resp.message_id().as_str().to_string(),
        _ => String::new(),
    };
    // A generic_nack with status 0 would say nothing; it is still a refusal.
    let status = u32::from(command.status()).max(u32::from(refused_unread));
    Some((status, id))
}
