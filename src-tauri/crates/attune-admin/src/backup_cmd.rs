//! `backup`, `restore` and `backup-info`, and the hidden `crash-writer` that the crash test
//! kills. The work is done by `attune_vault::backup`; this module only reads options, asks
//! for secrets and prints what happened (never a record's content).

use std::io::Write;
use std::path::Path;

use attune_vault::audit::{self, NewEntry};
use attune_vault::backup::{self, BackupFile, RecordCounts};
use attune_vault::{Action, Passphrase, RecoveryKey, Role, Secret, UserInfo};
use rand::rngs::OsRng;

use crate::error::{Error, Result};
use crate::{now, open, passphrase, read_secret, vault_dir, Cli};

/// `attune-admin backup --out FILE [--force]`
pub fn backup(cli: &Cli, out: &Path, force: bool) -> Result<()> {
    if out.is_dir() {
        return Err(Error::Usage(format!(
            "{} is a folder: give --out the name of the backup file to write in it",
            out.display()
        )));
    }
    if out.exists() && !force {
        return Err(Error::Usage(format!(
            "{} already exists: choose another name, or add --force to replace it",
            out.display()
        )));
    }
    let v = open(cli)?;
    let info = match v.backup_to(out, now()) {
        Ok(i) => i,
        Err(e) => {
            v.lock("cli", now());
            return Err(e.into());
        }
    };
    println!(
        "Wrote an encrypted backup of {} to {}.",
        info.header.school,
        info.path.display()
    );
    println!(
        "It was read back and checked ({} bytes; SHA-256 {}).",
        info.file_bytes, info.checksum
    );
    println!("{}", counts_line(&info.header.counts));
    println!(
        "It opens only with a passphrase or the recovery key valid in this vault today. Keep it as safe as the laptop."
    );
    v.lock("cli", now());
    Ok(())
}

fn counts_line(c: &RecordCounts) -> String {
    let part = |n: Option<u64>, what: &str| match n {
        Some(n) => format!("{n} {what}"),
        None => format!("no {what} yet"),
    };
    format!(
        "It holds {}, {} and {}.",
        part(c.pupils, "pupils"),
        part(c.plans, "plans"),
        part(c.reviews, "reviews")
    )
}

fn print_file(f: &BackupFile) {
    println!("Backup of: {}", f.header.school);
    println!("Made: {}", f.header.created_at);
    println!("Schema version: {}", f.header.schema_version);
    println!("{}", counts_line(&f.header.counts));
    println!(
        "Size: {} bytes; checksum ok (SHA-256 {})",
        f.file_bytes, f.checksum
    );
    println!("Opens with the passphrase of:");
    for u in f.users() {
        println!("  {} ({})", u.name, u.role.label());
    }
    if f.has_recovery_slot() {
        println!("  or the recovery key of that time");
    }
}

/// Whose slot in the backup to open: `--user NAME`, else its only user, else (with the
/// recovery key) its only strategic lead.
fn pick_backup_user(cli: &Cli, f: &BackupFile, recovery: bool) -> Result<UserInfo> {
    let users = f.users();
    if let Some(name) = &cli.user {
        return users
            .into_iter()
            .find(|u| u.name.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| Error::Usage(format!("no user called {name} in this backup")));
    }
    if users.len() == 1 {
        return Ok(users.into_iter().next().expect("one user"));
    }
    let leads: Vec<UserInfo> = users
        .into_iter()
        .filter(|u| u.role == Role::StrategicLead)
        .collect();
    if recovery && leads.len() == 1 {
        return Ok(leads.into_iter().next().expect("one lead"));
    }
    Err(Error::Usage(
        "this backup has several users: say whose passphrase you are giving with --user NAME"
            .into(),
    ))
}

enum Given {
    Passphrase(Passphrase),
    Recovery(RecoveryKey),
}

impl Given {
    fn secret(&self) -> Secret<'_> {
        match self {
            Given::Passphrase(p) => Secret::Passphrase(p),
            Given::Recovery(r) => Secret::Recovery(r),
        }
    }
}

fn given(cli: &Cli, recovery_key_file: Option<&Path>) -> Result<Given> {
    match recovery_key_file {
        Some(f) => {
            let text = read_secret(Some(f), "ATTUNE_RECOVERY_KEY", "Recovery key: ")?;
            Ok(Given::Recovery(RecoveryKey::parse(&text)?))
        }
        None => Ok(Given::Passphrase(passphrase(cli)?)),
    }
}

/// `attune-admin backup-info FILE`
pub fn info(cli: &Cli, file: &Path, recovery_key_file: Option<&Path>) -> Result<()> {
    let f = backup::inspect(file)?;
    print_file(&f);
    let have_secret = recovery_key_file.is_some()
        || cli.passphrase_file.is_some()
        || std::env::var_os("ATTUNE_PASSPHRASE").is_some();
    if !have_secret {
        println!("Give a passphrase (--passphrase-file or ATTUNE_PASSPHRASE) to unlock it and check it end to end.");
        return Ok(());
    }
    let user = pick_backup_user(cli, &f, recovery_key_file.is_some())?;
    let g = given(cli, recovery_key_file)?;
    let c = backup::open_backup(file, &user.id, g.secret(), &mut OsRng, now())?;
    println!(
        "Unlocked as {} and checked: its authentication code, every database page's HMAC, the database's integrity and the audit chain.",
        c.opened_as.name
    );
    println!(
        "Users in it: {}",
        c.users
            .iter()
            .map(|u| format!("{} ({})", u.name, u.role.label()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "Audit log: {} entries, the newest from {}",
        c.audit_entries,
        c.last_audit_at.as_deref().unwrap_or("-")
    );
    Ok(())
}

/// `attune-admin restore --from FILE [--recovery-key-file FILE]`
pub fn restore(cli: &Cli, from: &Path, recovery_key_file: Option<&Path>) -> Result<()> {
    let dir = vault_dir(cli)?;
    // A damaged file is reported before any passphrase is asked for.
    let f = backup::inspect(from)?;
    let user = pick_backup_user(cli, &f, recovery_key_file.is_some())?;
    let g = given(cli, recovery_key_file)?;
    let mut r = backup::restore(from, &dir, &user.id, g.secret(), &mut OsRng, now())?;
    // Pupils erased since the backup was made are erased again before anything else.
    let again = attune_domain::transfer::retention::erase_again(&mut r.vault, now())?;
    println!(
        "Restored the backup of {} made {} into {}.",
        r.contents.header.school,
        r.contents.header.created_at,
        dir.display()
    );
    println!(
        "It was checked before anything was replaced, and has opened cleanly. {}",
        counts_line(&r.contents.counts)
    );
    match &r.replaced {
        Some(old) => {
            println!(
                "The vault that was there is kept, unchanged, in {}.",
                old.display()
            );
            println!("Delete that folder once you are sure you no longer need it.");
            if r.moved_auto_backups {
                println!("The automatic backups folder was moved into the restored vault.");
            }
        }
        None => println!("There was no vault there before."),
    }
    if !again.is_empty() {
        println!(
            "The backup held {} erased after it was made: erased again now, before anything else (record {}).",
            if again.len() == 1 { "1 pupil who was".to_string() } else { format!("{} pupils who were", again.len()) },
            again.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
        );
    }
    if r.vault.session().via_recovery {
        println!("You used the recovery key: the passphrases are those valid when the backup was made. Anyone who has forgotten theirs can use attune-admin recover.");
    }
    r.vault.lock("cli", now());
    Ok(())
}

/// `attune-admin crash-writer` (hidden): commit one record at a time into a table of its
/// own, printing `ack N` only after each commit has returned, until killed, `--max` is
/// reached, or a write fails (a full disk ends it with exit code 1).
pub fn crash_writer(cli: &Cli, payload_bytes: usize, max: Option<u64>) -> Result<()> {
    let mut v = open(cli)?;
    let user = v.session().user.clone();
    let conn = v.conn_mut()?;
    let sql = |e| Error::from(attune_vault::Error::from(e));
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS crash_probe (n INTEGER PRIMARY KEY, payload TEXT NOT NULL)",
    )
    .map_err(sql)?;
    let mut n: i64 = conn
        .query_row("SELECT coalesce(max(n), 0) FROM crash_probe", [], |r| {
            r.get(0)
        })
        .map_err(sql)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    writeln!(out, "ready {n}")?;
    out.flush()?;
    let mut written = 0u64;
    loop {
        n += 1;
        let payload = filler(n, payload_bytes);
        let target = n.to_string();
        let tx = conn.transaction().map_err(sql)?;
        tx.execute(
            "INSERT INTO crash_probe (n, payload) VALUES (?1, ?2)",
            (n, payload.as_str()),
        )
        .map_err(sql)?;
        audit::append(
            &tx,
            &NewEntry {
                at: now(),
                actor_id: Some(&user.id),
                actor_name: &user.name,
                action: Action::CrashProbeWrite,
                target: Some(&target),
                outcome: "ok",
            },
        )?;
        tx.commit().map_err(sql)?;
        writeln!(out, "ack {n}")?;
        out.flush()?;
        written += 1;
        if max.is_some_and(|m| written >= m) {
            break;
        }
    }
    drop(out);
    v.lock("cli", now());
    Ok(())
}

/// Deterministic, poorly compressible text for record `n`.
fn filler(n: i64, len: usize) -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ";
    let mut x = (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            CHARS[(x % CHARS.len() as u64) as usize] as char
        })
        .collect()
}
