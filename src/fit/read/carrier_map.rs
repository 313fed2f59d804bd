//! Number prefix → carrier (to be written).
