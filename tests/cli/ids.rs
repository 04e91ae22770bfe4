//! Issue 17: every row `attune-admin demo` writes lands in its vault's device range, even in a
//! table that already holds rows from other devices' ranges (as if received by sync). The
//! oracle is SQL over the whole schema, every table with an `INTEGER PRIMARY KEY id`, with the
//! ranges written out as numbers here, never `attune_vault::ids::next_id`.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use attune_vault::{Passphrase, Vault};
use rusqlite::Connection;

const PASSPHRASE: &str = "correct horse battery staple 1917";
/// 2^40: the width of a device's range.
const RANGE: i64 = 1_099_511_627_776;
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
    "sync_base_key",
    "sync_conflicts",
    "sync_device",
    "sync_identity",
    // The lead's earlier versions of supervision notes: never leave the school vault.
    "supervision_note_versions",
];

fn admin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_attune-admin"));
    for k in [
        "ATTUNE_PASSPHRASE",
        "ATTUNE_NEW_PASSPHRASE",
        "ATTUNE_RECOVERY_KEY",
    ] {
        c.env_remove(k);
    }
    c.stdin(std::process::Stdio::null());
    c
}

fn run(dir: &std::path::Path, args: &[&str]) -> String {
    let out = admin()
        .arg("--vault")
        .arg(dir)
        .args(["--user", "Ada Lovelace"])
        .args(args)
        .env("ATTUNE_PASSPHRASE", PASSPHRASE)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{args:?}: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn unlock(dir: &std::path::Path) -> Vault {
    let now = chrono::Utc::now();
    let users = match attune_vault::status(dir, now).unwrap() {
        attune_vault::VaultStatus::Present { users, .. } => users,
        attune_vault::VaultStatus::Absent => panic!("no vault"),
    };
    let lead = users.iter().find(|u| u.name == "Ada Lovelace").unwrap();
    Vault::unlock(
        dir,
        &lead.id,
        &Passphrase::new(PASSPHRASE.to_string()),
        &mut rand::rngs::OsRng,
        now,
    )
    .unwrap()
}

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

/// A pupil with one of everything under `id` in every record table, as sync would bring it.
fn insert_received(conn: &Connection, id: i64, user: &str) {
    let t = "2026-11-01T09:00:00Z";
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
        stmt.raw_execute().unwrap_or_else(|e| panic!("{e}: {sql}"));
    }
}

#[test]
fn every_row_the_demo_writes_lands_in_its_devices_range() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    run(&dir, &["init", "--school", "Hillside Primary"]);

    // Rows from device 9 and a high one of device 0's in every record table; then this
    // vault becomes device 7, as a laptop's join will make it.
    let received = [FROM_DEVICE_9, HIGH_DEVICE_0];
    {
        let v = unlock(&dir);
        let lead = v.session().user.id.clone();
        let conn = v.conn().unwrap();
        for id in received {
            insert_received(conn, id, &lead);
        }
        assert_eq!(record_tables(conn).len(), 15);
        attune_vault::ids::set_device_no(conn, 7).unwrap();
        v.lock("test", chrono::Utc::now());
    }

    let stdout = run(&dir, &["demo", "--size", "small", "--seed", "7"]);
    assert!(stdout.contains("Generated 30 pupils"), "{stdout}");

    let v = unlock(&dir);
    let conn = v.conn().unwrap();
    let mut written: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for table in record_tables(conn) {
        // The name comes from the schema itself.
        let ids: Vec<i64> = conn
            .prepare(&format!("SELECT id FROM \"{table}\" ORDER BY id"))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        for r in received {
            assert!(ids.contains(&r), "{table}: the received row {r} is gone");
        }
        written.insert(
            table,
            ids.into_iter().filter(|i| !received.contains(i)).collect(),
        );
    }
    for (table, ids) in &written {
        for id in ids {
            assert!(
                (7 * RANGE..8 * RANGE).contains(id),
                "{table}: id {id} is outside device 7's range"
            );
        }
        // Device 7's first id, then one more each time.
        let expected: Vec<i64> = (0..ids.len() as i64).map(|k| 7 * RANGE + k).collect();
        assert_eq!(ids, &expected, "{table}");
    }
    // What the demo writes, so the check above is not empty (the other record tables are
    // covered by attune-domain's tests/ids.rs).
    let filled: BTreeSet<&str> = written
        .iter()
        .filter(|(_, ids)| !ids.is_empty())
        .map(|(t, _)| t.as_str())
        .collect();
    assert_eq!(
        filled,
        BTreeSet::from([
            "agency_advice",
            "assignments",
            "chronology",
            "goals",
            "instrument_scores",
            "plans",
            "pupil_status_history",
            "pupils",
            "reviews",
            "sessions",
            "supervision_notes",
            "team_members",
            "termly_indicators",
        ])
    );
    assert_eq!(written["pupils"].len(), 30);
    assert_eq!(attune_vault::ids::device_no(conn).unwrap(), 7);
    let fk: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(fk, 0);
    v.lock("test", chrono::Utc::now());
}
