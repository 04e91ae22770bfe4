//! The printable report: one self-contained HTML page (inline CSS, inline SVG bar charts, no
//! script, no external resource), laid out for A4 when printed (print it to PDF from any
//! browser). Every figure in a chart is also in the table beside it, and a withheld figure is
//! a word and a marker, never only a colour.

use std::fmt::Write;

use crate::csv_out::{number, NOT_AVAILABLE, SUPPRESSED};
use crate::model::{Cell, CellStatus, Summary, SummaryKind, Table, Unit};

/// Escapes text for HTML (element content and quoted attributes).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
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

/// A horizontal bar chart as inline SVG. `max` is the scale's end.
fn bar_chart(out: &mut String, id: &str, caption: &str, bars: &[Bar<'_>], max: f64) {
    if bars.is_empty() {
        return;
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
    let _ = write!(
        out,
        "<figure><figcaption id=\"{id}-caption\">{}</figcaption>\
         <svg role=\"img\" aria-labelledby=\"{id}-caption\" \
         viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\">\
         <defs><pattern id=\"{id}-hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" \
         patternTransform=\"rotate(45)\"><rect width=\"3\" height=\"6\" fill=\"#1d70b8\"/></pattern></defs>",
        escape(caption)
    );
    for (i, b) in bars.iter().enumerate() {
        let y = 4.0 + row_h * i as f64;
        let text_y = y + row_h * 0.65;
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{text_y}\" text-anchor=\"end\" font-size=\"13\" fill=\"#0b0c0c\">{}</text>",
            label_w - 8.0,
            escape(&b.label)
        );
        let scale = |v: f64| (v.max(0.0) / max).min(1.0) * bar_w;
        let text = cell_text(b.cell, b.unit);
        let mut end = label_w;
        match b.cell.status {
            CellStatus::Published => {
                let w = scale(b.cell.value.unwrap_or(0.0));
                let _ = write!(
                    out,
                    "<rect x=\"{label_w}\" y=\"{}\" width=\"{w:.1}\" height=\"{}\" fill=\"#1d70b8\"/>",
                    y + 3.0,
                    row_h - 8.0
                );
                end += w;
            }
            CellStatus::Bounds => {
                let lo = scale(b.cell.lower.unwrap_or(0.0));
                let hi = b.cell.upper.map_or(bar_w, scale);
                let _ = write!(
                    out,
                    "<rect x=\"{label_w}\" y=\"{}\" width=\"{lo:.1}\" height=\"{}\" fill=\"#1d70b8\"/>\
                     <rect x=\"{:.1}\" y=\"{}\" width=\"{:.1}\" height=\"{}\" fill=\"url(#{id}-hatch)\" \
                     stroke=\"#1d70b8\"/>",
                    y + 3.0,
                    row_h - 8.0,
                    label_w + lo,
                    y + 3.0,
                    (hi - lo).max(0.0),
                    row_h - 8.0
                );
                end += hi;
            }
            _ => {
                let _ = write!(
                    out,
                    "<rect x=\"{label_w}\" y=\"{}\" width=\"24\" height=\"{}\" fill=\"none\" \
                     stroke=\"#505a5f\" stroke-dasharray=\"3 2\"/>",
                    y + 3.0,
                    row_h - 8.0
                );
                end += 24.0;
            }
        }
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{text_y}\" font-size=\"13\" fill=\"#0b0c0c\">{}</text>",
            end + 6.0,
            escape(&text)
        );
    }
    out.push_str("</svg></figure>");
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

fn charts(out: &mut String, t: &Table) {
    let id = format!("chart-{}", t.id.replace('_', "-"));
    match t.id.as_str() {
        "pupils_by_year_band_and_support_level" => {
            let bars = column_bars(t, "all", false);
            bar_chart(
                out,
                &format!("{id}-bands"),
                "Pupils by year-group band",
                &bars,
                max_of(&bars),
            );
            if let Some(total) = t.rows.iter().find(|r| r.total) {
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
                bar_chart(
                    out,
                    &format!("{id}-levels"),
                    "Pupils by support level",
                    &bars,
                    max_of(&bars),
                );
            }
        }
        "pupils_by_care_status" | "plans" => {
            let bars = column_bars(t, "pupils", false);
            bar_chart(
                out,
                &id,
                &format!("{}: pupils", t.title),
                &bars,
                max_of(&bars),
            );
        }
        "reviews" => {
            let bars = column_bars(t, "reviews", false);
            bar_chart(out, &id, "Reviews due in the period", &bars, max_of(&bars));
        }
        "goals_by_domain" => {
            let bars = column_bars(t, "share_improved", true);
            bar_chart(
                out,
                &id,
                "Share of rated goals improved, by domain",
                &bars,
                100.0,
            );
        }
        "sessions" => {
            let bars = column_bars(t, "hours", false);
            bar_chart(out, &id, "Hours of sessions, by kind", &bars, max_of(&bars));
        }
        "signs_of_safety" => {
            if let Some(r) = t.rows.first() {
                let bars: Vec<Bar<'_>> = ["mean_first", "mean_latest"]
                    .iter()
                    .filter_map(|k| t.column(k))
                    .map(|c| Bar {
                        label: t.columns[c].label.clone(),
                        cell: &r.cells[c],
                        unit: t.columns[c].unit,
                    })
                    .collect();
                bar_chart(out, &id, "Mean scaling (0 to 10)", &bars, 10.0);
            }
        }
        "indicators" => {
            for (i, r) in t.rows.iter().enumerate() {
                let bars: Vec<Bar<'_>> = ["mean_before", "mean_latest"]
                    .iter()
                    .filter_map(|k| t.column(k))
                    .map(|c| Bar {
                        label: t.columns[c].label.clone(),
                        cell: &r.cells[c],
                        unit: t.columns[c].unit,
                    })
                    .collect();
                let max = match r.range {
                    Some([_, hi]) if hi <= 100.0 => hi,
                    _ => max_of(&bars),
                };
                bar_chart(out, &format!("{id}-{i}"), &r.label, &bars, max);
            }
        }
        _ => {}
    }
}

fn table_html(out: &mut String, t: &Table) {
    let _ = write!(
        out,
        "<section><h2>{}</h2><p>{}</p>",
        escape(&t.title),
        escape(&t.note)
    );
    charts(out, t);
    out.push_str("<table><thead><tr>");
    let corner = match &t.dimension_2_label {
        Some(d2) => format!("{} \\ {}", t.dimension_label, d2),
        None => t.dimension_label.clone(),
    };
    let _ = write!(out, "<th scope=\"col\">{}</th>", escape(&corner));
    for c in &t.columns {
        let _ = write!(out, "<th scope=\"col\">{}</th>", escape(&c.label));
    }
    out.push_str("</tr></thead><tbody>");
    for r in &t.rows {
        let _ = write!(
            out,
            "<tr{}><th scope=\"row\">{}</th>",
            if r.total { " class=\"total\"" } else { "" },
            escape(&r.label)
        );
        for (c, cell) in t.columns.iter().zip(&r.cells) {
            let class = match cell.status {
                CellStatus::Published => "",
                _ => " class=\"withheld\"",
            };
            let _ = write!(out, "<td{class}>{}</td>", escape(&cell_text(cell, c.unit)));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></section>");
}

/// The report's HTML.
pub fn to_html(s: &Summary) -> String {
    let merged = s.kind == SummaryKind::Merged;
    let heading = if merged {
        "Merged anonymised summary"
    } else {
        "Anonymised summary"
    };
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{heading}: {}, {}</title><style>{STYLE}</style></head><body><main>\
         <header><h1>{heading}</h1><p class=\"lede\">{} · {}</p><dl class=\"facts\">",
        escape(&s.label),
        escape(&s.period),
        escape(&s.label),
        escape(&s.period)
    );
    let _ = write!(
        out,
        "<dt>Period</dt><dd>{}</dd><dt>Terms</dt><dd>{}</dd>\
         <dt>Disclosure control</dt><dd>k = {}</dd><dt>Made by</dt><dd>{}</dd>",
        escape(&s.period),
        escape(&s.terms.join(", ")),
        s.k,
        escape(&s.generator)
    );
    if merged {
        let labels: Vec<String> = s
            .sources
            .iter()
            .map(|src| format!("{} (k = {})", src.label, src.k))
            .collect();
        let _ = write!(
            out,
            "<dt>Schools</dt><dd>{}</dd>",
            escape(&labels.join("; "))
        );
    }
    out.push_str("</dl><div class=\"key\"><p><strong>How to read this report.</strong> ");
    let _ = write!(
        out,
        "{SUPPRESSED} marks a figure withheld so that no pupil can be picked out: a count \
         standing for fewer than {} pupils, a mean or share over fewer than {} pupils, and \
         figures withheld with them so that none can be worked out from the totals. \
         {NOT_AVAILABLE} marks a figure with nothing to show.</p>",
        s.k, s.k
    );
    if merged {
        out.push_str(
            "<p>A figure shown as a range (for example 12 to 18) adds up schools where some \
             figures were withheld: the true figure lies in that range, worked out only from \
             what the schools published. At least means no upper limit can be worked out.</p>",
        );
    }
    out.push_str(
        "<p>This summary holds no names, dates of birth, identifiers, free text or exact dates: \
         ages are year-group bands and dates are terms.</p></div></header>",
    );
    for t in &s.tables {
        table_html(&mut out, t);
    }
    out.push_str("<footer><p>Made with Attune from the school's own records.</p></footer></main></body></html>\n");
    out
}
