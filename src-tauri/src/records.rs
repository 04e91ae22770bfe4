//! The school's records (issue 3) through the session: one thin method per operation of
//! `attune-domain`, named as the domain names it. Each takes the operation's inputs, adds what
//! only the shell has (the clock — `now` and its date as `today` — and the frameworks a plan
//! can use) and runs it on the open vault, which refuses with `locked` when there is none.
//!
//! No SQL and no rules here: the domain checks the session's role and the pupil's assignment
//! on every call, audits it, and validates every input.

use attune_domain::{
    lead::audit_log, planning::calendars, planning::plans, planning::school_frameworks,
    record::corrections, record::drafts, record::lists, record::profile, record::pupils,
    record::records, record::rollover, record::safeguarding, record::search, record::session_pages,
    record::status_history, rules::framework::Framework, transfer::mis_update,
    transfer::vault_import,
};
use attune_vault::progress::Work;
use attune_vault::Vault;
use chrono::NaiveDate;

use crate::dto::*;
use crate::error::CmdResult;
use crate::state::{clock, now, AppState};

/// How many recent sessions a pupil's page shows when the UI does not say.
pub const DEFAULT_SESSION_LIMIT: u32 = 20;
/// How many search hits come back when the UI does not say.
pub const DEFAULT_SEARCH_LIMIT: u32 = 50;

/// A date the UI sends as `"YYYY-MM-DD"`; anything else is refused on `field`.
pub(crate) fn date_arg(field: &str, text: &str) -> CmdResult<NaiveDate> {
    attune_vault::datetime::parse_date(text.trim()).ok_or_else(|| {
        attune_domain::Error::invalid(field, "Enter a real date, with day, month and year.").into()
    })
}

/// Every framework a plan can use: the built-in ones and the school's own.
fn frameworks(v: &Vault) -> attune_domain::Result<Vec<Framework>> {
    school_frameworks::list_frameworks(v)
}

impl AppState {
    // ----- pupils -----------------------------------------------------------------------------

    pub fn caseload(&self, query: Option<CaseloadQuery>) -> CmdResult<Vec<CaseloadRow>> {
        let (now, today) = clock();
        let query = query.unwrap_or_default();
        self.with_vault(|v| pupils::caseload(v, &query, today, now))
    }

    pub fn add_pupil(&self, input: PupilInput) -> CmdResult<Pupil> {
        self.with_vault(|v| pupils::add_pupil(v, &input, now()))
    }

    /// `takes_effect_from` is `"YYYY-MM-DD"` (today when not given or blank).
    pub fn update_pupil(
        &self,
        pupil_id: i64,
        input: PupilInput,
        takes_effect_from: Option<String>,
    ) -> CmdResult<Pupil> {
        let from = match takes_effect_from
            .as_deref()
            .filter(|f| !f.trim().is_empty())
        {
            Some(f) => Some(date_arg("takes_effect_from", f)?),
            None => None,
        };
        self.with_vault(|v| pupils::update_pupil_from(v, pupil_id, &input, from, now()))
    }

    pub fn correct_status_change(
        &self,
        change_id: i64,
        effective_from: String,
    ) -> CmdResult<Vec<StatusChange>> {
        let from = date_arg("effective_from", &effective_from)?;
        self.with_vault(|v| status_history::correct_status_change(v, change_id, from, now()))
    }

    pub fn remove_status_change(&self, change_id: i64) -> CmdResult<Vec<StatusChange>> {
        self.with_vault(|v| status_history::remove_status_change(v, change_id, now()))
    }

    /// `key_adult_id` None ends the current assignment; `from` is `"YYYY-MM-DD"` (today when
    /// not given).
    pub fn assign_key_adult(
        &self,
        pupil_id: i64,
        key_adult_id: Option<String>,
        from: Option<String>,
    ) -> CmdResult<()> {
        let (now, today) = clock();
        let from = match from.as_deref().filter(|f| !f.trim().is_empty()) {
            Some(f) => date_arg("from", f)?,
            None => today,
        };
        self.with_vault(|v| {
            pupils::assign_key_adult(v, pupil_id, key_adult_id.as_deref(), from, now)
        })
    }

    pub fn mark_left(&self, pupil_id: i64, left_on: String) -> CmdResult<()> {
        let left_on = date_arg("left_on", &left_on)?;
        self.with_vault(|v| pupils::mark_left(v, pupil_id, left_on, now()))
    }

    pub fn archive_pupil(&self, pupil_id: i64) -> CmdResult<()> {
        self.with_vault(|v| pupils::archive_pupil(v, pupil_id, now()))
    }

    pub fn get_pupil(&self, pupil_id: i64) -> CmdResult<Pupil> {
        self.with_vault(|v| pupils::get_pupil(v, pupil_id, now()))
    }

    pub fn open_pupil(&self, pupil_id: i64, session_limit: Option<u32>) -> CmdResult<PupilRecord> {
        let (now, today) = clock();
        let limit = session_limit.unwrap_or(DEFAULT_SESSION_LIMIT);
        self.with_vault(|v| {
            let fws = frameworks(v)?;
            pupils::open_pupil(v, pupil_id, &fws, limit, today, now)
        })
    }

    // ----- profile and team -------------------------------------------------------------------

    pub fn save_profile(&self, pupil_id: i64, profile: Profile) -> CmdResult<()> {
        self.with_vault(|v| profile::save_profile(v, pupil_id, &profile, now()))
    }

    pub fn add_agency_advice(&self, pupil_id: i64, input: AgencyAdviceInput) -> CmdResult<i64> {
        self.with_vault(|v| profile::add_agency_advice(v, pupil_id, &input, now()))
    }

    pub fn delete_agency_advice(&self, advice_id: i64) -> CmdResult<()> {
        self.with_vault(|v| profile::delete_agency_advice(v, advice_id, now()))
    }

    pub fn set_team(
        &self,
        pupil_id: i64,
        members: Vec<TeamMemberInput>,
    ) -> CmdResult<Vec<TeamMember>> {
        self.with_vault(|v| profile::set_team(v, pupil_id, &members, now()))
    }

    // ----- plans and goals --------------------------------------------------------------------

    pub fn start_plan(&self, pupil_id: i64, input: PlanInput) -> CmdResult<PlanView> {
        let (now, today) = clock();
        self.with_vault(|v| {
            let fws = frameworks(v)?;
            plans::start_plan(v, pupil_id, &input, &fws, today, now)
        })
    }

    pub fn get_plan(&self, plan_id: i64) -> CmdResult<PlanView> {
        let (now, today) = clock();
        self.with_vault(|v| {
            let fws = frameworks(v)?;
            plans::get_plan(v, plan_id, &fws, today, now)
        })
    }

    pub fn list_plans(&self, pupil_id: i64) -> CmdResult<Vec<PlanSummary>> {
        let (now, _) = clock();
        self.with_vault(|v| {
            let fws = frameworks(v)?;
            plans::list_plans(v, pupil_id, &fws, now)
        })
    }

    pub fn change_cadence(&self, plan_id: i64, cadence: Cadence) -> CmdResult<PlanView> {
        let (now, today) = clock();
        self.with_vault(|v| {
            let fws = frameworks(v)?;
            plans::change_cadence(v, plan_id, cadence, &fws, today, now)
        })
    }

    pub fn close_plan(&self, plan_id: i64) -> CmdResult<()> {
        self.with_vault(|v| plans::close_plan(v, plan_id, now()))
    }

    pub fn add_goal(&self, plan_id: i64, input: GoalInput) -> CmdResult<Goal> {
        self.with_vault(|v| {
            let fws = frameworks(v)?;
            plans::add_goal(v, plan_id, &input, &fws, now())
        })
    }

    pub fn update_goal(&self, goal_id: i64, input: GoalInput) -> CmdResult<Goal> {
        self.with_vault(|v| {
            let fws = frameworks(v)?;
            plans::update_goal(v, goal_id, &input, &fws, now())
        })
    }

    pub fn set_goal_status(&self, goal_id: i64, status: GoalStatus) -> CmdResult<()> {
        self.with_vault(|v| plans::set_goal_status(v, goal_id, status, now()))
    }

    // ----- frameworks -------------------------------------------------------------------------

    pub fn list_frameworks(&self) -> CmdResult<Vec<Framework>> {
        self.with_vault(|v| frameworks(v))
    }

    /// `text` is the framework file's content (the UI reads the file; no path crosses).
    pub fn add_framework(&self, text: String) -> CmdResult<Framework> {
        self.with_vault(|v| school_frameworks::add_framework(v, &text, now()))
    }

    // ----- sessions, chronology, scores, indicators -------------------------------------------

    pub fn log_session(&self, pupil_id: i64, input: SessionInput) -> CmdResult<SessionEntry> {
        self.with_vault(|v| records::log_session(v, pupil_id, &input, now()))
    }

    pub fn safeguarding_words(&self) -> CmdResult<Vec<String>> {
        self.with_vault(|v| safeguarding::safeguarding_words(v))
    }

    pub fn set_safeguarding_words(&self, words: Vec<String>) -> CmdResult<Vec<String>> {
        self.with_vault(|v| safeguarding::set_safeguarding_words(v, &words, now()))
    }

    pub fn page_sessions(&self, pupil_id: i64, query: SessionQuery) -> CmdResult<SessionPage> {
        self.with_vault(|v| session_pages::page_sessions(v, pupil_id, &query, now()))
    }

    pub fn list_sessions(&self, pupil_id: i64, limit: Option<u32>) -> CmdResult<Vec<SessionEntry>> {
        let limit = limit.unwrap_or(DEFAULT_SESSION_LIMIT);
        self.with_vault(|v| records::list_sessions(v, pupil_id, limit, now()))
    }

    pub fn add_chronology_event(
        &self,
        pupil_id: i64,
        input: ChronologyInput,
    ) -> CmdResult<ChronologyEvent> {
        self.with_vault(|v| records::add_chronology_event(v, pupil_id, &input, now()))
    }

    pub fn add_score(&self, pupil_id: i64, input: ScoreInput) -> CmdResult<InstrumentScore> {
        self.with_vault(|v| records::add_score(v, pupil_id, &input, now()))
    }

    pub fn set_indicators(&self, pupil_id: i64, input: IndicatorsInput) -> CmdResult<()> {
        self.with_vault(|v| records::set_indicators(v, pupil_id, &input, now()))
    }

    // ----- correcting or withdrawing an entry (issue 16) ----------------------------------------

    pub fn correct_session(
        &self,
        session_id: i64,
        input: SessionInput,
        reason: String,
    ) -> CmdResult<SessionEntry> {
        self.with_vault(|v| corrections::correct_session(v, session_id, &input, &reason, now()))
    }

    pub fn correct_chronology_event(
        &self,
        event_id: i64,
        input: ChronologyInput,
        reason: String,
    ) -> CmdResult<ChronologyEvent> {
        self.with_vault(|v| {
            corrections::correct_chronology_event(v, event_id, &input, &reason, now())
        })
    }

    pub fn correct_score(
        &self,
        score_id: i64,
        input: ScoreInput,
        reason: String,
    ) -> CmdResult<InstrumentScore> {
        self.with_vault(|v| corrections::correct_score(v, score_id, &input, &reason, now()))
    }

    pub fn correct_indicators(
        &self,
        indicators_id: i64,
        input: IndicatorsInput,
        reason: String,
    ) -> CmdResult<TermlyIndicators> {
        self.with_vault(|v| {
            corrections::correct_indicators(v, indicators_id, &input, &reason, now())
        })
    }

    pub fn withdraw_entry(&self, kind: EntryKind, entry_id: i64, reason: String) -> CmdResult<()> {
        self.with_vault(|v| corrections::withdraw_entry(v, kind, entry_id, &reason, now()))
    }

    /// `text` is the CSV file's content.
    pub fn import_indicators_csv(
        &self,
        text: String,
        mode: ImportMode,
    ) -> CmdResult<IndicatorImportOutcome> {
        self.with_vault(|v| records::import_indicators_csv(v, &text, mode, now()))
    }

    // ----- pupil import -----------------------------------------------------------------------

    /// The header row of a CSV file's content.
    pub fn read_header(&self, text: String) -> CmdResult<CsvHeader> {
        self.with_vault(|v| vault_import::read_header(v, &text))
    }

    /// The column mapping guessed from a header row.
    pub fn suggest_mapping(&self, headers: Vec<String>) -> CmdResult<ColumnMapping> {
        self.with_vault(|v| vault_import::suggest_mapping(v, &headers))
    }

    /// What an import of the CSV content would do with this mapping (strategic lead only):
    /// the good rows and every bad line with its number and reason. Writes nothing.
    pub fn parse(&self, text: String, mapping: ColumnMapping) -> CmdResult<ImportPreview> {
        self.with_vault(|v| vault_import::parse(v, &text, &mapping, now()))
    }

    pub fn import_pupils(
        &self,
        preview: ImportPreview,
        mode: ImportMode,
    ) -> CmdResult<ImportOutcome> {
        self.import_pupils_with(preview, mode, &Work::none())
    }

    /// `import_pupils` reporting to `work`; stopped before it commits, it imports nobody.
    pub fn import_pupils_with(
        &self,
        preview: ImportPreview,
        mode: ImportMode,
        work: &Work<'_>,
    ) -> CmdResult<ImportOutcome> {
        self.with_vault(|v| vault_import::import_pupils_with(v, &preview, mode, now(), work))
    }

    /// What `import_pupils` would do with this preview and mode, writing nothing (strategic
    /// lead only): how many pupils would be added and every line that would be refused.
    pub fn check_import(
        &self,
        preview: ImportPreview,
        mode: ImportMode,
    ) -> CmdResult<ImportOutcome> {
        self.with_vault(|v| vault_import::check_import(v, &preview, mode, now()))
    }

    /// What updating the pupils held from a later MIS export (the CSV content) would do with
    /// this mapping (strategic lead only): per pupil what changes, new pupils, active pupils
    /// the file does not name, and every bad line. Writes nothing.
    pub fn preview_mis_update(
        &self,
        text: String,
        mapping: ColumnMapping,
    ) -> CmdResult<UpdatePreview> {
        self.with_vault(|v| mis_update::preview_update(v, &text, &mapping, now()))
    }

    /// Applies the update from the MIS with the lead's choices, in one transaction (strategic
    /// lead only).
    pub fn apply_mis_update(
        &self,
        text: String,
        mapping: ColumnMapping,
        choices: UpdateChoices,
    ) -> CmdResult<UpdateOutcome> {
        self.with_vault(|v| mis_update::apply_update(v, &text, &mapping, &choices, now()))
    }

    /// The school year the vault's year groups are for ("2026-27"), once a rollover set it.
    pub fn school_year(&self) -> CmdResult<Option<String>> {
        self.with_vault(|v| rollover::school_year(v))
    }

    /// What starting the school year `to` would do (strategic lead only). Writes nothing.
    pub fn preview_rollover(
        &self,
        to: String,
        last_year: Option<String>,
    ) -> CmdResult<RolloverPreview> {
        self.with_vault(|v| rollover::preview_rollover(v, &to, last_year.as_deref(), now()))
    }

    /// Starts the new school year with the lead's choices (strategic lead only).
    pub fn apply_rollover(&self, choices: RolloverChoices) -> CmdResult<RolloverOutcome> {
        self.with_vault(|v| rollover::apply_rollover(v, &choices, now()))
    }

    // ----- search, drafts ---------------------------------------------------------------------

    pub fn search(&self, text: String, limit: Option<u32>) -> CmdResult<Vec<SearchHit>> {
        let limit = limit.unwrap_or(DEFAULT_SEARCH_LIMIT);
        self.with_vault(|v| search::search(v, &text, limit, now()))
    }

    pub fn save_draft(&self, form_key: String, content: String) -> CmdResult<Draft> {
        self.with_vault(|v| drafts::save_draft(v, &form_key, &content, now()))
    }

    pub fn load_draft(&self, form_key: String) -> CmdResult<Option<Draft>> {
        self.with_vault(|v| drafts::load_draft(v, &form_key))
    }

    pub fn list_drafts(&self) -> CmdResult<Vec<Draft>> {
        self.with_vault(|v| drafts::list_drafts(v))
    }

    pub fn delete_draft(&self, form_key: String) -> CmdResult<()> {
        self.with_vault(|v| drafts::delete_draft(v, &form_key))
    }

    // ----- the school's calendars and lists ---------------------------------------------------

    pub fn school_calendars(&self) -> CmdResult<CalendarsView> {
        let (_, today) = clock();
        self.with_vault(|v| calendars::school_calendars(v, today))
    }

    pub fn save_school_calendar(&self, calendar: SchoolCalendar) -> CmdResult<CalendarsView> {
        let (now, today) = clock();
        self.with_vault(|v| calendars::save_school_calendar(v, &calendar, today, now))
    }

    pub fn delete_school_calendar(&self, year_label: String) -> CmdResult<CalendarsView> {
        let (now, today) = clock();
        self.with_vault(|v| calendars::delete_school_calendar(v, &year_label, today, now))
    }

    pub fn pick_lists(&self) -> CmdResult<PickLists> {
        self.with_vault(|v| lists::pick_lists(v))
    }

    pub fn add_list_item(&self, list: ListKind, label: String) -> CmdResult<()> {
        self.with_vault(|v| lists::add_list_item(v, list, &label, now()))
    }

    pub fn rename_list_item(&self, list: ListKind, old: String, new: String) -> CmdResult<()> {
        self.with_vault(|v| lists::rename_list_item(v, list, &old, &new, now()))
    }

    pub fn reorder_list(&self, list: ListKind, labels: Vec<String>) -> CmdResult<()> {
        self.with_vault(|v| lists::reorder_list(v, list, &labels, now()))
    }

    pub fn retire_list_item(&self, list: ListKind, label: String, retired: bool) -> CmdResult<()> {
        self.with_vault(|v| lists::set_list_item_retired(v, list, &label, retired, now()))
    }

    // ----- the audit log (strategic lead) -----------------------------------------------------

    pub fn audit_entries(&self, query: Option<AuditQuery>) -> CmdResult<Vec<AuditEntry>> {
        let query = query.unwrap_or_default();
        self.with_vault(|v| audit_log::audit_entries(v, &query, now()))
    }

    pub fn verify_audit(&self) -> CmdResult<AuditVerification> {
        self.verify_audit_with(&Work::none())
    }

    pub fn verify_audit_with(&self, work: &Work<'_>) -> CmdResult<AuditVerification> {
        self.with_vault(|v| audit_log::verify_audit_with(v, now(), work))
    }

    /// The full check of the vault ("Check the vault"): audited `vault.verify`.
    pub fn check_vault_with(&self, work: &Work<'_>) -> CmdResult<VaultCheck> {
        self.with_vault(|v| v.check(work, now()))
    }
}
