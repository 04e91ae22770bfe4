//! The strategic lead's overview against a real vault: a hand-built school with known answers
//! (due, overdue, held, no recent session, window edges), who may see it, and its speed and
//! query plans on a 500-pupil vault.

mod common;
use common::*;

use attune_domain::date;
use attune_domain::lead::overview::{self, Overview, OverviewPupil, OverviewQuery, OverviewRow};
use attune_domain::model::*;
use attune_domain::rules::schedule::Cadence;
use attune_domain::{planning::plans, planning::reviews, record::pupils, record::records};
use attune_vault::{ErrorKind, Vault};
use chrono::{Duration, NaiveDate};
use rusqlite::params;

const START: NaiveDate = date!(2026 - 09 - 07);
/// The first two six-weekly due dates of a plan from START (see tests/reviews.rs).
const D1: NaiveDate = date!(2026 - 10 - 19);
const D2: NaiveDate = date!(2026 - 12 - 07);

fn plan_from(v: &mut Vault, pupil: i64, start: NaiveDate) -> PlanView {
    plans::start_plan(
        v,
        pupil,
        &PlanInput {
            framework_id: None,
            start,
            horizon_end: plans::add_years(start, 2),
            cadence: Cadence::SixWeekly,
        },
        &frameworks(),
        today(),
        now(),
    )
    .unwrap()
}

fn session_on(v: &mut Vault, pupil: i64, d: NaiveDate) {
    records::log_session(
        v,
        pupil,
        &SessionInput {
            held_on: d,
            minutes: 20,
            kind: SessionKind::CheckIn,
            regulation: None,
            note: String::new(),
            safeguarding_ref: None,
        },
        now(),
    )
    .unwrap();
}

/// Signs the review of `due` with one goal rated.
fn sign(v: &mut Vault, plan: i64, due: NaiveDate) {
    let fw = frameworks();
    let goal = plans::add_goal(
        v,
        plan,
        &GoalInput {
            domain_id: "belonging".into(),
            outcome: "Joins a club".into(),
            baseline: 2,
            target: 7,
            strategies: String::new(),
            who: String::new(),
            how_often: String::new(),
            pp_plus_cost_pence: None,
        },
        &fw,
        now(),
    )
    .unwrap();
    let r = reviews::prepare_review(v, plan, due, today(), now()).unwrap();
    let mut input = ReviewInput {
        attendees: vec![AttendeeInput {
            name: "Grace Hopper".into(),
            role: "Key adult".into(),
            scaling: None,
        }],
        goals: vec![GoalReviewInput {
            goal_id: goal.id,
            rating: Some(4),
            evidence: String::new(),
            decision: Some(GoalDecision::Continue),
        }],
        pupil_voice: String::new(),
        parent_carer_voice: String::new(),
        working_well: String::new(),
        worried_about: String::new(),
        needs_to_happen: String::new(),
        next_steps: String::new(),
        new_goals: vec![],
        next_review_date: None,
    };
    input.next_review_date = None;
    reviews::save_review_draft(v, r.id, &input, now()).unwrap();
    reviews::sign_review(v, r.id, now()).unwrap();
}

fn row<'a>(o: &'a Overview, name: Option<&str>) -> &'a OverviewRow {
    o.rows
        .iter()
        .find(|r| r.key_adult.as_ref().map(|k| k.name.as_str()) == name)
        .unwrap_or_else(|| panic!("no row for {name:?}"))
}

fn ids(list: &[OverviewPupil]) -> Vec<i64> {
    list.iter().map(|p| p.pupil_id).collect()
}

struct Known {
    mia: i64,
    leo: i64,
    ava: i64,
    ava_overdue: Vec<NaiveDate>,
    /// Ava's first due date from today.
    ava_next: NaiveDate,
    eve: i64,
    zac: i64,
}

/// The hand-built school (today is 22 November 2026):
/// - Grace Hopper (key adult): Mia Jones — plan from 7 Sep, D1 (19 Oct) overdue, D2 (7 Dec) due,
///   a session on 20 Nov; Leo Brown — plan from 7 Sep with D1 signed off, no session ever;
///   Ava Smith (preferred "Avie") — plan from 4 May, several dates overdue, last session 31 Oct;
///   Tom Left — marked left (counted nowhere).
/// - Alan Turing (key adult): nobody.
/// - Ada Lovelace (the lead) holds Eve Stone: no plan, a session on 1 Nov.
/// - Zac Free: no key adult, no plan, no session.
fn known_school() -> (School, Vault, Known) {
    let (s, mut v) = school();
    let mia = add_assigned(&mut v, &pupil("Mia", "Jones", None), &s.ka1_id);
    plan_from(&mut v, mia, START);
    session_on(&mut v, mia, date!(2026 - 11 - 20));

    let leo = add_assigned(&mut v, &pupil("Leo", "Brown", None), &s.ka1_id);
    let leo_plan = plan_from(&mut v, leo, START);
    sign(&mut v, leo_plan.id, D1);

    let mut ava_input = pupil("Ava", "Smith", None);
    ava_input.preferred_name = Some("Avie".into());
    let ava = add_assigned(&mut v, &ava_input, &s.ka1_id);
    let ava_plan = plan_from(&mut v, ava, date!(2026 - 05 - 04));
    let ava_overdue: Vec<NaiveDate> = ava_plan
        .due_dates
        .iter()
        .map(|d| d.date)
        .filter(|d| *d < today())
        .collect();
    // From the school's default term dates: the summer holiday moves the second date.
    assert_eq!(
        ava_overdue,
        vec![
            date!(2026 - 06 - 22),
            date!(2026 - 09 - 10),
            date!(2026 - 10 - 22)
        ]
    );
    let ava_next = ava_plan
        .due_dates
        .iter()
        .map(|d| d.date)
        .find(|d| *d >= today())
        .unwrap();
    assert_eq!(ava_next, date!(2026 - 12 - 10));
    session_on(&mut v, ava, date!(2026 - 10 - 31));

    let tom = add_assigned(&mut v, &pupil("Tom", "Left", None), &s.ka1_id);
    plan_from(&mut v, tom, START);
    pupils::mark_left(&mut v, tom, today(), now()).unwrap();

    let eve = add_assigned(&mut v, &pupil("Eve", "Stone", None), &s.lead_id);
    session_on(&mut v, eve, date!(2026 - 11 - 01));

    let zac = pupils::add_pupil(&mut v, &pupil("Zac", "Free", None), now())
        .unwrap()
        .id;
    (
        s,
        v,
        Known {
            mia,
            leo,
            ava,
            ava_overdue,
            ava_next,
            eve,
            zac,
        },
    )
}

#[test]
fn the_figures_of_a_hand_built_school() {
    let (_s, v, k) = known_school();
    let o = overview::overview(&v, &OverviewQuery::default(), today(), now()).unwrap();
    assert_eq!((o.due_weeks, o.session_weeks), (4, 3));
    assert_eq!(o.due_until, date!(2026 - 12 - 20));
    assert_eq!(o.sessions_since, date!(2026 - 11 - 01));
    assert_eq!(o.total_pupils, 5, "Tom has left");

    // Rows: key adults by name, the lead because she holds a pupil, unassigned last.
    let names: Vec<Option<&str>> = o
        .rows
        .iter()
        .map(|r| r.key_adult.as_ref().map(|k| k.name.as_str()))
        .collect();
    assert_eq!(
        names,
        vec![
            Some("Ada Lovelace"),
            Some("Alan Turing"),
            Some("Grace Hopper"),
            None
        ]
    );

    let grace = row(&o, Some("Grace Hopper"));
    assert!(!grace.is_lead && !grace.removed);
    assert_eq!(grace.caseload, 3);
    // Overdue: Ava (since May, several dates) first, then Mia (D1); Leo's D1 was signed.
    assert_eq!(ids(&grace.overdue), vec![k.ava, k.mia]);
    assert_eq!(grace.overdue[0].date, Some(k.ava_overdue[0]));
    assert_eq!(grace.overdue[0].count, k.ava_overdue.len() as u32);
    assert_eq!(grace.overdue[0].preferred_name, "Avie");
    assert_eq!(grace.overdue[0].surname, "Smith");
    assert_eq!(grace.overdue[1].date, Some(D1));
    assert_eq!(grace.overdue[1].count, 1);
    assert_eq!(grace.overdue_reviews, k.ava_overdue.len() as u32 + 1);
    // Due in the next four weeks: Leo's and Mia's D2 (7 December, by name), then Ava's.
    assert_eq!(ids(&grace.due), vec![k.leo, k.mia, k.ava]);
    let dates: Vec<_> = grace.due.iter().map(|p| p.date).collect();
    assert_eq!(dates, vec![Some(D2), Some(D2), Some(k.ava_next)]);
    // No session since 1 November: Leo never (first), Ava last seen 31 October.
    assert_eq!(ids(&grace.no_recent_session), vec![k.leo, k.ava]);
    assert_eq!(grace.no_recent_session[0].date, None);
    assert_eq!(grace.no_recent_session[1].date, Some(date!(2026 - 10 - 31)));

    let alan = row(&o, Some("Alan Turing"));
    assert_eq!(alan.caseload, 0);
    assert!(alan.due.is_empty() && alan.overdue.is_empty() && alan.no_recent_session.is_empty());

    let ada = row(&o, Some("Ada Lovelace"));
    assert!(ada.is_lead);
    assert_eq!(ada.caseload, 1);
    // Eve's session on 1 November is exactly three weeks ago: recent.
    assert!(ada.no_recent_session.is_empty());
    assert!(ada.due.is_empty() && ada.overdue.is_empty());

    let none = row(&o, None);
    assert_eq!(none.caseload, 1);
    assert_eq!(ids(&none.no_recent_session), vec![k.zac]);
    let _ = k.eve;
}

#[test]
fn the_chosen_weeks_move_the_windows_at_their_edges() {
    let (_s, v, k) = known_school();
    // From Monday 16 November, three weeks ahead ends on 7 December: D2 is in, inclusive.
    let monday = date!(2026 - 11 - 16);
    let q = |due_weeks, session_weeks| OverviewQuery {
        due_weeks,
        session_weeks,
    };
    let o = overview::overview(&v, &q(3, 3), monday, now()).unwrap();
    assert_eq!(o.due_until, D2);
    assert_eq!(ids(&row(&o, Some("Grace Hopper")).due), vec![k.leo, k.mia]);
    // Two weeks ends on 30 November: nobody is due.
    let o = overview::overview(&v, &q(2, 3), monday, now()).unwrap();
    assert!(row(&o, Some("Grace Hopper")).due.is_empty());

    // On the due date itself the review is due, not overdue (a week ahead takes in Ava's
    // 10 December too).
    let o = overview::overview(&v, &q(1, 3), D2, now()).unwrap();
    let grace = row(&o, Some("Grace Hopper"));
    assert_eq!(ids(&grace.due), vec![k.leo, k.mia, k.ava]);
    assert_eq!(
        grace
            .overdue
            .iter()
            .find(|p| p.pupil_id == k.mia)
            .unwrap()
            .count,
        1
    );
    // The day after, Mia has two overdue and Leo one.
    let o = overview::overview(&v, &q(1, 3), D2 + Duration::days(1), now()).unwrap();
    let grace = row(&o, Some("Grace Hopper"));
    let count = |id| {
        grace
            .overdue
            .iter()
            .find(|p| p.pupil_id == id)
            .unwrap()
            .count
    };
    assert_eq!((count(k.mia), count(k.leo)), (2, 1));

    // Sessions: with one week, Ava (31 Oct) and Eve (1 Nov) are not recent; Mia (20 Nov) is.
    let o = overview::overview(&v, &q(4, 1), today(), now()).unwrap();
    assert_eq!(
        ids(&row(&o, Some("Grace Hopper")).no_recent_session),
        vec![k.leo, k.ava]
    );
    assert_eq!(
        ids(&row(&o, Some("Ada Lovelace")).no_recent_session),
        vec![k.eve]
    );
    // With four weeks (since 25 October) Ava's 31 October counts as recent.
    let o = overview::overview(&v, &q(4, 4), today(), now()).unwrap();
    assert_eq!(
        ids(&row(&o, Some("Grace Hopper")).no_recent_session),
        vec![k.leo]
    );
}

#[test]
fn weeks_out_of_range_name_their_field() {
    let (_s, v, _k) = known_school();
    for (q, field) in [
        (
            OverviewQuery {
                due_weeks: 0,
                session_weeks: 3,
            },
            "due_weeks",
        ),
        (
            OverviewQuery {
                due_weeks: 4,
                session_weeks: 53,
            },
            "session_weeks",
        ),
    ] {
        let e = overview::overview(&v, &q, today(), now()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert_eq!(e.field(), Some(field));
        assert!(e.to_string().contains("between 1 and 52"), "{e}");
    }
}

#[test]
fn only_a_strategic_lead_sees_the_overview_and_it_is_audited_with_no_content() {
    let (s, v, _k) = known_school();
    overview::overview(&v, &OverviewQuery::default(), today(), now()).unwrap();
    let last = last_audit(&v);
    assert_eq!(
        (last.action.as_str(), last.target, last.outcome.as_str()),
        ("overview.view", None, "ok")
    );
    drop(v);

    let ka = unlock(&s.dir, &s.ka1_id, KA1_PASS);
    let e = overview::overview(&ka, &OverviewQuery::default(), today(), now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotPermitted);
    assert!(e.to_string().starts_with("Not permitted"), "{e}");
    let last = last_audit(&ka);
    assert_eq!(
        (
            last.action.as_str(),
            last.outcome.as_str(),
            last.actor_name.as_str()
        ),
        ("overview.view", "refused", "Grace Hopper")
    );
}

#[test]
fn a_removed_key_adult_still_holding_pupils_is_listed_as_removed() {
    let (s, mut v) = school();
    let p = add_assigned(&mut v, &pupil("Ned", "Kept", None), &s.ka2_id);
    v.remove_user(&s.ka2_id, &mut rng(3), now()).unwrap();
    let o = overview::overview(&v, &OverviewQuery::default(), today(), now()).unwrap();
    let alan = row(&o, Some("Alan Turing"));
    assert!(alan.removed);
    assert_eq!(alan.caseload, 1);
    assert_eq!(ids(&alan.no_recent_session), vec![p]);
}

/// What the bulk school should give for pupil `i`: (has an overdue review, no recent session).
struct Expected {
    overdue: usize,
    stale: usize,
}

/// Fills the vault with `n` pupils spread over five key adults, each with a six-weekly plan
/// (stored due dates, mostly held) and a
/// session every week for two years, stopping 0 to 5 weeks ago, straight into the tables in one
/// transaction (the domain's own writes are tested elsewhere; this is about reading speed).
fn bulk_school(v: &mut Vault, lead: &str, n: i64) -> Expected {
    let mut r = rng(11);
    let mut key_adults = Vec::new();
    for i in 0..5 {
        let u = v
            .add_user(
                &format!("Key Adult {i}"),
                attune_vault::Role::KeyAdult,
                &attune_vault::Passphrase::new("bulk key adult passphrase 77"),
                &mut r,
                now(),
            )
            .unwrap();
        key_adults.push(u.id);
    }
    let since = today() - Duration::weeks(3);
    let mut expected = Expected {
        overdue: 0,
        stale: 0,
    };
    let tx = v.conn_mut().unwrap().transaction().unwrap();
    for i in 0..n {
        let ka = &key_adults[(i % 5) as usize];
        tx.execute(
            "INSERT INTO pupils (id, legal_forename, legal_surname, date_of_birth, year_group,
                                 key_adult_id, created_at, updated_at)
             VALUES (?1, 'Pupil', ?2, '2016-01-01', 'Y5', ?3, 'x', 'x')",
            params![i + 1, format!("Number{i}"), ka],
        )
        .unwrap();
        tx.execute(
            "INSERT INTO plans (id, pupil_id, framework_id, start_date, horizon_end, cadence,
                                created_at, created_by)
             VALUES (?1, ?1, 'secure-base', '2025-01-06', '2028-01-06', 'six_weekly', 'x', ?2)",
            params![i + 1, lead],
        )
        .unwrap();
        let mut due = date!(2025 - 02 - 17);
        let mut overdue = false;
        while due < date!(2028 - 01 - 06) {
            // The last date before today is 9 November 2026: every seventh pupil has held
            // nothing, every third of the rest has not held that one yet.
            let held = i % 7 != 0 && (due < date!(2026 - 11 - 01) || i % 3 != 0);
            overdue |= !held && due < today();
            tx.execute(
                "INSERT INTO review_due_dates (plan_id, due_date, provisional, held_at)
                 VALUES (?1, ?2, 0, ?3)",
                params![i + 1, due.to_string(), held.then(|| due.to_string())],
            )
            .unwrap();
            due += Duration::weeks(6);
        }
        expected.overdue += usize::from(overdue);
        let mut d = date!(2024 - 11 - 25) + Duration::days(i % 5);
        let mut last = None;
        while d <= today() - Duration::weeks(i % 6) {
            tx.execute(
                "INSERT INTO sessions (pupil_id, held_on, minutes, kind, created_at)
                 VALUES (?1, ?2, 20, 'check_in', 'x')",
                params![i + 1, d.to_string()],
            )
            .unwrap();
            last = Some(d);
            d += Duration::weeks(1);
        }
        expected.stale += usize::from(last.is_none_or(|l| l < since));
    }
    tx.commit().unwrap();
    expected
}

fn query_plan(conn: &rusqlite::Connection, sql: &str, with_dates: bool) -> Vec<String> {
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    let detail = |r: &rusqlite::Row<'_>| r.get::<_, String>(3);
    let rows: Vec<rusqlite::Result<String>> = if with_dates {
        stmt.query_map(
            rusqlite::named_params! { ":today": "2026-11-22", ":until": "2026-12-20" },
            detail,
        )
        .unwrap()
        .collect()
    } else {
        stmt.query_map([], detail).unwrap().collect()
    };
    rows.into_iter().map(|r| r.unwrap()).collect()
}

#[test]
fn five_hundred_pupils_take_two_queries_on_indexes() {
    let (s, mut v) = school();
    let expected = bulk_school(&mut v, &s.lead_id, 500);
    assert!(
        expected.overdue > 72 && expected.overdue < 500,
        "{}",
        expected.overdue
    );
    assert!(
        expected.stale > 0 && expected.stale < 500,
        "{}",
        expected.stale
    );
    let conn = v.conn().unwrap();
    let sessions: i64 = conn
        .query_row("SELECT count(*) FROM sessions", [], |r| r.get(0))
        .unwrap();
    assert!(sessions > 40_000, "{sessions}");

    // The query plans: sessions, due dates and reviews are searched by index, never scanned
    // whole.
    for (sql, with_dates) in [(overview::PUPILS_SQL, true), (overview::USERS_SQL, false)] {
        let plan = query_plan(conn, sql, with_dates);
        println!("{}\n", plan.join("\n"));
        for line in &plan {
            for table in ["sessions", "review_due_dates", "reviews"] {
                assert!(
                    !line.starts_with(&format!("SCAN {table}")),
                    "full scan of {table}: {plan:?}"
                );
            }
        }
    }

    let started = std::time::Instant::now();
    let o = overview::overview(&v, &OverviewQuery::default(), today(), now()).unwrap();
    let took = started.elapsed();
    println!("overview of 500 pupils, {sessions} sessions: {took:?}");
    assert_eq!(o.total_pupils, 500);
    assert_eq!(o.rows.iter().map(|r| r.caseload).sum::<u32>(), 500);
    assert_eq!(
        o.rows.iter().map(|r| r.overdue.len()).sum::<usize>(),
        expected.overdue
    );
    assert_eq!(
        o.rows
            .iter()
            .map(|r| r.no_recent_session.len())
            .sum::<usize>(),
        expected.stale
    );
    assert!(
        took < std::time::Duration::from_secs(2),
        "the overview took {took:?}"
    );
}
