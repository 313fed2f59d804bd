//! `--baseline report.json`: fail on regressions against an earlier JSON
//! report. Rates (OTP success, success within target, per alternative and
//! carrier) may drop by at most `tolerance` (absolute); time to code p99 and
//! cost per success may grow by at most `tolerance` as a fraction.

use super::json::JSON_SCHEMA_ID;
use crate::report::{Unit, Verdict};
use crate::stats::Estimate;
use serde_json::Value;

/// Why a baseline report cannot be compared with.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("not a JSON report: {0}")]
    NotJson(#[from] serde_json::Error),
    #[error("the baseline is not a simsms JSON report ({JSON_SCHEMA_ID})")]
    WrongSchema,
    #[error(
        "the baseline is a report of scenario \"{baseline}\", this run is of \"{current}\"; compare a scenario with its own earlier report"
    )]
    OtherScenario { baseline: String, current: String },
}

fn value_at(v: &Value, path: &[&str]) -> Option<f64> {
    path.iter()
        .try_fold(v, |v, k| v.get(k))
        .and_then(Value::as_f64)
}

/// Whether `baseline` is a simsms JSON report of scenario `name`.
pub fn check_baseline_of(baseline: &Value, name: &str) -> Result<(), BaselineError> {
    if baseline.get("schema").and_then(Value::as_str) != Some(JSON_SCHEMA_ID) {
        return Err(BaselineError::WrongSchema);
    }
    let was = baseline
        .pointer("/scenario/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if was != name {
        return Err(BaselineError::OtherScenario {
            baseline: was.to_string(),
            current: name.to_string(),
        });
    }
    Ok(())
}

/// Checks `current` (a JSON report) against `baseline`; returns one
/// verdict per regression, plus one summarising the checks that held.
pub fn compare_with_baseline(
    current: &Value,
    baseline: &Value,
    tolerance: f64,
) -> Result<Vec<Verdict>, BaselineError> {
    let name = current
        .pointer("/scenario/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    check_baseline_of(baseline, name)?;
    let empty = Vec::new();
    let alternatives = |v: &'_ Value| {
        v.get("alternatives")
            .and_then(Value::as_array)
            .unwrap_or(&empty)
            .clone()
    };
    let old_alts = alternatives(baseline);
    let mut verdicts = Vec::new();
    let mut held = 0;
    for alt in alternatives(current) {
        let name = alt.get("name").and_then(Value::as_str).unwrap_or_default();
        let Some(old) = old_alts
            .iter()
            .find(|a| a.get("name").and_then(Value::as_str) == Some(name))
        else {
            continue;
        };
        let rows = |a: &Value| {
            a.get("sessions")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let old_rows = rows(old);
        for row in rows(&alt) {
            let carrier = row.get("carrier").cloned().unwrap_or(Value::Null);
            let Some(old_row) = old_rows.iter().find(|r| r.get("carrier") == Some(&carrier)) else {
                continue;
            };
            let carrier_name = carrier.as_str().unwrap_or("all");
            let checks: [(&str, &[&str], bool); 4] = [
                ("otp_success", &["otp_success", "value"], true),
                (
                    "success_within_target",
                    &["success_within_target", "value"],
                    true,
                ),
                (
                    "time_to_code_p99",
                    &["time_to_code_s", "p99", "value"],
                    false,
                ),
                ("cost_per_success", &["cost_per_success", "value"], false),
            ];
            for (metric, path, higher_is_better) in checks {
                let (Some(new), Some(was)) = (value_at(&row, path), value_at(old_row, path)) else {
                    continue;
                };
                let (ok, bound) = if higher_is_better {
                    (
                        new >= was - tolerance,
                        format!(
                            ">= {:.4} (baseline {was:.4} - {tolerance})",
                            was - tolerance
                        ),
                    )
                } else {
                    (
                        new <= was * (1.0 + tolerance),
                        format!(
                            "<= {:.4} (baseline {was:.4} + {}%)",
                            was * (1.0 + tolerance),
                            tolerance * 100.0
                        ),
                    )
                };
                if ok {
                    held += 1;
                } else {
                    verdicts.push(Verdict {
                        label: format!(
                            "baseline: {metric} alternative={name} carrier={carrier_name}"
                        ),
                        observed: Estimate::exact(new),
                        bound,
                        min: None,
                        max: None,
                        passed: false,
                        measured: true,
                        why_unmeasured: "",
                        unit: match metric.starts_with("time") {
                            true => Unit::Seconds,
                            false => Unit::Number,
                        },
                    });
                }
            }
        }
    }
    verdicts.push(Verdict {
        label: format!("baseline: {held} checks within tolerance {tolerance}"),
        observed: Estimate::exact(held as f64),
        bound: "no regression".into(),
        min: None,
        max: None,
        passed: true,
        measured: true,
        why_unmeasured: "",
        unit: Unit::Number,
    });
    Ok(verdicts)
}
