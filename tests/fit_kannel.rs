//! `simsms fit` reads a real Kannel's access log: bearerbox and smsbox
//! send OTPs through `simsms serve`, bearerbox writes its access log, and
//! the Kannel reader finds every message with the state `serve` decided
//! for it (serve's own `--events` records say which).
//!
//! Needs Kannel (tests/live/setup.sh installs it), so it is ignored by a
//! plain `cargo nextest run` and run by `--run-ignored all`, as `.ci/run`
//! does; run that way without Kannel, it fails.

mod common;

use common::Served;
use common::kannel::{Kannel, dlr_receiver};
use simsms::fit::read::{Format, ReadOptions, read_file};
use simsms::fit::{FinalState, Observation, Sink, Skip};
use std::collections::BTreeMap;
use std::path::Path;

const SCENARIO: &str = "tests/live/serve_scenario.toml";
const SAMPLE: &str = "examples/records/kannel-access.log";

/// Each number's state and provider, and the skips.
#[derive(Default)]
struct States {
    by_number: BTreeMap<String, (FinalState, String)>,
    observed: usize,
    skipped: Vec<Skip>,
}

impl Sink for States {
    fn observe(&mut self, o: &Observation<'_>) {
        self.observed += 1;
        self.by_number
            .insert(o.number.to_string(), (o.state, o.provider.to_string()));
    }
    fn skip(&mut self, skip: Skip) {
        self.skipped.push(skip);
    }
}

fn read(path: &Path, format: Format) -> States {
    let options = ReadOptions {
        format: Some(format),
        columns: vec![],
    };
    let mut states = States::default();
    read_file(path, &options, &mut states).unwrap();
    states
}

#[test]
#[ignore = "needs Kannel: apt-get install kannel, then --run-ignored all"]
fn the_kannel_reader_finds_every_message_with_the_state_serve_decided() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.csv");
    let served = Served::start_with(SCENARIO, "3600", &["--events", events.to_str().unwrap()]);
    let intl = served.address("intl");
    let (_, smpp_port) = intl.rsplit_once(':').unwrap();
    let kannel = Kannel::start(smpp_port, "access-log = \"@DIR@/access.log\"");
    let (dlr_port, _receipts) = dlr_receiver();
    let n = 30;
    for i in 0..n {
        kannel.send(
            &format!("8190{i:08}"),
            &format!("http://127.0.0.1:{dlr_port}/dlr?type=%d"),
        );
    }
    // Wait until the log has a final state for every message.
    let log = kannel.dir.path().join("access.log");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let finals = |log: &Path| {
        // Until bearerbox has logged its first message the log is only
        // start-up lines, which the reader rightly refuses: not yet.
        let options = ReadOptions {
            format: Some(Format::Kannel),
            columns: vec![],
        };
        let mut states = States::default();
        if read_file(log, &options, &mut states).is_err() {
            return 0;
        }
        let open = states
            .by_number
            .values()
            .filter(|(s, _)| *s == FinalState::NoReceipt);
        states.by_number.len() - open.count()
    };
    while finals(&log) < n && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let saved = dir.path().join("kannel-access.log");
    std::fs::copy(&log, &saved).unwrap();
    drop(kannel);
    assert!(served.stop(), "simsms serve did not exit cleanly");

    let kannel = read(&saved, Format::Kannel);
    let serve = read(&events, Format::Simsms);
    assert_eq!(
        kannel.skipped,
        vec![],
        "the reader skipped lines of a real log"
    );
    assert_eq!(kannel.observed, n, "one observation per message sent");
    assert_eq!(serve.observed, n, "serve's records of the messages");
    let kannel_states: BTreeMap<_, _> = kannel
        .by_number
        .iter()
        .map(|(number, (state, provider))| {
            assert_eq!(provider, "simsms", "the provider is the SMSC id");
            (number.clone(), *state)
        })
        .collect();
    let serve_states: BTreeMap<_, _> = serve
        .by_number
        .iter()
        .map(|(number, (state, _))| (number.clone(), *state))
        .collect();
    assert_eq!(
        kannel_states, serve_states,
        "the states the log says vs those serve decided"
    );
    let kinds: std::collections::BTreeSet<_> = kannel_states.values().collect();
    assert!(
        kinds.len() >= 2,
        "every message ended {kinds:?}: the comparison needs a mix"
    );
    assert!(
        !kinds.contains(&FinalState::NoReceipt),
        "a message without a final DLR: {kinds:?}"
    );
    eprintln!("Kannel access log: {n} messages, states {kinds:?}");
    if std::env::var_os("SIMSMS_WRITE_SAMPLES").is_some() {
        std::fs::copy(&saved, SAMPLE).unwrap();
    }
}
