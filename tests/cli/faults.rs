//! Faults: a full disk, and bytes flipped in the database, the key slots and a backup.
//!
//! The disk-full test needs a small filesystem, so it mounts one (a 2 MiB tmpfs, else a
//! loop-mounted ext4 image), which needs root. If neither can be mounted the test FAILS,
//! saying why — it never passes without having tried. On a platform known to lack `mount`
//! (an unprivileged container), set `ATTUNE_TEST_NO_MOUNT` to the reason and it is skipped,
//! printing that reason.

mod common;
use common::*;

use std::path::{Path, PathBuf};
use std::process::Command;

use attune_vault::ErrorKind;
use rand::{Rng, SeedableRng};

/// A small filesystem mounted for the test, unmounted when dropped.
struct SmallDisk {
    at: PathBuf,
    image: Option<PathBuf>,
    kind: &'static str,
}

impl SmallDisk {
    fn mount(at: &Path, scratch: &Path) -> Result<SmallDisk, String> {
        std::fs::create_dir_all(at).unwrap();
        let tmpfs = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=2m,mode=0700", "attune-test"])
            .arg(at)
            .output();
        let tmpfs_err = match tmpfs {
            Ok(o) if o.status.success() => {
                return Ok(SmallDisk {
                    at: at.to_path_buf(),
                    image: None,
                    kind: "tmpfs, 2 MiB",
                })
            }
            Ok(o) => format!("{}: {}", o.status, stderr(&o).trim()),
            Err(e) => e.to_string(),
        };
        // A loop-mounted ext4 image.
        let image = scratch.join("small-disk.img");
        let steps: [(&str, Vec<String>); 2] = [
            (
                "mkfs.ext4",
                vec![
                    "-q".into(),
                    "-F".into(),
                    image.to_string_lossy().into_owned(),
                    "4M".into(),
                ],
            ),
            (
                "mount",
                vec![
                    "-o".into(),
                    "loop".into(),
                    image.to_string_lossy().into_owned(),
                    at.to_string_lossy().into_owned(),
                ],
            ),
        ];
        for (cmd, args) in steps {
            let ok = Command::new(cmd).args(&args).output();
            match ok {
                Ok(o) if o.status.success() => {}
                Ok(o) => {
                    return Err(format!(
                        "mount -t tmpfs failed ({tmpfs_err}); {cmd} failed ({}: {})",
                        o.status,
                        stderr(&o).trim()
                    ))
                }
                Err(e) => {
                    return Err(format!(
                        "mount -t tmpfs failed ({tmpfs_err}); {cmd} could not run ({e})"
                    ))
                }
            }
        }
        Ok(SmallDisk {
            at: at.to_path_buf(),
            image: Some(image),
            kind: "ext4 loop image, 4 MiB",
        })
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.at).status();
        if let Some(i) = &self.image {
            let _ = std::fs::remove_file(i);
        }
    }
}

#[test]
fn a_full_disk_fails_writes_clearly_and_loses_nothing() {
    if let Ok(reason) = std::env::var("ATTUNE_TEST_NO_MOUNT") {
        println!(
            "SKIPPED the disk-full test: ATTUNE_TEST_NO_MOUNT says this platform cannot mount a small filesystem ({reason})"
        );
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    let mnt = scratch.path().join("small");
    let disk = SmallDisk::mount(&mnt, scratch.path()).unwrap_or_else(|why| {
        panic!(
            "the disk-full test could not mount a small filesystem: {why}. It needs root and mount \
             (tmpfs or a loop device). On a platform that cannot, set ATTUNE_TEST_NO_MOUNT=<reason> to skip it."
        )
    });
    // Room to free later, as a person deleting files would.
    let ballast = mnt.join("ballast");
    std::fs::write(&ballast, vec![0x5au8; 384 * 1024]).unwrap();
    let e = Env::with_vault_at(mnt.join("vault"));
    e.init();

    // Commit until the disk is full: the writer stops with a clear error.
    let out = e.run(
        &[
            "crash-writer",
            "--user",
            "Ada Lovelace",
            "--payload-bytes",
            "3000",
        ],
        &[("ATTUNE_PASSPHRASE", LEAD)],
    );
    let acked = acks(&stdout(&out));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("The disk is full"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        acked.len() > 10,
        "some records fitted first: {}",
        acked.len()
    );

    // Opening while the disk is still full: the unlock has to write its audit entry.
    let while_full = unlock_as(&e.dir, "Ada Lovelace", LEAD);
    let while_full_text = match &while_full {
        Ok(v) => {
            assert!(acked.iter().all(|n| probe_numbers(v).contains(n)));
            "opened, every record present".to_string()
        }
        Err(err) => {
            assert_eq!(err.kind(), ErrorKind::Io, "{err}");
            assert!(err.to_string().contains("disk is full"), "{err}");
            format!("refused: {err}")
        }
    };
    drop(while_full);

    // Space freed: the vault opens with every record acknowledged before the disk filled.
    std::fs::remove_file(&ballast).unwrap();
    let v = unlock_as(&e.dir, "Ada Lovelace", LEAD).unwrap();
    let present = probe_numbers(&v);
    let lost = acked.iter().filter(|n| !present.contains(n)).count();
    let (cipher, sqlite) = integrity(&v);
    assert!(cipher.is_empty(), "{cipher:?}");
    assert_eq!(sqlite, vec!["ok"]);
    assert!(v.verify().unwrap().is_empty());
    drop(v);

    // Fill the disk again but for 256 KiB: enough to open the vault, not for a backup,
    // which needs about the vault's size again. It fails clearly and leaves no part-written
    // file or snapshot behind.
    let filler = mnt.join("filler");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&filler).unwrap();
        let chunk = vec![0xa5u8; 64 * 1024];
        while f.write_all(&chunk).is_ok() {}
        let len = f.metadata().unwrap().len();
        f.set_len(len.saturating_sub(256 * 1024)).unwrap();
    }
    let vault_bytes = std::fs::metadata(e.dir.join("vault.db")).unwrap().len();
    let out = e.run(
        &[
            "backup",
            "--out",
            mnt.join("b.attune-backup").to_str().unwrap(),
        ],
        &[("ATTUNE_PASSPHRASE", LEAD)],
    );
    let backup_err = stderr(&out);
    let backup_code = out.status.code();
    let left: Vec<String> = names_in(&mnt)
        .into_iter()
        .filter(|n| n != "lost+found")
        .collect();
    assert_eq!(left, vec!["filler", "vault"], "{backup_err}");
    assert!(
        names_in(&e.dir).iter().all(|n| !n.starts_with('.')),
        "no temporary file is left in the vault: {:?}",
        names_in(&e.dir)
    );
    // The same backup onto a disk with room works, and holds every record.
    let roomy = e.files.join("b.attune-backup");
    let out = e.run(
        &["backup", "--out", roomy.to_str().unwrap()],
        &[("ATTUNE_PASSPHRASE", LEAD)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    println!(
        "disk full ({}): the writer committed {} records, then stopped with: {}",
        disk.kind,
        acked.len(),
        err.trim()
    );
    println!("disk full: unlock while still full: {while_full_text}");
    println!("disk full: after freeing space: lost={lost}, integrity ok, audit chain ok");
    println!(
        "disk full: a backup of the {vault_bytes}-byte vault onto the disk with 256 KiB left gave exit {:?}: {}",
        backup_code,
        backup_err.trim()
    );
    assert_eq!(backup_code, Some(1), "{backup_err}");
    assert!(backup_err.contains("The disk is full"), "{backup_err}");
    assert!(
        backup_err.contains("no room for the backup"),
        "{backup_err}"
    );
    assert_eq!(lost, 0);
    // And writing works again.
    assert_eq!(e.write_records(3), *acked.last().unwrap() + 3);
}

#[test]
fn flipped_bytes_in_database_key_slots_and_backups_are_detected() {
    let e = Env::new();
    e.init();
    e.write_records(200);
    let file = e.files.join("b.attune-backup");
    let out = e.run(
        &["backup", "--out", file.to_str().unwrap()],
        &[("ATTUNE_PASSPHRASE", LEAD)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let backup = std::fs::read(&file).unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);

    // 1. Backups: bytes flipped at random places, each refused with exit 4 before any
    //    passphrase; a restore from any of them replaces nothing.
    let before = tree(&e.dir);
    let bad = e.files.join("bad.attune-backup");
    let flips = 60;
    let mut refused = 0;
    for i in 0..flips {
        let mut b = backup.clone();
        let at = rng.gen_range(0..b.len());
        b[at] ^= 1 << rng.gen_range(0..8);
        std::fs::write(&bad, &b).unwrap();
        let args: &[&str] = if i % 10 == 0 {
            &["restore", "--from", bad.to_str().unwrap()]
        } else {
            &["backup-info", bad.to_str().unwrap()]
        };
        let out = e.run(args, &[("ATTUNE_PASSPHRASE", LEAD)]);
        if out.status.code() == Some(4) && stderr(&out).contains("damaged") {
            refused += 1;
        } else {
            panic!(
                "flip at byte {at} not refused: exit {:?}: {}",
                out.status.code(),
                stderr(&out)
            );
        }
    }
    assert_eq!(tree(&e.dir), before, "no restore touched the vault");

    // 2. The database: one flipped byte in a page is found by SQLCipher's HMAC.
    let db = e.dir.join("vault.db");
    let pages = std::fs::metadata(&db).unwrap().len() / 4096;
    assert!(pages > 10);
    let saved = std::fs::read(&db).unwrap();
    let mut db_refused = 0;
    let mut db_messages = Vec::new();
    for page in [1u64, pages / 2, pages - 1] {
        std::fs::write(&db, &saved).unwrap();
        flip(&db, (page * 4096 + 1000) as usize);
        let out = e.run(&["verify"], &[("ATTUNE_PASSPHRASE", LEAD)]);
        assert_eq!(
            out.status.code(),
            Some(4),
            "page {page}: {}{}",
            stdout(&out),
            stderr(&out)
        );
        db_refused += 1;
        db_messages.push(format!(
            "page {}: {} {}",
            page + 1,
            stdout(&out).trim().replace('\n', " | "),
            stderr(&out).trim()
        ));
        // A backup of a damaged vault is refused too, and nothing is written.
        let out = e.run(
            &[
                "backup",
                "--out",
                e.files.join("of-damaged.attune-backup").to_str().unwrap(),
            ],
            &[("ATTUNE_PASSPHRASE", LEAD)],
        );
        assert_ne!(out.status.code(), Some(0), "page {page}");
        assert!(!e.files.join("of-damaged.attune-backup").exists());
    }
    std::fs::write(&db, &saved).unwrap();
    let out = e.run(&["verify"], &[("ATTUNE_PASSPHRASE", LEAD)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // 3. The key slots: one damaged copy is repaired from the other; both damaged is exit 4.
    let slots = e.dir.join("keyslots");
    let len = std::fs::metadata(&slots).unwrap().len() as usize;
    flip(&slots, len / 3);
    let out = e.run(&["verify"], &[("ATTUNE_PASSPHRASE", LEAD)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(&slots).unwrap(),
        std::fs::read(e.dir.join("keyslots.backup")).unwrap(),
        "the damaged copy was rewritten from the sound one"
    );
    flip(&slots, len / 3);
    flip(&e.dir.join("keyslots.backup"), len / 2);
    let out = e.run(&["verify"], &[("ATTUNE_PASSPHRASE", LEAD)]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let slots_msg = stderr(&out);
    assert!(
        slots_msg.contains("key-slot file is damaged"),
        "{slots_msg}"
    );

    println!(
        "tampering: backup: {refused}/{flips} single-bit flips refused (exit 4, nothing restored)"
    );
    for m in &db_messages {
        println!("tampering: database {m}");
    }
    println!("tampering: database: {db_refused}/3 flipped pages detected (exit 4)");
    println!("tampering: key slots: one copy flipped -> repaired from the other; both flipped -> exit 4: {}", slots_msg.trim());
}
