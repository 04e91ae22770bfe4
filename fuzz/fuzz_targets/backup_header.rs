//! The backup file's parser (`ATTUNE-BACKUP/1`: layout, lengths, header JSON, key slots,
//! checksum) as run before any passphrase is asked for: any bytes, never a panic.
//!
//! The second pass skips the checksum so the fuzzer reaches the parsers behind it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = attune_vault::backup::parse_bytes(data);
    if let Ok(f) = attune_vault::backup::parse_bytes_unchecked(data) {
        let _ = f.users();
        assert_eq!(f.file_bytes, data.len() as u64);
    }
});
