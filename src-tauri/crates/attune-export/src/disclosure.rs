//! Statistical disclosure control: which figures a summary may publish.
//!
//! # Rules, applied to each table
//!
//! 1. **Primary suppression.** A count or amount standing for 1 to k−1 pupils is suppressed
//!    (a count of goals, reviews or sessions "stands for" the distinct pupils behind it, and so
//!    do the hours of those sessions). Zero is published: it stands for nobody.
//! 2. **Small bases.** A mean or share computed over fewer than k pupils is suppressed.
//! 3. **Means follow their counts.** A mean or share is suppressed whenever a count or amount in
//!    its row is (so a withheld count cannot be recovered from a published mean of it).
//! 4. **Secondary suppression by lines.** A *line* is a set of figures that add up to a
//!    published total: every row and column of a cross-tabulation (its margins included), and
//!    each additive column of a one-dimensional table over its total row. A line with exactly
//!    one suppressed figure would give it away (total minus the others), so one more is
//!    suppressed: the published member standing for the fewest pupils that is not zero (then
//!    the smallest value, then the first), else a zero member, else the line's total. Repeat
//!    until no line has exactly one.
//! 5. **Audit by linear algebra.** Rule 4 is not enough in general (two suppressed pairs joined
//!    by one cell in a cross-tabulation give that cell away). So, with every line as an
//!    equation over the suppressed figures (published figures moved to the known side), each
//!    suppressed figure is checked: if its unit vector lies in the equations' row space it can
//!    be worked out exactly, and one more figure on one of its lines is suppressed as in rule 4.
//!    Rules 3–5 repeat until nothing changes. Each step suppresses one more figure, so it ends.
//!
//! What no rule here protects against is knowledge from outside the summary; k and the bands
//! are there for that.

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

/// The figure to suppress next on a line (rule 4's choice).
fn pick(t: &Table, members: &[Pos], total: Pos) -> Option<Pos> {
    let cell = |p: &Pos| &t.rows[p.0].cells[p.1];
    let raw = |p: &Pos| cell(p).raw.unwrap_or(0.0);
    let open: Vec<&Pos> = members.iter().filter(|p| cell(p).is_published()).collect();
    let nonzero = open
        .iter()
        .filter(|p| raw(p) > 0.0)
        .min_by(|a, b| {
            cell(a)
                .base
                .cmp(&cell(b).base)
                .then(raw(a).total_cmp(&raw(b)))
        })
        .copied();
    nonzero
        .or_else(|| open.first().copied())
        .copied()
        .or_else(|| cell(&total).is_published().then_some(total))
}

/// Rule 4, one step: returns whether a figure was suppressed.
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

/// The suppressed figures of `t` that its published figures and lines determine exactly.
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

/// Rule 5, one step: returns whether a figure was suppressed.
fn audit_step(t: &mut Table, lines: &[Line]) -> bool {
    for p in determined_cells(t) {
        let choice = lines
            .iter()
            .filter(|(m, tot)| m.contains(&p) || *tot == p)
            .filter_map(|(m, tot)| pick(t, m, *tot))
            .min_by(|a, b| {
                let (ca, cb) = (&t.rows[a.0].cells[a.1], &t.rows[b.0].cells[b.1]);
                (ca.raw.unwrap_or(0.0) == 0.0)
                    .cmp(&(cb.raw.unwrap_or(0.0) == 0.0))
                    .then(ca.base.cmp(&cb.base))
            });
        if let Some(q) = choice {
            t.rows[q.0].cells[q.1].suppress(SuppressionReason::Secondary);
            return true;
        }
    }
    false
}

/// Applies the rules to one table (cells must carry their `raw` value and `base`).
pub fn protect(t: &mut Table, k: u32) {
    primary(t, k);
    let lines = t.lines();
    loop {
        means_follow(t);
        if line_step(t, &lines) {
            continue;
        }
        if audit_step(t, &lines) {
            continue;
        }
        if !means_follow(t) {
            break;
        }
    }
}

/// Applies the rules to every table of a summary, then rounds and strips what is withheld.
pub fn protect_summary(s: &mut Summary) {
    for t in &mut s.tables {
        protect(t, s.k);
        t.finalise();
    }
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
