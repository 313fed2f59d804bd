//! What both ends of a wire share, so that `serve`, `load` and `bench`
//! speak through one layer: the vocabulary that says a message's fate on
//! SMPP and on Twilio's HTTP API and reads it back, SMPP framing and the
//! client side of a bind, Twilio's request signature, the target syntax
//! (`smpp://`, `http(s)://`) and the errors a client meets.

pub mod client_error;
pub mod smpp;
pub mod target;
pub mod twilio;
pub mod vocabulary;

pub use client_error::ClientError;
