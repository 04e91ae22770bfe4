//! The tidy CSV: one row per figure.
//!
//! Columns: `period, table, dimension, category, dimension_2, category_2, measure, value`
//! (`dimension_2` and `category_2` are filled only for the cross-tabulation). `value` is the
//! figure, or a marker: [`SUPPRESSED`] (`[c]`, withheld by disclosure control) or
//! [`NOT_AVAILABLE`] (`[x]`, nothing to show). A merged summary's CSV adds `lower` and `upper`:
//! where a figure includes withheld ones, `value` is `[c]` and the figure lies between them
//! (`upper` empty when nothing published limits it).

use crate::model::{Cell, CellStatus, Summary, SummaryKind, Unit};

/// The marker of a suppressed figure, in every file.
pub const SUPPRESSED: &str = "[c]";
/// The marker of a figure with nothing to show.
pub const NOT_AVAILABLE: &str = "[x]";

/// A number as the files write it: whole for counts, one decimal place otherwise.
pub fn number(v: f64, unit: Unit) -> String {
    match unit.decimals() {
        0 => format!("{v:.0}"),
        d => format!("{v:.d$}"),
    }
}

fn value_text(cell: &Cell, unit: Unit) -> String {
    match cell.status {
        CellStatus::Published => number(cell.value.unwrap_or(0.0), unit),
        CellStatus::NotAvailable => NOT_AVAILABLE.into(),
        CellStatus::Suppressed | CellStatus::Bounds => SUPPRESSED.into(),
    }
}

/// The CSV text of a summary.
pub fn to_csv(s: &Summary) -> String {
    let merged = s.kind == SummaryKind::Merged;
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let mut header = vec![
        "period",
        "table",
        "dimension",
        "category",
        "dimension_2",
        "category_2",
        "measure",
        "value",
    ];
    if merged {
        header.extend(["lower", "upper"]);
    }
    w.write_record(&header).expect("writing to memory");
    for t in &s.tables {
        for row in &t.rows {
            for (col, cell) in t.columns.iter().zip(&row.cells) {
                let (dim2, cat2) = match &t.dimension_2 {
                    Some(d) => (d.as_str(), col.label.as_str()),
                    None => ("", ""),
                };
                let mut rec = vec![
                    s.period.clone(),
                    t.id.clone(),
                    t.dimension.clone(),
                    row.label.clone(),
                    dim2.to_string(),
                    cat2.to_string(),
                    col.measure.clone(),
                    value_text(cell, col.unit),
                ];
                if merged {
                    let b = |v: Option<f64>| v.map(|v| number(v, col.unit)).unwrap_or_default();
                    if cell.status == CellStatus::Bounds {
                        rec.push(b(cell.lower));
                        rec.push(b(cell.upper));
                    } else {
                        rec.push(String::new());
                        rec.push(String::new());
                    }
                }
                w.write_record(&rec).expect("writing to memory");
            }
        }
    }
    String::from_utf8(w.into_inner().expect("writing to memory")).expect("UTF-8 in, UTF-8 out")
}
