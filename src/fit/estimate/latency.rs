//! Latency fits (to be written).
