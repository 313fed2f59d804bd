//! The sanity anchors of `docs/model.md` §11, each against its closed form with a
//! tolerance taken from a confidence interval.

mod common;

use common::*;
use simsms::model::Outcome;
use simsms::scenario::{CarrierId, ProviderId};

/// One carrier, one provider, everything instantaneous and perfect; the
/// `extra` text is spliced in to switch on one mechanism at a time.
fn base(provider: &str, carrier: &str, otp: &str, extra: &str) -> String {
    format!(
        r#"
[scenario]
name = "anchor"
duration = "1h"
seed = 7
replications = 10

[traffic]
rate = "20/s"

[otp]
max_sends = 1
{otp}

[providers.p]
route = "international"
{provider}

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

/// Provider 0's messages misrouted and sent, over carriers 0 and 1.
fn misrouted_of_two_carriers(m: &simsms::metrics::Metrics) -> (u64, u64) {
    (0..2)
        .map(|c| m.cell(ProviderId::new(0), CarrierId::new(c)))
        .fold((0, 0), |(k, n), cell| {
            (k + cell.misrouted, n + cell.total())
        })
}

#[test]
fn perfect_world_delivers_everything() {
    let sc = scenario(&base("", "", "", ""));
    let m = merged(&sc);
    let cell = m.cell(ProviderId::new(0), CarrierId::new(0));
    assert!(cell.total() > 600_000);
    assert_eq!(cell.outcomes[Outcome::Delivered as usize], cell.total());
    let s = &m.sessions[0];
    assert_eq!(s.successes(), s.total());
    assert_eq!(s.total(), cell.total());
}

#[test]
fn independent_filters_multiply_on_the_international_route() {
    let carrier = "intl_filter = 0.1\nspam_filter = 0.05\nreject_overseas = 0.2\nsender_blocked = 0.03\nnot_sms_capable = 0.04";
    let extra = "[users]\ntypo = 0.01\n[routes.international]\nloss = 0.02";
    let sc = scenario(&base("", carrier, "", extra));
    let m = merged(&sc);
    let cell = m.cell(ProviderId::new(0), CarrierId::new(0));
    let n = cell.total();
    let count = |o: Outcome| cell.outcomes[o as usize];
    // Each stage passes with its probability, in model order.
    let stages = [0.98, 0.9, 0.95, 0.8, 0.97];
    let pass: f64 = stages.iter().product::<f64>() * 0.96 * 0.99;
    assert_proportion("delivery", count(Outcome::Delivered), n, pass);
    assert_proportion("lost in transit", count(Outcome::LostInTransit), n, 0.02);
    let carrier_filtered = 0.98 * (0.1 + 0.9 * 0.05);
    assert_proportion(
        "carrier filters",
        count(Outcome::FilteredByCarrier),
        n,
        carrier_filtered,
    );
    assert_proportion(
        "user setting",
        count(Outcome::FilteredByUser),
        n,
        0.98 * 0.9 * 0.95 * 0.2,
    );
    assert_proportion(
        "sender block",
        count(Outcome::BlockedSender),
        n,
        0.98 * 0.9 * 0.95 * 0.8 * 0.03,
    );
    let reached_check6 = stages.iter().product::<f64>();
    assert_proportion(
        "undeliverable",
        count(Outcome::Undeliverable),
        n,
        reached_check6 * (1.0 - 0.96 * 0.99),
    );
}

#[test]
fn per_message_undeliverable_draws_afresh_where_per_number_never_passes() {
    // Two sends per session, a resend only when no code came. Per number
    // (0.2) every send fails; per message (0.1) each send of a capable
    // number fails independently.
    let carrier = "not_sms_capable = 0.2\nundeliverable = 0.1";
    let otp = "resend_after = \"5s\"\npatience = \"1m\"";
    let text = base("", carrier, otp, "").replace("max_sends = 1", "max_sends = 2");
    let sc = scenario(&text);
    let m = merged(&sc);
    let cell = m.cell(ProviderId::new(0), CarrierId::new(0));
    let s = &m.sessions[0];
    assert_proportion(
        "session success",
        s.successes(),
        s.total(),
        0.8 * (1.0 - 0.1 * 0.1),
    );
    // Sends per session: 2 for incapable numbers, 1.1 for capable ones.
    let sends = 0.2 * 2.0 + 0.8 * 1.1;
    let undeliverable = 0.2 * 2.0 + 0.8 * 1.1 * 0.1;
    assert_proportion(
        "undeliverable",
        cell.outcomes[Outcome::Undeliverable as usize],
        cell.total(),
        undeliverable / sends,
    );
}

#[test]
fn mistyped_and_stale_numbers_fail_and_recycled_ones_reach_a_stranger_at_their_shares() {
    // 10% mistyped; 20% stale, of which half were handed to someone else.
    let extra = "[users]\ntypo = 0.1\nstale = 0.2\nrecycled = 0.5";
    let sc = scenario(&base("", "", "", extra));
    let m = merged(&sc);
    let cell = m.cell(ProviderId::new(0), CarrierId::new(0));
    let n = cell.total();
    let count = |o: Outcome| cell.outcomes[o as usize];
    // Mistyped, and stale but not recycled: 0.1 + 0.2 × 0.5.
    assert_proportion("undeliverable", count(Outcome::Undeliverable), n, 0.2);
    assert_proportion(
        "reached a stranger",
        count(Outcome::DeliveredWrongPerson),
        n,
        0.2 * 0.5,
    );
    assert_proportion("delivered", count(Outcome::Delivered), n, 0.7);
}

#[test]
fn a_provider_s_own_leg_replaces_its_route_s_for_that_carrier_only() {
    // Two providers on the international route, half the sends each: the
    // route loses 2%, provider q's own leg to c loses 10% and takes 30 s.
    let text = base("", "", "", "[routes.international]\nloss = 0.02")
        .replace(
            "[routing]\npolicy = \"single\"\nprovider = \"p\"",
            "[providers.q]\nroute = \"international\"\ncarriers.c = { loss = 0.1, latency = \"30s\" }\n\n[routing]\npolicy = \"weighted\"\nweights = { p = 1, q = 1 }",
        );
    let sc = scenario(&text);
    let m = merged(&sc);
    let lost = |p: usize| {
        let cell = m.cell(ProviderId::new(p), CarrierId::new(0));
        (cell.outcomes[Outcome::LostInTransit as usize], cell.total())
    };
    let (k, n) = lost(0);
    assert_proportion("route loss, provider p", k, n, 0.02);
    let (k, n) = lost(1);
    assert_proportion("own loss, provider q", k, n, 0.1);
    // q's delivered messages all took its own 30 s; p's none.
    let q = m.cell(ProviderId::new(1), CarrierId::new(0));
    let p = m.cell(ProviderId::new(0), CarrierId::new(0));
    // (Milliseconds, to the histogram's precision.)
    assert!(q.latency.min() >= 29_900, "{}", q.latency.min());
    assert!(q.latency.max() <= 30_100, "{}", q.latency.max());
    assert_eq!(p.latency.max(), 0);
}

#[test]
fn international_only_filters_skip_the_domestic_route() {
    let carrier =
        "intl_filter = 0.1\nspam_filter = 0.05\nreject_overseas = 0.2\nsender_blocked = 0.03";
    let text = base("", carrier, "", "[routes.domestic]\nloss = 0.02")
        .replace("\"international\"", "\"domestic\"");
    let sc = scenario(&text);
    let m = merged(&sc);
    let cell = m.cell(ProviderId::new(0), CarrierId::new(0));
    let expected = 0.98 * 0.95 * 0.97;
    assert_proportion(
        "domestic delivery",
        cell.outcomes[Outcome::Delivered as usize],
        cell.total(),
        expected,
    );
}

#[test]
fn tps_limited_provider_is_an_m_d_1_queue() {
    // λ = 80/s, μ = 100/s: mean wait ρ / (2μ(1 − ρ)) = 0.02 s.
    let text = base("tps = \"100/s\"", "", "", "").replace("rate = \"20/s\"", "rate = \"80/s\"");
    let sc = scenario(&text);
    let waits: Vec<f64> = replications(&sc)
        .iter()
        .map(|m| m.queue_wait_total[0] as f64 / m.queue_admitted[0] as f64 / 1e9)
        .collect();
    let (rho, mu) = (0.8, 100.0);
    assert_mean(
        "M/D/1 mean wait (s)",
        &waits,
        rho / (2.0 * mu * (1.0 - rho)),
    );
}

const ABSENCE: &str = r#"
[users.presence]
present = { mean = "30m" }
absent = { mean = "10m" }
"#;

#[test]
fn fixed_retry_schedule_delivers_at_geometric_retry_counts() {
    // Two-state Markov handset: absent → present at α = 1/10 per minute,
    // present → absent at β = 1/30. After an absent start, P(present after r)
    // = π_P (1 − e^{−(α+β) r}); retries every r = 5 min are a geometric trial.
    let carrier = "smsc = { retry = [\"5m\"], validity = \"72h\", hlr_alert = false }";
    let sc = scenario(&base("", carrier, "", ABSENCE));
    let m = merged(&sc);
    let cell = m.cell(ProviderId::new(0), CarrierId::new(0));
    let n = cell.total();
    let (alpha, beta, r) = (1.0 / 10.0, 1.0 / 30.0, 5.0);
    let pi_present: f64 = alpha / (alpha + beta);
    let p_ap = pi_present * (1.0 - (-(alpha + beta) * r).exp());
    let p_aa = 1.0 - p_ap;
    let h = &cell.latency;
    let at = |minutes: u64| {
        let ms = minutes * 60_000;
        h.count_between(ms, ms)
    };
    assert_proportion("delivered at once", at(0), n, pi_present);
    assert_proportion("at the 1st retry", at(5), n, (1.0 - pi_present) * p_ap);
    assert_proportion(
        "at the 2nd retry",
        at(10),
        n,
        (1.0 - pi_present) * p_aa * p_ap,
    );
    assert_proportion(
        "at the 3rd retry",
        at(15),
        n,
        (1.0 - pi_present) * p_aa * p_aa * p_ap,
    );
}

#[test]
fn hlr_alert_delivers_after_the_remaining_absence() {
    // Exponential absence is memoryless: the delay of a stored message is
    // Exp(mean 10 min), so P(delay > 10 min | stored) = e^{-1}.
    let carrier = "smsc = { retry = [\"1h\"], validity = \"72h\", hlr_alert = true }";
    let sc = scenario(&base("", carrier, "", ABSENCE));
    let m = merged(&sc);
    let h = &m.cell(ProviderId::new(0), CarrierId::new(0)).latency;
    let stored = h.len() - h.count_between(0, 0);
    let beyond = h.len() - h.count_between(0, 600_000);
    assert_proportion("stored share", stored, h.len(), 0.25);
    assert_proportion(
        "delay beyond the mean absence",
        beyond,
        stored,
        (-1.0f64).exp(),
    );
    // Mean delay of stored messages: 10 min, sd 10 min.
    let stored_mean_ms = (h.mean() * h.len() as f64) / stored as f64;
    let half = Z999 * 600_000.0 / (stored as f64).sqrt();
    assert!(
        (stored_mean_ms - 600_000.0).abs() < half + 1.0,
        "mean delay {stored_mean_ms} ms"
    );
}

#[test]
fn lagging_portability_database_misroutes_c_l_over_30_days() {
    // Two carriers of equal share, churn c = 3%/month each: port-in rate c.
    // Port age ~ Exp(c per month), so the misrouted share is 1 − e^{−cL/30d}
    // ≈ c·L/30 days for small c·L.
    let text = r#"
[scenario]
name = "mnp"
duration = "1h"
seed = 11
replications = 10
[traffic]
rate = "20/s"
[otp]
max_sends = 1
[mnp]
churn = 0.03
[providers.p]
route = "domestic"
lookup = "database"
lookup_lag = "7d"
[routing]
policy = "single"
provider = "p"
[carriers.a]
share = 0.5
misrouted = { action = "reject" }
[carriers.b]
share = 0.5
misrouted = { action = "reject" }
"#;
    let sc = scenario(text);
    let m = merged(&sc);
    let (misrouted, total) = misrouted_of_two_carriers(&m);
    let cl: f64 = 0.03 * 7.0 / 30.0;
    let exact = 1.0 - (-cl).exp();
    // The relative error of the approximation is about c·L/2.
    assert!((exact - cl).abs() / cl < cl, "small-c·L approximation");
    assert_proportion("misrouted share", misrouted, total, exact);
    // Misrouted messages are rejected by the donor: the only failures.
    let undeliverable: u64 = (0..2)
        .map(|c| {
            m.cell(ProviderId::new(0), CarrierId::new(c)).outcomes[Outcome::Undeliverable as usize]
        })
        .sum();
    assert_eq!(undeliverable, misrouted);
}

#[test]
fn a_port_s_age_grows_from_the_session_s_arrival_not_from_the_run_s_start() {
    // A 60-day run against a database lagging 30 days: a number's port age
    // is drawn for the moment its session arrives, so a session on day 50
    // is misrouted as often as one on day 1: 1 − e^{−λL} with λ = c = 0.5
    // a month (two carriers of equal share, each porting to the other).
    let text = r#"
[scenario]
name = "mnp-long"
duration = "60d"
seed = 13
replications = 2
[traffic]
rate = "0.02/s"
[otp]
max_sends = 1
[mnp]
churn = 0.5
[providers.p]
route = "domestic"
lookup = "database"
lookup_lag = "30d"
[routing]
policy = "single"
provider = "p"
[carriers.a]
share = 0.5
misrouted = { action = "reject" }
[carriers.b]
share = 0.5
misrouted = { action = "reject" }
"#;
    let m = merged(&scenario(text));
    let (misrouted, total) = misrouted_of_two_carriers(&m);
    assert!(total > 150_000, "{total} messages");
    assert_proportion("misrouted share", misrouted, total, 1.0 - (-0.5f64).exp());
}

#[test]
fn without_a_lookup_exactly_the_numbers_that_ported_are_misrouted() {
    // No portability lookup: a message goes to the number's range holder,
    // so it is misrouted exactly when the number ported within the
    // remembered 60 days: 1 − e^{−2c} with c = 0.25 a month (two carriers
    // of equal share, each porting to the other). A number that never
    // ported goes to its own carrier, whatever donor it was drawn.
    let text = r#"
[scenario]
name = "mnp-none"
duration = "1h"
seed = 17
replications = 4
[traffic]
rate = "20/s"
[otp]
max_sends = 1
[mnp]
churn = 0.25
number_age = "60d"
[providers.p]
route = "domestic"
lookup = "none"
[routing]
policy = "single"
provider = "p"
[carriers.a]
share = 0.5
misrouted = { action = "reject" }
[carriers.b]
share = 0.5
misrouted = { action = "reject" }
"#;
    let m = merged(&scenario(text));
    let (misrouted, total) = misrouted_of_two_carriers(&m);
    assert!(total > 250_000, "{total} messages");
    assert_proportion("misrouted share", misrouted, total, 1.0 - (-0.5f64).exp());
}

#[test]
fn recently_ported_numbers_fail_international_messages_at_their_share() {
    // A number that ported within its post-port window (30 days here) fails
    // each international message with post_port_intl_failure = 0.4; it
    // ported within 30 days with probability 1 − e^{−c} for c = 0.5 a month
    // (two carriers of equal share, each porting to the other): 0.4 (1 −
    // e^{−0.5}) of international messages fail, and no domestic one does.
    let text = r#"
[scenario]
name = "post-port"
duration = "1h"
seed = 19
replications = 4
[traffic]
rate = "20/s"
[otp]
max_sends = 1
[mnp]
churn = 0.5
post_port_window = "30d"
[providers.intl]
route = "international"
lookup = "live"
[providers.dom]
route = "domestic"
lookup = "live"
[routing]
policy = "weighted"
weights = { intl = 0.5, dom = 0.5 }
[carriers.a]
share = 0.5
post_port_intl_failure = 0.4
[carriers.b]
share = 0.5
post_port_intl_failure = 0.4
"#;
    let m = merged(&scenario(text));
    let of = |provider: usize| {
        (0..2)
            .map(|c| m.cell(ProviderId::new(provider), CarrierId::new(c)))
            .fold((0, 0), |(k, n), cell| {
                (
                    k + cell.outcomes[Outcome::Undeliverable as usize],
                    n + cell.total(),
                )
            })
    };
    let ((intl_failed, intl), (dom_failed, dom)) = (of(0), of(1));
    assert!(intl > 100_000 && dom > 100_000, "{intl} and {dom} messages");
    let expected = 0.4 * (1.0 - (-0.5f64).exp());
    assert_proportion("international messages failed", intl_failed, intl, expected);
    assert_eq!(dom_failed, 0, "domestic messages never fail after a port");
}

#[test]
fn without_churn_or_with_live_lookups_portability_has_no_effect() {
    let carriers = |churn: f64, lookup: &str| {
        format!(
            r#"
[scenario]
name = "mnp-off"
duration = "20m"
seed = 5
replications = 3
[traffic]
rate = "20/s"
[mnp]
churn = {churn}
[providers.p]
route = "international"
lookup = "{lookup}"
{lag}
[routing]
policy = "single"
provider = "p"
[carriers.a]
share = 0.6
intl_filter = 0.1
[carriers.b]
share = 0.4
"#,
            lag = if lookup == "database" {
                "lookup_lag = \"30d\""
            } else {
                ""
            }
        )
    };
    let render = |text: &str| {
        let sc = scenario(text);
        let report = simsms::simulate(&sc, "x", 1);
        (
            report
                .merged
                .messages
                .iter()
                .map(|c| c.misrouted)
                .sum::<u64>(),
            simsms::report::render_table(&sc, &report),
        )
    };
    let (misrouted, baseline) = render(&carriers(0.0, "database"));
    assert_eq!(misrouted, 0);
    let (_, live_with_churn) = render(&carriers(0.05, "live"));
    let strip = |s: &str| s.lines().skip(1).collect::<Vec<_>>().join("\n");
    assert_eq!(
        strip(&baseline),
        strip(&live_with_churn),
        "churn with live lookups changed the results"
    );
}

/// The anchor world where each session sends up to 3 times, 10 s apart.
fn three_sends(provider: &str, carrier: &str) -> simsms::metrics::Metrics {
    let otp = "max_sends = 3\nresend_after = \"10s\"\npatience = \"10m\"";
    merged(&scenario(
        &base(provider, carrier, otp, "").replace("max_sends = 1\n", ""),
    ))
}

/// OTP success with three sends when each is filtered: a per-number filter
/// fails every send to the same numbers, a per-message one independently.
fn otp_success_with(carrier: &str) -> (u64, u64) {
    let m = three_sends("", carrier);
    let s = &m.sessions[0];
    (s.successes(), s.total())
}

#[test]
fn a_per_number_filter_defeats_resends_and_a_per_message_one_does_not() {
    let (k, n) = otp_success_with("intl_filter_per_number = 0.5");
    assert_proportion("per number 0.5, 3 sends", k, n, 0.5);
    let (k, n) = otp_success_with("intl_filter = 0.5");
    assert_proportion("per message 0.5, 3 sends", k, n, 1.0 - 0.5f64.powi(3));
}

#[test]
fn per_number_and_per_message_filters_mix_in_closed_form() {
    // 10% of numbers never get international SMS, and 2% of messages to
    // the rest are filtered: success = 0.9 × (1 − 0.02³).
    let (k, n) = otp_success_with("intl_filter_per_number = 0.1\nintl_filter = 0.02");
    assert_proportion("mixed intl filters", k, n, 0.9 * (1.0 - 0.02f64.powi(3)));
    // Two per-number filters draw independently: 0.9 × 0.8 get through;
    // with a per-message spam filter of 0.5 on top, × (1 − 0.5³).
    let carrier = "intl_filter_per_number = 0.1\nspam_filter_per_number = 0.2\nspam_filter = 0.5";
    let (k, n) = otp_success_with(carrier);
    assert_proportion(
        "two per-number filters and a per-message one",
        k,
        n,
        0.9 * 0.8 * 0.875,
    );
}

/// A block of one provider's sender at one carrier for a period: every
/// message of that provider reaching the carrier in the window is
/// filtered, and only those. Arrivals are uniform over the hour and
/// transit is instantaneous, so a 15-minute block filters a quarter.
#[test]
fn a_sender_block_filters_that_provider_at_that_carrier_for_its_window() {
    let extra = r#"
[[outages]]
provider = "p"
carrier = "c"
start = "15m"
duration = "15m"
effect = "filter"
"#;
    let sc = scenario(&base("", "", "", extra));
    let m = merged(&sc);
    let cell = m.cell(ProviderId::new(0), CarrierId::new(0));
    let filtered = cell.outcomes[Outcome::FilteredByCarrier as usize];
    assert_proportion("sender block", filtered, cell.total(), 0.25);
    assert_eq!(
        filtered + cell.outcomes[Outcome::Delivered as usize],
        cell.total()
    );
}

/// The provider's per-number send limit, counted exactly: every send is
/// filtered (so each session sends all 3, 10 s apart). With at most 2 per
/// 10 minutes the third is refused as send-limited, once per session; with
/// at most 2 per 15 s, the window has slid past the first by the third.
#[test]
fn the_per_number_send_limit_refuses_exactly_the_sends_beyond_it() {
    let counts = |limit: &str| {
        let provider = format!("per_number_limit = {limit}");
        let m = three_sends(&provider, "intl_filter_per_number = 1.0");
        let cell = m.cell(ProviderId::new(0), CarrierId::new(0));
        let sessions = m.sessions[0].total();
        let count = |o: Outcome| cell.outcomes[o as usize];
        (
            sessions,
            count(Outcome::SendLimited),
            count(Outcome::FilteredByCarrier),
        )
    };
    let (sessions, limited, filtered) = counts("{ count = 2, window = \"10m\" }");
    assert!(sessions > 600_000);
    assert_eq!(limited, sessions);
    assert_eq!(filtered, 2 * sessions);
    let (sessions, limited, filtered) = counts("{ count = 2, window = \"15s\" }");
    assert_eq!(limited, 0);
    assert_eq!(filtered, 3 * sessions);
}

/// The carrier's repeat filter: every session sends 3 times, 10 s apart
/// (no number takes SMS, so no code ever arrives). After 2 messages to a
/// number within 10 minutes the third is filtered with the probability:
/// all of them at 1.0, half at 0.5; a 15 s window has slid past the first.
#[test]
fn the_carrier_repeat_filter_filters_bursts_to_one_number() {
    let outcomes = |filter: &str| {
        let carrier = format!("not_sms_capable = 1.0\nrepeat_filter = {filter}");
        let m = three_sends("", &carrier);
        let cell = m.cell(ProviderId::new(0), CarrierId::new(0));
        let count = |o: Outcome| cell.outcomes[o as usize];
        let sessions = m.sessions[0].total();
        (
            sessions,
            count(Outcome::FilteredByCarrier),
            count(Outcome::Undeliverable),
        )
    };
    let (sessions, filtered, undeliverable) =
        outcomes("{ after = 2, window = \"10m\", probability = 1.0 }");
    assert!(sessions > 600_000);
    assert_eq!((filtered, undeliverable), (sessions, 2 * sessions));
    let (sessions, filtered, _) = outcomes("{ after = 2, window = \"10m\", probability = 0.5 }");
    assert_proportion("third sends filtered at 0.5", filtered, sessions, 0.5);
    let (sessions, filtered, undeliverable) =
        outcomes("{ after = 2, window = \"15s\", probability = 1.0 }");
    assert_eq!((filtered, undeliverable), (0, 3 * sessions));
}

/// A provider `delay` outage slows only the messages sent in its window:
/// the delayed ones leave late without holding the queue for the others
/// (a 10-minute window in an hour delays a sixth; the rest, far below the
/// provider's TPS, arrive at once).
#[test]
fn a_provider_delay_outage_delays_only_its_window() {
    let extra = r#"
[[outages]]
provider = "p"
start = "20m"
duration = "10m"
effect = "delay"
extra_latency = "10m"
"#;
    let sc = scenario(&base("tps = \"100/s\"", "", "", extra));
    let m = merged(&sc);
    let cell = m.cell(ProviderId::new(0), CarrierId::new(0));
    let prompt = cell.latency.count_between(0, 1_000);
    assert_proportion("arrived within 1 s", prompt, cell.total(), 5.0 / 6.0);
}

#[test]
fn every_outcome_share_has_an_interval_and_expectations_bound_it() {
    let expects = r#"
[[expect]]
metric = "share_carrier_filter"
min = 0.09
max = 0.11
mode = "interval"

[[expect]]
metric = "share_carrier_filter"
provider = "p"
max = 0.05

[[expect]]
metric = "session_share_success_sms"
carrier = "c"
min = 0.89
max = 0.91
mode = "interval"

[[expect]]
metric = "share_misrouted"
max = 0.0
"#;
    let sc = scenario(&base("", "spam_filter = 0.1", "", expects));
    let results = simsms::simulate_all(&sc, "shares.toml", 2);
    let report = results.reports[0].as_ref().unwrap();
    let row = report.message_row("p", None).unwrap();
    let widen = |e: simsms::stats::Estimate, expected: f64, what: &str| {
        assert_within(what, &e, expected, 10)
    };
    widen(
        row.shares[Outcome::FilteredByCarrier as usize],
        0.1,
        "filtered",
    );
    widen(row.shares[Outcome::Delivered as usize], 0.9, "delivered");
    assert_eq!(row.shares[Outcome::Refused as usize].value, 0.0);
    let sessions = report.session_row(None).unwrap();
    widen(sessions.shares[0], 0.9, "success by SMS");
    let passed: Vec<bool> = results.verdicts.iter().map(|v| v.passed).collect();
    assert_eq!(passed, [true, false, true, true]);
}

/// A GSM-7 body of `units` septets (the code included), so of a known
/// number of segments.
fn gsm_body(units: usize, code_first: bool) -> String {
    let filler = "x".repeat(units - 6);
    match code_first {
        true => format!("[message]\nbody = \"{{code}}{filler}\""),
        false => format!("[message]\nbody = \"{filler}{{code}}\""),
    }
}

#[test]
fn a_multipart_message_is_lost_when_any_part_is_and_billed_per_part() {
    // 400 septets: parts of 153, so three segments.
    let extra = format!(
        "{}\n[routes.international]\nloss = 0.1",
        gsm_body(400, true)
    );
    let sc = scenario(&base("price = 3.0", "", "", &extra));
    assert_eq!(sc.providers[0].segments(), 3);
    let m = merged(&sc);
    let cell = m.cell(ProviderId::new(0), CarrierId::new(0));
    assert_proportion(
        "lost, three parts",
        cell.outcomes[Outcome::LostInTransit as usize],
        cell.total(),
        1.0 - 0.9f64.powi(3),
    );
    // Billed per submitted message, each of its three segments at 3.
    let expected = 9.0 * cell.total() as f64;
    assert!(
        (cell.cost - expected).abs() < 1e-6 * expected,
        "{}",
        cell.cost
    );
}

#[test]
fn a_single_segment_body_changes_nothing() {
    let plain = merged(&scenario(&base("price = 3.0", "", "", "")));
    let short = merged(&scenario(&base(
        "price = 3.0",
        "",
        "",
        &gsm_body(160, true),
    )));
    let cell = |m: &simsms::metrics::Metrics| {
        let c = m.cell(ProviderId::new(0), CarrierId::new(0));
        (c.outcomes, c.total(), c.cost)
    };
    assert_eq!(cell(&plain), cell(&short));
}

#[test]
fn a_per_segment_tps_serves_each_part_as_a_message() {
    // Two segments each taking a slot of 100/s: μ = 50 messages/s; at
    // λ = 40/s, ρ = 0.8 and the M/D/1 mean wait is ρ / (2μ(1 − ρ)) = 0.04 s.
    let provider = "tps = \"100/s\"\ntps_unit = \"segment\"";
    let text =
        base(provider, "", "", &gsm_body(200, true)).replace("rate = \"20/s\"", "rate = \"40/s\"");
    let sc = scenario(&text);
    let waits: Vec<f64> = replications(&sc)
        .iter()
        .map(|m| m.queue_wait_total[0] as f64 / m.queue_admitted[0] as f64 / 1e9)
        .collect();
    let (rho, mu) = (0.8, 50.0);
    assert_mean(
        "M/D/1 mean wait, per-segment TPS (s)",
        &waits,
        rho / (2.0 * mu * (1.0 - rho)),
    );
}

#[test]
fn a_carrier_segment_cap_refuses_or_truncates_and_a_cut_code_never_arrives() {
    let run = |carrier: &str, code_first: bool| {
        let sc = scenario(&base("", carrier, "", &gsm_body(200, code_first)));
        let m = merged(&sc);
        let cell = m.cell(ProviderId::new(0), CarrierId::new(0));
        let s = &m.sessions[0];
        (
            cell.outcomes[Outcome::Undeliverable as usize],
            cell.outcomes[Outcome::Delivered as usize],
            cell.total(),
            s.successes(),
            s.total(),
        )
    };
    let (undeliverable, _, sent, successes, _) = run("max_segments = 1", true);
    assert_eq!(
        (undeliverable, successes),
        (sent, 0),
        "refused beyond the cap"
    );
    let (_, delivered, sent, successes, sessions) = run("max_segments = 2", true);
    assert_eq!((delivered, successes), (sent, sessions), "within the cap");
    let truncate = "max_segments = 1\nmax_segments_action = \"truncate\"";
    let (_, delivered, sent, successes, sessions) = run(truncate, true);
    assert_eq!(
        (delivered, successes),
        (sent, sessions),
        "code in the part kept"
    );
    let (_, delivered, sent, successes, _) = run(truncate, false);
    assert_eq!(
        (delivered, successes),
        (sent, 0),
        "code in the part dropped"
    );
}
