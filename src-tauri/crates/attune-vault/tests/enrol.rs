//! Enrolment files and joining, attacked from outside: the file's bytes and the laptop's
//! folder hold nothing readable; the file decrypted by this test's own code (Argon2id and
//! XChaCha20-Poly1305 from the layout in the module's documentation, not the vault's
//! functions) yields a key that does not open the laptop's vault; every damaged byte is
//! refused and leaves nothing behind.

mod common;
use common::*;

use std::path::Path;

use argon2::{Algorithm, Argon2, Params, Version};
use attune_vault::{enrol, ErrorKind, Passphrase, Role, Vault};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

const MARKER: &str = "Marigold-Zephyr-7731 was calm today";
const LAPTOP_PASS: &str = "violet harbour ginger tramline 58";

/// A school vault with a key adult; the enrolment copies a table of marked rows.
fn school(dir: &Path) -> (Vault, String) {
    let (mut v, _) = make_vault(dir);
    let ka = v
        .add_user(
            "Iain Baxter",
            Role::KeyAdult,
            &Passphrase::new(KA_PASS),
            &mut rng(2),
            now(),
        )
        .unwrap();
    (v, ka.id)
}

fn enrol_marked(v: &Vault, user: &str, device: u16) -> enrol::Enrolment {
    v.write_enrolment(user, device, &mut rng(3), now(), |c| {
        c.execute_batch(
            "INSERT INTO replica.users SELECT * FROM main.users;
             CREATE TABLE replica.probe (n INTEGER PRIMARY KEY, note TEXT);",
        )?;
        for i in 0..50 {
            c.execute(
                "INSERT INTO replica.probe (n, note) VALUES (?1, ?2)",
                rusqlite::params![i, format!("{MARKER} {i}")],
            )?;
        }
        Ok(())
    })
    .unwrap()
}

fn all_bytes_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
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

/// What the file's content holds, read by this test's own code from the documented layout.
struct Inside {
    replica_key: [u8; 32],
    signing_seed: [u8; 32],
    box_secret: [u8; 32],
    meta: serde_json::Value,
}

/// The keys inside the file, by this test's own reading of the documented layout.
fn key_inside(file: &[u8], one_time: &str) -> Inside {
    let m = enrol::MAGIC.len();
    assert_eq!(&file[..m], enrol::MAGIC);
    let h = u32::from_le_bytes(file[m..m + 4].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&file[m + 4..m + 4 + h]).unwrap();
    let salt = hex::decode(header["salt"].as_str().unwrap()).unwrap();
    let nonce = hex::decode(header["nonce"].as_str().unwrap()).unwrap();
    let kdf = &header["kdf"];
    let params = Params::new(
        kdf["m_kib"].as_u64().unwrap() as u32,
        kdf["t"].as_u64().unwrap() as u32,
        kdf["p"].as_u64().unwrap() as u32,
        Some(32),
    )
    .unwrap();
    let mut key = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(one_time.as_bytes(), &salt, &mut key)
        .unwrap();
    let body = &file[..file.len() - 32];
    let plain = XChaCha20Poly1305::new((&key).into())
        .decrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: &body[m + 4 + h..],
                aad: &body[..m + 4 + h],
            },
        )
        .expect("the documented layout decrypts");
    let meta_len = u32::from_le_bytes(plain[..4].try_into().unwrap()) as usize;
    let meta: serde_json::Value = serde_json::from_slice(&plain[4..4 + meta_len]).unwrap();
    assert_eq!(meta["user_name"], "Iain Baxter");
    let at = |i: usize| -> [u8; 32] {
        plain[4 + meta_len + 32 * i..4 + meta_len + 32 * (i + 1)]
            .try_into()
            .unwrap()
    };
    // The database follows the three keys: it is SQLCipher's (no plain SQLite header).
    assert_ne!(
        &plain[4 + meta_len + 96..4 + meta_len + 112],
        b"SQLite format 3\0"
    );
    Inside {
        replica_key: at(0),
        signing_seed: at(1),
        box_secret: at(2),
        meta,
    }
}

/// A vault's raw key, from its key-slot file and a passphrase, as someone holding both
/// could get it with their own code.
fn raw_key(dir: &Path, user_id: &str, pass: &str) -> [u8; 32] {
    let body =
        attune_vault::keyslots::Body::parse(&std::fs::read(dir.join("keyslots")).unwrap()).unwrap();
    let slot = body.user_slot(user_id).unwrap();
    let secret = slot.open(&body.vault_id, pass.as_bytes()).unwrap().unwrap();
    let keys = slot.unseal_all(&body.vault_id, &secret).unwrap();
    *keys[0].1.expose_for_attack_tests()
}

fn opens_with(db: &Path, key: &[u8; 32]) -> bool {
    let c = rusqlite::Connection::open(db).unwrap();
    c.execute_batch(&format!("PRAGMA key = \"x'{}'\";", hex::encode(key)))
        .unwrap();
    c.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .is_ok()
}

#[test]
fn a_laptop_joins_with_its_own_key_and_nothing_readable_travels() {
    let tmp = tempfile::tempdir().unwrap();
    let (v, ka) = school(&tmp.path().join("school"));
    let e = enrol_marked(&v, &ka, 5);
    assert_eq!(e.meta.device_no, 5);
    // The file: no marker, no name, no school, in any encoding.
    for needle in [MARKER, "Iain Baxter", "Hillside Primary", "Marigold"] {
        assert!(
            !contains(&e.bytes, needle.as_bytes()),
            "{needle} in the file"
        );
        assert!(
            !contains(&e.bytes, &utf16le(needle)),
            "{needle} (UTF-16) in the file"
        );
    }
    // Nothing left beside the school vault.
    assert!(all_bytes_under(&tmp.path().join("school"))
        .iter()
        .all(|(p, _)| !p.contains("attune-enrol")));

    let laptop = tmp.path().join("laptop");
    let (lv, meta) = Vault::join(
        &laptop,
        &e.bytes,
        e.passphrase.expose(),
        &Passphrase::new(LAPTOP_PASS),
        &mut rng(4),
        now(),
    )
    .unwrap();
    assert_eq!(meta.user_id, ka);
    assert_eq!(
        lv.session().user.id,
        ka,
        "the same user id as at the school"
    );
    assert_eq!(lv.session().user.role, Role::KeyAdult);
    let n: i64 = lv
        .conn()
        .unwrap()
        .query_row(
            "SELECT count(*) FROM probe WHERE note LIKE 'Marigold-Zephyr-7731%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 50, "the copied rows arrived");
    assert_eq!(attune_vault::ids::device_no(lv.conn().unwrap()).unwrap(), 5);
    let laptop_id = lv.sync_identity().unwrap().unwrap();
    let school_id = v.sync_identity().unwrap().unwrap();
    drop(lv);
    // The laptop's folder: nothing readable.
    for (path, bytes) in all_bytes_under(&laptop) {
        for needle in [MARKER, "Marigold", LAPTOP_PASS, e.passphrase.expose()] {
            assert!(!contains(&bytes, needle.as_bytes()), "{needle} in {path}");
        }
    }
    // Neither the key inside the file nor the school's key opens the laptop's vault.
    let Inside {
        replica_key: inside,
        signing_seed,
        box_secret,
        meta: inside_meta,
    } = key_inside(&e.bytes, e.passphrase.expose());
    // The laptop's sync secrets are the ones the file carried; the school's public keys are
    // in the meta, and its secrets nowhere in the content.
    assert_eq!(laptop_id.device_no, 5);
    assert_eq!(signing_seed, laptop_id.signing_key().to_bytes());
    assert_eq!(box_secret, laptop_id.box_secret().to_bytes());
    assert_eq!(
        inside_meta["school_verify_key"],
        hex::encode(school_id.verifying_key().as_bytes())
    );
    assert_eq!(
        inside_meta["school_box_public"],
        hex::encode(school_id.box_public().as_bytes())
    );
    let content_has = |k: &[u8; 32]| {
        [inside, signing_seed, box_secret].contains(k)
            || inside_meta.to_string().contains(&hex::encode(k))
    };
    assert!(!content_has(&school_id.signing_key().to_bytes()));
    assert!(!content_has(&school_id.box_secret().to_bytes()));
    let db = laptop.join("vault.db");
    assert!(!opens_with(&db, &inside), "the file's key opens the laptop");
    let school_key = raw_key(&tmp.path().join("school"), &v.session().user.id, LEAD_PASS);
    let laptop_key = raw_key(&laptop, &ka, LAPTOP_PASS);
    assert!(
        !opens_with(&db, &school_key),
        "the school's key opens the laptop"
    );
    assert!(
        opens_with(&db, &laptop_key),
        "the laptop's own key (from its slot)"
    );
    assert_ne!(laptop_key, inside);
    // Its own passphrase does, as that key adult.
    let again = Vault::unlock(
        &laptop,
        &ka,
        &Passphrase::new(LAPTOP_PASS),
        &mut rng(5),
        now(),
    )
    .unwrap();
    assert_eq!(again.session().user.name, "Iain Baxter");
    let actions: Vec<String> = again
        .conn()
        .unwrap()
        .prepare("SELECT action FROM audit_log ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert!(actions.contains(&"sync.join".to_string()), "{actions:?}");
}

#[test]
fn a_wrong_passphrase_or_any_damaged_byte_is_refused_and_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (v, ka) = school(&tmp.path().join("school"));
    let e = enrol_marked(&v, &ka, 1);
    let laptop = tmp.path().join("laptop");
    let join = |bytes: &[u8], pass: &str| {
        Vault::join(
            &laptop,
            bytes,
            pass,
            &Passphrase::new(LAPTOP_PASS),
            &mut rng(6),
            now(),
        )
        .map(|_| ())
    };
    let other = attune_vault::RecoveryKey::generate(&mut rng(99)).display();
    let r = join(&e.bytes, &other);
    assert_eq!(r.unwrap_err().kind(), ErrorKind::WrongPassphrase);
    assert!(!laptop.join("vault.db").exists());
    // Bytes in every part of the file: magic, length, header, ciphertext, checksum.
    let n = e.bytes.len();
    let mut positions: Vec<usize> = vec![0, 14, 15, 16, 20, 40, n / 2, n - 33, n - 32, n - 1];
    positions.extend((0..n).step_by(n / 17 + 1));
    for &i in &positions {
        let mut bad = e.bytes.clone();
        bad[i] ^= 0x20;
        let r = join(&bad, e.passphrase.expose());
        let kind = r.expect_err("a damaged file joins").kind();
        assert!(
            matches!(
                kind,
                ErrorKind::VaultDamaged | ErrorKind::InvalidInput | ErrorKind::WrongPassphrase
            ),
            "byte {i}: {kind:?}"
        );
        let left = if laptop.exists() {
            all_bytes_under(&laptop)
                .into_iter()
                .filter(|(p, _)| !p.ends_with(".lock"))
                .count()
        } else {
            0
        };
        assert_eq!(left, 0, "byte {i}: files left in the laptop's folder");
    }
    // Cut short anywhere: refused.
    for len in [0, 10, 15, 19, n / 3, n - 1] {
        assert!(
            join(&e.bytes[..len], e.passphrase.expose()).is_err(),
            "cut at {len}"
        );
    }
}

#[test]
fn only_a_lead_prepares_a_laptop_and_only_for_a_key_adult() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("school");
    let (v, ka) = school(&dir);
    let lead = v.session().user.id.clone();
    let err = v
        .write_enrolment(&lead, 1, &mut rng(7), now(), |_| Ok(()))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let err = v
        .write_enrolment(&ka, 0, &mut rng(7), now(), |_| Ok(()))
        .unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::InvalidInput,
        "device 0 is the school"
    );
    drop(v);
    let kv = Vault::unlock(&dir, &ka, &Passphrase::new(KA_PASS), &mut rng(8), now()).unwrap();
    let err = kv
        .write_enrolment(&ka, 1, &mut rng(9), now(), |_| Ok(()))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotPermitted);
    let refused: i64 = kv
        .conn()
        .unwrap()
        .query_row(
            "SELECT count(*) FROM audit_log WHERE action = 'sync.enrol' AND outcome = 'refused'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(refused, 1);
}

#[test]
fn joining_never_writes_over_a_vault() {
    let tmp = tempfile::tempdir().unwrap();
    let (v, ka) = school(&tmp.path().join("school"));
    let e = enrol_marked(&v, &ka, 2);
    drop(v);
    let before = all_bytes_under(&tmp.path().join("school"));
    let r = Vault::join(
        &tmp.path().join("school"),
        &e.bytes,
        e.passphrase.expose(),
        &Passphrase::new(LAPTOP_PASS),
        &mut rng(10),
        now(),
    );
    assert_eq!(r.unwrap_err().kind(), ErrorKind::AlreadyExists);
    assert_eq!(
        all_bytes_under(&tmp.path().join("school")),
        before,
        "not a byte of the school vault changed"
    );
}
