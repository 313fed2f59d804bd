//! The bounds that keep a run small enough to finish: name lengths, the
//! provider × carrier cells over all alternatives, and one replication's
//! memory estimate (docs/limits.md).

use super::Validator;
use crate::scenario::Scenario;
use crate::scenario::footprint;
use crate::scenario::limits::{MAX_NAME_CHARS, MAX_REPLICATION_BYTES, MAX_VARIANT_CELLS};

impl Validator<'_> {
    /// A name within `MAX_NAME_CHARS`; `section` is `scenario` (for
    /// `scenario.name`) or the table the name is a key of.
    pub(super) fn name_length(&mut self, section: &str, name: &str) -> bool {
        let chars = name.chars().count();
        if chars <= MAX_NAME_CHARS {
            return true;
        }
        let (key, at_key) = match section {
            "scenario" => ("scenario.name".to_string(), false),
            _ => (format!("{section}.{name}"), true),
        };
        let (shown, span) = self.place(&key, at_key);
        let short: String = name.chars().take(20).collect();
        let shown = shown.replace(name, &format!("{short}..."));
        self.push(
            &shown,
            format!("a name of at most {MAX_NAME_CHARS} characters, got {chars}"),
            Some("names head tables, charts and file names: use a short one, and say more in a description (docs/limits.md)".into()),
            span,
        );
        false
    }

    /// Provider × carrier cells over the scenario and its alternatives
    /// within `MAX_VARIANT_CELLS`.
    pub(super) fn variant_cells(&mut self, sc: &Scenario) {
        let cells = |s: &Scenario| s.providers.len() * s.carriers.len();
        let total: usize = cells(sc)
            + sc.alternatives
                .iter()
                .map(|a| cells(&a.scenario))
                .sum::<usize>();
        if total > MAX_VARIANT_CELLS {
            self.error(
                "alternatives",
                format!(
                    "at most {MAX_VARIANT_CELLS} provider x carrier cells over the scenario and its alternatives, got {total} ({} variants of up to {} providers x {} carriers)",
                    sc.alternatives.len() + 1,
                    std::iter::once(sc)
                        .chain(sc.alternatives.iter().map(|a| a.scenario.as_ref()))
                        .map(|s| s.providers.len())
                        .max()
                        .unwrap_or(0),
                    sc.carriers.len(),
                ),
                Some("fewer alternatives, or group small carriers or providers; compare a few alternatives at a time (docs/limits.md)".into()),
            );
        }
    }

    /// One replication's memory estimate (of its largest variant) within
    /// `MAX_REPLICATION_BYTES`.
    pub(super) fn memory(&mut self, sc: &Scenario) {
        let e = sc.memory_estimate();
        if e.bytes <= MAX_REPLICATION_BYTES {
            return;
        }
        let numbers = if e.numbers > 0.0 {
            format!(
                " and {:.3e} numbers in repeat-filter or per-number windows",
                e.numbers
            )
        } else {
            String::new()
        };
        self.error(
            "traffic.rate",
            format!(
                "at most {} of memory per replication, got an estimated {}: {:.3e} sessions in flight ({}/s at the peak x {} a session lives){numbers}",
                footprint::bytes(MAX_REPLICATION_BYTES),
                footprint::bytes(e.bytes),
                e.in_flight,
                footprint::rate(e.peak_rate),
                crate::units::Human(e.session_life),
            ),
            Some("a shorter otp.patience (or fewer sends: otp.max_sends, otp.resend_after), a lower traffic.rate (a sample of the traffic: rates scale) or a shorter duration; --shard splits replications over machines, not one replication (docs/limits.md)".into()),
        );
    }
}
