//! Persistence (to be written).
