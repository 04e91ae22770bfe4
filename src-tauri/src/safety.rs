//! Moving data safely (issue 6) through the shell: the native file and folder chooser, backups
//! and restore, subject access documents, handover packs, retention and erasure. As in
//! `records.rs`, each operation is one thin method over the crates (`attune_vault::backup`,
//! `attune_domain::{sar, handover, retention}`); the shell adds only the clock, the OS random
//! generator, and where files go.
//!
//! # Where files go: only where the person chose
//! The window never names a path of its own. `choose_path` shows the native (GTK) chooser and
//! remembers what was chosen ([`ChosenPaths`]); every command here that reads or writes a file
//! takes a path only if it was chosen that way, in this run of the app, for that use (a folder to
//! write into, a file to save, a file to open). A script in the page cannot make Attune write a
//! pupil's record anywhere else.
//!
//! # Tests cannot drive a native dialog
//! In **debug builds only** (`cfg(debug_assertions)`), when `ATTUNE_E2E_PICK_DIR` is set,
//! `choose_path` shows nothing and answers with a path inside that folder: the folder itself for
//! `folder`, `<folder>/<default name>` for `save`, and the newest file in the folder matching the
//! filters for `open` (null when there is none). The WebDriver tests set it through the harness
//! (`launch({ env })`). A release build has no such code.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use attune_domain::model::PupilStatus;
use attune_domain::{access, handover, pupils, retention, sar, school_frameworks};
use attune_vault::backup::{self, RecordCounts};
use attune_vault::keyslots::Body;
use attune_vault::{fsutil, Passphrase, RecoveryKey, Role, Secret};
use rand::rngs::OsRng;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime, State, WebviewWindow};
use time::{Date, OffsetDateTime};
use ts_rs::TS;
use zeroize::{Zeroize, Zeroizing};

use crate::dto::{Pupil, UserInfo};
use crate::error::{CmdResult, CommandError};
use crate::state::{clock, now, AppState};

// ----- the chooser ---------------------------------------------------------------------------

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

/// How many chosen paths are remembered (the oldest is forgotten first).
const REMEMBERED: usize = 64;

/// The paths the person chose with `choose_path` in this run of the app. Commands that touch a
/// file take a path only from here (see the module's notes).
#[derive(Default)]
pub struct ChosenPaths(Mutex<Vec<(PathKind, PathBuf)>>);

impl ChosenPaths {
    pub fn remember(&self, kind: PathKind, path: &Path) {
        let mut v = self.0.lock().unwrap_or_else(|p| p.into_inner());
        v.retain(|(k, p)| !(*k == kind && p == path));
        v.push((kind, path.to_path_buf()));
        if v.len() > REMEMBERED {
            v.remove(0);
        }
    }

    /// `path` if it was chosen for `kind`; otherwise a refusal that asks to choose again.
    pub fn require(&self, kind: PathKind, path: &str) -> CmdResult<PathBuf> {
        let p = PathBuf::from(path);
        let v = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if v.iter().any(|(k, c)| *k == kind && *c == p) {
            Ok(p)
        } else {
            let what = match kind {
                PathKind::Folder => "folder",
                PathKind::Save | PathKind::Open => "file",
            };
            Err(CommandError::invalid(format!(
                "Choose the {what} again: Attune reads and writes files only where you have chosen."
            )))
        }
    }
}

fn path_text(p: PathBuf) -> CmdResult<String> {
    p.into_os_string().into_string().map_err(|_| {
        CommandError::invalid(
            "Attune cannot use that name: it is not valid text. Choose or rename it and try again.",
        )
    })
}

/// Does a file name match the filters (any, when there are none)?
fn matches_filters(name: &str, filters: &[FileFilter]) -> bool {
    if filters.is_empty() {
        return true;
    }
    let lower = name.to_lowercase();
    filters.iter().flat_map(|f| &f.extensions).any(|e| {
        let e = e.trim_start_matches('.').to_lowercase();
        e == "*" || lower.ends_with(&format!(".{e}"))
    })
}

/// The debug-only stand-in for the native dialog (see the module's notes): `None` when
/// `ATTUNE_E2E_PICK_DIR` is not set; `Some(answer)` otherwise.
#[cfg(debug_assertions)]
fn e2e_pick(req: &ChoosePathRequest) -> Option<Option<PathBuf>> {
    let dir = PathBuf::from(std::env::var_os("ATTUNE_E2E_PICK_DIR")?);
    Some(pick_in(&dir, req))
}

/// What the stand-in answers for a folder.
#[cfg(any(debug_assertions, test))]
fn pick_in(dir: &Path, req: &ChoosePathRequest) -> Option<PathBuf> {
    match req.kind {
        PathKind::Folder => Some(dir.to_path_buf()),
        PathKind::Save => Some(
            dir.join(
                req.default_name
                    .as_deref()
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or("attune-file"),
            ),
        ),
        PathKind::Open => {
            let filters = req.filters.as_deref().unwrap_or_default();
            std::fs::read_dir(dir)
                .ok()?
                .filter_map(|e| e.ok())
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .filter(|e| matches_filters(&e.file_name().to_string_lossy(), filters))
                .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
                .max_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)))
                .map(|(_, p)| p)
        }
    }
}

/// Shows the native chooser (parented to the window) on a blocking thread; `None` when the
/// person cancelled.
async fn native_pick<R: Runtime>(
    app: AppHandle<R>,
    window: WebviewWindow<R>,
    req: ChoosePathRequest,
) -> CmdResult<Option<PathBuf>> {
    use tauri::Manager;
    use tauri_plugin_dialog::DialogExt;
    let picked = tauri::async_runtime::spawn_blocking(move || {
        let mut b = app
            .dialog()
            .file()
            .set_parent(&window)
            .set_title(&req.title);
        // Start in the person's home folder, not wherever the app happened to be started.
        if let Ok(home) = app.path().home_dir() {
            b = b.set_directory(home);
        }
        if let Some(name) = req.default_name.as_deref().filter(|n| !n.trim().is_empty()) {
            b = b.set_file_name(name);
        }
        for f in req.filters.as_deref().unwrap_or_default() {
            let exts: Vec<&str> = f.extensions.iter().map(String::as_str).collect();
            b = b.add_filter(&f.name, &exts);
        }
        match req.kind {
            PathKind::Folder => b.blocking_pick_folder(),
            PathKind::Save => b.blocking_save_file(),
            PathKind::Open => b.blocking_pick_file(),
        }
    })
    .await
    .map_err(|_| CommandError::invalid("The file chooser closed unexpectedly. Try again."))?;
    picked
        .map(|p| {
            p.into_path().map_err(|_| {
                CommandError::invalid("Attune cannot use that location. Choose a folder on this computer or a USB stick.")
            })
        })
        .transpose()
}

/// The chosen path, or null when the person cancelled. Works locked or unlocked (a restore may
/// start from the unlock screen); reads nothing itself.
pub async fn choose<R: Runtime>(
    app: AppHandle<R>,
    window: WebviewWindow<R>,
    chosen: &ChosenPaths,
    req: ChoosePathRequest,
) -> CmdResult<Option<String>> {
    let kind = req.kind;
    #[cfg(debug_assertions)]
    let picked = match e2e_pick(&req) {
        Some(p) => p,
        None => native_pick(app, window, req).await?,
    };
    #[cfg(not(debug_assertions))]
    let picked = native_pick(app, window, req).await?;
    let Some(path) = picked else { return Ok(None) };
    chosen.remember(kind, &path);
    path_text(path).map(Some)
}

// ----- what crosses to the window -----------------------------------------------------------

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

/// A pupil whose retention period has ended, with what the lead needs to decide.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RetentionDueRow {
    #[ts(type = "number")]
    pub pupil_id: i64,
    pub display_name: String,
    pub legal_name: String,
    pub year_group_label: String,
    pub status: PupilStatus,
    /// `YYYY-MM-DD`.
    pub left_on: String,
    /// `YYYY-MM-DD`: `left_on` plus the retention period.
    pub due_on: String,
}

// ----- the operations ------------------------------------------------------------------------

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn bytes_of(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

/// `<dir>/<stem>.<ext>`, or `<stem>-2.<ext>`, … when taken.
fn free_name(dir: &Path, stem: &str, ext: &str) -> PathBuf {
    let first = dir.join(format!("{stem}.{ext}"));
    if !first.exists() {
        return first;
    }
    (2..)
        .map(|i| dir.join(format!("{stem}-{i}.{ext}")))
        .find(|p| !p.exists())
        .expect("some name is free")
}

/// The date of an automatic backup from its name (`attune-YYYY-MM-DD.attune-backup`).
fn auto_backup_date(name: &str) -> Option<String> {
    let d = name
        .strip_prefix("attune-")?
        .strip_suffix(&format!(".{}", backup::FILE_EXTENSION))?;
    Date::parse(d, attune_domain::dates::ISO_DATE)
        .ok()
        .map(|_| d.to_string())
}

/// A passphrase, or (with `recovery_key`) the recovery key, as typed; zeroised on drop.
enum Given {
    Passphrase(Passphrase),
    Recovery(RecoveryKey),
}

impl Given {
    fn new(mut secret: String, recovery_key: bool) -> CmdResult<Given> {
        if recovery_key {
            let k = RecoveryKey::parse(&secret);
            secret.zeroize();
            Ok(Given::Recovery(k?))
        } else {
            Ok(Given::Passphrase(Passphrase::new(secret)))
        }
    }

    fn secret(&self) -> Secret<'_> {
        match self {
            Given::Passphrase(p) => Secret::Passphrase(p),
            Given::Recovery(r) => Secret::Recovery(r),
        }
    }
}

fn stamp(now: OffsetDateTime) -> String {
    let t = now.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}-{:02}{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

impl AppState {
    // ----- backups ----------------------------------------------------------------------------

    /// Writes an encrypted backup of the whole vault into `folder` (a new file,
    /// `attune-backup-<date>-<time>.attune-backup`), reads it back and checks it end to end.
    pub fn backup_now(&self, folder: &Path) -> CmdResult<BackupDone> {
        let now = now();
        if !folder.is_dir() {
            return Err(CommandError::invalid(format!(
                "The folder {} is not there any more (was the USB stick removed?). Choose the folder again.",
                folder.display()
            )));
        }
        let path = free_name(
            folder,
            &format!("attune-backup-{}", stamp(now)),
            backup::FILE_EXTENSION,
        );
        let info = self.with_vault(|v| v.backup_to(&path, now))?;
        Ok(BackupDone {
            path: path_text(info.path.clone())?,
            file_name: file_name(&info.path),
            file_bytes: info.file_bytes,
            created_at: info.header.created_at.clone(),
            counts: (&info.header.counts).into(),
            verified: true,
        })
    }

    /// The automatic backups beside the vault, newest first, and how many are kept.
    pub fn auto_backups(&self) -> CmdResult<AutoBackups> {
        let (dir, keep) = self.with_vault(|v| {
            Ok::<_, attune_vault::Error>((v.auto_backup_dir(), v.auto_backup_keep()?))
        })?;
        let mut files: Vec<AutoBackup> = match std::fs::read_dir(&dir) {
            Ok(entries) => entries
                .filter_map(|e| e.ok())
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    let date = auto_backup_date(&name)?;
                    Some(AutoBackup {
                        file_bytes: e.metadata().map(|m| m.len()).unwrap_or(0),
                        file_name: name,
                        date,
                    })
                })
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(attune_vault::Error::Io(e).into()),
        };
        files.sort_by(|a, b| b.date.cmp(&a.date));
        Ok(AutoBackups {
            folder: dir.display().to_string(),
            keep,
            files,
        })
    }

    /// How many automatic backups to keep (strategic lead only; 1 to 365).
    pub fn set_auto_backup_keep(&self, keep: u32) -> CmdResult<AutoBackups> {
        self.with_vault(|v| v.set_auto_backup_keep(keep, now()))?;
        self.auto_backups()
    }

    /// The key-slot file of the vault in the app's folder (no key needed), if there is one.
    fn current_vault(&self) -> Option<Body> {
        [
            self.vault_dir().join("keyslots"),
            self.vault_dir().join("keyslots.backup"),
        ]
        .iter()
        .find_map(|p| std::fs::read(p).ok().and_then(|b| Body::parse(&b).ok()))
    }

    /// What a backup file says about itself, before any passphrase (works locked too). A damaged
    /// file or one that is not a backup is refused here, before anyone types anything.
    pub fn inspect_backup(&self, path: &Path) -> CmdResult<BackupSummary> {
        let f = backup::inspect(path)?;
        let same_vault = self
            .current_vault()
            .map(|current| current.vault_id == f.header.vault_id);
        Ok(BackupSummary {
            path: path.display().to_string(),
            file_name: file_name(path),
            school: f.header.school.clone(),
            created_at: f.header.created_at.clone(),
            counts: (&f.header.counts).into(),
            file_bytes: f.file_bytes,
            users: f.users(),
            has_recovery_key: f.has_recovery_slot(),
            same_vault,
        })
    }

    /// Unlocks a backup with one of its own key slots and checks it end to end (its MAC, every
    /// page's HMAC, integrity, the audit chain) without restoring anything. Works locked too.
    pub fn open_backup(
        &self,
        path: &Path,
        user_id: &str,
        secret: String,
        recovery_key: bool,
    ) -> CmdResult<BackupOpened> {
        let given = Given::new(secret, recovery_key)?;
        let c = backup::open_backup(path, user_id, given.secret(), &mut OsRng, now())?;
        Ok(BackupOpened {
            school: c.header.school.clone(),
            created_at: c.header.created_at.clone(),
            counts: (&c.counts).into(),
            file_bytes: c.file_bytes,
            opened_as: c.opened_as.clone(),
            users: c.users.clone(),
            audit_entries: c.audit_entries,
            last_audit_at: c.last_audit_at.clone(),
        })
    }

    /// Restores the vault from a backup, as a strategic lead in it (see
    /// `attune_vault::backup::restore`: checked in a staging folder before anything is replaced;
    /// the current vault kept aside until the restored one has opened). The session, if any, is
    /// closed first (it holds the folder's lock); afterwards the app is locked, reason
    /// `restored`, so the restored vault is unlocked afresh.
    pub fn restore_backup(
        &self,
        path: &Path,
        user_id: &str,
        secret: String,
        recovery_key: bool,
    ) -> CmdResult<RestoreDone> {
        let given = Given::new(secret, recovery_key)?;
        // Refuse at once what the restore would refuse, before the session is closed.
        let f = backup::inspect(path)?;
        let slot_role = f
            .users()
            .into_iter()
            .find(|u| u.id == user_id)
            .map(|u| u.role);
        match slot_role {
            None => {
                return Err(attune_vault::Error::NotFound(
                    "That user is not in this backup.".into(),
                )
                .into())
            }
            Some(Role::KeyAdult) => {
                return Err(attune_vault::Error::NotPermitted(
                    "only a strategic lead can restore a backup.".into(),
                )
                .into())
            }
            Some(Role::StrategicLead) => {}
        }
        if let Some(current) = self.current_vault() {
            if current.vault_id != f.header.vault_id {
                return Err(CommandError::invalid(format!(
                    "That backup is of another vault ({}), not of this one ({}). Nothing was restored.",
                    f.header.school, current.school
                )));
            }
        }
        self.lock("restore");
        let r = backup::restore(
            path,
            self.vault_dir(),
            user_id,
            given.secret(),
            &mut OsRng,
            now(),
        )?;
        let done = RestoreDone {
            school: r.contents.header.school.clone(),
            created_at: r.contents.header.created_at.clone(),
            counts: (&r.contents.counts).into(),
            replaced: r.replaced.as_ref().map(|p| p.display().to_string()),
            moved_auto_backups: r.moved_auto_backups,
        };
        self.lock_restored(r.vault);
        Ok(done)
    }

    // ----- subject access ---------------------------------------------------------------------

    /// The subject access document of one pupil (strategic lead only; audited `pupil.sar`):
    /// self-contained HTML, every piece of text escaped.
    pub fn subject_access_document(&self, pupil_id: i64) -> CmdResult<String> {
        self.with_vault(|v| {
            let fw = school_frameworks::list_frameworks(v)?;
            sar::subject_access_document(v, pupil_id, &fw, now())
        })
    }

    /// Produces the document again and writes it, atomically, to the file the person chose.
    pub fn save_subject_access_document(&self, pupil_id: i64, path: &Path) -> CmdResult<SavedFile> {
        let html = Zeroizing::new(self.subject_access_document(pupil_id)?);
        fsutil::write_atomic(path, html.as_bytes())?;
        Ok(SavedFile {
            path: path.display().to_string(),
            file_name: file_name(path),
            file_bytes: bytes_of(path),
        })
    }

    // ----- handover packs ---------------------------------------------------------------------

    /// Writes the pupil's handover pack into `folder` (`handover-<date>.attune-handover`: no name
    /// in the file name) and returns its one-time passphrase (strategic lead only; audited).
    pub fn export_handover(&self, pupil_id: i64, folder: &Path) -> CmdResult<HandoverExported> {
        let now = now();
        if !folder.is_dir() {
            return Err(CommandError::invalid(format!(
                "The folder {} is not there any more (was the USB stick removed?). Choose the folder again.",
                folder.display()
            )));
        }
        let (bytes, pass) = self.with_vault(|v| {
            let fw = school_frameworks::list_frameworks(v)?;
            handover::export_handover(v, pupil_id, &fw, &mut OsRng, now)
        })?;
        let d = now.date();
        let path = free_name(
            folder,
            &format!(
                "handover-{:04}-{:02}-{:02}",
                d.year(),
                u8::from(d.month()),
                d.day()
            ),
            handover::FILE_EXTENSION,
        );
        fsutil::write_atomic(&path, &bytes)?;
        Ok(HandoverExported {
            file_name: file_name(&path),
            file_bytes: bytes.len() as u64,
            path: path_text(path)?,
            passphrase: pass.expose().to_string(),
        })
    }

    /// What a handover pack says about itself (checked for damage; nothing about the pupil).
    pub fn inspect_handover(&self, path: &Path) -> CmdResult<HandoverSummary> {
        self.with_vault(|v| {
            access::require_lead(v, "handover.import", None, "import a handover pack", now())
                .map(|_| ())
        })?;
        let bytes = read_file(path)?;
        let f = handover::inspect(&bytes)?;
        Ok(HandoverSummary {
            path: path.display().to_string(),
            file_name: file_name(path),
            created_on: f.header.created_on.clone(),
            file_bytes: bytes.len() as u64,
        })
    }

    /// Imports a handover pack as a new pupil (strategic lead only; audited), assigning the key
    /// adult if one is given. Nothing is imported from a damaged file or with a wrong passphrase.
    pub fn import_handover(
        &self,
        path: &Path,
        passphrase: String,
        key_adult_id: Option<String>,
    ) -> CmdResult<Pupil> {
        let passphrase = Zeroizing::new(passphrase);
        let bytes = read_file(path)?;
        let (now, today) = clock();
        self.with_vault(|v| {
            let fw = school_frameworks::list_frameworks(v)?;
            handover::import_handover(
                v,
                &bytes,
                &passphrase,
                key_adult_id.as_deref().filter(|k| !k.is_empty()),
                &fw,
                today,
                now,
            )
        })
    }

    // ----- retention and erasure --------------------------------------------------------------

    pub fn retention_years(&self) -> CmdResult<u32> {
        self.with_vault(|v| retention::retention_years(v))
    }

    pub fn set_retention_years(&self, years: u32) -> CmdResult<u32> {
        self.with_vault(|v| {
            retention::set_retention_years(v, years, now())?;
            retention::retention_years(v)
        })
    }

    /// The pupils whose retention period has ended (strategic lead only), with their names.
    pub fn retention_due(&self) -> CmdResult<Vec<RetentionDueRow>> {
        let now = now();
        self.with_vault(|v| {
            retention::retention_due(v, now.date(), now)?
                .into_iter()
                .map(|c| {
                    let p = pupils::get_pupil(v, c.pupil_id, now)?;
                    Ok(RetentionDueRow {
                        pupil_id: c.pupil_id,
                        legal_name: format!("{} {}", p.legal_forename, p.legal_surname),
                        display_name: p.display_name,
                        year_group_label: p.year_group_label,
                        status: p.status,
                        left_on: d2s(c.left_on),
                        due_on: d2s(c.due_on),
                    })
                })
                .collect::<attune_domain::Result<Vec<_>>>()
        })
    }

    /// Erases every row about a pupil who has left, then vacuums (strategic lead only; audited
    /// `pupil.erase`, with the id only).
    pub fn erase_pupil(&self, pupil_id: i64) -> CmdResult<()> {
        self.with_vault(|v| retention::erase_pupil(v, pupil_id, now()))
    }
}

fn d2s(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn read_file(path: &Path) -> CmdResult<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            CommandError::from(attune_vault::Error::NotFound(format!(
                "There is no file {} any more. Choose the file again.",
                path.display()
            )))
        } else {
            attune_vault::Error::Io(e).into()
        }
    })
}

// ----- the commands --------------------------------------------------------------------------

#[tauri::command]
pub async fn choose_path(
    app: AppHandle,
    window: WebviewWindow,
    chosen: State<'_, ChosenPaths>,
    req: ChoosePathRequest,
) -> CmdResult<Option<String>> {
    choose(app, window, &chosen, req).await
}

// Slow ones (Argon2id, a whole-vault copy, a vacuum) are `async`, so the window stays live.

#[tauri::command]
pub async fn backup_now(
    state: State<'_, AppState>,
    chosen: State<'_, ChosenPaths>,
    folder: String,
) -> CmdResult<BackupDone> {
    state.backup_now(&chosen.require(PathKind::Folder, &folder)?)
}

#[tauri::command]
pub fn auto_backups(state: State<'_, AppState>) -> CmdResult<AutoBackups> {
    state.auto_backups()
}

#[tauri::command]
pub fn set_auto_backup_keep(state: State<'_, AppState>, keep: u32) -> CmdResult<AutoBackups> {
    state.set_auto_backup_keep(keep)
}

#[tauri::command]
pub async fn inspect_backup(
    state: State<'_, AppState>,
    chosen: State<'_, ChosenPaths>,
    path: String,
) -> CmdResult<BackupSummary> {
    state.inspect_backup(&chosen.require(PathKind::Open, &path)?)
}

#[tauri::command]
pub async fn open_backup(
    state: State<'_, AppState>,
    chosen: State<'_, ChosenPaths>,
    path: String,
    user_id: String,
    secret: String,
    recovery_key: bool,
) -> CmdResult<BackupOpened> {
    let path = chosen.require(PathKind::Open, &path)?;
    state.open_backup(&path, &user_id, secret, recovery_key)
}

#[tauri::command]
pub async fn restore_backup(
    state: State<'_, AppState>,
    chosen: State<'_, ChosenPaths>,
    path: String,
    user_id: String,
    secret: String,
    recovery_key: bool,
) -> CmdResult<RestoreDone> {
    let path = chosen.require(PathKind::Open, &path)?;
    state.restore_backup(&path, &user_id, secret, recovery_key)
}

#[tauri::command]
pub async fn subject_access_document(
    state: State<'_, AppState>,
    pupil_id: i64,
) -> CmdResult<String> {
    state.subject_access_document(pupil_id)
}

#[tauri::command]
pub async fn save_subject_access_document(
    state: State<'_, AppState>,
    chosen: State<'_, ChosenPaths>,
    pupil_id: i64,
    path: String,
) -> CmdResult<SavedFile> {
    let path = chosen.require(PathKind::Save, &path)?;
    state.save_subject_access_document(pupil_id, &path)
}

#[tauri::command]
pub async fn export_handover(
    state: State<'_, AppState>,
    chosen: State<'_, ChosenPaths>,
    pupil_id: i64,
    folder: String,
) -> CmdResult<HandoverExported> {
    let folder = chosen.require(PathKind::Folder, &folder)?;
    state.export_handover(pupil_id, &folder)
}

#[tauri::command]
pub async fn inspect_handover(
    state: State<'_, AppState>,
    chosen: State<'_, ChosenPaths>,
    path: String,
) -> CmdResult<HandoverSummary> {
    state.inspect_handover(&chosen.require(PathKind::Open, &path)?)
}

#[tauri::command]
pub async fn import_handover(
    state: State<'_, AppState>,
    chosen: State<'_, ChosenPaths>,
    path: String,
    passphrase: String,
    key_adult_id: Option<String>,
) -> CmdResult<Pupil> {
    let path = chosen.require(PathKind::Open, &path)?;
    state.import_handover(&path, passphrase, key_adult_id)
}

#[tauri::command]
pub fn retention_years(state: State<'_, AppState>) -> CmdResult<u32> {
    state.retention_years()
}

#[tauri::command]
pub fn set_retention_years(state: State<'_, AppState>, years: u32) -> CmdResult<u32> {
    state.set_retention_years(years)
}

#[tauri::command]
pub fn retention_due(state: State<'_, AppState>) -> CmdResult<Vec<RetentionDueRow>> {
    state.retention_due()
}

#[tauri::command]
pub async fn erase_pupil(state: State<'_, AppState>, pupil_id: i64) -> CmdResult<()> {
    state.erase_pupil(pupil_id)
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod chooser_tests {
    use super::*;

    fn req(kind: PathKind, name: Option<&str>, exts: &[&str]) -> ChoosePathRequest {
        ChoosePathRequest {
            kind,
            title: "t".into(),
            default_name: name.map(str::to_string),
            filters: Some(vec![FileFilter {
                name: "f".into(),
                extensions: exts.iter().map(|e| e.to_string()).collect(),
            }]),
        }
    }

    #[test]
    fn the_stand_in_answers_inside_its_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        assert_eq!(
            pick_in(d, &req(PathKind::Folder, None, &[])),
            Some(d.into())
        );
        assert_eq!(
            pick_in(d, &req(PathKind::Save, Some("x.html"), &[])),
            Some(d.join("x.html"))
        );
        assert_eq!(
            pick_in(d, &req(PathKind::Open, None, &["attune-backup"])),
            None
        );
        std::fs::write(d.join("a.attune-backup"), b"1").unwrap();
        std::fs::write(d.join("note.txt"), b"1").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(d.join("b.ATTUNE-BACKUP"), b"2").unwrap();
        assert_eq!(
            pick_in(d, &req(PathKind::Open, None, &["attune-backup"])),
            Some(d.join("b.ATTUNE-BACKUP")),
            "the newest file matching the filter"
        );
    }

    #[test]
    fn only_a_chosen_path_is_accepted_and_only_for_its_use() {
        let c = ChosenPaths::default();
        assert!(c.require(PathKind::Folder, "/tmp").is_err());
        c.remember(PathKind::Folder, Path::new("/media/usb"));
        assert!(c.require(PathKind::Folder, "/media/usb").is_ok());
        assert!(c.require(PathKind::Save, "/media/usb").is_err());
        assert!(c.require(PathKind::Folder, "/media/usb/../etc").is_err());
        for i in 0..REMEMBERED {
            c.remember(PathKind::Open, &PathBuf::from(format!("/f{i}")));
        }
        assert!(
            c.require(PathKind::Folder, "/media/usb").is_err(),
            "the oldest is forgotten"
        );
    }
}
