//! SMPP operations beyond submit_sm: query_sm, cancel_sm and replace_sm on
//! a message submitted before (answered from the ledger and the live
//! model's stage times at the served clock's now), and data_sm and
//! submit_multi, each destination taken through submit_sm's own path (the
//! same checks, model and receipts) and its answer said again in the
//! operation's own response (docs/serve.md, "More operations").

use super::Connection;
use crate::model::{Fate, Outcome};
use crate::protocol::smpp::frame::{Frame, decode};
use crate::protocol::smpp::user_data::UserData;
use crate::protocol::vocabulary::{cancelled_stat, network_error, smpp_stat};
use crate::serve::dates::calendar;
use crate::serve::ledger::{Ending, Kept, Lookup};
use crate::serve::receipts::Amendment;
use crate::text::DataCoding;
use crate::units::Nanos;
use bytes::{Buf, BytesMut};
use rusmpp::pdus::{
    CancelSm, DataSm, DataSmResp, QuerySm, QuerySmResp, ReplaceSm, SubmitMulti, SubmitMultiResp,
    SubmitSm,
};
use rusmpp::tlvs::{MessageSubmissionRequestTlvValue, Tlv, TlvValue};
use rusmpp::types::{COctetString, EmptyOrFullCOctetString, OctetString};
use rusmpp::values::{DestAddress, MessageState, Npi, Ton, UnsuccessSme};
use rusmpp::{CommandStatus, Pdu};
use std::time::Instant;

/// Where an accepted message is at a moment, as cancel_sm and replace_sm
/// ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Not yet sent on by the provider (in its queue, or held by an
    /// outage before it).
    AtProvider,
    /// Held by the carrier's SMSC for a later attempt.
    StoredAtSmsc,
    /// On its way, being delivered, or final: too late to change.
    Beyond,
}

fn stage(fate: &Fate, now: Nanos) -> Stage {
    if fate.finished_at <= now {
        return Stage::Beyond;
    }
    if now < fate.left_provider_at.unwrap_or(fate.finished_at) {
        return Stage::AtProvider;
    }
    match fate.stored() {
        Some((from, until)) if from <= now && now < until => Stage::StoredAtSmsc,
        _ => Stage::Beyond,
    }
}

/// A message id as the resps carry it (decimal, or empty).
fn id_text(id: Option<u64>) -> COctetString<1, 65> {
    id.and_then(|id| COctetString::from_string(id.to_string()).ok())
        .unwrap_or_default()
}

/// query_sm's answer for a message that ends as `ending`, asked at `now`:
/// ENROUTE until its final time (and for good when its provider sends no
/// receipt, as the provider never learns, and while it is not yet judged),
/// then the receipt's state.
fn query_resp(
    id: &COctetString<1, 65>,
    ending: Option<&Ending>,
    now: Nanos,
    epoch_unix: u64,
) -> QuerySmResp {
    let Some(ending) = ending else {
        // Not yet judged: a part waiting for the rest of its message.
        return QuerySmResp::builder()
            .message_id(id.clone())
            .message_state(MessageState::Enroute)
            .build();
    };
    let said = match ending.receipt {
        Some(_) if ending.at > now => None,
        None => None,
        Some(_) if ending.cancelled => Some((cancelled_stat().1, cancelled_stat().2)),
        Some(receipt) => Some((smpp_stat(receipt).1, network_error(receipt, ending.outcome))),
    };
    let builder = QuerySmResp::builder().message_id(id.clone());
    match said {
        None => builder.message_state(MessageState::Enroute).build(),
        Some((state, err)) => {
            let date = format!("{}000+", calendar(ending.at, epoch_unix, 12));
            builder
                .message_state(state)
                .final_date(EmptyOrFullCOctetString::from_string(date).unwrap_or_default())
                .error_code(u8::try_from(err).unwrap_or(u8::MAX))
                .build()
        }
    }
}

/// The submission TLVs a submit_sm can carry on: the text and the SAR
/// parts.
fn carried_tlvs(tlvs: &[Tlv]) -> Vec<MessageSubmissionRequestTlvValue> {
    tlvs.iter()
        .filter_map(|t| match t.value()? {
            TlvValue::MessagePayload(p) => {
                Some(MessageSubmissionRequestTlvValue::MessagePayload(p.clone()))
            }
            TlvValue::SarMsgRefNum(v) => Some(MessageSubmissionRequestTlvValue::SarMsgRefNum(*v)),
            TlvValue::SarTotalSegments(v) => {
                Some(MessageSubmissionRequestTlvValue::SarTotalSegments(*v))
            }
            TlvValue::SarSegmentSeqnum(v) => {
                Some(MessageSubmissionRequestTlvValue::SarSegmentSeqnum(*v))
            }
            _ => None,
        })
        .collect()
}

/// A data_sm as the submit_sm it stands for. Its text (message_payload)
/// goes in short_message when it takes at most 140 octets (one segment in
/// every coding), else stays in message_payload.
fn data_as_submit(d: &DataSm) -> SubmitSm {
    let mut tlvs = carried_tlvs(d.tlvs());
    let mut short = OctetString::default();
    if let Some(i) = tlvs.iter().position(|t| {
        matches!(t, MessageSubmissionRequestTlvValue::MessagePayload(p) if p.value.as_ref().len() <= 140)
    }) && let MessageSubmissionRequestTlvValue::MessagePayload(p) = tlvs.remove(i)
    {
        short = OctetString::from_slice(p.value.as_ref()).unwrap_or_default();
    }
    SubmitSm::builder()
        .source_addr_ton(d.source_addr_ton)
        .source_addr_npi(d.source_addr_npi)
        .source_addr(d.source_addr.clone())
        .dest_addr_ton(d.dest_addr_ton)
        .dest_addr_npi(d.dest_addr_npi)
        .destination_addr(d.destination_addr.clone())
        .esm_class(d.esm_class)
        .registered_delivery(d.registered_delivery)
        .data_coding(d.data_coding)
        .short_message(short)
        .tlvs(tlvs)
        .build()
}

/// submit_multi's message as the submit_sm to one destination.
fn multi_as_submit(
    m: &SubmitMulti,
    destination: &COctetString<1, 21>,
    ton: Ton,
    npi: Npi,
) -> SubmitSm {
    SubmitSm::builder()
        .source_addr_ton(m.source_addr_ton)
        .source_addr_npi(m.source_addr_npi)
        .source_addr(m.source_addr.clone())
        .dest_addr_ton(ton)
        .dest_addr_npi(npi)
        .destination_addr(destination.clone())
        .esm_class(m.esm_class)
        .registered_delivery(m.registered_delivery)
        .data_coding(m.data_coding)
        .short_message(m.short_message().clone())
        .tlvs(carried_tlvs(m.tlvs()))
        .build()
}

impl Connection {
    /// The account of a bind that may submit (and so query, cancel and
    /// replace what it submitted).
    fn submitting_account(&self) -> Option<usize> {
        self.bound
            .as_ref()
            .filter(|b| b.role.submits())
            .map(|b| b.account)
    }

    /// The message a request names, for this bind's account: what the
    /// ledger keeps of the id (its `fate_id` names the model's message, the
    /// same for every part of a concatenated one) and how that message
    /// ends, if judged yet; or the status to answer (`forgotten` for an id
    /// older than the ledger keeps, ESME_RINVMSGID for one this account
    /// was never given).
    fn named(
        &self,
        id: &COctetString<1, 65>,
        forgotten: CommandStatus,
    ) -> Result<Kept, CommandStatus> {
        let Some(account) = self.submitting_account() else {
            return Err(CommandStatus::EsmeRinvbndsts);
        };
        let lookup = self
            .shared
            .ledger
            .lock()
            .expect("ledger lock")
            .look_up(id.as_str(), account);
        match lookup {
            Lookup::Kept(kept) => Ok(kept),
            Lookup::Forgotten => Err(forgotten),
            Lookup::Unknown => Err(CommandStatus::EsmeRinvmsgid),
        }
    }

    /// query_sm: the state of the model's message the id belongs to (a
    /// part of a concatenated message answers its whole message's; ENROUTE
    /// while the message waits for the rest of its parts).
    pub(super) fn query(&mut self, sequence: u32, q: &QuerySm) {
        let kept = match self.named(&q.message_id, CommandStatus::EsmeRqueryfail) {
            Ok(kept) => kept,
            Err(status) => return self.reply(sequence, status, QuerySmResp::default()),
        };
        let (now, ending) = {
            let live = self.shared.live.lock().expect("model lock");
            let cancelled = kept.ending.is_some_and(|e| e.cancelled);
            let current = live
                .fate_of(kept.fate_id)
                .map(|f| Ending::of(&f, cancelled));
            (live.now(), current.or(kept.ending))
        };
        let resp = query_resp(&q.message_id, ending.as_ref(), now, self.shared.epoch_unix);
        self.reply(sequence, CommandStatus::EsmeRok, resp);
    }

    /// cancel_sm: a message still at its provider or stored at the SMSC is
    /// final now as cancelled (recorded as an expiry where it was); its
    /// pending receipts say DELETED, now. A part of a concatenated message
    /// cancels its whole message (every part's receipt); one whose message
    /// still waits for the rest of its parts cannot be cancelled.
    pub(super) fn cancel(&mut self, sequence: u32, c: &CancelSm) {
        let id = match self.named(&c.message_id, CommandStatus::EsmeRcancelfail) {
            Ok(kept) => kept.fate_id,
            Err(status) => return self.reply(sequence, status, Pdu::CancelSmResp),
        };
        let ended = {
            let mut live = self.shared.live.lock().expect("model lock");
            let now = live.now();
            let outcome = match live.fate_of(id).map(|f| stage(&f, now)) {
                Some(Stage::AtProvider) => Some(Outcome::ExpiredInQueue),
                Some(Stage::StoredAtSmsc) => Some(Outcome::ExpiredInSmsc),
                _ => None,
            };
            outcome.and_then(|outcome| live.end_now(id, outcome, now))
        };
        let Some((_, fate)) = ended else {
            return self.reply(sequence, CommandStatus::EsmeRcancelfail, Pdu::CancelSmResp);
        };
        self.shared
            .ledger
            .lock()
            .expect("ledger lock")
            .decided(id, Ending::of(&fate, true));
        let at = self.shared.stamp();
        let cancelled = crate::serve::trace::Happening::Cancelled;
        let mut traces = self.shared.traces.lock().expect("trace lock");
        traces.changed(id, &fate, at, cancelled);
        drop(traces);
        let amendment = Amendment::Cancelled {
            outcome: fate.outcome,
            done_at: fate.finished_at,
        };
        self.shared
            .scheduler
            .amend(id, Some(Instant::now()), amendment);
        self.reply(sequence, CommandStatus::EsmeRok, Pdu::CancelSmResp);
    }

    /// replace_sm: a message still at its provider or stored at the SMSC
    /// takes the new text, read by the data_coding it was submitted with
    /// (replace_sm carries none) and quoted in the account's dialect by
    /// its receipts (every part's, for a concatenated message); its fate
    /// stays.
    pub(super) fn replace(&mut self, sequence: u32, r: &ReplaceSm) {
        let (id, coding, account) = match self.named(&r.message_id, CommandStatus::EsmeRreplacefail)
        {
            Ok(kept) => (kept.fate_id, kept.coding, kept.account),
            Err(status) => return self.reply(sequence, status, Pdu::ReplaceSmResp),
        };
        let changeable = {
            let live = self.shared.live.lock().expect("model lock");
            let now = live.now();
            live.fate_of(id)
                .is_some_and(|f| stage(&f, now) != Stage::Beyond)
        };
        if !changeable {
            return self.reply(
                sequence,
                CommandStatus::EsmeRreplacefail,
                Pdu::ReplaceSmResp,
            );
        }
        let bytes = match r.message_payload() {
            Some(p) => p.value.as_ref().to_vec(),
            None => r.short_message().as_ref().to_vec(),
        };
        let data = UserData {
            coding: DataCoding::of(coding).unwrap_or(DataCoding::SmscDefault),
            bytes,
            payload: false,
            concat: None,
        };
        let dialect = self.shared.scenario.serve.accounts[account].dialect;
        let text = super::super::receipt::quote(dialect.quoted_text, &data);
        self.shared.scheduler.amend(id, None, Amendment::Text(text));
        self.reply(sequence, CommandStatus::EsmeRok, Pdu::ReplaceSmResp);
    }

    /// data_sm: submitted as submit_sm is, answered by data_sm_resp.
    pub(super) fn data(&mut self, sequence: u32, d: &DataSm) {
        let (status, id) = self.submit_through(sequence, &data_as_submit(d));
        let resp = DataSmResp::builder().message_id(id_text(id)).build();
        // Already counted, if a refusal, by the submit path's answer.
        self.out.reply(sequence, status, resp);
    }

    /// submit_multi: each destination submitted as submit_sm is; the
    /// first accepted one's id in the resp, every refused destination in
    /// unsuccess_sme with its status; a distribution list is refused
    /// (ESME_RINVDLNAME: this SMSC keeps none).
    pub(super) fn submit_multi(&mut self, sequence: u32, m: &SubmitMulti) {
        let refused = match m.dest_address().len() {
            _ if self.submitting_account().is_none() => Some(CommandStatus::EsmeRinvbndsts),
            0 => Some(CommandStatus::EsmeRinvnumdests),
            _ => None,
        };
        if let Some(status) = refused {
            return self.reply(sequence, status, SubmitMultiResp::default());
        }
        let mut first = None;
        let mut unsuccess = Vec::new();
        for dest in m.dest_address() {
            let (address, status) = match dest {
                DestAddress::SmeAddress(a) => {
                    let submit =
                        multi_as_submit(m, &a.destination_addr, a.dest_addr_ton, a.dest_addr_npi);
                    let (status, id) = self.submit_through(sequence, &submit);
                    first = first.or(id);
                    (
                        (a.dest_addr_ton, a.dest_addr_npi, a.destination_addr.clone()),
                        status,
                    )
                }
                DestAddress::DistributionListName(list) => {
                    self.shared
                        .observed
                        .refused(u32::from(CommandStatus::EsmeRinvdlname));
                    let unknown = (Ton::Unknown, Npi::Unknown, list.dl_name.clone());
                    (unknown, CommandStatus::EsmeRinvdlname)
                }
            };
            if status != CommandStatus::EsmeRok {
                let (ton, npi, address) = address;
                unsuccess.push(UnsuccessSme::new(ton, npi, address, status));
            }
        }
        let resp = SubmitMultiResp::builder()
            .message_id(id_text(first))
            .unsuccess_sme(unsuccess)
            .build();
        self.out.reply(sequence, CommandStatus::EsmeRok, resp);
    }

    /// Runs `submit` through submit_sm's path and takes back the
    /// submit_sm_resp it wrote (receipts it may have written before it, in
    /// the `receipt_before_resp` dialect, stay): its status and id.
    fn submit_through(&mut self, sequence: u32, submit: &SubmitSm) -> (CommandStatus, Option<u64>) {
        let start = self.out.bytes.len();
        self.submit(sequence, submit);
        let mut at = start;
        while self.out.bytes.len() >= at + 16 {
            let header = &self.out.bytes[at..at + 16];
            let length = (&header[0..4]).get_u32() as usize;
            let command_id = (&header[4..8]).get_u32();
            let seq = (&header[12..16]).get_u32();
            if command_id == 0x8000_0004 && seq == sequence {
                let frame = BytesMut::from(&self.out.bytes[at..at + length]);
                let tail = self.out.bytes.split_off(at + length);
                self.out.bytes.truncate(at);
                self.out.bytes.unsplit(tail);
                return match decode(frame, u32::MAX) {
                    Frame::Command(command) => {
                        let id = match command.pdu() {
                            Some(Pdu::SubmitSmResp(r)) => r.message_id().as_str().parse().ok(),
                            _ => None,
                        };
                        (command.status(), id)
                    }
                    Frame::Undecodable { status, .. } => (status, None),
                };
            }
            at += length.max(16);
        }
        (CommandStatus::EsmeRsyserr, None)
    }
}
