//! The commented starter scenario written by `simsms init`.

/// A small, complete scenario that documents itself.
pub const STARTER_SCENARIO: &str = include_str!("../../scenarios/starter.toml");
