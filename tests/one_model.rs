//! One model for every mode: the same code answers for a batch run, for a
//! run paced by the wall clock, and for a single live message keyed by its
//! phone number.

mod common;

use common::*;
use simsms::des::RealClock;
use simsms::model::{MessageRequest, World, number_key};
use simsms::scenario::ProviderId;
use simsms::shard::metrics_to_json;
use simsms::simulation::{run_replication, run_replication_with_clock};
use std::sync::Arc;

const SMALL: &str = r#"
[scenario]
name = "small"
duration = "2m"
seed = 11
replications = 1
[traffic]
rate = "2/s"
[users]
typo = 0.05
presence = { present = { mean = "30m" }, absent = { mean = "5m" } }
[otp]
resend_after = "30s"
max_sends = 3
patience = "3m"
voice = { after = "20s", success = 0.8, latency = "15s", cost = 5.0 }
[providers.p]
route = "international"
tps = "1/s"
[routing]
policy = "single"
provider = "p"
[carriers.c]
share = 1.0
intl_filter = 0.2
smsc = { retry = ["1m"], validity = "1h", hlr_alert = false }
"#;

#[test]
fn a_wall_clock_run_measures_exactly_what_the_virtual_run_does() {
    let sc = scenario(SMALL);
    let virtual_run = run_replication(&sc, 0);
    // 100,000 simulated seconds per wall second: the 5-minute run takes
    // about 3 ms of wall time, paced event by event.
    let mut clock = RealClock::start(100_000.0);
    let started = std::time::Instant::now();
    let paced = run_replication_with_clock(Arc::new(sc), 0, &mut clock);
    assert!(virtual_run.total_sessions() > 100);
    assert_eq!(metrics_to_json(&paced), metrics_to_json(&virtual_run));
    // The last event is a resend or voice timer well after the arrivals.
    assert!(started.elapsed() >= std::time::Duration::from_micros(1_200));
}

#[test]
fn a_live_message_is_keyed_by_its_number_whatever_its_format() {
    assert_eq!(number_key("+81 90-1234-5678"), number_key("+819012345678"));
    assert_ne!(number_key("+819012345678"), number_key("+819012345679"));
    let sc = Arc::new(scenario(SMALL));
    let world = World::new(sc.clone(), 0);
    let fate_of = |number: &str| {
        let req = MessageRequest::for_number(number, 0, ProviderId::new(0), 1_000_000_000);
        let user = world.user(req.session, req.arrival);
        let mut queues = world.provider_queues();
        let mut carriers = simsms::model::CarrierMemory::new(&sc);
        world.resolve((&mut queues[0], &mut carriers), &user, &req)
    };
    // The same number meets the same user and the same draws every time.
    assert_eq!(fate_of("+81 90-1234-5678"), fate_of("+819012345678"));
    // Over many numbers the live path shows the model's filter and typo
    // shares: (1 − 0.05 typo) × (1 − 0.2 filter) reach the SMSC.
    let n = 4_000;
    let reached = (0..n)
        .filter(|i| fate_of(&format!("+8190{i:08}")).smsc.is_some())
        .count();
    let p = 0.95 * 0.8;
    let sd = (p * (1.0 - p) / n as f64).sqrt();
    let share = reached as f64 / n as f64;
    assert!((share - p).abs() < 3.29 * sd, "share {share}, expected {p}");
}
