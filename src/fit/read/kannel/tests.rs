use super::read;
use crate::fit::FinalState;
use crate::fit::read::FormatError;
use crate::fit::read::generic::tests::Collected;

fn read_log(text: &str) -> Result<Collected, FormatError> {
    let mut sink = Collected::default();
    read(text.as_bytes(), &mut sink).map(|()| sink)
}

/// Lines as Kannel 1.4.5 writes them (from a run against `simsms serve`).
fn sent(time: &str, fid: &str, to: &str) -> String {
    format!(
        "2026-12-02 {time} Sent SMS [SMSC:simsms] [SVC:tester] [ACT:] [BINF:] [FID:{fid}] [META:?smpp_resp?] [from:SIMSMS] [to:{to}] [flags:-1:0:-1:-1:31] [msg:19:Your code is 123456] [udh:0:]"
    )
}

fn dlr(time: &str, fid: &str, to: &str, kind: u32, text: &str) -> String {
    format!(
        "2026-12-02 {time} Receive DLR [SMSC:simsms] [SVC:tester] [ACT:intl] [BINF:] [FID:{fid}] [META:?orig_msg?dlr_mask=31&] [from:SIMSMS] [to:{to}] [flags:-1:-1:-1:-1:{kind}] [msg:{}:{text}] [udh:0:]",
        text.len()
    )
}

fn receipt(fid: &str, stat: &str, err: &str) -> String {
    format!(
        "id:{fid} sub:001 dlvrd:000 submit date:2612022044 done date:2612022044 stat:{stat} err:{err} text:Your code is [1] stat:X"
    )
}

#[test]
fn a_dlr_joins_its_sent_sms_by_fid_and_number() {
    let log = [
        "2026-12-02 13:42:03 Log begins".to_string(),
        sent("13:42:08", "1", "819000000001"),
        sent("13:42:08", "2", "819000000002"),
        dlr("13:42:08", "1", "819000000001", 8, "ACK/"),
        dlr("13:42:09", "2", "819000000002", 8, "ACK/"),
        dlr("13:42:11", "2", "819000000002", 1, &receipt("2", "DELIVRD", "000")),
        dlr("13:42:20", "1", "819000000001", 2, &receipt("1", "EXPIRED", "027")),
        "2026-12-02 13:42:21 Receive SMS [SMSC:simsms] [SVC:] [ACT:] [BINF:] [FID:] [META:] [from:819000000001] [to:SIMSMS] [flags:-1:0:-1:0:-1] [msg:4:STOP] [udh:0:]".into(),
        "2026-12-02 13:42:30 Log ends".into(),
    ]
    .join("\n");
    let c = read_log(&log).unwrap();
    assert_eq!(c.skipped, vec![]);
    assert_eq!(c.seen.len(), 2);
    let t = 1_796_218_928.0; // 2026-12-02 13:42:08 UTC
    let (delivered, expired) = (&c.seen[0], &c.seen[1]);
    assert_eq!(delivered.number, "819000000002");
    assert_eq!(
        (delivered.state, delivered.sent_s, delivered.final_s),
        (FinalState::Delivered, t, Some(t + 3.0))
    );
    assert_eq!(
        (delivered.provider.as_str(), delivered.err),
        ("simsms", Some(0))
    );
    assert_eq!(
        (expired.state, expired.final_s, expired.err),
        (FinalState::Expired, Some(t + 12.0), Some(27))
    );
    assert!(expired.wall_clock);
}

#[test]
fn a_sent_sms_without_a_final_dlr_is_no_receipt_and_a_failed_send_is_refused() {
    let log = [
        sent("13:42:08", "1", "819000000001"),
        dlr("13:42:08", "1", "819000000001", 8, "ACK/"),
        "2026-12-02 13:42:09 FAILED Send SMS [SMSC:simsms] [SVC:tester] [ACT:] [BINF:] [FID:] [META:] [from:SIMSMS] [to:819000000003] [flags:-1:0:-1:-1:31] [msg:19:Your code is 123456] [udh:0:]".into(),
        dlr("13:42:09", "", "819000000003", 16, "NACK/0x00000058/Throttling error"),
        sent("13:42:10", "2", "819000000002"),
        dlr("13:42:12", "2", "819000000002", 2, "id:2 stat:UNDELIV err:001"),
    ]
    .join("\n");
    let c = read_log(&log).unwrap();
    assert_eq!(c.skipped, vec![]);
    let states: Vec<_> = c
        .seen
        .iter()
        .map(|o| (o.number.as_str(), o.state))
        .collect();
    assert_eq!(
        states,
        [
            ("819000000003", FinalState::Refused),
            ("819000000002", FinalState::Undeliverable),
            ("819000000001", FinalState::NoReceipt),
        ]
    );
    assert_eq!(c.seen[2].final_s, None);
}

#[test]
fn without_a_stat_the_dlr_type_decides_and_an_unknown_stat_is_skipped() {
    let log = [
        sent("13:42:08", "a1", "8190"),
        sent("13:42:08", "a2", "8191"),
        sent("13:42:08", "a3", "8192"),
        dlr("13:42:09", "a1", "8190", 1, "delivered"),
        dlr("13:42:09", "a2", "8191", 2, "failed"),
        dlr("13:42:09", "a3", "8192", 2, "id:a3 stat:LOST err:000"),
    ]
    .join("\n");
    let c = read_log(&log).unwrap();
    let states: Vec<_> = c.seen.iter().map(|o| o.state).collect();
    assert_eq!(
        states,
        [
            FinalState::Delivered,
            FinalState::Undeliverable,
            FinalState::NoReceipt
        ]
    );
    assert_eq!(c.skips(), vec![(6, "unknown stat")]);
}

#[test]
fn bad_lines_are_counted_skips_with_their_line_numbers() {
    let log = [
        sent("13:42:08", "1", "8190"),
        "2026-13-02 13:42:08 Sent SMS [SMSC:simsms] [FID:2] [to:8191]".into(),
        "2026-12-02 13:42:08 Sent SMS [SVC:x] [FID:3] [to:8192]".into(),
        sent("13:42:08", "", "8193"),
        dlr("13:42:09", "9", "8199", 1, "id:9 stat:DELIVRD err:000"),
        dlr("13:42:07", "1", "8190", 1, "id:1 stat:DELIVRD err:000"),
    ]
    .join("\n");
    let c = read_log(&log).unwrap();
    assert_eq!(
        c.skips(),
        vec![
            (2, "unparsable time or fields"),
            (3, "unparsable time or fields"),
            (4, "Sent SMS without [FID:] or [to:]"),
            (5, "DLR for a message not sent in this log"),
            (6, "DLR before its Sent SMS"),
        ]
    );
}

#[test]
fn a_file_with_no_kannel_lines_is_an_error_and_a_long_line_too() {
    let Err(FormatError::Invalid { line, message }) = read_log("sent_at,number,status\n1,2,3\n")
    else {
        panic!("a CSV is not an access log");
    };
    assert_eq!(line, 1);
    assert!(
        message.contains("not a Kannel bearerbox access log"),
        "{message}"
    );
    let long = format!(
        "{}\n{}\n",
        sent("13:42:08", "1", "8190"),
        sent("13:42:08", &"7".repeat(2 << 20), "8190")
    );
    let Err(FormatError::Invalid { line, message }) = read_log(&long) else {
        panic!("a 2 MiB line must be refused");
    };
    assert_eq!(line, 2);
    assert!(message.contains("longer than 1 MiB"), "{message}");
    // An empty log is no records, not an error.
    assert!(read_log("").unwrap().seen.is_empty());
}

#[test]
fn a_reused_message_id_closes_the_earlier_message_as_no_receipt() {
    let log = [
        sent("13:42:08", "1", "8190"),
        sent("13:42:09", "1", "8190"),
        dlr("13:42:10", "1", "8190", 1, "id:1 stat:DELIVRD err:000"),
    ]
    .join("\n");
    let c = read_log(&log).unwrap();
    let seen: Vec<_> = c.seen.iter().map(|o| (o.sent_s % 60.0, o.state)).collect();
    assert_eq!(
        seen,
        [(8.0, FinalState::NoReceipt), (9.0, FinalState::Delivered)]
    );
}

#[test]
fn the_shipped_sample_from_a_real_kannel_reads_whole() {
    let text = std::fs::read_to_string("examples/records/kannel-access.log").unwrap();
    let c = read_log(&text).unwrap();
    assert_eq!(c.skipped, vec![]);
    assert_eq!(c.seen.len(), text.matches(" Sent SMS ").count());
    assert!(
        c.seen
            .iter()
            .all(|o| o.provider == "simsms" && o.final_s.is_some())
    );
}

#[test]
fn a_log_without_an_smsc_id_counts_under_provider_all() {
    let log = sent("13:42:08", "1", "8190").replace("[SMSC:simsms]", "[SMSC:]");
    let c = read_log(&log).unwrap();
    assert_eq!(
        (c.seen[0].provider.as_str(), c.seen[0].state),
        ("all", FinalState::NoReceipt)
    );
}

#[test]
fn beyond_the_pending_cap_the_longest_waiting_message_is_closed_as_no_receipt() {
    // Five messages sent, none answered until the end, with room for
    // three: the first two are closed as they are pushed out, and a DLR
    // that comes for one of them later matches nothing.
    let mut log: Vec<String> = (1..=5)
        .map(|i| sent("13:42:08", &i.to_string(), &format!("81900000000{i}")))
        .collect();
    log.push(dlr(
        "13:42:20",
        "1",
        "819000000001",
        1,
        "id:1 stat:DELIVRD err:000",
    ));
    log.push(dlr(
        "13:42:20",
        "5",
        "819000000005",
        1,
        "id:5 stat:DELIVRD err:000",
    ));
    let mut c = Collected::default();
    super::read_capped(log.join("\n").as_bytes(), &mut c, 3).unwrap();
    let states: Vec<_> = c
        .seen
        .iter()
        .map(|o| (o.number.as_str(), o.state))
        .collect();
    assert_eq!(
        states,
        [
            ("819000000001", FinalState::NoReceipt),
            ("819000000002", FinalState::NoReceipt),
            ("819000000005", FinalState::Delivered),
            ("819000000003", FinalState::NoReceipt),
            ("819000000004", FinalState::NoReceipt),
        ]
    );
    assert_eq!(
        c.skipped.len(),
        1,
        "the late DLR for message 1: {:?}",
        c.skipped
    );
    assert_eq!(c.skipped[0].line, 6);
}
