//! `sar`: the subject access document of one pupil, written to the file the user names (the
//! work is done by `attune_domain::transfer::sar`); `handover-export` and `handover-import`: a pupil's
//! handover pack (`attune_domain::transfer::handover`). This module reads options, writes files
//! atomically and prints where they went (never a record's content).

use std::path::{Path, PathBuf};

use attune_domain::{planning::school_frameworks, transfer::handover, transfer::sar};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::{now, open, read_secret, Cli};

/// Refuses a folder, or an existing file without `--force`; returns the path with a folder
/// (a bare file name means the current folder).
pub(crate) fn output_path(out: &Path, force: bool) -> Result<PathBuf> {
    if out.is_dir() {
        return Err(Error::Usage(format!(
            "{} is a folder: give --out the name of the file to write in it",
            out.display()
        )));
    }
    if out.exists() && !force {
        return Err(Error::Usage(format!(
            "{} already exists: choose another name, or add --force to replace it",
            out.display()
        )));
    }
    Ok(match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => out.to_path_buf(),
        _ => Path::new(".").join(out),
    })
}

/// `attune-admin sar --pupil ID --out FILE [--force]`
pub fn sar(cli: &Cli, pupil: i64, out: &Path, force: bool) -> Result<()> {
    let path = output_path(out, force)?;
    let v = open(cli)?;
    let result = school_frameworks::list_frameworks(&v)
        .and_then(|fw| sar::subject_access_document(&v, pupil, &fw, now()));
    v.lock("cli", now());
    let html = result?;
    attune_vault::fsutil::write_atomic(&path, html.as_bytes())?;
    println!(
        "Wrote the subject access document for pupil {pupil} to {}.\n\
         It is readable by anyone who has the file: keep it safe and give it only to the person entitled to it.\n\
         To make a PDF, open it in a web browser and print it to PDF.",
        out.display()
    );
    Ok(())
}

/// `attune-admin handover-export --pupil ID --out FILE [--force]`: writes the pupil's
/// handover pack and prints its one-time passphrase once (never anything about the pupil).
pub fn handover_export(cli: &Cli, pupil: i64, out: &Path, force: bool) -> Result<()> {
    let path = output_path(out, force)?;
    let v = open(cli)?;
    let result = school_frameworks::list_frameworks(&v)
        .and_then(|fw| handover::export_handover(&v, pupil, &fw, &mut rand::rngs::OsRng, now()));
    v.lock("cli", now());
    let (bytes, pass) = result?;
    attune_vault::fsutil::write_atomic(&path, &bytes)?;
    println!(
        "Wrote the handover pack for pupil {pupil} to {}.\n\n\
         Its one-time handover passphrase (shown only now):\n\n    {}\n\n\
         Give it to the receiving school separately from the file, for example by phone:\n\
         never in the same email or on the same USB stick. Anyone with both can read the\n\
         pupil's whole record.",
        out.display(),
        pass.expose()
    );
    Ok(())
}

/// `attune-admin handover-import FILE [--key-adult NAME] [--handover-passphrase-file FILE]`:
/// imports a handover pack as a new pupil. The handover passphrase comes from the file, else
/// `ATTUNE_HANDOVER_PASSPHRASE`, else a prompt that does not echo.
pub fn handover_import(
    cli: &Cli,
    file: &Path,
    key_adult: Option<&str>,
    passphrase_file: Option<&Path>,
) -> Result<()> {
    let bytes = std::fs::read(file)
        .map_err(|e| Error::Usage(format!("cannot read {}: {e}", file.display())))?;
    // A damaged file is reported before anyone is asked for anything.
    handover::inspect(&bytes)?;
    let mut v = open(cli)?;
    let result = (|| -> Result<_> {
        let key_adult_id = match key_adult {
            None => None,
            Some(name) => Some(
                v.users()?
                    .into_iter()
                    .find(|u| u.name.eq_ignore_ascii_case(name.trim()))
                    .map(|u| u.id)
                    .ok_or_else(|| Error::Usage(format!("no user called {name} in this vault")))?,
            ),
        };
        let text = Zeroizing::new(read_secret(
            passphrase_file,
            "ATTUNE_HANDOVER_PASSPHRASE",
            "Handover passphrase: ",
        )?);
        let fw = school_frameworks::list_frameworks(&v)?;
        let today = now().date_naive();
        Ok(handover::import_handover(
            &mut v,
            &bytes,
            &text,
            key_adult_id.as_deref(),
            &fw,
            today,
            now(),
        )?)
    })();
    v.lock("cli", now());
    let p = result?;
    println!(
        "Imported the handover pack as a new pupil, record id {}{}.",
        p.id,
        if key_adult.is_some() {
            ", with their key adult assigned"
        } else {
            ""
        }
    );
    Ok(())
}

/// `attune-admin erase --pupil ID --reason TEXT`
pub fn erase(cli: &Cli, pupil: i64, reason: &str) -> Result<()> {
    let mut v = open(cli)?;
    let result = attune_domain::transfer::retention::erase_on_request(&mut v, pupil, reason, now());
    v.lock("cli", now());
    result?;
    println!(
        "Erased pupil {pupil}: every row about them is gone from the vault, and the automatic backups in its backups folder were replaced by one made now.\n\
         A backup made before now and restored later will have them erased again.\n\
         Copies outside the vault folder (USB backups, handover packs, subject access documents already given out) still hold what they held: delete them or keep them safe."
    );
    Ok(())
}

/// `attune-admin pupils [--json] [--names]`
pub fn pupils(cli: &Cli, json: bool, names: bool) -> Result<()> {
    let v = open(cli)?;
    let result = attune_domain::record::pupils::pupil_list(&v, names, now());
    v.lock("cli", now());
    let rows = result?;
    if json {
        let text = serde_json::to_string_pretty(&rows)
            .map_err(|e| Error::Failed(format!("could not write the list as JSON: {e}")))?;
        println!("{text}");
        return Ok(());
    }
    let dash = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
    let mut table: Vec<Vec<String>> = vec![{
        let mut h: Vec<String> = [
            "ID", "UPN", "SCN", "LOCAL", "YEAR", "SUPPORT", "CARE", "STATUS",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if names {
            h.push("NAME".into());
        }
        h
    }];
    for r in &rows {
        let mut line = vec![
            r.pupil_id.to_string(),
            dash(&r.upn),
            dash(&r.scn),
            dash(&r.local_id),
            r.year_group.clone(),
            dash(&r.support_level),
            dash(&r.care_status),
            r.status.as_str().to_string(),
        ];
        if names {
            let forename = r.legal_forename.clone().unwrap_or_default();
            let surname = r.legal_surname.clone().unwrap_or_default();
            line.push(match &r.preferred_name {
                Some(p) if !p.is_empty() && *p != forename => {
                    format!("{forename} {surname} ({p})")
                }
                _ => format!("{forename} {surname}"),
            });
        }
        table.push(line);
    }
    let cols = table[0].len();
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            table
                .iter()
                .map(|l| l[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for line in &table {
        let cells: Vec<String> = line
            .iter()
            .enumerate()
            .map(|(c, cell)| {
                if c + 1 == cols {
                    cell.clone()
                } else {
                    format!("{cell:<w$}", w = widths[c])
                }
            })
            .collect();
        println!("{}", cells.join("  "));
    }
    if rows.is_empty() {
        println!("(no pupils)");
    }
    Ok(())
}
