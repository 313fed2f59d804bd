//! The fate of one message, decided on demand: provider queue, submit,
//! number-portability lookup, route transit, misrouting at the donor, the
//! carrier's six ingress checks in `model.md` §4 order, SMSC
//! store-and-forward, outages at every stage, receipts and billing.
//!
//! `World::resolve` is the single place this happens; the batch engine calls
//! it for every send and a live SMSC can call it for one message.

use super::outcome::{Outcome, Receipt};
use super::provider::{Admission, ProviderQueue};
use super::user::{Hygiene, User};
use crate::des::{Purpose, RngStreams, SimRng};
use crate::scenario::{
    Billing, FilteredReceipt, Lookup, Misrouted, OutageEffect, OutageTarget, RouteKind, Scenario,
};
use crate::units::Nanos;
use rand::Rng;

/// One send to resolve.
#[derive(Debug, Clone, Copy)]
pub struct MessageRequest {
    pub session: u64,
    /// 0-based send number within the session.
    pub send: u32,
    /// 0-based failover attempt within the send.
    pub attempt: u32,
    /// When the session arrived (port ages are measured from then).
    pub arrival: Nanos,
    /// When the application sent it.
    pub sent_at: Nanos,
    pub provider: usize,
}

/// Where and when a message ended, with what the provider told the app.
#[derive(Debug, Clone, PartialEq)]
pub struct Fate {
    pub outcome: Outcome,
    pub provider: usize,
    /// The carrier the number is really on.
    pub carrier: usize,
    pub sent_at: Nanos,
    /// When the message reached its final state (delivery time if delivered).
    pub finished_at: Nanos,
    /// Time spent waiting in the provider's queue, if admitted.
    pub queue_wait: Option<Nanos>,
    /// Routed to the donor network by a stale or missing portability lookup.
    pub misrouted: bool,
    /// When the SMSC held it for a later attempt: from, until.
    pub stored: Option<(Nanos, Nanos)>,
    pub receipt: Receipt,
    pub cost: f64,
}

impl Fate {
    /// Delivery time to a handset, if it reached one.
    pub fn delivered_at(&self) -> Option<Nanos> {
        self.outcome.reached_handset().then_some(self.finished_at)
    }
}

/// Uniform draws for one message, always taken in this order so that every
/// alternative sees the same numbers for the same send.
struct Draws {
    loss: f64,
    misroute_failure: f64,
    intl_filter: f64,
    spam_filter: f64,
    post_port: f64,
    receipt: f64,
}

/// The scenario plus indexes the fate function needs at speed.
#[derive(Debug, Clone)]
pub struct World<'s> {
    pub scenario: &'s Scenario,
    pub streams: RngStreams,
    /// Per provider: windows of `store` outages, when it sends nothing.
    provider_pauses: Vec<Vec<(Nanos, Nanos)>>,
}

enum Stage {
    Continue(Nanos),
    End(Outcome, Nanos),
}

impl<'s> World<'s> {
    pub fn new(scenario: &'s Scenario, replication: u64) -> Self {
        let provider_pauses = (0..scenario.providers.len())
            .map(|p| {
                scenario
                    .outages
                    .iter()
                    .filter(|o| {
                        o.target == OutageTarget::Provider(p) && o.effect == OutageEffect::Store
                    })
                    .map(|o| (o.start, o.end))
                    .collect()
            })
            .collect();
        World {
            scenario,
            streams: RngStreams::new(scenario.seed, replication),
            provider_pauses,
        }
    }

    /// The stream for one send; shared by every alternative.
    pub fn message_rng(&self, req: &MessageRequest) -> SimRng {
        self.streams.stream(
            Purpose::Message,
            req.session,
            ((req.send as u64) << 16) | req.attempt as u64,
        )
    }

    /// Decides what happens to one message. `queue` is the provider's queue
    /// state, advanced by this submission.
    pub fn resolve(&self, queue: &mut ProviderQueue, user: &User, req: &MessageRequest) -> Fate {
        let mut rng = self.message_rng(req);
        let draws = Draws {
            loss: rng.random(),
            misroute_failure: rng.random(),
            intl_filter: rng.random(),
            spam_filter: rng.random(),
            post_port: rng.random(),
            receipt: rng.random(),
        };
        let mut fate = Fate {
            outcome: Outcome::Delivered,
            provider: req.provider,
            carrier: user.carrier,
            sent_at: req.sent_at,
            finished_at: req.sent_at,
            queue_wait: None,
            misrouted: false,
            stored: None,
            receipt: Receipt::Nothing,
            cost: 0.0,
        };
        let (outcome, at) = match self.transit(queue, user, req, &draws, &mut rng, &mut fate) {
            Stage::End(outcome, at) => (outcome, at),
            Stage::Continue(_) => unreachable!("transit always ends"),
        };
        fate.outcome = outcome;
        fate.finished_at = at;
        self.settle(&mut fate, &draws);
        fate
    }

    fn transit(
        &self,
        queue: &mut ProviderQueue,
        user: &User,
        req: &MessageRequest,
        draws: &Draws,
        rng: &mut SimRng,
        fate: &mut Fate,
    ) -> Stage {
        let sc = self.scenario;
        let provider = &sc.providers[req.provider];
        let kind = provider.route;
        let mut t = req.sent_at;

        // Provider outages at submission (a `store` outage pauses the queue).
        t = match self.outage_stage(
            |target| target == OutageTarget::Provider(req.provider),
            t,
            true,
            rng,
        ) {
            Stage::Continue(t) => t,
            end => return end,
        };

        let admission = queue.admit(
            t,
            provider.service_time,
            provider.queue_capacity,
            provider.max_queue_time,
            &self.provider_pauses[req.provider],
        );
        let done = match admission {
            Admission::Full => return Stage::End(Outcome::Refused, t),
            Admission::Expired { at } => return Stage::End(Outcome::ExpiredInQueue, at),
            Admission::Sent { start, done } => {
                fate.queue_wait = Some(start - t);
                done
            }
        };
        t = done + provider.submit_latency.sample(rng);

        // Number-portability lookup decides which network gets the message.
        let actual = user.carrier;
        let target = match provider.lookup {
            Lookup::Live => actual,
            Lookup::Database { lag } if user.ported_within(lag, req.arrival, t) => user.donor,
            Lookup::Database { .. } => actual,
            Lookup::None if user.port_age.is_some() => user.donor,
            Lookup::None => actual,
        };
        fate.misrouted = target != actual;

        // Route transit to the target network.
        t = match self.outage_stage(|target| target == OutageTarget::Route(kind), t, false, rng) {
            Stage::Continue(t) => t,
            Stage::End(Outcome::Undeliverable, at) => return Stage::End(Outcome::Refused, at),
            end => return end,
        };
        let leg = &sc.routes[kind as usize][target];
        t += leg.latency.sample(rng);
        if draws.loss < leg.loss {
            return Stage::End(Outcome::LostInTransit, t);
        }

        // The donor network forwards or rejects a misrouted message.
        if fate.misrouted {
            match &sc.carriers[target].misrouted {
                Misrouted::Reject => return Stage::End(Outcome::Undeliverable, t),
                Misrouted::Forward {
                    extra_latency,
                    intl_failure,
                } => {
                    t += extra_latency.sample(rng);
                    if kind == RouteKind::International && draws.misroute_failure < *intl_failure {
                        return Stage::End(Outcome::Undeliverable, t);
                    }
                }
            }
        }

        // Ingress outages at the number's carrier (all routes or this one).
        let ingress = |target: OutageTarget| {
            target == OutageTarget::Carrier(actual)
                || target == OutageTarget::CarrierRoute(actual, kind)
        };
        t = match self.outage_stage(ingress, t, false, rng) {
            Stage::Continue(t) => t,
            end => return end,
        };

        // The six ingress checks, in model order.
        let carrier = &sc.carriers[actual];
        let international = kind == RouteKind::International;
        if international && draws.intl_filter < carrier.intl_filter {
            return Stage::End(Outcome::FilteredByCarrier, t);
        }
        if draws.spam_filter < carrier.spam_filter {
            return Stage::End(Outcome::FilteredByCarrier, t);
        }
        if international && user.reject_overseas_draw < carrier.reject_overseas {
            return Stage::End(Outcome::FilteredByUser, t);
        }
        let block_share = provider.sender_blocked.unwrap_or(carrier.sender_blocked);
        if user.sender_block_draw < block_share {
            return Stage::End(Outcome::BlockedSender, t);
        }
        if international
            && user.ported_within(user.post_port_window, req.arrival, t)
            && draws.post_port < carrier.post_port_intl_failure
        {
            return Stage::End(Outcome::Undeliverable, t);
        }
        if !user.sms_capable || matches!(user.hygiene, Hygiene::Typo | Hygiene::Stale) {
            return Stage::End(Outcome::Undeliverable, t);
        }

        self.store_and_forward(actual, user, t, rng, fate)
    }

    /// Applies the outages selected by `applies` that cover `t`. With
    /// `pause_is_queue`, a `store` outage is handled by the queue instead.
    fn outage_stage(
        &self,
        applies: impl Fn(OutageTarget) -> bool,
        mut t: Nanos,
        pause_is_queue: bool,
        rng: &mut SimRng,
    ) -> Stage {
        for outage in &self.scenario.outages {
            if !applies(outage.target) || !outage.covers(t) {
                continue;
            }
            match &outage.effect {
                OutageEffect::Reject => {
                    let outcome = match outage.target {
                        OutageTarget::Provider(_) => Outcome::Refused,
                        _ => Outcome::Undeliverable,
                    };
                    return Stage::End(outcome, t);
                }
                OutageEffect::Drop => return Stage::End(Outcome::LostInTransit, t),
                OutageEffect::Delay(extra) => t += extra.sample(rng),
                // A carrier-wide `store` is a radio outage, handled by the SMSC.
                OutageEffect::Store if matches!(outage.target, OutageTarget::Carrier(_)) => {}
                OutageEffect::Store if pause_is_queue => {}
                OutageEffect::Store => t = t.max(outage.end),
            }
        }
        Stage::Continue(t)
    }

    /// The carrier's radio side is down at `t` (a carrier-wide `store` outage).
    pub fn radio_down_until(&self, carrier: usize, t: Nanos) -> Option<Nanos> {
        self.scenario
            .outages
            .iter()
            .filter(|o| {
                o.target == OutageTarget::Carrier(carrier)
                    && o.effect == OutageEffect::Store
                    && o.covers(t)
            })
            .map(|o| o.end)
            .max()
    }

    /// SMSC store-and-forward: deliver now if the handset is reachable, else
    /// store and retry on schedule (and at reattach, with HLR alert) until the
    /// validity period ends.
    fn store_and_forward(
        &self,
        carrier_index: usize,
        user: &User,
        arrived: Nanos,
        rng: &mut SimRng,
        fate: &mut Fate,
    ) -> Stage {
        let carrier = &self.scenario.carriers[carrier_index];
        let presence = &self.scenario.users.presence;
        let mut handset = user.presence.clone();
        let mut reachable =
            |t: Nanos| self.radio_down_until(carrier_index, t).is_none() && handset.at(t, presence);
        let expiry = arrived.saturating_add(carrier.smsc.validity);

        let attempt = if reachable(arrived) {
            Some(arrived)
        } else if carrier.smsc.hlr_alert {
            // The first moment the handset is attached and the radio is up;
            // scheduled retries cannot find it reachable any earlier.
            let mut handset = user.presence.clone();
            let mut t = arrived;
            loop {
                if t >= expiry {
                    break None;
                }
                if let Some(end) = self.radio_down_until(carrier_index, t) {
                    t = end;
                } else if !handset.at(t, presence) {
                    t = handset.period_end();
                } else {
                    break Some(t);
                }
            }
        } else {
            let mut t = arrived;
            let mut step = 0;
            loop {
                t = t.saturating_add(carrier.smsc.retry[step.min(carrier.smsc.retry.len() - 1)]);
                step += 1;
                if t >= expiry {
                    break None;
                }
                if reachable(t) {
                    break Some(t);
                }
            }
        };
        match attempt {
            Some(at) => {
                if at > arrived {
                    fate.stored = Some((arrived, at));
                }
                let delivered = at + carrier.radio_delay.sample(rng);
                let outcome = if user.hygiene == Hygiene::Recycled {
                    Outcome::DeliveredWrongPerson
                } else {
                    Outcome::Delivered
                };
                Stage::End(outcome, delivered)
            }
            None => {
                fate.stored = Some((arrived, expiry));
                Stage::End(Outcome::ExpiredInSmsc, expiry)
            }
        }
    }

    /// Receipt and price, from the truth and the provider's fidelity.
    fn settle(&self, fate: &mut Fate, draws: &Draws) {
        let provider = &self.scenario.providers[fate.provider];
        fate.receipt = if fate.outcome == Outcome::Refused {
            Receipt::SubmitFailed
        } else if draws.receipt >= provider.receipt_probability {
            Receipt::Nothing
        } else {
            match fate.outcome {
                Outcome::Delivered | Outcome::DeliveredWrongPerson => Receipt::Delivered,
                Outcome::FilteredByCarrier | Outcome::FilteredByUser | Outcome::BlockedSender => {
                    match provider.filtered_receipt {
                        FilteredReceipt::Rejected => Receipt::Rejected,
                        FilteredReceipt::Undelivered => Receipt::Undelivered,
                        FilteredReceipt::Delivered => Receipt::Delivered,
                        FilteredReceipt::Nothing => Receipt::Nothing,
                    }
                }
                Outcome::ExpiredInSmsc | Outcome::ExpiredInQueue => Receipt::Expired,
                Outcome::Undeliverable => Receipt::Undelivered,
                Outcome::LostInTransit => Receipt::Nothing,
                Outcome::Refused => Receipt::SubmitFailed,
            }
        };
        let charged = match provider.billing {
            Billing::PerSubmitted => {
                !matches!(fate.outcome, Outcome::Refused | Outcome::ExpiredInQueue)
            }
            Billing::PerDelivered => fate.receipt == Receipt::Delivered,
        };
        if charged {
            fate.cost = provider.price[fate.carrier];
        }
    }
}
