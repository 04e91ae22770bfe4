//! Correcting and withdrawing a pupil's entries (issue 16, item 1), against a real vault: who
//! may, what is kept (the earlier version with who, when and why), what the audit log says,
//! and that summaries, search, the pupil's page, the subject access document, erasure and sync
//! all follow the current values.

mod common;
use common::*;

use attune_domain::date;
use attune_domain::lead::summary_facts::{summary_facts, Period, Purpose};
use attune_domain::model::*;
use attune_domain::record::corrections;
use attune_domain::transfer::sar::{self, SarBlock};
use attune_domain::transfer::scope::{self, Scope};
use attune_domain::transfer::{retention, sync};
use attune_domain::{record::pupils, record::records, record::search};
use attune_vault::{ErrorKind, Vault};
use chrono::{NaiveDate, TimeZone, Utc};

fn session_input(d: NaiveDate, minutes: u32, kind: SessionKind, note: &str) -> SessionInput {
    SessionInput {
        held_on: d,
        minutes,
        kind,
        regulation: Some(5),
        note: note.into(),
        safeguarding_ref: None,
    }
}

fn log(
    v: &mut Vault,
    pupil: i64,
    d: NaiveDate,
    minutes: u32,
    kind: SessionKind,
    note: &str,
) -> i64 {
    records::log_session(v, pupil, &session_input(d, minutes, kind, note), now())
        .unwrap()
        .id
}

fn page(v: &Vault, pupil: i64) -> PupilRecord {
    pupils::open_pupil(v, pupil, &frameworks(), 100, today(), now()).unwrap()
}

fn hits(v: &Vault, words: &str) -> Vec<SearchHit> {
    search::search(v, words, 50, now()).unwrap()
}

/// The audit entries' actions and targets, newest first.
fn audit(v: &Vault, n: u32) -> Vec<(String, Option<String>, String)> {
    attune_vault::audit::list(v.conn().unwrap(), None, n)
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.target, e.outcome))
        .collect()
}

fn count(v: &Vault, sql: &str) -> i64 {
    v.conn().unwrap().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn a_key_adult_corrects_their_pupils_session_and_only_the_lead_reads_the_earlier_version() {
    let (s, mut v) = school();
    let mia = add_assigned(&mut v, &pupil("Mia", "Jones", None), &s.ka1_id);
    let leo = add_assigned(&mut v, &pupil("Leo", "Park", None), &s.ka2_id);
    let leo_session = log(
        &mut v,
        leo,
        date!(2026 - 11 - 20),
        20,
        SessionKind::Planned,
        "puzzles",
    );
    drop(v);

    let mut ka1 = unlock(&s.dir, &s.ka1_id, KA1_PASS);
    let id = log(
        &mut ka1,
        mia,
        date!(2026 - 11 - 20),
        30,
        SessionKind::Planned,
        "We went to the lego club",
    );
    let fixed = corrections::correct_session(
        &mut ka1,
        id,
        &session_input(
            date!(2026 - 11 - 19),
            45,
            SessionKind::Planned,
            "We went to the chess club",
        ),
        "Wrong club and day written",
        now(),
    )
    .unwrap();
    assert_eq!(fixed.note, "We went to the chess club");
    assert_eq!(fixed.minutes, 45);
    assert_eq!(fixed.held_on, date!(2026 - 11 - 19));
    assert_eq!(fixed.changes.corrections, 1);
    let mark = fixed.changes.corrected.clone().unwrap();
    assert_eq!(mark.by.as_deref(), Some("Grace Hopper"));
    assert_eq!(mark.reason, "Wrong club and day written");
    // A key adult does not read earlier values.
    assert!(fixed.changes.earlier.is_empty());
    assert_eq!(
        audit(&ka1, 1)[0],
        (
            "session.correct".into(),
            Some(format!("pupil:{mia}/session:{id}")),
            "ok".into()
        )
    );

    // Nothing changed, no reason: refused in words, nothing kept.
    let same = session_input(
        date!(2026 - 11 - 19),
        45,
        SessionKind::Planned,
        "We went to the chess club",
    );
    let e = corrections::correct_session(&mut ka1, id, &same, "again", now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().starts_with("Nothing was changed"), "{e}");
    let mut other = same.clone();
    other.minutes = 50;
    let e = corrections::correct_session(&mut ka1, id, &other, "  ", now()).unwrap_err();
    assert_eq!(e.field(), Some("reason"));
    assert_eq!(e.to_string(), "Enter the reason.");
    // A correction is checked as a new session is.
    other.minutes = 0;
    let e = corrections::correct_session(&mut ka1, id, &other, "why", now()).unwrap_err();
    assert_eq!(e.field(), Some("minutes"));
    assert_eq!(count(&ka1, "SELECT count(*) FROM record_versions"), 1);

    // Another key adult's pupil: refused and audited, for correcting and withdrawing alike.
    let e = corrections::correct_session(
        &mut ka1,
        leo_session,
        &session_input(date!(2026 - 11 - 20), 20, SessionKind::Planned, "changed"),
        "mine now",
        now(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotPermitted);
    assert_eq!(
        audit(&ka1, 1)[0],
        (
            "session.correct".into(),
            Some(format!("pupil:{leo}")),
            "refused".into()
        )
    );
    let e = corrections::withdraw_entry(&mut ka1, EntryKind::Session, leo_session, "x", now())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotPermitted);
    assert_eq!(audit(&ka1, 1)[0].0, "session.withdraw");
    assert_eq!(audit(&ka1, 1)[0].2, "refused");
    // …and the other key adult's session is as it was.
    let note: String = ka1
        .conn()
        .unwrap()
        .query_row(
            "SELECT note FROM sessions WHERE id = ?1",
            [leo_session],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(note, "puzzles");

    // The key adult's page: the current values, marked corrected, no old word anywhere.
    let rec = page(&ka1, mia);
    assert_eq!(rec.sessions[0].note, "We went to the chess club");
    assert_eq!(rec.sessions[0].changes.corrections, 1);
    let json = serde_json::to_string(&rec).unwrap();
    assert!(!json.contains("lego"), "{json}");
    // Search: the new word, not the old one.
    assert_eq!(hits(&ka1, "chess").len(), 1);
    assert!(hits(&ka1, "lego").is_empty());
    drop(ka1);

    // The lead reads the earlier version: what changed, as it was, with who, when and why.
    let lead = unlock(&s.dir, &s.lead_id, LEAD_PASS);
    let rec = page(&lead, mia);
    let e = &rec.sessions[0].changes.earlier;
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].replaced.by.as_deref(), Some("Grace Hopper"));
    assert_eq!(e[0].replaced.reason, "Wrong club and day written");
    assert_eq!(e[0].replaced.at, "2026-11-22T09:00:00Z");
    let fields: Vec<(&str, &str)> = e[0]
        .fields
        .iter()
        .map(|f| (f.label.as_str(), f.value.as_str()))
        .collect();
    assert_eq!(
        fields,
        vec![
            ("Date", "20 November 2026"),
            ("Minutes", "30"),
            ("Note", "We went to the lego club"),
        ]
    );
    assert!(hits(&lead, "lego").is_empty());
}

#[test]
fn corrected_and_withdrawn_entries_in_summaries_search_pages_and_the_sar() {
    let (s, mut v) = school();
    let mia = add_assigned(&mut v, &pupil("Mia", "Jones", None), &s.ka1_id);
    let at = |d: NaiveDate| d.and_hms_opt(10, 0, 0).unwrap().and_utc();
    let s1 = records::log_session(
        &mut v,
        mia,
        &session_input(date!(2025 - 09 - 15), 20, SessionKind::Planned, "reading"),
        at(date!(2025 - 09 - 15)),
    )
    .unwrap()
    .id;
    let _s2 = log(
        &mut v,
        mia,
        date!(2025 - 10 - 01),
        25,
        SessionKind::Planned,
        "drawing",
    );
    let s3 = log(
        &mut v,
        mia,
        date!(2026 - 02 - 02),
        30,
        SessionKind::Crisis,
        "marmalade sandwiches",
    );
    let ind = |term: &str, att: f64| IndicatorsInput {
        term: term.into(),
        attendance_pct: Some(att),
        exclusion_days: Some(1.0),
        physical_interventions: Some(2),
    };
    records::set_indicators(&mut v, mia, &ind("Autumn 2025", 88.0), now()).unwrap();
    let chrono_in = |d: NaiveDate, text: &str| ChronologyInput {
        occurred_on: d,
        kind: ChronologyKind::PlacementMove,
        description: text.into(),
        safeguarding_ref: None,
    };
    let c1 = records::add_chronology_event(
        &mut v,
        mia,
        &chrono_in(date!(2025 - 06 - 01), "moved to a new placement"),
        now(),
    )
    .unwrap()
    .id;
    let c2 = records::add_chronology_event(
        &mut v,
        mia,
        &chrono_in(date!(2025 - 07 - 01), "a note about a different child"),
        now(),
    )
    .unwrap()
    .id;
    let sdq = |score: u32| ScoreInput {
        instrument: Instrument::Sdq,
        subscale: None,
        score: Some(score),
        stage: None,
        completed_on: date!(2026 - 01 - 10),
        completed_by: "Class teacher".into(),
    };
    let sc = records::add_score(&mut v, mia, &sdq(30), now()).unwrap().id;

    // Correct: session 1 lasted 50 minutes; the autumn attendance was 70 %; the move was in
    // May; the SDQ was 25. Withdraw: the crisis session and the other child's event.
    let mut i1 = session_input(date!(2025 - 09 - 15), 50, SessionKind::Planned, "reading");
    corrections::correct_session(&mut v, s1, &i1, "Typed 20 for 50", now()).unwrap();
    let autumn = page(&v, mia).indicators[0].id;
    let fixed = corrections::correct_indicators(
        &mut v,
        autumn,
        &ind("Autumn 2025", 70.0),
        "From the MIS",
        now(),
    )
    .unwrap();
    assert_eq!(fixed.attendance_pct, Some(70.0));
    corrections::correct_chronology_event(
        &mut v,
        c1,
        &chrono_in(date!(2025 - 05 - 01), "moved to a new placement"),
        "The move was in May",
        now(),
    )
    .unwrap();
    let fixed = corrections::correct_score(&mut v, sc, &sdq(25), "Added up again", now()).unwrap();
    assert_eq!(fixed.score, Some(25));
    corrections::withdraw_entry(
        &mut v,
        EntryKind::Session,
        s3,
        "Entered for the wrong pupil",
        now(),
    )
    .unwrap();
    corrections::withdraw_entry(
        &mut v,
        EntryKind::Chronology,
        c2,
        "About another child",
        now(),
    )
    .unwrap();
    let actions: Vec<String> = audit(&v, 7)
        .into_iter()
        .map(|a| a.0)
        .filter(|a| a != "pupil.view")
        .collect();
    assert_eq!(
        actions,
        [
            "chronology.withdraw",
            "session.withdraw",
            "score.correct",
            "chronology.correct",
            "indicators.correct",
            "session.correct",
        ]
    );
    assert_eq!(
        audit(&v, 1)[0].1.as_deref(),
        Some(format!("pupil:{mia}/chronology:{c2}").as_str())
    );
    // A withdrawn entry is neither withdrawn again nor corrected.
    let e =
        corrections::withdraw_entry(&mut v, EntryKind::Session, s3, "again", now()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "This session was withdrawn, so it cannot be changed any more."
    );
    i1.minutes = 10;
    let e = corrections::correct_session(
        &mut v,
        s3,
        &session_input(date!(2026 - 02 - 02), 31, SessionKind::Crisis, "x"),
        "y",
        now(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    // Another term's figures cannot be corrected onto a term already held.
    records::set_indicators(&mut v, mia, &ind("Spring 2026", 95.0), now()).unwrap();
    let e = corrections::correct_indicators(&mut v, autumn, &ind("Spring 2026", 70.0), "x", now())
        .unwrap_err();
    assert_eq!(e.field(), Some("term"));

    // The summary of 2025-26, counted by hand: planned 50 + 25 minutes in two sessions; the
    // crisis session is withdrawn; the latest indicators are the spring's, and the autumn's
    // corrected figure is what the summary of the autumn term reads.
    let facts = summary_facts(&v, &Period::school_year(2025), Purpose::Preview, now()).unwrap();
    let p = &facts.pupils[0];
    assert_eq!(p.sessions.len(), 1, "{:?}", p.sessions);
    assert_eq!(p.sessions[0].kind, SessionKind::Planned);
    assert_eq!((p.sessions[0].sessions, p.sessions[0].minutes), (2, 75));
    let autumn_facts =
        summary_facts(&v, &Period::term(2025, "autumn"), Purpose::Preview, now()).unwrap();
    assert_eq!(
        autumn_facts.pupils[0]
            .indicators_latest
            .map(|i| i.attendance_pct),
        Some(Some(70.0))
    );

    // Search: nothing of the withdrawn session or event.
    assert!(hits(&v, "marmalade").is_empty());
    assert!(hits(&v, "different child").is_empty());
    assert_eq!(hits(&v, "placement").len(), 1);

    // The lead's page shows the withdrawn entries, marked; the key adult's leaves them out.
    let rec = page(&v, mia);
    assert_eq!(rec.sessions.len(), 3);
    assert_eq!(rec.session_count, 3);
    let w = rec.sessions.iter().find(|x| x.id == s3).unwrap();
    let mark = w.changes.withdrawn.as_ref().unwrap();
    assert_eq!(mark.by.as_deref(), Some("Ada Lovelace"));
    assert_eq!(mark.reason, "Entered for the wrong pupil");
    assert_eq!(rec.chronology.len(), 2);
    let moved = rec.chronology.iter().find(|c| c.id == c1).unwrap();
    assert_eq!(moved.occurred_on, date!(2025 - 05 - 01));
    assert_eq!(moved.changes.earlier[0].fields[0].value, "1 June 2025");
    let score = &rec.scores[0];
    assert_eq!(score.changes.earlier[0].fields[0].label, "Score");
    assert_eq!(score.changes.earlier[0].fields[0].value, "30");
    let autumn_row = rec.indicators.iter().find(|i| i.id == autumn).unwrap();
    assert_eq!(
        autumn_row.changes.earlier[0].fields[0],
        VersionField {
            label: "Attendance (%)".into(),
            value: "88.0".into()
        }
    );

    // The subject access document: withdrawn entries marked, every earlier version with who,
    // when and why.
    let doc = sar::subject_access(&v, mia, &frameworks(), now()).unwrap();
    let sessions = doc
        .sections
        .iter()
        .find(|x| x.heading == "Sessions")
        .unwrap();
    let SarBlock::Table { head, rows } = &sessions.blocks[0] else {
        panic!("a table")
    };
    assert_eq!(head.last().unwrap(), "Correction or withdrawal");
    assert_eq!(rows.len(), 3);
    let statuses: Vec<&str> = rows
        .iter()
        .map(|r| r.last().unwrap().text.as_str())
        .collect();
    assert!(statuses.contains(&"Corrected"));
    assert!(statuses.contains(&"Withdrawn 22 November 2026, 09:00 UTC"));
    let changes = doc
        .sections
        .iter()
        .find(|x| x.heading == "Corrections and withdrawals")
        .unwrap();
    let SarBlock::Table { rows, .. } = &changes.blocks[0] else {
        panic!("a table")
    };
    let text: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r.iter().map(|c| c.text.as_str()).collect())
        .collect();
    assert!(text.contains(&vec![
        "Session of 15 September 2025",
        "Corrected",
        "22 November 2026, 09:00 UTC",
        "Ada Lovelace",
        "Typed 20 for 50",
        "Minutes: 20",
    ]));
    assert!(text.contains(&vec![
        "Session of 2 February 2026",
        "Withdrawn",
        "22 November 2026, 09:00 UTC",
        "Ada Lovelace",
        "Entered for the wrong pupil",
        "",
    ]));
    assert!(text.contains(&vec![
        "Indicators for Autumn 2025",
        "Corrected",
        "22 November 2026, 09:00 UTC",
        "Ada Lovelace",
        "From the MIS",
        "Attendance (%): 88.0",
    ]));
    let html = sar::render_html(&doc);
    assert!(html.contains("Typed 20 for 50"));
    drop(v);

    let ka1 = unlock(&s.dir, &s.ka1_id, KA1_PASS);
    let rec = page(&ka1, mia);
    assert_eq!(rec.sessions.len(), 2);
    assert_eq!(rec.session_count, 2);
    assert!(rec.sessions.iter().all(|x| x.changes.withdrawn.is_none()));
    assert_eq!(rec.chronology.len(), 1);
    let json = serde_json::to_string(&rec).unwrap();
    assert!(!json.contains("marmalade") && !json.contains("different child"));
    assert!(!json.contains("88.0"), "{json}");
}

#[test]
fn entering_a_terms_figures_again_keeps_what_they_replace() {
    let (s, mut v) = school();
    let mia = add_assigned(&mut v, &pupil("Mia", "Jones", None), &s.ka1_id);
    let ind = |att: f64| IndicatorsInput {
        term: "Autumn 2025".into(),
        attendance_pct: Some(att),
        exclusion_days: None,
        physical_interventions: None,
    };
    records::set_indicators(&mut v, mia, &ind(90.0), now()).unwrap();
    records::set_indicators(&mut v, mia, &ind(90.0), now()).unwrap();
    assert_eq!(count(&v, "SELECT count(*) FROM record_versions"), 0);
    records::set_indicators(&mut v, mia, &ind(80.0), now()).unwrap();
    let id = page(&v, mia).indicators[0].id;
    corrections::withdraw_entry(&mut v, EntryKind::Indicators, id, "Wrong pupil", now()).unwrap();
    assert!(page(&v, mia).indicators[0].changes.withdrawn.is_some());
    records::set_indicators(&mut v, mia, &ind(85.0), now()).unwrap();
    let rec = page(&v, mia);
    let row = &rec.indicators[0];
    assert_eq!(row.attendance_pct, Some(85.0));
    assert!(row.changes.withdrawn.is_none());
    let reasons: Vec<&str> = row
        .changes
        .earlier
        .iter()
        .map(|e| e.replaced.reason.as_str())
        .collect();
    assert_eq!(
        reasons,
        [
            "Entered again after it was withdrawn (22 November 2026 by Ada Lovelace: Wrong pupil)",
            "Replaced by entering the term's figures again",
        ]
    );
}

#[test]
fn erasing_a_pupil_erases_the_earlier_versions() {
    let (s, mut v) = school();
    let mia = add_assigned(&mut v, &pupil("Mia", "Jones", None), &s.ka1_id);
    let leo = add_assigned(&mut v, &pupil("Leo", "Park", None), &s.ka1_id);
    for p in [mia, leo] {
        let id = log(
            &mut v,
            p,
            date!(2026 - 11 - 20),
            30,
            SessionKind::Planned,
            "old words",
        );
        corrections::correct_session(
            &mut v,
            id,
            &session_input(date!(2026 - 11 - 20), 30, SessionKind::Planned, "new words"),
            "typo",
            now(),
        )
        .unwrap();
    }
    retention::erase_on_request(&mut v, mia, "requested by the parent", now()).unwrap();
    assert_eq!(
        count(
            &v,
            &format!("SELECT count(*) FROM record_versions WHERE pupil_id = {mia}")
        ),
        0
    );
    assert_eq!(
        count(
            &v,
            &format!("SELECT count(*) FROM record_versions WHERE pupil_id = {leo}")
        ),
        1
    );
}

#[test]
fn corrections_and_withdrawals_travel_between_a_laptop_and_the_school() {
    let (s, mut school) = school();
    let mia = add_assigned(&mut school, &pupil("Mia", "Jones", None), &s.ka1_id);
    let a = log(
        &mut school,
        mia,
        date!(2026 - 11 - 02),
        30,
        SessionKind::Planned,
        "first note",
    );
    let b = log(
        &mut school,
        mia,
        date!(2026 - 11 - 03),
        30,
        SessionKind::Planned,
        "second note",
    );
    let mut r = rng(90);
    let (_tmp, mut laptop) = laptop(&mut school, &s.ka1_id, &mut r);
    let device = attune_vault::ids::device_no(laptop.conn().unwrap()).unwrap();
    let later = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();

    // On the laptop: correct one, withdraw the other.
    corrections::correct_session(
        &mut laptop,
        a,
        &session_input(
            date!(2026 - 11 - 02),
            40,
            SessionKind::Planned,
            "first note, fixed",
        ),
        "Forgot ten minutes",
        later,
    )
    .unwrap();
    corrections::withdraw_entry(&mut laptop, EntryKind::Session, b, "Never happened", later)
        .unwrap();
    let (up, _) = sync::export(&mut laptop, None, &mut r, later).unwrap();
    sync::import(&mut school, &up, &mut r, later).unwrap();

    let rec = page(&school, mia);
    let fixed = rec.sessions.iter().find(|x| x.id == a).unwrap();
    assert_eq!(fixed.note, "first note, fixed");
    assert_eq!(
        fixed.changes.earlier[0].replaced.reason,
        "Forgot ten minutes"
    );
    assert_eq!(
        fixed.changes.earlier[0].replaced.by.as_deref(),
        Some("Grace Hopper")
    );
    let gone = rec.sessions.iter().find(|x| x.id == b).unwrap();
    assert_eq!(
        gone.changes.withdrawn.as_ref().map(|w| w.reason.as_str()),
        Some("Never happened")
    );
    // The school's index follows the applied change.
    assert!(hits(&school, "second").is_empty());
    assert_eq!(hits(&school, "fixed").len(), 1);

    // At the school: a correction of the corrected session reaches the laptop.
    corrections::correct_session(
        &mut school,
        a,
        &session_input(
            date!(2026 - 11 - 02),
            45,
            SessionKind::Planned,
            "first note, fixed",
        ),
        "It was 45",
        later,
    )
    .unwrap();
    let (down, _) = sync::export(&mut school, Some(device), &mut r, later).unwrap();
    sync::import(&mut laptop, &down, &mut r, later).unwrap();
    let rec = page(&laptop, mia);
    assert_eq!(rec.sessions.len(), 1, "the withdrawn session is left out");
    assert_eq!(rec.sessions[0].minutes, 45);
    assert_eq!(rec.sessions[0].changes.corrections, 2);

    // The laptop holds exactly the school's rows for its key adult.
    let at_school = scope::digest(school.conn().unwrap(), Scope::Caseload(&s.ka1_id)).unwrap();
    let on_laptop = scope::digest(laptop.conn().unwrap(), Scope::Caseload(&s.ka1_id)).unwrap();
    assert_eq!(at_school.counts.get("record_versions"), Some(&2));
    assert_eq!(at_school, on_laptop);
}

#[test]
fn two_corrections_of_one_session_crossing_keep_one_value_and_both_earlier_versions() {
    let (s, mut school) = school();
    let mia = add_assigned(&mut school, &pupil("Mia", "Jones", None), &s.ka1_id);
    let a = log(
        &mut school,
        mia,
        date!(2026 - 11 - 02),
        30,
        SessionKind::Planned,
        "first words",
    );
    let mut r = rng(91);
    let (_tmp, mut laptop) = laptop(&mut school, &s.ka1_id, &mut r);
    let device = attune_vault::ids::device_no(laptop.conn().unwrap()).unwrap();
    let later = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
    let input = |note: &str| session_input(date!(2026 - 11 - 02), 30, SessionKind::Planned, note);
    // Both correct the note before either file crosses.
    corrections::correct_session(
        &mut laptop,
        a,
        &input("laptop words"),
        "laptop's fix",
        later,
    )
    .unwrap();
    corrections::correct_session(
        &mut school,
        a,
        &input("school words"),
        "school's fix",
        later,
    )
    .unwrap();
    let (up, _) = sync::export(&mut laptop, None, &mut r, later).unwrap();
    sync::import(&mut school, &up, &mut r, later).unwrap();
    let (down, _) = sync::export(&mut school, Some(device), &mut r, later).unwrap();
    sync::import(&mut laptop, &down, &mut r, later).unwrap();

    let note = |v: &Vault| -> String {
        v.conn()
            .unwrap()
            .query_row("SELECT note FROM sessions WHERE id = ?1", [a], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(note(&school), note(&laptop), "one value everywhere");
    for v in [&school, &laptop] {
        let mut reasons: Vec<String> = v
            .conn()
            .unwrap()
            .prepare("SELECT reason FROM record_versions WHERE record_id = ?1 ORDER BY reason")
            .unwrap()
            .query_map([a], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        reasons.sort();
        assert_eq!(reasons, ["laptop's fix", "school's fix"]);
    }
    // The value that lost is kept as a conflict where it lost, for a person to see.
    let kept = count(&school, "SELECT count(*) FROM sync_conflicts")
        + count(&laptop, "SELECT count(*) FROM sync_conflicts");
    assert!(kept >= 1, "the losing note is kept as a conflict");
}
