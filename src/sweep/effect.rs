//! Whether a swept key can change a sweep's rows: sweep simulates each
//! point's scenario itself, so a key that only labels it, configures
//! another command, or sets up something its routing never uses gives
//! every point the same rows. `ineffective_axes` finds such axes from the
//! points' fingerprints; `why_no_effect` says why in the user's terms.

use super::{Axis, PointSettings};
use crate::scenario::{Routing, Scenario};
use std::hash::{Hash, Hasher};

/// A hash of what a point simulates: everything in the scenario but its
/// labels (name, description, currency), `[alternatives]`, `[[expect]]`,
/// `[serve]`, and the providers the routing never sends to. Two points
/// with the same fingerprint give the same rows.
pub fn fingerprint(sc: &Scenario) -> u64 {
    let used = used_providers(sc);
    let providers: Vec<_> = sc
        .providers
        .iter()
        .zip(&used)
        .filter(|(_, used)| **used)
        .map(|(p, _)| p)
        .collect();
    let mut hasher = std::hash::DefaultHasher::new();
    let simulated = (
        (sc.duration, sc.drain, sc.seed, sc.replications),
        sc.timeline_bucket,
        (&sc.traffic, &sc.users, &sc.otp, &sc.mnp),
        (&used, &providers, &sc.routing, &sc.routes),
        (&sc.carriers, &sc.outages),
    );
    // Debug prints every field, floats exactly; hashing it compares them.
    std::fmt::write(&mut HashWriter(&mut hasher), format_args!("{simulated:?}"))
        .expect("hashing cannot fail");
    hasher.finish()
}

struct HashWriter<'h, H: Hasher>(&'h mut H);

impl<H: Hasher> std::fmt::Write for HashWriter<'_, H> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        s.hash(self.0);
        Ok(())
    }
}

/// Which providers the routing can send to.
fn used_providers(sc: &Scenario) -> Vec<bool> {
    let mut used = vec![false; sc.providers.len()];
    match &sc.routing {
        Routing::Single(p) => used[p.index()] = true,
        Routing::Weighted(cumulative) => {
            let mut below = 0.0;
            for (p, upto) in cumulative {
                used[p.index()] |= *upto > below;
                below = *upto;
            }
        }
        Routing::ByCarrier(ps) | Routing::Failover(ps) => {
            for p in ps {
                used[p.index()] = true;
            }
        }
    }
    used
}

/// The axes (with two or more values) whose values never change a
/// point's fingerprint, the other axes held equal: sweeping them gives
/// identical rows. `points` are in grid order, with their fingerprints.
pub fn ineffective_axes<'a>(axes: &'a [Axis], points: &[(PointSettings, u64)]) -> Vec<&'a Axis> {
    axes.iter()
        .enumerate()
        .filter(|(_, axis)| axis.values.len() > 1)
        .filter(|(i, _)| {
            let mut seen = std::collections::HashMap::new();
            points.iter().all(|(settings, print)| {
                let mut others = settings.clone();
                others.remove(*i);
                *seen.entry(others).or_insert(*print) == *print
            })
        })
        .map(|(_, axis)| axis)
        .collect()
}

/// Why sweeping `key` cannot change the rows, with what to do instead.
pub fn why_no_effect(key: &str) -> String {
    let section = key.split(['.', '[']).next().unwrap_or(key);
    let why = match section {
        "alternatives" => {
            "sweep simulates the scenario itself, not its [alternatives]; to sweep a choice, sweep the key it changes, e.g. --set routing.provider=a,b (docs/scenario.md)"
        }
        "serve" => "[serve] only configures `simsms serve`",
        "expect" => "[[expect]] is checked by `run` and `compare`, not by sweep",
        "scenario" if key.ends_with(".name") || key.ends_with(".description") => {
            "it only labels the scenario"
        }
        "scenario" if key.ends_with(".currency") => "it only names the unit of costs",
        _ => {
            "every value gives the same simulated scenario (a provider the routing never sends to, values that mean the same, or a key nothing reads)"
        }
    };
    format!("--set {key}: sweeping it cannot change the results: {why}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(values: &[&str], print: u64) -> (PointSettings, u64) {
        let settings = values
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("k{i}"), v.to_string()))
            .collect();
        (settings, print)
    }

    #[test]
    fn an_axis_is_ineffective_only_when_no_other_axes_make_it_matter() {
        let axes = [
            Axis::parse("k0=a,b").unwrap(),
            Axis::parse("k1=1,2").unwrap(),
        ];
        // k0 changes the fingerprint only where k1 = 2: it matters.
        let points = [
            point(&["a", "1"], 1),
            point(&["a", "2"], 2),
            point(&["b", "1"], 1),
            point(&["b", "2"], 3),
        ];
        assert!(ineffective_axes(&axes, &points).is_empty());
        // k0 never changes it: ineffective; k1 does.
        let points = [
            point(&["a", "1"], 1),
            point(&["a", "2"], 2),
            point(&["b", "1"], 1),
            point(&["b", "2"], 2),
        ];
        let found: Vec<&str> = ineffective_axes(&axes, &points)
            .iter()
            .map(|a| a.key.as_str())
            .collect();
        assert_eq!(found, ["k0"]);
    }
}
