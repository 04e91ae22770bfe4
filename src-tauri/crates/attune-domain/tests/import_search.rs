//! Pupil import into the vault, and full-text search inside the encrypted database.

mod common;
use common::*;

use std::collections::HashSet;

use attune_domain::date;
use attune_domain::model::*;
use attune_domain::rules::schedule::Cadence;
use attune_domain::transfer::import::{self, ImportPreview};
use attune_domain::{
    planning::plans, record::pupils, record::records, record::search, transfer::vault_import,
};

fn preview(v: &attune_vault::Vault, text: &str) -> ImportPreview {
    let header = import::read_header(text).unwrap();
    let mapping = import::suggest_mapping(&header.headers);
    let existing: HashSet<String> = pupils::existing_identifiers(v, now()).unwrap();
    import::parse(text, &mapping, &existing).unwrap()
}

#[test]
fn pupil_import_reports_every_bad_line_and_keeps_names_exactly() {
    let (s, mut v) = school();
    let taken = upn(801_200_009_999);
    pupils::add_pupil(&mut v, &pupil("Already", "Here", Some(&taken)), now()).unwrap();
    let csv = format!(
        "UPN,Legal Surname,Legal Forename,Preferred Forename,DOB,Year,Care status,Support level\n\
         {u1},O'Brien,Siobhán,Shiv,03/03/2015,Year 5,Looked after,Intensive\n\
         {u2},Smith-Jones,Zoë,,30/09/2016,4,,\n\
         {u3},Nowak,Łukasz,,01/09/2014,6,child in need,additional\n\
         {u6},陈,伟,,13/05/2015,3,,\n\
         {u4},حسن,محمد,,03/03/2015,R,,\n\
         {taken},Taylor,Amy,,04/04/2015,5,,\n\
         {bad},Khan,Ali,,05/06/2015,5,,\n\
         {u5},Evans,Rhys,,05/06/2015,5,,Platinum\n\
         ,Brown,Sam,,13/25/2015,5,,\n",
        u1 = upn(801_200_001_001),
        u2 = upn(801_200_001_002),
        u3 = upn(801_200_001_003),
        u4 = upn(801_200_001_004),
        u5 = upn(801_200_001_005),
        u6 = upn(801_200_001_007),
        bad = {
            let u = upn(801_200_001_006);
            let wrong = if u.starts_with('A') { 'B' } else { 'A' };
            format!("{wrong}{}", &u[1..])
        },
    );
    let p = preview(&v, &csv);
    let expected_bad = |extra: bool| {
        if extra {
            vec![7, 8, 9, 10]
        } else {
            vec![7, 8, 10]
        }
    };
    assert_eq!(
        p.bad.iter().map(|e| e.line).collect::<Vec<_>>(),
        expected_bad(false)
    );
    assert_eq!(
        p.bad[0].reason,
        "duplicate: a pupil with this UPN is already in Attune"
    );
    assert!(
        p.bad[1].reason.starts_with("UPN: check letter should be "),
        "{}",
        p.bad[1].reason
    );
    assert!(
        p.bad[2].reason.starts_with("date of birth: "),
        "{}",
        p.bad[2].reason
    );

    // All or nothing: nothing is written.
    let out = vault_import::import_pupils(&mut v, &p, ImportMode::AllOrNothing, now()).unwrap();
    assert_eq!(out.imported, 0);
    assert_eq!(
        out.bad.iter().map(|e| e.line).collect::<Vec<_>>(),
        expected_bad(true)
    );
    assert_eq!(
        out.bad[2].reason,
        "support level must be one of the school's list: Universal, Additional, Intensive"
    );
    let count = |v: &attune_vault::Vault| {
        pupils::caseload(v, &CaseloadQuery::default(), today(), now())
            .unwrap()
            .len()
    };
    assert_eq!(count(&v), 1);

    // Good only: the five good lines, names exactly as written.
    let out = vault_import::import_pupils(&mut v, &p, ImportMode::GoodOnly, now()).unwrap();
    assert_eq!(out.imported, 5);
    assert_eq!(count(&v), 6);
    v.lock("test", now());
    let v = unlock(&s.dir, &s.lead_id, LEAD_PASS);
    let rows = pupils::caseload(&v, &CaseloadQuery::default(), today(), now()).unwrap();
    let mut names: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            let p = pupils::get_pupil(&v, r.pupil_id, now()).unwrap();
            (p.legal_forename, p.legal_surname)
        })
        .collect();
    names.sort();
    let mut want: Vec<(String, String)> = [
        ("Already", "Here"),
        ("Siobhán", "O'Brien"),
        ("Zoë", "Smith-Jones"),
        ("Łukasz", "Nowak"),
        ("محمد", "حسن"),
        ("伟", "陈"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    want.sort();
    assert_eq!(names, want);
    let shiv = rows.iter().find(|r| r.surname == "O'Brien").unwrap();
    assert_eq!(shiv.preferred_name, "Shiv");
    let lukasz = pupils::get_pupil(
        &v,
        rows.iter().find(|r| r.surname == "Nowak").unwrap().pupil_id,
        now(),
    )
    .unwrap();
    assert_eq!(lukasz.care_status.as_deref(), Some("Child in need"));
    assert_eq!(lukasz.support_level.as_deref(), Some("Additional"));
    // The same file again: every imported line is now a duplicate.
    let again = preview(&v, &csv);
    assert_eq!(
        again.good.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
        vec![9]
    );
    assert_eq!(search::search(&v, "陈", 10, now()).unwrap().len(), 1);
    let hits = search::search(&v, "Zoe", 10, now()).unwrap();
    assert_eq!(hits.len(), 1, "accents are ignored: {hits:?}");
    assert_eq!(hits[0].kind, HitKind::Pupil);
}

#[test]
fn search_finds_every_kind_only_on_the_caseload_and_leaves_no_text_on_disk() {
    let (s, mut v) = school();
    let fw = frameworks();
    let mut input = pupil("Mia", "Jones", None);
    input.preferred_name = Some("Wrenna".into());
    let mine = add_assigned(&mut v, &input, &s.ka1_id);
    let theirs = add_assigned(&mut v, &pupil("Noah", "Patel", None), &s.ka2_id);
    let plan = plans::start_plan(
        &mut v,
        mine,
        &PlanInput {
            framework_id: None,
            start: date!(2026 - 09 - 07),
            horizon_end: date!(2028 - 09 - 07),
            cadence: Cadence::HalfTermly,
        },
        &fw,
        today(),
        now(),
    )
    .unwrap();
    let goal = plans::add_goal(
        &mut v,
        plan.id,
        &GoalInput {
            domain_id: "acceptance".into(),
            outcome: "Shows the trampoline certificate to the class".into(),
            baseline: 2,
            target: 7,
            strategies: String::new(),
            who: String::new(),
            how_often: String::new(),
            pp_plus_cost_pence: None,
        },
        &fw,
        now(),
    )
    .unwrap();
    let note = "Built a xylophonic marble run and stayed regulated";
    let sess = records::log_session(
        &mut v,
        mine,
        &SessionInput {
            held_on: today(),
            minutes: 25,
            kind: SessionKind::Planned,
            regulation: Some(7),
            note: note.into(),
            safeguarding_ref: None,
        },
        now(),
    )
    .unwrap();
    records::log_session(
        &mut v,
        theirs,
        &SessionInput {
            held_on: today(),
            minutes: 25,
            kind: SessionKind::Planned,
            regulation: Some(7),
            note: "Another xylophonic afternoon".into(),
            safeguarding_ref: None,
        },
        now(),
    )
    .unwrap();
    let ev = records::add_chronology_event(
        &mut v,
        mine,
        &ChronologyInput {
            occurred_on: date!(2026 - 09 - 01),
            kind: ChronologyKind::Transition,
            description: "Moved into the quokka class".into(),
            safeguarding_ref: None,
        },
        now(),
    )
    .unwrap();

    // The lead finds both pupils' notes.
    let hits = search::search(&v, "xylophonic", 10, now()).unwrap();
    assert_eq!(hits.len(), 2);
    v.lock("test", now());

    let v = unlock(&s.dir, &s.ka1_id, KA1_PASS);
    let one = |q: &str| {
        let h = search::search(&v, q, 10, now()).unwrap();
        assert_eq!(h.len(), 1, "{q}: {h:?}");
        h.into_iter().next().unwrap()
    };
    let h = one("xylophonic");
    assert_eq!(
        (h.kind, h.record_id, h.pupil_id),
        (HitKind::SessionNote, sess.id, Some(mine))
    );
    assert!(h.snippet.contains("[xylophonic]"), "{}", h.snippet);
    assert_eq!(h.pupil_name, "Wrenna Jones");
    let h = one("trampoline");
    assert_eq!((h.kind, h.record_id), (HitKind::Goal, goal.id));
    let h = one("quokk");
    assert_eq!((h.kind, h.record_id), (HitKind::Chronology, ev.id));
    let h = one("wrenna");
    assert_eq!((h.kind, h.record_id), (HitKind::Pupil, mine));
    // Another key adult's pupil is never found.
    assert!(search::search(&v, "Noah", 10, now()).unwrap().is_empty());
    assert!(search::search(&v, "Patel", 10, now()).unwrap().is_empty());
    assert!(search::search(&v, "afternoon", 10, now())
        .unwrap()
        .is_empty());
    // Punctuation cannot break the query.
    assert!(search::search(&v, "\"*) OR NEAR(", 10, now())
        .unwrap()
        .is_empty());
    assert!(search::search(&v, "   ", 10, now()).unwrap().is_empty());
    v.lock("test", now());

    // The files on disk hold none of the words.
    for file in ["vault.db", "vault.db-wal", "vault.db-shm"] {
        let path = s.dir.join(file);
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        for word in ["xylophonic", "trampoline", "quokka", "Wrenna", "marble run"] {
            assert!(!contains(&bytes, word.as_bytes()), "{word} found in {file}");
        }
    }
}
