//! The shapes that cross the IPC boundary. TypeScript types for the UI are generated from
//! these (see `bindings` test): `ui/src/lib/bindings.ts` is committed and a test fails when
//! it is stale. Nothing here carries a secret back to the UI except the recovery key, which
//! is shown exactly once during setup.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use attune_vault::audit::AuditEntry;
pub use attune_vault::{ErrorKind, PassphraseStrength, Role, UserInfo};

// The records of issue 3 cross as the domain crate's own types (each derives `ts_rs::TS`).
pub use attune_domain::calendar::{Closure, DateRange, SchoolCalendar, Term};
pub use attune_domain::dates::DateOrder;
pub use attune_domain::framework::{Domain, Framework};
pub use attune_domain::identifiers::IdentifierKind;
pub use attune_domain::import::{
    ColumnMapping, CsvHeader, ImportPreview, LineError, NewPupil, PupilField,
};
pub use attune_domain::model::*;
pub use attune_domain::schedule::Cadence;

/// Every command error as the UI sees it: a stable `kind` the UI matches on, and a
/// message written for a person. Messages never contain a secret or a pupil's data.
#[derive(Debug, Clone, Serialize, TS)]
pub struct CommandError {
    pub kind: ErrorKind,
    pub message: String,
    /// Seconds to wait before the next unlock attempt, for `kind == "throttled"`.
    #[ts(type = "number | null")]
    pub retry_after_secs: Option<u64>,
    /// The form field an invalid input is about ("legal_forename", "minutes", …), so the
    /// error summary can link to it; null for every other error.
    #[ts(optional = nullable)]
    pub field: Option<String>,
}

/// Where the app stands, asked for at start and after every lock.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum AppStatus {
    /// No vault in the vault folder yet: show first-run setup.
    FirstRun { vault_dir: String },
    /// A vault exists and is locked: show the unlock screen.
    Locked {
        vault_dir: String,
        school: String,
        users: Vec<UserInfo>,
        /// Seconds until another attempt is allowed (0 = now).
        #[ts(type = "number")]
        retry_after_secs: u64,
        /// Why the app last locked itself, if it did ("idle", "suspend", "screen_lock", "manual").
        last_lock_reason: Option<String>,
    },
    /// Unlocked: show the app.
    Unlocked {
        vault_dir: String,
        school: String,
        session: SessionInfo,
    },
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct SessionInfo {
    pub user: UserInfo,
    /// True when unlocked with the recovery key: the UI must ask for a new passphrase
    /// (`reset_passphrase`) before anything else; every other command refuses until then.
    pub must_set_passphrase: bool,
    pub auto_lock_minutes: u32,
}

/// Returned by `begin_setup`: the recovery key, shown once, and which groups to re-type.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SetupPending {
    /// The recovery key in groups of four characters, e.g. ["K7QW", "M2PZ", ...].
    pub recovery_groups: Vec<String>,
    /// 1-based positions of the groups the user must re-type to confirm they kept it.
    pub confirm_positions: Vec<u32>,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct SetupRequest {
    pub school: String,
    pub name: String,
    pub passphrase: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct NewUserRequest {
    pub name: String,
    pub role: Role,
    pub passphrase: String,
}

/// Sent to the UI as the `locked` event when the app locks itself.
#[derive(Debug, Clone, Serialize, TS)]
pub struct LockedEvent {
    pub reason: String,
}
