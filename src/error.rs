//! Everything that can stop a command, each with its documented exit code
//! (README): 2 for invalid input or usage, 3 for a failed read or write,
//! 4 for a network failure (a port that cannot be bound, a target that
//! cannot be reached or stops answering).
//! Each module reports its own failures in its own type; they meet here.

use crate::export::BaselineError;
use crate::output::WriteError;
use crate::partial::PartialError;
use crate::scenario::{LoadError, OverrideError, ScenarioError, UnknownAlternative};
use crate::sensitivity::SensitivityError;
use crate::sweep::AxisError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The scenario file is invalid; the diagnostics carry "error:" lines.
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    /// A `--set KEY=VALUE` that cannot be read.
    #[error("error: {0}")]
    Override(#[from] OverrideError),
    /// A sweep's `--set KEY=V1,V2,...` that cannot be read.
    #[error("error: {0}")]
    Axis(#[from] AxisError),
    /// A shard specification or partial result that cannot be merged.
    #[error("error: {0}")]
    Partial(#[from] PartialError),
    /// A `--baseline` report that cannot be compared with.
    #[error("error: {path}: {source}")]
    Baseline { path: String, source: BaselineError },
    /// Bad command-line use.
    #[error("error: {0}")]
    Usage(String),
    /// A port could not be bound, or a target could not be reached, bound
    /// to or kept answering. The text is a sentence naming the address.
    #[error("error: {0}")]
    Network(String),
    /// Reading or writing a file failed.
    #[error("error: {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Io { .. } => 3,
            Error::Network(_) => 4,
            _ => 2,
        }
    }

    /// An I/O failure on `path`.
    pub fn io(path: impl std::fmt::Display, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_string(),
            source,
        }
    }
}

impl From<LoadError> for Error {
    fn from(e: LoadError) -> Self {
        match e {
            LoadError::Io { path, source } => Error::Io { path, source },
            LoadError::Invalid(e) => Error::Scenario(e),
            LoadError::Override(e) => Error::Override(e),
            LoadError::NoReplications => Error::Usage("--replications must be at least 1".into()),
            e @ LoadError::TooManyReplications(_) => Error::Usage(trim_error(&e)),
            e @ LoadError::Unreadable { .. } => Error::Usage(trim_error(&e)),
        }
    }
}

impl From<SensitivityError> for Error {
    fn from(e: SensitivityError) -> Self {
        match e {
            SensitivityError::Load(e) => e.into(),
            usage => Error::Usage(usage.to_string()),
        }
    }
}

impl From<crate::records::RecordsError> for Error {
    fn from(e: crate::records::RecordsError) -> Self {
        use crate::records::RecordsError;
        match e {
            RecordsError::Extension(_) => Error::Usage(e.to_string()),
            RecordsError::Io { path, source } => Error::Io { path, source },
        }
    }
}

impl From<WriteError> for Error {
    fn from(e: WriteError) -> Self {
        Error::Io {
            path: e.path,
            source: e.source,
        }
    }
}

impl From<crate::protocol::ClientError> for Error {
    fn from(e: crate::protocol::ClientError) -> Self {
        if e.is_usage() {
            Error::Usage(e.to_string())
        } else {
            Error::Network(e.to_string())
        }
    }
}

impl From<UnknownAlternative> for Error {
    fn from(e: UnknownAlternative) -> Self {
        Error::Usage(e.to_string())
    }
}

/// A message without its leading "error: ", which `Error` adds again.
fn trim_error(e: &impl std::fmt::Display) -> String {
    let text = e.to_string();
    text.strip_prefix("error: ").unwrap_or(&text).to_string()
}
