//! SQLCipher's start-up, made safe to race.
//!
//! This is the lowest crate of ours that links SQLite, so the wait lives here: the vault
//! calls it before each connection it opens (`attune_vault::db`), and so do this crate's
//! tests, which open their own replicas.

use rusqlite::Connection;

/// Waits, once per process, until SQLCipher has finished starting: call before opening any
/// connection.
///
/// SQLite marks itself initialised *before* it runs SQLCipher's extra start-up
/// (`SQLITE_EXTRA_INIT`, `sqlcipher_extra_init`), and that start-up registers the crypto
/// provider and then, last and outside SQLite's mutex, `sqlcipher_export` for every later
/// connection. A second thread opening its first connection in that window gets one that
/// is not ready: a `PRAGMA key` on it fails ("An error occurred with PRAGMA key or rekey",
/// seen in CI) or a key change or backup fails ("no such function: sqlcipher_export", seen
/// once in a parallel test run). So the first caller initialises SQLite and then waits until
/// a fresh connection has `sqlcipher_export` — registered after the provider, so both are
/// then in place; every other thread waits on the `Once` until then.
pub fn sqlcipher_ready() {
    static READY: std::sync::Once = std::sync::Once::new();
    READY.call_once(|| {
        // SAFETY: sqlite3_initialize takes no arguments and may be called from any thread
        // any number of times.
        unsafe {
            rusqlite::ffi::sqlite3_initialize();
        }
        for _ in 0..5_000 {
            let has_export = Connection::open_in_memory()
                .and_then(|c| {
                    c.query_row(
                        "SELECT count(*) FROM pragma_function_list WHERE name = 'sqlcipher_export'",
                        [],
                        |r| r.get::<_, i64>(0),
                    )
                })
                .is_ok_and(|n| n > 0);
            if has_export {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    });
}
