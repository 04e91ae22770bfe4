//! Pupils, plans and schedules, the running record, drafts and the audit chain, against a real
//! vault.

mod common;
use common::*;

use attune_domain::date;
use attune_domain::model::*;
use attune_domain::rules::calendar::SchoolCalendar;
use attune_domain::rules::identifiers::IdentifierKind;
use attune_domain::rules::schedule::{Cadence, SchoolDays};
use attune_domain::{
    lead::audit_log, planning::calendars, planning::plans, record::drafts, record::lists,
    record::profile, record::pupils, record::records,
};
use attune_vault::ErrorKind;
use chrono::Datelike;

#[test]
fn pupils_are_validated_assigned_left_archived_and_listed() {
    let (s, mut v) = school();
    // A wrong UPN says what is wrong, without the pupil's name.
    let mut bad = pupil("Mia", "Jones", Some("M801200001001"));
    let e = pupils::add_pupil(&mut v, &bad, now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert_eq!(e.field(), Some("identifiers"));
    assert!(
        e.to_string().starts_with("UPN: check letter should be "),
        "{e}"
    );
    assert!(!e.to_string().contains("Mia"));
    bad.identifiers[0].value = "H80120000100".into();
    assert_eq!(
        pupils::add_pupil(&mut v, &bad, now())
            .unwrap_err()
            .to_string(),
        "UPN: 13 characters expected, found 12."
    );
    bad.identifiers = vec![IdentifierInput {
        kind: IdentifierKind::ScottishCandidateNumber,
        value: "12345".into(),
    }];
    assert!(pupils::add_pupil(&mut v, &bad, now())
        .unwrap_err()
        .to_string()
        .contains("9 digits"));
    let mut bad_year = pupil("Mia", "Jones", None);
    bad_year.year_group = "Year 15".into();
    assert_eq!(
        pupils::add_pupil(&mut v, &bad_year, now())
            .unwrap_err()
            .field(),
        Some("year_group")
    );
    let mut bad_level = pupil("Mia", "Jones", None);
    bad_level.support_level = Some("Platinum".into());
    let e = pupils::add_pupil(&mut v, &bad_level, now()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Support level must be one of the school's list: Universal, Additional, Intensive."
    );
    let mut future = pupil("Mia", "Jones", None);
    future.date_of_birth = date!(2027 - 01 - 01);
    assert_eq!(
        pupils::add_pupil(&mut v, &future, now())
            .unwrap_err()
            .field(),
        Some("date_of_birth")
    );

    // A temporary UPN is accepted as such; a duplicate is refused.
    let temp = format!("{}A", &upn(801_200_001_000)[..12]);
    let temp = {
        // Work out the right check letter for the temporary UPN.
        let rest = &temp[1..];
        format!(
            "{}{}",
            attune_domain::rules::identifiers::upn_check_letter(rest).unwrap(),
            rest
        )
    };
    let mut input = pupil("Mia", "Jones", Some(&temp.to_lowercase()));
    input.preferred_name = Some("Mimi".into());
    input.support_level = Some("intensive".into());
    let p = pupils::add_pupil(&mut v, &input, now()).unwrap();
    assert_eq!(p.identifiers[0].value, temp);
    assert!(p.identifiers[0].temporary);
    assert_eq!(p.display_name, "Mimi Jones");
    assert_eq!(p.year_group, "Y5");
    assert_eq!(p.year_group_label, "Year 5");
    assert_eq!(p.support_level.as_deref(), Some("Intensive"));
    let e = pupils::add_pupil(&mut v, &pupil("Other", "Child", Some(&temp)), now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AlreadyExists);
    // Editing keeps its own identifier.
    input.legal_surname = "Jones-Smith".into();
    let p = pupils::update_pupil(&mut v, p.id, &input, now()).unwrap();
    assert_eq!(p.legal_surname, "Jones-Smith");

    // Caseload: sorting and filtering.
    let b = add_assigned(
        &mut v,
        &{
            let mut x = pupil("Ben", "Adams", None);
            x.support_level = Some("Universal".into());
            x
        },
        &s.ka1_id,
    );
    pupils::assign_key_adult(&mut v, p.id, Some(&s.ka1_id), date!(2026 - 09 - 01), now()).unwrap();
    records::log_session(
        &mut v,
        p.id,
        &SessionInput {
            held_on: date!(2026 - 11 - 20),
            minutes: 20,
            kind: SessionKind::Planned,
            regulation: None,
            note: String::new(),
            safeguarding_ref: None,
        },
        now(),
    )
    .unwrap();
    records::log_session(
        &mut v,
        b,
        &SessionInput {
            held_on: date!(2026 - 10 - 01),
            minutes: 20,
            kind: SessionKind::Planned,
            regulation: None,
            note: String::new(),
            safeguarding_ref: None,
        },
        now(),
    )
    .unwrap();
    let fw = frameworks();
    plans::start_plan(
        &mut v,
        p.id,
        &PlanInput {
            framework_id: None,
            start: date!(2026 - 09 - 07),
            horizon_end: date!(2029 - 09 - 07),
            cadence: Cadence::SixWeekly,
        },
        &fw,
        today(),
        now(),
    )
    .unwrap();
    let q = |sort, overdue_only, level: Option<&str>| CaseloadQuery {
        key_adult_id: None,
        support_level: level.map(Into::into),
        overdue_only,
        include_left: false,
        sort,
    };
    let ids = |rows: Vec<CaseloadRow>| rows.iter().map(|r| r.pupil_id).collect::<Vec<_>>();
    assert_eq!(
        ids(pupils::caseload(&v, &q(CaseloadSort::Name, false, None), today(), now()).unwrap()),
        vec![b, p.id]
    );
    assert_eq!(
        ids(pupils::caseload(
            &v,
            &q(CaseloadSort::LastSession, false, None),
            today(),
            now()
        )
        .unwrap()),
        vec![b, p.id]
    );
    assert_eq!(
        ids(pupils::caseload(
            &v,
            &q(CaseloadSort::NextReview, false, None),
            today(),
            now()
        )
        .unwrap()),
        vec![p.id, b]
    );
    assert_eq!(
        ids(pupils::caseload(
            &v,
            &q(CaseloadSort::Name, false, Some("Universal")),
            today(),
            now()
        )
        .unwrap()),
        vec![b]
    );
    let rows = pupils::caseload(&v, &q(CaseloadSort::Name, true, None), today(), now()).unwrap();
    // Six weekly from 7 September 2026: 19 October 2026 is past and not held, so overdue.
    assert_eq!(ids(rows.clone()), vec![p.id]);
    assert_eq!(rows[0].next_review, Some(date!(2026 - 10 - 19)));
    assert!(rows[0].overdue);
    assert_eq!(rows[0].last_session, Some(date!(2026 - 11 - 20)));
    assert_eq!(rows[0].preferred_name, "Mimi");

    // Leaving and archiving.
    pupils::mark_left(&mut v, b, date!(2026 - 11 - 21), now()).unwrap();
    assert_eq!(
        ids(pupils::caseload(&v, &q(CaseloadSort::Name, false, None), today(), now()).unwrap()),
        vec![p.id]
    );
    let with_left = pupils::caseload(
        &v,
        &CaseloadQuery {
            include_left: true,
            ..Default::default()
        },
        today(),
        now(),
    )
    .unwrap();
    assert_eq!(with_left.len(), 2);
    pupils::archive_pupil(&mut v, b, now()).unwrap();
    let gone = pupils::get_pupil(&v, b, now()).unwrap();
    assert_eq!(gone.status, PupilStatus::Archived);
    assert_eq!(gone.key_adult, None);
    assert_eq!(gone.left_on, Some(date!(2026 - 11 - 21)));
    assert!(pupils::assign_key_adult(&mut v, b, Some(&s.ka1_id), today(), now()).is_err());

    // Lists: renaming a level renames it on pupils too.
    lists::add_list_item(&mut v, ListKind::SupportLevel, "Targeted", now()).unwrap();
    assert_eq!(
        lists::add_list_item(&mut v, ListKind::SupportLevel, "targeted", now())
            .unwrap_err()
            .kind(),
        ErrorKind::AlreadyExists
    );
    lists::rename_list_item(
        &mut v,
        ListKind::SupportLevel,
        "Intensive",
        "Enhanced",
        now(),
    )
    .unwrap();
    assert_eq!(
        lists::pick_lists(&v).unwrap().support_levels,
        ["Universal", "Additional", "Enhanced", "Targeted"]
    );
    assert_eq!(
        pupils::get_pupil(&v, p.id, now())
            .unwrap()
            .support_level
            .as_deref(),
        Some("Enhanced")
    );
}

fn school_days_ok(cals: &[SchoolCalendar], dates: &[ReviewDue]) {
    let days = SchoolDays::new(cals).unwrap();
    for d in dates {
        assert!(days.is_school_day(d.date), "{} is not a school day", d.date);
    }
}

#[test]
fn plan_schedules_are_stored_and_recomputed_for_the_future_only() {
    let (s, mut v) = school();
    let fw = frameworks();
    let id = add_assigned(&mut v, &pupil("Mia", "Jones", None), &s.ka1_id);
    let cal = |y| SchoolCalendar::uk_default(y);
    for y in 2026..=2028 {
        calendars::save_school_calendar(&mut v, &cal(y), date!(2026 - 09 - 01), now()).unwrap();
    }
    let cals = calendars::school_calendars(&v, today()).unwrap();
    assert!(!cals.defaults);
    assert_eq!(cals.calendars.len(), 3);

    // Horizon and framework rules.
    let mut input = PlanInput {
        framework_id: None,
        start: date!(2026 - 09 - 07),
        horizon_end: date!(2028 - 09 - 06),
        cadence: Cadence::SixWeekly,
    };
    assert_eq!(
        plans::start_plan(&mut v, id, &input, &fw, today(), now())
            .unwrap_err()
            .field(),
        Some("horizon_end")
    );
    input.horizon_end = date!(2029 - 09 - 08);
    assert_eq!(
        plans::start_plan(&mut v, id, &input, &fw, today(), now())
            .unwrap_err()
            .field(),
        Some("horizon_end")
    );
    input.horizon_end = date!(2029 - 07 - 20);
    input.framework_id = Some("no-such-framework".into());
    assert_eq!(
        plans::start_plan(&mut v, id, &input, &fw, today(), now())
            .unwrap_err()
            .field(),
        Some("framework_id")
    );
    input.framework_id = None;
    let plan = plans::start_plan(&mut v, id, &input, &fw, today(), now()).unwrap();
    assert_eq!(plan.framework_id, "secure-base");
    assert_eq!(plan.cadence_label, "every 6 weeks");
    assert_eq!(plan.due_dates[0].date, date!(2026 - 10 - 19));
    assert_eq!(plan.due_dates[1].date, date!(2026 - 12 - 07));
    assert!(plan.due_dates.len() > 15);
    assert!(plan.due_dates.iter().all(|d| !d.provisional));
    school_days_ok(&cals.calendars, &plan.due_dates);
    assert_eq!(
        plans::start_plan(&mut v, id, &input, &fw, today(), now())
            .unwrap_err()
            .field(),
        Some("plan")
    );

    // Goals: domain of the plan's framework, ratings 0 to 10.
    let mut g = GoalInput {
        domain_id: "belonging".into(),
        outcome: "Joins a lunchtime club".into(),
        baseline: 1,
        target: 6,
        strategies: String::new(),
        who: String::new(),
        how_often: String::new(),
        pp_plus_cost_pence: None,
    };
    let goal = plans::add_goal(&mut v, plan.id, &g, &fw, now()).unwrap();
    assert_eq!(goal.domain_name, fw[0].domain("belonging").unwrap().name);
    g.target = 11;
    assert_eq!(
        plans::add_goal(&mut v, plan.id, &g, &fw, now())
            .unwrap_err()
            .field(),
        Some("target")
    );
    g.target = 6;
    g.domain_id = "safe".into(); // a SHANARRI domain, not Secure Base
    assert_eq!(
        plans::add_goal(&mut v, plan.id, &g, &fw, now())
            .unwrap_err()
            .field(),
        Some("domain_id")
    );

    // Change the cadence in January: past dates kept, future regenerated on school days.
    let jan = date!(2027 - 01 - 15);
    let changed = plans::change_cadence(&mut v, plan.id, Cadence::Termly, &fw, jan, now()).unwrap();
    let before_past: Vec<_> = plan
        .due_dates
        .iter()
        .filter(|d| d.date < jan)
        .map(|d| d.date)
        .collect();
    let after_past: Vec<_> = changed
        .due_dates
        .iter()
        .filter(|d| d.date < jan)
        .map(|d| d.date)
        .collect();
    assert_eq!(before_past, after_past);
    assert!(!after_past.is_empty());
    let before_future: Vec<_> = plan
        .due_dates
        .iter()
        .filter(|d| d.date >= jan)
        .map(|d| d.date)
        .collect();
    let after_future: Vec<_> = changed
        .due_dates
        .iter()
        .filter(|d| d.date >= jan)
        .map(|d| d.date)
        .collect();
    assert_ne!(before_future, after_future);
    assert!(after_future.len() < before_future.len());
    school_days_ok(&cals.calendars, &changed.due_dates);

    // Change the term dates: an extra closure on a due date moves it, past dates stay.
    let mut y = cal(2027);
    let moved = after_future
        .iter()
        .copied()
        .find(|d| d.year() == 2028)
        .unwrap();
    y.closures.push(attune_domain::rules::calendar::Closure {
        label: "INSET day".into(),
        start: moved,
        end: moved,
    });
    calendars::save_school_calendar(&mut v, &y, jan, now()).unwrap();
    let rec = pupils::open_pupil(&v, id, &fw, 5, jan, now()).unwrap();
    let new = rec.plan.unwrap();
    assert!(!new.due_dates.iter().any(|d| d.date == moved));
    assert_eq!(
        new.due_dates
            .iter()
            .filter(|d| d.date < jan)
            .map(|d| d.date)
            .collect::<Vec<_>>(),
        after_past
    );
    let cals = calendars::school_calendars(&v, jan).unwrap();
    school_days_ok(&cals.calendars, &new.due_dates);
    assert_eq!(new.goals.len(), 1);
    // Overlapping calendars are refused.
    let mut clash = cal(2027);
    clash.year_label = "2027-28 copy".into();
    assert!(calendars::save_school_calendar(&mut v, &clash, jan, now()).is_err());
}

#[test]
fn the_running_record_round_trips() {
    let (s, mut v) = school();
    let fw = frameworks();
    let id = add_assigned(
        &mut v,
        &pupil("Mia", "Jones", Some(&upn(801_200_001_009))),
        &s.ka1_id,
    );

    // Sessions.
    let mut si = SessionInput {
        held_on: today(),
        minutes: 0,
        kind: SessionKind::Crisis,
        regulation: Some(3),
        note: "x".into(),
        safeguarding_ref: None,
    };
    assert_eq!(
        records::log_session(&mut v, id, &si, now())
            .unwrap_err()
            .field(),
        Some("minutes")
    );
    si.minutes = 481;
    assert_eq!(
        records::log_session(&mut v, id, &si, now())
            .unwrap_err()
            .field(),
        Some("minutes")
    );
    si.minutes = 30;
    si.regulation = Some(11);
    assert_eq!(
        records::log_session(&mut v, id, &si, now())
            .unwrap_err()
            .field(),
        Some("regulation")
    );
    si.regulation = Some(3);
    si.note = "a".repeat(2001);
    assert_eq!(
        records::log_session(&mut v, id, &si, now())
            .unwrap_err()
            .field(),
        Some("note")
    );
    si.note = "Calmer after\nbreathing".into();
    si.held_on = date!(2026 - 12 - 25);
    assert_eq!(
        records::log_session(&mut v, id, &si, now())
            .unwrap_err()
            .field(),
        Some("held_on")
    );
    si.held_on = today();
    let sess = records::log_session(&mut v, id, &si, now()).unwrap();
    assert_eq!(sess.recorded_by.as_deref(), Some("Ada Lovelace"));

    // Chronology with a cross-reference only.
    let ev = records::add_chronology_event(
        &mut v,
        id,
        &ChronologyInput {
            occurred_on: date!(2026 - 06 - 01),
            kind: ChronologyKind::Bereavement,
            description: "Grandparent died".into(),
            safeguarding_ref: Some("  ".into()),
        },
        now(),
    )
    .unwrap();
    assert_eq!(ev.safeguarding_ref, None);
    assert!(records::add_chronology_event(
        &mut v,
        id,
        &ChronologyInput {
            occurred_on: today(),
            kind: ChronologyKind::Other,
            description: " ".into(),
            safeguarding_ref: None
        },
        now()
    )
    .is_err());

    // Scores per instrument.
    let sc =
        |instrument, subscale: Option<&str>, score: Option<u32>, stage: Option<&str>| ScoreInput {
            instrument,
            subscale: subscale.map(Into::into),
            score,
            stage: stage.map(Into::into),
            completed_on: date!(2026 - 10 - 01),
            completed_by: "Class teacher".into(),
        };
    for (ok, input) in [
        (true, sc(Instrument::Sdq, None, Some(40), None)),
        (false, sc(Instrument::Sdq, None, Some(41), None)),
        (true, sc(Instrument::Sdq, Some("Prosocial"), Some(10), None)),
        (false, sc(Instrument::Sdq, Some("peer"), Some(11), None)),
        (false, sc(Instrument::Sdq, Some("items"), Some(1), None)),
        (true, sc(Instrument::Boxall, Some("q"), Some(12), None)),
        (false, sc(Instrument::Boxall, Some("K"), Some(12), None)),
        (false, sc(Instrument::Boxall, Some("A"), Some(41), None)),
        (
            true,
            sc(Instrument::Thrive, None, None, Some("power and identity")),
        ),
        (false, sc(Instrument::Thrive, None, None, Some("Flying"))),
        (false, sc(Instrument::Thrive, None, Some(3), Some("Doing"))),
    ] {
        assert_eq!(
            records::add_score(&mut v, id, &input, now()).is_ok(),
            ok,
            "{input:?}"
        );
    }

    // Indicators, and replacing a term's figures.
    let ind = |term: &str, a| IndicatorsInput {
        term: term.into(),
        attendance_pct: a,
        exclusion_days: Some(1.5),
        physical_interventions: Some(2),
    };
    records::set_indicators(&mut v, id, &ind("autumn 2026", Some(88.0)), now()).unwrap();
    records::set_indicators(&mut v, id, &ind("Autumn 2026", Some(92.5)), now()).unwrap();
    records::set_indicators(&mut v, id, &ind("Summer 2026", None), now()).unwrap();
    assert_eq!(
        records::set_indicators(&mut v, id, &ind("Autumn", None), now())
            .unwrap_err()
            .field(),
        Some("term")
    );
    assert_eq!(
        records::set_indicators(&mut v, id, &ind("Autumn 2026", Some(101.0)), now())
            .unwrap_err()
            .field(),
        Some("attendance_pct")
    );

    // Profile, advice and team.
    let prof = Profile {
        strengths_interests: "Lego, drawing".into(),
        calmers: "Weighted blanket".into(),
        developmental_age_notes: "Often presents as younger".into(),
        ..Default::default()
    };
    profile::save_profile(&mut v, id, &prof, now()).unwrap();
    profile::add_agency_advice(
        &mut v,
        id,
        &AgencyAdviceInput {
            agency: AgencyKind::SocialWorker,
            source: "Social worker".into(),
            advised_on: date!(2026 - 09 - 30),
            advice: "Keep contact arrangements predictable".into(),
        },
        now(),
    )
    .unwrap();
    profile::set_team(
        &mut v,
        id,
        &[
            TeamMemberInput {
                name: "Ms Khan".into(),
                role: "Class teacher".into(),
            },
            TeamMemberInput {
                name: "Mr Ode".into(),
                role: "SENCO".into(),
            },
        ],
        now(),
    )
    .unwrap();

    let rec = pupils::open_pupil(&v, id, &fw, 10, today(), now()).unwrap();
    assert_eq!(rec.profile, prof);
    assert_eq!(rec.agency_advice.len(), 1);
    assert_eq!(
        rec.team.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        ["Ms Khan", "Mr Ode"]
    );
    assert_eq!(rec.sessions, vec![sess]);
    assert_eq!(rec.session_count, 1);
    assert_eq!(rec.chronology, vec![ev]);
    assert_eq!(rec.scores.len(), 4);
    assert_eq!(
        rec.scores
            .iter()
            .find(|s| s.instrument == Instrument::Thrive)
            .unwrap()
            .stage
            .as_deref(),
        Some("Power and identity")
    );
    assert_eq!(
        rec.indicators
            .iter()
            .map(|i| (i.term.as_str(), i.attendance_pct))
            .collect::<Vec<_>>(),
        [("Summer 2026", None), ("Autumn 2026", Some(92.5))]
    );
    assert!(rec.plan.is_none());
    let json = serde_json::to_value(&rec).unwrap();
    assert_eq!(json["pupil"]["date_of_birth"], "2016-03-04");
    assert_eq!(json["sessions"][0]["kind"], "crisis");

    // Indicators from CSV: per-line errors, all or nothing.
    let other = add_assigned(
        &mut v,
        &pupil("Ben", "Adams", Some(&upn(801_200_001_010))),
        &s.ka2_id,
    );
    let csv = format!(
        "Identifier,Term,Attendance,Exclusion days,Physical interventions\n\
         {a},Spring 2027,95%,0,0\n\
         {b},Spring 2027,101,0,0\n\
         X9999,Spring 2027,90,0,0\n\
         {b},Spring,90,0,0\n\
         {b},Summer 2027,ninety,0,1.5\n\
         {b},Autumn 2027,90,0.5,1\n\
         {a},spring 2027,90,0,0\n",
        a = upn(801_200_001_009),
        b = upn(801_200_001_010).to_lowercase(),
    );
    let out =
        records::import_indicators_csv(&mut v, &csv, ImportMode::AllOrNothing, now()).unwrap();
    assert_eq!(out.imported, 0);
    let lines: Vec<(usize, &str)> = out
        .bad
        .iter()
        .map(|e| (e.line, e.reason.as_str()))
        .collect();
    assert_eq!(
        lines,
        [
            (3, "attendance is a percentage from 0 to 100"),
            (4, "no pupil with this identifier is in Attune"),
            (
                5,
                "write the term as its name and the year it starts in, such as Autumn 2026"
            ),
            (
                6,
                "attendance is not a number; physical interventions is a whole number"
            ),
            (8, "duplicate: the same pupil and term as line 2"),
        ]
    );
    assert_eq!(
        pupils::open_pupil(&v, other, &fw, 1, today(), now())
            .unwrap()
            .indicators
            .len(),
        0
    );
    let out = records::import_indicators_csv(&mut v, &csv, ImportMode::GoodOnly, now()).unwrap();
    assert_eq!(out.imported, 2);
    assert_eq!(
        pupils::open_pupil(&v, other, &fw, 1, today(), now())
            .unwrap()
            .indicators[0]
            .exclusion_days,
        Some(0.5)
    );
}

#[test]
fn drafts_belong_to_their_user_and_the_audit_chain_reports_tampering() {
    let (s, mut v) = school();
    assert_eq!(drafts::load_draft(&v, "session:1").unwrap(), None);
    drafts::save_draft(&mut v, "session:1", "{\"note\":\"half typed\"}", now()).unwrap();
    drafts::save_draft(&mut v, "session:1", "{\"note\":\"half typed more\"}", now()).unwrap();
    drafts::save_draft(&mut v, "pupil:new", "{}", now()).unwrap();
    assert_eq!(
        drafts::load_draft(&v, "session:1")
            .unwrap()
            .unwrap()
            .content,
        "{\"note\":\"half typed more\"}"
    );
    assert_eq!(drafts::list_drafts(&v).unwrap().len(), 2);
    drafts::delete_draft(&mut v, "pupil:new").unwrap();
    assert_eq!(drafts::list_drafts(&v).unwrap().len(), 1);

    // Operations append entries; filters work.
    let id = add_assigned(&mut v, &pupil("Mia", "Jones", None), &s.ka1_id);
    pupils::get_pupil(&v, id, now()).unwrap();
    let all = audit_log::audit_entries(&v, &AuditQuery::default(), now()).unwrap();
    let actions: Vec<&str> = all.iter().rev().map(|e| e.action.as_str()).collect();
    assert!(
        actions.ends_with(&["pupil.create", "pupil.assign", "pupil.view"]),
        "{actions:?}"
    );
    let creates = audit_log::audit_entries(
        &v,
        &AuditQuery {
            action_prefix: Some("pupil.c".into()),
            ..Default::default()
        },
        now(),
    )
    .unwrap();
    assert_eq!(creates.len(), 1);
    assert_eq!(
        creates[0].target.as_deref(),
        Some(format!("pupil:{id}").as_str())
    );
    let none = audit_log::audit_entries(
        &v,
        &AuditQuery {
            to: Some(date!(2026 - 11 - 21)),
            ..Default::default()
        },
        now(),
    )
    .unwrap();
    assert!(none.is_empty());
    let day = audit_log::audit_entries(
        &v,
        &AuditQuery {
            from: Some(today()),
            to: Some(today()),
            user_id: Some(s.lead_id.clone()),
            ..Default::default()
        },
        now(),
    )
    .unwrap();
    assert!(day.len() >= 5);
    assert!(audit_log::verify_audit(&v, now()).unwrap().intact);

    drop(v);
    let mut ka = unlock(&s.dir, &s.ka1_id, KA1_PASS);
    assert_eq!(
        drafts::load_draft(&ka, "session:1").unwrap(),
        None,
        "drafts are per user"
    );
    drafts::save_draft(&mut ka, "session:1", "mine", now()).unwrap();
    drop(ka);

    let v = unlock(&s.dir, &s.lead_id, LEAD_PASS);
    assert_eq!(
        drafts::load_draft(&v, "session:1")
            .unwrap()
            .unwrap()
            .content,
        "{\"note\":\"half typed more\"}"
    );
    // Tamper with one row through SQL: verify names it.
    let seq: i64 = v
        .conn()
        .unwrap()
        .query_row(
            "SELECT seq FROM audit_log WHERE action = 'pupil.assign'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    // The table refuses the edit (issue 12); an attacker holding the key drops the trigger.
    let conn = v.conn().unwrap();
    assert!(conn
        .execute(
            "UPDATE audit_log SET target = 'pupil:999' WHERE seq = ?1",
            [seq],
        )
        .is_err());
    conn.execute_batch("DROP TRIGGER audit_log_no_update")
        .unwrap();
    conn.execute(
        "UPDATE audit_log SET target = 'pupil:999' WHERE seq = ?1",
        [seq],
    )
    .unwrap();
    let check = audit_log::verify_audit(&v, now()).unwrap();
    assert!(!check.intact);
    assert_eq!(check.first_broken_seq, Some(seq));
}
