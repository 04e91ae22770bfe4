//! The vault against real files: what is on disk, who can open it, and how it fails.

mod common;
use common::*;

use attune_vault::{Action, ErrorKind, Passphrase, RecoveryKey, Role, Vault};

#[test]
fn nothing_readable_reaches_the_disk() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let (v, _) = make_vault(&dir);
    let secret_name = "Zebedee Quartermaine-Okonkwo";
    let conn = v.conn().unwrap();
    conn.execute_batch("CREATE TABLE probe (note TEXT)")
        .unwrap();
    for i in 0..200 {
        conn.execute(
            "INSERT INTO probe (note) VALUES (?1)",
            [format!("{secret_name} session {i}")],
        )
        .unwrap();
    }
    // Both while open (WAL holds recent pages) and after closing (checkpointed into the db).
    for (name, bytes) in folder_bytes(&dir) {
        assert!(
            !contains(&bytes, secret_name.as_bytes()),
            "{name} holds the name in plaintext"
        );
        assert!(
            !contains(&bytes, &utf16le(secret_name)),
            "{name} holds the name as UTF-16"
        );
    }
    drop(v);
    let db = std::fs::read(dir.join("vault.db")).unwrap();
    assert!(db.len() > 8192, "the rows were really written");
    assert!(!contains(&db, secret_name.as_bytes()));
    assert!(
        !db.starts_with(b"SQLite format 3\0"),
        "the header is encrypted too"
    );
    for (name, bytes) in folder_bytes(&dir) {
        assert!(
            !contains(&bytes, secret_name.as_bytes()),
            "{name} holds the name in plaintext"
        );
        assert!(
            !contains(&bytes, b"Zebedee"),
            "{name} holds part of the name"
        );
    }
    // Opening without the key, as a plain SQLite reader would, fails.
    let plain = rusqlite::Connection::open(dir.join("vault.db")).unwrap();
    let err = plain
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap_err();
    assert_eq!(
        err.sqlite_error_code(),
        Some(rusqlite::ErrorCode::NotADatabase)
    );
}

#[test]
fn wrong_passphrase_and_wrong_recovery_key_are_told_apart() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let (v, _) = make_vault(&dir);
    drop(v);
    let id = lead_id(&dir);
    let e = Vault::unlock(
        &dir,
        &id,
        &Passphrase::new("not the passphrase at all"),
        &mut rng(2),
        now(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WrongPassphrase);
    assert!(e.to_string().contains("Ada Lovelace"), "{e}");
    let other = RecoveryKey::generate(&mut rng(99));
    let e = Vault::unlock_with_recovery(&dir, &id, &other, &mut rng(2), now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WrongRecoveryKey);
    let v = Vault::unlock(&dir, &id, &Passphrase::new(LEAD_PASS), &mut rng(2), now()).unwrap();
    assert_eq!(v.session().user.name, "Ada Lovelace");
    assert_eq!(v.school(), "Hillside Primary");
}

#[test]
fn repeated_failures_wait_longer_and_every_attempt_is_audited() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    drop(make_vault(&dir).0);
    let id = lead_id(&dir);
    let t0 = now();
    for _ in 0..5 {
        let e = Vault::unlock(
            &dir,
            &id,
            &Passphrase::new("wrong wrong wrong"),
            &mut rng(3),
            t0,
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::WrongPassphrase);
    }
    // The sixth try at once is refused without even trying the passphrase — even the right one.
    let e = Vault::unlock(&dir, &id, &Passphrase::new(LEAD_PASS), &mut rng(3), t0).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Throttled);
    assert_eq!(e.retry_after_secs(), Some(2));
    // After the wait, another wrong one makes the next wait longer.
    let t1 = t0 + chrono::Duration::seconds(2);
    Vault::unlock(
        &dir,
        &id,
        &Passphrase::new("still wrong here"),
        &mut rng(3),
        t1,
    )
    .unwrap_err();
    let e = Vault::unlock(&dir, &id, &Passphrase::new(LEAD_PASS), &mut rng(3), t1).unwrap_err();
    assert_eq!(e.retry_after_secs(), Some(4));
    // A relaunch (status read fresh from the folder) still waits.
    match attune_vault::status(&dir, t1).unwrap() {
        attune_vault::VaultStatus::Present {
            retry_after_secs, ..
        } => assert_eq!(retry_after_secs, 4),
        _ => unreachable!(),
    }
    let t2 = t1 + chrono::Duration::seconds(4);
    let v = Vault::unlock(&dir, &id, &Passphrase::new(LEAD_PASS), &mut rng(3), t2).unwrap();
    let log = attune_vault::audit::list(v.conn().unwrap(), Some("unlock"), 100).unwrap();
    let failed = log.iter().filter(|e| e.outcome == "failed").count();
    let ok = log.iter().filter(|e| e.outcome == "ok").count();
    assert_eq!(failed, 6, "all six wrong passphrases are in the audit log");
    assert_eq!(ok, 1);
    assert_eq!(
        attune_vault::audit::verify(v.conn().unwrap()).unwrap(),
        None
    );
    drop(v);
    // Success resets the count.
    let v = Vault::unlock(&dir, &id, &Passphrase::new(LEAD_PASS), &mut rng(3), t2).unwrap();
    drop(v);
}

#[test]
fn damaged_key_slot_file_is_reported_and_repaired_from_its_copy() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    drop(make_vault(&dir).0);
    let id = lead_id(&dir);
    let slots = dir.join("keyslots");
    let good = std::fs::read(&slots).unwrap();

    // One flipped byte in the primary: the backup copy opens the vault and repairs it.
    let mut flipped = good.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x01;
    std::fs::write(&slots, &flipped).unwrap();
    let v = Vault::unlock(&dir, &id, &Passphrase::new(LEAD_PASS), &mut rng(4), now()).unwrap();
    drop(v);
    assert_eq!(
        std::fs::read(&slots).unwrap(),
        good,
        "the primary was rewritten from the good copy"
    );

    // Both copies damaged (flipped, truncated, empty, garbage): a clear error, never a panic.
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("flipped", flipped.clone()),
        ("truncated", good[..good.len() / 3].to_vec()),
        ("empty", Vec::new()),
        ("garbage", b"\x00\xff not a key slot file".to_vec()),
    ];
    for (what, bytes) in cases {
        std::fs::write(&slots, &bytes).unwrap();
        std::fs::write(dir.join("keyslots.backup"), &bytes).unwrap();
        let e =
            Vault::unlock(&dir, &id, &Passphrase::new(LEAD_PASS), &mut rng(4), now()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::KeySlotsDamaged, "{what}: {e}");
        assert!(
            e.to_string().contains("key-slot file is damaged"),
            "{what}: {e}"
        );
    }
    std::fs::remove_file(&slots).unwrap();
    std::fs::remove_file(dir.join("keyslots.backup")).unwrap();
    let e = Vault::unlock(&dir, &id, &Passphrase::new(LEAD_PASS), &mut rng(4), now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::KeySlotsDamaged);
    assert!(e.to_string().contains("no key-slot file"), "{e}");
}

#[test]
fn an_edited_slot_does_not_open() {
    // Raising a key adult to strategic lead by editing the file (and fixing the checksum)
    // must not work: the role is bound into the slot's authenticated data.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let (mut v, _) = make_vault(&dir);
    let ka = v
        .add_user(
            "Ben Key",
            Role::KeyAdult,
            &Passphrase::new(KA_PASS),
            &mut rng(5),
            now(),
        )
        .unwrap();
    drop(v);
    let text = std::fs::read_to_string(dir.join("keyslots")).unwrap();
    let body = text.split_once('\n').unwrap().1;
    let mut parsed: attune_vault::keyslots::Body = serde_json::from_str(body).unwrap();
    for s in &mut parsed.slots {
        if s.user_id.as_deref() == Some(&ka.id) {
            s.role = Some(Role::StrategicLead);
        }
    }
    let forged = parsed.to_bytes();
    std::fs::write(dir.join("keyslots"), &forged).unwrap();
    std::fs::write(dir.join("keyslots.backup"), &forged).unwrap();
    let e = Vault::unlock(&dir, &ka.id, &Passphrase::new(KA_PASS), &mut rng(5), now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WrongPassphrase, "{e}");
}

#[test]
fn a_flipped_byte_in_a_database_page_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let (v, _) = make_vault(&dir);
    let id = lead_id(&dir);
    drop(v);
    let db = dir.join("vault.db");
    let mut bytes = std::fs::read(&db).unwrap();
    assert!(bytes.len() >= 3 * 4096);
    // Page 2 holds the settings/users tables read at unlock.
    for page in 1..(bytes.len() / 4096) {
        bytes[page * 4096 + 100] ^= 0x40;
    }
    std::fs::write(&db, &bytes).unwrap();
    let e = Vault::unlock(&dir, &id, &Passphrase::new(LEAD_PASS), &mut rng(6), now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::VaultDamaged, "{e}");
}

#[test]
fn verify_names_a_damaged_page_and_a_broken_audit_chain() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let (v, _) = make_vault(&dir);
    for i in 0..5 {
        v.audit(Action::AuditView, Some(&format!("record-{i}")), "ok", now())
            .unwrap();
    }
    assert!(
        v.verify().unwrap().is_empty(),
        "a fresh vault verifies clean"
    );
    // The table refuses the edit (issue 12); an attacker holding the key drops the trigger.
    let conn = v.conn().unwrap();
    assert!(conn
        .execute("UPDATE audit_log SET target = 'record-x' WHERE seq = 3", [])
        .is_err());
    conn.execute_batch("DROP TRIGGER audit_log_no_update")
        .unwrap();
    conn.execute("UPDATE audit_log SET target = 'record-x' WHERE seq = 3", [])
        .unwrap();
    let problems = v.verify().unwrap();
    assert!(
        problems.iter().any(|p| p.contains("broken at entry 3")),
        "{problems:?}"
    );
}

/// Runs the full check, keeping every step it reports.
fn check_with_steps(
    v: &Vault,
) -> (
    attune_vault::Result<attune_vault::VaultCheck>,
    Vec<attune_vault::progress::Step>,
) {
    let steps = std::sync::Mutex::new(Vec::new());
    let report = |s: attune_vault::progress::Step| steps.lock().unwrap().push(s);
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let r = v.verify_with(&attune_vault::progress::Work::new(&report, &cancel));
    (r, steps.into_inner().unwrap())
}

#[test]
fn the_full_check_names_the_pages_whose_bytes_were_flipped_on_disk() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let (v, _) = make_vault(&dir);
    let conn = v.conn().unwrap();
    conn.execute_batch("CREATE TABLE probe (note TEXT)")
        .unwrap();
    for i in 0..300 {
        conn.execute(
            "INSERT INTO probe (note) VALUES (?1)",
            [format!(
                "a note long enough to fill pages, number {i:04} {}",
                "x".repeat(120)
            )],
        )
        .unwrap();
    }
    for i in 0..20 {
        v.audit(Action::AuditView, Some(&format!("record-{i}")), "ok", now())
            .unwrap();
    }
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();

    // Healthy: every phase reported, in order, each ending done; no problem; the plain report.
    let (r, steps) = check_with_steps(&v);
    let healthy = r.unwrap();
    assert!(healthy.problems.is_empty(), "{:?}", healthy.problems);
    assert_eq!(
        healthy.report(),
        vec![attune_vault::check::ALL_IS_WELL.to_string()]
    );
    let mut phases: Vec<&str> = steps.iter().map(|s| s.phase).collect();
    phases.dedup();
    assert_eq!(phases, ["pages", "structure", "audit chain", "key slots"]);
    assert!(steps.last().is_some_and(|s| s.done == s.total));
    assert!(healthy.audit_entries_checked >= 20);

    // One byte flipped in two pages of the file on disk (never page 1: it holds the salt).
    let page_size: String = conn
        .query_row("PRAGMA cipher_page_size", [], |r| r.get(0))
        .unwrap();
    let page_size: usize = page_size.parse().unwrap();
    let db = dir.join("vault.db");
    let mut bytes = std::fs::read(&db).unwrap();
    assert_eq!(bytes.len() % page_size, 0);
    let pages = bytes.len() / page_size;
    assert!(pages >= 8, "{pages} pages");
    let offsets = [2 * page_size + 700, (pages - 2) * page_size + 1500];
    for &o in &offsets {
        bytes[o] ^= 0x10;
    }
    std::fs::write(&db, &bytes).unwrap();
    // The oracle: the pages those offsets fall in, counted from 1.
    let flipped: Vec<u32> = offsets.iter().map(|o| (o / page_size + 1) as u32).collect();

    let (r, _) = check_with_steps(&v);
    let found = r.unwrap();
    let damaged: Vec<&attune_vault::CheckProblem> = found
        .problems
        .iter()
        .filter(|p| p.area == attune_vault::CheckArea::Pages)
        .collect();
    assert_eq!(damaged.len(), 1, "{:?}", found.problems);
    assert_eq!(damaged[0].pages, flipped, "{:?}", damaged[0]);
    assert!(
        damaged[0]
            .what
            .contains(&format!("({} and {})", flipped[0], flipped[1])),
        "{}",
        damaged[0].what
    );
    assert!(damaged[0].todo.contains("Restore"), "{}", damaged[0].todo);
    // The old, string-only form says the same.
    let lines = v.verify().unwrap();
    for p in &flipped {
        assert!(
            lines.iter().any(|l| l.contains(&format!("page {p}"))),
            "{lines:?}"
        );
    }
}

#[test]
fn the_full_check_stops_when_asked_and_is_audited() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let (v, _) = make_vault(&dir);
    let cancel = std::sync::atomic::AtomicBool::new(true);
    let report = |_: attune_vault::progress::Step| {};
    let e = v
        .check(&attune_vault::progress::Work::new(&report, &cancel), now())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled, "{e}");
    let last = |v: &Vault| -> (String, String) {
        v.conn()
            .unwrap()
            .query_row(
                "SELECT action, outcome FROM audit_log ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
    };
    assert_eq!(last(&v), ("vault.verify".into(), "cancelled".into()));
    let check = v
        .check(&attune_vault::progress::Work::none(), now())
        .unwrap();
    assert!(check.is_sound(), "{:?}", check.problems);
    assert_eq!(last(&v), ("vault.verify".into(), "ok".into()));
}

#[test]
fn the_folder_is_locked_while_open() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let (v, _) = make_vault(&dir);
    let id = lead_id(&dir);
    let e = Vault::unlock(&dir, &id, &Passphrase::new(LEAD_PASS), &mut rng(7), now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::VaultInUse);
    drop(v);
    Vault::unlock(&dir, &id, &Passphrase::new(LEAD_PASS), &mut rng(7), now()).unwrap();
}

#[test]
fn weak_passphrases_and_a_second_vault_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let mut r = rng(8);
    let rk = RecoveryKey::generate(&mut r);
    let e = Vault::create(
        &dir,
        "Hillside",
        "Ada",
        &Passphrase::new("password123"),
        &rk,
        &mut r,
        now(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WeakPassphrase);
    assert!(
        !dir.join("vault.db").exists(),
        "a refused setup leaves nothing behind"
    );
    drop(make_vault(&dir).0);
    let e = Vault::create(
        &dir,
        "Hillside",
        "Ada",
        &Passphrase::new(LEAD_PASS),
        &rk,
        &mut r,
        now(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AlreadyExists);
}
