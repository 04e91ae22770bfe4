//! SQLCipher's start-up race: SQLite marks itself initialised before SQLCipher's extra
//! start-up has registered `sqlcipher_export` for new connections, so a thread opening its first
//! connection while another is still starting SQLite can get one without it (a key change or a
//! backup on it then fails: "no such function: sqlcipher_export", seen once in a parallel test
//! run). This file is its own process, so SQLite starts here: many threads released at once
//! each call `attune_vault::db::sqlcipher_ready` (as every vault connection's opening does) and
//! then open a connection. The oracle is SQLite's own list of the connection's functions.
//!
//! `ATTUNE_RACE_RAW=1` skips `sqlcipher_ready`, to see the race itself.

use std::sync::{Arc, Barrier};

use rusqlite::Connection;

fn has_export(c: &Connection) -> bool {
    c.query_row(
        "SELECT count(*) FROM pragma_function_list WHERE name = 'sqlcipher_export'",
        [],
        |r| r.get::<_, i64>(0),
    )
    .unwrap()
        > 0
}

/// Many threads released at once each open their first connection; how many lack the function.
fn first_connections_without_export() -> usize {
    let raw = std::env::var_os("ATTUNE_RACE_RAW").is_some();
    let n = 16;
    let barrier = Arc::new(Barrier::new(n));
    let threads: Vec<_> = (0..n)
        .map(|_| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                if !raw {
                    attune_vault::db::sqlcipher_ready();
                }
                let c = Connection::open_in_memory().unwrap();
                has_export(&c)
            })
        })
        .collect();
    threads
        .into_iter()
        .map(|t| t.join().unwrap())
        .filter(|ok| !ok)
        .count()
}

/// One fresh process's try (run by the test below, in a process of its own each time).
#[test]
#[ignore = "run by every_first_connection_has_sqlcipher_export_in_two_hundred_fresh_processes"]
fn one_fresh_process() {
    let missing = first_connections_without_export();
    assert_eq!(
        missing, 0,
        "{missing} first connections lack sqlcipher_export"
    );
}

/// The race shows in about 1 process in 20 without `sqlcipher_ready` (measured: 10 of 200 with
/// `ATTUNE_RACE_RAW=1`), so two hundred fresh processes all missing it is unlikely (with ATTUNE_RACE_RAW=1 this test
/// failed 3 runs of 3).
#[test]
fn every_first_connection_has_sqlcipher_export_in_two_hundred_fresh_processes() {
    let me = std::env::current_exe().unwrap();
    let failed = (0..200)
        .filter(|_| {
            !std::process::Command::new(&me)
                .args(["--ignored", "--exact", "one_fresh_process", "-q"])
                .output()
                .unwrap()
                .status
                .success()
        })
        .count();
    assert_eq!(
        failed, 0,
        "{failed} of 200 fresh processes had a first connection without sqlcipher_export"
    );
}
