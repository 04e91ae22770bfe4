//! Errors of sync. Messages are written for the person at the keyboard; they never contain
//! a key, a passphrase or anything about a pupil (a sync file's contents are never quoted).

use crate::hlc::DeviceId;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("This is not an Attune sync file.")]
    NotASyncFile,
    #[error("This sync file was written by a newer version of Attune (format {0}). Update Attune on this laptop first.")]
    UnsupportedVersion(u8),
    #[error("This sync file is damaged or has been changed: {0}. Nothing was imported.")]
    Damaged(&'static str),
    #[error("This sync file is for another vault. Nothing was imported.")]
    WrongRecipient,
    #[error("This sync file comes from a laptop this vault does not know (device {0}). Nothing was imported.")]
    UnknownDevice(DeviceId),
    #[error("This sync file comes from a laptop that was removed from the school (device {0}). Nothing was imported.")]
    RemovedDevice(DeviceId),
    #[error("A sync file from device {device} has a clock {ahead_ms} ms ahead of this laptop's; check the date and time on that laptop. Nothing was imported.")]
    ClockAhead { device: DeviceId, ahead_ms: u64 },
    #[error("Changes from device {device} are missing: expected change {expected}, got {got}. Import the earlier sync file first, or ask for a new one.")]
    Gap {
        device: DeviceId,
        expected: u64,
        got: u64,
    },
    #[error("This change needs change {needed} from device {device} first (this vault has {have}). Import the earlier sync file first.")]
    Waiting {
        device: DeviceId,
        needed: u64,
        have: u64,
    },
    #[error("Refused: {0}. Nothing was imported.")]
    Refused(String),
    #[error("{0}")]
    InvalidInput(String),
    #[cfg(feature = "session")]
    #[error("Database error while syncing: {0}")]
    Db(#[from] rusqlite::Error),
}

pub type Result<T> = std::result::Result<T, Error>;
