//! The marks that let a sync capture look only at the rows written since the last one
//! (attune-sync's DESIGN.md, "Marks"), on real vault folders: every synced table has its
//! triggers once a vault syncs, and after a round of sync files each side's base holds
//! exactly what its vault holds.
//!
//! Oracles, none of them the sync code's: `sqlite_master` against `sync::synced_tables()`,
//! and the vault's tables compared with the base's by the test's own SQL (`EXCEPT` both ways).

mod common;
use common::*;

use attune_domain::model::{Profile, SessionInput, SessionKind};
use attune_domain::record::{profile, pupils, records};
use attune_domain::transfer::{enrol, sync};
use attune_vault::sync_base::SCHEMA as BASE;
use attune_vault::{Passphrase, Vault};

const LAPTOP_PASS: &str = "violet harbour ginger tramline 58";

fn triggers_missing(v: &Vault) -> Vec<String> {
    let conn = v.conn().unwrap();
    let mut missing = Vec::new();
    for (t, _) in sync::synced_tables() {
        for kind in ["INSERT", "UPDATE", "DELETE"] {
            let name = format!("sync_mark_{t}_{}", kind.to_lowercase());
            let on: Option<(String, String)> = conn
                .query_row(
                    "SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger' AND name = ?1",
                    [&name],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .ok();
            match on {
                Some((tbl, sql))
                    if tbl == t
                        && sql.contains(&format!("AFTER {kind} ON \"{t}\""))
                        && sql.contains("sync_dirty_rows") => {}
                _ => missing.push(name),
            }
        }
    }
    missing
}

/// The rows of each synced table that the vault and its base do not both hold, read with
/// the test's own SQL. The settings that stay on this vault are in the base too (a capture
/// leaves them out of its change but lets the base take them).
fn base_differences(v: &mut Vault, rng: &mut rand_chacha::ChaCha20Rng) -> Vec<String> {
    v.with_sync_base(rng, |v| -> attune_vault::Result<Vec<String>> {
        let conn = v.conn()?;
        let mut out = Vec::new();
        for (t, _) in sync::synced_tables() {
            for (a, b) in [("main", BASE), (BASE, "main")] {
                let n: i64 = conn.query_row(
                    &format!(
                        "SELECT count(*) FROM (SELECT * FROM {a}.{t} EXCEPT SELECT * FROM {b}.{t})"
                    ),
                    [],
                    |r| r.get(0),
                )?;
                if n > 0 {
                    out.push(format!("{t}: {n} rows in {a} only"));
                }
            }
        }
        Ok(out)
    })
    .unwrap()
}

fn marks(v: &Vault) -> i64 {
    v.conn()
        .unwrap()
        .query_row(
            "SELECT (SELECT count(*) FROM sync_dirty_rows) + (SELECT count(*) FROM sync_dirty)",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

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

#[test]
fn a_vault_has_no_marking_triggers_until_it_syncs_and_then_every_synced_table_has_them() {
    let (s, mut school) = school();
    assert_eq!(
        triggers_missing(&school).len(),
        sync::synced_tables().len() * 3,
        "a vault that never synced marks nothing"
    );
    let p = add_assigned(&mut school, &pupil("Mia", "Marks", None), &s.ka1_id);
    session(&mut school, p, "before enrolment");
    let mut rng = rng(71);
    let e = enrol::enrol_laptop(&mut school, &s.ka1_id, &mut rng, now()).unwrap();
    assert_eq!(triggers_missing(&school), Vec::<String>::new());
    assert_eq!(
        marks(&school),
        0,
        "what the school held at enrolment is in its base"
    );
    let tmp = tempfile::tempdir().unwrap();
    let (mut laptop, _) = Vault::join(
        &tmp.path().join("laptop"),
        &e.bytes,
        e.passphrase.expose(),
        &Passphrase::new(LAPTOP_PASS),
        &mut rng,
        now(),
    )
    .unwrap();
    sync::start(&mut laptop, &mut rng).unwrap();
    assert_eq!(triggers_missing(&laptop), Vec::<String>::new());
    assert_eq!(marks(&laptop), 0);
}

#[test]
fn after_a_round_of_sync_files_each_base_holds_what_its_vault_holds() {
    let (s, mut school) = school();
    let mut ps = Vec::new();
    for i in 0..4 {
        let p = add_assigned(
            &mut school,
            &pupil(&format!("Pupil{i}"), "Marks", None),
            &s.ka1_id,
        );
        session(&mut school, p, &format!("before enrolment {i}"));
        ps.push(p);
    }
    let other = add_assigned(&mut school, &pupil("Other", "Marks", None), &s.ka2_id);
    let mut rng = rng(72);
    let e = enrol::enrol_laptop(&mut school, &s.ka1_id, &mut rng, now()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let (mut laptop, _) = Vault::join(
        &tmp.path().join("laptop"),
        &e.bytes,
        e.passphrase.expose(),
        &Passphrase::new(LAPTOP_PASS),
        &mut rng,
        now(),
    )
    .unwrap();
    sync::start(&mut laptop, &mut rng).unwrap();
    let device = attune_vault::ids::device_no(laptop.conn().unwrap()).unwrap();

    for round in 0..3 {
        // Both sides write; the lead moves one pupil away from the laptop and one onto it
        // (the laptop drops the one and takes in the other's whole record).
        for &p in &ps[..2] {
            session(&mut laptop, p, &format!("laptop, round {round}"));
            profile::save_profile(
                &mut laptop,
                p,
                &Profile {
                    what_helps: format!("laptop says {round}"),
                    ..Profile::default()
                },
                now(),
            )
            .unwrap();
        }
        session(&mut school, ps[3], &format!("school, round {round}"));
        profile::save_profile(
            &mut school,
            ps[0],
            &Profile {
                what_helps: format!("the lead says {round}"),
                ..Profile::default()
            },
            now(),
        )
        .unwrap();
        let (away, onto) = if round % 2 == 0 {
            (ps[3], other)
        } else {
            (other, ps[3])
        };
        pupils::assign_key_adult(&mut school, away, Some(&s.ka2_id), today(), now()).unwrap();
        pupils::assign_key_adult(&mut school, onto, Some(&s.ka1_id), today(), now()).unwrap();

        let (up, _) = sync::export(&mut laptop, None, &mut rng, now()).unwrap();
        sync::import(&mut school, &up, &mut rng, now()).unwrap();
        let (down, _) = sync::export(&mut school, Some(device), &mut rng, now()).unwrap();
        sync::import(&mut laptop, &down, &mut rng, now()).unwrap();

        for (who, v) in [("school", &mut school), ("laptop", &mut laptop)] {
            assert_eq!(
                base_differences(v, &mut rng),
                Vec::<String>::new(),
                "{who}, round {round}"
            );
            assert_eq!(marks(v), 0, "{who}, round {round}: every mark was cleared");
        }
    }
    let sessions: i64 = school
        .conn()
        .unwrap()
        .query_row(
            "SELECT count(*) FROM sessions WHERE note LIKE 'laptop, round %'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        sessions, 6,
        "every session from the laptop reached the school"
    );
}
