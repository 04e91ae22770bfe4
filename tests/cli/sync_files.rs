//! `attune-admin sync export` and `sync import` between a school vault and a key adult's laptop,
//! as a strategic lead and a key adult run them (issue 17, items 3 to 5), on a demo vault.
//!
//! The oracle is `attune-admin digest`: a canonical hash of the rows a vault holds, computed by
//! `scope` over SQL, which knows nothing of sync files. After every exchange the laptop's digest
//! must equal the school's digest for its key adult; a refused file must leave the school's
//! whole digest as it was.

mod common;
use common::*;

use attune_domain::model::{SessionInput, SessionKind};
use attune_domain::record::{pupils, records};

const LAPTOP: &str = "violet harbour ginger tramline 58";
const SCHOOL: &str = "Ada Lovelace";

fn session(v: &mut attune_vault::Vault, pupil: i64, note: &str) {
    records::log_session(
        v,
        pupil,
        &SessionInput {
            held_on: now().date_naive(),
            minutes: 25,
            kind: SessionKind::CheckIn,
            regulation: Some(6),
            note: note.into(),
            safeguarding_ref: None,
        },
        now(),
    )
    .unwrap();
}

struct World {
    env: Env,
    laptop: std::path::PathBuf,
    /// The key adult on the laptop, another key adult, a pupil of each.
    x: String,
    y_pupil: i64,
    x_pupil: i64,
}

fn digest_text(
    env: &Env,
    vault: &std::path::Path,
    user: &str,
    pass: &str,
    extra: &[&str],
) -> String {
    let mut args = vec!["--user", user, "digest"];
    args.extend_from_slice(extra);
    let out = env.run_on(vault, &args, &[("ATTUNE_PASSPHRASE", pass)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out)
}

impl World {
    fn new() -> World {
        let env = Env::new();
        let out = env.run(
            &["--user", SCHOOL, "demo", "--size", "small", "--seed", "5"],
            &[("ATTUNE_PASSPHRASE", LEAD)],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let (x, x_pupil, y_pupil) = {
            let v = unlock_as(&env.dir, SCHOOL, LEAD).unwrap();
            let conn = v.conn().unwrap();
            let two: Vec<(String, i64)> = conn
                .prepare(
                    "SELECT u.name, min(p.id) FROM pupils p JOIN users u ON u.id = p.key_adult_id
                     WHERE p.status = 'active' GROUP BY u.id ORDER BY count(*) DESC, u.name LIMIT 2",
                )
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .map(|r| r.unwrap())
                .collect();
            v.lock("test", now());
            (two[0].0.clone(), two[0].1, two[1].1)
        };
        let file = env.files.join("laptop.attune-enrol");
        let out = env.run(
            &[
                "--user",
                SCHOOL,
                "sync",
                "enrol",
                "--for",
                &x,
                "--out",
                file.to_str().unwrap(),
            ],
            &[("ATTUNE_PASSPHRASE", LEAD)],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let one_time = stdout(&out)
            .lines()
            .map(str::trim)
            .find(|l| l.len() == 39 && l.matches('-').count() == 7)
            .expect("the one-time passphrase")
            .to_string();
        let laptop = env.tmp.path().join("laptop");
        let out = env.run_on(
            &laptop,
            &["sync", "join", file.to_str().unwrap()],
            &[
                ("ATTUNE_ENROL_PASSPHRASE", &one_time),
                ("ATTUNE_PASSPHRASE", LAPTOP),
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        World {
            env,
            laptop,
            x,
            x_pupil,
            y_pupil,
        }
    }

    fn school_for_x(&self) -> String {
        digest_text(&self.env, &self.env.dir, SCHOOL, LEAD, &["--for", &self.x])
    }
    fn school_whole(&self) -> String {
        digest_text(&self.env, &self.env.dir, SCHOOL, LEAD, &[])
    }
    fn on_laptop(&self) -> String {
        digest_text(&self.env, &self.laptop, &self.x, LAPTOP, &[])
    }

    /// `sync export` on the laptop; returns the file.
    fn laptop_export(&self, name: &str) -> std::path::PathBuf {
        let f = self.env.files.join(name);
        let out = self.env.run_on(
            &self.laptop,
            &[
                "--user",
                &self.x,
                "sync",
                "export",
                "--out",
                f.to_str().unwrap(),
            ],
            &[("ATTUNE_PASSPHRASE", LAPTOP)],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        f
    }
    fn school_export(&self, name: &str) -> std::path::PathBuf {
        let f = self.env.files.join(name);
        let out = self.env.run(
            &[
                "--user",
                SCHOOL,
                "sync",
                "export",
                "--for-laptop",
                "1",
                "--out",
                f.to_str().unwrap(),
            ],
            &[("ATTUNE_PASSPHRASE", LEAD)],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        f
    }
    fn school_import(&self, f: &std::path::Path) -> std::process::Output {
        self.env.run(
            &["--user", SCHOOL, "sync", "import", f.to_str().unwrap()],
            &[("ATTUNE_PASSPHRASE", LEAD)],
        )
    }
    fn laptop_import(&self, f: &std::path::Path) -> std::process::Output {
        self.env.run_on(
            &self.laptop,
            &["--user", &self.x, "sync", "import", f.to_str().unwrap()],
            &[("ATTUNE_PASSPHRASE", LAPTOP)],
        )
    }
}

#[test]
fn work_on_a_laptop_and_at_the_school_meets_in_both_and_a_file_imported_twice_changes_nothing() {
    let w = World::new();
    assert_eq!(w.on_laptop(), w.school_for_x(), "joined: the same caseload");

    // The key adult logs two sessions on the laptop.
    {
        let mut v = unlock_as(&w.laptop, &w.x, LAPTOP).unwrap();
        session(&mut v, w.x_pupil, "Drew a map of the playground");
        session(&mut v, w.x_pupil, "Quieter after lunch");
        v.lock("test", now());
    }
    assert_ne!(w.on_laptop(), w.school_for_x());
    let up = w.laptop_export("up-1.attune-sync");
    let out = w.school_import(&up);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("2 sessions added"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        w.on_laptop(),
        w.school_for_x(),
        "the school has the laptop's sessions"
    );
    // The school keeps the laptop's own audit chain, entry for entry as the laptop holds it.
    {
        let school = unlock_as(&w.env.dir, SCHOOL, LEAD).unwrap();
        let laptop = unlock_as(&w.laptop, &w.x, LAPTOP).unwrap();
        let kept: Vec<(i64, String, Vec<u8>)> = school
            .conn()
            .unwrap()
            .prepare(
                "SELECT seq, action, hash FROM sync_audit_copies WHERE device_no = 1 ORDER BY seq",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert!(kept.iter().any(|(_, a, _)| a == "sync.join"), "{kept:?}");
        assert_eq!(kept.first().map(|k| k.0), Some(1), "from the chain's start");
        for (seq, action, hash) in &kept {
            let (a, h): (String, Vec<u8>) = laptop
                .conn()
                .unwrap()
                .query_row(
                    "SELECT action, hash FROM audit_log WHERE seq = ?1",
                    [seq],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .unwrap();
            assert_eq!((&a, &h), (action, hash), "entry {seq}");
        }
        laptop.lock("test", now());
        school.lock("test", now());
    }
    // The same file again: a no-op.
    let whole = w.school_whole();
    let out = w.school_import(&up);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("imported before"), "{}", stdout(&out));
    assert_eq!(w.school_whole(), whole);

    // At the school: the lead logs a session for x's pupil, and gives x another pupil (with
    // that pupil's whole history).
    {
        let mut v = unlock_as(&w.env.dir, SCHOOL, LEAD).unwrap();
        session(&mut v, w.x_pupil, "Seen by the lead at drop-off");
        let x_id = v
            .users()
            .unwrap()
            .into_iter()
            .find(|u| u.name == w.x)
            .unwrap()
            .id;
        pupils::assign_key_adult(&mut v, w.y_pupil, Some(&x_id), now().date_naive(), now())
            .unwrap();
        v.lock("test", now());
    }
    // A file the laptop never gets (lost), then the next: it carries everything.
    let _lost = w.school_export("down-1.attune-sync");
    let down = w.school_export("down-2.attune-sync");
    let out = w.laptop_import(&down);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("1 pupil's whole record taken in"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        w.on_laptop(),
        w.school_for_x(),
        "the laptop has the school's work and the new pupil"
    );

    // The lead sees when the laptop last synced, each way.
    let out = w.env.run(
        &["--user", SCHOOL, "sync", "status"],
        &[("ATTUNE_PASSPHRASE", LEAD)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let status = stdout(&out);
    assert!(
        status.starts_with(&format!("laptop 1: {};", w.x)),
        "{status}"
    );
    assert!(
        !status.contains("never"),
        "both ways have happened: {status}"
    );

    // Both sides again with nothing new: nothing changes, and both still agree.
    let up = w.laptop_export("up-2.attune-sync");
    let out = w.school_import(&up);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let down = w.school_export("down-3.attune-sync");
    let out = w.laptop_import(&down);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(w.on_laptop(), w.school_for_x());

    // The key adult writes about the new pupil on the laptop; before that reaches the school,
    // the pupil goes back to their first key adult. The work still gets in (it was written
    // while the pupil was theirs), and the laptop lets go of the pupil.
    {
        let mut v = unlock_as(&w.laptop, &w.x, LAPTOP).unwrap();
        session(&mut v, w.y_pupil, "First session together");
        v.lock("test", now());
    }
    {
        let mut v = unlock_as(&w.env.dir, SCHOOL, LEAD).unwrap();
        let y_id: String = v
            .conn()
            .unwrap()
            .query_row(
                "SELECT key_adult_id FROM pupils WHERE id = (SELECT min(id) FROM pupils p WHERE p.key_adult_id <> (SELECT id FROM users WHERE name = ?1) AND p.key_adult_id IS NOT NULL)",
                [&w.x],
                |r| r.get(0),
            )
            .unwrap();
        pupils::assign_key_adult(&mut v, w.y_pupil, Some(&y_id), now().date_naive(), now())
            .unwrap();
        v.lock("test", now());
    }
    let up = w.laptop_export("up-late.attune-sync");
    let out = w.school_import(&up);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("1 session added"), "{}", stdout(&out));
    {
        let v = unlock_as(&w.env.dir, SCHOOL, LEAD).unwrap();
        let n: i64 = v
            .conn()
            .unwrap()
            .query_row(
                "SELECT count(*) FROM sessions WHERE note = 'First session together'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            n, 1,
            "the school has the session written before the reassignment"
        );
        v.lock("test", now());
    }
    let down = w.school_export("down-4.attune-sync");
    let out = w.laptop_import(&down);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("1 pupil removed from the laptop"),
        "{}",
        stdout(&out)
    );
    assert_eq!(w.on_laptop(), w.school_for_x());
    {
        let v = unlock_as(&w.laptop, &w.x, LAPTOP).unwrap();
        let held: i64 = v
            .conn()
            .unwrap()
            .query_row(
                "SELECT count(*) FROM sessions WHERE pupil_id = ?1",
                [w.y_pupil],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(held, 0, "nothing of that pupil is left on the laptop");
        v.lock("test", now());
    }
    // The laptop's next file does not take that as an erasure: the school still has it all.
    let whole = w.school_whole();
    let up = w.laptop_export("up-3.attune-sync");
    let out = w.school_import(&up);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(w.school_whole(), whole);
}

/// A laptop's vault changed by hand (its key adult has the laptop and its passphrase, and
/// edits the database directly): the school refuses the whole file, changes nothing, audits it.
#[test]
fn a_file_with_a_change_its_key_adult_may_not_make_is_refused_whole() {
    let w = World::new();
    let copy = w.env.tmp.path().join("laptop-copy");
    copy_dir(&w.laptop, &copy);
    let attacks: [(&str, &str); 2] = [
        (
            "UPDATE settings SET value = '\"Mallory Academy\"' WHERE key = 'school'",
            "settings",
        ),
        (
            "UPDATE assignments SET to_date = '2020-01-01'",
            "assignments",
        ),
    ];
    for (sql, what) in attacks {
        // A fresh laptop for each attack (a refused change stays in the laptop's log).
        let _ = std::fs::remove_dir_all(&w.laptop);
        copy_dir(&copy, &w.laptop);
        {
            let mut v = unlock_as(&w.laptop, &w.x, LAPTOP).unwrap();
            // A legitimate session too: it must not get in beside the forged change.
            session(&mut v, w.x_pupil, "A real note");
            let n = v.conn().unwrap().execute(sql, []).unwrap();
            assert!(n > 0, "{sql} changed nothing");
            v.lock("test", now());
        }
        let whole = w.school_whole();
        let up = w.laptop_export(&format!("forged-{what}.attune-sync"));
        let out = w.school_import(&up);
        assert_ne!(out.status.code(), Some(0), "{what}: {}", stdout(&out));
        assert!(
            stderr(&out).contains("may not send"),
            "{what}: {}",
            stderr(&out)
        );
        assert_eq!(
            w.school_whole(),
            whole,
            "{what}: nothing of the file was applied"
        );
        let v = unlock_as(&w.env.dir, SCHOOL, LEAD).unwrap();
        let entries = attune_vault::audit::list(v.conn().unwrap(), Some("sync.import"), 5).unwrap();
        assert_eq!(
            entries.first().map(|e| e.outcome.as_str()),
            Some("refused"),
            "{what}"
        );
        v.lock("test", now());
    }
    // Another pupil's record, added by hand: refused the same way.
    let _ = std::fs::remove_dir_all(&w.laptop);
    copy_dir(&copy, &w.laptop);
    {
        let v = unlock_as(&w.laptop, &w.x, LAPTOP).unwrap();
        let conn = v.conn().unwrap();
        conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
        let id =
            attune_vault::ids::next_id(conn, attune_vault::ids::RecordTable::Sessions).unwrap();
        conn.execute(
            "INSERT INTO sessions (id, pupil_id, held_on, minutes, kind, note, recorded_by, created_at)
             SELECT ?1, ?2, held_on, minutes, kind, 'planted', recorded_by, created_at FROM sessions LIMIT 1",
            rusqlite::params![id, w.y_pupil],
        )
        .unwrap();
        v.lock("test", now());
    }
    let whole = w.school_whole();
    let up = w.laptop_export("forged-other-pupil.attune-sync");
    let out = w.school_import(&up);
    assert_ne!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("not on their caseload"),
        "{}",
        stderr(&out)
    );
    assert_eq!(w.school_whole(), whole);

    // A file changed in transit: refused before anything is read.
    let _ = std::fs::remove_dir_all(&w.laptop);
    copy_dir(&copy, &w.laptop);
    {
        let mut v = unlock_as(&w.laptop, &w.x, LAPTOP).unwrap();
        session(&mut v, w.x_pupil, "A real note");
        v.lock("test", now());
    }
    let up = w.laptop_export("in-transit.attune-sync");
    let len = std::fs::metadata(&up).unwrap().len() as usize;
    flip(&up, len / 2);
    let out = w.school_import(&up);
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("damaged"), "{}", stderr(&out));
    assert_eq!(w.school_whole(), whole);

    // The laptop's audit trail rewritten after the school took a copy: the next file is refused.
    let _ = std::fs::remove_dir_all(&w.laptop);
    copy_dir(&copy, &w.laptop);
    let up = w.laptop_export("honest.attune-sync");
    let out = w.school_import(&up);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    {
        let v = unlock_as(&w.laptop, &w.x, LAPTOP).unwrap();
        v.conn()
            .unwrap()
            .execute_batch(
                "DROP TRIGGER audit_log_no_update;
                 UPDATE audit_log SET outcome = 'refused', hash = randomblob(32) WHERE seq = 1;",
            )
            .unwrap();
        v.lock("test", now());
    }
    let whole = w.school_whole();
    let up = w.laptop_export("rewritten-trail.attune-sync");
    let out = w.school_import(&up);
    assert_ne!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stderr(&out).contains("audit trail"), "{}", stderr(&out));
    assert_eq!(w.school_whole(), whole);
}

/// A key adult removed at the school: their laptop's next file is refused, and the school's
/// last file for it wipes the laptop's records.
#[test]
fn a_removed_key_adults_laptop_is_refused_and_wiped() {
    let w = World::new();
    {
        let mut v = unlock_as(&w.laptop, &w.x, LAPTOP).unwrap();
        session(&mut v, w.x_pupil, "Written before the removal");
        v.lock("test", now());
    }
    let up = w.laptop_export("before-removal.attune-sync");
    let out = w.env.run(
        &["--user", SCHOOL, "remove-user", "--name", &w.x],
        &[("ATTUNE_PASSPHRASE", LEAD)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let whole = w.school_whole();
    let out = w.school_import(&up);
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("removed"), "{}", stderr(&out));
    assert_eq!(w.school_whole(), whole);

    let last = w.school_export("farewell.attune-sync");
    let out = w.laptop_import(&last);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("wiped"), "{}", stdout(&out));
    let v = unlock_as(&w.laptop, &w.x, LAPTOP).unwrap();
    let conn = v.conn().unwrap();
    for t in ["pupils", "sessions", "plans", "chronology", "sync_log"] {
        let n: i64 = conn
            .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0, "{t} after the wipe");
    }
    v.lock("test", now());
}

/// A vault restored from a backup has its database from the backup's day but no sync base (a
/// backup holds the database alone): sync is refused with what to do, on either side, rather
/// than going on from stale positions. (A key adult cannot make a backup by hand, so on the
/// laptop the base is removed as a restore leaves it.)
#[test]
fn a_restored_vault_does_not_sync_from_its_old_state() {
    let w = World::new();
    let backup = w.env.files.join("school.attune-backup");
    let b = backup.to_str().unwrap();
    let out = w.env.run(
        &["--user", SCHOOL, "backup", "--out", b],
        &[("ATTUNE_PASSPHRASE", LEAD)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = w.env.run(
        &["--user", SCHOOL, "restore", "--from", b],
        &[("ATTUNE_PASSPHRASE", LEAD)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        !w.env.dir.join("sync-base.db").exists(),
        "a restore puts back the database alone"
    );
    std::fs::remove_file(w.laptop.join("sync-base.db")).unwrap();
    for (dir, user, pass, name) in [
        (w.env.dir.clone(), SCHOOL, LEAD, "school"),
        (w.laptop.clone(), w.x.as_str(), LAPTOP, "laptop"),
    ] {
        let f = w
            .env
            .files
            .join(format!("{name}-after-restore.attune-sync"));
        let mut args = vec![
            "--user",
            user,
            "sync",
            "export",
            "--out",
            f.to_str().unwrap(),
        ];
        if name == "school" {
            args.extend(["--for-laptop", "1"]);
        }
        let out = w.env.run_on(&dir, &args, &[("ATTUNE_PASSPHRASE", pass)]);
        assert_ne!(out.status.code(), Some(0), "{name}: {}", stdout(&out));
        assert!(
            stderr(&out).contains("restored from a backup"),
            "{name}: {}",
            stderr(&out)
        );
        assert!(!f.exists());
    }
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

fn what_helps_of(dir: &std::path::Path, user: &str, pass: &str, pupil: i64) -> String {
    let v = unlock_as(dir, user, pass).unwrap();
    let s: String = v
        .conn()
        .unwrap()
        .query_row(
            "SELECT what_helps FROM profiles WHERE pupil_id = ?1",
            [pupil],
            |r| r.get(0),
        )
        .unwrap();
    v.lock("test", now());
    s
}

fn write_what_helps(dir: &std::path::Path, user: &str, pass: &str, pupil: i64, text: &str) {
    let mut v = unlock_as(dir, user, pass).unwrap();
    attune_domain::record::profile::save_profile(
        &mut v,
        pupil,
        &attune_domain::model::Profile {
            what_helps: text.into(),
            ..Default::default()
        },
        now(),
    )
    .unwrap();
    v.lock("test", now());
}

#[test]
fn a_field_changed_on_both_sides_is_listed_with_its_number_and_the_other_value_can_be_taken() {
    let w = World::new();
    write_what_helps(
        &w.laptop,
        &w.x,
        LAPTOP,
        w.x_pupil,
        "Lego at break, said on the laptop",
    );
    write_what_helps(
        &w.env.dir,
        SCHOOL,
        LEAD,
        w.x_pupil,
        "Music in the library, said at school",
    );
    let up = w.laptop_export("conflict-up.attune-sync");
    let out = w.school_import(&up);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("1 value also changed elsewhere, kept for you to choose"),
        "{}",
        stdout(&out)
    );

    let conflicts = |who: &str, pass: &str, dir: &std::path::Path| {
        let out = w.env.run_on(
            dir,
            &["--user", who, "sync", "conflicts"],
            &[("ATTUNE_PASSPHRASE", pass)],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out)
    };
    let listed = conflicts(SCHOOL, LEAD, &w.env.dir);
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(lines.len(), 1, "{listed}");
    let line = lines[0];
    assert!(line.contains(": What helps: now \""), "{line}");
    assert!(line.contains("; also changed on "), "{line}");
    let kept = what_helps_of(&w.env.dir, SCHOOL, LEAD, w.x_pupil);
    let other = if kept.contains("Lego") {
        assert!(
            line.contains("also changed on the school vault on "),
            "{line}"
        );
        "Music in the library, said at school"
    } else {
        assert!(
            line.contains(&format!("also changed on {}'s laptop on ", w.x)),
            "{line}"
        );
        "Lego at break, said on the laptop"
    };
    assert!(line.ends_with(&format!("\"{other}\"")), "{line}");
    let id = line.split(':').next().unwrap().trim().to_string();

    // A number that is not an open conflict: a plain refusal.
    let out = w.env.run(
        &["--user", SCHOOL, "sync", "resolve", "99999", "--keep"],
        &[("ATTUNE_PASSPHRASE", LEAD)],
    );
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("no such conflict"),
        "{}",
        stderr(&out)
    );
    // Neither or both choices: a usage error.
    let out = w.env.run(
        &["--user", SCHOOL, "sync", "resolve", &id],
        &[("ATTUNE_PASSPHRASE", LEAD)],
    );
    assert_ne!(out.status.code(), Some(0));

    let out = w.env.run(
        &["--user", SCHOOL, "sync", "resolve", &id, "--take-other"],
        &[("ATTUNE_PASSPHRASE", LEAD)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(what_helps_of(&w.env.dir, SCHOOL, LEAD, w.x_pupil), other);
    assert_eq!(
        conflicts(SCHOOL, LEAD, &w.env.dir).trim(),
        "No conflicts to settle."
    );

    // The next exchange takes the chosen value to the laptop.
    let down = w.school_export("conflict-down.attune-sync");
    let out = w.laptop_import(&down);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(what_helps_of(&w.laptop, &w.x, LAPTOP, w.x_pupil), other);
    assert_eq!(w.on_laptop(), w.school_for_x());
}
