//! `attune-admin digest` as the sync convergence test will run it (issue 17), on a demo vault:
//! a lead's digest of a key adult's caseload equals that key adult's own; a session logged for
//! another adult's pupil leaves it as it was, one logged for their own pupil changes it; a key
//! adult asking for someone else's is refused (exit 1) and audited.

mod common;
use common::*;

use std::collections::BTreeMap;

use attune_domain::model::{SessionInput, SessionKind};
use attune_domain::record::records;

struct Printed {
    hex: String,
    counts: BTreeMap<String, u64>,
    text: String,
}

fn digest(env: &Env, user: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["--user", user, "digest"];
    args.extend_from_slice(extra);
    env.run(&args, &[("ATTUNE_PASSPHRASE", LEAD)])
}

fn printed(env: &Env, user: &str, extra: &[&str]) -> Printed {
    let out = digest(env, user, extra);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let mut lines = text.lines();
    let hex = lines
        .next()
        .and_then(|l| l.strip_prefix("digest "))
        .expect("the first line is the digest")
        .to_string();
    assert_eq!(hex.len(), 64);
    assert!(hex
        .bytes()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    let counts = lines
        .map(|l| {
            let (t, n) = l.split_once(' ').expect("<table> <rows>");
            (t.to_string(), n.parse().expect("a row count"))
        })
        .collect();
    Printed { hex, counts, text }
}

fn session(v: &mut attune_vault::Vault, pupil: i64) {
    records::log_session(
        v,
        pupil,
        &SessionInput {
            held_on: now().date_naive(),
            minutes: 25,
            kind: SessionKind::CheckIn,
            regulation: Some(6),
            note: "Talked about the weekend".into(),
            safeguarding_ref: None,
        },
        now(),
    )
    .unwrap();
}

#[test]
fn a_leads_digest_for_a_key_adult_is_theirs_and_moves_only_with_their_pupils() {
    let env = Env::new();
    let out = env.run(
        &[
            "--user",
            "Ada Lovelace",
            "demo",
            "--size",
            "small",
            "--seed",
            "5",
        ],
        &[("ATTUNE_PASSPHRASE", LEAD)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // Two key adults with active pupils, one pupil of each, and every pupil's surname.
    let (x, y, x_pupil, y_pupil, surnames) = {
        let v = unlock_as(&env.dir, "Ada Lovelace", LEAD).unwrap();
        let conn = v.conn().unwrap();
        let mut stmt = conn
            .prepare(
                "SELECT u.name, min(p.id) FROM pupils p JOIN users u ON u.id = p.key_adult_id
                 WHERE p.status = 'active' GROUP BY u.id ORDER BY u.name LIMIT 2",
            )
            .unwrap();
        let two: Vec<(String, i64)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        let surnames: Vec<String> = conn
            .prepare("SELECT legal_surname FROM pupils")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        drop(stmt);
        v.lock("test", now());
        (
            two[0].0.clone(),
            two[1].0.clone(),
            two[0].1,
            two[1].1,
            surnames,
        )
    };

    let own = printed(&env, &x, &[]);
    let by_lead = printed(&env, "Ada Lovelace", &["--for", &x]);
    assert_eq!(by_lead.text, own.text);
    let whole = printed(&env, "Ada Lovelace", &[]);
    assert_ne!(whole.hex, own.hex);
    assert!(whole.counts["pupils"] >= 30 && own.counts["pupils"] < whole.counts["pupils"]);
    assert!(own.counts["pupils"] >= 1);
    // Local tables are not listed; reference data is whole in both.
    assert!(!own.counts.contains_key("audit_log") && !own.counts.contains_key("drafts"));
    assert_eq!(own.counts["users"], whole.counts["users"]);
    for s in &surnames {
        assert!(!whole.text.contains(s.as_str()) && !own.text.contains(s.as_str()));
    }

    // A key adult asking for someone else's caseload: refused, exit 1, audited.
    let refused = digest(&env, &x, &["--for", &y]);
    assert_eq!(refused.status.code(), Some(1), "{}", stdout(&refused));
    assert!(
        stderr(&refused).contains("only a strategic lead"),
        "{}",
        stderr(&refused)
    );
    assert!(stdout(&refused).is_empty());
    {
        let v = unlock_as(&env.dir, "Ada Lovelace", LEAD).unwrap();
        let entries = attune_vault::audit::list(v.conn().unwrap(), None, 20).unwrap();
        assert!(entries
            .iter()
            .any(|e| e.action == "sync.digest" && e.outcome == "refused" && e.actor_name == x));
        v.lock("test", now());
    }

    // Another adult logs a session for their pupil: x's digest does not move.
    {
        let mut v = unlock_as(&env.dir, &y, LEAD).unwrap();
        session(&mut v, y_pupil);
        v.lock("test", now());
    }
    let after_other = printed(&env, &x, &[]);
    assert_eq!(after_other.text, own.text);
    assert_ne!(printed(&env, "Ada Lovelace", &[]).hex, whole.hex);

    // x logs a session for their own pupil: it moves, by one session.
    {
        let mut v = unlock_as(&env.dir, &x, LEAD).unwrap();
        session(&mut v, x_pupil);
        v.lock("test", now());
    }
    let after_own = printed(&env, &x, &[]);
    assert_ne!(after_own.hex, own.hex);
    assert_eq!(after_own.counts["sessions"], own.counts["sessions"] + 1);
    assert_eq!(
        printed(&env, "Ada Lovelace", &["--for", &x]).text,
        after_own.text
    );
}

const LAPTOP: &str = "violet harbour ginger tramline 58";

/// Every byte under `dir` (recursively).
fn bytes_under(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                out.push((e.path(), std::fs::read(e.path()).unwrap()));
            }
        }
    }
    out
}

fn holds(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// `sync enrol` then `sync join`, as a lead and a key adult run them (issue 17, items 1 and
/// 2): the laptop's digest equals the school vault's digest for that key adult — the laptop
/// holds exactly their caseload scope — and neither the file nor the laptop's folder holds a
/// pupil's name, a note or the school's name. A wrong one-time passphrase is exit 3 and a
/// damaged file exit 4, each leaving no vault behind.
#[test]
fn a_laptop_enrolled_and_joined_holds_exactly_its_key_adults_caseload() {
    let env = Env::new();
    let out = env.run(
        &[
            "--user",
            "Ada Lovelace",
            "demo",
            "--size",
            "small",
            "--seed",
            "5",
        ],
        &[("ATTUNE_PASSPHRASE", LEAD)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (x, surnames, notes) = {
        let v = unlock_as(&env.dir, "Ada Lovelace", LEAD).unwrap();
        let conn = v.conn().unwrap();
        let x: String = conn
            .query_row(
                "SELECT u.name FROM pupils p JOIN users u ON u.id = p.key_adult_id
                 WHERE p.status = 'active' GROUP BY u.id ORDER BY count(*) DESC, u.name LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let col = |sql: &str| -> Vec<String> {
            conn.prepare(sql)
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .map(|r| r.unwrap())
                .collect()
        };
        let surnames = col("SELECT legal_surname FROM pupils");
        let notes = col("SELECT note FROM sessions WHERE length(note) > 24 LIMIT 200");
        v.lock("test", now());
        (x, surnames, notes)
    };
    assert!(!notes.is_empty());
    let file = env.files.join("laptop.attune-enrol");
    let file_s = file.to_str().unwrap();
    let out = env.run(
        &[
            "--user",
            "Ada Lovelace",
            "sync",
            "enrol",
            "--for",
            &x,
            "--out",
            file_s,
        ],
        &[("ATTUNE_PASSPHRASE", LEAD)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let one_time = text
        .lines()
        .skip_while(|l| !l.starts_with("ONE-TIME PASSPHRASE"))
        .map(str::trim)
        .find(|l| l.len() == 39 && l.matches('-').count() == 7)
        .expect("the one-time passphrase is printed")
        .to_string();
    let bytes = std::fs::read(&file).unwrap();
    for s in surnames
        .iter()
        .chain(&notes)
        .chain([&x, &"Hillside".to_string()])
    {
        assert!(!holds(&bytes, s), "{s} in the enrolment file");
    }

    let laptop = env.tmp.path().join("laptop");
    // A wrong one-time passphrase: exit 3, no vault.
    let other = attune_vault::RecoveryKey::generate(&mut rand::rngs::OsRng).display();
    let out = env.run_on(
        &laptop,
        &["sync", "join", file_s],
        &[
            ("ATTUNE_ENROL_PASSPHRASE", &other),
            ("ATTUNE_PASSPHRASE", LAPTOP),
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(!laptop.join("vault.db").exists());
    // A damaged file: exit 4, no vault.
    let damaged = env.files.join("damaged.attune-enrol");
    std::fs::write(&damaged, &bytes).unwrap();
    flip(&damaged, bytes.len() / 2);
    let out = env.run_on(
        &laptop,
        &["sync", "join", damaged.to_str().unwrap()],
        &[
            ("ATTUNE_ENROL_PASSPHRASE", &one_time),
            ("ATTUNE_PASSPHRASE", LAPTOP),
        ],
    );
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(!laptop.join("vault.db").exists());

    let out = env.run_on(
        &laptop,
        &["sync", "join", file_s],
        &[
            ("ATTUNE_ENROL_PASSPHRASE", &one_time),
            ("ATTUNE_PASSPHRASE", LAPTOP),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains(&x), "{}", stdout(&out));

    // The laptop holds exactly x's caseload scope: its digest is the school's for x.
    let at_school = printed(&env, "Ada Lovelace", &["--for", &x]);
    let out = env.run_on(
        &laptop,
        &["--user", &x, "digest"],
        &[("ATTUNE_PASSPHRASE", LAPTOP)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        at_school.text,
        "the laptop's digest is the school's for {x}"
    );
    assert!(at_school.counts["pupils"] >= 1 && at_school.counts["sessions"] >= 1);
    // Nothing readable in the laptop's folder.
    for (path, b) in bytes_under(&laptop) {
        for s in surnames.iter().chain(&notes) {
            assert!(!holds(&b, s), "{s} in {}", path.display());
        }
    }
    // The school's register has the laptop; its audit has the enrolment.
    let v = unlock_as(&env.dir, "Ada Lovelace", LEAD).unwrap();
    let laptops = attune_domain::transfer::enrol::laptops(&v, now()).unwrap();
    assert_eq!(laptops.len(), 1);
    assert_eq!(laptops[0].device_no, 1);
    let entries = attune_vault::audit::list(v.conn().unwrap(), Some("sync.enrol"), 5).unwrap();
    assert!(entries.iter().any(|e| e.outcome == "ok"));
    v.lock("test", now());
}
