//! The traffic a load run sends: the scenario's arrival process (rate,
//! time-of-day profile, bursts) on an absolute schedule, each arrival a
//! destination number in a real format on a carrier drawn by share,
//! including the bad formats the scenario's typo share implies.

use crate::des::{Purpose, RngStreams};
use crate::model::{ArrivalProcess, Hygiene, World, number_key};
use crate::scenario::{CarrierId, Scenario};
use crate::units::{NANOS_PER_SEC, Nanos};
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

/// The whole schedule, in send order. Deterministic for a seed.
pub fn plan(scenario: &Arc<Scenario>, shape: Shape) -> Vec<Planned> {
    let mut traffic = scenario.traffic.clone();
    if let Some(rate) = shape.rate {
        traffic.rate_per_sec = rate;
    }
    let duration = shape.duration.unwrap_or(scenario.duration);
    let mut arrivals = ArrivalProcess::new(&traffic, duration);
    let world = World::new(scenario.clone(), 0);
    let mut rng = RngStreams::new(scenario.seed, 0).stream(Purpose::Arrivals, 1, 0);
    let mut planned = Vec::new();
    while let Some(at) = arrivals.next(&mut rng) {
        if shape.count.is_some_and(|c| planned.len() as u64 >= c) {
            break;
        }
        // The user is drawn as `serve` draws it for the number, so a live
        // model meets the same user; a mistyped one is sent mistyped,
        // which the model recognises by its format (Hygiene::of_number).
        let k = planned.len() as u64;
        let correct = number(k, false);
        let user = world.user(number_key(&correct), at);
        planned.push(Planned {
            at,
            number: match user.hygiene {
                Hygiene::Typo => number(k, true),
                _ => correct,
            },
            carrier: user.carrier,
        });
    }
    planned
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

/// The schedule's length in seconds, for progress and pacing messages.
pub fn span_seconds(planned: &[Planned]) -> f64 {
    planned
        .last()
        .map_or(0.0, |p| p.at as f64 / NANOS_PER_SEC as f64)
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
        assert_eq!(number(3, false), "819010000003");
        assert_eq!(number(2, true), "8109010000002");
    }
}
