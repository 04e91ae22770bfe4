//! Every setting the vault keeps, named once. Settings live in the encrypted `settings` table
//! as text; each module that owns one parses and range-checks its value, so a value written
//! by a newer or older version that does not parse falls back to that module's default.

use rusqlite::{Connection, OptionalExtension};

/// A key in the `settings` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Setting {
    /// The school's name, given when the vault was created.
    School,
    /// Minutes of inactivity before the window locks.
    AutoLockMinutes,
    /// How many daily automatic backups are kept.
    AutoBackupKeep,
    /// Years a leaver's record is kept before it is offered for erasure.
    RetentionYears,
    /// Who may sign a review off.
    ReviewSignOff,
    /// The school year the pupils' year groups are for ("2026-27"), set by each rollover.
    SchoolYear,
    /// Words that make the session form remind where a safeguarding concern belongs (one a
    /// line), set by the strategic lead.
    SafeguardingWords,
}

impl Setting {
    /// Every setting.
    pub const ALL: &'static [Setting] = &[
        Setting::School,
        Setting::AutoLockMinutes,
        Setting::AutoBackupKeep,
        Setting::RetentionYears,
        Setting::ReviewSignOff,
        Setting::SchoolYear,
        Setting::SafeguardingWords,
    ];

    /// The key stored in the `settings` table (fixed: vaults already hold these).
    pub const fn key(self) -> &'static str {
        match self {
            Setting::School => "school",
            Setting::AutoLockMinutes => "auto_lock_minutes",
            Setting::AutoBackupKeep => "auto_backup_keep",
            Setting::RetentionYears => "retention_years",
            Setting::ReviewSignOff => "review_sign_off",
            Setting::SchoolYear => "school_year",
            Setting::SafeguardingWords => "safeguarding_words",
        }
    }
}

/// The stored text of a setting, or `None` if it was never set.
pub fn read(conn: &Connection, setting: Setting) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT value FROM settings WHERE key = ?1",
        [setting.key()],
        |r| r.get(0),
    )
    .optional()
}

/// Stores a setting's text, replacing any earlier value. The caller checks who may change it
/// and records the change in the audit log in the same transaction.
pub fn write(conn: &Connection, setting: Setting, value: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [setting.key(), value],
    )
    .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn keys_are_distinct() {
        let keys: HashSet<_> = Setting::ALL.iter().map(|s| s.key()).collect();
        assert_eq!(keys.len(), Setting::ALL.len());
    }

    #[test]
    fn a_write_replaces_the_earlier_value() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute(
            "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            [],
        )
        .unwrap();
        assert_eq!(read(&conn, Setting::RetentionYears).unwrap(), None);
        write(&conn, Setting::RetentionYears, "6").unwrap();
        write(&conn, Setting::RetentionYears, "7").unwrap();
        assert_eq!(
            read(&conn, Setting::RetentionYears).unwrap().as_deref(),
            Some("7")
        );
        assert_eq!(read(&conn, Setting::School).unwrap(), None);
    }
}
