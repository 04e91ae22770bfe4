//! Turning a crate error into the `{kind, message}` the UI matches on.

use attune_vault::{Error, ErrorKind};

pub use crate::dto::CommandError;

impl From<Error> for CommandError {
    fn from(e: Error) -> Self {
        CommandError {
            kind: e.kind(),
            retry_after_secs: e.retry_after_secs(),
            message: e.to_string(),
            field: None,
        }
    }
}

/// A domain error keeps the form field it is about, so the UI's error summary can link to it.
impl From<attune_domain::Error> for CommandError {
    fn from(e: attune_domain::Error) -> Self {
        CommandError {
            kind: e.kind(),
            retry_after_secs: None,
            field: e.field().map(str::to_string),
            message: e.to_string(),
        }
    }
}

impl CommandError {
    pub fn locked() -> Self {
        Error::Locked.into()
    }
    pub fn internal(message: impl Into<String>) -> Self {
        CommandError {
            kind: ErrorKind::Internal,
            message: message.into(),
            retry_after_secs: None,
            field: None,
        }
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        CommandError {
            kind: ErrorKind::InvalidInput,
            message: message.into(),
            retry_after_secs: None,
            field: None,
        }
    }
}

pub type CmdResult<T> = std::result::Result<T, CommandError>;
