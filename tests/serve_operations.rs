//! `simsms serve`'s operations beyond submit_sm, in process on 127.0.0.1
//! with ports the system picks, driven by raw PDUs (rusmpp): query_sm
//! following a message from ENROUTE to its receipt's state; cancel_sm and
//! replace_sm while a message is still queued at its provider or stored at
//! the SMSC, and refused once it is beyond (or final); an unknown id and
//! another account's message; data_sm answered by data_sm_resp with its
//! receipt by deliver_sm or, in that dialect, by data_sm; submit_multi with
//! unsuccess_sme for refused destinations and distribution lists; and an
//! operation this server does not offer still getting generic_nack; a long
//! message (UDH parts, each its own id) cancelled by one of its parts, every
//! part's query_sm answering the message's state (UNDELIVERABLE once given
//! up for a missing part); replace_sm's text read
//! by the message's data_coding; and a long data_sm billed by its segments.
//! Every wait polls with a deadline.
//!
//! The same operations with real clients no one here wrote, against a
//! `simsms serve` process: python smpplib's own query_sm and data_sm
//! PDUs, and the npm `smpp` package's cancel_sm, replace_sm and
//! submit_multi. They need `bash tests/live/setup.sh`, so they are ignored
//! by a plain `cargo nextest run` (reported as skipped) and run by
//! `--run-ignored all`.

mod common;

use common::smpp::{self, Client, next, send};
use rusmpp::pdus::{CancelSm, DataSm, QueryBroadcastSm, QuerySm, ReplaceSm, SubmitMulti, SubmitSm};
use rusmpp::tlvs::{MessageSubmissionRequestTlvValue, TlvValue};
use rusmpp::types::{AnyOctetString, COctetString, OctetString};
use rusmpp::values::{
    DestAddress, DistributionListName, MessagePayload, MessageState, Npi, RegisteredDelivery,
    SmeAddress, Ton,
};
use rusmpp::{Command, CommandStatus, Pdu};
use simsms::model::Outcome;
use simsms::scenario::parse;
use simsms::serve::Server;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Accounts `acme` and `other` on provider p (no throughput limit),
/// `slow` on provider slow (one message an hour, so a second one waits in
/// its queue), `datasm` on p with receipts by data_sm. `presence` sets the
/// handsets: always on, or off for weeks (the SMSC stores every message).
fn scenario(presence: &str) -> Arc<simsms::scenario::Scenario> {
    scenario_with(presence, "")
}

/// As `scenario`, with `serve` added to `[serve]`.
fn scenario_with(presence: &str, serve: &str) -> Arc<simsms::scenario::Scenario> {
    let text = format!(
        r#"
[scenario]
name = "operations"
duration = "10m"
[traffic]
rate = "1/s"
[users]
typo = 0.0
stale = 0.0
{presence}
[providers.p]
route = "domestic"
price = {PRICE}
[providers.slow]
route = "domestic"
tps = "1/h"
[routing]
policy = "single"
provider = "p"
[routes.domestic]
latency = "1s"
loss = 0.0
[carriers.c]
share = 1.0
radio_delay = "1s"
smsc = {{ retry = ["6h"], validity = "3d", hlr_alert = false }}
[serve]
receipt_retry = "5s"
{serve}
[[serve.accounts]]
system_id = "acme"
password = "secret"
provider = "p"
port = 0
[[serve.accounts]]
system_id = "other"
password = "secret"
provider = "p"
port = 0
[[serve.accounts]]
system_id = "slow"
password = "secret"
provider = "slow"
port = 0
[[serve.accounts]]
system_id = "datasm"
password = "secret"
provider = "p"
port = 0
dialect = {{ receipt_pdu = "data_sm" }}
"#
    );
    Arc::new(parse(&text, "operations.toml").unwrap())
}

const PRICE: f64 = 2.0;

const PRESENT: &str = "";
const AWAY: &str = r#"presence = { present = { mean = "1s" }, absent = { mean = "60d" } }"#;

fn address_of(server: &Server, system_id: &str) -> SocketAddr {
    let found = server
        .endpoints
        .smpp
        .iter()
        .find(|(s, _, _)| s == system_id);
    found.expect("an account").2
}

async fn bound(server: &Server, system_id: &str) -> Client {
    smpp::bound(address_of(server, system_id), system_id, "secret").await
}

/// The answer to request `sequence`, acknowledging (and keeping) the
/// receipts that come meanwhile.
async fn answer(client: &mut Client, sequence: u32, receipts: &mut Vec<Command>) -> Command {
    loop {
        let command = next(client).await;
        match command.pdu() {
            Some(Pdu::DeliverSm(_)) | Some(Pdu::DataSm(_)) => {
                let seq = command.sequence_number();
                let resp: Pdu = match command.pdu() {
                    Some(Pdu::DataSm(_)) => rusmpp::pdus::DataSmResp::builder().build().into(),
                    _ => rusmpp::pdus::DeliverSmResp::builder().build().into(),
                };
                send(client, seq, resp).await;
                receipts.push(command);
            }
            _ if command.sequence_number() == sequence => return command,
            _ => {}
        }
    }
}

/// The next receipt (deliver_sm or data_sm), acknowledged.
async fn receipt(client: &mut Client) -> Command {
    receipts(client, 1).await.remove(0)
}

/// The next `n` receipts, acknowledged.
async fn receipts(client: &mut Client, n: usize) -> Vec<Command> {
    let mut receipts = Vec::new();
    let poll = async {
        while receipts.len() < n {
            // enquire_link keeps answers coming; receipts arrive between.
            send(client, 999, Pdu::EnquireLink).await;
            answer(client, 999, &mut receipts).await;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), poll)
        .await
        .expect("the receipts within 10 s");
    receipts
}

fn submit(to: &str, text: &str) -> SubmitSm {
    SubmitSm::builder()
        .source_addr(COctetString::from_string("SIMSMS".into()).unwrap())
        .destination_addr(COctetString::from_string(to.into()).unwrap())
        .registered_delivery(RegisteredDelivery::from(1))
        .short_message(OctetString::from_slice(text.as_bytes()).unwrap())
        .build()
}

/// Submits; returns the message id.
async fn submitted(client: &mut Client, sequence: u32, to: &str, text: &str) -> String {
    send(client, sequence, submit(to, text).into()).await;
    let resp = answer(client, sequence, &mut Vec::new()).await;
    assert_eq!(resp.status(), CommandStatus::EsmeRok);
    match resp.pdu() {
        Some(Pdu::SubmitSmResp(r)) => r.message_id().as_str().to_string(),
        other => panic!("{other:?}"),
    }
}

fn message_id(id: &str) -> COctetString<1, 65> {
    COctetString::from_string(id.into()).unwrap()
}

async fn query(client: &mut Client, sequence: u32, id: &str) -> Command {
    let pdu = QuerySm::builder()
        .message_id(message_id(id))
        .source_addr(COctetString::from_string("SIMSMS".into()).unwrap())
        .build();
    send(client, sequence, pdu.into()).await;
    answer(client, sequence, &mut Vec::new()).await
}

async fn cancel(client: &mut Client, sequence: u32, id: &str) -> CommandStatus {
    let pdu = CancelSm::builder().message_id(message_id(id)).build();
    send(client, sequence, pdu.into()).await;
    answer(client, sequence, &mut Vec::new()).await.status()
}

async fn replace(client: &mut Client, sequence: u32, id: &str, text: &str) -> CommandStatus {
    let pdu = ReplaceSm::builder()
        .message_id(message_id(id))
        .short_message(OctetString::from_slice(text.as_bytes()).unwrap())
        .build();
    send(client, sequence, pdu.into()).await;
    answer(client, sequence, &mut Vec::new()).await.status()
}

fn state_of(resp: &Command) -> (MessageState, String, u8) {
    match resp.pdu() {
        Some(Pdu::QuerySmResp(q)) => (
            q.message_state,
            String::from_utf8_lossy(q.final_date.as_ref())
                .trim_end_matches('\0')
                .to_string(),
            q.error_code,
        ),
        other => panic!("{other:?}"),
    }
}

fn receipt_text(command: &Command) -> String {
    match command.pdu() {
        Some(Pdu::DeliverSm(d)) => String::from_utf8_lossy(d.short_message().as_ref()).into(),
        Some(Pdu::DataSm(d)) => d
            .tlvs()
            .iter()
            .find_map(|t| match t.value() {
                Some(TlvValue::MessagePayload(p)) => {
                    Some(String::from_utf8_lossy(p.value.as_ref()).into_owned())
                }
                _ => None,
            })
            .expect("message_payload"),
        other => panic!("{other:?}"),
    }
}

/// Polls the model until `check` holds for message `id`'s fate and the
/// served clock (5 s at most).
async fn wait_for_fate(
    server: &Server,
    id: &str,
    check: impl Fn(&simsms::model::Fate, u64) -> bool,
) {
    let id: u64 = id.parse().unwrap();
    let poll = async {
        loop {
            {
                let live = server.shared.live.lock().unwrap();
                let fate = live.fate_of(id).expect("in flight");
                if check(&fate, live.now()) {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(5), poll)
        .await
        .expect("the message reached the stage within 5 s");
}

#[tokio::test]
async fn query_follows_a_message_from_enroute_to_its_receipt_state() {
    let server = Server::start(scenario(PRESENT), 2.0).await.unwrap();
    let mut client = bound(&server, "acme").await;
    let id = submitted(&mut client, 2, "819012345678", "Your code is 123456").await;
    // Latency 1 s and radio 1 s at speed 2: not final for a second.
    let (state, date, err) = state_of(&query(&mut client, 3, &id).await);
    assert_eq!((state, date.as_str(), err), (MessageState::Enroute, "", 0));
    let receipt = receipt(&mut client).await;
    let text = receipt_text(&receipt);
    assert!(text.contains("stat:DELIVRD"), "{text}");
    let resp = query(&mut client, 4, &id).await;
    assert_eq!(resp.status(), CommandStatus::EsmeRok);
    let (state, date, err) = state_of(&resp);
    assert_eq!((state, err), (MessageState::Delivered, 0));
    // YYMMDDhhmmss000+, the same minute as the receipt's done date.
    assert_eq!(date.len(), 16, "{date}");
    assert!(date.ends_with("000+"), "{date}");
    let done = text.split("done date:").nth(1).unwrap();
    assert!(date.starts_with(&done[..10]), "{date} vs {text}");
    // Too late to cancel or replace a delivered message.
    assert_eq!(
        cancel(&mut client, 5, &id).await,
        CommandStatus::EsmeRcancelfail
    );
    assert_eq!(
        replace(&mut client, 6, &id, "new").await,
        CommandStatus::EsmeRreplacefail
    );
    server.shutdown(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn query_of_an_undeliverable_message_says_its_state_and_error() {
    let server = Server::start(scenario(PRESENT), 100.0).await.unwrap();
    let mut client = bound(&server, "acme").await;
    // A Japanese number with its trunk 0 kept after 81 never exists.
    let id = submitted(&mut client, 2, "8109012345678", "Your code is 123456").await;
    let text = receipt_text(&receipt(&mut client).await);
    assert!(text.contains("stat:UNDELIV err:001"), "{text}");
    let (state, date, err) = state_of(&query(&mut client, 3, &id).await);
    assert_eq!((state, err), (MessageState::Undeliverable, 1));
    assert_eq!(date.len(), 16, "{date}");
    server.shutdown(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn unknown_ids_and_another_accounts_messages_are_not_found() {
    let server = Server::start(scenario(AWAY), 100.0).await.unwrap();
    let mut acme = bound(&server, "acme").await;
    let mut other = bound(&server, "other").await;
    let id = submitted(&mut acme, 2, "819012345678", "Your code is 123456").await;
    for (name, unknown) in [
        ("another account's", id.as_str()),
        ("never given", "99999"),
        ("not a number", "abc"),
    ] {
        let resp = query(&mut other, 3, unknown).await;
        assert_eq!(resp.status(), CommandStatus::EsmeRinvmsgid, "{name}");
        assert_eq!(
            cancel(&mut other, 4, unknown).await,
            CommandStatus::EsmeRinvmsgid,
            "{name}"
        );
        assert_eq!(
            replace(&mut other, 5, unknown, "x").await,
            CommandStatus::EsmeRinvmsgid,
            "{name}"
        );
    }
    // Its own account still finds it.
    assert_eq!(
        query(&mut acme, 6, &id).await.status(),
        CommandStatus::EsmeRok
    );
    server.shutdown(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn a_message_queued_at_its_provider_is_cancelled_and_counted_once_as_expired_in_queue() {
    let server = Server::start(scenario(PRESENT), 100.0).await.unwrap();
    let mut client = bound(&server, "slow").await;
    let first = submitted(&mut client, 2, "819012345678", "first").await;
    let second = submitted(&mut client, 3, "819012345679", "second").await;
    // One an hour: the second waits in the queue for an hour (36 s here).
    wait_for_fate(&server, &second, |f, now| {
        f.left_provider_at
            .is_some_and(|t| t > now + 1_000_000_000_000)
    })
    .await;
    assert_eq!(
        cancel(&mut client, 4, &second).await,
        CommandStatus::EsmeRok
    );
    let receipt = receipt(&mut client).await;
    let text = receipt_text(&receipt);
    assert!(text.contains(&format!("id:{second} ")), "{text}");
    assert!(text.contains("stat:DELETED err:000"), "{text}");
    assert!(text.contains("dlvrd:000"), "{text}");
    if let Some(Pdu::DeliverSm(d)) = receipt.pdu() {
        let state = d.tlvs().iter().find_map(|t| match t.value() {
            Some(TlvValue::MessageState(s)) => Some(*s),
            _ => None,
        });
        assert_eq!(state, Some(MessageState::Deleted));
    }
    let (state, date, _) = state_of(&query(&mut client, 5, &second).await);
    assert_eq!(state, MessageState::Deleted);
    assert_eq!(date.len(), 16);
    // Cancelled once is final: a second cancel fails.
    assert_eq!(
        cancel(&mut client, 6, &second).await,
        CommandStatus::EsmeRcancelfail
    );
    let metrics = server.shared.live.lock().unwrap().metrics();
    let count = |o: Outcome| -> u64 {
        metrics
            .messages
            .iter()
            .map(|c| c.outcomes[o as usize])
            .sum()
    };
    assert_eq!(count(Outcome::ExpiredInQueue), 1, "the cancelled one");
    let total: u64 = Outcome::ALL.iter().map(|&o| count(o)).sum();
    assert_eq!(total, 2, "each message counted once");
    let _ = first;
    server.shutdown(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn a_stored_message_takes_a_new_text_then_is_cancelled_as_expired_in_smsc() {
    let server = Server::start(scenario(AWAY), 100.0).await.unwrap();
    let mut client = bound(&server, "acme").await;
    let id = submitted(&mut client, 2, "819012345678", "Your code is 123456").await;
    // Once the SMSC holds it (the handset is off) for a later attempt.
    wait_for_fate(&server, &id, |f, now| {
        f.stored()
            .is_some_and(|(from, until)| from <= now && now < until)
    })
    .await;
    assert_eq!(
        replace(&mut client, 3, &id, "Your code is 654321").await,
        CommandStatus::EsmeRok
    );
    assert_eq!(cancel(&mut client, 4, &id).await, CommandStatus::EsmeRok);
    let text = receipt_text(&receipt(&mut client).await);
    assert!(text.contains("stat:DELETED"), "{text}");
    assert!(text.ends_with("text:Your code is 654321"), "{text}");
    let metrics = server.shared.live.lock().unwrap().metrics();
    let expired: u64 = metrics
        .messages
        .iter()
        .map(|c| c.outcomes[Outcome::ExpiredInSmsc as usize])
        .sum();
    assert_eq!(expired, 1);
    server.shutdown(Duration::from_millis(100)).await;
}

fn data_sm(to: &str, text: &str) -> DataSm {
    DataSm::builder()
        .source_addr(COctetString::from_string("SIMSMS".into()).unwrap())
        .destination_addr(COctetString::from_string(to.into()).unwrap())
        .registered_delivery(RegisteredDelivery::from(1))
        .push_tlv(MessageSubmissionRequestTlvValue::MessagePayload(
            MessagePayload::new(AnyOctetString::from_slice(text.as_bytes())),
        ))
        .build()
}

#[tokio::test]
async fn data_sm_is_a_message_with_its_receipt_by_deliver_sm_or_by_data_sm() {
    let server = Server::start(scenario(PRESENT), 100.0).await.unwrap();
    for (account, by_data_sm) in [("acme", false), ("datasm", true)] {
        let mut client = bound(&server, account).await;
        send(
            &mut client,
            2,
            data_sm("819012345678", "Your code is 123456").into(),
        )
        .await;
        let resp = answer(&mut client, 2, &mut Vec::new()).await;
        assert_eq!(resp.status(), CommandStatus::EsmeRok);
        let id = match resp.pdu() {
            Some(Pdu::DataSmResp(r)) => r.message_id().as_str().to_string(),
            other => panic!("{other:?}"),
        };
        let receipt = receipt(&mut client).await;
        assert_eq!(
            matches!(receipt.pdu(), Some(Pdu::DataSm(_))),
            by_data_sm,
            "{account}"
        );
        let text = receipt_text(&receipt);
        assert!(text.starts_with(&format!("id:{id} ")), "{text}");
        assert!(
            text.ends_with("stat:DELIVRD err:000 text:Your code is 123456"),
            "{text}"
        );
        if let Some(Pdu::DataSm(d)) = receipt.pdu() {
            let receipted = d.tlvs().iter().find_map(|t| match t.value() {
                Some(TlvValue::ReceiptedMessageId(r)) => Some(r.as_str().to_string()),
                _ => None,
            });
            assert_eq!(receipted, Some(id.clone()));
        }
        // Refused as submit_sm would be, in a data_sm_resp.
        send(&mut client, 3, data_sm("12", "x").into()).await;
        let resp = answer(&mut client, 3, &mut Vec::new()).await;
        assert!(matches!(resp.pdu(), Some(Pdu::DataSmResp(_))));
        assert_eq!(resp.status(), CommandStatus::EsmeRinvdstadr);
    }
    server.shutdown(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn submit_multi_sends_one_message_a_destination_and_lists_the_refused() {
    let server = Server::start(scenario(PRESENT), 100.0).await.unwrap();
    let mut client = bound(&server, "acme").await;
    let sme = |to: &str| {
        DestAddress::SmeAddress(SmeAddress::new(
            Ton::International,
            Npi::Isdn,
            COctetString::from_string(to.into()).unwrap(),
        ))
    };
    let list = DestAddress::DistributionListName(DistributionListName::new(
        COctetString::from_string("friends".into()).unwrap(),
    ));
    let pdu = SubmitMulti::builder()
        .source_addr(COctetString::from_string("SIMSMS".into()).unwrap())
        .dest_address(vec![
            sme("819012345678"),
            sme("12"),
            list,
            sme("819012345679"),
        ])
        .registered_delivery(RegisteredDelivery::from(1))
        .short_message(OctetString::from_slice(b"Your code is 123456").unwrap())
        .build();
    send(&mut client, 2, pdu.into()).await;
    let resp = answer(&mut client, 2, &mut Vec::new()).await;
    assert_eq!(resp.status(), CommandStatus::EsmeRok);
    let Some(Pdu::SubmitMultiResp(r)) = resp.pdu() else {
        panic!("{resp:?}")
    };
    let first = r.message_id.as_str().to_string();
    let refused: Vec<(String, CommandStatus)> = r
        .unsuccess_sme()
        .iter()
        .map(|u| (u.destination_addr.as_str().to_string(), u.error_status_code))
        .collect();
    assert_eq!(
        refused,
        [
            ("12".to_string(), CommandStatus::EsmeRinvdstadr),
            ("friends".to_string(), CommandStatus::EsmeRinvdlname)
        ]
    );
    // Two messages, each with its own receipt; the resp's id is the first's.
    let mut ids: Vec<u64> = receipts(&mut client, 2)
        .await
        .iter()
        .map(|r| {
            let text = receipt_text(r);
            let id = text.split(' ').next().unwrap().trim_start_matches("id:");
            id.parse().unwrap()
        })
        .collect();
    ids.sort();
    let first: u64 = first.parse().unwrap();
    assert_eq!(ids[0], first);
    assert_ne!(ids[0], ids[1]);
    // Each destination's message is kept as submit_sm's are: query_sm
    // finds the one the resp did not name too.
    let (state, _, _) = state_of(&query(&mut client, 4, &ids[1].to_string()).await);
    assert_eq!(state, MessageState::Delivered);
    // None: ESME_RINVNUMDESTS.
    let empty = SubmitMulti::builder()
        .source_addr(COctetString::from_string("SIMSMS".into()).unwrap())
        .build();
    send(&mut client, 3, empty.into()).await;
    let resp = answer(&mut client, 3, &mut Vec::new()).await;
    assert_eq!(resp.status(), CommandStatus::EsmeRinvnumdests);
    server.shutdown(Duration::from_millis(100)).await;
}

/// Part `seq` of `total` of a long message (8-bit UDH reference 0x2A),
/// GSM 7-bit text, asking for a receipt.
fn part(to: &str, seq: u8, total: u8, text: &str) -> Pdu {
    let mut short = vec![5, 0x00, 3, 0x2A, total, seq];
    short.extend(text.as_bytes());
    SubmitSm::builder()
        .source_addr(COctetString::from_string("SIMSMS".into()).unwrap())
        .destination_addr(COctetString::from_string(to.into()).unwrap())
        .esm_class(rusmpp::values::EsmClass::from(0x40))
        .registered_delivery(RegisteredDelivery::from(1))
        .short_message(OctetString::from_slice(&short).unwrap())
        .build()
        .into()
}

/// Submits part `seq` of 3; returns its message id.
async fn part_submitted(client: &mut Client, sequence: u32, seq: u8) -> String {
    let text = format!("Part {seq} of a long message; ");
    send(client, sequence, part("819012345678", seq, 3, &text)).await;
    let resp = answer(client, sequence, &mut Vec::new()).await;
    assert_eq!(resp.status(), CommandStatus::EsmeRok);
    match resp.pdu() {
        Some(Pdu::SubmitSmResp(r)) => r.message_id().as_str().to_string(),
        other => panic!("{other:?}"),
    }
}

/// Every part's query_sm answer: (state, final_date, error_code) each.
async fn states(client: &mut Client, ids: &[String]) -> Vec<(MessageState, String, u8)> {
    let mut states = Vec::new();
    for (k, id) in ids.iter().enumerate() {
        let resp = query(client, 100 + k as u32, id).await;
        assert_eq!(resp.status(), CommandStatus::EsmeRok, "part {id}");
        states.push(state_of(&resp));
    }
    states
}

#[tokio::test]
async fn cancelling_one_part_of_a_long_message_cancels_the_message_and_every_part_says_so() {
    let server = Server::start(scenario(AWAY), 100.0).await.unwrap();
    let mut client = bound(&server, "acme").await;
    let mut ids = vec![
        part_submitted(&mut client, 2, 1).await,
        part_submitted(&mut client, 3, 2).await,
    ];
    // Waiting for its third part, the message is not judged yet: enroute,
    // and too early to cancel.
    let waiting = states(&mut client, &ids).await;
    assert!(
        waiting.iter().all(|s| s.0 == MessageState::Enroute),
        "{waiting:?}"
    );
    assert_eq!(
        cancel(&mut client, 4, &ids[0]).await,
        CommandStatus::EsmeRcancelfail
    );
    ids.push(part_submitted(&mut client, 5, 3).await);
    // The model's message is known by its first part's id; once the SMSC
    // holds it for a later attempt, cancel it by its second part.
    wait_for_fate(&server, &ids[0], |f, now| {
        f.stored()
            .is_some_and(|(from, until)| from <= now && now < until)
    })
    .await;
    let stored = states(&mut client, &ids).await;
    assert!(
        stored.iter().all(|s| s.0 == MessageState::Enroute),
        "{stored:?}"
    );
    assert_eq!(
        cancel(&mut client, 6, &ids[1]).await,
        CommandStatus::EsmeRok
    );
    // Every part's receipt says DELETED, each with its own id.
    let mut said: Vec<String> = receipts(&mut client, 3)
        .await
        .iter()
        .map(|r| {
            let text = receipt_text(r);
            assert!(text.contains("stat:DELETED err:000"), "{text}");
            let id = text.split(' ').next().unwrap().trim_start_matches("id:");
            id.to_string()
        })
        .collect();
    said.sort_by_key(|id| id.parse::<u64>().unwrap());
    assert_eq!(said, ids);
    // query_sm of each part answers the message's one state and date.
    let cancelled = states(&mut client, &ids).await;
    assert_eq!(cancelled[0].0, MessageState::Deleted);
    assert_eq!(cancelled[0].1.len(), 16, "{cancelled:?}");
    assert!(
        cancelled.iter().all(|s| *s == cancelled[0]),
        "{cancelled:?}"
    );
    // Final now: cancelling it by another part fails.
    assert_eq!(
        cancel(&mut client, 7, &ids[2]).await,
        CommandStatus::EsmeRcancelfail
    );
    // The model judged and counts the message once, as expired at the SMSC.
    let metrics = server.shared.live.lock().unwrap().metrics();
    let count = |o: Outcome| -> u64 {
        metrics
            .messages
            .iter()
            .map(|c| c.outcomes[o as usize])
            .sum()
    };
    assert_eq!(count(Outcome::ExpiredInSmsc), 1);
    assert_eq!(Outcome::ALL.iter().map(|&o| count(o)).sum::<u64>(), 1);
    server.shutdown(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn query_of_a_part_of_a_message_given_up_says_undeliverable() {
    let serve = r#"concat_timeout = "300ms""#;
    let server = Server::start(scenario_with(PRESENT, serve), 100.0)
        .await
        .unwrap();
    let mut client = bound(&server, "acme").await;
    let ids = vec![
        part_submitted(&mut client, 2, 1).await,
        part_submitted(&mut client, 3, 3).await,
    ];
    // Given up after 300 ms: each part's receipt says UNDELIV err 034.
    for r in receipts(&mut client, 2).await {
        let text = receipt_text(&r);
        assert!(text.contains("stat:UNDELIV err:034"), "{text}");
    }
    let given_up = states(&mut client, &ids).await;
    assert_eq!(
        (given_up[0].0, given_up[0].2),
        (MessageState::Undeliverable, 34)
    );
    assert!(given_up.iter().all(|s| *s == given_up[0]), "{given_up:?}");
    assert_eq!(
        cancel(&mut client, 4, &ids[1]).await,
        CommandStatus::EsmeRcancelfail
    );
    server.shutdown(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn replace_sm_text_is_read_by_the_messages_data_coding() {
    let server = Server::start(scenario(AWAY), 100.0).await.unwrap();
    let mut client = bound(&server, "acme").await;
    let ucs2 = |text: &str| -> Vec<u8> { text.encode_utf16().flat_map(u16::to_be_bytes).collect() };
    let pdu = SubmitSm::builder()
        .source_addr(COctetString::from_string("SIMSMS".into()).unwrap())
        .destination_addr(COctetString::from_string("819012345678".into()).unwrap())
        .registered_delivery(RegisteredDelivery::from(1))
        .data_coding(rusmpp::values::DataCoding::from(8))
        .short_message(OctetString::from_slice(&ucs2("認証コードは123456")).unwrap())
        .build();
    send(&mut client, 2, pdu.into()).await;
    let resp = answer(&mut client, 2, &mut Vec::new()).await;
    let Some(Pdu::SubmitSmResp(r)) = resp.pdu() else {
        panic!("{resp:?}")
    };
    let id = r.message_id().as_str().to_string();
    wait_for_fate(&server, &id, |f, now| {
        f.stored()
            .is_some_and(|(from, until)| from <= now && now < until)
    })
    .await;
    // replace_sm has no data_coding: its octets are UCS-2, as the message's.
    let pdu = ReplaceSm::builder()
        .message_id(message_id(&id))
        .short_message(OctetString::from_slice(&ucs2("新しいコードは654321")).unwrap())
        .build();
    send(&mut client, 3, pdu.into()).await;
    assert_eq!(
        answer(&mut client, 3, &mut Vec::new()).await.status(),
        CommandStatus::EsmeRok
    );
    assert_eq!(cancel(&mut client, 4, &id).await, CommandStatus::EsmeRok);
    let text = receipt_text(&receipt(&mut client).await);
    assert!(text.ends_with("text:新しいコードは654321"), "{text}");
    server.shutdown(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn a_data_sm_longer_than_one_segment_is_billed_by_its_segments() {
    let server = Server::start(scenario(PRESENT), 100.0).await.unwrap();
    let mut client = bound(&server, "acme").await;
    // 200 GSM characters in message_payload: 2 segments (153 a part).
    let text = "Your code is 123456. ".repeat(10);
    let text = &text[..200];
    send(&mut client, 2, data_sm("819012345678", text).into()).await;
    let resp = answer(&mut client, 2, &mut Vec::new()).await;
    assert_eq!(resp.status(), CommandStatus::EsmeRok);
    let receipt = receipt_text(&receipt(&mut client).await);
    assert!(receipt.contains("stat:DELIVRD"), "{receipt}");
    let metrics = server.shared.live.lock().unwrap().metrics();
    let cost: f64 = metrics.messages.iter().map(|c| c.cost).sum();
    assert_eq!(cost, 2.0 * PRICE);
    server.shutdown(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn an_operation_not_offered_still_gets_generic_nack() {
    let server = Server::start(scenario(PRESENT), 100.0).await.unwrap();
    let mut client = bound(&server, "acme").await;
    let pdu = QueryBroadcastSm::builder()
        .message_id(message_id("1"))
        .build();
    send(&mut client, 7, pdu.into()).await;
    let resp = answer(&mut client, 7, &mut Vec::new()).await;
    assert!(matches!(resp.pdu(), Some(Pdu::GenericNack)), "{resp:?}");
    assert_eq!(resp.status(), CommandStatus::EsmeRinvcmdid);
    server.shutdown(Duration::from_millis(100)).await;
}

const LIVE: &str = "tests/live/operations_scenario.toml";

/// Runs `command` (a real client), failing the test (and killing it) if
/// it runs past 30 s; returns the JSON line it printed.
fn client_json(mut command: std::process::Command) -> serde_json::Value {
    use std::process::Stdio;
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the client starts");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while child.try_wait().expect("waitable").is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{command:?} still running after 30 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn port_of(served: &common::Served, system_id: &str) -> String {
    let address = served.address(system_id);
    address.rsplit_once(':').unwrap().1.to_string()
}

#[test]
#[ignore = "needs python smpplib: bash tests/live/setup.sh, then --run-ignored all"]
fn smpplib_queries_messages_and_sends_data_sm() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = common::live_python();
    let served = common::Served::start(LIVE, "1");
    let run = |check: &str, account: &str| {
        let mut command = std::process::Command::new(&python);
        command.arg(root.join("tests/live/smpp_operations.py"));
        command.args([
            check,
            "127.0.0.1",
            &port_of(&served, account),
            account,
            "pw",
        ]);
        client_json(command)
    };
    let query = run("query", "ops");
    // ENROUTE (1) when asked at once (final 2 s later at speed 1),
    // DELIVERED (2) after the receipt, agreeing with it.
    assert_eq!(
        query["before"],
        serde_json::json!([1, 1, 1, 1, 1]),
        "{query}"
    );
    assert_eq!(
        query["after"],
        serde_json::json!([2, 2, 2, 2, 2]),
        "{query}"
    );
    assert_eq!(query["agree"], true, "{query}");
    assert_eq!(query["unknown_status"], 0x0C);
    for (account, pdu) in [("ops", "deliver_sm"), ("datasm", "data_sm")] {
        let data = run("data_sm", account);
        assert_eq!(data["resp"], "data_sm_resp", "{data}");
        assert_eq!(data["status"], 0, "{data}");
        assert_eq!(data["receipt"], pdu, "{data}");
        assert_eq!(data["receipted_id"], data["id"], "{data}");
        let text = data["text"].as_str().unwrap();
        assert!(
            text.ends_with("stat:DELIVRD err:000 text:Your code is 123456"),
            "{text}"
        );
    }
    assert!(served.stop());
}

#[test]
#[ignore = "needs node and the npm smpp package: bash tests/live/setup.sh, then --run-ignored all"]
fn npm_smpp_cancels_replaces_and_submits_to_many() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let modules = common::npm_modules();
    let served = common::Served::start(LIVE, "10");
    let mut command = std::process::Command::new("node");
    command.arg(root.join("tests/live/node/smpp_operations.js"));
    command.args([
        port_of(&served, "ops"),
        port_of(&served, "slow"),
        "pw".into(),
    ]);
    command.env("NODE_PATH", &modules);
    let seen = client_json(command);
    let multi = &seen["multi"];
    assert_eq!(multi["status"], 0, "{seen}");
    assert_eq!(
        multi["unsuccess"],
        serde_json::json!([["12", 0x0B], ["friends", 0x34]]),
        "{seen}"
    );
    let mut ids: Vec<&str> = multi["receipt_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    ids.sort_by_key(|id| id.parse::<u64>().unwrap());
    assert_eq!(ids[0], multi["message_id"], "{seen}");
    assert_eq!(ids.len(), 2);
    let queued = &seen["queued"];
    assert_eq!(queued["replace_status"], 0, "{seen}");
    assert_eq!(queued["cancel_status"], 0, "{seen}");
    assert_eq!(queued["query_state"], 4, "DELETED: {seen}");
    let receipt = queued["receipt"].as_str().unwrap();
    assert!(
        receipt.contains("stat:DELETED err:000 text:Your code is 654321"),
        "{receipt}"
    );
    let late = &seen["late"];
    assert_eq!(late["cancel_status"], 0x11, "{seen}");
    assert_eq!(late["replace_status"], 0x13, "{seen}");
    assert_eq!(late["unknown_status"], 0x0C, "{seen}");
    assert!(served.stop());
}
