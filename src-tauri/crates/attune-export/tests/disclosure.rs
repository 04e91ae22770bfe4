//! Disclosure control on hand-built cohorts with known answers.

mod common;

use attune_domain::lead::summary_facts::{SosFacts, YearBand};
use attune_export::disclosure::{check_k, determined_cells, protect, small_published_counts};
use attune_export::model::{
    Cell, CellStatus, Column, Kind, Row, Summary, SuppressionReason, Table, Unit,
};
use attune_export::{summarise, Error, NEUTRAL_LABEL};
use common::*;

fn cell<'a>(s: &'a Summary, table: &str, row: &str, col: &str) -> &'a Cell {
    let t = s.table(table).unwrap();
    let r = t
        .rows
        .iter()
        .find(|r| r.key == row)
        .unwrap_or_else(|| panic!("row {row}"));
    &r.cells[t.column(col).unwrap_or_else(|| panic!("column {col}"))]
}

fn state(c: &Cell) -> (CellStatus, Option<f64>, Option<SuppressionReason>) {
    (c.status, c.value, c.reason)
}

const P: CellStatus = CellStatus::Published;
const S: CellStatus = CellStatus::Suppressed;

#[test]
fn a_single_looked_after_child_in_a_year_band_is_suppressed() {
    // Ten pupils in Years 3–4 with no care status, and one looked-after child, alone in
    // Years 7–9.
    let mut pupils: Vec<_> = (0..10)
        .map(|_| pupil(YearBand::Years3To4, "None", "Universal"))
        .collect();
    pupils.push(pupil(YearBand::Years7To9, "Looked after", "Intensive"));
    let s = summarise(&facts(pupils), NEUTRAL_LABEL, 5);

    // The year-group band row: the child's cell and the band's total are primary.
    let t = "pupils_by_year_band_and_support_level";
    assert_eq!(
        state(cell(&s, t, "years_7_9", "intensive")),
        (S, None, Some(SuppressionReason::Primary))
    );
    assert_eq!(
        state(cell(&s, t, "years_7_9", "all")),
        (S, None, Some(SuppressionReason::Primary))
    );
    // A zero nobody's withholding needs stays published, and so does the grand total.
    assert_eq!(
        state(cell(&s, t, "years_7_9", "additional")),
        (P, Some(0.0), None)
    );
    assert_eq!(state(cell(&s, t, "all", "all")), (P, Some(11.0), None));
    // Years 3–4's total (10) would give the child's band away (11 − 10): withheld too.
    assert_eq!(
        state(cell(&s, t, "years_3_4", "all")),
        (S, None, Some(SuppressionReason::Secondary))
    );
    // The care-status table: "Looked after: 1" is primary, and one more is withheld.
    let c = "pupils_by_care_status";
    assert_eq!(
        state(cell(&s, c, "looked_after", "pupils")),
        (S, None, Some(SuppressionReason::Primary))
    );
    assert_eq!(
        state(cell(&s, c, "none", "pupils")),
        (S, None, Some(SuppressionReason::Secondary))
    );
    assert_eq!(
        state(cell(&s, c, "child_in_need", "pupils")),
        (P, Some(0.0), None)
    );
    assert_eq!(state(cell(&s, c, "all", "pupils")), (P, Some(11.0), None));
    for t in &s.tables {
        assert!(small_published_counts(t, 5).is_empty(), "{}", t.id);
        assert!(determined_cells(t).is_empty(), "{}", t.id);
    }
}

#[test]
fn a_cell_derivable_from_the_total_gets_a_secondary_suppression() {
    // Care statuses: looked after 2, previously looked after 0, child in need 8, none 10.
    let mut pupils = Vec::new();
    for (care, n) in [("Looked after", 2), ("Child in need", 8), ("None", 10)] {
        for _ in 0..n {
            pupils.push(pupil(YearBand::Years5To6, care, "Additional"));
        }
    }
    let s = summarise(&facts(pupils), NEUTRAL_LABEL, 5);
    let c = "pupils_by_care_status";
    // 2 is primary; alone, it would be 20 − 0 − 8 − 10: the smallest other non-zero cell (8)
    // is withheld too, never the zero and never the total.
    assert_eq!(
        state(cell(&s, c, "looked_after", "pupils")),
        (S, None, Some(SuppressionReason::Primary))
    );
    assert_eq!(
        state(cell(&s, c, "child_in_need", "pupils")),
        (S, None, Some(SuppressionReason::Secondary))
    );
    assert_eq!(
        state(cell(&s, c, "previously_looked_after", "pupils")),
        (P, Some(0.0), None)
    );
    assert_eq!(state(cell(&s, c, "none", "pupils")), (P, Some(10.0), None));
    assert_eq!(state(cell(&s, c, "all", "pupils")), (P, Some(20.0), None));
}

#[test]
fn a_mean_over_four_pupils_is_suppressed_with_k_5() {
    let scaled = |n: usize| -> Summary {
        let pupils = (0..n)
            .map(|i| {
                let mut p = pupil(YearBand::Years1To2, "None", "Universal");
                p.sos = Some(SosFacts {
                    first: 3.0 + i as f64,
                    latest: 6.0,
                });
                p
            })
            .collect();
        summarise(&facts(pupils), NEUTRAL_LABEL, 5)
    };
    let four = scaled(4);
    let t = "signs_of_safety";
    for col in ["mean_first", "mean_latest", "mean_change", "share_improved"] {
        assert_eq!(
            state(cell(&four, t, "scaled_twice", col)),
            (S, None, Some(SuppressionReason::SmallBase)),
            "{col}"
        );
    }
    assert_eq!(
        state(cell(&four, t, "scaled_twice", "pupils")),
        (S, None, Some(SuppressionReason::Primary))
    );
    // Five pupils: published, rounded to one decimal place. First 3,4,5,6,7 → 5.0; latest 6.
    let five = scaled(5);
    assert_eq!(
        state(cell(&five, t, "scaled_twice", "mean_first")),
        (P, Some(5.0), None)
    );
    assert_eq!(
        state(cell(&five, t, "scaled_twice", "mean_change")),
        (P, Some(1.0), None)
    );
    // 60 % of 5 is 3 pupils whose scaling rose: fewer than k, so the share is withheld (issue 11:
    // a share's numerator says something about a small group).
    assert_eq!(
        state(cell(&five, t, "scaled_twice", "share_improved")),
        (S, None, Some(SuppressionReason::SmallNumerator))
    );
}

#[test]
fn k_below_3_is_refused_and_k_can_be_raised() {
    for k in [0, 1, 2, 101] {
        let e = check_k(k).unwrap_err();
        assert!(matches!(e, Error::K { .. }), "{k}");
        assert_eq!(e.field(), Some("k"));
        assert!(e.to_string().contains("from 3 to 100"), "{e}");
    }
    check_k(3).unwrap();
    // With k = 10, a category of 8 pupils is withheld.
    let mut pupils: Vec<_> = (0..8)
        .map(|_| pupil(YearBand::Years5To6, "Child in need", "Universal"))
        .collect();
    pupils.extend((0..12).map(|_| pupil(YearBand::Years5To6, "None", "Universal")));
    let s = summarise(&facts(pupils), NEUTRAL_LABEL, 10);
    assert_eq!(
        cell(&s, "pupils_by_care_status", "child_in_need", "pupils").status,
        S
    );
}

#[test]
fn hours_and_means_follow_their_counts() {
    use attune_domain::lead::summary_facts::SessionFacts;
    use attune_domain::model::SessionKind;
    // 12 pupils with planned sessions, 2 of them with crisis support too.
    let pupils: Vec<_> = (0..12)
        .map(|i| {
            let mut p = pupil(YearBand::Years5To6, "None", "Universal");
            p.sessions.push(SessionFacts {
                kind: SessionKind::Planned,
                sessions: 10,
                minutes: 300,
            });
            if i < 2 {
                p.sessions.push(SessionFacts {
                    kind: SessionKind::Crisis,
                    sessions: 1,
                    minutes: 45,
                });
            }
            p
        })
        .collect();
    let s = summarise(&facts(pupils), NEUTRAL_LABEL, 5);
    let t = "sessions";
    assert_eq!(
        cell(&s, t, "crisis", "sessions").reason,
        Some(SuppressionReason::Primary)
    );
    assert_eq!(
        cell(&s, t, "crisis", "hours").reason,
        Some(SuppressionReason::Primary)
    );
    // Total hours minus planned hours would give crisis hours away: planned is withheld.
    assert_eq!(cell(&s, t, "planned", "hours").status, S);
    assert_eq!(cell(&s, t, "planned", "sessions").status, S);
    assert_eq!(state(cell(&s, t, "all", "hours")), (P, Some(61.5), None));
    assert_eq!(
        state(cell(&s, t, "all", "sessions")),
        (P, Some(122.0), None)
    );
}

fn count_col(key: &str, total: bool) -> Column {
    Column {
        key: key.into(),
        label: key.into(),
        measure: "pupils".into(),
        unit: Unit::Pupils,
        kind: Kind::Count,
        additive: true,
        total,
        weight: None,
        range: None,
        change: false,
    }
}

/// A cross-tabulation with margins from a body of counts.
fn crosstab(body: &[&[u32]]) -> Table {
    let ncols = body[0].len();
    let mut columns: Vec<Column> = (0..ncols)
        .map(|c| count_col(&format!("c{c}"), false))
        .collect();
    columns.push(count_col("all", true));
    let mut rows: Vec<Row> = body
        .iter()
        .enumerate()
        .map(|(r, vals)| {
            let mut cells: Vec<Cell> = vals
                .iter()
                .map(|v| Cell::computed(Some(*v as f64), *v))
                .collect();
            let sum: u32 = vals.iter().sum();
            cells.push(Cell::computed(Some(sum as f64), sum));
            Row {
                key: format!("r{r}"),
                label: format!("r{r}"),
                total: false,
                range: None,
                cells,
            }
        })
        .collect();
    let mut totals: Vec<Cell> = (0..=ncols)
        .map(|c| {
            let v: f64 = rows.iter().map(|r| r.cells[c].raw.unwrap()).sum();
            Cell::computed(Some(v), v as u32)
        })
        .collect();
    totals.truncate(ncols + 1);
    rows.push(Row {
        key: "all".into(),
        label: "all".into(),
        total: true,
        range: None,
        cells: totals,
    });
    Table {
        id: "t".into(),
        title: "t".into(),
        note: String::new(),
        dimension: "d".into(),
        dimension_label: "d".into(),
        dimension_2: Some("e".into()),
        dimension_2_label: Some("e".into()),
        columns,
        rows,
    }
}

#[test]
fn both_margins_of_a_cross_tabulation_are_protected() {
    let mut t = crosstab(&[&[2, 9, 12], &[10, 11, 13], &[14, 15, 16]]);
    protect(&mut t, 5);
    let st = |r: usize, c: usize| t.rows[r].cells[c].status;
    assert_eq!(st(0, 0), S, "primary");
    // Its row and its column each need a second suppression; a fourth closes the rectangle.
    let row0 = (0..3).filter(|c| st(0, *c) == S).count();
    let col0 = (0..3).filter(|r| st(*r, 0) == S).count();
    assert!(row0 >= 2 && col0 >= 2, "row {row0}, column {col0}");
    assert_eq!(st(0, 1), S, "smallest other in the row");
    assert_eq!(st(1, 0), S, "smallest other in the column");
    assert_eq!(st(1, 1), S, "closes the rectangle");
    assert_eq!(st(3, 3), P, "grand total");
    assert!(determined_cells(&t).is_empty());
}

#[test]
fn a_suppression_pattern_with_a_bridge_is_caught_by_the_linear_audit() {
    // Suppress two 2x2 rectangles joined through one cell by hand: every row and column has
    // two suppressed cells, yet the joining cell (0, 2) is rows 0+1 minus columns 0+1.
    let mut t = crosstab(&[
        &[10, 10, 10, 10],
        &[10, 10, 10, 10],
        &[10, 10, 10, 10],
        &[10, 10, 10, 10],
    ]);
    for (r, c) in [
        (0, 0),
        (0, 1),
        (1, 0),
        (1, 1),
        (2, 2),
        (2, 3),
        (3, 2),
        (3, 3),
        (0, 2),
    ] {
        t.rows[r].cells[c].suppress(SuppressionReason::Secondary);
    }
    assert!(determined_cells(&t).contains(&(0, 2)));
    protect(&mut t, 5);
    assert!(
        determined_cells(&t).is_empty(),
        "the audit suppresses until nothing is derivable"
    );
}
