//! Small helpers shared by the record modules: dates and timestamps in SQL, text checks.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::types::Type;
use rusqlite::Row;

use crate::error::{Error, Result};

/// A date as stored: `YYYY-MM-DD`.
pub(crate) fn d2s(d: NaiveDate) -> String {
    attune_vault::datetime::format_date(d)
}

/// A stored date back.
pub(crate) fn s2d(s: &str) -> std::result::Result<NaiveDate, String> {
    attune_vault::datetime::parse_date(s)
        .ok_or_else(|| format!("{s:?} is not a date as YYYY-MM-DD"))
}

/// A timestamp as stored: RFC 3339, UTC.
pub(crate) fn ts(now: DateTime<Utc>) -> String {
    attune_vault::datetime::format_instant(now)
}

pub(crate) fn get_date(r: &Row<'_>, idx: usize) -> rusqlite::Result<NaiveDate> {
    let s: String = r.get(idx)?;
    s2d(&s).map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, e.into()))
}

pub(crate) fn get_opt_date(r: &Row<'_>, idx: usize) -> rusqlite::Result<Option<NaiveDate>> {
    let s: Option<String> = r.get(idx)?;
    s.map(|s| {
        s2d(&s).map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, e.into()))
    })
    .transpose()
}

/// Reads a stored enum through its `parse`.
pub(crate) fn get_enum<T>(
    r: &Row<'_>,
    idx: usize,
    parse: impl Fn(&str) -> Option<T>,
) -> rusqlite::Result<T> {
    let s: String = r.get(idx)?;
    parse(&s).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            idx,
            Type::Text,
            format!("unknown stored value in column {idx}").into(),
        )
    })
}

/// Trims `text` and checks it is at most `max` characters and has no control characters
/// other than line breaks and tabs (when `multiline`). Empty is allowed unless `required`.
pub(crate) fn text(
    field: &str,
    what: &str,
    value: &str,
    max: usize,
    required: bool,
    multiline: bool,
) -> Result<String> {
    let v = value.trim();
    if required && v.is_empty() {
        return Err(Error::invalid(field, format!("Enter {what}.")));
    }
    let n = v.chars().count();
    if n > max {
        return Err(Error::invalid(
            field,
            format!(
                "{} must be {max} characters or fewer (it is {n}).",
                capitalise(what)
            ),
        ));
    }
    let bad = v
        .chars()
        .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')));
    if bad {
        return Err(Error::invalid(
            field,
            format!("{} has characters that cannot be used.", capitalise(what)),
        ));
    }
    Ok(v.to_string())
}

/// Like [`text`] for an optional single-line value: blank becomes `None`.
pub(crate) fn opt_text(
    field: &str,
    what: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>> {
    match value {
        None => Ok(None),
        Some(v) => {
            let v = text(field, what, v, max, false, false)?;
            Ok((!v.is_empty()).then_some(v))
        }
    }
}

pub(crate) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The name a pupil is shown by: the preferred name (else the legal forename) and surname.
pub(crate) fn display_name(forename: &str, surname: &str, preferred: Option<&str>) -> String {
    format!("{} {}", preferred.unwrap_or(forename), surname)
}
