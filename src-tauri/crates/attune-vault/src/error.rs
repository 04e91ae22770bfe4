//! Errors of the vault. Messages are written for the person at the keyboard and never
//! contain a secret (passphrase, key, recovery key) or anything about a pupil.

use serde::Serialize;
use ts_rs::TS;

/// A stable code for each kind of failure: the UI and the CLI's exit codes match on this,
/// never on message text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    Locked,
    WrongPassphrase,
    WrongRecoveryKey,
    Throttled,
    WeakPassphrase,
    NotPermitted,
    InvalidInput,
    NotFound,
    KeySlotsDamaged,
    VaultDamaged,
    VaultInUse,
    AlreadyExists,
    MustSetPassphrase,
    /// Long work stopped because it was asked to (or the vault locked), leaving nothing behind.
    Cancelled,
    Io,
    Internal,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("That passphrase is not right for {user}.")]
    WrongPassphrase { user: String },
    #[error("That recovery key does not open this vault.")]
    WrongRecoveryKey,
    #[error("Too many wrong attempts. Wait {retry_after_secs} seconds before trying again.")]
    Throttled { retry_after_secs: u64 },
    #[error("That passphrase is too easy to guess. {advice}")]
    WeakPassphrase { advice: String },
    #[error("Not permitted: {0}")]
    NotPermitted(String),
    #[error("{0}")]
    InvalidInput(String),
    #[error("{0}")]
    NotFound(String),
    #[error("The key-slot file is damaged ({0}). Restore it from a backup of the vault folder.")]
    KeySlotsDamaged(String),
    #[error("There is no key-slot file in {0}. Without it the vault cannot be opened; restore the vault folder from a backup.")]
    KeySlotsMissing(String),
    #[error("The vault is damaged: {0}")]
    VaultDamaged(String),
    /// The key from a slot did not open the database (internal to unlocking).
    #[error("The database did not accept the key.")]
    KeyRejected,
    #[error(
        "This vault is already open in another Attune window or program. Close it there first."
    )]
    VaultInUse,
    #[error("{0}")]
    AlreadyExists(String),
    #[error("This Attune was built without encryption (SQLCipher is missing); it refuses to open a vault.")]
    NotSqlCipher,
    #[error("The vault is locked.")]
    Locked,
    #[error("Set a new passphrase before doing anything else.")]
    MustSetPassphrase,
    /// A restored database still holds a pupil erased earlier; Attune erases them again at
    /// once after unlocking, so this is met only if that step failed.
    #[error("This copy of the vault still holds a pupil who was erased. Attune must erase them again before the vault can be used: lock it and unlock it again.")]
    ErasurePending,
    #[error("A file could not be read or written: {0}")]
    Io(std::io::Error),
    /// The disk (or USB stick) has no room left: the write did not happen, and what was
    /// saved before it is intact.
    #[error(
        "The disk is full: {0}. Nothing already saved was lost; free some space and try again."
    )]
    DiskFull(String),
    /// A backup file that fails its checksum, its MAC or its database checks.
    #[error("The backup file is damaged or has been altered ({0}). Nothing was restored from it.")]
    BackupDamaged(String),
    #[error("The database reported an error: {0}")]
    Sqlite(rusqlite::Error),
    #[error("Internal error: {0}")]
    Internal(String),
    /// Long work stopped because it was asked to, or because the vault locked; what it had
    /// begun was undone (see `progress`).
    #[error("Stopped before it finished: nothing was changed.")]
    Cancelled,
    /// A sync file not sealed or not opened, and why (`sync_keys`).
    #[error("{0}")]
    SyncRefused(crate::sync_keys::SyncRefusal),
}

impl From<crate::sync_keys::SyncRefusal> for Error {
    fn from(r: crate::sync_keys::SyncRefusal) -> Self {
        Error::SyncRefused(r)
    }
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::WrongPassphrase { .. } => ErrorKind::WrongPassphrase,
            Error::WrongRecoveryKey => ErrorKind::WrongRecoveryKey,
            Error::Throttled { .. } => ErrorKind::Throttled,
            Error::WeakPassphrase { .. } => ErrorKind::WeakPassphrase,
            Error::NotPermitted(_) => ErrorKind::NotPermitted,
            Error::InvalidInput(_) => ErrorKind::InvalidInput,
            Error::NotFound(_) => ErrorKind::NotFound,
            Error::KeySlotsDamaged(_) | Error::KeySlotsMissing(_) => ErrorKind::KeySlotsDamaged,
            Error::VaultDamaged(_) | Error::NotSqlCipher | Error::KeyRejected => {
                ErrorKind::VaultDamaged
            }
            Error::VaultInUse => ErrorKind::VaultInUse,
            Error::AlreadyExists(_) => ErrorKind::AlreadyExists,
            Error::Locked => ErrorKind::Locked,
            Error::MustSetPassphrase => ErrorKind::MustSetPassphrase,
            Error::ErasurePending => ErrorKind::Locked,
            Error::Io(_) | Error::DiskFull(_) => ErrorKind::Io,
            Error::BackupDamaged(_) => ErrorKind::VaultDamaged,
            Error::Sqlite(e) if is_corruption(e) => ErrorKind::VaultDamaged,
            Error::Sqlite(_) | Error::Internal(_) => ErrorKind::Internal,
            Error::Cancelled => ErrorKind::Cancelled,
            Error::SyncRefused(r) => r.kind(),
        }
    }

    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Error::Throttled { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        }
    }
}

fn is_corruption(e: &rusqlite::Error) -> bool {
    use rusqlite::ffi::ErrorCode;
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseCorrupt) | Some(ErrorCode::NotADatabase)
    )
}

fn is_disk_full(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::StorageFull || e.raw_os_error() == Some(28 /* ENOSPC */)
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        if is_disk_full(&e) {
            Error::DiskFull("there is no space left on it".into())
        } else {
            Error::Io(e)
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ffi::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => {
                return Error::DiskFull(
                    "the database could not save the change because there is no space left".into(),
                )
            }
            Some(ErrorCode::SystemIoFailure) => {
                return Error::Io(std::io::Error::other(
                    "the disk reported an error while the database was reading or writing; the last change was not saved",
                ))
            }
            _ => {}
        }
        if is_corruption(&e) {
            Error::VaultDamaged(
                "a page of the database failed its integrity check. Restore the vault from a backup."
                    .into(),
            )
        } else {
            Error::Sqlite(e)
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
