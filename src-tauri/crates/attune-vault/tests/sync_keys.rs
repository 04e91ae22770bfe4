//! The sync files' keys through enrolment and join (issue 17): a school and two joined
//! laptops seal and open `ATTUNE-SYNC/1` files to each other with the keys the enrolment
//! gave them; a file opens only where it was sent, only from a known and current sender,
//! and not with one byte changed; a removed user's laptop is refused; no secret key is ever
//! in a file of either vault's folder in the clear.

mod common;
use common::*;

use std::path::Path;

use attune_vault::sync_keys::{Ack, DeviceId, Hlc, SyncRefusal};
use attune_vault::{enrol, Error, ErrorKind, Passphrase, Role, Vault};

const LAPTOP_PASS: &str = "violet harbour ginger tramline 58";

struct School {
    vault: Vault,
    a: String,
    b: String,
    recovery: attune_vault::RecoveryKey,
}

fn school(dir: &Path) -> School {
    let (mut v, recovery) = make_vault(dir);
    let a = v
        .add_user(
            "Iain Baxter",
            Role::KeyAdult,
            &Passphrase::new(KA_PASS),
            &mut rng(2),
            now(),
        )
        .unwrap()
        .id;
    let b = v
        .add_user(
            "Morag Lindsay",
            Role::KeyAdult,
            &Passphrase::new(KA_PASS),
            &mut rng(3),
            now(),
        )
        .unwrap()
        .id;
    School {
        vault: v,
        a,
        b,
        recovery,
    }
}

/// An enrolment that copies the users (as the domain's scope does) and nothing else.
fn enrol(v: &Vault, user: &str, device: u16, seed: u64) -> enrol::Enrolment {
    v.write_enrolment(user, device, &mut rng(seed), now(), |c| {
        c.execute_batch("INSERT INTO replica.users SELECT * FROM main.users;")?;
        Ok(())
    })
    .unwrap()
}

fn join(dir: &Path, e: &enrol::Enrolment, seed: u64) -> Vault {
    Vault::join(
        dir,
        &e.bytes,
        e.passphrase.expose(),
        &Passphrase::new(LAPTOP_PASS),
        &mut rng(seed),
        now(),
    )
    .unwrap()
    .0
}

fn hlc(device: u16) -> Hlc {
    Hlc::new(1_795_000_000_000, 0, DeviceId(u64::from(device))).unwrap()
}

fn seal(v: &Vault, to: u16, seq: u64, payload: &[u8], seed: u64) -> Vec<u8> {
    let me = v.sync_identity().unwrap().unwrap().device_no;
    v.seal_sync_file(to, seq, hlc(me), &[], payload, &mut rng(seed))
        .unwrap()
}

fn refusal(r: attune_vault::Result<impl std::fmt::Debug>) -> SyncRefusal {
    match r {
        Err(Error::SyncRefused(why)) => why,
        other => panic!("expected a refused sync file, got {other:?}"),
    }
}

fn all_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                out.push((
                    e.path().display().to_string(),
                    std::fs::read(e.path()).unwrap(),
                ));
            }
        }
    }
    out
}

#[test]
fn school_and_laptops_exchange_files_each_as_itself() {
    let tmp = tempfile::tempdir().unwrap();
    let s = school(&tmp.path().join("school"));
    assert!(
        s.vault.sync_identity().unwrap().is_none(),
        "made on first need, not at creation"
    );
    let ea = enrol(&s.vault, &s.a, 1, 10);
    let eb = enrol(&s.vault, &s.b, 2, 11);
    let me = s.vault.sync_identity().unwrap().unwrap();
    assert_eq!(me.device_no, 0);
    // The meta carries the school's public keys.
    assert_eq!(
        ea.meta.school_verify_key,
        hex::encode(me.verifying_key().as_bytes())
    );
    assert_eq!(
        ea.meta.school_box_public,
        hex::encode(me.box_public().as_bytes())
    );
    assert_eq!(eb.meta.school_verify_key, ea.meta.school_verify_key);

    let la = join(&tmp.path().join("laptop-a"), &ea, 20);
    let lb = join(&tmp.path().join("laptop-b"), &eb, 21);
    let ia = la.sync_identity().unwrap().unwrap();
    let ib = lb.sync_identity().unwrap().unwrap();
    assert_eq!((ia.device_no, ib.device_no), (1, 2));
    assert_ne!(ia.verifying_key(), ib.verifying_key());
    assert_ne!(ia.box_public(), ib.box_public());
    // The school knows each laptop by the public halves of the keys the laptop holds.
    let peers = s.vault.sync_peers().unwrap();
    assert_eq!(
        peers
            .iter()
            .map(|p| (p.device_no, p.user_id.clone(), p.verify_key, p.box_public))
            .collect::<Vec<_>>(),
        vec![
            (1, Some(s.a.clone()), ia.verifying_key(), ia.box_public()),
            (2, Some(s.b.clone()), ib.verifying_key(), ib.box_public()),
        ]
    );
    assert!(peers.iter().all(|p| p.removed_at.is_none()));
    // Each laptop knows exactly the school: the enrolment copy carried none of the school's
    // own sync rows (laptop B was enrolled after the school had a peer and an identity).
    for l in [&la, &lb] {
        let peers = l.sync_peers().unwrap();
        assert_eq!(peers.len(), 1, "{peers:?}");
        assert_eq!(peers[0].device_no, 0);
        assert_eq!(peers[0].user_id, None);
        assert_eq!(peers[0].verify_key, me.verifying_key());
        assert_eq!(peers[0].box_public, me.box_public());
        assert_eq!(peers[0].removed_at, None);
    }

    // Laptop A → school.
    let from_a = seal(&la, 0, 1, b"changes from laptop A", 30);
    let got = s.vault.open_sync_file(&from_a).unwrap();
    assert_eq!(got.sender, 1);
    assert_eq!(got.header.seq, 1);
    assert_eq!(got.header.created, hlc(1));
    assert_eq!(&got.payload[..], b"changes from laptop A");
    // School → laptop A, with an acknowledgement.
    let acks = [Ack {
        origin: DeviceId(1),
        seq: 1,
    }];
    let to_a = s
        .vault
        .seal_sync_file(1, 7, hlc(0), &acks, b"the school's changes", &mut rng(31))
        .unwrap();
    let got = la.open_sync_file(&to_a).unwrap();
    assert_eq!(got.sender, 0);
    assert_eq!(
        (got.header.seq, got.header.acks.clone()),
        (7, acks.to_vec())
    );
    assert_eq!(&got.payload[..], b"the school's changes");
    // Laptop B → school: opens as laptop B.
    let from_b = seal(&lb, 0, 1, b"changes from laptop B", 32);
    let got = s.vault.open_sync_file(&from_b).unwrap();
    assert_eq!(got.sender, 2);
    assert_eq!(&got.payload[..], b"changes from laptop B");

    // Laptop B cannot open A's file to the school (A is no device of B's) ...
    assert_eq!(
        refusal(lb.open_sync_file(&from_a)),
        SyncRefusal::UnknownSender(1)
    );
    // ... nor the school's file to A: signed by a sender it knows, sealed to another vault.
    let why = refusal(lb.open_sync_file(&to_a));
    assert_eq!(why, SyncRefusal::WrongRecipient);
    assert_eq!(Error::SyncRefused(why).kind(), ErrorKind::InvalidInput);
    // The school cannot open its own file to A either.
    assert_eq!(
        refusal(s.vault.open_sync_file(&to_a)),
        SyncRefusal::UnknownSender(0)
    );

    // Sealing: only to a known peer, never to itself.
    assert_eq!(
        refusal(
            s.vault
                .seal_sync_file(9, 1, hlc(0), &[], b"x", &mut rng(33))
        ),
        SyncRefusal::UnknownRecipient(9)
    );
    assert_eq!(
        refusal(la.seal_sync_file(2, 1, hlc(1), &[], b"x", &mut rng(34))),
        SyncRefusal::UnknownRecipient(2),
        "a laptop sends only to the school"
    );
    let err = s
        .vault
        .seal_sync_file(0, 1, hlc(0), &[], b"x", &mut rng(35))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

#[test]
fn one_changed_byte_anywhere_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let s = school(&tmp.path().join("school"));
    let e = enrol(&s.vault, &s.a, 1, 10);
    let la = join(&tmp.path().join("laptop"), &e, 20);
    let file = seal(&la, 0, 3, b"a week of sessions", 30);
    assert!(s.vault.open_sync_file(&file).is_ok());
    for i in 0..file.len() {
        let mut bad = file.clone();
        bad[i] ^= 0x01;
        let why = refusal(s.vault.open_sync_file(&bad));
        assert!(
            matches!(
                why,
                SyncRefusal::Damaged(_)
                    | SyncRefusal::NotASyncFile
                    | SyncRefusal::NewerVersion(_)
                    | SyncRefusal::UnknownSender(_)
            ),
            "byte {i}: {why:?}"
        );
    }
    // A changed signature byte is reported as damage, with what to do.
    let mut bad = file.clone();
    let last = bad.len() - 1;
    bad[last] ^= 0x80;
    let err = s.vault.open_sync_file(&bad).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::VaultDamaged);
    assert_eq!(
        err.to_string(),
        "This sync file is damaged or has been changed (the signature does not match); it was not imported. Ask for the sync file to be made again."
    );
    assert_eq!(
        refusal(s.vault.open_sync_file(b"not a sync file at all")),
        SyncRefusal::NotASyncFile
    );
}

#[test]
fn a_removed_users_laptop_is_refused_and_stays_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("school");
    let School {
        vault: mut v, a, b, ..
    } = school(&dir);
    let ea = enrol(&v, &a, 1, 10);
    let eb = enrol(&v, &b, 2, 11);
    let la = join(&tmp.path().join("laptop-a"), &ea, 20);
    let lb = join(&tmp.path().join("laptop-b"), &eb, 21);
    let from_a = seal(&la, 0, 1, b"from A", 30);
    let from_b = seal(&lb, 0, 1, b"from B", 31);
    assert!(v.open_sync_file(&from_a).is_ok());

    v.remove_user(&a, &mut rng(40), now()).unwrap();
    let err = v.open_sync_file(&from_a).unwrap_err();
    assert!(matches!(
        err,
        Error::SyncRefused(SyncRefusal::RemovedSender(1))
    ));
    assert_eq!(err.kind(), ErrorKind::NotPermitted);
    assert_eq!(
        err.to_string(),
        "This sync file is from a laptop whose user was removed (device 1); it was not imported."
    );
    assert_eq!(
        refusal(v.seal_sync_file(1, 2, hlc(0), &[], b"x", &mut rng(41))),
        SyncRefusal::RemovedRecipient(1)
    );
    let peers = v.sync_peers().unwrap();
    assert!(peers[0].removed_at.is_some(), "{peers:?}");
    assert!(peers[1].removed_at.is_none(), "only that user's laptop");
    assert_eq!(&v.open_sync_file(&from_b).unwrap().payload[..], b"from B");

    // Still refused after the vault is locked and opened again (under its rotated key).
    v.lock("test", now());
    let v = Vault::unlock(
        &dir,
        &lead_id(&dir),
        &Passphrase::new(LEAD_PASS),
        &mut rng(42),
        now(),
    )
    .unwrap();
    assert_eq!(
        refusal(v.open_sync_file(&from_a)),
        SyncRefusal::RemovedSender(1)
    );
    assert!(v.open_sync_file(&from_b).is_ok());
}

#[test]
fn no_secret_key_is_in_any_file_of_either_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let school_dir = tmp.path().join("school");
    let laptop_dir = tmp.path().join("laptop");
    let s = school(&school_dir);
    let e = enrol(&s.vault, &s.a, 1, 10);
    let la = join(&laptop_dir, &e, 20);
    // Use the keys, so whatever is written is written.
    let f = seal(&la, 0, 1, b"from A", 30);
    s.vault.open_sync_file(&f).unwrap();
    let f = seal(&s.vault, 1, 1, b"to A", 31);
    la.open_sync_file(&f).unwrap();

    let mut secrets: Vec<(&str, [u8; 32])> = Vec::new();
    for (who, v) in [("school", &s.vault), ("laptop", &la)] {
        let id = v.sync_identity().unwrap().unwrap();
        // Debug shows neither secret.
        let shown = format!("{id:?}");
        assert!(!shown.contains(&hex::encode(id.signing_key().to_bytes())));
        assert!(!shown.contains(&hex::encode(id.box_secret().to_bytes())));
        secrets.push((who, id.signing_key().to_bytes()));
        secrets.push((who, id.box_secret().to_bytes()));
    }
    let check = |when: &str| {
        let files: Vec<_> = all_files(&school_dir)
            .into_iter()
            .chain(all_files(&laptop_dir))
            .collect();
        assert!(files.len() >= 6, "{when}: {} files", files.len());
        for (path, bytes) in &files {
            for (who, key) in &secrets {
                assert!(
                    !contains(bytes, key),
                    "{when}: a secret sync key of the {who} is in {path}"
                );
                assert!(
                    !contains(bytes, hex::encode(key).as_bytes()),
                    "{when}: a secret sync key of the {who} (hex) is in {path}"
                );
            }
        }
        for (who, key) in &secrets {
            assert!(
                !contains(&e.bytes, key),
                "the {who}'s secret in the enrolment file"
            );
        }
    };
    check("while open");
    drop(la);
    s.vault.lock("test", now());
    check("after locking");
}

#[test]
fn a_copy_that_carries_the_schools_sync_keys_is_refused_at_join() {
    let tmp = tempfile::tempdir().unwrap();
    let s = school(&tmp.path().join("school"));
    let _first = enrol(&s.vault, &s.a, 1, 10);
    // A (wrong) copy of the school's local sync tables into the replica.
    let e = s
        .vault
        .write_enrolment(&s.b, 2, &mut rng(11), now(), |c| {
            c.execute_batch(
                "INSERT INTO replica.users SELECT * FROM main.users;
                 INSERT INTO replica.sync_peers SELECT * FROM main.sync_peers;",
            )?;
            Ok(())
        })
        .unwrap();
    let laptop = tmp.path().join("laptop");
    let err = Vault::join(
        &laptop,
        &e.bytes,
        e.passphrase.expose(),
        &Passphrase::new(LAPTOP_PASS),
        &mut rng(20),
        now(),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::VaultDamaged);
    assert!(err.to_string().contains("sync keys"), "{err}");
    assert!(!laptop.join("vault.db").exists(), "nothing left");
    assert!(!laptop.join("keyslots").exists(), "nothing left");
}

#[test]
fn a_device_number_in_the_register_is_not_given_again() {
    let tmp = tempfile::tempdir().unwrap();
    let s = school(&tmp.path().join("school"));
    let _ = enrol(&s.vault, &s.a, 1, 10);
    s.vault
        .conn()
        .unwrap()
        .execute(
            "INSERT INTO sync_laptops (device_no, user_id, enrolled_at) VALUES (1, ?1, 't')",
            [&s.a],
        )
        .unwrap();
    let err = s
        .vault
        .write_enrolment(&s.b, 1, &mut rng(11), now(), |_| Ok(()))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    // The first laptop's keys are still the ones on record.
    let peers = s.vault.sync_peers().unwrap();
    assert_eq!(peers.len(), 1);
    assert_eq!(peers[0].user_id.as_deref(), Some(s.a.as_str()));
}

#[test]
fn a_restore_from_before_the_removal_keeps_the_laptop_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("school");
    let School {
        vault: mut v,
        a,
        recovery,
        ..
    } = school(&dir);
    let ea = enrol(&v, &a, 1, 10);
    let la = join(&tmp.path().join("laptop-a"), &ea, 20);
    let from_a = seal(&la, 0, 1, b"from A", 30);
    let before = tmp.path().join("before.attune-backup");
    v.backup_to(&before, now()).unwrap();
    v.remove_user(&a, &mut rng(40), now()).unwrap();
    let lead = lead_id(&dir);
    v.lock("test", now());
    // The backup holds laptop A as active; the removal is carried over the restore (which,
    // for a backup from before a removal, takes the recovery key).
    let r = attune_vault::backup::restore(
        &before,
        &dir,
        &lead,
        attune_vault::Secret::Recovery(&recovery),
        &mut rng(41),
        now() + chrono::Duration::hours(1),
    )
    .unwrap();
    let mut restored = r.vault;
    restored
        .reset_passphrase(
            &Passphrase::new("a brand new lead passphrase 2027"),
            &mut rng(42),
            now(),
        )
        .unwrap();
    assert!(restored.sync_peers().unwrap()[0].removed_at.is_some());
    assert_eq!(
        refusal(restored.open_sync_file(&from_a)),
        SyncRefusal::RemovedSender(1)
    );
}
