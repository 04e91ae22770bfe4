//! The exact audit of a protected summary: can an attacker who knows every published figure
//! work a withheld one out, or narrow it too far?
//!
//! # What the attacker is assumed to know
//!
//! - every published figure of every table (the CSV and the JSON hold the same ones);
//! - that counts are whole numbers ≥ 0 and that a withheld count is ≥ 1 (zeros are published,
//!   and disclosure control never withholds a zero);
//! - every line of every table (members add up to their total: [`Table::lines`]);
//! - that hours are whole minutes, and that a published figure of hours `h` (rounded to one
//!   decimal place) stands for between `60h − 3` and `60h + 2` minutes;
//! - that a count of goals, reviews due or sessions is at least the pupils in the same row,
//!   when that figure is published;
//! - that the first three tables count the same pupils (one grand total).
//!
//! # What must hold for each withheld figure
//!
//! - a count whose true value is 1 to k−1 keeps every value 1..k−1 feasible;
//! - any other withheld count keeps a feasible range at least k whole numbers wide;
//! - withheld hours keep a feasible range at least k tenths of an hour wide (6·(k−1) minutes).
//!
//! # How it is proved
//!
//! The knowledge is an integer linear system. For each withheld figure the pure-Rust MILP
//! solver `microlp` is asked for an assignment with the figure at each value it must be able
//! to take (or at its least, then at least k−1 above that). **Every assignment the solver
//! returns is rounded and checked against the system in exact integer arithmetic**; only a
//! checked assignment counts as proof. A solver failure, an imprecise answer or a witness that
//! does not check is "not proved", and disclosure control withholds more. The audit never
//! decides that a figure is safe on the strength of a floating-point comparison.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use microlp::{ComparisonOp, OptimizationDirection, Problem};

use crate::model::{CellStatus, Kind, Pos, Summary, Table, Unit};

/// The ids of the tables whose grand totals are the same number (pupils supported).
pub const SAME_TOTAL_TABLES: [&str; 3] = [
    "pupils_by_year_band_and_support_level",
    "pupils_by_care_status",
    "plans",
];

/// The columns whose count is at least the pupils its row counts (each pupil counted has at
/// least one goal, session or review due).
const AT_LEAST_PUPILS: [&str; 3] = ["goals", "sessions", "reviews"];

/// The largest value a withheld figure is searched up to (pupils, goals or minutes).
const CAP: i64 = 10_000_000;

/// A cell of a summary: (table, row, column).
pub type CellRef = (usize, usize, usize);

/// One withheld figure that could not be proved safe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unproved {
    pub cell: CellRef,
    /// Plain words naming the figure (table, row and column), never its value.
    pub what: String,
}

/// The outcome of an audit.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditReport {
    /// Withheld figures checked.
    pub checked: usize,
    /// Those that could not be proved safe (empty: the audit proved the property).
    pub unproved: Vec<Unproved>,
    /// Withheld figures an earlier export of an overlapping period already published, or
    /// narrowed exactly as far: this export tells nothing more about them (and each of this
    /// export's own is still safe in this file alone). Counted as proved.
    pub already_known: usize,
    /// Assignments the solver returned that failed the exact check.
    pub rejected_witnesses: usize,
    /// The time the audit took (summed over every round of disclosure control).
    pub elapsed: Duration,
    /// How many times disclosure control ran the audit.
    pub rounds: u32,
}

impl AuditReport {
    /// Whether every withheld figure was proved safe.
    pub fn proved(&self) -> bool {
        self.unproved.is_empty()
    }
}

/// What a variable of the system is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Measure {
    /// A whole number of pupils, goals, reviews or sessions.
    Count,
    /// Minutes (a column of hours).
    Minutes,
}

/// The attacker's knowledge as an integer linear system: `lo ≤ x ≤ hi`, and for each equation
/// `Σ coef·x = rhs`.
#[derive(Debug, Clone, Default)]
struct System {
    lo: Vec<i64>,
    hi: Vec<i64>,
    eqs: Vec<(Vec<(usize, i64)>, i64)>,
    /// `Σ coef·x ≤ rhs` (between linked exports).
    les: Vec<(Vec<(usize, i64)>, i64)>,
    /// The withheld cells behind each variable (several for the shared grand total).
    cells: Vec<Vec<CellRef>>,
    measure: Vec<Measure>,
    withheld: Vec<bool>,
    /// Each cell's variable.
    index: BTreeMap<CellRef, usize>,
}

fn minutes_of(hours: f64) -> i64 {
    (hours * 60.0).round() as i64
}

fn tenths_of(hours: f64) -> i64 {
    (hours * 10.0).round() as i64
}

/// The figure a published cell shows, as the attacker reads it: an integer for counts, a
/// range of minutes for hours.
fn published_range(value: f64, unit: Unit) -> (i64, i64) {
    if unit == Unit::Hours {
        let t = tenths_of(value);
        ((6 * t - 3).max(0), 6 * t + 2)
    } else {
        let v = value.round() as i64;
        (v, v)
    }
}

fn is_total_cell(s: &Summary, (t, r, c): CellRef) -> bool {
    let tb = &s.tables[t];
    tb.rows[r].total
        && (if tb.is_crosstab() {
            tb.columns[c].total
        } else {
            tb.columns[c].key == "pupils"
        })
}

/// Builds the system from a summary whose cells still carry `raw` (before
/// [`Table::finalise`]) or only published values (after).
fn build(s: &Summary) -> System {
    build_with(s, true)
}

/// How an earlier export's period relates to this one's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// The same period (at the same or another k): a figure whose true value has not changed
    /// since is the same unknown in both.
    Same,
    /// The earlier one is a term of this school year: its figure is at most this one's.
    EarlierWithin,
    /// The earlier one is the school year this term belongs to: its figure is at least
    /// this one's.
    EarlierContains,
}

/// An earlier export of an overlapping period, with the true values behind its figures.
#[derive(Debug, Clone)]
pub struct Earlier {
    pub summary: Summary,
    pub link: Link,
}

/// The summary and the earlier ones as one list of tables, and each table's export
/// (0: this one).
fn combined(s: &Summary, earlier: &[Earlier]) -> (Summary, Vec<usize>) {
    let mut all = s.clone();
    let mut groups = vec![0; s.tables.len()];
    for (g, e) in earlier.iter().enumerate() {
        all.tables.extend(e.summary.tables.iter().cloned());
        groups.extend(std::iter::repeat_n(g + 1, e.summary.tables.len()));
    }
    (all, groups)
}

/// The relations an attacker holding both files may use, where the true values bear them out.
fn link(
    sys: &mut System,
    s: &Summary,
    groups: &[usize],
    earlier: &[Earlier],
    var_of: &mut dyn FnMut(&mut System, CellRef) -> usize,
) {
    for (ti, t) in s.tables.iter().enumerate() {
        let g = groups[ti];
        if g == 0 {
            continue;
        }
        let lk = earlier[g - 1].link;
        let Some(tc) = (0..s.tables.len()).find(|x| groups[*x] == 0 && s.tables[*x].id == t.id)
        else {
            continue;
        };
        let cur = &s.tables[tc];
        for (r, row) in t.rows.iter().enumerate() {
            let Some(rc) = cur.rows.iter().position(|x| x.key == row.key) else {
                continue;
            };
            for (c, col) in t.columns.iter().enumerate() {
                if !col.kind.is_amount() {
                    continue;
                }
                let Some(cc) = cur.column(&col.key) else {
                    continue;
                };
                let (a, b) = (&row.cells[c], &cur.rows[rc].cells[cc]);
                if a.status != CellStatus::Suppressed && b.status != CellStatus::Suppressed {
                    continue;
                }
                let (Some(ra), Some(rb)) = (a.raw, b.raw) else {
                    continue;
                };
                let (va, vb) = (var_of(sys, (ti, r, c)), var_of(sys, (tc, rc, cc)));
                match lk {
                    Link::Same if ra == rb => {
                        sys.eqs.push((vec![(va, 1), (vb, -1)], 0));
                        // Published before: already known, so nothing left to protect here.
                        // (Published now and withheld before is the leak the audit finds.)
                        if a.status == CellStatus::Published {
                            sys.withheld[vb] = false;
                        }
                    }
                    Link::EarlierWithin if ra <= rb => sys.les.push((vec![(va, 1), (vb, -1)], 0)),
                    Link::EarlierContains if rb <= ra => sys.les.push((vec![(vb, 1), (va, -1)], 0)),
                    _ => {}
                }
            }
        }
    }
}

/// [`build`]; `at_least_one` false drops "a withheld count is at least 1" (for files written
/// before that was a rule).
fn build_with(s: &Summary, at_least_one: bool) -> System {
    build_linked(s, &vec![0; s.tables.len()], &[], at_least_one)
}

/// The system of a combined list of tables ([`combined`]).
fn build_linked(s: &Summary, groups: &[usize], earlier: &[Earlier], at_least_one: bool) -> System {
    let mut sys = System::default();
    let mut index: BTreeMap<CellRef, usize> = BTreeMap::new();
    let mut shared: BTreeMap<usize, usize> = BTreeMap::new();
    // The grand total of the first three tables is one variable.
    let shared_cells: Vec<CellRef> = s
        .tables
        .iter()
        .enumerate()
        .filter(|(_, t)| SAME_TOTAL_TABLES.contains(&t.id.as_str()))
        .filter_map(|(ti, t)| {
            let r = t.rows.iter().position(|r| r.total)?;
            let c = if t.is_crosstab() {
                t.columns.iter().position(|c| c.total)?
            } else {
                t.column("pupils")?
            };
            Some((ti, r, c))
        })
        .collect();
    let zeros: Vec<bool> = s
        .tables
        .iter()
        .map(|t| at_least_one && publishes_zero(t))
        .collect();
    let mut var_of = |sys: &mut System, s: &Summary, cr: CellRef| -> usize {
        if let Some(i) = index.get(&cr) {
            return *i;
        }
        let is_shared = shared_cells.contains(&cr) && is_total_cell(s, cr);
        if is_shared {
            if let Some(&i) = shared.get(&groups[cr.0]) {
                index.insert(cr, i);
                let t = &s.tables[cr.0];
                let cell = &t.rows[cr.1].cells[cr.2];
                if cell.status == CellStatus::Published {
                    let (a, b) = published_range(cell.value.unwrap_or(0.0), t.columns[cr.2].unit);
                    sys.lo[i] = sys.lo[i].max(a);
                    sys.hi[i] = sys.hi[i].min(b);
                } else {
                    sys.cells[i].push(cr);
                    sys.withheld[i] = true;
                    if zeros[cr.0] {
                        sys.lo[i] = sys.lo[i].max(1);
                    }
                }
                return i;
            }
        }
        let t = &s.tables[cr.0];
        let col = &t.columns[cr.2];
        let cell = &t.rows[cr.1].cells[cr.2];
        let measure = if col.unit == Unit::Hours {
            Measure::Minutes
        } else {
            Measure::Count
        };
        let i = sys.lo.len();
        if cell.status == CellStatus::Published {
            let (a, b) = published_range(cell.value.unwrap_or(0.0), col.unit);
            sys.lo.push(a);
            sys.hi.push(b);
            sys.cells.push(Vec::new());
            sys.withheld.push(false);
        } else {
            // A withheld count is at least 1 where its table publishes zeros, and at least the
            // pupils its row publishes.
            let mut lo = i64::from(zeros[cr.0]);
            if col.kind == Kind::Count && AT_LEAST_PUPILS.contains(&col.key.as_str()) {
                if let Some(pc) = t.column("pupils") {
                    let p = &t.rows[cr.1].cells[pc];
                    if p.status == CellStatus::Published {
                        lo = lo.max(p.value.unwrap_or(0.0).round() as i64);
                    }
                }
            }
            sys.lo.push(lo);
            sys.hi.push(CAP);
            sys.cells.push(vec![cr]);
            sys.withheld.push(true);
        }
        sys.measure.push(measure);
        index.insert(cr, i);
        if is_shared {
            shared.insert(groups[cr.0], i);
        }
        i
    };
    for (ti, t) in s.tables.iter().enumerate() {
        for (members, total) in t.lines() {
            let mut eq: BTreeMap<usize, i64> = BTreeMap::new();
            for (r, c) in &members {
                *eq.entry(var_of(&mut sys, s, (ti, *r, *c))).or_default() += 1;
            }
            *eq.entry(var_of(&mut sys, s, (ti, total.0, total.1)))
                .or_default() -= 1;
            sys.eqs
                .push((eq.into_iter().filter(|(_, c)| *c != 0).collect(), 0));
        }
        // A withheld cell in no line (a non-additive count) still needs a variable.
        for (r, row) in t.rows.iter().enumerate() {
            for (c, cell) in row.cells.iter().enumerate() {
                if cell.status == CellStatus::Suppressed && t.columns[c].kind.is_amount() {
                    var_of(&mut sys, s, (ti, r, c));
                }
            }
        }
    }
    if !earlier.is_empty() {
        link(&mut sys, s, groups, earlier, &mut |sys, cr| {
            var_of(sys, s, cr)
        });
    }
    sys.index = index;
    sys
}

/// Whether a table publishes a zero count or amount (then an attacker knows that each withheld
/// one is at least 1; disclosure control withholds a zero only by withholding every zero of its
/// table).
pub fn publishes_zero(t: &Table) -> bool {
    t.rows.iter().any(|r| {
        r.cells.iter().zip(&t.columns).any(|(c, col)| {
            col.kind.is_amount()
                && c.status == CellStatus::Published
                && c.value.or(c.raw).unwrap_or(1.0) == 0.0
        })
    })
}

/// What a witness must also satisfy for one variable.
#[derive(Debug, Clone, Copy)]
enum Want {
    /// `x = v`.
    Eq(i64),
    /// The least `x` (any feasible assignment is accepted as witness of its value).
    Min,
    /// `x ≥ v`.
    AtLeast(i64),
    /// The greatest `x`.
    Max,
}

/// Checks an assignment against the system and the wish, in exact integer arithmetic.
fn check(sys: &System, x: &[i64], var: usize, want: Want) -> bool {
    if x.len() != sys.lo.len() {
        return false;
    }
    for (i, v) in x.iter().enumerate() {
        if *v < sys.lo[i] || *v > sys.hi[i] {
            return false;
        }
    }
    for (eq, rhs) in &sys.eqs {
        let sum: i128 = eq
            .iter()
            .map(|(i, c)| i128::from(x[*i]) * i128::from(*c))
            .sum();
        if sum != i128::from(*rhs) {
            return false;
        }
    }
    for (le, rhs) in &sys.les {
        let sum: i128 = le
            .iter()
            .map(|(i, c)| i128::from(x[*i]) * i128::from(*c))
            .sum();
        if sum > i128::from(*rhs) {
            return false;
        }
    }
    match want {
        Want::Eq(v) => x[var] == v,
        Want::Min | Want::Max => true,
        Want::AtLeast(v) => x[var] >= v,
    }
}

/// The variables connected to `var` through equations (the solver only needs those).
fn component(sys: &System, var: usize) -> Vec<usize> {
    let n = sys.lo.len();
    let mut seen = vec![false; n];
    let mut stack = vec![var];
    seen[var] = true;
    while let Some(v) = stack.pop() {
        for (eq, _) in sys.eqs.iter().chain(&sys.les) {
            if eq.iter().any(|(i, _)| *i == v) {
                for (i, _) in eq {
                    if !seen[*i] {
                        seen[*i] = true;
                        stack.push(*i);
                    }
                }
            }
        }
    }
    (0..n).filter(|i| seen[*i]).collect()
}

/// Asks the solver for an assignment, then checks it exactly. `Ok(Some)` is a checked
/// witness, `Ok(None)` means the solver found none, `Err(())` that its answer did not check.
fn witness(sys: &System, var: usize, want: Want) -> Result<Option<Vec<i64>>, ()> {
    let comp = component(sys, var);
    let dir = match want {
        Want::Max => OptimizationDirection::Maximize,
        _ => OptimizationDirection::Minimize,
    };
    let mut p = Problem::new(dir);
    let mut vars = BTreeMap::new();
    for &i in &comp {
        let (mut lo, mut hi) = (sys.lo[i], sys.hi[i]);
        if i == var {
            match want {
                Want::Eq(v) => {
                    lo = lo.max(v);
                    hi = hi.min(v);
                }
                Want::AtLeast(v) => lo = lo.max(v),
                Want::Min | Want::Max => {}
            }
        }
        if lo > hi {
            return Ok(None);
        }
        let (Ok(lo32), Ok(hi32)) = (i32::try_from(lo), i32::try_from(hi)) else {
            return Err(());
        };
        let obj = if i == var && matches!(want, Want::Min | Want::Max) {
            1.0
        } else {
            0.0
        };
        vars.insert(i, p.add_integer_var(obj, (lo32, hi32)));
    }
    for (eq, rhs) in &sys.eqs {
        if !eq.iter().any(|(i, _)| vars.contains_key(i)) {
            continue;
        }
        let terms: Vec<(microlp::Variable, f64)> =
            eq.iter().map(|(i, c)| (vars[i], *c as f64)).collect();
        p.add_constraint(terms.as_slice(), ComparisonOp::Eq, *rhs as f64);
    }
    for (le, rhs) in &sys.les {
        if !le.iter().any(|(i, _)| vars.contains_key(i)) {
            continue;
        }
        let terms: Vec<(microlp::Variable, f64)> =
            le.iter().map(|(i, c)| (vars[i], *c as f64)).collect();
        p.add_constraint(terms.as_slice(), ComparisonOp::Le, *rhs as f64);
    }
    let sol = match p.solve() {
        Ok(outcome) => match outcome.into_solution() {
            Ok(s) => s,
            Err(_) => return Err(()),
        },
        Err(microlp::Error::Infeasible) => return Ok(None),
        Err(_) => return Err(()),
    };
    // The full assignment: the component from the solver, the rest at any feasible value is
    // not needed (equations outside the component do not involve these variables), so the
    // check runs on the component only.
    let mut x = vec![0i64; sys.lo.len()];
    for (&i, v) in &vars {
        let f = sol.var_value(*v);
        if !f.is_finite() || (f - f.round()).abs() > 0.25 {
            return Err(());
        }
        x[i] = f.round() as i64;
    }
    let sub = restrict(sys, &comp);
    let xs: Vec<i64> = comp.iter().map(|i| x[*i]).collect();
    let pos = comp
        .iter()
        .position(|i| *i == var)
        .expect("in its component");
    if check(&sub, &xs, pos, want) {
        Ok(Some(x))
    } else {
        Err(())
    }
}

/// The system restricted to some variables (equations among them only).
fn restrict(sys: &System, vars: &[usize]) -> System {
    let map: BTreeMap<usize, usize> = vars.iter().enumerate().map(|(n, i)| (*i, n)).collect();
    System {
        lo: vars.iter().map(|i| sys.lo[*i]).collect(),
        hi: vars.iter().map(|i| sys.hi[*i]).collect(),
        eqs: sys
            .eqs
            .iter()
            .filter(|(eq, _)| eq.iter().all(|(i, _)| map.contains_key(i)))
            .map(|(eq, rhs)| (eq.iter().map(|(i, c)| (map[i], *c)).collect(), *rhs))
            .collect(),
        les: sys
            .les
            .iter()
            .filter(|(le, _)| le.iter().all(|(i, _)| map.contains_key(i)))
            .map(|(le, rhs)| (le.iter().map(|(i, c)| (map[i], *c)).collect(), *rhs))
            .collect(),
        cells: Vec::new(),
        measure: Vec::new(),
        withheld: Vec::new(),
        index: BTreeMap::new(),
    }
}

/// The true value of a withheld cell (for the choice of what to prove), when known.
fn true_value(s: &Summary, (t, r, c): CellRef) -> Option<f64> {
    s.tables[t].rows[r].cells[c].raw
}

fn describe(s: &Summary, (t, r, c): CellRef) -> String {
    let tb = &s.tables[t];
    format!(
        "{}: {}, {}",
        tb.title, tb.rows[r].label, tb.columns[c].label
    )
}

/// Whether the withheld variable `var` is safe, and how many witnesses failed the check.
fn safe(sys: &System, var: usize, truth: Option<i64>, k: i64) -> (bool, usize) {
    let mut rejected = 0;
    let mut ok = |want: Want| -> Option<Vec<i64>> {
        match witness(sys, var, want) {
            Ok(w) => w,
            Err(()) => {
                rejected += 1;
                None
            }
        }
    };
    let result = match sys.measure[var] {
        Measure::Count if truth.is_some_and(|v| (1..k).contains(&v)) => {
            (1..k).all(|v| ok(Want::Eq(v)).is_some())
        }
        m => {
            let width = if m == Measure::Minutes {
                6 * (k - 1)
            } else {
                k - 1
            };
            match ok(Want::Min) {
                Some(w) => ok(Want::AtLeast(w[var] + width)).is_some(),
                None => false,
            }
        }
    };
    (result, rejected)
}

/// Audits a summary (cells must still carry their `raw` values: call before
/// [`Table::finalise`]).
pub fn audit(s: &Summary) -> AuditReport {
    audit_linked(s, &[])
}

/// [`audit`] together with earlier exports of overlapping periods: an attacker holding every
/// file. A withheld figure of an earlier export that this one would give away is reported too
/// (its cell's table index is past this summary's tables; see [`current_cell`]).
pub fn audit_linked(s: &Summary, earlier: &[Earlier]) -> AuditReport {
    let started = Instant::now();
    let current = s;
    let (all, groups) = combined(s, earlier);
    let s = &all;
    // Built when first needed: what the earlier files alone told, and this file alone.
    let mut before: Option<System> = None;
    let mut alone: Option<System> = None;
    let sys = if earlier.is_empty() {
        build(s)
    } else {
        build_linked(s, &groups, earlier, true)
    };
    let mut report = AuditReport::default();
    for var in 0..sys.lo.len() {
        if !sys.withheld[var] {
            continue;
        }
        report.checked += 1;
        let first = sys.cells[var][0];
        let truth = true_value(s, first).map(|v| match sys.measure[var] {
            Measure::Minutes => minutes_of(v),
            Measure::Count => v.round() as i64,
        });
        let k = match groups[first.0] {
            0 => i64::from(s.k),
            g => i64::from(earlier[g - 1].summary.k),
        };
        let (ok, rejected) = safe(&sys, var, truth, k);
        report.rejected_witnesses += rejected;
        if !ok && !earlier.is_empty() {
            let before = before.get_or_insert_with(|| before_this(s, &groups, earlier));
            let alone = alone.get_or_insert_with(|| build(current));
            if adds_nothing(
                &sys,
                var,
                before,
                alone,
                &groups,
                truth,
                i64::from(current.k),
            ) {
                report.already_known += sys.cells[var].len();
                continue;
            }
        }
        if !ok {
            for cr in &sys.cells[var] {
                report.unproved.push(Unproved {
                    cell: *cr,
                    what: describe(s, *cr),
                });
            }
        }
    }
    report.elapsed = started.elapsed();
    report
}

/// What an attacker knew before this export (group 0 of a [`combined`] list): the same
/// system with every figure of this export unknown. The lines and the links between the
/// files stay, as they are facts about the data rather than about a file, so this knows at
/// most what the earlier files told.
fn before_this(s: &Summary, groups: &[usize], earlier: &[Earlier]) -> System {
    let mut prior = s.clone();
    for (ti, t) in prior.tables.iter_mut().enumerate() {
        if groups[ti] != 0 {
            continue;
        }
        let amounts: Vec<bool> = t.columns.iter().map(|c| c.kind.is_amount()).collect();
        for row in &mut t.rows {
            for (c, cell) in row.cells.iter_mut().enumerate() {
                if amounts[c] {
                    cell.status = CellStatus::Suppressed;
                }
            }
        }
    }
    build_linked(&prior, groups, earlier, true)
}

/// A variable's exact range, each end a checked witness; `None` when the solver cannot say.
fn exact_range(sys: &System, var: usize) -> Option<(i64, i64)> {
    let lo = witness(sys, var, Want::Min).ok().flatten()?[var];
    let hi = witness(sys, var, Want::Max).ok().flatten()?[var];
    Some((lo, hi))
}

/// Whether a withheld figure that the files together narrow too far was already narrowed
/// exactly as far before this export (`before`), and every cell of this export behind it
/// keeps its own property in this file alone (`alone`): then this export adds nothing an
/// attacker holding the earlier files did not have, and nothing it withholds more could
/// take back what they published.
fn adds_nothing(
    sys: &System,
    var: usize,
    before: &System,
    alone: &System,
    groups: &[usize],
    truth: Option<i64>,
    k: i64,
) -> bool {
    let Some(&first) = sys.cells[var].first() else {
        return false;
    };
    let Some(&then) = before.index.get(&first) else {
        return false;
    };
    let (Some(now), Some(was)) = (exact_range(sys, var), exact_range(before, then)) else {
        return false;
    };
    now == was
        && sys.cells[var]
            .iter()
            .filter(|cr| groups[cr.0] == 0)
            .all(|cr| {
                alone
                    .index
                    .get(cr)
                    .is_some_and(|&v| safe(alone, v, truth, k).0)
            })
}

/// The cell of this export that an earlier export's cell (as [`audit_linked`] numbers it)
/// stands beside: the same table, row and column.
pub fn current_cell(s: &Summary, earlier: &[Earlier], (ti, r, c): CellRef) -> Option<CellRef> {
    if ti < s.tables.len() {
        return Some((ti, r, c));
    }
    let mut i = ti - s.tables.len();
    let mut table = None;
    for e in earlier {
        if i < e.summary.tables.len() {
            table = Some(&e.summary.tables[i]);
            break;
        }
        i -= e.summary.tables.len();
    }
    let t = table?;
    let tc = s.tables.iter().position(|x| x.id == t.id)?;
    let cur = &s.tables[tc];
    let rc = cur.rows.iter().position(|x| x.key == t.rows[r].key)?;
    let cc = cur.column(&t.columns[c].key)?;
    Some((tc, rc, cc))
}

/// The published, non-zero figures on the lines through a withheld cell, members first
/// (then the fewest pupils, then the smallest value), then totals, then the pupils a count of
/// goals, sessions or reviews is bounded by: what to withhold next.
pub fn candidates(t: &Table, p: Pos) -> Vec<Pos> {
    let cell = |q: &Pos| &t.rows[q.0].cells[q.1];
    let open =
        |q: &Pos| cell(q).status == CellStatus::Published && cell(q).raw.unwrap_or(0.0) > 0.0;
    let mut members: Vec<Pos> = Vec::new();
    let mut totals: Vec<Pos> = Vec::new();
    for (m, tot) in t.lines() {
        if !(m.contains(&p) || tot == p) {
            continue;
        }
        for q in &m {
            if open(q) && !members.contains(q) {
                members.push(*q);
            }
        }
        if open(&tot) && !totals.contains(&tot) {
            totals.push(tot);
        }
    }
    let key = |q: &Pos| (cell(q).base, cell(q).raw.unwrap_or(0.0));
    members.sort_by(|a, b| {
        let (ka, kb) = (key(a), key(b));
        ka.0.cmp(&kb.0).then(ka.1.total_cmp(&kb.1))
    });
    totals.sort_by(|a, b| {
        let (ka, kb) = (key(a), key(b));
        ka.0.cmp(&kb.0).then(ka.1.total_cmp(&kb.1))
    });
    members.extend(totals);
    // A withheld count of goals, sessions or reviews is at least the pupils its row publishes
    // (one per pupil at least): withholding those pupils widens it where its lines cannot.
    if !t.is_crosstab() && AT_LEAST_PUPILS.contains(&t.columns[p.1].key.as_str()) {
        if let Some(pc) = t.column("pupils") {
            let q = (p.0, pc);
            if open(&q) && !members.contains(&q) {
                members.push(q);
            }
        }
    }
    members
}

/// A withheld figure's exact range from a school's published figures: `(least, greatest)` in
/// the figure's unit (hours for hours), `None` for no upper limit.
pub type Range = (f64, Option<f64>);

/// Why a school's file cannot be merged: its figures contradict its own totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contradiction;

/// Whether the whole system has a whole-number solution (checked exactly).
fn consistent(sys: &System) -> Option<bool> {
    let mut seen = vec![false; sys.lo.len()];
    for v in 0..sys.lo.len() {
        if seen[v] {
            continue;
        }
        for i in component(sys, v) {
            seen[i] = true;
        }
        match witness(sys, v, Want::Min) {
            Ok(Some(_)) => {}
            Ok(None) => return Some(false),
            Err(()) => return None,
        }
    }
    Some(true)
}

/// The exact range of every withheld count or amount of a school's published summary (after
/// [`Table::finalise`]), by minimising and maximising each with the solver; each end is a
/// witness checked in whole numbers. A file whose figures admit no whole-number solution at
/// all — even without assuming withheld counts are at least 1 — contradicts its totals.
pub fn exact_ranges(s: &Summary) -> Result<BTreeMap<CellRef, Range>, Contradiction> {
    let mut sys = build_with(s, true);
    match consistent(&sys) {
        Some(true) => {}
        _ => {
            sys = build_with(s, false);
            if consistent(&sys) == Some(false) {
                return Err(Contradiction);
            }
        }
    }
    let mut out = BTreeMap::new();
    for var in 0..sys.lo.len() {
        if !sys.withheld[var] {
            continue;
        }
        let lo = witness(&sys, var, Want::Min).ok().flatten().map(|w| w[var]);
        let hi = witness(&sys, var, Want::Max).ok().flatten().map(|w| w[var]);
        let (Some(lo), Some(hi)) = (lo, hi) else {
            // The solver could not answer: the figure's own bounds, which are always true.
            let r = to_unit(sys.measure[var], sys.lo[var], sys.hi[var]);
            for cr in &sys.cells[var] {
                out.insert(*cr, r);
            }
            continue;
        };
        let r = to_unit(sys.measure[var], lo, hi);
        for cr in &sys.cells[var] {
            out.insert(*cr, r);
        }
    }
    Ok(out)
}

fn to_unit(m: Measure, lo: i64, hi: i64) -> Range {
    // Near the search cap means nothing published limits it.
    let hi = (hi < CAP / 2).then_some(hi);
    match m {
        Measure::Count => (lo as f64, hi.map(|h| h as f64)),
        // Minutes to hours, outwards to a tenth.
        Measure::Minutes => (
            (lo as f64 / 6.0).floor() / 10.0,
            hi.map(|h| (h as f64 / 6.0).ceil() / 10.0),
        ),
    }
}
