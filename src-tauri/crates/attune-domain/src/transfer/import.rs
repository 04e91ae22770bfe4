//! Pupil import from a CSV file exported by the school's MIS (SIMS, Arbor, SEEMiS and the like).
//!
//! The steps the UI (and `attune-admin import-pupils`) take:
//!
//! 1. [`read_header`] finds the header row and the columns' names;
//! 2. [`suggest_mapping`] guesses which column holds which of our fields ([`PupilField`]) from
//!    common header names, and the person confirms or corrects the [`ColumnMapping`];
//! 3. [`parse`] checks every row and returns an [`ImportPreview`]: the good rows as [`NewPupil`]s
//!    and every bad row with its line number and reason. Nothing is written here: the vault imports
//!    the good rows, or none when any is bad, as the person chooses.
//!
//! # Rules
//!
//! - **Line numbers** are rows as a spreadsheet shows them, counting from 1: the header row is
//!   line 1 (or the row it is on, when an export puts a title above it), blank lines count, and a
//!   quoted value spanning several physical lines is one row.
//! - **Text**: a UTF-8 byte order mark is ignored; CRLF and LF line ends both work; quoted fields
//!   may hold commas, quotes and line breaks; the delimiter is a comma, or a semicolon or tab when
//!   the header row clearly uses one. Names are kept exactly as written apart from surrounding
//!   spaces: apostrophes, hyphens, accents and non-Latin scripts are never altered.
//! - **Required**: legal forename, legal surname, date of birth and year group. A pupil may have
//!   any of a UPN, a Scottish Candidate Number and a local id, or none.
//! - **Dates of birth** are read by [`crate::rules::dates::parse_date`]: day first
//!   (`03/04/2015` is 3 April), unless the column as a whole is month first, which is decided only
//!   when some date in it makes sense only month first (`12/25/2015`) and none only day first
//!   (`25/12/2015`); [`ImportPreview::date_order`] says which was used. A date impossible either way
//!   (`13/25/2015`) is refused.
//! - **Year groups** are read by [`YearGroup::parse`] (R, N1, N2, 1–14, P1–P7, S1–S6).
//! - **Duplicates**: an identifier (UPN, SCN or local id, compared by its normalised value
//!   regardless of kind) already in the vault (`existing_identifiers`), or already used by an
//!   earlier row of the file; for rows with no identifier at all, the same legal name and date of
//!   birth as an earlier such row. The first row is kept and the later one is refused.
//! - Rows whose every cell is empty (spreadsheets add them at the end) are ignored.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::LineError;
use crate::rules::dates::{order_evidence, parse_date, DateOrder, OrderEvidence};
use crate::rules::identifiers::{self, IdentifierKind, PupilIdentifier};
use crate::rules::year_group::YearGroup;

/// How many rows from the top [`read_header`] looks through for the header row.
pub const HEADER_SEARCH_ROWS: usize = 10;

/// A field of a pupil that a CSV column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum PupilField {
    /// Legal forename (required).
    LegalForename,
    /// Legal surname (required).
    LegalSurname,
    /// Preferred forename.
    PreferredName,
    /// Date of birth (required).
    DateOfBirth,
    /// Year group (required).
    YearGroup,
    /// England's UPN.
    Upn,
    /// Scottish Candidate Number.
    Scn,
    /// The school's own id.
    LocalId,
    /// Care status (looked after, previously looked after, …), as the school's list names it.
    CareStatus,
    /// Support level (Universal, Additional, Intensive, or the school's own).
    SupportLevel,
}

impl PupilField {
    /// Every field, in the order the mapping screen shows them.
    pub const ALL: [PupilField; 10] = [
        PupilField::LegalForename,
        PupilField::LegalSurname,
        PupilField::PreferredName,
        PupilField::DateOfBirth,
        PupilField::YearGroup,
        PupilField::Upn,
        PupilField::Scn,
        PupilField::LocalId,
        PupilField::CareStatus,
        PupilField::SupportLevel,
    ];

    /// How the field is named to a person ("legal forename").
    pub fn label(self) -> &'static str {
        match self {
            PupilField::LegalForename => "legal forename",
            PupilField::LegalSurname => "legal surname",
            PupilField::PreferredName => "preferred name",
            PupilField::DateOfBirth => "date of birth",
            PupilField::YearGroup => "year group",
            PupilField::Upn => "UPN",
            PupilField::Scn => "Scottish Candidate Number",
            PupilField::LocalId => "local id",
            PupilField::CareStatus => "care status",
            PupilField::SupportLevel => "support level",
        }
    }

    /// Whether every row must have it.
    pub fn required(self) -> bool {
        matches!(
            self,
            PupilField::LegalForename
                | PupilField::LegalSurname
                | PupilField::DateOfBirth
                | PupilField::YearGroup
        )
    }

    /// Header names recognised for the field, compared lowercased with everything but letters
    /// and digits removed; earlier ones win when a file has several.
    fn header_names(self) -> &'static [&'static str] {
        match self {
            PupilField::LegalForename => &[
                "legalforename",
                "legalfirstname",
                "legalgivenname",
                "forename",
                "forenames",
                "firstname",
                "givenname",
                "pupilforename",
                "studentforename",
                "childforename",
            ],
            PupilField::LegalSurname => &[
                "legalsurname",
                "legallastname",
                "surname",
                "lastname",
                "familyname",
                "pupilsurname",
                "studentsurname",
                "childsurname",
            ],
            PupilField::PreferredName => &[
                "preferredforename",
                "preferredfirstname",
                "preferredname",
                "preferredgivenname",
                "knownas",
                "chosenname",
            ],
            PupilField::DateOfBirth => &["dateofbirth", "dob", "birthdate", "birthday"],
            PupilField::YearGroup => &[
                "yeargroup",
                "ncyear",
                "ncyearactual",
                "curriculumyear",
                "year",
                "yr",
                "stage",
            ],
            PupilField::Upn => &["upn", "uniquepupilnumber", "pupilupn"],
            PupilField::Scn => &["scn", "scottishcandidatenumber", "candidatenumber"],
            PupilField::LocalId => &[
                "localid",
                "admissionnumber",
                "adno",
                "admno",
                "pupilid",
                "studentid",
                "misid",
                "pupilnumber",
                "id",
            ],
            PupilField::CareStatus => &[
                "carestatus",
                "lookedafterstatus",
                "lookedafter",
                "incare",
                "cla",
                "lac",
            ],
            PupilField::SupportLevel => &["supportlevel", "attachmentsupportlevel", "level"],
        }
    }
}

/// Which column (0-based index) holds each of our fields; `None` when the file has no such column.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ColumnMapping {
    /// Legal forename.
    pub legal_forename: Option<usize>,
    /// Legal surname.
    pub legal_surname: Option<usize>,
    /// Preferred name.
    pub preferred_name: Option<usize>,
    /// Date of birth.
    pub date_of_birth: Option<usize>,
    /// Year group.
    pub year_group: Option<usize>,
    /// UPN.
    pub upn: Option<usize>,
    /// Scottish Candidate Number.
    pub scn: Option<usize>,
    /// Local id.
    pub local_id: Option<usize>,
    /// Care status.
    pub care_status: Option<usize>,
    /// Support level.
    pub support_level: Option<usize>,
}

impl ColumnMapping {
    /// The column chosen for a field.
    pub fn get(&self, field: PupilField) -> Option<usize> {
        match field {
            PupilField::LegalForename => self.legal_forename,
            PupilField::LegalSurname => self.legal_surname,
            PupilField::PreferredName => self.preferred_name,
            PupilField::DateOfBirth => self.date_of_birth,
            PupilField::YearGroup => self.year_group,
            PupilField::Upn => self.upn,
            PupilField::Scn => self.scn,
            PupilField::LocalId => self.local_id,
            PupilField::CareStatus => self.care_status,
            PupilField::SupportLevel => self.support_level,
        }
    }

    /// Chooses (or clears) the column for a field.
    pub fn set(&mut self, field: PupilField, column: Option<usize>) {
        let slot = match field {
            PupilField::LegalForename => &mut self.legal_forename,
            PupilField::LegalSurname => &mut self.legal_surname,
            PupilField::PreferredName => &mut self.preferred_name,
            PupilField::DateOfBirth => &mut self.date_of_birth,
            PupilField::YearGroup => &mut self.year_group,
            PupilField::Upn => &mut self.upn,
            PupilField::Scn => &mut self.scn,
            PupilField::LocalId => &mut self.local_id,
            PupilField::CareStatus => &mut self.care_status,
            PupilField::SupportLevel => &mut self.support_level,
        };
        *slot = column;
    }

    /// Checks the mapping against a file's header: every required field has a column, every
    /// column chosen exists, and no column is chosen for two fields.
    pub fn validate(&self, headers: &[String]) -> Result<()> {
        let mut used: HashMap<usize, PupilField> = HashMap::new();
        for field in PupilField::ALL {
            match self.get(field) {
                None if field.required() => {
                    return Err(Error::ImportMapping {
                        reason: format!("choose the column that holds the {}", field.label()),
                    })
                }
                None => {}
                Some(column) if column >= headers.len() => {
                    let reason = format!(
                        "the column chosen for the {} is column {}, but the file has {} columns",
                        field.label(),
                        column + 1,
                        headers.len()
                    );
                    return Err(Error::ImportMapping { reason });
                }
                Some(column) => {
                    if let Some(other) = used.insert(column, field) {
                        return Err(Error::ImportMapping {
                            reason: format!(
                                "the column {:?} is chosen for both the {} and the {}",
                                headers[column],
                                other.label(),
                                field.label()
                            ),
                        });
                    }
                }
            }
        }
        Ok(())
    }
}

/// Guesses the mapping from a header row, recognising common MIS header names ("Legal Forename",
/// "Forename", "First Name", "Surname", "Preferred Forename", "DOB", "Date of Birth", "Year",
/// "Year Group", "NC Year", "UPN", "Candidate Number", "SCN", "Adno", …). Case, spaces and
/// punctuation are ignored; a column is used for one field at most.
pub fn suggest_mapping(headers: &[String]) -> ColumnMapping {
    let normalised: Vec<String> = headers.iter().map(|h| normalise_header(h)).collect();
    let mut mapping = ColumnMapping::default();
    let mut used = HashSet::new();
    for field in PupilField::ALL {
        let found = field.header_names().iter().find_map(|name| {
            normalised
                .iter()
                .enumerate()
                .find(|(i, h)| h.as_str() == *name && !used.contains(i))
                .map(|(i, _)| i)
        });
        if let Some(column) = found {
            used.insert(column);
            mapping.set(field, Some(column));
        }
    }
    mapping
}

fn normalise_header(header: &str) -> String {
    header
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn recognised_fields(headers: &[String]) -> usize {
    let m = suggest_mapping(headers);
    PupilField::ALL
        .iter()
        .filter(|f| m.get(**f).is_some())
        .count()
}

/// A file's header row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct CsvHeader {
    /// The line (spreadsheet row) it is on, from 1; 0 when the file has no header row and data
    /// starts on line 1.
    pub line: usize,
    /// The column names, trimmed ("Column 1", "Column 2", … when the file has no header row).
    pub headers: Vec<String>,
}

/// A new pupil read from one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct NewPupil {
    /// Legal forename, exactly as written (surrounding spaces removed).
    pub legal_forename: String,
    /// Legal surname, exactly as written.
    pub legal_surname: String,
    /// Preferred forename, when given.
    pub preferred_name: Option<String>,
    /// Date of birth.
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub date_of_birth: NaiveDate,
    /// Year group, as its code ("Y5", "R", "P3").
    #[ts(type = "string")]
    pub year_group: YearGroup,
    /// UPN, SCN and local id, in that order, for those given.
    #[ts(as = "Vec<crate::model::IdentifierInput>")]
    pub identifiers: Vec<PupilIdentifier>,
    /// Care status as written; the vault matches it against the school's list.
    pub care_status: Option<String>,
    /// Support level as written; the vault matches it against the school's list.
    pub support_level: Option<String>,
}

/// What an import would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ImportPreview {
    /// Rows that can be imported, with their line numbers.
    pub good: Vec<(usize, NewPupil)>,
    /// Rows that cannot, with their line numbers and reasons, in line order.
    pub bad: Vec<LineError>,
    /// How numeric dates of birth were read.
    pub date_order: DateOrder,
    /// The header row's line.
    pub header_line: usize,
}

impl ImportPreview {
    /// True when every row can be imported.
    pub fn all_good(&self) -> bool {
        self.bad.is_empty()
    }
}

/// A row of the file with its spreadsheet line number.
struct Row {
    line: usize,
    cells: Vec<String>,
}

fn read_rows(text: &str) -> Result<Vec<Row>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(detect_delimiter(text))
        .from_reader(text.as_bytes());
    let bytes = text.as_bytes();
    let mut rows = Vec::new();
    // Newlines counted in `bytes[..counted_to]`, and the extra physical lines taken by values
    // that span several lines: a spreadsheet shows such a record as one row.
    let (mut newlines, mut counted_to, mut extra_lines) = (0usize, 0usize, 0usize);
    let mut record = csv::StringRecord::new();
    loop {
        let more = reader
            .read_record(&mut record)
            .map_err(|_| Error::ImportCsv {
                line: newlines + 1 - extra_lines,
                reason: "this file cannot be read as CSV".into(),
            })?;
        if !more {
            break;
        }
        // The reader's own line numbers depend on the line ending, so work from byte offsets: a
        // record's position may include the line ends (and blank lines) before it.
        let mut first = record.position().map_or(counted_to, |p| p.byte() as usize);
        while first < bytes.len() && matches!(bytes[first], b'\r' | b'\n') {
            first += 1;
        }
        if first > counted_to {
            newlines += bytes[counted_to..first]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            counted_to = first;
        }
        let row_number = newlines + 1 - extra_lines;
        extra_lines += record
            .iter()
            .map(|f| f.matches('\n').count())
            .sum::<usize>();
        let cells: Vec<String> = record.iter().map(str::to_string).collect();
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        rows.push(Row {
            line: row_number,
            cells,
        });
    }
    if rows.is_empty() {
        return Err(Error::ImportEmpty);
    }
    Ok(rows)
}

/// A comma, unless the first line has more semicolons or tabs (outside quotes) than commas.
fn detect_delimiter(text: &str) -> u8 {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for b in first.bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            for (d, n) in counts.iter_mut() {
                if *d == b {
                    *n += 1;
                }
            }
        }
    }
    let (best, n) = counts
        .iter()
        .copied()
        .max_by_key(|&(d, n)| (n, d == b','))
        .unwrap_or((b',', 0));
    if n == 0 {
        b','
    } else {
        best
    }
}

fn header_of(rows: &[Row]) -> (CsvHeader, usize) {
    let trimmed = |r: &Row| {
        r.cells
            .iter()
            .map(|c| c.trim().to_string())
            .collect::<Vec<_>>()
    };
    // The first of the top rows naming at least two of our fields.
    for (i, row) in rows.iter().take(HEADER_SEARCH_ROWS).enumerate() {
        let headers = trimmed(row);
        if recognised_fields(&headers) >= 2 {
            return (
                CsvHeader {
                    line: row.line,
                    headers,
                },
                i + 1,
            );
        }
    }
    // Otherwise the first row, unless it already looks like data (a date or a UPN).
    let first = &rows[0];
    let looks_like_data = first.cells.iter().any(|c| {
        let c = c.trim();
        parse_date(c, DateOrder::DayFirst).is_ok()
            || identifiers::parse(IdentifierKind::Upn, c).is_ok()
    });
    if looks_like_data {
        let width = rows.iter().map(|r| r.cells.len()).max().unwrap_or(0);
        let headers = (1..=width).map(|i| format!("Column {i}")).collect();
        (CsvHeader { line: 0, headers }, 0)
    } else {
        (
            CsvHeader {
                line: first.line,
                headers: trimmed(first),
            },
            1,
        )
    }
}

/// Finds the header row: the first of the top [`HEADER_SEARCH_ROWS`] rows that names at least two
/// of our fields (so a title row above the header is skipped), else the first row — unless it holds
/// a date or a UPN, in which case the file has no header row and the columns are called
/// "Column 1", "Column 2", ….
pub fn read_header(text: &str) -> Result<CsvHeader> {
    let rows = read_rows(text)?;
    Ok(header_of(&rows).0)
}

/// Checks every row of the file with the given mapping. `existing_identifiers` holds the
/// normalised value ([`PupilIdentifier::value`]) of every identifier already in the vault.
///
/// Fails as a whole only when the file has no rows or the mapping does not fit the file
/// ([`ColumnMapping::validate`]); a bad row is reported in [`ImportPreview::bad`].
pub fn parse(
    text: &str,
    mapping: &ColumnMapping,
    existing_identifiers: &HashSet<String>,
) -> Result<ImportPreview> {
    let rows = read_rows(text)?;
    let (header, data_from) = header_of(&rows);
    mapping.validate(&header.headers)?;
    let data = &rows[data_from..];

    let cell = |row: &Row, field: PupilField| -> Option<String> {
        mapping
            .get(field)
            .and_then(|i| row.cells.get(i))
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
            .map(str::to_string)
    };

    let date_order = {
        let (mut day_first, mut month_first) = (0, 0);
        for row in data {
            match cell(row, PupilField::DateOfBirth).map(|d| order_evidence(&d)) {
                Some(OrderEvidence::OnlyDayFirst) => day_first += 1,
                Some(OrderEvidence::OnlyMonthFirst) => month_first += 1,
                _ => {}
            }
        }
        if month_first > 0 && day_first == 0 {
            DateOrder::MonthFirst
        } else {
            DateOrder::DayFirst
        }
    };

    let mut preview = ImportPreview {
        good: Vec::new(),
        bad: Vec::new(),
        date_order,
        header_line: header.line,
    };
    let mut seen_identifiers: HashMap<String, usize> = HashMap::new();
    let mut seen_names: HashMap<(String, String, NaiveDate), usize> = HashMap::new();

    for row in data {
        let mut reasons: Vec<String> = Vec::new();
        let mut required = |field: PupilField| {
            let value = cell(row, field);
            if value.is_none() {
                reasons.push(format!("missing {}", field.label()));
            }
            value
        };
        let forename = required(PupilField::LegalForename);
        let surname = required(PupilField::LegalSurname);
        let dob_text = required(PupilField::DateOfBirth);
        let year_text = required(PupilField::YearGroup);

        let dob = dob_text.and_then(|t| match parse_date(&t, date_order) {
            Ok(d) => Some(d),
            Err(e) => {
                reasons.push(format!("date of birth: {e}"));
                None
            }
        });
        let year_group = year_text.and_then(|t| match YearGroup::parse(&t) {
            Ok(y) => Some(y),
            Err(e) => {
                reasons.push(e.to_string());
                None
            }
        });

        let mut ids = Vec::new();
        for (field, kind, prefix) in [
            (PupilField::Upn, IdentifierKind::Upn, "UPN: "),
            (PupilField::Scn, IdentifierKind::ScottishCandidateNumber, ""),
            (PupilField::LocalId, IdentifierKind::Local, ""),
        ] {
            if let Some(text) = cell(row, field) {
                match identifiers::parse(kind, &text) {
                    Ok(id) => ids.push(id),
                    Err(e) => reasons.push(format!("{prefix}{e}")),
                }
            }
        }
        for id in &ids {
            let label = id.kind().label();
            if existing_identifiers.contains(id.value()) {
                reasons.push(format!(
                    "duplicate: a pupil with this {label} is already in Attune"
                ));
            } else if let Some(&first) = seen_identifiers.get(id.value()) {
                reasons.push(format!("duplicate: the same {label} as line {first}"));
            } else {
                seen_identifiers.insert(id.value().to_string(), row.line);
            }
        }
        if ids.is_empty() {
            if let (Some(f), Some(s), Some(d)) = (&forename, &surname, dob) {
                let key = (f.to_lowercase(), s.to_lowercase(), d);
                match seen_names.get(&key) {
                    Some(&first) => reasons.push(format!(
                        "duplicate: the same name and date of birth as line {first}, and no identifier to tell them apart"
                    )),
                    None => {
                        seen_names.insert(key, row.line);
                    }
                }
            }
        }

        match (forename, surname, dob, year_group) {
            (Some(legal_forename), Some(legal_surname), Some(date_of_birth), Some(year_group))
                if reasons.is_empty() =>
            {
                preview.good.push((
                    row.line,
                    NewPupil {
                        legal_forename,
                        legal_surname,
                        preferred_name: cell(row, PupilField::PreferredName),
                        date_of_birth,
                        year_group,
                        identifiers: ids,
                        care_status: cell(row, PupilField::CareStatus),
                        support_level: cell(row, PupilField::SupportLevel),
                    },
                ))
            }
            _ => preview.bad.push(LineError {
                line: row.line,
                reason: reasons.join("; "),
            }),
        }
    }
    Ok(preview)
}

/// For every data row of the file, its line and the normalised values of those of its
/// identifiers that read correctly (the update from the MIS uses it to know which pupils a bad
/// line still names, so that none of them is offered as having left).
pub(crate) fn identifiers_by_line(
    text: &str,
    mapping: &ColumnMapping,
) -> Result<Vec<(usize, Vec<String>)>> {
    let rows = read_rows(text)?;
    let (_, data_from) = header_of(&rows);
    Ok(rows[data_from..]
        .iter()
        .map(|row| {
            let ids = [
                (PupilField::Upn, IdentifierKind::Upn),
                (PupilField::Scn, IdentifierKind::ScottishCandidateNumber),
                (PupilField::LocalId, IdentifierKind::Local),
            ]
            .into_iter()
            .filter_map(|(field, kind)| {
                let text = row.cells.get(mapping.get(field)?)?.trim();
                identifiers::parse(kind, text)
                    .ok()
                    .map(|id| id.value().to_string())
            })
            .collect();
            (row.line, ids)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn preview(text: &str) -> ImportPreview {
        let header = read_header(text).unwrap();
        let mapping = suggest_mapping(&header.headers);
        parse(text, &mapping, &HashSet::new()).unwrap()
    }

    fn bad(p: &ImportPreview) -> Vec<(usize, &str)> {
        p.bad.iter().map(|e| (e.line, e.reason.as_str())).collect()
    }

    const SIMS: &str = "\
UPN,Legal Surname,Legal Forename,Preferred Surname,Preferred Forename,DOB,Year,Adno
H801200001001,O'Brien,Siobhán,O'Brien,Shiv,03/03/2015,Year 5,001234
Y201200015001,Smith-Jones,Zoë,,,2016-09-30,4,001235
M823456719123,Nowak,Łukasz,,,01/09/2014,6,001236
L823456719123,Chen,陈,,,13/25/2015,3,001237
J99900012600K,Hassan,محمد,,,3 March 2015,R,001238
,Khan,,,,05/06/2015,15,001239
H801200001001,Taylor,Amy,,,04/04/2015,5,001240
";

    #[test]
    fn a_sims_file_gives_exactly_the_expected_line_errors() {
        let p = preview(SIMS);
        assert_eq!(p.header_line, 1);
        assert_eq!(p.date_order, DateOrder::DayFirst);
        assert_eq!(
            p.good.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
            vec![2, 3, 6]
        );
        assert_eq!(
            bad(&p),
            vec![
                (4, "UPN: check letter should be L, not M"),
                (5, "date of birth: there is no month 25 (dates are read as day/month/year)"),
                (
                    7,
                    "missing legal forename; year group \"15\" is out of range: use R (Reception), N1 or N2 \
                     (nursery), 1 to 14, P1 to P7 or S1 to S6"
                ),
                (8, "duplicate: the same UPN as line 2"),
            ]
        );
        let (_, first) = &p.good[0];
        assert_eq!(
            first,
            &NewPupil {
                legal_forename: "Siobhán".into(),
                legal_surname: "O'Brien".into(),
                preferred_name: Some("Shiv".into()),
                date_of_birth: date!(2015 - 03 - 03),
                year_group: YearGroup::Year(5),
                identifiers: vec![
                    PupilIdentifier::Upn("H801200001001".into()),
                    PupilIdentifier::Local("001234".into())
                ],
                care_status: None,
                support_level: None,
            }
        );
        let (_, temp) = &p.good[2];
        assert!(temp.identifiers[0].is_temporary_upn());
        assert_eq!(temp.year_group, YearGroup::Reception);
        assert_eq!(temp.date_of_birth, date!(2015 - 03 - 03));
    }

    #[test]
    fn duplicates_against_the_vault() {
        let header = read_header(SIMS).unwrap();
        let mapping = suggest_mapping(&header.headers);
        let existing: HashSet<String> = ["Y201200015001".to_string(), "001238".to_string()].into();
        let p = parse(SIMS, &mapping, &existing).unwrap();
        assert_eq!(p.good.iter().map(|(l, _)| *l).collect::<Vec<_>>(), vec![2]);
        let reasons = bad(&p);
        assert_eq!(
            reasons.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
            vec![3, 4, 5, 6, 7, 8]
        );
        assert_eq!(
            reasons[0],
            (3, "duplicate: a pupil with this UPN is already in Attune")
        );
        assert_eq!(
            reasons[3],
            (
                6,
                "duplicate: a pupil with this local id is already in Attune"
            )
        );
    }

    #[test]
    fn names_in_any_script_survive_exactly() {
        let names = [
            ("Siobhán", "O'Brien"),
            ("Anne-Marie", "Smith-Jones"),
            ("Zoë", "Brontë"),
            ("Łukasz", "Wąsowski"),
            ("陈", "李"),
            ("محمد", "عبد الله"),
            ("José María", "de la Cruz, Jr"),
            ("Dylan \"DJ\"", "Jones"),
        ];
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer
            .write_record(["Forename", "Surname", "Date of Birth", "Year Group"])
            .unwrap();
        for (f, s) in names {
            writer.write_record([f, s, "01/02/2016", "4"]).unwrap();
        }
        let text = String::from_utf8(writer.into_inner().unwrap()).unwrap();
        let p = preview(&text);
        assert!(p.all_good(), "{:?}", p.bad);
        let read: Vec<(&str, &str)> = p
            .good
            .iter()
            .map(|(_, n)| (n.legal_forename.as_str(), n.legal_surname.as_str()))
            .collect();
        assert_eq!(read, names.to_vec());
        // And through JSON to the UI and back.
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<ImportPreview>(&json).unwrap(), p);
        assert!(json.contains("\"date_of_birth\":\"2016-02-01\""));
        assert!(json.contains("\"year_group\":\"Y4\""));
    }

    #[test]
    fn bom_crlf_quotes_and_blank_lines() {
        let text = "\u{feff}\"Surname\",\"Forename\",\"DOB\",\"NC Year\",\"Care status\"\r\n\
                    \"O'Brien, Jr\",Seán,03/03/2015,5,\"Looked after, by LA\"\r\n\
                    \r\n\
                    Smith,\"Amy\nMay\",04/04/2015,5,\r\n\
                    Jones,,05/05/2015,5,\r\n\
                    ,,,,\r\n";
        let p = preview(text);
        assert_eq!(p.header_line, 1);
        assert_eq!(p.good.len(), 2);
        let (line, first) = &p.good[0];
        assert_eq!(*line, 2);
        assert_eq!(first.legal_surname, "O'Brien, Jr");
        assert_eq!(first.legal_forename, "Seán");
        assert_eq!(first.care_status.as_deref(), Some("Looked after, by LA"));
        // The blank line 3 counts; the quoted line break keeps "Amy\nMay" as one row (line 4).
        let (line, second) = &p.good[1];
        assert_eq!(*line, 4);
        assert_eq!(second.legal_forename, "Amy\nMay");
        assert_eq!(bad(&p), vec![(5, "missing legal forename")]);
    }

    #[test]
    fn line_numbers_are_the_same_whatever_the_line_ends() {
        let lf = "\n\nForename,Surname,DOB,Year\nAmy,Taylor,04/04/2015,5\n\n\nBen,\"Jones\nSmith\",04/04/2015,5\nCat,,04/04/2015,5\n  \nDan,,04/04/2015,5";
        let crlf = lf.replace('\n', "\r\n");
        for text in [lf.to_string(), crlf] {
            let p = preview(&text);
            assert_eq!(p.header_line, 3);
            assert_eq!(
                p.good.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
                vec![4, 7],
                "{text:?}"
            );
            assert_eq!(
                bad(&p),
                vec![(8, "missing legal surname"), (10, "missing legal surname")],
                "{text:?}"
            );
        }
    }

    #[test]
    fn title_rows_above_the_header_are_skipped_and_counted() {
        let text = "Pupil list export,,,\nPrinted by SIMS,,,\nForename,Surname,Date of Birth,Year Group\nAmy,Taylor,04/04/2015,Y5\nBen,,04/04/2015,Y5\n";
        let header = read_header(text).unwrap();
        assert_eq!(header.line, 3);
        assert_eq!(
            header.headers,
            strings(&["Forename", "Surname", "Date of Birth", "Year Group"])
        );
        let p = preview(text);
        assert_eq!(p.header_line, 3);
        assert_eq!(p.good[0].0, 4);
        assert_eq!(bad(&p), vec![(5, "missing legal surname")]);
    }

    #[test]
    fn a_file_without_a_header_row() {
        let text = "Taylor,Amy,04/04/2015,5\nJones,Ben,05/05/2015,6\n";
        let header = read_header(text).unwrap();
        assert_eq!(header.line, 0);
        assert_eq!(
            header.headers,
            strings(&["Column 1", "Column 2", "Column 3", "Column 4"])
        );
        let mapping = ColumnMapping {
            legal_surname: Some(0),
            legal_forename: Some(1),
            date_of_birth: Some(2),
            year_group: Some(3),
            ..ColumnMapping::default()
        };
        let p = parse(text, &mapping, &HashSet::new()).unwrap();
        assert_eq!(
            p.good
                .iter()
                .map(|(l, n)| (*l, n.legal_forename.as_str()))
                .collect::<Vec<_>>(),
            vec![(1, "Amy"), (2, "Ben")]
        );
    }

    #[test]
    fn semicolon_and_tab_delimited_files() {
        let semi = "Forename;Surname;DOB;Year\nAmy;Taylor;04/04/2015;5\n";
        assert_eq!(preview(semi).good[0].1.legal_surname, "Taylor");
        let tab = "Forename\tSurname\tDOB\tYear\nAmy\tTaylor, Jr\t04/04/2015\t5\n";
        assert_eq!(preview(tab).good[0].1.legal_surname, "Taylor, Jr");
    }

    #[test]
    fn us_dates_are_read_month_first_only_when_the_column_says_so() {
        let us = "Forename,Surname,DOB,Year\nA,One,12/25/2015,5\nB,Two,03/04/2015,5\n";
        let p = preview(us);
        assert_eq!(p.date_order, DateOrder::MonthFirst);
        assert_eq!(p.good[0].1.date_of_birth, date!(2015 - 12 - 25));
        assert_eq!(p.good[1].1.date_of_birth, date!(2015 - 03 - 04));

        // Mixed evidence: day first, and the month-first-only date is refused.
        let mixed = "Forename,Surname,DOB,Year\nA,One,12/25/2015,5\nB,Two,25/12/2015,5\nC,Three,03/04/2015,5\n";
        let p = preview(mixed);
        assert_eq!(p.date_order, DateOrder::DayFirst);
        assert_eq!(
            bad(&p),
            vec![(
                2,
                "date of birth: there is no month 25 (dates are read as day/month/year)"
            )]
        );
        assert_eq!(p.good[1].1.date_of_birth, date!(2015 - 04 - 03));

        // Impossible either way.
        let p = preview("Forename,Surname,DOB,Year\nA,One,13/25/2015,5\n");
        assert_eq!(
            bad(&p),
            vec![(
                2,
                "date of birth: there is no month 25 (dates are read as day/month/year)"
            )]
        );
    }

    #[test]
    fn every_accepted_date_form_in_a_file() {
        let text = "Forename,Surname,DOB,Year\nA,One,03/03/2015,5\nB,Two,3/3/2015,5\nC,Three,2015-03-03,5\nD,Four,03-03-2015,5\nE,Five,3 March 2015,5\nF,Six,soon,5\n";
        let p = preview(text);
        assert!(p
            .good
            .iter()
            .all(|(_, n)| n.date_of_birth == date!(2015 - 03 - 03)));
        assert_eq!(p.good.len(), 5);
        assert_eq!(p.bad.len(), 1);
        assert!(
            p.bad[0]
                .reason
                .starts_with("date of birth: this is not a date"),
            "{}",
            p.bad[0].reason
        );
    }

    #[test]
    fn scottish_export() {
        let text = "Forename,Surname,Known As,Date of Birth,Stage,Candidate Number,Support Level\n\
                    Eilidh,MacLeod,Ellie,12/08/2013,P6,123456789,Additional\n\
                    Callum,Fraser,,01/02/2010,S2,12345678,Universal\n\
                    Isla,Reid,,01/02/2010,S7,123456780,\n";
        let p = preview(text);
        assert_eq!(p.good.len(), 1);
        let n = &p.good[0].1;
        assert_eq!(n.preferred_name.as_deref(), Some("Ellie"));
        assert_eq!(n.year_group, YearGroup::Primary(6));
        assert_eq!(
            n.identifiers,
            vec![PupilIdentifier::ScottishCandidateNumber("123456789".into())]
        );
        assert_eq!(n.support_level.as_deref(), Some("Additional"));
        assert_eq!(
            bad(&p),
            vec![
                (3, "a Scottish Candidate Number is 9 digits; found 8 characters"),
                (
                    4,
                    "year group \"S7\" is out of range: use R (Reception), N1 or N2 (nursery), 1 to 14, P1 to P7 or S1 to S6"
                ),
            ]
        );
    }

    #[test]
    fn rows_without_identifiers_are_deduplicated_by_name_and_birth_date() {
        let text = "Forename,Surname,DOB,Year\nAmy,Taylor,04/04/2015,5\namy,TAYLOR,2015-04-04,5\nAmy,Taylor,05/04/2015,5\n";
        let p = preview(text);
        assert_eq!(
            p.good.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
            vec![2, 4]
        );
        assert_eq!(
            bad(&p),
            vec![(3, "duplicate: the same name and date of birth as line 2, and no identifier to tell them apart")]
        );
    }

    #[test]
    fn suggest_mapping_recognises_common_headers() {
        let sims = strings(&[
            "UPN",
            "Legal Surname",
            "Legal Forename",
            "Preferred Surname",
            "Preferred Forename",
            "DOB",
            "NC Year",
            "Adno",
        ]);
        let m = suggest_mapping(&sims);
        assert_eq!(
            m,
            ColumnMapping {
                legal_forename: Some(2),
                legal_surname: Some(1),
                preferred_name: Some(4),
                date_of_birth: Some(5),
                year_group: Some(6),
                upn: Some(0),
                local_id: Some(7),
                ..ColumnMapping::default()
            }
        );

        let arbor = strings(&[
            "First Name",
            "Last Name",
            "Preferred First Name",
            "Date of Birth",
            "Year Group",
            "UPN",
            "MIS ID",
        ]);
        let m = suggest_mapping(&arbor);
        assert_eq!(
            (m.legal_forename, m.legal_surname, m.preferred_name),
            (Some(0), Some(1), Some(2))
        );
        assert_eq!(
            (m.date_of_birth, m.year_group, m.upn, m.local_id),
            (Some(3), Some(4), Some(5), Some(6))
        );

        let seemis = strings(&[
            "Surname",
            "Forename",
            "Known As",
            "Date Of Birth",
            "Stage",
            "SCN",
            "Care Status",
        ]);
        let m = suggest_mapping(&seemis);
        assert_eq!(
            (m.legal_surname, m.legal_forename, m.preferred_name),
            (Some(0), Some(1), Some(2))
        );
        assert_eq!(
            (m.year_group, m.scn, m.care_status),
            (Some(4), Some(5), Some(6))
        );

        // "Legal Forename" wins over "Forename" wherever it stands; "Year" is still found.
        let both = strings(&["Forename", "Legal Forename", "Year", "Candidate Number"]);
        let m = suggest_mapping(&both);
        assert_eq!(
            (m.legal_forename, m.year_group, m.scn),
            (Some(1), Some(2), Some(3))
        );
        assert_eq!(
            suggest_mapping(&strings(&["Colour", "Shoe size"])),
            ColumnMapping::default()
        );
    }

    #[test]
    fn mapping_errors() {
        let headers = strings(&["Forename", "Surname", "DOB", "Year"]);
        let mut m = suggest_mapping(&headers);
        assert_eq!(m.validate(&headers), Ok(()));
        m.year_group = None;
        assert_eq!(
            m.validate(&headers).unwrap_err().to_string(),
            "choose the column that holds the year group"
        );
        m.year_group = Some(7);
        assert_eq!(
            m.validate(&headers).unwrap_err().to_string(),
            "the column chosen for the year group is column 8, but the file has 4 columns"
        );
        m.year_group = Some(3);
        m.preferred_name = Some(0);
        assert_eq!(
            m.validate(&headers).unwrap_err().to_string(),
            "the column \"Forename\" is chosen for both the legal forename and the preferred name"
        );
        let text = "Forename,Surname,DOB,Year\nAmy,Taylor,04/04/2015,5\n";
        assert!(matches!(
            parse(text, &m, &HashSet::new()),
            Err(Error::ImportMapping { .. })
        ));
        assert_eq!(parse("", &m, &HashSet::new()), Err(Error::ImportEmpty));
        assert_eq!(read_header("\r\n\r\n"), Err(Error::ImportEmpty));
    }

    #[test]
    fn ragged_rows_are_read_with_missing_cells_empty() {
        let text = "Forename,Surname,DOB,Year,UPN\nAmy,Taylor,04/04/2015,5\nBen,Jones\n";
        let p = preview(text);
        assert_eq!(p.good.len(), 1);
        assert_eq!(
            bad(&p),
            vec![(3, "missing date of birth; missing year group")]
        );
    }

    #[test]
    fn error_reasons_do_not_repeat_names() {
        let p = preview(SIMS);
        for e in &p.bad {
            for name in [
                "O'Brien", "Nowak", "Łukasz", "Chen", "陈", "Khan", "Taylor", "Amy",
            ] {
                assert!(!e.reason.contains(name), "{}", e.reason);
            }
        }
    }
}
