//! A summary as tables of cells: what the exporter computes, what the JSON file holds (the
//! `summary` member of `attune-summary/1`), and what the merge reads and writes.
//!
//! Fields marked "exporter only" are `#[serde(skip)]`: they never reach a file. A suppressed
//! cell's value is removed before anything is serialised ([`Table::finalise`]).

use serde::{Deserialize, Serialize, Serializer};

/// The version string of the file format.
pub const SCHEMA: &str = "attune-summary/1";

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A count of pupils, goals, reviews or sessions (a whole number).
    Count,
    /// A total of an amount (hours).
    Sum,
    /// A mean (its weight column says over how many).
    Mean,
    /// A percentage of its weight column.
    Share,
}

impl Kind {
    /// Counts and sums add up to totals; means and shares do not.
    pub fn is_amount(self) -> bool {
        matches!(self, Kind::Count | Kind::Sum)
    }
}

/// The unit a value is shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Pupils,
    Goals,
    Reviews,
    Sessions,
    Hours,
    Percent,
    /// A 0–10 rating or scaling.
    Rating,
    Days,
    /// A number per term (physical interventions).
    Number,
}

impl Unit {
    /// Decimal places shown: none for counts, one otherwise.
    pub fn decimals(self) -> usize {
        match self {
            Unit::Pupils | Unit::Goals | Unit::Reviews | Unit::Sessions => 0,
            _ => 1,
        }
    }
}

/// The state of one published figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum CellStatus {
    /// A figure.
    Published,
    /// Withheld by disclosure control (the file never says why).
    Suppressed,
    /// Nothing to show (a mean over nobody).
    NotAvailable,
    /// A merged figure that includes suppressed figures: between `lower` and `upper`.
    Bounds,
}

/// Why a cell is suppressed: for the strategic lead's preview only, never in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SuppressionReason {
    /// It stands for 1 to k−1 pupils.
    Primary,
    /// Withheld too so that another suppressed figure cannot be worked out from the totals (or,
    /// for a mean or share, because a count in its row is withheld).
    Secondary,
    /// A mean or share computed over fewer than k pupils.
    SmallBase,
    /// A share whose numerator is 0, fewer than k, or the whole of its base.
    SmallNumerator,
    /// Withheld so that a figure withheld in an earlier export of an overlapping period (a
    /// term and its school year, or the same period at another k) cannot be worked out by
    /// setting the two exports side by side.
    Linked,
}

fn ser_num<S: Serializer>(v: &Option<f64>, s: S) -> std::result::Result<S::Ok, S::Error> {
    match v {
        Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => s.serialize_i64(*x as i64),
        Some(x) => s.serialize_f64(*x),
        None => s.serialize_none(),
    }
}

/// One figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cell {
    pub status: CellStatus,
    /// The figure, when published (rounded as shown).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_num"
    )]
    pub value: Option<f64>,
    /// Bounds only: the smallest the figure can be.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_num"
    )]
    pub lower: Option<f64>,
    /// Bounds only: the largest it can be; absent when nothing published limits it.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_num"
    )]
    pub upper: Option<f64>,
    /// Exporter only: the value before suppression and rounding.
    #[serde(skip)]
    pub raw: Option<f64>,
    /// Exporter only: how many pupils the figure stands for.
    #[serde(skip)]
    pub base: u32,
    /// Exporter only: why it is suppressed.
    #[serde(skip)]
    pub reason: Option<SuppressionReason>,
}

impl Cell {
    /// A computed figure standing for `base` pupils (`raw` `None`: nothing to compute).
    pub fn computed(raw: Option<f64>, base: u32) -> Cell {
        Cell {
            status: if raw.is_some() {
                CellStatus::Published
            } else {
                CellStatus::NotAvailable
            },
            value: raw,
            lower: None,
            upper: None,
            raw,
            base,
            reason: None,
        }
    }

    /// A published figure (merge output).
    pub fn published(value: f64) -> Cell {
        Cell {
            status: CellStatus::Published,
            value: Some(value),
            lower: None,
            upper: None,
            raw: Some(value),
            base: 0,
            reason: None,
        }
    }

    /// Withheld (merge output, where nothing published limits a figure).
    pub fn suppressed() -> Cell {
        Cell {
            status: CellStatus::Suppressed,
            value: None,
            lower: None,
            upper: None,
            raw: None,
            base: 0,
            reason: None,
        }
    }

    /// Nothing to show.
    pub fn not_available() -> Cell {
        Cell::computed(None, 0)
    }

    /// Bounds (merge output).
    pub fn bounds(lower: f64, upper: Option<f64>) -> Cell {
        Cell {
            status: CellStatus::Bounds,
            value: None,
            lower: Some(lower),
            upper,
            raw: None,
            base: 0,
            reason: None,
        }
    }

    pub fn is_suppressed(&self) -> bool {
        self.status == CellStatus::Suppressed
    }

    pub fn is_published(&self) -> bool {
        self.status == CellStatus::Published
    }

    /// Suppresses the cell for `reason` (a cell already suppressed keeps its first reason).
    pub fn suppress(&mut self, reason: SuppressionReason) {
        if self.status == CellStatus::Published {
            self.status = CellStatus::Suppressed;
            self.reason = Some(reason);
        }
    }
}

/// A column: one measure (or, in a cross-tabulation, one category of the second dimension).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    /// Unique within the table (`pupils`, `mean_change`, `universal`, `all`).
    pub key: String,
    /// How it is headed.
    pub label: String,
    /// The measure's name in the CSV (`pupils`, `share_improved_pct`).
    pub measure: String,
    pub unit: Unit,
    pub kind: Kind,
    /// Whether the table's rows add up to its total row in this column.
    pub additive: bool,
    /// Whether this is a cross-tabulation's total column.
    pub total: bool,
    /// For a mean or share: the key of the count column in the same row it is over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<String>,
    /// The least and greatest a value of this column can be, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<[f64; 2]>,
    /// Whether the column is a change between two values of the row's range (so it lies
    /// within plus or minus the range's width).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub change: bool,
}

/// A row: one category of the table's dimension, or its total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Row {
    /// Unique within the table.
    pub key: String,
    pub label: String,
    /// Whether this is the total row (always last).
    pub total: bool,
    /// The least and greatest a value of this row's measures can be (indicators).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<[f64; 2]>,
    /// One per column.
    pub cells: Vec<Cell>,
}

/// A cell's place in a table: (row, column).
pub type Pos = (usize, usize);

/// A line of a table: cells that add up to a total cell, `(members, total)`.
pub type Line = (Vec<Pos>, Pos);

/// One table of a summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// Stable id (`pupils_by_year_band_and_support_level`).
    pub id: String,
    pub title: String,
    /// One or two sentences saying what is counted.
    pub note: String,
    /// The rows' dimension (`year_band`).
    pub dimension: String,
    pub dimension_label: String,
    /// A cross-tabulation's column dimension (`support_level`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimension_2: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimension_2_label: Option<String>,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

impl Table {
    /// Whether the columns are categories of a second dimension.
    pub fn is_crosstab(&self) -> bool {
        self.dimension_2.is_some()
    }

    pub fn column(&self, key: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.key == key)
    }

    /// The lines of the table: sets of cells that add up to a total cell, `(members, total)`
    /// as `(row, column)` positions. In a cross-tabulation every row and every column; in a
    /// one-dimensional table every additive column over the rows.
    pub fn lines(&self) -> Vec<Line> {
        let mut out = Vec::new();
        let total_row = self.rows.iter().position(|r| r.total);
        let body_rows: Vec<usize> = (0..self.rows.len())
            .filter(|r| !self.rows[*r].total)
            .collect();
        if self.is_crosstab() {
            let total_col = self.columns.iter().position(|c| c.total);
            let body_cols: Vec<usize> = (0..self.columns.len())
                .filter(|c| !self.columns[*c].total)
                .collect();
            if let Some(tr) = total_row {
                for c in 0..self.columns.len() {
                    out.push((body_rows.iter().map(|r| (*r, c)).collect(), (tr, c)));
                }
            }
            if let Some(tc) = total_col {
                for r in 0..self.rows.len() {
                    out.push((body_cols.iter().map(|c| (r, *c)).collect(), (r, tc)));
                }
            }
        } else if let Some(tr) = total_row {
            for (c, col) in self.columns.iter().enumerate() {
                if col.additive && col.kind.is_amount() {
                    out.push((body_rows.iter().map(|r| (*r, c)).collect(), (tr, c)));
                }
            }
        }
        out
    }

    /// Rounds published values as shown and removes every suppressed value, ready to publish.
    pub fn finalise(&mut self) {
        for row in &mut self.rows {
            for (c, cell) in row.cells.iter_mut().enumerate() {
                let dp = self.columns[c].unit.decimals() as i32;
                match cell.status {
                    CellStatus::Published => {
                        cell.value = cell.value.map(|v| round_to(v, dp));
                    }
                    CellStatus::Bounds => {
                        cell.value = None;
                    }
                    _ => {
                        cell.value = None;
                        cell.lower = None;
                        cell.upper = None;
                    }
                }
            }
        }
    }
}

/// `v` rounded to `dp` decimal places (halves away from zero), with no negative zero.
pub fn round_to(v: f64, dp: i32) -> f64 {
    let f = 10f64.powi(dp);
    let r = (v * f).round() / f;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

/// Whether a summary is one school's or a merge of several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SummaryKind {
    School,
    Merged,
}

/// A school summary a merged one was made from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub label: String,
    pub source_id: String,
    pub k: u32,
    /// The school file's checksum.
    pub checksum: String,
}

/// A whole summary: the `summary` member of a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    pub kind: SummaryKind,
    /// The school's name (only when the lead chose to include it), a neutral label, or for a
    /// merge "Merged summary of N schools".
    pub label: String,
    /// A school summary's pseudonymous source id (the same vault and period give the same id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    /// "2025-26" or "2025-26 autumn".
    pub period: String,
    /// The terms it covers ("Autumn 2025").
    pub terms: Vec<String>,
    /// The disclosure-control threshold (for a merge, the smallest of its sources').
    pub k: u32,
    /// "Attune 0.1.0".
    pub generator: String,
    /// A merge's sources.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
    pub tables: Vec<Table>,
}

impl Summary {
    pub fn table(&self, id: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.id == id)
    }

    /// How many cells are suppressed, and how many are bounds.
    pub fn count_status(&self, status: CellStatus) -> usize {
        self.tables
            .iter()
            .flat_map(|t| t.rows.iter())
            .flat_map(|r| r.cells.iter())
            .filter(|c| c.status == status)
            .count()
    }
}
