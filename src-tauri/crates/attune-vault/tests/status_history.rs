//! Migration `0017_status_history` on a real vault file: a vault of schema 16 holding pupils
//! upgrades with one history row per pupil and kind (none included), taking effect from the
//! earliest day the record holds anything about the pupil, never before the date of birth,
//! with ids 2 × the pupil's id (+1 for the support level).

mod common;
use common::*;

use attune_vault::{Passphrase, Vault};

type Row = (
    i64,
    i64,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
);

#[test]
fn a_vault_of_schema_16_gets_a_row_per_pupil_and_kind_from_the_earliest_day_on_record() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let (v, _) = make_vault(&dir);
    v.conn()
        .unwrap()
        .execute_batch(
            "DROP TABLE pupil_status_history;
             DROP INDEX goals_carried_from;
             ALTER TABLE goals DROP COLUMN carried_from;
             DROP TABLE supervision_note_versions;
             ALTER TABLE supervision_notes DROP COLUMN withdrawn_at;
             ALTER TABLE supervision_notes DROP COLUMN withdrawn_by;
             ALTER TABLE supervision_notes DROP COLUMN withdrawn_reason;
             DROP TABLE record_versions;
             DROP TRIGGER sessions_search_ai;
             DROP TRIGGER sessions_search_au;
             DROP TRIGGER chronology_search_ai;
             DROP TRIGGER chronology_search_au;
             ALTER TABLE sessions DROP COLUMN withdrawn_at;
             ALTER TABLE sessions DROP COLUMN withdrawn_by;
             ALTER TABLE sessions DROP COLUMN withdrawn_reason;
             ALTER TABLE chronology DROP COLUMN withdrawn_at;
             ALTER TABLE chronology DROP COLUMN withdrawn_by;
             ALTER TABLE chronology DROP COLUMN withdrawn_reason;
             ALTER TABLE instrument_scores DROP COLUMN withdrawn_at;
             ALTER TABLE instrument_scores DROP COLUMN withdrawn_by;
             ALTER TABLE instrument_scores DROP COLUMN withdrawn_reason;
             ALTER TABLE termly_indicators DROP COLUMN withdrawn_at;
             ALTER TABLE termly_indicators DROP COLUMN withdrawn_by;
             ALTER TABLE termly_indicators DROP COLUMN withdrawn_reason;
             PRAGMA user_version = 16;
             INSERT INTO pupils (id, legal_forename, legal_surname, date_of_birth, year_group,
                 care_status, support_level, relationship_start, created_at, updated_at)
             VALUES
               -- relationship start before the record was made: from the start
               (1, 'A', 'A', '2015-03-01', 'Y5', 'Looked after', 'Targeted', '2023-09-04',
                '2024-01-10T09:00:00Z', '2026-11-01T09:00:00Z'),
               -- a session before the record was made (an import of history): from the session
               (2, 'B', 'B', '2015-03-01', 'Y5', NULL, 'Universal', NULL,
                '2025-02-01T09:00:00Z', '2025-02-01T09:00:00Z'),
               -- no values: none, from the relationship start
               (3, 'C', 'C', '2015-03-01', 'Y5', NULL, NULL, '2022-01-01',
                '2025-02-01T09:00:00Z', '2025-02-01T09:00:00Z'),
               -- a relationship start (mistyped) before the date of birth: from the birth
               (4, 'D', 'D', '2016-05-05', 'Y4', 'Previously looked after', NULL, '2006-05-05',
                '2025-02-01T09:00:00Z', '2025-02-01T09:00:00Z');
             INSERT INTO sessions (id, pupil_id, held_on, minutes, kind, created_at)
             VALUES (1, 2, '2024-10-15', 30, 'planned', '2025-02-01T09:00:00Z'),
                    (2, 2, '2025-01-15', 30, 'planned', '2025-02-01T09:00:00Z');",
        )
        .unwrap();
    v.lock("test", now());

    let v = Vault::unlock(
        &dir,
        &lead_id(&dir),
        &Passphrase::new(LEAD_PASS),
        &mut rng(2),
        now(),
    )
    .unwrap();
    assert_eq!(
        v.schema_version().unwrap(),
        attune_vault::db::schema_version()
    );
    let conn = v.conn().unwrap();
    let rows: Vec<Row> = conn
        .prepare(
            "SELECT id, pupil_id, kind, value, effective_from, recorded_at, recorded_by
             FROM pupil_status_history ORDER BY id",
        )
        .unwrap()
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    // (id, pupil, kind, value, from); recorded at the pupil's creation, by nobody named.
    let at1 = "2024-01-10T09:00:00Z";
    let at2 = "2025-02-01T09:00:00Z";
    let expected: Vec<Row> = [
        (2, 1, "care_status", Some("Looked after"), "2023-09-04", at1),
        (3, 1, "support_level", Some("Targeted"), "2023-09-04", at1),
        (4, 2, "care_status", None, "2024-10-15", at2),
        (5, 2, "support_level", Some("Universal"), "2024-10-15", at2),
        (6, 3, "care_status", None, "2022-01-01", at2),
        (7, 3, "support_level", None, "2022-01-01", at2),
        (
            8,
            4,
            "care_status",
            Some("Previously looked after"),
            "2016-05-05",
            at2,
        ),
        (9, 4, "support_level", None, "2016-05-05", at2),
    ]
    .into_iter()
    .map(|(id, p, k, val, from, at)| {
        (
            id,
            p,
            k.to_string(),
            val.map(String::from),
            from.to_string(),
            at.to_string(),
            None,
        )
    })
    .collect();
    assert_eq!(rows, expected);
    // The school's next id follows the backfilled ones.
    assert_eq!(
        attune_vault::ids::next_id(conn, attune_vault::ids::RecordTable::PupilStatusHistory)
            .unwrap(),
        10
    );
}
