//! Change capture and apply on real SQLCipher files: conflicts kept as data, insert-only
//! records, erasure, gaps and duplicates, forged changesets.

mod common;

use attune_sync::changes::{self, apply, Applied, Change};
use attune_sync::hlc::Hlc;
use attune_sync::rusqlite::session::Session;
use attune_sync::rusqlite::types::Value;
use attune_sync::Error;
use common::Replica;

fn pair() -> (tempfile::TempDir, Replica, Replica) {
    let dir = tempfile::tempdir().unwrap();
    let a = Replica::new(dir.path(), "school", 1, [7u8; 32]);
    let b = Replica::new(dir.path(), "laptop", 2, [9u8; 32]);
    (dir, a, b)
}

fn done(a: &[Applied]) -> Vec<changes::Conflict> {
    a.iter()
        .flat_map(|x| match x {
            Applied::Done { conflicts, .. } => conflicts.clone(),
            Applied::Duplicate => vec![],
        })
        .collect()
}

#[test]
fn a_field_edited_on_two_laptops_keeps_the_later_value_and_returns_the_other() {
    let (_d, mut a, mut b) = pair();
    let c = a.add_pupil(1_000, "p1", "Ada", "likes drawing");
    b.receive(1_000, &c);
    // Concurrent edits of the same field; B's clock is later.
    let ea = a.edit(5_000, "p1", "notes", "school's words").unwrap();
    let eb = b.edit(9_000, "p1", "notes", "laptop's words").unwrap();
    let at_a = done(&a.receive(5_001, &eb));
    let at_b = done(&b.receive(9_001, &ea));
    assert_eq!(a.digest(), b.digest());
    assert_eq!(a.pupil("p1").unwrap().2.as_deref(), Some("laptop's words"));
    // Both sides report the same loser, with where it was written.
    for conflicts in [&at_a, &at_b] {
        assert_eq!(conflicts.len(), 1, "{conflicts:?}");
        let k = &conflicts[0];
        assert_eq!(
            (k.table.as_str(), k.id.as_str(), k.column.as_str()),
            ("pupils", "p1", "notes")
        );
        assert_eq!(k.kept, Value::Text("laptop's words".into()));
        assert_eq!(k.lost, Value::Text("school's words".into()));
        assert_eq!(k.lost_hlc.device(), a.device());
        assert_eq!(k.kept_hlc.device(), b.device());
    }
}

#[test]
fn different_fields_edited_on_two_laptops_are_both_kept() {
    let (_d, mut a, mut b) = pair();
    let c = a.add_pupil(1_000, "p1", "Ada", "n");
    b.receive(1_000, &c);
    let ea = a.edit(9_000, "p1", "name", "Ada Lovelace").unwrap();
    let eb = b.edit(5_000, "p1", "level", "Intensive").unwrap();
    assert!(done(&a.receive(9_001, &eb)).is_empty());
    assert!(done(&b.receive(9_001, &ea)).is_empty());
    assert_eq!(a.digest(), b.digest());
    let p = a.pupil("p1").unwrap();
    assert_eq!(
        (p.0.as_str(), p.1.as_deref()),
        ("Ada Lovelace", Some("Intensive"))
    );
    assert_eq!(p.3, ea.hlc.max(eb.hlc));
}

#[test]
fn erasure_wins_over_an_edit_that_arrives_later_and_stays_erased() {
    let (_d, mut a, mut b) = pair();
    let c = a.add_pupil(1_000, "p1", "Ada", "n");
    let s = a.add_session(1_001, "s1", "p1", 20);
    b.receive(1_000, &c);
    b.receive(1_000, &s);
    let edit = b.edit(50_000, "p1", "notes", "edited after").unwrap();
    let erase = a.erase(2_000, "p1").unwrap();
    a.receive(3_000, &edit);
    b.receive(60_000, &erase);
    assert!(a.pupil("p1").is_none());
    assert!(b.pupil("p1").is_none());
    assert_eq!(a.digest(), b.digest());
    // A replica that never saw the pupil gets insert, edit and erase in any order it can.
    let dir = tempfile::tempdir().unwrap();
    let mut z = Replica::new(dir.path(), "z", 3, [3u8; 32]);
    for ch in b.outgoing_for(&z) {
        z.receive(70_000, &ch);
    }
    for ch in a.outgoing_for(&z) {
        z.receive(70_000, &ch);
    }
    assert!(z.pending.is_empty());
    assert_eq!(z.digest(), a.digest());
}

#[test]
fn duplicates_are_no_ops_and_gaps_change_nothing() {
    let (_d, mut a, mut b) = pair();
    let c1 = a.add_pupil(1_000, "p1", "Ada", "n");
    let c2 = a.edit(2_000, "p1", "notes", "two").unwrap();
    let before = b.digest();
    assert!(matches!(
        apply(&mut b.conn, &b.schema, &mut b.clock, 3_000, &c2),
        Err(Error::Gap {
            expected: 1,
            got: 2,
            ..
        })
    ));
    assert_eq!(b.digest(), before);
    b.receive(3_000, &c1);
    b.receive(3_000, &c2);
    let after = b.digest();
    assert_eq!(
        apply(&mut b.conn, &b.schema, &mut b.clock, 3_000, &c1).unwrap(),
        Applied::Duplicate
    );
    assert_eq!(b.digest(), after);
    assert_eq!(after, a.digest());
    // A's own changes coming back through B are duplicates at A.
    for ch in b.outgoing_for(&a) {
        assert_eq!(a.receive(4_000, &ch), vec![Applied::Duplicate]);
    }
}

/// A changeset recorded on a scratch database with the same tables, outside `write`.
fn forged(sql: &str, setup: &str) -> Vec<u8> {
    let conn = attune_sync::rusqlite::Connection::open_in_memory().unwrap();
    conn.execute_batch(common::SCHEMA_SQL).unwrap();
    conn.execute_batch(setup).unwrap();
    let mut s = Session::new(&conn).unwrap();
    s.attach(None::<&str>).unwrap();
    conn.execute_batch(sql).unwrap();
    let mut out = Vec::new();
    s.changeset_strm(&mut out).unwrap();
    out
}

#[test]
fn forged_changes_are_refused_whole_and_change_nothing() {
    let (_d, mut a, mut b) = pair();
    let c = a.add_pupil(1_000, "p1", "Ada", "n");
    let s = a.add_session(1_001, "s1", "p1", 20);
    b.receive(1_000, &c);
    b.receive(1_000, &s);
    let before = b.digest();
    let seq = changes::applied_seq(&b.conn, a.device()).unwrap();
    let h = Hlc::new(5_000, 0, a.device()).unwrap();
    let setup = format!(
        "INSERT INTO sessions VALUES ('s1', 'p1', 20, 'calm today');
         INSERT INTO pupils VALUES ('p1', 'Ada', 'Universal', 'n', '{}');",
        c.hlc.to_text()
    );
    let cases = [
        // An edit of a record that can only be added (a session's minutes).
        forged("UPDATE sessions SET minutes = 90 WHERE id = 's1'", &setup),
        // A mutable edit not stamped with its own time (would win every conflict).
        forged("UPDATE pupils SET notes = 'x' WHERE id = 'p1'", &setup),
        // An edit stamped with another time than the change's.
        forged(
            &format!("UPDATE pupils SET notes = 'x', hlc = '{}' WHERE id = 'p1'", "f".repeat(32)),
            &setup,
        ),
        // The same session id added again with other contents.
        forged("INSERT INTO sessions VALUES ('s1', 'p1', 999, 'other')", ""),
        // A table that is not synced.
        forged("CREATE TABLE users (id TEXT PRIMARY KEY, role TEXT); INSERT INTO users VALUES ('u', 'lead')", ""),
    ];
    for (i, cs) in cases.iter().enumerate() {
        let change = Change {
            origin: a.device(),
            seq: seq + 1,
            hlc: h,
            deps: vec![],
            changeset: cs.clone(),
        };
        let r = apply(&mut b.conn, &b.schema, &mut b.clock, 6_000, &change);
        assert!(matches!(r, Err(Error::Refused(_))), "case {i}: {r:?}");
        assert_eq!(b.digest(), before, "case {i} changed the vault");
        assert_eq!(changes::applied_seq(&b.conn, a.device()).unwrap(), seq);
    }
    // Garbage bytes as a changeset: refused, nothing changes.
    let change = Change {
        origin: a.device(),
        seq: seq + 1,
        hlc: h,
        deps: vec![],
        changeset: vec![0x54, 3, 1, 2, 3],
    };
    assert!(apply(&mut b.conn, &b.schema, &mut b.clock, 6_000, &change).is_err());
    assert_eq!(b.digest(), before);
}

#[test]
fn the_files_on_disk_are_encrypted() {
    let (_d, mut a, _b) = pair();
    a.add_pupil(1_000, "p1", "Zebedee Marchbanks", "frightened of the hall");
    a.conn
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    let bytes = std::fs::read(&a.path).unwrap();
    assert!(!bytes.starts_with(b"SQLite format 3"));
    let hay = String::from_utf8_lossy(&bytes);
    assert!(!hay.contains("Zebedee") && !hay.contains("frightened"));
}

/// Tables with INTEGER ids (the vault's record tables): a change whose id has the other type
/// (text `'11'` or `'011'` for the row `11`) is refused whole — it could otherwise stand
/// beside the row in the bookkeeping under another key and win or lose conflicts it should
/// not. The same change with an integer id applies.
#[test]
fn with_integer_ids_a_text_id_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let mut a = Replica::new_int(d.path(), "a", 1, [1u8; 32]);
    let mut b = Replica::new_int(d.path(), "b", 2, [2u8; 32]);
    let c = a.add_pupil(1_000, "11", "Ada", "n");
    b.receive(1_000, &c);
    let before = b.digest();
    let seq = changes::applied_seq(&b.conn, a.device()).unwrap();
    let h = Hlc::new(5_000, 0, a.device()).unwrap();
    let forged_as = |schema: &str, sql: &str| {
        let conn = attune_sync::rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(schema).unwrap();
        let mut s = Session::new(&conn).unwrap();
        s.attach(None::<&str>).unwrap();
        conn.execute_batch(sql).unwrap();
        let mut out = Vec::new();
        s.changeset_strm(&mut out).unwrap();
        out
    };
    let session_with =
        |id: &str| format!("INSERT INTO sessions VALUES ({id}, 11, 20, 'calm today')");
    for (i, id) in ["'11'", "'011'", "'s1'"].iter().enumerate() {
        let change = Change {
            origin: a.device(),
            seq: seq + 1,
            hlc: h,
            deps: vec![],
            changeset: forged_as(common::SCHEMA_SQL, &session_with(id)),
        };
        let r = apply(&mut b.conn, &b.schema, &mut b.clock, 6_000, &change);
        assert!(matches!(r, Err(Error::Refused(_))), "case {i}: {r:?}");
        assert_eq!(b.digest(), before, "case {i} changed the vault");
    }
    let change = Change {
        origin: a.device(),
        seq: seq + 1,
        hlc: h,
        deps: vec![],
        changeset: forged_as(common::SCHEMA_SQL_INT, &session_with("12")),
    };
    assert!(matches!(
        apply(&mut b.conn, &b.schema, &mut b.clock, 6_000, &change),
        Ok(Applied::Done { .. })
    ));
    assert_ne!(b.digest(), before);
}
