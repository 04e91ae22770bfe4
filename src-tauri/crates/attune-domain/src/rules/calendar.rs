//! A school year's term dates: terms, half terms and closures (INSET days, bank holidays).
//!
//! The strategic lead enters one [`SchoolCalendar`] per school year. [`SchoolCalendar::uk_default`]
//! pre-fills a typical England pattern as a **starting point** to edit, never as the truth: local
//! authorities and academy trusts set their own dates, and Scottish, Welsh and Northern Irish
//! years differ.
//!
//! A **school day** is a Monday to Friday inside a term, not in that term's half term, and not in
//! a closure. Days between terms are holidays.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::rules::dates::{self, format_uk, is_weekday};

/// An inclusive range of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
pub struct DateRange {
    /// First day.
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub start: NaiveDate,
    /// Last day (inclusive).
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub end: NaiveDate,
}

impl DateRange {
    /// The days `start` to `end`, inclusive.
    pub fn new(start: NaiveDate, end: NaiveDate) -> DateRange {
        DateRange { start, end }
    }

    /// Whether `date` is one of the days.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start <= date && date <= self.end
    }
}

/// One term of a school year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Term {
    /// "Autumn", "Spring", "Summer" (or a school's own names).
    pub name: String,
    /// First day of the term.
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub start: NaiveDate,
    /// Last day of the term (inclusive).
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub end: NaiveDate,
    /// The half-term break inside the term, if there is one.
    pub half_term: Option<DateRange>,
}

impl Term {
    /// The term's name with the calendar year it starts in: "Autumn 2026", "Spring 2027". Used by
    /// anonymised summaries, where dates become terms.
    pub fn label(&self) -> String {
        format!("{} {}", self.name, self.start.year())
    }

    /// Whether `date` is between the term's first and last days (half term included).
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start <= date && date <= self.end
    }
}

/// Days the school is closed inside (or outside) a term: INSET days, bank holidays, a polling day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Closure {
    /// What it is, for the person reading the calendar ("INSET day", "May Day bank holiday").
    pub label: String,
    /// First day closed.
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub start: NaiveDate,
    /// Last day closed (inclusive).
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub end: NaiveDate,
}

/// A school year's term dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct SchoolCalendar {
    /// "2026-27".
    pub year_label: String,
    /// The terms, in any order (validation checks they do not overlap).
    pub terms: Vec<Term>,
    /// INSET days, bank holidays and other closures.
    pub closures: Vec<Closure>,
}

/// The school year label for a year starting in `start_year`: 2026 → "2026-27".
pub fn year_label(start_year: i32) -> String {
    format!("{start_year}-{:02}", (start_year + 1).rem_euclid(100))
}

/// Easter Sunday in the Gregorian calendar (the anonymous Gregorian algorithm).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    let month = if month == 3 { 3 } else { 4 };
    NaiveDate::from_ymd_opt(year, month, day as u32).expect("Easter is always a real date")
}

fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("a fixed day of the month that always exists")
}

impl SchoolCalendar {
    /// A typical England school year starting in September `start_year`, as a starting point the
    /// strategic lead edits. The pattern:
    ///
    /// - **Autumn**: the first weekday on or after 1 September to the last Friday on or before
    ///   20 December; half term is the week (Monday–Friday) of the last Monday in October.
    /// - **Spring**: the first weekday on or after 3 January that is not the New Year bank holiday
    ///   (moved to the next Monday if that day is a Thursday or Friday) to the Friday before the
    ///   week before Easter; half term is the week starting on the first Monday on or after
    ///   12 February.
    /// - **Easter holidays**: the week before and the week after Easter Sunday (so Good Friday and
    ///   Easter Monday always fall in the holiday).
    /// - **Summer**: the Monday a week after Easter Monday to the last weekday on or before
    ///   22 July; half term is the week of the Spring bank holiday (the last Monday in May).
    /// - **Closures**: the Early May bank holiday (first Monday in May) and the Spring bank
    ///   holiday. INSET days are the school's own and are not guessed: the lead adds them.
    pub fn uk_default(start_year: i32) -> SchoolCalendar {
        let week = |monday: NaiveDate| DateRange::new(monday, monday + Duration::days(4));
        let next_year = start_year + 1;

        let autumn_start = dates::weekday_on_or_after(ymd(start_year, 9, 1));
        let autumn_half = dates::last_weekday_on_or_before(ymd(start_year, 10, 31), Weekday::Mon);
        let autumn_end = dates::last_weekday_on_or_before(ymd(start_year, 12, 20), Weekday::Fri);

        let new_year = ymd(next_year, 1, 1);
        let new_year_holiday = match new_year.weekday() {
            Weekday::Sat => ymd(next_year, 1, 3),
            Weekday::Sun => ymd(next_year, 1, 2),
            _ => new_year,
        };
        let mut spring_start = dates::weekday_on_or_after(ymd(next_year, 1, 3));
        if spring_start == new_year_holiday {
            spring_start += Duration::days(1);
        }
        if matches!(spring_start.weekday(), Weekday::Thu | Weekday::Fri) {
            spring_start = dates::next_weekday_on_or_after(spring_start, Weekday::Mon);
        }
        let spring_half = dates::next_weekday_on_or_after(ymd(next_year, 2, 12), Weekday::Mon);
        let easter = easter_sunday(next_year);
        let spring_end = easter - Duration::days(9); // the Friday before Holy Week
        let summer_start = easter + Duration::days(8); // the Monday after Easter week

        let spring_bank_holiday =
            dates::last_weekday_on_or_before(ymd(next_year, 5, 31), Weekday::Mon);
        let may_day = dates::next_weekday_on_or_after(ymd(next_year, 5, 1), Weekday::Mon);
        let summer_end = dates::weekday_on_or_before(ymd(next_year, 7, 22));

        SchoolCalendar {
            year_label: year_label(start_year),
            terms: vec![
                Term {
                    name: "Autumn".into(),
                    start: autumn_start,
                    end: autumn_end,
                    half_term: Some(week(autumn_half)),
                },
                Term {
                    name: "Spring".into(),
                    start: spring_start,
                    end: spring_end,
                    half_term: Some(week(spring_half)),
                },
                Term {
                    name: "Summer".into(),
                    start: summer_start,
                    end: summer_end,
                    half_term: Some(week(spring_bank_holiday)),
                },
            ],
            closures: vec![
                Closure {
                    label: "Early May bank holiday".into(),
                    start: may_day,
                    end: may_day,
                },
                Closure {
                    label: "Spring bank holiday".into(),
                    start: spring_bank_holiday,
                    end: spring_bank_holiday,
                },
            ],
        }
    }

    /// Checks the calendar: a label, at least one named term, every term ending on or after its
    /// start, every half term inside its term, no two terms sharing a day, every closure ending
    /// on or after its start.
    pub fn validate(&self) -> Result<()> {
        if self.year_label.trim().is_empty() {
            return Err(Error::CalendarLabelEmpty);
        }
        if self.terms.is_empty() {
            return Err(Error::CalendarNoTerms {
                year_label: self.year_label.clone(),
            });
        }
        for term in &self.terms {
            if term.name.trim().is_empty() {
                return Err(Error::TermNameEmpty {
                    year_label: self.year_label.clone(),
                });
            }
            if term.end < term.start {
                return Err(Error::TermEndsBeforeStart {
                    term: term.name.clone(),
                    start: format_uk(term.start),
                    end: format_uk(term.end),
                });
            }
            if let Some(half) = term.half_term {
                if half.end < half.start {
                    return Err(Error::HalfTermEndsBeforeStart {
                        term: term.name.clone(),
                    });
                }
                if half.start < term.start || half.end > term.end {
                    return Err(Error::HalfTermOutsideTerm {
                        term: term.name.clone(),
                    });
                }
            }
        }
        let mut sorted: Vec<&Term> = self.terms.iter().collect();
        sorted.sort_by_key(|t| t.start);
        for pair in sorted.windows(2) {
            if pair[1].start <= pair[0].end {
                return Err(Error::TermsOverlap {
                    first: pair[0].name.clone(),
                    second: pair[1].name.clone(),
                });
            }
        }
        for closure in &self.closures {
            if closure.end < closure.start {
                return Err(Error::ClosureEndsBeforeStart {
                    label: closure.label.clone(),
                });
            }
        }
        Ok(())
    }

    /// From the first day of the earliest term to the last day of the latest, or `None` for a
    /// calendar with no terms.
    pub fn span(&self) -> Option<DateRange> {
        let start = self.terms.iter().map(|t| t.start).min()?;
        let end = self.terms.iter().map(|t| t.end).max()?;
        Some(DateRange::new(start, end))
    }

    /// Whether pupils are in school on `date`: a weekday, inside a term, not in its half term and
    /// not in a closure.
    pub fn is_school_day(&self, date: NaiveDate) -> bool {
        is_weekday(date)
            && self
                .term_of(date)
                .is_some_and(|t| !t.half_term.is_some_and(|h| h.contains(date)))
            && !self
                .closures
                .iter()
                .any(|c| c.start <= date && date <= c.end)
    }

    /// The term whose first-to-last days include `date` (half-term days belong to their term);
    /// `None` in the holidays between terms.
    pub fn term_of(&self, date: NaiveDate) -> Option<&Term> {
        self.terms.iter().find(|t| t.contains(date))
    }

    /// The term to report `date` under: the term containing it or, in a holiday, the term that
    /// ended most recently before it. `None` before the year's first term.
    pub fn reporting_term(&self, date: NaiveDate) -> Option<&Term> {
        self.term_of(date).or_else(|| {
            self.terms
                .iter()
                .filter(|t| t.end < date)
                .max_by_key(|t| t.end)
        })
    }

    /// "Autumn 2026" for a date in that term (see [`Term::label`]); `None` between terms.
    pub fn term_label(&self, date: NaiveDate) -> Option<String> {
        self.term_of(date).map(Term::label)
    }
}

/// Validates each calendar and checks that no two school years share a day.
pub fn validate_calendars(calendars: &[SchoolCalendar]) -> Result<()> {
    let mut spans = Vec::with_capacity(calendars.len());
    for calendar in calendars {
        calendar.validate()?;
        if let Some(span) = calendar.span() {
            spans.push((span, &calendar.year_label));
        }
    }
    spans.sort_by_key(|(span, _)| span.start);
    for pair in spans.windows(2) {
        if pair[1].0.start <= pair[0].0.end {
            return Err(Error::CalendarsOverlap {
                first: pair[0].1.clone(),
                second: pair[1].1.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date;

    fn default_2026() -> SchoolCalendar {
        SchoolCalendar::uk_default(2026)
    }

    #[test]
    fn easter_dates() {
        assert_eq!(easter_sunday(2024), date!(2024 - 03 - 31));
        assert_eq!(easter_sunday(2025), date!(2025 - 04 - 20));
        assert_eq!(easter_sunday(2026), date!(2026 - 04 - 05));
        assert_eq!(easter_sunday(2027), date!(2027 - 03 - 28));
        assert_eq!(easter_sunday(2028), date!(2028 - 04 - 16));
        assert_eq!(easter_sunday(2038), date!(2038 - 04 - 25));
        assert_eq!(easter_sunday(2285), date!(2285 - 03 - 22));
    }

    #[test]
    fn uk_default_2026_27_dates() {
        let c = default_2026();
        assert_eq!(c.year_label, "2026-27");
        let t = &c.terms;
        assert_eq!(
            (t[0].name.as_str(), t[0].start, t[0].end),
            ("Autumn", date!(2026 - 09 - 01), date!(2026 - 12 - 18))
        );
        assert_eq!(
            t[0].half_term,
            Some(DateRange::new(date!(2026 - 10 - 26), date!(2026 - 10 - 30)))
        );
        assert_eq!(
            (t[1].name.as_str(), t[1].start, t[1].end),
            ("Spring", date!(2027 - 01 - 04), date!(2027 - 03 - 19))
        );
        assert_eq!(
            t[1].half_term,
            Some(DateRange::new(date!(2027 - 02 - 15), date!(2027 - 02 - 19)))
        );
        assert_eq!(
            (t[2].name.as_str(), t[2].start, t[2].end),
            ("Summer", date!(2027 - 04 - 05), date!(2027 - 07 - 22))
        );
        assert_eq!(
            t[2].half_term,
            Some(DateRange::new(date!(2027 - 05 - 31), date!(2027 - 06 - 04)))
        );
        assert_eq!(
            c.closures
                .iter()
                .map(|c| (c.label.as_str(), c.start, c.end))
                .collect::<Vec<_>>(),
            vec![
                (
                    "Early May bank holiday",
                    date!(2027 - 05 - 03),
                    date!(2027 - 05 - 03)
                ),
                (
                    "Spring bank holiday",
                    date!(2027 - 05 - 31),
                    date!(2027 - 05 - 31)
                ),
            ]
        );
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn uk_default_spring_start_avoids_bank_holiday_and_late_week() {
        // 1 January 2028 is a Saturday: the bank holiday is Monday 3 January, so term starts Tuesday.
        assert_eq!(
            SchoolCalendar::uk_default(2027).terms[1].start,
            date!(2028 - 01 - 04)
        );
        // 3 January 2025 is a Friday: term starts the following Monday.
        assert_eq!(
            SchoolCalendar::uk_default(2024).terms[1].start,
            date!(2025 - 01 - 06)
        );
        // 3 January 2024 is a Wednesday.
        assert_eq!(
            SchoolCalendar::uk_default(2023).terms[1].start,
            date!(2024 - 01 - 03)
        );
    }

    #[test]
    fn uk_default_is_valid_and_sensible_for_many_years() {
        for year in 2020..2060 {
            let c = SchoolCalendar::uk_default(year);
            assert_eq!(c.validate(), Ok(()), "{year}");
            for term in &c.terms {
                assert!(
                    is_weekday(term.start) && is_weekday(term.end),
                    "{year} {}",
                    term.name
                );
                assert!(
                    c.is_school_day(term.start) || c.closures.iter().any(|x| x.start == term.start)
                );
            }
            // Good Friday and Easter Monday are never school days.
            let easter = easter_sunday(year + 1);
            assert!(!c.is_school_day(easter - Duration::days(2)), "{year}");
            assert!(!c.is_school_day(easter + Duration::days(1)), "{year}");
            // Christmas Day and the New Year bank holiday are never school days.
            assert!(!c.is_school_day(ymd(year, 12, 25)));
            assert!(!c.is_school_day(ymd(year + 1, 1, 1)));
            let school_days = (0..366)
                .filter_map(|i| c.span().map(|s| s.start + Duration::days(i)))
                .filter(|d| c.is_school_day(*d))
                .count();
            assert!(
                (170..=200).contains(&school_days),
                "{year}: {school_days} school days"
            );
        }
    }

    #[test]
    fn school_days() {
        let c = default_2026();
        assert!(c.is_school_day(date!(2026 - 09 - 01)), "first day of term");
        assert!(!c.is_school_day(date!(2026 - 08 - 31)), "before term");
        assert!(!c.is_school_day(date!(2026 - 09 - 05)), "Saturday");
        assert!(!c.is_school_day(date!(2026 - 10 - 28)), "half term");
        assert!(c.is_school_day(date!(2026 - 11 - 02)), "after half term");
        assert!(
            !c.is_school_day(date!(2026 - 12 - 21)),
            "Christmas holidays"
        );
        assert!(!c.is_school_day(date!(2027 - 05 - 03)), "May Day closure");
        assert!(c.is_school_day(date!(2027 - 05 - 04)));
        assert!(c.is_school_day(date!(2027 - 07 - 22)), "last day");
        assert!(!c.is_school_day(date!(2027 - 07 - 23)));
    }

    #[test]
    fn terms_of_dates_and_labels() {
        let c = default_2026();
        assert_eq!(
            c.term_of(date!(2026 - 10 - 28)).map(|t| t.name.as_str()),
            Some("Autumn")
        );
        assert_eq!(
            c.term_label(date!(2026 - 11 - 22)).as_deref(),
            Some("Autumn 2026")
        );
        assert_eq!(
            c.term_label(date!(2027 - 02 - 01)).as_deref(),
            Some("Spring 2027")
        );
        assert_eq!(
            c.term_label(date!(2027 - 06 - 01)).as_deref(),
            Some("Summer 2027")
        );
        assert_eq!(c.term_of(date!(2026 - 12 - 25)), None);
        assert_eq!(
            c.reporting_term(date!(2026 - 12 - 25))
                .map(Term::label)
                .as_deref(),
            Some("Autumn 2026")
        );
        assert_eq!(
            c.reporting_term(date!(2027 - 08 - 10))
                .map(Term::label)
                .as_deref(),
            Some("Summer 2027")
        );
        assert_eq!(c.reporting_term(date!(2026 - 08 - 10)), None);
    }

    #[test]
    fn validation_errors() {
        let mut c = default_2026();
        c.terms[1].end = date!(2027 - 01 - 01);
        assert_eq!(
            c.validate().unwrap_err().to_string(),
            "the Spring term ends (1 January 2027) before it starts (4 January 2027)"
        );

        let mut c = default_2026();
        c.terms[0].half_term = Some(DateRange::new(date!(2026 - 12 - 14), date!(2026 - 12 - 22)));
        assert_eq!(
            c.validate().unwrap_err().to_string(),
            "the Autumn half term must fall between the first and last days of the Autumn term"
        );

        let mut c = default_2026();
        c.terms[0].half_term = Some(DateRange::new(date!(2026 - 10 - 30), date!(2026 - 10 - 26)));
        assert_eq!(
            c.validate().unwrap_err(),
            Error::HalfTermEndsBeforeStart {
                term: "Autumn".into()
            }
        );

        let mut c = default_2026();
        c.terms[2].start = date!(2027 - 03 - 19); // the last day of Spring
        assert_eq!(
            c.validate().unwrap_err().to_string(),
            "the Spring and Summer terms overlap"
        );

        let mut c = default_2026();
        c.terms.swap(0, 2);
        assert_eq!(c.validate(), Ok(()), "order does not matter");

        let mut c = default_2026();
        c.closures[0].end = date!(2027 - 05 - 02);
        assert!(matches!(
            c.validate(),
            Err(Error::ClosureEndsBeforeStart { .. })
        ));

        let mut c = default_2026();
        c.terms.clear();
        assert_eq!(
            c.validate().unwrap_err().to_string(),
            "the school year 2026-27 needs at least one term"
        );

        let mut c = default_2026();
        c.year_label = "  ".into();
        assert_eq!(c.validate(), Err(Error::CalendarLabelEmpty));

        let mut c = default_2026();
        c.terms[1].name = String::new();
        assert!(matches!(c.validate(), Err(Error::TermNameEmpty { .. })));
    }

    #[test]
    fn calendars_must_not_overlap() {
        let a = default_2026();
        let b = SchoolCalendar::uk_default(2027);
        assert_eq!(validate_calendars(&[b.clone(), a.clone()]), Ok(()));
        let mut b2 = b.clone();
        b2.terms[0].start = date!(2027 - 07 - 01);
        assert_eq!(
            validate_calendars(&[a, b2]).unwrap_err().to_string(),
            "the school years 2026-27 and 2027-28 overlap"
        );
    }

    #[test]
    fn serde_uses_iso_dates() {
        let c = default_2026();
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["terms"][0]["start"], "2026-09-01");
        assert_eq!(json["terms"][0]["half_term"]["end"], "2026-10-30");
        assert_eq!(json["closures"][0]["label"], "Early May bank holiday");
        let back: SchoolCalendar = serde_json::from_value(json).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn year_labels() {
        assert_eq!(year_label(2026), "2026-27");
        assert_eq!(year_label(2099), "2099-00");
    }
}
