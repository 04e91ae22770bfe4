//! Long work reports its progress and stops when asked, leaving nothing behind: a backup
//! stopped at any phase leaves no file where it was going, no temporary file anywhere, and an
//! audit row saying it was cancelled.

mod common;
use common::*;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use attune_vault::progress::{Step, Work};
use attune_vault::{Error, Vault};

const PHASES: [&str; 4] = ["checking", "snapshot", "copying", "reading back"];

fn fill(v: &Vault) {
    let conn = v.conn().unwrap();
    conn.execute_batch("CREATE TABLE probe (n INTEGER PRIMARY KEY, note TEXT)")
        .unwrap();
    // About 2 MiB, so the copy and the read-back take many steps.
    for i in 0..2000 {
        conn.execute(
            "INSERT INTO probe (n, note) VALUES (?1, ?2)",
            rusqlite::params![i, "x".repeat(1000)],
        )
        .unwrap();
    }
}

fn last_backup_outcome(v: &Vault) -> String {
    v.conn()
        .unwrap()
        .query_row(
            "SELECT outcome FROM audit_log WHERE action = 'backup.create' ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

/// Every file name under `dir` (hidden ones too), recursively.
fn all_names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_backups_progress_goes_up_through_its_phases_and_ends_at_its_total() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let usb = tmp.path().join("usb");
    std::fs::create_dir(&usb).unwrap();
    let (v, _) = make_vault(&dir);
    fill(&v);
    let steps = Mutex::new(Vec::<Step>::new());
    let report = |s: Step| steps.lock().unwrap().push(s);
    let cancel = AtomicBool::new(false);
    v.backup_to_with(
        &usb.join("b.attune-backup"),
        now(),
        &Work::new(&report, &cancel),
    )
    .unwrap();
    let steps = steps.into_inner().unwrap();
    assert!(steps.len() > 20, "only {} steps", steps.len());
    let total = steps[0].total;
    assert!(steps.iter().all(|s| s.total == total));
    assert!(
        steps.windows(2).all(|w| w[0].done <= w[1].done),
        "{steps:?}"
    );
    assert_eq!(steps.last().unwrap().done, total);
    let mut phases: Vec<&str> = steps.iter().map(|s| s.phase).collect();
    phases.dedup();
    assert_eq!(phases, PHASES);
    assert_eq!(last_backup_outcome(&v), "ok");
}

#[test]
fn a_backup_stopped_in_any_phase_leaves_no_file_and_is_audited_as_cancelled() {
    for phase in PHASES {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("vault");
        let usb = tmp.path().join("usb");
        std::fs::create_dir(&usb).unwrap();
        let (v, _) = make_vault(&dir);
        fill(&v);
        let vault_files = all_names(&dir);
        let cancel = AtomicBool::new(false);
        // Asked to stop (the window's Cancel button) at the phase's first step, or a few
        // steps into the copy and the read-back.
        let seen = Mutex::new(0u32);
        let report = |s: Step| {
            if s.phase == phase {
                let mut n = seen.lock().unwrap();
                *n += 1;
                let wait = if matches!(phase, "copying" | "reading back") {
                    3
                } else {
                    1
                };
                if *n == wait {
                    cancel.store(true, Ordering::SeqCst);
                }
            }
        };
        let r = v.backup_to_with(
            &usb.join("b.attune-backup"),
            now(),
            &Work::new(&report, &cancel),
        );
        assert!(matches!(r, Err(Error::Cancelled)), "{phase}: {r:?}");
        assert!(*seen.lock().unwrap() >= 1, "{phase} was reached");
        assert_eq!(
            all_names(&usb),
            Vec::<String>::new(),
            "{phase}: the USB folder is empty"
        );
        let mut after = all_names(&dir);
        after.retain(|n| !n.starts_with("vault.db")); // the audit row's writes (WAL)
        let mut before = vault_files.clone();
        before.retain(|n| !n.starts_with("vault.db"));
        assert_eq!(
            after, before,
            "{phase}: no temporary file left beside the vault"
        );
        assert_eq!(last_backup_outcome(&v), "cancelled", "{phase}");
    }
}

#[test]
fn an_automatic_backup_stopped_by_its_canceller_leaves_no_file() {
    for phase in PHASES {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("vault");
        let (v, _) = make_vault(&dir);
        fill(&v);
        let job = v.auto_backup_job(now()).unwrap().unwrap();
        let canceller = job.canceller();
        // A step into the copy and the read-back (past the phase's first check).
        let seen = Mutex::new(0u32);
        let report = |s: Step| {
            if s.phase == phase {
                let mut n = seen.lock().unwrap();
                *n += 1;
                let wait = if matches!(phase, "copying" | "reading back") {
                    2
                } else {
                    1
                };
                if *n == wait {
                    canceller.cancel();
                }
            }
        };
        let r = job.run_with(now(), &report);
        assert!(matches!(r, Err(Error::Cancelled)), "{phase}: {r:?}");
        drop(job);
        assert!(!canceller.is_running());
        assert_eq!(
            all_names(&v.auto_backup_dir()),
            Vec::<String>::new(),
            "{phase}: no backup and no temporary file"
        );
    }
}

/// Every file under `dir`, recursively, with a digest of its bytes.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    use sha2::{Digest, Sha256};
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                let sum = Sha256::digest(std::fs::read(e.path()).unwrap()).to_vec();
                out.push((e.path().display().to_string(), sum));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_restore_stopped_before_the_swap_changes_nothing() {
    use attune_vault::backup;
    use attune_vault::{Passphrase, Secret};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let usb = tmp.path().join("usb");
    std::fs::create_dir(&usb).unwrap();
    let (v, _) = make_vault(&dir);
    fill(&v);
    let out = usb.join("b.attune-backup");
    v.backup_to(&out, now()).unwrap();
    v.conn()
        .unwrap()
        .execute_batch("DELETE FROM probe WHERE n < 10")
        .unwrap();
    drop(v);
    let lead = Passphrase::new(LEAD_PASS);
    let id = lead_id(&dir);
    let before = tree(tmp.path());
    for phase in ["unpacking", "checking"] {
        let cancel = AtomicBool::new(false);
        let report = |s: Step| {
            if s.phase == phase {
                cancel.store(true, Ordering::SeqCst);
            }
        };
        let r = backup::restore_with(
            &out,
            &dir,
            &id,
            Secret::Passphrase(&lead),
            &mut rng(5),
            now(),
            &Work::new(&report, &cancel),
        );
        assert!(matches!(r, Err(Error::Cancelled)), "{phase}: {:?}", r.err());
        assert_eq!(
            tree(tmp.path()),
            before,
            "{phase}: nothing changed, no staging folder"
        );
    }
    // Not stopped, it restores (the rows deleted after the backup are back).
    let steps = Mutex::new(Vec::<Step>::new());
    let report = |s: Step| steps.lock().unwrap().push(s);
    let never = AtomicBool::new(false);
    let r = backup::restore_with(
        &out,
        &dir,
        &id,
        Secret::Passphrase(&lead),
        &mut rng(6),
        now(),
        &Work::new(&report, &never),
    )
    .unwrap();
    let n: i64 = r
        .vault
        .conn()
        .unwrap()
        .query_row("SELECT count(*) FROM probe", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 2000);
    let steps = steps.into_inner().unwrap();
    assert!(steps.windows(2).all(|w| w[0].done <= w[1].done));
    let mut phases: Vec<&str> = steps.iter().map(|s| s.phase).collect();
    phases.dedup();
    assert_eq!(phases, ["unpacking", "checking", "replacing"]);
    let last = steps.last().unwrap();
    assert_eq!(last.done, last.total);
}

/// The automatic backup copies its snapshot in steps while the session goes on writing
/// through its own connection: every write between two steps succeeds at once (the backup
/// holds no lock a writer waits for), and the backup holds exactly the vault as it was when
/// the snapshot began — not a page of a later version, not a mixture. Oracle: the restored
/// backup's rows, against those written before the job and those written during it.
#[test]
fn an_automatic_backups_snapshot_is_one_version_while_the_session_writes() {
    use attune_vault::backup;
    use attune_vault::{Passphrase, Secret};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let (v, _) = make_vault(&dir);
    fill(&v);
    let id = lead_id(&dir);
    let job = v.auto_backup_job(now()).unwrap().unwrap();
    let v = Mutex::new(v);
    let writes = Mutex::new(0u32);
    let report = |s: Step| {
        if s.phase != "snapshot" {
            return;
        }
        let v = v.lock().unwrap();
        let conn = v.conn().unwrap();
        let mut n = writes.lock().unwrap();
        *n += 1;
        // The phase's first report comes before the copy begins: the writes start after a
        // first step was copied.
        if *n == 1 {
            return;
        }
        // A page near the start changes, and the table grows past the copied pages.
        conn.execute(
            "UPDATE probe SET note = 'changed during the backup' WHERE n = 0",
            [],
        )
        .unwrap();
        for i in 0..100 {
            conn.execute(
                "INSERT INTO probe (n, note) VALUES (?1, ?2)",
                rusqlite::params![100_000 + *n * 1000 + i, "y".repeat(1000)],
            )
            .unwrap();
        }
    };
    let info = job.run_with(now(), &report).unwrap();
    let writes = writes.into_inner().unwrap() - 1;
    assert!(
        writes >= 2,
        "the snapshot took several steps with writes between them ({writes})"
    );
    let v = v.into_inner().unwrap();
    let live: i64 = v
        .conn()
        .unwrap()
        .query_row("SELECT count(*) FROM probe", [], |r| r.get(0))
        .unwrap();
    assert_eq!(live, 2000 + 100 * i64::from(writes), "every write went in");
    drop(v);
    let file = info.path;
    let lead = Passphrase::new(LEAD_PASS);
    let restored = tmp.path().join("restored");
    let r = backup::restore(
        &file,
        &restored,
        &id,
        Secret::Passphrase(&lead),
        &mut rng(7),
        now(),
    )
    .unwrap();
    let conn = r.vault.conn().unwrap();
    let (n, max, first): (i64, i64, String) = conn
        .query_row(
            "SELECT count(*), max(n), (SELECT note FROM probe WHERE n = 0) FROM probe",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((n, max), (2000, 1999), "only the rows before the snapshot");
    assert_eq!(
        first,
        "x".repeat(1000),
        "row 0 as it was when the snapshot began"
    );
}
