//! The session machine alone, driven by hand-written events: no engine,
//! no world, no random draws.

use super::*;
use crate::des::RngStreams;
use crate::distribution::Distribution;
use crate::scenario::{Routing, Voice};

const S: Nanos = 1_000_000_000;

fn otp() -> Otp {
    Otp {
        resend_after: 60 * S,
        max_sends: 3,
        ttl: 300 * S,
        invalidate_previous: false,
        patience: 600 * S,
        target: 60 * S,
        voice: None,
    }
}

fn p(i: usize) -> ProviderId {
    ProviderId::new(i)
}

fn policy<'p>(otp: &'p Otp, routing: &'p Routing) -> SessionPolicy<'p> {
    SessionPolicy {
        otp,
        router: Router::new(routing, RngStreams::new(1, 0)),
    }
}

fn done(action: Action) -> SessionEnd {
    match action {
        Action::Done(end) => end,
        other => panic!("expected Done, got {other:?}"),
    }
}

#[test]
fn a_code_in_hand_ends_the_session_at_once() {
    let otp = otp();
    let routing = Routing::Single(p(0));
    let policy = policy(&otp, &routing);
    let mut s = OtpSession::new(1, CarrierId::new(0), 100 * S, &otp);
    let send = s.handle(&policy, 100 * S, Event::Arrived);
    assert_eq!(
        send,
        Action::Send {
            provider: p(0),
            send: 0,
            attempt: 0
        }
    );
    // A live driver: the provider accepts; the fate is not known yet.
    let wait = s.handle(&policy, 100 * S, Event::Submitted { accepted: true });
    assert_eq!(
        wait,
        Action::Wait {
            until: Some(160 * S)
        }
    );
    let receipt = Event::Receipt {
        send: 0,
        sent_at: 100 * S,
        receipt: Receipt::Delivered,
        at: 105 * S,
    };
    let end = done(s.handle(&policy, 105 * S, receipt));
    assert_eq!(end.outcome, SessionOutcome::SuccessBySms { send: 0 });
    assert_eq!(end.time_to_code, Some(5 * S));
    assert_eq!(end.sends, 1);
}

#[test]
fn a_receipt_after_the_ttl_is_no_code_and_the_user_resends() {
    let mut otp = otp();
    otp.ttl = 30 * S;
    otp.resend_after = 60 * S;
    otp.max_sends = 2;
    let routing = Routing::Single(p(0));
    let policy = policy(&otp, &routing);
    let mut s = OtpSession::new(1, CarrierId::new(0), 0, &otp);
    s.handle(&policy, 0, Event::Arrived);
    s.handle(&policy, 0, Event::Submitted { accepted: true });
    // Delivered at 45 s: 15 s past its 30 s validity.
    let late = Event::Receipt {
        send: 0,
        sent_at: 0,
        receipt: Receipt::Delivered,
        at: 45 * S,
    };
    assert_eq!(
        s.handle(&policy, 45 * S, late),
        Action::Wait {
            until: Some(60 * S)
        }
    );
    // The resend is due; it is refused and nothing else can be tried.
    let resend = s.handle(&policy, 60 * S, Event::TimerFired);
    assert_eq!(
        resend,
        Action::Send {
            provider: p(0),
            send: 1,
            attempt: 0
        }
    );
    assert_eq!(s.sends(), 2, "the resend is the session's second send");
    assert!(!s.is_done(), "a session waiting on its resend is not done");
    let end = done(s.handle(&policy, 60 * S, Event::Submitted { accepted: false }));
    // A code reached the user, too late to be used.
    assert_eq!(end.outcome, SessionOutcome::NoCodeInTime);
    assert_eq!(end.time_to_code, None);
    assert_eq!(end.sends, 2);
}

#[test]
fn a_refusal_fails_over_to_the_next_provider_within_the_send() {
    let otp = otp();
    let routing = Routing::Failover(vec![p(0), p(1)]);
    let policy = policy(&otp, &routing);
    let mut s = OtpSession::new(9, CarrierId::new(0), 0, &otp);
    s.handle(&policy, 0, Event::Arrived);
    let next = s.handle(&policy, 0, Event::Submitted { accepted: false });
    assert_eq!(
        next,
        Action::Send {
            provider: p(1),
            send: 0,
            attempt: 1
        }
    );
    assert_eq!(s.sends(), 1, "a failover attempt is not a new send");
    // A batch driver tells the fate first, then the submission's answer.
    let held = Event::CodeHeld {
        send: 0,
        sent_at: 0,
        at: 7 * S,
    };
    assert_eq!(
        s.handle(&policy, 0, held),
        Action::Wait { until: None },
        "waits for the submission's answer"
    );
    let end = done(s.handle(&policy, 0, Event::Submitted { accepted: true }));
    assert_eq!(end.outcome, SessionOutcome::SuccessBySms { send: 0 });
    assert_eq!(end.time_to_code, Some(7 * S));
}

#[test]
fn patience_runs_out_during_the_voice_call() {
    let mut otp = otp();
    otp.max_sends = 1;
    otp.patience = 120 * S;
    otp.voice = Some(Voice {
        after: 90 * S,
        success: 1.0,
        latency: Distribution::Fixed(40 * S),
        cost: 0.05,
    });
    let routing = Routing::Single(p(0));
    let policy = policy(&otp, &routing);
    let mut s = OtpSession::new(3, CarrierId::new(0), 0, &otp);
    s.handle(&policy, 0, Event::Arrived);
    s.handle(&policy, 0, Event::NoCode { send: 0 });
    let call = s.handle(&policy, 0, Event::Submitted { accepted: true });
    assert_eq!(call, Action::CallVoice { at: 90 * S });
    // Answered, but the code is read out at 130 s: past the 120 s patience.
    let heard = Event::VoiceResult {
        heard_at: Some(130 * S),
    };
    let end = done(s.handle(&policy, 90 * S, heard));
    assert_eq!(end.outcome, SessionOutcome::GaveUp);
    assert!(end.voice_call);
    assert_eq!(end.time_to_code, None);
    // Heard in time, the call succeeds.
    let mut s = OtpSession::new(3, CarrierId::new(0), 0, &otp);
    s.handle(&policy, 0, Event::Arrived);
    s.handle(&policy, 0, Event::NoCode { send: 0 });
    s.handle(&policy, 0, Event::Submitted { accepted: true });
    let heard = Event::VoiceResult {
        heard_at: Some(110 * S),
    };
    let end = done(s.handle(&policy, 90 * S, heard));
    assert_eq!(end.outcome, SessionOutcome::SuccessByVoice);
    assert_eq!(end.time_to_code, Some(110 * S));
}

#[test]
fn a_live_driver_waits_for_the_call_while_a_fate_is_unknown() {
    let mut otp = otp();
    otp.max_sends = 1;
    otp.voice = Some(Voice {
        after: 90 * S,
        success: 1.0,
        latency: Distribution::Fixed(10 * S),
        cost: 0.05,
    });
    let routing = Routing::Single(p(0));
    let policy = policy(&otp, &routing);
    let mut s = OtpSession::new(3, CarrierId::new(0), 0, &otp);
    s.handle(&policy, 0, Event::Arrived);
    let wait = s.handle(&policy, 0, Event::Submitted { accepted: true });
    assert_eq!(
        wait,
        Action::Wait {
            until: Some(90 * S)
        }
    );
    assert_eq!(
        s.handle(&policy, 90 * S, Event::TimerFired),
        Action::CallVoice { at: 90 * S }
    );
    // Not answered: the SMS may still come until patience ends.
    let not_answered = Event::VoiceResult { heard_at: None };
    assert_eq!(
        s.handle(&policy, 90 * S, not_answered),
        Action::Wait {
            until: Some(600 * S)
        }
    );
    let end = done(s.handle(&policy, 600 * S, Event::TimerFired));
    assert_eq!(end.outcome, SessionOutcome::GaveUp);
    assert!(s.is_done());
    assert_eq!(
        s.handle(&policy, 700 * S, Event::TimerFired),
        Action::Wait { until: None }
    );
}

#[test]
fn a_new_send_invalidates_codes_still_in_flight() {
    let mut otp = otp();
    otp.invalidate_previous = true;
    let routing = Routing::Single(p(0));
    let policy = policy(&otp, &routing);
    let mut s = OtpSession::new(3, CarrierId::new(0), 0, &otp);
    s.handle(&policy, 0, Event::Arrived);
    s.handle(&policy, 0, Event::Submitted { accepted: true });
    s.handle(&policy, 60 * S, Event::TimerFired);
    s.handle(&policy, 60 * S, Event::Submitted { accepted: true });
    // The first send's code arrives after the second send: invalid.
    let stale = Event::Receipt {
        send: 0,
        sent_at: 0,
        receipt: Receipt::Delivered,
        at: 70 * S,
    };
    assert_eq!(
        s.handle(&policy, 70 * S, stale),
        Action::Wait {
            until: Some(120 * S)
        }
    );
    let fresh = Event::CodeHeld {
        send: 1,
        sent_at: 60 * S,
        at: 80 * S,
    };
    let end = done(s.handle(&policy, 80 * S, fresh));
    assert_eq!(end.outcome, SessionOutcome::SuccessBySms { send: 1 });
}

/// One send and a voice call `after` its send; patience 600 s.
fn with_voice(after: Nanos) -> Otp {
    let mut otp = otp();
    otp.max_sends = 1;
    otp.voice = Some(Voice {
        after,
        success: 1.0,
        latency: Distribution::Fixed(0),
        cost: 0.05,
    });
    otp
}

/// Starts a session at 0 the batch engine's way: the first send's code is
/// told held at `code_at`, then the submission is accepted.
fn sent_with_code_at(policy: &SessionPolicy, otp: &Otp, code_at: Nanos) -> (OtpSession, Action) {
    let mut s = OtpSession::new(5, CarrierId::new(0), 0, otp);
    s.handle(policy, 0, Event::Arrived);
    let held = Event::CodeHeld {
        send: 0,
        sent_at: 0,
        at: code_at,
    };
    s.handle(policy, 0, held);
    let next = s.handle(policy, 0, Event::Submitted { accepted: true });
    (s, next)
}

#[test]
fn an_sms_code_held_by_the_call_time_means_no_call() {
    // The call is due 90 s after the only send; the code comes first.
    let otp = with_voice(90 * S);
    let routing = Routing::Single(p(0));
    let policy = policy(&otp, &routing);
    for code_at in [80 * S, 90 * S] {
        let (_, next) = sent_with_code_at(&policy, &otp, code_at);
        let end = done(next);
        assert_eq!(end.outcome, SessionOutcome::SuccessBySms { send: 0 });
        assert_eq!(end.time_to_code, Some(code_at));
        assert!(!end.voice_call, "code at {code_at}: called anyway");
    }
}

#[test]
fn an_sms_code_racing_the_call_loses_to_a_code_heard_earlier() {
    // The SMS code comes at 95 s, after the call placed at 90 s: the user
    // uses whichever code is in hand first (at the same moment, the SMS).
    let otp = with_voice(90 * S);
    let routing = Routing::Single(p(0));
    let policy = policy(&otp, &routing);
    let cases = [
        (92 * S, SessionOutcome::SuccessByVoice, 92 * S),
        (95 * S, SessionOutcome::SuccessBySms { send: 0 }, 95 * S),
        (100 * S, SessionOutcome::SuccessBySms { send: 0 }, 95 * S),
    ];
    for (heard, outcome, time_to_code) in cases {
        let (mut s, next) = sent_with_code_at(&policy, &otp, 95 * S);
        assert_eq!(next, Action::CallVoice { at: 90 * S });
        let heard_at = Some(heard);
        let end = done(s.handle(&policy, 90 * S, Event::VoiceResult { heard_at }));
        assert_eq!(end.outcome, outcome, "heard at {heard}");
        assert_eq!(end.time_to_code, Some(time_to_code), "heard at {heard}");
        assert!(end.voice_call);
    }
}

#[test]
fn a_call_due_after_patience_is_never_placed() {
    // Patience 120 s; the call would be due 150 s after the send.
    let mut otp = with_voice(150 * S);
    otp.patience = 120 * S;
    let routing = Routing::Single(p(0));
    let policy = policy(&otp, &routing);
    // The batch engine: the message is known lost at once.
    let mut s = OtpSession::new(5, CarrierId::new(0), 0, &otp);
    s.handle(&policy, 0, Event::Arrived);
    s.handle(&policy, 0, Event::NoCode { send: 0 });
    let end = done(s.handle(&policy, 0, Event::Submitted { accepted: true }));
    assert_eq!(end.outcome, SessionOutcome::GaveUp);
    assert!(!end.voice_call);
    // A live driver: it waits for the fate until patience ends, no call.
    let mut s = OtpSession::new(5, CarrierId::new(0), 0, &otp);
    s.handle(&policy, 0, Event::Arrived);
    assert_eq!(
        s.handle(&policy, 0, Event::Submitted { accepted: true }),
        Action::Wait {
            until: Some(120 * S)
        }
    );
    let end = done(s.handle(&policy, 120 * S, Event::TimerFired));
    assert_eq!(end.outcome, SessionOutcome::GaveUp);
    assert!(!end.voice_call);
}

#[test]
fn a_timer_acts_when_it_fires_late_and_waits_when_it_fires_early() {
    // A live driver's timers fire when its clock gets there: early after
    // a spurious wake-up, on time, or late under load.
    let otp = otp();
    let routing = Routing::Single(p(0));
    let policy = policy(&otp, &routing);
    let resend = Action::Send {
        provider: p(0),
        send: 1,
        attempt: 0,
    };
    let waiting = || {
        let mut s = OtpSession::new(5, CarrierId::new(0), 0, &otp);
        s.handle(&policy, 0, Event::Arrived);
        let wait = s.handle(&policy, 0, Event::Submitted { accepted: true });
        assert_eq!(
            wait,
            Action::Wait {
                until: Some(60 * S)
            }
        );
        s
    };
    let mut s = waiting();
    assert_eq!(
        s.handle(&policy, 59 * S, Event::TimerFired),
        Action::Wait {
            until: Some(60 * S)
        },
        "early: the same wait again"
    );
    assert_eq!(s.handle(&policy, 60 * S, Event::TimerFired), resend);
    let mut s = waiting();
    assert_eq!(s.handle(&policy, 75 * S, Event::TimerFired), resend);
    // The next resend counts from the late one, made at 75 s.
    assert_eq!(
        s.handle(&policy, 75 * S, Event::Submitted { accepted: true }),
        Action::Wait {
            until: Some(135 * S)
        }
    );
}

#[test]
fn a_message_that_reached_only_a_stranger_settles_the_session_at_once() {
    // A live driver learns each fate from a receipt-like event; with every
    // message's fate known the session ends then, not at patience.
    let mut otp = otp();
    otp.max_sends = 1;
    let routing = Routing::Single(p(0));
    let policy = policy(&otp, &routing);
    let cases = [
        (
            Event::ReachedStranger { send: 0 },
            SessionOutcome::WrongPersonOnly,
        ),
        (Event::NoCode { send: 0 }, SessionOutcome::GaveUp),
    ];
    for (fate, outcome) in cases {
        let mut s = OtpSession::new(5, CarrierId::new(0), 0, &otp);
        s.handle(&policy, 0, Event::Arrived);
        assert_eq!(
            s.handle(&policy, 0, Event::Submitted { accepted: true }),
            Action::Wait {
                until: Some(600 * S)
            }
        );
        let end = done(s.handle(&policy, 7 * S, fate));
        assert_eq!(end.outcome, outcome);
        assert_eq!((end.sends, end.time_to_code), (1, None));
    }
}

#[test]
fn the_first_valid_code_in_hand_is_credited_even_from_a_later_send() {
    // Send 0's code is slow (100 s); send 1, made at 60 s, brings its code
    // at 70 s: the user verifies at 70 s with send 1's. A code in hand at
    // the same moment as an earlier send's does not replace it.
    let otp = otp();
    let routing = Routing::Single(p(0));
    let policy = policy(&otp, &routing);
    for (second_code_at, send, at) in [(70 * S, 1, 70 * S), (100 * S, 0, 100 * S)] {
        let (mut s, wait) = sent_with_code_at(&policy, &otp, 100 * S);
        assert_eq!(
            wait,
            Action::Wait {
                until: Some(60 * S)
            }
        );
        s.handle(&policy, 60 * S, Event::TimerFired);
        let held = Event::CodeHeld {
            send: 1,
            sent_at: 60 * S,
            at: second_code_at,
        };
        s.handle(&policy, 60 * S, held);
        let end = done(s.handle(&policy, 60 * S, Event::Submitted { accepted: true }));
        assert_eq!(end.outcome, SessionOutcome::SuccessBySms { send });
        assert_eq!(end.time_to_code, Some(at));
        assert_eq!(end.sends, 2);
    }
}

#[test]
fn news_that_comes_exactly_at_the_call_time_places_the_call() {
    // A live driver may learn of the submission only at the moment the
    // voice fallback falls due: the call is due now, not after a wait
    // until now (which would come back to the same moment for ever).
    let otp = with_voice(30 * S);
    let routing = Routing::Single(p(0));
    let policy = policy(&otp, &routing);
    let mut s = OtpSession::new(6, CarrierId::new(0), 0, &otp);
    s.handle(&policy, 0, Event::Arrived);
    assert_eq!(
        s.handle(&policy, 30 * S, Event::Submitted { accepted: true }),
        Action::CallVoice { at: 30 * S }
    );
}
