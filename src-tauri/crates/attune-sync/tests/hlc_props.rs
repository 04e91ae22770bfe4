//! Properties of the hybrid logical clock, checked against an independent oracle: vector
//! clocks computed by the test for the happens-before relation.

use std::collections::HashSet;

use attune_sync::hlc::{Clock, DeviceId, Hlc};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Step {
    /// Replica `r` makes a local change; its wall clock moved by `dt` ms (may go backwards).
    Local { r: usize, dt: i64 },
    /// Replica `from` writes a sync file; it is delivered later to replica `to`.
    Send { from: usize, to: usize, dt: i64 },
    /// The oldest undelivered file to some replica is imported there.
    Deliver { pick: usize, dt: i64 },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0usize..3, -5_000i64..60_000).prop_map(|(r, dt)| Step::Local { r, dt }),
        (0usize..3, 0usize..3, -5_000i64..60_000).prop_map(|(from, to, dt)| Step::Send {
            from,
            to,
            dt
        }),
        (0usize..64, -5_000i64..60_000).prop_map(|(pick, dt)| Step::Deliver { pick, dt }),
    ]
}

type Vc = [u64; 3];

fn hb(a: &Vc, b: &Vc) -> bool {
    a.iter().zip(b).all(|(x, y)| x <= y) && a != b
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Whatever the wall clock does (jumps back, stands still), each tick is strictly
    /// greater than the one before and than every timestamp observed.
    #[test]
    fn ticks_are_strictly_monotonic(
        walls in prop::collection::vec(0u64..2_000_000, 1..200),
        seen in prop::collection::vec((0u64..2_000_000, any::<u16>(), 0u64..5), 0..50),
    ) {
        let mut c = Clock::new(DeviceId(9));
        let mut last = Hlc::ZERO;
        for (i, now) in walls.iter().enumerate() {
            if let Some(&(w, n, d)) = seen.get(i) {
                let remote = Hlc::new(w, n, DeviceId(d)).unwrap();
                if c.observe(remote, *now).is_ok() {
                    let t = c.tick(*now).unwrap();
                    prop_assert!(t > remote);
                    prop_assert!(t > last);
                    last = t;
                }
            }
            let t = c.tick(*now).unwrap();
            prop_assert!(t > last, "{t} not after {last}");
            prop_assert!(t.wall_ms() >= *now);
            last = t;
        }
    }

    /// Three replicas with clocks skewed by up to an hour either way exchange files in any
    /// order: if event a happened before event b (vector clocks, computed independently),
    /// then hlc(a) < hlc(b). Every timestamp is unique (device id breaks ties), so the order
    /// is total and the same on every replica.
    #[test]
    fn causality_holds_across_skewed_replicas(
        skew in prop::array::uniform3(-3_600_000i64..3_600_000),
        steps in prop::collection::vec(step(), 1..150),
    ) {
        let base: i64 = 1_764_000_000_000;
        let mut real = [base; 3];
        let mut clocks: Vec<Clock> = (0..3).map(|i| Clock::new(DeviceId(100 + i as u64))).collect();
        let mut vcs: [Vc; 3] = [[0; 3]; 3];
        let mut in_flight: Vec<(usize, Hlc, Vc)> = Vec::new();
        let mut events: Vec<(Hlc, Vc)> = Vec::new();
        let wall = |real: &[i64; 3], r: usize| (real[r] + skew[r]) as u64;

        for s in steps {
            match s {
                Step::Local { r, dt } => {
                    real[r] = (real[r] + dt).max(base);
                    let t = clocks[r].tick(wall(&real, r)).unwrap();
                    vcs[r][r] += 1;
                    events.push((t, vcs[r]));
                }
                Step::Send { from, to, dt } => {
                    real[from] = (real[from] + dt).max(base);
                    let t = clocks[from].tick(wall(&real, from)).unwrap();
                    vcs[from][from] += 1;
                    events.push((t, vcs[from]));
                    in_flight.push((to, t, vcs[from]));
                }
                Step::Deliver { pick, dt } => {
                    if in_flight.is_empty() { continue; }
                    let (to, t, vc) = in_flight.remove(pick % in_flight.len());
                    real[to] = (real[to] + dt).max(base);
                    clocks[to].observe(t, wall(&real, to)).unwrap();
                    for k in 0..3 { vcs[to][k] = vcs[to][k].max(vc[k]); }
                    vcs[to][to] += 1;
                    let r = clocks[to].tick(wall(&real, to)).unwrap();
                    prop_assert!(r > t);
                    events.push((r, vcs[to]));
                }
            }
        }
        let mut unique = HashSet::new();
        for (t, _) in &events { prop_assert!(unique.insert(*t), "timestamp {t} issued twice"); }
        for (ta, va) in &events {
            for (tb, vb) in &events {
                if hb(va, vb) {
                    prop_assert!(ta < tb, "{ta} happened before {tb} but is not ordered first");
                }
            }
        }
    }

    /// Equal wall time and counter on two laptops: the device id orders them, in the struct,
    /// in the 16 bytes and in the text form alike.
    #[test]
    fn device_id_breaks_ties_in_every_form(
        w in 0u64..(1u64 << 48), n: u16, d1: u64, d2: u64,
    ) {
        prop_assume!(d1 != d2);
        let a = Hlc::new(w, n, DeviceId(d1)).unwrap();
        let b = Hlc::new(w, n, DeviceId(d2)).unwrap();
        prop_assert_eq!(a < b, d1 < d2);
        prop_assert_eq!(a.to_bytes() < b.to_bytes(), d1 < d2);
        prop_assert_eq!(a.to_text() < b.to_text(), d1 < d2);
    }

    #[test]
    fn serialised_forms_keep_the_order(
        a in (0u64..(1u64 << 48), any::<u16>(), any::<u64>()),
        b in (0u64..(1u64 << 48), any::<u16>(), any::<u64>()),
    ) {
        let a = Hlc::new(a.0, a.1, DeviceId(a.2)).unwrap();
        let b = Hlc::new(b.0, b.1, DeviceId(b.2)).unwrap();
        prop_assert_eq!(a.cmp(&b), a.to_bytes().cmp(&b.to_bytes()));
        prop_assert_eq!(a.cmp(&b), a.to_text().cmp(&b.to_text()));
        prop_assert_eq!(Hlc::from_text(&a.to_text()).unwrap(), a);
    }
}
