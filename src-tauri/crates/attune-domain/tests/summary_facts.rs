//! The anonymised facts behind a summary, read from a real vault: who is counted, review
//! outcomes, goals, sessions, scaling, indicators, year bands, access and audit; and the
//! identifying strings the leak guard looks for.

mod common;
use common::*;

use attune_domain::date;
use attune_domain::lead::summary_facts::{
    identifying_strings, resolve_period, summary_facts, IdentifyingKind, Period, Purpose,
    ReviewOutcome, YearBand,
};
use attune_domain::model::*;
use attune_domain::rules::schedule::Cadence;
use attune_domain::{planning::plans, planning::reviews, record::pupils, record::records};
use attune_vault::{ErrorKind, Vault};
use chrono::{DateTime, Duration, NaiveDate, Utc};

fn at(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(10, 0, 0).unwrap().and_utc()
}

fn input(forename: &str, year: &str, care: Option<&str>, support: Option<&str>) -> PupilInput {
    PupilInput {
        year_group: year.into(),
        care_status: care.map(String::from),
        support_level: support.map(String::from),
        date_of_birth: date!(2014 - 03 - 07),
        ..pupil(forename, "Quill-Ōkubo", None)
    }
}

fn session(v: &mut Vault, pupil: i64, d: NaiveDate, minutes: u32, kind: SessionKind) {
    records::log_session(
        v,
        pupil,
        &SessionInput {
            held_on: d,
            minutes,
            kind,
            regulation: None,
            note: "Talked about the weekend".into(),
            safeguarding_ref: None,
        },
        now(),
    )
    .unwrap();
}

fn indicators(v: &mut Vault, pupil: i64, term: &str, att: f64, excl: f64, pi: u32) {
    records::set_indicators(
        v,
        pupil,
        &IndicatorsInput {
            term: term.into(),
            attendance_pct: Some(att),
            exclusion_days: Some(excl),
            physical_interventions: Some(pi),
        },
        now(),
    )
    .unwrap();
}

fn sign(
    v: &mut Vault,
    plan: i64,
    due: NaiveDate,
    held: NaiveDate,
    ratings: &[(i64, u8)],
    scalings: &[u8],
) {
    let r = reviews::prepare_review(v, plan, due, held, at(held)).unwrap();
    let content = ReviewInput {
        attendees: scalings
            .iter()
            .enumerate()
            .map(|(i, s)| AttendeeInput {
                name: format!("Attendee {i}"),
                role: "carer".into(),
                scaling: Some(*s),
            })
            .collect(),
        goals: ratings
            .iter()
            .map(|&(goal_id, rating)| GoalReviewInput {
                goal_id,
                rating: Some(rating),
                evidence: String::new(),
                decision: Some(GoalDecision::Continue),
            })
            .collect(),
        ..ReviewInput::default()
    };
    reviews::save_review_draft(v, r.id, &content, at(held)).unwrap();
    reviews::sign_review(v, r.id, at(held)).unwrap();
}

#[test]
fn facts_of_a_school_year() {
    let (s, mut v) = school();
    let fw = frameworks();
    // Mia: Year 7 now, so Year 6 in 2025-26; looked after; intensive; a plan from September
    // 2025 with two goals, two signed reviews (on time, late), the rest overdue.
    let mia = add_assigned(
        &mut v,
        &input("Mia", "Year 7", Some("Looked after"), Some("Intensive")),
        &s.ka1_id,
    );
    let start = date!(2025 - 09 - 08);
    let plan = plans::start_plan(
        &mut v,
        mia,
        &PlanInput {
            framework_id: None,
            start,
            horizon_end: date!(2028 - 09 - 08),
            cadence: Cadence::SixWeekly,
        },
        &fw,
        start,
        at(start),
    )
    .unwrap();
    let goal = |baseline| GoalInput {
        domain_id: "belonging".into(),
        outcome: "Mia joins a club".into(),
        baseline,
        target: 8,
        strategies: String::new(),
        who: String::new(),
        how_often: String::new(),
        pp_plus_cost_pence: None,
    };
    let g1 = plans::add_goal(&mut v, plan.id, &goal(2), &fw, at(start))
        .unwrap()
        .id;
    let g2 = plans::add_goal(&mut v, plan.id, &goal(3), &fw, at(start))
        .unwrap()
        .id;
    let due: Vec<NaiveDate> = plan.due_dates.iter().map(|d| d.date).collect();
    sign(
        &mut v,
        plan.id,
        due[0],
        due[0],
        &[(g1, 4), (g2, 3)],
        &[6, 5],
    );
    let late = due[1] + Duration::days(3);
    sign(&mut v, plan.id, due[1], late, &[(g1, 5), (g2, 2)], &[8, 7]);
    session(&mut v, mia, date!(2025 - 09 - 15), 20, SessionKind::Planned);
    session(&mut v, mia, date!(2025 - 10 - 01), 25, SessionKind::Planned);
    session(&mut v, mia, date!(2026 - 02 - 02), 30, SessionKind::Crisis);
    session(&mut v, mia, date!(2026 - 09 - 10), 40, SessionKind::Planned); // next year
    indicators(&mut v, mia, "Spring 2025", 80.0, 3.0, 5);
    indicators(&mut v, mia, "Summer 2025", 85.0, 2.0, 3);
    indicators(&mut v, mia, "Autumn 2025", 88.0, 1.0, 2);
    indicators(&mut v, mia, "Spring 2026", 92.0, 0.0, 1);
    indicators(&mut v, mia, "Autumn 2026", 99.0, 0.0, 0); // next year

    // Leo: P4 now, so P3 in 2025-26; no care status or support level; a session, no plan.
    let leo = add_assigned(&mut v, &input("Leo", "P4", None, None), &s.ka1_id);
    session(&mut v, leo, date!(2026 - 05 - 11), 15, SessionKind::CheckIn);
    // Ann: only a session in 2024-25: not counted in 2025-26.
    let ann = add_assigned(&mut v, &input("Ann", "Year 2", None, None), &s.ka2_id);
    session(&mut v, ann, date!(2025 - 03 - 03), 15, SessionKind::CheckIn);

    let facts = summary_facts(&v, &Period::school_year(2025), Purpose::Preview, now()).unwrap();
    assert_eq!(facts.period.start, date!(2025 - 08 - 01));
    assert_eq!(facts.period.end, date!(2026 - 07 - 31));
    assert!(facts.period.default_calendar);
    assert_eq!(
        facts.pupils.len(),
        2,
        "Mia and Leo; Ann was supported the year before"
    );
    assert_eq!(
        facts.support_levels,
        ["Universal", "Additional", "Intensive"]
    );
    let m = facts.pupils.iter().find(|p| p.plan_active).unwrap();
    let l = facts.pupils.iter().find(|p| !p.plan_active).unwrap();

    assert_eq!(m.year_band, YearBand::Years5To6);
    assert_eq!(m.care_status.as_deref(), Some("Looked after"));
    assert_eq!(m.support_level.as_deref(), Some("Intensive"));
    let due_in_year = due
        .iter()
        .filter(|d| **d >= facts.period.start && **d <= facts.period.end)
        .count();
    assert!(due_in_year >= 5, "six-weekly: {due_in_year}");
    assert_eq!(
        m.reviews.len(),
        due_in_year,
        "every date in the year has passed by today"
    );
    assert_eq!(m.reviews[0], ReviewOutcome::OnTime);
    assert_eq!(m.reviews[1], ReviewOutcome::Late);
    assert!(m.reviews[2..].iter().all(|r| *r == ReviewOutcome::Overdue));
    assert_eq!(m.goals.len(), 2);
    assert_eq!(m.goals[0].domain_id, "belonging");
    assert_eq!(m.goals[0].framework_id, "secure-base");
    assert_eq!(
        m.goals[0].domain_name,
        "Family membership: helping the child to belong"
    );
    assert_eq!((m.goals[0].baseline, m.goals[0].latest), (2, Some(5)));
    assert_eq!((m.goals[1].baseline, m.goals[1].latest), (3, Some(2)));
    let planned = m
        .sessions
        .iter()
        .find(|s| s.kind == SessionKind::Planned)
        .unwrap();
    assert_eq!((planned.sessions, planned.minutes), (2, 45));
    let crisis = m
        .sessions
        .iter()
        .find(|s| s.kind == SessionKind::Crisis)
        .unwrap();
    assert_eq!((crisis.sessions, crisis.minutes), (1, 30));
    let sos = m.sos.unwrap();
    assert_eq!((sos.first, sos.latest), (5.5, 7.5));
    let before = m.indicators_before.unwrap();
    assert_eq!(
        before.attendance_pct,
        Some(85.0),
        "Summer 2025: the term before support began"
    );
    let latest = m.indicators_latest.unwrap();
    assert_eq!(
        latest.attendance_pct,
        Some(92.0),
        "Spring 2026: the latest in the period"
    );
    assert_eq!(latest.physical_interventions, Some(1));

    assert_eq!(l.year_band, YearBand::P3ToP4);
    assert_eq!(
        (l.care_status.as_deref(), l.support_level.as_deref()),
        (None, None)
    );
    assert!(l.reviews.is_empty() && l.goals.is_empty() && l.sos.is_none());
    assert_eq!(l.sessions.len(), 1);

    // A term: only the spring term's review dates and sessions.
    let spring = summary_facts(&v, &Period::term(2025, "spring"), Purpose::Preview, now()).unwrap();
    let m = spring.pupils.iter().find(|p| p.plan_active).unwrap();
    assert_eq!(m.sessions.len(), 1, "the crisis session of 2 February");
    assert!(spring
        .pupils
        .iter()
        .all(|p| p.sessions.iter().all(|s| s.kind != SessionKind::CheckIn)));
    assert_eq!(
        spring.pupils.len(),
        1,
        "Leo's session was in the summer term"
    );

    // Audited as a preview, with the period only.
    let e = last_audit(&v);
    assert_eq!(
        (e.action.as_str(), e.outcome.as_str()),
        ("summary.preview", "ok")
    );
    assert_eq!(e.target.as_deref(), Some("period:2025-26 spring"));
}

#[test]
fn only_a_strategic_lead_reads_the_facts_and_refusals_are_audited() {
    let (s, mut v) = school();
    add_assigned(&mut v, &input("Mia", "Year 5", None, None), &s.ka1_id);
    v.lock("test", now());
    let ka = unlock(&s.dir, &s.ka1_id, KA1_PASS);
    let e = summary_facts(&ka, &Period::school_year(2025), Purpose::Preview, now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotPermitted);
    let a = last_audit(&ka);
    assert_eq!(
        (a.action.as_str(), a.outcome.as_str()),
        ("summary.preview", "refused")
    );
    assert!(identifying_strings(&ka, now()).is_err());
    assert_eq!(last_audit(&ka).outcome, "refused");
}

#[test]
fn a_term_the_calendar_does_not_have_is_refused() {
    let (_s, v) = school();
    let e = resolve_period(&v, &Period::parse("2025-26 winter").unwrap()).unwrap_err();
    assert_eq!(e.field(), Some("period"));
    assert!(e.to_string().contains("autumn, spring, summer"), "{e}");
}

#[test]
fn identifying_strings_hold_every_name_part_identifier_and_date_of_birth() {
    let (s, mut v) = school();
    let mut p = input("Ana-Sofia", "Year 5", None, None);
    p.preferred_name = Some("Jo".into());
    p.identifiers = vec![IdentifierInput {
        kind: attune_domain::rules::identifiers::IdentifierKind::Upn,
        value: upn(515_151_515_151),
    }];
    add_assigned(&mut v, &p, &s.ka1_id);
    pupils::mark_left(&mut v, 1, date!(2026 - 07 - 20), now()).ok();
    let strings = identifying_strings(&v, now()).unwrap();
    let has = |k: IdentifyingKind, t: &str| strings.iter().any(|s| s.kind == k && *s.text == t);
    assert!(has(IdentifyingKind::LegalName, "Ana-Sofia"));
    assert!(has(IdentifyingKind::LegalName, "Ana"));
    assert!(has(IdentifyingKind::LegalName, "Sofia"));
    assert!(has(IdentifyingKind::LegalName, "Quill-Ōkubo"));
    assert!(has(IdentifyingKind::LegalName, "Ōkubo"));
    assert!(has(IdentifyingKind::LegalName, "Ana-Sofia Quill-Ōkubo"));
    assert!(has(IdentifyingKind::PreferredName, "Jo"));
    assert!(has(IdentifyingKind::PreferredName, "Jo Quill-Ōkubo"));
    assert!(has(IdentifyingKind::Identifier, &upn(515_151_515_151)));
    assert!(has(IdentifyingKind::DateOfBirth, "2014-03-07"));
    assert!(has(IdentifyingKind::StaffName, "Grace Hopper"));
    // Debug never shows the text.
    assert!(!format!("{:?}", strings[0]).contains("Ana"));
}

/// Issue 15, item 6: the school's lists renamed, reordered and retired. The records and the
/// summary follow a rename; a retired level is no longer offered, but the pupil holding it
/// keeps it (and can still be saved), the summary still counts it, and it can be brought back.
#[test]
fn school_lists_follow_a_rename_a_new_order_and_a_retirement() {
    use attune_domain::record::lists;
    let (s, mut v) = school();
    let mia = add_assigned(
        &mut v,
        &input("Mia", "Year 7", Some("Looked after"), Some("Intensive")),
        &s.ka1_id,
    );
    let leo = add_assigned(
        &mut v,
        &input("Leo", "P4", None, Some("Additional")),
        &s.ka1_id,
    );
    session(&mut v, mia, date!(2025 - 10 - 01), 25, SessionKind::Planned);
    session(&mut v, leo, date!(2026 - 05 - 11), 15, SessionKind::CheckIn);
    let year = || Period::school_year(2025);
    let level_of = |v: &Vault, id: i64| pupils::get_pupil(v, id, now()).unwrap().support_level;

    // Rename: the pupil holding the old label, and the summary, now say the new one.
    lists::rename_list_item(
        &mut v,
        ListKind::SupportLevel,
        "Intensive",
        "Enhanced",
        now(),
    )
    .unwrap();
    assert_eq!(level_of(&v, mia).as_deref(), Some("Enhanced"));
    let facts = summary_facts(&v, &year(), Purpose::Preview, now()).unwrap();
    assert_eq!(
        facts.support_levels,
        ["Universal", "Additional", "Enhanced"]
    );
    let levels: Vec<Option<&str>> = {
        let mut l: Vec<_> = facts
            .pupils
            .iter()
            .map(|p| p.support_level.as_deref())
            .collect();
        l.sort();
        l
    };
    assert_eq!(levels, [Some("Additional"), Some("Enhanced")]);

    // A new level and a new order: the forms and the summary follow it.
    lists::add_list_item(&mut v, ListKind::SupportLevel, "Targeted", now()).unwrap();
    let order: Vec<String> = ["Targeted", "Universal", "Additional", "Enhanced"]
        .map(String::from)
        .to_vec();
    lists::reorder_list(&mut v, ListKind::SupportLevel, &order, now()).unwrap();
    assert_eq!(lists::pick_lists(&v).unwrap().support_levels, order);
    let facts = summary_facts(&v, &year(), Purpose::Preview, now()).unwrap();
    assert_eq!(facts.support_levels, order);
    // An order that leaves an item out, or names one twice, is refused and changes nothing.
    for bad in [
        &order[..3],
        &["Targeted", "Targeted", "Additional", "Enhanced"].map(String::from)[..],
    ] {
        let e = lists::reorder_list(&mut v, ListKind::SupportLevel, bad, now()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    }
    assert_eq!(lists::pick_lists(&v).unwrap().support_levels, order);

    // Retire "Additional": not offered, still Leo's, still in the summary.
    lists::set_list_item_retired(&mut v, ListKind::SupportLevel, "additional", true, now())
        .unwrap();
    let picks = lists::pick_lists(&v).unwrap();
    assert_eq!(picks.support_levels, ["Targeted", "Universal", "Enhanced"]);
    let retired: Vec<&str> = picks
        .support_level_items
        .iter()
        .filter(|i| i.retired)
        .map(|i| i.label.as_str())
        .collect();
    assert_eq!(retired, ["Additional"]);
    let in_order: Vec<&str> = picks
        .support_level_items
        .iter()
        .map(|i| i.label.as_str())
        .collect();
    assert_eq!(in_order, order, "a retired level keeps its place");
    assert_eq!(level_of(&v, leo).as_deref(), Some("Additional"));
    let facts = summary_facts(&v, &year(), Purpose::Preview, now()).unwrap();
    assert_eq!(
        facts.support_levels, order,
        "a retired level is still counted"
    );
    assert!(facts
        .pupils
        .iter()
        .any(|p| p.support_level.as_deref() == Some("Additional")));
    // Not a new choice: refused for a new pupil and for a pupil who does not hold it.
    let e = pupils::add_pupil(
        &mut v,
        &input("Ada", "Year 3", None, Some("Additional")),
        now(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("has been retired"), "{e}");
    let e = pupils::update_pupil(
        &mut v,
        mia,
        &input("Mia", "Year 7", Some("Looked after"), Some("Additional")),
        now(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    // Leo, who holds it, is saved with it unchanged.
    let leo_saved = pupils::update_pupil(
        &mut v,
        leo,
        &input("Leonard", "P4", None, Some("Additional")),
        now(),
    )
    .unwrap();
    assert_eq!(leo_saved.support_level.as_deref(), Some("Additional"));
    // The last level still offered cannot be retired.
    for l in ["Targeted", "Universal"] {
        lists::set_list_item_retired(&mut v, ListKind::SupportLevel, l, true, now()).unwrap();
    }
    let e = lists::set_list_item_retired(&mut v, ListKind::SupportLevel, "Enhanced", true, now())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    // Brought back: offered again, in its place.
    for l in ["Targeted", "Universal", "Additional"] {
        lists::set_list_item_retired(&mut v, ListKind::SupportLevel, l, false, now()).unwrap();
    }
    let picks = lists::pick_lists(&v).unwrap();
    assert_eq!(picks.support_levels, order);
    assert!(picks.support_level_items.iter().all(|i| !i.retired));
    // Adding a name the list already holds (retired or not) is refused.
    let e = lists::add_list_item(&mut v, ListKind::SupportLevel, "enhanced", now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AlreadyExists);
}
