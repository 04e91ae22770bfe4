//! Review cadences and the concrete review due dates they yield across a plan's whole horizon.
//!
//! # Rules
//!
//! - **School days.** A due date is always a school day of the school's calendars
//!   ([`SchoolCalendar::is_school_day`]): never a weekend, a holiday, a half term or a closure.
//! - **Weekly cadences** ([`Cadence::SixWeekly`], [`Cadence::CustomWeeks`]) count **school weeks**:
//!   *n* weeks are *5 × n* school days counted forward from the plan's start, then from each due
//!   date in turn. Holidays, half terms and closures do not count, so a review is never "due" after
//!   a fortnight's Easter break in which nobody saw the pupil, and the counted day is a school day by
//!   construction (no rolling forward needed). Six weekly from Monday 7 September 2026 is Monday
//!   19 October 2026; the next is Monday 7 December 2026 (the October half term is not counted).
//! - **Half-termly** ([`Cadence::HalfTermly`]): one review in the last school week before each
//!   half-term and end-of-term break. The due date is the first school day of that week (Monday,
//!   unless it is a closure or the half begins mid-week), so the meeting can be held on any day of
//!   that week.
//! - **Termly** ([`Cadence::Termly`]): one review per term, due on the first school day of the last
//!   school week of the term.
//! - **Not too soon.** A half-termly or termly review is not generated less than
//!   [`MIN_GAP_DAYS`] days after the plan starts (or after the previous review): a plan started in
//!   the week before half term has its first review at the next break.
//! - **Horizon.** Due dates fall after the plan's start and on or before its horizon's end.
//! - **Beyond the calendars known** (a school year whose term dates have not been entered yet),
//!   the school days of the typical England year ([`SchoolCalendar::uk_default`]) are assumed, so
//!   a provisional date never falls in the usual holidays, and the dates are marked
//!   [`DueDate::provisional`]. Half-termly and termly cadences fall back there to every 6 and 13
//!   school weeks respectively. A weekly cadence's dates stay provisional once one has been counted
//!   across unknown days, since each is counted from the one before. The days between two entered
//!   school years are known holidays when the gap is at most [`KNOWN_GAP_DAYS`] (a summer
//!   holiday); a longer gap means a missing school year and is unknown.
//! - **Recompute.** When the cadence or the term dates change, [`recompute`] keeps every due date
//!   before today exactly as it was and regenerates those from today on, counting on from the last
//!   kept date (or the plan's start).

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::rules::calendar::{validate_calendars, DateRange, SchoolCalendar};
use crate::rules::dates::monday_of_week;

/// The fewest days between a plan's start (or a review) and a half-termly or termly review.
pub const MIN_GAP_DAYS: i64 = 14;

/// The longest gap between two entered school years still taken to be a known holiday.
pub const KNOWN_GAP_DAYS: i64 = 120;

/// How often a plan is reviewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Cadence {
    /// Every six school weeks.
    SixWeekly,
    /// In the last school week before each half-term and end-of-term break.
    HalfTermly,
    /// In the last school week of each term.
    Termly,
    /// Every *n* school weeks, 1 to 52.
    CustomWeeks(u32),
}

impl Cadence {
    /// Checks a custom cadence is 1 to 52 weeks.
    pub fn validate(self) -> Result<()> {
        match self {
            Cadence::CustomWeeks(weeks) if !(1..=52).contains(&weeks) => {
                Err(Error::InvalidCadence { weeks })
            }
            _ => Ok(()),
        }
    }

    /// How the cadence is described to a person: "every 6 weeks", "half-termly", "termly",
    /// "every 8 weeks".
    pub fn label(self) -> String {
        match self {
            Cadence::SixWeekly => "every 6 weeks".into(),
            Cadence::HalfTermly => "half-termly".into(),
            Cadence::Termly => "termly".into(),
            Cadence::CustomWeeks(1) => "every week".into(),
            Cadence::CustomWeeks(n) => format!("every {n} weeks"),
        }
    }

    /// School days between reviews for weekly cadences, and the fallback interval beyond the
    /// known calendars for term-based ones.
    fn school_days(self) -> u32 {
        match self {
            Cadence::SixWeekly | Cadence::HalfTermly => 30,
            Cadence::Termly => 65,
            Cadence::CustomWeeks(n) => 5 * n,
        }
    }
}

/// One review due date.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS,
)]
pub struct DueDate {
    /// The day the review is due.
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub date: NaiveDate,
    /// True when the date depends on term dates not entered yet (weekdays were assumed).
    pub provisional: bool,
}

/// School days across several school years, with weekdays assumed where no calendar is known.
#[derive(Debug, Clone)]
pub struct SchoolDays<'a> {
    calendars: &'a [SchoolCalendar],
    known: Vec<DateRange>,
    /// The typical England year, by the year it starts, for days no calendar covers.
    typical: std::cell::RefCell<std::collections::HashMap<i32, SchoolCalendar>>,
}

impl<'a> SchoolDays<'a> {
    /// Validates the calendars (each one, and that no two overlap) and works out which days they
    /// cover.
    pub fn new(calendars: &'a [SchoolCalendar]) -> Result<SchoolDays<'a>> {
        validate_calendars(calendars)?;
        let mut spans: Vec<DateRange> = calendars.iter().filter_map(SchoolCalendar::span).collect();
        spans.sort_by_key(|s| s.start);
        let mut known: Vec<DateRange> = Vec::with_capacity(spans.len());
        for span in spans {
            match known.last_mut() {
                Some(last) if span.start - last.end <= Duration::days(KNOWN_GAP_DAYS) => {
                    last.end = span.end
                }
                _ => known.push(span),
            }
        }
        Ok(SchoolDays {
            calendars,
            known,
            typical: Default::default(),
        })
    }

    /// Whether an entered calendar says what `date` is (a school day or a holiday).
    pub fn is_known(&self, date: NaiveDate) -> bool {
        self.known.iter().any(|k| k.contains(date))
    }

    /// Whether `date` counts as a school day: a school day of an entered calendar, or, where no
    /// calendar is known, a school day of the typical England year ([`SchoolCalendar::uk_default`]),
    /// so that a provisional date still never falls in the usual summer, Christmas, Easter or
    /// half-term holidays.
    pub fn is_school_day(&self, date: NaiveDate) -> bool {
        if self.is_known(date) {
            self.calendars.iter().any(|c| c.is_school_day(date))
        } else {
            let year = if date.month() >= 8 {
                date.year()
            } else {
                date.year() - 1
            };
            self.typical
                .borrow_mut()
                .entry(year)
                .or_insert_with(|| SchoolCalendar::uk_default(year))
                .is_school_day(date)
        }
    }

    /// The first school day on or after `date`; provisional if no calendar covers it.
    pub fn next_school_day(&self, date: NaiveDate) -> DueDate {
        let mut d = date;
        while !self.is_school_day(d) {
            d += Duration::days(1);
        }
        DueDate {
            date: d,
            provisional: !self.is_known(d),
        }
    }

    /// The school day `count` school days after `from` (not counting `from` itself); provisional
    /// if any day counted lies where no calendar is known.
    pub fn add_school_days(&self, from: NaiveDate, count: u32) -> DueDate {
        let mut d = from;
        let mut counted = 0;
        let mut provisional = false;
        while counted < count {
            d += Duration::days(1);
            if self.is_school_day(d) {
                counted += 1;
                provisional |= !self.is_known(d);
            }
        }
        DueDate {
            date: d,
            provisional,
        }
    }

    /// The due dates of a term-based cadence in every entered calendar, in order.
    fn break_reviews(&self, termly: bool) -> Vec<NaiveDate> {
        let mut out = Vec::new();
        for calendar in self.calendars {
            for term in &calendar.terms {
                let halves = match (termly, term.half_term) {
                    (false, Some(h)) => vec![
                        (term.start, h.start - Duration::days(1)),
                        (h.end + Duration::days(1), term.end),
                    ],
                    _ => vec![(term.start, term.end)],
                };
                for (start, end) in halves {
                    let mut last = end;
                    while last >= start && !calendar.is_school_day(last) {
                        last -= Duration::days(1);
                    }
                    if last < start {
                        continue; // a half with no school days
                    }
                    let mut due = monday_of_week(last).max(start);
                    while !calendar.is_school_day(due) {
                        due += Duration::days(1);
                    }
                    out.push(due);
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

/// Every review due date of a plan, from just after `plan_start` to `horizon_end` inclusive.
///
/// See the [module documentation](self) for the rules.
pub fn due_dates(
    plan_start: NaiveDate,
    horizon_end: NaiveDate,
    cadence: Cadence,
    calendars: &[SchoolCalendar],
) -> Result<Vec<DueDate>> {
    if horizon_end <= plan_start {
        return Err(Error::HorizonBeforeStart);
    }
    cadence.validate()?;
    let days = SchoolDays::new(calendars)?;
    Ok(generate(&days, plan_start, horizon_end, cadence))
}

fn generate(
    days: &SchoolDays<'_>,
    from: NaiveDate,
    horizon_end: NaiveDate,
    cadence: Cadence,
) -> Vec<DueDate> {
    let mut out = Vec::new();
    let mut last = from;
    match cadence {
        Cadence::SixWeekly | Cadence::CustomWeeks(_) => {
            let mut sticky = false;
            loop {
                let next = days.add_school_days(last, cadence.school_days());
                if next.date > horizon_end {
                    break;
                }
                sticky |= next.provisional;
                out.push(DueDate {
                    date: next.date,
                    provisional: sticky,
                });
                last = next.date;
            }
        }
        Cadence::HalfTermly | Cadence::Termly => {
            let known = days.break_reviews(cadence == Cadence::Termly);
            loop {
                let candidate = known
                    .iter()
                    .copied()
                    .find(|&c| c > last && c - last >= Duration::days(MIN_GAP_DAYS));
                let fallback = days.add_school_days(last, cadence.school_days());
                let next = match candidate {
                    Some(c) if !(fallback.provisional && fallback.date < c) => DueDate {
                        date: c,
                        provisional: false,
                    },
                    _ => fallback,
                };
                if next.date > horizon_end {
                    break;
                }
                out.push(next);
                last = next.date;
            }
        }
    }
    out
}

/// Recomputes a plan's due dates after its cadence or the term dates change: every existing
/// date before `today` is kept unchanged; dates from `today` on are generated afresh, counting on
/// from the last kept date (or from `plan_start` when none is kept).
pub fn recompute(
    existing: &[DueDate],
    today: NaiveDate,
    plan_start: NaiveDate,
    horizon_end: NaiveDate,
    cadence: Cadence,
    calendars: &[SchoolCalendar],
) -> Result<Vec<DueDate>> {
    if horizon_end <= plan_start {
        return Err(Error::HorizonBeforeStart);
    }
    cadence.validate()?;
    let days = SchoolDays::new(calendars)?;
    let mut kept: Vec<DueDate> = existing
        .iter()
        .copied()
        .filter(|d| d.date < today)
        .collect();
    kept.sort_by_key(|d| d.date);
    let anchor = kept.last().map_or(plan_start, |d| d.date.max(plan_start));
    if anchor < horizon_end {
        kept.extend(
            generate(&days, anchor, horizon_end, cadence)
                .into_iter()
                .filter(|d| d.date >= today),
        );
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date;
    use crate::rules::calendar::Closure;
    use proptest::prelude::*;

    fn years(from: i32, to: i32) -> Vec<SchoolCalendar> {
        (from..=to).map(SchoolCalendar::uk_default).collect()
    }

    fn dates_of(v: &[DueDate]) -> Vec<NaiveDate> {
        v.iter().map(|d| d.date).collect()
    }

    fn known(dates: &[NaiveDate]) -> Vec<DueDate> {
        dates
            .iter()
            .map(|&date| DueDate {
                date,
                provisional: false,
            })
            .collect()
    }

    // The 2026-27 default calendar used below: Autumn 1 Sep–18 Dec 2026 (half term 26–30 Oct),
    // Spring 4 Jan–19 Mar 2027 (half term 15–19 Feb), Summer 5 Apr–22 Jul 2027 (half term
    // 31 May–4 Jun), closed 3 May and 31 May 2027.

    #[test]
    fn six_weekly_counts_school_weeks_and_skips_holidays() {
        let cals = years(2026, 2027);
        let due = due_dates(
            date!(2026 - 09 - 07),
            date!(2027 - 07 - 31),
            Cadence::SixWeekly,
            &cals,
        )
        .unwrap();
        assert_eq!(
            due,
            known(&[
                date!(2026 - 10 - 19), // 6 weeks, no holiday in between
                date!(2026 - 12 - 07), // October half term not counted
                date!(2027 - 02 - 01), // Christmas holidays not counted
                date!(2027 - 04 - 05), // February half term and Easter not counted
                date!(2027 - 05 - 18), // the May Day closure not counted: a Tuesday
                date!(2027 - 07 - 06), // Spring bank holiday half term not counted
            ])
        );
    }

    #[test]
    fn six_weekly_crosses_into_the_next_school_year() {
        let cals = years(2026, 2027);
        let due = due_dates(
            date!(2026 - 09 - 07),
            date!(2027 - 12 - 31),
            Cadence::SixWeekly,
            &cals,
        )
        .unwrap();
        // From 6 July 2027: 12 school days to 22 July, then 18 from Wednesday 1 September 2027.
        assert_eq!(
            due[6],
            DueDate {
                date: date!(2027 - 09 - 24),
                provisional: false
            }
        );
    }

    #[test]
    fn custom_weeks_count_school_weeks_too() {
        let cals = years(2026, 2026);
        let due = due_dates(
            date!(2026 - 09 - 07),
            date!(2026 - 12 - 18),
            Cadence::CustomWeeks(3),
            &cals,
        )
        .unwrap();
        assert_eq!(
            dates_of(&due),
            vec![
                date!(2026 - 09 - 28),
                date!(2026 - 10 - 19),
                date!(2026 - 11 - 16), // half term week not counted
                date!(2026 - 12 - 07),
            ]
        );
        assert_eq!(
            due_dates(
                date!(2026 - 09 - 07),
                date!(2026 - 12 - 18),
                Cadence::CustomWeeks(0),
                &cals
            ),
            Err(Error::InvalidCadence { weeks: 0 })
        );
        assert_eq!(
            due_dates(
                date!(2026 - 09 - 07),
                date!(2026 - 12 - 18),
                Cadence::CustomWeeks(53),
                &cals
            )
            .unwrap_err()
            .to_string(),
            "a custom review cadence is 1 to 52 weeks; found 53"
        );
    }

    #[test]
    fn half_termly_is_due_in_the_last_week_before_each_break() {
        let cals = years(2026, 2026);
        let due = due_dates(
            date!(2026 - 09 - 07),
            date!(2027 - 07 - 31),
            Cadence::HalfTermly,
            &cals,
        )
        .unwrap();
        assert_eq!(
            due,
            known(&[
                date!(2026 - 10 - 19),
                date!(2026 - 12 - 14),
                date!(2027 - 02 - 08),
                date!(2027 - 03 - 15),
                date!(2027 - 05 - 24),
                date!(2027 - 07 - 19),
            ])
        );
    }

    #[test]
    fn termly_is_due_in_the_last_week_of_each_term() {
        let cals = years(2026, 2026);
        let due = due_dates(
            date!(2026 - 09 - 07),
            date!(2027 - 07 - 31),
            Cadence::Termly,
            &cals,
        )
        .unwrap();
        assert_eq!(
            due,
            known(&[
                date!(2026 - 12 - 14),
                date!(2027 - 03 - 15),
                date!(2027 - 07 - 19)
            ])
        );
    }

    #[test]
    fn the_first_week_of_the_final_week_skips_a_closure() {
        let mut cals = years(2026, 2026);
        cals[0].closures.push(Closure {
            label: "INSET day".into(),
            start: date!(2026 - 10 - 19),
            end: date!(2026 - 10 - 19),
        });
        let due = due_dates(
            date!(2026 - 09 - 07),
            date!(2026 - 11 - 30),
            Cadence::HalfTermly,
            &cals,
        )
        .unwrap();
        assert_eq!(due, known(&[date!(2026 - 10 - 20)]));
    }

    #[test]
    fn no_review_within_two_weeks_of_the_start() {
        let cals = years(2026, 2026);
        // 19 October is only a week away: the first review is at the Christmas break.
        let due = due_dates(
            date!(2026 - 10 - 12),
            date!(2027 - 01 - 31),
            Cadence::HalfTermly,
            &cals,
        )
        .unwrap();
        assert_eq!(due, known(&[date!(2026 - 12 - 14)]));
        // Exactly 14 days is enough.
        let due = due_dates(
            date!(2026 - 10 - 05),
            date!(2026 - 11 - 30),
            Cadence::HalfTermly,
            &cals,
        )
        .unwrap();
        assert_eq!(due, known(&[date!(2026 - 10 - 19)]));
    }

    #[test]
    fn beyond_the_known_calendars_the_typical_year_is_assumed_and_marked_provisional() {
        let cals = years(2026, 2026);
        let due = due_dates(
            date!(2026 - 09 - 07),
            date!(2027 - 12 - 31),
            Cadence::HalfTermly,
            &cals,
        )
        .unwrap();
        assert_eq!(
            due[5],
            DueDate {
                date: date!(2027 - 07 - 19),
                provisional: false
            }
        );
        // From 19 July: 3 known school days to 22 July, then 27 school days of the typical
        // England year (the summer holiday is not counted): Thursday 7 October 2027, assumed.
        assert_eq!(
            due[6],
            DueDate {
                date: date!(2027 - 10 - 07),
                provisional: true
            }
        );
        assert!(due[6..]
            .iter()
            .all(|d| d.provisional && typical_school_day(d.date)));
        // A summer between two entered years is a known holiday.
        let both = years(2026, 2027);
        let days = SchoolDays::new(&both).unwrap();
        assert!(days.is_known(date!(2027 - 08 - 10)));
        assert!(!days.is_school_day(date!(2027 - 08 - 10)));
    }

    #[test]
    fn term_based_cadence_returns_to_exact_dates_after_a_missing_year() {
        let cals = vec![
            SchoolCalendar::uk_default(2026),
            SchoolCalendar::uk_default(2028),
        ];
        let due = due_dates(
            date!(2026 - 09 - 07),
            date!(2029 - 07 - 31),
            Cadence::Termly,
            &cals,
        )
        .unwrap();
        let exact: Vec<NaiveDate> = due
            .iter()
            .filter(|d| !d.provisional)
            .map(|d| d.date)
            .collect();
        let expected_2028_29: Vec<NaiveDate> =
            SchoolDays::new(&cals).unwrap().break_reviews(true)[3..].to_vec();
        // Back on the entered 2028-29 calendar, every exact date is one of its term reviews
        // (the first may be skipped when a provisional review fell less than 14 days before it).
        assert!(exact[3..].len() >= 2, "{exact:?}");
        assert!(
            exact[3..].iter().all(|d| expected_2028_29.contains(d)),
            "{exact:?}"
        );
        assert!(expected_2028_29.ends_with(&exact[3..]), "{exact:?}");
        assert!(
            due.iter()
                .filter(|d| d.provisional)
                .all(|d| d.date > date!(2027 - 07 - 22)
                    && d.date < date!(2028 - 12 - 11)
                    && typical_school_day(d.date)),
            "{due:?}"
        );
    }

    #[test]
    fn before_the_first_calendar_is_provisional() {
        let cals = years(2026, 2026);
        let due = due_dates(
            date!(2026 - 06 - 01),
            date!(2026 - 12 - 31),
            Cadence::SixWeekly,
            &cals,
        )
        .unwrap();
        // 30 weekdays from Monday 1 June 2026: Monday 13 July 2026, assumed.
        assert_eq!(
            due[0],
            DueDate {
                date: date!(2026 - 07 - 13),
                provisional: true
            }
        );
        assert!(due.iter().all(|d| d.provisional));
    }

    #[test]
    fn no_calendars_at_all_means_the_typical_year_provisionally() {
        let due = due_dates(
            date!(2026 - 09 - 07),
            date!(2028 - 09 - 07),
            Cadence::Termly,
            &[],
        )
        .unwrap();
        // Every 65 school days of the typical England year: three a year, none in a holiday.
        assert_eq!(due.len(), 6, "{due:?}");
        assert!(
            due.iter()
                .all(|d| d.provisional && typical_school_day(d.date)),
            "{due:?}"
        );
        assert!(due.iter().all(|d| d.date.month() != 8), "{due:?}");
    }

    #[test]
    fn horizon_and_calendar_errors() {
        let cals = years(2026, 2026);
        assert_eq!(
            due_dates(
                date!(2026 - 09 - 07),
                date!(2026 - 09 - 07),
                Cadence::Termly,
                &cals
            ),
            Err(Error::HorizonBeforeStart)
        );
        let mut bad = cals.clone();
        bad[0].terms[0].end = date!(2026 - 08 - 01);
        assert!(matches!(
            due_dates(
                date!(2026 - 09 - 07),
                date!(2027 - 09 - 07),
                Cadence::Termly,
                &bad
            ),
            Err(Error::TermEndsBeforeStart { .. })
        ));
        let overlapping = vec![
            SchoolCalendar::uk_default(2026),
            SchoolCalendar::uk_default(2026),
        ];
        assert!(matches!(
            due_dates(
                date!(2026 - 09 - 07),
                date!(2027 - 09 - 07),
                Cadence::Termly,
                &overlapping
            ),
            Err(Error::CalendarsOverlap { .. })
        ));
    }

    #[test]
    fn cadence_change_recomputes_future_not_past() {
        let cals = years(2026, 2026);
        let start = date!(2026 - 09 - 07);
        let end = date!(2027 - 07 - 31);
        let six = due_dates(start, end, Cadence::SixWeekly, &cals).unwrap();
        let today = date!(2027 - 01 - 11);
        let changed = recompute(&six, today, start, end, Cadence::Termly, &cals).unwrap();
        // Past kept; termly from 7 December: 14 December is too soon, then the spring and summer
        // term reviews.
        assert_eq!(
            changed,
            known(&[
                date!(2026 - 10 - 19),
                date!(2026 - 12 - 07),
                date!(2027 - 03 - 15),
                date!(2027 - 07 - 19)
            ])
        );
        // And back again: six weekly counts on from the last past review.
        let back = recompute(
            &changed,
            date!(2027 - 03 - 20),
            start,
            end,
            Cadence::SixWeekly,
            &cals,
        )
        .unwrap();
        assert_eq!(
            &dates_of(&back)[..3],
            &[
                date!(2026 - 10 - 19),
                date!(2026 - 12 - 07),
                date!(2027 - 03 - 15)
            ]
        );
        assert_eq!(
            &dates_of(&back)[3..],
            &[date!(2027 - 05 - 11), date!(2027 - 06 - 29)]
        );
    }

    #[test]
    fn term_date_change_recomputes_future_not_past() {
        let start = date!(2026 - 09 - 07);
        let end = date!(2027 - 07 - 31);
        let cals = years(2026, 2026);
        let before = due_dates(start, end, Cadence::SixWeekly, &cals).unwrap();
        let mut edited = cals.clone();
        for day in [date!(2026 - 10 - 19), date!(2027 - 02 - 01)] {
            edited[0].closures.push(Closure {
                label: "INSET day".into(),
                start: day,
                end: day,
            });
        }
        let after = recompute(
            &before,
            date!(2027 - 01 - 11),
            start,
            end,
            Cadence::SixWeekly,
            &edited,
        )
        .unwrap();
        assert_eq!(
            dates_of(&after),
            vec![
                date!(2026 - 10 - 19), // past: kept although now a closure
                date!(2026 - 12 - 07),
                date!(2027 - 02 - 02), // 1 February is now an INSET day
                date!(2027 - 04 - 06),
                date!(2027 - 05 - 19),
                date!(2027 - 07 - 07),
            ]
        );
    }

    #[test]
    fn recompute_with_nothing_changed_changes_nothing() {
        let cals = years(2026, 2028);
        let start = date!(2026 - 09 - 07);
        let end = date!(2029 - 07 - 01);
        for cadence in [
            Cadence::SixWeekly,
            Cadence::HalfTermly,
            Cadence::Termly,
            Cadence::CustomWeeks(4),
        ] {
            let due = due_dates(start, end, cadence, &cals).unwrap();
            for today in [
                start,
                date!(2027 - 01 - 11),
                date!(2028 - 05 - 19),
                date!(2029 - 08 - 01),
            ] {
                assert_eq!(
                    recompute(&due, today, start, end, cadence, &cals).unwrap(),
                    due,
                    "{cadence:?} {today}"
                );
            }
        }
    }

    #[test]
    fn school_days_helpers() {
        let cals = years(2026, 2026);
        let days = SchoolDays::new(&cals).unwrap();
        assert_eq!(
            days.next_school_day(date!(2026 - 10 - 24)),
            DueDate {
                date: date!(2026 - 11 - 02),
                provisional: false
            }
        );
        assert_eq!(
            days.next_school_day(date!(2027 - 07 - 24)),
            // Beyond the entered year, the typical England year: the autumn term's first day.
            DueDate {
                date: date!(2027 - 09 - 01),
                provisional: true
            }
        );
        assert_eq!(
            days.add_school_days(date!(2026 - 10 - 23), 1).date,
            date!(2026 - 11 - 02)
        );
        assert_eq!(
            days.add_school_days(date!(2026 - 10 - 23), 0).date,
            date!(2026 - 10 - 23)
        );
    }

    /// A school day of the typical England year `d` falls in.
    fn typical_school_day(d: NaiveDate) -> bool {
        let y = if d.month() as u8 >= 8 {
            d.year()
        } else {
            d.year() - 1
        };
        SchoolCalendar::uk_default(y).is_school_day(d)
    }

    #[test]
    fn cadence_labels_and_serde() {
        assert_eq!(Cadence::SixWeekly.label(), "every 6 weeks");
        assert_eq!(Cadence::CustomWeeks(8).label(), "every 8 weeks");
        assert_eq!(
            serde_json::to_string(&Cadence::HalfTermly).unwrap(),
            "\"half_termly\""
        );
        assert_eq!(
            serde_json::to_string(&Cadence::CustomWeeks(8)).unwrap(),
            r#"{"custom_weeks":8}"#
        );
        let due = DueDate {
            date: date!(2026 - 10 - 19),
            provisional: true,
        };
        assert_eq!(
            serde_json::to_string(&due).unwrap(),
            r#"{"date":"2026-10-19","provisional":true}"#
        );
    }

    fn cadence_strategy() -> impl Strategy<Value = Cadence> {
        prop_oneof![
            Just(Cadence::SixWeekly),
            Just(Cadence::HalfTermly),
            Just(Cadence::Termly),
            (1u32..=52).prop_map(Cadence::CustomWeeks),
        ]
    }

    /// Calendars for some of the school years 2025-26 to 2029-30, each with a few random extra
    /// closures.
    fn calendars_strategy() -> impl Strategy<Value = Vec<SchoolCalendar>> {
        (
            proptest::collection::vec(any::<bool>(), 5),
            proptest::collection::vec((0i64..330, 0i64..5), 0..6),
        )
            .prop_map(|(present, closures)| {
                let mut cals = Vec::new();
                for (i, keep) in present.into_iter().enumerate() {
                    if !keep {
                        continue;
                    }
                    let mut c = SchoolCalendar::uk_default(2025 + i as i32);
                    let first = c.span().unwrap().start;
                    for &(offset, len) in &closures {
                        let start = first + Duration::days(offset);
                        c.closures.push(Closure {
                            label: "closure".into(),
                            start,
                            end: start + Duration::days(len),
                        });
                    }
                    cals.push(c);
                }
                cals
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn no_due_date_is_ever_a_non_school_day(
            start_offset in 0i64..(4 * 365),
            horizon_days in (2 * 365i64)..=(3 * 365),
            cadence in cadence_strategy(),
            cals in calendars_strategy(),
            today_offset in 0i64..(3 * 365),
        ) {
            let start = date!(2025 - 06 - 01) + Duration::days(start_offset);
            let end = start + Duration::days(horizon_days);
            let due = due_dates(start, end, cadence, &cals).unwrap();
            let days = SchoolDays::new(&cals).unwrap();
            prop_assert!(!due.is_empty());
            let mut previous = start;
            for d in &due {
                prop_assert!(d.date > previous, "dates strictly increase");
                prop_assert!(d.date <= end, "within the horizon");
                prop_assert!(crate::rules::dates::is_weekday(d.date), "{} is a weekend", d.date);
                if days.is_known(d.date) {
                    prop_assert!(cals.iter().any(|c| c.is_school_day(d.date)), "{} is a known non-school day", d.date);
                } else {
                    prop_assert!(d.provisional, "{} lies beyond the calendars but is not provisional", d.date);
                }
                if !d.provisional {
                    prop_assert!(cals.iter().any(|c| c.is_school_day(d.date)));
                }
                previous = d.date;
            }

            // Recomputing with another cadence keeps the past and obeys the same rules.
            let today = start + Duration::days(today_offset);
            let other = match cadence {
                Cadence::Termly => Cadence::SixWeekly,
                _ => Cadence::Termly,
            };
            let re = recompute(&due, today, start, end, other, &cals).unwrap();
            let past: Vec<DueDate> = due.iter().copied().filter(|d| d.date < today).collect();
            prop_assert_eq!(&re[..past.len()], past.as_slice());
            for pair in re.windows(2) {
                prop_assert!(pair[0].date < pair[1].date);
            }
            for d in &re[past.len()..] {
                prop_assert!(d.date >= today && d.date <= end);
                prop_assert!(days.is_school_day(d.date));
            }
        }
    }
}
