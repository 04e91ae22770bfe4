//! Dates as people in UK schools write them, and as Attune stores them.
//!
//! - [`format_uk`] writes a date the UK way ("22 November 2026").
//! - [`parse_date`] reads the forms MIS exports and people use (`03/03/2015`, `3/3/2015`,
//!   `2015-03-03`, `03-03-2015`, `3 March 2015`, `3rd Mar 2015`, `03-Mar-2015`), day first unless
//!   told otherwise ([`DateOrder`]).
//! - [`iso`] and [`iso_option`] are `serde` helpers that store a [`NaiveDate`] as `"2026-11-22"`,
//!   the form the UI and the JSON files use.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A calendar date written `date!(2026 - 01 - 05)`, checked when the code compiles: a date that
/// does not exist (`date!(2025 - 02 - 29)`) is a compile error.
///
/// ```
/// let d = attune_domain::date!(2024 - 02 - 29);
/// assert_eq!(attune_domain::rules::dates::format_uk(d), "29 February 2024");
/// ```
///
/// ```compile_fail
/// let d = attune_domain::date!(2025 - 02 - 29);
/// ```
#[macro_export]
macro_rules! date {
    ($year:literal - $month:literal - $day:literal) => {{
        // Written with leading zeros (`01`), as dates are.
        #[allow(clippy::zero_prefixed_literal)]
        const DATE: $crate::rules::dates::MacroDate =
            $crate::rules::dates::ymd($year, $month, $day);
        DATE
    }};
}

/// The type [`date!`] names (the macro cannot name chrono in the crate that uses it).
#[doc(hidden)]
pub type MacroDate = NaiveDate;

/// The date [`date!`] builds; panics (at compile time, in a `const`) if it does not exist.
#[doc(hidden)]
pub const fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(d) => d,
        None => panic!("no such date"),
    }
}

/// Earliest year [`parse_date`] accepts: anything earlier is taken to be a typing mistake.
pub const EARLIEST_YEAR: i32 = 1900;
/// Latest year [`parse_date`] accepts: anything later is taken to be a typing mistake.
pub const LATEST_YEAR: i32 = 2100;

/// The order of day and month in a numeric date such as `03/04/2015`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum DateOrder {
    /// Day, then month (UK): `03/04/2015` is 3 April 2015.
    #[default]
    DayFirst,
    /// Month, then day (US): `03/04/2015` is 4 March 2015.
    MonthFirst,
}

/// Writes a date the UK way: "22 November 2026", "3 March 2015".
pub fn format_uk(date: NaiveDate) -> String {
    format!(
        "{} {} {}",
        date.day(),
        month_name(date.month()),
        date.year()
    )
}

/// The English month names, January first: the one table of them. The window's copy in
/// `ui/src/lib/bindings.ts` is generated from this one (`MONTH_NAMES`).
pub const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The English name of a month ("March"), January being 1.
pub fn month_name(month: u32) -> &'static str {
    MONTH_NAMES[month as usize - 1]
}

/// Monday to Friday.
pub fn is_weekday(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The Monday of the Monday–Sunday week that contains `date`.
pub fn monday_of_week(date: NaiveDate) -> NaiveDate {
    let back = i64::from(date.weekday().num_days_from_monday());
    date - Duration::days(back)
}

/// The first `weekday` on or after `date`.
pub fn next_weekday_on_or_after(date: NaiveDate, weekday: Weekday) -> NaiveDate {
    let mut d = date;
    while d.weekday() != weekday {
        d = d
            .succ_opt()
            .expect("dates used by Attune are far from the end of time");
    }
    d
}

/// The last `weekday` on or before `date`.
pub fn last_weekday_on_or_before(date: NaiveDate, weekday: Weekday) -> NaiveDate {
    let mut d = date;
    while d.weekday() != weekday {
        d = d
            .pred_opt()
            .expect("dates used by Attune are far from the start of time");
    }
    d
}

/// The first Monday-to-Friday day on or after `date`.
pub fn weekday_on_or_after(date: NaiveDate) -> NaiveDate {
    let mut d = date;
    while !is_weekday(d) {
        d = d
            .succ_opt()
            .expect("dates used by Attune are far from the end of time");
    }
    d
}

/// The last Monday-to-Friday day on or before `date`.
pub fn weekday_on_or_before(date: NaiveDate) -> NaiveDate {
    let mut d = date;
    while !is_weekday(d) {
        d = d
            .pred_opt()
            .expect("dates used by Attune are far from the start of time");
    }
    d
}

/// Builds a date from numbers, with a message a person understands when it does not exist.
pub fn make_date(year: i32, month: u8, day: u8) -> Result<NaiveDate> {
    if !(EARLIEST_YEAR..=LATEST_YEAR).contains(&year) {
        return Err(Error::DateUnreadable {
            reason: format!(
                "the year {year} looks mistyped (expected {EARLIEST_YEAR} to {LATEST_YEAR})"
            ),
        });
    }
    if !(1..=12).contains(&month) {
        return Err(Error::DateUnreadable {
            reason: format!("there is no month {month}"),
        });
    }
    let month = u32::from(month);
    NaiveDate::from_ymd_opt(year, month, u32::from(day)).ok_or_else(|| {
        let reason = if month == 2 && day == 29 {
            format!("{year} is not a leap year, so February has no day 29")
        } else {
            format!("{} has no day {day}", month_name(month))
        };
        Error::DateUnreadable { reason }
    })
}

/// What a numeric day/month pair allows, used to work out a whole column's [`DateOrder`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderEvidence {
    /// Only day-first makes sense (`25/12/2015`).
    OnlyDayFirst,
    /// Only month-first makes sense (`12/25/2015`).
    OnlyMonthFirst,
    /// Either reading works, or the text says nothing about order (ISO dates, month names).
    Either,
}

/// Looks at one date's text and says which order(s) it could be in.
pub fn order_evidence(text: &str) -> OrderEvidence {
    let tokens = tokens(strip_time(text.trim()));
    if tokens.len() != 3 || !tokens.iter().all(|t| t.bytes().all(|b| b.is_ascii_digit())) {
        return OrderEvidence::Either;
    }
    if tokens[0].len() == 4 {
        return OrderEvidence::Either;
    }
    let first: u32 = tokens[0].parse().unwrap_or(0);
    let second: u32 = tokens[1].parse().unwrap_or(0);
    match (first > 12, second > 12) {
        (true, false) => OrderEvidence::OnlyDayFirst,
        (false, true) => OrderEvidence::OnlyMonthFirst,
        _ => OrderEvidence::Either,
    }
}

/// Reads a date written in one of the forms Attune understands.
///
/// Numeric dates with separators `/`, `-` or `.`: `yyyy-mm-dd` (year first, always), or day, month
/// and a four-digit year in the given `order` (`dd/mm/yyyy`, `d/m/yyyy`, `dd-mm-yyyy`). Dates with
/// a month name: `3 March 2015`, `3rd Mar 2015`, `03-Mar-2015`, `March 3, 2015`. A trailing time of
/// midnight (`03/03/2015 00:00:00`, as some spreadsheets add) is ignored. Two-digit years are
/// refused: `03/03/15` could be 1915 or 2015.
pub fn parse_date(text: &str, order: DateOrder) -> Result<NaiveDate> {
    let text = strip_time(text.trim());
    let unreadable = || Error::DateUnreadable {
        reason: "this is not a date in a form Attune reads (day/month/year such as 03/03/2015, \
                 2015-03-03 or 3 March 2015)"
            .to_string(),
    };
    let toks = tokens(text);
    if toks.len() != 3 {
        return Err(unreadable());
    }
    let numeric = |t: &str| !t.is_empty() && t.len() <= 4 && t.bytes().all(|b| b.is_ascii_digit());
    if toks.iter().all(|t| numeric(t)) {
        let n: Vec<u32> = toks.iter().map(|t| t.parse().unwrap_or(0)).collect();
        if toks[0].len() == 4 {
            return make_date_u32(n[0], n[1], n[2], order_note(DateOrder::DayFirst, true));
        }
        if toks[2].len() != 4 {
            return Err(Error::DateUnreadable {
                reason: "write the year in full, with four digits".to_string(),
            });
        }
        let (day, month) = match order {
            DateOrder::DayFirst => (n[0], n[1]),
            DateOrder::MonthFirst => (n[1], n[0]),
        };
        return make_date_u32(n[2], month, day, order_note(order, false));
    }
    // A month written as a word: day month year, or month day year.
    let (day_tok, month_tok, year_tok) = if month_from_name(toks[1]).is_some() {
        (toks[0], toks[1], toks[2])
    } else if month_from_name(toks[0]).is_some() {
        (toks[1], toks[0], toks[2])
    } else {
        return Err(unreadable());
    };
    let month = month_from_name(month_tok).ok_or_else(unreadable)?;
    let day_digits = strip_ordinal(day_tok).ok_or_else(unreadable)?;
    if !numeric(year_tok) {
        return Err(unreadable());
    }
    if year_tok.len() != 4 {
        return Err(Error::DateUnreadable {
            reason: "write the year in full, with four digits".to_string(),
        });
    }
    let day: u32 = day_digits.parse().map_err(|_| unreadable())?;
    let year: u32 = year_tok.parse().map_err(|_| unreadable())?;
    make_date_u32(year, month, day, "")
}

fn order_note(order: DateOrder, iso: bool) -> &'static str {
    if iso {
        " (dates with the year first are read as year-month-day)"
    } else {
        match order {
            DateOrder::DayFirst => " (dates are read as day/month/year)",
            DateOrder::MonthFirst => " (dates in this file are read as month/day/year)",
        }
    }
}

fn make_date_u32(year: u32, month: u32, day: u32, note: &str) -> Result<NaiveDate> {
    if !(1..=12).contains(&month) {
        return Err(Error::DateUnreadable {
            reason: format!("there is no month {month}{note}"),
        });
    }
    if day == 0 || day > 31 {
        return Err(Error::DateUnreadable {
            reason: format!("there is no day {day} in any month{note}"),
        });
    }
    let year = i32::try_from(year).unwrap_or(i32::MAX);
    make_date(year, month as u8, day as u8)
}

/// Drops a trailing midnight time (`00:00` or `00:00:00`) that spreadsheets add to dates.
fn strip_time(text: &str) -> &str {
    for suffix in [" 00:00:00", " 00:00", "T00:00:00", "T00:00:00Z"] {
        if let Some(rest) = text.strip_suffix(suffix) {
            return rest.trim_end();
        }
    }
    text
}

fn tokens(text: &str) -> Vec<&str> {
    text.split(|c: char| c == '/' || c == '-' || c == '.' || c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .collect()
}

fn strip_ordinal(token: &str) -> Option<&str> {
    let lower = token.to_ascii_lowercase();
    let digits = ["st", "nd", "rd", "th"]
        .iter()
        .find_map(|s| lower.strip_suffix(s).map(|d| d.len()))
        .unwrap_or(token.len());
    let d = &token[..digits];
    (!d.is_empty() && d.len() <= 2 && d.bytes().all(|b| b.is_ascii_digit())).then_some(d)
}

fn month_from_name(token: &str) -> Option<u32> {
    let t = token.to_lowercase();
    (1..=12).find(|m| {
        let full = month_name(*m).to_lowercase();
        t == full || (t.len() >= 3 && full.starts_with(&t)) || (t == "sept" && *m == 9)
    })
}

/// `serde` helper: a [`NaiveDate`] as `"YYYY-MM-DD"`. Use with
/// `#[serde(with = "crate::rules::dates::iso")]`.
pub mod iso {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the date as `"YYYY-MM-DD"`.
    pub fn serialize<S: Serializer>(date: &NaiveDate, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&attune_vault::datetime::format_date(*date))
    }

    /// Reads a `"YYYY-MM-DD"` date.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveDate, D::Error> {
        let text = String::deserialize(deserializer)?;
        attune_vault::datetime::parse_date(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("expected a date as YYYY-MM-DD, found {text:?}"))
        })
    }
}

/// `serde` helper: an `Option<NaiveDate>` as `"YYYY-MM-DD"` or `null`.
pub mod iso_option {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the date as `"YYYY-MM-DD"`, or `null`.
    pub fn serialize<S: Serializer>(
        date: &Option<NaiveDate>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match date {
            Some(d) => super::iso::serialize(d, serializer),
            None => serializer.serialize_none(),
        }
    }

    /// Reads a `"YYYY-MM-DD"` date or `null`.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<NaiveDate>, D::Error> {
        let text = Option::<String>::deserialize(deserializer)?;
        text.map(|t| {
            attune_vault::datetime::parse_date(&t).ok_or_else(|| {
                serde::de::Error::custom(format!("expected a date as YYYY-MM-DD, found {t:?}"))
            })
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uk(text: &str) -> Result<NaiveDate> {
        parse_date(text, DateOrder::DayFirst)
    }

    fn reason(r: Result<NaiveDate>) -> String {
        match r {
            Err(Error::DateUnreadable { reason }) => reason,
            other => panic!("expected an unreadable date, got {other:?}"),
        }
    }

    #[test]
    fn formats_dates_the_uk_way() {
        assert_eq!(format_uk(date!(2026 - 11 - 22)), "22 November 2026");
        assert_eq!(format_uk(date!(2015 - 03 - 03)), "3 March 2015");
    }

    #[test]
    fn reads_every_accepted_form() {
        let d = date!(2015 - 03 - 03);
        for text in [
            "03/03/2015",
            "3/3/2015",
            "2015-03-03",
            "03-03-2015",
            "03.03.2015",
            "3 March 2015",
            "3 march 2015",
            "3rd March 2015",
            "3 Mar 2015",
            "03-Mar-2015",
            "March 3, 2015",
            "  03/03/2015  ",
            "03/03/2015 00:00:00",
            "03/03/2015 00:00",
            "2015-03-03T00:00:00",
        ] {
            assert_eq!(uk(text), Ok(d), "{text}");
        }
        assert_eq!(uk("21 Sept 2014"), Ok(date!(2014 - 09 - 21)));
        assert_eq!(uk("1st January 2020"), Ok(date!(2020 - 01 - 01)));
        assert_eq!(uk("22nd Feb 2016"), Ok(date!(2016 - 02 - 22)));
    }

    #[test]
    fn day_first_unless_told_otherwise() {
        assert_eq!(uk("03/04/2015"), Ok(date!(2015 - 04 - 03)));
        assert_eq!(
            parse_date("03/04/2015", DateOrder::MonthFirst),
            Ok(date!(2015 - 03 - 04))
        );
        assert_eq!(
            parse_date("12/25/2015", DateOrder::MonthFirst),
            Ok(date!(2015 - 12 - 25))
        );
        // Year-first dates are never reordered.
        assert_eq!(
            parse_date("2015-04-03", DateOrder::MonthFirst),
            Ok(date!(2015 - 04 - 03))
        );
    }

    #[test]
    fn refuses_impossible_dates_with_a_reason() {
        assert_eq!(
            reason(uk("13/25/2015")),
            "there is no month 25 (dates are read as day/month/year)"
        );
        assert_eq!(
            reason(uk("12/25/2015")),
            "there is no month 25 (dates are read as day/month/year)"
        );
        assert_eq!(reason(uk("31/02/2015")), "February has no day 31");
        assert_eq!(
            reason(uk("29/02/2015")),
            "2015 is not a leap year, so February has no day 29"
        );
        assert_eq!(uk("29/02/2016"), Ok(date!(2016 - 02 - 29)));
        assert_eq!(reason(uk("31/04/2015")), "April has no day 31");
        assert_eq!(
            reason(uk("32/01/2015")),
            "there is no day 32 in any month (dates are read as day/month/year)"
        );
        assert_eq!(
            reason(uk("00/01/2015")),
            "there is no day 0 in any month (dates are read as day/month/year)"
        );
        assert_eq!(
            reason(uk("03/03/15")),
            "write the year in full, with four digits"
        );
        assert_eq!(
            reason(uk("03/03/1815")),
            "the year 1815 looks mistyped (expected 1900 to 2100)"
        );
        assert!(reason(uk("yesterday")).starts_with("this is not a date"));
        assert!(reason(uk("3 Marchember 2015")).starts_with("this is not a date"));
        assert!(reason(uk("03/03")).starts_with("this is not a date"));
        assert!(reason(uk("2015-03-03-01")).starts_with("this is not a date"));
    }

    #[test]
    fn order_evidence_spots_unambiguous_dates() {
        assert_eq!(order_evidence("25/12/2015"), OrderEvidence::OnlyDayFirst);
        assert_eq!(order_evidence("12/25/2015"), OrderEvidence::OnlyMonthFirst);
        assert_eq!(order_evidence("03/04/2015"), OrderEvidence::Either);
        assert_eq!(order_evidence("2015-12-25"), OrderEvidence::Either);
        assert_eq!(order_evidence("25 December 2015"), OrderEvidence::Either);
        assert_eq!(order_evidence("13/25/2015"), OrderEvidence::Either);
    }

    #[test]
    fn week_helpers() {
        // 22 November 2026 is a Sunday.
        assert_eq!(monday_of_week(date!(2026 - 11 - 22)), date!(2026 - 11 - 16));
        assert_eq!(monday_of_week(date!(2026 - 11 - 16)), date!(2026 - 11 - 16));
        assert!(!is_weekday(date!(2026 - 11 - 22)));
        assert!(is_weekday(date!(2026 - 11 - 20)));
        assert_eq!(
            next_weekday_on_or_after(date!(2026 - 09 - 01), Weekday::Mon),
            date!(2026 - 09 - 07)
        );
        assert_eq!(
            last_weekday_on_or_before(date!(2026 - 12 - 20), Weekday::Fri),
            date!(2026 - 12 - 18)
        );
    }

    #[test]
    fn iso_serde_round_trip() {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct S {
            #[serde(with = "iso")]
            d: NaiveDate,
            #[serde(with = "iso_option")]
            o: Option<NaiveDate>,
        }
        let s = S {
            d: date!(2026 - 11 - 22),
            o: None,
        };
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, r#"{"d":"2026-11-22","o":null}"#);
        assert_eq!(serde_json::from_str::<S>(&json).unwrap(), s);
        assert!(serde_json::from_str::<S>(r#"{"d":"22/11/2026","o":null}"#).is_err());
    }
}
