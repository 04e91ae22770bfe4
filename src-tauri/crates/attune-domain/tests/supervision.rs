//! Supervision and consultation notes against a real vault: recording, validation, the pupils
//! discussed, who reads what (refusals audited), erasure and the subject access document.

mod common;
use common::*;

use attune_domain::date;
use attune_domain::lead::supervision::{
    self, redact_names, SupervisionKind, SupervisionNote, SupervisionNoteInput,
};
use attune_domain::{record::pupils, transfer::retention, transfer::sar};
use attune_vault::{ErrorKind, Vault};
use chrono::Duration;

fn input(key_adult: &str, pupil_ids: Vec<i64>) -> SupervisionNoteInput {
    SupervisionNoteInput {
        held_on: date!(2026 - 11 - 20),
        kind: SupervisionKind::Supervision,
        key_adult_id: key_adult.into(),
        pupil_ids,
        notes: "Talked through the morning routines.".into(),
        actions: "Try a visual timetable.".into(),
    }
}

fn count(v: &Vault, table: &str) -> i64 {
    v.conn()
        .unwrap()
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

fn pupil_ids(n: &SupervisionNote) -> Vec<i64> {
    n.pupils.iter().map(|p| p.pupil_id).collect()
}

#[test]
fn the_lead_records_a_note_with_pupils_discussed_and_it_is_audited_by_id() {
    let (s, mut v) = school();
    let mia = add_assigned(&mut v, &pupil("Mia", "Jones", None), &s.ka1_id);
    let leo = add_assigned(&mut v, &pupil("Leo", "Brown", None), &s.ka1_id);
    let _ann = add_assigned(&mut v, &pupil("Ann", "Other", None), &s.ka2_id);

    // The form's choices: both key adults (not the lead herself), each with their pupils.
    let options = supervision::supervision_options(&v, now()).unwrap();
    let names: Vec<&str> = options.iter().map(|o| o.key_adult.name.as_str()).collect();
    assert_eq!(names, vec!["Alan Turing", "Grace Hopper"]);
    let grace = &options[1];
    assert_eq!(
        grace.pupils.iter().map(|p| p.pupil_id).collect::<Vec<_>>(),
        vec![leo, mia]
    );
    assert_eq!(last_audit(&v).action, "supervision.options");

    // Repeated ids count once; the pupils come back by surname.
    let note = supervision::record_supervision_note(
        &mut v,
        &input(&s.ka1_id, vec![mia, leo, mia]),
        today(),
        now(),
    )
    .unwrap();
    assert_eq!(pupil_ids(&note), vec![leo, mia]);
    assert_eq!(note.key_adult.name, "Grace Hopper");
    assert_eq!(note.kind, SupervisionKind::Supervision);
    assert_eq!(note.recorded_by.as_ref().unwrap().id, s.lead_id);
    assert_eq!(note.notes, "Talked through the morning routines.");
    assert_eq!(note.actions, "Try a visual timetable.");
    let a = last_audit(&v);
    assert_eq!(
        (a.action.as_str(), a.target.as_deref(), a.outcome.as_str()),
        (
            "supervision.create",
            Some(format!("supervision:{}", note.id).as_str()),
            "ok"
        )
    );

    // No pupils at all is a note too (a general supervision), and today is allowed.
    let mut general = input(&s.ka2_id, vec![]);
    general.held_on = today();
    general.kind = SupervisionKind::Consultation;
    general.actions = String::new();
    let second = supervision::record_supervision_note(&mut v, &general, today(), now()).unwrap();
    assert!(second.pupils.is_empty());

    // Newest meeting first; filtered to one key adult.
    let all = supervision::list_supervision_notes(&v, None, now()).unwrap();
    assert_eq!(
        all.iter().map(|n| n.id).collect::<Vec<_>>(),
        vec![second.id, note.id]
    );
    assert_eq!(last_audit(&v).target, None);
    let graces = supervision::list_supervision_notes(&v, Some(&s.ka1_id), now()).unwrap();
    assert_eq!(graces, vec![note.clone()]);
    assert_eq!(
        last_audit(&v).target.as_deref(),
        Some(format!("user:{}", s.ka1_id).as_str())
    );
    assert_eq!(
        supervision::get_supervision_note(&v, note.id, now()).unwrap(),
        note
    );
    assert_eq!(last_audit(&v).action, "supervision.view");
    // Each pupil a note shown discusses has the reading in their own audit trail.
    let entries = attune_vault::audit::list(v.conn().unwrap(), None, 1000).unwrap();
    for p in pupil_ids(&note) {
        let t = format!("pupil:{p}/supervision:{}", note.id);
        let seen: Vec<&str> = entries
            .iter()
            .filter(|e| e.target.as_deref() == Some(t.as_str()))
            .map(|e| e.action.as_str())
            .collect();
        assert!(seen.contains(&"supervision.view"), "{t}: {seen:?}");
        assert!(seen.contains(&"supervision.list"), "{t}: {seen:?}");
    }

    // No audit entry holds any of the note's words or a pupil's name.
    let entries = attune_vault::audit::list(v.conn().unwrap(), None, 1000).unwrap();
    for e in entries {
        let t = format!("{} {}", e.action, e.target.unwrap_or_default());
        for word in ["routines", "timetable", "Mia", "Jones", "Leo"] {
            assert!(!t.contains(word), "{t}");
        }
    }
}

#[test]
fn every_bad_input_names_its_field_and_stores_nothing() {
    let (s, mut v) = school();
    let mia = add_assigned(&mut v, &pupil("Mia", "Jones", None), &s.ka1_id);
    let ann = add_assigned(&mut v, &pupil("Ann", "Other", None), &s.ka2_id);
    let left = add_assigned(&mut v, &pupil("Lee", "Gone", None), &s.ka1_id);
    pupils::mark_left(&mut v, left, today(), now()).unwrap();

    type Change = Box<dyn Fn(&mut SupervisionNoteInput)>;
    let cases: Vec<(Change, &str, &str)> = vec![
        (
            Box::new(|i| i.held_on = today() + Duration::days(1)),
            "held_on",
            "today or in the past",
        ),
        (
            Box::new(|i| i.key_adult_id = "  ".into()),
            "key_adult_id",
            "Choose the key adult",
        ),
        (
            Box::new(|i| i.key_adult_id = "no-such-user".into()),
            "key_adult_id",
            "There is no such key adult",
        ),
        (
            Box::new(move |i| i.pupil_ids = vec![ann]),
            "pupil_ids",
            "this key adult's caseload",
        ),
        (
            Box::new(|i| i.pupil_ids = vec![999]),
            "pupil_ids",
            "this key adult's caseload",
        ),
        (
            Box::new(move |i| i.pupil_ids = vec![left]),
            "pupil_ids",
            "this key adult's caseload",
        ),
        (
            Box::new(|i| i.notes = "   ".into()),
            "notes",
            "Enter the notes",
        ),
        (
            Box::new(|i| i.notes = "x".repeat(supervision::MAX_NOTES_CHARS + 1)),
            "notes",
            "8000 characters or fewer",
        ),
        (
            Box::new(|i| i.actions = "y".repeat(supervision::MAX_ACTIONS_CHARS + 1)),
            "actions",
            "4000 characters or fewer",
        ),
        (
            Box::new(|i| i.notes = "bell\u{7}".into()),
            "notes",
            "characters that cannot be used",
        ),
    ];
    for (change, field, words) in cases {
        let mut i = input(&s.ka1_id, vec![mia]);
        change(&mut i);
        let e = supervision::record_supervision_note(&mut v, &i, today(), now()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{field}: {e}");
        assert_eq!(e.field(), Some(field), "{e}");
        assert!(e.to_string().contains(words), "{field}: {e}");
    }
    // The lead cannot record a note with herself.
    let e =
        supervision::record_supervision_note(&mut v, &input(&s.lead_id, vec![]), today(), now())
            .unwrap_err();
    assert_eq!(e.field(), Some("key_adult_id"));
    assert_eq!(count(&v, "supervision_notes"), 0);
    assert_eq!(count(&v, "supervision_pupils"), 0);

    // At the limits, it is stored.
    let mut i = input(&s.ka1_id, vec![mia]);
    i.notes = "x".repeat(supervision::MAX_NOTES_CHARS);
    i.actions = "line one\nline two".into();
    supervision::record_supervision_note(&mut v, &i, today(), now()).unwrap();
    assert_eq!(count(&v, "supervision_notes"), 1);
}

#[test]
fn a_lead_who_holds_a_caseload_can_be_met_and_a_removed_key_adult_cannot() {
    let (s, mut v) = school();
    let mut r = rng(5);
    let other_lead = v
        .add_user(
            "Mary Somerville",
            attune_vault::Role::StrategicLead,
            &attune_vault::Passphrase::new("seven quiet harbours glow 12"),
            &mut r,
            now(),
        )
        .unwrap();
    // Without pupils a second lead is not offered; with one she is.
    let offered = |v: &Vault| -> Vec<String> {
        supervision::supervision_options(v, now())
            .unwrap()
            .into_iter()
            .map(|o| o.key_adult.name)
            .collect()
    };
    assert!(!offered(&v).contains(&"Mary Somerville".to_string()));
    let p = add_assigned(&mut v, &pupil("Kit", "Lead", None), &other_lead.id);
    assert!(offered(&v).contains(&"Mary Somerville".to_string()));
    supervision::record_supervision_note(&mut v, &input(&other_lead.id, vec![p]), today(), now())
        .unwrap();

    v.remove_user(&s.ka2_id, &mut r, now()).unwrap();
    assert!(!offered(&v).contains(&"Alan Turing".to_string()));
    let e = supervision::record_supervision_note(&mut v, &input(&s.ka2_id, vec![]), today(), now())
        .unwrap_err();
    assert_eq!(e.field(), Some("key_adult_id"));
}

#[test]
fn a_key_adult_reads_only_their_own_notes_and_every_refusal_is_audited() {
    let (s, mut v) = school();
    let mia = add_assigned(&mut v, &pupil("Mia", "Jones", None), &s.ka1_id);
    let ann = add_assigned(&mut v, &pupil("Ann", "Other", None), &s.ka2_id);
    let graces =
        supervision::record_supervision_note(&mut v, &input(&s.ka1_id, vec![mia]), today(), now())
            .unwrap();
    let alans =
        supervision::record_supervision_note(&mut v, &input(&s.ka2_id, vec![ann]), today(), now())
            .unwrap();
    drop(v);

    let mut ka = unlock(&s.dir, &s.ka1_id, KA1_PASS);
    // Their own, read only.
    let mine = supervision::list_supervision_notes(&ka, None, now()).unwrap();
    assert_eq!(mine, vec![graces.clone()]);
    let mine = supervision::list_supervision_notes(&ka, Some(&s.ka1_id), now()).unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(
        supervision::get_supervision_note(&ka, graces.id, now()).unwrap(),
        graces
    );

    let refused = |ka: &Vault, e: attune_domain::Error, action: &str, target: Option<String>| {
        assert_eq!(e.kind(), ErrorKind::NotPermitted, "{e}");
        assert!(e.to_string().starts_with("Not permitted"), "{e}");
        let a = last_audit(ka);
        assert_eq!(
            (a.action.as_str(), a.outcome.as_str(), a.actor_name.as_str()),
            (action, "refused", "Grace Hopper")
        );
        assert_eq!(a.target, target);
    };
    // Another's notes, listed or one by one; a note that does not exist looks the same.
    let e = supervision::list_supervision_notes(&ka, Some(&s.ka2_id), now()).unwrap_err();
    refused(
        &ka,
        e,
        "supervision.list",
        Some(format!("user:{}", s.ka2_id)),
    );
    let e = supervision::get_supervision_note(&ka, alans.id, now()).unwrap_err();
    refused(
        &ka,
        e,
        "supervision.view",
        Some(format!("supervision:{}", alans.id)),
    );
    let e = supervision::get_supervision_note(&ka, 999, now()).unwrap_err();
    refused(&ka, e, "supervision.view", Some("supervision:999".into()));
    // Recording, and the form's choices, are the lead's.
    let e =
        supervision::record_supervision_note(&mut ka, &input(&s.ka1_id, vec![mia]), today(), now())
            .unwrap_err();
    refused(&ka, e, "supervision.create", None);
    let e = supervision::supervision_options(&ka, now()).unwrap_err();
    refused(&ka, e, "supervision.options", None);
    assert_eq!(count(&ka, "supervision_notes"), 2);
    drop(ka);

    // The other key adult sees only theirs.
    let ka2 = unlock(&s.dir, &s.ka2_id, KA2_PASS);
    let theirs = supervision::list_supervision_notes(&ka2, None, now()).unwrap();
    assert_eq!(theirs, vec![alans]);
}

#[test]
fn names_are_redacted_as_whole_words_whatever_their_case() {
    let names = ["Mia", "Jones", "Mia Jones", "Mary Jane"];
    assert_eq!(
        redact_names(
            "Mia Jones said (mia) MIA's day; Miami and Jonesy stay. Mary Jane too.",
            &names,
            "[x]"
        ),
        "[x] said ([x]) [x]'s day; Miami and Jonesy stay. [x] too."
    );
    // Short names are ignored; accents are letters.
    assert_eq!(
        redact_names("A bit of Zoë", &["A", "Zoë"], "[x]"),
        "A bit of [x]"
    );
    assert_eq!(redact_names("Éva and éva", &["éva"], "[x]"), "[x] and [x]");
}

/// Every text and blob value in every table, decrypted.
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
fn erasing_a_pupil_takes_them_out_of_supervision_notes() {
    let (s, mut v) = school();
    let mut zeph = pupil("Zephyrine", "Quillfeather", None);
    zeph.preferred_name = Some("Zephy".into());
    let zeph = add_assigned(&mut v, &zeph, &s.ka1_id);
    let leo = add_assigned(&mut v, &pupil("Leo", "Brown", None), &s.ka1_id);
    let mut linked = input(&s.ka1_id, vec![zeph, leo]);
    linked.notes = "Zephy Quillfeather had a hard week; Leo helped zephyrine at lunch.".into();
    linked.actions = "Ask QUILLFEATHER's carer about sleep.".into();
    let linked = supervision::record_supervision_note(&mut v, &linked, today(), now()).unwrap();
    // A note that does not list her but names her with her surname, and a forename alone.
    let mut unlinked = input(&s.ka1_id, vec![leo]);
    unlinked.notes = "Leo sat with Zephyrine Quillfeather; Zephy is another Zephy here.".into();
    let unlinked = supervision::record_supervision_note(&mut v, &unlinked, today(), now()).unwrap();

    // Unsaved drafts of the form: one listing her, one naming her, one about someone else.
    let listing = format!(r#"{{"pupil_ids":[{zeph}],"notes":"x"}}"#);
    attune_domain::record::drafts::save_draft(&mut v, "supervision:new", &listing, now()).unwrap();
    attune_domain::record::drafts::save_draft(
        &mut v,
        "supervision:other",
        r#"{"pupil_ids":[12345],"notes":"Leo only"}"#,
        now(),
    )
    .unwrap();
    attune_domain::record::drafts::save_draft(
        &mut v,
        "supervision:named",
        r#"{"pupil_ids":[],"notes":"About Zephyrine"}"#,
        now(),
    )
    .unwrap();

    pupils::mark_left(&mut v, zeph, date!(2018 - 07 - 20), now()).unwrap();
    retention::erase_pupil(&mut v, zeph, now()).unwrap();
    assert!(
        attune_domain::record::drafts::load_draft(&v, "supervision:named")
            .unwrap()
            .is_none()
    );

    let after = supervision::get_supervision_note(&v, linked.id, now()).unwrap();
    assert_eq!(pupil_ids(&after), vec![leo]);
    assert_eq!(
        after.notes,
        "[pupil erased] had a hard week; Leo helped [pupil erased] at lunch."
    );
    assert_eq!(after.actions, "Ask [pupil erased]'s carer about sleep.");
    let after = supervision::get_supervision_note(&v, unlinked.id, now()).unwrap();
    assert_eq!(
        after.notes,
        "Leo sat with [pupil erased]; Zephy is another Zephy here."
    );
    assert_eq!(
        v.conn()
            .unwrap()
            .query_row(
                "SELECT count(*) FROM supervision_pupils WHERE pupil_id = ?1",
                [zeph],
                |r| r.get::<_, i64>(0)
            )
            .unwrap(),
        0
    );
    // Nothing of her surname or legal forename is stored anywhere any more.
    assert_eq!(
        attune_domain::record::drafts::load_draft(&v, "supervision:new")
            .unwrap()
            .map(|d| d.content),
        None,
        "the draft naming her"
    );
    assert_eq!(
        attune_domain::record::drafts::load_draft(&v, "supervision:other")
            .unwrap()
            .map(|d| d.content)
            .as_deref(),
        Some(r#"{"pupil_ids":[12345],"notes":"Leo only"}"#),
        "a draft about someone else stays"
    );
    let stored = all_stored_text(&v).to_lowercase();
    for word in ["quillfeather", "zephyrine"] {
        assert!(!stored.contains(word), "{word} is still stored");
    }
}

#[test]
fn the_subject_access_document_holds_the_notes_about_the_pupil_without_other_pupils_names() {
    let (s, mut v) = school();
    let mia = add_assigned(&mut v, &pupil("Mia", "Jones", None), &s.ka1_id);
    let leo = add_assigned(&mut v, &pupil("Leonardo", "Brownlow", None), &s.ka1_id);
    let mut both = input(&s.ka1_id, vec![mia, leo]);
    both.notes = "Mia Jones and Leonardo Brownlow argued <again>.".into();
    both.actions = "Separate Leonardo and Mia at lunch.".into();
    supervision::record_supervision_note(&mut v, &both, today(), now()).unwrap();
    let mut only_leo = input(&s.ka1_id, vec![leo]);
    only_leo.notes = "Nothing about anyone else: the dinosaur project.".into();
    supervision::record_supervision_note(&mut v, &only_leo, today(), now()).unwrap();

    let html = sar::subject_access_document(&v, mia, &frameworks(), now()).unwrap();
    assert!(html.contains("<h2>Supervision and consultation</h2>"));
    assert!(
        html.contains("Mia Jones and [another pupil] argued &lt;again&gt;."),
        "{html}"
    );
    assert!(html.contains("Separate [another pupil] and Mia at lunch."));
    assert!(html.contains("20 November 2026"));
    assert!(!html.contains("Leonardo") && !html.contains("Brownlow"));
    assert!(
        !html.contains("dinosaur"),
        "a note not about Mia is not hers"
    );

    // Leo's document holds both, with Mia's name out of the first.
    let html = sar::subject_access_document(&v, leo, &frameworks(), now()).unwrap();
    assert!(html.contains("[another pupil] and Leonardo Brownlow argued"));
    assert!(html.contains("dinosaur"));
    assert!(!html.contains("Mia"));
}
