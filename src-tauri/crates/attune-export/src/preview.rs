//! What the app shows: the preview of a summary before it is exported (every table, every cell
//! with its figure or its suppression and, for the strategic lead's eyes only, why), and the
//! results of an export and a merge. Every type derives `Serialize` and `ts_rs::TS` so the shell
//! can hand it to the UI unchanged.

use std::path::Path;

use serde::Serialize;
use ts_rs::TS;

use crate::html::cell_text;
use crate::model::{Cell, CellStatus, Kind, Summary, SuppressionReason, Table, Unit};

/// One cell as the preview shows it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct PreviewCell {
    pub status: CellStatus,
    /// The published figure (never the value of a withheld one).
    pub value: Option<f64>,
    /// As the report prints it: "12", "45.0%", "[c]", "12 to 18".
    pub text: String,
    /// Bounds only (merge).
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    /// Why it is withheld (preview only; the files never say).
    pub reason: Option<SuppressionReason>,
    /// The reason in words.
    pub reason_text: Option<String>,
}

/// A column heading.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct PreviewColumn {
    pub key: String,
    pub label: String,
    pub measure: String,
    pub unit: Unit,
    /// A cross-tabulation's total column.
    pub total: bool,
}

/// A row.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct PreviewRow {
    pub key: String,
    pub label: String,
    pub total: bool,
    /// One per column.
    pub cells: Vec<PreviewCell>,
}

/// A table.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct PreviewTable {
    pub id: String,
    pub title: String,
    pub note: String,
    pub dimension: String,
    pub dimension_label: String,
    pub dimension_2: Option<String>,
    pub dimension_2_label: Option<String>,
    pub columns: Vec<PreviewColumn>,
    pub rows: Vec<PreviewRow>,
}

/// The preview of a school's summary.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SummaryPreview {
    /// "2025-26 autumn".
    pub period: String,
    /// First and last day counted, `YYYY-MM-DD` (for the lead; the files give terms only).
    pub period_start: String,
    pub period_end: String,
    /// The terms covered ("Autumn 2025").
    pub terms: Vec<String>,
    /// Whether the term dates are England's typical year because the school entered none.
    pub default_calendar: bool,
    pub k: u32,
    /// What the files will call the school.
    pub school_label: String,
    /// Pupils supported in the period, when that figure is published.
    pub pupils: Option<f64>,
    /// How many cells will be withheld.
    pub suppressed_cells: u32,
    /// "What is withheld, and why", in plain words, never a value.
    pub withheld_why: Vec<String>,
    pub tables: Vec<PreviewTable>,
}

/// The files an export or a merge wrote (full paths).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ExportedFiles {
    pub csv: String,
    pub json: String,
    pub html: String,
}

/// What a merge did.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct MergeReport {
    pub period: String,
    /// The schools' labels, in the order given.
    pub schools: Vec<String>,
    pub files: ExportedFiles,
    /// How many merged figures are shown as bounds.
    pub bounded_cells: u32,
    pub tables: Vec<PreviewTable>,
}

/// The heading of one summary file (see [`crate::inspect`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SummaryFileInfo {
    pub label: String,
    pub period: String,
    pub k: u32,
    pub tables: u32,
}

/// The words for a reason.
pub fn reason_text(reason: SuppressionReason, kind: Kind, k: u32) -> String {
    match (reason, kind.is_amount()) {
        (SuppressionReason::Primary, _) => format!("Stands for fewer than {k} pupils."),
        (SuppressionReason::SmallBase, _) => format!("Worked out over fewer than {k} pupils."),
        (SuppressionReason::Secondary, true) => "Withheld as well, so that another withheld \
                                                 figure cannot be worked out from the totals."
            .into(),
        (SuppressionReason::Linked, _) => "Withheld because it was withheld in an earlier \
                                            export of an overlapping period, and publishing it \
                                            now would give that figure away."
            .into(),
        (SuppressionReason::SmallNumerator, _) => format!(
            "It would say something about nobody, everybody, or fewer than {k} in its group."
        ),
        (SuppressionReason::Secondary, false) => "Withheld as well, because a count in its row \
                                                  is withheld or it would help work one out."
            .into(),
    }
}

fn cell(c: &Cell, kind: Kind, unit: Unit, k: u32) -> PreviewCell {
    let published = c.status == CellStatus::Published;
    PreviewCell {
        status: c.status,
        value: if published { c.value } else { None },
        text: cell_text(c, unit),
        lower: c.lower,
        upper: c.upper,
        reason: c.reason,
        reason_text: c.reason.map(|r| reason_text(r, kind, k)),
    }
}

/// A table for the preview (reasons kept: call before the summary leaves the exporter).
pub fn table(t: &Table, k: u32) -> PreviewTable {
    PreviewTable {
        id: t.id.clone(),
        title: t.title.clone(),
        note: t.note.clone(),
        dimension: t.dimension.clone(),
        dimension_label: t.dimension_label.clone(),
        dimension_2: t.dimension_2.clone(),
        dimension_2_label: t.dimension_2_label.clone(),
        columns: t
            .columns
            .iter()
            .map(|c| PreviewColumn {
                key: c.key.clone(),
                label: c.label.clone(),
                measure: c.measure.clone(),
                unit: c.unit,
                total: c.total,
            })
            .collect(),
        rows: t
            .rows
            .iter()
            .map(|r| PreviewRow {
                key: r.key.clone(),
                label: r.label.clone(),
                total: r.total,
                cells: r
                    .cells
                    .iter()
                    .zip(&t.columns)
                    .map(|(c, col)| cell(c, col.kind, col.unit, k))
                    .collect(),
            })
            .collect(),
    }
}

/// "What is withheld, and why": one plain sentence per reason, with how many figures, and what
/// the exact audit proved. Never a value.
pub fn withheld_why(
    s: &Summary,
    report: &crate::audit::AuditReport,
    earlier: &[crate::audit::Earlier],
) -> Vec<String> {
    let k = s.k;
    let mut n: std::collections::BTreeMap<&'static str, usize> = Default::default();
    for t in &s.tables {
        for r in &t.rows {
            for c in &r.cells {
                if c.status != CellStatus::Suppressed {
                    continue;
                }
                let key = match c.reason {
                    Some(SuppressionReason::Primary) => "a",
                    Some(SuppressionReason::SmallBase) => "b",
                    Some(SuppressionReason::SmallNumerator) => "c",
                    Some(SuppressionReason::Secondary) => "d",
                    Some(SuppressionReason::Linked) => "e",
                    None => "d",
                };
                *n.entry(key).or_default() += 1;
            }
        }
    }
    let mut out = Vec::new();
    if n.is_empty() {
        out.push(format!(
            "Nothing is withheld: every figure stands for at least {k} pupils or for none."
        ));
    }
    for (key, count) in &n {
        let one = *count == 1;
        let (fig, is, it) = if one {
            ("1 figure".to_string(), "is", "it")
        } else {
            (format!("{count} figures"), "are", "they")
        };
        let stands = if one { "stands" } else { "stand" };
        let text = match *key {
            "a" => format!("{fig} {stands} for fewer than {k} pupils, so {it} {is} withheld."),
            "b" => format!(
                "{fig} {is} a mean or share worked out over fewer than {k} pupils or goals."
            ),
            "c" => format!(
                "{fig} {is} a share that would say something about nobody, everybody, or fewer \
                 than {k} in a group."
            ),
            "d" => format!(
                "{fig} {is} withheld as well, so that no withheld figure can be worked out, or \
                 narrowed down, from the totals and the other figures."
            ),
            _ => format!(
                "{fig} {is} withheld because an earlier export of an overlapping period is kept \
                 in the vault, and setting the two side by side would otherwise give a withheld \
                 figure away."
            ),
        };
        out.push(text);
    }
    if !earlier.is_empty() {
        let mut periods: Vec<String> = earlier
            .iter()
            .map(|e| format!("{} (k = {})", e.summary.period, e.summary.k))
            .collect();
        periods.dedup();
        out.push(format!(
            "Checked together with the earlier exports of {}.",
            periods.join(", ")
        ));
    }
    if report.already_known > 0 {
        let n = report.already_known;
        out.push(if n == 1 {
            "1 withheld figure was already published, or narrowed as far, by an earlier export; \
             this one tells nothing more about it."
                .to_string()
        } else {
            format!(
                "{n} withheld figures were already published, or narrowed as far, by an earlier \
                 export; this one tells nothing more about them."
            )
        });
    }
    if report.proved() {
        out.push(format!("An exact check with whole numbers proved that no withheld figure can be worked out: each small one could still be any number from 1 to {}, and each other one lies in a range at least {k} wide.", k - 1));
    } else {
        let mut what: Vec<&str> = report.unproved.iter().map(|u| u.what.as_str()).collect();
        what.dedup();
        out.push(format!("The exact check could not prove that these withheld figures cannot be narrowed down: {}.", what.join("; ")));
    }
    out
}

/// Pupils supported: the first table's grand total, when published.
pub fn pupils(s: &Summary) -> Option<f64> {
    let t = s.tables.first()?;
    let total = t.rows.iter().find(|r| r.total)?;
    let c = total.cells.last()?;
    (c.status == CellStatus::Published)
        .then_some(c.value)
        .flatten()
}

pub(crate) fn path_text(p: &Path) -> String {
    p.display().to_string()
}
