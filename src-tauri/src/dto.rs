//! The shapes that cross the IPC boundary. TypeScript types for the UI are generated from
//! these (see `bindings` test): `ui/src/lib/bindings.ts` is committed and a test fails when
//! it is stale. Nothing here carries a secret back to the UI except the recovery key, which
//! is shown exactly once during setup.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use attune_vault::audit::AuditEntry;
pub use attune_vault::{
    CheckArea, CheckProblem, ErrorKind, PassphraseStrength, Role, UserInfo, VaultCheck,
};

// The records of issue 3 cross as the domain crate's own types (each derives `ts_rs::TS`).
pub use attune_domain::model::*;
pub use attune_domain::record::rollover::{
    Leaver, RolloverChoices, RolloverOutcome, RolloverPreview, YearMove,
};
pub use attune_domain::rules::calendar::{Closure, DateRange, SchoolCalendar, Term};
pub use attune_domain::rules::dates::DateOrder;
pub use attune_domain::rules::framework::{Domain, Framework};
pub use attune_domain::rules::identifiers::IdentifierKind;
pub use attune_domain::rules::schedule::Cadence;
pub use attune_domain::transfer::conflicts::{ConflictChoice, ConflictKind, SyncConflict};
pub use attune_domain::transfer::enrol::{Laptop, SyncStatus};
pub use attune_domain::transfer::handover_merge::{
    Comparison, FieldComparison, IdentityField, MergeChoices, MergeCounts, MergeOutcome,
    MergePreview,
};
pub use attune_domain::transfer::import::{
    ColumnMapping, CsvHeader, ImportPreview, NewPupil, PupilField,
};
pub use attune_domain::transfer::mis_update::{
    FieldChange, MissingPupil, NewLine, PupilChanges, UpdateChoices, UpdateOutcome, UpdatePreview,
};
pub use attune_domain::transfer::retention::RetentionDueRow;
pub use attune_domain::transfer::sar::{SarBlock, SarDocument, SarField, SarSection, SarValue};
// The strategic lead's screens (issue 5): the domain's and the exporter's own types.
pub use attune_domain::lead::overview::{Overview, OverviewPupil, OverviewQuery, OverviewRow};
pub use attune_domain::lead::supervision::{
    DiscussedPupil, Supervisee, SupervisionKind, SupervisionNote, SupervisionNoteInput,
};
pub use attune_export::{
    CellStatus, ExportedFiles, MergeReport, PreviewCell, PreviewColumn, PreviewRow, PreviewTable,
    SummaryFileInfo, SummaryPreview, SuppressionReason, Unit,
};

use attune_vault::backup::RecordCounts;

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
    /// Of those, unlocked with a one-time code from a lead's reset (not the recovery key).
    pub opened_with_code: bool,
    pub auto_lock_minutes: u32,
    /// 0 in a school vault; a key adult's laptop's number in a laptop's replica (issue 17).
    pub device_no: u16,
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

/// Sent to the UI as the `work-progress` event while long work runs (a backup, a check, an
/// export, a merge, an import, a restore): `op` is the id the window gave the command (or
/// `auto-backup` for the day's automatic backup), `phase` what it is doing ("copying", …;
/// for the automatic backup, finally "finished", "stopped" or "failed"), `done` of `total`
/// units (never going down; `done == total` at the end).
#[derive(Debug, Clone, Serialize, TS)]
pub struct WorkProgress {
    pub op: String,
    pub phase: String,
    #[ts(type = "number")]
    pub done: u64,
    #[ts(type = "number")]
    pub total: u64,
}

// ----- moving data safely (safety.rs) ----------------------------------------------------------

/// What the chooser asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PathKind {
    /// A folder to write into (a USB stick).
    Folder,
    /// A file name to save as.
    Save,
    /// An existing file to open.
    Open,
}

/// A named group of file extensions offered by the chooser ("Attune backups", ["attune-backup"]).
#[derive(Debug, Clone, Deserialize, TS)]
pub struct FileFilter {
    pub name: String,
    /// Without the dot; "*" matches any file.
    pub extensions: Vec<String>,
}

/// The input of `choose_path`.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct ChoosePathRequest {
    pub kind: PathKind,
    /// The chooser's title, e.g. "Choose where to save the backup".
    pub title: String,
    /// For `save`: the file name offered.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub default_name: Option<String>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub filters: Option<Vec<FileFilter>>,
}

/// How many records of each kind a backup holds (null: that kind did not exist yet).
#[derive(Debug, Clone, Serialize, TS)]
pub struct BackupCounts {
    #[ts(type = "number | null")]
    pub pupils: Option<u64>,
    #[ts(type = "number | null")]
    pub plans: Option<u64>,
    #[ts(type = "number | null")]
    pub reviews: Option<u64>,
}

impl From<&RecordCounts> for BackupCounts {
    fn from(c: &RecordCounts) -> Self {
        BackupCounts {
            pupils: c.pupils,
            plans: c.plans,
            reviews: c.reviews,
        }
    }
}

/// A backup just written, read back and checked end to end.
#[derive(Debug, Clone, Serialize, TS)]
pub struct BackupDone {
    pub path: String,
    pub file_name: String,
    #[ts(type = "number")]
    pub file_bytes: u64,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub counts: BackupCounts,
    /// Always true: a backup that does not read back correctly is removed and an error returned.
    pub verified: bool,
}

/// One automatic backup beside the vault.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AutoBackup {
    pub file_name: String,
    /// `YYYY-MM-DD` (the day it was made, UTC).
    pub date: String,
    #[ts(type = "number")]
    pub file_bytes: u64,
}

/// The automatic backups: where they are, how many are kept, and the ones there now (newest first).
#[derive(Debug, Clone, Serialize, TS)]
pub struct AutoBackups {
    pub folder: String,
    pub keep: u32,
    pub files: Vec<AutoBackup>,
}

/// What a backup file tells before it is unlocked (its header and key slots).
#[derive(Debug, Clone, Serialize, TS)]
pub struct BackupSummary {
    pub path: String,
    pub file_name: String,
    pub school: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub counts: BackupCounts,
    #[ts(type = "number")]
    pub file_bytes: u64,
    /// The users whose passphrase (valid when it was made) opens it.
    pub users: Vec<UserInfo>,
    pub has_recovery_key: bool,
    /// Whether it is a backup of the vault in this app's folder; null when the folder holds
    /// no vault (or its key-slot file cannot be read).
    pub same_vault: Option<bool>,
}

/// A backup unlocked and checked end to end (nothing restored).
#[derive(Debug, Clone, Serialize, TS)]
pub struct BackupOpened {
    pub school: String,
    pub created_at: String,
    pub counts: BackupCounts,
    #[ts(type = "number")]
    pub file_bytes: u64,
    pub opened_as: UserInfo,
    pub users: Vec<UserInfo>,
    #[ts(type = "number")]
    pub audit_entries: u64,
    pub last_audit_at: Option<String>,
}

/// A finished restore. The app is locked afterwards: the restored vault is unlocked afresh.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RestoreDone {
    pub school: String,
    pub created_at: String,
    pub counts: BackupCounts,
    /// Where the vault that was replaced was kept (`<vault>.replaced-<time>`); null when there
    /// was none.
    pub replaced: Option<String>,
    pub moved_auto_backups: bool,
}

/// A file written where the person chose.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SavedFile {
    pub path: String,
    pub file_name: String,
    #[ts(type = "number")]
    pub file_bytes: u64,
}

/// A handover pack just written, and its one-time passphrase: shown once, never again.
#[derive(Debug, Clone, Serialize, TS)]
pub struct HandoverExported {
    pub path: String,
    pub file_name: String,
    #[ts(type = "number")]
    pub file_bytes: u64,
    /// "ABCD-EFGH-…" (8 groups of 4).
    pub passphrase: String,
}

/// What a handover pack tells before it is opened (nothing about the pupil).
#[derive(Debug, Clone, Serialize, TS)]
pub struct HandoverSummary {
    pub path: String,
    pub file_name: String,
    /// `YYYY-MM-DD`.
    pub created_on: String,
    #[ts(type = "number")]
    pub file_bytes: u64,
}

// ----- several laptops, one school (issue 17) --------------------------------------------------

/// A key adult's laptop prepared: the enrolment file written, and its one-time passphrase,
/// shown once.
#[derive(Debug, Clone, Serialize, TS)]
pub struct LaptopEnrolled {
    pub path: String,
    pub file_name: String,
    #[ts(type = "number")]
    pub file_bytes: u64,
    /// Give it to the key adult apart from the file.
    pub passphrase: String,
    pub device_no: u16,
    pub user_name: String,
}

/// What an enrolment file tells before it is opened (nothing of the school or its pupils).
#[derive(Debug, Clone, Serialize, TS)]
pub struct EnrolmentSummary {
    pub path: String,
    pub file_name: String,
    /// `YYYY-MM-DD`.
    pub created_on: String,
    #[ts(type = "number")]
    pub file_bytes: u64,
}

/// What a sync file carried, or what taking one in did, for the screen.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SyncSummary {
    /// The laptop the file was for or from.
    pub device_no: u16,
    /// The file had been taken in before: nothing changed.
    pub already_imported: bool,
    /// One plain line each ("3 sessions added"); empty when nothing was new.
    pub lines: Vec<String>,
    /// Values that lost to an edit made elsewhere, kept for a person to choose.
    #[ts(type = "number")]
    pub conflicts: u64,
    /// The laptop's records were wiped (its user was removed at the school).
    pub wiped: bool,
    #[ts(type = "number")]
    pub file_bytes: u64,
}

impl From<attune_domain::transfer::sync::SyncReport> for SyncSummary {
    fn from(r: attune_domain::transfer::sync::SyncReport) -> Self {
        SyncSummary {
            device_no: r.device_no,
            already_imported: r.already_imported,
            lines: r.lines(),
            conflicts: r.conflicts,
            wiped: r.wiped,
            file_bytes: r.file_bytes,
        }
    }
}

/// A sync file written: where, and what it carries.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SyncFileWritten {
    pub path: String,
    pub file_name: String,
    pub report: SyncSummary,
}
