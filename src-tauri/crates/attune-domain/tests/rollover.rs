//! Rollover to a new school year: year groups move on by one, the school's last year is offered
//! as leavers, a second rollover to the same year is refused, a key adult cannot roll over, and
//! the moved year groups and the vault's school year reach a key adult's laptop by sync.
//! Expected year groups are written out by hand.

mod common;
use common::*;

use attune_domain::date;
use attune_domain::model::PupilStatus;
use attune_domain::record::pupils;
use attune_domain::record::rollover::{self, RolloverChoices};
use attune_domain::transfer::{scope, sync};
use attune_vault::ErrorKind;

fn year_of(v: &attune_vault::Vault, id: i64) -> (String, String) {
    v.conn()
        .unwrap()
        .query_row(
            "SELECT year_group, status FROM pupils WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
}

fn add(v: &mut attune_vault::Vault, name: &str, year: &str) -> i64 {
    let mut p = pupil(name, "Test", None);
    p.year_group = year.into();
    pupils::add_pupil(v, &p, now()).unwrap().id
}

#[test]
fn year_groups_move_on_once_and_leavers_are_offered_until_confirmed() {
    let (s, mut v) = school();
    let r_pupil = add(&mut v, "Rhys", "Reception");
    let y5 = add_assigned(&mut v, &pupil("Mia", "Jones", None), &s.ka1_id); // Year 5
    let y6a = add(&mut v, "Owen", "Year 6");
    let y6b = add(&mut v, "Nia", "Year 6");
    let gone = add(&mut v, "Tom", "Year 4");
    pupils::mark_left(&mut v, gone, date!(2026 - 07 - 20), now()).unwrap();
    let mut r = rng(61);
    let (_ld, mut lv) = laptop(&mut v, &s.ka1_id, &mut r);

    // now() is November 2026: before any rollover, 2026-27 or 2027-28 are allowed.
    assert_eq!(rollover::school_year(&v).unwrap(), None);
    let err = rollover::preview_rollover(&v, "2028-29", None, now()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");

    let p = rollover::preview_rollover(&v, "2027-28", None, now()).unwrap();
    assert_eq!(p.to_year, "2027-28");
    assert_eq!(p.from_year, None);
    assert_eq!(
        p.last_years,
        vec!["Year 6".to_string()],
        "highest year held"
    );
    let moves: Vec<(i64, &str, &str)> = p
        .moves
        .iter()
        .map(|m| (m.pupil_id, m.from.as_str(), m.to.as_str()))
        .collect();
    assert_eq!(
        moves,
        vec![(r_pupil, "Reception", "Year 1"), (y5, "Year 5", "Year 6")]
    );
    let leavers: Vec<i64> = p.leavers.iter().map(|l| l.pupil_id).collect();
    assert_eq!(leavers, vec![y6a, y6b]);
    // The preview wrote nothing.
    assert_eq!(year_of(&v, y5).0, "Y5");
    assert_eq!(rollover::school_year(&v).unwrap(), None);

    // A key adult cannot roll over (and the refusal is audited).
    {
        v.lock("test", now());
        let ka = unlock(&s.dir, &s.ka1_id, KA1_PASS);
        let err = rollover::preview_rollover(&ka, "2027-28", None, now()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotPermitted);
        let last = last_audit(&ka);
        assert_eq!(
            (last.action.as_str(), last.outcome.as_str()),
            ("school_year.rollover", "refused")
        );
        ka.lock("test", now());
    }
    let mut v = unlock(&s.dir, &s.lead_id, LEAD_PASS);

    // A leaver not offered cannot be marked left here; a date is needed for those that are.
    let mut choices = RolloverChoices {
        to: "2027-28".into(),
        last_year: None,
        leavers_left: vec![y5],
        left_on: Some(date!(2027 - 07 - 21)),
    };
    assert!(rollover::apply_rollover(&mut v, &choices, now()).is_err());
    choices.leavers_left = vec![y6a];
    choices.left_on = None;
    assert!(rollover::apply_rollover(&mut v, &choices, now()).is_err());
    assert_eq!(
        year_of(&v, r_pupil).0,
        "R",
        "a refused rollover wrote nothing"
    );

    // Confirmed: Owen leaves, Nia (not confirmed) stays in Year 6, active.
    choices.left_on = Some(date!(2027 - 07 - 21));
    let out = rollover::apply_rollover(&mut v, &choices, now()).unwrap();
    assert_eq!(
        (out.to_year.as_str(), out.moved, out.marked_left, out.stayed),
        ("2027-28", 2, 1, 1)
    );
    assert_eq!(year_of(&v, r_pupil), ("Y1".into(), "active".into()));
    assert_eq!(year_of(&v, y5), ("Y6".into(), "active".into()));
    assert_eq!(year_of(&v, y6a), ("Y6".into(), "left".into()));
    assert_eq!(year_of(&v, y6b), ("Y6".into(), "active".into()));
    assert_eq!(
        year_of(&v, gone),
        ("Y4".into(), "left".into()),
        "leavers untouched"
    );
    let owen = pupils::get_pupil(&v, y6a, now()).unwrap();
    assert_eq!(owen.status, PupilStatus::Left);
    assert_eq!(owen.left_on, Some(date!(2027 - 07 - 21)));
    assert_eq!(
        rollover::school_year(&v).unwrap().as_deref(),
        Some("2027-28")
    );

    // Audited: each pupil moved, the leaver, and the school's rollover.
    let actions: Vec<(String, Option<String>)> =
        attune_vault::audit::list(v.conn().unwrap(), None, 200)
            .unwrap()
            .into_iter()
            .map(|a| (a.action, a.target))
            .collect();
    for (action, target) in [
        ("pupil.rollover", format!("pupil:{r_pupil}")),
        ("pupil.rollover", format!("pupil:{y5}")),
        ("pupil.leave", format!("pupil:{y6a}")),
        ("school_year.rollover", "year:2027-28".to_string()),
    ] {
        assert!(
            actions.contains(&(action.to_string(), Some(target.clone()))),
            "{action} {target}"
        );
    }
    assert!(!actions.contains(&("pupil.rollover".into(), Some(format!("pupil:{y6b}")))));

    // Twice is refused, plainly, and changes nothing.
    let err = rollover::apply_rollover(&mut v, &choices, now()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists);
    assert!(
        err.to_string()
            .contains("already been rolled over to 2027-28"),
        "{err}"
    );
    assert_eq!(year_of(&v, y5).0, "Y6");
    // Skipping a year is refused; the next one is offered again with Nia as a leaver.
    assert!(rollover::preview_rollover(&v, "2029-30", None, now()).is_err());
    let next = rollover::preview_rollover(&v, "2028-29", None, now()).unwrap();
    assert_eq!(next.from_year.as_deref(), Some("2027-28"));
    assert_eq!(
        next.leavers.iter().map(|l| l.pupil_id).collect::<Vec<_>>(),
        vec![y5, y6b]
    );

    // By sync, Mia's new year group and the vault's school year reach her key adult's laptop.
    let (down, _) = sync::export(&mut v, Some(1), &mut r, now()).unwrap();
    sync::import(&mut lv, &down, &mut r, now()).expect("the laptop takes it in");
    assert_eq!(year_of(&lv, y5).0, "Y6");
    assert_eq!(
        rollover::school_year(&lv).unwrap().as_deref(),
        Some("2027-28")
    );
    assert_eq!(
        scope::digest(lv.conn().unwrap(), scope::Scope::Caseload(&s.ka1_id)).unwrap(),
        scope::digest(v.conn().unwrap(), scope::Scope::Caseload(&s.ka1_id)).unwrap()
    );
}

#[test]
fn a_scottish_primary_sends_p7_on_as_leavers_and_nursery_to_p1() {
    let (_s, mut v) = school();
    let n2 = add(&mut v, "Isla", "N2");
    let p1 = add(&mut v, "Finn", "P1");
    let p6 = add(&mut v, "Ruby", "P6");
    let p7 = add(&mut v, "Lewis", "P7");
    let p = rollover::preview_rollover(&v, "2026-27", None, now()).unwrap();
    assert_eq!(p.last_years, vec!["P7".to_string()]);
    let moves: Vec<(i64, &str)> = p
        .moves
        .iter()
        .map(|m| (m.pupil_id, m.to.as_str()))
        .collect();
    assert_eq!(moves, vec![(n2, "P1"), (p1, "P2"), (p6, "P7")]);
    assert_eq!(
        p.leavers.iter().map(|l| l.pupil_id).collect::<Vec<_>>(),
        vec![p7]
    );
    // The lead names a later last year (an all-through school): P7 moves on to S1.
    let p = rollover::preview_rollover(&v, "2026-27", Some("S6"), now()).unwrap();
    assert!(p.last_year_given);
    assert!(p.leavers.is_empty());
    assert!(p
        .moves
        .iter()
        .any(|m| m.pupil_id == p7 && m.from == "P7" && m.to == "S1"));
    // A last year that is not a year group is refused plainly.
    let err = rollover::preview_rollover(&v, "2026-27", Some("Class 9"), now()).unwrap_err();
    assert!(err.to_string().contains("last year"), "{err}");
}
