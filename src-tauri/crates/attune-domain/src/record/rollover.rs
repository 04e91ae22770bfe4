//! Rollover: the start of a new school year (issue 15). Every active pupil's year group moves on
//! by one ([`YearGroup::next`]: N1→N2→R→Y1…Y14, or N2→P1…P7→S1…S6 in Scotland), and the
//! pupils in the school's last year are **offered** as leavers rather than moved on.
//!
//! **The school's last year.** The year group the lead names (`last_year`, for example `P7`
//! or `Y11`); otherwise, for each ladder (Reception and years 1–14; P1–P7 and S1–S6), the
//! highest year group any active pupil is in now. So a primary whose oldest pupils are in P7
//! offers its P7s; a secondary without a sixth form, its Year 11s. Year 14 and S6 have no next
//! year and are always offered. Nursery pupils climb their school's ladder: Scottish when the
//! school's active pupils are all on P/S year groups, else Reception next.
//!
//! **Leavers.** A leaver offered is marked as having left only when the lead confirms it
//! ([`RolloverChoices::leavers_left`] with a date). A leaver not confirmed stays active in
//! their year group (kept on, or to be marked left from their record later), and is offered
//! again next year.
//!
//! **Which year the vault is in.** The setting `school_year` holds the school year the year
//! groups are for, written by each rollover. A rollover must be to the year after it, so
//! running one twice is refused with a plain message instead of moving everyone on twice.
//! Before the first rollover the vault's year is not known: the target must then be the
//! school year of today or the one after (so it can be run in July or in September).
//!
//! Everything is one transaction, audited per pupil (`pupil.rollover`, `pupil.leave`) and once
//! for the school (`school_year.rollover`, target `year:2027-28`). It writes the same pupil
//! columns as an edit by hand and a synced setting, so it reaches the laptops by sync.

use std::collections::{HashMap, HashSet};

use attune_vault::settings::{self, Setting};
use attune_vault::{Action, Vault};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::params;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::access;
use crate::error::{Error, Result};
use crate::lead::summary_facts::Period;
use crate::model::PupilStatus;
use crate::planning::calendars::school_year_start;
use crate::record::pupils;
use crate::rules::calendar::year_label;
use crate::rules::year_group::{Ladder, YearGroup};
use crate::store::{d2s, ts};

/// A pupil whose year group moves on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct YearMove {
    #[ts(type = "number")]
    pub pupil_id: i64,
    pub display_name: String,
    /// As shown: "Year 5", "P3".
    pub from: String,
    pub to: String,
}

/// A pupil in the school's last year (or past it), offered as a leaver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Leaver {
    #[ts(type = "number")]
    pub pupil_id: i64,
    pub display_name: String,
    pub year_group_label: String,
}

/// What a rollover would do. Writes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RolloverPreview {
    /// The school year the vault's year groups are for now ("2026-27"), if a rollover set it.
    pub from_year: Option<String>,
    /// The school year rolled to ("2027-28").
    pub to_year: String,
    /// The school's last year on each ladder in use, as shown ("P7", "Year 11").
    pub last_years: Vec<String>,
    /// Whether the last year was named by the lead (else the highest year group held).
    pub last_year_given: bool,
    /// Active pupils whose year group moves on, by name.
    pub moves: Vec<YearMove>,
    /// Active pupils in the last year, offered as leavers, by name.
    pub leavers: Vec<Leaver>,
}

/// The strategic lead's choices when confirming a rollover.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RolloverChoices {
    /// The school year to roll to: "2027-28".
    pub to: String,
    /// The school's last year group (a code or as written: "P7", "Year 11"); `None` for the
    /// highest year group any active pupil is in.
    #[serde(default)]
    pub last_year: Option<String>,
    /// Leavers offered to mark as having left on `left_on` (the others stay active).
    #[ts(type = "number[]")]
    #[serde(default)]
    pub leavers_left: Vec<i64>,
    #[serde(default, with = "crate::rules::dates::iso_option")]
    #[ts(type = "string | null")]
    pub left_on: Option<NaiveDate>,
}

/// What a rollover did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RolloverOutcome {
    pub to_year: String,
    /// Pupils whose year group moved on.
    pub moved: usize,
    /// Leavers marked as having left.
    pub marked_left: usize,
    /// Leavers offered and kept active in their year group.
    pub stayed: usize,
}

/// The school year the vault's year groups are for, as the last rollover set it ("2026-27"),
/// or `None` before any rollover (any signed-in user may read it).
pub fn school_year(vault: &Vault) -> Result<Option<String>> {
    access::actor(vault)?;
    Ok(settings::read(vault.conn()?, Setting::SchoolYear)?
        .and_then(|v| Period::parse(&v).ok())
        .filter(|p| p.term.is_none())
        .map(|p| year_label(p.start_year)))
}

/// The start year of the school year a rollover may go to, checked against the vault's year.
fn check_target(stored: Option<&str>, to: &str, today: NaiveDate) -> Result<i32> {
    let period = Period::parse(to)
        .ok()
        .filter(|p| p.term.is_none())
        .ok_or_else(|| {
            Error::invalid(
                "to",
                format!("Give the school year to roll over to, such as 2027-28 (not {to:?})."),
            )
        })?;
    let target = period.start_year;
    let label = year_label(target);
    match stored.and_then(|s| Period::parse(s).ok()) {
        Some(now) if target == now.start_year => Err(Error::Duplicate(format!(
            "The vault has already been rolled over to {label}: year groups moved on once for that year, and will not move twice."
        ))),
        Some(now) if target < now.start_year => Err(Error::invalid(
            "to",
            format!(
                "The vault is already in {}; it cannot go back to {label}. The next rollover is to {}.",
                year_label(now.start_year),
                year_label(now.start_year + 1)
            ),
        )),
        Some(now) if target != now.start_year + 1 => Err(Error::invalid(
            "to",
            format!(
                "The vault is in {}; a rollover moves on one year at a time, to {} (not {label}).",
                year_label(now.start_year),
                year_label(now.start_year + 1)
            ),
        )),
        Some(_) => Ok(target),
        None => {
            let this = school_year_start(today);
            if target == this || target == this + 1 {
                Ok(target)
            } else {
                Err(Error::invalid(
                    "to",
                    format!(
                        "Roll over to this school year ({}) or the next ({}), not {label}.",
                        year_label(this),
                        year_label(this + 1)
                    ),
                ))
            }
        }
    }
}

struct Plan {
    from_year: Option<String>,
    to_start: i32,
    last_years: Vec<String>,
    moves: Vec<(YearMove, YearGroup)>,
    leavers: Vec<Leaver>,
}

fn plan(vault: &Vault, to: &str, last_year: Option<&str>, today: NaiveDate) -> Result<Plan> {
    let conn = vault.conn()?;
    let from_year = settings::read(conn, Setting::SchoolYear)?;
    let to_start = check_target(from_year.as_deref(), to, today)?;
    let given = last_year
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            YearGroup::parse(s)
                .map_err(|e| Error::invalid("last_year", format!("The school's last year: {e}.")))
        })
        .transpose()?;
    let ids: Vec<i64> = {
        let mut stmt = conn.prepare("SELECT id FROM pupils WHERE status = ?1 ORDER BY id")?;
        let rows = stmt.query_map([PupilStatus::Active.as_str()], |r| r.get(0))?;
        rows.collect::<std::result::Result<_, _>>()?
    };
    let mut active = Vec::with_capacity(ids.len());
    for id in ids {
        let p = pupils::load(conn, id)?;
        let y = YearGroup::parse(&p.year_group)?;
        active.push((p, y));
    }
    let ladders: HashSet<Ladder> = active.iter().filter_map(|(_, y)| y.ladder()).collect();
    let school_ladder = if ladders.len() == 1 && ladders.contains(&Ladder::Scottish) {
        Ladder::Scottish
    } else {
        Ladder::National
    };
    let ladder_of = |y: YearGroup| y.ladder().unwrap_or(school_ladder);
    let mut last: HashMap<Ladder, YearGroup> = HashMap::new();
    for (_, y) in &active {
        let e = last.entry(ladder_of(*y)).or_insert(*y);
        if y.rank() > e.rank() {
            *e = *y;
        }
    }
    if let Some(g) = given {
        last.insert(ladder_of(g), g);
    }
    let mut last_years: Vec<(Ladder, YearGroup)> = last.iter().map(|(l, y)| (*l, *y)).collect();
    last_years.sort_by_key(|(l, _)| *l == Ladder::Scottish);
    let mut out = Plan {
        from_year: from_year
            .and_then(|s| Period::parse(&s).ok())
            .map(|p| year_label(p.start_year)),
        to_start,
        last_years: last_years.iter().map(|(_, y)| y.label()).collect(),
        moves: Vec::new(),
        leavers: Vec::new(),
    };
    for (p, y) in active {
        let ladder = ladder_of(y);
        let next = y.next(ladder);
        let is_last = last.get(&ladder).is_some_and(|l| y.rank() >= l.rank());
        match next {
            Some(n) if !is_last => out.moves.push((
                YearMove {
                    pupil_id: p.id,
                    display_name: p.display_name,
                    from: y.label(),
                    to: n.label(),
                },
                n,
            )),
            _ => out.leavers.push(Leaver {
                pupil_id: p.id,
                display_name: p.display_name,
                year_group_label: y.label(),
            }),
        }
    }
    Ok(out)
}

/// What rolling over to the school year `to` would do (strategic lead only; a refusal is
/// audited). Refuses a year that is not the next one. Writes nothing.
pub fn preview_rollover(
    vault: &Vault,
    to: &str,
    last_year: Option<&str>,
    now: DateTime<Utc>,
) -> Result<RolloverPreview> {
    access::require_lead(
        vault,
        Action::SchoolYearRollover,
        None,
        "start a new school year",
        now,
    )?;
    let p = plan(vault, to, last_year, now.date_naive())?;
    Ok(RolloverPreview {
        from_year: p.from_year,
        to_year: year_label(p.to_start),
        last_years: p.last_years,
        last_year_given: last_year.is_some_and(|s| !s.trim().is_empty()),
        moves: p.moves.into_iter().map(|(m, _)| m).collect(),
        leavers: p.leavers,
    })
}

/// Rolls over to the school year `choices.to` (strategic lead only), in one transaction: every
/// active pupil not in the last year moves on one year group; the leavers the lead chose are
/// marked as having left on `left_on`; the vault's school year becomes `to`.
pub fn apply_rollover(
    vault: &mut Vault,
    choices: &RolloverChoices,
    now: DateTime<Utc>,
) -> Result<RolloverOutcome> {
    let user = access::require_lead(
        vault,
        Action::SchoolYearRollover,
        None,
        "start a new school year",
        now,
    )?;
    let p = plan(
        vault,
        &choices.to,
        choices.last_year.as_deref(),
        now.date_naive(),
    )?;
    let offered: HashSet<i64> = p.leavers.iter().map(|l| l.pupil_id).collect();
    if let Some(id) = choices.leavers_left.iter().find(|id| !offered.contains(id)) {
        return Err(Error::invalid(
            "leavers_left",
            format!("Record {id} is not one of the leavers offered: only pupils in the school's last year can be marked as left here."),
        ));
    }
    let chosen: HashSet<i64> = choices.leavers_left.iter().copied().collect();
    let left_on = match (chosen.is_empty(), choices.left_on) {
        (true, _) => None,
        (false, Some(d)) => Some(d),
        (false, None) => return Err(Error::invalid("left_on", "Give the date the leavers left.")),
    };
    let to_year = year_label(p.to_start);
    let tx = vault.conn_mut()?.transaction()?;
    for (m, next) in &p.moves {
        tx.execute(
            "UPDATE pupils SET year_group = ?2, updated_at = ?3 WHERE id = ?1",
            params![m.pupil_id, next.code(), ts(now)],
        )?;
        access::record(
            &tx,
            &user,
            Action::PupilRollover,
            Some(&access::target(m.pupil_id, None)),
            now,
        )?;
    }
    if let Some(left_on) = left_on {
        for id in &chosen {
            tx.execute(
                "UPDATE pupils SET status = 'left', left_on = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, d2s(left_on), ts(now)],
            )?;
            access::record(
                &tx,
                &user,
                Action::PupilLeave,
                Some(&access::target(*id, None)),
                now,
            )?;
        }
    }
    settings::write(&tx, Setting::SchoolYear, &to_year)?;
    access::record(
        &tx,
        &user,
        Action::SchoolYearRollover,
        Some(&format!("year:{to_year}")),
        now,
    )?;
    tx.commit()?;
    Ok(RolloverOutcome {
        to_year,
        moved: p.moves.len(),
        marked_left: chosen.len(),
        stayed: p.leavers.len() - chosen.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_target_is_the_next_year_or_refused_plainly() {
        let july = d("2027-07-20");
        let september = d("2027-09-02");
        // Before any rollover: this school year or the next.
        assert_eq!(check_target(None, "2027-28", july).unwrap(), 2027);
        assert_eq!(check_target(None, "2027-28", september).unwrap(), 2027);
        assert_eq!(check_target(None, "2026-27", july).unwrap(), 2026);
        assert!(check_target(None, "2029-30", july).is_err());
        // After one: exactly the next.
        assert_eq!(
            check_target(Some("2026-27"), "2027/28", july).unwrap(),
            2027
        );
        let twice = check_target(Some("2027-28"), "2027-28", september).unwrap_err();
        assert!(
            twice
                .to_string()
                .contains("already been rolled over to 2027-28"),
            "{twice}"
        );
        let back = check_target(Some("2027-28"), "2026-27", september).unwrap_err();
        assert!(back.to_string().contains("cannot go back"), "{back}");
        let skip = check_target(Some("2026-27"), "2028-29", september).unwrap_err();
        assert!(
            skip.to_string().contains("one year at a time, to 2027-28"),
            "{skip}"
        );
        for bad in ["2027-29", "next", "2027-28 autumn", ""] {
            assert!(check_target(None, bad, july).is_err(), "{bad}");
        }
    }
}
