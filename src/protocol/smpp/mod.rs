//! SMPP 3.4 as both ends speak it: `frame` splits a byte stream into PDUs
//! (one bad PDU never ends a session), `client` is the side that binds
//! and submits (`load`, `bench`).

pub mod client;
pub mod frame;
