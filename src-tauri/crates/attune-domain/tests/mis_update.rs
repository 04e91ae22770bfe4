//! Updating pupils already held from a later MIS export: matching, the preview, confirming.
//! Expected answers are written out by hand from the files below.

mod common;
use common::*;

use attune_domain::date;
use attune_domain::model::*;
use attune_domain::record::pupils;
use attune_domain::transfer::import::{self, PupilField};
use attune_domain::transfer::mis_update::{self, UpdateChoices};
use attune_vault::ErrorKind;

struct Held {
    ava: i64,
    ben: i64,
    cai: i64,
    dee: i64,
    eli: i64,
}

/// Five pupils: Ava, Ben, Cai by UPN; Dee with only a local id; Eli with no identifier.
fn held(v: &mut attune_vault::Vault) -> Held {
    let add = |v: &mut attune_vault::Vault, input: PupilInput| {
        pupils::add_pupil(v, &input, now()).unwrap().id
    };
    let ava = add(v, pupil("Ava", "Adams", Some(&upn(801_200_000_001))));
    let ben = add(v, pupil("Ben", "Brown", Some(&upn(801_200_000_002))));
    let cai = add(v, pupil("Cai", "Cole", Some(&upn(801_200_000_003))));
    let mut d = pupil("Dee", "Dunn", None);
    d.identifiers = vec![IdentifierInput {
        kind: attune_domain::rules::identifiers::IdentifierKind::Local,
        value: "L-0004".into(),
    }];
    let dee = add(v, d);
    let mut e = pupil("Eli", "Evans", None);
    e.date_of_birth = date!(2015 - 01 - 09);
    let eli = add(v, e);
    Held {
        ava,
        ben,
        cai,
        dee,
        eli,
    }
}

fn mapping(text: &str) -> import::ColumnMapping {
    import::suggest_mapping(&import::read_header(text).unwrap().headers)
}

/// September's file: Ava moves up a year and is no longer looked after; Ben unchanged; Cai is
/// missing (left); Dee matched by local id gains a UPN; Eli, matched by name and date of birth,
/// gains a preferred name; Fay is new.
fn september() -> String {
    format!(
        "UPN,Adno,Legal Surname,Legal Forename,Preferred Forename,DOB,Year,Care status\n\
         {ava},,Adams,Ava,,04/03/2016,Year 6,None\n\
         {ben},,Brown,Ben,,04/03/2016,Year 5,Looked after\n\
         {dee_upn},L-0004,Dunn,Dee,,04/03/2016,Year 5,Looked after\n\
         ,,Evans,Eli,Ellie,09/01/2015,Year 5,Looked after\n\
         {fay},,Fox,Fay,,02/02/2016,Year 6,\n",
        ava = upn(801_200_000_001),
        ben = upn(801_200_000_002),
        dee_upn = upn(801_200_000_044),
        fay = upn(801_200_000_006),
    )
}

fn changes_of(p: &mis_update::UpdatePreview, id: i64) -> Vec<(PupilField, String, String)> {
    p.changed
        .iter()
        .find(|c| c.pupil_id == id)
        .map(|c| {
            c.changes
                .iter()
                .map(|f| (f.field, f.from.clone(), f.to.clone()))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn the_preview_lists_changes_new_pupils_and_those_missing_and_writes_nothing() {
    let (_s, mut v) = school();
    let h = held(&mut v);
    let text = september();
    let before: Vec<Pupil> = [h.ava, h.ben, h.cai, h.dee, h.eli]
        .iter()
        .map(|id| pupils::get_pupil(&v, *id, now()).unwrap())
        .collect();
    let p = mis_update::preview_update(&v, &text, &mapping(&text), now()).unwrap();
    assert!(p.bad.is_empty(), "{:?}", p.bad);
    assert_eq!(
        changes_of(&p, h.ava),
        vec![
            (PupilField::YearGroup, "Year 5".into(), "Year 6".into()),
            (PupilField::CareStatus, "Looked after".into(), "None".into()),
        ]
    );
    assert_eq!(changes_of(&p, h.ben), vec![]);
    assert_eq!(
        changes_of(&p, h.dee),
        vec![(PupilField::Upn, String::new(), upn(801_200_000_044))]
    );
    assert_eq!(
        changes_of(&p, h.eli),
        vec![(PupilField::PreferredName, String::new(), "Ellie".into())]
    );
    assert_eq!(p.unchanged, 1, "Ben");
    assert_eq!(p.new.len(), 1);
    assert_eq!(p.new[0].line, 6);
    assert_eq!(p.new[0].pupil.legal_forename, "Fay");
    assert_eq!(
        p.missing.iter().map(|m| m.pupil_id).collect::<Vec<_>>(),
        vec![h.cai]
    );
    // Nothing was written.
    let after: Vec<Pupil> = [h.ava, h.ben, h.cai, h.dee, h.eli]
        .iter()
        .map(|id| pupils::get_pupil(&v, *id, now()).unwrap())
        .collect();
    assert_eq!(before, after);
}

#[test]
fn confirming_applies_every_change_adds_and_marks_left_as_chosen_and_audits_each() {
    let (_s, mut v) = school();
    let h = held(&mut v);
    let text = september();
    let m = mapping(&text);
    let out = mis_update::apply_update(
        &mut v,
        &text,
        &m,
        &UpdateChoices {
            add_new: true,
            mark_left: vec![h.cai],
            left_on: Some(date!(2026 - 07 - 22)),
            mode: ImportMode::AllOrNothing,
        },
        now(),
    )
    .unwrap();
    assert_eq!((out.updated, out.added, out.marked_left), (3, 1, 1));
    let ava = pupils::get_pupil(&v, h.ava, now()).unwrap();
    assert_eq!(ava.year_group_label, "Year 6");
    assert_eq!(ava.care_status.as_deref(), Some("None"));
    assert_eq!(
        ava.support_level.as_deref(),
        Some("Intensive"),
        "no column: kept"
    );
    let dee = pupils::get_pupil(&v, h.dee, now()).unwrap();
    let mut ids: Vec<_> = dee.identifiers.iter().map(|i| i.value.clone()).collect();
    ids.sort();
    let mut want = vec![upn(801_200_000_044), "L-0004".to_string()];
    want.sort();
    assert_eq!(ids, want);
    let eli = pupils::get_pupil(&v, h.eli, now()).unwrap();
    assert_eq!(eli.preferred_name.as_deref(), Some("Ellie"));
    let cai = pupils::get_pupil(&v, h.cai, now()).unwrap();
    assert_eq!(cai.status, PupilStatus::Left);
    assert_eq!(cai.left_on, Some(date!(2026 - 07 - 22)));
    let fay_upn = upn(801_200_000_006);
    assert!(pupils::existing_identifiers(&v, now())
        .unwrap()
        .contains(&fay_upn));

    // The same file again changes nothing more.
    let p = mis_update::preview_update(&v, &text, &m, now()).unwrap();
    assert!(p.changed.is_empty(), "{:?}", p.changed);
    assert_eq!(p.unchanged, 5);
    assert!(p.new.is_empty() && p.missing.is_empty());

    // Audited per pupil.
    let actions: Vec<(String, Option<String>)> =
        attune_vault::audit::list(v.conn().unwrap(), None, 200)
            .unwrap()
            .into_iter()
            .map(|a| (a.action, a.target))
            .collect();
    for (action, id) in [
        ("pupil.update", h.ava),
        ("pupil.update", h.dee),
        ("pupil.update", h.eli),
        ("pupil.leave", h.cai),
    ] {
        assert!(
            actions.contains(&(action.to_string(), Some(format!("pupil:{id}")))),
            "{action} {id}"
        );
    }
    assert!(!actions.contains(&("pupil.update".to_string(), Some(format!("pupil:{}", h.ben)))));
}

#[test]
fn a_bad_line_changes_nothing_unless_asked_and_its_pupil_is_never_offered_as_left() {
    let (_s, mut v) = school();
    let h = held(&mut v);
    // Ben's line has an impossible date of birth; Cai's says Year 99.
    let text = format!(
        "UPN,Legal Surname,Legal Forename,DOB,Year\n\
         {ava},Adams,Ava,04/03/2016,Year 6\n\
         {ben},Brown,Ben,31/02/2016,Year 6\n\
         {cai},Cole,Cai,04/03/2016,Year 99\n",
        ava = upn(801_200_000_001),
        ben = upn(801_200_000_002),
        cai = upn(801_200_000_003),
    );
    let m = mapping(&text);
    let p = mis_update::preview_update(&v, &text, &m, now()).unwrap();
    assert_eq!(p.bad.iter().map(|b| b.line).collect::<Vec<_>>(), vec![3, 4]);
    let missing: Vec<i64> = p.missing.iter().map(|m| m.pupil_id).collect();
    assert!(
        !missing.contains(&h.ben) && !missing.contains(&h.cai),
        "{missing:?}"
    );
    assert_eq!(missing, vec![h.dee, h.eli]);

    let choices = |mode| UpdateChoices {
        add_new: true,
        mark_left: vec![],
        left_on: None,
        mode,
    };
    let out =
        mis_update::apply_update(&mut v, &text, &m, &choices(ImportMode::AllOrNothing), now())
            .unwrap();
    assert_eq!((out.updated, out.bad.len()), (0, 2));
    assert_eq!(
        pupils::get_pupil(&v, h.ava, now())
            .unwrap()
            .year_group_label,
        "Year 5"
    );
    let out =
        mis_update::apply_update(&mut v, &text, &m, &choices(ImportMode::GoodOnly), now()).unwrap();
    assert_eq!((out.updated, out.bad.len()), (1, 2));
    assert_eq!(
        pupils::get_pupil(&v, h.ava, now())
            .unwrap()
            .year_group_label,
        "Year 6"
    );
    assert_eq!(
        pupils::get_pupil(&v, h.ben, now())
            .unwrap()
            .year_group_label,
        "Year 5"
    );

    // Only a missing pupil can be marked left here, and only with a date.
    let mut c = choices(ImportMode::GoodOnly);
    c.mark_left = vec![h.ava];
    c.left_on = Some(date!(2026 - 07 - 22));
    let e = mis_update::apply_update(&mut v, &text, &m, &c, now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    c.mark_left = vec![h.dee];
    c.left_on = None;
    let e = mis_update::apply_update(&mut v, &text, &m, &c, now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert_eq!(
        pupils::get_pupil(&v, h.dee, now()).unwrap().status,
        PupilStatus::Active
    );
}

#[test]
fn lines_that_name_two_pupils_or_one_pupil_twice_are_refused() {
    let (_s, mut v) = school();
    let _h = held(&mut v);
    let text = format!(
        "UPN,Adno,Legal Surname,Legal Forename,DOB,Year\n\
         {ava},L-0004,Adams,Ava,04/03/2016,Year 6\n\
         {ben},,Brown,Ben,04/03/2016,Year 6\n\
         ,,Brown,Ben,04/03/2016,Year 6\n",
        ava = upn(801_200_000_001),
        ben = upn(801_200_000_002),
    );
    let p = mis_update::preview_update(&v, &text, &mapping(&text), now()).unwrap();
    let bad: Vec<(usize, &str)> = p.bad.iter().map(|b| (b.line, b.reason.as_str())).collect();
    assert_eq!(bad.len(), 2, "{bad:?}");
    assert_eq!(bad[0].0, 2);
    assert!(bad[0].1.contains("two different pupils"), "{bad:?}");
    assert_eq!(bad[1].0, 4);
    assert!(bad[1].1.contains("same pupil as line 3"), "{bad:?}");
}

#[test]
fn only_a_strategic_lead_updates_from_the_mis_and_a_refusal_is_audited() {
    let (s, mut v) = school();
    held(&mut v);
    drop(v);
    let ka = unlock(&s.dir, &s.ka1_id, KA1_PASS);
    let text = september();
    let e = mis_update::preview_update(&ka, &text, &mapping(&text), now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotPermitted);
    let a = last_audit(&ka);
    assert_eq!(
        (a.action.as_str(), a.outcome.as_str()),
        ("pupil.update", "refused")
    );
}
