//! Statistical disclosure control: which figures a summary may publish.
//!
//! # Rules
//!
//! 1. **Primary suppression.** A count or amount standing for 1 to k−1 pupils is suppressed
//!    (a count of goals, reviews or sessions "stands for" the distinct pupils behind it, and so
//!    do the hours of those sessions). Zero is published: it stands for nobody, and so a
//!    withheld count is never zero (an attacker may assume it is at least 1).
//! 2. **Small bases.** A mean or share computed over fewer than k pupils, or over fewer than k
//!    of whatever its weight column counts, is suppressed.
//! 3. **Small numerators.** A share whose numerator (the pupils or goals it counts) is 0, 1 to
//!    k−1 or the whole of its base is suppressed: 0 % or 100 % says something about every
//!    member of the group, and a small numerator about a few.
//! 4. **Means follow their counts.** A mean or share is suppressed whenever a count or amount in
//!    its row is (so a withheld count cannot be recovered from a published mean of it).
//! 5. **Ratio columns.** A column of means or shares carries hidden numerators that add up to
//!    the total row's: a withheld body cell withholds the total row's, and a withheld total
//!    withholds at least one body cell too.
//! 6. **One grand total.** The first three tables count the same pupils: their grand totals are
//!    published together or withheld together.
//! 7. **Secondary suppression by lines.** A *line* is a set of figures that add up to a
//!    published total ([`Table::lines`]). A line with exactly one suppressed figure would give
//!    it away, so one more is suppressed: the published non-zero member standing for the fewest
//!    pupils (then the smallest value), else the line's total. A zero is never withheld.
//! 8. **Exact audit.** [`crate::audit`] then proves, with whole numbers and every published
//!    figure of every table, that each withheld figure keeps its range (every value 1 to k−1
//!    for a small count; at least k values wide otherwise). A figure it cannot prove safe gets
//!    one more figure on its lines withheld (cells first, then totals), and everything runs
//!    again. With earlier exports of overlapping periods (kept in the vault), the audit covers
//!    them too, and a figure this export would let be worked out by differencing against
//!    one is protected by withholding its counterpart here. Each round withholds one more figure, so it ends; if nothing is left to withhold
//!    the audit's report says what could not be proved, and the exporter says so.
//!
//! What no rule here protects against is knowledge from outside the summary; k and the bands
//! are there for that.

use crate::audit::{self, AuditReport, Earlier};
use crate::error::{Error, Result};
use crate::model::{CellStatus, Kind, Line, Pos, Summary, SuppressionReason, Table};

/// The default k.
pub const DEFAULT_K: u32 = 5;
/// k is never below this.
pub const MIN_K: u32 = 3;
/// Nor above this.
pub const MAX_K: u32 = 100;

/// Refuses a k below [`MIN_K`] or above [`MAX_K`].
pub fn check_k(k: u32) -> Result<()> {
    if (MIN_K..=MAX_K).contains(&k) {
        Ok(())
    } else {
        Err(Error::K {
            k,
            min: MIN_K,
            max: MAX_K,
        })
    }
}

fn kind(t: &Table, c: usize) -> Kind {
    t.columns[c].kind
}

/// Rules 1 and 2.
fn primary(t: &mut Table, k: u32) {
    for r in 0..t.rows.len() {
        for c in 0..t.columns.len() {
            let kd = kind(t, c);
            let cell = &mut t.rows[r].cells[c];
            if !cell.is_published() {
                continue;
            }
            if kd.is_amount() {
                if cell.base >= 1 && cell.base < k {
                    cell.suppress(SuppressionReason::Primary);
                }
            } else if cell.base < k {
                cell.suppress(SuppressionReason::SmallBase);
            }
        }
    }
}

/// Rule 3: returns whether anything changed.
fn means_follow(t: &mut Table) -> bool {
    let mut changed = false;
    for r in 0..t.rows.len() {
        let any = (0..t.columns.len())
            .any(|c| kind(t, c).is_amount() && t.rows[r].cells[c].is_suppressed());
        if any {
            for c in 0..t.columns.len() {
                if !kind(t, c).is_amount() && t.rows[r].cells[c].is_published() {
                    t.rows[r].cells[c].suppress(SuppressionReason::Secondary);
                    changed = true;
                }
            }
        }
    }
    changed
}

/// The figure to suppress next on a line (rule 7's choice): the published non-zero member
/// standing for the fewest pupils (then the smallest value), else the line's total. Never a
/// zero: an attacker may take every withheld count to be at least 1.
fn pick(t: &Table, members: &[Pos], total: Pos) -> Option<Pos> {
    let cell = |p: &Pos| &t.rows[p.0].cells[p.1];
    let raw = |p: &Pos| cell(p).raw.unwrap_or(0.0);
    members
        .iter()
        .filter(|p| cell(p).is_published() && raw(p) > 0.0)
        .min_by(|a, b| {
            cell(a)
                .base
                .cmp(&cell(b).base)
                .then(raw(a).total_cmp(&raw(b)))
        })
        .copied()
        .or_else(|| (cell(&total).is_published() && raw(&total) > 0.0).then_some(total))
}

/// Rule 7, one step: returns whether a figure was suppressed.
fn line_step(t: &mut Table, lines: &[Line]) -> bool {
    for (members, total) in lines {
        let suppressed = members
            .iter()
            .chain(std::iter::once(total))
            .filter(|p| t.rows[p.0].cells[p.1].is_suppressed())
            .count();
        if suppressed == 1 {
            if let Some(p) = pick(t, members, *total) {
                t.rows[p.0].cells[p.1].suppress(SuppressionReason::Secondary);
                return true;
            }
        }
    }
    false
}

const EPS: f64 = 1e-9;

/// The suppressed figures of `t` that its published figures and lines determine exactly, by
/// linear algebra over real numbers. Weaker than [`crate::audit`] (it ignores that counts are
/// whole numbers and at least 1): kept as a quick check for tests, never relied on.
pub fn determined_cells(t: &Table) -> Vec<Pos> {
    let lines = t.lines();
    let mut unknowns: Vec<Pos> = Vec::new();
    for (members, total) in &lines {
        for p in members.iter().chain(std::iter::once(total)) {
            if t.rows[p.0].cells[p.1].is_suppressed() && !unknowns.contains(p) {
                unknowns.push(*p);
            }
        }
    }
    if unknowns.is_empty() {
        return Vec::new();
    }
    let n = unknowns.len();
    let idx = |p: &Pos| unknowns.iter().position(|u| u == p);
    let mut m: Vec<Vec<f64>> = Vec::new();
    for (members, total) in &lines {
        let mut row = vec![0.0f64; n];
        for p in members {
            if let Some(i) = idx(p) {
                row[i] += 1.0;
            }
        }
        if let Some(i) = idx(total) {
            row[i] -= 1.0;
        }
        if row.iter().any(|x| x.abs() > EPS) {
            m.push(row);
        }
    }
    // Reduced row echelon form.
    let mut pivots: Vec<(usize, Vec<f64>)> = Vec::new();
    let mut r = 0;
    for c in 0..n {
        let Some(best) = (r..m.len())
            .filter(|i| m[*i][c].abs() > EPS)
            .max_by(|a, b| m[*a][c].abs().total_cmp(&m[*b][c].abs()))
        else {
            continue;
        };
        m.swap(r, best);
        let lead = m[r][c];
        for x in &mut m[r] {
            *x /= lead;
        }
        let pivot_row = m[r].clone();
        for (i, row) in m.iter_mut().enumerate() {
            if i != r && row[c].abs() > EPS {
                let f = row[c];
                for (x, p) in row.iter_mut().zip(&pivot_row) {
                    *x -= f * p;
                }
            }
        }
        pivots.push((c, pivot_row));
        r += 1;
    }
    let mut out = Vec::new();
    for (i, p) in unknowns.iter().enumerate() {
        let mut v = vec![0.0f64; n];
        v[i] = 1.0;
        for (c, row) in &pivots {
            let f = v[*c];
            if f.abs() > EPS {
                for (x, q) in v.iter_mut().zip(row) {
                    *x -= f * q;
                }
            }
        }
        if v.iter().all(|x| x.abs() < 1e-7) {
            out.push(*p);
        }
    }
    out
}

/// Rules 2 and 3 for shares and means whose weight column is published: returns whether
/// anything changed.
fn small_ratios(t: &mut Table, k: u32) -> bool {
    let mut changed = false;
    for c in 0..t.columns.len() {
        let col = &t.columns[c];
        if col.kind.is_amount() {
            continue;
        }
        let share = col.kind == Kind::Share;
        let Some(w) = col.weight.as_deref().and_then(|w| t.column(w)) else {
            continue;
        };
        for r in 0..t.rows.len() {
            let (wc, cell) = (&t.rows[r].cells[w], &t.rows[r].cells[c]);
            if !cell.is_published() || !wc.is_published() {
                continue;
            }
            let weight = wc.raw.unwrap_or(0.0).round() as i64;
            let reason = if weight < i64::from(k) {
                Some(SuppressionReason::SmallBase)
            } else if share {
                let n = (cell.raw.unwrap_or(0.0) * weight as f64 / 100.0).round() as i64;
                (n < i64::from(k) || n >= weight).then_some(SuppressionReason::SmallNumerator)
            } else {
                None
            };
            if let Some(reason) = reason {
                t.rows[r].cells[c].suppress(reason);
                changed = true;
            }
        }
    }
    changed
}

/// Rule 5: returns whether anything changed.
fn ratio_columns(t: &mut Table) -> bool {
    let Some(tr) = t.rows.iter().position(|r| r.total) else {
        return false;
    };
    let body: Vec<usize> = (0..t.rows.len()).filter(|r| *r != tr).collect();
    let mut changed = false;
    for c in 0..t.columns.len() {
        if t.columns[c].kind.is_amount() {
            continue;
        }
        let withheld = |t: &Table, r: usize| t.rows[r].cells[c].is_suppressed();
        if body.iter().any(|r| withheld(t, *r)) && t.rows[tr].cells[c].is_published() {
            t.rows[tr].cells[c].suppress(SuppressionReason::Secondary);
            changed = true;
        }
        if withheld(t, tr) && !body.iter().any(|r| withheld(t, *r)) {
            // The published body cell over the smallest weight goes too.
            let w = t.columns[c].weight.as_deref().and_then(|w| t.column(w));
            let weight =
                |t: &Table, r: usize| w.and_then(|w| t.rows[r].cells[w].raw).unwrap_or(0.0);
            if let Some(r) = body
                .iter()
                .copied()
                .filter(|r| t.rows[*r].cells[c].is_published())
                .min_by(|a, b| weight(t, *a).total_cmp(&weight(t, *b)))
            {
                t.rows[r].cells[c].suppress(SuppressionReason::Secondary);
                changed = true;
            }
        }
    }
    changed
}

/// Rule 6: returns whether anything changed.
fn one_grand_total(s: &mut Summary) -> bool {
    let cells: Vec<(usize, Pos)> = s
        .tables
        .iter()
        .enumerate()
        .filter(|(_, t)| audit::SAME_TOTAL_TABLES.contains(&t.id.as_str()))
        .filter_map(|(ti, t)| {
            let r = t.rows.iter().position(|r| r.total)?;
            let c = if t.is_crosstab() {
                t.columns.iter().position(|c| c.total)?
            } else {
                t.column("pupils")?
            };
            Some((ti, (r, c)))
        })
        .collect();
    let any = cells
        .iter()
        .any(|(t, p)| s.tables[*t].rows[p.0].cells[p.1].is_suppressed());
    let mut changed = false;
    if any {
        for (t, p) in cells {
            let cell = &mut s.tables[t].rows[p.0].cells[p.1];
            if cell.is_published() {
                cell.suppress(SuppressionReason::Secondary);
                changed = true;
            }
        }
    }
    changed
}

/// Rule 8's step: for each table with a withheld figure the audit could not prove safe,
/// withholds one more figure on its lines (cells first, then totals; never a zero). Where none
/// is left, withholds every zero of the table (an attacker can then no longer take a withheld
/// count to be at least 1), else any published figure on a line of the table. Returns whether
/// it withheld anything.
fn withhold_more(s: &mut Summary, earlier: &[Earlier], report: &AuditReport) -> bool {
    // An earlier export's figure is protected through this export's figure beside it.
    let unproved: Vec<audit::CellRef> = report
        .unproved
        .iter()
        .filter_map(|u| audit::current_cell(s, earlier, u.cell))
        .collect();
    for (ti, r, c) in &unproved {
        let cell = &mut s.tables[*ti].rows[*r].cells[*c];
        if cell.is_published() && cell.raw.unwrap_or(0.0) > 0.0 {
            cell.suppress(SuppressionReason::Linked);
            return true;
        }
    }
    let mut done: Vec<usize> = Vec::new();
    for &(ti, r, c) in &unproved {
        if done.contains(&ti) {
            continue;
        }
        let t = &mut s.tables[ti];
        if let Some(q) = audit::candidates(t, (r, c)).first().copied() {
            t.rows[q.0].cells[q.1].suppress(SuppressionReason::Secondary);
            done.push(ti);
        }
    }
    if !done.is_empty() {
        return true;
    }
    for &(ti, _, _) in &unproved {
        let t = &mut s.tables[ti];
        if audit::publishes_zero(t) {
            for r in 0..t.rows.len() {
                for c in 0..t.columns.len() {
                    let cell = &mut t.rows[r].cells[c];
                    if t.columns[c].kind.is_amount()
                        && cell.is_published()
                        && cell.raw.unwrap_or(0.0) == 0.0
                    {
                        cell.suppress(SuppressionReason::Secondary);
                    }
                }
            }
            return true;
        }
        let lines = t.lines();
        let open = lines
            .iter()
            .flat_map(|(m, tot)| m.iter().chain(std::iter::once(tot)))
            .find(|q| t.rows[q.0].cells[q.1].is_published())
            .copied();
        if let Some(q) = open {
            t.rows[q.0].cells[q.1].suppress(SuppressionReason::Secondary);
            return true;
        }
    }
    false
}

/// A mean or share an earlier export of the same period withheld stays withheld (its value
/// would be the same, or say what changed). Returns whether anything changed.
fn linked_ratios(s: &mut Summary, earlier: &[Earlier]) -> bool {
    let mut changed = false;
    for e in earlier.iter().filter(|e| e.link == audit::Link::Same) {
        for et in &e.summary.tables {
            let Some(t) = s.tables.iter_mut().find(|t| t.id == et.id) else {
                continue;
            };
            for er in &et.rows {
                let Some(r) = t.rows.iter().position(|r| r.key == er.key) else {
                    continue;
                };
                for (ec, col) in et.columns.iter().enumerate() {
                    if col.kind.is_amount() || er.cells[ec].status != CellStatus::Suppressed {
                        continue;
                    }
                    if let Some(c) = t.column(&col.key) {
                        let cell = &mut t.rows[r].cells[c];
                        if cell.is_published() {
                            cell.suppress(SuppressionReason::Linked);
                            changed = true;
                        }
                    }
                }
            }
        }
    }
    changed
}

/// Rules 1 to 7 until nothing changes (without the audit).
fn rules(s: &mut Summary, earlier: &[Earlier]) {
    let k = s.k;
    loop {
        let mut changed = linked_ratios(s, earlier);
        for t in &mut s.tables {
            let lines = t.lines();
            changed |= means_follow(t);
            changed |= small_ratios(t, k);
            changed |= ratio_columns(t);
            while line_step(t, &lines) {
                changed = true;
            }
        }
        changed |= one_grand_total(s);
        if !changed {
            break;
        }
    }
}

/// Applies every rule, the exact audit included, to a summary whose cells carry their `raw`
/// value and `base`; returns the final audit's report. Withheld values are still in the cells:
/// [`protect_summary`] removes them.
pub fn protect_cells(s: &mut Summary) -> AuditReport {
    protect_cells_linked(s, &[])
}

/// [`protect_cells`], audited together with earlier exports of overlapping periods (see
/// [`audit::audit_linked`]): withholds more where differencing against them would give a
/// figure away (reason [`SuppressionReason::Linked`] for a figure withheld only for that).
pub fn protect_cells_linked(s: &mut Summary, earlier: &[Earlier]) -> AuditReport {
    for t in &mut s.tables {
        primary(t, s.k);
    }
    let mut rounds = 0u32;
    let mut spent = std::time::Duration::ZERO;
    loop {
        rules(s, earlier);
        let report = audit::audit_linked(s, earlier);
        spent += report.elapsed;
        rounds += 1;
        if report.proved() || !withhold_more(s, earlier, &report) {
            return AuditReport {
                elapsed: spent,
                rounds,
                ..report
            };
        }
    }
}

/// Applies the rules to one table alone (cells must carry their `raw` value and `base`).
pub fn protect(t: &mut Table, k: u32) {
    let mut s = Summary {
        kind: crate::model::SummaryKind::School,
        label: String::new(),
        source_id: None,
        period: String::new(),
        terms: Vec::new(),
        k,
        generator: String::new(),
        sources: Vec::new(),
        tables: vec![t.clone()],
    };
    protect_cells(&mut s);
    *t = s.tables.remove(0);
}

/// Applies the rules to every table of a summary, then rounds and strips what is withheld;
/// returns the audit's report.
pub fn protect_summary(s: &mut Summary) -> AuditReport {
    protect_summary_linked(s, &[])
}

/// [`protect_summary`] with earlier exports of overlapping periods.
pub fn protect_summary_linked(s: &mut Summary, earlier: &[Earlier]) -> AuditReport {
    let report = protect_cells_linked(s, earlier);
    for t in &mut s.tables {
        t.finalise();
    }
    report
}

/// Whether a cell is a count of pupils, goals, reviews or sessions (not an amount of hours).
pub fn is_count(t: &Table, c: usize) -> bool {
    t.columns[c].kind == Kind::Count
}

/// Every published count in 1..k−1: must be empty after [`protect`] (used by the tests).
pub fn small_published_counts(t: &Table, k: u32) -> Vec<Pos> {
    let mut out = Vec::new();
    for (r, row) in t.rows.iter().enumerate() {
        for (c, cell) in row.cells.iter().enumerate() {
            if is_count(t, c) && cell.status == CellStatus::Published {
                let v = cell.value.unwrap_or(0.0);
                if v >= 1.0 && v < f64::from(k) {
                    out.push((r, c));
                }
            }
        }
    }
    out
}
