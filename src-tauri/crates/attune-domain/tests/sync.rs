//! Sync across laptops over real vault folders (issue 17): a school vault and two key adults'
//! laptops, written through the domain's own functions (sessions, "about me", reassignments by
//! the lead, reviews signed off on a laptop and at the school — sometimes the same review on
//! both before the files cross), syncing in random order with files lost and files imported
//! twice.
//!
//! Oracles, none of them the sync code's: after a final round each laptop's
//! `scope::digest` (a canonical SQL hash of its rows) equals the school's digest for its key
//! adult; every session written anywhere is at the school, once; and nothing that was captured
//! is captured again (a quiet round writes files that carry nothing); every signed review's
//! words are at the school, in the review that stands or in a conflict kept beside it.

mod common;
use common::*;

use attune_domain::model::{Profile, ReviewSignOff, SessionInput, SessionKind};
use attune_domain::planning::reviews;
use attune_domain::record::{profile, pupils, records};
use attune_domain::transfer::{enrol, scope, sync};
use attune_vault::{Passphrase, Vault};
use proptest::prelude::*;

const LAPTOP_PASS: &str = "violet harbour ginger tramline 58";

#[derive(Debug, Clone)]
enum Op {
    /// Laptop `l` (0 or 1) logs a session for the `k`-th pupil it holds.
    LaptopSession { l: usize, k: usize },
    /// The lead logs a session for pupil `k` at the school.
    SchoolSession { k: usize },
    /// Laptop `l` writes "what helps" for its `k`-th pupil.
    LaptopProfile { l: usize, k: usize, v: u8 },
    /// The lead writes it at the school.
    SchoolProfile { k: usize, v: u8 },
    /// The lead gives pupil `k` to key adult `to`.
    Reassign { k: usize, to: usize },
    /// Laptop `l` fills in and signs off the review of its `k`-th pupil (if still a draft there).
    LaptopSign { l: usize, k: usize },
    /// The lead fills in and signs off pupil `k`'s review at the school (if still a draft).
    SchoolSign { k: usize },
    /// Laptop `l` and the lead both sign off the review of the laptop's `k`-th pupil, each with
    /// their own words, before any file crosses (where it is still a draft on each side).
    BothSign { l: usize, k: usize },
    /// Laptop `l` writes a file; `lost`: it never reaches the school.
    Up { l: usize, lost: bool },
    /// The school writes a file for laptop `l`; `lost`, or imported `twice`.
    Down { l: usize, lost: bool, twice: bool },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0usize..2, any::<usize>()).prop_map(|(l, k)| Op::LaptopSession { l, k }),
        2 => any::<usize>().prop_map(|k| Op::SchoolSession { k }),
        2 => (0usize..2, any::<usize>(), any::<u8>()).prop_map(|(l, k, v)| Op::LaptopProfile { l, k, v }),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(k, v)| Op::SchoolProfile { k, v }),
        1 => (any::<usize>(), 0usize..2).prop_map(|(k, to)| Op::Reassign { k, to }),
        1 => (0usize..2, any::<usize>()).prop_map(|(l, k)| Op::LaptopSign { l, k }),
        1 => any::<usize>().prop_map(|k| Op::SchoolSign { k }),
        1 => (0usize..2, any::<usize>()).prop_map(|(l, k)| Op::BothSign { l, k }),
        3 => (0usize..2, proptest::bool::weighted(0.2)).prop_map(|(l, lost)| Op::Up { l, lost }),
        3 => (0usize..2, proptest::bool::weighted(0.2), proptest::bool::weighted(0.2))
            .prop_map(|(l, lost, twice)| Op::Down { l, lost, twice }),
    ]
}

struct World {
    _tmp: tempfile::TempDir,
    /// The school's folder lives as long as this.
    _s: School,
    school: Vault,
    laptops: Vec<Vault>,
    users: Vec<String>,
    pupils: Vec<i64>,
    /// Each pupil's goal and review (same order as `pupils`).
    reviews: Vec<(i64, i64)>,
    notes: Vec<String>,
    /// The pupil's voice of every review signed anywhere.
    signed: Vec<String>,
    n: u64,
    rng: rand_chacha::ChaCha20Rng,
}

fn session(v: &mut Vault, pupil: i64, note: &str) -> bool {
    records::log_session(
        v,
        pupil,
        &SessionInput {
            held_on: today(),
            minutes: 20,
            kind: SessionKind::CheckIn,
            regulation: Some(5),
            note: note.into(),
            safeguarding_ref: None,
        },
        now(),
    )
    .is_ok()
}

fn held(v: &Vault) -> Vec<i64> {
    v.conn()
        .unwrap()
        .prepare("SELECT id FROM pupils ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect()
}

/// Fills in and signs off a review, if it is still a draft on `v`.
fn sign(v: &mut Vault, (goal, review): (i64, i64), voice: &str) -> bool {
    let signed: String = v
        .conn()
        .unwrap()
        .query_row("SELECT status FROM reviews WHERE id = ?1", [review], |r| {
            r.get(0)
        })
        .unwrap();
    if signed == "signed" {
        return false;
    }
    reviews::save_review_draft(v, review, &review_input(goal, voice, 5), now()).unwrap();
    reviews::sign_review(v, review, now()).unwrap();
    true
}

impl World {
    fn new() -> World {
        let (s, mut school) = school();
        // Key adults sign their reviews off in this school: a review may be signed on a
        // laptop and at the school.
        reviews::set_review_sign_off(&mut school, ReviewSignOff::KeyAdult, now()).unwrap();
        let users = vec![s.ka1_id.clone(), s.ka2_id.clone()];
        let mut pupils = Vec::new();
        let mut revs = Vec::new();
        for i in 0..6 {
            let p = add_assigned(
                &mut school,
                &pupil(&format!("Pupil{i}"), "Sync", None),
                &users[i % 2],
            );
            session(&mut school, p, &format!("Before enrolment {i}"));
            let (_, goal, review) = plan_with_review(&mut school, p);
            pupils.push(p);
            revs.push((goal, review));
        }
        let tmp = tempfile::tempdir().unwrap();
        let mut rng = rng(40);
        let mut laptops = Vec::new();
        for (l, u) in users.iter().enumerate() {
            let e = enrol::enrol_laptop(&mut school, u, &mut rng, now()).unwrap();
            let (mut lv, _) = Vault::join(
                &tmp.path().join(format!("laptop{l}")),
                &e.bytes,
                e.passphrase.expose(),
                &Passphrase::new(LAPTOP_PASS),
                &mut rng,
                now(),
            )
            .unwrap();
            sync::start(&mut lv, &mut rng).unwrap();
            laptops.push(lv);
        }
        World {
            _tmp: tmp,
            _s: s,
            school,
            laptops,
            users,
            pupils,
            reviews: revs,
            notes: Vec::new(),
            signed: Vec::new(),
            n: 0,
            rng,
        }
    }

    fn note(&mut self, what: &str) -> String {
        self.n += 1;
        format!("{what} {}", self.n)
    }

    fn up(&mut self, l: usize, lost: bool) {
        let (file, _) = sync::export(&mut self.laptops[l], None, &mut self.rng, now()).unwrap();
        if !lost {
            sync::import(&mut self.school, &file, &mut self.rng, now()).unwrap();
        }
    }

    fn down(&mut self, l: usize, lost: bool, twice: bool) {
        let device = (l + 1) as u16;
        let (file, _) = sync::export(&mut self.school, Some(device), &mut self.rng, now()).unwrap();
        if lost {
            return;
        }
        let first = sync::import(&mut self.laptops[l], &file, &mut self.rng, now()).unwrap();
        assert!(!first.already_imported);
        // Straight after a file from the school, the laptop holds exactly its key adult's
        // caseload as the school has it (read here by SQL, not by the sync code): no pupil
        // moved away stays on it, and none moved back is missing.
        let caseload: Vec<i64> = self
            .school
            .conn()
            .unwrap()
            .prepare("SELECT id FROM pupils WHERE key_adult_id = ?1 ORDER BY id")
            .unwrap()
            .query_map([&self.users[l]], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(
            held(&self.laptops[l]),
            caseload,
            "laptop {l} after a file from the school"
        );
        if twice {
            let again = sync::import(&mut self.laptops[l], &file, &mut self.rng, now()).unwrap();
            assert!(again.already_imported);
        }
    }

    fn run(&mut self, op: &Op) {
        match *op {
            Op::LaptopSession { l, k } => {
                let on = held(&self.laptops[l]);
                if on.is_empty() {
                    return;
                }
                let note = self.note("Laptop session");
                if session(&mut self.laptops[l], on[k % on.len()], &note) {
                    self.notes.push(note);
                }
            }
            Op::SchoolSession { k } => {
                let note = self.note("School session");
                let p = self.pupils[k % self.pupils.len()];
                assert!(session(&mut self.school, p, &note));
                self.notes.push(note);
            }
            Op::LaptopProfile { l, k, v } => {
                let on = held(&self.laptops[l]);
                if on.is_empty() {
                    return;
                }
                let what = self.note(&format!("laptop {l} says {v}"));
                let _ = profile::save_profile(
                    &mut self.laptops[l],
                    on[k % on.len()],
                    &Profile {
                        what_helps: what,
                        ..Profile::default()
                    },
                    now(),
                );
            }
            Op::SchoolProfile { k, v } => {
                let what = self.note(&format!("the lead says {v}"));
                let p = self.pupils[k % self.pupils.len()];
                profile::save_profile(
                    &mut self.school,
                    p,
                    &Profile {
                        what_helps: what,
                        ..Profile::default()
                    },
                    now(),
                )
                .unwrap();
            }
            Op::Reassign { k, to } => {
                let p = self.pupils[k % self.pupils.len()];
                let u = self.users[to].clone();
                pupils::assign_key_adult(&mut self.school, p, Some(&u), today(), now()).unwrap();
            }
            Op::LaptopSign { l, k } => {
                let on = held(&self.laptops[l]);
                if on.is_empty() {
                    return;
                }
                let p = on[k % on.len()];
                let i = self.pupils.iter().position(|x| *x == p).unwrap();
                let voice = format!("{}!", self.note(&format!("laptop {l} signs")));
                if sign(&mut self.laptops[l], self.reviews[i], &voice) {
                    self.signed.push(voice);
                }
            }
            Op::SchoolSign { k } => {
                let i = k % self.pupils.len();
                let voice = format!("{}!", self.note("the lead signs"));
                if sign(&mut self.school, self.reviews[i], &voice) {
                    self.signed.push(voice);
                }
            }
            Op::BothSign { l, k } => {
                let on = held(&self.laptops[l]);
                if on.is_empty() {
                    return;
                }
                let p = on[k % on.len()];
                let i = self.pupils.iter().position(|x| *x == p).unwrap();
                let voice = format!("{}!", self.note(&format!("laptop {l} signs too")));
                if sign(&mut self.laptops[l], self.reviews[i], &voice) {
                    self.signed.push(voice);
                }
                let voice = format!("{}!", self.note("the lead signs too"));
                if sign(&mut self.school, self.reviews[i], &voice) {
                    self.signed.push(voice);
                }
            }
            Op::Up { l, lost } => self.up(l, lost),
            Op::Down { l, lost, twice } => self.down(l, lost, twice),
        }
    }
}

fn check(ops: Vec<Op>) -> std::result::Result<(), TestCaseError> {
    let mut w = World::new();
    for op in &ops {
        w.run(op);
    }
    // The final round, twice (the second carries what the first brought back).
    for _ in 0..2 {
        for l in 0..2 {
            w.up(l, false);
        }
        for l in 0..2 {
            w.down(l, false, false);
        }
    }
    for l in 0..2 {
        let at_school = scope::digest(
            w.school.conn().unwrap(),
            scope::Scope::Caseload(&w.users[l]),
        )
        .unwrap();
        let on_laptop = scope::digest(
            w.laptops[l].conn().unwrap(),
            scope::Scope::Caseload(&w.users[l]),
        )
        .unwrap();
        prop_assert_eq!(&on_laptop.counts, &at_school.counts, "laptop {} rows", l);
        prop_assert_eq!(
            on_laptop.hex(),
            at_school.hex(),
            "laptop {} holds its caseload as the school does",
            l
        );
    }
    for note in &w.notes {
        let n: i64 = w
            .school
            .conn()
            .unwrap()
            .query_row(
                "SELECT count(*) FROM sessions WHERE note = ?1",
                [note],
                |r| r.get(0),
            )
            .unwrap();
        prop_assert_eq!(n, 1, "{} at the school", note);
    }
    // No word of a sign-off lost: each is in the review that stands at the school, or kept in
    // a conflict beside it (at the school, or on the laptop whose sign-off was replaced).
    for voice in &w.signed {
        let like = format!("%{voice}%");
        let mut found: i64 = w
            .school
            .conn()
            .unwrap()
            .query_row(
                "SELECT (SELECT count(*) FROM reviews WHERE content LIKE ?1)
                      + (SELECT count(*) FROM sync_conflicts WHERE lost LIKE ?1)",
                [&like],
                |r| r.get(0),
            )
            .unwrap();
        for l in &w.laptops {
            found += l
                .conn()
                .unwrap()
                .query_row(
                    "SELECT count(*) FROM sync_conflicts WHERE lost LIKE ?1",
                    [&like],
                    |r| r.get(0),
                )
                .unwrap_or(0i64);
        }
        prop_assert!(found >= 1, "{} lost", voice);
    }
    // A quiet round: nothing left to carry either way.
    for l in 0..2 {
        let (_, up) = sync::export(&mut w.laptops[l], None, &mut w.rng, now()).unwrap();
        prop_assert!(up.rows.is_empty(), "laptop {} sends again {:?}", l, up.rows);
        let (_, down) =
            sync::export(&mut w.school, Some((l + 1) as u16), &mut w.rng, now()).unwrap();
        prop_assert!(
            down.rows.is_empty() && down.pupils_added == 0,
            "the school sends again {:?}",
            down
        );
    }
    Ok(())
}

proptest! {
    // Six cases in the suite (each makes three vaults); SYNC_CASES=N for a longer hunt.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("SYNC_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(6),
        ..ProptestConfig::default()
    })]

    #[test]
    fn a_school_and_two_laptops_converge_through_sync_files(ops in proptest::collection::vec(op(), 1..30)) {
        check(ops)?;
    }
}

// Cases found by the random test (and kept here by hand, so they run whatever the seed file
// holds). Pupil 0 starts with laptop 0's key adult.

/// Moved off a laptop and back between two of its files, with no file from the laptop in
/// between: the school still believed the laptop held the pupil, so neither took their record
/// in again nor left it, and relayed the reassignment to rows the laptop had removed ("a
/// change edits a record of assignments this vault does not hold").
#[test]
fn a_pupil_moved_away_and_back_between_two_files_comes_back_whole() {
    check(vec![
        Op::Down {
            l: 0,
            lost: false,
            twice: false,
        },
        Op::Up { l: 0, lost: false },
        Op::Reassign { k: 0, to: 1 },
        Op::Down {
            l: 0,
            lost: false,
            twice: false,
        },
        Op::Reassign { k: 0, to: 0 },
        Op::SchoolProfile { k: 0, v: 1 },
        Op::Down {
            l: 0,
            lost: false,
            twice: false,
        },
        Op::LaptopSession { l: 0, k: 0 },
    ])
    .unwrap();
}

/// Taken in by one file and moved away before the laptop wrote back: the next file must
/// still remove them (the school had not yet heard the laptop held them). Pupil 1 starts with
/// laptop 1's key adult, so laptop 0 was enrolled without them.
#[test]
fn a_pupil_taken_in_and_moved_away_before_the_laptop_writes_back_is_removed() {
    check(vec![
        Op::Reassign { k: 1, to: 0 },
        Op::Down {
            l: 0,
            lost: false,
            twice: false,
        },
        Op::Reassign { k: 1, to: 1 },
        Op::Down {
            l: 0,
            lost: false,
            twice: false,
        },
    ])
    .unwrap();
}

/// The file that removed the pupil was lost, and the pupil came back before the next one:
/// the laptop still holds them, and the next file takes them in again harmlessly.
#[test]
fn a_lost_file_that_removed_a_pupil_who_came_back_changes_nothing() {
    check(vec![
        Op::Down {
            l: 0,
            lost: false,
            twice: false,
        },
        Op::Up { l: 0, lost: false },
        Op::Reassign { k: 0, to: 1 },
        Op::Down {
            l: 0,
            lost: true,
            twice: false,
        },
        Op::Reassign { k: 0, to: 0 },
        Op::LaptopSession { l: 0, k: 0 },
        Op::Up { l: 0, lost: false },
        Op::SchoolSession { k: 0 },
        Op::Down {
            l: 0,
            lost: false,
            twice: false,
        },
    ])
    .unwrap();
}
