//! Record ids from the vault's device range (issue 17): every row the domain writes lands in
//! its own device's range, whatever other devices' rows a table already holds. The oracle is
//! SQL over the whole schema (every table with an `INTEGER PRIMARY KEY id`), with the ranges
//! written out here as numbers, never `attune_vault::ids::next_id` itself.

mod common;
use common::*;

use std::collections::{BTreeMap, BTreeSet, HashSet};

use attune_domain::date;
use attune_domain::lead::supervision::{self, SupervisionKind, SupervisionNoteInput};
use attune_domain::model::*;
use attune_domain::rules::schedule::Cadence;
use attune_domain::transfer::handover;
use attune_domain::transfer::import;
use attune_domain::transfer::mis_update::{self, UpdateChoices};
use attune_domain::{
    planning::plans, planning::reviews, record::profile, record::pupils, record::records,
    record::search, transfer::vault_import,
};
use attune_vault::ids::set_device_no;
use attune_vault::Vault;
use rusqlite::Connection;

/// 2^40: the width of a device's range.
const RANGE: i64 = 1_099_511_627_776;
/// 2^53: the largest whole number JavaScript holds exactly.
const JS_SAFE: i64 = 9_007_199_254_740_992;
/// A laptop's row (device 9), as if received by sync.
const FROM_DEVICE_9: i64 = 9 * RANGE + 100;
/// A high id of the school's (device 0), as if received by sync.
const HIGH_DEVICE_0: i64 = 900_000_000_000;

/// Tables that never leave the vault and keep SQLite's own numbering.
const LOCAL_ONLY: &[&str] = &[
    "audit_log",
    "audit_secret",
    "keyslot_copy",
    "published_summaries",
    // The lead's earlier versions of supervision notes: never synced (ids chosen by SQLite).
    "supervision_note_versions",
    "sync_base_key",
    "sync_conflicts",
    "sync_device",
    "sync_identity",
];

/// Every ordinary table (not the search index's shadow tables) whose primary key is an
/// `INTEGER id`, less the local-only ones: read from the schema itself.
fn record_tables(conn: &Connection) -> Vec<String> {
    let mut stmt = conn
        .prepare(
            "SELECT t.name FROM pragma_table_list AS t, pragma_table_info(t.name) AS c
             WHERE t.schema = 'main' AND t.type = 'table' AND t.name NOT LIKE 'sqlite_%'
               AND c.name = 'id' AND c.pk = 1 AND upper(c.type) = 'INTEGER'
             ORDER BY t.name",
        )
        .unwrap();
    let names: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    names
        .into_iter()
        .filter(|n| !LOCAL_ONLY.contains(&n.as_str()))
        .collect()
}

/// Rows in every record table with the ids given, as sync would bring them: a pupil with one
/// of everything, under `id` in every table.
fn insert_received(conn: &Connection, id: i64, user: &str) {
    let t = "2026-11-01T09:00:00Z";
    conn.execute_batch("SAVEPOINT received").unwrap();
    for sql in [
        "INSERT INTO pupils (id, legal_forename, legal_surname, date_of_birth, year_group,
             created_at, updated_at) VALUES (?1, 'Rowan', 'Received', '2016-01-01', 'Y5', ?3, ?3)",
        "INSERT INTO assignments (id, pupil_id, key_adult_id, from_date, to_date, assigned_by)
             VALUES (?1, ?1, ?2, '2026-09-01', '2026-10-01', ?2)",
        "INSERT INTO agency_advice (id, pupil_id, agency, source, advised_on, advice, created_at)
             VALUES (?1, ?1, 'other', 'x', '2026-10-01', 'x', ?3)",
        "INSERT INTO team_members (id, pupil_id, name, role, position) VALUES (?1, ?1, 'x', 'x', 1)",
        "INSERT INTO plans (id, pupil_id, framework_id, start_date, horizon_end, cadence, status,
             created_at) VALUES (?1, ?1, 'secure-base', '2026-09-01', '2028-09-01', 'termly',
             'closed', ?3)",
        "INSERT INTO goals (id, plan_id, domain_id, outcome, baseline, target, position,
             created_at, updated_at) VALUES (?1, ?1, 'belonging', 'x', 1, 5, 1, ?3, ?3)",
        "INSERT INTO sessions (id, pupil_id, held_on, minutes, kind, created_at)
             VALUES (?1, ?1, '2026-10-01', 20, 'planned', ?3)",
        "INSERT INTO chronology (id, pupil_id, occurred_on, kind, description, created_at)
             VALUES (?1, ?1, '2026-10-01', 'other', 'x', ?3)",
        "INSERT INTO instrument_scores (id, pupil_id, instrument, score, completed_on,
             completed_by, created_at) VALUES (?1, ?1, 'sdq', 12, '2026-10-01', 'x', ?3)",
        "INSERT INTO termly_indicators (id, pupil_id, term_label, updated_at)
             VALUES (?1, ?1, 'Autumn 2025', ?3)",
        "INSERT INTO reviews (id, plan_id, due_date, content, created_at, updated_at)
             VALUES (?1, ?1, '2026-10-01', '{}', ?3, ?3)",
        "INSERT INTO review_amendments (id, review_id, reason, body, created_at)
             VALUES (?1, ?1, 'x', 'x', ?3)",
        "INSERT INTO supervision_notes (id, held_on, kind, key_adult_id, created_at)
             VALUES (?1, '2026-10-01', 'supervision', ?2, ?3)",
        "INSERT INTO pupil_status_history (id, pupil_id, kind, value, effective_from,
             recorded_at, recorded_by) VALUES (?1, ?1, 'care_status', 'None', '2026-09-01', ?3, ?2)",
        "INSERT INTO record_versions (id, pupil_id, record_table, record_id, old_values, reason,
             changed_by, changed_at) VALUES (?1, ?1, 'sessions', ?1, '{}', 'x', ?2, ?3)",
    ] {
        let mut stmt = conn.prepare(sql).unwrap();
        // ?1 the id, ?2 the user, ?3 the time: each statement uses the first few.
        let values: [&dyn rusqlite::ToSql; 3] = [&id, &user, &t];
        for (i, value) in values.iter().take(stmt.parameter_count()).enumerate() {
            stmt.raw_bind_parameter(i + 1, value).unwrap();
        }
        stmt.raw_execute()
            .unwrap_or_else(|e| panic!("{e}: {sql}"));
    }
    conn.execute_batch("RELEASE received").unwrap();
}

/// Per record table: the ids not in `received`.
fn written_ids(conn: &Connection, received: &[i64]) -> BTreeMap<String, Vec<i64>> {
    let mut out = BTreeMap::new();
    for table in record_tables(conn) {
        // The name comes from sqlite_master itself.
        let ids: Vec<i64> = conn
            .prepare(&format!("SELECT id FROM \"{table}\" ORDER BY id"))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        for r in received {
            assert!(ids.contains(r), "{table}: the received row {r} is gone");
        }
        out.insert(
            table,
            ids.into_iter().filter(|i| !received.contains(i)).collect(),
        );
    }
    out
}

fn table_names(tables: &BTreeMap<String, Vec<i64>>) -> BTreeSet<&str> {
    tables.keys().map(String::as_str).collect()
}

/// A pupil with something in every part of the record, through the domain's own functions;
/// returns the pupil's id, its plan's and the plan's goal's.
fn full_pupil(v: &mut Vault, ka: &str, n: u64) -> (i64, i64, i64) {
    let id = add_assigned(v, &pupil("Ivy", "Range", Some(&upn(n))), ka);
    profile::save_profile(
        v,
        id,
        &Profile {
            story: "A story".into(),
            ..Profile::default()
        },
        now(),
    )
    .unwrap();
    profile::add_agency_advice(
        v,
        id,
        &AgencyAdviceInput {
            agency: AgencyKind::Camhs,
            source: "Clinic".into(),
            advised_on: date!(2026 - 10 - 01),
            advice: "Short tasks".into(),
        },
        now(),
    )
    .unwrap();
    profile::set_team(
        v,
        id,
        &[
            TeamMemberInput {
                name: "Aunt".into(),
                role: "carer".into(),
            },
            TeamMemberInput {
                name: "Teacher".into(),
                role: "class teacher".into(),
            },
        ],
        now(),
    )
    .unwrap();
    let plan = plans::start_plan(
        v,
        id,
        &PlanInput {
            framework_id: None,
            start: date!(2026 - 09 - 07),
            horizon_end: date!(2029 - 07 - 20),
            cadence: Cadence::Termly,
        },
        &frameworks(),
        today(),
        now(),
    )
    .unwrap();
    let goal = plans::add_goal(
        v,
        plan.id,
        &GoalInput {
            domain_id: "belonging".into(),
            outcome: "Joins a club".into(),
            baseline: 1,
            target: 6,
            strategies: String::new(),
            who: String::new(),
            how_often: String::new(),
            pp_plus_cost_pence: None,
        },
        &frameworks(),
        now(),
    )
    .unwrap();
    let r = reviews::prepare_review(v, plan.id, plan.due_dates[0].date, today(), now()).unwrap();
    reviews::save_review_draft(
        v,
        r.id,
        &ReviewInput {
            attendees: vec![AttendeeInput {
                name: "Aunt".into(),
                role: "carer".into(),
                scaling: Some(7),
            }],
            goals: vec![GoalReviewInput {
                goal_id: goal.id,
                rating: Some(4),
                evidence: "Went twice".into(),
                decision: Some(GoalDecision::Continue),
            }],
            ..ReviewInput::default()
        },
        now(),
    )
    .unwrap();
    reviews::sign_review(v, r.id, now()).unwrap();
    reviews::amend_review(v, r.id, "Spelling", "Twice, not thrice", now()).unwrap();
    let mut session = SessionInput {
        held_on: date!(2026 - 11 - 20),
        minutes: 20,
        kind: SessionKind::Planned,
        regulation: Some(4),
        note: "Calm morning with lanterns".into(),
        safeguarding_ref: None,
    };
    let logged = records::log_session(v, id, &session, now()).unwrap();
    // A correction keeps the values it replaces in a row of its own (issue 16).
    session.minutes = 25;
    attune_domain::record::corrections::correct_session(v, logged.id, &session, "25", now())
        .unwrap();
    records::add_chronology_event(
        v,
        id,
        &ChronologyInput {
            occurred_on: date!(2026 - 06 - 01),
            kind: ChronologyKind::PlacementMove,
            description: "Moved".into(),
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
    records::set_indicators(
        v,
        id,
        &IndicatorsInput {
            term: "Autumn 2026".into(),
            attendance_pct: Some(81.5),
            exclusion_days: Some(1.0),
            physical_interventions: Some(0),
        },
        now(),
    )
    .unwrap();
    (id, plan.id, goal.id)
}

#[test]
fn every_row_the_domain_writes_lands_in_its_devices_range() {
    let (s, mut v) = school();
    // A handover pack from another school (device 0), made before this vault changes.
    let (other, mut o) = school();
    let ka = other.ka1_id.clone();
    let (handed, _, _) = full_pupil(&mut o, &ka, 801_300_000_001);
    let (pack, pass) =
        handover::export_handover(&o, handed, &frameworks(), &mut rng(3), now()).unwrap();
    o.lock("test", now());

    // Rows from device 9 and a high one of device 0's in every table, then device 7.
    for id in [FROM_DEVICE_9, HIGH_DEVICE_0] {
        insert_received(v.conn().unwrap(), id, &s.lead_id);
    }
    set_device_no(v.conn().unwrap(), 7).unwrap();

    // Every writer of records: the forms, renewal, supervision, both imports, the MIS
    // update, indicators from CSV, and a handover pack.
    let (p, plan_id, goal_id) = full_pupil(&mut v, &s.ka1_id, 801_300_000_002);
    plans::renew_plan(
        &mut v,
        plan_id,
        &RenewPlanInput {
            plan: PlanInput {
                framework_id: None,
                start: date!(2026 - 11 - 23),
                horizon_end: date!(2029 - 07 - 20),
                cadence: Cadence::HalfTermly,
            },
            carry_goal_ids: vec![goal_id],
        },
        &frameworks(),
        today(),
        now(),
    )
    .unwrap();
    supervision::record_supervision_note(
        &mut v,
        &SupervisionNoteInput {
            held_on: date!(2026 - 11 - 20),
            kind: SupervisionKind::Supervision,
            key_adult_id: s.ka1_id.clone(),
            pupil_ids: vec![p],
            notes: "Routines".into(),
            actions: String::new(),
        },
        today(),
        now(),
    )
    .unwrap();
    let csv = format!(
        "UPN,Legal Surname,Legal Forename,DOB,Year\n{},Nowak,Lena,03/03/2015,Year 5\n",
        upn(801_300_000_003)
    );
    let header = import::read_header(&csv).unwrap();
    let mapping = import::suggest_mapping(&header.headers);
    let preview = vault_import::parse(&v, &csv, &mapping, now()).unwrap();
    let out =
        vault_import::import_pupils(&mut v, &preview, ImportMode::AllOrNothing, now()).unwrap();
    assert_eq!(out.imported, 1);
    let mis = format!(
        "UPN,Legal Surname,Legal Forename,DOB,Year\n\
         {},Nowak,Lena,03/03/2015,Year 6\n{},Okafor,Tomi,04/04/2015,Year 5\n",
        upn(801_300_000_003),
        upn(801_300_000_004)
    );
    let m = import::suggest_mapping(&import::read_header(&mis).unwrap().headers);
    mis_update::apply_update(
        &mut v,
        &mis,
        &m,
        &UpdateChoices {
            add_new: true,
            mark_left: Vec::new(),
            left_on: None,
            mode: ImportMode::GoodOnly,
        },
        now(),
    )
    .unwrap();
    let indicators = format!(
        "Identifier,Term,Attendance,Exclusion days,Physical interventions\n{},Spring 2026,95,0,0\n",
        upn(801_300_000_002)
    );
    let out = records::import_indicators_csv(&mut v, &indicators, ImportMode::AllOrNothing, now())
        .unwrap();
    assert_eq!(out.imported, 1, "{:?}", out.bad);
    handover::import_handover(
        &mut v,
        &pack,
        pass.expose(),
        Some(&s.ka2_id),
        &frameworks(),
        today(),
        now(),
    )
    .unwrap();

    // Checked by SQL over the whole schema.
    let conn = v.conn().unwrap();
    let written = written_ids(conn, &[FROM_DEVICE_9, HIGH_DEVICE_0]);
    assert_eq!(
        table_names(&written),
        BTreeSet::from([
            "agency_advice",
            "assignments",
            "chronology",
            "goals",
            "instrument_scores",
            "plans",
            "pupil_status_history",
            "pupils",
            "record_versions",
            "review_amendments",
            "reviews",
            "sessions",
            "supervision_notes",
            "team_members",
            "termly_indicators",
        ]),
        "a table with integer ids was added: give its INSERTs ids from attune_vault::ids and \
         list it here and in RecordTable (or in LOCAL_ONLY if it never leaves the vault)"
    );
    for (table, ids) in &written {
        assert!(!ids.is_empty(), "{table}: nothing written, nothing checked");
        for id in ids {
            assert!(
                (7 * RANGE..8 * RANGE).contains(id),
                "{table}: id {id} is outside device 7's range"
            );
        }
        // Device 7's first id, then one more each time (nothing was deleted).
        let expected: Vec<i64> = (0..ids.len() as i64).map(|k| 7 * RANGE + k).collect();
        assert_eq!(ids, &expected, "{table}");
    }
    // The handed-over pupil's records hang together under the new ids.
    let fk: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(fk, 0);
    // And the search index, keyed by id × 4 + kind, finds what was written.
    let hits = search::search(&v, "lanterns", 10, now()).unwrap();
    assert_eq!(hits.len(), 2, "the session of each full pupil: {hits:?}");
    for h in hits {
        assert!((7 * RANGE..8 * RANGE).contains(&h.record_id), "{h:?}");
    }
}

#[test]
fn the_school_with_a_laptops_rows_hands_out_its_own_small_ids() {
    let (s, mut v) = school();
    let p = add_assigned(&mut v, &pupil("Ada", "Small", None), &s.ka1_id);
    assert_eq!(p, 1);
    // A session from laptop 3 arrived by sync, for this pupil.
    v.conn()
        .unwrap()
        .execute(
            "INSERT INTO sessions (id, pupil_id, held_on, minutes, kind, created_at)
             VALUES (?1, ?2, '2026-11-02', 30, 'planned', '2026-11-02T10:00:00Z')",
            [3 * RANGE + 5, p],
        )
        .unwrap();
    let input = SessionInput {
        held_on: date!(2026 - 11 - 20),
        minutes: 20,
        kind: SessionKind::CheckIn,
        regulation: None,
        note: String::new(),
        safeguarding_ref: None,
    };
    let first = records::log_session(&mut v, p, &input, now()).unwrap();
    let second = records::log_session(&mut v, p, &input, now()).unwrap();
    assert_eq!((first.id, second.id), (1, 2));
    assert!(second.id < RANGE);
    let ids: HashSet<i64> = records::list_sessions(&v, p, 10, now())
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(ids, HashSet::from([1, 2, 3 * RANGE + 5]));
}

#[test]
fn the_last_device_s_ids_stay_exact_in_javascript() {
    let (_s, mut v) = school();
    set_device_no(v.conn().unwrap(), 4095).unwrap();
    let p = pupils::add_pupil(&mut v, &pupil("Max", "Range", None), now()).unwrap();
    assert_eq!(p.id, 4095 * RANGE);
    assert!(p.id + RANGE - 1 < JS_SAFE, "the range's last id too");
    // What the window receives: a JSON number that a double holds exactly.
    let json = serde_json::to_value(&p).unwrap();
    let as_double = json["id"].as_f64().unwrap();
    assert_eq!(as_double as i64, p.id);
    assert_eq!(
        pupils::get_pupil(&v, as_double as i64, now()).unwrap().id,
        p.id
    );
    // A later join cannot move this vault to another range.
    assert!(set_device_no(v.conn().unwrap(), 12).is_err());
}
