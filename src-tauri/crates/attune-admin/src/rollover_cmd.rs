//! `rollover`: the start of a new school year (the work is done by
//! `attune_domain::record::rollover`). Prints per record id what moves and who is offered as a
//! leaver, never a name.

use std::collections::HashSet;

use attune_domain::record::rollover::{self, RolloverChoices};
use attune_domain::rules::dates::{self, DateOrder};

use crate::error::{Error, Result};
use crate::{now, open, Cli};

/// `attune-admin rollover --to YEAR [--dry-run] [--last-year YG] [--leavers-left-on DATE
/// [--stay ID]...]`
pub fn rollover(
    cli: &Cli,
    to: &str,
    dry_run: bool,
    last_year: Option<&str>,
    leavers_left_on: Option<&str>,
    stay: &[i64],
) -> Result<()> {
    let left_on = leavers_left_on
        .map(|d| {
            dates::parse_date(d, DateOrder::DayFirst).map_err(|_| {
                Error::Usage(format!(
                    "--leavers-left-on {d}: give a date such as 2027-07-21"
                ))
            })
        })
        .transpose()?;
    let stay: HashSet<i64> = stay.iter().copied().collect();
    let mut v = open(cli)?;
    let result = (|| -> Result<_> {
        let preview = rollover::preview_rollover(&v, to, last_year, now())?;
        let offered: HashSet<i64> = preview.leavers.iter().map(|l| l.pupil_id).collect();
        if let Some(id) = stay.iter().find(|id| !offered.contains(id)) {
            return Err(Error::Usage(format!(
                "--stay {id}: record {id} is not one of the leavers offered"
            )));
        }
        let leaving: Vec<i64> = match left_on {
            Some(_) => preview
                .leavers
                .iter()
                .map(|l| l.pupil_id)
                .filter(|id| !stay.contains(id))
                .collect(),
            None => Vec::new(),
        };
        let outcome = if dry_run {
            None
        } else {
            Some(rollover::apply_rollover(
                &mut v,
                &RolloverChoices {
                    to: to.to_string(),
                    last_year: last_year.map(str::to_string),
                    leavers_left: leaving.clone(),
                    left_on,
                },
                now(),
            )?)
        };
        Ok((preview, leaving, outcome))
    })();
    v.lock("cli", now());
    let (preview, leaving, outcome) = result?;
    println!(
        "School year: {} → {}.",
        preview
            .from_year
            .as_deref()
            .unwrap_or("not set by a rollover yet"),
        preview.to_year
    );
    if !preview.last_years.is_empty() {
        println!(
            "The school's last year: {} ({}).",
            preview.last_years.join(" and "),
            if preview.last_year_given {
                "as given"
            } else {
                "the highest year group held; name another with --last-year"
            }
        );
    }
    for m in &preview.moves {
        println!("record {}: {} → {}", m.pupil_id, m.from, m.to);
    }
    let when = left_on.map(dates::format_uk).unwrap_or_default();
    for l in &preview.leavers {
        let what = if leaving.contains(&l.pupil_id) {
            format!("marked as left on {when}")
        } else if left_on.is_some() {
            format!("stays, active in {}", l.year_group_label)
        } else {
            "offered; not marked as left (use --leavers-left-on DATE)".to_string()
        };
        println!(
            "record {}: leaver ({}) — {what}",
            l.pupil_id, l.year_group_label
        );
    }
    let (moves, leavers) = (preview.moves.len(), preview.leavers.len());
    match outcome {
        None => println!(
            "Dry run: {moves} to move on, {leavers} {} offered. Nothing was written.",
            if leavers == 1 { "leaver" } else { "leavers" }
        ),
        Some(o) => {
            println!(
                "Rolled over to {}: {} moved on, {} marked as left, {} {} active in their year group.",
                o.to_year,
                o.moved,
                o.marked_left,
                o.stayed,
                if o.stayed == 1 { "leaver stays" } else { "leavers stay" }
            );
            if o.stayed > 0 {
                println!(
                    "Mark a leaver as left from their record when they go; they are offered again at the next rollover."
                );
            }
        }
    }
    Ok(())
}
