//! People added at the school after a laptop was prepared (issue 17): their work on the
//! laptop's pupils still reaches the laptop, whose vault then knows who wrote it. The oracle is
//! the laptop's own rows, read by SQL, and the digests of both sides.

mod common;
use common::*;

use attune_domain::model::{SessionInput, SessionKind};
use attune_domain::record::records;
use attune_domain::transfer::{scope, sync};
use attune_vault::{Passphrase, Role};

const NEW_LEAD_PASS: &str = "amber quarry whistle lagoon 77";

#[test]
fn a_session_by_a_lead_added_after_enrolment_reaches_the_laptop() {
    let (s, mut v) = school();
    let mia = add_assigned(&mut v, &pupil("Mia", "Jones", None), &s.ka1_id);
    let mut r = rng(60);
    let (_laptop_dir, mut lv) = laptop(&mut v, &s.ka1_id, &mut r);

    // A second strategic lead joins the school after the laptop was prepared, and logs a
    // session with Mia.
    let second = v
        .add_user(
            "Rosalind Franklin",
            Role::StrategicLead,
            &Passphrase::new(NEW_LEAD_PASS),
            &mut r,
            now(),
        )
        .unwrap();
    v.lock("test", now());
    let mut v = unlock(&s.dir, &second.id, NEW_LEAD_PASS);
    records::log_session(
        &mut v,
        mia,
        &SessionInput {
            held_on: today(),
            minutes: 30,
            kind: SessionKind::CheckIn,
            regulation: Some(6),
            note: "Seen by the new lead".into(),
            safeguarding_ref: None,
        },
        now(),
    )
    .unwrap();

    let (down, _) = sync::export(&mut v, Some(1), &mut r, now()).unwrap();
    let report = sync::import(&mut lv, &down, &mut r, now()).expect("the laptop takes it in");
    assert!(!report.already_imported);
    let (n, author): (i64, Option<String>) = lv
        .conn()
        .unwrap()
        .query_row(
            "SELECT count(*), (SELECT u.name FROM sessions s JOIN users u ON u.id = s.recorded_by
                               WHERE s.note = 'Seen by the new lead')
             FROM sessions WHERE note = 'Seen by the new lead'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(n, 1, "the session is on the laptop");
    assert_eq!(
        author.as_deref(),
        Some("Rosalind Franklin"),
        "and the laptop knows who wrote it"
    );
    let school_digest =
        scope::digest(v.conn().unwrap(), scope::Scope::Caseload(&s.ka1_id)).unwrap();
    let laptop_digest =
        scope::digest(lv.conn().unwrap(), scope::Scope::Caseload(&s.ka1_id)).unwrap();
    assert_eq!(laptop_digest, school_digest);
}
