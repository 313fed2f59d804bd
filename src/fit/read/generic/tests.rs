use super::{check_columns, read, state_of};
use crate::fit::read::{FormatError, ReadOptions};
use crate::fit::{FinalState, Observation, Sink, Skip};

/// An observation as owned values, for tests to compare.
#[derive(Debug, Clone, PartialEq)]
pub struct Owned {
    pub number: String,
    pub session: Option<String>,
    pub provider: String,
    pub carrier: Option<String>,
    pub sent_s: f64,
    pub final_s: Option<f64>,
    pub state: FinalState,
    pub err: Option<u32>,
    pub segments: u32,
    pub price: Option<f64>,
    pub wall_clock: bool,
}

/// A sink that keeps owned copies of everything it is handed.
#[derive(Debug, Default)]
pub struct Collected {
    pub seen: Vec<Owned>,
    pub skipped: Vec<Skip>,
}

impl Sink for Collected {
    fn observe(&mut self, o: &Observation<'_>) {
        self.seen.push(Owned {
            number: o.number.into(),
            session: o.session.map(Into::into),
            provider: o.provider.into(),
            carrier: o.carrier.map(Into::into),
            sent_s: o.sent_s,
            final_s: o.final_s,
            state: o.state,
            err: o.err,
            segments: o.segments,
            price: o.price,
            wall_clock: o.wall_clock,
        });
    }
    fn skip(&mut self, skip: Skip) {
        self.skipped.push(skip);
    }
}

impl Collected {
    /// (line, reason) of every skip.
    pub fn skips(&self) -> Vec<(u64, &str)> {
        self.skipped
            .iter()
            .map(|s| (s.line, s.reason.as_str()))
            .collect()
    }
}

fn read_csv(text: &str, columns: &[(&str, &str)]) -> Result<Collected, FormatError> {
    let options = ReadOptions {
        format: None,
        columns: columns
            .iter()
            .map(|(n, h)| (n.to_string(), h.to_string()))
            .collect(),
    };
    let mut sink = Collected::default();
    read(text.as_bytes(), &options, &mut sink).map(|()| sink)
}

fn invalid(result: Result<Collected, FormatError>) -> (u64, String) {
    match result {
        Err(FormatError::Invalid { line, message }) => (line, message),
        other => panic!("expected an Invalid error, got {other:?}"),
    }
}

#[test]
fn good_rows_read_every_column() {
    let c = read_csv(
        "sent_at,number,status,provider,carrier,final_at,error_code,session,segments,price\n\
         2026-12-02T13:42:08Z,+819012345678,delivered,acme,docomo,2026-12-02T13:42:11.5Z,0,s1,2,-0.0075\n\
         2026-12-02 13:42:08,819012345679,DELIVRD,,,,,,,\n\
         1796218928.5,819012345670,undelivered,,,1796218940,30007,,,\n",
        &[],
    )
    .unwrap();
    assert_eq!(c.skipped, vec![]);
    let t = 1_796_218_928.0;
    let first = &c.seen[0];
    assert_eq!(first.number, "+819012345678");
    assert_eq!(first.provider, "acme");
    assert_eq!(first.carrier.as_deref(), Some("docomo"));
    assert_eq!(first.session.as_deref(), Some("s1"));
    assert_eq!((first.sent_s, first.final_s), (t, Some(t + 3.5)));
    assert_eq!(first.state, FinalState::Delivered);
    assert_eq!(
        (first.err, first.segments, first.price),
        (Some(0), 2, Some(0.0075))
    );
    assert!(first.wall_clock);
    let second = &c.seen[1];
    assert_eq!(
        (second.provider.as_str(), second.carrier.as_deref()),
        ("all", None)
    );
    assert_eq!(
        (second.sent_s, second.final_s, second.segments),
        (t, None, 1)
    );
    assert_eq!(second.state, FinalState::Delivered);
    // undelivered with Twilio's 30007 (filtered) reads as a rejection.
    assert_eq!(c.seen[2].state, FinalState::Rejected);
    assert_eq!(c.seen[2].sent_s, t + 0.5);
}

#[test]
fn status_words_map_through_the_vocabulary_and_the_common_words() {
    let mut w = String::new();
    let cases: [(&str, Option<u32>, FinalState); 14] = [
        ("DELIVRD", None, FinalState::Delivered),
        ("delivrd", None, FinalState::Delivered),
        ("Delivered", None, FinalState::Delivered),
        ("UNDELIV", Some(1), FinalState::Undeliverable),
        ("EXPIRED", None, FinalState::Expired),
        ("REJECTD", None, FinalState::Rejected),
        ("undelivered", Some(30003), FinalState::Expired),
        ("undelivered", Some(30005), FinalState::Undeliverable),
        ("failed", Some(30001), FinalState::Refused),
        ("failed", None, FinalState::Undeliverable),
        ("filtered", None, FinalState::Rejected),
        ("sent", None, FinalState::NoReceipt),
        ("queued", None, FinalState::NoReceipt),
        ("refused", None, FinalState::Refused),
    ];
    for (status, code, state) in cases {
        assert_eq!(
            state_of(status, code, &mut w),
            Some(state),
            "{status} {code:?}"
        );
    }
    assert_eq!(state_of("lost in space", None, &mut w), None);
}

#[test]
fn each_bad_row_is_a_counted_skip_with_its_line_and_a_stable_reason() {
    let c = read_csv(
        "sent_at,number,status,final_at,error_code,segments,price\n\
         2026-12-02T13:42:08Z,8190,delivered,,,,\n\
         yesterday,8190,delivered,,,,\n\
         2026-12-02T13:42:08Z,,delivered,,,,\n\
         2026-12-02T13:42:08Z,8190,,,,,\n\
         2026-12-02T13:42:08Z,8190,teleported,,,,\n\
         2026-12-02T13:42:08Z,8190,delivered,2026-12-02T13:42:07Z,,,\n\
         2026-12-02T13:42:08Z,8190,delivered,soon,,,\n\
         2026-12-02T13:42:08Z,8190,delivered,,E42,,\n\
         2026-12-02T13:42:08Z,8190,delivered,,,two,\n\
         2026-12-02T13:42:08Z,8190,delivered,,,,free\n\
         2026-12-02T13:42:08Z,8190,sent,2026-12-02T13:00:00Z,,,\n",
        &[],
    )
    .unwrap();
    assert_eq!(
        c.skips(),
        vec![
            (3, "unparsable sent_at"),
            (4, "no number"),
            (5, "no status"),
            (6, "unknown status"),
            (7, "final_at before sent_at"),
            (8, "unparsable final_at"),
            (9, "unparsable error_code"),
            (10, "unparsable segments"),
            (11, "unparsable price"),
        ]
    );
    // A status still on its way has no final time, whatever final_at says.
    assert_eq!(c.seen.len(), 2);
    assert_eq!(
        (c.seen[1].state, c.seen[1].final_s),
        (FinalState::NoReceipt, None)
    );
}

#[test]
fn a_missing_required_column_names_it_the_headers_found_and_the_hint() {
    let (line, message) = invalid(read_csv("Date,To,Status\n2026-12-02,8190,delivered\n", &[]));
    assert_eq!(line, 1);
    assert!(message.contains("no `sent_at` column"), "{message}");
    assert!(
        message.contains("the header has: Date, To, Status"),
        "{message}"
    );
    assert!(
        message.contains("--column sent_at=YOUR_HEADER"),
        "{message}"
    );
}

#[test]
fn an_empty_file_is_an_error_asking_for_the_header() {
    let (line, message) = invalid(read_csv("", &[]));
    assert_eq!(line, 1);
    assert!(message.contains("no header row"), "{message}");
}

#[test]
fn column_maps_a_teams_own_headers() {
    let c = read_csv(
        "\u{feff}Date,To,Status,Route\n2026-12-02 13:42:08,8190,delivered,acme\n",
        &[("sent_at", "Date"), ("number", "to"), ("provider", "Route")],
    )
    .unwrap();
    assert_eq!(c.skipped, vec![]);
    assert_eq!(c.seen[0].number, "8190");
    assert_eq!(c.seen[0].provider, "acme");
    assert_eq!(c.seen[0].sent_s, 1_796_218_928.0);
    // A mapped header that is not there is an error naming both.
    let (_, message) = invalid(read_csv(
        "Date,To,status\n",
        &[("sent_at", "Date"), ("number", "Phone")],
    ));
    assert!(
        message.contains("no column headed `Phone` (--column number=Phone)"),
        "{message}"
    );
}

#[test]
fn an_unknown_column_name_is_an_error_listing_the_names() {
    let (line, message) = invalid(read_csv("sent_at,number,status\n", &[("to", "Phone")]));
    assert_eq!(line, 1);
    assert!(message.contains("no column `to`"), "{message}");
    assert!(
        message.contains("sent_at, number, status, provider"),
        "{message}"
    );
    let twice = [("number".into(), "A".into()), ("number".into(), "B".into())];
    assert!(check_columns(&twice).unwrap_err().contains("twice"));
}

#[test]
fn a_two_megabyte_line_is_an_error_not_a_huge_allocation() {
    let mut text = String::from("sent_at,number,status\n2026-12-02T13:42:08Z,");
    text.push_str(&"9".repeat(2 << 20));
    text.push_str(",delivered\n");
    let (_, message) = invalid(read_csv(&text, &[]));
    assert!(message.contains("line 2"), "{message}");
    assert!(message.contains("longer than 1 MiB"), "{message}");
}

#[test]
fn the_shipped_sample_reads_whole_and_the_shipped_map_names_every_carrier() {
    let text = std::fs::read_to_string("examples/records/generic.csv").unwrap();
    let c = read_csv(&text, &[]).unwrap();
    assert_eq!(c.skipped, vec![]);
    assert_eq!(c.seen.len(), text.lines().count() - 1);
    let map = crate::fit::read::carrier_map::CarrierMap::load(std::path::Path::new(
        "examples/records/carriers.csv",
    ))
    .unwrap();
    for o in &c.seen {
        assert!(
            map.carrier_of(&o.number).is_some(),
            "no carrier for {}",
            o.number
        );
    }
}

#[test]
fn docs_list_every_column_and_status_word() {
    let docs = std::fs::read_to_string("docs/fit-formats.md").unwrap();
    for c in &super::COLUMNS {
        let row = format!(
            "| `{}` | {} |",
            c.name,
            if c.required { "yes" } else { "no" }
        );
        assert!(docs.contains(&row), "docs/fit-formats.md has no row {row}");
    }
    for (word, _) in &super::STATUS_WORDS {
        assert!(
            docs.contains(&format!("`{word}`")),
            "docs/fit-formats.md does not list `{word}`"
        );
    }
}

#[test]
fn read_file_tells_the_shipped_samples_apart_by_name_and_header() {
    for (path, n) in [
        ("examples/records/generic.csv", 60),
        ("examples/records/twilio-export.jsonl.gz", 48),
        ("examples/records/kannel-access.log", 30),
    ] {
        let mut c = Collected::default();
        crate::fit::read::read_file(std::path::Path::new(path), &ReadOptions::default(), &mut c)
            .unwrap();
        assert_eq!(c.seen.len(), n, "{path}");
        assert!(c.seen.iter().all(|o| o.wall_clock), "{path}");
    }
}
