//! Shared by the black-box tests of backups, crashes and faults: a scratch area, running
//! `attune-admin` in a fresh process, and reading a vault back through the library.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::{Digest, Sha256};

pub const LEAD: &str = "correct horse battery staple 1917";
pub const KA: &str = "plum orchard lantern quietly 42";

pub struct Env {
    pub tmp: tempfile::TempDir,
    pub dir: PathBuf,
    pub files: PathBuf,
}

impl Env {
    pub fn new() -> Env {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("vault");
        let files = tmp.path().join("files");
        std::fs::create_dir_all(&files).unwrap();
        Env { tmp, dir, files }
    }

    /// An environment whose vault lives in `dir` (for example on a small filesystem).
    pub fn with_vault_at(dir: PathBuf) -> Env {
        let mut e = Env::new();
        e.dir = dir;
        e
    }

    pub fn secret_file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.files.join(name);
        std::fs::write(&p, format!("{text}\n")).unwrap();
        p
    }

    pub fn command(&self, vault: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_attune-admin"));
        c.arg("--vault").arg(vault).args(args);
        for k in [
            "ATTUNE_PASSPHRASE",
            "ATTUNE_NEW_PASSPHRASE",
            "ATTUNE_RECOVERY_KEY",
            "ATTUNE_HANDOVER_PASSPHRASE",
            "ATTUNE_ENROL_PASSPHRASE",
        ] {
            c.env_remove(k);
        }
        for (k, v) in env {
            c.env(k, v);
        }
        c.stdin(std::process::Stdio::null());
        c
    }

    /// Run attune-admin on this environment's vault.
    pub fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        self.run_on(&self.dir, args, env)
    }

    pub fn run_on(&self, vault: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
        self.command(vault, args, env).output().unwrap()
    }

    /// `init` as Ada Lovelace, a strategic lead; returns the recovery key.
    pub fn init(&self) -> String {
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
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let text = String::from_utf8(out.stdout).unwrap();
        text.lines()
            .skip_while(|l| !l.starts_with("RECOVERY KEY"))
            .find(|l| l.trim().split(' ').count() == 8)
            .expect("the recovery key is printed as 8 groups")
            .trim()
            .to_string()
    }

    pub fn add_key_adult(&self) {
        let out = self.run(
            &["add-user", "--name", "Ben Key", "--role", "key-adult"],
            &[("ATTUNE_PASSPHRASE", LEAD), ("ATTUNE_NEW_PASSPHRASE", KA)],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }

    /// Commit `n` records with the crash writer (as the lead); returns the last number.
    pub fn write_records(&self, n: u64) -> u64 {
        let out = self.run(
            &[
                "crash-writer",
                "--user",
                "Ada Lovelace",
                "--max",
                &n.to_string(),
            ],
            &[("ATTUNE_PASSPHRASE", LEAD)],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        acks(&stdout(&out)).last().copied().unwrap_or(0)
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The numbers in the crash writer's `ack N` lines.
pub fn acks(text: &str) -> Vec<u64> {
    text.lines()
        .filter_map(|l| l.strip_prefix("ack "))
        .filter_map(|n| n.trim().parse().ok())
        .collect()
}

/// Every file under `dir` (recursively, but not the lock file) with its SHA-256: to show
/// that a refused operation changed nothing.
pub fn tree(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else if e.file_name() != "vault.lock" {
                let sum = Sha256::digest(std::fs::read(e.path()).unwrap());
                out.push((e.path(), to_hex(&sum)));
            }
        }
    }
    out.sort();
    out
}

pub fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

pub fn flip(path: &Path, at: usize) {
    let mut b = std::fs::read(path).unwrap();
    b[at] ^= 0x04;
    std::fs::write(path, b).unwrap();
}

pub fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

/// Open a vault through the library as the named user (the same code the app runs).
pub fn unlock_as(dir: &Path, name: &str, pass: &str) -> attune_vault::Result<attune_vault::Vault> {
    let id = match attune_vault::status(dir, now())? {
        attune_vault::VaultStatus::Present { users, .. } => {
            users
                .into_iter()
                .find(|u| u.name == name)
                .expect("the user is in the vault")
                .id
        }
        attune_vault::VaultStatus::Absent => panic!("no vault in {}", dir.display()),
    };
    attune_vault::Vault::unlock(
        dir,
        &id,
        &attune_vault::Passphrase::new(pass),
        &mut rand::rngs::OsRng,
        now(),
    )
}

/// The record numbers the crash writer committed, read back through the library.
pub fn probe_numbers(v: &attune_vault::Vault) -> std::collections::BTreeSet<u64> {
    let conn = v.conn().unwrap();
    let exists: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'crash_probe')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    if !exists {
        return Default::default();
    }
    let mut stmt = conn.prepare("SELECT n FROM crash_probe").unwrap();
    let rows = stmt.query_map([], |r| r.get::<_, i64>(0)).unwrap();
    rows.map(|r| r.unwrap() as u64).collect()
}

/// SQLCipher's and SQLite's checks: the rows of `PRAGMA cipher_integrity_check` (empty when
/// sound) and of `PRAGMA integrity_check` (just "ok" when sound).
pub fn integrity(v: &attune_vault::Vault) -> (Vec<String>, Vec<String>) {
    let conn = v.conn().unwrap();
    let rows = |sql: &str| -> Vec<String> {
        let mut stmt = conn.prepare(sql).unwrap();
        let r = stmt.query_map([], |r| r.get::<_, String>(0)).unwrap();
        r.map(|x| x.unwrap()).collect()
    };
    (
        rows("PRAGMA cipher_integrity_check"),
        rows("PRAGMA integrity_check"),
    )
}
