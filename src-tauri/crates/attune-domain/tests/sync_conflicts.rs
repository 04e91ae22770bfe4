//! Conflicts of sync across laptops (issue 17, point 4), over real vault folders: a school
//! vault and two key adults' laptops, written through the domain's own functions.
//!
//! Oracles, none of them the conflict code's: the rows themselves (SQL on each vault),
//! `scope::digest` (a canonical hash of what a vault holds for a key adult), the words each
//! side typed (searched for in the listed conflicts and in the vaults), and the audit log.

mod common;
use common::*;

use attune_domain::model::{Profile, ReviewSignOff};
use attune_domain::planning::reviews;
use attune_domain::record::profile;
use attune_domain::transfer::conflicts::{self, ConflictChoice, ConflictKind, SyncConflict};
use attune_domain::transfer::{enrol, scope, sync};
use attune_domain::Error;
use attune_vault::{Passphrase, Vault};

const LAPTOP_PASS: &str = "violet harbour ginger tramline 58";

struct World {
    tmp: tempfile::TempDir,
    s: School,
    school: Vault,
    /// Grace Hopper's laptop (device 1) and Alan Turing's (device 2).
    laptops: Vec<Vault>,
    /// A pupil of each key adult, in the same order.
    pupils: Vec<i64>,
    /// Their plans' goal and draft review.
    reviews: Vec<(i64, i64)>,
    rng: rand_chacha::ChaCha20Rng,
}

impl World {
    fn new() -> World {
        let (s, mut school) = school();
        // Key adults sign their own reviews off in this school (the setting travels).
        reviews::set_review_sign_off(&mut school, ReviewSignOff::KeyAdult, now()).unwrap();
        let users = [s.ka1_id.clone(), s.ka2_id.clone()];
        let mut pupils = Vec::new();
        let mut revs = Vec::new();
        for (i, u) in users.iter().enumerate() {
            let p = add_assigned(
                &mut school,
                &pupil(&format!("Robin{i}"), "Conflict", None),
                u,
            );
            let (_, goal, review) = plan_with_review(&mut school, p);
            pupils.push(p);
            revs.push((goal, review));
        }
        let tmp = tempfile::tempdir().unwrap();
        let mut rng = rng(17);
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
            tmp,
            s,
            school,
            laptops,
            pupils,
            reviews: revs,
            rng,
        }
    }

    fn user(&self, l: usize) -> &str {
        if l == 0 {
            &self.s.ka1_id
        } else {
            &self.s.ka2_id
        }
    }

    fn up(&mut self, l: usize) -> sync::SyncReport {
        let (file, _) = sync::export(&mut self.laptops[l], None, &mut self.rng, now()).unwrap();
        sync::import(&mut self.school, &file, &mut self.rng, now()).unwrap()
    }

    fn down(&mut self, l: usize) -> sync::SyncReport {
        let (file, _) =
            sync::export(&mut self.school, Some((l + 1) as u16), &mut self.rng, now()).unwrap();
        sync::import(&mut self.laptops[l], &file, &mut self.rng, now()).unwrap()
    }

    /// Up and down twice: the second round carries what the first brought back.
    fn settle(&mut self, l: usize) {
        for _ in 0..2 {
            self.up(l);
            self.down(l);
        }
    }

    fn digests_agree(&self, l: usize) {
        let at_school = scope::digest(
            self.school.conn().unwrap(),
            scope::Scope::Caseload(self.user(l)),
        )
        .unwrap();
        let on_laptop = scope::digest(
            self.laptops[l].conn().unwrap(),
            scope::Scope::Caseload(self.user(l)),
        )
        .unwrap();
        assert_eq!(on_laptop.counts, at_school.counts, "laptop {l} rows");
        assert_eq!(
            on_laptop.hex(),
            at_school.hex(),
            "laptop {l} holds what the school does"
        );
    }
}

fn what_helps(v: &Vault, pupil: i64) -> String {
    v.conn()
        .unwrap()
        .query_row(
            "SELECT what_helps FROM profiles WHERE pupil_id = ?1",
            [pupil],
            |r| r.get(0),
        )
        .unwrap()
}

fn write_what_helps(v: &mut Vault, pupil: i64, text: &str) {
    profile::save_profile(
        v,
        pupil,
        &Profile {
            what_helps: text.into(),
            ..Profile::default()
        },
        now(),
    )
    .unwrap();
}

fn about(list: &[SyncConflict], words: &str) -> Vec<SyncConflict> {
    list.iter()
        .filter(|c| c.other.contains(words) || c.current.contains(words))
        .cloned()
        .collect()
}

/// Every audit entry's action, target and outcome, as text.
fn audit_text(v: &Vault) -> String {
    let conn = v.conn().unwrap();
    let mut stmt = conn
        .prepare("SELECT action || ' ' || coalesce(target, '') || ' ' || outcome FROM audit_log")
        .unwrap();
    let rows: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    rows.join("\n")
}

#[test]
fn a_field_edited_on_a_laptop_and_at_the_school_keeps_one_value_and_shows_the_other_once() {
    let mut w = World::new();
    let p = w.pupils[0];
    write_what_helps(&mut w.laptops[0], p, "Quiet corner with Marmalade the cat");
    write_what_helps(&mut w.school, p, "A walk round the Obsidian field");
    w.settle(0);

    // One value everywhere.
    let kept = what_helps(&w.school, p);
    assert_eq!(what_helps(&w.laptops[0], p), kept);
    w.digests_agree(0);
    let (winner, loser, loser_from) = if kept.contains("Marmalade") {
        ("Marmalade", "Obsidian", "the school vault")
    } else {
        ("Obsidian", "Marmalade", "Grace Hopper's laptop")
    };
    assert!(kept.contains(winner));

    // The other shown beside it, once, at the school, with where and when it was written.
    let list = conflicts::list(&w.school, now()).unwrap();
    assert_eq!(list.len(), 1, "{list:#?}");
    let c = &list[0];
    assert_eq!(c.kind, ConflictKind::Value);
    assert_eq!(c.pupil_id, Some(p));
    assert_eq!(c.pupil_name.as_deref(), Some("Robin0 Conflict"));
    assert_eq!(c.what, "What helps");
    assert!(c.current.contains(winner), "{c:?}");
    assert!(c.other.contains(loser), "{c:?}");
    assert_eq!(c.other_from, loser_from);
    assert_eq!(c.other_on, "2026-11-22");
    // The laptop shows it at most once too (where its own value lost), never the school's
    // side twice.
    let on_laptop = conflicts::list(&w.laptops[0], now()).unwrap();
    assert!(about(&on_laptop, loser).len() <= 1, "{on_laptop:#?}");
    assert!(on_laptop.iter().all(|c| c.other.contains(loser)));
    // Nothing of the words in the audit log, only that the list was seen.
    let audit = audit_text(&w.school);
    assert!(!audit.contains("Marmalade") && !audit.contains("Obsidian"));
    assert!(audit.contains("sync.conflicts"));
}

#[test]
fn taking_the_other_value_sends_it_to_the_other_replica_and_settles_the_conflict() {
    let mut w = World::new();
    let p = w.pupils[0];
    write_what_helps(&mut w.laptops[0], p, "Quiet corner with Marmalade the cat");
    write_what_helps(&mut w.school, p, "A walk round the Obsidian field");
    w.settle(0);
    let c = conflicts::list(&w.school, now()).unwrap().remove(0);
    let other = c.other.clone();

    conflicts::resolve(&mut w.school, c.id, ConflictChoice::TakeOther, now()).unwrap();
    assert_eq!(what_helps(&w.school, p), other);
    assert!(conflicts::list(&w.school, now()).unwrap().is_empty());
    // Audited with the choice, never the value.
    let audit = audit_text(&w.school);
    assert!(
        audit.contains(&format!(
            "sync.resolve pupil:{p}/conflict:{} took_other",
            c.id
        )),
        "{audit}"
    );
    assert!(!audit.contains("Marmalade") && !audit.contains("Obsidian"));

    // The next exchange carries it to the laptop like any edit.
    w.settle(0);
    assert_eq!(what_helps(&w.laptops[0], p), other);
    w.digests_agree(0);
    assert!(conflicts::list(&w.school, now()).unwrap().is_empty());
    // Settling a conflict twice is refused plainly.
    let e =
        conflicts::resolve(&mut w.school, c.id, ConflictChoice::KeepCurrent, now()).unwrap_err();
    assert!(matches!(e, Error::NotFound(_)), "{e:?}");
}

#[test]
fn keeping_the_current_value_changes_nothing_and_settles_the_conflict() {
    let mut w = World::new();
    let p = w.pupils[0];
    write_what_helps(&mut w.laptops[0], p, "Quiet corner with Marmalade the cat");
    write_what_helps(&mut w.school, p, "A walk round the Obsidian field");
    w.settle(0);
    let before = what_helps(&w.school, p);
    let c = conflicts::list(&w.school, now()).unwrap().remove(0);
    conflicts::resolve(&mut w.school, c.id, ConflictChoice::KeepCurrent, now()).unwrap();
    assert_eq!(what_helps(&w.school, p), before);
    assert!(conflicts::list(&w.school, now()).unwrap().is_empty());
    let (_, up) = sync::export(&mut w.school, Some(1), &mut w.rng, now()).unwrap();
    assert!(up.rows.is_empty(), "keeping sends nothing: {up:?}");
    assert!(audit_text(&w.school).contains(&format!("conflict:{} kept", c.id)));
}

#[test]
fn a_key_adult_never_sees_or_settles_a_conflict_of_another_adults_pupil() {
    let mut w = World::new();
    for l in 0..2 {
        let p = w.pupils[l];
        write_what_helps(&mut w.laptops[l], p, &format!("Laptop {l} says Periwinkle"));
        write_what_helps(&mut w.school, p, &format!("School says Tangerine {l}"));
        w.settle(l);
    }
    let all = conflicts::list(&w.school, now()).unwrap();
    assert_eq!(all.len(), 2, "{all:#?}");
    let theirs = all
        .iter()
        .find(|c| c.pupil_id == Some(w.pupils[1]))
        .unwrap()
        .id;

    // Grace Hopper at the school vault sees her pupil's conflict only.
    let dir = w.s.dir.clone();
    w.school.lock("test", now());
    let mut grace = unlock(&dir, &w.s.ka1_id, KA1_PASS);
    let seen = conflicts::list(&grace, now()).unwrap();
    assert_eq!(seen.len(), 1, "{seen:#?}");
    assert_eq!(seen[0].pupil_id, Some(w.pupils[0]));
    let e = conflicts::resolve(&mut grace, theirs, ConflictChoice::TakeOther, now()).unwrap_err();
    assert!(matches!(e, Error::NotPermitted(_)), "{e:?}");
    assert!(audit_text(&grace).contains(&format!(
        "sync.resolve pupil:{}/conflict:{theirs} refused",
        w.pupils[1]
    )));
    // Nothing changed for Alan Turing's pupil.
    let s: String = grace
        .conn()
        .unwrap()
        .query_row(
            "SELECT what_helps FROM profiles WHERE pupil_id = ?1",
            [w.pupils[1]],
            |r| r.get(0),
        )
        .unwrap();
    assert!(!s.is_empty());
    grace.lock("test", now());
    // And on her laptop, only her pupil's conflicts ever exist.
    for c in conflicts::list(&w.laptops[0], now()).unwrap() {
        assert_eq!(c.pupil_id, Some(w.pupils[0]));
    }
    let _ = &w.tmp;
}

fn review_row(v: &Vault, id: i64) -> (String, String, Option<String>) {
    v.conn()
        .unwrap()
        .query_row(
            "SELECT status, content, signed_by FROM reviews WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap()
}

fn count(v: &Vault, sql: &str, id: i64) -> i64 {
    v.conn()
        .unwrap()
        .query_row(sql, [id], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_second_sign_off_is_refused_at_the_school_shown_on_both_sides_and_loses_no_word() {
    let mut w = World::new();
    let (goal, review) = w.reviews[0];
    // On Grace Hopper's laptop: the review filled in, signed, and amended.
    reviews::save_review_draft(
        &mut w.laptops[0],
        review,
        &review_input(goal, "I liked the Saffron harbour trip", 4),
        now(),
    )
    .unwrap();
    reviews::sign_review(&mut w.laptops[0], review, now()).unwrap();
    reviews::amend_review(
        &mut w.laptops[0],
        review,
        "Spelling",
        "Saffron, not Safron",
        now(),
    )
    .unwrap();
    // At the school, before the files cross: the same review, signed by the lead.
    reviews::save_review_draft(
        &mut w.school,
        review,
        &review_input(goal, "School trips are fun, says Lanternmoth", 7),
        now(),
    )
    .unwrap();
    reviews::sign_review(&mut w.school, review, now()).unwrap();

    // The school takes the laptop's file (the rest of it: the amendment) and keeps its own
    // sign-off.
    let report = w.up(0);
    assert!(report.conflicts >= 1, "{report:?}");
    let (status, content, signed_by) = review_row(&w.school, review);
    assert_eq!(status, "signed");
    assert!(content.contains("Lanternmoth") && !content.contains("Saffron"));
    assert_eq!(signed_by.as_deref(), Some(w.s.lead_id.as_str()));
    assert_eq!(
        count(
            &w.school,
            "SELECT count(*) FROM review_amendments WHERE review_id = ?1",
            review
        ),
        1,
        "the laptop's amendment is added"
    );
    let at_school = conflicts::list(&w.school, now()).unwrap();
    let shown = about(&at_school, "Saffron harbour");
    assert_eq!(shown.len(), 1, "{at_school:#?}");
    let c = &shown[0];
    assert_eq!(c.kind, ConflictKind::SecondSignOff);
    assert_eq!(c.other_from, "Grace Hopper's laptop");
    assert_eq!(c.other_on, "2026-11-22");
    assert!(
        c.other.contains("I liked the Saffron harbour trip"),
        "{c:?}"
    );
    assert!(
        c.other
            .contains("Evidence: I liked the Saffron harbour trip"),
        "{c:?}"
    );
    assert!(c.current.contains("Lanternmoth"), "{c:?}");
    // A signed review is never changed by choosing.
    let e = conflicts::resolve(&mut w.school, c.id, ConflictChoice::TakeOther, now()).unwrap_err();
    assert!(matches!(e, Error::Invalid { .. }), "{e:?}");
    assert!(review_row(&w.school, review).1.contains("Lanternmoth"));

    // The laptop takes the school's sign-off in place of its own, keeps its amendment, and
    // shows its own version to its key adult.
    w.down(0);
    let (status, content, signed_by) = review_row(&w.laptops[0], review);
    assert_eq!(status, "signed");
    assert!(content.contains("Lanternmoth"), "{content}");
    assert_eq!(signed_by.as_deref(), Some(w.s.lead_id.as_str()));
    assert_eq!(
        count(
            &w.laptops[0],
            "SELECT count(*) FROM review_amendments WHERE review_id = ?1",
            review
        ),
        1
    );
    let on_laptop = conflicts::list(&w.laptops[0], now()).unwrap();
    let mine = about(&on_laptop, "Saffron harbour");
    assert_eq!(mine.len(), 1, "{on_laptop:#?}");
    assert_eq!(mine[0].kind, ConflictKind::SecondSignOff);
    assert_eq!(mine[0].other_from, "this laptop");
    assert!(mine[0]
        .other
        .contains("Evidence: I liked the Saffron harbour trip"));
    let e = conflicts::resolve(
        &mut w.laptops[0],
        mine[0].id,
        ConflictChoice::TakeOther,
        now(),
    )
    .unwrap_err();
    assert!(matches!(e, Error::Invalid { .. }), "{e:?}");

    // A final exchange: both sides hold the same, nothing more is refused, and the review is
    // still immutable to an ordinary write on the laptop.
    w.settle(0);
    w.digests_agree(0);
    assert_eq!(
        about(
            &conflicts::list(&w.school, now()).unwrap(),
            "Saffron harbour"
        )
        .len(),
        1
    );
    let e = w.laptops[0]
        .conn()
        .unwrap()
        .execute("UPDATE reviews SET content = '{}' WHERE id = ?1", [review])
        .unwrap_err();
    assert!(
        e.to_string().contains("a signed review cannot be changed"),
        "{e}"
    );
    let relay: i64 = w.laptops[0]
        .conn()
        .unwrap()
        .query_row("SELECT count(*) FROM sync_signed_relay", [], |r| r.get(0))
        .unwrap();
    assert_eq!(relay, 0, "nothing of the relay's opening is ever committed");
    // Keeping it settles it.
    conflicts::resolve(
        &mut w.laptops[0],
        mine[0].id,
        ConflictChoice::KeepCurrent,
        now(),
    )
    .unwrap();
    assert!(about(
        &conflicts::list(&w.laptops[0], now()).unwrap(),
        "Saffron harbour"
    )
    .is_empty());
}

#[test]
fn a_draft_edited_on_a_laptop_while_the_school_signs_it_is_kept_and_the_signed_review_stands() {
    let mut w = World::new();
    let (goal, review) = w.reviews[0];
    reviews::save_review_draft(
        &mut w.laptops[0],
        review,
        &review_input(goal, "Draft words about Quillfeather", 3),
        now(),
    )
    .unwrap();
    reviews::save_review_draft(
        &mut w.school,
        review,
        &review_input(goal, "Signed words about Brindlemoss", 8),
        now(),
    )
    .unwrap();
    reviews::sign_review(&mut w.school, review, now()).unwrap();
    w.settle(0);
    w.digests_agree(0);
    for v in [&w.school, &w.laptops[0]] {
        let (status, content, _) = review_row(v, review);
        assert_eq!(status, "signed");
        assert!(content.contains("Brindlemoss") && !content.contains("Quillfeather"));
    }
    // The draft's words are kept in a conflict (at the school, where they were refused, or on
    // the laptop, where the school's sign-off replaced them).
    let mut everywhere = conflicts::list(&w.school, now()).unwrap();
    everywhere.extend(conflicts::list(&w.laptops[0], now()).unwrap());
    let kept = about(&everywhere, "Draft words about Quillfeather");
    assert!(!kept.is_empty(), "{everywhere:#?}");
    assert!(kept
        .iter()
        .all(|c| c.kind != ConflictKind::Value || c.what.starts_with("Review")));
}

#[test]
fn a_conflict_whose_record_was_erased_is_not_listed() {
    let mut w = World::new();
    let p = w.pupils[0];
    write_what_helps(&mut w.laptops[0], p, "Quiet corner with Marmalade the cat");
    write_what_helps(&mut w.school, p, "A walk round the Obsidian field");
    w.up(0);
    let c = conflicts::list(&w.school, now()).unwrap();
    assert_eq!(c.len(), 1);
    w.school
        .conn()
        .unwrap()
        .execute("DELETE FROM profiles WHERE pupil_id = ?1", [p])
        .unwrap();
    assert!(conflicts::list(&w.school, now()).unwrap().is_empty());
    let e =
        conflicts::resolve(&mut w.school, c[0].id, ConflictChoice::TakeOther, now()).unwrap_err();
    assert!(matches!(e, Error::Invalid { .. }), "{e:?}");
}
