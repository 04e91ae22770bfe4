//! Issue 15, item 5: the keys in the strategic lead's hands. Replacing the recovery key and
//! resetting a key adult's passphrase. The oracle is always the old secret itself: whatever
//! the code under test believes, the old recovery key (or passphrase) is tried against the
//! files on disk, and so is every copy of them this folder keeps.

mod common;

use attune_vault::backup::open_backup;
use attune_vault::keyslots::Body;
use attune_vault::{ErrorKind, Passphrase, RecoveryKey, ResetCode, Role, Secret, Vault};
use common::*;

const BEN_NEW: &str = "amber kettle northern drum 77";

fn add_ben(v: &mut Vault) -> String {
    v.add_user(
        "Ben Key",
        Role::KeyAdult,
        &Passphrase::new(KA_PASS),
        &mut rng(2),
        now(),
    )
    .unwrap()
    .id
}

fn actions(v: &Vault) -> Vec<(String, Option<String>, Option<String>, String)> {
    attune_vault::audit::list(v.conn().unwrap(), None, 500)
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.actor_id, e.target, e.outcome))
        .collect()
}

/// A copy of the vault folder's files (not its backups folder) with `slots` as both key-slot
/// files: what an old copy of the key-slot file put back would open.
fn folder_with_slots(dir: &std::path::Path, to: &std::path::Path, slots: &[u8]) {
    std::fs::create_dir_all(to).unwrap();
    for (name, bytes) in folder_bytes(dir) {
        if name == "vault.lock" {
            continue;
        }
        std::fs::write(to.join(name), bytes).unwrap();
    }
    std::fs::write(to.join("keyslots"), slots).unwrap();
    std::fs::write(to.join("keyslots.backup"), slots).unwrap();
}

#[test]
fn replacing_the_recovery_key_leaves_the_old_one_opening_nothing_here() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let (mut v, old_key) = make_vault(&dir);
    let lead = v.session().user.id.clone();
    let ben = add_ben(&mut v);
    // A backup on a USB stick and an automatic backup, both made before the replacement.
    let usb = tmp.path().join("usb.attune-backup");
    v.backup_to(&usb, now()).unwrap();
    v.auto_backup_if_due(now(), 7).unwrap().expect("one is due");
    v.lock("test", now());
    let old_slots = std::fs::read(dir.join("keyslots")).unwrap();
    let old_public = Body::parse(&old_slots)
        .unwrap()
        .recovery_slot()
        .unwrap()
        .public_key
        .clone();

    // A key adult is refused, and the refusal is audited.
    let mut kv = Vault::unlock(&dir, &ben, &Passphrase::new(KA_PASS), &mut rng(3), now()).unwrap();
    let e = kv
        .replace_recovery_key(&RecoveryKey::generate(&mut rng(4)), &mut rng(4), now())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotPermitted);
    kv.lock("test", now());
    Vault::unlock_with_recovery(&dir, &lead, &old_key, &mut rng(5), now())
        .expect("a refused replacement changes nothing")
        .lock("test", now());

    let mut v =
        Vault::unlock(&dir, &lead, &Passphrase::new(LEAD_PASS), &mut rng(6), now()).unwrap();
    let new_key = RecoveryKey::generate(&mut rng(7));
    v.replace_recovery_key(&new_key, &mut rng(8), now())
        .unwrap();
    assert!(v.warnings().is_empty(), "{:?}", v.warnings());
    let log = actions(&v);
    assert!(log.iter().any(|(a, who, _, o)| a == "recovery_key.replace"
        && who.as_deref() == Some(ben.as_str())
        && o == "refused"));
    assert!(log.iter().any(|(a, who, _, o)| a == "recovery_key.replace"
        && who.as_deref() == Some(lead.as_str())
        && o == "ok"));
    v.lock("test", now());

    // The old slot is in neither file.
    for f in ["keyslots", "keyslots.backup"] {
        let bytes = std::fs::read(dir.join(f)).unwrap();
        assert!(
            !contains(&bytes, old_public.as_bytes()),
            "{f} still holds the old slot"
        );
    }
    // The old key opens neither the vault nor a copy with its backup key-slot file as the
    // key-slot file; the new key does.
    let e = Vault::unlock_with_recovery(&dir, &lead, &old_key, &mut rng(9), now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WrongRecoveryKey);
    let copy = tmp.path().join("copy");
    folder_with_slots(
        &dir,
        &copy,
        &std::fs::read(dir.join("keyslots.backup")).unwrap(),
    );
    let e = Vault::unlock_with_recovery(&copy, &lead, &old_key, &mut rng(9), now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WrongRecoveryKey);
    Vault::unlock_with_recovery(&copy, &lead, &new_key, &mut rng(9), now())
        .expect("the new key opens the copy")
        .lock("test", now());
    // Even the key-slot file from before the replacement, put back: the old key opens its
    // old slot, but the vault key it unseals no longer opens the database.
    let old_copy = tmp.path().join("old-copy");
    folder_with_slots(&dir, &old_copy, &old_slots);
    let e =
        Vault::unlock_with_recovery(&old_copy, &lead, &old_key, &mut rng(9), now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::VaultDamaged, "{e}");

    // The automatic backups the old key opened are gone; the fresh one opens with the new
    // key and not the old.
    let autos: Vec<_> = std::fs::read_dir(dir.join("backups"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(autos.len(), 1, "{autos:?}");
    assert!(open_backup(
        &autos[0],
        &lead,
        Secret::Recovery(&old_key),
        &mut rng(1),
        now()
    )
    .is_err());
    open_backup(
        &autos[0],
        &lead,
        Secret::Recovery(&new_key),
        &mut rng(1),
        now(),
    )
    .expect("the fresh automatic backup opens with the new key");
    // A backup copied elsewhere before today still opens with the old key: it carries its
    // own key slots (what the CLI tells the lead).
    open_backup(&usb, &lead, Secret::Recovery(&old_key), &mut rng(1), now())
        .expect("an earlier USB backup keeps the old recovery slot");

    let v = Vault::unlock_with_recovery(&dir, &lead, &new_key, &mut rng(10), now()).unwrap();
    assert!(v.session().via_recovery);
    drop(v);

    // Restoring that earlier backup over the vault: not with a passphrase (the vault key has
    // changed since), and not with the new key (the backup's own slot is the old key's), so
    // the old key is not brought back by a restore; the refusal says how to do it on purpose.
    let e = attune_vault::backup::restore(
        &usb,
        &dir,
        &lead,
        Secret::Passphrase(&Passphrase::new(LEAD_PASS)),
        &mut rng(11),
        now(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotPermitted);
    assert!(e.to_string().contains("recovery key replaced"), "{e}");
    let e = attune_vault::backup::restore(
        &usb,
        &dir,
        &lead,
        Secret::Recovery(&new_key),
        &mut rng(11),
        now(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WrongRecoveryKey);
}

#[test]
fn a_lead_resets_a_key_adults_passphrase_with_a_one_time_code() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let (mut v, _) = make_vault(&dir);
    let lead = v.session().user.id.clone();
    let ben = add_ben(&mut v);
    let e = v
        .reset_user_passphrase(&lead, &mut rng(3), now())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "not one's own");
    v.lock("test", now());

    // A key adult cannot reset anyone's (audited).
    let mut kv = Vault::unlock(&dir, &ben, &Passphrase::new(KA_PASS), &mut rng(3), now()).unwrap();
    let e = kv
        .reset_user_passphrase(&lead, &mut rng(3), now())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotPermitted);
    kv.lock("test", now());

    let mut v =
        Vault::unlock(&dir, &lead, &Passphrase::new(LEAD_PASS), &mut rng(4), now()).unwrap();
    let code = v.reset_user_passphrase(&ben, &mut rng(5), now()).unwrap();
    let during = tmp.path().join("during.attune-backup");
    v.backup_to(&during, now()).unwrap();
    v.lock("test", now());
    // A backup made while the reset is pending opens with the code as a person types it
    // (the same reading as the unlock), and not with the old passphrase.
    let typed_code = Passphrase::new(code.display().to_lowercase());
    open_backup(
        &during,
        &ben,
        Secret::Passphrase(&typed_code),
        &mut rng(1),
        now(),
    )
    .expect("the code opens the backup's reset slot");
    assert!(open_backup(
        &during,
        &ben,
        Secret::Passphrase(&Passphrase::new(KA_PASS)),
        &mut rng(1),
        now()
    )
    .is_err());

    // The old passphrase stops at once, as a wrong passphrase.
    let e = Vault::unlock(&dir, &ben, &Passphrase::new(KA_PASS), &mut rng(6), now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WrongPassphrase);
    // Editing the mark off the slot does not give a normal session: the slot stops opening.
    let edited = tmp.path().join("edited");
    let mut body = Body::parse(&std::fs::read(dir.join("keyslots")).unwrap()).unwrap();
    let slot = body
        .slots
        .iter_mut()
        .find(|s| s.user_id.as_deref() == Some(ben.as_str()))
        .unwrap();
    assert!(slot.reset_pending);
    slot.reset_pending = false;
    folder_with_slots(&dir, &edited, &body.to_bytes());
    // (Typed exactly as the slot is wrapped, so only the binding of the mark can refuse it.)
    let exact = code.display().replace('-', "");
    let e = Vault::unlock(&edited, &ben, &Passphrase::new(&exact), &mut rng(6), now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WrongPassphrase);

    // The code, as typed from a note (lower case, spaces): a session that may only set a
    // new passphrase.
    let typed = code.display().replace('-', " ").to_lowercase();
    let mut bv = Vault::unlock(&dir, &ben, &Passphrase::new(&typed), &mut rng(7), now()).unwrap();
    assert!(bv.session().via_recovery);
    assert_eq!(bv.session().user.id, ben, "the same user");
    assert_eq!(bv.session().user.role, Role::KeyAdult);
    assert_eq!(bv.conn().unwrap_err().kind(), ErrorKind::MustSetPassphrase);
    assert_eq!(bv.users().unwrap_err().kind(), ErrorKind::MustSetPassphrase);
    let e = bv
        .change_passphrase(
            &Passphrase::new(&typed),
            &Passphrase::new(BEN_NEW),
            &mut rng(7),
            now(),
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MustSetPassphrase);
    bv.reset_passphrase(&Passphrase::new(BEN_NEW), &mut rng(8), now())
        .unwrap();
    assert!(bv.conn().is_ok());
    bv.lock("test", now());

    // The code is spent, the new passphrase works, the old one still does not.
    let e = Vault::unlock(&dir, &ben, &Passphrase::new(&typed), &mut rng(9), now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WrongPassphrase);
    let e = Vault::unlock(&dir, &ben, &Passphrase::new(KA_PASS), &mut rng(9), now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WrongPassphrase);
    let bv = Vault::unlock(&dir, &ben, &Passphrase::new(BEN_NEW), &mut rng(9), now()).unwrap();
    assert!(!bv.session().via_recovery);
    assert!(!Body::parse(&std::fs::read(dir.join("keyslots")).unwrap())
        .unwrap()
        .slots
        .iter()
        .any(|s| s.reset_pending));
    bv.lock("test", now());

    let v = Vault::unlock(
        &dir,
        &lead,
        &Passphrase::new(LEAD_PASS),
        &mut rng(10),
        now(),
    )
    .unwrap();
    let log = actions(&v);
    let has = |action: &str, who: &str, target: Option<&str>, outcome: &str| {
        log.iter().any(|(a, w, t, o)| {
            a == action && w.as_deref() == Some(who) && t.as_deref() == target && o == outcome
        })
    };
    assert!(has(
        "passphrase.reset_by_lead",
        &ben,
        Some(&lead),
        "refused"
    ));
    assert!(has("passphrase.reset_by_lead", &lead, Some(&ben), "ok"));
    assert!(has("unlock.reset_code", &ben, None, "ok"));
    assert!(has("passphrase.reset", &ben, Some(&ben), "ok"));
    assert_eq!(
        v.users().unwrap().iter().filter(|u| u.id == ben).count(),
        1,
        "still one user, the same id"
    );
}

#[test]
fn a_code_has_the_shape_the_lead_reads_out() {
    let c = ResetCode::generate(&mut rng(1));
    assert_eq!(c.display().len(), 23);
    assert!(ResetCode::parse(&c.display()).is_some());
}
