//! `simsms serve` in process, on 127.0.0.1 with ports picked by the
//! system, driven by raw PDUs: binds, refusals, generic_nack, throttling,
//! receipts held for a late bind, resent when not acknowledged, numeric ids
//! identical in the resp, the TLV and the text, shutdown flushing, every
//! error answer counted on /metrics, the account `tps` window, and what a
//! held receipt keeps.

mod common;

use common::smpp::{Client, connect, next, send};
use futures::{SinkExt, StreamExt};
use rusmpp::pdus::{BindReceiver, BindTransceiver, BindTransmitter, SubmitSm};
use rusmpp::tlvs::TlvValue;
use rusmpp::types::{COctetString, OctetString};
use rusmpp::values::RegisteredDelivery;
use rusmpp::{Command, CommandStatus, Pdu};
use simsms::scenario::parse;
use simsms::serve::Server;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

fn scenario(extra_account: &str) -> Arc<simsms::scenario::Scenario> {
    let text = format!(
        r#"
[scenario]
name = "serve"
duration = "10m"
[traffic]
rate = "1/s"
[users]
typo = 0.0
stale = 0.0
[providers.p]
route = "domestic"
[routing]
policy = "single"
provider = "p"
[routes.domestic]
latency = "1s"
loss = 0.0
[carriers.c]
share = 1.0
radio_delay = "1s"
[serve]
receipt_retry = "300ms"
[[serve.accounts]]
system_id = "acme"
password = "secret"
provider = "p"
port = 0
{extra_account}
"#
    );
    Arc::new(parse(&text, "serve.toml").unwrap())
}

fn text(s: &str) -> COctetString<1, 16> {
    COctetString::from_string(s.into()).unwrap()
}

async fn bind(client: &mut Client, kind: &str, password: &str) -> CommandStatus {
    bind_as(client, kind, "acme", password).await
}

/// Binds as `kind` (tx, rx or trx) with these credentials.
async fn bind_as(
    client: &mut Client,
    kind: &str,
    system_id: &str,
    password: &str,
) -> CommandStatus {
    let (system_id, password) = (
        text(system_id),
        COctetString::from_string(password.into()).unwrap(),
    );
    let pdu: Pdu = match kind {
        "tx" => BindTransmitter::builder()
            .system_id(system_id)
            .password(password)
            .build()
            .into(),
        "rx" => BindReceiver::builder()
            .system_id(system_id)
            .password(password)
            .build()
            .into(),
        _ => BindTransceiver::builder()
            .system_id(system_id)
            .password(password)
            .build()
            .into(),
    };
    send(client, 1, pdu).await;
    next(client).await.status()
}

/// A connection bound as `kind` with these credentials.
async fn bound(address: SocketAddr, kind: &str, system_id: &str, password: &str) -> Client {
    let mut client = connect(address).await;
    let status = bind_as(&mut client, kind, system_id, password).await;
    assert_eq!(status, CommandStatus::EsmeRok, "bind as {system_id}");
    client
}

/// Acknowledges the deliver_sm with this sequence number.
async fn ack(client: &mut Client, sequence: u32) {
    let resp = rusmpp::pdus::DeliverSmResp::builder().build();
    send(client, sequence, resp.into()).await;
}

fn submit(to: &str, receipt: bool) -> Pdu {
    SubmitSm::builder()
        .source_addr(COctetString::from_string("SIMSMS".into()).unwrap())
        .destination_addr(COctetString::from_string(to.into()).unwrap())
        .registered_delivery(RegisteredDelivery::from(if receipt { 1 } else { 0 }))
        .short_message(OctetString::from_slice(b"Your code is 123456").unwrap())
        .build()
        .into()
}

async fn start(extra: &str, speed: f64) -> (Server, SocketAddr) {
    let server = Server::start(scenario(extra), speed).await.unwrap();
    let address = server.endpoints.smpp[0].2;
    (server, address)
}

/// Polls until the desk holds `want` receipts per account (5 s at most).
async fn wait_until_held(server: &Server, want: Vec<usize>) {
    let poll = async {
        while server.shared.desk.held() != want {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    if tokio::time::timeout(Duration::from_secs(5), poll)
        .await
        .is_err()
    {
        panic!(
            "held {:?}, not {want:?}, after 5 s",
            server.shared.desk.held()
        );
    }
}

/// Reads until a deliver_sm comes; returns it with its sequence number.
async fn receipt(client: &mut Client) -> (u32, rusmpp::pdus::DeliverSm) {
    loop {
        let command = next(client).await;
        if let Some(Pdu::DeliverSm(d)) = command.pdu() {
            return (command.sequence_number(), d.clone());
        }
    }
}

fn receipted_id(d: &rusmpp::pdus::DeliverSm) -> String {
    d.tlvs()
        .iter()
        .find_map(|t| match t.value() {
            Some(TlvValue::ReceiptedMessageId(id)) => Some(id.as_str().to_string()),
            _ => None,
        })
        .expect("receipted_message_id TLV")
}

#[tokio::test]
async fn wrong_password_is_refused_and_a_garbage_pdu_is_nacked_without_ending_the_session() {
    let (server, address) = start("", 1000.0).await;
    let mut client = connect(address).await;
    assert_eq!(
        bind(&mut client, "trx", "wrong").await,
        CommandStatus::EsmeRinvpaswd
    );
    assert_eq!(
        bind(&mut client, "trx", "secret").await,
        CommandStatus::EsmeRok
    );
    // A submit_sm header with sequence 42 and a body that cannot decode.
    let mut raw = vec![0u8, 0, 0, 20, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 42];
    raw.extend([0xff; 4]);
    client.get_mut().write_all(&raw).await.unwrap();
    let nack = next(&mut client).await;
    assert!(matches!(nack.pdu(), Some(Pdu::GenericNack)));
    assert_eq!(nack.sequence_number(), 42);
    // The session lives on.
    send(&mut client, 43, Pdu::EnquireLink).await;
    let answer = next(&mut client).await;
    assert!(matches!(answer.pdu(), Some(Pdu::EnquireLinkResp)));
    assert_eq!(answer.sequence_number(), 43);
    // A malformed destination.
    send(&mut client, 44, submit("12ab", true)).await;
    assert_eq!(
        next(&mut client).await.status(),
        CommandStatus::EsmeRinvdstadr
    );
    server.shutdown(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn ids_are_numeric_and_identical_in_resp_tlv_and_text() {
    let (server, address) = start("", 1000.0).await;
    let mut client = bound(address, "trx", "acme", "secret").await;
    send(&mut client, 7, submit("819012345678", true)).await;
    let resp = next(&mut client).await;
    let Some(Pdu::SubmitSmResp(r)) = resp.pdu() else {
        panic!("{resp:?}")
    };
    let id = r.message_id().as_str().to_string();
    assert!(id.bytes().all(|b| b.is_ascii_digit()), "{id}");
    let (sequence, d) = receipt(&mut client).await;
    assert_eq!(u8::from(d.esm_class), 0x04);
    assert_eq!(receipted_id(&d), id);
    let body = String::from_utf8_lossy(d.short_message().as_ref()).into_owned();
    assert!(
        body.starts_with(&format!("id:{id} sub:001 dlvrd:001 submit date:")),
        "{body}"
    );
    assert!(
        body.contains(" stat:DELIVRD err:000 text:Your code is 123456"),
        "{body}"
    );
    ack(&mut client, sequence).await;
    server.shutdown(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn a_receipt_is_held_until_a_receiver_binds_and_resent_until_acknowledged() {
    let (server, address) = start("", 1000.0).await;
    let mut sender = bound(address, "tx", "acme", "secret").await;
    send(&mut sender, 2, submit("819011112222", true)).await;
    assert_eq!(next(&mut sender).await.status(), CommandStatus::EsmeRok);
    // The receipt falls due within milliseconds; nobody is bound to take it.
    wait_until_held(&server, vec![1]).await;
    let mut receiver = bound(address, "rx", "acme", "secret").await;
    let (first_sequence, first) = receipt(&mut receiver).await;
    // Not acknowledged: it comes again after receipt_retry (300 ms).
    let (second_sequence, second) = receipt(&mut receiver).await;
    assert_ne!(first_sequence, second_sequence);
    assert_eq!(receipted_id(&first), receipted_id(&second));
    ack(&mut receiver, second_sequence).await;
    // The flush waits for the acknowledgement.
    let summary = server.shutdown(Duration::from_secs(2)).await;
    assert_eq!(summary.metrics.total_messages(), 1);
}

#[tokio::test]
async fn submissions_beyond_the_bind_rate_are_throttled() {
    let extra = r#"
[[serve.accounts]]
system_id = "slow"
password = "pw"
provider = "p"
port = 0
bind_tps = "5/s"
"#;
    let server = Server::start(scenario(extra), 1000.0).await.unwrap();
    let address = server.endpoints.smpp[1].2;
    let mut client = connect(address).await;
    let pdu: Pdu = BindTransmitter::builder()
        .system_id(text("slow"))
        .password(COctetString::from_string("pw".into()).unwrap())
        .build()
        .into();
    send(&mut client, 1, pdu).await;
    assert_eq!(next(&mut client).await.status(), CommandStatus::EsmeRok);
    for i in 0..20 {
        let to = format!("8190{i:08}");
        send(&mut client, 10 + i, submit(&to, false)).await;
    }
    let mut statuses = Vec::new();
    for _ in 0..20 {
        statuses.push(next(&mut client).await.status());
    }
    let ok = statuses
        .iter()
        .filter(|s| **s == CommandStatus::EsmeRok)
        .count();
    let throttled = statuses
        .iter()
        .filter(|s| **s == CommandStatus::EsmeRthrottled)
        .count();
    assert_eq!(ok + throttled, 20);
    // At most the rate (5) in any second.
    assert_eq!(ok, 5, "{statuses:?}");
    server.shutdown(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn shutdown_flushes_held_receipts_to_a_bound_receiver() {
    let (server, address) = start("", 1000.0).await;
    let mut sender = bound(address, "tx", "acme", "secret").await;
    for i in 0..5u32 {
        let to = format!("8190{i:08}");
        send(&mut sender, 2 + i, submit(&to, true)).await;
        assert_eq!(next(&mut sender).await.status(), CommandStatus::EsmeRok);
    }
    wait_until_held(&server, vec![5]).await;
    let mut receiver = bound(address, "rx", "acme", "secret").await;
    // The receiver acknowledges whatever comes, while the server shuts down.
    let acks = tokio::spawn(async move {
        let mut ids = Vec::new();
        while let Some(Ok(command)) = receiver.next().await {
            if let Some(Pdu::DeliverSm(d)) = command.pdu() {
                ids.push(receipted_id(d));
                let ack = rusmpp::pdus::DeliverSmResp::builder().build();
                let _ = receiver
                    .send(Command::new(
                        CommandStatus::EsmeRok,
                        command.sequence_number(),
                        ack,
                    ))
                    .await;
            }
        }
        ids
    });
    let summary = server.shutdown(Duration::from_secs(3)).await;
    assert_eq!(summary.held_receipts, 0);
    let mut ids = acks.await.unwrap();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 5);
}

#[tokio::test]
async fn shutdown_waits_for_a_receipt_that_falls_due_during_the_flush() {
    // At speed 1 the receipt is due about 2 s after the submit (route and
    // radio 1 s each), so it is neither held nor sent when the stop comes.
    let (server, address) = start("", 1.0).await;
    let mut client = bound(address, "trx", "acme", "secret").await;
    send(&mut client, 2, submit("819012345678", true)).await;
    assert_eq!(next(&mut client).await.status(), CommandStatus::EsmeRok);
    assert_eq!(server.shared.desk.held(), vec![0]);
    let acks = tokio::spawn(async move {
        let (sequence, d) = receipt(&mut client).await;
        ack(&mut client, sequence).await;
        let id = receipted_id(&d);
        // Keep the bind until the server closes it.
        while let Some(Ok(_)) = client.next().await {}
        id
    });
    let summary = server.shutdown(Duration::from_secs(10)).await;
    assert_eq!(summary.held_receipts, 0);
    let id = tokio::time::timeout(Duration::from_secs(10), acks)
        .await
        .expect("the receiver ends once the server closes")
        .expect("the receipt came before the server closed");
    assert!(!id.is_empty());
}

#[tokio::test]
async fn an_injected_outage_refuses_submissions_until_ended_and_metrics_show_it() {
    let mut sc = (*scenario("")).clone();
    sc.serve.http_port = Some(0);
    let server = Server::start(Arc::new(sc), 1000.0).await.unwrap();
    let address = server.endpoints.smpp[0].2;
    let http = format!("http://{}", server.endpoints.http.unwrap());
    let web = reqwest::Client::new();
    let mut client = bound(address, "tx", "acme", "secret").await;
    let mut send = async |sequence: u32| {
        send(&mut client, sequence, submit("819012345678", false)).await;
        next(&mut client).await.status()
    };
    assert_eq!(send(2).await, CommandStatus::EsmeRok);
    let started = web
        .post(format!("{http}/admin/outages"))
        .bearer_auth(&server.endpoints.admin_token)
        .header("content-type", "application/json")
        .body(r#"{"provider": "p", "effect": "reject", "duration": "1h"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 201);
    assert_eq!(send(3).await, CommandStatus::EsmeRsyserr);
    let ended = web
        .delete(format!("{http}/admin/outages"))
        .bearer_auth(&server.endpoints.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(ended.status(), 200);
    assert_eq!(send(4).await, CommandStatus::EsmeRok);
    let metrics = web
        .get(format!("{http}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("simsms_submits_total 3"), "{metrics}");
    assert!(
        metrics.contains(r#"simsms_refusals_total{status="0x00000008"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"simsms_queue_depth{provider="p"} 0"#),
        "{metrics}"
    );
    assert!(metrics.contains("simsms_binds 1"), "{metrics}");
    server.shutdown(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn dialects_change_the_receipt_for_testing_parsers() {
    let extra = r#"
[[serve.accounts]]
system_id = "odd"
password = "pw"
provider = "p"
port = 0
dialect = { text_label = "Text", date_digits = 12, id_in_text = "hex", tlvs = false, receipt_before_resp = true, duplicates = true }
"#;
    let server = Server::start(scenario(extra), 1000.0).await.unwrap();
    let mut client = connect(server.endpoints.smpp[1].2).await;
    let pdu: Pdu = BindTransceiver::builder()
        .system_id(text("odd"))
        .password(COctetString::from_string("pw".into()).unwrap())
        .build()
        .into();
    send(&mut client, 1, pdu).await;
    assert_eq!(next(&mut client).await.status(), CommandStatus::EsmeRok);
    send(&mut client, 9, submit("819012345678", true)).await;
    // The receipt comes before the submit_sm_resp, and twice.
    let mut order = Vec::new();
    let mut texts = Vec::new();
    let mut id = String::new();
    while order.len() < 3 {
        let command = next(&mut client).await;
        match command.pdu() {
            Some(Pdu::DeliverSm(d)) => {
                assert!(d.tlvs().is_empty(), "no TLVs in this dialect");
                texts.push(String::from_utf8_lossy(d.short_message().as_ref()).into_owned());
                order.push("receipt");
                ack(&mut client, command.sequence_number()).await;
            }
            Some(Pdu::SubmitSmResp(r)) => {
                id = r.message_id().as_str().to_string();
                order.push("resp");
            }
            _ => {}
        }
    }
    assert_eq!(order, ["receipt", "receipt", "resp"]);
    assert_eq!(texts[0], texts[1]);
    let hex = format!("{:X}", id.parse::<u64>().unwrap());
    let body = &texts[0];
    assert!(body.starts_with(&format!("id:{hex} sub:001")), "{body}");
    assert!(body.contains(" Text:Your code"), "{body}");
    let submit_date = body.split("submit date:").nth(1).unwrap();
    assert_eq!(submit_date.split(' ').next().unwrap().len(), 12, "{body}");
    server.shutdown(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn failed_binds_beyond_the_rate_close_the_connection() {
    let mut sc = (*scenario("")).clone();
    sc.serve.failed_binds_per_sec = 1.0;
    let server = Server::start(Arc::new(sc), 1000.0).await.unwrap();
    let mut client = connect(server.endpoints.smpp[0].2).await;
    assert_eq!(
        bind(&mut client, "trx", "nope").await,
        CommandStatus::EsmeRinvpaswd
    );
    // The second failure within the second is answered, then the
    // connection closes.
    assert_eq!(
        bind(&mut client, "trx", "nope2").await,
        CommandStatus::EsmeRinvpaswd
    );
    let closed = tokio::time::timeout(Duration::from_secs(5), client.next()).await;
    assert!(matches!(closed, Ok(None) | Ok(Some(Err(_)))), "{closed:?}");
    server.shutdown(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn a_radio_outage_injected_now_holds_messages_already_on_their_way() {
    let mut sc = (*scenario("")).clone();
    sc.serve.http_port = Some(0);
    // 30 s of transit: the message reaches the SMSC inside the outage.
    let leg = &mut sc.routes[0][0];
    leg.latency = simsms::distribution::Distribution::Fixed(30_000_000_000);
    let server = Server::start(Arc::new(sc), 100.0).await.unwrap();
    let http = format!("http://{}", server.endpoints.http.unwrap());
    let mut client = bound(server.endpoints.smpp[0].2, "trx", "acme", "secret").await;
    let sent = std::time::Instant::now();
    send(&mut client, 2, submit("819012345678", true)).await;
    assert_eq!(next(&mut client).await.status(), CommandStatus::EsmeRok);
    // Without the outage the receipt would come after ~31 simulated
    // seconds (0.31 s here); the carrier's radio goes down for 2 minutes.
    let answer = reqwest::Client::new()
        .post(format!("{http}/admin/outages"))
        .bearer_auth(&server.endpoints.admin_token)
        .header("content-type", "application/json")
        .body(r#"{"carrier": "c", "effect": "store", "duration": "2m"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 201);
    let body: serde_json::Value = serde_json::from_str(&answer.text().await.unwrap()).unwrap();
    assert_eq!(body["redecided"], 1);
    let (sequence, d) = receipt(&mut client).await;
    let waited = sent.elapsed();
    // Held until the radio came back (after 120 simulated seconds: 1.2 s).
    assert!(waited >= Duration::from_millis(1150), "{waited:?}");
    let text = String::from_utf8_lossy(d.short_message().as_ref()).into_owned();
    assert!(text.contains("stat:DELIVRD"), "{text}");
    ack(&mut client, sequence).await;
    server.shutdown(Duration::from_millis(200)).await;
}

#[tokio::test]
async fn a_receiver_gets_at_most_its_window_of_unacknowledged_receipts() {
    let extra = r#"
[[serve.accounts]]
system_id = "narrow"
password = "pw"
provider = "p"
port = 0
window = 2
"#;
    let server = Server::start(scenario(extra), 1000.0).await.unwrap();
    let address = server.endpoints.smpp[1].2;
    let mut sender = bound(address, "tx", "narrow", "pw").await;
    for i in 0..5u32 {
        let to = format!("8190{i:08}");
        send(&mut sender, 2 + i, submit(&to, true)).await;
        assert_eq!(next(&mut sender).await.status(), CommandStatus::EsmeRok);
    }
    wait_until_held(&server, vec![0, 5]).await;
    let mut receiver = bound(address, "rx", "narrow", "pw").await;
    // The window's two arrive and the other three stay held while those
    // are unacknowledged (each wait polls, with a deadline).
    let first = [
        receipt(&mut receiver).await.0,
        receipt(&mut receiver).await.0,
    ];
    wait_until_held(&server, vec![0, 3]).await;
    // Acknowledging them lets the next two in, and only those.
    for s in first {
        ack(&mut receiver, s).await;
    }
    for _ in 0..2 {
        receipt(&mut receiver).await;
    }
    wait_until_held(&server, vec![0, 1]).await;
    server.shutdown(Duration::from_millis(100)).await;
}

/// The server's /metrics text.
async fn metrics_text(server: &Server) -> String {
    let http = format!("http://{}/metrics", server.endpoints.http.unwrap());
    let answer = reqwest::Client::new().get(http).send().await.unwrap();
    answer.text().await.unwrap()
}

#[tokio::test]
async fn every_error_answer_is_counted_by_status_in_metrics() {
    let mut sc = (*scenario("")).clone();
    sc.serve.http_port = Some(0);
    let server = Server::start(Arc::new(sc), 1000.0).await.unwrap();
    let address = server.endpoints.smpp[0].2;
    let mut client = connect(address).await;
    // Failed binds: unknown system_id (0x0F), wrong password (0x0E).
    let status = bind_as(&mut client, "trx", "nobody", "secret").await;
    assert_eq!(status, CommandStatus::EsmeRinvsysid);
    let mut client = connect(address).await;
    assert_eq!(
        bind(&mut client, "trx", "wrong").await,
        CommandStatus::EsmeRinvpaswd
    );
    assert_eq!(
        bind(&mut client, "trx", "secret").await,
        CommandStatus::EsmeRok
    );
    // Already bound (0x05).
    assert_eq!(
        bind(&mut client, "trx", "secret").await,
        CommandStatus::EsmeRalybnd
    );
    // An unknown command_id, header only: generic_nack ESME_RINVCMDID (0x03).
    let raw = [0u8, 0, 0, 16, 0, 0, 0, 0x99, 0, 0, 0, 0, 0, 0, 0, 50];
    client.get_mut().write_all(&raw).await.unwrap();
    let nack = next(&mut client).await;
    assert_eq!(
        (nack.status(), nack.sequence_number()),
        (CommandStatus::EsmeRinvcmdid, 50)
    );
    // A command the server does not serve (query_broadcast_sm):
    // ESME_RINVCMDID too.
    let query = rusmpp::pdus::QueryBroadcastSm::builder()
        .message_id(COctetString::from_string("1".into()).unwrap())
        .build();
    send(&mut client, 51, query.into()).await;
    assert_eq!(
        next(&mut client).await.status(),
        CommandStatus::EsmeRinvcmdid
    );
    // A command_length beyond max_pdu: ESME_RINVCMDLEN (0x02), then close.
    let raw = [0u8, 1, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 52];
    client.get_mut().write_all(&raw).await.unwrap();
    assert_eq!(
        next(&mut client).await.status(),
        CommandStatus::EsmeRinvcmdlen
    );
    let metrics = metrics_text(&server).await;
    for (status, count) in [
        ("0x0000000f", 1),
        ("0x0000000e", 1),
        ("0x00000005", 1),
        ("0x00000003", 2),
        ("0x00000002", 1),
    ] {
        let line = format!(r#"simsms_refusals_total{{status="{status}"}} {count}"#);
        assert!(metrics.contains(&line), "no `{line}` in:\n{metrics}");
    }
    server.shutdown(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn the_account_tps_lets_no_extra_second_through_at_start() {
    let extra = r#"
[[serve.accounts]]
system_id = "limited"
password = "pw"
provider = "p"
port = 0
tps = "20/s"
"#;
    let server = Server::start(scenario(extra), 1000.0).await.unwrap();
    let mut client = bound(server.endpoints.smpp[1].2, "tx", "limited", "pw").await;
    // Submits one after another, as fast as answers come, for a second and
    // a half; counts those accepted before a second had passed since the
    // first was sent (each accepted, at the server, within that second).
    let started = std::time::Instant::now();
    let (mut first_second, mut later, mut sequence) = (0u32, 0u32, 2u32);
    while started.elapsed() < Duration::from_millis(1500) {
        send(
            &mut client,
            sequence,
            submit(&format!("8190{sequence:08}"), false),
        )
        .await;
        let status = next(&mut client).await.status();
        assert!(
            matches!(
                status,
                CommandStatus::EsmeRok | CommandStatus::EsmeRthrottled
            ),
            "{status:?}"
        );
        if status == CommandStatus::EsmeRok {
            if started.elapsed() < Duration::from_secs(1) {
                first_second += 1;
            } else {
                later += 1;
            }
        }
        sequence += 1;
    }
    // Exactly the rate in the first second, not a second's worth more;
    // once the first accepted are a second old, the window has room again.
    assert_eq!(first_second, 20, "the client sent {sequence} submits");
    assert!(
        (1..=20).contains(&later),
        "{later} accepted after the first second"
    );
    server.shutdown(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn a_held_receipt_keeps_only_the_text_it_quotes() {
    let (server, address) = start("", 1000.0).await;
    let mut sender = bound(address, "tx", "acme", "secret").await;
    let long = "Your verification code is 123456. ".repeat(4);
    let pdu: Pdu = SubmitSm::builder()
        .destination_addr(COctetString::from_string("819012345678".into()).unwrap())
        .registered_delivery(RegisteredDelivery::from(1))
        .short_message(OctetString::from_slice(long.as_bytes()).unwrap())
        .build()
        .into();
    send(&mut sender, 2, pdu).await;
    assert_eq!(next(&mut sender).await.status(), CommandStatus::EsmeRok);
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while server.shared.desk.held() != vec![1] {
        assert!(std::time::Instant::now() < deadline, "no receipt held");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let job = server.shared.desk.take(0).unwrap();
    assert_eq!(job.text, "Your verification co");
    server.shutdown(Duration::from_millis(100)).await;
}
