//! The traffic a load run sends: the scenario's arrival process (rate,
//! time-of-day profile, bursts) on an absolute schedule, each arrival a
//! destination number in a real format on a carrier drawn by share,
//! including the bad formats the scenario's typo share implies. Made as it
//! is sent (`Schedule` is an iterator), so a run's memory does not grow
//! with its rate or length.

use crate::des::{Purpose, RngStreams};
use crate::model::{ArrivalProcess, Hygiene, World, number_key};
use crate::scenario::{CarrierId, Scenario};
use crate::units::Nanos;
use std::sync::Arc;

/// One message to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    /// When to send it, from the start of the run.
    pub at: Nanos,
    pub number: String,
    pub carrier: CarrierId,
}

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Sessions per second instead of the scenario's base rate.
    pub rate: Option<f64>,
    /// How long to generate (default: the scenario's duration).
    pub duration: Option<Nanos>,
    /// At most this many messages.
    pub count: Option<u64>,
}

/// The highest `--rate` a load run takes, in sessions per second: far
/// above what one sender keeps up with, low enough that even a schedule
/// that is all dropped is walked through in reasonable time.
pub const MAX_RATE_PER_SEC: f64 = 1_000_000.0;

/// Which of the schedule's messages one sender makes: those of `shard`
/// (message `k` with `k % N == I`), and of those every `binds`-th from
/// `bind` (the shard's `j`-th message goes to bind `j % binds`).
#[derive(Debug, Clone, Copy)]
pub struct Part {
    pub shard: Option<crate::partial::Shard>,
    pub bind: u64,
    pub binds: u64,
}

impl Part {
    /// The whole schedule (of `shard`) for one sender.
    pub fn whole(shard: Option<crate::partial::Shard>) -> Part {
        Part {
            shard,
            bind: 0,
            binds: 1,
        }
    }
}

/// The schedule, made as it is consumed: the scenario's arrivals in send
/// order, each with its number and carrier, numbered `k` over the whole
/// schedule. Deterministic for a seed; memory does not grow with its
/// length.
pub struct Schedule {
    arrivals: ArrivalProcess,
    rng: crate::des::SimRng,
    world: World,
    count: Option<u64>,
    duration: Nanos,
    part: Part,
    /// Arrivals drawn so far, and of them the shard's.
    next: u64,
    owned: u64,
}

impl Schedule {
    pub fn new(scenario: &Arc<Scenario>, shape: Shape, part: Part) -> Schedule {
        let mut traffic = scenario.traffic.clone();
        if let Some(rate) = shape.rate {
            traffic.rate_per_sec = rate;
        }
        let duration = shape.duration.unwrap_or(scenario.duration);
        Schedule {
            arrivals: ArrivalProcess::new(&traffic, duration),
            rng: RngStreams::new(scenario.seed, 0).stream(Purpose::Arrivals, 1, 0),
            world: World::new(scenario.clone(), 0),
            count: shape.count,
            duration,
            part,
            next: 0,
            owned: 0,
        }
    }

    /// How long the schedule runs, from its start.
    pub fn span(&self) -> Nanos {
        self.duration
    }
}

impl Iterator for Schedule {
    type Item = (u64, Planned);

    fn next(&mut self) -> Option<(u64, Planned)> {
        loop {
            if self.count.is_some_and(|c| self.next >= c) {
                return None;
            }
            let at = self.arrivals.next(&mut self.rng)?;
            let k = self.next;
            self.next += 1;
            if let Some(s) = self.part.shard
                && k % s.count as u64 != s.index as u64
            {
                continue;
            }
            let j = self.owned;
            self.owned += 1;
            if j % self.part.binds != self.part.bind {
                continue;
            }
            // The user is drawn as `serve` draws it for the number, so a
            // live model meets the same user; a mistyped one is sent
            // mistyped, which the model recognises by its format
            // (Hygiene::of_number).
            let correct = number(k, false);
            let user = self.world.user(number_key(&correct), at);
            let number = match user.hygiene {
                Hygiene::Typo => number(k, true),
                _ => correct,
            };
            let carrier = user.carrier;
            return Some((
                k,
                Planned {
                    at,
                    number,
                    carrier,
                },
            ));
        }
    }
}

/// The whole schedule at once (tests only: a run never holds it).
#[cfg(test)]
pub fn plan(scenario: &Arc<Scenario>, shape: Shape) -> Vec<Planned> {
    Schedule::new(scenario, shape, Part::whole(None))
        .map(|(_, p)| p)
        .collect()
}

/// A Japanese mobile number in E.164 without `+` (81 90 XXXX XXXX); a
/// mistyped one keeps the trunk 0 after the country code, or drops a
/// digit, as users enter them.
fn number(k: u64, typo: bool) -> String {
    let subscriber = 10_000_000 + k % 90_000_000;
    match (typo, k % 2) {
        (false, _) => format!("8190{subscriber:08}"),
        (true, 0) => format!("81090{subscriber:08}"),
        (true, _) => format!("8190{:07}", subscriber / 10),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_follows_the_rate_and_is_reproducible() {
        let text = "[scenario]\nname = \"s\"\nduration = \"10m\"\n[traffic]\nrate = \"10/s\"\n[providers.p]\nroute = \"domestic\"\n[routing]\npolicy = \"single\"\nprovider = \"p\"\n[carriers.a]\nshare = 0.5\n[carriers.b]\nshare = 0.5\n";
        let sc = Arc::new(crate::scenario::parse(text, "s.toml").unwrap());
        let shape = Shape {
            rate: None,
            duration: None,
            count: None,
        };
        let a = plan(&sc, shape);
        // 6,000 expected, Poisson sd 77: within 4 sd.
        assert!((a.len() as f64 - 6000.0).abs() < 310.0, "{}", a.len());
        assert_eq!(a, plan(&sc, shape));
        assert!(a.windows(2).all(|w| w[0].at <= w[1].at));
        let on_a = a.iter().filter(|p| p.carrier == CarrierId::new(0)).count();
        assert!((on_a as f64 / a.len() as f64 - 0.5).abs() < 0.05);
        let capped = plan(
            &sc,
            Shape {
                count: Some(10),
                ..shape
            },
        );
        assert_eq!(capped.len(), 10);
        // A sender's part is every binds-th of the shard's messages.
        let shard = crate::partial::Shard { index: 1, count: 2 };
        let part = |bind| Part {
            shard: Some(shard),
            bind,
            binds: 3,
        };
        let mut parts: Vec<(u64, Planned)> = (0..3)
            .flat_map(|b| Schedule::new(&sc, shape, part(b)))
            .collect();
        parts.sort_by_key(|(k, _)| *k);
        let odd: Vec<(u64, Planned)> = a
            .iter()
            .cloned()
            .enumerate()
            .map(|(k, p)| (k as u64, p))
            .filter(|(k, _)| k % 2 == 1)
            .collect();
        assert_eq!(parts, odd);
        assert_eq!(number(3, false), "819010000003");
        assert_eq!(number(2, true), "8109010000002");
    }
}
