//! Tests of the shell without a window: the generated TypeScript types are current, a locked
//! session refuses every command that reads the vault, and a key adult is refused every
//! command on a pupil who is not theirs.

use ts_rs::TS;

use crate::dto::*;
use crate::state::AppState;

/// Every type that crosses the IPC boundary, in the order they appear in bindings.ts.
pub(crate) fn bindings() -> String {
    let decls = [
        Role::decl(),
        UserInfo::decl(),
        PassphraseStrength::decl(),
        ErrorKind::decl(),
        CommandError::decl(),
        SessionInfo::decl(),
        AppStatus::decl(),
        SetupPending::decl(),
        SetupRequest::decl(),
        NewUserRequest::decl(),
        LockedEvent::decl(),
        WorkProgress::decl(),
        AuditEntry::decl(),
        // The school's records (issue 3), each after the types it uses.
        IdentifierKind::decl(),
        DateRange::decl(),
        Term::decl(),
        Closure::decl(),
        SchoolCalendar::decl(),
        Cadence::decl(),
        Domain::decl(),
        Framework::decl(),
        PupilStatus::decl(),
        SessionKind::decl(),
        ChronologyKind::decl(),
        AgencyKind::decl(),
        GoalStatus::decl(),
        PlanStatus::decl(),
        Instrument::decl(),
        ListKind::decl(),
        HitKind::decl(),
        UserRef::decl(),
        IdentifierInput::decl(),
        IdentifierView::decl(),
        PupilInput::decl(),
        Pupil::decl(),
        Assignment::decl(),
        CaseloadSort::decl(),
        CaseloadQuery::decl(),
        CaseloadRow::decl(),
        Profile::decl(),
        AgencyAdviceInput::decl(),
        AgencyAdvice::decl(),
        TeamMemberInput::decl(),
        TeamMember::decl(),
        PlanRequest::decl(),
        GoalInput::decl(),
        Goal::decl(),
        ReviewDue::decl(),
        PlanView::decl(),
        PlanSummary::decl(),
        SessionQuery::decl(),
        SessionCursor::decl(),
        SessionPage::decl(),
        SessionPeriod::decl(),
        CalendarsView::decl(),
        SessionInput::decl(),
        SessionEntry::decl(),
        ChronologyInput::decl(),
        ChronologyEvent::decl(),
        ScoreInput::decl(),
        InstrumentScore::decl(),
        IndicatorsInput::decl(),
        TermlyIndicators::decl(),
        EntryKind::decl(),
        ChangeMark::decl(),
        VersionField::decl(),
        EarlierVersion::decl(),
        EntryChanges::decl(),
        LineError::decl(),
        IndicatorImportOutcome::decl(),
        StatusChange::decl(),
        PupilRecord::decl(),
        SearchHit::decl(),
        Draft::decl(),
        AuditQuery::decl(),
        AuditVerification::decl(),
        CheckArea::decl(),
        CheckProblem::decl(),
        VaultCheck::decl(),
        ListItem::decl(),
        PickLists::decl(),
        ImportMode::decl(),
        ImportOutcome::decl(),
        PupilField::decl(),
        CsvHeader::decl(),
        ColumnMapping::decl(),
        DateOrder::decl(),
        NewPupil::decl(),
        ImportPreview::decl(),
        // Records that stay true as years pass (issue 15): the update from the MIS, rollover.
        FieldChange::decl(),
        PupilChanges::decl(),
        MissingPupil::decl(),
        NewLine::decl(),
        UpdatePreview::decl(),
        UpdateChoices::decl(),
        UpdateOutcome::decl(),
        YearMove::decl(),
        Leaver::decl(),
        RolloverPreview::decl(),
        RolloverChoices::decl(),
        RolloverOutcome::decl(),
        IdentityField::decl(),
        Comparison::decl(),
        FieldComparison::decl(),
        MergeCounts::decl(),
        MergePreview::decl(),
        MergeChoices::decl(),
        MergeOutcome::decl(),
        // Reviews (issue 4).
        GoalDecision::decl(),
        ReviewStatus::decl(),
        ReviewSignOff::decl(),
        ProgressSource::decl(),
        PrintTarget::decl(),
        AttendeeInput::decl(),
        GoalReviewInput::decl(),
        ReviewInput::decl(),
        ReviewGoalPrefill::decl(),
        ReviewPrefill::decl(),
        ReviewAmendment::decl(),
        Review::decl(),
        ReviewSlot::decl(),
        ProgressPoint::decl(),
        MonthSessions::decl(),
        PlanTimeline::decl(),
        RenewPlanRequest::decl(),
        // Moving data safely (issue 6): see safety.rs.
        PathKind::decl(),
        FileFilter::decl(),
        ChoosePathRequest::decl(),
        BackupCounts::decl(),
        BackupDone::decl(),
        AutoBackup::decl(),
        AutoBackups::decl(),
        BackupSummary::decl(),
        BackupOpened::decl(),
        RestoreDone::decl(),
        SavedFile::decl(),
        HandoverExported::decl(),
        HandoverSummary::decl(),
        RetentionDueRow::decl(),
        SarValue::decl(),
        SarField::decl(),
        SarBlock::decl(),
        SarSection::decl(),
        SarDocument::decl(),
        // The strategic lead's overview and supervision notes (issue 5): see lead.rs.
        attune_domain::lead::overview::OverviewQuery::decl(),
        attune_domain::lead::overview::OverviewPupil::decl(),
        attune_domain::lead::overview::OverviewRow::decl(),
        attune_domain::lead::overview::Overview::decl(),
        attune_domain::lead::supervision::SupervisionKind::decl(),
        attune_domain::lead::supervision::SupervisionNoteInput::decl(),
        attune_domain::lead::supervision::DiscussedPupil::decl(),
        attune_domain::lead::supervision::SupervisionNote::decl(),
        attune_domain::lead::supervision::Supervisee::decl(),
        // Anonymised summaries (issue 5): attune-export's preview types.
        attune_export::Unit::decl(),
        attune_export::CellStatus::decl(),
        attune_export::SuppressionReason::decl(),
        attune_export::PreviewCell::decl(),
        attune_export::PreviewColumn::decl(),
        attune_export::PreviewRow::decl(),
        attune_export::PreviewTable::decl(),
        attune_export::SummaryPreview::decl(),
        attune_export::ExportedFiles::decl(),
        attune_export::MergeReport::decl(),
        attune_export::SummaryFileInfo::decl(),
        // Several laptops, one school (issue 17).
        attune_domain::transfer::enrol::Laptop::decl(),
        attune_domain::transfer::enrol::SyncStatus::decl(),
        ConflictKind::decl(),
        ConflictChoice::decl(),
        SyncConflict::decl(),
        LaptopEnrolled::decl(),
        EnrolmentSummary::decl(),
        SyncSummary::decl(),
        SyncFileWritten::decl(),
    ];
    let mut out = String::from(
        "// Generated from the Rust types in src-tauri (ts-rs). Do not edit by hand:\n\
         // run `UPDATE_BINDINGS=1 cargo test -p attune bindings` after changing a type.\n\n",
    );
    for d in decls {
        out.push_str("export ");
        out.push_str(&d);
        out.push('\n');
    }
    // Constants the window shares with the backend, so each is written once.
    let months = attune_domain::rules::dates::MONTH_NAMES.map(|m| format!("\"{m}\""));
    out.push_str(&format!(
        "export const MONTH_NAMES = [{}] as const;\n",
        months.join(", ")
    ));
    out
}

#[test]
fn bindings_are_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/lib/bindings.ts");
    let fresh = bindings();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "ui/src/lib/bindings.ts is stale: run `UPDATE_BINDINGS=1 cargo test -p attune bindings`"
    );
}

pub(crate) const PASS: &str = "correct horse battery staple 1917";

pub(crate) fn set_up(dir: &std::path::Path) -> AppState {
    let state = AppState::new(dir.to_path_buf());
    let pending = state
        .begin_setup(SetupRequest {
            school: "Hillside Primary".into(),
            name: "Ada Lovelace".into(),
            passphrase: PASS.into(),
        })
        .unwrap();
    let typed: Vec<String> = pending
        .confirm_positions
        .iter()
        .map(|&p| pending.recovery_groups[p as usize - 1].clone())
        .collect();
    assert!(matches!(
        state.finish_setup(typed).unwrap(),
        AppStatus::Unlocked { .. }
    ));
    state
}

#[test]
fn setup_writes_nothing_until_the_recovery_key_is_confirmed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let state = AppState::new(dir.clone());
    let weak = state.begin_setup(SetupRequest {
        school: "Hillside".into(),
        name: "Ada".into(),
        passphrase: "hillside1".into(),
    });
    assert_eq!(weak.unwrap_err().kind, ErrorKind::WeakPassphrase);
    let pending = state
        .begin_setup(SetupRequest {
            school: "Hillside".into(),
            name: "Ada".into(),
            passphrase: PASS.into(),
        })
        .unwrap();
    assert_eq!(pending.recovery_groups.len(), 8);
    assert!(
        !dir.join("vault.db").exists(),
        "nothing is written before confirmation"
    );
    let wrong = state
        .finish_setup(vec!["AAAA".into(), "BBBB".into()])
        .unwrap_err();
    assert_eq!(wrong.kind, ErrorKind::InvalidInput);
    assert!(!dir.join("vault.db").exists());
    assert!(matches!(
        state.status().unwrap(),
        AppStatus::FirstRun { .. }
    ));
}

#[test]
fn locking_drops_the_key_and_every_reading_command_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let state = set_up(&tmp.path().join("vault"));
    assert_eq!(state.list_users().unwrap().len(), 1);
    assert!(state.lock("manual"));
    assert!(!state.is_unlocked());
    assert_eq!(state.list_users().unwrap_err().kind, ErrorKind::Locked);
    assert_eq!(
        state.set_auto_lock_minutes(10).unwrap_err().kind,
        ErrorKind::Locked
    );
    assert_eq!(
        state
            .change_passphrase(PASS.into(), "another long passphrase here 5".into())
            .unwrap_err()
            .kind,
        ErrorKind::Locked
    );
    assert_eq!(state.remove_user("x").unwrap_err().kind, ErrorKind::Locked);
    assert_eq!(
        state
            .add_user(NewUserRequest {
                name: "B".into(),
                role: Role::KeyAdult,
                passphrase: PASS.into()
            })
            .unwrap_err()
            .kind,
        ErrorKind::Locked
    );
    assert_eq!(
        state.reset_passphrase(PASS.into()).unwrap_err().kind,
        ErrorKind::Locked
    );
    // The folder lock went with the key: another process could open the vault now.
    match state.status().unwrap() {
        AppStatus::Locked {
            users,
            last_lock_reason,
            ..
        } => {
            assert_eq!(last_lock_reason.as_deref(), Some("manual"));
            let again = state.unlock(&users[0].id, PASS.into()).unwrap();
            assert!(matches!(again, AppStatus::Unlocked { .. }));
        }
        other => panic!("expected locked, got {other:?}"),
    }
}

#[test]
fn idle_session_locks_itself() {
    let tmp = tempfile::tempdir().unwrap();
    let state = set_up(&tmp.path().join("vault"));
    assert!(!state.lock_if_idle(), "just used: stays open");
    // Pretend the last activity was long ago.
    state.backdate_activity(std::time::Duration::from_secs(5 * 60 + 1));
    assert!(state.lock_if_idle());
    assert_eq!(state.list_users().unwrap_err().kind, ErrorKind::Locked);
    match state.status().unwrap() {
        AppStatus::Locked {
            last_lock_reason, ..
        } => assert_eq!(last_lock_reason.as_deref(), Some("idle")),
        other => panic!("expected locked, got {other:?}"),
    }
}

// ----- the school's records (issue 3) -----------------------------------------------------------

use chrono::{Datelike, Duration, NaiveDate, Utc};

const KEY_ADULT: &str = "Kim Adebayo";
const KEY_ADULT_PASS: &str = "paper lantern orchard violin 4471";

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn pupil_input(forename: &str, surname: &str) -> PupilInput {
    PupilInput {
        legal_forename: forename.into(),
        legal_surname: surname.into(),
        preferred_name: None,
        date_of_birth: d(2016, 3, 4),
        year_group: "Year 5".into(),
        identifiers: vec![],
        care_status: Some("Looked after".into()),
        support_level: Some("Intensive".into()),
        relationship_start: None,
        relationship_planned_end: None,
    }
}

fn plan_input() -> PlanInput {
    let start = Utc::now().date_naive();
    PlanInput {
        framework_id: None,
        start,
        horizon_end: start
            .with_year(start.year() + 2)
            .unwrap_or(start + Duration::days(730)),
        cadence: Cadence::SixWeekly,
    }
}

fn goal_input(domain: &str, outcome: &str) -> GoalInput {
    GoalInput {
        domain_id: domain.into(),
        outcome: outcome.into(),
        baseline: 3,
        target: 7,
        strategies: "Daily check-in at the classroom door".into(),
        who: "Key adult".into(),
        how_often: "Daily".into(),
        pp_plus_cost_pence: None,
    }
}

fn session_input(note: &str) -> SessionInput {
    SessionInput {
        held_on: Utc::now().date_naive(),
        minutes: 20,
        kind: SessionKind::CheckIn,
        regulation: Some(6),
        note: note.into(),
        safeguarding_ref: None,
    }
}

fn kind_of<T: std::fmt::Debug>(r: Result<T, CommandError>) -> ErrorKind {
    match r {
        Ok(v) => panic!("expected a refusal, got {v:?}"),
        Err(e) => e.kind,
    }
}

/// A lead's vault with a key adult, pupil `mine` assigned to them and pupil `other` not; the
/// lead has given `other` a plan with a goal, a piece of advice and a session.
struct School {
    state: AppState,
    lead_id: String,
    key_adult_id: String,
    mine: i64,
    other: i64,
    other_plan: i64,
    other_goal: i64,
    other_advice: i64,
}

fn school(dir: &std::path::Path) -> School {
    let state = set_up(dir);
    let lead_id = state.list_users().unwrap()[0].id.clone();
    let ka = state
        .add_user(NewUserRequest {
            name: KEY_ADULT.into(),
            role: Role::KeyAdult,
            passphrase: KEY_ADULT_PASS.into(),
        })
        .unwrap();
    let mine = state.add_pupil(pupil_input("Amara", "O'Neill")).unwrap().id;
    let other = state
        .add_pupil(pupil_input("Zoë", "Łukasik-Brown"))
        .unwrap()
        .id;
    state
        .assign_key_adult(mine, Some(ka.id.clone()), None)
        .unwrap();
    let plan = state.start_plan(other, plan_input()).unwrap();
    let goal = state
        .add_goal(plan.id, goal_input("availability", "Zoë asks for help"))
        .unwrap();
    let advice = state
        .add_agency_advice(
            other,
            AgencyAdviceInput {
                agency: AgencyKind::EducationalPsychologist,
                source: "EP service".into(),
                advised_on: d(2026, 9, 10),
                advice: "Keep transitions predictable".into(),
            },
        )
        .unwrap();
    state
        .log_session(other, session_input("talked about marmalade"))
        .unwrap();
    School {
        state,
        lead_id,
        key_adult_id: ka.id,
        mine,
        other,
        other_plan: plan.id,
        other_goal: goal.id,
        other_advice: advice,
    }
}

fn unlock_as(state: &AppState, user_id: &str, pass: &str) {
    state.lock("manual");
    let status = state.unlock(user_id, pass.into()).unwrap();
    assert!(matches!(status, AppStatus::Unlocked { .. }), "{status:?}");
}

#[test]
fn a_key_adult_is_refused_every_command_on_a_pupil_not_theirs() {
    let tmp = tempfile::tempdir().unwrap();
    let sc = school(&tmp.path().join("vault"));
    let st = &sc.state;
    unlock_as(st, &sc.key_adult_id, KEY_ADULT_PASS);
    let (o, np) = (sc.other, ErrorKind::NotPermitted);

    // Their own pupil: the caseload shows only them, and they can work on the record.
    let rows = st.caseload(None).unwrap();
    assert_eq!(
        rows.iter().map(|r| r.pupil_id).collect::<Vec<_>>(),
        vec![sc.mine]
    );
    assert_eq!(st.open_pupil(sc.mine, None).unwrap().pupil.id, sc.mine);
    let plan = st.start_plan(sc.mine, plan_input()).unwrap();
    st.add_goal(plan.id, goal_input("belonging", "Amara joins a lunch club"))
        .unwrap();
    st.log_session(sc.mine, session_input("built a den with lego"))
        .unwrap();
    let hits = st.search("lego".into(), None).unwrap();
    assert!(hits
        .iter()
        .any(|h| h.pupil_id == Some(sc.mine) && h.kind == HitKind::SessionNote));
    // Search keeps to the pupils they may see.
    assert!(st.search("marmalade".into(), None).unwrap().is_empty());

    // The other pupil, and every record of theirs, by every command: not permitted.
    assert_eq!(kind_of(st.get_pupil(o)), np);
    assert_eq!(kind_of(st.open_pupil(o, None)), np);
    assert_eq!(kind_of(st.save_profile(o, Profile::default())), np);
    assert_eq!(
        kind_of(st.add_agency_advice(
            o,
            AgencyAdviceInput {
                agency: AgencyKind::Camhs,
                source: "CAMHS".into(),
                advised_on: d(2026, 10, 1),
                advice: "x".into(),
            }
        )),
        np
    );
    assert_eq!(kind_of(st.delete_agency_advice(sc.other_advice)), np);
    assert_eq!(
        kind_of(st.set_team(
            o,
            vec![TeamMemberInput {
                name: "A".into(),
                role: "class teacher".into()
            }]
        )),
        np
    );
    assert_eq!(kind_of(st.start_plan(o, plan_input())), np);
    assert_eq!(kind_of(st.get_plan(sc.other_plan)), np);
    assert_eq!(
        kind_of(st.change_cadence(sc.other_plan, Cadence::Termly)),
        np
    );
    assert_eq!(kind_of(st.close_plan(sc.other_plan)), np);
    assert_eq!(
        kind_of(st.add_goal(sc.other_plan, goal_input("availability", "x"))),
        np
    );
    assert_eq!(
        kind_of(st.update_goal(sc.other_goal, goal_input("availability", "x"))),
        np
    );
    assert_eq!(
        kind_of(st.set_goal_status(sc.other_goal, GoalStatus::Achieved)),
        np
    );
    assert_eq!(kind_of(st.log_session(o, session_input("x"))), np);
    assert_eq!(kind_of(st.list_sessions(o, None)), np);
    assert_eq!(
        kind_of(st.add_chronology_event(
            o,
            ChronologyInput {
                occurred_on: d(2026, 10, 2),
                kind: ChronologyKind::Transition,
                description: "x".into(),
                safeguarding_ref: None,
            }
        )),
        np
    );
    assert_eq!(
        kind_of(st.add_score(
            o,
            ScoreInput {
                instrument: Instrument::Sdq,
                subscale: None,
                score: Some(12),
                stage: None,
                completed_on: d(2026, 10, 2),
                completed_by: "class teacher".into(),
            }
        )),
        np
    );
    assert_eq!(
        kind_of(st.set_indicators(
            o,
            IndicatorsInput {
                term: "Autumn 2026".into(),
                attendance_pct: Some(91.5),
                exclusion_days: None,
                physical_interventions: None,
            }
        )),
        np
    );
    // A record id that does not exist is refused the same way (ids cannot be probed).
    assert_eq!(kind_of(st.get_plan(999_999)), np);
    assert_eq!(kind_of(st.open_pupil(999_999, None)), np);

    // What only a strategic lead may do, even for their own pupil.
    assert_eq!(kind_of(st.add_pupil(pupil_input("New", "Pupil"))), np);
    assert_eq!(
        kind_of(st.update_pupil(sc.mine, pupil_input("Amara", "O'Neill"), None)),
        np
    );
    assert_eq!(
        kind_of(st.assign_key_adult(o, Some(sc.key_adult_id.clone()), None)),
        np
    );
    assert_eq!(kind_of(st.mark_left(sc.mine, "2026-12-18".into())), np);
    assert_eq!(kind_of(st.archive_pupil(sc.mine)), np);
    assert_eq!(kind_of(st.add_framework(framework_json("nurture"))), np);
    assert_eq!(kind_of(st.audit_entries(None)), np);
    assert_eq!(kind_of(st.verify_audit()), np);
    assert_eq!(kind_of(st.delete_school_calendar("2026-27".into())), np);
    assert_eq!(
        kind_of(st.add_list_item(ListKind::SupportLevel, "Targeted".into())),
        np
    );
    assert_eq!(
        kind_of(st.rename_list_item(ListKind::SupportLevel, "Intensive".into(), "High".into())),
        np
    );
    let csv = "Forename,Surname,DOB,Year\nAda,Jones,03/04/2016,5\n".to_string();
    let header = st.read_header(csv.clone()).unwrap();
    let mapping = st.suggest_mapping(header.headers).unwrap();
    assert_eq!(kind_of(st.parse(csv, mapping)), np);
    let empty = ImportPreview {
        good: vec![],
        bad: vec![],
        date_order: DateOrder::DayFirst,
        header_line: 1,
    };
    assert_eq!(
        kind_of(st.check_import(empty.clone(), ImportMode::GoodOnly)),
        np
    );
    assert_eq!(kind_of(st.import_pupils(empty, ImportMode::GoodOnly)), np);
    assert_eq!(
        kind_of(st.import_indicators_csv("upn,term,attendance\n".into(), ImportMode::AllOrNothing)),
        np
    );

    // Every refusal was audited: the lead reads them in the log.
    unlock_as(st, &sc.lead_id, PASS);
    let refused = st
        .audit_entries(None)
        .unwrap()
        .into_iter()
        .filter(|e| e.outcome == "refused")
        .count();
    assert!(refused >= 25, "refusals audited: {refused}");
    assert!(st.verify_audit().unwrap().intact);
}

fn framework_json(id: &str) -> String {
    format!(
        r#"{{
  "schema": "attune-framework/1",
  "id": "{id}",
  "name": "Our nurture principles",
  "description": "The school's own framework.",
  "domains": [
    {{ "id": "safe-base", "name": "A safe base", "description": "Feeling safe.", "prompts": [] }}
  ]
}}"#
    )
}

#[test]
fn a_school_framework_is_checked_stored_and_used_for_plans() {
    let tmp = tempfile::tempdir().unwrap();
    let state = set_up(&tmp.path().join("vault"));
    let before = state.list_frameworks().unwrap();
    assert_eq!(
        before.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(),
        vec!["secure-base", "shanarri"]
    );
    // A malformed file is refused with its line and reason.
    let bad = framework_json("nurture").replace("\"prompts\": []", "\"prompt\": []");
    let err = state.add_framework(bad).unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidInput);
    assert!(err.message.starts_with("line 7,"), "{}", err.message);
    // A built-in id is refused.
    assert_eq!(
        state
            .add_framework(framework_json("shanarri"))
            .unwrap_err()
            .kind,
        ErrorKind::AlreadyExists
    );
    let fw = state.add_framework(framework_json("nurture")).unwrap();
    assert_eq!(fw.id, "nurture");
    assert_eq!(
        state
            .add_framework(framework_json("nurture"))
            .unwrap_err()
            .kind,
        ErrorKind::AlreadyExists
    );
    assert_eq!(state.list_frameworks().unwrap().len(), 3);

    let pupil = state.add_pupil(pupil_input("Amara", "O'Neill")).unwrap();
    let plan = state
        .start_plan(
            pupil.id,
            PlanInput {
                framework_id: Some("nurture".into()),
                ..plan_input()
            },
        )
        .unwrap();
    assert_eq!(plan.framework_name, "Our nurture principles");
    let goal = state
        .add_goal(
            plan.id,
            goal_input("safe-base", "Amara settles in the morning"),
        )
        .unwrap();
    assert_eq!(goal.domain_name, "A safe base");
    // And after a lock the school's framework is still there (it is in the vault).
    let lead = state.list_users().unwrap()[0].id.clone();
    unlock_as(&state, &lead, PASS);
    let again = state.get_plan(plan.id).unwrap();
    assert_eq!(again.framework_name, "Our nurture principles");
}

#[test]
fn a_domain_input_error_names_its_field() {
    let tmp = tempfile::tempdir().unwrap();
    let state = set_up(&tmp.path().join("vault"));
    let mut input = pupil_input("Amara", "O'Neill");
    input.legal_forename = "  ".into();
    let err = state.add_pupil(input).unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidInput);
    assert_eq!(err.field.as_deref(), Some("legal_forename"), "{err:?}");
    // A date argument the shell reads itself is refused on its field too.
    let p = state.add_pupil(pupil_input("Amara", "O'Neill")).unwrap();
    let err = state.mark_left(p.id, "31/02/2026".into()).unwrap_err();
    assert_eq!(
        (err.kind, err.field.as_deref()),
        (ErrorKind::InvalidInput, Some("left_on"))
    );
    // The field crosses to the UI as `field` (null when there is none).
    let json = serde_json::to_value(&err).unwrap();
    assert_eq!(json["field"], "left_on");
    let locked = serde_json::to_value(CommandError::locked()).unwrap();
    assert!(locked["field"].is_null());
}

#[test]
fn after_lock_every_records_command_answers_locked() {
    let tmp = tempfile::tempdir().unwrap();
    let sc = school(&tmp.path().join("vault"));
    let st = &sc.state;
    assert!(st.lock("manual"));
    let (p, l) = (sc.mine, ErrorKind::Locked);
    assert_eq!(kind_of(st.caseload(None)), l);
    assert_eq!(kind_of(st.add_pupil(pupil_input("A", "B"))), l);
    assert_eq!(kind_of(st.update_pupil(p, pupil_input("A", "B"), None)), l);
    assert_eq!(kind_of(st.assign_key_adult(p, None, None)), l);
    assert_eq!(kind_of(st.mark_left(p, "2026-12-18".into())), l);
    assert_eq!(kind_of(st.archive_pupil(p)), l);
    assert_eq!(kind_of(st.get_pupil(p)), l);
    assert_eq!(kind_of(st.open_pupil(p, None)), l);
    assert_eq!(kind_of(st.save_profile(p, Profile::default())), l);
    assert_eq!(
        kind_of(st.add_agency_advice(
            p,
            AgencyAdviceInput {
                agency: AgencyKind::Other,
                source: "x".into(),
                advised_on: d(2026, 10, 1),
                advice: "x".into(),
            }
        )),
        l
    );
    assert_eq!(kind_of(st.delete_agency_advice(sc.other_advice)), l);
    assert_eq!(kind_of(st.set_team(p, vec![])), l);
    assert_eq!(kind_of(st.start_plan(p, plan_input())), l);
    assert_eq!(kind_of(st.get_plan(sc.other_plan)), l);
    assert_eq!(
        kind_of(st.change_cadence(sc.other_plan, Cadence::Termly)),
        l
    );
    assert_eq!(kind_of(st.close_plan(sc.other_plan)), l);
    assert_eq!(
        kind_of(st.add_goal(sc.other_plan, goal_input("availability", "x"))),
        l
    );
    assert_eq!(
        kind_of(st.update_goal(sc.other_goal, goal_input("availability", "x"))),
        l
    );
    assert_eq!(
        kind_of(st.set_goal_status(sc.other_goal, GoalStatus::Stopped)),
        l
    );
    assert_eq!(kind_of(st.list_frameworks()), l);
    assert_eq!(kind_of(st.add_framework(framework_json("nurture"))), l);
    assert_eq!(kind_of(st.log_session(p, session_input("x"))), l);
    assert_eq!(kind_of(st.list_sessions(p, None)), l);
    assert_eq!(
        kind_of(st.add_chronology_event(
            p,
            ChronologyInput {
                occurred_on: d(2026, 10, 2),
                kind: ChronologyKind::Other,
                description: "x".into(),
                safeguarding_ref: None,
            }
        )),
        l
    );
    assert_eq!(
        kind_of(st.add_score(
            p,
            ScoreInput {
                instrument: Instrument::Thrive,
                subscale: None,
                score: None,
                stage: Some("Being".into()),
                completed_on: d(2026, 10, 2),
                completed_by: "key adult".into(),
            }
        )),
        l
    );
    assert_eq!(
        kind_of(st.set_indicators(
            p,
            IndicatorsInput {
                term: "Autumn 2026".into(),
                attendance_pct: None,
                exclusion_days: None,
                physical_interventions: Some(0),
            }
        )),
        l
    );
    assert_eq!(
        kind_of(st.import_indicators_csv("x".into(), ImportMode::GoodOnly)),
        l
    );
    assert_eq!(kind_of(st.read_header("a,b\n".into())), l);
    assert_eq!(kind_of(st.suggest_mapping(vec!["Surname".into()])), l);
    assert_eq!(
        kind_of(st.parse("a,b\n".into(), ColumnMapping::default())),
        l
    );
    let preview = ImportPreview {
        good: vec![],
        bad: vec![],
        date_order: DateOrder::DayFirst,
        header_line: 1,
    };
    assert_eq!(
        kind_of(st.check_import(preview.clone(), ImportMode::AllOrNothing)),
        l
    );
    assert_eq!(
        kind_of(st.import_pupils(preview, ImportMode::AllOrNothing)),
        l
    );
    assert_eq!(kind_of(st.search("marmalade".into(), None)), l);
    assert_eq!(kind_of(st.save_draft("session:1".into(), "{}".into())), l);
    assert_eq!(kind_of(st.load_draft("session:1".into())), l);
    assert_eq!(kind_of(st.list_drafts()), l);
    assert_eq!(kind_of(st.delete_draft("session:1".into())), l);
    assert_eq!(kind_of(st.school_calendars()), l);
    assert_eq!(kind_of(st.delete_school_calendar("2026-27".into())), l);
    assert_eq!(kind_of(st.pick_lists()), l);
    assert_eq!(
        kind_of(st.add_list_item(ListKind::CareStatus, "x".into())),
        l
    );
    assert_eq!(
        kind_of(st.rename_list_item(ListKind::CareStatus, "x".into(), "y".into())),
        l
    );
    assert_eq!(kind_of(st.audit_entries(None)), l);
    assert_eq!(kind_of(st.verify_audit()), l);
}

#[test]
fn drafts_survive_a_lock() {
    let tmp = tempfile::tempdir().unwrap();
    let state = set_up(&tmp.path().join("vault"));
    let lead = state.list_users().unwrap()[0].id.clone();
    state
        .save_draft("session:new".into(), r#"{"note":"half-typed"}"#.into())
        .unwrap();
    unlock_as(&state, &lead, PASS);
    let draft = state.load_draft("session:new".into()).unwrap().unwrap();
    assert_eq!(draft.content, r#"{"note":"half-typed"}"#);
    assert_eq!(state.list_drafts().unwrap().len(), 1);
    state.delete_draft("session:new".into()).unwrap();
    assert!(state.load_draft("session:new".into()).unwrap().is_none());
}

#[test]
fn a_pupil_import_runs_from_csv_text_through_the_shell() {
    let tmp = tempfile::tempdir().unwrap();
    let state = set_up(&tmp.path().join("vault"));
    // One good line, one with an impossible date: the UI sends the file's text, never a path.
    let csv = "Legal Forename,Legal Surname,DOB,Year\n\
               Siân,D'Arcy-Ng,03/04/2016,5\n\
               Kai,Brown,31/02/2016,4\n"
        .to_string();
    let header = state.read_header(csv.clone()).unwrap();
    assert_eq!(header.line, 1);
    let mapping = state.suggest_mapping(header.headers).unwrap();
    assert_eq!(
        (mapping.legal_forename, mapping.date_of_birth),
        (Some(0), Some(2))
    );
    let preview = state.parse(csv, mapping).unwrap();
    assert_eq!(preview.good.len(), 1);
    assert_eq!(
        preview.bad.iter().map(|b| b.line).collect::<Vec<_>>(),
        vec![3]
    );
    // The dry run and "all or nothing" write nothing while a line is bad.
    let dry = state
        .check_import(preview.clone(), ImportMode::GoodOnly)
        .unwrap();
    assert_eq!(dry.imported, 1);
    let none = state
        .import_pupils(preview.clone(), ImportMode::AllOrNothing)
        .unwrap();
    assert_eq!((none.imported, none.bad.len()), (0, 1));
    assert!(state.caseload(None).unwrap().is_empty());
    let done = state.import_pupils(preview, ImportMode::GoodOnly).unwrap();
    assert_eq!(done.imported, 1);
    let rows = state.caseload(None).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].preferred_name.as_str(), rows[0].surname.as_str()),
        ("Siân", "D'Arcy-Ng")
    );
}

#[test]
fn an_open_vault_gets_one_automatic_backup_a_day() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let state = set_up(&dir);
    state.auto_backup_if_due(&|_| {});
    let backups: Vec<_> = std::fs::read_dir(dir.join("backups")).unwrap().collect();
    assert_eq!(backups.len(), 1, "one backup written beside the vault");
    let name = backups[0]
        .as_ref()
        .unwrap()
        .file_name()
        .into_string()
        .unwrap();
    assert!(
        name.starts_with("attune-") && name.ends_with(".attune-backup"),
        "{name}"
    );
    let bytes = std::fs::read(backups[0].as_ref().unwrap().path()).unwrap();
    assert!(
        bytes.starts_with(b"ATTUNE-BACKUP/1"),
        "an Attune backup file"
    );
    state.auto_backup_if_due(&|_| {});
    assert_eq!(
        std::fs::read_dir(dir.join("backups")).unwrap().count(),
        1,
        "not twice a day"
    );
}

#[test]
fn review_commands_keep_to_the_session_and_answer_locked_after_lock() {
    let tmp = tempfile::tempdir().unwrap();
    let sc = school(&tmp.path().join("vault"));
    let st = &sc.state;
    // The lead prepares a review of the other pupil's plan and prints it.
    let slots = st.list_reviews(sc.other_plan).unwrap();
    let next = slots.iter().find(|s| s.next).expect("a next review");
    let due = next.due_date.to_string();
    let r = st.prepare_review(sc.other_plan, &due).unwrap();
    assert_eq!(r.prefill.goals.len(), 1);
    st.record_print(PrintTarget::Review, r.id, false).unwrap();
    assert_eq!(
        st.prepare_review(sc.other_plan, "31/02/2026")
            .unwrap_err()
            .field
            .as_deref(),
        Some("due_date")
    );

    // A key adult not assigned to that pupil: every review command is refused.
    unlock_as(st, &sc.key_adult_id, KEY_ADULT_PASS);
    let np = ErrorKind::NotPermitted;
    assert_eq!(kind_of(st.list_reviews(sc.other_plan)), np);
    assert_eq!(kind_of(st.prepare_review(sc.other_plan, &due)), np);
    assert_eq!(kind_of(st.get_review(r.id)), np);
    assert_eq!(
        kind_of(st.save_review_draft(r.id, ReviewInput::default())),
        np
    );
    assert_eq!(kind_of(st.sign_review(r.id)), np);
    assert_eq!(kind_of(st.amend_review(r.id, "typo", "fix")), np);
    assert_eq!(kind_of(st.progress_series(sc.other_goal)), np);
    assert_eq!(kind_of(st.plan_timeline(sc.other_plan)), np);
    assert_eq!(
        kind_of(st.record_print(PrintTarget::Plan, sc.other_plan, false)),
        np
    );
    assert_eq!(kind_of(st.set_review_sign_off(ReviewSignOff::KeyAdult)), np);
    assert_eq!(
        kind_of(st.renew_plan(
            sc.other_plan,
            RenewPlanInput {
                plan: plan_input(),
                carry_goal_ids: vec![]
            }
        )),
        np
    );

    st.lock("manual");
    let l = ErrorKind::Locked;
    assert_eq!(kind_of(st.list_reviews(sc.other_plan)), l);
    assert_eq!(kind_of(st.get_review(r.id)), l);
    assert_eq!(kind_of(st.review_sign_off()), l);
    assert_eq!(kind_of(st.plan_timeline(sc.other_plan)), l);
}

#[test]
fn lead_commands_keep_to_the_session_and_write_summaries_only_where_asked() {
    use attune_domain::lead::overview::OverviewQuery;
    use attune_domain::lead::supervision::{SupervisionKind, SupervisionNoteInput};
    use attune_export::{ExportOptions, MergeOptions};

    let tmp = tempfile::tempdir().unwrap();
    let sc = school(&tmp.path().join("vault"));
    let st = &sc.state;
    let today = Utc::now().date_naive();

    // The lead: the overview names the key adult's pupil; a note about them is recorded.
    let o = st.overview(None).unwrap();
    let row = o
        .rows
        .iter()
        .find(|r| r.key_adult.as_ref().map(|k| k.id.as_str()) == Some(&sc.key_adult_id))
        .unwrap();
    assert_eq!(row.caseload, 1);
    assert_eq!(row.no_recent_session[0].pupil_id, sc.mine);
    let e = st
        .overview(Some(OverviewQuery {
            due_weeks: 0,
            session_weeks: 3,
        }))
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("due_weeks"));
    let options = st.supervision_options().unwrap();
    assert_eq!(options[0].pupils[0].pupil_id, sc.mine);
    let note = st
        .record_supervision_note(SupervisionNoteInput {
            held_on: today,
            kind: SupervisionKind::Supervision,
            key_adult_id: sc.key_adult_id.clone(),
            pupil_ids: vec![sc.mine],
            notes: "Amara settles better after breakfast club.".into(),
            actions: String::new(),
        })
        .unwrap();
    let e = st
        .record_supervision_note(SupervisionNoteInput {
            held_on: today + Duration::days(1),
            kind: SupervisionKind::Supervision,
            key_adult_id: sc.key_adult_id.clone(),
            pupil_ids: vec![],
            notes: "x".into(),
            actions: String::new(),
        })
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("held_on"));

    // The summary: bad k and period name their fields; the export writes three files with no
    // pupil's name in them, and refuses to overwrite them.
    let year = {
        let y = today.year() - i32::from(today.month() < 8);
        format!("{y}-{:02}", (y + 1) % 100)
    };
    assert_eq!(
        st.summary_preview(&year, 2).unwrap_err().field.as_deref(),
        Some("k")
    );
    assert_eq!(
        st.summary_preview("last year", 5)
            .unwrap_err()
            .field
            .as_deref(),
        Some("period")
    );
    let preview = st.summary_preview(&year, 5).unwrap();
    assert_eq!(preview.k, 5);
    let out = tmp.path().join("usb");
    std::fs::create_dir(&out).unwrap();
    let files = st
        .export_summary(&year, 5, &out, &ExportOptions::default())
        .unwrap();
    for f in [&files.csv, &files.json, &files.html] {
        let text = std::fs::read_to_string(f).unwrap();
        for name in [
            "Amara",
            "O'Neill",
            "O&#39;Neill",
            "Zoë",
            "Łukasik",
            "marmalade",
        ] {
            assert!(!text.contains(name), "{name} in {f}");
        }
    }
    let e = st
        .export_summary(&year, 5, &out, &ExportOptions::default())
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::AlreadyExists);
    let info = st
        .inspect_summary(std::path::Path::new(&files.json))
        .unwrap();
    assert_eq!(info.period, year);
    // Two files from the same school are refused, naming the file.
    let copy = tmp.path().join("copy.json");
    std::fs::copy(&files.json, &copy).unwrap();
    let e = st
        .merge_summaries(
            &[files.json.clone().into(), copy.clone()],
            &out,
            &MergeOptions::default(),
        )
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidInput);
    assert!(e.message.contains("copy.json"), "{}", e.message);

    // A key adult: their own notes only; nothing of the lead's.
    unlock_as(st, &sc.key_adult_id, KEY_ADULT_PASS);
    let np = ErrorKind::NotPermitted;
    assert_eq!(kind_of(st.overview(None)), np);
    assert_eq!(kind_of(st.supervision_options()), np);
    assert_eq!(
        kind_of(st.list_supervision_notes(Some(sc.lead_id.clone()))),
        np
    );
    assert_eq!(st.list_supervision_notes(None).unwrap(), vec![note.clone()]);
    assert_eq!(st.get_supervision_note(note.id).unwrap().id, note.id);
    assert_eq!(kind_of(st.summary_preview(&year, 5)), np);
    assert_eq!(
        kind_of(st.export_summary(&year, 5, &out, &ExportOptions::default())),
        np
    );
    assert_eq!(
        kind_of(st.merge_summaries(
            &[files.json.clone().into(), copy],
            &out,
            &MergeOptions::default()
        )),
        np
    );

    st.lock("manual");
    let l = ErrorKind::Locked;
    assert_eq!(kind_of(st.overview(None)), l);
    assert_eq!(kind_of(st.list_supervision_notes(None)), l);
    assert_eq!(kind_of(st.get_supervision_note(note.id)), l);
    assert_eq!(kind_of(st.summary_preview(&year, 5)), l);
    assert_eq!(
        kind_of(st.inspect_summary(std::path::Path::new(&files.json))),
        l
    );
}

/// An unlock asked while a session is open is checked, never answered "ok" on trust: the
/// session's own user with a wrong passphrase is refused and the attempt audited; someone else
/// is told to lock first and the open session stays theirs.
#[test]
fn unlocking_an_open_vault_checks_the_passphrase() {
    let tmp = tempfile::tempdir().unwrap();
    let s = school(tmp.path());
    let state = &s.state;
    unlock_as(state, &s.lead_id, PASS);
    let before = state.audit_entries(None).unwrap().len();

    let wrong = state.unlock(&s.lead_id, "not the passphrase at all 123".into());
    assert_eq!(kind_of(wrong), ErrorKind::WrongPassphrase);
    let entries = state.audit_entries(None).unwrap();
    assert!(
        entries.iter().any(|e| e.action == "unlock.passphrase"
            && e.outcome == "failed"
            && e.actor_id.as_deref() == Some(s.lead_id.as_str())),
        "the wrong passphrase is in the audit log"
    );
    assert!(entries.len() > before);

    let other = state.unlock(&s.key_adult_id, KEY_ADULT_PASS.into());
    assert_eq!(kind_of(other), ErrorKind::InvalidInput);
    let recovery =
        state.unlock_with_recovery(&s.lead_id, "0000-0000-0000-0000-0000-0000-0000-0000".into());
    assert!(
        recovery.is_err(),
        "no recovery-key unlock over an open session"
    );
    match state.status().unwrap() {
        AppStatus::Unlocked { session, .. } => assert_eq!(session.user.id, s.lead_id),
        other => panic!("the lead's session stays open: {other:?}"),
    }

    // A second press of Unlock with the right passphrase is still fine.
    let again = state.unlock(&s.lead_id, PASS.into()).unwrap();
    assert!(matches!(again, AppStatus::Unlocked { .. }));
}

/// Issue 15, item 5, through the shell: a lead resets a key adult's passphrase and gets a
/// one-time code; the key adult's old passphrase is refused; the code unlocks into a session
/// the window shows as "choose a new passphrase" (`must_set_passphrase`), which may do nothing
/// else; setting one gives an ordinary session as the same user, with the same pupil.
#[test]
fn a_code_unlock_lands_on_choosing_a_new_passphrase() {
    let tmp = tempfile::tempdir().unwrap();
    let s = school(&tmp.path().join("vault"));
    let st = &s.state;
    unlock_as(st, &s.key_adult_id, KEY_ADULT_PASS);
    assert_eq!(
        kind_of(st.reset_user_passphrase(&s.lead_id)),
        ErrorKind::NotPermitted
    );
    assert_eq!(kind_of(st.replace_recovery_key()), ErrorKind::NotPermitted);
    unlock_as(st, &s.lead_id, PASS);
    let code = st.reset_user_passphrase(&s.key_adult_id).unwrap();
    assert_eq!(code.split('-').count(), 4, "{code}");
    st.lock("manual");

    assert_eq!(
        kind_of(st.unlock(&s.key_adult_id, KEY_ADULT_PASS.into())),
        ErrorKind::WrongPassphrase
    );
    match st.unlock(&s.key_adult_id, code.to_lowercase()).unwrap() {
        AppStatus::Unlocked { session, .. } => {
            assert!(session.must_set_passphrase);
            assert_eq!(session.user.id, s.key_adult_id);
        }
        other => panic!("the code opens a session: {other:?}"),
    }
    assert_eq!(kind_of(st.caseload(None)), ErrorKind::MustSetPassphrase);
    let new = "amber kettle northern drum 77";
    match st.reset_passphrase(new.into()).unwrap() {
        AppStatus::Unlocked { session, .. } => assert!(!session.must_set_passphrase),
        other => panic!("{other:?}"),
    }
    let rows = st.caseload(None).unwrap();
    assert!(
        rows.iter().any(|r| r.pupil_id == s.mine),
        "still their pupil"
    );
    unlock_as(st, &s.key_adult_id, new);

    // The lead replaces the recovery key: 8 groups, new each time.
    unlock_as(st, &s.lead_id, PASS);
    let k1 = st.replace_recovery_key().unwrap();
    let k2 = st.replace_recovery_key().unwrap();
    assert_eq!(k1.len(), 8);
    assert_ne!(k1, k2);
    st.lock("manual");
    assert_eq!(
        kind_of(st.unlock_with_recovery(&s.lead_id, k1.join("-"))),
        ErrorKind::WrongRecoveryKey
    );
    match st.unlock_with_recovery(&s.lead_id, k2.join(" ")).unwrap() {
        AppStatus::Unlocked { session, .. } => assert!(session.must_set_passphrase),
        other => panic!("{other:?}"),
    }
}
