//! The fate of one message, decided on demand: provider queue, submit,
//! number-portability lookup, route transit, misrouting at the donor, the
//! carrier's six ingress checks in `docs/model.md` §6 order, SMSC
//! store-and-forward, outages at every stage, receipts and billing.
//!
//! `World::resolve` is the single place this happens; the batch engine calls
//! it for every send and a live SMSC calls it for one message. The world
//! owns its scenario, so it can live in a server's shared state.

use super::chance::happens;
use super::outage;
use super::outcome::{Outcome, Receipt, charge};
use super::provider::{Admission, ProviderQueue};
use super::repeats::CarrierMemory;
use super::smsc::{SmscVisit, store_and_forward};
use super::user::{Hygiene, User};
use crate::des::{Purpose, RngStreams, SimRng};
use crate::scenario::{
    CarrierId, FilteredReceipt, Lookup, Misrouted, OutageTarget, OverCap, ProviderId, RouteKind,
    Scenario, TpsUnit,
};
use crate::units::Nanos;
use rand::Rng;
use std::sync::Arc;

/// One send to resolve.
#[derive(Debug, Clone, Copy)]
pub struct MessageRequest {
    /// The key of the session's random streams: a batch counter, or
    /// `number_key` of a live message's destination.
    pub session: u64,
    /// 0-based send number within the session.
    pub send: u32,
    /// 0-based failover attempt within the send.
    pub attempt: u32,
    /// When the session arrived (port ages are measured from then).
    pub arrival: Nanos,
    /// When the application sent it.
    pub sent_at: Nanos,
    pub provider: ProviderId,
    /// The parts it travels in (1 for a single-segment message): each is
    /// billed, counted against a per-segment TPS and may be lost.
    pub segments: u32,
}

impl MessageRequest {
    /// A message a live client submitted to `number` (its `send`-th to that
    /// number, 0-based) at `sent_at`: keyed by the number, so the same
    /// number always meets the same user and the same draws.
    pub fn for_number(number: &str, send: u32, provider: ProviderId, sent_at: Nanos) -> Self {
        MessageRequest {
            session: number_key(number),
            send,
            attempt: 0,
            arrival: sent_at,
            sent_at,
            provider,
            segments: 1,
        }
    }
}

/// A stable key for a phone number: FNV-1a over its digits, so "+81 90-1234"
/// and "+81901234" are one number. Written here because the standard
/// library's hasher is seeded per process and would not be reproducible.
pub fn number_key(number: &str) -> u64 {
    number
        .bytes()
        .filter(u8::is_ascii_digit)
        .fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
        })
}

/// Where and when a message ended, with what the provider told the app,
/// and the moment it passed each stage (what a live provider reports).
#[derive(Debug, Clone, PartialEq)]
pub struct Fate {
    pub outcome: Outcome,
    pub provider: ProviderId,
    /// The carrier the number is really on.
    pub carrier: CarrierId,
    pub sent_at: Nanos,
    /// Entered the provider's queue (after any provider outage delay).
    pub queued_at: Option<Nanos>,
    /// Left the provider: served at its TPS and submitted onward.
    pub left_provider_at: Option<Nanos>,
    /// Reached the number's carrier, before its ingress checks.
    pub reached_carrier_at: Option<Nanos>,
    /// The carrier's SMSC took it: when, and its delivery attempts.
    pub smsc: Option<SmscVisit>,
    /// When the message reached its final state (delivery time if delivered).
    pub finished_at: Nanos,
    /// Time spent waiting in the provider's queue, if admitted.
    pub queue_wait: Option<Nanos>,
    /// Routed to the donor network by a stale or missing portability lookup.
    pub misrouted: bool,
    pub receipt: Receipt,
    pub cost: f64,
    /// Delivered truncated by the carrier's segment cap, with the code in
    /// a part it dropped: the handset got a message but not the code.
    pub code_cut: bool,
}

impl Fate {
    fn new(req: &MessageRequest, carrier: CarrierId) -> Self {
        Fate {
            outcome: Outcome::Delivered,
            provider: req.provider,
            carrier,
            sent_at: req.sent_at,
            queued_at: None,
            left_provider_at: None,
            reached_carrier_at: None,
            smsc: None,
            finished_at: req.sent_at,
            queue_wait: None,
            misrouted: false,
            receipt: Receipt::Nothing,
            cost: 0.0,
            code_cut: false,
        }
    }

    /// Delivery time to a handset, if it reached one.
    pub fn delivered_at(&self) -> Option<Nanos> {
        self.outcome.reached_handset().then_some(self.finished_at)
    }

    /// When the SMSC held it for a later attempt: from, until.
    pub fn stored(&self) -> Option<(Nanos, Nanos)> {
        self.smsc.and_then(|visit| visit.stored())
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

impl Draws {
    /// The per-message undeliverable draw: the low bits of the post-port
    /// draw. A 53-bit uniform's bits below its top 26 are a uniform of
    /// their own, independent of the top bits to within 2⁻²⁶, and taking
    /// them leaves every other stream (and so every result without this
    /// key) as it was.
    fn undeliverable(&self) -> f64 {
        (self.post_port * (1u64 << 26) as f64).fract()
    }

    fn take(rng: &mut SimRng) -> Self {
        Draws {
            loss: rng.random(),
            misroute_failure: rng.random(),
            intl_filter: rng.random(),
            spam_filter: rng.random(),
            post_port: rng.random(),
            receipt: rng.random(),
        }
    }
}

/// One message on its way: what the stages share.
struct Transit<'a> {
    user: &'a User,
    req: &'a MessageRequest,
    kind: RouteKind,
    draws: Draws,
    rng: SimRng,
}

/// A stage either hands the message on at a time or ends it.
type Stage = Result<Nanos, (Outcome, Nanos)>;

/// The scenario and the random streams of one replication (or live run).
#[derive(Debug, Clone)]
pub struct World {
    pub scenario: Arc<Scenario>,
    pub streams: RngStreams,
}

impl World {
    pub fn new(scenario: Arc<Scenario>, replication: u64) -> Self {
        let streams = RngStreams::new(scenario.seed, replication);
        World { scenario, streams }
    }

    /// A fresh queue for every provider, each owning its limits.
    pub fn provider_queues(&self) -> Vec<ProviderQueue> {
        self.scenario
            .provider_ids()
            .map(|p| ProviderQueue::for_provider(&self.scenario, p))
            .collect()
    }

    /// The user behind session key `session`, arriving at `now`.
    pub fn user(&self, session: u64, now: Nanos) -> User {
        User::draw(&self.scenario, &self.streams, session, now)
    }

    /// The stream for one send; shared by every alternative.
    pub fn message_rng(&self, req: &MessageRequest) -> SimRng {
        self.send_stream(Purpose::Message, req)
    }

    /// The stream of one send's SMSC stage, apart from the stages before it
    /// so that `redeliver` can draw it again whatever those stages drew.
    fn smsc_rng(&self, req: &MessageRequest) -> SimRng {
        self.send_stream(Purpose::Smsc, req)
    }

    /// One stream per (session, send, attempt) for `purpose`.
    fn send_stream(&self, purpose: Purpose, req: &MessageRequest) -> SimRng {
        let send_attempt = ((req.send as u64) << 16) | req.attempt as u64;
        self.streams.stream(purpose, req.session, send_attempt)
    }

    /// Decides what happens to one message. `queue` is the provider's queue
    /// state, advanced by this submission.
    pub fn resolve(
        &self,
        (queue, carriers): (&mut ProviderQueue, &mut CarrierMemory),
        user: &User,
        req: &MessageRequest,
    ) -> Fate {
        let mut rng = self.message_rng(req);
        let draws = Draws::take(&mut rng);
        let mut transit = Transit {
            user,
            req,
            kind: self.scenario.provider(req.provider).route,
            draws,
            rng,
        };
        let mut fate = Fate::new(req, user.carrier);
        let (outcome, at) = match self.transit((queue, carriers), &mut transit, &mut fate) {
            Ok(_) => unreachable!("transit always ends"),
            Err(end) => end,
        };
        fate.outcome = outcome;
        fate.finished_at = at;
        fate.code_cut = outcome.reached_handset() && self.cuts_code(req, user.carrier);
        self.settle(&mut fate, &transit.draws, req.segments);
        fate
    }

    /// The carrier truncates this message below the part its code is in.
    fn cuts_code(&self, req: &MessageRequest, carrier: CarrierId) -> bool {
        let Some(cap) = self.scenario.carrier(carrier).max_segments else {
            return false;
        };
        let code_segment =
            (self.scenario.provider(req.provider).body.as_ref()).map_or(1, |b| b.code_segment);
        cap.action == OverCap::Truncate && req.segments > cap.count && code_segment > cap.count
    }

    /// Re-decides the SMSC stage of a message after the world changed (a
    /// radio outage injected at run time): from its arrival at the SMSC, as
    /// if the new outages had always been known. `None` if it never reached
    /// the SMSC. The message's own draws stay the same.
    pub fn redeliver(&self, fate: &Fate, user: &User, req: &MessageRequest) -> Option<Fate> {
        let visit = fate.smsc?;
        let mut rng = self.message_rng(req);
        let draws = Draws::take(&mut rng);
        let visit = store_and_forward(&self.scenario, user, visit.arrived, &mut self.smsc_rng(req));
        let mut redecided = fate.clone();
        let (outcome, at) = visit.end(user.hygiene == Hygiene::Recycled);
        redecided.smsc = Some(visit);
        redecided.outcome = outcome;
        redecided.finished_at = at;
        redecided.cost = 0.0;
        redecided.code_cut = outcome.reached_handset() && self.cuts_code(req, user.carrier);
        self.settle(&mut redecided, &draws, req.segments);
        Some(redecided)
    }

    /// Every stage in order; always ends with `Err((outcome, time))`.
    fn transit(
        &self,
        (queue, carriers): (&mut ProviderQueue, &mut CarrierMemory),
        m: &mut Transit,
        fate: &mut Fate,
    ) -> Stage {
        let t = self.at_provider(queue, m, fate)?;
        let (t, target) = self.to_carrier(m, fate, t)?;
        let t = self.at_donor(m, fate, target, t)?;
        let t = self.ingress(m, t)?;
        fate.reached_carrier_at = Some(t);
        let t = self.repeats(m, carriers, t)?;
        let t = self.checks(m, t)?;
        let visit = store_and_forward(&self.scenario, m.user, t, &mut self.smsc_rng(m.req));
        fate.smsc = Some(visit);
        Err(visit.end(m.user.hygiene == Hygiene::Recycled))
    }

    /// Provider outages, the queue and the submit latency.
    fn at_provider(&self, queue: &mut ProviderQueue, m: &mut Transit, fate: &mut Fate) -> Stage {
        let provider = self.scenario.provider(m.req.provider);
        let own = OutageTarget::Provider(m.req.provider);
        let sent = m.req.sent_at;
        // A `delay` outage slows this message after the queue: admitting it
        // late would break the queue's FIFO order and hold back every
        // later message behind the delayed one.
        let delay = self.outages(|target| target == own, sent, true, &mut m.rng)? - sent;
        let t = sent;
        fate.queued_at = Some(t);
        if !queue.take_number_slot(m.req.session, t) {
            return Err((Outcome::SendLimited, t));
        }
        let slots = match provider.tps_unit {
            TpsUnit::Segment => m.req.segments,
            TpsUnit::Message => 1,
        };
        let done = match queue.admit_slots(t, slots) {
            Admission::Full => return Err((Outcome::Refused, t)),
            Admission::Expired { at } => return Err((Outcome::ExpiredInQueue, at)),
            Admission::Sent { start, done } => {
                fate.queue_wait = Some(start - t);
                done
            }
        };
        let left = done + provider.submit_latency.sample(&mut m.rng) + delay;
        fate.left_provider_at = Some(left);
        Ok(left)
    }

    /// The portability lookup picks the network; then route outages,
    /// transit latency and loss. Returns the arrival and the target network.
    fn to_carrier(
        &self,
        m: &mut Transit,
        fate: &mut Fate,
        mut t: Nanos,
    ) -> Result<(Nanos, CarrierId), (Outcome, Nanos)> {
        let user = m.user;
        let actual = user.carrier;
        let target = match self.scenario.provider(m.req.provider).lookup {
            Lookup::Live => actual,
            Lookup::Database { lag } if user.ported_within(lag, m.req.arrival, t) => user.donor,
            Lookup::Database { .. } => actual,
            Lookup::None if user.port_age.is_some() => user.donor,
            Lookup::None => actual,
        };
        fate.misrouted = target != actual;
        let route = OutageTarget::Route(m.kind);
        t = match self.outages(|o| o == route, t, false, &mut m.rng) {
            Err((Outcome::Undeliverable, at)) => return Err((Outcome::Refused, at)),
            other => other?,
        };
        let leg = &self.scenario.routes[m.kind as usize][target.index()];
        let own = &self.scenario.provider(m.req.provider).legs[target.index()];
        t += own
            .latency
            .as_ref()
            .unwrap_or(&leg.latency)
            .sample(&mut m.rng);
        let loss = own.loss.unwrap_or(leg.loss);
        if happens(m.draws.loss, loss) || self.a_later_part_lost(m.req, loss) {
            return Err((Outcome::LostInTransit, t));
        }
        Ok((t, target))
    }

    /// Each part after the first is lost on its own draw: a message is
    /// lost when any part is. Drawn from a stream of their own, so a
    /// single-part message draws exactly what it always did.
    fn a_later_part_lost(&self, req: &MessageRequest, loss: f64) -> bool {
        if req.segments <= 1 || loss <= 0.0 {
            return false;
        }
        let mut rng = self.send_stream(Purpose::Part, req);
        (1..req.segments).any(|_| happens(rng.random(), loss))
    }

    /// The donor network forwards or rejects a misrouted message.
    fn at_donor(&self, m: &mut Transit, fate: &Fate, target: CarrierId, t: Nanos) -> Stage {
        if !fate.misrouted {
            return Ok(t);
        }
        match &self.scenario.carrier(target).misrouted {
            Misrouted::Reject => Err((Outcome::Undeliverable, t)),
            Misrouted::Forward {
                extra_latency,
                intl_failure,
            } => {
                let t = t + extra_latency.sample(&mut m.rng);
                if m.kind == RouteKind::International
                    && happens(m.draws.misroute_failure, *intl_failure)
                {
                    return Err((Outcome::Undeliverable, t));
                }
                Ok(t)
            }
        }
    }

    /// Ingress outages at the number's carrier (all routes or this one).
    fn ingress(&self, m: &mut Transit, t: Nanos) -> Stage {
        let actual = m.user.carrier;
        let kind = m.kind;
        let sender = m.req.provider;
        let applies = |target: OutageTarget| {
            target == OutageTarget::Carrier(actual)
                || target == OutageTarget::CarrierRoute(actual, kind)
                || target == OutageTarget::SenderAtCarrier(sender, actual)
        };
        self.outages(applies, t, false, &mut m.rng)
    }

    /// The carrier's repeat filter: every message reaching the carrier is
    /// counted against its number; past `after` within the window, each is
    /// filtered with the filter's probability. Counted in send order.
    fn repeats(&self, m: &Transit, carriers: &mut CarrierMemory, t: Nanos) -> Stage {
        let Some(filter) = self.scenario.carrier(m.user.carrier).repeat_filter else {
            return Ok(t);
        };
        let counts = carriers.of(m.user.carrier);
        let before = counts.count(m.req.session, t, filter.window);
        counts.record(m.req.session, t, filter.window);
        if before < filter.after as usize {
            return Ok(t);
        }
        let draw: f64 = self.send_stream(Purpose::Repeat, m.req).random();
        match happens(draw, filter.probability) {
            true => Err((Outcome::FilteredByCarrier, t)),
            false => Ok(t),
        }
    }

    /// The six ingress checks, in model order.
    fn checks(&self, m: &Transit, t: Nanos) -> Stage {
        let user = m.user;
        let carrier = self.scenario.carrier(user.carrier);
        let provider = self.scenario.provider(m.req.provider);
        let international = m.kind == RouteKind::International;
        if let Some(cap) = carrier.max_segments
            && m.req.segments > cap.count
            && cap.action == OverCap::Refuse
        {
            return Err((Outcome::Undeliverable, t));
        }
        // A filter holds per message (a fresh draw each send) or per number
        // (the user's draw, the same for every send in the run).
        let intl_filtered = happens(m.draws.intl_filter, carrier.intl_filter)
            || happens(user.intl_filter_draw, carrier.intl_filter_per_number);
        if international && intl_filtered {
            return Err((Outcome::FilteredByCarrier, t));
        }
        if happens(m.draws.spam_filter, carrier.spam_filter)
            || happens(user.spam_filter_draw, carrier.spam_filter_per_number)
        {
            return Err((Outcome::FilteredByCarrier, t));
        }
        if international && happens(user.reject_overseas_draw, carrier.reject_overseas) {
            return Err((Outcome::FilteredByUser, t));
        }
        let block_share = provider.sender_blocked.unwrap_or(carrier.sender_blocked);
        if happens(user.sender_block_draw, block_share) {
            return Err((Outcome::BlockedSender, t));
        }
        if international
            && user.ported_within(user.post_port_window, m.req.arrival, t)
            && happens(m.draws.post_port, carrier.post_port_intl_failure)
        {
            return Err((Outcome::Undeliverable, t));
        }
        if !user.sms_capable || matches!(user.hygiene, Hygiene::Typo | Hygiene::Stale) {
            return Err((Outcome::Undeliverable, t));
        }
        if carrier.undeliverable > 0.0 && happens(m.draws.undeliverable(), carrier.undeliverable) {
            return Err((Outcome::Undeliverable, t));
        }
        Ok(t)
    }

    /// Applies the outages selected by `applies` that cover `t` (see
    /// `outage::apply`).
    fn outages(
        &self,
        applies: impl Fn(OutageTarget) -> bool,
        t: Nanos,
        pause_is_queue: bool,
        rng: &mut SimRng,
    ) -> Stage {
        outage::apply(&self.scenario.outages, applies, t, pause_is_queue, rng)
    }

    /// The carrier's radio side is down at `t` (a carrier-wide `store` outage).
    pub fn radio_down_until(&self, carrier: CarrierId, t: Nanos) -> Option<Nanos> {
        outage::radio_down_until(&self.scenario.outages, carrier, t)
    }

    /// The voice fallback call placed at `call_at`: when the user hears the
    /// code, or `None` if the call does not reach them (wrong or dead
    /// number, handset absent, radio down, or simply not answered).
    pub fn voice_call(&self, user: &User, call_at: Nanos) -> Option<Nanos> {
        let voice = self.scenario.otp.voice.as_ref()?;
        let answered = user.hygiene == Hygiene::Correct
            && user.sms_capable
            && self.radio_down_until(user.carrier, call_at).is_none()
            && user
                .presence
                .clone()
                .at(call_at, &self.scenario.users.presence)
            && happens(user.voice_draw, voice.success);
        answered.then(|| call_at.saturating_add(user.voice_latency))
    }

    /// Receipt and price, from the truth and the provider's fidelity.
    fn settle(&self, fate: &mut Fate, draws: &Draws, segments: u32) {
        let provider = self.scenario.provider(fate.provider);
        fate.receipt = if fate.outcome.is_refusal() {
            Receipt::SubmitFailed
        } else if !happens(draws.receipt, provider.receipt_probability) {
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
                Outcome::Refused | Outcome::SendLimited => Receipt::SubmitFailed,
            }
        };
        fate.cost = charge(provider, fate.carrier, fate.outcome, fate.receipt, segments);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_undeliverable_draw_is_uniform_and_independent_of_the_post_port_draw() {
        // It is carved from the post-port draw's low bits; a number that is
        // both ported and undeliverable must be as likely as the product.
        let streams = RngStreams::new(7, 0);
        let n = 200_000;
        let (mut below, mut both, mut ported) = (0u32, 0u32, 0u32);
        for session in 0..n {
            let draws = Draws::take(&mut streams.stream(Purpose::Message, session, 0));
            let undeliverable = draws.undeliverable() < 0.3;
            let post_port = draws.post_port < 0.3;
            below += u32::from(undeliverable);
            ported += u32::from(post_port);
            both += u32::from(undeliverable && post_port);
        }
        let share = |k: u32| f64::from(k) / n as f64;
        // Binomial standard errors: 0.3 ± 0.001, 0.09 ± 0.0006; 5 of them.
        assert!((share(below) - 0.3).abs() < 0.005, "{}", share(below));
        assert!((share(ported) - 0.3).abs() < 0.005, "{}", share(ported));
        assert!((share(both) - 0.09).abs() < 0.003, "{}", share(both));
    }

    #[test]
    fn every_send_and_attempt_has_streams_of_its_own() {
        // A resend or a failover attempt must not replay an earlier
        // message's draws, before the SMSC or in it.
        let path = std::path::Path::new("scenarios/starter.toml");
        let world = World::new(std::sync::Arc::new(crate::scenario::load(path).unwrap()), 0);
        let mut firsts = std::collections::HashSet::new();
        for send in 0..3 {
            for attempt in 0..3 {
                let req = MessageRequest {
                    session: 11,
                    send,
                    attempt,
                    arrival: 0,
                    sent_at: 0,
                    provider: crate::scenario::ProviderId::new(0),
                    segments: 1,
                };
                firsts.insert(world.message_rng(&req).random::<u64>());
                firsts.insert(world.smsc_rng(&req).random::<u64>());
            }
        }
        assert_eq!(firsts.len(), 18, "two (send, attempt) pairs share a stream");
    }
}
