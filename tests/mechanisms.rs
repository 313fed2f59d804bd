//! Each mechanism of the model, end to end, in a world simple enough that
//! the exact answer is known.

mod common;

use common::*;
use simsms::des::{Purpose, RngStreams};
use simsms::model::{
    Hygiene, MessageRequest, Outcome, PresenceCursor, Receipt, SessionEndKind, User, World,
};
use simsms::scenario::{CarrierId, ProviderId};
use simsms::units::{NANOS_PER_MIN, NANOS_PER_SEC};

fn world(provider: &str, carrier: &str, otp: &str, extra: &str) -> String {
    format!(
        r#"
[scenario]
name = "mechanism"
duration = "30m"
seed = 3
replications = 2
[traffic]
rate = "10/s"
[otp]
{otp}
[providers.p]
route = "international"
{provider}
[providers.q]
route = "domestic"
[routing]
policy = "single"
provider = "p"
[carriers.c]
share = 1.0
{carrier}
{extra}
"#
    )
}

fn user(sc: &simsms::scenario::Scenario, hygiene: Hygiene) -> User {
    let mut u = User::draw(sc, &RngStreams::new(1, 0), 0, 0);
    u.hygiene = hygiene;
    u.presence = PresenceCursor::start(
        &sc.users.presence,
        RngStreams::new(1, 0).stream(Purpose::Presence, 0, 0),
        0,
    );
    u
}

/// The fate of session 0's first message to a correct number, sent on
/// provider 0 at `sent_at` through a fresh queue and carrier memory.
fn send_one_at(w: &World, sc: &simsms::scenario::Scenario, sent_at: u64) -> simsms::model::Fate {
    let mut queue = w.provider_queues().remove(0);
    let req = MessageRequest {
        session: 0,
        send: 0,
        attempt: 0,
        arrival: sent_at,
        sent_at,
        provider: ProviderId::new(0),
        segments: 1,
    };
    w.resolve(
        (&mut queue, &mut simsms::model::CarrierMemory::new(sc)),
        &user(sc, Hygiene::Correct),
        &req,
    )
}

#[test]
fn one_message_is_resolved_on_demand_with_exact_timing() {
    let sc = scenario(&world(
        "submit_latency = \"100ms\"\nprice = 4.0",
        "radio_delay = \"1s\"",
        "",
        "[routes.international]\nlatency = \"2s\"",
    ));
    let w = World::new(std::sync::Arc::new(sc.clone()), 0);
    let mut queue = w.provider_queues().remove(0);
    let req = MessageRequest {
        session: 0,
        send: 0,
        attempt: 0,
        arrival: 0,
        sent_at: 5 * NANOS_PER_SEC,
        provider: ProviderId::new(0),
        segments: 1,
    };
    let fate = w.resolve(
        (&mut queue, &mut simsms::model::CarrierMemory::new(&sc)),
        &user(&sc, Hygiene::Correct),
        &req,
    );
    assert_eq!(fate.outcome, Outcome::Delivered);
    assert_eq!(fate.delivered_at(), Some(5 * NANOS_PER_SEC + 3_100_000_000));
    // Every stage's moment: queued, left the provider after the 100 ms
    // submit latency, reached the carrier after 2 s of transit, one SMSC
    // attempt on arrival, handed to the handset after the 1 s radio delay.
    assert_eq!(fate.queued_at, Some(5 * NANOS_PER_SEC));
    assert_eq!(fate.left_provider_at, Some(5_100_000_000));
    assert_eq!(fate.reached_carrier_at, Some(7_100_000_000));
    let visit = fate.smsc.expect("reached the SMSC");
    let smsc = &sc.carriers[0].smsc;
    assert_eq!(
        visit.attempt_times(smsc).collect::<Vec<_>>(),
        vec![7_100_000_000]
    );
    assert_eq!(visit.delivered_at, Some(8_100_000_000));
    assert_eq!(fate.receipt, Receipt::Delivered);
    assert_eq!(fate.cost, 4.0);
    let typo = w.resolve(
        (&mut queue, &mut simsms::model::CarrierMemory::new(&sc)),
        &user(&sc, Hygiene::Typo),
        &req,
    );
    assert_eq!(typo.outcome, Outcome::Undeliverable);
    let recycled = w.resolve(
        (&mut queue, &mut simsms::model::CarrierMemory::new(&sc)),
        &user(&sc, Hygiene::Recycled),
        &req,
    );
    assert_eq!(recycled.outcome, Outcome::DeliveredWrongPerson);
    assert_eq!(
        recycled.receipt,
        Receipt::Delivered,
        "the provider cannot tell a recycled number"
    );
}

#[test]
fn a_port_is_recent_for_a_window_that_ends_exactly_a_window_after_it() {
    let sc = scenario(&world("", "", "", ""));
    let mut u = user(&sc, Hygiene::Correct);
    u.port_age = None;
    assert!(
        !u.ported_within(NANOS_PER_MIN, 0, 0),
        "a number that never ported"
    );
    // Ported 10 s before the session arrived at 5 s: its age at time t is
    // 10 s + (t - 5 s), so a 20 s window holds it until t = 15 s, exclusive.
    u.port_age = Some(10 * NANOS_PER_SEC);
    let (window, arrival) = (20 * NANOS_PER_SEC, 5 * NANOS_PER_SEC);
    assert!(u.ported_within(window, arrival, arrival));
    assert!(u.ported_within(window, arrival, 15 * NANOS_PER_SEC - 1));
    assert!(!u.ported_within(window, arrival, 15 * NANOS_PER_SEC));
}

#[test]
fn radio_outage_stores_and_delivers_the_backlog_when_it_clears() {
    let sc = scenario(&world(
        "",
        "smsc = { retry = [\"1h\"], validity = \"72h\", hlr_alert = true }",
        "max_sends = 1",
        "[[outages]]\ncarrier = \"c\"\nstart = \"10m\"\nduration = \"5m\"\neffect = \"store\"",
    ));
    let m = merged(&sc);
    let cell = m.cell(ProviderId::new(0), CarrierId::new(0));
    assert_eq!(cell.outcomes[Outcome::Delivered as usize], cell.total());
    // Sent during [10m, 15m): each waits exactly until 15m; nobody else waits.
    let waited = cell.latency.len() - cell.latency.count_between(0, 0);
    let in_window: u64 = m.timeline.arrivals
        [m.timeline.index(10 * NANOS_PER_MIN)..m.timeline.index(15 * NANOS_PER_MIN)]
        .iter()
        .sum();
    assert_eq!(m.timeline.bucket, 150 * NANOS_PER_SEC);
    assert_eq!(waited, in_window);
    // No wait beyond the outage (HDR values are exact to 3 digits).
    assert!(cell.latency.max() <= 5 * 60_000 * 1001 / 1000);
    let at_clear = m.timeline.deliveries[m.timeline.index(15 * NANOS_PER_MIN)];
    assert!(
        at_clear >= waited,
        "backlog not delivered when the fault cleared"
    );
}

/// With HLR alert the SMSC tries a stored message twice: on arrival, and
/// when the radio comes back (or never, if the message expires first).
#[test]
fn hlr_alert_tries_on_arrival_and_once_more_at_the_reattach() {
    let sc = scenario(&world(
        "",
        "radio_delay = \"1s\"\nsmsc = { retry = [\"1h\"], validity = \"3m\", hlr_alert = true }",
        "max_sends = 1",
        "[[outages]]\ncarrier = \"c\"\nstart = \"10m\"\nduration = \"5m\"\neffect = \"store\"",
    ));
    let w = World::new(std::sync::Arc::new(sc.clone()), 0);
    let smsc = &sc.carriers[0].smsc;
    let send_at = |sent_at| send_one_at(&w, &sc, sent_at);
    let min = NANOS_PER_MIN;
    // Before the outage: one attempt, at once.
    let fate = send_at(5 * min);
    let visit = fate.smsc.expect("reached the SMSC");
    assert_eq!((visit.attempts, visit.last_attempt), (1, 5 * min));
    assert_eq!(fate.finished_at, 5 * min + NANOS_PER_SEC);
    assert_eq!(fate.stored(), None, "delivered at the first attempt");
    // Stored at 13m: tried then and at the reattach, 15m.
    let fate = send_at(13 * min);
    let visit = fate.smsc.expect("reached the SMSC");
    assert_eq!(visit.attempts, 2);
    assert_eq!(
        visit.attempt_times(smsc).collect::<Vec<_>>(),
        vec![13 * min, 15 * min]
    );
    assert_eq!(fate.outcome, Outcome::Delivered);
    assert_eq!(fate.finished_at, 15 * min + NANOS_PER_SEC);
    assert_eq!(fate.stored(), Some((13 * min, 15 * min)));
    // Stored at 11m with a 3m validity: it expires at 14m, before the
    // radio is back; only the first attempt was made.
    let fate = send_at(11 * min);
    let visit = fate.smsc.expect("reached the SMSC");
    assert_eq!(visit.attempts, 1);
    assert_eq!(visit.delivered_at, None);
    assert_eq!(fate.outcome, Outcome::ExpiredInSmsc);
    assert_eq!(fate.finished_at, 14 * min);
    assert_eq!(
        fate.stored(),
        Some((11 * min, 14 * min)),
        "held until it expired"
    );
}

#[test]
fn provider_reject_outage_refuses_and_failover_moves_on() {
    let outage =
        "[[outages]]\nprovider = \"p\"\nstart = \"0s\"\nduration = \"10m\"\neffect = \"reject\"";
    let sc = scenario(&world("", "", "max_sends = 1", outage));
    let m = merged(&sc);
    let arrivals_in_outage: u64 = m.timeline.arrivals[..m.timeline.index(10 * NANOS_PER_MIN)]
        .iter()
        .sum();
    assert_eq!(
        m.cell(ProviderId::new(0), CarrierId::new(0)).outcomes[Outcome::Refused as usize],
        arrivals_in_outage
    );

    let failover = world("", "", "max_sends = 1", outage).replace(
        "policy = \"single\"\nprovider = \"p\"",
        "policy = \"failover\"\norder = [\"p\", \"q\"]",
    );
    let m = merged(&scenario(&failover));
    assert_eq!(
        m.cell(ProviderId::new(1), CarrierId::new(0)).outcomes[Outcome::Delivered as usize],
        m.cell(ProviderId::new(0), CarrierId::new(0)).outcomes[Outcome::Refused as usize]
    );
    assert_eq!(m.sessions[0].successes(), m.sessions[0].total());
}

#[test]
fn drop_and_delay_outages() {
    let dropped = world(
        "",
        "",
        "max_sends = 1",
        "[[outages]]\nroute = \"international\"\nstart = \"0s\"\nduration = \"1h\"\neffect = \"drop\"",
    );
    let m = merged(&scenario(&dropped));
    assert_eq!(
        m.cell(ProviderId::new(0), CarrierId::new(0)).outcomes[Outcome::LostInTransit as usize],
        m.cell(ProviderId::new(0), CarrierId::new(0)).total()
    );
    assert_eq!(
        m.cell(ProviderId::new(0), CarrierId::new(0))
            .receipt_missing,
        m.cell(ProviderId::new(0), CarrierId::new(0)).total(),
        "lost messages get no receipt"
    );

    let delayed = world(
        "",
        "",
        "max_sends = 1",
        "[[outages]]\ncarrier = \"c\"\nstart = \"0s\"\nduration = \"1h\"\neffect = \"delay\"\nextra_latency = \"7s\"",
    );
    let m = merged(&scenario(&delayed));
    let h = &m.cell(ProviderId::new(0), CarrierId::new(0)).latency;
    assert_eq!(h.count_between(7_000, 7_000), h.len());
}

#[test]
fn queue_capacity_refuses_and_max_wait_expires() {
    // 10/s offered to 1/s: the queue fills to its capacity of 20.
    let sc = scenario(&world(
        "tps = \"1/s\"\nqueue_capacity = 20\nmax_queue_time = \"1h\"",
        "",
        "max_sends = 1",
        "",
    ));
    let m = merged(&sc);
    let c = m.cell(ProviderId::new(0), CarrierId::new(0));
    assert!(c.outcomes[Outcome::Refused as usize] > c.total() * 8 / 10);
    assert!(m.timeline.queue_depth[0].iter().all(|d| *d <= 20));
    let sc = scenario(&world(
        "tps = \"1/s\"\nmax_queue_time = \"10s\"",
        "",
        "max_sends = 1",
        "",
    ));
    let m = merged(&sc);
    let c = m.cell(ProviderId::new(0), CarrierId::new(0));
    assert!(c.outcomes[Outcome::ExpiredInQueue as usize] > c.total() * 8 / 10);
    let max_wait = m.queue_wait_total[0] / m.queue_admitted[0] as u128;
    assert!(max_wait <= 10 * NANOS_PER_SEC as u128);
}

#[test]
fn resends_invalidation_and_voice_fallback() {
    // Every SMS is filtered: three sends, then the voice call always works.
    let otp = "resend_after = \"30s\"\nmax_sends = 3\npatience = \"10m\"\n[otp.voice]\nafter = \"20s\"\nsuccess = 1.0\nlatency = \"15s\"\ncost = 2.0";
    let sc = scenario(&world("price = 1.0", "spam_filter = 1.0", otp, ""));
    let m = merged(&sc);
    let s = &m.sessions[0];
    assert_eq!(
        s.outcomes[SessionEndKind::SuccessVoice],
        s.total(),
        "all succeed by voice"
    );
    assert_eq!(s.sends, 3 * s.total());
    // Sends at 0, 30s, 60s; the call at 80s is heard at 95s.
    assert_eq!(s.time_to_code.count_between(95_000, 95_000), s.total());
    assert!(
        (s.cost - 5.0 * s.total() as f64).abs() < 1e-6,
        "3 SMS at 1.0 and a call at 2.0"
    );

    // A code that takes 45 s arrives after the resend at 30 s: valid unless
    // the resend invalidated it.
    let slow = "[routes.international]\nlatency = \"45s\"";
    let keep = scenario(&world(
        "",
        "",
        "resend_after = \"30s\"\nmax_sends = 2",
        slow,
    ));
    let m = merged(&keep);
    assert_eq!(m.sessions[0].success_by_send[0], m.sessions[0].total());
    let invalidate = scenario(&world(
        "",
        "",
        "resend_after = \"30s\"\nmax_sends = 2\ninvalidate_previous = true",
        slow,
    ));
    let m = merged(&invalidate);
    assert_eq!(m.sessions[0].success_by_send[1], m.sessions[0].total());
    assert_eq!(
        m.sessions[0].time_to_code.count_between(75_000, 75_000),
        m.sessions[0].total()
    );
}

#[test]
fn fake_delivered_receipts_and_billing_per_delivered() {
    let provider = "price = 3.0\nbilling = \"delivered\"\n[providers.p.receipts]\nprobability = 1.0\nfiltered_as = \"delivered\"";
    let sc = scenario(&world(provider, "intl_filter = 0.5", "max_sends = 1", ""));
    let report = simsms::simulate(&sc, "x", 2);
    let row = report.message_row("p", Some("c")).unwrap();
    assert_eq!(
        row.receipt_delivery.value, 1.0,
        "filtered messages reported as delivered"
    );
    let delivered = row.outcomes[Outcome::Delivered as usize];
    assert_proportion("delivered past a 50% filter", delivered, row.total, 0.5);
    assert!(
        (row.cost - 3.0 * row.total as f64).abs() < 1e-6,
        "fake receipts are billed too"
    );
}

#[test]
fn misrouted_messages_are_forwarded_with_extra_latency() {
    // Everyone ported a week ago on average; lookups by original range.
    let text = r#"
[scenario]
name = "forward"
duration = "10m"
seed = 2
replications = 2
[traffic]
rate = "10/s"
[otp]
max_sends = 1
[mnp]
churn = 1.0
[providers.p]
route = "domestic"
lookup = "none"
[routing]
policy = "single"
provider = "p"
[carriers.a]
share = 0.5
misrouted = { action = "forward", extra_latency = "4s" }
[carriers.b]
share = 0.5
misrouted = { action = "forward", extra_latency = "4s" }
"#;
    let m = merged(&scenario(text));
    let (a, b) = (
        m.cell(ProviderId::new(0), CarrierId::new(0)),
        m.cell(ProviderId::new(0), CarrierId::new(1)),
    );
    let misrouted = a.misrouted + b.misrouted;
    let forwarded = a.latency.count_between(4_000, 4_000) + b.latency.count_between(4_000, 4_000);
    assert!(misrouted > 0);
    assert_eq!(forwarded, misrouted);
    assert_eq!(
        a.outcomes[Outcome::Delivered as usize] + b.outcomes[Outcome::Delivered as usize],
        a.total() + b.total()
    );
}

/// A misrouted message the donor forwards fails on an international route
/// with the donor's `intl_failure` share, and never on a domestic one.
#[test]
fn forwarding_fails_only_international_misrouted_messages_at_their_share() {
    let text = r#"
[scenario]
name = "forward-intl"
duration = "1h"
seed = 3
replications = 2
[traffic]
rate = "20/s"
[otp]
max_sends = 1
[mnp]
churn = 1.0
[providers.intl]
route = "international"
lookup = "none"
[providers.dom]
route = "domestic"
lookup = "none"
[routing]
policy = "weighted"
weights = { intl = 0.5, dom = 0.5 }
[carriers.a]
share = 0.5
misrouted = { action = "forward", extra_latency = "1s", intl_failure = 0.3 }
[carriers.b]
share = 0.5
misrouted = { action = "forward", extra_latency = "1s", intl_failure = 0.3 }
"#;
    let m = merged(&scenario(text));
    let of = |provider: usize| {
        (0..2)
            .map(|c| m.cell(ProviderId::new(provider), CarrierId::new(c)))
            .fold((0, 0, 0), |(k, f, n), cell| {
                let failed = cell.outcomes[Outcome::Undeliverable as usize];
                (k + cell.misrouted, f + failed, n + cell.total())
            })
    };
    let ((intl_misrouted, intl_failed, _), (dom_misrouted, dom_failed, dom_total)) = (of(0), of(1));
    assert!(intl_misrouted > 10_000 && dom_misrouted > 10_000);
    assert_proportion(
        "failed of the misrouted, international",
        intl_failed,
        intl_misrouted,
        0.3,
    );
    assert_eq!(
        dom_failed, 0,
        "domestic: {dom_misrouted} of {dom_total} misrouted"
    );
}

#[test]
fn route_overrides_and_carrier_route_outages_apply_to_their_pair_only() {
    let text = r#"
[scenario]
name = "pairs"
duration = "10m"
seed = 4
replications = 2
[traffic]
rate = "10/s"
[otp]
max_sends = 1
[providers.intl]
route = "international"
[providers.dom]
route = "domestic"
[routing]
policy = "weighted"
weights = { intl = 0.5, dom = 0.5 }
[routes.international]
latency = "2s"
[routes.international.carriers.a]
latency = "9s"
loss = 1.0
[routes.domestic]
latency = "1s"
[carriers.a]
share = 0.5
[carriers.b]
share = 0.5
[[outages]]
carrier = "b"
route = "domestic"
start = "0s"
duration = "1h"
effect = "reject"
"#;
    let m = merged(&scenario(text));
    let (intl_a, intl_b, dom_a, dom_b) = (
        m.cell(ProviderId::new(0), CarrierId::new(0)),
        m.cell(ProviderId::new(0), CarrierId::new(1)),
        m.cell(ProviderId::new(1), CarrierId::new(0)),
        m.cell(ProviderId::new(1), CarrierId::new(1)),
    );
    assert_eq!(
        intl_a.outcomes[Outcome::LostInTransit as usize],
        intl_a.total(),
        "override loss"
    );
    assert_eq!(
        intl_b.latency.count_between(2_000, 2_000),
        intl_b.total(),
        "base international latency"
    );
    assert_eq!(
        dom_a.latency.count_between(1_000, 1_000),
        dom_a.total(),
        "domestic untouched by the override"
    );
    assert_eq!(
        dom_b.outcomes[Outcome::Undeliverable as usize],
        dom_b.total(),
        "carrier+route outage"
    );
    assert_eq!(
        intl_b.outcomes[Outcome::Delivered as usize],
        intl_b.total(),
        "other route kind unaffected"
    );
}

#[test]
fn redeciding_a_message_in_an_unchanged_world_gives_back_its_fate() {
    // `redeliver` re-decides the SMSC stage after an outage is injected,
    // "as if it had always been known": with nothing new known, every
    // message must end exactly as first decided, attempts and all. The
    // shipped scenario draws latencies before the SMSC and presence and
    // retries in it, so the SMSC stage must not depend on earlier draws.
    let sc = simsms::scenario::load(std::path::Path::new("scenarios/rakuten_mnp.toml"))
        .expect("shipped scenario");
    let w = World::new(std::sync::Arc::new(sc.clone()), 0);
    let mut queues = w.provider_queues();
    let mut carriers = simsms::model::CarrierMemory::new(&sc);
    let mut compared = 0;
    for session in 0..2_000u64 {
        let at = session * NANOS_PER_SEC;
        let user = w.user(session, at);
        let req = MessageRequest {
            session,
            send: 0,
            attempt: 0,
            arrival: at,
            sent_at: at,
            provider: ProviderId::new((session % 2) as usize),
            segments: 1,
        };
        let queue = &mut queues[req.provider.index()];
        let fate = w.resolve((queue, &mut carriers), &user, &req);
        let Some(again) = w.redeliver(&fate, &user, &req) else {
            assert!(fate.smsc.is_none(), "a message at the SMSC is re-decided");
            continue;
        };
        assert_eq!(again, fate, "session {session} changed with nothing new");
        compared += 1;
    }
    assert!(compared > 1_000, "only {compared} messages reached an SMSC");
}

#[test]
fn a_truncating_carrier_cuts_the_code_only_when_its_part_is_dropped() {
    // 200 characters, the code, 300 more: four GSM-7 parts of 153, the
    // code in the second. A carrier that keeps two parts keeps the code;
    // one that keeps one drops it, though the receipt says delivered.
    let body = format!("{}{{code}}{}", "a".repeat(200), "b".repeat(300));
    let fate_with_cap = |cap: u32| {
        let sc = scenario(&world(
            &format!("body = \"{body}\""),
            &format!("max_segments = {cap}\nmax_segments_action = \"truncate\""),
            "",
            "",
        ));
        let w = World::new(std::sync::Arc::new(sc.clone()), 0);
        let req = MessageRequest {
            session: 0,
            send: 0,
            attempt: 0,
            arrival: 0,
            sent_at: 0,
            provider: ProviderId::new(0),
            segments: 4,
        };
        w.resolve(
            (
                &mut w.provider_queues().remove(0),
                &mut simsms::model::CarrierMemory::new(&sc),
            ),
            &user(&sc, Hygiene::Correct),
            &req,
        )
    };
    let kept = fate_with_cap(2);
    assert_eq!(kept.outcome, Outcome::Delivered);
    assert!(!kept.code_cut, "the code's part is the last one kept");
    let cut = fate_with_cap(1);
    assert_eq!(cut.receipt, Receipt::Delivered);
    assert!(cut.code_cut, "the code's part was dropped");
}

/// A voice fallback call placed while the carrier's radio side is down (a
/// `store` outage) does not reach the user; before and after, it does,
/// heard the call's latency later. Nor does a call to a recycled number,
/// or one that is never answered.
#[test]
fn a_voice_call_during_a_radio_outage_is_not_heard() {
    let otp = "max_sends = 1\n[otp.voice]\nafter = \"20s\"\nsuccess = 1.0\nlatency = \"15s\"";
    let outage =
        "[[outages]]\ncarrier = \"c\"\nstart = \"10m\"\nduration = \"5m\"\neffect = \"store\"";
    let sc = scenario(&world("", "", otp, outage));
    let w = World::new(std::sync::Arc::new(sc.clone()), 0);
    let mut u = user(&sc, Hygiene::Correct);
    u.sms_capable = true;
    let (min, latency) = (NANOS_PER_MIN, u.voice_latency);
    assert_eq!(w.voice_call(&u, 5 * min), Some(5 * min + latency));
    assert_eq!(
        w.voice_call(&u, 12 * min),
        None,
        "placed while the radio is down"
    );
    assert_eq!(w.voice_call(&u, 16 * min), Some(16 * min + latency));
    // A recycled number's call reaches a stranger; a call that is never
    // answered (success 0) is not heard by a user who is there.
    u.hygiene = Hygiene::Recycled;
    assert_eq!(w.voice_call(&u, 5 * min), None, "recycled number");
    let unanswered = scenario(&world("", "", &otp.replace("1.0", "0.0"), outage));
    let w = World::new(std::sync::Arc::new(unanswered), 0);
    u.hygiene = Hygiene::Correct;
    assert_eq!(w.voice_call(&u, 5 * min), None, "never answered");
}

/// A `store` outage holds a message until the window ends, once: on a
/// provider the queue sends nothing until then, on a route the message is
/// held at the interconnect; outside the window nothing waits.
#[test]
fn a_store_outage_holds_a_message_until_the_window_ends() {
    let (min, sec) = (NANOS_PER_MIN, NANOS_PER_SEC);
    for target in ["provider = \"p\"", "route = \"international\""] {
        let outage = format!(
            "[[outages]]\n{target}\nstart = \"10m\"\nduration = \"5m\"\neffect = \"store\""
        );
        let extra = format!("[routes.international]\nlatency = \"2s\"\n{outage}");
        let sc = scenario(&world(
            "submit_latency = \"100ms\"",
            "radio_delay = \"1s\"",
            "max_sends = 1",
            &extra,
        ));
        let w = World::new(std::sync::Arc::new(sc.clone()), 0);
        let send_at = |sent_at| send_one_at(&w, &sc, sent_at);
        let (held, before) = (send_at(12 * min), send_at(5 * min));
        assert_eq!(held.outcome, Outcome::Delivered, "{target}");
        // Provider: 100 ms after the window; route: 2 s + 1 s after it.
        let after_window = if target.starts_with("provider") {
            100 * sec / 1000 + 3 * sec
        } else {
            3 * sec
        };
        assert_eq!(held.finished_at, 15 * min + after_window, "{target}");
        assert_eq!(before.finished_at, 5 * min + 3100 * sec / 1000, "{target}");
    }
}
