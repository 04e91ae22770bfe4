//! The school and its laptops, as the product will sync them, over real SQLCipher files:
//! every write is plain SQL (any code path of the app), captured by difference against a
//! base; a laptop's changes go to the school in its own order (`apply_with_base`); the school
//! relays to each laptop only the rows of that laptop's pupils (`filter_changeset`,
//! `apply_relayed`). Syncs happen in random order; a file can be lost (sent again in the
//! next, as the product resends everything not acknowledged) and a relayed one can come twice.
//!
//! Oracles, from the test's own record of what was written, never from the engine:
//! - after a final round, each laptop holds exactly the school's rows of its pupils (read
//!   with the test's SQL), and no other pupil's;
//! - every session written anywhere is at the school;
//! - a field written on one replica only ends with the last value that replica wrote;
//! - nothing is captured after the final round (no echo).

use std::collections::BTreeMap;
use std::path::Path;

use attune_sync::changes::{
    self, applied_seq, apply_relayed, apply_with_base, capture, changes_since, filter_changeset,
    install_base, Change, Schema, TableKind,
};
use attune_sync::hlc::{Clock, DeviceId};
use attune_sync::rusqlite::types::Value;
use attune_sync::rusqlite::{params, Connection};
use proptest::prelude::*;

const TABLES: &[(&str, TableKind)] = &[
    ("pupils", TableKind::Mutable),
    ("sessions", TableKind::InsertOnly),
];
const SQL: &str = "
CREATE TABLE pupils (id INTEGER PRIMARY KEY, owner INTEGER NOT NULL, name TEXT NOT NULL, notes TEXT NOT NULL) STRICT;
CREATE TABLE sessions (id INTEGER PRIMARY KEY, pupil_id INTEGER NOT NULL, note TEXT NOT NULL) STRICT;
";
/// Pupils 1..=6; pupil p is on laptop (p % 2) + 1's caseload.
const PUPILS: i64 = 6;
fn owner(p: i64) -> usize {
    (p % 2) as usize + 1
}

struct Replica {
    conn: Connection,
    schema: Schema,
    clock: Clock,
}

fn open(dir: &Path, device: u64) -> Replica {
    let key = hex::encode([device as u8 + 7; 32]);
    // SQLCipher start-up races between test threads without this wait.
    attune_sync::sqlite::sqlcipher_ready();
    let mut conn = Connection::open(dir.join(format!("r{device}.db"))).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA key = \"x'{key}'\"; PRAGMA journal_mode = WAL; {SQL}"
    ))
    .unwrap();
    changes::install(&conn).unwrap();
    conn.execute(
        &format!("ATTACH DATABASE ?1 AS base KEY \"x'{key}'\""),
        [dir.join(format!("r{device}-base.db")).to_str().unwrap()],
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

#[derive(Debug, Clone)]
enum Op {
    /// Replica `r` (0 = school) sets a pupil's notes (a laptop only its own pupils).
    Edit { r: usize, pupil: i64, val: u8 },
    /// Replica `r` adds a session for one of its pupils.
    Session { r: usize, pupil: i64 },
    /// Laptop `l` writes a sync file for the school; `lost`: it never arrives.
    Up { l: usize, lost: bool },
    /// The school writes a sync file for laptop `l`; `lost` / `twice`.
    Down { l: usize, lost: bool, twice: bool },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (0usize..3, 1..=PUPILS, any::<u8>()).prop_map(|(r, pupil, val)| Op::Edit { r, pupil, val }),
        3 => (0usize..3, 1..=PUPILS).prop_map(|(r, pupil)| Op::Session { r, pupil }),
        3 => (1usize..3, proptest::bool::weighted(0.2)).prop_map(|(l, lost)| Op::Up { l, lost }),
        3 => (1usize..3, proptest::bool::weighted(0.2), proptest::bool::weighted(0.2))
            .prop_map(|(l, lost, twice)| Op::Down { l, lost, twice }),
    ]
}

struct World {
    rs: Vec<Replica>,
    now: u64,
    /// Per laptop: the school's log entries (origin, seq) it has been sent and applied.
    delivered: Vec<std::collections::BTreeSet<(u64, u64)>>,
}

impl World {
    fn tick(&mut self) -> u64 {
        self.now += 10;
        self.now
    }

    /// The laptop captures, then sends everything the school has not applied.
    fn up(&mut self, l: usize, lost: bool) {
        let now = self.tick();
        let (school, rest) = self.rs.split_at_mut(1);
        let (school, laptop) = (&mut school[0], &mut rest[l - 1]);
        capture(
            &mut laptop.conn,
            &laptop.schema,
            &mut laptop.clock,
            now,
            "base",
        )
        .unwrap();
        if lost {
            return;
        }
        let origin = laptop.clock.device();
        let have = applied_seq(&school.conn, origin).unwrap();
        let file: Vec<Change> =
            changes_since(&laptop.conn, &[(origin, have)].into_iter().collect())
                .unwrap()
                .into_iter()
                .filter(|c| c.origin == origin)
                .collect();
        // The school captures its own edits first, so none is mistaken for an echo.
        capture(
            &mut school.conn,
            &school.schema,
            &mut school.clock,
            now,
            "base",
        )
        .unwrap();
        for c in &file {
            apply_with_base(
                &mut school.conn,
                &school.schema,
                &mut school.clock,
                now,
                c,
                "base",
            )
            .unwrap();
        }
    }

    /// The school captures, then relays what laptop `l` has not had, filtered to its pupils.
    fn down(&mut self, l: usize, lost: bool, twice: bool) {
        let now = self.tick();
        let (school, rest) = self.rs.split_at_mut(1);
        let (school, laptop) = (&mut school[0], &mut rest[l - 1]);
        capture(
            &mut school.conn,
            &school.schema,
            &mut school.clock,
            now,
            "base",
        )
        .unwrap();
        let sent: Vec<Change> = changes_since(&school.conn, &Default::default())
            .unwrap()
            .into_iter()
            .filter(|c| c.origin != laptop.clock.device())
            .filter(|c| !self.delivered[l].contains(&(c.origin.0, c.seq)))
            .map(|c| {
                let part = filter_changeset(&c.changeset, &school.schema, |op| {
                    let pupil = match op.table.as_str() {
                        "pupils" => op.get("id"),
                        _ => op.get("pupil_id"),
                    };
                    matches!(pupil, Some(Value::Integer(p)) if owner(*p) == l)
                })
                .unwrap();
                Change {
                    changeset: part,
                    ..c
                }
            })
            .collect();
        if lost {
            return;
        }
        // The laptop captures its own edits first, then takes the school's.
        capture(
            &mut laptop.conn,
            &laptop.schema,
            &mut laptop.clock,
            now,
            "base",
        )
        .unwrap();
        for _ in 0..if twice { 2 } else { 1 } {
            for c in &sent {
                if !c.changeset.is_empty() {
                    apply_relayed(
                        &mut laptop.conn,
                        &laptop.schema,
                        &mut laptop.clock,
                        now,
                        c,
                        Some("base"),
                    )
                    .unwrap();
                }
                self.delivered[l].insert((c.origin.0, c.seq));
            }
        }
    }
}

fn rows(conn: &Connection, owner_is: Option<usize>) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    for sql in [
        "SELECT 'p', id, owner, name, notes FROM pupils",
        "SELECT 's', s.id, p.owner, s.pupil_id, s.note FROM sessions s JOIN pupils p ON p.id = s.pupil_id",
    ] {
        let filter = owner_is.map_or(String::new(), |o| format!(" WHERE owner = {o}"));
        let sql = format!("SELECT * FROM ({sql}){filter} ORDER BY 1, 2");
        let mut stmt = conn.prepare(&sql).unwrap();
        out.extend(
            stmt.query_map([], |r| (0..5).map(|i| r.get::<_, Value>(i)).collect())
                .unwrap()
                .map(|r| r.unwrap()),
        );
    }
    out
}

fn run(ops: Vec<Op>) -> std::result::Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let mut w = World {
        rs: (0..3).map(|d| open(dir.path(), d)).collect(),
        now: 1_000_000,
        delivered: vec![Default::default(); 3],
    };
    // Enrolment: the school's pupils, relayed once to each laptop.
    for p in 1..=PUPILS {
        w.rs[0]
            .conn
            .execute(
                "INSERT INTO pupils VALUES (?1, ?2, ?3, '')",
                params![p, owner(p) as i64, format!("pupil {p}")],
            )
            .unwrap();
    }
    w.down(1, false, false);
    w.down(2, false, false);

    // The test's own record: per (pupil, replica) the last notes written there, and who wrote.
    let mut last: BTreeMap<i64, BTreeMap<usize, String>> = BTreeMap::new();
    let mut sessions: Vec<i64> = Vec::new();
    let mut next_session = [0i64; 3];
    for op in ops {
        match op {
            Op::Edit { r, pupil, val } => {
                if r != 0 && owner(pupil) != r {
                    continue;
                }
                let v = format!("notes {val} by {r} at {}", w.tick());
                w.rs[r]
                    .conn
                    .execute(
                        "UPDATE pupils SET notes = ?2 WHERE id = ?1",
                        params![pupil, v],
                    )
                    .unwrap();
                last.entry(pupil).or_default().insert(r, v);
            }
            Op::Session { r, pupil } => {
                if r != 0 && owner(pupil) != r {
                    continue;
                }
                next_session[r] += 1;
                let id = ((r as i64) << 40) + next_session[r];
                w.rs[r]
                    .conn
                    .execute(
                        "INSERT INTO sessions VALUES (?1, ?2, 'calm')",
                        params![id, pupil],
                    )
                    .unwrap();
                sessions.push(id);
            }
            Op::Up { l, lost } => w.up(l, lost),
            Op::Down { l, lost, twice } => w.down(l, lost, twice),
        }
    }
    // The final round: every laptop up, then every laptop down, nothing lost.
    for l in 1..3 {
        w.up(l, false);
    }
    for l in 1..3 {
        w.down(l, false, false);
    }
    let school = rows(&w.rs[0].conn, None);
    for l in 1..3 {
        prop_assert_eq!(
            rows(&w.rs[l].conn, None),
            rows(&w.rs[0].conn, Some(l)),
            "laptop {} holds its caseload as the school does",
            l
        );
    }
    for id in &sessions {
        prop_assert!(
            school
                .iter()
                .any(|r| r[0] == Value::Text("s".into()) && r[1] == Value::Integer(*id)),
            "session {} lost",
            id
        );
    }
    for (pupil, by) in &last {
        if by.len() == 1 {
            let v = by.values().next().unwrap();
            let got: String = w.rs[0]
                .conn
                .query_row("SELECT notes FROM pupils WHERE id = ?1", [pupil], |r| {
                    r.get(0)
                })
                .unwrap();
            prop_assert_eq!(&got, v, "pupil {} was edited on one replica only", pupil);
        }
    }
    let now = w.tick();
    for r in &mut w.rs {
        prop_assert!(
            capture(&mut r.conn, &r.schema, &mut r.clock, now, "base")
                .unwrap()
                .is_none(),
            "an echo after the final round"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn the_school_and_its_laptops_converge_and_lose_nothing(ops in proptest::collection::vec(op(), 1..50)) {
        run(ops)?;
    }
}
