//! Structured plan reviews against a real vault: lifecycle, immutability, amendments, pre-fill
//! windows, progress series, due dates, access and the sign-off setting.

mod common;
use common::*;

use attune_domain::date;
use attune_domain::model::*;
use attune_domain::rules::schedule::Cadence;
use attune_domain::{planning::plans, planning::reviews, record::records};
use attune_vault::{ErrorKind, Vault};
use chrono::{NaiveDate, TimeZone, Utc};

const D1: NaiveDate = date!(2026 - 10 - 19);
const D2: NaiveDate = date!(2026 - 12 - 07);
const START: NaiveDate = date!(2026 - 09 - 07);

struct Setup {
    pupil: i64,
    plan: i64,
    g1: i64,
    g2: i64,
}

fn goal(outcome: &str, baseline: u8) -> GoalInput {
    GoalInput {
        domain_id: "belonging".into(),
        outcome: outcome.into(),
        baseline,
        target: 8,
        strategies: String::new(),
        who: String::new(),
        how_often: String::new(),
        pp_plus_cost_pence: None,
    }
}

/// As the lead: a pupil assigned to `key_adult`, a six-weekly plan from 7 September 2026 and
/// two goals (baselines 2 and 3).
fn setup(v: &mut Vault, key_adult: &str) -> Setup {
    let fw = frameworks();
    let pupil = add_assigned(v, &pupil("Mia", "Jones", None), key_adult);
    let plan = plans::start_plan(
        v,
        pupil,
        &PlanInput {
            framework_id: None,
            start: START,
            horizon_end: date!(2029 - 09 - 07),
            cadence: Cadence::SixWeekly,
        },
        &fw,
        today(),
        now(),
    )
    .unwrap();
    assert_eq!(plan.due_dates[0].date, D1);
    assert_eq!(plan.due_dates[1].date, D2);
    let g1 = plans::add_goal(v, plan.id, &goal("Joins a lunchtime club", 2), &fw, now())
        .unwrap()
        .id;
    let g2 = plans::add_goal(v, plan.id, &goal("Names a trusted adult", 3), &fw, now())
        .unwrap()
        .id;
    Setup {
        pupil,
        plan: plan.id,
        g1,
        g2,
    }
}

fn full(ratings: &[(i64, u8, GoalDecision)], next_steps: &str) -> ReviewInput {
    ReviewInput {
        attendees: vec![
            AttendeeInput {
                name: "Grace Hopper".into(),
                role: "Key adult".into(),
                scaling: Some(6),
            },
            AttendeeInput {
                name: "Carer".into(),
                role: "Foster carer".into(),
                scaling: Some(5),
            },
        ],
        goals: ratings
            .iter()
            .map(|&(goal_id, rating, decision)| GoalReviewInput {
                goal_id,
                rating: Some(rating),
                evidence: "Seen at lunch".into(),
                decision: Some(decision),
            })
            .collect(),
        pupil_voice: "I like the club".into(),
        parent_carer_voice: "Calmer at home".into(),
        working_well: "Routines".into(),
        worried_about: "Transitions".into(),
        needs_to_happen: "Visual timetable".into(),
        next_steps: next_steps.into(),
        new_goals: vec![],
        next_review_date: None,
    }
}

fn session_on(d: NaiveDate) -> SessionInput {
    SessionInput {
        held_on: d,
        minutes: 20,
        kind: SessionKind::Planned,
        regulation: Some(5),
        note: String::new(),
    }
}

fn event_on(d: NaiveDate) -> ChronologyInput {
    ChronologyInput {
        occurred_on: d,
        kind: ChronologyKind::Other,
        description: "An event".into(),
        safeguarding_ref: None,
    }
}

#[test]
fn lifecycle_draft_signed_immutable_amended_and_listed() {
    let (s, mut v) = school();
    let x = setup(&mut v, &s.ka1_id);
    let fw = frameworks();

    // A draft, pre-filled with the active goals; preparing again returns it.
    let r = reviews::prepare_review(&mut v, x.plan, D1, today(), now()).unwrap();
    assert_eq!(r.status, ReviewStatus::Draft);
    assert_eq!(r.due_date, D1);
    assert_eq!(r.pupil_id, x.pupil);
    let ids: Vec<i64> = r.prefill.goals.iter().map(|g| g.goal_id).collect();
    assert_eq!(ids, [x.g1, x.g2]);
    assert_eq!(r.prefill.goals[0].baseline, 2);
    assert_eq!(r.prefill.goals[0].last_rating, None);
    assert_eq!(r.prefill.last_next_steps, "");
    assert_eq!(r.content.goals.len(), 2);
    assert_eq!(r.content.next_review_date, Some(D2));
    assert_eq!(
        reviews::prepare_review(&mut v, x.plan, D1, today(), now())
            .unwrap()
            .id,
        r.id
    );
    let a = last_audit(&v);
    assert_eq!(a.action, "review.prepare");
    assert_eq!(
        a.target.as_deref(),
        Some(format!("pupil:{}/review:{}", x.pupil, r.id).as_str())
    );
    // Only the plan's dates, and not beyond the next one due.
    let e =
        reviews::prepare_review(&mut v, x.plan, date!(2026 - 10 - 20), today(), now()).unwrap_err();
    assert_eq!(e.field(), Some("due_date"));
    let slots = reviews::list_reviews(&v, x.plan, today(), now()).unwrap();
    let d3 = slots[2].due_date;
    let e = reviews::prepare_review(&mut v, x.plan, d3, today(), now()).unwrap_err();
    assert_eq!(e.field(), Some("due_date"));

    // Validation names the field.
    let mut bad = full(&[(x.g1, 11, GoalDecision::Continue)], "");
    assert_eq!(
        reviews::save_review_draft(&mut v, r.id, &bad, now())
            .unwrap_err()
            .field(),
        Some("goals")
    );
    bad = full(&[(x.g1, 4, GoalDecision::Continue)], "");
    bad.attendees[0].scaling = Some(12);
    assert_eq!(
        reviews::save_review_draft(&mut v, r.id, &bad, now())
            .unwrap_err()
            .field(),
        Some("attendees")
    );
    bad = full(&[(x.g1, 4, GoalDecision::Continue)], "");
    bad.next_review_date = Some(D1);
    assert_eq!(
        reviews::save_review_draft(&mut v, r.id, &bad, now())
            .unwrap_err()
            .field(),
        Some("next_review_date")
    );
    bad = full(&[(x.g1, 4, GoalDecision::Continue)], "");
    bad.pupil_voice = "x".repeat(reviews::MAX_REVIEW_TEXT_CHARS + 1);
    assert_eq!(
        reviews::save_review_draft(&mut v, r.id, &bad, now())
            .unwrap_err()
            .field(),
        Some("pupil_voice")
    );
    // Signing needs attendees and every active goal rated and decided.
    let e = reviews::sign_review(&mut v, r.id, now()).unwrap_err();
    assert_eq!(e.field(), Some("attendees"));
    reviews::save_review_draft(
        &mut v,
        r.id,
        &full(&[(x.g1, 4, GoalDecision::Continue)], ""),
        now(),
    )
    .unwrap();
    let e = reviews::sign_review(&mut v, r.id, now()).unwrap_err();
    assert_eq!(e.field(), Some("goals"));

    // The draft is saved as typed; the next review date defaults to the scheduled one.
    let input = full(
        &[
            (x.g1, 4, GoalDecision::Continue),
            (x.g2, 9, GoalDecision::Achieved),
        ],
        "Weekly check-ins",
    );
    let saved = reviews::save_review_draft(&mut v, r.id, &input, now()).unwrap();
    assert_eq!(saved.content.goals, input.goals);
    assert_eq!(saved.content.next_review_date, Some(D2));
    assert_eq!(last_audit(&v).action, "review.update");

    // Signed late (due 19 October, held 22 November).
    let signed = reviews::sign_review(&mut v, r.id, now()).unwrap();
    assert_eq!(signed.status, ReviewStatus::Signed);
    assert_eq!(signed.held_on, Some(today()));
    assert_eq!(signed.on_time, Some(false));
    assert_eq!(signed.signed_by.as_ref().unwrap().id, s.lead_id);
    assert_eq!(last_audit(&v).action, "review.sign");

    // The achieved goal leaves the active plan but stays in its history.
    let plan = plans::get_plan(&v, x.plan, &fw, today(), now()).unwrap();
    let g2 = plan.goals.iter().find(|g| g.id == x.g2).unwrap();
    assert_eq!(g2.status, GoalStatus::Achieved);
    assert_eq!(plan.goals.len(), 2);
    assert!(plan.due_dates.iter().find(|d| d.date == D1).unwrap().held);

    // Immutable: an edit is refused, and the refusal audited.
    let e = reviews::save_review_draft(&mut v, r.id, &full(&[], "changed"), now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotPermitted);
    assert!(e.to_string().contains("signed off"), "{e}");
    let a = last_audit(&v);
    assert_eq!(
        (a.action.as_str(), a.outcome.as_str()),
        ("review.update", "refused")
    );
    assert_eq!(
        a.target.as_deref(),
        Some(format!("pupil:{}/review:{}", x.pupil, r.id).as_str())
    );
    let e = reviews::sign_review(&mut v, r.id, now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotPermitted);
    // The database itself refuses a change to a signed review or its ratings.
    assert!(v
        .conn()
        .unwrap()
        .execute("UPDATE reviews SET content = '{}' WHERE id = ?1", [r.id])
        .is_err());
    assert!(v
        .conn()
        .unwrap()
        .execute(
            "UPDATE review_goal_ratings SET rating = 0 WHERE review_id = ?1",
            [r.id]
        )
        .is_err());
    assert_eq!(
        reviews::get_review(&v, r.id, now()).unwrap().content,
        saved.content
    );

    // Amendments: only on a signed review; reason and text required; listed in order.
    let e = reviews::amend_review(&mut v, r.id, " ", "text", now()).unwrap_err();
    assert_eq!(e.field(), Some("reason"));
    let e = reviews::amend_review(&mut v, r.id, "Typo", "", now()).unwrap_err();
    assert_eq!(e.field(), Some("text"));
    reviews::amend_review(&mut v, r.id, "Wrong rating", "Goal 1 was 5, not 4.", now()).unwrap();
    let later = Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap();
    let amended = reviews::amend_review(&mut v, r.id, "Carer's name", "Kim", later).unwrap();
    assert!(last_audit(&v)
        .target
        .unwrap()
        .starts_with(&format!("pupil:{}/review:{}/amendment:", x.pupil, r.id)));
    let got = reviews::get_review(&v, r.id, now()).unwrap();
    assert_eq!(got, amended);
    assert_eq!(got.amendments.len(), 2);
    assert_eq!(got.amendments[0].reason, "Wrong rating");
    assert_eq!(got.amendments[0].text, "Goal 1 was 5, not 4.");
    assert_eq!(got.amendments[0].author.as_ref().unwrap().id, s.lead_id);
    assert_eq!(got.amendments[1].reason, "Carer's name");
    assert_eq!(got.amendments[1].at, "2026-11-22T10:00:00Z");
    // The original is unchanged beside them.
    assert_eq!(got.content.goals[0].rating, Some(4));
    assert_eq!(last_audit(&v).action, "review.view");

    // The next review: pre-filled from the signed one, the achieved goal gone.
    let r2 = reviews::prepare_review(&mut v, x.plan, D2, today(), now()).unwrap();
    let e = reviews::amend_review(&mut v, r2.id, "Why", "What", now()).unwrap_err();
    assert_eq!(e.field(), Some("review"));
    assert_eq!(r2.prefill.window_from, D1);
    assert_eq!(r2.prefill.goals.len(), 1);
    assert_eq!(r2.prefill.goals[0].goal_id, x.g1);
    assert_eq!(r2.prefill.goals[0].last_rating, Some(4));
    assert_eq!(r2.prefill.last_next_steps, "Weekly check-ins");
    let e = reviews::save_review_draft(
        &mut v,
        r2.id,
        &full(&[(x.g2, 9, GoalDecision::Continue)], ""),
        now(),
    )
    .unwrap_err();
    assert_eq!(e.field(), Some("goals"));

    // Due dates: D1 held late; D2 next with a draft; after D2 passes it is overdue.
    let slots = reviews::list_reviews(&v, x.plan, today(), now()).unwrap();
    assert_eq!(slots[0].due_date, D1);
    assert_eq!(slots[0].status, Some(ReviewStatus::Signed));
    assert_eq!(slots[0].review_id, Some(r.id));
    assert_eq!(slots[0].on_time, Some(false));
    assert!(!slots[0].overdue && !slots[0].next);
    assert_eq!(slots[1].due_date, D2);
    assert_eq!(slots[1].status, Some(ReviewStatus::Draft));
    assert!(slots[1].next && !slots[1].overdue);
    assert!(slots[2..].iter().all(|s| s.review_id.is_none() && !s.next));
    assert_eq!(last_audit(&v).action, "review.list");
    let after = date!(2026 - 12 - 08);
    let slots = reviews::list_reviews(&v, x.plan, after, now()).unwrap();
    assert!(slots[1].overdue && !slots[1].next);
    assert!(slots[2].next && !slots[2].overdue);
    assert!(slots[2].due_date > after);

    // Signed on time (before its due date), with a new rating.
    reviews::save_review_draft(
        &mut v,
        r2.id,
        &full(&[(x.g1, 6, GoalDecision::Continue)], "Keep going"),
        now(),
    )
    .unwrap();
    let early = Utc.with_ymd_and_hms(2026, 12, 4, 15, 0, 0).unwrap();
    let s2 = reviews::sign_review(&mut v, r2.id, early).unwrap();
    assert_eq!(s2.on_time, Some(true));
    assert_eq!(s2.held_on, Some(date!(2026 - 12 - 04)));
    let slots = reviews::list_reviews(&v, x.plan, after, early).unwrap();
    assert!(!slots[1].overdue);
    assert_eq!(slots[1].on_time, Some(true));

    // Progress: baseline, then each signed review's rating, in date order.
    let p1 = reviews::progress_series(&v, x.g1, now()).unwrap();
    let got: Vec<(NaiveDate, u8, ProgressSource)> =
        p1.iter().map(|p| (p.date, p.rating, p.source)).collect();
    assert_eq!(
        got,
        [
            (START, 2, ProgressSource::Baseline),
            (today(), 4, ProgressSource::Review),
            (date!(2026 - 12 - 04), 6, ProgressSource::Review),
        ]
    );
    assert_eq!(p1[1].review_id, Some(r.id));
    assert_eq!(p1[2].review_id, Some(r2.id));
    let p2 = reviews::progress_series(&v, x.g2, now()).unwrap();
    let got: Vec<(NaiveDate, u8, ProgressSource)> =
        p2.iter().map(|p| (p.date, p.rating, p.source)).collect();
    assert_eq!(
        got,
        [
            (START, 3, ProgressSource::Baseline),
            (today(), 9, ProgressSource::Review),
        ]
    );
    assert_eq!(last_audit(&v).action, "goal.progress");

    // No audit entry carries a review's content.
    let entries = attune_vault::audit::list(v.conn().unwrap(), None, 500).unwrap();
    for e in entries {
        let t = e.target.unwrap_or_default();
        assert!(!t.contains("Weekly") && !t.contains("Wrong") && !t.contains("Kim"));
    }
}

#[test]
fn prefill_window_holds_exactly_the_sessions_and_events_between_reviews() {
    let (s, mut v) = school();
    let x = setup(&mut v, &s.ka1_id);
    // Sessions: before the plan, on its first day, inside, on the first due date, after it.
    for d in [
        date!(2026 - 09 - 04),
        START,
        date!(2026 - 10 - 16),
        D1,
        date!(2026 - 11 - 20),
    ] {
        records::log_session(&mut v, x.pupil, &session_on(d), now()).unwrap();
    }
    for d in [
        date!(2026 - 09 - 06),
        START,
        date!(2026 - 10 - 18),
        D1,
        date!(2026 - 11 - 21),
    ] {
        records::add_chronology_event(&mut v, x.pupil, &event_on(d), now()).unwrap();
    }
    let held = |r: &Review| -> (Vec<NaiveDate>, Vec<NaiveDate>) {
        (
            r.prefill.sessions.iter().map(|s| s.held_on).collect(),
            r.prefill.events.iter().map(|e| e.occurred_on).collect(),
        )
    };

    // First review: [plan start, D1).
    let r1 = reviews::prepare_review(&mut v, x.plan, D1, today(), now()).unwrap();
    assert_eq!((r1.prefill.window_from, r1.prefill.window_to), (START, D1));
    assert_eq!(
        held(&r1),
        (
            vec![START, date!(2026 - 10 - 16)],
            vec![START, date!(2026 - 10 - 18)]
        )
    );
    // Before the first is signed, the second's window runs from the plan's start.
    let r2 = reviews::prepare_review(&mut v, x.plan, D2, today(), now()).unwrap();
    assert_eq!(r2.prefill.window_from, START);
    assert_eq!(r2.prefill.sessions.len(), 4);

    reviews::save_review_draft(
        &mut v,
        r1.id,
        &full(
            &[
                (x.g1, 3, GoalDecision::Continue),
                (x.g2, 3, GoalDecision::Change),
            ],
            "Next",
        ),
        now(),
    )
    .unwrap();
    reviews::sign_review(&mut v, r1.id, now()).unwrap();
    // The first's window is unchanged once signed; the second's is [D1, D2).
    let r1 = reviews::get_review(&v, r1.id, now()).unwrap();
    assert_eq!(
        held(&r1),
        (
            vec![START, date!(2026 - 10 - 16)],
            vec![START, date!(2026 - 10 - 18)]
        )
    );
    let r2 = reviews::get_review(&v, r2.id, now()).unwrap();
    assert_eq!((r2.prefill.window_from, r2.prefill.window_to), (D1, D2));
    assert_eq!(
        held(&r2),
        (
            vec![D1, date!(2026 - 11 - 20)],
            vec![D1, date!(2026 - 11 - 21)]
        )
    );
    // "Change" keeps the goal active.
    assert_eq!(r2.prefill.goals.len(), 2);
}

#[test]
fn a_key_adult_is_refused_every_review_operation_for_an_unassigned_pupil() {
    let (s, mut v) = school();
    let x = setup(&mut v, &s.ka1_id);
    let r1 = reviews::prepare_review(&mut v, x.plan, D1, today(), now()).unwrap();
    reviews::save_review_draft(
        &mut v,
        r1.id,
        &full(
            &[
                (x.g1, 3, GoalDecision::Continue),
                (x.g2, 3, GoalDecision::Continue),
            ],
            "",
        ),
        now(),
    )
    .unwrap();
    reviews::sign_review(&mut v, r1.id, now()).unwrap();
    let r2 = reviews::prepare_review(&mut v, x.plan, D2, today(), now()).unwrap();
    v.lock("test", now());

    let mut v = unlock(&s.dir, &s.ka2_id, KA2_PASS);
    let refused = |v: &Vault, e: attune_domain::Error, action: &str| {
        assert_eq!(e.kind(), ErrorKind::NotPermitted, "{action}: {e}");
        let a = last_audit(v);
        assert_eq!((a.action.as_str(), a.outcome.as_str()), (action, "refused"));
        assert_eq!(a.actor_id.as_deref(), Some(s.ka2_id.as_str()));
    };
    let e = reviews::prepare_review(&mut v, x.plan, D2, today(), now()).unwrap_err();
    refused(&v, e, "review.prepare");
    let e = reviews::save_review_draft(&mut v, r2.id, &ReviewInput::default(), now()).unwrap_err();
    refused(&v, e, "review.update");
    let e = reviews::sign_review(&mut v, r2.id, now()).unwrap_err();
    refused(&v, e, "review.sign");
    let e = reviews::amend_review(&mut v, r1.id, "Why", "What", now()).unwrap_err();
    refused(&v, e, "review.amend");
    let e = reviews::get_review(&v, r1.id, now()).unwrap_err();
    refused(&v, e, "review.view");
    let e = reviews::progress_series(&v, x.g1, now()).unwrap_err();
    refused(&v, e, "goal.progress");
    let e = reviews::list_reviews(&v, x.plan, today(), now()).unwrap_err();
    refused(&v, e, "review.list");
    let e = reviews::set_review_sign_off(&mut v, ReviewSignOff::KeyAdult, now()).unwrap_err();
    refused(&v, e, "settings.review_sign_off");
    // A review id that does not exist gets the same refusal (no probing).
    let e = reviews::get_review(&v, 9999, now()).unwrap_err();
    refused(&v, e, "review.view");
    v.lock("test", now());

    // The assigned key adult may work on it.
    let mut v = unlock(&s.dir, &s.ka1_id, KA1_PASS);
    assert_eq!(
        reviews::get_review(&v, r1.id, now()).unwrap().amendments,
        []
    );
    reviews::amend_review(&mut v, r1.id, "Why", "What", now()).unwrap();
    assert_eq!(
        reviews::list_reviews(&v, x.plan, today(), now()).unwrap()[0].review_id,
        Some(r1.id)
    );
}

#[test]
fn the_sign_off_setting_decides_who_signs() {
    let (s, mut v) = school();
    let x = setup(&mut v, &s.ka1_id);
    assert_eq!(
        reviews::review_sign_off(&v).unwrap(),
        ReviewSignOff::StrategicLead
    );
    v.lock("test", now());

    // By default the key adult records the review but cannot sign it off.
    let mut v = unlock(&s.dir, &s.ka1_id, KA1_PASS);
    let r = reviews::prepare_review(&mut v, x.plan, D1, today(), now()).unwrap();
    reviews::save_review_draft(
        &mut v,
        r.id,
        &full(
            &[
                (x.g1, 3, GoalDecision::Continue),
                (x.g2, 2, GoalDecision::Stop),
            ],
            "",
        ),
        now(),
    )
    .unwrap();
    let e = reviews::sign_review(&mut v, r.id, now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotPermitted);
    let a = last_audit(&v);
    assert_eq!(
        (a.action.as_str(), a.outcome.as_str()),
        ("review.sign", "refused")
    );
    assert_eq!(
        reviews::get_review(&v, r.id, now()).unwrap().status,
        ReviewStatus::Draft
    );
    assert_eq!(
        reviews::set_review_sign_off(&mut v, ReviewSignOff::KeyAdult, now())
            .unwrap_err()
            .kind(),
        ErrorKind::NotPermitted
    );
    v.lock("test", now());

    // The lead lets key adults sign.
    let mut v = unlock(&s.dir, &s.lead_id, LEAD_PASS);
    reviews::set_review_sign_off(&mut v, ReviewSignOff::KeyAdult, now()).unwrap();
    let a = last_audit(&v);
    assert_eq!(
        (a.action.as_str(), a.target.as_deref()),
        ("settings.review_sign_off", Some("key_adult"))
    );
    v.lock("test", now());

    let mut v = unlock(&s.dir, &s.ka1_id, KA1_PASS);
    assert_eq!(
        reviews::review_sign_off(&v).unwrap(),
        ReviewSignOff::KeyAdult
    );
    let signed = reviews::sign_review(&mut v, r.id, now()).unwrap();
    assert_eq!(signed.status, ReviewStatus::Signed);
    assert_eq!(signed.signed_by.unwrap().id, s.ka1_id);
    // The stopped goal left the active plan, kept in its history.
    let plan = plans::get_plan(&v, x.plan, &frameworks(), today(), now()).unwrap();
    assert_eq!(
        plan.goals.iter().find(|g| g.id == x.g2).unwrap().status,
        GoalStatus::Stopped
    );
}

#[test]
fn erasing_a_pupil_removes_their_signed_reviews_and_amendments() {
    let (s, mut v) = school();
    let x = setup(&mut v, &s.ka1_id);
    let r = reviews::prepare_review(&mut v, x.plan, D1, today(), now()).unwrap();
    reviews::save_review_draft(
        &mut v,
        r.id,
        &full(
            &[
                (x.g1, 3, GoalDecision::Continue),
                (x.g2, 3, GoalDecision::Achieved),
            ],
            "",
        ),
        now(),
    )
    .unwrap();
    reviews::sign_review(&mut v, r.id, now()).unwrap();
    reviews::amend_review(&mut v, r.id, "Why", "What", now()).unwrap();
    attune_domain::record::pupils::mark_left(&mut v, x.pupil, today(), now()).unwrap();
    attune_domain::transfer::retention::erase_pupil(&mut v, x.pupil, now()).unwrap();
    for table in ["reviews", "review_goal_ratings", "review_amendments"] {
        let n: i64 = v
            .conn()
            .unwrap()
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0, "{table}");
    }
}

#[test]
fn the_subject_access_document_holds_reviews_and_amendments() {
    let (s, mut v) = school();
    let x = setup(&mut v, &s.ka1_id);
    let r = reviews::prepare_review(&mut v, x.plan, D1, today(), now()).unwrap();
    let mut input = full(
        &[
            (x.g1, 7, GoalDecision::Continue),
            (x.g2, 3, GoalDecision::Stop),
        ],
        "Visit <the> library",
    );
    input.pupil_voice = "Lunch club is fun".into();
    reviews::save_review_draft(&mut v, r.id, &input, now()).unwrap();
    reviews::sign_review(&mut v, r.id, now()).unwrap();
    reviews::amend_review(&mut v, r.id, "Spelling fix", "Libary → library", now()).unwrap();
    let html =
        attune_domain::transfer::sar::subject_access_document(&v, x.pupil, &frameworks(), now())
            .unwrap();
    for text in [
        "Review due 19 October 2026",
        "Lunch club is fun",
        "Visit &lt;the&gt; library",
        "Spelling fix",
        "Libary → library",
        "Grace Hopper (Key adult, scaling 6)",
        "Seen at lunch",
    ] {
        assert!(html.contains(text), "{text} missing");
    }
}

#[test]
fn new_goals_agreed_at_a_review_join_the_plan_when_it_is_signed() {
    let (s, mut v) = school();
    let x = setup(&mut v, &s.ka1_id);
    let fw = frameworks();
    let r = reviews::prepare_review(&mut v, x.plan, D1, today(), now()).unwrap();
    let mut input = full(
        &[
            (x.g1, 5, GoalDecision::Continue),
            (x.g2, 6, GoalDecision::Continue),
        ],
        "",
    );
    // A draft keeps a half-typed new goal; signing checks it in full and names the field.
    input.new_goals = vec![GoalInput {
        outcome: "   ".into(),
        ..goal("", 1)
    }];
    let saved = reviews::save_review_draft(&mut v, r.id, &input, now()).unwrap();
    assert_eq!(saved.content.new_goals.len(), 1);
    let e = reviews::sign_review(&mut v, r.id, now()).unwrap_err();
    assert_eq!(e.field(), Some("new_goals"));
    input.new_goals = vec![GoalInput {
        domain_id: "no-such-domain".into(),
        ..goal("Plays with a peer", 1)
    }];
    reviews::save_review_draft(&mut v, r.id, &input, now()).unwrap();
    assert_eq!(
        reviews::sign_review(&mut v, r.id, now())
            .unwrap_err()
            .field(),
        Some("new_goals")
    );
    // Nothing was added by the refused sign-offs.
    let plan = plans::get_plan(&v, x.plan, &fw, today(), now()).unwrap();
    assert_eq!(plan.goals.len(), 2);

    input.new_goals = vec![goal("Plays with a peer at break", 1)];
    reviews::save_review_draft(&mut v, r.id, &input, now()).unwrap();
    reviews::sign_review(&mut v, r.id, now()).unwrap();
    let plan = plans::get_plan(&v, x.plan, &fw, today(), now()).unwrap();
    let outcomes: Vec<&str> = plan.goals.iter().map(|g| g.outcome.as_str()).collect();
    assert_eq!(
        outcomes,
        [
            "Joins a lunchtime club",
            "Names a trusted adult",
            "Plays with a peer at break"
        ]
    );
    assert_eq!(plan.goals[2].status, GoalStatus::Active);
    assert_eq!(plan.goals[2].baseline, 1);
    // The next review is prepared with the new goal too.
    let r2 = reviews::prepare_review(&mut v, x.plan, D2, today(), now()).unwrap();
    assert_eq!(r2.prefill.goals.len(), 3);
    // Too many new goals in one draft is refused.
    let mut many = full(&[], "");
    many.new_goals = (0..=reviews::MAX_NEW_GOALS).map(|_| goal("x", 1)).collect();
    assert_eq!(
        reviews::save_review_draft(&mut v, r2.id, &many, now())
            .unwrap_err()
            .field(),
        Some("new_goals")
    );
}

#[test]
fn renewing_a_plan_carries_chosen_goals_from_their_latest_rating_and_keeps_the_old_plan_whole() {
    let (s, mut v) = school();
    let x = setup(&mut v, &s.ka1_id);
    let fw = frameworks();
    let g3 = plans::add_goal(&mut v, x.plan, &goal("Uses a calm box", 4), &fw, now())
        .unwrap()
        .id;
    let r = reviews::prepare_review(&mut v, x.plan, D1, today(), now()).unwrap();
    reviews::save_review_draft(
        &mut v,
        r.id,
        &full(
            &[
                (x.g1, 7, GoalDecision::Continue),
                (x.g2, 9, GoalDecision::Achieved),
                (g3, 5, GoalDecision::Continue),
            ],
            "",
        ),
        now(),
    )
    .unwrap();
    reviews::sign_review(&mut v, r.id, now()).unwrap();
    // The signed review keeps every goal it rated, the achieved one included, though that goal
    // has left the active plan.
    let signed = reviews::get_review(&v, r.id, now()).unwrap();
    let rated: Vec<i64> = signed.prefill.goals.iter().map(|g| g.goal_id).collect();
    assert_eq!(rated, [x.g1, x.g2, g3]);
    let before = plans::get_plan(&v, x.plan, &fw, today(), now()).unwrap();

    let renew = |carry: Vec<i64>, start: NaiveDate| RenewPlanInput {
        plan: PlanInput {
            framework_id: None,
            start,
            horizon_end: date!(2032 - 09 - 01),
            cadence: Cadence::Termly,
        },
        carry_goal_ids: carry,
    };
    // An achieved goal cannot be carried; a start before the old plan's is refused; so is a
    // horizon outside 2 to 3 years.
    let e = plans::renew_plan(
        &mut v,
        x.plan,
        &renew(vec![x.g2], date!(2029 - 09 - 03)),
        &fw,
        today(),
        now(),
    )
    .unwrap_err();
    assert_eq!(e.field(), Some("carry_goal_ids"));
    let e = plans::renew_plan(
        &mut v,
        x.plan,
        &renew(vec![x.g1], date!(2025 - 09 - 03)),
        &fw,
        today(),
        now(),
    )
    .unwrap_err();
    assert_eq!(e.field(), Some("start"));
    let e = plans::renew_plan(
        &mut v,
        x.plan,
        &renew(vec![x.g1], date!(2027 - 09 - 06)),
        &fw,
        today(),
        now(),
    )
    .unwrap_err();
    assert_eq!(e.field(), Some("horizon_end"));
    // Nothing changed by the refusals.
    assert_eq!(
        plans::get_plan(&v, x.plan, &fw, today(), now()).unwrap(),
        before
    );

    let new = plans::renew_plan(
        &mut v,
        x.plan,
        &renew(vec![x.g1], date!(2029 - 09 - 03)),
        &fw,
        today(),
        now(),
    )
    .unwrap();
    assert_ne!(new.id, x.plan);
    assert_eq!(new.status, PlanStatus::Active);
    assert_eq!(new.start, date!(2029 - 09 - 03));
    assert!(!new.due_dates.is_empty());
    assert!(new.due_dates.iter().all(|d| d.date > new.start));
    // One goal carried, starting from its latest signed rating (7), not its baseline (2).
    assert_eq!(new.goals.len(), 1);
    assert_eq!(new.goals[0].outcome, "Joins a lunchtime club");
    assert_eq!(new.goals[0].baseline, 7);
    assert_eq!(new.goals[0].target, 8);
    assert_ne!(new.goals[0].id, x.g1);
    assert_eq!(last_audit(&v).action, "plan.renew");

    // The old plan is kept whole: closed, same goals, ratings and review.
    let old = plans::get_plan(&v, x.plan, &fw, today(), now()).unwrap();
    assert_eq!(old.status, PlanStatus::Closed);
    assert_eq!(old.goals, before.goals);
    assert_eq!(old.due_dates.len(), before.due_dates.len());
    let series = reviews::progress_series(&v, x.g1, now()).unwrap();
    assert_eq!(series.iter().map(|p| p.rating).collect::<Vec<_>>(), [2, 7]);
    // It cannot be renewed twice.
    let e = plans::renew_plan(
        &mut v,
        x.plan,
        &renew(vec![], date!(2029 - 09 - 03)),
        &fw,
        today(),
        now(),
    )
    .unwrap_err();
    assert_eq!(e.field(), Some("plan"));
}

#[test]
fn the_timeline_counts_sessions_per_month_and_printing_is_audited() {
    let (s, mut v) = school();
    let x = setup(&mut v, &s.ka1_id);
    for d in [
        date!(2026 - 09 - 08),
        date!(2026 - 09 - 15),
        date!(2026 - 11 - 02),
        // Before the plan started: not on its timeline.
        date!(2026 - 09 - 01),
    ] {
        records::log_session(&mut v, x.pupil, &session_on(d), now()).unwrap();
    }
    records::add_chronology_event(&mut v, x.pupil, &event_on(date!(2026 - 10 - 05)), now())
        .unwrap();
    records::add_chronology_event(&mut v, x.pupil, &event_on(date!(2026 - 08 - 01)), now())
        .unwrap();
    let t = reviews::plan_timeline(&v, x.plan, today(), now()).unwrap();
    let months: Vec<(&str, u32, u32)> = t
        .months
        .iter()
        .map(|m| (m.month.as_str(), m.sessions, m.minutes))
        .collect();
    assert_eq!(
        months,
        [("2026-09", 2, 40), ("2026-10", 0, 0), ("2026-11", 1, 20)]
    );
    assert_eq!(t.events.len(), 1);
    assert_eq!(t.events[0].occurred_on, date!(2026 - 10 - 05));
    assert_eq!(t.reviews[0].due_date, D1);
    assert!(t.reviews[0].overdue);

    reviews::record_print(&v, PrintTarget::Plan, x.plan, false, now()).unwrap();
    let a = last_audit(&v);
    assert_eq!(a.action, "plan.print");
    assert_eq!(
        a.target.as_deref(),
        Some(format!("pupil:{}/plan:{}", x.pupil, x.plan).as_str())
    );
    let r = reviews::prepare_review(&mut v, x.plan, D1, today(), now()).unwrap();
    reviews::record_print(&v, PrintTarget::Review, r.id, true, now()).unwrap();
    assert_eq!(last_audit(&v).action, "review.pdf");
    reviews::record_print(&v, PrintTarget::SubjectAccess, x.pupil, true, now()).unwrap();
    let a = last_audit(&v);
    assert_eq!(a.action, "pupil.sar.pdf");
    assert_eq!(
        a.target.as_deref(),
        Some(format!("pupil:{}", x.pupil).as_str())
    );

    // A key adult of another pupil may neither see the timeline nor print the plan.
    v.lock("test", now());
    let ka2 = unlock(&s.dir, &s.ka2_id, KA2_PASS);
    assert_eq!(
        reviews::plan_timeline(&ka2, x.plan, today(), now())
            .unwrap_err()
            .kind(),
        ErrorKind::NotPermitted
    );
    assert_eq!(
        reviews::record_print(&ka2, PrintTarget::Plan, x.plan, false, now())
            .unwrap_err()
            .kind(),
        ErrorKind::NotPermitted
    );
    // Nor may any key adult print a subject access document, their own pupil's included.
    let ka1 = {
        ka2.lock("test", now());
        unlock(&s.dir, &s.ka1_id, KA1_PASS)
    };
    assert_eq!(
        reviews::record_print(&ka1, PrintTarget::SubjectAccess, x.pupil, true, now())
            .unwrap_err()
            .kind(),
        ErrorKind::NotPermitted
    );
    assert_eq!(last_audit(&ka1).outcome, "refused");
}

/// Issue 16, item 3: a goal carried forward at a renewal keeps its history. Its series runs from
/// the first plan's baseline through every signed review of both plans, each point naming its
/// plan; the old plan's goal still ends where that plan ended. The expected figures are the
/// ratings written in this test, not read back from the code.
#[test]
fn a_goal_carried_forward_keeps_its_history_across_plans() {
    let (s, mut v) = school();
    let x = setup(&mut v, &s.ka1_id);
    let fw = frameworks();
    let at = |d: NaiveDate| Utc.from_utc_datetime(&d.and_hms_opt(10, 0, 0).unwrap());

    // Plan A: baseline 2 (7 September 2026), rated 6 at the review held on 20 October 2026.
    let r = reviews::prepare_review(&mut v, x.plan, D1, today(), now()).unwrap();
    let ratings = [
        (x.g1, 6, GoalDecision::Continue),
        (x.g2, 4, GoalDecision::Continue),
    ];
    reviews::save_review_draft(&mut v, r.id, &full(&ratings, ""), now()).unwrap();
    reviews::sign_review(&mut v, r.id, at(date!(2026 - 10 - 20))).unwrap();

    // Renewed from 2 November 2026, carrying goal 1 only.
    let b_start = date!(2026 - 11 - 02);
    let b = plans::renew_plan(
        &mut v,
        x.plan,
        &RenewPlanInput {
            plan: PlanInput {
                framework_id: None,
                start: b_start,
                horizon_end: date!(2028 - 11 - 02),
                cadence: Cadence::SixWeekly,
            },
            carry_goal_ids: vec![x.g1],
        },
        &fw,
        b_start,
        at(b_start),
    )
    .unwrap();
    let g1b = b.goals[0].id;
    assert_ne!(g1b, x.g1);

    // Plan B's first review rates the carried goal 8, held on its due date.
    let due = b.due_dates[0].date;
    let rb = reviews::prepare_review(&mut v, b.id, due, due, at(due)).unwrap();
    let goals: Vec<i64> = rb.prefill.goals.iter().map(|g| g.goal_id).collect();
    assert_eq!(goals, [g1b], "only the carried goal is in plan B");
    reviews::save_review_draft(
        &mut v,
        rb.id,
        &full(&[(g1b, 8, GoalDecision::Continue)], ""),
        at(due),
    )
    .unwrap();
    reviews::sign_review(&mut v, rb.id, at(due)).unwrap();

    let series = reviews::progress_series(&v, g1b, now()).unwrap();
    let seen: Vec<(NaiveDate, u8, ProgressSource, i64, NaiveDate)> = series
        .iter()
        .map(|p| (p.date, p.rating, p.source, p.plan_id, p.plan_start))
        .collect();
    assert_eq!(
        seen,
        [
            (START, 2, ProgressSource::Baseline, x.plan, START),
            (
                date!(2026 - 10 - 20),
                6,
                ProgressSource::Review,
                x.plan,
                START
            ),
            (due, 8, ProgressSource::Review, b.id, b_start),
        ]
    );
    // The old plan's goal ends with its own plan; the goal left behind has no part in plan B.
    let old: Vec<u8> = reviews::progress_series(&v, x.g1, now())
        .unwrap()
        .iter()
        .map(|p| p.rating)
        .collect();
    assert_eq!(old, [2, 6]);
    let left: Vec<u8> = reviews::progress_series(&v, x.g2, now())
        .unwrap()
        .iter()
        .map(|p| p.rating)
        .collect();
    assert_eq!(left, [3, 4]);

    // Another key adult may not read it; the pupil's own key adult may, the whole of it.
    v.lock("test", now());
    let other = unlock(&s.dir, &s.ka2_id, KA2_PASS);
    assert_eq!(
        reviews::progress_series(&other, g1b, now())
            .unwrap_err()
            .kind(),
        ErrorKind::NotPermitted
    );
    other.lock("test", now());
    let own = unlock(&s.dir, &s.ka1_id, KA1_PASS);
    assert_eq!(reviews::progress_series(&own, g1b, now()).unwrap(), series);
}

/// A lineage link never leads into another pupil's record, nor round a loop: a link written
/// wrong (by hand here; in life it could only come from a faulty import or sync) is not followed.
#[test]
fn a_goal_link_is_followed_only_within_the_pupil() {
    let (s, mut v) = school();
    let x = setup(&mut v, &s.ka1_id);
    let fw = frameworks();
    let other_pupil = add_assigned(&mut v, &pupil("Leo", "Smith", None), &s.ka1_id);
    let other_plan = plans::start_plan(
        &mut v,
        other_pupil,
        &PlanInput {
            framework_id: None,
            start: START,
            horizon_end: date!(2029 - 09 - 07),
            cadence: Cadence::SixWeekly,
        },
        &fw,
        today(),
        now(),
    )
    .unwrap();
    let theirs = plans::add_goal(
        &mut v,
        other_plan.id,
        &goal("Leo's own goal", 9),
        &fw,
        now(),
    )
    .unwrap()
    .id;
    let conn = v.conn().unwrap();
    conn.execute(
        "UPDATE goals SET carried_from = ?1 WHERE id = ?2",
        [theirs, x.g1],
    )
    .unwrap();
    // A loop: g2 ← g2.
    conn.execute("UPDATE goals SET carried_from = id WHERE id = ?1", [x.g2])
        .unwrap();
    let mine: Vec<u8> = reviews::progress_series(&v, x.g1, now())
        .unwrap()
        .iter()
        .map(|p| p.rating)
        .collect();
    assert_eq!(mine, [2], "Leo's baseline (9) is not in Mia's goal");
    let looped: Vec<u8> = reviews::progress_series(&v, x.g2, now())
        .unwrap()
        .iter()
        .map(|p| p.rating)
        .collect();
    assert_eq!(looped, [3]);
}

/// Goals renewed before lineage was kept are linked by migration 0020: a goal of the same area
/// and outcome in the pupil's previous plan. One whose outcome was edited after the renewal, and
/// one that only shares its words with another pupil's goal, stay unlinked.
#[test]
fn the_migration_links_goals_carried_before_it_by_area_and_outcome() {
    let (s, mut v) = school();
    let x = setup(&mut v, &s.ka1_id);
    let fw = frameworks();
    let b = plans::renew_plan(
        &mut v,
        x.plan,
        &RenewPlanInput {
            plan: PlanInput {
                framework_id: None,
                start: date!(2026 - 11 - 02),
                horizon_end: date!(2028 - 11 - 02),
                cadence: Cadence::SixWeekly,
            },
            carry_goal_ids: vec![x.g1, x.g2],
        },
        &fw,
        today(),
        now(),
    )
    .unwrap();
    let (g1b, g2b) = (b.goals[0].id, b.goals[1].id);
    // Another pupil whose first plan has a goal in the same words as Mia's goal 1.
    let leo = add_assigned(&mut v, &pupil("Leo", "Smith", None), &s.ka1_id);
    let leo_plan = plans::start_plan(
        &mut v,
        leo,
        &PlanInput {
            framework_id: None,
            start: date!(2026 - 11 - 09),
            horizon_end: date!(2028 - 11 - 09),
            cadence: Cadence::SixWeekly,
        },
        &fw,
        today(),
        now(),
    )
    .unwrap();
    let leos = plans::add_goal(
        &mut v,
        leo_plan.id,
        &goal("Joins a lunchtime club", 1),
        &fw,
        now(),
    )
    .unwrap()
    .id;
    // As a vault was before migration 0020: no lineage column; goal 2's outcome edited since.
    let index = attune_vault::db::MIGRATIONS
        .iter()
        .position(|(name, _)| *name == "0020_goal_lineage")
        .expect("migration 0020 is listed");
    // Later migrations run again on unlock: only those that rebuild what they make from
    // scratch (0022 drops and rebuilds the search index) may follow without being rewound.
    let later: Vec<&str> = attune_vault::db::MIGRATIONS[index + 1..]
        .iter()
        .map(|(name, _)| *name)
        .collect();
    assert!(
        later.iter().all(|name| ["0022_search_kinds"].contains(name)),
        "this test rewinds to just before 0020; a later migration must be rewound here too: {later:?}"
    );
    v.conn()
        .unwrap()
        .execute_batch(&format!(
            "DROP INDEX goals_carried_from;
             ALTER TABLE goals DROP COLUMN carried_from;
             UPDATE goals SET outcome = 'Names two trusted adults' WHERE id = {g2b};
             PRAGMA user_version = {index};"
        ))
        .unwrap();
    v.lock("test", now());

    let v = unlock(&s.dir, &s.lead_id, LEAD_PASS);
    let link = |id: i64| -> Option<i64> {
        v.conn()
            .unwrap()
            .query_row("SELECT carried_from FROM goals WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap()
    };
    assert_eq!(link(g1b), Some(x.g1));
    assert_eq!(
        link(g2b),
        None,
        "edited after the renewal: not the same words"
    );
    assert_eq!(link(leos), None, "another pupil's goal is never linked");
    assert_eq!(link(x.g1), None, "a first plan's goal continues nothing");
    let ratings: Vec<u8> = reviews::progress_series(&v, g1b, now())
        .unwrap()
        .iter()
        .map(|p| p.rating)
        .collect();
    assert_eq!(ratings, [2], "the series starts at plan A's baseline");
}

/// Issue 16, item 2: every plan a pupil has had is listed, the current one first, each with its
/// counts, so a closed plan and its reviews stay reachable. Audited; another key adult refused.
#[test]
fn every_plan_is_listed_current_first_with_its_counts() {
    let (s, mut v) = school();
    let x = setup(&mut v, &s.ka1_id);
    let fw = frameworks();
    let r = reviews::prepare_review(&mut v, x.plan, D1, today(), now()).unwrap();
    let ratings = [
        (x.g1, 6, GoalDecision::Continue),
        (x.g2, 4, GoalDecision::Continue),
    ];
    reviews::save_review_draft(&mut v, r.id, &full(&ratings, ""), now()).unwrap();
    reviews::sign_review(&mut v, r.id, now()).unwrap();
    // A draft review is not counted as signed.
    reviews::prepare_review(&mut v, x.plan, D2, today(), now()).unwrap();
    let closed_at = Utc.with_ymd_and_hms(2026, 11, 23, 16, 30, 0).unwrap();
    let b = plans::renew_plan(
        &mut v,
        x.plan,
        &RenewPlanInput {
            plan: PlanInput {
                framework_id: None,
                start: date!(2026 - 11 - 30),
                horizon_end: date!(2028 - 11 - 30),
                cadence: Cadence::Termly,
            },
            carry_goal_ids: vec![x.g1],
        },
        &fw,
        today(),
        closed_at,
    )
    .unwrap();

    let list = plans::list_plans(&v, x.pupil, &fw, now()).unwrap();
    let seen: Vec<(i64, PlanStatus, NaiveDate, Option<NaiveDate>, u32, u32)> = list
        .iter()
        .map(|p| {
            (
                p.id,
                p.status,
                p.start,
                p.closed_on,
                p.goals,
                p.signed_reviews,
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (b.id, PlanStatus::Active, date!(2026 - 11 - 30), None, 1, 0),
            (
                x.plan,
                PlanStatus::Closed,
                START,
                Some(date!(2026 - 11 - 23)),
                2,
                1
            ),
        ]
    );
    assert_eq!(list[1].framework_name, b.framework_name);
    let a = last_audit(&v);
    assert_eq!((a.action.as_str(), a.outcome.as_str()), ("plan.list", "ok"));

    v.lock("test", now());
    let other = unlock(&s.dir, &s.ka2_id, KA2_PASS);
    let e = plans::list_plans(&other, x.pupil, &fw, now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotPermitted);
    let a = last_audit(&other);
    assert_eq!(
        (a.action.as_str(), a.outcome.as_str()),
        ("plan.list", "refused")
    );
}
