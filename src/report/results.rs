//! The results of one run: a report per simulated variant (the scenario
//! and its alternatives), what kind of run made them (and, for a measured
//! run, what it measured) and the verdicts of its expectations.

use super::{Measurement, Report, RunKind, Verdict, evaluate};
use crate::scenario::Scenario;

/// Reports of the scenario and its alternatives, and the expectations'
/// verdicts.
pub struct RunResults {
    /// Variant names: the scenario (`scenario::BASE_NAME`), then each
    /// alternative.
    pub names: Vec<String>,
    /// One per variant, `None` for variants not simulated.
    pub reports: Vec<Option<Report>>,
    pub verdicts: Vec<Verdict>,
    /// None for a simulation.
    pub measurement: Option<Box<Measurement>>,
    /// The answer gives every carrier its own lines (`--by carrier`); else
    /// only the carriers an expectation names.
    pub by_carrier: bool,
}

impl RunResults {
    /// Wraps per-variant reports and checks the scenario's expectations.
    pub fn new(sc: &Scenario, reports: Vec<Option<Report>>) -> RunResults {
        let mut results = RunResults {
            names: sc.alternative_names(),
            reports,
            verdicts: Vec::new(),
            measurement: None,
            by_carrier: false,
        };
        results.verdicts = evaluate(sc, &results);
        results
    }

    /// The results of one measured run (`serve`'s summary, `load`): its
    /// timeline ends with the last bucket that saw anything, not with the
    /// scenario's duration and drain.
    pub fn measured(sc: &Scenario, mut report: Report, measurement: Measurement) -> RunResults {
        report.merged.timeline.trim_to_activity();
        let mut reports = vec![None; sc.alternatives.len() + 1];
        reports[0] = Some(report);
        let mut results = RunResults {
            names: sc.alternative_names(),
            reports,
            verdicts: Vec::new(),
            measurement: Some(Box::new(measurement)),
            by_carrier: false,
        };
        results.verdicts = evaluate(sc, &results);
        results
    }

    pub fn kind(&self) -> RunKind {
        self.measurement
            .as_ref()
            .map_or(RunKind::Simulated, |m| m.kind)
    }

    pub fn all_passed(&self) -> bool {
        !self.verdicts.iter().any(Verdict::failed)
    }

    /// The simulated variants, in order, with their indices.
    pub fn simulated(&self) -> impl Iterator<Item = (usize, &str, &Report)> {
        self.reports
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.as_ref().map(|r| (i, self.names[i].as_str(), r)))
    }
}
