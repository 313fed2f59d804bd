//! Validation of who arrives and how they behave: traffic, users, OTP.

use super::Validator;
use super::join;
use crate::distribution::Distribution;
use crate::scenario::limits::{MAX_SENDS, MIN_PRESENCE_MEAN};
use crate::scenario::raw::*;
use crate::scenario::*;
use crate::units::{NANOS_PER_DAY, NANOS_PER_MIN, NANOS_PER_SEC, parse_rate, parse_time_of_day};

impl Validator<'_> {
    pub(super) fn traffic(&mut self, raw: &RawTraffic) -> Traffic {
        let rate_per_sec = match parse_rate(&raw.rate) {
            Ok(r) => r,
            Err(e) => {
                self.error("traffic.rate", e.expected, Some(e.hint));
                0.0
            }
        };
        let start_of_day = match raw.start_of_day.as_deref().map(parse_time_of_day) {
            None => 0,
            Some(Ok(t)) => t,
            Some(Err(e)) => {
                self.error("traffic.start_of_day", e.expected, Some(e.hint));
                0
            }
        };
        let mut profile = Vec::new();
        for (i, p) in raw.profile.iter().enumerate() {
            let at = match parse_time_of_day(&p.at) {
                Ok(t) => t % NANOS_PER_DAY,
                Err(e) => {
                    self.error(
                        &format!("traffic.profile[{i}].at"),
                        e.expected,
                        Some(e.hint),
                    );
                    0
                }
            };
            let factor = self.non_negative(&format!("traffic.profile[{i}].factor"), p.factor);
            profile.push((at, factor));
        }
        if profile.windows(2).any(|w| w[0].0 >= w[1].0) {
            self.error(
                "traffic.profile",
                "points in increasing time of day",
                Some("list them from 00:00 to 23:59".into()),
            );
        }
        let mut bursts = Vec::new();
        for (i, b) in raw.bursts.iter().enumerate() {
            let key = format!("traffic.bursts[{i}]");
            bursts.push(Burst {
                start: self.duration(&join(&key, "start"), &b.start),
                duration: self.duration(&join(&key, "duration"), &b.duration),
                multiplier: self.non_negative(&join(&key, "multiplier"), b.multiplier),
            });
        }
        Traffic {
            rate_per_sec,
            start_of_day,
            profile,
            bursts,
        }
    }

    pub(super) fn users(&mut self, raw: &RawUsers) -> Users {
        let typo = self.probability("users.typo", raw.typo, 0.0);
        let stale = self.probability("users.stale", raw.stale, 0.0);
        if typo + stale > 1.0 {
            self.error("users.stale", "`typo` + `stale` at most 1", None);
        }
        let present = self.dist(
            "users.presence.present",
            raw.presence.present.as_ref(),
            Distribution::Fixed(100 * 365 * NANOS_PER_DAY),
        );
        let absent = self.dist(
            "users.presence.absent",
            raw.presence.absent.as_ref(),
            Distribution::ZERO,
        );
        for (key, d) in [
            ("users.presence.present", &present),
            ("users.presence.absent", &absent),
        ] {
            let mean = d.mean();
            let allowed_zero = key.ends_with("absent") && mean == 0.0;
            if !allowed_zero && mean < MIN_PRESENCE_MEAN as f64 {
                self.error(
                    key,
                    format!(
                        "periods with a mean of at least {}, got {}",
                        crate::units::Human(MIN_PRESENCE_MEAN),
                        crate::units::Human(mean as Nanos)
                    ),
                    Some(
                        "handsets are attached or not for minutes to hours; see docs/limits.md"
                            .into(),
                    ),
                );
            }
        }
        if present.mean() <= 0.0 && absent.mean() <= 0.0 {
            self.error(
                "users.presence",
                "present or absent periods with a positive mean",
                None,
            );
        }
        Users {
            typo,
            stale,
            recycled: self.probability("users.recycled", raw.recycled, 0.0),
            presence: Presence::new(present, absent),
        }
    }

    pub(super) fn otp(&mut self, raw: &RawOtp) -> Otp {
        let resend_after = self.opt_duration(
            "otp.resend_after",
            raw.resend_after.as_ref(),
            60 * NANOS_PER_SEC,
        );
        if resend_after == 0 {
            self.error(
                "otp.resend_after",
                "a positive duration",
                Some("users wait 30-60 s before asking again".into()),
            );
        }
        let max_sends = raw.max_sends.unwrap_or(3);
        if max_sends == 0 {
            self.error("otp.max_sends", "at least 1 send", None);
        } else if max_sends > MAX_SENDS {
            self.error(
                "otp.max_sends",
                format!("at most {MAX_SENDS} sends, got {max_sends}"),
                Some("Verify services allow about 5 sends per number and window".into()),
            );
        }
        let voice = raw.voice.as_ref().map(|v| Voice {
            after: self.opt_duration("otp.voice.after", v.after.as_ref(), resend_after),
            success: self.probability("otp.voice.success", Some(v.success), 0.0),
            latency: self.dist(
                "otp.voice.latency",
                v.latency.as_ref(),
                Distribution::Fixed(20 * NANOS_PER_SEC),
            ),
            cost: self.money("otp.voice.cost", v.cost.unwrap_or(0.0)),
        });
        Otp {
            resend_after: resend_after.max(1),
            max_sends: max_sends.max(1),
            ttl: self.opt_duration("otp.ttl", raw.ttl.as_ref(), 10 * NANOS_PER_MIN),
            invalidate_previous: raw.invalidate_previous.unwrap_or(false),
            patience: self.opt_duration("otp.patience", raw.patience.as_ref(), 10 * NANOS_PER_MIN),
            target: self.opt_duration("otp.target", raw.target.as_ref(), 60 * NANOS_PER_SEC),
            voice,
        }
    }
}
