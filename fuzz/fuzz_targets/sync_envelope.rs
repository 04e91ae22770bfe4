//! The sync file (`ATTUNE-SYNC/1`) as a vault reads it from a USB stick or shared folder:
//! layout, lengths, acknowledgements, then signature, recipient and decryption; and the
//! list of changes inside (`ASB1`). Any bytes: `Ok` or `Err`, never a panic.
//!
//! The second pass re-signs the input (all but its last 64 bytes) with a device key the
//! target enrols, so the fuzzer gets past the signature to the recipient check, the AEAD
//! and the padding. The seed `sealed-*` files were sealed with these same keys (see
//! attune-sync's tests/envelope.rs, `write_fuzz_seeds`).
#![no_main]

use attune_sync::batch::{decode_batch, decode_deps};
use attune_sync::envelope::{open, parse, Devices};
use attune_sync::hlc::DeviceId;
use ed25519_dalek::{Signer, SigningKey};
use libfuzzer_sys::fuzz_target;
use x25519_dalek::StaticSecret;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = parse(data) {
        assert!(p.header.acks.windows(2).all(|w| w[0].origin < w[1].origin));
    }
    let _ = decode_batch(data);
    let _ = decode_deps(data);

    let device = SigningKey::from_bytes(&[7u8; 32]);
    let vault = StaticSecret::from([9u8; 32]);
    let mut devices = Devices::new();
    if data.len() >= 24 {
        let id = u64::from_be_bytes(data[16..24].try_into().unwrap());
        devices.enrol(DeviceId(id), device.verifying_key());
    }
    let _ = open(data, &vault, &devices);
    if data.len() >= 64 {
        let mut signed = data[..data.len() - 64].to_vec();
        let sig = device.sign(&signed);
        signed.extend_from_slice(&sig.to_bytes());
        if let Ok(opened) = open(&signed, &vault, &devices) {
            let _ = decode_batch(&opened.payload);
        }
    }
});
