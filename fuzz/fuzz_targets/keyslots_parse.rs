//! The key-slot file parser (`ATTUNE-KEYSLOTS/1`): any bytes, never a panic.
//!
//! Two passes per input: the bytes as a whole file (mostly stopped by the checksum), and the
//! bytes as the JSON body under a correct checksum line, so the fuzzer reaches the JSON
//! parsing and the validation behind the checksum.
#![no_main]

use attune_vault::keyslots::Body;
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

fuzz_target!(|data: &[u8]| {
    let _ = Body::parse(data);
    let mut file = format!(
        "ATTUNE-KEYSLOTS/1 sha256={}\n",
        hex::encode(Sha256::digest(data))
    )
    .into_bytes();
    file.extend_from_slice(data);
    if let Ok(body) = Body::parse(&file) {
        // What parses must write back to something that parses to the same.
        let again = Body::parse(&body.to_bytes()).expect("a parsed key-slot file re-parses");
        assert_eq!(again, body);
    }
});
