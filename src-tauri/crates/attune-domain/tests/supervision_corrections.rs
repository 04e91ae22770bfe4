//! Correcting and withdrawing a supervision note (issue 16, item 1) against a real vault: only
//! the strategic lead may (refusals audited), the earlier version is kept (read back by SQL),
//! a key adult never sees a withdrawn note nor any earlier version, erasure takes a pupil's
//! name out of the versions, the subject access document shows the corrected words, and a
//! correction or withdrawal made at the school reaches the key adult's laptop.

mod common;
use common::*;

use attune_domain::date;
use attune_domain::lead::supervision::{
    self, SupervisionKind, SupervisionNote, SupervisionNoteInput,
};
use attune_domain::transfer::scope::{self, Scope};
use attune_domain::transfer::{retention, sar, sync};
use attune_domain::{record::pupils, Error};
use attune_vault::{ErrorKind, Vault};
use chrono::{TimeZone, Utc};

fn input(key_adult: &str, pupil_ids: Vec<i64>, notes: &str) -> SupervisionNoteInput {
    SupervisionNoteInput {
        held_on: date!(2026 - 11 - 20),
        kind: SupervisionKind::Supervision,
        key_adult_id: key_adult.into(),
        pupil_ids,
        notes: notes.into(),
        actions: "Try a visual timetable.".into(),
    }
}

fn record(v: &mut Vault, i: &SupervisionNoteInput) -> SupervisionNote {
    supervision::record_supervision_note(v, i, today(), now()).unwrap()
}

fn correct(
    v: &mut Vault,
    id: i64,
    i: &SupervisionNoteInput,
    reason: &str,
) -> Result<SupervisionNote, Error> {
    supervision::correct_supervision_note(v, id, i, reason, today(), now())
}

/// The versions kept of note `id`, oldest first: (old_values as JSON, reason, changed_by).
fn versions(v: &Vault, id: i64) -> Vec<(serde_json::Value, String, Option<String>)> {
    let conn = v.conn().unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT old_values, reason, changed_by FROM supervision_note_versions
             WHERE note_id = ?1 ORDER BY id",
        )
        .unwrap();
    stmt.query_map([id], |r| {
        Ok((
            serde_json::from_str(&r.get::<_, String>(0)?).unwrap(),
            r.get(1)?,
            r.get(2)?,
        ))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

fn count(v: &Vault, sql: &str) -> i64 {
    v.conn().unwrap().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn invalid_field(e: Error) -> String {
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    match e {
        Error::Invalid { field, .. } => field.to_string(),
        other => panic!("not a field error: {other:?}"),
    }
}

#[test]
fn the_lead_corrects_a_note_and_the_words_it_replaced_are_kept() {
    let (s, mut v) = school();
    let mia = add_assigned(&mut v, &pupil("Mia", "Jones", None), &s.ka1_id);
    let leo = add_assigned(&mut v, &pupil("Leo", "Brown", None), &s.ka1_id);
    let note = record(
        &mut v,
        &input(&s.ka1_id, vec![mia], "Talked about Mia's mornings."),
    );

    // The notes and the pupils discussed change; the date, kind and actions do not.
    let fixed = input(
        &s.ka1_id,
        vec![mia, leo],
        "Talked about Mia's and Leo's mornings.",
    );
    let after = correct(&mut v, note.id, &fixed, "Leo was discussed too").unwrap();
    assert_eq!(after.notes, "Talked about Mia's and Leo's mornings.");
    assert_eq!(
        after.pupils.iter().map(|p| p.pupil_id).collect::<Vec<_>>(),
        vec![leo, mia]
    );

    // The earlier version, read back by SQL.
    let kept = versions(&v, note.id);
    assert_eq!(kept.len(), 1);
    let (old, reason, by) = &kept[0];
    assert_eq!(old["notes"], "Talked about Mia's mornings.");
    assert_eq!(old["actions"], "Try a visual timetable.");
    assert_eq!(old["held_on"], "2026-11-20");
    assert_eq!(old["kind"], "supervision");
    assert_eq!(old["pupil_ids"], serde_json::json!([mia]));
    assert_eq!(reason, "Leo was discussed too");
    assert_eq!(by.as_deref(), Some(s.lead_id.as_str()));

    // The lead sees it: the fields that changed, with their values as they were.
    let c = &after.changes;
    assert_eq!(c.corrections, 1);
    assert_eq!(c.earlier.len(), 1);
    let e = &c.earlier[0];
    assert_eq!(e.replaced.by.as_deref(), Some("Ada Lovelace"));
    assert_eq!(e.replaced.reason, "Leo was discussed too");
    let fields: Vec<(&str, &str)> = e
        .fields
        .iter()
        .map(|f| (f.label.as_str(), f.value.as_str()))
        .collect();
    assert_eq!(
        fields,
        vec![
            ("Pupils discussed", "Mia Jones"),
            ("Notes", "Talked about Mia's mornings."),
        ]
    );

    // Audited by id only.
    let a = last_audit(&v);
    assert_eq!(
        (a.action.as_str(), a.target.as_deref(), a.outcome.as_str()),
        (
            "supervision.correct",
            Some(format!("supervision:{}", note.id).as_str()),
            "ok"
        )
    );

    // A second correction: two earlier versions, newest first; the list shows the same.
    let mut again = fixed.clone();
    again.kind = SupervisionKind::Consultation;
    again.held_on = date!(2026 - 11 - 19);
    let after = correct(
        &mut v,
        note.id,
        &again,
        "It was a consultation, the day before",
    )
    .unwrap();
    assert_eq!(versions(&v, note.id).len(), 2);
    assert_eq!(after.changes.corrections, 2);
    assert_eq!(
        after.changes.earlier[0]
            .fields
            .iter()
            .map(|f| (f.label.as_str(), f.value.as_str()))
            .collect::<Vec<_>>(),
        vec![("Date", "20 November 2026"), ("Kind", "Supervision")]
    );
    assert_eq!(
        after.changes.earlier[1].replaced.reason,
        "Leo was discussed too"
    );
    let listed = supervision::list_supervision_notes(&v, None, now()).unwrap();
    assert_eq!(listed, vec![after.clone()]);
    assert_eq!(
        supervision::get_supervision_note(&v, note.id, now()).unwrap(),
        after
    );

    // No audit entry holds a reason or the note's words.
    for e in attune_vault::audit::list(v.conn().unwrap(), None, 1000).unwrap() {
        let t = e.target.unwrap_or_default();
        assert!(
            !t.contains("Leo was") && !t.contains("mornings") && !t.contains("consultation"),
            "{t}"
        );
    }
}

#[test]
fn only_the_lead_may_correct_or_withdraw_and_every_refusal_is_audited() {
    let (s, mut v) = school();
    let mia = add_assigned(&mut v, &pupil("Mia", "Jones", None), &s.ka1_id);
    let note = record(&mut v, &input(&s.ka1_id, vec![mia], "First words."));
    drop(v);

    // The key adult the note is about, and another key adult.
    for (id, pass, name) in [
        (&s.ka1_id, KA1_PASS, "Grace Hopper"),
        (&s.ka2_id, KA2_PASS, "Alan Turing"),
    ] {
        let mut ka = unlock(&s.dir, id, pass);
        let target = Some(format!("supervision:{}", note.id));
        let e = correct(
            &mut ka,
            note.id,
            &input(&s.ka1_id, vec![mia], "Other words."),
            "typo",
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotPermitted, "{e}");
        let a = last_audit(&ka);
        assert_eq!(
            (a.action.as_str(), a.outcome.as_str(), a.actor_name.as_str()),
            ("supervision.correct", "refused", name)
        );
        assert_eq!(a.target, target);
        let e =
            supervision::withdraw_supervision_note(&mut ka, note.id, "wrong", now()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotPermitted, "{e}");
        let a = last_audit(&ka);
        assert_eq!(
            (a.action.as_str(), a.outcome.as_str(), a.actor_name.as_str()),
            ("supervision.withdraw", "refused", name)
        );
        assert_eq!(a.target, target);
        drop(ka);
    }

    // Nothing changed.
    let v = unlock(&s.dir, &s.lead_id, LEAD_PASS);
    assert_eq!(
        count(&v, "SELECT count(*) FROM supervision_note_versions"),
        0
    );
    assert_eq!(
        count(
            &v,
            "SELECT count(*) FROM supervision_notes
             WHERE notes = 'First words.' AND withdrawn_at IS NULL"
        ),
        1
    );
}

#[test]
fn a_correction_is_checked_as_a_new_note_and_needs_a_reason() {
    let (s, mut v) = school();
    let mia = add_assigned(&mut v, &pupil("Mia", "Jones", None), &s.ka1_id);
    let leo = add_assigned(&mut v, &pupil("Leo", "Brown", None), &s.ka1_id);
    let ann = add_assigned(&mut v, &pupil("Ann", "Other", None), &s.ka2_id);
    let note = record(&mut v, &input(&s.ka1_id, vec![mia, leo], "First words."));
    let good = input(&s.ka1_id, vec![mia, leo], "Better words.");

    let field = |v: &mut Vault, i: &SupervisionNoteInput, reason: &str| {
        invalid_field(correct(v, note.id, i, reason).unwrap_err())
    };
    assert_eq!(field(&mut v, &good, "  "), "reason");
    assert_eq!(field(&mut v, &good, &"x".repeat(501)), "reason");
    let mut future = good.clone();
    future.held_on = today() + chrono::Duration::days(1);
    assert_eq!(field(&mut v, &future, "typo"), "held_on");
    let mut other_adult = good.clone();
    other_adult.key_adult_id = s.ka2_id.clone();
    other_adult.pupil_ids = vec![ann];
    assert_eq!(field(&mut v, &other_adult, "typo"), "key_adult_id");
    let mut not_theirs = good.clone();
    not_theirs.pupil_ids = vec![mia, ann];
    assert_eq!(field(&mut v, &not_theirs, "typo"), "pupil_ids");
    let mut empty = good.clone();
    empty.notes = " ".into();
    assert_eq!(field(&mut v, &empty, "typo"), "notes");
    let mut long = good.clone();
    long.actions = "x".repeat(4001);
    assert_eq!(field(&mut v, &long, "typo"), "actions");
    // The same values again is no correction.
    assert_eq!(
        field(
            &mut v,
            &input(&s.ka1_id, vec![leo, mia], "First words."),
            "typo"
        ),
        "reason"
    );
    let e = correct(&mut v, 999, &good, "typo").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    assert_eq!(
        count(&v, "SELECT count(*) FROM supervision_note_versions"),
        0,
        "no refused correction kept a version"
    );

    // A pupil the note lists may stay listed after moving to another key adult; a pupil
    // who was not listed cannot be added once off the caseload.
    pupils::assign_key_adult(&mut v, leo, Some(&s.ka2_id), today(), now()).unwrap();
    let kept = correct(&mut v, note.id, &good, "Clearer").unwrap();
    assert_eq!(kept.pupils.len(), 2);
    let mut without_leo = good.clone();
    without_leo.pupil_ids = vec![mia];
    correct(&mut v, note.id, &without_leo, "Leo was not discussed").unwrap();
    assert_eq!(field(&mut v, &good, "Leo after all"), "pupil_ids");
    assert_eq!(versions(&v, note.id).len(), 2);
}

#[test]
fn a_withdrawn_note_is_marked_for_the_lead_and_gone_for_the_key_adult() {
    let (s, mut v) = school();
    let mia = add_assigned(&mut v, &pupil("Mia", "Jones", None), &s.ka1_id);
    let kept = record(&mut v, &input(&s.ka1_id, vec![mia], "Kept words."));
    let corrected = record(&mut v, &input(&s.ka1_id, vec![mia], "Secret old words."));
    let gone = record(&mut v, &input(&s.ka1_id, vec![mia], "Wrong meeting."));
    correct(
        &mut v,
        corrected.id,
        &input(&s.ka1_id, vec![mia], "New words."),
        "Said it badly",
    )
    .unwrap();
    let w = supervision::withdraw_supervision_note(
        &mut v,
        gone.id,
        "Recorded against the wrong key adult",
        now(),
    )
    .unwrap();
    let mark = w.changes.withdrawn.as_ref().unwrap();
    assert_eq!(mark.by.as_deref(), Some("Ada Lovelace"));
    assert_eq!(mark.reason, "Recorded against the wrong key adult");
    let a = last_audit(&v);
    assert_eq!(
        (a.action.as_str(), a.target.as_deref()),
        (
            "supervision.withdraw",
            Some(format!("supervision:{}", gone.id).as_str())
        )
    );
    // By SQL: kept, its words unchanged, marked.
    assert_eq!(
        count(
            &v,
            &format!(
                "SELECT count(*) FROM supervision_notes WHERE id = {} AND notes = 'Wrong meeting.'
                 AND withdrawn_by = '{}' AND withdrawn_reason IS NOT NULL",
                gone.id, s.lead_id
            )
        ),
        1
    );
    // Not again, and not corrected any more.
    let e = supervision::withdraw_supervision_note(&mut v, gone.id, "again", now()).unwrap_err();
    assert_eq!(invalid_field(e), "reason");
    let e = correct(&mut v, gone.id, &input(&s.ka1_id, vec![mia], "x"), "typo").unwrap_err();
    assert_eq!(invalid_field(e), "reason");

    // The lead lists all three, the withdrawn one marked.
    let all = supervision::list_supervision_notes(&v, None, now()).unwrap();
    assert_eq!(all.len(), 3);
    assert!(all
        .iter()
        .find(|n| n.id == gone.id)
        .unwrap()
        .changes
        .withdrawn
        .is_some());
    drop(v);

    // The key adult: two notes, the corrected one with its current words and nothing of the
    // earlier ones (not even that it was corrected); the withdrawn one as if it did not exist.
    let ka = unlock(&s.dir, &s.ka1_id, KA1_PASS);
    let mine = supervision::list_supervision_notes(&ka, None, now()).unwrap();
    let mut ids: Vec<i64> = mine.iter().map(|n| n.id).collect();
    ids.sort();
    assert_eq!(ids, vec![kept.id, corrected.id]);
    let json = serde_json::to_string(&mine).unwrap();
    assert!(json.contains("New words."));
    assert!(!json.contains("Secret old words") && !json.contains("Said it badly"));
    for n in &mine {
        assert_eq!(n.changes, attune_domain::model::EntryChanges::default());
    }
    let one = supervision::get_supervision_note(&ka, corrected.id, now()).unwrap();
    assert!(one.changes.earlier.is_empty() && one.changes.corrected.is_none());
    let e = supervision::get_supervision_note(&ka, gone.id, now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotPermitted, "{e}");
    let a = last_audit(&ka);
    assert_eq!(
        (a.action.as_str(), a.outcome.as_str()),
        ("supervision.view", "refused")
    );
}

/// Every text value in every table, decrypted.
fn all_stored_text(v: &Vault) -> String {
    let conn = v.conn().unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut out = String::new();
    for t in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let n = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..n {
                if let rusqlite::types::ValueRef::Text(b) | rusqlite::types::ValueRef::Blob(b) =
                    row.get_ref(i).unwrap()
                {
                    out.push_str(&String::from_utf8_lossy(b));
                    out.push('\n');
                }
            }
        }
    }
    out
}

#[test]
fn erasing_a_pupil_takes_them_out_of_the_earlier_versions_too() {
    let (s, mut v) = school();
    let zeph = add_assigned(&mut v, &pupil("Zephyrine", "Quillfeather", None), &s.ka1_id);
    let leo = add_assigned(&mut v, &pupil("Leo", "Brown", None), &s.ka1_id);
    // Listed, then taken off the note by a correction: her name is only in the version.
    let note = record(
        &mut v,
        &input(&s.ka1_id, vec![zeph, leo], "Zephyrine and Leo argued."),
    );
    correct(
        &mut v,
        note.id,
        &input(&s.ka1_id, vec![leo], "Leo argued with another pupil."),
        "Zephyrine was not discussed",
    )
    .unwrap();
    // Another note that never listed her, withdrawn with her full name in the reason.
    let other = record(&mut v, &input(&s.ka1_id, vec![leo], "Leo's week."));
    supervision::withdraw_supervision_note(
        &mut v,
        other.id,
        "Belongs with Zephyrine Quillfeather's meeting",
        now(),
    )
    .unwrap();
    assert!(all_stored_text(&v).contains("Quillfeather"));

    pupils::mark_left(&mut v, zeph, date!(2018 - 07 - 20), now()).unwrap();
    retention::erase_pupil(&mut v, zeph, now()).unwrap();

    let kept = versions(&v, note.id);
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].0["notes"], "[pupil erased] and Leo argued.");
    assert_eq!(kept[0].0["pupil_ids"], serde_json::json!([leo]));
    assert_eq!(kept[0].1, "[pupil erased] was not discussed");
    let stored = all_stored_text(&v).to_lowercase();
    for word in ["quillfeather", "zephyrine"] {
        assert!(!stored.contains(word), "{word} is still stored");
    }
    let after = supervision::get_supervision_note(&v, other.id, now()).unwrap();
    assert_eq!(
        after.changes.withdrawn.unwrap().reason,
        "Belongs with [pupil erased]'s meeting"
    );
}

#[test]
fn the_subject_access_document_shows_the_corrected_words_and_lists_the_correction() {
    let (s, mut v) = school();
    let mia = add_assigned(&mut v, &pupil("Mia", "Jones", None), &s.ka1_id);
    let leo = add_assigned(&mut v, &pupil("Leonardo", "Brownlow", None), &s.ka1_id);
    let note = record(
        &mut v,
        &input(&s.ka1_id, vec![mia, leo], "Mia was upset on Tuesday."),
    );
    correct(
        &mut v,
        note.id,
        &input(&s.ka1_id, vec![mia, leo], "Mia was upset on Wednesday."),
        "Wrong day; Leonardo told us",
    )
    .unwrap();
    let gone = record(
        &mut v,
        &input(&s.ka1_id, vec![mia], "A meeting that was not."),
    );
    supervision::withdraw_supervision_note(&mut v, gone.id, "Never held", now()).unwrap();

    let html = sar::subject_access_document(&v, mia, &frameworks(), now()).unwrap();
    assert!(html.contains("Mia was upset on Wednesday."), "{html}");
    assert!(!html.contains("Tuesday"), "the earlier words are not in it");
    assert!(html.contains("Supervision note of 20 November 2026"));
    assert!(html.contains("Wrong day; [another pupil] told us"));
    assert!(!html.contains("Leonardo"));
    assert!(html.contains("Never held"));
    assert!(html.contains("Correction or withdrawal"));
}

#[test]
fn a_correction_and_a_withdrawal_at_the_school_reach_the_key_adults_laptop() {
    let (s, mut school) = school();
    let mia = add_assigned(&mut school, &pupil("Mia", "Jones", None), &s.ka1_id);
    let a = record(&mut school, &input(&s.ka1_id, vec![mia], "First words."));
    let b = record(&mut school, &input(&s.ka1_id, vec![mia], "Wrong meeting."));
    let mut r = rng(93);
    let (_tmp, mut laptop) = laptop(&mut school, &s.ka1_id, &mut r);
    let device = attune_vault::ids::device_no(laptop.conn().unwrap()).unwrap();
    assert_eq!(
        supervision::list_supervision_notes(&laptop, None, now())
            .unwrap()
            .len(),
        2
    );
    let later = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();

    supervision::correct_supervision_note(
        &mut school,
        a.id,
        &input(&s.ka1_id, vec![mia], "Better words."),
        "Clearer",
        today(),
        later,
    )
    .unwrap();
    supervision::withdraw_supervision_note(&mut school, b.id, "Never held", later).unwrap();
    let (down, _) = sync::export(&mut school, Some(device), &mut r, later).unwrap();
    sync::import(&mut laptop, &down, &mut r, later).unwrap();

    let mine = supervision::list_supervision_notes(&laptop, None, later).unwrap();
    assert_eq!(mine.len(), 1, "the withdrawn note is left out");
    assert_eq!(mine[0].id, a.id);
    assert_eq!(mine[0].notes, "Better words.");
    // The earlier words stay at the school.
    assert_eq!(
        count(&laptop, "SELECT count(*) FROM supervision_note_versions"),
        0
    );
    // Nor the reason (the key adult had the first words before; the correction's record is
    // the lead's).
    assert!(
        !all_stored_text(&laptop).contains("Clearer"),
        "the reason reached the laptop"
    );
    assert_eq!(
        count(&school, "SELECT count(*) FROM supervision_note_versions"),
        1
    );
    // The laptop holds exactly the school's rows for its key adult, withdrawal included.
    assert_eq!(
        count(
            &laptop,
            "SELECT count(*) FROM supervision_notes WHERE withdrawn_reason = 'Never held'"
        ),
        1
    );
    let at_school = scope::digest(school.conn().unwrap(), Scope::Caseload(&s.ka1_id)).unwrap();
    let on_laptop = scope::digest(laptop.conn().unwrap(), Scope::Caseload(&s.ka1_id)).unwrap();
    assert_eq!(at_school, on_laptop);
}

/// Supervision notes are the key adult's supervision, not the pupil's record: neither a
/// note's current words nor its earlier ones, nor a correction's reason, leave in the pupil's
/// handover pack. Read from the pack's decrypted content.
#[test]
fn a_handover_pack_holds_no_supervision_note_corrected_or_not() {
    let (s, mut v) = school();
    let mia = add_assigned(&mut v, &pupil("Mia", "Jones", None), &s.ka1_id);
    let note = record(&mut v, &input(&s.ka1_id, vec![mia], "Quokkaparade words."));
    correct(
        &mut v,
        note.id,
        &input(&s.ka1_id, vec![mia], "Marrowbell words."),
        "Thistlewhistle reason",
    )
    .unwrap();
    let (bytes, pass) = attune_domain::transfer::handover::export_handover(
        &v,
        mia,
        &frameworks(),
        &mut rng(5),
        now(),
    )
    .unwrap();
    let content = attune_domain::transfer::handover::open_file(&bytes, pass.expose()).unwrap();
    let text = String::from_utf8(content.to_vec()).unwrap();
    assert!(text.contains("Mia"), "the pack is Mia's");
    for word in ["Quokkaparade", "Marrowbell", "Thistlewhistle"] {
        assert!(!text.contains(word), "{word} is in the pack");
    }
}

/// Search follows a note's corrections (issue 16, item 5 with item 1): the corrected words are
/// found and the replaced ones not; a withdrawn note is found by no one, as a withdrawn
/// session is not.
#[test]
fn search_finds_a_corrected_note_by_its_new_words_and_a_withdrawn_one_not_at_all() {
    use attune_domain::record::search;
    let (s, mut v) = school();
    let note = record(
        &mut v,
        &input(&s.ka1_id, vec![], "Talked about Wombatlantern."),
    );
    let found = |v: &Vault, word: &str| {
        search::search(v, word, 50, now())
            .unwrap()
            .iter()
            .filter(|h| h.record_id == note.id)
            .count()
    };
    assert_eq!(found(&v, "Wombatlantern"), 1);
    correct(
        &mut v,
        note.id,
        &input(&s.ka1_id, vec![], "Talked about Quasarpebble."),
        "Wrong name",
    )
    .unwrap();
    assert_eq!(found(&v, "Wombatlantern"), 0, "the replaced words");
    assert_eq!(found(&v, "Quasarpebble"), 1, "the corrected words");
    supervision::withdraw_supervision_note(&mut v, note.id, "Never held", now()).unwrap();
    assert_eq!(found(&v, "Quasarpebble"), 0, "a withdrawn note");
    drop(v);
    let ka = unlock(&s.dir, &s.ka1_id, KA1_PASS);
    assert_eq!(found(&ka, "Quasarpebble"), 0, "not by its key adult either");
}
