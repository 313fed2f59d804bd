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

    pub fn parse(text: &str) -> Result<Metric, SensitivityError> {
        Metric::ALL
            .into_iter()
            .find(|m| m.name() == text)
            .ok_or_else(|| SensitivityError::UnknownMetric(text.to_string()))
    }

    /// Every metric's name, comma-separated, for messages.
    fn names() -> String {
        let names: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
        names.join(", ")
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

/// Why an analysis cannot start. Apart from `Load`, each is a misuse of
/// the command line (exit 2); `crate::Error` adds the leading "error: ".
#[derive(Debug, thiserror::Error)]
pub enum SensitivityError {
    #[error("{0}")]
    Load(#[from] LoadError),
    #[error("--metric: unknown metric \"{0}\"; expected one of {names}", names = Metric::names())]
    UnknownMetric(String),
    #[error("--by must be between 0% and 100% (exclusive), got {0}")]
    ByOutOfRange(f64),
    #[error("--carrier: {file} has no carrier \"{name}\"; it defines {}", .defined.join(", "))]
    UnknownCarrier {
        file: String,
        name: String,
        defined: Vec<String>,
    },
    #[error(
        "--only {} selects none of the {inputs} numeric inputs of {file}; give key paths (e.g. carriers.rakuten or carriers.*.intl_filter) or labels in brackets ({})",
        .only.join(","),
        .labels.iter().map(|l| format!("[{l}]")).collect::<Vec<_>>().join(" ")
    )]
    NothingSelected {
        only: Vec<String>,
        inputs: usize,
        file: String,
        labels: Vec<String>,
    },
}

/// Why one side of an input is not simulated (the base value stands in).
#[derive(Debug, Clone, thiserror::Error)]
pub enum SkippedSide {
    /// Varying the number leaves its text as it was.
    #[error("the value cannot change")]
    Unchanged,
    /// The varied scenario breaks a rule: its first diagnostic's expectation.
    #[error("{value} is not valid: expected {expected}")]
    Invalid { value: String, expected: String },
    #[error("{value} is not valid")]
    InvalidUnexplained { value: String },
    /// The varied scenario could not be loaded for another reason.
    #[error("{0}")]
    Unloadable(Arc<LoadError>),
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
    low: Result<Side, SkippedSide>,
    high: Result<Side, SkippedSide>,
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
            return Err(SensitivityError::ByOutOfRange(options.by));
        }
        let base = settings.apply(text, source)?;
        let carrier = match &options.carrier {
            None => None,
            Some(name) => Some(
                base.carriers
                    .iter()
                    .position(|c| &c.name == name)
                    .ok_or_else(|| SensitivityError::UnknownCarrier {
                        file: source.to_string(),
                        name: name.clone(),
                        defined: base.carriers.iter().map(|c| c.name.clone()).collect(),
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
            let mut labels: Vec<String> = all.iter().flat_map(|i| i.labels.clone()).collect();
            labels.sort_unstable();
            labels.dedup();
            return Err(SensitivityError::NothingSelected {
                only: options.only.clone(),
                inputs: all.len(),
                file: source.to_string(),
                labels,
            });
        }
        let side = |input: &Input, factor: f64| -> Result<Side, SkippedSide> {
            let mut last = SkippedSide::Unchanged;
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
                    Err(e) => last = skipped(e, varied.value),
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
        let mut index = |side: &Result<Side, SkippedSide>| {
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

/// Why a varied scenario (`value` in place of the base) is not simulated:
/// the first diagnostic if it does not validate.
fn skipped(e: LoadError, value: String) -> SkippedSide {
    match e {
        LoadError::Invalid(err) => match err.diagnostics.first() {
            Some(d) => SkippedSide::Invalid {
                value,
                expected: d.expected.clone(),
            },
            None => SkippedSide::InvalidUnexplained { value },
        },
        other => SkippedSide::Unloadable(Arc::new(other)),
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
    pub low_value: Result<String, SkippedSide>,
    pub high_value: Result<String, SkippedSide>,
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

#[cfg(test)]
mod tests {
    use super::*;

    const WORLD: &str = r#"
[scenario]
name = "typed"
duration = "1m"
seed = 3
replications = 2

[traffic]
rate = "1/s"

[otp]
max_sends = 1

[providers.p]
route = "international"
price = 5.0        # [V]

[routing]
policy = "single"
provider = "p"

[carriers.c]
share = 1.0
spam_filter = 0.1
"#;

    fn options(by: f64, carrier: Option<&str>, only: &[&str]) -> Options {
        Options {
            by,
            metric: Metric::OtpSuccess,
            carrier: carrier.map(String::from),
            variant: 0,
            only: only.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn refusal(options: Options) -> SensitivityError {
        match Plan::new(WORLD, "typed.toml", &Settings::default(), options) {
            Ok(_) => panic!("the plan should be refused"),
            Err(e) => e,
        }
    }

    #[test]
    fn each_refusal_is_its_own_variant_and_reads_as_a_sentence() {
        let e = Metric::parse("speed").unwrap_err();
        assert!(matches!(&e, SensitivityError::UnknownMetric(m) if m == "speed"));
        assert_eq!(
            e.to_string(),
            "--metric: unknown metric \"speed\"; expected one of otp_success, \
             success_within_target, time_to_code_p50_s, time_to_code_p99_s, \
             cost_per_success, sends_per_session"
        );
        let e = refusal(options(1.5, None, &[]));
        assert!(matches!(e, SensitivityError::ByOutOfRange(by) if by == 1.5));
        assert_eq!(
            e.to_string(),
            "--by must be between 0% and 100% (exclusive), got 1.5"
        );
        let e = refusal(options(0.2, Some("x"), &[]));
        assert!(matches!(e, SensitivityError::UnknownCarrier { .. }));
        assert_eq!(
            e.to_string(),
            "--carrier: typed.toml has no carrier \"x\"; it defines c"
        );
        let e = refusal(options(0.2, None, &["[Q]", "nothing.here"]));
        assert!(matches!(
            e,
            SensitivityError::NothingSelected { inputs: 4, .. }
        ));
        assert_eq!(
            e.to_string(),
            "--only [Q],nothing.here selects none of the 4 numeric inputs of typed.toml; \
             give key paths (e.g. carriers.rakuten or carriers.*.intl_filter) or labels \
             in brackets ([V])"
        );
    }

    #[test]
    fn a_side_that_does_not_validate_is_skipped_with_the_expectation() {
        let plan = Plan::new(
            WORLD,
            "typed.toml",
            &Settings::default(),
            options(0.99, None, &["otp.max_sends"]),
        )
        .unwrap();
        let sides = &plan.inputs[0];
        match &sides.low {
            Err(skipped @ SkippedSide::Invalid { value, .. }) => {
                assert_eq!(value, "0");
                assert_eq!(
                    skipped.to_string(),
                    "0 is not valid: expected at least 1 send"
                );
            }
            Err(other) => panic!("skipped for another reason: {other}"),
            Ok(_) => panic!("max_sends = 0 should not be simulated"),
        }
        assert!(sides.high.is_ok());
    }
}
