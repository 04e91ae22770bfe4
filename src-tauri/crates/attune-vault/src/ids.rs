//! Record ids that two laptops never both hand out (issue 17).
//!
//! Every vault has a *device number* `d` in `0..=4095`, kept in the one-row `sync_device`
//! table (migration `0009_sync_device`; no row means device 0). The school vault is device 0,
//! as is every vault made before sync existed. Device `d` gives new records ids in
//! `[d·2^40, (d+1)·2^40)`: the next id is one more than the highest id **in its own range**
//! (device 0's first is 1, another device's first is `d·2^40`), never SQLite's max + 1 over
//! the whole table, because a table can hold rows from other devices' ranges received by sync.
//! The highest id is found by a backwards range seek on the table's primary key.
//!
//! Why integers and not ULIDs: no record table is rebuilt (a confidential vault's tables are
//! never copied about in the field), every id a vault already holds stays valid and in
//! device 0's range, and ids stay plain numbers for the window and the IPC: the largest is
//! `4096·2^40 = 2^52`, below JavaScript's 2^53. (The search index's rowid, `id·16 + kind`, stays
//! below 2^56, well inside SQLite's 64 bits.)
//!
//! Invariants:
//! - Every INSERT into a [`RecordTable`] passes an explicit id from [`next_id`], read inside
//!   the transaction that inserts it (the vault has one writer, its folder lock).
//! - The device number is set once, when a laptop joins a school vault ([`set_device_no`]),
//!   and never changed after. A laptop restored from its own backup must join again under a
//!   new number: it would otherwise hand out ids (and sync sequence numbers) it had already
//!   handed out after the backup was made.
//! - An id is handed out once: `sync_id_high` keeps the highest each table was given, so
//!   deleting the newest row (erasing a pupil, rewriting a team) does not free its id.
//! - Tables that never leave the vault keep SQLite's own numbering: `audit_log` (each laptop
//!   keeps its own chain), `published_summaries`, `keyslot_copy`, `audit_secret` and
//!   `sync_device` itself.

use rusqlite::{Connection, OptionalExtension};

use crate::error::{Error, Result};

/// The highest device number (12 bits).
pub const MAX_DEVICE_NO: u16 = 4095;

/// How many ids each device has: 2^40.
pub const RANGE_SIZE: i64 = 1 << 40;

/// The ids device `device_no` (0..=4095) hands out, `[start, end)`; device 0 never hands
/// out 0.
pub fn range(device_no: u16) -> (i64, i64) {
    let d = i64::from(device_no);
    (d * RANGE_SIZE, (d + 1) * RANGE_SIZE)
}

/// The device whose range holds `id` (ids from other devices arrive by sync).
pub fn device_of(id: i64) -> Option<u16> {
    if id < 0 {
        return None;
    }
    u16::try_from(id / RANGE_SIZE)
        .ok()
        .filter(|d| *d <= MAX_DEVICE_NO)
}

macro_rules! record_tables {
    ($($(#[$doc:meta])* $variant:ident => $table:literal,)*) => {
        /// A table whose records have integer ids from a device's range. Named here once, so
        /// no table name is ever made from a string at run time.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum RecordTable {
            $($(#[$doc])* $variant,)*
        }

        impl RecordTable {
            /// Every record table.
            pub const ALL: &'static [RecordTable] = &[$(RecordTable::$variant,)*];

            /// The table's name in the schema.
            pub const fn name(self) -> &'static str {
                match self {
                    $(RecordTable::$variant => $table,)*
                }
            }

            /// The highest id in `[?1, ?2)`: a backwards seek on the primary key.
            const fn last_in_range_sql(self) -> &'static str {
                match self {
                    $(RecordTable::$variant => concat!(
                        "SELECT id FROM ", $table,
                        " WHERE id >= ?1 AND id < ?2 ORDER BY id DESC LIMIT 1"
                    ),)*
                }
            }
        }
    };
}

record_tables! {
    /// Pupils (a profile's id is its pupil's).
    Pupils => "pupils",
    /// Key-adult assignments, past and current.
    Assignments => "assignments",
    /// Advice from other agencies.
    AgencyAdvice => "agency_advice",
    /// The adults around a pupil.
    TeamMembers => "team_members",
    /// Plans.
    Plans => "plans",
    /// A plan's goals.
    Goals => "goals",
    /// Sessions with a pupil.
    Sessions => "sessions",
    /// Chronology events.
    Chronology => "chronology",
    /// Instrument scores.
    InstrumentScores => "instrument_scores",
    /// Termly indicators.
    TermlyIndicators => "termly_indicators",
    /// Plan reviews.
    Reviews => "reviews",
    /// Amendments to signed reviews.
    ReviewAmendments => "review_amendments",
    /// Supervision and consultation notes.
    SupervisionNotes => "supervision_notes",
    /// A pupil's care status and support level, with the day each took effect.
    PupilStatusHistory => "pupil_status_history",
    /// Earlier versions of corrected sessions, chronology events, scores and indicators.
    RecordVersions => "record_versions",
}

/// This vault's device number: 0 (the school vault, and every vault before sync) until a
/// join sets another.
pub fn device_no(conn: &Connection) -> Result<u16> {
    let stored: Option<i64> = conn
        .query_row("SELECT device_no FROM sync_device WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()?;
    match stored {
        None => Ok(0),
        Some(d) => u16::try_from(d)
            .ok()
            .filter(|d| *d <= MAX_DEVICE_NO)
            .ok_or_else(|| Error::VaultDamaged(format!("its device number {d} is out of range"))),
    }
}

/// Sets this vault's device number (the join step). Refuses a number above 4095, and any
/// change once a non-zero number is set: a device's ids would otherwise be handed out twice.
/// Setting the number it already has changes nothing.
pub fn set_device_no(conn: &Connection, device_no: u16) -> Result<()> {
    if device_no > MAX_DEVICE_NO {
        return Err(Error::InvalidInput(format!(
            "A device number is 0 to {MAX_DEVICE_NO}, not {device_no}."
        )));
    }
    let current = self::device_no(conn)?;
    if current == device_no {
        return Ok(());
    }
    if current != 0 {
        return Err(Error::NotPermitted(format!(
            "this vault is already device {current}; a device number is set once, when a laptop joins (a restored laptop joins again)."
        )));
    }
    conn.execute(
        "INSERT INTO sync_device (id, device_no) VALUES (1, ?1)
         ON CONFLICT (id) DO UPDATE SET device_no = excluded.device_no",
        [device_no],
    )?;
    Ok(())
}

/// The id for a new row of `table`: one more than the highest id in this device's range —
/// of the rows there, and of every id this device has handed out before (`sync_id_high`,
/// so an id whose row was deleted is never handed out again) — or the range's first id.
/// Call it inside the transaction that inserts the row: the mark moves with the insert.
pub fn next_id(conn: &Connection, table: RecordTable) -> Result<i64> {
    let (start, end) = range(device_no(conn)?);
    let last: Option<i64> = conn
        .prepare_cached(table.last_in_range_sql())?
        .query_row([start, end], |r| r.get(0))
        .optional()?;
    // Never below what this device has handed out before, even if that row was deleted.
    let high: Option<i64> = conn
        .prepare_cached("SELECT high FROM sync_id_high WHERE tbl = ?1")?
        .query_row([table.name()], |r| r.get(0))
        .optional()?
        .filter(|h| (start..end).contains(h));
    let next = last
        .max(high)
        .map_or(start.max(1), |id| id + 1)
        .max(start.max(1));
    if next >= end {
        return Err(Error::Internal(format!(
            "this device has used every id of its range in {}",
            table.name()
        )));
    }
    conn.prepare_cached(
        "INSERT INTO sync_id_high (tbl, high) VALUES (?1, ?2)
         ON CONFLICT (tbl) DO UPDATE SET high = excluded.high",
    )?
    .execute(rusqlite::params![table.name(), next])?;
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> Connection {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(include_str!("../migrations/0009_sync_device.sql"))
            .unwrap();
        c.execute_batch(
            "CREATE TABLE sync_id_high (tbl TEXT PRIMARY KEY NOT NULL, high INTEGER NOT NULL) STRICT, WITHOUT ROWID;",
        )
        .unwrap();
        for t in RecordTable::ALL {
            c.execute_batch(&format!(
                "CREATE TABLE {} (id INTEGER PRIMARY KEY, x TEXT);",
                t.name()
            ))
            .unwrap();
        }
        c
    }

    #[test]
    fn table_names_are_distinct() {
        let names: std::collections::HashSet<_> =
            RecordTable::ALL.iter().map(|t| t.name()).collect();
        assert_eq!(names.len(), RecordTable::ALL.len());
    }

    #[test]
    fn ranges_are_2_to_the_40_wide_and_stay_below_2_to_the_53() {
        assert_eq!(range(0), (0, 1_099_511_627_776));
        assert_eq!(range(7), (7_696_581_394_432, 8_796_093_022_208));
        assert_eq!(range(4095).1, 4_503_599_627_370_496); // 2^52
        assert!(range(4095).1 < 9_007_199_254_740_992); // 2^53
        assert_eq!(device_of(1), Some(0));
        assert_eq!(device_of(7_696_581_394_432), Some(7));
        assert_eq!(device_of(8_796_093_022_207), Some(7));
        assert_eq!(device_of(4_503_599_627_370_496), None);
        assert_eq!(device_of(-1), None);
    }

    #[test]
    fn the_range_query_seeks_on_the_primary_key() {
        let c = conn();
        for t in RecordTable::ALL {
            let plan: Vec<String> = c
                .prepare(&format!("EXPLAIN QUERY PLAN {}", t.last_in_range_sql()))
                .unwrap()
                .query_map([0i64, 1], |r| r.get::<_, String>(3))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            assert_eq!(plan.len(), 1, "{plan:?}");
            assert!(
                plan[0].starts_with(&format!("SEARCH {} USING INTEGER PRIMARY KEY", t.name())),
                "{}: {plan:?}",
                t.name()
            );
        }
    }

    #[test]
    fn next_id_counts_in_its_own_range_only() {
        let c = conn();
        assert_eq!(device_no(&c).unwrap(), 0);
        assert_eq!(next_id(&c, RecordTable::Sessions).unwrap(), 1);
        // A laptop's row (device 3) and one of the school's.
        c.execute_batch(&format!(
            "INSERT INTO sessions (id) VALUES ({}), (41);",
            3 * RANGE_SIZE + 10
        ))
        .unwrap();
        assert_eq!(next_id(&c, RecordTable::Sessions).unwrap(), 42);
        set_device_no(&c, 5).unwrap();
        assert_eq!(next_id(&c, RecordTable::Sessions).unwrap(), 5 * RANGE_SIZE);
        c.execute("INSERT INTO sessions (id) VALUES (?1)", [5 * RANGE_SIZE])
            .unwrap();
        assert_eq!(
            next_id(&c, RecordTable::Sessions).unwrap(),
            5 * RANGE_SIZE + 1
        );
        // Another table is counted on its own.
        assert_eq!(next_id(&c, RecordTable::Pupils).unwrap(), 5 * RANGE_SIZE);
    }

    #[test]
    fn an_id_whose_row_was_deleted_is_not_handed_out_again() {
        let mut c = conn();
        for _ in 0..3 {
            let id = next_id(&c, RecordTable::Pupils).unwrap();
            c.execute("INSERT INTO pupils (id) VALUES (?1)", [id])
                .unwrap();
        }
        // The newest pupil is erased: their id stays used.
        c.execute("DELETE FROM pupils WHERE id = 3", []).unwrap();
        assert_eq!(next_id(&c, RecordTable::Pupils).unwrap(), 4);
        // An insert that is rolled back takes its mark with it.
        let tx = c.transaction().unwrap();
        let id = next_id(&tx, RecordTable::Pupils).unwrap();
        assert_eq!(id, 5);
        tx.execute("INSERT INTO pupils (id) VALUES (?1)", [id])
            .unwrap();
        drop(tx);
        assert_eq!(next_id(&c, RecordTable::Pupils).unwrap(), 5);
    }

    #[test]
    fn a_full_range_is_an_error_not_a_neighbours_id() {
        let c = conn();
        set_device_no(&c, 2).unwrap();
        c.execute("INSERT INTO goals (id) VALUES (?1)", [3 * RANGE_SIZE - 1])
            .unwrap();
        assert!(matches!(
            next_id(&c, RecordTable::Goals),
            Err(Error::Internal(_))
        ));
    }

    #[test]
    fn the_device_number_is_set_once() {
        let c = conn();
        assert!(matches!(
            set_device_no(&c, 4096),
            Err(Error::InvalidInput(_))
        ));
        assert_eq!(device_no(&c).unwrap(), 0);
        set_device_no(&c, 0).unwrap();
        set_device_no(&c, 4095).unwrap();
        assert_eq!(device_no(&c).unwrap(), 4095);
        set_device_no(&c, 4095).unwrap();
        assert!(matches!(set_device_no(&c, 12), Err(Error::NotPermitted(_))));
        assert!(matches!(set_device_no(&c, 0), Err(Error::NotPermitted(_))));
        assert_eq!(device_no(&c).unwrap(), 4095);
        // The table's own check refuses a number written around this module.
        assert!(c
            .execute("UPDATE sync_device SET device_no = 4096", [])
            .is_err());
        assert!(c
            .execute("INSERT INTO sync_device (id, device_no) VALUES (2, 1)", [])
            .is_err());
    }
}
