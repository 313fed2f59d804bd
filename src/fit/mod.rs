//! `simsms fit`: reading a team's own delivery records backwards into a
//! scenario. Readers (`read/`) turn each input format into the same
//! [`Observation`]s; the collector groups them per provider × carrier;
//! estimators (`estimate/`) turn the groups into fitted values with 95%
//! intervals; the fitted scenario and the fit report are written from those.

pub mod bench;
pub mod check;
pub mod collect;
pub mod estimate;
pub mod estimates;
pub mod html;
pub mod observation;
pub mod partial;
pub mod read;
pub mod report;
pub mod scenario_out;
pub mod summary;
pub mod written;

pub use observation::{FinalState, Observation, Sink, Skip};
