//! `digest [--for NAME]`: the canonical hash of what the vault holds (issue 17), as the
//! convergence test compares it between the school vault and a laptop. The work and the rule
//! (who may have whose digest) are `attune_domain::transfer::scope::vault_digest`'s; this
//! module resolves the name and prints the hash and a row count per table, never a name or a
//! record's content.

use std::path::Path;

use attune_domain::transfer::conflicts::{self, ConflictChoice, ConflictKind};
use attune_domain::transfer::{enrol, scope, sync};
use attune_vault::{Passphrase, Vault};
use rand::rngs::OsRng;

use crate::error::{Error, Result};
use crate::{now, open, read_secret, vault_dir, Cli};

/// `attune-admin digest [--for NAME]`: a key adult's own caseload; a strategic lead's whole
/// vault, or with `--for` that user's caseload.
pub fn digest(cli: &Cli, for_name: Option<&str>) -> Result<()> {
    let v = open(cli)?;
    let result = (|| -> Result<_> {
        let for_id = match for_name {
            None => None,
            Some(name) => Some(
                v.users()?
                    .into_iter()
                    .find(|u| u.name.eq_ignore_ascii_case(name.trim()))
                    .map(|u| u.id)
                    .ok_or_else(|| Error::Usage(format!("no user called {name} in this vault")))?,
            ),
        };
        Ok(scope::vault_digest(&v, for_id.as_deref(), now())?)
    })();
    v.lock("cli", now());
    let (d, _) = result?;
    println!("digest {}", d.hex());
    for (table, rows) in &d.counts {
        println!("{table} {rows}");
    }
    Ok(())
}

/// `attune-admin sync enrol --for NAME --out FILE`: the enrolment file for NAME's laptop, and
/// its one-time passphrase printed once.
pub fn enrol(cli: &Cli, for_name: &str, out: &Path) -> Result<()> {
    if out.exists() {
        return Err(Error::Usage(format!(
            "{} exists already; choose a new file name",
            out.display()
        )));
    }
    let mut v = open(cli)?;
    let result = (|| -> Result<_> {
        let user = v
            .users()?
            .into_iter()
            .find(|u| u.name.eq_ignore_ascii_case(for_name.trim()))
            .ok_or_else(|| Error::Usage(format!("no user called {for_name} in this vault")))?;
        let e = enrol::enrol_laptop(&mut v, &user.id, &mut OsRng, now())?;
        attune_vault::fsutil::write_atomic(out, &e.bytes)?;
        Ok((user, e))
    })();
    v.lock("cli", now());
    let (user, e) = result?;
    println!(
        "Wrote the enrolment file for {}'s laptop (laptop {}) to {}.",
        user.name,
        e.meta.device_no,
        out.display()
    );
    println!();
    println!("ONE-TIME PASSPHRASE (shown only this once):");
    println!();
    println!("    {}", e.passphrase.expose());
    println!();
    println!(
        "Give it to {} apart from the file (not on the same USB stick).",
        user.name
    );
    Ok(())
}

/// `attune-admin --vault DIR sync join FILE`: this laptop's vault from an enrolment file.
pub fn join(cli: &Cli, file: &Path, enrol_passphrase_file: Option<&Path>) -> Result<()> {
    let dir = vault_dir(cli)?;
    let bytes = std::fs::read(file)
        .map_err(|e| Error::Usage(format!("cannot read {}: {e}", file.display())))?;
    // The layout first: a damaged file is said before anyone types a passphrase.
    attune_vault::enrol::inspect(&bytes)?;
    let one_time = read_secret(
        enrol_passphrase_file,
        "ATTUNE_ENROL_PASSPHRASE",
        "One-time passphrase from the strategic lead: ",
    )?;
    let own = Passphrase::new(read_secret(
        cli.passphrase_file.as_deref(),
        "ATTUNE_PASSPHRASE",
        "Choose your passphrase for this laptop: ",
    )?);
    let (mut v, meta) = Vault::join(&dir, &bytes, &one_time, &own, &mut OsRng, now())?;
    // What the replica holds is shared already: only later work travels in sync files.
    if let Err(e) = sync::start(&mut v, &mut OsRng) {
        v.lock("cli", now());
        return Err(e.into());
    }
    println!(
        "Joined {}'s school vault as {} (laptop {}). This laptop's vault is in {}.",
        meta.school,
        meta.user_name,
        meta.device_no,
        dir.display()
    );
    v.lock("cli", now());
    Ok(())
}

/// `attune-admin sync export [--for-laptop N] --out FILE`: the next sync file.
pub fn export(cli: &Cli, for_laptop: Option<u16>, out: &Path) -> Result<()> {
    if out.exists() {
        return Err(Error::Usage(format!(
            "{} exists already; choose a new file name",
            out.display()
        )));
    }
    let mut v = open(cli)?;
    let result = (|| -> Result<_> {
        let (bytes, report) = sync::export(&mut v, for_laptop, &mut OsRng, now())?;
        attune_vault::fsutil::write_atomic(out, &bytes)?;
        Ok(report)
    })();
    v.lock("cli", now());
    let report = result?;
    let to = if for_laptop.is_some() {
        format!("laptop {}", report.device_no)
    } else {
        "the school vault".to_string()
    };
    println!(
        "Wrote the sync file for {to} to {} ({} bytes): {}.",
        out.display(),
        report.file_bytes,
        report.summary()
    );
    Ok(())
}

/// `attune-admin sync import FILE`: take in a sync file.
pub fn import(cli: &Cli, file: &Path) -> Result<()> {
    let bytes = std::fs::read(file)
        .map_err(|e| Error::Usage(format!("cannot read {}: {e}", file.display())))?;
    let mut v = open(cli)?;
    let result = sync::import(&mut v, &bytes, &mut OsRng, now());
    v.lock("cli", now());
    let report = result?;
    if report.already_imported {
        println!("This sync file was imported before: nothing changed.");
    } else {
        println!(
            "Imported the sync file (laptop {}): {}.",
            report.device_no,
            report.summary()
        );
    }
    Ok(())
}

/// `attune-admin sync status`: each laptop, its key adult, and when it last synced each way.
pub fn status(cli: &Cli) -> Result<()> {
    let v = open(cli)?;
    let result = enrol::laptops(&v, now());
    v.lock("cli", now());
    let laptops = result?;
    if laptops.is_empty() {
        println!("No laptop has been prepared from this vault.");
        return Ok(());
    }
    let ago = |at: &Option<String>| -> String {
        match at
            .as_deref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        {
            None => "never".into(),
            Some(t) => {
                let days = (now() - t.with_timezone(&chrono::Utc)).num_days();
                format!("{} ({days} days ago)", t.format("%-d %B %Y"))
            }
        }
    };
    for l in &laptops {
        println!(
            "laptop {}: {}{}; file from it imported {}; file for it written {}",
            l.device_no,
            l.user_name,
            if l.removed { " (removed: refused)" } else { "" },
            ago(&l.last_in_at),
            ago(&l.last_out_at),
        );
    }
    Ok(())
}

/// `attune-admin sync conflicts`: each open conflict on one line (its number, the pupil, what
/// it is, the value now, and the other value with where and when it was written), then the
/// refused review's text in full for a review signed off twice.
pub fn conflicts(cli: &Cli) -> Result<()> {
    let v = open(cli)?;
    let result = conflicts::list(&v, now());
    v.lock("cli", now());
    let list = result?;
    if list.is_empty() {
        println!("No conflicts to settle.");
        return Ok(());
    }
    let one_line = |s: &str| s.replace('\n', " / ");
    for c in &list {
        let pupil = c.pupil_name.as_deref().unwrap_or("the school");
        match c.kind {
            ConflictKind::Value => println!(
                "{}: {pupil}: {}: now \"{}\"; also changed on {} on {}: \"{}\"",
                c.id,
                c.what,
                one_line(&c.current),
                c.other_from,
                c.other_on,
                one_line(&c.other)
            ),
            _ => println!(
                "{}: {pupil}: {}: kept \"{}\"; refused, from {} on {}: \"{}\"",
                c.id,
                c.what,
                one_line(&c.current),
                c.other_from,
                c.other_on,
                one_line(&c.other)
            ),
        }
    }
    Ok(())
}

/// `attune-admin sync resolve ID --keep|--take-other`.
pub fn resolve(cli: &Cli, id: i64, take_other: bool) -> Result<()> {
    let mut v = open(cli)?;
    let choice = if take_other {
        ConflictChoice::TakeOther
    } else {
        ConflictChoice::KeepCurrent
    };
    let result = conflicts::resolve(&mut v, id, choice, now());
    v.lock("cli", now());
    result?;
    println!(
        "Conflict {id} settled: {}.",
        if take_other {
            "the other value is taken, and goes to the other vaults at the next sync"
        } else {
            "the current value is kept"
        }
    );
    Ok(())
}
