//! Handover into an existing record (issue 15, item 2): a pack from the sending school added
//! to the pupil the receiving school already holds from its MIS. Every check reads the vault
//! with its own SQL, not through the code under test.

mod common;
use common::*;

use std::collections::BTreeMap;

use attune_domain::date;
use attune_domain::model::*;
use attune_domain::planning::{plans, reviews};
use attune_domain::record::{profile, pupils, records};
use attune_domain::rules::schedule::Cadence;
use attune_domain::transfer::handover::{self, OpenedPack};
use attune_domain::transfer::handover_merge::{
    self as merge, Comparison, IdentityField, MergeChoices,
};
use attune_domain::transfer::retention;
use attune_vault::{ErrorKind, Vault};
use rusqlite::types::Value;

const UPN_N: u64 = 313_131_313_131;

/// The sending school's pupil: something in every part of the record.
fn sending_pupil(v: &mut Vault, ka: &str) -> i64 {
    let mut input = pupil("Zoë", "Brindlemoss", Some(&upn(UPN_N)));
    input.year_group = "Year 5".into();
    let id = add_assigned(v, &input, ka);
    let (_plan, goal, review) = plan_with_review(v, id);
    reviews::save_review_draft(v, review, &review_input(goal, "Sending voice", 4), now()).unwrap();
    reviews::sign_review(v, review, now()).unwrap();
    profile::save_profile(
        v,
        id,
        &Profile {
            strengths_interests: "Loves Marmaladeflask stories".into(),
            story: "Moved after Obsidianwhistle".into(),
            ..Profile::default()
        },
        now(),
    )
    .unwrap();
    profile::add_agency_advice(
        v,
        id,
        &AgencyAdviceInput {
            agency: AgencyKind::EducationalPsychologist,
            source: "Dr Vorlaufer".into(),
            advised_on: date!(2026 - 10 - 01),
            advice: "Use Periwinklestone routines".into(),
        },
        now(),
    )
    .unwrap();
    profile::set_team(
        v,
        id,
        &[TeamMemberInput {
            name: "Auntie Quill".into(),
            role: "carer".into(),
        }],
        now(),
    )
    .unwrap();
    for (d, note) in [
        (date!(2026 - 11 - 02), "Sending: Saffronharbour"),
        (date!(2026 - 11 - 03), "Sending: calm morning"),
    ] {
        records::log_session(
            v,
            id,
            &SessionInput {
                held_on: d,
                minutes: 20,
                kind: SessionKind::Planned,
                regulation: Some(4),
                note: note.into(),
                safeguarding_ref: None,
            },
            now(),
        )
        .unwrap();
    }
    records::add_chronology_event(
        v,
        id,
        &ChronologyInput {
            occurred_on: date!(2026 - 06 - 01),
            kind: ChronologyKind::PlacementMove,
            description: "Sending: moved placement".into(),
            safeguarding_ref: None,
        },
        now(),
    )
    .unwrap();
    records::add_score(
        v,
        id,
        &ScoreInput {
            instrument: Instrument::Sdq,
            subscale: None,
            score: Some(23),
            stage: None,
            completed_on: date!(2026 - 10 - 01),
            completed_by: "Class teacher".into(),
        },
        now(),
    )
    .unwrap();
    for (term, pct) in [("autumn 2026", 81.5), ("summer 2026", 77.0)] {
        records::set_indicators(
            v,
            id,
            &IndicatorsInput {
                term: term.into(),
                attendance_pct: Some(pct),
                exclusion_days: Some(0.0),
                physical_interventions: Some(0),
            },
            now(),
        )
        .unwrap();
    }
    id
}

/// The receiving school's pupil from its MIS, with a little record of its own: a current plan,
/// a session, an event, its own autumn figures, "about me" with strengths but no story.
fn held_pupil(v: &mut Vault, ka: &str, dob: chrono::NaiveDate) -> i64 {
    let mut input = pupil("Zoe", "Brindlemoss", Some(&upn(UPN_N)));
    input.preferred_name = Some("Zo".into());
    input.year_group = "Year 6".into();
    input.date_of_birth = dob;
    input.care_status = Some("Child in need".into());
    input.support_level = Some("Additional".into());
    let id = add_assigned(v, &input, ka);
    // Its own plan, started when the pupil arrived.
    let plan = plans::start_plan(
        v,
        id,
        &PlanInput {
            framework_id: None,
            start: date!(2026 - 11 - 16),
            horizon_end: date!(2029 - 07 - 20),
            cadence: Cadence::HalfTermly,
        },
        &frameworks(),
        today(),
        now(),
    )
    .unwrap();
    plans::add_goal(
        v,
        plan.id,
        &GoalInput {
            domain_id: "belonging".into(),
            outcome: "Held: settles in class".into(),
            baseline: 2,
            target: 7,
            strategies: String::new(),
            who: String::new(),
            how_often: String::new(),
            pp_plus_cost_pence: None,
        },
        &frameworks(),
        now(),
    )
    .unwrap();
    records::log_session(
        v,
        id,
        &SessionInput {
            held_on: date!(2026 - 11 - 16),
            minutes: 15,
            kind: SessionKind::CheckIn,
            regulation: None,
            note: "Held: first week here".into(),
            safeguarding_ref: None,
        },
        now(),
    )
    .unwrap();
    records::add_chronology_event(
        v,
        id,
        &ChronologyInput {
            occurred_on: date!(2026 - 11 - 16),
            kind: ChronologyKind::Transition,
            description: "Held: joined the school".into(),
            safeguarding_ref: None,
        },
        now(),
    )
    .unwrap();
    records::set_indicators(
        v,
        id,
        &IndicatorsInput {
            term: "autumn 2026".into(),
            attendance_pct: Some(96.0),
            exclusion_days: None,
            physical_interventions: None,
        },
        now(),
    )
    .unwrap();
    profile::save_profile(
        v,
        id,
        &Profile {
            strengths_interests: "Held: likes drawing".into(),
            ..Profile::default()
        },
        now(),
    )
    .unwrap();
    profile::set_team(
        v,
        id,
        &[TeamMemberInput {
            name: "Mrs Held".into(),
            role: "class teacher".into(),
        }],
        now(),
    )
    .unwrap();
    id
}

/// The pack's bytes and passphrase, exported from a sending school.
fn pack_bytes() -> (Vec<u8>, String) {
    let (s, mut v) = school();
    let id = sending_pupil(&mut v, &s.ka1_id);
    let (bytes, pass) =
        handover::export_handover(&v, id, &frameworks(), &mut rng(21), now()).unwrap();
    (bytes, pass.expose().to_string())
}

fn open(v: &Vault, bytes: &[u8], pass: &str) -> OpenedPack {
    handover::open_pack(v, bytes, pass, &frameworks(), now()).unwrap()
}

/// Every row about pupil `id`, table by table, each row as the text of its values.
const TABLES: &[(&str, &str)] = &[
    ("pupils", "SELECT * FROM pupils WHERE id = ?1"),
    ("pupil_identifiers", "SELECT * FROM pupil_identifiers WHERE pupil_id = ?1"),
    ("assignments", "SELECT * FROM assignments WHERE pupil_id = ?1"),
    ("profiles", "SELECT * FROM profiles WHERE pupil_id = ?1"),
    ("agency_advice", "SELECT * FROM agency_advice WHERE pupil_id = ?1"),
    ("team_members", "SELECT * FROM team_members WHERE pupil_id = ?1"),
    ("plans", "SELECT * FROM plans WHERE pupil_id = ?1"),
    ("goals", "SELECT g.* FROM goals g JOIN plans p ON p.id = g.plan_id WHERE p.pupil_id = ?1"),
    ("review_due_dates", "SELECT d.* FROM review_due_dates d JOIN plans p ON p.id = d.plan_id WHERE p.pupil_id = ?1"),
    ("reviews", "SELECT r.* FROM reviews r JOIN plans p ON p.id = r.plan_id WHERE p.pupil_id = ?1"),
    ("review_goal_ratings", "SELECT x.* FROM review_goal_ratings x JOIN reviews r ON r.id = x.review_id JOIN plans p ON p.id = r.plan_id WHERE p.pupil_id = ?1"),
    ("review_amendments", "SELECT a.* FROM review_amendments a JOIN reviews r ON r.id = a.review_id JOIN plans p ON p.id = r.plan_id WHERE p.pupil_id = ?1"),
    ("sessions", "SELECT * FROM sessions WHERE pupil_id = ?1"),
    ("chronology", "SELECT * FROM chronology WHERE pupil_id = ?1"),
    ("instrument_scores", "SELECT * FROM instrument_scores WHERE pupil_id = ?1"),
    ("termly_indicators", "SELECT * FROM termly_indicators WHERE pupil_id = ?1"),
];

fn dump(v: &Vault, id: i64) -> BTreeMap<&'static str, Vec<String>> {
    let conn = v.conn().unwrap();
    TABLES
        .iter()
        .map(|(name, sql)| {
            let mut stmt = conn.prepare(sql).unwrap();
            let n = stmt.column_count();
            let mut rows: Vec<String> = stmt
                .query_map([id], |r| {
                    (0..n)
                        .map(|i| r.get::<_, Value>(i))
                        .collect::<rusqlite::Result<Vec<_>>>()
                        .map(|v| format!("{v:?}"))
                })
                .unwrap()
                .map(Result::unwrap)
                .collect();
            rows.sort();
            (*name, rows)
        })
        .collect()
}

fn one<T: rusqlite::types::FromSql>(v: &Vault, sql: &str, id: i64) -> T {
    v.conn()
        .unwrap()
        .query_row(sql, [id], |r| r.get(0))
        .unwrap()
}

fn all_rows(v: &Vault) -> i64 {
    let conn = v.conn().unwrap();
    let tables: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
             AND name NOT LIKE 'search_index%' AND name NOT LIKE 'sync_%' AND name <> 'audit_log'",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    tables
        .iter()
        .map(|t| {
            conn.query_row(&format!("SELECT count(*) FROM \"{t}\""), [], |r| {
                r.get::<_, i64>(0)
            })
            .unwrap()
        })
        .sum()
}

#[test]
fn preview_sets_the_pack_beside_the_held_record_and_writes_nothing() {
    let (bytes, pass) = pack_bytes();
    let (t, mut dst) = school();
    let held = held_pupil(&mut dst, &t.ka1_id, date!(2016 - 03 - 04));
    let pack = open(&dst, &bytes, &pass);
    let rows_before = all_rows(&dst);

    // No pupil named: the one holding the pack's UPN.
    let p = merge::preview_handover_into(&dst, &pack, None, now()).unwrap();
    assert_eq!(p.pupil_id, held);
    let field = |f: IdentityField| p.fields.iter().find(|c| c.field == f).unwrap().clone();
    let forename = field(IdentityField::LegalForename);
    assert_eq!(forename.comparison, Comparison::Different);
    assert_eq!(
        (forename.pack.as_deref(), forename.held.as_deref()),
        (Some("Zoë"), Some("Zoe"))
    );
    assert!(forename.choosable);
    assert_eq!(
        field(IdentityField::LegalSurname).comparison,
        Comparison::Same
    );
    assert_eq!(field(IdentityField::Upn).comparison, Comparison::Same);
    assert_eq!(
        field(IdentityField::DateOfBirth).comparison,
        Comparison::Same
    );
    assert_eq!(
        field(IdentityField::PreferredName).comparison,
        Comparison::OnlyHeld
    );
    let year = field(IdentityField::YearGroup);
    assert_eq!(
        (year.comparison, year.pack.as_deref(), year.held.as_deref()),
        (Comparison::Different, Some("Year 5"), Some("Year 6"))
    );
    assert_eq!(
        field(IdentityField::CareStatus).comparison,
        Comparison::Different
    );
    assert_eq!(
        field(IdentityField::ScottishCandidateNumber).comparison,
        Comparison::Neither
    );
    assert!(!p.date_of_birth_differs);
    assert!(p.pack_plan_becomes_history);
    assert!(!p.already_merged);
    let c = p.counts;
    assert_eq!(
        (
            c.plans,
            c.goals,
            c.reviews,
            c.sessions,
            c.chronology,
            c.scores
        ),
        (1, 1, 1, 2, 1, 1)
    );
    assert_eq!(
        (
            c.indicators,
            c.agency_advice,
            c.team_members,
            c.profile_fields
        ),
        (1, 1, 1, 1),
        "summer's figures are new, autumn's are held; the story fills an empty field"
    );
    assert_eq!((c.already_held, c.kept_as_held), (0, 2));

    assert_eq!(all_rows(&dst), rows_before, "a preview writes nothing");
    let a = last_audit(&dst);
    assert_eq!(
        (a.action.as_str(), a.target.as_deref()),
        ("handover.preview", Some(&*format!("pupil:{held}")))
    );
}

#[test]
fn merge_adds_the_pack_keeps_every_held_row_and_takes_only_what_is_chosen() {
    let (bytes, pass) = pack_bytes();
    let (t, mut dst) = school();
    let held = held_pupil(&mut dst, &t.ka1_id, date!(2016 - 03 - 04));
    let pack = open(&dst, &bytes, &pass);
    let before = dump(&dst, held);
    let pupils_before: i64 = one(&dst, "SELECT count(*) FROM pupils WHERE id <> ?1", held);

    let out = merge::merge_handover(
        &mut dst,
        &pack,
        Some(held),
        &MergeChoices {
            take: vec![IdentityField::LegalForename],
            confirm_date_of_birth: false,
        },
        today(),
        now(),
    )
    .unwrap();
    assert_eq!(out.taken, [IdentityField::LegalForename]);
    let after = dump(&dst, held);

    // Every held row is still there, unchanged, except the pupil's row (the forename taken)
    // and "about me" (an empty field filled).
    for (table, rows) in &before {
        if matches!(*table, "pupils" | "profiles") {
            continue;
        }
        for row in rows {
            assert!(
                after[table].contains(row),
                "{table}: held row {row} changed or went"
            );
        }
    }
    // What was added: the pack's rows, and one chronology event saying so.
    let added = |t: &str| after[t].len() - before[t].len();
    assert_eq!(added("plans"), 1);
    assert_eq!(added("goals"), 1);
    assert_eq!(added("reviews"), 1);
    assert_eq!(added("review_goal_ratings"), 1);
    assert_eq!(added("sessions"), 2);
    assert_eq!(
        added("chronology"),
        2,
        "the pack's event and the merge's own"
    );
    assert_eq!(added("instrument_scores"), 1);
    assert_eq!(added("termly_indicators"), 1);
    assert_eq!(added("agency_advice"), 1);
    assert_eq!(added("team_members"), 1);
    assert_eq!(added("assignments"), 0);
    assert_eq!(added("pupil_identifiers"), 0);
    assert_eq!(
        one::<i64>(&dst, "SELECT count(*) FROM pupils WHERE id <> ?1", held),
        pupils_before,
        "no new pupil"
    );

    // Identity: the forename taken, everything else as held.
    let (fore, sur, pref, year, care, support, dob): (
        String,
        String,
        Option<String>,
        String,
        Option<String>,
        Option<String>,
        String,
    ) = dst
        .conn()
        .unwrap()
        .query_row(
            "SELECT legal_forename, legal_surname, preferred_name, year_group, care_status,
                    support_level, date_of_birth FROM pupils WHERE id = ?1",
            [held],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            },
        )
        .unwrap();
    assert_eq!(fore, "Zoë");
    assert_eq!(sur, "Brindlemoss");
    assert_eq!(pref.as_deref(), Some("Zo"));
    assert_eq!(year, "Y6");
    assert_eq!(care.as_deref(), Some("Child in need"));
    assert_eq!(support.as_deref(), Some("Additional"));
    assert_eq!(dob, "2016-03-04");

    // "About me": the held strengths kept, the empty story filled from the pack.
    let (strengths, story): (String, String) = dst
        .conn()
        .unwrap()
        .query_row(
            "SELECT strengths_interests, story FROM profiles WHERE pupil_id = ?1",
            [held],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(strengths, "Held: likes drawing");
    assert_eq!(story, "Moved after Obsidianwhistle");
    // The held autumn figures stay; summer's came from the pack.
    let autumn: f64 = one(
        &dst,
        "SELECT attendance_pct FROM termly_indicators WHERE pupil_id = ?1 AND lower(term_label) = 'autumn 2026'",
        held,
    );
    assert_eq!(autumn, 96.0);

    // The held plan is still the current one; the pack's is history, closed at the merge.
    let active: i64 = one(
        &dst,
        "SELECT count(*) FROM plans WHERE pupil_id = ?1 AND status = 'active'",
        held,
    );
    assert_eq!(active, 1);
    let closed_at: String = one(
        &dst,
        "SELECT closed_at FROM plans WHERE pupil_id = ?1 AND status = 'closed'",
        held,
    );
    assert_eq!(closed_at, attune_vault::datetime::format_instant(now()));
    // The sending school's rows carry no staff of this vault; the held ones keep theirs.
    let sending_sessions: i64 = one(
        &dst,
        "SELECT count(*) FROM sessions WHERE pupil_id = ?1 AND note LIKE 'Sending:%' AND recorded_by IS NULL",
        held,
    );
    assert_eq!(sending_sessions, 2);
    let held_session_by: Option<String> = one(
        &dst,
        "SELECT recorded_by FROM sessions WHERE pupil_id = ?1 AND note LIKE 'Held:%'",
        held,
    );
    assert_eq!(held_session_by.as_deref(), Some(&*t.lead_id));
    let marker: (String, Option<String>) = dst
        .conn()
        .unwrap()
        .query_row(
            "SELECT description, recorded_by FROM chronology WHERE pupil_id = ?1
             AND description LIKE 'Record from the previous school%'",
            [held],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(marker.0.contains("2 sessions"), "{}", marker.0);
    assert_eq!(marker.1.as_deref(), Some(&*t.lead_id));
    // The search index follows: the pack's note is found under the held pupil.
    let found: i64 = one(
        &dst,
        "SELECT count(*) FROM search_index WHERE search_index MATCH 'Saffronharbour' AND pupil_id = ?1",
        held,
    );
    assert_eq!(found, 1);
    let a = last_audit(&dst);
    assert_eq!(
        (a.action.as_str(), a.target.as_deref()),
        ("handover.merge", Some(&*format!("pupil:{held}")))
    );

    // The same pack again: refused, saying so; nothing changes.
    let again = dump(&dst, held);
    let p = merge::preview_handover_into(&dst, &pack, Some(held), now()).unwrap();
    assert!(p.already_merged);
    assert_eq!(p.counts.added(), 0);
    let e = merge::merge_handover(
        &mut dst,
        &pack,
        Some(held),
        &MergeChoices::default(),
        today(),
        now(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AlreadyExists, "{e}");
    assert!(e.to_string().contains("already been added"), "{e}");
    assert_eq!(dump(&dst, held), again);
    // Nor does importing it as a new pupil work: the error names the held record.
    let e = handover::import_handover(&mut dst, &bytes, &pass, None, &frameworks(), today(), now())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AlreadyExists);
    assert!(e.to_string().contains(&format!("record {held}")), "{e}");
}

#[test]
fn the_pack_plan_becomes_current_when_the_held_pupil_has_none() {
    let (bytes, pass) = pack_bytes();
    let (t, mut dst) = school();
    let held = add_assigned(
        &mut dst,
        &pupil("Zoë", "Brindlemoss", Some(&upn(UPN_N))),
        &t.ka1_id,
    );
    let pack = open(&dst, &bytes, &pass);
    let p = merge::preview_handover_into(&dst, &pack, Some(held), now()).unwrap();
    assert!(!p.pack_plan_becomes_history);
    merge::merge_handover(
        &mut dst,
        &pack,
        Some(held),
        &MergeChoices::default(),
        today(),
        now(),
    )
    .unwrap();
    let active: i64 = one(
        &dst,
        "SELECT count(*) FROM plans WHERE pupil_id = ?1 AND status = 'active'",
        held,
    );
    assert_eq!(active, 1);
}

#[test]
fn taken_fields_replace_the_held_values_and_are_checked() {
    let (bytes, pass) = pack_bytes();
    let (t, mut dst) = school();
    let held = held_pupil(&mut dst, &t.ka1_id, date!(2016 - 03 - 04));
    let pack = open(&dst, &bytes, &pass);
    // A field that is the same cannot be "taken".
    let e = merge::merge_handover(
        &mut dst,
        &pack,
        Some(held),
        &MergeChoices {
            take: vec![IdentityField::LegalSurname],
            confirm_date_of_birth: false,
        },
        today(),
        now(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert_eq!(
        one::<i64>(
            &dst,
            "SELECT count(*) FROM sessions WHERE pupil_id = ?1",
            held
        ),
        1,
        "nothing written"
    );
    merge::merge_handover(
        &mut dst,
        &pack,
        Some(held),
        &MergeChoices {
            take: vec![
                IdentityField::YearGroup,
                IdentityField::CareStatus,
                IdentityField::SupportLevel,
            ],
            confirm_date_of_birth: false,
        },
        today(),
        now(),
    )
    .unwrap();
    let (fore, year, care, support): (String, String, Option<String>, Option<String>) = dst
        .conn()
        .unwrap()
        .query_row(
            "SELECT legal_forename, year_group, care_status, support_level FROM pupils WHERE id = ?1",
            [held],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(fore, "Zoe", "not taken, kept");
    assert_eq!(year, "Y5");
    assert_eq!(care.as_deref(), Some("Looked after"));
    assert_eq!(support.as_deref(), Some("Intensive"));
    // The taken values are changes in the status history, from today (issue 15, item 3).
    let newest: Vec<(String, Option<String>, String)> = dst
        .conn()
        .unwrap()
        .prepare(
            "SELECT kind, value, effective_from FROM pupil_status_history h
             WHERE pupil_id = ?1 AND effective_from = (SELECT max(effective_from)
                 FROM pupil_status_history WHERE pupil_id = h.pupil_id AND kind = h.kind)
             ORDER BY kind",
        )
        .unwrap()
        .query_map([held], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let day = today().format("%Y-%m-%d").to_string();
    assert_eq!(
        newest,
        [
            (
                "care_status".to_string(),
                Some("Looked after".to_string()),
                day.clone()
            ),
            (
                "support_level".to_string(),
                Some("Intensive".to_string()),
                day
            ),
        ]
    );
}

#[test]
fn a_different_date_of_birth_needs_the_leads_confirmation() {
    let (bytes, pass) = pack_bytes();
    let (t, mut dst) = school();
    let held = held_pupil(&mut dst, &t.ka1_id, date!(2016 - 03 - 05));
    let pack = open(&dst, &bytes, &pass);
    let p = merge::preview_handover_into(&dst, &pack, Some(held), now()).unwrap();
    assert!(p.date_of_birth_differs);
    let before = dump(&dst, held);
    let e = merge::merge_handover(
        &mut dst,
        &pack,
        Some(held),
        &MergeChoices::default(),
        today(),
        now(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("4 March 2016"), "{e}");
    assert!(e.to_string().contains("5 March 2016"), "{e}");
    assert_eq!(dump(&dst, held), before);
    merge::merge_handover(
        &mut dst,
        &pack,
        Some(held),
        &MergeChoices {
            take: vec![],
            confirm_date_of_birth: true,
        },
        today(),
        now(),
    )
    .unwrap();
    let dob: String = one(&dst, "SELECT date_of_birth FROM pupils WHERE id = ?1", held);
    assert_eq!(
        dob, "2016-03-05",
        "confirmed, but not taken: the held date stays"
    );
    // Again, unconfirmed: what is said is that it was added already, not the date.
    let e = merge::merge_handover(
        &mut dst,
        &pack,
        Some(held),
        &MergeChoices::default(),
        today(),
        now(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AlreadyExists, "{e}");
}

#[test]
fn a_missing_erased_or_departed_pupil_is_refused_and_so_is_a_key_adult() {
    let (bytes, pass) = pack_bytes();
    let (t, mut dst) = school();
    let pack = open(&dst, &bytes, &pass);
    let try_merge = |v: &mut Vault, id: Option<i64>| {
        merge::merge_handover(v, &pack, id, &MergeChoices::default(), today(), now())
    };
    // Nobody holds the UPN, and no pupil named.
    let e = try_merge(&mut dst, None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    let e = try_merge(&mut dst, Some(9_999)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.to_string().contains("no pupil 9999"), "{e}");

    let gone = add_assigned(&mut dst, &pupil("Left", "Pupil", None), &t.ka1_id);
    pupils::mark_left(&mut dst, gone, today(), now()).unwrap();
    let e = try_merge(&mut dst, Some(gone)).unwrap_err();
    assert!(e.to_string().contains("has left"), "{e}");
    assert_eq!(
        one::<i64>(
            &dst,
            "SELECT count(*) FROM sessions WHERE pupil_id = ?1",
            gone
        ),
        0
    );

    let erased = add_assigned(&mut dst, &pupil("Erased", "Pupil", None), &t.ka1_id);
    retention::erase_on_request(&mut dst, erased, "added in error", now()).unwrap();
    let e = try_merge(&mut dst, Some(erased)).unwrap_err();
    assert!(e.to_string().contains("was erased"), "{e}");

    let held = add_assigned(
        &mut dst,
        &pupil("Zoë", "Brindlemoss", Some(&upn(UPN_N))),
        &t.ka1_id,
    );
    dst.lock("test", now());
    let mut ka = unlock(&t.dir, &t.ka1_id, KA1_PASS);
    let e = merge::merge_handover(
        &mut ka,
        &pack,
        Some(held),
        &MergeChoices::default(),
        today(),
        now(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotPermitted);
    let a = last_audit(&ka);
    assert_eq!(
        (a.action.as_str(), a.outcome.as_str()),
        ("handover.merge", "refused")
    );
}

#[test]
fn a_merge_travels_to_the_key_adults_laptop() {
    use attune_domain::transfer::{scope, sync};
    let (bytes, pass) = pack_bytes();
    let (t, mut dst) = school();
    let held = held_pupil(&mut dst, &t.ka1_id, date!(2016 - 03 - 04));
    let mut r = rng(63);
    let (_laptop_dir, mut lv) = laptop(&mut dst, &t.ka1_id, &mut r);
    let sessions =
        |v: &Vault| -> i64 { one(v, "SELECT count(*) FROM sessions WHERE pupil_id = ?1", held) };
    assert_eq!(sessions(&lv), 1);

    let pack = open(&dst, &bytes, &pass);
    merge::merge_handover(
        &mut dst,
        &pack,
        Some(held),
        &MergeChoices {
            take: vec![IdentityField::LegalForename],
            confirm_date_of_birth: false,
        },
        today(),
        now(),
    )
    .unwrap();
    let (down, _) = sync::export(&mut dst, Some(1), &mut r, now()).unwrap();
    sync::import(&mut lv, &down, &mut r, now()).expect("the laptop takes it in");
    assert_eq!(sessions(&lv), 3);
    let fore: String = one(&lv, "SELECT legal_forename FROM pupils WHERE id = ?1", held);
    assert_eq!(fore, "Zoë");
    let school_digest =
        scope::digest(dst.conn().unwrap(), scope::Scope::Caseload(&t.ka1_id)).unwrap();
    let laptop_digest =
        scope::digest(lv.conn().unwrap(), scope::Scope::Caseload(&t.ka1_id)).unwrap();
    assert_eq!(school_digest.hex(), laptop_digest.hex());
}
