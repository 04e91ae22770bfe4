//! Merging several schools' summaries (a trust, cluster or local-authority lead, who has the
//! JSON files and no vault) into one.
//!
//! # Refusals (each names the file)
//!
//! Not JSON or not shaped like a summary (malformed); another schema version; a checksum that
//! does not match (tampered); a merged summary as an input; a period other than the first
//! file's; the same school twice (the same source id, which one vault gives for a period, or
//! the same checksum). At least two files are needed.
//!
//! # Figures
//!
//! - A count or amount published by every school is their sum.
//! - A category a school's table does not list has none in it (zero) for that school.
//! - Where any school withheld a figure, the merged figure is shown as **bounds**: the sum of
//!   each school's exact whole-number range for it, computed from everything that school
//!   published ([`crate::audit::exact_ranges`]: every table together, every line, whole
//!   numbers, a withheld count at least 1 where its table publishes zeros, hours as whole
//!   minutes within a published figure's rounding), each end a solver's witness checked in
//!   whole numbers. Schools are independent, so the sum of their ranges is the exact range of
//!   the merged figure. Nothing is assumed about why a figure was withheld.
//! - A file whose own figures admit no whole-number solution (they contradict its totals) is
//!   refused.
//! - A mean or share is the weighted mean of the schools' published ones (weighted by the
//!   count its column names). Where a school withheld it or its count, the merged figure is
//!   shown as the least and greatest weighted mean possible with that school's figure anywhere
//!   in its range (0–10 for ratings, 0–100 for percentages, a row's range for indicators) and
//!   its count anywhere within its bounds.

use std::collections::BTreeMap;

use attune_domain::lead::summary_facts::YearBand;

use crate::error::{Error, Refusal, Result};
use crate::json;
use crate::model::{
    round_to, Cell, CellStatus, Column, Kind, Row, Source, Summary, SummaryKind, Table,
};

/// One school's file, read and checked.
#[derive(Debug, Clone)]
pub struct Input {
    /// The file's name, for messages.
    pub name: String,
    pub summary: Summary,
    pub checksum: String,
    /// The exact range of each withheld count or amount ([`crate::audit::exact_ranges`]).
    pub ranges: BTreeMap<crate::audit::CellRef, crate::audit::Range>,
}

/// Reads and checks every file (name, bytes), refusing the first bad one with its reason.
pub fn read_inputs(files: &[(String, Vec<u8>)]) -> Result<Vec<Input>> {
    if files.len() < 2 {
        return Err(Error::MergeNeedsFiles(files.len()));
    }
    let mut out: Vec<Input> = Vec::new();
    for (name, bytes) in files {
        let refuse = |reason| Error::MergeFile {
            file: name.clone(),
            reason,
        };
        let summary = json::from_json(bytes).map_err(refuse)?;
        if summary.kind == SummaryKind::Merged {
            return Err(refuse(Refusal::AlreadyMerged));
        }
        if let Some(first) = out.first() {
            if first.summary.period != summary.period {
                return Err(refuse(Refusal::OtherPeriod {
                    expected: first.summary.period.clone(),
                    found: summary.period.clone(),
                    first_file: first.name.clone(),
                }));
            }
        }
        let ranges =
            crate::audit::exact_ranges(&summary).map_err(|_| refuse(Refusal::Contradictory))?;
        let checksum = json::checksum(&summary);
        if let Some(other) = out
            .iter()
            .find(|o| o.checksum == checksum || o.summary.source_id == summary.source_id)
        {
            return Err(refuse(Refusal::Duplicate {
                other: other.name.clone(),
            }));
        }
        out.push(Input {
            name: name.clone(),
            summary,
            checksum,
            ranges,
        });
    }
    Ok(out)
}

/// What is known of one figure: a value between `lo` and `hi` (`None`: unlimited), or nothing
/// to show.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub lo: f64,
    pub hi: Option<f64>,
    pub na: bool,
}

impl Interval {
    fn exact(v: f64) -> Interval {
        Interval {
            lo: v,
            hi: Some(v),
            na: false,
        }
    }

    fn is_exact(&self) -> bool {
        !self.na && self.hi == Some(self.lo)
    }
}

/// The range a mean or share of this cell can take.
fn value_range(t: &Table, r: usize, c: usize) -> Option<[f64; 2]> {
    let col = &t.columns[c];
    if col.kind == Kind::Share {
        return Some([0.0, 100.0]);
    }
    if let Some(range) = col.range {
        return Some(range);
    }
    t.rows[r].range.map(|[lo, hi]| {
        if col.change {
            [-(hi - lo), hi - lo]
        } else {
            [lo, hi]
        }
    })
}

/// Every figure of one school's table as an interval, withheld ones narrowed by the lines.
pub fn intervals(t: &Table) -> Vec<Vec<Interval>> {
    let mut iv: Vec<Vec<Interval>> = t
        .rows
        .iter()
        .enumerate()
        .map(|(r, row)| {
            row.cells
                .iter()
                .enumerate()
                .map(|(c, cell)| match cell.status {
                    CellStatus::Published => Interval::exact(cell.value.unwrap_or(0.0)),
                    CellStatus::NotAvailable => Interval {
                        lo: 0.0,
                        hi: Some(0.0),
                        na: true,
                    },
                    CellStatus::Bounds => Interval {
                        lo: cell.lower.unwrap_or(0.0),
                        hi: cell.upper,
                        na: false,
                    },
                    CellStatus::Suppressed => {
                        if t.columns[c].kind.is_amount() {
                            Interval {
                                lo: 0.0,
                                hi: None,
                                na: false,
                            }
                        } else {
                            let [lo, hi] = value_range(t, r, c).unwrap_or([f64::MIN, f64::MAX]);
                            Interval {
                                lo,
                                hi: Some(hi),
                                na: false,
                            }
                        }
                    }
                })
                .collect()
        })
        .collect();
    let lines = t.lines();
    let open = |iv: &Vec<Vec<Interval>>, p: (usize, usize)| !iv[p.0][p.1].is_exact();
    for _ in 0..100 {
        let mut changed = false;
        let mut narrow =
            |iv: &mut Vec<Vec<Interval>>, p: (usize, usize), lo: f64, hi: Option<f64>| {
                let integer = t.columns[p.1].kind == Kind::Count;
                let (mut lo, mut hi) = (lo.max(0.0), hi);
                if integer {
                    lo = (lo - 1e-9).ceil();
                    hi = hi.map(|h| (h + 1e-9).floor());
                }
                let cur = &mut iv[p.0][p.1];
                if lo > cur.lo + 1e-9 {
                    cur.lo = lo;
                    changed = true;
                }
                if let Some(h) = hi {
                    if cur.hi.is_none_or(|c| h < c - 1e-9) {
                        cur.hi = Some(h);
                        changed = true;
                    }
                }
            };
        for (members, total) in &lines {
            let tol = if t.columns[total.1].unit.decimals() > 0 {
                0.05 * (members.len() + 1) as f64
            } else {
                0.0
            };
            let sum_lo: f64 = members.iter().map(|p| iv[p.0][p.1].lo).sum();
            let sum_hi: Option<f64> = members.iter().map(|p| iv[p.0][p.1].hi).sum();
            let tot = iv[total.0][total.1];
            if open(&iv, *total) {
                narrow(&mut iv, *total, sum_lo - tol, sum_hi.map(|h| h + tol));
            }
            for p in members {
                if !open(&iv, *p) {
                    continue;
                }
                let me = iv[p.0][p.1];
                let others_lo = sum_lo - me.lo;
                let others_hi = members
                    .iter()
                    .filter(|q| *q != p)
                    .map(|q| iv[q.0][q.1].hi)
                    .sum::<Option<f64>>();
                let hi = tot.hi.map(|th| th - others_lo + tol);
                let lo = others_hi.map_or(0.0, |oh| tot.lo - oh - tol);
                narrow(&mut iv, *p, lo, hi);
            }
        }
        // Overlapping categories: each row's count is at most the total row's.
        if let Some(tr) = t.rows.iter().position(|r| r.total) {
            for (c, col) in t.columns.iter().enumerate() {
                if col.kind == Kind::Count && !col.additive && !t.is_crosstab() {
                    for r in 0..t.rows.len() {
                        if r != tr && open(&iv, (r, c)) {
                            let hi = iv[tr][c].hi;
                            narrow(&mut iv, (r, c), 0.0, hi);
                        }
                    }
                    if open(&iv, (tr, c)) {
                        let lo = (0..t.rows.len())
                            .filter(|r| *r != tr)
                            .map(|r| iv[r][c].lo)
                            .fold(0.0, f64::max);
                        narrow(&mut iv, (tr, c), lo, None);
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    iv
}

/// [`intervals`], with each withheld count or amount narrowed to its exact whole-number range
/// from every figure the school published ([`crate::audit::exact_ranges`]: all its tables
/// together, a withheld count at least 1 where the table publishes zeros).
pub fn exact_intervals(input: &Input, t: &Table) -> Vec<Vec<Interval>> {
    let mut iv = intervals(t);
    let Some(ti) = input.summary.tables.iter().position(|x| x.id == t.id) else {
        return iv;
    };
    let ranges = &input.ranges;
    for (r, row) in iv.iter_mut().enumerate() {
        for (c, cell) in row.iter_mut().enumerate() {
            if let Some((lo, hi)) = ranges.get(&(ti, r, c)) {
                *cell = Interval {
                    lo: *lo,
                    hi: *hi,
                    na: false,
                };
            }
        }
    }
    iv
}

/// The least (or greatest, `max`) weighted mean over the known part `(a, b)` (sum of value ×
/// weight, sum of weight) and unknowns `(m_lo, m_hi, w_lo, w_hi)`.
fn extreme(a: f64, b: f64, unknowns: &[(f64, f64, f64, f64)], max: bool) -> Option<f64> {
    let m: Vec<f64> = unknowns
        .iter()
        .map(|u| if max { u.1 } else { u.0 })
        .collect();
    let mut w: Vec<f64> = unknowns.iter().map(|u| u.3).collect();
    let mean = |w: &[f64]| {
        let den = b + w.iter().sum::<f64>();
        (den > 0.0).then(|| (a + m.iter().zip(w).map(|(m, w)| m * w).sum::<f64>()) / den)
    };
    let mut mu = mean(&w)?;
    for _ in 0..100 {
        let next: Vec<f64> = unknowns
            .iter()
            .zip(&m)
            .map(|(u, m)| {
                let better = if max { *m > mu } else { *m < mu };
                if better {
                    u.3
                } else {
                    u.2
                }
            })
            .collect();
        let Some(nmu) = mean(&next) else { break };
        if next == w {
            break;
        }
        w = next;
        mu = nmu;
    }
    Some(mu)
}

fn merged_mean(parts: &[(Interval, Interval)], decimals: i32) -> Cell {
    // (value, weight) per school that has any.
    let parts: Vec<&(Interval, Interval)> = parts
        .iter()
        .filter(|(m, w)| !(m.na || w.is_exact() && w.lo == 0.0))
        .collect();
    if parts.is_empty() {
        return Cell::not_available();
    }
    if parts.iter().all(|(m, w)| m.is_exact() && w.is_exact()) {
        let den: f64 = parts.iter().map(|(_, w)| w.lo).sum();
        if den <= 0.0 {
            return Cell::not_available();
        }
        let num: f64 = parts.iter().map(|(m, w)| m.lo * w.lo).sum();
        return Cell::published(round_to(num / den, decimals));
    }
    let trivial = || {
        let lo = parts.iter().map(|(m, _)| m.lo).fold(f64::MAX, f64::min);
        let hi = parts
            .iter()
            .map(|(m, _)| m.hi.unwrap_or(f64::MAX))
            .fold(f64::MIN, f64::max);
        (lo, hi)
    };
    let (lo, hi) = if parts.iter().any(|(_, w)| w.hi.is_none()) {
        trivial()
    } else {
        let (mut a, mut b) = (0.0, 0.0);
        let mut unknowns = Vec::new();
        for (m, w) in &parts {
            if m.is_exact() && w.is_exact() {
                a += m.lo * w.lo;
                b += w.lo;
            } else {
                unknowns.push((m.lo, m.hi.unwrap_or(m.lo), w.lo, w.hi.unwrap_or(w.lo)));
            }
        }
        match (
            extreme(a, b, &unknowns, false),
            extreme(a, b, &unknowns, true),
        ) {
            (Some(lo), Some(hi)) => (lo, hi),
            _ => trivial(),
        }
    };
    let (lo, hi) = (round_down(lo, decimals), round_up(hi, decimals));
    if lo.is_finite() && hi.is_finite() {
        Cell::bounds(lo, Some(hi))
    } else {
        // A mean with no known range: nothing published limits it.
        Cell::suppressed()
    }
}

/// `v` rounded down to `dp` places (a float a hair below a whole number counts as it).
fn round_down(v: f64, dp: i32) -> f64 {
    let f = 10f64.powi(dp);
    (v * f + 1e-7).floor() / f
}

/// `v` rounded up to `dp` places.
fn round_up(v: f64, dp: i32) -> f64 {
    let f = 10f64.powi(dp);
    (v * f - 1e-7).ceil() / f
}

fn band_rank(key: &str) -> Option<usize> {
    YearBand::ALL.iter().position(|b| b.key() == key)
}

/// The merged table of `id` from every input that has it.
fn merge_table(id: &str, inputs: &[Input]) -> Option<Table> {
    let tables: Vec<Option<&Table>> = inputs.iter().map(|i| i.summary.table(id)).collect();
    let template = tables.iter().flatten().next()?;
    // Columns: the template's, then others' new ones before a total column.
    let mut columns: Vec<Column> = template
        .columns
        .iter()
        .filter(|c| !c.total)
        .cloned()
        .collect();
    let total_col: Option<Column> = template.columns.iter().find(|c| c.total).cloned();
    for t in tables.iter().flatten() {
        for c in &t.columns {
            if !c.total && !columns.iter().any(|o| o.key == c.key) {
                columns.push(c.clone());
            }
        }
    }
    columns.extend(total_col);
    // Rows likewise, year-group bands in their order, the total last.
    let mut rows: Vec<(String, String, Option<[f64; 2]>, bool)> = Vec::new();
    let mut total_row: Option<(String, String, Option<[f64; 2]>, bool)> = None;
    for t in tables.iter().flatten() {
        for r in &t.rows {
            let entry = (r.key.clone(), r.label.clone(), r.range, r.total);
            if r.total {
                total_row.get_or_insert(entry);
            } else if !rows.iter().any(|o| o.0 == r.key) {
                rows.push(entry);
            }
        }
    }
    if rows.iter().all(|r| band_rank(&r.0).is_some()) {
        rows.sort_by_key(|r| band_rank(&r.0));
    }
    rows.extend(total_row);
    let ivs: Vec<Option<Vec<Vec<Interval>>>> = inputs
        .iter()
        .zip(&tables)
        .map(|(input, t)| t.map(|t| exact_intervals(input, t)))
        .collect();
    let lookup = |s: usize, row_key: &str, col_key: &str, amount: bool| -> Interval {
        let na = Interval {
            lo: 0.0,
            hi: Some(0.0),
            na: true,
        };
        let (Some(t), Some(iv)) = (tables[s], &ivs[s]) else {
            // A school without the table: nothing is known of it.
            return if amount {
                Interval {
                    lo: 0.0,
                    hi: None,
                    na: false,
                }
            } else {
                na
            };
        };
        match (
            t.rows.iter().position(|r| r.key == row_key),
            t.column(col_key),
        ) {
            (Some(r), Some(c)) => iv[r][c],
            // A category the school does not list: none of its pupils are in it.
            _ if amount => Interval::exact(0.0),
            _ => na,
        }
    };
    let mut out_rows = Vec::new();
    for (key, label, range, total) in &rows {
        let mut cells = Vec::new();
        for col in &columns {
            let dp = col.unit.decimals() as i32;
            let cell = if col.kind.is_amount() {
                let parts: Vec<Interval> = (0..inputs.len())
                    .map(|s| lookup(s, key, &col.key, true))
                    .collect();
                let lo: f64 = parts.iter().map(|p| p.lo).sum();
                let hi: Option<f64> = parts.iter().map(|p| p.hi).sum();
                if parts.iter().all(Interval::is_exact) {
                    Cell::published(round_to(lo, dp))
                } else {
                    Cell::bounds(round_down(lo, dp).max(0.0), hi.map(|h| round_up(h, dp)))
                }
            } else {
                let weight = col.weight.as_deref().unwrap_or("pupils");
                let parts: Vec<(Interval, Interval)> = (0..inputs.len())
                    .map(|s| {
                        (
                            lookup(s, key, &col.key, false),
                            lookup(s, key, weight, true),
                        )
                    })
                    .collect();
                merged_mean(&parts, dp)
            };
            cells.push(cell);
        }
        out_rows.push(Row {
            key: key.clone(),
            label: label.clone(),
            total: *total,
            range: *range,
            cells,
        });
    }
    Some(Table {
        id: template.id.clone(),
        title: template.title.clone(),
        note: template.note.clone(),
        dimension: template.dimension.clone(),
        dimension_label: template.dimension_label.clone(),
        dimension_2: template.dimension_2.clone(),
        dimension_2_label: template.dimension_2_label.clone(),
        columns,
        rows: out_rows,
    })
}

/// The merged summary of checked inputs (all of one period).
pub fn merge_summaries(inputs: &[Input]) -> Summary {
    let mut ids: Vec<String> = Vec::new();
    for i in inputs {
        for t in &i.summary.tables {
            if !ids.contains(&t.id) {
                ids.push(t.id.clone());
            }
        }
    }
    let tables: Vec<Table> = ids
        .iter()
        .filter_map(|id| merge_table(id, inputs))
        .collect();
    let first = &inputs[0].summary;
    let mut by_label: BTreeMap<&str, usize> = BTreeMap::new();
    for i in inputs {
        *by_label.entry(i.summary.label.as_str()).or_default() += 1;
    }
    Summary {
        kind: SummaryKind::Merged,
        label: format!("Merged summary of {} schools", inputs.len()),
        source_id: None,
        period: first.period.clone(),
        terms: first.terms.clone(),
        k: inputs.iter().map(|i| i.summary.k).min().unwrap_or(first.k),
        generator: format!("Attune {}", env!("CARGO_PKG_VERSION")),
        sources: inputs
            .iter()
            .map(|i| Source {
                label: i.summary.label.clone(),
                source_id: i.summary.source_id.clone().unwrap_or_default(),
                k: i.summary.k,
                checksum: i.checksum.clone(),
            })
            .collect(),
        tables,
    }
}
