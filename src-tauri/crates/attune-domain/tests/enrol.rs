//! Preparing a key adult's laptop from a real school vault (issue 17): the laptop holds
//! exactly the school's caseload scope for that key adult (oracle: the digest of the school's
//! rows for them against the laptop's own, and the rows by raw SQL) — and not the pupils
//! discussed in their supervision notes who have since moved to another key adult.

mod common;
use common::*;

use attune_domain::date;
use attune_domain::lead::supervision::{self, SupervisionKind, SupervisionNoteInput};
use attune_domain::model::{SessionInput, SessionKind};
use attune_domain::record::{pupils, records};
use attune_domain::transfer::{enrol, scope};
use attune_vault::{ErrorKind, Passphrase, Vault};

const LAPTOP_PASS: &str = "violet harbour ginger tramline 58";

fn session(v: &mut Vault, pupil: i64, note: &str) {
    records::log_session(
        v,
        pupil,
        &SessionInput {
            held_on: today(),
            minutes: 20,
            kind: SessionKind::CheckIn,
            regulation: Some(5),
            note: note.into(),
            safeguarding_ref: None,
        },
        now(),
    )
    .unwrap();
}

fn ids(v: &Vault, sql: &str) -> Vec<i64> {
    v.conn()
        .unwrap()
        .prepare(sql)
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect()
}

#[test]
fn a_laptop_holds_its_key_adults_caseload_and_no_pupil_who_moved_away() {
    let (s, mut v) = school();
    let mia = add_assigned(&mut v, &pupil("Mia", "Jones", None), &s.ka1_id);
    let leo = add_assigned(&mut v, &pupil("Leo", "Brown", None), &s.ka1_id);
    let ann = add_assigned(&mut v, &pupil("Ann", "Other", None), &s.ka2_id);
    session(&mut v, mia, "Mia settled quickly");
    session(&mut v, ann, "Ann talked about home");
    // A supervision note with Grace about Mia and Leo; then Leo moves to Alan.
    supervision::record_supervision_note(
        &mut v,
        &SupervisionNoteInput {
            held_on: date!(2026 - 11 - 20),
            kind: SupervisionKind::Supervision,
            key_adult_id: s.ka1_id.clone(),
            pupil_ids: vec![mia, leo],
            notes: "Morning routines.".into(),
            actions: "A visual timetable.".into(),
        },
        today(),
        now(),
    )
    .unwrap();
    pupils::assign_key_adult(&mut v, leo, Some(&s.ka2_id), today(), now()).unwrap();

    let e = enrol::enrol_laptop(&mut v, &s.ka1_id, &mut rng(11), now()).unwrap();
    assert_eq!(e.meta.device_no, 1);
    let school_digest =
        scope::digest(v.conn().unwrap(), scope::Scope::Caseload(&s.ka1_id)).unwrap();
    // A second laptop, for Alan: the next device number.
    let e2 = enrol::enrol_laptop(&mut v, &s.ka2_id, &mut rng(12), now()).unwrap();
    assert_eq!(e2.meta.device_no, 2);
    let laptops = enrol::laptops(&v, now()).unwrap();
    assert_eq!(
        laptops
            .iter()
            .map(|l| (l.device_no, l.user_id.as_str()))
            .collect::<Vec<_>>(),
        vec![(1, s.ka1_id.as_str()), (2, s.ka2_id.as_str())]
    );

    let tmp = tempfile::tempdir().unwrap();
    let (lv, _) = Vault::join(
        &tmp.path().join("grace"),
        &e.bytes,
        e.passphrase.expose(),
        &Passphrase::new(LAPTOP_PASS),
        &mut rng(13),
        now(),
    )
    .unwrap();
    let laptop_digest =
        scope::digest(lv.conn().unwrap(), scope::Scope::Caseload(&s.ka1_id)).unwrap();
    assert_eq!(laptop_digest, school_digest);
    // By raw SQL: Mia only, her session, the note, and the note's link to Mia alone.
    assert_eq!(ids(&lv, "SELECT id FROM pupils"), vec![mia]);
    assert_eq!(ids(&lv, "SELECT count(*) FROM sessions"), vec![1]);
    assert_eq!(ids(&lv, "SELECT count(*) FROM supervision_notes"), vec![1]);
    assert_eq!(
        ids(&lv, "SELECT pupil_id FROM supervision_pupils"),
        vec![mia]
    );
    // New records on the laptop come from its own range.
    let mut lv = lv;
    session(&mut lv, mia, "Written on the laptop");
    let newest = ids(&lv, "SELECT max(id) FROM sessions")[0];
    assert_eq!(attune_vault::ids::device_of(newest), Some(1));

    // Only a lead prepares a laptop, and only for a key adult.
    let err = enrol::enrol_laptop(&mut v, &s.lead_id, &mut rng(14), now()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    drop(v);
    let mut grace = unlock(&s.dir, &s.ka1_id, KA1_PASS);
    let err = enrol::enrol_laptop(&mut grace, &s.ka1_id, &mut rng(15), now()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotPermitted);
    assert_eq!(
        (
            last_audit(&grace).action.as_str(),
            last_audit(&grace).outcome.as_str()
        ),
        ("sync.enrol", "refused")
    );
}

/// When each laptop last synced, as the Sync page and the lead's overview say it: whole days
/// since the school last took in its work (since it was prepared, when never), and "not synced"
/// from seven days on — checked against times chosen by hand on either side of the boundary.
#[test]
fn a_laptop_not_synced_for_a_week_is_named_on_the_overview_and_a_removed_ones_is_not() {
    use attune_domain::lead::overview::{self, OverviewQuery};
    use chrono::Duration;

    let (s, mut v) = school();
    add_assigned(&mut v, &pupil("Mia", "Jones", None), &s.ka1_id);
    add_assigned(&mut v, &pupil("Ann", "Other", None), &s.ka2_id);
    let t0 = now();
    enrol::enrol_laptop(&mut v, &s.ka1_id, &mut rng(21), t0).unwrap();
    enrol::enrol_laptop(&mut v, &s.ka2_id, &mut rng(22), t0).unwrap();

    let at = |v: &Vault, d: Duration| -> Vec<(u16, i64, bool)> {
        enrol::laptops(v, t0 + d)
            .unwrap()
            .into_iter()
            .map(|l| (l.device_no, l.days_since_sync, l.stale))
            .collect()
    };
    assert_eq!(
        at(&v, Duration::hours(6 * 24 + 23)),
        vec![(1, 6, false), (2, 6, false)],
        "six days and 23 hours is not yet a week"
    );
    assert_eq!(at(&v, Duration::days(7)), vec![(1, 7, true), (2, 7, true)]);

    // The lead's overview, a day later, names both; the Sync page's status lists both.
    let later = t0 + Duration::days(8);
    let o = overview::overview(&v, &OverviewQuery::default(), later.date_naive(), later).unwrap();
    assert_eq!(
        o.laptops_not_synced
            .iter()
            .map(|l| (l.device_no, l.user_id.as_str(), l.days_since_sync))
            .collect::<Vec<_>>(),
        vec![(1, s.ka1_id.as_str(), 8), (2, s.ka2_id.as_str(), 8)]
    );
    let st = enrol::sync_status(&v, later).unwrap();
    assert_eq!((st.device_no, st.can_sync, st.laptops.len()), (0, true, 2));

    // Alan is removed: his laptop is refused anyway, so it is no longer "not synced".
    v.remove_user(&s.ka2_id, &mut rng(23), later).unwrap();
    let o = overview::overview(&v, &OverviewQuery::default(), later.date_naive(), later).unwrap();
    assert_eq!(
        o.laptops_not_synced
            .iter()
            .map(|l| l.device_no)
            .collect::<Vec<_>>(),
        vec![1]
    );

    // A key adult at the school vault exchanges no sync files here and sees no laptops.
    drop(v);
    let ka = unlock(&s.dir, &s.ka1_id, KA1_PASS);
    let st = enrol::sync_status(&ka, later).unwrap();
    assert_eq!((st.device_no, st.can_sync, st.laptops.len()), (0, false, 0));
}
