//! Capture by difference (`changes::capture` against a base), the hub's relay
//! (`filter_changeset`, `apply_relayed`) and keys of any width, on real SQLCipher files.
//! The oracles are the databases themselves, read with the test's own SQL: what a replica
//! holds after the changes arrive, never the engine's account of what it did.

use std::path::Path;

use attune_sync::changes::{
    self, apply_relayed, apply_with_base, capture, filter_changeset, install_base, row_ops,
    Applied, Change, Schema, TableKind,
};
use attune_sync::hlc::{Clock, DeviceId};
use attune_sync::rusqlite::types::Value;
use attune_sync::rusqlite::Connection;

const TABLES: &[(&str, TableKind)] = &[
    ("pupils", TableKind::Mutable),
    ("sessions", TableKind::InsertOnly),
    ("ratings", TableKind::Mutable),
    ("due", TableKind::Keyed),
    ("settings", TableKind::Mutable),
];

// The vault's shapes: integer ids, a composite key, a foreign key that cascades, no `hlc`.
const SQL: &str = "
PRAGMA foreign_keys = ON;
CREATE TABLE pupils (id INTEGER PRIMARY KEY, name TEXT NOT NULL, notes TEXT, key_adult TEXT NOT NULL) STRICT;
CREATE TABLE sessions (id INTEGER PRIMARY KEY, pupil_id INTEGER NOT NULL REFERENCES pupils (id) ON DELETE CASCADE, note TEXT NOT NULL) STRICT;
CREATE TABLE ratings (pupil_id INTEGER NOT NULL REFERENCES pupils (id) ON DELETE CASCADE, goal TEXT NOT NULL, rating INTEGER NOT NULL, PRIMARY KEY (pupil_id, goal)) STRICT;
CREATE TABLE due (plan INTEGER NOT NULL, date TEXT NOT NULL, PRIMARY KEY (plan, date)) STRICT;
CREATE TABLE settings (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) STRICT;
";

struct Replica {
    conn: Connection,
    schema: Schema,
    clock: Clock,
}

fn key_of(device: u64) -> [u8; 32] {
    [device as u8 + 1; 32]
}

fn open(dir: &Path, name: &str, device: u64) -> Replica {
    let key = hex::encode(key_of(device));
    // SQLCipher start-up races between test threads without this wait.
    attune_sync::sqlite::sqlcipher_ready();
    let mut conn = Connection::open(dir.join(format!("{name}.db"))).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA key = \"x'{key}'\"; PRAGMA journal_mode = WAL; {SQL}"
    ))
    .unwrap();
    changes::install(&conn).unwrap();
    let base = dir.join(format!("{name}-base.db"));
    conn.execute(
        &format!("ATTACH DATABASE ?1 AS base KEY \"x'{key}'\""),
        [base.to_str().unwrap()],
    )
    .unwrap();
    let schema = Schema::check(&conn, TABLES).unwrap();
    install_base(&mut conn, &schema, "base").unwrap();
    Replica {
        conn,
        schema,
        clock: Clock::new(DeviceId(device)),
    }
}

impl Replica {
    fn sql(&self, sql: &str) {
        self.conn.execute_batch(sql).unwrap();
    }
    fn capture(&mut self, now: u64) -> Option<Change> {
        capture(&mut self.conn, &self.schema, &mut self.clock, now, "base").unwrap()
    }
    /// Every row of every table, as the test reads it (`WHERE` on pupil ids, if given).
    fn rows(&self, pupils: Option<&[i64]>) -> Vec<Vec<Value>> {
        let mut out = Vec::new();
        for (t, pupil_col) in [
            ("pupils", "id"),
            ("sessions", "pupil_id"),
            ("ratings", "pupil_id"),
        ] {
            let filter = pupils.map_or(String::new(), |p| {
                format!(
                    " WHERE {pupil_col} IN ({})",
                    p.iter()
                        .map(|i| i.to_string())
                        .collect::<Vec<_>>()
                        .join(",")
                )
            });
            let mut stmt = self
                .conn
                .prepare(&format!("SELECT '{t}', * FROM {t}{filter} ORDER BY 2, 3"))
                .unwrap();
            let n = stmt.column_count();
            let rows = stmt
                .query_map([], |r| (0..n).map(|i| r.get::<_, Value>(i)).collect())
                .unwrap();
            out.extend(rows.map(|r| r.unwrap()));
        }
        out
    }
}

fn done(a: Applied) -> Vec<changes::Conflict> {
    match a {
        Applied::Done { conflicts, .. } => conflicts,
        Applied::Duplicate => panic!("unexpected duplicate"),
    }
}

#[test]
fn any_write_is_captured_once_and_an_applied_change_is_not_captured_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut school = open(dir.path(), "school", 0);
    school.sql("INSERT INTO pupils VALUES (1, 'Jay', 'likes lego', 'ada'), (2, 'Ravi', '', 'bo');");
    // The school's base was made when it was still empty, so these rows are its change.
    let first = school.capture(1_000).expect("the school's first rows");
    assert_eq!(row_ops(&first.changeset, &school.schema).unwrap().len(), 2);
    let mut laptop = open(dir.path(), "laptop", 1);
    // The laptop starts from the school's rows, as enrolment gives them: relayed, then
    // nothing of its own to capture.
    done(
        apply_relayed(
            &mut laptop.conn,
            &laptop.schema,
            &mut laptop.clock,
            1_100,
            &first,
            Some("base"),
        )
        .unwrap(),
    );
    assert_eq!(
        laptop.capture(1_200),
        None,
        "what arrived is not the laptop's own change"
    );

    // Plain SQL, as any code path of the app writes: an edit, an insert, a composite key.
    laptop.sql(
        "UPDATE pupils SET notes = 'likes lego and drawing' WHERE id = 1;
         INSERT INTO sessions VALUES (1099511627776, 1, 'calm, talked about home');
         INSERT INTO ratings VALUES (1, 'Calm start', 3);",
    );
    let c = laptop.capture(2_000).expect("three writes");
    let ops = row_ops(&c.changeset, &laptop.schema).unwrap();
    let mut seen: Vec<(String, &str)> = ops.iter().map(|o| (o.table.clone(), o.kind)).collect();
    seen.sort();
    assert_eq!(
        seen,
        vec![
            ("pupils".to_string(), "update"),
            ("ratings".to_string(), "insert"),
            ("sessions".to_string(), "insert")
        ]
    );
    assert_eq!(laptop.capture(2_100), None, "captured once");

    let conflicts = done(
        apply_with_base(
            &mut school.conn,
            &school.schema,
            &mut school.clock,
            2_200,
            &c,
            "base",
        )
        .unwrap(),
    );
    assert!(conflicts.is_empty());
    assert_eq!(school.rows(Some(&[1])), laptop.rows(Some(&[1])));
    assert_eq!(
        school.capture(2_300),
        None,
        "the school does not echo what it applied"
    );
    // Applying the same change again changes nothing.
    assert_eq!(
        apply_with_base(
            &mut school.conn,
            &school.schema,
            &mut school.clock,
            2_400,
            &c,
            "base"
        )
        .unwrap(),
        Applied::Duplicate
    );
}

#[test]
fn a_crash_before_the_base_is_refreshed_captures_the_same_rows_again_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut laptop = open(dir.path(), "laptop", 1);
    let mut school = open(dir.path(), "school", 0);
    laptop.sql("INSERT INTO pupils VALUES (5, 'Mia', 'new', 'ada');");
    let first = laptop.capture(1_000).unwrap();
    // The crash: the vault committed the capture, the base never took the rows.
    laptop.sql("DELETE FROM base.pupils;");
    laptop.sql("UPDATE pupils SET notes = 'settling' WHERE id = 5;");
    let again = laptop.capture(2_000).expect("the rows are captured again");
    assert_eq!(again.seq, first.seq + 1);
    for c in [&first, &again] {
        done(
            apply_with_base(
                &mut school.conn,
                &school.schema,
                &mut school.clock,
                3_000,
                c,
                "base",
            )
            .unwrap(),
        );
    }
    assert_eq!(school.rows(None), laptop.rows(None));
    let notes: String = school
        .conn
        .query_row("SELECT notes FROM pupils WHERE id = 5", [], |r| r.get(0))
        .unwrap();
    assert_eq!(notes, "settling");
    let tombstones: i64 = school
        .conn
        .query_row("SELECT count(*) FROM sync_tombstone", [], |r| r.get(0))
        .unwrap();
    assert_eq!(tombstones, 0, "nothing was taken for an erasure");
}

#[test]
fn a_filtered_changeset_carries_exactly_the_chosen_rows() {
    let dir = tempfile::tempdir().unwrap();
    let mut school = open(dir.path(), "school", 0);
    school.sql(
        "INSERT INTO pupils VALUES (1, 'Jay', 'a', 'ada'), (2, 'Ravi', 'b', 'bo'), (3, 'Mia', 'c', 'ada');
         INSERT INTO sessions VALUES (10, 1, 'one'), (11, 2, 'two'), (12, 3, 'three');
         INSERT INTO ratings VALUES (1, 'g', 1), (2, 'g', 2), (3, 'g', 3);",
    );
    let c = school.capture(1_000).unwrap();
    // Ada's laptop: pupils 1 and 3, found through the pupil of each row.
    let ada = |op: &changes::RowOp| {
        let pupil = match op.table.as_str() {
            "pupils" => op.get("id"),
            _ => op.get("pupil_id"),
        };
        matches!(pupil, Some(Value::Integer(1 | 3)))
    };
    let part = filter_changeset(&c.changeset, &school.schema, ada).unwrap();
    assert!(part.len() < c.changeset.len());
    let mut laptop = open(dir.path(), "laptop", 1);
    let relayed = Change {
        changeset: part,
        ..c.clone()
    };
    done(
        apply_relayed(
            &mut laptop.conn,
            &laptop.schema,
            &mut laptop.clock,
            1_100,
            &relayed,
            Some("base"),
        )
        .unwrap(),
    );
    assert_eq!(laptop.rows(None), school.rows(Some(&[1, 3])));
    assert!(
        laptop.rows(Some(&[2])).is_empty(),
        "Ravi's rows never reach Ada's laptop"
    );
    // Nothing chosen: nothing to send.
    assert!(filter_changeset(&c.changeset, &school.schema, |_| false)
        .unwrap()
        .is_empty());
}

#[test]
fn a_field_edited_at_the_school_and_on_a_laptop_converges_and_keeps_the_other_value() {
    let dir = tempfile::tempdir().unwrap();
    let mut school = open(dir.path(), "school", 0);
    school.sql("INSERT INTO pupils VALUES (1, 'Jay', 'start', 'ada'); INSERT INTO ratings VALUES (1, 'g', 1);");
    let first = school.capture(1_000).unwrap();
    let mut laptop = open(dir.path(), "laptop", 1);
    done(
        apply_relayed(
            &mut laptop.conn,
            &laptop.schema,
            &mut laptop.clock,
            1_100,
            &first,
            Some("base"),
        )
        .unwrap(),
    );

    school.sql(
        "UPDATE pupils SET notes = 'from the lead' WHERE id = 1; UPDATE ratings SET rating = 2;",
    );
    laptop.sql("UPDATE pupils SET notes = 'from the key adult' WHERE id = 1;");
    let from_school = school.capture(2_000).unwrap();
    let from_laptop = laptop.capture(3_000).unwrap(); // captured later: its HLC is greater

    let at_school = done(
        apply_with_base(
            &mut school.conn,
            &school.schema,
            &mut school.clock,
            3_100,
            &from_laptop,
            "base",
        )
        .unwrap(),
    );
    let at_laptop = done(
        apply_relayed(
            &mut laptop.conn,
            &laptop.schema,
            &mut laptop.clock,
            3_200,
            &from_school,
            Some("base"),
        )
        .unwrap(),
    );
    // Converged, on the later capture's value, with the composite-key edit taken too.
    assert_eq!(school.rows(None), laptop.rows(None));
    let notes: String = laptop
        .conn
        .query_row("SELECT notes FROM pupils", [], |r| r.get(0))
        .unwrap();
    assert_eq!(notes, "from the key adult");
    let rating: i64 = laptop
        .conn
        .query_row("SELECT rating FROM ratings", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rating, 2);
    // Each side kept the lead's words as the value that lost, for a person to see.
    for conflicts in [&at_school, &at_laptop] {
        assert_eq!(conflicts.len(), 1, "{conflicts:?}");
        assert_eq!(conflicts[0].lost, Value::Text("from the lead".into()));
        assert_eq!(conflicts[0].kept, Value::Text("from the key adult".into()));
    }
    // Neither side echoes what it took.
    assert_eq!(school.capture(4_000), None);
    assert_eq!(laptop.capture(4_000), None);
}

#[test]
fn a_deleted_row_with_a_composite_key_is_tombstoned_and_stays_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let mut school = open(dir.path(), "school", 0);
    school.sql("INSERT INTO pupils VALUES (1, 'Jay', '', 'ada'); INSERT INTO ratings VALUES (1, 'g', 1), (1, 'h', 2);");
    let first = school.capture(1_000).unwrap();
    let mut laptop = open(dir.path(), "laptop", 1);
    done(
        apply_relayed(
            &mut laptop.conn,
            &laptop.schema,
            &mut laptop.clock,
            1_100,
            &first,
            Some("base"),
        )
        .unwrap(),
    );
    school.sql("DELETE FROM ratings WHERE goal = 'g';");
    let del = school.capture(2_000).unwrap();
    // The laptop edits the deleted row before the deletion arrives: the deletion wins.
    laptop.sql("UPDATE ratings SET rating = 5 WHERE goal = 'g';");
    let edit = laptop.capture(2_500).unwrap();
    done(
        apply_relayed(
            &mut laptop.conn,
            &laptop.schema,
            &mut laptop.clock,
            3_000,
            &del,
            Some("base"),
        )
        .unwrap(),
    );
    done(
        apply_with_base(
            &mut school.conn,
            &school.schema,
            &mut school.clock,
            3_000,
            &edit,
            "base",
        )
        .unwrap(),
    );
    let left = |r: &Replica| -> Vec<(String, i64)> {
        let mut s = r
            .conn
            .prepare("SELECT goal, rating FROM ratings ORDER BY goal")
            .unwrap();
        s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    };
    assert_eq!(left(&school), vec![("h".to_string(), 2)]);
    assert_eq!(left(&laptop), left(&school));
    assert_eq!(laptop.capture(4_000), None);
}

fn dates(r: &Replica) -> Vec<String> {
    let mut s = r
        .conn
        .prepare("SELECT date FROM due ORDER BY date")
        .unwrap();
    s.query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect()
}

#[test]
fn a_keyed_row_deleted_and_put_back_comes_back_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let mut school = open(dir.path(), "school", 0);
    let mut laptop = open(dir.path(), "laptop", 1);
    school.sql("INSERT INTO due VALUES (1, '2027-01-08'), (1, '2027-03-19');");
    let add = school.capture(1_000).unwrap();
    done(
        apply_relayed(
            &mut laptop.conn,
            &laptop.schema,
            &mut laptop.clock,
            1_100,
            &add,
            Some("base"),
        )
        .unwrap(),
    );
    // The review date moves away (the plan's schedule changed) ...
    school.sql("DELETE FROM due WHERE date = '2027-01-08';");
    let gone = school.capture(2_000).unwrap();
    // ... and back again (the change was undone): the same key, added after its delete.
    school.sql("INSERT INTO due VALUES (1, '2027-01-08');");
    let back = school.capture(3_000).unwrap();
    assert_eq!(dates(&school), vec!["2027-01-08", "2027-03-19"]);
    for c in [&gone, &back] {
        done(
            apply_relayed(
                &mut laptop.conn,
                &laptop.schema,
                &mut laptop.clock,
                3_100,
                c,
                Some("base"),
            )
            .unwrap(),
        );
    }
    assert_eq!(
        dates(&laptop),
        dates(&school),
        "the date put back is back on the laptop"
    );
    // Delivered out of order (the put-back first), the older delete changes nothing.
    let mut late = open(dir.path(), "late", 2);
    for c in [&add, &back, &gone] {
        done(
            apply_relayed(
                &mut late.conn,
                &late.schema,
                &mut late.clock,
                3_200,
                c,
                Some("base"),
            )
            .unwrap(),
        );
    }
    assert_eq!(dates(&late), dates(&school));
    for r in [&mut school, &mut laptop, &mut late] {
        assert_eq!(r.capture(4_000), None);
    }
}

#[test]
fn rows_kept_out_of_the_capture_stay_local_and_are_not_looked_at_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut laptop = open(dir.path(), "laptop", 1);
    let mut school = open(dir.path(), "school", 0);
    laptop.sql(
        "INSERT INTO settings VALUES ('auto_backup_keep', '3'), ('school', 'St Mary');
         INSERT INTO pupils VALUES (1, 'Jay', '', 'ada');",
    );
    let shared = |op: &changes::RowOp| {
        op.table != "settings" || op.get("key") != Some(&Value::Text("auto_backup_keep".into()))
    };
    let c = changes::capture_where(
        &mut laptop.conn,
        &laptop.schema,
        &mut laptop.clock,
        1_000,
        "base",
        shared,
    )
    .unwrap()
    .unwrap();
    done(
        apply_with_base(
            &mut school.conn,
            &school.schema,
            &mut school.clock,
            1_100,
            &c,
            "base",
        )
        .unwrap(),
    );
    let keys: Vec<String> = {
        let mut s = school
            .conn
            .prepare("SELECT key FROM settings ORDER BY key")
            .unwrap();
        s.query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    };
    assert_eq!(
        keys,
        vec!["school"],
        "the laptop's own setting never left it"
    );
    assert_eq!(school.rows(None), laptop.rows(None));
    // Only the local setting changes: nothing to capture, now or later.
    laptop.sql("UPDATE settings SET value = '5' WHERE key = 'auto_backup_keep';");
    assert_eq!(
        changes::capture_where(
            &mut laptop.conn,
            &laptop.schema,
            &mut laptop.clock,
            2_000,
            "base",
            shared
        )
        .unwrap(),
        None
    );
    assert_eq!(laptop.capture(2_100), None, "the base took the local row");
}

/// A change whose rows refer to a row the receiving replica does not hold (a session of a pupil
/// it never had): SQLite reports the broken reference at the end of the apply, with nothing
/// readable beside it. The apply is refused whole — no crash, no row of the change kept, and
/// the change not marked as applied (it can come again once the parent has).
#[test]
fn a_change_referring_to_a_row_this_replica_lacks_is_refused_whole_without_crashing() {
    let dir = tempfile::tempdir().unwrap();
    let mut school = open(dir.path(), "school", 0);
    school.sql("INSERT INTO pupils (id, name, key_adult) VALUES (1, 'Mia', 'ka1');");
    school.capture(1_000).unwrap();
    school.sql(
        "INSERT INTO sessions (id, pupil_id, note) VALUES (10, 1, 'first');
         INSERT INTO settings (key, value) VALUES ('term', 'autumn');",
    );
    let second = school.capture(2_000).unwrap();

    // A laptop that never had Mia.
    let mut laptop = open(dir.path(), "laptop", 1);
    let err = apply_relayed(
        &mut laptop.conn,
        &laptop.schema,
        &mut laptop.clock,
        2_100,
        &second,
        Some("base"),
    )
    .expect_err("a session of a pupil the laptop lacks is refused");
    assert!(
        err.to_string()
            .contains("refer to records this vault does not hold"),
        "{err}"
    );
    let count = |sql: &str| -> i64 { laptop.conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(
        count("SELECT count(*) FROM sessions"),
        0,
        "nothing of it kept"
    );
    assert_eq!(
        count("SELECT count(*) FROM settings"),
        0,
        "not even its other rows"
    );
    assert_eq!(
        count("SELECT count(*) FROM sync_log"),
        0,
        "and it is not marked applied"
    );
}

fn count(r: &Replica, sql: &str) -> i64 {
    r.conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// The rows of each table the vault and the base do not both hold (the test's own SQL).
fn base_differs(r: &Replica) -> i64 {
    ["pupils", "sessions", "ratings", "due", "settings"]
        .iter()
        .map(|t| {
            count(
                r,
                &format!(
                    "SELECT (SELECT count(*) FROM (SELECT * FROM main.{t} EXCEPT SELECT * FROM base.{t}))
                          + (SELECT count(*) FROM (SELECT * FROM base.{t} EXCEPT SELECT * FROM main.{t}))"
                ),
            )
        })
        .sum()
}

#[test]
fn a_crash_after_the_vault_committed_a_capture_keeps_the_marks_and_captures_the_rows_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut laptop = open(dir.path(), "laptop", 1);
    let mut school = open(dir.path(), "school", 0);
    laptop.sql(
        "INSERT INTO pupils VALUES (5, 'Mia', 'new', 'ada');
         INSERT INTO sessions VALUES (7, 5, 'first meeting');",
    );
    // The base cannot take the rows (as if the machine stopped after the vault's commit).
    laptop.sql("CREATE TRIGGER base.crash BEFORE INSERT ON pupils BEGIN SELECT RAISE(ABORT, 'crash'); END;");
    assert!(capture(
        &mut laptop.conn,
        &laptop.schema,
        &mut laptop.clock,
        1_000,
        "base"
    )
    .is_err());
    assert_eq!(
        count(&laptop, "SELECT count(*) FROM sync_log"),
        1,
        "the vault committed"
    );
    laptop.sql("DROP TRIGGER base.crash;");
    // Nothing written since: the marks alone bring the rows back to the next capture.
    let again = laptop.capture(2_000).expect("the rows are captured again");
    let mut ops: Vec<(String, &str)> = row_ops(&again.changeset, &laptop.schema)
        .unwrap()
        .iter()
        .map(|o| (o.table.clone(), o.kind))
        .collect();
    ops.sort();
    assert_eq!(
        ops,
        vec![
            ("pupils".to_string(), "insert"),
            ("sessions".to_string(), "insert")
        ]
    );
    assert_eq!(base_differs(&laptop), 0);
    assert_eq!(count(&laptop, "SELECT count(*) FROM sync_dirty_rows"), 0);
    assert_eq!(laptop.capture(3_000), None);
    let all = changes::changes_since(&laptop.conn, &Default::default()).unwrap();
    assert_eq!(all.len(), 2);
    for c in &all {
        done(
            apply_with_base(
                &mut school.conn,
                &school.schema,
                &mut school.clock,
                3_000,
                c,
                "base",
            )
            .unwrap(),
        );
    }
    assert_eq!(school.rows(None), laptop.rows(None));
}

#[test]
fn a_table_whose_triggers_went_missing_is_compared_whole_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut laptop = open(dir.path(), "laptop", 1);
    laptop.sql("INSERT INTO pupils VALUES (1, 'Jay', '', 'ada'), (2, 'Ravi', '', 'bo');");
    laptop.capture(1_000).unwrap();
    // A migration rebuilds a table (new table, copy, drop, rename): its triggers are gone,
    // and its own writes, and any until the next sync, are not marked.
    laptop.sql(
        "PRAGMA foreign_keys = OFF;
         CREATE TABLE pupils_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL, notes TEXT, key_adult TEXT NOT NULL) STRICT;
         INSERT INTO pupils_new SELECT id, name, notes, key_adult FROM pupils;
         DROP TABLE pupils;
         ALTER TABLE pupils_new RENAME TO pupils;
         PRAGMA foreign_keys = ON;
         UPDATE pupils SET notes = 'quiet week' WHERE id = 2;",
    );
    assert_eq!(
        count(&laptop, "SELECT count(*) FROM sync_dirty_rows"),
        0,
        "unmarked"
    );
    // The next sync attaches the base and installs it again, as the vault's sync does.
    install_base(&mut laptop.conn, &laptop.schema, "base").unwrap();
    assert_eq!(
        count(
            &laptop,
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'pupils'"
        ),
        3
    );
    let c = laptop.capture(2_000).expect("the whole table was compared");
    let ops = row_ops(&c.changeset, &laptop.schema).unwrap();
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0].get("notes"), Some(&Value::Text("quiet week".into())));
    assert_eq!(count(&laptop, "SELECT count(*) FROM sync_dirty"), 0, "once");
    assert_eq!(base_differs(&laptop), 0);
    laptop.sql("UPDATE pupils SET notes = 'marked again' WHERE id = 1;");
    assert_eq!(count(&laptop, "SELECT count(*) FROM sync_dirty_rows"), 1);
}

#[test]
fn rows_deleted_by_a_cascade_are_marked_locally_and_when_a_change_is_applied() {
    let dir = tempfile::tempdir().unwrap();
    let mut laptop = open(dir.path(), "laptop", 1);
    let mut school = open(dir.path(), "school", 0);
    laptop.sql(
        "INSERT INTO pupils VALUES (1, 'Jay', '', 'ada'), (2, 'Ravi', '', 'bo');
         INSERT INTO sessions VALUES (10, 1, 'a'), (11, 1, 'b'), (12, 2, 'c');
         INSERT INTO ratings VALUES (1, 'g', 1), (2, 'g', 2);",
    );
    let first = laptop.capture(1_000).unwrap();
    done(
        apply_with_base(
            &mut school.conn,
            &school.schema,
            &mut school.clock,
            1_100,
            &first,
            "base",
        )
        .unwrap(),
    );
    // A plain delete of the parent: its children go by the foreign key's cascade.
    laptop.sql("DELETE FROM pupils WHERE id = 1;");
    let del = laptop.capture(2_000).unwrap();
    let mut seen: Vec<(String, &str)> = row_ops(&del.changeset, &laptop.schema)
        .unwrap()
        .iter()
        .map(|o| (o.table.clone(), o.kind))
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        vec![
            ("pupils".to_string(), "delete"),
            ("ratings".to_string(), "delete"),
            ("sessions".to_string(), "delete"),
            ("sessions".to_string(), "delete")
        ]
    );
    assert_eq!(base_differs(&laptop), 0);
    // At the school, a change with the parent's delete alone: the cascade there deletes the
    // children, which `absorb` must take into the base (they are not the change's rows).
    let parent_only =
        filter_changeset(&del.changeset, &school.schema, |o| o.table == "pupils").unwrap();
    let parent_only = Change {
        changeset: parent_only,
        ..del.clone()
    };
    done(
        apply_with_base(
            &mut school.conn,
            &school.schema,
            &mut school.clock,
            2_100,
            &parent_only,
            "base",
        )
        .unwrap(),
    );
    assert_eq!(count(&school, "SELECT count(*) FROM sessions"), 1);
    assert!(
        base_differs(&school) > 0,
        "the cascade is not the change's own rows"
    );
    assert_eq!(
        changes::absorb(&mut school.conn, &school.schema, "base").unwrap(),
        3
    );
    assert_eq!(base_differs(&school), 0);
    assert_eq!(school.capture(2_200), None);
    assert_eq!(count(&school, "SELECT count(*) FROM sync_dirty_rows"), 0);
}

#[test]
fn a_column_a_migration_adds_joins_the_base_as_shared_and_its_edits_are_captured() {
    let dir = tempfile::tempdir().unwrap();
    let mut school = open(dir.path(), "school", 0);
    school.sql("INSERT INTO pupils VALUES (1, 'Jay', 'likes lego', 'ada'), (2, 'Ravi', '', 'bo');");
    school.capture(1_000).expect("the school's first rows");
    // A migration, as 0016 and 0019 do: a column added to a synced table, every row given its
    // default.
    school.sql("ALTER TABLE pupils ADD COLUMN retired INTEGER NOT NULL DEFAULT 0;");
    school.schema = Schema::check(&school.conn, TABLES).unwrap();
    install_base(&mut school.conn, &school.schema, "base").unwrap();
    assert_eq!(
        school.capture(1_100),
        None,
        "the migration's own values are not this replica's change"
    );
    school.sql("UPDATE pupils SET retired = 1 WHERE id = 2;");
    let c = school.capture(1_200).expect("the edit of the new column");
    let ops = row_ops(&c.changeset, &school.schema).unwrap();
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0].kind, "update");
    assert_eq!(ops[0].get("retired"), Some(&Value::Integer(1)));
    assert_eq!(school.capture(1_300), None);
}
