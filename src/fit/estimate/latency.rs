//! Latency fits (stand-in until the estimator lands from its branch).
#[derive(Debug, Clone)]
pub struct LatencyFit {
    pub median: f64,
}
impl LatencyFit {
    pub fn of(values: &mut [f64]) -> LatencyFit {
        values.sort_by(f64::total_cmp);
        LatencyFit {
            median: values[values.len() / 2],
        }
    }
}
impl LatencyFit {
    pub fn quantile(&self, _p: f64) -> Option<crate::stats::Estimate> {
        None
    }
}
