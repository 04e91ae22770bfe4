//! The printable report: one self-contained HTML page (inline CSS, inline SVG bar charts, no
//! script, no external resource), laid out for A4 when printed (print it to PDF from any
//! browser). Every figure in a chart is also in the table beside it, and a withheld figure is
//! a word and a marker, never only a colour.
//!
//! Written from the typed [`Summary`] through maud, which escapes every value it
//! interpolates (element text and attributes alike); only the fixed stylesheet is written
//! unescaped. There is no hand-written escaper: [`escape`] is maud's own, so the leak guard
//! looks for a name exactly as this page would write it.

use std::fmt::Write as _;

use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::csv_out::{number, NOT_AVAILABLE, SUPPRESSED};
use crate::model::{Cell, CellStatus, Summary, SummaryKind, Table, Unit};

/// Text as maud writes it into the page (`&`, `<`, `>` and `"` escaped).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    maud::Escaper::new(&mut out)
        .write_str(s)
        .expect("writing to a String cannot fail");
    out
}

/// A number for people: thousands separated, with its unit's decimals (and % for percentages).
fn shown(v: f64, unit: Unit) -> String {
    let s = number(v, unit);
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i.to_string(), format!(".{f}")),
        None => (s.clone(), String::new()),
    };
    let (sign, digits) = match int.strip_prefix('-') {
        Some(d) => ("-", d.to_string()),
        None => ("", int),
    };
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let pct = if unit == Unit::Percent { "%" } else { "" };
    format!("{sign}{grouped}{frac}{pct}")
}

/// A cell's text in the report.
pub fn cell_text(cell: &Cell, unit: Unit) -> String {
    match cell.status {
        CellStatus::Published => shown(cell.value.unwrap_or(0.0), unit),
        CellStatus::Suppressed => SUPPRESSED.into(),
        CellStatus::NotAvailable => NOT_AVAILABLE.into(),
        CellStatus::Bounds => match (cell.lower, cell.upper) {
            (Some(l), Some(u)) => format!("{} to {}", shown(l, unit), shown(u, unit)),
            (Some(l), None) => format!("at least {}", shown(l, unit)),
            _ => SUPPRESSED.into(),
        },
    }
}

const STYLE: &str = r#"
:root { color: #0b0c0c; background: #ffffff; }
body { font-family: "Helvetica Neue", Arial, sans-serif; font-size: 16px; line-height: 1.4; margin: 0; }
main { max-width: 960px; margin: 0 auto; padding: 24px; }
h1 { font-size: 32px; margin: 0 0 8px; }
h2 { font-size: 22px; margin: 32px 0 4px; border-top: 2px solid #b1b4b6; padding-top: 12px; }
p.lede { font-size: 20px; margin: 0 0 16px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0 0 16px; }
dl.facts dt { font-weight: bold; }
dl.facts dd { margin: 0; }
.key { border-left: 6px solid #1d70b8; background: #f3f2f1; padding: 12px 16px; margin: 16px 0; }
.key p { margin: 4px 0; }
table { border-collapse: collapse; margin: 12px 0 8px; width: 100%; font-size: 15px; }
th, td { border-bottom: 1px solid #b1b4b6; padding: 6px 8px; text-align: right; vertical-align: top; }
th[scope="row"], thead th:first-child { text-align: left; }
thead th { border-bottom: 2px solid #0b0c0c; }
tr.total th, tr.total td { font-weight: bold; border-top: 2px solid #0b0c0c; }
td.withheld { font-style: italic; }
figure { margin: 12px 0; break-inside: avoid; }
figcaption { font-weight: bold; margin-bottom: 4px; }
svg { max-width: 100%; height: auto; }
footer { margin-top: 32px; font-size: 14px; color: #505a5f; }
@page { size: A4; margin: 16mm 14mm; }
@media print {
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  h1 { font-size: 20pt; }
  h2 { font-size: 14pt; break-after: avoid; }
  table { font-size: 9pt; }
  tr { break-inside: avoid; }
  .key { background: none; border: 1px solid #0b0c0c; }
}
"#;

struct Bar<'a> {
    label: String,
    cell: &'a Cell,
    unit: Unit,
}

/// A number for an SVG attribute: one decimal, as the chart has always been drawn.
fn px(v: f64) -> String {
    format!("{v:.1}")
}

/// A horizontal bar chart as inline SVG. `max` is the scale's end.
fn bar_chart(id: &str, caption: &str, bars: &[Bar<'_>], max: f64) -> Markup {
    if bars.is_empty() {
        return html! {};
    }
    // Wide enough for the longest label at about 7 pixels a character (the figure scales down
    // to the page); labels are never cut, so nothing in them is hidden from a reader.
    let longest = bars
        .iter()
        .map(|b| b.label.chars().count())
        .max()
        .unwrap_or(0);
    let label_w = (longest as f64 * 7.0 + 16.0).clamp(120.0, 720.0);
    let (bar_w, row_h) = (330.0, 26.0);
    let width = label_w + bar_w + 130.0;
    let height = row_h * bars.len() as f64 + 8.0;
    let max = if max > 0.0 { max } else { 1.0 };
    let scale = |v: f64| (v.max(0.0) / max).min(1.0) * bar_w;
    let caption_id = format!("{id}-caption");
    let hatch_id = format!("{id}-hatch");
    html! {
        figure {
            figcaption id=(caption_id) { (caption) }
            svg role="img" aria-labelledby=(caption_id)
                viewBox={ "0 0 " (width) " " (height) } width=(width) height=(height) {
                defs {
                    pattern id=(hatch_id) width="6" height="6" patternUnits="userSpaceOnUse"
                        patternTransform="rotate(45)" {
                        rect width="3" height="6" fill="#1d70b8" {}
                    }
                }
                @for (i, b) in bars.iter().enumerate() {
                    @let y = 4.0 + row_h * i as f64;
                    @let text_y = y + row_h * 0.65;
                    text x=(label_w - 8.0) y=(text_y) text-anchor="end" font-size="13" fill="#0b0c0c" {
                        (b.label)
                    }
                    @let end = match b.cell.status {
                        CellStatus::Published => label_w + scale(b.cell.value.unwrap_or(0.0)),
                        CellStatus::Bounds => label_w + b.cell.upper.map_or(bar_w, scale),
                        _ => label_w + 24.0,
                    };
                    @match b.cell.status {
                        CellStatus::Published => {
                            rect x=(label_w) y=(y + 3.0) width=(px(scale(b.cell.value.unwrap_or(0.0))))
                                height=(row_h - 8.0) fill="#1d70b8" {}
                        }
                        CellStatus::Bounds => {
                            @let lo = scale(b.cell.lower.unwrap_or(0.0));
                            @let hi = b.cell.upper.map_or(bar_w, scale);
                            rect x=(label_w) y=(y + 3.0) width=(px(lo)) height=(row_h - 8.0) fill="#1d70b8" {}
                            rect x=(px(label_w + lo)) y=(y + 3.0) width=(px((hi - lo).max(0.0)))
                                height=(row_h - 8.0) fill={ "url(#" (hatch_id) ")" } stroke="#1d70b8" {}
                        }
                        _ => {
                            rect x=(label_w) y=(y + 3.0) width="24" height=(row_h - 8.0) fill="none"
                                stroke="#505a5f" stroke-dasharray="3 2" {}
                        }
                    }
                    text x=(px(end + 6.0)) y=(text_y) font-size="13" fill="#0b0c0c" {
                        (cell_text(b.cell, b.unit))
                    }
                }
            }
        }
    }
}

fn max_of(bars: &[Bar<'_>]) -> f64 {
    bars.iter()
        .filter_map(|b| match b.cell.status {
            CellStatus::Published => b.cell.value,
            CellStatus::Bounds => b.cell.upper.or(b.cell.lower),
            _ => None,
        })
        .fold(0.0, f64::max)
}

fn column_bars<'a>(t: &'a Table, col: &str, include_total: bool) -> Vec<Bar<'a>> {
    let Some(c) = t.column(col) else {
        return Vec::new();
    };
    t.rows
        .iter()
        .filter(|r| include_total || !r.total)
        .map(|r| Bar {
            label: r.label.clone(),
            cell: &r.cells[c],
            unit: t.columns[c].unit,
        })
        .collect()
}

/// The bars of one row, one per named column.
fn row_bars<'a>(t: &'a Table, r: &'a crate::model::Row, cols: &[&str]) -> Vec<Bar<'a>> {
    cols.iter()
        .filter_map(|k| t.column(k))
        .map(|c| Bar {
            label: t.columns[c].label.clone(),
            cell: &r.cells[c],
            unit: t.columns[c].unit,
        })
        .collect()
}

fn charts(t: &Table) -> Markup {
    let id = format!("chart-{}", t.id.replace('_', "-"));
    let one = |id: &str, caption: &str, bars: Vec<Bar<'_>>| {
        let max = max_of(&bars);
        bar_chart(id, caption, &bars, max)
    };
    match t.id.as_str() {
        "pupils_by_year_band_and_support_level" => {
            let bands = one(
                &format!("{id}-bands"),
                "Pupils by year-group band",
                column_bars(t, "all", false),
            );
            let levels = t.rows.iter().find(|r| r.total).map(|total| {
                let bars: Vec<Bar<'_>> = t
                    .columns
                    .iter()
                    .zip(&total.cells)
                    .filter(|(c, _)| !c.total)
                    .map(|(c, cell)| Bar {
                        label: c.label.clone(),
                        cell,
                        unit: c.unit,
                    })
                    .collect();
                one(&format!("{id}-levels"), "Pupils by support level", bars)
            });
            html! { (bands) @if let Some(l) = levels { (l) } }
        }
        "pupils_by_care_status" | "plans" => one(
            &id,
            &format!("{}: pupils", t.title),
            column_bars(t, "pupils", false),
        ),
        "reviews" => one(
            &id,
            "Reviews due in the period",
            column_bars(t, "reviews", false),
        ),
        "goals_by_domain" => bar_chart(
            &id,
            "Share of rated goals improved, by domain",
            &column_bars(t, "share_improved", true),
            100.0,
        ),
        "sessions" => one(
            &id,
            "Hours of sessions, by kind",
            column_bars(t, "hours", false),
        ),
        "signs_of_safety" => match t.rows.first() {
            Some(r) => bar_chart(
                &id,
                "Mean scaling (0 to 10)",
                &row_bars(t, r, &["mean_first", "mean_latest"]),
                10.0,
            ),
            None => html! {},
        },
        "indicators" => html! {
            @for (i, r) in t.rows.iter().enumerate() {
                @let bars = row_bars(t, r, &["mean_before", "mean_latest"]);
                @let max = match r.range {
                    Some([_, hi]) if hi <= 100.0 => hi,
                    _ => max_of(&bars),
                };
                (bar_chart(&format!("{id}-{i}"), &r.label, &bars, max))
            }
        },
        _ => html! {},
    }
}

fn table_html(t: &Table) -> Markup {
    let corner = match &t.dimension_2_label {
        Some(d2) => format!("{} \\ {}", t.dimension_label, d2),
        None => t.dimension_label.clone(),
    };
    html! {
        section {
            h2 { (t.title) }
            p { (t.note) }
            (charts(t))
            table {
                thead {
                    tr {
                        th scope="col" { (corner) }
                        @for c in &t.columns {
                            th scope="col" { (c.label) }
                        }
                    }
                }
                tbody {
                    @for r in &t.rows {
                        tr class=[r.total.then_some("total")] {
                            th scope="row" { (r.label) }
                            @for (c, cell) in t.columns.iter().zip(&r.cells) {
                                td class=[(cell.status != CellStatus::Published).then_some("withheld")] {
                                    (cell_text(cell, c.unit))
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The report's HTML.
pub fn to_html(s: &Summary) -> String {
    let merged = s.kind == SummaryKind::Merged;
    let heading = if merged {
        "Merged anonymised summary"
    } else {
        "Anonymised summary"
    };
    let schools = s
        .sources
        .iter()
        .map(|src| format!("{} (k = {})", src.label, src.k))
        .collect::<Vec<_>>()
        .join("; ");
    let page = html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (heading) ": " (s.label) ", " (s.period) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                main {
                    header {
                        h1 { (heading) }
                        p.lede { (s.label) " · " (s.period) }
                        dl.facts {
                            dt { "Period" } dd { (s.period) }
                            dt { "Terms" } dd { (s.terms.join(", ")) }
                            dt { "Disclosure control" } dd { "k = " (s.k) }
                            dt { "Made by" } dd { (s.generator) }
                            @if merged {
                                dt { "Schools" } dd { (schools) }
                            }
                        }
                        div.key {
                            p {
                                strong { "How to read this report." } " "
                                (SUPPRESSED) " marks a figure withheld so that no pupil can be \
                                picked out: a count standing for fewer than " (s.k) " pupils, a \
                                mean or share over fewer than " (s.k) " pupils, and figures \
                                withheld with them so that none can be worked out from the \
                                totals. " (NOT_AVAILABLE) " marks a figure with nothing to show."
                            }
                            @if merged {
                                p {
                                    "A figure shown as a range (for example 12 to 18) adds up \
                                    schools where some figures were withheld: the true figure \
                                    lies in that range, worked out only from what the schools \
                                    published. At least means no upper limit can be worked out."
                                }
                            }
                            p {
                                "This summary holds no names, dates of birth, identifiers, free \
                                text or exact dates: ages are year-group bands and dates are terms."
                            }
                        }
                    }
                    @for t in &s.tables {
                        (table_html(t))
                    }
                    footer {
                        p { "Made with Attune from the school's own records." }
                    }
                }
            }
        }
    };
    let mut out = page.into_string();
    out.push('\n');
    out
}
