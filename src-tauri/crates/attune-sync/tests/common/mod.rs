//! Two or more replicas as real SQLCipher files in a temporary folder.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use attune_sync::changes::{self, apply, write, Applied, Change, Schema, TableKind};
use attune_sync::hlc::{Clock, DeviceId, Hlc};
use attune_sync::rusqlite::{params, Connection};
use attune_sync::Error;

pub const TABLES: &[(&str, TableKind)] = &[
    ("pupils", TableKind::Mutable),
    ("sessions", TableKind::InsertOnly),
];

pub const SCHEMA_SQL: &str = "
CREATE TABLE IF NOT EXISTS pupils (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, level TEXT, notes TEXT, hlc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY, pupil_id TEXT NOT NULL, minutes INTEGER NOT NULL, note TEXT);
";

/// The same tables with the vault's kind of ids: device-range integers.
pub const SCHEMA_SQL_INT: &str = "
CREATE TABLE IF NOT EXISTS pupils (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, level TEXT, notes TEXT, hlc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY, pupil_id INTEGER NOT NULL, minutes INTEGER NOT NULL, note TEXT);
";

pub struct Replica {
    pub path: PathBuf,
    pub conn: Connection,
    pub schema: Schema,
    pub clock: Clock,
    /// Changes that arrived before their predecessor, kept for later.
    pub pending: Vec<Change>,
}

pub fn open_encrypted(path: &Path, key: &[u8; 32]) -> Connection {
    // SQLCipher start-up races between test threads without this wait.
    attune_sync::sqlite::sqlcipher_ready();
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", hex::encode(key)))
        .unwrap();
    let v: String = conn
        .query_row("PRAGMA cipher_version", [], |r| r.get(0))
        .unwrap();
    assert!(!v.is_empty(), "not SQLCipher");
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
        .unwrap();
    conn
}

impl Replica {
    pub fn new(dir: &Path, name: &str, device: u64, key: [u8; 32]) -> Replica {
        Replica::with_schema(dir, name, device, key, SCHEMA_SQL)
    }

    /// A replica whose tables have INTEGER ids (the test's ids are then decimal text, which
    /// SQLite's integer affinity stores as integers).
    pub fn new_int(dir: &Path, name: &str, device: u64, key: [u8; 32]) -> Replica {
        Replica::with_schema(dir, name, device, key, SCHEMA_SQL_INT)
    }

    fn with_schema(dir: &Path, name: &str, device: u64, key: [u8; 32], sql: &str) -> Replica {
        let path = dir.join(format!("{name}.db"));
        let conn = open_encrypted(&path, &key);
        conn.execute_batch(sql).unwrap();
        changes::install(&conn).unwrap();
        let schema = Schema::check(&conn, TABLES).unwrap();
        Replica {
            path,
            conn,
            schema,
            clock: Clock::new(DeviceId(device)),
            pending: Vec::new(),
        }
    }

    pub fn device(&self) -> DeviceId {
        self.clock.device()
    }

    pub fn add_pupil(&mut self, now: u64, id: &str, name: &str, notes: &str) -> Change {
        let (_, c) = write(&mut self.conn, &self.schema, &mut self.clock, now, |tx, h| {
            tx.execute(
                "INSERT INTO pupils (id, name, level, notes, hlc) VALUES (?1, ?2, 'Universal', ?3, ?4)",
                params![id, name, notes, h.to_text()],
            )?;
            Ok(())
        })
        .unwrap();
        c.unwrap()
    }

    /// Set one column of a pupil; `None` if the pupil is not held here.
    pub fn edit(&mut self, now: u64, id: &str, col: &str, value: &str) -> Option<Change> {
        assert!(["name", "level", "notes"].contains(&col));
        let (n, c) = write(
            &mut self.conn,
            &self.schema,
            &mut self.clock,
            now,
            |tx, h| {
                Ok(tx.execute(
                    &format!("UPDATE pupils SET {col} = ?2, hlc = ?3 WHERE id = ?1"),
                    params![id, value, h.to_text()],
                )?)
            },
        )
        .unwrap();
        if n == 0 {
            assert!(c.is_none());
        }
        c
    }

    pub fn add_session(&mut self, now: u64, id: &str, pupil: &str, minutes: i64) -> Change {
        let (_, c) = write(&mut self.conn, &self.schema, &mut self.clock, now, |tx, _| {
            tx.execute(
                "INSERT INTO sessions (id, pupil_id, minutes, note) VALUES (?1, ?2, ?3, 'calm today')",
                params![id, pupil, minutes],
            )?;
            Ok(())
        })
        .unwrap();
        c.unwrap()
    }

    pub fn erase(&mut self, now: u64, id: &str) -> Option<Change> {
        let (_, c) = write(
            &mut self.conn,
            &self.schema,
            &mut self.clock,
            now,
            |tx, _| {
                tx.execute("DELETE FROM pupils WHERE id = ?1", [id])?;
                Ok(())
            },
        )
        .unwrap();
        c
    }

    /// Apply a change, keeping it for later if its predecessor is missing; then retry
    /// whatever was kept. Returns the results of the changes applied.
    pub fn receive(&mut self, now: u64, change: &Change) -> Vec<Applied> {
        let mut out = Vec::new();
        match apply(&mut self.conn, &self.schema, &mut self.clock, now, change) {
            Ok(a) => out.push(a),
            Err(Error::Gap { .. } | Error::Waiting { .. }) => {
                self.pending.push(change.clone());
                return out;
            }
            Err(e) => panic!("apply failed: {e}"),
        }
        loop {
            let mut progress = false;
            let pending = std::mem::take(&mut self.pending);
            for c in pending {
                match apply(&mut self.conn, &self.schema, &mut self.clock, now, &c) {
                    Ok(a) => {
                        progress = true;
                        out.push(a)
                    }
                    Err(Error::Gap { .. } | Error::Waiting { .. }) => self.pending.push(c),
                    Err(e) => panic!("apply failed: {e}"),
                }
            }
            if !progress {
                return out;
            }
        }
    }

    pub fn digest(&self) -> [u8; 32] {
        changes::digest(&self.conn, &self.schema).unwrap()
    }

    pub fn pupil(&self, id: &str) -> Option<(String, Option<String>, Option<String>, Hlc)> {
        self.conn
            .query_row(
                "SELECT name, level, notes, hlc FROM pupils WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        Hlc::from_text(&r.get::<_, String>(3)?).unwrap(),
                    ))
                },
            )
            .ok()
    }

    /// Everything `self` holds that `to` has not acknowledged.
    pub fn outgoing_for(&self, to: &Replica) -> Vec<Change> {
        let acks = changes::acknowledgements(&to.conn).unwrap();
        changes::changes_since(&self.conn, &acks.into_iter().collect()).unwrap()
    }
}
