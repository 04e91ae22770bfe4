//! `attune-admin` as a person or a script runs it: every step in a fresh process, on real
//! files, checking exit codes and what is printed.

use std::path::PathBuf;
use std::process::{Command, Output};

const LEAD: &str = "correct horse battery staple 1917";
const KA: &str = "plum orchard lantern quietly 42";

struct Env {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    files: PathBuf,
}

impl Env {
    fn new() -> Env {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("vault");
        let files = tmp.path().join("files");
        std::fs::create_dir_all(&files).unwrap();
        Env {
            _tmp: tmp,
            dir,
            files,
        }
    }

    fn secret_file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.files.join(name);
        std::fs::write(&p, format!("{text}\n")).unwrap();
        p
    }

    /// Run attune-admin with `--vault`, passphrases only from the given sources.
    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_attune-admin"));
        c.arg("--vault").arg(&self.dir).args(args);
        for k in [
            "ATTUNE_PASSPHRASE",
            "ATTUNE_NEW_PASSPHRASE",
            "ATTUNE_RECOVERY_KEY",
        ] {
            c.env_remove(k);
        }
        for (k, v) in env {
            c.env(k, v);
        }
        c.stdin(std::process::Stdio::null());
        c.output().unwrap()
    }

    fn init(&self) -> String {
        let out = self.run(
            &[
                "init",
                "--school",
                "Hillside Primary",
                "--user",
                "Ada Lovelace",
            ],
            &[("ATTUNE_PASSPHRASE", LEAD)],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let key_line = text
            .lines()
            .skip_while(|l| !l.starts_with("RECOVERY KEY"))
            .find(|l| l.trim().split(' ').count() == 8)
            .expect("the recovery key is printed as 8 groups");
        key_line.trim().to_string()
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn init_status_and_wrong_passphrase_exit_codes() {
    let e = Env::new();
    let key = e.init();
    assert_eq!(key.split(' ').count(), 8);
    assert!(key.split(' ').all(|g| g.len() == 4));

    let out = e.run(&["status"], &[]);
    assert_eq!(out.status.code(), Some(0));
    let s = stdout(&out);
    assert!(s.contains("School: Hillside Primary"), "{s}");
    assert!(s.contains("Ada Lovelace (Strategic lead)"), "{s}");

    let pf = e.secret_file("lead", LEAD);
    let out = e.run(&["status", "--passphrase-file", pf.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("Schema version: "));

    let out = e.run(
        &["verify"],
        &[("ATTUNE_PASSPHRASE", "the wrong passphrase entirely")],
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("not right"), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("hmac"),
        "SQLCipher's own log stays quiet: {}",
        stderr(&out)
    );

    let out = e.run(&["verify"], &[("ATTUNE_PASSPHRASE", LEAD)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("All is well: every page of the vault is intact"),
        "{}",
        stdout(&out)
    );

    // A second init on the same folder is refused; no passphrase at all is bad usage.
    let out = e.run(
        &["init", "--school", "X", "--user", "Y"],
        &[("ATTUNE_PASSPHRASE", LEAD)],
    );
    assert_eq!(out.status.code(), Some(1));
    let out = e.run(&["verify"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = e.run(&["frobnicate"], &[]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn weak_passphrase_is_refused_at_init() {
    let e = Env::new();
    let out = e.run(
        &["init", "--school", "Hillside", "--user", "Ada"],
        &[("ATTUNE_PASSPHRASE", "password1")],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("too easy to guess"),
        "{}",
        stderr(&out)
    );
    assert!(!e.dir.join("keyslots").exists());
}

#[test]
fn change_passphrase_then_recover_then_users_in_fresh_processes() {
    let e = Env::new();
    let key = e.init();
    // Change: the old passphrase stops working, the new one works.
    let out = e.run(
        &["change-passphrase"],
        &[
            ("ATTUNE_PASSPHRASE", LEAD),
            ("ATTUNE_NEW_PASSPHRASE", "violet tugboat meadow sings 8"),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        e.run(&["verify"], &[("ATTUNE_PASSPHRASE", LEAD)])
            .status
            .code(),
        Some(3)
    );
    assert_eq!(
        e.run(
            &["verify"],
            &[("ATTUNE_PASSPHRASE", "violet tugboat meadow sings 8")]
        )
        .status
        .code(),
        Some(0)
    );

    // Recovery: a wrong key is exit 3; the right one (typed in lower case) sets a new passphrase.
    let wrong = "0000 0000 0000 0000 0000 0000 0000 0000";
    let out = e.run(
        &["recover"],
        &[
            ("ATTUNE_RECOVERY_KEY", wrong),
            ("ATTUNE_NEW_PASSPHRASE", KA),
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let rk = e.secret_file("rk", &key.to_lowercase());
    let out = e.run(
        &["recover", "--recovery-key-file", rk.to_str().unwrap()],
        &[("ATTUNE_NEW_PASSPHRASE", "amber kettle northern drum 77")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        e.run(
            &["verify"],
            &[("ATTUNE_PASSPHRASE", "amber kettle northern drum 77")]
        )
        .status
        .code(),
        Some(0)
    );
    let lead_pass = "amber kettle northern drum 77";

    // A second user, then removal with an old copy of the key-slot file.
    let out = e.run(
        &["add-user", "--name", "Ben Key", "--role", "key-adult"],
        &[
            ("ATTUNE_PASSPHRASE", lead_pass),
            ("ATTUNE_NEW_PASSPHRASE", KA),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let ben = |pass: &str| {
        e.run(
            &["verify", "--user", "Ben Key"],
            &[("ATTUNE_PASSPHRASE", pass)],
        )
        .status
        .code()
    };
    assert_eq!(ben(KA), Some(0), "the key adult opens the same vault");
    // A key adult cannot remove anyone.
    let out = e.run(
        &["remove-user", "--user", "Ben Key", "--name", "Ada Lovelace"],
        &[("ATTUNE_PASSPHRASE", KA)],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("Not permitted"), "{}", stderr(&out));

    let old_slots = std::fs::read(e.dir.join("keyslots")).unwrap();
    let out = e.run(
        &["remove-user", "--user", "Ada Lovelace", "--name", "Ben Key"],
        &[("ATTUNE_PASSPHRASE", lead_pass)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = e.run(
        &["verify", "--user", "Ben Key"],
        &[("ATTUNE_PASSPHRASE", KA)],
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "Ben is no longer a user: {}",
        stderr(&out)
    );
    // Put the old key-slot file back: Ben's passphrase opens his old slot, but not the vault.
    std::fs::write(e.dir.join("keyslots"), &old_slots).unwrap();
    std::fs::write(e.dir.join("keyslots.backup"), &old_slots).unwrap();
    assert_eq!(
        ben(KA),
        Some(4),
        "the old slot's key no longer opens the rotated vault"
    );
    // And the lead's slot in that old file is stale too: nobody is let in by an old file.
    assert_eq!(
        e.run(
            &["verify", "--user", "Ada Lovelace"],
            &[("ATTUNE_PASSPHRASE", lead_pass)]
        )
        .status
        .code(),
        Some(4)
    );
}

#[test]
fn damaged_files_give_exit_4_and_no_panic() {
    let e = Env::new();
    e.init();
    for f in ["keyslots", "keyslots.backup"] {
        let p = e.dir.join(f);
        let mut b = std::fs::read(&p).unwrap();
        let n = b.len();
        b[n / 2] ^= 0x20;
        std::fs::write(&p, b).unwrap();
    }
    let out = e.run(&["verify"], &[("ATTUNE_PASSPHRASE", LEAD)]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("damaged"));
    assert!(!stderr(&out).contains("panicked"));
    let out = e.run(&["status"], &[]);
    assert_eq!(out.status.code(), Some(4));
}
