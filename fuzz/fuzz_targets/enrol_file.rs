//! The enrolment file reader (`ATTUNE-ENROL/1`) as run before any passphrase is asked for:
//! magic, lengths, checksum and header (`attune_vault::enrol::inspect`). Any bytes: `Ok` or
//! `Err`, never a panic.
//!
//! The second pass appends a correct SHA-256 so the fuzzer reaches the header parsing behind
//! the checksum. (Decryption itself is not fuzzed: each try costs an Argon2id derivation, and
//! the AEAD tag refuses any change.)
#![no_main]

use attune_vault::enrol::{inspect, FORMAT_NAME, FORMAT_VERSION};
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

fuzz_target!(|data: &[u8]| {
    let _ = inspect(data);
    let mut file = data.to_vec();
    file.extend_from_slice(&Sha256::digest(data));
    if let Ok(h) = inspect(&file) {
        assert_eq!(h.format, FORMAT_NAME);
        assert_eq!(h.format_version, FORMAT_VERSION);
        let _ = h.kdf.check();
    }
});
