//! Convergence over real SQLCipher files: three replicas (a school vault and two laptops)
//! make random inserts, edits and erasures with skewed clocks and exchange changes in
//! random order, with duplicates and dropped deliveries resent later. After a final round
//! every replica has the same digest, and every field holds the value an independent oracle
//! computes: the write with the greatest HLC (the test's own record of every write), unless
//! the pupil was erased. No session (insert-only) is ever lost.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use attune_sync::changes::Change;
use attune_sync::hlc::Hlc;
use common::Replica;
use proptest::prelude::*;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[derive(Debug, Clone)]
enum Op {
    AddPupil {
        r: usize,
    },
    Edit {
        r: usize,
        pick: usize,
        col: usize,
        val: u8,
    },
    AddSession {
        r: usize,
        pick: usize,
    },
    Erase {
        r: usize,
        pick: usize,
    },
    /// Deliver a random part of what `from` holds to `to`: shuffled, some duplicated.
    Exchange {
        from: usize,
        to: usize,
        seed: u64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0usize..3).prop_map(|r| Op::AddPupil { r }),
        6 => (0usize..3, any::<usize>(), 0usize..3, any::<u8>())
            .prop_map(|(r, pick, col, val)| Op::Edit { r, pick, col, val }),
        3 => (0usize..3, any::<usize>()).prop_map(|(r, pick)| Op::AddSession { r, pick }),
        1 => (0usize..3, any::<usize>()).prop_map(|(r, pick)| Op::Erase { r, pick }),
        5 => (0usize..3, 0usize..3, any::<u64>())
            .prop_map(|(from, to, seed)| Op::Exchange { from, to, seed }),
    ]
}

const COLS: [&str; 3] = ["name", "level", "notes"];

fn held(r: &Replica) -> Vec<String> {
    let mut s = r
        .conn
        .prepare("SELECT CAST(id AS TEXT) FROM pupils ORDER BY id")
        .unwrap();
    s.query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[derive(Default)]
struct Oracle {
    /// (pupil, column) → every write: (hlc, value).
    writes: BTreeMap<(String, String), Vec<(Hlc, String)>>,
    erased: BTreeSet<String>,
    sessions: BTreeSet<String>,
}

fn deliver(rs: &mut [Replica], from: usize, to: usize, seed: u64, now: u64) {
    if from == to {
        return;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let all: Vec<Change> = {
        let (f, t) = (&rs[from], &rs[to]);
        f.outgoing_for(t)
    };
    // Some of it (a dropped file), shuffled (files imported out of order), some twice.
    let mut batch: Vec<Change> = all.into_iter().filter(|_| rng.gen_bool(0.7)).collect();
    let dups: Vec<Change> = batch
        .iter()
        .filter(|_| rng.gen_bool(0.2))
        .cloned()
        .collect();
    batch.extend(dups);
    batch.shuffle(&mut rng);
    for c in &batch {
        rs[to].receive(now, c);
    }
}

/// `ints`: the tables have INTEGER ids, as the vault's record tables do; each replica hands
/// out ids of its own (here `10 n + replica` for pupils, as device ranges would).
fn run(ops: Vec<Op>, skew: [i64; 3], ints: bool) -> std::result::Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let make = if ints { Replica::new_int } else { Replica::new };
    let mut rs = vec![
        make(dir.path(), "school", 1, [1u8; 32]),
        make(dir.path(), "laptop-a", 2, [2u8; 32]),
        make(dir.path(), "laptop-b", 3, [3u8; 32]),
    ];
    let mut oracle = Oracle::default();
    let base: i64 = 1_764_000_000_000;
    let mut next_id = 0u32;
    for (step, o) in ops.into_iter().enumerate() {
        let wall = |r: usize| (base + step as i64 * 1_000 + skew[r]) as u64;
        match o {
            Op::AddPupil { r } => {
                next_id += 1;
                let id = if ints {
                    (next_id * 10 + r as u32).to_string()
                } else {
                    format!("p{:04}-{r}", next_id)
                };
                let c = rs[r].add_pupil(wall(r), &id, &format!("name{next_id}"), "first notes");
                for (col, v) in [
                    ("name", format!("name{next_id}")),
                    ("level", "Universal".into()),
                    ("notes", "first notes".into()),
                ] {
                    oracle
                        .writes
                        .entry((id.clone(), col.into()))
                        .or_default()
                        .push((c.hlc, v));
                }
            }
            Op::Edit { r, pick, col, val } => {
                let ids = held(&rs[r]);
                if ids.is_empty() {
                    continue;
                }
                let id = &ids[pick % ids.len()];
                let v = format!("{}-{val}-by{r}", COLS[col]);
                let p = rs[r].pupil(id).unwrap();
                let before = [Some(p.0), p.1, p.2][col].clone();
                // Saving a field with the value it already has is not an edit of it.
                let changed = before.as_deref() != Some(v.as_str());
                if let Some(c) = rs[r].edit(wall(r), id, COLS[col], &v).filter(|_| changed) {
                    oracle
                        .writes
                        .entry((id.clone(), COLS[col].into()))
                        .or_default()
                        .push((c.hlc, v));
                }
            }
            Op::AddSession { r, pick } => {
                let ids = held(&rs[r]);
                if ids.is_empty() {
                    continue;
                }
                next_id += 1;
                let sid = if ints {
                    next_id.to_string()
                } else {
                    format!("s{next_id:04}")
                };
                rs[r].add_session(wall(r), &sid, &ids[pick % ids.len()], 20);
                oracle.sessions.insert(sid);
            }
            Op::Erase { r, pick } => {
                let ids = held(&rs[r]);
                if ids.is_empty() {
                    continue;
                }
                let id = ids[pick % ids.len()].clone();
                if rs[r].erase(wall(r), &id).is_some() {
                    oracle.erased.insert(id);
                }
            }
            Op::Exchange { from, to, seed } => deliver(&mut rs, from, to, seed, wall(to)),
        }
    }
    // Final round: everything, to everyone, in a star through the school and directly.
    let end = (base + 10_000_000) as u64;
    for _ in 0..2 {
        for (from, to) in [(1, 0), (2, 0), (0, 1), (0, 2), (1, 2), (2, 1)] {
            let all = rs[from].outgoing_for(&rs[to]);
            for c in &all {
                rs[to].receive(end, c);
            }
        }
    }
    for r in &rs {
        prop_assert!(
            r.pending.is_empty(),
            "changes left waiting at {}",
            r.device()
        );
    }
    let d0 = rs[0].digest();
    for r in &rs[1..] {
        prop_assert_eq!(
            r.digest(),
            d0,
            "replica {} differs from the school",
            r.device()
        );
    }
    // The oracle: each field is the value of the write with the greatest HLC.
    let mut expected: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for ((id, col), ws) in &oracle.writes {
        let (_, v) = ws.iter().max_by_key(|(h, _)| *h).unwrap();
        expected
            .entry(id.clone())
            .or_default()
            .insert(col.clone(), v.clone());
    }
    for r in &rs {
        let ids: BTreeSet<String> = held(r).into_iter().collect();
        let want: BTreeSet<String> = expected
            .keys()
            .filter(|k| !oracle.erased.contains(*k))
            .cloned()
            .collect();
        prop_assert_eq!(&ids, &want);
        for id in &want {
            let p = r.pupil(id).unwrap();
            let e = &expected[id];
            prop_assert_eq!(&p.0, &e["name"]);
            prop_assert_eq!(p.1.as_ref(), Some(&e["level"]));
            prop_assert_eq!(p.2.as_ref(), Some(&e["notes"]));
            let max_hlc = oracle
                .writes
                .iter()
                .filter(|((i, _), _)| i == id)
                .flat_map(|(_, w)| w.iter().map(|x| x.0))
                .max()
                .unwrap();
            prop_assert!(p.3 >= max_hlc);
        }
        let mut s = r
            .conn
            .prepare("SELECT CAST(id AS TEXT) FROM sessions")
            .unwrap();
        let got: BTreeSet<String> = s
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        prop_assert_eq!(&got, &oracle.sessions, "a session was lost");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn three_replicas_converge_to_the_latest_write(
        ops in prop::collection::vec(op(), 1..60),
        skew in prop::array::uniform3(-600_000i64..600_000),
    ) {
        run(ops, skew, false)?;
    }

    #[test]
    fn three_replicas_converge_with_integer_ids(
        ops in prop::collection::vec(op(), 1..60),
        skew in prop::array::uniform3(-600_000i64..600_000),
    ) {
        run(ops, skew, true)?;
    }
}
