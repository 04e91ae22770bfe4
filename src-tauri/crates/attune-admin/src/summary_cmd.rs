//! `export-summary`: the anonymised summary of a period, as CSV, JSON and a printable report
//! (the work is done by `attune_export::export`); `merge-summaries`: several schools' JSON
//! summaries merged into one (`attune_export::merge_with`, no vault needed). This module reads
//! options and prints where the files went, never their content.

use std::path::{Path, PathBuf};

use attune_export::{ExportOptions, MergeOptions, Period};

use crate::error::{Error, Result};
use crate::{now, open, Cli};

/// Makes `--out DIR` if it does not exist yet.
fn out_dir(out: &Path) -> Result<()> {
    if !out.exists() {
        std::fs::create_dir_all(out)
            .map_err(|e| Error::Usage(format!("cannot create {}: {e}", out.display())))?;
    }
    Ok(())
}

/// `attune-admin export-summary --period P --out DIR [--k N] [--include-school-name] [--force]`
pub fn export_summary(
    cli: &Cli,
    period: &str,
    out: &Path,
    k: u32,
    include_school_name: bool,
    force: bool,
) -> Result<()> {
    // Bad usage is refused before a passphrase is asked for.
    let period = Period::parse(period)?;
    attune_export::disclosure::check_k(k)?;
    out_dir(out)?;
    let v = open(cli)?;
    let result = attune_export::export_audited(
        &v,
        &period,
        k,
        out,
        &ExportOptions {
            include_school_name,
            replace_existing: force,
        },
        now(),
    );
    v.lock("cli", now());
    let (files, audit) = result?;
    let closing = if audit.proved() {
        let mut text = format!(
            "No figure stands for fewer than {k} pupils; none withheld can be worked out from the totals."
        );
        if audit.already_known > 0 {
            text.push_str(&format!(
                "\n{} withheld here {} already published, or narrowed as far, by an earlier export of \
                 an overlapping period; this one tells nothing more about {}.",
                figures(audit.already_known),
                if audit.already_known == 1 { "was" } else { "were" },
                if audit.already_known == 1 { "it" } else { "them" },
            ));
        }
        text
    } else {
        let mut what: Vec<&str> = audit.unproved.iter().map(|u| u.what.as_str()).collect();
        what.dedup();
        format!(
            "No figure stands for fewer than {k} pupils, but the audit could not prove that these \
             withheld figures cannot be narrowed down from the others: {}.",
            what.join("; ")
        )
    };
    println!(
        "Wrote the anonymised summary of {} (k = {k}){}:\n  {}\n  {}\n  {}\n\
         {closing}\n\
         The leak guard found no name, identifier or date of birth from the vault in them.",
        period.label(),
        if include_school_name {
            ", naming the school"
        } else {
            ""
        },
        files.csv,
        files.json,
        files.html
    );
    Ok(())
}

/// `attune-admin merge-summaries FILE... --out DIR [--force]`
pub fn merge_summaries(files: &[PathBuf], out: &Path, force: bool) -> Result<()> {
    if files.len() < 2 {
        return Err(attune_export::Error::MergeNeedsFiles(files.len()).into());
    }
    out_dir(out)?;
    let report = attune_export::merge_with(
        files,
        out,
        &MergeOptions {
            replace_existing: force,
        },
    )?;
    println!(
        "Merged {} schools' summaries of {} ({} figures shown as bounds, where schools withheld figures):\n  {}\n  {}\n  {}",
        report.schools.len(),
        report.period,
        report.bounded_cells,
        report.files.csv,
        report.files.json,
        report.files.html
    );
    Ok(())
}

/// "1 figure", "3 figures".
fn figures(n: usize) -> String {
    if n == 1 {
        "1 figure".to_string()
    } else {
        format!("{n} figures")
    }
}
