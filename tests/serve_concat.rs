//! `simsms serve` in process, driven by raw PDUs: every data_coding it
//! reads is quoted decoded in the receipt (and in the dialect's other
//! forms), an unread one is refused; concatenated messages by UDH (8- and
//! 16-bit references), by SAR TLVs and in one message_payload are judged
//! once by the model, billed per segment, and answered with a receipt per
//! submitted part; an incomplete message's parts get UNDELIV receipts after
//! `concat_timeout`.

mod common;

use common::smpp::{Client, bound, next, send};
use rusmpp::pdus::{DeliverSm, SubmitSm};
use rusmpp::tlvs::{MessageSubmissionRequestTlvValue as Tlv, TlvValue};
use rusmpp::types::{AnyOctetString, COctetString, OctetString};
use rusmpp::values::{DataCoding, EsmClass, MessagePayload, RegisteredDelivery};
use rusmpp::{CommandStatus, Pdu};
use simsms::scenario::parse;
use simsms::serve::Server;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

const PRICE: f64 = 2.0;

fn scenario(serve: &str, dialect: &str) -> Arc<simsms::scenario::Scenario> {
    let text = format!(
        r#"
[scenario]
name = "concat"
duration = "10m"
[traffic]
rate = "1/s"
[users]
typo = 0.0
stale = 0.0
[providers.p]
route = "domestic"
price = {PRICE}
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
{serve}
[[serve.accounts]]
system_id = "acme"
password = "secret"
provider = "p"
port = 0
{dialect}
"#
    );
    Arc::new(parse(&text, "concat.toml").unwrap())
}

async fn start(serve: &str, dialect: &str) -> (Server, Client) {
    let server = Server::start(scenario(serve, dialect), 1000.0)
        .await
        .unwrap();
    let address: SocketAddr = server.endpoints.smpp[0].2;
    let client = bound(address, "acme", "secret").await;
    (server, client)
}

/// A submit_sm to a fixed handset asking for every receipt.
fn submit(coding: u8, esm: u8, short: &[u8], tlvs: Vec<Tlv>) -> Pdu {
    SubmitSm::builder()
        .source_addr(COctetString::from_string("SIMSMS".into()).unwrap())
        .destination_addr(COctetString::from_string("819012345678".into()).unwrap())
        .registered_delivery(RegisteredDelivery::from(1))
        .data_coding(DataCoding::from(coding))
        .esm_class(EsmClass::from(esm))
        .short_message(OctetString::from_slice(short).unwrap())
        .tlvs(tlvs)
        .build()
        .into()
}

/// Submits `pdus` (sequence numbers from 10); the answer to each, in
/// order: its status and message_id. Receipts read meanwhile are kept in
/// `early`.
async fn submit_all(
    client: &mut Client,
    pdus: Vec<Pdu>,
    early: &mut Vec<(u32, DeliverSm)>,
) -> Vec<(CommandStatus, String)> {
    let mut answers = BTreeMap::new();
    let n = pdus.len();
    for (i, pdu) in pdus.into_iter().enumerate() {
        send(client, 10 + i as u32, pdu).await;
    }
    while answers.len() < n {
        let command = next(client).await;
        match command.pdu() {
            Some(Pdu::SubmitSmResp(r)) => {
                let id = r.message_id().as_str().to_string();
                answers.insert(command.sequence_number(), (command.status(), id));
            }
            Some(Pdu::DeliverSm(d)) => early.push((command.sequence_number(), d.clone())),
            Some(Pdu::GenericNack) => {
                answers.insert(command.sequence_number(), (command.status(), String::new()));
            }
            _ => {}
        }
    }
    answers.into_values().collect()
}

/// One receipt as the client reads it.
#[derive(Debug, Clone)]
struct Seen {
    id: String,
    stat: String,
    err: String,
    text: String,
}

/// Reads (and acknowledges) receipts until `n` have come, counting those
/// already read.
async fn receipts(client: &mut Client, early: Vec<(u32, DeliverSm)>, n: usize) -> Vec<Seen> {
    let mut out = Vec::new();
    let mut pending = early;
    loop {
        for (sequence, d) in pending.drain(..) {
            let resp = rusmpp::pdus::DeliverSmResp::builder().build();
            send(client, sequence, resp.into()).await;
            out.push(seen(&d));
        }
        if out.len() >= n {
            return out;
        }
        let command = next(client).await;
        if let Some(Pdu::DeliverSm(d)) = command.pdu() {
            pending.push((command.sequence_number(), d.clone()));
        }
    }
}

fn seen(d: &DeliverSm) -> Seen {
    let body = String::from_utf8(d.short_message().as_ref().to_vec()).expect("UTF-8");
    let field = |name: &str| simsms::protocol::smpp::receipt::field(&body, name).unwrap_or("");
    let id = d
        .tlvs()
        .iter()
        .find_map(|t| match t.value() {
            Some(TlvValue::ReceiptedMessageId(id)) => Some(id.as_str().to_string()),
            _ => None,
        })
        .expect("receipted_message_id");
    assert_eq!(field("id"), id, "{body}");
    Seen {
        id,
        stat: field("stat").to_string(),
        err: field("err").to_string(),
        text: body
            .split_once(" text:")
            .expect("a text field")
            .1
            .to_string(),
    }
}

fn ucs2(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_be_bytes).collect()
}

/// (messages the model judged, what they cost).
fn judged(server: &Server) -> (u64, f64) {
    let metrics = server.shared.live.lock().unwrap().metrics();
    let n = metrics
        .messages
        .iter()
        .map(|c| c.outcomes.iter().sum::<u64>())
        .sum();
    (n, metrics.messages.iter().map(|c| c.cost).sum())
}

/// The parts of `text` (UCS-2 when `ucs2`, else GSM septets), each behind
/// a UDH with this reference element.
fn udh_parts(parts: &[&str], element: &[u8], ucs2_coded: bool) -> Vec<Vec<u8>> {
    let total = parts.len() as u8;
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            let mut udh = vec![(element.len() + 4) as u8];
            udh.push(if element.len() == 1 { 0x00 } else { 0x08 });
            udh.push(element.len() as u8 + 2);
            udh.extend(element);
            udh.extend([total, i as u8 + 1]);
            let body = match ucs2_coded {
                true => ucs2(part),
                false => simsms::text::encode(part, simsms::text::Encoding::Gsm7),
            };
            udh.extend(body);
            udh
        })
        .collect()
}

const JAPANESE: [&str; 3] = [
    "認証コードは123456です。このコードは10分間有効です。他の人には絶対に教えないでください。当社の担当者がコードをお尋ねすることはありません。",
    "心当たりのない場合は、このメッセージを無視してください。アカウントの安全のため、定期的にパスワードを変更することをおすすめします。",
    "ご利用ありがとうございます。",
];

#[tokio::test]
async fn a_udh_message_with_an_8_bit_reference_is_judged_once_and_each_part_gets_its_receipt() {
    let (server, mut client) = start("", "").await;
    let pdus = udh_parts(&JAPANESE, &[0x2A], true)
        .into_iter()
        .map(|bytes| submit(8, 0x40, &bytes, vec![]))
        .collect();
    let mut early = Vec::new();
    let answers = submit_all(&mut client, pdus, &mut early).await;
    assert!(
        answers.iter().all(|(s, _)| *s == CommandStatus::EsmeRok),
        "{answers:?}"
    );
    let ids: Vec<&String> = answers.iter().map(|(_, id)| id).collect();
    assert_eq!(
        ids.iter().collect::<std::collections::BTreeSet<_>>().len(),
        3
    );
    let seen = receipts(&mut client, early, 3).await;
    for (part, (_, id)) in JAPANESE.iter().zip(&answers) {
        let r = seen
            .iter()
            .find(|r| &r.id == id)
            .expect("a receipt per part");
        let quoted: String = part.chars().take(20).collect();
        assert_eq!(r.text, quoted, "part {id}");
        assert_eq!(r.stat, seen[0].stat, "every part follows one fate");
    }
    assert_eq!(seen.len(), 3);
    // One message of three segments, each billed.
    assert_eq!(judged(&server), (1, 3.0 * PRICE));
    server.shutdown(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn a_udh_message_with_a_16_bit_reference_completes_in_any_order() {
    let (server, mut client) = start("", "").await;
    let parts = ["Your code is 123456. ".repeat(7), "Do not share it.".into()];
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    let mut pdus: Vec<Pdu> = udh_parts(&parts, &[0x12, 0x34], false)
        .into_iter()
        .map(|bytes| submit(0, 0x40, &bytes, vec![]))
        .collect();
    pdus.reverse();
    let mut early = Vec::new();
    let answers = submit_all(&mut client, pdus, &mut early).await;
    assert!(answers.iter().all(|(s, _)| *s == CommandStatus::EsmeRok));
    let seen = receipts(&mut client, early, 2).await;
    let text_of = |id: &str| seen.iter().find(|r| r.id == id).unwrap().text.clone();
    assert_eq!(text_of(&answers[0].1), "Do not share it.");
    assert_eq!(text_of(&answers[1].1), "Your code is 123456.");
    assert_eq!(judged(&server), (1, 2.0 * PRICE));
    server.shutdown(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn sar_parts_are_one_message() {
    let (server, mut client) = start("", "").await;
    let pdus = (1..=2u8)
        .map(|seq| {
            let tlvs = vec![
                Tlv::SarMsgRefNum(777),
                Tlv::SarTotalSegments(2),
                Tlv::SarSegmentSeqnum(seq),
            ];
            submit(
                1,
                0,
                format!("Part {seq} of the code message").as_bytes(),
                tlvs,
            )
        })
        .collect();
    let mut early = Vec::new();
    let answers = submit_all(&mut client, pdus, &mut early).await;
    assert!(answers.iter().all(|(s, _)| *s == CommandStatus::EsmeRok));
    let seen = receipts(&mut client, early, 2).await;
    for (seq, (_, id)) in answers.iter().enumerate() {
        let r = seen.iter().find(|r| &r.id == id).unwrap();
        assert_eq!(r.text, format!("Part {} of the code m", seq + 1));
    }
    assert_eq!(judged(&server), (1, 2.0 * PRICE));
    server.shutdown(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn a_message_payload_is_one_message_of_the_segments_its_text_takes() {
    let (server, mut client) = start("", "").await;
    let text = JAPANESE.concat();
    let segments = simsms::text::layout(&text).segments;
    assert_eq!(segments, 3);
    let payload = Tlv::MessagePayload(MessagePayload::new(AnyOctetString::from_slice(&ucs2(
        &text,
    ))));
    let mut early = Vec::new();
    let answers = submit_all(
        &mut client,
        vec![submit(8, 0, b"", vec![payload])],
        &mut early,
    )
    .await;
    assert_eq!(answers[0].0, CommandStatus::EsmeRok);
    let seen = receipts(&mut client, early, 1).await;
    assert_eq!(seen[0].text, "認証コードは123456です。このコード");
    assert_eq!(judged(&server), (1, segments as f64 * PRICE));
    server.shutdown(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn an_incomplete_message_gives_its_parts_undelivered_receipts_after_the_timeout() {
    let (server, mut client) = start("concat_timeout = \"300ms\"", "").await;
    let parts = udh_parts(&JAPANESE, &[0x07], true);
    // Parts 1 and 3 of three; part 2 never comes.
    let pdus = vec![
        submit(8, 0x40, &parts[0], vec![]),
        submit(8, 0x40, &parts[2], vec![]),
    ];
    let started = std::time::Instant::now();
    let mut early = Vec::new();
    let answers = submit_all(&mut client, pdus, &mut early).await;
    assert!(answers.iter().all(|(s, _)| *s == CommandStatus::EsmeRok));
    let seen = receipts(&mut client, early, 2).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    for r in &seen {
        assert_eq!(
            (r.stat.as_str(), r.err.as_str()),
            ("UNDELIV", "034"),
            "{r:?}"
        );
    }
    assert_eq!(
        seen[0].text,
        JAPANESE[0].chars().take(20).collect::<String>()
    );
    // The model never saw it.
    assert_eq!(judged(&server), (0, 0.0));
    assert_eq!(server.shared.pending.lock().unwrap().parts(), 0);
    server.shutdown(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn each_data_coding_is_quoted_decoded_and_others_are_refused() {
    let (server, mut client) = start("", "").await;
    let cases: Vec<(u8, Vec<u8>, &str)> = vec![
        (0, vec![0x00, 0x02, 0x1B, 0x65, 0x20, 0x41, 0x42], "@$€ AB"),
        (
            1,
            b"Your code is 123456, valid".to_vec(),
            "Your code is 123456,",
        ),
        (3, b"Code 123456 \xe9t\xe9".to_vec(), "Code 123456 été"),
        (4, vec![0xCA, 0xFE, 0x00], "cafe00"),
        (8, ucs2("認証コードは123456です"), "認証コードは123456です"),
    ];
    let pdus = cases
        .iter()
        .map(|(coding, bytes, _)| submit(*coding, 0, bytes, vec![]))
        .collect();
    let mut early = Vec::new();
    let answers = submit_all(&mut client, pdus, &mut early).await;
    let seen = receipts(&mut client, early, cases.len()).await;
    for ((coding, _, quoted), (status, id)) in cases.iter().zip(&answers) {
        assert_eq!(*status, CommandStatus::EsmeRok, "data_coding {coding}");
        let r = seen.iter().find(|r| &r.id == id).unwrap();
        assert_eq!(&r.text, quoted, "data_coding {coding}");
    }
    // JIS (5) is not read: ESME_RINVDCS, and nothing reaches the model.
    let refused = submit_all(
        &mut client,
        vec![submit(5, 0, b"x", vec![])],
        &mut Vec::new(),
    )
    .await;
    assert_eq!(refused[0].0, CommandStatus::EsmeRinvdcs);
    assert_eq!(judged(&server).0, cases.len() as u64);
    server.shutdown(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn the_dialect_quotes_raw_octets_or_nothing() {
    for (form, quoted) in [("raw", "...<0.0.0.0o.1.2.3.4"), ("empty", "")] {
        let dialect = format!("dialect.receipt_text = \"{form}\"");
        let (server, mut client) = start("", &dialect).await;
        let pdus = vec![submit(8, 0, &ucs2("認証コードは123456です"), vec![])];
        let mut early = Vec::new();
        submit_all(&mut client, pdus, &mut early).await;
        let seen = receipts(&mut client, early, 1).await;
        assert_eq!(seen[0].text, quoted, "{form}");
        server.shutdown(Duration::from_millis(100)).await;
    }
}
