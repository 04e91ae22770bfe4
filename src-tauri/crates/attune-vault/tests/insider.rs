//! Issue 12: the vault against a staff member who turns hostile. Every check here uses an
//! oracle outside the code under test: the key-slot bytes on disk opened slot by slot with the
//! removed passphrase, the files' hashes, the database opened with the raw key.

mod common;
use common::*;

use std::path::{Path, PathBuf};

use attune_vault::keyslots::Body;
use attune_vault::{backup, Action};
use attune_vault::{ErrorKind, Passphrase, Role, Secret, Vault};
use sha2::{Digest, Sha256};

const CAL_PASS: &str = "violet kestrel harbour minutes 88";

/// Does `pass` open any slot of this key-slot file (whatever user the slot claims)?
fn opens_any(body: &Body, pass: &str) -> bool {
    body.slots.iter().any(|s| {
        s.open(&body.vault_id, pass.as_bytes())
            .ok()
            .flatten()
            .is_some()
    })
}

fn slots_file(p: &Path) -> Body {
    Body::parse(&std::fs::read(p).unwrap()).unwrap()
}

fn backups_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir.join("backups"))
        .map(|r| r.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// The vault's own files (not the attempts counter or the lock), hashed.
fn vault_hashes(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else if name != "vault.lock" && name != "unlock-attempts.json" {
                let sum = Sha256::digest(std::fs::read(e.path()).unwrap());
                out.push((e.path().display().to_string(), hex::encode(sum)));
            }
        }
    }
    out.sort();
    out
}

fn add_cal(v: &mut Vault) -> attune_vault::UserInfo {
    v.add_user(
        "Cal Turner",
        Role::StrategicLead,
        &Passphrase::new(CAL_PASS),
        &mut rng(3),
        now(),
    )
    .unwrap()
}

fn lead() -> Passphrase {
    Passphrase::new(LEAD_PASS)
}

#[test]
fn a_removed_user_opens_nothing_they_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let (mut v, recovery) = make_vault(&dir);
    let cal = add_cal(&mut v);
    // Automatic backups on three days, and one to a USB stick, all before the removal.
    for d in 0..3 {
        v.auto_backup_if_due(now() - chrono::Duration::days(3 - d), 7)
            .unwrap()
            .unwrap();
    }
    let usb = tmp.path().join("usb.attune-backup");
    v.backup_to(&usb, now()).unwrap();
    assert!(opens_any(&backup::inspect(&usb).unwrap().slots, CAL_PASS));
    assert_eq!(backups_in(&dir).len(), 3);
    for b in backups_in(&dir) {
        assert!(opens_any(&backup::inspect(&b).unwrap().slots, CAL_PASS));
    }

    v.remove_user(&cal.id, &mut rng(4), now()).unwrap();
    assert!(v.warnings().is_empty(), "{:?}", v.warnings());
    let lead_id = v.session().user.id.clone();
    v.lock("test", now());

    for f in ["keyslots", "keyslots.backup"] {
        assert!(!opens_any(&slots_file(&dir.join(f)), CAL_PASS), "{f}");
    }
    let after = backups_in(&dir);
    assert_eq!(
        after.len(),
        1,
        "the old automatic backups were purged, one fresh written"
    );
    for b in &after {
        let f = backup::inspect(b).unwrap();
        assert!(!opens_any(&f.slots, CAL_PASS), "{}", b.display());
        assert!(
            opens_any(&f.slots, LEAD_PASS),
            "the fresh one opens for the lead"
        );
    }

    // The lead restores the USB backup from before the removal (older key epoch: the
    // recovery key). The removal survives it.
    let r = backup::restore(
        &usb,
        &dir,
        &lead_id,
        Secret::Recovery(&recovery),
        &mut rng(5),
        now(),
    )
    .unwrap();
    drop(r);
    for f in ["keyslots", "keyslots.backup"] {
        assert!(
            !opens_any(&slots_file(&dir.join(f)), CAL_PASS),
            "restored {f}"
        );
    }
    for b in backups_in(&dir) {
        assert!(!opens_any(&backup::inspect(&b).unwrap().slots, CAL_PASS));
    }
    let e = Vault::unlock(
        &dir,
        &cal.id,
        &Passphrase::new(CAL_PASS),
        &mut rng(6),
        now(),
    )
    .unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotPermitted),
        "{e}"
    );
    let v = Vault::unlock(&dir, &lead_id, &lead(), &mut rng(7), now()).unwrap();
    assert!(v.users().unwrap().iter().all(|u| u.id != cal.id));
    assert!(v.verify().unwrap().is_empty(), "{:?}", v.verify().unwrap());
}

#[test]
fn a_removed_user_cannot_restore_from_the_lock_screen() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let (mut v, _) = make_vault(&dir);
    let cal = add_cal(&mut v);
    let kept = tmp.path().join("kept.attune-backup");
    v.backup_to(&kept, now()).unwrap();
    v.remove_user(&cal.id, &mut rng(4), now()).unwrap();
    let lead_id = v.session().user.id.clone();
    v.lock("test", now());
    let before = vault_hashes(&dir);
    let names = |p: &Path| {
        let mut n: Vec<String> = std::fs::read_dir(p)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        n.sort();
        n
    };
    let siblings = names(tmp.path());

    let e = backup::restore(
        &kept,
        &dir,
        &cal.id,
        Secret::Passphrase(&Passphrase::new(CAL_PASS)),
        &mut rng(5),
        now(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotPermitted, "{e}");
    assert_eq!(
        vault_hashes(&dir),
        before,
        "the vault's bytes are unchanged"
    );
    assert_eq!(names(tmp.path()), siblings, "nothing moved aside or staged");

    // The current lead's passphrase does not restore an older key epoch either.
    let e = backup::restore(
        &kept,
        &dir,
        &lead_id,
        Secret::Passphrase(&lead()),
        &mut rng(5),
        now(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotPermitted, "{e}");
    assert_eq!(vault_hashes(&dir), before);
    // The refused attempt by a user the vault no longer has is audited at the next unlock.
    let v = Vault::unlock(&dir, &lead_id, &lead(), &mut rng(7), now()).unwrap();
    let log = attune_vault::audit::list(v.conn().unwrap(), Some("unlock.backup"), 10).unwrap();
    assert!(log
        .iter()
        .any(|e| e.actor_id.as_deref() == Some(cal.id.as_str())));
}

/// Open the database behind Attune's back with the raw key, as someone holding a passphrase
/// could with their own code.
fn raw_db(dir: &Path, user_id: &str, pass: &str) -> rusqlite::Connection {
    let body = slots_file(&dir.join("keyslots"));
    let slot = body.user_slot(user_id).unwrap();
    let secret = slot.open(&body.vault_id, pass.as_bytes()).unwrap().unwrap();
    let keys = slot.unseal_all(&body.vault_id, &secret).unwrap();
    let conn = rusqlite::Connection::open(dir.join("vault.db")).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA key = \"x'{}'\";",
        hex::encode(keys[0].1.expose_for_attack_tests())
    ))
    .unwrap();
    conn
}

#[test]
fn a_cut_audit_tail_is_reported_with_the_first_missing_entry() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let (v, _) = make_vault(&dir);
    let lead_id = v.session().user.id.clone();
    for i in 0..5 {
        v.audit(Action::AuditView, Some(&i.to_string()), "ok", now())
            .unwrap();
    }
    v.lock("test", now());

    let conn = raw_db(&dir, &lead_id, LEAD_PASS);
    let last: i64 = conn
        .query_row("SELECT max(seq) FROM audit_log", [], |r| r.get(0))
        .unwrap();
    // The triggers refuse it as it is...
    assert!(conn
        .execute("DELETE FROM audit_log WHERE seq > ?1", [last - 3])
        .is_err());
    assert!(conn
        .execute("UPDATE audit_log SET outcome = 'x' WHERE seq = 1", [])
        .is_err());
    // ...so the attacker drops them, deletes the last three rows and covers the numbering.
    conn.execute_batch("DROP TRIGGER audit_log_no_delete; DROP TRIGGER audit_log_no_update;")
        .unwrap();
    conn.execute("DELETE FROM audit_log WHERE seq > ?1", [last - 3])
        .unwrap();
    conn.execute(
        "UPDATE sqlite_sequence SET seq = ?1 WHERE name = 'audit_log'",
        [last - 3],
    )
    .unwrap();
    drop(conn);

    let v = Vault::unlock(&dir, &lead_id, &lead(), &mut rng(7), now()).unwrap();
    let first_missing = last - 2;
    let w = v.warnings().join("\n");
    assert!(
        w.contains(&format!("the first missing is {first_missing}")),
        "{w}"
    );
    let log = attune_vault::audit::list(v.conn().unwrap(), Some("audit.anchor"), 5).unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].outcome, "failed");
    let problems = v.verify().unwrap().join("\n");
    assert!(problems.contains(&format!("{first_missing}")), "{problems}");
}

#[test]
fn a_cut_tail_without_touching_the_numbering_shows_too() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let (v, _) = make_vault(&dir);
    let lead_id = v.session().user.id.clone();
    v.lock("test", now());
    // Killed without locking: no anchor for the newest rows, but AUTOINCREMENT remembers.
    let v = Vault::unlock(&dir, &lead_id, &lead(), &mut rng(7), now()).unwrap();
    for i in 0..4 {
        v.audit(Action::AuditView, Some(&i.to_string()), "ok", now())
            .unwrap();
    }
    drop(v);
    let conn = raw_db(&dir, &lead_id, LEAD_PASS);
    let last: i64 = conn
        .query_row("SELECT max(seq) FROM audit_log", [], |r| r.get(0))
        .unwrap();
    conn.execute_batch("DROP TRIGGER audit_log_no_delete;")
        .unwrap();
    conn.execute("DELETE FROM audit_log WHERE seq = ?1", [last])
        .unwrap();
    drop(conn);
    let v = Vault::unlock(&dir, &lead_id, &lead(), &mut rng(7), now()).unwrap();
    assert!(
        v.warnings()
            .join("\n")
            .contains(&format!("the first missing is {last}")),
        "{:?}",
        v.warnings()
    );
}

fn attempts_json(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("unlock-attempts.json")).unwrap()).unwrap()
}

fn failed_unlocks(v: &Vault) -> Vec<attune_vault::audit::AuditEntry> {
    attune_vault::audit::list(v.conn().unwrap(), Some("unlock."), 100)
        .unwrap()
        .into_iter()
        .filter(|e| e.outcome == "failed")
        .collect()
}

#[test]
fn an_edited_attempts_file_is_reported_and_forges_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let (v, _) = make_vault(&dir);
    let lead_id = v.session().user.id.clone();
    v.lock("test", now());
    let sealed_at = attempts_json(&dir)["seal"]["at_unix"].as_i64().unwrap();

    // 1. A forged failure dated before the seal, blaming the lead.
    let mut a = attempts_json(&dir);
    a["pending"] = serde_json::json!([{
        "at_unix": sealed_at - 3600, "user_id": lead_id, "user_name": "Ada Lovelace",
        "method": "passphrase"
    }]);
    a["consecutive_failures"] = 1.into();
    std::fs::write(dir.join("unlock-attempts.json"), a.to_string()).unwrap();
    let v = Vault::unlock(&dir, &lead_id, &lead(), &mut rng(7), now()).unwrap();
    assert!(
        v.warnings()
            .iter()
            .any(|w| w.contains("unlock-attempts.json")),
        "{:?}",
        v.warnings()
    );
    assert!(failed_unlocks(&v).is_empty(), "{:?}", failed_unlocks(&v));
    v.lock("test", now());

    // 2. The seal itself edited (and a failure after it): nothing entered, reported.
    let mut a = attempts_json(&dir);
    let mac = a["seal"]["mac"].as_str().unwrap().to_string();
    let flipped = format!(
        "{}{}",
        if mac.starts_with('0') { "1" } else { "0" },
        &mac[1..]
    );
    a["seal"]["mac"] = flipped.into();
    a["pending"] = serde_json::json!([{
        "at_unix": sealed_at + 60, "user_id": lead_id, "user_name": "Ada Lovelace",
        "method": "passphrase"
    }]);
    std::fs::write(dir.join("unlock-attempts.json"), a.to_string()).unwrap();
    let v = Vault::unlock(&dir, &lead_id, &lead(), &mut rng(7), now()).unwrap();
    assert!(v
        .warnings()
        .iter()
        .any(|w| w.contains("unlock-attempts.json")));
    assert!(failed_unlocks(&v).is_empty());
    let altered =
        attune_vault::audit::list(v.conn().unwrap(), Some("unlock.attempts_file"), 10).unwrap();
    assert_eq!(altered.len(), 2, "both edits are in the audit log");
    v.lock("test", now());

    // 3. A real wrong passphrase enters, as the unverified claim it is.
    assert!(Vault::unlock(
        &dir,
        &lead_id,
        &Passphrase::new("not the passphrase at all 11"),
        &mut rng(8),
        now()
    )
    .is_err());
    let v = Vault::unlock(&dir, &lead_id, &lead(), &mut rng(7), now()).unwrap();
    assert!(v.warnings().is_empty(), "{:?}", v.warnings());
    let f = failed_unlocks(&v);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].target.as_deref(), Some(attune_vault::UNVERIFIED_CLAIM));
}

#[test]
fn only_a_strategic_lead_takes_the_whole_vault_out() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let (mut v, _) = make_vault(&dir);
    let ka = v
        .add_user(
            "Ben Key",
            Role::KeyAdult,
            &Passphrase::new(KA_PASS),
            &mut rng(3),
            now(),
        )
        .unwrap();
    v.lock("test", now());
    let v = Vault::unlock(&dir, &ka.id, &Passphrase::new(KA_PASS), &mut rng(7), now()).unwrap();
    let out = tmp.path().join("taken.attune-backup");
    let e = v.backup_to(&out, now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotPermitted);
    assert!(!out.exists());
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        1,
        "no file of any name"
    );
    let log = attune_vault::audit::list(v.conn().unwrap(), Some("backup.create"), 5).unwrap();
    assert_eq!(log[0].outcome, "refused");
    // SQLCipher wipes the memory it frees.
    let on: String = v
        .conn()
        .unwrap()
        .query_row("PRAGMA cipher_memory_security", [], |r| r.get(0))
        .unwrap();
    assert_eq!(on, "1");
}

/// Every file and folder under `root` that `pass` opens: key-slot files of vaults (kept or
/// set aside) and backup files (their key slots, read without any code of the vault's).
fn opened_by(root: &Path, pass: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let body = if name == "keyslots" || name == "keyslots.backup" {
                Body::parse(&std::fs::read(&p).unwrap()).ok()
            } else if name.ends_with(".attune-backup") {
                backup::inspect(&p).ok().map(|f| f.slots)
            } else {
                None
            };
            if body.is_some_and(|b| opens_any(&b, pass)) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_backup_being_written_while_a_user_is_removed_does_not_keep_their_slot() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let (mut v, _) = make_vault(&dir);
    let cal = add_cal(&mut v);
    // The automatic backup starts (its snapshot and slots taken) before the removal and
    // finishes after it.
    let yesterday = now() - chrono::Duration::days(1);
    let job = v.auto_backup_job(yesterday).unwrap().unwrap();
    v.remove_user(&cal.id, &mut rng(4), now()).unwrap();
    let written = job.run(yesterday);
    assert!(written.is_ok(), "{written:?}");
    drop(job);
    let name = backups_in(&dir)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .find(|n| n.contains("-11-21"))
        .expect("the job wrote its file");
    v.finish_auto_backup(Some((&name, &written)), 7, now())
        .unwrap();
    assert_eq!(opened_by(tmp.path(), CAL_PASS), Vec::<PathBuf>::new());
    let after = backups_in(&dir);
    assert!(!after.is_empty(), "a fresh backup stands in its place");
    for b in &after {
        assert!(opens_any(&backup::inspect(b).unwrap().slots, LEAD_PASS));
    }
}

#[test]
fn an_old_backup_left_in_the_folder_is_purged_at_the_next_unlock() {
    // Whatever left it there — a removal stopped by a full disk before its purge, a copy put
    // back by hand — a backup a removed user's passphrase opens does not survive an unlock.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let (mut v, _) = make_vault(&dir);
    let cal = add_cal(&mut v);
    v.auto_backup_if_due(now() - chrono::Duration::days(2), 7)
        .unwrap()
        .unwrap();
    let old = backups_in(&dir).remove(0);
    let kept = tmp.path().join("kept-by-cal.bin");
    std::fs::copy(&old, &kept).unwrap();
    v.remove_user(&cal.id, &mut rng(4), now()).unwrap();
    let lead_id = v.session().user.id.clone();
    v.lock("test", now());
    std::fs::copy(&kept, &old).unwrap();
    std::fs::remove_file(&kept).unwrap();
    assert_eq!(opened_by(tmp.path(), CAL_PASS), vec![old.clone()]);

    let v = Vault::unlock(&dir, &lead_id, &lead(), &mut rng(7), now()).unwrap();
    assert_eq!(opened_by(tmp.path(), CAL_PASS), Vec::<PathBuf>::new());
    let log = attune_vault::audit::list(v.conn().unwrap(), Some("backup.purge"), 5).unwrap();
    assert_eq!(log[0].target.as_deref(), Some("1"), "{log:?}");
    assert!(
        !backups_in(&dir).is_empty(),
        "the backup made after the removal stays"
    );
}

#[test]
fn a_vault_set_aside_by_a_restore_goes_when_a_user_it_holds_is_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let (mut v, _) = make_vault(&dir);
    let cal = add_cal(&mut v);
    let lead_id = v.session().user.id.clone();
    let usb = tmp.path().join("usb.attune-backup");
    v.backup_to(&usb, now()).unwrap();
    v.lock("test", now());
    let r = backup::restore(
        &usb,
        &dir,
        &lead_id,
        Secret::Passphrase(&lead()),
        &mut rng(5),
        now(),
    )
    .unwrap();
    let aside = r
        .replaced
        .clone()
        .expect("the vault it replaced is kept aside");
    assert!(opened_by(tmp.path(), CAL_PASS)
        .iter()
        .any(|p| p.starts_with(&aside)));
    let mut v = r.vault;
    // The USB stick is the lead's to keep; everything beside the vault is checked.
    std::fs::remove_file(&usb).unwrap();
    v.remove_user(&cal.id, &mut rng(6), now()).unwrap();
    assert_eq!(opened_by(tmp.path(), CAL_PASS), Vec::<PathBuf>::new());
    assert!(!aside.exists());
    let log =
        attune_vault::audit::list(v.conn().unwrap(), Some("vault.purge_replaced"), 5).unwrap();
    assert_eq!(log.len(), 1, "{log:?}");
    v.lock("test", now());
    let v = Vault::unlock(&dir, &lead_id, &lead(), &mut rng(7), now()).unwrap();
    assert!(v.verify().unwrap().is_empty());
}
