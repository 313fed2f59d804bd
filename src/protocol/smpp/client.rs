//! The client side of SMPP that `load` and `bench` share: connecting and
//! binding as a transceiver within a timeout (Ctrl-C ends the wait), the
//! OTP submit_sm, reading a submit_sm_resp and a receipt (its TLVs, else
//! its text), and acknowledging the receipt.

use crate::protocol::client_error::{ClientError, describe_decode};
use crate::protocol::target::Target;
use crate::protocol::vocabulary::stat_of_state;
use futures_util::{SinkExt, StreamExt};
use rusmpp::pdus::{BindTransceiver, DeliverSm, DeliverSmResp, SubmitSm};
use rusmpp::tlvs::TlvValue;
use rusmpp::tokio_codec::CommandCodec;
use rusmpp::types::{COctetString, OctetString};
use rusmpp::values::RegisteredDelivery;
use rusmpp::{Command, CommandId, CommandStatus, Pdu};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_util::codec::Framed;
use tokio_util::sync::CancellationToken;

/// The acknowledgement of the deliver_sm with this sequence number.
pub fn receipt_ack(sequence: u32) -> Command {
    Command::new(
        CommandStatus::EsmeRok,
        sequence,
        DeliverSmResp::builder().build(),
    )
}

/// A submit_sm_resp's status and message id. Matched on the command id:
/// a refusal may come without a body (as the npm `smpp` server sends it),
/// which rusmpp decodes with no PDU.
pub fn submit_resp(command: &Command) -> Option<(u32, String)> {
    if command.id() != CommandId::SubmitSmResp {
        return None;
    }
    let id = match command.pdu() {
        Some(Pdu::SubmitSmResp(resp)) => resp.message_id().as_str().to_string(),
        _ => String::new(),
    };
    Some((u32::from(command.status()), id))
}

/// An OTP message to `number`, asking for a receipt.
pub fn otp_submit(number: &str) -> Result<SubmitSm, ClientError> {
    let destination = text(number).ok_or_else(|| ClientError::Number(number.to_string()))?;
    Ok(SubmitSm::builder()
        .source_addr(text("SIMSMS").expect("a short ASCII name"))
        .destination_addr(destination)
        .registered_delivery(RegisteredDelivery::from(1))
        .short_message(OctetString::from_slice(b"Your code is 123456").expect("short"))
        .build())
}

/// Connects and binds as a transceiver, within `timeout` for the
/// connection and again for the bind's answer; Ctrl-C (`stop`) ends the
/// wait at once with `ClientError::Interrupted`.
pub async fn connect(
    target: &Target,
    timeout: Duration,
    stop: &CancellationToken,
) -> Result<Framed<TcpStream, CommandCodec>, ClientError> {
    tokio::select! {
        bound = connect_and_bind(target, timeout) => bound,
        _ = stop.cancelled() => Err(ClientError::Interrupted),
    }
}

async fn connect_and_bind(
    target: &Target,
    timeout: Duration,
) -> Result<Framed<TcpStream, CommandCodec>, ClientError> {
    let name = target.display();
    let seconds = timeout.as_secs_f64();
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
    let mut framed = Framed::new(stream, CommandCodec::new());
    let bind_pdu = BindTransceiver::builder()
        .system_id(system_id)
        .password(password)
        .build();
    let broken = |reason: String| ClientError::Connection {
        target: name.clone(),
        reason,
    };
    let bind = Command::new(CommandStatus::EsmeRok, 1, bind_pdu);
    let answer = tokio::time::timeout(timeout, async {
        framed.send(bind).await.map_err(|e| broken(e.to_string()))?;
        Ok(framed.next().await)
    });
    let answer = answer.await.map_err(|_| ClientError::BindTimeout {
        target: name.clone(),
        seconds,
    })??;
    match answer {
        Some(Ok(c)) if c.status() == CommandStatus::EsmeRok => Ok(framed),
        Some(Ok(c)) => Err(ClientError::bind_refused(name, u32::from(c.status()))),
        Some(Err(rusmpp::tokio_codec::DecodeError::Io(e))) => Err(broken(e.to_string())),
        Some(Err(e)) => Err(ClientError::NotSmpp {
            target: name,
            reason: describe_decode(&e),
        }),
        None => Err(ClientError::ClosedAtBind { target: name }),
    }
}

/// `s` as an SMPP C-octet string, if it fits.
pub fn text<const MIN: usize, const MAX: usize>(s: &str) -> Option<COctetString<MIN, MAX>> {
    COctetString::from_string(s.to_string()).ok()
}

/// The receipted message id and stat: from the TLVs when present, else
/// from the receipt text.
pub fn receipt_fields(d: &DeliverSm) -> Option<(String, String)> {
    let mut id = None;
    let mut state = None;
    for tlv in d.tlvs() {
        match tlv.value() {
            Some(TlvValue::ReceiptedMessageId(v)) => id = Some(v.as_str().to_string()),
            Some(TlvValue::MessageState(s)) => state = Some(*s),
            _ => {}
        }
    }
    let text = String::from_utf8_lossy(d.short_message().as_ref()).into_owned();
    let field = |name: &str| {
        text.split(' ')
            .find_map(|f| f.strip_prefix(name))
            .map(str::to_string)
    };
    let stat = match state.and_then(stat_of_state) {
        Some(stat) => Some(stat.to_string()),
        None => field("stat:"),
    }?;
    Some((id.or_else(|| field("id:"))?, stat))
}
