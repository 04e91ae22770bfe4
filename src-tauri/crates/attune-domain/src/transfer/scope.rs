//! What a vault holds for a user: the **caseload scope**, one data table saying, for every
//! table of the vault's schema, whether and how its rows belong to a key adult's caseload, and
//! the canonical [`digest`] of what a vault holds (whole, or for one user).
//!
//! Sync across laptops (issue 17) needs this one definition three times: the enrolment file
//! copies exactly a caseload's rows, the school refuses a laptop's change to a row outside it,
//! and the convergence test compares the school vault's digest for a user with the digest of
//! that user's laptop. Each table (see [`TABLES`]) is one of:
//! - [`Class::Pupil`] — a pupil's record; its rows reach their pupil through a `pupil_id`
//!   column or a chain of parents (`review_id` → reviews → `plan_id` → plans → `pupil_id`);
//! - [`Class::KeyAdult`] — owned by a key adult directly (their supervision notes);
//! - [`Class::Reference`] — school-wide data a laptop also holds (term dates, frameworks,
//!   lists, the settings that are not the device's own, users' ids, names and roles);
//! - [`Class::Local`] — never leaves the vault that wrote it, with the reason.
//!
//! A user's **caseload** is the pupils whose current key adult they are
//! (`pupils.key_adult_id`, which the open row of `assignments` always matches) and who are not
//! archived — exactly the pupils [`crate::access`] lets a key adult see.
//!
//! **Invariants.** Every table of a migrated vault is classified here (a test reads
//! `sqlite_master`), so a new table cannot escape enrolment, the role checks on import or the
//! digest. Every SQL statement this module runs is built from the `&'static str`s of
//! [`TABLES`]; the user is only ever a bound parameter (`:user`). The digest reads in one
//! snapshot and never depends on the order rows were written in.

use std::collections::BTreeMap;

use attune_vault::{Action, Role, Vault};
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{named_params, Connection, OptionalExtension};
use sha2::{Digest as _, Sha256};

use crate::access;
use crate::error::{Error, Result};

/// How the rows of a table reach their owner (a pupil, or a key adult).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The table's own column holds the owner's id (`pupils.id` itself for `pupils`).
    Column(&'static str),
    /// The column refers to `parent.id`, and the parent's row reaches the owner.
    Via {
        /// The referring column.
        column: &'static str,
        /// The parent table (of the same class).
        parent: &'static str,
    },
}

/// What a table is to sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// A pupil's record.
    Pupil(Reach),
    /// Owned by a key adult directly.
    KeyAdult(Reach),
    /// Owned by a key adult (through the reach) **and** naming a pupil (this column): a row is
    /// theirs only while the pupil is on their caseload too — the pupils discussed in a
    /// supervision note, once one of them has moved to another key adult, stay at the school.
    KeyAdultAboutPupil { reach: Reach, pupil: &'static str },
    /// School-wide reference data that every laptop holds.
    Reference {
        /// Only the rows meeting this condition (static SQL), when not all of them.
        rows: Option<&'static str>,
        /// Only these columns, when not all of them.
        columns: Option<&'static [&'static str]>,
    },
    /// Kept on this vault only, never synced: why.
    Local(&'static str),
}

/// One table of the vault's schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableScope {
    /// The table's name.
    pub name: &'static str,
    /// Its primary key's columns, in the key's order: the order of its rows in a digest.
    pub key: &'static [&'static str],
    /// What it is to sync.
    pub class: Class,
}

const fn pupil(name: &'static str, key: &'static [&'static str], reach: Reach) -> TableScope {
    TableScope {
        name,
        key,
        class: Class::Pupil(reach),
    }
}

const fn local(name: &'static str, why: &'static str) -> TableScope {
    TableScope {
        name,
        key: &[],
        class: Class::Local(why),
    }
}

const fn reference(name: &'static str, key: &'static [&'static str]) -> TableScope {
    TableScope {
        name,
        key,
        class: Class::Reference {
            rows: None,
            columns: None,
        },
    }
}

const ID: &[&str] = &["id"];
const BY_PUPIL: Reach = Reach::Column("pupil_id");
const BY_PLAN: Reach = Reach::Via {
    column: "plan_id",
    parent: "plans",
};
const BY_REVIEW: Reach = Reach::Via {
    column: "review_id",
    parent: "reviews",
};

/// The settings every laptop holds: the school's name and its policies. `auto_backup_keep`
/// is the device's own (how many automatic backups this laptop keeps of its own vault).
pub const SYNCED_SETTINGS: &[&str] = &[
    "auto_lock_minutes",
    "retention_years",
    "review_sign_off",
    "safeguarding_words",
    "school",
    "school_year",
];
/// The settings that stay on the device.
pub const LOCAL_SETTINGS: &[&str] = &["auto_backup_keep"];

/// Every table of the vault's schema (migrations `0001`–`0010`), by name.
pub const TABLES: &[TableScope] = &[
    pupil("agency_advice", ID, BY_PUPIL),
    pupil("assignments", ID, BY_PUPIL),
    local(
        "audit_log",
        "each vault keeps its own hash chain; it is never rewritten by another's",
    ),
    local(
        "audit_secret",
        "the audit chain's MAC key: key material of this vault",
    ),
    pupil("chronology", ID, BY_PUPIL),
    local(
        "drafts",
        "what a person is typing on this laptop, kept through a lock or a crash; not a record",
    ),
    pupil("goals", ID, BY_PLAN),
    pupil("instrument_scores", ID, BY_PUPIL),
    local(
        "keyslot_copy",
        "this vault's key slots: key material, never copied to another vault",
    ),
    reference("list_items", &["list", "label"]),
    pupil("plans", ID, BY_PUPIL),
    pupil("profiles", &["pupil_id"], BY_PUPIL),
    local(
        "published_summaries",
        "the lead's record of what this vault exported, for the linked-export audit",
    ),
    local(
        "pupil_erasures",
        "this vault's list of pupils it erased and why (the erasure travels as the deletion of the rows)",
    ),
    pupil("pupil_identifiers", &["kind", "value"], BY_PUPIL),
    pupil("pupil_status_history", ID, BY_PUPIL),
    pupil("pupils", ID, Reach::Column("id")),
    // Earlier versions of corrected sessions, chronology events, scores and indicators.
    pupil("record_versions", ID, BY_PUPIL),
    pupil("review_amendments", ID, BY_REVIEW),
    pupil("review_due_dates", &["plan_id", "due_date"], BY_PLAN),
    pupil("review_goal_ratings", &["review_id", "goal_id"], BY_REVIEW),
    pupil("reviews", ID, BY_PLAN),
    reference("school_calendars", &["year_label"]),
    reference("school_frameworks", ID),
    local(
        "search_index",
        "the full-text index, rebuilt from the records by triggers on each vault",
    ),
    local("search_index_config", "FTS5 shadow table of search_index"),
    local("search_index_content", "FTS5 shadow table of search_index"),
    local("search_index_data", "FTS5 shadow table of search_index"),
    local("search_index_docsize", "FTS5 shadow table of search_index"),
    local("search_index_idx", "FTS5 shadow table of search_index"),
    pupil("sessions", ID, BY_PUPIL),
    TableScope {
        name: "settings",
        key: &["key"],
        class: Class::Reference {
            rows: Some(
                "key IN ('auto_lock_minutes', 'retention_years', 'review_sign_off', 'safeguarding_words', 'school', 'school_year')",
            ),
            columns: None,
        },
    },
    local(
        "sqlite_sequence",
        "SQLite's own counter for AUTOINCREMENT (the audit log's seq)",
    ),
    local("sqlite_stat1", "SQLite's own query-planner statistics"),
    local("sqlite_stat4", "SQLite's own query-planner statistics"),
    local(
        "supervision_note_versions",
        "the strategic lead's earlier versions of corrected supervision notes: the lead's alone, kept at the school (notes are written there); a key adult never receives them",
    ),
    TableScope {
        name: "supervision_notes",
        key: ID,
        class: Class::KeyAdult(Reach::Column("key_adult_id")),
    },
    TableScope {
        name: "supervision_pupils",
        key: &["note_id", "pupil_id"],
        class: Class::KeyAdultAboutPupil {
            reach: Reach::Via {
                column: "note_id",
                parent: "supervision_notes",
            },
            pupil: "pupil_id",
        },
    },
    local(
        "sync_applied",
        "sync bookkeeping: the highest change of each origin this vault has applied",
    ),
    local(
        "sync_arrivals",
        "sync bookkeeping: the order changes arrived in this vault",
    ),
    local(
        "sync_audit_copies",
        "at the school: each laptop's own audit chain, kept as it came; never sent on",
    ),
    local(
        "sync_audit_keys",
        "at the school: each laptop's audit chain key, to check its chain: key material",
    ),
    local(
        "sync_base_key",
        "the key of this vault's sync base file: key material of this vault",
    ),
    local(
        "sync_clock",
        "sync bookkeeping: the clock of each column of each synced row, on this vault",
    ),
    local(
        "sync_conflicts",
        "values that lost a conflict on this vault, for a person here to see",
    ),
    local(
        "sync_device",
        "this vault's own device number (its range of record ids), set once when a laptop joins",
    ),
    local(
        "sync_dirty",
        "sync bookkeeping: tables of this vault to compare whole at its next capture",
    ),
    local(
        "sync_dirty_rows",
        "sync bookkeeping: the rows written on this vault since its last capture",
    ),
    local(
        "sync_id_high",
        "the highest id this device has handed out per table: each device's own counter",
    ),
    local(
        "sync_identity",
        "this vault's own sync keys (device number, signing key, box secret): a copy would let \
         the laptop sign as the school and read files sealed to it",
    ),
    local(
        "sync_laptops",
        "the school vault's register of the laptops it prepared, never a laptop's business",
    ),
    local(
        "sync_log",
        "sync bookkeeping: every change this vault holds; changes travel in sync files, not as rows",
    ),
    local(
        "sync_peer_state",
        "sync bookkeeping: the files exchanged with each peer of this vault",
    ),
    local(
        "sync_peers",
        "the devices this vault syncs with and their public keys: each vault's own list (a \
         laptop's is the school alone, made when it joins)",
    ),
    local(
        "sync_signed_relay",
        "sync bookkeeping: the reviews a relayed change may replace although signed, only \
         inside that change's transaction (never a committed row)",
    ),
    local(
        "sync_tombstone",
        "sync bookkeeping: the rows deleted, as this vault knows them",
    ),
    pupil("team_members", ID, BY_PUPIL),
    pupil("termly_indicators", ID, BY_PUPIL),
    TableScope {
        name: "users",
        key: ID,
        // Who people are, and who was removed (a removed user's laptop is refused); never
        // key material (that is in the key slots, `keyslot_copy`).
        class: Class::Reference {
            rows: None,
            columns: Some(&["id", "name", "removed_at", "role"]),
        },
    },
];

/// The pupils on the caseload of the user bound to `:user`.
const CASELOAD_PUPILS: &str =
    "SELECT id FROM pupils WHERE key_adult_id = :user AND status <> 'archived'";

/// The classification of table `name`, if it has one.
pub fn table(name: &str) -> Option<&'static TableScope> {
    TABLES.iter().find(|t| t.name == name)
}

/// Whose rows a digest or a copy takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    /// Everything that is not local.
    Whole,
    /// The caseload of the user with this id, the reference data and their supervision notes.
    Caseload(&'a str),
}

/// The SQL condition on a row of a table reached by `r` whose pupil (or key adult) is `root`
/// (`IN (…)`, `= :user`): the column itself, or through its parents.
pub fn reach_condition(r: Reach, root: &str) -> String {
    match r {
        Reach::Column(c) => format!("{c} {root}"),
        Reach::Via { column, parent } => {
            let p = table(parent).expect("a parent table is classified");
            let inner = match p.class {
                Class::Pupil(r) => reach_condition(r, root),
                Class::KeyAdult(r) | Class::KeyAdultAboutPupil { reach: r, .. } => {
                    reach_condition(r, root)
                }
                _ => unreachable!("a parent is a pupil's or a key adult's table"),
            };
            format!("{column} IN (SELECT id FROM {parent} WHERE {inner})")
        }
    }
}

/// The SQL condition (with `:user`) true for the rows of `t` on the caseload of `:user`:
/// `None` for a local table; reference data is every (synced) row.
pub fn caseload_condition(t: &TableScope) -> Option<String> {
    let reach = reach_condition;
    match t.class {
        Class::Pupil(r) => Some(reach(r, &format!("IN ({CASELOAD_PUPILS})"))),
        Class::KeyAdult(r) => Some(reach(r, "= :user")),
        Class::KeyAdultAboutPupil { reach: r, pupil } => Some(format!(
            "{} AND {pupil} IN ({CASELOAD_PUPILS})",
            reach(r, "= :user")
        )),
        Class::Reference { rows, .. } => Some(rows.unwrap_or("1").to_string()),
        Class::Local(_) => None,
    }
}

/// The `SELECT` of the rows of `t` in `scope`, ordered by their primary key: `None` for a
/// local table. With [`Scope::Caseload`] it takes the named parameter `:user`.
pub fn rows_sql(t: &TableScope, scope: Scope<'_>) -> Option<String> {
    let condition = match (scope, t.class) {
        (_, Class::Local(_)) => return None,
        (Scope::Whole, Class::Reference { rows, .. }) => rows.unwrap_or("1").to_string(),
        (Scope::Whole, _) => "1".to_string(),
        (Scope::Caseload(_), _) => caseload_condition(t)?,
    };
    let columns = match t.class {
        Class::Reference {
            columns: Some(cols),
            ..
        } => cols.join(", "),
        _ => "*".to_string(),
    };
    Some(format!(
        "SELECT {columns} FROM {} WHERE {condition} ORDER BY {}",
        t.name,
        t.key.join(", ")
    ))
}

/// A canonical hash of what a vault holds, and how many rows of each table it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    /// SHA-256 over the tables by name, each with its columns by name and its rows by
    /// primary key, every value typed and length-prefixed.
    pub sha256: [u8; 32],
    /// Rows per table (every table that is not local, zero included).
    pub counts: BTreeMap<&'static str, u64>,
}

impl Digest {
    /// The hash as 64 lower-case hex characters.
    pub fn hex(&self) -> String {
        hex::encode(self.sha256)
    }
}

fn put_str(h: &mut Sha256, tag: &[u8], s: &str) {
    h.update(tag);
    h.update((s.len() as u64).to_be_bytes());
    h.update(s.as_bytes());
}

/// The digest of what the vault on `conn` holds in `scope`, read in one snapshot.
///
/// Canonical: tables by name; in each, its columns by name (each with its name), then its
/// rows in primary-key order, each value with its type and (text, blob) its length; then the
/// table's row count. Two vaults holding the same rows give the same digest whatever order
/// the rows were written in; any value that differs gives another.
pub fn digest(conn: &Connection, scope: Scope<'_>) -> Result<Digest> {
    conn.execute_batch("SAVEPOINT scope_digest")?;
    let result = digest_inner(conn, scope);
    conn.execute_batch("RELEASE scope_digest")?;
    result
}

fn digest_inner(conn: &Connection, scope: Scope<'_>) -> Result<Digest> {
    let mut h = Sha256::new();
    h.update(b"attune-digest/1");
    let mut counts = BTreeMap::new();
    // TABLES is in name order (a test checks it).
    for t in TABLES {
        let Some(sql) = rows_sql(t, scope) else {
            continue;
        };
        let mut stmt = conn.prepare(&sql)?;
        let names: Vec<String> = stmt.column_names().map(|s| s.to_string()).collect();
        let mut order: Vec<usize> = (0..names.len()).collect();
        order.sort_by(|&a, &b| names[a].cmp(&names[b]));
        put_str(&mut h, b"T", t.name);
        h.update((order.len() as u64).to_be_bytes());
        for &i in &order {
            put_str(&mut h, b"C", &names[i]);
        }
        let mut rows = match scope {
            Scope::Caseload(user) if stmt.parameter_index(":user")?.is_some() => {
                stmt.query(named_params! { ":user": user })?
            }
            _ => stmt.query([])?,
        };
        let mut n = 0u64;
        while let Some(row) = rows.next()? {
            n += 1;
            h.update(b"R");
            for &i in &order {
                match row.get::<_, Value>(i)? {
                    Value::Null => h.update(b"n"),
                    Value::Integer(v) => {
                        h.update(b"i");
                        h.update(v.to_be_bytes());
                    }
                    Value::Real(v) => {
                        h.update(b"r");
                        h.update(v.to_bits().to_be_bytes());
                    }
                    Value::Text(s) => put_str(&mut h, b"t", &s),
                    Value::Blob(b) => {
                        h.update(b"b");
                        h.update((b.len() as u64).to_be_bytes());
                        h.update(&b);
                    }
                }
            }
        }
        h.update(b"E");
        h.update(n.to_be_bytes());
        counts.insert(t.name, n);
    }
    Ok(Digest {
        sha256: h.finalize().into(),
        counts,
    })
}

/// Whose digest [`vault_digest`] gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigestOf {
    /// The whole vault.
    Whole,
    /// The caseload of the user with this id.
    Caseload(String),
}

/// The digest the session's user may have: a key adult their own caseload's (`for_user`
/// `None` or themselves; anyone else's is refused and audited); a strategic lead the whole
/// vault's, or with `for_user` that user's caseload. Audited as `sync.digest` (the target
/// names the user, never anything about a pupil).
pub fn vault_digest(
    vault: &Vault,
    for_user: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(Digest, DigestOf)> {
    let user = access::actor(vault)?;
    let conn = vault.conn()?;
    let of = match (user.role, for_user) {
        (Role::KeyAdult, None) => DigestOf::Caseload(user.id.clone()),
        (Role::KeyAdult, Some(id)) if id == user.id => DigestOf::Caseload(user.id.clone()),
        (Role::KeyAdult, Some(id)) => {
            let target = format!("user:{id}");
            let _ = vault.audit(Action::SyncDigest, Some(&target), "refused", now);
            return Err(Error::NotPermitted(
                "only a strategic lead can see the digest of another person's caseload.".into(),
            ));
        }
        (Role::StrategicLead, None) => DigestOf::Whole,
        (Role::StrategicLead, Some(id)) => {
            let known: Option<String> = conn
                .query_row("SELECT id FROM users WHERE id = ?1", [id], |r| r.get(0))
                .optional()?;
            match known {
                Some(id) => DigestOf::Caseload(id),
                None => return Err(Error::NotFound("There is no such user.".into())),
            }
        }
    };
    let d = match &of {
        DigestOf::Whole => digest(conn, Scope::Whole)?,
        DigestOf::Caseload(id) => digest(conn, Scope::Caseload(id))?,
    };
    let target = match &of {
        DigestOf::Whole => None,
        DigestOf::Caseload(id) => Some(format!("user:{id}")),
    };
    access::record(conn, &user, Action::SyncDigest, target.as_deref(), now)?;
    Ok((d, of))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_in_name_order_each_once() {
        for w in TABLES.windows(2) {
            assert!(w[0].name < w[1].name, "{} before {}", w[0].name, w[1].name);
        }
    }

    #[test]
    fn every_synced_table_has_a_key_and_parents_of_its_own_class() {
        for t in TABLES {
            match t.class {
                Class::Local(why) => assert!(!why.is_empty()),
                _ => assert!(!t.key.is_empty(), "{}", t.name),
            }
            let reach = match t.class {
                Class::Pupil(r) | Class::KeyAdult(r) => r,
                Class::KeyAdultAboutPupil { reach, .. } => reach,
                _ => continue,
            };
            if let Reach::Via { parent, .. } = reach {
                let p = table(parent).unwrap_or_else(|| panic!("{}'s parent", t.name));
                // Whose the rows are: a pupil's, or a key adult's.
                let owner = |c: &Class| match c {
                    Class::Pupil(_) => 0,
                    Class::KeyAdult(_) | Class::KeyAdultAboutPupil { .. } => 1,
                    _ => 2,
                };
                assert_eq!(
                    owner(&p.class),
                    owner(&t.class),
                    "{} and its parent {parent}",
                    t.name
                );
            }
        }
    }

    #[test]
    fn the_settings_filter_names_exactly_the_synced_settings() {
        // Every setting is either synced or the device's own.
        for s in attune_vault::settings::Setting::ALL {
            let k = s.key();
            assert!(
                SYNCED_SETTINGS.contains(&k) ^ LOCAL_SETTINGS.contains(&k),
                "setting {k} must be synced or local, once"
            );
        }
        let settings = table("settings").unwrap();
        let Class::Reference {
            rows: Some(rows), ..
        } = settings.class
        else {
            panic!("settings are filtered reference data")
        };
        let quoted: Vec<String> = SYNCED_SETTINGS.iter().map(|k| format!("'{k}'")).collect();
        assert_eq!(rows, format!("key IN ({})", quoted.join(", ")));
    }

    #[test]
    fn caseload_conditions_follow_the_parents() {
        let review_ratings = table("review_goal_ratings").unwrap();
        assert_eq!(
            caseload_condition(review_ratings).unwrap(),
            format!(
                "review_id IN (SELECT id FROM reviews WHERE plan_id IN (SELECT id FROM plans \
                 WHERE pupil_id IN ({CASELOAD_PUPILS})))"
            )
        );
        assert_eq!(
            caseload_condition(table("supervision_pupils").unwrap()).unwrap(),
            format!(
                "note_id IN (SELECT id FROM supervision_notes WHERE key_adult_id = :user) \
                 AND pupil_id IN ({CASELOAD_PUPILS})"
            )
        );
        assert_eq!(caseload_condition(table("drafts").unwrap()), None);
    }
}
