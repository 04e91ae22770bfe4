//! `attune-admin handover-import FILE --into PUPIL_ID` as a receiving school uses it (issue 15,
//! item 2): the pupil is already in its vault from the MIS (`import-pupils`), the sending
//! school's pack arrives, a plain import is refused naming the held record, a dry run shows
//! the identity fields side by side and writes nothing, the merge adds the sending school's
//! record and takes only the field asked for, and the same pack again is refused. Everything is
//! read back through `pupils --json --names` and the subject access document (`sar`), apart
//! from the merge's own report.

mod common;
use common::*;

use attune_domain::model::{
    ChronologyInput, ChronologyKind, GoalInput, IdentifierInput, PlanInput, PupilInput,
    SessionInput, SessionKind,
};
use attune_domain::planning::{plans, school_frameworks};
use attune_domain::record::{pupils, records};
use attune_domain::rules::identifiers::{upn_check_letter, IdentifierKind};
use attune_domain::rules::schedule::Cadence;

fn upn(n: u64) -> String {
    let rest = format!("{n:012}");
    format!("{}{rest}", upn_check_letter(&rest).unwrap())
}

fn ok(env: &Env, args: &[&str], extra: &[(&str, &str)]) -> String {
    let mut e = vec![("ATTUNE_PASSPHRASE", LEAD)];
    e.extend_from_slice(extra);
    let out = env.run(args, &e);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}:\n{}{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

/// The sending school: one pupil with a plan and goal, a session and an event; the pack made
/// with `handover-export`. Returns the pack's path and its passphrase.
fn sending_pack(env: &Env, upn_value: &str) -> (std::path::PathBuf, String) {
    env.init();
    let mut v = unlock_as(&env.dir, "Ada Lovelace", LEAD).unwrap();
    let p = pupils::add_pupil(
        &mut v,
        &PupilInput {
            legal_forename: "Zoë".into(),
            legal_surname: "Okonkwo-Price".into(),
            preferred_name: None,
            date_of_birth: attune_domain::date!(2015 - 05 - 06),
            year_group: "Year 5".into(),
            identifiers: vec![IdentifierInput {
                kind: IdentifierKind::Upn,
                value: upn_value.into(),
            }],
            care_status: Some("Looked after".into()),
            support_level: Some("Intensive".into()),
            relationship_start: None,
            relationship_planned_end: None,
        },
        now(),
    )
    .unwrap();
    let fw = school_frameworks::list_frameworks(&v).unwrap();
    let today = now().date_naive();
    let plan = plans::start_plan(
        &mut v,
        p.id,
        &PlanInput {
            framework_id: None,
            start: today - chrono::Duration::days(60),
            horizon_end: today + chrono::Duration::days(800),
            cadence: Cadence::Termly,
        },
        &fw,
        today,
        now(),
    )
    .unwrap();
    plans::add_goal(
        &mut v,
        plan.id,
        &GoalInput {
            domain_id: "belonging".into(),
            outcome: "Joins the Quillfeather club".into(),
            baseline: 1,
            target: 6,
            strategies: String::new(),
            who: String::new(),
            how_often: String::new(),
            pp_plus_cost_pence: None,
        },
        &fw,
        now(),
    )
    .unwrap();
    records::log_session(
        &mut v,
        p.id,
        &SessionInput {
            held_on: today - chrono::Duration::days(10),
            minutes: 25,
            kind: SessionKind::Planned,
            regulation: Some(5),
            note: "Talked about Marmaladeflask".into(),
            safeguarding_ref: None,
        },
        now(),
    )
    .unwrap();
    records::add_chronology_event(
        &mut v,
        p.id,
        &ChronologyInput {
            occurred_on: today - chrono::Duration::days(30),
            kind: ChronologyKind::PlacementMove,
            description: "Moved to the Obsidianwhistle placement".into(),
            safeguarding_ref: None,
        },
        now(),
    )
    .unwrap();
    v.lock("test", now());
    let pack = env.files.join("pupil.attune-handover");
    let out = ok(
        env,
        &[
            "handover-export",
            "--pupil",
            &p.id.to_string(),
            "--out",
            pack.to_str().unwrap(),
        ],
        &[],
    );
    let pass = out
        .lines()
        .map(str::trim)
        .find(|l| l.len() == 39 && l.split('-').count() == 8)
        .expect("the handover passphrase is printed")
        .to_string();
    (pack, pass)
}

/// Each pupil's JSON row from `pupils --json --names`, by UPN.
fn pupils_by_upn(env: &Env) -> std::collections::BTreeMap<String, serde_json::Value> {
    let text = ok(env, &["pupils", "--json", "--names"], &[]);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    rows.into_iter()
        .map(|r| (r["upn"].as_str().unwrap_or("").to_string(), r))
        .collect()
}

/// The subject access document of pupil `id`, as written by `sar`.
fn sar(env: &Env, id: i64, name: &str) -> String {
    let out = env.files.join(name);
    ok(
        env,
        &[
            "sar",
            "--pupil",
            &id.to_string(),
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    std::fs::read_to_string(out).unwrap()
}

#[test]
fn a_pack_for_a_pupil_held_from_the_mis_is_merged_into_their_record() {
    let upn_value = upn(727_272_727_272);
    let sending = Env::new();
    let (pack, pass) = sending_pack(&sending, &upn_value);
    let pack_s = pack.to_str().unwrap();

    // The receiving school has the child from its MIS already (spelt without the diaeresis,
    // a year on), and another pupil.
    let env = Env::new();
    env.init();
    let other = upn(727_272_727_273);
    let csv = format!(
        "UPN,Legal Surname,Legal Forename,DOB,Year\n\
         {upn_value},Okonkwo-Price,Zoe,06/05/2015,Year 6\n\
         {other},Hassan,Amir,05/06/2015,Year 6\n"
    );
    let file = env.files.join("mis.csv");
    std::fs::write(&file, csv).unwrap();
    ok(&env, &["import-pupils", file.to_str().unwrap()], &[]);
    let before = pupils_by_upn(&env);
    let id = before[&upn_value]["pupil_id"].as_i64().unwrap();
    let id_s = id.to_string();
    let hp = [("ATTUNE_HANDOVER_PASSPHRASE", pass.as_str())];
    let mut lead_hp = vec![("ATTUNE_PASSPHRASE", LEAD)];
    lead_hp.extend_from_slice(&hp);

    // A plain import: refused, naming the held record and how to merge.
    let o = env.run(&["handover-import", pack_s], &lead_hp);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stderr(&o).contains(&format!("--into {id}")),
        "{}",
        stderr(&o)
    );
    assert_eq!(pupils_by_upn(&env).len(), 2, "no new pupil");

    // The dry run with names: side by side, the counts; nothing written.
    let dry = ok(
        &env,
        &[
            "handover-import",
            pack_s,
            "--into",
            &id_s,
            "--dry-run",
            "--names",
        ],
        &hp,
    );
    let line = |start: &str| {
        dry.lines()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no {start} line:\n{dry}"))
            .to_string()
    };
    let forename = line("Legal forename");
    assert!(
        forename.contains("Zoë") && forename.contains("Zoe") && forename.contains("different"),
        "{forename}"
    );
    assert!(line("Legal surname").contains("same"), "{dry}");
    assert!(line("Date of birth").contains("same"), "{dry}");
    let year = line("Year group");
    assert!(
        year.contains("Year 5") && year.contains("Year 6") && year.contains("different"),
        "{year}"
    );
    assert!(line("UPN").contains("same"), "{dry}");
    assert!(line("Care status").contains("only in the pack"), "{dry}");
    assert!(
        dry.contains("Would add: 1 plan (1 goal, 0 reviews), 1 session, 1 chronology event."),
        "{dry}"
    );
    assert!(dry.contains("Nothing was written"), "{dry}");
    assert_eq!(pupils_by_upn(&env), before);
    let sar_before = sar(&env, id, "before.html");
    assert!(!sar_before.contains("Marmaladeflask"));

    // Without --names, no name or date of birth is printed.
    let dry = ok(
        &env,
        &["handover-import", pack_s, "--into", &id_s, "--dry-run"],
        &hp,
    );
    for secret in ["Zoë", "Zoe", "Okonkwo", "2015", "May"] {
        assert!(!dry.contains(secret), "{secret} printed:\n{dry}");
    }

    // An unknown field: bad usage, nothing written.
    let o = env.run(
        &[
            "handover-import",
            pack_s,
            "--into",
            &id_s,
            "--take",
            "shoe_size",
        ],
        &lead_hp,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("legal_forename"), "{}", stderr(&o));
    // A pupil who is not there.
    let o = env.run(&["handover-import", pack_s, "--into", "999"], &lead_hp);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("no pupil 999"), "{}", stderr(&o));
    assert_eq!(pupils_by_upn(&env), before);

    // The merge, taking the pack's spelling of the forename only.
    let said = ok(
        &env,
        &[
            "handover-import",
            pack_s,
            "--into",
            &id_s,
            "--take",
            "legal_forename",
        ],
        &hp,
    );
    assert!(said.contains(&format!("pupil {id}")), "{said}");
    assert!(!said.contains("Zoë"), "{said}");
    let after = pupils_by_upn(&env);
    assert_eq!(after.len(), 2);
    let row = &after[&upn_value];
    assert_eq!(row["pupil_id"].as_i64(), Some(id));
    assert_eq!(row["legal_forename"], "Zoë", "taken from the pack");
    assert_eq!(row["legal_surname"], "Okonkwo-Price");
    assert_eq!(row["year_group"], "Y6", "kept as held");
    assert!(row["care_status"].is_null(), "kept as held: {row}");
    assert_eq!(after[&other], before[&other], "the other pupil untouched");
    let doc = sar(&env, id, "after.html");
    for text in [
        "Talked about Marmaladeflask",
        "Moved to the Obsidianwhistle placement",
        "Joins the Quillfeather club",
        "Record from the previous school added from a handover pack",
    ] {
        assert!(
            doc.contains(text),
            "{text} not in the subject access document"
        );
    }

    // The same pack again: refused, saying so; nothing changes.
    let o = env.run(&["handover-import", pack_s, "--into", &id_s], &lead_hp);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("already been added"), "{}", stderr(&o));
    assert_eq!(pupils_by_upn(&env), after);
    let again = sar(&env, id, "again.html");
    assert_eq!(
        again.matches("Talked about Marmaladeflask").count(),
        doc.matches("Talked about Marmaladeflask").count()
    );

    // The audit log names the merge and the pupil.
    let v = unlock_as(&env.dir, "Ada Lovelace", LEAD).unwrap();
    let merges = attune_vault::audit::list(v.conn().unwrap(), Some("handover.merge"), 20).unwrap();
    assert!(
        merges
            .iter()
            .any(|a| a.outcome == "ok" && a.target.as_deref() == Some(&*format!("pupil:{id}"))),
        "{merges:?}"
    );
    v.lock("test", now());
}
