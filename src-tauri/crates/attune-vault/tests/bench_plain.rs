//! The benchmark-only unencrypted copy (cargo feature `bench-plain`, which only
//! attune-admin enables): it really is plain SQLite, it opens only through its own
//! benchmark constructor, and the ordinary unlock refuses it.
#![cfg(feature = "bench-plain")]

mod common;

use attune_vault::{Passphrase, Vault};
use common::*;

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

fn head(path: &std::path::Path) -> Vec<u8> {
    std::fs::read(path).unwrap()[..16].to_vec()
}

#[test]
fn the_plain_copy_is_plain_and_only_the_benchmark_opens_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let plain = tmp.path().join("plain");
    let (v, _) = make_vault(&dir);
    v.export_unencrypted_for_benchmark(&plain).unwrap();
    v.lock("test", now());

    assert_ne!(head(&dir.join("vault.db")), SQLITE_MAGIC);
    assert_eq!(head(&plain.join("vault.db")), SQLITE_MAGIC);

    let id = lead_id(&plain);
    let p = Passphrase::new(LEAD_PASS);
    assert!(Vault::unlock(&plain, &id, &p, &mut rng(2), now()).is_err());
    let v = Vault::unlock_unencrypted_for_benchmark(&plain, &id, &p, &mut rng(3), now()).unwrap();
    assert_eq!(v.session().user.name, "Ada Lovelace");
    assert!(v.schema_version().unwrap() >= 3);
    v.lock("test", now());

    // And the benchmark constructor does not open the encrypted original without its key.
    assert!(Vault::unlock_unencrypted_for_benchmark(&dir, &id, &p, &mut rng(4), now()).is_err());
}
