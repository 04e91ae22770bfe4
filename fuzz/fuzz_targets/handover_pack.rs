//! The handover pack reader (`ATTUNE-HANDOVER/1`) as run before any passphrase is asked for:
//! layout, lengths, checksum and header (`attune_domain::transfer::handover::inspect`), and the
//! content's parser as run after decryption: any bytes, never a panic.
//!
//! The second pass appends a correct SHA-256 so the fuzzer reaches the header parsing behind
//! the checksum. (Decryption itself is not fuzzed: each try costs an Argon2id derivation, and
//! the AEAD tag refuses any change.)
#![no_main]

use attune_domain::transfer::handover::{inspect, HandoverContent};
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

fuzz_target!(|data: &[u8]| {
    let _ = inspect(data);
    let mut file = data.to_vec();
    file.extend_from_slice(&Sha256::digest(data));
    if let Ok(f) = inspect(&file) {
        let _ = f.header.kdf.check();
        assert!(f.header.format_version == attune_domain::transfer::handover::FORMAT_VERSION);
    }
    if let Ok(content) = serde_json::from_slice::<HandoverContent>(data) {
        let again: HandoverContent =
            serde_json::from_slice(&serde_json::to_vec(&content).expect("serialises"))
                .expect("what parsed re-parses");
        assert_eq!(again, content);
    }
});
