//! Handover packs: one pupil's record, encrypted under a one-time passphrase, for the next
//! school; and importing one.

use std::path::Path;

use attune_domain::transfer::handover_merge;
use attune_domain::{planning::school_frameworks, transfer::handover};
use attune_vault::fsutil;
use chrono::Datelike;
use rand::rngs::OsRng;
use zeroize::Zeroizing;

use super::{file_name, free_name, path_text, read_file};
use crate::dto::*;
use crate::error::{CmdResult, CommandError};
use crate::state::{clock, now, AppState};

impl AppState {
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
        let d = now.date_naive();
        let path = free_name(
            folder,
            &format!("handover-{:04}-{:02}-{:02}", d.year(), d.month(), d.day()),
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
        let bytes = read_file(path)?;
        let f = self.with_vault(|v| handover::inspect_in_session(v, &bytes, now()))?;
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

    /// What adding a handover pack to a pupil already held would do: the identity fields side
    /// by side and what would be added (strategic lead only; audited `handover.preview`). With
    /// no pupil given, the one holding the pack's UPN or Scottish Candidate Number; with none
    /// such, an error of kind `not_found`. Writes nothing.
    pub fn preview_handover_merge(
        &self,
        path: &Path,
        passphrase: String,
        pupil_id: Option<i64>,
    ) -> CmdResult<MergePreview> {
        let passphrase = Zeroizing::new(passphrase);
        let bytes = read_file(path)?;
        let now = now();
        self.with_vault(|v| {
            let fw = school_frameworks::list_frameworks(v)?;
            let pack = handover::open_pack(v, &bytes, &passphrase, &fw, now)?;
            handover_merge::preview_handover_into(v, &pack, pupil_id, now)
        })
    }

    /// Adds a handover pack to pupil `pupil_id` already held, taking the identity fields the
    /// lead chose (strategic lead only; audited `handover.merge`). One transaction.
    pub fn merge_handover(
        &self,
        path: &Path,
        passphrase: String,
        pupil_id: i64,
        choices: MergeChoices,
    ) -> CmdResult<MergeOutcome> {
        let passphrase = Zeroizing::new(passphrase);
        let bytes = read_file(path)?;
        let (now, today) = clock();
        self.with_vault(|v| {
            let fw = school_frameworks::list_frameworks(v)?;
            let pack = handover::open_pack(v, &bytes, &passphrase, &fw, now)?;
            handover_merge::merge_handover(v, &pack, Some(pupil_id), &choices, today, now)
        })
    }
}
