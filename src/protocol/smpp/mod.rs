//! SMPP 3.4 as both ends speak it: `frame` splits a byte stream into PDUs
//! (one bad PDU never ends a session), `receipt` writes and reads a
//! delivery receipt, `client` is the side that binds and submits (`load`,
//! `bench`), `parts` the submit_sm PDUs of one message, `server` the
//! requests and answers of the side that accepts binds (`serve`),
//! `user_data` what a submitted message carries (coding, text, its place
//! in a concatenated message).

pub mod client;
pub mod frame;
pub mod parts;
pub mod receipt;
pub mod server;
pub mod user_data;
