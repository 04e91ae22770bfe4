//! Erasure on request and `pupils` for scripts, as a person or a script runs them (issue 15):
//! `attune-admin erase --pupil ID --reason TEXT`, a backup made before an erasure restored
//! over the vault (the pupil is erased again, and their name is in no file of the folder),
//! and `attune-admin pupils [--json] [--names]`.
//!
//! Oracles independent of the code under test: the bytes of every file under the vault
//! folder; every text and blob value of every table, read with plain SQL; the backup file's
//! own header counts (`backup-info`, no key needed); the audit log read through the library.

mod common;
use common::*;

use std::path::Path;

use attune_domain::rules::identifiers::upn_check_letter;

/// The pupil to be erased: names found nowhere else in the world.
const FORENAME: &str = "Quillondra";
const SURNAME: &str = "Zephyrwick-Ombrage";
const PREFERRED: &str = "Quilly";
/// A pupil who stays.
const OTHER_FORENAME: &str = "Ottoline";
const OTHER_SURNAME: &str = "Brackenbury";

fn upn(n: u64) -> String {
    let rest = format!("{n:012}");
    format!("{}{rest}", upn_check_letter(&rest).unwrap())
}

const LEAD_ENV: [(&str, &str); 1] = [("ATTUNE_PASSPHRASE", LEAD)];

/// `init`, a key adult, and two pupils imported from a CSV as the MIS writes it. Returns the
/// two UPNs (the one to erase first).
fn school(e: &Env) -> (String, String) {
    e.init();
    e.add_key_adult();
    let (u1, u2) = (upn(616_161_616_161), upn(727_272_727_272));
    let csv = format!(
        "UPN,Legal Surname,Legal Forename,Preferred Name,DOB,Year,Local ID,Support Level\n\
         {u1},{SURNAME},{FORENAME},{PREFERRED},06/05/2015,Year 6,ADM-0042,Additional\n\
         {u2},{OTHER_SURNAME},{OTHER_FORENAME},,07/08/2016,Year 5,ADM-0043,\n"
    );
    let file = e.files.join("pupils.csv");
    std::fs::write(&file, csv).unwrap();
    let out = e.run(
        &[
            "import-pupils",
            file.to_str().unwrap(),
            "--user",
            "Ada Lovelace",
        ],
        &LEAD_ENV,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    std::fs::remove_file(&file).unwrap();
    (u1, u2)
}

/// `pupils --json` as the lead, parsed.
fn pupils_json(e: &Env, names: bool) -> Vec<serde_json::Value> {
    let mut args = vec!["pupils", "--json", "--user", "Ada Lovelace"];
    if names {
        args.push("--names");
    }
    let out = e.run(&args, &LEAD_ENV);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_str::<serde_json::Value>(&stdout(&out))
        .expect("pupils --json prints JSON")
        .as_array()
        .expect("an array")
        .clone()
}

/// The record id of the pupil with this UPN, as a script finds it.
fn id_of(e: &Env, upn_value: &str) -> i64 {
    pupils_json(e, false)
        .iter()
        .find(|p| p["upn"] == upn_value)
        .expect("the pupil is listed")["pupil_id"]
        .as_i64()
        .unwrap()
}

/// Every file under `dir` whose bytes contain `needle` (UTF-8), any case.
fn files_holding(dir: &Path, needle: &str) -> Vec<String> {
    let forms = [
        needle.to_string(),
        needle.to_lowercase(),
        needle.to_uppercase(),
    ];
    let mut hits = Vec::new();
    for (path, _) in tree(dir) {
        let bytes = std::fs::read(&path).unwrap();
        if forms
            .iter()
            .any(|f| bytes.windows(f.len()).any(|w| w == f.as_bytes()))
        {
            hits.push(path.display().to_string());
        }
    }
    hits
}

/// Every `table.column` of the vault's database holding `needle` in a text or blob value
/// (any case), read with plain SQL over every table SQLite lists.
fn rows_holding(v: &attune_vault::Vault, needle: &str) -> Vec<String> {
    let conn = v.conn().unwrap();
    let lower = needle.to_lowercase();
    let tables: Vec<String> = {
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
            .unwrap();
        let r = stmt.query_map([], |r| r.get(0)).unwrap();
        r.map(|x| x.unwrap()).collect()
    };
    let mut hits = Vec::new();
    for t in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let cols: Vec<String> = stmt.column_names().map(|c| c.to_string()).collect();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for (i, c) in cols.iter().enumerate() {
                let bytes: Vec<u8> = match row.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Text(b) | rusqlite::types::ValueRef::Blob(b) => {
                        b.to_vec()
                    }
                    _ => continue,
                };
                let text = String::from_utf8_lossy(&bytes).to_lowercase();
                if text.contains(&lower)
                    || bytes
                        .windows(lower.len())
                        .any(|w| w.eq_ignore_ascii_case(lower.as_bytes()))
                {
                    hits.push(format!("{t}.{c}"));
                }
            }
        }
    }
    hits.sort();
    hits.dedup();
    hits
}

/// The pupils a backup file's header counts (`backup-info`, no key needed).
fn pupils_in_backup(e: &Env, file: &Path) -> String {
    let out = e.run(&["backup-info", file.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out)
        .lines()
        .find(|l| l.contains("pupil"))
        .unwrap_or_default()
        .to_string()
}

fn erase(e: &Env, id: i64, reason: &str, user: &str, pass: &str) -> std::process::Output {
    e.run(
        &[
            "erase",
            "--pupil",
            &id.to_string(),
            "--reason",
            reason,
            "--user",
            user,
        ],
        &[("ATTUNE_PASSPHRASE", pass)],
    )
}

#[test]
fn a_backup_made_before_an_erasure_restored_over_the_vault_does_not_bring_the_pupil_back() {
    let e = Env::new();
    let (u1, u2) = school(&e);
    let id = id_of(&e, &u1);
    let other = id_of(&e, &u2);
    // Words about the pupil beyond their record: a session note and a supervision note.
    {
        use attune_domain::model::{SessionInput, SessionKind};
        let mut v = unlock_as(&e.dir, "Ada Lovelace", LEAD).unwrap();
        attune_domain::record::records::log_session(
            &mut v,
            id,
            &SessionInput {
                held_on: attune_domain::date!(2026 - 10 - 01),
                minutes: 30,
                kind: SessionKind::Planned,
                regulation: Some(5),
                note: format!("{FORENAME} built the Marmaladeflask tower"),
                safeguarding_ref: None,
            },
            now(),
        )
        .unwrap();
        // Today's automatic backup, in the vault's own backups folder: it holds the pupil.
        v.auto_backup_if_due(now(), 7).unwrap().expect("written");
        v.lock("test", now());
    }
    let auto_dir = e.dir.join("backups");
    let autos_before = names_in(&auto_dir);
    assert_eq!(autos_before.len(), 1, "{autos_before:?}");
    assert!(
        pupils_in_backup(&e, &auto_dir.join(&autos_before[0])).contains('2'),
        "the automatic backup counts both pupils"
    );
    // A backup on a USB stick, made before the erasure.
    let usb = e.files.join("before.attune-backup");
    let out = e.run(
        &[
            "backup",
            "--out",
            usb.to_str().unwrap(),
            "--user",
            "Ada Lovelace",
        ],
        &LEAD_ENV,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let out = erase(
        &e,
        id,
        &format!("Record of {FORENAME} {SURNAME} added in error"),
        "Ada Lovelace",
        LEAD,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let said = stdout(&out);
    assert!(said.contains(&format!("Erased pupil {id}")), "{said}");
    assert!(said.contains("USB backups"), "the honest note: {said}");
    assert!(!said.contains(FORENAME) && !stderr(&out).contains(FORENAME));

    // The automatic backups were replaced by one that no longer counts the pupil.
    let autos = names_in(&auto_dir);
    assert_eq!(autos.len(), 1, "{autos:?}");
    let counted = pupils_in_backup(&e, &auto_dir.join(&autos[0]));
    assert!(
        counted.contains('1') && !counted.contains('2'),
        "the rewritten automatic backup counts one pupil: {counted}"
    );

    // Restore the USB backup over the vault.
    let out = e.run(
        &[
            "restore",
            "--from",
            usb.to_str().unwrap(),
            "--user",
            "Ada Lovelace",
        ],
        &LEAD_ENV,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let said = stdout(&out);
    assert!(said.contains("erased again"), "{said}");
    assert!(!said.contains(FORENAME), "{said}");

    // No file of the restored vault folder holds any of their names or their note's word:
    // database, log, key slots, sync base if any, automatic backups.
    for needle in [FORENAME, SURNAME, PREFERRED, "Marmaladeflask", u1.as_str()] {
        assert_eq!(
            files_holding(&e.dir, needle),
            Vec::<String>::new(),
            "{needle}"
        );
    }
    // Nor any row of the database, read with plain SQL (the other pupil is there: the oracle
    // sees names when they are present).
    let v = unlock_as(&e.dir, "Ada Lovelace", LEAD).unwrap();
    assert_eq!(
        v.pending_erasures(),
        &[] as &[i64],
        "nothing left to erase again"
    );
    for needle in [FORENAME, SURNAME, PREFERRED, "Marmaladeflask", u1.as_str()] {
        assert_eq!(rows_holding(&v, needle), Vec::<String>::new(), "{needle}");
    }
    assert!(
        rows_holding(&v, OTHER_SURNAME).contains(&"pupils.legal_surname".to_string()),
        "the other pupil was restored"
    );
    // The audit log has the erasure and its re-application, by record id only.
    let entries = attune_vault::audit::list(v.conn().unwrap(), Some("pupil.erase"), 100).unwrap();
    let target = format!("pupil:{id}");
    assert!(entries
        .iter()
        .any(|a| a.target.as_deref() == Some(target.as_str()) && a.outcome == "reapplied"));
    v.lock("test", now());

    // `sar` says there is no such pupil; the other is still there.
    let sar = e.files.join("sar.html");
    let out = e.run(
        &[
            "sar",
            "--pupil",
            &id.to_string(),
            "--out",
            sar.to_str().unwrap(),
            "--user",
            "Ada Lovelace",
        ],
        &LEAD_ENV,
    );
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("There is no such pupil"),
        "{}",
        stderr(&out)
    );
    let listed: Vec<i64> = pupils_json(&e, false)
        .iter()
        .map(|p| p["pupil_id"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, vec![other]);
}

#[test]
fn an_active_pupil_is_erased_on_request_with_a_reason_and_the_audit_keeps_no_name() {
    let e = Env::new();
    let (u1, _) = school(&e);
    let id = id_of(&e, &u1);

    // A reason is required; a key adult may not erase; an unknown id is said plainly.
    let out = erase(&e, id, "   ", "Ada Lovelace", LEAD);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("Say why"), "{}", stderr(&out));
    let out = erase(&e, id, "added in error", "Ben Key", KA);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("strategic lead"), "{}", stderr(&out));
    let out = erase(&e, 999_999, "added in error", "Ada Lovelace", LEAD);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("There is no such pupil"),
        "{}",
        stderr(&out)
    );
    assert!(
        pupils_json(&e, false).iter().any(|p| p["pupil_id"] == id),
        "nothing erased by a refusal"
    );

    // The pupil is active (never marked left): erased on request.
    let status = pupils_json(&e, false)
        .into_iter()
        .find(|p| p["pupil_id"] == id)
        .unwrap()["status"]
        .clone();
    assert_eq!(status, "active");
    let out = erase(
        &e,
        id,
        &format!("Parent asked for {PREFERRED}'s record ({u1}) to be erased"),
        "Ada Lovelace",
        LEAD,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(pupils_json(&e, true).iter().all(|p| p["pupil_id"] != id));

    let v = unlock_as(&e.dir, "Ada Lovelace", LEAD).unwrap();
    // Gone from every row; the reason kept with the name and UPN taken out.
    for needle in [FORENAME, SURNAME, PREFERRED, u1.as_str()] {
        assert_eq!(rows_holding(&v, needle), Vec::<String>::new(), "{needle}");
    }
    let reason: String = v
        .conn()
        .unwrap()
        .query_row(
            "SELECT reason FROM pupil_erasures WHERE pupil_id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap();
    assert!(reason.starts_with("Parent asked for"), "{reason}");
    assert!(reason.contains("to be erased"), "{reason}");
    // The audit log: the refusal by the key adult and the erasure, by record id only.
    let target = format!("pupil:{id}");
    let entries = attune_vault::audit::list(v.conn().unwrap(), None, 1000).unwrap();
    let erasures: Vec<_> = entries
        .iter()
        .filter(|a| a.action == "pupil.erase" && a.target.as_deref() == Some(target.as_str()))
        .map(|a| (a.actor_name.clone(), a.outcome.clone()))
        .collect();
    assert!(
        erasures.contains(&("Ada Lovelace".to_string(), "ok".to_string())),
        "{erasures:?}"
    );
    assert!(
        erasures.contains(&("Ben Key".to_string(), "refused".to_string())),
        "{erasures:?}"
    );
    v.lock("test", now());
    for needle in [FORENAME, SURNAME, PREFERRED, u1.as_str()] {
        assert_eq!(
            files_holding(&e.dir, needle),
            Vec::<String>::new(),
            "{needle}"
        );
    }
}

#[test]
fn pupils_lists_what_was_put_in_and_names_only_when_asked() {
    let e = Env::new();
    let (u1, u2) = school(&e);

    let plain = pupils_json(&e, false);
    assert_eq!(plain.len(), 2);
    let first = plain.iter().find(|p| p["upn"] == u1.as_str()).unwrap();
    let second = plain.iter().find(|p| p["upn"] == u2.as_str()).unwrap();
    assert_eq!(first["local_id"], "ADM-0042");
    assert_eq!(second["local_id"], "ADM-0043");
    assert_eq!(first["support_level"], "Additional");
    assert!(second["support_level"].is_null());
    assert!(first["care_status"].is_null());
    assert!(first["scn"].is_null());
    assert_eq!(first["status"], "active");
    assert!(
        first["year_group"].as_str().unwrap().contains('6'),
        "{first}"
    );
    assert!(
        second["year_group"].as_str().unwrap().contains('5'),
        "{second}"
    );
    assert!(first["pupil_id"].as_i64().unwrap() != second["pupil_id"].as_i64().unwrap());
    // Stable field names, and no name anywhere without --names.
    let mut keys: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "care_status",
            "local_id",
            "pupil_id",
            "scn",
            "status",
            "support_level",
            "upn",
            "year_group"
        ]
    );
    let out = e.run(&["pupils", "--json", "--user", "Ada Lovelace"], &LEAD_ENV);
    let text = stdout(&out);
    for name in [FORENAME, SURNAME, PREFERRED, OTHER_FORENAME, OTHER_SURNAME] {
        assert!(!text.contains(name), "{name} in {text}");
    }
    // The table too.
    let out = e.run(&["pupils", "--user", "Ada Lovelace"], &LEAD_ENV);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let table = stdout(&out);
    assert!(table.starts_with("ID"), "{table}");
    assert!(
        table.contains(&u1) && table.contains(&u2) && table.contains("ADM-0042"),
        "{table}"
    );
    for name in [FORENAME, SURNAME, OTHER_FORENAME, OTHER_SURNAME] {
        assert!(!table.contains(name), "{name} in {table}");
    }

    // With --names: the names of each.
    let named = pupils_json(&e, true);
    let first = named.iter().find(|p| p["upn"] == u1.as_str()).unwrap();
    assert_eq!(first["legal_forename"], FORENAME);
    assert_eq!(first["legal_surname"], SURNAME);
    assert_eq!(first["preferred_name"], PREFERRED);
    let out = e.run(&["pupils", "--names", "--user", "Ada Lovelace"], &LEAD_ENV);
    let table = stdout(&out);
    assert!(
        table.contains(SURNAME) && table.contains(OTHER_SURNAME),
        "{table}"
    );

    // Only a strategic lead.
    let out = e.run(
        &["pupils", "--user", "Ben Key"],
        &[("ATTUNE_PASSPHRASE", KA)],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
}

#[test]
fn a_new_pupil_after_restoring_an_older_backup_never_gets_an_erased_pupils_id() {
    let e = Env::new();
    e.init();
    e.add_key_adult();
    // A backup made before any pupil was added.
    let usb = e.files.join("empty.attune-backup");
    let out = e.run(
        &[
            "backup",
            "--out",
            usb.to_str().unwrap(),
            "--user",
            "Ada Lovelace",
        ],
        &LEAD_ENV,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let import = |name: &str, upn_value: &str| {
        let file = e.files.join(format!("{name}.csv"));
        std::fs::write(
            &file,
            format!("UPN,Legal Surname,Legal Forename,DOB,Year\n{upn_value},{name},Kit,06/05/2015,Year 6\n"),
        )
        .unwrap();
        let out = e.run(
            &[
                "import-pupils",
                file.to_str().unwrap(),
                "--user",
                "Ada Lovelace",
            ],
            &LEAD_ENV,
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    };
    let (u1, u2) = (upn(616_161_616_161), upn(727_272_727_272));
    import(SURNAME, &u1);
    let erased = id_of(&e, &u1);
    let out = erase(&e, erased, "added in error", "Ada Lovelace", LEAD);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let out = e.run(
        &[
            "restore",
            "--from",
            usb.to_str().unwrap(),
            "--user",
            "Ada Lovelace",
        ],
        &LEAD_ENV,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The restored database never held the pupil, so its own count of ids handed out is from
    // before them: a new pupil must still not take the erased id, or the next unlock would
    // erase them.
    import(OTHER_SURNAME, &u2);
    let new = id_of(&e, &u2);
    assert_ne!(new, erased);
    let listed: Vec<i64> = pupils_json(&e, false)
        .iter()
        .map(|p| p["pupil_id"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, vec![new], "the new pupil survives the next unlock");
}
