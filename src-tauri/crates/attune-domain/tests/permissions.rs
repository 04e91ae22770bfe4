//! The access gate, operation by operation: a key adult is refused (and the refusal audited)
//! for a pupil not assigned to them, and succeeds for their own; strategic-lead-only
//! operations are refused for a key adult.

mod common;
use common::*;

use std::fmt::Debug;

use attune_domain::date;
use attune_domain::model::*;
use attune_domain::rules::schedule::Cadence;
use attune_domain::transfer::import::{self, ImportPreview};
use attune_domain::{
    lead::audit_log, planning::calendars, planning::plans, record::lists, record::profile,
    record::pupils, record::records, record::search, transfer::vault_import, Result,
};
use attune_vault::{ErrorKind, Vault};

macro_rules! refused {
    ($v:ident, $e:expr, $action:expr, $target:expr) => {{
        let r = $e;
        refused_at(&$v, r, $action, $target)
    }};
}

macro_rules! allowed {
    ($v:ident, $e:expr, $action:expr) => {{
        let r = $e;
        allowed_at(&$v, r, $action)
    }};
}

/// Asserts a refusal and that the newest audit entry records it.
#[track_caller]
fn refused_at<T: Debug>(v: &Vault, r: Result<T>, action: &str, target: Option<&str>) {
    let e = r.expect_err(action);
    assert_eq!(e.kind(), ErrorKind::NotPermitted, "{action}: {e}");
    assert!(e.to_string().starts_with("Not permitted"), "{e}");
    let last = last_audit(v);
    assert_eq!(last.action, action);
    assert_eq!(last.outcome, "refused");
    assert_eq!(last.actor_name, v.session().user.name);
    if let Some(t) = target {
        assert_eq!(last.target.as_deref(), Some(t), "{action}");
    }
}

/// Asserts success and that the newest audit entry is the same action, "ok".
#[track_caller]
fn allowed_at<T: Debug>(v: &Vault, r: Result<T>, action: &str) -> T {
    let x = r.unwrap_or_else(|e| panic!("{action}: {e}"));
    let last = last_audit(v);
    assert_eq!(
        (last.action.as_str(), last.outcome.as_str()),
        (action, "ok")
    );
    x
}

fn session() -> SessionInput {
    SessionInput {
        held_on: today(),
        minutes: 20,
        kind: SessionKind::CheckIn,
        regulation: Some(6),
        note: "Talked about the lego club".into(),
        safeguarding_ref: None,
    }
}

fn goal() -> GoalInput {
    GoalInput {
        domain_id: "availability".into(),
        outcome: "Asks an adult for help when stuck".into(),
        baseline: 2,
        target: 7,
        strategies: "Help card".into(),
        who: "Key adult".into(),
        how_often: "Daily".into(),
        pp_plus_cost_pence: Some(2500),
    }
}

fn plan_input() -> PlanInput {
    PlanInput {
        framework_id: None,
        start: date!(2026 - 09 - 07),
        horizon_end: date!(2028 - 09 - 07),
        cadence: Cadence::SixWeekly,
    }
}

#[test]
fn every_key_adult_operation_is_gated_by_assignment() {
    let (s, mut lead) = school();
    let fw = frameworks();
    // Mine: first assigned to the other key adult, with history from then.
    let mine = add_assigned(
        &mut lead,
        &pupil("Mia", "Jones", Some(&upn(801_200_001_001))),
        &s.ka2_id,
    );
    let earlier = records::log_session(&mut lead, mine, &session(), now()).unwrap();
    pupils::assign_key_adult(&mut lead, mine, Some(&s.ka1_id), today(), now()).unwrap();
    // Theirs: assigned to the other key adult, with a plan, goal and advice to aim at.
    let theirs = add_assigned(
        &mut lead,
        &pupil("Noah", "Patel", Some(&upn(801_200_001_002))),
        &s.ka2_id,
    );
    let their_plan =
        plans::start_plan(&mut lead, theirs, &plan_input(), &fw, today(), now()).unwrap();
    let their_goal = plans::add_goal(&mut lead, their_plan.id, &goal(), &fw, now()).unwrap();
    let their_advice = profile::add_agency_advice(
        &mut lead,
        theirs,
        &AgencyAdviceInput {
            agency: AgencyKind::Camhs,
            source: "CAMHS clinic".into(),
            advised_on: date!(2026 - 10 - 01),
            advice: "Predictable routines".into(),
        },
        now(),
    )
    .unwrap();
    records::log_session(
        &mut lead,
        theirs,
        &SessionInput {
            note: "lego tower".into(),
            ..session()
        },
        now(),
    )
    .unwrap();
    // An archived pupil who was mine.
    let archived = add_assigned(&mut lead, &pupil("Ola", "Nowak", None), &s.ka1_id);
    pupils::archive_pupil(&mut lead, archived, now()).unwrap();
    lead.lock("test", now());

    let mut v = unlock(&s.dir, &s.ka1_id, KA1_PASS);
    let t = |p: i64| format!("pupil:{p}");
    let tgt = t(theirs);
    let tgt = Some(tgt.as_str());

    // Reading.
    let p = allowed!(v, pupils::get_pupil(&v, mine, now()), "pupil.view");
    assert_eq!(p.key_adult.unwrap().id, s.ka1_id);
    refused!(v, pupils::get_pupil(&v, theirs, now()), "pupil.view", tgt);
    refused!(
        v,
        pupils::get_pupil(&v, archived, now()),
        "pupil.view",
        Some(&t(archived))
    );
    refused!(
        v,
        pupils::get_pupil(&v, 9999, now()),
        "pupil.view",
        Some("pupil:9999")
    );
    let rec = allowed!(
        v,
        pupils::open_pupil(&v, mine, &fw, 10, today(), now()),
        "pupil.view"
    );
    // History from before the assignment is readable.
    assert_eq!(
        rec.sessions.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![earlier.id]
    );
    assert_eq!(rec.assignments.len(), 2);
    refused!(
        v,
        pupils::open_pupil(&v, theirs, &fw, 10, today(), now()),
        "pupil.view",
        tgt
    );
    allowed!(
        v,
        records::list_sessions(&v, mine, 10, now()),
        "session.list"
    );
    refused!(
        v,
        records::list_sessions(&v, theirs, 10, now()),
        "session.list",
        tgt
    );
    refused!(
        v,
        plans::get_plan(&v, their_plan.id, &fw, today(), now()),
        "plan.view",
        tgt
    );

    // The caseload and search show only mine.
    let rows = allowed!(
        v,
        pupils::caseload(
            &v,
            &CaseloadQuery {
                key_adult_id: Some(s.ka2_id.clone()),
                ..Default::default()
            },
            today(),
            now()
        ),
        "caseload.view"
    );
    assert_eq!(
        rows.iter().map(|r| r.pupil_id).collect::<Vec<_>>(),
        vec![mine]
    );
    let hits = allowed!(v, search::search(&v, "lego", 50, now()), "search");
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|h| h.pupil_id == Some(mine)), "{hits:?}");

    // Writing.
    allowed!(
        v,
        records::log_session(&mut v, mine, &session(), now()),
        "session.create"
    );
    refused!(
        v,
        records::log_session(&mut v, theirs, &session(), now()),
        "session.create",
        tgt
    );
    let chron = ChronologyInput {
        occurred_on: date!(2026 - 11 - 01),
        kind: ChronologyKind::PlacementMove,
        description: "Moved to a new foster placement".into(),
        safeguarding_ref: Some("CPOMS 1234".into()),
    };
    allowed!(
        v,
        records::add_chronology_event(&mut v, mine, &chron, now()),
        "chronology.create"
    );
    refused!(
        v,
        records::add_chronology_event(&mut v, theirs, &chron, now()),
        "chronology.create",
        tgt
    );
    let score = ScoreInput {
        instrument: Instrument::Sdq,
        subscale: None,
        score: Some(21),
        stage: None,
        completed_on: date!(2026 - 10 - 10),
        completed_by: "Class teacher".into(),
    };
    allowed!(
        v,
        records::add_score(&mut v, mine, &score, now()),
        "score.create"
    );
    refused!(
        v,
        records::add_score(&mut v, theirs, &score, now()),
        "score.create",
        tgt
    );
    let ind = IndicatorsInput {
        term: "Autumn 2026".into(),
        attendance_pct: Some(91.5),
        exclusion_days: Some(0.5),
        physical_interventions: Some(1),
    };
    allowed!(
        v,
        records::set_indicators(&mut v, mine, &ind, now()),
        "indicators.update"
    );
    refused!(
        v,
        records::set_indicators(&mut v, theirs, &ind, now()),
        "indicators.update",
        tgt
    );
    let prof = Profile {
        strengths_interests: "Drawing".into(),
        ..Default::default()
    };
    allowed!(
        v,
        profile::save_profile(&mut v, mine, &prof, now()),
        "profile.update"
    );
    refused!(
        v,
        profile::save_profile(&mut v, theirs, &prof, now()),
        "profile.update",
        tgt
    );
    let advice = AgencyAdviceInput {
        agency: AgencyKind::EducationalPsychologist,
        source: "EP service".into(),
        advised_on: date!(2026 - 10 - 02),
        advice: "Visual timetable".into(),
    };
    let my_advice = allowed!(
        v,
        profile::add_agency_advice(&mut v, mine, &advice, now()),
        "advice.create"
    );
    refused!(
        v,
        profile::add_agency_advice(&mut v, theirs, &advice, now()),
        "advice.create",
        tgt
    );
    allowed!(
        v,
        profile::delete_agency_advice(&mut v, my_advice, now()),
        "advice.delete"
    );
    refused!(
        v,
        profile::delete_agency_advice(&mut v, their_advice, now()),
        "advice.delete",
        tgt
    );
    let team = [TeamMemberInput {
        name: "Ms Khan".into(),
        role: "Class teacher".into(),
    }];
    allowed!(
        v,
        profile::set_team(&mut v, mine, &team, now()),
        "team.update"
    );
    refused!(
        v,
        profile::set_team(&mut v, theirs, &team, now()),
        "team.update",
        tgt
    );

    // Plans and goals.
    let my_plan = allowed!(
        v,
        plans::start_plan(&mut v, mine, &plan_input(), &fw, today(), now()),
        "plan.create"
    );
    refused!(
        v,
        plans::start_plan(&mut v, theirs, &plan_input(), &fw, today(), now()),
        "plan.create",
        tgt
    );
    allowed!(
        v,
        plans::get_plan(&v, my_plan.id, &fw, today(), now()),
        "plan.view"
    );
    let my_goal = allowed!(
        v,
        plans::add_goal(&mut v, my_plan.id, &goal(), &fw, now()),
        "goal.create"
    );
    refused!(
        v,
        plans::add_goal(&mut v, their_plan.id, &goal(), &fw, now()),
        "goal.create",
        tgt
    );
    allowed!(
        v,
        plans::update_goal(&mut v, my_goal.id, &goal(), &fw, now()),
        "goal.update"
    );
    refused!(
        v,
        plans::update_goal(&mut v, their_goal.id, &goal(), &fw, now()),
        "goal.update",
        tgt
    );
    allowed!(
        v,
        plans::set_goal_status(&mut v, my_goal.id, GoalStatus::Achieved, now()),
        "goal.update"
    );
    refused!(
        v,
        plans::set_goal_status(&mut v, their_goal.id, GoalStatus::Stopped, now()),
        "goal.update",
        tgt
    );
    allowed!(
        v,
        plans::change_cadence(&mut v, my_plan.id, Cadence::Termly, &fw, today(), now()),
        "plan.update"
    );
    refused!(
        v,
        plans::change_cadence(&mut v, their_plan.id, Cadence::Termly, &fw, today(), now()),
        "plan.update",
        tgt
    );
    refused!(
        v,
        plans::close_plan(&mut v, their_plan.id, now()),
        "plan.close",
        tgt
    );
    allowed!(
        v,
        plans::close_plan(&mut v, my_plan.id, now()),
        "plan.close"
    );
    // A record id that does not exist is refused the same way for a key adult.
    refused!(
        v,
        plans::get_plan(&v, 9999, &fw, today(), now()),
        "plan.view",
        Some("plan:9999")
    );

    // Strategic-lead-only operations.
    refused!(
        v,
        pupils::add_pupil(&mut v, &pupil("New", "Pupil", None), now()),
        "pupil.create",
        None
    );
    refused!(
        v,
        pupils::update_pupil(&mut v, mine, &pupil("Mia", "Jones", None), now()),
        "pupil.update",
        Some(&t(mine))
    );
    refused!(
        v,
        pupils::assign_key_adult(&mut v, theirs, Some(&s.ka1_id), today(), now()),
        "pupil.assign",
        tgt
    );
    refused!(
        v,
        pupils::mark_left(&mut v, mine, today(), now()),
        "pupil.leave",
        Some(&t(mine))
    );
    refused!(
        v,
        pupils::archive_pupil(&mut v, mine, now()),
        "pupil.archive",
        Some(&t(mine))
    );
    refused!(
        v,
        pupils::existing_identifiers(&v, now()),
        "pupil.import",
        None
    );
    let preview = ImportPreview {
        good: vec![],
        bad: vec![],
        date_order: attune_domain::rules::dates::DateOrder::DayFirst,
        header_line: 1,
    };
    refused!(
        v,
        vault_import::import_pupils(&mut v, &preview, ImportMode::GoodOnly, now()),
        "pupil.import",
        None
    );
    refused!(
        v,
        records::import_indicators_csv(&mut v, "identifier,term\n", ImportMode::GoodOnly, now()),
        "indicators.import",
        None
    );
    let cal = attune_domain::rules::calendar::SchoolCalendar::uk_default(2026);
    refused!(
        v,
        calendars::save_school_calendar(&mut v, &cal, today(), now()),
        "calendar.update",
        Some("2026-27")
    );
    refused!(
        v,
        calendars::delete_school_calendar(&mut v, "2026-27", today(), now()),
        "calendar.delete",
        Some("2026-27")
    );
    refused!(
        v,
        lists::add_list_item(&mut v, ListKind::SupportLevel, "Targeted", now()),
        "list.add",
        None
    );
    refused!(
        v,
        lists::rename_list_item(&mut v, ListKind::SupportLevel, "Universal", "Core", now()),
        "list.rename",
        None
    );
    refused!(
        v,
        lists::reorder_list(
            &mut v,
            ListKind::SupportLevel,
            &["Intensive", "Additional", "Universal"].map(String::from),
            now()
        ),
        "list.reorder",
        None
    );
    refused!(
        v,
        lists::set_list_item_retired(&mut v, ListKind::SupportLevel, "Universal", true, now()),
        "list.retire",
        None
    );
    refused!(
        v,
        lists::set_list_item_retired(&mut v, ListKind::SupportLevel, "Universal", false, now()),
        "list.restore",
        None
    );
    refused!(
        v,
        audit_log::audit_entries(&v, &AuditQuery::default(), now()),
        "audit.view",
        None
    );
    refused!(v, audit_log::verify_audit(&v, now()), "audit.verify", None);
    // What any user may read.
    assert_eq!(
        lists::pick_lists(&v).unwrap().support_levels,
        ["Universal", "Additional", "Intensive"]
    );
    assert!(calendars::school_calendars(&v, today()).unwrap().defaults);
    let _ = import::suggest_mapping(&[]);
    v.lock("test", now());

    // The lead reads every refusal back, and the chain holds.
    let lead = unlock(&s.dir, &s.lead_id, LEAD_PASS);
    let refusals = audit_log::audit_entries(
        &lead,
        &AuditQuery {
            user_id: Some(s.ka1_id.clone()),
            limit: Some(1000),
            ..Default::default()
        },
        now(),
    )
    .unwrap();
    let n = refusals.iter().filter(|e| e.outcome == "refused").count();
    assert_eq!(n, 38, "{refusals:#?}");
    assert!(audit_log::verify_audit(&lead, now()).unwrap().intact);
}

#[test]
fn a_lead_sees_everyone_and_a_missing_pupil_is_not_found() {
    let (s, mut lead) = school();
    let a = add_assigned(&mut lead, &pupil("Amy", "Taylor", None), &s.ka1_id);
    let b = add_assigned(&mut lead, &pupil("Ben", "Adams", None), &s.ka2_id);
    let rows = pupils::caseload(&lead, &CaseloadQuery::default(), today(), now()).unwrap();
    assert_eq!(
        rows.iter().map(|r| r.pupil_id).collect::<Vec<_>>(),
        vec![b, a]
    );
    let only_ka1 = pupils::caseload(
        &lead,
        &CaseloadQuery {
            key_adult_id: Some(s.ka1_id.clone()),
            ..Default::default()
        },
        today(),
        now(),
    )
    .unwrap();
    assert_eq!(only_ka1.len(), 1);
    assert_eq!(only_ka1[0].key_adult_name.as_deref(), Some("Grace Hopper"));
    let e = pupils::get_pupil(&lead, 4242, now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}
