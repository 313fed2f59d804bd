//! What both ends of a wire share, so that `serve`, `load` and `bench`
//! speak through one layer: the vocabulary that says a message's fate on
//! SMPP and on Twilio's HTTP API and reads it back.

pub mod vocabulary;
