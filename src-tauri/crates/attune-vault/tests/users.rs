//! Passphrase change, recovery, second user, removed user: each proven by opening the
//! vault again from the files.

mod common;
use common::*;

use attune_vault::{ErrorKind, Passphrase, Role, Vault};

#[test]
fn change_passphrase_rewraps_the_slot() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let (mut v, _) = make_vault(&dir);
    let id = v.session().user.id.clone();
    let db_before = std::fs::read(dir.join("vault.db")).unwrap();
    let e = v
        .change_passphrase(
            &Passphrase::new("not my passphrase"),
            &Passphrase::new(KA_PASS),
            &mut rng(10),
            now(),
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WrongPassphrase);
    v.change_passphrase(
        &Passphrase::new(LEAD_PASS),
        &Passphrase::new("violet tugboat meadow sings 8"),
        &mut rng(10),
        now(),
    )
    .unwrap();
    drop(v);
    let e = Vault::unlock(&dir, &id, &Passphrase::new(LEAD_PASS), &mut rng(11), now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WrongPassphrase);
    let v = Vault::unlock(
        &dir,
        &id,
        &Passphrase::new("violet tugboat meadow sings 8"),
        &mut rng(11),
        now(),
    )
    .unwrap();
    drop(v);
    // The database's first page (salt and encrypted header) is unchanged: no re-encryption.
    let db_after = std::fs::read(dir.join("vault.db")).unwrap();
    assert_eq!(db_before[..16], db_after[..16]);
}

#[test]
fn recovery_key_opens_and_requires_a_new_passphrase() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let (v, recovery) = make_vault(&dir);
    let id = v.session().user.id.clone();
    drop(v);
    // As typed from paper: lower case, spaces instead of dashes.
    let typed = recovery.groups().join(" ").to_lowercase();
    let rk = attune_vault::RecoveryKey::parse(&typed).unwrap();
    let mut v = Vault::unlock_with_recovery(&dir, &id, &rk, &mut rng(12), now()).unwrap();
    assert!(v.session().via_recovery);
    assert_eq!(v.conn().unwrap_err().kind(), ErrorKind::MustSetPassphrase);
    assert_eq!(v.users().unwrap_err().kind(), ErrorKind::MustSetPassphrase);
    let e = v
        .reset_passphrase(&Passphrase::new("weak"), &mut rng(12), now())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WeakPassphrase);
    v.reset_passphrase(
        &Passphrase::new("amber kettle northern drum 77"),
        &mut rng(12),
        now(),
    )
    .unwrap();
    assert!(v.conn().is_ok());
    drop(v);
    assert_eq!(
        Vault::unlock(&dir, &id, &Passphrase::new(LEAD_PASS), &mut rng(13), now())
            .unwrap_err()
            .kind(),
        ErrorKind::WrongPassphrase
    );
    let v = Vault::unlock(
        &dir,
        &id,
        &Passphrase::new("amber kettle northern drum 77"),
        &mut rng(13),
        now(),
    )
    .unwrap();
    let log = attune_vault::audit::list(v.conn().unwrap(), None, 50).unwrap();
    assert!(log
        .iter()
        .any(|e| e.action == "unlock.recovery_key" && e.outcome == "ok"));
    assert!(log.iter().any(|e| e.action == "passphrase.reset"));
    // The recovery key still works afterwards.
    drop(v);
    Vault::unlock_with_recovery(&dir, &id, &recovery, &mut rng(14), now()).unwrap();
}

#[test]
fn second_user_and_removal_with_an_old_key_slot_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let (mut v, recovery) = make_vault(&dir);
    let lead = v.session().user.id.clone();
    let ka = v
        .add_user(
            "Ben Key",
            Role::KeyAdult,
            &Passphrase::new(KA_PASS),
            &mut rng(20),
            now(),
        )
        .unwrap();
    assert_eq!(v.users().unwrap().len(), 2);
    let e = v
        .add_user(
            "ben key",
            Role::KeyAdult,
            &Passphrase::new(KA_PASS),
            &mut rng(20),
            now(),
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AlreadyExists);
    drop(v);

    // The key adult opens the same vault with their own passphrase, and may not manage users.
    let mut kv =
        Vault::unlock(&dir, &ka.id, &Passphrase::new(KA_PASS), &mut rng(21), now()).unwrap();
    assert_eq!(kv.session().user.role, Role::KeyAdult);
    let e = kv.remove_user(&lead, &mut rng(21), now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotPermitted);
    let e = kv
        .add_user(
            "Eve",
            Role::StrategicLead,
            &Passphrase::new(LEAD_PASS),
            &mut rng(21),
            now(),
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotPermitted);
    assert_eq!(
        kv.set_auto_lock_minutes(30, now()).unwrap_err().kind(),
        ErrorKind::NotPermitted
    );
    drop(kv);

    let old_slots = std::fs::read(dir.join("keyslots")).unwrap();
    let mut v = Vault::unlock(
        &dir,
        &lead,
        &Passphrase::new(LEAD_PASS),
        &mut rng(22),
        now(),
    )
    .unwrap();
    assert_eq!(
        v.remove_user(&lead, &mut rng(22), now())
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidInput
    );
    v.remove_user(&ka.id, &mut rng(22), now()).unwrap();
    assert_eq!(v.users().unwrap().len(), 1);
    drop(v);

    // The removed user is no longer offered, and their slot is gone.
    let e =
        Vault::unlock(&dir, &ka.id, &Passphrase::new(KA_PASS), &mut rng(23), now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    // With a copy of the key-slot file taken before the removal, their passphrase still
    // unwraps their old slot, but the key it yields no longer opens the database.
    let current = std::fs::read(dir.join("keyslots")).unwrap();
    std::fs::write(dir.join("keyslots"), &old_slots).unwrap();
    std::fs::write(dir.join("keyslots.backup"), &old_slots).unwrap();
    let e =
        Vault::unlock(&dir, &ka.id, &Passphrase::new(KA_PASS), &mut rng(24), now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::VaultDamaged, "{e}");
    std::fs::write(dir.join("keyslots"), &current).unwrap();
    std::fs::write(dir.join("keyslots.backup"), &current).unwrap();
    // Everyone remaining still opens it, without having given their passphrase for the rotation.
    Vault::unlock(
        &dir,
        &lead,
        &Passphrase::new(LEAD_PASS),
        &mut rng(25),
        now(),
    )
    .unwrap();
    Vault::unlock_with_recovery(&dir, &lead, &recovery, &mut rng(26), now()).unwrap();
}

#[test]
fn settings_are_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let (v, _) = make_vault(&dir);
    let id = v.session().user.id.clone();
    assert_eq!(v.auto_lock_minutes().unwrap(), 5);
    assert_eq!(
        v.set_auto_lock_minutes(0, now()).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    v.set_auto_lock_minutes(15, now()).unwrap();
    drop(v);
    let v = Vault::unlock(&dir, &id, &Passphrase::new(LEAD_PASS), &mut rng(30), now()).unwrap();
    assert_eq!(v.auto_lock_minutes().unwrap(), 15);
}
