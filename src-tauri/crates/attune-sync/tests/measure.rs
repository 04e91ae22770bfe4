//! A week's work for one key adult (15 pupils, 50 sessions, 15 pupil edits) captured on a
//! laptop, sealed, opened and applied at the school: prints sizes and times, and holds the
//! issue's budgets (≤ 200 KB, ≤ 1 s). `cargo test -p attune-sync --test measure -- --nocapture`.

mod common;

use std::time::Instant;

use attune_sync::batch::{decode_batch, encode_batch};
use attune_sync::envelope::{open, seal, Devices, Outgoing};
use attune_sync::hlc::{DeviceId, Hlc};
use common::Replica;
use ed25519_dalek::SigningKey;
use rand::SeedableRng;
use x25519_dalek::{PublicKey, StaticSecret};

#[test]
fn a_weeks_work_fits_the_budgets() {
    let dir = tempfile::tempdir().unwrap();
    let mut school = Replica::new(dir.path(), "school", 1, [1u8; 32]);
    let mut laptop = Replica::new(dir.path(), "laptop", 2, [2u8; 32]);
    let mut now = 1_764_000_000_000u64;
    for p in 0..15 {
        now += 1;
        let c = school.add_pupil(
            now,
            &format!("pupil-{p:02}"),
            &format!("Pupil {p}"),
            "notes",
        );
        laptop.receive(now, &c);
    }
    let t = Instant::now();
    for s in 0..50 {
        now += 60_000;
        laptop.add_session(
            now,
            &format!("session-{s:03}"),
            &format!("pupil-{:02}", s % 15),
            20,
        );
    }
    for p in 0..15 {
        now += 60_000;
        laptop.edit(
            now,
            &format!("pupil-{p:02}"),
            "notes",
            &"what helps this week: ".repeat(5),
        );
    }
    let capture = t.elapsed();

    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let school_secret = StaticSecret::random_from_rng(&mut rng);
    let laptop_key = SigningKey::generate(&mut rng);
    let mut devices = Devices::new();
    devices.enrol(DeviceId(2), laptop_key.verifying_key());

    let t = Instant::now();
    let changes = laptop.outgoing_for(&school);
    let payload = encode_batch(&changes);
    let out = Outgoing {
        sender: DeviceId(2),
        seq: 1,
        created: Hlc::ZERO,
        acks: &[],
    };
    let file = seal(
        &payload,
        &out,
        &PublicKey::from(&school_secret),
        &laptop_key,
        &mut rng,
    )
    .unwrap();
    let export = t.elapsed();

    let t = Instant::now();
    let opened = open(&file, &school_secret, &devices).unwrap();
    for c in decode_batch(&opened.payload).unwrap() {
        school.receive(now, &c);
    }
    let import = t.elapsed();
    assert_eq!(school.digest(), laptop.digest());
    println!(
        "week: {} changes, payload {} B, sync file {} B; capture {:?}, export {:?}, import {:?}",
        changes.len(),
        payload.len(),
        file.len(),
        capture,
        export,
        import
    );
    assert!(file.len() <= 200 * 1024);
    assert!((export + import).as_secs_f64() <= 1.0);
}
