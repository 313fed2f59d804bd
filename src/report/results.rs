//! The results of one run: a report per simulated variant (the scenario
//! and its alternatives) and the verdicts of its expectations.

use super::{Report, Verdict, evaluate};
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
}

impl RunResults {
    /// Wraps per-variant reports and checks the scenario's expectations.
    pub fn new(sc: &Scenario, reports: Vec<Option<Report>>) -> RunResults {
        let mut results = RunResults {
            names: sc.alternative_names(),
            reports,
            verdicts: Vec::new(),
        };
        results.verdicts = evaluate(sc, &results);
        results
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
