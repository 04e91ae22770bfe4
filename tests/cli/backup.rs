//! `attune-admin backup`, `backup-info` and `restore` as a person or a script runs them:
//! fresh processes, real folders, exit codes and what is printed.

mod common;
use common::*;

use sha2::{Digest, Sha256};

fn audit_rows(v: &attune_vault::Vault) -> Vec<(String, String, Option<String>, String)> {
    let mut rows: Vec<_> = attune_vault::audit::list(v.conn().unwrap(), None, 100_000)
        .unwrap()
        .into_iter()
        .map(|e| (e.at, e.action, e.target, e.outcome))
        .collect();
    rows.reverse();
    rows
}

#[test]
fn backup_then_restore_into_a_fresh_folder_gives_the_same_vault() {
    let e = Env::new();
    e.init();
    e.add_key_adult();
    let last = e.write_records(25);
    assert_eq!(last, 25);
    let file = e.files.join("hillside.attune-backup");
    let f = file.to_str().unwrap();

    let out = e.run(
        &["backup", "--out", f, "--user", "Ada Lovelace"],
        &[("ATTUNE_PASSPHRASE", LEAD)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let s = stdout(&out);
    assert!(
        s.contains("Wrote an encrypted backup of Hillside Primary"),
        "{s}"
    );
    assert!(s.contains("read back and checked"), "{s}");
    // Never over an existing file by accident.
    let out = e.run(
        &["backup", "--out", f, "--user", "Ada Lovelace"],
        &[("ATTUNE_PASSPHRASE", LEAD)],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));

    // Without a key: what it is and who can open it.
    let out = e.run(&["backup-info", f], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let s = stdout(&out);
    assert!(s.contains("Backup of: Hillside Primary"), "{s}");
    assert!(s.contains("Ada Lovelace (Strategic lead)"), "{s}");
    assert!(s.contains("Ben Key (Key adult)"), "{s}");
    assert!(s.contains("checksum ok"), "{s}");
    // With a passphrase: unlocked and checked end to end.
    let out = e.run(
        &["backup-info", f, "--user", "Ben Key"],
        &[("ATTUNE_PASSPHRASE", KA)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Unlocked as Ben Key and checked"),
        "{}",
        stdout(&out)
    );

    // Restore into a folder that does not exist yet: a new laptop.
    let fresh = e.tmp.path().join("new-laptop").join("vault");
    let out = e.run_on(
        &fresh,
        &["restore", "--from", f, "--user", "Ada Lovelace"],
        &[("ATTUNE_PASSPHRASE", LEAD)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let s = stdout(&out);
    assert!(s.contains("Restored the backup of Hillside Primary"), "{s}");
    assert!(s.contains("There was no vault there before."), "{s}");

    // The same users, the same records, and the same audit log up to the backup.
    let out = e.run_on(&fresh, &["status"], &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("Ben Key (Key adult)"));
    let out = e.run_on(
        &fresh,
        &["verify", "--user", "Ben Key"],
        &[("ATTUNE_PASSPHRASE", KA)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let original = unlock_as(&e.dir, "Ada Lovelace", LEAD).unwrap();
    let restored = unlock_as(&fresh, "Ada Lovelace", LEAD).unwrap();
    assert_eq!(original.users().unwrap(), restored.users().unwrap());
    assert_eq!(probe_numbers(&restored), (1..=25).collect());
    let a = audit_rows(&original);
    let b = audit_rows(&restored);
    let upto = a
        .iter()
        .position(|r| r.1 == "backup.create")
        .expect("the backup is in the original's audit log");
    assert_eq!(a[upto].2.as_deref(), Some("hillside.attune-backup"));
    assert_eq!(
        b[..upto],
        a[..upto],
        "the restored audit log is the original's up to the backup"
    );
    let after: Vec<&str> = b[upto..].iter().map(|r| r.1.as_str()).collect();
    assert!(after.contains(&"backup.restore"), "{after:?}");
    assert!(restored.verify().unwrap().is_empty());
    println!(
        "restored: {} users, {} records, {} audit entries carried over",
        restored.users().unwrap().len(),
        probe_numbers(&restored).len(),
        upto
    );
}

#[test]
fn restore_over_a_vault_keeps_the_old_one_aside() {
    let e = Env::new();
    e.init();
    e.write_records(10);
    let file = e.files.join("b.attune-backup");
    let f = file.to_str().unwrap();
    let out = e.run(&["backup", "--out", f], &[("ATTUNE_PASSPHRASE", LEAD)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    e.write_records(5);

    // While the vault is open elsewhere: refused, nothing touched.
    {
        let open = unlock_as(&e.dir, "Ada Lovelace", LEAD).unwrap();
        let before = tree(&e.dir);
        let out = e.run(&["restore", "--from", f], &[("ATTUNE_PASSPHRASE", LEAD)]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(stderr(&out).contains("already open"), "{}", stderr(&out));
        assert_eq!(tree(&e.dir), before);
        drop(open);
    }

    let out = e.run(&["restore", "--from", f], &[("ATTUNE_PASSPHRASE", LEAD)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let s = stdout(&out);
    let aside = s
        .lines()
        .find_map(|l| {
            l.strip_prefix("The vault that was there is kept, unchanged, in ")
                .map(|p| p.trim_end_matches('.').to_string())
        })
        .unwrap_or_else(|| panic!("where the old vault went: {s}"));
    assert!(aside.contains("vault.replaced-"), "{aside}");
    let restored = unlock_as(&e.dir, "Ada Lovelace", LEAD).unwrap();
    assert_eq!(probe_numbers(&restored), (1..=10).collect());
    let old = unlock_as(std::path::Path::new(&aside), "Ada Lovelace", LEAD).unwrap();
    assert_eq!(probe_numbers(&old), (1..=15).collect());
}

#[test]
fn a_damaged_backup_is_refused_with_exit_4_and_restores_nothing() {
    let e = Env::new();
    e.init();
    e.write_records(10);
    let file = e.files.join("b.attune-backup");
    let out = e.run(
        &["backup", "--out", file.to_str().unwrap()],
        &[("ATTUNE_PASSPHRASE", LEAD)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let good = std::fs::read(&file).unwrap();
    let before = tree(&e.dir);
    let parent_before = names_in(e.tmp.path());

    // One flipped byte in the middle (the encrypted database).
    let bad = e.files.join("bad.attune-backup");
    let mut b = good.clone();
    let mid = b.len() / 2;
    b[mid] ^= 0x01;
    std::fs::write(&bad, &b).unwrap();
    let bad_s = bad.to_str().unwrap();
    let out = e.run(&["backup-info", bad_s], &[]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("damaged"), "{}", stderr(&out));
    for target in [e.dir.clone(), e.tmp.path().join("elsewhere")] {
        let out = e.run_on(
            &target,
            &["restore", "--from", bad_s],
            &[("ATTUNE_PASSPHRASE", LEAD)],
        );
        assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("checksum"), "{err}");
        assert!(err.contains("Nothing was restored"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    assert_eq!(tree(&e.dir), before, "the vault is untouched");
    assert_eq!(names_in(e.tmp.path()), parent_before, "no folder was made");

    // Altered on purpose with the checksum recomputed: the MAC catches it once unlocked.
    let n = b.len();
    let sum: [u8; 32] = Sha256::digest(&b[..n - 32]).into();
    b[n - 32..].copy_from_slice(&sum);
    std::fs::write(&bad, &b).unwrap();
    let out = e.run(&["backup-info", bad_s], &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "the checksum alone cannot tell: {}",
        stderr(&out)
    );
    let out = e.run(
        &["restore", "--from", bad_s],
        &[("ATTUNE_PASSPHRASE", LEAD)],
    );
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("authentication code does not match"),
        "{}",
        stderr(&out)
    );
    assert_eq!(tree(&e.dir), before);
    assert_eq!(names_in(e.tmp.path()), parent_before);

    // Not a backup at all: bad usage, not damage.
    let out = e.run(
        &["backup-info", e.dir.join("keyslots").to_str().unwrap()],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn a_wrong_passphrase_is_exit_3_and_restores_nothing() {
    let e = Env::new();
    let key = e.init();
    let file = e.files.join("b.attune-backup");
    let f = file.to_str().unwrap();
    let out = e.run(&["backup", "--out", f], &[("ATTUNE_PASSPHRASE", LEAD)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let fresh = e.tmp.path().join("fresh");
    let out = e.run_on(
        &fresh,
        &["restore", "--from", f],
        &[("ATTUNE_PASSPHRASE", "not the passphrase at all")],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("not right"), "{}", stderr(&out));
    assert!(!fresh.exists(), "nothing was restored");
    let wrong_key = e.secret_file("wrong", "0000 0000 0000 0000 0000 0000 0000 0000");
    let out = e.run_on(
        &fresh,
        &[
            "restore",
            "--from",
            f,
            "--recovery-key-file",
            wrong_key.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(!fresh.exists());

    // The recovery key of the vault opens its backup.
    let rk = e.secret_file("rk", &key);
    let out = e.run_on(
        &fresh,
        &[
            "restore",
            "--from",
            f,
            "--recovery-key-file",
            rk.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("recovery key"), "{}", stdout(&out));
    let out = e.run_on(&fresh, &["verify"], &[("ATTUNE_PASSPHRASE", LEAD)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// Issue 12: a backup is the whole vault, so only a strategic lead takes one. A key adult's
/// `backup` exits non-zero, writes no file (of any name, in the folder) and is audited.
#[test]
fn a_key_adult_cannot_take_the_whole_vault_out() {
    let e = Env::new();
    e.init();
    e.add_key_adult();
    let file = e.files.join("taken.attune-backup");
    let before = names_in(&e.files);
    let out = e.run(
        &[
            "backup",
            "--out",
            file.to_str().unwrap(),
            "--user",
            "Ben Key",
        ],
        &[("ATTUNE_PASSPHRASE", KA)],
    );
    assert_ne!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stderr(&out).contains("strategic lead"), "{}", stderr(&out));
    assert!(!file.exists());
    assert_eq!(names_in(&e.files), before, "no file of any name");
    let v = unlock_as(&e.dir, "Ada Lovelace", LEAD).unwrap();
    let rows = audit_rows(&v);
    assert!(
        rows.iter()
            .any(|r| r.1 == "backup.create" && r.3 == "refused"),
        "{rows:?}"
    );
}
