//! Kannel access log (to be written).
use super::FormatError;
use crate::fit::Sink;
use std::io::BufRead;

pub fn read<R: BufRead, S: Sink>(_input: R, _sink: &mut S) -> Result<(), FormatError> {
    Err(FormatError::Invalid {
        line: 0,
        message: "the Kannel reader is not written yet".into(),
    })
}
