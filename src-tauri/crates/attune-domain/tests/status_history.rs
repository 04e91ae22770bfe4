//! Care status and support level over time (issue 15, item 3), on real vaults: summaries count
//! each pupil under the value in force in their period (a hand-built vault with known answers),
//! the edit's "takes effect from" day and its refusals, a lead's corrections (audited), list
//! renames, erasure, the subject access document and the pupil's page.

mod common;
use common::*;

use attune_domain::date;
use attune_domain::lead::summary_facts::{summary_facts, Period, Purpose};
use attune_domain::model::*;
use attune_domain::record::status_history::{
    correct_status_change, remove_status_change, status_history,
};
use attune_domain::record::{lists, pupils, records};
use attune_domain::transfer::{retention, sar};
use attune_vault::{Action, ErrorKind, Vault};
use chrono::NaiveDate;

fn input(forename: &str, care: Option<&str>, support: Option<&str>) -> PupilInput {
    PupilInput {
        care_status: care.map(String::from),
        support_level: support.map(String::from),
        relationship_start: Some(date!(2024 - 09 - 02)),
        ..pupil(forename, "Marsh", None)
    }
}

fn session(v: &mut Vault, pupil: i64, d: NaiveDate) {
    records::log_session(
        v,
        pupil,
        &SessionInput {
            held_on: d,
            minutes: 30,
            kind: SessionKind::Planned,
            regulation: None,
            note: String::new(),
            safeguarding_ref: None,
        },
        now(),
    )
    .unwrap();
}

/// The (care status, support level) of every pupil counted in the school year, sorted.
fn counted(v: &Vault, start_year: i32) -> Vec<(Option<String>, Option<String>)> {
    let facts = summary_facts(v, &Period::school_year(start_year), Purpose::Export, now()).unwrap();
    let mut out: Vec<_> = facts
        .pupils
        .into_iter()
        .map(|p| (p.care_status, p.support_level))
        .collect();
    out.sort();
    out
}

fn s(x: &str) -> Option<String> {
    Some(x.to_string())
}

fn edit(
    v: &mut Vault,
    id: i64,
    input: &PupilInput,
    from: Option<NaiveDate>,
) -> attune_domain::error::Result<Pupil> {
    pupils::update_pupil_from(v, id, input, from, now())
}

#[test]
fn summaries_count_each_pupil_under_the_value_in_force_in_their_period() {
    // Exported on 22 November 2026 (common::now), after every change below.
    let (_s, mut v) = school();
    // Ava: child in need and Additional through 2024-25; Intensive from 1 September 2025,
    // looked after from 3 November 2025. Sessions in both years.
    let ava_in = input("Ava", Some("Child in need"), Some("Additional"));
    let ava = pupils::add_pupil(&mut v, &ava_in, now()).unwrap().id;
    session(&mut v, ava, date!(2024 - 10 - 01));
    session(&mut v, ava, date!(2025 - 10 - 01));
    let ava_in = PupilInput {
        support_level: s("Intensive"),
        ..ava_in
    };
    edit(&mut v, ava, &ava_in, Some(date!(2025 - 09 - 01))).unwrap();
    let ava_in = PupilInput {
        care_status: s("Looked after"),
        ..ava_in
    };
    edit(&mut v, ava, &ava_in, Some(date!(2025 - 11 - 03))).unwrap();
    // Ben: looked after and Universal throughout; sessions in both years.
    let ben = pupils::add_pupil(
        &mut v,
        &input("Ben", Some("Looked after"), Some("Universal")),
        now(),
    )
    .unwrap()
    .id;
    session(&mut v, ben, date!(2025 - 03 - 10));
    session(&mut v, ben, date!(2026 - 01 - 12));
    // Cal: nothing recorded in 2024-25 (sessions then only); previously looked after from
    // 10 September 2025, when no session was held (not counted in 2025-26).
    let cal_in = input("Cal", None, None);
    let cal = pupils::add_pupil(&mut v, &cal_in, now()).unwrap().id;
    session(&mut v, cal, date!(2025 - 05 - 20));
    let cal_in = PupilInput {
        care_status: s("Previously looked after"),
        ..cal_in
    };
    edit(&mut v, cal, &cal_in, Some(date!(2025 - 09 - 10))).unwrap();
    // Dee: child in need and Universal; left on 1 July 2025; recorded as looked after from
    // 15 July 2025, after she left: 2024-25 counts her as she was on her last day on roll.
    let dee_in = input("Dee", Some("Child in need"), Some("Universal"));
    let dee = pupils::add_pupil(&mut v, &dee_in, now()).unwrap().id;
    session(&mut v, dee, date!(2025 - 02 - 03));
    pupils::mark_left(&mut v, dee, date!(2025 - 07 - 01), now()).unwrap();
    let dee_in = PupilInput {
        care_status: s("Looked after"),
        ..dee_in
    };
    edit(&mut v, dee, &dee_in, Some(date!(2025 - 07 - 15))).unwrap();

    // The pupils' current values are today's (the screens read them).
    let now_of = |v: &Vault, id| {
        let p = pupils::get_pupil(v, id, now()).unwrap();
        (p.care_status, p.support_level)
    };
    assert_eq!(now_of(&v, ava), (s("Looked after"), s("Intensive")));
    assert_eq!(now_of(&v, cal), (s("Previously looked after"), None));
    assert_eq!(now_of(&v, dee), (s("Looked after"), s("Universal")));

    // 2024-25, by hand: Ava (Child in need, Additional), Ben (Looked after, Universal),
    // Cal (none, none), Dee (Child in need, Universal).
    let mut expected_2024 = vec![
        (s("Child in need"), s("Additional")),
        (s("Looked after"), s("Universal")),
        (None, None),
        (s("Child in need"), s("Universal")),
    ];
    expected_2024.sort();
    assert_eq!(counted(&v, 2024), expected_2024);
    // 2025-26, by hand: Ava (Looked after, Intensive), Ben (Looked after, Universal).
    let mut expected_2025 = vec![
        (s("Looked after"), s("Intensive")),
        (s("Looked after"), s("Universal")),
    ];
    expected_2025.sort();
    assert_eq!(counted(&v, 2025), expected_2025);
}

#[test]
fn the_edit_records_the_day_a_change_takes_effect_and_refuses_impossible_days() {
    let (_s, mut v) = school();
    let base = input("Ava", Some("Child in need"), Some("Additional"));
    let id = pupils::add_pupil(&mut v, &base, now()).unwrap().id;
    let changed = PupilInput {
        care_status: s("Looked after"),
        ..base.clone()
    };
    // After today.
    let e = edit(&mut v, id, &changed, Some(today().succ_opt().unwrap())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert_eq!(
        e.to_string(),
        "A change cannot take effect after today. Record it on the day it happens."
    );
    // Before the date of birth (4 March 2016).
    let e = edit(&mut v, id, &changed, Some(date!(2016 - 03 - 03))).unwrap_err();
    assert_eq!(
        e.to_string(),
        "A change cannot take effect before the pupil's date of birth."
    );
    // Before the change already recorded (from the relationship's start, 2 September 2024).
    let e = edit(&mut v, id, &changed, Some(date!(2024 - 08 - 30))).unwrap_err();
    assert!(e.to_string().contains("from 2 September 2024"), "{e}");
    // Nothing was written by the refusals.
    let p = pupils::get_pupil(&v, id, now()).unwrap();
    assert_eq!(p.care_status, s("Child in need"));

    // Without a day: today. The support level did not change: no row for it.
    edit(&mut v, id, &changed, None).unwrap();
    let h = status_history(&v, id, now()).unwrap();
    let care: Vec<(Option<String>, NaiveDate)> = h
        .iter()
        .filter(|c| c.kind == ListKind::CareStatus)
        .map(|c| (c.value.clone(), c.effective_from))
        .collect();
    assert_eq!(
        care,
        vec![
            (s("Child in need"), date!(2024 - 09 - 02)),
            (s("Looked after"), today())
        ]
    );
    assert_eq!(
        h.iter()
            .filter(|c| c.kind == ListKind::SupportLevel)
            .count(),
        1
    );
    let last = h.iter().find(|c| c.effective_from == today()).unwrap();
    assert_eq!(last.recorded_by.as_ref().unwrap().name, "Ada Lovelace");
    // A second change the same day replaces that day's row; clearing the value is a change.
    let cleared = PupilInput {
        care_status: None,
        ..base
    };
    edit(&mut v, id, &cleared, None).unwrap();
    let h = status_history(&v, id, now()).unwrap();
    let care: Vec<(Option<String>, NaiveDate)> = h
        .iter()
        .filter(|c| c.kind == ListKind::CareStatus)
        .map(|c| (c.value.clone(), c.effective_from))
        .collect();
    assert_eq!(
        care,
        vec![(s("Child in need"), date!(2024 - 09 - 02)), (None, today())]
    );
    assert_eq!(pupils::get_pupil(&v, id, now()).unwrap().care_status, None);
}

fn care_rows(h: &[StatusChange]) -> Vec<(i64, Option<String>, NaiveDate)> {
    h.iter()
        .filter(|c| c.kind == ListKind::CareStatus)
        .map(|c| (c.id, c.value.clone(), c.effective_from))
        .collect()
}

#[test]
fn a_lead_corrects_or_removes_a_wrong_change_audited_and_the_current_value_follows() {
    let (sc, mut v) = school();
    let base = input("Ava", Some("Child in need"), None);
    let id = add_assigned(&mut v, &base, &sc.ka1_id);
    let changed = PupilInput {
        care_status: s("Looked after"),
        ..base
    };
    edit(&mut v, id, &changed, Some(date!(2025 - 11 - 03))).unwrap();
    let h = status_history(&v, id, now()).unwrap();
    let rows = care_rows(&h);
    let (first, second) = (rows[0].0, rows[1].0);

    // The day corrected: earlier.
    let h = correct_status_change(&mut v, second, date!(2025 - 10 - 20), now()).unwrap();
    assert_eq!(
        care_rows(&h)[1],
        (second, s("Looked after"), date!(2025 - 10 - 20))
    );
    let a = last_audit(&v);
    assert_eq!(a.action, Action::PupilStatusCorrect.as_str());
    assert_eq!(
        a.target.as_deref(),
        Some(&*format!("pupil:{id}/status:{second}"))
    );
    // Refused: after today, before birth, onto the other change's day.
    for (day, msg) in [
        (today().succ_opt().unwrap(), "after today"),
        (date!(2010 - 01 - 01), "date of birth"),
        (date!(2024 - 09 - 02), "Remove the wrong one instead"),
    ] {
        let e = correct_status_change(&mut v, second, day, now()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.to_string().contains(msg), "{e}");
    }
    // A key adult may read the history on the pupil's page but not change it.
    v.lock("test", now());
    let mut ka = unlock(&sc.dir, &sc.ka1_id, KA1_PASS);
    let rec = pupils::open_pupil(&ka, id, &frameworks(), 10, today(), now()).unwrap();
    assert_eq!(care_rows(&rec.status_history).len(), 2);
    let e = correct_status_change(&mut ka, second, date!(2025 - 10 - 21), now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotPermitted);
    let e = remove_status_change(&mut ka, second, now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotPermitted);
    ka.lock("test", now());
    let mut v = unlock(&sc.dir, &sc.lead_id, LEAD_PASS);

    // The newest change removed: the one before it is in force again.
    let h = remove_status_change(&mut v, second, now()).unwrap();
    assert_eq!(
        care_rows(&h),
        vec![(first, s("Child in need"), date!(2024 - 09 - 02))]
    );
    assert_eq!(last_audit(&v).action, Action::PupilStatusRemove.as_str());
    assert_eq!(
        pupils::get_pupil(&v, id, now()).unwrap().care_status,
        s("Child in need")
    );
    // Its day corrected later: still the value in force today.
    let h = correct_status_change(&mut v, first, date!(2025 - 01 - 06), now()).unwrap();
    assert_eq!(care_rows(&h)[0].2, date!(2025 - 01 - 06));
    // The last change removed: no value at all.
    remove_status_change(&mut v, first, now()).unwrap();
    assert_eq!(pupils::get_pupil(&v, id, now()).unwrap().care_status, None);
    let e = remove_status_change(&mut v, first, now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}

#[test]
fn a_renamed_item_is_renamed_in_the_history_and_a_retired_one_is_kept() {
    let (_s, mut v) = school();
    let base = input("Ava", Some("Child in need"), Some("Additional"));
    let id = pupils::add_pupil(&mut v, &base, now()).unwrap().id;
    let changed = PupilInput {
        care_status: s("Looked after"),
        ..base
    };
    edit(&mut v, id, &changed, Some(date!(2025 - 11 - 03))).unwrap();
    lists::rename_list_item(&mut v, ListKind::CareStatus, "Child in need", "CIN", now()).unwrap();
    lists::set_list_item_retired(&mut v, ListKind::SupportLevel, "Additional", true, now())
        .unwrap();
    let h = status_history(&v, id, now()).unwrap();
    let values: Vec<(ListKind, Option<String>)> =
        h.iter().map(|c| (c.kind, c.value.clone())).collect();
    assert_eq!(
        values,
        vec![
            (ListKind::CareStatus, s("CIN")),
            (ListKind::CareStatus, s("Looked after")),
            (ListKind::SupportLevel, s("Additional")),
        ]
    );
    // The summary of 2024-25 follows the rename.
    session(&mut v, id, date!(2024 - 10 - 01));
    assert_eq!(counted(&v, 2024), vec![(s("CIN"), s("Additional"))]);
}

#[test]
fn the_history_is_in_the_subject_access_document_and_erased_with_the_pupil() {
    let (_s, mut v) = school();
    let base = input("Ava", Some("Child in need"), None);
    let id = pupils::add_pupil(&mut v, &base, now()).unwrap().id;
    let other = pupils::add_pupil(&mut v, &input("Ben", Some("Looked after"), None), now())
        .unwrap()
        .id;
    let changed = PupilInput {
        care_status: s("Previously looked after"),
        ..base
    };
    edit(&mut v, id, &changed, Some(date!(2025 - 11 - 03))).unwrap();
    let doc = sar::subject_access_document(&v, id, &frameworks(), now()).unwrap();
    assert!(doc.contains("Care status and support level over time"));
    assert!(doc.contains("Previously looked after"));
    assert!(
        doc.contains("3 November 2025") || doc.contains("03/11/2025"),
        "{doc}"
    );

    retention::erase_on_request(&mut v, id, "Added in error", now()).unwrap();
    let conn = v.conn().unwrap();
    let left: Vec<i64> = conn
        .prepare("SELECT pupil_id FROM pupil_status_history ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    // Ben's two rows (care status and support level, none) are all that is left.
    assert_eq!(
        left,
        vec![other, other],
        "only the other pupil's history is left"
    );
}

#[test]
fn an_mis_update_records_a_changed_care_status_from_the_day_of_the_update() {
    use attune_domain::transfer::import;
    use attune_domain::transfer::mis_update::{self, UpdateChoices};
    let (_s, mut v) = school();
    let ava_upn = upn(801_200_000_001);
    let id = pupils::add_pupil(
        &mut v,
        &PupilInput {
            care_status: s("Looked after"),
            support_level: s("Intensive"),
            relationship_start: Some(date!(2024 - 09 - 02)),
            ..pupil("Ava", "Adams", Some(&ava_upn))
        },
        now(),
    )
    .unwrap()
    .id;
    let text = format!(
        "UPN,Legal Surname,Legal Forename,DOB,Year,Care status\n\
         {ava_upn},Adams,Ava,04/03/2016,Year 5,Child in need\n"
    );
    let m = import::suggest_mapping(&import::read_header(&text).unwrap().headers);
    let out = mis_update::apply_update(
        &mut v,
        &text,
        &m,
        &UpdateChoices {
            add_new: false,
            mark_left: vec![],
            left_on: None,
            mode: ImportMode::AllOrNothing,
        },
        now(),
    )
    .unwrap();
    assert_eq!(out.updated, 1);
    let h = status_history(&v, id, now()).unwrap();
    let rows: Vec<(ListKind, Option<String>, NaiveDate, Option<String>)> = h
        .iter()
        .map(|c| {
            (
                c.kind,
                c.value.clone(),
                c.effective_from,
                c.recorded_by.as_ref().map(|u| u.name.clone()),
            )
        })
        .collect();
    let lead = s("Ada Lovelace");
    assert_eq!(
        rows,
        vec![
            (
                ListKind::CareStatus,
                s("Looked after"),
                date!(2024 - 09 - 02),
                lead.clone()
            ),
            (
                ListKind::CareStatus,
                s("Child in need"),
                today(),
                lead.clone()
            ),
            (
                ListKind::SupportLevel,
                s("Intensive"),
                date!(2024 - 09 - 02),
                lead
            ),
        ],
        "the support level is not in the file: kept, no new row"
    );
}
