//! Issue 15, item 5: the keys in the strategic lead's hands, as a lead runs `attune-admin`.
//! `recovery-key replace` and `reset-passphrase`, every step in a fresh process. The oracle is
//! the old secret itself, tried against the files on disk (and a copy of the folder with the
//! backup key-slot file put in the key-slot file's place).

mod common;
use common::*;

use std::path::Path;

const NEW_PASS: &str = "amber kettle northern drum 77";

/// The recovery key printed after `heading`: the first line of 8 groups of 4.
fn printed_key(text: &str, heading: &str) -> String {
    text.lines()
        .skip_while(|l| !l.starts_with(heading))
        .find(|l| l.trim().split(' ').count() == 8)
        .unwrap_or_else(|| panic!("no key printed after {heading}: {text}"))
        .trim()
        .to_string()
}

/// A copy of the vault folder whose key-slot file is its backup copy.
fn copy_with_backup_slots(dir: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if e.file_type().unwrap().is_file() && name != "vault.lock" {
            std::fs::copy(e.path(), to.join(&name)).unwrap();
        }
    }
    std::fs::copy(dir.join("keyslots.backup"), to.join("keyslots")).unwrap();
}

#[test]
fn replace_recovery_key_the_old_key_opens_neither_file_the_new_one_does() {
    let env = Env::new();
    let old_key = env.init();
    env.add_key_adult();
    let usb = env.files.join("usb.attune-backup");
    let out = env.run(
        &[
            "--user",
            "Ada Lovelace",
            "backup",
            "--out",
            usb.to_str().unwrap(),
        ],
        &[("ATTUNE_PASSPHRASE", LEAD)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let old_file = env.secret_file("old-key", &old_key);

    // A key adult is refused (and nothing changes).
    let out = env.run(
        &["--user", "Ben Key", "recovery-key", "replace"],
        &[("ATTUNE_PASSPHRASE", KA)],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stderr(&out).contains("Not permitted"), "{}", stderr(&out));
    assert!(!stdout(&out).contains("RECOVERY KEY"));

    let out = env.run(
        &["--user", "Ada Lovelace", "recovery-key", "replace"],
        &[("ATTUNE_PASSPHRASE", LEAD)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let new_key = printed_key(&text, "NEW RECOVERY KEY");
    assert_ne!(new_key, old_key);
    assert!(text.contains("still open with the"), "{text}");
    let new_file = env.secret_file("new-key", &new_key);

    let recover = |vault: &Path, key: &Path, pass: &str| {
        env.run_on(
            vault,
            &[
                "--user",
                "Ada Lovelace",
                "recover",
                "--recovery-key-file",
                key.to_str().unwrap(),
            ],
            &[("ATTUNE_NEW_PASSPHRASE", pass)],
        )
    };
    // The old key: refused by the vault (exit 3, as a wrong key) ...
    let out = recover(&env.dir, &old_file, NEW_PASS);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    // ... and by a copy whose key-slot file is the backup copy.
    let copy = env.files.join("copy");
    copy_with_backup_slots(&env.dir, &copy);
    let out = recover(&copy, &old_file, NEW_PASS);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    // The new key opens the copy (and sets a passphrase there) and the vault.
    let out = recover(&copy, &new_file, NEW_PASS);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = recover(&env.dir, &new_file, NEW_PASS);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = env.run(
        &["--user", "Ada Lovelace", "verify"],
        &[("ATTUNE_PASSPHRASE", NEW_PASS)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // What the command said: the USB backup made before still opens with the old key.
    let out = env.run(
        &[
            "backup-info",
            usb.to_str().unwrap(),
            "--recovery-key-file",
            old_file.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("Unlocked as"), "{}", stdout(&out));

    // Audited: the refusal and the replacement.
    let v = unlock_as(&env.dir, "Ada Lovelace", NEW_PASS).unwrap();
    let log = attune_vault::audit::list(v.conn().unwrap(), Some("recovery_key."), 20).unwrap();
    assert!(log
        .iter()
        .any(|e| e.actor_name == "Ben Key" && e.outcome == "refused"));
    assert!(log
        .iter()
        .any(|e| e.actor_name == "Ada Lovelace" && e.outcome == "ok"));
}

#[test]
fn reset_passphrase_gives_a_code_the_key_adult_keeps_their_pupils() {
    let env = Env::new();
    let out = env.run(
        &[
            "--user",
            "Ada Lovelace",
            "demo",
            "--size",
            "small",
            "--seed",
            "3",
        ],
        &[("ATTUNE_PASSPHRASE", LEAD)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // A key adult with pupils (the demo's key adults share the lead's passphrase).
    let (name, id, pupils) = {
        let v = unlock_as(&env.dir, "Ada Lovelace", LEAD).unwrap();
        let r = v
            .conn()
            .unwrap()
            .query_row(
                "SELECT u.name, u.id, group_concat(p.id) FROM pupils p
                 JOIN users u ON u.id = p.key_adult_id
                 WHERE u.role = 'key_adult' GROUP BY u.id ORDER BY u.name LIMIT 1",
                [],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                },
            )
            .unwrap();
        v.lock("test", now());
        r
    };
    let digest = |pass: &str| {
        let out = env.run(&["--user", &name, "digest"], &[("ATTUNE_PASSPHRASE", pass)]);
        (out.status.code(), stdout(&out))
    };
    let (code, before) = digest(LEAD);
    assert_eq!(code, Some(0));

    // A key adult cannot reset anyone's passphrase.
    let out = env.run(
        &[
            "--user",
            &name,
            "reset-passphrase",
            "--name",
            "Ada Lovelace",
        ],
        &[("ATTUNE_PASSPHRASE", LEAD)],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stderr(&out).contains("Not permitted"), "{}", stderr(&out));

    let out = env.run(
        &[
            "--user",
            "Ada Lovelace",
            "reset-passphrase",
            "--name",
            &name,
        ],
        &[("ATTUNE_PASSPHRASE", LEAD)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let one_time = text
        .lines()
        .skip_while(|l| !l.starts_with("ONE-TIME CODE"))
        .map(str::trim)
        .find(|l| l.split('-').count() == 4)
        .unwrap_or_else(|| panic!("no code printed: {text}"))
        .to_string();
    assert!(
        one_time.split('-').all(|g| g.len() == 5
            && g.chars()
                .all(|c| "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(c))),
        "{one_time}"
    );

    // The old passphrase stops at once, like any wrong passphrase (exit 3).
    let (code, _) = digest(LEAD);
    assert_eq!(code, Some(3));
    // The code opens only to set a new passphrase: anything else is refused.
    let (code, _) = digest(&one_time);
    assert_eq!(code, Some(1));
    let out = env.run(
        &["--user", &name, "change-passphrase"],
        &[
            ("ATTUNE_PASSPHRASE", one_time.to_lowercase().as_str()),
            ("ATTUNE_NEW_PASSPHRASE", NEW_PASS),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // Their own passphrase now; the code is spent; their caseload is what it was.
    let (code, after) = digest(NEW_PASS);
    assert_eq!(code, Some(0));
    assert_eq!(after, before, "the same user, the same pupils");
    assert_eq!(digest(&one_time).0, Some(3));
    assert_eq!(digest(LEAD).0, Some(3));

    let v = unlock_as(&env.dir, "Ada Lovelace", LEAD).unwrap();
    let still: String = v
        .conn()
        .unwrap()
        .query_row(
            "SELECT group_concat(id) FROM pupils WHERE key_adult_id = ?1",
            [&id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(still, pupils);
    let log = attune_vault::audit::list(v.conn().unwrap(), Some("passphrase."), 50).unwrap();
    assert!(log.iter().any(|e| e.action == "passphrase.reset_by_lead"
        && e.actor_name == "Ada Lovelace"
        && e.target.as_deref() == Some(id.as_str())
        && e.outcome == "ok"));
    assert!(log.iter().any(|e| e.action == "passphrase.reset_by_lead"
        && e.actor_name == name
        && e.outcome == "refused"));
    assert!(log.iter().any(|e| e.action == "passphrase.reset"
        && e.actor_id.as_deref() == Some(id.as_str())
        && e.outcome == "ok"));
}
