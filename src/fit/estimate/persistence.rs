//! Persistence: how much of a carrier's failure is per number (the share
//! `q` of numbers whose every send fails, `*_per_number` in a scenario)
//! and how much per message (otherwise each send fails independently with
//! probability `p`). Owns the per-number tally the collector fills and the
//! fit of that two-part model.
//!
//! Method: maximum likelihood by EM over the distinct (sends, failures)
//! pairs, with 95% intervals by profile likelihood (the drop of χ²₁/2 =
//! 1.92 from the maximum). EM because each step stays inside [0, 1]² and
//! never decreases the likelihood, even on the boundary q = 0 where the
//! truth often sits; profile likelihood because there the observed
//! information gives symmetric intervals that cross 0 and mean nothing.
//!
//! The likelihood of one number sent n times with k failures is
//! `q·[k = n] + (1 − q)·p^k (1 − p)^(n − k)`: the probability of the
//! number's sequence of outcomes, so no binomial coefficient appears (and
//! it would be a constant factor anyway). Users resend while a code fails
//! to arrive, so how many sends a number gets depends on its outcomes; but
//! that stopping rule depends only on outcomes already observed, not on q
//! or p, so its probabilities factor out of the likelihood and it is
//! ignorable: the same fit is right for fixed and for outcome-driven
//! numbers of sends.
//!
//! With no number sent more than once only `q + (1 − q)·p`, the failure
//! share of a single send, is identified; the fit says so
//! (`identifiable = false`) and gives that share with its Wilson interval.

use crate::stats::{Estimate, wilson};
use std::collections::BTreeMap;

/// Half the 95% point of χ² with one degree of freedom (3.841 / 2): a
/// profile likelihood this far below its maximum bounds a 95% interval.
pub(super) const PROFILE_DROP: f64 = 1.920_729_410_347_062;
/// EM stops when the log-likelihood gains less than this in a step.
const EM_TOLERANCE: f64 = 1e-11;
const EM_MAX_STEPS: usize = 20_000;

/// Per-number outcomes: how many numbers had each (sends, failures) pair.
/// Memory grows with the distinct pairs, not with the numbers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// (sends n, failures k) → how many numbers.
    counts: BTreeMap<(u32, u32), u64>,
}

/// The two-part failure model fitted to a [`Tally`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Persistence {
    /// q: share of numbers whose every send fails. `Estimate::NONE` when
    /// not identifiable.
    pub per_number: Estimate,
    /// p: per-send failure probability for the other numbers.
    /// `Estimate::NONE` when not identifiable.
    pub per_message: Estimate,
    /// Share of all sends that failed, with its Wilson interval. When not
    /// identifiable (every number sent once) this is `q + (1 − q)·p`, the
    /// one thing the data says; with resends it is weighted towards failing
    /// numbers (they are sent to more often) and is not a model parameter.
    pub failure_share: Estimate,
    pub numbers: u64,
    pub messages: u64,
    /// Numbers sent to more than once: the ones that tell q from p.
    pub repeated_numbers: u64,
    /// Whether q and p are separately identified: some number was sent to
    /// more than once and some send succeeded (if none failed, q = p = 0
    /// with upper bounds, identified even without resends).
    pub identifiable: bool,
    /// Log-likelihood at the estimate (of the Bernoulli model for the
    /// failure share when not identifiable).
    pub log_likelihood: f64,
}

impl Tally {
    pub fn new() -> Tally {
        Tally::default()
    }

    /// One number: `sends` messages to it, `failures` of them failed.
    /// A number with no sends is ignored; failures above sends count as sends.
    pub fn add(&mut self, sends: u32, failures: u32) {
        self.add_many(sends, failures, 1);
    }

    /// `numbers` numbers with the same outcome.
    pub fn add_many(&mut self, sends: u32, failures: u32, numbers: u64) {
        if sends == 0 || numbers == 0 {
            return;
        }
        *self.counts.entry((sends, failures.min(sends))).or_default() += numbers;
    }

    /// Adds another tally (a shard's) to this one.
    pub fn merge(&mut self, other: &Tally) {
        for (&(n, k), &c) in &other.counts {
            self.add_many(n, k, c);
        }
    }

    /// (sends, failures, numbers) for each distinct pair, in order.
    pub fn groups(&self) -> impl Iterator<Item = (u32, u32, u64)> + '_ {
        self.counts.iter().map(|(&(n, k), &c)| (n, k, c))
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// Maximum-likelihood q and p with their 95% profile intervals.
    pub fn fit(&self) -> Persistence {
        let groups: Vec<Group> = self
            .groups()
            .map(|(n, k, c)| Group {
                n: n as f64,
                k: k as f64,
                all_failed: k == n,
                count: c as f64,
            })
            .collect();
        let numbers: u64 = self.counts.values().sum();
        let messages: u64 = self.groups().map(|(n, _, c)| n as u64 * c).sum();
        let failures: u64 = self.groups().map(|(_, k, c)| k as u64 * c).sum();
        let repeated_numbers: u64 = self.groups().filter(|g| g.0 > 1).map(|g| g.2).sum();
        let failure_share = wilson(failures, messages);
        let mut fit = Persistence {
            per_number: Estimate::NONE,
            per_message: Estimate::NONE,
            failure_share,
            numbers,
            messages,
            repeated_numbers,
            identifiable: false,
            log_likelihood: bernoulli_log_likelihood(failures, messages),
        };
        if numbers == 0 {
            return fit;
        }
        if failures == 0 {
            // Nothing failed: q = p = 0, and the profile intervals still
            // bound them from above.
            fit.identifiable = true;
        } else {
            // Every send failed: q = 1 or p = 1 explain it equally.
            let all_failed = failures == messages;
            fit.identifiable = repeated_numbers > 0 && !all_failed;
        }
        if !fit.identifiable {
            return fit;
        }
        let (q, p, best) = maximise(&groups, 0.1, 0.1, Free::Both);
        fit.log_likelihood = best;
        let cutoff = best - PROFILE_DROP;
        let profile_q = |q: f64| maximise(&groups, q, p, Free::PerMessage).2;
        let profile_p = |p_: f64| maximise(&groups, q, p_, Free::PerNumber).2;
        fit.per_number = Estimate {
            value: q,
            low: crossing(&profile_q, q, 0.0, cutoff),
            high: crossing(&profile_q, q, 1.0, cutoff),
        };
        fit.per_message = Estimate {
            value: p,
            low: crossing(&profile_p, p, 0.0, cutoff),
            high: crossing(&profile_p, p, 1.0, cutoff),
        };
        fit
    }
}

#[derive(Debug, Clone, Copy)]
struct Group {
    n: f64,
    k: f64,
    all_failed: bool,
    count: f64,
}

/// Which parameters EM moves; the other stays where it is given.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Free {
    Both,
    PerNumber,
    PerMessage,
}

fn log_likelihood(groups: &[Group], q: f64, p: f64) -> f64 {
    groups
        .iter()
        .map(|g| {
            let message = (1.0 - q) * bernoulli_sequence(p, g.k, g.n);
            let number = if g.all_failed { q } else { 0.0 };
            g.count * (number + message).ln()
        })
        .sum()
}

/// p^k (1 − p)^(n − k), with 0^0 = 1.
fn bernoulli_sequence(p: f64, k: f64, n: f64) -> f64 {
    let fail = if k > 0.0 { p.powf(k) } else { 1.0 };
    let pass = if n > k { (1.0 - p).powf(n - k) } else { 1.0 };
    fail * pass
}

fn bernoulli_log_likelihood(k: u64, n: u64) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let term = |count: f64, prob: f64| if count > 0.0 { count * prob.ln() } else { 0.0 };
    term(k, p) + term(n - k, 1.0 - p)
}

/// EM from (q, p), moving the parameters `free` says; returns the
/// maximising (q, p) and the log-likelihood there.
///
/// E step: a number whose every send failed is a per-number failure with
/// probability r = q / (q + (1 − q) p^n). M step: q is the expected share
/// of per-number failures; p is failures over sends among the rest.
fn maximise(groups: &[Group], q0: f64, p0: f64, free: Free) -> (f64, f64, f64) {
    let (mut q, mut p) = (q0, p0);
    // Start inside the open square, or EM cannot leave a boundary it
    // does not belong on.
    if free != Free::PerMessage {
        q = q.clamp(1e-3, 1.0 - 1e-3);
    }
    if free != Free::PerNumber {
        p = p.clamp(1e-3, 1.0 - 1e-3);
    }
    let mut current = log_likelihood(groups, q, p);
    for _ in 0..EM_MAX_STEPS {
        let (mut per_number, mut numbers, mut failed, mut sent) = (0.0, 0.0, 0.0, 0.0);
        for g in groups {
            let r = if g.all_failed {
                let message = (1.0 - q) * bernoulli_sequence(p, g.k, g.n);
                if q + message > 0.0 {
                    q / (q + message)
                } else {
                    1.0
                }
            } else {
                0.0
            };
            per_number += g.count * r;
            numbers += g.count;
            failed += g.count * (1.0 - r) * g.k;
            sent += g.count * (1.0 - r) * g.n;
        }
        if free != Free::PerMessage {
            q = per_number / numbers;
        }
        if free != Free::PerNumber && sent > 0.0 {
            p = failed / sent;
        }
        let next = log_likelihood(groups, q, p);
        let gain = next - current;
        current = next;
        // An impossible point (q = 1 or p = 0 against the data) stays
        // impossible: its log-likelihood is −∞ whatever the other does.
        if !current.is_finite() || gain.abs() < EM_TOLERANCE {
            break;
        }
    }
    (q, p, current)
}

/// Where the profile `f` falls to `cutoff` between the estimate `at` and
/// the bound `towards`, by bisection; the bound itself when the profile
/// stays above the cutoff all the way. Shared by the estimators' profile
/// intervals.
pub(super) fn crossing(f: &dyn Fn(f64) -> f64, at: f64, towards: f64, cutoff: f64) -> f64 {
    if (at - towards).abs() < 1e-12 || f(towards) >= cutoff {
        return towards;
    }
    let (mut inside, mut outside) = (at, towards);
    for _ in 0..60 {
        let mid = (inside + outside) / 2.0;
        if f(mid) >= cutoff {
            inside = mid;
        } else {
            outside = mid;
        }
    }
    (inside + outside) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// `numbers` numbers: a share `q` fails every send, the others fail
    /// each send with probability `p`; each gets one send and is resent
    /// while failing, up to `resends` more times, as users do.
    fn synthetic(q: f64, p: f64, numbers: u32, resends: u32, seed: u64) -> Tally {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut tally = Tally::new();
        for _ in 0..numbers {
            let blocked = rng.random::<f64>() < q;
            let (mut sends, mut failures) = (0, 0);
            loop {
                sends += 1;
                let failed = blocked || rng.random::<f64>() < p;
                failures += failed as u32;
                if !failed || sends > resends {
                    break;
                }
            }
            tally.add(sends, failures);
        }
        tally
    }

    fn covers(e: &Estimate, truth: f64) -> bool {
        e.low <= truth && truth <= e.high
    }

    #[test]
    fn recovers_per_number_and_per_message_from_resent_numbers() {
        let fit = synthetic(0.1, 0.05, 20_000, 3, 1).fit();
        assert!(fit.identifiable);
        assert_eq!(fit.numbers, 20_000);
        assert!(fit.repeated_numbers > 2_000, "{fit:?}");
        assert!(covers(&fit.per_number, 0.1), "{fit:?}");
        assert!(covers(&fit.per_message, 0.05), "{fit:?}");
        // q: sd ≈ sqrt(q(1 − q)/n) ≈ 0.0021, so a 95% width near 0.008.
        let q_width = fit.per_number.high - fit.per_number.low;
        assert!(q_width > 0.004 && q_width < 0.016, "{fit:?}");
        let p_width = fit.per_message.high - fit.per_message.low;
        assert!(p_width > 0.002 && p_width < 0.02, "{fit:?}");
        assert!(fit.per_number.low < fit.per_number.value);
        assert!(fit.per_number.value < fit.per_number.high);
    }

    #[test]
    fn every_number_sent_once_is_not_identifiable() {
        let fit = synthetic(0.1, 0.05, 20_000, 0, 2).fit();
        assert!(!fit.identifiable);
        assert_eq!(fit.repeated_numbers, 0);
        assert_eq!(fit.numbers, fit.messages);
        assert!(!fit.per_number.is_defined() && !fit.per_message.is_defined());
        // What is identified: q + (1 − q) p = 0.145.
        assert!(covers(&fit.failure_share, 0.145), "{fit:?}");
    }

    #[test]
    fn no_per_number_failure_gives_an_interval_from_zero() {
        let fit = synthetic(0.0, 0.05, 20_000, 3, 3).fit();
        assert!(fit.identifiable);
        assert_eq!(fit.per_number.low, 0.0, "{fit:?}");
        assert!(fit.per_number.value < 0.002, "{fit:?}");
        assert!(
            fit.per_number.high > 0.0 && fit.per_number.high < 0.003,
            "{fit:?}"
        );
        assert!(covers(&fit.per_message, 0.05), "{fit:?}");
    }

    #[test]
    fn nothing_failed_means_zero_with_upper_bounds() {
        let mut tally = Tally::new();
        tally.add_many(1, 0, 500);
        tally.add_many(2, 0, 100);
        let fit = tally.fit();
        assert!(fit.identifiable);
        assert_eq!(fit.per_number.value, 0.0);
        assert_eq!(fit.per_message.value, 0.0);
        assert!(
            fit.per_number.high > 0.0 && fit.per_number.high < 0.02,
            "{fit:?}"
        );
        assert!(
            fit.per_message.high > 0.0 && fit.per_message.high < 0.01,
            "{fit:?}"
        );
    }

    #[test]
    fn every_send_failing_is_not_identifiable_and_empty_is_harmless() {
        let mut tally = Tally::new();
        tally.add_many(3, 3, 10);
        let fit = tally.fit();
        assert!(!fit.identifiable);
        assert_eq!(fit.failure_share.value, 1.0);
        let empty = Tally::new().fit();
        assert!(!empty.identifiable && empty.numbers == 0);
    }

    #[test]
    fn tally_keeps_one_entry_per_distinct_outcome_and_merges() {
        let mut a = synthetic(0.1, 0.05, 5_000, 3, 4);
        let b = synthetic(0.1, 0.05, 5_000, 3, 5);
        // Sends 1..=4, failures 0..=sends: at most 14 distinct pairs.
        assert!(a.groups().count() <= 14);
        a.merge(&b);
        assert_eq!(a.fit().numbers, 10_000);
    }

    #[test]
    fn intervals_cover_the_truth_in_about_95_of_100_datasets() {
        // Binomial(100, 0.95) is below 89 with probability 0.4%; the seeds
        // are fixed, so this is deterministic.
        let (mut q_hits, mut p_hits) = (0, 0);
        for seed in 0..100 {
            let fit = synthetic(0.1, 0.05, 5_000, 3, 1_000 + seed).fit();
            q_hits += covers(&fit.per_number, 0.1) as u32;
            p_hits += covers(&fit.per_message, 0.05) as u32;
        }
        eprintln!("coverage: per_number {q_hits}/100, per_message {p_hits}/100");
        assert!(q_hits >= 89, "per-number coverage {q_hits}/100");
        assert!(p_hits >= 89, "per-message coverage {p_hits}/100");
    }
}
