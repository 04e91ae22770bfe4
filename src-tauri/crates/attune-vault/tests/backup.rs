//! Backups and restores against real files: what the file holds, who can open it, that
//! tampering anywhere is caught, and that a restore replaces nothing until it has checked
//! everything.

mod common;
use common::*;

use std::path::{Path, PathBuf};

use attune_vault::backup::{self, BackupFile};
use attune_vault::{ErrorKind, Passphrase, Role, Secret, Vault};
use sha2::{Digest, Sha256};

const SECRET_NAME: &str = "Zebedee Quartermaine-Okonkwo";

fn add_probe_rows(v: &Vault, from: u32, to: u32) {
    let conn = v.conn().unwrap();
    conn.execute_batch("CREATE TABLE IF NOT EXISTS probe (n INTEGER PRIMARY KEY, note TEXT)")
        .unwrap();
    for i in from..to {
        conn.execute(
            "INSERT INTO probe (n, note) VALUES (?1, ?2)",
            rusqlite::params![i, format!("{SECRET_NAME} session {i}")],
        )
        .unwrap();
    }
}

fn probe_count(v: &Vault) -> i64 {
    v.conn()
        .unwrap()
        .query_row("SELECT count(*) FROM probe", [], |r| r.get(0))
        .unwrap()
}

fn lead() -> Passphrase {
    Passphrase::new(LEAD_PASS)
}

fn unlock(dir: &Path) -> Vault {
    Vault::unlock(dir, &lead_id(dir), &lead(), &mut rng(9), now()).unwrap()
}

/// Every file under `dir`, recursively, with its bytes: to show a refused restore changed
/// nothing.
fn tree(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else if e.file_name() != "vault.lock" {
                let sum = Sha256::digest(std::fs::read(e.path()).unwrap());
                out.push((e.path(), hex::encode(sum)));
            }
        }
    }
    out.sort();
    out
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Recompute the trailing SHA-256, as someone tampering on purpose would.
fn reseal_checksum(bytes: &mut [u8]) {
    let n = bytes.len();
    let sum: [u8; 32] = Sha256::digest(&bytes[..n - 32]).into();
    bytes[n - 32..].copy_from_slice(&sum);
}

/// Offsets of the sections: (header, slots, database, mac).
fn sections(bytes: &[u8]) -> (usize, usize, usize, usize) {
    let h = u32::from_le_bytes(bytes[16..20].try_into().unwrap()) as usize;
    let header = 20;
    let s_at = header + h;
    let s = u32::from_le_bytes(bytes[s_at..s_at + 4].try_into().unwrap()) as usize;
    let slots = s_at + 4;
    let d_at = slots + s;
    let db = d_at + 8;
    (header, slots, db, bytes.len() - 64)
}

#[test]
fn a_backup_is_encrypted_verified_audited_and_opens_with_the_vaults_secrets() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let usb = tmp.path().join("usb");
    std::fs::create_dir(&usb).unwrap();
    let (mut v, recovery) = make_vault(&dir);
    add_probe_rows(&v, 0, 300);
    let ka = v
        .add_user(
            "Ben Key",
            Role::KeyAdult,
            &Passphrase::new(KA_PASS),
            &mut rng(3),
            now(),
        )
        .unwrap();
    let out = usb.join("hillside.attune-backup");
    let info = v.backup_to(&out, now()).unwrap();
    println!(
        "backup: {} bytes, database {} bytes, checksum {}",
        info.file_bytes, info.header.database_bytes, info.checksum
    );
    assert_eq!(info.header.school, "Hillside Primary");
    assert_eq!(info.header.schema_version, v.schema_version().unwrap());
    assert_eq!(info.header.created_at, "2026-11-22T09:00:00Z");
    assert_eq!(info.header.key_epoch, 1);

    // Nothing readable: no name, no plaintext SQLite header, no temporary files left.
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(backup::MAGIC));
    assert!(!contains(&bytes, SECRET_NAME.as_bytes()));
    assert!(!contains(&bytes, &utf16le(SECRET_NAME)));
    assert!(!contains(&bytes, b"SQLite format 3"));
    assert_eq!(names_in(&usb), vec!["hillside.attune-backup".to_string()]);
    assert!(
        names_in(&dir).iter().all(|n| !n.starts_with(".attune")),
        "{:?}",
        names_in(&dir)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the backup is private to its owner");
    }

    // Audited by name, not content.
    let entries = attune_vault::audit::list(v.conn().unwrap(), Some("backup."), 10).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].action, "backup.create");
    assert_eq!(entries[0].target.as_deref(), Some("hillside.attune-backup"));
    assert_eq!(entries[0].outcome, "ok");

    // Without a key: the header and the users, nothing else.
    let f: BackupFile = backup::inspect(&out).unwrap();
    assert_eq!(f.header, info.header);
    assert_eq!(f.checksum, info.checksum);
    let mut names: Vec<String> = f.users().into_iter().map(|u| u.name).collect();
    names.sort();
    assert_eq!(names, vec!["Ada Lovelace", "Ben Key"]);
    assert!(f.has_recovery_slot());

    let lead_id = lead_id(&dir);
    drop(v);
    // Each valid secret opens it and sees the same vault.
    let c = backup::open_backup(
        &out,
        &lead_id,
        Secret::Passphrase(&lead()),
        &mut rng(4),
        now(),
    )
    .unwrap();
    assert_eq!(c.opened_as.name, "Ada Lovelace");
    assert_eq!(c.users.len(), 2);
    assert_eq!(c.audit_entries, 2, "vault.create and user.add");
    assert_eq!(c.counts, info.header.counts);
    let c = backup::open_backup(
        &out,
        &ka.id,
        Secret::Passphrase(&Passphrase::new(KA_PASS)),
        &mut rng(4),
        now(),
    )
    .unwrap();
    assert_eq!(c.opened_as.role, Role::KeyAdult);
    backup::open_backup(
        &out,
        &lead_id,
        Secret::Recovery(&recovery),
        &mut rng(4),
        now(),
    )
    .unwrap();
    let e = backup::open_backup(
        &out,
        &lead_id,
        Secret::Passphrase(&Passphrase::new("not the passphrase at all")),
        &mut rng(4),
        now(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WrongPassphrase);
}

#[test]
fn restore_into_a_new_folder_and_over_a_changed_vault() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let (v, _) = make_vault(&dir);
    add_probe_rows(&v, 0, 50);
    let out = tmp.path().join("b.attune-backup");
    v.backup_to(&out, now()).unwrap();
    // Changes after the backup: more rows, and an automatic backup in the folder.
    add_probe_rows(&v, 50, 80);
    assert!(v.auto_backup_if_due(now(), 7).unwrap().is_some());
    let lead_id = lead_id(&dir);
    drop(v);

    // 1. Into a folder that does not exist yet (a new laptop).
    let fresh = tmp.path().join("new-laptop").join("vault");
    let r = backup::restore(
        &out,
        &fresh,
        &lead_id,
        Secret::Passphrase(&lead()),
        &mut rng(5),
        now(),
    )
    .unwrap();
    assert!(r.replaced.is_none());
    assert_eq!(probe_count(&r.vault), 50);
    assert!(r.vault.verify().unwrap().is_empty());
    let last = attune_vault::audit::list(r.vault.conn().unwrap(), None, 1).unwrap();
    assert_eq!(last[0].action, "backup.restore");
    assert_eq!(last[0].target.as_deref(), Some("b.attune-backup"));
    drop(r);
    assert_eq!(probe_count(&unlock(&fresh)), 50);

    // 2. Over the changed vault: the old one is kept aside, whole.
    let later = now() + chrono::Duration::hours(2);
    let r = backup::restore(
        &out,
        &dir,
        &lead_id,
        Secret::Passphrase(&lead()),
        &mut rng(6),
        later,
    )
    .unwrap();
    let aside = r.replaced.clone().unwrap();
    assert_eq!(
        aside.file_name().unwrap().to_str().unwrap(),
        "vault.replaced-20261122-110000"
    );
    assert_eq!(probe_count(&r.vault), 50);
    assert!(
        r.moved_auto_backups,
        "automatic backups move into the restored vault"
    );
    assert!(dir.join("backups").is_dir());
    drop(r);
    assert_eq!(
        probe_count(&unlock(&aside)),
        80,
        "the replaced vault is intact"
    );
    // Nothing else was left beside the vault.
    let mut left = names_in(tmp.path());
    left.sort();
    assert_eq!(
        left,
        vec![
            "b.attune-backup",
            "new-laptop",
            "vault",
            "vault.replaced-20261122-110000"
        ]
    );
}

#[test]
fn a_restore_is_refused_while_the_vault_is_open_and_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let (v, _) = make_vault(&dir);
    let out = tmp.path().join("b.attune-backup");
    v.backup_to(&out, now()).unwrap();
    let lead_id = lead_id(&dir);
    let before = tree(&dir);
    let e = backup::restore(
        &out,
        &dir,
        &lead_id,
        Secret::Passphrase(&lead()),
        &mut rng(5),
        now(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::VaultInUse);
    assert_eq!(tree(&dir), before);
    drop(v);
    let before = tree(&dir);

    // A wrong passphrase is refused, counted like a wrong unlock, and changes no record.
    let e = backup::restore(
        &out,
        &dir,
        &lead_id,
        Secret::Passphrase(&Passphrase::new("wrong wrong wrong wrong")),
        &mut rng(5),
        now(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WrongPassphrase);
    let attempts = attune_vault::throttle::Attempts::load(&dir);
    assert_eq!(attempts.consecutive_failures, 1);
    assert_eq!(attempts.pending[0].method, "backup_passphrase");
    let no_attempts = |t: Vec<(PathBuf, String)>| {
        t.into_iter()
            .filter(|(p, _)| !p.ends_with("unlock-attempts.json"))
            .collect::<Vec<_>>()
    };
    assert_eq!(no_attempts(tree(&dir)), no_attempts(before));
    assert_eq!(names_in(tmp.path()), vec!["b.attune-backup", "vault"]);
    // ...and goes into the audit chain at the next unlock.
    let v = unlock(&dir);
    let failed = attune_vault::audit::list(v.conn().unwrap(), Some("unlock.backup"), 5).unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].outcome, "failed");
}

#[test]
fn only_a_strategic_lead_restores_and_only_its_own_vault() {
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
    let out = tmp.path().join("b.attune-backup");
    v.backup_to(&out, now()).unwrap();
    drop(v);
    let before = tree(&dir);
    let e = backup::restore(
        &out,
        &dir,
        &ka.id,
        Secret::Passphrase(&Passphrase::new(KA_PASS)),
        &mut rng(5),
        now(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotPermitted, "{e}");
    assert_eq!(tree(&dir), before);
    assert_eq!(names_in(tmp.path()), vec!["b.attune-backup", "vault"]);

    // Another school's vault in the folder: refused, untouched.
    let other = tmp.path().join("other");
    let mut r = rng(77);
    let rk = attune_vault::RecoveryKey::generate(&mut r);
    drop(
        Vault::create(
            &other,
            "Oakfield Academy",
            "Grace Hopper",
            &lead(),
            &rk,
            &mut r,
            now(),
        )
        .unwrap(),
    );
    let before = tree(&other);
    let e = backup::restore(
        &out,
        &other,
        &lead_id(&dir),
        Secret::Passphrase(&lead()),
        &mut rng(5),
        now(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("another vault"), "{e}");
    assert_eq!(tree(&other), before);
}

#[test]
fn tampering_anywhere_in_a_backup_is_caught_and_restores_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let (v, _) = make_vault(&dir);
    add_probe_rows(&v, 0, 40);
    let out = tmp.path().join("b.attune-backup");
    v.backup_to(&out, now()).unwrap();
    let lead_id = lead_id(&dir);
    drop(v);
    let good = std::fs::read(&out).unwrap();
    let (header, slots, db, mac) = sections(&good);
    let before = tree(&dir);
    let bad = tmp.path().join("bad.attune-backup");
    let mut caught_by_checksum = 0;
    let mut caught_by_mac = 0;
    for (what, at) in [
        ("header", header + 10),
        ("key slots", slots + 200),
        ("database page 1", db + 100),
        ("database, last page", mac - 50),
        ("MAC", mac + 3),
        ("checksum", good.len() - 1),
    ] {
        // A flipped bit: the checksum catches it before any passphrase is asked for.
        let mut b = good.clone();
        b[at] ^= 0x10;
        std::fs::write(&bad, &b).unwrap();
        let e = backup::inspect(&bad).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::VaultDamaged, "{what}: {e}");
        assert!(e.to_string().contains("checksum"), "{what}: {e}");
        caught_by_checksum += 1;
        // Tampering on purpose, with the checksum recomputed: the MAC (or the slots' own
        // checks) catch it once unlocked.
        if what == "checksum" {
            continue;
        }
        reseal_checksum(&mut b);
        std::fs::write(&bad, &b).unwrap();
        let e = backup::restore(
            &bad,
            &dir,
            &lead_id,
            Secret::Passphrase(&lead()),
            &mut rng(5),
            now(),
        )
        .unwrap_err();
        assert!(
            matches!(
                e.kind(),
                ErrorKind::VaultDamaged | ErrorKind::WrongPassphrase
            ),
            "{what}: {e:?}"
        );
        println!("tampered {what}: {e}");
        caught_by_mac += 1;
        assert_eq!(tree(&dir), before, "{what}: the vault is untouched");
        let mut left = names_in(tmp.path());
        left.retain(|n| n != "bad.attune-backup");
        assert_eq!(left, vec!["b.attune-backup", "vault"], "{what}");
    }
    // The untouched file still restores.
    let attempts = attune_vault::throttle::Attempts::load(&dir);
    assert!(attempts.consecutive_failures < 5, "{attempts:?}");
    println!("tampering: {caught_by_checksum} caught by the checksum, {caught_by_mac} by the MAC or key slots");
    // Truncated and extended copies.
    for b in [&good[..good.len() - 1000], &[&good[..], b"x"].concat()[..]] {
        std::fs::write(&bad, b).unwrap();
        let e = backup::inspect(&bad).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::VaultDamaged, "{e}");
    }
    let e = backup::inspect(&dir.join("keyslots")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
}

#[test]
fn automatic_backups_once_a_day_keeping_the_newest() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let (v, _) = make_vault(&dir);
    assert_eq!(v.auto_backup_keep().unwrap(), 7);
    let day0 = now();
    let first = v.auto_backup_if_due(day0, 7).unwrap().unwrap();
    assert_eq!(
        first.path,
        dir.join("backups").join("attune-2026-11-22.attune-backup")
    );
    assert!(
        v.auto_backup_if_due(day0 + chrono::Duration::hours(5), 7)
            .unwrap()
            .is_none(),
        "at most once a day"
    );
    // Something that is not an automatic backup is never removed.
    std::fs::write(dir.join("backups").join("keep-me.txt"), b"x").unwrap();
    for d in 1..10 {
        v.auto_backup_if_due(
            day0 + chrono::Duration::days(d),
            v.auto_backup_keep().unwrap(),
        )
        .unwrap()
        .unwrap();
    }
    let names = names_in(&dir.join("backups"));
    assert_eq!(names.len(), 8, "{names:?}");
    assert_eq!(names[0], "attune-2026-11-25.attune-backup");
    assert_eq!(names[6], "attune-2026-12-01.attune-backup");
    assert_eq!(names[7], "keep-me.txt");

    v.set_auto_backup_keep(3, now()).unwrap();
    assert_eq!(v.auto_backup_keep().unwrap(), 3);
    assert!(v
        .auto_backup_if_due(
            day0 + chrono::Duration::days(9),
            v.auto_backup_keep().unwrap()
        )
        .unwrap()
        .is_none());
    let names = names_in(&dir.join("backups"));
    assert_eq!(
        names,
        vec![
            "attune-2026-11-29.attune-backup",
            "attune-2026-11-30.attune-backup",
            "attune-2026-12-01.attune-backup",
            "keep-me.txt"
        ]
    );
    assert_eq!(
        v.set_auto_backup_keep(0, now()).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    // Each automatic backup is a full backup.
    backup::inspect(&dir.join("backups").join("attune-2026-12-01.attune-backup")).unwrap();
}

#[test]
fn a_backup_from_before_a_key_rotation_opens_with_the_secrets_of_its_day() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let (mut v, recovery) = make_vault(&dir);
    let ka = v
        .add_user(
            "Ben Key",
            Role::KeyAdult,
            &Passphrase::new(KA_PASS),
            &mut rng(3),
            now(),
        )
        .unwrap();
    let before = tmp.path().join("before.attune-backup");
    v.backup_to(&before, now()).unwrap();
    v.remove_user(&ka.id, &mut rng(4), now()).unwrap();
    let after = tmp.path().join("after.attune-backup");
    let info = v.backup_to(&after, now()).unwrap();
    assert_eq!(info.header.key_epoch, 2);
    let lead_id = lead_id(&dir);
    drop(v);
    // The removed user's passphrase opens the old backup (it was valid then) but not the new.
    backup::open_backup(
        &before,
        &ka.id,
        Secret::Passphrase(&Passphrase::new(KA_PASS)),
        &mut rng(1),
        now(),
    )
    .unwrap();
    let e = backup::open_backup(
        &after,
        &ka.id,
        Secret::Passphrase(&Passphrase::new(KA_PASS)),
        &mut rng(1),
        now(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    // Restoring the old backup needs the recovery key (it is of an older key epoch); the
    // removal survives it: Ben stays removed and his slot is gone (issue 12).
    let e = backup::restore(
        &before,
        &dir,
        &lead_id,
        Secret::Passphrase(&lead()),
        &mut rng(5),
        now(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotPermitted, "{e}");
    let r = backup::restore(
        &before,
        &dir,
        &lead_id,
        Secret::Recovery(&recovery),
        &mut rng(5),
        now(),
    )
    .unwrap();
    assert!(r.vault.session().via_recovery);
    drop(r);
    let v = unlock(&dir);
    assert_eq!(v.users().unwrap().len(), 1, "the removal was re-applied");
}

/// The seed corpora of the fuzz targets are real files: they must keep parsing, or the
/// fuzzer starts from noise.
#[test]
fn the_fuzz_seed_corpora_still_parse() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../fuzz/corpus");
    let mut n = 0;
    for e in std::fs::read_dir(format!("{root}/backup_header")).unwrap() {
        let bytes = std::fs::read(e.unwrap().path()).unwrap();
        let f = backup::parse_bytes(&bytes).unwrap();
        assert_eq!(f.header.format, "ATTUNE-BACKUP");
        n += 1;
    }
    for e in std::fs::read_dir(format!("{root}/keyslots_parse")).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_some_and(|x| x == "json") {
            continue; // a bare body: the target adds the checksum line
        }
        attune_vault::keyslots::Body::parse(&std::fs::read(&path).unwrap()).unwrap();
        n += 1;
    }
    assert!(n >= 4, "{n} seeds");
}

/// Issue 12: checking a backup file from the lock screen is no unthrottled oracle for
/// guessing a passphrase — wrong secrets are slowed like wrong unlocks (even the right one
/// waits its turn), counted in the vault's own attempts file, and enter its audit chain; a
/// check inside a session is audited there.
#[test]
fn checking_a_backup_while_locked_is_throttled_and_counted_like_unlock() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let (v, _) = make_vault(&dir);
    let out = tmp.path().join("b.attune-backup");
    v.backup_to(&out, now()).unwrap();
    v.lock("test", now());
    let lead_id = lead_id(&dir);
    let wrong = Passphrase::new("wrong wrong wrong wrong");
    let check = |p: &Passphrase, at: chrono::DateTime<chrono::Utc>| {
        backup::open_backup_locked(&out, &lead_id, Secret::Passphrase(p), &dir, &mut rng(3), at)
    };
    for _ in 0..5 {
        assert_eq!(
            check(&wrong, now()).unwrap_err().kind(),
            ErrorKind::WrongPassphrase
        );
    }
    // The sixth attempt waits, whatever it is: the right passphrase too.
    let e = check(&lead(), now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Throttled, "{e}");
    // The wait is the unlock screen's own: unlocking now waits as well.
    let e = Vault::unlock(&dir, &lead_id, &lead(), &mut rng(9), now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Throttled);
    let later = now() + chrono::Duration::minutes(10);
    let opened = check(&lead(), later).unwrap();
    assert_eq!(opened.opened_as.name, "Ada Lovelace");

    // The guesses are in the chain once the vault is unlocked.
    let v = Vault::unlock(&dir, &lead_id, &lead(), &mut rng(9), later).unwrap();
    let failed =
        attune_vault::audit::list(v.conn().unwrap(), Some("unlock.backup_passphrase"), 20).unwrap();
    assert_eq!(failed.len(), 5);
    assert!(failed.iter().all(|e| e.outcome == "failed"));
    // So is the check that opened it, as the claim it is, with the file's name.
    let opened = attune_vault::audit::list(v.conn().unwrap(), Some("backup.check"), 5).unwrap();
    assert_eq!(opened.len(), 1, "{opened:?}");
    assert_eq!(opened[0].outcome, "ok");
    assert_eq!(opened[0].actor_id.as_deref(), Some(lead_id.as_str()));
    let target = opened[0].target.as_deref().unwrap_or("");
    assert!(
        target.starts_with("b.attune-backup (from the lock screen;")
            && target.contains("unverified"),
        "{target}"
    );

    // Inside a session a check is audited with the file's name and how it went.
    let r = backup::open_backup(
        &out,
        &lead_id,
        Secret::Passphrase(&wrong),
        &mut rng(4),
        later,
    );
    backup::audit_backup_check(&v, &out, r.is_ok(), later).unwrap();
    let e = attune_vault::audit::list(v.conn().unwrap(), Some("backup.check"), 5).unwrap();
    assert_eq!(e.len(), 2);
    assert_eq!(
        (e[0].outcome.as_str(), e[0].target.as_deref()),
        ("failed", Some("b.attune-backup"))
    );
}
