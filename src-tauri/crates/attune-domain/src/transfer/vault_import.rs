//! Writing an [`ImportPreview`]'s pupils into the vault, in one transaction.

use attune_vault::progress::Work;
use attune_vault::{Action, Vault};
use chrono::{DateTime, Utc};

use crate::access;
use crate::error::{Error, Result};
use crate::model::LineError;
use crate::model::{IdentifierInput, ImportMode, ImportOutcome, PupilInput};
use crate::record::pupils;
use crate::transfer::import::{self, ColumnMapping, CsvHeader, ImportPreview};

/// The header row of a CSV file's content, for any signed-in user (it reads nothing of the vault).
pub fn read_header(vault: &Vault, text: &str) -> Result<CsvHeader> {
    access::actor(vault)?;
    import::read_header(text)
}

/// The column mapping guessed from a header row, for any signed-in user.
pub fn suggest_mapping(vault: &Vault, headers: &[String]) -> Result<ColumnMapping> {
    access::actor(vault)?;
    Ok(import::suggest_mapping(headers))
}

/// What an import of the CSV content would do with this mapping (strategic lead only; a
/// refusal is audited): the good rows, and every bad line with its number and reason, the
/// identifiers already in the vault counted as duplicates. Writes nothing.
pub fn parse(
    vault: &Vault,
    text: &str,
    mapping: &ColumnMapping,
    now: DateTime<Utc>,
) -> Result<ImportPreview> {
    let existing = pupils::existing_identifiers(vault, now)?;
    import::parse(text, mapping, &existing)
}

/// Imports the good rows of `preview` (strategic lead only), in one transaction.
///
/// Each good row is checked again as [`pupils::add_pupil`] would (care status and support level
/// against the school's lists, date of birth, identifiers against those now in the vault); a
/// row refused here joins the bad lines. With [`ImportMode::AllOrNothing`] nothing is written
/// when any line is bad; with [`ImportMode::GoodOnly`] the good rows are. Each pupil added is
/// audited as `pupil.import` with their new id.
pub fn import_pupils(
    vault: &mut Vault,
    preview: &ImportPreview,
    mode: ImportMode,
    now: DateTime<Utc>,
) -> Result<ImportOutcome> {
    run(vault, preview, mode, true, now, &Work::none())
}

/// [`import_pupils`], reporting to `work` ("checking" then "importing", by rows). Stopped
/// before its transaction commits, it rolls back: no pupil is imported, and it answers
/// `cancelled`. Once committed it is done (the last step), and no longer stops.
pub fn import_pupils_with(
    vault: &mut Vault,
    preview: &ImportPreview,
    mode: ImportMode,
    now: DateTime<Utc>,
    work: &Work<'_>,
) -> Result<ImportOutcome> {
    run(vault, preview, mode, true, now, work)
}

/// What [`import_pupils`] would do, writing nothing (strategic lead only): `imported` is how
/// many pupils would be added, `bad` every line that would be refused. Not audited.
pub fn check_import(
    vault: &mut Vault,
    preview: &ImportPreview,
    mode: ImportMode,
    now: DateTime<Utc>,
) -> Result<ImportOutcome> {
    run(vault, preview, mode, false, now, &Work::none())
}

fn run(
    vault: &mut Vault,
    preview: &ImportPreview,
    mode: ImportMode,
    write: bool,
    now: DateTime<Utc>,
    work: &Work<'_>,
) -> Result<ImportOutcome> {
    let user = access::require_lead(vault, Action::PupilImport, None, "import pupils", now)?;
    let mut bad: Vec<LineError> = preview.bad.clone();
    let mut checked = Vec::new();
    // Progress in rows: each good row is checked, then each checked one written.
    let rows = preview.good.len() as u64;
    let total = 2 * rows;
    {
        let conn = vault.conn()?;
        for (i, (line, p)) in preview.good.iter().enumerate() {
            work.step("checking", i as u64, total)?;
            let input = PupilInput {
                legal_forename: p.legal_forename.clone(),
                legal_surname: p.legal_surname.clone(),
                preferred_name: p.preferred_name.clone(),
                date_of_birth: p.date_of_birth,
                year_group: p.year_group.code(),
                identifiers: p
                    .identifiers
                    .iter()
                    .map(|i| IdentifierInput {
                        kind: i.kind(),
                        value: i.value().to_string(),
                    })
                    .collect(),
                care_status: p.care_status.clone(),
                support_level: p.support_level.clone(),
                relationship_start: None,
                relationship_planned_end: None,
            };
            let result = pupils::check_new(conn, &input, now.date_naive()).and_then(|c| {
                for id in &c.identifiers {
                    let taken: bool = conn.query_row(
                        "SELECT EXISTS (SELECT 1 FROM pupil_identifiers WHERE value = ?1)",
                        [id.value()],
                        |r| r.get(0),
                    )?;
                    if taken {
                        return Err(Error::Duplicate(format!(
                            "duplicate: a pupil with this {} is already in Attune",
                            id.kind().label()
                        )));
                    }
                }
                Ok(c)
            });
            match result {
                Ok(c) => checked.push(c),
                Err(e) => bad.push(LineError {
                    line: *line,
                    reason: lower_first(&e.to_string()),
                }),
            }
        }
    }
    bad.sort_by_key(|e| e.line);
    if mode == ImportMode::AllOrNothing && !bad.is_empty() {
        return Ok(ImportOutcome { imported: 0, bad });
    }
    if !write {
        return Ok(ImportOutcome {
            imported: checked.len(),
            bad,
        });
    }
    let tx = vault.conn_mut()?.transaction()?;
    for (i, c) in checked.iter().enumerate() {
        // Stopped here, `tx` is dropped unfinished: everything is rolled back.
        work.step("importing", rows + i as u64, total)?;
        let id = pupils::insert_by(&tx, c, Some(&user.id), now)?;
        access::record(
            &tx,
            &user,
            Action::PupilImport,
            Some(&access::target(id, None)),
            now,
        )?;
    }
    work.check()?;
    tx.commit()?;
    let _ = work.step("importing", total, total);
    Ok(ImportOutcome {
        imported: checked.len(),
        bad,
    })
}

fn lower_first(s: &str) -> String {
    let s = s.trim_end_matches('.');
    let mut c = s.chars();
    match c.next() {
        Some(f) if !s.starts_with("UPN") => f.to_lowercase().chain(c).collect(),
        Some(_) => s.to_string(),
        None => String::new(),
    }
}
