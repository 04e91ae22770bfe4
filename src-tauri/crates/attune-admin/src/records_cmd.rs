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
