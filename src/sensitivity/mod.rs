//! `simsms sensitivity`: which of a scenario's numbers move the answer.
//! Each numeric input is varied down and up by a fraction, one at a time,
//! on common random numbers (the same seed and replications as the base),
//! so per-replication differences are paired and their t intervals tight.
//! Inputs are ranked by swing (metric at the high value minus at the low
//! value); `report` renders the table and CSV, `tornado` the chart.

mod inputs;
mod report;
mod tornado;

pub use inputs::{Input, inputs};
pub use report::{render_text, sensitivity_csv};
pub use tornado::{tornado_html, tornado_svg};

use crate::report::SessionRepValues;
use crate::runner::Runner;
use crate::scenario::{LoadError, Scenario, Settings};
use crate::stats::{Estimate, Quantile, mean_interval};
use std::sync::Arc;

/// Replications per value when `-r` does not say: the scenario's, at most
/// this many. The scenario's count is chosen for the precision of levels;
/// paired differences on common random numbers are far more precise, and
/// the analysis simulates the scenario twice per input.
pub const SCREENING_REPLICATIONS: u32 = 5;

/// What the analysis measures, per session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    OtpSuccess,
    WithinTarget,
    TimeToCodeP50,
    TimeToCodeP99,
    CostPerSuccess,
    SendsPerSession,
}

impl Metric {
    pub const ALL: [Metric; 6] = [
        Metric::OtpSuccess,
        Metric::WithinTarget,
        Metric::TimeToCodeP50,
        Metric::TimeToCodeP99,
        Metric::CostPerSuccess,
        Metric::SendsPerSession,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Metric::OtpSuccess => "otp_success",
            Metric::WithinTarget => "success_within_target",
            Metric::TimeToCodeP50 => "time_to_code_p50_s",
            Metric::TimeToCodeP99 => "time_to_code_p99_s",
            Metric::CostPerSuccess => "cost_per_success",
            Metric::SendsPerSession => "sends_per_session",
        }
    }

    pub fn parse(text: &str) -> Result<Metric, String> {
        Metric::ALL
            .into_iter()
            .find(|m| m.name() == text)
            .ok_or_else(|| {
                let names: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
                format!(
                    "--metric: unknown metric \"{text}\"; expected one of {}",
                    names.join(", ")
                )
            })
    }

    /// Shares are shown in percent and their differences in points.
    pub fn is_share(self) -> bool {
        matches!(self, Metric::OtpSuccess | Metric::WithinTarget)
    }

    fn of(self, v: &SessionRepValues) -> f64 {
        match self {
            Metric::OtpSuccess => v.otp_success,
            Metric::WithinTarget => v.within_target,
            Metric::TimeToCodeP50 => v.time_to_code[Quantile::P50],
            Metric::TimeToCodeP99 => v.time_to_code[Quantile::P99],
            Metric::CostPerSuccess => v.cost_per_success,
            Metric::SendsPerSession => v.sends_per_session,
        }
    }
}

/// What to vary and measure.
#[derive(Debug, Clone)]
pub struct Options {
    /// Relative change, e.g. 0.2 for down 20% and up 20%.
    pub by: f64,
    pub metric: Metric,
    /// A carrier's sessions only; None for all.
    pub carrier: Option<String>,
    /// Measure this alternative (0: the scenario itself).
    pub variant: usize,
    /// Key paths or `[LABEL]`s; empty for every input.
    pub only: Vec<String>,
}

/// Why an analysis cannot start.
#[derive(Debug, thiserror::Error)]
pub enum SensitivityError {
    #[error("{0}")]
    Load(#[from] LoadError),
    #[error("error: {0}")]
    Usage(String),
}

/// One side of a varied input, ready to simulate.
struct Side {
    value: String,
    scenario: Arc<Scenario>,
}

/// An input with its low and high scenarios (either may be missing, with
/// the reason).
struct Planned {
    input: Input,
    low: Result<Side, String>,
    high: Result<Side, String>,
}

/// The scenarios to simulate: the base and each input's two sides.
pub struct Plan {
    base: Arc<Scenario>,
    /// The scenario's own replications, before the screening cap.
    scenario_replications: u32,
    carrier: Option<usize>,
    inputs: Vec<Planned>,
    pub options: Options,
}

impl Plan {
    /// Validates every varied scenario before anything runs.
    pub fn new(
        text: &str,
        source: &str,
        settings: &Settings,
        options: Options,
    ) -> Result<Plan, SensitivityError> {
        if !(options.by > 0.0 && options.by < 1.0) {
            return Err(SensitivityError::Usage(format!(
                "--by must be between 0% and 100% (exclusive), got {}",
                options.by
            )));
        }
        let base = settings.apply(text, source)?;
        let carrier = match &options.carrier {
            None => None,
            Some(name) => Some(
                base.carriers
                    .iter()
                    .position(|c| &c.name == name)
                    .ok_or_else(|| {
                        let names: Vec<&str> =
                            base.carriers.iter().map(|c| c.name.as_str()).collect();
                        SensitivityError::Usage(format!(
                            "--carrier: {source} has no carrier \"{name}\"; it defines {}",
                            names.join(", ")
                        ))
                    })?,
            ),
        };
        let all = inputs(text);
        let overridden: Vec<&str> = settings
            .sets
            .iter()
            .filter_map(|s| s.split_once('=').map(|(k, _)| k.trim()))
            .collect();
        let chosen: Vec<Input> = all
            .iter()
            .filter(|i| !overridden.contains(&i.key.as_str()))
            .filter(|i| options.only.is_empty() || options.only.iter().any(|p| i.matches(p)))
            .cloned()
            .collect();
        if chosen.is_empty() {
            let mut labels: Vec<&str> = all
                .iter()
                .flat_map(|i| i.labels.iter().map(String::as_str))
                .collect();
            labels.sort_unstable();
            labels.dedup();
            return Err(SensitivityError::Usage(format!(
                "--only {} selects none of the {} numeric inputs of {source}; give key paths (e.g. carriers.rakuten or carriers.*.intl_filter) or labels in brackets ({})",
                options.only.join(","),
                all.len(),
                labels
                    .iter()
                    .map(|l| format!("[{l}]"))
                    .collect::<Vec<_>>()
                    .join(" ")
            )));
        }
        let side = |input: &Input, factor: f64| -> Result<Side, String> {
            let mut last = String::from("the value cannot change");
            for clamp in [false, true] {
                let Some(varied) = input.vary(text, factor, clamp) else {
                    break;
                };
                match settings.apply(&varied.text, source) {
                    Ok(sc) => {
                        return Ok(Side {
                            value: varied.value,
                            scenario: Arc::new(sc.variant(options.variant).clone()),
                        });
                    }
                    Err(e) => last = invalid_reason(&e, &varied.value),
                }
            }
            Err(last)
        };
        let inputs = chosen
            .into_iter()
            .map(|input| Planned {
                low: side(&input, 1.0 - options.by),
                high: side(&input, 1.0 + options.by),
                input,
            })
            .collect();
        let mut measured = base.variant(options.variant).clone();
        if settings.replications.is_none() {
            measured.replications = measured.replications.min(SCREENING_REPLICATIONS);
        }
        Ok(Plan {
            scenario_replications: base.replications,
            base: Arc::new(measured),
            carrier,
            inputs,
            options,
        })
    }

    /// How many inputs the plan varies.
    pub fn input_count(&self) -> usize {
        self.inputs.len()
    }

    /// Simulates the base and every side, all replications in one pool,
    /// and measures the effects.
    pub fn run(self, runner: &Runner) -> Analysis {
        let mut units: Vec<(Arc<Scenario>, Vec<u32>)> = Vec::new();
        let reps: Vec<u32> = (0..self.base.replications).collect();
        units.push((self.base.clone(), reps.clone()));
        // For each input, the unit index of its low and high side.
        let mut index = |side: &Result<Side, String>| {
            side.as_ref().ok().map(|s| {
                units.push((s.scenario.clone(), reps.clone()));
                units.len() - 1
            })
        };
        let slots: Vec<(Option<usize>, Option<usize>)> = self
            .inputs
            .iter()
            .map(|p| (index(&p.low), index(&p.high)))
            .collect();
        let metric = self.options.metric;
        let mut values = vec![vec![f64::NAN; reps.len()]; units.len()];
        let mut sessions = 0u64;
        runner.run_units(&units, |u, r, m| {
            sessions += m.total_sessions();
            values[u][r as usize] = metric.of(&SessionRepValues::of(&m, self.carrier));
        });
        let base_values = &values[0];
        let effects = self
            .inputs
            .into_iter()
            .zip(slots)
            .map(|(p, (low, high))| {
                let at = |slot: Option<usize>| slot.map_or(base_values, |u| &values[u]);
                Effect {
                    low: paired(at(low), base_values),
                    high: paired(at(high), base_values),
                    swing: paired(at(high), at(low)),
                    low_value: p.low.map(|s| s.value),
                    high_value: p.high.map(|s| s.value),
                    base_value: p.input.base_value(),
                    input: p.input,
                }
            })
            .collect();
        let mut analysis = Analysis {
            scenario: self.base.name.clone(),
            metric,
            carrier: self.options.carrier.clone(),
            by: self.options.by,
            seed: self.base.seed,
            replications: self.base.replications,
            scenario_replications: self.scenario_replications,
            base: mean_interval(&finite(base_values)),
            effects,
            sessions,
        };
        analysis.rank();
        analysis
    }
}

/// The first diagnostic of a varied scenario that does not validate.
fn invalid_reason(e: &LoadError, value: &str) -> String {
    match e {
        LoadError::Invalid(err) => match err.diagnostics.first() {
            Some(d) => format!("{value} is not valid: expected {}", d.expected),
            None => format!("{value} is not valid"),
        },
        other => other.to_string(),
    }
}

fn finite(values: &[f64]) -> Vec<f64> {
    values.iter().copied().filter(|v| v.is_finite()).collect()
}

/// Mean of per-replication differences `a - b` with a 95% t interval;
/// replications where either is undefined are left out.
fn paired(a: &[f64], b: &[f64]) -> Estimate {
    let differences: Vec<f64> = a
        .iter()
        .zip(b)
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .map(|(x, y)| x - y)
        .collect();
    mean_interval(&differences)
}

/// One input's effect on the metric.
#[derive(Debug, Clone)]
pub struct Effect {
    pub input: Input,
    pub base_value: String,
    /// The varied values, or why a side could not be simulated.
    pub low_value: Result<String, String>,
    pub high_value: Result<String, String>,
    /// Metric at the low (high) value minus at the base.
    pub low: Estimate,
    pub high: Estimate,
    /// Metric at the high value minus at the low value.
    pub swing: Estimate,
}

impl Effect {
    /// The swing's interval excludes zero.
    pub fn is_clear(&self) -> bool {
        self.swing.is_defined() && (self.swing.low > 0.0 || self.swing.high < 0.0)
    }

    fn magnitude(&self) -> f64 {
        if self.swing.value.is_finite() {
            self.swing.value.abs()
        } else {
            0.0
        }
    }
}

/// The effects of every input, largest swing first.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub scenario: String,
    pub metric: Metric,
    pub carrier: Option<String>,
    pub by: f64,
    pub seed: u64,
    pub replications: u32,
    /// The scenario's (or `-r`'s) replications; more than `replications`
    /// when the screening default capped them.
    pub scenario_replications: u32,
    /// The metric at the base values.
    pub base: Estimate,
    pub effects: Vec<Effect>,
    /// Sessions simulated in all.
    pub sessions: u64,
}

impl Analysis {
    fn rank(&mut self) {
        // Clear effects first, then by size; the file order breaks ties.
        self.effects.sort_by(|a, b| {
            b.is_clear()
                .cmp(&a.is_clear())
                .then(b.magnitude().total_cmp(&a.magnitude()))
        });
    }

    /// The inputs with the largest clear effects, at most `n`.
    pub fn top(&self, n: usize) -> Vec<&Effect> {
        self.effects
            .iter()
            .filter(|e| e.is_clear())
            .take(n)
            .collect()
    }
}
