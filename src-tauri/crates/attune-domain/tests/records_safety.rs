//! Moving data safely (issue 6): retention and erasure, against real vault files.

mod common;
use common::*;

use attune_domain::date;
use attune_domain::model::*;
use attune_domain::rules::schedule::Cadence;
use attune_domain::{
    lead::supervision, planning::plans, planning::reviews, record::drafts, record::profile,
    record::pupils, record::records, record::search, transfer::retention,
};
use attune_vault::ErrorKind;

/// Distinctive strings written into one pupil's record, to look for afterwards.
const SECRETS: &[&str] = &[
    "Zephyrine",
    "Quillbottom",
    "Zuzu",
    "Marmaladeflask",
    "Obsidianwhistle",
    "Periwinklestone",
    "Tangerinecloud",
    "Dr Xanthippe Vorlaufer",
    "Auntie Brindlemoss",
    "Cobaltlantern",
    "Saffronharbour",
    "Gingerquartz",
    DRAFT_ONLY,
];

/// Written only in drafts (under every draft key the pupil page's forms use): a draft is the
/// user's own unsaved typing, not part of the subject access document, but erased with the pupil.
const DRAFT_ONLY: &str = "Lilacfernbrook";

/// Written into the erased pupil's review and its amendment.
const REVIEW_SECRETS: &[&str] = &["Heliotropequill", "Lapislullaby"];

/// A pupil with something in every part of the record; returns the pupil's id, UPN and plan id.
fn full_pupil(v: &mut attune_vault::Vault, ka: &str) -> (i64, String, i64) {
    let upn_value = upn(424_242_424_242);
    let mut input = pupil("Zephyrine", "Quillbottom", Some(&upn_value));
    input.preferred_name = Some("Zuzu".into());
    input.identifiers.push(IdentifierInput {
        kind: attune_domain::rules::identifiers::IdentifierKind::Local,
        value: "LOC-Gingerquartz".into(),
    });
    let id = add_assigned(v, &input, ka);
    profile::save_profile(
        v,
        id,
        &Profile {
            strengths_interests: "Loves Marmaladeflask stories".into(),
            story: "Moved after Obsidianwhistle".into(),
            ..Profile::default()
        },
        now(),
    )
    .unwrap();
    profile::add_agency_advice(
        v,
        id,
        &AgencyAdviceInput {
            agency: AgencyKind::EducationalPsychologist,
            source: "Dr Xanthippe Vorlaufer".into(),
            advised_on: date!(2026 - 10 - 01),
            advice: "Use Periwinklestone routines".into(),
        },
        now(),
    )
    .unwrap();
    profile::set_team(
        v,
        id,
        &[TeamMemberInput {
            name: "Auntie Brindlemoss".into(),
            role: "carer".into(),
        }],
        now(),
    )
    .unwrap();
    let plan = plans::start_plan(
        v,
        id,
        &PlanInput {
            framework_id: None,
            start: date!(2026 - 09 - 07),
            horizon_end: date!(2029 - 07 - 20),
            cadence: Cadence::Termly,
        },
        &frameworks(),
        today(),
        now(),
    )
    .unwrap();
    plans::add_goal(
        v,
        plan.id,
        &GoalInput {
            domain_id: "belonging".into(),
            outcome: "Joins the Tangerinecloud club".into(),
            baseline: 1,
            target: 6,
            strategies: "Cobaltlantern check-ins".into(),
            who: String::new(),
            how_often: String::new(),
            pp_plus_cost_pence: None,
        },
        &frameworks(),
        now(),
    )
    .unwrap();
    records::log_session(
        v,
        id,
        &SessionInput {
            held_on: date!(2026 - 11 - 20),
            minutes: 20,
            kind: SessionKind::Planned,
            regulation: Some(4),
            note: "Talked about Saffronharbour".into(),
            safeguarding_ref: None,
        },
        now(),
    )
    .unwrap();
    records::add_chronology_event(
        v,
        id,
        &ChronologyInput {
            occurred_on: date!(2026 - 06 - 01),
            kind: ChronologyKind::PlacementMove,
            description: "Moved to Obsidianwhistle placement".into(),
            safeguarding_ref: Some("SG-Cobaltlantern".into()),
        },
        now(),
    )
    .unwrap();
    records::add_score(
        v,
        id,
        &ScoreInput {
            instrument: Instrument::Sdq,
            subscale: None,
            score: Some(23),
            stage: None,
            completed_on: date!(2026 - 10 - 01),
            completed_by: "Class teacher".into(),
        },
        now(),
    )
    .unwrap();
    records::set_indicators(
        v,
        id,
        &IndicatorsInput {
            term: "autumn 2026".into(),
            attendance_pct: Some(81.5),
            exclusion_days: Some(1.0),
            physical_interventions: Some(0),
        },
        now(),
    )
    .unwrap();
    drafts::save_draft(
        v,
        &format!("session:{id}"),
        "Draft about Saffronharbour",
        now(),
    )
    .unwrap();
    drafts::save_draft(
        v,
        &format!("goal:{}", plan.id),
        "Tangerinecloud draft",
        now(),
    )
    .unwrap();
    // A draft under every other key a form of the pupil page uses (ui/src, each DraftKeeper).
    let review = attune_domain::planning::reviews::prepare_review(
        v,
        plan.id,
        plan.due_dates[0].date,
        today(),
        now(),
    )
    .unwrap()
    .id;
    for key in [
        format!("team:{id}"),
        format!("indicators:{id}"),
        format!("correct:{id}/session-1-correct"),
        format!("renew:{}", plan.id),
        format!("amendment:{review}"),
    ] {
        drafts::save_draft(v, &key, &format!("{key} {DRAFT_ONLY}"), now()).unwrap();
    }
    (id, upn_value, plan.id)
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// Every text and blob value in every table of the open (decrypted) database, including the
/// full-text index's shadow tables.
fn all_stored_bytes(v: &attune_vault::Vault) -> Vec<u8> {
    let conn = v.conn().unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut out = Vec::new();
    for t in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let n = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..n {
                match row.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Text(b) | rusqlite::types::ValueRef::Blob(b) => {
                        out.extend_from_slice(b);
                        out.push(0);
                    }
                    _ => {}
                }
            }
        }
    }
    out
}

#[test]
fn retention_period_is_a_lead_setting_with_a_default_of_seven_years() {
    let (s, mut v) = school();
    assert_eq!(retention::retention_years(&v).unwrap(), 7);
    assert_eq!(
        retention::set_retention_years(&mut v, 0, now())
            .unwrap_err()
            .field(),
        Some("retention_years")
    );
    retention::set_retention_years(&mut v, 6, now()).unwrap();
    assert_eq!(retention::retention_years(&v).unwrap(), 6);
    assert_eq!(last_audit(&v).action, "settings.retention");
    drop(v);
    let mut ka = unlock(&s.dir, &s.ka1_id, KA1_PASS);
    assert_eq!(retention::retention_years(&ka).unwrap(), 6);
    let e = retention::set_retention_years(&mut ka, 1, now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotPermitted);
    assert_eq!(last_audit(&ka).outcome, "refused");
    let e = retention::retention_due(&ka, today(), now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotPermitted);
    assert_eq!(last_audit(&ka).action, "retention.view");
    assert_eq!(last_audit(&ka).outcome, "refused");
}

#[test]
fn pupils_who_left_longer_ago_than_the_period_are_listed() {
    let (s, mut v) = school();
    let a = add_assigned(&mut v, &pupil("Ann", "Old", None), &s.ka1_id);
    let b = add_assigned(&mut v, &pupil("Ben", "Recent", None), &s.ka1_id);
    let c = add_assigned(&mut v, &pupil("Cal", "Leap", None), &s.ka1_id);
    let _active = add_assigned(&mut v, &pupil("Dee", "Here", None), &s.ka1_id);
    pupils::mark_left(&mut v, a, date!(2019 - 07 - 19), now()).unwrap();
    pupils::archive_pupil(&mut v, a, now()).unwrap();
    pupils::mark_left(&mut v, b, date!(2020 - 07 - 17), now()).unwrap();
    pupils::mark_left(&mut v, c, date!(2016 - 02 - 29), now()).unwrap();

    let due = retention::retention_due(&v, date!(2026 - 07 - 18), now()).unwrap();
    assert_eq!(
        due,
        vec![retention::RetentionCandidate {
            pupil_id: c,
            left_on: date!(2016 - 02 - 29),
            due_on: date!(2023 - 02 - 28),
        }]
    );
    let due = retention::retention_due(&v, date!(2026 - 07 - 19), now()).unwrap();
    assert_eq!(
        due.iter().map(|r| r.pupil_id).collect::<Vec<_>>(),
        vec![c, a]
    );
    assert_eq!(last_audit(&v).action, "retention.view");
    assert_eq!(last_audit(&v).target, None);
    retention::set_retention_years(&mut v, 6, now()).unwrap();
    let due = retention::retention_due(&v, date!(2026 - 07 - 19), now()).unwrap();
    assert_eq!(
        due.iter().map(|r| r.pupil_id).collect::<Vec<_>>(),
        vec![c, a, b]
    );
}

#[test]
fn erasure_is_for_the_lead_and_for_pupils_who_have_left() {
    let (s, mut v) = school();
    let id = add_assigned(&mut v, &pupil("Eve", "Active", None), &s.ka1_id);
    let e = retention::erase_pupil(&mut v, id, now()).unwrap_err();
    assert_eq!(e.field(), Some("status"));
    let a = last_audit(&v);
    assert_eq!(
        (a.action.as_str(), a.outcome.as_str()),
        ("pupil.erase", "refused")
    );
    assert_eq!(
        retention::erase_pupil(&mut v, 999, now())
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
    pupils::mark_left(&mut v, id, date!(2018 - 07 - 20), now()).unwrap();
    drop(v);

    // A key adult, even the pupil's own, is refused, and the refusal audited.
    let mut ka = unlock(&s.dir, &s.ka1_id, KA1_PASS);
    let e = retention::erase_pupil(&mut ka, id, now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotPermitted);
    let a = last_audit(&ka);
    assert_eq!(
        (a.action.as_str(), a.target.as_deref(), a.outcome.as_str()),
        (
            "pupil.erase",
            Some(format!("pupil:{id}").as_str()),
            "refused"
        )
    );
    assert!(pupils::get_pupil(&ka, id, now()).is_ok());
}

#[test]
fn erasure_leaves_nothing_of_the_pupil_in_the_files() {
    let (s, mut v) = school();
    let (id, upn_value, plan_id) = full_pupil(&mut v, &s.ka1_id);
    let other = add_assigned(&mut v, &pupil("Olive", "Stays", None), &s.ka2_id);
    // The kinds search learnt in issue 16: a signed review and its amendment, and a
    // supervision note naming the pupil (the note stays, their name goes from it).
    let fw = frameworks();
    let plan = plans::get_plan(&v, plan_id, &fw, today(), now()).unwrap();
    let review =
        reviews::prepare_review(&mut v, plan_id, plan.due_dates[0].date, today(), now()).unwrap();
    reviews::save_review_draft(
        &mut v,
        review.id,
        &review_input(plan.goals[0].id, "Heliotropequill makes me happy", 5),
        now(),
    )
    .unwrap();
    reviews::sign_review(&mut v, review.id, now()).unwrap();
    reviews::amend_review(
        &mut v,
        review.id,
        "Wrong word",
        "Lapislullaby, not Heliotropequill",
        now(),
    )
    .unwrap();
    supervision::record_supervision_note(
        &mut v,
        &supervision::SupervisionNoteInput {
            held_on: today(),
            kind: supervision::SupervisionKind::Supervision,
            key_adult_id: s.ka1_id.clone(),
            pupil_ids: vec![id],
            notes: "Zephyrine and the Sorrelwick plan".into(),
            actions: String::new(),
        },
        today(),
        now(),
    )
    .unwrap();
    for word in ["Heliotropequill", "Lapislullaby", "Zephyrine"] {
        assert!(
            !search::search(&v, word, 10, now()).unwrap().is_empty(),
            "{word} is found before"
        );
    }

    // Before: the record is there and readable through the API, and the decrypted tables hold
    // every distinctive string (so the scan below can see them).
    let rec = pupils::open_pupil(&v, id, &frameworks(), 50, today(), now()).unwrap();
    assert_eq!(rec.pupil.legal_forename, "Zephyrine");
    assert_eq!(rec.sessions[0].note, "Talked about Saffronharbour");
    assert_eq!(
        rec.chronology[0].description,
        "Moved to Obsidianwhistle placement"
    );
    assert!(!search::search(&v, "Saffronharbour", 10, now())
        .unwrap()
        .is_empty());
    let before = all_stored_bytes(&v);
    for s in SECRETS
        .iter()
        .copied()
        .chain([upn_value.as_str()])
        .chain(REVIEW_SECRETS.iter().copied())
    {
        assert!(contains(&before, s.as_bytes()), "{s} should be stored");
    }

    pupils::mark_left(&mut v, id, date!(2018 - 07 - 20), now()).unwrap();
    retention::erase_pupil(&mut v, id, now()).unwrap();
    let a = last_audit(&v);
    assert_eq!(
        (a.action.as_str(), a.target.as_deref(), a.outcome.as_str()),
        ("pupil.erase", Some(format!("pupil:{id}").as_str()), "ok")
    );

    // Gone from every table, the search index's shadow tables included.
    let after = all_stored_bytes(&v);
    for s in SECRETS
        .iter()
        .copied()
        .chain([upn_value.as_str()])
        .chain(REVIEW_SECRETS.iter().copied())
    {
        assert!(!contains(&after, s.as_bytes()), "{s} is still stored");
    }
    assert_eq!(
        pupils::get_pupil(&v, id, now()).unwrap_err().kind(),
        ErrorKind::NotFound
    );
    for word in [
        "Saffronharbour",
        "Heliotropequill",
        "Lapislullaby",
        "Zephyrine",
    ] {
        assert!(
            search::search(&v, word, 10, now()).unwrap().is_empty(),
            "{word}"
        );
    }
    // The supervision note is still found by its other words, without the pupil's name.
    let left = search::search(&v, "Sorrelwick", 10, now()).unwrap();
    assert_eq!(left.len(), 1);
    assert!(
        !left[0].snippet.contains("Zephyrine"),
        "{}",
        left[0].snippet
    );
    assert!(drafts::load_draft(&v, &format!("goal:{plan_id}"))
        .unwrap()
        .is_none());
    let conn = v.conn().unwrap();
    for (table, col) in [
        ("pupil_identifiers", "pupil_id"),
        ("assignments", "pupil_id"),
        ("profiles", "pupil_id"),
        ("agency_advice", "pupil_id"),
        ("team_members", "pupil_id"),
        ("plans", "pupil_id"),
        ("sessions", "pupil_id"),
        ("chronology", "pupil_id"),
        ("instrument_scores", "pupil_id"),
        ("termly_indicators", "pupil_id"),
        ("search_index", "pupil_id"),
    ] {
        let n: i64 = conn
            .query_row(
                &format!("SELECT count(*) FROM {table} WHERE {col} = ?1"),
                [id],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 0, "{table}");
    }
    for table in ["goals", "review_due_dates"] {
        let n: i64 = conn
            .query_row(
                &format!("SELECT count(*) FROM {table} WHERE plan_id = ?1"),
                [plan_id],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 0, "{table}");
    }
    // The other pupil and the audit chain are untouched.
    assert!(pupils::get_pupil(&v, other, now()).is_ok());
    assert_eq!(attune_vault::audit::verify(conn).unwrap(), None);
    drop(v);

    // The files' bytes, after closing.
    let mut files = vec![std::fs::read(s.dir.join("vault.db")).unwrap()];
    if let Ok(wal) = std::fs::read(s.dir.join("vault.db-wal")) {
        files.push(wal);
    }
    for bytes in &files {
        for s in SECRETS
            .iter()
            .copied()
            .chain([upn_value.as_str()])
            .chain(REVIEW_SECRETS.iter().copied())
        {
            assert!(!contains(bytes, s.as_bytes()), "{s} in the file");
            assert!(!contains(bytes, &utf16(s)), "{s} (UTF-16) in the file");
        }
    }
    // The vault still opens and passes its checks.
    let v = unlock(&s.dir, &s.lead_id, LEAD_PASS);
    assert!(v.verify().unwrap().is_empty());
    assert!(pupils::get_pupil(&v, other, now()).is_ok());
}

// ---------------------------------------------------------------------------------------------
// Subject access

#[test]
fn subject_access_document_holds_everything_escaped_and_self_contained() {
    let (s, mut v) = school();
    let (id, upn_value, _) = full_pupil(&mut v, &s.ka1_id);
    records::log_session(
        &mut v,
        id,
        &SessionInput {
            held_on: date!(2026 - 11 - 21),
            minutes: 15,
            kind: SessionKind::CheckIn,
            regulation: None,
            note: "<script>alert('x')</script> & \"quotes\"".into(),
            safeguarding_ref: None,
        },
        now(),
    )
    .unwrap();
    pupils::get_pupil(&v, id, now()).unwrap();
    let html = attune_domain::transfer::sar::subject_access_document(&v, id, &frameworks(), now())
        .unwrap();

    for s in SECRETS
        .iter()
        .copied()
        .filter(|s| *s != DRAFT_ONLY)
        .chain([upn_value.as_str()])
    {
        assert!(html.contains(s), "{s} missing from the document");
    }
    // Escaped, and nothing active or remote.
    assert!(!html.contains("<script"), "unescaped script");
    assert!(html.contains("&lt;script&gt;alert('x')&lt;/script&gt; &amp; &quot;quotes&quot;"));
    // Every element in the file is one the document's own layout uses: read the tags off the
    // bytes, not off the renderer.
    let allowed = [
        "!DOCTYPE", "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "h4", "p",
        "span", "dl", "dt", "dd", "table", "thead", "tbody", "tr", "th", "td",
    ];
    for tag in html.split('<').skip(1) {
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '!')
            .collect();
        assert!(
            allowed.contains(&name.as_str()),
            "unexpected element <{name}"
        );
    }
    // The typed document the window draws carries the note as text, unchanged.
    let doc = attune_domain::transfer::sar::subject_access(&v, id, &frameworks(), now()).unwrap();
    let cells: Vec<&str> = doc
        .sections
        .iter()
        .flat_map(|s| &s.blocks)
        .filter_map(|b| match b {
            attune_domain::transfer::sar::SarBlock::Table { rows, .. } => Some(rows),
            _ => None,
        })
        .flatten()
        .flatten()
        .map(|c| c.text.as_str())
        .collect();
    assert!(cells.contains(&"<script>alert('x')</script> & \"quotes\""));
    let lower = html.to_lowercase();
    for bad in [
        "http:",
        "https:",
        "src=",
        "href=",
        "@import",
        "url(",
        "javascript:",
    ] {
        assert!(!lower.contains(bad), "{bad} in the document");
    }
    assert!(html.contains("@page { size: A4"));
    assert!(html.starts_with("<!DOCTYPE html>"));
    // UK dates, every section, the audit of who viewed the record.
    assert!(html.contains("4 March 2016"), "date of birth");
    assert!(html.contains("20 November 2026"), "session date");
    assert!(html.contains("Placement move"));
    assert!(html.contains("Grace Hopper"), "the key adult");
    assert!(html.contains("pupil.view"));
    assert!(html.contains("session.create"));
    assert!(html.contains("22 November 2026, 09:00 UTC"));
    for h in [
        "The pupil",
        "Key adults",
        "About me",
        "Advice from outside agencies",
        "Team around the pupil",
        "Plans",
        "Review due",
        "Sessions",
        "Chronology",
        "Assessment scores",
        "Attendance, exclusions and physical interventions",
        "Who has viewed or changed this record",
    ] {
        assert!(html.contains(h), "section {h}");
    }
    let a = last_audit(&v);
    assert_eq!(
        (a.action.as_str(), a.target.as_deref(), a.outcome.as_str()),
        ("pupil.sar", Some(format!("pupil:{id}").as_str()), "ok")
    );
    drop(v);

    // A key adult, even the pupil's own, is refused and audited.
    let ka = unlock(&s.dir, &s.ka1_id, KA1_PASS);
    let e = attune_domain::transfer::sar::subject_access_document(&ka, id, &frameworks(), now())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotPermitted);
    let a = last_audit(&ka);
    assert_eq!(
        (a.action.as_str(), a.outcome.as_str()),
        ("pupil.sar", "refused")
    );
}

#[test]
fn an_interrupted_erasure_is_finished_at_the_next_unlock_before_anything_reads_the_vault() {
    let (s, mut v) = school();
    let (id, upn_value, _) = full_pupil(&mut v, &s.ka1_id);
    let other = add_assigned(&mut v, &pupil("Olive", "Stays", None), &s.ka2_id);
    // The erasure's first step (the id into the key-slot file's record), then a crash before
    // any row went.
    v.remember_erasure(id, now()).unwrap();
    assert!(pupils::get_pupil(&v, id, now()).is_ok());
    drop(v);

    // Whoever unlocks next (here the pupil's key adult) cannot read anything until the pupil
    // is erased again.
    let mut ka = unlock(&s.dir, &s.ka1_id, KA1_PASS);
    assert_eq!(ka.pending_erasures(), &[id]);
    assert_eq!(
        pupils::get_pupil(&ka, id, now()).unwrap_err().kind(),
        ErrorKind::Locked
    );
    assert!(ka.conn().is_err());
    assert_eq!(retention::erase_again(&mut ka, now()).unwrap(), vec![id]);
    assert!(ka.pending_erasures().is_empty());
    let a = last_audit(&ka);
    assert_eq!(
        (a.action.as_str(), a.target.as_deref(), a.outcome.as_str()),
        (
            "pupil.erase",
            Some(format!("pupil:{id}").as_str()),
            "reapplied"
        )
    );
    let after = all_stored_bytes(&ka);
    for s in SECRETS.iter().copied().chain([upn_value.as_str()]) {
        assert!(!contains(&after, s.as_bytes()), "{s} is still stored");
    }
    assert!(pupils::get_pupil(&ka, id, now()).is_err());
    drop(ka);
    // Nothing pending at the next unlock; the list is kept (the lead's view of it).
    let v = unlock(&s.dir, &s.lead_id, LEAD_PASS);
    assert!(v.pending_erasures().is_empty());
    assert_eq!(v.erased_pupils().unwrap(), vec![id]);
    assert_eq!(
        pupils::get_pupil(&v, id, now()).unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert!(pupils::get_pupil(&v, other, now()).is_ok());
}

#[test]
fn an_active_pupil_is_erased_on_request_with_their_sync_conflicts() {
    let (s, mut v) = school();
    let (id, upn_value, _) = full_pupil(&mut v, &s.ka1_id);
    let other = add_assigned(&mut v, &pupil("Olive", "Stays", None), &s.ka2_id);
    // A value that lost a sync conflict on each pupil's "about me" (as attune-sync keeps them).
    for (pupil_id, lost) in [(id, "Cobaltlantern helps"), (other, "Olive's own words")] {
        v.conn()
            .unwrap()
            .execute(
                "INSERT INTO sync_conflicts (tbl, row_key, col, kept, kept_hlc, lost, lost_hlc, lost_device, found_at)
                 VALUES ('profiles', ?1, 'what_helps', 'kept', '0', ?2, '0', 3, '2026-12-01T00:00:00Z')",
                rusqlite::params![pupil_id.to_string(), lost],
            )
            .unwrap();
    }
    // Still active: the retention path refuses, the request path does not; a reason is needed.
    assert_eq!(
        retention::erase_pupil(&mut v, id, now())
            .unwrap_err()
            .field(),
        Some("status")
    );
    assert_eq!(
        retention::erase_on_request(&mut v, id, "  ", now())
            .unwrap_err()
            .field(),
        Some("reason")
    );
    retention::erase_on_request(
        &mut v,
        id,
        "Zuzu Quillbottom's parent asked (Zephyrine, LOC-Gingerquartz)",
        now(),
    )
    .unwrap();
    let after = all_stored_bytes(&v);
    for s in SECRETS.iter().copied().chain([upn_value.as_str()]) {
        assert!(!contains(&after, s.as_bytes()), "{s} is still stored");
    }
    let conflicts: Vec<String> = {
        let conn = v.conn().unwrap();
        let mut stmt = conn.prepare("SELECT lost FROM sync_conflicts").unwrap();
        let r = stmt.query_map([], |r| r.get(0)).unwrap();
        r.map(|x| x.unwrap()).collect()
    };
    assert_eq!(conflicts, vec!["Olive's own words".to_string()]);
    let reason: String = v
        .conn()
        .unwrap()
        .query_row(
            "SELECT reason FROM pupil_erasures WHERE pupil_id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap();
    assert!(reason.contains("parent asked"), "{reason}");
    let a = last_audit(&v);
    assert_eq!(
        (a.action.as_str(), a.target.as_deref(), a.outcome.as_str()),
        ("pupil.erase", Some(format!("pupil:{id}").as_str()), "ok")
    );
}
