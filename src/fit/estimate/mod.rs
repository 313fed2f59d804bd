//! Estimators: from the observations of one provider × carrier to fitted
//! values, each with its 95% interval and the sample it rests on.

pub mod latency;
pub mod persistence;
pub mod store_forward;
