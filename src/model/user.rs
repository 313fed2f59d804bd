//! The user behind one session, drawn once at arrival from the user streams
//! (common random numbers): carrier, number hygiene, port status, handset
//! capabilities and settings, and the handset's presence process.

use super::chance::happens;
use crate::des::{Purpose, RngStreams, SimRng};
use crate::distribution::Distribution;
use crate::scenario::{CarrierId, Presence, Scenario};
use crate::units::Nanos;
use rand::Rng;
use rand_distr::{Distribution as _, Exp1};

/// The state of the registered number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hygiene {
    Correct,
    /// A mistyped, unallocated number.
    Typo,
    /// The user changed number; the old one is unallocated.
    Stale,
    /// The user changed number and the old one now belongs to a stranger.
    Recycled,
}

#[derive(Debug, Clone)]
pub struct User {
    pub carrier: CarrierId,
    pub hygiene: Hygiene,
    /// Time since the number last ported in; `None` if it never did.
    pub port_age: Option<Nanos>,
    /// The carrier it ported from (meaningful when `port_age` is some).
    pub donor: CarrierId,
    /// How long post-port international trouble lasts for this number.
    pub post_port_window: Nanos,
    pub sms_capable: bool,
    /// Compared against the carrier's share: the setting is on when below.
    pub reject_overseas_draw: f64,
    pub sender_block_draw: f64,
    /// Compared against the carrier's per-number filter shares: the number
    /// is filtered, for every message, when below.
    pub intl_filter_draw: f64,
    pub spam_filter_draw: f64,
    pub voice_draw: f64,
    pub voice_latency: Nanos,
    /// The handset's presence process at arrival.
    pub presence: PresenceCursor,
}

impl Hygiene {
    /// What a live number's format alone says: a Japanese number sent with
    /// the trunk 0 kept after 81, or a Japanese mobile number (81 70, 80,
    /// 90) without its 8 subscriber digits, is mistyped. None: the format
    /// is plausible, and the user's draw decides.
    pub fn of_number(number: &str) -> Option<Hygiene> {
        let digits: String = number.chars().filter(char::is_ascii_digit).collect();
        let mobile = ["8170", "8180", "8190"]
            .iter()
            .any(|p| digits.starts_with(p));
        (digits.starts_with("810") || (mobile && digits.len() != 12)).then_some(Hygiene::Typo)
    }
}

impl User {
    /// Draws the user of session `session` arriving at `now`.
    pub fn draw(scenario: &Scenario, streams: &RngStreams, session: u64, now: Nanos) -> User {
        let mut rng = streams.stream(Purpose::User, session, 0);
        // Every draw happens in a fixed order whatever its result, so that a
        // change to one share never shifts the draws that follow.
        let u_carrier: f64 = rng.random();
        let u_hygiene: f64 = rng.random();
        let u_recycled: f64 = rng.random();
        let e_port: f64 = Exp1.sample(&mut rng);
        let u_donor: f64 = rng.random();
        let u_capable: f64 = rng.random();
        let reject_overseas_draw: f64 = rng.random();
        let sender_block_draw: f64 = rng.random();
        let voice_draw: f64 = rng.random();
        let voice_latency = scenario
            .otp
            .voice
            .as_ref()
            .map_or(0, |v| v.latency.sample(&mut rng));

        let carrier = pick_cumulative(scenario.carriers.iter().map(|c| c.share), u_carrier);
        let users = &scenario.users;
        let hygiene = if happens(u_hygiene, users.typo) {
            Hygiene::Typo
        } else if happens(u_hygiene, users.typo + users.stale) {
            if happens(u_recycled, users.recycled) {
                Hygiene::Recycled
            } else {
                Hygiene::Stale
            }
        } else {
            Hygiene::Correct
        };
        let carrier = CarrierId::new(carrier);
        let rate = scenario.mnp.port_in_rate[carrier.index()];
        let port_age = (rate > 0.0)
            .then(|| e_port / rate)
            .filter(|age| *age < scenario.mnp.number_age as f64)
            .map(|age| age as Nanos);
        let donor_cdf = &scenario.mnp.donor_cdf[carrier.index()];
        let donor = donor_cdf
            .iter()
            .position(|c| happens(u_donor, *c))
            .map_or(carrier, CarrierId::new);
        // Drawn last and only for ported numbers: which numbers ported does
        // not depend on routing, so alternatives still see the same users.
        let post_port_window = if port_age.is_some() {
            scenario.mnp.post_port_window.sample(&mut rng)
        } else {
            0
        };
        // After every other draw, so adding them moved none of those.
        let intl_filter_draw: f64 = rng.random();
        let spam_filter_draw: f64 = rng.random();
        let presence = PresenceCursor::start(
            &scenario.users.presence,
            streams.stream(Purpose::Presence, session, 0),
            now,
        );
        User {
            carrier,
            hygiene,
            port_age,
            donor,
            post_port_window,
            sms_capable: !happens(u_capable, scenario.carrier(carrier).not_sms_capable),
            reject_overseas_draw,
            sender_block_draw,
            intl_filter_draw,
            spam_filter_draw,
            voice_draw,
            voice_latency,
            presence,
        }
    }

    /// Whether the number was ported in less than `window` before `now`,
    /// counting the time since the session arrived at `arrival`.
    pub fn ported_within(&self, window: Nanos, arrival: Nanos, now: Nanos) -> bool {
        self.port_age
            .is_some_and(|age| age + now.saturating_sub(arrival) < window)
    }
}

/// Index of the first cumulative share above `u` (the last on rounding).
pub fn pick_cumulative(shares: impl Iterator<Item = f64>, u: f64) -> usize {
    let mut acc = 0.0;
    let mut last = 0;
    for (i, s) in shares.enumerate() {
        acc += s;
        last = i;
        if happens(u, acc) {
            return i;
        }
    }
    last
}

/// The handset's alternating present/absent process, generated lazily from
/// its own stream. Copies replay the same path, so each message can walk it
/// in its own time order without disturbing the others.
#[derive(Debug, Clone)]
pub struct PresenceCursor {
    present: bool,
    /// When the current period ends.
    until: Nanos,
    rng: SimRng,
    always_present: bool,
}

impl PresenceCursor {
    /// Starts the process in its stationary state at `now`.
    pub fn start(presence: &Presence, mut rng: SimRng, now: Nanos) -> PresenceCursor {
        if presence.absent.is_zero() {
            return PresenceCursor {
                present: true,
                until: Nanos::MAX,
                rng,
                always_present: true,
            };
        }
        let present = happens(rng.random(), presence.present_share);
        let dist = if present {
            &presence.present
        } else {
            &presence.absent
        };
        let residual = dist.sample_residual(&mut rng);
        PresenceCursor {
            present,
            until: now.saturating_add(residual),
            rng,
            always_present: false,
        }
    }

    /// Whether the handset is attached at `t`; `t` must not go backwards.
    pub fn at(&mut self, t: Nanos, presence: &Presence) -> bool {
        self.advance(t, presence);
        self.present
    }

    /// Walks the process to `t` and answers how many periods it drew. A
    /// `t` more than the presence horizon beyond the current period
    /// restarts it in its stationary state at `t` (one draw), so the cost
    /// of a span is bounded whatever its length.
    fn advance(&mut self, t: Nanos, presence: &Presence) -> u64 {
        if self.always_present || t < self.until {
            return 0;
        }
        if t - self.until > presence.horizon {
            let rng = self.rng.clone();
            *self = PresenceCursor::start(presence, rng, t);
            return 1;
        }
        let mut periods = 0;
        while t >= self.until {
            self.present = !self.present;
            let dist: &Distribution = if self.present {
                &presence.present
            } else {
                &presence.absent
            };
            self.until = self.until.saturating_add(dist.sample(&mut self.rng));
            periods += 1;
        }
        periods
    }

    /// End of the current period (after a call to `at`).
    pub fn period_end(&self) -> Nanos {
        self.until
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::NANOS_PER_MIN;
    use rand::SeedableRng;

    #[test]
    fn stationary_presence_share() {
        let presence = Presence::new(
            Distribution::Exponential {
                mean: 30.0 * NANOS_PER_MIN as f64,
            },
            Distribution::Exponential {
                mean: 10.0 * NANOS_PER_MIN as f64,
            },
        );
        let n = 40_000;
        let present = (0..n)
            .filter(|i| {
                let mut c = PresenceCursor::start(&presence, SimRng::seed_from_u64(*i), 0);
                c.at(0, &presence)
            })
            .count();
        let share = present as f64 / n as f64;
        // 0.75 expected; 99.9% binomial interval: 3.29 sd.
        let sd = (0.75f64 * 0.25 / n as f64).sqrt();
        assert!((share - 0.75).abs() < 3.29 * sd, "share {share}");
    }

    #[test]
    fn cursor_copies_replay_the_same_path() {
        let presence = Presence::new(
            Distribution::Exponential { mean: 1e9 },
            Distribution::Exponential { mean: 1e9 },
        );
        let start = PresenceCursor::start(&presence, SimRng::seed_from_u64(9), 0);
        let mut a = start.clone();
        let mut b = start.clone();
        let path_a: Vec<bool> = (0..50).map(|i| a.at(i * 200_000_000, &presence)).collect();
        let late = b.at(5_000_000_000, &presence);
        assert_eq!(path_a[25], late);
    }

    #[test]
    fn the_walk_is_period_by_period_up_to_the_horizon_beyond_the_current_period() {
        // Cycles of two minutes on average: a horizon of 2,000 minutes.
        let minute = Distribution::Exponential {
            mean: NANOS_PER_MIN as f64,
        };
        let presence = Presence::new(minute.clone(), minute);
        let ten_days = 10 * 24 * 60 * NANOS_PER_MIN;
        let mut c = PresenceCursor::start(&presence, SimRng::seed_from_u64(5), 0);
        assert_eq!(
            c.advance(ten_days, &presence),
            1,
            "past the horizon: drawn afresh"
        );
        // The horizon counts from the end of the current period, wherever
        // in the run that is, and a step of exactly the horizon is walked.
        let end = c.period_end();
        let periods = c.advance(end + presence.horizon, &presence);
        // About 2,000 periods of a minute in 2,000 minutes.
        assert!(
            (1_500..2_500).contains(&periods),
            "{periods} periods walked over the horizon"
        );
        // A nanosecond beyond the horizon: drawn afresh.
        let end = c.period_end();
        assert_eq!(c.advance(end + presence.horizon + 1, &presence), 1);
    }

    #[test]
    fn centuries_ahead_cost_no_more_periods_than_the_horizon() {
        // Present for 8 h, absent for 10 min on average: 499 years are
        // about 535,000 cycles walked one by one.
        let presence = Presence::new(
            Distribution::Exponential {
                mean: 8.0 * 60.0 * NANOS_PER_MIN as f64,
            },
            Distribution::Exponential {
                mean: 10.0 * NANOS_PER_MIN as f64,
            },
        );
        let year = 365 * 24 * 60 * NANOS_PER_MIN;
        let mut c = PresenceCursor::start(&presence, SimRng::seed_from_u64(3), 0);
        let periods = c.advance(499 * year, &presence);
        assert!(periods <= 1, "{periods} periods drawn for 499 years");
        // Within the horizon the walk is period by period, as before.
        let mut c = PresenceCursor::start(&presence, SimRng::seed_from_u64(3), 0);
        let periods = c.advance(year / 4, &presence);
        assert!(
            (300..1200).contains(&periods),
            "{periods} periods in 3 months"
        );
        // The restarted process is still the stationary one.
        let n = 20_000;
        let present = (0..n)
            .filter(|i| {
                let mut c = PresenceCursor::start(&presence, SimRng::seed_from_u64(*i), 0);
                c.at(499 * year, &presence)
            })
            .count();
        let share = present as f64 / n as f64;
        let expected = presence.present_share;
        let sd = (expected * (1.0 - expected) / n as f64).sqrt();
        assert!((share - expected).abs() < 3.29 * sd, "share {share}");
    }
}

#[cfg(test)]
mod format_tests {
    use super::Hygiene;

    #[test]
    fn a_number_s_format_alone_can_say_it_was_mistyped() {
        assert_eq!(Hygiene::of_number("+81 90-1234-5678"), None);
        assert_eq!(Hygiene::of_number("819012345678"), None);
        assert_eq!(Hygiene::of_number("8109012345678"), Some(Hygiene::Typo));
        assert_eq!(Hygiene::of_number("81901234567"), Some(Hygiene::Typo));
        assert_eq!(Hygiene::of_number("14155550100"), None);
    }
}
