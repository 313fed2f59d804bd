//! Properties over random scenarios: conservation (every message and every
//! session ends exactly once) and determinism (same seed, same bytes, any
//! thread count).

mod common;

use common::scenario;
use proptest::prelude::*;
use simsms::model::Outcome;
use simsms::report::render_table;
use simsms::simulation::run_replication;

#[derive(Debug, Clone)]
struct Knobs {
    rate: u32,
    minutes: u32,
    typo: f64,
    stale: f64,
    filter: f64,
    tps: Option<u32>,
    capacity: u32,
    max_queue: u32,
    max_sends: u32,
    invalidate: bool,
    voice: bool,
    policy: usize,
    absent: bool,
    hlr: bool,
    churn: f64,
    outage: Option<(usize, usize, u32, u32)>,
    seed: u64,
}

fn knobs() -> impl Strategy<Value = Knobs> {
    (
        (
            1u32..40,
            2u32..12,
            0.0..0.2f64,
            0.0..0.2f64,
            0.0..0.5f64,
            proptest::option::of(1u32..60),
        ),
        (
            1u32..500,
            1u32..600,
            1u32..5,
            any::<bool>(),
            any::<bool>(),
            0usize..4,
        ),
        (
            any::<bool>(),
            any::<bool>(),
            0.0..0.2f64,
            proptest::option::of((0usize..5, 0usize..4, 0u32..10, 1u32..10)),
            0u64..i64::MAX as u64,
        ),
    )
        .prop_map(|(a, b, c)| Knobs {
            rate: a.0,
            minutes: a.1,
            typo: a.2,
            stale: a.3,
            filter: a.4,
            tps: a.5,
            capacity: b.0,
            max_queue: b.1,
            max_sends: b.2,
            invalidate: b.3,
            voice: b.4,
            policy: b.5,
            absent: c.0,
            hlr: c.1,
            churn: c.2,
            outage: c.3,
            seed: c.4,
        })
}

fn scenario_text(k: &Knobs) -> String {
    let routing = [
        "policy = \"single\"\nprovider = \"a\"",
        "policy = \"weighted\"\nweights = { a = 0.3, b = 0.7 }",
        "policy = \"by_carrier\"\ncarriers = { x = \"b\" }\ndefault = \"a\"",
        "policy = \"failover\"\norder = [\"a\", \"b\"]",
    ][k.policy];
    let tps = k.tps.map_or(String::new(), |t| format!("tps = \"{t}/s\""));
    let voice = if k.voice {
        "[otp.voice]\nsuccess = 0.7\nlatency = \"20s\"\ncost = 3.0"
    } else {
        ""
    };
    let presence = if k.absent {
        "[users.presence]\npresent = { mean = \"20m\" }\nabsent = { median = \"5m\", p99 = \"2h\" }"
    } else {
        ""
    };
    let outage = k.outage.map_or(String::new(), |(target, effect, start, len)| {
        let target = ["provider = \"a\"", "carrier = \"x\"", "route = \"international\"", "carrier = \"y\"\nroute = \"domestic\"", "provider = \"b\""][target];
        let effect = ["\"reject\"", "\"store\"", "\"drop\"", "\"delay\"\nextra_latency = { median = \"1m\", p99 = \"5m\" }"][effect];
        format!("[[outages]]\n{target}\nstart = \"{start}m\"\nduration = \"{len}m\"\neffect = {effect}")
    });
    format!(
        r#"
[scenario]
name = "prop"
duration = "{minutes}m"
seed = {seed}
replications = 2
[traffic]
rate = "{rate}/s"
bursts = [{{ start = "1m", duration = "1m", multiplier = 3.0 }}]
[users]
typo = {typo}
stale = {stale}
recycled = 0.5
{presence}
[otp]
resend_after = "30s"
max_sends = {max_sends}
ttl = "3m"
invalidate_previous = {invalidate}
patience = "4m"
{voice}
[mnp]
churn = {churn}
[providers.a]
route = "international"
{tps}
queue_capacity = {capacity}
max_queue_time = "{max_queue}s"
lookup = "database"
lookup_lag = "20d"
billing = "delivered"
price = 5.0
[providers.a.receipts]
probability = 0.8
filtered_as = "delivered"
[providers.b]
route = "domestic"
lookup = "none"
price = 9.0
[routing]
{routing}
[routes.international]
latency = {{ median = "5s", p99 = "60s" }}
loss = 0.05
[carriers.x]
share = 0.6
intl_filter = {filter}
reject_overseas = 0.1
sender_blocked = 0.05
post_port_intl_failure = 0.5
smsc = {{ retry = ["1m", "10m"], validity = "2h", hlr_alert = {hlr} }}
misrouted = {{ action = "reject" }}
[carriers.y]
share = 0.4
spam_filter = {filter}
not_sms_capable = 0.1
smsc = {{ retry = ["2m"], validity = "30m" }}
misrouted = {{ action = "forward", extra_latency = "5s", intl_failure = 0.3 }}
{outage}
"#,
        minutes = k.minutes,
        seed = k.seed,
        rate = k.rate,
        typo = k.typo,
        stale = k.stale,
        max_sends = k.max_sends,
        invalidate = k.invalidate,
        churn = k.churn,
        capacity = k.capacity,
        max_queue = k.max_queue,
        filter = k.filter,
        hlr = k.hlr,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn every_message_and_session_ends_exactly_once(k in knobs()) {
        let sc = scenario(&scenario_text(&k));
        for r in 0..2 {
            let m = run_replication(&sc, r);
            let arrivals: u64 = m.timeline.arrivals.iter().sum();
            prop_assert_eq!(m.total_sessions(), arrivals, "sessions ended != sessions arrived");
            prop_assert_eq!(m.total_messages(), m.submissions, "outcomes != submissions");
            let sends: u64 = m.sessions.iter().map(|s| s.sends).sum();
            if k.policy == 3 {
                prop_assert!(m.submissions >= sends);
            } else {
                prop_assert_eq!(m.submissions, sends);
            }
            let reached: u64 = m.messages.iter().map(|c| c.outcomes[Outcome::Delivered as usize] + c.outcomes[Outcome::DeliveredWrongPerson as usize]).sum();
            prop_assert_eq!(m.timeline.deliveries.iter().sum::<u64>(), reached);
            prop_assert_eq!(*m.timeline.stored().last().unwrap(), 0, "messages left in SMSC storage");
            let latencies: u64 = m.messages.iter().map(|c| c.latency.len()).sum();
            prop_assert_eq!(latencies, reached);
            let successes: u64 = m.sessions.iter().map(|s| s.successes()).sum();
            let ttc: u64 = m.sessions.iter().map(|s| s.time_to_code.len()).sum();
            prop_assert_eq!(ttc, successes);
        }
    }

    #[test]
    fn same_seed_same_bytes_whatever_the_thread_count(k in knobs()) {
        let sc = scenario(&scenario_text(&k));
        let one = render_table(&sc, &simsms::simulate(&sc, "prop.toml", 1));
        let two = render_table(&sc, &simsms::simulate(&sc, "prop.toml", 2));
        let again = render_table(&sc, &simsms::simulate(&sc, "prop.toml", 2));
        prop_assert_eq!(&one, &two);
        prop_assert_eq!(&two, &again);
    }
}
