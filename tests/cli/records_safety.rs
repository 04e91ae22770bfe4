//! Moving data safely as a person or a script does it: `attune-admin sar`, with its exit
//! codes, the file it writes, and that nothing about the pupil is printed.

mod common;
use common::*;

use attune_domain::model::{IdentifierInput, PupilInput, SessionInput, SessionKind};
use attune_domain::rules::identifiers::{upn_check_letter, IdentifierKind};
use attune_domain::{record::pupils, record::records};

fn upn(n: u64) -> String {
    let rest = format!("{n:012}");
    format!("{}{rest}", upn_check_letter(&rest).unwrap())
}

/// A vault from `init` with a key adult and one pupil (Zéphyrine Ōkubo-Quill); returns the
/// pupil's id and UPN.
fn vault_with_pupil(env: &Env) -> (i64, String) {
    env.init();
    env.add_key_adult();
    let upn_value = upn(515_151_515_151);
    let mut v = unlock_as(&env.dir, "Ada Lovelace", LEAD).unwrap();
    let p = pupils::add_pupil(
        &mut v,
        &PupilInput {
            legal_forename: "Zéphyrine".into(),
            legal_surname: "Ōkubo-Quill".into(),
            preferred_name: Some("Зоя".into()),
            date_of_birth: attune_domain::date!(2015 - 05 - 06),
            year_group: "Year 6".into(),
            identifiers: vec![IdentifierInput {
                kind: IdentifierKind::Upn,
                value: upn_value.clone(),
            }],
            care_status: None,
            support_level: None,
            relationship_start: None,
            relationship_planned_end: None,
        },
        now(),
    )
    .unwrap();
    records::log_session(
        &mut v,
        p.id,
        &SessionInput {
            held_on: attune_domain::date!(2025 - 01 - 10),
            minutes: 30,
            kind: SessionKind::Planned,
            regulation: Some(5),
            note: "Drew the Marmaladeflask <script>alert(1)</script>".into(),
            safeguarding_ref: None,
        },
        now(),
    )
    .unwrap();
    v.lock("test", now());
    (p.id, upn_value)
}

#[test]
fn sar_writes_the_document_once_and_refuses_others() {
    let env = Env::new();
    let (id, upn_value) = vault_with_pupil(&env);
    let out = env.files.join("sar.html");
    let out_s = out.to_str().unwrap();
    let id_s = id.to_string();
    let lead = [("ATTUNE_PASSPHRASE", LEAD)];

    let o = env.run(
        &[
            "sar",
            "--user",
            "Ada Lovelace",
            "--pupil",
            &id_s,
            "--out",
            out_s,
        ],
        &lead,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let said = format!("{}{}", stdout(&o), stderr(&o));
    assert!(said.contains("print it to PDF"), "{said}");
    for secret in [
        "Zéphyrine",
        "Ōkubo",
        "Зоя",
        "Marmaladeflask",
        upn_value.as_str(),
    ] {
        assert!(!said.contains(secret), "{secret} printed");
    }
    let html = std::fs::read_to_string(&out).unwrap();
    for secret in [
        "Zéphyrine",
        "Ōkubo-Quill",
        "Зоя",
        "Marmaladeflask",
        upn_value.as_str(),
    ] {
        assert!(html.contains(secret), "{secret} missing");
    }
    assert!(!html.contains("<script"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("6 May 2015"));
    assert!(html.contains("session.create"));

    // Not replaced without --force (bad usage), replaced with it.
    std::fs::write(&out, "keep me").unwrap();
    let o = env.run(
        &[
            "sar",
            "--user",
            "Ada Lovelace",
            "--pupil",
            &id_s,
            "--out",
            out_s,
        ],
        &lead,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "keep me");
    let o = env.run(
        &[
            "sar",
            "--user",
            "Ada Lovelace",
            "--pupil",
            &id_s,
            "--out",
            out_s,
            "--force",
        ],
        &lead,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(std::fs::read_to_string(&out).unwrap().contains("Zéphyrine"));

    // A wrong passphrase is 3; a key adult and a pupil that does not exist are refused (1);
    // nothing is written.
    let other = env.files.join("other.html");
    let other_s = other.to_str().unwrap();
    let o = env.run(
        &[
            "sar",
            "--user",
            "Ada Lovelace",
            "--pupil",
            &id_s,
            "--out",
            other_s,
        ],
        &[("ATTUNE_PASSPHRASE", "not the passphrase at all 99")],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let o = env.run(
        &[
            "sar", "--user", "Ben Key", "--pupil", &id_s, "--out", other_s,
        ],
        &[("ATTUNE_PASSPHRASE", KA)],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("Not permitted"), "{}", stderr(&o));
    let o = env.run(
        &[
            "sar",
            "--user",
            "Ada Lovelace",
            "--pupil",
            "999",
            "--out",
            other_s,
        ],
        &lead,
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!other.exists());
    let o = env.run(
        &[
            "sar",
            "--user",
            "Ada Lovelace",
            "--pupil",
            "x",
            "--out",
            other_s,
        ],
        &lead,
    );
    assert_eq!(o.status.code(), Some(2));

    // The lead's production and the key adult's refusal are both in the audit log.
    let v = unlock_as(&env.dir, "Ada Lovelace", LEAD).unwrap();
    let sars = attune_vault::audit::list(v.conn().unwrap(), Some("pupil.sar"), 20).unwrap();
    let outcomes: Vec<_> = sars.iter().map(|a| a.outcome.as_str()).collect();
    assert_eq!(
        outcomes.iter().filter(|o| **o == "ok").count(),
        2,
        "{outcomes:?}"
    );
    assert_eq!(
        outcomes.iter().filter(|o| **o == "refused").count(),
        1,
        "{outcomes:?}"
    );
}

/// The passphrase line `handover-export` prints: 8 groups of 4, joined by dashes.
fn printed_passphrase(out: &str) -> String {
    out.lines()
        .map(str::trim)
        .find(|l| l.len() == 39 && l.split('-').count() == 8)
        .expect("the handover passphrase is printed")
        .to_string()
}

fn pupil_count(dir: &std::path::Path) -> i64 {
    let v = unlock_as(dir, "Ada Lovelace", LEAD).unwrap();
    let n = v
        .conn()
        .unwrap()
        .query_row("SELECT count(*) FROM pupils", [], |r| r.get(0))
        .unwrap();
    v.lock("test", now());
    n
}

#[test]
fn handover_export_then_import_into_a_second_vault() {
    let env = Env::new();
    let (id, upn_value) = vault_with_pupil(&env);
    let pack = env.files.join("pupil.attune-handover");
    let pack_s = pack.to_str().unwrap();
    let id_s = id.to_string();
    let lead = [("ATTUNE_PASSPHRASE", LEAD)];
    let o = env.run(
        &[
            "handover-export",
            "--user",
            "Ada Lovelace",
            "--pupil",
            &id_s,
            "--out",
            pack_s,
        ],
        &lead,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let said = format!("{}{}", stdout(&o), stderr(&o));
    assert!(
        said.contains("separately from the file, for example by phone"),
        "{said}"
    );
    for secret in ["Zéphyrine", "Ōkubo", "Зоя", "Marmaladeflask", &upn_value] {
        assert!(!said.contains(secret), "{secret} printed");
    }
    let pass = printed_passphrase(&stdout(&o));
    let bytes = std::fs::read(&pack).unwrap();
    for secret in ["Zéphyrine", "Ōkubo", "Зоя", "Marmaladeflask", &upn_value] {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "{secret} in the file"
        );
    }
    // Not replaced without --force.
    let o = env.run(
        &[
            "handover-export",
            "--user",
            "Ada Lovelace",
            "--pupil",
            &id_s,
            "--out",
            pack_s,
        ],
        &lead,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));

    // The receiving school's vault.
    let other = Env::new();
    other.init();
    other.add_key_adult();

    // A flipped byte: exit 4, nothing imported, no passphrase asked for.
    let damaged = other.files.join("damaged.attune-handover");
    std::fs::copy(&pack, &damaged).unwrap();
    flip(&damaged, bytes.len() / 2);
    let o = other.run(
        &[
            "handover-import",
            "--user",
            "Ada Lovelace",
            damaged.to_str().unwrap(),
        ],
        &[
            ("ATTUNE_PASSPHRASE", LEAD),
            ("ATTUNE_HANDOVER_PASSPHRASE", &pass),
        ],
    );
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(stderr(&o).contains("damaged"), "{}", stderr(&o));
    assert_eq!(pupil_count(&other.dir), 0);

    // A wrong handover passphrase: exit 3, nothing imported.
    let wrong = other.secret_file("wrong", "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345-6789");
    let o = other.run(
        &[
            "handover-import",
            "--user",
            "Ada Lovelace",
            pack_s,
            "--handover-passphrase-file",
            wrong.to_str().unwrap(),
        ],
        &lead,
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("That handover passphrase does not open this file."),
        "{}",
        stderr(&o)
    );
    assert_eq!(pupil_count(&other.dir), 0);

    // The right one, from a file, with a key adult.
    let right = other.secret_file("right", &pass);
    let o = other.run(
        &[
            "handover-import",
            "--user",
            "Ada Lovelace",
            pack_s,
            "--key-adult",
            "Ben Key",
            "--handover-passphrase-file",
            right.to_str().unwrap(),
        ],
        &lead,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let said = format!("{}{}", stdout(&o), stderr(&o));
    assert!(!said.contains("Zéphyrine"), "{said}");
    let v = unlock_as(&other.dir, "Ada Lovelace", LEAD).unwrap();
    let (forename, key_adult, notes): (String, String, i64) = v
        .conn()
        .unwrap()
        .query_row(
            "SELECT p.legal_forename, u.name,
                    (SELECT count(*) FROM sessions s WHERE s.pupil_id = p.id)
             FROM pupils p JOIN users u ON u.id = p.key_adult_id",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (forename.as_str(), key_adult.as_str(), notes),
        ("Zéphyrine", "Ben Key", 1)
    );
    let imports =
        attune_vault::audit::list(v.conn().unwrap(), Some("handover.import"), 20).unwrap();
    let outcomes: Vec<_> = imports.iter().map(|a| a.outcome.as_str()).collect();
    assert!(
        outcomes.contains(&"ok") && outcomes.contains(&"failed"),
        "{outcomes:?}"
    );
    v.lock("test", now());
}
