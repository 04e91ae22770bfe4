//! Several laptops, one school (issue 17) through the shell: preparing a key adult's laptop
//! (its enrolment file), joining a school vault on a laptop's first run, and writing and
//! reading sync files — each one thin call into `attune_domain::transfer::{enrol, sync}`
//! (`attune_vault::Vault::join` for the join), with the clock, the OS random generator and the
//! chosen folder or file added here. Who may do what is the domain's to decide.

use std::path::Path;

use attune_domain::transfer::{conflicts, enrol, sync};
use attune_vault::{fsutil, Passphrase, Vault};
use chrono::Datelike;
use rand::rngs::OsRng;
use zeroize::Zeroizing;

use super::{file_name, free_name, path_text, read_file};
use crate::dto::*;
use crate::error::{CmdResult, CommandError};
use crate::state::{now, AppState};

fn folder_is_there(folder: &Path) -> CmdResult<()> {
    if folder.is_dir() {
        Ok(())
    } else {
        Err(CommandError::invalid(format!(
            "The folder {} is not there any more (was the USB stick removed?). Choose the folder again.",
            folder.display()
        )))
    }
}

fn dated(stem: &str) -> String {
    let d = now().date_naive();
    format!("{stem}-{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

impl AppState {
    /// Where this vault stands in the school's sync, for the Sync page and the navigation.
    pub fn sync_status(&self) -> CmdResult<SyncStatus> {
        let now = now();
        self.with_vault(|v| enrol::sync_status(v, now))
    }

    /// Writes the enrolment file for the key adult `user_id`'s laptop into `folder`
    /// (`attune-laptop-<n>-<date>.attune-enrol`: no name in the file name) and returns its
    /// one-time passphrase (strategic lead only; audited).
    pub fn enrol_laptop(&self, user_id: &str, folder: &Path) -> CmdResult<LaptopEnrolled> {
        folder_is_there(folder)?;
        let e = self.with_vault(|v| enrol::enrol_laptop(v, user_id, &mut OsRng, now()))?;
        let path = free_name(
            folder,
            &dated(&format!("attune-laptop-{}", e.meta.device_no)),
            attune_vault::enrol::FILE_EXTENSION,
        );
        fsutil::write_atomic(&path, &e.bytes)?;
        Ok(LaptopEnrolled {
            file_name: file_name(&path),
            file_bytes: e.bytes.len() as u64,
            path: path_text(path)?,
            passphrase: e.passphrase.expose().to_string(),
            device_no: e.meta.device_no,
            user_name: e.meta.user_name.clone(),
        })
    }

    /// What an enrolment file says about itself before any passphrase: that it is one, and
    /// undamaged in its layout.
    pub fn inspect_enrolment(&self, path: &Path) -> CmdResult<EnrolmentSummary> {
        let bytes = read_file(path)?;
        let h = attune_vault::enrol::inspect(&bytes)?;
        Ok(EnrolmentSummary {
            path: path.display().to_string(),
            file_name: file_name(path),
            created_on: h.created_on,
            file_bytes: bytes.len() as u64,
        })
    }

    /// First run on a key adult's laptop: this laptop's vault from the enrolment file, opened
    /// with `one_time` (from the strategic lead), protected from now on by `passphrase` (the
    /// key adult's own for this laptop). Unlocked afterwards.
    pub fn join_school(
        &self,
        path: &Path,
        one_time: String,
        passphrase: String,
    ) -> CmdResult<AppStatus> {
        let one_time = Zeroizing::new(one_time);
        let passphrase = Passphrase::new(passphrase);
        let bytes = read_file(path)?;
        // A vault already here is refused by the join itself (nothing is overwritten).
        let (mut v, _meta) = Vault::join(
            self.vault_dir(),
            &bytes,
            &one_time,
            &passphrase,
            &mut OsRng,
            now(),
        )?;
        // What the replica holds is shared already: only later work travels in sync files.
        if let Err(e) = sync::start(&mut v, &mut OsRng) {
            v.lock("join", now());
            return Err(e.into());
        }
        *self.session() = Some(v);
        self.touch();
        self.status()
    }

    /// Writes the next sync file into `folder`: on a laptop, for the school vault; at the
    /// school (strategic lead), for laptop `for_laptop`. Returns where, and what it carries.
    pub fn sync_export(
        &self,
        for_laptop: Option<u16>,
        folder: &Path,
    ) -> CmdResult<SyncFileWritten> {
        folder_is_there(folder)?;
        let (bytes, report) =
            self.with_vault(|v| sync::export(v, for_laptop, &mut OsRng, now()))?;
        let stem = match for_laptop.filter(|d| *d != 0) {
            Some(d) => dated(&format!("attune-sync-for-laptop-{d}")),
            None => dated(&format!("attune-sync-from-laptop-{}", report.device_no)),
        };
        let path = free_name(folder, &stem, sync::FILE_EXTENSION);
        fsutil::write_atomic(&path, &bytes)?;
        Ok(SyncFileWritten {
            file_name: file_name(&path),
            path: path_text(path)?,
            report: report.into(),
        })
    }

    /// Takes in a sync file (from a laptop at the school; from the school on a laptop).
    pub fn sync_import(&self, path: &Path) -> CmdResult<SyncSummary> {
        let bytes = read_file(path)?;
        let report = self.with_vault(|v| sync::import(v, &bytes, &mut OsRng, now()))?;
        Ok(report.into())
    }

    /// Values changed in two places, kept for a person to choose (the session's own pupils for
    /// a key adult; all for a strategic lead).
    pub fn sync_conflicts(&self) -> CmdResult<Vec<SyncConflict>> {
        self.with_vault(|v| conflicts::list(v, now()))
    }

    /// Keeps the value now, or takes the other one (an ordinary edit, sent on at the next
    /// sync); returns what is left to choose.
    pub fn resolve_sync_conflict(
        &self,
        id: i64,
        choice: ConflictChoice,
    ) -> CmdResult<Vec<SyncConflict>> {
        self.with_vault(|v| {
            conflicts::resolve(v, id, choice, now())?;
            conflicts::list(v, now())
        })
    }
}
