//! `sar`: the subject access document of one pupil, written to the file the user names (the
//! work is done by `attune_domain::transfer::sar`); `handover-export` and `handover-import`: a pupil's
//! handover pack (`attune_domain::transfer::handover`). This module reads options, writes files
//! atomically and prints where they went (never a record's content).

use std::path::{Path, PathBuf};

use attune_domain::transfer::handover_merge::{
    self, Comparison, IdentityField, MergeChoices, MergeCounts,
};
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
        let pack = handover::open_pack(&v, &bytes, &text, &fw, now())?;
        if let Some(held) = handover_merge::held_match(v.conn()?, &pack)? {
            return Err(Error::Failed(format!(
                "This pupil is already in the vault: pupil {held} has the pack's UPN or Scottish Candidate Number. Nothing was imported.\n\
                 To add the pack to their record, run again with --into {held} (add --dry-run first to see what would change)."
            )));
        }
        Ok(handover::import_opened(
            &mut v,
            &pack,
            key_adult_id.as_deref(),
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

/// The options of `handover-import --into`.
pub struct MergeArgs<'a> {
    pub take: &'a [String],
    pub confirm_date_of_birth: bool,
    pub dry_run: bool,
    pub names: bool,
}

/// What a merge adds, as a sentence's list ("1 plan (1 goal, 1 review), 2 sessions, …").
fn added_text(n: &MergeCounts) -> String {
    let mut parts = Vec::new();
    let plural = |k: u32, one: &str, many: &str| format!("{k} {}", if k == 1 { one } else { many });
    if n.plans > 0 {
        parts.push(format!(
            "{} ({}, {})",
            plural(n.plans, "plan", "plans"),
            plural(n.goals, "goal", "goals"),
            plural(n.reviews, "review", "reviews")
        ));
    }
    for (k, one, many) in [
        (n.sessions, "session", "sessions"),
        (n.chronology, "chronology event", "chronology events"),
        (n.scores, "score", "scores"),
        (n.indicators, "term's figures", "terms' figures"),
        (
            n.agency_advice,
            "piece of agency advice",
            "pieces of agency advice",
        ),
        (n.team_members, "team member", "team members"),
        (
            n.profile_fields,
            "\"about me\" field",
            "\"about me\" fields",
        ),
    ] {
        if k > 0 {
            parts.push(plural(k, one, many));
        }
    }
    if parts.is_empty() {
        "nothing".into()
    } else {
        parts.join(", ")
    }
}

/// `attune-admin handover-import FILE --into PUPIL_ID [--take FIELD]... [--dry-run]`: adds a
/// handover pack to a pupil already held (or, with --dry-run, says what that would do).
pub fn handover_merge(
    cli: &Cli,
    file: &Path,
    into: i64,
    args: &MergeArgs<'_>,
    passphrase_file: Option<&Path>,
) -> Result<()> {
    let mut take = Vec::new();
    for t in args.take {
        let f = IdentityField::parse(t).ok_or_else(|| {
            Error::Usage(format!(
                "--take {t}: not a field Attune knows. Use one of: {}.",
                IdentityField::ALL
                    .iter()
                    .map(|f| f.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        take.push(f);
    }
    let bytes = std::fs::read(file)
        .map_err(|e| Error::Usage(format!("cannot read {}: {e}", file.display())))?;
    handover::inspect(&bytes)?;
    let mut v = open(cli)?;
    let result = (|| -> Result<String> {
        let text = Zeroizing::new(read_secret(
            passphrase_file,
            "ATTUNE_HANDOVER_PASSPHRASE",
            "Handover passphrase: ",
        )?);
        let fw = school_frameworks::list_frameworks(&v)?;
        let pack = handover::open_pack(&v, &bytes, &text, &fw, now())?;
        if args.dry_run {
            let p = handover_merge::preview_handover_into(&v, &pack, Some(into), now())?;
            return Ok(preview_text(&p, &take, args.names));
        }
        let out = handover_merge::merge_handover(
            &mut v,
            &pack,
            Some(into),
            &MergeChoices {
                take: take.clone(),
                confirm_date_of_birth: args.confirm_date_of_birth,
            },
            now().date_naive(),
            now(),
        )?;
        let taken = if out.taken.is_empty() {
            "No identity field was taken from the pack: the held ones were kept.".to_string()
        } else {
            format!(
                "Taken from the pack: {}. Every other identity field was kept as held.",
                out.taken
                    .iter()
                    .map(|f| f.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let mut said = format!(
            "Added the handover pack to pupil {into}: {}.\n{taken}",
            added_text(&out.counts)
        );
        if out.counts.kept_as_held > 0 {
            said.push_str(&format!(
                "\nKept as held (the pack's not added): {} term figures or \"about me\" fields this record already has.",
                out.counts.kept_as_held
            ));
        }
        if out.counts.already_held > 0 {
            said.push_str(&format!(
                "\nAlready in the record, not added again: {}.",
                out.counts.already_held
            ));
        }
        said.push_str("\nThe sending school's entries show no \"recorded by\"; a chronology event dated today says what was added.");
        Ok(said)
    })();
    v.lock("cli", now());
    println!("{}", result?);
    Ok(())
}

/// The dry run's report: the identity fields side by side, then what would be added.
fn preview_text(p: &handover_merge::MergePreview, take: &[IdentityField], names: bool) -> String {
    let mut out = format!(
        "Dry run: adding the handover pack to pupil {} would do this. Nothing was written.\n\n",
        p.pupil_id
    );
    let hidden = |f: IdentityField| {
        !names
            && matches!(
                f,
                IdentityField::LegalForename
                    | IdentityField::LegalSurname
                    | IdentityField::PreferredName
                    | IdentityField::DateOfBirth
            )
    };
    let show = |f: IdentityField, v: &Option<String>| match v {
        None => "-".to_string(),
        Some(_) if hidden(f) => "(hidden)".to_string(),
        Some(s) => s.clone(),
    };
    out.push_str(&format!(
        "{:<27} {:<24} {:<24} {}\n",
        "Field", "In the pack", "Held here", "Comparison"
    ));
    for c in &p.fields {
        let cmp = match c.comparison {
            Comparison::Same => "same",
            Comparison::Different => "different",
            Comparison::OnlyInPack => "only in the pack",
            Comparison::OnlyHeld => "only held",
            Comparison::Neither => "neither",
        };
        let what = if !c.choosable {
            c.note
                .as_ref()
                .map(|n| format!(" (cannot be taken: {n})"))
                .unwrap_or_default()
        } else if take.contains(&c.field) {
            " -> the pack's would be taken".to_string()
        } else {
            format!(
                " -> held kept (--take {} to take the pack's)",
                c.field.name()
            )
        };
        out.push_str(&format!(
            "{:<27} {:<24} {:<24} {cmp}{what}\n",
            c.label,
            show(c.field, &c.pack),
            show(c.field, &c.held)
        ));
    }
    out.push_str(&format!("\nWould add: {}.\n", added_text(&p.counts)));
    if p.counts.kept_as_held > 0 {
        out.push_str(&format!(
            "Kept as held (the pack's not added): {}.\n",
            p.counts.kept_as_held
        ));
    }
    if p.counts.already_held > 0 {
        out.push_str(&format!(
            "Already in the record, not added again: {}.\n",
            p.counts.already_held
        ));
    }
    if p.pack_plan_becomes_history {
        out.push_str("The pupil's current plan stays current; the pack's active plan would be added as closed (history).\n");
    }
    if p.date_of_birth_differs {
        out.push_str("The dates of birth differ: check that this is the same child, then add --confirm-date-of-birth to merge.\n");
    }
    if p.already_merged {
        out.push_str(
            "This pack has already been added to this pupil: merging it again would be refused.\n",
        );
    }
    out
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
