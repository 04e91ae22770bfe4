//! Record ids from the device range (issue 17) on real vault files: the list of record tables
//! matches the schema, an existing vault upgrades to device 0 with its ids unchanged, and the
//! device number survives locking.

mod common;
use common::*;

use std::collections::BTreeSet;

use attune_vault::ids::{device_no, next_id, set_device_no, RecordTable};
use attune_vault::{ErrorKind, Passphrase, Vault};

/// Tables with an integer `id` that never leave the vault and keep SQLite's own numbering
/// (`audit_log`, numbered by `seq`, is local too).
const LOCAL_ONLY: &[&str] = &[
    "audit_secret",
    "keyslot_copy",
    "published_summaries",
    // The strategic lead's earlier versions of supervision notes stay on the school vault.
    "supervision_note_versions",
    "sync_base_key",
    "sync_conflicts",
    "sync_device",
    "sync_identity",
];

fn unlock(dir: &std::path::Path) -> Vault {
    Vault::unlock(
        dir,
        &lead_id(dir),
        &Passphrase::new(LEAD_PASS),
        &mut rng(2),
        now(),
    )
    .unwrap()
}

#[test]
fn record_table_names_every_table_with_integer_ids_that_can_leave_the_vault() {
    let tmp = tempfile::tempdir().unwrap();
    let (v, _) = make_vault(&tmp.path().join("v"));
    let conn = v.conn().unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT t.name FROM pragma_table_list AS t, pragma_table_info(t.name) AS c
             WHERE t.schema = 'main' AND t.type = 'table' AND t.name NOT LIKE 'sqlite_%'
               AND c.name = 'id' AND c.pk = 1 AND upper(c.type) = 'INTEGER'",
        )
        .unwrap();
    let in_schema: BTreeSet<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let local: BTreeSet<String> = LOCAL_ONLY.iter().map(|s| s.to_string()).collect();
    assert!(in_schema.is_superset(&local), "{in_schema:?}");
    let named: BTreeSet<String> = RecordTable::ALL
        .iter()
        .map(|t| t.name().to_string())
        .collect();
    assert_eq!(
        in_schema
            .difference(&local)
            .cloned()
            .collect::<BTreeSet<_>>(),
        named,
        "a table with integer ids is in neither RecordTable nor the local-only list"
    );
}

#[test]
fn an_existing_vault_upgrades_to_device_0_and_keeps_its_ids() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let (v, _) = make_vault(&dir);
    // As a vault of schema 8 was: no sync_device table, and rowids chosen by SQLite.
    v.conn()
        .unwrap()
        .execute_batch(
            &(attune_vault::db::rewind_sql(attune_vault::db::version_with("0016_list_retired"))
                + "
             ALTER TABLE list_items DROP COLUMN retired;
             DROP TABLE sync_device;
             DROP TABLE sync_laptops;
             DROP TABLE sync_id_high;
             DROP TABLE sync_identity;
             DROP TABLE sync_peers;
             DROP TABLE sync_arrivals;
             DROP TABLE sync_log;
             DROP TABLE sync_clock;
             DROP TABLE sync_tombstone;
             DROP TABLE sync_applied;
             DROP TABLE sync_peer_state;
             DROP TABLE sync_conflicts;
             DROP TABLE sync_base_key;
             DROP TABLE sync_audit_copies;
             DROP TABLE sync_audit_keys;
             DROP TABLE sync_signed_relay;
             PRAGMA user_version = 8;
             INSERT INTO pupils (legal_forename, legal_surname, date_of_birth, year_group,
                 created_at, updated_at)
             VALUES ('Old', 'Row', '2016-01-01', 'Y5', 't', 't'),
                    ('Older', 'Row', '2016-01-01', 'Y5', 't', 't');"),
        )
        .unwrap();
    v.lock("test", now());

    let v = unlock(&dir);
    assert_eq!(
        v.schema_version().unwrap(),
        attune_vault::db::schema_version()
    );
    let conn = v.conn().unwrap();
    assert_eq!(device_no(conn).unwrap(), 0);
    let ids: Vec<i64> = conn
        .prepare("SELECT id FROM pupils ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(ids, vec![1, 2]);
    assert_eq!(next_id(conn, RecordTable::Pupils).unwrap(), 3);
    assert_eq!(next_id(conn, RecordTable::Sessions).unwrap(), 1);
}

#[test]
fn the_device_number_is_kept_and_set_only_once() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let (v, _) = make_vault(&dir);
    let e = set_device_no(v.conn().unwrap(), 4096).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    set_device_no(v.conn().unwrap(), 7).unwrap();
    v.lock("test", now());

    let v = unlock(&dir);
    let conn = v.conn().unwrap();
    assert_eq!(device_no(conn).unwrap(), 7);
    assert_eq!(
        next_id(conn, RecordTable::Plans).unwrap(),
        7_696_581_394_432
    );
    let e = set_device_no(conn, 8).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotPermitted);
    let e = set_device_no(conn, 0).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotPermitted);
    set_device_no(conn, 7).unwrap();
    assert_eq!(device_no(conn).unwrap(), 7);
}
