//! The one SMPP client that `load`, `load --otp` and `bench smpp` share
//! (`protocol::smpp::client`), against a stub server that misbehaves as
//! real SMSCs do: a PDU that does not decode is answered with generic_nack
//! and the session goes on; the server's enquire_link is answered; a
//! submit answered with generic_nack counts as refused; every receipt is
//! acknowledged. Then `simsms load` itself against such a server: one bad
//! PDU neither closes the bind nor loses a message.

mod common;

use simsms::protocol::smpp::client::{self, Incoming};
use simsms::protocol::smpp::frame::{Frame, read_frame};
use simsms::protocol::target::Target;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

/// A PDU from raw parts: command id, status, sequence and body.
fn pdu(id: u32, status: u32, sequence: u32, body: &[u8]) -> Vec<u8> {
    let mut out = ((16 + body.len()) as u32).to_be_bytes().to_vec();
    out.extend(id.to_be_bytes());
    out.extend(status.to_be_bytes());
    out.extend(sequence.to_be_bytes());
    out.extend(body);
    out
}

/// A deliver_sm whose short message is a receipt for `id`.
fn receipt(sequence: u32, id: &str) -> Vec<u8> {
    let text = format!(
        "id:{id} sub:001 dlvrd:001 submit date:2612021000 done date:2612021000 stat:DELIVRD err:000 text:x"
    );
    let mut body = b"\0".to_vec(); // service_type
    body.extend([1, 1]); // source ton, npi
    body.extend(b"819012345678\0");
    body.extend([0, 0]); // destination ton, npi
    body.extend(b"SIMSMS\0");
    body.extend([4, 0, 0]); // esm_class (a receipt), protocol_id, priority
    body.extend(b"\0\0"); // schedule_delivery_time, validity_period
    body.extend([0, 0, 0, 0]); // registered_delivery, replace, data_coding, sm_default
    body.push(text.len() as u8);
    body.extend(text.as_bytes());
    pdu(0x0000_0005, 0, sequence, &body)
}

/// Reads one PDU: (command id, status, sequence, body).
fn read_pdu(stream: &mut TcpStream) -> Option<(u32, u32, u32, Vec<u8>)> {
    let mut head = [0u8; 16];
    stream.read_exact(&mut head).ok()?;
    let word = |i: usize| u32::from_be_bytes(head[i..i + 4].try_into().unwrap());
    let mut body = vec![0u8; (word(0) as usize).saturating_sub(16)];
    stream.read_exact(&mut body).ok()?;
    Some((word(4), word(8), word(12), body))
}

/// A server that, once bound, sends a PDU that cannot decode (sequence 77)
/// and an enquire_link (sequence 78), refuses the first submit with
/// generic_nack, accepts every other with an id and a receipt, and records
/// what the client answered.
fn misbehaving_server() -> (u16, std::sync::mpsc::Receiver<(u32, u32, u32)>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (seen_tx, seen) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let seen_tx = seen_tx.clone();
            std::thread::spawn(move || {
                stream
                    .set_read_timeout(Some(Duration::from_secs(30)))
                    .unwrap();
                if common::answer_bind(&mut stream).is_none() {
                    return;
                }
                // A deliver_sm whose body is cut short: undecodable.
                let mut garbage = pdu(0x0000_0005, 0, 77, &[0xff; 3]);
                garbage.extend(pdu(0x0000_0015, 0, 78, &[]));
                stream.write_all(&garbage).unwrap();
                let mut submits = 0u32;
                while let Some((id, status, sequence, _)) = read_pdu(&mut stream) {
                    let _ = seen_tx.send((id, status, sequence));
                    match id {
                        0x0000_0004 if submits == 0 => {
                            submits += 1;
                            let nack = pdu(0x8000_0000, 0x0000_0003, sequence, &[]);
                            stream.write_all(&nack).unwrap();
                        }
                        0x0000_0004 => {
                            submits += 1;
                            let message_id = format!("m{submits}");
                            let mut body = message_id.as_bytes().to_vec();
                            body.push(0);
                            let mut out = pdu(0x8000_0004, 0, sequence, &body);
                            out.extend(receipt(1000 + submits, &message_id));
                            stream.write_all(&out).unwrap();
                        }
                        0x0000_0006 => {
                            let _ = stream.write_all(&pdu(0x8000_0006, 0, sequence, &[]));
                            return;
                        }
                        _ => {}
                    }
                }
            });
        }
    });
    (port, seen)
}

/// Waits up to 10 s for the next event of the session.
async fn next(session: &mut client::Session) -> Incoming {
    tokio::time::timeout(Duration::from_secs(10), session.incoming.recv())
        .await
        .expect("an event within 10 s")
        .expect("the session is open")
}

#[tokio::test]
async fn a_bad_pdu_is_nacked_and_the_session_goes_on() {
    let (port, seen) = misbehaving_server();
    let target = Target::parse(&format!("smpp://u:p@127.0.0.1:{port}")).unwrap();
    let stop = tokio_util::sync::CancellationToken::new();
    let mut session = client::connect(&target, Duration::from_secs(5), &stop)
        .await
        .unwrap();
    let first = session.sender.submit("819012345678").unwrap();
    let second = session.sender.submit("819012345679").unwrap();
    match next(&mut session).await {
        Incoming::Resp {
            sequence, status, ..
        } => {
            assert_eq!(sequence, first);
            assert_ne!(status, 0, "a generic_nack to a submit is a refusal");
        }
        other => panic!("expected the refusal, got {other:?}"),
    }
    match next(&mut session).await {
        Incoming::Resp {
            sequence,
            status,
            id,
            ..
        } => assert_eq!((sequence, status, id.as_str()), (second, 0, "m2")),
        other => panic!("expected the acceptance, got {other:?}"),
    }
    match next(&mut session).await {
        Incoming::Receipt { id, stat, .. } => {
            assert_eq!((id.as_str(), stat.as_str()), ("m2", "DELIVRD"))
        }
        other => panic!("expected the receipt, got {other:?}"),
    }
    session.sender.unbind(Duration::from_secs(5), &stop).await;
    // What the client wrote after the bind, in order of arrival.
    let mut answers = Vec::new();
    while let Ok(pdu) = seen.recv_timeout(Duration::from_secs(5)) {
        answers.push(pdu);
        if pdu.0 == 0x0000_0006 {
            break;
        }
    }
    let has = |id: u32, sequence: u32| answers.iter().any(|a| a.0 == id && a.2 == sequence);
    assert!(
        has(0x8000_0000, 77),
        "generic_nack for the bad PDU: {answers:x?}"
    );
    let nack = answers.iter().find(|a| a.0 == 0x8000_0000).unwrap();
    assert_ne!(nack.1, 0, "the generic_nack carries an error status");
    assert!(has(0x8000_0015, 78), "enquire_link_resp: {answers:x?}");
    assert!(
        has(0x8000_0005, 1002),
        "deliver_sm_resp for the receipt: {answers:x?}"
    );
    assert!(has(0x0000_0006, 1), "unbind at the end: {answers:x?}");
}

#[tokio::test]
async fn frames_the_client_reads_are_the_shared_reader_s() {
    // The client's reader is the frame reader serve uses: a garbage frame
    // decodes to Undecodable with its sequence number, not an error.
    let bytes = pdu(0x0000_0005, 0, 77, &[0xff; 3]);
    let mut reader = bytes.as_slice();
    match read_frame(&mut reader, 70_000).await.unwrap() {
        Some(Frame::Undecodable { sequence, .. }) => assert_eq!(sequence, 77),
        other => panic!("{other:?}"),
    }
}

#[test]
fn load_keeps_its_bind_through_a_bad_pdu_and_loses_nothing() {
    let (port, _seen) = misbehaving_server();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("load.json");
    let out = common::simsms_within(
        &[
            "load",
            "tests/live/serve_scenario.toml",
            "--target",
            &format!("smpp://u:p@127.0.0.1:{port}"),
            "--rate",
            "20/s",
            "--duration",
            "1s",
            "--wait",
            "5s",
            "--json",
            json.to_str().unwrap(),
        ],
        Duration::from_secs(60),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let load = &report["load"];
    assert_eq!(load["reconnects"], 0, "{load}");
    let sent = load["sent"].as_u64().unwrap();
    assert!(sent >= 15, "about 20 messages were due: {load}");
    let count = |v: &serde_json::Value| -> u64 {
        v.as_object()
            .unwrap()
            .values()
            .map(|n| n.as_u64().unwrap())
            .sum()
    };
    assert_eq!(count(&load["refusals"]), 1, "the one generic_nack: {load}");
    assert_eq!(load["lost_at_disconnect"], 0, "{load}");
    assert_eq!(
        load["receipts"]["DELIVRD"].as_u64(),
        Some(sent - 1),
        "every accepted message has its receipt: {load}"
    );
}

/// A server whose first connection answers five submits (each with a
/// DELIVRD receipt), reads a sixth and closes; every later connection
/// answers everything.
fn server_that_drops_the_first_bind() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for (connection, mut stream) in listener.incoming().flatten().enumerate() {
            std::thread::spawn(move || {
                if common::answer_bind(&mut stream).is_none() {
                    return;
                }
                let mut submits = 0u32;
                while let Some((id, _, sequence, _)) = read_pdu(&mut stream) {
                    if id != 0x0000_0004 {
                        continue;
                    }
                    submits += 1;
                    if connection == 0 && submits == 6 {
                        return; // closes with this submit unanswered
                    }
                    let message_id = format!("c{connection}m{submits}");
                    let mut body = message_id.as_bytes().to_vec();
                    body.push(0);
                    let mut out = pdu(0x8000_0004, 0, sequence, &body);
                    out.extend(receipt(1000 + submits, &message_id));
                    if stream.write_all(&out).is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

#[test]
fn load_otp_opens_a_dropped_bind_again_and_counts_what_it_lost() {
    let port = server_that_drops_the_first_bind();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("otp.json");
    let out = common::simsms_within(
        &[
            "load",
            "tests/live/serve_scenario.toml",
            "--otp",
            "--target",
            &format!("smpp://u:p@127.0.0.1:{port}"),
            "--speed",
            "60",
            "--rate",
            "600/m",
            "--duration",
            "1m",
            "--wait",
            "3s",
            "--json",
            json.to_str().unwrap(),
        ],
        Duration::from_secs(60),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let load = &report["load"];
    assert_eq!(load["reconnects"], 1, "{load}");
    let lost = load["lost_at_disconnect"].as_u64().unwrap();
    assert!(lost >= 1, "the sixth submit was in flight: {load}");
    let sent = load["sent"].as_u64().unwrap();
    assert!(sent >= 300, "sessions went on after the drop: {load}");
    assert_eq!(
        load["receipts"]["DELIVRD"].as_u64(),
        Some(sent - lost),
        "every message not lost at the drop has its receipt: {load}"
    );
}

/// A server that binds and then reads every submit without answering.
fn server_that_never_answers_submits() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                if common::answer_bind(&mut stream).is_some() {
                    while read_pdu(&mut stream).is_some() {}
                }
            });
        }
    });
    port
}

#[test]
fn load_otp_ends_after_the_wait_when_no_submit_is_ever_answered() {
    let port = server_that_never_answers_submits();
    let out = common::simsms_within(
        &[
            "load",
            "tests/live/serve_scenario.toml",
            "--otp",
            "--target",
            &format!("smpp://u:p@127.0.0.1:{port}"),
            "--speed",
            "600",
            "--rate",
            "60/m",
            "--duration",
            "1m",
            "--wait",
            "1s",
        ],
        Duration::from_secs(60),
    );
    let report = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.contains("LOAD"), "{report}");
}
