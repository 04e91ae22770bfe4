//! Crash safety: a writer process commits records one at a time and says `ack N` after each
//! commit; it is killed with SIGKILL at random moments, at least 200 times. After every kill
//! the vault must open, pass SQLCipher's HMAC check of every page and SQLite's integrity
//! check, keep an unbroken audit chain, and hold every record that was acknowledged.
//!
//! Each round costs two Argon2id unlocks (the writer's and the check's), about a second:
//! 200 rounds take three to four minutes. `ATTUNE_CRASH_KILLS` and `ATTUNE_CRASH_SEED`
//! change the number of rounds and the seed (the defaults are what CI runs).

mod common;
use common::*;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};

#[test]
fn sigkill_at_random_moments_loses_no_acknowledged_commit() {
    let kills: u32 = std::env::var("ATTUNE_CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let seed: u64 = std::env::var("ATTUNE_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_261_122);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let e = Env::new();
    e.init();
    let started = Instant::now();

    let mut acknowledged: Vec<u64> = Vec::new();
    let mut lost: Vec<u64> = Vec::new();
    let mut mid_commit_kills = 0u32;
    for round in 0..kills {
        let mut child = e
            .command(
                &e.dir,
                &["crash-writer", "--user", "Ada Lovelace"],
                &[("ATTUNE_PASSPHRASE", LEAD)],
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read the writer's lines on another thread, so the kill is timed independently of
        // how fast the pipe is drained.
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Wait for the first acknowledged commit (the unlock takes about half a second).
        let mut lines = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(l) => {
                    let first_ack = l.starts_with("ack ");
                    lines.push(l);
                    if first_ack {
                        break;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Some(status) = child.try_wait().unwrap() {
                        let mut err = String::new();
                        std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err)
                            .unwrap();
                        panic!("round {round}: the writer exited early ({status}): {err}");
                    }
                    assert!(
                        Instant::now() < deadline,
                        "round {round}: no commit within 60 s"
                    );
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    panic!("round {round}: the writer closed its output before any commit")
                }
            }
        }
        std::thread::sleep(Duration::from_micros(rng.gen_range(0..=50_000)));
        child.kill().unwrap(); // SIGKILL on Unix
        let status = child.wait().unwrap();
        assert!(
            !status.success(),
            "round {round}: the writer was killed, not finished"
        );
        reader.join().unwrap();
        lines.extend(rx.try_iter());
        let acks_now = acks(&lines.join("\n"));
        acknowledged.extend(&acks_now);

        // The vault opens, is sound, and holds every acknowledged record.
        let v = unlock_as(&e.dir, "Ada Lovelace", LEAD)
            .unwrap_or_else(|err| panic!("round {round}: the vault did not open: {err}"));
        let (cipher, sqlite) = integrity(&v);
        assert!(
            cipher.is_empty(),
            "round {round}: cipher_integrity_check: {cipher:?}"
        );
        assert_eq!(
            sqlite,
            vec!["ok".to_string()],
            "round {round}: integrity_check"
        );
        assert!(
            attune_vault::audit::verify(v.conn().unwrap())
                .unwrap()
                .is_none(),
            "round {round}: the audit chain is broken"
        );
        let present = probe_numbers(&v);
        let last_ack = acks_now.last().copied().unwrap_or(0);
        // A commit that reached the disk but was killed before its `ack` line was printed.
        if present.iter().next_back().copied().unwrap_or(0) > last_ack {
            mid_commit_kills += 1;
        }
        lost.extend(acks_now.iter().filter(|n| !present.contains(n)));
        drop(v);
        if round % 25 == 24 {
            println!(
                "  after {} kills: {} acknowledged, {} lost, {:.0} s",
                round + 1,
                acknowledged.len(),
                lost.len(),
                started.elapsed().as_secs_f64()
            );
        }
    }
    // Every acknowledgement ever made is still there at the end too.
    let v = unlock_as(&e.dir, "Ada Lovelace", LEAD).unwrap();
    let present = probe_numbers(&v);
    let lost_at_end = acknowledged.iter().filter(|n| !present.contains(n)).count();
    assert!(v.verify().unwrap().is_empty());
    println!(
        "crash test (seed {seed}): kills={kills}, acknowledged={}, lost={}, committed-but-unacknowledged at the kill={mid_commit_kills}, rows at the end={}, {:.0} s",
        acknowledged.len(),
        lost.len(),
        present.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(kills >= 1);
    assert!(
        !acknowledged.is_empty(),
        "no commit was ever acknowledged: the test proved nothing"
    );
    assert_eq!(lost, Vec::<u64>::new(), "acknowledged records were lost");
    assert_eq!(lost_at_end, 0);
}
