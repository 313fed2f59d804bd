//! One user's verification session (`docs/model.md` §2) as an event-driven
//! state machine: it is told what happened (arrival, a submission accepted
//! or refused, a code held, a receipt, a timer, the voice call's result)
//! and answers what to do next (send via a provider, wait, call by voice,
//! or done with an outcome).
//!
//! It never looks at the world itself, so every mode drives it the same
//! way: the batch engine knows each message's fate when it sends and feeds
//! the code's arrival time at once (possibly in the future); a load tester
//! facing a real SMSC feeds receipts as they come. While a sent message's
//! fate is unknown the machine waits for it, up to the user's patience.

use super::outcome::{Receipt, SessionOutcome};
use super::routing::Router;
use crate::scenario::{CarrierId, Otp, ProviderId};
use crate::units::Nanos;

/// What the session needs to know of the scenario.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy<'p> {
    pub otp: &'p Otp,
    pub router: Router<'p>,
}

/// Something that happened to the session, at the `now` passed with it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event {
    /// The user asked for a code.
    Arrived,
    /// The provider answered the submission the session asked for.
    Submitted { accepted: bool },
    /// The code of send `send` (made at `sent_at`) is in the user's hands
    /// from `at`; a driver that knows fates ahead may pass a later `at`.
    CodeHeld {
        send: u32,
        sent_at: Nanos,
        at: Nanos,
    },
    /// The message of send `send` reached a stranger who has the number.
    ReachedStranger { send: u32 },
    /// The message of send `send` ended without reaching a handset.
    NoCode { send: u32 },
    /// A delivery receipt for send `send` came back at `at`; "delivered"
    /// counts as the code held then, any other final state as no code.
    Receipt {
        send: u32,
        sent_at: Nanos,
        receipt: Receipt,
        at: Nanos,
    },
    /// The time the session asked to wait for has come.
    TimerFired,
    /// The voice call asked for: the code heard at this time, or `None`
    /// when nobody answered.
    VoiceResult { heard_at: Option<Nanos> },
}

/// What the driver should do next.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Action {
    /// Submit send `send` (failover `attempt`, 0 first) via `provider` now,
    /// then answer with `Event::Submitted`.
    Send {
        provider: ProviderId,
        send: u32,
        attempt: u32,
    },
    /// Nothing to do until `until` (then `Event::TimerFired`) or, with
    /// `None`, until the next event.
    Wait { until: Option<Nanos> },
    /// Place the voice call at `at`, then answer with `Event::VoiceResult`.
    CallVoice { at: Nanos },
    /// The session is over.
    Done(SessionEnd),
}

/// How a session ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SessionEnd {
    pub outcome: SessionOutcome,
    /// Arrival to holding a valid code, for a success.
    pub time_to_code: Option<Nanos>,
    pub sends: u32,
    pub voice_call: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    /// Asked for a submission; waiting for the provider's answer.
    Submitting,
    Waiting {
        until: Nanos,
        then: Next,
    },
    Calling,
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Next {
    Resend,
    Call,
    Finish,
}

/// A session in progress.
#[derive(Debug, Clone)]
pub struct OtpSession {
    id: u64,
    carrier: CarrierId,
    arrival: Nanos,
    deadline: Nanos,
    /// Sends started so far; the current one is `sends - 1`.
    sends: u32,
    attempt: u32,
    last_send_at: Nanos,
    /// Earliest moment the user holds a valid code so far, and which send.
    best: Option<(Nanos, u32)>,
    reached_user: bool,
    reached_stranger: bool,
    /// Messages accepted and messages whose fate has been told; the
    /// difference may still bring a code.
    accepted: u32,
    settled: u32,
    voice_call: bool,
    phase: Phase,
}

impl OtpSession {
    /// A session `id` (the key of its random streams) of a user on
    /// `carrier`, arriving at `arrival`.
    pub fn new(id: u64, carrier: CarrierId, arrival: Nanos, otp: &Otp) -> Self {
        OtpSession {
            id,
            carrier,
            arrival,
            deadline: arrival.saturating_add(otp.patience),
            sends: 0,
            attempt: 0,
            last_send_at: arrival,
            best: None,
            reached_user: false,
            reached_stranger: false,
            accepted: 0,
            settled: 0,
            voice_call: false,
            phase: Phase::Submitting,
        }
    }

    pub fn id(&self) -> u64 {
        self.id
    }

    pub fn arrival(&self) -> Nanos {
        self.arrival
    }

    /// Sends started so far.
    pub fn sends(&self) -> u32 {
        self.sends
    }

    pub fn is_done(&self) -> bool {
        self.phase == Phase::Done
    }

    /// Takes one event at `now` and answers what to do next.
    // Inlined so that a driver passing a known event kind pays no dispatch.
    #[inline(always)]
    pub fn handle(&mut self, policy: &SessionPolicy, now: Nanos, event: Event) -> Action {
        if self.phase == Phase::Done {
            return Action::Wait { until: None };
        }
        match event {
            Event::Arrived => self.start_send(policy, now),
            Event::Submitted { accepted: true } => {
                self.accepted += 1;
                self.decide(policy, now)
            }
            Event::Submitted { accepted: false } => self.fail_over(policy, now),
            Event::CodeHeld { send, sent_at, at } => {
                self.code_held(policy.otp, send, sent_at, at);
                self.after_settlement(policy, now)
            }
            Event::ReachedStranger { .. } => {
                self.settled += 1;
                self.reached_stranger = true;
                self.after_settlement(policy, now)
            }
            Event::NoCode { .. } => {
                self.settled += 1;
                self.after_settlement(policy, now)
            }
            Event::Receipt {
                send,
                sent_at,
                receipt,
                at,
            } => {
                let told = if receipt == Receipt::Delivered {
                    Event::CodeHeld { send, sent_at, at }
                } else {
                    Event::NoCode { send }
                };
                self.handle(policy, now, told)
            }
            Event::TimerFired => self.timer(policy, now),
            Event::VoiceResult { heard_at } => self.voice_result(policy, heard_at),
        }
    }

    fn start_send(&mut self, policy: &SessionPolicy, now: Nanos) -> Action {
        if policy.otp.invalidate_previous {
            // Every code still to come from earlier sends arrives invalid.
            self.best = None;
        }
        self.sends += 1;
        self.attempt = 0;
        self.last_send_at = now;
        self.phase = Phase::Submitting;
        self.submit(policy, now)
    }

    /// Asks for the current send's next attempt, or decides when the
    /// routing policy has no provider left to try.
    fn submit(&mut self, policy: &SessionPolicy, now: Nanos) -> Action {
        let send = self.sends - 1;
        match policy
            .router
            .provider(self.id, self.carrier, send, self.attempt)
        {
            Some(provider) => Action::Send {
                provider,
                send,
                attempt: self.attempt,
            },
            None => self.decide(policy, now),
        }
    }

    fn fail_over(&mut self, policy: &SessionPolicy, now: Nanos) -> Action {
        self.attempt += 1;
        self.submit(policy, now)
    }

    #[inline]
    fn code_held(&mut self, otp: &Otp, send: u32, sent_at: Nanos, at: Nanos) {
        self.settled += 1;
        self.reached_user = true;
        let superseded = otp.invalidate_previous && send + 1 < self.sends;
        let valid = !superseded && at <= sent_at.saturating_add(otp.ttl);
        if valid && self.best.is_none_or(|(b, _)| at < b) {
            self.best = Some((at, send));
        }
    }

    /// A fate told while submitting is folded into the decision that
    /// follows the submission; while waiting, it may end the wait.
    #[inline]
    fn after_settlement(&mut self, policy: &SessionPolicy, now: Nanos) -> Action {
        match self.phase {
            Phase::Waiting { .. } => self.decide(policy, now),
            _ => Action::Wait { until: None },
        }
    }

    fn unsettled(&self) -> bool {
        self.accepted > self.settled
    }

    /// The best code if the user holds it by `by`.
    fn code_by(&self, by: Nanos) -> Option<(Nanos, SessionOutcome)> {
        self.best
            .filter(|(at, _)| *at <= by)
            .map(|(at, send)| (at, SessionOutcome::SuccessBySms { send }))
    }

    /// After a send (or news while waiting): done, resend later, call, or
    /// wait for codes still in flight.
    fn decide(&mut self, policy: &SessionPolicy, now: Nanos) -> Action {
        let otp = policy.otp;
        // A code already in hand ends it (a live driver learns codes late).
        if let Some(success) = self.code_by(now.min(self.deadline)) {
            return self.finish(Some(success));
        }
        let resend_at = self.last_send_at.saturating_add(otp.resend_after);
        if let Some(success) = self.code_by(resend_at.min(self.deadline)) {
            return self.finish(Some(success));
        }
        if self.sends < otp.max_sends && resend_at <= self.deadline {
            return self.wait(resend_at, Next::Resend);
        }
        // The last send is made: a code, the voice call, or patience ends it.
        if let Some(call_at) = self.voice_call_time(otp) {
            if self.unsettled() && now < call_at {
                return self.wait(call_at, Next::Call);
            }
            self.phase = Phase::Calling;
            return Action::CallVoice { at: call_at };
        }
        if self.unsettled() {
            return self.wait(self.deadline, Next::Finish);
        }
        self.finish(self.code_by(self.deadline))
    }

    /// When the voice call would be placed, if it would be: after the last
    /// send, within patience, and not after a code already held.
    fn voice_call_time(&self, otp: &Otp) -> Option<Nanos> {
        let voice = otp.voice.as_ref()?;
        let call_at = self.last_send_at.saturating_add(voice.after);
        let sms_first = self
            .code_by(self.deadline)
            .is_some_and(|(at, _)| at <= call_at);
        (!sms_first && call_at <= self.deadline).then_some(call_at)
    }

    fn wait(&mut self, until: Nanos, then: Next) -> Action {
        self.phase = Phase::Waiting { until, then };
        Action::Wait { until: Some(until) }
    }

    fn timer(&mut self, policy: &SessionPolicy, now: Nanos) -> Action {
        let Phase::Waiting { until, then } = self.phase else {
            return Action::Wait { until: None };
        };
        if now < until {
            return Action::Wait { until: Some(until) };
        }
        match then {
            Next::Resend => self.start_send(policy, now),
            Next::Call => {
                self.phase = Phase::Calling;
                Action::CallVoice { at: until }
            }
            Next::Finish => self.finish(self.code_by(self.deadline)),
        }
    }

    fn voice_result(&mut self, policy: &SessionPolicy, heard_at: Option<Nanos>) -> Action {
        self.voice_call = true;
        let otp = policy.otp;
        // The call's code replaces any SMS code still to come.
        let mut success = if otp.invalidate_previous {
            None
        } else {
            self.code_by(self.deadline)
        };
        if let Some(heard) = heard_at
            && heard <= self.deadline
            && success.is_none_or(|(at, _)| heard < at)
        {
            success = Some((heard, SessionOutcome::SuccessByVoice));
        }
        if success.is_none() && !otp.invalidate_previous && self.unsettled() {
            return self.wait(self.deadline, Next::Finish);
        }
        self.finish(success)
    }

    fn finish(&mut self, success: Option<(Nanos, SessionOutcome)>) -> Action {
        self.phase = Phase::Done;
        let outcome = match success {
            Some((_, outcome)) => outcome,
            None if self.reached_user => SessionOutcome::NoCodeInTime,
            None if self.reached_stranger => SessionOutcome::WrongPersonOnly,
            None => SessionOutcome::GaveUp,
        };
        Action::Done(SessionEnd {
            outcome,
            time_to_code: success.map(|(at, _)| at - self.arrival),
            sends: self.sends,
            voice_call: self.voice_call,
        })
    }
}

#[cfg(test)]
mod tests;
