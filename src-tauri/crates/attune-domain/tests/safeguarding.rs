//! The safeguarding cross-reference on a session and the school's safeguarding words (issue 16,
//! item 7), against real vaults: the reference is stored, listed, corrected, carried by a
//! handover pack, printed in the subject access document and synced between a laptop and the
//! school; the words are the strategic lead's to set, readable by a key adult, refused in words
//! when they are not words.
//!
//! Oracles: SQL on the vaults' own tables, the pack's decrypted bytes, the audit log's rows.

mod common;
use common::*;

use attune_domain::date;
use attune_domain::model::*;
use attune_domain::record::{corrections, pupils, records, safeguarding, session_pages};
use attune_domain::transfer::handover_merge::{self as merge, MergeChoices};
use attune_domain::transfer::sar::{self, SarBlock};
use attune_domain::transfer::{handover, sync};
use attune_vault::{ErrorKind, Vault};
use chrono::{TimeZone, Utc};

fn crisis(note: &str, reference: Option<&str>) -> SessionInput {
    SessionInput {
        held_on: date!(2026 - 11 - 02),
        minutes: 30,
        kind: SessionKind::Crisis,
        regulation: Some(2),
        note: note.into(),
        safeguarding_ref: reference.map(String::from),
    }
}

fn stored_ref(v: &Vault, session: i64) -> Option<String> {
    v.conn()
        .unwrap()
        .query_row(
            "SELECT safeguarding_ref FROM sessions WHERE id = ?1",
            [session],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn a_sessions_reference_is_stored_listed_paged_and_corrected() {
    let (s, mut v) = school();
    let mia = add_assigned(&mut v, &pupil("Mia", "Jones", None), &s.ka1_id);
    let with = records::log_session(
        &mut v,
        mia,
        &crisis("Upset after lunch", Some("  CPOMS-4411  ")),
        now(),
    )
    .unwrap();
    assert_eq!(with.safeguarding_ref.as_deref(), Some("CPOMS-4411"));
    assert_eq!(stored_ref(&v, with.id).as_deref(), Some("CPOMS-4411"));
    // A blank reference is no reference; one too long is refused on its field, in words.
    let blank = records::log_session(&mut v, mia, &crisis("Calm", Some("   ")), now()).unwrap();
    assert_eq!(stored_ref(&v, blank.id), None);
    let e = records::log_session(&mut v, mia, &crisis("Calm", Some(&"R".repeat(101))), now())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert_eq!(e.field(), Some("safeguarding_ref"));
    assert_eq!(
        e.to_string(),
        "The safeguarding reference must be 100 characters or fewer (it is 101)."
    );

    let listed = records::list_sessions(&v, mia, 10, now()).unwrap();
    let refs: Vec<Option<&str>> = listed
        .iter()
        .map(|x| x.safeguarding_ref.as_deref())
        .collect();
    assert_eq!(refs.len(), 2);
    assert!(refs.contains(&Some("CPOMS-4411")) && refs.contains(&None));
    let page = session_pages::page_sessions(
        &v,
        mia,
        &SessionQuery {
            kind: None,
            from: None,
            to: None,
            limit: 10,
            after: None,
        },
        now(),
    )
    .unwrap();
    let paged = page.sessions.iter().find(|x| x.id == with.id).unwrap();
    assert_eq!(paged.safeguarding_ref.as_deref(), Some("CPOMS-4411"));
    let opened = pupils::open_pupil(&v, mia, &frameworks(), 100, today(), now()).unwrap();
    let shown = opened.sessions.iter().find(|x| x.id == with.id).unwrap();
    assert_eq!(shown.safeguarding_ref.as_deref(), Some("CPOMS-4411"));

    // A correction may add or change the reference; the earlier one is kept as a version.
    let fixed = corrections::correct_session(
        &mut v,
        blank.id,
        &crisis("Calm", Some("CPOMS-5000")),
        "The concern was logged after all",
        now(),
    )
    .unwrap();
    assert_eq!(fixed.safeguarding_ref.as_deref(), Some("CPOMS-5000"));
    assert_eq!(stored_ref(&v, blank.id).as_deref(), Some("CPOMS-5000"));
    let earlier = &fixed.changes.earlier[0].fields;
    assert_eq!(
        earlier,
        &vec![VersionField {
            label: "Safeguarding reference".into(),
            value: String::new()
        }],
        "only the reference changed, and it was empty before"
    );
}

#[test]
fn a_correction_kept_before_the_reference_existed_does_not_show_it_as_changed() {
    let (s, mut v) = school();
    let mia = add_assigned(&mut v, &pupil("Mia", "Jones", None), &s.ka1_id);
    let e = records::log_session(&mut v, mia, &crisis("first", None), now()).unwrap();
    corrections::correct_session(&mut v, e.id, &crisis("second", None), "typo", now()).unwrap();
    // As a version written before migration 0023 was: no safeguarding_ref key at all.
    v.conn()
        .unwrap()
        .execute(
            "UPDATE record_versions SET old_values = json_remove(old_values, '$.safeguarding_ref')
             WHERE record_id = ?1",
            [e.id],
        )
        .unwrap();
    let listed = records::list_sessions(&v, mia, 10, now()).unwrap();
    let fields: Vec<&str> = listed[0].changes.earlier[0]
        .fields
        .iter()
        .map(|f| f.label.as_str())
        .collect();
    assert_eq!(fields, vec!["Note"]);
}

#[test]
fn the_reference_travels_in_a_handover_pack_and_the_subject_access_document() {
    let (s, mut v) = school();
    let mia = add_assigned(&mut v, &pupil("Mia", "Jones", None), &s.ka1_id);
    records::log_session(&mut v, mia, &crisis("Upset", Some("CPOMS-7788")), now()).unwrap();
    records::log_session(&mut v, mia, &crisis("Settled", None), now()).unwrap();

    let (bytes, pass) =
        handover::export_handover(&v, mia, &frameworks(), &mut rng(21), now()).unwrap();
    let content = handover::open_file(&bytes, pass.expose()).unwrap();
    let text = String::from_utf8(content.to_vec()).unwrap();
    assert!(
        text.contains("\"safeguarding_ref\":\"CPOMS-7788\""),
        "{text}"
    );
    let (t, mut dst) = school();
    let p = handover::import_handover(
        &mut dst,
        &bytes,
        pass.expose(),
        Some(&t.ka2_id),
        &frameworks(),
        today(),
        now(),
    )
    .unwrap();
    let refs: Vec<Option<String>> = dst
        .conn()
        .unwrap()
        .prepare("SELECT safeguarding_ref FROM sessions WHERE pupil_id = ?1 ORDER BY note")
        .unwrap()
        .query_map([p.id], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(refs, vec![None, Some("CPOMS-7788".to_string())]);

    let doc = sar::subject_access(&v, mia, &frameworks(), now()).unwrap();
    let sessions = doc
        .sections
        .iter()
        .find(|x| x.heading == "Sessions")
        .unwrap();
    let SarBlock::Table { head, rows } = &sessions.blocks[0] else {
        panic!("a table")
    };
    let col = head
        .iter()
        .position(|h| h == "Safeguarding reference")
        .expect("a column for the reference");
    let mut cells: Vec<&str> = rows.iter().map(|r| r[col].text.as_str()).collect();
    cells.sort();
    assert_eq!(cells, vec!["", "CPOMS-7788"]);
    let html = sar::render_html(&doc);
    assert!(html.contains("CPOMS-7788"));
}

#[test]
fn the_reference_travels_when_a_pack_is_added_to_a_pupil_already_held() {
    let (s, mut v) = school();
    let mia = add_assigned(&mut v, &pupil("Mia", "Jones", None), &s.ka1_id);
    records::log_session(&mut v, mia, &crisis("Upset", Some("CPOMS-9911")), now()).unwrap();
    let (bytes, pass) =
        handover::export_handover(&v, mia, &frameworks(), &mut rng(23), now()).unwrap();
    let (t, mut dst) = school();
    let held = add_assigned(&mut dst, &pupil("Mia", "Jones", None), &t.ka2_id);
    let pack = handover::open_pack(&dst, &bytes, pass.expose(), &frameworks(), now()).unwrap();
    merge::merge_handover(
        &mut dst,
        &pack,
        Some(held),
        &MergeChoices::default(),
        today(),
        now(),
    )
    .unwrap();
    let refs: Vec<Option<String>> = dst
        .conn()
        .unwrap()
        .prepare("SELECT safeguarding_ref FROM sessions WHERE pupil_id = ?1")
        .unwrap()
        .query_map([held], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(refs, vec![Some("CPOMS-9911".to_string())]);
}

#[test]
fn a_pack_from_before_the_reference_still_opens() {
    let (s, mut v) = school();
    let mia = add_assigned(&mut v, &pupil("Mia", "Jones", None), &s.ka1_id);
    records::log_session(&mut v, mia, &crisis("Upset", None), now()).unwrap();
    let (bytes, pass) =
        handover::export_handover(&v, mia, &frameworks(), &mut rng(22), now()).unwrap();
    let text =
        String::from_utf8(handover::open_file(&bytes, pass.expose()).unwrap().to_vec()).unwrap();
    assert!(
        !text.contains("safeguarding_ref\":null") && text.contains("\"note\":\"Upset\""),
        "a session without a reference is written as an older version wrote it"
    );
}

#[test]
fn the_reference_is_synced_both_ways() {
    let (s, mut school) = school();
    let mia = add_assigned(&mut school, &pupil("Mia", "Jones", None), &s.ka1_id);
    let at_school =
        records::log_session(&mut school, mia, &crisis("Before", Some("SG-1")), now()).unwrap();
    let mut r = rng(93);
    let (_tmp, mut laptop) = laptop(&mut school, &s.ka1_id, &mut r);
    let device = attune_vault::ids::device_no(laptop.conn().unwrap()).unwrap();
    assert_eq!(stored_ref(&laptop, at_school.id).as_deref(), Some("SG-1"));
    let later = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();

    // Logged on the laptop, with a reference: it reaches the school.
    let on_laptop =
        records::log_session(&mut laptop, mia, &crisis("Upset", Some("SG-2")), later).unwrap();
    let (up, _) = sync::export(&mut laptop, None, &mut r, later).unwrap();
    sync::import(&mut school, &up, &mut r, later).unwrap();
    assert_eq!(stored_ref(&school, on_laptop.id).as_deref(), Some("SG-2"));

    // Corrected at the school: the new reference reaches the laptop.
    corrections::correct_session(
        &mut school,
        on_laptop.id,
        &crisis("Upset", Some("SG-3")),
        "Wrong reference",
        later,
    )
    .unwrap();
    let (down, _) = sync::export(&mut school, Some(device), &mut r, later).unwrap();
    sync::import(&mut laptop, &down, &mut r, later).unwrap();
    assert_eq!(stored_ref(&laptop, on_laptop.id).as_deref(), Some("SG-3"));
}

#[test]
fn the_words_are_the_leads_to_set_and_anyone_signed_in_reads_them() {
    let (s, mut v) = school();
    // Until set: the modest default list.
    assert_eq!(
        safeguarding::safeguarding_words(&v).unwrap(),
        vec![
            "hurt",
            "hit",
            "touched",
            "bruise",
            "bruises",
            "secret",
            "scared to go home",
            "self-harm"
        ]
    );
    let kept = safeguarding::set_safeguarding_words(
        &mut v,
        &[
            "  Hit ".into(),
            "".into(),
            "scared   to go home".into(),
            "hit".into(),
            "Frightened".into(),
        ],
        now(),
    )
    .unwrap();
    assert_eq!(kept, vec!["Hit", "scared to go home", "Frightened"]);
    let a = last_audit(&v);
    assert_eq!(
        (a.action.as_str(), a.target.as_deref(), a.outcome.as_str()),
        ("settings.safeguarding_words", None, "ok"),
        "audited, without the words"
    );
    let stored: String = v
        .conn()
        .unwrap()
        .query_row(
            "SELECT value FROM settings WHERE key = 'safeguarding_words'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, "Hit\nscared to go home\nFrightened");
    v.lock("test", now());

    // A key adult reads them (the session form needs them) but may not change them.
    let mut k = unlock(&s.dir, &s.ka1_id, KA1_PASS);
    assert_eq!(
        safeguarding::safeguarding_words(&k).unwrap(),
        vec!["Hit", "scared to go home", "Frightened"]
    );
    let e = safeguarding::set_safeguarding_words(&mut k, &["x".into()], now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotPermitted);
    let a = last_audit(&k);
    assert_eq!(
        (a.action.as_str(), a.outcome.as_str()),
        ("settings.safeguarding_words", "refused")
    );
    assert_eq!(
        safeguarding::safeguarding_words(&k).unwrap().len(),
        3,
        "unchanged"
    );
    k.lock("test", now());

    // An empty list is allowed: no word brings the reminder up.
    let mut v = unlock(&s.dir, &s.lead_id, LEAD_PASS);
    assert_eq!(
        safeguarding::set_safeguarding_words(&mut v, &[" ".into()], now()).unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        safeguarding::safeguarding_words(&v).unwrap(),
        Vec::<String>::new()
    );
}

#[test]
fn words_that_are_not_words_are_refused_in_plain_words() {
    let (_s, mut v) = school();
    let refused = |v: &mut Vault, words: Vec<String>| -> String {
        let e = safeguarding::set_safeguarding_words(v, &words, now()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert_eq!(e.field(), Some("words"));
        e.to_string()
    };
    assert_eq!(
        refused(&mut v, vec!["w".repeat(51)]),
        "Each word or phrase must be 50 characters or fewer (one is 51)."
    );
    assert_eq!(
        refused(&mut v, vec!["!!".into()]),
        "\u{201c}!!\u{201d} has no letters in it. Use words or phrases."
    );
    assert_eq!(
        refused(&mut v, vec!["tab\there".into()]),
        "Put each word or phrase on its own line, with no other special characters."
    );
    let many: Vec<String> = (0..101).map(|i| format!("word{i}")).collect();
    assert_eq!(
        refused(&mut v, many),
        "The list can hold up to 100 words or phrases (it has 101)."
    );
    // Nothing was kept by a refused change: the defaults still apply.
    assert_eq!(safeguarding::safeguarding_words(&v).unwrap().len(), 8);
}

#[test]
fn the_words_reach_a_laptop() {
    let (s, mut school) = school();
    add_assigned(&mut school, &pupil("Mia", "Jones", None), &s.ka1_id);
    let mut r = rng(94);
    let (_tmp, mut laptop) = laptop(&mut school, &s.ka1_id, &mut r);
    let device = attune_vault::ids::device_no(laptop.conn().unwrap()).unwrap();
    let later = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
    safeguarding::set_safeguarding_words(&mut school, &["Lantern".into()], later).unwrap();
    let (down, _) = sync::export(&mut school, Some(device), &mut r, later).unwrap();
    sync::import(&mut laptop, &down, &mut r, later).unwrap();
    assert_eq!(
        safeguarding::safeguarding_words(&laptop).unwrap(),
        vec!["Lantern"]
    );
}
