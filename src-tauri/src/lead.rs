//! The strategic lead's screens (issue 5) through the session: the overview of every caseload
//! and supervision notes (`attune_domain::lead::overview`, `attune_domain::lead::supervision`), and the
//! anonymised summary's preview, export and merge (`attune_export`), one thin method per
//! operation plus the Tauri commands that call them.
//!
//! No SQL and no rules here: the domain and the exporter check the session's role on every
//! call, audit it, and validate every input; the shell adds only the clock, and accepts a file
//! or folder only when the person chose it with `choose_path` (see safety.rs).

use std::path::{Path, PathBuf};

use attune_domain::lead::overview::{self, Overview, OverviewQuery};
use attune_domain::lead::summary_facts::Period;
use attune_domain::lead::supervision::{self, Supervisee, SupervisionNote, SupervisionNoteInput};
use attune_export::{
    ExportOptions, ExportedFiles, MergeOptions, MergeReport, SummaryFileInfo, SummaryPreview,
};

use attune_vault::progress::Work;

use crate::error::{CmdResult, CommandError};
use crate::state::{clock, now, AppState};

/// The exporter's errors keep their kind and the form field they are about ("k", "period").
impl From<attune_export::Error> for CommandError {
    fn from(e: attune_export::Error) -> Self {
        CommandError {
            kind: e.kind(),
            retry_after_secs: None,
            field: e.field().map(str::to_string),
            message: e.to_string(),
        }
    }
}

impl AppState {
    /// `query` None: the default weeks (4 ahead for reviews due, 3 without a session).
    pub fn overview(&self, query: Option<OverviewQuery>) -> CmdResult<Overview> {
        let (now, today) = clock();
        let query = query.unwrap_or_default();
        self.with_vault(|v| overview::overview(v, &query, today, now))
    }

    pub fn supervision_options(&self) -> CmdResult<Vec<Supervisee>> {
        self.with_vault(|v| supervision::supervision_options(v, now()))
    }

    pub fn record_supervision_note(
        &self,
        input: SupervisionNoteInput,
    ) -> CmdResult<SupervisionNote> {
        let (now, today) = clock();
        self.with_vault(|v| supervision::record_supervision_note(v, &input, today, now))
    }

    pub fn list_supervision_notes(
        &self,
        key_adult_id: Option<String>,
    ) -> CmdResult<Vec<SupervisionNote>> {
        self.with_vault(|v| supervision::list_supervision_notes(v, key_adult_id.as_deref(), now()))
    }

    pub fn get_supervision_note(&self, note_id: i64) -> CmdResult<SupervisionNote> {
        self.with_vault(|v| supervision::get_supervision_note(v, note_id, now()))
    }

    pub fn correct_supervision_note(
        &self,
        note_id: i64,
        input: SupervisionNoteInput,
        reason: String,
    ) -> CmdResult<SupervisionNote> {
        let (now, today) = clock();
        self.with_vault(|v| {
            supervision::correct_supervision_note(v, note_id, &input, &reason, today, now)
        })
    }

    pub fn withdraw_supervision_note(
        &self,
        note_id: i64,
        reason: String,
    ) -> CmdResult<SupervisionNote> {
        self.with_vault(|v| supervision::withdraw_supervision_note(v, note_id, &reason, now()))
    }

    // ----- anonymised summaries -------------------------------------------------------------------

    /// `period`: "2025-26" or "2025-26 autumn"; `k`: 3 to 100.
    pub fn summary_preview(&self, period: &str, k: u32) -> CmdResult<SummaryPreview> {
        let period = Period::parse(period)?;
        self.with_vault(|v| attune_export::preview(v, &period, k, now()))
    }

    /// Writes the three files into `folder` (already checked as chosen by the person).
    pub fn export_summary(
        &self,
        period: &str,
        k: u32,
        folder: &Path,
        options: &ExportOptions,
    ) -> CmdResult<ExportedFiles> {
        self.export_summary_with(period, k, folder, options, &Work::none())
    }

    /// `export_summary` reporting to `work`; stopped before the files are renamed into place,
    /// it writes nothing.
    pub fn export_summary_with(
        &self,
        period: &str,
        k: u32,
        folder: &Path,
        options: &ExportOptions,
        work: &Work<'_>,
    ) -> CmdResult<ExportedFiles> {
        let period = Period::parse(period)?;
        self.with_vault(|v| attune_export::export_with(v, &period, k, folder, options, now(), work))
    }

    /// Any signed-in user may read a summary file's heading (it holds no pupil's data).
    pub fn inspect_summary(&self, path: &Path) -> CmdResult<SummaryFileInfo> {
        self.with_vault(|v| attune_export::inspect_in_session(v, path))
    }

    /// Strategic lead only (the refusal audited); audited as `summary.merge` with the period.
    pub fn merge_summaries(
        &self,
        paths: &[PathBuf],
        folder: &Path,
        options: &MergeOptions,
    ) -> CmdResult<MergeReport> {
        self.merge_summaries_with(paths, folder, options, &Work::none())
    }

    /// `merge_summaries` reporting to `work`; stopped before the files are renamed into
    /// place, it writes nothing.
    pub fn merge_summaries_with(
        &self,
        paths: &[PathBuf],
        folder: &Path,
        options: &MergeOptions,
        work: &Work<'_>,
    ) -> CmdResult<MergeReport> {
        self.with_vault(|v| {
            attune_export::merge_in_session_with(v, paths, folder, options, now(), work)
        })
    }
}
