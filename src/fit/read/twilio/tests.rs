use super::read;
use crate::fit::FinalState;
use crate::fit::read::FormatError;
use crate::fit::read::generic::tests::Collected;
use std::io::Write;

const SAMPLE: &str = "examples/records/twilio-export.jsonl.gz";

fn gzip(text: &str) -> Vec<u8> {
    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(text.as_bytes()).unwrap();
    z.finish().unwrap()
}

fn gunzip(bytes: &[u8]) -> String {
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::MultiGzDecoder::new(bytes), &mut text)
        .unwrap();
    text
}

fn read_gz(bytes: &[u8]) -> Result<Collected, FormatError> {
    let mut sink = Collected::default();
    read(bytes, &mut sink).map(|()| sink)
}

/// One record in the documented shape.
fn record(created: &str, updated: &str, status: &str, code: &str, to: &str) -> String {
    format!(
        r#"{{"account_sid":"AC00000000000000000000000000000001","body":"Your code is 123456","date_created":"{created}","date_sent":"{created}","date_updated":"{updated}","direction":"outbound-api","error_code":{code},"from":"+15005550006","messaging_service_sid":"MG00000000000000000000000000000001","num_media":"0","num_segments":"1","price":"-0.07530","sid":"SM00000000000000000000000000000001","status":"{status}","to":"{to}"}}"#
    )
}

/// A delivered message to +8190.
fn delivered() -> String {
    record(
        "2026-11-30T00:00:00Z",
        "2026-11-30T00:00:04Z",
        "delivered",
        "null",
        "+8190",
    )
}

#[test]
fn good_records_map_status_error_code_and_dates() {
    let text = [
        record(
            "2026-11-30T00:00:00Z",
            "2026-11-30T00:00:04Z",
            "delivered",
            "null",
            "+819012345678",
        ),
        record(
            "2026-11-30T00:00:00Z",
            "2026-11-30T02:00:00Z",
            "undelivered",
            "30003",
            "+819012345678",
        ),
        record(
            "2026-11-30T00:00:00Z",
            "2026-11-30T00:00:05Z",
            "undelivered",
            "30007",
            "+819012345678",
        ),
        record(
            "2026-11-30T00:00:00Z",
            "2026-11-30T00:00:01Z",
            "failed",
            "\"30001\"",
            "+819012345678",
        ),
        record(
            "2026-11-30T00:00:00Z",
            "2026-11-30T00:00:01Z",
            "sent",
            "null",
            "+819012345678",
        ),
        record(
            "2026-11-30T00:00:00Z",
            "2026-11-30T00:00:01Z",
            "queued",
            "null",
            "+819012345678",
        ),
    ]
    .join("\n");
    let c = read_gz(&gzip(&text)).unwrap();
    assert_eq!(c.skipped, vec![]);
    let states: Vec<_> = c.seen.iter().map(|o| o.state).collect();
    use FinalState::*;
    assert_eq!(
        states,
        [Delivered, Expired, Rejected, Refused, NoReceipt, NoReceipt]
    );
    let t0 = 1_795_996_800.0; // 2026-11-30T00:00:00Z
    let first = &c.seen[0];
    assert_eq!((first.sent_s, first.final_s), (t0, Some(t0 + 4.0)));
    assert_eq!(
        (first.provider.as_str(), first.number.as_str()),
        ("twilio", "+819012345678")
    );
    assert_eq!(
        (first.price, first.segments, first.err),
        (Some(0.0753), 1, None)
    );
    assert!(first.wall_clock);
    assert_eq!(c.seen[1].err, Some(30003));
    assert_eq!(c.seen[3].err, Some(30001));
    // No final time without a final status.
    assert_eq!(c.seen[4].final_s, None);
}

#[test]
fn each_bad_record_is_a_counted_skip_with_its_record_number() {
    let good = delivered();
    let text = [
        good.clone(),
        "{not json".into(),
        good.replace("\"delivered\"", "\"teleported\""),
        good.replace("2026-11-30T00:00:00Z", "Mon, 30 Nov 2026"),
        good.replace("2026-11-30T00:00:04Z", "2026-11-29T00:00:04Z"),
        good.replace("\"+8190\"", "\"\""),
        good.replace("outbound-api", "inbound"),
        good.replace("\"delivered\"", "\"canceled\""),
        good.replace("\"num_segments\":\"1\"", "\"num_segments\":\"many\""),
        good.replace("\"null\"", "null")
            .replace("\"error_code\":null", "\"error_code\":\"E1\""),
        good.replace("\"to\":\"+8190\"", "\"to\":5"),
        String::new(),
        good.clone(),
    ]
    .join("\n");
    let c = read_gz(&gzip(&text)).unwrap();
    assert_eq!(
        c.skips(),
        vec![
            (2, "not a Twilio message record: not JSON"),
            (3, "unknown status"),
            (4, "unparsable date_created"),
            (5, "date_updated before date_created"),
            (6, "no to"),
            (7, "inbound message"),
            (8, "canceled (never sent)"),
            (9, "unparsable num_segments"),
            (10, "unparsable error_code"),
            (11, "not a Twilio message record: a field of the wrong type"),
        ]
    );
    assert_eq!(c.seen.len(), 2);
}

#[test]
fn every_member_of_a_multi_member_gzip_is_read() {
    let one = delivered();
    let mut bytes = gzip(&format!("{one}\n{one}\n"));
    bytes.extend(gzip(&format!("{one}\n")));
    let c = read_gz(&bytes).unwrap();
    assert_eq!(c.seen.len(), 3);
}

#[test]
fn a_two_megabyte_record_is_an_error_with_its_record_number() {
    let one = delivered();
    let long = one.replace("Your code", &"x".repeat(2 << 20));
    let Err(FormatError::Invalid { line, message }) = read_gz(&gzip(&format!("{one}\n{long}\n")))
    else {
        panic!("a 2 MiB record must be refused");
    };
    assert_eq!(line, 2);
    assert!(message.contains("longer than 1 MiB"), "{message}");
}

#[test]
fn a_file_that_is_not_gzip_is_an_error_saying_so() {
    let Err(FormatError::Invalid { line, message }) = read_gz(b"sent_at,number,status\n") else {
        panic!("plain text must be refused");
    };
    assert_eq!(line, 1);
    assert!(message.contains("not gzip"), "{message}");
    let mut cut = gzip(&delivered());
    cut.truncate(cut.len() - 6);
    let Err(FormatError::Invalid { message, .. }) = read_gz(&cut) else {
        panic!("a truncated gzip must be refused");
    };
    assert!(message.contains("ends early"), "{message}");
}

/// The shipped sample: a day of OTP messages in the documented shape, from
/// a fixed pseudo-random sequence (so it is the same every time).
fn sample_text() -> String {
    let mut state: u64 = 0x5eed_2026;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let day = 1_795_996_800u64; // 2026-11-30T00:00:00Z
    let iso = |t: u64| {
        let s = t - day;
        format!(
            "2026-11-30T{:02}:{:02}:{:02}Z",
            s / 3600,
            s / 60 % 60,
            s % 60
        )
    };
    let mut lines = Vec::new();
    let mut at = day + 120;
    for i in 0..48 {
        at += 600 + next() % 1800;
        let number = ["90", "80", "70"][(next() % 3) as usize];
        let to = format!("+81{number}{:08}", 10_000_000 + next() % 16);
        let roll = next() % 100;
        let (status, code, after) = match roll {
            0..=69 => ("delivered", "null".to_string(), 2 + next() % 18),
            70..=77 => ("undelivered", "30003".into(), 3600 + next() % 7200),
            78..=82 => ("undelivered", "30005".into(), 3 + next() % 10),
            83..=87 => ("undelivered", "30007".into(), 2 + next() % 5),
            88..=91 => ("failed", "30001".into(), 1),
            _ => ("sent", "null".into(), 1),
        };
        let segments = if next() % 10 == 0 { 2 } else { 1 };
        let price = if status == "failed" {
            "null".to_string()
        } else {
            format!("\"-{:.5}\"", 0.0753 * f64::from(segments))
        };
        let sent = if status == "failed" {
            "null".to_string()
        } else {
            format!("\"{}\"", iso(at + 1))
        };
        lines.push(format!(
            r#"{{"account_sid":"AC5ee0000000000000000000000000a1b2","body":"Your code is {code6:06}","date_created":"{created}","date_sent":{sent},"date_updated":"{updated}","direction":"outbound-api","error_code":{code},"from":"+15005550006","messaging_service_sid":"MG5ee00000000000000000000000000c3d","num_media":"0","num_segments":"{segments}","price":{price},"sid":"SM{sid:032x}","status":"{status}","to":"{to}"}}"#,
            code6 = next() % 1_000_000,
            created = iso(at),
            updated = iso(at + after),
            sid = (i as u128 + 1) * 0x9e37_79b9_7f4a_7c15,
        ));
        if i == 20 {
            lines.push(format!(
                r#"{{"account_sid":"AC5ee0000000000000000000000000a1b2","body":"STOP","date_created":"{t}","date_sent":"{t}","date_updated":"{t}","direction":"inbound","error_code":null,"from":"{to}","messaging_service_sid":"MG5ee00000000000000000000000000c3d","num_media":"0","num_segments":"1","price":"-0.00750","sid":"SM{sid:032x}","status":"received","to":"+15005550006"}}"#,
                t = iso(at + 30),
                sid = 0xabcdu128,
            ));
        }
    }
    lines.join("\n") + "\n"
}

/// The shipped sample is what `sample_text` writes; SIMSMS_WRITE_SAMPLES=1
/// rewrites it.
#[test]
fn the_shipped_sample_is_what_its_generator_writes_and_reads_whole() {
    let text = sample_text();
    if std::env::var_os("SIMSMS_WRITE_SAMPLES").is_some() {
        std::fs::write(SAMPLE, gzip(&text)).unwrap();
    }
    let shipped =
        std::fs::read(SAMPLE).expect("the shipped sample (SIMSMS_WRITE_SAMPLES=1 writes it)");
    assert_eq!(
        gunzip(&shipped),
        text,
        "{SAMPLE} differs from its generator"
    );
    let c = read_gz(&shipped).unwrap();
    assert_eq!(c.seen.len(), 48);
    assert_eq!(c.skips(), vec![(22, "inbound message")]);
    for state in [
        FinalState::Delivered,
        FinalState::Expired,
        FinalState::Refused,
        FinalState::NoReceipt,
    ] {
        assert!(
            c.seen.iter().any(|o| o.state == state),
            "no {state:?} in the sample"
        );
    }
}
