//! A team's own CSV (to be written).
use super::{FormatError, ReadOptions};
use crate::fit::Sink;
use std::io::BufRead;

pub fn read<R: BufRead, S: Sink>(
    _input: R,
    _options: &ReadOptions,
    _sink: &mut S,
) -> Result<(), FormatError> {
    Err(FormatError::Invalid {
        line: 0,
        message: "the generic CSV reader is not written yet".into(),
    })
}
