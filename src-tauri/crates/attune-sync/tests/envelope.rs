//! The sync file as an attacker sees it: every flipped byte, every truncation, the wrong
//! vault, an unknown or removed laptop, a replay, a header grafted from another file, and
//! the bytes themselves searched for the plaintext.

use attune_sync::envelope::{
    self, open, open_for_import, parse, seal, Ack, Devices, Import, Outgoing, MAGIC,
};
use attune_sync::hlc::{DeviceId, Hlc};
use attune_sync::Error;
use ed25519_dalek::SigningKey;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use x25519_dalek::{PublicKey, StaticSecret};

const MARKER: &str = "Bartholomew Quigley-Featherstonehaugh UPN A123456789012 — was upset at lunch";

struct World {
    rng: ChaCha20Rng,
    school_secret: StaticSecret,
    school_public: PublicKey,
    laptop_key: SigningKey,
    devices: Devices,
}

const LAPTOP: DeviceId = DeviceId(0x1122_3344_5566_7788);

fn world(seed: u64) -> World {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let school_secret = StaticSecret::random_from_rng(&mut rng);
    let school_public = PublicKey::from(&school_secret);
    let laptop_key = SigningKey::generate(&mut rng);
    let mut devices = Devices::new();
    devices.enrol(LAPTOP, laptop_key.verifying_key());
    World {
        rng,
        school_secret,
        school_public,
        laptop_key,
        devices,
    }
}

fn acks() -> Vec<Ack> {
    vec![
        Ack {
            origin: DeviceId(1),
            seq: 41,
        },
        Ack {
            origin: DeviceId(9),
            seq: 3,
        },
    ]
}

fn sealed(w: &mut World, seq: u64, payload: &[u8]) -> Vec<u8> {
    let acks = acks();
    let out = Outgoing {
        sender: LAPTOP,
        seq,
        created: Hlc::new(1_764_000_000_000, 2, LAPTOP).unwrap(),
        acks: &acks,
    };
    seal(payload, &out, &w.school_public, &w.laptop_key, &mut w.rng).unwrap()
}

#[test]
fn a_sealed_file_opens_with_its_header_and_payload() {
    let mut w = world(1);
    let file = sealed(&mut w, 7, MARKER.as_bytes());
    let opened = open(&file, &w.school_secret, &w.devices).unwrap();
    assert_eq!(&opened.payload[..], MARKER.as_bytes());
    assert_eq!(opened.header.sender, LAPTOP);
    assert_eq!(opened.header.seq, 7);
    assert_eq!(opened.header.acks, acks());
    assert_eq!(
        opened.header.recipient_fingerprint,
        envelope::fingerprint(&w.school_public)
    );
    assert!(file.starts_with(MAGIC));
    // Padding hides the payload's exact length: 512-byte steps.
    let small = sealed(&mut w, 8, b"x");
    let larger = sealed(&mut w, 9, &[b'y'; 500]);
    assert_eq!(small.len(), larger.len());
}

#[test]
fn every_flipped_byte_is_refused() {
    let mut w = world(2);
    let file = sealed(&mut w, 1, MARKER.as_bytes());
    for i in 0..file.len() {
        for mask in [0x01u8, 0x80] {
            let mut bad = file.clone();
            bad[i] ^= mask;
            let r = open(&bad, &w.school_secret, &w.devices);
            assert!(
                r.is_err(),
                "flipping bit {mask:#x} of byte {i} was accepted"
            );
        }
    }
}

#[test]
fn every_truncation_and_extension_is_refused() {
    let mut w = world(3);
    let file = sealed(&mut w, 1, MARKER.as_bytes());
    for n in 0..file.len() {
        assert!(
            open(&file[..n], &w.school_secret, &w.devices).is_err(),
            "cut at {n}"
        );
    }
    let mut longer = file.clone();
    longer.push(0);
    assert!(matches!(
        open(&longer, &w.school_secret, &w.devices),
        Err(Error::Damaged(_))
    ));
}

#[test]
fn a_file_for_another_vault_is_refused() {
    let mut w = world(4);
    let file = sealed(&mut w, 1, MARKER.as_bytes());
    let other = StaticSecret::random_from_rng(&mut w.rng);
    assert!(matches!(
        open(&file, &other, &w.devices),
        Err(Error::WrongRecipient)
    ));
}

#[test]
fn a_valid_file_from_an_unknown_or_removed_device_is_refused() {
    let mut w = world(5);
    // A genuine, well-formed file signed by a key the school never enrolled.
    let stranger = SigningKey::generate(&mut w.rng);
    let acks = acks();
    let out = Outgoing {
        sender: DeviceId(0xdead),
        seq: 1,
        created: Hlc::ZERO,
        acks: &acks,
    };
    let file = seal(b"hello", &out, &w.school_public, &stranger, &mut w.rng).unwrap();
    assert!(matches!(
        open(&file, &w.school_secret, &w.devices),
        Err(Error::UnknownDevice(DeviceId(0xdead)))
    ));

    // The stranger claims to be the enrolled laptop: its signature does not verify.
    let out = Outgoing {
        sender: LAPTOP,
        ..out
    };
    let file = seal(b"hello", &out, &w.school_public, &stranger, &mut w.rng).unwrap();
    assert!(matches!(
        open(&file, &w.school_secret, &w.devices),
        Err(Error::Damaged(_))
    ));

    // The laptop's own file, after the laptop was removed from the school.
    let file = sealed(&mut w, 2, b"hello");
    assert!(open(&file, &w.school_secret, &w.devices).is_ok());
    w.devices.remove(LAPTOP);
    assert!(matches!(
        open(&file, &w.school_secret, &w.devices),
        Err(Error::RemovedDevice(LAPTOP))
    ));
}

#[test]
fn a_replayed_file_is_a_no_op_and_a_missed_file_loses_nothing() {
    let mut w = world(6);
    let f1 = sealed(&mut w, 1, b"first");
    let f2 = sealed(&mut w, 2, b"second");
    let f3 = sealed(&mut w, 3, b"third");
    let import = |f: &[u8], last| open_for_import(f, &w.school_secret, &w.devices, last).unwrap();
    assert!(matches!(import(&f1, 0), Import::New(_)));
    assert!(matches!(
        import(&f1, 1),
        Import::AlreadyApplied { seq: 1, .. }
    ));
    // f2 missed: f3 is still new (files are cumulative); f2 arriving late is a replay.
    assert!(matches!(import(&f3, 1), Import::New(_)));
    assert!(matches!(
        import(&f2, 3),
        Import::AlreadyApplied { seq: 2, .. }
    ));
    // A tampered copy of an applied file is refused, not waved through as a replay.
    let mut bad = f1.clone();
    let last = bad.len() - 100;
    bad[last] ^= 1;
    assert!(open_for_import(&bad, &w.school_secret, &w.devices, 5).is_err());
}

#[test]
fn a_header_grafted_onto_another_file_and_re_signed_is_refused() {
    // A second enrolled laptop (an insider) takes the first laptop's ciphertext, writes its
    // own sender id and a higher sequence number into the header and signs it with its own,
    // genuine key. The signature verifies; the AEAD (header = associated data) does not.
    let mut w = world(7);
    let insider = SigningKey::generate(&mut w.rng);
    let insider_id = DeviceId(42);
    w.devices.enrol(insider_id, insider.verifying_key());
    let file = sealed(&mut w, 1, MARKER.as_bytes());
    let mut forged = file[..file.len() - 64].to_vec();
    forged[16..24].copy_from_slice(&insider_id.0.to_be_bytes());
    forged[56..64].copy_from_slice(&99u64.to_be_bytes());
    use ed25519_dalek::Signer;
    let sig = insider.sign(&forged);
    forged.extend_from_slice(&sig.to_bytes());
    let p = parse(&forged).unwrap();
    assert_eq!((p.header.sender, p.header.seq), (insider_id, 99));
    assert!(matches!(
        open(&forged, &w.school_secret, &w.devices),
        Err(Error::Damaged(_))
    ));
}

#[test]
fn no_plaintext_in_the_bytes() {
    let mut w = world(8);
    let payload = MARKER.repeat(20);
    let file = sealed(&mut w, 1, payload.as_bytes());
    let hay = String::from_utf8_lossy(&file).to_lowercase();
    for needle in [
        "bartholomew",
        "quigley",
        "a123456789012",
        "upset at lunch",
        "upn",
    ] {
        assert!(
            !hay.contains(needle),
            "{needle} is readable in the sync file"
        );
    }
    // Not even short runs of the payload: no 8-byte window of it appears in the file.
    let p = payload.as_bytes();
    for win in p.windows(8).step_by(3) {
        assert!(
            !file.windows(8).any(|f| f == win),
            "a run of the payload is in the file"
        );
    }
}

#[test]
fn sealing_refuses_bad_headers() {
    let mut w = world(9);
    let unsorted = vec![
        Ack {
            origin: DeviceId(5),
            seq: 1,
        },
        Ack {
            origin: DeviceId(5),
            seq: 2,
        },
    ];
    let out = Outgoing {
        sender: LAPTOP,
        seq: 1,
        created: Hlc::ZERO,
        acks: &unsorted,
    };
    assert!(seal(b"", &out, &w.school_public, &w.laptop_key, &mut w.rng).is_err());
    let out = Outgoing {
        seq: 0,
        acks: &[],
        ..out
    };
    assert!(seal(b"", &out, &w.school_public, &w.laptop_key, &mut w.rng).is_err());
}

#[test]
fn parse_reports_what_is_wrong_without_a_key() {
    assert!(matches!(parse(b"PK\x03\x04"), Err(Error::NotASyncFile)));
    let mut v = MAGIC.to_vec();
    v.push(2);
    assert!(matches!(parse(&v), Err(Error::UnsupportedVersion(2))));
    v[13] = 1;
    assert!(matches!(parse(&v), Err(Error::Damaged(_))));
}

#[test]
fn batches_round_trip_and_malformed_ones_are_refused() {
    use attune_sync::batch::{decode_batch, encode_batch, Change};
    let changes = vec![
        Change {
            origin: DeviceId(2),
            seq: 1,
            hlc: Hlc::new(5, 1, DeviceId(2)).unwrap(),
            deps: vec![(DeviceId(1), 4)],
            changeset: b"changeset bytes".to_vec(),
        },
        Change {
            origin: DeviceId(2),
            seq: 2,
            hlc: Hlc::new(6, 0, DeviceId(2)).unwrap(),
            deps: vec![],
            changeset: vec![],
        },
    ];
    let bytes = encode_batch(&changes);
    assert_eq!(decode_batch(&bytes).unwrap(), changes);
    for n in 0..bytes.len() {
        assert!(decode_batch(&bytes[..n]).is_err(), "cut at {n}");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(decode_batch(&longer).is_err());
}

/// The seed corpus of the `sync_envelope` fuzz target, sealed with the keys the target
/// enrols: `ATTUNE_WRITE_FUZZ_SEEDS=1 cargo test -p attune-sync --test envelope write_fuzz_seeds`.
#[test]
fn write_fuzz_seeds() {
    use attune_sync::batch::{encode_batch, Change};
    let Some(_) = std::env::var_os("ATTUNE_WRITE_FUZZ_SEEDS") else {
        return;
    };
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../fuzz/corpus/sync_envelope");
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(17);
    let device = SigningKey::from_bytes(&[7u8; 32]);
    let vault = PublicKey::from(&StaticSecret::from([9u8; 32]));
    let batch = encode_batch(&[Change {
        origin: LAPTOP,
        seq: 3,
        hlc: Hlc::new(1_764_000_000_000, 0, LAPTOP).unwrap(),
        deps: vec![(DeviceId(1), 12)],
        changeset: vec![0x54, 0x02, 0x01, 0x00],
    }]);
    for (name, payload, acks) in [
        ("sealed-batch", batch.clone(), acks()),
        ("sealed-empty", Vec::new(), Vec::new()),
    ] {
        let out = Outgoing {
            sender: LAPTOP,
            seq: 3,
            created: Hlc::new(1_764_000_000_000, 1, LAPTOP).unwrap(),
            acks: &acks,
        };
        let file = seal(&payload, &out, &vault, &device, &mut rng).unwrap();
        std::fs::write(dir.join(name), file).unwrap();
    }
    std::fs::write(dir.join("batch"), batch).unwrap();
}
