//! `sar`: the subject access document of one pupil, written to the file the user names. The
//! work is done by `attune_domain::sar`; this module reads options, writes the file
//! atomically and prints where it went (never a record's content).

use std::path::{Path, PathBuf};

use attune_domain::{sar, school_frameworks};

use crate::error::{Error, Result};
use crate::{now, open, Cli};

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
