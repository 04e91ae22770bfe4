#![allow(dead_code)]
use std::path::Path;

use attune_vault::{Passphrase, RecoveryKey, Vault};
use chrono::{DateTime, TimeZone, Utc};
use rand::SeedableRng;

pub const LEAD_PASS: &str = "correct horse battery staple 1917";
pub const KA_PASS: &str = "plum orchard lantern quietly 42";

pub fn rng(seed: u64) -> rand_chacha::ChaCha20Rng {
    rand_chacha::ChaCha20Rng::seed_from_u64(seed)
}

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap()
}

pub fn lead_id(dir: &Path) -> String {
    match attune_vault::status(dir, now()).unwrap() {
        attune_vault::VaultStatus::Present { users, .. } => {
            users
                .into_iter()
                .find(|u| u.role == attune_vault::Role::StrategicLead)
                .unwrap()
                .id
        }
        _ => panic!("no vault"),
    }
}

pub fn make_vault(dir: &Path) -> (Vault, RecoveryKey) {
    let mut r = rng(1);
    let recovery = RecoveryKey::generate(&mut r);
    let v = Vault::create(
        dir,
        "Hillside Primary",
        "Ada Lovelace",
        &Passphrase::new(LEAD_PASS),
        &recovery,
        &mut r,
        now(),
    )
    .unwrap();
    (v, recovery)
}

/// Every file in the vault folder, as bytes.
pub fn folder_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            out.push((
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            ));
        }
    }
    out
}

pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

pub fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect()
}
