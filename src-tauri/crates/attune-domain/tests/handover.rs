//! Handover packs (issue 6, item 3): export from one real vault, import into another, and
//! the tampering a pack must survive.

mod common;
use common::*;

use attune_domain::date;
use attune_domain::model::*;
use attune_domain::rules::identifiers::IdentifierKind;
use attune_domain::rules::schedule::Cadence;
use attune_domain::transfer::handover::{self, HandoverPassphrase};
use attune_domain::{
    planning::plans, planning::reviews, record::profile, record::pupils, record::records,
};
use attune_vault::{ErrorKind, Vault};
use chrono::Datelike;
use sha2::{Digest, Sha256};

/// Names and notes that must never appear in the file's bytes.
const SECRETS: &[&str] = &[
    "O'Brien",
    "Zoë",
    "Łukasz",
    "陈",
    "محمد",
    "Marmaladeflask",
    "Obsidianwhistle",
    "Periwinklestone",
    "Tangerinecloud",
    "Saffronharbour",
    "Quillfeather",
    "Lanternmoth",
    "Auntie Brindlemoss",
    "Dr Xanthippe Vorlaufer",
];

/// A pupil with something in every part of the record; returns the pupil's id and UPN.
fn full_pupil(v: &mut Vault, ka: &str, n: u64) -> (i64, String) {
    let upn_value = upn(n);
    let mut input = pupil("Zoë Łukasz", "O'Brien 陈", Some(&upn_value));
    input.preferred_name = Some("محمد".into());
    input.identifiers.push(IdentifierInput {
        kind: IdentifierKind::Local,
        value: format!("LOC-{n}"),
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
            strategies: "Check-ins".into(),
            who: String::new(),
            how_often: String::new(),
            pp_plus_cost_pence: Some(1250),
        },
        &frameworks(),
        now(),
    )
    .unwrap();
    // A signed review with an amendment (the next one due, held early).
    let goal_id = plans::get_plan(v, plan.id, &frameworks(), today(), now())
        .unwrap()
        .goals[0]
        .id;
    let r = reviews::prepare_review(v, plan.id, plan.due_dates[0].date, today(), now()).unwrap();
    reviews::save_review_draft(
        v,
        r.id,
        &ReviewInput {
            attendees: vec![AttendeeInput {
                name: "Auntie Brindlemoss".into(),
                role: "carer".into(),
                scaling: Some(7),
            }],
            goals: vec![GoalReviewInput {
                goal_id,
                rating: Some(4),
                evidence: "Went to Quillfeather club twice".into(),
                decision: Some(GoalDecision::Continue),
            }],
            pupil_voice: "I like Lanternmoth games".into(),
            ..ReviewInput::default()
        },
        now(),
    )
    .unwrap();
    reviews::sign_review(v, r.id, now()).unwrap();
    reviews::amend_review(v, r.id, "Spelling", "Quillfeather, not Quilfeather", now()).unwrap();
    for (day, note) in [(20, "Talked about Saffronharbour"), (21, "Calm morning")] {
        records::log_session(
            v,
            id,
            &SessionInput {
                held_on: date!(2026 - 11 - 01).with_day(day).unwrap(),
                minutes: 20,
                kind: SessionKind::Planned,
                regulation: Some(4),
                note: note.into(),
                safeguarding_ref: None,
            },
            now(),
        )
        .unwrap();
    }
    records::add_chronology_event(
        v,
        id,
        &ChronologyInput {
            occurred_on: date!(2026 - 06 - 01),
            kind: ChronologyKind::PlacementMove,
            description: "Moved to Obsidianwhistle placement".into(),
            safeguarding_ref: Some("SG-1".into()),
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
    (id, upn_value)
}

fn count(v: &Vault, sql: &str, id: i64) -> i64 {
    v.conn()
        .unwrap()
        .query_row(sql, [id], |r| r.get(0))
        .unwrap()
}

fn pupils_count(v: &Vault) -> i64 {
    v.conn()
        .unwrap()
        .query_row("SELECT count(*) FROM pupils", [], |r| r.get(0))
        .unwrap()
}

const COUNTS: &[&str] = &[
    "SELECT count(*) FROM pupil_identifiers WHERE pupil_id = ?1",
    "SELECT count(*) FROM profiles WHERE pupil_id = ?1",
    "SELECT count(*) FROM agency_advice WHERE pupil_id = ?1",
    "SELECT count(*) FROM team_members WHERE pupil_id = ?1",
    "SELECT count(*) FROM plans WHERE pupil_id = ?1",
    "SELECT count(*) FROM goals g JOIN plans p ON p.id = g.plan_id WHERE p.pupil_id = ?1",
    "SELECT count(*) FROM review_due_dates d JOIN plans p ON p.id = d.plan_id WHERE p.pupil_id = ?1",
    "SELECT count(*) FROM reviews r JOIN plans p ON p.id = r.plan_id WHERE p.pupil_id = ?1 AND r.status = 'signed'",
    "SELECT count(*) FROM review_goal_ratings x JOIN reviews r ON r.id = x.review_id JOIN plans p ON p.id = r.plan_id WHERE p.pupil_id = ?1 AND x.rating = 4",
    "SELECT count(*) FROM review_amendments a JOIN reviews r ON r.id = a.review_id JOIN plans p ON p.id = r.plan_id WHERE p.pupil_id = ?1",
    "SELECT count(*) FROM sessions WHERE pupil_id = ?1",
    "SELECT count(*) FROM chronology WHERE pupil_id = ?1",
    "SELECT count(*) FROM instrument_scores WHERE pupil_id = ?1",
    "SELECT count(*) FROM termly_indicators WHERE pupil_id = ?1",
    "SELECT count(*) FROM search_index WHERE pupil_id = ?1",
];

/// Exports a full pupil from a first school, writing the pack to a real file.
fn exported() -> (School, Vault, i64, std::path::PathBuf, HandoverPassphrase) {
    let (s, mut v) = school();
    let ka = s.ka1_id.clone();
    let (id, _) = full_pupil(&mut v, &ka, 424_242_424_242);
    let (bytes, pass) =
        handover::export_handover(&v, id, &frameworks(), &mut rng(11), now()).unwrap();
    let path = s.dir.parent().unwrap().join("pupil.attune-handover");
    std::fs::write(&path, &bytes).unwrap();
    (s, v, id, path, pass)
}

#[test]
fn round_trip_preserves_every_section_and_leaks_nothing() {
    let (_s, src, id, path, pass) = exported();
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with(b"ATTUNE-HANDOVER/1\n"));
    for secret in SECRETS {
        assert!(
            !contains(&bytes, secret.as_bytes()),
            "the file holds {secret:?} in plain text"
        );
    }
    assert_eq!(last_audit(&src).action, "handover.export");
    assert_eq!(
        last_audit(&src).target.as_deref(),
        Some(&*format!("pupil:{id}"))
    );
    let shown = pass.expose().to_string();
    assert_eq!(shown.len(), 39);
    assert_eq!(shown.split('-').count(), 8);
    assert!(!format!("{pass:?}").contains(&shown[..4]));

    let (t, mut dst) = school();
    // Typed loosely: lower case, spaces for dashes.
    let typed = shown.to_lowercase().replace('-', " ");
    let p = handover::import_handover(
        &mut dst,
        &bytes,
        &typed,
        Some(&t.ka2_id),
        &frameworks(),
        today(),
        now(),
    )
    .unwrap();
    assert_eq!(p.legal_forename, "Zoë Łukasz");
    assert_eq!(p.legal_surname, "O'Brien 陈");
    assert_eq!(p.preferred_name.as_deref(), Some("محمد"));
    assert_eq!(
        p.key_adult.as_ref().map(|k| k.id.as_str()),
        Some(&*t.ka2_id)
    );
    assert_eq!(p.identifiers.len(), 2);
    let a = last_audit(&dst);
    assert_eq!(a.action, "handover.import");
    assert_eq!(a.target.as_deref(), Some(&*format!("pupil:{}", p.id)));
    for sql in COUNTS {
        let (before, after) = (count(&src, sql, id), count(&dst, sql, p.id));
        assert_eq!(before, after, "{sql}");
        assert!(after > 0, "{sql}");
    }
    let conn = dst.conn().unwrap();
    let (fw, cadence, start): (String, String, String) = conn
        .query_row(
            "SELECT framework_id, cadence, start_date FROM plans WHERE pupil_id = ?1",
            [p.id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let src_fw: String = src
        .conn()
        .unwrap()
        .query_row(
            "SELECT framework_id FROM plans WHERE pupil_id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        (fw, cadence.as_str(), start.as_str()),
        (src_fw, "termly", "2026-09-07")
    );
    let note: String = conn
        .query_row(
            "SELECT note FROM sessions WHERE pupil_id = ?1 ORDER BY held_on LIMIT 1",
            [p.id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(note, "Talked about Saffronharbour");
    let cost: Option<i64> = conn
        .query_row(
            "SELECT pp_plus_cost_pence FROM goals g JOIN plans p ON p.id = g.plan_id WHERE p.pupil_id = ?1",
            [p.id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(cost, Some(1250));
    let staff: i64 = conn
        .query_row(
            "SELECT count(*) FROM sessions WHERE pupil_id = ?1 AND recorded_by IS NOT NULL",
            [p.id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(staff, 0, "no staff user ids travel");
    // The search index found the imported names and notes.
    let found: i64 = conn
        .query_row(
            "SELECT count(*) FROM search_index WHERE search_index MATCH 'Saffronharbour' AND pupil_id = ?1",
            [p.id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(found, 1);

    // The review arrived signed, pointing at the imported goal: its progress series is the same,
    // and it is as immutable as any signed review.
    let new_goal: i64 = conn
        .query_row(
            "SELECT g.id FROM goals g JOIN plans p ON p.id = g.plan_id WHERE p.pupil_id = ?1",
            [p.id],
            |r| r.get(0),
        )
        .unwrap();
    let src_goal: i64 = src
        .conn()
        .unwrap()
        .query_row(
            "SELECT g.id FROM goals g JOIN plans p ON p.id = g.plan_id WHERE p.pupil_id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap();
    let ratings = |v: &Vault, g: i64| -> Vec<(u8, ProgressSource)> {
        reviews::progress_series(v, g, now())
            .unwrap()
            .into_iter()
            .map(|p| (p.rating, p.source))
            .collect()
    };
    assert_eq!(ratings(&dst, new_goal), ratings(&src, src_goal));
    assert_eq!(
        ratings(&dst, new_goal),
        [(1, ProgressSource::Baseline), (4, ProgressSource::Review)]
    );
    let review_id: i64 = conn
        .query_row(
            "SELECT r.id FROM reviews r JOIN plans p ON p.id = r.plan_id WHERE p.pupil_id = ?1",
            [p.id],
            |r| r.get(0),
        )
        .unwrap();
    let imported = reviews::get_review(&dst, review_id, now()).unwrap();
    assert_eq!(imported.content.goals[0].goal_id, new_goal);
    assert_eq!(imported.content.pupil_voice, "I like Lanternmoth games");
    assert_eq!(imported.amendments[0].text, "Quillfeather, not Quilfeather");
    assert_eq!(imported.signed_by, None, "who signed does not travel");
    assert_eq!(
        reviews::save_review_draft(&mut dst, review_id, &imported.content, now())
            .unwrap_err()
            .kind(),
        ErrorKind::NotPermitted
    );

    // The same pack again: the UPN is now in use, so nothing is imported.
    let before = pupils_count(&dst);
    let e = handover::import_handover(
        &mut dst,
        &bytes,
        &shown,
        None,
        &frameworks(),
        today(),
        now(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AlreadyExists, "{e}");
    assert_eq!(pupils_count(&dst), before);
}

#[test]
fn wrong_passphrase_and_tampering_are_refused_and_import_nothing() {
    let (_s, _src, _id, path, pass) = exported();
    let bytes = std::fs::read(&path).unwrap();
    let (_t, mut dst) = school();
    let try_import = |dst: &mut Vault, b: &[u8], p: &str| {
        handover::import_handover(dst, b, p, None, &frameworks(), today(), now())
    };

    let other = HandoverPassphrase::generate(&mut rng(99));
    let e = try_import(&mut dst, &bytes, other.expose()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WrongPassphrase);
    assert_eq!(
        e.to_string(),
        "That handover passphrase does not open this file."
    );
    let e = try_import(&mut dst, &bytes, "not a passphrase").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WrongPassphrase);
    assert_eq!(pupils_count(&dst), 0);

    // Flipped bytes anywhere: the checksum, before any key is derived.
    let mut r = rng(5);
    let mut flips = 0;
    for i in 0..60 {
        let at = if i < 4 {
            [0, 20, bytes.len() - 1, bytes.len() - 40][i]
        } else {
            (rand::RngCore::next_u64(&mut r) % bytes.len() as u64) as usize
        };
        let mut b = bytes.clone();
        b[at] ^= 1 << (i % 8);
        let e = try_import(&mut dst, &b, pass.expose()).unwrap_err();
        assert!(
            matches!(e.kind(), ErrorKind::VaultDamaged | ErrorKind::InvalidInput),
            "byte {at}: {e}"
        );
        flips += 1;
    }
    println!("handover tampering: {flips} single-byte flips refused by the checksum");

    // Ciphertext (and header) bytes flipped with the checksum recomputed: the AEAD refuses.
    let header_len = u32::from_le_bytes(bytes[18..22].try_into().unwrap()) as usize;
    let ct_start = 22 + header_len;
    let body_end = bytes.len() - 32;
    let mut aead = 0;
    for at in [
        ct_start,
        ct_start + 7,
        (ct_start + body_end) / 2,
        body_end - 1,
        25,
    ] {
        let mut b = bytes[..body_end].to_vec();
        b[at] ^= 0x40;
        let sum = Sha256::digest(&b);
        b.extend_from_slice(&sum);
        let e = try_import(&mut dst, &b, pass.expose()).unwrap_err();
        if at >= ct_start {
            assert_eq!(e.kind(), ErrorKind::WrongPassphrase, "byte {at}: {e}");
        } else {
            assert!(
                matches!(
                    e.kind(),
                    ErrorKind::WrongPassphrase | ErrorKind::VaultDamaged
                ),
                "byte {at}: {e}"
            );
        }
        aead += 1;
    }
    println!("handover tampering: {aead} flips with the checksum recomputed refused");
    assert_eq!(pupils_count(&dst), 0, "nothing imported");
    let failed = last_audit(&dst);
    assert_eq!(
        (failed.action.as_str(), failed.outcome.as_str()),
        ("handover.import", "failed")
    );
}

#[test]
fn key_adults_are_refused_and_audited_both_ways() {
    let (s, mut v) = school();
    let ka = s.ka1_id.clone();
    let (id, _) = full_pupil(&mut v, &ka, 313_131_313_131);
    let (bytes, pass) =
        handover::export_handover(&v, id, &frameworks(), &mut rng(3), now()).unwrap();
    v.lock("test", now());

    let mut k = unlock(&s.dir, &s.ka1_id, KA1_PASS);
    let e = handover::export_handover(&k, id, &frameworks(), &mut rng(4), now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotPermitted);
    let a = last_audit(&k);
    assert_eq!(
        (a.action.as_str(), a.outcome.as_str(), a.target.as_deref()),
        ("handover.export", "refused", Some(&*format!("pupil:{id}")))
    );
    let before = pupils_count(&k);
    let e = handover::import_handover(
        &mut k,
        &bytes,
        pass.expose(),
        None,
        &frameworks(),
        today(),
        now(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotPermitted);
    let a = last_audit(&k);
    assert_eq!(
        (a.action.as_str(), a.outcome.as_str()),
        ("handover.import", "refused")
    );
    assert_eq!(pupils_count(&k), before);
}

#[test]
fn an_unknown_framework_is_refused_by_name() {
    let (_s, _src, _id, path, pass) = exported();
    let bytes = std::fs::read(&path).unwrap();
    let (_t, mut dst) = school();
    let only_other: Vec<_> = frameworks()
        .into_iter()
        .filter(|f| f.id == "no-such-framework")
        .collect();
    let e = handover::import_handover(
        &mut dst,
        &bytes,
        pass.expose(),
        None,
        &only_other,
        today(),
        now(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("framework \""), "{e}");
    assert_eq!(pupils_count(&dst), 0);
    let _ = pupils::existing_identifiers(&dst, now()).unwrap();
}

/// Issue 12: a pack is another school's file, and the sending school holds its own vault's
/// key: text written straight into its database (past every form) must meet at import the
/// checks typing meets — a control character in a session note, a chronology entry far over
/// its length — and the pack is refused whole.
#[test]
fn text_written_past_the_forms_is_refused_at_import() {
    for (what, sql) in [
        (
            "a control character",
            "INSERT INTO sessions (pupil_id, held_on, minutes, kind, note, created_at)
             VALUES (?1, '2026-11-02', 20, 'planned', 'Talked' || char(27) || '[2J about home',
                     '2026-11-02T10:00:00Z')",
        ),
        (
            "a description over 2000 characters",
            "INSERT INTO chronology (pupil_id, occurred_on, kind, description, created_at)
             VALUES (?1, '2026-11-02', 'other', printf('%.3000c', 'x'), '2026-11-02T10:00:00Z')",
        ),
    ] {
        let (s, mut v) = school();
        let ka = s.ka1_id.clone();
        let (id, _) = full_pupil(&mut v, &ka, 424_242_424_242);
        v.conn().unwrap().execute(sql, [id]).unwrap();
        let (bytes, pass) =
            handover::export_handover(&v, id, &frameworks(), &mut rng(11), now()).unwrap();
        let (_t, mut dst) = school();
        let e = handover::import_handover(
            &mut dst,
            &bytes,
            pass.expose(),
            None,
            &frameworks(),
            today(),
            now(),
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{what}: {e}");
        assert!(
            e.to_string().contains("handover pack cannot be imported"),
            "{what}: {e}"
        );
        assert_eq!(pupils_count(&dst), 0, "{what}: nothing imported");
    }
}

/// Issue 16, item 3: a goal carried forward at a renewal travels in the pack still linked to the
/// goal it continues (by its place in the pack; ids do not travel), so at the receiving school
/// its history runs across both plans. A goal of its own plan carries no link at all.
#[test]
fn a_carried_goal_keeps_its_history_through_a_handover() {
    let (s, mut v) = school();
    let fw = frameworks();
    let id = add_assigned(&mut v, &pupil("Mia", "Jones", None), &s.ka1_id);
    let plan_a = plans::start_plan(
        &mut v,
        id,
        &PlanInput {
            framework_id: None,
            start: date!(2026 - 09 - 07),
            horizon_end: date!(2028 - 09 - 07),
            cadence: Cadence::SixWeekly,
        },
        &fw,
        today(),
        now(),
    )
    .unwrap();
    let goal_input = |outcome: &str, baseline| GoalInput {
        domain_id: "belonging".into(),
        outcome: outcome.into(),
        baseline,
        target: 9,
        strategies: String::new(),
        who: String::new(),
        how_often: String::new(),
        pp_plus_cost_pence: None,
    };
    let g1 = plans::add_goal(
        &mut v,
        plan_a.id,
        &goal_input("Joins a club", 2),
        &fw,
        now(),
    )
    .unwrap()
    .id;
    let sign = |v: &mut Vault, plan: i64, due, goal: i64, rating| {
        let r = reviews::prepare_review(v, plan, due, today(), now()).unwrap();
        let input = ReviewInput {
            attendees: vec![AttendeeInput {
                name: "Carer".into(),
                role: "Carer".into(),
                scaling: Some(5),
            }],
            goals: vec![GoalReviewInput {
                goal_id: goal,
                rating: Some(rating),
                evidence: String::new(),
                decision: Some(GoalDecision::Continue),
            }],
            pupil_voice: "Fine".into(),
            parent_carer_voice: String::new(),
            working_well: String::new(),
            worried_about: String::new(),
            needs_to_happen: String::new(),
            next_steps: String::new(),
            new_goals: vec![],
            next_review_date: None,
        };
        reviews::save_review_draft(v, r.id, &input, now()).unwrap();
        reviews::sign_review(v, r.id, now()).unwrap();
    };
    sign(&mut v, plan_a.id, plan_a.due_dates[0].date, g1, 6);
    let plan_b = plans::renew_plan(
        &mut v,
        plan_a.id,
        &RenewPlanInput {
            plan: PlanInput {
                framework_id: None,
                start: date!(2026 - 11 - 02),
                horizon_end: date!(2028 - 11 - 02),
                cadence: Cadence::SixWeekly,
            },
            carry_goal_ids: vec![g1],
        },
        &fw,
        today(),
        now(),
    )
    .unwrap();
    let g1b = plan_b.goals[0].id;
    sign(&mut v, plan_b.id, plan_b.due_dates[0].date, g1b, 8);
    // A goal of plan B's own, added after its review: it continues nothing.
    let own = plans::add_goal(
        &mut v,
        plan_b.id,
        &goal_input("Names a trusted adult", 3),
        &fw,
        now(),
    )
    .unwrap()
    .id;
    let _ = own;
    let before: Vec<u8> = reviews::progress_series(&v, g1b, now())
        .unwrap()
        .iter()
        .map(|p| p.rating)
        .collect();
    assert_eq!(before, [2, 6, 8]);

    let (bytes, pass) = handover::export_handover(&v, id, &fw, &mut rng(11), now()).unwrap();
    // In the pack: plan 1's first goal continues plan 0's first goal; the other has no link.
    let content = handover::open_file(&bytes, pass.expose()).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&content).unwrap();
    let goals = &json["plans"][1]["goals"];
    assert_eq!(goals[0]["carried_from"], serde_json::json!([0, 0]));
    assert!(goals[1].get("carried_from").is_none(), "{}", goals[1]);

    let (t, mut dst) = school();
    let p = handover::import_handover(
        &mut dst,
        &bytes,
        pass.expose(),
        Some(&t.ka1_id),
        &fw,
        today(),
        now(),
    )
    .unwrap();
    let conn = dst.conn().unwrap();
    let new_goal: i64 = conn
        .query_row(
            "SELECT g.id FROM goals g JOIN plans p ON p.id = g.plan_id
             WHERE p.pupil_id = ?1 AND p.status = 'active' AND g.outcome = 'Joins a club'",
            [p.id],
            |r| r.get(0),
        )
        .unwrap();
    let after: Vec<u8> = reviews::progress_series(&dst, new_goal, now())
        .unwrap()
        .iter()
        .map(|p| p.rating)
        .collect();
    assert_eq!(after, [2, 6, 8], "the goal's whole history arrived with it");
}

/// Issue 16, item 1: what was withdrawn (here, a session logged for the wrong pupil) never leaves
/// in a handover pack; a corrected entry leaves as corrected. Read from the pack's decrypted
/// content, not through the importer.
#[test]
fn a_withdrawn_entry_does_not_travel_and_a_corrected_one_travels_corrected_without_its_old_words() {
    use attune_domain::record::corrections;
    let (s, mut v) = school();
    let id = add_assigned(&mut v, &pupil("Mia", "Jones", None), &s.ka1_id);
    let session = |note: &str| SessionInput {
        held_on: date!(2026 - 10 - 05),
        minutes: 20,
        kind: SessionKind::Planned,
        regulation: None,
        note: note.into(),
        safeguarding_ref: None,
    };
    let wrong = records::log_session(
        &mut v,
        id,
        &session("Quokkaparade belongs to another child"),
        now(),
    )
    .unwrap();
    let fixed =
        records::log_session(&mut v, id, &session("Built a den with Marrowbell"), now()).unwrap();
    corrections::withdraw_entry(
        &mut v,
        EntryKind::Session,
        wrong.id,
        "Logged for the wrong pupil",
        now(),
    )
    .unwrap();
    corrections::correct_session(
        &mut v,
        fixed.id,
        &session("Built a den"),
        "A name of another child",
        now(),
    )
    .unwrap();
    let (bytes, pass) =
        handover::export_handover(&v, id, &frameworks(), &mut rng(5), now()).unwrap();
    let content = handover::open_file(&bytes, pass.expose()).unwrap();
    let text = String::from_utf8(content.to_vec()).unwrap();
    assert!(
        !text.contains("Quokkaparade"),
        "the withdrawn session is not in the pack"
    );
    assert!(
        !text.contains("Marrowbell"),
        "the corrected-away words are not in the pack"
    );
    assert!(text.contains("Built a den"), "the corrected session is");
    assert!(
        text.contains("A name of another child"),
        "with the correction's reason"
    );

    // At the receiving school the session says it was corrected, when and why, with no
    // earlier words: an earlier version with no values, kept as the lead's own corrections are.
    let (_t, mut dst) = school();
    let held = handover::import_handover(
        &mut dst,
        &bytes,
        pass.expose(),
        None,
        &frameworks(),
        today(),
        now(),
    )
    .unwrap();
    let rows: Vec<(String, String, Option<String>, String)> = dst
        .conn()
        .unwrap()
        .prepare(
            "SELECT old_values, reason, changed_by, changed_at FROM record_versions
             WHERE pupil_id = ?1 AND record_table = 'sessions'",
        )
        .unwrap()
        .query_map([held.id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(
        rows,
        [(
            "{}".to_string(),
            "A name of another child (at the previous school)".to_string(),
            None,
            attune_vault::datetime::format_instant(now())
        )]
    );
    let record = attune_domain::record::pupils::open_pupil(
        &dst,
        held.id,
        &frameworks(),
        100,
        today(),
        now(),
    )
    .unwrap();
    assert_eq!(record.sessions.len(), 1);
    let changes = &record.sessions[0].changes;
    assert_eq!(changes.corrections, 1);
    assert_eq!(
        changes.corrected.as_ref().map(|c| c.reason.as_str()),
        Some("A name of another child (at the previous school)")
    );
    assert!(changes.earlier.iter().all(|e| e.fields.is_empty()));
    let everything: String = dst
        .conn()
        .unwrap()
        .query_row(
            "SELECT group_concat(old_values || reason) FROM record_versions",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(!everything.contains("Marrowbell"));

    // A correction's reason or day written past the forms at the sending school is refused.
    for (what, sql) in [
        (
            "a control character in a reason",
            "UPDATE record_versions SET reason = 'Wrong' || char(27) || '[2J'",
        ),
        (
            "a day that is not a day",
            "UPDATE record_versions SET changed_at = 'last Tuesday'",
        ),
    ] {
        v.conn().unwrap().execute(sql, []).unwrap();
        let (bytes, pass) =
            handover::export_handover(&v, id, &frameworks(), &mut rng(6), now()).unwrap();
        let (_t, mut dst) = school();
        let e = handover::import_handover(
            &mut dst,
            &bytes,
            pass.expose(),
            None,
            &frameworks(),
            today(),
            now(),
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{what}: {e}");
        assert_eq!(pupils_count(&dst), 0, "{what}: nothing imported");
    }
}
