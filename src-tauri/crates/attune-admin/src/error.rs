//! Errors of the admin tool and the exit code each maps to.

use attune_vault::ErrorKind;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Vault(#[from] attune_vault::Error),
    #[error("{0}")]
    Domain(#[from] attune_domain::Error),
    #[error("{0}")]
    Export(#[from] attune_export::Error),
    #[error("{0}")]
    Usage(String),
    /// The command ran but did not do what was asked (what went wrong is already printed).
    #[error("{0}")]
    Failed(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    /// 0 success, 1 failure, 2 bad usage, 3 wrong passphrase, 4 vault damaged.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) => 2,
            Error::Vault(e) => match e.kind() {
                ErrorKind::WrongPassphrase | ErrorKind::WrongRecoveryKey | ErrorKind::Throttled => {
                    3
                }
                ErrorKind::VaultDamaged | ErrorKind::KeySlotsDamaged => 4,
                ErrorKind::InvalidInput | ErrorKind::WeakPassphrase => 2,
                _ => 1,
            },
            Error::Domain(e) => match e.kind() {
                ErrorKind::WrongPassphrase | ErrorKind::WrongRecoveryKey | ErrorKind::Throttled => {
                    3
                }
                ErrorKind::InvalidInput => 2,
                ErrorKind::VaultDamaged | ErrorKind::KeySlotsDamaged => 4,
                _ => 1,
            },
            Error::Export(attune_export::Error::Domain(e)) => Error::Domain(e.clone()).exit_code(),
            Error::Export(e) => match e {
                attune_export::Error::K { .. }
                | attune_export::Error::MergeNeedsFiles(_)
                | attune_export::Error::OutputExists(_)
                | attune_export::Error::NotAFolder(_) => 2,
                _ => 1,
            },
            Error::Failed(_) => 1,
            Error::Io(_) => 1,
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
