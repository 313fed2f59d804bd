//! The carrier's SMSC store-and-forward (`docs/model.md` §7): deliver at
//! once if the handset is reachable, else store and retry on the carrier's
//! schedule (or at reattach, with HLR alert) until the validity period
//! ends.

use super::outage::radio_down_until;
use super::outcome::Outcome;
use super::user::User;
use crate::des::SimRng;
use crate::scenario::{Scenario, Smsc};
use crate::units::Nanos;

/// A message's stay in the SMSC: when it arrived, how many delivery
/// attempts were made and when the last one was, and the delivery time
/// if one succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmscVisit {
    pub arrived: Nanos,
    pub attempts: u32,
    pub last_attempt: Nanos,
    /// Handed to the handset (after the radio delay); `None` if it expired.
    pub delivered_at: Option<Nanos>,
    pub expires_at: Nanos,
}

impl SmscVisit {
    /// From, until: the time it was held for a later attempt, if any.
    pub fn stored(&self) -> Option<(Nanos, Nanos)> {
        match self.delivered_at {
            None => Some((self.arrived, self.expires_at)),
            Some(_) if self.last_attempt > self.arrived => Some((self.arrived, self.last_attempt)),
            Some(_) => None,
        }
    }

    /// How the message ended, and when.
    pub fn end(&self, recycled_number: bool) -> (Outcome, Nanos) {
        match self.delivered_at {
            Some(at) if recycled_number => (Outcome::DeliveredWrongPerson, at),
            Some(at) => (Outcome::Delivered, at),
            None => (Outcome::ExpiredInSmsc, self.expires_at),
        }
    }

    /// The moment of every delivery attempt, in order: on arrival, then on
    /// the retry schedule, or, with HLR alert, at the reattach.
    pub fn attempt_times<'a>(&self, smsc: &'a Smsc) -> impl Iterator<Item = Nanos> + 'a {
        let visit = *self;
        let scheduled = (0..visit.attempts).scan(visit.arrived, move |t, step| {
            if step > 0 {
                let i = (step as usize - 1).min(smsc.retry.len() - 1);
                *t = t.saturating_add(smsc.retry[i]);
            }
            Some(*t)
        });
        let alerted = [visit.arrived, visit.last_attempt];
        let hlr = smsc.hlr_alert;
        scheduled.filter(move |_| !hlr).chain(
            alerted
                .into_iter()
                .take(visit.attempts as usize)
                .filter(move |_| hlr),
        )
    }
}

/// Stores and forwards a message that reached the SMSC of `user`'s carrier
/// at `arrived`.
pub fn store_and_forward(
    scenario: &Scenario,
    user: &User,
    arrived: Nanos,
    rng: &mut SimRng,
) -> SmscVisit {
    let carrier = scenario.carrier(user.carrier);
    let presence = &scenario.users.presence;
    let mut handset = user.presence.clone();
    let mut reachable = |t: Nanos| {
        radio_down_until(&scenario.outages, user.carrier, t).is_none() && handset.at(t, presence)
    };
    let expires_at = arrived.saturating_add(carrier.smsc.validity);
    let (attempt, attempts) = if reachable(arrived) {
        (Some(arrived), 1)
    } else if carrier.smsc.hlr_alert {
        let reattach = reattach(scenario, user, arrived, expires_at);
        (reattach, 1 + reattach.is_some() as u32)
    } else {
        retry_on_schedule(&carrier.smsc, arrived, expires_at, &mut reachable)
    };
    let delivered_at = attempt.map(|at| at + carrier.radio_delay.sample(rng));
    SmscVisit {
        arrived,
        attempts,
        last_attempt: attempt.unwrap_or(arrived),
        delivered_at,
        expires_at,
    }
}

/// With HLR alert: the first moment the handset is attached and the radio
/// is up, before expiry. Scheduled retries cannot find it reachable any
/// earlier.
fn reattach(scenario: &Scenario, user: &User, arrived: Nanos, expires_at: Nanos) -> Option<Nanos> {
    let presence = &scenario.users.presence;
    let mut handset = user.presence.clone();
    let mut t = arrived;
    loop {
        if t >= expires_at {
            return None;
        }
        if let Some(end) = radio_down_until(&scenario.outages, user.carrier, t) {
            t = end;
        } else if !handset.at(t, presence) {
            t = handset.period_end();
        } else {
            return Some(t);
        }
    }
}

/// Retries on the schedule (the last interval repeating) until one finds
/// the handset or the validity ends: the successful attempt, if any, and
/// the number of attempts made.
fn retry_on_schedule(
    smsc: &Smsc,
    arrived: Nanos,
    expires_at: Nanos,
    reachable: &mut impl FnMut(Nanos) -> bool,
) -> (Option<Nanos>, u32) {
    let mut t = arrived;
    let mut attempts = 1;
    loop {
        t = t.saturating_add(smsc.retry[(attempts as usize - 1).min(smsc.retry.len() - 1)]);
        if t >= expires_at {
            return (None, attempts);
        }
        attempts += 1;
        if reachable(t) {
            return (Some(t), attempts);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visit(attempts: u32, last: Nanos) -> SmscVisit {
        SmscVisit {
            arrived: 100,
            attempts,
            last_attempt: last,
            delivered_at: Some(last + 1),
            expires_at: 10_000,
        }
    }

    #[test]
    fn attempt_times_follow_the_schedule_with_the_last_interval_repeating() {
        let smsc = Smsc {
            retry: vec![10, 50],
            validity: 10_000,
            hlr_alert: false,
        };
        let v = visit(4, 210);
        assert_eq!(
            v.attempt_times(&smsc).collect::<Vec<_>>(),
            vec![100, 110, 160, 210]
        );
        assert_eq!(v.stored(), Some((100, 210)));
        let hlr = Smsc {
            hlr_alert: true,
            ..smsc
        };
        assert_eq!(
            visit(2, 777).attempt_times(&hlr).collect::<Vec<_>>(),
            vec![100, 777]
        );
        assert_eq!(visit(1, 100).stored(), None);
    }

    #[test]
    fn retries_step_through_the_schedule_then_repeat_its_last_interval() {
        // Intervals 10, 60, 300 after arrival at 0: attempts at 0 (the
        // first, on arrival), 10, 70, 370, 670, 970, 1270, ...
        let smsc = Smsc {
            retry: vec![10, 60, 300],
            validity: 2_000,
            hlr_alert: false,
        };
        let retries = |reachable_from: Nanos, expires_at: Nanos| {
            let mut asked = Vec::new();
            let mut reachable = |t: Nanos| {
                asked.push(t);
                t >= reachable_from
            };
            let result = retry_on_schedule(&smsc, 0, expires_at, &mut reachable);
            (result, asked)
        };
        let (found, asked) = retries(200, 2_000);
        assert_eq!(found, (Some(370), 4));
        assert_eq!(asked, vec![10, 70, 370]);
        let (found, asked) = retries(1_000, 2_000);
        assert_eq!(found, (Some(1270), 7));
        assert_eq!(asked, vec![10, 70, 370, 670, 970, 1270]);
        // Never reachable: the attempt due at 1270 falls after expiry.
        let (found, asked) = retries(Nanos::MAX, 1_000);
        assert_eq!(found, (None, 6));
        assert_eq!(asked, vec![10, 70, 370, 670, 970]);
        // A visit's attempt times are the moments the handset was tried.
        let v = SmscVisit {
            arrived: 0,
            attempts: 7,
            last_attempt: 1270,
            delivered_at: Some(1271),
            expires_at: 2_000,
        };
        assert_eq!(
            v.attempt_times(&smsc).collect::<Vec<_>>(),
            vec![0, 10, 70, 370, 670, 970, 1270]
        );
    }
}
