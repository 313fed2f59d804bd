//! The side of SMPP that accepts binds, as far as the protocol goes: what
//! a client asked (`Request`, read from one frame), the answers' PDUs, and
//! the outgoing buffer with the server's own sequence numbers. What a
//! request means for an account or a message is the server's (`serve`).

use crate::protocol::smpp::frame::{Frame, encode};
use bytes::BytesMut;
use rusmpp::pdus::{
    BindReceiverResp, BindTransceiverResp, BindTransmitterResp, CancelSm, DataSm, QuerySm,
    ReplaceSm, SubmitMulti, SubmitSm,
};
use rusmpp::types::COctetString;
use rusmpp::{Command, CommandStatus, Pdu};

/// What kind of bind a client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Transmitter,
    Receiver,
    Transceiver,
}

impl Role {
    /// May submit messages.
    pub fn submits(self) -> bool {
        self != Role::Receiver
    }

    /// May be sent receipts.
    pub fn receives(self) -> bool {
        self != Role::Transmitter
    }

    /// The bind's answer, naming the server `system_id`.
    pub fn bind_resp(self, system_id: &str) -> Pdu {
        let id = COctetString::from_string(system_id.to_string())
            .unwrap_or_else(|_| COctetString::empty());
        match self {
            Role::Transmitter => BindTransmitterResp::builder().system_id(id).build().into(),
            Role::Receiver => BindReceiverResp::builder().system_id(id).build().into(),
            Role::Transceiver => BindTransceiverResp::builder().system_id(id).build().into(),
        }
    }
}

/// One thing a client sent, with the sequence number its answer carries.
#[derive(Debug)]
pub enum Request<'a> {
    Bind {
        role: Role,
        system_id: &'a str,
        password: &'a str,
    },
    Submit(&'a SubmitSm),
    /// query_sm, cancel_sm, replace_sm: about a message submitted before.
    Query(&'a QuerySm),
    Cancel(&'a CancelSm),
    Replace(&'a ReplaceSm),
    /// data_sm from the client: a message, as submit_sm's.
    Data(&'a DataSm),
    /// submit_multi: one message to each destination.
    Multi(&'a SubmitMulti),
    EnquireLink,
    Unbind,
    /// The answer to a deliver_sm (or a data_sm) the server sent.
    DeliverSmResp {
        status: CommandStatus,
    },
    /// An answer that needs nothing (generic_nack, enquire_link_resp,
    /// unbind_resp).
    Nothing,
    /// A frame to answer with generic_nack and this status: it did not
    /// decode, or it is an operation this server does not offer.
    Nack(CommandStatus),
}

impl<'a> Request<'a> {
    /// Reads a frame: the request and its sequence number.
    pub fn of(frame: &'a Frame) -> (u32, Request<'a>) {
        let command = match frame {
            Frame::Command(c) => c,
            Frame::Undecodable { sequence, status } => return (*sequence, Request::Nack(*status)),
        };
        let bind = |role, system_id: &'a COctetString<1, 16>, password: &'a COctetString<1, 9>| {
            Request::Bind {
                role,
                system_id: system_id.as_str(),
                password: password.as_str(),
            }
        };
        let request = match command.pdu() {
            Some(Pdu::BindTransmitter(b)) => bind(Role::Transmitter, &b.system_id, &b.password),
            Some(Pdu::BindReceiver(b)) => bind(Role::Receiver, &b.system_id, &b.password),
            Some(Pdu::BindTransceiver(b)) => bind(Role::Transceiver, &b.system_id, &b.password),
            Some(Pdu::EnquireLink) => Request::EnquireLink,
            Some(Pdu::Unbind) => Request::Unbind,
            Some(Pdu::SubmitSm(submit)) => Request::Submit(submit),
            Some(Pdu::QuerySm(query)) => Request::Query(query),
            Some(Pdu::CancelSm(cancel)) => Request::Cancel(cancel),
            Some(Pdu::ReplaceSm(replace)) => Request::Replace(replace),
            Some(Pdu::DataSm(data)) => Request::Data(data),
            Some(Pdu::SubmitMulti(multi)) => Request::Multi(multi),
            Some(Pdu::DeliverSmResp(_)) | Some(Pdu::DataSmResp(_)) => Request::DeliverSmResp {
                status: command.status(),
            },
            Some(Pdu::GenericNack) | Some(Pdu::EnquireLinkResp) | Some(Pdu::UnbindResp) => {
                Request::Nothing
            }
            _ => Request::Nack(CommandStatus::EsmeRinvcmdid),
        };
        (command.sequence_number(), request)
    }
}

/// What the server writes next on a connection, and its own requests'
/// sequence numbers (1 to 0x7FFFFFFF, then around again).
pub struct Outbox {
    pub bytes: BytesMut,
    next_sequence: u32,
}

impl Default for Outbox {
    fn default() -> Self {
        Outbox {
            bytes: BytesMut::new(),
            next_sequence: 1,
        }
    }
}

impl Outbox {
    /// Queues the answer to request `sequence`.
    pub fn reply(&mut self, sequence: u32, status: CommandStatus, pdu: impl Into<Pdu>) {
        encode(&Command::new(status, sequence, pdu.into()), &mut self.bytes);
    }

    /// Queues a request of the server's own; returns its sequence number.
    pub fn request(&mut self, pdu: impl Into<Pdu>) -> u32 {
        let sequence = self.next_sequence;
        self.next_sequence = self.next_sequence % 0x7fff_fffe + 1;
        let command = Command::new(CommandStatus::EsmeRok, sequence, pdu.into());
        encode(&command, &mut self.bytes);
        sequence
    }
}
