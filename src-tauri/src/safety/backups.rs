//! Backups and restore: a backup written where the person chose, the automatic backups beside
//! the vault, reading a backup's header, opening one to check it, and restoring from one.

use std::path::Path;

use attune_vault::backup;
use attune_vault::progress::Work;
use attune_vault::{Passphrase, RecoveryKey, Secret};
use chrono::{DateTime, Datelike, Timelike, Utc};
use rand::rngs::OsRng;
use zeroize::Zeroize;

use super::{file_name, free_name, path_text};
use crate::dto::*;
use crate::error::{CmdResult, CommandError};
use crate::state::{now, AppState};

/// The date of an automatic backup from its name (`attune-YYYY-MM-DD.attune-backup`).
fn auto_backup_date(name: &str) -> Option<String> {
    let d = name
        .strip_prefix("attune-")?
        .strip_suffix(&format!(".{}", backup::FILE_EXTENSION))?;
    attune_vault::datetime::parse_date(d).map(|_| d.to_string())
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

fn stamp(t: DateTime<Utc>) -> String {
    format!(
        "{:04}-{:02}-{:02}-{:02}{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute()
    )
}

impl AppState {
    /// Writes an encrypted backup of the whole vault into `folder` (a new file,
    /// `attune-backup-<date>-<time>.attune-backup`), reads it back and checks it end to end,
    /// reporting to `work` (stopped, it leaves no file).
    pub fn backup_now(&self, folder: &Path, work: &Work<'_>) -> CmdResult<BackupDone> {
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
        let info = self.with_vault(|v| v.backup_to_with(&path, now, work))?;
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

    /// What a backup file says about itself, before any passphrase (works locked too). A damaged
    /// file or one that is not a backup is refused here, before anyone types anything.
    pub fn inspect_backup(&self, path: &Path) -> CmdResult<BackupSummary> {
        let f = backup::inspect(path)?;
        let same_vault =
            backup::vault_in(self.vault_dir()).map(|current| current.vault_id == f.header.vault_id);
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
    /// page's HMAC, integrity, the audit chain) without restoring anything. Works locked too,
    /// where wrong secrets are slowed and counted like wrong unlocks; audited when unlocked.
    pub fn open_backup(
        &self,
        path: &Path,
        user_id: &str,
        secret: String,
        recovery_key: bool,
    ) -> CmdResult<BackupOpened> {
        let given = Given::new(secret, recovery_key)?;
        // Checked before the session lock is taken, audited under it (a check takes seconds).
        let unlocked = self.session().is_some();
        let c = if unlocked {
            let r = backup::open_backup(path, user_id, given.secret(), &mut OsRng, now());
            if let Some(v) = self.session().as_ref() {
                backup::audit_backup_check(v, path, r.is_ok(), now())?;
            }
            r?
        } else {
            backup::open_backup_locked(
                path,
                user_id,
                given.secret(),
                self.vault_dir(),
                &mut OsRng,
                now(),
            )?
        };
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
        self.restore_backup_with(path, user_id, secret, recovery_key, &Work::none())
    }

    /// `restore_backup` reporting to `work`; stopped before the vault is replaced, nothing is
    /// (the app stays locked, the vault as it was).
    pub fn restore_backup_with(
        &self,
        path: &Path,
        user_id: &str,
        secret: String,
        recovery_key: bool,
        work: &Work<'_>,
    ) -> CmdResult<RestoreDone> {
        let given = Given::new(secret, recovery_key)?;
        // Refuse at once what the restore would refuse, before the session is closed.
        backup::precheck_restore(path, self.vault_dir(), user_id)?;
        self.lock("restore");
        let mut r = backup::restore_with(
            path,
            self.vault_dir(),
            user_id,
            given.secret(),
            &mut OsRng,
            now(),
            work,
        )?;
        // Pupils erased since the backup was made are erased again at once.
        attune_domain::transfer::retention::erase_again(&mut r.vault, now())?;
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
}
