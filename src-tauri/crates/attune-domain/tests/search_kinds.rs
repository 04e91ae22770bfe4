//! Issue 16, item 5: search finds any word a person wrote anywhere they may read it — every
//! text section of a review and a signed review's amendments, "about me", outside-agency
//! advice, the TouchBase team and supervision notes — and nothing they may not read.
//! Everything is written through the domain functions; the expected kinds and ids are the ones
//! those functions returned.

mod common;
use common::*;

use attune_domain::lead::supervision::{self, SupervisionKind, SupervisionNoteInput};
use attune_domain::model::*;
use attune_domain::planning::{plans, reviews};
use attune_domain::record::{profile, records, search};
use attune_domain::transfer::retention;
use attune_vault::Vault;

/// A hit as (kind, pupil, record).
type Hit = (HitKind, Option<i64>, i64);

/// Every hit for `word`.
fn find(v: &Vault, word: &str) -> Vec<Hit> {
    search::search(v, word, 50, now())
        .unwrap()
        .into_iter()
        .map(|h| (h.kind, h.pupil_id, h.record_id))
        .collect()
}

fn one(v: &Vault, word: &str) -> SearchHit {
    let mut hits = search::search(v, word, 50, now()).unwrap();
    assert_eq!(hits.len(), 1, "{word}: {hits:?}");
    hits.remove(0)
}

struct Written {
    mine: i64,
    plan: i64,
    review: i64,
    advice: i64,
    team_member: i64,
    note_ka1: i64,
    note_ka2: i64,
}

/// As the lead: a pupil of key adult 1 with a review (signed, amended), "about me", advice and
/// a team, each with its own made-up word; a supervision note about each key adult.
fn write_everything(v: &mut Vault, s: &School) -> Written {
    let mine = add_assigned(v, &pupil("Mia", "Jones", None), &s.ka1_id);
    add_assigned(v, &pupil("Leo", "Hart", None), &s.ka2_id);

    profile::save_profile(
        v,
        mine,
        &Profile {
            strengths_interests: "Draws Quokkaville maps".into(),
            developmental_age_notes: "Younger than her years with Brackenfold games".into(),
            ..Profile::default()
        },
        now(),
    )
    .unwrap();
    let advice = profile::add_agency_advice(
        v,
        mine,
        &AgencyAdviceInput {
            agency: AgencyKind::EducationalPsychologist,
            source: "Dr Brambleworth".into(),
            advised_on: attune_domain::date!(2026 - 10 - 01),
            advice: "Offer Xylocarp breaks before lunch".into(),
        },
        now(),
    )
    .unwrap();
    let team = profile::set_team(
        v,
        mine,
        &[TeamMemberInput {
            name: "Mrs Fennimore".into(),
            role: "Class teacher".into(),
        }],
        now(),
    )
    .unwrap();

    let (plan, goal, review) = plan_with_review(v, mine);
    let mut input = review_input(goal, "I like Zanzibarite club", 5);
    input.worried_about = "Cumbersnatch at home time".into();
    input.attendees.push(AttendeeInput {
        name: "Mr Oddlethorpe".into(),
        role: "Virtual school head".into(),
        scaling: None,
    });
    reviews::save_review_draft(v, review, &input, now()).unwrap();
    reviews::sign_review(v, review, now()).unwrap();
    reviews::amend_review(v, review, "A word was missed", "Also Gloamingtide", now()).unwrap();

    let note = |v: &mut Vault, ka: &str, notes: &str, actions: &str| {
        supervision::record_supervision_note(
            v,
            &SupervisionNoteInput {
                held_on: today(),
                kind: SupervisionKind::Supervision,
                key_adult_id: ka.to_string(),
                pupil_ids: Vec::new(),
                notes: notes.into(),
                actions: actions.into(),
            },
            today(),
            now(),
        )
        .unwrap()
        .id
    };
    let note_ka1 = note(
        v,
        &s.ka1_id,
        "Talked about Plinthwhistle",
        "Read Vexillary notes",
    );
    let note_ka2 = note(v, &s.ka2_id, "Talked about Ombrellino", "");
    Written {
        mine,
        plan,
        review,
        advice,
        team_member: team[0].id,
        note_ka1,
        note_ka2,
    }
}

/// The words of `w`'s pupil and key adult 1's supervision note, with the hit each must give.
fn expected(w: &Written) -> Vec<(&'static str, Hit)> {
    let m = Some(w.mine);
    vec![
        ("Quokkaville", (HitKind::AboutMe, m, w.mine)),
        ("Brackenfold", (HitKind::AboutMe, m, w.mine)),
        ("Brambleworth", (HitKind::Advice, m, w.advice)),
        ("Xylocarp", (HitKind::Advice, m, w.advice)),
        ("Fennimore", (HitKind::TeamMember, m, w.team_member)),
        // The pupil's voice, a goal's evidence, Signs of Safety, an attendee and their role.
        ("Zanzibarite", (HitKind::Review, m, w.review)),
        ("Cumbersnatch", (HitKind::Review, m, w.review)),
        ("Oddlethorpe", (HitKind::Review, m, w.review)),
        ("Gloamingtide", (HitKind::ReviewAmendment, m, w.review)),
        (
            "Plinthwhistle",
            (HitKind::SupervisionNote, None, w.note_ka1),
        ),
        ("Vexillary", (HitKind::SupervisionNote, None, w.note_ka1)),
    ]
}

#[test]
fn each_kind_is_found_by_those_who_may_read_it_and_no_one_else() {
    let (s, mut v) = school();
    let w = write_everything(&mut v, &s);

    // The lead reads everything.
    for (word, hit) in expected(&w) {
        assert_eq!(find(&v, word), vec![hit], "{word}, as the lead");
    }
    assert_eq!(
        find(&v, "Ombrellino"),
        vec![(HitKind::SupervisionNote, None, w.note_ka2)]
    );
    // What says which record: the review's date, who advised, whom a note is about.
    // A signed review is named by the day it was held (signed off today), a draft by its due date.
    let r = one(&v, "Gloamingtide");
    assert_eq!(r.date, Some(today().to_string()));
    assert_eq!(r.pupil_name, "Mia Jones");
    let a = one(&v, "Xylocarp");
    assert_eq!(
        (a.date.as_deref(), a.source.as_deref()),
        (Some("2026-10-01"), Some("Dr Brambleworth"))
    );
    assert_eq!(
        a.snippet,
        "Dr Brambleworth Offer [Xylocarp] breaks before lunch"
    );
    let n = one(&v, "Plinthwhistle");
    assert_eq!(n.pupil_name, "");
    assert_eq!(
        n.key_adult,
        Some(UserRef {
            id: s.ka1_id.clone(),
            name: "Grace Hopper".into()
        })
    );
    assert_eq!(n.date, Some(today().to_string()));
    // The review's JSON keys and codes are not words anyone wrote.
    for word in ["worried", "voice", "belonging", "continue", "scaling"] {
        assert_eq!(find(&v, word), vec![], "{word}");
    }
    v.lock("test", now());

    // The key adult the pupil and the note belong to reads them all, not the other note.
    let ka1 = unlock(&s.dir, &s.ka1_id, KA1_PASS);
    for (word, hit) in expected(&w) {
        assert_eq!(find(&ka1, word), vec![hit], "{word}, as their key adult");
    }
    assert_eq!(find(&ka1, "Ombrellino"), vec![]);
    ka1.lock("test", now());

    // Another key adult reads none of it: only the note about them.
    let ka2 = unlock(&s.dir, &s.ka2_id, KA2_PASS);
    for (word, _) in expected(&w) {
        assert_eq!(find(&ka2, word), vec![], "{word}, as another key adult");
    }
    assert_eq!(
        find(&ka2, "Ombrellino"),
        vec![(HitKind::SupervisionNote, None, w.note_ka2)]
    );
}

#[test]
fn edits_deletions_and_erasure_keep_the_index_in_step() {
    let (s, mut v) = school();
    let w = write_everything(&mut v, &s);

    // "About me" rewritten: the old word goes, the new one is found.
    profile::save_profile(
        &mut v,
        w.mine,
        &Profile {
            strengths_interests: "Draws Tessellate maps".into(),
            ..Profile::default()
        },
        now(),
    )
    .unwrap();
    assert_eq!(find(&v, "Quokkaville"), vec![]);
    assert_eq!(find(&v, "Brackenfold"), vec![]);
    assert_eq!(
        find(&v, "Tessellate"),
        vec![(HitKind::AboutMe, Some(w.mine), w.mine)]
    );

    // The team replaced: the old member goes, the new one is found.
    let team = profile::set_team(
        &mut v,
        w.mine,
        &[TeamMemberInput {
            name: "Mr Quillfeather".into(),
            role: "SENCo".into(),
        }],
        now(),
    )
    .unwrap();
    assert_eq!(find(&v, "Fennimore"), vec![]);
    assert_eq!(
        find(&v, "Quillfeather"),
        vec![(HitKind::TeamMember, Some(w.mine), team[0].id)]
    );
    profile::set_team(&mut v, w.mine, &[], now()).unwrap();
    assert_eq!(find(&v, "Quillfeather"), vec![]);

    // Advice deleted.
    profile::delete_agency_advice(&mut v, w.advice, now()).unwrap();
    assert_eq!(find(&v, "Xylocarp"), vec![]);
    assert_eq!(find(&v, "Brambleworth"), vec![]);

    // A draft review rewritten: the plan's next review.
    let due = plans::get_plan(&v, w.plan, &frameworks(), today(), now())
        .unwrap()
        .due_dates[1]
        .date;
    let draft = reviews::prepare_review(&mut v, w.plan, due, today(), now()).unwrap();
    let mut input = ReviewInput {
        next_steps: "Try Marzipanic cards".into(),
        ..ReviewInput::default()
    };
    reviews::save_review_draft(&mut v, draft.id, &input, now()).unwrap();
    assert_eq!(
        find(&v, "Marzipanic"),
        vec![(HitKind::Review, Some(w.mine), draft.id)]
    );
    input.next_steps = "Try Pomegranity cards".into();
    reviews::save_review_draft(&mut v, draft.id, &input, now()).unwrap();
    assert_eq!(find(&v, "Marzipanic"), vec![]);
    assert_eq!(
        find(&v, "Pomegranity"),
        vec![(HitKind::Review, Some(w.mine), draft.id)]
    );

    // Erasing the pupil takes every row of theirs out of the index; the supervision notes,
    // which are nobody's record, stay.
    retention::erase_on_request(&mut v, w.mine, "Added in error", now()).unwrap();
    for word in [
        "Tessellate",
        "Zanzibarite",
        "Cumbersnatch",
        "Oddlethorpe",
        "Gloamingtide",
        "Pomegranity",
        "Mia",
    ] {
        assert_eq!(find(&v, word), vec![], "{word} after erasure");
    }
    let left: i64 = v
        .conn()
        .unwrap()
        .query_row(
            "SELECT count(*) FROM search_index WHERE pupil_id = ?1",
            [w.mine],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0);
    assert_eq!(
        find(&v, "Plinthwhistle"),
        vec![(HitKind::SupervisionNote, None, w.note_ka1)]
    );
}

/// The migration numbers every row afresh and fills the index from the tables: running it
/// again over a vault with every kind gives the same index, row for row.
#[test]
fn the_migration_rebuilds_the_index_from_the_tables() {
    let (s, mut v) = school();
    let w = write_everything(&mut v, &s);
    type Row = (i64, String, Option<i64>, Option<String>);
    let rows = |v: &Vault| -> Vec<Row> {
        let conn = v.conn().unwrap();
        let mut stmt = conn
            .prepare("SELECT rowid, body, pupil_id, key_adult_id FROM search_index ORDER BY rowid")
            .unwrap();
        let out = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        out
    };
    let before = rows(&v);
    // Two pupils' names, the goal, the review, its amendment, "about me", the advice, the
    // team member and two supervision notes: ten rows, numbered id * 16 + kind.
    assert_eq!(before.len(), 10);
    let ids: Vec<i64> = before.iter().map(|r| r.0).collect();
    for rowid in [
        w.mine * 16,
        w.review * 16 + 4,
        w.mine * 16 + 6,
        w.advice * 16 + 7,
        w.team_member * 16 + 8,
        w.note_ka1 * 16 + 9,
        w.note_ka2 * 16 + 9,
    ] {
        assert!(ids.contains(&rowid), "{rowid} in {ids:?}");
    }
    let mut kinds: Vec<i64> = ids.iter().map(|r| r % 16).collect();
    kinds.sort_unstable();
    assert_eq!(kinds, vec![0, 0, 1, 4, 5, 6, 7, 8, 9, 9]);
    // Supervision rows belong to no pupil, and say whom they are about.
    let note = before.iter().find(|r| r.0 == w.note_ka1 * 16 + 9).unwrap();
    assert_eq!((note.2, note.3.as_deref()), (None, Some(s.ka1_id.as_str())));

    let sql = attune_vault::db::MIGRATIONS
        .iter()
        .find(|(name, _)| *name == "0022_search_kinds")
        .expect("migration 0022 is listed")
        .1;
    v.conn_mut().unwrap().execute_batch(sql).unwrap();
    assert_eq!(rows(&v), before);
    for (word, hit) in expected(&w) {
        assert_eq!(find(&v, word), vec![hit], "{word}, after the rebuild");
    }
}

/// A word in more rows than are ranked (`search::RANKED`): the pupil it names still comes
/// first, the list is still full, and a key adult still finds only their own rows, all of them.
#[test]
fn a_common_word_is_still_found_names_first_and_only_where_it_may_be_read() {
    let (s, mut v) = school();
    let mine = add_assigned(&mut v, &pupil("Legolas", "Green", None), &s.ka1_id);
    let theirs = add_assigned(&mut v, &pupil("Leo", "Hart", None), &s.ka2_id);
    let session = |v: &mut Vault, pupil_id: i64, n: usize| {
        records::log_session(
            v,
            pupil_id,
            &SessionInput {
                held_on: today(),
                minutes: 20,
                kind: SessionKind::Planned,
                regulation: None,
                note: format!("Built a lego tower, number {n}"),
                safeguarding_ref: None,
            },
            now(),
        )
        .unwrap()
        .id
    };
    let common = search::RANKED as usize + 20;
    for n in 0..common {
        session(&mut v, mine, n);
    }
    let their_sessions: Vec<i64> = (0..7).map(|n| session(&mut v, theirs, n)).collect();

    let hits = find(&v, "lego");
    assert_eq!(hits.len(), 50);
    assert_eq!(
        hits[0],
        (HitKind::Pupil, Some(mine), mine),
        "the name first"
    );
    assert!(hits[1..].iter().all(|h| h.0 == HitKind::SessionNote));
    v.lock("test", now());

    let ka2 = unlock(&s.dir, &s.ka2_id, KA2_PASS);
    let mut found: Vec<i64> = find(&ka2, "lego")
        .into_iter()
        .map(|(kind, pupil, id)| {
            assert_eq!((kind, pupil), (HitKind::SessionNote, Some(theirs)));
            id
        })
        .collect();
    found.sort_unstable();
    assert_eq!(found, their_sessions);
    ka2.lock("test", now());

    let ka1 = unlock(&s.dir, &s.ka1_id, KA1_PASS);
    let hits = search::search(&ka1, "lego", search::MAX_HITS, now()).unwrap();
    assert_eq!(hits.len(), search::MAX_HITS as usize);
    assert!(hits.iter().all(|h| h.pupil_id == Some(mine)));
    assert_eq!(
        (hits[0].kind, hits[0].snippet.as_str()),
        (HitKind::Pupil, "[Legolas] Green ")
    );
    for h in &hits[1..] {
        assert!(h.snippet.starts_with("Built a [lego] tower"), "{h:?}");
    }
}
