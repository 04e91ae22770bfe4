//! The caseload scope and the digest (issue 17), on real vaults.
//!
//! The oracle never comes from `scope` itself: the fixture below writes every row with raw SQL
//! and explicit ids, and says of each row by hand whose it is (a pupil, a key adult, the
//! school, or this vault only). Expected row counts and which changes must move which digest
//! come from that, not from the scope's table.

mod common;
use common::*;

use std::collections::{BTreeMap, BTreeSet};

use attune_domain::record::pupils;
use attune_domain::transfer::scope::{self, Class, DigestOf, Scope, TABLES};
use attune_vault::{Action, ErrorKind, Vault};
use rand::seq::SliceRandom;
use rusqlite::types::Value;
use rusqlite::Connection;

const TS: &str = "2026-11-22T09:00:00Z";

/// Whose a row is, as the fixture knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    /// The pupil with this id (pupils 1 and 3 are the first key adult's, 2 the second's).
    Pupil(i64),
    /// Key adult 0 (Grace, ka1) or 1 (Alan, ka2).
    Adult(usize),
    /// The school's reference data.
    School,
    /// Kept on this vault only.
    Local,
}

struct Row {
    table: &'static str,
    owner: Owner,
    sql: String,
}

fn pupil_of(p: i64) -> usize {
    if p == 2 {
        1
    } else {
        0
    }
}

/// Every row the fixture writes, in dependency order.
fn fixture(s: &School) -> Vec<Row> {
    let ka = [s.ka1_id.as_str(), s.ka2_id.as_str()];
    let l = s.lead_id.as_str();
    let mut rows = Vec::new();
    let mut add =
        |table: &'static str, owner: Owner, sql: String| rows.push(Row { table, owner, sql });
    for p in 1..=3i64 {
        let k = ka[pupil_of(p)];
        let o = Owner::Pupil(p);
        add("pupils", o, format!(
            "INSERT INTO pupils (id, legal_forename, legal_surname, preferred_name, date_of_birth,
                year_group, care_status, support_level, key_adult_id, status, created_at, updated_at)
             VALUES ({p}, 'Forename{p}', 'Surname{p}', NULL, '2016-03-04', 'Year 5', 'Looked after',
                'Intensive', '{k}', 'active', '{TS}', '{TS}')"));
        add(
            "pupil_identifiers",
            o,
            format!(
            "INSERT INTO pupil_identifiers (pupil_id, kind, value) VALUES ({p}, 'local', 'L{p}')"),
        );
        add(
            "assignments",
            o,
            format!(
            "INSERT INTO assignments (id, pupil_id, key_adult_id, from_date, to_date, assigned_by)
             VALUES ({p}, {p}, '{k}', '2026-09-01', NULL, '{l}')"),
        );
        add(
            "pupil_status_history",
            o,
            format!(
                "INSERT INTO pupil_status_history (id, pupil_id, kind, value, effective_from,
                recorded_at, recorded_by)
             VALUES ({p}, {p}, 'care_status', 'Looked after', '2026-09-01', '{TS}', '{l}')"
            ),
        );
        add(
            "profiles",
            o,
            format!(
                "INSERT INTO profiles (pupil_id, strengths_interests, updated_at, updated_by)
             VALUES ({p}, 'Lego {p}', '{TS}', '{k}')"
            ),
        );
        add(
            "agency_advice",
            o,
            format!(
                "INSERT INTO agency_advice (id, pupil_id, agency, source, advised_on, advice,
                recorded_by, created_at)
             VALUES ({p}, {p}, 'camhs', 'Dr Rowan', '2026-10-01', 'Advice {p}', '{k}', '{TS}')"
            ),
        );
        add(
            "team_members",
            o,
            format!(
                "INSERT INTO team_members (id, pupil_id, name, role, position)
             VALUES ({p}, {p}, 'Mr Team {p}', 'Class teacher', 1)"
            ),
        );
        add("plans", o, format!(
            "INSERT INTO plans (id, pupil_id, framework_id, start_date, horizon_end, cadence, status,
                created_at, created_by)
             VALUES ({p}, {p}, 'secure_base', '2026-09-01', '2027-07-20', 'termly', 'active',
                '{TS}', '{l}')"));
        add(
            "goals",
            o,
            format!(
                "INSERT INTO goals (id, plan_id, domain_id, outcome, baseline, target, position,
                created_at, updated_at)
             VALUES ({p}, {p}, 'belonging', 'Outcome {p}', 2, 8, 1, '{TS}', '{TS}')"
            ),
        );
        add(
            "review_due_dates",
            o,
            format!(
                "INSERT INTO review_due_dates (plan_id, due_date, provisional, held_at)
             VALUES ({p}, '2026-12-01', 0, NULL)"
            ),
        );
        add(
            "sessions",
            o,
            format!(
                "INSERT INTO sessions (id, pupil_id, held_on, minutes, kind, regulation, note,
                recorded_by, created_at)
             VALUES ({p}, {p}, '2026-10-02', 30, 'planned', 5, 'Note {p}', '{k}', '{TS}')"
            ),
        );
        add(
            "chronology",
            o,
            format!(
                "INSERT INTO chronology (id, pupil_id, occurred_on, kind, description, recorded_by,
                created_at)
             VALUES ({p}, {p}, '2026-10-03', 'other', 'Event {p}', '{k}', '{TS}')"
            ),
        );
        add(
            "instrument_scores",
            o,
            format!(
            "INSERT INTO instrument_scores (id, pupil_id, instrument, subscale, score, completed_on,
                completed_by, recorded_by, created_at)
             VALUES ({p}, {p}, 'sdq', 'total', 12, '2026-10-04', 'Teacher', '{k}', '{TS}')"),
        );
        add(
            "termly_indicators",
            o,
            format!(
                "INSERT INTO termly_indicators (id, pupil_id, term_label, attendance_pct,
                exclusion_days, physical_interventions, updated_at, updated_by)
             VALUES ({p}, {p}, 'Autumn 2026', 95.5, 0.5, 0, '{TS}', '{k}')"
            ),
        );
        add(
            "record_versions",
            o,
            format!(
                "INSERT INTO record_versions (id, pupil_id, record_table, record_id, old_values,
                reason, changed_by, changed_at)
             VALUES ({p}, {p}, 'sessions', {p}, '{{\"minutes\":20}}', 'Typo {p}', '{k}', '{TS}')"
            ),
        );
        add(
            "reviews",
            o,
            format!(
            "INSERT INTO reviews (id, plan_id, due_date, status, content, created_at, created_by,
                updated_at)
             VALUES ({p}, {p}, '2026-12-01', 'draft', '{{}}', '{TS}', '{k}', '{TS}')"),
        );
        add(
            "review_goal_ratings",
            o,
            format!(
                "INSERT INTO review_goal_ratings (review_id, goal_id, rating, decision, evidence)
             VALUES ({p}, {p}, 6, 'continue', 'Evidence {p}')"
            ),
        );
        add(
            "review_amendments",
            o,
            format!(
                "INSERT INTO review_amendments (id, review_id, reason, body, author_id, created_at)
             VALUES ({p}, {p}, 'Typo', 'Body {p}', '{k}', '{TS}')"
            ),
        );
    }
    for (a, k) in ka.iter().enumerate() {
        let n = a as i64 + 1;
        let o = Owner::Adult(a);
        add(
            "supervision_notes",
            o,
            format!(
                "INSERT INTO supervision_notes (id, held_on, kind, key_adult_id, notes, actions,
                recorded_by, created_at)
             VALUES ({n}, '2026-11-01', 'supervision', '{k}', 'Notes {n}', 'Actions {n}', '{l}',
                '{TS}')"
            ),
        );
        // Each note discusses one of that key adult's pupils (1 for ka1, 2 for ka2).
        add(
            "supervision_pupils",
            o,
            format!("INSERT INTO supervision_pupils (note_id, pupil_id) VALUES ({n}, {n})"),
        );
    }
    let school = Owner::School;
    add(
        "settings",
        school,
        "INSERT INTO settings (key, value) VALUES ('retention_years', '7')".into(),
    );
    add(
        "settings",
        school,
        "INSERT INTO settings (key, value) VALUES ('review_sign_off', 'key_adult')".into(),
    );
    add(
        "school_calendars",
        school,
        format!(
            "INSERT INTO school_calendars (year_label, content, updated_at, updated_by)
         VALUES ('2026-27', '{{}}', '{TS}', '{l}')"
        ),
    );
    add(
        "school_frameworks",
        school,
        format!(
            "INSERT INTO school_frameworks (id, content, added_at, added_by)
         VALUES ('our_own', '{{}}', '{TS}', '{l}')"
        ),
    );
    add(
        "list_items",
        school,
        "INSERT INTO list_items (list, label, position) VALUES ('support_level', 'Targeted', 4)"
            .into(),
    );
    // What stays on this laptop.
    add(
        "settings",
        Owner::Local,
        "INSERT INTO settings (key, value) VALUES ('auto_backup_keep', '5')".into(),
    );
    add(
        "drafts",
        Owner::Local,
        format!(
            "INSERT INTO drafts (user_id, form_key, content, updated_at)
         VALUES ('{}', 'session:1', 'half a sentence', '{TS}')",
            ka[0]
        ),
    );
    add(
        "published_summaries",
        Owner::Local,
        format!(
        "INSERT INTO published_summaries (id, start_year, term, k, exported_at, summary, figures)
         VALUES (1, 2025, NULL, 5, '{TS}', '{{}}', '{{}}')"),
    );
    rows
}

/// Writes `rows` in the given order (foreign keys checked at commit); returns each row's
/// (table, rowid, owner), together with the rows the vault wrote itself when it was made.
fn fill(v: &mut Vault, rows: &[&Row]) -> Vec<(&'static str, i64, Owner)> {
    let conn = v.conn_mut().unwrap();
    let tx = conn.transaction().unwrap();
    tx.execute_batch("PRAGMA defer_foreign_keys = ON").unwrap();
    let mut out = Vec::new();
    for r in rows {
        tx.execute_batch(&r.sql)
            .unwrap_or_else(|e| panic!("{}: {e}", r.sql));
        out.push((r.table, tx.last_insert_rowid(), r.owner));
    }
    tx.commit().unwrap();
    // Written by Vault::create, add_user and migration 0002.
    for (table, owner) in [("users", Owner::School), ("list_items", Owner::School)] {
        for id in rowids(v.conn().unwrap(), table, "1") {
            if !out.iter().any(|o| o.0 == table && o.1 == id) {
                out.push((table, id, owner));
            }
        }
    }
    for id in rowids(
        v.conn().unwrap(),
        "settings",
        "key IN ('school', 'auto_lock_minutes')",
    ) {
        out.push(("settings", id, Owner::School));
    }
    out
}

fn rowids(conn: &Connection, table: &str, cond: &str) -> Vec<i64> {
    let mut stmt = conn
        .prepare(&format!("SELECT rowid FROM {table} WHERE {cond}"))
        .unwrap();
    let ids = stmt.query_map([], |r| r.get(0)).unwrap();
    ids.map(|r| r.unwrap()).collect()
}

fn columns(conn: &Connection, table: &str) -> Vec<String> {
    let mut stmt = conn
        .prepare("SELECT name FROM pragma_table_info(?1)")
        .unwrap();
    let names = stmt.query_map([table], |r| r.get(0)).unwrap();
    names.map(|r| r.unwrap()).collect()
}

/// Values that CHECK constraints allow somewhere in the schema, tried when appending to a
/// text is refused.
const ENUM_WORDS: &[&str] = &[
    "check_in",
    "crisis",
    "closed",
    "signed",
    "left",
    "key_adult",
    "strategic_lead",
    "care_status",
    "social_worker",
    "boxall",
    "bereavement",
    "consultation",
    "upn",
    "achieved",
    "stop",
    "change",
    "half_termly",
];

/// Changes one value: `table`.`column` of the row `rowid`, to some other value its
/// constraints allow. False when no candidate was accepted (nothing changed).
fn change_value(conn: &Connection, table: &str, rowid: i64, column: &str) -> bool {
    let current: Value = conn
        .query_row(
            &format!("SELECT {column} FROM {table} WHERE rowid = ?1"),
            [rowid],
            |r| r.get(0),
        )
        .unwrap();
    let candidates: Vec<Value> = match current {
        Value::Null => vec![Value::Integer(1), Value::Text("2026-01-01".into())],
        Value::Integer(i) => vec![Value::Integer(i + 1000), Value::Integer(i - 1)],
        Value::Real(f) => vec![Value::Real(f + 0.25), Value::Real(f - 0.25)],
        Value::Text(t) => std::iter::once(Value::Text(format!("{t}x")))
            .chain(
                ENUM_WORDS
                    .iter()
                    .filter(|w| **w != t)
                    .map(|w| Value::Text(w.to_string())),
            )
            .collect(),
        Value::Blob(mut b) => {
            b.push(0);
            vec![Value::Blob(b)]
        }
    };
    for c in candidates {
        conn.execute_batch("SAVEPOINT candidate").unwrap();
        let sql = format!("UPDATE {table} SET {column} = ?1 WHERE rowid = ?2");
        match conn.execute(&sql, rusqlite::params![c, rowid]) {
            Ok(1) => {
                conn.execute_batch("RELEASE candidate").unwrap();
                return true;
            }
            _ => conn
                .execute_batch("ROLLBACK TO candidate; RELEASE candidate")
                .unwrap(),
        }
    }
    false
}

/// Runs `f` inside a savepoint that is rolled back afterwards.
fn undone<T>(conn: &Connection, f: impl FnOnce() -> T) -> T {
    conn.execute_batch("SAVEPOINT trial").unwrap();
    let out = f();
    conn.execute_batch("ROLLBACK TO trial; RELEASE trial")
        .unwrap();
    out
}

struct Digests {
    whole: scope::Digest,
    ka1: scope::Digest,
    ka2: scope::Digest,
}

fn digests(conn: &Connection, s: &School) -> Digests {
    Digests {
        whole: scope::digest(conn, Scope::Whole).unwrap(),
        ka1: scope::digest(conn, Scope::Caseload(&s.ka1_id)).unwrap(),
        ka2: scope::digest(conn, Scope::Caseload(&s.ka2_id)).unwrap(),
    }
}

/// What the fixture's owners say each digest counts.
fn expected_counts(
    rows: &[(&'static str, i64, Owner)],
    mine: impl Fn(Owner) -> bool,
) -> BTreeMap<&'static str, u64> {
    let mut out: BTreeMap<&'static str, u64> = BTreeMap::new();
    for t in TABLES {
        if !matches!(t.class, Class::Local(_)) {
            out.insert(t.name, 0);
        }
    }
    for (table, _, owner) in rows {
        if *owner != Owner::Local && mine(*owner) {
            *out.get_mut(table).expect("a synced table") += 1;
        }
    }
    out
}

fn ka1_owns(o: Owner) -> bool {
    matches!(
        o,
        Owner::Pupil(1) | Owner::Pupil(3) | Owner::Adult(0) | Owner::School
    )
}

fn ka2_owns(o: Owner) -> bool {
    matches!(o, Owner::Pupil(2) | Owner::Adult(1) | Owner::School)
}

#[test]
fn every_table_of_a_migrated_vault_is_classified_and_its_key_is_the_tables_own() {
    let (_s, v) = school();
    let conn = v.conn().unwrap();
    // ANALYZE makes SQLite's statistics table too, which a vault may come to hold.
    conn.execute_batch("ANALYZE").unwrap();
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap();
    let names: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert!(names.len() > 20, "{names:?}");
    for n in &names {
        assert!(
            scope::table(n).is_some(),
            "table {n} is not classified in attune_domain::transfer::scope::TABLES: say whether \
             it is a pupil's, a key adult's, the school's or this vault's own"
        );
    }
    // And the list names no table that does not exist (SQLite's optional ones aside).
    for t in TABLES {
        assert!(
            names.iter().any(|n| n == t.name) || t.name.starts_with("sqlite_stat"),
            "{} is classified but not in the schema",
            t.name
        );
        if matches!(t.class, Class::Local(_)) {
            continue;
        }
        // The declared key is the table's primary key, in its order.
        let mut pk: Vec<(i64, String)> = conn
            .prepare("SELECT pk, name FROM pragma_table_info(?1) WHERE pk > 0")
            .unwrap()
            .query_map([t.name], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        pk.sort();
        let pk: Vec<&str> = pk.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(pk, t.key, "{}'s primary key", t.name);
        let cols = columns(conn, t.name);
        if let Class::Reference {
            columns: Some(some),
            ..
        } = t.class
        {
            for c in some {
                assert!(cols.iter().any(|x| x == c), "{}.{c}", t.name);
            }
        }
        // Every statement built from the table prepares against the real schema.
        for scope in [Scope::Whole, Scope::Caseload("someone")] {
            let sql = scope::rows_sql(t, scope).unwrap();
            conn.prepare(&sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
    }
}

#[test]
fn the_same_records_in_any_order_give_the_same_digests_and_the_owners_counts() {
    let mut results = Vec::new();
    for order in 0..3u64 {
        let (s, mut v) = school();
        let rows = fixture(&s);
        let mut refs: Vec<&Row> = rows.iter().collect();
        match order {
            0 => {}
            1 => refs.reverse(),
            _ => refs.shuffle(&mut rng(42)),
        }
        let written = fill(&mut v, &refs);
        let d = digests(v.conn().unwrap(), &s);
        // Counts from the fixture's owners.
        assert_eq!(d.whole.counts, expected_counts(&written, |_| true));
        assert_eq!(d.ka1.counts, expected_counts(&written, ka1_owns));
        assert_eq!(d.ka2.counts, expected_counts(&written, ka2_owns));
        assert_eq!(d.ka1.counts["sessions"], 2);
        assert_eq!(d.ka2.counts["supervision_pupils"], 1);
        results.push((s.lead_id.clone(), s.ka1_id.clone(), d));
    }
    let (lead, ka1, first) = &results[0];
    assert_ne!(first.whole.sha256, first.ka1.sha256);
    assert_ne!(first.ka1.sha256, first.ka2.sha256);
    for (l, k, d) in &results[1..] {
        // The vaults were made alike (seeded), so only the order of writing differs.
        assert_eq!((l, k), (lead, ka1));
        assert_eq!(d.whole, first.whole);
        assert_eq!(d.ka1, first.ka1);
        assert_eq!(d.ka2, first.ka2);
    }
}

#[test]
fn every_value_of_every_synced_table_is_in_the_whole_digest() {
    let (s, mut v) = school();
    let rows = fixture(&s);
    let written = fill(&mut v, &rows.iter().collect::<Vec<_>>());
    let conn = v.conn().unwrap();
    // Ids too: with foreign keys off, a row's id can change without its children.
    conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
    let before = scope::digest(conn, Scope::Whole).unwrap();
    let mut changed_columns = 0;
    let tables: BTreeSet<&str> = written
        .iter()
        .filter(|w| w.2 != Owner::Local)
        .map(|w| w.0)
        .collect();
    for table in &tables {
        let (_, rowid, _) = written
            .iter()
            .find(|w| w.0 == *table && w.2 != Owner::Local)
            .unwrap();
        let mut in_table = 0;
        for column in columns(conn, table) {
            // Users' creation times are not carried (ids, names, roles and removals are).
            let carried = !(*table == "users" && column == "created_at");
            let moved = undone(conn, || {
                change_value(conn, table, *rowid, &column)
                    .then(|| scope::digest(conn, Scope::Whole).unwrap() != before)
            });
            // None: no other value its constraints allow.
            if let Some(m) = moved {
                assert_eq!(m, carried, "{table}.{column} changed");
                in_table += 1;
            }
        }
        assert!(in_table > 0, "nothing of {table} could be changed");
        changed_columns += in_table;
    }
    assert_eq!(scope::digest(conn, Scope::Whole).unwrap(), before);
    // Every table but the local ones, and nearly every column of them.
    let synced: BTreeSet<&str> = TABLES
        .iter()
        .filter(|t| !matches!(t.class, Class::Local(_)))
        .map(|t| t.name)
        .collect();
    assert_eq!(tables, synced);
    assert!(changed_columns > 150, "{changed_columns}");
}

#[test]
fn a_caseload_digest_moves_with_that_caseloads_rows_only() {
    let (s, mut v) = school();
    let rows = fixture(&s);
    let written = fill(&mut v, &rows.iter().collect::<Vec<_>>());
    let conn = v.conn().unwrap();
    let before = digests(conn, &s);
    let mut seen_pupil_tables: BTreeMap<&str, BTreeSet<bool>> = BTreeMap::new();
    for (table, rowid, owner) in &written {
        // An edit of a value that is not a link between records (ids keep the row where it
        // belongs), and a deletion.
        let value_column = columns(conn, table)
            .into_iter()
            .filter(|c| c != "id" && !c.ends_with("_id"))
            .find(|c| undone(conn, || change_value(conn, table, *rowid, c)));
        let mut trials = 0;
        for edit in [true, false] {
            let after = undone(conn, || {
                let done = if edit {
                    value_column
                        .as_ref()
                        .is_some_and(|c| change_value(conn, table, *rowid, c))
                } else {
                    conn.execute(&format!("DELETE FROM {table} WHERE rowid = ?1"), [rowid])
                        .is_ok()
                };
                done.then(|| digests(conn, &s))
            });
            let Some(after) = after else { continue };
            trials += 1;
            let what = format!(
                "{} of {table} row {rowid} ({owner:?})",
                if edit { "an edit" } else { "deleting" }
            );
            assert_eq!(
                after.whole != before.whole,
                *owner != Owner::Local,
                "whole digest, {what}"
            );
            assert_eq!(
                after.ka1 != before.ka1,
                *owner != Owner::Local && ka1_owns(*owner),
                "ka1's digest, {what}"
            );
            assert_eq!(
                after.ka2 != before.ka2,
                *owner != Owner::Local && ka2_owns(*owner),
                "ka2's digest, {what}"
            );
        }
        assert!(trials > 0, "{table} row {rowid}: nothing could be changed");
        if let Owner::Pupil(p) = owner {
            seen_pupil_tables
                .entry(table)
                .or_default()
                .insert(pupil_of(*p) == 0);
        }
    }
    // Every pupil table had rows of both key adults' pupils.
    for t in TABLES {
        if matches!(t.class, Class::Pupil(_)) {
            assert_eq!(
                seen_pupil_tables.get(t.name).map(|s| s.len()),
                Some(2),
                "{}",
                t.name
            );
        }
    }
}

#[test]
fn reassigning_or_archiving_a_pupil_moves_both_caseload_digests() {
    let (s, mut v) = school();
    let rows = fixture(&s);
    fill(&mut v, &rows.iter().collect::<Vec<_>>());
    let before = digests(v.conn().unwrap(), &s);
    // Through the domain, as the lead does it.
    pupils::assign_key_adult(&mut v, 1, Some(&s.ka2_id), today(), now()).unwrap();
    let moved = digests(v.conn().unwrap(), &s);
    assert_ne!(moved.ka1, before.ka1);
    assert_ne!(moved.ka2, before.ka2);
    assert_eq!(moved.ka1.counts["sessions"], 1);
    assert_eq!(moved.ka2.counts["sessions"], 2);
    // ka2 now holds pupil 1's whole history, assignments before theirs too.
    assert_eq!(moved.ka2.counts["assignments"], 3);
    // The supervision note stays with the adult it was with, but its link to pupil 1 goes
    // to neither laptop: ka1 no longer has the pupil, ka2 never had the note (ka2 keeps the
    // link of their own note).
    assert_eq!(before.ka1.counts["supervision_pupils"], 1);
    assert_eq!(
        moved.ka1.counts["supervision_notes"],
        before.ka1.counts["supervision_notes"]
    );
    assert_eq!(moved.ka1.counts["supervision_pupils"], 0);
    assert_eq!(
        moved.ka2.counts["supervision_pupils"],
        before.ka2.counts["supervision_pupils"]
    );
    assert_eq!(
        moved.whole.counts["supervision_pupils"],
        before.whole.counts["supervision_pupils"]
    );

    // An archived pupil is on no caseload (access lets no key adult see them), even were
    // their key adult still named.
    let conn = v.conn().unwrap();
    let archived_only = undone(conn, || {
        conn.execute("UPDATE pupils SET status = 'archived' WHERE id = 3", [])
            .unwrap();
        scope::digest(conn, Scope::Caseload(&s.ka1_id)).unwrap()
    });
    assert_eq!(archived_only.counts["pupils"], 0);
    pupils::archive_pupil(&mut v, 3, now()).unwrap();
    let archived = digests(v.conn().unwrap(), &s);
    assert_eq!(archived.ka1.counts["pupils"], 0);
    assert_eq!(archived.ka1.counts["sessions"], 0);
    assert_eq!(archived.ka2, moved.ka2);
    assert_eq!(archived.whole.counts["pupils"], 3);
}

#[test]
fn local_tables_move_no_digest() {
    let (s, mut v) = school();
    let rows = fixture(&s);
    fill(&mut v, &rows.iter().collect::<Vec<_>>());
    let before = digests(v.conn().unwrap(), &s);
    v.audit(Action::VaultVerify, None, "ok", now()).unwrap();
    let conn = v.conn().unwrap();
    conn.execute_batch(&format!(
        "UPDATE drafts SET content = 'a whole sentence now';
         INSERT INTO drafts (user_id, form_key, content, updated_at)
             VALUES ('{}', 'session:2', 'more', '{TS}');
         UPDATE settings SET value = '9' WHERE key = 'auto_backup_keep';
         DELETE FROM published_summaries;",
        s.ka2_id
    ))
    .unwrap();
    let after = digests(conn, &s);
    assert_eq!(after.whole, before.whole);
    assert_eq!(after.ka1, before.ka1);
    assert_eq!(after.ka2, before.ka2);
}

#[test]
fn who_may_have_which_digest() {
    let (s, mut v) = school();
    let rows = fixture(&s);
    fill(&mut v, &rows.iter().collect::<Vec<_>>());
    let (whole, of) = scope::vault_digest(&v, None, now()).unwrap();
    assert_eq!(of, DigestOf::Whole);
    assert_eq!(
        whole,
        scope::digest(v.conn().unwrap(), Scope::Whole).unwrap()
    );
    let (lead_for_ka1, of) = scope::vault_digest(&v, Some(&s.ka1_id), now()).unwrap();
    assert_eq!(of, DigestOf::Caseload(s.ka1_id.clone()));
    assert_eq!(last_audit(&v).action, "sync.digest");
    let e = scope::vault_digest(&v, Some("no-such-user"), now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    v.lock("test", now());

    let ka1 = unlock(&s.dir, &s.ka1_id, KA1_PASS);
    let (own, of) = scope::vault_digest(&ka1, None, now()).unwrap();
    assert_eq!(of, DigestOf::Caseload(s.ka1_id.clone()));
    assert_eq!(own, lead_for_ka1);
    assert_eq!(
        scope::vault_digest(&ka1, Some(&s.ka1_id), now()).unwrap().0,
        own
    );
    let e = scope::vault_digest(&ka1, Some(&s.ka2_id), now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotPermitted);
    let refused = last_audit(&ka1);
    assert_eq!(
        (refused.action.as_str(), refused.outcome.as_str()),
        ("sync.digest", "refused")
    );
    assert_eq!(
        refused.target.as_deref(),
        Some(&*format!("user:{}", s.ka2_id))
    );
}
